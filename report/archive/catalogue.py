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
import sqlite3
import tempfile
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

from ..errors import BriefError
from .edition import BriefMeta, FileRecord
from .store import fsync_dir

NAME = "catalogue.sqlite"
APPLICATION_ID = 0x42524946  # "BRIF"
SCHEMA_VERSION = 1
BUSY_MS = 30_000

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
"""


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
    def open(cls, root: Path, create: bool = False) -> "Catalogue":
        path = Path(root) / NAME
        if not path.exists():
            if not create:
                raise BriefError("no archive catalogue here (add an edition first, or pass --archive DIR)", path)
            _create(path)
        _check_header(path)
        try:
            conn = sqlite3.connect(path, timeout=BUSY_MS / 1000, isolation_level=None)
            conn.execute(f"PRAGMA busy_timeout = {BUSY_MS}")
            app, version = (conn.execute("PRAGMA application_id").fetchone()[0],
                            conn.execute("PRAGMA user_version").fetchone()[0])
            if app != APPLICATION_ID:
                raise BriefError("not a brief archive catalogue (another SQLite database)", path)
            if version != SCHEMA_VERSION:
                raise BriefError(f"catalogue schema version {version}; this brief reads {SCHEMA_VERSION}", path)
            problems = [r[0] for r in conn.execute("PRAGMA quick_check")]
            if problems != ["ok"]:
                raise BriefError(f"the catalogue is damaged: {problems[0]}", path)
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = FULL")
            conn.execute("PRAGMA foreign_keys = ON")
        except sqlite3.DatabaseError as exc:
            raise BriefError(f"the catalogue is damaged or not a catalogue: {exc}", path) from None
        return cls(path, conn)

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
        rows = self.conn.execute(
            "SELECT e.id, e.brief_id, e.edition, e.series, e.number, e.title, e.authors, e.date, e.note, "
            "e.added_at, f.variant, f.sha256, f.bytes, f.pages, f.standard, f.source_hash, f.tool, "
            f"f.build_epoch, f.added_at FROM editions e JOIN files f ON f.edition_id = e.id {where} "
            "ORDER BY e.brief_id, e.edition, f.variant", args)
        out: dict[int, Edition] = {}
        for (rid, brief_id, ed, series, number, title, authors, date, note, added,
             variant, *frec) in rows:
            if rid not in out:
                meta = BriefMeta(brief_id, series, number, title, tuple(json.loads(authors)), date)
                out[rid] = Edition(edition_id(brief_id, ed), meta, ed, note, added, {})
            out[rid].files[variant] = StoredFile(variant, *frec)
        if wanted is not None and not out:
            raise BriefError(f"no edition {wanted} in the archive ('brief archive list' shows them)", self.path)
        return list(out.values())


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
        try:
            os.link(tmp, path)  # atomic, and never replaces a catalogue another add just made
        except FileExistsError:
            pass
        fsync_dir(path.parent)
    finally:
        for leftover in (tmp, tmp + "-wal", tmp + "-shm"):
            if os.path.exists(leftover):
                os.unlink(leftover)
