"""The print edition: PDF/X-1a:2003 (ISO 15930-4), CMYK, with bleed and crop marks.

- PDF 1.4 with a classic cross-reference table: no object or cross-reference streams, no
  transparency (soft masks, constant alpha < 1, blend modes and transparency groups are
  refused or, for a group with nothing transparent in it, dropped).
- Every colour in the palette's CMYK (:mod:`.cmyk`); DeviceCMYK, DeviceGray and the
  registration colour of the crop marks only.
- Output intent GTS_PDFX for the registered characterisation FOGRA39 (no embedded
  profile); Info ``GTS_PDFXVersion`` / ``GTS_PDFXConformance`` / ``Trapped`` with their
  XMP twins in the ``pdfx`` namespace.
- Boxes and marks from :mod:`.marks`; no links, bookmarks or other interactive features.
- No geospatial viewports (the GeoPDF georeferencing of the screen and archive editions):
  a page's ``/VP`` is PDF 1.6 and the geospatial measure PDF 1.7 ExtensionLevel 3 (ISO
  32000-2), and PDF/X-1a:2003 is PDF 1.4 (ISO 15930-4), so the print file cannot carry them;
  nor would they mean anything on a plate.
- ``FinishInput.pad_to``: the page count is padded with blank pages to a multiple of it
  (4 for saddle stitching); blank pages get the same boxes and marks.
- Its figures arrive as their palette-CMYK copies (``Edition.figures``, converted once per
  figure key): the conversion leaves their forms as they are.
"""

from __future__ import annotations

import pikepdf
from pikepdf import Array, Dictionary, Name, Stream

from ..errors import BriefError
from ..pdfmech import viewports
from ..pdfmech.objects import items, owners
from ..pdfmech.save import save
from .cmyk import to_palette_cmyk
from .common import FinishInput, open_laid, set_metadata
from .marks import impose

CONDITION = dict(
    OutputConditionIdentifier="FOGRA39",
    OutputCondition="Offset printing, coated paper (ISO 12647-2:2004/Amd 1, paper type 1 or 2), "
                    "FOGRA39",
    RegistryName="http://www.color.org",
    Info="Coated FOGRA39 (ISO 12647-2:2004)",
)


def finish(fin: FinishInput) -> bytes:
    pdf = open_laid(fin)
    _strip_interactive(pdf)
    _pad(pdf, fin.pad_to)
    _no_transparency(pdf)
    to_palette_cmyk(pdf, fin.style, skip=_figure_forms(pdf, fin.laid.figure_forms))
    impose(pdf)
    pdf.Root.OutputIntents = Array([pdf.make_indirect(Dictionary(
        Type=Name.OutputIntent, S=Name.GTS_PDFX,
        **{k: pikepdf.String(v) for k, v in CONDITION.items()}))])
    xmp = fin.edition.xmp
    set_metadata(pdf, fin, extra_info={"/GTS_PDFXVersion": xmp["pdfx:GTS_PDFXVersion"],
                                       "/GTS_PDFXConformance": xmp["pdfx:GTS_PDFXConformance"],
                                       "/Trapped": Name("/" + xmp["pdf:Trapped"])})
    return save(pdf, version="1.4", object_streams=False)


def _figure_forms(pdf: pikepdf.Pdf, names) -> set:
    """The object ids of the figures' forms (by their page resource ``names``)."""
    out = set()
    for page in pdf.pages:
        xo = page.obj.get("/Resources", Dictionary()).get("/XObject")
        if isinstance(xo, Dictionary):
            out.update(xo[n].objgen for n in names if n in xo)
    return out


def _strip_interactive(pdf: pikepdf.Pdf) -> None:
    """Links, bookmarks, named destinations and map viewports mean nothing on paper (and their
    coordinates would not follow the imposition); viewports are not PDF 1.4 either."""
    viewports.drop(pdf)
    for key in ("/Outlines", "/Names", "/Dests", "/PageMode", "/OpenAction", "/AcroForm",
                "/ViewerPreferences"):
        if key in pdf.Root:
            del pdf.Root[key]
    for page in pdf.pages:
        if "/Annots" in page.obj:
            del page.obj["/Annots"]


def _pad(pdf: pikepdf.Pdf, pad_to) -> None:
    if isinstance(pad_to, bool) or not isinstance(pad_to, int) or pad_to < 1:
        raise BriefError(f"pad_to must be a positive whole number of pages, not {pad_to!r}")
    first = pdf.pages[0]
    size = tuple(float(v) for v in first.mediabox[2:])
    while len(pdf.pages) % pad_to:
        pdf.add_blank_page(page_size=size)


def _no_transparency(pdf: pikepdf.Pdf) -> None:
    """PDF/X-1a has no transparency: refuse soft masks, blend modes and transfer functions;
    drop transparency-group attributes, which change nothing when nothing is transparent.
    (Opacity is judged where something is painted with it, by :mod:`.cmyk`.)"""
    for owner, res, place in owners(pdf):
        if "/Group" in owner:
            del owner["/Group"]
        if not isinstance(res, Dictionary):
            continue
        for name, gs in items(res.get("/ExtGState")):
            if not isinstance(gs, Dictionary):
                continue
            w = f"{place.trail} → graphics state {name}"
            smask = gs.get("/SMask")
            if smask is not None and smask != Name("/None"):
                raise BriefError(f"a soft mask in {w}: PDF/X-1a has no transparency")
            bm = gs.get("/BM")
            if bm is not None and str(bm if not isinstance(bm, Array) else bm[0]) not in (
                    "/Normal", "/Compatible"):
                raise BriefError(f"blend mode {bm} in {w}: PDF/X-1a has no transparency")
            for tr in ("/TR", "/TR2"):
                if tr in gs and gs[tr] != Name.Default:
                    raise BriefError(f"a transfer function in {w} is not allowed in PDF/X-1a")
        for name, xo in items(res.get("/XObject")):
            if isinstance(xo, Stream) and ("/SMask" in xo or "/SMaskInData" in xo):
                raise BriefError(f"image {name} in {place.trail} has a soft mask: PDF/X-1a has no "
                                 "transparency")
