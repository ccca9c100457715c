"""Rebuild an archived edition from its archive file alone and compare the bytes.

The sources attached to the stored archive file are written into a temporary folder laid
out like the project (``briefs/<slug>/…``, ``styles/…``, ``geodata/gazetteer.toml``,
``geodata/viewpoints.toml``, ``geodata/layers/…``, ``geodata/MANIFEST.json``,
``geodata/drawn/<figure>.json``, ``geodata/world.json``) and built there with the current code
at the recorded build epoch, with the attached style, gazetteer, viewpoint conventions,
annotation layers and, where the edition carries them, the base-layer features its maps drew
and the capitals they were checked against, so neither a change to the installed data nor its
absence changes the rebuild. The report names each attached input whose installed counterpart
differs (for the gazetteer: which entries the edition uses changed), for an edition without
drawn extracts (built before they were attached) each base layer (``geodata/base/*``) whose
SHA-256 differs from the attached ``MANIFEST.json``, and a different tool version, since each
can explain a difference. An edition built with
``--saddle-stitch`` (its page count a multiple of 4, and not the rebuild's) is built again
with that padding. The build runs with ``SOURCE_DATE_EPOCH`` set to the recorded epoch
(which gives the same bytes as a build that took its epoch from the brief's date).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import os
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from ..editions import BUILD_RECORD, EDITIONS, carrier
from ..errors import BriefError
from .core import Archive


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


def rebuild(archive: Archive, wanted: str, build, say=lambda _msg: None) -> Outcome:
    """Rebuild ``wanted`` with ``build`` (:func:`report.pipeline.build`, which the CLI passes:
    the archive sits below the pipeline and never imports it)."""
    import pikepdf

    from .. import TOOL
    from ..pdf.pdfa import extract_sources

    ed = archive.editions(wanted)[0]
    out = Outcome(ed.id)
    stored = {v: archive.store.path(f.sha256) for v, f in ed.files.items()}
    sources = carrier().name
    if archive.store.check(ed.files[sources].sha256) != "ok":
        raise BriefError(f"the stored {sources} file of {ed.id} is missing or altered; cannot rebuild from it",
                         stored[sources])
    with pikepdf.open(stored[sources]) as pdf:
        record = json.loads(pdf.attachments[BUILD_RECORD].get_file().read_bytes())
    epoch = int(dt.datetime.fromisoformat(record["build_epoch"]).timestamp())
    if record["tool"] != TOOL:
        out.notes.append(f"tool: built by {record['tool']}, rebuilding with {TOOL}")
    with tempfile.TemporaryDirectory(prefix="brief-rebuild-") as tmp:
        work = Path(tmp)
        names = extract_sources(stored[sources], work)
        say(f"sources: {len(names)} files extracted from {ed.id}'s archive file into {work}")
        out.notes += compare_inputs(work, record)
        brief_dir = work / "briefs" / ed.meta.brief_id
        geodata_dir = work / "geodata" if (work / "geodata" / "gazetteer.toml").is_file() else None
        with _epoch(epoch):
            try:
                _build_and_compare(ed, work, brief_dir, build, out, geodata_dir)
            except BriefError as exc:
                where = exc.path.relative_to(work) if exc.path and exc.path.is_relative_to(work) else exc.path
                raise BriefError(f"the current code cannot rebuild {ed.id}: {exc.message}",
                                 where, exc.line) from None
    return out


def compare_inputs(work: Path, record: dict) -> list[str]:
    """One line per attached input that differs from the installed project's copy (the
    rebuild uses the attached one) and, for an edition without drawn extracts, per base layer
    that differs from the attached MANIFEST.json (it then draws the installed ones)."""
    from geodata import places

    from ..provenance import geodata_manifest
    from ..style import STYLES_DIR

    installed = {"geodata/gazetteer.toml": places.BUNDLED_GAZETTEER,
                 "geodata/viewpoints.toml": places.BUNDLED_VIEWPOINTS, "geodata/MANIFEST.json": geodata_manifest()}
    notes, same = [], 0
    for name in sorted(record["sources"]):
        if name.startswith("styles/"):
            mine = STYLES_DIR / name.removeprefix("styles/")
        elif name.startswith("geodata/layers/"):
            mine = places.BUNDLED_LAYERS / name.removeprefix("geodata/layers/")
        elif name in installed:
            mine = installed[name]
        else:
            continue  # the brief's own files exist only in the archive
        if not mine.is_file():
            notes.append(f"{name}: no longer installed; rebuilt with the attached copy")
        elif _sha(mine) != record["sources"][name]:
            detail = _changed_places(work / name, mine, record) if name == "geodata/gazetteer.toml" else ""
            notes.append(f"{name}: the installed file differs from the attached one{detail}; "
                         + ("maps may differ" if name == "geodata/MANIFEST.json" else "rebuilt with the attached copy"))
        else:
            same += 1
    drawn = sum(name.startswith("geodata/drawn/") for name in record["sources"])
    if not drawn:  # an edition from before the maps' extracts were attached draws the installed base layers
        notes += _base_layers(work / "geodata" / "MANIFEST.json", geodata_manifest().parent)
    if not notes:
        notes.append(f"inputs: all {same} installed counterparts of the attached files match; "
                     + (f"the maps are drawn from the {drawn} attached geodata/drawn extracts, not the installed "
                        f"base layers" if drawn else "so does every base layer in the attached geodata/MANIFEST.json"))
    return notes


def _changed_places(attached: Path, installed: Path, record: dict) -> str:
    from geodata.places import GazetteerError, read_places

    try:
        old = {p.id: p for p in read_places(attached)}
        new = {p.id: p for p in read_places(installed)}
    except GazetteerError as exc:
        return f" (cannot compare entries: {exc})"
    used = record.get("places") or sorted(old)

    def entry(places: dict, pid: str):
        return dataclasses.replace(places[pid], origin="") if pid in places else None

    changed = [pid for pid in used if entry(old, pid) != entry(new, pid)]
    if not changed:
        return " (no entry this edition uses changed)"
    return f" (entries this edition uses that changed: {', '.join(changed)})"


def _base_layers(attached_manifest: Path, geodata_dir: Path) -> list[str]:
    if not attached_manifest.is_file():
        return []
    files = json.loads(attached_manifest.read_bytes()).get("files", {})
    notes = []
    for rel, entry in sorted(files.items()):
        path = geodata_dir / rel
        if not path.is_file():
            notes.append(f"geodata/{rel}: base layer no longer installed; maps cannot be drawn as they were")
        elif "sha256" in entry and _sha(path) != entry["sha256"]:
            notes.append(f"geodata/{rel}: the installed base layer differs from the one in the attached "
                         f"MANIFEST.json (base layers are not attached; maps may differ)")
    return notes


def _build_and_compare(ed, work: Path, brief_dir: Path, build, out: Outcome, geodata_dir: Path | None) -> None:
    """Build every edition; one whose stored file has a page count that is a multiple of 4 and
    that the rebuild gives another page count is built again with --saddle-stitch's padding."""
    built = {b.variant: b for b in build(brief_dir, work / "dist", list(EDITIONS), styles_dir=work / "styles",
                                         geodata_dir=geodata_dir)}
    padded = [v for v, b in built.items() if ed.files[v].pages % 4 == 0 and b.pages != ed.files[v].pages]
    if padded:
        built.update((b.variant, b) for b in build(brief_dir, work / "padded", padded, styles_dir=work / "styles",
                                                   pad_to=4, geodata_dir=geodata_dir))
    for variant in EDITIONS:
        out.rebuilt[variant] = (_sha(built[variant].path), built[variant].size)
        out.identical[variant] = out.rebuilt[variant][0] == ed.files[variant].sha256
