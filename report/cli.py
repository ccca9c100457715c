"""Command line: ``brief build``, ``check``, ``places``, ``new``, ``diff``, ``archive``. Exit 0 on success, 1 on a build
error (one message naming file and line), 2 on a usage error.

Everything it prints goes through :func:`report.terminal.escaped_output` (control characters
shown as escapes), and no exception leaves :func:`main` as a traceback: what is not a
``BriefError`` or an ``OSError`` is ``error: internal error: … (please report)``, exit 1."""

from __future__ import annotations

import argparse
import errno
import json
import os
import re
import signal
import sys
from pathlib import Path

from .editions import EDITIONS
from .errors import BriefError, Terminated, raise_terminated
from .terminal import escaped_output, one_line

SAMPLE = Path("briefs/japan-russia-2018")
#: the preflight's standards alone (report.preflight.STANDARDS; named here so that building the
#: parser imports neither ReportLab nor pikepdf: `brief --help` and usage errors stay instant)
STANDARDS = ("pdfa-2b", "pdfa-3b", "pdfua-1", "pdfx-1a")


def _parser() -> argparse.ArgumentParser:
    from .schema import PAGE_SIZES

    p = argparse.ArgumentParser(prog="brief", description="Typeset policy briefs as PDF editions.")
    sub = p.add_subparsers(dest="command", required=True)

    b = sub.add_parser("build", help="build a brief's editions into DIR/<slug>/")
    b.add_argument("brief_dir", type=Path, help="folder holding brief.md")
    b.add_argument("--out", type=Path, default=Path("dist"), help="output folder (default: dist)")
    b.add_argument("--variant", choices=[*EDITIONS, "all"], default="all",
                   help="which edition to build (default: all)")
    b.add_argument("--styles", type=Path, default=None,
                   help="folder of house styles (default: the project's styles/)")
    b.add_argument("--geodata", type=Path, default=None, metavar="DIR",
                   help="take the bundled gazetteer and annotation layers from DIR (e.g. the geodata/ an "
                        "archive edition's sources were extracted to) instead of the installed ones")
    b.add_argument("--saddle-stitch", action="store_true",
                   help="pad the print edition with blank pages to a multiple of 4")
    b.add_argument("--watch", action="store_true",
                   help="rebuild on every saved change to the brief, its figures or its style")
    b.add_argument("-q", "--quiet", action="store_true", help="print only errors")

    c = sub.add_parser("check", help="preflight a PDF against an edition's profile or a standard alone")
    c.add_argument("file", type=Path)
    c.add_argument("--profile", required=True,
                   choices=[*EDITIONS, *STANDARDS],
                   help="an edition (its standard + house rules) or a standard alone (any PDF)")
    c.add_argument("--page-size", choices=list(PAGE_SIZES), default="A4",
                   help="the trimmed page size the house rules hold every page to: the style's (default A4)")
    c.add_argument("--json", action="store_true", help="results as a JSON list")

    pl = sub.add_parser("places", help="search the gazetteers: bundled, a brief's own and the world's")
    pl.add_argument("query", nargs="?", default="",
                    help="a name or its beginning, in any language; without it, the curated entries")
    pl.add_argument("--brief", type=Path, default=None, help="a brief folder whose places.toml extends the gazetteer")
    pl.add_argument("--country", type=_country, default=None, help="only places in this country (ISO code, e.g. GE)")
    pl.add_argument("--near", type=_lat_lon, default=None, metavar="LAT,LON",
                    help="nearest places first (a negative latitude works as --near -33.9,151.2 too)")
    pl.add_argument("--limit", type=_limit, default=20,
                    help=f"at most this many world places (default 20, at most {LIMIT_MAX:,})")
    pl.add_argument("--countries", action="store_true",
                    help="list ISO country codes with their id in the countries layer (for [[country]] labels)")
    pl.add_argument("--json", action="store_true", help="a JSON list of objects")

    n = sub.add_parser("new", help="write a new brief folder DIR/SLUG/ (it builds once its REPLACE: values are "
                                   "replaced)")
    n.add_argument("slug", type=_slug, help="the brief's folder name: lower-case letters, digits, hyphens")
    n.add_argument("--dir", type=Path, default=Path("briefs"), help="parent folder (default: briefs)")

    d = sub.add_parser("diff", help="what changed between two editions of a brief (text, figures, metadata)")
    d.add_argument("old", help="the older edition: an edition folder (DIR/<slug>/), an archive edition "
                               "(<slug>@<N>) or an archive edition's PDF")
    d.add_argument("new", help="the newer edition, the same ways")
    from .archive import DEFAULT_DIR
    d.add_argument("--archive", type=Path, default=DEFAULT_DIR,
                   help=f"the archive folder <slug>@<N> is read from (default: ./{DEFAULT_DIR})")
    shown = d.add_mutually_exclusive_group()
    shown.add_argument("--json", action="store_true", help="the changes as JSON: text, figures, meta")
    shown.add_argument("--changes", action="store_true",
                   help="print the changes as the `changes = [...]` line of a correction's [corrects] front matter")
    d.add_argument("--pdf", type=Path, default=None, metavar="FILE",
                   help="also write the new edition as a redline against the old one (tagged, like the screen edition)")

    from .archive.cli import add_archive_parser
    add_archive_parser(sub)
    return p


