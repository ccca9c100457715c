"""Cold render time of each figure of a brief, each in a fresh process with an empty cache.

    .venv/bin/python bench/figures.py [--brief briefs/japan-russia-2018] [--runs 3]

A cold figure pays for importing geopandas/matplotlib/pyproj, reading the geodata and
drawing. In a build, figures render in worker processes forked from the build (so the
project is already imported) and each worker imports the GIS libraries once for all the
figures it draws; the target (each map ≤ 1.5 s) is judged on the render itself. The
whole-process time of a lone figure is shown too.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

PROBE = """
import json, sys, time
from pathlib import Path
t0 = time.perf_counter()
from report.figures import look_from, widths
from report.figspec import with_width
from report.pipeline import load
brief, style = load(Path(sys.argv[1]))
fig = brief.figures[sys.argv[2]]
column, full, _ = widths(style)
fig = with_width(fig, column if fig.size == "column" else full)
look = look_from(style)
t1 = time.perf_counter()
if fig.kind == "map":
    from geodata.maps import render_map as render
else:
    from report.charts import render_chart as render
t2 = time.perf_counter()
render(fig.spec, look, Path(sys.argv[3]))
t3 = time.perf_counter()
print(json.dumps({"imports": t2 - t1, "render": t3 - t2}))
"""


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--brief", default=str(ROOT / "briefs" / "japan-russia-2018"))
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    sys.path.insert(0, str(ROOT))
    from report.source import load_brief

    brief = load_brief(Path(args.brief))
    print(f"{'figure':12} {'kind':6} {'process s':>10} {'GIS imports s':>14} {'render s':>9}  target")
    for fid, fig in brief.figures.items():
        walls, imports, renders = [], [], []
        for _ in range(args.runs):
            with tempfile.TemporaryDirectory() as tmp:
                t = time.perf_counter()
                out = subprocess.run([sys.executable, "-c", PROBE, args.brief, fid, str(Path(tmp) / "f.pdf")],
                                     cwd=ROOT, capture_output=True, text=True, check=True)
                walls.append(time.perf_counter() - t)
                data = json.loads(out.stdout.strip().splitlines()[-1])
                imports.append(data["imports"])
                renders.append(data["render"])
        target = "≤ 1.5 s " + ("PASS" if statistics.median(renders) <= 1.5 else "FAIL") if fig.kind == "map" else ""
        print(f"{fid:12} {fig.kind:6} {statistics.median(walls):10.2f} {statistics.median(imports):14.2f} "
              f"{statistics.median(renders):9.2f}  {target}")


if __name__ == "__main__":
    main()
