"""Draw a map from a :class:`geodata.spec.MapSpec` with geopandas + matplotlib, as a one-page
vector PDF of exactly the requested size on paper (type sizes are true sizes in print).

Order of work: projection and view → layers (clipped, projected, simplified to print
resolution) → graticule → markers, callouts, text boxes, legend, inset, scale bar →
labels placed around all of those → save. Every colour comes from the look's palette.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely
import shapely.ops
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle
from pyproj import CRS, Transformer
from shapely.geometry import LineString, box as shapely_box

from . import costs, symbols
from .drawn import Recorder, Replay
from .frame import FRAME_INSET_MM, MIN_HEIGHT_MM, auto_projection, densified_outline, pole_inside, unwrap
from .georef import frame_georef
from .graticule import deg_label, draw_graticule
from .labels import PRIORITY, Box, LabelRequest, TypeClass, knockout
from .look import FigureError, Look, ProjectionError, Report, check_glyphs, save_pdf, setup_matplotlib
from .obstacles import Ink
from .placer import place_labels
from .scalebar import draw_scalebar, subject_of
from .spec import WATER, CalloutSpec, LabelSpec, MapSpec, Point, area_text, place_name, wrap_lon

MEASURE_DPI = 288


# --- projection and view ---------------------------------------------------------------

def view_for(bbox, crs, aspect: float):
    """Projected (x0, y0, x1, y1) covering bbox, widened to the frame's aspect (width/height)."""
    fwd = Transformer.from_crs("EPSG:4326", crs, always_xy=True)
    xs, ys = fwd.transform(*densified_outline(bbox))
    _drawable(xs, ys)
    x0, y0, x1, y1 = pole_inside(bbox, fwd, (min(xs), min(ys), max(xs), max(ys)))
    w, h = x1 - x0, y1 - y0
    if w / h < aspect:
        grow = (h * aspect - w) / 2
        x0, x1 = x0 - grow, x1 + grow
    else:
        grow = (w / aspect - h) / 2
        y0, y1 = y0 - grow, y1 + grow
    return x0, y0, x1, y1


BBOX_SLACK = 0.05  # a bbox as written may grow by this share of its span to fill the frame, silently


def bbox_warning(spec: MapSpec, crs, view, frame_h_mm: float) -> str | None:
    """A bbox the frame cannot show as written, because its shape is not the frame's (the figure's
    height follows a bbox, :func:`geodata.frame.bbox_height`, unless the column cannot hold that
    height): the frame grew it by more than BBOX_SLACK in width or height. Says what the map spans
    instead (through the frame's centre) and the figure height that would show the bbox as written."""
    if not spec.bbox_given:
        return None
    fwd = Transformer.from_crs("EPSG:4326", crs, always_xy=True)
    xs, ys = fwd.transform(*densified_outline(spec.bbox))
    bx0, by0, bx1, by1 = pole_inside(spec.bbox, fwd, (min(xs), min(ys), max(xs), max(ys)))  # a pole shown inside
    bw, bh = bx1 - bx0, by1 - by0
    wider, taller = (view[2] - view[0]) / bw, (view[3] - view[1]) / bh
    grow = max(wider, taller) - 1
    if grow <= BBOX_SLACK:
        return None
    frame_w_mm = frame_h_mm * (view[2] - view[0]) / (view[3] - view[1])
    height = spec.height_mm - frame_h_mm + frame_w_mm * bh / bw
    x0, y0, x1, y1 = view
    xc, yc = (x0 + x1) / 2, (y0 + y1) / 2
    lon, lat = Transformer.from_crs(crs, "EPSG:4326", always_xy=True).transform([x0, x1, xc, xc], [yc, yc, y0, y1])
    w, e, s, n = (round(float(v), 1) for v in (lon[0], lon[1], lat[2], lat[3]))
    written = ", ".join(f"{v:g}" for v in spec.bbox)
    room = f"less than the {MIN_HEIGHT_MM:g} mm a map may be" if height < MIN_HEIGHT_MM else "more than its column holds"
    return (f"bbox [{written}] is not the shape of the frame: through its centre the map spans "
            f"{deg_label(w, 'lon')}–{deg_label(e, 'lon')} and {deg_label(s, 'lat')}–{deg_label(n, 'lat')}, "
            f"{grow * 100:.0f} % {'wider' if wider > taller else 'taller'} than the bbox; it would show as written "
            f"in a figure {height:.0f} mm tall, {room}")


def _drawable(a, b) -> None:
    """Coordinates a projection gives for points it cannot draw are infinite: the far side of an
    orthographic globe, the space beyond its rim. A map must lie wholly on the drawable side."""
    if not (np.isfinite(a).all() and np.isfinite(b).all()):
        raise ProjectionError("the projection cannot show this map's area: part or all of it lies beyond what it "
                              "can draw (the far side of the globe, say); centre it on the map or leave "
                              "'projection' out for the default")


def lonlat_extent(view, crs):
    """The lon/lat box that covers a projected view (west > east when it crosses 180°)."""
    inv = Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
    x0, y0, x1, y1 = view
    n = 48
    xs = np.concatenate([np.linspace(x0, x1, n), np.full(n, x1), np.linspace(x1, x0, n), np.full(n, x0)])
    ys = np.concatenate([np.full(n, y0), np.linspace(y0, y1, n), np.full(n, y1), np.linspace(y1, y0, n)])
    lon, lat = inv.transform(xs, ys)
    lon, lat = np.asarray(lon), np.asarray(lat)
    _drawable(lon, lat)  # the frame, widened to its aspect, may reach beyond a globe's rim
    south, north = float(lat.min()), float(lat.max())
    # does the view contain the pole?
    fwd = Transformer.from_crs("EPSG:4326", crs, always_xy=True)
    px, py = fwd.transform(0, 90)
    if x0 <= px <= x1 and y0 <= py <= y1:
        return (-180.0, south, 180.0, 90.0)
    # longitudes of the whole view (a grid, not only the outline: near a pole the interior reaches
    # longitudes the outline does not); the span is the circle less its widest empty gap
    gx, gy = np.meshgrid(np.linspace(x0, x1, 40), np.linspace(y0, y1, 40))
    glon, glat = inv.transform(gx.ravel(), gy.ravel())
    lons = np.sort(np.concatenate([lon, np.asarray(glon)])[np.isfinite(np.concatenate([lon, np.asarray(glon)]))] % 360)
    south = min(south, float(np.nanmin(glat)))
    north = max(north, float(np.nanmax(glat)))
    gaps = np.diff(np.concatenate([lons, lons[:1] + 360]))
    i = int(np.argmax(gaps))
    if gaps[i] < 10:  # no real gap: all longitudes
        return (-180.0, south, 180.0, north)
    w, e = float(lons[(i + 1) % len(lons)]), float(lons[i])
    return (wrap_lon(w), south, wrap_lon(e), north)


