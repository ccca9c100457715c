"""``brief archive add|list|show|history|verify|head|export|rebuild``: argument wiring and output.

Exit 0 on success, 1 on a refused add, a missing or altered file, a seal problem, a rebuild
that differs, or any error (printed as one line by :func:`report.cli.main`); 2 on a usage
error, also one line (``error: brief archive <command>: …``).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

from ..errors import BriefError
from . import DEFAULT_DIR


class OneLineParser(argparse.ArgumentParser):
    """A usage error is one line, exit 2 (``--help`` still gives the whole usage)."""

    def error(self, message: str):
        self.exit(2, f"error: {self.prog}: {message} (see {self.prog} --help)\n")


def head_hash(text: str) -> str:
    if not re.fullmatch(r"[0-9a-fA-F]{64}", text):
        raise argparse.ArgumentTypeError(f"takes a head hash, 64 hexadecimal digits as 'brief archive head' prints; "
                                         f"got {text!r}")
    return text.lower()


def usage(check):
    """An argument check from :mod:`.catalogue` (a BriefError) as a usage error."""
    def checked(text: str):
        try:
            return check(text)
        except BriefError as exc:
            raise argparse.ArgumentTypeError(exc.message) from None
    return checked


def one_line(text: str) -> str:
    if not text.isprintable():
        raise argparse.ArgumentTypeError("takes one line of text (no line breaks or control characters)")
    return text


def _catalogue():
    from . import catalogue  # only once an archive command's arguments are read: `brief build` never needs it

    return catalogue


def corrected_ref(text: str) -> tuple[str | None, int]:
    """``--corrects N`` or ``--corrects <brief>@N``: (brief or None, N)."""
    if "@" in text:
        return _catalogue().parse_id(text)
    return None, _catalogue().edition_number(text)


def brief_or_edition(text: str) -> str:
    """``<brief>@<edition>``, or a brief's slug alone (its latest edition)."""
    if "@" in text:
        _catalogue().parse_id(text)
    elif not text.strip():
        raise BriefError("takes <brief>@<edition>, or a brief's slug for its latest edition")
    return text


def add_archive_parser(sub) -> None:
    edition_ref = usage(lambda text: _catalogue().parse_id(text) and text)
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--archive", type=Path, default=DEFAULT_DIR,
                        help=f"the archive folder (default: ./{DEFAULT_DIR})")
    a = sub.add_parser("archive",
                       help="keep published editions: add, list, show, history, verify, head, export, rebuild")
    cmds = a.add_subparsers(dest="archive_command", required=True, parser_class=OneLineParser)
    add = cmds.add_parser("add", parents=[common], help="store an edition folder (dist/<slug>/)")
    add.add_argument("folder", type=Path)
    add.add_argument("--edition", type=usage(lambda text: _catalogue().edition_number(text)), default=None,
                     help="edition number (default: the next one)")
    add.add_argument("--note", type=one_line, default="",
                     help="what this edition corrects (required from edition 2; default: the note of the "
                          "edition's own correction notice)")
    add.add_argument("--corrects", metavar="N", type=usage(corrected_ref), default=None,
                     help="the edition of the same brief this one corrects (N or <brief>@N; default: the one "
                          "its front matter's [corrects] names)")
    ls = cmds.add_parser("list", parents=[common], help="list the archived editions")
    ls.add_argument("--json", action="store_true", help="a JSON list of editions, each with an id")
    show = cmds.add_parser("show", parents=[common], help="the full record of one edition")
    show.add_argument("id", type=usage(brief_or_edition),
                      help="<brief>@<edition>, as list shows, or <brief> for its latest edition")
    show.add_argument("--json", action="store_true")
    hist = cmds.add_parser("history", parents=[common],
                           help="every edition of one brief, oldest first, with what each corrects")
    hist.add_argument("brief", help="the brief's slug")
    hist.add_argument("--json", action="store_true", help="a JSON list of its editions")
    ver = cmds.add_parser("verify", parents=[common],
                          help="check the seals, re-hash stored files; exit 1 naming each problem")
    ver.add_argument("id", nargs="?", type=edition_ref, default=None)
    ver.add_argument("--expect", metavar="HASH", type=head_hash, default=None,
                     help="a head hash kept elsewhere ('brief archive head', or a bag's Catalogue-Seal): "
                          "the chain must pass through it")
    cmds.add_parser("head", parents=[common],
                    help="print the head hash to keep elsewhere (only for a catalogue that passes its seal check)")
    exp = cmds.add_parser("export", parents=[common], help="write one edition as a BagIt bag")
    exp.add_argument("id", type=edition_ref)
    exp.add_argument("--bagit", type=Path, required=True, metavar="DIR", help="the bag folder to create")
    reb = cmds.add_parser("rebuild", parents=[common],
                          help="rebuild from the archive file's sources; exit 0 only if the bytes are identical")
    reb.add_argument("id", type=edition_ref)


