"""``brief diff OLD NEW``: what changed between two editions of a brief.

Each side is an edition folder (a build's ``DIR/<slug>/``), an archive edition (``slug@N``) or an
archive edition's PDF. The changes are found from the sources the archive edition carries (read
back with :func:`report.pdf.pdfa.extract_sources` and parsed by the source stage into the typed
model, as a build would) and placed on the pages of the NEW edition (the page whose text holds the
changed words):

- text, element by element (title block, headings, paragraphs, pull quotes, list items, captions,
  notes, sources), word by word inside an element; an element that left one place and stands,
  unchanged, at another is a move;
- figures, by id: changed spec keys, labels added, removed, renamed or moved (their place's
  coordinates), chart values; and whether the two renders (the figures' forms in the two PDFs,
  rasterised) differ, and where;
- metadata: date, authors, number, keywords and the other front-matter fields that are not text.

Alignment is difflib's :class:`~difflib.SequenceMatcher`, over the elements and then over the words
of each element paired with its old self; moves are the deleted and inserted elements whose text is
the same.
"""

from __future__ import annotations

import contextlib
import difflib
import io
import json
import re
import subprocess
import tempfile
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from .compose import form_name
from .editions import EDITIONS, carrier
from .errors import BriefError
from .model import Brief, BulletList, FigureRef, Heading, Paragraph, PullQuote

# ---------------------------------------------------------------- the two sides


@dataclass
class Side:
    """One edition, as the diff reads it: what the user named, its archive PDF and its model."""

    name: str
    pdf: Path
    brief: Brief
    work: Path  # where its sources were extracted


def open_side(text: str, archive_dir: Path, work: Path) -> Side:
    """The edition ``text`` names (folder, ``slug@N`` or archive PDF), its sources extracted
    under ``work``. Anything else is one BriefError naming what was written."""
    from .pdf.pdfa import extract_sources
    from .source import load_brief

    path = Path(text)
    if path.is_dir():
        pdf = _folder_pdf(path)
    elif path.is_file():
        pdf = path
    elif re.fullmatch(r"[^/\\]+@\d+", text):
        pdf = _archived_pdf(text, archive_dir)
    else:
        raise BriefError(f"no such edition folder, archive PDF or archive edition (slug@N): {text}")
    try:
        names = extract_sources(pdf, work)
    except BriefError:
        raise
    except Exception:  # pikepdf's errors for what is not a PDF
        raise BriefError("not a PDF edition: it does not read as a PDF", pdf) from None
    briefs = sorted({p.relative_to(work).parts[1] for p in names
                     if p.relative_to(work).parts[:1] == ("briefs",) and p.name == "brief.md"})
    if len(briefs) != 1:
        raise BriefError(f"carries no brief sources: only the {carrier().name} edition "
                         f"({carrier().file_name('<slug>')}) embeds them", pdf)
    geodata = work / "geodata" if (work / "geodata" / "gazetteer.toml").is_file() else None
    try:  # the build's warnings (a pinned place the gazetteer has changed since) are not the diff's news
        with contextlib.redirect_stderr(io.StringIO()):
            brief = load_brief(work / "briefs" / briefs[0], geodata)
    except BriefError as exc:
        raise BriefError(f"the sources embedded in {text} do not read: {exc.message}", pdf) from None
    return Side(text, pdf, brief, work)


def _folder_pdf(folder: Path) -> Path:
    sources = carrier()
    record = folder / "edition.json"
    if record.is_file():
        try:
            files = json.loads(record.read_text(encoding="utf-8")).get("files", {})
            for name, about in files.items():
                if isinstance(about, dict) and about.get("variant") == sources.name and (folder / name).is_file():
                    return folder / name
        except (ValueError, AttributeError):
            raise BriefError("edition.json is not an edition record", record) from None
    found = sorted(folder.glob(sources.file_name("*")))
    if len(found) == 1:
        return found[0]
    raise BriefError(f"no {sources.name} edition ({sources.file_name('<slug>')}) in this folder: only it carries the "
                     f"sources a diff reads (build with --variant {sources.name} or all)", folder)