# --- drawing ---------------------------------------------------------------------------

def _loader(source):
    """``source`` (a :mod:`geodata.drawn` loader), memoised for one render (several steps read
    the same layer)."""
    memo: dict = {}

    def load(layer, extent, crs=None, simplify_mm=None, scale=None):
        key = (layer, tuple(extent), None if crs is None else CRS(crs).to_wkt(), simplify_mm, scale)
        if key not in memo:
            memo[key] = source(layer, extent, crs=crs, simplify_mm=simplify_mm, scale=scale)
        return memo[key]

    return load


def render_map(spec: MapSpec, look: Look, out: Path, drawn: Recorder | None = None) -> Report:
    """Draw the map into ``out``. Base layers are read through ``drawn`` (a :class:`Recorder`
    that keeps what the map drew; by default one over the installed layers, or over
    ``spec.drawn``, the extract of an earlier build, when the spec names one)."""
    if drawn is None:
        drawn = Recorder(spec.id, Replay(spec.drawn) if spec.drawn else None)
    load = _loader(drawn)
    setup_matplotlib(look)
    W, H = spec.width_mm, spec.height_mm
    fig = Figure(figsize=(W / 25.4, H / 25.4))
    canvas = FigureCanvasAgg(fig)
    fig.set_dpi(MEASURE_DPI)
    # graticule labels go outside the frame, on the sides that carry them (geodata/graticule.py)
    left = bottom = top = right = look.margin_mm if spec.graticule else FRAME_INSET_MM
    fw, fh = W - left - right, H - top - bottom
    ax = fig.add_axes((left / W, bottom / H, fw / W, fh / H))
    crs = CRS(auto_projection(spec.bbox) if spec.projection == "auto" else spec.projection)
    view = view_for(spec.bbox, crs, fw / fh)
    ax.set_xlim(view[0], view[2])
    ax.set_ylim(view[1], view[3])
    ax.set_aspect("equal", adjustable="box")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_facecolor(look.colour(look.role("water").get("fill", "water")))
    for spine in ax.spines.values():
        spine.set_linewidth(look.frame_width)
        spine.set_edgecolor(look.colour("text"))
        spine.set_zorder(40)
    mm_per_unit = fw / (view[2] - view[0])
    scale = 1000 / mm_per_unit  # 1 : scale (metres on the ground per metre on paper)
    extent = lonlat_extent(view, crs)

    legend_handles = []
    land_union = None
    warnings = [(w, ("extent", "bbox")) for w in [bbox_warning(spec, crs, view, fh)] if w]
    ax.apply_aspect()
    m = ax.transData.get_affine().get_matrix()
    fb = ax.get_window_extent(canvas.get_renderer())
    ink = Ink((m[0, 0], m[0, 1], m[1, 0], m[1, 1], m[0, 2], m[1, 2]), MEASURE_DPI / 72, (fb.x0, fb.y0, fb.x1, fb.y1))
    fills: list[tuple[object, str]] = []  # (union of a layer's polygons, fill colour), in drawing order
    exits: list = []  # (point on the frame, direction, layer) where a layer marked `continues` runs off
    routes: list = []  # the lines of the annotation layers, in the frame: part of the map's subject
    for layer in spec.layers:
        gdf = _layer(layer, spec, extent, crs, look, scale, load)
        if layer.clip_to:
            if land_union is None or layer.clip_to != "land":
                clip = load(layer.clip_to, extent, crs=crs, simplify_mm=look.simplify_mm, scale=scale)
                land_union = clip.union_all()
            gdf = gdf.set_geometry(gdf.intersection(land_union))
            gdf = gdf[~gdf.is_empty]
        if layer.continues:
            exits.extend((p, d, layer) for p, d in _exits(gdf, view))
        gdf = _clip_to_view(gdf, view, mm_per_unit)
        if layer.layer in spec.layer_files:
            routes.append(gdf.geometry.values)
        if gdf.empty:
            warnings.append((f"layer '{layer.layer}' ({layer.role}) has no data in this map's extent", layer.key))
        handle = _draw_layer(ax, gdf, layer.role, look, layer.legend)
        _outline_tiny(ax, gdf, layer.role, look, mm_per_unit)
        _layer_ink(ink, fills, gdf, layer.role, look)
        if handle is not None:
            legend_handles.append(handle)

    ax.set_xlabel("")
    ax.set_ylabel("")
    report = Report(width_mm=W, height_mm=H, crs=crs.to_wkt(), view=view,
                    frame=(left, bottom, left + fw, bottom + fh), warnings=warnings)
    pos = ax.get_position()  # the frame as drawn (after the equal aspect), for its GeoPDF viewport
    report.georef = frame_georef(spec.id, crs, view, (pos.x0 * W, pos.y0 * H, pos.x1 * W, pos.y1 * H))
    if spec.graticule:
        report.graticule = draw_graticule(ax, spec.graticule, unwrap(extent), crs, look.line_props("graticule"),
                                          look.text_props("small"),
                                          lambda lines: _add_line_ink(ink, lines, "the graticule", "graticule", look))

    renderer = canvas.get_renderer()
    px_per_mm = MEASURE_DPI / 25.4
    frame_box = _disp_box(ax.get_window_extent(renderer), "the frame")
    obstacles: list[Box] = []
    requests: list[LabelRequest] = []

    for item in spec.callouts:
        x, y = _project(crs, item.place.lon, item.place.lat)
        if not (view[0] <= x <= view[2] and view[1] <= y <= view[3]):
            raise FigureError(f"{item.place.shown} lies outside this map's frame; widen the extent or drop it",
                              item.key)
    callout_places = {c.place.id for c in spec.callouts}
    # features finer than the base data get a symbol by kind (geodata/symbols.py)
    finer = symbols.pair(spec.labels, load("land", extent, crs=crs, simplify_mm=look.simplify_mm, scale=scale), crs)
    report.warnings.extend(finer.warnings)
    labelled = {lab.place.id for lab in spec.labels if lab.marker} | set(finer.symbol)
    dots: dict = {}  # place id -> its dot (a dropped label takes its dot with it)
    for c in spec.callouts:
        if c.place.id not in labelled:
            obstacles.append(_marker_box(ax, LabelSpec(place=c.place), look, crs, True, ink, dots))
    symbol_legend: dict = {}
    for lab in spec.labels:
        kind = finer.symbol.get(lab.place.id)
        requests.append(_label_request(ax, lab, spec, look, crs, lab.place.id in callout_places, view,
                                       extent, scale, load, ink, finer.outline.get(lab.place.id),
                                       symbols.size(look, kind) if kind else None))
        if kind:
            box, handle = _symbol(ax, lab, kind, look, crs)
            obstacles.append(box)
            symbol_legend.setdefault(kind, handle)
        elif lab.marker:
            obstacles.append(_marker_box(ax, lab, look, crs, lab.place.id in callout_places, ink, dots))
    legend_handles += [symbol_legend[k] for k in symbols.LEGEND if k in symbol_legend]
    for c in spec.countries:
        requests.append(_country_request(c, look, crs, extent, view, ink, load, mm_per_unit))
    for point, direction, layer in exits:
        requests.append(_exit_arrow(ax, point, direction, layer, look, ink, mm_per_unit))
    for c in spec.callouts:
        obstacles.append(_callout(ax, renderer, c, look, crs, mm_per_unit, ink))
    for tb in spec.textboxes:
        obstacles.append(_textbox(ax, renderer, tb, look))
    if spec.legend and legend_handles:
        leg = ax.legend(handles=legend_handles, loc=spec.legend, frameon=True, fancybox=False,
                        framealpha=1, borderpad=0.5, handlelength=2.2, handleheight=1.0,
                        prop={"size": look.role("small").get("size", 6), "family": _families(look)},
                        labelcolor=look.colour("text"), edgecolor=look.colour("border"))
        leg.get_frame().set_linewidth(0.3)
        leg.get_frame().set_facecolor(look.colour(look.paper))
        leg.set_zorder(45)
        obstacles.append(_disp_box(leg.get_window_extent(renderer), "the legend", ("legend",)))
    if spec.inset:
        obstacles.append(_inset(fig, ax, renderer, spec, look, crs, view, extent, load))
    subject, spread = subject_of([(p.lon, p.lat) for p in [lab.place for lab in spec.labels]
                                  + [c.place for c in spec.callouts]], routes, view, crs)
    if spec.north_arrow:
        arrow_box, angle = _north_arrow(ax, renderer, crs, spec.north_arrow, look, mm_per_unit)
        obstacles.append(arrow_box)
        report.north_arrow = {"corner": spec.north_arrow, "angle_deg": angle}
    bar, bar_box = _place_scalebar(ax, renderer, spec, look, crs, subject, spread, mm_per_unit,
                                   [b for b in obstacles if b is not None], ink, report.warnings)
    obstacles.append(bar_box)
    report.scalebar = {k: v for k, v in bar.items() if k != "artists"}

    obstacles = [b for b in obstacles if b is not None]
    _check_no_overlap(obstacles, frame_box)
    ink.freeze()
    placed, dropped = place_labels(ax, renderer, requests, obstacles, frame_box, MEASURE_DPI, ink)
    for req in dropped:
        report.warnings.append((f"label '{' '.join(req.text.split())}' ({req.what or req.name}) dropped: no room "
                                f"clear of other labels, boxes and lines that must not be covered", req.key))
        if req.name in dots and req.name not in callout_places:
            dots.pop(req.name).remove()  # no dot without its name
    # the dots still drawn, the callouts' points and the symbols (a symbol stays with its feature)
    report.markers = sorted(b.marker for b in obstacles
                            if b.marker and (b.marker in dots or b.marker in callout_places or b.marker in finer.symbol))
    bar_box = next(b for b in obstacles if b.what == "the scale bar")
    knockout(ax, [p.shape for p in placed if p.knockout] + [bar_box], fills,
             look.colour(look.role("water").get("fill", "water")), frame_box, MEASURE_DPI)

    def mm(b: Box):
        return [round(b.x0 / px_per_mm, 3), round(b.y0 / px_per_mm, 3),
                round(b.x1 / px_per_mm, 3), round(b.y1 / px_per_mm, 3)]

    def mm_points(points):
        return [[round(x / px_per_mm, 3), round(y / px_per_mm, 3)] for x, y in points]

    report.labels = [{"text": p.request.text, "box": mm(p.box), "kind": p.request.kind, "name": p.request.name,
                      "knockout": p.knockout, "angle": round(p.candidate.angle, 2),
                      "quad": mm_points(p.candidate.corners()), "placement": p.candidate.placement,
                      "size": p.request.props["fontsize"],
                      "leader": mm_points(p.leader) if p.leader and p.request.leader else None}
                     for p in placed]
    report.dropped = [r.name for r in dropped]
    report.boxes = [{"what": b.what, "box": mm(b)} for b in obstacles if not b.marker]
    save_pdf(fig, out)
    out.with_suffix(".json").write_text(json.dumps(report.__dict__, indent=1, default=list))
    return report


