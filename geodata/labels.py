"""Label placement against everything drawn on the map, after the model of QGIS's labelling
engine: candidates scored against obstacles, placed by priority, the least important dropped.

- **Ink** (:class:`Ink`): every drawn line (coast and other polygon edges, borders, routes, claim
  lines, boundaries, the graticule, leaders) and every hatched area, in display units, with a cost
  per point of length (or per square point of area) and whether a *knockout* may clear it. Lines
  that carry meaning a label must not hide (routes, claim lines) are hard: a candidate that comes
  within ``CLEAR_MM`` of them is not allowed. Boxes (other labels, markers, callouts, the legend,
  the inset, the scale bar) are hard too.
- **Candidates**: a point label tries eight positions around its marker (right first, then left,
  the diagonals, above, below) at five distances, the far ones with a leader; an area or water name
  tries rings of positions around its anchor. Each candidate costs its position preference, its
  distance from the anchor, the soft ink it covers and, for names that belong inside something
  (a sea in water, a country inside its visible outline), the share of it that lies outside.
- **Priority**: labels are placed in order of priority (from their kind: country > ocean > sea >
  city > island > town > strait > cape); one that finds no allowed position is dropped and named in
  a warning, unless it is ``required``, which makes the map fail with an error naming it.
- **Knockout**: soft ink under a placed label is painted over with the map's own fills, clipped
  to the label's box grown by ``KNOCK_MM`` (one small patch per fill layer and label, drawn under
  the hard lines and markers), so a label may sit over the graticule or a dense coast and still
  read, at the cost of a few path segments rather than a stroked copy of every glyph.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import shapely

from .look import FigureError

# (dx, dy) direction, horizontal and vertical alignment of the text, in order of preference
POINT_CANDIDATES = [
    ((1, 0), "left", "center"), ((-1, 0), "right", "center"),
    ((0.75, 0.75), "left", "bottom"), ((0.75, -0.75), "left", "top"),
    ((-0.75, 0.75), "right", "bottom"), ((-0.75, -0.75), "right", "top"),
    ((0, 1), "center", "bottom"), ((0, -1), "center", "top"),
]
DISTANCES = (1.0, 2.2, 3.6, 5.5, 8.0, 11.0, 15.0)  # multiples of the base offset; from the third on, a leader
RINGS_PT = (0, 3, 6, 10, 15, 21, 28, 36, 45, 56, 70, 86, 105)  # area and water names: shifts tried
RING_ANGLES = 16
GAP_PT = 1.2  # clearance kept between a label and another label, a box or the frame
CLEAR_MM = 0.35  # clearance kept between a label and hard ink (beyond the line's half width)
KNOCK_MM = 0.3  # margin of the knockout around a label (less than CLEAR_MM: never covers hard ink)
OPEN_MM = 4.0  # a sea's name keeps this far from land where it can
PIECE_VERTICES = 24
SAMPLE_PX = 5.0  # polygons are sampled on cells this large (display units) to measure overlap  # lines are cut into pieces this long for the spatial index

# priority of a label by the kind of what it names
PRIORITY = {"country": 100, "ocean": 90, "sea": 80, "city": 70, "region": 65, "island-group": 62,
            "island": 60, "peninsula": 60, "gulf": 58, "port": 55, "settlement": 50, "lng-plant": 48,
            "military-range": 48, "strait": 45, "cape": 40}


@dataclass
class Box:
    x0: float
    y0: float
    x1: float
    y1: float
    what: str = ""
    marker: str = ""  # the id of the place whose dot this is
    key: tuple = ()  # the key path in the spec of what the box holds

    def grow(self, d: float) -> "Box":
        return Box(self.x0 - d, self.y0 - d, self.x1 + d, self.y1 + d, self.what, self.marker, self.key)

    def overlaps(self, other: "Box") -> bool:
        return self.x0 < other.x1 and other.x0 < self.x1 and self.y0 < other.y1 and other.y0 < self.y1

    def inside(self, other: "Box") -> bool:
        return self.x0 >= other.x0 and self.y0 >= other.y0 and self.x1 <= other.x1 and self.y1 <= other.y1


@dataclass
class LabelRequest:
    text: str
    xy: tuple[float, float]  # data coordinates of the anchor
    props: dict  # matplotlib text properties
    kind: str = "point"  # "point": beside a marker; "centre": on or around the anchor (areas, water)
    marker_pt: float = 0.0  # marker diameter, points
    leader: dict | None = None  # line properties for a leader when placed far out
    alternatives: tuple[str, ...] = ()  # other wordings to try, e.g. a dual name stacked on two lines
    name: str = ""  # what the label names, by id (a place or country id)
    what: str = ""  # what it names in messages, as the spec wrote it (default: ``name``)
    key: tuple = ()  # the key path in the spec of what it names
    priority: int = 50
    required: bool = False
    home: str | None = None  # "water": belongs in water; "inside": inside ``inside`` (display units)
    inside: object = None  # shapely geometry in display units
    open_water: bool = False  # prefers open water, away from coasts (seas, oceans)
    beyond: tuple[float, float] | None = None  # the true anchor when it lies outside the frame
    avoid: object = None  # what the label names, which it must not cover (a small island; display units)
    tracking: float = 0.0  # letter spacing in em (spaced italic for seas, spaced capitals for countries)
    placed: Box | None = field(default=None, init=False)


class Ink:
    """Drawn lines and hatched areas in display units, indexed for scoring label candidates."""

    def __init__(self, affine, px_per_pt: float, frame: tuple[float, float, float, float]):
        self.frame = frame  # display units
        self.affine = affine  # shapely affine_transform parameters: data -> display
        self.pt = px_per_pt
        self._lines: list = []
        self._line_meta: list = []  # (weight per pt, hard, half width px, what)
        self._areas: list = []
        self._area_meta: list = []
        self._fills: list = []  # fill polygons (for "water" homes)
        self.frozen = False

    def affine_point(self, x: float, y: float) -> tuple[float, float]:
        a, b, d, e, xoff, yoff = self.affine
        return a * x + b * y + xoff, d * x + e * y + yoff

    def add_lines(self, geoms, what: str, width_pt: float, weight: float, hard: bool, display=False,
                  divides: bool = False) -> None:
        """Lines (or polygon outlines) drawn ``width_pt`` wide; ``weight``: cost per point of length."""
        parts = shapely.get_parts(np.asarray(list(geoms), dtype=object))
        polys = shapely.get_type_id(parts) == 3
        lines = shapely.get_parts(np.concatenate([shapely.boundary(parts[polys]), parts[~polys]]))
        for line in lines:
            coords = shapely.get_coordinates(line)
            if len(coords) < 2:
                continue
            if not display:
                coords = _apply(coords, self.affine)
            for start in range(0, len(coords) - 1, PIECE_VERTICES - 1):
                piece = coords[start:start + PIECE_VERTICES]
                if len(piece) >= 2:
                    self._lines.append(shapely.linestrings(piece))
                    self._line_meta.append((weight, hard, width_pt / 2 * self.pt, what, divides))

    def add_areas(self, geoms, what: str, weight: float) -> None:
        """Hatched areas; ``weight``: cost per square point covered."""
        for g in shapely.get_parts(np.asarray(list(geoms), dtype=object)):
            if shapely.get_type_id(g) in (3, 6):
                self._areas.append(shapely.affinity.affine_transform(g, self.affine))
                self._area_meta.append((weight, what))

    def add_fills(self, geoms) -> None:
        for g in shapely.get_parts(np.asarray(list(geoms), dtype=object)):
            if shapely.get_type_id(g) in (3, 6) and not g.is_empty:
                self._fills.append(shapely.affinity.affine_transform(g, self.affine))

    def freeze(self) -> None:
        self.lines = np.array(self._lines, dtype=object)
        self.line_w = np.array([m[0] for m in self._line_meta], dtype=float)
        self.line_hard = np.array([m[1] for m in self._line_meta], dtype=bool)
        self.line_hw = np.array([m[2] for m in self._line_meta], dtype=float)
        self.line_what = [m[3] for m in self._line_meta]
        self.line_divides = np.array([m[4] for m in self._line_meta], dtype=bool)
        self.line_tree = shapely.STRtree(self.lines)
        self.areas = np.array(self._areas, dtype=object)
        self.area_w = np.array([m[0] for m in self._area_meta], dtype=float)
        self.area_tree = shapely.STRtree(self.areas)
        self.fills = np.array(self._fills, dtype=object)
        self.fill_area = Area(self.fills, self.frame, SAMPLE_PX)
        shapely.prepare(self.lines)
        self.frozen = True

    def score(self, boxes: np.ndarray, clear_px: float):
        """(soft cost, index of a hard line within reach or -1) for each candidate box (shapely)."""
        n = len(boxes)
        cost = np.zeros(n)
        blocked = np.full(n, -1)
        if len(self.lines):
            reach = clear_px + (self.line_hw.max() if len(self.line_hw) else 0)
            grown = shapely.buffer(boxes, reach, join_style="mitre")
            bi, li = self.line_tree.query(grown, predicate="intersects")
            if len(bi):
                d = shapely.distance(boxes[bi], self.lines[li])
                near = d < clear_px + self.line_hw[li]
                hard = near & self.line_hard[li]
                blocked[bi[hard]] = li[hard]
                soft = near & ~self.line_hard[li] & (blocked[bi] < 0)  # no need to cost what is ruled out
                if soft.any():
                    inside = shapely.intersection(grown[bi[soft]], self.lines[li[soft]])
                    np.add.at(cost, bi[soft], shapely.length(inside) / self.pt * self.line_w[li[soft]] + 0.5)
        if len(self.areas):
            bi, ai = self.area_tree.query(boxes, predicate="intersects")
            if len(bi):
                covered = shapely.area(shapely.intersection(boxes[bi], self.areas[ai])) / self.pt ** 2
                np.add.at(cost, bi, covered * self.area_w[ai])
        return cost, blocked

    def crosses_hard(self, anchor, xs, ys) -> np.ndarray:
        """For each point, whether the straight line from the anchor to it crosses a line that
        divides (a boundary, a claim line: what lies across it is another side)."""
        out = np.zeros(len(xs), dtype=bool)
        if not len(self.lines) or not self.line_divides.any():
            return out
        segs = shapely.linestrings(np.stack([np.column_stack([np.full(len(xs), anchor[0]), xs]),
                                             np.column_stack([np.full(len(ys), anchor[1]), ys])], axis=2))
        si, li = self.line_tree.query(segs, predicate="intersects")
        out[si[self.line_divides[li]]] = True
        return out

    def fill_share(self, x0, y0, x1, y1) -> np.ndarray:
        """Share of each box (arrays of corners) covered by filled polygons (land)."""
        return self.fill_area.share(x0, y0, x1, y1)


class Area:
    """Polygons sampled on a grid of cells with a summed-area table, so that the share of any
    box they cover is read in constant time, even for a country's whole outline."""

    def __init__(self, polygons, frame: tuple[float, float, float, float], cell: float):
        parts = shapely.get_parts(np.asarray(polygons, dtype=object).ravel())
        x0, y0, x1, y1 = frame
        self.origin, self.cell = (x0, y0), cell
        nx, ny = max(1, int(np.ceil((x1 - x0) / cell))), max(1, int(np.ceil((y1 - y0) / cell)))
        mask = np.zeros(ny * nx)
        mask = mask.reshape(ny, nx)
        cx, cy = x0 + (np.arange(nx) + 0.5) * cell, y0 + (np.arange(ny) + 0.5) * cell
        for part in parts:
            if shapely.get_type_id(part) != 3 or part.is_empty:
                continue
            bx0, by0, bx1, by1 = part.bounds
            i0, i1 = np.searchsorted(cx, bx0), np.searchsorted(cx, bx1)
            j0, j1 = np.searchsorted(cy, by0), np.searchsorted(cy, by1)
            if i1 <= i0 or j1 <= j0:
                continue
            shapely.prepare(part)
            xx, yy = np.meshgrid(cx[i0:i1], cy[j0:j1])
            mask[j0:j1, i0:i1] += shapely.contains_xy(part, xx, yy)
        self.sat = np.zeros((ny + 1, nx + 1))
        self.sat[1:, 1:] = np.minimum(mask, 1).cumsum(0).cumsum(1)

    def share(self, x0, y0, x1, y1) -> np.ndarray:
        ny, nx = self.sat.shape[0] - 1, self.sat.shape[1] - 1
        i0 = np.clip(np.floor((x0 - self.origin[0]) / self.cell).astype(int), 0, nx)
        i1 = np.clip(np.ceil((x1 - self.origin[0]) / self.cell).astype(int), 0, nx)
        j0 = np.clip(np.floor((y0 - self.origin[1]) / self.cell).astype(int), 0, ny)
        j1 = np.clip(np.ceil((y1 - self.origin[1]) / self.cell).astype(int), 0, ny)
        s = self.sat
        total = s[j1, i1] - s[j0, i1] - s[j1, i0] + s[j0, i0]
        return total / np.maximum((i1 - i0) * (j1 - j0), 1)


