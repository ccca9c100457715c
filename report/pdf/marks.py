"""Print imposition of single pages: page boxes, bleed and crop marks.

Each page becomes a larger sheet: MediaBox = trim + 3 mm bleed + a slug for the marks;
TrimBox = the page as laid out (the style's size), BleedBox = trim + 3 mm. The laid-out page is shifted into place
(``q 1 0 0 1 dx dy cm … Q``) and clipped to the bleed, so nothing can reach the marks.
Crop marks are eight 0.25 pt strokes, two per corner, on the trim lines extended, starting
2 mm outside the bleed; they are drawn in the registration colour (Separation /All with a
CMYK alternate) so that they appear on every plate, and overprint (``/OP true /op true /OPM 1``,
as every thin black rule of the print edition does). No fonts, no RGB.
"""

from __future__ import annotations

import pikepdf
from pikepdf import Array, Dictionary, Name

from ..pdfmech.objects import identity
from ..style import BLEED, MM

MARK_GAP = 2 * MM  # between the bleed edge and the start of a mark
MARK_LEN = 6 * MM
SLUG = 10 * MM  # from the bleed edge to the sheet edge
MARK_WIDTH = 0.25  # pt
REGISTRATION = "/CSReg"
OVERPRINT = "/GSMarks"


def _num(v: float) -> str:
    return f"{v:.4f}".rstrip("0").rstrip(".")


def _registration(pdf: pikepdf.Pdf):
    tint = pdf.make_indirect(Dictionary(FunctionType=2, Domain=[0, 1], C0=[0, 0, 0, 0],
                                        C1=[1, 1, 1, 1], N=1))
    return pdf.make_indirect(Array([Name.Separation, Name("/All"), Name.DeviceCMYK, tint]))


def mark_segments(width: float, height: float, off: float) -> list[tuple[float, float, float, float]]:
    """The crop-mark lines (x0, y0, x1, y1) for a trim box at (off, off, off+width, off+height)."""
    start, end = BLEED + MARK_GAP, BLEED + MARK_GAP + MARK_LEN
    segs = []
    for x in (off, off + width):
        for y in (off, off + height):
            sx = -1 if x == off else 1  # outward direction
            sy = -1 if y == off else 1
            segs.append((x + sx * start, y, x + sx * end, y))  # horizontal, on the trim line y
            segs.append((x, y + sy * start, x, y + sy * end))  # vertical, on the trim line x
    return segs


def impose(pdf: pikepdf.Pdf) -> None:
    """Give every page its print boxes and crop marks, shifting the content into place."""
    reg = _registration(pdf)
    overprint = pdf.make_indirect(Dictionary(Type=Name.ExtGState, OP=True, op=True, OPM=1))
    off = BLEED + SLUG
    shifted: set = set()
    for page in pdf.pages:
        x0, y0, x1, y1 = (float(v) for v in page.mediabox)
        width, height = x1 - x0, y1 - y0
        dx, dy = off - x0, off - y0
        if "/Annots" in page.obj:
            raise ValueError("impose() needs pages without annotations")
        page.contents_coalesce()
        body = page.obj.Contents.read_bytes()
        marks = "".join(f"{_num(a)} {_num(b)} m {_num(c)} {_num(d)} l\n"
                        for a, b, c, d in mark_segments(width, height, off))
        head = (f"q {OVERPRINT} gs {REGISTRATION} CS 1 SCN {_num(MARK_WIDTH)} w 0 J [] 0 d\n{marks}S Q\n"
                f"q 1 0 0 1 {_num(dx)} {_num(dy)} cm "
                f"{_num(x0 - BLEED)} {_num(y0 - BLEED)} {_num(width + 2 * BLEED)} "
                f"{_num(height + 2 * BLEED)} re W n\n").encode()
        page.obj.Contents.write(head + body + b"\nQ\n")
        res = page.obj.get("/Resources")
        if res is None:
            res = page.obj.Resources = Dictionary()
        if "/ColorSpace" not in res:
            res.ColorSpace = Dictionary()
        res.ColorSpace[REGISTRATION] = reg
        if "/ExtGState" not in res:
            res.ExtGState = Dictionary()
        res.ExtGState[OVERPRINT] = overprint
        full = (width + 2 * off, height + 2 * off)
        page.obj.MediaBox = Array([0, 0, round(full[0], 4), round(full[1], 4)])
        page.obj.TrimBox = Array([round(v, 4) for v in (off, off, off + width, off + height)])
        page.obj.BleedBox = Array([round(v, 4) for v in (off - BLEED, off - BLEED, off + width + BLEED,
                                                         off + height + BLEED)])
        for key in ("/CropBox", "/ArtBox"):
            if key in page.obj:
                del page.obj[key]
        _shift_patterns(res, dx, dy, shifted)


def _shift_patterns(res, dx: float, dy: float, done: set) -> None:
    """Patterns used directly by the page live in the page's default space, which the
    ``cm`` above does not move: shift their matrices by the same offset (once each)."""
    pats = res.get("/Pattern")
    if not isinstance(pats, Dictionary):
        return
    for name in list(pats.keys()):
        pat = pats[name]
        key = identity(pat)
        if key in done:
            continue
        done.add(key)
        m = [float(v) for v in pat.get("/Matrix", [1, 0, 0, 1, 0, 0])]
        m[4] += dx
        m[5] += dy
        pat.Matrix = Array([round(v, 4) for v in m])
