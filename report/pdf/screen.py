"""The screen edition: RGB as laid out, bookmarks open, links live, full metadata; tagged
PDF/UA-1 (:mod:`.tagged`)."""

from __future__ import annotations

import io

import pikepdf

from .outline import count_outline
from .common import FinishInput, save, set_metadata
from .tagged import add_structure, ua_xmp


def finish(fin: FinishInput) -> bytes:
    pdf = pikepdf.open(io.BytesIO(fin.laid.pdf))
    set_metadata(pdf, fin, extra_xmp=ua_xmp())
    pdf.Root.PageMode = pikepdf.Name.UseOutlines
    count_outline(pdf)
    add_structure(pdf, fin.laid.tags)
    return save(pdf)
