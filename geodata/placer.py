"""The placer: labels taken in order of priority, each at its cheapest allowed candidate.

For each :class:`geodata.labels.LabelRequest` (highest priority first) it tries, in order, its
type classes (the style role, then each ``smaller`` one), its wordings and its abbreviation; a
point label takes positions beside its symbol or farther out with a leader at every size, an
area name tries every size and wording inside (or along) its area before it goes outside with a
leader. The first of these stages with an allowed candidate gives the label its cheapest one
(:mod:`geodata.costs`); a label with none is dropped. What a placed label and its leader cover
is taken: later labels keep clear of it.
"""

from __future__ import annotations

import collections
import math
from dataclasses import dataclass

import numpy as np
import shapely

from . import candidates as cands
from . import costs
from .candidates import Candidate
from .labels import Box, LabelRequest, TypeClass, _new_text, _spaced
from .look import FigureError
from .obstacles import SAMPLE_PX, Area, Ink


@dataclass
class Placement:
    """A placed label: its request (text and type class as set), its position and leader."""

    request: LabelRequest
    candidate: Candidate
    knockout: bool  # it covers soft ink, which a knockout clears
    leader: tuple[tuple[float, float], tuple[float, float]] | None  # start (at the feature), end (display units)

    @property
    def shape(self):
        return self.candidate.shape

    @property
    def box(self) -> Box:
        x0, y0, x1, y1 = self.shape.bounds
        return Box(x0, y0, x1, y1, f"label '{' '.join(self.request.text.split())}'", key=self.request.key)


class Taken:
    """What a label must keep clear of: other labels and their leaders, boxes, dots (display
    units, each grown by the clearance), with what each is, for messages, and which label it
    belongs to (-1: drawn before the labels)."""

    def __init__(self):
        self.geoms: list = []
        self.what: list[str] = []
        self.marker: list[str] = []
        self.owner: list[int] = []
        self._tree = None

    def add(self, geom, what: str, marker: str = "", owner: int = -1) -> None:
        self.geoms.append(geom)
        self.what.append(what)
        self.marker.append(marker)
        self.owner.append(owner)
        self._tree = None

    def release(self, owner: int) -> list[tuple]:
        """Take away what a label holds; returns it, to be given back by :meth:`restore`."""
        rows = list(zip(self.geoms, self.what, self.marker, self.owner))
        kept = [r for r in rows if r[3] != owner]
        self.geoms, self.what, self.marker, self.owner = (list(c) for c in zip(*kept)) if kept else ([], [], [], [])
        self._tree = None
        return [r for r in rows if r[3] == owner]

    def restore(self, rows: list[tuple]) -> None:
        for geom, what, marker, owner in rows:
            self.add(geom, what, marker, owner)

    def owners(self, shapes: np.ndarray) -> dict[int, int]:
        """The labels whose taken room the shapes run into, each with how many of the shapes it blocks."""
        if not self.geoms or not len(shapes):
            return {}
        si, ti = self.tree().query(shapes, predicate="intersects")
        pairs = {(int(s), self.owner[t]) for s, t in zip(si, ti) if self.owner[t] >= 0}
        return dict(collections.Counter(o for _, o in pairs))

    def tree(self):
        if self._tree is None:
            self._tree = shapely.STRtree(np.asarray(self.geoms, dtype=object))
        return self._tree

    def hits(self, shapes: np.ndarray) -> np.ndarray:
        out = np.zeros(len(shapes), dtype=bool)
        if self.geoms and len(shapes):
            si, _ = self.tree().query(shapes, predicate="intersects")
            out[si] = True
        return out

    def crossed(self, line, own: str, start) -> bool:
        """Whether a leader crosses anything taken but its own dot (or a box that holds its start,
        such as the callout on its place); another label, or its leader, it never crosses."""
        if not self.geoms:
            return False
        for i in self.tree().query(line, predicate="intersects"):
            if own and self.marker[i] == own:
                continue
            if self.owner[i] < 0 and shapely.intersects(self.geoms[i], start):
                continue
            return True
        return False

    def near(self, point, reach: float) -> list[str]:
        if not self.geoms:
            return []
        return [self.what[i] for i in sorted(self.tree().query(point, predicate="dwithin", distance=reach))
                if self.what[i]]


class Context:
    """One map's placing: its axes, obstacles and what has been taken so far."""

    def __init__(self, ax, renderer, frame: Box, dpi: float, ink: Ink, obstacles: list[Box]):
        self.ax, self.renderer, self.dpi, self.ink = ax, renderer, dpi, ink
        self.pt = dpi / 72.0
        self.mm = dpi / 25.4
        self.clear = costs.CLEAR_MM * self.mm
        gap = costs.GAP_PT * self.pt
        self.inner = frame.grow(-gap)
        self.taken = Taken()
        for b in obstacles:
            self.taken.add(b.grow(gap).polygon(), b.what, b.marker)
        dots = [b for b in obstacles if b.marker]
        self.dots = np.asarray([shapely.Point((b.x0 + b.x1) / 2, (b.y0 + b.y1) / 2).buffer((b.x1 - b.x0) / 2, 8)
                                for b in dots], dtype=object)
        self.dot_ids = [b.marker for b in dots]
        self.dot_tree = shapely.STRtree(self.dots)
        self.waters: list[tuple[str, tuple]] = []  # (name, point) of each water named (_water_points)


