"""ReportLab shim (written for ReportLab 5.1): everything the project changes or reads inside
ReportLab, in one place.

:func:`install` (called by :mod:`report.fonts` before it registers the first face) fixes
four faults of ReportLab's shaping and font subsets, where ReportLab calls them:

- **Split paragraphs.** ReportLab keeps the shaped text (a ``str`` subclass) in the fragments
  of a paragraph split across frames and hands it to uharfbuzz again, whose ``Buffer.add_str``
  rejects ``str`` subclasses: every paragraph that breaks across a column would fail to wrap.
  ``paragraph.shapeFragWord`` gets plain strings; the glyphs are the same.
- **Words that change face.** A word whose face changes part-way ("*emphasis*,") is shaped
  with the first face's font and its glyph ids read through the other face's cmap, so the
  comma prints as "ḡ": each single-face run is shaped on its own.
- **ToUnicode.** ``ttfonts.makeToUnicodeCMap`` gives a shaped ligature (``f_t``) a private-use
  code point, so "aftermath" would be extracted and read aloud as "a\\ue000ermath": each entry
  says what its glyph reads as (its glyph name, Adobe Glyph List rules; a presentation form such
  as "ﬁ" as its letters), and the entries ReportLab maps to U+0000 (codes a subset does not
  use), U+FEFF or U+FFFE, which ISO 14289-1 7.21.7 forbids, are left out.
- **Widths of shaped glyphs.** ``TTFont.__addPrivate`` records, as the width of a glyph only
  shaping reaches, the advance HarfBuzz returned where it first met it: kerning included and
  in font units, which then becomes its ``/Widths`` entry (ISO 14289-1 7.21.5, ISO 19005-2
  6.2.11.5). It gets the glyph's own advance; the kerning stays in the text's positioning.
- **Subset tags.** ``TTFont.addObjects`` names each subset by its number alone (``SUBSETN``):
  the first subset of every font is ``AAAAAA+``, so one tag stands for different fonts, which
  a reader or print shop that caches fonts by name mixes up (ISO 32000-1 9.6.4 wants a tag
  that differs for different subsets). The tag becomes six capital letters of a SHA-256 of the
  font's name, the subset's number and its characters (:func:`subset_tag`): the same in every
  build, different for different subsets.

:func:`prefer_canonical_code_points` reorders a face's glyph-to-character map, and the
functions after it are the private attributes the layout reads or sets (a page's
annotations, a text object's operators, the paragraph's link hook, a frame's room, the
lines of a wrapped paragraph, a canvas's page state, the glyphs only shaping reaches). :class:`report.tagging.MarkedFlowable`
overrides ``Flowable._drawOn``, the hook ``drawOn`` calls inside its translation.
``tests/test_shaping_widths.py`` and ``tests/test_accessibility.py`` check all of it.
"""

from __future__ import annotations

import hashlib
import unicodedata
from types import MethodType

from geodata.shims import check_version

WRITTEN_FOR = (5, 1)
TESTS = "tests/test_shaping_widths.py, tests/test_accessibility.py, tests/test_composition.py"

_installed = False


def install() -> None:
    """Install the fixes (once per process)."""
    global _installed
    if _installed:
        return
    import reportlab

    check_version(__name__, "ReportLab", reportlab.Version, WRITTEN_FOR, TESTS)
    try:
        _shape_words_per_face()
        _ligature_to_unicode()
        _true_ligature_widths()
        _unique_subset_tags()
    except AttributeError as exc:
        raise RuntimeError(f"{__name__}: ReportLab {reportlab.Version} has no {exc.name}; "
                           f"the shim needs updating") from None
    _installed = True


