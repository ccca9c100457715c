"""A sealed catalogue cannot be unsealed, padded or verified against nothing.

Each attack on a sealed archive is refused by ``verify`` (exit 1, a ``TAMPERED`` line naming
the edition) and by ``add`` (one line naming it, nothing added); every honest sequence
(first add, migrations, crashes at each point of an add) still passes. Most archives here
hold synthetic editions added through the API (``bench/archive_scale.py``: the path
``brief archive add`` takes after reading the PDFs); the CLI runs where the user would.
"""

from __future__ import annotations

import ctypes
import json
import os
import random
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from bench.archive_scale import synthetic
from conftest import ROOT, run_brief
from test_archive import SLUG, archive_cmd, one_clean_error
from test_archive_integrity import _chmod_tree, _sql, _tree, _without_triggers, as_version
from report.archive import catalogue as catalogue_module, store as store_module
from report.archive.catalogue import SCHEMA, STRAY_ROWS, _expected_schema
from report.archive.core import Archive
from report.archive.edition import read_edition
from report.archive.seal import Sealed, record_hash
from report.errors import BriefError

A1, A2, B1 = "brief-0000@1", "brief-0000@2", "brief-0001@1"


def editions(n: int, seed: int = 1):
    """The first ``n`` synthetic editions (brief-0000@1, @2, brief-0001@1, …) and their notes."""
    rng = random.Random(seed)
    return [(synthetic(i, rng), "" if i % 2 == 0 else "correction") for i in range(n)]


@pytest.fixture(scope="module")
def sample_incoming(sample_build):
    return read_edition(sample_build)


@pytest.fixture
def archive(tmp_path) -> Path:
    """An archive of three sealed editions: brief-0000@1, brief-0000@2, brief-0001@1."""
    root = tmp_path / "archive"
    for incoming, note in editions(3):
        Archive(root).add(incoming, note=note)
    return root


def ids(archive: Path) -> list[str]:
    return [e.id for e in Archive(archive).editions()]


def add_fourth(archive: Path):
    """Add the next synthetic edition (brief-0001@2) through the API."""
    incoming, note = editions(4)[3]
    return Archive(archive).add(incoming, note=note)


def refused(archive: Path, naming: str, says: str) -> None:
    """verify and add both refuse the archive with a line that names ``naming`` and says ``says``."""
    proc = archive_cmd(archive, "verify")
    assert proc.returncode == 1, proc.stdout
    assert any(line.startswith(f"TAMPERED: {naming}") and says in line for line in proc.stdout.splitlines()), \
        proc.stdout
    before = ids(archive)
    with pytest.raises(BriefError) as exc:
        add_fourth(archive)
    line = str(exc.value)
    assert "\n" not in line and f"so nothing is added: {naming}" in line and says in line, line
    assert ids(archive) == before


def head_of(archive: Path) -> str:
    proc = archive_cmd(archive, "head")
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.strip()


def writable(path: Path) -> Path:
    os.chmod(path, 0o644)
    return path


# 1. seals deleted: the catalogue is not "upgraded" ------------------------------------------

def test_a_forged_catalogue_with_its_seals_and_head_deleted_is_not_resealed_by_add(sample_build, tmp_path):
    archive = tmp_path / "archive"
    assert archive_cmd(archive, "add", sample_build).returncode == 0
    _without_triggers(archive, "UPDATE editions SET title = 'Forged title'", "DELETE FROM seals")
    (archive / "catalogue.head").unlink()

    proc = archive_cmd(archive, "verify")
    assert proc.returncode == 1
    assert (f"TAMPERED: {SLUG}@1: the catalogue holds no seal for it, but its record file seals it as record 1 "
            f"(title differs from its record file: seals deleted)") in proc.stdout
    line = one_clean_error(archive_cmd(archive, "add", sample_build, "--note", "x"))
    assert f"nothing is added: {SLUG}@1: the catalogue holds no seal" in line
    assert archive_cmd(archive, "verify").returncode == 1  # still refused: nothing was resealed
    assert not (archive / "catalogue.head").exists()


@pytest.mark.parametrize("head", ["kept", "deleted"])
def test_seals_deleted_with_or_without_the_head_are_refused(archive, head):
    _without_triggers(archive, "UPDATE editions SET note = 'forged' WHERE id = 1", "DELETE FROM seals")
    if head == "deleted":
        (archive / "catalogue.head").unlink()
    refused(archive, A1, "the catalogue holds no seal for it, but its record file seals it as record 1 "
                         "(note differs from its record file: seals deleted)")
    proc = archive_cmd(archive, "verify")  # every edition is named
    assert f"TAMPERED: {A2}: the catalogue holds no seal for it, but its record file seals it as record 2 " \
           f"(seals deleted)" in proc.stdout