def place_labels(ax, renderer, requests: list[LabelRequest], obstacles: list[Box], frame: Box,
                 dpi: float, ink: Ink) -> tuple[list[Placement], list[LabelRequest]]:
    """Place labels by priority; return (placements in the order of ``requests``, dropped requests).

    A label that finds no room asks the placed labels in its way, least important first, to
    move to another of their allowed positions, one at a time and then all together (a short
    form of PAL's chain search). If labels are still left without room, the placing is done
    again with them first, up to ``ROUNDS`` times, and the round that drops the least important
    labels wins. Raises FigureError for a required label that finds no room."""
    anchors = {i: tuple(ax.transData.transform(r.xy)) for i, r in enumerate(requests)}
    order = sorted(range(len(requests)), key=lambda i: (-requests[i].priority, i))
    waters = _water_points(requests, anchors, frame)
    best = None
    for _ in range(ROUNDS):
        ctx = Context(ax, renderer, frame, dpi, ink, obstacles)
        ctx.waters = waters
        decided, failed = _round(ctx, requests, anchors, order)
        # the round whose dropped labels are the least important (then the fewest) wins
        badness = sorted((requests[i].priority for i in failed), reverse=True)
        if best is None or badness < best[0]:
            best = (badness, ctx, decided, failed)
        if not failed:
            break
        order = failed + [i for i in order if i not in failed]
    _, ctx, decided, failed = best
    dropped = []
    for i in failed:
        req = requests[i]
        if req.required:
            near = ctx.taken.near(shapely.Point(anchors[i]), 40 * ctx.pt)[:4]
            named = f" ({req.what})" if req.what else ""
            raise FigureError(f"no room for the required label '{' '.join(req.text.split())}'{named} clear of "
                              f"{', '.join(near) or 'the lines and the frame'}; move, shorten or drop a label",
                              req.key)
        dropped.append(req)
    placed = [_draw(ctx, requests[i], *decided[i]) for i in sorted(decided)]
    return placed, dropped


ROUNDS = 3  # placings tried, each with the labels the last one dropped placed first


def _water_points(requests: list[LabelRequest], anchors: dict, frame: Box) -> list[tuple[str, tuple]]:
    """(name, point) of every water named on the map, the point its name must stand nearest: its
    label point, or for a water beyond the frame, where the way from the frame's middle towards
    its label point leaves the frame (so that a sea to the north is named on the north side)."""
    cx, cy = (frame.x0 + frame.x1) / 2, (frame.y0 + frame.y1) / 2
    out = []
    for i, req in enumerate(requests):
        if req.home != "water":
            continue
        x, y = req.beyond if req.beyond is not None else anchors[i]
        if req.beyond is not None:
            dx, dy = x - cx, y - cy
            t = min([(frame.x1 - cx) / dx if dx > 0 else (frame.x0 - cx) / dx if dx < 0 else np.inf,
                     (frame.y1 - cy) / dy if dy > 0 else (frame.y0 - cy) / dy if dy < 0 else np.inf])
            x, y = cx + dx * t, cy + dy * t
        out.append((req.name, (float(x), float(y))))
    return out


def _round(ctx: Context, requests: list[LabelRequest], anchors: dict, order: list[int]):
    """One placing in the given order: ({index: what it decided}, [indices left without room])."""
    decided: dict[int, tuple] = {}
    failed = []
    for i in order:
        found = _place(ctx, requests[i], anchors[i])
        if found is None:
            failed.append(i)
            continue
        decided[i] = found
        _take(ctx, i, requests[i], found)
    # a narrow water's name that finds no room at its point, even with the labels in its way
    # moved, is then tried anywhere in the water around its point
    return decided, [i for i in failed if not (_repair(ctx, requests, anchors, decided, i)
                                               or requests[i].narrow and _repair(ctx, requests, anchors, decided, i,
                                                                                 afield=True))]


REPAIR_TRIES = 6  # placed labels a label that finds no room may ask to move


