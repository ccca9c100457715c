"""The archive's operations: add an edition (immutable), list, show, verify.

``add`` takes the catalogue's write lock (BEGIN IMMEDIATE), checks the chain's end against
the head file (a catalogue that fails :func:`.seal.check` takes nothing; ``verify`` checks
every record), decides the edition number, stores the files
(temp, fsync, rename) and only then inserts and seals the rows, writes the head file with
the new state pending and commits, all in that one transaction; then, under the lock
again, it writes the head file with the new state alone. A crash before the commit leaves
stored objects no row names; they are harmless (``verify`` mentions them, never fails on
them) and the next add of the same bytes reuses them. Adding an archived edition again
changes no row but restores any of its stored files that went missing or bad. Readers
(list, show, verify) open the catalogue read-only.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from .. import faults
from ..errors import BriefError
from . import VARIANTS
from . import seal
from .catalogue import GENESIS, NAME as CATALOGUE, Catalogue, Edition, edition_id
from .edition import Incoming
from .store import Store


@dataclass(frozen=True)
class Added:
    id: str
    new: bool  # False: the identical edition was already archived (a no-op)
    repaired: tuple[str, ...] = ()  # variants whose missing or damaged stored copy this add restored


@dataclass
class Problem:
    edition: str
    variant: str
    state: str  # "missing" | "altered"
    path: Path


@dataclass
class Report:
    checked: int = 0
    problems: list[Problem] = field(default_factory=list)
    unreferenced: list[Path] = field(default_factory=list)
    leftovers: list[Path] = field(default_factory=list)
    seal: "seal.Check | None" = None  # the catalogue's seal check

    @property
    def ok(self) -> bool:
        return not self.problems and not (self.seal and self.seal.problems)


def now() -> str:
    return dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def decide(existing: dict[int, dict[str, str]], shas: dict[str, str], brief_id: str,
           edition: int | None, note: str) -> tuple[int, bool]:
    """(edition number, is new) for files ``shas`` given the brief's ``existing`` editions."""
    same = sorted(n for n, files in existing.items() if files == shas)
    following = max(existing, default=0) + 1
    if edition is None:
        if same:
            return same[0], False
        edition = following
    elif edition in existing:
        if existing[edition] == shas:
            return edition, False
        changed = ", ".join(v for v in VARIANTS if existing[edition].get(v) != shas.get(v))
        raise BriefError(f"{edition_id(brief_id, edition)} is already archived with other files "
                         f"({changed} differ); editions never change: add the correction as edition "
                         f"{following} with --note saying what changed")
    elif same:
        raise BriefError(f"these files are already archived as {edition_id(brief_id, same[0])}")
    elif edition != following:
        raise BriefError(f"the next edition of {brief_id} is {following} (edition numbers have no gaps)")
    if edition > 1 and not note.strip():
        raise BriefError(f"{edition_id(brief_id, edition)} would be a correction of edition {edition - 1}: "
                         f"say what changed with --note TEXT")
    return edition, True


class Archive:
    def __init__(self, root: Path | str):
        self.root = Path(root)
        self.store = Store(self.root)

    def catalogue(self, create: bool = False, readonly: bool = False) -> Catalogue:
        return Catalogue.open(self.root, create=create, readonly=readonly)

    def add(self, incoming: Incoming, edition: int | None = None, note: str = "") -> Added:
        if set(incoming.files) != set(VARIANTS):
            raise BriefError(f"an edition needs all of {', '.join(VARIANTS)}")
        shas = {v: rec.sha256 for v, (rec, _) in incoming.files.items()}
        brief_id = incoming.meta.brief_id
        cat = self.catalogue(create=True)
        try:
            faults.point("add-opened")  # BRIEF_FAULT points of an add, in the order it reaches them
            with cat.writing():
                checked, first_seal = self._sealable(cat)
                number, new = decide(cat.hashes_by_edition(brief_id), shas, brief_id, edition, note)
                states = {v: self.store.put(data, rec.sha256) for v, (rec, data) in incoming.files.items()}
                faults.point("add-stored")
                if new:
                    cat.insert(incoming.meta, number, note.strip(), [incoming.files[v][0] for v in VARIANTS], now())
                ids = first_seal + ([edition_id(brief_id, number)] if new else [])
                start = seal.State(0, GENESIS, "", checked.state.schema) if first_seal else checked.state
                end = seal.seal_new(cat, start, ids)
                faults.point("add-sealed")
                if ids:  # the head names both states until the commit is durable
                    seal.write_head(self.root, checked.state, pending=end)
                faults.point("add-pending")
            faults.point("add-committed")
            if ids or checked.pending or not (self.root / seal.HEAD).exists():
                with cat.writing():  # under the lock again, unless a later add already moved on
                    if cat.tip() == (end.editions, end.head):
                        seal.write_head(self.root, end)
            faults.point("add-done")
            # re-adding an archived edition restores stored copies that went missing or bad
            repaired = tuple(v for v, s in states.items() if s == "repaired" or (s == "stored" and not new))
            return Added(edition_id(brief_id, number), new, repaired)
        finally:
            cat.close()

    def _sealable(self, cat: Catalogue) -> tuple[seal.Check, list[str]]:
        """The seal check an add starts from, and the editions of a never-sealed (version 1)
        catalogue to seal first. A catalogue that fails the check takes no new edition."""
        checked = seal.check(cat, self.root, full=False)  # the chain's end; verify checks every record
        if cat.tip()[0] and cat.last_seal()[0] == 0 and seal.read_head(self.root)[0] is None:
            return checked, [ed.id for ed, _ in cat.sealed()]  # first seal of an upgraded catalogue
        if checked.problems:
            raise BriefError(f"the catalogue fails its seal check, so nothing is added: {checked.problems[0]} "
                             f"('brief archive verify' lists every problem)", cat.path)
        return checked, []

    def editions(self, wanted: str | None = None) -> list[Edition]:
        cat = self.catalogue(readonly=True)
        try:
            return cat.editions(wanted)
        finally:
            cat.close()

    def verify(self, wanted: str | None = None, expect: str | None = None) -> Report:
        """Check the catalogue's seals and re-hash every stored file of every edition (or of
        one); name the missing and altered. Reads only: works on a read-only copy or mount."""
        report = Report()
        seen: dict[str, str] = {}
        cat = self.catalogue(readonly=True)
        try:
            report.seal = seal.check(cat, self.root, expect)
            editions = cat.editions(wanted)
        finally:
            cat.close()
        for ed in editions:
            for variant, rec in ed.files.items():
                if rec.sha256 not in seen:
                    seen[rec.sha256] = self.store.check(rec.sha256)
                report.checked += 1
                if seen[rec.sha256] != "ok":
                    report.problems.append(Problem(ed.id, variant, seen[rec.sha256], self.store.path(rec.sha256)))
        if wanted is None:
            report.unreferenced = sorted(self.store.path(h) for h in self.store.all_hashes() - set(seen))
            report.leftovers = self.store.leftovers() + sorted(self.root.glob(f".{CATALOGUE}.*")) + \
                sorted(self.root.glob(f".{seal.HEAD}.*"))
        return report
