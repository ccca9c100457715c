"""Read a built edition folder and decide whether it is "one of ours".

An edition folder ``dist/<slug>/`` is one of ours when:

1. it holds all three files ``<slug>-print.pdf``, ``<slug>-screen.pdf`` and
   ``<slug>-archive.pdf``;
2. each starts with ``%PDF-`` and opens with pikepdf;
3. each says ``brief <version>`` as both Info ``/Creator`` and ``/Producer``, the same
   version in all three, and all three carry the same title;
4. each claims the standard of its variant: print a PDF/X version (Info or XMP
   ``GTS_PDFXVersion``), archive PDF/A (XMP ``pdfaid:part``), screen neither;
5. the archive file carries ``brief-build.json`` naming the same tool and the brief
   ``briefs/<slug>/brief.md``, attached with a SHA-256 that matches that record.

The catalogue record is read from the files: title (Info/XMP), series, number, date and
authors (the attached brief's front matter, parsed by :mod:`report.source`), tool
version, build epoch and source checksums (``brief-build.json``). The *source hash* of
an edition is the SHA-256 of the record's ``sources`` map as canonical JSON (sorted keys,
no spaces), so two editions built from the same sources share it.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import BriefError
from . import VARIANTS

TOOL = re.compile(r"^brief \d+(\.\d+)*\S*$")
BUILD_RECORD = "brief-build.json"


@dataclass(frozen=True)
class BriefMeta:
    """What the catalogue says about the brief an edition belongs to."""
    brief_id: str
    series: str
    number: str | None
    title: str
    authors: tuple[str, ...]
    date: str


@dataclass(frozen=True)
class FileRecord:
    """What the catalogue says about one stored file."""
    variant: str
    sha256: str
    bytes: int
    pages: int
    standard: str  # "PDF/X-1a:2003", "PDF/A-3b" or "none"
    source_hash: str
    tool: str
    build_epoch: str


@dataclass
class Incoming:
    """An edition about to be added: its record and its files' bytes by variant."""
    meta: BriefMeta
    files: dict[str, tuple[FileRecord, bytes]] = field(default_factory=dict)


