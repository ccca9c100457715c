"""How build time grows with length: ours against Typst and WeasyPrint on the same text.

    .venv/bin/python bench/scaling.py [--factors 1 4 16 64] [--runs 3] [--skip-others]

For each factor N the sample's body is repeated N times (front matter and figures as they
are: every figure is used N times). Cases, whole processes, medians over --runs (one run
for cold builds):

  cold-all      brief build --variant all on an empty figure cache
  warm-screen   brief build --variant screen, figures cached, one paragraph edited per run
  warm-all      brief build --variant all, same
  typst         the same text as a Typst file (typst-py), figures as SVG
  weasyprint    the same text as HTML + CSS (WeasyPrint), figures as SVG
  watch         (1x only) `brief build --watch --variant screen`: seconds from saving
                brief.md to the new screen PDF written, in the warm watching process

Printed: seconds, seconds per page, peak RSS, and the ratios the [speed-2] targets name. A second
table sets beside each factor's layout cost (the layout stage alone, in one process with figures
cached: CPU seconds, the least of --runs, per page) the justification of the screen edition it
made, read from the PDF by bench/justification.py: p95 and worst line (inter-word space ÷ the
face's space), loose (> 1.5) and very loose (> 2.0) lines, spread, hyphenated lines, ladders.
Results go to bench/results/scaling-<date>-<host>-<factors>.json and .md. Typst and WeasyPrint come
from bench/.venv-others (see bench/compare.py); without it their rows say n/a.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("compare", ROOT / "bench" / "compare.py")
compare = importlib.util.module_from_spec(_spec)
sys.modules["compare"] = compare  # its dataclasses look their module up
_spec.loader.exec_module(compare)

SAMPLE, BRIEF_BIN, MB = compare.SAMPLE, compare.BRIEF_BIN, 1e6
_jspec = importlib.util.spec_from_file_location("justification", ROOT / "bench" / "justification.py")
justification = importlib.util.module_from_spec(_jspec)
_jspec.loader.exec_module(justification)
JUST_KEYS = ("p95_line_ratio", "max_line_ratio", "loose_pct", "very_loose_pct", "sd_line_ratio", "hyphen_pct",
             "ladders")


def scaled_brief(work: Path, n: int) -> Path:
    """The sample with its body (before the sources) repeated n times."""
    dst = work / f"x{n}" / SAMPLE.name
    shutil.copytree(SAMPLE, dst)
    text = (SAMPLE / "brief.md").read_text(encoding="utf-8")
    _, front, body = text.split("+++", 2)
    m = re.search(r"\n## Sources", body)
    main, tail = (body[:m.start()], body[m.start():]) if m else (body, "")
    (dst / "brief.md").write_text("+++" + front + "+++" + main * n + tail, encoding="utf-8")
    return dst


def pages(pdf: Path) -> int:
    import pikepdf

    with pikepdf.open(pdf) as p:
        return len(p.pages)


def timed(cmd, env=None, cwd=None):
    sample, out, err = compare.run_child([str(c) for c in cmd], env=env, cwd=cwd)
    if sample.rc != 0:
        raise RuntimeError(f"{' '.join(map(str, cmd[:3]))}: exit {sample.rc}: {compare.last_line(err)}")
    return sample


def ours(brief: Path, work: Path, runs: int) -> dict:
    env = dict(os.environ, BRIEF_CACHE=str(work / "cache"))
    out = work / "out"
    res = {}
    cold = timed([BRIEF_BIN, "build", brief, "--out", out, "--variant", "all"], env=env)
    res["cold-all"] = [cold]
    for name, variant in (("warm-screen", "screen"), ("warm-all", "all")):
        timed([BRIEF_BIN, "build", brief, "--out", out, "--variant", variant], env=env)  # warm-up
        res[name] = []
        for i in range(runs):
            compare.edit_paragraph(brief / "brief.md", i)
            res[name].append(timed([BRIEF_BIN, "build", brief, "--out", out, "--variant", variant], env=env))
    res["_pages"] = pages(out / brief.name / f"{brief.name}-screen.pdf")
    res["_cache"] = work / "cache"
    res["_screen"] = out / brief.name / f"{brief.name}-screen.pdf"
    return res


LAYOUT_CODE = """
import json, sys, time
from pathlib import Path
from report.figures import prepare
from report.layout import layout
from report.pipeline import load
brief, style = load(Path(sys.argv[1]))
figures = prepare(brief, style, progress=lambda m: None, warn=lambda m: None)
layout(brief, style, figures)  # fonts registered, dictionaries loaded
times = []
for _ in range(int(sys.argv[2])):
    t = time.process_time()
    laid = layout(brief, style, figures)
    times.append(time.process_time() - t)
