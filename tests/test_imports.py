"""Imports point one way: `lint-imports` (import-linter) keeps every contract of pyproject.toml
([tool.importlinter]: the layers of report, geodata never importing report, no import cycle),
with no exception listed, and a warm one-shot build imports only what it runs."""
from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from conftest import ROOT, SAMPLE

CONTRACTS = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["importlinter"]["contracts"]


@pytest.mark.parametrize("contract", CONTRACTS, ids=lambda c: c["id"])
def test_the_contract_is_kept(contract):
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
    proc = subprocess.run([str(Path(sys.executable).with_name("lint-imports")), "--no-cache", "--contract",
                           contract["id"]], cwd=ROOT, env=env, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout[proc.stdout.find("Broken contracts"):] + proc.stderr


def test_no_contract_lists_an_exception():
    """An import against a contract is fixed by moving code, never by listing it."""
    assert [c["id"] for c in CONTRACTS if "ignore_imports" in c] == []
    layers = next(c for c in CONTRACTS if c["type"] == "layers")
    assert layers.get("exhaustive") is True  # a new module of report must be given its layer


# What a warm build of all three editions runs, in the process the user started (the editions
# are finished in forked workers, which import the validator and font parsing for themselves).
WARM_BUILD = """
import sys
from report.cli import main
if main(["build", sys.argv[1], "--out", sys.argv[2], "-q"]) != 0:
    sys.exit(1)
print(" ".join(sorted(m for m in sys.modules if m.split(".")[0] in ("report", "geodata", "matplotlib", "geopandas",
                                                                       "pyproj", "shapely", "page", "fontTools"))))
"""


def test_a_warm_build_imports_only_what_it_runs(tmp_path):
    assert subprocess.run([sys.executable, "-m", "report.cli", "build", str(SAMPLE), "--out", str(tmp_path), "-q"],
                          cwd=ROOT, capture_output=True).returncode == 0  # the figures are in the cache now
    proc = subprocess.run([sys.executable, "-c", WARM_BUILD, str(SAMPLE), str(tmp_path)], cwd=ROOT,
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    imported = set(proc.stdout.splitlines()[-1].split())  # after the lines naming the editions written
    assert {"report.pipeline", "report.layout"} <= imported  # the probe sees the build's modules
    never = {m for m in imported if m.split(".")[0] in ("matplotlib", "geopandas", "pyproj", "shapely", "page",
                                                        "fontTools")}
    never |= imported & {"report.archive.catalogue", "report.archive.core", "report.archive.edition",
                         "report.scaffold", "report.watch", "geodata.maps", "geodata.labels", "geodata.base"}
    assert never == set()
