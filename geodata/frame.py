"""A map's frame before it is drawn: the projection the engine picks for a bbox, the bbox's
outline, and the figure height at which the frame shows a bbox as written (its shape), so that a
layout knows a map's height without drawing it. Imports numpy and pyproj only when asked for an
outline or a height."""

from __future__ import annotations

from .spec import wrap_lon

FRAME_INSET_MM = 0.6  # the frame's distance from the figure's edges without a graticule (with one: the look's margin)
MIN_HEIGHT_MM = 11.0  # the least height a map may have (the schema's limit is "more than 10")


def unwrap(bbox):
    """(west, south, east, north) with east > west, crossing 180° allowed (east may exceed 180)."""
    w, s, e, n = bbox
    if w > e:
        e += 360
    return w, s, e, n


def auto_projection(bbox) -> str:
    """A conformal conic for mid latitudes; a polar stereographic for high-latitude extents."""
    w, s, e, n = unwrap(bbox)
    lon0 = wrap_lon((w + e) / 2)
    if n >= 75 or (s >= 55 and n - s > 15):
        return f"+proj=stere +lat_0=90 +lat_ts=70 +lon_0={lon0:.4f} +datum=WGS84 +units=m +no_defs"
    h = n - s
    lat1, lat2 = s + h / 6, n - h / 6
    return (f"+proj=lcc +lat_1={lat1:.4f} +lat_2={lat2:.4f} +lat_0={(s + n) / 2:.4f} +lon_0={lon0:.4f} "
            f"+datum=WGS84 +units=m +no_defs")


def densified_outline(bbox, n=64):
    import numpy as np

    w, s, e, n_ = unwrap(bbox)
    xs = np.concatenate([np.linspace(w, e, n), np.full(n, e), np.linspace(e, w, n), np.full(n, w)])
    ys = np.concatenate([np.full(n, s), np.linspace(s, n_, n), np.full(n, n_), np.linspace(n_, s, n)])
    return xs, ys


POLE_ROOM = 0.06  # of the view's larger side: room around a pole the bbox reaches, for its dot and name


def pole_inside(bbox, fwd, view):
    """A bbox that reaches a pole (north = 90 or south = -90) shows the pole inside the frame,
    not on its edge, so the pole can carry a dot and a name."""
    x0, y0, x1, y1 = view
    room = POLE_ROOM * max(x1 - x0, y1 - y0)
    for lat in (90.0, -90.0):
        if lat in (bbox[1], bbox[3]):
            px, py = fwd.transform(0.0, lat)
            x0, y0, x1, y1 = min(x0, px - room), min(y0, py - room), max(x1, px + room), max(y1, py + room)
    return x0, y0, x1, y1


def bbox_height(bbox, projection: str, width_mm: float, margin_mm: float, limit_mm: float) -> float | None:
    """The figure height (mm) at which a map ``width_mm`` wide, its frame ``margin_mm`` in from
    each side, shows ``bbox`` as written (the frame the bbox's projected shape); None when that
    height lies outside [MIN_HEIGHT_MM, ``limit_mm``] (the column's room), where the frame cannot
    follow the bbox."""
    import numpy as np
    from pyproj import CRS, Transformer

    from pyproj.exceptions import CRSError, ProjError

    try:
        crs = CRS(auto_projection(bbox) if projection == "auto" else projection)
        fwd = Transformer.from_crs("EPSG:4326", crs, always_xy=True)
        xs, ys = fwd.transform(*densified_outline(bbox))
    except (CRSError, ProjError):
        return None  # a projection PROJ cannot make: the map engine says so, naming the spec's line
    if not (np.isfinite(xs).all() and np.isfinite(ys).all()):
        return None  # the projection cannot draw it: the map engine says so
    x0, y0, x1, y1 = pole_inside(bbox, fwd, (min(xs), min(ys), max(xs), max(ys)))
    frame_w = width_mm - 2 * margin_mm
    height = round(float(frame_w * (y1 - y0) / (x1 - x0)) + 2 * margin_mm, 1)
    return height if MIN_HEIGHT_MM <= height <= limit_mm else None