def _repair(ctx: Context, requests: list[LabelRequest], anchors: dict, decided: dict, i: int,
            afield: bool = False) -> bool:
    """Place label ``i`` (``afield``: a narrow water's name anywhere in the water around its point
    too), making room by moving the placed labels in its way to other allowed places: each
    alone, then all together; if any of them would find no place, nothing moves."""
    req = requests[i]
    size = _measure(ctx, req, TypeClass(req.props, req.tracking), req.text)
    proposed = _propose(ctx, req, anchors[i], size[0], size[1], None if req.kind == "point" else False,
                        "\n" not in req.text, afield)
    shapes = np.asarray([c.shape for c, _ in proposed], dtype=object)
    # those in the way of the most positions first, then the less important
    owners = ctx.taken.owners(shapes)
    blockers = sorted(owners, key=lambda b: (-owners[b], requests[b].priority, b))[:REPAIR_TRIES]
    # (further afield, first without moving any) one label in the way at a time, then all of them
    # together: label i first and they again by priority, or, when one of them then finds no
    # place, they first, each away from where it stood, and label i after them
    groups = ([[]] if afield else []) + [[b] for b in blockers] + ([blockers] if len(blockers) > 1 else [])
    for group in groups:
        held = [row for b in group for row in ctx.taken.release(b)]
        by_priority = sorted(group, key=lambda b: (-requests[b].priority, b))
        for order in [[i, *by_priority]] + ([[*by_priority, i]] if group else []):
            moved = {}
            for b in order:
                away = (decided[b][3].shape,) if b != i and order[0] != i else ()
                moved[b] = _place(ctx, requests[b], anchors[b], away, afield=afield and b == i)
                if moved[b] is None:
                    break
                _take(ctx, b, requests[b], moved[b])
            if len(moved) == len(order) and all(m is not None for m in moved.values()):
                decided.update(moved)
                return True
            for b in moved:
                ctx.taken.release(b)
        ctx.taken.restore(held)
    return False


def _take(ctx: Context, i: int, req: LabelRequest, found: tuple) -> None:
    """Hold the room a label's text and leader take, so that later labels keep clear of them."""
    c, leader = found[3], found[5]
    gap = costs.GAP_PT * ctx.pt
    ctx.taken.add(shapely.buffer(c.shape, gap, join_style="mitre"), f"label '{' '.join(found[1].split())}'", owner=i)
    if leader and req.leader:
        ctx.taken.add(shapely.buffer(shapely.LineString(leader), 0.5 * ctx.pt), f"leader of {req.what or req.name}",
                      owner=i)


# --- trying the stages ----------------------------------------------------------------------------

def _place(ctx: Context, req: LabelRequest, anchor, avoid=(), afield: bool = False):
    """(type class, wording, measured offset, candidate, touched soft ink, leader) or None; none
    of the candidates centred in a shape of ``avoid`` (where a label moved out of the way stood);
    ``afield``: a narrow water's name anywhere in the water around its point too."""
    classes = (TypeClass(req.props, req.tracking), *req.smaller)
    wordings = (req.text, *req.alternatives)
    stages = [[(c, w, rank) for rank, w in enumerate(wordings)] for c in classes]
    if req.abbreviation:
        stages += [[(c, req.abbreviation, 0)] for c in classes]
    # a point's label may take a leader at every size; an area's name goes outside only when no
    # size or wording fits in or along its area
    passes = (None,) if req.kind == "point" or req.beyond is not None else (False, True)
    for lead in passes:
        for stage in stages:
            best = None
            for cls, wording, rank in stage:
                size = _measure(ctx, req, cls, wording)
                found = _best(ctx, req, anchor, size, lead, single="\n" not in wording, avoid=avoid, afield=afield)
                if found and (best is None or found[0] + rank * costs.WORDING < best[0]):
                    best = (found[0] + rank * costs.WORDING, cls, wording, size[2:], *found[1:])
            if best is not None:
                return best[1:]
    return None


def _measure(ctx: Context, req: LabelRequest, cls: TypeClass, wording: str):
    """(width, height, dx, dy): the wording's box in a type class, and the box's lower-left
    corner relative to where the text is set (left, bottom)."""
    text = ctx.ax.text(0, 0, wording, ha="left", va="bottom", **cls.props)
    bb = text.get_window_extent(ctx.renderer)
    pos = ctx.ax.transData.transform((0, 0))
    text.remove()
    width = bb.width
    size = cls.props["fontsize"]
    if cls.tracking and "\n" not in wording:
        width += cls.tracking * size * ctx.pt * (len(wording) - 1)
    if cls.props.get("fontstyle") == "italic":
        width += 0.12 * size * ctx.pt  # the slant overhangs the measured extent
    return width, bb.height, bb.x0 - pos[0], bb.y0 - pos[1]


def _best(ctx: Context, req: LabelRequest, anchor, size, lead: bool | None, single: bool, avoid=(),
          afield: bool = False):
    """(cost, candidate, touched soft ink, leader) of the cheapest allowed candidate, or None."""
    w, h = size[0], size[1]
    proposed = _propose(ctx, req, anchor, w, h, lead, single, afield)
    if not proposed:
        return None
    found = [c for c, _ in proposed]
    shapes = np.asarray([c.shape for c in found], dtype=object)
    b = shapely.bounds(shapes)
    inner = ctx.inner
    ok = (b[:, 0] >= inner.x0) & (b[:, 1] >= inner.y0) & (b[:, 2] <= inner.x1) & (b[:, 3] <= inner.y1)
    ok &= ~ctx.taken.hits(shapes)
    if len(avoid):  # centred elsewhere than the positions given up
        centres = shapely.centroid(shapes)
        ok[shapely.STRtree(list(avoid)).query(centres, predicate="intersects")[0]] = False
    idx = np.flatnonzero(ok)
    if not len(idx):
        return None
    shapes = shapes[idx]
    chosen = [found[i] for i in idx]
    ink_cost, blocked, touched = ctx.ink.score(shapes, ctx.clear, costs.LINE_PER_PT, costs.LINE_TOUCHED)
    total = np.array([proposed[i][1] for i in idx]) + ink_cost
    total[blocked >= 0] = np.inf
    leaders: list = [None] * len(idx)
    for k, c in enumerate(chosen):
        if np.isfinite(total[k]):
            extra, leaders[k] = _judge(ctx, req, anchor, c, shapes[k])
            total[k] += extra
    if not np.isfinite(total).any():
        return None
    k = int(np.argmin(total))
    return float(total[k]), chosen[k], bool(touched[k]), leaders[k]