def test_a_catalogue_made_to_look_never_sealed_is_refused_while_any_trace_remains(archive, tmp_path):
    kept = head_of(archive)
    _without_triggers(archive, "UPDATE editions SET title = 'Forged' WHERE brief_id = 'brief-0000' AND edition = 2")
    as_version(archive, 1)
    pristine = tmp_path / "pristine"
    shutil.copytree(archive, pristine)

    (archive / "catalogue.head").unlink()  # the record files remain
    refused(archive, A2, "the catalogue is not sealed, but its record file seals it as record 2 (title differs")

    shutil.rmtree(archive)
    shutil.copytree(pristine, archive)
    _chmod_tree(archive / "records", writable=True)
    (archive / "records" / "000002.json").unlink()  # only the forged edition's record file gone
    (archive / "records" / "000003.json").unlink()
    (archive / "catalogue.head").unlink()
    refused(archive, A2, "record files exist and its own is gone")

    shutil.rmtree(archive)
    shutil.copytree(pristine, archive)
    _chmod_tree(archive / "records", writable=True)
    shutil.rmtree(archive / "records")  # the head file remains
    refused(archive, B1, "the head file ends a sealed chain with it as record 3")

    # every trace removed: it passes for a catalogue made before seals (its next add would
    # seal it), and only a head hash kept elsewhere shows that it was not
    (archive / "catalogue.head").unlink()
    proc = archive_cmd(archive, "verify")
    assert proc.returncode == 1 and "TAMPERED" not in proc.stdout and "not sealed yet" in proc.stdout
    proc = archive_cmd(archive, "verify", "--expect", kept)
    assert proc.returncode == 1 and f"TAMPERED: the chain does not pass through {kept}" in proc.stdout


# 2. a seal forged with a recomputed hash ----------------------------------------------------

def _resealed(archive: Path, edit: str) -> None:
    """Edit a row and reseal the catalogue with this very code: the seals and the head file
    agree with the edit; only the record files (and a head kept elsewhere) do not."""
    from report.archive import seal
    from report.archive.catalogue import Catalogue

    _without_triggers(archive, edit)
    cat = Catalogue.open(archive)
    try:
        rows = cat.sealed()
    finally:
        cat.close()
    statements, prev = [], "0" * 64
    for n, (ed, _) in enumerate(rows, 1):
        digest = seal.record_hash(n, prev, ed.to_dict())
        statements.append(f"UPDATE seals SET prev = '{prev}', hash = '{digest}' WHERE seq = {n}")
        prev = digest
    _without_triggers(archive, *statements)
    conn = sqlite3.connect(archive / "catalogue.sqlite")
    schema = conn.execute("PRAGMA schema_version").fetchone()[0]
    conn.close()
    head = {"committed": {"editions": len(rows), "head": prev, "last": rows[-1][0].id, "schema": schema}}
    writable(archive / "catalogue.head").write_text(json.dumps(head))


def test_a_seal_forged_with_a_recomputed_hash_is_refused(archive):
    _resealed(archive, "UPDATE editions SET title = 'Forged' WHERE brief_id = 'brief-0000' AND edition = 1")
    refused(archive, A1, "its seal in the catalogue differs from its record file records/000001.json "
                         "(title differs from its record file")
    # the records after it were resealed too: each disagrees with its own record file
    proc = archive_cmd(archive, "verify")
    assert f"TAMPERED: {A2}: its seal in the catalogue differs from its record file records/000002.json" in proc.stdout


# 3. rows outside the chain ------------------------------------------------------------------

GHOST = ("INSERT INTO editions (id, brief_id, edition, series, number, title, authors, date, note, added_at) "
         "VALUES (9, 'ghost', 1, 'S', NULL, 'Ghost', '[\"Nobody\"]', '2024', '', '2024-01-01T00:00:00Z')")


def _file_row(edition_row: int, variant: str) -> str:
    return (f"INSERT INTO files VALUES ({edition_row}, '{variant}', '{'ab' * 32}', 1, 1, 'none', '{'cd' * 32}', "
            f"'brief 0.1.0', '2024-01-01T00:00:00+00:00', '2024-01-01T00:00:00Z')")


