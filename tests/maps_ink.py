"""Measurements on rendered figure PDFs: how close each text's glyphs come to foreign ink
(:func:`glyph_ink_conflicts`), the filled paths of a page (:func:`filled_paths`), the scale
bar (:func:`scale_bar`) and the GeoPDF viewports (:func:`geo_frames`), read from the PDF alone,
and where each label stands against a place projected with the map's own projection: its glyphs
(:func:`text_runs`, :func:`label_glyphs`), its leader (:func:`leader_ends`) and its distance to
the place (:func:`label_association`).

The page is rasterised twice without anti-aliasing (so every fill keeps its exact colour): as it
is, and with its text objects removed. Glyph pixels are those the text changes; ink pixels are
those of the text-less rendering whose colour is not one of the style's fills (paper, water, land
and the like): lines, edges, hatching, markers. A glyph pixel with ink within ``clear_mm`` is a
conflict, unless a halo or knockout separates them (then the ink is not there to be found).
"""

from __future__ import annotations

import ctypes
import math
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


def colours_under(pdf: Path, points_mm, dpi: float = 300) -> list[tuple[int, int, int]]:
    """The colour painted at each point (mm from the lower left) of page 1 with its text removed:
    the commonest in the 5 × 5 pixels around it (a hairline crossing it does not count)."""
    scale = dpi / 72
    doc = pdfium.PdfDocument(str(pdf))
    try:
        page = doc[0]
        for obj in list(page.get_objects(filter=[pdfium_raw.FPDF_PAGEOBJ_TEXT], max_depth=1)):
            page.remove_obj(obj)
        page.gen_content()
        bare = _render(page, scale)
    finally:
        doc.close()
    out = []
    for x, y in points_mm:
        col, row = round(x / MM_PER_PT * scale), round(bare.shape[0] - y / MM_PER_PT * scale)
        patch = bare[row - 2:row + 3, col - 2:col + 3].reshape(-1, 3)
        values, counts = np.unique(patch, axis=0, return_counts=True)
        out.append(tuple(int(v) for v in values[counts.argmax()]))
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


def text_runs(pdf: Path) -> list[tuple[str, list[tuple[float, float, float, float]]]]:
    """(text, the boxes of its glyphs in points from the lower left) of every text object on
    page 1, as pdfium lays the glyphs out: a rotated label gives boxes along its slanted baseline."""
    doc = pdfium.PdfDocument(str(pdf))
    try:
        textpage = doc[0].get_textpage()
        runs: dict[int, tuple[list[str], list]] = {}
        for i in range(textpage.count_chars()):
            obj = pdfium_raw.FPDFText_GetTextObject(textpage, i)
            char = textpage.get_text_range(i, 1)
            key = int(ctypes.cast(obj, ctypes.c_void_p).value or 0)
            chars, boxes = runs.setdefault(key, ([], []))
            chars.append(char)
            if char.strip():
                boxes.append(tuple(textpage.get_charbox(i)))
        return [("".join(chars).strip(), boxes) for chars, boxes in runs.values() if boxes]
    finally:
        doc.close()


FILLS = ("f", "f*", "B", "B*", "b", "b*")
PAINTS = FILLS + ("S", "s", "n")


def painted_paths(pdf: Path):
    """Each path painted on page 1 (matplotlib writes paths in page points, without a
    transformation): (paint operator, its subpaths as lists of points, how many of its segments are
    curves and how many straight, line width, whether it is filled with a pattern)."""
    state, stack = {"w": 1.0, "pattern": False}, []
    subpaths, curves, lines = [], 0, 0
    with pikepdf.open(pdf) as doc:
        for operands, op in pikepdf.parse_content_stream(doc.pages[0]):
            name = str(op)
            if name == "q":
                stack.append(dict(state))
            elif name == "Q" and stack:
                state = stack.pop()
            elif name == "w":
                state["w"] = float(operands[0])
            elif name == "cs":
                state["pattern"] = str(operands[0]) == "/Pattern"
            elif name in ("rg", "g", "k"):
                state["pattern"] = False
            elif name == "m":
                subpaths.append([(float(operands[0]), float(operands[1]))])
            elif name == "l" and subpaths:
                subpaths[-1].append((float(operands[0]), float(operands[1])))
                lines += 1
            elif name == "c" and subpaths:
                subpaths[-1].append((float(operands[4]), float(operands[5])))
                curves += 1
            elif name == "re":
                x, y, w, h = (float(v) for v in operands)
                subpaths.append([(x, y), (x + w, y), (x + w, y + h), (x, y + h)])
                lines += 4
            elif name in PAINTS:
                yield name, subpaths, curves, lines, state["w"], state["pattern"]
                subpaths, curves, lines = [], 0, 0


