"""A corrected edition carries a notice on its page: "This edition corrects edition N of DATE:
<the editor's note>", in the brief's language, where the house style puts it, tagged.

Builds ``tests/briefs/corrections/*``: small briefs of our own, each a second edition of
another (``arctic-notes`` corrects ``tests/briefs/arctic-notes``).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pikepdf
import pytest

from conftest import ROOT, built, pdf_text, run_brief
from test_accessibility import _squash, structure
from test_archive import one_clean_error
from report import notices
from report.errors import BriefError
from report.model import Correction
from report.source import load_brief

CORRECTED = ROOT / "tests" / "briefs" / "corrections" / "arctic-notes"  # corrects tests/briefs/arctic-notes@1
GERMAN = ROOT / "tests" / "briefs" / "corrections" / "arktis-notizen"
NOTICE = ("Correction. This edition corrects edition 1 of 15 March 2024: The first edition dated the survey "
          "2022; it was published in 2023.")


# --- the notice's wording ------------------------------------------------------------------

def test_the_notice_is_worded_in_the_briefs_language_from_the_table():
    assert notices.notice("Map 1 misnamed an island.", 1, "2018-09-14", "en-GB") == \
        "This edition corrects edition 1 of 14 September 2018: Map 1 misnamed an island."
    assert notices.notice("x.", 2, "2018-09", "en") == "This edition corrects edition 2 of September 2018: x."
    assert notices.notice("x.", 3, "2018", "en-US") == "This edition corrects edition 3 of 2018: x."
    assert notices.notice("Karte 1 war falsch.", 1, "2024-03-05", "de", ["Karte 1", "Absatz 2"]) == \
        ("Diese Ausgabe berichtigt die Ausgabe 1 vom 5. März 2024: Karte 1 war falsch. "
         "Änderungen: Karte 1; Absatz 2.")
    assert notices.notice("x.", 1, "2024", "de-AT") == "Diese Ausgabe berichtigt die Ausgabe 1 aus dem Jahr 2024: x."
    assert notices.notice("x.", 1, "2024", "en", ["", "  "]) == "This edition corrects edition 1 of 2024: x."
    with pytest.raises(BriefError, match="no correction notice wording for language 'fi'"):
        notices.notice("x.", 1, "2024", "fi")


def test_a_wording_table_with_a_wrong_placeholder_names_its_line(tmp_path, monkeypatch):
    table = tmp_path / "notices.toml"
    table.write_text(notices.TABLE.read_text().replace("corrects edition {edition}", "corrects edition {edtion}"))
    monkeypatch.setattr(notices, "TABLE", table)
    notices.wording.cache_clear()
    try:
        with pytest.raises(BriefError) as exc:
            notices.notice("x.", 1, "2024", "en")
    finally:
        notices.wording.cache_clear()
    line = table.read_text().splitlines().index(next(t for t in table.read_text().splitlines() if "{edtion}" in t))
    assert (exc.value.path, exc.value.line) == (table, line + 1)
    assert "must name exactly {edition}, {date}, {note}" in exc.value.message


# --- front matter and style ------------------------------------------------------------------

def _brief_with(tmp_path: Path, front: str, source: Path = CORRECTED) -> Path:
    """A copy of ``source`` whose [corrects] table is replaced by ``front`` (TOML lines)."""
    folder = tmp_path / "briefs" / source.name
    shutil.copytree(source, folder)
    text = (folder / "brief.md").read_text()
    start = text.index("[corrects]")
    end = text.index("+++", start)
    (folder / "brief.md").write_text(text[:start] + front + "\n" + text[end:])
    return folder


@pytest.mark.parametrize("front, says", [
    ('[corrects]\nedition = 1\ndate = "2024-03-15"', "[corrects] lacks 'note'"),
    ('[corrects]\nedition = 0\ndate = "2024-03-15"\nnote = "n"', "corrects.edition"),
    ('[corrects]\nedition = 1\ndate = "2024-13"\nnote = "n"', "is not a real date"),
    ('[corrects]\nedition = 1\ndate = "2024-05-01"\nnote = "n"', "[corrects] date 2024-05-01 is after the "
                                                                   "brief's own date 2024-04-02"),
    ('[corrects]\nedition = 1\ndate = "2024-03-15"\nnote = "n"\nsummary = "s"', "unknown"),
])
def test_a_wrong_corrects_table_is_one_line_naming_its_line(tmp_path, front, says):
    folder = _brief_with(tmp_path, front)
    proc = run_brief("build", folder, "--out", tmp_path / "dist", "-q")
    line = one_clean_error(proc)
    assert says in line, line
    text = (folder / "brief.md").read_text().splitlines()
    # the line it names is the table's or one of its keys
    where = int(line.split("brief.md:")[1].split(":")[0])
    assert text[where - 1].startswith(("[corrects]", "edition", "date", "note", "summary", "+++")), line
    assert not (tmp_path / "dist").exists()


def test_a_language_without_wording_is_refused_at_the_corrects_table(tmp_path):
    folder = _brief_with(tmp_path, '[corrects]\nedition = 1\ndate = "2024-03-15"\nnote = "n"')
    path = folder / "brief.md"
    path.write_text(path.read_text().replace('language = "en-GB"', 'language = "fr"'))
    with pytest.raises(BriefError) as exc:
        load_brief(folder)
    lines = path.read_text().splitlines()
    assert exc.value.line == lines.index("[corrects]") + 1
    assert "no wording for 'fr' (report/notices.toml has de, en)" in exc.value.message


def test_a_brief_without_corrects_reads_as_before():
    assert load_brief(ROOT / "tests" / "briefs" / "arctic-notes").meta.corrects is None
    assert load_brief(CORRECTED).meta.corrects == Correction(
        1, "2024-03-15", "The first edition dated the survey 2022; it was published in 2023.")
    assert load_brief(GERMAN).meta.corrects.changes == ("Absatz 1: Beringstraße statt Tatarensund",
                                                        "Quellen: Jahr der Erhebung")


def _styles_with(tmp_path: Path, table: str) -> Path:
    styles = tmp_path / "styles"
    styles.mkdir()
    (styles / "house.toml").write_text((ROOT / "styles" / "house.toml").read_text() + "\n" + table + "\n")
    return styles


def test_a_wrong_correction_style_is_one_line_naming_its_key(tmp_path):
    styles = _styles_with(tmp_path, '[correction]\nplace = "margin"')
    proc = run_brief("build", CORRECTED, "--out", tmp_path / "dist", "--styles", styles, "-q")
    line = one_clean_error(proc)
    where = (styles / "house.toml").read_text().splitlines().index('place = "margin"') + 1
    assert f"house.toml:{where}:" in line and "title" in line and "end" in line, line


# --- the notice on the page --------------------------------------------------------------------

@pytest.fixture(scope="module")
def corrected_build(tmp_path_factory) -> Path:
    return built(tmp_path_factory, CORRECTED, "corrected")


def _elements(path: Path) -> list[tuple[str, str]]:
    """(structure type, text without spaces and hyphens) in reading order."""
    with pikepdf.open(path) as pdf:
        return [(role, _squash(text)) for role, text, _ in structure(pdf)]


def _p(text: str) -> tuple[str, str]:
    return "/P", _squash(text)


@pytest.mark.parametrize("variant", ["screen", "archive"])
def test_the_notice_is_a_tagged_paragraph_under_the_title_block(corrected_build, variant):
    items = _elements(corrected_build / f"arctic-notes-{variant}.pdf")
    brief = load_brief(CORRECTED)
    at = items.index(_p(NOTICE))
    author = brief.meta.authors[0]
    front = [_p(brief.meta.kicker), _p(brief.meta.standfirst), _p(author.name + author.role)]
    assert all(items.index(item) < at for item in front)  # after the front matter (in its source order)
    assert items[at + 1][1].startswith(_squash("This opening paragraph"))  # before the text


@pytest.mark.parametrize("variant, profiles", [("screen", ["ua1"]), ("archive", ["ua1", "3b"])])
def test_the_corrected_edition_passes_page_validation(corrected_build, variant, profiles):
    import page

    data = (corrected_build / f"arctic-notes-{variant}.pdf").read_bytes()
    for profile in profiles:
        report = page.validate_pdf_bytes(data, profile=profile)
        assert report.is_compliant, [str(f) for f in report.failures]


def test_the_print_edition_carries_the_notice_too(corrected_build):
    assert NOTICE.replace(" ", "") in pdf_text(corrected_build / "arctic-notes-print.pdf").replace(" ", "") \
        .replace("\n", "")


def test_the_style_can_put_the_notice_after_the_notes(tmp_path):
    styles = _styles_with(tmp_path, '[correction]\nplace = "end"\nrole = "note"')
    proc = run_brief("build", CORRECTED, "--out", tmp_path / "dist", "--styles", styles, "-q", "--variant", "screen")
    assert proc.returncode == 0, proc.stderr
    items = _elements(tmp_path / "dist" / "arctic-notes" / "arctic-notes-screen.pdf")
    at = items.index(_p(NOTICE))
    assert items[at - 1] == ("/LBody", _squash("Another source without a link"))  # the last source
    assert items[at + 1] == _p("© 2024 Test Institute · Test Institute")  # the colophon


def test_a_german_brief_gets_the_german_notice(tmp_path):
    proc = run_brief("build", GERMAN, "--out", tmp_path, "-q", "--variant", "screen")
    assert proc.returncode == 0, proc.stderr
    items = _elements(tmp_path / GERMAN.name / f"{GERMAN.name}-screen.pdf")
    assert _p("Berichtigung. Diese Ausgabe berichtigt die Ausgabe 1 vom April 2024: Die erste Ausgabe "
              "nannte die Beringstraße irrtümlich Tatarensund. Änderungen: Absatz 1: Beringstraße statt "
              "Tatarensund; Quellen: Jahr der Erhebung.") in items
