"""The SQLite catalogue: one row per edition, one per stored file.

The file is created whole (schema written to a temporary file, fsynced, linked into
place), so a crash never leaves a half-made catalogue; an existing file that is not a
SQLite database with our application id, or fails ``PRAGMA quick_check``, is an error
naming it. Journal mode WAL, ``synchronous=FULL``, ``busy_timeout`` 30 s; writers take
``BEGIN IMMEDIATE`` so two adds queue instead of failing. Triggers refuse any UPDATE or
DELETE: editions are immutable.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import tempfile
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

from .. import faults
from ..errors import BriefError
from .edition import BriefMeta, FileRecord
from .store import fsync_dir

NAME = "catalogue.sqlite"
APPLICATION_ID = 0x42524946  # "BRIF"
SCHEMA_VERSION = 2  # 2: sealed records (version 1 catalogues are sealed on their next add)
BUSY_MS = 30_000

SEALS = """
CREATE TABLE seals (
    edition_id  INTEGER PRIMARY KEY REFERENCES editions(id),
    seq         INTEGER NOT NULL UNIQUE,          -- 1, 2, 3 … in the order editions were added
    prev        TEXT    NOT NULL,                 -- the previous record's hash (GENESIS for the first)
    hash        TEXT    NOT NULL                  -- SHA-256 of {seq, prev, record} as canonical JSON
);
CREATE TRIGGER seals_no_update BEFORE UPDATE ON seals BEGIN SELECT RAISE(ABORT, 'editions are immutable'); END;
CREATE TRIGGER seals_no_delete BEFORE DELETE ON seals BEGIN SELECT RAISE(ABORT, 'editions are immutable'); END;
"""
GENESIS = "0" * 64

SCHEMA = """
CREATE TABLE editions (
    id          INTEGER PRIMARY KEY,
    brief_id    TEXT    NOT NULL,                 -- the brief's slug
    edition     INTEGER NOT NULL CHECK (edition >= 1),
    series      TEXT    NOT NULL,
    number      TEXT,                             -- NULL when the brief has none
    title       TEXT    NOT NULL,
    authors     TEXT    NOT NULL,                 -- JSON array of names
    date        TEXT    NOT NULL,                 -- the brief's date (YYYY[-MM[-DD]])
    note        TEXT    NOT NULL DEFAULT '',      -- what a correction changed
    added_at    TEXT    NOT NULL,                 -- UTC, ISO 8601
    UNIQUE (brief_id, edition)
);
CREATE TABLE files (
    edition_id  INTEGER NOT NULL REFERENCES editions(id),
    variant     TEXT    NOT NULL CHECK (variant IN ('print', 'screen', 'archive')),
    sha256      TEXT    NOT NULL CHECK (length(sha256) = 64),
    bytes       INTEGER NOT NULL,
    pages       INTEGER NOT NULL,
    standard    TEXT    NOT NULL,                 -- PDF/X-1a:2003, PDF/A-3b or none
    source_hash TEXT    NOT NULL,                 -- SHA-256 of brief-build.json's sources map
    tool        TEXT    NOT NULL,                 -- brief <version>
    build_epoch TEXT    NOT NULL,
    added_at    TEXT    NOT NULL,
    PRIMARY KEY (edition_id, variant)
) WITHOUT ROWID;
CREATE INDEX files_sha256 ON files (sha256);
CREATE TRIGGER editions_no_update BEFORE UPDATE ON editions BEGIN SELECT RAISE(ABORT, 'editions are immutable'); END;
CREATE TRIGGER editions_no_delete BEFORE DELETE ON editions BEGIN SELECT RAISE(ABORT, 'editions are immutable'); END;
CREATE TRIGGER files_no_update BEFORE UPDATE ON files BEGIN SELECT RAISE(ABORT, 'editions are immutable'); END;
CREATE TRIGGER files_no_delete BEFORE DELETE ON files BEGIN SELECT RAISE(ABORT, 'editions are immutable'); END;
""" + SEALS


@dataclass(frozen=True)
class StoredFile(FileRecord):
    added_at: str = ""


@dataclass(frozen=True)
class Edition:
    """One catalogued edition; ``id`` is ``<brief_id>@<edition>``."""
    id: str
    meta: BriefMeta
    edition: int
    note: str
    added_at: str
    files: dict[str, StoredFile]

    def to_dict(self) -> dict:
        return {"id": self.id, **asdict(self.meta), "edition": self.edition, "note": self.note,
                "added_at": self.added_at, "files": [asdict(f) for f in self.files.values()]}


def edition_id(brief_id: str, edition: int) -> str:
    return f"{brief_id}@{edition}"


class Catalogue:
    def __init__(self, path: Path, conn: sqlite3.Connection):
        self.path = path
        self.conn = conn

    @classmethod
    def open(cls, root: Path, create: bool = False, readonly: bool = False) -> "Catalogue":
        """Open for writing, or ``readonly`` (``mode=ro``; on a read-only folder or mount, where
        SQLite cannot make its WAL index, ``immutable=1``): a reader never changes a byte."""
        path = Path(root) / NAME
        if not path.exists():
            if not create:
                raise BriefError("no archive catalogue here (add an edition first, or pass --archive DIR)", path)
            _create(path)
        _check_header(path)
        try:
            conn = _connect(path, readonly)
            app, version = (conn.execute("PRAGMA application_id").fetchone()[0],
                            conn.execute("PRAGMA user_version").fetchone()[0])
            if app != APPLICATION_ID:
                raise BriefError("not a brief archive catalogue (another SQLite database)", path)
            if version not in (1, SCHEMA_VERSION):
                raise BriefError(f"catalogue schema version {version}; this brief reads {SCHEMA_VERSION}", path)
            problems = [r[0] for r in conn.execute("PRAGMA quick_check")]
            if problems != ["ok"]:
                raise BriefError(f"the catalogue is damaged: {problems[0]}", path)
            if not readonly:
                conn.execute("PRAGMA journal_mode = WAL")
                conn.execute("PRAGMA synchronous = FULL")
                conn.execute("PRAGMA foreign_keys = ON")
                if version == 1:
                    _upgrade(conn)
        except sqlite3.DatabaseError as exc:
            raise BriefError(f"the catalogue is damaged or not a catalogue: {exc}", path) from None
        return cls(path, conn)

    @property
    def version(self) -> int:
        return self.conn.execute("PRAGMA user_version").fetchone()[0]

    def schema_cookie(self) -> int:
        """SQLite's schema version: it grows on every CREATE/DROP (a re-created trigger shows)."""
        return self.conn.execute("PRAGMA schema_version").fetchone()[0]

    def schema_problems(self) -> list[str]:
        """Triggers and tables that are missing or differ from the schema this code made."""
        have = {name: sql for name, sql in self.conn.execute(
            "SELECT name, sql FROM sqlite_master WHERE type IN ('table', 'trigger', 'index') AND sql IS NOT NULL")}
        out = []
        for name, sql in _expected_schema().items():
            if name not in have:
                out.append(f"{name} is missing from the catalogue's schema (dropped)")
            elif _norm(have[name]) != sql:
                out.append(f"{name} differs from the catalogue's schema (altered)")
        out += [f"{name} is not part of the catalogue's schema (added)" for name in sorted(set(have) - set(_expected_schema()))]
        return out

    def sealed(self) -> list[tuple[Edition, tuple[int, str, str] | None]]:
        """Every edition in the order it was added (row id), with its seal (seq, prev, hash)."""
        seals = {rid: (seq, prev, h) for rid, seq, prev, h in
                 self.conn.execute("SELECT edition_id, seq, prev, hash FROM seals")}
        return [(ed, seals.get(rid)) for rid, ed in self._rows("", (), "e.id, f.variant").items()]

    def orphan_seals(self) -> list[int]:
        """Seal numbers whose edition row is gone."""
        return [r[0] for r in self.conn.execute(
            "SELECT seq FROM seals WHERE edition_id NOT IN (SELECT id FROM editions) ORDER BY seq")]

    def tip_count(self) -> int:
        return self.conn.execute("SELECT count(*) FROM editions").fetchone()[0]

    def tip(self) -> tuple[int, str]:
        """(number of editions, hash of the newest seal): where the chain ends, cheaply."""
        count = self.tip_count()
        last = self.conn.execute("SELECT hash FROM seals ORDER BY seq DESC LIMIT 1").fetchone()
        return count, last[0] if last else GENESIS

    def last_seal(self) -> tuple[int, tuple[str, int, str, str] | None]:
        """(number of seals, (edition id, seq, prev, hash) of the newest one or None)."""
        count = self.conn.execute("SELECT count(*) FROM seals").fetchone()[0]
        row = self.conn.execute("SELECT e.brief_id, e.edition, s.seq, s.prev, s.hash FROM seals s "
                                "JOIN editions e ON e.id = s.edition_id ORDER BY s.seq DESC LIMIT 1").fetchone()
        return count, (edition_id(row[0], row[1]), *row[2:]) if row else None

    def seal(self, rowid: int, seq: int, prev: str, digest: str) -> None:
        self.conn.execute("INSERT INTO seals (edition_id, seq, prev, hash) VALUES (?, ?, ?, ?)",
                          (rowid, seq, prev, digest))

    def rowid(self, wanted: str) -> int:
        brief_id, _, number = wanted.rpartition("@")
        return self.conn.execute("SELECT id FROM editions WHERE brief_id = ? AND edition = ?",
                                 (brief_id, int(number))).fetchone()[0]

    def close(self) -> None:
        self.conn.close()

    @contextmanager
    def writing(self):
        """One write transaction, taken up front (BEGIN IMMEDIATE) so adds queue, never deadlock."""
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield self
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")

    def hashes_by_edition(self, brief_id: str) -> dict[int, dict[str, str]]:
        """``{edition: {variant: sha256}}`` of one brief."""
        out: dict[int, dict[str, str]] = {}
        for ed, variant, sha in self.conn.execute(
                "SELECT e.edition, f.variant, f.sha256 FROM editions e JOIN files f ON f.edition_id = e.id "
                "WHERE e.brief_id = ?", (brief_id,)):
            out.setdefault(ed, {})[variant] = sha
        return out

    def insert(self, meta: BriefMeta, edition: int, note: str, files: list[FileRecord], now: str) -> None:
        """Insert one edition's rows (the caller seals it, see :mod:`.seal`)."""
        cur = self.conn.execute(
            "INSERT INTO editions (brief_id, edition, series, number, title, authors, date, note, added_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (meta.brief_id, edition, meta.series, meta.number, meta.title,
             json.dumps(list(meta.authors), ensure_ascii=False), meta.date, note, now))
        self.conn.executemany(
            "INSERT INTO files (edition_id, variant, sha256, bytes, pages, standard, source_hash, tool, "
            "build_epoch, added_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [(cur.lastrowid, f.variant, f.sha256, f.bytes, f.pages, f.standard, f.source_hash, f.tool,
              f.build_epoch, now) for f in files])

    def editions(self, wanted: str | None = None) -> list[Edition]:
        """Every edition (or the one with id ``wanted``), by brief then edition number."""
        where, args = "", ()
        if wanted is not None:
            brief_id, _, number = wanted.rpartition("@")
            if not brief_id or not number.isdigit():
                raise BriefError(f"an edition id looks like <brief>@<edition>, e.g. japan-russia-2018@1; got {wanted!r}")
            where, args = "WHERE e.brief_id = ? AND e.edition = ?", (brief_id, int(number))
        out = self._rows(where, args, "e.brief_id, e.edition, f.variant")
        if wanted is not None and not out:
            raise BriefError(f"no edition {wanted} in the archive ('brief archive list' shows them)", self.path)
        return list(out.values())

    def _rows(self, where: str, args: tuple, order: str) -> dict[int, Edition]:
        rows = self.conn.execute(
            "SELECT e.id, e.brief_id, e.edition, e.series, e.number, e.title, e.authors, e.date, e.note, "
            "e.added_at, f.variant, f.sha256, f.bytes, f.pages, f.standard, f.source_hash, f.tool, "
            f"f.build_epoch, f.added_at FROM editions e JOIN files f ON f.edition_id = e.id {where} "
            f"ORDER BY {order}", args)
        out: dict[int, Edition] = {}
        for (rid, brief_id, ed, series, number, title, authors, date, note, added,
             variant, *frec) in rows:
            if rid not in out:
                meta = BriefMeta(brief_id, series, number, title, tuple(json.loads(authors)), date)
                out[rid] = Edition(edition_id(brief_id, ed), meta, ed, note, added, {})
            out[rid].files[variant] = StoredFile(variant, *frec)
        return out


