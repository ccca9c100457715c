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
from pikepdf import Array, Dictionary, Name, Stream, String

FORBIDDEN = {0x0000, 0xFEFF, 0xFFFE}
_SHOW = {"Tj", "TJ", "'", '"'}


def normalise_file(path: Path) -> None:
    """Normalise the CIDFonts of the PDF at ``path`` and save it over itself."""
    with pikepdf.open(path, allow_overwriting_input=True) as pdf:
        if normalise(pdf):
            pdf.save(path, deterministic_id=True)


def normalise(pdf: pikepdf.Pdf) -> bool:
    """Fix the Type 0 fonts of ``pdf`` in place; True if anything changed."""
    streams = list(_content_streams(pdf))
    fonts = {}                      # objgen -> font dict
    for _, res in streams:
        for f in _type0_fonts(res):
            fonts[f.objgen] = f
    if not fonts:
        return False
    shift = {key for key in fonts if _uses_cid0(streams, key)}
    for key in shift:
        _shift_font(pdf, fonts[key])
    for stream, res in streams:
        if shift:
            _shift_strings(stream, res, shift)
    for key, font in fonts.items():
        _rewrite_tounicode(pdf, font, 1 if key in shift else 0)
    return True


# --- finding fonts and text ----------------------------------------------------------

def _content_streams(pdf):
    """(content stream object, its resources) for every page and every Form XObject."""
    seen = set()
    todo = []
    for page in pdf.pages:
        res = page.obj.get("/Resources", Dictionary())
        contents = page.obj.get("/Contents")
        items = contents if isinstance(contents, Array) else [contents]
        todo.extend((c, res) for c in items if isinstance(c, Stream))
        todo.extend(_forms(res))
    while todo:
        stream, res = todo.pop()
        if stream.objgen in seen and stream.objgen != (0, 0):
            continue
        seen.add(stream.objgen)
        yield stream, res
        if stream.get("/Subtype") == Name.Form:
            todo.extend(_forms(stream.get("/Resources", Dictionary())))


def _forms(res):
    xo = res.get("/XObject") if isinstance(res, Dictionary) else None
    if not isinstance(xo, Dictionary):
        return []
    return [(x, x.get("/Resources", Dictionary())) for x in xo.values()
            if isinstance(x, Stream) and x.get("/Subtype") == Name.Form]


def _type0_fonts(res):
    fd = res.get("/Font") if isinstance(res, Dictionary) else None
    if not isinstance(fd, Dictionary):
        return []
    out = []
    for f in fd.values():
        if (isinstance(f, Dictionary) and f.is_indirect and f.get("/Subtype") == Name.Type0
                and f.get("/Encoding") in (Name("/Identity-H"), Name("/Identity-V"))):
            out.append(f)
    return out


def _shown(stream, res):
    """Yield (font objgen or None, operands, operator, index) of text-showing operators."""
    fonts = res.get("/Font", Dictionary()) if isinstance(res, Dictionary) else Dictionary()
    current, stack = None, []
    for i, (operands, op) in enumerate(pikepdf.parse_content_stream(stream)):
        name = str(op)
        if name == "q":
            stack.append(current)
        elif name == "Q":
            current = stack.pop() if stack else None
        elif name == "Tf" and operands:
            f = fonts.get(str(operands[0]))
            current = f.objgen if isinstance(f, Dictionary) and f.is_indirect else None
        elif name in _SHOW:
            yield current, operands, name, i


def _strings(operands):
    for o in operands:
        if isinstance(o, String):
            yield o
        elif isinstance(o, Array):
            yield from (x for x in o if isinstance(x, String))


def _uses_cid0(streams, key) -> bool:
    for stream, res in streams:
        for font, operands, _, _ in _shown(stream, res):
            if font != key:
                continue
            for s in _strings(operands):
                b = bytes(s)
                if any(b[i] == 0 and b[i + 1] == 0 for i in range(0, len(b) - 1, 2)):
                    return True
    return False


# --- shifting CIDs by one --------------------------------------------------------------

def _shift_bytes(b: bytes) -> bytes:
    out = bytearray()
    for i in range(0, len(b) - 1, 2):
        cid = (b[i] << 8 | b[i + 1]) + 1
        if cid > 0xFFFF:
            raise ValueError("a CIDFont uses CID 65535 and cannot be renumbered")
        out += bytes((cid >> 8, cid & 0xFF))
    return bytes(out)


def _shift_strings(stream, res, shift) -> None:
    ops = list(pikepdf.parse_content_stream(stream))
    changed = False
    for font, operands, name, i in _shown(stream, res):
        if font not in shift:
            continue
        new = []
        for o in operands:
            if isinstance(o, String):
                o = String(_shift_bytes(bytes(o)))
            elif isinstance(o, Array):
                o = Array([String(_shift_bytes(bytes(x))) if isinstance(x, String) else x for x in o])
            new.append(o)
        ops[i] = pikepdf.ContentStreamInstruction(new, pikepdf.Operator(name))
        changed = True
    if changed:
        stream.write(pikepdf.unparse_content_stream(ops))


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
