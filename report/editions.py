"""The editions ``brief build`` writes: one row each, in build order. Everything else that
knows about editions reads this table: the CLI (``--variant``, ``--profile``), the pipeline
(which figure copy to stamp, which finisher, which file), the preflight (an edition's
profile is its standards' rules plus its house rules) and the archive (which files make an
edition, what each must claim, which one carries the sources).

Adding an edition is one row here and one finisher module with ``finish(FinishInput) ->
bytes`` (see :mod:`report.pdf.common`). The module imports nothing of the project: the
finisher is named, and imported only when an edition is finished.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Mapping

#: what the edition that carries its sources attaches beside them: how it was built (JSON)
BUILD_RECORD = "brief-build.json"


@dataclass(frozen=True)
class Edition:
    name: str
    finisher: str  # dotted name of its finish(FinishInput) -> bytes
    figures: str  # the copy of each figure it stamps: "rgb" (as rendered) or "cmyk" (in palette CMYK)
    standards: tuple[str, ...]  # the preflight STANDARDS it claims and must pass
    house: tuple[str, ...]  # the institute's own preflight rules on top of them
    xmp: Mapping[str, str]  # the XMP properties that claim the standards, in the order written
    sources: bool = False  # carries the build's sources and BUILD_RECORD: the archive rebuilds from it
    file: str = "{slug}-{name}.pdf"

    def file_name(self, slug: str) -> str:
        return self.file.format(slug=slug, name=self.name)

    @property
    def claim(self) -> str:
        """The standards its files claim, as :func:`claimed` reads them from a file."""
        return claimed(self.xmp)

    def finish(self, fin) -> bytes:
        module, _, function = self.finisher.rpartition(".")
        return getattr(importlib.import_module(module), function)(fin)


def claimed(xmp: Mapping, info: Mapping | None = None) -> str:
    """The PDF standards a file claims: PDF/X from Info or XMP, PDF/A and PDF/UA from XMP
    (``PDF/X-1a:2003``, ``PDF/UA-1``, ``PDF/A-3b + PDF/UA-1``), else ``none``."""
    info = {} if info is None else info
    part, conformance, ua = xmp.get("pdfaid:part"), xmp.get("pdfaid:conformance"), xmp.get("pdfuaid:part")
    ua = f"PDF/UA-{ua}" if ua else ""
    if part:
        return f"PDF/A-{part}{(conformance or '').lower()}" + (f" + {ua}" if ua else "")
    if ua:
        return ua
    pdfx = info.get("/GTS_PDFXConformance") or info.get("/GTS_PDFXVersion") \
        or xmp.get("pdfx:GTS_PDFXConformance") or xmp.get("pdfx:GTS_PDFXVersion")
    return str(pdfx) if pdfx else "none"


EDITIONS: dict[str, Edition] = {e.name: e for e in (
    Edition(
        "print", "report.pdf.pdfx.finish", figures="cmyk", standards=("pdfx-1a",),
        house=("structure.header", "boxes.print", "fonts.no_type3", "fonts.notdef", "fonts.tounicode",
               "colour.total_ink", "colour.registration", "colour.overprint", "colour.reversed",
               "metadata.xmp_present", "metadata.info_xmp", "images.resolution",
               "graphics.line_width", "graphics.hairline", "graphics.type_size"),
        xmp={"pdfx:GTS_PDFXVersion": "PDF/X-1:2003", "pdfx:GTS_PDFXConformance": "PDF/X-1a:2003",
             "pdf:Trapped": "False"}),
    Edition(
        "screen", "report.pdf.screen.finish", figures="rgb", standards=("pdfua-1",),
        house=("structure.open", "structure.trailer", "boxes.page", "fonts.embedded", "fonts.notdef",
               "fonts.tounicode", "colour.report", "metadata.xmp_present", "metadata.info_xmp",
               "actions.javascript", "graphics.line_width", "graphics.type_size"),
        xmp={"pdfuaid:part": "1"}),
    Edition(
        "archive", "report.pdf.pdfa.finish", figures="rgb", standards=("pdfa-3b", "pdfua-1"),
        house=("structure.open", "boxes.page", "fonts.notdef", "fonts.tounicode", "metadata.info_xmp",
               "actions.javascript", "actions.external", "graphics.line_width", "graphics.type_size"),
        xmp={"pdfaid:part": "3", "pdfaid:conformance": "B", "pdfuaid:part": "1"}, sources=True),
)}


def carrier() -> Edition:
    """The edition that carries the build's sources (and :data:`BUILD_RECORD`)."""
    return next(e for e in EDITIONS.values() if e.sources)