def _connect(path: Path, readonly: bool) -> sqlite3.Connection:
    if not readonly:
        conn = sqlite3.connect(path, timeout=BUSY_MS / 1000, isolation_level=None)
        conn.execute(f"PRAGMA busy_timeout = {BUSY_MS}")
        return conn
    uri = path.resolve().as_uri()
    if not os.path.exists(f"{path}-wal"):  # no writer has it open and nothing is uncheckpointed:
        return sqlite3.connect(f"{uri}?immutable=1", uri=True, isolation_level=None)  # read, create nothing
    try:
        conn = sqlite3.connect(f"{uri}?mode=ro", uri=True, timeout=BUSY_MS / 1000, isolation_level=None)
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        return conn
    except sqlite3.OperationalError:  # cannot make the -shm WAL index: a read-only folder or medium
        return sqlite3.connect(f"{uri}?immutable=1", uri=True, isolation_level=None)


def _norm(sql: str) -> str:
    """SQL without comments, whitespace collapsed, no trailing semicolon."""
    text = " ".join(" ".join(line.split("--")[0] for line in sql.splitlines()).split())
    return text.rstrip(";").rstrip()


def _statements(script: str) -> list[str]:
    return [stmt for stmt in script.strip().split(";\n") if stmt.strip()]


def _expected_schema() -> dict[str, str]:
    """name: normalised SQL of every table, index and trigger the catalogue must have."""
    out = {}
    for stmt in _statements(SCHEMA):
        m = re.match(r"CREATE (?:TABLE|INDEX|TRIGGER) (\w+)", _norm(stmt))
        if m:
            out[m.group(1)] = _norm(stmt)
    return out


