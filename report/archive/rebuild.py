"""Rebuild an archived edition from its archive file alone and compare the bytes.

The sources attached to the stored archive file are written into a temporary folder laid
out like the project (``briefs/<slug>/…``, ``styles/…``, ``geodata/MANIFEST.json``) and
built there with the current code at the recorded build epoch. Fonts and the geodata
themselves come from the installed project: if the installed ``geodata/MANIFEST.json``
differs from the attached one, or the tool version differs, the report says so, since
either can explain a difference. A print edition built with ``--saddle-stitch`` (its page
count a multiple of 4) is retried with that padding. The build runs with
``SOURCE_DATE_EPOCH`` set to the recorded epoch (which gives the same bytes as a build that
took its epoch from the brief's date).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import BriefError
from . import VARIANTS
from .core import Archive
from .edition import BUILD_RECORD


@dataclass
class Outcome:
    id: str
    notes: list[str] = field(default_factory=list)
    identical: dict[str, bool] = field(default_factory=dict)
    rebuilt: dict[str, tuple[str, int]] = field(default_factory=dict)  # variant: (sha256, bytes)

    @property
    def ok(self) -> bool:
        return bool(self.identical) and all(self.identical.values())


@contextmanager
def _epoch(seconds: int | None):
    """SOURCE_DATE_EPOCH set to ``seconds`` (or unset, for None) while building."""
    old = os.environ.pop("SOURCE_DATE_EPOCH", None)
    if seconds is not None:
        os.environ["SOURCE_DATE_EPOCH"] = str(seconds)
    try:
        yield
    finally:
        os.environ.pop("SOURCE_DATE_EPOCH", None)
        if old is not None:
            os.environ["SOURCE_DATE_EPOCH"] = old


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def rebuild(archive: Archive, wanted: str, say=lambda _msg: None) -> Outcome:
    import pikepdf

    from ..pdf.pdfa import _geodata_dir, extract_sources
    from ..pipeline import TOOL, build

    ed = archive.editions(wanted)[0]
    out = Outcome(ed.id)
    stored = {v: archive.store.path(f.sha256) for v, f in ed.files.items()}
    if archive.store.check(ed.files["archive"].sha256) != "ok":
        raise BriefError(f"the stored archive file of {ed.id} is missing or altered; cannot rebuild from it",
                         stored["archive"])
    with pikepdf.open(stored["archive"]) as pdf:
        record = json.loads(pdf.attachments[BUILD_RECORD].get_file().read_bytes())
    epoch = int(dt.datetime.fromisoformat(record["build_epoch"]).timestamp())
    if record["tool"] != TOOL:
        out.notes.append(f"tool: built by {record['tool']}, rebuilding with {TOOL}")
    manifest = _geodata_dir() / "MANIFEST.json"
    attached = record["sources"].get("geodata/MANIFEST.json")
    if attached and manifest.is_file() and _sha(manifest) != attached:
        out.notes.append("geodata: the installed geodata/MANIFEST.json differs from the attached one "
                         "(maps and the archive file may differ)")
    elif attached:
        out.notes.append("geodata: the installed geodata/MANIFEST.json matches the attached one")
    with tempfile.TemporaryDirectory(prefix="brief-rebuild-") as tmp:
        work = Path(tmp)
        names = extract_sources(stored["archive"], work)
        say(f"sources: {len(names)} files extracted from {ed.id}'s archive file into {work}")
        brief_dir = work / "briefs" / ed.meta.brief_id
        with _epoch(epoch):
            try:
                _build_and_compare(ed, work, brief_dir, build, out)
            except BriefError as exc:
                where = exc.path.relative_to(work) if exc.path and exc.path.is_relative_to(work) else exc.path
                raise BriefError(f"the current code cannot rebuild {ed.id}: {exc.message}",
                                 where, exc.line) from None
    return out


def _build_and_compare(ed, work: Path, brief_dir: Path, build, out: Outcome) -> None:
    built = {b.variant: b.path for b in build(brief_dir, work / "dist", list(VARIANTS), styles_dir=work / "styles")}
    if not _same(built["print"], ed.files["print"].sha256) and ed.files["print"].pages % 4 == 0:
        built["print"] = build(brief_dir, work / "padded", ["print"], styles_dir=work / "styles", pad_to=4)[0].path
    for variant in VARIANTS:
        out.rebuilt[variant] = (_sha(built[variant]), built[variant].stat().st_size)
        out.identical[variant] = out.rebuilt[variant][0] == ed.files[variant].sha256


def _same(path: Path, sha256: str) -> bool:
    return _sha(path) == sha256
