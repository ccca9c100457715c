"""Measurements on rendered figure PDFs: how close each text's glyphs come to foreign ink
(:func:`glyph_ink_conflicts`), the filled paths of a page (:func:`filled_paths`), the scale
bar (:func:`scale_bar`) and the GeoPDF viewports (:func:`geo_frames`), read from the PDF alone.

The page is rasterised twice without anti-aliasing (so every fill keeps its exact colour): as it
is, and with its text objects removed. Glyph pixels are those the text changes; ink pixels are
those of the text-less rendering whose colour is not one of the style's fills (paper, water, land
and the like): lines, edges, hatching, markers. A glyph pixel with ink within ``clear_mm`` is a
conflict, unless a halo or knockout separates them (then the ink is not there to be found).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pikepdf
import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_raw

FILL_ROLES = ("paper", "water", "land", "land_context", "district", "district_alt")


def _render(page, scale: float) -> np.ndarray:
    bitmap = page.render(scale=scale, no_smoothtext=True, no_smoothpath=True, no_smoothimage=True,
                         may_draw_forms=True)
    return np.asarray(bitmap.to_numpy())[..., 2::-1].copy()  # pdfium gives BGR(A)


def _disk(r: int):
    return [(dy, dx) for dy in range(-r, r + 1) for dx in range(-r, r + 1) if dx * dx + dy * dy <= r * r]


def glyph_ink_conflicts(pdf: Path, style, clear_mm: float = 0.25, dpi: float = 400) -> list[tuple[str, float, float]]:
    """[(text, x_mm, y_mm)] for each text object with a glyph pixel within clear_mm of foreign ink."""
    scale = dpi / 72
    doc = pdfium.PdfDocument(str(pdf))
    page = doc[0]
    full = _render(page, scale)
    textpage = page.get_textpage()
    texts = []
    for obj in list(page.get_objects(filter=[pdfium_raw.FPDF_PAGEOBJ_TEXT], max_depth=1, textpage=textpage)):
        texts.append((obj.extract(), obj.get_bounds()))
        page.remove_obj(obj)
    page.gen_content()
    bare = _render(page, scale)
    h = full.shape[0]
    fills = {tuple(style.colours[r].rgb)
             for r in FILL_ROLES if r in style.colours}
    glyph = (full != bare).any(axis=2)
    ink = np.ones(glyph.shape, dtype=bool)
    packed = bare.astype(np.int32) @ np.array([65536, 256, 1])
    for rgb in fills:
        ink &= packed != (rgb[0] * 65536 + rgb[1] * 256 + rgb[2])
    r = max(1, round(clear_mm / 25.4 * dpi))
    near = np.zeros_like(ink)
    padded = np.pad(ink, r)
    for dy, dx in _disk(r):
        near |= padded[r + dy:r + dy + ink.shape[0], r + dx:r + dx + ink.shape[1]]
    bad = glyph & near
    out = []
    px_mm = 25.4 / dpi
    for text, (l, b, rr, t) in texts:
        x0, x1 = int(l * scale), int(np.ceil(rr * scale)) + 1
        y0, y1 = int(h - t * scale), int(np.ceil(h - b * scale)) + 1
        sub = bad[max(y0, 0):y1, max(x0, 0):x1]
        if sub.any():
            ys, xs = np.nonzero(sub)
            out.append((text.strip(), round((x0 + xs[0]) * px_mm, 2), round((h - y0 - ys[0]) * px_mm, 2)))
    doc.close()
    return out


def filled_paths(pdf: Path) -> list[tuple[tuple[float, ...] | None, list[float]]]:
    """(fill colour as rounded RGB, x coordinates of its vertices) of every filled path on page 1."""
    out, xs, fill = [], [], None
    with pikepdf.open(pdf) as doc:
        for operands, op in pikepdf.parse_content_stream(doc.pages[0]):
            name = str(op)
            if name == "rg":
                fill = tuple(round(float(v), 3) for v in operands)
            elif name in ("m", "l"):
                xs.append(float(operands[0]))
            elif name == "c":
                xs.extend(float(operands[i]) for i in (0, 2, 4))
            elif name == "re":
                xs.extend([float(operands[0]), float(operands[0]) + float(operands[2])])
            elif name in ("f", "f*", "B", "B*"):
                if xs:
                    out.append((fill, xs))
                xs = []
            elif name in ("S", "n"):
                xs = []
    return out


def scale_bar(pdf: Path) -> tuple[float, float, float, float]:
    """(x0, y0, x1, y1) in points of the scale bar on page 1: the run of abutting rectangles,
    filled and outlined, 1.1 mm tall, that the bar is drawn as."""
    rects, pts = [], []
    with pikepdf.open(pdf) as doc:
        for operands, op in pikepdf.parse_content_stream(doc.pages[0]):
            name = str(op)
            if name in ("m", "l"):
                pts.append((float(operands[0]), float(operands[1])))
            elif name in ("B", "B*"):
                xs, ys = {round(p[0], 4) for p in pts}, {round(p[1], 4) for p in pts}
                if len(xs) == 2 and len(ys) == 2 and abs(max(ys) - min(ys) - 1.1 * 72 / 25.4) < 0.05:
                    rects.append((min(xs), min(ys), max(xs), max(ys)))
                pts = []
            elif name in ("f", "f*", "S", "n", "s"):
                pts = []
    for r in rects:
        run = [r]
        while nxt := next((o for o in rects if abs(o[0] - run[-1][2]) < 0.01 and abs(o[1] - r[1]) < 0.01), None):
            run.append(nxt)
        if len(run) > 1:
            return run[0][0], r[1], run[-1][2], r[3]
    raise AssertionError(f"no scale bar in {pdf}")


class GeoFrame:
    """A page's geospatial viewport (GeoPDF, ISO 32000-2 12.10), read as a GIS reads it: the
    GPTS (lat, lon) projected with the GCS's WKT and fitted, by least squares, to the LPTS in
    the unit square of the viewport's BBox."""

    def __init__(self, viewport):
        from pyproj import CRS, Transformer

        self.name = str(viewport.get("/Name", ""))
        self.bbox = tuple(float(v) for v in viewport.BBox)
        measure = viewport.Measure
        assert str(measure.Subtype) == "/GEO", measure.Subtype
        self.crs = CRS.from_wkt(str(measure.GCS.WKT))
        lat, lon = (np.array([float(v) for v in measure.GPTS][i::2]) for i in (0, 1))
        u, v = (np.array([float(v) for v in measure.LPTS][i::2]) for i in (0, 1))
        self._fwd = Transformer.from_crs("EPSG:4326", self.crs, always_xy=True)
        self._inv = Transformer.from_crs(self.crs, "EPSG:4326", always_xy=True)
        X, Y = self._fwd.transform(lon, lat)
        x0, y0, x1, y1 = self.bbox
        page = np.column_stack([x0 + u * (x1 - x0), y0 + v * (y1 - y0), np.ones(len(u))])
        self.affine, *_ = np.linalg.lstsq(page, np.column_stack([X, Y]), rcond=None)  # [px py 1] @ A = [X Y]
        self.residual = float(np.abs(page @ self.affine - np.column_stack([X, Y])).max())

    def page_of(self, lon, lat):
        """(x, y) page points of lon/lat."""
        X, Y = self._fwd.transform(lon, lat)
        xy = (np.column_stack([np.atleast_1d(X), np.atleast_1d(Y)]) - self.affine[2]) @ np.linalg.inv(self.affine[:2])
        return xy[:, 0], xy[:, 1]

    def lonlat_of(self, x, y):
        """(lon, lat) of page points."""
        XY = np.column_stack([np.atleast_1d(x), np.atleast_1d(y), np.ones(np.size(x))]) @ self.affine
        return self._inv.transform(XY[:, 0], XY[:, 1])


def geo_frames(pdf: Path) -> dict[int, list[GeoFrame]]:
    """The geospatial viewports of every page, by page index."""
    with pikepdf.open(pdf) as doc:
        return {i: [GeoFrame(v) for v in page.obj.get("/VP", [])] for i, page in enumerate(doc.pages)}
