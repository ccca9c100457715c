"""``brief diff OLD NEW --pdf FILE``: the NEW edition as a redline against OLD.

The redline is built through the screen edition's stages (figures, layout, compose, the screen
finisher, its preflight) from a marked-up model: NEW's brief whose changed paragraphs, list items
and captions carry runs marked inserted or deleted (:attr:`report.model.Run.change`), with OLD's
deleted paragraphs put back where they stood (struck through) and a moved paragraph prefixed with
where it came from. The layout underlines insertions, strikes deletions through, both in the
redline colour, sets a change bar in the margin beside every changed paragraph and figure, and
gives each changed paragraph the text a listener hears (``/ActualText`` with "[inserted: …]",
"[deleted: …]"); an added last page lists every change and shows each changed figure as it was
beside as it is. Changes to authors, notes, sources and metadata are listed there, not marked
in place. Written whole (a temporary file renamed), only when it passes the screen
edition's preflight (PDF/UA-1 by page-validation and the house rules)."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

from geodata.files import write_whole

from . import TOOL
from .compose import compose
from .diff import Diff, Element, Side, align, compare, elements, figure_form, side_labels, sides, stood_before, \
    summary, word_ops, words
from .editions import EDITIONS
from .errors import BriefError
from .figforms import copy_of
from .figures import prepare
from .layout import human_date, layout
from .model import Brief, FigurePair, Paragraph, Redline, Run
from .pdf.common import FinishInput, build_epoch
from .preflight import check
from .provenance import gather
from .style import STYLES_DIR, load_style

SCREEN = "screen"


def write_redline(old: str, new: str, out: Path, archive_dir: Path = Path("archive")) -> tuple[Diff, int]:
    """Compare ``old`` and ``new`` (as :func:`report.diff.diff`), write the redline to ``out``;
    return the diff and the redline's page count."""
    out = Path(out)
    if out.is_dir():
        raise BriefError("--pdf names a folder; give the redline's file name", out)
    if not os.access(out.parent if str(out.parent) else Path("."), os.W_OK | os.X_OK):
        raise BriefError("--pdf: cannot write into this folder (permission denied or missing)", out.parent)
    with sides(old, new, archive_dir) as (a, b, tmp):
        found = compare(a, b, tmp)
        brief = marked_up(a, b, found, tmp)
        style = load_style(brief.meta.style, b.work / "styles" if (b.work / "styles").is_dir() else STYLES_DIR)
        pdf, pages = _screen_edition(brief, style)
    write_whole(out, pdf)
    return found, pages


def _screen_edition(brief: Brief, style) -> tuple[bytes, int]:
    """The redline through the screen edition's stages, checked by its profile."""
    import io

    import pikepdf

    edition = EDITIONS[SCREEN]
    figures = prepare(brief, style)
    laid = layout(brief, style, figures)
    pdfs = {fid: copy_of(fig, style, edition.figures) for fid, fig in figures.items()}
    pdfs.update({f"was-{pair.figure_id}": pair.old_pdf for pair in brief.redline.figures})
    laid = compose(laid, pdfs)
    epoch = build_epoch(brief)
    pdf = edition.finish(FinishInput(edition=edition, laid=laid, brief=brief, style=style, epoch=epoch, tool=TOOL,
                                     provenance=gather(brief, style, TOOL, epoch)))
    failures = [r for r in check(pdf, profile=SCREEN, page=style.page.points) if not r.ok]
    if failures:
        detail = "; ".join(f"{r.rule} ({r.where}): {r.message}" for r in failures[:5])
        raise BriefError(f"the redline (not written) fails the screen edition's preflight: {detail}")
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        return pdf, len(doc.pages)


