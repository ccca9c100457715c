"""Preflight: a small valid PDF per profile passes every rule of its profile;
for every rule, a deliberately broken variant fails that rule (and only it)."""
from __future__ import annotations

import io
import json
import os
import warnings

import pikepdf
import pytest
from pikepdf import Array, Dictionary, Name, String

import report.fonts  # noqa: F401  (the product's ToUnicode fix applies to fixtures drawn by ReportLab)
from report.preflight import PROFILES, RULES, RuleResult, check, format_text, to_json
from report.preflight.independent import VALIDATORS

A4W, A4H = 595.276, 841.89
BLEED = 3 * 72 / 25.4


def _font_path():
    import matplotlib
    return os.path.join(matplotlib.get_data_path(), "fonts", "ttf", "DejaVuSans.ttf")


def _reportlab_page(size, cmyk: bool, tagged: bool = False) -> bytes:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen import canvas

    from report.shims import reportlab as shim

    shim.install()   # as the layout does: no ToUnicode entry U+0000, whichever test runs first
    pdfmetrics.registerFont(TTFont("DejaVuPF", _font_path()))
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=size, invariant=1)
    c.setFont("DejaVuPF", 10)
    if cmyk:
        c.setFillColorCMYK(0, 0, 0, 1)
        c.setStrokeColorCMYK(0.2, 0.1, 0, 0.5)
    else:
        c.setFillColorRGB(0.1, 0.1, 0.1)
        c.setStrokeColorRGB(0.2, 0.3, 0.6)
    if tagged:  # the text is a paragraph (MCID 0 of page 1), the rule an artifact
        c._code.append("/P <</MCID 0>> BDC")
    c.drawString(72, 700, "Policy brief: hello")
    c._code.extend(["EMC", "/Artifact BMC"] if tagged else [])
    c.setLineWidth(1)
    c.line(72, 690, 300, 690)
    c._code.extend(["EMC"] if tagged else [])
    c.showPage()
    c.save()
    return buf.getvalue()


def _add_image(pdf, page, cmyk: bool, tagged: bool = False):
    """A 40x40 px image placed at 9.6 pt (= 300 ppi); an artifact in a tagged file."""
    n = 4 if cmyk else 3
    img = pikepdf.Stream(pdf, bytes([30] * (40 * 40 * n)))
    img.Type, img.Subtype = Name.XObject, Name.Image
    img.Width = img.Height = 40
    img.BitsPerComponent = 8
    img.ColorSpace = Name.DeviceCMYK if cmyk else Name.DeviceRGB
    res = page.obj.Resources
    if "/XObject" not in res:
        res.XObject = Dictionary()
    res.XObject.Im1 = pdf.make_indirect(img)
    stamp = b"q 9.6 0 0 9.6 100 100 cm /Im1 Do Q\n"
    page.contents_add(pikepdf.Stream(pdf, b"/Artifact BMC " + stamp + b"EMC\n" if tagged else stamp))


def _tag(pdf):
    """The structure tree of the tagged fixture: one paragraph (PDF/UA-1)."""
    from report.pdf.tagged import add_structure
    from report.tagging import Tags

    tags = Tags()
    tags.mcid(0, tags.root.add("P"))
    add_structure(pdf, tags)
    pdf.Root.Lang = String("en-GB")


def _drop_helvetica(page):
    """reportlab always lists an unused, non-embedded Helvetica as /F1."""
    fonts = page.obj.Resources.Font
    if "/F1" in fonts:
        del fonts["/F1"]


def _xmp(pdf, extra=None):
    with pdf.open_metadata(set_pikepdf_as_editor=False) as m, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # GTS_PDFXVersion/Trapped have no XMP twin
        m.load_from_docinfo(pdf.docinfo)
        for k, v in (extra or {}).items():
            m[k] = v


def _info(pdf):
    pdf.docinfo["/Title"] = "Test brief"
    pdf.docinfo["/Author"] = "Policy Unit"
    pdf.docinfo["/Subject"] = "Preflight fixture"
    pdf.docinfo["/Producer"] = "brief"


#: the fixture each profile is judged on
FIXTURE = {"print": "print", "pdfx-1a": "print", "screen": "screen", "archive": "archive",
           "pdfa-3b": "archive", "pdfa-2b": "pdfa-2b", "pdfua-1": "screen"}
