"""Where a label may go: typed candidate positions (PAL's LabelPosition), in display units.

A :class:`Candidate` is one box the text may fill — level or turned along an area's axis —
with how it relates to what it names: set *beside* a point or a small island (at a gap from
its symbol), *inside* an area (around its pole of inaccessibility or label point), *along* a
narrow area's axis, *within* a narrow water away from its point, *outside* an area or far from
a point with a *leader*, or, for water named beyond the frame, anywhere in the frame
(*beyond*); a narrow water's name too long for it goes *alongside* it, on the shore, turned to
its axis. Turned boxes read upright: angles lie between -90° and 90°, never upside down. The
generators here only propose; the placer (:mod:`geodata.placer`) rules out and costs them
(:mod:`geodata.costs`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import shapely

from . import costs

# direction (unit x, unit y) from the symbol, in order of preference: right, left, the diagonals, above, below
DIRECTIONS = ((1, 0), (-1, 0), (1, 1), (1, -1), (-1, 1), (-1, -1), (0, 1), (0, -1))
RINGS_PT = (0, 3, 6, 10, 15, 21, 28, 36, 45, 56, 70, 86, 105)  # shifts of an area name from its anchor (points)


@dataclass(frozen=True)
class Candidate:
    """One position of a label's text box (display units)."""

    corner: tuple[float, float]  # the box's lower-left corner before it is turned: the pivot of the turn
    width: float
    height: float
    angle: float  # degrees counter-clockwise (0: level; only single-line names are turned)
    placement: str  # "beside" | "inside" | "along" | "within" | "near" | "alongside" | "outside" | "beyond"
    rank: int  # order of preference among the positions of one placement (0 first)
    leader: bool = False
    shift: float = 0.0  # display units between its centre and the anchor (area names)

    @cached_property
    def shape(self):
        """The box as a polygon (turned when ``angle`` is not 0)."""
        return shapely.Polygon(self.corners())

    def corners(self) -> np.ndarray:
        ux, uy = math.cos(math.radians(self.angle)), math.sin(math.radians(self.angle))
        local = np.array([(0, 0), (self.width, 0), (self.width, self.height), (0, self.height)])
        return np.column_stack([self.corner[0] + local[:, 0] * ux - local[:, 1] * uy,
                                self.corner[1] + local[:, 0] * uy + local[:, 1] * ux])

    def centre(self) -> tuple[float, float]:
        c = self.corners()
        return float(c[:, 0].mean()), float(c[:, 1].mean())

    def samples(self, nu: int = 12, nv: int = 3) -> np.ndarray:
        """Points spread over the box (for the share of it on land or inside an area)."""
        ux, uy = math.cos(math.radians(self.angle)), math.sin(math.radians(self.angle))
        u = (np.arange(nu) + 0.5) / nu * self.width
        v = (np.arange(nv) + 0.5) / nv * self.height
        uu, vv = np.meshgrid(u, v)
        return np.column_stack([self.corner[0] + uu.ravel() * ux - vv.ravel() * uy,
                                self.corner[1] + uu.ravel() * uy + vv.ravel() * ux])


def centred(cx: float, cy: float, w: float, h: float, angle: float, **kw) -> Candidate:
    """A candidate whose box is centred on (cx, cy)."""
    ux, uy = math.cos(math.radians(angle)), math.sin(math.radians(angle))
    return Candidate((cx - w / 2 * ux + h / 2 * uy, cy - w / 2 * uy - h / 2 * ux), w, h, angle, **kw)


