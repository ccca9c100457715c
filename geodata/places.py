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
import json
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Iterator

from . import tomlsrc
from .tomlsrc import Anything, Num, Seq, Str, Table, Tables

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
NAME_KEYS = ("en", "ja", "ja_kanji", "ru", "zh", "mn", "ko", "ainu")

# what a gazetteer file (geodata/gazetteer.toml, a brief's places.toml) may say
_SOURCES = Seq(Table({"title": Str(max_len=500, nonempty=True), "url": Str(), "note": Str(),
                      "consulted": Str(pattern=r"\d{4}-\d{2}-\d{2}", what='a date "YYYY-MM-DD"')},
                     required=("title", "consulted")), lo=1, what="a list of sources {title, url, consulted}")
PLACE = Table({
    "id": Str(max_len=200, pattern=r"[a-z0-9][a-z0-9\-]*", what="lower-case letters, digits and hyphens"),
    "kind": Str(choices=tuple(sorted(KINDS))),
    "names": Table({key: Str(max_len=500, nonempty=key == "en") for key in NAME_KEYS}, required=("en",),
                   say={"lacks:en": "names.en (English name) is required", "unknown": "unknown name key '{key}' "
                        "(known: {known})"}),
    "aliases": Seq(Str(max_len=500), what="a list of strings"),
    "lat": Num(lo=-90, hi=90), "lon": Num(lo=-180, hi=180), "area_km2": Num(gt=0, unit="km²"),
    "polygon": Str(max_len=200), "sources": _SOURCES, "facts": Table({"sources": _SOURCES}, other=Anything()),
    "note": Str(), "country": Str(pattern="[A-Z]{2}", what='an ISO 3166 code like "GE"'),
    "geonames": Num(gt=0, whole=True),
}, required=("id", "kind", "names", "lat", "lon", "sources"),
    say={"unknown": "unknown keys {keys}", "lacks": "missing key '{key}'",
         "lacks:sources": "no sources (need at least one {{title, url, consulted}})"})
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
PLACES = Table({"place": Tables(Table(other=Anything()), hi=1_000_000)},
               say={"unknown": "unknown top-level key '{key}' (expected [[place]])"})


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


def read_places(path: str | Path) -> list[Place]:
    """Parse and validate one gazetteer TOML file (schema :data:`PLACES`); a problem is a
    GazetteerError ``file:line: entry 'id': …``."""
    path = Path(path)
    try:
        doc = tomlsrc.read(path)
        tomlsrc.check(doc, PLACES)
    except tomlsrc.TomlError as exc:
        raise GazetteerError(f"{path}:{exc.line}: {exc.message}") from None
    places: list[Place] = []
    seen: dict[str, int] = {}
    for i, raw in enumerate(doc.data.get("place", [])):
        pid = raw.get("id")
        try:
            tomlsrc.check(doc, PLACE, ("place", i))
        except tomlsrc.TomlError as exc:
            entry = f"entry {pid!r}" if isinstance(pid, str) and pid else f"entry #{i + 1}"
            raise GazetteerError(f"{path}:{exc.line}: {entry}: {exc.message}") from None
        if pid in seen:
            raise GazetteerError(f"{path}:{doc.line('place', i, 'id')}: entry {pid!r}: duplicate id (first defined "
                                 f"as entry #{seen[pid] + 1})")
        seen[pid] = i
        places.append(Place(
            id=pid, kind=raw["kind"], names=dict(raw["names"]), lat=float(raw["lat"]), lon=float(raw["lon"]),
            sources=tuple({k: str(v) for k, v in src.items()} for src in raw["sources"]),
            area_km2=float(raw["area_km2"]) if "area_km2" in raw else None, polygon=raw.get("polygon") or None,
            aliases=tuple(raw.get("aliases", ())), facts=dict(raw.get("facts", {})), note=raw.get("note"),
            origin=str(path), country=raw.get("country"), geonames=raw.get("geonames")))
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
            data = tomlsrc.read(path).data
        except tomlsrc.TomlError as e:
            raise LayerError(f"{path}:{e.line}: {e.message}") from None
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
