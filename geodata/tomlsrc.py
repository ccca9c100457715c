"""TOML inputs: read once, with the line of every key, and checked against a schema.

One loader for every TOML file a build reads from a user (front matter, figure specs, house
styles, ``places.toml``): :func:`read` checks the bytes are UTF-8 (naming the line of a bad
byte), parses them with ``tomllib`` and keeps a map from each key path to its line
(``("layer", 2, "role") -> 17``; an entry of an array, of tables or of values, is numbered
from 0). :func:`check` holds the parsed data against a schema written in the small language
below (:class:`Str`, :class:`Num`, :class:`Bool`, :class:`Seq`, :class:`Either`,
:class:`Table`, :class:`Tables`, :class:`Tagged`, :class:`Never`, :class:`Anything`): types,
ranges, required keys and unknown keys, so that a reader only converts what it is given.

Every problem is a :class:`TomlError` carrying the key path it concerns and the line that
path has in the text; the caller names the file. Pure Python, no imports from ``report``.
"""

from __future__ import annotations

import bisect
import difflib
import math
import re
import tomllib
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from .files import NotUTF8, decode_utf8

Keys = tuple  # a key path: names and array indices, ("group", 0, "bar", 1, "value")


class TomlError(ValueError):
    """A problem in a TOML input: ``message``, the ``line`` it is on (None if unknown) and
    the key path it concerns. Problems reported together (required keys that lack) are
    ``problems``, each a TomlError of its own."""

    def __init__(self, message: str, line: int | None = None, keys: Keys = (),
                 problems: tuple["TomlError", ...] = (), summary: str = ""):
        super().__init__(message)
        self.message, self.line, self.keys, self.problems = message, line, tuple(keys), problems
        self.summary = summary  # what the problems are, together ("3 required fields lack")


@dataclass(frozen=True)
class Toml:
    """Parsed TOML and where each of its keys is: ``start`` is the line of the text's first
    line in its file (front matter starts on line 2 of ``brief.md``)."""

    data: dict
    text: str
    start: int = 1
    end: int | None = None  # the line where a key missing at the top level belongs

    @cached_property
    def lines(self) -> dict[Keys, int]:
        """Key path -> 1-based line in ``text`` (found when first asked for: mostly on an error)."""
        return key_lines(self.text)

    def line(self, *keys) -> int | None:
        """The line of ``keys``, else of the nearest enclosing key or table that has one."""
        for n in range(len(keys), 0, -1):
            if keys[:n] in self.lines:
                return self.lines[keys[:n]] + self.start - 1
        return None

    def missing_line(self, table: Keys) -> int:
        """Where a key missing from ``table`` belongs: the table's own line; for the top level
        ``end``, else the first line with a key."""
        return self.line(*table) if table else (self.end or (min(self.lines.values(), default=1) + self.start - 1))


_TOML_AT = re.compile(r"\s*\(at (?:line (\d+), column \d+|end of document)\)$")


def parse(text: str, start: int = 1, end: int | None = None, what: str = "invalid TOML") -> Toml:
    """``text`` parsed; a syntax error is a :class:`TomlError` ``what: tomllib's message``
    on the line tomllib names (the last line for "at end of document")."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        found = _TOML_AT.search(str(exc))
        line = int(found.group(1)) if found and found.group(1) else max(1, len(text.splitlines()))
        raise TomlError(f"{what}: {_TOML_AT.sub('', str(exc))}", line + start - 1) from None
    return Toml(data, text, start, end)


def read(path: Path | str, what: str = "invalid TOML") -> Toml:
    """The TOML file at ``path`` (see :func:`parse`): bytes that are not UTF-8 are a
    TomlError on the line of the first bad byte."""
    try:
        text = decode_utf8(Path(path).read_bytes())
    except NotUTF8 as exc:
        raise TomlError(f"{exc}; save the file as UTF-8", exc.line) from None
    return parse(text, what=what)


# --- where each key is -----------------------------------------------------------------------

_BARE = re.compile(r"[A-Za-z0-9_-]+")
_SPACE = re.compile(r"[ \t]*")
_BLANKS = re.compile(r"(?:[ \t\r\n]|#[^\n]*)*")  # whitespace, line breaks and comments
_SCALAR = re.compile(r"[^,\]}\n#]*")  # a number, boolean or date: up to what ends a value


def key_lines(text: str) -> dict[Keys, int]:
    """The line of every key, table header and array entry of a TOML text (one that tomllib
    parsed), by key path; a path's first appearance counts."""
    return _Scanner(text).run()


