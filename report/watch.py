"""Watch mode: rebuild a brief whenever one of its inputs is saved.

Inputs are the brief's own files (brief.md, figures/*.toml, places.toml, layers/*) and its
house style. Changes are found by polling modification times and sizes (no extra
dependency, works on every file system); a rebuild runs in this process, so imports and
parsed fonts are reused and a warm rebuild costs only the stages that run. A build error
is printed and the watch goes on; Ctrl-C or SIGTERM ends it.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Callable

from .errors import BriefError, Terminated

POLL_SECONDS = 0.05  # stat() of a dozen files: negligible, and the latency a save waits for


def watched_files(brief_dir: Path, styles_dir: Path) -> list[Path]:
    files = [brief_dir / "brief.md", brief_dir / "places.toml"]
    for pattern in ("figures/*.toml", "layers/*"):
        files.extend(sorted(brief_dir.glob(pattern)))
    files.extend(sorted(styles_dir.glob("*.toml")))
    return files


def snapshot(files: list[Path]) -> dict[Path, tuple[int, int] | None]:
    out = {}
    for f in files:
        try:
            st = f.stat()
            out[f] = (st.st_mtime_ns, st.st_size)
        except OSError:
            out[f] = None
    return out


def watch(rebuild: Callable[[], list], brief_dir: Path, styles_dir: Path,
          say: Callable[[str], None] = lambda m: print(m, file=sys.stderr, flush=True),
          max_builds: int | None = None) -> int:
    """Build once, then again after every change. ``max_builds`` bounds it (for tests)."""
    builds = 0
    state: dict = {}
    try:
        while max_builds is None or builds < max_builds:
            files = watched_files(brief_dir, styles_dir)
            now = snapshot(files)
            if now != state:
                if state:
                    changed = [f.name for f in files if now.get(f) != state.get(f)]
                    say(f"changed: {', '.join(changed)}")
                state = now
                started = time.perf_counter()
                try:
                    for item in rebuild():
                        say(f"wrote {item.path} ({item.pages} pages, {item.size:,} bytes)")
                    say(f"built in {time.perf_counter() - started:.2f} s; watching for changes")
                except BriefError as exc:
                    say(f"error: {exc}")
                    say("watching for changes")
                builds += 1  # ``state`` is from before the build: a save during it builds again
            time.sleep(POLL_SECONDS)
    except (KeyboardInterrupt, Terminated):  # Ctrl-C or SIGTERM: a build under way stops its workers
        say("stopped")
    return 0
