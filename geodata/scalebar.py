"""A scale bar that tells the truth where the reader looks: at the map's subject.

The subject is what the map names: the places it labels or calls out that lie in its frame,
and its routes (the lines of its annotation layers), each route counting once at its middle.
The bar's length is computed from the geodesic distance (WGS 84 ellipsoid) along the
horizontal through the subject's centre, so it holds there in any projection, wherever on
the frame the bar itself stands. It is divided in two and numbered at its ends and middle
(``0  100  200 km``). Where the scale varies by more than 3 % across the frame, the line
under the bar names the whole latitude at which it holds ("at 70° N": in the conformal conic
and polar stereographic projections the map engine picks, scale depends on latitude alone),
and the bar is true there; where it varies by more than 5 % between the subject's own places,
a second line says by how much, and between which latitudes ("varies 7 % from 58° N to 78° N").
Without a given length, the bar is the longest round length up to a fifth of the frame's width.

Parameters of :func:`draw_scalebar`:
    ax          the map axes (data units: metres of ``crs``)
    crs         the axes' projected CRS (anything pyproj accepts)
    subject     the subject's places and route middles, [(lon, lat)] (empty: the frame's centre)
    spread      every point of the subject, routes' vertices included, [(lon, lat)]
    km          the length to show; ``None`` picks the longest round length up to 1/5 of the frame
    loc         "lower left", "lower right", "upper left", "upper right", or "lower center", "upper center"
    pad_mm      distance from the frame, in millimetres
    height_mm   thickness of the bar, in millimetres
    colours     (dark, light) fill colours of the alternating segments
    text        matplotlib text properties for the numbers and the note
    linewidth   outline width in points
"""

from __future__ import annotations

import math

NICE = (1, 2, 2.5, 5)
FRAME_VARIES = 1.03  # the scale across the frame differs by more than this ratio: name the latitude
SUBJECT_VARIES = 1.05  # ... between the subject's places: say by how much


def units_per_km(crs, view: tuple[float, float, float, float], at: tuple[float, float] | None = None,
                 half: float | None = None) -> float:
    """Map units per kilometre on the ground along the horizontal, measured geodesically over
    ``2 * half`` map units centred on ``at`` (map units; default the view's centre and a tenth of
    its width)."""
    from pyproj import CRS, Geod, Transformer

    x0, y0, x1, y1 = view
    cx, cy = at if at is not None else ((x0 + x1) / 2, (y0 + y1) / 2)
    half = half if half is not None else (x1 - x0) / 20
    to_geo = Transformer.from_crs(CRS(crs), "EPSG:4326", always_xy=True)
    (lon_a, lon_b), (lat_a, lat_b) = to_geo.transform([cx - half, cx + half], [cy, cy])
    _, _, metres = Geod(ellps="WGS84").inv(lon_a, lat_a, lon_b, lat_b)
    return (2 * half) / (metres / 1000)


def nice_km(most_km: float) -> float:
    """The longest round length (1, 2, 2.5 or 5 times a power of ten) up to ``most_km``."""
    exp = 10 ** math.floor(math.log10(most_km) + 1e-9)
    return max(n * exp for n in NICE if n * exp <= most_km * (1 + 1e-9))


def centre(points: list[tuple[float, float]]) -> tuple[float, float]:
    """(lon, lat): the mean latitude and the circular mean longitude of the points."""
    lat = sum(p[1] for p in points) / len(points)
    x = sum(math.cos(math.radians(p[0])) for p in points)
    y = sum(math.sin(math.radians(p[0])) for p in points)
    return math.degrees(math.atan2(y, x)), lat


def subject_of(places, routes, view, crs) -> tuple[list, list]:
    """The subject of a map: (its items, every point of it), as (lon, lat). ``places``: the
    (lon, lat) of what it labels or calls out; ``routes``: the line geometries of each
    annotation layer, in map units. A place counts if it lies in the frame; a layer's lines
    in the frame count once, at the point halfway along them, and with all their vertices in
    the spread."""
    import numpy as np
    import shapely
    from pyproj import Transformer
    from shapely.geometry import box

    fwd = Transformer.from_crs("EPSG:4326", crs, always_xy=True)
    inv = Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
    frame = box(*view)
    items = []
    for lon, lat in places:
        x, y = fwd.transform(lon, lat)
        if frame.contains(shapely.Point(x, y)):
            items.append((lon, lat))
    spread = list(items)
    for geoms in routes:
        parts = [g for g in shapely.get_parts(np.asarray(list(geoms), dtype=object))
                 if g.geom_type == "LineString" and not g.is_empty]
        lines = [p for g in parts for p in shapely.get_parts(g.intersection(frame)) if p.geom_type == "LineString"]
        total = sum(p.length for p in lines)
        if not total:
            continue
        walked = 0.0
        for p in lines:  # halfway along the layer's lines, taken in their order
            if walked + p.length >= total / 2:
                mid = p.interpolate(total / 2 - walked)
                items.append(inv.transform(mid.x, mid.y))
                break
            walked += p.length
        xy = np.concatenate([np.asarray(p.coords)[:, :2] for p in lines])
        spread.extend(zip(*inv.transform(xy[:, 0], xy[:, 1])))
    return items, spread


def _lat(v: float) -> str:
    """'70° N': a narrow no-break space after the degree sign, so that the note is never read
    (by a reader, or by a measure of the georeferencing) as the label of a graticule line."""
    return f"{abs(v):.0f}°\u202f{'N' if v >= 0 else 'S'}"


def _km(v: float) -> str:
    return f"{v:,g}"