def main(argv: list[str] | None = None) -> int:
    with escaped_output():
        return _run(sys.argv[1:] if argv is None else list(argv))


def _run(argv: list[str]) -> int:
    try:
        args = _parser().parse_args(_joined_values(argv))
        if args.command == "build":
            return _build(args)
        if args.command == "places":
            return _places(args)
        if args.command == "new":
            from .scaffold import new_brief

            home = new_brief(args.slug, args.dir)
            print(one_line(f"{home}: brief.md, figures/map.toml, places.toml written; "
                           f"replace the REPLACE: values, then: brief build {home}"))
            return 0
        if args.command == "check":
            return _check(args)
        if args.command == "diff":
            return _diff(args)
        if args.command == "archive":
            from .archive.cli import run_archive
            return run_archive(args, _pipeline_build)
    except BriefError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted: nothing was written", file=sys.stderr)
        return 130
    except BrokenPipeError:  # the reader went away (brief places … | head): nothing more to say
        return 1
    except Terminated:
        print("terminated: nothing was written", file=sys.stderr)
        return 128 + signal.SIGTERM
    except OSError as exc:  # a full disk, a folder we may not write: one line, not a traceback
        print(f"error: {one_line(os_error(exc))}", file=sys.stderr)
        return 1
    except Exception as exc:  # a bug: still one line, never a traceback
        print(f"error: internal error: {one_line(str(exc)) or 'no message'} (please report)", file=sys.stderr)
        return 1
    return 2


#: options whose value may start with "-" (a southern latitude): argparse would take
#: ``--near -33.9,151.2`` for two options, so such a pair is passed as ``--near=-33.9,151.2``
NEGATIVE_VALUES = ("--near",)


def _joined_values(argv: list[str]) -> list[str]:
    out: list[str] = []
    i = 0
    while i < len(argv):
        if argv[i] == "--":
            return out + argv[i:]
        if argv[i] in NEGATIVE_VALUES and i + 1 < len(argv) and re.match(r"-[.\d]", argv[i + 1]):
            out.append(f"{argv[i]}={argv[i + 1]}")
            i += 2
            continue
        out.append(argv[i])
        i += 1
    return out


def os_error(exc: OSError) -> str:
    """``file: what went wrong`` for an error of the operating system."""
    what = {errno.ENOSPC: "no space left on the device; nothing was written",
            errno.EDQUOT: "disk quota exceeded; nothing was written",
            errno.EACCES: "permission denied", errno.EPERM: "operation not permitted",
            errno.EROFS: "the file system is read-only"}.get(exc.errno, exc.strerror or str(exc))
    return f"{exc.filename}: {what}" if exc.filename else what


def _check_out(out: Path) -> None:
    """``--out`` must be a folder we can write into (or one we can create)."""
    probe = out
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    if not probe.is_dir():
        raise BriefError("--out must be a folder, but this is a file", probe)
    if not os.access(probe, os.W_OK | os.X_OK):
        raise BriefError("--out is not writable (permission denied)", probe)


def _build(args) -> int:
    from .pipeline import build
    from .style import STYLES_DIR

    variants = list(EDITIONS) if args.variant == "all" else [args.variant]
    _check_out(args.out)
    say = None if args.quiet else (lambda msg: print(msg, file=sys.stderr, flush=True))

    def run():
        return build(args.brief_dir, args.out, variants, progress=say,
                     styles_dir=args.styles or STYLES_DIR, pad_to=4 if args.saddle_stitch else 1,
                     geodata_dir=args.geodata)

    if args.watch:
        from .watch import watch

        return watch(run, args.brief_dir, args.styles or STYLES_DIR)
    for item in run():
        print(one_line(f"{item.path}  {item.pages} pages  {item.size:,} bytes"))
    return 0


def _diff(args) -> int:
    """Exit 0 whether or not the editions differ (1 is an error, as for every command)."""
    from .diff import diff, human, summary

    if args.pdf is not None:
        from .redline import write_redline

        found, pages = write_redline(args.old, args.new, args.pdf, args.archive)
    else:
        found = diff(args.old, args.new, args.archive)
    if args.changes:  # a TOML array of basic strings: JSON's string escapes are TOML's
        print("changes = " + json.dumps(summary(found, pages=False), ensure_ascii=False))
    else:
        print(json.dumps(found.as_json(), ensure_ascii=False, indent=1) if args.json else human(found))
    if args.pdf is not None:
        print(one_line(f"redline: {args.pdf}  {pages} pages"), file=sys.stderr)
    return 0