def around(bounds: tuple[float, float, float, float], w: float, h: float, gaps: tuple[float, ...],
           leader: bool, placement: str = "beside") -> list[Candidate]:
    """Eight positions around a symbol (its bounds), each ``gap`` away from it: the type's
    nearest edge or corner at that distance. A symbol longer than the text also gets positions
    slid along its sides."""
    x0, y0, x1, y1 = bounds
    cx, cy, hx, hy = (x0 + x1) / 2, (y0 + y1) / 2, (x1 - x0) / 2, (y1 - y0) / 2
    out = []
    d = math.sqrt(0.5)
    for g in gaps:
        spots = []
        for dx, dy in DIRECTIONS:
            if dx and dy:  # a corner of the box at the gap, on the diagonal of a round symbol
                px, py = cx + dx * (hx + g) * d, cy + dy * (hy + g) * d
                spots.append((px if dx > 0 else px - w, py if dy > 0 else py - h))
            elif dx:
                spots.append((x1 + g if dx > 0 else x0 - g - w, cy - h / 2))
            else:
                spots.append((cx - w / 2, y1 + g if dy > 0 else y0 - g - h))
        if 2 * hy > h * 1.5:  # slid along a tall symbol's sides
            for top in (True, False):
                y = y1 - h if top else y0
                spots += [(x1 + g, y), (x0 - g - w, y)]
        if 2 * hx > w * 1.2:  # ... and a wide one's
            for left in (True, False):
                x = x0 if left else x1 - w
                spots += [(x, y1 + g), (x, y0 - g - h)]
        for rank, corner in enumerate(spots):
            out.append(Candidate(corner, w, h, 0.0, placement, rank, leader=leader))
    return out


def along_outline(outline, w: float, h: float, gaps: tuple[float, ...], step: float) -> list[Candidate]:
    """Positions around points spaced ``step`` apart along an area's outline (an island longer
    than its name, or lying askew), each as if the point were the symbol: the name then follows
    the coast wherever the area bulges, not only its bounding box."""
    out = []
    for ring in shapely.get_parts(shapely.boundary(outline)):
        length = ring.length
        if length <= 0:
            continue
        for d in np.arange(0.0, length, step):
            p = shapely.line_interpolate_point(ring, d)
            out += around((p.x, p.y, p.x, p.y), w, h, gaps, leader=False)
    return out


def rings(anchor: tuple[float, float], w: float, h: float, pt: float, reach: float, angle: float = 0.0,
          placement: str = "inside") -> list[Candidate]:
    """Boxes centred on the anchor and on rings around it, out to ``reach`` (display units); a
    level name is shifted further sideways than up and down (it is wider than tall)."""
    out = []
    for k, r in enumerate(RINGS_PT):
        if r * pt > reach:
            break
        angles = [0.0] if r == 0 else np.linspace(0, 2 * np.pi, costs.RING_ANGLES, endpoint=False)
        for a in angles:
            dx, dy = 1.4 * r * pt * math.cos(a), r * pt * math.sin(a)
            out.append(centred(anchor[0] + dx, anchor[1] + dy, w, h, angle, placement=placement, rank=k,
                               shift=math.hypot(dx, dy)))
    return out


def along(anchor: tuple[float, float], angle: float, w: float, h: float, reach: float) -> list[Candidate]:
    """Boxes turned to ``angle`` (an area's axis), centred on points along the axis through the
    anchor and beside it, out to ``reach`` (display units)."""
    ux, uy = math.cos(math.radians(angle)), math.sin(math.radians(angle))
    out = []
    for t in np.linspace(-reach, reach, 13):
        for s in np.linspace(-h, h, 5):
            cx, cy = anchor[0] + t * ux - s * uy, anchor[1] + t * uy + s * ux
            out.append(centred(cx, cy, w, h, angle, placement="along", rank=int(abs(t) / max(reach, 1) * 4),
                               shift=math.hypot(t, s)))
    return out


def within(area, angles, w: float, h: float, step: float, anchor: tuple[float, float],
           placement: str = "within") -> list[Candidate]:
    """Boxes turned to each of ``angles`` (an area's axes), centred on a grid ``step`` apart (or
    coarser: at most about WITHIN_CENTRES centres) over
    ``area`` wherever the centre lies half a line inside it: a narrow water's name in the water
    away from its point (the water around the point, bounded by land: see
    :func:`geodata.placer._narrow_water`), where the point itself stands in a crowd or a narrows;
    an island's name along it away from its middle, where fjords cut the middle. The placer
    judges how much of each box lies on land, or in the island."""
    x0, y0, x1, y1 = area.bounds
    inner = shapely.buffer(area, -h / 2)
    if inner.is_empty:
        return []
    step = max(step, math.sqrt(inner.area / costs.WITHIN_CENTRES))  # a large area: a coarser grid
    xs, ys = np.meshgrid(np.arange(x0, x1 + step, step), np.arange(y0, y1 + step, step))
    xs, ys = xs.ravel(), ys.ravel()
    keep = shapely.contains_xy(inner, xs, ys)
    out = []
    for angle in angles:
        out += [centred(x, y, w, h, angle, placement=placement, rank=0,
                        shift=math.hypot(x - anchor[0], y - anchor[1])) for x, y in zip(xs[keep], ys[keep])]
    return out


