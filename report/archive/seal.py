"""Sealed, chained catalogue records, their copies in the store, and the head file.

Each edition's record (its full catalogue record as :meth:`Edition.to_dict` gives it:
id, brief, title, authors, date, note, added_at, and per file variant, SHA-256, bytes,
pages, standard, tool, epoch) is sealed when it is added:
``hash = SHA-256(canonical JSON of {"seq": n, "prev": <hash of record n-1>, "record": …})``,
the first record's ``prev`` being 64 zeros. The seal is kept three times:

- in the catalogue's ``seals`` table;
- in the store, as the edition's **record file** ``records/<seq, 6 digits>.json``
  (:class:`Sealed`: ``format``, ``seq``, ``prev`` — the head the edition followed —,
  ``hash`` and the ``record``), written and fsynced before the add commits, read-only; a
  BagIt export carries it, so a copy held elsewhere proves the history before it;
- as the chain's end in ``catalogue.head`` (the newest hash, the number of records, the
  last edition's id and SQLite's schema version), written by every add.

``format`` versions the seal: format 1 hashes ``{seq, prev, record}`` as above. A later
format (a record with new fields) hashes ``{"format": k, seq, prev, record}`` and records
its number per seal, so the records sealed before it keep their hashes. Format 2 is the
record of a correction: it has ``corrects`` (the id of the edition it corrects, see
:meth:`Edition.to_dict`); every other record is sealed in format 1 as before, so a record's
format follows from its fields (:func:`format_of`) and a record file that claims another is
not one. The seal check also holds every link to the chain: a correction names an edition
of its own brief with a lower number, sealed before it, that no other edition corrects.

:func:`check` recomputes the chain from every row of every table and cross-checks it with
the record files and the head file; it names the edition whose record no longer matches
its seal (an edited title, author, note or checksum), whose seal is gone, or disagrees with
its record file, or whose record file is missing or edited; a row out of sequence or
following a missing one (a deleted or reordered row); a row outside the chain (an edition
without its seal or its three files, a file or seal row of no edition); a record file the
catalogue lacks (rows deleted); a chain whose end differs from the head file; and a schema
changed since the last add. Once a record file or a sealed head exists, the catalogue can
never pass as unsealed: a catalogue made before seals (version 1) is sealed by its next
add only if every such trace agrees with the records as they are.

An add writes the head file twice: before its commit with the new state as ``pending``
(beside the committed one), after it with the new state alone; so a crash at any point
leaves a head file that matches the catalogue, and no change to the catalogue alone can.
A crash before the commit can leave the record file of the edition it was adding: it
follows the chain's end, ``verify`` notes it and the next add replaces it.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import BriefError
from ..provenance import canonical
from .catalogue import GENESIS, Catalogue
from .store import RECORDS, Store, write_atomic

HEAD = "catalogue.head"
FORMAT = 1  # the seal format of a record that corrects no edition
LINKED = 2  # the seal format of a correction's record (it has "corrects")
FORMATS = (FORMAT, LINKED)  # the formats it reads
HASH = re.compile(r"^[0-9a-f]{64}$")


def format_of(record: dict) -> int:
    """The seal format a record is sealed in: 2 for a correction's, 1 for any other."""
    return LINKED if "corrects" in record else FORMAT


def record_hash(seq: int, prev: str, record: dict, fmt: int | None = None) -> str:
    fmt = format_of(record) if fmt is None else fmt
    if fmt not in FORMATS:
        raise ValueError(f"seal format {fmt}; this brief reads {', '.join(map(str, FORMATS))}")
    sealed = {"seq": seq, "prev": prev, "record": record}
    return hashlib.sha256(canonical({"format": fmt, **sealed} if fmt != FORMAT else sealed)).hexdigest()


