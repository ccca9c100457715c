"""Worker processes that never outlive the build.

The build forks workers to render figures (``report/figures.py``) and to finish editions
(``report/pipeline.py``), both through :func:`run`. However the build ends, its workers end
with it:

- Ctrl-C: the terminal sends SIGINT to the whole process group; a worker ignores it, and the
  parent, on the KeyboardInterrupt, kills its workers (SIGKILL) and waits for them before the
  exception goes on, so the CLI reports it once, with no traceback from any worker.
- SIGTERM to the parent: the CLI turns it into ``errors.Terminated``, handled the same way. A
  worker that gets SIGTERM itself dies at once (the default action: no handler to unwind into
  a job's ``except``, which would leave the worker waiting for the next job).
- the parent killed (``kill -9``, out of memory): on Linux the kernel kills every worker with
  it (``prctl(PR_SET_PDEATHSIG, SIGKILL)``); a worker whose parent died before it set that up
  (its parent is no longer the one that forked it) ends at once.

The parent holds SIGINT and SIGTERM while it forks, so that a worker starts with them held
until it has set all this up: no window in which a worker would take Ctrl-C for its own.
A killed worker leaves no half-written file behind that anyone would read: figure renders go
to temporary files that the parent (or the next render of that figure) removes.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import ctypes
import multiprocessing
import os
import signal
import sys
from typing import Callable, Sequence

from .errors import BriefError

STOPPING = {signal.SIGINT, signal.SIGTERM}
PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def run(fn: Callable, jobs: Sequence, processes: int, order: Sequence[int] | None = None) -> list:
    """``[fn(job) for job in jobs]`` on ``processes`` forked workers, handed out in ``order``
    (default: as given). On any exception the workers are killed and reaped before it goes on."""
    order = range(len(jobs)) if order is None else order
    pool = cf.ProcessPoolExecutor(max_workers=processes, mp_context=multiprocessing.get_context("fork"),
                                  initializer=_init, initargs=(os.getpid(),))
    try:
        with held():  # the first submit forks every worker
            futures = {i: pool.submit(fn, jobs[i]) for i in order}
        results = [futures[i].result() for i in range(len(jobs))]
    except cf.process.BrokenProcessPool:
        with held():
            _stop(pool)
        raise BriefError("a worker process of the build was killed (out of memory, or by a signal "
                         "sent to it); nothing was written") from None
    except BaseException:
        with held():  # a second Ctrl-C waits until every worker is gone
            _stop(pool)
        raise
    pool.shutdown()
    return results


@contextlib.contextmanager
def held():
    """SIGINT and SIGTERM held (blocked) in this thread; one that arrives meanwhile is
    delivered on leaving."""
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, STOPPING)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def _stop(pool: cf.ProcessPoolExecutor) -> None:
    """Kill every worker, wait until they are gone, then let the pool's own thread finish."""
    children = multiprocessing.active_children()  # the pool's workers: the build runs one pool at a time
    for child in children:
        child.kill()
    for child in children:
        child.join()
    pool.shutdown(wait=True, cancel_futures=True)


def _init(parent: int) -> None:
    """A worker's initializer; it runs with SIGINT and SIGTERM held (see :func:`run`)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # not the parent's handler: a SIGTERM ends a worker
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:  # the parent died before the line above: nobody is left to kill us
        os._exit(1)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, STOPPING)
