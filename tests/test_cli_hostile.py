"""[robustness-3] Hostile use of the command line: out-of-range numbers, negative
coordinates, encrypted PDFs, projections that cannot see the map, user files in dist/,
a full disk under `brief new`, bad slugs, control characters and bugs. Every case ends in
the right exit code and one line, with no traceback and no Python exception name."""

from __future__ import annotations

import errno
import json
import os
import re

import pikepdf
import pytest

from conftest import ROOT
from report import scaffold
from report.cli import main
from report.errors import BriefError

KURILS = (ROOT / "tests" / "briefs" / "north-pacific" / "figures" / "kurils-ja.toml").read_text(encoding="utf-8")
#: a Python exception's name (ValueError, PasswordError, OverflowError, …), anywhere
EXCEPTION_NAME = re.compile(r"\b[A-Z]\w*(Error|Exception)\b")
#: what a terminal would obey: C0 controls but the line feed, DEL, C1, bidi overrides
RAW_CONTROL = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _run(capsys, *args) -> tuple[int, str, str]:
    """``brief ARGS`` in this process: (exit code, stdout, stderr); usage errors exit 2."""
    try:
        code = main([str(a) for a in args])
    except SystemExit as exc:  # argparse
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


def _clean(text: str) -> None:
    assert "Traceback" not in text and not EXCEPTION_NAME.search(text), text
    assert not RAW_CONTROL.search(text), repr(text)


def _one_error(err: str) -> str:
    _clean(err)
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    return lines[0]


def _usage_error(code: int, err: str) -> str:
    """argparse's usage, then one line naming what is wrong."""
    _clean(err)
    assert code == 2, err
    last = err.strip().splitlines()[-1]
    assert last.startswith("brief ") and ": error: " in last, err
    return last


# --- numbers and coordinates ----------------------------------------------------------------

@pytest.mark.parametrize("limit", ["-1", "0", "1e30", "99999999999999999999999", "many"])
def test_places_limit_out_of_range_is_a_usage_error(limit, capsys):
    code, out, err = _run(capsys, "places", "tbilisi", "--limit", limit)
    assert "--limit" in _usage_error(code, err) and out == ""


@pytest.mark.parametrize("form", [["--near", "-33.9,151.2"], ["--near=-33.9,151.2"]])
def test_places_near_a_southern_latitude(form, capsys):
    code, out, err = _run(capsys, "places", *form, "--limit", "3", "--json")
    assert code == 0, err
    places = json.loads(out)
    assert len(places) == 3
    assert all(abs(p["lat"] + 33.9) < 0.5 and abs(p["lon"] - 151.2) < 0.5 for p in places), places


def test_a_geonames_id_beyond_any_integer_is_an_unknown_place(brief_copy, tmp_path, capsys):
    _figure(brief_copy, KURILS.replace('place = "kunashir"', 'place = "geonames:99999999999999999999"'))
    code, _, err = _run(capsys, "build", brief_copy, "--out", tmp_path / "dist", "--variant", "screen", "-q")
    line = _one_error(err)
    assert code == 1 and "f.toml:" in line and "unknown place 'geonames:99999999999999999999'" in line, line


# --- brief check on encrypted files ---------------------------------------------------------

def _encrypted(path, user: str):
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(595, 842))
    pdf.save(path, encryption=pikepdf.Encryption(owner="owner", user=user, R=4))
    return path


def test_check_a_pdf_that_needs_a_password_is_one_line(tmp_path, capsys):
    path = _encrypted(tmp_path / "locked.pdf", user="secret")
    code, out, err = _run(capsys, "check", path, "--profile", "print")
    line = _one_error(err)
    assert code == 1 and out == "" and "locked.pdf" in line and "password" in line, line


def test_check_an_encrypted_pdf_that_opens_is_judged(tmp_path, capsys):
    path = _encrypted(tmp_path / "owner-only.pdf", user="")
    code, out, err = _run(capsys, "check", path, "--profile", "pdfx-1a")
    assert code == 1 and err == "", err
    _clean(out)
    assert "FAIL structure.encryption document file is encrypted (/Encrypt in trailer)" in out.splitlines(), out


def test_check_a_file_that_is_not_a_pdf_names_no_exception(tmp_path, capsys):
    path = tmp_path / "notes.pdf"
    path.write_text("not a PDF\n")
    code, out, _ = _run(capsys, "check", path, "--profile", "pdfx-1a")
    _clean(out)
    assert code == 1 and out.startswith("FAIL structure.open document cannot open as PDF: "), out


# --- a projection that cannot see the map ---------------------------------------------------