@pytest.mark.parametrize("rows, naming, says", [
    ((GHOST,), "ghost@1", "the record has no seal and no record file"),  # no file rows: was invisible
    ((GHOST, *(_file_row(9, v) for v in ("print", "screen", "archive"))), "ghost@1", "the record has no seal"),
    ((_file_row(99, "print"),), "a print file row", "of edition row 99, which does not exist"),
    (("INSERT INTO seals VALUES (99, 4, '" + "0" * 64 + "', '" + "1" * 64 + "')",), "seal 4", "belongs to no edition"),
], ids=["edition-without-files", "edition-with-files", "file-row", "seal-row"])
def test_a_row_added_outside_add_is_refused(archive, rows, naming, says):
    _sql(archive, "PRAGMA foreign_keys = OFF", *rows)
    refused(archive, naming, says)


def test_a_file_row_deleted_is_named(archive):
    _without_triggers(archive, "DELETE FROM files WHERE edition_id = 2 AND variant = 'screen'")
    refused(archive, A2, "the record does not match its seal (files (screen) differs from its record file")
    proc = archive_cmd(archive, "verify")
    assert f"TAMPERED: {A2}: 2 file row(s), where an edition has exactly 3" in proc.stdout


def test_every_table_has_its_stray_row_check():
    assert set(STRAY_ROWS) == {name for name, sql in _expected_schema(SCHEMA).items() if sql.startswith("CREATE TABLE")}


# 4. the record files in the store -----------------------------------------------------------

def _rewrite_record(archive: Path, seq: int, rehash: bool) -> None:
    path = writable(archive / "records" / f"{seq:06d}.json")
    data = json.loads(path.read_text())
    data["record"]["title"] = "Forged"
    if rehash:
        data["hash"] = record_hash(data["seq"], data["prev"], data["record"])
    path.write_bytes(Sealed.parse(json.dumps(data).encode()).to_bytes() if rehash else json.dumps(data).encode())


@pytest.mark.parametrize("how, naming, says", [
    ("edited", A2, "its record file records/000002.json was edited (it no longer matches its own hash)"),
    ("rehashed", A2, "its seal in the catalogue differs from its record file records/000002.json (title differs"),
    ("deleted", A2, "its record file records/000002.json is missing (deleted)"),
    ("garbage", A2, "its record file records/000002.json is not a record file"),
    ("renumbered", A2, "is not a record file (it says it is record 3)"),
    ("stray", "records/notes.txt", "not a record file (added outside brief archive add)"),
    ("beyond", B1, "its record file seals it as record 5, but the catalogue does not hold it (rows deleted)"),
])
def test_an_edited_missing_or_added_record_file_is_refused(archive, how, naming, says):
    records = archive / "records"
    _chmod_tree(records, writable=True)
    if how in ("edited", "rehashed"):
        _rewrite_record(archive, 2, rehash=how == "rehashed")
    elif how == "deleted":
        (records / "000002.json").unlink()
    elif how == "garbage":
        (records / "000002.json").write_text("{not json")
    elif how == "renumbered":
        shutil.copy(records / "000003.json", records / "000002.json")
    elif how == "stray":
        (records / "notes.txt").write_text("hello\n")
    else:  # a record sealed after the last one, as if rows had been deleted
        data = json.loads((records / "000003.json").read_text())
        data["seq"] = 5
        data["hash"] = record_hash(5, data["prev"], data["record"])
        (records / "000005.json").write_text(json.dumps(data))
    refused(archive, naming, says)


# 5. anchoring outside the archive -----------------------------------------------------------

def test_head_and_expect(archive):
    head = head_of(archive)
    proc = archive_cmd(archive, "verify")
    assert proc.returncode == 0 and f"chain intact; head {head}" in proc.stdout
    assert archive_cmd(archive, "verify", "--expect", head.upper()).returncode == 0
    for bad in ("", "xyz", head[:-1], head + "0", f"{head[:-1]}g"):
        proc = archive_cmd(archive, "verify", "--expect", bad)
        assert proc.returncode == 2 and "Traceback" not in proc.stderr, proc.stderr
        assert proc.stderr.count("\n") == 1 and "--expect: takes a head hash, 64 hexadecimal digits" in proc.stderr
    add_fourth(archive)
    proc = archive_cmd(archive, "verify", "--expect", head)  # an older head: the chain passes through it
    assert proc.returncode == 0 and f"the chain passes through {head} (record 3)" in proc.stdout
    assert head_of(archive) != head


