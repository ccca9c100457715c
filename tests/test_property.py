"""Property: whatever the front matter, body, figure specs and style values say, a build
ends in success or in a BriefError that names a file, never in another exception.

Hypothesis generates the inputs: values of every type for every key (strings, numbers
including nan and inf, booleans, lists, dates, tables), Markdown made of the format's
elements and the characters that mean something to Markdown, ReportLab or matplotlib.
The example counts keep the whole file well under a minute on CI; the examples are drawn
from a fixed seed (``derandomize``), so CI runs the same ones every time: run with
``--hypothesis-seed=N`` and without ``derandomize`` to explore new ones."""

from __future__ import annotations

import datetime as dt
import json
import math
import shutil
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, event, given, settings, strategies as st

from conftest import ROOT
from report.errors import BriefError
from report.figspec import load_figure, load_resolver
from report.pipeline import build
from report.schema import CHART, FRONT_MATTER, MAP
from report.source import load_brief

BASE = ROOT / "tests" / "briefs" / "arctic-notes"
GOOD_FRONT = {
    "series": "Test Series", "date": "2024-03-15", "language": "en-GB", "kicker": "Test brief",
    "title": "Notes on a small brief", "standfirst": "A short brief.", "keywords": ["test"],
    "publisher": "Test Institute", "rights": "© 2024 Test Institute", "style": "house",
}

# --- TOML text of any value -----------------------------------------------------------------


def toml_value(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return "nan" if math.isnan(v) else ("inf" if v > 0 else "-inf") if math.isinf(v) else repr(v)
    if isinstance(v, int):
        return str(v)
    if isinstance(v, (dt.date, dt.datetime)):
        return v.isoformat()
    if isinstance(v, list):
        return "[" + ", ".join(toml_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{json.dumps(k)} = {toml_value(x)}" for k, x in v.items()) + "}"
    return json.dumps(v)  # a JSON string is a TOML basic string


def toml_table(data: dict, prefix: str = "") -> str:
    """Plain keys first, then [table]s and [[array]]s of tables."""
    lines, later = [], []
    for k, v in data.items():
        name = f"{prefix}{k}"
        if isinstance(v, dict) and v and k in ("extent", "scalebar", "inset"):
            later.append(f"\n[{name}]\n" + toml_table(v, f"{name}."))
        elif isinstance(v, list) and v and all(isinstance(x, dict) for x in v):
            for item in v:
                later.append(f"\n[[{name}]]\n" + toml_table(item, f"{name}."))
        else:
            lines.append(f"{json.dumps(k)} = {toml_value(v)}")
    return "\n".join(lines) + "\n" + "".join(later)


TEXT = st.text(alphabet=st.sampled_from(list("abcdefghij KLMN éü–’$%&<>*_[]^#`\\\"'\n{}()!:.,0123456789")),
               max_size=60)
SCALAR = st.one_of(TEXT, st.integers(-10**6, 10**6), st.floats(allow_nan=True, allow_infinity=True),
                   st.booleans(), st.dates())
ANY = st.recursive(SCALAR, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                   st.dictionaries(st.sampled_from(["name", "role", "x"]), inner,
                                                                   max_size=3)), max_leaves=6)


def maybe(good, bad=ANY):
    """Mostly a good value, sometimes anything at all."""
    return st.one_of(st.just(good), st.just(good), st.just(good), bad)


@st.composite
def front_matter(draw) -> dict:
    """The good front matter with none, one or two fields changed to anything (or left out)."""
    data = {**GOOD_FRONT, "authors": [{"name": "Ada Example", "role": "Fellow"}]}
    for _ in range(draw(st.sampled_from([0, 0, 0, 1, 1, 2]))):
        key = draw(st.sampled_from([*FRONT_MATTER.fields, "extra"]))
        if draw(st.integers(0, 5)) == 0:
            data.pop(key, None)
        elif key == "authors":
            data[key] = draw(st.one_of(st.lists(st.dictionaries(st.sampled_from(["name", "role", "x"]), ANY,
                                                                min_size=1, max_size=3), max_size=2), ANY))
        else:
            data[key] = draw(st.one_of(TEXT, ANY))
    return data


PLAIN = st.text(alphabet=st.sampled_from(list("abcdefghij KLMN éü–’$%&<>*_()!:.,0123456789")), min_size=1,
                max_size=80).map(str.strip).filter(bool)