def _archived_pdf(ref: str, archive_dir: Path) -> Path:
    from .archive.core import Archive

    if not (archive_dir / "catalogue.sqlite").is_file():
        raise BriefError(f"no archive here (no catalogue.sqlite), so no edition {ref}; name the folder with --archive",
                         archive_dir)
    archive = Archive(archive_dir)
    edition = archive.editions(ref)[0]
    stored = edition.files.get(carrier().name)
    if stored is None or archive.store.check(stored.sha256) != "ok":
        raise BriefError(f"the stored {carrier().name} file of {ref} is missing or altered", archive_dir)
    return archive.store.path(stored.sha256)


# ---------------------------------------------------------------- text


@dataclass(frozen=True)
class Element:
    """A unit of text the diff aligns: its kind (as ``--json`` names it), its text, and for a
    caption the figure's label."""

    kind: str
    text: str
    label: str = ""
    ref: tuple = field(default=(), compare=False)  # where it comes from: ("block", n), ("item", n, k), ("caption", id) …


def elements(brief: Brief, figure_labels: dict[str, str]) -> list[Element]:
    """The brief's text, element by element, in reading order."""
    meta = brief.meta
    out = [Element("Kicker", meta.kicker, ref=("meta", "kicker")), Element("Title", meta.title, ref=("meta", "title")),
           Element("Standfirst", meta.standfirst, ref=("meta", "standfirst"))]
    out += [Element("Author", f"{a.name}, {a.role}" if a.role else a.name, ref=("author", n))
            for n, a in enumerate(meta.authors)]
    for n, block in enumerate(brief.blocks):
        if isinstance(block, Paragraph):
            out.append(Element("P", _text(block.runs), ref=("block", n)))
        elif isinstance(block, Heading):
            out.append(Element(f"H{max(block.level, 2)}", _text(block.runs), ref=("block", n)))
        elif isinstance(block, PullQuote):
            out.append(Element("Quote", _text(block.runs), ref=("block", n)))
        elif isinstance(block, BulletList):
            out += [Element("LI", _text(item), ref=("item", n, k)) for k, item in enumerate(block.items)]
        elif isinstance(block, FigureRef):
            fig = brief.figures.get(block.figure_id)
            if fig is not None:  # as the layout sets it after the figure's number
                words = " ".join(w for w in (fig.title, fig.caption, fig.source) if w)
                out.append(Element("Caption", words, figure_labels.get(block.figure_id, block.figure_id),
                                   ref=("caption", block.figure_id, n)))
    out += [Element("Note", _text(n.runs), f"note {n.number}", ref=("note", n.number)) for n in brief.footnotes]
    out += [Element("Source", s.text + (f" {s.url}" if s.url else ""), ref=("source", k))
            for k, s in enumerate(brief.sources)]
    return [e for e in out if e.text]


def _text(runs) -> str:
    return " ".join("".join(r.text for r in runs if r.note is None).split())


_WORD = re.compile(r"\w+(?:[.,’'\-–]\w+)*|\S")


def words(text: str) -> list[tuple[str, int, int]]:
    return [(m.group(), m.start(), m.end()) for m in _WORD.finditer(text)]


def _span(text: str, words: list, i: int, j: int) -> str:
    return text[words[i][1]:words[j - 1][2]] if j > i else ""


def text_changes(old: list[Element], new: list[Element], pages: "Pages", old_pages: "Pages") -> list[dict]:
    """One entry per change: whole elements inserted, deleted or moved, and the words changed
    inside an element that both sides hold. ``page`` is where the change stands in NEW; a move
    also says where it stood in OLD (``old_page``).

    Each NEW element is first paired with its OLD self: the same text, else the most similar
    text of the same kind (more than half its words in common). The pairs are then aligned in
    order by difflib; a pair the alignment leaves out stands elsewhere: a move. Pairing before
    aligning keeps an edited paragraph from looking deleted and inserted when a paragraph
    around it moved."""
    partner, back, in_place = align(old, new)
    out: list[dict] = []
    for j, el in enumerate(new):
        if j not in partner:
            out.append(_entry("insert", "", el.text, el, pages.of_element(el.text), j))
            continue
        was = old[partner[j]]
        if j not in in_place:
            out.append(_entry("move", was.text, el.text, el, pages.of_element(el.text), j))
            out[-1]["old_page"] = old_pages.of_element(was.text)
        if was.text != el.text:
            out += _word_changes(was, el, pages, j)
    for i, el in enumerate(old):
        if i in back:
            continue
        # where it stood: the page of the first element after it that NEW still holds
        after = stood_before(i, back, len(old))
        page = pages.of_element(new[after].text) if after is not None else pages.last
        out.append(_entry("delete", el.text, "", el, page, (after if after is not None else len(new)) - 0.5))
    out.sort(key=lambda e: e.pop("_order"))
    return out


