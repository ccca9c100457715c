"""Sourced gazetteer and annotation-layer lookup.

Pure Python on purpose (tomllib, json, unicodedata, difflib only): the build
imports this module on every run and must stay fast, so no geopandas/shapely.

Public API
----------
Place                       dataclass for one gazetteer entry
Gazetteer.load(brief_dir)   bundled geodata/gazetteer.toml + briefs/<slug>/places.toml
Gazetteer.find(name)        by id or any name/alias; case- and diacritic-insensitive
Gazetteer.search(query)     substring match on any name (for a CLI)
Gazetteer.get(id) / ids() / __iter__ / __len__ / __contains__
Place.to_dict()             {id, names, kind, lat, lon, sources}
annotation_layers(brief_dir) -> {name: Path}
validate_layer(path, checked=) / validate_layers(brief_dir)   errors name file:line
GazetteerError, UnknownPlace, LayerError
"""
from __future__ import annotations

import difflib
import functools
import json
import re
import tomllib
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Iterator

from . import files

__all__ = [
    "Place",
    "Gazetteer",
    "GazetteerError",
    "UnknownPlace",
    "LayerError",
    "KINDS",
    "BUNDLED_GAZETTEER",
    "BUNDLED_LAYERS",
    "normalize",
    "annotation_layers",
    "validate_layer",
    "validate_layers",
]

HERE = Path(__file__).resolve().parent
BUNDLED_GAZETTEER = HERE / "gazetteer.toml"
BUNDLED_LAYERS = HERE / "layers"
BUNDLED_VIEWPOINTS = HERE / "viewpoints.toml"  # how each government draws the disputes (read by report.figspec)
BRIEF_PLACES = "places.toml"
BRIEF_LAYERS = "layers"
MAX_LAYER_BYTES = 50_000_000  # one of a brief's layer files
MAX_LAYER_VERTICES = 500_000  # positions in one layer file (README, Limits)

KINDS = frozenset({
    "island", "island-group", "settlement", "military-range", "lng-plant", "port",
    "city", "sea", "strait", "cape", "peninsula", "region", "gulf", "ocean",
    "reef", "shoal", "rock", "low-tide-elevation",  # drawn with a symbol by kind (geodata/symbols.py)
})
NAME_KEYS = frozenset({"en", "ja", "ja_kanji", "ru", "zh", "mn", "ko", "ainu"})
PLACE_KEYS = frozenset({
    "id", "kind", "names", "aliases", "lat", "lon", "area_km2", "polygon",
    "sources", "facts", "note", "country", "geonames",
})
REQUIRED_KEYS = ("id", "kind", "names", "lat", "lon", "sources")
SOURCE_KEYS = frozenset({"title", "url", "consulted", "note"})
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class GazetteerError(ValueError):
    """A gazetteer file is malformed; the message names file, entry and line."""


class UnknownPlace(KeyError):
    """No place matches a name; the message lists the three closest names."""

    def __init__(self, name: str, suggestions: list[str]):
        self.name = name
        self.suggestions = suggestions
        super().__init__(name)

    def __str__(self) -> str:
        hint = ", ".join(repr(s) for s in self.suggestions) or "(none)"
        return f"unknown place {self.name!r}; closest names: {hint}"


class LayerError(ValueError):
    """An annotation layer is malformed (bad JSON, missing sources, ...)."""


def normalize(text: str) -> str:
    """Key used for lookups: NFKD, strip combining marks, casefold, unify
    hyphens/underscores/dots/apostrophes to single spaces."""
    t = unicodedata.normalize("NFKD", str(text))
    t = "".join(c for c in t if not unicodedata.combining(c))
    t = t.casefold()
    t = re.sub(r"[\s\-‐‑‒–—_.,'’ʼ`]+", " ", t)
    return t.strip()