BAR_PLACES = ("lower left", "lower right", "upper left", "upper right", "lower center", "upper center")


def _place_scalebar(ax, renderer, spec: MapSpec, look: Look, crs, subject, spread, mm_per_unit: float,
                    obstacles: list[Box], ink: Ink, warnings: list[tuple[str, tuple]]):
    """Draw the scale bar at the first free place: the spec's corner (or the lower left), then
    the other corners and the middles of the lower and upper edges; free is clear of every dot,
    box, legend and inset and of the lines and hatching no knockout may cover. A corner the spec
    asked for that is not free is reported; with no free place, the map fails naming what the
    first place would cover. Returns (what the bar claims, with its artists; its box)."""
    wanted = spec.scalebar_at or BAR_PLACES[0]
    tried = []
    for loc in (wanted, *(p for p in BAR_PLACES if p != wanted)):
        bar = draw_scalebar(ax, crs, (look.colour("text"), look.colour(look.paper)), subject, spread,
                            km=spec.scalebar_km, loc=loc, pad_mm=2.5, text=look.text_props("small"), linewidth=0.3,
                            mm_per_unit=mm_per_unit)
        extents = [a.get_window_extent(renderer) for a in bar["artists"]]
        box = Box(min(e.x0 for e in extents), min(e.y0 for e in extents), max(e.x1 for e in extents),
                  max(e.y1 for e in extents), "the scale bar", key=("scalebar",))
        covered = [o.what for o in obstacles if box.overlaps(o)] + _hard_ink_under(ink, box)
        if not covered:
            if tried and spec.scalebar_at:
                warnings.append((f"the scale bar stands {loc}, not {wanted}: there it would cover {tried[0][1][0]}",
                                 ("scalebar", "at")))
            bar["corner"] = loc
            return bar, box
        tried.append((loc, covered))
        for a in bar["artists"]:
            a.remove()
    raise FigureError(f"the scale bar has no free place: {wanted} it would cover {tried[0][1][0]}, and every other "
                      f"corner something else; move or drop a label, box or legend", ("scalebar",))


