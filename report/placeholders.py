"""The placeholders ``brief new`` writes (``"REPLACE: Title of the brief"``) still in a brief.

Part of the source stage. A placeholder left in the front matter, the body, a figure spec or
``places.toml`` is an error for every edition, one per placeholder, naming its file and line,
so that a scaffold never reaches print with "REPLACE: TITLE OF THE BRIEF" on its first page.
In TOML only values count: the scaffold's comments mention the marker too.
"""

from __future__ import annotations

import tomllib
from collections import Counter
from pathlib import Path

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
    """One error per placeholder in the string values of TOML ``text`` (comments aside); a
    text that is not TOML has none (its reader reports what is wrong with it)."""
    if MARKER not in text:  # the usual case: no need to parse it again
        return []
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return []
    lines = text.splitlines()
    taken: Counter = Counter()  # (line index, fragment) -> placeholders already placed there
    found = []
    for value in _strings(data):
        at = value.find(MARKER)
        while at >= 0:
            fragment = value[at:].split("\n")[0]
            line = _locate(lines, fragment, taken)
            found.append(_error(fragment, path, None if line is None else start_line + line))
            at = value.find(MARKER, at + len(MARKER))
    return sorted(found, key=lambda e: e.line or 0)


def _strings(data):
    if isinstance(data, str):
        yield data
    elif isinstance(data, dict):
        for value in data.values():
            yield from _strings(value)
    elif isinstance(data, list):
        for value in data:
            yield from _strings(value)


def _locate(lines: list[str], fragment: str, taken: Counter) -> int | None:
    """The index of the line holding this placeholder: the first line, not a comment, that
    holds the fragment more often than placeholders were placed there already (a value
    written with escapes: the first line with the marker)."""
    for needle in (fragment, MARKER):
        for i, line in enumerate(lines):
            if line.lstrip().startswith("#"):
                continue
            if line.count(needle) > taken[(i, needle)]:
                taken[(i, needle)] += 1
                return i
    return None


def _error(fragment: str, path: Path, line: int | None) -> BriefError:
    shown = fragment.strip()
    shown = shown if len(shown) <= SHOWN else shown[:SHOWN - 1].rstrip() + "…"
    return BriefError(f"placeholder \"{shown}\" left from `brief new`: write the brief's own text here",
                      path, line)