def align(old: list[Element], new: list[Element]) -> tuple[dict[int, int], dict[int, int], set[int]]:
    """(NEW index -> OLD index, OLD index -> NEW index, the NEW indices that stand in order)."""
    partner = _pairs(old, new)
    back = {i: j for j, i in partner.items()}
    ids_old = [("pair", back[i]) if i in back else ("old", i) for i in range(len(old))]
    ids_new = [("pair", j) if j in partner else ("new", j) for j in range(len(new))]
    in_place = set()
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, ids_old, ids_new, autojunk=False).get_opcodes():
        if tag == "equal":
            in_place.update(range(j1, j2))
    return partner, back, in_place


def stood_before(i: int, back: dict[int, int], n_old: int) -> int | None:
    """The NEW index of the first element after OLD element ``i`` that NEW still holds."""
    return next((back[k] for k in range(i + 1, n_old) if k in back), None)


def word_ops(old: str, new: str) -> list[tuple]:
    """The changed stretches of words between two texts: (op, i1, i2, j1, j2) over
    :func:`words`, stretches at most two words apart joined."""
    a, b = words(old), words(new)
    return _merged(difflib.SequenceMatcher(None, [w for w, *_ in a], [w for w, *_ in b], autojunk=False).get_opcodes())


def _pairs(old: list[Element], new: list[Element]) -> dict[int, int]:
    """NEW index -> OLD index: the same kind and text first (in order), then the most similar
    remaining texts of a kind, best first."""
    out: dict[int, int] = {}
    free: dict[tuple, list[int]] = {}
    for i, el in enumerate(old):
        free.setdefault((el.kind, el.text), []).append(i)
    for j, el in enumerate(new):
        if free.get((el.kind, el.text)):
            out[j] = free[(el.kind, el.text)].pop(0)
    used = set(out.values())
    candidates = []
    for j, b in enumerate(new):
        if j in out:
            continue
        wb = [w for w, *_ in words(b.text)]
        for i, a in enumerate(old):
            if i in used or a.kind != b.kind:
                continue
            m = difflib.SequenceMatcher(None, [w for w, *_ in words(a.text)], wb, autojunk=False)
            if m.quick_ratio() > 0.5 and (r := m.ratio()) > 0.5:
                candidates.append((-r, abs(i - j), j, i))
    for _, _, j, i in sorted(candidates):
        if j not in out and i not in used:
            out[j] = i
            used.add(i)
    return out


def _entry(op: str, old: str, new: str, el: Element, page: int | None, order: float, scope: str = "element") -> dict:
    """``scope``: "element" (the whole element inserted, deleted or moved) or "words"."""
    entry = {"op": op, "old": old, "new": new, "element": el.kind, "page": page, "scope": scope, "_order": order}
    if el.label:
        entry["label"] = el.label
    return entry


def _word_changes(old: Element, new: Element, pages: "Pages", order: int) -> list[dict]:
    a, b = words(old.text), words(new.text)
    out = []
    for tag, i1, i2, j1, j2 in word_ops(old.text, new.text):
        # the page that shows the new words (or, for a deletion, the words around the gap)
        lo, hi = max(0, j1 - 4), min(len(b), max(j2, j1 + 1) + 4)
        page = pages.ofwords(new.text, [w for w, *_ in b[lo:hi]], [w for w, *_ in b])
        out.append(_entry(tag, _span(old.text, a, i1, i2), _span(new.text, b, j1, j2), new, page,
                          order + j1 / (len(b) + 1), "words"))
    return out


def _merged(opcodes, gap: int = 2):
    """The changed stretches of a word diff, those at most ``gap`` words apart joined into one
    replacement: "Japan's official" → "official Japanese" is one rewording, not a deletion and
    an insertion around an unchanged word."""
    out: list[list] = []
    for tag, i1, i2, j1, j2 in opcodes:
        if tag == "equal":
            continue
        if out and i1 - out[-1][2] <= gap and j1 - out[-1][4] <= gap:
            last = out[-1]
            last[0], last[2], last[4] = "replace", i2, j2
        else:
            out.append([tag, i1, i2, j1, j2])
    for op in out:  # a joined stretch that lost or gained nothing either side is still what it was
        op[0] = "replace" if op[2] > op[1] and op[4] > op[3] else ("delete" if op[2] > op[1] else "insert")
    return [tuple(op) for op in out]


