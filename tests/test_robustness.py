"""Hostile input: every case ends in one line and exit 1 (130 for Ctrl-C) with the previous
edition untouched, or in correct output where the input is fine. One test per case of the
red-team review; the property test is tests/test_property.py."""

from __future__ import annotations

import errno
import os
import re
import shutil
import signal
import subprocess
import sys
import zlib
from pathlib import Path

import pytest

from conftest import ROOT, pdf_text, run_brief
from report.cli import main
from report.schema import LIMITS

CHART = (ROOT / "briefs" / "japan-russia-2018" / "figures" / "polls.toml").read_text(encoding="utf-8")
MAP = (ROOT / "tests" / "briefs" / "north-pacific" / "figures" / "bering.toml").read_text(encoding="utf-8")


def _set(text: str, key: str, value: str) -> str:
    """Replace the first ``key = …`` line (or add the line after ``kind``)."""
    new, n = re.subn(rf"^{key} = .*$", f"{key} = {value}", text, count=1, flags=re.M)
    return new if n else text.replace('kind = "', f'{key} = {value}\nkind = "', 1)


def _front(brief: Path, key: str, value: str) -> None:
    path = brief / "brief.md"
    path.write_text(_set(path.read_text(encoding="utf-8"), key, value), encoding="utf-8")


def _body(brief: Path, text: str) -> None:
    path = brief / "brief.md"
    path.write_text(path.read_text(encoding="utf-8").replace("## Sources", f"{text}\n\n## Sources", 1),
                    encoding="utf-8")


def _figure(brief: Path, spec: str, fid: str = "f") -> None:
    (brief / "figures").mkdir(exist_ok=True)
    (brief / "figures" / f"{fid}.toml").write_text(spec, encoding="utf-8")
    path = brief / "brief.md"
    path.write_text(path.read_text(encoding="utf-8").replace(
        "## A first heading", f"![](figure:{fid})\n\n## A first heading", 1), encoding="utf-8")


def _line(path: Path, needle: str) -> int:
    return next(i for i, ln in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if needle in ln)


def _build(capsys, *args) -> tuple[int, str, str]:
    code = main(["build", *map(str, args), "-q"])
    out, err = capsys.readouterr()
    return code, out, err.strip()


@pytest.fixture
def dist(brief_copy, tmp_path, capsys):
    """A good screen edition already in dist/: a failed build must leave it as it was."""
    out = tmp_path / "dist"
    code, _, err = _build(capsys, brief_copy, "--out", out, "--variant", "screen")
    assert code == 0, err
    folder = out / brief_copy.name
    return out, {p.name: p.read_bytes() for p in folder.iterdir()}


def _fails(capsys, brief, dist, where: str, words: str, *extra) -> str:
    out, before = dist
    code, _, err = _build(capsys, brief, "--out", out, "--variant", "screen", *extra)
    assert code == 1, (code, err)
    assert len(err.splitlines()) == 1 and "Traceback" not in err, err
    assert where in err and words in err, err
    assert {p.name: p.read_bytes() for p in (out / brief.name).iterdir()} == before
    return err


# --- front matter ------------------------------------------------------------------------

@pytest.mark.parametrize("key,value,words", [
    ("date", '"2018-13-45"', "not a real date"),
    ("date", '"0000"', "not a real date"),
    ("title", "5", "'title' must be a string"),
    ("title", '"' + "y" * 2000 + '"', "at most 300"),
    ("language", '"xx"', "no hyphenation dictionary"),
])
def test_bad_front_matter_names_its_line(key, value, words, brief_copy, dist, capsys):
    _front(brief_copy, key, value)
    line = _line(brief_copy / "brief.md", f"{key} = ")
    _fails(capsys, brief_copy, dist, f"brief.md:{line}:", words)


def test_language_without_its_own_dictionary_warns_naming_the_fallback(brief_copy, tmp_path, capsys):
    _front(brief_copy, "language", '"en-ZA"')
    code, _, err = _build(capsys, brief_copy, "--out", tmp_path / "dist", "--variant", "screen")
    assert code == 0, err
    assert f"brief.md:{_line(brief_copy / 'brief.md', 'language = ')}:" in err and "'en'" in err, err


def test_source_date_epoch_not_a_number(brief_copy, dist, capsys, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "abc")
    _fails(capsys, brief_copy, dist, "environment", "SOURCE_DATE_EPOCH='abc'")


# --- the body -------------------------------------------------------------------------------

