"""Features finer than the base data: reefs, shoals, rocks, low-tide elevations, and islands
the land layer lacks at the map's scale. Each is drawn with a symbol by its kind (a role of the
house style, its shape named by the role's ``symbol`` key) and named beside it, and the map
warns that the data cannot show it; a name is never left in open water without its feature.

An island named without an outline of its own in the spec's gazetteer entry (``polygon``) is
paired with the piece of the land layer (as simplified for the map) that lies within
``MATCH_KM`` of its point; one piece names one island, the nearest: "Thitu" and "Subi Reef"
never share a speck, and a reef, shoal, rock or low-tide elevation never takes one.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# a role's `symbol` -> matplotlib marker
SHAPES = {"circle": "o", "triangle": "^", "square": "s", "diamond": "D", "plus": "+", "cross": "x", "star": "*"}
# kind of place -> the style role of its symbol
ROLES = {"reef": "reef", "shoal": "shoal", "rock": "rock", "low-tide-elevation": "low_tide_elevation",
         "island": "islet"}
KINDS = ("reef", "shoal", "rock", "low-tide-elevation")  # always drawn as a symbol: the land layer has none
LEGEND = {"reef": "Reef", "shoal": "Shoal", "rock": "Rock: above water at high tide",
          "low-tide-elevation": "Low-tide elevation: above water at low tide only",
          "island": "Island too small for the base data"}
MATCH_KM = 2.0  # how far the base data may put an island from its true position (Natural Earth 1:10m)


@dataclass
class Finer:
    """What the labels of one map name, decided before anything is placed: the land piece each
    island names (``outline``, map units) and the places drawn as a symbol (``symbol``: place id
    -> kind), with the warnings to print."""

    outline: dict[str, object] = field(default_factory=dict)
    symbol: dict[str, str] = field(default_factory=dict)
    warnings: list[tuple[str, tuple]] = field(default_factory=list)  # (message, key path of the label)


def pair(labels, land, crs) -> Finer:
    """Decide, for the labels of a map, which island names which piece of ``land`` (the land
    layer as drawn, in the map's ``crs``) and which features get a symbol."""
    import numpy as np
    import shapely
    from pyproj import Geod, Transformer

    to_map = Transformer.from_crs("EPSG:4326", crs, always_xy=True)
    to_lonlat = Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
    geod = Geod(ellps="WGS84")
    rows = {str(i): g for i, g in zip(land["id"], land.geometry)}
    parts = shapely.get_parts(np.asarray(land.geometry.values, dtype=object)) if len(land) else np.array([])
    tree = shapely.STRtree(parts)
    out = Finer()
    claims: dict[int, list[tuple[float, object]]] = {}  # piece -> (km, label) of the islands near it

    def km(lab, geom) -> float:
        x, y = to_map.transform(lab.place.lon, lab.place.lat)
        near = shapely.ops.nearest_points(shapely.Point(x, y), geom)[1]
        lon, lat = to_lonlat.transform(near.x, near.y)
        return geod.inv(lab.place.lon, lab.place.lat, lon, lat)[2] / 1000

    import shapely.ops  # noqa: F401  (nearest_points)

    for lab in labels:
        kind = lab.place.kind
        if kind in KINDS:
            out.symbol[lab.place.id] = kind
            continue
        if lab.marker:
            continue
        geom = rows.get(lab.place.polygon) if lab.place.polygon else None
        if geom is not None and km(lab, geom) <= MATCH_KM:
            out.outline[lab.place.id] = geom
            continue
        if geom is not None:
            out.warnings.append((f"{lab.place.shown}: its outline {lab.place.polygon} in the land layer lies "
                                 f"{km(lab, geom):,.0f} km from its point, so it is not taken as its outline", lab.key))
        if kind != "island":
            continue
        x, y = to_map.transform(lab.place.lon, lab.place.lat)
        for i in tree.query(shapely.Point(x, y).buffer(MATCH_KM * 4000)):  # map units are metres or degrees
            d = km(lab, parts[i])
            if d <= MATCH_KM:
                claims.setdefault(int(i), []).append((d, lab))
        out.symbol[lab.place.id] = "island"  # unless a piece is found for it below
    taken: set[str] = set()
    for i, near in sorted(claims.items(), key=lambda c: min(d for d, _ in c[1])):
        for d, lab in sorted(near, key=lambda c: c[0]):
            if lab.place.id not in taken:
                taken.add(lab.place.id)
                out.outline[lab.place.id] = parts[i]
                out.symbol.pop(lab.place.id, None)
                break
    for lab in labels:
        if lab.place.id in out.symbol:
            out.warnings.append((f"{lab.place.shown} ({lab.place.kind}) is finer than the base data (Natural Earth "
                                 f"1:10m land) shows at this map's scale: drawn with the symbol of its kind", lab.key))
    return out


def size(look, kind: str) -> float:
    """The diameter of ``kind``'s symbol, points."""
    return float(look.role(ROLES[kind]).get("size", 4.0))


def draw(ax, kind: str, look, xy, zorder: float = 25):
    """The symbol of ``kind`` at ``xy`` (map units); returns its size in points and its legend handle."""
    from matplotlib.lines import Line2D

    r = look.role(ROLES[kind])
    style = {"marker": SHAPES[r.get("symbol", "circle")], "markersize": size(look, kind),
             "markerfacecolor": look.colour(r.get("fill", "none")),
             "markeredgecolor": look.colour(r.get("edge", "text")),
             "markeredgewidth": r.get("width", 0.6), "linestyle": "none"}
    ax.plot([xy[0]], [xy[1]], zorder=zorder, **style)
    return size(look, kind), Line2D([], [], label=LEGEND[kind], **style)