def marked_up(old: Side, new: Side, found: Diff, tmp: Path) -> Brief:
    """NEW's brief with its changes against OLD marked in its runs, OLD's deleted elements put
    back struck through, and the :class:`report.model.Redline` the layout adds a page for."""
    ea, eb = elements(old.brief, side_labels(old)), elements(new.brief, side_labels(new))
    partner, back, in_place = align(ea, eb)
    moved_from = {e["new"]: e.get("old_page") for e in found.text if e["op"] == "move"}
    marked: dict[int, tuple[Run, ...]] = {}  # NEW element index -> its marked runs
    for j, el in enumerate(eb):
        if j not in partner:
            marked[j] = (Run(el.text, change="ins"),)
            continue
        was = ea[partner[j]]
        runs = _marked_words(was.text, el.text) if was.text != el.text else None
        if j not in in_place:
            where = moved_from.get(el.text)
            runs = (Run(f"[moved here{f' from page {where}' if where else ''}] ", change="note"),
                    *(runs or (Run(el.text),)))
        if runs is not None:
            marked[j] = runs
    deleted: dict[int | None, list[Element]] = {}  # before which NEW element (None: at the end)
    for i, el in enumerate(ea):
        if i not in back:
            deleted.setdefault(stood_before(i, back, len(ea)), []).append(el)

    brief = new.brief
    blocks = list(brief.blocks)
    captions: dict[str, tuple[Run, ...]] = {}
    front: dict[str, tuple[Run, ...]] = {}
    for j, runs in marked.items():
        ref = eb[j].ref
        if ref[0] == "block":
            blocks[ref[1]] = dataclasses.replace(blocks[ref[1]], runs=runs)
        elif ref[0] == "item":
            block = blocks[ref[1]]
            items = list(block.items)
            items[ref[2]] = runs
            blocks[ref[1]] = dataclasses.replace(block, items=tuple(items))
        elif ref[0] == "meta":
            front[ref[1]] = runs
        elif ref[0] == "caption":
            captions[ref[1]] = _caption_runs(old.brief.figures.get(ref[1]), brief.figures[ref[1]], runs)
    # deleted elements go back, struck through, before the element that now follows them
    inserts: dict[int, list] = {}
    for j, gone in deleted.items():
        at = _block_of(eb[j].ref) if j is not None else len(blocks)
        if at is None:  # before something outside the body (notes, sources): at the body's end
            at = len(blocks)
        for el in gone:
            if el.ref and el.ref[0] in ("block", "item"):
                line = getattr(blocks[min(at, len(blocks) - 1)], "line", 1) if blocks else 1
                inserts.setdefault(at, []).append(Paragraph(line=line, runs=(Run(el.text, change="del"),)))
    body = []
    for n, block in enumerate(blocks):
        body += inserts.get(n, [])
        body.append(block)
    body += inserts.get(len(blocks), [])

    pairs = []
    for fig in found.figures:
        fid = fig["id"]
        if fid not in brief.figures or fid not in old.brief.figures:
            continue
        old_pdf = figure_form(old.pdf, fid, tmp / f"was-{fid}.pdf")
        if old_pdf is None:
            continue
        visual = (fig["visual"],) if fig.get("visual") else ()
        pairs.append(FigurePair(fid, fig["label"], old_pdf, tuple(fig["changes"]) + visual,
                                tuple(fig["box_mm"]) if fig.get("box_mm") else None))
        spec = brief.figures[fid]
        words_ = captions.get(fid) or (Run(spec.title, strong=True), Run(" " + spec.caption if spec.caption else ""),
                                       Run(" " + spec.source if spec.source else ""))
        captions[fid] = (*words_, Run(" [changed in this edition: compared on the last page]", change="note"))
    against = f"edition of {human_date(old.brief.meta.date)} ({old.name if '@' in old.name else Path(old.name).name})"
    redline = Redline(against=against, captions=captions, front=front, changes=tuple(summary(found)),
                      figures=tuple(pairs))
    return dataclasses.replace(brief, blocks=tuple(body), redline=redline)


def _caption_runs(was, fig, runs: tuple[Run, ...]) -> tuple[Run, ...]:
    """A changed caption's runs, its title bold as the layout sets it where the title is unchanged."""
    rest = lambda f: " ".join(w for w in (f.caption, f.source) if w)  # noqa: E731
    if was is None or was.title != fig.title or runs[0].change == "note":
        return runs
    return (Run(fig.title, strong=True), Run(" "), *_marked_words(rest(was), rest(fig)))


def _block_of(ref: tuple) -> int | None:
    if ref and ref[0] in ("block", "item"):
        return ref[1]
    if ref and ref[0] == "caption":
        return ref[2]
    return None


def _marked_words(old: str, new: str) -> tuple[Run, ...]:
    """``new`` as runs: unchanged words plain, each changed stretch its old words (deleted)
    followed by its new words (inserted)."""
    a, b = words(old), words(new)
    runs: list[Run] = []
    cursor = 0  # in ``new``
    for _tag, i1, i2, j1, j2 in word_ops(old, new):
        at = b[j1][1] if j1 < len(b) else len(new)
        if at > cursor:
            runs.append(Run(new[cursor:at]))
        if i2 > i1:
            runs.append(Run(old[a[i1][1]:a[i2 - 1][2]], change="del"))
            runs.append(Run(" "))
        if j2 > j1:
            runs.append(Run(new[b[j1][1]:b[j2 - 1][2]], change="ins"))
            cursor = b[j2 - 1][2]
        else:
            cursor = at
    if cursor < len(new):
        runs.append(Run(new[cursor:]))
    return tuple(r for r in runs if r.text)