def _apply(coords: np.ndarray, m) -> np.ndarray:
    a, b, d, e, xoff, yoff = m
    return np.column_stack([a * coords[:, 0] + b * coords[:, 1] + xoff, d * coords[:, 0] + e * coords[:, 1] + yoff])


def place_labels(ax, renderer, requests: list[LabelRequest], obstacles: list[Box], frame: Box,
                 dpi: float, ink: Ink) -> tuple[list[tuple[LabelRequest, Box, bool]], list[LabelRequest]]:
    """Place labels by priority; return ([(request, box, needs knockout)], dropped requests).

    Raises FigureError for a required label that finds no room."""
    pt = dpi / 72.0
    clear_px = CLEAR_MM / 25.4 * dpi
    inner = frame.grow(-GAP_PT * pt)
    taken = [b.grow(GAP_PT * pt) for b in obstacles]
    placed, dropped = [], []
    inv = ax.transData.inverted()
    order = sorted(range(len(requests)), key=lambda i: (-requests[i].priority, i))
    for i in order:
        req = requests[i]
        anchor = ax.transData.transform(req.xy)
        text = _new_text(ax, req)
        best = None  # (cost, wording, x, y, ha, va, box, leader, knock)
        for rank, wording in enumerate((req.text, *req.alternatives)):
            text.set_text(wording)
            text.set_ha("left")
            text.set_va("bottom")
            bb = text.get_window_extent(renderer)
            width = bb.width
            if _spaced(req, wording):
                width += req.tracking * req.props["fontsize"] * pt * (len(wording) - 1)
            if req.props.get("fontstyle") == "italic":
                width += 0.12 * req.props["fontsize"] * pt  # the slant overhangs the measured extent
            size = (width, bb.height, bb.x0 - anchor[0], bb.y0 - anchor[1])
            found = _best(req, anchor, size, taken, inner, ink, pt, clear_px, rank * 2.0)
            if found and (best is None or found[0] < best[0]):
                best = (found[0], wording, *found[1:])
        if best is None:
            text.remove()
            if req.required:
                near = [b.what for b in taken if b.what and _dist(b, anchor) < 40 * pt][:4]
                named = f" ({req.what})" if req.what else ""
                raise FigureError(f"no room for the required label '{' '.join(req.text.split())}'{named} clear of "
                                  f"{', '.join(near) or 'the lines and the frame'}; move, shorten or drop a label",
                                  req.key)
            dropped.append(req)
            continue
        _, wording, x, y, ha, va, box, leader, knock = best
        req.text = wording
        text.set_text(wording)
        text.set_ha(ha)
        text.set_va(va)
        text.set_position(inv.transform((x, y)))
        if req.tracking:
            if _spaced(req, wording):
                # the spacing widens the text to the right of where matplotlib aligns it: set it
                # from its left edge, where the box begins
                text.set_ha("left")
                text.set_position(inv.transform((box.x0, y)))
                text.tc = req.tracking * req.props["fontsize"]
            else:
                text.tc = 0.0
        box.what = f"label '{' '.join(wording.split())}'"
        req.placed = box
        placed.append((req, box, knock))
        taken.append(box.grow(GAP_PT * pt))
        if leader and req.leader:
            taken.extend(_leader(ax, inv, anchor, box, req, pt))
    placed.sort(key=lambda p: requests.index(p[0]))
    return placed, dropped


