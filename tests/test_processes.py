"""No process outlives a build: a build interrupted (Ctrl-C, SIGTERM) or killed (SIGKILL) while
its workers render figures or finish editions leaves no process behind, holds no pipe of its
caller open (``brief build | tee log`` ends), and leaves the previous edition as it was.

Moments are events, never seconds: the build has forked its workers (its child processes
appear in /proc), a worker is mid-render (a render's temporary file is in the cache), the
editions are being finished (the layout line is out and the edition workers exist). The build
runs in a session of its own; what is left of it is every living process of that session."""

from __future__ import annotations

import os
import queue
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from conftest import ROOT, SAMPLE

SLUG = SAMPLE.name
SAFETY = 180  # seconds: only so that a hang fails instead of blocking the suite
PROGRESS = re.compile(r"^\s*\d+\.\d\d s ")


def _stat(pid: int | str) -> list[str] | None:
    """state, ppid, pgrp, session, … of a process; None once it is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return text[text.rindex(")") + 2:].split()


def _living(pred) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            fields = _stat(entry)
            if fields and fields[0] not in "ZX" and pred(fields):
                found.append(int(entry))
    return found


def children(pid: int) -> list[int]:
    return _living(lambda f: int(f[1]) == pid)


def session(sid: int) -> list[int]:
    """The living processes of a session (the build's, started with start_new_session)."""
    return _living(lambda f: int(f[3]) == sid)


def wait_for(what: str, condition) -> None:
    deadline = time.monotonic() + SAFETY
    while not condition():
        assert time.monotonic() < deadline, f"never happened: {what}"
        time.sleep(0.005)


class Build:
    """``brief build`` in a session of its own, its stderr read line by line as it comes."""

    def __init__(self, src: Path, out: Path, cache: Path, *options: str):
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "report.cli", "build", str(src), "--out", str(out), *options], cwd=ROOT,
            env={**os.environ, "BRIEF_CACHE": str(cache)}, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            start_new_session=True,
            # as from a terminal (a background job of a script starts with SIGINT ignored)
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
        self.lines: list[str] = []
        self.eof: queue.Queue = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.proc.stderr:  # ends when every holder of the pipe, workers too, is gone
            self.lines.append(line.rstrip("\n"))
        self.eof.put(True)

    def said(self, words: str) -> bool:
        return any(words in line for line in self.lines)

    def end(self) -> tuple[int, list[str]]:
        """(exit status, lines other than progress) once every holder of its stderr is gone."""
        try:
            self.eof.get(timeout=SAFETY)
        except queue.Empty:
            raise AssertionError(f"the build's stderr is still open: {session(self.proc.pid)} hold it") from None
        code = self.proc.wait(timeout=SAFETY)
        return code, [ln for ln in self.lines if not PROGRESS.match(ln)]

    def resume(self) -> None:
        """SIGCONT to its process group, if anything of it is left."""
        try:
            os.killpg(self.proc.pid, signal.SIGCONT)
        except ProcessLookupError:
            pass

    def kill_leftovers(self) -> None:
        for pid in session(self.proc.pid):
            os.kill(pid, signal.SIGKILL)


def files_of(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def scraps(cache: Path) -> list[Path]:
    """Temporary files of renders in the figure cache (locks are kept on purpose)."""
    figures = cache / "figures"
    return sorted(p for p in figures.glob(".*") if p.suffix != ".lock") if figures.is_dir() else []


@pytest.fixture(scope="module")
def setup(tmp_path_factory) -> dict[str, Path]:
    """The previous edition (the sample, built whole) and a changed copy of the sample whose
    build is interrupted; the warm cache of the first build serves the finishing moment."""
    root = tmp_path_factory.mktemp("procs")
    dist, warm = root / "dist", root / "warm"
    done = subprocess.run([sys.executable, "-m", "report.cli", "build", str(SAMPLE), "--out", str(dist), "-q"],
                          cwd=ROOT, env={**os.environ, "BRIEF_CACHE": str(warm)}, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    src = root / "src" / SLUG
    shutil.copytree(SAMPLE, src)
    brief = src / "brief.md"
    text = brief.read_text(encoding="utf-8")
    brief.write_text(text.replace("upper hand", "upper hand (draft)", 1), encoding="utf-8")
    return {"dist": dist, "warm": warm, "src": src}


def _forked(build: Build, cache: Path) -> None:
    wait_for("the figure workers are forked", lambda: len(children(build.proc.pid)) >= 2)


def _rendering(build: Build, cache: Path) -> None:
    """Until the build is frozen (SIGSTOP to its process group) with a render's temporary file
    in the cache: the signal then reaches it while a worker is mid-render, whatever the speed."""
    while True:
        wait_for("a worker is mid-render", lambda: scraps(cache))
        os.killpg(build.proc.pid, signal.SIGSTOP)
        wait_for("the build is stopped", lambda: all((_stat(p) or "T")[0] == "T" for p in session(build.proc.pid)))
        if scraps(cache):
            return
        build.resume()


def _finishing(build: Build, cache: Path) -> None:
    wait_for("the layout is done", lambda: build.said("layout ("))
    wait_for("the edition workers are forked", lambda: len(children(build.proc.pid)) >= 2)


MOMENTS = {"forked": (_forked, "cold"), "rendering": (_rendering, "cold"), "finishing": (_finishing, "warm")}
EXPECTED = {signal.SIGINT: (130, ["interrupted: nothing was written"]),
            signal.SIGTERM: (143, ["terminated: nothing was written"]),
            signal.SIGKILL: (-9, [])}


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM, signal.SIGKILL], ids=lambda s: s.name)
@pytest.mark.parametrize("moment", list(MOMENTS))
def test_an_interrupted_build_leaves_no_process_and_the_previous_edition(moment, sig, setup, tmp_path):
    out = tmp_path / "dist"
    shutil.copytree(setup["dist"], out)
    before = files_of(out / SLUG)
    wait, cache_state = MOMENTS[moment]
    cache = tmp_path / "cache"
    if cache_state == "warm":
        shutil.copytree(setup["warm"], cache)
    build = Build(setup["src"], out, cache)
    try:
        wait(build, cache)
        assert build.proc.poll() is None and not build.said("output:"), build.lines
        os.kill(build.proc.pid, sig)
        build.resume()  # after the moment "rendering", which freezes it
        code, lines = build.end()
        assert (code, lines) == EXPECTED[sig], build.lines
        wait_for("every process of the build is gone", lambda: not session(build.proc.pid))
    finally:
        build.kill_leftovers()
    assert files_of(out / SLUG) == before
    assert sorted(p.name for p in out.iterdir()) == [f".{SLUG}.lock", SLUG]  # nothing staged
    if sig != signal.SIGKILL:  # the parent removed what its workers had begun
        assert scraps(cache) == []


