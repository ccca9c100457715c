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

The build rewrites the file (sorted, so byte-stable) whenever the set of references
changes; a reference no figure uses any more is dropped. Delete an entry, or the file,
to resolve again against the current data. A pinned bundled entry that the gazetteer has
changed since is kept as pinned, with a warning.
"""

from __future__ import annotations

import hashlib
import json
import sys
from dataclasses import replace
from pathlib import Path

from geodata.lookup import AmbiguousPlace, PlaceFinder, parse_reference
from geodata.places import BUNDLED_GAZETTEER, Gazetteer, Place, UnknownPlace
from geodata.world import WorldIndexError

from . import cache
from .errors import BriefError
from .output import write_file

LOCK_NAME = "places.lock.json"
ABOUT = ("Written by `brief build`: the place each figure reference resolved to, pinned so that later "
         "changes of the gazetteers cannot change this brief. Commit it with the brief; delete an entry "
         "(or the file) to resolve that reference again against the current data.")
PINNED = ("id", "kind", "lat", "lon", "names", "area_km2", "country", "geonames", "population")


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:12]


class PlaceResolver:
    """``find(ref, country=None) -> Place`` for the figure specs of one brief."""

    def __init__(self, gazetteer: Gazetteer, brief_dir: Path, warn=None):
        self.gazetteer = gazetteer
        self.path = Path(brief_dir) / LOCK_NAME
        self.finder = PlaceFinder(gazetteer, cache.root(),
                                  progress=lambda msg: print(msg, file=sys.stderr, flush=True))
        self._own = str(Path(brief_dir) / "places.toml")
        self._warn = warn or (lambda msg: print(msg, file=sys.stderr))
        self._old_text = ""
        self.pinned: dict[str, dict] = {}
        if self.path.is_file():
            self._old_text = self.path.read_text(encoding="utf-8")
            try:
                data = json.loads(self._old_text)
                self.pinned = dict(data["places"])
                if not all(isinstance(v, dict) and {"id", "lat", "lon", "names"} <= set(v)
                           for v in self.pinned.values()):
                    raise ValueError("an entry lacks id, lat, lon or names")
            except (ValueError, KeyError, TypeError) as exc:
                raise BriefError(f"not a place lock file ({exc}); delete it to resolve the places again",
                                 self.path) from None
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
        name, cc, gid = parse_reference(ref, country)
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

    def save(self) -> None:
        """Write the lock if what the figures use differs from the file."""
        if not self.used and not self._old_text:
            return
        if self._old_text and self.used == self.pinned:  # every reference pinned, none dropped
            return
        text = self.text()
        if text == self._old_text:
            return
        try:
            write_file(self.path, text.encode("utf-8"))
        except OSError as exc:
            raise BriefError(f"cannot write the place lock: {exc.strerror}", self.path) from None
