"""[cartography-3]: maps at the limits of their data, judged from the rendered PDF at 300 dpi
with the map's own projection laid over it: extents to the pole draw whole land; features finer
than the base data get a symbol by kind; red is for claims only.

Reference points come from outside sources (named beside each), not from the gazetteer."""

from __future__ import annotations

import dataclasses
import json
import shutil
from pathlib import Path

import numpy as np
import pypdfium2 as pdfium
import pytest

from conftest import ROOT, SAMPLE, pdf_text

ARCTIC = ROOT / "tests" / "briefs" / "high-arctic"
SPRATLY = ROOT / "tests" / "briefs" / "spratly-reefs"
DPI = 300

# points on land, with where their coordinates come from
LAND = {
    "Newtontoppen, Spitsbergen": (16.804167, 79.151389),  # Wikipedia (it): 79°09′05″N 16°48′15″E
    "Austfonna, Nordaustlandet": (24.6633, 79.7833),  # Wikipedia: 79°47.0′N 24°39.8′E
    "Zemlya Georga, Franz Josef Land": (49.0125, 80.44528),  # Wikipedia: 80°26′43″N 49°00′45″E
    "October Revolution Island, Severnaya Zemlya": (97.0, 79.5),  # Wikipedia: 79°30′N 97°00′E
    "Barbeau Peak, Ellesmere Island": (-75.025, 81.90833),  # Wikipedia: 81°54′30″N 75°01′30″W
    "Yamal Peninsula": (70.13672, 70.67088),  # Wikipedia (old revision): 70°40′15″N 70°08′12″E
    "Taymyr Peninsula": (98.0, 74.0),  # Wikipedia: 74°N 98°E
}
# points in open water
SEA = {
    "Barents Sea": (40.0, 75.0),  # Wikipedia: 75°N 40°E
    "Arctic Ocean north of Svalbard": (15.0, 84.0),  # NOAA bathymetry: the Nansen Basin, over 3,000 m deep
}


@pytest.fixture(scope="module")
def arctic(tmp_path_factory):
    return _render(ARCTIC, tmp_path_factory.mktemp("arctic-cache"))


@pytest.fixture(scope="module")
def reefs(tmp_path_factory):
    return _render(SPRATLY, tmp_path_factory.mktemp("reef-cache"))


def _render(brief_dir: Path, cache: Path) -> dict:
    """fid -> (rendered figure, its definition, the style)."""
    from report.figures import prepare
    from report.pipeline import load

    brief, style = load(brief_dir)
    return {fid: (fig, brief.figures[fid], style) for fid, fig in prepare(brief, style, cache_dir=cache).items()}


def raster(pdf: Path) -> np.ndarray:
    """The figure at 300 dpi, as (rows, columns, RGB)."""
    doc = pdfium.PdfDocument(str(pdf))
    try:
        return np.asarray(doc[0].render(scale=DPI / 72).to_pil().convert("RGB"), dtype=int)
    finally:
        doc.close()


def on_paper(report: dict, lon: float, lat: float) -> tuple[int, int]:
    """(row, column) of a lon/lat in the 300-dpi raster, through the map's projection and frame."""
    from pyproj import CRS, Transformer

    x, y = Transformer.from_crs("EPSG:4326", CRS.from_wkt(report["crs"]), always_xy=True).transform(lon, lat)
    x0, y0, x1, y1 = report["view"]
    fx0, fy0, fx1, fy1 = report["frame"]
    mm_x = fx0 + (x - x0) / (x1 - x0) * (fx1 - fx0)
    mm_y = fy0 + (y - y0) / (y1 - y0) * (fy1 - fy0)
    px = DPI / 25.4
    return round((report["height_mm"] - mm_y) * px), round(mm_x * px)


def colour_at(image: np.ndarray, rc: tuple[int, int], rgb: tuple[int, int, int]) -> float:
    """Share of the 9×9 pixels (0.76 mm) around ``rc`` within 12 of colour ``rgb`` per channel;
    a graticule line or a coast crossing the square leaves most of it its fill."""
    want = np.array(rgb)
    r, c = rc
    patch = image[r - 4:r + 5, c - 4:c + 5].reshape(-1, 3)
    return float((np.abs(patch - want).max(axis=1) <= 12).mean())


def report_of(fig) -> dict:
    return json.loads(fig.pdf.with_suffix(".json").read_text())


# --- the poles ------------------------------------------------------------------------------

