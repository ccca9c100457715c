"""Provenance: the files one build used, and the build id that ties its editions together.

The build id is the SHA-256 of the canonical JSON (sorted keys, no spaces) of
``{"epoch": <build epoch, ISO 8601>, "sources": {<project path>: <SHA-256>}, "tool": "brief <version>"}``.
Every edition of one build carries it in its XMP (``xmpMM:DocumentID`` =
``urn:brief:build:<id>``: the print, screen and archive files are renditions of one
document); the archive edition attaches exactly these sources and records the map, tool
and epoch in ``brief-build.json``, so anyone can recompute the id from that file alone.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from .errors import BriefError
from .model import Brief, Input
from .style import Style

URN = "urn:brief:build:"


def canonical(value) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def build_id(sources: dict[str, str], tool: str, epoch: str) -> str:
    return hashlib.sha256(canonical({"epoch": epoch, "sources": sources, "tool": tool})).hexdigest()


@dataclass(frozen=True)
class Provenance:
    files: tuple[tuple[Input, bytes], ...]  # every file the build used, with the bytes hashed
    tool: str
    epoch: str  # ISO 8601, UTC
    places: tuple[str, ...]  # gazetteer entries the figures use, by id

    @property
    def sources(self) -> dict[str, str]:
        return {item.name: hashlib.sha256(data).hexdigest() for item, data in self.files}

    @property
    def build_id(self) -> str:
        return build_id(self.sources, self.tool, self.epoch)


def geodata_manifest(geodata_dir: Path | None = None) -> Path:
    """``geodata/MANIFEST.json`` (what the base layers are): ``geodata_dir``'s copy where it
    has one (an archive edition's, on a rebuild), else the installed one."""
    import geodata

    own = Path(geodata_dir) / "MANIFEST.json" if geodata_dir is not None else None
    return own if own is not None and own.is_file() else Path(geodata.__file__).resolve().parent / "MANIFEST.json"


def used_inputs(brief: Brief, style: Style, figures: dict | None = None,
                geodata_dir: Path | None = None) -> tuple[Input, ...]:
    """What the build reads: the source stage's inputs, the house style and, for a brief
    with figures, the geodata manifest (the base layers it draws on) and, per map, the extract
    of what it drew from them (``geodata/drawn/<figure>.json``, :mod:`geodata.drawn`)."""
    out = [*brief.inputs, Input(f"styles/{style.path.name}", style.path, "style")]
    manifest = geodata_manifest(geodata_dir)
    if brief.figures and manifest.is_file():
        out.append(Input("geodata/MANIFEST.json", manifest, "geodata-manifest"))
    out += [Input(f"geodata/drawn/{fid}.json", fig.drawn, "drawn") for fid, fig in (figures or {}).items()
            if fig.drawn is not None]
    return tuple(out)


def gather(brief: Brief, style: Style, tool: str, epoch: dt.datetime, figures: dict | None = None,
           geodata_dir: Path | None = None) -> Provenance:
    files = []
    for item in used_inputs(brief, style, figures, geodata_dir):
        try:
            files.append((item, item.pending if item.pending is not None else Path(item.path).read_bytes()))
        except OSError as exc:
            raise BriefError(f"cannot read a source of the build: {exc.strerror or exc}", item.path) from None
    places = tuple(sorted({pid for fig in brief.figures.values() for pid in getattr(fig, "places", ())}))
    return Provenance(tuple(files), tool, epoch.strftime("%Y-%m-%dT%H:%M:%S+00:00"), places)
