"""Justified text set as TeX with microtype sets it, and tagged text a listener hears whole.

The line breaker on its own (total fit against first fit, the hyphen limits), the hyphenation
patterns, a paragraph split across columns, the house style's [composition], and the sample's
editions read back from the PDF: evenness of the body, hanging punctuation, expansion within its
limit, every line end's separator in the tagged text, subset tags, outline counts.
"""

from __future__ import annotations

import importlib.util
import random
import re
import statistics
from pathlib import Path

import pikepdf
import pytest

from conftest import ROOT
from report import hyphenation, linebreak as kp
from report.errors import BriefError
from report.style import Composition, load_style

_spec = importlib.util.spec_from_file_location("justification", ROOT / "bench" / "justification.py")
justification = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(justification)

SPACE = 2.2


def _paragraph(seed: int, n: int = 90, hyphen_every: int = 0):
    """Words of random widths (a seeded generator), spaces that stretch by half and shrink by a
    third; with ``hyphen_every``, a hyphenation point in the middle of every such word."""
    rnd = random.Random(seed)
    items = []
    for k in range(n):
        w = rnd.uniform(6, 28)
        if hyphen_every and k % hyphen_every == 0:
            items += [kp.box(w / 2), kp.penalty(3.0, 50, True), kp.box(w / 2)]
        else:
            items.append(kp.box(w))
        if k < n - 1:
            items.append(kp.glue(SPACE, SPACE / 2, SPACE / 3))
    return items + [kp.penalty(0, kp.INF), kp.glue(0, 1e6, 0), kp.penalty(0, -kp.INF)]


def _first_fit(items, width):
    """Ratios of the lines first-fit breaking makes (a line takes words while they fit)."""
    words, line, ratios = [], [], []
    for it in items:
        if it[kp.KIND] == kp.BOX:
            line.append(it[kp.WIDTH])
        elif it[kp.KIND] == kp.GLUE and line:
            words.append(sum(line))
            line = []
    words.append(sum(line)) if line else None
    current = []
    for w in words:
        if current and sum(current) + w + SPACE * len(current) > width:
            gaps = len(current) - 1
            ratios.append((width - sum(current) - SPACE * gaps) / (SPACE / 2 * gaps))
            current = []
        current.append(w)
    return ratios


def _ratios(items, lines):
    out = []
    for ln in lines[:-1]:
        part = items[ln.start:ln.end]
        natural = sum(it[kp.WIDTH] for it in part if it[kp.KIND] != kp.PENALTY)
        out.append(ln.ratio)
        assert natural > 0
    return out


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_total_fit_leaves_no_line_as_loose_as_first_fit_does(seed):
    items = _paragraph(seed)
    lines = kp.breakpoints(items, lambda n: 240.0)
    total_fit = _ratios(items, lines)
    first_fit = _first_fit(items, 240.0)
    assert max(total_fit) < max(first_fit)  # its loosest line is less loose
    assert max(total_fit) < 1.6 and min(total_fit) >= -1  # and no line is overfull


def test_no_more_hyphenated_lines_in_a_row_than_allowed_and_none_where_forbidden():
    items = _paragraph(5, n=160, hyphen_every=1)
    free = kp.breakpoints(items, lambda n: 200.0, kp.Params(max_hyphens=3, double_hyphen_demerits=0))
    flags = [ln.flagged for ln in free]
    assert any(a and b for a, b in zip(flags, flags[1:])), "the paragraph must want hyphens in a row"
    for limit in (1, 2):
        lines = kp.breakpoints(items, lambda n: 200.0, kp.Params(max_hyphens=limit, double_hyphen_demerits=0))
        runs = "".join("h" if ln.flagged else "." for ln in lines)
        assert "h" * (limit + 1) not in runs, runs
    wanted = next(i for i, ln in enumerate(free) if ln.flagged)
    kept = kp.breakpoints(items, lambda n: 200.0, kp.Params(max_hyphens=3, double_hyphen_demerits=0),
                          no_flag_at_line=wanted)
    assert not kept[wanted].flagged


