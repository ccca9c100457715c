"""[charts]: honest charts and one colour per actor across a brief's figures."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from conftest import SAMPLE


@pytest.fixture(scope="module")
def sample():
    from report.figures import look_from, widths
    from report.figspec import with_width
    from report.pipeline import load

    brief, style = load(SAMPLE)
    column, full, _ = widths(style)
    figs = {fid: with_width(f, column if f.size == "column" else full) for fid, f in brief.figures.items()}
    return figs, style, look_from(style)


def _filled_extents(pdf: Path) -> list[tuple[tuple[float, ...], float, float]]:
    """(fill colour, x0, x1) of every filled path on the page."""
    from maps_ink import filled_paths

    return [(fill, min(xs), max(xs)) for fill, xs in filled_paths(pdf)]


def _rgb(style, role_colour: str) -> tuple[float, ...]:
    return tuple(round(v / 255, 3) for v in style.colours[role_colour].rgb)


def test_linear_bars_are_in_the_ratio_of_their_values(sample, tmp_path):
    from report.charts import render_chart

    figs, style, look = sample
    fig = figs["investment"]
    assert fig.spec.scale == "linear"
    render_chart(fig.spec, look, tmp_path / "c.pdf")
    bars = [b for g in fig.spec.groups for b in g.bars]
    widths = {}
    for bar in bars:
        colour = _rgb(style, look.role(bar.role)["fill"])
        spans = [x1 - x0 for c, x0, x1 in _filled_extents(tmp_path / "c.pdf") if c == colour]
        widths[bar.label] = max(spans)
    china, japan = (next(b for b in bars if b.label == n) for n in ("China", "Japan"))
    assert widths["China"] / widths["Japan"] == pytest.approx(china.value / japan.value, rel=0.03)


def test_a_log_scale_draws_dots_not_bars(sample, tmp_path):
    from report.charts import render_chart

    figs, style, look = sample
    spec = replace(figs["investment"].spec, scale="log")
    render_chart(spec, look, tmp_path / "c.pdf")
    extents = _filled_extents(tmp_path / "c.pdf")
    for bar in (b for g in spec.groups for b in g.bars):
        colour = _rgb(style, look.role(bar.role)["fill"])
        spans = [x1 - x0 for c, x0, x1 in extents if c == colour]
        assert spans and max(spans) < 6, (bar.label, spans)  # a 5 pt dot, no bar from a baseline
    text = " ".join(str(v) for v in (b.display for g in spec.groups for b in g.bars))
    assert "US$ 10 billion" in text


def test_one_colour_per_actor_and_red_only_for_claims(sample):
    """Every figure of the sample names its actors by actor.* roles; no two actors share a
    colour, and none takes the claim colour."""
    figs, style, look = sample
    actors: dict[str, str] = {}
    for fid, fig in figs.items():
        for role, _ in fig.roles:
            if role.startswith("actor."):
                actors[role] = look.role(role)["fill"]
        if fig.kind == "chart":
            assert all(b.role.startswith("actor.") for g in fig.spec.groups for b in g.bars), fid
    assert {"actor.japan", "actor.russia", "actor.china"} <= set(actors)
    colours = [style.colours[c].rgb for c in actors.values()]
    assert len(set(colours)) == len(colours), actors
    assert style.colours["claim"].rgb not in colours
    # the line of Russian administration on the dispute map is Russia's colour
    assert look.role("administration_line")["edge"] == actors["actor.russia"]
