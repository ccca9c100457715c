"""The [speed] benchmark: `brief` against WeasyPrint and Typst on the sample brief.

    .venv/bin/python bench/compare.py [--runs 5] [--skip-others] [--keep]
    .venv/bin/python bench/compare.py --against-typst [--runs 11]

Every number is a whole process: wall time (time.perf_counter around the child) and the
peak resident set of the child (os.wait4's ru_maxrss, which on Linux is the largest single
process among the child and the descendants it reaped, e.g. figure workers). Medians over
--runs runs. Cases:

  cold-all      brief build --variant all, figure cache empty (a fresh BRIEF_CACHE per run)
  warm-screen   brief build --variant screen, figures cached, one paragraph edited per run
  warm-all      brief build --variant all, same
  check-*       brief check on each edition the warm build wrote
  weasyprint    the same brief as HTML + CSS (figures as SVG), whole `python -c` process
  typst         the same brief as a Typst file (figures as SVG), via typst-py, same

WeasyPrint and Typst are installed into their own venv, bench/.venv-others/ (never project
dependencies), pinned by bench/compare/requirements-others.txt. If that venv cannot be
made or a tool fails, the reason is printed and its rows say n/a; the script still exits 0.
The brief is copied into a temporary folder (so the edits never touch briefs/); the HTML,
CSS and Typst sources are generated there and a copy is left in bench/compare/generated/
for inspection. Results: a table on stdout and bench/results/<date>-<host-hash>.json + .md.

--against-typst runs only warm-all and typst, one after the other in each round (an untimed
warm-up each first), so that on a shared machine both meet the same load, and prints the
ratio of their medians (target ≤ 8); results in bench/results/<date>-<host-hash>-typst.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import html
import json
import os
import platform
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
HELPERS = BENCH / "compare"
RESULTS = BENCH / "results"
SIDE_VENV = BENCH / ".venv-others"
REQUIREMENTS = HELPERS / "requirements-others.txt"
PROJECT_PY = ROOT / ".venv" / "bin" / "python"
BRIEF_BIN = ROOT / ".venv" / "bin" / "brief"
SAMPLE = ROOT / "briefs" / "japan-russia-2018"
VARIANTS = ("print", "screen", "archive")

# The edit made between warm runs: one phrase of the first paragraph, a different wording
# each run, so every warm run re-typesets the text while the figures stay cached.
ANCHOR = "continued his diplomatic"
WORDINGS = ("pursued his diplomatic", "resumed his diplomatic", "kept up his diplomatic",
            "pressed on with his diplomatic", "went on with his diplomatic", "carried on his diplomatic",
            "renewed his diplomatic", "continued his diplomatic")

MB = 1_000_000  # sizes and RSS in decimal megabytes / kilobytes
TARGETS = {
    "cold-all": 6.0,
    "warm-screen": 0.5,
    "warm-all": 1.0,
    "rss_mb": 500,
    "print_bytes": 1_500_000,
    "screen_bytes": 600_000,
    "warm-all/typst": 8.0,
}


# --------------------------------------------------------------------------- measuring

@dataclass
class Sample:
    wall: float
    rss_kib: int
    rc: int
    cpu: float = 0.0  # user + system seconds of the child and the descendants it reaped


@dataclass
class Case:
    name: str
    what: str
    samples: list[Sample] = field(default_factory=list)
    note: str = ""
    error: str = ""

    @property
    def ok(self) -> bool:
        return bool(self.samples) and not self.error

    def stat(self, fn):
        return fn([s.wall for s in self.samples]) if self.ok else None

    @property
    def median(self):
        return self.stat(statistics.median)

    @property
    def rss_mb(self):
        return max(s.rss_kib for s in self.samples) * 1024 / MB if self.ok else None

    def to_json(self) -> dict:
        return {"case": self.name, "what": self.what, "note": self.note, "error": self.error,
                "median_s": self.median, "min_s": self.stat(min), "max_s": self.stat(max),
                "peak_rss_mb": self.rss_mb,
                "runs": [{"wall_s": round(s.wall, 4), "cpu_s": round(s.cpu, 4), "maxrss_kib": s.rss_kib, "rc": s.rc}
                         for s in self.samples]}



def _runs(rs, escape, sup: str, em: str, strong: str, link) -> str:
    """Text runs of the brief model in another markup (HTML or Typst): the same wrapping
    order for both exports, only the syntax differs."""
    parts = []
    for r in rs:
        t = escape(r.text)
        if r.note is not None:
            t = sup.format(t)
        if r.em:
            t = em.format(t)
        if r.strong:
            t = strong.format(t)
        if r.href:
            t = link(r.href, t)
        parts.append(t)
    return "".join(parts)

def run_child(cmd: list[str], env: dict | None = None, cwd: Path | None = None) -> tuple[Sample, str, str]:
    """Run one child process; wall time around it and its peak RSS from os.wait4."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, env=env, cwd=cwd)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return (Sample(wall, usage.ru_maxrss, proc.returncode, usage.ru_utime + usage.ru_stime),
                out.read().decode(errors="replace"), err.read().decode(errors="replace"))


