"""How evenly a PDF's justified text is set, read from the PDF alone (any PDF, any engine).

    .venv/bin/python bench/justification.py FILE.pdf [--size 9.5] [--font SourceSerif] [--space-em 0.233] [--json]

Every glyph's position is worked out from the page content (text operators, fonts' widths and
ToUnicode maps, pikepdf's parser; marked content and ActualText do not move glyphs, so they are
ignored). Lines are the glyphs of the body face and size on one baseline, split into columns
where the gap is wider than 11 pt. A line is *full* when it is as wide as the column (the median
line width, less 1 pt); for each full line, each gap between words (wider than 0.12 em) is divided
by the face's natural space (``--space-em``: the space's advance in em, 0.233 for Source Serif Pro).

Printed per file: lines measured, median gap ratio, the 95th percentile and the worst of the line
means, loose (> 1.5) and very loose (> 2.0) and tight (< 0.8) shares, their spread (sd), lines
ending in a hyphen, and hyphen ladders (3+ hyphenated lines in a row, in reading order across the
row). Lower is better for every figure but ``lines``. ``measure()`` is what bench/scaling.py uses.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from collections import defaultdict
from pathlib import Path

import pikepdf

from report.preflight.blame import to_unicode  # code -> text of a ToUnicode CMap

HYPHENS = ("-", "\u00ad", "\u2010")


class _Font:
    """Widths (per code, in text space units) and text of a font's codes."""

    def __init__(self, font: pikepdf.Dictionary):
        self.name = str(font.get("/BaseFont", ""))
        self.two_byte = font.get("/Subtype") == "/Type0"
        self.widths: dict[int, float] = {}
        self.default = 0.0
        if self.two_byte:
            desc = font.DescendantFonts[0]
            self.default = float(desc.get("/DW", 1000)) / 1000
            w = list(desc.get("/W", []))
            i = 0
            while i < len(w):
                first = int(w[i])
                if isinstance(w[i + 1], pikepdf.Array):
                    for k, v in enumerate(w[i + 1]):
                        self.widths[first + k] = float(v) / 1000
                    i += 2
                else:
                    for code in range(first, int(w[i + 1]) + 1):
                        self.widths[code] = float(w[i + 2]) / 1000
                    i += 3
        else:
            first = int(font.get("/FirstChar", 0))
            for k, v in enumerate(font.get("/Widths", [])):
                self.widths[first + k] = float(v) / 1000
        self.text = to_unicode(font)

    def codes(self, data: bytes):
        if self.two_byte:
            return [int.from_bytes(data[i:i + 2], "big") for i in range(0, len(data) - 1, 2)]
        return list(data)


def _mul(a, b):
    return (a[0] * b[0] + a[1] * b[2], a[0] * b[1] + a[1] * b[3], a[2] * b[0] + a[3] * b[2],
            a[2] * b[1] + a[3] * b[3], a[4] * b[0] + a[5] * b[2] + b[4], a[4] * b[1] + a[5] * b[3] + b[5])


def glyphs(page: pikepdf.Page):
    """(text, x0, x1, baseline y, size, font name) of every glyph drawn by the page's own content."""
    fonts = {}
    res = page.obj.get("/Resources", {})
    for name, f in res.get("/Font", {}).items():
        fonts[name] = _Font(f)
    out = []
    ctm = (1, 0, 0, 1, 0, 0)
    stack = []
    tm = tlm = (1, 0, 0, 1, 0, 0)
    font, size, tz, tc, tw, tl = None, 0.0, 1.0, 0.0, 0.0, 0.0

    def show(data: bytes):
        nonlocal tm
        for code in font.codes(data):
            w = font.widths.get(code, font.default)
            trm = _mul((size * tz, 0, 0, size, 0, 0), _mul(tm, ctm))
            adv = (w * size + tc + (tw if code == 32 and not font.two_byte else 0)) * tz
            x0 = trm[4]
            x1 = _mul((1, 0, 0, 1, w * size * tz, 0), _mul(tm, ctm))[4]
            out.append((font.text.get(code, ""), x0, x1, round(trm[5], 1), abs(trm[3]), font.name))
            tm = _mul((1, 0, 0, 1, adv, 0), tm)

    for operands, op in pikepdf.parse_content_stream(page):
        op = str(op)
        if op == "q":
            stack.append(ctm)
        elif op == "Q":
            ctm = stack.pop() if stack else ctm
        elif op == "cm":
            ctm = _mul(tuple(float(v) for v in operands), ctm)
        elif op == "BT":
            tm = tlm = (1, 0, 0, 1, 0, 0)
        elif op == "Tf":
            font, size = fonts.get(str(operands[0])), float(operands[1])
        elif op == "Tz":
            tz = float(operands[0]) / 100
        elif op == "Tc":
            tc = float(operands[0])
        elif op == "Tw":
            tw = float(operands[0])
        elif op == "TL":
            tl = float(operands[0])
        elif op in ("Td", "TD"):
            if op == "TD":
                tl = -float(operands[1])
            tm = tlm = _mul((1, 0, 0, 1, float(operands[0]), float(operands[1])), tlm)
        elif op == "Tm":
            tm = tlm = tuple(float(v) for v in operands)
        elif op in ("T*", "'", '"'):
            if op == '"':
                tw, tc = float(operands[0]), float(operands[1])
            tm = tlm = _mul((1, 0, 0, 1, 0, -tl), tlm)
            if op != "T*" and font is not None:
                show(bytes(operands[-1]))
        elif op == "Tj" and font is not None:
            show(bytes(operands[0]))
        elif op == "TJ" and font is not None:
            for item in operands[0]:
                if isinstance(item, pikepdf.String):
                    show(bytes(item))
                else:
                    tm = _mul((1, 0, 0, 1, -float(item) / 1000 * size * tz, 0), tm)
    return out


