"""Charts of the figures a brief quotes: horizontal bars, grouped by source, on a linear
or logarithmic scale, drawn with matplotlib in the figure look (palette, fonts)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

from geodata.look import FigureError, Look, Report, check_glyphs, save_pdf, setup_matplotlib


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    role: str = "bar"
    display: str | None = None  # the value as printed; default: value + unit


@dataclass(frozen=True)
class Group:
    name: str
    bars: tuple[Bar, ...]


@dataclass(frozen=True)
class ChartSpec:
    id: str
    width_mm: float
    height_mm: float
    groups: tuple[Group, ...]
    scale: str = "linear"  # linear | log
    unit: str = ""  # appended to values, e.g. "%"
    axis_label: str = ""
    max: float | None = None


def render_chart(spec: ChartSpec, look: Look, out: Path) -> Report:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    setup_matplotlib(look)
    W, H = spec.width_mm, spec.height_mm
    fig = Figure(figsize=(W / 25.4, H / 25.4))
    FigureCanvasAgg(fig)
    text = look.text_props("label")
    small = look.text_props("small")
    rows: list[tuple[str, Bar | None]] = []
    for g in spec.groups:
        rows.append((g.name, None))
        rows.extend((b.label, b) for b in g.bars)
    for label, _ in rows:
        check_glyphs(label, look, "chart label")
    n = len(rows)
    bottom = 8.0 if spec.axis_label else 5.0  # mm for tick labels (and the axis label)
    ax = fig.add_axes((3.0 / W, bottom / H, 1 - 8.0 / W, 1 - (bottom + 1.0) / H))
    values = [b.value for _, b in rows if b]
    if spec.scale == "log":
        # a log bar needs a baseline: one decade below the smallest value
        low = 10 ** (math.floor(math.log10(min(values))) - 1)
        ax.set_xscale("log")
        ax.set_xlim(low, spec.max or 10 ** math.ceil(math.log10(max(values) * 3)))
    else:
        low = 0
        ax.set_xlim(0, spec.max or max(values) * 1.15)
    ax.set_ylim(n - 0.45, -0.55)
    for spine in ("top", "right", "left"):
        ax.spines[spine].set_visible(False)
    ax.spines["bottom"].set_linewidth(0.4)
    ax.spines["bottom"].set_color(look.colour("muted"))
    ax.tick_params(axis="x", length=2, width=0.4, labelsize=small["fontsize"], colors=look.colour("muted"))
    ax.set_yticks([])
    ax.xaxis.set_major_formatter(_formatter(spec))
    for i, (label, bar) in enumerate(rows):
        if bar is None:
            ax.text(low, i, label, va="center", ha="left", **{**text, "fontweight": "bold"})
            continue
        r = look.role(bar.role)
        ax.barh(i + 0.12, bar.value - (0 if spec.scale == "linear" else 0), left=low if spec.scale == "log" else 0,
                height=0.42, color=look.colour(r.get("fill", "bar")), linewidth=0, zorder=2)
        ax.text(low, i - 0.3, label, va="center", ha="left", **small)
        shown = bar.display or f"{bar.value:g}{spec.unit}"
        ax.text(bar.value, i + 0.12, f" {shown}", va="center", ha="left", **{**text, "fontweight": "bold"})
    if spec.axis_label:
        ax.set_xlabel(spec.axis_label, fontsize=small["fontsize"], color=look.colour("muted"), labelpad=1.5)
    report = Report(width_mm=W, height_mm=H)
    save_pdf(fig, out)
    return report


def _formatter(spec: ChartSpec):
    from matplotlib.ticker import FuncFormatter

    return FuncFormatter(lambda v, _pos: f"{v:,g}{spec.unit}")


def validate(spec: ChartSpec) -> None:
    if spec.scale not in ("linear", "log"):
        raise FigureError("scale must be 'linear' or 'log'")
    for g in spec.groups:
        for b in g.bars:
            if spec.scale == "log" and b.value <= 0:
                raise FigureError(f"bar '{b.label}': a log scale needs positive values")
