"""What every input a brief is built from may say: the front matter, figure specs and house
styles (``places.toml`` has its schema in ``geodata/places.py``), and the environment.

One schema per input kind, in the language of :mod:`geodata.tomlsrc`: the type, range and
limit of each key, which keys are required and that no other key is there. The schema is
held against the input where it is read (:func:`check`), before any drawing code sees it;
the readers (``report/source.py``, ``report/figspec.py``, ``report/style.py``) only convert
what passed, and check only what needs more than the input (a font file, a place, a layer).
Every failure is a :class:`BriefError` naming the file and the line of the key; the required
keys one table lacks are reported together.

The limits (:data:`LIMITS`) keep a build bounded in time and memory whatever it is given;
README.md lists them.
"""

from __future__ import annotations

import datetime as dt
import math
import os
import re
from dataclasses import dataclass
from pathlib import Path

from geodata import tomlsrc
from geodata.spec import BASE_LAYERS, CORNERS, NAMING
from geodata.symbols import SHAPES
from geodata.tomlsrc import Bool, Either, Never, Num, Seq, Str, Table, Tables, Tagged, Toml

from .errors import BriefError, several

LIMITS = {
    "body_bytes": 1_000_000,  # brief.md, front matter included
    "paragraph_chars": 20_000,  # one paragraph, heading, list item, quote or note
    "title_chars": 300,  # title, kicker, series ...; standfirst and subject: 2,000
    "figures": 40,  # figures per brief
    "bars": 60,  # bars per chart
    "chart_row_mm": 4.0,  # height each row of a chart needs
    "graticule_lines": 400,  # graticule lines across a map's extent
    "stream_bytes": 256 * 1024 * 1024,  # decompressed bytes of one stream in `brief check`
}



# --- reading and checking ------------------------------------------------------------------

def read(path: Path, what: str) -> Toml:
    """The TOML file at ``path`` with the line of each key; a byte that is not UTF-8, or a
    syntax error (``what: …``: "malformed style: …"), is a BriefError naming its line."""
    try:
        return tomlsrc.read(path, what)
    except tomlsrc.TomlError as exc:
        raise BriefError(exc.message, path, exc.line) from None


def parse(text: str, path: Path, what: str, start: int = 1, end: int | None = None) -> Toml:
    """:func:`read` for a text that starts on line ``start`` of ``path`` (front matter);
    ``end`` is the line where a key it lacks belongs."""
    try:
        return tomlsrc.parse(text, start, end, what)
    except tomlsrc.TomlError as exc:
        raise BriefError(exc.message, path, exc.line) from None


def check(doc: Toml, schema, path: Path) -> None:
    """Hold ``doc`` against ``schema``: the first problem is a BriefError at the line of its
    key; the required keys a table lacks are one error listing each."""
    try:
        tomlsrc.check(doc, schema)
    except tomlsrc.TomlError as exc:
        if exc.problems:
            raise several([BriefError(p.message, path, p.line) for p in exc.problems], exc.summary) from None
        raise BriefError(exc.message, path, exc.line) from None


# --- front matter --------------------------------------------------------------------------

@dataclass(frozen=True)
class DateText:
    """A date: a TOML date, or a string YYYY, YYYY-MM or YYYY-MM-DD that is a real date."""

    def check(self, value) -> str | None:
        if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
            return None
        if not isinstance(value, str) or not re.fullmatch(r"\d{4}(-\d{2}(-\d{2})?)?", value):
            return f"must be a date: YYYY, YYYY-MM or YYYY-MM-DD, not {str(value)[:40]!r}"
        parts = value.split("-")
        year, month, day = (int(p) for p in parts + ["01"] * (3 - len(parts)))
        try:
            dt.date(year, month, day)
        except ValueError as exc:
            return f"'{value}' is not a real date ({exc})"
        return None if year >= 1000 else f"'{value}' must be a year from 1000 on"


_SHORT = Str(max_len=LIMITS["title_chars"], nonempty=True)
_LONG = Str(max_len=2_000, nonempty=True)

