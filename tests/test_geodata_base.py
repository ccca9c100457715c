"""Tests for the offline base layers (geodata/base.py, geodata/refresh.py)."""

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

gpd = pytest.importorskip("geopandas")
shapely = pytest.importorskip("shapely")

from geodata import base  # noqa: E402
from geodata.base import load  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
GEODATA = ROOT / "geodata"
KURILS = (140, 40, 150, 48)
BERING = (165, 60, -165, 70)
EQUAL_AREA = "+proj=laea +lat_0=44 +lon_0=147 +datum=WGS84"
TARBALL = Path(os.environ.get("GEODATA_TARBALL", "/tmp/world-atlas-2.0.2.tgz"))
ADMIN1_GPKG = Path("/usr/share/qgis/resources/data/world_map.gpkg")


def _covers(df, lon, lat):
    return bool(shapely.contains_xy(shapely.union_all(df.geometry.values), lon, lat))


def test_boxes_cross_antimeridian_with_margin():
    assert base.boxes((170, 60, -170, 70), margin=0.1) == [(168.0, 59.0, 180.0, 71.0), (-180.0, 59.0, -168.0, 71.0)]
    assert base.boxes((140, 40, 150, 48), margin=0) == [(140.0, 40.0, 150.0, 48.0)]
    assert base.boxes((-10, 0, 350, 10)) == [(-180.0, -1.0, 180.0, 11.0)]
    with pytest.raises(ValueError):
        base.boxes((0, 50, 10, 40))


def test_extent_across_180_returns_chukotka_and_alaska():
    land = load("land", BERING)
    assert _covers(land, 177.0, 65.5), "Chukotka (west of 180) missing"
    assert _covers(land, -163.0, 65.5), "Alaska's Seward Peninsula (east of 180) missing"
    assert land.total_bounds[0] == pytest.approx(-180) and land.total_bounds[2] == pytest.approx(180)
    countries = load("countries", BERING)
    assert {"Russia", "United States of America"} <= set(countries["name"])
    assert countries["id"].is_unique  # Russia's pieces from both sides come back as one row


@pytest.mark.parametrize("layer", base.LAYERS)
@pytest.mark.parametrize("extent", [KURILS, BERING, (60, 64, 80, 74)])
def test_valid_polygons_in_wgs84(layer, extent):
    df = load(layer, extent)
    assert df.crs == "EPSG:4326"
    assert len(df) and df["id"].is_unique
    assert shapely.is_valid(df.geometry.values).all()
    assert set(df.geom_type) <= {"Polygon", "MultiPolygon"}
    boxes = base.boxes(extent)  # clipped to the extent plus the 10 % margin
    w, s, e, n = df.total_bounds
    assert s >= min(b[1] for b in boxes) - 1e-9 and n <= max(b[3] for b in boxes) + 1e-9
    if len(boxes) == 1:
        assert w >= boxes[0][0] - 1e-9 and e <= boxes[0][2] + 1e-9


def test_kuril_islands_present_with_plausible_areas():
    land = load("land", KURILS)
    assert land["id"].str.fullmatch(r"land-\d{5}").all()
    area = land.to_crs(EQUAL_AREA).area / 1e6
    for name, (lon, lat), km2 in [("Iturup", (147.9, 45.0), 3200),
                                   ("Kunashir", (145.86, 44.03), 1490),
                                   ("Shikotan", (146.75, 43.80), 255)]:
        hit = shapely.contains_xy(land.geometry.values, lon, lat)
        assert hit.sum() == 1, f"{name}: no land polygon at {lon}, {lat}"
        row = land[hit].iloc[0]
        assert shapely.get_num_geometries(row.geometry) == 1, f"{name} is not a single polygon"
        assert area[hit].iloc[0] == pytest.approx(km2, rel=0.10), name
        assert row["area_km2"] == pytest.approx(km2, rel=0.10), name
    assert _covers(land, 146.15, 43.51), "Zelyony (Shibotsu), the largest Habomai islet, missing"


def test_antarctica_closed_along_the_pole():
    land = load("land", (-180, -90, 180, -60), margin=0)
    biggest = land.sort_values("area_km2").iloc[-1]
    assert 1.1e7 < biggest["area_km2"] < 1.45e7
    assert _covers(land, 0, -89.9) and _covers(land, 179.99, -85)


