"""[editions]: the print (PDF/X-1a:2003), screen and archive (PDF/A-3b) files, judged as a
print shop, a reader and an archivist would: boxes and marks, inks, identification, the
sources inside the archive file, byte-identical rebuilds, and real PDF readers."""

from __future__ import annotations

import dataclasses
import hashlib
import io
import json
import os
import shutil
import stat
import subprocess
import sys
from decimal import Decimal

import pikepdf
import pytest
from pikepdf import Array, Dictionary, Name, Stream

from conftest import ROOT, SAMPLE, run_brief
from report.errors import BriefError
from report.layout import layout
from report.editions import EDITIONS
from report.pdf import pdfa, pdfx
from report.pdf.cmyk import to_palette_cmyk
from report.pdf.common import FinishInput, build_epoch
from report.pipeline import TOOL, load

MM = 72 / 25.4
A4 = (595.276, 841.89)
BLEED = 3 * MM
SLUG = SAMPLE.name


def edition(build_dir, variant):
    return build_dir / f"{build_dir.name}-{variant}.pdf"


def box(page, key):
    x0, y0, x1, y1 = (float(v) for v in page.obj[key])
    return min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)


def close(a, b, tol=0.01):
    return all(abs(x - y) <= tol for x, y in zip(a, b))


def streams(pdf):
    """(where, content stream, resources) for every page, Form XObject, tiling pattern and
    annotation appearance, recursively."""
    seen, todo = set(), []
    for i, page in enumerate(pdf.pages, 1):
        page.contents_coalesce()
        todo.append((f"page {i}", page.obj.Contents, page.obj.get("/Resources", Dictionary())))
        for annot in page.obj.get("/Annots", Array()):
            for ap in (annot.get("/AP") or Dictionary()).values():
                if isinstance(ap, Stream):
                    todo.append((f"page {i} annotation", ap, ap.get("/Resources", Dictionary())))
    while todo:
        where, s, res = todo.pop()
        if s.objgen in seen and s.objgen != (0, 0):
            continue
        seen.add(s.objgen)
        yield where, s, res
        for cat in ("/XObject", "/Pattern"):
            for name, x in (res.get(cat) or Dictionary()).items():
                if isinstance(x, Stream) and (x.get("/Subtype") == Name.Form or cat == "/Pattern"):
                    todo.append((f"{where} → {name}", x, x.get("/Resources", res)))


# ---- fixtures --------------------------------------------------------------------------

@pytest.fixture(scope="module")
def sample():
    """The small test brief (no figures of its own), laid out."""
    brief, style = load(ROOT / "tests" / "briefs" / "arctic-notes")
    return brief, style, layout(brief, style)


def finish_input(brief, style, laid, edition="print", pad_to=1):
    return FinishInput(edition=EDITIONS[edition], laid=laid, brief=brief, style=style, epoch=build_epoch(brief),
                       tool=TOOL, pad_to=pad_to)


def figure_pdf(face="#0061ab", alpha=None) -> bytes:
    """A matplotlib chart in palette RGB: a hatched patch, a line, a grey rule, white paper."""
    import matplotlib
    matplotlib.use("pdf")
    import matplotlib.pyplot as plt

    with plt.rc_context({"pdf.fonttype": 42}):
        fig, ax = plt.subplots(figsize=(3, 2))
        ax.add_patch(plt.Rectangle((0.1, 0.1), 0.5, 0.5, facecolor=face, edgecolor="#1a1a1a",
                                   hatch="//", alpha=alpha))
        ax.plot([0, 1], [0, 1], color="#999999", linewidth=1)
        ax.set_axis_off()
        buf = io.BytesIO()
        fig.savefig(buf, format="pdf", metadata={"CreationDate": None})
        plt.close(fig)
    return buf.getvalue()


def with_figure(laid, fig: bytes):
    """The laid-out PDF with ``fig`` stamped onto page 1 as a Form XObject."""
    pdf = pikepdf.open(io.BytesIO(laid.pdf))
    src = pikepdf.open(io.BytesIO(fig))
    pdf.pages[0].add_overlay(src.pages[0], pikepdf.Rectangle(300, 100, 516, 244))
    out = io.BytesIO()
    pdf.save(out)
    return dataclasses.replace(laid, pdf=out.getvalue())


# ---- print: boxes and marks --------------------------------------------------------------

def test_every_print_page_has_trim_a4_and_3mm_bleed_inside_the_media(sample_build):
    with pikepdf.open(edition(sample_build, "print")) as pdf:
        assert len(pdf.pages) >= 2
        for page in pdf.pages:
            trim, bleed, media = box(page, "/TrimBox"), box(page, "/BleedBox"), box(page, "/MediaBox")
            assert close((trim[2] - trim[0], trim[3] - trim[1]), A4, 0.5)
            assert close(bleed, (trim[0] - BLEED, trim[1] - BLEED, trim[2] + BLEED, trim[3] + BLEED))
            assert media[0] <= bleed[0] - 5 * MM and media[1] <= bleed[1] - 5 * MM
            assert media[2] >= bleed[2] + 5 * MM and media[3] >= bleed[3] + 5 * MM


