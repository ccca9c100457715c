"""The brief's place lock, ``briefs/<slug>/places.lock.json``: every place a figure names,
resolved once and pinned, so that a later change of the world data or the bundled
gazetteer cannot move a place or rename it in an edition already published.

Part of the source stage. Resolving a reference, in this order:
1. an entry of the brief's own ``places.toml`` (the brief's own data, archived with it,
   is never pinned: editing it takes effect at once);
2. the lock: what an earlier build resolved the reference to (id, kind, coordinates,
   names, area, source and data version);
3. the bundled gazetteer, then the world gazetteer (``geodata.lookup``); the result is
   added to the lock.

The source stage computes the new lock (sorted, so byte-stable) whenever the set of
references changes; a reference no figure uses any more is dropped. The pipeline writes it
(:func:`commit`) only after the editions are published, atomically, and never through a
link or into a FIFO: a failed or interrupted build leaves the file as it was. Delete an
entry, or the file, to resolve again against the current data. A pinned bundled entry that
the gazetteer has changed since is kept as pinned, with a warning.

The file is checked whole when it is read (UTF-8, JSON, every entry's keys, types and
ranges, and that a bundled id is still in a gazetteer); a problem is one error naming the
file, the line of the offending key and the reference as written.
"""

from __future__ import annotations

import bisect
import hashlib
import json
import json.decoder
import json.scanner
import math
import os
import re
import stat
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

from geodata import files
from geodata.lookup import AmbiguousPlace, PlaceFinder, parse_reference
from geodata.places import BUNDLED_GAZETTEER, KINDS, Gazetteer, Place, UnknownPlace
from geodata.world import WorldIndexError

from . import cache
from .errors import BriefError
from .inputs import brief_input, written_input
from .model import Brief, Input

LOCK_NAME = "places.lock.json"
ABOUT = ("Written by `brief build`: the place each figure reference resolved to, pinned so that later "
         "changes of the gazetteers cannot change this brief. Commit it with the brief; delete an entry "
         "(or the file) to resolve that reference again against the current data.")
MAX_LOCK_BYTES = 20_000_000  # 40 figures of 350 places each take about 7 MB
PINNED = ("id", "kind", "lat", "lon", "names", "area_km2", "country", "geonames", "population")


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:12]


