"""The edition archive, as an archivist would use it: ``brief archive …`` through the CLI."""

from __future__ import annotations

import collections
import io
import itertools
import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pikepdf
import pytest

from conftest import ROOT, SAMPLE, run_brief
from report.archive.core import Archive, decide
from report.archive.edition import read_edition
from report.errors import BriefError
from report.pdfmech.save import unambiguous_stream_ends

SLUG = "japan-russia-2018"


def archive_cmd(archive: Path, *args) -> subprocess.CompletedProcess:
    return run_brief("archive", *args, "--archive", archive, cwd=archive.parent)


def variant_copy(src: Path, dest_root: Path, label: str, only: tuple[str, ...] = ("print", "screen", "archive"),
                 creator: str | None = None) -> Path:
    """A copy of the edition folder with the named files changed (a different Info /Subject):
    still one of ours, but other bytes — what a corrected edition looks like to the archive."""
    dest = dest_root / label / SLUG
    shutil.copytree(src, dest)
    for variant in only:
        path = dest / f"{SLUG}-{variant}.pdf"
        with pikepdf.open(path, allow_overwriting_input=True) as pdf:
            pdf.docinfo["/Subject"] = f"corrected: {label}"
            if creator:
                pdf.docinfo["/Creator"] = pdf.docinfo["/Producer"] = creator
            resave(pdf, path)
    return dest


def resave(pdf: pikepdf.Pdf, path: Path) -> None:
    """Save an edited edition as the project's writer would end its streams (a plain save
    may end one in CR, which the validator reads as one byte short)."""
    buf = io.BytesIO()
    pdf.save(buf)
    path.write_bytes(unambiguous_stream_ends(buf.getvalue()))


def build_edition(root: Path, label: str, out: Path | None = None) -> Path:
    """The sample brief with its subject changed to ``label``, really built (all three files):
    another genuine edition, e.g. a correction."""
    src = root / label / "src" / SLUG
    if not src.exists():
        shutil.copytree(SAMPLE, src)
        text = (src / "brief.md").read_text(encoding="utf-8")
        (src / "brief.md").write_text(text.replace("\nseries = ", f'\nsubject = "corrected: {label}"\nseries = ', 1),
                                      encoding="utf-8")
    out = out or root / label / "dist"
    proc = run_brief("build", src, "--out", out, "-q")
    assert proc.returncode == 0, proc.stderr
    return out / SLUG


def listed(archive: Path) -> list[dict]:
    proc = archive_cmd(archive, "list", "--json")
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def stored(archive: Path, edition: dict, variant: str) -> Path:
    sha = next(f["sha256"] for f in edition["files"] if f["variant"] == variant)
    return archive / "objects" / sha[:2] / f"{sha}.pdf"


def one_clean_error(proc: subprocess.CompletedProcess) -> str:
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    return lines[0]


@pytest.fixture
def archive(tmp_path) -> Path:
    return tmp_path / "archive"


def test_add_then_list_and_identical_readd_is_a_noop(sample_build, archive):
    proc = archive_cmd(archive, "add", sample_build)
    assert proc.returncode == 0, proc.stderr
    assert f"{SLUG}@1" in proc.stdout
    [ed] = listed(archive)
    assert ed["id"] == f"{SLUG}@1" and ed["edition"] == 1 and ed["series"] == "FIIA Comment"
    assert ed["authors"] == ["Bart Gaens", "Marcin Kaczmarek"] and ed["date"] == "2018"
    assert ed["title"].endswith("The Kremlin has the upper hand")
    files = {f["variant"]: f for f in ed["files"]}
    assert set(files) == {"print", "screen", "archive"}
    assert files["print"]["standard"].startswith("PDF/X-1a") and files["archive"]["standard"] == "PDF/A-3b + PDF/UA-1"
    assert files["screen"]["standard"] == "PDF/UA-1"
    assert files["archive"]["bytes"] == (sample_build / f"{SLUG}-archive.pdf").stat().st_size
    assert all(f["tool"].startswith("brief ") and f["pages"] >= 1 for f in files.values())
    assert len({f["source_hash"] for f in files.values()}) == 1
    assert stored(archive, ed, "print").read_bytes() == (sample_build / f"{SLUG}-print.pdf").read_bytes()

    again = archive_cmd(archive, "add", sample_build, "--edition", "1")
    assert again.returncode == 0 and "nothing to do" in again.stdout
    assert len(listed(archive)) == 1
    shown = archive_cmd(archive, "show", f"{SLUG}@1")
    assert shown.returncode == 0 and "Bart Gaens" in shown.stdout