def _figure(brief, spec: str, fid: str = "f") -> None:
    (brief / "figures").mkdir(exist_ok=True)
    (brief / "figures" / f"{fid}.toml").write_text(spec, encoding="utf-8")
    path = brief / "brief.md"
    path.write_text(path.read_text(encoding="utf-8").replace(
        "## A first heading", f"![](figure:{fid})\n\n## A first heading", 1), encoding="utf-8")


@pytest.mark.parametrize("projection,words", [
    ("+proj=ortho +lat_0=-45 +lon_0=-34", "cannot show this map's area"),  # the far side of the globe
    ("+proj=ortho +lat_0=0 +lon_0=59", "cannot show this map's area"),  # the frame reaches past the rim
    ("+proj=garbage", "projection cannot be computed"),
])
def test_a_projection_that_cannot_draw_the_map_names_its_line(projection, words, brief_copy, tmp_path, capsys,
                                                             monkeypatch):
    monkeypatch.setenv("BRIEF_CACHE", str(tmp_path / "cache"))  # curated places only: no world index
    _figure(brief_copy, KURILS.replace('legend = "none"', f'legend = "none"\nprojection = "{projection}"'))
    spec = brief_copy / "figures" / "f.toml"
    line_no = next(i for i, ln in enumerate(spec.read_text().splitlines(), 1) if ln.startswith("projection"))
    code, _, err = _run(capsys, "build", brief_copy, "--out", tmp_path / "dist", "--variant", "screen", "-q")
    line = _one_error(err)
    assert code == 1 and f"f.toml:{line_no}: " in line and words in line, line
    assert not (tmp_path / "dist" / brief_copy.name).exists()


# --- dist/<slug>/ holds files of the user's ------------------------------------------------

def test_a_build_keeps_the_users_files_in_the_edition_folder(brief_copy, tmp_path, capsys):
    out = tmp_path / "dist"
    assert _run(capsys, "build", brief_copy, "--out", out, "--variant", "screen", "-q")[0] == 0
    folder = out / brief_copy.name
    mine = {".review.tmp": b"my review notes", "notes.txt": b"x", f".{brief_copy.name}.tmp": b"y"}
    for name, data in mine.items():
        (folder / name).write_bytes(data)
    legacy = folder / f".{brief_copy.name}-print.pdf.k2x_9q0a.tmp"  # what an older version left
    legacy.write_bytes(b"%PDF-")
    code, _, err = _run(capsys, "build", brief_copy, "--out", out, "--variant", "screen", "-q")
    assert code == 0, err
    assert {name: (folder / name).read_bytes() for name in mine} == mine
    assert not legacy.exists()


# --- brief new: whole or nothing, slugs -----------------------------------------------------

def _full_disk_after(monkeypatch, writes: int) -> None:
    """The disk fills up after ``writes`` files: the next fsync fails with ENOSPC."""
    real, done = os.fsync, []

    def fsync(fd):
        if len(done) >= writes:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        done.append(fd)
        return real(fd)

    monkeypatch.setattr(os, "fsync", fsync)


def test_new_brief_on_a_full_disk_writes_nothing(tmp_path, monkeypatch):
    _full_disk_after(monkeypatch, writes=1)  # brief.md is written, the map is not
    with pytest.raises(OSError) as failed:
        scaffold.new_brief("demo", tmp_path)
    assert failed.value.errno == errno.ENOSPC and failed.value.filename == str(tmp_path / "demo")
    assert list(tmp_path.iterdir()) == []  # no brief, no staging folder
    monkeypatch.undo()
    home = scaffold.new_brief("demo", tmp_path)  # the retry is not "already exists"
    assert sorted(p.relative_to(home).as_posix() for p in home.rglob("*") if p.is_file()) == [
        "brief.md", "figures/map.toml", "places.toml"]
    assert [p.name for p in tmp_path.iterdir()] == ["demo"]


def test_brief_new_on_a_full_disk_is_one_line_and_the_retry_works(tmp_path, monkeypatch, capsys):
    _full_disk_after(monkeypatch, writes=2)
    code, out, err = _run(capsys, "new", "demo", "--dir", tmp_path)
    line = _one_error(err)
    assert code == 1 and out == "" and line == f"error: {tmp_path / 'demo'}: no space left on the device; nothing was written"
    assert list(tmp_path.iterdir()) == []
    monkeypatch.undo()
    code, out, err = _run(capsys, "new", "demo", "--dir", tmp_path)
    assert code == 0 and (tmp_path / "demo" / "brief.md").is_file(), err