@dataclass(frozen=True)
class Sealed:
    """One sealed record, as its record file in the store holds it."""
    seq: int
    prev: str  # the head the record followed (the hash of record seq - 1)
    hash: str
    record: dict
    format: int = FORMAT

    @classmethod
    def of(cls, seq: int, prev: str, record: dict, digest: str | None = None) -> "Sealed":
        """The seal of ``record`` as record ``seq`` after ``prev`` (its hash computed unless given)."""
        fmt = format_of(record)
        return cls(seq, prev, digest or record_hash(seq, prev, record, fmt), record, fmt)

    @property
    def id(self) -> str:
        return str(self.record.get("id", "?"))

    @property
    def intact(self) -> bool:
        return record_hash(self.seq, self.prev, self.record, self.format) == self.hash

    def to_bytes(self) -> bytes:
        data = {"format": self.format, "seq": self.seq, "prev": self.prev, "hash": self.hash, "record": self.record}
        return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False).encode() + b"\n"

    @classmethod
    def parse(cls, data: bytes) -> "Sealed":
        """The record file's content; ValueError saying what is wrong with it."""
        obj = json.loads(data)
        if not isinstance(obj, dict) or set(obj) != {"format", "seq", "prev", "hash", "record"}:
            raise ValueError("not a JSON object with format, seq, prev, hash and record")
        if obj["format"] not in FORMATS:
            raise ValueError(f"seal format {obj['format']!r}; this brief reads {', '.join(map(str, FORMATS))}")
        if type(obj["seq"]) is not int or obj["seq"] < 1 or not isinstance(obj["record"], dict) or not all(
                isinstance(obj[k], str) and HASH.match(obj[k]) for k in ("prev", "hash")):
            raise ValueError("seq, prev, hash or record malformed")
        if obj["format"] != format_of(obj["record"]):
            raise ValueError(f"seal format {obj['format']} for a record "
                             f"{'with' if 'corrects' in obj['record'] else 'without'} a correction link")
        return cls(obj["seq"], obj["prev"], obj["hash"], obj["record"], obj["format"])


@dataclass(frozen=True)
class State:
    """Where a chain ends: number of records, last hash, last edition id, schema version."""
    editions: int
    head: str
    last: str
    schema: int

    def to_dict(self) -> dict:
        return {"editions": self.editions, "head": self.head, "last": self.last, "schema": self.schema}


@dataclass
class Check:
    state: State  # the chain as the rows give it
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # nothing wrong, but worth saying
    chain: list[Sealed] = field(default_factory=list)  # every sealed record, in order (for a never-sealed
    # catalogue: what its next add will seal)
    unsealed: bool = False  # a catalogue made before seals (version 1): its next add seals it
    records: bool = True  # the record files exist (false only in a catalogue sealed before them: version 2)
    pending: bool = False  # the catalogue matches the head file's pending state (a crash after commit)
    reaches: int | None = None  # the record whose hash is the expected head hash


def read_head(root: Path) -> tuple[State | None, State | None]:
    """(committed, pending) from the head file; (None, None) if there is none."""
    path = Path(root) / HEAD
    if not path.exists():
        return None, None
    try:
        data = json.loads(path.read_bytes())
        committed = State(**data["committed"])
        pending = State(**data["pending"]) if data.get("pending") else None
        for state in filter(None, (committed, pending)):
            if not (type(state.editions) is type(state.schema) is int and isinstance(state.last, str)
                    and isinstance(state.head, str) and HASH.match(state.head)):
                raise ValueError(f"malformed state {state.to_dict()}")
    except (ValueError, KeyError, TypeError) as exc:
        raise BriefError(f"the head file is damaged ({exc}); restore it from a backup or a printed head hash",
                         path) from None
    return committed, pending


def write_head(store: Store, committed: State, pending: State | None = None) -> None:
    data = {"committed": committed.to_dict(), **({"pending": pending.to_dict()} if pending else {})}
    write_atomic(store.root / HEAD, json.dumps(data, indent=2, sort_keys=True).encode() + b"\n", store.tmp, 0o644,
                 fault="add-head-written")


def check(cat: Catalogue, store: Store, expect: str | None = None) -> Check:
    """The seal check: every row of the catalogue against the chain, the chain against the
    record files and the head file, the schema; and, given ``expect`` (a head hash kept
    elsewhere), that the chain passes through it."""
    rows = cat.sealed()
    found, strays = store.records()
    stored = {seq: _parsed(seq, data) for seq, data in found.items()}
    committed, pending = read_head(store.root)
    if cat.version == 1:
        result = _unsealed(rows, stored, committed)
    else:
        result = _sealed(rows, stored, store, records=cat.version >= 3 or store.records_dir.exists())
    head = result.chain[-1].hash if result.chain and not result.unsealed else GENESIS
    result.state = State(len(rows), head, rows[-1][0].id if rows else "", cat.schema_cookie())
    result.problems += links(result.chain)
    result.problems += cat.stray_rows()
    result.problems += [f"{RECORDS}/{p.name}: not a record file (added outside brief archive add)" for p in strays]
    if expect:
        hashes = [s.hash for s in result.chain]
        if expect in hashes:
            result.reaches = hashes.index(expect) + 1
        else:
            result.problems.append(f"the chain does not pass through {expect} (a head hash kept elsewhere): "
                                   f"the catalogue and its head file were rewritten, or the hash is another archive's")
    result.problems += [f"schema: {p}" for p in cat.schema_problems()]
    if not result.unsealed:
        _against_head(result, committed, pending)
    return result


