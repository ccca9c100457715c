"""Where a build keeps what it can reuse: ``$BRIEF_CACHE`` or ``.cache/`` in the project.

Everything in it is derived and safe to delete; each entry's name carries the key of what
it was derived from, so a stale entry is never used, only left behind. Each entry is
stamped with the digest of its bytes when written (:mod:`geodata.files`) and checked
against it before use: a damaged entry is one ``warning:`` line naming it, and the caller
makes it again."""

from __future__ import annotations

import os
from pathlib import Path

from geodata import files

from .errors import warn

ROOT = Path(__file__).resolve().parent.parent

write_atomically = files.write_entry  # (path, data): the entry with its stamp, put in place whole
commit = files.commit_entry  # (tmp, path): a file finished beside the entry, put in place as it


def root() -> Path:
    return Path(os.environ.get("BRIEF_CACHE") or ROOT / ".cache")


def read(path: Path, remedy: str | None) -> bytes | None:
    """The entry's bytes if it is intact; None if it is absent, or damaged (then one warning
    naming it and ``remedy``, what the caller does instead: "rendering it again"; none
    without a remedy)."""
    data, problem = files.check_entry(path)
    if problem and remedy:
        warn(f"damaged cache entry ({problem}); {remedy}", path)
    return data


def intact(path: Path, remedy: str | None) -> bool:
    """Whether the entry (a file its users open by name) is there and intact; see :func:`read`."""
    return read(path, remedy) is not None
