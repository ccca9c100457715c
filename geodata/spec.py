"""What a map is asked to show, as resolved plain data: places already looked up in the
gazetteer, layers named, roles named. The map renderer reads only this."""

from __future__ import annotations

from dataclasses import dataclass, field

NAMING = ("dual", "japan", "russia")
CORNERS = ("upper left", "upper right", "lower left", "lower right")


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


@dataclass(frozen=True)
class LayerSpec:
    layer: str  # base layer ("land", "countries", "borders", "admin1", "military_districts") or annotation layer
    role: str
    features: tuple[str, ...] = ()  # ids (or names) to keep; empty keeps all
    exclude: tuple[str, ...] = ()
    clip_to: str | None = None  # another base layer to clip to (e.g. hatch land only)
    legend: str | None = None
    continues: str | None = None  # words for an arrow where the layer's lines run off the frame


@dataclass(frozen=True)
class CountryLabel:
    """A country's name from the countries layer, set inside the visible part of the country
    (its pole of inaccessibility, then wherever the placer finds room nearby)."""

    country: str  # id in the countries layer, e.g. "country-russia"
    role: str = "country_label"
    required: bool = False


@dataclass(frozen=True)
class LabelSpec:
    place: Point
    role: str = "label"
    marker: bool = True  # draw the place's dot and place the label beside it
    area: bool = False  # add the island's area on a second line
    text: str | None = None  # only for descriptive labels; names come from the gazetteer
    required: bool = False  # the map fails rather than drop this label


@dataclass(frozen=True)
class CalloutSpec:
    place: Point
    note: str
    offset: tuple[float, float] = (12.0, 8.0)  # box position relative to the place, mm
    width: float = 38.0  # box width, mm
    role: str = "note"


@dataclass(frozen=True)
class TextBoxSpec:
    text: str
    at: str = "lower left"
    width: float = 50.0
    role: str = "note"


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
    scalebar_at: str = "lower left"
    north_arrow: str | None = None  # a corner, where the map's north is worth pointing out
    layer_files: dict[str, str] = field(default_factory=dict)  # annotation layer name -> GeoJSON path
    language: str = "en"  # the brief's language (BCP 47): a place's label is its name in it, where known
