"""Charts of the figures a brief quotes, grouped by source, drawn with matplotlib in the figure
look (palette, fonts).

Honest by construction: on a linear scale each value is a bar from zero, so bar lengths are in
the ratio of the values; on a logarithmic scale there is no zero to start a bar from, so each value
is a dot on the scale with its value printed beside it (a bar from an arbitrary baseline would show
a ratio the data do not have). Colours come from the bars' style roles; a brief names its actors
with roles such as ``actor.japan`` so that one actor keeps one colour in every figure."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

from geodata.look import Look, Report, check_glyphs, save_pdf, setup_matplotlib

from .style import REVERSED_MIN_PT


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    role: str = "bar"
    display: str | None = None  # the value as printed; default: value + unit
    key: tuple = ()  # the key path of its label in the spec


@dataclass(frozen=True)
class Group:
    name: str
    bars: tuple[Bar, ...]
    key: tuple = ()  # the key path of its name in the spec


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
        for words, key in ((g.name, g.key), *((b.label, b.key) for b in g.bars)):
            check_glyphs(words, look, "chart label", key)
    n = len(rows)
    bottom = 8.0 if spec.axis_label else 5.0  # mm for tick labels (and the axis label)
    ax = fig.add_axes((3.0 / W, bottom / H, 1 - 8.0 / W, 1 - (bottom + 1.0) / H))
    values = [b.value for _, b in rows if b]
    log = spec.scale == "log"
    if log:
        low = 10 ** math.floor(math.log10(min(values)))
        ax.set_xscale("log")
        ax.set_xlim(low / 2, spec.max or 10 ** math.ceil(math.log10(max(values) * 3)))
    else:
        low = 0
        ax.set_xlim(0, spec.max or max(values) * 1.15)
    start = ax.get_xlim()[0]
    ax.set_ylim(n - 0.45, -0.55)
    for spine in ("top", "right", "left"):
        ax.spines[spine].set_visible(False)
    ax.spines["bottom"].set_linewidth(0.4)
    ax.spines["bottom"].set_color(look.colour("muted"))
    ax.tick_params(axis="x", length=2, width=0.4, labelsize=small["fontsize"], colors=look.colour("muted"))
    ax.set_yticks([])
    ax.xaxis.set_major_formatter(_formatter(spec))
    ax.xaxis.set_minor_formatter(_blank())
    for i, (label, bar) in enumerate(rows):
        if bar is None:
            ax.text(start, i, label, va="center", ha="left", **{**text, "fontweight": "bold"})
            continue
        colour = look.colour(look.role(bar.role).get("fill", "bar"))
        shown = bar.display or f"{bar.value:g}{spec.unit}"
        value_props = {**text, "fontweight": "bold"}
        ha, pad = "left", " "
        if log:
            ax.plot([bar.value], [i + 0.12], marker="o", markersize=5, color=colour, linestyle="none", zorder=3)
            pad = "   "
        else:
            ax.barh(i + 0.12, bar.value, left=0, height=0.42, color=colour, linewidth=0, zorder=2)
            if bar.value > 0.7 * ax.get_xlim()[1]:  # no room after the bar: the value goes inside its end
                ha, value_props["color"] = "right", look.colour(look.paper)
                # reversed out of the bar's inks: finer type fills in on press
                value_props["fontsize"] = max(value_props["fontsize"], REVERSED_MIN_PT)
        ax.text(start, i - 0.3, label, va="center", ha="left", **small)
        ax.text(bar.value, i + 0.12, f"{pad}{shown}{pad if ha == 'right' else ''}", va="center", ha=ha,
                zorder=4, **value_props)
    if spec.axis_label:
        ax.set_xlabel(spec.axis_label, fontsize=small["fontsize"], color=look.colour("muted"), labelpad=1.5)
    report = Report(width_mm=W, height_mm=H)
    save_pdf(fig, out)
    return report


def _formatter(spec: ChartSpec):
    from matplotlib.ticker import FuncFormatter

    return FuncFormatter(lambda v, _pos: f"{v:,g}{spec.unit}")


def _blank():
    from matplotlib.ticker import NullFormatter

    return NullFormatter()
