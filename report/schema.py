"""Types, ranges and limits of what a brief's files and the environment may say.

One schema per input kind, checked where the input is read, before any drawing code sees
it: the front matter (:data:`FRONT_MATTER`, from ``report/source.py``), figure specs
(:data:`MAP`, :data:`CHART`, from ``report/figspec.py``) and the environment
(:func:`source_date_epoch`). House styles keep their schema in ``report/style.py``, the one
reader of style TOML; places and layers theirs in ``geodata/places.py``.

A schema says only what a key's value must be; whether a key is known at all is the
reader's business, so a key added to a reader needs no change here until it wants a range.
Every failure is a :class:`BriefError` naming the file and the line of the key.

The limits (:data:`LIMITS`) keep a build bounded in time and memory whatever it is given;
README.md lists them.
"""

from __future__ import annotations

import datetime as dt
import math
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import BriefError

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


# --- the schema language ---------------------------------------------------------------

@dataclass(frozen=True)
class Str:
    max_len: int = 2_000
    choices: tuple[str, ...] = ()
    nonempty: bool = False

    def check(self, value) -> str | None:
        if not isinstance(value, str):
            return "must be a string" if not self.choices else self._choices()
        if self.choices and value not in self.choices:
            return self._choices()
        if self.nonempty and not value.strip():
            return "must not be empty"
        if len(value) > self.max_len:
            return f"is {len(value):,} characters long; at most {self.max_len:,} are allowed"
        return None

    def _choices(self) -> str:
        return "must be one of " + ", ".join(f'"{c}"' for c in self.choices)


@dataclass(frozen=True)
class Num:
    lo: float | None = None  # inclusive
    hi: float | None = None  # inclusive
    gt: float | None = None  # exclusive lower bound
    unit: str = ""

    def check(self, value) -> str | None:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return f"must be a number{self._range()}"
        if not math.isfinite(value):
            return f"must be a finite number{self._range()}, not {value}"
        if ((self.lo is not None and value < self.lo) or (self.hi is not None and value > self.hi)
                or (self.gt is not None and value <= self.gt)):
            return f"is {value:g}; it must be{self._range()}"
        return None

    def _range(self) -> str:
        unit = f" {self.unit}" if self.unit else ""
        if self.gt is not None and self.hi is not None:
            return f" above {self.gt:g} and at most {self.hi:g}{unit}"
        if self.lo is not None and self.hi is not None:
            return f" from {self.lo:g} to {self.hi:g}{unit}"
        if self.gt is not None:
            return f" above {self.gt:g}{unit}"
        if self.lo is not None:
            return f" of at least {self.lo:g}{unit}"
        return ""


@dataclass(frozen=True)
class Bool:
    def check(self, value) -> str | None:
        return None if isinstance(value, bool) else "must be true or false"


@dataclass(frozen=True)
class Date:
    """A TOML date (``date = 2018-05-01`` without quotes)."""

    def check(self, value) -> str | None:
        ok = isinstance(value, dt.date) and not isinstance(value, dt.datetime)
        return None if ok else "must be a date"


@dataclass(frozen=True)
class Seq:
    """A list whose items all follow ``item``; ``lo``..``hi`` items."""

    item: Any
    lo: int = 0
    hi: int = 1_000
    what: str = "a list"

    def check(self, value) -> str | None:
        if not isinstance(value, list):
            return f"must be {self.what}"
        if not self.lo <= len(value) <= self.hi:
            n = f"{self.lo}" if self.lo == self.hi else f"{self.lo} to {self.hi}"
            return f"must be {self.what} of {n} items, not {len(value)}"
        return None


@dataclass(frozen=True)
class Either:
    """One of several schemas (tried in order); the message is ``what``."""

    options: tuple
    what: str

    def check(self, value) -> str | None:
        return None if any(o.check(value) is None for o in self.options) else self.what

    def pick(self, value):
        return next(o for o in self.options if o.check(value) is None)


