"""[speed]: watch mode rebuilds on every save, shows errors and keeps watching."""

from __future__ import annotations

import queue
import subprocess
import sys
import threading
import time

from conftest import ROOT


def _lines(proc, q):
    for line in proc.stderr:
        q.put(line.rstrip("\n"))


def _wait_for(q, needle, seconds=60):
    deadline = time.monotonic() + seconds
    seen = []
    while time.monotonic() < deadline:
        try:
            line = q.get(timeout=0.5)
        except queue.Empty:
            continue
        seen.append(line)
        if needle in line:
            return seen
    raise AssertionError(f"no line with {needle!r} within {seconds} s; saw {seen[-10:]}")


def test_watch_rebuilds_on_save_reports_errors_and_recovers(brief_copy, tmp_path):
    proc = subprocess.Popen([sys.executable, "-m", "report.cli", "build", str(brief_copy), "--out",
                             str(tmp_path / "out"), "--variant", "screen", "--watch"],
                            cwd=ROOT, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
    q: queue.Queue = queue.Queue()
    threading.Thread(target=_lines, args=(proc, q), daemon=True).start()
    try:
        first = _wait_for(q, "built in")
        assert any("layout" in l for l in first) and any("preflight screen" in l for l in first)
        pdf = tmp_path / "out" / "arctic-notes" / "arctic-notes-screen.pdf"
        before = pdf.read_bytes()

        src = brief_copy / "brief.md"
        text = src.read_text(encoding="utf-8")
        time.sleep(0.05)
        src.write_text(text.replace("A closing", "A final") if "A closing" in text
                       else text.replace("This opening paragraph", "This first paragraph"), encoding="utf-8")
        seen = _wait_for(q, "built in")
        assert any("changed: brief.md" in l for l in seen)
        assert pdf.read_bytes() != before

        src.write_text(text.replace('series = "Test Series"', 'series = "Test Series'), encoding="utf-8")
        seen = _wait_for(q, "watching for changes")
        assert any(l.startswith("error: ") and "brief.md:2:" in l for l in seen)
        assert proc.poll() is None  # still watching

        src.write_text(text, encoding="utf-8")
        _wait_for(q, "built in")
        assert proc.poll() is None
    finally:
        proc.terminate()
        proc.wait(timeout=10)
