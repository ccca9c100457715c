"""Agreement of the standards-only profiles with the veraPDF corpus (PDF/A-2b and
PDF/A-3b): every file judged by the whole profile, as ``brief check --profile pdfa-2b``
judges it; ``*-pass-*`` files pass, ``*-fail-*`` files fail, for >= 99 % of them."""
from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "verapdf-corpus"

_spec = importlib.util.spec_from_file_location("verapdf_agreement", ROOT / "bench" / "verapdf_agreement.py")
bench = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench)


@pytest.fixture(scope="module")
def report():
    if not (CORPUS / "PDF_A-2b").is_dir():
        pytest.skip(f"veraPDF corpus not found at {CORPUS}")
    return bench.evaluate(CORPUS)


def test_whole_profile_agreement_on_the_whole_corpus(report):
    files, agree = bench.totals(report)
    assert files >= 990, f"only {files} corpus files found"
    detail = "; ".join(f"{n} expected {e}" for part in report.values() for c in part.values()
                       for n, e, _ in c["disagreements"])
    assert agree / files >= 0.99, f"{agree}/{files} agree; {detail}"


def test_both_parts_are_judged(report):
    assert set(report) == {"PDF_A-2b", "PDF_A-3b"}
    assert all(sum(c["files"] for c in part.values()) > 0 for part in report.values())


def test_cli_exit_codes_follow_the_corpus():
    """`brief check --profile pdfa-2b` exits 0 on a pass file and 1 on a fail file."""
    part = CORPUS / "PDF_A-2b"
    if not part.is_dir():
        pytest.skip("corpus absent")
    files = bench.corpus_files(part)
    passing = next(f for f in files if "-pass-" in f.name)
    failing = next(f for f in files if "-fail-" in f.name)
    for f, want in ((passing, 0), (failing, 1)):
        r = subprocess.run([sys.executable, "-m", "report.cli", "check", str(f), "--profile", "pdfa-2b"],
                           capture_output=True, text=True, cwd=ROOT)
        assert r.returncode == want, (f.name, r.stdout[-500:], r.stderr[-500:])