def test_english_is_hyphenated_with_tex_patterns_and_names_are_not():
    from report.composer import Setting, _split_points

    hy = hyphenation.hyphenator("en-GB")
    assert hy.inserted("comparison") == "com-par-i-son"
    assert hy.inserted("negotiations") == "ne-go-ti-a-tions"
    for word in ("comparison", "territorial", "relations", "declaration", "cooperation"):
        for p in hy.positions(word):
            assert 2 <= p <= len(word) - 3, (word, p)  # 2 letters before a break, 3 after
    setting = Setting(Composition(), hy)
    assert _split_points("Moscow", setting) == []
    assert _split_points("Sakhalin", setting) == []
    assert _split_points("Negotiations", setting) == []  # a capital: no break
    capitals = Setting(Composition(hyphenate_capitals=True), hy)
    assert [p for p, *_ in _split_points("Negotiations", capitals)] == [2, 4, 6, 7]
    assert [p for p, *_ in _split_points("comparison,", setting)] == [3, 6, 7]


def test_a_column_never_ends_in_a_hyphen():
    from reportlab.lib.enums import TA_JUSTIFY
    from reportlab.lib.styles import ParagraphStyle

    from report import fonts
    from report.composer import ComposedParagraph, Setting

    style = load_style("house")
    face = fonts.face(style.fonts["serif"]["regular"])
    text = (ROOT / "briefs" / "japan-russia-2018" / "brief.md").read_text(encoding="utf-8")
    body = " ".join(p for p in text.split("+++")[2].split("\n\n") if p and p[0].isalpha())[:2400]
    ps = ParagraphStyle("b", fontName=face, fontSize=9.5, leading=13, alignment=TA_JUSTIFY, shaping=1)
    setting = Setting(style.composition, hyphenation.hyphenator("en-GB"))
    whole = ComposedParagraph(body, ps, setting=setting)
    whole.wrap(240.9, 10_000)
    hyphenated = [i for i, ln in enumerate(whole.blPara.lines) if ln._brief_flagged]
    assert hyphenated, "the paragraph must hyphenate somewhere"
    for s in hyphenated:
        para = ComposedParagraph(body, ps, setting=setting)
        first, rest = para.split(240.9, 13 * (s + 1) + 1)
        assert len(first.blPara.lines) == s + 1
        assert not first.blPara.lines[-1]._brief_flagged
        rest.wrap(240.9, 10_000)
        assert len(first.blPara.lines) + len(rest.blPara.lines) >= len(whole.blPara.lines)


def test_the_composition_table_is_checked_with_its_line(tmp_path):
    styles = tmp_path / "styles"
    styles.mkdir()
    house = (ROOT / "styles" / "house.toml").read_text(encoding="utf-8")
    (styles / "house.toml").write_text(house.replace("expansion = 2\n", "expansion = 12\n"), encoding="utf-8")
    with pytest.raises(BriefError) as err:
        load_style("house", styles)
    line = house[:house.index("expansion = 2\n")].count("\n") + 1
    assert err.value.line == line and "expansion" in str(err.value) and "0 to 5" in str(err.value)
    (styles / "house.toml").write_text(house.replace("max_hyphens = 1\n", "max_hyphenz = 1\n"), encoding="utf-8")
    with pytest.raises(BriefError, match="unknown key 'composition.max_hyphenz'"):
        load_style("house", styles)


def _set_alone(text: str, style, path: Path) -> list:
    """``text`` set as one justified body paragraph with ``style``'s composition, alone on a page;
    per full line read back from the PDF, how far it ends past the column's edge and its last glyph."""
    from reportlab.lib.enums import TA_JUSTIFY
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.pdfgen.canvas import Canvas

    from report import fonts
    from report.composer import ComposedParagraph, Setting

    face = fonts.face(style.fonts["serif"]["regular"])
    ps = ParagraphStyle("b", fontName=face, fontSize=9.5, leading=13, alignment=TA_JUSTIFY, shaping=1)
    para = ComposedParagraph(text, ps, setting=Setting(style.composition, None))
    canvas = Canvas(str(path), pagesize=(400, 800))
    _, h = para.wrapOn(canvas, 240.9, 10_000)
    para.drawOn(canvas, 50, 780 - h)
    canvas.save()
    return _full_lines(path)


