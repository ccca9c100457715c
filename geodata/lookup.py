"""One place lookup over the curated gazetteers and the world gazetteer.

Curated entries (``geodata/gazetteer.toml`` and the brief's ``places.toml``) come first and
override the world data: a world place the curated entry names by ``geonames = ID``, or one
of the same name within 30 km of it, is left out. The world gazetteer is opened only when a
name is not curated, so a build whose places are all curated (or pinned in the brief's
lock file) never touches it.

A place reference, as written in a figure spec or on the command line:
    "iturup"               a curated id
    "geonames:5870133"     a GeoNames id
    "Nome"                 a name in any language of any gazetteer
    "Nome, US"             a name and an ISO 3166 country code
A hyphenated lower-case reference ("bering-strait") is a curated id only: a typo in one
is reported with the closest curated names, without a world lookup.

A name several world places share is ranked before it is called ambiguous: places whose own
GeoNames name it is come before places that merely list it as an alternate name, and one
populated place wins over namesakes with no population in GeoNames (0) in its country within
``DUPLICATE_KM`` ("Hanoi, VN"), with a note saying so. A place found only through an
alternate name, with no country in the reference to confirm it ("Truong Sa" is one of
Changsha's), is taken with a note showing the match. Messages name a place as the editor
wrote it and what it resolved to (:func:`describe`).
"""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

from .places import Gazetteer, Place, UnknownPlace, normalize
from .world import WorldGazetteer, WorldPlace, countries, distance_km

__all__ = ["PlaceFinder", "AmbiguousPlace", "parse_reference", "world_place", "describe", "reference_id"]

_GEONAMES = re.compile(r"^geonames[:\-](\d+)$")
_WITH_COUNTRY = re.compile(r"^(.*\S)\s*,\s*([A-Z]{2})$")
_CURATED_ID = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)+$")  # "bering-strait": hyphenated lower case
SAME_PLACE_KM = 30.0
DUPLICATE_KM = 100.0  # a namesake without population this close to a populated place is taken for a duplicate


class AmbiguousPlace(LookupError):
    """A name that several world places share; the message lists them, largest first."""

    def __init__(self, name: str, candidates: list[Place]):
        self.name, self.candidates = name, candidates
        super().__init__(name)

    def __str__(self) -> str:
        shown = "; ".join(f"{p.facts.get('label', p.name)} ({reference_id(p)}, population {p.population or 0:,})"
                          for p in self.candidates[:6])
        more = f"; and {len(self.candidates) - 6} more" if len(self.candidates) > 6 else ""
        by_id = f"\"{self.candidates[0].id.replace('-', ':', 1)}\""
        if _WITH_COUNTRY.match(self.name):
            return f"{len(self.candidates)} places are called {self.name!r}: {shown}{more}. Name it by id ({by_id})"
        return (f"{len(self.candidates)} places are called {self.name!r}: {shown}{more}. "
                f"Add the country (\"{self.name}, {self.candidates[0].country}\") or name it by id ({by_id})")


def parse_reference(ref: str, country: str | None = None, is_country=None) -> tuple[str, str | None, int | None]:
    """(name, country code or None, GeoNames id or None) of a place reference; ``is_country``
    tells a country code (default: GeoNames' country table)."""
    ref = str(ref).strip()
    m = _GEONAMES.match(ref)
    if m:
        return ref, country, int(m.group(1))
    m = _WITH_COUNTRY.match(ref)
    if m and country is None and (is_country or countries().__contains__)(m.group(2)):
        return m.group(1), m.group(2), None
    return ref, country, None


def reference_id(place: Place) -> str:
    """The id a reference names ``place`` by: "geonames:1815577" for a world place, else its
    curated id."""
    return f"geonames:{place.geonames}" if place.id == f"geonames-{place.geonames}" else place.id


def describe(written: str, place: Place) -> str:
    """A place as messages name it: as the editor wrote it, then what it resolved to —
    '"Truong Sa" (resolved to Changsha, CN, geonames:1815577)'."""
    ident = reference_id(place)
    parts = (place.facts.get("name", place.name), place.country, None if ident == written else ident)
    return f"\"{written}\" (resolved to {', '.join(p for p in parts if p)})"


def world_place(wp: WorldPlace, data_version: str) -> Place:
    """A world place as a gazetteer :class:`Place`, with its source and data version."""
    names = dict(wp.names)
    return Place(
        id=wp.id, kind="settlement", names=names, lat=wp.lat, lon=wp.lon,
        sources=({"title": wp.source, "url": f"https://www.geonames.org/{wp.geonameid}",
                  "note": f"{wp.label()}; {data_version}"},),
        origin=data_version, country=wp.country, geonames=wp.geonameid, population=wp.population,
        facts={"label": wp.label(), "alternates": wp.alternates, "name": wp.name},
    )


def _populated_over_duplicates(found: list[Place]) -> tuple[list[Place], list[Place]]:
    """([the populated place], [its duplicates]) when one of ``found`` has a population and
    every other one is a namesake in its country without population in GeoNames (0) within
    ``DUPLICATE_KM`` of it; else (``found``, [])."""
    populated = [p for p in found if p.population]
    if len(populated) != 1:
        return found, []
    winner = populated[0]
    others = [p for p in found if p is not winner]
    if all(p.country == winner.country and normalize(p.name) == normalize(winner.name)
           and distance_km((p.lat, p.lon), (winner.lat, winner.lon)) <= DUPLICATE_KM for p in others):
        return [winner], others
    return found, []