def _propose(ctx: Context, req: LabelRequest, anchor, w: float, h: float, lead: bool | None,
             single: bool, afield: bool = False) -> list[tuple[Candidate, float]]:
    """Candidates for the request and what each costs by its position alone."""
    mm = ctx.mm
    if req.beyond is not None:
        inner = (ctx.inner.x0, ctx.inner.y0, ctx.inner.x1, ctx.inner.y1)
        return cands.beyond(req.beyond, inner, w, h, mm)
    near = tuple(g * mm for g in costs.NEAR_GAPS_MM)
    far = tuple(g * mm for g in costs.LEADER_GAPS_MM)
    symbol = _symbol(ctx, req, anchor)
    out: list[Candidate] = []
    if req.kind == "point":
        out += cands.around(symbol.bounds, w, h, near, leader=False)
        out += cands.around(symbol.bounds, w, h, far, leader=True, placement="outside")
    elif not lead:
        if req.inside is not None:
            outline = _outline(ctx, req)
            x0, y0, x1, y1 = outline.bounds
            reach = max(x1 - x0, y1 - y0) / 2
            out += cands.rings(anchor, w, h, ctx.pt, reach)
            axis = _axis(ctx, req, anchor, w)
            if single and axis is not None:
                out += cands.along(anchor, axis, w, h, reach)
                out += cands.within(outline, (axis,), w, h, costs.WITHIN_STEP_MM * mm, anchor, placement="along")
            if req.symbol is not None:  # an island: beside it, at a gap from its outline
                out += cands.around(symbol.bounds, w, h, near, leader=False)
                if max(x1 - x0, y1 - y0) > 2 * h:
                    out += cands.along_outline(symbol, w, h, near[::2], costs.OUTLINE_STEP_MM * mm)
        else:  # a water or land area known by its label point: in it, near the point
            reach = req.near_mm * mm
            out += cands.rings(anchor, w, h, ctx.pt, w / 2 + reach, placement="near")
            axis = _axis(ctx, req, anchor, w)
            if single and axis is not None:
                out += cands.along(anchor, axis, w, h, w / 2 + reach)
            if single and req.narrow and afield:  # in the water around its point, along the water's axes
                water, angles = _narrow_water(ctx, req, anchor, w)
                if water is not None:
                    out += cands.within(water, angles, w, h, costs.WITHIN_STEP_MM * mm, anchor)
            if single and axis is not None:
                if req.narrow:  # on either shore: from the axis out past the water's width
                    gaps = np.arange(costs.CLEAR_MM * mm, req._width + costs.ALONGSIDE_MM * mm, costs.ALONGSIDE_STEP_MM * mm)
                    out += cands.alongside(anchor, axis, w, h, gaps, w / 2)
    else:
        out += cands.around(symbol.bounds, w, h, far, leader=True, placement="outside")
    return [(c, _position_cost(ctx, req, c)) for c in out]


def _position_cost(ctx: Context, req: LabelRequest, c: Candidate) -> float:
    # the order of positions around a point (an island's name goes by its middle instead: _judge)
    cost = c.rank * costs.RANK if c.placement in ("beside", "outside") and req.kind == "point" else 0.0
    if c.placement in ("inside", "near", "along"):
        cost += c.shift / ctx.mm * costs.SHIFT_PER_MM
    if c.placement == "within":
        cost += costs.WITHIN + c.shift / ctx.mm * costs.SHIFT_PER_MM
    if c.angle:
        cost += costs.ROTATED
    return cost


# --- the rules --------------------------------------------------------------------------------------

def _judge(ctx: Context, req: LabelRequest, anchor, c: Candidate, shape) -> tuple[float, object]:
    """(the cost of a candidate by the rules of its placement, inf when it breaks one; its leader)."""
    if c.placement == "beyond":
        return _judge_beyond(ctx, req, c), None
    if c.leader:
        return _judge_leader(ctx, req, anchor, c, shape)
    if c.placement == "beside":
        return _judge_beside(ctx, req, anchor, c, shape), None
    if c.placement == "alongside":
        return _judge_alongside(ctx, req, anchor, c, shape), None
    if c.placement == "within":
        return _judge_within(ctx, req, anchor, c, shape), None
    return _judge_in_area(ctx, req, anchor, c, shape), None