def _stroked_segments(page):
    """Stroked straight segments in sheet coordinates, with the stroke colour space."""
    res = page.obj.Resources
    ctm, stack, path, out, cs = (1, 0, 0, 1, 0, 0), [], [], [], None

    def apply(m, x, y):
        return m[0] * x + m[2] * y + m[4], m[1] * x + m[3] * y + m[5]

    for ins in pikepdf.parse_content_stream(page):
        op, ops = str(ins.operator), [float(o) if isinstance(o, (int, Decimal, float)) else o
                                      for o in ins.operands]
        if op == "q":
            stack.append((ctm, cs))
        elif op == "Q":
            ctm, cs = stack.pop()
        elif op == "cm":
            a, b, c, d, e, f = ops
            m = ctm
            ctm = (a * m[0] + b * m[2], a * m[1] + b * m[3], c * m[0] + d * m[2], c * m[1] + d * m[3],
                   e * m[0] + f * m[2] + m[4], e * m[1] + f * m[3] + m[5])
        elif op == "CS":
            cs = res.ColorSpace.get(ops[0], ops[0])
        elif op in ("K", "G", "RG"):
            cs = op
        elif op == "m":
            path = [apply(ctm, *ops)]
        elif op == "l":
            p = apply(ctm, *ops)
            out.append((path[-1], p, cs))
            path.append(p)
        elif op == "S":
            path = []
    return out


def test_crop_marks_lie_outside_the_bleed_on_the_trim_lines(sample_build):
    with pikepdf.open(edition(sample_build, "print")) as pdf:
        for page in pdf.pages:
            trim, bleed, media = box(page, "/TrimBox"), box(page, "/BleedBox"), box(page, "/MediaBox")
            marks = [(a, b) for a, b, cs in _stroked_segments(page)
                     if isinstance(cs, Array) and cs[0] == Name.Separation and cs[1] == Name("/All")]
            assert len(marks) == 8  # two per corner
            for (x0, y0), (x1, y1) in marks:
                for x, y in ((x0, y0), (x1, y1)):
                    assert media[0] <= x <= media[2] and media[1] <= y <= media[3]
                    outside = x < bleed[0] - 0.5 or x > bleed[2] + 0.5 or y < bleed[1] - 0.5 or y > bleed[3] + 0.5
                    assert outside, f"mark point {(x, y)} inside the bleed {bleed}"
                on_trim_line = (x0 == x1 and any(abs(x0 - t) < 0.01 for t in (trim[0], trim[2]))) or \
                               (y0 == y1 and any(abs(y0 - t) < 0.01 for t in (trim[1], trim[3])))
                assert on_trim_line


def test_printed_text_keeps_5mm_from_the_trim(sample_build):
    import pypdfium2 as pdfium

    with pikepdf.open(edition(sample_build, "print")) as pdf:
        trims = [box(p, "/TrimBox") for p in pdf.pages]
    doc = pdfium.PdfDocument(str(edition(sample_build, "print")))
    try:
        for i, trim in enumerate(trims):
            text = doc[i].get_textpage()
            assert text.count_chars() > 100
            for c in range(text.count_chars()):
                left, bottom, right, top = text.get_charbox(c)
                if right - left <= 0:
                    continue
                assert left >= trim[0] + 5 * MM and right <= trim[2] - 5 * MM
                assert bottom >= trim[1] + 5 * MM and top <= trim[3] - 5 * MM
    finally:
        doc.close()


# ---- print: inks -------------------------------------------------------------------------

RGB_OPS = {"rg", "RG"}


def assert_cmyk_only(pdf, palette_cmyk):
    """Only CMYK/Gray operators and spaces; every CMYK value a palette value."""
    for where, s, res in streams(pdf):
        for ins in pikepdf.parse_content_stream(s):
            op = str(ins.operator)
            assert op not in RGB_OPS, f"{op} in {where}"
            if op in ("cs", "CS"):
                cs = res.get("/ColorSpace", Dictionary()).get(ins.operands[0], ins.operands[0])
                fam = cs[0] if isinstance(cs, Array) else cs
                assert fam in (Name.DeviceCMYK, Name.DeviceGray, Name.Pattern, Name.Separation), f"{cs} in {where}"
                if fam == Name.Separation:
                    assert cs[2] == Name.DeviceCMYK
            if op in ("k", "K"):
                value = tuple(round(float(v) * 100, 2) for v in ins.operands)
                assert value in palette_cmyk, f"{value} in {where} is not a palette CMYK"
        for name, x in (res.get("/XObject") or Dictionary()).items():
            if x.get("/Subtype") == Name.Image:
                assert x.get("/ColorSpace") in (Name.DeviceCMYK, Name.DeviceGray), name