def _hard_ink_under(ink: Ink, box: Box) -> list[str]:
    """What the scale bar's knockout would erase under ``box``: lines no label may cover, hatching."""
    shape = box.polygon()
    out = [what for line, (_, hard, _, what, _) in zip(ink._lines, ink._line_meta)
           if hard and shapely.intersects(line, shape)]
    out += ["a hatched area" for area in ink._areas if shapely.intersects(area, shape)]
    return out[:1]


def _check_no_overlap(items: list[Box], frame: Box) -> None:
    """Callouts, text boxes, legend, inset and scale bar must not cover each other or a marker,
    and must stay inside the frame."""
    solid = [b for b in items if not b.marker]
    for b in solid:
        if not b.grow(-0.5).inside(frame):
            raise FigureError(f"{b.what} runs over the edge of the map frame; move it", b.key)
        for o in items:
            if o is not b and b.overlaps(o) and not (o in solid and solid.index(o) < solid.index(b)):
                raise FigureError(f"{b.what} covers {o.what}; move one of them", b.key)


def _north_arrow(ax, renderer, crs, corner: str, look: Look, mm_per_unit: float):
    """An arrow along the local meridian at a corner of the frame (true north there).

    Returns its box and its angle in degrees counter-clockwise from the frame's vertical."""
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    unit = 1 / mm_per_unit
    # centred on a point 10 mm inside the corner, so it fits whichever way north lies
    cx = x1 - 10 * unit if "right" in corner else x0 + 10 * unit
    cy = y1 - 10 * unit if "upper" in corner else y0 + 10 * unit
    lon, lat = Transformer.from_crs(crs, "EPSG:4326", always_xy=True).transform(cx, cy)
    nx, ny = _project(crs, lon, min(lat + 0.01, 89.999))
    dx, dy = nx - cx, ny - cy
    norm = math.hypot(dx, dy)
    ux, uy = dx / norm, dy / norm
    px, py = cx - ux * 4 * unit, cy - uy * 4 * unit
    tip = (cx + ux * 2 * unit, cy + uy * 2 * unit)
    colour = look.colour("text")
    arrow = ax.annotate("", xy=tip, xytext=(px, py), zorder=36,
                        arrowprops={"arrowstyle": "-|>", "color": colour, "linewidth": 0.6,
                                    "mutation_scale": 7, "shrinkA": 0, "shrinkB": 0})
    label = ax.text(tip[0] + ux * 2.2 * unit, tip[1] + uy * 2.2 * unit, "N", ha="center", va="center",
                    zorder=36, **{**look.text_props("small"), "fontweight": "semibold", "color": colour})
    boxes = [arrow.get_window_extent(renderer), label.get_window_extent(renderer)]
    angle = math.degrees(math.atan2(-ux, uy))
    return Box(min(b.x0 for b in boxes), min(b.y0 for b in boxes), max(b.x1 for b in boxes),
               max(b.y1 for b in boxes), "the north arrow", key=("north_arrow",)), round(angle, 2)


def _families(look: Look):
    from .look import family_names

    return family_names(look)


def _disp_box(bb, what: str, key: tuple = ()) -> Box:
    return Box(bb.x0, bb.y0, bb.x1, bb.y1, what, key=key)


def _layer(layer, spec: MapSpec, extent, crs, look: Look, scale, load) -> gpd.GeoDataFrame:
    if layer.layer in spec.layer_files:
        gdf = gpd.read_file(spec.layer_files[layer.layer])
        if gdf.crs is None:
            gdf = gdf.set_crs("EPSG:4326")
        gdf = gdf.to_crs(crs)
    elif layer.layer == "borders":
        gdf = _borders(extent, crs, look, scale, load)
    else:
        gdf = load(layer.layer, extent, crs=crs, simplify_mm=look.simplify_mm, scale=scale)
    if layer.features:
        keys = _keys(gdf)
        wanted = set(layer.features)
        gdf = gdf[keys.isin(wanted)]
        missing = wanted - set(keys[keys.isin(wanted)])
        if missing:
            raise FigureError(f"layer '{layer.layer}' has no feature {', '.join(sorted(missing))} in this extent",
                              (*layer.key, "features"))
    if layer.exclude:
        gdf = gdf[~_keys(gdf).isin(set(layer.exclude))]
    return gdf


def _clip_to_view(gdf: gpd.GeoDataFrame, view, mm_per_unit: float) -> gpd.GeoDataFrame:
    """Keep only what the frame shows (plus 2 mm, so strokes at the edge stay whole)."""
    pad = 2.0 / mm_per_unit
    frame = shapely_box(view[0] - pad, view[1] - pad, view[2] + pad, view[3] + pad)
    clipped = gdf.clip(frame)
    return clipped[~clipped.is_empty]


def _borders(extent, crs, look: Look, scale, load) -> gpd.GeoDataFrame:
    """Land borders: the edges two countries share. Outlines are intersected with snap-rounding
    to a 0.1 mm grid on paper: shared edges are identical in the base, but a country merged
    across 180° has been snapped to a finer grid, so exact matching would lose its borders."""
    countries = load("countries", extent, crs=crs, simplify_mm=look.simplify_mm, scale=scale)
    outlines = list(countries.boundary)
    grid = 0.1 / 1000 * scale
    left, right = countries.sindex.query(countries.geometry, predicate="intersects")
    parts = []
    for i, j in zip(left, right):
        if i < j:
            shared = shapely.intersection(outlines[i], outlines[j], grid_size=grid)
            if not shared.is_empty and shared.length > 0:
                parts.append(shared)
    lines = gpd.GeoSeries(parts, crs=crs).explode(index_parts=False)
    lines = lines[lines.geom_type.isin(["LineString", "MultiLineString"])]
    return gpd.GeoDataFrame({"id": ["borders"] * len(lines)}, geometry=list(lines), crs=crs)


