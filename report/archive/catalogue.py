"""The SQLite catalogue: one row per edition, one per stored file.

The file is created whole (schema written to a temporary file, fsynced, linked into
place), so a crash never leaves a half-made catalogue; an existing file that is not a
SQLite database with our application id, or fails ``PRAGMA quick_check``, is an error
naming it. Journal mode WAL, ``synchronous=FULL``, ``busy_timeout`` 30 s; writers take
``BEGIN IMMEDIATE`` so two adds queue instead of failing. Triggers refuse any UPDATE or
DELETE: editions are immutable.

Schema versions: 1 had no seals; 2 sealed every record (see :mod:`.seal`); 3 also keeps every
record's sealed copy in the store (``records/``); 4 links a correction to the edition it
corrects (table ``corrections``: one row per correcting edition, each edition corrected at
most once, so a brief's editions form one chain, never a tree). Opening never migrates: ``add`` does, in its
own transaction, and only a catalogue that was never sealed is sealed from scratch.
"""

from __future__ import annotations

import errno
import json
import os
import re
import sqlite3
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass, fields
from pathlib import Path

from geodata.files import fsync_dir

from .. import faults
from ..errors import BriefError
from .edition import BriefMeta, FileRecord

NAME = "catalogue.sqlite"
APPLICATION_ID = 0x42524946  # "BRIF"
SCHEMA_VERSION = 4  # 4: corrections linked (1, 2 and 3 are migrated by the next add)
VERSIONS = (1, 2, 3, SCHEMA_VERSION)
BUSY_MS = 30_000
EDITION_MAX = 2**63 - 1  # SQLite's largest integer

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