def test_print_uses_palette_cmyk_only_and_body_text_is_100_k(sample_build, sample):
    _, style, _ = sample
    palette = {tuple(round(v, 2) for v in c.cmyk) for c in style.colours.values()}
    with pikepdf.open(edition(sample_build, "print")) as pdf:
        assert_cmyk_only(pdf, palette)
        fill, size, shown = None, None, 0
        for ins in pikepdf.parse_content_stream(pdf.pages[0]):
            op = str(ins.operator)
            if op == "k":
                fill = tuple(float(v) for v in ins.operands)
            elif op == "Tf":
                size = float(ins.operands[1])
            elif op in ("Tj", "TJ") and size == style.text["body"].size:
                assert fill == (0, 0, 0, 1)  # body text in 100 % K, nothing else
                shown += 1
        assert shown > 20


def test_figure_colours_become_the_palette_cmyk_including_hatch_patterns(sample):
    brief, style, laid = sample
    out = pdfx.finish(finish_input(brief, style, with_figure(laid, figure_pdf())))
    palette = {tuple(round(v, 2) for v in c.cmyk) for c in style.colours.values()}
    with pikepdf.open(io.BytesIO(out)) as pdf:
        assert_cmyk_only(pdf, palette)
        form = next(x for x in pdf.pages[0].obj.Resources.XObject.values() if "/Resources" in x)
        hatch = next(iter(form.Resources.Pattern.values()))
        ops = pikepdf.unparse_content_stream(pikepdf.parse_content_stream(hatch)).decode()
        assert "1 0.6 0 0 k" in ops  # accent #0061ab → its CMYK
        assert "0 0 0 1 K" in ops  # text #1a1a1a → 100 % K
        assert all(r.ok for r in _check(out, "print")), [r for r in _check(out, "print") if not r.ok]


def test_rgb_spaces_and_sc_operators_are_rewritten(sample):
    _, style, _ = sample
    pdf = pikepdf.new()
    page = pdf.add_blank_page()
    page.obj.Resources.ColorSpace = Dictionary(CS0=Name.DeviceRGB)
    page.obj.Contents = pdf.make_stream(
        b"/DeviceRGB cs 0 0.3804 0.6706 sc /CS0 CS 0.6 0.6 0.6 SCN 0 0 10 10 re B 1 1 1 rg 0.102 G\n")
    to_palette_cmyk(pdf, style)
    ops = pikepdf.unparse_content_stream(pikepdf.parse_content_stream(page)).decode()
    # each colour comes with the overprint its inks call for: /GSop<fill><stroke>, 1 where 100 % K
    assert ops.split("\n")[:9] == ["/GSop10 gs", "/DeviceCMYK cs", "/GSop00 gs", "1 0.6 0 0 sc",
                                   "/GSop01 gs", "/DeviceCMYK CS", "/GSop00 gs", "0 0 0 0.4 SCN",
                                   "0 0 10 10 re"]
    assert ops.split("\n")[-4:] == ["/GSop00 gs", "0 0 0 0 k", "/GSop01 gs", "0 0 0 1 K"]  # paper, text
    gs = page.obj.Resources.ExtGState
    assert (bool(gs.GSop01.OP), bool(gs.GSop01.op), int(gs.GSop01.OPM)) == (True, False, 1)
    assert "/CS0" not in page.obj.Resources.ColorSpace


def test_an_off_palette_colour_is_an_error_only_where_it_paints(sample):
    _, style, _ = sample

    def convert(content: bytes, marker: bytes | None = None) -> bytes:
        pdf = pikepdf.new()
        page = pdf.add_blank_page()
        if marker is not None:  # a matplotlib-style marker: paints with the caller's colour
            page.obj.Resources.XObject = Dictionary(M0=pdf.make_stream(
                marker, Type=Name.XObject, Subtype=Name.Form, BBox=[0, 0, 10, 10]))
        page.obj.Contents = pdf.make_stream(content)
        to_palette_cmyk(pdf, style)
        return pikepdf.unparse_content_stream(pikepdf.parse_content_stream(page))

    # matplotlib sets a black stroke it never strokes with: not an error, and no RGB left
    ops = convert(b"0 0 0 RG 0.1019607843 g 0 0 10 10 re f")
    assert b"RG" not in ops and b"0 0 0 1 k" in ops
    with pytest.raises(BriefError, match="#000000"):
        convert(b"0 0 0 rg 0 0 10 10 re f")
    with pytest.raises(BriefError, match="#000000"):
        convert(b"0 0 0 RG 0 0 m 10 10 l S")
    assert b"0 0 0 1 k" in convert(b"0 0 0 RG 0.1019607843 g /M0 Do", marker=b"0 0 5 5 re f")
    with pytest.raises(BriefError, match="#000000"):
        convert(b"0 0 0 RG 0.1019607843 g /M0 Do", marker=b"0 0 m 5 5 l S")
    # the same marker drawn again, now with a colour outside the palette: judged again
    with pytest.raises(BriefError, match="#000000"):
        convert(b"0.1019607843 G /M0 Do 0 0 0 RG /M0 Do", marker=b"0 0 m 5 5 l S")