def test_editions_are_immutable_and_a_correction_is_the_next_edition(sample_build, archive, tmp_path):
    assert archive_cmd(archive, "add", sample_build).returncode == 0
    corrected = build_edition(tmp_path, "fix")

    refused = archive_cmd(archive, "add", corrected, "--edition", "1")
    line = one_clean_error(refused)
    assert f"{SLUG}@1 is already archived" in line and "print, screen, archive" in line and "edition 2" in line

    no_note = archive_cmd(archive, "add", corrected)
    assert "--note" in one_clean_error(no_note)
    gap = archive_cmd(archive, "add", corrected, "--edition", "5", "--note", "x")
    assert "next edition" in one_clean_error(gap)

    ok = archive_cmd(archive, "add", corrected, "--note", "typo on page 2 corrected")
    assert ok.returncode == 0 and f"{SLUG}@2" in ok.stdout, ok.stderr
    eds = {e["id"]: e for e in listed(archive)}
    assert set(eds) == {f"{SLUG}@1", f"{SLUG}@2"}
    assert eds[f"{SLUG}@2"]["note"] == "typo on page 2 corrected" and eds[f"{SLUG}@1"]["note"] == ""
    # a correction is a new build: three new files, stored beside the first edition's
    assert all(stored(archive, eds[f"{SLUG}@1"], v) != stored(archive, eds[f"{SLUG}@2"], v)
               for v in ("print", "screen", "archive"))
    again = archive_cmd(archive, "add", corrected)
    assert again.returncode == 0 and f"{SLUG}@2" in again.stdout and "nothing to do" in again.stdout