@pytest.mark.parametrize("slug", ["demo\n", "Demo", "_demo", "demo/../x", "de mo", "démo", ""])
def test_brief_new_refuses_what_is_not_a_slug_as_a_usage_error(slug, tmp_path, capsys):
    code, _, err = _run(capsys, "new", slug, "--dir", tmp_path)
    assert "is not a slug" in _usage_error(code, err)
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(BriefError, match="is not a slug"):  # the Python API holds the same rule
        scaffold.new_brief(slug, tmp_path)


# --- control characters reach the terminal as escapes --------------------------------------

@pytest.mark.parametrize("char,escape", [("\x1b", "\\x1b"), ("\x07", "\\x07"), ("\r", "\\x0d"), ("\t", "\\x09"),
                                         ("\x7f", "\\u007f"), ("\x9b", "\\u009b"), ("\u202e", "\\u202e"),
                                         ("\u2066", "\\u2066")])
def test_a_control_character_is_shown_escaped(char, escape):
    from report.terminal import shown

    assert shown(f"a{char}b") == f"a{escape}b"


def test_printable_text_of_any_script_is_shown_as_it_is():
    from report.terminal import shown

    text = "Kunashir / 国後島 / Кунашир — “quoted”, ‘א’ and e\u0301\n"
    assert shown(text) == text


def test_a_query_with_escape_sequences_is_shown_escaped(capsys):
    code, out, err = _run(capsys, "places", "\x1b[31mred\x07\u202eder")
    assert code == 1 and out == ""
    _clean(err)
    assert err == "no place matches '\\x1b[31mred\\x07\\u202eder'\n", err


def test_a_brief_title_with_escape_sequences_is_reported_escaped(brief_copy, tmp_path, capsys):
    path = brief_copy / "brief.md"
    path.write_text(path.read_text(encoding="utf-8").replace(
        'title = "Notes on a small brief"', 'title = "Notes\\u001b]0;pwned\\u0007 \\u202eon"'), encoding="utf-8")
    code, _, err = _run(capsys, "build", brief_copy, "--out", tmp_path / "dist", "--variant", "screen", "-q")
    line = _one_error(err)
    assert code == 1 and "brief.md:7:" in line and "\\x1b]0;pwned\\x07" in line.lower(), line


def test_places_json_stays_valid_with_bidi_and_control_characters(tmp_path, capsys):
    brief = tmp_path / "b"
    brief.mkdir()
    name = "Port\u202eevil\x1b[2J\x7f"
    (brief / "places.toml").write_text(
        f'[[place]]\nid = "port"\nkind = "port"\nnames = {{ en = {json.dumps(name)} }}\nlat = 1.0\nlon = 2.0\n'
        'sources = [{ title = "test source", consulted = "2026-11-27" }]\n', encoding="utf-8")
    code, out, err = _run(capsys, "places", "--brief", brief, "--json")
    assert code == 0, err
    _clean(out)
    assert {p["id"]: p for p in json.loads(out)}["port"]["names"]["en"] == name
    code, out, err = _run(capsys, "places", "port", "--brief", brief)
    _clean(out)
    assert "Port\\u202eevil\\x1b[2J\\u007f" in out, out


def test_an_archive_error_naming_a_hostile_folder_is_shown_escaped(tmp_path, capsys):
    code, _, err = _run(capsys, "archive", "add", tmp_path / "\x1b[2Jgone", "--archive", tmp_path / "archive")
    line = _one_error(err)
    assert code == 1 and f"{tmp_path}/\\x1b[2Jgone: " in line, line


# --- the last resort ------------------------------------------------------------------------

def test_an_unexpected_exception_is_one_line_asking_for_a_report(monkeypatch, capsys):
    import report.cli

    def bug(args):
        raise ZeroDivisionError("division by zero in \x1b[31m")

    monkeypatch.setattr(report.cli, "_places", bug)
    code, out, err = _run(capsys, "places", "tbilisi")
    line = _one_error(err)
    assert code == 1 and line == "error: internal error: division by zero in \\x1b[31m (please report)", line


# --- the page count printed is the file's ---------------------------------------------------

def test_saddle_stitch_reports_the_pages_written(tmp_path, capsys):
    out = tmp_path / "dist"
    code, stdout, err = _run(capsys, "build", ROOT / "tests" / "briefs" / "arctic-notes", "--out", out,
                             "--variant", "print", "--saddle-stitch", "-q")
    assert code == 0, err
    path = out / "arctic-notes" / "arctic-notes-print.pdf"
    with pikepdf.open(path) as pdf:
        pages = len(pdf.pages)
    assert pages % 4 == 0 and pages > 1  # the brief lays out on one page: padded to four
    assert stdout == f"{path}  {pages} pages  {path.stat().st_size:,} bytes\n"
