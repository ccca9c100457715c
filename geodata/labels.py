"""Label placement: every label gets a position where it overlaps no other label, no
callout, legend, inset or scale bar, no other place's marker, and stays inside the frame.

Candidates are tried in cartographic order of preference (right of the point, left,
the four diagonals, above, below), first close to the marker, then further out with a
leader line. Text extents are measured with the figure's own renderer. A label that
finds no room is an error for the map's author to resolve, never a silent overlap.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from matplotlib import patheffects

from .look import FigureError

# (dx, dy) direction, horizontal and vertical alignment of the text
POINT_CANDIDATES = [
    ((1, 0), "left", "center"), ((-1, 0), "right", "center"),
    ((0.75, 0.75), "left", "bottom"), ((0.75, -0.75), "left", "top"),
    ((-0.75, 0.75), "right", "bottom"), ((-0.75, -0.75), "right", "top"),
    ((0, 1), "center", "bottom"), ((0, -1), "center", "top"),
]
DISTANCES = (1.0, 2.2, 3.6, 5.5, 8.0)  # multiples of the base offset
# shifts (points) tried for labels set on an area or a water body: nearest first
CENTRE_SHIFTS_PT = [(0, 0)] + [
    (round(r * dx, 1), round(r * dy, 1))
    for r in (5, 10, 15, 20, 26)
    for dx, dy in ((0, 1), (0, -1), (1.4, 0), (-1.4, 0), (1, 0.7), (-1, -0.7), (1, -0.7), (-1, 0.7))
]
GAP_PT = 1.2  # clearance kept between a label and anything else


@dataclass
class Box:
    x0: float
    y0: float
    x1: float
    y1: float
    what: str = ""

    def grow(self, d: float) -> "Box":
        return Box(self.x0 - d, self.y0 - d, self.x1 + d, self.y1 + d, self.what)

    def overlaps(self, other: "Box") -> bool:
        return self.x0 < other.x1 and other.x0 < self.x1 and self.y0 < other.y1 and other.y0 < self.y1

    def inside(self, other: "Box") -> bool:
        return self.x0 >= other.x0 and self.y0 >= other.y0 and self.x1 <= other.x1 and self.y1 <= other.y1


@dataclass
class LabelRequest:
    text: str
    xy: tuple[float, float]  # data coordinates of the anchor
    props: dict  # matplotlib text properties
    kind: str = "point"  # "point": beside a marker; "centre": on the anchor (areas, water)
    marker_pt: float = 0.0  # marker diameter, points
    halo: str | None = None  # colour of the halo, or None
    leader: dict | None = None  # line properties for a leader when placed far out
    alternatives: tuple[str, ...] = ()  # other wordings to try, e.g. a dual name stacked on two lines
    placed: Box | None = field(default=None, init=False)


def _box(artist, renderer, what: str) -> Box:
    bb = artist.get_window_extent(renderer)
    return Box(bb.x0, bb.y0, bb.x1, bb.y1, what)


def place_labels(ax, renderer, requests: list[LabelRequest], obstacles: list[Box], frame: Box,
                 dpi: float) -> list[Box]:
    """Place labels in order; return their boxes (display units). Raises FigureError."""
    pt = dpi / 72.0
    placed: list[Box] = []
    taken = list(obstacles)
    inner = frame.grow(-GAP_PT * pt)
    for req in requests:
        text = ax.text(req.xy[0], req.xy[1], req.text, zorder=30, **req.props)
        if req.halo:
            text.set_path_effects([patheffects.withStroke(linewidth=1.8, foreground=req.halo)])
        anchor = ax.transData.transform(req.xy)
        box = None
        for wording in (req.text, *req.alternatives):
            text.set_text(wording)
            box = _try(text, renderer, req, anchor, taken, inner, pt, ax)
            if box is not None:
                req.text = wording
                break
        if box is None:
            text.remove()
            near = [b.what for b in taken if b.what and _dist(b, anchor) < 40 * pt][:4]
            raise FigureError(f"no room for the label '{req.text}' without overlapping "
                              f"{', '.join(near) or 'the frame'}; move, shorten or drop a label")
        box.what = f"label '{req.text}'"
        placed.append(box)
        taken.append(box)
    return placed


def _dist(b: Box, p) -> float:
    dx = max(b.x0 - p[0], 0, p[0] - b.x1)
    dy = max(b.y0 - p[1], 0, p[1] - b.y1)
    return (dx * dx + dy * dy) ** 0.5


def _fits(box: Box, taken: list[Box], inner: Box, pt: float) -> bool:
    if not box.inside(inner):
        return False
    grown = box.grow(GAP_PT * pt)
    return not any(grown.overlaps(t) for t in taken)


def _try(text, renderer, req: LabelRequest, anchor, taken, inner, pt, ax) -> Box | None:
    inv = ax.transData.inverted()
    if req.kind == "centre":
        text.set_ha("center")
        text.set_va("center")
        for dx, dy in CENTRE_SHIFTS_PT:
            text.set_position(inv.transform((anchor[0] + dx * pt, anchor[1] + dy * pt)))
            box = _box(text, renderer, req.text)
            if _fits(box, taken, inner, pt):
                return box
        return None
    base = (req.marker_pt / 2 + 1.6) * pt
    for level, dist in enumerate(DISTANCES):
        for (ux, uy), ha, va in POINT_CANDIDATES:
            text.set_ha(ha)
            text.set_va(va)
            pos = (anchor[0] + ux * base * dist, anchor[1] + uy * base * dist)
            text.set_position(inv.transform(pos))
            box = _box(text, renderer, req.text)
            if _fits(box, taken, inner, pt):
                if level >= 2 and req.leader:
                    _leader(ax, inv, anchor, box, req, pt)
                return box
    return None


def _leader(ax, inv, anchor, box: Box, req: LabelRequest, pt: float) -> None:
    """A thin line from the marker's edge to the nearest point of the label's box."""
    tx = min(max(anchor[0], box.x0), box.x1)
    ty = min(max(anchor[1], box.y0), box.y1)
    dx, dy = tx - anchor[0], ty - anchor[1]
    d = (dx * dx + dy * dy) ** 0.5 or 1.0
    start = (anchor[0] + dx / d * req.marker_pt / 2 * pt, anchor[1] + dy / d * req.marker_pt / 2 * pt)
    end = (tx - dx / d * 0.8 * pt, ty - dy / d * 0.8 * pt)
    (x0, y0), (x1, y1) = inv.transform(start), inv.transform(end)
    ax.plot([x0, x1], [y0, y1], zorder=29, solid_capstyle="butt", **req.leader)