def say(msg: str) -> None:
    print(msg, flush=True)


def edit_paragraph(path: Path, i: int) -> None:
    """Reword the anchor phrase in ``path`` (brief.md, HTML or Typst): run i's wording."""
    text = path.read_text(encoding="utf-8")
    current = [w for w in (ANCHOR, *WORDINGS) if w in text]
    if not current:
        raise RuntimeError(f"the phrase to edit is not in {path}")
    new = WORDINGS[i % len(WORDINGS)]
    if new == current[0]:
        new = WORDINGS[(i + 1) % len(WORDINGS)]
    path.write_text(text.replace(current[0], new, 1), encoding="utf-8")


# --------------------------------------------------------------------------- our cases

def bench_ours(work: Path, runs: int) -> tuple[list[Case], dict, Path]:
    brief = work / SAMPLE.name
    shutil.copytree(SAMPLE, brief)
    env = dict(os.environ)
    cases: list[Case] = []

    def build(variant: str, cache: Path, out: Path) -> tuple[Sample, str, str]:
        env["BRIEF_CACHE"] = str(cache)
        return run_child([str(BRIEF_BIN), "build", str(brief), "--out", str(out), "--variant", variant], env=env)

    # cold: a fresh, empty figure cache and output folder per run
    cold = Case("cold-all", "brief build, all 3 editions, empty figure cache")
    say(f"cold-all: {runs} runs")
    warm_cache = work / "cache-warm"
    for i in range(runs):
        cache = work / f"cache-cold-{i}"
        sample, out, err = build("all", cache, work / f"out-cold-{i}")
        if sample.rc != 0:
            cold.error = f"exit {sample.rc}: {last_line(err)}"
            break
        rendered = err.count(": rendered")
        cold.samples.append(sample)
        say(f"  run {i + 1}: {sample.wall:.3f} s, {sample.rss_kib * 1024 / MB:.0f} MB, {rendered} figures rendered")
        if i == runs - 1:
            shutil.copytree(cache, warm_cache)
        shutil.rmtree(cache, ignore_errors=True)
    cases.append(cold)
    if not warm_cache.exists():  # cold failed: make the warm cache in one go for the rest
        build("all", warm_cache, work / "out-prime")

    out_warm = work / "out-warm"
    for name, variant in (("warm-screen", "screen"), ("warm-all", "all")):
        case = Case(name, f"brief build --variant {variant}, figures cached, one paragraph edited per run")
        say(f"{name}: 1 untimed warm-up + {runs} runs")
        build(variant, warm_cache, out_warm)  # warm-up: .pyc, page cache
        misses = 0
        i = 0
        while len(case.samples) < runs:
            edit_paragraph(brief / "brief.md", i)
            i += 1
            sample, out, err = build(variant, warm_cache, out_warm)
            if sample.rc != 0:
                case.error = f"exit {sample.rc}: {last_line(err)}"
                break
            if ": rendered" in err:
                # someone changed drawing code mid-run, so the cache key moved: not a warm run
                misses += 1
                say(f"  (figure cache miss, drawing code changed? run discarded)")
                if misses > 3:
                    case.error = "figure cache keeps missing"
                    break
                continue
            case.samples.append(sample)
            say(f"  run {len(case.samples)}: {sample.wall:.3f} s, {sample.rss_kib * 1024 / MB:.0f} MB")
        if misses:
            case.note = f"{misses} run(s) discarded for a figure-cache miss"
        cases.append(case)

    pdfs = {v: out_warm / brief.name / f"{brief.name}-{v}.pdf" for v in VARIANTS}
    for variant, pdf in pdfs.items():
        case = Case(f"check-{variant}", f"brief check {variant} edition --profile {variant}")
        if not pdf.is_file():
            case.error = "no edition to check (the warm build failed)"
            cases.append(case)
            continue
        say(f"check-{variant}: {runs} runs")
        for _ in range(runs):
            sample, out, err = run_child([str(BRIEF_BIN), "check", str(pdf), "--profile", variant])
            case.samples.append(sample)
            if sample.rc != 0:
                case.note = f"exit {sample.rc}: {out.count('FAIL')} rule(s) FAIL"
        cases.append(case)

    sizes = {v: p.stat().st_size for v, p in pdfs.items() if p.is_file()}
    return cases, sizes, warm_cache