@dataclass(frozen=True)
class Table:
    """A table; ``fields`` gives the schema of each key it may hold. Keys it does not list
    are left to the reader."""

    fields: dict = field(default_factory=dict)
    required: tuple[str, ...] = ()

    def check(self, value) -> str | None:
        return None if isinstance(value, dict) else "must be a table"


@dataclass(frozen=True)
class Tables:
    """An array of tables (``[[key]]``), at most ``hi`` of them."""

    table: Table
    hi: int = 1_000
    limit: str = ""  # the LIMITS key that sets ``hi``, for the message

    def check(self, value) -> str | None:
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            return "must be an array of tables ([[…]] entries)"
        if len(value) > self.hi:
            return f"has {len(value):,} entries; at most {self.hi:,} are allowed"
        return None


def validate(data: dict, schema: Table, path: Path, text: str, start_line: int = 1) -> None:
    """Check ``data`` (parsed from ``text``) against ``schema``; the first problem is a
    BriefError at the line of its key."""
    lines = key_lines(text)

    def fail(keys: tuple, msg: str, at: tuple | None = None) -> BriefError:
        return BriefError(f"{_dotted(keys)} {msg}", path, _line(lines, keys if at is None else at, start_line))

    _walk(data, schema, (), fail)


def _walk(value, schema, keys: tuple, fail) -> None:
    problem = schema.check(value)
    if problem:
        # too many [[entries]]: point at the first one beyond the limit
        over = isinstance(schema, Tables) and isinstance(value, list) and len(value) > schema.hi
        raise fail(keys, problem, keys + (schema.hi,) if over else None)
    if isinstance(schema, Either):
        _walk(value, schema.pick(value), keys, fail)
    elif isinstance(schema, Table):
        for key in schema.required:
            if key not in value:
                raise fail(keys, f"lacks '{key}'") if keys else fail((key,), "is required")
        for key, sub in schema.fields.items():
            if key in value:
                _walk(value[key], sub, keys + (key,), fail)
    elif isinstance(schema, Tables):
        for i, item in enumerate(value):
            _walk(item, schema.table, keys + (i,), fail)
    elif isinstance(schema, Seq):
        for i, item in enumerate(value):
            problem = schema.item.check(item)
            if problem:
                raise fail(keys, f"item {i + 1} {problem}")
            if isinstance(schema.item, (Table, Seq, Tables, Either)):
                _walk(item, schema.item, keys + (i,), fail)


def _dotted(keys: tuple) -> str:
    out = ""
    for k in keys:
        out += f"[{k + 1}]" if isinstance(k, int) else (f".{k}" if out else k)
    return f"'{out}'" if out else "the file"


# --- lines of keys in a TOML text ---------------------------------------------------------

_HEADER = re.compile(r"^\s*(\[\[?)\s*([^\[\]]+?)\s*\]\]?")
_KEY = re.compile(r"^\s*([A-Za-z0-9_\-]+(?:\s*\.\s*[A-Za-z0-9_\-]+)*|\"[^\"]*\")\s*=")


def key_lines(text: str) -> dict[tuple, int]:
    """The line of every table header and key in a TOML text, by its path; an entry of an
    array of tables is numbered from 0 (``("group", 1, "bar", 0, "value")``)."""
    out: dict[tuple, int] = {}
    arrays: dict[tuple, int] = {}
    table: tuple = ()
    depth = 0  # open brackets of a multi-line array: its lines are not keys
    for n, raw in enumerate(text.splitlines(), 1):
        line = raw.split("#", 1)[0] if '"' not in raw and "'" not in raw else raw
        if depth == 0 and (m := _HEADER.match(line)):
            names = [p.strip().strip('"') for p in m.group(2).split(".")]
            table = ()
            for i, name in enumerate(names):
                table += (name,)
                if i == len(names) - 1 and m.group(1) == "[[":
                    arrays[table] = arrays.get(table, -1) + 1
                    table += (arrays[table],)
                elif table in arrays:
                    table += (arrays[table],)
            out.setdefault(table, n)
            continue
        if depth == 0 and (m := _KEY.match(line)):
            key = tuple(p.strip().strip('"') for p in m.group(1).split("."))
            out.setdefault(table + key, n)
        depth = max(0, depth + line.count("[") - line.count("]"))
    return out