def _judge_beyond(ctx: Context, req: LabelRequest, c: Candidate) -> float:
    """A water named beyond the frame: in the frame's water, on its side of the frame (nearer where
    the way to it leaves the frame than any other water's point), open water between it and there."""
    land = _land_share(ctx, c)
    if land > costs.MAX_LAND_UNDER_WATER_NAME or _other_water(ctx, req, c):
        return np.inf
    return land * costs.LAND_UNDER_WATER_NAME


def _other_water(ctx: Context, req: LabelRequest, c: Candidate, led: bool = False) -> bool:
    """Whether a water's name stands nearer another water's point (:func:`_water_points`) than
    its own, or has land between it and its own point, or passes close by land on the way there
    (round a cape into the next sea): it would be read as another water's."""
    own = next((p for name, p in ctx.waters if name == req.name), None)
    if own is None:
        return False
    centre = c.centre()
    d = math.dist(centre, own)
    if any(name != req.name and math.dist(centre, p) < d for name, p in ctx.waters):
        return True
    if led or not len(ctx.ink.fills) or d <= 0:
        return False  # (a leader shows the way itself)
    # the way from the name to its point, but for the name itself and the last NEAR_MM (a label
    # point may lie close to a coast), keeps WATER_WAY_MM from land: not round a cape's tip
    way = shapely.difference(shapely.LineString([centre, own]),
                             shapely.union(c.shape, shapely.Point(own).buffer(costs.NEAR_MM * ctx.mm)))
    if way.is_empty:
        return False
    return len(ctx.ink.fill_tree.query(way, predicate="dwithin", distance=costs.WATER_WAY_MM * ctx.mm)) > 0


def _judge_beside(ctx: Context, req: LabelRequest, anchor, c: Candidate, shape) -> float:
    """Beside a point or an island: within NEAR_MM of it, clear of it, nearer it than any other
    of its class, on its side of any boundary."""
    mm = ctx.mm
    gap = float(shapely.distance(shape, _symbol(ctx, req, anchor)))
    if req.symbol is not None and gap < ctx.clear:
        return np.inf  # never over the island it names
    if gap > costs.NEAR_MM * mm + 0.01 * mm or _misread(ctx, req, shape, gap) or _across(ctx, anchor, c.centre()):
        return np.inf
    cost = gap / mm * costs.GAP_PER_MM
    if req.kind == "area":  # beside an island: by its middle rather than off one end
        cost += costs.BESIDE + math.dist(c.centre(), anchor) / mm * costs.OFF_MIDDLE_PER_MM
    return cost


def _judge_leader(ctx: Context, req: LabelRequest, anchor, c: Candidate, shape) -> tuple[float, object]:
    """Far from a point, or outside an area, joined to it by an allowed leader; an area's name
    outside it stands in the water."""
    symbol = _symbol(ctx, req, anchor)
    leader = _leader(ctx, req, anchor, c, shape, symbol)
    if leader is None or _misread(ctx, req, shape, float(shapely.distance(shape, symbol)), led=True):
        return np.inf, None
    if req.kind == "area":
        limit = costs.MAX_LAND_UNDER_WATER_NAME if req.home == "water" else costs.MAX_LAND_UNDER_OUTSIDE
        if _land_share(ctx, c) > limit or (req.home == "water" and _other_water(ctx, req, c, led=True)):
            return np.inf, None
    return costs.LEADER + math.dist(*leader) / ctx.mm * costs.LEADER_PER_MM, leader


def _judge_alongside(ctx: Context, req: LabelRequest, anchor, c: Candidate, shape) -> float:
    """Alongside a narrow water, on the shore: clear of the water's own coast but close to it,
    within NEAR_MM of its point."""
    mm = ctx.mm
    gap = float(shapely.distance(shape, shapely.Point(anchor)))
    part = getattr(req, "_part", None)
    off = float(shapely.distance(shape, part)) if part is not None else np.inf
    if (gap > costs.NEAR_MM * mm or not ctx.clear <= off <= costs.ALONGSIDE_MM * mm
            or _land_share(ctx, c) < costs.MIN_INSIDE or _across(ctx, anchor, c.centre())):
        return np.inf
    return costs.ALONGSIDE + gap / mm * costs.GAP_PER_MM


def _judge_within(ctx: Context, req: LabelRequest, anchor, c: Candidate, shape) -> float:
    """In a narrow water away from its point: centred in the water around the point, between its
    shores (land on either side of the name's middle, square to it, within SHORES times the
    water's width at its point, or a line and its clearances), as little of it on land as a name
    over the point may have, nearer the point than any other water's, the way to it open."""
    land = _land_share(ctx, c)
    cx, cy = c.centre()
    if land > costs.MAX_LAND_UNDER_NARROW_WATER or not shapely.contains_xy(req._water, cx, cy):
        return np.inf
    reach = costs.SHORES * max(req._width, c.height + 2 * ctx.clear)
    nx, ny = -math.sin(math.radians(c.angle)) * reach, math.cos(math.radians(c.angle)) * reach
    for side in (1, -1):
        if not len(ctx.ink.fills_at(shapely.LineString([(cx, cy), (cx + side * nx, cy + side * ny)]))):
            return np.inf  # open water on that side: a sea beyond the narrows, not the narrows
    if _other_water(ctx, req, c) or _across(ctx, anchor, (cx, cy)):
        return np.inf
    return land * costs.LAND_UNDER_WATER_NAME


