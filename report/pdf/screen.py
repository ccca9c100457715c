"""The screen edition: RGB as laid out, bookmarks open, links live, full metadata."""

from __future__ import annotations

import io

import pikepdf

from .common import FinishInput, save, set_metadata


def finish(fin: FinishInput) -> bytes:
    pdf = pikepdf.open(io.BytesIO(fin.laid.pdf))
    set_metadata(pdf, fin)
    pdf.Root.PageMode = pikepdf.Name.UseOutlines
    pdf.Root.ViewerPreferences = pikepdf.Dictionary(DisplayDocTitle=True)
    return save(pdf)
