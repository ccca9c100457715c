"""The graticule: meridians and parallels, each labelled outside the frame where it meets a
side that carries its family.

Every side of the frame carries one family of labels, never both: by convention the left and
right sides the parallels (latitudes) and the top and bottom the meridians (longitudes). A
side goes to the other family only where strictly more lines of that family meet it squarely
(at 45° or more) than lines of its own: on a polar frame the meridians radiate to the left and
right sides and the parallels arc across the top, so there the sides carry longitudes and the
top latitudes. A line is labelled only on a side of its family that it meets; a parallel that
meets no latitude side (or a meridian no longitude side) goes unlabelled rather than be named
where a reader would take it for the other family. Labels keep clear of the corners and of
each other.
"""

from __future__ import annotations

import math

import numpy as np
import shapely
from pyproj import Transformer
from shapely.geometry import LineString, box as shapely_box

from .spec import wrap_lon

SQUARE_DEG = 45.0  # a line meets a side "squarely" at this angle or more
CONVENTION = {"left": "lat", "right": "lat", "bottom": "lon", "top": "lon"}
# where a label goes for each side: offset (points), alignment, rotation
SIDES = {
    "bottom": ((0, -2.2), "center", "top", 0), "top": ((0, 2.2), "center", "bottom", 0),
    "left": ((-2.2, 0), "center", "bottom", 90), "right": ((2.2, 0), "center", "top", 90),
}
CORNER_CLEAR = 0.04  # no label within this share of a side's length from its corners
LABEL_GAP = 0.09  # nor within this share of another label on the same side


def deg_label(v: float, family: str) -> str:
    """'45°N', '12.5°S', '147°E', '75°W', '180°'."""
    if family == "lat":
        return f"{abs(v):g}°{'N' if v >= 0 else 'S'}"
    v = wrap_lon(v)
    if abs(v) == 180:
        return "180°"
    return f"{abs(v):g}°{'E' if v > 0 else 'W' if v < 0 else ''}"


def lines(step: float, extent, crs) -> list[tuple[str, float, np.ndarray, np.ndarray]]:
    """(family, value, xs, ys) of every meridian and parallel over ``extent`` (w, s, e, n; east
    may exceed 180), in map units. Each line runs a tenth of the extent beyond it (to 89.5° at
    most), so that it crosses the frame's sides wherever it meets them: the extent's corners are
    not the frame's (a conic frame's top is furthest north at its middle)."""
    w, s, e, n = extent
    pad_lat, pad_lon = (n - s) / 10, (e - w) / 10
    fwd = Transformer.from_crs("EPSG:4326", crs, always_xy=True)
    out = []
    for lon in np.arange(math.ceil(w / step) * step, e + 1e-9, step):
        lat = np.linspace(max(s - pad_lat, -89.5), min(n + pad_lat, 89.5), 120)
        out.append(("lon", float(lon), *map(np.asarray, fwd.transform(np.full_like(lat, lon), lat))))
    for lat in np.arange(max(math.ceil(s / step) * step, -89), min(n, 89) + 1e-9, step):
        lon = np.linspace(w - pad_lon, e + pad_lon, 240)
        out.append(("lat", float(lat), *map(np.asarray, fwd.transform(lon, np.full_like(lon, lat)))))
    return out


def crossings(family_lines, frame) -> list[dict]:
    """Where each line meets each side of ``frame`` (x0, y0, x1, y1): side, position along it
    (map units), the point, and the angle between line and side (0–90°)."""
    x0, y0, x1, y1 = frame
    sides = {"bottom": ((x0, y0), (x1, y0)), "top": ((x0, y1), (x1, y1)),
             "left": ((x0, y0), (x0, y1)), "right": ((x1, y0), (x1, y1))}
    eps = max(x1 - x0, y1 - y0) * 1e-4
    out = []
    for family, value, line in family_lines:
        for side, ends in sides.items():
            hit = line.intersection(LineString(ends))
            for p in (q for q in shapely.get_parts(hit) if q.geom_type == "Point"):
                d = line.project(p)
                a = line.interpolate(max(d - eps, 0.0))
                b = line.interpolate(min(d + eps, line.length))
                heading = math.degrees(math.atan2(b.y - a.y, b.x - a.x))
                along = 0.0 if side in ("bottom", "top") else 90.0
                angle = abs((heading - along + 90) % 180 - 90)
                out.append({"family": family, "value": value, "side": side, "point": (p.x, p.y),
                            "pos": p.x if side in ("bottom", "top") else p.y, "angle": angle})
    return out