class Pages:
    """The NEW edition's text page by page (pdftotext), squeezed to letters and digits so that
    line breaks, hyphenation and columns do not hide a phrase."""

    def __init__(self, pdf: Path):
        out = subprocess.run(["pdftotext", "-enc", "UTF-8", str(pdf), "-"], capture_output=True, check=False)
        if out.returncode != 0:
            raise BriefError(f"pdftotext cannot read the edition: {out.stderr.decode(errors='replace').strip()}", pdf)
        self.texts = [_squeeze(t) for t in out.stdout.decode("utf-8").split("\f")]
        while self.texts and not self.texts[-1]:
            self.texts.pop()
        self.last = len(self.texts) or None

    def find(self, phrase: str) -> int | None:
        s = _squeeze(phrase)
        if not s:
            return None
        return next((n for n, t in enumerate(self.texts, 1) if s in t), None)

    def of_element(self, text: str) -> int | None:
        """The page where the element starts (its first words), else any page holding a
        stretch of it."""
        words = text.split()
        for size in (8, 5, 3):
            for start in range(0, max(1, len(words) - size + 1), size):
                page = self.find(" ".join(words[start:start + size]))
                if page is not None:
                    return page
        return None

    def ofwords(self, text: str, around: list[str], words: list[str]) -> int | None:
        for size in (len(around), 4, 2):
            for start in range(0, max(1, len(around) - size + 1)):
                page = self.find(" ".join(around[start:start + size]))
                if page is not None:
                    return page
        return self.of_element(text)


