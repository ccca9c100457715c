"""The archive edition: PDF/A-3b (ISO 19005-3, level B) and PDF/UA-1 (ISO 14289-1) at once,
carrying its own sources.

- Tagged like the screen edition (:mod:`.tagged`); XMP ``pdfuaid:part`` 1, with the
  extension schema PDF/A requires for it. Its map frames are geospatial viewports, as in the
  screen edition (:mod:`report.pdfmech.viewports`).

- XMP ``pdfaid:part`` 3 / ``pdfaid:conformance`` B, agreeing with Info (:func:`set_metadata`).
- Output intent GTS_PDFA1 with an embedded sRGB profile (:mod:`.icc`): the layout draws in
  DeviceRGB. Fonts are embedded by the layout; no encryption, JavaScript or external
  references; every annotation is printable (``/F 4``).
- Associated files (``/AF`` in the catalog + the EmbeddedFiles name tree), each with
  ``/AFRelationship /Source``, ``/F`` + ``/UF``, a MIME ``/Subtype``, and ``/Params`` with
  ``/ModDate`` (the build epoch), ``/Size`` and ``/CheckSum`` (MD5): exactly the files the
  build used (``Brief.inputs``, see :mod:`report.inputs`): the brief, its figure specs, its
  ``places.toml``, its ``places.lock.json`` and the layers its maps draw, the bundled gazetteer and annotation layers
  it used, the house style and the geodata manifest, named by their path in the project, and what it
  used of the installed data too large to attach: per map the base-layer features it drew
  (``geodata/drawn/<figure>.json``, :mod:`geodata.drawn`) and the capitals checked (``geodata/world.json``);
  plus ``brief-build.json`` (tool version, build epoch, build id, SHA-256 of every source,
  the gazetteer ids used) as ``/Supplement``. :func:`extract_sources` writes them back out,
  so the edition can be rebuilt from this one file.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path, PurePosixPath

import pikepdf
from pikepdf import Array, Dictionary, Name, String

from ..editions import BUILD_RECORD
from ..errors import BriefError
from ..pdfmech import viewports
from ..pdfmech.save import save
from .common import FinishInput, iso_date, open_laid, pdf_date, set_metadata
from .outline import count_outline
from .icc import srgb_profile
from .tagged import add_pdfua_extension_schema, add_structure

MIME = {".md": "text/markdown", ".toml": "application/toml", ".geojson": "application/geo+json",
        ".json": "application/json"}


def finish(fin: FinishInput) -> bytes:
    pdf = open_laid(fin)
    set_metadata(pdf, fin)
    add_pdfua_extension_schema(pdf)
    profile = pikepdf.Stream(pdf, srgb_profile())
    profile.N = 3
    pdf.Root.OutputIntents = Array([pdf.make_indirect(Dictionary(
        Type=Name.OutputIntent, S=Name.GTS_PDFA1, OutputConditionIdentifier=String("sRGB IEC61966-2.1"),
        Info=String("sRGB IEC61966-2.1"), DestOutputProfile=pdf.make_indirect(profile)))])
    for page in pdf.pages:
        for annot in page.obj.get("/Annots", Array()):
            annot.F = 4  # Print; not Hidden/Invisible/NoView (ISO 19005-3 6.3.2)
    _attach(pdf, fin)
    pdf.Root.PageMode = Name.UseOutlines
    count_outline(pdf)
    add_structure(pdf, fin.laid.tags)
    return save(pdf, version=viewports.version(pdf, "1.7"))


def _attach(pdf: pikepdf.Pdf, fin: FinishInput) -> None:
    prov = fin.sources()
    files = [(item.name, data, "/Source", f"source of the brief: {item.name}") for item, data in prov.files]
    record = {
        "tool": fin.tool, "edition": fin.edition.name, "build_epoch": prov.epoch, "build_id": prov.build_id,
        "brief": files[0][0], "style": f"styles/{fin.style.path.name}",
        "sources": prov.sources, "places": list(prov.places),
        "rebuild": f"in the folder extract_sources() wrote: SOURCE_DATE_EPOCH={int(fin.epoch.timestamp())} "
                   f"brief build briefs/{fin.brief.meta.slug} --styles styles"
                   f"{' --geodata geodata' if any(i.role == 'gazetteer' for i, _ in prov.files) else ''}"
                   f" --variant {fin.edition.name}",
    }
    files.append((BUILD_RECORD, json.dumps(record, indent=2, sort_keys=True, ensure_ascii=False).encode() + b"\n",
                  "/Supplement", f"how this edition was built ({fin.tool})"))
    specs = []
    for name, data, relation, desc in files:
        ef = pikepdf.Stream(pdf, data)
        ef.Type = Name.EmbeddedFile
        ef.Subtype = Name("/" + MIME.get(PurePosixPath(name).suffix, "application/octet-stream"))
        ef.Params = Dictionary(ModDate=String(pdf_date(fin.epoch)), Size=len(data),
                               CheckSum=String(hashlib.md5(data).digest()))
        ef = pdf.make_indirect(ef)
        spec = pdf.make_indirect(Dictionary(
            Type=Name.Filespec, F=String(name), UF=String(name), Desc=String(desc),
            AFRelationship=Name(relation), EF=Dictionary(F=ef, UF=ef)))
        specs.append((name, spec))
    pdf.Root.AF = Array([spec for _, spec in specs])
    tree = Array()
    for name, spec in sorted(specs, key=lambda s: s[0].encode("utf-8")):
        tree.extend([String(name), spec])
    pdf.Root.Names = Dictionary(EmbeddedFiles=Dictionary(Names=tree))


def extract_sources(pdf_path: Path | str, dest_dir: Path | str) -> list[Path]:
    """Write the archive edition's ``/Source`` attachments under ``dest_dir`` by their
    project path (``briefs/<slug>/brief.md``, ``styles/house.toml`` …); return the paths.
    A name that would leave ``dest_dir`` or a file whose MD5 differs from its
    ``/CheckSum`` is an error."""
    dest = Path(dest_dir)
    written = []
    with pikepdf.open(pdf_path) as pdf:
        for spec in pdf.Root.get("/AF", Array()):
            if spec.get("/AFRelationship") != Name.Source:
                continue
            name = str(spec.get("/UF", spec.get("/F")))
            rel = PurePosixPath(name)
            if rel.is_absolute() or ".." in rel.parts or "\\" in name or ":" in name or not rel.parts:
                raise BriefError(f"attachment name {name!r} is not a relative project path", pdf_path)
            stream = spec.EF.get("/UF", spec.EF.get("/F"))
            data = stream.read_bytes()
            want = stream.get("/Params", Dictionary()).get("/CheckSum")
            if want is not None and bytes(want) != hashlib.md5(data).digest():
                raise BriefError(f"attachment {name} does not match its checksum", pdf_path)
            out = dest.joinpath(*rel.parts)
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_bytes(data)
            written.append(out)
    return written