BASE = """
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
CORRECTIONS = """
CREATE TABLE corrections (
    edition_id  INTEGER PRIMARY KEY REFERENCES editions(id),   -- the correcting edition
    corrects    INTEGER NOT NULL UNIQUE REFERENCES editions(id) -- the edition it corrects (once: no branches)
);
CREATE TRIGGER corrections_no_update BEFORE UPDATE ON corrections BEGIN SELECT RAISE(ABORT, 'editions are immutable'); END;
CREATE TRIGGER corrections_no_delete BEFORE DELETE ON corrections BEGIN SELECT RAISE(ABORT, 'editions are immutable'); END;
"""
SCHEMA = BASE + SEALS + CORRECTIONS
SCHEMAS = {1: BASE, 2: BASE + SEALS, 3: BASE + SEALS, 4: SCHEMA}  # what a catalogue of each version holds

#: For every table, the query for its rows that lie outside the sealed chain and the message
#: naming each (an edition without its seal is named by the chain itself, see :mod:`.seal`).
#: A table added to SCHEMA needs its entry here (a test checks), so that no row escapes verify.
STRAY_ROWS = {
    "editions": ("SELECT e.brief_id, e.edition, count(f.variant) FROM editions e LEFT JOIN files f "
                 "ON f.edition_id = e.id GROUP BY e.id HAVING count(f.variant) != 3 ORDER BY e.id",
                 "{0}@{1}: {2} file row(s), where an edition has exactly 3 (file rows added or deleted "
                 "outside brief archive add)"),
    "files": ("SELECT edition_id, variant, sha256 FROM files WHERE edition_id NOT IN (SELECT id FROM editions) "
              "ORDER BY edition_id, variant",
              "a {1} file row (sha256 {2}) of edition row {0}, which does not exist (added outside brief archive add)"),
    "seals": ("SELECT seq FROM seals WHERE edition_id NOT IN (SELECT id FROM editions) ORDER BY seq",
              "seal {0} belongs to no edition (its edition's row was deleted)"),
    "corrections": ("SELECT edition_id, corrects FROM corrections WHERE edition_id NOT IN (SELECT id FROM editions) "
                    "OR corrects NOT IN (SELECT id FROM editions) ORDER BY edition_id",
                    "a correction row links edition row {0} to edition row {1}, and one of them does not exist "
                    "(added outside brief archive add)"),
}


@dataclass(frozen=True)
class StoredFile(FileRecord):
    added_at: str = ""


@dataclass(frozen=True)
class Edition:
    """One catalogued edition; ``id`` is ``<brief_id>@<edition>``; ``corrects`` the id of the
    edition it corrects (None for one that corrects none)."""
    id: str
    meta: BriefMeta
    edition: int
    note: str
    added_at: str
    files: dict[str, StoredFile]
    corrects: str | None = None

    def to_dict(self) -> dict:
        """The record as sealed: ``corrects`` only in a correction's, so the records of editions
        that correct none are what they were before corrections were linked (and keep their seals)."""
        link = {"corrects": self.corrects} if self.corrects is not None else {}
        return {"id": self.id, **_fields(self.meta), "edition": self.edition, "note": self.note, **link,
                "added_at": self.added_at, "files": [_fields(f) for f in self.files.values()]}


def _fields(record) -> dict:
    """A flat dataclass as a dict (what dataclasses.asdict gives, without its deep copies: the
    seal check turns every record into one)."""
    return {f.name: getattr(record, f.name) for f in fields(record)}


def edition_id(brief_id: str, edition: int) -> str:
    return f"{brief_id}@{edition}"


def edition_number(number: str) -> int:
    """An edition number as the user wrote it; a BriefError for anything else."""
    if not (number.isascii() and number.isdigit()) or int(number) < 1:
        raise BriefError(f"an edition number is a whole number, 1 or more; got {number!r}")
    if int(number) > EDITION_MAX:
        raise BriefError(f"no edition number is that large (at most {EDITION_MAX}); got {number}")
    return int(number)


def parse_id(text: str) -> tuple[str, int]:
    """``<brief>@<edition>`` → (brief, edition); a BriefError for anything else."""
    brief_id, _, number = text.rpartition("@")
    if not brief_id or not number:
        raise BriefError(f"an edition id looks like <brief>@<edition>, e.g. japan-russia-2018@1; got {text!r}")
    try:
        return brief_id, edition_number(number)
    except BriefError as exc:
        raise BriefError(f"{exc} (in the edition id {text!r})") from None


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
        if not readonly and not (os.access(path, os.W_OK) and os.access(path.parent, os.W_OK | os.X_OK)):
            raise storage_error(OSError(errno.EACCES, "read-only"), path.parent, "nothing was changed")
        try:
            conn = _connect(path, readonly)
            app, version = (conn.execute("PRAGMA application_id").fetchone()[0],
                            conn.execute("PRAGMA user_version").fetchone()[0])
            if app != APPLICATION_ID:
                raise BriefError("not a brief archive catalogue (another SQLite database)", path)
            if version not in VERSIONS:
                raise BriefError(f"catalogue schema version {version}; this brief reads "
                                 f"{', '.join(map(str, VERSIONS))}", path)
            problems = [r[0] for r in conn.execute("PRAGMA quick_check")]
            if problems != ["ok"]:
                raise BriefError(f"the catalogue is damaged: {problems[0]}", path)
            if not readonly:
                conn.execute("PRAGMA journal_mode = WAL")
                conn.execute("PRAGMA synchronous = FULL")
                conn.execute("PRAGMA foreign_keys = ON")
        except sqlite3.Error as exc:
            raise storage_error(exc, path.parent, "nothing was changed") from None
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
        expected = _expected_schema(SCHEMAS.get(self.version, SCHEMA))
        out = []
        for name, sql in expected.items():
            if name not in have:
                out.append(f"{name} is missing from the catalogue's schema (dropped)")
            elif _norm(have[name]) != sql:
                out.append(f"{name} differs from the catalogue's schema (altered)")
        out += [f"{name} is not part of the catalogue's schema (added)" for name in sorted(set(have) - set(expected))]
        return out

    def tables(self) -> set[str]:
        return {r[0] for r in self.conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}

    def sealed(self) -> list[tuple[Edition, tuple[int, str, str] | None]]:
        """Every edition row in the order it was added (row id), with or without files, with
        its seal (seq, prev, hash) or None."""
        rows = self.conn.execute("SELECT edition_id, seq, prev, hash FROM seals") if "seals" in self.tables() else []
        seals = {rid: (seq, prev, h) for rid, seq, prev, h in rows}
        return [(ed, seals.get(rid)) for rid, ed in self._rows("", (), "e.id, f.variant").items()]

    def stray_rows(self) -> list[str]:
        """Rows of any table that lie outside the sealed chain (see STRAY_ROWS), one message each."""
        tables = self.tables()
        return [message.format(*row) for table, (query, message) in STRAY_ROWS.items() if table in tables
                for row in self.conn.execute(query)]

    def tip(self) -> tuple[int, str]:
        """(number of editions, hash of the newest seal): where the chain ends, cheaply."""
        count = self.conn.execute("SELECT count(*) FROM editions").fetchone()[0]
        last = self.conn.execute("SELECT hash FROM seals ORDER BY seq DESC LIMIT 1").fetchone()
        return count, last[0] if last else GENESIS

    def seal(self, rowid: int, seq: int, prev: str, digest: str) -> None:
        self.conn.execute("INSERT INTO seals (edition_id, seq, prev, hash) VALUES (?, ?, ?, ?)",
                          (rowid, seq, prev, digest))

    def rowid(self, wanted: str) -> int:
        return self.conn.execute("SELECT id FROM editions WHERE brief_id = ? AND edition = ?",
                                 parse_id(wanted)).fetchone()[0]

    def migrate(self, sealing: bool) -> None:
        """Inside an add's transaction: to the current schema version; ``sealing`` (a catalogue
        that was never sealed) also creates the seals table, which the add then fills; a
        catalogue before version 4 gets the (empty) corrections table."""
        if sealing:
            for stmt in _statements(SEALS):
                self.conn.execute(stmt)
        if "corrections" not in self.tables():
            for stmt in _statements(CORRECTIONS):
                self.conn.execute(stmt)
        self.conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    def close(self) -> None:
        self.conn.close()

    @contextmanager
    def writing(self):
        """One write transaction, taken up front (BEGIN IMMEDIATE) so adds queue, never deadlock."""
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield self
        except BaseException:
            if self.conn.in_transaction:  # SQLite rolls back by itself on some errors (a full disk)
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

    def corrected_by(self, brief_id: str) -> dict[int, int]:
        """``{corrected edition: correcting edition}`` of one brief."""
        if "corrections" not in self.tables():
            return {}
        return dict(self.conn.execute(
            "SELECT o.edition, e.edition FROM corrections c JOIN editions e ON e.id = c.edition_id "
            "JOIN editions o ON o.id = c.corrects WHERE e.brief_id = ?", (brief_id,)).fetchall())

    def insert(self, meta: BriefMeta, edition: int, note: str, files: list[FileRecord], now: str,
               corrects: int | None = None) -> None:
        """Insert one edition's rows, with its link to the edition ``corrects`` of the same brief
        (the caller checked it exists and is not corrected yet, and seals the edition, see :mod:`.seal`)."""
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
        if corrects is not None:
            self.conn.execute("INSERT INTO corrections (edition_id, corrects) SELECT ?, id FROM editions "
                              "WHERE brief_id = ? AND edition = ?", (cur.lastrowid, meta.brief_id, corrects))

    def editions(self, wanted: str | None = None) -> list[Edition]:
        """Every edition (or the one with id ``wanted``), by brief then edition number."""
        where, args = "", ()
        if wanted is not None:
            where, args = "WHERE e.brief_id = ? AND e.edition = ?", parse_id(wanted)
        out = self._rows(where, args, "e.brief_id, e.edition, f.variant")
        if wanted is not None and not out:
            raise BriefError(f"no edition {wanted} in the archive ('brief archive list' shows them)", self.path)
        return list(out.values())

    def history(self, brief_id: str) -> list[Edition]:
        """Every edition of one brief, by edition number (the last is its latest)."""
        out = list(self._rows("WHERE e.brief_id = ?", (brief_id,), "e.edition, f.variant").values())
        if not out:
            raise BriefError(f"no edition of {brief_id} in the archive ('brief archive list' shows them)", self.path)
        return out

    def _rows(self, where: str, args: tuple, order: str) -> dict[int, Edition]:
        """Editions with their files; a row an outsider wrote (a blob, as text: JSON has no
        bytes; authors that are not a JSON list) is read as it is, so that it shows, instead of
        failing the read."""
        link, join = "NULL, NULL, NULL", ""
        if "corrections" in self.tables():  # version 4 on
            link = "c.corrects, o.brief_id, o.edition"
            join = "LEFT JOIN corrections c ON c.edition_id = e.id LEFT JOIN editions o ON o.id = c.corrects"
        rows = self.conn.execute(
            "SELECT e.id, e.brief_id, e.edition, e.series, e.number, e.title, e.authors, e.date, e.note, "
            f"e.added_at, {link}, f.variant, f.sha256, f.bytes, f.pages, f.standard, f.source_hash, f.tool, "
            f"f.build_epoch, f.added_at FROM editions e {join} LEFT JOIN files f ON f.edition_id = e.id {where} "
            f"ORDER BY {order}", args)
        out: dict[int, Edition] = {}
        for (rid, brief_id, ed, series, number, title, authors, date, note, added, crow, cbrief, cnum, variant,
             *frec) in ([v.decode("utf-8", "backslashreplace") if type(v) is bytes else v for v in row]
                        for row in rows):
            if rid not in out:
                meta = BriefMeta(brief_id, series, number, title, _authors(authors), date)
                corrects = None if crow is None else edition_id(cbrief, cnum) if cbrief is not None else \
                    f"(edition row {crow}, which does not exist)"
                out[rid] = Edition(edition_id(brief_id, ed), meta, ed, note, added, {}, corrects)
            if variant is not None:
                out[rid].files[variant] = StoredFile(variant, *frec)
        return out


def _authors(text) -> tuple:
    try:
        names = json.loads(text)
    except (TypeError, ValueError):
        return (text,)
    return tuple(names) if isinstance(names, list) else (text,)


def storage_error(exc: Exception, root: Path, outcome: str) -> BriefError | None:
    """One line for a storage failure that is not tampering: a read-only archive, a full disk,
    the write lock held by another writer; for SQLite also a damaged catalogue or any other
    error. None for an OSError of another kind (the CLI names its file)."""
    if isinstance(exc, sqlite3.Error):
        kind = {3: "read-only", 8: "read-only", 13: "full", 5: "locked", 6: "locked", 11: "damaged",
                26: "damaged"}.get((getattr(exc, "sqlite_errorcode", None) or 0) & 0xFF)
        if kind is None and "readonly" in str(exc):
            kind = "read-only"
    else:
        kind = {errno.ENOSPC: "full", errno.EDQUOT: "full", errno.EROFS: "read-only", errno.EACCES: "read-only",
                errno.EPERM: "read-only"}.get(getattr(exc, "errno", None))
    message = {
        "read-only": f"the archive cannot be written here (a read-only folder or file system, or no permission); "
                     f"{outcome} (list, show, verify, head and export work on it as it is)",
        "full": f"no space left on the device that holds the archive; {outcome} (free some space and try again)",
        "locked": f"another writer has held the catalogue's lock for {BUSY_MS // 1000} s (an add still running?); "
                  f"{outcome} (try again when it has finished)",
        "damaged": f"the catalogue is damaged or not a catalogue ({exc}); restore it from a backup",
    }.get(kind, f"catalogue error: {exc}")
    return None if kind is None and isinstance(exc, OSError) else BriefError(message, root)


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


def _expected_schema(script: str) -> dict[str, str]:
    """name: normalised SQL of every table, index and trigger a catalogue made by ``script`` has."""
    out = {}
    for stmt in _statements(script):
        m = re.match(r"CREATE (?:TABLE|INDEX|TRIGGER) (\w+)", _norm(stmt))
        if m:
            out[m.group(1)] = _norm(stmt)
    return out


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
