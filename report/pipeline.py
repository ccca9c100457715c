"""The build, read forward once: source → model → figures → layout → finishing per
variant → preflight → atomic write. Each stage is one module; this one only wires them."""

from __future__ import annotations

import contextlib
import functools
import gc
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

from . import TOOL
from . import workers as workers_
from .errors import BriefError
from .compose import compose, form_name
from .editions import EDITIONS
from .figforms import copy_of, trusted
from .figures import prepare
from .layout import layout
from .model import Brief
from .output import publish
from .preflight import PROFILES, check
from .pdf.common import FinishInput, build_epoch
from .provenance import gather
from .source import load_brief
from .style import STYLES_DIR, Style, load_style



@dataclass(frozen=True)
class Built:
    variant: str
    path: Path
    pages: int
    size: int


def load(brief_dir: Path, styles_dir: Path = STYLES_DIR, geodata_dir: Path | None = None) -> tuple[Brief, Style]:
    brief = load_brief(brief_dir, geodata_dir)
    style = load_style(brief.meta.style, styles_dir, referrer=brief.path,
                       referrer_line=brief.meta.lines.get("style"))
    return brief, style


def build(brief_dir: Path, out_dir: Path, variants: Sequence[str],
          progress: Callable[[str], None] | None = None,
          styles_dir: Path = STYLES_DIR, pad_to: int = 1, geodata_dir: Path | None = None) -> list[Built]:
    """Build the requested editions of one brief into ``out_dir/<slug>/``; ``geodata_dir``
    replaces the bundled gazetteer and annotation layers (see :func:`report.source.load_brief`)."""
    started = time.perf_counter()
    report = progress or (lambda _msg: None)

    def say(msg: str) -> None:
        report(f"{time.perf_counter() - started:6.2f} s  {msg}")

    unknown = [v for v in variants if v not in EDITIONS]
    if unknown:
        raise BriefError(f"unknown variant(s) {', '.join(unknown)} (known: {', '.join(EDITIONS)})")
    brief, style = load(Path(brief_dir), Path(styles_dir), geodata_dir)
    say(f"source: {brief.path} ({len(brief.blocks)} blocks), style {style.name}")
    epoch = build_epoch(brief)
    figures = prepare(brief, style, progress=say, warn=lambda msg: print(msg, file=sys.stderr))
    sources = gather(brief, style, TOOL, epoch, figures, geodata_dir)
    if figures:
        say(f"figures: {len(figures)} ready")
    files: dict[Path, bytes] = {}
    built: list[Built] = []
    with _gc_paused():
        laid = layout(brief, style, figures)
        stamped = {}  # figure copy -> (the layout with those figures stamped, their PDFs by id)
        for flavour in dict.fromkeys(EDITIONS[name].figures for name in variants):
            pdfs = {fid: copy_of(fig, style, flavour) for fid, fig in figures.items()}
            stamped[flavour] = compose(laid, pdfs), pdfs
        say(f"layout ({' and '.join(stamped)} figures): {laid.pages} pages")
        jobs = [(name, *stamped[EDITIONS[name].figures]) for name in variants]
        edition = functools.partial(_edition, brief=brief, style=style, epoch=epoch, pad_to=pad_to,
                                    figures=figures, out_dir=Path(out_dir), provenance=sources)
        outcomes = _in_parallel(edition, jobs, cost=lambda job: _validator_runs(job[0]))
    for (name, *_), outcome in zip(jobs, outcomes):
        if outcome[0] == "error":
            raise BriefError(*outcome[1:])
        _, path, pdf, rules, pages = outcome
        say(f"finish {name}: {len(pdf):,} bytes")
        say(f"preflight {name}: {rules} rules pass")
        files[path] = pdf
        built.append(Built(name, path, pages, len(pdf)))
    folder = Path(out_dir) / brief.meta.slug
    about = {b.path.name: {"variant": b.variant, "build_id": sources.build_id, "tool": TOOL} for b in built}
    stale = publish(folder, {p.name: data for p, data in files.items()}, about)
    if any(item.pending is not None for item in brief.inputs):  # the place lock, updated only now
        from .placelock import commit

        commit(brief)
    if stale:
        say(f"output: removed {len(stale)} stale file(s) of an interrupted build, e.g. {stale[0]}")
    say(f"output: {len(files)} file(s) in place, build {sources.build_id[:12]}")
    return built