def test_a_form_painting_in_its_callers_colour_space_is_converted_in_that_space(sample):
    """A form that sets colours with ``sc`` in the space its caller selected (valid PDF) is
    converted as drawn: its operands become CMYK, as the caller's space does."""
    _, style, _ = sample
    pdf = pikepdf.new()
    page = pdf.add_blank_page()
    form = pdf.make_stream(b"0 0.3804 0.6706 sc 0 0 5 5 re f", Type=Name.XObject, Subtype=Name.Form,
                           BBox=[0, 0, 10, 10])
    page.obj.Resources.XObject = Dictionary(M0=form)
    page.obj.Contents = pdf.make_stream(b"/DeviceRGB cs /M0 Do")
    to_palette_cmyk(pdf, style)
    assert pikepdf.unparse_content_stream(pikepdf.parse_content_stream(page)) == \
        b"/GSop10 gs\n/DeviceCMYK cs\n/M0 Do"
    assert b"/GSop00 gs\n1 0.6 0 0 sc" in form.read_bytes()   # the form's own colour does not overprint


def test_an_indexed_rgb_inline_image_is_refused_for_print(sample):
    """An inline image whose colour space is named in the resources is judged by the space
    it names: an Indexed space over RGB cannot be printed in the palette's CMYK."""
    _, style, _ = sample
    pdf = pikepdf.new()
    page = pdf.add_blank_page()
    page.obj.Resources.ColorSpace = Dictionary(CS0=Array([Name.Indexed, Name.DeviceRGB, 0, b"\x00\x46\x7f"]))
    page.obj.Contents = pdf.make_stream(b"q 10 0 0 10 0 0 cm BI /W 1 /H 1 /CS /CS0 /BPC 8 ID \x00 EI Q")
    with pytest.raises(BriefError, match="RGB inline image in page 1"):
        to_palette_cmyk(pdf, style)


def test_an_opacity_nothing_is_painted_with_becomes_1_and_one_that_is_painted_is_refused(sample):
    _, style, _ = sample

    def convert(content: bytes):
        pdf = pikepdf.new()
        page = pdf.add_blank_page()
        page.obj.Resources.ExtGState = Dictionary(A1=Dictionary(Type=Name.ExtGState, CA=0, ca=1))
        page.obj.Contents = pdf.make_stream(content)
        to_palette_cmyk(pdf, style)
        return page.obj.Resources.ExtGState.A1

    # matplotlib: a patch without an edge gets stroke opacity 0 and is only filled
    assert float(convert(b"/A1 gs 1 g 0 0 10 10 re f").CA) == 1
    with pytest.raises(BriefError, match="opacity 0 .*/A1"):
        convert(b"/A1 gs 0.102 G 0 0 m 10 10 l S")


def test_a_figure_colour_outside_the_palette_is_an_error_naming_it(sample):
    brief, style, laid = sample
    with pytest.raises(BriefError) as err:
        pdfx.finish(finish_input(brief, style, with_figure(laid, figure_pdf(face="#ff0000"))))
    msg = str(err.value)
    assert "#ff0000" in msg and "page 1 → form" in msg
    assert "accent #0061ab" in msg and "house.toml" in msg


def test_a_transparent_figure_is_refused_in_print(sample):
    brief, style, laid = sample
    with pytest.raises(BriefError, match="opacity"):
        pdfx.finish(finish_input(brief, style, with_figure(laid, figure_pdf(alpha=0.5))))


# ---- print: identification, padding --------------------------------------------------------

def test_print_is_identified_as_pdfx1a_2003_with_fogra39(sample_build):
    raw = edition(sample_build, "print").read_bytes()
    assert raw.startswith(b"%PDF-1.4\n")
    assert b"/ObjStm" not in raw and b"/XRef" not in raw and b"\nxref\n" in raw  # PDF 1.4 file structure
    with pikepdf.open(io.BytesIO(raw)) as pdf:
        info = pdf.trailer.Info
        assert str(info.GTS_PDFXVersion) == "PDF/X-1:2003"
        assert str(info.GTS_PDFXConformance) == "PDF/X-1a:2003"
        assert info.Trapped == Name("/False")
        meta = pdf.open_metadata()
        assert meta["pdfx:GTS_PDFXVersion"] == "PDF/X-1:2003"
        assert meta["pdfx:GTS_PDFXConformance"] == "PDF/X-1a:2003"
        assert meta["pdf:Trapped"] == "False"
        assert meta["dc:title"] == str(info.Title)
        [oi] = pdf.Root.OutputIntents
        assert oi.S == Name.GTS_PDFX and str(oi.OutputConditionIdentifier) == "FOGRA39"
        assert str(oi.RegistryName) == "http://www.color.org" and str(oi.Info) and str(oi.OutputCondition)
        for key in ("/Outlines", "/Names", "/AcroForm"):
            assert key not in pdf.Root
        for page in pdf.pages:
            assert "/Annots" not in page.obj and "/Group" not in page.obj
        assert not any(isinstance(o, Dictionary) and ("/SMask" in o or "/CA" in o and float(o.CA) < 1)
                       for o in pdf.objects)