def alongside(anchor: tuple[float, float], angle: float, w: float, h: float, gaps, reach: float) -> list[Candidate]:
    """Boxes turned to a narrow water's axis and set beside it on either shore, their near edge
    ``gap`` from the axis through the anchor, slid along it out to ``reach`` (display units)."""
    ux, uy = math.cos(math.radians(angle)), math.sin(math.radians(angle))
    out = []
    for rank, g in enumerate(gaps):
        for side in (1, -1):
            s = side * (h / 2 + g)
            for t in np.linspace(-reach, reach, 9):
                cx, cy = anchor[0] + t * ux - s * uy, anchor[1] + t * uy + s * ux
                out.append(centred(cx, cy, w, h, angle, placement="alongside", rank=rank, shift=math.hypot(t, s)))
    return out


def beyond(far: tuple[float, float], inner: tuple[float, float, float, float], w: float, h: float,
           mm_px: float) -> list[tuple[Candidate, float]]:
    """A water name whose label point lies off the map: anywhere in the frame, with its cost
    (nearer the point is better, and not squeezed against the frame)."""
    x0, y0, x1, y1 = inner
    diag = math.hypot(x1 - x0, y1 - y0)
    out = []
    for x in np.linspace(x0 + w / 2, x1 - w / 2, 24):
        for y in np.linspace(y0 + h / 2, y1 - h / 2, 14):
            d = math.hypot(x - far[0], y - far[1])
            edge = min(x - w / 2 - x0, x1 - x - w / 2, y - h / 2 - y0, y1 - y - h / 2)
            cost = d / diag * costs.BEYOND_DISTANCE + costs.FRAME_EDGE * max(0.0, 1 - edge / (8 * mm_px))
            out.append((centred(x, y, w, h, 0.0, placement="beyond", rank=0), cost))
    return out


def axis_of(geom) -> tuple[float, float] | None:
    """(angle in degrees, how many times longer than wide) of an area's minimum rotated
    rectangle, the angle turned to read upright; None for an empty or degenerate area."""
    if geom is None or geom.is_empty:
        return None
    rect = shapely.minimum_rotated_rectangle(geom)
    if shapely.get_type_id(rect) != 3:
        return None
    c = np.asarray(rect.exterior.coords)[:4]
    e1, e2 = c[1] - c[0], c[2] - c[1]
    long_, short = (e1, e2) if np.hypot(*e1) >= np.hypot(*e2) else (e2, e1)
    width = float(np.hypot(*short))
    if width <= 0:
        return None
    angle = math.degrees(math.atan2(long_[1], long_[0]))
    angle = (angle + 90) % 180 - 90  # upright: -90 < angle <= 90
    if angle <= -90:
        angle += 180
    return angle, float(np.hypot(*long_)) / width


def axis_through(origin: tuple[float, float], barrier, reach: float, step_deg: float = 5.0):
    """(angle in degrees, longest over shortest chord, shortest chord) of a narrow area through a
    point in it: of
    the straight chords through the point that stop at ``barrier`` (the other medium: land for a
    water, water for a land), or at ``reach``, the longest gives the axis; None without a barrier
    near. The angle is turned to read upright."""
    runs = []
    for deg in np.arange(0.0, 180.0, step_deg):
        ux, uy = math.cos(math.radians(deg)), math.sin(math.radians(deg))
        chord = 0.0
        for sign in (1, -1):
            ray = shapely.LineString([origin, (origin[0] + sign * ux * reach, origin[1] + sign * uy * reach)])
            hit = shapely.intersection(ray, barrier)
            chord += reach if hit.is_empty else float(shapely.distance(shapely.Point(origin), hit))
        runs.append((chord, float(deg)))
    longest, shortest = max(runs), min(runs)
    if shortest[0] <= 0 or shortest[0] >= 2 * reach:
        return None
    angle = (longest[1] + 90) % 180 - 90
    return angle, longest[0] / shortest[0], shortest[0]
