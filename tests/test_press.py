"""The print edition on press: fine work on few plates, black overprinting the tints beneath it.

The separations are Ghostscript's (``tiffsep``, overprint simulated as a RIP does), read
plate by plate; the test brief ``tests/briefs/danish-straits`` has small coloured type (water
names, headings, a link in a note), a chart value reversed out of its bar and a crowded map.
"""
from __future__ import annotations

import glob
import io
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pikepdf
import pytest
from pikepdf import Array, Dictionary, Name

from conftest import ROOT, run_brief
from report.pdfmech.content import Interpreter, Visitor, mul
from report.pdfmech.save import save
from report.style import load_style

BRIEF = ROOT / "tests" / "briefs" / "danish-straits"
TINTS = ("Cyan", "Magenta", "Yellow")


@pytest.fixture(scope="module")
def printed(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    proc = run_brief("build", BRIEF, "--variant", "print", "--out", out, "-q")
    assert proc.returncode == 0, proc.stderr
    return out / BRIEF.name / f"{BRIEF.name}-print.pdf"


def separations(pdf: bytes, folder: Path) -> dict[tuple[int, str], np.ndarray]:
    """(page, plate) -> ink per pixel (0..255) at 150 dpi, overprint honoured."""
    folder.mkdir(parents=True)
    (folder / "in.pdf").write_bytes(pdf)
    subprocess.run(["gs", "-q", "-dNOPAUSE", "-dBATCH", "-dSAFER", "-sDEVICE=tiffsep", "-r150",
                    "-dOverprint=/enable", f"-sOutputFile={folder}/p%d.tif", str(folder / "in.pdf")],
                   check=True, capture_output=True)
    from PIL import Image

    out = {}
    for f in glob.glob(str(folder / "p*(*).tif")):
        name = Path(f).name
        page, plate = int(name[1:name.index("(")]), name[name.index("(") + 1:name.index(")")]
        out[page, plate] = 255 - np.asarray(Image.open(f).convert("L"), dtype=np.int16)
    return out


class _Unblack(Visitor):
    """Everything in 100 % K painted in the colourant None instead: it inks no plate, and
    every glyph still advances as it did."""

    rewrites = True

    def __init__(self, pdf):
        tint = pdf.make_indirect(Dictionary(FunctionType=2, Domain=[0, 1], C0=[0, 0, 0, 0], C1=[0, 0, 0, 1], N=1))
        self.none = pdf.make_indirect(Array([Name.Separation, Name("/None"), Name.DeviceCMYK, tint]))

    def begin(self, frame):
        if frame.changes is not None and frame.resources is not None:
            if "/ColorSpace" not in frame.resources:
                frame.resources.ColorSpace = Dictionary()
            frame.resources.ColorSpace.CSNone = self.none

    def colour_op(self, st, frame, op, ops):
        if op in ("k", "K") and tuple(float(v) for v in ops) == (0, 0, 0, 1):
            return [([Name("/CSNone")], op.replace("k", "cs").replace("K", "CS")),
                    ([1], "sc" if op == "k" else "SC")]
        return None


def _without_black(data: bytes) -> bytes:
    with pikepdf.open(io.BytesIO(data)) as pdf:
        Interpreter(pdf, _Unblack(pdf)).walk_document()
        return save(pdf, version="1.4", object_streams=False)


def _knocking_out(data: bytes) -> bytes:
    """The same file with every overprint turned off: what it printed like before."""
    with pikepdf.open(io.BytesIO(data)) as pdf:
        for obj in pdf.objects:
            if isinstance(obj, Dictionary) and obj.get("/Type") == Name.ExtGState and "/OP" in obj:
                obj.OP, obj.op = False, False
        return save(pdf, version="1.4", object_streams=False)


def _tint_pixels_changed_by_black(data: bytes, folder: Path) -> tuple[int, int]:
    """(pixels of the C, M and Y plates that change when the black is taken away, pixels of
    the K plate that do)."""
    with_black, without = separations(data, folder / "with"), separations(_without_black(data), folder / "without")
    assert with_black.keys() == without.keys()
    tints = sum(int((with_black[k] != without[k]).sum()) for k in with_black if k[1] in TINTS)
    black = sum(int((with_black[k] != without[k]).sum()) for k in with_black if k[1] == "Black")
    return tints, black


@pytest.mark.skipif(shutil.which("gs") is None, reason="needs Ghostscript (gs) for the separations")
def test_black_type_and_lines_leave_the_tints_beneath_them_whole(printed, tmp_path):
    """Labels in 100 % K over the sea and land tints: the cyan, magenta and yellow plates are
    the same whether the black is printed or not, so no letter is a hole that must register;
    the same file with overprint off punches thousands of holes."""
    data = printed.read_bytes()
    tints, black = _tint_pixels_changed_by_black(data, tmp_path / "overprint")
    assert black > 20_000          # there is black type and line work to judge
    assert tints == 0
    holes, _ = _tint_pixels_changed_by_black(_knocking_out(data), tmp_path / "knockout")
    assert holes > 1_000


class _Type(Visitor):
    """Every text show: (size after the CTM, fill colour as last set by k)."""

    def __init__(self):
        self.shown: list[tuple[float, tuple]] = []

    def colour_op(self, st, frame, op, ops):
        if op == "k":
            st.mark = tuple(round(float(v), 4) for v in ops)

    def text(self, st, frame, op, ops):
        m = mul(st.tm, st.ctm)
        self.shown.append((abs(st.font_size) * float(np.hypot(m[2], m[3])), st.mark))


def test_small_type_is_on_one_or_two_plates_and_reversed_type_is_8_pt_or_more(printed):
    with pikepdf.open(printed) as pdf:
        v = _Type()
        Interpreter(pdf, v).walk_document()
    inked = [(size, sum(1 for c in colour if c > 0)) for size, colour in v.shown if colour is not None]
    assert any(plates == 1 and size < 8 and colour != (0, 0, 0, 1)   # water names, in one ink
               for (size, colour), (_, plates) in zip(v.shown, inked) if colour)
    assert all(plates <= 2 for size, plates in inked if size < 12)
    assert all(plates <= 1 for size, plates in inked if size < 8)
    white = [size for size, colour in v.shown if colour == (0, 0, 0, 0)]
    assert white and min(white) >= 8   # the chart's value inside its longest bar, enlarged


def test_a_palette_colour_on_three_plates_for_small_map_type_is_a_build_error(tmp_path):
    """A designer's water-label colour on three plates: the print edition is not written and
    the error names the map, its spec, the label's text and its inks."""
    styles = tmp_path / "styles"
    shutil.copytree(ROOT / "styles", styles)
    house = styles / "house.toml"
    text = house.read_text(encoding="utf-8")
    house.write_text(text.replace('water_label = { cmyk = [100, 0, 0, 0], rgb = "#006c96" }',
                                  'water_label = { cmyk = [70, 25, 0, 20], rgb = "#3b719b" }'), encoding="utf-8")
    brief = tmp_path / BRIEF.name
    shutil.copytree(BRIEF, brief)
    proc = run_brief("build", brief, "--variant", "print", "--styles", styles, "--out", tmp_path / "dist")
    assert proc.returncode == 1
    line = proc.stderr.strip().splitlines()[-1]
    assert line.startswith(f"error: {brief / 'figures' / 'straits.toml'}"), line
    assert "map 'straits' fails the print preflight: colour.registration" in line
    assert "pt text in C70 M25 K20 on 3 plates (at most 1 for type under 8 pt)" in line
    assert not (tmp_path / "dist" / BRIEF.name / f"{BRIEF.name}-print.pdf").exists()


def _luminance(hex_colour: str) -> float:
    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def test_water_names_in_one_ink_still_read_on_screen():
    """Water names print in cyan alone; their screen twin keeps WCAG's 4.5:1 on the sea."""
    style = load_style("house")
    label, sea = style.colour("water_label"), style.colour("water")
    assert [v for v in label.cmyk if v] == [100]
    lighter, darker = sorted((_luminance(label.hex), _luminance(sea.hex)), reverse=True)
    assert (lighter + 0.05) / (darker + 0.05) >= 4.5
