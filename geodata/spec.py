"""What a map is asked to show, as resolved plain data: places already looked up in the
gazetteer, layers named, roles named. The map renderer reads only this. Each part carries
``key``, the key path in the figure spec it was read from (``("label", 2, "place")``), so
that what the renderer finds wrong with it names the spec's line."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

NAMING = ("dual", "japan", "russia")
WATER = frozenset({"sea", "ocean", "gulf", "strait"})  # named in English only, in every convention
CORNERS = ("upper left", "upper right", "lower left", "lower right")
BASE_LAYERS = ("land", "countries", "borders", "admin1", "military_districts")  # drawn from geodata/base


def wrap_lon(lon: float) -> float:
    """A longitude in degrees, brought into [-180, 180)."""
    return (lon + 180) % 360 - 180


@dataclass(frozen=True)
class Point:
    """A gazetteer place, resolved: id, position and its names in each convention."""

    id: str
    lon: float
    lat: float
    kind: str
    names: dict[str, str]
    area_km2: float | None = None
    polygon: str | None = None  # id of the place's outline in the land layer (islands)
    ref: str = ""  # how messages name it: as the spec wrote it and what it resolved to
    population: int | None = None  # GeoNames population, where known
    capital: bool = False  # a national capital

    @property
    def shown(self) -> str:
        """The place in a message: '"Truong Sa" (resolved to Changsha, CN, geonames:1815577)'."""
        return self.ref or f"'{self.id}'"


@dataclass(frozen=True)
class LayerSpec:
    layer: str  # base layer ("land", "countries", "borders", "admin1", "military_districts") or annotation layer
    role: str
    features: tuple[str, ...] = ()  # ids (or names) to keep; empty keeps all
    exclude: tuple[str, ...] = ()
    clip_to: str | None = None  # another base layer to clip to (e.g. hatch land only)
    legend: str | None = None
    continues: str | None = None  # words for an arrow where the layer's lines run off the frame
    key: tuple = ()


@dataclass(frozen=True)
class CountryLabel:
    """A country's name from the countries layer, set inside the visible part of the country
    (its pole of inaccessibility, then wherever the placer finds room nearby)."""

    country: str  # id in the countries layer, e.g. "country-russia"
    role: str = "country_label"
    required: bool = False
    text: str | None = None  # the name as printed (default: the layer's name, in capitals)
    abbreviation: str | None = None  # tried before the name is dropped ("PHIL.")
    key: tuple = ()


@dataclass(frozen=True)
class LabelSpec:
    place: Point
    role: str = "label"
    marker: bool = True  # draw the place's dot and place the label beside it
    area: bool = False  # add the island's area on a second line
    text: str | None = None  # only for descriptive labels; names come from the gazetteer
    required: bool = False  # the map fails rather than drop this label
    abbreviation: str | None = None  # tried before the label is dropped ("St. Lawrence I.")
    role_given: bool = True  # False: the type class follows the place's importance (settlements)
    key: tuple = ()


@dataclass(frozen=True)
class CalloutSpec:
    place: Point
    note: str
    offset: tuple[float, float] = (12.0, 8.0)  # box position relative to the place, mm
    width: float = 38.0  # box width, mm
    role: str = "note"
    key: tuple = ()


@dataclass(frozen=True)
class TextBoxSpec:
    text: str
    at: str = "lower left"
    width: float = 50.0
    role: str = "note"
    key: tuple = ()


@dataclass(frozen=True)
class InsetSpec:
    bbox: tuple[float, float, float, float]
    at: str = "upper left"
    width: float = 24.0  # mm
    countries: tuple[tuple[str, str], ...] = ()  # (country id in the countries layer, label)


@dataclass(frozen=True)
class MapSpec:
    id: str
    width_mm: float
    height_mm: float
    bbox: tuple[float, float, float, float]  # west, south, east, north (west > east crosses 180°)
    projection: str = "auto"
    naming: str = "dual"
    viewpoint: str = "neutral"  # whose conventions the dispute is drawn in (geodata/viewpoints.toml)
    kanji: bool = False
    layers: tuple[LayerSpec, ...] = ()
    labels: tuple[LabelSpec, ...] = ()
    countries: tuple[CountryLabel, ...] = ()
    callouts: tuple[CalloutSpec, ...] = ()
    textboxes: tuple[TextBoxSpec, ...] = ()
    inset: InsetSpec | None = None
    legend: str | None = "lower right"  # corner, or None
    graticule: float | None = None  # degrees
    scalebar_km: float | None = None  # None: a round length chosen from the map
    scalebar_at: str | None = None  # the corner the spec asks for (None: the first free place from the lower left)
    north_arrow: str | None = None  # a corner, where the map's north is worth pointing out
    layer_files: dict[str, str] = field(default_factory=dict)  # annotation layer name -> GeoJSON path
    drawn: str | None = None  # an extract of the base layers an earlier build drew (geodata/drawn.py), else None
    language: str = "en"  # the brief's language (BCP 47): a place's label is its name in it, where known
    bbox_given: bool = False  # the extent is a bbox as written (not fitted): the frame must show it, or say so


# generic terms that make two names of one place differ in form only ("Habomai Islands" and
# "Habomai-gunto" are one name: a dual label would repeat it)
GENERIC = re.compile(r"[\s-]+(islands?|island group|strait|peninsula|gunto|shoto|retto|jima|shima|to|"
                     r"kaikyo|suido|hanto|misaki|zaki|saki|mura|machi|cho|shi)$", re.IGNORECASE)


def _core(name: str) -> str:
    """A name without its generic term, for comparing two conventions' names."""
    return GENERIC.sub("", name.strip()).casefold()


def place_name(place, naming: str, kanji: bool, language: str = "en") -> str:
    """The label of a place in the spec's naming convention; its main name is the one in
    the brief's language where the data has it (for Japanese, the Japanese-script name)."""
    names = place.names
    lang = language.split("-")[0].lower()
    en = names.get("ja_kanji" if lang == "ja" else lang) or names.get("en", place.id)
    if place.kind in WATER:
        return en
    ja = names.get("ja")
    if naming == "japan":
        text = ja or en
    elif naming == "russia":
        text = en
    else:
        text = f"{en} ({ja})" if ja and _core(ja) != _core(en) else en
    if kanji and names.get("ja_kanji"):
        text = f"{text} {names['ja_kanji']}"
    return text



def area_text(km2: float) -> str:
    """An area as printed under an island's name: whole square kilometres from 1 km² up, two
    significant digits below (Itu Aba is "0.46 km²", never "0 km²")."""
    return f"{km2:,.0f} km²" if km2 >= 1 else f"{km2:.2g} km²"


def names_differ(place: Point) -> bool:
    """Whether the conventions name this place differently (so a map must say whose names it uses)."""
    ja = place.names.get("ja")
    return place.kind not in WATER and bool(ja) and _core(ja) != _core(place.names.get("en", place.id))