def test_projected_output_merges_pieces_cut_at_180():
    df = load("land", (170, 66, -170, 74), crs="EPSG:3571")  # WGS 84 / North Pole LAEA Bering Sea
    assert df.crs.to_epsg() == 3571
    assert shapely.is_valid(df.geometry.values).all()
    wrangel = df[df.geometry.intersects(gpd.GeoSeries.from_xy([-179.5, 179.5], [71.3, 71.3], crs=4326)
                                        .to_crs(3571).union_all())]
    assert len(wrangel) == 1 and shapely.get_num_geometries(wrangel.geometry.iloc[0]) == 1
    lonlat = load("land", (170, 66, -170, 74))
    assert shapely.get_num_geometries(lonlat.set_index("id").geometry[wrangel["id"].iloc[0]]) == 2


def test_unknown_layer_lists_available_layers():
    with pytest.raises(KeyError) as err:
        load("rivers", KURILS)
    assert "rivers" in str(err.value)
    for layer in base.LAYERS:
        assert layer in str(err.value)


def test_simplification_reduces_vertices_and_stays_valid():
    for layer in ("land", "countries"):
        full = load(layer, (130, 40, 165, 62), crs="EPSG:3571")
        simple = load(layer, (130, 40, 165, 62), crs="EPSG:3571", simplify_mm=0.3, scale=10_000_000)
        n_full = shapely.get_num_coordinates(full.geometry.values).sum()
        n_simple = shapely.get_num_coordinates(simple.geometry.values).sum()
        assert n_simple < 0.5 * n_full, layer
        assert shapely.is_valid(simple.geometry.values).all()
    with pytest.raises(ValueError, match="scale"):
        load("land", KURILS, simplify_mm=0.2)


def test_admin1_has_iso_codes_for_russia_and_japan():
    admin1 = load("admin1", (-180, -90, 180, 90), margin=0)
    assert {"id", "name", "iso_3166_2", "country"} <= set(admin1.columns)
    assert set(admin1["country"]) == {"RUS", "JPN"}
    assert (admin1["country"] == "JPN").sum() == 47
    assert {"RU-PRI", "RU-CHU", "RU-SAK", "RU-YAN", "JP-01"} <= set(admin1["iso_3166_2"])
    chukotka = admin1[admin1["iso_3166_2"] == "RU-CHU"]
    assert tuple(chukotka.total_bounds[[0, 2]]) == (-180, 180)  # QGIS's +-179.9 clip put back on the seam


def test_military_districts_dissolve_and_missing_member(tmp_path):
    refresh = pytest.importorskip("geodata.refresh")
    admin1 = load("admin1", (-180, -90, 180, 90), margin=0)
    toml = tmp_path / "md.toml"
    toml.write_text('[[district]]\nid = "test-md"\nname = "Test District"\nmembers = ["RU-PRI", "RU-KHA"]\n'
                    'sources = [{ title = "T", url = "https://example.org", consulted = "2026-11-27" }]\n')
    md = refresh.build_military_districts(toml, admin1)
    assert list(md["id"]) == ["test-md"] and "https://example.org" in md["sources"].iloc[0]
    members = admin1[admin1["iso_3166_2"].isin(["RU-PRI", "RU-KHA"])].to_crs(EQUAL_AREA).area.sum()
    assert md.to_crs(EQUAL_AREA).area.iloc[0] == pytest.approx(members, rel=1e-3)
    assert md.geometry.is_valid.all()
    toml.write_text('[[district]]\nid = "bad"\nname = "Bad"\nmembers = ["RU-PRI", "RU-XXX"]\n')
    with pytest.raises(SystemExit, match="RU-XXX"):
        refresh.build_military_districts(toml, admin1)


def test_refresh_reproduces_committed_files(tmp_path):
    if not TARBALL.exists():
        pytest.skip(f"world-atlas tarball not found at {TARBALL} (set GEODATA_TARBALL; `npm pack world-atlas@2.0.2`)")
    refresh = pytest.importorskip("geodata.refresh")
    manifest = json.loads((GEODATA / "MANIFEST.json").read_text())
    if manifest["toolchain"] != refresh.toolchain():
        pytest.skip(f"library versions differ from those that made the committed files: {manifest['toolchain']}")
    cmd = [sys.executable, "-m", "geodata.refresh", str(TARBALL), "--out", str(tmp_path)]
    if ADMIN1_GPKG.exists():
        cmd += ["--admin1", str(ADMIN1_GPKG)]
    subprocess.run(cmd, cwd=ROOT, check=True, capture_output=True)
    files = manifest["files"]
    made = sorted(p.name for p in tmp_path.glob("*.fgb.xz"))
    assert {"land.fgb.xz", "countries.fgb.xz"} <= set(made)
    for name in made:
        committed = GEODATA / "base" / name
        assert hashlib.sha256((tmp_path / name).read_bytes()).hexdigest() == files[f"base/{name}"]["sha256"], name
        assert (tmp_path / name).read_bytes() == committed.read_bytes(), name