def test_a_bag_held_elsewhere_proves_the_history_before_it(archive, tmp_path):
    import bagit

    bag_dir = tmp_path / "library-copy"
    assert archive_cmd(archive, "export", A2, "--bagit", bag_dir).returncode == 0
    bagit.Bag(str(bag_dir)).validate()
    sealed = json.loads((bag_dir / "data" / "sealed-record.json").read_text())
    assert sealed["record"]["id"] == A2 and sealed["seq"] == 2
    assert (bag_dir / "data" / "sealed-record.json").read_bytes() == (archive / "records" / "000002.json").read_bytes()
    for hash_ in (sealed["prev"], sealed["hash"]):
        assert archive_cmd(archive, "verify", "--expect", hash_).returncode == 0

    # the whole archive rewritten with this very code, record files and head file included:
    # it passes on its own, but not against the bag's hashes
    _resealed(archive, "UPDATE editions SET title = 'Forged' WHERE brief_id = 'brief-0000' AND edition = 1")
    _chmod_tree(archive / "records", writable=True)
    shutil.rmtree(archive / "records")
    as_version(archive, 2)  # sealed before record files: the next add writes them
    add_fourth(archive)
    assert archive_cmd(archive, "verify").returncode == 0
    for hash_ in (sealed["prev"], sealed["hash"]):
        proc = archive_cmd(archive, "verify", "--expect", hash_)
        assert proc.returncode == 1 and f"TAMPERED: the chain does not pass through {hash_}" in proc.stdout


def test_the_newest_edition_removed_with_a_rewritten_head_is_caught_only_by_a_kept_head(archive):
    """The limit the threat model states: rows, seal and head file of the newest edition
    rewritten look like an add killed before its commit."""
    kept = head_of(archive)
    _without_triggers(archive, "DELETE FROM files WHERE edition_id = 3", "DELETE FROM seals WHERE edition_id = 3",
                      "DELETE FROM editions WHERE id = 3")
    conn = sqlite3.connect(archive / "catalogue.sqlite")
    schema = conn.execute("PRAGMA schema_version").fetchone()[0]
    [previous] = conn.execute("SELECT hash FROM seals WHERE seq = 2").fetchone()
    conn.close()
    head = {"committed": {"editions": 2, "head": previous, "last": A2, "schema": schema}}
    writable(archive / "catalogue.head").write_text(json.dumps(head))
    proc = archive_cmd(archive, "verify")
    assert proc.returncode == 0 and f"note: records/000003.json is the record file of {B1}, whose add was " \
                                    f"interrupted" in proc.stdout
    proc = archive_cmd(archive, "verify", "--expect", kept)
    assert proc.returncode == 1 and f"TAMPERED: the chain does not pass through {kept}" in proc.stdout


# 6. what is not tampering -------------------------------------------------------------------

def _without_dac_override() -> None:
    """In the child: root without CAP_DAC_OVERRIDE/CAP_DAC_READ_SEARCH obeys file modes."""
    libc = ctypes.CDLL(None, use_errno=True)
    for cap in (1, 2):
        if libc.prctl(24, cap, 0, 0, 0) != 0:  # PR_CAPBSET_DROP
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")


def test_a_read_only_archive_is_not_called_damaged(sample_build, tmp_path):
    archive = tmp_path / "archive"
    assert archive_cmd(archive, "add", sample_build).returncode == 0
    _chmod_tree(archive, writable=False)
    try:
        before = _tree(archive)
        proc = subprocess.run([sys.executable, "-m", "report.cli", "archive", "add", str(sample_build), "--archive",
                               str(archive)], cwd=ROOT, capture_output=True, text=True,
                              preexec_fn=_without_dac_override if os.geteuid() == 0 else None)
        line = one_clean_error(proc)
        assert "the archive cannot be written here (a read-only folder or file system, or no permission)" in line
        assert "damaged" not in line and "TAMPERED" not in line
        assert archive_cmd(archive, "verify").returncode == 0
        assert _tree(archive) == before
    finally:
        _chmod_tree(archive, writable=True)


def _full_catalogue(monkeypatch, archive):
    """SQLite may not grow the catalogue by a page: it is full, as on a full disk."""
    connect = catalogue_module._connect

    def full(path, readonly):
        conn = connect(path, readonly)
        if not readonly:
            pages = conn.execute("PRAGMA page_count").fetchone()[0]
            conn.execute(f"PRAGMA max_page_count = {pages}")
        return conn
    monkeypatch.setattr(catalogue_module, "_connect", full)


