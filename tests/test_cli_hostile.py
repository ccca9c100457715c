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