@pytest.mark.parametrize("fid,places", [
    ("archipelagos", ["Newtontoppen, Spitsbergen", "Austfonna, Nordaustlandet", "Zemlya Georga, Franz Josef Land"]),
    ("cap", list(LAND)),
])
def test_extents_to_the_pole_draw_whole_land(arctic, fid, places):
    """Land is land at 300 dpi: a cap on the pole draws Eurasia's coast from Yamal to Taymyr,
    not a chord across it (the clip box's edges follow their parallels once projected)."""
    fig, _, style = arctic[fid]
    rep, image = report_of(fig), raster(fig.pdf)
    land, water = style.colours["land"].rgb, style.colours["water"].rgb
    for name in places:
        rc = on_paper(rep, *LAND[name])
        assert 0 <= rc[0] < image.shape[0] and 0 <= rc[1] < image.shape[1], (fid, name, "outside the frame")
        assert colour_at(image, rc, land) > 0.5, (fid, name, "is not drawn as land")
    for name, lonlat in SEA.items():
        rc = on_paper(rep, *lonlat)
        if 0 <= rc[0] < image.shape[0] and 0 <= rc[1] < image.shape[1]:
            assert colour_at(image, rc, water) > 0.5, (fid, name, "is not drawn as water")


def test_a_bbox_up_to_the_pole_can_name_the_pole(arctic):
    for fid in ("archipelagos", "cap"):
        fig, _, _ = arctic[fid]
        rep = report_of(fig)
        assert "north-pole" in rep["markers"], fid
        assert any(lab["text"] == "North Pole" for lab in rep["labels"]), fid
        fx0, fy0, fx1, fy1 = rep["frame"]
        r, c = on_paper(rep, 0.0, 90.0)
        px = DPI / 25.4
        # the pole's dot lies inside the frame, clear of its edge
        assert fx0 * px + 5 < c < fx1 * px - 5, fid
        assert (rep["height_mm"] - fy1) * px + 5 < r < (rep["height_mm"] - fy0) * px - 5, fid


# --- features finer than the data -----------------------------------------------------------

SYMBOLS = {"fiery-cross-reef": "rock", "cuarteron-reef": "rock", "johnson-reef": "rock", "collins-reef": "reef",
           "subi-reef": "low-tide-elevation", "mischief-reef": "low-tide-elevation",
           "second-thomas-shoal": "low-tide-elevation", "reed-bank": "shoal", "spratly-island": "island"}


def test_a_reef_field_prints_every_feature_with_its_symbol_and_a_warning(reefs):
    """Natural Earth has none of the Spratly reefs: each is drawn with its kind's symbol at its
    published position and named beside it, the legend says what each symbol means, and a
    warning names each."""
    fig, _, style = reefs["reefs"]
    rep, image = report_of(fig), raster(fig.pdf)
    assert set(SYMBOLS) <= set(rep["markers"])
    warnings = [message for message, _ in rep["warnings"] if "finer than the base data" in message]
    assert len(warnings) == len(SYMBOLS)  # one per feature (printed with its line in the spec)
    for pid, kind in SYMBOLS.items():
        assert any(f'"{pid}"' in w and f"({kind})" in w for w in warnings), pid
    # the rock's filled triangle is ink at Fiery Cross Reef (AMTI/Wikipedia: 9°32′57″N 112°53′21″E)
    assert colour_at(image, on_paper(rep, 112.88917, 9.54917), style.colours["text"].rgb) > 0.3
    texts = {lab["text"] for lab in rep["labels"]}
    for name in ("Fiery Cross Reef", "Subi Reef", "Mischief Reef", "Second Thomas Shoal", "Reed Bank"):
        assert name in texts, name
    words = " ".join(pdf_text(fig.pdf).split())
    for legend in ("Reef", "Shoal", "Rock: above water at high tide",
                   "Low-tide elevation: above water at low tide only", "Island too small for the base data"):
        assert legend in words, legend


def test_islands_below_a_square_kilometre_print_their_area_with_decimals(reefs):
    fig, _, _ = reefs["reefs"]
    texts = {lab["text"] for lab in report_of(fig)["labels"]}
    assert "Itu Aba\n0.46 km²" in texts and "Thitu\n0.37 km²" in texts and "Spratly Island\n0.15 km²" in texts
    assert not any("\n0 km²" in t for t in texts)


