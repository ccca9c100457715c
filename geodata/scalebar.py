"""A scale bar that tells the truth at the map's centre.

One artist, one job. The bar's length in map units is computed from the geodesic
distance (WGS 84 ellipsoid) between two points straddling the centre of the view along
the horizontal, so it holds for any projection; away from the centre the true scale of
a conic or stereographic map drifts, which is why the claim is made at the centre.

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


def units_per_km(crs, view: tuple[float, float, float, float]) -> float:
    """Map units per kilometre on the ground, measured geodesically at the view's centre."""
    from pyproj import CRS, Geod, Transformer

    x0, y0, x1, y1 = view
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    half = (x1 - x0) / 20
    to_geo = Transformer.from_crs(CRS(crs), "EPSG:4326", always_xy=True)
    (lon_a, lon_b), (lat_a, lat_b) = to_geo.transform([cx - half, cx + half], [cy, cy])
    _, _, metres = Geod(ellps="WGS84").inv(lon_a, lat_a, lon_b, lat_b)
    return (2 * half) / (metres / 1000)


def nice_km(target_km: float) -> float:
    exp = 10 ** math.floor(math.log10(target_km))
    return max(n * exp for n in NICE + (10,) if n * exp <= target_km)


def draw_scalebar(ax, crs, colours: tuple[str, str], km: float | None = None, loc: str = "lower left",
                  pad_mm: float = 3.0, height_mm: float = 1.1, text: dict | None = None,
                  linewidth: float = 0.4, mm_per_unit: float = 1.0) -> dict:
    """Draw the bar; return what it claims (km, length in map units and millimetres)."""
    from matplotlib.patches import Rectangle

    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    per_km = units_per_km(crs, (x0, y0, x1, y1))
    if km is None:
        km = nice_km((x1 - x0) / per_km / 5)
    length = km * per_km
    unit_per_mm = 1 / mm_per_unit
    pad, height = pad_mm * unit_per_mm, height_mm * unit_per_mm
    left = x0 + pad if "left" in loc else x1 - pad - length
    bottom = y0 + pad + 3.2 * unit_per_mm if "lower" in loc else y1 - pad - height
    segments = 2 if km >= 2 else 1
    seg = length / segments
    artists = []
    for i in range(segments):
        artists.append(ax.add_patch(Rectangle((left + i * seg, bottom), seg, height, facecolor=colours[i % 2],
                                              edgecolor=colours[0], linewidth=linewidth, zorder=20,
                                              clip_on=False)))
    corner = units_per_km(crs, (x0, y0, x0 + (x1 - x0) / 10, y0 + (y1 - y0) / 10))
    varies = abs(corner / per_km - 1) > 0.03  # scale differs by more than 3 % across the map
    label = f"{km:,g} km" + (" (at centre)" if varies else "")
    ha = "left" if "left" in loc else "right"
    artists.append(ax.text(left if ha == "left" else left + length, bottom - 0.6 * unit_per_mm, label,
                           ha=ha, va="top", zorder=20, **(text or {})))
    return {"km": km, "length_units": length, "label": label, "length_mm": length * mm_per_unit,
            "artists": artists,
            "units_per_km_at_centre": per_km}