def links(chain: list[Sealed]) -> list[str]:
    """What is wrong with the chain's correction links: each names an edition of its own brief
    with a lower number, sealed before it, that no other edition corrects."""
    out, seen, corrected = [], set(), {}
    for sealed in chain:
        target, record = sealed.record.get("corrects"), sealed.record
        if target is not None:
            brief, _, number = str(target).rpartition("@")
            if brief != record.get("brief_id"):
                out.append(f"{sealed.id}: corrects {target}, an edition of another brief")
            elif target not in seen:
                out.append(f"{sealed.id}: corrects {target}, which the chain does not hold before it")
            elif not number.isdigit() or not int(number) < record.get("edition", 0):
                out.append(f"{sealed.id}: corrects {target}, which is not an earlier edition")
            elif target in corrected:
                out.append(f"{sealed.id}: corrects {target}, which {corrected[target]} already corrects "
                           f"(a chain of corrections does not branch)")
            corrected.setdefault(target, sealed.id)
        seen.add(sealed.id)
    return out


def _unsealed(rows: list, stored: dict, committed: State | None) -> Check:
    """A catalogue made before seals: what its next add will seal, which every trace of an
    earlier sealing (record files, a sealed head) must agree with, or seals were removed."""
    result = Check(State(0, GENESIS, "", 0), unsealed=True)
    prev, traces = GENESIS, bool(stored)
    for n, (ed, _) in enumerate(rows, 1):
        record = ed.to_dict()
        sealed = Sealed.of(n, prev, record)
        result.chain.append(sealed)
        prev = sealed.hash
        kept = stored.pop(n, None)
        if kept is None and traces:  # record files are written all at once when a catalogue is sealed
            result.problems.append(f"{ed.id}: the catalogue is not sealed, but record files exist and its own "
                                   f"is gone (seals and record files removed)")
        elif isinstance(kept, Sealed) and (kept.hash != sealed.hash or not kept.intact):
            result.problems.append(f"{ed.id}: the catalogue is not sealed, but its record file seals it as record "
                                   f"{kept.seq}{_why(record, kept.record, 'seals removed after an edit')}")
        elif isinstance(kept, str):
            result.problems.append(f"{ed.id}: the catalogue is not sealed, but it has a record file, which "
                                   f"is not one ({kept})")
    result.problems += [_unknown(s, n) for n, s in stored.items() if not _interrupted(s, n, result.chain)]
    if committed is not None and committed.head != GENESIS:
        hashes = [s.hash for s in result.chain]
        if not 1 <= committed.editions <= len(hashes) or hashes[committed.editions - 1] != committed.head:
            result.problems.append(f"{committed.last}: the head file ends a sealed chain with it as record "
                                   f"{committed.editions}, but the catalogue is not sealed and its records do not "
                                   f"hash to that chain (seals removed after an edit)")
    return result


def _sealed(rows: list, stored: dict, store: Store, records: bool) -> Check:
    result = Check(State(0, GENESIS, "", 0), records=records)
    prev = GENESIS
    unsealed = {s.id: s for s in stored.values() if isinstance(s, Sealed)}
    for n, (ed, seal) in enumerate(rows, 1):
        record = ed.to_dict()
        if seal is None:
            kept = unsealed.get(ed.id)
            if kept is not None:
                stored.pop(kept.seq, None)
                result.problems.append(f"{ed.id}: the catalogue holds no seal for it, but its record file seals it "
                                       f"as record {kept.seq}{_why(record, kept.record, 'seals deleted')}")
            else:
                result.problems.append(f"{ed.id}: the record has no seal and no record file (a row added outside "
                                       f"brief archive add)")
            continue
        seq, sprev, digest = seal
        kept = stored.pop(seq, None) if records else None
        result.chain.append(Sealed.of(seq, sprev, record, digest))
        if seq != n:
            result.problems.append(f"{ed.id}: sealed as record {seq} but found as record {n} (a row before it "
                                   f"deleted or the rows reordered)")
        elif sprev != prev:
            result.problems.append(f"{ed.id}: does not follow the record before it (a row deleted or reordered)")
        elif record_hash(seq, sprev, record) != digest:
            why = (_why(record, kept.record, "edited in the catalogue") if isinstance(kept, Sealed)
                   and kept.hash == digest else " (title, authors, date, note, correction link or a file's "
                                                "checksum edited in the catalogue)")
            result.problems.append(f"{ed.id}: the record does not match its seal{why}")
        prev = digest
        if not records:
            continue
        where = f"{RECORDS}/{store.record_path(seq).name}"
        if kept is None:
            result.problems.append(f"{ed.id}: its record file {where} is missing (deleted)")
        elif isinstance(kept, str):
            result.problems.append(f"{ed.id}: its record file {where} is not a record file ({kept})")
        elif not kept.intact:
            result.problems.append(f"{ed.id}: its record file {where} was edited (it no longer matches its own hash)")
        elif (kept.seq, kept.prev, kept.hash) != (seq, sprev, digest):
            result.problems.append(f"{ed.id}: its seal in the catalogue differs from its record file {where}"
                                   f"{_why(record, kept.record, 'resealed in the catalogue, or the file rewritten')}")
    for n, kept in stored.items():
        if _interrupted(kept, n, result.chain):
            result.notes.append(f"{RECORDS}/{store.record_path(n).name} is the record file of {kept.id}, whose add "
                                f"was interrupted before its commit (harmless: the next add replaces it)")
        else:
            result.problems.append(_unknown(kept, n))
    if not records and rows:
        result.notes.append(f"the catalogue was sealed before record files were kept (schema version 2): the next "
                            f"add writes one for each record into {RECORDS}/")
    return result


