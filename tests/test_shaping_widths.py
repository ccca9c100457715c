"""Shaped text keeps the widths its fonts have.

A glyph that only shaping reaches (the "ft" ligature of "after") used to get, as its
``/Widths`` entry, its advance *with the kerning of the spot where it first appeared*:
"## What to watch after 2026" made the screen and archive editions fail PDF/UA-1
(PDFUA1-FONT-GLYPH-WIDTH-001). The word list (tests/fontwords.py) is read from each house
face's own GSUB and GPOS tables with fontTools: every ligature, in every kerning context
the face defines, and one word per kerning class pair.
"""
from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pikepdf
import pytest
from fontTools.ttLib import TTFont

from conftest import ROOT, SAMPLE, run_brief
from fontwords import face_words

from report.style import load_style

FACES = load_style("house").font_files()


def _typeset(face: Path | str, words: list[str]) -> bytes:
    """The words set in one face by ReportLab (with the project's font set-up), as a PDF."""
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import Paragraph, SimpleDocTemplate
    from xml.sax.saxutils import escape

    from report.fonts import face as register

    out = io.BytesIO()
    name = face if isinstance(face, str) else register(face)
    style = ParagraphStyle("t", fontName=name, fontSize=9, leading=11, shaping=1)  # as the layout sets it
    doc = SimpleDocTemplate(out, pageCompression=1, invariant=1)
    doc.build([Paragraph(escape(" ".join(words[i:i + 400])), style) for i in range(0, len(words), 400)])
    return out.getvalue()


def _width_mismatches(data: bytes) -> list[str]:
    """Every /Widths entry of the file's TrueType fonts that differs from the advance of
    the glyph the embedded font program draws for that code (read with fontTools)."""
    bad = []
    with pikepdf.open(io.BytesIO(data)) as pdf:
        for obj in pdf.objects:
            if not isinstance(obj, pikepdf.Dictionary) or obj.get("/Subtype") != pikepdf.Name.TrueType:
                continue
            program = TTFont(io.BytesIO(obj.FontDescriptor.FontFile2.read_bytes()))
            scale = 1000 / program["head"].unitsPerEm
            cmap = {}
            for table in program["cmap"].tables:
                for code, glyph in table.cmap.items():
                    cmap.setdefault(code & 0xFF, glyph)
            first = int(obj.FirstChar)
            for i, width in enumerate(obj.Widths):
                glyph = cmap.get(first + i)
                if glyph is None:
                    continue
                true = program["hmtx"][glyph][0] * scale
                if abs(float(width) - true) > 0.5:
                    bad.append(f"{obj.BaseFont} code {first + i} ({glyph}): /Widths {float(width)}, font {true}")
    return bad


@pytest.mark.parametrize("face", FACES, ids=lambda p: p.stem)
def test_every_ligature_and_kerning_pair_keeps_the_fonts_widths(face):
    words, ligatures = face_words(face)
    assert ligatures and len(words) > 500, "the face defines ligatures and kerning"
    data = _typeset(face, words)
    assert _width_mismatches(data) == []


def test_the_width_check_catches_a_kerned_ligature_width(tmp_path):
    """The check above fails on the old behaviour (the ligature's width taken from its
    kerned advance). In a fresh interpreter: ReportLab shares a face's cmap between fonts
    of the same data, so a glyph registered by an earlier test would hide it."""
    script = f"""
import sys
sys.path.insert(0, {str(Path(__file__).parent)!r})
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from report.shims import reportlab as shim
shim.install()
TTFont._TTFont__addPrivate = TTFont._TTFont__addPrivate.__wrapped__   # undo the fix
from test_shaping_widths import _typeset
pdfmetrics.registerFont(TTFont("unfixed", {str(next(f for f in FACES if f.stem == "SourceSansPro-Bold"))!r}))
sys.stdout.buffer.write(_typeset("unfixed", ["after", "often", "shifts", "gift."]))
"""
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr.decode()
    assert _width_mismatches(proc.stdout), "the check sees the kerned width"


LIGATURE_WORDS = "after often shifts gift. offer affix afft. oft, left: soft; fifty fjord ﬁle staff’s"


