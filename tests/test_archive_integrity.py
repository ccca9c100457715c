"""Editions are whole and genuine, the catalogue is tamper-evident: each case a hostile user
(or a crash) can produce is refused or detected with one line and exit 1."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import pikepdf
import pytest

from conftest import ROOT, SAMPLE, run_brief
from test_archive import SLUG, archive_cmd, build_edition, one_clean_error, resave

VARIANTS = ("print", "screen", "archive")


def files_of(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def rewrite_manifest(folder: Path, name: str, entry: dict | None = None) -> None:
    """What a careful forger does: make edition.json agree with the edited file."""
    manifest = json.loads((folder / "edition.json").read_text())
    data = (folder / name).read_bytes()
    manifest["files"][name] = {**manifest["files"][name], **(entry or {}),
                               "sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}
    (folder / "edition.json").write_text(json.dumps(manifest))


def whole(folder: Path) -> str:
    """The build id of a whole edition folder (every file matches edition.json, one build id)."""
    manifest = json.loads((folder / "edition.json").read_text())["files"]
    assert sorted(manifest) == sorted(f"{SLUG}-{v}.pdf" for v in VARIANTS)
    ids = set()
    for name, entry in manifest.items():
        assert hashlib.sha256((folder / name).read_bytes()).hexdigest() == entry["sha256"], name
        with pikepdf.open(folder / name) as pdf:
            assert str(pdf.open_metadata()["xmpMM:DocumentID"]) == f"urn:brief:build:{entry['build_id']}"
        ids.add(entry["build_id"])
    assert len(ids) == 1, ids
    return ids.pop()


@pytest.fixture(scope="module")
def other_build(tmp_path_factory) -> Path:
    """A second genuine edition of the sample (another subject line)."""
    return build_edition(tmp_path_factory.mktemp("other"), "other")


@pytest.fixture
def archive(tmp_path) -> Path:
    return tmp_path / "archive"


# 1. a forged file ------------------------------------------------------------------------

def test_a_file_edited_after_the_build_is_refused(sample_build, archive, tmp_path):
    forged = tmp_path / "forged" / SLUG
    shutil.copytree(sample_build, forged)
    screen = forged / f"{SLUG}-screen.pdf"
    with pikepdf.open(screen, allow_overwriting_input=True) as pdf:  # title and metadata untouched
        pdf.Root.OpenAction = pikepdf.Dictionary(S=pikepdf.Name.JavaScript, JS=pikepdf.String("app.alert(1)"))
        resave(pdf, screen)
    line = one_clean_error(archive_cmd(archive, "add", forged))
    assert screen.name in line and "does not match edition.json" in line

    rewrite_manifest(forged, screen.name)  # the manifest no longer gives it away: the preflight does
    line = one_clean_error(archive_cmd(archive, "add", forged))
    assert screen.name in line and "fails the screen preflight" in line and "JavaScript" in line

    # the archive file's attached brief changed, its record and the manifest made to agree
    forged2 = tmp_path / "forged2" / SLUG
    shutil.copytree(sample_build, forged2)
    path = forged2 / f"{SLUG}-archive.pdf"
    with pikepdf.open(path, allow_overwriting_input=True) as pdf:
        specs = {str(s.UF): s for s in pdf.Root.AF}
        text = specs[f"briefs/{SLUG}/brief.md"].EF.F.read_bytes().replace(b"Bart Gaens", b"Cart Gaens")
        specs[f"briefs/{SLUG}/brief.md"].EF.F.write(text)
        record = json.loads(specs["brief-build.json"].EF.F.read_bytes())
        record["sources"][f"briefs/{SLUG}/brief.md"] = hashlib.sha256(text).hexdigest()
        specs["brief-build.json"].EF.F.write(json.dumps(record).encode())
        resave(pdf, path)
    rewrite_manifest(forged2, path.name)
    line = one_clean_error(archive_cmd(archive, "add", forged2))
    assert path.name in line and "do not hash to the build id" in line
    assert not (archive / "catalogue.sqlite").exists()

    assert archive_cmd(archive, "add", sample_build).returncode == 0  # the genuine one goes in


# 2. a torn folder ------------------------------------------------------------------------

def test_a_folder_with_a_file_of_another_build_is_refused(sample_build, other_build, archive, tmp_path):
    torn = tmp_path / "torn" / SLUG
    shutil.copytree(sample_build, torn)
    name = f"{SLUG}-print.pdf"
    shutil.copy(other_build / name, torn / name)
    line = one_clean_error(archive_cmd(archive, "add", torn))
    assert name in line and "does not match edition.json" in line

    other_entry = json.loads((other_build / "edition.json").read_text())["files"][name]
    rewrite_manifest(torn, name, other_entry)  # even with a manifest that lists it
    line = one_clean_error(archive_cmd(archive, "add", torn))
    assert name in line and "different builds" in line and "torn" in line

    (torn / "edition.json").unlink()
    assert "no edition.json" in one_clean_error(archive_cmd(archive, "add", torn))


# 3. concurrent builds into one --out -----------------------------------------------------

def test_concurrent_builds_into_one_out_queue_and_leave_one_whole_edition(sample_build, other_build, tmp_path):
    sources = [SAMPLE, other_build.parent.parent / "src" / SLUG]
    ids = {whole(sample_build), whole(other_build)}
    assert len(ids) == 2
    out = tmp_path / "dist"
    for trial in range(3):
        procs = [subprocess.Popen([sys.executable, "-m", "report.cli", "build", str(src), "--out", str(out), "-q"],
                                  cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                 for src in (sources if trial % 2 == 0 else sources[::-1])]
        results = [p.communicate(timeout=120) + (p.returncode,) for p in procs]
        assert all(rc == 0 for _, _, rc in results), results
        assert whole(out / SLUG) in ids
        assert sorted(p.name for p in out.iterdir()) == [f".{SLUG}.lock", SLUG]
        assert archive_cmd(tmp_path / f"archive{trial}", "add", out / SLUG).returncode == 0


def test_a_build_waits_for_the_lock_of_its_brief_and_out(sample_build, tmp_path):
    import fcntl
    import select

    out = tmp_path / "dist"
    out.mkdir()
    lock = out / f".{SLUG}.lock"
    fd = os.open(lock, os.O_RDWR | os.O_CREAT)
    os.write(fd, b"\xff not a pid 99999999999999999999\n")  # whatever the file holds, the build copes
    fcntl.flock(fd, fcntl.LOCK_EX)  # another process of this brief is writing
    proc = subprocess.Popen([sys.executable, "-m", "report.cli", "build", str(SAMPLE), "--out", str(out), "-q"],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert select.select([proc.stderr], [], [], 120)[0], "no word from the waiting build"  # only against a hang
        said = proc.stderr.readline()  # -q: the one line it prints is that it waits
        assert said == f"waiting: {lock} is held by another process; this build goes on when it lets go\n"
        assert proc.poll() is None, "the build finished while another held the lock"
        assert sorted(p.name for p in out.iterdir()) == [lock.name]  # nothing staged or written yet
    finally:
        os.close(fd)  # released: the queued build goes ahead
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    assert whole(out / SLUG) == whole(sample_build)


# 4. a kill between two renames -----------------------------------------------------------

def build_with_fault(src: Path, out: Path, fault: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "BRIEF_FAULT": fault}
    return run_brief("build", src, "--out", out, "-q", env=env)


def test_a_killed_or_failed_build_changes_nothing(sample_build, other_build, tmp_path):
    out = tmp_path / "dist"
    folder = out / SLUG
    shutil.copytree(sample_build, folder)
    old = files_of(folder)
    other_src = other_build.parent.parent / "src" / SLUG

    killed = build_with_fault(other_src, out, "staged")  # everything written, not yet swapped
    assert killed.returncode == -9
    assert files_of(folder) == old
    assert any(p.name.startswith(f".{SLUG}.stage-") for p in out.iterdir())  # what the kill left

    # where the file system cannot swap two folders at once: killed between its two renames
    killed = build_with_fault(other_src, out, "no-exchange,between-renames")
    assert killed.returncode == -9 and not folder.exists()
    assert "interrupted build" in one_clean_error(run_brief("archive", "add", folder, "--archive", tmp_path / "a"))
    killed = build_with_fault(other_src, out, "staged")  # the next build first puts the old folder back
    assert killed.returncode == -9 and files_of(folder) == old

    killed = build_with_fault(other_src, out, "swapped")  # swapped in, old folder not yet removed
    assert killed.returncode == -9 and whole(folder) == whole(other_build)

    done = run_brief("build", SAMPLE, "--out", out)
    assert done.returncode == 0 and "stale" in done.stderr + done.stdout
    assert files_of(folder) == old
    assert sorted(p.name for p in out.iterdir()) == [f".{SLUG}.lock", SLUG]  # nothing stale left

    # a build that fails on its target (a folder where the print file goes) changes nothing
    shutil.rmtree(folder)
    shutil.copytree(other_build, folder)
    (folder / f"{SLUG}-print.pdf").unlink()
    (folder / f"{SLUG}-print.pdf").mkdir()
    before = {n: d for n, d in ((p.name, p.read_bytes()) for p in folder.iterdir() if p.is_file())}
    failed = run_brief("build", SAMPLE, "--out", out, "-q")
    assert failed.returncode == 1 and len(failed.stderr.strip().splitlines()) == 1, failed.stderr
    assert f"{SLUG}-print.pdf" in failed.stderr and "Traceback" not in failed.stderr
    assert {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()} == before


# 5. an edited catalogue byte, a deleted or reordered row ---------------------------------

def test_an_edited_catalogue_byte_is_detected_naming_the_edition(sample_build, archive):
    assert archive_cmd(archive, "add", sample_build).returncode == 0
    clean = archive_cmd(archive, "verify")
    assert clean.returncode == 0 and "chain intact" in clean.stdout
    head = re.search(r"head ([0-9a-f]{64})", clean.stdout).group(1)
    assert head in (archive / "catalogue.head").read_text()
    cat = archive / "catalogue.sqlite"
    pristine = cat.read_bytes()
    sha = json.loads(archive_cmd(archive, "list", "--json").stdout)[0]["files"][0]["sha256"]
    for old, new in ((b"Bart Gaens", b"Cart Gaens"), (b"upper hand", b"upper band"),
                     (sha.encode(), sha[:-1].encode() + (b"0" if sha[-1] != "0" else b"1"))):
        assert pristine.count(old) >= 1
        cat.write_bytes(pristine.replace(old, new))
        proc = archive_cmd(archive, "verify")
        assert proc.returncode == 1, (old, proc.stdout)
        assert f"TAMPERED: {SLUG}@1: the record does not match its seal" in proc.stdout
    cat.write_bytes(pristine)
    assert archive_cmd(archive, "verify").returncode == 0


def _sql(archive: Path, *statements: str) -> None:
    conn = sqlite3.connect(archive / "catalogue.sqlite", isolation_level=None)
    try:
        for stmt in statements:
            conn.execute(stmt)
    finally:
        conn.close()


TRIGGERS = ("editions_no_update", "editions_no_delete", "files_no_update", "files_no_delete",
            "seals_no_update", "seals_no_delete", "corrections_no_update", "corrections_no_delete")


def as_version(archive: Path, version: int) -> None:
    """Make a catalogue of this code look like one made by the code of an earlier schema version:
    no corrections table (before 4), no seals table (1); a head file then records the schema
    version SQLite gives the catalogue, as that code wrote it."""
    drops = ["DROP TRIGGER corrections_no_update", "DROP TRIGGER corrections_no_delete", "DROP TABLE corrections"]
    if version == 1:
        drops += ["DROP TRIGGER seals_no_update", "DROP TRIGGER seals_no_delete", "DROP TABLE seals"]
    _sql(archive, *drops, f"PRAGMA user_version = {version}")
    head = archive / "catalogue.head"
    if version > 1 and head.exists():
        conn = sqlite3.connect(archive / "catalogue.sqlite")
        try:
            cookie = conn.execute("PRAGMA schema_version").fetchone()[0]
        finally:
            conn.close()
        data = json.loads(head.read_text())
        data["committed"]["schema"] = cookie
        head.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")


def _without_triggers(archive: Path, *statements: str) -> None:
    """Drop every trigger, run the statements, re-create the triggers exactly as they were."""
    conn = sqlite3.connect(archive / "catalogue.sqlite", isolation_level=None)
    try:
        saved = conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'").fetchall()
        assert {n for n, _ in saved} == set(TRIGGERS)
        for name, _ in saved:
            conn.execute(f"DROP TRIGGER {name}")
        for stmt in statements:
            conn.execute(stmt)
        for _, sql in saved:
            conn.execute(sql)
    finally:
        conn.close()


def test_a_deleted_or_reordered_row_is_detected(sample_build, other_build, archive, tmp_path):
    assert archive_cmd(archive, "add", sample_build).returncode == 0
    assert archive_cmd(archive, "add", other_build, "--note", "new subject").returncode == 0
    assert archive_cmd(archive, "verify").returncode == 0
    backup = tmp_path / "backup"
    shutil.copytree(archive, backup)

    _without_triggers(archive, "DELETE FROM files WHERE edition_id = 2", "DELETE FROM seals WHERE edition_id = 2",
                      "DELETE FROM editions WHERE id = 2")
    proc = archive_cmd(archive, "verify")
    assert proc.returncode == 1 and f"TAMPERED: {SLUG}@2: the head file ends the chain with it" in proc.stdout
    assert "refused" not in proc.stdout
    assert "seal check" in one_clean_error(archive_cmd(archive, "add", other_build, "--note", "again"))

    shutil.rmtree(archive)
    shutil.copytree(backup, archive)
    _without_triggers(archive, "DELETE FROM files WHERE edition_id = 1", "DELETE FROM editions WHERE id = 1")
    proc = archive_cmd(archive, "verify")
    assert proc.returncode == 1 and f"TAMPERED: {SLUG}@2: sealed as record 2 but found as record 1" in proc.stdout

    shutil.rmtree(archive)
    shutil.copytree(backup, archive)
    _without_triggers(archive, "PRAGMA foreign_keys = OFF",
                      "UPDATE editions SET id = 3 WHERE id = 1", "UPDATE files SET edition_id = 3 WHERE edition_id = 1",
                      "UPDATE seals SET edition_id = 3 WHERE edition_id = 1")
    proc = archive_cmd(archive, "verify")
    assert proc.returncode == 1 and f"TAMPERED: {SLUG}@2: sealed as record 2 but found as record 1" in proc.stdout


# 6. a dropped trigger, an update, the trigger re-created --------------------------------

def test_a_dropped_trigger_an_update_and_a_recreated_trigger_are_detected(sample_build, archive):
    from report.archive import seal
    from report.archive.catalogue import Catalogue

    assert archive_cmd(archive, "add", sample_build).returncode == 0
    with pytest.raises(sqlite3.IntegrityError):
        _sql(archive, "UPDATE editions SET title = 'Forged'")
    _without_triggers(archive, "UPDATE editions SET title = 'Forged'")
    proc = archive_cmd(archive, "verify")
    assert proc.returncode == 1
    assert f"TAMPERED: {SLUG}@1: the record does not match its seal" in proc.stdout
    assert "a trigger or table dropped and re-created" in proc.stdout

    # a forger who also reseals the record with this very code: its record file and the head
    # file give it away
    cat = Catalogue.open(archive)
    try:
        [(ed, (seq, prev, _))] = cat.sealed()
        forged = seal.Sealed(seq, prev, seal.record_hash(seq, prev, ed.to_dict()), ed.to_dict())
        digest = forged.hash
    finally:
        cat.close()
    _without_triggers(archive, f"UPDATE seals SET hash = '{digest}'")
    proc = archive_cmd(archive, "verify")
    assert proc.returncode == 1 and "does not match its seal" not in proc.stdout
    assert (f"TAMPERED: {SLUG}@1: its seal in the catalogue differs from its record file records/000001.json "
            f"(title differs from its record file: resealed in the catalogue, or the file rewritten)") in proc.stdout
    assert f"TAMPERED: {SLUG}@1: the chain ends in" in proc.stdout and "resealed" in proc.stdout
    # ... and one who rewrites the head file and the record file too: the head hash kept
    # elsewhere gives it away
    head = json.loads((archive / "catalogue.head").read_text())
    kept = head["committed"]["head"]
    head["committed"]["head"] = digest
    conn = sqlite3.connect(archive / "catalogue.sqlite")
    head["committed"]["schema"] = conn.execute("PRAGMA schema_version").fetchone()[0]
    conn.close()
    (archive / "catalogue.head").write_text(json.dumps(head))
    record = archive / "records" / "000001.json"
    os.chmod(record, 0o644)
    record.write_bytes(forged.to_bytes())
    assert archive_cmd(archive, "verify").returncode == 0  # out of scope without a kept hash
    proc = archive_cmd(archive, "verify", "--expect", kept)
    assert proc.returncode == 1 and f"TAMPERED: the chain does not pass through {kept}" in proc.stdout
    assert archive_cmd(archive, "verify", "--expect", digest).returncode == 0


def test_only_recreating_a_trigger_is_detected(sample_build, archive):
    assert archive_cmd(archive, "add", sample_build).returncode == 0
    _without_triggers(archive)
    proc = archive_cmd(archive, "verify")
    assert proc.returncode == 1 and "TAMPERED: schema:" in proc.stdout and "re-created" in proc.stdout
    _sql(archive, "DROP TRIGGER editions_no_update")
    proc = archive_cmd(archive, "verify")
    assert proc.returncode == 1 and "editions_no_update is missing" in proc.stdout


# 8. verify on a read-only archive --------------------------------------------------------

def _tree(root: Path) -> dict[str, tuple[int, bytes]]:
    return {str(p.relative_to(root)): (p.stat().st_mtime_ns, p.read_bytes() if p.is_file() else b"")
            for p in sorted(root.rglob("*"))}


def _chmod_tree(root: Path, writable: bool) -> None:
    for p in [root, *root.rglob("*")]:
        mode = p.stat().st_mode
        mode = mode | stat.S_IWUSR if writable else mode & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH)
        os.chmod(p, mode)


def test_verify_works_on_a_read_only_copy_and_writes_nothing(sample_build, archive, tmp_path):
    assert archive_cmd(archive, "add", sample_build).returncode == 0
    copy = tmp_path / "copy" / "archive"
    shutil.copytree(archive, copy)
    _chmod_tree(copy, writable=False)
    try:
        before = _tree(copy)
        for args in (("verify",), ("list",), ("show", f"{SLUG}@1")):
            proc = archive_cmd(copy, *args)
            assert proc.returncode == 0, proc.stdout + proc.stderr
        proc = archive_cmd(copy, "verify")
        assert "3 of 3 stored files intact" in proc.stdout and "chain intact" in proc.stdout
        assert _tree(copy) == before  # no -wal, -shm or journal made, nothing touched
    finally:
        _chmod_tree(copy, writable=True)


# 9. rebuild after a gazetteer change -----------------------------------------------------

REBUILD_WITH_GAZETTEER = """
import json, sys
from pathlib import Path
from geodata import places
places.BUNDLED_GAZETTEER = Path(sys.argv[1])  # the installed gazetteer, as changed since the build
from report.archive.core import Archive
from report.archive.rebuild import rebuild
from report.pipeline import build, load
brief, _ = load(Path(sys.argv[3]))
kunashir = [lab.place.lat for lab in brief.figures["islands"].spec.labels if lab.place.id == "kunashir"]
out = rebuild(Archive(sys.argv[2]), sys.argv[4], build)
print(json.dumps({"identical": out.identical, "notes": out.notes, "kunashir_now": kunashir}))
"""


def test_rebuild_after_the_bundled_gazetteer_changed_is_identical_and_names_the_entry(sample_build, archive, tmp_path):
    from geodata import places

    assert archive_cmd(archive, "add", sample_build).returncode == 0
    changed = tmp_path / "gazetteer.toml"
    text = places.BUNDLED_GAZETTEER.read_text(encoding="utf-8")
    block = re.search(r'id = "kunashir".*?\nlat = ([0-9.]+)', text, re.S)
    assert block, "the sample's map uses kunashir"
    moved = float(block.group(1)) + 0.4
    changed.write_text(text[:block.start(1)] + str(moved) + text[block.end(1):], encoding="utf-8")
    # a fresh process (as the CLI runs) whose installed gazetteer is the changed one
    proc = subprocess.run([sys.executable, "-c", REBUILD_WITH_GAZETTEER, str(changed), str(archive), str(SAMPLE),
                           f"{SLUG}@1"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    # the installed data differs, but the brief's place lock keeps the coordinate it pinned
    assert out["kunashir_now"] == [float(block.group(1))]
    assert out["identical"] == {"print": True, "screen": True, "archive": True}, out["notes"]
    [note] = [n for n in out["notes"] if n.startswith("geodata/gazetteer.toml")]
    assert "differs" in note and "kunashir" in note and "iturup" not in note and "attached copy" in note


REBUILD_WITH_VIEWPOINTS = """
import json, sys
from pathlib import Path
from geodata import places
places.BUNDLED_VIEWPOINTS = Path(sys.argv[1])  # the installed conventions, as changed since the build
from report.archive.core import Archive
from report.archive.rebuild import rebuild
from report.pipeline import build, load
brief, _ = load(Path(sys.argv[3]))
legends = [layer.legend for layer in brief.figures["islands"].spec.layers]
out = rebuild(Archive(sys.argv[2]), sys.argv[4], build)
print(json.dumps({"identical": out.identical, "notes": out.notes, "legends_now": legends}))
"""


def test_rebuild_reads_the_attached_viewpoint_conventions_not_the_installed_ones(sample_build, archive, tmp_path):
    """geodata/viewpoints.toml is a source of the edition: the rebuild draws Map 1 with the copy the
    archive file carries, however the installed conventions have changed since."""
    from geodata import places

    assert archive_cmd(archive, "add", sample_build).returncode == 0
    changed = tmp_path / "viewpoints.toml"
    text = places.BUNDLED_VIEWPOINTS.read_text(encoding="utf-8")
    assert 'legend = "Islands in dispute"' in text
    changed.write_text(text.replace('legend = "Islands in dispute"', 'legend = "Contested islands"'),
                       encoding="utf-8")
    proc = subprocess.run([sys.executable, "-c", REBUILD_WITH_VIEWPOINTS, str(changed), str(archive), str(SAMPLE),
                           f"{SLUG}@1"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert "Contested islands" in out["legends_now"]  # a build from the installed files would say so
    assert out["identical"] == {"print": True, "screen": True, "archive": True}, out["notes"]
    [note] = [n for n in out["notes"] if n.startswith("geodata/viewpoints.toml")]
    assert "differs" in note and "attached copy" in note


def test_a_version_1_catalogue_is_sealed_by_its_next_add(sample_build, other_build, archive):
    assert archive_cmd(archive, "add", sample_build).returncode == 0
    as_version(archive, 1)  # what an archive made before seals looks like
    (archive / "catalogue.head").unlink()
    shutil.rmtree(archive / "records")
    proc = archive_cmd(archive, "verify")
    assert proc.returncode == 1 and "not sealed yet" in proc.stdout
    assert archive_cmd(archive, "add", other_build, "--note", "new subject").returncode == 0
    proc = archive_cmd(archive, "verify")
    assert proc.returncode == 0 and "2 sealed record(s), chain intact" in proc.stdout, proc.stdout
