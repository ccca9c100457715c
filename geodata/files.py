"""Files: what kind a path is, files put in place whole, and entries of the build cache,
checked before use.

Every file the tool replaces is written whole or not at all (:func:`replacing`,
:func:`write_whole`): into a temporary file beside it, renamed over it in one step; on any
error the temporary file is removed and the old file stays as it was.

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
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

SUFFIX = ".sha256"
PROJECT = Path(__file__).resolve().parent.parent
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


def cache_root() -> Path:
    """The build cache folder: ``$BRIEF_CACHE``, else ``.cache/`` in the project."""
    return Path(os.environ.get("BRIEF_CACHE") or PROJECT / ".cache")


def stamp_path(path: Path) -> Path:
    return Path(path).with_name(Path(path).name + SUFFIX)


def _stamp(data: bytes) -> bytes:
    return f"sha256 {hashlib.sha256(data).hexdigest()} {len(data)}\n".encode()


@contextmanager
def replacing(path: Path, *, suffix: str = ".tmp", tmpdir: Path | None = None, mode: int | None = None,
              durable: bool = False, before: Callable[[], None] | None = None) -> Iterator[Path]:
    """A temporary file to write ``path`` into (``.NAME.XXXXXXXX<suffix>``, beside it or in
    ``tmpdir`` on the same file system); when the block ends it replaces ``path`` in one
    rename, and on any exception it is removed, ``path`` left as it was. ``mode``: the file's
    permissions (default: an ordinary new file's, 0o666 less the umask); ``durable``: the file
    and then its folder are synced to the disk; ``before``: called just before the rename."""
    with _temporary(path, suffix, tmpdir) as (fd, tmp):
        os.close(fd)
        yield tmp
        _put(tmp, path, mode, durable, before)


def write_whole(path: Path, data: bytes, *, tmpdir: Path | None = None, mode: int | None = None,
                durable: bool = False, before: Callable[[], None] | None = None) -> None:
    """Put ``data`` in place as the file ``path``, whole or not at all (see :func:`replacing`)."""
    with _temporary(path, ".tmp", tmpdir) as (fd, tmp):
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        _put(tmp, path, mode, durable, before)


@contextmanager
def _temporary(path: Path, suffix: str, tmpdir: Path | None) -> Iterator[tuple[int, Path]]:
    """An open temporary file for ``path``, removed if the block ends in an exception."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if tmpdir is not None:
        Path(tmpdir).mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=suffix, dir=tmpdir or path.parent)
    try:
        yield fd, Path(name)
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise


def _put(tmp: Path, path: Path, mode: int | None, durable: bool, before: Callable[[], None] | None) -> None:
    os.chmod(tmp, 0o666 & ~umask() if mode is None else mode)
    if durable:
        fd = os.open(tmp, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
    if before is not None:
        before()
    os.replace(tmp, path)
    if durable:
        fsync_dir(Path(path).parent)


def fsync_dir(directory: Path) -> None:
    """Sync a folder's entries (a rename in it) to the disk, where the folder can be opened."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def umask() -> int:
    """The process's umask (what it takes from a new file's permissions)."""
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_entry(path: Path, data: bytes) -> None:
    """Put ``data`` in place as the entry ``path``, with its stamp."""
    write_whole(stamp_path(path), _stamp(data))
    write_whole(path, data)


@contextmanager
def making_entry(path: Path, suffix: str = ".tmp") -> Iterator[Path]:
    """A temporary file to write the entry ``path`` into (a renderer that writes files, not
    bytes); when the block ends it is put in place as the entry, with its stamp."""
    with replacing(path, suffix=suffix) as tmp:
        yield tmp
        write_whole(stamp_path(path), _stamp(tmp.read_bytes()))


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