def _edition(job, *, brief, style, epoch, pad_to, figures, out_dir, provenance):
    """Finish one edition and check it: ("ok", path, bytes, rules passed, pages) or ("error", ...).
    The page count is the finished file's (the print edition may be padded), read from its bytes."""
    name, laid, pdfs = job
    edition = EDITIONS[name]
    path = out_dir / brief.meta.slug / edition.file_name(brief.meta.slug)
    try:
        pdf = edition.finish(FinishInput(edition=edition, laid=laid, brief=brief, style=style, epoch=epoch,
                                         tool=TOOL, pad_to=pad_to, provenance=provenance))
        checked = trusted(figures, name, pdfs)
        results = check(pdf, profile=name, trusted=checked, page=style.page.points)
    except BriefError as exc:
        return ("error", exc.message, exc.path, exc.line)
    failures = [r for r in results if not r.ok]
    if failures:
        detail = "; ".join(f"{r.rule} ({r.where}): {r.message}" for r in failures[:5])
        where, line, source = _blame(pdf, failures[0], brief)
        return ("error", f"the {name} edition ({path.name}, not written) fails preflight: {detail}{source}",
                where, line)
    return ("ok", path, pdf, len(results), _pages(pdf))


def _pages(pdf: bytes) -> int:
    import io

    import pikepdf

    with pikepdf.open(io.BytesIO(pdf)) as doc:
        return len(doc.pages)


def _blame(pdf: bytes, failure, brief) -> tuple[Path, int | None, str]:
    """(file, line, words) of the source behind a failure that names an object: the text run
    drawn with it, found in the brief's files; the brief itself when nothing is found."""
    from .inputs import locate
    from .preflight.blame import code_in, usage

    found = None
    if failure.where.startswith("obj "):
        try:
            found = usage(pdf, int(failure.where.split()[1]), code_in(failure.message))
        except (ValueError, IndexError):
            found = None
    if found is None:
        return brief.path, None, ""
    what = f' in the word "{found.word}"' if found.word else ""
    said = (f'; the object is the font {found.font}, used{what} of the text "{found.text}" on page {found.page}'
            if found.text else f"; the object is page {found.page}")
    inputs = brief.inputs
    figure = next((fid for fid in brief.figure_specs if form_name(fid) == found.form), None) if found.form else None
    if figure is not None:
        said += f" (figure {figure})"
        inputs = [i for i in inputs if Path(i.path) == Path(brief.figure_specs[figure])]
    at = locate(inputs, found.text) if found.text else None
    if at is None and figure is not None:
        at = (Path(brief.figure_specs[figure]), None)
    return (at[0], at[1], said) if at else (brief.path, None, said)


def _validator_runs(profile: str) -> int:
    """How many times an edition's check runs the independent validator: its costliest part
    (the archive runs it twice, PDF/A-3b and PDF/UA-1)."""
    return sum(r.startswith("validator.") for r in PROFILES[profile])


def _in_parallel(fn, jobs: list, cost=lambda job: 0) -> list:
    """``[fn(job) for job in jobs]``, on up to two forked processes when there is more than
    one job: the editions share the layout and nothing else. The costliest jobs start first,
    so that the cheap ones fill in beside them."""
    workers = min(len(jobs), os.cpu_count() or 1, 2)
    if workers < 2 or not _single_threaded():
        return [fn(job) for job in jobs]
    order = sorted(range(len(jobs)), key=lambda i: -cost(jobs[i]))
    return workers_.run(fn, jobs, workers, order)


def _single_threaded() -> bool:
    """Whether this process has one thread, so that a fork copies no other thread's state.

    The independent validator runs a native thread pool: once it has run in this process
    (a watch, an archive rebuild, a test), a forked child that calls it waits for threads
    that the fork did not copy. Then the editions are finished one by one."""
    try:
        return len(os.listdir("/proc/self/task")) == 1
    except OSError:
        return False


@contextlib.contextmanager
def _gc_paused():
    """No garbage collection while laying out and finishing: the objects made then live until
    the editions are written, and scanning them again and again is all the collector would do
    (it made layout superlinear in length). Collection resumes afterwards."""
    enabled = gc.isenabled()
    gc.freeze()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
        gc.unfreeze()