NO_FIXTURE: set[str] = set()
#: the fixtures that are tagged PDF/UA-1, as the editions they stand for are
TAGGED = {"screen", "archive"}


def build(profile: str) -> bytes:
    cmyk = profile == "print"
    tagged = profile in TAGGED
    size = (A4W + 2 * BLEED, A4H + 2 * BLEED) if cmyk else (A4W, A4H)
    pdf = pikepdf.open(io.BytesIO(_reportlab_page(size, cmyk, tagged)))
    page = pdf.pages[0]
    _drop_helvetica(page)
    _add_image(pdf, page, cmyk, tagged)
    _info(pdf)
    if tagged:
        _tag(pdf)
    ua = {"pdfuaid:part": "1"} if tagged else {}
    if profile == "print":
        # black overprints (colour.overprint): the page drawn with overprint on
        page.obj.Resources.ExtGState = Dictionary(OP1=Dictionary(Type=Name.ExtGState, OP=True, op=True, OPM=1))
        page.contents_add(pikepdf.Stream(pdf, b"q /OP1 gs\n"), prepend=True)
        page.contents_add(pikepdf.Stream(pdf, b"Q\n"))
        page.obj.TrimBox = Array([BLEED, BLEED, BLEED + A4W, BLEED + A4H])
        page.obj.BleedBox = Array([0, 0, A4W + 2 * BLEED, A4H + 2 * BLEED])
        pdf.docinfo["/GTS_PDFXVersion"] = "PDF/X-1:2003"
        pdf.docinfo["/GTS_PDFXConformance"] = "PDF/X-1a:2003"
        pdf.docinfo["/CreationDate"] = pdf.docinfo["/ModDate"] = "D:20180101000000Z"
        pdf.docinfo["/Trapped"] = Name("/False")
        pdf.Root.OutputIntents = Array([pdf.make_indirect(Dictionary(
            Type=Name.OutputIntent, S=Name.GTS_PDFX,
            OutputConditionIdentifier=String("FOGRA39"),
            RegistryName=String("http://www.color.org"),
            Info=String("Coated FOGRA39 (ISO 12647-2:2004)")))])
        _xmp(pdf)
    elif profile in ("archive", "pdfa-2b"):
        from PIL import ImageCms
        icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
        prof = pikepdf.Stream(pdf, icc)
        prof.N = 3
        pdf.Root.OutputIntents = Array([pdf.make_indirect(Dictionary(
            Type=Name.OutputIntent, S=Name.GTS_PDFA1,
            OutputConditionIdentifier=String("sRGB IEC61966-2.1"),
            DestOutputProfile=pdf.make_indirect(prof)))])
        _xmp(pdf, {"pdfaid:part": "3" if profile == "archive" else "2", "pdfaid:conformance": "B", **ua})
        if tagged:
            from report.pdf.tagged import add_pdfua_extension_schema
            add_pdfua_extension_schema(pdf)
    else:
        _xmp(pdf, ua)
    out = io.BytesIO()
    pdf.save(out, min_version="1.4" if cmyk else "")
    return out.getvalue()


@pytest.fixture(scope="module")
def valid():
    files = {f: build(f) for f in set(FIXTURE.values())}
    return {p: files[f] for p, f in FIXTURE.items()}


def _open(data: bytes) -> pikepdf.Pdf:
    return pikepdf.open(io.BytesIO(data))


def _save(pdf, **kw) -> bytes:
    out = io.BytesIO()
    pdf.save(out, **kw)
    return out.getvalue()


def run(data: bytes, profile: str, tmp_path):
    path = tmp_path / f"{profile}.pdf"
    path.write_bytes(data)
    return check(str(path), profile)


# ---------------------------------------------------------------- mutators

def _append(pdf, content: bytes, overprint: bool = True) -> None:
    """Add ``content`` to page 1; in the print fixture drawn with overprint on, as the print
    finisher draws black (so that only what ``content`` breaks on purpose fails)."""
    page = pdf.pages[0]
    if overprint and "/OP1" in page.obj.Resources.get("/ExtGState", Dictionary()):
        content = b"q /OP1 gs\n" + content + b"\nQ\n"
    page.contents_add(pikepdf.Stream(pdf, content))