@dataclass(frozen=True)
class Place:
    id: str
    kind: str
    names: dict[str, str]
    lat: float
    lon: float
    sources: tuple[dict[str, str], ...]
    area_km2: float | None = None
    polygon: str | None = None
    aliases: tuple[str, ...] = ()
    facts: dict[str, Any] = field(default_factory=dict)
    note: str | None = None
    origin: str = ""  # file the entry was read from
    country: str | None = None  # ISO 3166-1 alpha-2, where known
    geonames: int | None = None  # the GeoNames id of the same place (a curated entry overrides it)
    population: int | None = None

    @property
    def source(self) -> str:
        """One line naming where the entry comes from ("GeoNames 5870133, CC BY 4.0")."""
        return "; ".join(s.get("title", "") for s in self.sources)

    @property
    def name(self) -> str:
        return self.names["en"]

    def all_names(self) -> list[str]:
        out = [self.id, *self.names.values(), *self.aliases]
        seen: list[str] = []
        for n in out:
            if n and n not in seen:
                seen.append(n)
        return seen

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "names": dict(self.names),
            "kind": self.kind,
            "lat": self.lat,
            "lon": self.lon,
            "sources": [dict(s) for s in self.sources],
        }

    def to_listing(self) -> dict[str, Any]:
        """to_dict() plus the one-line source and, where known, country, GeoNames id,
        population and a "Name, Region, Country" label (what `brief places --json` prints)."""
        extra = {"source": self.source, "country": self.country, "geonames": self.geonames,
                 "population": self.population, "label": self.facts.get("label")}
        return {**self.to_dict(), **{k: v for k, v in extra.items() if v is not None}}


def _line_of(text: str, pid: Any) -> int | None:
    if not isinstance(pid, str):
        return None
    m = re.search(r'^\s*id\s*=\s*["\']' + re.escape(pid) + r'["\']', text, re.M)
    return text.count("\n", 0, m.start()) + 1 if m else None


@functools.lru_cache(maxsize=8)
def _place_heads(text: str) -> tuple[int, ...]:
    """Line of every [[place]] header of a file's text."""
    starts = [m.start() for m in re.finditer(r"^\s*\[\[place\]\]", text, re.M)]
    lines, last, line = [], 0, 1
    for start in starts:
        line += text.count("\n", last, start)
        last = start
        lines.append(line)
    return tuple(lines)


def _entry_lines(text: str, index: int) -> tuple[int, int] | None:
    """First and last line of the index-th [[place]] table."""
    heads = _place_heads(text)
    if index >= len(heads):
        return None
    end = heads[index + 1] - 1 if index + 1 < len(heads) else text.count("\n") + 1
    return heads[index], end


def _where(path: Path, pid: Any, index: int, text: str, key: str | None = None) -> str:
    """``file:line: entry 'id'``; the line of ``key`` in the entry if given, else of its id,
    else of its [[place]] header."""
    line = _line_of(text, pid)
    span = _entry_lines(text, index)
    if span and key:
        lines = text.splitlines()
        for n in range(span[0], min(span[1], len(lines)) + 1):
            if re.match(rf"\s*{re.escape(key)}\s*=", lines[n - 1]):
                line = n
                break
    line = line or (span[0] if span else None)
    entry = f"entry {pid!r}" if isinstance(pid, str) and pid else f"entry #{index + 1}"
    return f"{path}:{line}: {entry}" if line else f"{path}: {entry}"


def _check_sources(sources: Any, where: str) -> tuple[dict[str, str], ...]:
    if not isinstance(sources, list) or not sources:
        raise GazetteerError(f"{where}: no sources (need at least one {{title, url, consulted}})")
    out = []
    for i, s in enumerate(sources):
        if not isinstance(s, dict):
            raise GazetteerError(f"{where}: source #{i + 1} is not a table")
        unknown = set(s) - SOURCE_KEYS
        if unknown:
            raise GazetteerError(f"{where}: source #{i + 1} has unknown keys {sorted(unknown)}")
        if not str(s.get("title", "")).strip():
            raise GazetteerError(f"{where}: source #{i + 1} has no title")
        consulted = str(s.get("consulted", ""))
        if not _DATE.match(consulted):
            raise GazetteerError(f"{where}: source #{i + 1} needs consulted = \"YYYY-MM-DD\"")
        out.append({k: str(v) for k, v in s.items()})
    return tuple(out)