GOOD_BLOCK = st.one_of(
    PLAIN, PLAIN.map(lambda t: "## " + t), PLAIN.map(lambda t: "> " + t),
    st.lists(PLAIN.map(lambda t: "- " + t), min_size=1, max_size=3).map("\n".join),
    st.sampled_from(["A note.[^a]\n\n[^a]: The note.", "[a link](https://example.org)",
                     "*em* **strong** `code`", "Z" * 150, "<b>bold</b> &amp;", "US$ 5 and $x^2$",
                     "1. one\n2. two"]),
)
BAD_BLOCK = st.one_of(
    TEXT, TEXT.map(lambda t: "## " + t),
    st.sampled_from(["A note.[^a]", "[^b]: Another.", "![](figure:missing)", "[bad](javascript:x)",
                     "# Title", "```\ncode\n```", "- a\n  - nested", "| a | b |\n|---|---|\n| 1 | 2 |"]),
)


@st.composite
def bodies(draw, max_size: int) -> list[str]:
    blocks = draw(st.lists(GOOD_BLOCK, max_size=max_size))
    if draw(st.integers(0, 3)) == 0:
        blocks.insert(draw(st.integers(0, len(blocks))), draw(BAD_BLOCK))
    return blocks


def good_chart(draw) -> dict:
    """A chart that should draw: labels and values vary, the keys are right."""
    bar = st.fixed_dictionaries({"label": PLAIN, "value": st.floats(0.01, 1e6)},
                                optional={"role": st.just("bar_alt"), "display": PLAIN})
    group = st.fixed_dictionaries({"name": PLAIN, "source": PLAIN, "bar": st.lists(bar, min_size=1, max_size=4)})
    spec = {"kind": "chart", "title": draw(PLAIN), "caption": draw(PLAIN), "source": draw(PLAIN),
            "size": draw(st.sampled_from(["column", "full"])), "height": draw(st.floats(50, 120)),
            "scale": draw(st.sampled_from(["linear", "log"])), "unit": draw(st.sampled_from(["", "%", " bn"])),
            "group": draw(st.lists(group, min_size=1, max_size=2))}
    if draw(st.booleans()):
        spec["axis_label"] = draw(PLAIN)
    return spec


def chart_spec(draw) -> dict:
    if draw(st.booleans()):
        return good_chart(draw)
    bars = st.fixed_dictionaries({"label": maybe("a bar", TEXT), "value": st.one_of(
        st.floats(allow_nan=True, allow_infinity=True), st.integers(-5, 10**6), ANY)},
        optional={"role": maybe("bar_alt", TEXT), "display": maybe("5 %", TEXT)})
    groups = st.fixed_dictionaries({"name": maybe("A poll", TEXT), "source": maybe("A source", TEXT),
                                    "bar": st.lists(bars, min_size=0, max_size=5)})
    spec = {"kind": "chart", "title": draw(maybe("A chart", TEXT)), "caption": draw(maybe("Shares.", TEXT)),
            "source": draw(maybe("A source.", TEXT)), "size": draw(maybe("column")),
            "height": draw(maybe(58, st.one_of(st.floats(allow_nan=True), ANY)))}
    for key in ("scale", "unit", "axis_label", "max", "chart"):
        if draw(st.booleans()):
            good = {"scale": "log", "unit": "%", "axis_label": "share", "max": 100, "chart": "bar"}[key]
            spec[key] = draw(maybe(good))
    spec["group"] = draw(st.lists(groups, min_size=0, max_size=3))
    return spec


def map_spec(draw) -> dict:
    spec = {"kind": "map", "title": draw(maybe("A map", TEXT)), "caption": "Both coasts.",
            "alt": draw(maybe("The Bering Strait between Chukotka and Alaska.", TEXT)),
            "source": draw(maybe("Made with Natural Earth.", TEXT)), "size": draw(maybe("column")),
            "height": draw(maybe(70, st.one_of(st.floats(allow_nan=True), ANY))),
            "extent": draw(st.one_of(st.just({"bbox": [172, 60.5, -160, 69.5]}),
                                     st.fixed_dictionaries({"fit": maybe(["bering-strait"]),
                                                            "margin": maybe(0.5, st.floats(allow_nan=True))}),
                                     ANY))}
    for key, good in (("graticule", 5), ("legend", "none"), ("projection", "auto"), ("naming", "dual"),
                      ("scalebar", {"km": 200, "at": "lower left"}), ("north_arrow", True), ("kanji", False)):
        if draw(st.booleans()):
            spec[key] = draw(maybe(good, st.one_of(ANY, st.floats(allow_nan=True, allow_infinity=True))))
    spec["label"] = draw(st.lists(st.fixed_dictionaries(
        {"place": maybe("bering-strait", TEXT)},
        optional={"role": maybe("water_label", TEXT), "marker": maybe(False), "at": maybe([-175, 61.5])}),
        max_size=2))
    spec["layer"] = draw(st.lists(st.fixed_dictionaries({"layer": maybe("land", TEXT), "role": maybe("land", TEXT)}),
                                  max_size=2))
    return spec


