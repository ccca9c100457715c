"""``brief diff``: a set of edits made by hand in a copy of a brief, each found once, on the
page where it stands, and nothing else; identical editions give no changes; bad sides are one
error line. Two briefs (the sample and the Tasman Sea test brief), two builds each (archive
edition only: it carries the sources), shared by every test of the module."""

from __future__ import annotations

import json
import shutil
import subprocess
import unicodedata
from pathlib import Path

import pikepdf
import pytest

from conftest import ROOT, SAMPLE, run_brief

TASMAN = ROOT / "tests" / "briefs" / "tasman-sea"


def _sub(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} in {path}"
    path.write_text(text.replace(old, new), encoding="utf-8")


def _move_paragraph(path: Path, start: str, before: str | None) -> None:
    """Move the paragraph beginning ``start`` before the paragraph beginning ``before``
    (None: to the end)."""
    text = path.read_text(encoding="utf-8")
    para = next(p for p in text.split("\n\n") if p.startswith(start))
    text = text.replace(para + "\n\n", "", 1) if para + "\n\n" in text else text.replace("\n\n" + para, "", 1)
    if before is None:
        text = text.rstrip("\n") + "\n\n" + para + "\n"
    else:
        at = text.index("\n\n" + before) + 2
        text = text[:at] + para + "\n\n" + text[at:]
    path.write_text(text, encoding="utf-8")


def _move_place(lock_or_places: Path, pid: str, dlat: float) -> None:
    if lock_or_places.suffix == ".json":
        data = json.loads(lock_or_places.read_text(encoding="utf-8"))
        data["places"][pid]["lat"] = round(data["places"][pid]["lat"] + dlat, 6)
        lock_or_places.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    else:
        text = lock_or_places.read_text(encoding="utf-8")
        block = text.index(f'id = "{pid}"')
        at = text.index("lat = ", block)
        end = text.index("\n", at)
        lat = float(text[at + 6:end])
        lock_or_places.write_text(text[:at] + f"lat = {lat + dlat:.2f}" + text[end:], encoding="utf-8")


def _edit_sample(d: Path) -> None:
    md = d / "brief.md"
    _sub(md, 'date = "2018"', 'date = "2018-10"')
    _sub(md, "to improve relations with Moscow", "to mend relations with Moscow")
    _sub(md, "relations have warmed somewhat", "relations have warmed a little")  # the title block
    _sub(md, "78% of Russian respondents", "76% of Russian respondents")
    _sub(md, "Public opinion is another factor.",
         "The residents of the islands were not asked what they wanted, and no poll on the islands themselves "
         "has been published.\n\nPublic opinion is another factor.")
    _move_paragraph(md, "Moreover, Russia does not seem", None)
    _sub(d / "figures" / "islands.toml", "Areas are Japan's official figures.", "Areas are official Japanese figures.")
    _sub(d / "figures" / "polls.toml", "value = 56", "value = 58")
    _move_place(d / "places.lock.json", "kurilsk", 0.12)


def _with_chart(d: Path) -> None:
    """The Tasman brief with the sample's poll chart, on both sides (so that a value can change)."""
    shutil.copy(SAMPLE / "figures" / "polls.toml", d / "figures" / "polls.toml")
    _sub(d / "brief.md", "\n\n## Sources", "\n\n![](figure:polls)\n\nA third paragraph follows the chart, "
                                          "so that the chart stands inside the text.\n\n## Sources")


def _edit_tasman(d: Path) -> None:
    md = d / "brief.md"
    _sub(md, 'date = "2026-12"', 'date = "2026-12-04"')
    _sub(md, 'call "the ditch"', 'call "the gap"')
    _sub(md, "some 2,150 km apart", "some 2,160 km apart")
    _sub(md, "\n\n![](figure:polls)", "\n\nBoth countries count the crossing among the busiest air routes of the "
                                       "region.\n\n![](figure:polls)")
    _move_paragraph(md, "Hobart and Christchurch", "Sydney and Auckland")
    _sub(d / "figures" / "tasman.toml", "The ports and capitals on both shores", "The ports and capitals on the shores")
    _sub(d / "figures" / "polls.toml", "value = 57", "value = 59")
    _move_place(d / "places.toml", "bass-strait", 0.3)