def _parse_place(raw: Any, index: int, path: Path, text: str) -> Place:
    pid = raw.get("id") if isinstance(raw, dict) else None
    where = _where(path, pid, index, text)
    if not isinstance(raw, dict):
        raise GazetteerError(f"{where}: [[place]] must be a table")
    unknown = set(raw) - PLACE_KEYS
    if unknown:
        raise GazetteerError(f"{where}: unknown keys {sorted(unknown)}")
    for k in REQUIRED_KEYS:
        if k not in raw:
            if k == "sources":
                raise GazetteerError(f"{where}: no sources (need at least one {{title, url, consulted}})")
            raise GazetteerError(f"{where}: missing key {k!r}")
    if not isinstance(pid, str) or not re.fullmatch(r"[a-z0-9][a-z0-9\-]*", pid):
        raise GazetteerError(f"{where}: id must be lower-case letters, digits and hyphens")
    kind = raw["kind"]
    if kind not in KINDS:
        raise GazetteerError(f"{where}: unknown kind {kind!r} (one of {sorted(KINDS)})")
    names = raw["names"]
    if not isinstance(names, dict):
        raise GazetteerError(f"{where}: names must be a table")
    if not str(names.get("en", "")).strip():
        raise GazetteerError(f"{where}: names.en (English name) is required")
    bad = set(names) - NAME_KEYS
    if bad:
        raise GazetteerError(f"{where}: unknown name keys {sorted(bad)}")
    try:
        lat, lon = float(raw["lat"]), float(raw["lon"])
    except (TypeError, ValueError):
        raise GazetteerError(f"{_where(path, pid, index, text, 'lat')}: lat/lon must be numbers") from None
    if isinstance(raw["lat"], bool) or not -90.0 <= lat <= 90.0:
        raise GazetteerError(f"{_where(path, pid, index, text, 'lat')}: lat {raw['lat']!r} out of range [-90, 90]")
    if isinstance(raw["lon"], bool) or not -180.0 <= lon <= 180.0:
        raise GazetteerError(f"{_where(path, pid, index, text, 'lon')}: lon {raw['lon']!r} out of range [-180, 180]")
    try:
        sources = _check_sources(raw["sources"], where)
    except GazetteerError as exc:  # name the line of `sources` (looked up only on an error)
        raise GazetteerError(str(exc).replace(where, _where(path, pid, index, text, "sources"), 1)) from None
    area = raw.get("area_km2")
    if area is not None:
        if not isinstance(area, (int, float)) or isinstance(area, bool) or area <= 0:
            raise GazetteerError(f"{where}: area_km2 must be a positive number")
        area = float(area)
    aliases = raw.get("aliases", [])
    if not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
        raise GazetteerError(f"{where}: aliases must be a list of strings")
    facts = raw.get("facts", {})
    if not isinstance(facts, dict):
        raise GazetteerError(f"{where}: facts must be a table")
    if "sources" in facts:
        _check_sources(facts["sources"], f"{where}: facts")
    polygon = raw.get("polygon") or None
    if polygon is not None and not isinstance(polygon, str):
        raise GazetteerError(f"{where}: polygon must be a string id")
    country = raw.get("country")
    if country is not None and not (isinstance(country, str) and re.fullmatch(r"[A-Z]{2}", country)):
        raise GazetteerError(f"{where}: country must be an ISO 3166 code like \"GE\"")
    geonames = raw.get("geonames")
    if geonames is not None and (not isinstance(geonames, int) or isinstance(geonames, bool) or geonames <= 0):
        raise GazetteerError(f"{where}: geonames must be a GeoNames id (a positive integer)")
    return Place(
        id=pid, kind=kind, names={k: str(v) for k, v in names.items()},
        lat=lat, lon=lon, sources=sources, area_km2=area, polygon=polygon,
        aliases=tuple(aliases), facts=dict(facts), note=raw.get("note"),
        origin=str(path), country=country, geonames=geonames,
    )


_TOML_AT = re.compile(r"\s*\(at (?:line (\d+), column \d+|end of document)\)$")


def _toml_line(exc: tomllib.TOMLDecodeError, text: str) -> int:
    """The line tomllib names in its message ("(at line 3, column 5)"; the last line for
    "(at end of document)")."""
    found = _TOML_AT.search(str(exc))
    return int(found.group(1)) if found and found.group(1) else max(1, len(text.splitlines()))


