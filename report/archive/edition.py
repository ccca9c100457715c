"""Read a built edition folder and decide whether it is "one of ours".

An edition folder ``dist/<slug>/`` is one of ours when:

1. it holds all three files ``<slug>-print.pdf``, ``<slug>-screen.pdf`` and
   ``<slug>-archive.pdf``;
2. each starts with ``%PDF-`` and opens with pikepdf;
3. each says ``brief <version>`` as both Info ``/Creator`` and ``/Producer``, the same
   version in all three, and all three carry the same title;
4. each claims the standard of its variant: print a PDF/X version (Info or XMP
   ``GTS_PDFXVersion``), archive PDF/A (XMP ``pdfaid:part``), screen neither;
5. the folder's ``edition.json`` (written last by the build, see :mod:`report.output`)
   lists all three with their SHA-256, and the bytes match: no file was changed after the
   build or left by another one;
6. all three carry the same build id in their XMP (``xmpMM:DocumentID``, see
   :mod:`report.provenance`), the one ``edition.json`` gives them: one build, not a torn
   folder;
7. each passes its own variant's preflight (:func:`report.preflight.check`), so a file
   edited to add JavaScript, say, is refused even with a consistent manifest;
8. the archive file carries ``brief-build.json`` naming the same tool and the brief
   ``briefs/<slug>/brief.md``; every ``/Source`` attachment hashes to the SHA-256 that
   record gives it (no more, no fewer), and the record's sources, tool and epoch hash to
   the build id.

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

from ..editions import BUILD_RECORD, EDITIONS, carrier, claimed
from ..errors import BriefError
from ..model import Correction

TOOL = re.compile(r"^brief \d+(\.\d+)*\S*$")


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
    standard: str  # "PDF/X-1a:2003", "PDF/A-3b + PDF/UA-1", "PDF/UA-1" or "none"
    source_hash: str
    tool: str
    build_epoch: str


@dataclass
class Incoming:
    """An edition about to be added: its record and its files' bytes by variant; the correction
    its front matter declares (``[corrects]``, whose notice its pages carry) and where."""
    meta: BriefMeta
    files: dict[str, tuple[FileRecord, bytes]] = field(default_factory=dict)
    correction: Correction | None = None
    where: tuple[Path | None, int | None] = (None, None)  # brief.md's [corrects] in the archive file


def source_hash(sources: dict[str, str]) -> str:
    canonical = json.dumps(sources, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def read_edition(folder: Path) -> Incoming:
    """The edition in ``folder``; a :class:`BriefError` naming the file if it is not ours."""
    import pikepdf

    folder = Path(folder)
    if not folder.exists() and any(folder.parent.glob(f".{folder.name}.old-*")):
        raise BriefError("the edition folder is missing: an interrupted build was replacing it (the next "
                         "brief build puts the previous edition back first)", folder)
    if not folder.is_dir():
        raise BriefError("not an edition folder: give the folder 'brief build' wrote (dist/<slug>/)", folder)
    slug = folder.resolve().name
    paths = {e.name: folder / e.file_name(slug) for e in EDITIONS.values()}
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
    sources = carrier().name
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
        raise BriefError(f"the files are not one edition (tools {sorted(tools)}, titles {sorted(titles)})",
                         paths[sources].parent)
    tool = tools.pop()
    build = _same_build(paths, opened)
    _preflight(paths, opened)
    record, front = _build_record(slug, paths[sources], opened[sources][1], tool, build)
    meta = _front_matter(front, paths[sources], slug)
    brief = BriefMeta(brief_id=slug, series=meta.series, number=meta.number, title=titles.pop(),
                      authors=tuple(a.name for a in meta.authors), date=meta.date)
    incoming = Incoming(brief, correction=meta.corrects,
                        where=(Path(f"{paths[sources]}#briefs/{slug}/brief.md"), meta.lines.get("corrects")))
    shash = source_hash(record["sources"])
    for variant, (data, pdf) in opened.items():
        standard = claimed(pdf.open_metadata(), pdf.docinfo)
        want = EDITIONS[variant].claim
        if standard != want:
            raise BriefError(f"the {variant} file claims {standard!r}, expected {want!r}", paths[variant])
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


def _same_build(paths: dict[str, Path], opened: dict) -> str:
    """The build id all three files carry, checked against the folder's ``edition.json``."""
    from ..output import MANIFEST, read_manifest
    from ..provenance import URN

    folder = next(iter(paths.values())).parent
    listed = read_manifest(folder).get("files", {})
    if not listed:
        raise BriefError(f"no {MANIFEST}: not a folder that brief build wrote whole (files copied one by one, "
                         f"or built by an older brief); build the edition again", folder)
    ids = {}
    for variant, (data, pdf) in opened.items():
        entry = listed.get(paths[variant].name)
        if not isinstance(entry, dict) or entry.get("sha256") != hashlib.sha256(data).hexdigest():
            raise BriefError(f"does not match {MANIFEST} (changed after the build, or left by another build)",
                             paths[variant])
        doc_id = str(pdf.open_metadata().get("xmpMM:DocumentID", "") or "")
        if not doc_id.startswith(URN) or doc_id[len(URN):] != entry.get("build_id"):
            raise BriefError(f"carries build id {doc_id[len(URN):][:12] or 'none'} in its XMP, "
                             f"but {MANIFEST} says {str(entry.get('build_id'))[:12]}", paths[variant])
        ids[variant] = entry["build_id"]
    if len(set(ids.values())) > 1:
        detail = ", ".join(f"{v} {b[:12]}" for v, b in ids.items())
        odd = next(v for v in ids if list(ids.values()).count(ids[v]) == 1)
        raise BriefError(f"the files come from different builds ({detail}): a torn edition; build it again",
                         paths[odd])
    return ids[carrier().name]


