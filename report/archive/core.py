"""The archive's operations: add an edition (immutable), list, show, verify, head.

``add`` takes the catalogue's write lock (BEGIN IMMEDIATE) and runs the whole seal check
(:func:`.seal.check`: every row, every record file, the head file; a catalogue that fails
it takes nothing), decides the edition number, stores the files (temp, fsync, rename) and
only then inserts and seals the rows, writes the edition's record file, writes the head
file with the new state pending and commits, all in that one transaction; then, under the
lock again, it writes the head file with the new state alone. A catalogue made before seals
(version 1) is sealed by its next add, and one sealed before record files (version 2) gets
them, in the same transaction. A crash before the commit leaves stored objects no row names
and at most the record file of the edition being added; they are harmless (``verify`` notes
them, never fails on them) and the next add reuses or replaces them. Adding an archived
edition again changes no row but restores any of its stored files that went missing or
bad. Readers (list, show, verify, head) open the catalogue read-only.

``BRIEF_FAULT`` (for tests, see :mod:`report.output`) kills an add with SIGKILL at a point:
``archive-stored`` (files stored, no row), ``archive-sealed`` (rows, seals and record file
written, head file pending, not committed), ``archive-committed`` (committed, head file not
yet final).
"""

from __future__ import annotations

import datetime as dt
import shutil
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

from .. import faults
from ..editions import EDITIONS
from ..errors import BriefError
from . import seal
from .catalogue import GENESIS, NAME as CATALOGUE, SCHEMA_VERSION, Catalogue, Edition, edition_id, storage_error
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
        return not self.problems and not (self.seal and (self.seal.problems or self.seal.unsealed))


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
        changed = ", ".join(v for v in EDITIONS if existing[edition].get(v) != shas.get(v))
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


def reconcile(incoming: Incoming, corrects: tuple[str | None, int] | None, note: str) -> tuple[int | None, str]:
    """(the edition number it corrects or None, the note) from ``--corrects`` (brief or None,
    number), ``--note`` and the edition's own front matter (brief.md's ``[corrects]``, whose
    notice its pages carry): a flag left out is taken from the edition, one that says otherwise
    is refused."""
    brief_id, said = incoming.meta.brief_id, incoming.correction
    if corrects is not None and corrects[0] not in (None, brief_id):
        raise BriefError(f"--corrects {corrects[0]}@{corrects[1]} names an edition of another brief; "
                         f"an edition of {brief_id} corrects an edition of {brief_id}")
    number = corrects[1] if corrects is not None else None
    if said is None:
        return number, note
    if number is not None and number != said.edition:
        raise BriefError(f"--corrects {number}, but the edition says it corrects edition {said.edition} "
                         f"(brief.md's [corrects] edition, printed in its notice); build it again or drop "
                         f"--corrects", *incoming.where)
    if note.strip() and note.strip() != said.note:
        raise BriefError(f"--note differs from the note the edition prints in its notice (brief.md's "
                         f"[corrects] note: {said.note!r}); drop --note or build it again", *incoming.where)
    return said.edition, said.note


def check_link(cat: Catalogue, incoming: Incoming, corrects: int, number: int) -> None:
    """That ``corrects`` is an archived edition of the brief, earlier than ``number``, that no
    edition corrects yet, and of the date the edition's notice gives it."""
    brief_id = incoming.meta.brief_id
    target = edition_id(brief_id, corrects)
    existing = {e.edition: e for e in cat.history(brief_id)} if cat.hashes_by_edition(brief_id) else {}
    if not existing:
        raise BriefError(f"{target} does not exist: the archive holds no edition of {brief_id} yet (add the "
                         f"edition it corrects first)")
    if corrects not in existing or corrects >= number:
        held = f"editions 1–{max(existing)}" if len(existing) > 1 else "edition 1"
        raise BriefError(f"{target} does not exist: the archive holds {held} of {brief_id}, so "
                         f"{edition_id(brief_id, number)} cannot correct it")
    by = cat.corrected_by(brief_id).get(corrects)
    if by is not None and by != number:
        latest = max(existing)
        raise BriefError(f"{target} is already corrected by {edition_id(brief_id, by)}; a correction corrects "
                         f"the latest edition, {edition_id(brief_id, latest)} (a chain of corrections does "
                         f"not branch)")
    said = incoming.correction
    if said is not None and said.date != existing[corrects].meta.date:
        raise BriefError(f"the edition's notice dates {target} {said.date}, but the archive dates it "
                         f"{existing[corrects].meta.date} (brief.md's [corrects] date); build it again with "
                         f"the archived date", *incoming.where)


