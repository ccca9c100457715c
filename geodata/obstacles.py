"""Everything drawn on a map, as obstacles for its labels (PAL's obstacle features).

- **Lines** (coasts and other polygon edges, borders, routes, claim lines, boundaries, the
  graticule, callout leaders), in display units, cut into short pieces in a spatial index, each
  with a cost per point of length a knockout would clear, whether it is hard (never covered:
  routes, claim lines, the outline of a feature the map names) and whether it divides (a
  boundary: what lies across it is another side).
- **Hatching**: hard, always (a knockout would erase it).
- **Fills** (land, districts): what is land, for water names, leaders and the association rules.
"""

from __future__ import annotations

import numpy as np
import shapely

PIECE_VERTICES = 24  # lines are cut into pieces this long for the spatial index
SAMPLE_PX = 5.0  # polygons are sampled on cells this large (display units) to measure overlap


class Ink:
    """Drawn lines, hatched areas and fills in display units, indexed for scoring label candidates."""

    def __init__(self, affine, px_per_pt: float, frame: tuple[float, float, float, float]):
        self.frame = frame  # display units
        self.affine = affine  # shapely affine_transform parameters: data -> display
        self.pt = px_per_pt
        self._lines: list = []
        self._line_meta: list = []  # (weight per pt, hard, half width px, what, divides)
        self._areas: list = []
        self._fills: list = []
        self.frozen = False

    def affine_point(self, x: float, y: float) -> tuple[float, float]:
        a, b, d, e, xoff, yoff = self.affine
        return a * x + b * y + xoff, d * x + e * y + yoff

    def add_lines(self, geoms, what: str, width_pt: float, weight: float, hard: bool, display=False,
                  divides: bool = False) -> None:
        """Lines (or polygon outlines) drawn ``width_pt`` wide; ``weight``: cost per point of length."""
        parts = shapely.get_parts(np.asarray(list(geoms), dtype=object))
        polys = shapely.get_type_id(parts) == 3
        lines = shapely.get_parts(np.concatenate([shapely.boundary(parts[polys]), parts[~polys]]))
        for line in lines:
            coords = shapely.get_coordinates(line)
            if len(coords) < 2:
                continue
            if not display:
                coords = _apply(coords, self.affine)
            for start in range(0, len(coords) - 1, PIECE_VERTICES - 1):
                piece = coords[start:start + PIECE_VERTICES]
                if len(piece) >= 2:
                    self._lines.append(shapely.linestrings(piece))
                    self._line_meta.append((weight, hard, width_pt / 2 * self.pt, what, divides))

    def add_areas(self, geoms) -> None:
        """Hatched areas: never covered by a label."""
        for g in shapely.get_parts(np.asarray(list(geoms), dtype=object)):
            if shapely.get_type_id(g) in (3, 6):
                self._areas.append(shapely.affinity.affine_transform(g, self.affine))

    def add_fills(self, geoms) -> None:
        for g in shapely.get_parts(np.asarray(list(geoms), dtype=object)):
            if shapely.get_type_id(g) in (3, 6) and not g.is_empty:
                self._fills.append(shapely.affinity.affine_transform(g, self.affine))

    def freeze(self) -> None:
        self.lines = np.array(self._lines, dtype=object)
        self.line_w = np.array([m[0] for m in self._line_meta], dtype=float)
        self.line_hard = np.array([m[1] for m in self._line_meta], dtype=bool)
        self.line_hw = np.array([m[2] for m in self._line_meta], dtype=float)
        self.line_what = [m[3] for m in self._line_meta]
        self.line_divides = np.array([m[4] for m in self._line_meta], dtype=bool)
        self.line_tree = shapely.STRtree(self.lines)
        self.areas = np.array(self._areas, dtype=object)
        self.area_tree = shapely.STRtree(self.areas)
        self.fills = np.array(self._fills, dtype=object)
        self.fill_tree = shapely.STRtree(self.fills)
        self.land = Area(self.fills, self.frame, SAMPLE_PX)
        shapely.prepare(self.lines)
        shapely.prepare(self.fills)
        self.frozen = True

    def score(self, shapes: np.ndarray, clear_px: float, line_cost: float, touched_cost: float):
        """For each candidate shape (shapely polygons): (soft cost, index of a hard line or
        hatched area within reach or -1, whether it covers soft ink a knockout must clear)."""
        n = len(shapes)
        cost = np.zeros(n)
        blocked = np.full(n, -1)
        touched = np.zeros(n, dtype=bool)
        if len(self.lines):
            reach = clear_px + (self.line_hw.max() if len(self.line_hw) else 0)
            grown = shapely.buffer(shapes, reach, join_style="mitre")
            bi, li = self.line_tree.query(grown, predicate="intersects")
            if len(bi):
                d = shapely.distance(shapes[bi], self.lines[li])
                near = d < clear_px + self.line_hw[li]
                hard = near & self.line_hard[li]
                blocked[bi[hard]] = li[hard]
                soft = near & ~self.line_hard[li] & (blocked[bi] < 0)  # no need to cost what is ruled out
                if soft.any():
                    inside = shapely.intersection(grown[bi[soft]], self.lines[li[soft]])
                    np.add.at(cost, bi[soft], shapely.length(inside) / self.pt * self.line_w[li[soft]] * line_cost
                              + touched_cost)
                    touched[bi[soft]] = True
        if len(self.areas):
            bi, ai = self.area_tree.query(shapely.buffer(shapes, clear_px, join_style="mitre"), predicate="intersects")
            blocked[bi[blocked[bi] < 0]] = len(self.lines) + ai[blocked[bi] < 0]
        return cost, blocked, touched

    def crosses_dividing(self, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
        """For each segment (start -> end, display units), whether it crosses a line that
        divides (a boundary, a claim line: what lies across it is another side)."""
        out = np.zeros(len(starts), dtype=bool)
        if not len(self.lines) or not self.line_divides.any() or not len(starts):
            return out
        segs = shapely.linestrings(np.stack([starts, ends], axis=1))
        si, li = self.line_tree.query(segs, predicate="intersects")
        out[si[self.line_divides[li]]] = True
        return out

    def fills_at(self, geom) -> np.ndarray:
        """Indices of the fill polygons (land) that ``geom`` touches."""
        if not len(self.fills):
            return np.zeros(0, dtype=int)
        return self.fill_tree.query(geom, predicate="intersects")

    def land_within(self, window):
        """The land (union of fills) inside ``window``, display units."""
        hits = self.fills_at(window)
        if not len(hits):
            return shapely.Polygon()
        return shapely.intersection(shapely.union_all(self.fills[hits]), window)


class Area:
    """Polygons sampled on a grid of cells, so that the share of a box (a summed-area table)
    or of a set of sample points they cover is read at once, even for a country's outline."""

    def __init__(self, polygons, frame: tuple[float, float, float, float], cell: float):
        parts = shapely.get_parts(np.asarray(polygons, dtype=object).ravel())
        x0, y0, x1, y1 = frame
        self.origin, self.cell = (x0, y0), cell
        nx, ny = max(1, int(np.ceil((x1 - x0) / cell))), max(1, int(np.ceil((y1 - y0) / cell)))
        mask = np.zeros((ny, nx))
        cx, cy = x0 + (np.arange(nx) + 0.5) * cell, y0 + (np.arange(ny) + 0.5) * cell
        for part in parts:
            if shapely.get_type_id(part) != 3 or part.is_empty:
                continue
            bx0, by0, bx1, by1 = part.bounds
            i0, i1 = np.searchsorted(cx, bx0), np.searchsorted(cx, bx1)
            j0, j1 = np.searchsorted(cy, by0), np.searchsorted(cy, by1)
            if i1 <= i0 or j1 <= j0:
                continue
            shapely.prepare(part)
            xx, yy = np.meshgrid(cx[i0:i1], cy[j0:j1])
            mask[j0:j1, i0:i1] += shapely.contains_xy(part, xx, yy)
        self.mask = np.minimum(mask, 1).astype(bool)
        self.sat = np.zeros((ny + 1, nx + 1))
        self.sat[1:, 1:] = self.mask.cumsum(0).cumsum(1)

    def share(self, x0, y0, x1, y1) -> np.ndarray:
        """Share of each box (arrays of corners) the polygons cover."""
        ny, nx = self.sat.shape[0] - 1, self.sat.shape[1] - 1
        i0 = np.clip(np.floor((x0 - self.origin[0]) / self.cell).astype(int), 0, nx)
        i1 = np.clip(np.ceil((x1 - self.origin[0]) / self.cell).astype(int), 0, nx)
        j0 = np.clip(np.floor((y0 - self.origin[1]) / self.cell).astype(int), 0, ny)
        j1 = np.clip(np.ceil((y1 - self.origin[1]) / self.cell).astype(int), 0, ny)
        s = self.sat
        total = s[j1, i1] - s[j0, i1] - s[j1, i0] + s[j0, i0]
        return total / np.maximum((i1 - i0) * (j1 - j0), 1)

    def covers(self, xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
        """Whether each point lies in a covered cell (points off the grid are not covered)."""
        ny, nx = self.mask.shape
        i = np.floor((xs - self.origin[0]) / self.cell).astype(int)
        j = np.floor((ys - self.origin[1]) / self.cell).astype(int)
        ok = (i >= 0) & (i < nx) & (j >= 0) & (j < ny)
        out = np.zeros(xs.shape, dtype=bool)
        out[ok] = self.mask[j[ok], i[ok]]
        return out


def _apply(coords: np.ndarray, m) -> np.ndarray:
    a, b, d, e, xoff, yoff = m
    return np.column_stack([a * coords[:, 0] + b * coords[:, 1] + xoff, d * coords[:, 0] + e * coords[:, 1] + yoff])