def _judge_in_area(ctx: Context, req: LabelRequest, anchor, c: Candidate, shape) -> float:
    """Inside (level or along) an area with an outline, or in the water or land around an area's
    label point, near enough to it."""
    mm = ctx.mm
    if req.inside is not None:
        share = _inside_share(ctx, req, c)
        if share < costs.MIN_INSIDE:
            return np.inf
        if req.symbol is not None and shapely.distance(shape, _edge(req)) < ctx.clear:
            return np.inf  # an island's name never knocks out its own coast
        return (1 - share) * costs.OUTSIDE_AREA
    gap = float(shapely.distance(shape, shapely.Point(anchor)))
    if gap > req.near_mm * mm + 0.01 * mm or _across(ctx, anchor, c.centre()):
        return np.inf
    land = _land_share(ctx, c)
    if req.home == "land":
        return np.inf if land < costs.MIN_INSIDE else (1 - land) * costs.OUTSIDE_AREA
    limit = costs.MAX_LAND_UNDER_NARROW_WATER if req.narrow else costs.MAX_LAND_UNDER_WATER_NAME
    if land > limit or _other_water(ctx, req, c):
        return np.inf
    cost = land * costs.LAND_UNDER_WATER_NAME
    if req.open_water:
        g = costs.OPEN_MM * mm
        x0, y0, x1, y1 = shape.bounds
        near = ctx.ink.land.share(np.array([x0 - g]), np.array([y0 - g]), np.array([x1 + g]), np.array([y1 + g]))
        cost += float(near[0]) * costs.LAND_NEAR_SEA_NAME
    return cost


def _misread(ctx: Context, req: LabelRequest, shape, gap: float, led: bool = False) -> bool:
    """Whether the text (its box, ``gap`` from its own feature) could be read as naming something
    else: it stands as near another feature of its class (another dot; other land) as its own,
    plus the margin, or, leader or not, as near land its feature is not on (an islet beside a
    town's name reads as the town's). With a leader the reader follows the line: no margin, but
    nothing else of its class as near as its own feature."""
    reach = gap if led else max(gap + costs.AMBIGUITY_MM * ctx.mm, gap * costs.AMBIGUITY_RATIO)
    if req.klass == "dot" and len(ctx.dots):
        for i in ctx.dot_tree.query(shape, predicate="dwithin", distance=reach):
            if ctx.dot_ids[i] != req.name:
                return True
    if req.klass not in ("dot", "land") or not len(ctx.ink.fills):
        return False  # (an island group or a cape known by its point names the land around it)
    own = _own_land(ctx, req)
    if req.klass == "land":  # an island's name: any other land is another of its class
        hits = ctx.ink.fill_tree.query(shape, predicate="dwithin", distance=reach)
        return any(own is None or i not in own for i in hits)
    if not own:
        return False
    # a place's name: no land apart from its own nearer than its own land (on it: none over it)
    d = min(gap, float(shapely.distance(shape, _own_geom(ctx, req))))
    reach = d if led else max(d + costs.AMBIGUITY_MM * ctx.mm, d * costs.AMBIGUITY_RATIO) if d > 0 else 0.0
    hits = ctx.ink.fill_tree.query(shape, predicate="dwithin", distance=reach) if reach > 0 else \
        ctx.ink.fill_tree.query(shape, predicate="intersects")
    return any(i not in own and not _touches_own(ctx, req, i) for i in hits)


def _touches_own(ctx: Context, req: LabelRequest, i: int) -> bool:
    """Whether fill ``i`` is part of the land a feature stands on (a district or country drawn
    over it, or a piece of the same coast the data cut off: within SAME_LAND_MM of it) rather than
    land apart from it (another island)."""
    own = _own_geom(ctx, req)
    return own is not None and bool(shapely.dwithin(ctx.ink.fills[i], own, costs.SAME_LAND_MM * ctx.mm))


def _own_geom(ctx: Context, req: LabelRequest):
    cached = getattr(req, "_own_geom", False)
    if cached is False:
        own = _own_land(ctx, req)
        cached = req._own_geom = shapely.union_all(ctx.ink.fills[sorted(own)]) if own else None
    return cached


def _across(ctx: Context, start, end) -> bool:
    """Whether the way from a feature to its label crosses a boundary or a claim line."""
    return bool(ctx.ink.crosses_dividing(np.array([start]), np.array([end])).any())