# what each brief's edits must be reported as: (op, old, new, element)
EXPECTED_TEXT = {
    "japan-russia-2018": {
        ("replace", "improve", "mend", "P"),
        ("replace", "78", "76", "P"),
        ("insert", "", "The residents of the islands were not asked what they wanted, and no poll on the islands "
                       "themselves has been published.", "P"),
        ("move", "*", "*", "P"),
        ("replace", "Japan’s official", "official Japanese", "Caption"),
        ("replace", "somewhat", "a little", "Standfirst"),
    },
    "tasman-sea": {
        ("replace", "ditch", "gap", "P"),
        ("replace", "2,150", "2,160", "P"),
        ("insert", "", "Both countries count the crossing among the busiest air routes of the region.", "P"),
        ("move", "*", "*", "P"),
        ("replace", "both", "the", "Caption"),
    },
}
MOVED = {"japan-russia-2018": "Moreover, Russia does not seem", "tasman-sea": "Hobart and Christchurch"}
EXPECTED_FIGURES = {
    "japan-russia-2018": {"islands": ["label 'Kurilsk' moved: 45.227°N 147.886°E → 45.347°N 147.886°E"],
                          "polls": ["value 'Russia: Levada Center poll' / 'keeping the islands matters more than a "
                                    "peace treaty': 56 → 58"]},
    "tasman-sea": {"tasman": ["label 'Bass Strait' moved: 39.750°S 146.000°E → 39.450°S 146.000°E"],
                   "polls": ["value 'Japan: Mainichi poll' / 'Japan should be flexible, not insist on all four "
                             "islands': 57 → 59"]},
}
EXPECTED_META = {"japan-russia-2018": {"date": {"old": "2018", "new": "2018-10"}},
                 "tasman-sea": {"date": {"old": "2026-12", "new": "2026-12-04"}}}


def _build(src: Path, out: Path) -> Path:
    proc = run_brief("build", src, "--out", out, "--variant", "archive", "-q")
    assert proc.returncode == 0, proc.stderr
    return out / src.name


@pytest.fixture(scope="module", params=["japan-russia-2018", "tasman-sea"])
def editions(request, tmp_path_factory) -> tuple[str, Path, Path]:
    """(slug, OLD edition folder, NEW edition folder): the brief as it is, and a copy edited by hand."""
    slug = request.param
    tmp = tmp_path_factory.mktemp(f"diff-{slug}")
    old_src, new_src = tmp / "old" / slug, tmp / "new" / slug
    shutil.copytree(SAMPLE if slug == SAMPLE.name else TASMAN, old_src)
    if slug == "tasman-sea":
        _with_chart(old_src)
    shutil.copytree(old_src, new_src)
    (_edit_sample if slug == SAMPLE.name else _edit_tasman)(new_src)
    return slug, _build(old_src, tmp / "dist-old"), _build(new_src, tmp / "dist-new")


@pytest.fixture(scope="module")
def found(editions):
    slug, old, new = editions
    proc = run_brief("diff", old, new, "--json")
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def _pages(pdf: Path) -> list[str]:
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(str(pdf))
    try:
        return [_squeeze(doc[i].get_textpage().get_text_range()) for i in range(len(doc))]
    finally:
        doc.close()


