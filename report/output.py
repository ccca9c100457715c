"""Output: an edition folder is put in place as one unit, or not at all.

``publish(out/<slug>, files, about)`` runs under an exclusive lock on ``out/.<slug>.lock``
(``flock``; two builds of one brief into one ``--out`` queue, the later one wins whole; the
holder writes its pid into the lock file, and a build that has to wait says so once on
stderr, naming the lock file and the holder's pid, and whether the holder is stopped):

1. it repairs what a killed build left (see below) and refuses a folder holding anything
   but regular files (a folder named like an edition file, a link): the edition folder is
   replaced as a whole, and nothing the build did not write is ever deleted;
2. it makes a staging folder ``out/.<slug>.stage-XXXX/`` with hard links to the files it
   keeps (other variants, with their ``edition.json`` entries), writes each new file and
   fsyncs it, then writes ``edition.json`` last: per file its variant, SHA-256, size and
   build id;
3. it swaps the staging folder and ``out/<slug>/`` in one ``renameat2(RENAME_EXCHANGE)``
   (Linux); where the file system cannot, ``out/<slug>`` is renamed to
   ``out/.<slug>.old-XXXX`` and the staging folder into its place;
4. it removes the old folder.

A build that fails or is killed before step 3 changes nothing; one killed in the two-rename
fallback between its renames leaves ``out/<slug>`` absent and the old folder beside it, and
the next build puts the old folder back before it starts. The next build also removes every
stale staging or old folder and the temporary files earlier versions wrote into the edition
folder (``.<slug>-<variant>.pdf.XXXXXXXX.tmp``), recognised by the names the tool gives them
and nothing else: a file of the user's in the folder (``.review.tmp``) is kept. Readers
(``brief archive add``) refuse a folder whose files do not match its ``edition.json``.

``BRIEF_FAULT`` (``report/faults.py``; for tests) kills the process with SIGKILL at a point:
``staged`` (before the swap), ``between-renames`` (fallback only), ``swapped`` (before the
old folder is removed); ``no-exchange`` makes the fallback run.
"""

from __future__ import annotations

import ctypes
import errno
import hashlib
import json
import os
import re
import shutil
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path

from geodata.files import fsync_dir, umask

from . import faults
from .errors import BriefError

try:
    import fcntl
except ImportError:  # not POSIX: no lock (the swap is still whole)
    fcntl = None

MANIFEST = "edition.json"
FORMAT = 1
#: the random part tempfile gives a name (mkstemp, mkdtemp): what marks a name as the tool's
_RANDOM = "[a-z0-9_]{8}"


def publish(folder: Path, files: dict[str, bytes], about: dict[str, dict]) -> list[Path]:
    """Put ``files`` (name: bytes) into ``folder`` as one unit; ``about[name]`` goes into the
    file's ``edition.json`` entry (variant, build id). Returns the stale paths it removed."""
    folder = Path(folder).absolute()
    try:
        return _publish(folder, files, about)
    except OSError as exc:
        raise BriefError(f"cannot write the edition: {exc.strerror or exc}", exc.filename or folder) from None


def _publish(folder: Path, files: dict[str, bytes], about: dict[str, dict]) -> list[Path]:
    parent = folder.parent
    parent.mkdir(parents=True, exist_ok=True)
    with _locked(parent / f".{folder.name}.lock"):
        removed = _recover(folder)
        keep = _kept(folder, files)
        old_entries = read_manifest(folder).get("files", {}) if keep else {}
        stage = Path(tempfile.mkdtemp(prefix=f".{folder.name}.stage-", dir=parent))
        try:
            os.chmod(stage, 0o777 & ~umask())
            entries = {}
            for name in keep:
                _link_or_copy(folder / name, stage / name)
                if name in old_entries:
                    entries[name] = old_entries[name]
            for name, data in files.items():
                _write(stage / name, data)
                entries[name] = {**about.get(name, {}), "sha256": hashlib.sha256(data).hexdigest(),
                                 "bytes": len(data)}
            manifest = {"format": FORMAT, "files": dict(sorted(entries.items()))}
            _write(stage / MANIFEST, json.dumps(manifest, indent=2, sort_keys=True).encode() + b"\n")
            fsync_dir(stage)
            faults.point("staged")
            _swap(stage, folder)
            faults.point("swapped")
        finally:
            if stage.exists():
                shutil.rmtree(stage)
        fsync_dir(parent)
    return removed


def read_manifest(folder: Path) -> dict:
    """The folder's ``edition.json`` ({} if absent); a BriefError if it is not valid."""
    path = Path(folder) / MANIFEST
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_bytes())
    except ValueError as exc:
        raise BriefError(f"not a valid edition manifest: {exc}", path) from None
    if not isinstance(data, dict) or not isinstance(data.get("files"), dict):
        raise BriefError("not a valid edition manifest (no \"files\" map)", path)
    return data