def _pipeline_build(*args, **kwargs):
    """:func:`report.pipeline.build`, imported when ``brief archive rebuild`` calls it."""
    from .pipeline import build

    return build(*args, **kwargs)


def _check(args) -> int:
    from .preflight import check, format_text, to_json
    from .style import MM, PAGE_SIZES

    if not args.file.is_file():
        raise BriefError("no such file", args.file)
    _bounded(args.file)
    results = check(args.file, profile=args.profile, page=tuple(v * MM for v in PAGE_SIZES[args.page_size]))
    print(to_json(results) if args.json else format_text(results))
    return 0 if all(r.ok for r in results) else 1


def _bounded(path: Path) -> None:
    """A file whose streams decode to more than the limit is refused before any rule runs."""
    import pikepdf

    from .preflight.streams import oversized
    from .schema import LIMITS

    try:
        with pikepdf.open(path) as pdf:
            big = oversized(pdf)
    except pikepdf.PasswordError:
        raise BriefError("the file is encrypted and needs a password to open, so brief check cannot judge it "
                         "(PDF/X-1a and PDF/A forbid encryption)", path) from None
    except pikepdf.PdfError:
        return  # not a PDF pikepdf can open: structure.open reports it
    if big:
        raise BriefError(f"{big[0]}: a stream decodes to more than {LIMITS['stream_bytes'] >> 20} MiB, "
                         "the limit of brief check", path)


def _country(value: str) -> str:
    if not (len(value) == 2 and value.isalpha()):
        raise argparse.ArgumentTypeError(f"'{one_line(value)}' is not a two-letter ISO 3166 country code")
    return value.upper()


#: more than the world gazetteer holds: a larger --limit changes nothing
LIMIT_MAX = 1_000_000


def _limit(value: str) -> int:
    try:
        limit = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{one_line(value)}' is not a whole number") from None
    if not 1 <= limit <= LIMIT_MAX:
        raise argparse.ArgumentTypeError(f"{limit} is outside 1..{LIMIT_MAX}")
    return limit


def _slug(value: str) -> str:
    from .scaffold import SLUG_RULE, is_slug

    if not is_slug(value):
        raise argparse.ArgumentTypeError(f"'{one_line(value)}' is not a slug: {SLUG_RULE}")
    return value


def _lat_lon(value: str) -> tuple[float, float]:
    try:
        lat, lon = (float(v) for v in value.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{one_line(value)}' is not LAT,LON (e.g. 41.7,44.8)") from None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise argparse.ArgumentTypeError(f"'{one_line(value)}' is outside -90..90, -180..180")
    return lat, lon


def _places(args) -> int:
    from geodata.lookup import PlaceFinder
    from geodata.places import Gazetteer, GazetteerError
    from geodata.world import WorldIndexError

    from . import cache

    if args.countries:
        from geodata.world import country_layer_ids

        rows = country_layer_ids()
        if args.json:
            print(json.dumps(rows, ensure_ascii=False, indent=2))
        else:
            print("\n".join(f"{r['country'] or '--'}  {r['id'] or '-':36} {r['name']}" for r in rows))
        return 0
    try:
        finder = PlaceFinder(Gazetteer.load(args.brief), cache.root(),
                             progress=lambda msg: print(msg, file=sys.stderr, flush=True))
        places = finder.search(args.query, args.country, args.near, args.limit)
    except (GazetteerError, WorldIndexError) as exc:
        raise BriefError(str(exc)) from None
    if args.json:
        print(json.dumps([p.to_listing() for p in places], ensure_ascii=False, indent=2))
    for p in [] if args.json else places:
        names = " / ".join(dict.fromkeys(v for v in p.names.values() if v))
        where = p.facts.get("label", "") if p.geonames and p.population is not None else ""
        pop = f"  pop. {p.population:,}" if p.population else ""
        print(one_line(f"{p.id:18} {p.kind:15} {p.lat:9.4f} {p.lon:10.4f}  {where or names}{pop}  [{p.source}]"))
    if not places:
        print(f"no place matches '{one_line(args.query)}'", file=sys.stderr)
        return 1
    return 0


def run() -> None:
    """The console entry point: main(), then exit without tearing the interpreter down.

    Every output is already written, fsynced and renamed by then, and worker pools are
    joined; freeing ReportLab's and pikepdf's object graphs one by one would only add about
    30 ms to each build."""
    signal.signal(signal.SIGTERM, raise_terminated)  # unwinds like Ctrl-C: workers stopped, one line
    code = main()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except OSError:  # the reader went away (… | head) or the output's disk is full
            code = code or 1
    os._exit(code)


if __name__ == "__main__":
    run()