TINY_MM = 0.8  # polygons smaller than this on paper get a heavier outline, so that they read


def _outline_tiny(ax, gdf, role: str, look: Look, mm_per_unit: float) -> None:
    """Islands too small to read at print size: drawn again with a 0.6 pt outline."""
    r = look.role(role)
    if gdf.empty or r.get("edge", "none") == "none" or r.get("fill", "none") == "none":
        return
    parts = shapely.get_parts(gdf.geometry.values)
    parts = parts[shapely.get_type_id(parts) == 3]
    b = shapely.bounds(parts)
    tiny = parts[np.maximum(b[:, 2] - b[:, 0], b[:, 3] - b[:, 1]) * mm_per_unit < TINY_MM] if len(parts) else parts
    if len(tiny):
        from matplotlib.collections import PolyCollection

        rings = [np.asarray(p.exterior.coords) for p in tiny]
        ax.add_collection(PolyCollection(rings, facecolors=look.colour(r["fill"]), edgecolors=look.colour(r["edge"]),
                                         linewidths=max(0.6, r.get("width", 0.3)), zorder=2.5))


def _exits(gdf, view) -> list[tuple[tuple[float, float], tuple[float, float]]]:
    """Where lines leave the frame for good (no re-entry later along them, in their drawn
    direction): (the point on the frame, the unit direction outwards)."""
    frame = shapely_box(*view)
    edge = frame.exterior
    eps = max(view[2] - view[0], view[3] - view[1]) * 1e-6
    out = []
    for geom in gdf.geometry.values:
        events = []  # ("in" | "out", point, direction), in travel order
        for line in shapely.get_parts(geom):
            if line.geom_type != "LineString":
                continue
            for piece in shapely.get_parts(line.intersection(frame)):
                if piece.geom_type != "LineString" or len(piece.coords) < 2:
                    continue
                xy = np.asarray(piece.coords)
                if edge.distance(shapely.Point(xy[0])) < eps:
                    events.append(("in", xy[0], xy[0] - xy[1]))
                if edge.distance(shapely.Point(xy[-1])) < eps:
                    events.append(("out", xy[-1], xy[-1] - xy[-2]))
        for k, (kind, end, d) in enumerate(events):
            if kind == "out" and not any(e[0] == "in" for e in events[k + 1:]):
                n = float(np.hypot(*d)) or 1.0
                out.append(((float(end[0]), float(end[1])), (float(d[0] / n), float(d[1] / n))))
    return out


def _exit_arrow(ax, point, direction, layer, look: Look, ink: Ink, mm_per_unit: float) -> LabelRequest:
    """An arrowhead just inside the frame where a line runs off it, and a label saying where the
    line goes (placed by the placer beside the arrowhead)."""
    from matplotlib.patches import FancyArrowPatch

    unit = 1 / mm_per_unit
    ux, uy = direction
    tip = (point[0] - ux * 1.5 * unit, point[1] - uy * 1.5 * unit)
    tail = (tip[0] - ux * 5 * unit, tip[1] - uy * 5 * unit)
    props = look.line_props(layer.role)
    ax.add_patch(FancyArrowPatch(tail, tip, arrowstyle="-|>", mutation_scale=7, color=props["color"],
                                 linewidth=props["linewidth"], zorder=26, shrinkA=0, shrinkB=0))
    ink.add_lines([LineString([tail, (point[0] - ux * 0.5 * unit, point[1] - uy * 0.5 * unit)])],
                  f"the arrow of {layer.layer}", 4.0, 1.0, hard=True)
    check_glyphs(layer.continues, look, f"layer {layer.layer}: continues", (*layer.key, "continues"))
    props = look.text_props("note")
    props["multialignment"] = "left"
    return LabelRequest(text=layer.continues, xy=tip, props=props, kind="point", marker_pt=6.0,
                        name=f"{layer.layer} (continues)", priority=75,
                        leader={"color": look.colour("text"), "linewidth": 0.3})


def _add_line_ink(ink: Ink, geoms, what: str, role: str, look: Look, subject: bool = False) -> None:
    """Lines of a role as label obstacles: soft (a label may knock them out) or hard. The
    outline of a hatched area (the map's subject) is hard whatever its role says."""
    r = look.role(role)
    soft = bool(r.get("knockout")) and not subject
    ink.add_lines(geoms, what, float(r.get("width", 0.5)), costs.line_weight(role), hard=not soft,
                  divides=bool(r.get("divides")))


def _layer_ink(ink: Ink, fills: list, gdf, role: str, look: Look) -> None:
    """What a drawn layer puts on paper, as obstacles: its lines and edges, its hatching, its fill."""
    if gdf.empty:
        return
    r = look.role(role)
    geoms = [g for g in gdf.geometry if g is not None and not g.is_empty]
    polygons = [g for g in geoms if g.geom_type in ("Polygon", "MultiPolygon")]
    lines = [g for g in geoms if g.geom_type not in ("Polygon", "MultiPolygon")]
    if lines:
        _add_line_ink(ink, lines, f"layer {role}", role, look)
    if not polygons:
        return
    if r.get("edge", "none") != "none" and r.get("width", 0) > 0:
        _add_line_ink(ink, polygons, f"edges of {role}", role, look, subject="hatch" in r)
    if "hatch" in r:
        ink.add_areas(polygons)  # a knockout would erase the hatching: never under a label
    if r.get("fill", "none") != "none":
        fills.append((shapely.get_parts(np.asarray(polygons, dtype=object)), look.colour(r["fill"])))
        ink.add_fills(polygons)


def _keys(gdf):
    for col in ("id", "name"):
        if col in gdf.columns:
            return gdf[col].astype(str)
    raise FigureError("layer has neither an 'id' nor a 'name' column")


def _draw_layer(ax, gdf, role: str, look: Look, legend: str | None):
    r = look.role(role)
    if gdf.empty:
        return None
    geom_types = set(gdf.geom_type)
    if geom_types <= {"LineString", "MultiLineString"}:
        props = look.line_props(role)
        # lines a label may knock out sit under the knockouts (9.5); the others above them
        gdf.plot(ax=ax, zorder=9 if r.get("knockout") else 10, **props)
        return Line2D([], [], label=legend, **props) if legend else None
    fill = look.colour(r.get("fill", "none"))
    edge = look.colour(r.get("edge", "none"))
    kwargs = {"facecolor": fill, "edgecolor": edge, "linewidth": r.get("width", 0.0) if edge != "none" else 0}
    if "dash" in r:
        kwargs["linestyle"] = (0, tuple(r["dash"]))
    zorder = 2 if fill != "none" else 8
    if "hatch" in r:
        kwargs["hatch"] = r["hatch"]
        kwargs["hatchcolor"] = look.colour(r.get("hatch_colour", r.get("edge", "text")))
        zorder = 8
    gdf.plot(ax=ax, zorder=zorder, **kwargs)
    if legend:
        return Patch(label=legend, **{k: v for k, v in kwargs.items() if k != "linestyle"})
    return None