def last_line(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[-1][:300] if lines else "(no output)"


# --------------------------------------------------------------------------- the others

def side_venv() -> tuple[Path | None, str]:
    """bench/.venv-others with weasyprint and typst; (python, "") or (None, why not)."""
    py = SIDE_VENV / "bin" / "python"
    probe = [str(py), "-c", "import weasyprint, typst"]
    if py.exists() and subprocess.run(probe, capture_output=True).returncode == 0:
        return py, ""
    say(f"creating {SIDE_VENV} (weasyprint, typst from {REQUIREMENTS.name})")
    base = getattr(sys, "_base_executable", None) or sys.executable
    steps = [[base, "-m", "venv", str(SIDE_VENV)],
             [str(py), "-m", "pip", "install", "--quiet", "-r", str(REQUIREMENTS)]]
    for cmd in steps:
        try:
            res = subprocess.run(cmd, capture_output=True, text=True, timeout=900)
        except (OSError, subprocess.TimeoutExpired) as exc:
            return None, f"{' '.join(cmd[:3])}: {exc}"
        if res.returncode != 0:
            return None, f"{' '.join(cmd[:4])} failed: {last_line(res.stderr or res.stdout)}"
    res = subprocess.run(probe, capture_output=True, text=True)
    if res.returncode != 0:
        return None, f"weasyprint/typst do not import: {last_line(res.stderr)}"
    return py, ""


def bench_others(work: Path, cache: Path, runs: int, skip: bool) -> tuple[list[Case], dict, dict]:
    weasy = Case("weasyprint", "WeasyPrint: same text as HTML + CSS, figures as SVG, one PDF")
    typ = Case("typst", "Typst (typst-py): same text, figures as SVG, one PDF")
    versions: dict = {}
    sizes: dict = {}
    if skip:
        weasy.error = typ.error = "skipped (--skip-others)"
        return [weasy, typ], versions, sizes
    py, why = side_venv()
    if py is None:
        say(f"others: n/a: {why}")
        weasy.error = typ.error = why
        return [weasy, typ], versions, sizes
    versions = json.loads(subprocess.run(
        [str(py), "-c", "import json, importlib.metadata as m; print(json.dumps("
         "{p: m.version(p) for p in ('weasyprint', 'typst', 'pydyf', 'tinycss2', 'pyphen')}))"],
        capture_output=True, text=True).stdout or "{}")

    src, why = export_others(work, cache)
    if src is None:
        say(f"others: n/a: {why}")
        weasy.error = typ.error = why
        return [weasy, typ], versions, sizes
    keep = HELPERS / "generated"  # the generated sources, for inspection (SVGs and PDFs stay in the temp dir)
    shutil.rmtree(keep, ignore_errors=True)
    keep.mkdir(parents=True)
    for name in ("brief.html", "brief.css", "brief.typ"):
        shutil.copy(src / name, keep / name)

    jobs = (
        (weasy, src / "brief.html", src / "weasyprint.pdf",
         "import weasyprint; weasyprint.HTML('brief.html').write_pdf('weasyprint.pdf')"),
        (typ, src / "brief.typ", src / "typst.pdf", typst_code(src)),
    )
    for case, source, pdf, code in jobs:
        say(f"{case.name}: 1 untimed warm-up + {runs} runs")
        sample, out, err = run_child([str(py), "-c", code], cwd=src)
        if sample.rc != 0:
            case.error = f"exit {sample.rc}: {last_line(err)}"
            say(f"  n/a: {case.error}")
            continue
        for i in range(runs):
            edit_paragraph(source, i)
            sample, out, err = run_child([str(py), "-c", code], cwd=src)
            if sample.rc != 0:
                case.error = f"exit {sample.rc}: {last_line(err)}"
                say(f"  n/a: {case.error}")
                break
            case.samples.append(sample)
            say(f"  run {i + 1}: {sample.wall:.3f} s, {sample.rss_kib * 1024 / MB:.0f} MB")
        if pdf.is_file():
            sizes[case.name] = pdf.stat().st_size
    return [weasy, typ], versions, sizes


def export_others(work: Path, cache: Path) -> tuple[Path | None, str]:
    """The copied brief in ``work`` as HTML + CSS and Typst with SVG figures, in ``work/others``
    (made by this script's ``--export`` in the project venv); (folder, "") or (None, why not)."""
    src = work / "others"
    res = subprocess.run([str(PROJECT_PY), str(Path(__file__).resolve()), "--export", str(work / SAMPLE.name),
                          str(cache), str(src)], capture_output=True, text=True)
    if res.returncode != 0:
        return None, f"export to HTML/Typst failed: {last_line(res.stderr)}"
    return src, ""


def typst_code(src: Path) -> str:
    fonts = json.loads((src / "fonts.json").read_text())
    return f"import typst; typst.compile('brief.typ', output='typst.pdf', font_paths={fonts!r})"


def bench_against_typst(work: Path, runs: int) -> list[Case]:
    """warm-all and typst in turn, run by run, so that both meet the same load on a shared
    machine; each of ours re-typesets an edited paragraph with the figures cached."""
    brief = work / SAMPLE.name
    shutil.copytree(SAMPLE, brief)
    env = dict(os.environ, BRIEF_CACHE=str(work / "cache"))
    build = [str(BRIEF_BIN), "build", str(brief), "--out", str(work / "out"), "--variant", "all"]
    ours = Case("warm-all", "brief build --variant all, figures cached, one paragraph edited per run")
    typ = Case("typst", "Typst (typst-py): same text, figures as SVG, one PDF")
    sample, _, err = run_child(build, env=env)  # renders the figures; also the untimed warm-up
    py, why = side_venv()
    src, why = export_others(work, work / "cache") if sample.rc == 0 and py else (None, why or last_line(err))
    if src is None:
        raise SystemExit(f"cannot compare with Typst: {why}")
    code = [str(py), "-c", typst_code(src)]
    run_child(code, cwd=src)  # warm-up
    for i in range(runs):
        for case, source, cmd, cwd, options in ((ours, brief / "brief.md", build, None, {"env": env}),
                                                 (typ, src / "brief.typ", code, src, {})):
            edit_paragraph(source, i)
            sample, _, err = run_child(cmd, cwd=cwd, **options)
            if sample.rc != 0:
                raise SystemExit(f"{case.name}: exit {sample.rc}: {last_line(err)}")
            if ": rendered" in err:
                raise SystemExit(f"{case.name}: a figure was rendered again (drawing code changed mid-run?)")
            case.samples.append(sample)
        say(f"  run {i + 1}: warm-all {ours.samples[-1].wall:.3f} s, typst {typ.samples[-1].wall:.3f} s")
    return [ours, typ]


# ---- export (runs in the project venv: reads the brief through report.source)

CSS = """\
@font-face {{ font-family: "Bench Serif"; src: url("{serif[regular]}"); font-weight: 400; font-style: normal; }}
@font-face {{ font-family: "Bench Serif"; src: url("{serif[italic]}"); font-weight: 400; font-style: italic; }}
@font-face {{ font-family: "Bench Serif"; src: url("{serif[bold]}"); font-weight: 600; font-style: normal; }}
@font-face {{ font-family: "Bench Serif"; src: url("{serif[bolditalic]}"); font-weight: 600; font-style: italic; }}
@font-face {{ font-family: "Bench Sans"; src: url("{sans[regular]}"); font-weight: 400; font-style: normal; }}
@font-face {{ font-family: "Bench Sans"; src: url("{sans[italic]}"); font-weight: 400; font-style: italic; }}
@font-face {{ font-family: "Bench Sans"; src: url("{sans[bold]}"); font-weight: 600; font-style: normal; }}
@font-face {{ font-family: "Bench Sans"; src: url("{sansbold[regular]}"); font-weight: 700; font-style: normal; }}
@page {{
  size: A4; margin: {p.margin_top}mm {p.margin_outer}mm {p.margin_bottom}mm {p.margin_inner}mm;
  @bottom-left {{ content: "{footer}"; font: 7.5pt/9pt "Bench Sans"; color: #666666; }}
  @bottom-right {{ content: counter(page); font: 7.5pt/9pt "Bench Sans"; color: #666666; }}
}}
html {{ font: 9.5pt/13pt "Bench Serif"; color: #1a1a1a; }}
body {{ margin: 0; }}
header {{ border-bottom: {p.title_rule}pt solid #1a1a1a; margin-bottom: 6mm; padding-bottom: 3mm; }}
.kicker {{ font: 700 10pt/12pt "Bench Sans"; text-transform: uppercase; color: #00467f; margin: 0 0 2pt; }}
h1 {{ font: 700 24pt/27pt "Bench Sans"; text-transform: uppercase; margin: 0 0 6pt; }}
.standfirst {{ font: italic 12.5pt/16.5pt "Bench Serif"; margin: 0 0 8pt; }}
.author {{ font: 600 9pt/11.5pt "Bench Sans"; margin: 0; }}
.role {{ font: italic 8.5pt/11pt "Bench Sans"; color: #666666; margin: 0 0 3pt; }}
main {{ column-count: {p.columns}; column-gap: {p.gutter}mm; column-fill: balance; }}
main p {{ margin: 0; text-align: justify; hyphens: auto; }}
main p + p {{ text-indent: 3.5mm; }}
h2 {{ font: 700 10.5pt/13pt "Bench Sans"; color: #00467f; margin: 9pt 0 3pt; break-after: avoid; }}
blockquote {{ font: italic 13pt/16.5pt "Bench Serif"; color: #00467f; margin: 8pt 0;
  border-top: 1.2pt solid #00467f; border-bottom: 1.2pt solid #00467f; padding: 4pt 0; }}
ul, ol {{ margin: 0; padding-left: 4mm; }}
figure {{ margin: 0 0 8pt; break-inside: avoid; }}
figure.full {{ column-span: all; }}
figure img {{ width: 100%; display: block; }}
figcaption {{ font: 8pt/10pt "Bench Sans"; margin-top: 2pt; }}
.notes {{ font: 7.5pt/9.5pt "Bench Serif"; }}
a {{ color: inherit; text-decoration: none; }}
p, h2, figcaption {{ orphans: 2; widows: 2; }}
"""


def export(brief_dir: Path, cache: Path, out: Path) -> None:
    """Write brief.html + brief.css + brief.typ + figures as SVG into ``out``."""
    sys.path.insert(0, str(ROOT))
    from report import model as m
    from report.source import load_brief
    from report.style import load_style

    brief = load_brief(brief_dir)
    style = load_style(brief.meta.style)
    out.mkdir(parents=True)
    if not shutil.which("pdftocairo"):
        raise SystemExit("pdftocairo (poppler-utils) is not installed: cannot export figures as SVG")

    figures, numbers = {}, {"map": 0, "chart": 0}
    for fid, fig in brief.figures.items():
        cached = sorted((cache / "figures").glob(f"{fid}-*.pdf"), key=lambda p: p.stat().st_mtime)
        if not cached:
            raise SystemExit(f"figure {fid} is not in the cache {cache}")
        svg = out / f"{fid}.svg"
        subprocess.run(["pdftocairo", "-svg", str(cached[-1]), str(svg)], check=True)
        numbers[fig.kind] += 1
        label = style.labels["map" if fig.kind == "map" else "figure"]
        figures[fid] = (fig, f"{label} {numbers[fig.kind]}", svg.name)

    fonts = {fam: {face: str(path) for face, path in faces.items()} for fam, faces in style.fonts.items()}
    meta = brief.meta
    footer = f"{meta.series} {meta.number or ''} · {meta.kicker}".replace('"', "'")
    css = CSS.format(serif={k: Path(v).as_uri() for k, v in fonts["serif"].items()},
                     sans={k: Path(v).as_uri() for k, v in fonts["sans"].items()},
                     sansbold={k: Path(v).as_uri() for k, v in fonts["sans-bold"].items()},
                     p=style.page, footer=footer)
    (out / "brief.css").write_text(css, encoding="utf-8")
    (out / "brief.html").write_text(_html(brief, m, figures), encoding="utf-8")
    (out / "brief.typ").write_text(_typst(brief, style, m, figures), encoding="utf-8")
    dirs = sorted({str(Path(p).parent) for faces in fonts.values() for p in faces.values()})
    (out / "fonts.json").write_text(json.dumps(dirs), encoding="utf-8")


def _html(brief, m, figures) -> str:
    def runs(rs) -> str:
        return _runs(rs, html.escape, sup="<sup>{}</sup>", em="<em>{}</em>", strong="<strong>{}</strong>",
                     link=lambda href, t: f'<a href="{html.escape(href)}">{t}</a>')

    meta = brief.meta
    e = html.escape
    body = []
    for b in brief.blocks:
        if isinstance(b, m.Heading):
            body.append(f"<h2>{runs(b.runs)}</h2>")
        elif isinstance(b, m.PullQuote):
            body.append(f"<blockquote>{runs(b.runs)}</blockquote>")
        elif isinstance(b, m.BulletList):
            tag = "ol" if b.ordered else "ul"
            body.append(f"<{tag}>" + "".join(f"<li>{runs(i)}</li>" for i in b.items) + f"</{tag}>")
        elif isinstance(b, m.FigureRef):
            fig, label, svg = figures[b.figure_id]
            cls = "full" if fig.size == "full" else "column"
            body.append(f'<figure class="{cls}"><img src="{svg}" alt="{e(fig.title)}">'
                        f"<figcaption><strong>{e(label)}. {e(fig.title)}</strong> {e(fig.caption)} "
                        f"Source: {e(fig.source)}</figcaption></figure>")
        elif isinstance(b, m.Paragraph):
            body.append(f"<p>{runs(b.runs)}</p>")
    if brief.footnotes:
        body.append('<h2>Notes</h2><ol class="notes">'
                    + "".join(f"<li>{runs(n.runs)}</li>" for n in brief.footnotes) + "</ol>")
    if brief.sources:
        body.append("<h2>Sources</h2><ul class=\"notes\">"
                    + "".join(f"<li>{e(s.text)}</li>" for s in brief.sources) + "</ul>")
    authors = "".join(f'<p class="author">{e(a.name)}</p><p class="role">{e(a.role)}</p>' for a in meta.authors)
    return (f'<!DOCTYPE html>\n<html lang="{e(meta.language)}"><head><meta charset="utf-8">'
            f'<title>{e(meta.full_title)}</title><link rel="stylesheet" href="brief.css"></head>\n<body>'
            f'<header><p class="kicker">{e(meta.kicker)}</p><h1>{e(meta.title)}</h1>'
            f'<p class="standfirst">{e(meta.standfirst)}</p>{authors}</header>\n<main>\n'
            + "\n".join(body) + "\n</main></body></html>\n")


_TYP_SPECIAL = re.compile(r"([\\#*_`$<>@\[\]~/=+\-'\"^.,:;{}()])")


def _t(text: str) -> str:
    """Text for Typst markup: every punctuation mark that could mean something, escaped."""
    return _TYP_SPECIAL.sub(r"\\\1", text).replace("\n", " ")


def _s(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)  # a Typst string literal


def _typst(brief, style, m, figures) -> str:
    def runs(rs) -> str:
        return _runs(rs, _t, sup="#super[{}]", em="#emph[{}]", strong="#strong[{}]",
                     link=lambda href, t: f"#link({_s(href)})[{t}]")

    p, meta = style.page, brief.meta
    lang, _, region = meta.language.partition("-")
    out = [
        f'#set document(title: {_s(meta.full_title)}, author: ({", ".join(_s(a.name) for a in meta.authors)},))',
        f"#set page(paper: \"a4\", columns: {p.columns}, margin: (top: {p.margin_top}mm, bottom: "
        f"{p.margin_bottom}mm, inside: {p.margin_inner}mm, outside: {p.margin_outer}mm),",
        f'  footer: context text(font: "Source Sans Pro", size: 7.5pt, fill: rgb("#666666"))'
        f'[{_t(meta.series)} · {_t(meta.kicker)} #h(1fr) #counter(page).display()])',
        f"#set columns(gutter: {p.gutter}mm)",
        f'#set text(font: "Source Serif Pro", size: 9.5pt, lang: "{lang.lower()}"'
        + (f', region: "{region.lower()}"' if region else "") + ", hyphenate: true, fill: rgb(\"#1a1a1a\"))",
        "#set par(justify: true, leading: 6.7pt, spacing: 6.7pt, first-line-indent: 3.5mm)",
        '#show heading: set text(font: "Source Sans Pro", weight: "bold", size: 10.5pt, fill: rgb("#00467f"))',
        '#show figure.caption: set text(font: "Source Sans Pro", size: 8pt)',
        "#show figure.caption: set align(left)",
        "#set figure(gap: 2pt)",
        '#place(top, float: true, scope: "parent", clearance: 6mm, block(width: 100%, stroke: (bottom: '
        f'{p.title_rule}pt), inset: (bottom: 3mm))[',
        "  #set par(justify: false, first-line-indent: 0pt)",
        f'  #block(below: 2pt, text(font: "Source Sans Pro", weight: "bold", size: 10pt, fill: rgb("#00467f"))'
        f"[{_t(meta.kicker.upper())}])",
        f'  #block(below: 6pt, par(leading: 11pt, text(font: "Source Sans Pro", weight: "bold", size: 24pt)'
        f"[{_t(meta.title.upper())}]))",
        f'  #block(below: 8pt, par(leading: 8.2pt, text(style: "italic", size: 12.5pt)[{_t(meta.standfirst)}]))',
    ]
    for a in meta.authors:
        out.append(f'  #block(above: 2pt, below: 2pt, text(font: "Source Sans Pro", weight: "semibold", '
                   f"size: 9pt)[{_t(a.name)}])")
        out.append(f'  #block(above: 0pt, below: 3pt, text(font: "Source Sans Pro", style: "italic", size: 8.5pt, '
                   f'fill: rgb("#666666"))[{_t(a.role)}])')
    out.append("])")
    out.append("")
    for b in brief.blocks:
        if isinstance(b, m.Heading):
            out.append(f"#heading(level: 2)[{runs(b.runs)}]")
        elif isinstance(b, m.PullQuote):
            out.append(f'#block(stroke: (top: 1.2pt + rgb("#00467f"), bottom: 1.2pt + rgb("#00467f")), '
                       f'inset: (y: 4pt), above: 8pt, below: 8pt, text(style: "italic", size: 13pt, '
                       f'fill: rgb("#00467f"))[{runs(b.runs)}])')
        elif isinstance(b, m.BulletList):
            marker = "+" if b.ordered else "-"
            out.extend(f"{marker} {runs(item)}" for item in b.items)
        elif isinstance(b, m.FigureRef):
            fig, label, svg = figures[b.figure_id]
            kind = "map" if fig.kind == "map" else "chart"
            supplement = label.rsplit(" ", 1)[0]
            where = ', placement: top, scope: "parent"' if fig.size == "full" else ""
            out.append(f'#figure(image("{svg}", width: 100%), kind: "{kind}", supplement: [{_t(supplement)}]{where},'
                       f" caption: [#strong[{_t(fig.title)}] {_t(fig.caption)} Source: {_t(fig.source)}])")
        elif isinstance(b, m.Paragraph):
            out.append(runs(b.runs))
        out.append("")
    if brief.footnotes:
        out.append("#heading(level: 2)[Notes]")
        out.extend(f"+ #text(size: 7.5pt)[{runs(n.runs)}]" for n in brief.footnotes)
    if brief.sources:
        out.append("#heading(level: 2)[Sources]")
        out.extend(f"- #text(size: 7.5pt)[{_t(s.text)}]" for s in brief.sources)
    return "\n".join(out) + "\n"


# --------------------------------------------------------------------------- machine, report

def machine() -> dict:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                ram = round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    res = subprocess.run([str(PROJECT_PY), "-c", "import json, sys, importlib.metadata as m; print(json.dumps("
                          "{'python': sys.version.split()[0], **{p: m.version(p) for p in ('reportlab', "
                          "'matplotlib', 'geopandas', 'shapely', 'pyproj', 'uharfbuzz', 'pikepdf', "
                          "'markdown-it-py', 'pyphen')}}))"], capture_output=True, text=True)
    project = json.loads(res.stdout) if res.returncode == 0 else {"error": last_line(res.stderr)}
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    poppler = subprocess.run(["pdftocairo", "-v"], capture_output=True, text=True) if shutil.which("pdftocairo") else None
    return {
        "host": hashlib.sha256(socket.gethostname().encode()).hexdigest()[:8],
        "cpu": cpu,
        "cores": os.cpu_count(),
        "cores_usable": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "ram_gib": ram,
        "os": platform.platform(),
        "project_venv": project,
        "pdftocairo": last_line(poppler.stderr) if poppler else None,
        "commit": commit.stdout.strip() or None,
    }


def fmt(x, spec=".3f") -> str:
    return "n/a" if x is None else format(x, spec)


def verdict(ok) -> str:
    return "n/a" if ok is None else ("PASS" if ok else "FAIL")


def evaluate(cases: dict[str, Case], sizes: dict) -> tuple[list[list[str]], list[dict], list[list[str]]]:
    weasy, typ = cases["weasyprint"], cases["typst"]
    rows, verdicts = [], []
    for c in cases.values():
        ours = c.name not in ("weasyprint", "typst")
        t_target = TARGETS.get(c.name)
        targets, oks = [], []
        if ours and c.ok:
            if t_target is not None:
                targets.append(f"≤ {t_target:g} s")
                oks.append(c.median <= t_target)
                verdicts.append({"target": f"{c.name} median ≤ {t_target:g} s", "value": round(c.median, 3),
                                 "result": verdict(oks[-1])})
            if c.name == "warm-screen":
                targets.append("< WeasyPrint")
                faster = c.median < weasy.median if weasy.ok else None
                if faster is not None:
                    oks.append(faster)
                verdicts.append({"target": "warm-screen faster than WeasyPrint", "value":
                                 None if not weasy.ok else f"{c.median:.3f} vs {weasy.median:.3f} s",
                                 "result": verdict(faster)})
            targets.append(f"≤ {TARGETS['rss_mb']} MB")
            oks.append(c.rss_mb <= TARGETS["rss_mb"])
            verdicts.append({"target": f"{c.name} peak RSS ≤ {TARGETS['rss_mb']} MB", "value": round(c.rss_mb, 1),
                             "result": verdict(oks[-1])})
        ratio = lambda other: fmt(c.median / other.median, ".2f") if (ours and c.ok and other.ok
                                                                       and c.name.startswith(("cold", "warm"))) else ""
        status = verdict(all(oks)) if oks else ("n/a" if not c.ok else "")
        if c.ok and c.note.startswith("exit"):
            status = (status + " " if status else "") + "(rc≠0)"
        rows.append([c.name, fmt(c.median), fmt(c.stat(min)), fmt(c.stat(max)), fmt(c.rss_mb, ".0f"),
                     ", ".join(targets), status, ratio(weasy), ratio(typ)])
    size_rows = []
    for name, key in (("print", "print_bytes"), ("screen", "screen_bytes"), ("archive", None),
                      ("weasyprint", None), ("typst", None)):
        size = sizes.get(name)
        limit = TARGETS.get(key) if key else None
        ok = None if size is None or limit is None else size <= limit
        size_rows.append([name, fmt(size, ",d") if size is not None else "n/a",
                          f"≤ {limit / MB:g} MB" if limit else "", verdict(ok) if limit else ""])
        if limit:
            verdicts.append({"target": f"{name} file ≤ {limit / MB:g} MB", "value": size, "result": verdict(ok)})
    return rows, verdicts, size_rows


def table(header: list[str], rows: list[list[str]], markdown: bool = False) -> str:
    if markdown:
        lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
        return "\n".join(lines + ["| " + " | ".join(r) + " |" for r in rows])
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows)]
    line = lambda r: "  ".join(str(x).ljust(w) for x, w in zip(r, widths)).rstrip()
    return "\n".join([line(header), line(["-" * w for w in widths])] + [line(r) for r in rows])


