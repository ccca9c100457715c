"""Figures cost per figure, not per use: one form per figure in a document, its print copy
and its preflight findings made once per figure key, one render per key even for builds
that run at once; editions finished in parallel are the same bytes as one by one."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pikepdf
import pytest

from conftest import ROOT, SAMPLE

SLUG = SAMPLE.name


def doubled(tmp_path) -> Path:
    """The sample with its body twice: every figure is used twice."""
    dst = tmp_path / "briefs" / SLUG
    shutil.copytree(SAMPLE, dst)
    text = (dst / "brief.md").read_text()
    _, front, body = text.split("+++", 2)
    (dst / "brief.md").write_text("+++" + front + "+++" + body + body)
    return dst


def figure_forms(path: Path) -> dict[str, set]:
    """{resource name: {objgen}} of the /Fig* forms the pages draw."""
    out: dict[str, set] = {}
    with pikepdf.open(path) as pdf:
        for page in pdf.pages:
            for name, xo in page.obj.Resources.get("/XObject", {}).items():
                if name.startswith("/Fig"):
                    out.setdefault(name, set()).add(xo.objgen)
    return out


@pytest.fixture(scope="module")
def twice(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("twice")
    brief = doubled(tmp)
    env = {**os.environ, "BRIEF_CACHE": str(tmp / "cache")}
    proc = subprocess.run([sys.executable, "-m", "report.cli", "build", brief, "--out", tmp / "dist", "-q"],
                          cwd=ROOT, env=env, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    return tmp, brief, env


@pytest.mark.parametrize("variant", ["print", "screen", "archive"])
def test_a_figure_used_twice_is_one_form_in_the_document(twice, variant):
    tmp, _, _ = twice
    forms = figure_forms(tmp / "dist" / SLUG / f"{SLUG}-{variant}.pdf")
    assert len(forms) == 5
    assert all(len(ids) == 1 for ids in forms.values()), forms


def test_a_warm_build_neither_converts_nor_checks_an_unchanged_figure(twice, monkeypatch):
    """Second build: no figure is checked on its own again, and the CMYK converter reads the
    pages' own content streams only."""
    tmp, brief, env = twice
    monkeypatch.setenv("BRIEF_CACHE", env["BRIEF_CACHE"])
    from report import pipeline, preflight
    from report.pdf import cmyk

    checked, converted = [], []
    real_check_form = preflight.check_form
    monkeypatch.setattr(preflight, "check_form", lambda *a, **k: checked.append(a) or real_check_form(*a, **k))
    real_begin = cmyk._Converter.begin

    def begin(self, frame):
        converted.append(frame.trail)
        return real_begin(self, frame)

    monkeypatch.setattr(cmyk._Converter, "begin", begin)
    built = pipeline.build(brief, tmp / "warm", ["print"])
    assert checked == []
    assert converted and all(re.fullmatch(r"page \d+", w) for w in converted), converted
    assert len(converted) == built[0].pages


def test_a_trusted_figure_changed_in_the_document_is_walked_again(twice):
    """Trust is by the form's content: an edited copy of a checked figure is checked."""
    tmp, _, env = twice
    from report.preflight import check
    from report.pdfmech.content import form_digest

    path = tmp / "dist" / SLUG / f"{SLUG}-print.pdf"
    with pikepdf.open(path) as pdf:
        trusted = {form_digest(xo) for p in pdf.pages for n, xo in p.obj.Resources.XObject.items()
                   if n.startswith("/Fig")}
        assert all(r.ok for r in check(pdf, "print", trusted=frozenset(trusted)))
        form = next(xo for p in pdf.pages for n, xo in p.obj.Resources.XObject.items() if n.startswith("/Fig"))
        form.write(form.read_bytes() + b"\nq 1 0 0 rg 0 0 5 5 re f Q\n")
        bad = [r for r in check(pdf, "print", trusted=frozenset(trusted)) if not r.ok]
    assert {r.rule for r in bad} == {"colour.pdfx"}


def test_editions_in_parallel_are_the_bytes_of_editions_one_by_one(twice, tmp_path):
    tmp, brief, env = twice
    for variant in ("print", "screen", "archive"):
        subprocess.run([sys.executable, "-m", "report.cli", "build", brief, "--out", tmp_path, "-q",
                        "--variant", variant], cwd=ROOT, env=env, check=True)
        one = (tmp_path / SLUG / f"{SLUG}-{variant}.pdf").read_bytes()
        assert one == (tmp / "dist" / SLUG / f"{SLUG}-{variant}.pdf").read_bytes(), variant


def test_builds_started_together_render_each_figure_once(tmp_path):
    env = {**os.environ, "BRIEF_CACHE": str(tmp_path / "cache")}
    procs = [subprocess.Popen([sys.executable, "-m", "report.cli", "build", SAMPLE, "--out", tmp_path / f"d{i}",
                               "--variant", "screen"], cwd=ROOT, env=env, stderr=subprocess.PIPE, text=True)
             for i in range(2)]
    logs = [p.communicate()[1] for p in procs]
    assert all(p.returncode == 0 for p in procs), logs
    rendered = [line for log in logs for line in log.splitlines() if line.endswith(": rendered")]
    waited = [line for log in logs for line in log.splitlines() if line.endswith("rendered by another build")]
    assert len(rendered) == 5, logs
    assert len(rendered) + len(waited) == 10


def test_the_cli_parser_imports_neither_reportlab_nor_pikepdf():
    code = ("import sys, report.cli as c; c._parser(); from report.preflight import STANDARDS; "
            "print(tuple(STANDARDS) == c.STANDARDS)")
    probe = ("import sys, report.cli as c; c._parser(); "
             "print(sorted(m for m in ('reportlab', 'pikepdf', 'page') if m in sys.modules))")
    assert subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True,
                          text=True).stdout.strip() == "[]"
    assert subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True).stdout.strip() == "True"


def test_a_build_after_the_validator_ran_in_the_process_does_not_hang(tmp_path, twice):
    """The validator's native threads are not copied by fork: a process that has run it
    (a watch, an archive rebuild) finishes its next editions one by one, and completes."""
    tmp, brief, env = twice
    archive = tmp / "dist" / SLUG / f"{SLUG}-archive.pdf"
    code = ("import page, sys; from pathlib import Path; from report.pipeline import build; "
            "page.validate_pdf_bytes(Path(sys.argv[1]).read_bytes(), profile='3b'); "
            "print(len(build(Path(sys.argv[2]), Path(sys.argv[3]), ['print', 'screen', 'archive'])))")
    proc = subprocess.run([sys.executable, "-c", code, str(archive), str(brief), str(tmp_path)], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0 and proc.stdout.strip() == "3", proc.stderr[-800:]
