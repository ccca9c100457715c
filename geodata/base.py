"""Offline world base layers (Natural Earth 1:10m): ``load(layer, extent, ...)`` -> GeoDataFrame.

The heavy geo stack (geopandas, shapely, pyproj, pyogrio) is imported here only, never by the
package itself. Data: geodata/base/*.fgb.xz (FlatGeobuf with packed Hilbert R-tree, xz-compressed;
decompressed into memory once per process), made by ``python -m geodata.refresh``.
"""

from __future__ import annotations

import functools
import hashlib
import lzma
import sys
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely
import shapely.errors
from pyproj import CRS

from . import files
from .spec import wrap_lon

BASE = Path(__file__).resolve().parent / "base"
LAYERS = ("land", "countries", "admin1", "military_districts")
COVERAGES = {"countries", "admin1", "military_districts"}  # polygons sharing borders: simplified as a coverage
WGS84 = "EPSG:4326"
M_PER_DEG = 111_319.49  # metres per degree of arc on the equator (WGS 84)
DENSIFY_DEG = 1.0  # longest straight edge kept in lon/lat: longer ones (a clip box's side) bend when projected


class UnknownLayerError(KeyError):
    """Raised for a layer name that does not exist; the message lists the available layers."""

    def __str__(self):
        return str(self.args[0])


@functools.lru_cache(maxsize=None)
def _fgb(layer):
    """The layer's FlatGeobuf: a decompressed copy in the build cache (``$BRIEF_CACHE`` or
    ``.cache/`` in the project, keyed by the compressed file's hash, checked against its stamp
    before use: see :mod:`geodata.files`), else the bytes in memory."""
    if layer not in LAYERS:
        raise UnknownLayerError(f"unknown geodata layer {layer!r}; available layers: {', '.join(LAYERS)}")
    path = BASE / f"{layer}.fgb.xz"
    if not path.exists():
        raise FileNotFoundError(f"{path} is missing; regenerate it with `python -m geodata.refresh` (geodata/README.md)")
    packed = path.read_bytes()
    cache = files.cache_root() / "geodata"
    cached = cache / f"{layer}-{hashlib.sha256(packed).hexdigest()[:16]}-v2.fgb"  # v2: stamped entries
    found, problem = files.check_entry(cached)
    if found is not None:
        return str(cached)
    if problem:
        print(f"warning: {cached}: damaged cache entry ({problem}); decompressing it again",
              file=sys.stderr, flush=True)
    data = lzma.decompress(packed)
    try:
        files.write_entry(cached, data)
    except OSError:
        pass  # a read-only cache only costs time
    return data


def boxes(extent, margin=0.1):
    """Lon/lat boxes (west, south, east, north), each inside [-180, 180], covering ``extent`` plus ``margin``.

    ``west > east`` means the extent crosses the antimeridian; it then yields two boxes. ``margin`` is a
    fraction of the extent's width and height added on every side.
    """
    west, south, east, north = map(float, extent)
    if not -90 <= south < north <= 90:
        raise ValueError(f"bad extent {extent!r}: need -90 <= south < north <= 90")
    if east - west >= 360:
        west, east = -180.0, 180.0
    west, east = (x if -180 <= x <= 180 else wrap_lon(x) for x in (west, east))
    if west == east:
        raise ValueError(f"bad extent {extent!r}: zero width")
    if east < west:
        east += 360
    dx, dy = (east - west) * margin, (north - south) * margin
    s, n = max(-90.0, south - dy), min(90.0, north + dy)
    w, e = west - dx, east + dx
    if e - w >= 360:
        return [(-180.0, s, 180.0, n)]
    if w < -180:
        return [(w + 360, s, 180.0, n), (-180.0, s, e, n)]
    if e > 180:
        return [(w, s, 180.0, n), (-180.0, s, e - 360, n)]
    return [(w, s, e, n)]