class Archive:
    def __init__(self, root: Path | str):
        self.root = Path(root)
        self.store = Store(self.root)

    def catalogue(self, create: bool = False, readonly: bool = False) -> Catalogue:
        return Catalogue.open(self.root, create=create, readonly=readonly)

    def add(self, incoming: Incoming, edition: int | None = None, note: str = "",
            corrects: tuple[str | None, int] | None = None) -> Added:
        """Add an edition; ``corrects`` (brief or None, number): the edition it corrects."""
        if set(incoming.files) != set(EDITIONS):
            raise BriefError(f"an edition needs all of {', '.join(EDITIONS)}")
        link, note = reconcile(incoming, corrects, note)
        try:
            return self._add(incoming, edition, note, link)
        except (sqlite3.Error, OSError) as exc:
            error = storage_error(exc, self.root, "nothing was added")
            if error is None:
                raise  # another OSError: the CLI names its file
            raise error from None

    def _add(self, incoming: Incoming, edition: int | None, note: str, link: int | None) -> Added:
        shas = {v: rec.sha256 for v, (rec, _) in incoming.files.items()}
        brief_id = incoming.meta.brief_id
        cat = self.catalogue(create=True)
        written: list[Path] = []  # record files this add wrote, until it commits
        made = False  # whether it made records/ itself
        try:
            faults.point("add-opened")  # BRIEF_FAULT points of an add, in the order it reaches them
            with cat.writing():
                checked = seal.check(cat, self.store)
                if checked.problems:
                    raise BriefError(f"the catalogue fails its seal check, so nothing is added: {checked.problems[0]} "
                                     f"('brief archive verify' lists every problem)", cat.path)
                number, new = decide(cat.hashes_by_edition(brief_id), shas, brief_id, edition, note)
                if not new:
                    had = cat.editions(edition_id(brief_id, number))[0].corrects
                    if link is not None and had != edition_id(brief_id, link):
                        raise BriefError(f"these files are already archived as {edition_id(brief_id, number)}, "
                                         f"which corrects {had or 'no edition'}")
                elif link is not None:
                    check_link(cat, incoming, link, number)
                states = {v: self.store.put(data, rec.sha256) for v, (rec, data) in incoming.files.items()}
                faults.point("add-stored")
                migrating = cat.version < SCHEMA_VERSION
                if migrating:  # first: the new edition's rows may need a table the migration makes
                    cat.migrate(sealing=checked.unsealed)
                if new:
                    cat.insert(incoming.meta, number, note.strip(), [incoming.files[v][0] for v in EDITIONS], now(),
                               corrects=link)
                ids = [s.id for s in checked.chain] if checked.unsealed else []
                ids += [edition_id(brief_id, number)] if new else []
                start = seal.State(0, GENESIS, "", 0) if checked.unsealed else checked.state
                fresh = seal.seal_new(cat, start, ids)
                chain = fresh if checked.unsealed else checked.chain + fresh
                end = seal.State(len(chain), chain[-1].hash if chain else GENESIS,
                                 chain[-1].id if chain else "", cat.schema_cookie())
                made = not self.store.records_dir.exists()
                if migrating and not checked.records:
                    written = self.store.put_records({s.seq: s.to_bytes() for s in chain})
                elif fresh:
                    written = self.store.put_records({s.seq: s.to_bytes() for s in fresh})
                faults.point("add-sealed")
                if written or migrating:  # the head names both states until the commit is durable
                    seal.write_head(self.store, checked.state, pending=end)
                faults.point("add-pending")
            written = []  # committed: the record files are the catalogue's now
            faults.point("add-committed")
            if fresh or migrating or checked.pending or not (self.root / seal.HEAD).exists():
                with cat.writing():  # under the lock again, unless a later add already moved on
                    if cat.tip() == (end.editions, end.head):
                        seal.write_head(self.store, end)
            faults.point("add-done")
            # re-adding an archived edition restores stored copies that went missing or bad
            repaired = tuple(v for v, s in states.items() if s == "repaired" or (s == "stored" and not new))
            return Added(edition_id(brief_id, number), new, repaired)
        finally:
            cat.close()
            if written and made:  # not committed: the record files it wrote go too
                shutil.rmtree(self.store.records_dir, ignore_errors=True)
            for path in written:
                path.unlink(missing_ok=True)

    def editions(self, wanted: str | None = None) -> list[Edition]:
        cat = self.catalogue(readonly=True)
        try:
            return cat.editions(wanted)
        finally:
            cat.close()

    def history(self, brief_id: str) -> list[Edition]:
        """Every edition of one brief, oldest first (the last is its latest)."""
        cat = self.catalogue(readonly=True)
        try:
            return cat.history(brief_id)
        finally:
            cat.close()

    def sealed(self, expect: str | None = None) -> seal.Check:
        """The catalogue's seal check (reads only)."""
        cat = self.catalogue(readonly=True)
        try:
            return seal.check(cat, self.store, expect)
        finally:
            cat.close()

    def head(self) -> seal.State:
        """The chain's end, to publish elsewhere: only for a catalogue that passes its seal check."""
        checked = self.sealed()
        if checked.problems:
            raise BriefError(f"the catalogue fails its seal check, so its head proves nothing: {checked.problems[0]} "
                             f"('brief archive verify' lists every problem)", self.root / CATALOGUE)
        if checked.unsealed:
            raise BriefError("the catalogue is not sealed yet (made before seals); the next add seals it",
                             self.root / CATALOGUE)
        if not checked.state.editions:
            raise BriefError("the archive holds no edition yet, so there is no head to publish", self.root / CATALOGUE)
        return checked.state

    def verify(self, wanted: str | None = None, expect: str | None = None) -> Report:
        """Check the catalogue's seals and re-hash every stored file of every edition (or of
        one); name the missing and altered. Reads only: works on a read-only copy or mount."""
        report = Report()
        seen: dict[str, str] = {}
        cat = self.catalogue(readonly=True)
        try:
            report.seal = seal.check(cat, self.store, expect)
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