FRONT_MATTER = Table({
    "series": _SHORT, "date": DateText(),
    "language": Str(max_len=35, pattern=r"[a-z]{2,3}(-[A-Z]{2})?", what="a tag like 'en' or 'en-GB'"),
    "kicker": _SHORT, "title": _SHORT, "standfirst": _LONG,
    "authors": Tables(Table({"name": _SHORT, "role": Str(max_len=LIMITS["title_chars"])}, required=("name",)),
                      hi=50),
    "keywords": Seq(_SHORT, lo=0, hi=50, what="a list of strings"),
    "publisher": _SHORT, "rights": _SHORT, "style": Str(max_len=100, nonempty=True),
    "number": Either((_SHORT, Num(lo=0)), "must be a string"), "subject": Str(max_len=2_000),
    # a corrected edition: the edition it corrects, that edition's date, the editor's note and,
    # optionally, what changed; the edition prints the notice (report/notices.py) where its style says
    "corrects": Table({"edition": Num(lo=1, whole=True), "date": DateText(), "note": _LONG,
                       "changes": Seq(_LONG, lo=0, hi=50, what="a list of strings")},
                      required=("edition", "date", "note"),
                      say={"lacks": "[corrects] lacks '{key}' (edition, date and note say what the notice "
                                    "prints)"}),
}, required=("series", "date", "language", "kicker", "title", "standfirst", "authors", "keywords", "publisher",
             "rights", "style"),
    say={"unknown": "unknown front-matter field '{key}' (known: {known})",
         "lacks": "front matter lacks the required field '{key}'", "empty": "the required field '{key}' is empty",
         "several": "{n} required fields lack, all listed here; `brief new` writes a complete front matter"})


# --- the wording of generated notices (report/notices.toml) --------------------------------

_PLACEHOLDERS = re.compile(r"\{(\w+)\}")


@dataclass(frozen=True)
class Template:
    """A sentence with exactly the ``{placeholders}`` its reader fills in."""
    names: tuple[str, ...]

    def check(self, value) -> str | None:
        if not isinstance(value, str) or not value.strip():
            return "must be a non-empty string"
        found = sorted(set(_PLACEHOLDERS.findall(value)))
        if found != sorted(self.names) or value.count("{") != len(_PLACEHOLDERS.findall(value)):
            return f"must name exactly {', '.join('{' + n + '}' for n in self.names)}, not {value[:60]!r}"
        return None


NOTICES = Table(other=Table({
    "label": Str(max_len=40, nonempty=True), "notice": Template(("edition", "date", "note")),
    "changes": Template(("changes",)),
    "separator": Str(max_len=10, nonempty=True),
    "date_day": Template(("day", "month", "year")), "date_month": Template(("month", "year")),
    "date_year": Template(("year",)),
    "months": Seq(Str(max_len=40, nonempty=True), lo=12, hi=12, what="the twelve month names"),
}, required=("label", "notice", "changes", "separator", "date_day", "date_month", "date_year", "months")))


# --- figure specs --------------------------------------------------------------------------

@dataclass(frozen=True)
class BBox:
    """[west, south, east, north] in degrees; west > east crosses 180°."""

    def check(self, value) -> str | None:
        ok = (isinstance(value, list) and len(value) == 4
              and all(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) for v in value)
              and -90 <= value[1] < value[3] <= 90 and all(-180 <= v <= 180 for v in value[::2])
              and value[0] != value[2])
        return None if ok else "must be [west, south, east, north] in degrees (west > east crosses 180°)"


_TEXT = Str(max_len=2_000)
_ROLE = Str(max_len=60)
_PLACE = Str(max_len=200, nonempty=True)
_CORNER = Str(choices=CORNERS)
_MM2 = Seq(Num(lo=-300, hi=300, unit="mm"), lo=2, hi=2, what="[x, y] in millimetres")
_IDS = Seq(Str(max_len=200), hi=500, what="a list of ids")
_WIDTH = Num(lo=5, hi=400, unit="mm")
_COUNTRY = Str(pattern="[A-Za-z]{2}", what="an ISO 3166 country code like \"GE\"")

COMMON = {
    "kind": Str(choices=("map", "chart")), "title": Str(max_len=LIMITS["title_chars"]),
    "caption": _TEXT, "source": _TEXT, "size": Str(choices=("column", "full")),
    "height": Num(gt=10, hi=400, unit="mm"), "alt": Str(max_len=2_000, nonempty=True),
}
_FIGURE = ("title", "caption", "source", "size", "height")
_SAY = {"lacks": "figure spec lacks '{key}'"}

