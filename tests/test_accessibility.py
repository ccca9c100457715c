"""Tagged PDF: the screen and archive editions are PDF/UA-1, as a screen reader and an
independent validator see them."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pikepdf
import pytest
from pikepdf import Array, Dictionary, Name

from conftest import ROOT, SAMPLE, run_brief

from report.figspec import chart_alt, load_figure, load_gazetteer
from report.model import BulletList, FigureRef, Heading, Paragraph, PullQuote
from report.source import load_brief
from report.style import load_style

ARCTIC = ROOT / "tests" / "briefs" / "arctic-notes"


@pytest.fixture(scope="module")
def arctic_build(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("arctic")
    proc = run_brief("build", ARCTIC, "--out", out, "-q", "--variant", "all")
    assert proc.returncode == 0, proc.stderr
    return out / ARCTIC.name


# --- reading the tagged file --------------------------------------------------------------

def _to_unicode(font) -> dict[int, str]:
    """code -> text from a simple font's ToUnicode CMap (bfchar and bfrange)."""
    cmap = font.ToUnicode.read_bytes().decode("latin-1")
    out: dict[int, str] = {}
    for block in re.findall(r"beginbfchar(.*?)endbfchar", cmap, re.S):
        for code, uni in re.findall(r"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
            out[int(code, 16)] = bytes.fromhex(uni).decode("utf-16-be")
    for block in re.findall(r"beginbfrange(.*?)endbfrange", cmap, re.S):
        for lo, hi, uni in re.findall(r"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
            base = int(uni, 16)
            for i, code in enumerate(range(int(lo, 16), int(hi, 16) + 1)):
                out[code] = chr(base + i)
    return out


def marked_text(pdf: pikepdf.Pdf) -> tuple[dict[tuple[int, int], str], list[tuple[str, str]]]:
    """Text of every marked-content sequence with an MCID, by (page, MCID); and the text of
    each artifact as (its properties, text). Text outside any marked content is an error."""
    by_mcid: dict[tuple[int, int], str] = {}
    artifacts: list[tuple[str, str]] = []
    for p, page in enumerate(pdf.pages):
        fonts = {str(k): _to_unicode(f) for k, f in page.Resources.get("/Font", Dictionary()).items()}
        stack: list = []
        font = None
        for ins in pikepdf.parse_content_stream(page):
            op = str(ins.operator)
            if op in ("BDC", "BMC"):
                props = ins.operands[1] if op == "BDC" else Dictionary()
                stack.append([str(ins.operands[0]), props, []])
            elif op == "EMC":
                tag, props, parts = stack.pop()
                text = "".join(parts)
                if "/MCID" in props:
                    by_mcid[(p, int(props.MCID))] = text
                elif tag == "/Artifact":
                    artifacts.append((repr(dict(props)), text))
                if stack:  # nested marked content: its text is the parent's too
                    stack[-1][2].append(text)
            elif op == "Tf":
                font = fonts[str(ins.operands[0])]
            elif op in ("Tj", "TJ", "'", '"'):
                strings = ins.operands[-1] if op == "TJ" else [ins.operands[-1]]
                text = "".join(font[b] for s in strings if isinstance(s, pikepdf.String) for b in bytes(s))
                assert stack, f"page {p + 1}: text {text!r} is neither tagged nor an artifact"
                stack[-1][2].append(text)
    return by_mcid, artifacts


def structure(pdf: pikepdf.Pdf) -> list[tuple[str, str, object]]:
    """The structure tree in reading order: (type, text, element) for every element that
    owns content (a Figure's text is its Alt; its children are hidden). A Link is inline:
    its words are read as part of the element around it."""
    texts, _ = marked_text(pdf)
    pages = {page.objgen: i for i, page in enumerate(pdf.pages)}
    out: list = []

    def own_text(el, kid) -> str | None:
        if isinstance(kid, int):
            return texts[(pages[el.Pg.objgen], kid)]
        if kid.get("/Type") == Name.MCR:
            return texts[(pages[kid.Pg.objgen], int(kid.MCID))]
        if kid.get("/Type") == Name.OBJR:
            return ""
        if kid.S == Name.Link:
            return "".join(own_text(kid, k) for k in _kids(kid))
        return None  # a child element

    def visit(el) -> None:
        role = str(el.S)
        if role == "/Figure":
            out.append((role, str(el.get("/Alt", "")), el))
            return
        if "/ActualText" in el:  # read instead of the content (text drawn in capitals)
            out.append((role, str(el.ActualText), el))
            return
        own = []
        for kid in _kids(el):
            text = own_text(el, kid)
            if text is not None:
                own.append(text)
                continue
            if own:
                out.append((role, "".join(own), el))
                own = []
            visit(kid)
        if own:
            out.append((role, "".join(own), el))

    visit(pdf.Root.StructTreeRoot.K)
    return out


def _kids(el) -> list:
    kids = el.get("/K")
    return list(kids) if isinstance(kids, Array) else [] if kids is None else [kids]


def _squash(text: str) -> str:
    """Text compared without spaces and hyphens (line breaks and hyphenation differ)."""
    return re.sub(r"[\s\-\u00ad]", "", text)


def expected(brief_dir: Path) -> list[tuple[str, str]]:
    """The brief's text in source order as (structure type, text), from the model alone."""
    brief = load_brief(brief_dir)
    style = load_style(brief.meta.style)
    meta = brief.meta
    runs = lambda rs: "".join(r.text for r in rs)  # noqa: E731
    front = {"kicker": [("/P", meta.kicker)], "title": [("/H1", meta.title)],
             "standfirst": [("/P", meta.standfirst)],
             "authors": [("/P", a.name + a.role) for a in meta.authors]}
    out = [item for key in sorted(front, key=lambda k: meta.lines[k]) for item in front[key]]
    counts: dict[str, int] = {}
    level = 1  # the title; headings nest one level at a time (PDF/UA-1 7.4.2)
    for block in brief.blocks:
        if isinstance(block, Paragraph):
            out.append(("/P", runs(block.runs)))
        elif isinstance(block, Heading):
            level = min(block.level, level + 1)
            out.append((f"/H{level}", runs(block.runs)))
        elif isinstance(block, BulletList):
            for n, item in enumerate(block.items, 1):
                out += [("/Lbl", "•" if not block.ordered else f"{n}."), ("/LBody", runs(item))]
        elif isinstance(block, FigureRef):
            fig = brief.figures[block.figure_id]
            label = style.labels["map" if fig.kind == "map" else "figure"]
            counts[label] = counts.get(label, 0) + 1
            out.append(("/Figure", fig.alt))
            out.append(("/Caption", f"{label} {counts[label]}. {fig.title} {fig.caption} {fig.source}"))
        else:
            assert isinstance(block, PullQuote)  # an artifact: it repeats the text
    if brief.footnotes:
        out.append(("/H2", style.labels["notes"]))
        out += [("/Note", f"{n.number}{runs(n.runs)}") for n in brief.footnotes]
    if brief.sources:
        out.append(("/H2", style.labels["sources"]))
        out += [("/LBody", s.text) for s in brief.sources]
    out.append(("/P", " · ".join(p for p in (meta.rights, meta.publisher) if p)))
    return out


# --- the tests --------------------------------------------------------------------------

@pytest.mark.parametrize("variant", ["screen", "archive"])
@pytest.mark.parametrize("which", ["sample", "arctic"])
def test_structure_tree_reads_the_model_text_in_source_order(sample_build, arctic_build, which, variant):
    built, src = (sample_build, SAMPLE) if which == "sample" else (arctic_build, ARCTIC)
    with pikepdf.open(built / f"{src.name}-{variant}.pdf") as pdf:
        got = [(role, _squash(text)) for role, text, _ in structure(pdf)]
    want = [(role, _squash(text)) for role, text in expected(src)]
    assert [r for r, _ in got] == [r for r, _ in want]
    for (role, g), (_, w) in zip(got, want):
        assert g == w, f"{role}: {g[:80]!r} != {w[:80]!r}"


def test_the_title_reads_as_written_and_the_front_matter_in_source_order(sample_build):
    brief = load_brief(SAMPLE)
    with pikepdf.open(sample_build / f"{SAMPLE.name}-screen.pdf") as pdf:
        items = structure(pdf)
    h1 = [el for role, _, el in items if role == "/H1"]
    assert len(h1) == 1 and str(h1[0].ActualText) == brief.meta.title  # drawn in capitals
    # the authors are drawn first, above the title, but come after it in the front matter
    roles = [role for role, _, _ in items]
    assert roles.index("/H1") < [t for _, t, _ in items].index(brief.meta.authors[0].name + brief.meta.authors[0].role)


def test_every_figure_has_alt_text_and_a_bbox_and_is_one_marked_sequence(sample_build):
    brief = load_brief(SAMPLE)
    with pikepdf.open(sample_build / f"{SAMPLE.name}-screen.pdf") as pdf:
        figures = [el for role, _, el in structure(pdf) if role == "/Figure"]
        assert len(figures) == len(brief.figures)
        for el in figures:
            assert str(el.Alt).strip()
            assert el.A.O == Name.Layout and len(el.A.BBox) == 4
            assert isinstance(el.K, int)  # one MCID, on one page
            page = next(p for p in pdf.pages if p.objgen == el.Pg.objgen)
            ops = [(str(i.operator), list(i.operands)) for i in pikepdf.parse_content_stream(page)]
            start = next(n for n, (op, args) in enumerate(ops) if op == "BDC" and args[0] == Name.Figure
                         and int(args[1].MCID) == int(el.K))
            assert [op for op, _ in ops[start + 1:start + 6]] == ["q", "cm", "Do", "Q", "EMC"]
            form = page.Resources.XObject[ops[start + 3][1][0]]
            assert not any(str(i.operator) in ("BDC", "BMC") for i in pikepdf.parse_content_stream(form))
        # the caption is the Figure's sibling (Alt would hide a child)
        for el in figures:
            assert "/K" not in el.K if isinstance(el.K, Dictionary) else True
            siblings = list(el.P.K)
            assert str(siblings[siblings.index(el) + 1].S) == "/Caption"


def test_the_footer_and_rules_are_artifacts_outside_the_tree(sample_build):
    with pikepdf.open(sample_build / f"{SAMPLE.name}-screen.pdf") as pdf:
        tagged = " ".join(text for _, text, _ in structure(pdf))
        _, artifacts = marked_text(pdf)
        n = len(pdf.pages)
    footers = [text for props, text in artifacts if "/Pagination" in props and "/Footer" in props]
    assert len(footers) == n and all(f"page {i}/{n}" in f for i, f in enumerate(footers, 1))
    assert "FIIA Comment · 2018" in footers[0]
    assert "page 1/" not in tagged and "FIIA Comment ·" not in tagged
    # the pull quote repeats the text: an artifact, so a listener does not hear it twice
    assert any("upper hand" in text for props, text in artifacts if "/Layout" in props)


def test_a_paragraph_split_across_columns_and_pages_is_one_element(tmp_path):
    brief = tmp_path / "long-read"
    shutil.copytree(ARCTIC, brief)
    src = brief / "brief.md"
    words = ("Ports along the northern coast handle more cargo each summer as the ice retreats, and "
             "the states that border the route argue over who may regulate the ships that use it. ")
    src.write_text(src.read_text().replace("## A first heading", "\n\n".join(
        words * (4 + n % 3) for n in range(14)) + "\n\n## A first heading"))
    proc = run_brief("build", brief, "--out", tmp_path / "out", "-q", "--variant", "screen")
    assert proc.returncode == 0, proc.stderr
    with pikepdf.open(tmp_path / "out" / "long-read" / "long-read-screen.pdf") as pdf:
        assert len(pdf.pages) >= 2
        items = structure(pdf)
        split = [el for el in _elements(pdf.Root.StructTreeRoot.K)
                 if isinstance(el.get("/K"), Array) and any(isinstance(k, Dictionary) and k.get("/Type") == Name.MCR
                                                            for k in el.K)]
        assert split, "no element owns content on two pages"
        for el in split:
            pages = {el.Pg.objgen} | {k.Pg.objgen for k in el.K if isinstance(k, Dictionary)}
            assert len(pages) >= 2 and el.S == Name.P
    # and still one element per paragraph, in source order
    got = [(role, _squash(text)) for role, text, _ in items]
    assert got == [(role, _squash(text)) for role, text in expected(brief)]


def _elements(el):
    yield el
    kids = el.get("/K")
    for kid in (list(kids) if isinstance(kids, Array) else [kids] if kids is not None else []):
        if isinstance(kid, Dictionary) and kid.get("/Type") not in (Name.MCR, Name.OBJR):
            yield from _elements(kid)


def test_parent_tree_maps_every_mcid_and_link_back_to_its_element(arctic_build):
    with pikepdf.open(arctic_build / f"{ARCTIC.name}-screen.pdf") as pdf:
        root = pdf.Root.StructTreeRoot
        assert pdf.Root.MarkInfo.Marked is True and pdf.Root.ViewerPreferences.DisplayDocTitle is True
        assert str(pdf.Root.Lang) == "en-GB"
        parents = pikepdf.NumberTree(root.ParentTree)
        texts, _ = marked_text(pdf)
        keys = set()
        links = 0
        for i, page in enumerate(pdf.pages):
            assert page.Tabs == Name.S
            keys.add(int(page.StructParents))
            owners = parents[int(page.StructParents)]
            assert len(owners) == len([k for k in texts if k[0] == i])
            for mcid, owner in enumerate(owners):
                kids = owner.K if isinstance(owner.K, Array) else [owner.K]
                assert any(k == mcid or (isinstance(k, Dictionary) and k.get("/MCID") == mcid) for k in kids)
            for annot in page.get("/Annots", []):
                links += 1
                link = parents[int(annot.StructParent)]
                keys.add(int(annot.StructParent))
                assert link.S == Name.Link and str(annot.Contents).strip()
                assert any(isinstance(o, Dictionary) and o.get("/Type") == Name.OBJR
                           and o.Obj.objgen == annot.objgen for o in _kids(link))
        assert links >= 4  # two note references, the institute link, the survey link
        # each Link element holds the words of its link, inside the paragraph that has them
        words = {}
        for el in _elements(root.K):
            if el.S == Name.Link:
                mcids = [k for k in _kids(el) if isinstance(k, int)]
                assert mcids and el.P.S in (Name.P, Name.LBody, Name.Note)
                page = next(i for i, p in enumerate(pdf.pages) if p.objgen == el.Pg.objgen)
                words["".join(texts[(page, m)] for m in mcids)] = el
        assert set(words) == {"1", "2", "the institute", "Example Survey 2023, survey page"}
        assert int(root.ParentTreeNextKey) == max(keys) + 1
        # notes carry unique IDs, found through the IDTree
        notes = [el for el in _elements(root.K) if el.S == Name.Note]
        ids = pikepdf.NameTree(root.IDTree)
        assert len(notes) == 2 and {str(n.ID) for n in notes} == {"note-1", "note-2"}
        assert all(ids[str(n.ID)].objgen == n.objgen for n in notes)
        lists = [el for el in _elements(root.K) if el.S == Name.L]
        assert [str(el.A.ListNumbering) for el in lists] == ["/Disc", "/None"]


def test_print_stays_pdfx_without_a_structure_tree(sample_build):
    with pikepdf.open(sample_build / f"{SAMPLE.name}-print.pdf") as pdf:
        assert "/StructTreeRoot" not in pdf.Root and pdf.pdf_version == "1.4"


def test_the_editions_claim_pdfua_1(sample_build):
    for variant in ("screen", "archive"):
        with pikepdf.open(sample_build / f"{SAMPLE.name}-{variant}.pdf") as pdf:
            xmp = pdf.Root.Metadata.read_bytes().decode()
            assert re.search(r"<pdfuaid:part[^>]*>1</pdfuaid:part>", xmp)
            assert ("<pdfaSchema:prefix>pdfuaid</pdfaSchema:prefix>" in xmp) == (variant == "archive")


@pytest.mark.skipif(shutil.which("pdfua", path=str(Path(sys.executable).parent)) is None,
                    reason="pdfua is not installed")
@pytest.mark.parametrize("variant", ["screen", "archive"])
def test_pdfua_check_passes(sample_build, arctic_build, variant):
    exe = Path(sys.executable).parent / "pdfua"
    for built in (sample_build, arctic_build):
        proc = subprocess.run([exe, "check", built / f"{built.name}-{variant}.pdf"], capture_output=True, text=True)
        assert proc.returncode == 0, proc.stdout


# --- alt text in the figure specs ----------------------------------------------------------

def test_chart_alt_text_is_generated_from_its_data():
    spec = SAMPLE / "figures" / "investment.toml"
    fig = load_figure(spec, load_gazetteer(SAMPLE)[0], SAMPLE)
    assert fig.alt == chart_alt(fig.spec) == \
        "Bar chart: China about US$ 10 billion; Japan about US$ 200 million."
    polls = load_figure(SAMPLE / "figures" / "polls.toml", load_gazetteer(SAMPLE)[0], SAMPLE)
    assert polls.alt.startswith("Bar chart: Russia: Levada Center poll: against transferring the islands to "
                                "Japan about 78%;")


def test_a_map_without_alt_text_is_an_error_naming_its_spec(tmp_path):
    brief = tmp_path / SAMPLE.name
    shutil.copytree(SAMPLE, brief)
    spec = brief / "figures" / "yamal.toml"
    spec.write_text(re.sub(r"(?m)^alt = .*\n", "", spec.read_text()))
    proc = run_brief("build", brief, "--out", tmp_path / "out", "-q", "--variant", "screen",
                     env={"BRIEF_CACHE": str(tmp_path / "cache"), "PATH": "/usr/bin:/bin"})
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1
    assert "yamal.toml:" in proc.stderr and "a map needs alt" in proc.stderr
    assert not (tmp_path / "out").exists()


# --- independent validators ---------------------------------------------------------------

@pytest.mark.parametrize("variant,profiles", [("screen", ["ua1"]), ("archive", ["ua1", "3b"])])
def test_page_validation_passes(sample_build, arctic_build, variant, profiles):
    import page

    for built in (sample_build, arctic_build):
        data = (built / f"{built.name}-{variant}.pdf").read_bytes()
        for profile in profiles:
            report = page.validate_pdf_bytes(data, profile=profile)
            assert report.is_compliant, [str(f) for f in report.failures]


def test_an_untagged_file_fails_the_screen_profile(sample_build, tmp_path):
    bad = tmp_path / "untagged.pdf"
    with pikepdf.open(sample_build / f"{SAMPLE.name}-screen.pdf") as pdf:
        del pdf.Root.StructTreeRoot
        pdf.save(bad)
    proc = run_brief("check", bad, "--profile", "screen")
    assert proc.returncode == 1
    assert "FAIL validator.pdfua-1" in proc.stdout and "PDFUA1-STRUCT-TREE-ROOT-001" in proc.stdout


def _marks(page) -> list[tuple[str, object]]:
    return [(str(i.operator), repr(i.operands)) for i in pikepdf.parse_content_stream(page)
            if str(i.operator) in ("BDC", "BMC", "EMC")]


def test_print_keeps_the_marked_content_through_the_cmyk_rewrite(sample_build):
    with pikepdf.open(sample_build / f"{SAMPLE.name}-screen.pdf") as screen, \
            pikepdf.open(sample_build / f"{SAMPLE.name}-print.pdf") as print_:
        for a, b in zip(screen.pages, print_.pages):
            assert _marks(a) and _marks(a) == _marks(b)


def test_a_pull_quote_with_a_link_and_a_note_stays_an_artifact(tmp_path):
    brief = tmp_path / "quoted"
    shutil.copytree(ARCTIC, brief)
    src = brief / "brief.md"
    src.write_text(src.read_text().replace(
        "> Pull quotes repeat a sentence of the text.",
        "> Pull quotes repeat [a sentence](https://example.org/sentence) of the text.[^first]"))
    proc = run_brief("build", brief, "--out", tmp_path / "out", "-q", "--variant", "screen")
    assert proc.returncode == 0, proc.stderr
    with pikepdf.open(tmp_path / "out" / "quoted" / "quoted-screen.pdf") as pdf:
        uris = [str(a.A.URI) for p in pdf.pages for a in p.get("/Annots", []) if "/A" in a]
        assert "https://example.org/sentence" not in uris  # the artifact makes no link
        _, artifacts = marked_text(pdf)
        assert any("Pull quotes repeat a sentence of the text." in text for _, text in artifacts)
        got = [(role, _squash(text)) for role, text, _ in structure(pdf)]
    assert got == [(role, _squash(text)) for role, text in expected(brief)]


def test_headings_nest_without_skipping_a_level_and_numbered_lists_say_so(tmp_path):
    import page

    brief = tmp_path / "nested"
    shutil.copytree(ARCTIC, brief)
    src = brief / "brief.md"
    src.write_text(src.read_text().replace("## A first heading", (
        "### A sub-heading before any heading\n\n1. first numbered item\n"
        "2. second numbered item with [a link](https://example.org/x)\n\n## A first heading\n\n"
        "### A sub-heading\n\nText under it.\n\n#### Deeper\n\nMore text.")))
    proc = run_brief("build", brief, "--out", tmp_path / "out", "-q", "--variant", "screen")
    assert proc.returncode == 0, proc.stderr
    path = tmp_path / "out" / "nested" / "nested-screen.pdf"
    with pikepdf.open(path) as pdf:
        items = structure(pdf)
        lists = [el for el in _elements(pdf.Root.StructTreeRoot.K) if el.S == Name.L]
        assert [str(el.A.ListNumbering) for el in lists] == ["/Decimal", "/Disc", "/None"]
    headings = [role for role, _, _ in items if role.startswith("/H")]
    assert headings == ["/H1", "/H2", "/H2", "/H3", "/H4", "/H2", "/H2"]
    assert [(r, _squash(t)) for r, t, _ in items] == [(r, _squash(t)) for r, t in expected(brief)]
    assert page.validate_pdf_bytes(path.read_bytes(), profile="ua1").is_compliant