def run_archive(args, build) -> int:
    """Run one ``brief archive`` command; a SQLite error becomes one line (an OSError is
    named by :func:`report.cli.main`). ``build`` is :func:`report.pipeline.build`, for
    ``rebuild``: the CLI passes it, as the archive sits below the pipeline."""
    import sqlite3

    from .catalogue import storage_error
    from .core import Archive

    archive = Archive(args.archive)
    try:
        if args.archive_command == "rebuild":
            return _rebuild(archive, args, build)
        return COMMANDS[args.archive_command](archive, args)
    except sqlite3.Error as exc:
        raise storage_error(exc, archive.root, "nothing was changed") from None


def _add(archive, args) -> int:
    from .edition import read_edition

    result = archive.add(read_edition(args.folder), edition=args.edition, note=args.note, corrects=args.corrects)
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
        print(f"{e.id:28} {m.date:10}  {m.series}{number}: {m.title}{_noted(e)}")
    return 0


def _noted(e) -> str:
    """``  — corrects <id>: <note>``, ``  — <note>`` or nothing."""
    if e.corrects:
        return f"  — corrects {e.corrects}: {e.note}"
    return f"  — {e.note}" if e.note else ""


def _show(archive, args) -> int:
    ed = archive.editions(args.id)[0] if "@" in args.id else archive.history(args.id)[-1]
    if args.json:
        print(json.dumps(ed.to_dict(), ensure_ascii=False, indent=2))
        return 0
    m = ed.meta
    said = f"\n  corrects: {ed.corrects} — {ed.note}" if ed.corrects else f"  ({ed.note})" if ed.note else ""
    print(f"{ed.id}\n  title:    {m.title}\n  series:   {m.series}{' ' + m.number if m.number else ''}\n"
          f"  authors:  {', '.join(m.authors)}\n  date:     {m.date}\n  edition:  {ed.edition}"
          f"{said}\n  added:    {ed.added_at}")
    for f in ed.files.values():
        print(f"  {f.variant:8} {f.sha256}  {f.bytes:,} bytes  {f.pages} pages  {f.standard}  "
              f"{f.tool}  {archive.store.path(f.sha256)}")
    return 0


def _history(archive, args) -> int:
    eds = archive.history(args.brief)
    by = {e.corrects: e.id for e in eds if e.corrects}
    if args.json:
        print(json.dumps([{**e.to_dict(), "corrected_by": by.get(e.id), "latest": e is eds[-1]} for e in eds],
                         ensure_ascii=False, indent=2))
        return 0
    for e in eds:
        after = f"  (corrected by {by[e.id]})" if e.id in by else "  (latest)" if e is eds[-1] else ""
        print(f"{e.id:28} {e.meta.date:10}  added {e.added_at}{after}{_noted(e)}")
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
    for note in sealed.notes:
        print(f"note: {note}")
    if sealed.reaches:
        print(f"catalogue: the chain passes through {args.expect} (record {sealed.reaches})")
    if sealed.pending:
        print("note: the last add committed but did not finish its head file; the next add completes it")
    state = sealed.state
    if sealed.unsealed:
        print(f"catalogue: {state.editions} record(s), not sealed yet (made before seals; the next add seals it)"
              + (f", {len(sealed.problems)} seal problem(s)" if sealed.problems else ""))
        return 1
    if sealed.problems:
        print(f"catalogue: {state.editions} record(s), {len(sealed.problems)} seal problem(s)")
    else:
        print(f"catalogue: {state.editions} sealed record(s), chain intact; head {state.head} "
              f"(keep this hash elsewhere to prove the catalogue later)")
    return 0 if report.ok else 1


def _head(archive, args) -> int:
    print(archive.head().head)
    return 0


def _export(archive, args) -> int:
    from .bagit_export import export

    path = export(archive, args.id, args.bagit)
    print(f"{args.id}: bag written to {path}")
    return 0


def _rebuild(archive, args, build) -> int:
    from .rebuild import rebuild

    out = rebuild(archive, args.id, build, say=lambda msg: print(msg, file=sys.stderr))
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


COMMANDS = {"add": _add, "list": _list, "show": _show, "history": _history, "verify": _verify, "head": _head,
            "export": _export}
