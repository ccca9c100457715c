"""Fonts: register the style's TrueType faces with ReportLab as they are first used (once
per process), and answer which characters a face can draw (so no tofu ever reaches a PDF)."""

from __future__ import annotations

import unicodedata
from functools import lru_cache
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from .errors import BriefError



def font_name(path: Path) -> str:
    """The ReportLab name of a TTF file: its file stem (e.g. SourceSerifPro-Regular)."""
    return Path(path).stem


@lru_cache(maxsize=None)
def _register(path: Path) -> TTFont:
    try:
        font = TTFont(font_name(path), str(path))
    except Exception as exc:  # ReportLab's TTFError, or struct/index errors of a damaged file
        raise BriefError(f"not a usable TrueType font: {exc}", path) from None
    _prefer_canonical_code_points(font)
    pdfmetrics.registerFont(font)
    return font


def _prefer_canonical_code_points(font: TTFont) -> None:
    """Make shaped text map each glyph back to the character an author types.

    After shaping, ReportLab writes the first code point the font maps to a glyph. Fonts
    share one glyph between e.g. U+2018 LEFT SINGLE QUOTATION MARK and U+02BB MODIFIER
    LETTER TURNED COMMA, and the lower one comes first, so copied or extracted text
    would read ʻcharm offensiveʼ. Modifier letters and format characters go last.
    """
    for gid, chars in font.face.glyphToChar.items():
        if len(chars) > 1:
            chars.sort(key=lambda cp: (unicodedata.category(chr(cp)) in ("Lm", "Sk", "Cf", "Zs") and cp != 0x20,
                                       cp))


def face(path: Path) -> str:
    """Register one TTF face (once per process) and return its ReportLab name.

    Faces are registered when the layout first uses them, so a build parses only the font
    files its text needs; emphasis names its face explicitly instead of relying on
    ReportLab's <b>/<i> family mapping."""
    return _register(Path(path)).fontName


@lru_cache(maxsize=None)
def coverage(path: Path) -> frozenset[int]:
    """Code points the TTF file maps to a glyph."""
    return frozenset(_register(path).face.charToGlyph)


def string_width(text: str, path: Path, size: float) -> float:
    """Width in points of ``text`` set unshaped in the face at ``size``."""
    return pdfmetrics.stringWidth(text, face(path), size)


def missing_glyphs(text: str, path: Path) -> list[str]:
    """Characters of ``text`` (other than white space) that the face cannot draw."""
    cmap = coverage(path)
    return sorted({ch for ch in text if not ch.isspace() and ord(ch) not in cmap})


def _install_split_shaping_fix() -> None:
    """Let ReportLab re-shape the words of a paragraph that was split across frames.

    Two defects of ReportLab 4–5's shaping, fixed where its paragraph calls the shaper:
    - it keeps the shaped text (a ``str`` subclass) in the fragments of a split paragraph
      and hands it to uharfbuzz again, whose Cython ``Buffer.add_str`` rejects ``str``
      subclasses: every paragraph that breaks across a column would fail to wrap. The shim
      gives uharfbuzz plain strings; the glyphs it then returns are the same.
    - a word whose face changes part-way ("*emphasis*,") is shaped with the first face's
      font and its glyph ids are read through the other face's cmap, so the comma prints
      as "ḡ". The shim shapes each single-face run of such a word on its own.
    """
    from reportlab.pdfbase import ttfonts
    from reportlab.platypus import paragraph

    original = paragraph.shapeFragWord
    if getattr(original, "_brief_fix", False):
        return

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
        # a word that changes face ("*emphasis*,"): ReportLab would shape it all with the
        # first face's font and then read the glyph ids through the other face's cmap
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

    shape_frag_word._brief_fix = True
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


def _glyph_text(name: str) -> str:
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


def _install_ligature_to_unicode() -> None:
    """Write each subset's ToUnicode CMap so that every entry says what the glyph reads as.

    - A shaped ligature such as ``f_t`` has no Unicode code point of its own; ReportLab
      gives it one from the private use area, so "aftermath" would be extracted, searched
      and read aloud as "a\ue000ermath". The glyph name says what it stands for (Adobe
      Glyph List rules, decoded by fontTools), and a ToUnicode entry may map one code to
      several characters.
    - A ligature the font maps from a presentation form (U+FB01 "ﬁ") is written as its
      letters, as a screen reader should read it.
    - ReportLab maps the codes a subset does not use (code 0 of the first subset, kept
      for .notdef) to U+0000, which ISO 14289-1 7.21.7 forbids, as it does U+FEFF and
      U+FFFE: those entries are left out.
    """
    from reportlab.pdfbase import ttfonts

    original = ttfonts.makeToUnicodeCMap
    if getattr(original, "_brief_fix", False):
        return

    def make(fontname, subset):
        try:
            font = pdfmetrics.getFont(fontname.split("+", 1)[-1])
        except KeyError:
            font = None
        private = {cp: name for name, cp in getattr(font, "_TTFont__hbUnis", {}).items()}
        entries = []
        for code, cp in enumerate(subset):
            text = _glyph_text(private[cp]) if cp in private else ""
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

    make._brief_fix = True
    ttfonts.makeToUnicodeCMap = make


def _install_true_ligature_widths() -> None:
    """Give a shaped glyph without a code point of its own its true advance width.

    ReportLab 4–5 gives a glyph that only shaping reaches (the ``f_t`` ligature of
    "after") a private-use code point and records, as that code point's width, the
    advance HarfBuzz returned where it first met the glyph: the glyph's width *with the
    kerning of that spot* ("ft" before "e" is 18 units narrower), and in font units rather
    than thousandths of an em. That number then becomes the glyph's ``/Widths`` entry, which
    must equal the advance in the embedded font program (ISO 14289-1 7.21.5, ISO 19005-2
    6.2.11.5: the validators reject the file). The width is the glyph's ``hmtx`` advance,
    scaled as every other glyph's; kerning stays where it belongs, in the positioning
    ReportLab writes from the shaped advance.
    """
    add = getattr(TTFont, "_TTFont__addPrivate", None)
    if add is None or getattr(add, "_brief_fix", False):
        return

    def add_private(self, name, gid, advance):
        uchar = add(self, name, gid, advance)
        face = self.face
        face.charWidths[uchar] = face._pdfScale(face.hmetrics[gid][0])
        return uchar

    add_private._brief_fix = True
    add_private.__wrapped__ = add
    TTFont._TTFont__addPrivate = add_private


_install_split_shaping_fix()
_install_ligature_to_unicode()
_install_true_ligature_widths()
