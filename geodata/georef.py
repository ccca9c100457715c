"""The georeferencing of a map frame: what a PDF viewport needs so that a reader's GIS or PDF
viewer can read coordinates off the map (ISO 32000-2 12.10; written by ``report``, which
turns it into the page's geospatial viewport).

The frame is a rectangle in the map's projection, so four points fix it exactly: its corners,
given as latitude and longitude (the measure dictionary's GPTS) at the corners of the unit
square of the frame (its LPTS). The projection goes with them as OGC WKT 1 (as GDAL writes
it; WKT 2 where a projection has no WKT 1 form) and its EPSG code where it has one.
"""

from __future__ import annotations

from pyproj import CRS, Transformer

UNIT_SQUARE = ((0, 0), (0, 1), (1, 1), (1, 0))  # lower left, upper left, upper right, lower right


def frame_georef(name: str, crs: CRS, view, frame_mm) -> dict:
    """{"name", "frame_mm": [x0, y0, x1, y1] (the frame in the figure, mm from its lower
    left corner), "view": the frame in projected units, "wkt", "epsg", "geographic",
    "corners": [[lat, lon]] in UNIT_SQUARE order}."""
    x0, y0, x1, y1 = view
    inv = Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
    corners = []
    for u, v in UNIT_SQUARE:
        lon, lat = inv.transform(x0 + u * (x1 - x0), y0 + v * (y1 - y0))
        corners.append([round(float(lat), 9), round(float(lon), 9)])
    return {"name": name, "frame_mm": [round(float(v), 4) for v in frame_mm],
            "view": [float(v) for v in view], "wkt": crs.to_wkt("WKT1_GDAL") or crs.to_wkt(),
            "epsg": crs.to_epsg(min_confidence=100), "geographic": bool(crs.is_geographic), "corners": corners}
