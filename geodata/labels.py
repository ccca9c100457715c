"""Map labels: what is to be labelled, and how a placed label is drawn, after the model of QGIS's
labelling engine (PAL): a feature to label (:class:`LabelRequest`), its candidate positions
(:mod:`geodata.candidates`), their costs and the rules that rule them out (:mod:`geodata.costs`),
the obstacles drawn before them (:mod:`geodata.obstacles`) and the placer that takes the
features by priority (:mod:`geodata.placer`).

- **Association.** A label stands by what it names: a point's label within ``costs.NEAR_MM`` of
  its symbol (type edge to symbol edge) or joined to it by a leader that crosses no other label
  or symbol and no land but, briefly, the land its place stands on; nearer its own feature than
  any other of its class (dots; land). An area's name (a country, an island, a peninsula, a sea,
  a gulf, a strait) sits inside its area, level or turned along a narrow one's axis, or outside
  it with a leader.
- **Priority.** Labels are placed in order of priority (from their kind: country > ocean > sea >
  city > island > town > strait > cape); before one is dropped it tries its smaller type classes
  (the style's ``smaller``), its abbreviation and, for an area, a leader; one that finds no allowed
  position is dropped with its dot and named in a warning, unless it is ``required``, which makes
  the map fail with an error naming it.
- **Knockout.** Soft ink under a placed label is painted over with the map's own fills, clipped
  to the label's box grown by ``costs.KNOCK_MM`` (one small patch per fill layer and label, drawn
  under the hard lines and markers), so a label may sit over the graticule or a dense coast and
  still read. Hatching and the outline of a hatched area (the map's subject) are never soft, nor
  is an island's coast under its own name.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import shapely

from . import costs

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

    def polygon(self):
        return shapely.box(self.x0, self.y0, self.x1, self.y1)


@dataclass(frozen=True)
class TypeClass:
    """How a label may be set: a text role's matplotlib properties and letter spacing (em)."""

    props: dict
    tracking: float = 0.0


@dataclass
class LabelRequest:
    """A feature to label (PAL's feature): its words, anchor, type classes and the rules of its kind."""

    text: str
    xy: tuple[float, float]  # data coordinates of the anchor
    props: dict  # matplotlib text properties of its type class
    kind: str = "point"  # "point": beside its symbol; "area": inside, along or outside an area
    marker_pt: float = 0.0  # diameter of its dot, points (0: no dot)
    leader: dict | None = None  # line properties of a leader
    alternatives: tuple[str, ...] = ()  # other wordings to try, e.g. a dual name stacked on two lines
    name: str = ""  # what the label names, by id (a place or country id)
    what: str = ""  # what it names in messages, as the spec wrote it (default: ``name``)
    key: tuple = ()  # the key path in the spec of what it names
    priority: int = 50
    required: bool = False
    home: str | None = None  # where an area name without an outline belongs: "water" | "land"
    inside: object = None  # the outline of the area it names (display units): a country, an island
    open_water: bool = False  # prefers open water, away from coasts (seas, oceans)
    narrow: bool = False  # a narrow water (gulf, strait): set in it, along it, or outside with a leader
    beyond: tuple[float, float] | None = None  # the true anchor when it lies outside the frame
    symbol: object = None  # what it names as drawn, when not a dot: an island's outline (display units)
    klass: str | None = None  # "dot" | "land": it must stand nearer its own than any other of these
    near_mm: float = costs.NEAR_MM  # an area name without an outline stands this close to its anchor
    tracking: float = 0.0  # letter spacing in em (spaced italic for seas, spaced capitals for countries)
    smaller: tuple[TypeClass, ...] = ()  # the type classes to try, in order, before it is dropped
    abbreviation: str | None = None  # the wording tried last
    placed: Box | None = field(default=None, init=False)
    shape: object = field(default=None, init=False)  # the placed text's outline (display units)


def _spaced(req: LabelRequest, wording: str) -> bool:
    """Whether a wording is set letter-spaced (one line only)."""
    return bool(req.tracking) and "\n" not in wording


def _new_text(ax, req: LabelRequest):
    """The label's text artist; one with tracking gets its letter spacing (``tc``, points
    after each character, drawn by :mod:`geodata.shims.matplotlib`) once it is placed."""
    return ax.text(req.xy[0], req.xy[1], req.text, zorder=30, **req.props)


def knockout(ax, shapes: list, fills: list[tuple[object, str]], background: str, frame: Box,
             dpi: float, zorder: float = 9.5) -> None:
    """Paint the map's fills again inside each label's outline (a :class:`Box` or a polygon, in
    display units) grown by KNOCK_MM and clipped to the frame, over the soft ink and under the
    hard lines, markers and text."""
    if not shapes:
        return
    from matplotlib.patches import PathPatch, Polygon

    grow = costs.px(costs.KNOCK_MM, dpi)
    inv = ax.transData.inverted()
    rects = []
    for shape in shapes:
        outline = shape.polygon() if isinstance(shape, Box) else shape
        grown = shapely.intersection(shapely.buffer(outline, grow, join_style="mitre"), frame.polygon())
        if shapely.get_type_id(grown) != 3 or grown.is_empty:
            continue
        xy = inv.transform(np.asarray(grown.exterior.coords))
        rects.append(shapely.Polygon(xy))
        ax.add_patch(Polygon(xy, closed=True, facecolor=background, edgecolor="none", linewidth=0, zorder=zorder))
    if not rects:
        return
    from matplotlib.path import Path as MPath

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