def _shape_words_per_face() -> None:
    from reportlab.pdfbase import pdfmetrics, ttfonts
    from reportlab.platypus import paragraph

    original = paragraph.shapeFragWord

    def shape_frag_word(w, *args, **kwargs):
        if isinstance(w, ttfonts.ShapedFragWord):
            return w  # already shaped: keep its shaping data (ReportLab returns it as is)
        for i in range(1, len(w)):
            f, s = w[i]
            if type(s) is not str and isinstance(s, str):
                w[i] = (f, str(s))
        if len(w) == 2 and not args and not kwargs and not hasattr(w[1][0], "cbDefn"):
            return _shape_one_frag(w)
        runs = _face_runs(w)
        if len(runs) <= 1:
            return original(w, *args, **kwargs)
        parts, width, shaped = [], 0.0, False
        for run in runs:
            sub = [sum(pdfmetrics.stringWidth(s, f.fontName, f.fontSize) for f, s in run
                       if not hasattr(f, "cbDefn")), *run]
            out = original(sub, *args, **kwargs)
            shaped = shaped or out is not sub
            width += out[0]
            parts.extend(out[1:])
        if not shaped:
            return w
        return ttfonts.makeShapedFragWord(w)([width, *parts])

    def _shape_one_frag(w):
        # A word in one fragment shapes the same wherever it stands: its font, size and
        # text decide the glyphs. HarfBuzz and ReportLab's per-glyph loop run once per
        # distinct word; the result (an immutable ShapedStr with read-only shaping data)
        # is shared by every use, and only the word's own fragment is put back.
        f, s = w[1]
        key = (f.fontName, f.fontSize, s)
        hit = _SHAPED.get(key, _MISS)
        if hit is _MISS:
            out = original(w)
            hit = None if out is w else (out[0], out[1][1])
            if len(_SHAPED) < _SHAPED_MAX:
                _SHAPED[key] = hit
        if hit is None:
            return w
        return ttfonts.makeShapedFragWord(w)([hit[0], (f, hit[1])])

    paragraph.shapeFragWord = shape_frag_word


_SHAPED: dict = {}   # (font name, size, word) -> None (shaping changes nothing) or (width, ShapedStr)
_SHAPED_MAX = 500_000
_MISS = object()


def _face_runs(w) -> list[list]:
    """The (frag, text) items of a frag word grouped into runs of one face and size."""
    runs: list[list] = []
    key = None
    for f, s in w[1:]:
        k = None if hasattr(f, "cbDefn") else (f.fontName, f.fontSize)
        if runs and (k is None or k == key):
            runs[-1].append((f, s))
        else:
            runs.append([(f, s)])
            key = k if k is not None else key
    return runs


def glyph_text(name: str) -> str:
    """The characters a glyph name stands for (Adobe Glyph List rules): "f_t" → "ft".
    Letters and uniXXXX components are read directly; anything else asks fontTools."""
    out = []
    for part in name.split(".")[0].split("_"):
        if len(part) == 1:
            out.append(part)
        elif part.startswith("uni") and len(part) >= 7 and (len(part) - 3) % 4 == 0:
            try:
                out.extend(chr(int(part[i:i + 4], 16)) for i in range(3, len(part), 4))
            except ValueError:
                return _agl(name)
        else:
            return _agl(name)
    return "".join(out)


def _agl(name: str) -> str:
    from fontTools.agl import toUnicode

    return toUnicode(name)


def _ligature_to_unicode() -> None:
    from reportlab.pdfbase import pdfmetrics, ttfonts

    original = ttfonts.makeToUnicodeCMap

    def make(fontname, subset):
        try:
            font = pdfmetrics.getFont(fontname.split("+", 1)[-1])
        except KeyError:
            font = None
        private = shaped_glyph_names(font)
        entries = []
        for code, cp in enumerate(subset):
            text = glyph_text(private[cp]) if cp in private else ""
            if not text or any(0xE000 <= ord(c) <= 0xF8FF for c in text):
                text = chr(cp)
            if 0xFB00 <= cp <= 0xFB06:  # a ligature with a code point of its own: "ﬁ" reads as "fi"
                text = unicodedata.normalize("NFKC", text)
            if any(ord(c) in (0x0000, 0xFEFF, 0xFFFE) for c in text):
                continue
            entries.append("<%02X> <%s>" % (code, text.encode("utf-16-be").hex().upper()))
        cmap = original(fontname, subset)
        head = cmap[:cmap.index("%d beginbfchar" % len(subset))]
        tail = cmap[cmap.index("endbfchar"):]
        return head + "%d beginbfchar\n" % len(entries) + "\n".join(entries) + "\n" + tail

    ttfonts.makeToUnicodeCMap = make


def _true_ligature_widths() -> None:
    from reportlab.pdfbase.ttfonts import TTFont

    add = TTFont._TTFont__addPrivate

    def add_private(self, name, gid, advance):
        uchar = add(self, name, gid, advance)
        face = self.face
        face.charWidths[uchar] = face._pdfScale(face.hmetrics[gid][0])
        return uchar

    add_private.__wrapped__ = add
    TTFont._TTFont__addPrivate = add_private


