"""What every edition shares: dates from the build epoch, Info + XMP from the brief's
metadata. (The deterministic save is :func:`report.pdfmech.save.save`.)"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pikepdf

from ..provenance import URN, Provenance, gather
from ..schema import source_date_epoch

if TYPE_CHECKING:
    from ..editions import Edition
    from ..layout import Laid
    from ..model import Brief
    from ..style import Style

if TYPE_CHECKING:  # finishing carries the laid-out document, never runs the layout (ReportLab)
    from ..layout import Laid


@dataclass(frozen=True)
class FinishInput:
    edition: Edition  # the row being finished: its XMP claims, its name
    laid: Laid  # laid out, its figures stamped in the edition's copy (Edition.figures)
    brief: Brief
    style: Style
    epoch: dt.datetime
    tool: str
    pad_to: int = 1  # print: blank pages added up to a multiple of it (4 for saddle stitching)
    provenance: Provenance | None = None  # the files the build used and its build id

    def sources(self) -> Provenance:
        return self.provenance or gather(self.brief, self.style, self.tool, self.epoch)


def build_epoch(brief: Brief) -> dt.datetime:
    """SOURCE_DATE_EPOCH if set, else the start of the brief's own date (UTC)."""
    env = source_date_epoch()
    if env is not None:
        return env
    parts = [int(p) for p in brief.meta.date.split("-")] + [1, 1]
    return dt.datetime(parts[0], parts[1], parts[2], tzinfo=dt.timezone.utc)


def pdf_date(when: dt.datetime) -> str:
    return when.strftime("D:%Y%m%d%H%M%S+00'00'")


def open_laid(fin: FinishInput) -> pikepdf.Pdf:
    """The laid-out PDF, opened for finishing."""
    return pikepdf.open(io.BytesIO(fin.laid.pdf))


def iso_date(when: dt.datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%S+00:00")


def set_metadata(pdf: pikepdf.Pdf, fin: FinishInput, extra_info: dict[str, object] | None = None) -> None:
    """Write Info and XMP from the brief so that they agree, with the build epoch as dates,
    and the XMP properties that claim the edition's standards (``Edition.xmp``).

    ``extra_info`` values are pikepdf objects or str (written as PDF strings); an edition
    that adds an Info key claims its XMP twin in ``Edition.xmp``."""
    meta = fin.brief.meta
    authors = [a.name for a in meta.authors]
    subject = meta.subject or meta.standfirst
    keywords = ", ".join(meta.keywords)
    info = {
        "/Title": meta.full_title, "/Author": ", ".join(authors), "/Subject": subject,
        "/Keywords": keywords, "/Creator": fin.tool, "/Producer": fin.tool,
        "/CreationDate": pdf_date(fin.epoch), "/ModDate": pdf_date(fin.epoch),
    }
    info.update(extra_info or {})
    pdf.trailer.Info = pikepdf.Dictionary({k: pikepdf.String(v) if isinstance(v, str) else v
                                           for k, v in info.items()})
    iso = iso_date(fin.epoch)
    with pdf.open_metadata(set_pikepdf_as_editor=False, update_docinfo=False) as xmp:
        xmp["dc:title"] = meta.full_title
        xmp["dc:creator"] = [", ".join(authors)]  # one entry equal to Info Author (PDF/A)
        xmp["dc:description"] = subject
        xmp["dc:subject"] = list(meta.keywords)
        xmp["dc:language"] = [meta.language]
        xmp["dc:publisher"] = [meta.publisher]
        xmp["dc:rights"] = meta.rights
        xmp["pdf:Keywords"] = keywords
        xmp["pdf:Producer"] = fin.tool
        xmp["xmp:CreatorTool"] = fin.tool
        xmp["xmp:CreateDate"] = iso
        xmp["xmp:ModifyDate"] = iso
        xmp["xmp:MetadataDate"] = iso
        xmp["xmpMM:DocumentID"] = URN + fin.sources().build_id  # one id for all editions of a build
        for key, value in fin.edition.xmp.items():
            xmp[key] = value
    pdf.Root.Lang = pikepdf.String(meta.language)

