"""Wall time of `brief build` on the sample brief, whole process, median of N runs.

    .venv/bin/python bench/build_time.py [--runs 7] [--variant screen]

Prints one line per run and the median; timing lives here, not in the tests.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--variant", default="all")
    ap.add_argument("--brief", default=str(ROOT / "briefs" / "japan-russia-2018"))
    args = ap.parse_args()
    brief = Path(args.brief).resolve()
    times = []
    with tempfile.TemporaryDirectory() as out:
        for i in range(args.runs):
            t0 = time.perf_counter()
            subprocess.run([str(Path(sys.executable).parent / "brief"), "build", str(brief), "--out", out,
                            "--variant", args.variant, "-q"], check=True, capture_output=True)
            times.append(time.perf_counter() - t0)
            print(f"run {i + 1}: {times[-1]:.3f} s")
    print(f"brief build {brief.name} --variant {args.variant}: median {statistics.median(times):.3f} s "
          f"(min {min(times):.3f}, max {max(times):.3f}, {args.runs} runs)")


if __name__ == "__main__":
    main()
