"""Content-addressed file store: ``objects/<first 2 hex>/<sha256>.pdf``; and the sealed
record of every edition: ``records/<seq, 6 digits>.json`` (see :mod:`.seal`).

A file is written to ``tmp/`` beside the objects, fsynced, renamed to its final name and
the directory fsynced, so a name in ``objects/`` or ``records/`` always holds complete
bytes (a crash leaves at most a temporary file, or an object or record no catalogue row
names yet). Stored files are made read-only; the same bytes are stored once however many
editions share them. The record files of a catalogue sealed (or given record files) all at
once are written into a temporary folder renamed to ``records/``: all of them or none.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import tempfile
from pathlib import Path

from geodata.files import fsync_dir, write_whole

from .. import faults

CHUNK = 1 << 20
RECORDS = "records"
RECORD_NAME = re.compile(r"^(\d{6,})\.json$")


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(CHUNK):
            h.update(chunk)
    return h.hexdigest()


def write_atomic(final: Path, data: bytes, tmpdir: Path, mode: int = 0o444, fault: str = "") -> None:
    """Write ``data`` to ``final`` whole or not at all (:func:`geodata.files.write_whole`): a
    temporary file in ``tmpdir``, synced, renamed, the folder synced. ``fault``: the
    ``BRIEF_FAULT`` point (report/faults.py) between the written temporary file and the rename."""
    write_whole(final, data, tmpdir=tmpdir, mode=mode, durable=True,
                before=(lambda: faults.point(fault)) if fault else None)


class Store:
    def __init__(self, root: Path):
        self.root = Path(root)
        self.objects = self.root / "objects"
        self.records_dir = self.root / RECORDS
        self.tmp = self.root / "tmp"

    def path(self, sha256: str) -> Path:
        return self.objects / sha256[:2] / f"{sha256}.pdf"

    def put(self, data: bytes, sha256: str) -> str:
        """Store ``data`` under its hash; 'stored', 'present' or 'repaired' (a damaged copy replaced)."""
        if hashlib.sha256(data).hexdigest() != sha256:
            raise ValueError("data does not match its sha256")
        final = self.path(sha256)
        state = "stored"
        if final.is_file():
            if sha256_file(final) == sha256:
                return "present"
            state = "repaired"
        write_atomic(final, data, self.tmp, fault="add-object-written")
        return state

    def check(self, sha256: str) -> str:
        """'ok', 'missing' or 'altered' (the bytes no longer hash to their name)."""
        path = self.path(sha256)
        if not path.is_file():
            return "missing"
        return "ok" if sha256_file(path) == sha256 else "altered"

    def all_hashes(self) -> set[str]:
        """The hash of every stored object, by file name."""
        if not self.objects.is_dir():
            return set()
        return {p.stem for p in self.objects.glob("??/*.pdf")}

    def leftovers(self) -> list[Path]:
        """Temporary files an interrupted write left behind (safe to delete when no add runs)."""
        return sorted(self.tmp.glob("*.tmp")) + sorted(self.tmp.glob("records.*")) if self.tmp.is_dir() else []

    # the sealed records ---------------------------------------------------------------

    def record_path(self, seq: int) -> Path:
        return self.records_dir / f"{seq:06d}.json"

    def records(self) -> tuple[dict[int, bytes], list[Path]]:
        """The record files by seq, and whatever else ``records/`` holds."""
        found, strays = {}, []
        if self.records_dir.is_dir():
            for path in sorted(self.records_dir.iterdir()):
                m = RECORD_NAME.match(path.name)
                if m and path.name == self.record_path(int(m.group(1))).name and path.is_file() \
                        and not path.is_symlink():
                    found[int(m.group(1))] = path.read_bytes()
                else:
                    strays.append(path)
        return found, strays

    def put_records(self, records: dict[int, bytes]) -> list[Path]:
        """Write record files (seq: bytes). With no ``records/`` yet, all at once: written into
        a temporary folder that is renamed to ``records/``. The paths written."""
        if not self.records_dir.exists():
            self.tmp.mkdir(parents=True, exist_ok=True)
            work = Path(tempfile.mkdtemp(prefix="records.", dir=self.tmp))
            try:
                for seq, data in records.items():
                    write_atomic(work / self.record_path(seq).name, data, self.tmp)
                os.chmod(work, 0o755)
                os.rename(work, self.records_dir)  # fails if another writer made it meanwhile
            except BaseException:
                shutil.rmtree(work, ignore_errors=True)
                raise
            fsync_dir(self.root)
        else:
            for seq, data in records.items():
                write_atomic(self.record_path(seq), data, self.tmp)
        return [self.record_path(seq) for seq in records]
