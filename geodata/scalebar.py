"""A scale bar that tells the truth where it is drawn.

One artist, one job. The bar's length in map units is computed from the geodesic distance
(WGS 84 ellipsoid) between two points straddling the bar's own middle along the horizontal, so
it holds for any projection at the place where the reader sees it. Where the scale varies by
more than 3 % across the map, the label names the latitude at which it holds ("500 km at
62°N"): in the conformal conic and polar stereographic projections the map engine chooses,
scale depends on latitude alone. Without a given length, the bar is a round length near a
fifth of the frame's width.

Parameters of :func:`draw_scalebar`:
    ax        the map axes (data units: metres of ``crs``)
    crs       the axes' projected CRS (anything pyproj accepts)
    km        the length to show; ``None`` picks a round length near 1/5 of the frame
    loc       corner: "lower left", "lower right", "upper left", "upper right"
    pad_mm    distance from the frame, in millimetres
    height_mm thickness of the bar, in millimetres
    colours   (dark, light) fill colours of the alternating segments
    text      matplotlib text properties for the label
    linewidth outline width in points
"""

from __future__ import annotations

import math

NICE = (1, 2, 2.5, 5)


def units_per_km(crs, view: tuple[float, float, float, float], at: tuple[float, float] | None = None) -> float:
    """Map units per kilometre on the ground along the horizontal, measured geodesically at
    ``at`` (map units; default the view's centre)."""
    from pyproj import CRS, Geod, Transformer

    x0, y0, x1, y1 = view
    cx, cy = at if at is not None else ((x0 + x1) / 2, (y0 + y1) / 2)
    half = (x1 - x0) / 20
    to_geo = Transformer.from_crs(CRS(crs), "EPSG:4326", always_xy=True)
    (lon_a, lon_b), (lat_a, lat_b) = to_geo.transform([cx - half, cx + half], [cy, cy])
    _, _, metres = Geod(ellps="WGS84").inv(lon_a, lat_a, lon_b, lat_b)
    return (2 * half) / (metres / 1000)


def nice_km(target_km: float) -> float:
    """The round length (1, 2, 2.5 or 5 times a power of ten) nearest to the target, by ratio."""
    exp = 10 ** math.floor(math.log10(target_km))
    return min((n * exp for n in NICE + (10,)), key=lambda v: abs(math.log(v / target_km)))


def draw_scalebar(ax, crs, colours: tuple[str, str], km: float | None = None, loc: str = "lower left",
                  pad_mm: float = 3.0, height_mm: float = 1.1, text: dict | None = None,
                  linewidth: float = 0.4, mm_per_unit: float = 1.0) -> dict:
    """Draw the bar; return what it claims (km, length in map units and millimetres)."""
    from matplotlib.patches import Rectangle

    from pyproj import CRS, Transformer

    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    view = (x0, y0, x1, y1)
    unit_per_mm = 1 / mm_per_unit
    pad, height = pad_mm * unit_per_mm, height_mm * unit_per_mm
    bottom = y0 + pad + 3.2 * unit_per_mm if "lower" in loc else y1 - pad - height
    middle_y = bottom + height / 2
    # the scale where the bar will stand; measured again at its middle once its length is known
    guess_x = x0 + (x1 - x0) * (0.15 if "left" in loc else 0.85)
    per_km = units_per_km(crs, view, (guess_x, middle_y))
    if km is None:
        km = nice_km((x1 - x0) / per_km / 5)
    for _ in range(2):
        length = km * per_km
        left = x0 + pad if "left" in loc else x1 - pad - length
        per_km = units_per_km(crs, view, (left + length / 2, middle_y))
    length = km * per_km
    left = x0 + pad if "left" in loc else x1 - pad - length
    segments = 2 if km >= 2 else 1
    seg = length / segments
    artists = []
    for i in range(segments):
        artists.append(ax.add_patch(Rectangle((left + i * seg, bottom), seg, height, facecolor=colours[i % 2],
                                              edgecolor=colours[0], linewidth=linewidth, zorder=20,
                                              clip_on=False)))
    to_geo = Transformer.from_crs(CRS(crs), "EPSG:4326", always_xy=True)
    lon, lat = to_geo.transform(left + length / 2, middle_y)
    named = float(round(lat))
    samples = [units_per_km(crs, view, (x0 + (x1 - x0) * fx, y0 + (y1 - y0) * fy))
               for fx, fy in ((0.5, 0.5), (0.1, 0.1), (0.9, 0.9), (0.1, 0.9), (0.9, 0.1))]
    varies = max(samples) / min(samples) > 1.03  # scale differs by more than 3 % across the map
    if varies:
        # true at the whole latitude the label names (the one through the bar's middle, rounded)
        at = Transformer.from_crs("EPSG:4326", CRS(crs), always_xy=True).transform(lon, named)
        per_km = units_per_km(crs, view, at)
        length = km * per_km
        left = x0 + pad if "left" in loc else x1 - pad - length
        seg = length / segments
        for i, patch in enumerate(artists):
            patch.set_x(left + i * seg)
            patch.set_width(seg)
        lat = named
    label = f"{km:,g} km" + (f" at {abs(named):.0f}°{'N' if named >= 0 else 'S'}" if varies else "")
    ha = "left" if "left" in loc else "right"
    artists.append(ax.text(left if ha == "left" else left + length, bottom - 0.6 * unit_per_mm, label,
                           ha=ha, va="top", zorder=20, **(text or {})))
    return {"km": km, "length_units": length, "label": label, "length_mm": length * mm_per_unit,
            "artists": artists, "middle": [left + length / 2, middle_y], "latitude": round(lat, 3),
            "units_per_km_at_bar": per_km}
