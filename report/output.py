"""Atomic output: every file of a build is written beside its target and renamed into
place only when all of them are ready, so a failed build leaves the previous edition."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def write_all(files: dict[Path, bytes]) -> None:
    """Write each ``path: data`` to a temporary file, fsync, then rename them all."""
    staged: list[tuple[Path, Path]] = []
    mode = 0o666 & ~_umask()  # what an ordinary write would give (mkstemp makes files private)
    try:
        for path, data in files.items():
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
            os.fchmod(fd, mode)
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            staged.append((Path(tmp), path))
        for tmp, path in staged:
            os.replace(tmp, path)
        for directory in {p.parent for _, p in staged}:
            _fsync_dir(directory)
    finally:
        for tmp, _ in staged:
            if tmp.exists():
                tmp.unlink()


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _fsync_dir(directory: Path) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
