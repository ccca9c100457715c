"""Stage 3b, composition: stamp each figure (a one-page vector PDF) into the box the layout
reserved for it, as a Form XObject. Text inside figures stays text. The pipeline composes
once per copy of the figures its editions stamp (``Edition.figures``: the rendered PDFs, or
their palette-CMYK copies); nothing stamps figures after this stage. A map's geospatial
viewport (its frame, georeferenced: :mod:`report.pdfmech.viewports`) comes onto the page with
it, moved to where the map is stamped."""

from __future__ import annotations

import io
from dataclasses import replace
from pathlib import Path

import pikepdf

from .layout import Laid
from .pdfmech import viewports


def form_name(fid: str) -> str:
    """The page resource name of a figure's form: fixed, so builds stay byte-identical."""
    return "/Fig" + "".join(c if c.isalnum() else "_" for c in fid)


def compose(laid: Laid, pdfs: dict[str, Path]) -> Laid:
    """``laid`` with the figure PDFs (by figure id) stamped where it placed them."""
    if not laid.placements:
        return laid
    pdf = pikepdf.open(io.BytesIO(laid.pdf))
    sources: dict[str, pikepdf.Pdf] = {}
    forms: dict[str, pikepdf.Object] = {}  # one Form XObject per figure, however often it is used
    try:
        for place in laid.placements:
            fid = place.figure_id
            if fid not in sources:
                sources[fid] = pikepdf.open(pdfs[fid])
                forms[fid] = pdf.copy_foreign(sources[fid].pages[0].as_form_xobject())
            page = pdf.pages[place.page]
            src = sources[fid].pages[0]
            form = forms[fid]
            name = pikepdf.Name(form_name(fid))
            page.add_resource(form, pikepdf.Name.XObject, name, replace_existing=True)
            box = src.mediabox
            sx = place.width / (float(box[2]) - float(box[0]))
            sy = place.height / (float(box[3]) - float(box[1]))
            stamp = f"q {sx:.6f} 0 0 {sy:.6f} {place.x:.4f} {place.y:.4f} cm {name} Do Q"
            viewports.carry(pdf, page, src, (sx, sy, place.x, place.y))  # a map's georeferenced frame
            if place.mcid is not None:  # the whole figure is one marked sequence of its Figure element
                stamp = f"/Figure <</MCID {place.mcid}>> BDC {stamp} EMC"
            page.contents_add(stamp.encode(), prepend=False)
        out = io.BytesIO()
        # an intermediate file: streams are copied as they are (finishing compresses and
        # assigns the document ID)
        pdf.save(out, compress_streams=False, stream_decode_level=pikepdf.StreamDecodeLevel.none,
                 object_stream_mode=pikepdf.ObjectStreamMode.preserve, normalize_content=False)
    finally:
        for src in sources.values():
            src.close()
        pdf.close()
    return replace(laid, pdf=out.getvalue(), figure_forms=tuple(form_name(fid) for fid in forms))
