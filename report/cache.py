"""Where a build keeps what it can reuse: ``$BRIEF_CACHE`` or ``.cache/`` in the project.

Everything in it is derived and safe to delete; each entry's name carries the key of what
it was derived from, so a stale entry is never used, only left behind. Each entry is
stamped with the digest of its bytes when written (:mod:`geodata.files`) and checked
against it before use: a damaged entry is one ``warning:`` line naming it, and the caller
makes it again."""

from __future__ import annotations

from pathlib import Path

from geodata import files

from .errors import warn

root = files.cache_root  # () -> the folder: $BRIEF_CACHE, else .cache/ in the project
write_atomically = files.write_entry  # (path, data): the entry with its stamp, put in place whole
entry = files.making_entry  # (path, suffix): a file to write the entry into, put in place with its stamp


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