def _line(lines: dict[tuple, int], keys: tuple, start_line: int) -> int | None:
    for k in range(len(keys), -1, -1):
        if keys[:k] in lines:
            return lines[keys[:k]] + start_line - 1
    return None


# --- front matter --------------------------------------------------------------------------

_SHORT = Str(max_len=LIMITS["title_chars"], nonempty=True)
_LONG = Str(max_len=2_000, nonempty=True)

FRONT_MATTER = Table({
    "series": _SHORT, "number": Either((_SHORT, Num(lo=0)), "must be a string"),
    "kicker": _SHORT, "title": _SHORT, "standfirst": _LONG, "subject": Str(max_len=2_000),
    "publisher": _SHORT, "rights": _SHORT, "style": Str(max_len=100, nonempty=True),
    "language": Str(max_len=35, nonempty=True),
    "date": Either((Str(max_len=10), Date()), "must be a date: YYYY, YYYY-MM or YYYY-MM-DD"),
    "keywords": Seq(_SHORT, lo=0, hi=50, what="a list of strings"),
    "authors": Tables(Table({"name": _SHORT, "role": Str(max_len=LIMITS["title_chars"])}, required=("name",)),
                      hi=50),
})


def check_date(date: str) -> str | None:
    """Why ``date`` (YYYY, YYYY-MM or YYYY-MM-DD) is not a real date, or None."""
    parts = date.split("-")
    if not re.fullmatch(r"\d{4}(-\d{2}(-\d{2})?)?", date):
        return f"date '{date}' must be YYYY, YYYY-MM or YYYY-MM-DD"
    year, month, day = (int(p) for p in parts + ["01"] * (3 - len(parts)))
    try:
        dt.date(year, month, day)
    except ValueError as exc:
        return f"date '{date}' is not a real date ({exc})"
    if year < 1000:
        return f"date '{date}' must be a year from 1000 on"
    return None


# --- figure specs --------------------------------------------------------------------------

_TEXT = Str(max_len=2_000)
_ROLE = Str(max_len=60)
_CORNER = Str(choices=("upper left", "upper right", "lower left", "lower right"))
_MM2 = Seq(Num(lo=-300, hi=300, unit="mm"), lo=2, hi=2, what="[x, y] in millimetres")
_BBOX = Seq(Num(lo=-180, hi=180), lo=4, hi=4, what="[west, south, east, north] in degrees")
_IDS = Seq(Str(max_len=200), hi=500, what="a list of ids")
_WIDTH = Num(lo=5, hi=400, unit="mm")

COMMON = {
    "kind": Str(choices=("map", "chart")), "title": Str(max_len=LIMITS["title_chars"]),
    "caption": _TEXT, "source": _TEXT, "size": Str(choices=("column", "full")),
    "height": Num(gt=10, hi=400, unit="mm"), "alt": _TEXT,
}

MAP = Table({
    **COMMON,
    "naming": Str(max_len=30), "kanji": Bool(),
    "projection": Either((Str(max_len=500, nonempty=True), Num(lo=1, hi=999_999)),
                         "must be \"auto\", an EPSG code (\"EPSG:3857\") or a PROJ string (\"+proj=…\")"),
    "graticule": Num(lo=0.1, hi=90, unit="degrees"),
    "legend": Str(max_len=30),
    "north_arrow": Either((Bool(), _CORNER), "must be true, false or a corner"),
    "scalebar": Table({"km": Num(gt=0, hi=20_000, unit="km"), "at": _CORNER}),
    "extent": Table({"bbox": _BBOX, "fit": Seq(Str(max_len=200), lo=1, hi=500, what="a list of place ids"),
                     "margin": Num(lo=0, hi=5000, unit="km")}),
    "layer": Tables(Table({"layer": Str(max_len=200, nonempty=True), "role": _ROLE, "features": _IDS,
                           "exclude": _IDS, "clip_to": Str(max_len=60), "legend": _TEXT},
                          required=("layer",)), hi=50),
    "label": Tables(Table({"place": Str(max_len=200), "role": _ROLE, "marker": Bool(), "area": Bool(),
                           "required": Bool(), "country": Str(max_len=2), "abbreviation": Str(max_len=60, nonempty=True)}),
                    hi=300),
    "country": Tables(Table({"id": Str(max_len=200), "role": _ROLE, "required": Bool(), "text": Str(max_len=120, nonempty=True),
                             "abbreviation": Str(max_len=60, nonempty=True)}), hi=300),
    "callout": Tables(Table({"place": Str(max_len=200), "note": _TEXT, "source": _TEXT, "offset": _MM2,
                             "width": _WIDTH, "role": _ROLE}), hi=50),
    "textbox": Tables(Table({"text": _TEXT, "source": _TEXT, "at": _CORNER, "width": _WIDTH, "role": _ROLE}),
                      hi=20),
    "inset": Table({"bbox": _BBOX, "at": _CORNER, "width": _WIDTH,
                    "countries": Seq(Seq(Str(max_len=200), lo=2, hi=2, what="[country id, label]"), hi=50)}),
})