def stroked_segments(pdf: Path, width: float) -> list[tuple[tuple[float, float], tuple[float, float]]]:
    """Every straight stroked path of one segment drawn ``width`` points wide on page 1 (label
    leaders)."""
    return [tuple(sub[0]) for name, sub, curves, _, w, _ in painted_paths(pdf)
            if name in ("S", "s") and len(sub) == 1 and len(sub[0]) == 2 and not curves and abs(w - width) < 1e-3]


def page_mm(report: dict, lon: float, lat: float) -> tuple[float, float]:
    """Where a place lies on a rendered map, in mm from its lower left corner: projected with the
    map's own projection (``report["crs"]``) into its frame (``report["view"]``, ``report["frame"]``)."""
    from pyproj import CRS, Transformer

    x, y = Transformer.from_crs("EPSG:4326", CRS.from_wkt(report["crs"]), always_xy=True).transform(lon, lat)
    vx0, vy0, vx1, vy1 = report["view"]
    fx0, fy0, fx1, fy1 = report["frame"]
    return fx0 + (x - vx0) / (vx1 - vx0) * (fx1 - fx0), fy0 + (y - vy0) / (vy1 - vy0) * (fy1 - fy0)


MM_PER_PT = 25.4 / 72


def label_glyphs(pdf: Path, text: str) -> list[list[tuple[float, float, float, float]]]:
    """The glyph boxes (mm from the lower left) of each text run that sets ``text``: its words,
    alone or followed by a bracketed second name ("Kurilsk" matches "Kurilsk (Shana)")."""
    words = text.casefold().split()
    out = []
    for run, boxes in text_runs(pdf):
        got = run.casefold().split()
        if got[:len(words)] == words and (len(got) == len(words) or got[len(words)].startswith("(")):
            out.append([(l * MM_PER_PT, b * MM_PER_PT, r * MM_PER_PT, t * MM_PER_PT) for l, b, r, t in boxes])
    return out


def leader_ends(pdf: Path, glyphs, width_pt: float = 0.3) -> list[tuple[float, float]]:
    """The far ends (mm) of the leaders (straight strokes ``width_pt`` wide) that start within
    1.5 mm of a label's glyphs."""
    ends = []
    for a, b in stroked_segments(pdf, width_pt):
        for near, far in ((a, b), (b, a)):
            if min(_box_distance(g, (near[0] * MM_PER_PT, near[1] * MM_PER_PT)) for g in glyphs) <= 1.5:
                ends.append((far[0] * MM_PER_PT, far[1] * MM_PER_PT))
    return ends


def label_association(pdf: Path, report: dict, text: str, lon: float, lat: float,
                      symbol_mm: float = 0.0) -> tuple[float, float | None]:
    """How far the label ``text`` stands from a place, read from the PDF: (mm from its nearest
    glyph to the edge of the place's symbol, a dot ``symbol_mm`` across; mm from the place to the
    far end of its nearest leader, or None without one). The place is projected with the map's
    own projection. Of several runs that set the text, the nearest counts."""
    runs = label_glyphs(pdf, text)
    assert runs, (text, [t for t, _ in text_runs(pdf)])
    px, py = page_mm(report, lon, lat)
    best = None
    for glyphs in runs:
        gap = max(min(_box_distance(g, (px, py)) for g in glyphs) - symbol_mm / 2, 0.0)
        ends = [math.dist(e, (px, py)) for e in leader_ends(pdf, glyphs)]
        found = (gap, min(ends) if ends else None)
        if best is None or found[0] < best[0]:
            best = found
    return best


