"""What every edition shares: dates from the build epoch, Info + XMP from the brief's
metadata, and a deterministic save (document ID derived from the content)."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass, field

import pikepdf

from ..layout import Laid
from ..model import Brief
from ..provenance import URN, Provenance, gather
from ..schema import source_date_epoch
from ..style import Style


@dataclass(frozen=True)
class FinishInput:
    laid: Laid
    brief: Brief
    style: Style
    epoch: dt.datetime
    tool: str
    extra: dict = field(default_factory=dict)
    figures: dict = field(default_factory=dict)  # figure id -> report.figures.Figure
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


def set_metadata(pdf: pikepdf.Pdf, fin: FinishInput, extra_xmp: dict[str, object] | None = None,
                 extra_info: dict[str, object] | None = None) -> None:
    """Write Info and XMP from the brief so that they agree, with the build epoch as dates.

    ``extra_info`` values are pikepdf objects or str (written as PDF strings); each edition
    that adds an Info key also adds its XMP twin through ``extra_xmp``."""
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
        for key, value in (extra_xmp or {}).items():
            xmp[key] = value
    pdf.Root.Lang = pikepdf.String(meta.language)


def _text_stream(o) -> bool:
    """A Flate-compressed content stream or CMap: one whose decoded bytes may end in a newline
    more without changing what it means (not a font, an image, a profile or an attached file)."""
    return (isinstance(o, pikepdf.Stream) and o.get("/Filter") == pikepdf.Name.FlateDecode
            and "/DecodeParms" not in o and "/Length1" not in o and "/N" not in o
            and o.get("/Subtype") != pikepdf.Name.Image
            and o.get("/Type") not in (pikepdf.Name.EmbeddedFile, pikepdf.Name.Metadata, pikepdf.Name.XRef,
                                       pikepdf.Name.ObjStm))


def save(pdf: pikepdf.Pdf, *, version: str | None = None, object_streams: bool = True) -> bytes:
    """Serialise deterministically: same content, same bytes, same /ID.

    The input's /ID is dropped first: QPDF keeps the first element of an existing /ID, and
    ReportLab's depends on the environment (SOURCE_DATE_EPOCH), not on the content."""
    if "/ID" in pdf.trailer:
        del pdf.trailer.ID
    for _ in range(8):
        out = io.BytesIO()
        pdf.save(out, deterministic_id=True, compress_streams=True,
                 object_stream_mode=pikepdf.ObjectStreamMode.generate if object_streams
                 else pikepdf.ObjectStreamMode.disable,
                 min_version=version or "", force_version=version or "", linearize=False)
        data = out.getvalue()
        saved = pikepdf.open(io.BytesIO(data))
        # a stream whose compressed bytes end in CR reads, before the writer's LF and endstream,
        # as if it ended in a CRLF end-of-line, one byte short of its /Length (PDF/A validators
        # count it so): end the decoded content with a newline, which changes nothing it means
        ending_cr = [o for o in saved.objects if _text_stream(o) and o.read_raw_bytes().endswith(b"\r")]
        if not ending_cr:
            return data
        for o in ending_cr:
            o.write(o.read_bytes() + b"\n")
        pdf = saved
        if "/ID" in pdf.trailer:
            del pdf.trailer.ID
    return data
