"""[gazetteer]: `brief new`, required fields reported together, typographic input."""

from __future__ import annotations

import re

import pytest

from conftest import ROOT, pdf_text, run_brief


def test_brief_new_writes_a_brief_that_builds_once_its_placeholders_are_replaced(tmp_path):
    proc = run_brief("new", "horn-of-africa", "--dir", tmp_path)
    assert proc.returncode == 0, proc.stderr
    home = tmp_path / "horn-of-africa"
    assert sorted(p.relative_to(home).as_posix() for p in home.rglob("*") if p.is_file()) == [
        "brief.md", "figures/map.toml", "places.toml"]
    text = (home / "brief.md").read_text(encoding="utf-8")
    for field in ("series", "date", "language", "kicker", "title", "standfirst", "keywords",
                  "publisher", "rights", "style", "[[authors]]"):
        line = next(ln for ln in text.splitlines() if ln.startswith(field))
        assert "required" in line, line
    build = run_brief("build", home, "--out", tmp_path / "dist", "--variant", "screen", "-q")
    assert build.returncode == 1 and '"REPLACE: Title of the brief"' in build.stderr  # see test_newcomer.py
    for path in (home / "brief.md", home / "figures" / "map.toml"):
        path.write_text(path.read_text(encoding="utf-8").replace("REPLACE: ", ""), encoding="utf-8")
    build = run_brief("build", home, "--out", tmp_path / "dist", "--variant", "screen", "-q")
    assert build.returncode == 0, build.stderr
    pdf = pdf_text(tmp_path / "dist" / "horn-of-africa" / "horn-of-africa-screen.pdf")
    assert "Title of the brief".upper() in pdf and "Geneva" in pdf
    assert (home / "places.lock.json").is_file()
    again = run_brief("new", "horn-of-africa", "--dir", tmp_path)
    assert again.returncode == 1 and "already exists" in again.stderr


def test_brief_new_refuses_a_bad_slug(tmp_path):
    proc = run_brief("new", "Horn of Africa", "--dir", tmp_path)  # a usage error
    assert proc.returncode == 2 and "not a slug" in proc.stderr and not any(tmp_path.iterdir())


def test_missing_required_fields_are_reported_together_each_with_its_line(brief_copy, tmp_path):
    path = brief_copy / "brief.md"
    text = path.read_text(encoding="utf-8")
    text = text.replace('series = "Test Series"\n', "").replace('rights = "© 2024 Test Institute"\n', "")
    text = text.replace('publisher = "Test Institute"', 'publisher = ""')
    path.write_text(text, encoding="utf-8")
    proc = run_brief("build", brief_copy, "--out", tmp_path / "dist", "-q")
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 3, proc.stderr
    fence = text.splitlines().index("+++", 1) + 1
    publisher = text.splitlines().index('publisher = ""') + 1
    assert re.search(rf"brief\.md:{fence}: .*'series'", lines[0])
    assert re.search(rf"brief\.md:{publisher}: .*'publisher' is empty", lines[1])
    assert re.search(rf"brief\.md:{fence}: .*'rights'", lines[2])


@pytest.mark.parametrize("language,expected", [
    ("en-GB", "“middle corridor”"), ("de", "„middle corridor“"), ("fi", "”middle corridor”"),
    ("fr", "«\u00a0middle corridor\u00a0»"),
])
def test_straight_quotes_become_the_languages_quotes(language, expected):
    from report.typography import plain

    assert plain('the "middle corridor" -- it\'s long --- and... https://x.org/a--b "q"', language) == (
        f"the {expected} – it’s long — and… https://x.org/a--b {expected.replace('middle corridor', 'q')}")


def test_typography_in_body_titles_captions_and_figure_text_but_not_in_code_or_urls(brief_copy, tmp_path):
    from report.source import load_brief

    path = brief_copy / "brief.md"
    text = path.read_text(encoding="utf-8")
    text = text.replace('title = "Notes on a small brief"', "title = \"Notes on a 'small' brief -- again\"")
    text = text.replace('name = "Ada Example"', 'name = "Ada O\'Example"')
    text = text.replace("This opening paragraph has", 'This "opening" paragraph -- it\'s short, see `a--b "c"` and '
                        "https://example.org/a--b... -- has")
    path.write_text(text, encoding="utf-8")
    brief = load_brief(brief_copy)
    assert brief.meta.title == "Notes on a ‘small’ brief – again"
    assert brief.meta.authors[0].name == "Ada O’Example"
    body = brief.plain_text()
    assert "This “opening” paragraph – it’s short, see a--b \"c\" and https://example.org/a--b... – has" in body


def test_typography_in_figure_titles_captions_and_map_text(tmp_path):
    import shutil

    from report.source import load_brief

    brief_dir = tmp_path / "south-caucasus"
    shutil.copytree(ROOT / "tests" / "briefs" / "south-caucasus", brief_dir)
    spec = brief_dir / "figures" / "caucasus.toml"
    text = spec.read_text(encoding="utf-8")
    text = text.replace('title = "Three capitals of the South Caucasus"', "title = \"Three capitals -- and the 'corridor'\"")
    text = text.replace('caption = "Capitals', 'caption = "The \\"middle corridor\\"... Capitals')
    text += '\n[[callout]]\nplace = "Kutaisi"\nnote = "Georgia\'s second city -- once its capital"\nsource = "GeoNames"\n'
    spec.write_text(text, encoding="utf-8")
    fig = load_brief(brief_dir).figures["caucasus"]
    assert fig.title == "Three capitals – and the ‘corridor’"
    assert fig.caption.startswith("The “middle corridor”… Capitals")
    assert fig.spec.callouts[0].note == "Georgia’s second city – once its capital"