def test_verify_names_altered_and_missing_files(sample_build, archive):
    assert archive_cmd(archive, "add", sample_build).returncode == 0
    clean = archive_cmd(archive, "verify")
    assert clean.returncode == 0 and "3 of 3 stored files intact" in clean.stdout
    [ed] = listed(archive)

    victim = stored(archive, ed, "print")
    os.chmod(victim, 0o644)
    data = bytearray(victim.read_bytes())
    data[len(data) // 2] ^= 0x01
    victim.write_bytes(bytes(data))
    flipped = archive_cmd(archive, "verify")
    assert flipped.returncode == 1
    assert f"ALTERED: {SLUG}@1 print file" in flipped.stdout and victim.name in flipped.stdout
    assert "screen" not in flipped.stdout and "2 of 3 stored files intact" in flipped.stdout

    gone = stored(archive, ed, "screen")
    gone.unlink()
    both = archive_cmd(archive, "verify", f"{SLUG}@1")
    assert both.returncode == 1
    assert f"MISSING: {SLUG}@1 screen file" in both.stdout and gone.name in both.stdout
    assert "ALTERED" in both.stdout and "1 of 3 stored files intact" in both.stdout

    # adding the edition again restores the damaged and missing copies
    readd = archive_cmd(archive, "add", sample_build)
    assert readd.returncode == 0 and "nothing to do" in readd.stdout
    assert "print file was missing or altered and has been restored" in readd.stdout
    assert "screen file was missing or altered and has been restored" in readd.stdout
    assert archive_cmd(archive, "verify").returncode == 0
    unknown = archive_cmd(archive, "verify", f"{SLUG}@9")
    assert "no edition" in one_clean_error(unknown)


def test_refuses_what_is_not_an_edition_of_ours(sample_build, archive, tmp_path):
    fake = tmp_path / "fake" / SLUG
    fake.mkdir(parents=True)
    for v in ("print", "screen", "archive"):
        (fake / f"{SLUG}-{v}.pdf").write_text("just some text\n")
    assert "not a PDF" in one_clean_error(archive_cmd(archive, "add", fake))

    foreign = variant_copy(sample_build, tmp_path, "foreign", only=("screen",), creator="Microsoft Word")
    line = one_clean_error(archive_cmd(archive, "add", foreign))
    assert "not made by brief" in line and f"{SLUG}-screen.pdf" in line

    partial = tmp_path / "partial" / SLUG
    shutil.copytree(sample_build, partial)
    (partial / f"{SLUG}-archive.pdf").unlink()
    assert "missing" in one_clean_error(archive_cmd(archive, "add", partial))
    assert "not an edition folder" in one_clean_error(archive_cmd(archive, "add", sample_build / f"{SLUG}-print.pdf"))
    assert not (archive / "catalogue.sqlite").exists() or listed(archive) == []


def test_garbage_or_truncated_catalogue_is_one_clear_error(sample_build, archive, tmp_path):
    assert "no archive catalogue" in one_clean_error(archive_cmd(archive, "list"))
    archive.mkdir()
    cat = archive / "catalogue.sqlite"
    cat.write_bytes(b"this is not a database\n" * 50)
    for args in (("list",), ("verify",), ("show", f"{SLUG}@1"), ("add", sample_build)):
        assert "catalogue" in one_clean_error(archive_cmd(archive, *args))

    real = tmp_path / "real"
    assert archive_cmd(real, "add", sample_build).returncode == 0
    data = (real / "catalogue.sqlite").read_bytes()
    cat.write_bytes(data[: len(data) // 2])
    assert "catalogue" in one_clean_error(archive_cmd(archive, "verify"))
    cat.write_bytes(b"")
    assert "catalogue" in one_clean_error(archive_cmd(archive, "list"))


def test_concurrent_adds_both_land(sample_build, archive, tmp_path):
    folders = [build_edition(tmp_path, f"c{i}") for i in range(3)]
    procs = [subprocess.Popen([sys.executable, "-m", "report.cli", "archive", "add", str(f), "--note", f"run {i}",
                               "--archive", str(archive)], cwd=ROOT, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for i, f in enumerate(folders)]
    results = [p.communicate(timeout=60) + (p.returncode,) for p in procs]
    assert all(rc == 0 for _, _, rc in results), results
    assert sorted(e["edition"] for e in listed(archive)) == [1, 2, 3]
    assert archive_cmd(archive, "verify").returncode == 0


#: the BRIEF_FAULT points of ``brief archive add`` (report/faults.py), in the order it reaches them
ADD_POINTS = ("add-catalogue-written", "add-opened", "add-object-written", "add-stored", "add-sealed",
              "add-head-written", "add-pending", "add-committed", "add-done")


def test_kill_9_during_add_leaves_a_consistent_archive(sample_build, tmp_path):
    """Adds killed with SIGKILL at every pass through every point of the write (pass 1, 2, …
    of a point until the add no longer reaches it and completes), into an empty archive and
    into one that already holds the edition. After every kill verify finds nothing wrong and
    the add can complete."""
    incoming = read_edition(sample_build)
    cmd = [sys.executable, "-m", "report.cli", "archive", "add", str(sample_build)]
    landed = collections.Counter()
    for holding in (False, True):  # holding: the add is a no-op
        for point in ADD_POINTS:
            for n in itertools.count(1):
                archive = tmp_path / f"{'holding' if holding else 'empty'}-{point}-{n}"
                if holding:
                    Archive(archive).add(incoming)
                proc = subprocess.run(cmd + ["--archive", str(archive)], cwd=ROOT, capture_output=True, text=True,
                                      env={**os.environ, "BRIEF_FAULT": f"{point}@{n}"})
                if proc.returncode != -signal.SIGKILL:  # it never passed the point an n-th time
                    assert proc.returncode == 0, proc.stderr
                    break
                landed[holding, point] += 1
                arc = Archive(archive)
                if (archive / "catalogue.sqlite").exists():
                    report = arc.verify()
                    assert report.problems == [], (point, n, report.problems)
                    assert len(arc.editions()) in (0, 1)
                result = arc.add(incoming)  # the archive stays usable: the add completes or is a no-op
                assert result.id == f"{SLUG}@1"
                report = arc.verify()
                assert report.problems == [] and report.checked == 3
    assert all(landed[False, point] for point in ADD_POINTS), landed  # a first add passes every point
    assert landed[False, "add-object-written"] == 3 and landed[False, "add-head-written"] == 2, landed
    assert all(landed[True, point] for point in ("add-opened", "add-stored", "add-committed")), landed


def test_bagit_export_is_a_valid_bag_with_the_record(sample_build, archive, tmp_path):
    import bagit

    assert archive_cmd(archive, "add", sample_build).returncode == 0
    bag_dir = tmp_path / "deposit"
    proc = archive_cmd(archive, "export", f"{SLUG}@1", "--bagit", bag_dir)
    assert proc.returncode == 0, proc.stderr
    bag = bagit.Bag(str(bag_dir))
    bag.validate()
    info = bag.info
    assert info["External-Identifier"] == f"{SLUG}@1" and info["Edition"] == "1"
    assert info["Brief-Series"] == "FIIA Comment" and info["Brief-Author"] == ["Bart Gaens", "Marcin Kaczmarek"]
    assert info["Brief-Title"].endswith("upper hand")
    [ed] = listed(archive)
    for f in ed["files"]:
        assert f["sha256"] in info[f"File-{f['variant'].capitalize()}"]
        payload = bag_dir / "data" / f"{SLUG}-{f['variant']}.pdf"
        assert payload.read_bytes() == stored(archive, ed, f["variant"]).read_bytes()
    # the edition's record file, byte for byte: its record, its seal and the head before it
    sealed = (bag_dir / "data" / "sealed-record.json").read_bytes()
    assert sealed == (archive / "records" / "000001.json").read_bytes()
    sealed = json.loads(sealed)
    assert sealed["record"] == ed and sealed["seq"] == 1 and sealed["prev"] == "0" * 64 and sealed["format"] == 1
    head = archive_cmd(archive, "head")
    assert head.returncode == 0 and head.stdout == sealed["hash"] + "\n"
    assert info["Catalogue-Seal"] == f"record 1 sha256={sealed['hash']} prev={'0' * 64} format=1"
    assert "not empty" in one_clean_error(archive_cmd(archive, "export", f"{SLUG}@1", "--bagit", bag_dir))


def test_rebuild_from_the_archive_file_alone_is_identical(sample_build, archive, tmp_path):
    alone = tmp_path / "alone" / SLUG
    shutil.copytree(sample_build, alone)
    assert archive_cmd(archive, "add", alone).returncode == 0
    shutil.rmtree(alone)  # nothing left but the archive
    proc = archive_cmd(archive, "rebuild", f"{SLUG}@1")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    for variant in ("print", "screen", "archive"):
        assert f"{variant}: identical" in proc.stdout
    assert "inputs: all" in proc.stdout and "drawn from the 3 attached geodata/drawn extracts" in proc.stdout


def test_rebuild_of_a_saddle_stitched_edition_is_identical(archive, tmp_path):
    """The sample's 3 pages padded to 4 by --saddle-stitch: the rebuild pads the edition whose
    page count it did not reach, and only that one."""
    proc = run_brief("build", SAMPLE, "--out", tmp_path / "stitched", "--saddle-stitch", "-q")
    assert proc.returncode == 0, proc.stderr
    assert archive_cmd(archive, "add", tmp_path / "stitched" / SLUG).returncode == 0
    proc = archive_cmd(archive, "rebuild", f"{SLUG}@1")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    pages = {f["variant"]: f["pages"] for f in listed(archive)[0]["files"]}
    assert pages == {"print": 4, "screen": 3, "archive": 3}
    for variant in ("print", "screen", "archive"):
        assert f"{variant}: identical" in proc.stdout


def test_decide_edition_numbers():
    a, b = {"print": "a", "screen": "b", "archive": "c"}, {"print": "a", "screen": "x", "archive": "c"}
    assert decide({}, a, "s", None, "") == (1, True)
    assert decide({1: a}, a, "s", None, "") == (1, False)
    assert decide({1: a}, b, "s", None, "fix") == (2, True)
    assert decide({1: a, 2: b}, b, "s", 2, "") == (2, False)
    for files, edition, note, says in ((b, 1, "x", "already archived with other files"), (b, 2, "", "--note"),
                                       (b, 3, "x", "no gaps"), (a, 2, "x", "already archived as s@1")):
        with pytest.raises(BriefError, match=says):
            decide({1: a}, files, "s", edition, note)