def _parsed(seq: int, data: bytes) -> "Sealed | str":
    """The record file as a :class:`Sealed`, or what is wrong with it."""
    try:
        sealed = Sealed.parse(data)
    except ValueError as exc:
        return str(exc)
    return sealed if sealed.seq == seq else f"it says it is record {sealed.seq}"


def _interrupted(kept, n: int, chain: list[Sealed]) -> bool:
    """Whether a record file the catalogue lacks is the one an interrupted add left: it
    follows the chain's end."""
    end = chain[-1].hash if chain else GENESIS
    return isinstance(kept, Sealed) and n == len(chain) + 1 and kept.prev == end and kept.intact


def _unknown(kept, n: int) -> str:
    if isinstance(kept, str):
        return f"record file {n}: not a record file ({kept})"
    return (f"{kept.id}: its record file seals it as record {n}, but the catalogue does not hold it "
            f"(rows deleted)")


def _why(record: dict, kept: dict, cause: str) -> str:
    """`` (title, files (print) differ from its record file: <cause>)``, or `` (<cause>)`` for
    the same record."""
    record = json.loads(canonical(record))  # as it was hashed (tuples are lists)
    fields = []
    for key in sorted(set(record) | set(kept)):
        if key == "files" and isinstance(kept.get(key), list) and record.get(key) != kept.get(key):
            ours = {f.get("variant"): f for f in record.get("files", [])}
            theirs = {f.get("variant"): f for f in kept["files"] if isinstance(f, dict)}
            variants = sorted(str(v) for v in set(ours) | set(theirs) if ours.get(v) != theirs.get(v))
            fields.append(f"files ({', '.join(variants) or 'order'})")
        elif record.get(key) != kept.get(key):
            fields.append(key)
    verb = "differs" if len(fields) == 1 else "differ"
    return f" ({', '.join(fields)} {verb} from its record file: {cause})" if fields else f" ({cause})"


def _against_head(result: Check, committed: State | None, pending: State | None) -> None:
    state = result.state
    if committed is None:
        if state.editions:
            result.problems.append(f"{HEAD} is missing beside the catalogue, which holds {state.editions} edition(s)")
        return
    if pending is not None and _same_chain(state, pending):
        result.pending, committed = True, pending
    if not _same_chain(state, committed):
        if state.editions < committed.editions:
            result.problems.append(f"{committed.last}: the head file ends the chain with it as record "
                                   f"{committed.editions}, but the catalogue holds {state.editions} (rows deleted)")
        elif state.editions > committed.editions:
            result.problems.append(f"{state.last}: the catalogue holds {state.editions} records, the head file "
                                   f"{committed.editions} (rows added outside brief archive add)")
        else:
            result.problems.append(f"{state.last}: the chain ends in {state.head[:16]}…, the head file says "
                                   f"{committed.head[:16]}… (records rewritten and resealed)")
    elif state.schema != committed.schema:
        result.problems.append(f"schema: SQLite's schema version is {state.schema}, {committed.schema} at the last add "
                               f"(a trigger or table dropped and re-created)")


def seal_new(cat: Catalogue, state: State, ids: list[str]) -> list[Sealed]:
    """Seal the editions ``ids`` (just inserted, in order) after ``state``."""
    head, n, out = state.head, state.editions, []
    for wanted in ids:
        n += 1
        record = cat.editions(wanted)[0].to_dict()
        sealed = Sealed.of(n, head, record)
        cat.seal(cat.rowid(wanted), n, head, sealed.hash)
        out.append(sealed)
        head = sealed.hash
    return out


def _same_chain(a: State, b: State) -> bool:
    return (a.editions, a.head, a.last) == (b.editions, b.head, b.last)