_FORWARD: dict = {}


def _project(crs, lon, lat):
    """lon/lat -> map units (one transformer per CRS and render: creating one costs ~10 ms)."""
    key = id(crs)
    if key not in _FORWARD or _FORWARD[key][0] is not crs:
        _FORWARD[key] = (crs, Transformer.from_crs("EPSG:4326", crs, always_xy=True))
    return _FORWARD[key][1].transform(lon, lat)


def _label_request(ax, lab: LabelSpec, spec: MapSpec, look: Look, crs, is_site: bool, view, extent, scale,
                   load, ink: Ink, outline=None, symbol_pt: float | None = None) -> LabelRequest:
    """``outline``: the land piece the label names (an island), if any; ``symbol_pt``: the size of
    the symbol the feature is drawn with (one finer than the base data), if any."""
    text = lab.text or place_name(lab.place, spec.naming, spec.kanji, spec.language)
    if lab.area and lab.place.area_km2:
        text += f"\n{area_text(lab.place.area_km2)}"
    check_glyphs(text, look, f"label of {lab.place.shown}", lab.key)
    if lab.abbreviation:
        check_glyphs(lab.abbreviation, look, f"abbreviation of {lab.place.shown}", lab.key[:-1] + ("abbreviation",))
    xy, feature = _anchor(lab, crs, view, outline)
    role = lab.role if lab.role_given else (settlement_role(look, lab.place) or lab.role)
    marker_role = "site" if is_site else "place"
    marker_pt = look.role(marker_role).get("size", 2.0) if lab.marker else 0.0
    kind, symbol, inside, home, klass = "point", None, None, None, None
    near_mm, narrow = costs.NEAR_MM, False
    if lab.marker:
        klass = "dot"
        island = _island_under(ink, *xy, (marker_pt + 0.6) * ink.pt)
        if island is not None:  # no dot over an island smaller than it: named beside the island
            marker_pt, symbol, klass = 0.0, island, "land"
    if symbol_pt is not None:  # a feature finer than the base data: named beside its symbol
        marker_pt, klass = symbol_pt, "dot"
    elif feature is not None:  # an island: in it, or beside it when it is smaller than its name
        shown = shapely.affinity.affine_transform(feature, ink.affine)
        kind, inside, symbol, klass = "area", shown, shown, "land"
    elif lab.place.kind in WATER:
        kind, home = "area", "water"
        narrow = lab.place.kind in ("gulf", "strait")
        near_mm = costs.COVER_MM if narrow else costs.SEA_NEAR_MM
    elif lab.place.kind in ("peninsula", "region"):
        kind, home = "area", "land"
        near_mm = costs.COVER_MM if lab.place.kind == "peninsula" else costs.SEA_NEAR_MM
    # anything else without a dot (a cape, an island group known by its point) is named beside its point
    align = "center" if kind == "area" else "left"
    main, smaller = _type_classes(look, role, align)
    leader = {"color": look.colour("text"), "linewidth": 0.3}
    stacked = text.replace(" (", "\n(", 1) if " (" in text.split("\n")[0] else None
    wordings = [text] + ([stacked] if stacked else [])
    if stacked and kind == "area" and len(text.split("\n")[0]) > 24:
        wordings.reverse()  # a long dual name on an area reads better stacked
    priority = PRIORITY.get(lab.place.kind, 50) + (5 if lab.role.endswith("_major") else 0)
    if not lab.role_given:  # among settlements, the more important first
        priority += importance(look, lab.place)
    beyond = None
    if not (view[0] <= xy[0] <= view[2] and view[1] <= xy[1] <= view[3]):
        beyond = tuple(ax.transData.transform(xy))
    return LabelRequest(text=wordings[0], xy=xy, props=main.props, kind=kind, marker_pt=marker_pt, symbol=symbol,
                        inside=inside, leader=leader, alternatives=tuple(wordings[1:]), name=lab.place.id,
                        what=lab.place.shown, key=lab.key, priority=priority, required=lab.required, home=home,
                        open_water=lab.place.kind in ("sea", "ocean"), narrow=narrow, beyond=beyond, klass=klass,
                        near_mm=near_mm, tracking=main.tracking, smaller=smaller, abbreviation=lab.abbreviation)


def settlement_role(look: Look, place: Point) -> str | None:
    """The type class of a settlement by its importance, from the style: the role with
    ``capital = true`` for a national capital, else the role with the highest ``min_population``
    its GeoNames population reaches; None when the style has no such roles or the population is
    unknown (absent, or 0 in GeoNames)."""
    roles = look.roles
    if place.capital:
        capital = sorted(name for name, r in roles.items() if r.get("capital"))
        if capital:
            return capital[0]
    if not place.population:  # GeoNames gives 0 where it does not know
        return None
    ranked = sorted(((r["min_population"], name) for name, r in roles.items() if "min_population" in r),
                    reverse=True)
    return next((name for least, name in ranked if place.population >= least), None)


def importance(look: Look, place: Point) -> int:
    """A settlement's rank among the style's settlement classes (0 for the least or unknown):
    of two settlements competing for room, the larger keeps its name."""
    classes = sorted({r["min_population"] for r in look.roles.values() if "min_population" in r})
    rank = sum(1 for least in classes if place.population and place.population >= least and least > 0)
    return rank + (len(classes) if place.capital else 0)


def _type_classes(look: Look, role: str, align: str) -> tuple[TypeClass, tuple[TypeClass, ...]]:
    """A text role's type class and the smaller ones (the style's ``smaller``) a label tries
    before it is dropped."""
    chain, at = [], role
    while at is not None:
        props = look.text_props(at)
        props["multialignment"] = align
        chain.append(TypeClass(props, float(look.role(at).get("tracking", 0.0))))
        at = look.role(at).get("smaller")
    return chain[0], tuple(chain[1:])