CHART = Table({
    **COMMON,
    "chart": Str(choices=("bar",)), "scale": Str(choices=("linear", "log")), "unit": Str(max_len=20),
    "axis_label": Str(max_len=LIMITS["title_chars"]), "max": Num(gt=0),
    "group": Tables(Table({
        "name": Str(max_len=LIMITS["title_chars"]), "source": _TEXT,
        "bar": Tables(Table({"label": Str(max_len=LIMITS["title_chars"]), "value": Num(), "role": _ROLE,
                             "display": Str(max_len=60)}, required=("value",)), hi=LIMITS["bars"]),
    }), hi=LIMITS["bars"]),
})


def check_chart(data: dict, path: Path, text: str) -> None:
    """What a chart's values must satisfy together: at most ``bars`` bars, a row height the
    chart can hold, positive values on a log scale, and a ``max`` no bar exceeds."""
    lines = key_lines(text)
    groups = data.get("group", [])
    bars = [(gi, bi, b) for gi, g in enumerate(groups) for bi, b in enumerate(g.get("bar", []))]
    if len(bars) > LIMITS["bars"]:
        raise BriefError(f"the chart has {len(bars)} bars; at most {LIMITS['bars']} are allowed",
                         path, lines.get(("kind",)))
    rows = len(groups) + len(bars)
    need = 9 + rows * LIMITS["chart_row_mm"]
    if rows and isinstance(data.get("height"), (int, float)) and data["height"] < need:
        raise BriefError(f"{rows} rows (groups and bars) need a height of at least {need:g} mm, "
                         f"not {data['height']:g}", path, lines.get(("height",)))
    for gi, bi, b in bars:
        where = lines.get(("group", gi, "bar", bi, "value"))
        if data.get("scale") == "log" and b["value"] <= 0:
            raise BriefError(f"bar '{b.get('label', '')}' has value {b['value']:g}; a log scale needs "
                             "values above 0", path, where)
        if "max" in data and b["value"] > data["max"]:
            raise BriefError(f"bar '{b.get('label', '')}' has value {b['value']:g}, above the chart's "
                             f"max = {data['max']:g}", path, where)
    if data.get("scale") == "log" and "max" in data and bars and data["max"] <= min(b["value"] for *_, b in bars):
        raise BriefError("max must be above the smallest value on a log scale", path, lines.get(("max",)))


def check_graticule(step: float | None, bbox: tuple[float, float, float, float], path: Path,
                    text: str) -> None:
    """A graticule of at most ``graticule_lines`` lines across the map's extent."""
    if step is None:
        return
    west, south, east, north = bbox
    span = (east - west) % 360 or 360
    lines = span / step + (north - south) / step
    if lines > LIMITS["graticule_lines"]:
        raise BriefError(f"a graticule every {step:g}° draws {lines:,.0f} lines across this map; at most "
                         f"{LIMITS['graticule_lines']} are allowed", path, key_lines(text).get(("graticule",)))


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