class _Scanner:
    def __init__(self, text: str):
        self.t, self.i, self.out = text, 0, {}
        self.breaks = [m.start() for m in re.finditer("\n", text)]
        self.arrays: dict[Keys, int] = {}  # [[array]] header path -> index of its current entry

    def line(self) -> int:
        return bisect.bisect_left(self.breaks, self.i) + 1

    def mark(self, keys: Keys) -> None:
        for n in range(1, len(keys) + 1):
            self.out.setdefault(keys[:n], self.line())

    def skip(self, pattern: re.Pattern) -> None:
        self.i = pattern.match(self.t, self.i).end()

    def run(self) -> dict[Keys, int]:
        table: Keys = ()
        self.skip(_BLANKS)
        while self.i < len(self.t):
            if self.t.startswith("[[", self.i):
                self.i += 2
                path = self.within_arrays(self.keys())
                self.arrays[path] = self.arrays.get(path, -1) + 1
                table = path + (self.arrays[path],)
                self.mark(table)
                self.i = self.t.index("]]", self.i) + 2
            elif self.t.startswith("[", self.i):
                self.i += 1
                table = self.within_arrays(self.keys())
                self.mark(table)
                self.i = self.t.index("]", self.i) + 1
            else:
                self.pair(table)
            self.skip(_BLANKS)
        return self.out

    def within_arrays(self, names: Keys) -> Keys:
        """A header's path, each array of tables it passes through given its current entry."""
        path: Keys = ()
        for n, name in enumerate(names):
            path += (name,)
            if n < len(names) - 1 and path in self.arrays:
                path += (self.arrays[path],)
        return path

    def keys(self) -> Keys:
        """A (dotted) key at the cursor, up to what follows it."""
        names = []
        while True:
            self.skip(_SPACE)
            if self.t[self.i] in "\"'":
                start = self.i
                self.string()
                names.append(tomllib.loads(f"k = {self.t[start:self.i]}")["k"])
            else:
                found = _BARE.match(self.t, self.i)
                names.append(found.group())
                self.i = found.end()
            self.skip(_SPACE)
            if self.t[self.i] != ".":
                return tuple(names)
            self.i += 1

    def pair(self, table: Keys) -> None:
        keys = table + self.keys()
        self.mark(keys)
        self.i += 1  # "="
        self.skip(_SPACE)
        self.value(keys)

    def value(self, keys: Keys) -> None:
        c = self.t[self.i]
        if c in "\"'":
            self.string()
        elif c == "[":
            self.i += 1
            n = 0
            self.skip(_BLANKS)
            while self.t[self.i] != "]":
                self.mark(keys + (n,))
                self.value(keys + (n,))
                self.skip(_BLANKS)
                if self.t[self.i] == ",":
                    self.i += 1
                    n += 1
                    self.skip(_BLANKS)
            self.i += 1
        elif c == "{":
            self.i += 1
            self.skip(_SPACE)
            while self.t[self.i] != "}":
                self.pair(keys)
                self.skip(_SPACE)
                if self.t[self.i] == ",":
                    self.i += 1
                    self.skip(_SPACE)
            self.i += 1
        else:
            self.skip(_SCALAR)

    def string(self) -> None:
        """Past the string at the cursor: basic or literal, on one line or several."""
        q = self.t[self.i]
        if self.t.startswith(q * 3, self.i):
            self.i += 3
            while True:
                if q == '"' and self.t[self.i] == "\\":
                    self.i += 2
                elif self.t.startswith(q * 3, self.i):  # up to two more quotes belong to the text
                    run = len(self.t[self.i:self.i + 5]) - len(self.t[self.i:self.i + 5].lstrip(q))
                    self.i += run
                    return
                else:
                    self.i += 1
        self.i += 1
        while self.t[self.i] != q:
            self.i += 2 if q == '"' and self.t[self.i] == "\\" else 1
        self.i += 1


