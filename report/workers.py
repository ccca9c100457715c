"""Worker processes and Ctrl-C: a forked worker leaves SIGINT to its parent, which stops
the workers and reports the interrupt once (no traceback from every process)."""

from __future__ import annotations

import concurrent.futures as cf
import multiprocessing
import signal


def init() -> None:
    """A pool's initializer: ignore Ctrl-C; SIGTERM unwinds, so ``finally`` blocks clean up."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _unwind)


def _unwind(_signum, _frame):
    raise SystemExit(1)


def stop(pool: cf.ProcessPoolExecutor) -> None:
    """After a Ctrl-C in the parent: cancel what has not started, end what has."""
    pool.shutdown(wait=False, cancel_futures=True)
    for child in multiprocessing.active_children():
        child.terminate()