def _anchor(lab: LabelSpec, crs, view, outline=None):
    """Where a label is anchored, in map units, and the outline of what it names if known: a marked
    place at its point; an island at the pole of inaccessibility of the visible part of its
    ``outline`` (its piece of the land layer, paired in geodata/symbols.py); a water name at its
    gazetteer label point, even off the map (the placer then looks for open water nearest to it)."""
    frame = shapely_box(*view)
    x, y = _project(crs, lab.place.lon, lab.place.lat)
    inside = frame.covers(shapely.Point(x, y))
    visible = outline.intersection(frame) if outline is not None else None
    if visible is not None and not visible.is_empty:
        part = max(shapely.get_parts(visible), key=lambda g: g.area)
        p = shapely.ops.polylabel(part, tolerance=(view[2] - view[0]) / 400)
        return (p.x, p.y), visible
    if inside:
        return (x, y), None
    if lab.place.kind in WATER:
        return (x, y), None  # the placer looks for room in the frame, nearest the label point
    raise FigureError(f"{lab.place.shown} lies outside this map's frame; widen the extent or drop it", lab.key)


def _country_request(c, look: Look, crs, extent, view, ink: Ink, load, mm_per_unit) -> LabelRequest:
    """A country's name inside its visible part: anchored at the pole of inaccessibility of the
    largest visible piece, and kept inside the visible outline by the placer (or outside it with
    a leader, when no size or wording fits)."""
    countries = load("countries", extent, crs=crs, simplify_mm=look.simplify_mm, scale=1000 / mm_per_unit)
    row = countries[countries["id"] == c.country]
    if row.empty:
        raise FigureError(f"no country '{c.country}' in this map's extent (`brief places --countries` lists them)",
                          c.key)
    visible = row.geometry.iloc[0].intersection(shapely_box(*view))
    if visible.is_empty:
        raise FigureError(f"country '{c.country}' is not in this map's frame", c.key)
    text = c.text or str(row["name"].iloc[0]).upper()
    check_glyphs(text, look, f"label of {c.country}", c.key)
    if c.abbreviation:
        check_glyphs(c.abbreviation, look, f"abbreviation of {c.country}", c.key[:-1] + ("abbreviation",))
    part = max(shapely.get_parts(visible), key=lambda g: g.area)
    p = shapely.ops.polylabel(part, tolerance=2.0 / mm_per_unit)
    main, smaller = _type_classes(look, c.role, "center")
    shown = shapely.affinity.affine_transform(visible, ink.affine)
    words = text.split()
    # a long name may also go on two lines, split where the lines come out most even
    splits = sorted((abs(len(" ".join(words[:i])) - len(" ".join(words[i:]))), i) for i in range(1, len(words)))
    alternatives = tuple(" ".join(words[:i]) + "\n" + " ".join(words[i:]) for _, i in splits[:1])
    return LabelRequest(text=text, xy=(p.x, p.y), props=main.props, kind="area", name=c.country,
                        what=f"country '{c.country}'", alternatives=alternatives, tracking=main.tracking,
                        smaller=smaller, abbreviation=c.abbreviation, priority=PRIORITY["country"],
                        required=c.required, inside=shown, leader={"color": look.colour("text"), "linewidth": 0.3})


def _island_under(ink: Ink, x: float, y: float, size_px: float):
    """The filled polygon (display units) under a point if it is smaller than ``size_px``."""
    p = shapely.Point(*ink.affine_point(x, y))
    fills = np.asarray(ink._fills, dtype=object)
    near = list(fills[shapely.distance(fills, p) < size_px / 2]) if len(fills) else []  # outlines shift a little
    if near and all(max(g.bounds[2] - g.bounds[0], g.bounds[3] - g.bounds[1]) < size_px for g in near):
        return shapely.union_all(near)
    return None


def _marker_box(ax, lab: LabelSpec, look: Look, crs, is_site: bool, ink: Ink, dots: dict) -> Box | None:
    """A place's dot; none where the dot would hide an island smaller than itself (the label or
    the callout's leader then points at the island instead)."""
    role = look.role("site" if is_site else "place")
    size = role.get("size", 2.0)
    x, y = _project(crs, lab.place.lon, lab.place.lat)
    if _island_under(ink, x, y, (size + 0.6) * ink.pt) is not None:
        return None
    (dots[lab.place.id],) = ax.plot([x], [y], marker="o", markersize=size, color=look.colour(role.get("colour", "text")),
                                    markeredgecolor=look.colour(look.paper), markeredgewidth=0.3, linestyle="none",
                                    zorder=25)
    cx, cy = ax.transData.transform((x, y))
    r = size / 2 * MEASURE_DPI / 72
    return Box(cx - r, cy - r, cx + r, cy + r, f"the dot of {lab.place.shown}", marker=lab.place.id, key=lab.key)


def _symbol(ax, lab: LabelSpec, kind: str, look: Look, crs) -> tuple[Box, object]:
    """The symbol of a feature finer than the base data, as an obstacle, and its legend entry."""
    x, y = _project(crs, lab.place.lon, lab.place.lat)
    size, handle = symbols.draw(ax, kind, look, (x, y))
    cx, cy = ax.transData.transform((x, y))
    r = size / 2 * MEASURE_DPI / 72
    return Box(cx - r, cy - r, cx + r, cy + r, f"the symbol of {lab.place.shown}", marker=lab.place.id,
               key=lab.key), handle


def _callout(ax, renderer, c: CalloutSpec, look: Look, crs, mm_per_unit, ink: Ink) -> Box:
    """A boxed note set off from its place, joined to it by a leader line."""
    check_glyphs(c.note, look, f"callout at {c.place.shown}", c.key)
    x, y = _project(crs, c.place.lon, c.place.lat)
    ux = 1 / mm_per_unit
    bx, by = x + c.offset[0] * ux, y + c.offset[1] * ux
    props = look.text_props(c.role)
    wrapped = _wrap(c.note, c.width, props["fontsize"])
    t = ax.text(bx, by, wrapped, ha="left" if c.offset[0] >= 0 else "right", multialignment="left",
                va="bottom" if c.offset[1] >= 0 else "top", zorder=35, linespacing=1.25,
                bbox={"boxstyle": "square,pad=0.45", "facecolor": look.colour(look.paper),
                      "edgecolor": look.colour("border"), "linewidth": 0.3}, **props)
    t.update_bbox_position_size(renderer)
    fig_box = _disp_box(t.get_window_extent(renderer), f"the callout at {c.place.shown}", c.key)
    patch = t.get_bbox_patch().get_window_extent(renderer)
    bb = Box(patch.x0, patch.y0, patch.x1, patch.y1, f"the callout at {c.place.shown}", key=c.key)
    px, py = ax.transData.transform((x, y))
    tx, ty = min(max(px, bb.x0), bb.x1), min(max(py, bb.y0), bb.y1)
    inv = ax.transData.inverted()
    (lx0, ly0), (lx1, ly1) = inv.transform([(px, py), (tx, ty)])
    ax.plot([lx0, lx1], [ly0, ly1], color=look.colour("text"), linewidth=0.4, zorder=34)
    # the leader is an obstacle that no label may cover
    ink.add_lines([LineString([(lx0, ly0), (lx1, ly1)])], f"the leader of the callout at {c.place.shown}", 0.4,
                  1.0, hard=True)
    return bb if bb.x1 - bb.x0 > fig_box.x1 - fig_box.x0 else fig_box