HEADER = ["case", "median s", "min s", "max s", "peak RSS MB", "target", "PASS/FAIL", "ours/WeasyPrint",
          "ours/Typst"]
SIZE_HEADER = ["edition", "bytes", "target", "PASS/FAIL"]
VERDICT_HEADER = ["target", "value", "PASS/FAIL"]


def against_typst(runs: int) -> int:
    started = dt.datetime.now().astimezone()
    load = [os.getloadavg()[0]]
    work = Path(tempfile.mkdtemp(prefix="brief-bench-"))
    try:
        cases = bench_against_typst(work, runs)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    load.append(os.getloadavg()[0])
    ratio = cases[0].median / cases[1].median
    cpu = [statistics.median(s.cpu for s in c.samples) for c in cases]
    target = TARGETS["warm-all/typst"]
    say(table([*HEADER[:5], "median CPU s"], [[c.name, fmt(c.median), fmt(c.stat(min)), fmt(c.stat(max)),
                                                fmt(c.rss_mb, ".0f"), fmt(t)] for c, t in zip(cases, cpu)]))
    say(f"warm-all / typst: {ratio:.2f} (target ≤ {target:g}): {verdict(ratio <= target)}; CPU time "
        f"{cpu[0] / cpu[1]:.2f}; load {load[0]:.2f} → {load[1]:.2f}")
    info = machine()
    path = RESULTS / f"{started:%Y-%m-%d}-{info['host']}-typst.json"
    RESULTS.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"date": started.isoformat(timespec="seconds"), "runs": runs, "machine": info,
                                "loadavg": load, "cases": [c.to_json() for c in cases], "ratio": round(ratio, 3),
                                "target": target}, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    say(f"wrote {path.relative_to(ROOT)}")
    return 0