# --- the schema language ------------------------------------------------------------------------

@dataclass(frozen=True)
class Str:
    max_len: int = 2_000
    choices: tuple[str, ...] = ()
    nonempty: bool = False
    pattern: str = ""  # a regular expression the whole string must match ...
    what: str = ""  # ... and what it is, for the message

    def check(self, value) -> str | None:
        if not isinstance(value, str):
            return self._choices() if self.choices else f"must be {self.what}" if self.what else "must be a string"
        if self.choices and value not in self.choices:
            return self._choices()
        if self.nonempty and not value.strip():
            return "must not be empty"
        if len(value) > self.max_len:
            return f"is {len(value):,} characters long; at most {self.max_len:,} are allowed"
        if self.pattern and not re.fullmatch(self.pattern, value):
            return f"must be {self.what}, not {value[:60]!r}"
        return None

    def _choices(self) -> str:
        return "must be one of " + ", ".join(f'"{c}"' for c in self.choices)


@dataclass(frozen=True)
class Num:
    lo: float | None = None  # inclusive
    hi: float | None = None  # inclusive
    gt: float | None = None  # exclusive lower bound
    unit: str = ""
    whole: bool = False  # an integer

    def check(self, value) -> str | None:
        kind = "a whole number" if self.whole else "a number"
        if isinstance(value, bool) or not isinstance(value, int if self.whole else (int, float)):
            return f"must be {kind}{self._range()}"
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
class Never:
    """A key that must not be there; ``message`` says why (the whole message: it names the key)."""

    message: str

    def check(self, value) -> str | None:
        return self.message


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
    """A table: ``fields`` gives the schema of each key it may hold, ``other`` that of any
    other key (None: another key is an error), ``required`` the keys it must hold (not empty:
    ``""`` and ``[]`` count as missing), ``one_of`` keys of which it must hold exactly one.

    ``say`` words the messages of this table, each a template: ``unknown`` (``{path}`` the
    dotted path of the key, ``{key}``, ``{keys}`` all unknown keys, ``{hint}`` what it may
    have meant or the known keys), ``lacks`` and ``empty`` (``{path}`` of the table, ``{key}``;
    ``lacks:KEY`` for one key, missing or empty), ``one_of``, and ``several`` (``{n}``) the
    required keys it lacks together."""

    fields: dict = field(default_factory=dict)
    required: tuple[str, ...] = ()
    other: Any = None
    one_of: tuple[str, ...] = ()
    say: dict = field(default_factory=dict)

    def check(self, value) -> str | None:
        return None if isinstance(value, dict) else "must be a table"


@dataclass(frozen=True)
class Tables:
    """An array of tables (``[[key]]``), at most ``hi`` of them."""

    table: Table
    hi: int = 1_000

    def check(self, value) -> str | None:
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            return "must be an array of tables ([[…]] entries)"
        if len(value) > self.hi:
            return f"has {len(value):,} entries; at most {self.hi:,} are allowed"
        return None


@dataclass(frozen=True)
class Tagged:
    """A table whose schema its ``tag`` key chooses from ``options`` (a figure's ``kind``)."""

    tag: str
    options: dict

    def check(self, value) -> str | None:
        if not isinstance(value, dict):
            return "must be a table"
        return None if isinstance(value.get(self.tag), str) and value[self.tag] in self.options else \
            "must be " + " or ".join(f'"{k}"' for k in self.options)


@dataclass(frozen=True)
class Anything:
    """Any value at all (a table of free-form facts)."""

    def check(self, value) -> str | None:
        return None


_SAY = {"unknown": "unknown key '{path}' ({hint})", "lacks": "{where} lacks '{key}'",
        "empty": "'{path}' must not be empty", "one_of": "{where} needs exactly one of {keys}"}