def source_hash(sources: dict[str, str]) -> str:
    canonical = json.dumps(sources, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def read_edition(folder: Path) -> Incoming:
    """The edition in ``folder``; a :class:`BriefError` naming the file if it is not ours."""
    import pikepdf

    folder = Path(folder)
    if not folder.is_dir():
        raise BriefError("not an edition folder: give the folder 'brief build' wrote (dist/<slug>/)", folder)
    slug = folder.resolve().name
    paths = {v: folder / f"{slug}-{v}.pdf" for v in VARIANTS}
    missing = [p.name for p in paths.values() if not p.is_file()]
    if missing:
        raise BriefError(f"not a complete edition: missing {', '.join(missing)} "
                         f"(an edition is the three files brief build writes)", folder)
    opened = {}
    for variant, path in paths.items():
        data = path.read_bytes()
        if not data.startswith(b"%PDF-"):
            raise BriefError("not a PDF (the file does not start with %PDF-)", path)
        try:
            opened[variant] = (data, pikepdf.open(io.BytesIO(data)))
        except pikepdf.PdfError as exc:
            raise BriefError(f"not a readable PDF: {exc}", path) from None
    try:
        return _record(slug, paths, opened)
    finally:
        for _, pdf in opened.values():
            pdf.close()


def _record(slug: str, paths: dict[str, Path], opened: dict) -> Incoming:
    tools, titles = set(), set()
    for variant, (_, pdf) in opened.items():
        info = pdf.docinfo
        creator, producer = str(info.get("/Creator", "")), str(info.get("/Producer", ""))
        if not (TOOL.match(creator) and creator == producer):
            raise BriefError(f"not made by brief (Creator {creator!r}, Producer {producer!r}); only files "
                             f"written by 'brief build' can be archived", paths[variant])
        tools.add(creator)
        titles.add(_title(pdf))
    if len(tools) > 1 or len(titles) > 1:
        raise BriefError(f"the three files are not one edition (tools {sorted(tools)}, titles {sorted(titles)})",
                         paths["archive"].parent)
    tool = tools.pop()
    record, front = _build_record(slug, paths["archive"], opened["archive"][1], tool)
    meta = _front_matter(front, paths["archive"], slug)
    brief = BriefMeta(brief_id=slug, series=meta.series, number=meta.number, title=titles.pop(),
                      authors=tuple(a.name for a in meta.authors), date=meta.date)
    incoming = Incoming(brief)
    shash = source_hash(record["sources"])
    for variant, (data, pdf) in opened.items():
        standard = _standard(pdf)
        want = {"print": "PDF/X", "archive": "PDF/A", "screen": "none"}[variant]
        if not standard.startswith(want):
            raise BriefError(f"the {variant} file claims {standard!r}, expected {want}", paths[variant])
        rec = FileRecord(variant=variant, sha256=hashlib.sha256(data).hexdigest(), bytes=len(data),
                         pages=len(pdf.pages), standard=standard, source_hash=shash, tool=tool,
                         build_epoch=str(record.get("build_epoch", "")))
        incoming.files[variant] = (rec, data)
    return incoming


def _title(pdf) -> str:
    title = str(pdf.docinfo.get("/Title", "")).strip()
    if not title:
        with pdf.open_metadata() as xmp:
            title = str(xmp.get("dc:title", "") or "").strip()
    return title


def _standard(pdf) -> str:
    """The PDF standard the file claims: PDF/X from Info or XMP, PDF/A from XMP, else 'none'."""
    xmp = pdf.open_metadata()
    part, conf = xmp.get("pdfaid:part"), xmp.get("pdfaid:conformance")
    if part:
        return f"PDF/A-{part}{(conf or '').lower()}"
    pdfx = pdf.docinfo.get("/GTS_PDFXConformance") or pdf.docinfo.get("/GTS_PDFXVersion") \
        or xmp.get("pdfx:GTS_PDFXConformance") or xmp.get("pdfx:GTS_PDFXVersion")
    return str(pdfx) if pdfx else "none"


def _build_record(slug: str, path: Path, pdf, tool: str) -> tuple[dict, str]:
    """``brief-build.json`` and the attached brief.md text, checked against each other."""
    files = pdf.attachments
    if BUILD_RECORD not in files:
        raise BriefError(f"the archive file carries no {BUILD_RECORD}; it was not written by brief build", path)
    try:
        record = json.loads(files[BUILD_RECORD].get_file().read_bytes())
    except ValueError as exc:
        raise BriefError(f"{BUILD_RECORD} is not valid JSON: {exc}", path) from None
    brief_name = f"briefs/{slug}/brief.md"
    sources = record.get("sources") if isinstance(record, dict) else None
    if not isinstance(sources, dict) or record.get("tool") != tool or record.get("brief") != brief_name:
        raise BriefError(f"{BUILD_RECORD} does not describe this edition (expected tool {tool!r} and "
                         f"brief {brief_name!r}, found {record.get('tool')!r}, {record.get('brief')!r})", path)
    if brief_name not in files:
        raise BriefError(f"the archive file does not carry its brief {brief_name}", path)
    data = files[brief_name].get_file().read_bytes()
    if hashlib.sha256(data).hexdigest() != sources.get(brief_name):
        raise BriefError(f"the attached {brief_name} does not match the checksum in {BUILD_RECORD}", path)
    return record, data.decode("utf-8", errors="replace")


def _front_matter(text: str, path: Path, slug: str):
    """The brief's front matter (:class:`report.model.Meta`), parsed by the source stage."""
    from ..source import read_meta

    where = Path(f"{path}#briefs/{slug}/brief.md")
    return read_meta(text, where, slug=slug)
