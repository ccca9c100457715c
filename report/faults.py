"""Fault injection, for tests: ``BRIEF_FAULT`` (comma-separated) names points at which the
process kills itself with SIGKILL, as ``kill -9`` or a power cut would stop it there.

``POINT`` fires the first time the process reaches the point, ``POINT@N`` the N-th time (a
point inside a loop or a helper called twice). A name that is a switch rather than a point
(``no-exchange``) is read with :func:`armed`. The points are listed where they are used:
``report/output.py`` (a build's write) and ``report/archive/core.py`` (``brief archive add``).
"""

from __future__ import annotations

import collections
import os
import signal

_reached: collections.Counter = collections.Counter()


def armed(name: str) -> bool:
    return name in os.environ.get("BRIEF_FAULT", "").split(",")


def point(name: str) -> None:
    """Die here if ``BRIEF_FAULT`` names this point (or this pass through it)."""
    _reached[name] += 1
    if (_reached[name] == 1 and armed(name)) or armed(f"{name}@{_reached[name]}"):
        os.kill(os.getpid(), signal.SIGKILL)