STYLE_KEYS = ["gutter", "margin_top", "margin_inner", "columns", "size", "leading", "first_line_indent",
              "space_after", "frame_width", "simplify_mm"]


def write_brief(root: Path, front: dict, blocks: list[str], figure: dict | None) -> Path:
    brief = root / "generated"
    shutil.copytree(BASE, brief)
    body = "\n\n".join(blocks)
    (brief / "brief.md").write_text(f"+++\n{toml_table(front)}+++\n\n{body}\n", encoding="utf-8")
    if figure is not None:
        (brief / "figures").mkdir()
        (brief / "figures" / "c1.toml").write_text(toml_table(figure), encoding="utf-8")
    return brief


def write_styles(root: Path, changes: list[tuple[str, object]]) -> Path:
    styles = root / "styles"
    shutil.copytree(ROOT / "styles", styles)
    path = styles / "house.toml"
    lines = path.read_text(encoding="utf-8").splitlines()
    for key, value in changes:
        for i, line in enumerate(lines):
            if line.startswith(f"{key} = "):
                lines[i] = f"{key} = {toml_value(value)}"
                break
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return styles


def _ends_well(fn) -> None:
    try:
        fn()
        event("success")
    except BriefError as exc:
        event(f"BriefError: {str(exc.path).rsplit('/', 1)[-1]}: {exc.message[:50]}")
        assert exc.path is not None, f"a BriefError without a file: {exc}"
        # the standards are ours to meet whatever the text: the independent validator never
        # refuses an edition (house rules, such as a type size the style sets too small, may)
        assert "fails preflight: validator." not in exc.message, f"an edition we wrote fails its standard: {exc}"
        # one line, or (missing front-matter fields, listed together) one line per problem, each naming the file
        assert all(str(exc.path) in ln for ln in str(exc).splitlines()), f"not one line: {exc!r}"


QUICK = settings(max_examples=250, deadline=None, suppress_health_check=list(HealthCheck), database=None,
                 derandomize=True)
BUILDS = settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck), database=None,
                 derandomize=True)


@QUICK
@given(front=front_matter(), blocks=bodies(8),
       figure=st.one_of(st.none(), st.composite(chart_spec)(), st.composite(map_spec)()))
def test_reading_any_brief_ends_in_a_model_or_a_brief_error(front, blocks, figure):
    """The source stage alone (front matter, body, figure specs) on many inputs."""
    with tempfile.TemporaryDirectory() as tmp:
        brief = write_brief(Path(tmp), front, blocks, figure)

        def read():
            load_brief(brief)
            if figure is not None:
                load_figure(brief / "figures" / "c1.toml", load_resolver(brief)[0], brief)

        _ends_well(read)


@BUILDS
@given(front=front_matter(), blocks=bodies(6),
       chart=st.one_of(st.none(), st.composite(chart_spec)()),
       style=st.lists(st.tuples(st.sampled_from(STYLE_KEYS),
                                st.one_of(st.floats(-50, 80), st.floats(allow_nan=True, allow_infinity=True),
                                          st.integers(-3, 5), TEXT)), max_size=2))
def test_building_any_brief_ends_in_editions_or_a_brief_error(front, blocks, chart, style):
    """The whole build (screen edition, charts rendered) with house-style values changed."""
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        if chart is not None:
            blocks = [*blocks, "![](figure:c1)"]
        brief = write_brief(root, front, blocks, chart)
        styles = write_styles(root, style)
        _ends_well(lambda: build(brief, root / "dist", ["screen"], styles_dir=styles))
        if chart is not None and (root / "dist").is_dir():
            event("a chart was drawn")


def test_toml_writer_round_trips():
    """The generator's TOML is what it means (so the property tests test what they say)."""
    import tomllib

    data = {"a": "x\"y\n", "b": [1, 2.5], "c": True, "extent": {"bbox": [1, 2, 3, 4]},
            "group": [{"name": "n", "bar": [{"value": 1}]}]}
    assert tomllib.loads(toml_table(data)) == data
    assert set(CHART.fields) >= {"group", "scale"} and set(MAP.fields) >= {"extent", "layer"}
