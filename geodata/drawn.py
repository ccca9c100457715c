"""What a map drew from the base layers, kept so that the map can be drawn again without them.

A map reads the base layers (``geodata/base/*.fgb.xz``, Natural Earth 1:10m) through
:func:`geodata.base.load`: one layer cut to a lon/lat box (the frame's, plus the loader's 10 %
margin), projected and simplified to the map's scale. :class:`Recorder` is such a loader that
keeps every distinct read and its result; :meth:`Recorder.dump` writes them as one JSON file
per map, the file an archive edition attaches as ``geodata/drawn/<figure>.json``.
:class:`Replay` answers the same reads from that file, so the map is drawn with exactly the
geometry it was drawn with, whatever base layers (or none) are installed.

The file (format ``brief-drawn/1``), UTF-8 JSON with sorted keys::

    {"format": "brief-drawn/1", "figure": "islands",
     "about": "...",
     "reads": [{"layer": "land",                      # the base layer read
                "extent": [west, south, east, north],  # the lon/lat box asked for (degrees)
                "crs": "<OGC WKT of the map's projection>",
                "simplify_mm": 0.1, "scale": 12345678.9,  # simplified to 0.1 mm at 1:scale
                "columns": [["id", "str"], ["area_km2", "float64"], ["geometry", "geometry"]],
                "geometry": "geometry",                     # the geometry column
                "features": [{"type": "Feature", "properties": {...},
                              "geometry": {"type": "Polygon", "coordinates": [...]},
                              "precision": 0.001}]}]}       # only where the geometry was snapped

The columns are the layer's attributes and their pandas dtypes, in order. ``precision`` (a
foreign member of the Feature) is the grid, in ``crs`` units, that a geometry cut by the
180th meridian was snap-rounded to when its pieces were merged; GEOS keeps that grid with the
geometry and its overlays (the visible part of a country, say) follow it, so it is restored.

Geometries are GeoJSON geometry objects (RFC 7946 7.1 types) in the map's projected
coordinates (metres of ``crs``, not longitude/latitude), every number written as the shortest
decimal that reads back as the same double, so a read gives the very same geometry.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

from .look import FigureError

FORMAT = "brief-drawn/1"
ABOUT = ("The base-layer features this map drew (Natural Earth 1:10m, public domain: Made with Natural Earth), "
         "each read as the map made it: the layer cut to the lon/lat extent given plus a 10 % margin, projected "
         "to crs and simplified to simplify_mm on paper at 1:scale. Geometries are GeoJSON geometry objects in "
         "crs coordinates. `brief build --geodata DIR` draws the map from DIR/drawn/<figure>.json instead of the "
         "installed base layers.")


class DrawnError(FigureError):
    """An extract that is damaged, of another format, or lacks a read the map makes (reported
    at the spec's extent: the frame is what decides the reads)."""

    def __init__(self, message: str):
        super().__init__(message, ("extent",))


def _key(layer, extent, crs_wkt, simplify_mm, scale) -> tuple:
    return (layer, tuple(float(v) for v in extent), crs_wkt, simplify_mm, scale)


def _wkt(crs) -> str:
    from pyproj import CRS

    return CRS.from_user_input(crs if crs is not None else "EPSG:4326").to_wkt()


def _clean(value):
    """A property value as JSON: NaN as null (read back as NaN by its float column)."""
    if isinstance(value, float) and math.isnan(value):
        return None
    return value.item() if hasattr(value, "item") else value


class Recorder:
    """A loader (``load(layer, extent, crs, simplify_mm, scale)``) over ``source`` (default
    :func:`geodata.base.load`) that keeps each distinct read and its result."""

    def __init__(self, figure: str, source=None):
        self.figure = figure
        self.source = source
        self.reads: dict[tuple, tuple] = {}

    def __call__(self, layer, extent, crs=None, simplify_mm=None, scale=None):
        key = _key(layer, extent, _wkt(crs), simplify_mm, scale)
        if key not in self.reads:
            if self.source is None:
                from . import base

                gdf = base.load(layer, extent, crs=crs, simplify_mm=simplify_mm, scale=scale)
            else:
                gdf = self.source(layer, extent, crs=crs, simplify_mm=simplify_mm, scale=scale)
            self.reads[key] = gdf
        return self.reads[key].copy()

    def dump(self) -> bytes:
        import shapely.geometry

        reads = []
        for (layer, extent, wkt, simplify_mm, scale), gdf in self.reads.items():
            columns = [[c, str(t)] for c, t in gdf.dtypes.items()]
            geometry = gdf.geometry.name
            rows = gdf[[c for c, _ in columns if c != geometry]].to_dict("records")
            features = [{"type": "Feature", "properties": {k: _clean(v) for k, v in row.items()},
                         "geometry": shapely.geometry.mapping(geom),
                         **({"precision": grid} if grid else {})}
                        for row, geom, grid in zip(rows, gdf.geometry.values,
                                                   shapely.get_precision(gdf.geometry.values).tolist())]
            reads.append({"layer": layer, "extent": list(extent), "crs": wkt, "simplify_mm": simplify_mm,
                          "scale": scale, "columns": columns, "geometry": geometry, "features": features})
        doc = {"format": FORMAT, "figure": self.figure, "about": ABOUT, "reads": reads}
        return json.dumps(doc, sort_keys=True, ensure_ascii=False, allow_nan=False,
                          separators=(",", ":")).encode() + b"\n"


def _shape(feature: dict):
    """The feature's geometry, with the precision grid it was snapped to (the seam merge of
    :func:`geodata.base.load`): GEOS overlays of a geometry follow its precision model."""
    import shapely
    import shapely.geometry

    geom = shapely.geometry.shape(feature["geometry"])
    grid = feature.get("precision")
    return shapely.set_precision(geom, float(grid), mode="pointwise") if grid else geom


class Replay:
    """A loader that answers from an extract written by :meth:`Recorder.dump`; a read the
    extract does not hold is a :class:`DrawnError` naming the file and the layer."""

    def __init__(self, path: Path | str):
        self.path = Path(path)
        try:
            doc = json.loads(self.path.read_bytes())
        except OSError as exc:
            raise DrawnError(f"{self.path}: cannot be read ({exc.strerror or exc})") from None
        except ValueError as exc:
            raise DrawnError(f"{self.path}: not valid JSON ({exc})") from None
        if not isinstance(doc, dict) or doc.get("format") != FORMAT or not isinstance(doc.get("reads"), list):
            raise DrawnError(f"{self.path}: not a {FORMAT} file of the base layers a map drew")
        try:
            self.reads = {_key(r["layer"], r["extent"], r["crs"], r["simplify_mm"], r["scale"]): r
                          for r in doc["reads"]}
        except (KeyError, TypeError, ValueError) as exc:
            raise DrawnError(f"{self.path}: a read lacks its layer, extent, crs or scale ({exc})") from None

    def __call__(self, layer, extent, crs=None, simplify_mm=None, scale=None):
        import geopandas as gpd
        import pandas as pd
        import shapely.geometry
        from pyproj import CRS

        read = self.reads.get(_key(layer, extent, _wkt(crs), simplify_mm, scale))
        if read is None:
            box = ", ".join(f"{v:g}" for v in extent)
            raise DrawnError(f"{self.path} holds no '{layer}' read for this map's frame ({box}); the map asks "
                             f"for base-layer data the archived map did not draw")
        try:
            geometry = read["geometry"]
            columns = {c: t for c, t in read["columns"] if c != geometry}
            features = read["features"]
            props = pd.DataFrame([f["properties"] for f in features], columns=list(columns)).astype(columns)
            geoms = [_shape(f) for f in features]
            target = CRS.from_user_input(crs if crs is not None else "EPSG:4326")
            props[geometry] = gpd.GeoSeries(geoms, crs=target)
            return gpd.GeoDataFrame(props[[c for c, _ in read["columns"]]], geometry=geometry, crs=target)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise DrawnError(f"{self.path}: the '{layer}' read is damaged ({exc})") from None