def _duplicates_note(written: str, place: Place, duplicates: list[Place]) -> str:
    far = max(distance_km((p.lat, p.lon), (place.lat, place.lon)) for p in duplicates)
    ids = ", ".join(reference_id(p) for p in duplicates)
    others = (f"the place of that name {far:.0f} km away" if len(duplicates) == 1 else
              f"{len(duplicates)} places of that name within {far:.0f} km")
    return (f"\"{written}\" taken as {place.name} ({place.country}, {reference_id(place)}, population "
            f"{place.population:,}) over {others} with no population in GeoNames ({ids}); "
            f"write its id if {'that one' if len(duplicates) == 1 else 'one of those'} is meant")


def _as_written(place: Place, name: str) -> Place:
    """A world place found by one of its Latin-script alternate names ("Hargeisa" for
    GeoNames' "Hargeysa") is labelled with that spelling, the one the brief uses; the
    main name stays an alias."""
    key = normalize(name)
    if normalize(place.name) == key or not name.isascii() and not _latin(name):
        return place
    spelled = [a for a in place.facts.get("alternates", ()) if normalize(a) == key]
    if not spelled:
        return place
    label = name if name in spelled else spelled[0]
    return replace(place, names={**place.names, "en": label}, aliases=(place.name, *place.aliases))


def _latin(text: str) -> bool:
    import unicodedata

    return all(not c.isalpha() or unicodedata.name(c, "").startswith("LATIN") for c in text)


class PlaceFinder:
    def __init__(self, gazetteer: Gazetteer, cache_dir: str | Path | None = None, progress=None):
        self.gazetteer = gazetteer
        self._cache_dir, self._progress = cache_dir, progress
        self._world: WorldGazetteer | None = None

    @property
    def world(self) -> WorldGazetteer:
        if self._world is None:
            self._world = WorldGazetteer(self._cache_dir, progress=self._progress)
        return self._world

    def _curated_shadows(self, p: Place) -> bool:
        """Whether a curated entry stands for world place ``p``."""
        key = normalize(p.name)
        for c in self.gazetteer:
            if c.geonames is not None:
                if c.geonames == p.geonames:
                    return True
                continue
            if any(normalize(n) == key for n in c.all_names()) and \
                    distance_km((c.lat, c.lon), (p.lat, p.lon)) <= SAME_PLACE_KM:
                return True
        return False

    def _world_places(self, found: list[WorldPlace]) -> list[Place]:
        version = self.world.data_version
        return [p for p in (world_place(w, version) for w in found) if not self._curated_shadows(p)]

    def resolve(self, ref: str, country: str | None = None, notes: list[str] | None = None) -> Place:
        """The one place ``ref`` names. Raises UnknownPlace (with the closest names) or
        AmbiguousPlace (with every candidate, largest first). What the editor should know about
        how a name was matched (an alternate name, duplicates passed over) goes to ``notes``."""
        written = f"{ref}, {country}" if country else str(ref)
        name, country, gid = parse_reference(ref, country)
        if gid is not None:
            curated = [c for c in self.gazetteer if c.geonames == gid]
            if curated:
                return curated[0]
            wp = self.world.get(gid)
            if wp is None:
                raise UnknownPlace(ref, [])
            return world_place(wp, self.world.data_version)
        try:
            place = self.gazetteer.find(name)
            if country is None or place.country in (None, country):
                return place
        except UnknownPlace as exc:
            missing = UnknownPlace(written, exc.suggestions)  # named as written ("Atlantis, PH")
            if country is None and _CURATED_ID.match(name):
                raise  # an id of a curated entry (a typo of one), not a name to look up
        else:
            missing = UnknownPlace(written, [])
        found = self._world_places(self.world.find(name, country))
        if not found:
            raise missing
        # places whose own name it is before those that list it as an alternate ("Asmara", not Smara)
        main = [p for p in found if normalize(p.name) == normalize(name)]
        candidates = main or found
        duplicates: list[Place] = []
        if len(candidates) > 1:
            candidates, duplicates = _populated_over_duplicates(candidates)
        if len(candidates) > 1:
            raise AmbiguousPlace(name if country is None else f"{name}, {country}", candidates)
        place = candidates[0]
        if notes is not None:
            if duplicates:
                notes.append(_duplicates_note(written, place, duplicates))
            if not main and country is None:
                notes.append(f"\"{written}\" matched {place.name} ({place.country}) only through an alternate "
                             f"name; write {self._by_name_or_id(place)} if that is meant")
        return _as_written(place, name)

    def _by_name_or_id(self, place: Place) -> str:
        """How to name ``place`` for sure: '"Changsha, CN" or geonames:1815577' where its name
        and country name it alone, else its id."""
        by_name = f"{place.name}, {place.country}"
        try:
            unique = self.resolve(by_name).id == place.id
        except LookupError:
            unique = False
        return f"\"{by_name}\" or {reference_id(place)}" if unique else reference_id(place)

    def search(self, query: str = "", country: str | None = None,
               near: tuple[float, float] | None = None, limit: int = 20) -> list[Place]:
        """Curated matches, then world matches (exact names first, largest first)."""
        curated = self.gazetteer.search(query) if query else ([] if near else list(self.gazetteer))
        if country:
            curated = [p for p in curated if p.country == country]
        world = self._world_places(self.world.search(query, country, near, limit)) if (query or near) else []
        out = curated + world
        if near is not None:
            out.sort(key=lambda p: distance_km(near, (p.lat, p.lon)))
            out = out[:limit]
        return out
