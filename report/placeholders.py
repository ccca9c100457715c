"""The placeholders ``brief new`` writes (``"REPLACE: Title of the brief"``) still in a brief.

Part of the source stage. A placeholder left in the front matter, the body, a figure spec or
``places.toml`` is an error for every edition, one per placeholder, naming its file and line,
so that a scaffold never reaches print with "REPLACE: TITLE OF THE BRIEF" on its first page.
In TOML only values count: the scaffold's comments mention the marker too.
"""

from __future__ import annotations

from pathlib import Path

from geodata import tomlsrc

from .errors import BriefError

MARKER = "REPLACE:"  # what report/scaffold.py puts before every value to replace
SHOWN = 50  # characters of a placeholder quoted in its error


def in_markdown(text: str, path: Path, start_line: int = 1) -> list[BriefError]:
    """One error per placeholder in Markdown ``text`` (whose first line is ``start_line``)."""
    found = []
    for i, line in enumerate(text.splitlines()):
        at = line.find(MARKER)
        while at >= 0:
            found.append(_error(line[at:], path, start_line + i))
            at = line.find(MARKER, at + len(MARKER))
    return found


def in_toml(text: str, path: Path, start_line: int = 1) -> list[BriefError]:
    """One error per placeholder in the string values of TOML ``text`` (whose first line is
    ``start_line``; comments aside), on the line of its key or array entry; a text that is
    not TOML has none (its reader reports what is wrong with it)."""
    if MARKER not in text:  # the usual case: no need to parse it again
        return []
    try:
        doc = tomlsrc.parse(text, start_line)
    except tomlsrc.TomlError:
        return []
    found = []
    for keys, value in _strings(doc.data):
        at = value.find(MARKER)
        while at >= 0:
            found.append(_error(value[at:].split("\n")[0], path, doc.line(*keys)))
            at = value.find(MARKER, at + len(MARKER))
    return sorted(found, key=lambda e: e.line or 0)


def _strings(data, keys: tuple = ()):
    """(key path, string) of every string value in parsed TOML."""
    if isinstance(data, str):
        yield keys, data
    elif isinstance(data, dict):
        for key, value in data.items():
            yield from _strings(value, keys + (key,))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            yield from _strings(value, keys + (i,))


def _error(fragment: str, path: Path, line: int | None) -> BriefError:
    shown = fragment.strip()
    shown = shown if len(shown) <= SHOWN else shown[:SHOWN - 1].rstrip() + "…"
    return BriefError(f"placeholder \"{shown}\" left from `brief new`: write the brief's own text here",
                      path, line)
