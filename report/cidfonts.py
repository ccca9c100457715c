"""Make the CIDFonts of a figure PDF safe for PDF/A and PDF/UA readers.

matplotlib (3.11) puts glyphs that stand for more than one character, such as the "ff"
ligature, into a second subset font whose character codes start at 0. With Identity-H
encoding the code is the CID, so the ligature is shown with CID 0, which ISO 19005-2
6.2.11.8 and ISO 14289-1 7.21.8 reserve for .notdef: every validator that follows veraPDF
reports the file. matplotlib also writes its ToUnicode CMaps as bfrange-with-array entries,
which some validators misread.

:func:`normalise` fixes both in place, for any producer, after a figure is rendered:

- a Type 0 font (Identity-H/V, CIDFontType2) whose text uses CID 0 gets every CID shifted
  up by one: its CIDToGIDMap, its /W widths, its ToUnicode CMap and every string shown
  with it in the page and its Form XObjects;
- every Type 0 font's ToUnicode CMap is rewritten as plain ``bfchar`` entries, leaving
  out any that map to U+0000, U+FEFF or U+FFFE (ISO 14289-1 7.21.7).

The glyphs drawn, their widths and the text extracted stay the same.
"""

from __future__ import annotations

import re
from pathlib import Path

import pikepdf
from pikepdf import Array, Name, Stream, String

from .pdfmech.content import Interpreter, Visitor
from .pdfmech.objects import objgen

FORBIDDEN = {0x0000, 0xFEFF, 0xFFFE}


def normalise_file(path: Path) -> None:
    """Normalise the CIDFonts of the PDF at ``path`` and save it over itself."""
    with pikepdf.open(path, allow_overwriting_input=True) as pdf:
        if normalise(pdf):
            pdf.save(path, deterministic_id=True)


def normalise(pdf: pikepdf.Pdf) -> bool:
    """Fix the Type 0 fonts of ``pdf`` in place; True if anything changed."""
    found = _Text()
    Interpreter(pdf, found).walk_document()
    if not found.fonts:
        return False
    for key in found.cid0:
        _shift_font(pdf, found.fonts[key])
    if found.cid0:
        Interpreter(pdf, _Text(shift=found.cid0)).walk_document()
    for key, font in found.fonts.items():
        _rewrite_tounicode(pdf, font, 1 if key in found.cid0 else 0)
    return True


class _Text(Visitor):
    """The Type 0 fonts (Identity-H/V) the pages and their forms show text with, and those of
    them that show CID 0; with ``shift``, a rewriting visitor that gives those fonts' strings
    every CID one up."""

    walk_patterns = walk_charprocs = False

    def __init__(self, shift: set = frozenset()):
        self.shift, self.rewrites = shift, bool(shift)
        self.fonts: dict = {}     # objgen -> font dictionary
        self.cid0: set = set()    # objgen of the fonts that show CID 0

    def text(self, st, frame, op, operands):
        font, key = st.font, objgen(st.font)
        if key is None or font.get("/Subtype") != Name.Type0 or \
                font.get("/Encoding") not in (Name("/Identity-H"), Name("/Identity-V")):
            return None
        self.fonts.setdefault(key, font)
        if key in self.shift:
            return [_shifted(o) for o in operands], op
        if any(b[i] == 0 and b[i + 1] == 0 for b in map(bytes, _strings(operands)) for i in range(0, len(b) - 1, 2)):
            self.cid0.add(key)
        return None


def _strings(operands):
    for o in operands:
        if isinstance(o, String):
            yield o
        elif isinstance(o, Array):
            yield from (x for x in o if isinstance(x, String))


# --- shifting CIDs by one --------------------------------------------------------------

def _shift_bytes(b: bytes) -> bytes:
    out = bytearray()
    for i in range(0, len(b) - 1, 2):
        cid = (b[i] << 8 | b[i + 1]) + 1
        if cid > 0xFFFF:
            raise ValueError("a CIDFont uses CID 65535 and cannot be renumbered")
        out += bytes((cid >> 8, cid & 0xFF))
    return bytes(out)