def _squeeze(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKC", text).casefold() if c.isalnum())


def test_each_text_edit_is_found_once_and_nothing_else(editions, found):
    slug = editions[0]
    got = [(e["op"], "*" if e["op"] == "move" else e["old"], "*" if e["op"] == "move" else e["new"], e["element"])
           for e in found["text"]]
    assert sorted(got) == sorted(EXPECTED_TEXT[slug])
    move = next(e for e in found["text"] if e["op"] == "move")
    assert move["new"].startswith(MOVED[slug]) and move["old"] == move["new"]


def test_each_text_change_names_the_page_where_it_stands_in_new(editions, found):
    """The page each change names shows its new words (a deletion: the words it left behind)."""
    slug, _, new = editions
    pages = _pages(next(new.glob("*-archive.pdf")))
    for entry in found["text"]:
        words = entry["new"] or entry["old"]
        shown = [n for n, text in enumerate(pages, 1) if _squeeze(words)[:60] in text]
        assert shown, entry
        assert entry["page"] == shown[0], entry


def test_each_figure_edit_is_found_once_with_its_render_compared(editions, found):
    slug = editions[0]
    assert {f["id"]: f["changes"] for f in found["figures"]} == EXPECTED_FIGURES[slug]
    for fig in found["figures"]:
        assert fig["visual"].startswith("the renders differ in "), fig
        x0, y0, x1, y1 = fig["box_mm"]
        assert 0 <= x0 < x1 and 0 <= y0 < y1 and (x1 - x0) < 60  # a local change, not the whole figure
    labels = {f["id"]: f["label"] for f in found["figures"]}
    assert labels["polls"].startswith("Figure ")


def test_the_date_is_the_only_metadata_change(editions, found):
    assert found["meta"] == EXPECTED_META[editions[0]]


def test_the_summary_has_one_line_per_change(editions):
    from report.diff import diff, summary

    slug, old, new = editions
    found = diff(str(old), str(new))
    lines = summary(found)
    assert len(lines) == len(EXPECTED_TEXT[slug]) + 2 + 1
    assert any(line.endswith(": paragraph inserted") and line.startswith("p. ") for line in lines)
    label = "Kurilsk" if slug == SAMPLE.name else "Bass Strait"
    assert f"Map 1: label '{label}' moved" in lines
    assert any(line.startswith("date: ") for line in lines)


def test_identical_editions_give_no_changes(editions):
    _, old, _ = editions
    proc = run_brief("diff", old, old)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().endswith(": no changes")
    proc = run_brief("diff", old, old, "--json")
    data = json.loads(proc.stdout)
    assert (data["text"], data["figures"], data["meta"]) == ([], [], {})


def test_an_archive_pdf_is_a_side_like_its_folder(editions, found):
    _, old, new = editions
    proc = run_brief("diff", next(old.glob("*-archive.pdf")), new, "--json")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert (data["text"], data["figures"], data["meta"]) == (found["text"], found["figures"], found["meta"])


def test_the_human_output_lists_each_change(editions, found):
    slug, old, new = editions
    proc = run_brief("diff", old, new)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert f"{len(EXPECTED_TEXT[slug])} text, 2 figure, 1 metadata change(s)" in out.splitlines()[0]
    assert out.count(" move ") == 1 and out.count(" insert ") == 1 and "render: the renders differ" in out


@pytest.mark.parametrize("side, message", [
    ("missing-folder", "no such edition folder, archive PDF or archive edition"),
    ("unknown@3", "no edition unknown@3 in the archive"),
    ("no-sources.pdf", "carries no brief sources: only the archive edition"),
    ("not-a.pdf", "not a PDF edition"),
    ("empty-folder", "no archive edition (<slug>-archive.pdf) in this folder"),
])
def test_a_bad_side_is_one_error_line(tmp_path, side, message):
    from report.archive.core import Archive

    Archive(tmp_path / "archive").catalogue(create=True).close()
    with pikepdf.new() as pdf:
        pdf.add_blank_page()
        pdf.save(tmp_path / "no-sources.pdf")
    (tmp_path / "not-a.pdf").write_text("plain text\n")
    (tmp_path / "empty-folder").mkdir()
    proc = run_brief("diff", side, side, "--archive", tmp_path / "archive", cwd=tmp_path)
    assert proc.returncode == 1
    lines = proc.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0], proc.stderr
    assert proc.stdout == ""


def test_an_archived_edition_is_a_side_by_its_id(editions, found, tmp_path):
    """``<slug>@<N>`` reads the stored archive edition: the same changes as its folder gives."""
    slug, old, new = editions
    if slug != SAMPLE.name:
        pytest.skip("one archive is enough: the sample's")
    src = tmp_path / slug
    shutil.copytree(SAMPLE, src)
    proc = run_brief("build", src, "--out", tmp_path / "dist", "-q")  # an archive add takes all three editions
    assert proc.returncode == 0, proc.stderr
    proc = run_brief("archive", "add", tmp_path / "dist" / slug, "--archive", tmp_path / "archive")
    assert proc.returncode == 0, proc.stderr
    proc = run_brief("diff", f"{slug}@1", new, "--archive", tmp_path / "archive", "--json")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert (data["text"], data["figures"], data["meta"]) == (found["text"], found["figures"], found["meta"])
    proc = run_brief("diff", f"{slug}@2", new, "--archive", tmp_path / "archive")
    assert proc.returncode == 1 and f"no edition {slug}@2 in the archive" in proc.stderr