MAP = Table({
    **COMMON,
    "viewpoint": Str(max_len=30), "naming": Str(choices=NAMING), "kanji": Bool(),
    "projection": Either((Str(max_len=500, nonempty=True), Num(lo=1, hi=999_999)),
                         "must be \"auto\", an EPSG code (\"EPSG:3857\") or a PROJ string (\"+proj=…\")"),
    "graticule": Num(lo=0.1, hi=90, unit="degrees"),
    "legend": Str(choices=(*CORNERS, "none")),
    "north_arrow": Either((Bool(), _CORNER), "must be true, false or a corner"),
    "scalebar": Table({"km": Num(gt=0, hi=20_000, unit="km"), "at": _CORNER}),
    "extent": Table({"bbox": BBox(), "fit": Seq(_PLACE, lo=1, hi=500, what="a list of places"),
                     "margin": Num(lo=0, hi=5000, unit="km")}, one_of=("bbox", "fit"),
                    say={"one_of": "[extent] needs either bbox = [w, s, e, n] or fit = [places]"}),
    "layer": Tables(Table({"layer": Str(max_len=200, nonempty=True), "role": _ROLE, "features": _IDS,
                           "exclude": _IDS, "clip_to": Str(choices=BASE_LAYERS), "legend": _TEXT,
                           "continues": Str(max_len=200, nonempty=True)}, required=("layer",)), hi=50),
    "label": Tables(Table({"place": _PLACE, "country": _COUNTRY, "role": _ROLE, "marker": Bool(), "area": Bool(),
                           "required": Bool(), "abbreviation": Str(max_len=60, nonempty=True),
                           "at": Never("a label takes no 'at': its anchor comes from the gazetteer (a water or area "
                                       "name's label point belongs there, with its source)")},
                          required=("place",)), hi=300),
    "country": Tables(Table({"id": Str(pattern="country-.+", what='"country-…" (see `brief places --countries`)'),
                             "role": _ROLE, "required": Bool(), "text": Str(max_len=120, nonempty=True),
                             "abbreviation": Str(max_len=60, nonempty=True)}, required=("id",)), hi=300),
    "callout": Tables(Table({"place": _PLACE, "country": _COUNTRY, "note": _TEXT, "source": _TEXT, "offset": _MM2,
                             "width": _WIDTH, "role": _ROLE}, required=("place", "note", "source"),
                            say={"lacks:source": "every callout needs a source",
                                 "lacks:note": "a callout needs a note"}), hi=50),
    "textbox": Tables(Table({"text": _TEXT, "source": _TEXT, "at": _CORNER, "width": _WIDTH, "role": _ROLE},
                            required=("text", "source"), say={"lacks:source": "every text box needs a source"}),
                      hi=20),
    "inset": Table({"bbox": BBox(), "at": _CORNER, "width": _WIDTH,
                    "countries": Seq(Seq(Str(max_len=200), lo=2, hi=2, what="[country id, label]"), hi=50)},
                   required=("bbox",)),
}, required=(*_FIGURE, "alt", "extent"),
    say={**_SAY, "lacks:alt": "a map needs alt = \"…\": a sentence or two saying what it shows, for readers who "
                              "cannot see it",
         "lacks:extent": "[extent] needs either bbox = [w, s, e, n] or fit = [places]"})

CHART = Table({
    **COMMON,
    "chart": Str(choices=("bar",)), "scale": Str(choices=("linear", "log")), "unit": Str(max_len=20),
    "axis_label": Str(max_len=LIMITS["title_chars"]), "max": Num(gt=0),
    "group": Tables(Table({
        "name": Str(max_len=LIMITS["title_chars"]), "source": _TEXT,
        "bar": Tables(Table({"label": Str(max_len=LIMITS["title_chars"]), "value": Num(), "role": _ROLE,
                             "display": Str(max_len=60)}, required=("value",)), hi=LIMITS["bars"]),
    }, required=("source",), say={"lacks:source": "{where} needs a source"}), hi=LIMITS["bars"]),
}, required=(*_FIGURE, "group"),
    say={**_SAY, "lacks:group": "a chart needs at least one [[group]] with [[group.bar]] entries"})

FIGURE = Tagged("kind", {"map": MAP, "chart": CHART})