def _spaced(req: LabelRequest, wording: str) -> bool:
    """Whether a wording is set letter-spaced (one line only)."""
    return bool(req.tracking) and "\n" not in wording


def _new_text(ax, req: LabelRequest):
    """The label's text artist; one with tracking gets its letter spacing (``tc``, points
    after each character, drawn by :mod:`geodata.shims.matplotlib`) once it is placed."""
    return ax.text(req.xy[0], req.xy[1], req.text, zorder=30, **req.props)


def _candidates(req: LabelRequest, anchor, size, pt, inner: Box):
    """(x, y, ha, va, preference cost, leader) for each candidate position (display units)."""
    out = []
    if req.beyond is not None:
        # a water name whose label point lies off the map: anywhere in the frame, the nearer the better
        far = req.beyond
        diag = ((inner.x1 - inner.x0) ** 2 + (inner.y1 - inner.y0) ** 2) ** 0.5
        for x in np.linspace(inner.x0 + size[0] / 2, inner.x1 - size[0] / 2, 24):
            for y in np.linspace(inner.y0 + size[1] / 2, inner.y1 - size[1] / 2, 14):
                d = ((x - far[0]) ** 2 + (y - far[1]) ** 2) ** 0.5
                # and not squeezed against the frame: a name reads as the sea's when it sits in it
                edge = min(x - size[0] / 2 - inner.x0, inner.x1 - x - size[0] / 2,
                           y - size[1] / 2 - inner.y0, inner.y1 - y - size[1] / 2)
                out.append((x, y, "center", "center", d / diag * 8 + 4 * max(0.0, 1 - edge / (8 * 72 / 25.4 * pt)),
                            False))
        return out
    if req.kind == "centre":
        for r in RINGS_PT:
            angles = [0.0] if r == 0 else np.linspace(0, 2 * np.pi, RING_ANGLES, endpoint=False)
            for a in angles:
                # labels are wider than tall: shift further sideways than up and down
                out.append((anchor[0] + 1.4 * r * pt * np.cos(a), anchor[1] + r * pt * np.sin(a),
                            "center", "center", r * 0.12, False))
        return out
    base = (req.marker_pt / 2 + 1.6) * pt
    for level, dist in enumerate(DISTANCES):
        for rank, ((ux, uy), ha, va) in enumerate(POINT_CANDIDATES):
            out.append((anchor[0] + ux * base * dist, anchor[1] + uy * base * dist, ha, va,
                        rank * 0.6 + level * 4.0, level >= 2))
    return out