# ---------------------------------------------------------------- the redline edition

REDLINE_RED = (0xd2, 0x41, 0x2f)  # the house style's "claim" colour, the redline's second colour
FIRST_EDIT = {"japan-russia-2018": ("improve", "mend"), "tasman-sea": ("ditch", "gap")}


@pytest.fixture(scope="module")
def redline(editions, tmp_path_factory) -> tuple[Path, dict]:
    _, old, new = editions
    out = tmp_path_factory.mktemp("redline") / "redline.pdf"
    proc = run_brief("diff", old, new, "--pdf", out, "--json")
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.strip().endswith("pages") and f"redline: {out}" in proc.stderr
    return out, json.loads(proc.stdout)


def _structure(pdf_path: Path) -> list[tuple[str, str, str]]:
    """(role, /ActualText, /Alt) of every structure element."""
    out = []
    with pikepdf.open(pdf_path) as pdf:
        todo = [pdf.Root.StructTreeRoot]
        while todo:
            el = todo.pop()
            if isinstance(el, pikepdf.Dictionary):
                if "/S" in el:
                    out.append((str(el.S), str(el.get("/ActualText", "")), str(el.get("/Alt", ""))))
                kids = el.get("/K")
                todo += list(kids) if isinstance(kids, pikepdf.Array) else [kids] if kids is not None else []
    return out


def test_the_redline_passes_the_screen_editions_preflight(redline):
    pdf, _ = redline
    proc = run_brief("check", pdf, "--profile", "screen")
    assert proc.returncode == 0, proc.stdout[-2000:]
    assert "validator.pdfua-1" in proc.stdout


def test_a_listener_hears_each_change_once(editions, redline, found):
    """Every changed paragraph or caption is read with its changes said: one "[inserted: …]" per
    insertion, one "[deleted: …]" per deletion, one "[moved here …]" per move, nothing else."""
    slug = editions[0]
    spoken = " ".join(text for _, text, _ in _structure(redline[0]) if "[" in text)
    inserted = sum(e["op"] in ("insert", "replace") for e in found["text"])
    deleted = sum(e["op"] in ("delete", "replace") for e in found["text"])
    assert (spoken.count("[inserted: "), spoken.count("[deleted: "), spoken.count("[moved here")) == \
        (inserted, deleted, 1)
    was, now = FIRST_EDIT[slug]
    assert f"[deleted: {was}] [inserted: {now}]" in spoken
    assert redline[1]["text"] == found["text"]  # --pdf reports the same changes


def test_the_redline_lists_every_change_and_shows_changed_figures_old_beside_new(editions, redline, found):
    from report.diff import diff, summary

    pages = _pages(redline[0])
    _, old, new = editions
    listing = pages[-3] + pages[-2] + pages[-1]
    for line in summary(diff(str(old), str(new))):
        assert _squeeze(line) in "".join(pages), line
    assert _squeeze("Changes in this edition") in listing
    alts = [alt for role, _, alt in _structure(redline[0]) if role == "/Figure"]
    for fig in found["figures"]:
        assert sum(a.startswith(f"{fig['label']} as it was:") for a in alts) == 1
        assert sum(a.startswith(f"{fig['label']} as it is now:") for a in alts) == 1
    assert sum(" as it was:" in a for a in alts) == len(found["figures"])


def test_change_bars_stand_in_the_margin_beside_changed_text(editions, redline, tmp_path):
    """The page that shows the first edited words has the redline colour in its margin (a change
    bar); the first page of an unchanged edition has none."""
    import numpy as np
    from PIL import Image

    def margin_red(pdf: Path, page: int) -> int:
        stem = tmp_path / f"p{page}"
        subprocess.run(["pdftoppm", "-r", "50", "-png", "-singlefile", "-f", str(page), "-l", str(page),
                        str(pdf), str(stem)], check=True)
        px = np.asarray(Image.open(f"{stem}.png").convert("RGB")).astype(int)
        margin = 20 * 50 / 25.4  # the outer 20 mm: no text stands there
        side = np.concatenate([px[:, :int(margin)], px[:, -int(margin):]], axis=1)
        return int((np.abs(side - np.array(REDLINE_RED)).max(axis=2) < 40).sum())

    slug, old, _ = editions
    pages = _pages(redline[0])
    page = next(n for n, text in enumerate(pages, 1) if _squeeze(FIRST_EDIT[slug][1]) in text)
    assert margin_red(redline[0], page) > 20
    assert margin_red(next(old.glob("*-archive.pdf")), 1) == 0