def subset_tag(font_name: str, number: int, subset) -> str:
    """Six capital letters for subset ``number`` of ``font_name`` holding code points ``subset``."""
    digest = hashlib.sha256(f"{font_name}\0{number}\0{','.join(map(str, subset))}".encode()).digest()
    return "".join(chr(65 + b % 26) for b in digest[:6])


def _unique_subset_tags() -> None:
    from reportlab.pdfbase import ttfonts

    original_add = ttfonts.TTFont.addObjects
    original_tag = ttfonts.SUBSETN
    making: list = []  # (font, its subsets) while ReportLab adds a font's objects

    def add_objects(self, doc):
        state = self.state.get(doc)
        making.append((self, state.subsets if state is not None else None))
        try:
            return original_add(self, doc)
        finally:
            making.pop()

    def tag(n, *args, **kw):
        if not making or making[-1][1] is None:
            return original_tag(n, *args, **kw)
        font, subsets = making[-1]
        name = font.face.name
        name = name.decode("latin-1") if isinstance(name, bytes) else str(name)
        return subset_tag(name, n, subsets[n]).encode("ascii")

    add_objects.__wrapped__ = original_add
    ttfonts.TTFont.addObjects = add_objects
    ttfonts.SUBSETN = tag


def prefer_canonical_code_points(font) -> None:
    """Make shaped text map each glyph of ``font`` (a ``TTFont``) back to the character an
    author types.

    After shaping, ReportLab writes the first code point the font maps to a glyph. Fonts
    share one glyph between e.g. U+2018 LEFT SINGLE QUOTATION MARK and U+02BB MODIFIER
    LETTER TURNED COMMA, and the lower one comes first, so copied or extracted text
    would read ʻcharm offensiveʼ. Modifier letters and format characters go last.
    """
    for chars in font.face.glyphToChar.values():
        if len(chars) > 1:
            chars.sort(key=lambda cp: (unicodedata.category(chr(cp)) in ("Lm", "Sk", "Cf", "Zs") and cp != 0x20,
                                       cp))


# --------------------------------------------------------------------------- what the layout reads and sets

def page_annotations(canv) -> int:
    """How many annotations the canvas's current page has so far."""
    return len(canv._annotationrefs)


def text_operators(tx) -> list:
    """The operators of a text object so far: a list the caller may change in place."""
    return tx._code


def set_text_operators(tx, operators: list) -> None:
    tx._code = operators


def on_link_words(tx, record) -> None:
    """Have ReportLab's paragraph call ``record(key, "start" | "end")`` as the words of a link
    start on a line of the text object (just after it wrote the first of them) and end."""
    tx._linkRecord = record


def frame_room(frame) -> tuple[bool, float, float]:
    """Of a platypus frame: whether nothing is in it yet, the height and the width left."""
    return frame._atTop, frame._y - frame._y1p, frame._aW


def line_room(para):
    """(space left, words) of each line of a wrapped paragraph; negative space is overfull."""
    bl = getattr(para, "blPara", None)
    for ln in (bl.lines if bl is not None else ()):
        if isinstance(ln, tuple):
            yield ln[0], len(ln[1])
        else:
            yield getattr(ln, "extraSpace", 0), getattr(ln, "wordCount", len(getattr(ln, "words", ())))


def shaped_glyph_names(font) -> dict[int, str]:
    """Of a ``TTFont`` (or None): the private-use code point ReportLab gave each glyph only
    shaping reaches (a ligature such as ``f_t``) → the glyph's name."""
    return {cp: name for name, cp in getattr(font, "_TTFont__hbUnis", {}).items()}


def on_text_out(tx, text_out) -> None:
    """Have the text object ``tx`` call ``text_out(tx, text, TStar)`` for each piece of text a
    paragraph line writes (ReportLab's ``_textOut``), in place of its own."""
    tx._textOut = MethodType(text_out, tx)


def format_text(tx, text: str) -> str:
    """The text object's operators showing ``text`` in its current font (its ``_formatText``)."""
    return tx._formatText(text)


def hold_page(canv) -> dict:
    """End the canvas's page without writing it (until the page count is known); its state."""
    state = dict(canv.__dict__)
    canv._startPage()
    return state


def resume_page(canv, state: dict) -> None:
    """Make a held page the canvas's current page again."""
    canv.__dict__.update(state)