def _squeeze(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    return "".join(c for c in text.casefold() if c.isalnum())


# ---------------------------------------------------------------- figures

SPEC_TEXT_KEYS = ("title", "caption", "source")  # the caption's words: reported with the text


def side_labels(side: Side) -> dict[str, str]:
    """Figure id → its number, by the style the side's sources carry."""
    from .style import STYLES_DIR, load_style

    styles = side.work / "styles" if (side.work / "styles").is_dir() else STYLES_DIR
    return figure_labels(side.brief, load_style(side.brief.meta.style, styles).labels)


def figure_labels(brief: Brief, labels: dict[str, str]) -> dict[str, str]:
    """Figure id → its number as the layout gives it ("Map 1", "Figure 2")."""
    counts: dict[str, int] = {}
    out = {}
    for block in brief.blocks:
        if isinstance(block, FigureRef) and block.figure_id in brief.figures:
            kind = labels["map"] if brief.figures[block.figure_id].kind == "map" else labels["figure"]
            counts[kind] = counts.get(kind, 0) + 1
            out[block.figure_id] = f"{kind} {counts[kind]}"
    return out


def _flat(data, prefix: str = "") -> dict[str, object]:
    out: dict[str, object] = {}
    if isinstance(data, dict):
        for k, v in data.items():
            out.update(_flat(v, f"{prefix}.{k}" if prefix else k))
    elif isinstance(data, list) and data and all(isinstance(v, dict) for v in data):
        for n, v in enumerate(data, 1):
            out.update(_flat(v, f"{prefix}[{n}]"))
    else:
        out[prefix] = data
    return out


def _show(value) -> str:
    return json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else repr(value)


def _name(point, language: str) -> str:
    names = point.names or {}
    return names.get(language.split("-")[0]) or names.get("en") or next(iter(names.values()), point.id)


def _coords(point) -> str:
    return (f"{abs(point.lat):.3f}°{'N' if point.lat >= 0 else 'S'} "
            f"{abs(point.lon):.3f}°{'E' if point.lon >= 0 else 'W'}")


def spec_changes(old, new, language: str) -> list[str]:
    """What changed in one figure's spec, each change once: labels and chart bars by what they
    name, every other key by its path (the caption's words are text, not listed here)."""
    out: list[str] = []
    a, b = dict(old.doc.data), dict(new.doc.data)
    for key in SPEC_TEXT_KEYS:
        a.pop(key, None), b.pop(key, None)
    if old.kind == "map" and new.kind == "map":
        a.pop("label", None), b.pop("label", None)
        out += _label_changes(old.spec.labels, new.spec.labels, language)
    if old.kind == "chart" and new.kind == "chart":
        a.pop("group", None), b.pop("group", None)
        out += _chart_changes(old.spec, new.spec)
    fa, fb = _flat(a), _flat(b)
    for k in sorted(set(fa) | set(fb), key=lambda k: (k not in fa, k)):
        if k not in fa:
            out.append(f"{k} added: {_show(fb[k])}")
        elif k not in fb:
            out.append(f"{k} removed (was {_show(fa[k])})")
        elif fa[k] != fb[k]:
            out.append(f"{k}: {_show(fa[k])} → {_show(fb[k])}")
    return out


def _label_changes(old_labels, new_labels, language: str) -> list[str]:
    a = {lab.place.id: lab for lab in old_labels}
    b = {lab.place.id: lab for lab in new_labels}
    out = []
    for pid in a.keys() - b.keys():
        out.append(f"label '{_name(a[pid].place, language)}' removed")
    for pid in [p for p in b if p not in a]:
        out.append(f"label '{_name(b[pid].place, language)}' added")
    for pid in [p for p in b if p in a]:
        was, now = a[pid], b[pid]
        name_was, name_now = (was.text or _name(was.place, language)), (now.text or _name(now.place, language))
        if name_was != name_now:
            out.append(f"label '{name_was}' renamed '{name_now}'")
        if (round(was.place.lat, 6), round(was.place.lon, 6)) != (round(now.place.lat, 6), round(now.place.lon, 6)):
            out.append(f"label '{name_now}' moved: {_coords(was.place)} → {_coords(now.place)}")
        for attr in ("role", "marker", "area", "required", "abbreviation"):
            if getattr(was, attr) != getattr(now, attr):
                out.append(f"label '{name_now}': {attr} {_show(getattr(was, attr))} → {_show(getattr(now, attr))}")
    return out


def _chart_changes(old, new) -> list[str]:
    out = []
    for attr in ("scale", "unit", "axis_label", "max"):
        if getattr(old, attr) != getattr(new, attr):
            out.append(f"{attr}: {_show(getattr(old, attr))} → {_show(getattr(new, attr))}")
    ga, gb = {g.name: g for g in old.groups}, {g.name: g for g in new.groups}
    out += [f"group '{n}' removed" for n in ga if n not in gb]
    out += [f"group '{n}' added" for n in gb if n not in ga]
    for name in (n for n in gb if n in ga):
        ba, bb = {x.label: x for x in ga[name].bars}, {x.label: x for x in gb[name].bars}
        out += [f"'{name}': bar '{n}' removed" for n in ba if n not in bb]
        out += [f"'{name}': bar '{n}' added ({bb[n].value:g})" for n in bb if n not in ba]
        for label in (n for n in bb if n in ba):
            was, now = ba[label], bb[label]
            if was.value != now.value:
                out.append(f"value '{name}' / '{label}': {was.value:g} → {now.value:g}")
            for attr in ("role", "display"):
                if getattr(was, attr) != getattr(now, attr):
                    out.append(f"'{name}' / '{label}': {attr} {_show(getattr(was, attr))} → "
                               f"{_show(getattr(now, attr))}")
    return out


def figure_form(pdf: Path, fid: str, dest: Path) -> Path | None:
    """The figure's form as drawn in ``pdf``, alone on a page the size of its box (a PDF at
    ``dest``); None when the edition draws no such figure."""
    import pikepdf

    name = pikepdf.Name(form_name(fid))
    with pikepdf.open(pdf) as src:
        form = next((page.Resources.XObject[name] for page in src.pages
                     if "/Resources" in page and "/XObject" in page.Resources and name in page.Resources.XObject),
                    None)
        if form is None:
            return None
        out = pikepdf.new()
        copy = out.copy_foreign(form)
        x0, y0, x1, y1 = (float(v) for v in form.BBox)
        page = pikepdf.Page(pikepdf.Dictionary(
            Type=pikepdf.Name.Page, MediaBox=[0, 0, x1 - x0, y1 - y0],
            Resources=pikepdf.Dictionary(XObject=pikepdf.Dictionary(F=copy)),
            Contents=out.make_stream(f"1 0 0 1 {-x0} {-y0} cm /F Do".encode())))
        out.pages.append(page)
        out.save(dest)
    return dest


def raster(pdf: Path, dpi: int = 100):
    """The first page of ``pdf`` as an RGB array (pdftoppm)."""
    import numpy as np
    from PIL import Image

    stem = pdf.with_suffix("")
    out = subprocess.run(["pdftoppm", "-r", str(dpi), "-png", "-singlefile", str(pdf), str(stem)],
                         capture_output=True, check=False)
    if out.returncode != 0:
        raise BriefError(f"pdftoppm cannot draw the figure: {out.stderr.decode(errors='replace').strip()}", pdf)
    with Image.open(stem.with_suffix(".png")) as img:
        return np.asarray(img.convert("RGB"))


def visual(old_pdf: Path, new_pdf: Path, dpi: int = 100) -> tuple[str, tuple | None]:
    """How the two renders differ: a sentence, and the box of the difference in mm from the
    figure's top left (x0, y0, x1, y1), or None when they are the same."""
    import numpy as np

    a, b = raster(old_pdf, dpi), raster(new_pdf, dpi)
    if a.shape != b.shape:
        mm = lambda px: px * 25.4 / dpi  # noqa: E731
        return (f"the figure's size changed: {mm(a.shape[1]):.0f} × {mm(a.shape[0]):.0f} mm → "
                f"{mm(b.shape[1]):.0f} × {mm(b.shape[0]):.0f} mm", None)
    moved = (np.abs(a.astype(int) - b.astype(int)).max(axis=2) > 40)
    if not moved.any():
        return "the renders are identical", None
    ys, xs = np.nonzero(moved)
    box = tuple(round(v * 25.4 / dpi, 1) for v in (xs.min(), ys.min(), xs.max() + 1, ys.max() + 1))
    share = 100 * moved.mean()
    return (f"the renders differ in {share:.1f} % of the figure, within {box[0]:.0f}–{box[2]:.0f} mm across and "
            f"{box[1]:.0f}–{box[3]:.0f} mm down", box)


def figure_changes(old: Side, new: Side, pages: Pages, tmp: Path) -> list[dict]:
    la, lb = side_labels(old), side_labels(new)
    fa, fb = old.brief.figures, new.brief.figures
    out = []
    for fid in [*fb, *(f for f in fa if f not in fb)]:
        label = lb.get(fid) or la.get(fid) or fid
        if fid not in fa:
            entry = {"id": fid, "label": label, "changes": ["figure added"]}
        elif fid not in fb:
            entry = {"id": fid, "label": label, "changes": ["figure removed"]}
        else:
            changes = spec_changes(fa[fid], fb[fid], new.brief.meta.language)
            forms = [figure_form(side.pdf, fid, tmp / f"{n}-{fid}.pdf") for n, side in (("old", old), ("new", new))]
            if None in forms:
                continue
            said, box = visual(*forms)
            if not changes and box is None and "size" not in said:
                continue  # the same figure, drawn the same
            if not changes:
                changes = ["the render changed, though its spec did not"]
            entry = {"id": fid, "label": label, "changes": changes, "visual": said}
            if box is not None:
                entry["box_mm"] = list(box)
        fig = fb.get(fid)
        entry["page"] = pages.of_element(fig.title) if fig is not None else None
        out.append(entry)
    return out


# ---------------------------------------------------------------- metadata

META_FIELDS = ("date", "authors", "number", "keywords", "series", "publisher", "rights", "language", "style",
               "subject")


def meta_changes(old: Brief, new: Brief) -> dict[str, dict]:
    def value(brief: Brief, key: str):
        v = getattr(brief.meta, key)
        if key == "authors":
            return [f"{a.name} ({a.role})" if a.role else a.name for a in v]
        return list(v) if isinstance(v, tuple) else v

    out = {}
    for key in META_FIELDS:
        a, b = value(old, key), value(new, key)
        if a != b:
            out[key] = {"old": a, "new": b}
    return out


# ---------------------------------------------------------------- the whole diff


@dataclass
class Diff:
    old: str
    new: str
    text: list[dict] = field(default_factory=list)
    figures: list[dict] = field(default_factory=list)
    meta: dict = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        return not (self.text or self.figures or self.meta)

    def as_json(self) -> dict:
        return {"old": self.old, "new": self.new, "text": self.text, "figures": self.figures, "meta": self.meta}


@contextlib.contextmanager
def sides(old: str, new: str, archive_dir: Path):
    """Both sides opened, their sources in a temporary folder removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="brief-diff-") as tmp:
        root = Path(tmp)
        yield open_side(old, archive_dir, root / "old"), open_side(new, archive_dir, root / "new"), root


def compare(old: Side, new: Side, tmp: Path) -> Diff:
    pages = Pages(new.pdf)
    out = Diff(old.name, new.name)
    out.text = text_changes(elements(old.brief, side_labels(old)), elements(new.brief, side_labels(new)), pages,
                            Pages(old.pdf))
    out.figures = figure_changes(old, new, pages, tmp)
    out.meta = meta_changes(old.brief, new.brief)
    return out


def diff(old: str, new: str, archive_dir: Path = Path("archive")) -> Diff:
    with sides(old, new, archive_dir) as (a, b, tmp):
        return compare(a, b, tmp)


def _quote(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return f"“{text if len(text) <= limit else text[:limit - 1] + '…'}”"


def summary(d: Diff, pages: bool = True) -> list[str]:
    """The changes, one short line each (for a correction notice): ``p. 2: paragraph inserted``,
    ``Map 1: label 'Shikotan' moved``, ``date: 2018 → 2018-10``. Without ``pages``, a text change
    says its element without the page it stands on (``paragraph inserted``): a notice printed in
    the edition lengthens it, so its pages may move."""
    what = {"P": "paragraph", "LI": "list item", "Caption": "caption", "Quote": "pull quote", "Note": "note",
            "Title": "title", "Kicker": "kicker", "Standfirst": "standfirst", "Author": "author",
            "Source": "source"}
    out = []
    for e in d.text:
        where = (f"p. {e['page']}: " if e["page"] else "text: ") if pages else ""
        kind = what.get(e["element"], "heading" if e["element"].startswith("H") else e["element"])
        if e["element"] == "Caption":
            kind = f"{e['label']} caption"
        if e["scope"] == "element":
            moved = f"moved here from p. {e.get('old_page') or '?'}" if pages else "moved"
            verb = {"insert": "inserted", "delete": "deleted", "move": moved}[e["op"]]
            out.append(f"{where}{kind} {verb}")
        elif e["op"] == "replace":
            out.append(f"{where}{kind}: {_quote(e['old'], 40)} → {_quote(e['new'], 40)}")
        elif e["op"] == "insert":
            out.append(f"{where}{kind}: {_quote(e['new'], 40)} added")
        else:
            out.append(f"{where}{kind}: {_quote(e['old'], 40)} removed")
    for f in d.figures:
        out += [f"{f['label']}: {c.split(':')[0] if ' moved' in c else c}" for c in f["changes"]]
    for key, change in d.meta.items():
        show = lambda v: ", ".join(v) if isinstance(v, list) else str(v)  # noqa: E731
        out.append(f"{key}: {show(change['old'])} → {show(change['new'])}")
    return out


def human(d: Diff) -> str:
    if d.empty:
        return f"{d.old} → {d.new}: no changes"
    counts = f"{len(d.text)} text, {len(d.figures)} figure, {len(d.meta)} metadata change(s)"
    lines = [f"{d.old} → {d.new}: {counts}"]
    if d.text:
        lines.append("text:")
        for e in d.text:
            where = f"p. {e['page']}" if e["page"] else "p. ?"
            el = e["element"] + (f" ({e['label']})" if e.get("label") else "")
            if e["op"] == "replace":
                body = f"{_quote(e['old'])} → {_quote(e['new'])}"
            elif e["op"] == "delete":
                body = _quote(e["old"])
            else:
                body = _quote(e["new"]) + (f" (was on p. {e['old_page']})" if e["op"] == "move" else "")
            lines.append(f"  {where:<6} {el:<16} {e['op']:<8} {body}")
    if d.figures:
        lines.append("figures:")
        for f in d.figures:
            lines.append(f"  {f['label']} ({f['id']})" + (f", p. {f['page']}" if f.get("page") else "") + ":")
            lines += [f"    {c}" for c in f["changes"]]
            if f.get("visual"):
                lines.append(f"    render: {f['visual']}")
    if d.meta:
        lines.append("metadata:")
        for key, change in d.meta.items():
            lines.append(f"  {key}: {_show(change['old'])} → {_show(change['new'])}")
    return "\n".join(lines)