def _spaced(found: list[dict], spans: dict, step: float) -> list[dict]:
    """The crossings that can be labelled: clear of the corners and of each other. Where lines
    crowd on a side (meridians converging towards a pole), every second, third … line of it is
    labelled (multiples of 2, 3 … steps), so that the labels stay regular; a cluster no
    thinning clears (lines within a label's width of a pole) is thinned first come, first kept."""
    kept: list[dict] = []
    for side in sorted({c["side"] for c in found}):
        lo, hi = spans[side]
        span = hi - lo
        clear = [c for c in found if c["side"] == side and min(c["pos"] - lo, hi - c["pos"]) >= CORNER_CLEAR * span]
        here = sorted(clear, key=lambda c: (c["value"], c["pos"]))
        for every in (1, 2, 3, 4, 5, 6, None):
            take = here if every is None else [c for c in here if round(c["value"] / step) % every == 0]
            chosen: list[dict] = []
            for c in take:
                if all(abs(c["pos"] - k["pos"]) >= LABEL_GAP * span for k in chosen):
                    chosen.append(c)
                elif every is not None:
                    break
            else:
                kept.extend(chosen)
                break
    return kept


def side_families(found: list[dict], spans: dict, step: float) -> dict[str, str]:
    """The family each side carries: its conventional one, unless the other family has strictly
    more lines that meet it squarely and could be labelled there (clear of corners and of each
    other: the meridians that crowd together near a pole count once)."""
    out = {}
    for side, own in CONVENTION.items():
        other = "lon" if own == "lat" else "lat"
        count = {f: len(_spaced([c for c in found if c["side"] == side and c["family"] == f
                                 and c["angle"] >= SQUARE_DEG], spans, step)) for f in (own, other)}
        out[side] = other if count[other] > count[own] else own
    return out


def draw_graticule(ax, step: float, extent, crs, line_props: dict, text_props: dict, add_ink) -> list[dict]:
    """Draw the graticule on ``ax`` (limits already set) and label it; ``add_ink(lines)`` records
    the drawn lines as label obstacles. Returns the labels set: {"text", "side", "family",
    "value", "point"} (map units), for the map's report."""
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    frame = shapely_box(x0, y0, x1, y1)
    drawn = []
    for family, value, xs, ys in lines(step, extent, crs):
        ok = np.isfinite(xs) & np.isfinite(ys)
        if ok.sum() < 2:
            continue
        line = LineString(np.column_stack([xs[ok], ys[ok]]))
        ax.plot(xs[ok], ys[ok], zorder=5, **line_props)
        add_ink([line.intersection(frame)])
        drawn.append((family, value, line))
    found = crossings(drawn, (x0, y0, x1, y1))
    spans = {"bottom": (x0, x1), "top": (x0, x1), "left": (y0, y1), "right": (y0, y1)}
    families = side_families(found, spans, step)
    labels = []
    for c in _spaced([c for c in found if c["family"] == families[c["side"]]], spans, step):
        text = deg_label(c["value"], c["family"])
        offset, ha, va, rotation = SIDES[c["side"]]
        ax.annotate(text, c["point"], xytext=offset, textcoords="offset points", ha=ha, va=va, rotation=rotation,
                    rotation_mode="anchor", annotation_clip=False, zorder=41, **text_props)
        labels.append({"text": text, "side": c["side"], "family": c["family"], "value": c["value"],
                       "point": [float(c["point"][0]), float(c["point"][1])]})
    return labels
