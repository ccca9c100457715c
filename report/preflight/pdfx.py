"""PDF/X-1a:2003 (ISO 15930-4) requirements that no other rule family covers.

There is no open PDF/X validator to lean on, so each requirement of the checklist in
docs/pdfx-1a.md is one rule here or in the family that owns its subject (boxes, colour,
fonts, intent, metadata, structure, actions).
"""
from __future__ import annotations

from pikepdf import Array, Dictionary, Name, Stream

from ..pdfmech.objects import label, resource_dicts
from . import RuleResult, rule
from .boxes import _box, _contains, _fmt

_BLEND_OK = {"/Normal", "/Compatible"}
_HALFTONE_OK = {1, 5}


def _streams(pdf):
    for obj in pdf.objects:
        if isinstance(obj, Stream):
            yield obj


@rule("pdfx.version")
def version(ctx):
    """ISO 15930-4: the file is PDF 1.4 or earlier (header and catalog /Version)."""
    R, out = "pdfx.version", []
    head = (ctx.raw or b"")[:16]
    if head.startswith(b"%PDF-1.") and head[7:8].isdigit():
        if int(head[7:8]) > 4:
            out.append(RuleResult(R, False, "document", f"header says {head[:8].decode()}, PDF/X-1a:2003 needs <= 1.4"))
    elif ctx.raw is not None:
        out.append(RuleResult(R, False, "document", "no %PDF-1.n header"))
    v = ctx.pdf.Root.get("/Version")
    if v is not None and str(v)[1:] > "1.4":
        out.append(RuleResult(R, False, "document", f"catalog /Version {str(v)[1:]} is later than 1.4"))
    return out


@rule("pdfx.boxes")
def boxes(ctx):
    """ISO 15930-4: every page has a TrimBox or an ArtBox (not both); the boxes nest:
    TrimBox/ArtBox within BleedBox (if present), BleedBox within MediaBox."""
    R, out = "pdfx.boxes", []
    for i, page in enumerate(ctx.pdf.pages, start=1):
        w = f"page {i}"
        media, trim, art, bleed = (_box(page, k) for k in ("/MediaBox", "/TrimBox", "/ArtBox", "/BleedBox"))
        if media is None:
            out.append(RuleResult(R, False, w, "no MediaBox"))
            continue
        if trim is None and art is None:
            out.append(RuleResult(R, False, w, "neither TrimBox nor ArtBox"))
        if trim is not None and art is not None:
            out.append(RuleResult(R, False, w, "both TrimBox and ArtBox"))
        outer = bleed or media
        if bleed is not None and not _contains(media, bleed):
            out.append(RuleResult(R, False, w, f"BleedBox {_fmt(bleed)} is not within MediaBox {_fmt(media)}"))
        for name, box in (("TrimBox", trim), ("ArtBox", art)):
            if box is not None and not _contains(outer, box):
                out.append(RuleResult(R, False, w, f"{name} {_fmt(box)} is not within "
                                      f"{'BleedBox' if bleed else 'MediaBox'} {_fmt(outer)}"))
    return out


@rule("pdfx.annotations")
def annotations(ctx):
    """ISO 15930-4: annotations (other than TrapNet and PrinterMark) and form fields lie
    wholly outside the BleedBox (TrimBox where there is no BleedBox)."""
    R, out = "pdfx.annotations", []
    for i, page in enumerate(ctx.pdf.pages, start=1):
        area = _box(page, "/BleedBox") or _box(page, "/TrimBox") or _box(page, "/ArtBox")
        annots = page.obj.get("/Annots")
        for an in (annots if isinstance(annots, Array) else []):
            if not isinstance(an, Dictionary) or an.get("/Subtype") in (Name.TrapNet, Name.PrinterMark):
                continue
            rect = an.get("/Rect")
            if area is None or not isinstance(rect, Array) or len(rect) != 4:
                continue
            x0, x1 = sorted((float(rect[0]), float(rect[2])))
            y0, y1 = sorted((float(rect[1]), float(rect[3])))
            if x0 < area[2] and x1 > area[0] and y0 < area[3] and y1 > area[1]:
                out.append(RuleResult(R, False, f"page {i}",
                                      f"{str(an.get('/Subtype', '/?'))[1:]} annotation inside the bleed"))
    return out


@rule("pdfx.transparency")
def transparency(ctx):
    """ISO 15930-4: no transparency: no soft masks (ExtGState /SMask other than /None, image
    /SMask), constant alpha (CA, ca) of 1, blend modes Normal or Compatible only, no
    transparency groups on pages or forms."""
    R, out = "pdfx.transparency", []
    for i, page in enumerate(ctx.pdf.pages, start=1):
        g = page.obj.get("/Group")
        if isinstance(g, Dictionary) and g.get("/S") == Name.Transparency:
            out.append(RuleResult(R, False, f"page {i}", "page has a transparency group"))
    for res, where in resource_dicts(ctx.pdf):
        gs = res.get("/ExtGState")
        for name, d in (gs.items() if isinstance(gs, Dictionary) else []):
            if not isinstance(d, Dictionary):
                continue
            smask = d.get("/SMask")
            if smask is not None and smask != Name("/None"):
                out.append(RuleResult(R, False, where, f"ExtGState {name} has a soft mask"))
            for k in ("/CA", "/ca"):
                if k in d and float(d[k]) != 1.0:
                    out.append(RuleResult(R, False, where, f"ExtGState {name} sets {k[1:]} {float(d[k]):g}"))
            bm = d.get("/BM")
            modes = [str(m) for m in bm] if isinstance(bm, Array) else ([str(bm)] if bm is not None else [])
            if any(m not in _BLEND_OK for m in modes):
                out.append(RuleResult(R, False, where, f"ExtGState {name} uses blend mode {', '.join(modes)}"))
        xo = res.get("/XObject")
        for name, x in (xo.items() if isinstance(xo, Dictionary) else []):
            if not isinstance(x, Stream):
                continue
            if x.get("/Subtype") == Name.Image and "/SMask" in x:
                out.append(RuleResult(R, False, label(x) or where, f"image {name} has a soft mask"))
            grp = x.get("/Group")
            if isinstance(grp, Dictionary) and grp.get("/S") == Name.Transparency:
                out.append(RuleResult(R, False, label(x) or where, f"form {name} is a transparency group"))
    return out