def m_append(content: bytes, overprint: bool = True):
    def f(data):
        pdf = _open(data)
        _append(pdf, content, overprint)
        return _save(pdf)
    return f


def m_header(data):
    i = data.index(b"\n") + 2  # after '%PDF-1.x\n%'
    return data[:i] + b"abcd" + data[i + 4:]


def m_trailer(data):
    return data + b"garbage after EOF\n"


def m_encrypt(data):
    pdf = _open(data)
    return _save(pdf, encryption=pikepdf.Encryption(owner="owner", user="", R=3, aes=False, metadata=False))


def m_no_bleed(data):
    pdf = _open(data)
    del pdf.pages[0].obj["/BleedBox"]
    return _save(pdf)


def m_letter(data):
    pdf = _open(data)
    pdf.pages[0].obj.MediaBox = Array([0, 0, 612, 792])
    return _save(pdf)


def _ttf_font(pdf):
    fonts = pdf.pages[0].obj.Resources.Font
    name = next(iter(fonts.keys()))
    return name, fonts[name]


def m_unembed(data):
    pdf = _open(data)
    _, font = _ttf_font(pdf)
    fd = font.FontDescriptor
    for k in ("/FontFile", "/FontFile2", "/FontFile3"):
        if k in fd:
            del fd[k]
    return _save(pdf)


def m_type3(data):
    pdf = _open(data)
    t3 = pdf.make_indirect(Dictionary(
        Type=Name.Font, Subtype=Name.Type3, FontBBox=Array([0, 0, 1, 1]),
        FontMatrix=Array([0.001, 0, 0, 0.001, 0, 0]), CharProcs=Dictionary(),
        Encoding=Dictionary(Differences=Array([])), FirstChar=0, LastChar=0, Widths=Array([0])))
    pdf.pages[0].obj.Resources.Font.T3 = t3
    return _save(pdf)


def m_no_intent(data):
    pdf = _open(data)
    del pdf.Root["/OutputIntents"]
    return _save(pdf)


def m_no_xmp(data):
    pdf = _open(data)
    del pdf.Root["/Metadata"]
    return _save(pdf)


def m_title(data):
    pdf = _open(data)
    pdf.docinfo["/Title"] = "Another title"
    return _save(pdf)


def m_trapped(data):
    pdf = _open(data)
    pdf.docinfo["/Trapped"] = Name("/Unknown")
    return _save(pdf)


def m_js(data):
    pdf = _open(data)
    js = Dictionary(S=Name.JavaScript, JS=String("app.alert('x')"))
    pdf.Root.Names = Dictionary(JavaScript=Dictionary(Names=Array([String("a"), js])))
    return _save(pdf)


def _annot(pdf, action):
    an = pdf.make_indirect(Dictionary(Type=Name.Annot, Subtype=Name.Link,
                                      Rect=Array([10, 10, 20, 20]), Border=Array([0, 0, 0]),
                                      A=action))
    pdf.pages[0].obj.Annots = Array([an])


def m_named(data):
    pdf = _open(data)
    _annot(pdf, Dictionary(S=Name.Named, N=Name.Print))
    return _save(pdf)


def m_gotor(data):
    pdf = _open(data)
    _annot(pdf, Dictionary(S=Name.GoToR, F=String("other.pdf"), D=Array([0, Name.Fit])))
    return _save(pdf)


def m_page_aa(data):
    pdf = _open(data)
    pg = pdf.pages[0].obj
    pg.AA = Dictionary(O=Dictionary(S=Name.GoTo, D=Array([pg, Name.Fit])))
    return _save(pdf)


def m_pdfaid(data):
    pdf = _open(data)
    with pdf.open_metadata(set_pikepdf_as_editor=False, update_docinfo=False) as m:
        m["pdfaid:part"] = "1"
    return _save(pdf)


