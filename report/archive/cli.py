"""``brief archive add|list|show|verify|export|rebuild``: argument wiring and output.

Exit 0 on success, 1 on a refused add, a missing or altered file, a rebuild that differs,
or any error (printed as one line by :func:`report.cli.main`); 2 on a usage error.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import sys
from pathlib import Path

from ..errors import BriefError
from . import DEFAULT_DIR


def add_archive_parser(sub) -> None:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--archive", type=Path, default=DEFAULT_DIR,
                        help=f"the archive folder (default: ./{DEFAULT_DIR})")
    a = sub.add_parser("archive", help="keep published editions: add, list, show, verify, export, rebuild")
    cmds = a.add_subparsers(dest="archive_command", required=True)
    add = cmds.add_parser("add", parents=[common], help="store an edition folder (dist/<slug>/)")
    add.add_argument("folder", type=Path)
    add.add_argument("--edition", type=int, default=None, help="edition number (default: the next one)")
    add.add_argument("--note", default="", help="what this edition corrects (required from edition 2)")
    ls = cmds.add_parser("list", parents=[common], help="list the archived editions")
    ls.add_argument("--json", action="store_true", help="a JSON list of editions, each with an id")
    show = cmds.add_parser("show", parents=[common], help="the full record of one edition")
    show.add_argument("id", help="<brief>@<edition>, as list shows")
    show.add_argument("--json", action="store_true")
    ver = cmds.add_parser("verify", parents=[common], help="re-hash stored files; exit 1 if any is missing or altered")
    ver.add_argument("id", nargs="?", default=None)
    ver.add_argument("--expect", metavar="HASH", default=None,
                     help="a head hash kept elsewhere (printed by an earlier verify): the chain must pass through it")
    exp = cmds.add_parser("export", parents=[common], help="write one edition as a BagIt bag")
    exp.add_argument("id")
    exp.add_argument("--bagit", type=Path, required=True, metavar="DIR", help="the bag folder to create")
    reb = cmds.add_parser("rebuild", parents=[common],
                          help="rebuild from the archive file's sources; exit 0 only if the bytes are identical")
    reb.add_argument("id")


def run_archive(args) -> int:
    """Run one ``brief archive`` command; storage errors become one-line BriefErrors."""
    from .core import Archive

    archive = Archive(args.archive)
    try:
        return COMMANDS[args.archive_command](archive, args)
    except sqlite3.Error as exc:
        raise BriefError(f"catalogue error: {exc}", archive.root) from None
    except OSError as exc:
        raise BriefError(f"{exc.strerror or exc}", exc.filename or archive.root) from None


def _add(archive, args) -> int:
    from .edition import read_edition

    if args.edition is not None and args.edition < 1:
        raise BriefError("--edition must be 1 or more")
    result = archive.add(read_edition(args.folder), edition=args.edition, note=args.note)
    for variant in result.repaired:
        print(f"{result.id}: the stored {variant} file was missing or altered and has been restored")
    if not result.new:
        print(f"{result.id}: already archived with identical files; nothing to do")
        return 0
    print(f"{result.id}: added to {archive.root}")
    return 0


def _list(archive, args) -> int:
    eds = archive.editions()
    if args.json:
        print(json.dumps([e.to_dict() for e in eds], ensure_ascii=False, indent=2))
        return 0
    for e in eds:
        m = e.meta
        number = f" {m.number}" if m.number else ""
        note = f"  — {e.note}" if e.note else ""
        print(f"{e.id:28} {m.date:10}  {m.series}{number}: {m.title}{note}")
    return 0


def _show(archive, args) -> int:
    ed = archive.editions(args.id)[0]
    if args.json:
        print(json.dumps(ed.to_dict(), ensure_ascii=False, indent=2))
        return 0
    m = ed.meta
    print(f"{ed.id}\n  title:    {m.title}\n  series:   {m.series}{' ' + m.number if m.number else ''}\n"
          f"  authors:  {', '.join(m.authors)}\n  date:     {m.date}\n  edition:  {ed.edition}"
          f"{'  (' + ed.note + ')' if ed.note else ''}\n  added:    {ed.added_at}")
    for f in ed.files.values():
        print(f"  {f.variant:8} {f.sha256}  {f.bytes:,} bytes  {f.pages} pages  {f.standard}  "
              f"{f.tool}  {archive.store.path(f.sha256)}")
    return 0


def _verify(archive, args) -> int:
    report = archive.verify(args.id, expect=args.expect)
    for p in report.problems:
        print(f"{p.state.upper()}: {p.edition} {p.variant} file {p.path}")
    if report.unreferenced:
        print(f"note: {len(report.unreferenced)} stored file(s) belong to no edition (left by an interrupted add; "
              f"harmless, a later add reuses them)")
    if report.leftovers:
        print(f"note: {len(report.leftovers)} temporary file(s) from an interrupted add, e.g. {report.leftovers[0]} "
              f"(safe to delete while no add runs)")
    bad = len(report.problems)
    print(f"{report.checked - bad} of {report.checked} stored files intact" + (f", {bad} missing or altered" if bad else ""))
    sealed = report.seal
    for problem in sealed.problems:
        print(f"TAMPERED: {problem}")
    if sealed.reaches:
        print(f"catalogue: the chain passes through {args.expect} (record {sealed.reaches})")
    if sealed.pending:
        print("note: the last add committed but did not finish its head file; the next add completes it")
    state = sealed.state
    verdict = f"{len(sealed.problems)} seal problem(s)" if sealed.problems else "chain intact"
    print(f"catalogue: {state.editions} sealed record(s), {verdict}; head {state.head} "
          f"(keep this hash elsewhere to prove the catalogue later)")
    return 0 if report.ok else 1


def _export(archive, args) -> int:
    from .bagit_export import export

    path = export(archive, args.id, args.bagit)
    print(f"{args.id}: bag written to {path}")
    return 0


def _rebuild(archive, args) -> int:
    from .rebuild import rebuild

    out = rebuild(archive, args.id, say=lambda msg: print(msg, file=sys.stderr))
    for note in out.notes:
        print(note)
    ed = archive.editions(args.id)[0]
    for variant, same in out.identical.items():
        if same:
            print(f"{variant}: identical")
            continue
        f, (sha, size) = ed.files[variant], out.rebuilt[variant]
        print(f"{variant}: different (archived {f.bytes:,} bytes {f.sha256[:12]}…, rebuilt {size:,} bytes {sha[:12]}…)")
    return 0 if out.ok else 1


COMMANDS = {"add": _add, "list": _list, "show": _show, "verify": _verify, "export": _export,
            "rebuild": _rebuild}
