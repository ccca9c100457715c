"""Where a build keeps what it can reuse: ``$BRIEF_CACHE`` or ``.cache/`` in the project.

Everything in it is derived and safe to delete; each entry's name carries the key of what
it was derived from, so a stale entry is never used, only left behind."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def root() -> Path:
    return Path(os.environ.get("BRIEF_CACHE") or ROOT / ".cache")


def write_atomically(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    os.replace(tmp, path)