def test_the_next_build_clears_what_killed_renders_left(setup, tmp_path):
    """A build killed mid-render leaves its renders' temporary files; the next build that
    renders those figures removes them and builds."""
    out, cache = tmp_path / "dist", tmp_path / "cache"
    build = Build(setup["src"], out, cache)
    try:
        _rendering(build, cache)
        os.kill(build.proc.pid, signal.SIGKILL)  # its workers get SIGKILL from the kernel, stopped or not
        build.resume()
        build.end()
        wait_for("every process of the build is gone", lambda: not session(build.proc.pid))
    finally:
        build.kill_leftovers()
    left = scraps(cache)
    assert left
    again = subprocess.run([sys.executable, "-m", "report.cli", "build", str(setup["src"]), "--out", str(out), "-q"],
                           cwd=ROOT, env={**os.environ, "BRIEF_CACHE": str(cache)}, capture_output=True, text=True)
    assert again.returncode == 0, again.stderr
    assert scraps(cache) == []



def test_a_worker_killed_from_outside_is_one_line_and_stops_the_build(setup, tmp_path):
    """The out-of-memory killer, or a kill aimed at one worker: the build stops its other
    workers and says what happened in one line; nothing is written."""
    out, cache = tmp_path / "dist", tmp_path / "cache"
    shutil.copytree(setup["dist"], out)
    before = files_of(out / SLUG)
    build = Build(setup["src"], out, cache)
    try:
        _rendering(build, cache)
        os.kill(children(build.proc.pid)[0], signal.SIGKILL)
        build.resume()
        code, lines = build.end()
        wait_for("every process of the build is gone", lambda: not session(build.proc.pid))
    finally:
        build.kill_leftovers()
    assert code == 1 and lines == ["error: a worker process of the build was killed (out of memory, or by a "
                                   "signal sent to it); nothing was written"], build.lines
    assert files_of(out / SLUG) == before and scraps(cache) == []

# --- waiting for the lock of another build --------------------------------------------------

HOLDER = """
import os, signal, sys
from pathlib import Path
from report.output import _locked
with _locked(Path(sys.argv[1])):  # as a build holds it while it writes the edition
    print("locked", flush=True)
    os.kill(os.getpid(), signal.SIGSTOP)
"""


def test_a_build_waiting_for_a_stopped_builds_lock_says_so_and_goes_on_once_it_ends(brief_copy, tmp_path):
    out = tmp_path / "dist"
    out.mkdir()
    lock = out / f".{brief_copy.name}.lock"
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(lock)], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    build = None
    try:
        assert holder.stdout.readline() == "locked\n"
        _, status = os.waitpid(holder.pid, os.WUNTRACED)  # returns once it is stopped
        assert os.WIFSTOPPED(status)
        build = Build(brief_copy, out, tmp_path / "cache", "--variant", "screen", "-q")
        wait_for("the build says it waits", lambda: build.lines)
        assert build.lines == [f"waiting: {lock} is held by process {holder.pid}, which is stopped (Ctrl-Z or "
                               f"SIGSTOP): this build goes on once that process is continued "
                               f"(kill -CONT {holder.pid}) or ends"]
        assert build.proc.poll() is None and sorted(p.name for p in out.iterdir()) == [lock.name]
    finally:
        os.kill(holder.pid, signal.SIGCONT)  # it lets go of the lock and ends
        holder.wait(timeout=SAFETY)
        if build is not None:
            code, lines = build.end()
            build.kill_leftovers()
    assert code == 0 and len(lines) == 1, lines  # said once
    assert (out / brief_copy.name / f"{brief_copy.name}-screen.pdf").is_file()