def test_print_pads_to_a_multiple_of_four_with_marked_blank_pages(sample):
    brief, style, laid = sample
    assert laid.pages % 4
    out = pdfx.finish(finish_input(brief, style, laid, pad_to=4))
    with pikepdf.open(io.BytesIO(out)) as pdf:
        assert len(pdf.pages) % 4 == 0 and len(pdf.pages) < laid.pages + 4
        last = pdf.pages[-1]
        assert close(box(last, "/TrimBox"), box(pdf.pages[0], "/TrimBox"))
        assert close(box(last, "/BleedBox"), box(pdf.pages[0], "/BleedBox"))
        assert b"BT" not in last.obj.Contents.read_bytes()
    assert all(r.ok for r in _check(out, "print"))
    with pytest.raises(BriefError, match="pad_to"):
        pdfx.finish(finish_input(brief, style, laid, pad_to=0))


# ---- screen --------------------------------------------------------------------------------

def test_screen_has_outline_in_reading_order_live_links_and_is_small(tmp_path, brief_copy):
    proc = run_brief("build", brief_copy, "--out", tmp_path, "--variant", "screen", "-q")
    assert proc.returncode == 0, proc.stderr
    path = tmp_path / brief_copy.name / f"{brief_copy.name}-screen.pdf"
    assert path.stat().st_size <= 600 * 1024
    brief, style = load(brief_copy)
    want = [t for t, _ in layout(brief, style).outline]
    with pikepdf.open(path) as pdf, pdf.open_outline() as outline:
        titles = []
        todo = list(outline.root)
        while todo:
            item = todo.pop(0)
            titles.append(item.title)
            todo[:0] = list(item.children)
        assert titles == want and len(want) >= 2
        links = [a for p in pdf.pages for a in p.obj.get("/Annots", []) if a.Subtype == Name.Link]
        assert links
        assert pdf.Root.PageMode == Name.UseOutlines


def test_sample_screen_edition_is_at_most_600_kb(sample_build):
    assert edition(sample_build, "screen").stat().st_size <= 600 * 1024


# ---- archive -------------------------------------------------------------------------------

def attachments(pdf):
    out = {}
    for spec in pdf.Root.AF:
        out[str(spec.UF)] = spec
    return out


def test_archive_is_pdfa3b_with_an_srgb_intent(sample_build):
    with pikepdf.open(edition(sample_build, "archive")) as pdf:
        meta = pdf.open_metadata()
        assert meta["pdfaid:part"] == "3" and meta["pdfaid:conformance"] == "B"
        assert meta["dc:title"] == str(pdf.trailer.Info.Title)
        [oi] = pdf.Root.OutputIntents
        assert oi.S == Name.GTS_PDFA1
        icc = oi.DestOutputProfile.read_bytes()
        assert oi.DestOutputProfile.N == 3 and icc[16:20] == b"RGB " and icc[36:40] == b"acsp"
        assert icc[24:36] == bytes([7, 208, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0])  # fixed date 2000-01-01, not "now"
        assert "/Encrypt" not in pdf.trailer and not pdf.is_encrypted
        assert "/JavaScript" not in pdf.Root.Names and "/OpenAction" not in pdf.Root
        for page in pdf.pages:
            for annot in page.obj.get("/Annots", []):
                assert int(annot.F) & 4  # printable
                assert annot.get("/A") is None or annot.A.S in (Name.URI, Name.GoTo)


