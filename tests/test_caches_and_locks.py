"""[robustness-3] Damaged caches, indexes and lock files. A damaged cache entry or world index is
one `warning:` line naming it, and the build or search goes on with it made again; a bad
`places.lock.json`, `places.toml` or `$BRIEF_WORLD_DATA` is one `error:` line naming the file (and
the line of the offending key), exit 1; the lock changes only when a build succeeds."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from conftest import ROOT, run_brief
from geodata import files

MAP = (ROOT / "tests" / "briefs" / "north-pacific" / "figures" / "bering.toml").read_text(encoding="utf-8")
PYTHON_NAMES = re.compile(r"Traceback|\b[A-Z]\w*(Error|Exception)\b|KeyboardInterrupt")


def _with_map(brief: Path) -> Path:
    (brief / "figures").mkdir()
    (brief / "figures" / "f.toml").write_text(MAP, encoding="utf-8")
    text = (brief / "brief.md").read_text(encoding="utf-8")
    (brief / "brief.md").write_text(text.replace("## A first heading", "![](figure:f)\n\n## A first heading", 1),
                                    encoding="utf-8")
    return brief


def _env(cache: Path, **extra: str) -> dict:
    return {**os.environ, "BRIEF_CACHE": str(cache), **extra}


def _editions(dist: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in (dist / "arctic-notes").iterdir()}


def _one_line(stderr: str, prefix: str) -> str:
    """The one line a user sees, checked: it starts with ``prefix`` and names no Python internals."""
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith(prefix), stderr
    assert not PYTHON_NAMES.search(stderr), stderr
    return lines[0]


@pytest.fixture(scope="module")
def warm(tmp_path_factory):
    """The small brief with one map (curated places, so no world index), built once with all
    editions into its own cache: the lock, every kind of cache entry, and the editions."""
    root = tmp_path_factory.mktemp("warm")
    brief = _with_map(Path(shutil.copytree(ROOT / "tests" / "briefs" / "arctic-notes", root / "arctic-notes")))
    proc = run_brief("build", brief, "--out", root / "dist", "-q", env=_env(root / "cache"))
    assert proc.returncode == 0, proc.stderr
    lock = (brief / "places.lock.json").read_text(encoding="utf-8")
    return SimpleNamespace(root=root, brief=brief, cache=root / "cache", dist=root / "dist",
                           editions=_editions(root / "dist"), lock=lock)


@pytest.fixture
def site(warm, tmp_path):
    """A writable copy of the warm brief, its editions and its cache."""
    return SimpleNamespace(brief=Path(shutil.copytree(warm.brief, tmp_path / "arctic-notes")),
                           dist=Path(shutil.copytree(warm.dist, tmp_path / "dist")),
                           cache=Path(shutil.copytree(warm.cache, tmp_path / "cache")), editions=warm.editions)


def _build(site, *args, env=None):
    return run_brief("build", site.brief, "--out", site.dist, "-q", *args, env=env or _env(site.cache))


# --- cache entries ----------------------------------------------------------------------------

ENTRIES = {  # what the entry is: how to find it in the cache
    "figure": lambda c: next(p for p in (c / "figures").glob("f-*.pdf") if "-cmyk-" not in p.name),
    "print copy of the figure": lambda c: next((c / "figures").glob("f-*-cmyk-*.pdf")),
    "figure check": lambda c: next((c / "figures").glob("f-*.screen-*.json")),
    "figure's warnings": lambda c: next((c / "figures").glob("f-*.warnings.json")),
    "map's drawn base layers": lambda c: next((c / "figures").glob("f-*.drawn.json")),
    "hyphenation dictionary": lambda c: next((c / "hyphenation").glob("*.pickle")),
    "decompressed base layer": lambda c: next((c / "geodata").glob("land-*.fgb")),
}


def _damage(path: Path, how: str) -> None:
    size = path.stat().st_size
    if how == "truncated":
        os.truncate(path, size // 3)
    elif how == "zeroed":
        path.write_bytes(bytes(size))
    elif how == "overwritten":
        path.write_bytes((b"not what was written " * size)[:size])
    elif how == "unstamped":
        files.stamp_path(path).unlink()


@pytest.mark.parametrize("entry,how", [
    *((name, "truncated") for name in ENTRIES),
    ("figure", "zeroed"), ("figure", "overwritten"), ("figure", "unstamped"),
])
def test_a_damaged_cache_entry_is_one_warning_and_is_made_again(entry, how, site, warm):
    path = ENTRIES[entry](site.cache)
    _damage(path, how)
    if entry == "decompressed base layer":  # read only when a map is drawn
        ENTRIES["figure"](site.cache).unlink()
    proc = _build(site)
    assert proc.returncode == 0, proc.stderr
    line = _one_line(proc.stderr, f"warning: {path}: damaged cache entry (")
    assert {"truncated": "bytes where", "unstamped": "no stamp"}.get(how, "not what was written") in line
    assert _editions(site.dist) == warm.editions  # the same editions as from the intact cache
    assert files.check_entry(path)[0] is not None  # made again, stamped


def test_a_repaired_cache_is_used_again_without_a_warning(site, warm):
    _damage(ENTRIES["figure"](site.cache), "zeroed")
    assert "warning:" in _build(site).stderr
    proc = _build(site)
    assert proc.returncode == 0 and proc.stderr == "", proc.stderr


def test_a_hyphenation_cache_that_is_not_what_was_written_is_never_unpickled(site, tmp_path):
    path = ENTRIES["hyphenation dictionary"](site.cache)
    marker = tmp_path / "unpickled"
    bomb = f"cos\nsystem\n(S'touch {marker}'\ntR.".encode()  # runs a command when unpickled
    path.write_bytes(bomb.ljust(path.stat().st_size, b"\0"))  # the size of the real entry
    proc = _build(site)
    assert proc.returncode == 0, proc.stderr
    assert "not what was written" in _one_line(proc.stderr, f"warning: {path}: damaged cache entry")
    assert not marker.exists()


# --- the world index and $BRIEF_WORLD_DATA -----------------------------------------------------

TOWNS = {
    "9000001": {"geonameid": 9000001, "name": "Testville", "latitude": 60.5, "longitude": 25.1,
                "countrycode": "FI", "population": 1200, "timezone": "", "admin1code": "",
                "alternatenames": ["Тествиль"]},
    "9000002": {"geonameid": 9000002, "name": "Otherby", "latitude": 61.0, "longitude": 24.0,
                "countrycode": "FI", "population": 700, "timezone": "", "admin1code": "", "alternatenames": []},
}


@pytest.fixture
def world(tmp_path):
    """A two-town world gazetteer (indexed in milliseconds) and a cache of its own."""
    data = tmp_path / "towns.json"
    data.write_text(json.dumps(TOWNS), encoding="utf-8")
    env = _env(tmp_path / "cache", BRIEF_WORLD_DATA=str(data))
    proc = run_brief("places", "Testville", env=env)
    assert proc.returncode == 0 and "indexing the world gazetteer" in proc.stderr, proc.stderr
    (index,) = (tmp_path / "cache" / "gazetteer").glob("*.sqlite")
    return SimpleNamespace(data=data, env=env, index=index)


def _sql(index: Path, *statements: str) -> None:
    db = sqlite3.connect(index)
    for sql in statements:
        db.execute(sql)
    db.commit()
    db.close()


def _other_program(index: Path) -> None:
    index.unlink()
    _sql(index, "CREATE TABLE notes(text)", "INSERT INTO notes VALUES ('mine')")


@pytest.mark.parametrize("how,damage,words", [
    ("truncated", lambda p: os.truncate(p, p.stat().st_size // 2), "malformed"),
    ("zeroed", lambda p: p.write_bytes(bytes(p.stat().st_size)), "not a database"),
    ("another program's", _other_program, "no table fts, meta, place"),
    ("missing its meta table", lambda p: _sql(p, "DROP TABLE meta"), "no table meta"),
    ("of another schema", lambda p: _sql(p, "UPDATE meta SET value = '0' WHERE key = 'schema'"), "schema '0'"),
])
def test_a_damaged_world_index_is_one_warning_and_is_indexed_again(how, damage, words, world):
    damage(world.index)
    proc = run_brief("places", "Testville", env=world.env)
    assert proc.returncode == 0 and "Testville, Finland" in proc.stdout, proc.stderr
    line = _one_line(proc.stderr, f"warning: {world.index}: the world gazetteer index is damaged (")
    assert words in line and "indexing towns.json again" in line
    again = run_brief("places", "Otherby", env=world.env)
    assert again.returncode == 0 and "Otherby" in again.stdout and again.stderr == "", again.stderr


def _fifo(path: Path) -> Path:
    os.mkfifo(path)
    return path


def _sparse(path: Path) -> Path:
    with open(path, "wb") as fh:
        fh.truncate(300_000_000)
    return path


def _bytes(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def _json(path: Path, value) -> Path:
    return _bytes(path, json.dumps(value).encode())


def _town(**changes):
    return {"9000001": {**TOWNS["9000001"], **changes}}


WORLD_DATA = [
    ("a FIFO", lambda t: _fifo(t / "fifo.json"), "is a FIFO (named pipe), not a GeoNames JSON file"),
    ("a device", lambda t: Path("/dev/zero"), "is a character device, not a GeoNames JSON file"),
    ("a folder", lambda t: t, "is a folder, not a GeoNames JSON file"),
    ("missing", lambda t: t / "none.json", "is missing"),
    ("empty", lambda t: _bytes(t / "e.json", b""), "is 0 bytes"),
    ("too large", lambda t: _sparse(t / "big.json"), "is 300,000,000 bytes"),
    ("not JSON", lambda t: _bytes(t / "x.json", b"\xff\xfe garbage"), "unreadable GeoNames data"),
    ("a list", lambda t: _json(t / "l.json", [1, 2]), "expected an object of places"),
    ("no latitude", lambda t: _json(t / "n.json", {"1": {"name": "X", "longitude": 1, "countrycode": "FI"}}),
     "place '1': no 'latitude'"),
    ("a string latitude", lambda t: _json(t / "s.json", _town(latitude="60.5")), "'latitude' '60.5' is not a number"),
    ("a NaN latitude", lambda t: _json(t / "nan.json", _town(latitude=float("nan"))), "'latitude' nan is not a number"),
    ("names of the wrong type", lambda t: _json(t / "a.json", _town(alternatenames="Тествиль")),
     "'alternatenames' must be a list"),
]


@pytest.mark.parametrize("case,make,words", WORLD_DATA, ids=[c[0] for c in WORLD_DATA])
def test_world_data_that_is_not_geonames_data_is_one_error_naming_it(case, make, words, tmp_path):
    data = make(tmp_path)
    proc = subprocess.run([sys.executable, "-m", "report.cli", "places", "Testville"], cwd=ROOT, capture_output=True,
                          text=True, env=_env(tmp_path / "cache", BRIEF_WORLD_DATA=str(data)),
                          timeout=120)  # only so that a hang fails the test rather than blocking it
    assert proc.returncode == 1, proc.stderr
    line = _one_line(proc.stderr, f"error: {data}: ")
    assert words in line, line


def test_a_build_with_world_data_that_is_a_fifo_is_one_error(site, tmp_path):
    spec = site.brief / "figures" / "f.toml"
    spec.write_text(MAP + '\n[[label]]\nplace = "Testville"\n', encoding="utf-8")
    fifo = _fifo(tmp_path / "world.json")
    proc = subprocess.run([sys.executable, "-m", "report.cli", "build", str(site.brief), "--out", str(site.dist), "-q"],
                          cwd=ROOT, capture_output=True, text=True, timeout=120,  # against a hang only
                          env=_env(site.cache, BRIEF_WORLD_DATA=str(fifo)))
    assert proc.returncode == 1
    line = _one_line(proc.stderr, f"error: {spec}:{len(MAP.splitlines()) + 3}: ")  # place = "Testville"
    assert f"{fifo}: $BRIEF_WORLD_DATA is a FIFO" in line, line


# --- places.lock.json ----------------------------------------------------------------------------

def _swap(old: str, new: str):
    return lambda text: text.replace(old, new, 1)


LOCKS = [  # what is wrong, how to make it from the good lock, the text on the offending line, words
    ("not UTF-8", None, '"en": "Bering Sea', "not valid UTF-8 (byte 0xff); delete the file"),
    ("not JSON", _swap('"kind": "sea",', '"kind": "sea"'), '"lat": 58.0', "not valid JSON (Expecting ',' delimiter)"),
    ("not a lock", lambda t: "[]\n", "[]", "not a place lock"),
    ("an entry that is not an object", _swap('"bering-sea": {', '"bering-sea": 5, "x": {'), '"bering-sea": 5',
     "'bering-sea': the entry is not an object; delete the entry to resolve 'bering-sea' again"),
    ("a string latitude", _swap('"lat": 58.0', '"lat": "58.0"'), '"lat": "58.0"',
     "'bering-sea': lat \"58.0\" is not a latitude"),
    ("a null latitude", _swap('"lat": 58.0', '"lat": null'), '"lat": null', "lat null is not a latitude"),
    ("a NaN latitude", _swap('"lat": 58.0', '"lat": NaN'), '"lat": NaN', "lat NaN is not a latitude"),
    ("a latitude past the pole", _swap('"lat": 66.5', '"lat": 999'), '"lat": 999',
     "'bering-strait': lat 999 is not a latitude: a number in -90..90; delete the entry to resolve 'bering-strait'"),
    ("an infinite longitude", _swap('"lon": -172.0', '"lon": -Infinity'), '"lon": -Infinity',
     "lon -Infinity is not a longitude"),
    ("no latitude", _swap('"lat": 66.5,', ''), '"bering-strait": {', "'bering-strait': no 'lat'"),
    ("names as a list", _swap('"names": {\n        "en": "Bering Sea",\n        "ru": "Берингово море"\n      }',
                              '"names": ["Bering Sea"]'), '"names": ["Bering Sea"]', "names [\"Bering Sea\"] is not"),
    ("a name that is not text", _swap('"en": "Bering Sea"', '"en": 5'), '"names": {', "is not a table of names"),
    ("a kind of the wrong type", _swap('"kind": "sea"', '"kind": ["sea"]'), '"kind": ["sea"]', "kind [\"sea\"] is not"),
    ("an id no gazetteer has", _swap('"id": "chukchi-sea"', '"id": "chukchi-sea-2"'), '"id": "chukchi-sea-2"',
     "'chukchi-sea': it is pinned to 'chukchi-sea-2', which no gazetteer has; delete the entry"),
]


@pytest.mark.parametrize("case,change,needle,words", LOCKS, ids=[c[0] for c in LOCKS])
def test_a_bad_lock_is_one_error_naming_its_line_and_leaves_everything_as_it_was(case, change, needle, words, site):
    lock = site.brief / "places.lock.json"
    text = lock.read_text(encoding="utf-8")
    if change is None:
        data = text.encode().replace(b'"en": "Bering Sea"', b'"en": "Bering Sea\xff"', 1)
        text = data.decode("utf-8", "replace")
    else:
        text = change(text)
        data = text.encode()
    assert text != lock.read_text(encoding="utf-8")
    lock.write_bytes(data)
    line = next(i for i, ln in enumerate(text.splitlines(), 1) if needle in ln)
    proc = _build(site)
    assert proc.returncode == 1
    assert words in _one_line(proc.stderr, f"error: {lock}:{line}: "), proc.stderr
    assert lock.read_bytes() == data
    assert _editions(site.dist) == site.editions


@pytest.mark.parametrize("case,write,words", [
    ("nested too deeply", lambda p: p.write_text('{"places": ' + "[" * 100_000 + "]" * 100_000 + "}"),
     "not a place lock (nested too deeply)"),
    ("too large", lambda p: os.truncate(p, 30_000_000), "the file is 30,000,000 bytes; a place lock has at most"),
])
def test_a_lock_that_cannot_be_a_lock_is_one_error(case, write, words, site):
    lock = site.brief / "places.lock.json"
    write(lock)
    before = lock.read_bytes()
    proc = _build(site)
    assert proc.returncode == 1
    assert words in _one_line(proc.stderr, f"error: {lock}: "), proc.stderr
    assert lock.read_bytes() == before


# --- places.toml ------------------------------------------------------------------------------------

PLACE = ('[[place]]\nid = "cape-x"\nkind = "cape"\nnames = { en = "Cape X" }\nlat = 60.0\nlon = 25.0\n'
         'sources = [{ title = "test", consulted = "2026-11-30" }]\n')


@pytest.mark.parametrize("change,line,words", [
    (lambda t: t.replace("Cape X", "Caf\xe9").encode("latin-1"), 4, "not valid UTF-8 (byte 0xe9); save the file as UTF-8"),
    (lambda t: t.replace("lat = 60.0", "lat = = 60.0").encode(), 5, "invalid TOML: Invalid value"),
    (lambda t: t.replace("lon = 25.0", "lon = nan").encode(), 6,
     "entry 'cape-x': 'lon' must be a finite number from -180 to 180, not nan"),
])
def test_a_bad_places_file_is_one_error_naming_its_line(change, line, words, site):
    (site.brief / "places.toml").write_bytes(change(PLACE))
    proc = _build(site)
    assert proc.returncode == 1
    assert words in _one_line(proc.stderr, f"error: {site.brief / 'places.toml'}:{line}: "), proc.stderr
    places = run_brief("places", "Cafe", "--brief", site.brief)
    assert places.returncode == 1 and words in _one_line(places.stderr, "error: ")


# --- when the lock is written ------------------------------------------------------------------

def _stale_lock(site) -> bytes:
    """A lock the next build rewrites: it pins a place no figure names any more."""
    lock = site.brief / "places.lock.json"
    data = json.loads(lock.read_text(encoding="utf-8"))
    data["places"]["Iturup"] = dict(data["places"]["bering-sea"], id="iturup", kind="island")
    lock.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return lock.read_bytes()


def test_a_successful_build_rewrites_the_lock_whole(site, warm):
    _stale_lock(site)
    proc = _build(site)
    assert proc.returncode == 0, proc.stderr
    assert (site.brief / "places.lock.json").read_text(encoding="utf-8") == warm.lock
    assert sorted(p.name for p in site.brief.iterdir()) == ["brief.md", "figures", "places.lock.json"]


def test_a_failed_build_leaves_the_lock_byte_identical(site):
    before = _stale_lock(site)
    spec = site.brief / "figures" / "f.toml"
    spec.write_text(MAP.replace("height = 70", "height = 400"), encoding="utf-8")
    proc = _build(site)
    assert proc.returncode == 1 and "figure is 400 mm tall" in _one_line(proc.stderr, "error: ")
    assert (site.brief / "places.lock.json").read_bytes() == before


def test_a_build_killed_while_publishing_leaves_the_lock_byte_identical(site):
    before = _stale_lock(site)
    proc = _build(site, env=_env(site.cache, BRIEF_FAULT="staged"))
    assert proc.returncode == -signal.SIGKILL
    assert (site.brief / "places.lock.json").read_bytes() == before


def test_ctrl_c_leaves_the_lock_byte_identical(site, tmp_path):
    before = _stale_lock(site)
    proc = subprocess.Popen([sys.executable, "-m", "report.cli", "build", str(site.brief), "--out", str(site.dist)],
                            cwd=ROOT, env=_env(tmp_path / "cold-cache"),  # a cold render: the build takes a while
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    seen = []
    while not seen or "source:" not in seen[-1]:
        seen.append(proc.stderr.readline())
        assert seen[-1], seen
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130 and "interrupted: nothing was written" in err, err
    assert (site.brief / "places.lock.json").read_bytes() == before


def test_a_lock_that_is_a_symbolic_link_is_read_but_never_replaced(site):
    lock = site.brief / "places.lock.json"
    real = site.brief / "pinned.json"
    lock.rename(real)
    lock.symlink_to(real.name)
    assert _build(site).returncode == 0  # up to date: read through the link, nothing to write
    before = _stale_lock(site)  # written through the link by the test
    proc = _build(site)
    assert proc.returncode == 1
    assert "needs an update, but it is a symbolic link" in _one_line(proc.stderr, f"error: {lock}: ")
    assert lock.is_symlink() and os.readlink(lock) == real.name and real.read_bytes() == before
    assert _editions(site.dist) == site.editions


def test_a_lock_that_is_a_fifo_is_refused_without_reading_it(site):
    lock = site.brief / "places.lock.json"
    lock.unlink()
    os.mkfifo(lock)
    proc = subprocess.run([sys.executable, "-m", "report.cli", "build", str(site.brief), "--out", str(site.dist), "-q"],
                          cwd=ROOT, capture_output=True, text=True, timeout=120,  # against a hang only
                          env=_env(site.cache))
    assert proc.returncode == 1
    assert "is a FIFO (named pipe), not a regular file" in _one_line(proc.stderr, f"error: {lock}: ")
    assert Path(lock).is_fifo()