@rule("pdfx.features")
def features(ctx):
    """ISO 15930-4: no PostScript XObjects, no OPI, no alternate images, no transfer
    functions (TR/TR2 other than /Default), halftones of type 1 or 5 only and without a
    /HalftoneName, no LZW compression, no embedded files."""
    R, out = "pdfx.features", []
    for res, where in resource_dicts(ctx.pdf):
        xo = res.get("/XObject")
        for name, x in (xo.items() if isinstance(xo, Dictionary) else []):
            if not isinstance(x, Stream):
                continue
            w = label(x) or where
            if x.get("/Subtype") == Name.PS or "/PS" in x:
                out.append(RuleResult(R, False, w, f"PostScript XObject {name}"))
            if "/OPI" in x:
                out.append(RuleResult(R, False, w, f"XObject {name} has an OPI dictionary"))
            if "/Alternates" in x:
                out.append(RuleResult(R, False, w, f"image {name} has alternate images"))
        gs = res.get("/ExtGState")
        for name, d in (gs.items() if isinstance(gs, Dictionary) else []):
            if not isinstance(d, Dictionary):
                continue
            for k in ("/TR", "/TR2"):
                if k in d and d[k] != Name.Default:
                    out.append(RuleResult(R, False, where, f"ExtGState {name} sets a transfer function ({k[1:]})"))
            ht = d.get("/HT")
            if isinstance(ht, Dictionary):
                t = int(ht.get("/HalftoneType", 1))
                if t not in _HALFTONE_OK:
                    out.append(RuleResult(R, False, where, f"ExtGState {name} uses halftone type {t}"))
                if "/HalftoneName" in ht:
                    out.append(RuleResult(R, False, where, f"ExtGState {name} names its halftone"))
    for s in _streams(ctx.pdf):
        flt = s.get("/Filter")
        names = [str(f) for f in flt] if isinstance(flt, Array) else ([str(flt)] if flt is not None else [])
        if "/LZWDecode" in names or "/LZW" in names:
            out.append(RuleResult(R, False, label(s) or "document", "LZW-compressed stream"))
    names = ctx.pdf.Root.get("/Names")
    if isinstance(names, Dictionary) and "/EmbeddedFiles" in names:
        out.append(RuleResult(R, False, "document", "the document has embedded files"))
    return out


@rule("pdfx.info")
def info(ctx):
    """ISO 15930-4: the document information dictionary has GTS_PDFXVersion
    "PDF/X-1:2003" with GTS_PDFXConformance "PDF/X-1a:2003", a Title, a CreationDate and
    a ModDate."""
    R, out = "pdfx.info", []
    d = ctx.pdf.trailer.get("/Info")
    d = d if isinstance(d, Dictionary) else Dictionary()
    for key, want in (("/GTS_PDFXVersion", "PDF/X-1:2003"), ("/GTS_PDFXConformance", "PDF/X-1a:2003")):
        got = str(d.get(key, ""))
        if got != want:
            out.append(RuleResult(R, False, "document", f"{key[1:]} is {got!r}, not {want!r}"))
    for key in ("/Title", "/CreationDate", "/ModDate"):
        if not str(d.get(key, "")).strip():
            out.append(RuleResult(R, False, "document", f"Info has no {key[1:]}"))
    return out


@rule("pdfx.actions")
def actions(ctx):
    """ISO 15930-4: no actions and no JavaScript: no /OpenAction action, no /AA, no /A on
    annotations or outline items, no JavaScript name tree."""
    R, out = "pdfx.actions", []
    root = ctx.pdf.Root
    oa = root.get("/OpenAction")
    if isinstance(oa, Dictionary):
        out.append(RuleResult(R, False, "document", f"OpenAction {str(oa.get('/S', '/?'))[1:]}"))
    if "/AA" in root:
        out.append(RuleResult(R, False, "document", "catalog has additional actions"))
    names = root.get("/Names")
    if isinstance(names, Dictionary) and "/JavaScript" in names:
        out.append(RuleResult(R, False, "document", "JavaScript name tree"))
    for i, page in enumerate(ctx.pdf.pages, start=1):
        if "/AA" in page.obj:
            out.append(RuleResult(R, False, f"page {i}", "page has additional actions"))
        annots = page.obj.get("/Annots")
        for an in (annots if isinstance(annots, Array) else []):
            if isinstance(an, Dictionary) and ("/A" in an or "/AA" in an):
                out.append(RuleResult(R, False, f"page {i}", f"{str(an.get('/Subtype', '/?'))[1:]} annotation has an action"))
    return out