def _polygonal(geoms):
    """Valid polygonal geometries (None where nothing polygonal is left)."""
    geoms = np.asarray(geoms, dtype=object)
    bad = ~shapely.is_valid(geoms)
    if bad.any():
        geoms[bad] = shapely.make_valid(geoms[bad], method="structure", keep_collapsed=False)
    mixed = ~np.isin(shapely.get_type_id(geoms), (3, 6))
    for i in np.flatnonzero(mixed):
        parts = [p for p in shapely.get_parts(geoms[i]) if p.geom_type in ("Polygon", "MultiPolygon")]
        geoms[i] = shapely.union_all(parts) if parts else None
    geoms[shapely.is_empty(geoms)] = None
    return geoms


def _snap(geom, grid: float):
    """Snap-round one geometry to ``grid``; where GEOS finds the projected pieces in conflict
    (a TopologyException), snap the pieces one by one and union them on the same grid."""
    try:
        return shapely.set_precision(geom, grid)
    except shapely.errors.GEOSException:
        parts = [shapely.set_precision(shapely.make_valid(p), grid) for p in shapely.get_parts(geom)]
        return shapely.union_all(parts, grid_size=grid)


def load(layer, extent, crs=None, margin=0.1, simplify_mm=None, scale=None):
    """Polygons of ``layer`` clipped to ``extent`` (lon/lat degrees: west, south, east, north) plus ``margin``.

    layer        "land" | "countries" | "admin1" | "military_districts" (else UnknownLayerError, a KeyError)
    extent       west > east crosses 180 deg: both sides come back (rows cut by the seam keep one row)
    crs          output CRS, anything pyproj accepts (default EPSG:4326); in a projected CRS the pieces of
                 one row that the +-180 meridian cuts are merged again
    margin       fraction of the extent's width/height added on each side
    simplify_mm  simplification tolerance in millimetres on paper at map scale 1:``scale``
                 (tolerance = simplify_mm / 1000 * scale metres on the ground)
    Returns valid (Multi)Polygons, one row per feature, sorted by ``id``.
    """
    data = _fgb(layer)
    if simplify_mm is not None and not scale:
        raise ValueError("simplify_mm needs scale (the map scale denominator, e.g. scale=10_000_000)")
    frames = []
    for box in boxes(extent, margin):
        df = pyogrio.read_dataframe(data, bbox=box)
        # the box's sides are long straight edges in lon/lat: densified, they follow their parallel
        # and meridian once projected (a polar map would otherwise cut the land along a chord)
        df["geometry"] = _polygonal(shapely.segmentize(shapely.clip_by_rect(df.geometry.values, *box),
                                                       DENSIFY_DEG))
        frames.append(df[df.geometry.notna()])
    df = pd.concat(frames, ignore_index=True)
    if df["id"].duplicated().any():  # a feature read on both sides of the antimeridian
        parts = df.groupby("id", sort=False)["geometry"].agg(
            lambda g: shapely.multipolygons(np.concatenate([shapely.get_parts(x) for x in g])))
        df = df.drop_duplicates("id").copy()
        df["geometry"] = parts.loc[df["id"]].to_numpy()
    df = gpd.GeoDataFrame(df, geometry="geometry", crs=WGS84).sort_values("id", ignore_index=True)
    target = CRS.from_user_input(crs if crs is not None else WGS84)
    if crs is not None:
        seam = df.geometry.bounds.pipe(lambda b: (b.minx <= -180) & (b.maxx >= 180)).to_numpy()
        df = df.to_crs(target)
        geoms = df.geometry.to_numpy()
        if seam.any() and not target.is_geographic:
            grid = 1e-3 / target.axis_info[0].unit_conversion_factor  # 1 mm
            # snap-rounding to 1 mm closes slits and merges the pieces along the +-180 cut
            geoms[seam] = [_snap(g, grid) for g in geoms[seam]]
        df["geometry"] = _polygonal(geoms)
    if simplify_mm is not None:
        tol_m = simplify_mm / 1000 * scale
        tol = tol_m / M_PER_DEG if target.is_geographic else tol_m / target.axis_info[0].unit_conversion_factor
        geoms = df.geometry.to_numpy()
        if layer in COVERAGES and len(geoms):
            geoms = shapely.coverage_simplify(geoms, tol)
        else:
            geoms = shapely.simplify(geoms, tol, preserve_topology=True)
        df["geometry"] = _polygonal(geoms)
    return df[df.geometry.notna()].reset_index(drop=True)