def _full_store(monkeypatch, archive, only: str = ""):
    """Every file the store writes (whose name starts with ``only``) is /dev/full: writing it
    fails with ENOSPC."""
    mkstemp = store_module.tempfile.mkstemp

    def full(prefix="", suffix="", dir=None):
        if not prefix.startswith(only):
            return mkstemp(prefix=prefix, suffix=suffix, dir=dir)
        path = Path(dir) / f"{prefix}full{suffix}"
        path.write_bytes(b"")
        return os.open("/dev/full", os.O_WRONLY), str(path)
    monkeypatch.setattr(store_module.tempfile, "mkstemp", full)


def _locked(monkeypatch, archive: Path):
    """Another writer holds the catalogue's write lock; waiting for it gives up at once."""
    monkeypatch.setattr(catalogue_module, "BUSY_MS", 0)
    other = sqlite3.connect(archive / "catalogue.sqlite", isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    return other


@pytest.mark.parametrize("condition, says", [
    (_full_catalogue, "no space left on the device that holds the archive; nothing was added"),
    (_full_store, "no space left on the device that holds the archive; nothing was added"),
    (_locked, "another writer has held the catalogue's lock for 0 s (an add still running?); nothing was added"),
], ids=["catalogue-full", "store-full", "lock-held"])
def test_a_full_disk_or_a_held_lock_is_one_line_and_adds_nothing(archive, monkeypatch, condition, says):
    before = ids(archive)
    incoming, _ = editions(4)[3]
    holder = condition(monkeypatch, archive)
    try:
        with pytest.raises(BriefError) as exc:  # a long note: its row needs pages of its own
            Archive(archive).add(incoming, note="a long correction note " * 1000)
    finally:
        monkeypatch.undo()
        if holder is not None:
            holder.close()
    line = str(exc.value)
    assert says in line and "\n" not in line and "damaged" not in line, line
    assert ids(archive) == before
    proc = archive_cmd(archive, "verify")
    assert proc.returncode == 0 and "TAMPERED" not in proc.stdout, proc.stdout
    add_fourth(archive)  # the condition gone, the add goes in
    assert archive_cmd(archive, "verify").returncode == 0


# 7. honest sequences ------------------------------------------------------------------------

@pytest.mark.parametrize("version", [3, 1], ids=["sealed", "never-sealed"])
@pytest.mark.parametrize("fault", ["add-stored", "add-sealed", "add-committed"])
def test_an_add_killed_at_each_point_leaves_a_consistent_archive(sample_build, sample_incoming, archive, fault,
                                                                  version):
    if version == 1:  # an archive made before seals: the killed add was sealing it
        as_version(archive, 1)
        (archive / "catalogue.head").unlink()
        _chmod_tree(archive / "records", writable=True)
        shutil.rmtree(archive / "records")
    env = {**os.environ, "BRIEF_FAULT": fault}
    killed = run_brief("archive", "add", sample_build, "--archive", archive, env=env)
    assert killed.returncode == -9, killed.stderr
    proc = archive_cmd(archive, "verify")
    assert "TAMPERED" not in proc.stdout, proc.stdout
    sealed_now = fault == "add-committed" or version == 3
    assert proc.returncode == (0 if sealed_now else 1), proc.stdout
    if fault == "add-sealed" and version == 3:
        assert "note: records/000004.json is the record file of japan-russia-2018@1, whose add was interrupted" \
               in proc.stdout
    result = Archive(archive).add(sample_incoming)
    assert result.id == f"{SLUG}@1"
    proc = archive_cmd(archive, "verify")
    assert proc.returncode == 0 and "4 sealed record(s), chain intact" in proc.stdout and "note:" not in proc.stdout
    assert sorted(p.name for p in (archive / "records").iterdir()) == [f"{n:06d}.json" for n in range(1, 5)]


def test_a_migration_that_fails_before_its_commit_leaves_no_record_files(archive, monkeypatch):
    _chmod_tree(archive / "records", writable=True)
    shutil.rmtree(archive / "records")
    as_version(archive, 2)
    _full_store(monkeypatch, archive, only=".catalogue.head")  # the record files are written, the head file not
    incoming, _ = editions(1)[0]
    with pytest.raises(BriefError, match="no space left on the device that holds the archive; nothing was added"):
        Archive(archive).add(incoming)
    monkeypatch.undo()
    assert not (archive / "records").exists()
    proc = archive_cmd(archive, "verify")
    assert proc.returncode == 0 and "note: the catalogue was sealed before record files" in proc.stdout
    assert not Archive(archive).add(incoming).new  # the identical edition again: this time it migrates
    assert sorted(p.name for p in (archive / "records").iterdir()) == [f"{n:06d}.json" for n in range(1, 4)]


def test_a_catalogue_sealed_before_record_files_gets_them_on_its_next_add(archive):
    head = head_of(archive)
    _chmod_tree(archive / "records", writable=True)
    shutil.rmtree(archive / "records")
    as_version(archive, 2)  # what a catalogue sealed before record files looks like
    proc = archive_cmd(archive, "verify")
    assert proc.returncode == 0 and "note: the catalogue was sealed before record files" in proc.stdout
    assert head_of(archive) == head
    add_fourth(archive)
    assert sorted(p.name for p in (archive / "records").iterdir()) == [f"{n:06d}.json" for n in range(1, 5)]
    proc = archive_cmd(archive, "verify", "--expect", head)
    assert proc.returncode == 0 and "(record 3)" in proc.stdout and "note:" not in proc.stdout


ADD_ONE = """
import random, sys
from bench.archive_scale import synthetic
from report.archive.core import Archive
i = int(sys.argv[2])
rng = random.Random(1)
incoming = [synthetic(n, rng) for n in range(i + 1)][i]
Archive(sys.argv[1]).add(incoming, note="concurrent")
"""


def test_concurrent_adds_to_a_sealed_catalogue_all_land_with_their_record_files(archive):
    procs = [subprocess.Popen([sys.executable, "-c", ADD_ONE, str(archive), str(i)], cwd=ROOT,
                              stderr=subprocess.PIPE, text=True) for i in range(3, 7)]
    results = [(p.communicate(timeout=120)[1], p.returncode) for p in procs]
    assert all(rc == 0 for _, rc in results), results
    assert len(ids(archive)) == 7
    proc = archive_cmd(archive, "verify")
    assert proc.returncode == 0 and "7 sealed record(s), chain intact" in proc.stdout and "note:" not in proc.stdout
    assert sorted(p.name for p in (archive / "records").iterdir()) == [f"{n:06d}.json" for n in range(1, 8)]


# 8. bad input to every subcommand is one line -----------------------------------------------

@pytest.mark.parametrize("args, says", [
    (("show", f"{SLUG}@99999999999999999999"), "no edition number is that large"),
    (("show", "nope@"), "an edition id looks like <brief>@<edition>"),  # a slug alone is its latest edition
    (("show", f"{SLUG}@0"), "an edition number is a whole number, 1 or more"),
    (("show",), "the following arguments are required: id"),
    (("verify", f"{SLUG}@x"), "an edition number is a whole number"),
    (("verify", "--expect", ""), "--expect: takes a head hash"),
    (("export", f"{SLUG}@1"), "the following arguments are required: --bagit"),
    (("rebuild", "@1"), "an edition id looks like"),
    (("add", "dist", "--edition", "0"), "--edition: an edition number is a whole number, 1 or more"),
    (("add", "dist", "--edition", "99999999999999999999"), "no edition number is that large"),
    (("add", "dist", "--note", "two\nlines"), "--note: takes one line of text"),
    (("add", "dist", "--corrects", "0"), "--corrects: an edition number is a whole number, 1 or more"),
    (("add", "dist", "--corrects", "x@y"), "--corrects: an edition number is a whole number"),
    (("history",), "the following arguments are required: brief"),
])
def test_bad_input_to_an_archive_command_is_one_line(tmp_path, args, says):
    proc = archive_cmd(tmp_path / "archive", *args)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and says in lines[0] and lines[0].startswith(f"error: brief archive {args[0]}: "), \
        proc.stderr


def test_an_unknown_edition_or_an_empty_archive_is_one_line(archive):
    assert "no edition brief-0000@99999" in one_clean_error(archive_cmd(archive, "show", "brief-0000@99999"))
    empty = archive.parent / "empty"
    Archive(empty).catalogue(create=True).close()
    assert "no edition yet" in one_clean_error(archive_cmd(empty, "head"))
    assert "no archive catalogue here" in one_clean_error(archive_cmd(archive.parent / "none", "head"))