def test_archive_carries_its_sources_byte_for_byte(sample_build):
    import tomllib

    brief, style = load(SAMPLE)
    geodata = ROOT / "geodata"
    want = {
        f"briefs/{SLUG}/brief.md": SAMPLE / "brief.md",
        "styles/house.toml": style.path,
        "geodata/MANIFEST.json": geodata / "MANIFEST.json",
        "geodata/gazetteer.toml": geodata / "gazetteer.toml",
        "geodata/viewpoints.toml": geodata / "viewpoints.toml",
    }
    extra = [*brief.figure_specs.values(), *SAMPLE.glob("places.toml"), *SAMPLE.glob("places.lock.json")]
    want |= {f"briefs/{SLUG}/{p.relative_to(SAMPLE).as_posix()}": p for p in extra}
    # the bundled annotation layers the maps draw, and no other
    named = {entry["layer"] for spec in brief.figure_specs.values()
             for entry in tomllib.loads(spec.read_text()).get("layer", [])}
    layers = {p for p in (geodata / "layers").glob("*.geojson") if p.stem in named}
    assert layers and len(layers) < len(list((geodata / "layers").glob("*.geojson")))
    want |= {f"geodata/layers/{p.name}": p for p in layers}
    # derived from the installed data, what the build used of it: per map the base-layer features
    # it drew, and the capitals its settlements were checked against (tests/test_archive_alone.py)
    derived = {f"geodata/drawn/{fid}.json" for fid, spec in brief.figure_specs.items()
               if tomllib.loads(spec.read_text())["kind"] == "map"} | {"geodata/world.json"}
    with pikepdf.open(edition(sample_build, "archive")) as pdf:
        got = attachments(pdf)
        assert set(got) == set(want) | derived | {"brief-build.json"}
        for name in derived:
            assert got[name].AFRelationship == Name.Source
            assert json.loads(got[name].EF.F.read_bytes())["format"] in ("brief-drawn/1", "brief-world/1")
        names = pikepdf.NameTree(pdf.Root.Names.EmbeddedFiles)
        assert sorted(names.keys()) == sorted(got)
        for name, path in want.items():
            spec = got[name]
            assert spec.AFRelationship == Name.Source and str(spec.F) == name
            data = spec.EF.F.read_bytes()
            assert data == path.read_bytes(), name
            params = spec.EF.F.Params
            assert int(params.Size) == len(data) and bytes(params.CheckSum) == hashlib.md5(data).digest()
            assert str(params.ModDate) == str(pdf.trailer.Info.CreationDate)
            assert str(spec.EF.F.Subtype).startswith("/")
        record = json.loads(got["brief-build.json"].EF.F.read_bytes())
        assert record["tool"] == TOOL and record["brief"] == f"briefs/{SLUG}/brief.md"


MAP_USING_OWN_LAYER = """kind = "map"
title = "Route"
caption = "A route."
alt = "A map of the southern Baltic with the brief's own route."
source = "Made with Natural Earth; route: the brief's own layer."
size = "column"
height = 60
[extent]
bbox = [10, 50, 30, 60]
[[layer]]
layer = "land"
role = "land"
[[layer]]
layer = "route"
role = "route"
"""


def _brief_with_map(brief_copy):
    """The test brief with one map drawing its own layers/route.geojson; beside it an unused
    layer and an unused file that must never be attached."""
    text = (brief_copy / "brief.md").read_text(encoding="utf-8")
    (brief_copy / "brief.md").write_text(text + "\n![](figure:route)\n", encoding="utf-8")
    (brief_copy / "figures").mkdir()
    (brief_copy / "figures" / "route.toml").write_text(MAP_USING_OWN_LAYER, encoding="utf-8")
    (brief_copy / "places.toml").write_text("# own places\n", encoding="utf-8")
    (brief_copy / "layers").mkdir()
    (brief_copy / "layers" / "route.geojson").write_text('{"type": "FeatureCollection", "features": []}\n')
    (brief_copy / "layers" / "unused.geojson").write_text('{"type": "FeatureCollection", "features": []}\n')
    (brief_copy / "notes.txt").write_text("private notes\n")


def test_archive_attaches_exactly_the_files_the_build_used(tmp_path, brief_copy):
    _brief_with_map(brief_copy)
    brief, style = load(brief_copy)
    slug = brief.meta.slug
    assert {i.name: i.role for i in brief.inputs} == {
        f"briefs/{slug}/brief.md": "brief", f"briefs/{slug}/figures/route.toml": "figure",
        f"briefs/{slug}/places.toml": "places", f"briefs/{slug}/layers/route.geojson": "layer",
        "geodata/gazetteer.toml": "gazetteer", "geodata/viewpoints.toml": "viewpoints"}
    text_only = dataclasses.replace(brief, blocks=tuple(b for b in brief.blocks if type(b).__name__ != "FigureRef"))
    out = pdfa.finish(finish_input(text_only, style, layout(text_only, style), "archive"))
    path = tmp_path / "archive.pdf"
    path.write_bytes(out)
    with pikepdf.open(path) as pdf:
        got = attachments(pdf)
        assert set(got) == {i.name for i in brief.inputs} | {"styles/house.toml", "geodata/MANIFEST.json",
                                                             "brief-build.json"}
        for rel in ("brief.md", "figures/route.toml", "places.toml", "layers/route.geojson"):
            assert got[f"briefs/{slug}/{rel}"].EF.F.read_bytes() == (brief_copy / rel).read_bytes()
        assert str(got[f"briefs/{slug}/layers/route.geojson"].EF.F.Subtype) == "/application/geo+json"
    written = pdfa.extract_sources(path, tmp_path / "out")
    assert {p.relative_to(tmp_path / "out").as_posix() for p in written} >= {
        f"briefs/{slug}/figures/route.toml", f"briefs/{slug}/layers/route.geojson"}
    assert all(r.ok for r in _check(out, "archive"))