def _preflight(paths: dict[str, Path], opened: dict) -> None:
    """Each file must pass its variant's own preflight profile (as the build ran it: held to
    the page size of the style the archive file carries)."""
    from ..preflight import check

    page = _page_size(opened[carrier().name][1])  # the style travels with the sources
    for variant, (data, _) in opened.items():
        failed = [r for r in check(data, profile=variant, page=page) if not r.ok]
        if failed:
            detail = "; ".join(f"{r.rule} ({r.where}): {r.message}" for r in failed[:3])
            raise BriefError(f"fails the {variant} preflight: {detail}", paths[variant])


def _page_size(pdf) -> tuple[float, float] | None:
    """The page size, in points, of the house style attached to the archive file (None, so
    A4, if it carries none that says one)."""
    from geodata import tomlsrc

    from ..style import MM, PAGE_SIZES

    for name, data in _sources(pdf).items():
        if name.startswith("styles/") and name.endswith(".toml"):
            try:
                size = tomlsrc.parse(data.decode("utf-8")).data.get("page", {}).get("size")
            except (tomlsrc.TomlError, UnicodeDecodeError, AttributeError):
                return None
            return tuple(v * MM for v in PAGE_SIZES[size]) if isinstance(size, str) and size in PAGE_SIZES else None
    return None


def _build_record(slug: str, path: Path, pdf, tool: str, build: str) -> tuple[dict, str]:
    """``brief-build.json`` and the attached brief.md text, checked against each other and
    against the build id: every attached source hashes to the record, the record to the id."""
    from ..provenance import build_id
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
    attached = _sources(pdf)
    for name in sorted(set(attached) | set(sources)):
        if name not in attached:
            raise BriefError(f"{BUILD_RECORD} lists {name}, which is not attached", path)
        if hashlib.sha256(attached[name]).hexdigest() != sources.get(name):
            raise BriefError(f"the attached {name} does not match the checksum in {BUILD_RECORD}", path)
    if brief_name not in attached:
        raise BriefError(f"the archive file does not carry its brief {brief_name} as a source", path)
    if build_id(sources, tool, str(record.get("build_epoch", ""))) != build or record.get("build_id", build) != build:
        raise BriefError(f"the attached sources do not hash to the build id {build[:12]} the files carry", path)
    return record, attached[brief_name].decode("utf-8", errors="replace")


def _sources(pdf) -> dict[str, bytes]:
    """The ``/AFRelationship /Source`` attachments by name."""
    import pikepdf

    out = {}
    for spec in pdf.Root.get("/AF", pikepdf.Array()):
        if spec.get("/AFRelationship") == pikepdf.Name.Source:
            stream = spec.EF.get("/UF", spec.EF.get("/F"))
            out[str(spec.get("/UF", spec.get("/F")))] = stream.read_bytes()
    return out


def _front_matter(text: str, path: Path, slug: str):
    """The brief's front matter (:class:`report.model.Meta`), parsed by the source stage."""
    from ..source import read_meta

    where = Path(f"{path}#briefs/{slug}/brief.md")
    return read_meta(text, where, slug=slug)