def draw_scalebar(ax, crs, colours: tuple[str, str], subject=(), spread=(), km: float | None = None,
                  loc: str = "lower left", pad_mm: float = 3.0, height_mm: float = 1.1, text: dict | None = None,
                  linewidth: float = 0.4, mm_per_unit: float = 1.0) -> dict:
    """Draw the bar; return what it claims: km, its length in map units and millimetres, the
    subject's centre and the latitude it holds at, the scale's spread over the subject."""
    from matplotlib.lines import Line2D
    from matplotlib.patches import Rectangle
    from pyproj import CRS, Transformer

    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    view = (x0, y0, x1, y1)
    crs = CRS(crs)
    fwd = Transformer.from_crs("EPSG:4326", crs, always_xy=True)
    inv = Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
    unit = 1 / mm_per_unit  # map units per millimetre on paper
    text = dict(text or {})

    # where the scale is stated: the subject's centre (the frame's centre without a subject)
    lon, lat = centre(list(subject)) if subject else inv.transform((x0 + x1) / 2, (y0 + y1) / 2)
    samples = [units_per_km(crs, view, (x0 + (x1 - x0) * fx, y0 + (y1 - y0) * fy))
               for fx, fy in ((0.5, 0.5), (0.1, 0.1), (0.9, 0.9), (0.1, 0.9), (0.9, 0.1))]
    named = bool(max(samples) / min(samples) > FRAME_VARIES)
    at_lat = float(round(lat)) if named else lat
    at = fwd.transform(lon, at_lat)
    per_km = units_per_km(crs, view, at)
    if km is None:
        km = nice_km((x1 - x0) / per_km / 5)
    for _ in range(2):  # measured over the bar's own length
        per_km = units_per_km(crs, view, at, half=km * per_km / 2)
    length = km * per_km

    # how much the scale differs between the subject's own places
    spread = [p for p in spread if -89.9 < p[1] < 89.9]
    notes = [f"at {_lat(at_lat)}"] if named else []
    varies = None
    if len(spread) > 1:
        scales = [(units_per_km(crs, view, fwd.transform(*p), half=(x1 - x0) / 200), p[1]) for p in spread]
        (lo, lat_lo), (hi, lat_hi) = min(scales), max(scales)
        varies = hi / lo - 1
        if hi / lo > SUBJECT_VARIES:
            south, north = sorted((lat_lo, lat_hi))
            notes.append(f"varies {varies * 100:.0f} % from {_lat(south)} to {_lat(north)}")
    note = "\n".join(notes)

    # numbers over ticks over the bar, the note under it; all kept pad_mm inside the frame
    renderer = ax.figure.canvas.get_renderer()
    size_mm = text.get("fontsize", 6) * 25.4 / 72
    numbers = [_km(0), _km(km / 2), f"{_km(km)} km"]
    probe = ax.text(0, 0, _km(km), **text)
    last_w = probe.get_window_extent(renderer).width
    probe.set_text(numbers[-1])
    full_w = probe.get_window_extent(renderer).width
    probe.remove()
    px_per_unit = ax.transData.get_affine().get_matrix()[0, 0]
    tail = (full_w - last_w / 2) / px_per_unit  # how far the last number reaches past the bar's end
    head = size_mm * 0.35 * unit  # half the width of "0"
    below = (size_mm * 1.2 * len(notes) + 0.6) * unit if notes else 0.0
    above = (0.6 + size_mm * 1.1) * unit
    height = height_mm * unit
    left = x0 + pad_mm * unit + head if "left" in loc else x1 - pad_mm * unit - tail - length if "right" in loc \
        else (x0 + x1) / 2 - length / 2
    bottom = y0 + pad_mm * unit + below if "lower" in loc else y1 - pad_mm * unit - above - height
    segments = 2
    seg = length / segments
    artists = []
    for i in range(segments):
        artists.append(ax.add_patch(Rectangle((left + i * seg, bottom), seg, height, facecolor=colours[i % 2],
                                              edgecolor=colours[0], linewidth=linewidth, zorder=20,
                                              clip_on=False, snap=False)))  # not moved to whole points
    tick_top = bottom + height + 0.5 * unit
    for i, label in enumerate(numbers):
        x = left + i * seg
        artists.append(ax.add_line(Line2D([x, x], [bottom, tick_top], color=colours[0], linewidth=linewidth,
                                          zorder=20, solid_capstyle="butt", snap=False)))
        if i < len(numbers) - 1:
            artists.append(ax.text(x, tick_top + 0.1 * unit, label, ha="center", va="bottom", zorder=20, **text))
        else:  # the number centred on its tick, the unit after it
            artists.append(ax.text(x - last_w / 2 / px_per_unit, tick_top + 0.1 * unit, label, ha="left",
                                   va="bottom", zorder=20, **text))
    if note:
        ha = "right" if "right" in loc else "left"
        artists.append(ax.text(left - head if ha == "left" else left + length + tail, bottom - 0.6 * unit, note,
                               ha=ha, va="top", multialignment=ha, linespacing=1.1, zorder=20, **text))
    label = "  ".join(numbers) + (f" ({'; '.join(notes)})" if notes else "")
    return {"km": km, "length_units": length, "label": label, "note": note, "length_mm": length * mm_per_unit,
            "artists": artists, "middle": [left + length / 2, bottom + height / 2], "latitude": round(at_lat, 3),
            "subject": [round(float(lon), 4), round(float(lat), 4)], "at": [float(at[0]), float(at[1])], "named": named,
            "varies_pct": None if varies is None else round(varies * 100, 2), "units_per_km_at_subject": per_km}