def _leader(ctx: Context, req: LabelRequest, anchor, c: Candidate, shape, symbol):
    """(start, end) of the leader from the feature to a label outside it, or None when no
    allowed leader joins them: it may cross no other label, box or dot, no boundary, and no
    land but the land its feature stands on (briefly, for a point: to reach the water)."""
    line = shapely.shortest_line(symbol, shape)
    (sx, sy), (ex, ey) = shapely.get_coordinates(line)
    if req.inside is not None and req.symbol is None:
        # a country: the leader ends inside it, a little in from its edge
        d = math.hypot(sx - ex, sy - ey) or 1.0
        sx, sy = sx + (sx - ex) / d * 0.6 * ctx.mm, sy + (sy - ey) / d * 0.6 * ctx.mm
    length = math.hypot(ex - sx, ey - sy)
    if length < 2 * costs.LEADER_GAP_PT * ctx.pt:
        return None
    back = costs.LEADER_GAP_PT * ctx.pt / length
    end = (ex - (ex - sx) * back, ey - (ey - sy) * back)
    start = (sx, sy)
    seg = shapely.LineString([start, end])
    if ctx.taken.crossed(seg, req.name, shapely.Point(start)):
        return None
    if _across(ctx, start, end) or _crosses_hard(ctx, start, end):
        return None
    if not _leader_land_ok(ctx, req, seg, start, c):
        return None
    return start, end


def _crosses_hard(ctx: Context, start, end) -> bool:
    """Whether a leader crosses a line no label may cover (a route, a claim line, a callout's
    leader), apart from where it starts: the feature may lie on such a line."""
    ink = ctx.ink
    length = math.dist(start, end)
    skip = min(0.6 * ctx.mm, length / 2)
    if not len(ink.lines) or length <= skip:
        return False
    ux, uy = (end[0] - start[0]) / length, (end[1] - start[1]) / length
    seg = shapely.LineString([(start[0] + ux * skip, start[1] + uy * skip), end])
    hits = ink.line_tree.query(seg, predicate="intersects")
    return bool(ink.line_hard[hits].any()) if len(hits) else False


def _leader_land_ok(ctx: Context, req: LabelRequest, seg, start, c: Candidate) -> bool:
    ink = ctx.ink
    hits = ink.fills_at(seg)
    if not len(hits):
        return True
    slack = costs.LEADER_LAND_SLACK_MM * ctx.mm
    over = shapely.intersection(shapely.union_all(ink.fills[hits]), seg)
    pieces = [p for p in shapely.get_parts(over) if p.length > slack]
    if not pieces:
        return True
    own = _own_land(ctx, req)
    if own is None:
        return False
    own_geom = shapely.union_all(ink.fills[sorted(own)]) if own else None
    on_own = own_geom is not None and own_geom.contains(shapely.Point(c.centre()))
    limit = costs.LEADER_LAND_MM * ctx.mm if req.kind == "point" else np.inf
    for piece in pieces:
        if own_geom is None or not shapely.buffer(own_geom, slack).contains(piece):
            return False  # land it does not name
        if piece.distance(shapely.Point(start)) > slack:
            return False  # own land again, after water: across a bay or a sound
        if piece.length > limit and not on_own:
            return False  # across its island, not just to its shore
    return True


# --- what a request names, as drawn -----------------------------------------------------------------

def _symbol(ctx: Context, req: LabelRequest, anchor):
    """What the label names as drawn (display units): an island's outline, its dot, or its anchor."""
    cached = getattr(req, "_symbol", None)
    if cached is not None:
        return cached
    if req.symbol is not None:
        sym = req.symbol
    elif req.inside is not None:
        sym = _outline(ctx, req)
    elif req.marker_pt:
        sym = shapely.Point(anchor).buffer(req.marker_pt / 2 * ctx.pt, 8)
    else:
        sym = shapely.Point(anchor)
    req._symbol = sym
    return sym


def _edge(req: LabelRequest):
    edge = getattr(req, "_edge", None)
    if edge is None:
        edge = req._edge = shapely.boundary(req.symbol)
        shapely.prepare(edge)
    return edge


def _outline(ctx: Context, req: LabelRequest):
    """The largest visible part of an area with an outline (where a leader to it ends)."""
    parts = [p for p in shapely.get_parts(req.inside) if shapely.get_type_id(p) == 3]
    return max(parts, key=lambda p: p.area) if parts else req.inside


def _own_land(ctx: Context, req: LabelRequest) -> set[int] | None:
    """Indices of the fills (land) the feature stands on or is: a place's land, an island, a
    country's land, a peninsula's; None for water."""
    cached = getattr(req, "_own_land", False)
    if cached is not False:
        return cached
    if req.home == "water":
        own = None
    else:
        anchor = ctx.ax.transData.transform(req.xy)
        if req.symbol is not None:
            where = req.symbol
        elif req.inside is not None:
            where = req.inside
        else:
            where = shapely.Point(anchor).buffer(0.3 * ctx.mm)
        own = {int(i) for i in ctx.ink.fills_at(where)}
        if not own and req.klass == "dot" and len(ctx.ink.fills):  # on a coast simplified away: the nearest
            near = ctx.ink.fill_tree.query_nearest(shapely.Point(anchor), max_distance=costs.NEAR_MM * ctx.mm)
            own = {int(i) for i in near}
    req._own_land = own
    return own