def test_one_speck_names_one_island_and_a_reef_never_takes_one(reefs):
    """Thitu takes the speck Natural Earth has for it; Subi Reef, 26 km away, is a low-tide
    elevation and gets its symbol; an island with no land of its own in the data does not
    borrow a neighbour's."""
    import shapely

    from geodata import base, symbols
    from geodata.spec import LabelSpec
    from pyproj import CRS

    fig, definition, _ = reefs["reefs"]
    crs = CRS.from_wkt(report_of(fig)["crs"])
    land = base.load("land", (111, 7, 118, 12), crs=crs)
    points = {lab.place.id: lab.place for lab in definition.spec.labels}
    finer = symbols.pair([LabelSpec(place=points[p], marker=False) for p in ("thitu", "subi-reef", "itu-aba")],
                         land, crs)
    assert set(finer.outline) == {"thitu", "itu-aba"} and finer.symbol == {"subi-reef": "low-tide-elevation"}
    assert not finer.outline["thitu"].equals(finer.outline["itu-aba"])
    # a second island next to Thitu's speck, 1 km away: the speck names the nearer one only
    twin = dataclasses.replace(points["thitu"], id="thitu-twin", lon=points["thitu"].lon + 0.01)
    finer = symbols.pair([LabelSpec(place=twin, marker=False), LabelSpec(place=points["thitu"], marker=False)],
                         land, crs)
    assert set(finer.outline) == {"thitu"} and finer.symbol == {"thitu-twin": "island"}
    assert shapely.Point(*_project(crs, points["thitu"])).distance(finer.outline["thitu"]) < 1000


def _project(crs, place):
    from pyproj import Transformer

    return Transformer.from_crs("EPSG:4326", crs, always_xy=True).transform(place.lon, place.lat)


@pytest.mark.parametrize("km2,text", [(0.46, "0.46 km²"), (0.05, "0.05 km²"), (0.999, "1 km²"), (93, "93 km²"),
                                      (1489.2, "1,489 km²")])
def test_area_text(km2, text):
    from geodata.spec import area_text

    assert area_text(km2) == text


def test_a_style_symbol_must_be_a_known_shape(tmp_path):
    from report.errors import BriefError
    from report.style import STYLES_DIR, load_style

    (tmp_path / "house.toml").write_text((STYLES_DIR / "house.toml").read_text(encoding="utf-8")
                                         .replace('symbol = "plus"', 'symbol = "anchor"'), encoding="utf-8")
    with pytest.raises(BriefError) as err:
        load_style("house", tmp_path)
    assert "'figure.roles.reef.symbol' must be one of" in str(err.value) and '"circle"' in str(err.value)
    lines = (tmp_path / "house.toml").read_text(encoding="utf-8").splitlines()
    assert 'symbol = "anchor"' in lines[err.value.line - 1]


# --- red is for claims -------------------------------------------------------------------------

@pytest.fixture(scope="module")
def figure_cache(tmp_path_factory):
    return tmp_path_factory.mktemp("figure-cache")  # the maps a viewpoint does not change render once


@pytest.mark.parametrize("viewpoint", ["neutral", "japan", "russia"])
def test_red_marks_claims_only(tmp_path, figure_cache, viewpoint):
    """On every map of the sample, in every viewpoint, the claim colour is ink only along a claim
    line (and its sample in the legend): not the callout dots, not the drill seas, not the inset's
    frame."""
    from report.figures import prepare
    from report.pipeline import load

    brief = tmp_path / "brief"
    shutil.copytree(SAMPLE, brief)
    spec = brief / "figures" / "islands.toml"
    spec.write_text(spec.read_text().replace('viewpoint = "neutral"', f'viewpoint = "{viewpoint}"'))
    b, style = load(brief)
    want = np.array(style.colours["claim"].rgb)
    claim_lines = json.loads((ROOT / "geodata" / "layers" / "claim_lines.geojson").read_text())["features"]
    for fid, fig in prepare(b, style, cache_dir=figure_cache).items():
        if fig.kind != "map":
            continue
        image = raster(fig.pdf)
        red = np.argwhere(np.abs(image - want).max(axis=2) <= 30)
        drawn = [layer for layer in b.figures[fid].spec.layers if style.figure.roles[layer.role].get("edge") == "claim"]
        if not drawn:
            assert len(red) == 0, (fid, viewpoint, f"{len(red)} pixels in the claim colour")
            continue
        rep = report_of(fig)
        ids = {f for layer in drawn for f in layer.features}
        path = []
        for feature in claim_lines:
            if feature["properties"]["id"] in ids:
                coords = np.array(feature["geometry"]["coordinates"])
                for a, b_ in zip(coords[:-1], coords[1:]):
                    for t in np.linspace(0, 1, 50):
                        path.append(on_paper(rep, *(a + t * (b_ - a))))
        path = np.array(path)
        assert len(red) and len(path), (fid, viewpoint)
        px = DPI / 25.4
        legend = [[(rep["height_mm"] - b["box"][3]) * px, b["box"][0] * px, (rep["height_mm"] - b["box"][1]) * px,
                   b["box"][2] * px] for b in rep["boxes"] if b["what"] == "the legend"]
        # the claim line itself, or its sample in the legend
        far = [p for p in red if np.hypot(*(path - p).T).min() > 1.5 * px
               and not any(r0 <= p[0] <= r1 and c0 <= p[1] <= c1 for r0, c0, r1, c1 in legend)]
        assert not far, (fid, viewpoint, f"{len(far)} red pixels away from the claim line, e.g. {far[0]}")