def lines_of(page: pikepdf.Page, size: float, font: str):
    rows = defaultdict(list)
    for g in glyphs(page):
        if abs(g[4] - size) < 0.05 and font.lower() in g[5].lower() and g[0]:
            rows[g[3]].append(g)
    out = []
    for y in sorted(rows, reverse=True):
        cs = sorted(rows[y], key=lambda g: g[1])
        run = [cs[0]]
        for a, b in zip(cs, cs[1:]):
            if b[1] - a[2] > 11:
                out.append(run)
                run = []
            run.append(b)
        out.append(run)
    return out


def measure(path, size: float = 9.5, font: str = "SourceSerif", space_em: float = 0.233) -> dict | None:
    """The justification figures of a PDF's body text (see the module's text), or None."""
    lines = []
    with pikepdf.open(path) as pdf:
        for page in pdf.pages:
            lines += [run for run in lines_of(page, size, font) if len(run) >= 20]
    if not lines:
        return None
    column = statistics.median(run[-1][2] - run[0][1] for run in lines)
    natural = size * space_em
    ratios, means, hyphenated = [], [], []
    ladders = streak = 0
    for run in lines:
        full = run[-1][2] - run[0][1] > column - 1.0
        if not full:
            streak = 0
            continue
        ink = [g for g in run if g[0].strip()]
        gaps = [b[1] - a[2] for a, b in zip(ink, ink[1:]) if b[1] - a[2] > 0.12 * size]
        if not gaps:
            continue
        r = [g / natural for g in gaps]
        ratios += r
        means.append(statistics.mean(r))
        ends = run[-1][0] in HYPHENS
        hyphenated.append(ends)
        streak = streak + 1 if ends else 0
        ladders += streak == 3
    n = len(means)
    if not n:
        return None
    q = sorted(means)
    return {"lines": n, "column_pt": round(column, 1), "median_ratio": round(statistics.median(ratios), 3),
            "p95_line_ratio": round(q[int(0.95 * (n - 1))], 3), "max_line_ratio": round(q[-1], 3),
            "loose_pct": round(100 * sum(m > 1.5 for m in q) / n, 1),
            "very_loose_pct": round(100 * sum(m > 2.0 for m in q) / n, 1),
            "tight_pct": round(100 * sum(m < 0.8 for m in q) / n, 1),
            "sd_line_ratio": round(statistics.pstdev(q), 3),
            "hyphen_pct": round(100 * sum(hyphenated) / n, 1), "ladders": ladders}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("pdf", type=Path, nargs="+")
    ap.add_argument("--size", type=float, default=9.5)
    ap.add_argument("--font", default="SourceSerif")
    ap.add_argument("--space-em", type=float, default=0.233)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    status = 0
    for path in args.pdf:
        m = measure(path, args.size, args.font, args.space_em)
        if m is None:
            print(f"{path}: no justified lines of {args.font} {args.size} pt found")
            status = 1
        else:
            print(json.dumps({"file": str(path), **m}) if args.json
                  else f"{path}: " + "  ".join(f"{k} {v}" for k, v in m.items()))
    return status


if __name__ == "__main__":
    sys.exit(main())
