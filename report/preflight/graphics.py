"""Figure-quality rules: minimum line width and minimum type size, judged
on every content stream (pages, Form XObjects, annotation appearances,
patterns), naming the page or XObject."""
from __future__ import annotations

import math

from ..pdfmech.content import Visitor, mul, scale_of
from . import RuleResult, rule, walk

MIN_LINE = 0.25   # pt
MIN_TYPE = 6.0    # pt


class _Graphics(Visitor):
    """Thin strokes and small type, found in one walk shared by both rules."""

    walk_charprocs = False

    def __init__(self):
        self.lines, self.type = [], []

    def stroke(self, st, frame, op):
        if frame.kind == "charproc":
            return
        w = st.line_width
        eff = w * scale_of(st.ctm)
        if w == 0 or eff + 1e-6 < MIN_LINE:
            self.lines.append((frame, w, eff))

    def text(self, st, frame, op, operands):
        if frame.kind == "charproc" or st.render_mode in (3, 7):
            return
        m = mul(st.tm, st.ctm)
        # size of the glyph em along the text-space y axis
        eff = abs(st.font_size) * math.hypot(m[2], m[3])
        if eff + 1e-6 < MIN_TYPE:
            self.type.append((frame, eff))


def _found(ctx) -> _Graphics:
    if "graphics" not in ctx.cache:
        v = _Graphics()
        walk(ctx, v)
        ctx.cache["graphics"] = v
    return ctx.cache["graphics"]


@rule("graphics.line_width")
def line_width(ctx):
    """Stroked lines are at least 0.25 pt wide after the CTM (a zero width, a device
    hairline, is :func:`hairline`'s)."""
    return _lines(ctx, "graphics.line_width", lambda w: w != 0)


@rule("graphics.hairline")
def hairline(ctx):
    """No zero-width (device hairline) stroke: on a press it is finer than anything that
    prints (a house rule of print only; a viewer draws it one pixel wide)."""
    return _lines(ctx, "graphics.hairline", lambda w: w == 0)


def _lines(ctx, rule_id: str, judged) -> list[RuleResult]:
    out, seen = [], set()
    for frame, w, eff in _found(ctx).lines:
        key = (frame.label(), round(eff, 3))
        if not judged(w) or key in seen:
            continue
        seen.add(key)
        msg = "zero-width (hairline) stroke" if w == 0 else f"stroke {eff:.3f} pt < {MIN_LINE} pt"
        out.append(RuleResult(rule_id, False, frame.where, f"{msg} in {frame.label()}"))
    return out


@rule("graphics.type_size")
def type_size(ctx):
    """Shown text is at least 6 pt: Tf size x text matrix x CTM (vertical
    scale), in pages and Form XObjects."""
    out, seen = [], set()
    for frame, eff in _found(ctx).type:
        key = (frame.label(), round(eff, 2))
        if key in seen:
            continue
        seen.add(key)
        out.append(RuleResult("graphics.type_size", False, frame.where,
                              f"text at {eff:.2f} pt < {MIN_TYPE} pt in {frame.label()}"))
    return out
