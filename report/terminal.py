"""What the CLI prints reaches a terminal: control characters in it are shown, not obeyed.

A query, a ``--note``, a brief's title or a file name can carry ESC (a colour change, a
cursor move, a rewritten title bar), BEL, a carriage return that overwrites the line, or a
bidi override that reverses what follows. :func:`shown` writes each such character as an
escape (``\\x1b``, ``\\u202e``); :func:`escaped_output` applies it to everything written to
``sys.stdout`` and ``sys.stderr`` while the CLI runs, so no message has to do it itself.

Kept as they are: line feeds (they end lines; a message that must stay one line escapes
its own, see :func:`one_line`) and every printable character of any script. Escaped: C0 controls but ``\\n``, DEL, C1 controls, U+202A–U+202E and U+2066–U+2069.
JSON output stays valid: ``json.dumps`` has already escaped C0, and the rest are written
as ``\\uXXXX``, which JSON reads back as the same character.
"""

from __future__ import annotations

import io
import re
import sys
from contextlib import contextmanager

_CONTROL = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _escape(m: re.Match) -> str:
    code = ord(m.group())
    return f"\\x{code:02x}" if code < 0x20 else f"\\u{code:04x}"


def shown(text: str) -> str:
    """``text`` with every control character but the line feed written as an escape."""
    return _CONTROL.sub(_escape, text)


def one_line(text: str) -> str:
    """``text`` as one line: line breaks too are escaped (for a message that is one line)."""
    return shown(text).replace("\n", "\\n")


class _Shown(io.TextIOBase):
    """A text stream that passes what is written through :func:`shown` to ``inner``."""

    def __init__(self, inner):
        self.inner = inner

    def write(self, text: str) -> int:
        self.inner.write(shown(text))
        return len(text)

    def flush(self) -> None:
        self.inner.flush()

    def isatty(self) -> bool:
        return self.inner.isatty()

    def fileno(self) -> int:
        return self.inner.fileno()

    @property
    def encoding(self):
        return getattr(self.inner, "encoding", "utf-8")

    @property
    def errors(self):
        return getattr(self.inner, "errors", "strict")


@contextmanager
def escaped_output():
    """While inside: everything printed to stdout and stderr goes through :func:`shown`."""
    saved = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = _Shown(saved[0]), _Shown(saved[1])
    try:
        yield
    finally:
        sys.stdout, sys.stderr = saved