def check_chart(doc: Toml, path: Path) -> None:
    """What a chart's values must satisfy together: at most ``bars`` bars, a row height the
    chart can hold, values from zero on a linear scale and above it on a log scale, and a
    ``max`` no bar exceeds."""
    data = doc.data
    groups = data["group"]
    bars = [(gi, bi, b) for gi, g in enumerate(groups) for bi, b in enumerate(g.get("bar", []))]
    if len(bars) > LIMITS["bars"]:
        raise BriefError(f"the chart has {len(bars)} bars; at most {LIMITS['bars']} are allowed",
                         path, doc.line("kind"))
    rows = len(groups) + len(bars)
    need = 9 + rows * LIMITS["chart_row_mm"]
    if data["height"] < need:
        raise BriefError(f"{rows} rows (groups and bars) need a height of at least {need:g} mm, "
                         f"not {data['height']:g}", path, doc.line("height"))
    log = data.get("scale") == "log"
    for gi, bi, b in bars:
        where = doc.line("group", gi, "bar", bi, "value")
        if log and b["value"] <= 0:
            raise BriefError(f"bar '{b.get('label', '')}' has value {b['value']:g}; a log scale needs "
                             "values above 0", path, where)
        if not log and b["value"] < 0:
            raise BriefError(f"bar '{b.get('label', '')}' has value {b['value']:g}; bars start at zero, so a "
                             "negative value needs another chart", path, where)
        if "max" in data and b["value"] > data["max"]:
            raise BriefError(f"bar '{b.get('label', '')}' has value {b['value']:g}, above the chart's "
                             f"max = {data['max']:g}", path, where)
    if log and "max" in data and bars and data["max"] <= min(b["value"] for *_, b in bars):
        raise BriefError("max must be above the smallest value on a log scale", path, doc.line("max"))


def check_graticule(doc: Toml, bbox: tuple[float, float, float, float], path: Path) -> None:
    """A graticule of at most ``graticule_lines`` lines across the map's extent."""
    step = doc.data.get("graticule")
    if step is None:
        return
    west, south, east, north = bbox
    span = (east - west) % 360 or 360
    lines = span / step + (north - south) / step
    if lines > LIMITS["graticule_lines"]:
        raise BriefError(f"a graticule every {step:g}° draws {lines:,.0f} lines across this map; at most "
                         f"{LIMITS['graticule_lines']} are allowed", path, doc.line("graticule"))


# --- house styles --------------------------------------------------------------------------

PAGE_SIZES = {"A4": (210.0, 297.0), "Letter": (215.9, 279.4)}  # the page sizes a style may name, mm
FACES = ("regular", "italic", "bold", "bolditalic")
TEXT_ROLES = ("kicker", "title", "standfirst", "author", "author_role", "body", "heading",
              "pullquote", "list_item", "notes_heading", "note", "caption", "footer")
LABELS = ("notes", "sources", "map", "figure", "page")
CORRECTION_PLACES = ("title", "end")


@dataclass(frozen=True)
class Cmyk:
    """Four percentages of ink, at most 300 % together."""

    def check(self, value) -> str | None:
        if (not isinstance(value, list) or len(value) != 4
                or not all(isinstance(v, (int, float)) and not isinstance(v, bool) and 0 <= v <= 100 for v in value)):
            return "must be four percentages 0..100: [c, m, y, k]"
        return None if sum(value) <= 300 else f"has a total ink of {sum(value):g} %; at most 300 % is allowed"


def _mm(hi: float = 1000.0) -> Num:
    return Num(lo=0, hi=hi)


_NAME = Str(max_len=200, nonempty=True)
_COLOUR = Table({"cmyk": Cmyk(), "rgb": Str(pattern="#[0-9a-fA-F]{6}", what="'#rrggbb'")},
                required=("cmyk", "rgb"))
