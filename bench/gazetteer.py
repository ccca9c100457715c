"""World gazetteer timings: building the index once, opening it, and lookups.

    .venv/bin/python bench/gazetteer.py [--fresh]

--fresh indexes into a temporary cache folder (the first-use cost); otherwise the build
cache's index is used (built if missing). Prints the index size, the time to open it and,
over a list of names in several scripts, the median and maximum of ``find`` (exact name,
what a figure reference costs) and ``search`` (what `brief places` does). Target: a lookup
≤ 50 ms.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from geodata.world import WorldGazetteer  # noqa: E402
from report import cache  # noqa: E402

NAMES = ["Nome", "Tbilisi", "Yerevan", "Baku", "Gyumri", "Djibouti", "Hargeysa", "Mogadishu", "Asmara",
         "Addis Ababa", "Ном", "ノーム", "Владивосток", "თბილისი", "San", "Santa Cruz", "Springfield",
         "Saint-Denis", "Córdoba", "Paris", "London", "Alexandria", "Victoria", "Tokyo", "München"]


def _times(fn, names, repeat=3):
    out = []
    for name in names:
        for _ in range(repeat):
            t = time.perf_counter()
            fn(name)
            out.append((time.perf_counter() - t) * 1000)
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--fresh", action="store_true", help="index into a temporary cache (first-use cost)")
    args = ap.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="gazetteer-bench-")) if args.fresh else cache.root()
    t = time.perf_counter()
    world = WorldGazetteer(folder)
    first = time.perf_counter() - t
    print(f"index: {world.path} ({world.path.stat().st_size / 1e6:.1f} MB, {world.size:,} places, "
          f"{world.data_version})")
    print(f"open{' (with indexing)' if args.fresh else ''}: {first * 1000:.1f} ms")
    t = time.perf_counter()
    WorldGazetteer(folder).close()
    print(f"open again: {(time.perf_counter() - t) * 1000:.1f} ms")
    worst = 0.0
    for label, fn in (("find (exact name)", world.find),
                      ("search (brief places)", world.search),
                      ("search --country US", lambda n: world.search(n, "US")),
                      ("search --near 41.7,44.8", lambda n: world.search(n, near=(41.7, 44.8)))):
        ms = _times(fn, NAMES)
        worst = max(worst, max(ms))
        print(f"{label:26} median {statistics.median(ms):6.2f} ms   max {max(ms):6.2f} ms   ({len(ms)} lookups)")
    print(f"target: a lookup <= 50 ms: {'PASS' if worst <= 50 else 'FAIL'} (slowest {worst:.1f} ms)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