def read_places(path: str | Path) -> list[Place]:
    """Parse and validate one gazetteer TOML file (schema of gazetteer.toml)."""
    path = Path(path)
    try:
        text = files.decode_utf8(path.read_bytes())
    except files.NotUTF8 as exc:
        raise GazetteerError(f"{path}:{exc.line}: {exc}; save the file as UTF-8") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise GazetteerError(f"{path}:{_toml_line(e, text)}: invalid TOML: {_TOML_AT.sub('', str(e))}") from None
    extra = set(data) - {"place"}
    if extra:
        raise GazetteerError(f"{path}: unknown top-level keys {sorted(extra)} (expected [[place]])")
    raw = data.get("place", [])
    if not isinstance(raw, list):
        raise GazetteerError(f"{path}: 'place' must be an array of tables ([[place]])")
    places: list[Place] = []
    seen: dict[str, int] = {}
    for i, r in enumerate(raw):
        p = _parse_place(r, i, path, text)
        if p.id in seen:
            lines = [m.start() for m in re.finditer(
                r'^\s*id\s*=\s*["\']' + re.escape(p.id) + r'["\']', text, re.M)]
            ln = text.count("\n", 0, lines[-1]) + 1 if lines else None
            loc = f"{path}:{ln}" if ln else str(path)
            raise GazetteerError(f"{loc}: entry {p.id!r}: duplicate id (first defined as entry #{seen[p.id] + 1})")
        seen[p.id] = i
        places.append(p)
    return places


def _brief_dir(brief_dir: str | Path | None) -> Path | None:
    return None if brief_dir is None else Path(brief_dir)


class Gazetteer:
    """Ordered collection of places with name lookup."""

    def __init__(self, places: Iterable[Place]):
        self._places: dict[str, Place] = {}
        for p in places:
            self._places[p.id] = p  # later entries override earlier ones
        self._index: dict[str, list[str]] = {}
        for p in self._places.values():
            for n in p.all_names():
                ids = self._index.setdefault(normalize(n), [])
                if p.id not in ids:
                    ids.append(p.id)

    @classmethod
    def load(cls, brief_dir: str | Path | None = None, *,
             bundled: str | Path | None = None) -> "Gazetteer":
        """Bundled gazetteer merged with briefs/<slug>/places.toml (if any).
        An entry of the brief with an existing id replaces it for this brief."""
        places = read_places(bundled or BUNDLED_GAZETTEER)
        bd = _brief_dir(brief_dir)
        if bd is not None:
            extra = bd / BRIEF_PLACES
            if extra.exists():
                places += read_places(extra)
        return cls(places)

    # -- collection protocol
    def __iter__(self) -> Iterator[Place]:
        return iter(self._places.values())

    def __len__(self) -> int:
        return len(self._places)

    def __contains__(self, name: object) -> bool:
        try:
            self.find(str(name))
        except UnknownPlace:
            return False
        return True

    def ids(self) -> list[str]:
        return list(self._places)

    def get(self, pid: str) -> Place:
        try:
            return self._places[pid]
        except KeyError:
            raise UnknownPlace(pid, self._suggest(pid)) from None

    # -- lookups
    def _suggest(self, name: str, n: int = 3) -> list[str]:
        key = normalize(name)
        display: dict[str, str] = {}
        for p in self._places.values():
            for nm in p.all_names():
                display.setdefault(normalize(nm), nm)
        best = difflib.get_close_matches(key, list(display), n=n, cutoff=0.0)
        return [display[b] for b in best]

    def find(self, name: str) -> Place:
        """Place whose id, name (any language) or alias equals ``name``,
        ignoring case, diacritics and hyphen/space differences."""
        ids = self._index.get(normalize(name))
        if not ids:
            raise UnknownPlace(name, self._suggest(name))
        if len(ids) > 1 and name in self._places:
            return self._places[name]
        return self._places[ids[0]]

    def search(self, query: str) -> list[Place]:
        """Places with the (normalised) query as a substring of any name."""
        q = normalize(query)
        return [p for p in self._places.values()
                if any(q in normalize(n) for n in p.all_names())]

    def to_dicts(self) -> list[dict[str, Any]]:
        return [p.to_dict() for p in self._places.values()]


# ------------------------------------------------------------------ layers

