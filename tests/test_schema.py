"""[architecture]: one TOML loader that knows the line of every key, a schema that owns every
input's keys (errors carry the key path they concern, and name its line), and the style's
page size reaching the preflight."""

from __future__ import annotations

import json
import re
import shutil
import tomllib

import pikepdf
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from conftest import ROOT, SAMPLE, run_brief
from geodata.tomlsrc import key_lines

TOML_FILES = sorted(p for folder in ("briefs", "tests/briefs", "styles", "geodata")
                    for p in (ROOT / folder).rglob("*.toml"))


def _paths(value, keys=()):
    """Every key path of parsed TOML: table keys and array entries, at every depth."""
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, item in items:
        yield keys + (key,)
        yield from _paths(item, keys + (key,))


def _front_matter(path):
    text = path.read_text(encoding="utf-8")
    return text.split("+++\n")[1]


@pytest.mark.parametrize("path", TOML_FILES + sorted(ROOT.glob("**/briefs/*/brief.md")),
                         ids=lambda p: str(p.relative_to(ROOT)))
def test_every_key_of_every_input_has_its_line(path):
    text = _front_matter(path) if path.suffix == ".md" else path.read_text(encoding="utf-8")
    lines, written = key_lines(text), text.splitlines()
    paths = set(_paths(tomllib.loads(text)))
    assert set(lines) == paths
    for keys in paths:
        name = keys[-1]
        if isinstance(name, str):  # the line writes the key (bare, quoted, or as a table header)
            assert name in written[lines[keys] - 1], (keys, lines[keys])


KEY = st.one_of(st.sampled_from(["a", "b-c", "d_1", "2"]),
                st.text(alphabet="xy .[]=#\"'", min_size=1, max_size=6))
STRING = st.text(alphabet="ab \n[]{}=#\"'\\,", max_size=12)


def _string(value: str) -> str:
    """A TOML string of ``value`` in one of its four forms, where that form can hold it."""
    if "\n" in value and "'''" not in value and not value.endswith("'"):
        return f"'''{value}'''"
    if "\n" not in value and "'" not in value:
        return f"'{value}'"
    return json.dumps(value)


def _value(data) -> str:
    if isinstance(data, dict):
        return "{ " + ", ".join(f"{json.dumps(k)} = {_value(v)}" for k, v in data.items()) + " }"
    if isinstance(data, list):
        return "[\n  " + ",  # a comment ]\n  ".join(_value(v) for v in data) + ",\n]" if data else "[]"
    return _string(data) if isinstance(data, str) else json.dumps(data)


VALUES = st.recursive(st.one_of(STRING, st.integers(), st.booleans()),
                      lambda inner: st.one_of(st.lists(inner, max_size=3),
                                              st.dictionaries(KEY, inner, max_size=2)), max_leaves=5)


@settings(max_examples=300, deadline=None, derandomize=True, database=None, suppress_health_check=list(HealthCheck))
@given(top=st.dictionaries(KEY, VALUES, max_size=4),
       tables=st.lists(st.dictionaries(KEY, VALUES, max_size=3), max_size=3))
def test_the_line_map_holds_every_key_of_any_toml(top, tables):
    """Keys that need quotes, strings that hold brackets, '=', '#' and line breaks, arrays
    over several lines with comments, inline tables, and [[arrays of tables]]."""
    text = "".join(f"{json.dumps(k)} = {_value(v)}  # {k!r}\n" for k, v in top.items())
    for table in tables:
        text += "\n[[entry]]\n" + "".join(f"{json.dumps(k)} = {_value(v)}\n" for k, v in table.items())
    data = tomllib.loads(text)
    assert set(key_lines(text)) == set(_paths(data))
    for i, table in enumerate(tables):
        header = [n for n, line in enumerate(text.splitlines(), 1) if line == "[[entry]]"][i]
        assert key_lines(text)[("entry", i)] == header


# --- errors carry the key path they concern ----------------------------------------------------

def _build(brief, tmp_path, *extra):
    return run_brief("build", brief, "--out", tmp_path / "dist", "--variant", "screen", "-q", *extra,
                     env={"BRIEF_CACHE": str(tmp_path / "cache"), "PATH": "/usr/bin:/bin"})


def _line(path, needle, start=1):
    return next(i for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
                if i >= start and needle in line)


POLLS = (SAMPLE / "figures" / "polls.toml").read_text(encoding="utf-8")


