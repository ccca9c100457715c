"""The screen edition: RGB as laid out, bookmarks open, links live, full metadata; tagged
PDF/UA-1 (:mod:`.tagged`)."""

from __future__ import annotations

import io

import pikepdf

from ..pdfmech.save import save
from .common import FinishInput, set_metadata
from .tagged import add_structure


def finish(fin: FinishInput) -> bytes:
    pdf = pikepdf.open(io.BytesIO(fin.laid.pdf))
    set_metadata(pdf, fin)
    pdf.Root.PageMode = pikepdf.Name.UseOutlines
    add_structure(pdf, fin.laid.tags)
    return save(pdf)
