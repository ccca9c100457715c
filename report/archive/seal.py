"""Sealed, chained catalogue records and the head file beside the catalogue.

Each edition's record (its full catalogue record as :meth:`Edition.to_dict` gives it:
id, brief, title, authors, date, note, added_at, and per file variant, SHA-256, bytes,
pages, standard, tool, epoch) is sealed when it is added:
``hash = SHA-256(canonical JSON of {"seq": n, "prev": <hash of record n-1>, "record": …})``,
the first record's ``prev`` being 64 zeros. The seals live in the ``seals`` table; the
newest hash, the number of records, the last edition's id and SQLite's schema version
are also written to ``catalogue.head`` (JSON, replaced atomically) by every add.

``check`` recomputes the chain from the rows and reports, naming the edition: a record
that no longer matches its seal (an edited title, author, note or checksum), a record out
of sequence or following a missing one (a deleted or reordered row), an unsealed row, a
chain whose end differs from the head file (the last row deleted, or rows added outside
``brief archive add``), and a schema that changed since the last add (a trigger dropped and
re-created: SQLite's schema version counts every CREATE and DROP).

An add writes the head file twice: before its commit with the new state as ``pending``
(beside the committed one), after it with the new state alone; so a crash at any point
leaves a head file that matches the catalogue, and no change to the catalogue alone can.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from .. import faults
from ..errors import BriefError
from ..provenance import canonical
from .catalogue import GENESIS, Catalogue, Edition
from .store import fsync_dir

HEAD = "catalogue.head"


def record_hash(seq: int, prev: str, ed: Edition) -> str:
    return hashlib.sha256(canonical({"seq": seq, "prev": prev, "record": ed.to_dict()})).hexdigest()


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
    except (ValueError, KeyError, TypeError) as exc:
        raise BriefError(f"the head file is damaged ({exc}); restore it from a backup or a printed head hash",
                         path) from None
    return committed, pending


def write_head(root: Path, committed: State, pending: State | None = None) -> None:
    root = Path(root)
    data = {"committed": committed.to_dict(), **({"pending": pending.to_dict()} if pending else {})}
    fd, tmp = tempfile.mkstemp(prefix=f".{HEAD}.", suffix=".tmp", dir=root)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(json.dumps(data, indent=2, sort_keys=True).encode() + b"\n")
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)
        faults.point("add-head-written")
        os.replace(tmp, root / HEAD)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    fsync_dir(root)


def chain_state(cat: Catalogue) -> tuple[State, list[str]]:
    """The chain's end as recomputed from the rows, and what is wrong with the chain itself."""
    problems, prev, last = [], GENESIS, ""
    rows = cat.sealed()
    for n, (ed, seal) in enumerate(rows, 1):
        last = ed.id
        if seal is None:
            problems.append(f"{ed.id}: the record has no seal (a row added outside brief archive add)")
            continue
        seq, sprev, digest = seal
        if seq != n or sprev != prev:
            problems.append(f"{ed.id}: sealed as record {seq} but found as record {n} (a row before it deleted "
                            f"or the rows reordered)" if seq != n else
                            f"{ed.id}: does not follow the record before it (a row deleted or reordered)")
        elif record_hash(seq, sprev, ed) != digest:
            problems.append(f"{ed.id}: the record does not match its seal (title, authors, date, note or a "
                            f"file's checksum edited in the catalogue)")
        prev = digest
    problems += [f"seal {seq} belongs to no edition (its row was deleted)" for seq in cat.orphan_seals()]
    return State(len(rows), prev, last, cat.schema_cookie()), problems


def tail_state(cat: Catalogue) -> tuple[State, list[str]]:
    """The chain's end from the newest seal alone (what an add checks, in constant time):
    as many seals as rows, and the newest record still matching its seal."""
    count, head = cat.tip()
    problems, last_id = [], ""
    seals, newest = cat.last_seal()
    if seals != count:
        problems.append(f"the catalogue holds {count} edition(s) but {seals} seal(s) (rows added or deleted "
                        f"outside brief archive add)")
    if newest is not None:
        last_id, seq, prev, digest = newest
        if record_hash(seq, prev, cat.editions(last_id)[0]) != digest:
            problems.append(f"{last_id}: the record does not match its seal (title, authors, date, note or a "
                            f"file's checksum edited in the catalogue)")
    return State(count, head, last_id, cat.schema_cookie()), problems


def check(cat: Catalogue, root: Path, expect: str | None = None, full: bool = True) -> Check:
    """The seal check: the chain (every record, or with ``full=False`` only its end), the
    schema and the head file; and, given ``expect`` (a head hash kept elsewhere), that the
    chain still passes through it."""
    if cat.version < 2:  # made before seals: the next add seals it
        state = State(cat.tip_count(), GENESIS, "", cat.schema_cookie())
        return Check(state, ["the catalogue is not sealed yet (schema version 1; the next add seals it)"])
    state, problems = chain_state(cat) if full else tail_state(cat)
    result = Check(state, problems)
    if expect:
        hashes = [s[2] for _, s in cat.sealed() if s is not None]
        if expect.lower() in hashes:
            result.reaches = hashes.index(expect.lower()) + 1
        else:
            result.problems.append(f"the chain does not pass through {expect} (a head hash kept elsewhere): "
                                   f"the catalogue and its head file were rewritten, or the hash is another archive's")
    result.problems += [f"schema: {p}" for p in cat.schema_problems()]
    committed, pending = read_head(root)
    if committed is None:
        if state.editions:
            result.problems.append(f"{HEAD} is missing beside the catalogue, which holds {state.editions} edition(s)")
        return result
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
    return result


def seal_new(cat: Catalogue, state: State, ids: list[str]) -> State:
    """Seal the editions ``ids`` (just inserted, in order) after ``state``; the new end."""
    head, n = state.head, state.editions
    for wanted in ids:
        n += 1
        ed = cat.editions(wanted)[0]
        digest = record_hash(n, head, ed)
        cat.seal(cat.rowid(wanted), n, head, digest)
        head = digest
    return State(n, head, ids[-1] if ids else state.last, cat.schema_cookie())


def _same_chain(a: State, b: State) -> bool:
    return (a.editions, a.head, a.last) == (b.editions, b.head, b.last)