def main() -> int:
    if len(sys.argv) == 5 and sys.argv[1] == "--export":
        export(Path(sys.argv[2]), Path(sys.argv[3]), Path(sys.argv[4]))
        return 0
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=5, help="timed runs per case (default 5)")
    ap.add_argument("--skip-others", action="store_true", help="do not run WeasyPrint and Typst")
    ap.add_argument("--keep", action="store_true", help="keep the temporary work folder and print its path")
    ap.add_argument("--against-typst", action="store_true",
                    help="only warm-all and Typst, in turn run by run, and their ratio")
    args = ap.parse_args()
    if args.runs < 1:
        ap.error("--runs must be at least 1")
    if not BRIEF_BIN.exists():
        say(f"{BRIEF_BIN.relative_to(ROOT)} is missing: run `make brief` first")
        return 1
    if args.against_typst:
        return against_typst(args.runs)

    started = dt.datetime.now().astimezone()
    load_before = os.getloadavg()
    work = Path(tempfile.mkdtemp(prefix="brief-bench-"))
    try:
        ours, sizes, warm_cache = bench_ours(work, args.runs)
        try:
            others, other_versions, other_sizes = bench_others(work, warm_cache, args.runs, args.skip_others)
        except Exception as exc:  # never let the comparison sink the benchmark of our own build
            say(f"others: n/a: {type(exc).__name__}: {exc}")
            others = [Case("weasyprint", "WeasyPrint", error=f"{type(exc).__name__}: {exc}"),
                      Case("typst", "Typst", error=f"{type(exc).__name__}: {exc}")]
            other_versions, other_sizes = {}, {}
    finally:
        if args.keep:
            say(f"work folder kept: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    sizes.update(other_sizes)
    cases = {c.name: c for c in ours + others}
    rows, verdicts, size_rows = evaluate(cases, sizes)
    info = machine()
    info["others_venv"] = other_versions
    info["loadavg_before"] = [round(x, 2) for x in load_before]
    info["loadavg_after"] = [round(x, 2) for x in os.getloadavg()]

    notes = [f"{c.name}: {c.error or c.note}" for c in cases.values() if c.error or c.note]
    fails = [v["target"] for v in verdicts if v["result"] == "FAIL"]
    say("")
    say(table(HEADER, rows))
    say("")
    say(table(SIZE_HEADER, size_rows))
    say("")
    verdict_rows = [[v["target"], "n/a" if v["value"] is None else str(v["value"]), v["result"]] for v in verdicts]
    say(table(VERDICT_HEADER, verdict_rows))
    say("")
    for n in notes:
        say(f"note: {n}")
    say(f"failing targets: {', '.join(fails) if fails else 'none'}")
    pv = info["project_venv"]
    say(f"machine: {info['cpu']}, {info['cores']} cores, {info['ram_gib']} GiB, Python {pv.get('python')}, "
        f"reportlab {pv.get('reportlab')}, matplotlib {pv.get('matplotlib')}, geopandas {pv.get('geopandas')}, "
        f"weasyprint {other_versions.get('weasyprint', 'n/a')}, typst {other_versions.get('typst', 'n/a')}; "
        f"load {info['loadavg_before'][0]} → {info['loadavg_after'][0]}")

    RESULTS.mkdir(parents=True, exist_ok=True)
    stem = RESULTS / f"{started:%Y-%m-%d}-{info['host']}"
    result = {"date": started.isoformat(timespec="seconds"), "runs": args.runs, "machine": info,
              "targets": TARGETS, "cases": [c.to_json() for c in cases.values()], "sizes_bytes": sizes,
              "verdicts": verdicts, "failing": fails, "notes": notes,
              "method": "whole-process wall time (perf_counter) and ru_maxrss from os.wait4 per run; median "
                        "over runs; warm runs edit one paragraph of a copied brief between runs; cold runs use "
                        "a fresh BRIEF_CACHE; MB = 10^6 bytes"}
    md = [f"# Benchmark {started:%Y-%m-%d %H:%M} (host {info['host']}, commit {info['commit']})", "",
          f"`python bench/compare.py --runs {args.runs}{' --skip-others' if args.skip_others else ''}`; "
          "medians of whole-process wall time, peak RSS = largest ru_maxrss over the runs.", "",
          table(HEADER, rows, markdown=True), "", table(SIZE_HEADER, size_rows, markdown=True), "",
          table(VERDICT_HEADER, verdict_rows, markdown=True), "",
          "Failing targets: " + (", ".join(fails) if fails else "none"), ""]
    md += [f"- note: {n}" for n in notes]
    md += ["", "## Machine", "", "```json", json.dumps(info, indent=2, ensure_ascii=False), "```", ""]
    sys.path.insert(0, str(ROOT))
    from geodata.files import write_whole

    for suffix, text in ((".json", json.dumps(result, indent=2, ensure_ascii=False) + "\n"), (".md", "\n".join(md))):
        write_whole(stem.with_suffix(suffix), text.encode("utf-8"))
    say(f"wrote {stem.relative_to(ROOT)}.json and .md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