def annotation_layers(brief_dir: str | Path | None = None, *,
                      bundled: str | Path | None = None) -> dict[str, Path]:
    """Name (file stem) -> path of every annotation layer: bundled
    geodata/layers/* (GeoJSON and TOML; or those in ``bundled``), extended/overridden by
    briefs/<slug>/layers/*.geojson."""
    out: dict[str, Path] = {}
    root = Path(bundled) if bundled is not None else BUNDLED_LAYERS
    if root.is_dir():
        for p in sorted(root.iterdir()):
            if p.suffix in (".geojson", ".toml") and p.is_file():
                out[p.stem] = p
    bd = _brief_dir(brief_dir)
    if bd is not None and (bd / BRIEF_LAYERS).is_dir():
        for p in sorted((bd / BRIEF_LAYERS).glob("*.geojson")):
            out[p.stem] = p
    return out


def _layer_sources(sources: Any, where: str) -> None:
    if not isinstance(sources, list) or not sources:
        raise LayerError(f"{where}: no sources")
    for i, s in enumerate(sources):
        if not isinstance(s, dict) or not str(s.get("title", "")).strip():
            raise LayerError(f"{where}: source #{i + 1} needs a title")
        if not _DATE.match(str(s.get("consulted", ""))):
            raise LayerError(f"{where}: source #{i + 1} needs consulted = YYYY-MM-DD")


def _check_coords(c: Any, where: str) -> None:
    if isinstance(c, (list, tuple)) and c and isinstance(c[0], (int, float)):
        if len(c) < 2 or not (-180 <= c[0] <= 180 and -90 <= c[1] <= 90):
            raise LayerError(f"{where}: coordinate {c!r} is not lon/lat within range")
        return
    if not isinstance(c, (list, tuple)):
        raise LayerError(f"{where}: malformed coordinates")
    for x in c:
        _check_coords(x, where)


_GEOMETRY_DEPTH = {"Point": 1, "MultiPoint": 2, "LineString": 2, "MultiLineString": 3,
                   "Polygon": 3, "MultiPolygon": 4}


def _depth(c: Any) -> int:
    return 1 + _depth(c[0]) if isinstance(c, (list, tuple)) and c and isinstance(c[0], (list, tuple)) else 1


def _check_geometry(geom: Any, where: str) -> None:
    """GeoJSON (RFC 7946) structure: a known type, coordinates nested to its depth, lon/lat
    in range, lines of two positions or more, polygon rings closed with four or more."""
    if geom is None:
        return
    kind = geom.get("type") if isinstance(geom, dict) else None
    if kind not in _GEOMETRY_DEPTH:
        raise LayerError(f"{where}: invalid geometry: type {kind!r} is not one of {', '.join(_GEOMETRY_DEPTH)}")
    coords = geom.get("coordinates")
    if not isinstance(coords, list) or not coords or _depth(coords) != _GEOMETRY_DEPTH[kind]:
        raise LayerError(f"{where}: invalid geometry: a {kind} needs coordinates nested {_GEOMETRY_DEPTH[kind]} deep")
    _check_coords(coords, where)
    parts = [coords] if kind in ("LineString", "Polygon") else coords if kind.startswith("Multi") else []
    for part in parts if kind in ("LineString", "MultiLineString") else []:
        if len(part) < 2:
            raise LayerError(f"{where}: invalid geometry: a line needs two positions or more")
    for polygon in parts if kind in ("Polygon", "MultiPolygon") else []:
        for ring in polygon:
            if len(ring) < 4 or ring[0][:2] != ring[-1][:2]:
                raise LayerError(f"{where}: invalid geometry: a polygon ring must be closed "
                                 "(last position = first) with four positions or more")


def _positions(coords) -> int:
    """How many positions a (checked) GeoJSON coordinates array holds."""
    if not isinstance(coords, list) or not coords:
        return 0
    if not isinstance(coords[0], list):
        return 1
    return sum(_positions(c) for c in coords)


def _check_polygons_valid(features: list, where_of) -> None:
    """Self-intersections and the like (OGC validity), by shapely in geodata.validity."""
    from .validity import polygon_problem

    for i, f in enumerate(features):
        reason = polygon_problem(f.get("geometry"))
        if reason:
            raise LayerError(f"{where_of(i, f)}: invalid geometry: {reason}")