def _best(req: LabelRequest, anchor, size, taken: list[Box], inner: Box, ink: Ink, pt, clear_px, extra):
    w, h, dx, dy = size
    cands = _candidates(req, anchor, size, pt, inner)
    xs = np.array([c[0] for c in cands])
    ys = np.array([c[1] for c in cands])
    ox = np.array([{"left": 0, "center": w / 2, "right": w}[c[2]] for c in cands])
    oy = np.array([{"bottom": 0, "center": h / 2, "top": h}[c[3]] for c in cands])
    x0, y0 = xs - ox + dx, ys - oy + dy
    x1, y1 = x0 + w, y0 + h
    ok = (x0 >= inner.x0) & (y0 >= inner.y0) & (x1 <= inner.x1) & (y1 <= inner.y1)
    if taken:
        t = np.array([(b.x0, b.y0, b.x1, b.y1) for b in taken])
        hit = ((x0[:, None] < t[None, :, 2]) & (t[None, :, 0] < x1[:, None])
               & (y0[:, None] < t[None, :, 3]) & (t[None, :, 1] < y1[:, None])).any(axis=1)
        ok &= ~hit
    if not ok.any():
        return None
    idx = np.flatnonzero(ok)
    boxes = shapely.box(x0[idx], y0[idx], x1[idx], y1[idx])
    cost, blocked = ink.score(boxes, clear_px)
    pref = np.array([cands[i][4] for i in idx]) + extra
    total = pref + cost
    total[blocked >= 0] = np.inf
    if req.avoid is not None:
        total[shapely.intersects(boxes, shapely.buffer(req.avoid, clear_px))] = np.inf
    lead = np.array([cands[i][5] for i in idx], dtype=bool)
    others = [b for b in taken if not (b.x0 <= anchor[0] <= b.x1 and b.y0 <= anchor[1] <= b.y1)]  # not its own dot
    if lead.any() and others:
        # a leader must not cross another label, a box or a dot on its way to the feature (it
        # runs to the point of the label's box nearest the feature, as _leader draws it)
        cx, cy = np.clip(anchor[0], x0[idx], x1[idx]), np.clip(anchor[1], y0[idx], y1[idx])
        segs = shapely.linestrings(np.stack([np.column_stack([np.full(len(cx), anchor[0]), cx]),
                                             np.column_stack([np.full(len(cy), anchor[1]), cy])], axis=2))
        tree = shapely.STRtree(shapely.box(*np.array([(b.x0, b.y0, b.x1, b.y1) for b in others]).T))
        si, _ = tree.query(segs[lead], predicate="intersects")
        total[np.flatnonzero(lead)[np.unique(si)]] = np.inf
    if req.beyond is None and req.home != "inside":
        # never across a boundary or a claim line from what it names
        cx, cy = (x0[idx] + x1[idx]) / 2, (y0[idx] + y1[idx]) / 2
        total[ink.crosses_hard(anchor, cx, cy)] = np.inf
    bx0, by0, bx1, by1 = x0[idx], y0[idx], x1[idx], y1[idx]
    if req.home == "water":
        land = ink.fill_share(bx0, by0, bx1, by1)
        total += land * 40
        total[land > 0.35] = np.inf
        if req.open_water:
            g = OPEN_MM / 25.4 * 72 * pt
            total += ink.fill_share(bx0 - g, by0 - g, bx1 + g, by1 + g) * 12
    elif req.home == "inside" and req.inside is not None:
        if not isinstance(req.inside, Area):
            req.inside = Area(req.inside, ink.frame, SAMPLE_PX)
        within = req.inside.share(bx0, by0, bx1, by1)
        total += (1 - within) * 40
        total[within < 0.6] = np.inf
    if not np.isfinite(total).any():
        return None
    k = int(np.argmin(total))
    i = idx[k]
    c = cands[i]
    box = Box(float(x0[i]), float(y0[i]), float(x1[i]), float(y1[i]), req.text)
    return float(total[k]), c[0], c[1], c[2], c[3], box, c[5], bool(cost[k] > 0)


