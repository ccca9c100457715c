"""What on the page an object of a failing file stands for.

A validator names an object ("obj 21 0"); an editor needs the words. For a font, or a
part of one (descriptor, font program, widths, ToUnicode), the answer is the text shown
with it: the first run on a page or in a figure that uses it, or, when the finding names a
code ("rendered byte 3"), the word that shows that code. For a page or a content stream
it is the page. The caller (the build) finds those words in its sources.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass

import pikepdf
from pikepdf import Array, Dictionary, Name, Stream

from ..pdfmech.content import GState, Interpreter, Visitor
from ..pdfmech.objects import label, objgen


@dataclass(frozen=True)
class Usage:
    text: str          # the run of text that uses the object ("" for a page)
    page: int          # 1-based page where it is drawn
    font: str = ""     # the font's name without its subset tag
    form: str = ""     # the page's resource name of the form it is drawn in ("/Figislands"), if any
    word: str = ""     # the word showing the code the finding names, if it names one


_CODE = re.compile(r"\b(?:byte|code|character code|glyph code)\s+(\d+)\b")


def code_in(message: str) -> int | None:
    """The character code a validator finding names, if any ("rendered byte 3")."""
    m = _CODE.search(message)
    return int(m.group(1)) if m else None


def usage(data: bytes, objnum: int, code: int | None = None) -> Usage | None:
    """Where the object ``objnum`` of the PDF ``data`` shows on the page, if it does."""
    try:
        pdf = pikepdf.open(io.BytesIO(data))
    except pikepdf.PdfError:
        return None
    with pdf:
        fonts = _fonts_holding(pdf, objnum)
        if fonts:
            return _first_text(pdf, fonts, code)
        for i, page in enumerate(pdf.pages, start=1):
            if page.obj.objgen[0] == objnum or any(
                    isinstance(c, Stream) and c.objgen[0] == objnum for c in _contents(page.obj)):
                return Usage("", i)
    return None


def _contents(page) -> list:
    c = page.get("/Contents")
    return list(c) if isinstance(c, Array) else [c]


def _fonts_holding(pdf: pikepdf.Pdf, objnum: int) -> set[tuple[int, int]]:
    """The font dictionaries that are, or reach, object ``objnum``."""
    out = set()
    for obj in pdf.objects:
        if not isinstance(obj, Dictionary) or obj.get("/Type") != Name.Font:
            continue
        if _reaches(obj, objnum, depth=4):
            out.add(obj.objgen)
    return out


def _reaches(obj, objnum: int, depth: int) -> bool:
    og = objgen(obj)
    if og is not None and og[0] == objnum:
        return True
    if depth == 0:
        return False
    if isinstance(obj, (Dictionary, Stream)):
        items = obj.stream_dict.items() if isinstance(obj, Stream) else obj.items()
        return any(_reaches(v, objnum, depth - 1) for k, v in items if k != "/Parent")
    if isinstance(obj, Array):
        return any(_reaches(v, objnum, depth - 1) for v in obj)
    return False


class _Runs(Visitor):
    walk_patterns = False
    walk_charprocs = False

    def __init__(self, fonts, code):
        self.fonts, self.code = fonts, code
        self.found: list[tuple[bytes, object, object, int]] = []   # (bytes, font, frame, page)

    def text(self, st: GState, frame, op, operands):
        font = st.font
        if font is None or objgen(font) not in self.fonts:
            return
        shown = shown_bytes(operands)
        if shown:
            self.found.append((shown, font, frame, frame.page))


def shown_bytes(operands) -> bytes:
    """The string bytes a text-showing operator's operands show (``TJ``'s kerns left out)."""
    shown = b""
    for operand in operands:
        if isinstance(operand, pikepdf.String):
            shown += bytes(operand)
        elif isinstance(operand, Array):
            shown += b"".join(bytes(x) for x in operand if isinstance(x, pikepdf.String))
    return shown


def _first_text(pdf, fonts, code) -> Usage | None:
    runs = _Runs(fonts, code)
    Interpreter(pdf, runs, errors=[]).walk_document()
    if not runs.found:
        return None
    chosen = runs.found[0]
    if code is not None:
        chosen = next((r for r in runs.found if code in r[0]), chosen)
    shown, font, frame, page = chosen
    decode = to_unicode(font)
    pieces = [decode.get(b, "\ufffd") for b in shown]
    text = "".join(pieces)
    word = ""
    if code is not None and code in shown:
        word = _word_at(text, len("".join(pieces[:shown.index(code)])))
    name = str(font.get("/BaseFont", ""))[1:].split("+", 1)[-1]
    form = _resource_name(pdf, frame.where) if frame.kind == "form" else ""
    return Usage(" ".join(text.split()), page, name, form, word)


def _resource_name(pdf, where: str) -> str:
    """The name under which a page's resources hold the form ``where`` ("obj N G")."""
    for page in pdf.pages:
        xobjects = page.obj.get("/Resources", {}).get("/XObject", {})
        for name, xo in xobjects.items():
            if isinstance(xo, Stream) and label(xo) == where:
                return str(name)
    return ""


def _word_at(text: str, i: int) -> str:
    """The word of ``text`` around the character at ``i``."""
    start = text.rfind(" ", 0, i) + 1
    end = text.find(" ", i)
    return text[start:end if end >= 0 else len(text)]


_HEX = re.compile(rb"<([0-9A-Fa-f]+)>")


def to_unicode(font) -> dict[int, str]:
    """Code -> text of a simple font's ToUnicode CMap (bfchar and bfrange entries)."""
    out: dict[int, str] = {}
    cmap = font.get("/ToUnicode")
    if not isinstance(cmap, Stream):
        return out
    try:
        data = cmap.read_bytes()
    except pikepdf.PdfError:
        return out
    for block in re.findall(rb"beginbfchar(.*?)endbfchar", data, re.S):
        pairs = _HEX.findall(block)
        for src, dst in zip(pairs[::2], pairs[1::2]):
            out[int(src, 16)] = _utf16(dst)
    for block in re.findall(rb"beginbfrange(.*?)endbfrange", data, re.S):
        for lo, hi, dst in re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
            first = int(dst, 16)
            for k, c in enumerate(range(int(lo, 16), int(hi, 16) + 1)):
                out[c] = chr(first + k) if first + k < 0x110000 else "\ufffd"
    return out


def _utf16(hexdigits: bytes) -> str:
    try:
        return bytes.fromhex(hexdigits.decode()).decode("utf-16-be")
    except ValueError:
        return "\ufffd"