def test_undefined_footnote_names_its_line(brief_copy, dist, capsys):
    _body(brief_copy, "A claim.[^nope]")
    _fails(capsys, brief_copy, dist, f"brief.md:{_line(brief_copy / 'brief.md', 'A claim.')}:",
           "[^nope] is referenced but never defined")


def test_unreferenced_footnote_names_its_line(brief_copy, dist, capsys):
    (brief_copy / "brief.md").write_text((brief_copy / "brief.md").read_text(encoding="utf-8")
                                         + "[^spare]: Nobody points here.\n", encoding="utf-8")
    _fails(capsys, brief_copy, dist, f"brief.md:{_line(brief_copy / 'brief.md', '[^spare]:')}:",
           "[^spare] is defined but never referenced")


def test_very_long_word_is_refused(brief_copy, dist, capsys):
    _body(brief_copy, "x" * 200_000)
    _fails(capsys, brief_copy, dist, f"brief.md:{_line(brief_copy / 'brief.md', 'xxxx')}:", "more than 20,000")


def test_a_long_list_is_not_one_long_paragraph(brief_copy, tmp_path, capsys):
    _body(brief_copy, "\n".join(f"- item {i}: " + "a source of the brief, " * 8 for i in range(150)))
    code, _, err = _build(capsys, brief_copy, "--out", tmp_path / "dist", "--variant", "screen")
    assert code == 0, err


