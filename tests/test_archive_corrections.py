"""A correction in the archive: ``brief archive add DIR --corrects N`` links the new edition to
the one it corrects, in the sealed chain; ``list``, ``show`` and ``history`` print the link,
``verify`` holds it, and every edit of a link or a note is named.

Most archives here hold synthetic editions added through the API (``bench/archive_scale.py``);
``tests/archives/v3-main`` was made by the code before links (schema 3); the last test archives
a real correction (``tests/briefs/corrections/arctic-notes``) through the CLI.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from dataclasses import replace
from pathlib import Path

import pytest

from conftest import ROOT, run_brief
from test_archive import archive_cmd, one_clean_error
from test_archive_integrity import _chmod_tree, _sql, _without_triggers
from test_archive_seals import A1, A2, B1, _resealed, editions, refused, writable
from test_corrections import CORRECTED
from report.archive.core import Archive
from report.archive.seal import Sealed, links, record_hash
from report.errors import BriefError
from report.model import Correction

OLD_ARCHIVE = ROOT / "tests" / "archives" / "v3-main"  # made by the code before corrections (schema 3)


# --- the link in the archive ----------------------------------------------------------------

@pytest.fixture
def archive(tmp_path) -> Path:
    """brief-0000@1, brief-0000@2 (which corrects @1), brief-0001@1."""
    root = tmp_path / "archive"
    (a1, _), (a2, _), (b1, _) = editions(3)
    Archive(root).add(a1)
    Archive(root).add(a2, note="a name corrected", corrects=(None, 1))
    Archive(root).add(b1)
    return root


def test_list_show_and_history_print_the_link_and_the_note(archive):
    listed = archive_cmd(archive, "list").stdout.splitlines()
    assert listed[1].startswith(A2) and listed[1].endswith("— corrects brief-0000@1: a name corrected")
    assert not listed[0].endswith("corrected") and not listed[2].endswith("corrected")
    shown = archive_cmd(archive, "show", A2).stdout
    assert "  corrects: brief-0000@1 — a name corrected\n" in shown
    assert archive_cmd(archive, "show", "brief-0000").stdout == shown  # the slug alone: its latest edition
    assert json.loads(archive_cmd(archive, "show", A2, "--json").stdout)["corrects"] == A1
    assert "corrects" not in json.loads(archive_cmd(archive, "show", A1, "--json").stdout)
    history = archive_cmd(archive, "history", "brief-0000").stdout.splitlines()
    assert len(history) == 2 and "(corrected by brief-0000@2)" in history[0]
    assert "(latest)" in history[1] and "corrects brief-0000@1: a name corrected" in history[1]
    as_json = json.loads(archive_cmd(archive, "history", "brief-0000", "--json").stdout)
    assert [(e["id"], e["corrected_by"], e["latest"]) for e in as_json] == [(A1, A2, False), (A2, None, True)]
    missing = archive_cmd(archive, "history", "nope")
    assert missing.returncode == 1 and "no edition of nope in the archive" in one_clean_error(missing)


def test_the_link_is_sealed_in_format_2_and_other_records_stay_in_format_1(archive):
    files = {p.name: json.loads(p.read_text()) for p in (archive / "records").iterdir()}
    assert [files[n]["format"] for n in sorted(files)] == [1, 2, 1]
    assert files["000002.json"]["record"]["corrects"] == A1
    assert "corrects" not in files["000001.json"]["record"]
    proc = archive_cmd(archive, "verify")
    assert proc.returncode == 0 and "3 sealed record(s), chain intact" in proc.stdout, proc.stdout


def test_a_correction_of_a_missing_other_or_corrected_edition_is_refused(archive):
    a3 = replace(editions(5)[4][0])  # brief-0002@1's files, filed under brief-0000
    a3.meta = replace(editions(1)[0][0].meta)
    arc = Archive(archive)
    for corrects, says in [
        ((None, 5), "brief-0000@5 does not exist: the archive holds editions 1–2 of brief-0000, so brief-0000@3 "
                    "cannot correct it"),
        (("brief-0001", 1), "--corrects brief-0001@1 names an edition of another brief; an edition of brief-0000 "
                            "corrects an edition of brief-0000"),
        ((None, 1), "brief-0000@1 is already corrected by brief-0000@2; a correction corrects the latest edition, "
                    "brief-0000@2 (a chain of corrections does not branch)"),
    ]:
        with pytest.raises(BriefError) as exc:
            arc.add(a3, note="again", corrects=corrects)
        assert str(exc.value) == says
    assert [e.id for e in arc.editions()] == [A1, A2, B1]  # nothing added
    assert arc.add(a3, note="again", corrects=(None, 2)).id == "brief-0000@3"
    with pytest.raises(BriefError, match="already archived as brief-0000@3, which corrects brief-0000@2"):
        arc.add(a3, corrects=(None, 1))  # the same files again, said to correct another


def test_the_edition_says_what_it_corrects_and_the_flags_must_agree(archive):
    arc = Archive(archive)
    b2 = editions(4)[3][0]  # brief-0001@2
    b2.correction = Correction(1, "2024-05", "a date corrected")
    b2.where = (Path("dist/brief-0001/brief-0001-archive.pdf#briefs/brief-0001/brief.md"), 17)
    for kwargs, says in [
        ({"corrects": (None, 2)}, "--corrects 2, but the edition says it corrects edition 1"),
        ({"note": "something else"}, "--note differs from the note the edition prints in its notice"),
    ]:
        with pytest.raises(BriefError) as exc:
            arc.add(b2, **kwargs)
        assert says in str(exc.value) and str(exc.value).startswith("dist/brief-0001/brief-0001-archive.pdf#briefs/"
                                                                    "brief-0001/brief.md:17: ")
    dated = replace(b2.correction, date="2024-04")
    b2.correction = dated
    with pytest.raises(BriefError, match="the edition's notice dates brief-0001@1 2024-04, but the archive dates "
                                         "it 2024-05"):
        arc.add(b2)
    b2.correction = replace(dated, date="2024-05")
    added = arc.add(b2)  # no flags: the link and the note come from the edition
    [ed] = arc.editions("brief-0001@2")
    assert (added.id, ed.corrects, ed.note) == ("brief-0001@2", B1, "a date corrected")


def test_a_first_edition_cannot_correct_anything(tmp_path):
    incoming = editions(1)[0][0]
    with pytest.raises(BriefError) as exc:
        Archive(tmp_path / "archive").add(incoming, note="n", corrects=(None, 1))
    assert str(exc.value) == ("brief-0000@1 does not exist: the archive holds no edition of brief-0000 yet (add "
                              "the edition it corrects first)")
    assert not (tmp_path / "archive" / "records").exists()


def test_an_edition_built_without_a_notice_can_still_be_recorded_as_a_correction(archive):
    added = Archive(archive).add(editions(4)[3][0], note="corrected later", corrects=(None, 1))
    assert Archive(archive).editions(added.id)[0].corrects == B1


# --- a hostile user --------------------------------------------------------------------------

@pytest.mark.parametrize("edit, says", [
    (("UPDATE corrections SET corrects = 3",), "the record does not match its seal (corrects differs from its "
                                                "record file: edited in the catalogue)"),
    (("DELETE FROM corrections",), "the record does not match its seal (corrects differs from its record file"),
    (("UPDATE editions SET note = 'nothing' WHERE id = 2",), "the record does not match its seal (note differs"),
], ids=["link-redirected", "link-deleted", "note-edited"])
def test_a_link_or_note_edited_in_the_catalogue_is_named(archive, edit, says):
    _without_triggers(archive, *edit)
    refused(archive, A2, says)


def test_a_link_deleted_with_the_catalogue_resealed_is_named_by_its_record_file(archive):
    _resealed(archive, "DELETE FROM corrections")  # seals and head file rewritten to match; record files not
    refused(archive, A2, "its seal in the catalogue differs from its record file records/000002.json (corrects "
                         "differs from its record file: resealed in the catalogue, or the file rewritten)")


def test_a_link_added_in_the_catalogue_is_named(archive):
    _sql(archive, "INSERT INTO corrections VALUES (3, 2)")  # brief-0001@1 "corrects" brief-0000@2
    refused(archive, B1, "the record does not match its seal (corrects differs from its record file")


def _edit_record(archive: Path, seq: int, change, rehash: bool, fmt: int | None = None) -> None:
    _chmod_tree(archive / "records", writable=True)
    path = writable(archive / "records" / f"{seq:06d}.json")
    data = json.loads(path.read_text())
    change(data["record"])
    if fmt is not None:
        data["format"] = fmt
    if rehash:
        data["hash"] = record_hash(data["seq"], data["prev"], data["record"], data["format"])
    path.write_text(json.dumps(data))


@pytest.mark.parametrize("change, rehash, fmt, says", [
    (lambda r: r.update(corrects=B1), False, None, "its record file records/000002.json was edited"),
    (lambda r: r.update(note="nothing"), False, None, "its record file records/000002.json was edited"),
    (lambda r: r.update(note="nothing"), True, None, "its seal in the catalogue differs from its record file "
                                                     "records/000002.json (note differs"),
    (lambda r: r.pop("corrects"), True, 2, "its record file records/000002.json is not a record file (seal format "
                                           "2 for a record without a correction link)"),
    (lambda r: r.pop("corrects"), True, 1, "its seal in the catalogue differs from its record file "
                                           "records/000002.json (corrects differs"),
], ids=["link-edited", "note-edited", "note-rehashed", "link-dropped-format-kept", "link-dropped-resealed"])
def test_a_link_or_note_edited_in_the_record_file_is_named(archive, change, rehash, fmt, says):
    _edit_record(archive, 2, change, rehash, fmt)
    refused(archive, A2, says)


def test_a_link_forged_with_the_whole_archive_resealed_is_still_named(archive):
    """Catalogue, seals, head file and record files rewritten alike with a link across briefs:
    the seals agree, the link itself does not hold."""
    from report.archive.catalogue import Catalogue

    _sql(archive, "INSERT INTO corrections VALUES (3, 2)")
    cat = Catalogue.open(archive)
    try:
        rows = cat.sealed()
    finally:
        cat.close()
    statements, prev, files = [], "0" * 64, {}
    for n, (ed, _) in enumerate(rows, 1):
        sealed = Sealed.of(n, prev, ed.to_dict())
        statements.append(f"UPDATE seals SET prev = '{prev}', hash = '{sealed.hash}' WHERE seq = {n}")
        files[n], prev = sealed.to_bytes(), sealed.hash
    _without_triggers(archive, *statements)
    _chmod_tree(archive / "records", writable=True)
    for n, data in files.items():
        (archive / "records" / f"{n:06d}.json").write_bytes(data)
    conn = sqlite3.connect(archive / "catalogue.sqlite")
    schema = conn.execute("PRAGMA schema_version").fetchone()[0]
    conn.close()
    head = {"committed": {"editions": len(rows), "head": prev, "last": rows[-1][0].id, "schema": schema}}
    writable(archive / "catalogue.head").write_text(json.dumps(head))
    refused(archive, B1, "corrects brief-0000@2, an edition of another brief")


def _sealed(*records) -> list[Sealed]:
    out, prev = [], "0" * 64
    for n, (brief, edition, corrects) in enumerate(records, 1):
        record = {"id": f"{brief}@{edition}", "brief_id": brief, "edition": edition,
                  **({"corrects": corrects} if corrects else {})}
        out.append(Sealed.of(n, prev, record))
        prev = out[-1].hash
    return out


def test_every_kind_of_impossible_link_is_named():
    assert links(_sealed(("a", 1, None), ("a", 2, "a@1"), ("a", 3, "a@2"))) == []
    assert links(_sealed(("a", 1, None), ("a", 2, "a@1"), ("a", 3, "a@1"))) == \
        ["a@3: corrects a@1, which a@2 already corrects (a chain of corrections does not branch)"]
    assert links(_sealed(("a", 1, None), ("b", 1, None), ("a", 2, "b@1"))) == \
        ["a@2: corrects b@1, an edition of another brief"]
    assert links(_sealed(("a", 2, "a@1"), ("a", 1, None))) == \
        ["a@2: corrects a@1, which the chain does not hold before it"]
    assert links(_sealed(("a", 2, None), ("a", 1, "a@2"))) == ["a@1: corrects a@2, which is not an earlier edition"]


# --- archives made before corrections were linked ------------------------------------------------

def test_an_archive_made_before_links_verifies_and_takes_a_correction(tmp_path):
    root = tmp_path / "archive"
    shutil.copytree(OLD_ARCHIVE, root)
    records = {p.name: p.read_bytes() for p in (root / "records").iterdir()}
    before = json.loads((root / "catalogue.head").read_text())["committed"]["head"]
    proc = archive_cmd(root, "verify", "--expect", before)
    assert proc.returncode == 0 and f"3 sealed record(s), chain intact; head {before}" in proc.stdout, proc.stdout
    assert "brief-a@2" in archive_cmd(root, "list").stdout
    old = Archive(root).editions("brief-a@2")[0]
    assert old.corrects is None and old.note == "a place renamed"  # a correction before links: its note alone

    incoming = editions(1)[0][0]
    incoming.meta = replace(incoming.meta, brief_id="brief-a")
    added = Archive(root).add(incoming, note="a figure corrected", corrects=(None, 2))
    assert added.id == "brief-a@3"
    proc = archive_cmd(root, "verify", "--expect", before)
    assert proc.returncode == 0 and "4 sealed record(s), chain intact" in proc.stdout and "(record 3)" in proc.stdout
    assert {n: (root / "records" / n).read_bytes() for n in records} == records  # the old records as they were
    conn = sqlite3.connect(root / "catalogue.sqlite")
    assert conn.execute("PRAGMA user_version").fetchone()[0] == 4
    conn.close()
    assert "corrects: brief-a@2 — a figure corrected" in archive_cmd(root, "show", "brief-a").stdout


# --- end to end: a correction built, archived and shown --------------------------------------------

def test_a_built_correction_is_archived_with_the_link_its_front_matter_gives(tmp_path):
    original, corrected = tmp_path / "dist-1", tmp_path / "dist-2"
    for brief, out in ((ROOT / "tests" / "briefs" / "arctic-notes", original), (CORRECTED, corrected)):
        proc = run_brief("build", brief, "--out", out, "-q")
        assert proc.returncode == 0, proc.stderr
    corrected_build = corrected / CORRECTED.name
    archive = tmp_path / "archive"
    assert archive_cmd(archive, "add", original / "arctic-notes").returncode == 0
    wrong = archive_cmd(archive, "add", corrected_build, "--corrects", "2")
    assert "--corrects 2, but the edition says it corrects edition 1" in one_clean_error(wrong)
    proc = archive_cmd(archive, "add", corrected_build)  # neither --corrects nor --note: the edition says both
    assert proc.returncode == 0 and "arctic-notes@2: added" in proc.stdout, proc.stdout + proc.stderr
    shown = archive_cmd(archive, "show", "arctic-notes").stdout
    assert shown.startswith("arctic-notes@2\n") and ("  corrects: arctic-notes@1 — The first edition dated the "
                                                     "survey 2022; it was published in 2023.\n") in shown
    assert archive_cmd(archive, "verify").returncode == 0
    bag = tmp_path / "bag"
    assert archive_cmd(archive, "export", "arctic-notes@2", "--bagit", bag).returncode == 0
    assert "Edition-Corrects: arctic-notes@1\n" in (bag / "bag-info.txt").read_text()
