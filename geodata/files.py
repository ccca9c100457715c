"""Files: what kind a path is, and entries of the build cache, checked before use.

A cache entry ``NAME`` is written with a stamp beside it, ``NAME.sha256`` (``sha256 HEX SIZE``):
the stamp first, then the entry, renamed into place, so an entry exists only once its
stamp does. An entry is used only when its bytes are what the stamp says: a truncated,
zeroed or overwritten entry, one without a stamp, or something that is not a regular
file is reported as damaged (``check_entry`` gives the reason), never parsed or unpickled, and
the caller makes it again and puts it in place of the damaged one (never deleting it
first, so that a build reading the same cache never finds it missing).

Pure Python, no imports from ``report`` (which uses this module): the geodata package keeps
its own cache entries (the decompressed base layers) this way too.
"""

from __future__ import annotations

import hashlib
import os
import stat
import tempfile
from pathlib import Path

SUFFIX = ".sha256"
_KINDS = ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISCHR, "a character device"),
          (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"), (stat.S_ISLNK, "a symbolic link"))


def kind(mode: int) -> str:
    """What a file of ``os.stat``/``os.lstat`` mode ``mode`` is, for messages ("a FIFO (named pipe)")."""
    if stat.S_ISREG(mode):
        return "a regular file"
    return next((name for test, name in _KINDS if test(mode)), "not a regular file")


class NotUTF8(ValueError):
    """Bytes that are not UTF-8; ``line`` is the 1-based line of the first bad byte."""

    def __init__(self, line: int, byte: int):
        super().__init__(f"not valid UTF-8 (byte 0x{byte:02x})")
        self.line = line


def decode_utf8(data: bytes) -> str:
    """``data`` as text, or :class:`NotUTF8` naming the line of the first bad byte."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise NotUTF8(data[: exc.start].count(b"\n") + 1, data[exc.start]) from None


def stamp_path(path: Path) -> Path:
    return Path(path).with_name(Path(path).name + SUFFIX)


def _stamp(data: bytes) -> bytes:
    return f"sha256 {hashlib.sha256(data).hexdigest()} {len(data)}\n".encode()


def _put(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def write_entry(path: Path, data: bytes) -> None:
    """Put ``data`` in place as the entry ``path``, with its stamp."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    _put(stamp_path(path), _stamp(data))
    _put(path, data)


def commit_entry(tmp: Path, path: Path) -> None:
    """Put the finished file ``tmp`` (in the same folder) in place as the entry ``path``."""
    _put(stamp_path(path), _stamp(Path(tmp).read_bytes()))
    os.replace(tmp, path)


def check_entry(path: Path) -> tuple[bytes | None, str | None]:
    """``(bytes, None)`` for an intact entry, ``(None, None)`` for an absent one, and
    ``(None, reason)`` for a damaged one."""
    path = Path(path)
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return None, None
    if not stat.S_ISREG(st.st_mode):
        return None, f"{kind(st.st_mode)}, not a regular file"
    try:
        with open(stamp_path(path), "rb") as fh:
            words = fh.read(200).split()
    except FileNotFoundError:
        return None, "it has no stamp"
    except OSError as exc:
        return None, f"its stamp cannot be read: {exc.strerror}"
    if len(words) != 3 or words[0] != b"sha256" or not words[2].isdigit():
        return None, "its stamp is unreadable"
    size = int(words[2])
    if st.st_size != size:
        return None, f"{st.st_size:,} bytes where {size:,} were written"
    try:
        with open(path, "rb") as fh:
            data = fh.read(size + 1)
    except OSError as exc:
        return None, f"it cannot be read: {exc.strerror}"
    if hashlib.sha256(data).hexdigest().encode() != words[1]:
        return None, "its content is not what was written"
    return data, None
