"""The shims of ReportLab and matplotlib internals (report/shims/reportlab.py,
geodata/shims/matplotlib.py): installed by one call where they are needed, never on import,
once however often they are called, and a library version they were not written for is
one warning line naming the shim, not a failed build."""
from __future__ import annotations

import json
import subprocess
import sys

from conftest import ROOT, SAMPLE

PATCHED = """
import json
from reportlab.pdfbase import ttfonts
from reportlab.platypus import paragraph
from matplotlib.backends.backend_pdf import RendererPdf

def targets():
    return [paragraph.shapeFragWord, ttfonts.makeToUnicodeCMap, ttfonts.TTFont._TTFont__addPrivate,
            ttfonts.TTFont.addObjects, ttfonts.SUBSETN, RendererPdf.draw_text]

import report.cli, report.pipeline, report.layout, report.fonts, geodata.labels, geodata.maps, geodata.look
before = targets()
from report.shims import reportlab as rl
from geodata.shims import matplotlib as mpl
rl.install(); mpl.install()
once = targets()
rl.install(); mpl.install()
twice = targets()
print(json.dumps({"import": [a is b for a, b in zip(before, once)], "again": [a is b for a, b in zip(once, twice)],
                  "wraps_original": ttfonts.TTFont._TTFont__addPrivate.__wrapped__ is before[2]}))
"""


def _python(code: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code, *args], cwd=ROOT, capture_output=True, text=True)


def test_importing_patches_nothing_and_a_second_install_changes_nothing():
    proc = _python(PATCHED)
    assert proc.returncode == 0, proc.stderr
    seen = json.loads(proc.stdout)
    assert seen["import"] == [False] * 6  # importing the engine left every target as ReportLab/matplotlib made it
    assert seen["again"] == [True] * 6
    assert seen["wraps_original"]


OTHER_REPORTLAB = """
import sys
import reportlab
reportlab.Version = "5.2.0"
from report.cli import main
sys.exit(main(["build", sys.argv[1], "--out", sys.argv[2], "--variant", "screen", "-q"]))
"""


def test_another_reportlab_version_is_one_warning_line_and_the_build_goes_on(tmp_path):
    proc = _python(OTHER_REPORTLAB, str(SAMPLE), str(tmp_path))
    assert proc.returncode == 0, proc.stderr
    warnings = [line for line in proc.stderr.splitlines() if line.startswith("warning:")]
    assert warnings == ["warning: report.shims.reportlab: written for ReportLab 5.1, this is ReportLab 5.2.0; "
                        "check that its fixes still hold (tests/test_shaping_widths.py, tests/test_accessibility.py, "
                        "tests/test_composition.py)"]
    assert (tmp_path / SAMPLE.name / f"{SAMPLE.name}-screen.pdf").is_file()


OTHER_MATPLOTLIB = """
import sys
import matplotlib
matplotlib.__version__ = sys.argv[1]
from geodata.shims import matplotlib as shim
shim.install()
shim.install()
"""


def test_another_matplotlib_version_is_one_warning_line_and_a_patch_release_none():
    proc = _python(OTHER_MATPLOTLIB, "4.0.1")
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.splitlines() == ["warning: geodata.shims.matplotlib: written for matplotlib 3.11, this is "
                                        "matplotlib 4.0.1; check that its fixes still hold (tests/test_maps.py)"]
    proc = _python(OTHER_MATPLOTLIB, "3.11.9")
    assert proc.returncode == 0 and proc.stderr == "", proc.stderr