@contextmanager
def _locked(path: Path):
    """Hold the lock; while another process holds it, say so once on stderr and wait. The
    holder's pid is in the lock file while it holds it."""
    if fcntl is None:
        yield
        return
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            print(_waiting(path, os.pread(fd, 32, 0)), file=sys.stderr, flush=True)
            fcntl.flock(fd, fcntl.LOCK_EX)  # blocks: builds of one brief into one folder queue
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        try:
            yield
        finally:
            os.ftruncate(fd, 0)  # no pid of a process that no longer holds it
    finally:
        os.close(fd)


def _waiting(path: Path, recorded: bytes) -> str:
    """The line a build prints while another holds the lock: the lock file and, if the file
    names a living process (its first line, a pid), that pid and whether it is stopped."""
    text = recorded.decode("ascii", "replace").strip()
    pid = int(text) if text.isdigit() and len(text) < 10 else 0
    state = _state(pid) if pid > 0 else None
    if state is None:
        return f"waiting: {path} is held by another process; this build goes on when it lets go"
    if state == "stopped":
        return (f"waiting: {path} is held by process {pid}, which is stopped (Ctrl-Z or SIGSTOP): this build "
                f"goes on once that process is continued (kill -CONT {pid}) or ends")
    return f"waiting: {path} is held by another build (process {pid}); this build goes on when it is done"


def _state(pid: int) -> str | None:
    """'stopped', 'running', or None if there is no such process."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    except PermissionError:  # another user's
        pass
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:  # no /proc here: alive is all we know
        return "running"
    return "stopped" if stat[stat.rindex(")") + 2:][:1] in ("T", "t") else "running"


def _recover(folder: Path) -> list[Path]:
    """Undo what a killed build left: put back an old folder it had moved aside, then
    remove its staging and old folders and older versions' temporary files."""
    parent, name = folder.parent, folder.name
    olds = sorted(_ours(parent, rf"\.{re.escape(name)}\.old-{_RANDOM}"), key=lambda p: p.stat().st_mtime)
    if olds and not os.path.lexists(folder):
        os.rename(olds.pop(), folder)
    removed = [*olds, *_ours(parent, rf"\.{re.escape(name)}\.stage-{_RANDOM}")]
    for path in removed:
        shutil.rmtree(path) if path.is_dir() and not path.is_symlink() else path.unlink()
    if folder.is_dir() and not folder.is_symlink():
        for tmp in _ours(folder, rf"\.{re.escape(name)}-[a-z]+\.pdf\.{_RANDOM}\.tmp"):
            if tmp.is_file() and not tmp.is_symlink():
                tmp.unlink()
                removed.append(tmp)
    return removed


def _ours(directory: Path, pattern: str) -> list[Path]:
    """The entries of ``directory`` whose whole name matches ``pattern``: names the tool makes."""
    return [Path(e.path) for e in os.scandir(directory) if re.fullmatch(pattern, e.name)]


def _kept(folder: Path, files: dict[str, bytes]) -> list[str]:
    """The files of the current folder that the new one keeps; refuses what it cannot keep."""
    if not os.path.lexists(folder):
        return []
    if folder.is_symlink() or not folder.is_dir():
        raise BriefError("the edition folder is not a folder (a file or a symbolic link is in its place); "
                         "move it away", folder)
    keep = []
    for entry in sorted(os.scandir(folder), key=lambda e: e.name):
        if not entry.is_file(follow_symlinks=False):
            kind = "a folder" if entry.is_dir(follow_symlinks=False) else \
                "a symbolic link" if entry.is_symlink() else "not a regular file"
            raise BriefError(f"{kind} is in the edition folder; brief build replaces the folder as a whole "
                             f"and never deletes what it did not write: move it away", entry.path)
        if entry.name not in files and entry.name != MANIFEST:
            keep.append(entry.name)
    return keep


def _link_or_copy(src: Path, dst: Path) -> None:
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


def _write(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)  # mode less umask
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())


def _swap(stage: Path, folder: Path) -> None:
    """Make ``stage`` the folder; afterwards ``stage`` holds the old content (if any)."""
    if not os.path.lexists(folder):
        os.rename(stage, folder)
        return
    if _exchange(stage, folder):
        return
    old = Path(tempfile.mkdtemp(prefix=f".{folder.name}.old-", dir=folder.parent))
    os.rename(folder, old)  # replaces the empty placeholder folder
    faults.point("between-renames")
    os.rename(stage, folder)
    os.rename(old, stage)


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths atomically (``renameat2(RENAME_EXCHANGE)``); False where unsupported."""
    if not sys.platform.startswith("linux") or faults.armed("no-exchange"):
        return False
    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    if renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP, errno.ENOTSUP):
        return False
    raise OSError(err, os.strerror(err), str(b))


