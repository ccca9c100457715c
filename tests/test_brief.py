"""[brief]: the source-to-PDF road, judged as a reader and an editor would."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import unicodedata

import pikepdf
import pytest

from conftest import (
    ROOT, SAMPLE, is_subsequence, needs_seed, pdf_text, pdf_words, run_brief, seed_words,
)
from report.source import load_brief

A4 = (595.276, 841.890)
STANDARD_14 = {"Courier", "Helvetica", "Times-Roman", "Symbol", "ZapfDingbats", "Times", "Arial"}


def screen_pdf(build_dir):
    return build_dir / f"{build_dir.name}-screen.pdf"


# --- the sample ------------------------------------------------------------------------

def test_sample_builds_a4_pages(sample_build):
    path = screen_pdf(sample_build)
    with pikepdf.open(path) as pdf:
        assert len(pdf.pages) >= 2
        for page in pdf.pages:
            w = float(page.mediabox[2]) - float(page.mediabox[0])
            h = float(page.mediabox[3]) - float(page.mediabox[1])
            assert (round(w, 1), round(h, 1)) == (round(A4[0], 1), round(A4[1], 1))


@needs_seed
def test_every_seed_word_in_reading_order(sample_build):
    seed = seed_words()
    vocabulary = {unicodedata.normalize("NFKC", w).strip("\"'‘’“”()[].,;:!?").casefold() for w in seed}
    words = pdf_words(screen_pdf(sample_build), vocabulary)
    ok, matched = is_subsequence(seed, words)
    assert ok, f"seed word {matched} {seed[matched]!r} not found in order; context {seed[max(0, matched - 5):matched + 5]}"


@needs_seed
def test_split_sentences_are_whole(sample_build):
    text = " ".join(pdf_words(screen_pdf(sample_build), None))
    text = re.sub(r"\s+", " ", text)
    for sentence in (
        "an issue that remains unresolved since the end of World War II.",
        "regular consultations between foreign and defence ministers (2+2 format).",
        "cooperate on the denuclearization of the Korean Peninsula and increase security cooperation.",
        "Russia has increased its military presence on the contested islands",
        "while 55% considered that a return would affect Putin’s credibility.",
    ):
        assert sentence in text, sentence


def test_source_paragraphs_rejoined():
    brief = load_brief(SAMPLE)
    paragraphs = [b for b in brief.blocks if type(b).__name__ == "Paragraph"]
    texts = ["".join(r.text for r in p.runs) for p in paragraphs]
    # no paragraph of the sample starts in lower case, or with the continuation of a split sentence
    assert all(t[0].isupper() or t[0].isdigit() for t in texts), [t[:30] for t in texts if not t[0].isupper()]
    assert not any(t.startswith("Peninsula and increase") for t in texts)
    assert len(paragraphs) == 14


def test_title_block_in_order(sample_build):
    text = pdf_text(screen_pdf(sample_build))
    order = ["Bart Gaens", "Senior Research Fellow", "Marcin Kaczmarek", "JAPAN–RUSSIA RELATIONS",
             "THE KREMLIN HAS THE UPPER HAND", "Even though bilateral relations", "Meeting Russian President"]
    positions = [text.find(s) for s in order]
    assert -1 not in positions, dict(zip(order, positions))
    assert positions == sorted(positions)


def test_footer_series_date_page_numbers(sample_build):
    path = screen_pdf(sample_build)
    text = pdf_text(path)
    with pikepdf.open(path) as pdf:
        n = len(pdf.pages)
    for i in range(1, n + 1):
        assert f"page {i}/{n}" in text
    assert "FIIA Comment · 2018" in text


def _fonts(pdf):
    seen = {}

    def walk(resources):
        if resources is None:
            return
        for _, font in (resources.get("/Font") or {}).items():
            seen[str(font.get("/BaseFont"))] = font
        for _, xobj in (resources.get("/XObject") or {}).items():
            if xobj.get("/Subtype") == "/Form":
                walk(xobj.get("/Resources"))

    for page in pdf.pages:
        walk(page.get("/Resources"))
    return seen


def test_every_font_embedded_and_subset(sample_build):
    with pikepdf.open(screen_pdf(sample_build)) as pdf:
        fonts = _fonts(pdf)
        assert fonts
        for name, font in fonts.items():
            assert name.lstrip("/").split("+")[-1] not in STANDARD_14, name
            descriptor = font.get("/FontDescriptor")
            if descriptor is None and "/DescendantFonts" in font:
                descriptor = font.DescendantFonts[0].FontDescriptor
            assert descriptor is not None, name
            assert any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")), name
            assert re.match(r"^/[A-Z]{6}\+", name), f"{name} is not a subset"


def test_serif_body_and_sans_headings(sample_build):
    with pikepdf.open(screen_pdf(sample_build)) as pdf:
        names = " ".join(_fonts(pdf))
    assert "SourceSerifPro" in names and "SourceSansPro" in names


def test_hyphenation_reaches_the_page(sample_build):
    raw = pdf_text(screen_pdf(sample_build))
    # pdfium marks a hyphen that breaks a word at a line end as U+FFFE
    assert len(re.findall(r"[a-z][\ufffe\x02][a-z]", raw)) >= 3


def test_ligatures_are_set_and_text_still_extracts(sample_build):
    path = screen_pdf(sample_build)
    with pikepdf.open(path) as pdf:
        cmaps = [f.ToUnicode.read_bytes().decode("latin-1") for f in _fonts(pdf).values() if "/ToUnicode" in f]
    # a ligature glyph (one code) maps back to two or three letters
    assert any(re.search(r"<[0-9A-F]{2}> <(0066){1,2}00(69|6C|74)>", c) for c in cmaps)
    words = {w.strip("‘’“”.,;:()") for w in pdf_words(path)}
    assert {"aftermath", "offensive", "influenced", "difficult"} <= words
    text = pdf_text(path)
    assert not re.search("[\ue000-\uf8ff]", text), "private-use characters in extracted text"
    assert "‘charm offensive’" in text


def test_screen_metadata_and_outline(sample_build):
    with pikepdf.open(screen_pdf(sample_build)) as pdf:
        info = pdf.docinfo
        assert str(info["/Title"]) == "Japan–Russia relations: The Kremlin has the upper hand"
        assert str(info["/Author"]) == "Bart Gaens, Marcin Kaczmarek"
        assert str(pdf.Root.Lang) == "en-GB"
        with pdf.open_metadata() as xmp:
            assert xmp["dc:title"] == str(info["/Title"])
        with pdf.open_outline() as outline:
            assert [item.title for item in outline.root][0].startswith("Japan–Russia relations")


def test_two_builds_are_byte_identical(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    for out in (a, b):
        proc = run_brief("build", SAMPLE, "--out", out, "--variant", "screen", "-q")
        assert proc.returncode == 0, proc.stderr
    name = f"{SAMPLE.name}/{SAMPLE.name}-screen.pdf"
    assert (a / name).read_bytes() == (b / name).read_bytes()


# --- a second brief: nothing is wired to the sample -------------------------------------

def test_second_brief_builds_with_every_element(brief_copy, tmp_path):
    proc = run_brief("build", brief_copy, "--out", tmp_path, "--variant", "screen", "-q")
    assert proc.returncode == 0, proc.stderr
    path = tmp_path / "arctic-notes" / "arctic-notes-screen.pdf"
    text = re.sub(r"\s+", " ", pdf_text(path))
    for expected in ("This opening paragraph has emphasis, strong words and a footnote.",
                     "A first heading", "Pull quotes repeat a sentence",
                     "a list item about ports", "The first note, with italic text.", "Notes", "Sources",
                     "Example Survey 2023", "Test Series · 15 March 2024"):
        assert expected in text, expected
    with pikepdf.open(path) as pdf:
        with pdf.open_outline() as outline:
            titles = [item.title for item in outline.root[0].children] if outline.root[0].children else \
                [item.title for item in outline.root]
        assert "A first heading" in titles
        uris = [str(a.A.URI) for page in pdf.pages for a in page.get("/Annots", []) if "/A" in a and "/URI" in a.A]
        assert "https://example.org/institute" in uris


def test_markup_in_text_prints_literally(brief_copy, tmp_path):
    proc = run_brief("build", brief_copy, "--out", tmp_path, "--variant", "screen", "-q")
    assert proc.returncode == 0, proc.stderr
    path = tmp_path / "arctic-notes" / "arctic-notes-screen.pdf"
    text = re.sub(r"\s+", " ", pdf_text(path))
    for literal in ('<font color=red>red</font>', '<img src="/etc/passwd"/>',
                    '<a href="javascript:x">click</a>', "& a lone ampersand"):
        assert literal in text, literal
    with pikepdf.open(path) as pdf:
        for page in pdf.pages:
            for annot in page.get("/Annots", []):
                assert "javascript" not in str(annot.get("/A", {}).get("/URI", "")).lower()
            assert "/XObject" not in page.Resources or all(
                x.get("/Subtype") != "/Image" for _, x in page.Resources.XObject.items())


# --- bad input: one message naming file and line, exit 1, previous edition intact -------

def _edit(path, old, new):
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _line_of(path, needle):
    for i, line in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), 1):
        if needle in line:
            return i
    raise AssertionError(needle)


BAD_INPUTS = {
    "no front matter": (lambda d: (d / "brief.md").write_text("Just text.\n", encoding="utf-8"), "brief.md:1:", "front matter"),
    "malformed front matter": (lambda d: _edit(d / "brief.md", 'series = "Test Series"', 'series = "Test Series'), "brief.md:2:", "malformed front matter"),
    "missing field": (lambda d: _edit(d / "brief.md", 'publisher = "Test Institute"\n', ""), "brief.md:", "publisher"),
    "unknown field": (lambda d: _edit(d / "brief.md", 'style = "house"', 'style = "house"\ncolour = "red"'), "brief.md:13:", "unknown front-matter field 'colour'"),
    "unknown style": (lambda d: _edit(d / "brief.md", 'style = "house"', 'style = "fancy"'), "brief.md:12:", "unknown style 'fancy'"),
    "not utf-8": (lambda d: (d / "brief.md").write_bytes((d / "brief.md").read_bytes().replace("© 2024".encode(), b"\xa9 2024")), "brief.md:11:", "UTF-8"),
    "missing glyph in the title": (lambda d: _edit(d / "brief.md", 'title = "Notes on a small brief"', 'title = "Notes on 北京"'), "brief.md:7:", "no glyph"),
    "missing glyph": (lambda d: _edit(d / "brief.md", "Text after a heading", "Text 北京 after a heading"), "brief.md:23:", "no glyph"),
    "figure without spec": (lambda d: _edit(d / "brief.md", "## A first heading", "![](figure:nowhere)\n\n## A first heading"), "brief.md:21:", "figure 'nowhere'"),
    "inline image": (lambda d: _edit(d / "brief.md", "Text after a heading", "![x](pic.png) Text after a heading"), "brief.md:23:", "figure"),
}


@pytest.mark.parametrize("case", list(BAD_INPUTS))
def test_bad_input_one_clear_error_previous_edition_intact(case, brief_copy, tmp_path):
    out = tmp_path / "dist"
    good = run_brief("build", brief_copy, "--out", out, "--variant", "screen", "-q")
    assert good.returncode == 0, good.stderr
    pdf = out / "arctic-notes" / "arctic-notes-screen.pdf"
    before = pdf.read_bytes()

    breaker, where, words = BAD_INPUTS[case]
    breaker(brief_copy)
    bad = run_brief("build", brief_copy, "--out", out, "--variant", "screen", "-q")
    assert bad.returncode == 1, (bad.returncode, bad.stderr)
    err = bad.stderr.strip()
    assert len(err.splitlines()) == 1, err
    assert "Traceback" not in err
    assert where in err and words in err, err
    assert pdf.read_bytes() == before
    assert sorted(p.name for p in pdf.parent.iterdir()) == ["arctic-notes-screen.pdf", "edition.json"]
    assert sorted(p.name for p in out.iterdir()) == [".arctic-notes.lock", "arctic-notes"]  # no staging left


def _style_copy(tmp_path):
    styles = tmp_path / "styles"
    shutil.copytree(ROOT / "styles", styles)
    return styles


@pytest.mark.parametrize("case,change,words", [
    ("unknown key", ("[page]\n", "[page]\nbleed = 3\n"), "unknown key 'page.bleed'"),
    ("missing font", ('SourceSerifPro-It.ttf"', 'SourceSerifPro-Nope.ttf"'), "does not exist"),
    ("bad colour", ('text = { cmyk = [0, 0, 0, 100]', 'text = { cmyk = [0, 0, 0, 180]'), "cmyk"),
])
def test_bad_style_names_style_file_and_line(case, change, words, brief_copy, tmp_path):
    styles = _style_copy(tmp_path)
    style = styles / "house.toml"
    _edit(style, *change)
    proc = run_brief("build", brief_copy, "--out", tmp_path / "out", "--styles", styles, "-q")
    assert proc.returncode == 1
    line = _line_of(style, change[1].strip().splitlines()[-1][:25])
    assert f"house.toml:{line}:" in proc.stderr and words in proc.stderr, proc.stderr


@pytest.mark.parametrize("old,new,table,words", [
    ('smaller = "country_label_small"', 'smaller = "nope"', "[figure.roles.country_label]",
     "smaller: 'nope' is not a text role"),
    ("min_population = 0\n", 'min_population = 0\nsmaller = "label"\n', "[figure.roles.label_small]",
     "smaller: 'label' leads back to itself (label → label_small → label)"),
])
def test_a_smaller_type_class_is_another_text_role(old, new, table, words, brief_copy, tmp_path):
    """A label tries its role's ``smaller`` type classes before it is dropped: each must be a
    text role of the style, and the chain must end."""
    styles = _style_copy(tmp_path)
    style = styles / "house.toml"
    _edit(style, old, new)
    proc = run_brief("build", brief_copy, "--out", tmp_path / "out", "--styles", styles, "-q")
    assert proc.returncode == 1
    lines = style.read_text(encoding="utf-8").splitlines()
    at = _line_of(style, table)  # the error names the line of the table's `smaller` key
    line = next(i for i, text in enumerate(lines[at - 1:], at) if text.startswith("smaller"))
    assert f"house.toml:{line}:" in proc.stderr and words in proc.stderr, proc.stderr


def test_usage_error_exits_2(tmp_path):
    assert run_brief("build").returncode == 2
    assert run_brief("frobnicate").returncode == 2
    assert run_brief("build", SAMPLE, "--variant", "poster").returncode == 2


def test_every_body_line_is_kerned(sample_build):
    """Shaping (kerning) survives re-wrapping and splitting: no body paragraph is set as a
    plain, unkerned string."""
    with pikepdf.open(screen_pdf(sample_build)) as pdf:
        body = "SourceSerifPro-Regular"
        names = {str(k) for page in pdf.pages for k, f in page.Resources.Font.items()
                 if str(f.BaseFont).endswith(body)}
        plain = kerned = 0
        for page in pdf.pages:
            font = None
            for operands, op in pikepdf.parse_content_stream(page):
                if str(op) == "Tf":
                    font = str(operands[0])
                elif str(op) in ("Tj", "'", '"') and font in names and len(bytes(operands[-1])) > 25:
                    plain += 1
                elif str(op) == "TJ" and font in names:
                    kerned += 1
        assert kerned > 50 and plain == 0, (kerned, plain)


def test_editions_are_readable_by_colleagues(brief_copy, tmp_path):
    """Atomic writes go through a private temporary file; the edition itself gets the mode an
    ordinary write would (0666 less the umask), so a shared folder can read it."""
    import os
    import stat

    proc = subprocess.run([sys.executable, "-c",
                           "import os, sys; os.umask(0o022); from report.cli import main; "
                           f"sys.exit(main(['build', {str(brief_copy)!r}, '--out', {str(tmp_path)!r}, "
                           "'--variant', 'screen', '-q']))"], cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    pdf = tmp_path / "arctic-notes" / "arctic-notes-screen.pdf"
    assert stat.S_IMODE(os.stat(pdf).st_mode) == 0o644
