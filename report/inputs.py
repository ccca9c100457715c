"""The files a build reads, recorded as :class:`report.model.Input`s before they are read.

A brief's own files (``brief.md``, figure specs, ``places.toml``, ``layers/*.geojson``)
must be regular files inside the brief folder: a symbolic link that leads outside it, a
device, a FIFO or a socket is refused with one line naming it, before anything reads it
(so a FIFO never hangs the build and a link to ``~/.ssh/id_rsa`` is never attached).
Bundled data (gazetteer, annotation layers) is named by its path under ``geodata/``.
Only what the build actually used is recorded; the archive edition attaches exactly these
files, and :mod:`report.provenance` hashes them into the build id.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from geodata import files

from .errors import BriefError
from .model import Input


def brief_input(path: Path, brief_dir: Path, role: str, referrer: Path | None = None,
                line: int | None = None) -> Input:
    """``path`` (inside ``brief_dir``) as an input, or a BriefError if it may not be read."""
    path, home = Path(path), Path(brief_dir)
    rel = os.path.relpath(os.path.abspath(path), os.path.abspath(home))
    where = (referrer, line) if referrer is not None else (path, None)
    if rel.startswith(".."):
        raise BriefError(f"{path} is outside the brief folder {home}", *where)
    try:
        target = path.resolve(strict=True)
    except (OSError, RuntimeError):
        raise BriefError(f"{rel} does not exist" + (" (a broken symbolic link)" if path.is_symlink() else ""),
                         *where) from None
    if not target.is_relative_to(home.resolve()):
        raise BriefError(f"{rel} is a symbolic link to {target}, outside the brief folder; a brief may only "
                         f"use files inside its own folder", *where)
    mode = os.stat(target).st_mode
    if not stat.S_ISREG(mode):
        raise BriefError(f"{rel} is {files.kind(mode)}, not a regular file; a brief may only use regular files",
                         *where)
    return Input(name=_project_path(path, home), path=path, role=role)


def written_input(path: Path, brief_dir: Path, role: str, data: bytes) -> Input:
    """A file of the brief that the build writes (the place lock), with the content it will
    have: named as :func:`brief_input` names a file it reads."""
    return Input(name=_project_path(Path(path), Path(brief_dir)), path=Path(path), role=role, pending=data)


def _project_path(path: Path, home: Path) -> str:
    rel = os.path.relpath(os.path.abspath(path), os.path.abspath(home))
    return f"briefs/{home.resolve().name}/{Path(rel).as_posix()}"


def bundled(geodata_dir: Path | None = None) -> tuple[Path, Path]:
    """(gazetteer file, annotation layer folder) of the bundled data: the installed ones, or
    those under ``geodata_dir`` (laid out like ``geodata/``, e.g. extracted from an archive file)."""
    from geodata import places

    if geodata_dir is None:
        return places.BUNDLED_GAZETTEER, places.BUNDLED_LAYERS
    return Path(geodata_dir) / "gazetteer.toml", Path(geodata_dir) / "layers"


def bundled_viewpoints(geodata_dir: Path | None = None) -> Path:
    """The viewpoint conventions: ``geodata_dir``'s ``viewpoints.toml`` (an archive edition's
    attached copy) where it has one, else the installed file."""
    from geodata import places

    own = Path(geodata_dir) / "viewpoints.toml" if geodata_dir is not None else None
    return own if own is not None and own.is_file() else places.BUNDLED_VIEWPOINTS


def bundled_input(path: Path, role: str) -> Input:
    """A file of the bundled geodata as an input: ``geodata/gazetteer.toml``,
    ``geodata/viewpoints.toml``, ``geodata/layers/x``."""
    path = Path(path)
    name = {"gazetteer": "geodata/gazetteer.toml", "viewpoints": "geodata/viewpoints.toml"}.get(
        role, f"geodata/layers/{path.name}")
    return Input(name=name, path=path, role=role)


def unique(inputs) -> tuple[Input, ...]:
    """Each input once (by project path), first occurrence kept."""
    seen: dict[str, Input] = {}
    for item in inputs:
        seen.setdefault(item.name, item)
    return tuple(seen.values())


_FOLD = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'",
                       "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u2033": '"',
                       "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-",
                       "\u2212": "-", "\u00a0": " ", "\u202f": " ", "\u2009": " ", "\u00ad": None})


def _fold(text: str) -> str:
    import unicodedata

    text = unicodedata.normalize("NFKC", text).translate(_FOLD).replace("\u2026", "...")
    return " ".join(text.casefold().split())


def locate(inputs, text: str) -> tuple[Path, int] | None:
    """The first (file, line) among a build's text inputs (``brief.md``, figure specs, the
    places file, the style) whose line holds ``text`` as typeset (typographic quotes, dashes
    and ligatures folded back to what an author types), or the longest beginning of it that
    any line holds; None when not even its first word is found."""
    words = _fold(text).split()
    files = [i.path for i in inputs if i.role in ("brief", "figure", "places", "style")]
    lines = []
    for path in files:
        try:
            body = Path(path).read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        lines.extend((path, n, f" {_fold(line)} ") for n, line in enumerate(body.splitlines(), start=1))
    for size in range(len(words), 0, -1):
        needle = " ".join(words[:size])
        for path, n, line in lines:
            if needle in line and (size > 1 or f" {needle} " in line):
                return Path(path), n
    return None
