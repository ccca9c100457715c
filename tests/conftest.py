"""Shared helpers: build a brief through the real CLI and read what a reader would see."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "briefs" / "japan-russia-2018"
SHARED = ROOT.parent / "shared"
SEED = SHARED / "seed" / "000_46facb7d03802295.txt"


def run_brief(*args: str, cwd: Path = ROOT, env: dict | None = None) -> subprocess.CompletedProcess:
    """Run the ``brief`` CLI in a subprocess, as a user would: as the ``brief`` script runs it, with
    no folder of ``cwd`` on the import path (``-P``), so that a folder of extracted sources with a
    ``geodata/`` in it does not stand in for the installed package."""
    return subprocess.run([sys.executable, "-P", "-m", "report.cli", *map(str, args)], cwd=cwd,
                          capture_output=True, text=True, env=env)


def pdf_text(path: Path) -> str:
    """The PDF's text in reading order, NFKC-normalised (ligatures → letters)."""
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(str(path))
    try:
        pages = [doc[i].get_textpage().get_text_range() for i in range(len(doc))]
    finally:
        doc.close()
    return unicodedata.normalize("NFKC", "\n".join(pages))


def pdf_words(path: Path, vocabulary: set[str] | None = None) -> list[str]:
    """Words of the PDF, with hyphenation at line ends undone.

    A word broken at a line end ("terri-" + "torial") is joined; if it was broken at a
    hard hyphen ("political-" + "military") the hyphen is kept, decided by ``vocabulary``.
    """
    # pdfium reports a hyphen it recognises as a line-end break as U+FFFE (or U+0002),
    # followed by no line break; a hard hyphen at a line end stays "-" + line break.
    text = re.sub("[\ufffe\x02]", "-\n", pdf_text(path))
    lines = [ln.split() for ln in re.split(r"\r?\n", text)]
    words: list[str] = []
    carry = ""
    for line in lines:
        for i, w in enumerate(line):
            if carry:
                joined_soft, joined_hard = carry[:-1] + w, carry + w
                if vocabulary is not None and _norm(joined_hard) in vocabulary and _norm(joined_soft) not in vocabulary:
                    w = joined_hard
                else:
                    w = joined_soft
                carry = ""
            if i == len(line) - 1 and w.endswith("-") and len(w) > 1:
                carry = w
            else:
                words.append(w)
    if carry:
        words.append(carry)
    return words


def _norm(word: str) -> str:
    return unicodedata.normalize("NFKC", word).strip("\"'‘’“”()[].,;:!?").casefold()


def seed_words() -> list[str]:
    text = SEED.read_text(encoding="utf-8").replace("\\$", "$").replace("*", "")
    return text.split()


def is_subsequence(needles: list[str], haystack: list[str]) -> tuple[bool, int]:
    """Whether needles occur in haystack in order; and how many matched before failing."""
    it = iter(haystack)
    for n, word in enumerate(needles):
        for candidate in it:
            if _norm(candidate) == _norm(word):
                break
        else:
            return False, n
    return True, len(needles)


def built(tmp_path_factory, brief: Path, name: str) -> Path:
    """``brief`` built (all editions) into a fresh temporary folder; its edition folder."""
    out = tmp_path_factory.mktemp(name)
    proc = run_brief("build", brief, "--out", out, "-q")
    assert proc.returncode == 0, proc.stderr
    return out / brief.name


@pytest.fixture(scope="session")
def sample_build(tmp_path_factory) -> Path:
    """The sample brief built once per test session (all editions)."""
    return built(tmp_path_factory, SAMPLE, "dist")


@pytest.fixture
def brief_copy(tmp_path) -> Path:
    """A writable copy of the small test brief."""
    dst = tmp_path / "arctic-notes"
    shutil.copytree(ROOT / "tests" / "briefs" / "arctic-notes", dst)
    return dst


needs_seed = pytest.mark.skipif(not SEED.is_file(), reason="../shared/seed is absent")