def test_a_symlink_out_of_the_brief_a_fifo_or_a_device_is_refused(tmp_path, brief_copy):
    _brief_with_map(brief_copy)
    secret = tmp_path / "id_rsa"
    secret.write_text("-----BEGIN OPENSSH PRIVATE KEY-----\n")
    # a link to a file outside that no figure uses is never read nor attached
    (brief_copy / "layers" / "k.geojson").symlink_to(secret)
    brief, _ = load(brief_copy)
    assert all(i.path.resolve() != secret for i in brief.inputs)
    # a link inside the brief folder is fine and attached under its own name
    (brief_copy / "layers" / "route.geojson").rename(brief_copy / "layers" / "real.geojson")
    (brief_copy / "layers" / "route.geojson").symlink_to("real.geojson")
    brief, _ = load(brief_copy)
    assert f"briefs/{brief.meta.slug}/layers/route.geojson" in {i.name for i in brief.inputs}
    # the used layer is a link to the secret: one line naming the file and why, exit 1
    (brief_copy / "layers" / "route.geojson").unlink()
    (brief_copy / "layers" / "route.geojson").symlink_to(secret)
    out = tmp_path / "dist"
    cases = {"layers/route.geojson": "symbolic link to", "figures/route.toml": "FIFO", "places.toml": "outside the brief folder"}
    for rel, says in cases.items():
        if rel == "figures/route.toml":
            (brief_copy / "layers" / "route.geojson").unlink()
            (brief_copy / "layers" / "real.geojson").rename(brief_copy / "layers" / "route.geojson")
            (brief_copy / rel).unlink()
            os.mkfifo(brief_copy / rel)
        elif rel == "places.toml":
            (brief_copy / "figures" / "route.toml").unlink()
            (brief_copy / "figures" / "route.toml").write_text(MAP_USING_OWN_LAYER, encoding="utf-8")
            (brief_copy / rel).unlink()
            (brief_copy / rel).symlink_to("/dev/null")  # a device, and outside
        proc = run_brief("build", brief_copy, "--out", out, "--variant", "archive", "-q")
        assert proc.returncode == 1, proc.stderr
        lines = proc.stderr.strip().splitlines()
        assert len(lines) == 1 and "Traceback" not in proc.stderr, proc.stderr
        assert rel in lines[0] and cases[rel] in lines[0], lines[0]
        assert not (out / brief_copy.name).exists()
    assert "PRIVATE KEY" not in "".join(p.read_text(errors="ignore") for p in tmp_path.rglob("*.pdf"))
    try:  # a device node inside the brief folder (needs the privilege to make one)
        (brief_copy / "places.toml").unlink()
        os.mknod(brief_copy / "places.toml", stat.S_IFCHR | 0o600, os.makedev(1, 3))
    except PermissionError:
        return
    proc = run_brief("build", brief_copy, "--out", out, "--variant", "archive", "-q")
    assert proc.returncode == 1 and "places.toml is a character device, not a regular file" in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1