class PlaceResolver:
    """``find(ref, country=None) -> Place`` for the figure specs of one brief."""

    def __init__(self, gazetteer: Gazetteer, brief_dir: Path, warn=None, countries=None):
        self.gazetteer = gazetteer
        self.countries = countries  # geodata.world.CountryTable: country codes, national capitals
        self.path = Path(brief_dir) / LOCK_NAME
        self.finder = PlaceFinder(gazetteer, cache.root(),
                                  progress=lambda msg: print(msg, file=sys.stderr, flush=True))
        self._own = str(Path(brief_dir) / "places.toml")
        self._warn = warn or (lambda msg: print(msg, file=sys.stderr))
        self._brief_dir = Path(brief_dir)
        self._old_text = ""
        self.pinned: dict[str, dict] = {}
        if os.path.lexists(self.path):
            brief_input(self.path, brief_dir, "place-lock")  # a regular file in the folder, before reading
            size = os.stat(self.path).st_size
            if size > MAX_LOCK_BYTES:
                raise BriefError(f"the file is {size:,} bytes; a place lock has at most {MAX_LOCK_BYTES:,}: "
                                 f"delete it to resolve the places again", self.path)
            try:
                self._old_text = files.decode_utf8(self.path.read_bytes())
            except files.NotUTF8 as exc:
                raise BriefError(f"{exc}; delete the file to resolve the places again", self.path,
                                 exc.line) from None
            self.pinned = read_lock(self._old_text, self.path, gazetteer)
        self.used: dict[str, dict] = {}
        self._bundled_version: str | None = None

    @property
    def bundled_version(self) -> str:
        if self._bundled_version is None:
            self._bundled_version = f"geodata/gazetteer.toml sha256 {_digest(BUNDLED_GAZETTEER)}"
        return self._bundled_version

    def find(self, ref: str, country: str | None = None, notes: list[str] | None = None) -> Place:
        """The place ``ref`` names; how a name was matched, where the editor should know it
        (only an alternate name, duplicates passed over), goes to ``notes``."""
        key = f"{ref}, {country}" if country else str(ref)
        name, cc, gid = parse_reference(ref, country, self.countries.is_country if self.countries else None)
        if gid is None:
            try:
                own = self.gazetteer.find(name)
            except UnknownPlace:
                own = None
            if own is not None and own.origin == self._own:
                return own
        if key in self.pinned:
            entry = self.pinned[key]
            self.used[key] = entry
            return self._from_pin(key, entry)
        try:
            place = self.finder.resolve(ref, country, notes)
        except AmbiguousPlace as exc:
            raise LookupError(str(exc)) from None
        except WorldIndexError as exc:
            raise LookupError(f"{ref!r} is not in the bundled gazetteer and the world gazetteer "
                              f"cannot be read: {exc}") from None
        if place.origin == self._own:
            return place
        self.used[key] = self._pin(place)
        return place

    def _pin(self, place: Place) -> dict:
        entry = {k: getattr(place, k) for k in PINNED if getattr(place, k) not in (None, {}, ())}
        entry["names"] = dict(place.names)
        entry["source"] = place.source
        entry["data"] = self.bundled_version if place.origin == str(BUNDLED_GAZETTEER) else place.origin
        return entry

    def _from_pin(self, key: str, entry: dict) -> Place:
        fields = {k: entry.get(k) for k in PINNED}
        fields["names"] = dict(entry["names"])
        fields["lat"], fields["lon"] = float(entry["lat"]), float(entry["lon"])
        fields["kind"] = str(entry.get("kind") or "settlement")
        try:
            current = self.gazetteer.get(entry["id"])
        except UnknownPlace:
            current = None
        if current is not None:
            pinned = replace(current, **fields)
            if pinned != current:
                self._warn(f"warning: {self.path}: {key!r} stays as pinned ({entry.get('data', '')}); the "
                           f"gazetteer has changed it since — delete the entry to take the new data")
            return pinned
        return Place(sources=({"title": str(entry.get("source", "")), "note": str(entry.get("data", ""))},),
                     origin=str(entry.get("data", "")), **fields)

    def text(self) -> str:
        return json.dumps({"about": ABOUT, "places": dict(sorted(self.used.items()))},
                          ensure_ascii=False, indent=2, sort_keys=False) + "\n"

    def pending(self) -> bytes | None:
        """The lock's new content if what the figures use differs from the file, else None."""
        if not self.used and not self._old_text:
            return None
        if self._old_text and self.used == self.pinned:  # every reference pinned, none dropped
            return None
        text = self.text()
        return None if text == self._old_text else text.encode("utf-8")

    def lock_input(self) -> Input | None:
        """The lock as an input of the build: the file as it is, or (with ``pending``) the
        content the build gives it, refused at once if it cannot be written in place."""
        data = self.pending()
        if data is not None:
            writable(self.path)
            return written_input(self.path, self._brief_dir, "place-lock", data)
        if os.path.lexists(self.path):
            return brief_input(self.path, self._brief_dir, "place-lock")
        return None

    def world_input(self) -> Input | None:
        """What the figures read of GeoNames' country table (``geodata/world.json``) as an input
        with its content, or None when they read nothing of it."""
        data = self.countries.dump() if self.countries is not None else None
        if data is None:
            return None
        return Input(name="geodata/world.json", path=self.countries.path or Path("geodata/world.json"), role="world",
                     pending=data)

    def save(self) -> None:
        """Write the lock now if what the figures use differs from the file."""
        data = self.pending()
        if data is not None:
            write_lock(self.path, data)


def commit(brief: Brief) -> None:
    """Write the place lock the source stage computed for ``brief``, if it changed: the
    pipeline calls this once the editions are published."""
    for item in brief.inputs:
        if item.role == "place-lock" and item.pending is not None:
            write_lock(item.path, item.pending)


def writable(path: Path) -> None:
    """Refuse a lock that is a symbolic link, a FIFO or anything but a regular file: the
    build replaces the file, and would replace the link (or FIFO) with a file."""
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return
    if not stat.S_ISREG(mode):
        raise BriefError(f"the place lock needs an update, but it is {files.kind(mode)}: the build writes "
                         f"it only as a regular file, never through a link; put the file itself in its place "
                         f"(or delete it)", path)


def write_lock(path: Path, data: bytes) -> None:
    """Put ``data`` in place as the lock: a temporary file beside it, renamed over it."""
    writable(path)
    try:
        files.write_whole(path, data, durable=True)
    except OSError as exc:
        raise BriefError(f"cannot write the place lock: {exc.strerror}", path) from None


# ------------------------------------------------------------------ reading and checking the file

class _Located(dict):
    """A JSON object that knows the line of each of its values (``lines``)."""

    lines: dict[str, int]


