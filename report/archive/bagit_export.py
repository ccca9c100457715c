"""Export one edition as a BagIt bag (RFC 8493) for a deposit library.

The bag's payload is the three files under their published names plus
``sealed-record.json``, the edition's record file from the store (its full catalogue
record, its seal and ``prev``, the head of the catalogue before it, see :mod:`.seal`);
``bag-info.txt`` carries the record as labelled fields (one line each) and the seal as
``Catalogue-Seal``. A bag held elsewhere thus proves the catalogue's history up to this
edition: ``brief archive verify --expect <its hash>``. Only a catalogue that passes its
seal check is exported; files are copied from the store only after their bytes are
re-hashed; the bag is made in a temporary folder beside the target, validated, and renamed
into place, so a failed export leaves nothing half-made.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from pathlib import Path

from ..errors import BriefError
from .catalogue import Edition
from .core import Archive
from .seal import Sealed


def _line(text: str) -> str:
    return " ".join(str(text).split())


def bag_info(ed: Edition, sealed: Sealed) -> dict:
    m = ed.meta
    info = {
        "External-Identifier": ed.id,
        "External-Description": _line(f"{m.title} ({m.series}{', ' + m.number if m.number else ''}, "
                                      f"{m.date}), edition {ed.edition}"),
        "Brief-Id": m.brief_id, "Brief-Series": _line(m.series), "Brief-Number": _line(m.number or ""),
        "Brief-Title": _line(m.title), "Brief-Author": [_line(a) for a in m.authors] or [""],
        "Brief-Date": m.date, "Edition": str(ed.edition), "Edition-Note": _line(ed.note),
        **({"Edition-Corrects": ed.corrects} if ed.corrects else {}),
        "Archived-At": ed.added_at,
        "Catalogue-Seal": f"record {sealed.seq} sha256={sealed.hash} prev={sealed.prev} format={sealed.format}",
    }
    for f in ed.files.values():
        info[f"File-{f.variant.capitalize()}"] = (
            f"{m.brief_id}-{f.variant}.pdf sha256={f.sha256} bytes={f.bytes} pages={f.pages} "
            f"standard={f.standard} source_hash={f.source_hash} tool={_line(f.tool)} build_epoch={f.build_epoch}")
    return info


def export(archive: Archive, wanted: str, target: Path) -> Path:
    """Write edition ``wanted`` as a bag at ``target`` (which must not exist or be empty)."""
    import bagit

    ed = archive.editions(wanted)[0]
    checked = archive.sealed()
    if checked.problems or checked.unsealed:
        why = checked.problems[0] if checked.problems else "it is not sealed yet (the next add seals it)"
        raise BriefError(f"the catalogue fails its seal check, so nothing is exported: {why} "
                         f"('brief archive verify' lists every problem)", archive.root)
    [sealed] = [s for s in checked.chain if s.id == ed.id]
    kept = archive.store.record_path(sealed.seq)
    record = kept.read_bytes() if checked.records else sealed.to_bytes()  # checked: the same record
    target = Path(target)
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise BriefError("the bag folder already exists and is not empty", target)
    target.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        for f in ed.files.values():
            src = archive.store.path(f.sha256)
            data = src.read_bytes() if src.is_file() else b""
            if hashlib.sha256(data).hexdigest() != f.sha256:
                raise BriefError(f"the stored {f.variant} file of {ed.id} is missing or altered; run "
                                 f"'brief archive verify {ed.id}'", src)
            (work / f"{ed.meta.brief_id}-{f.variant}.pdf").write_bytes(data)
        (work / "sealed-record.json").write_bytes(record)
        bag = bagit.make_bag(str(work), bag_info=bag_info(ed, sealed), checksums=["sha256", "sha512"])
        bag.validate()
        for folder in (work, work / "data"):
            os.chmod(folder, 0o755)
        if target.exists():
            target.rmdir()
        os.replace(work, target)
    except bagit.BagError as exc:
        raise BriefError(f"could not make the bag: {exc}", target) from None
    finally:
        if work.exists():
            shutil.rmtree(work)
    return target
