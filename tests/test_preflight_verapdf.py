"""Agreement of the archive rules with the veraPDF PDF/A-2b corpus: for each
clause the archive profile claims, ``*-pass-*`` files pass that clause's
rules and ``*-fail-*`` files fail one of them, on >= 98 % of the files."""
from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "verapdf-corpus" / "PDF_A-2b"

_spec = importlib.util.spec_from_file_location("verapdf_agreement", ROOT / "bench" / "verapdf_agreement.py")
bench = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench)


@pytest.fixture(scope="module")
def report():
    if not CORPUS.is_dir():
        pytest.skip(f"veraPDF corpus not found at {CORPUS}")
    return bench.evaluate(CORPUS)


@pytest.mark.parametrize("clause", sorted(bench.SECTIONS))
def test_section_agreement(report, clause):
    r = report[clause]
    assert r["files"] > 0, f"no corpus files for {clause}"
    detail = "; ".join(f"{n} expected {e}: " + " | ".join(x.message for x in res[:2])
                       for n, e, res in r["disagreements"])
    assert r["pct"] >= 98.0, f"{clause}: {r['agree']}/{r['files']} agree; {detail}"


def test_judged_rules_are_archive_rules():
    from report.preflight import PROFILES
    for clause, (_, rules) in bench.SECTIONS.items():
        assert set(rules) <= set(PROFILES["archive"]), clause


def test_every_corpus_file_checks_without_crashing():
    """Malformed files give rule failures, never tracebacks."""
    if not CORPUS.is_dir():
        pytest.skip("corpus absent")
    from report.preflight import check
    for p in sorted(CORPUS.rglob("*.pdf")):
        for r in check(str(p), "archive"):
            assert "could not check" not in r.message or r.rule == "intent.pdfa", (p.name, r)
