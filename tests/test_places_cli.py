"""[geodata]: `brief places` — what an editor uses to write map specs."""

from __future__ import annotations

import json

from conftest import run_brief


def test_places_json_lists_every_entry_with_its_keys():
    proc = run_brief("places", "--json")
    assert proc.returncode == 0, proc.stderr
    places = json.loads(proc.stdout)
    assert len(places) >= 30
    for p in places:
        assert set(p) >= {"id", "names", "kind", "lat", "lon", "sources"}
        assert p["sources"], p["id"]
    ids = {p["id"] for p in places}
    assert {"iturup", "kunashir", "shikotan", "habomai", "urup", "tsugol", "sabetta", "vladivostok"} <= ids


def test_places_query_matches_any_name_convention():
    for query, expected in (("Etorofu", "iturup"), ("択捉", "iturup"), ("Итуруп", "iturup"), ("yuzhno", "yuzhno-kurilsk")):
        proc = run_brief("places", query, "--json")
        assert proc.returncode == 0, proc.stderr
        assert expected in {p["id"] for p in json.loads(proc.stdout)}, query


def test_places_unknown_query_exits_1():
    proc = run_brief("places", "Qqxzyvv")  # no gazetteer, world included, has it
    assert proc.returncode == 1 and "no place matches" in proc.stderr


def test_a_brief_extends_and_overrides_the_gazetteer(tmp_path):
    brief = tmp_path / "arctic"
    brief.mkdir()
    (brief / "places.toml").write_text(
        '[[place]]\nid = "murmansk"\nkind = "port"\nnames = { en = "Murmansk", ru = "Мурманск" }\n'
        'lat = 68.97\nlon = 33.08\nsources = [{ title = "test source", consulted = "2026-11-27" }]\n\n'
        '[[place]]\nid = "sabetta"\nkind = "port"\nnames = { en = "Sabetta (port)" }\n'
        'lat = 71.27\nlon = 72.07\nsources = [{ title = "test override", consulted = "2026-11-27" }]\n',
        encoding="utf-8")
    proc = run_brief("places", "--brief", brief, "--json")
    assert proc.returncode == 0, proc.stderr
    places = {p["id"]: p for p in json.loads(proc.stdout)}
    assert "murmansk" in places and places["sabetta"]["names"]["en"] == "Sabetta (port)"
    # the bundled gazetteer is untouched for other briefs
    plain = {p["id"]: p for p in json.loads(run_brief("places", "--json").stdout)}
    assert "murmansk" not in plain and plain["sabetta"]["names"]["en"] == "Sabetta"


def test_a_place_without_sources_is_refused_naming_file_and_entry(tmp_path):
    brief = tmp_path / "bad"
    brief.mkdir()
    (brief / "places.toml").write_text(
        '[[place]]\nid = "nowhere"\nkind = "city"\nnames = { en = "Nowhere" }\nlat = 1.0\nlon = 2.0\nsources = []\n',
        encoding="utf-8")
    proc = run_brief("places", "--brief", brief)
    assert proc.returncode == 1
    assert "places.toml" in proc.stderr and "nowhere" in proc.stderr and "Traceback" not in proc.stderr
