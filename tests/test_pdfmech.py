"""The PDF mechanics (report/pdfmech): PDF only, and one walk that stays fast on maps."""
from __future__ import annotations

import json
import subprocess
import sys

import pikepdf
from pikepdf import Dictionary, Name

from conftest import ROOT
from report.pdfmech.content import Interpreter, Visitor


def test_the_pdf_mechanics_load_nothing_of_the_project_and_no_library_but_pikepdf():
    probe = ("import json, sys; import pikepdf; before = set(sys.modules); "
             "import report.pdfmech.content, report.pdfmech.objects, report.pdfmech.save; "
             "print(json.dumps(sorted(m for m in set(sys.modules) - before "
             "if m.split('.')[0] not in sys.stdlib_module_names)))")
    out = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True)
    assert json.loads(out.stdout) == ["report", "report.pdfmech", "report.pdfmech.content", "report.pdfmech.objects",
                                "report.pdfmech.save"]


class _Paints(Visitor):
    def __init__(self):
        self.paints = []

    def paint(self, st, frame, fill, stroke, what):
        self.paints.append((frame.trail, st.ctm[:4]))


def test_a_form_drawn_again_in_the_same_state_is_walked_once_and_in_another_state_again():
    """A figure used on many pages is interpreted once per state (the CTM's scale, not its
    position), so a map's paths are not walked for every use."""
    pdf = pikepdf.new()
    form = pdf.make_stream(b"0 0 5 5 re f", Type=Name.XObject, Subtype=Name.Form, BBox=[0, 0, 10, 10])
    draws = b"".join(b"q 1 0 0 1 %d 0 cm /Fm Do Q " % (10 * i) for i in range(20))
    for content in (draws, draws + b"q 2 0 0 2 0 0 cm /Fm Do Q"):
        page = pdf.add_blank_page()
        page.obj.Resources.XObject = Dictionary(Fm=form)
        page.obj.Contents = pdf.make_stream(content)
    seen = _Paints()
    Interpreter(pdf, seen, errors=[]).walk_document()
    assert seen.paints == [("page 1 → form /Fm", (1, 0, 0, 1)), ("page 2 → form /Fm", (2, 0, 0, 2))]