print(json.dumps({"cpu_s": min(times), "pages": laid.pages}))
"""


def layout_cost(brief: Path, cache: Path, runs: int) -> dict:
    """The layout stage alone (figures cached): the least CPU time of ``runs`` and the pages."""
    env = dict(os.environ, BRIEF_CACHE=str(cache))
    proc = subprocess.run([str(compare.PROJECT_PY), "-c", LAYOUT_CODE, str(brief), str(max(runs, 3))],
                          env=env, cwd=ROOT, capture_output=True, text=True, check=True)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def others(brief: Path, cache: Path, work: Path, runs: int, py: Path) -> dict:
    src = work / "others"
    subprocess.run([str(compare.PROJECT_PY), str(ROOT / "bench" / "compare.py"), "--export", str(brief),
                    str(cache), str(src)], check=True, capture_output=True)
    fonts = json.loads((src / "fonts.json").read_text())
    jobs = {"typst": (src / "brief.typ", f"import typst; typst.compile('brief.typ', output='typst.pdf', "
                                         f"font_paths={fonts!r})"),
            "weasyprint": (src / "brief.html", "import weasyprint; "
                                               "weasyprint.HTML('brief.html').write_pdf('weasyprint.pdf')")}
    res = {}
    for name, (source, code) in jobs.items():
        timed([py, "-c", code], cwd=src)  # warm-up
        res[name] = []
        for i in range(runs):
            compare.edit_paragraph(source, i)
            res[name].append(timed([py, "-c", code], cwd=src))
        res[f"_{name}_pages"] = pages(src / f"{name}.pdf")
    return res


def watch_latency(brief: Path, work: Path, edits: int = 5) -> list[float]:
    """Seconds from saving brief.md to the screen PDF written, in a running watch process."""
    env = dict(os.environ, BRIEF_CACHE=str(work / "cache"))
    out = work / "out-watch"
    pdf = out / brief.name / f"{brief.name}-screen.pdf"
    proc = subprocess.Popen([str(BRIEF_BIN), "build", str(brief), "--out", str(out), "--variant", "screen",
                             "--watch"], env=env, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
    lat = []
    try:
        _wait_for(proc, "watching for changes")
        for i in range(edits):
            before = pdf.stat().st_mtime_ns
            time.sleep(0.3)
            t0 = time.perf_counter()
            compare.edit_paragraph(brief / "brief.md", i)
            while pdf.stat().st_mtime_ns == before:
                if time.perf_counter() - t0 > 60:
                    raise RuntimeError("the watch did not rebuild within 60 s")
                time.sleep(0.002)
            lat.append(time.perf_counter() - t0)
            _wait_for(proc, "watching for changes")
    finally:
        proc.terminate()
        proc.wait(10)
    return lat


def _wait_for(proc, text: str) -> None:
    for line in proc.stderr:
        if text in line:
            return
    raise RuntimeError(f"the watch ended before saying '{text}'")


def med(samples) -> float | None:
    return statistics.median(s.wall for s in samples) if samples else None


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--factors", type=int, nargs="+", default=[1, 4, 16, 64])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--skip-others", action="store_true")
    args = ap.parse_args()
    py, why = (None, "skipped") if args.skip_others else compare.side_venv()
    started = dt.datetime.now().astimezone()
    load_before = os.getloadavg()
    rows, record, just_rows = [], [], []
    work_root = Path(tempfile.mkdtemp(prefix="brief-scaling-"))
    try:
        for n in args.factors:
            work = work_root / f"f{n}"
            brief = scaled_brief(work, n)
            print(f"{n}x: ours", flush=True)
            r = ours(brief, work, args.runs)
            if py is not None:
                print(f"{n}x: typst, weasyprint", flush=True)
                try:
                    r.update(others(brief, r["_cache"], work, args.runs, py))
                except (RuntimeError, subprocess.CalledProcessError) as exc:
                    print(f"  others n/a: {exc}", flush=True)
            if n == 1:
                print("1x: watch latency", flush=True)
                r["watch"] = [compare.Sample(x, 0, 0) for x in watch_latency(brief, work)]
            typst = med(r.get("typst", []))
            for case in ("cold-all", "warm-screen", "warm-all", "typst", "weasyprint", "watch"):
                samples = r.get(case)
                if not samples:
                    continue
                secs = med(samples)
                pg = r.get(f"_{case}_pages", r["_pages"])
                rss = max(s.rss_kib for s in samples) * 1024 / MB if samples[0].rss_kib else None
                ratio = secs / typst if typst else None
                rows.append([f"{n}x", case, f"{pg}", f"{secs:.3f}", f"{secs / pg:.4f}",
                             "" if rss is None else f"{rss:.0f}", "" if ratio is None else f"{ratio:.2f}"])
                record.append({"factor": n, "case": case, "pages": pg, "median_s": secs, "per_page_s": secs / pg,
                               "peak_rss_mb": rss, "vs_typst": ratio, "runs": [s.wall for s in samples]})
            lay = layout_cost(brief, r["_cache"], args.runs)
            j = justification.measure(r["_screen"]) or {}
            just_rows.append([f"{n}x", str(lay["pages"]), f"{lay['cpu_s']:.3f}", f"{1000 * lay['cpu_s'] / lay['pages']:.1f}",
                              *(str(j.get(k, "")) for k in JUST_KEYS)])
            record.append({"factor": n, "case": "layout", "pages": lay["pages"], "cpu_s": lay["cpu_s"],
                           "per_page_s": lay["cpu_s"] / lay["pages"], "justification": j})
            ws, wa = med(r["warm-screen"]), med(r["warm-all"])
            print(f"  {n}x warm-all / warm-screen = {wa / ws:.2f}", flush=True)
    finally:
        shutil.rmtree(work_root, ignore_errors=True)
    header = ["factor", "case", "pages", "seconds", "s/page", "peak RSS MB", "x Typst"]
    just_header = ["factor", "pages", "layout CPU s", "ms/page", "p95 line", "worst line", "loose %",
                   "very loose %", "spread", "hyphenated %", "ladders"]
    print()
    print(compare.table(header, rows))
    print()
    print(compare.table(just_header, just_rows))
    info = compare.machine()
    info["loadavg_before"] = [round(x, 2) for x in load_before]
    info["loadavg_after"] = [round(x, 2) for x in os.getloadavg()]
    print(f"load {info['loadavg_before'][0]} -> {info['loadavg_after'][0]} on {info['cores']} cores")
    compare.RESULTS.mkdir(parents=True, exist_ok=True)
    stem = compare.RESULTS / f"scaling-{started:%Y-%m-%d}-{info['host']}-{'-'.join(f'{n}x' for n in args.factors)}"
    stem.with_suffix(".json").write_text(json.dumps({"date": started.isoformat(timespec="seconds"),
                                                     "runs": args.runs, "machine": info, "rows": record,
                                                     "others": why or "ok"}, indent=2) + "\n")
    stem.with_suffix(".md").write_text(
        f"# Scaling {started:%Y-%m-%d %H:%M} (host {info['host']}, commit {info['commit']})\n\n"
        f"`python bench/scaling.py --factors {' '.join(map(str, args.factors))} --runs {args.runs}`; "
        f"medians of whole-process wall time; load average {info['loadavg_before'][0]} before, "
        f"{info['loadavg_after'][0]} after, {info['cores']} cores.\n\n"
        + compare.table(header, rows, markdown=True) + "\n\n"
        "Layout stage alone (least CPU time of the runs) and the screen edition's justification "
        "(bench/justification.py):\n\n" + compare.table(just_header, just_rows, markdown=True) + "\n")
    print(f"results: {stem.with_suffix('.md').relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