def judge_labels(pdf: Path, report: dict, features: list[dict], symbols_mm: dict[str, float]) \
        -> tuple[list[str], list[str]]:
    """Every feature of a references file (``geopdf_labels.py``'s format: coordinates from outside
    sources) whose label the map sets, judged from the PDF with the map's own projection: a
    point's name within ``tol_mm`` (3 mm) of it, type edge to the edge of its symbol (by its
    ``kind``: ``symbols_mm`` gives the size of a town's dot, a reef's symbol), or joined to it by a leader that ends at it; a point's name without
    a leader nearer its own point than any other of its ``kind`` on the map; an area's name with
    its centre in the area (its outline grown by 1.5 mm) or a leader into it. Returns (the texts
    judged, one line per problem)."""
    import shapely

    def outline(f):
        ring = [list(v) for v in f["polygon"] + f["polygon"][:1]]
        for a, b in zip(ring, ring[1:]):  # across 180°: each edge the short way round
            b[1] = a[1] + (b[1] - a[1] + 180) % 360 - 180
        pts = [(a[1] + (b[1] - a[1]) * t / 8, a[0] + (b[0] - a[0]) * t / 8) for a, b in zip(ring, ring[1:])
               for t in range(8)]
        return shapely.Polygon([page_mm(report, lon, lat) for lon, lat in pts]).buffer(1.5)

    frame = shapely.box(*report["frame"])
    judged, problems = [], []
    points = {f["text"]: (page_mm(report, f["point"][1], f["point"][0]), f.get("kind")) for f in features
              if "point" in f}
    for f in features:
        runs = [g for g in label_glyphs(pdf, f["text"]) + [r for a in f.get("aka", []) for r in label_glyphs(pdf, a)]
                if frame.contains(shapely.Point(_centre(g)))]
        if not runs:
            continue
        judged.append(f["text"])
        verdicts = []
        for glyphs in runs:
            ends = leader_ends(pdf, glyphs)
            if "polygon" in f:
                area = outline(f)
                ok = area.contains(shapely.Point(_centre(glyphs))) or any(area.contains(shapely.Point(e)) for e in ends)
                verdicts.append(None if ok else f"{f['text']}: centre outside its area")
                continue
            place, kind = points[f["text"]]
            symbol = symbols_mm.get(kind, 0.0)
            gap = max(glyph_distance(glyphs, place) - symbol / 2, 0.0)
            led = [e for e in ends if math.dist(e, place) <= 1.0 + symbol / 2]
            if gap > f.get("tol_mm", 3.0) + 0.05 and not led:  # (pdfium's glyph boxes: to 0.05 mm)
                verdicts.append(f"{f['text']}: {gap:.1f} mm from it, no leader")
                continue
            nearer = [other for other, (where, k) in points.items() if other != f["text"] and k == kind
                      and frame.contains(shapely.Point(where)) and not led
                      and glyph_distance(glyphs, where) - symbol / 2 <= gap]
            verdicts.append(f"{f['text']}: nearer {nearer[0]}" if nearer else None)
        if None not in verdicts:  # of several labels of one name on a map, the best counts
            problems.append(verdicts[0])
    return judged, problems


def _centre(glyphs) -> tuple[float, float]:
    return ((min(g[0] for g in glyphs) + max(g[2] for g in glyphs)) / 2,
            (min(g[1] for g in glyphs) + max(g[3] for g in glyphs)) / 2)


def glyph_distance(glyphs, point) -> float:
    """mm from a label's nearest glyph to a point (mm)."""
    return min(_box_distance(g, point) for g in glyphs)


def _box_distance(box, p) -> float:
    l, b, r, t = box
    return math.hypot(max(l - p[0], 0, p[0] - r), max(b - p[1], 0, p[1] - t))


def hatched_areas(pdf: Path):
    """The union of the paths filled with a pattern (hatching) on page 1, in points."""
    import shapely

    hatched = [shapely.Polygon(ring).buffer(0) for name, sub, _, _, _, pattern in painted_paths(pdf)
               if pattern and name in FILLS for ring in sub if len(ring) > 2]
    return shapely.union_all(hatched) if hatched else shapely.Polygon()


def dots(pdf: Path) -> list[tuple[float, float]]:
    """Where the round markers (town dots) of page 1 stand, in mm: filled paths made of Bézier
    curves alone (matplotlib draws a circle marker as eight of them)."""
    out = []
    for name, sub, curves, lines, _, _ in painted_paths(pdf):
        if name in FILLS and curves >= 4 and not lines:
            xs, ys = [x for ring in sub for x, _ in ring], [y for ring in sub for _, y in ring]
            out.append(((min(xs) + max(xs)) / 2 * MM_PER_PT, (min(ys) + max(ys)) / 2 * MM_PER_PT))
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