def _shifted(operand):
    if isinstance(operand, String):
        return String(_shift_bytes(bytes(operand)))
    if isinstance(operand, Array):
        return Array([_shifted(x) for x in operand])
    return operand


def _shift_font(pdf, font) -> None:
    cidfont = font.DescendantFonts[0]
    m = cidfont.get("/CIDToGIDMap")
    if isinstance(m, Stream):
        old = m.read_bytes()
    else:  # /Identity or absent: CID n is glyph n
        n = _glyph_count(cidfont)
        old = b"".join(bytes((g >> 8, g & 0xFF)) for g in range(n))
    cidfont.CIDToGIDMap = pdf.make_stream(b"\0\0" + old)
    w = cidfont.get("/W")
    if isinstance(w, Array):
        items, out, i = list(w), [], 0
        while i < len(items):
            first = int(items[i])
            if i + 1 < len(items) and isinstance(items[i + 1], Array):
                out += [first + 1, items[i + 1]]
                i += 2
            else:
                out += [first + 1, int(items[i + 1]) + 1, items[i + 2]]
                i += 3
        cidfont.W = Array(out)


def _glyph_count(cidfont) -> int:
    import io

    from fontTools.ttLib import TTFont

    ff = cidfont.FontDescriptor.get("/FontFile2")
    return TTFont(io.BytesIO(ff.read_bytes()), lazy=True)["maxp"].numGlyphs


# --- ToUnicode as bfchar ---------------------------------------------------------------

def tounicode_entries(data: bytes) -> dict[int, bytes]:
    """code -> UTF-16BE bytes from a ToUnicode CMap's bfchar and bfrange sections."""
    out: dict[int, bytes] = {}
    for block in re.findall(rb"beginbfchar(.*?)endbfchar", data, re.S):
        for a, b in re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]*)>", block):
            out[int(a, 16)] = bytes.fromhex(b.decode())
    for block in re.findall(rb"beginbfrange(.*?)endbfrange", data, re.S):
        for a, b, rest in re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*(\[[^\]]*\]|<[0-9A-Fa-f]*>)",
                                     block):
            lo, hi = int(a, 16), int(b, 16)
            if rest.startswith(b"["):
                for k, h in enumerate(re.findall(rb"<([0-9A-Fa-f]*)>", rest)):
                    out[lo + k] = bytes.fromhex(h.decode())
            else:
                base = bytes.fromhex(rest[1:-1].decode())
                start = int.from_bytes(base[-2:], "big") if len(base) >= 2 else 0
                for k in range(min(hi - lo, 0xFFFF) + 1):
                    out[lo + k] = base[:-2] + ((start + k) & 0xFFFF).to_bytes(2, "big")
    return out


def forbidden_value(value: bytes) -> bool:
    """Does a ToUnicode value hold U+0000, U+FEFF or U+FFFE (ISO 14289-1 7.21.7)?"""
    return any(int.from_bytes(value[i:i + 2], "big") in FORBIDDEN for i in range(0, len(value) - 1, 2))


def _rewrite_tounicode(pdf, font, shift: int) -> None:
    tu = font.get("/ToUnicode")
    if not isinstance(tu, Stream):
        return
    entries = {code + shift: v for code, v in tounicode_entries(tu.read_bytes()).items()
               if v and not forbidden_value(v)}
    lines = [f"<{code:04X}> <{v.hex().upper()}>" for code, v in sorted(entries.items())]
    chunks = [lines[i:i + 100] for i in range(0, len(lines), 100)]
    body = "\n".join(f"{len(c)} beginbfchar\n" + "\n".join(c) + "\nendbfchar" for c in chunks)
    cmap = ("/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n"
            "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
            "/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n"
            "1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n"
            f"{body}\nendcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n")
    font.ToUnicode = pdf.make_stream(cmap.encode("ascii"))
