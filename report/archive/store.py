"""Content-addressed file store: ``objects/<first 2 hex>/<sha256>.pdf``.

A file is written to ``tmp/`` beside the objects, fsynced, renamed to its final name and
the directory fsynced, so a name in ``objects/`` always holds complete bytes (a crash
leaves at most a temporary file or an object no catalogue row names yet). Stored files
are made read-only; the same bytes are stored once however many editions share them.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

from .. import faults

CHUNK = 1 << 20


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(CHUNK):
            h.update(chunk)
    return h.hexdigest()


def fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class Store:
    def __init__(self, root: Path):
        self.root = Path(root)
        self.objects = self.root / "objects"
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
        self.tmp.mkdir(parents=True, exist_ok=True)
        final.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f"{sha256[:12]}.", suffix=".tmp", dir=self.tmp)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.chmod(tmp, 0o444)
            faults.point("add-object-written")
            os.replace(tmp, final)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise
        fsync_dir(final.parent)
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
        return sorted(self.tmp.glob("*.tmp")) if self.tmp.is_dir() else []
