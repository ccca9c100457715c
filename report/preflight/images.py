"""Image resolution rule (print)."""
from __future__ import annotations

import math

from pikepdf import Dictionary, Stream

from ..pdfmech.content import Visitor, num
from . import RuleResult, rule, walk

MIN_PPI = 300.0


class _Ppi(Visitor):
    walk_charprocs = False

    def __init__(self):
        self.low = []

    def image(self, st, frame, img, label, step):
        d = img if isinstance(img, (Stream, Dictionary)) else getattr(img, "obj", None)
        if d is None:
            return
        w = num(d.get("/Width", d.get("/W", 0)))
        h = num(d.get("/Height", d.get("/H", 0)))
        a, b, c, dd, _, _ = st.ctm
        wpt, hpt = math.hypot(a, b), math.hypot(c, dd)
        if w <= 0 or h <= 0 or wpt <= 0 or hpt <= 0:
            return
        ppi = min(w / (wpt / 72.0), h / (hpt / 72.0))
        if ppi + 0.5 < MIN_PPI:
            self.low.append((frame, label, ppi, int(w), int(h), wpt, hpt))


@rule("images.resolution")
def resolution(ctx):
    """Print: every image is placed at an effective resolution of at least
    300 ppi (pixel size / placed size from the CTM at its Do operator)."""
    v = _Ppi()
    walk(ctx, v)
    out, seen = [], set()
    for frame, label, ppi, w, h, wpt, hpt in v.low:
        key = (label, round(ppi))
        if key in seen:
            continue
        seen.add(key)
        out.append(RuleResult("images.resolution", False, label.split(" (")[0],
                              f"image {w}x{h} px placed at {wpt:.1f}x{hpt:.1f} pt = "
                              f"{ppi:.0f} ppi < {MIN_PPI:.0f} in {frame.label()}"))
    return out