def _type0_font(pdf, cid0_gid=None):
    """A Type 0 font over the fixture's TrueType program, Identity-H."""
    _, ttf = _ttf_font(pdf)
    fd = ttf.FontDescriptor
    gmap = None if cid0_gid is None else pdf.make_stream(bytes([0, cid0_gid]) + bytes(range(0, 0)))
    cid = Dictionary(Type=Name.Font, Subtype=Name.CIDFontType2, BaseFont=ttf.BaseFont,
                     CIDSystemInfo=Dictionary(Registry=String("Adobe"), Ordering=String("Identity"),
                                              Supplement=0),
                     FontDescriptor=fd, CIDToGIDMap=gmap if gmap is not None else Name.Identity)
    return pdf.make_indirect(Dictionary(Type=Name.Font, Subtype=Name.Type0, BaseFont=ttf.BaseFont,
                                        Encoding=Name("/Identity-H"),
                                        DescendantFonts=Array([pdf.make_indirect(cid)])))


def m_cid0(data):
    """Text shown with CID 0 of a CIDFont whose CIDToGIDMap gives CID 0 a real glyph."""
    pdf = _open(data)
    pdf.pages[0].obj.Resources.Font.C0 = _type0_font(pdf, cid0_gid=4)
    _append(pdf, b"BT /C0 10 Tf 72 500 Td <0000> Tj ET\n")
    return _save(pdf)


def m_tounicode_zero(data):
    pdf = _open(data)
    _, font = _ttf_font(pdf)
    cmap = font.ToUnicode.read_bytes()
    font.ToUnicode.write(cmap.replace(b"endbfchar", b"<FF> <0000>\nendbfchar", 1)
                         .replace(b"beginbfchar", b"beginbfchar", 1))
    return _save(pdf)


def m_version(data):
    pdf = _open(data)
    return _save(pdf, force_version="1.6")


def m_trim_and_art(data):
    pdf = _open(data)
    pg = pdf.pages[0].obj
    del pg["/TrimBox"]
    return _save(pdf)


def m_annot_in_bleed(data):
    pdf = _open(data)
    pdf.pages[0].obj.Annots = Array([pdf.make_indirect(Dictionary(
        Type=Name.Annot, Subtype=Name.Text, Rect=Array([100, 100, 120, 120]), Contents=String("note")))])
    return _save(pdf)


def m_extgstate(**entries):
    """Paint a square under an ExtGState with ``entries``."""
    def f(data):
        pdf = _open(data)
        resources = pdf.pages[0].obj.Resources
        if "/ExtGState" not in resources:
            resources.ExtGState = Dictionary()
        resources.ExtGState.GSx = Dictionary(Type=Name.ExtGState, **entries)
        _append(pdf, b"q /GSx gs 0 0 0 1 k 0 0 10 10 re f Q\n")
        return _save(pdf)
    return f


def m_no_pdfx_conformance(data):
    pdf = _open(data)
    del pdf.docinfo["/GTS_PDFXConformance"]
    return _save(pdf)


def m_open_action(data):
    pdf = _open(data)
    pdf.Root.OpenAction = Dictionary(S=Name.URI, URI=String("https://example.org/"))
    return _save(pdf)


def m_glyph(data):
    pdf = _open(data)
    name, _ = _ttf_font(pdf)
    return m_append(b"BT " + str(name).encode() + b" 10 Tf 72 600 Td <FE> Tj ET\n")(_save(pdf))


def m_small_type(data):
    pdf = _open(data)
    name, _ = _ttf_font(pdf)
    # 10 pt font scaled to 40 % by the CTM = 4 pt
    return m_append(b"q 0.4 0 0 0.4 0 0 cm BT " + str(name).encode() + b" 10 Tf 200 200 Td (h) Tj ET Q\n")(_save(pdf))


def m_text(colour: bytes, size: int):
    """A line of text in ``colour`` (a colour operator) at ``size`` pt."""
    def f(data):
        pdf = _open(data)
        name, _ = _ttf_font(pdf)
        _append(pdf, b"q " + colour + b" BT " + str(name).encode() + b" %d Tf 72 600 Td (h) Tj ET Q\n" % size)
        return _save(pdf)
    return f