def _dist(b: Box, p) -> float:
    dx = max(b.x0 - p[0], 0, p[0] - b.x1)
    dy = max(b.y0 - p[1], 0, p[1] - b.y1)
    return (dx * dx + dy * dy) ** 0.5


def _leader(ax, inv, anchor, box: Box, req: LabelRequest, pt: float) -> list[Box]:
    """A thin line from the marker's edge to the nearest point of the label's box; returns small
    boxes along it, so that later labels keep off it."""
    tx = min(max(anchor[0], box.x0), box.x1)
    ty = min(max(anchor[1], box.y0), box.y1)
    dx, dy = tx - anchor[0], ty - anchor[1]
    d = (dx * dx + dy * dy) ** 0.5 or 1.0
    start = (anchor[0] + dx / d * req.marker_pt / 2 * pt, anchor[1] + dy / d * req.marker_pt / 2 * pt)
    end = (tx - dx / d * 1.2 * pt, ty - dy / d * 1.2 * pt)
    (x0, y0), (x1, y1) = inv.transform(start), inv.transform(end)
    ax.plot([x0, x1], [y0, y1], zorder=29, solid_capstyle="butt", **req.leader)
    n = max(2, int(d / (2 * pt)))
    r = 0.5 * pt
    return [Box(start[0] + (end[0] - start[0]) * k / n - r, start[1] + (end[1] - start[1]) * k / n - r,
                start[0] + (end[0] - start[0]) * k / n + r, start[1] + (end[1] - start[1]) * k / n + r,
                f"leader of {req.what or req.name}") for k in range(n + 1)]