def _upgrade(conn: sqlite3.Connection) -> None:
    """Version 1 → 2: add the seals table (the records are sealed by the next add)."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        if conn.execute("PRAGMA user_version").fetchone()[0] == 1:
            for stmt in _statements(SEALS):
                conn.execute(stmt)
            conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise


def _check_header(path: Path) -> None:
    with open(path, "rb") as fh:
        head = fh.read(100)
    if len(head) < 100 or not head.startswith(b"SQLite format 3\x00"):
        raise BriefError("the catalogue is damaged or not a catalogue (no SQLite header; "
                         "restore it from a backup)", path)


def _create(path: Path) -> None:
    """Write an empty catalogue beside ``path`` and link it into place (no clobber)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{NAME}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        conn = sqlite3.connect(tmp, isolation_level=None)
        try:
            conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            conn.execute("PRAGMA journal_mode = WAL")
            conn.executescript(f"BEGIN; {SCHEMA} COMMIT;")
        finally:
            conn.close()
        os.chmod(tmp, 0o644)
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        faults.point("add-catalogue-written")
        try:
            os.link(tmp, path)  # atomic, and never replaces a catalogue another add just made
        except FileExistsError:
            pass
        fsync_dir(path.parent)
    finally:
        for leftover in (tmp, tmp + "-wal", tmp + "-shm"):
            if os.path.exists(leftover):
                os.unlink(leftover)
