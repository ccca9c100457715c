"""One error type for everything a user can get wrong: it names the file and line."""

from __future__ import annotations

import sys
from pathlib import Path


class BriefError(Exception):
    """A problem in the user's input, reported as ``file:line: message``."""

    def __init__(self, message: str, path: Path | str | None = None, line: int | None = None,
                 listing: bool = False):
        if not listing:  # one line, whatever it quotes (a listing is one line per problem)
            message = message.replace("\r", "\\r").replace("\n", "\\n")
        super().__init__(message)
        self.message = message
        self.path = Path(path) if path is not None else None
        self.line = line
        self.listed: tuple[BriefError, ...] = ()  # a listing's problems (see :func:`several`)

    @property
    def problems(self) -> tuple[BriefError, ...]:
        """The problems this error reports: those of a listing, else itself."""
        return self.listed or (self,)

    def __str__(self) -> str:
        where = ""
        if self.path is not None:
            where = f"{self.path}:{self.line}: " if self.line else f"{self.path}: "
        return f"{where}{self.message}"


class Terminated(BaseException):
    """SIGTERM, raised like KeyboardInterrupt (the CLI installs :func:`raise_terminated`), so
    that the same ``finally`` blocks and the same worker shutdown run."""


def raise_terminated(_signum, _frame):
    raise Terminated


def several(problems: list[BriefError], summary: str = "") -> BriefError:
    """One error for several problems, all reported at once: the first as the message (with
    ``summary``, or how many there are, in brackets), then each further one on its own line,
    ``file:line: message``. One problem is that problem itself; a problem that is a listing
    contributes its own problems."""
    unique: dict[str, BriefError] = {}
    for problem in problems:
        for p in problem.problems:
            unique.setdefault(str(p), p)
    flat = list(unique.values())
    if len(flat) == 1:
        return flat[0]
    first = flat[0]
    summary = summary or f"{len(flat)} problems, all listed here"
    error = BriefError("\n".join([f"{first.message} ({summary})", *map(str, flat[1:])]), first.path, first.line,
                       listing=True)
    error.listed = tuple(flat)
    return error


def warn(message: str, path: Path | str | None = None, line: int | None = None) -> None:
    """A problem the build works around: one line on stderr, ``warning: file:line: message``."""
    print(f"warning: {BriefError(message, path, line)}", file=sys.stderr, flush=True)