def check(doc: Toml, schema, at: Keys = ()) -> None:
    """Hold ``doc.data``, or the value at key path ``at``, against ``schema``: the first
    problem is a :class:`TomlError` on the line of its key (messages name keys from ``at``
    on); the required keys one table lacks are reported together (the error's
    ``problems``)."""
    value = doc.data
    for key in at:
        value = value[key]
    _Check(doc, len(at)).walk(value, schema, tuple(at))


class _Check:
    def __init__(self, doc: Toml, base: int):
        self.doc, self.base = doc, base

    def fail(self, message: str, keys: Keys, line_keys: Keys | None = None) -> TomlError:
        line_keys = keys if line_keys is None else line_keys
        return TomlError(message, self.doc.line(*line_keys) or self.doc.missing_line(line_keys[:-1]), keys)

    def name(self, keys: Keys, quoted: bool = True) -> str:
        return dotted(keys[self.base:], quoted)

    def walk(self, value, schema, keys: Keys) -> None:
        problem = schema.check(value)
        if problem:
            if isinstance(schema, Never):
                raise self.fail(problem, keys)
            if isinstance(schema, Tagged) and isinstance(value, dict):  # the tag is what is wrong
                keys += (schema.tag,)
            # too many [[entries]]: point at the first one beyond the limit
            over = isinstance(schema, Tables) and isinstance(value, list) and len(value) > schema.hi
            raise self.fail(f"{self.name(keys)} {problem}", keys, keys + (schema.hi,) if over else None)
        if isinstance(schema, Either):
            self.walk(value, schema.pick(value), keys)
        elif isinstance(schema, Tagged):
            self.walk(value, schema.options[value[schema.tag]], keys)
        elif isinstance(schema, Table):
            self.table(value, schema, keys)
        elif isinstance(schema, Tables):
            for i, item in enumerate(value):
                self.walk(item, schema.table, keys + (i,))
        elif isinstance(schema, Seq):
            for i, item in enumerate(value):
                problem = schema.item.check(item)
                if problem:
                    raise self.fail(f"{self.name(keys)} item {i + 1} {problem}", keys + (i,))
                self.walk(item, schema.item, keys + (i,))

    def table(self, value: dict, schema: Table, keys: Keys) -> None:
        say = {**_SAY, **schema.say}
        where = self.name(keys) if keys[self.base:] else "the file"
        unknown = [k for k in value if k not in schema.fields] if schema.other is None else []
        if unknown:
            known = list(schema.fields)
            close = difflib.get_close_matches(str(unknown[0]), known, n=3)
            hint = f"did you mean {', '.join(close)}?" if close else f"known: {', '.join(known)}"
            raise self.fail(say["unknown"].format(path=self.name(keys + (unknown[0],), False), key=unknown[0],
                                                  keys=sorted(unknown), hint=hint, known=", ".join(known)),
                            keys + (unknown[0],))
        lacking = []
        for key in schema.required:
            if key not in value or value[key] in ("", [], {}):
                template = say.get(f"lacks:{key}") or (say["empty"] if key in value else say["lacks"])
                message = template.format(key=key, where=where, path=self.name(keys + (key,), False))
                line = self.doc.line(*keys, key) if key in value else self.doc.missing_line(keys)
                lacking.append(TomlError(message, line, keys + (key,)))
        if lacking:
            raise TomlError(lacking[0].message, lacking[0].line, lacking[0].keys, tuple(lacking),
                            say.get("several", "").format(n=len(lacking)))
        if schema.one_of and sum(k in value for k in schema.one_of) != 1:
            raise TomlError(say["one_of"].format(where=where, keys=" or ".join(schema.one_of)),
                            self.doc.line(*keys) or self.doc.missing_line(keys), keys)
        for key, item in value.items():
            self.walk(item, schema.fields.get(key, schema.other), keys + (key,))


def dotted(keys: Keys, quoted: bool = True) -> str:
    """A key path as messages write it: ``'group[1].bar[2].value'`` (entries from 1)."""
    out = ""
    for k in keys:
        out += f"[{k + 1}]" if isinstance(k, int) else (f".{k}" if out else str(k))
    if not quoted:
        return out
    return f"'{out}'" if out else "the file"