def _feature_line(text: str, index: int, fid: Any) -> int | None:
    if isinstance(fid, str) and fid:
        m = re.search(r'"id"\s*:\s*"' + re.escape(fid) + '"', text)
        if m:
            return text.count("\n", 0, m.start()) + 1
    starts = [m.start() for m in re.finditer(r'"type"\s*:\s*"Feature"', text)]
    return text.count("\n", 0, starts[index]) + 1 if index < len(starts) else None


def validate_layer(path: str | Path, checked: str | Path | None = None) -> int:
    """Check one layer file. Returns the feature/record count; raises LayerError naming
    the file, line and feature. Polygons are also checked for validity (shapely); with
    ``checked`` (a folder, e.g. in the build cache), a file whose bytes passed once is not
    checked by shapely again, so a warm build imports nothing."""
    path = Path(path)
    if path.suffix == ".toml":
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as e:
            raise LayerError(f"{path}: invalid TOML: {e}") from None
        n = 0
        for key, items in data.items():
            if not isinstance(items, list):
                continue
            for i, item in enumerate(items):
                where = f"{path}: [[{key}]] {item.get('id', '#' + str(i + 1))!r}"
                if not item.get("id"):
                    raise LayerError(f"{where}: missing id")
                _layer_sources(item.get("sources"), where)
                n += 1
        return n
    if path.stat().st_size > MAX_LAYER_BYTES:
        raise LayerError(f"{path}: the file is {path.stat().st_size:,} bytes; a layer may have at most "
                         f"{MAX_LAYER_BYTES:,} (simplify it)")
    raw = path.read_bytes()
    text = raw.decode("utf-8", errors="replace")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        raise LayerError(f"{path}:{e.lineno}: invalid JSON: {e.msg}") from None
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise LayerError(f"{path}:1: not a GeoJSON FeatureCollection")
    features = data.get("features", [])
    if not isinstance(features, list) or not all(isinstance(f, dict) for f in features):
        raise LayerError(f"{path}: 'features' must be a list of GeoJSON features")

    def where_of(i: int, f: dict) -> str:
        fid = (f.get("properties") or {}).get("id")
        line = _feature_line(text, i, fid)
        at = f"{path}:{line}" if line else str(path)
        return f"{at}: feature {fid!r}" if fid else f"{at}: feature #{i + 1}"

    seen: set[str] = set()
    vertices = 0
    for i, f in enumerate(features):
        props = f.get("properties") or {}
        fid = props.get("id")
        where = where_of(i, f)
        for k in ("id", "name", "kind"):
            if not props.get(k):
                raise LayerError(f"{where}: missing property {k!r}")
        if fid in seen:
            raise LayerError(f"{where}: duplicate id")
        seen.add(fid)
        _layer_sources(props.get("sources"), where)
        _check_geometry(f.get("geometry"), where)
        vertices += _positions((f.get("geometry") or {}).get("coordinates"))
        if vertices > MAX_LAYER_VERTICES:
            raise LayerError(f"{where}: the layer has more than {MAX_LAYER_VERTICES:,} vertices (simplify it)")
    marker = None
    if checked is not None:
        import hashlib

        marker = Path(checked) / f"{hashlib.sha256(raw).hexdigest()[:24]}.valid"
    if marker is None or not marker.is_file():
        _check_polygons_valid(features, where_of)
        if marker is not None:
            try:
                marker.parent.mkdir(parents=True, exist_ok=True)
                marker.touch()
            except OSError:
                pass  # a read-only cache only costs time
    return len(features)


def validate_layers(brief_dir: str | Path | None = None) -> dict[str, int]:
    """Validate every annotation layer of a brief; {name: feature count}."""
    return {name: validate_layer(p) for name, p in annotation_layers(brief_dir).items()}


def main(argv: list[str] | None = None) -> int:  # tiny CLI: python -m geodata.places QUERY
    import sys
    args = sys.argv[1:] if argv is None else argv
    gz = Gazetteer.load()
    for p in gz.search(" ".join(args)) if args else gz:
        print(json.dumps(p.to_dict(), ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
