"""Shims: what the project changes or reads inside a library, one module per library
(``geodata.shims.matplotlib`` here, ``report.shims.reportlab`` for ReportLab).

Each shim is installed by one call to its ``install()`` where it is first needed, never on
import; a second call does nothing. Each is written for one major.minor version of its
library: another version is one warning line (:func:`check_version`), not an error. A
shim's fixes are checked where they matter (the build's preflight and the tests named in
the warning), and a newer release may well keep them working, so an upgrade is reviewed
rather than refused; a patch target the library no longer has is an error at install.
"""

from __future__ import annotations

import re
import sys


def check_version(shim: str, library: str, version: str, written_for: tuple[int, int], tests: str) -> None:
    """One warning line on stderr when ``version`` of ``library`` is not the major.minor
    version ``shim`` was written for."""
    found = tuple(int(n) for n in re.findall(r"\d+", version)[:2])
    if found != written_for:
        print(f"warning: {shim}: written for {library} {written_for[0]}.{written_for[1]}, this is {library} "
              f"{version}; check that its fixes still hold ({tests})", file=sys.stderr, flush=True)