def test_body_size_limit(brief_copy, dist, capsys):
    _body(brief_copy, ("A sentence of the brief that repeats. " * 30 + "\n\n") * (LIMITS["body_bytes"] // 1000))
    _fails(capsys, brief_copy, dist, "brief.md:", "at most 1,000,000")


def test_figures_per_brief_limit(brief_copy, dist, capsys):
    for i in range(LIMITS["figures"] + 1):
        _figure(brief_copy, CHART, f"c{i}")
    _fails(capsys, brief_copy, dist, "brief.md:", f"at most {LIMITS['figures']}")


@pytest.mark.parametrize("where", ["body", "title"])
def test_unbreakable_word_is_broken_with_a_warning_and_stays_in_its_column(where, brief_copy, tmp_path, capsys):
    import pypdfium2 as pdfium

    word = "Z" * 100
    if where == "body":
        _body(brief_copy, f"Before {word} after.")
        needle = "Before Z"
    else:
        _front(brief_copy, "title", f'"{word}"')
        needle = "title = "
    code, _, err = _build(capsys, brief_copy, "--out", tmp_path / "dist", "--variant", "screen")
    assert code == 0, err
    assert f"warning: {brief_copy / 'brief.md'}:{_line(brief_copy / 'brief.md', needle)}:" in err
    assert "broken across lines" in err
    pdf = tmp_path / "dist" / brief_copy.name / f"{brief_copy.name}-screen.pdf"
    assert pdf_text(pdf).count("Z") == 100  # nothing lost
    from report.style import MM, load_style

    p = load_style("house").page
    left, full = p.margin_inner * MM, (p.width - p.margin_inner - p.margin_outer) * MM
    column = (full - p.gutter * MM * (p.columns - 1)) / p.columns
    boxes = [(left, left + full)] if where == "title" else [
        (left + i * (column + p.gutter * MM), left + i * (column + p.gutter * MM) + column) for i in range(p.columns)]
    doc = pdfium.PdfDocument(str(pdf))
    text = doc[0].get_textpage()
    zs = [text.get_charbox(i) for i in range(text.count_chars()) if text.get_text_range(i, 1) == "Z"]
    doc.close()
    assert len(zs) == 100
    for x0, _, x1, _ in zs:  # every letter inside one column (or the full measure for the title)
        assert any(a - 0.5 <= x0 and x1 <= b + 0.5 for a, b in boxes), (x0, x1, boxes)


def test_overflowing_line_is_an_error():
    from reportlab.lib.styles import ParagraphStyle

    from report.errors import BriefError
    from report.layout import AnchoredParagraph

    para = AnchoredParagraph("W" * 300, ParagraphStyle("p", fontSize=10, leading=12, splitLongWords=0),
                             where=(Path("brief.md"), 9))
    with pytest.raises(BriefError, match=r"brief.md:9: a line of this paragraph is .* wider than its column"):
        para.wrap(200, 1000)


# --- figure specs ---------------------------------------------------------------------------

FIGURE_CASES = {
    "callout width not a number": (MAP + '\n[[callout]]\nplace = "bering-strait"\nnote = "x"\nsource = "y"\n'
                                   'width = "wide"\n', 'width = "wide"', "'callout[1].width' must be a number"),
    "label at not numbers": (MAP + '\n[[label]]\nplace = "bering-strait"\nat = ["x", "y"]\n', "at =",
                             "a label takes no 'at'"),
    "label required not a boolean": (MAP + '\n[[label]]\nplace = "bering-strait"\nrequired = "yes"\n',
                                     'required = "yes"', "must be true or false"),
    "margin not a number": (MAP.replace("bbox = [172, 60.5, -160, 69.5]", 'fit = ["bering-strait"]\nmargin = "big"'),
                            'margin = "big"', "'extent.margin' must be a number"),
    "max not a number": (_set(CHART, "max", '"lots"'), "max = ", "'max' must be a number"),
    "log scale with 0": (_set(CHART, "max", "100\nscale = \"log\"").replace("value = 78", "value = 0"),
                         "value = 0", "a log scale needs values above 0"),
    "log scale with a negative value": (_set(CHART, "scale", '"log"').replace("value = 78", "value = -3"),
                                        "value = -3", "a log scale needs values above 0"),
    "unknown scale": (_set(CHART, "scale", '"cubic"'), "scale = ", "'scale' must be one of \"linear\", \"log\""),
    "nan value": (CHART.replace("value = 78", "value = nan"), "value = nan", "must be a finite number"),
    "a bar above max": (CHART.replace("value = 78", "value = 178"), "value = 178", "above the chart's max"),
    "500 bars": (CHART + "".join(f'\n[[group.bar]]\nlabel = "b{i}"\nvalue = {i + 1}\n' for i in range(500)),
                 "[[group.bar]]", f"at most {LIMITS['bars']}"),
    "bars too crowded for the height": (CHART + "".join(f'\n[[group.bar]]\nlabel = "b{i}"\nvalue = {i + 1}\n'
                                                        for i in range(20)), "height = ", "need a height of at least"),
    "graticule too dense": (_set(MAP, "graticule", "0.0001"), "graticule = ", "'graticule' is 0.0001"),
    "graticule too many lines": (_set(MAP, "graticule", "0.2").replace("[172, 60.5, -160, 69.5]", "[120, 30, -120, 80]"),
                                 "graticule = ", "lines across this map"),
    "height not a number": (_set(CHART, "height", '"tall"'), "height = ", "'height' must be a number"),
    "title not a string": (_set(CHART, "title", "5"), "title = ", "'title' must be a string"),
}


@pytest.mark.parametrize("case", list(FIGURE_CASES))
def test_bad_figure_spec_names_its_line(case, brief_copy, dist, capsys):
    spec, needle, words = FIGURE_CASES[case]
    _figure(brief_copy, spec)
    path = brief_copy / "figures" / "f.toml"
    lines = [i for i, ln in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if needle in ln]
    err = _fails(capsys, brief_copy, dist, "f.toml:", words)
    assert int(err.split("f.toml:")[1].split(":")[0]) in lines, err


def test_unknown_projection_is_one_line(brief_copy, dist, capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("BRIEF_CACHE", str(tmp_path / "cache"))
    _figure(brief_copy, _set(MAP, "projection", '"+proj=garbage"'))
    _fails(capsys, brief_copy, dist, f"f.toml:{_line(brief_copy / 'figures' / 'f.toml', 'projection')}:",
           "+proj=garbage")


def test_dollar_signs_in_figure_text_print_as_written(brief_copy, tmp_path, capsys):
    label = "US$ 200 million versus US$ 10 billion"
    spec = CHART.replace("against transferring the islands to Japan", label)
    _figure(brief_copy, spec)
    code, _, err = _build(capsys, brief_copy, "--out", tmp_path / "dist", "--variant", "screen")
    assert code == 0, err
    assert label in pdf_text(tmp_path / "dist" / brief_copy.name / f"{brief_copy.name}-screen.pdf")


def test_figure_text_is_never_mathtext():
    import matplotlib

    from geodata.look import Look, setup_matplotlib
    from report.figures import look_from
    from report.style import load_style

    look: Look = look_from(load_style("house"))
    setup_matplotlib(look)
    assert matplotlib.rcParams["text.parse_math"] is False and matplotlib.rcParams["text.usetex"] is False


# --- styles ---------------------------------------------------------------------------------

@pytest.mark.parametrize("old,new,words", [
    ("gutter = ", "gutter = nan", "'page.gutter' must be a finite number"),
    ("margin_top = ", "margin_top = -20", "'page.margin_top' is -20"),
    ("leading = ", "leading = -2", "'text.kicker.leading' is -2"),
    ("margin_inner = ", "margin_inner = 150", "leave a column"),
])
def test_bad_style_value_names_style_line(old, new, words, brief_copy, dist, capsys, tmp_path):
    styles = tmp_path / "styles"
    shutil.copytree(ROOT / "styles", styles)
    style = styles / "house.toml"
    text = style.read_text(encoding="utf-8")
    style.write_text(re.sub(rf"^{re.escape(old)}[^#\n]*", new + " ", text, count=1, flags=re.M), encoding="utf-8")
    line = _line(style, new)
    if words == "leave a column":
        line = _line(style, "[page]")
    _fails(capsys, brief_copy, dist, f"house.toml:{line}:", words, "--styles", styles)


def test_font_file_that_is_not_a_font(brief_copy, dist, capsys, tmp_path):
    styles = tmp_path / "styles"
    shutil.copytree(ROOT / "styles", styles)
    (styles / "fake.ttf").write_text("not a font at all", encoding="utf-8")
    style = styles / "house.toml"
    text = style.read_text(encoding="utf-8")
    style.write_text(re.sub(r'^regular = "[^"]*"', 'regular = "fake.ttf"', text, count=1, flags=re.M),
                     encoding="utf-8")
    _fails(capsys, brief_copy, dist, f"house.toml:{_line(style, 'fake.ttf')}:", "not a TrueType font",
           "--styles", styles)


def test_damaged_font_file_is_one_line(tmp_path):
    from report import fonts
    from report.errors import BriefError

    bad = tmp_path / "damaged.ttf"
    bad.write_bytes(b"\x00\x01\x00\x00" + b"\x00" * 40)
    with pytest.raises(BriefError, match="damaged.ttf: not a usable TrueType font"):
        fonts.face(bad)


# --- places ---------------------------------------------------------------------------------

def test_places_file_that_is_not_toml(brief_copy, dist, capsys):
    (brief_copy / "places.toml").write_text("\x00\x01 this is = = not toml", encoding="utf-8")
    _figure(brief_copy, MAP)
    _fails(capsys, brief_copy, dist, "places.toml", "")


# --- output, disks, signals -------------------------------------------------------------------

def test_out_is_a_file(brief_copy, tmp_path, capsys):
    target = tmp_path / "dist"
    target.write_text("a file", encoding="utf-8")
    code, _, err = _build(capsys, brief_copy, "--out", target)
    assert code == 1 and len(err.splitlines()) == 1 and "--out must be a folder" in err, err
    assert target.read_text(encoding="utf-8") == "a file"


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write into a read-only folder")
def test_out_is_read_only(brief_copy, tmp_path, capsys):
    target = tmp_path / "dist"
    target.mkdir()
    target.chmod(0o555)
    try:
        code, _, err = _build(capsys, brief_copy, "--out", target)
    finally:
        target.chmod(0o755)
    assert code == 1 and len(err.splitlines()) == 1 and "not writable" in err, err


@pytest.mark.parametrize("err_no,words", [(errno.ENOSPC, "no space left"), (errno.EACCES, "permission denied")])
def test_disk_errors_are_one_line_and_leave_no_temporary(err_no, words, brief_copy, dist, capsys, monkeypatch):
    out, before = dist

    def fail(fd):
        raise OSError(err_no, os.strerror(err_no), str(out))

    monkeypatch.setattr(os, "fsync", fail)
    code, _, err = _build(capsys, brief_copy, "--out", out, "--variant", "screen")
    assert code == 1 and len(err.splitlines()) == 1 and words in err.lower(), err
    assert {p.name: p.read_bytes() for p in (out / brief_copy.name).iterdir()} == before
    leftovers = [p for p in out.rglob("*") if p.name.startswith(".") and not p.name.endswith(".lock")]
    assert not leftovers, leftovers


@pytest.mark.parametrize("moment", ["source:", "layout ("])  # in the figure's render; in the finishing
def test_ctrl_c_exits_130_with_one_line_and_leaves_dist(moment, brief_copy, tmp_path):
    out = tmp_path / "dist"
    assert run_brief("build", brief_copy, "--out", out, "--variant", "screen", "-q").returncode == 0
    before = {p.name: p.read_bytes() for p in (out / brief_copy.name).iterdir()}
    _figure(brief_copy, _set(MAP, "height", "80"))  # a cold render: the build takes a while
    env = {**os.environ, "BRIEF_CACHE": str(tmp_path / "cache")}
    proc = subprocess.Popen([sys.executable, "-m", "report.cli", "build", str(brief_copy), "--out", str(out)],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            # as from a terminal (a background job of a script starts with SIGINT ignored)
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    seen = []
    while not seen or moment not in seen[-1]:
        seen.append(proc.stderr.readline())
        assert seen[-1], seen  # the build printed its progress up to the moment
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    lines = [ln for ln in err.splitlines() if not re.match(r"^\s*\d+\.\d\d s ", ln)]  # progress lines
    assert not any("output:" in ln for ln in err.splitlines()), err  # it was interrupted before the write
    assert proc.returncode == 130, err
    assert lines == ["interrupted: nothing was written"], err
    assert {p.name: p.read_bytes() for p in (out / brief_copy.name).iterdir()} == before
    cache = tmp_path / "cache" / "figures"
    assert not [p for p in cache.glob(".*") if p.suffix != ".lock"] if cache.is_dir() else True


# --- brief check ----------------------------------------------------------------------------

def test_check_refuses_a_decompression_bomb(tmp_path):
    import pikepdf

    pdf = pikepdf.new()
    pdf.add_blank_page()
    stream = pikepdf.Stream(pdf, zlib.compress(b"\0" * (LIMITS["stream_bytes"] + (1 << 20)), 9))
    stream.Filter = pikepdf.Name.FlateDecode
    pdf.pages[0].Contents = pdf.make_indirect(stream)
    bomb = tmp_path / "bomb.pdf"
    pdf.save(bomb, compress_streams=False)
    assert bomb.stat().st_size < 2_000_000
    proc = run_brief("check", bomb, "--profile", "pdfa-3b")
    assert proc.returncode == 1
    err = proc.stderr.strip()
    assert len(err.splitlines()) == 1 and "decodes to more than" in err and str(bomb) in err, err


# --- a brief's own layers -------------------------------------------------------------------

def _layer(coords: list) -> str:
    import json

    return json.dumps({"type": "FeatureCollection", "features": [{"type": "Feature", "geometry": {
        "type": "LineString", "coordinates": coords}, "properties": {
        "id": "route", "name": "A route", "kind": "route",
        "sources": [{"title": "A survey", "consulted": "2024-01-01"}]}}]})


def test_layer_vertex_limit(brief_copy, dist, capsys, monkeypatch):
    from geodata import places

    monkeypatch.setattr(places, "MAX_LAYER_VERTICES", 100)
    (brief_copy / "layers").mkdir()
    (brief_copy / "layers" / "route.geojson").write_text(
        _layer([[175 + i * 0.01, 65.0] for i in range(101)]), encoding="utf-8")
    _figure(brief_copy, MAP + '\n[[layer]]\nlayer = "route"\nrole = "route"\n')
    _fails(capsys, brief_copy, dist, "route.geojson", "more than 100 vertices")


@pytest.mark.parametrize("case,geometry,words", [
    ("not json", None, "invalid JSON"),
    ("bow-tie", {"type": "Polygon", "coordinates": [[[170, 62], [178, 66], [178, 62], [170, 66], [170, 62]]]},
     "invalid geometry"),
    ("two-point ring", {"type": "Polygon", "coordinates": [[[170, 62], [178, 66]]]}, "invalid geometry"),
    ("1e308", {"type": "Polygon", "coordinates": [[[170, 62], [1e308, 66], [178, 62], [170, 62]]]}, ""),
    ("no sources", "nosources", "no sources"),
])
def test_bad_layer_is_one_line(case, geometry, words, brief_copy, dist, capsys):
    import json

    (brief_copy / "layers").mkdir()
    feature = {"type": "Feature", "geometry": geometry if isinstance(geometry, dict) else
               {"type": "Polygon", "coordinates": [[[170, 62], [175, 66], [178, 62], [170, 62]]]},
               "properties": {"id": "zone", "name": "A zone", "kind": "zone",
                              "sources": [{"title": "A survey", "consulted": "2024-01-01"}]}}
    if geometry == "nosources":
        del feature["properties"]["sources"]
    text = "{not json" if geometry is None else json.dumps({"type": "FeatureCollection", "features": [feature]})
    (brief_copy / "layers" / "zone.geojson").write_text(text, encoding="utf-8")
    _figure(brief_copy, MAP + '\n[[layer]]\nlayer = "zone"\nrole = "land"\n')
    _fails(capsys, brief_copy, dist, "zone.geojson", words)