def _loads_located(text: str) -> Any:
    """``json.loads(text)`` with every object a :class:`_Located`: the standard library's
    pure-Python scanner, told where each value of an object starts."""
    newlines = [m.start() for m in re.finditer("\n", text)]
    decoder = json.JSONDecoder(object_pairs_hook=lambda pairs: (pairs, _Located(pairs)))

    def parse_object(s_and_end, strict, scan_once, *rest):
        starts: list[int] = []

        def scan(string, idx):
            starts.append(idx)
            return scan_once(string, idx)

        (pairs, obj), end = json.decoder.JSONObject(s_and_end, strict, scan, *rest)
        obj.lines = {key: bisect.bisect_left(newlines, at) + 1 for (key, _), at in zip(pairs, starts)}
        return obj, end

    decoder.parse_object = parse_object
    decoder.scan_once = json.scanner.py_make_scanner(decoder)
    return decoder.decode(text)


def _number(value: Any, low: float, high: float) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value) \
        and low <= value <= high


_GEONAMES_ID = re.compile(r"geonames-(\d+)")
_CHECKS = (  # key, whether it must be there, test, what it must be
    ("id", True, lambda v: isinstance(v, str) and bool(v.strip()), "a place id (a string)"),
    ("kind", False, lambda v: isinstance(v, str) and v in KINDS, f"one of {', '.join(sorted(KINDS))}"),
    ("lat", True, lambda v: _number(v, -90, 90), "a latitude: a number in -90..90"),
    ("lon", True, lambda v: _number(v, -180, 180), "a longitude: a number in -180..180"),
    ("names", True, lambda v: isinstance(v, dict) and all(isinstance(n, str) for n in v.values())
     and bool(str(v.get("en", "")).strip()), "a table of names by language, with \"en\""),
    ("area_km2", False, lambda v: _number(v, 1e-9, math.inf), "a positive number"),
    ("country", False, lambda v: isinstance(v, str) and re.fullmatch(r"[A-Z]{2}", v) is not None,
     "an ISO 3166 code like \"GE\""),
    ("geonames", False, lambda v: isinstance(v, int) and not isinstance(v, bool) and v > 0,
     "a GeoNames id (a positive integer)"),
    ("population", False, lambda v: isinstance(v, int) and not isinstance(v, bool) and v >= 0,
     "a whole number"),
    ("source", False, lambda v: isinstance(v, str), "a string"),
    ("data", False, lambda v: isinstance(v, str), "a string"),
)


def _entry_problem(entry: Any, gazetteer: Gazetteer) -> tuple[str, str | None] | None:
    """What is wrong with one pinned entry, and the key it is in; None if nothing."""
    if not isinstance(entry, dict):
        return "the entry is not an object", None
    for key, required, test, what in _CHECKS:
        if key not in entry:
            if required:
                return f"no {key!r}", None
        elif entry[key] is not None or required:
            if not test(entry[key]):
                shown = json.dumps(entry[key], ensure_ascii=False)
                shown = shown if len(shown) <= 40 else shown[:39] + "…"
                return f"{key} {shown} is not {what}", key
    pid = entry["id"]
    world = _GEONAMES_ID.fullmatch(pid)
    if world:
        if entry.get("geonames") not in (None, int(world.group(1))):
            return f"id {pid!r} and geonames {entry['geonames']} name different places", "geonames"
        return None
    try:
        gazetteer.get(pid)
    except UnknownPlace:
        return f"it is pinned to {pid!r}, which no gazetteer has", "id"
    return None


def read_lock(text: str, path: Path, gazetteer: Gazetteer) -> dict[str, dict]:
    """The pinned entries of a lock file's text, each checked; a BriefError naming the line
    of the first problem and what to do about it."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise BriefError(f"not valid JSON ({exc.msg}); fix it, or delete the file to resolve the places again",
                         path, exc.lineno) from None
    except RecursionError:
        raise BriefError("not a place lock (nested too deeply); delete the file to resolve the places again",
                         path) from None
    places = data.get("places") if isinstance(data, dict) else None
    if not isinstance(places, dict):
        raise BriefError('not a place lock (expected {"places": {reference: entry, …}}); delete the file to '
                         'resolve the places again', path, _line(text))
    for ref, entry in places.items():
        problem = _entry_problem(entry, gazetteer)
        if problem:
            message, key = problem
            raise BriefError(f"{ref!r}: {message}; delete the entry to resolve {ref!r} again", path,
                             _line(text, ref, key))
    return places


def _line(text: str, ref: str | None = None, key: str | None = None) -> int:
    """The line of ``places`` (no ``ref``), of the entry ``ref``, or of its ``key``, in the
    lock's text (parsed again, with lines, for the error message only)."""
    top = _loads_located(text)
    if not isinstance(top, _Located) or "places" not in top.lines:
        return 1
    if ref is None:
        return top.lines["places"]
    entry = top["places"][ref]
    return (isinstance(entry, _Located) and entry.lines.get(key)) or top["places"].lines[ref]