def test_the_protrusion_table_is_the_house_styles(tmp_path):
    """A designer edits how far each character hangs in styles/house.toml; a listed table replaces
    microtype's defaults whole, and a wrong entry is named with its line."""
    from report.composer import PROTRUSION

    house = load_style("house")
    assert {ch: (left, right) for ch, left, right in house.composition.protrusion_factors} == PROTRUSION
    styles = tmp_path / "styles"
    styles.mkdir()
    text = (ROOT / "styles" / "house.toml").read_text(encoding="utf-8")
    stop = '"." = [0, 700]\n'
    (styles / "house.toml").write_text(text.replace(stop, '"." = [0, 0]\n'), encoding="utf-8")
    edited = load_style("house", styles)

    # lines ending in full stops: with the house table the stops hang by 70 % of their width (about
    # 1.7 pt at 9.5 pt); with the edited table they stand on the edge like letters
    words = "Moscow now holds the upper hand. Tokyo waits for a treaty. Talks go on. " * 12
    hanging = {}
    for name, style in (("house", house), ("edited", edited)):
        lines = _set_alone(words, style, tmp_path / f"{name}.pdf")
        hanging[name] = [d for d, last in lines if last == "."]
    assert hanging["house"] and hanging["edited"]
    assert min(hanging["house"]) > 1.0
    assert max(abs(d) for d in hanging["edited"]) < 0.3

    line = text[:text.index(stop)].count("\n") + 1
    for wrong, message in (('".." = [0, 700]\n', "'..' must be one character"),
                           ('"." = [700]\n', "[left, right]"),
                           ('"." = [0, 7000]\n', "0 to 1000")):
        (styles / "house.toml").write_text(text.replace(stop, wrong), encoding="utf-8")
        with pytest.raises(BriefError) as err:
            load_style("house", styles)
        assert message in str(err.value) and err.value.line == line, (str(err.value), err.value.line)


# --- the sample's editions, read back -------------------------------------------------------

def test_the_body_is_set_evenly(sample_build):
    m = justification.measure(sample_build / f"{sample_build.name}-screen.pdf")
    assert m["lines"] >= 60
    assert m["max_line_ratio"] <= 2.0 and m["p95_line_ratio"] <= 1.5 and m["loose_pct"] <= 3.0
    assert m["ladders"] == 0 and m["hyphen_pct"] <= 20.0


def _full_lines(pdf_path: Path):
    """Per full body line: how far its last glyph ends past its column's right edge, and that glyph."""
    lines = []
    with pikepdf.open(pdf_path) as pdf:
        for page in pdf.pages:
            lines += [(round(run[0][1] / 100), run[-1][2], run[-1][0])
                      for run in justification.lines_of(page, 9.5, "SourceSerif") if len(run) >= 20]
    edges = {col: statistics.median(x1 for c, x1, _ in lines if c == col) for col, _, _ in lines}
    return [(x1 - edges[col], last) for col, x1, last in lines if x1 > edges[col] - 3]


def test_hyphens_and_full_stops_hang_into_the_margin(sample_build):
    lines = _full_lines(sample_build / f"{sample_build.name}-screen.pdf")
    hyphens = [d for d, last in lines if last == "-"]
    stops = [d for d, last in lines if last == "."]
    letters = [d for d, last in lines if last in "aemnos"]
    assert hyphens and stops and letters
    assert min(hyphens) > 1.0 and min(stops) > 1.0  # half a hyphen, 70 % of a full stop
    assert max(abs(d) for d in letters) < 0.3


def _content(page) -> str:
    c = page.obj.Contents
    data = b"".join(s.read_bytes() for s in c) if isinstance(c, pikepdf.Array) else c.read_bytes()
    return data.decode("latin-1")