def knockout(ax, boxes: list[Box], fills: list[tuple[object, str]], background: str, frame: Box,
             dpi: float, zorder: float = 9.5) -> None:
    """Paint the map's fills again inside each box grown by KNOCK_MM (clipped to the frame), over
    the soft ink and under the hard lines, markers and text."""
    if not boxes:
        return
    from matplotlib.patches import PathPatch, Rectangle
    from matplotlib.path import Path as MPath

    grow = KNOCK_MM / 25.4 * dpi
    inv = ax.transData.inverted()
    rects = []
    for b in boxes:
        g = b.grow(grow)
        (x0, y0), (x1, y1) = inv.transform([(max(g.x0, frame.x0), max(g.y0, frame.y0)),
                                           (min(g.x1, frame.x1), min(g.y1, frame.y1))])
        rects.append(shapely.box(x0, y0, x1, y1))
        ax.add_patch(Rectangle((x0, y0), x1 - x0, y1 - y0, facecolor=background, edgecolor="none",
                               linewidth=0, zorder=zorder))
    area = shapely.union_all(rects)
    for n, (parts, colour) in enumerate(fills):
        hits = shapely.STRtree(parts).query(area, predicate="intersects")
        if not len(hits):
            continue
        piece = shapely.union_all(shapely.intersection(parts[hits], area))
        verts, codes = [], []
        for poly in shapely.get_parts(piece):
            if shapely.get_type_id(poly) != 3:
                continue
            for ring in (poly.exterior, *poly.interiors):
                xy = np.asarray(ring.coords)
                verts.extend(xy)
                codes.extend([MPath.MOVETO] + [MPath.LINETO] * (len(xy) - 2) + [MPath.CLOSEPOLY])
        if verts:
            ax.add_patch(PathPatch(MPath(np.asarray(verts), codes), facecolor=colour, edgecolor="none",
                                   linewidth=0, zorder=zorder + 0.001 * (n + 1)))
