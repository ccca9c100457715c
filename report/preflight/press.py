"""Press rules of the print edition: what misregistration of the plates does to fine work.

An offset press never lays its four plates exactly on top of each other. Type and lines
inked on several plates then show coloured fringes, and a black letter that knocks a hole
into the tint beneath it shows a white one. So, judged at every text show and stroke of
every content stream the walk reaches (the colour it paints with, its size after the CTM):

- ``colour.registration``: type under 12 pt on at most two plates (one under 8 pt), lines
  under 0.5 pt on at most two plates; the registration colour of printer's marks (Separation
  /All), meant for every plate, excepted;
- ``colour.overprint``: 100 % K type under 12 pt and 100 % K lines overprint (``/op`` for a
  fill, ``/OP`` for a stroke, with ``/OPM 1``, so that the tint plates are left as they are);
- ``colour.reversed``: no white type (no ink at all: reversed out of what is beneath it)
  under 8 pt, which fills in on press.

A finding names the text (or the kind and width of a line), its colour and plates, where it
is drawn (page, or the form and its page) and how many more alike.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, replace

from pikepdf import Array, Dictionary, Name

from ..pdfmech.content import Visitor, family, mul, num, resolve_cs, scale_of
from ..style import FINE_TYPE_PT, REVERSED_MIN_PT, SMALL_TYPE_PT, THIN_LINE_PT
from . import RuleResult, rule, walk
from .blame import shown_bytes, to_unicode

PROCESS = ("C", "M", "Y", "K")
_INK = 0.005   # a component inks its plate from 0.5 %


@dataclass(frozen=True)
class _Ink:
    """What the press rules keep in the graphics state: the inks of the fill and stroke
    colours (``((plate, amount), …)``, None when not told by the PDF) and overprint."""

    fill: tuple | None = (("K", 1.0),)      # the initial colour: DeviceGray black
    stroke: tuple | None = (("K", 1.0),)
    op_fill: bool = False
    op_stroke: bool = False
    opm: int = 0


def _inks(cs, values) -> tuple | None:
    """The plates a colour inks, with their amounts; registration is ``(("All", t),)``."""
    fam = family(cs)
    nums = [num(v) for v in values if not isinstance(v, Name)]
    if fam == "/DeviceCMYK" and len(nums) == 4:
        return tuple((p, v) for p, v in zip(PROCESS, nums) if v > _INK)
    if fam == "/DeviceGray" and len(nums) == 1:
        return (("K", 1 - nums[0]),) if 1 - nums[0] > _INK else ()
    if fam == "/Separation" and isinstance(cs, Array) and len(cs) > 1 and len(nums) == 1:
        return ((str(cs[1])[1:], nums[0]),) if nums[0] > _INK else ()
    return None


def _initial(cs) -> tuple | None:
    fam = family(cs)
    if fam in ("/DeviceCMYK", "/DeviceGray"):
        return (("K", 1.0),)
    if fam == "/Separation":
        return _inks(cs, [1])
    return None


def describe(inks) -> str:
    return " ".join(f"{p}{round(v * 100):g}" for p, v in inks) if inks else "white"


def _black(inks) -> bool:
    return inks is not None and len(inks) == 1 and inks[0][0] == "K" and inks[0][1] >= 0.995


class _Press(Visitor):
    walk_charprocs = False

    def __init__(self):
        # (rule, where, kind of finding) -> [count, first text, label, page label]
        self.found: dict[tuple, list] = {}

    def colour_op(self, st, frame, op, operands):
        if frame.ignore_colour:
            return
        ink = st.mark or _Ink()
        fill = op.islower()
        cs = st.fill_cs if fill else st.stroke_cs
        if op in ("cs", "CS"):
            value = _initial(resolve_cs(operands[0], frame.resources))
        else:
            value = _inks(cs, operands) if op not in ("rg", "RG") else None
        st.mark = replace(ink, **{"fill" if fill else "stroke": value})

    def extgstate(self, st, frame, name, gs):
        ink = st.mark or _Ink()
        if "/OP" in gs:
            ink = replace(ink, op_stroke=bool(gs.OP), op_fill=bool(gs.OP))
        if "/op" in gs:
            ink = replace(ink, op_fill=bool(gs.op))
        if "/OPM" in gs:
            ink = replace(ink, opm=int(num(gs.OPM)))
        st.mark = ink

    def text(self, st, frame, op, operands):
        if frame.kind == "charproc" or st.render_mode not in (0, 2, 4, 6):   # filled glyphs only
            return
        ink = st.mark or _Ink()
        if ink.fill is None:
            return
        m = mul(st.tm, st.ctm)
        size = abs(st.font_size) * math.hypot(m[2], m[3])
        plates = [p for p, _ in ink.fill]
        shown = _shown(st.font, operands)
        colour = describe(ink.fill)
        if "All" not in plates and (size < SMALL_TYPE_PT and len(plates) > 2
                                    or size < FINE_TYPE_PT and len(plates) > 1):
            limit = 1 if size < FINE_TYPE_PT else 2
            self._add("colour.registration", frame, f"{size:.3g} pt text in {colour} on {len(plates)} plates "
                      f"(at most {limit} for type under {FINE_TYPE_PT if limit == 1 else SMALL_TYPE_PT:g} pt)",
                      shown)
        if not plates and size < REVERSED_MIN_PT:
            self._add("colour.reversed", frame, f"{size:.3g} pt white (reversed) text: under "
                      f"{REVERSED_MIN_PT:g} pt it fills in on press", shown)
        if _black(ink.fill) and size < SMALL_TYPE_PT and not (ink.op_fill and ink.opm == 1):
            self._add("colour.overprint", frame, f"{size:.3g} pt text in 100 % K knocks out what is beneath "
                      "(no /op true with /OPM 1)", shown)

    def stroke(self, st, frame, op):
        if frame.kind == "charproc" or op in ("Tj", "TJ", "'", '"'):
            return
        ink = st.mark or _Ink()
        if ink.stroke is None:
            return
        width = st.line_width * scale_of(st.ctm)
        plates = [p for p, _ in ink.stroke]
        colour = describe(ink.stroke)
        if width < THIN_LINE_PT and len(plates) > 2 and "All" not in plates:
            self._add("colour.registration", frame, f"{width:.3g} pt line in {colour} on {len(plates)} plates "
                      f"(at most 2 for lines under {THIN_LINE_PT:g} pt)", None)
        if _black(ink.stroke) and width < SMALL_TYPE_PT and not (ink.op_stroke and ink.opm == 1):
            self._add("colour.overprint", frame, f"{width:.3g} pt line in 100 % K knocks out what is beneath "
                      "(no /OP true with /OPM 1)", None)

    def _add(self, rule_id, frame, what, text):
        entry = self.found.setdefault((rule_id, frame.where, what), [0, None, frame.label()])
        entry[0] += 1
        if entry[1] is None and text:
            entry[1] = text


def _shown(font, operands) -> str:
    """The text a show operator draws, through its font's ToUnicode ("" when not told)."""
    data = shown_bytes(operands)
    if not isinstance(font, Dictionary):
        return ""
    width = 2 if font.get("/Subtype") == Name.Type0 else 1
    decode = to_unicode(font)
    codes = [int.from_bytes(data[i:i + width], "big") for i in range(0, len(data) - width + 1, width)]
    return " ".join("".join(decode.get(c, "") for c in codes).split())


def _findings(ctx) -> dict:
    if "press" not in ctx.cache:
        v = _Press()
        walk(ctx, v)
        ctx.cache["press"] = v.found
    return ctx.cache["press"]


def _results(ctx, rule_id: str) -> list[RuleResult]:
    out = []
    for (rid, where, what), (count, text, label) in _findings(ctx).items():
        if rid != rule_id:
            continue
        said = f'"{text}": ' if text else ""
        more = f" ({count - 1} more alike)" if count > 1 else ""
        out.append(RuleResult(rule_id, False, where, f"{said}{what} in {label}{more}"))
    return out


@rule("colour.registration")
def registration(ctx):
    """Print: type under 12 pt on at most two plates (one under 8 pt), lines under 0.5 pt on at
    most two plates (the registration colour of printer's marks excepted)."""
    return _results(ctx, "colour.registration")


@rule("colour.overprint")
def overprint(ctx):
    """Print: 100 % K type under 12 pt and 100 % K lines overprint (/op, /OP true, /OPM 1)."""
    return _results(ctx, "colour.overprint")


@rule("colour.reversed")
def reversed_type(ctx):
    """Print: no white (reversed) type under 8 pt."""
    return _results(ctx, "colour.reversed")