def test_a_redline_that_cannot_be_written_is_one_error_and_no_file(editions, tmp_path):
    _, old, new = editions
    proc = run_brief("diff", old, new, "--pdf", tmp_path / "missing" / "r.pdf")
    assert proc.returncode == 1 and len(proc.stderr.splitlines()) == 1, proc.stderr
    assert not (tmp_path / "missing").exists()
    proc = run_brief("diff", tmp_path / "nothing-here", new, "--pdf", tmp_path / "r.pdf")
    assert proc.returncode == 1 and not (tmp_path / "r.pdf").exists()
    assert list(tmp_path.iterdir()) == []


def test_the_reverse_diff_mirrors_each_change_and_its_redline_strikes_the_paragraph_out(editions, found, tmp_path):
    """NEW → OLD: the inserted paragraph is a deletion (struck through where it stood in the
    redline), each replacement is undone, the move is a move; the figures and date go back."""
    slug, old, new = editions
    out = tmp_path / "reverse.pdf"
    proc = run_brief("diff", new, old, "--json", "--pdf", out)
    assert proc.returncode == 0, proc.stderr
    back = json.loads(proc.stdout)
    mirror = {"insert": "delete", "delete": "insert", "replace": "replace", "move": "move"}
    assert sorted((mirror[e["op"]], e["new"], e["old"], e["element"]) for e in found["text"]) == \
        sorted((e["op"], e["old"], e["new"], e["element"]) for e in back["text"])
    assert {f["id"] for f in back["figures"]} == {f["id"] for f in found["figures"]}
    assert back["meta"] == {k: {"old": v["new"], "new": v["old"]} for k, v in found["meta"].items()}
    gone = next(e["old"] for e in back["text"] if e["op"] == "delete")
    spoken = [text for _, text, _ in _structure(out)]
    assert spoken.count(f"[deleted: {gone}]") == 1
    assert _squeeze(gone) in "".join(_pages(out))  # still on the page, struck through


def test_the_changes_line_goes_into_the_correction_notice(editions, tmp_path):
    """`brief diff --changes` prints the line an editor pastes into the corrected brief's
    [corrects]; the corrected edition's notice then names every change, and the notice itself
    is not a change the diff reports."""
    import tomllib

    from conftest import pdf_text
    from report.diff import diff, summary

    slug, old, new = editions
    proc = run_brief("diff", old, new, "--changes")
    assert proc.returncode == 0, proc.stderr
    changes = tomllib.loads(proc.stdout)["changes"]
    assert changes == summary(diff(str(old), str(new)), pages=False)
    assert len(changes) == len(EXPECTED_TEXT[slug]) + 2 + 1 and not any(c.startswith("p. ") for c in changes)

    src = tmp_path / slug
    shutil.copytree(new.parent.parent / "new" / slug, src)
    text = (src / "brief.md").read_text(encoding="utf-8")
    head, rest = text.split("+++", 2)[1:]
    old_date = tomllib.loads((old.parent.parent / "old" / slug / "brief.md").read_text(encoding="utf-8")
                             .split("+++", 2)[1])["date"]
    corrects = (f'\n[corrects]\nedition = 1\ndate = "{old_date}"\nnote = "Figures and a date were wrong."\n'
                + proc.stdout)
    (src / "brief.md").write_text("+++" + head + corrects + "+++" + rest, encoding="utf-8")
    corrected = _build(src, tmp_path / "dist")
    plain = str.maketrans({"‘": "'", "’": "'", "“": '"', "”": '"'})  # the notice's quotes are typographic
    words = " ".join(pdf_text(next(corrected.glob("*-archive.pdf"))).split()).translate(plain)
    assert "Figures and a date were wrong." in words
    for change in changes:
        assert " ".join(change.split()).translate(plain) in words, (change, words[:1500])
    assert summary(diff(str(new), str(corrected))) == []  # the notice is not a change of content
