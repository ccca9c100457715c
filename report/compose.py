"""Stage 3b, composition: stamp each rendered figure (a one-page vector PDF) into the box
the layout reserved for it, as a Form XObject. Text inside figures stays text."""

from __future__ import annotations

import io
from dataclasses import replace

import pikepdf

from .figures import Figure
from .layout import Laid


def form_name(fid: str) -> str:
    """The page resource name of a figure's form: fixed, so builds stay byte-identical."""
    return "/Fig" + "".join(c if c.isalnum() else "_" for c in fid)


def compose(laid: Laid, figures: dict[str, Figure]) -> Laid:
    if not laid.placements:
        return laid
    pdf = pikepdf.open(io.BytesIO(laid.pdf))
    sources: dict[str, pikepdf.Pdf] = {}
    forms: dict[str, pikepdf.Object] = {}  # one Form XObject per figure, however often it is used
    try:
        for place in laid.placements:
            fig = figures[place.figure_id]
            if fig.id not in sources:
                sources[fig.id] = pikepdf.open(fig.pdf)
                forms[fig.id] = pdf.copy_foreign(sources[fig.id].pages[0].as_form_xobject())
            page = pdf.pages[place.page]
            src = sources[fig.id].pages[0]
            form = forms[fig.id]
            name = pikepdf.Name(form_name(fig.id))
            page.add_resource(form, pikepdf.Name.XObject, name, replace_existing=True)
            box = src.mediabox
            sx = place.width / (float(box[2]) - float(box[0]))
            sy = place.height / (float(box[3]) - float(box[1]))
            stamp = f"q {sx:.6f} 0 0 {sy:.6f} {place.x:.4f} {place.y:.4f} cm {name} Do Q"
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
    return replace(laid, pdf=out.getvalue())