_TEXT_STYLE = Table({
    "font": _NAME, "style": Str(choices=FACES), "size": Num(lo=0.5, hi=144), "leading": Num(lo=1, hi=200),
    "colour": _NAME, "align": Str(choices=("left", "right", "centre", "justify")), "first_line_indent": _mm(),
    "indent": _mm(), "space_before": _mm(), "space_after": _mm(), "transform": Str(choices=("none", "uppercase")),
    "hyphenate": Bool(), "rule": _mm(20),
}, required=("font",))
_ROLE_STYLE = Table({
    "fill": _NAME, "edge": _NAME, "width": _mm(20), "dash": Seq(Num(lo=0, hi=100), hi=20, what="a list of lengths"),
    "hatch": Str(max_len=20), "hatch_colour": _NAME, "colour": _NAME, "size": Num(lo=0.5, hi=144),
    "weight": Str(max_len=30), "style": Str(max_len=30), "knockout": Bool(), "tracking": _mm(), "divides": Bool(),
    "symbol": Str(choices=tuple(SHAPES)),   # the marker a feature finer than the base data is drawn with
    # settlement type classes: the smaller role a label tries before it is dropped, the least
    # GeoNames population a settlement named in this role has, the role of national capitals
    "smaller": _NAME, "min_population": Num(lo=0, hi=100_000_000, whole=True), "capital": Bool(),
})
PAGE_KEYS = ("size", "margin_top", "margin_bottom", "margin_inner", "margin_outer", "columns", "gutter",
             "footer_offset", "title_rule", "column_rule")

STYLE = Table({
    "page": Table({"size": Str(choices=tuple(PAGE_SIZES)), "margin_top": _mm(), "margin_bottom": _mm(),
                   "margin_inner": _mm(), "margin_outer": _mm(), "columns": Num(lo=1, hi=3, whole=True),
                   "gutter": _mm(), "footer_offset": _mm(), "title_rule": _mm(20), "column_rule": _mm(20)},
                  required=PAGE_KEYS),
    "fonts": Table(other=Table({face: _NAME for face in FACES}, required=("regular",))),
    "colours": Table(other=_COLOUR, required=("text", "paper"), say={"lacks": "style lacks the colour role '{key}'"}),
    "text": Table({role: _TEXT_STYLE for role in TEXT_ROLES}, required=TEXT_ROLES,
                  say={"unknown": "unknown text role '{key}' (known: {known})",
                       "lacks": "style lacks the text role '{key}'"}),
    "labels": Table({key: Str(max_len=100) for key in LABELS}, required=LABELS),
    "figure": Table({"font": _NAME, "cjk_font": _NAME, "simplify_mm": _mm(5), "frame_width": _mm(5),
                     "margin": _mm(), "roles": Table(other=_ROLE_STYLE)}, required=("font",)),
    # how justified paragraphs are broken into lines (report.composer; TeX's names and units)
    "composition": Table({
        "pretolerance": Num(lo=-1, hi=10_000), "tolerance": Num(lo=1, hi=10_000),
        "hyphen_penalty": Num(lo=0, hi=10_000), "double_hyphen_demerits": Num(lo=0, hi=10_000_000),
        "max_hyphens": Num(lo=1, hi=10, whole=True), "hyphenate_capitals": Bool(),
        "space_stretch": Num(lo=0, hi=2, unit="spaces"), "space_shrink": Num(lo=0, hi=0.9, unit="spaces"),
        "expansion": Num(lo=0, hi=5, unit="per cent"), "protrusion": Bool(),
        # character -> [left, right], thousandths of its width hung into the margin (microtype's units)
        "protrusion_factors": Table(other=Seq(Num(lo=0, hi=1000, whole=True), lo=2, hi=2,
                                              what="[left, right] in thousandths of the glyph's width"))}),
    # where a corrected edition's notice (report/notices.py) stands: "title" under the title
    # block, "end" after the notes and sources; the text role it is set in (default: caption)
    "correction": Table({"place": Str(choices=CORRECTION_PLACES), "role": Str(choices=TEXT_ROLES)}),
}, required=("page", "fonts", "colours", "text", "labels"))


# --- the environment -----------------------------------------------------------------------

MAX_EPOCH = 253_402_300_799  # 9999-12-31T23:59:59Z


def source_date_epoch() -> dt.datetime | None:
    """``SOURCE_DATE_EPOCH`` as a UTC time, None when unset; anything but whole seconds
    since 1970 up to the year 9999 is an error."""
    env = os.environ.get("SOURCE_DATE_EPOCH")
    if env is None or env == "":
        return None
    if not re.fullmatch(r"\d{1,12}", env.strip()) or int(env) > MAX_EPOCH:
        raise BriefError(f"SOURCE_DATE_EPOCH={env[:40]!r} must be whole seconds since 1970-01-01 "
                         "(e.g. 1514764800), up to the year 9999", "environment")
    return dt.datetime.fromtimestamp(int(env), tz=dt.timezone.utc)
