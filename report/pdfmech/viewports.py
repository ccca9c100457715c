"""Geospatial viewports: the georeferencing of a map frame on a PDF page (GeoPDF).

A viewport (ISO 32000-1 12.9, PDF 1.6) is a rectangle of a page, listed in the page's ``/VP``
array, whose ``/Measure`` says how to measure in it. A geospatial measure dictionary
(``/Subtype /GEO``: ISO 32000-2 12.10.2, Table 269; first as Adobe's Supplement to ISO 32000,
ExtensionLevel 3, Table 8.111a) relates it to the earth:

- ``/GCS``: the coordinate system the map is drawn in, a projected (``/Type /PROJCS``) or
  geographic (``/GEOGCS``) coordinate system dictionary with its ``/WKT`` (OGC WKT) and, where
  there is one, its ``/EPSG`` code (Tables 270, 271);
- ``/LPTS``: points in the unit square of the viewport's ``/BBox`` (x, y pairs), and ``/GPTS``:
  the same points on the earth as latitude, longitude pairs. A reader projects the GPTS with
  the GCS and fits the map from the unit square to projected coordinates; for a frame drawn in
  that projection the fit is exact, and the four corners are all it needs (GDAL takes four);
- ``/Bounds``: the neatline in the same unit square (here the whole frame);
- ``/PDU``: the units a reader shows distances, areas and angles in (km, km², degrees).

This module knows PDF only: :func:`geo_viewport` builds the dictionary from those values,
:func:`carry` moves the viewports of a page stamped as a form onto the page it is stamped
into (through the stamp's scale and offset), :func:`version` is the version a file with them
is saved as (PDF 1.7, Adobe ExtensionLevel 3, stated in the catalog's ``/Extensions /ADBE``)
and :func:`drop` takes every viewport out (for a file that must stay PDF 1.4).
"""

from __future__ import annotations

from decimal import Decimal

import pikepdf
from pikepdf import Array, Dictionary, Name, String

UNIT_SQUARE = (0, 0, 0, 1, 1, 1, 1, 0)  # lower left, upper left, upper right, lower right


def _num(v: float, places: int) -> Decimal:
    """``v`` to ``places`` decimals, written out in full (pikepdf writes a Decimal in exponent
    form, below 1e-6, as 0; a float with six decimals)."""
    if abs(v) < 1e-6:
        return Decimal(0)
    return Decimal(f"{v:.{places}f}".rstrip("0").rstrip("."))


def geo_viewport(pdf: pikepdf.Pdf, bbox, name: str, wkt: str, latlon_corners, geographic: bool = False,
                 epsg: int | None = None) -> Dictionary:
    """A viewport over ``bbox`` (x0, y0, x1, y1 in the page's default user space) whose
    corners, in :data:`UNIT_SQUARE` order, lie at ``latlon_corners`` [(lat, lon)] in the
    coordinate system ``wkt`` (projected unless ``geographic``)."""
    gcs = Dictionary(Type=Name.GEOGCS if geographic else Name.PROJCS, WKT=String(wkt))
    if epsg:
        gcs.EPSG = int(epsg)
    measure = Dictionary(
        Type=Name.Measure, Subtype=Name.GEO, GCS=pdf.make_indirect(gcs),
        Bounds=Array([int(v) for v in UNIT_SQUARE]), LPTS=Array([int(v) for v in UNIT_SQUARE]),
        GPTS=Array([_num(v, 9) for corner in latlon_corners for v in corner]),
        PDU=Array([Name.KM, Name.SQKM, Name.DEG]))
    return Dictionary(Type=Name.Viewport, BBox=Array([_num(v, 3) for v in bbox]), Name=String(name),
                      Measure=pdf.make_indirect(measure))


def viewports(page) -> list[Dictionary]:
    """The viewport dictionaries of a page (``/VP``)."""
    vp = page.obj.get("/VP") if hasattr(page, "obj") else page.get("/VP")
    return [v for v in (vp if isinstance(vp, Array) else []) if isinstance(v, Dictionary)]


def add(page, viewport: Dictionary) -> None:
    """Append a viewport to the page's ``/VP`` array (in drawing order)."""
    obj = page.obj if hasattr(page, "obj") else page
    vp = obj.get("/VP")
    if not isinstance(vp, Array):
        obj.VP = vp = Array()
    vp.append(viewport)


def carry(host: pikepdf.Pdf, page, source_page, stamp: tuple[float, float, float, float]) -> None:
    """The viewports of ``source_page`` (of another document) onto ``page`` of ``host``, where
    the source page is drawn with ``stamp`` = (sx, sy, x, y): scaled by sx, sy, then moved
    to x, y. Their measure dictionaries are copied once per host document."""
    sx, sy, x, y = stamp
    for v in viewports(source_page):
        x0, y0, x1, y1 = (float(b) for b in v.BBox)
        moved = Dictionary({k: val for k, val in v.items() if k not in ("/BBox", "/Measure")})
        moved.BBox = Array([_num(x + sx * x0, 3), _num(y + sy * y0, 3), _num(x + sx * x1, 3), _num(y + sy * y1, 3)])
        moved.Measure = host.copy_foreign(v.Measure)
        add(page, moved)


EXTENSION = ("1.7", 3)  # Adobe's ExtensionLevel 3 of PDF 1.7, which defines the geospatial measure


def version(pdf: pikepdf.Pdf, base: str | None = None):
    """The version to save ``pdf`` as: ``base``, or :data:`EXTENSION` where a page has a viewport
    with a geospatial measure (saved so, QPDF states it in the catalog: ``/Extensions /ADBE``
    with BaseVersion 1.7 and ExtensionLevel 3)."""
    if any(str(v.get("/Measure", {}).get("/Subtype")) == "/GEO" for p in pdf.pages for v in viewports(p)):
        return EXTENSION
    return base


def drop(pdf: pikepdf.Pdf) -> int:
    """Take every viewport out of the pages; how many there were."""
    n = 0
    for page in pdf.pages:
        if "/VP" in page.obj:
            n += len(viewports(page))
            del page.obj["/VP"]
    return n