def test_glyphs_widen_or_narrow_by_at_most_two_per_cent(sample_build):
    with pikepdf.open(sample_build / f"{sample_build.name}-screen.pdf") as pdf:
        scales = [float(v) for page in pdf.pages for v in re.findall(r"([\d.]+) Tz", _content(page))]
    assert scales and min(scales) >= 98 and max(scales) <= 102
    assert sum(s != 100 for s in scales) > 20  # lines do use it


def _line_ends(pdf_path: Path):
    """Each line of each text object in marked content: (ActualText of the span around its last
    text or None, the last glyph's text, is it the text object's last line?)."""
    with pikepdf.open(pdf_path) as pdf:
        for page in pdf.pages:
            fonts = {name: justification._Font(f) for name, f in page.obj.Resources.get("/Font", {}).items()}
            font, stack, lines, end = None, [], [], None
            for operands, op in pikepdf.parse_content_stream(page):
                op = str(op)
                if op == "BT":
                    lines, end = [], None
                elif op in ("BDC", "BMC"):
                    props = operands[1] if op == "BDC" else None
                    actual = props.get("/ActualText") if isinstance(props, pikepdf.Dictionary) else None
                    stack.append((str(operands[0]), None if actual is None else str(actual)))
                elif op == "EMC" and stack:
                    stack.pop()
                elif op == "Tf":
                    font = fonts.get(str(operands[0]))
                elif op in ("Tj", "TJ") and font is not None:
                    strings = operands[0] if op == "TJ" else [operands[0]]
                    text = "".join(font.text.get(c, "") for s in strings if isinstance(s, pikepdf.String)
                                   for c in font.codes(bytes(s)))
                    if text:
                        spans = [a for _, a in stack if a is not None]
                        artifact = any(tag == "/Artifact" for tag, _ in stack)
                        end = (spans[-1] if spans else None, text[-1], artifact)
                elif op == "T*" and end is not None:
                    lines.append(end)
                    end = None
                elif op == "ET":
                    for i, (actual, last, artifact) in enumerate(lines):
                        if not artifact:
                            yield actual, last, i == len(lines) - 1


@pytest.mark.parametrize("variant", ["screen", "archive"])
def test_every_line_end_in_the_tagged_text_carries_its_separator(sample_build, variant):
    ends = [(a, last) for a, last, final in _line_ends(sample_build / f"{sample_build.name}-{variant}.pdf")
            if not final]
    assert len(ends) > 100
    joins = [(a, last) for a, last in ends
             if not (a is not None and a[-1:] in (" ", "\u00ad")) and last not in "-\u2013\u2014/"]
    assert joins == []
    soft = [a for a, last in ends if a is not None and a.endswith("\u00ad")]
    assert soft and all(last == "-" for a, last in ends if a is not None and a.endswith("\u00ad"))
    assert all("-" not in a for a in soft)  # the drawn hyphen reads as a soft hyphen, not as "-"


def test_each_font_subset_has_a_tag_of_its_own(sample_build):
    with pikepdf.open(sample_build / f"{sample_build.name}-screen.pdf") as pdf:
        names = {str(f.BaseFont) for page in pdf.pages for f in page.Resources.get("/Font", {}).values()}
    tags = {}
    for name in names:
        m = re.fullmatch(r"/([A-Z]{6})\+(.+)", name)
        assert m, name
        tags.setdefault(m.group(1), set()).add(m.group(2))
    assert len(names) >= 4 and all(len(fonts) == 1 for fonts in tags.values()), tags


def test_the_outline_counts_its_visible_items(sample_build):
    def visible(node) -> int:
        n, kid = 0, node.get("/First")
        while kid is not None:
            n += 1 + (visible(kid) if int(kid.get("/Count", 0)) > 0 else 0)
            kid = kid.get("/Next")
        return n

    for variant in ("screen", "archive"):
        with pikepdf.open(sample_build / f"{sample_build.name}-{variant}.pdf") as pdf:
            root = pdf.Root.Outlines
            assert int(root.Count) == visible(root) == 6
