"""Median warm timings of geodata.base.load for a few regional extents.

    .venv/bin/python bench/geodata_load.py [--repeat N]

Budget: a regional extent of `land` (Kuril Islands) in <= 100 ms warm.
"""

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from geodata import base  # noqa: E402

EXTENTS = {
    "kurils": (140, 40, 150, 48),
    "russian-far-east": (130, 42, 180, 72),
    "yamal": (65, 66, 75, 74),
    "bering-across-180": (165, 60, -165, 70),
}
CASES = [  # (layer, crs, simplify_mm, scale)
    ("land", None, None, None),
    ("countries", None, None, None),
    ("admin1", None, None, None),
    ("military_districts", None, None, None),
    ("land", "EPSG:3571", 0.2, 10_000_000),
]


def median_ms(fn, repeat):
    fn()  # warm: decompresses the layer once per process, loads the GDAL driver
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times) * 1000


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeat", type=int, default=11)
    args = ap.parse_args()
    for layer in base.LAYERS:
        t = time.perf_counter()
        base._fgb(layer)
        print(f"cold: decompress {layer:<18} {(time.perf_counter() - t) * 1000:7.1f} ms")
    print(f"{'extent':<18} {'layer':<18} {'crs':<10} {'simplify':<9} {'rows':>5} {'median ms':>10}")
    worst = 0.0
    for name, extent in EXTENTS.items():
        for layer, crs, mm, scale in CASES:
            rows = len(base.load(layer, extent, crs=crs, simplify_mm=mm, scale=scale))
            ms = median_ms(lambda: base.load(layer, extent, crs=crs, simplify_mm=mm, scale=scale), args.repeat)
            simplify = f"{mm}mm" if mm else "-"
            print(f"{name:<18} {layer:<18} {crs or '4326':<10} {simplify:<9} {rows:>5} {ms:>10.1f}")
            if layer == "land" and crs is None:
                worst = max(worst, ms)
    print(f"worst regional land read: {worst:.1f} ms (budget 100 ms): {'OK' if worst <= 100 else 'OVER BUDGET'}")
    return 0 if worst <= 100 else 1


if __name__ == "__main__":
    sys.exit(main())
