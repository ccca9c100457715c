"""The screen edition: RGB as laid out, bookmarks open, links live, full metadata; tagged
PDF/UA-1 (:mod:`.tagged`); every map frame a geospatial viewport (GeoPDF: ISO 32000-2 12.10,
declared as Adobe's ExtensionLevel 3 of PDF 1.7, :mod:`report.pdfmech.viewports`)."""

from __future__ import annotations

import io

import pikepdf

from ..pdfmech import viewports
from ..pdfmech.save import save
from .common import FinishInput, set_metadata
from .outline import count_outline
from .tagged import add_structure


def finish(fin: FinishInput) -> bytes:
    pdf = pikepdf.open(io.BytesIO(fin.laid.pdf))
    set_metadata(pdf, fin)
    pdf.Root.PageMode = pikepdf.Name.UseOutlines
    count_outline(pdf)
    add_structure(pdf, fin.laid.tags)
    return save(pdf, version=viewports.version(pdf))