def test_a_heading_caption_and_every_text_role_with_ligatures_builds(tmp_path):
    """Ligatures and their kerning in every text role of the house style: front matter,
    heading, body, pull quote, list, note, caption, chart title, group name and credit. The
    screen and archive editions pass the independent validator (PDF/UA-1, PDF/A-3b)."""
    home = tmp_path / "ligatures"
    (home / "figures").mkdir(parents=True)
    w = LIGATURE_WORDS
    (home / "brief.md").write_text(f'''+++
series = "Test {w}"
date = "2024-05-01"
language = "en-GB"
kicker = "Kicker {w}"
title = "Title {w}"
standfirst = "Standfirst {w}"
keywords = ["after"]
publisher = "Test Institute"
rights = "© 2024 Test Institute"
style = "house"

[[authors]]
name = "Ada Afterfield"
role = "Research Fellow, {w}"
+++

Body text {w}, with *emphasis {w}* and **strong {w}**.[^1]

## What to watch after 2026: {w}

> Pull quote {w}.

- list item {w}

![](figure:chart)

[^1]: A note {w}.
''', encoding="utf-8")
    (home / "figures" / "chart.toml").write_text(f'''kind = "chart"
title = "Chart title {w}"
size = "column"
height = 40
caption = "Caption {w}"
source = "Credit {w}"
scale = "linear"
axis_label = "Units after {w}"

[[group]]
name = "Group {w}"
source = "Source {w}"

[[group.bar]]
label = "Left after"
value = 10

[[group.bar]]
label = "Right often"
value = 20
''', encoding="utf-8")
    proc = run_brief("build", home, "--out", tmp_path / "out", "--variant", "all", "-q")
    assert proc.returncode == 0, proc.stderr
    for variant in ("print", "screen", "archive"):
        assert _width_mismatches((tmp_path / "out" / "ligatures" / f"ligatures-{variant}.pdf").read_bytes()) == []


def test_a_validator_finding_names_the_source_line_and_words(tmp_path):
    """A finding of the independent validator that points at an object is reported with
    the file and line of the text drawn with it, and the words."""
    from report.pipeline import _blame, load
    from report.preflight import check

    out = tmp_path / "out"
    home = tmp_path / "b"
    import shutil
    shutil.copytree(SAMPLE, home)
    text = (home / "brief.md").read_text(encoding="utf-8")
    (home / "brief.md").write_text(text.replace("![](figure:yamal)", "## What to watch after 2026\n\n![](figure:yamal)", 1),
                                   encoding="utf-8")
    heading_line = next(n for n, line in enumerate((home / "brief.md").read_text().splitlines(), 1)
                        if line.startswith("## What to watch"))
    assert run_brief("build", home, "--out", out, "--variant", "screen", "-q").returncode == 0
    data = (out / "b" / "b-screen.pdf").read_bytes()
    # break the bold sans font's width for the "ft" ligature, as the old code did
    with pikepdf.open(io.BytesIO(data)) as pdf:
        font, code = next((o, code) for o in pdf.objects if isinstance(o, pikepdf.Dictionary)
                          and str(o.get("/BaseFont", "")).endswith("SourceSansPro-Bold")
                          for code in _codes_of(o, "ft"))
        widths = list(font.Widths)
        widths[code - int(font.FirstChar)] = int(widths[code - int(font.FirstChar)]) - 18
        font.Widths = pikepdf.Array(widths)
        buf = io.BytesIO()
        pdf.save(buf)
    broken = buf.getvalue()
    failures = [r for r in check(broken, profile="pdfua-1") if not r.ok]
    assert failures and "WIDTH" in failures[0].message
    brief, _style = load(home)
    path, line, words = _blame(broken, failures[0], brief)
    assert (path.name, line) == ("brief.md", heading_line)
    assert '"after"' in words and "What to watch after 2026" in words


def _codes_of(font, text: str) -> list[int]:
    """The codes the font's ToUnicode CMap maps to ``text``."""
    import re

    cmap = font.ToUnicode.read_bytes()
    want = text.encode("utf-16-be").hex().upper().encode()
    return [int(src, 16) for src, dst in re.findall(rb"<([0-9A-F]{2})> <([0-9A-F]+)>", cmap) if dst == want]