BROKEN = {
    "structure.header": m_header,
    "structure.trailer": m_trailer,
    "structure.encryption": m_encrypt,
    "boxes.print": m_no_bleed,
    "boxes.page": m_letter,
    "fonts.embedded": m_unembed,
    "fonts.no_type3": m_type3,
    "fonts.glyphs": m_glyph,
    "fonts.notdef": m_cid0,
    "fonts.tounicode": m_tounicode_zero,
    "colour.pdfx": m_append(b"q 1 0 0 rg 0 0 10 10 re f Q\n"),
    "colour.total_ink": m_append(b"q 1 1 1 0.5 k 0 0 10 10 re f Q\n"),
    "colour.registration": m_append(b"q 0.3 w 0.45 0.15 0 0.25 K 0 0 m 10 10 l S Q\n"),
    "colour.overprint": m_append(b"q 0 0 0 1 K 1 w 0 0 m 10 10 l S Q\n", overprint=False),
    "colour.reversed": m_text(b"0 0 0 0 k", 7),
    "intent.pdfx": m_no_intent,
    "metadata.xmp_present": m_no_xmp,
    "metadata.info_xmp": m_title,
    "metadata.pdfx": m_trapped,
    "pdfx.version": m_version,
    "pdfx.boxes": m_trim_and_art,
    "pdfx.annotations": m_annot_in_bleed,
    "pdfx.transparency": m_extgstate(ca=0.5),
    "pdfx.features": m_extgstate(TR=Name.Identity),
    "pdfx.info": m_no_pdfx_conformance,
    "pdfx.actions": m_open_action,
    "validator.pdfa-2b": m_pdfaid,
    "validator.pdfa-3b": m_pdfaid,
    "actions.javascript": m_js,
    "actions.forbidden": m_named,
    "actions.triggers": m_page_aa,
    "actions.external": m_gotor,
    "images.resolution": m_append(b"q 200 0 0 200 0 0 cm /Im1 Do Q\n"),
    "graphics.line_width": m_append(b"q 0.1 w 0 0 m 10 10 l S Q\n"),
    "graphics.hairline": m_append(b"q 0 w 0 0 m 10 10 l S Q\n"),
    "graphics.type_size": m_small_type,
}
# rules that cannot fail alone, by what their broken variant also breaks
ALSO_FAILS = {
    ("print", "boxes.print"): {"pdfx.boxes"},          # no BleedBox: TrimBox now lies outside the MediaBox' bleed
    ("print", "pdfx.boxes"): {"boxes.print"},          # no TrimBox is no A4 trim either
    ("print", "pdfx.annotations"): set(),
}
NO_BROKEN = {"structure.open", "colour.report", "validator.pdfua-1"}

CASES = [(p, r) for p, rules in PROFILES.items() if p not in NO_FIXTURE
         for r in rules if r not in NO_BROKEN]


def _failed(results):
    return {r.rule for r in results if not r.ok}


@pytest.mark.parametrize("profile", sorted(set(PROFILES) - NO_FIXTURE))
def test_valid_file_passes_every_rule(valid, profile, tmp_path):
    results = run(valid[profile], profile, tmp_path)
    assert {r.rule for r in results} == set(PROFILES[profile])
    assert not _failed(results), format_text([r for r in results if not r.ok])


@pytest.mark.parametrize("profile,rule_id", CASES)
def test_broken_variant_fails_only_that_rule(valid, profile, rule_id, tmp_path):
    broken = BROKEN[rule_id](valid[profile])
    results = run(broken, profile, tmp_path)
    failed = _failed(results)
    expected = {rule_id} | ALSO_FAILS.get((profile, rule_id), set())
    # the independent validator judges the whole standard, so it may also see what a house
    # rule sees (JavaScript in an archive file); every other rule must stay quiet
    assert rule_id in failed and failed - expected <= set(VALIDATORS), format_text(results)


def test_every_rule_has_a_broken_variant_and_docstring():
    for rid, r in RULES.items():
        assert r.doc, rid
        if rid not in NO_BROKEN:
            assert rid in BROKEN, rid


def test_failures_name_page_or_object(valid, tmp_path):
    res = run(m_append(b"q 1 0 0 rg 0 0 10 10 re f Q\n")(valid["print"]), "print", tmp_path)
    bad = [r for r in res if not r.ok]
    assert bad and all(r.where.startswith(("page ", "obj ")) for r in bad)