def _wrap(text: str, width_mm: float, size_pt: float) -> str:
    """Greedy wrap at an average character width of half the type size."""
    chars = max(8, int(width_mm / 25.4 * 72 / (size_pt * 0.48)))
    lines, line = [], ""
    for para in text.split("\n"):
        for word in para.split():
            if line and len(line) + 1 + len(word) > chars:
                lines.append(line)
                line = word
            else:
                line = f"{line} {word}".strip()
        lines.append(line)
        line = ""
    return "\n".join(lines)


def _textbox(ax, renderer, tb, look: Look) -> Box:
    check_glyphs(tb.text, look, "text box", tb.key)
    props = look.text_props(tb.role)
    x = 0.015 if "left" in tb.at else 0.985
    y = 0.015 if "lower" in tb.at else 0.985
    pad = 2.5 / (ax.get_window_extent(renderer).width / MEASURE_DPI * 25.4)
    x = x + pad if "left" in tb.at else x - pad
    t = ax.text(x, y + (0.02 if "lower" in tb.at else -0.02), _wrap(tb.text, tb.width, props["fontsize"]),
                transform=ax.transAxes, ha="left" if "left" in tb.at else "right", multialignment="left",
                va="bottom" if "lower" in tb.at else "top", zorder=35, linespacing=1.25,
                bbox={"boxstyle": "square,pad=0.5", "facecolor": look.colour(look.paper),
                      "edgecolor": look.colour("border"), "linewidth": 0.3}, **props)
    t.update_bbox_position_size(renderer)
    patch = t.get_bbox_patch().get_window_extent(renderer)
    return Box(patch.x0, patch.y0, patch.x1, patch.y1, "the text box", key=tb.key)


def _inset(fig, ax, renderer, spec: MapSpec, look: Look, crs, view, extent, load) -> Box:
    """A small-scale locator map with the main map's extent boxed."""
    inset = spec.inset
    frame = ax.get_window_extent(renderer)
    px_per_mm = MEASURE_DPI / 25.4
    icrs = CRS(auto_projection(inset.bbox))
    iview_raw = view_for(inset.bbox, icrs, 1.0)
    w_mm = inset.width
    aspect = (iview_raw[2] - iview_raw[0]) / (iview_raw[3] - iview_raw[1])
    h_mm = w_mm / aspect
    pad = 1.2 * px_per_mm
    fx = frame.x0 + pad if "left" in inset.at else frame.x1 - pad - w_mm * px_per_mm
    fy = frame.y1 - pad - h_mm * px_per_mm if "upper" in inset.at else frame.y0 + pad
    W, H = fig.get_size_inches() * MEASURE_DPI
    iax = fig.add_axes((fx / W, fy / H, w_mm * px_per_mm / W, h_mm * px_per_mm / H), zorder=50)
    iax.set_xlim(iview_raw[0], iview_raw[2])
    iax.set_ylim(iview_raw[1], iview_raw[3])
    iax.set_xticks([])
    iax.set_yticks([])
    iax.set_facecolor(look.colour(look.role("water").get("fill", "water")))
    for spine in iax.spines.values():
        spine.set_linewidth(0.4)
        spine.set_edgecolor(look.colour("text"))
    iext = lonlat_extent(iview_raw, icrs)
    iscale = 1000 / (w_mm / (iview_raw[2] - iview_raw[0]))
    countries = load("countries", iext, crs=icrs, simplify_mm=0.2, scale=iscale)
    r = look.role("land_context")
    countries.plot(ax=iax, facecolor=look.colour(r.get("fill")), edgecolor=look.colour(r.get("edge")),
                   linewidth=0.25, zorder=2)
    # the main map's frame, as a polygon in the inset's projection
    inv = Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
    fwd = Transformer.from_crs("EPSG:4326", icrs, always_xy=True)
    x0, y0, x1, y1 = view
    n = 32
    xs = np.concatenate([np.linspace(x0, x1, n), np.full(n, x1), np.linspace(x1, x0, n), np.full(n, x0)])
    ys = np.concatenate([np.full(n, y0), np.linspace(y0, y1, n), np.full(n, y1), np.linspace(y1, y0, n)])
    bx, by = fwd.transform(*inv.transform(xs, ys))
    iax.fill(bx, by, facecolor="none", edgecolor=look.colour("highlight"), linewidth=0.8, zorder=5)
    small = look.text_props("small")
    boxes = []
    for cid, label in inset.countries:
        row = countries[countries["id"] == cid]
        if row.empty:
            raise FigureError(f"inset: no country '{cid}' in the inset's extent", ("inset", "countries"))
        visible = row.geometry.iloc[0].intersection(shapely_box(*iview_raw))
        part = max(shapely.get_parts(visible), key=lambda g: g.area)  # the main landmass
        pt = shapely.ops.polylabel(part, tolerance=(iview_raw[2] - iview_raw[0]) / 200)
        t = iax.text(pt.x, pt.y, label, ha="center", va="center", zorder=6, **small)
        boxes.append(_disp_box(t.get_window_extent(renderer), label))
    # the names sit on a knockout of the coasts and borders, under the main map's outline
    knockout(iax, boxes, [(shapely.get_parts(countries.geometry.values), look.colour(r.get("fill")))],
             look.colour(look.role("water").get("fill", "water")), _disp_box(iax.get_window_extent(renderer), ""),
             MEASURE_DPI, zorder=4)
    iax.set_xlabel("")
    iax.set_ylabel("")
    bb = iax.get_window_extent(renderer)
    return Box(bb.x0, bb.y0, bb.x1, bb.y1, "the inset", key=("inset",))