def _axis(ctx: Context, req: LabelRequest, anchor, w: float) -> float | None:
    """The angle of a narrow area's axis near its anchor (None when it is not narrow): an
    outline's own; for a water or land area known by its point, the water or land around the
    point within about half a name's length."""
    cached = getattr(req, "_axis", False)
    if cached is not False:
        return cached
    if req.inside is not None:
        found = cands.axis_of(_outline(ctx, req))
    elif req.home in ("water", "land") and (req.narrow or req.home == "land"):
        reach = max(0.6 * w, 4 * ctx.mm)
        window = shapely.Point(anchor).buffer(reach, 16)
        land = ctx.ink.land_within(window)
        medium = land if req.home == "land" else shapely.difference(window, land)
        barrier = shapely.difference(window, land) if req.home == "land" else land
        part = req._part = _part_at(medium, anchor, 1.0 * ctx.mm)
        found = None
        if part is not None:
            origin = anchor if part.contains(shapely.Point(anchor)) else \
                shapely.get_coordinates(shapely.shortest_line(shapely.Point(anchor), part))[1]
            found = cands.axis_through(tuple(origin), barrier, reach)
    else:
        found = None
    axis = found[0] if found and found[1] >= costs.ELONGATED else None
    req._axis = axis
    req._width = found[2] if found and len(found) > 2 else 0.0
    return axis


def _narrow_water(ctx: Context, req: LabelRequest, anchor, w: float):
    """(the water around a narrow water's point, the angles its name may take there): the part of
    the frame within a name's length (at least WITHIN_MM) of the point that is not land, the
    piece holding the point (or nearest it, within a millimetre), cut off where land closes it;
    the angles are the axis through the point (:func:`_axis`), that piece's own principal axis
    (its minimum rotated rectangle) and level. Each is turned to read upright (-90° to 90°:
    never upside down); a water running steeper than 60° is named along it all the same, read
    upwards or downwards as the water runs, as atlases name a north-south strait. (None, ())
    when the point has no water around it."""
    cached = getattr(req, "_water", False)
    if cached is not False:
        return cached, req._water_angles
    reach = max(costs.WITHIN_NAMES * w, costs.WITHIN_MM * ctx.mm)
    window = shapely.Point(anchor).buffer(reach, 32)
    window = shapely.intersection(window, shapely.box(ctx.inner.x0, ctx.inner.y0, ctx.inner.x1, ctx.inner.y1))
    water = _part_at(shapely.difference(window, ctx.ink.land_within(window)), anchor, 1.0 * ctx.mm)
    angles = [0.0]
    if water is not None:
        principal = cands.axis_of(water)
        for angle in (_axis(ctx, req, anchor, w), principal[0] if principal and principal[1] >= costs.ELONGATED else None):
            if angle is not None and all(abs(angle - a) > 2 for a in angles):
                angles.append(angle)
    req._water, req._water_angles = water, tuple(angles)
    return water, req._water_angles


def _part_at(geom, anchor, reach: float):
    """The part of a (multi)polygon under a point, or the nearest within ``reach``."""
    p = shapely.Point(anchor)
    parts = [g for g in shapely.get_parts(geom) if shapely.get_type_id(g) == 3]
    if not parts:
        return None
    best = min(parts, key=lambda g: g.distance(p))
    return best if best.distance(p) <= reach else None


def _land_share(ctx: Context, c: Candidate) -> float:
    pts = c.samples()
    return float(ctx.ink.land.covers(pts[:, 0], pts[:, 1]).mean())


def _inside_share(ctx: Context, req: LabelRequest, c: Candidate) -> float:
    area = getattr(req, "_inside_area", None)
    if area is None:
        area = req._inside_area = Area(req.inside, ctx.ink.frame, SAMPLE_PX)
    pts = c.samples()
    return float(area.covers(pts[:, 0], pts[:, 1]).mean())


# --- drawing ----------------------------------------------------------------------------------------

def _draw(ctx: Context, req: LabelRequest, cls: TypeClass, wording: str, offset, c: Candidate,
          touched: bool, leader) -> Placement:
    """Set the label's text in its type class at the candidate and draw its leader."""
    ax = ctx.ax
    inv = ax.transData.inverted()
    req.props, req.tracking, req.text = cls.props, cls.tracking, wording
    text = _new_text(ax, req)
    text.set_ha("left")
    text.set_va("bottom")
    text.set_rotation(c.angle)
    text.set_rotation_mode("anchor")
    ux, uy = math.cos(math.radians(c.angle)), math.sin(math.radians(c.angle))
    dx, dy = offset
    text.set_position(inv.transform((c.corner[0] - (dx * ux - dy * uy), c.corner[1] - (dx * uy + dy * ux))))
    # letter spacing, drawn as PDF character spacing by geodata.shims.matplotlib
    text.tc = req.tracking * req.props["fontsize"] if _spaced(req, wording) else 0.0
    placement = Placement(req, c, touched, leader)
    req.placed = placement.box
    req.shape = c.shape
    if leader and req.leader:
        (x0, y0), (x1, y1) = inv.transform([leader[0], leader[1]])
        ax.plot([x0, x1], [y0, y1], zorder=29, solid_capstyle="butt", **req.leader)
    return placement