def test_rgb_in_form_xobject_is_found(valid, tmp_path):
    pdf = _open(valid["print"])
    form = pikepdf.Stream(pdf, b"0 0 1 rg 0 0 5 5 re f")
    form.Type, form.Subtype, form.BBox = Name.XObject, Name.Form, Array([0, 0, 5, 5])
    inner = pdf.make_indirect(form)
    outer = pikepdf.Stream(pdf, b"/Fx Do")
    outer.Type, outer.Subtype, outer.BBox = Name.XObject, Name.Form, Array([0, 0, 5, 5])
    outer.Resources = Dictionary(XObject=Dictionary(Fx=inner))
    pdf.pages[0].obj.Resources.XObject.Fo = pdf.make_indirect(outer)
    _append(pdf, b"q /Fo Do Q")
    res = run(_save(pdf), "print", tmp_path)
    bad = [r for r in res if not r.ok]
    assert {r.rule for r in bad} == {"colour.pdfx"}
    # object numbers change on save: the failure names an object, as a form on page 1
    assert any(r.where.startswith("obj ") and "(form, page 1)" in r.message for r in bad), bad


def test_hairline_allowed_on_screen_but_not_print(valid, tmp_path):
    hair = b"q 0 w 0 0 m 10 10 l S Q\n"
    artifact = b"/Artifact BMC " + hair + b"EMC\n"  # the screen edition is tagged
    assert _failed(run(m_append(artifact)(valid["screen"]), "screen", tmp_path)) == set()
    assert _failed(run(m_append(hair)(valid["print"]), "print", tmp_path)) == {"graphics.hairline"}


def test_garbage_file_is_structure_failure_not_traceback(tmp_path):
    p = tmp_path / "junk.pdf"
    p.write_bytes(b"this is not a pdf at all")
    for profile in PROFILES:
        res = check(str(p), profile)
        assert res and not any("Traceback" in r.message for r in res)
        if "structure.open" in PROFILES[profile]:
            assert not next(r for r in res if r.rule == "structure.open").ok
        assert all(not r.ok for r in res if RULES[r.rule].needs_pdf or r.rule in VALIDATORS), profile


def test_truncated_file_does_not_crash(valid, tmp_path):
    res = run(valid["archive"][: len(valid["archive"]) // 2], "archive", tmp_path)
    assert _failed(res)
    assert not any("Traceback" in r.message for r in res)


def test_accepts_open_pdf_and_formats(valid):
    pdf = _open(valid["screen"])
    res = check(pdf, "screen")
    assert all(isinstance(r, RuleResult) for r in res)
    text = format_text(res)
    assert any(line.startswith("PASS structure.open") for line in text.splitlines())
    data = json.loads(to_json(res))
    assert data[0].keys() == {"rule", "ok", "where", "message", "clause"}


def test_unknown_profile():
    with pytest.raises(ValueError):
        check("x.pdf", "poster")


def test_pdfaid_attribute_and_element_forms(valid, tmp_path):
    from report.preflight.metadata import NS, Xmp
    attr = (b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
            b'<rdf:Description rdf:about="" xmlns:pdfaid="http://www.aiim.org/pdfa/ns/id/" pdfaid:part="2" '
            b'pdfaid:conformance="B"/></rdf:RDF></x:xmpmeta>')
    elem = (b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
            b'<rdf:Description rdf:about="" xmlns:a="http://www.aiim.org/pdfa/ns/id/">'
            b'<a:part>2</a:part></rdf:Description></rdf:RDF></x:xmpmeta>')
    assert Xmp(attr).get(NS["pdfaid"], "part") == ("2", "pdfaid")
    assert Xmp(elem).get(NS["pdfaid"], "part") == ("2", "a")


def test_press_findings_name_the_text_its_inks_and_the_page(valid, tmp_path):
    """A 10 pt word on three plates and a 7 pt word reversed to white: each finding says the
    words, the size and inks, and the page, so the designer knows which role to recolour."""
    broken = m_text(b"1 0.6 0 0.3 k", 10)(m_text(b"0 0 0 0 k", 7)(valid["print"]))
    found = {r.rule: r for r in run(broken, "print", tmp_path) if not r.ok}
    assert found["colour.registration"].where == "page 1"
    assert found["colour.registration"].message == \
        '"h": 10 pt text in C100 M60 K30 on 3 plates (at most 2 for type under 12 pt) in page 1'
    assert found["colour.reversed"].message.startswith('"h": 7 pt white (reversed) text')
    assert "colour.overprint" not in found   # neither is black