def _with_chart(brief, chart: str):
    """The brief with ``chart`` as its figure "polls"; the spec's path."""
    (brief / "figures").mkdir()
    spec = brief / "figures" / "polls.toml"
    spec.write_text(chart, encoding="utf-8")
    md = brief / "brief.md"
    md.write_text(md.read_text(encoding="utf-8").replace("## A first heading", "![](figure:polls)\n\n## A first heading"),
                  encoding="utf-8")
    return spec


def test_an_unknown_key_in_an_entry_is_named_by_its_path_on_its_line(brief_copy, tmp_path):
    second = [m.start() for m in re.finditer(r"^\[\[group\.bar\]\]$", POLLS, re.M)][1]
    spec = _with_chart(brief_copy, POLLS[:second] + "[[group.bar]]\ncolour = \"red\"" + POLLS[second + len("[[group.bar]]"):])
    proc = _build(brief_copy, tmp_path)
    assert proc.returncode == 1
    assert proc.stderr.strip() == (f"error: {spec}:{_line(spec, 'colour = ')}: unknown key 'group[1].bar[2].colour' "
                                   "(known: label, value, role, display)"), proc.stderr


def test_what_the_figure_engine_finds_wrong_names_the_line_of_its_key(brief_copy, tmp_path):
    """A bar label no font can set: the line of that label, not of the first word of the
    message the spec happens to hold ("chart")."""
    label = re.findall(r'^label = "(.*)"$', POLLS, re.M)[1]
    spec = _with_chart(brief_copy, POLLS.replace(f'label = "{label}"', f'label = "{label} \U0001F600"', 1))
    proc = _build(brief_copy, tmp_path)
    assert proc.returncode == 1
    assert proc.stderr.startswith(f"error: {spec}:{_line(spec, chr(0x1F600))}: chart label: no font has a glyph "
                                  "for '\U0001F600' (U+1F600)"), proc.stderr


def test_the_keys_a_style_table_lacks_are_listed_together(brief_copy, tmp_path):
    styles = tmp_path / "styles"
    shutil.copytree(ROOT / "styles", styles)
    house = styles / "house.toml"
    text = re.sub(r"^(gutter|footer_offset) = .*\n", "", house.read_text(encoding="utf-8"), flags=re.M)
    house.write_text(text, encoding="utf-8")
    proc = _build(brief_copy, tmp_path, "--styles", styles)
    assert proc.returncode == 1
    page = _line(house, "[page]")
    assert proc.stderr.removeprefix("error: ").strip().splitlines() == [
        f"{house}:{page}: 'page' lacks 'gutter' (2 problems, all listed here)",
        f"{house}:{page}: 'page' lacks 'footer_offset'"], proc.stderr


# --- the style's page size reaches the preflight ---------------------------------------------------

def test_a_letter_style_builds_all_three_editions_that_pass_their_own_preflight(tmp_path):
    styles = tmp_path / "styles"
    shutil.copytree(ROOT / "styles", styles)
    house = styles / "house.toml"
    house.write_text(re.sub(r'^size = "A4"', 'size = "Letter"', house.read_text(encoding="utf-8"), count=1,
                            flags=re.M), encoding="utf-8")
    proc = run_brief("build", SAMPLE, "--out", tmp_path / "dist", "--styles", styles, "-q")
    assert proc.returncode == 0, proc.stderr
    folder = tmp_path / "dist" / SAMPLE.name
    letter = (612.0, 792.0)  # 8.5 x 11 in
    for variant, box in (("print", "/TrimBox"), ("screen", "/MediaBox"), ("archive", "/MediaBox")):
        path = folder / f"{SAMPLE.name}-{variant}.pdf"
        with pikepdf.open(path) as pdf:
            for page in pdf.pages:
                x0, y0, x1, y1 = (float(v) for v in page.obj[box])
                assert (round(x1 - x0, 1), round(y1 - y0, 1)) == letter, (variant, page.obj[box])
        assert run_brief("check", path, "--profile", variant, "--page-size", "Letter").returncode == 0
        as_a4 = run_brief("check", path, "--profile", variant)
        assert as_a4.returncode == 1 and "is not A4" in as_a4.stdout, as_a4.stdout
    added = run_brief("archive", "add", folder, "--archive", tmp_path / "archive")
    assert added.returncode == 0, added.stderr