def test_the_archive_rebuilds_itself_from_its_attachments(sample_build, tmp_path):
    src = tmp_path / "src"
    pdfa.extract_sources(edition(sample_build, "archive"), src)
    proc = run_brief("build", src / "briefs" / SLUG, "--out", tmp_path / "out", "--variant", "archive",
                     "--styles", src / "styles", "--geodata", src / "geodata", "-q", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    rebuilt = tmp_path / "out" / SLUG / f"{SLUG}-archive.pdf"
    assert rebuilt.read_bytes() == edition(sample_build, "archive").read_bytes()
    with pikepdf.open(rebuilt) as pdf:
        how = json.loads(pdf.attachments["brief-build.json"].get_file().read_bytes())["rebuild"]
    assert "--styles styles --geodata geodata --variant archive" in how


def test_extract_sources_refuses_names_that_leave_the_folder(sample_build, tmp_path):
    bad = tmp_path / "bad.pdf"
    with pikepdf.open(edition(sample_build, "archive")) as pdf:
        pdf.Root.AF[0].UF = pikepdf.String("../../escape.md")
        pdf.save(bad)
    with pytest.raises(BriefError, match="not a relative project path"):
        pdfa.extract_sources(bad, tmp_path / "x")
    assert not (tmp_path / "escape.md").exists()


# ---- all editions --------------------------------------------------------------------------

def test_a_new_row_in_the_table_is_one_more_edition(sample_build, tmp_path):
    """A row naming an existing finisher: built into its own file, checked by its own profile
    (its standards' rules and its house rules), the finisher's bytes."""
    code = ("import dataclasses, sys; from pathlib import Path; from report import editions; "
            "editions.EDITIONS['proof'] = dataclasses.replace(editions.EDITIONS['screen'], name='proof', "
            "house=('boxes.page',)); "
            "from report.pipeline import build; from report.preflight import PROFILES; "
            "[b] = build(Path(sys.argv[1]), Path(sys.argv[2]), ['proof']); "
            "print(b.path.name, len(PROFILES['proof']))")
    proc = subprocess.run([sys.executable, "-c", code, str(SAMPLE), str(tmp_path)], cwd=ROOT,
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-800:]
    assert proc.stdout.split() == [f"{SLUG}-proof.pdf", "2"]  # validator.pdfua-1 + boxes.page
    assert (tmp_path / SLUG / f"{SLUG}-proof.pdf").read_bytes() == edition(sample_build, "screen").read_bytes()


def test_rebuilds_are_byte_identical_in_another_folder_and_cwd(sample_build, tmp_path):
    proc = run_brief("build", SAMPLE, "--out", tmp_path / "elsewhere", "-q", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    for variant in EDITIONS:
        again = tmp_path / "elsewhere" / SLUG / f"{SLUG}-{variant}.pdf"
        assert again.read_bytes() == edition(sample_build, variant).read_bytes(), \
            f"{variant} differs between builds (XObject names: {_xobject_names(again)} vs " \
            f"{_xobject_names(edition(sample_build, variant))})"
        assert str(ROOT).encode() not in again.read_bytes() and str(tmp_path).encode() not in again.read_bytes()


def _xobject_names(path):
    with pikepdf.open(path) as pdf:
        return sorted(str(n) for p in pdf.pages for n in (p.obj.Resources.get("/XObject") or {}).keys())


def test_source_date_epoch_sets_every_date(tmp_path):
    env = dict(os.environ, SOURCE_DATE_EPOCH="1536883200")  # 2018-09-14T00:00:00Z
    proc = run_brief("build", SAMPLE, "--out", tmp_path, "-q", env=env)
    assert proc.returncode == 0, proc.stderr
    for variant in EDITIONS:
        with pikepdf.open(tmp_path / SLUG / f"{SLUG}-{variant}.pdf") as pdf:
            assert str(pdf.trailer.Info.CreationDate).startswith("D:20180914000000")
            assert pdf.open_metadata()["xmp:CreateDate"].startswith("2018-09-14T00:00:00")


def _check(pdf_bytes, profile):
    from report.preflight import check
    return check(pdf_bytes, profile=profile)


@pytest.mark.parametrize("variant", ["print", "screen", "archive"])
def test_brief_check_passes(sample_build, variant):
    proc = run_brief("check", edition(sample_build, variant), "--profile", variant)
    assert proc.returncode == 0, proc.stdout


# ---- real readers (skipped when not installed) ----------------------------------------------

def _tool(name):
    path = shutil.which(name)
    if path is None:
        pytest.skip(f"{name} is not installed")
    return path


@pytest.mark.parametrize("variant", ["print", "screen", "archive"])
def test_real_readers_accept_every_edition(sample_build, variant):
    path = edition(sample_build, variant)
    qpdf = subprocess.run([_tool("qpdf"), "--check", path], capture_output=True, text=True)
    assert qpdf.returncode == 0 and "No syntax or stream encoding errors" in qpdf.stdout, qpdf.stdout
    gs = subprocess.run([_tool("gs"), "-q", "-dNOPAUSE", "-dBATCH", "-o", "/dev/null",
                         "-sDEVICE=nullpage", path], capture_output=True, text=True)
    assert gs.returncode == 0 and "rror" not in gs.stdout + gs.stderr, gs.stdout + gs.stderr
    fonts = subprocess.run([_tool("pdffonts"), path], capture_output=True, text=True).stdout.splitlines()[2:]
    assert fonts and all(line.split()[-5] == "yes" for line in fonts), fonts


def test_source_date_epoch_sets_the_dates_and_nothing_else(tmp_path):
    """SOURCE_DATE_EPOCH equal to the brief's own date gives the very same bytes; another
    epoch changes the dates (and so the content-derived /ID), not the layout."""
    import os

    base = {k: v for k, v in os.environ.items() if k != "SOURCE_DATE_EPOCH"}
    outs = {}
    for name, epoch in (("default", None), ("same", "1514764800"), ("other", "1600000000")):
        env = dict(base, **({"SOURCE_DATE_EPOCH": epoch} if epoch else {}))
        proc = run_brief("build", SAMPLE, "--out", tmp_path / name, "--variant", "screen", "-q", env=env)
        assert proc.returncode == 0, proc.stderr
        outs[name] = tmp_path / name / SAMPLE.name / f"{SAMPLE.name}-screen.pdf"
    assert outs["default"].read_bytes() == outs["same"].read_bytes()
    with pikepdf.open(outs["other"]) as pdf:
        assert str(pdf.docinfo["/CreationDate"]).startswith("D:20200913")
