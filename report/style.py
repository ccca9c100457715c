"""House styles: ``styles/<name>.toml`` → :class:`Style`.

A designer edits the TOML; this module validates every key (unknown keys are
errors, with the line), resolves font files (``pkg:PACKAGE/path`` for fonts
installed by pip) and holds the colour palette: one CMYK value per role with an
RGB twin. It imports nothing from ReportLab, so a figure renderer or a finisher
can read the palette without the layout engine.
"""

from __future__ import annotations

import importlib.util
import math
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from .errors import BriefError, line_of

STYLES_DIR = Path(__file__).resolve().parent.parent / "styles"
MM = 72 / 25.4
PAGE_SIZES = {"A4": (210.0, 297.0), "Letter": (215.9, 279.4)}
FACES = ("regular", "italic", "bold", "bolditalic")

PAGE_KEYS = {"size": str, "margin_top": float, "margin_bottom": float, "margin_inner": float,
             "margin_outer": float, "columns": int, "gutter": float, "footer_offset": float,
             "title_rule": float, "column_rule": float}
TEXT_KEYS = {"font": str, "style": str, "size": float, "leading": float, "colour": str,
             "align": str, "first_line_indent": float, "indent": float, "space_before": float,
             "space_after": float, "transform": str, "hyphenate": bool,
             "rule": float}
TEXT_ROLES = ("kicker", "title", "standfirst", "author", "author_role", "body", "heading",
              "pullquote", "list_item", "notes_heading", "note", "caption", "footer")
ALIGNS = ("left", "right", "centre", "justify")
TRANSFORMS = ("none", "uppercase")
LABELS = ("notes", "sources", "map", "figure", "page")
FIGURE_KEYS = {"font": str, "cjk_font": str, "simplify_mm": float, "frame_width": float, "margin": float,
               "roles": dict}
ROLE_KEYS = {"fill": str, "edge": str, "width": float, "dash": list, "hatch": str, "hatch_colour": str,
             "colour": str, "size": float, "weight": str, "style": str,
             "knockout": bool, "tracking": float, "divides": bool}
ROLE_COLOUR_KEYS = ("fill", "edge", "hatch_colour", "colour")
COMPOSITION_KEYS = {"pretolerance": float, "tolerance": float, "hyphen_penalty": float, "double_hyphen_demerits": float,
                    "max_hyphens": int, "hyphenate_capitals": bool,
                    "space_stretch": float, "space_shrink": float, "expansion": float, "protrusion": bool}
# every length is finite and at least 0: these have a narrower range (pt or mm, as the key says)
RANGES = {"size": (0.5, 144.0), "leading": (1.0, 200.0), "simplify_mm": (0.0, 5.0), "width": (0.0, 20.0),
          "frame_width": (0.0, 5.0), "title_rule": (0.0, 20.0), "column_rule": (0.0, 20.0), "rule": (0.0, 20.0),
          "tolerance": (1.0, 10000.0), "pretolerance": (-1.0, 10000.0), "hyphen_penalty": (0.0, 10000.0), "double_hyphen_demerits": (0.0, 1e7), "space_stretch": (0.0, 2.0),
          "space_shrink": (0.0, 0.9), "expansion": (0.0, 5.0)}
MIN_MEASURE_MM = 30.0  # the narrowest column the page may leave
_HEX = re.compile(r"^#[0-9a-fA-F]{6}$")


@dataclass(frozen=True)
class Colour:
    role: str
    cmyk: tuple[float, float, float, float]  # percent, 0..100
    rgb: tuple[int, int, int]

    @property
    def hex(self) -> str:
        return "#%02x%02x%02x" % self.rgb


@dataclass(frozen=True)
class TextStyle:
    role: str
    font: str  # family name, a key of Style.fonts
    style: str = "regular"  # regular | italic | bold | bolditalic
    size: float = 10.0
    leading: float = 12.0
    colour: str = "text"
    align: str = "left"
    first_line_indent: float = 0.0  # mm
    indent: float = 0.0  # mm
    space_before: float = 0.0  # pt
    space_after: float = 0.0  # pt
    transform: str = "none"
    hyphenate: bool = False
    rule: float = 0.0  # pt


@dataclass(frozen=True)
class Page:
    size: str
    width: float  # mm
    height: float  # mm
    margin_top: float
    margin_bottom: float
    margin_inner: float
    margin_outer: float
    columns: int
    gutter: float
    footer_offset: float
    title_rule: float
    column_rule: float


@dataclass(frozen=True)
class FigureStyle:
    """How maps and charts look: one font family, drawing roles, print resolution."""

    font: str  # a family of Style.fonts
    cjk_font: Path | None
    simplify_mm: float
    frame_width: float
    margin: float  # mm
    roles: dict[str, dict]  # role -> {fill, edge, width, dash, hatch, hatch_colour, colour, size, ...}


@dataclass(frozen=True)
class Composition:
    """How justified paragraphs are broken into lines and set (``[composition]``): see
    :mod:`report.composer`. Defaults are TeX's, with microtype's expansion and protrusion."""

    pretolerance: float = 100.0      # the largest badness of a line set without hyphenation (-1: none)
    tolerance: float = 200.0         # the largest badness of a line with hyphenation
    hyphen_penalty: float = 50.0     # the cost of breaking at a hyphenation point
    double_hyphen_demerits: float = 10_000.0  # the cost of two hyphenated lines in a row
    max_hyphens: int = 2             # consecutive lines that may end in a hyphen
    hyphenate_capitals: bool = False  # break words that start with a capital (names)
    space_stretch: float = 0.5       # how far a space may stretch, in spaces
    space_shrink: float = 1 / 3      # how far a space may shrink, in spaces
    expansion: float = 2.0           # per cent a line's glyphs may widen or narrow
    protrusion: bool = True          # hyphens, punctuation and quotes hang into the margins


@dataclass(frozen=True)
class Style:
    name: str
    path: Path
    page: Page
    fonts: dict[str, dict[str, Path]]  # family -> face -> TTF file
    colours: dict[str, Colour]
    text: dict[str, TextStyle] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)
    figure: "FigureStyle | None" = None
    composition: Composition = field(default_factory=Composition)

    def colour(self, role: str) -> Colour:
        try:
            return self.colours[role]
        except KeyError:
            raise KeyError(f"no colour role '{role}' in style {self.name}") from None

    def font_files(self) -> list[Path]:
        return sorted({p for faces in self.fonts.values() for p in faces.values()})


def style_path(name: str, styles_dir: Path = STYLES_DIR) -> Path:
    return styles_dir / f"{name}.toml"


def load_style(name: str, styles_dir: Path = STYLES_DIR, *, referrer: Path | None = None,
               referrer_line: int | None = None) -> Style:
    """Load and validate a house style by name."""
    path = style_path(name, styles_dir)
    if not re.match(r"^[A-Za-z0-9_-]+$", name) or not path.is_file():
        known = sorted(p.stem for p in styles_dir.glob("*.toml"))
        raise BriefError(f"unknown style '{name}' (available: {', '.join(known) or 'none'})",
                         referrer, referrer_line)
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
        data = tomllib.loads(text)
    except UnicodeDecodeError:
        raise BriefError("style file is not UTF-8", path) from None
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"line (\d+)", str(exc))
        raise BriefError(f"malformed style: {exc}", path, int(m.group(1)) if m else None) from None

    def fail(msg: str, needle: str) -> BriefError:
        return BriefError(msg, path, line_of(text, needle))

    _only(data, {"page", "fonts", "colours", "text", "labels", "figure", "composition"}, "", fail)
    labels = data.get("labels", {})
    _only(labels, set(LABELS), "labels.", fail)
    if missing := [k for k in LABELS if not isinstance(labels.get(k), str)]:
        raise BriefError(f"[labels] lacks {', '.join(missing)}", path)
    page = _page(data.get("page", {}), fail)
    fonts = _fonts(data.get("fonts", {}), path, fail)
    colours = _colours(data.get("colours", {}), fail)
    text_styles = {}
    for role, spec in data.get("text", {}).items():
        if role not in TEXT_ROLES:
            raise fail(f"unknown text role '{role}' (known: {', '.join(TEXT_ROLES)})", f"[text.{role}]")
        text_styles[role] = _text_style(role, spec, fonts, colours, fail)
    missing = [r for r in TEXT_ROLES if r not in text_styles]
    if missing:
        raise BriefError(f"style lacks text roles: {', '.join(missing)}", path)
    for role in ("text", "paper"):
        if role not in colours:
            raise BriefError(f"style lacks the colour role '{role}'", path)
    figure = _figure(data["figure"], fonts, colours, path, fail) if "figure" in data else None
    composition = _composition(data.get("composition", {}), fail)
    return Style(name=name, path=path, page=page, fonts=fonts, colours=colours, text=text_styles,
                 labels=dict(labels), figure=figure, composition=composition)


def _composition(spec: dict, fail) -> Composition:
    if not isinstance(spec, dict):
        raise fail("[composition] must be a table", "[composition]")
    _only(spec, set(COMPOSITION_KEYS), "composition.", fail)
    values = {k: _typed(k, v, COMPOSITION_KEYS[k], fail, k) for k, v in spec.items()}
    if not 1 <= values.get("max_hyphens", 2) <= 10:
        raise fail(f"'max_hyphens' must be a number from 1 to 10, not {values['max_hyphens']!r}", "max_hyphens")
    return Composition(**values)


def _figure(spec: dict, fonts: dict, colours: dict, path: Path, fail) -> FigureStyle:
    _only(spec, set(FIGURE_KEYS), "figure.", fail)
    values = {k: _typed(k, v, FIGURE_KEYS[k], fail, k) for k, v in spec.items()}
    if values.get("font") not in fonts:
        raise fail(f"figure.font must name a family in [fonts] ({', '.join(fonts)})", "[figure]")
    cjk = None
    if "cjk_font" in values:
        cjk = _resolve_font(values["cjk_font"], path.parent)
        if not cjk.is_file():
            raise fail(f"figure.cjk_font does not exist: {values['cjk_font']}", "cjk_font")
    roles = {}
    for role, props in values.get("roles", {}).items():
        needle = f"[figure.roles.{role}]"
        if not isinstance(props, dict):
            raise fail(f"{needle} must be a table", needle)
        for key, value in props.items():
            if key not in ROLE_KEYS:
                raise fail(f"unknown key '{key}' in {needle} (known: {', '.join(ROLE_KEYS)})", needle)
            props[key] = _typed(key, value, ROLE_KEYS[key], fail, needle)
            if key in ROLE_COLOUR_KEYS and value != "none" and value not in colours:
                raise fail(f"{needle} {key}: unknown colour role '{value}' (known: {', '.join(colours)})", needle)
        roles[role] = props
    return FigureStyle(font=values["font"], cjk_font=cjk, simplify_mm=values.get("simplify_mm", 0.1),
                       frame_width=values.get("frame_width", 0.5), margin=values.get("margin", 3.5),
                       roles=roles)


def _only(table: dict, allowed: set[str], prefix: str, fail) -> None:
    for key in table:
        if key not in allowed:
            raise fail(f"unknown key '{prefix}{key}' (known: {', '.join(sorted(allowed))})", key)


def _typed(key: str, value, kind, fail, needle: str):
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise fail(f"'{key}' must be {kind.__name__}, not {value!r}", needle)
    if kind is float:
        lo, hi = RANGES.get(key, (0.0, 1000.0))
        if not (math.isfinite(value) and lo <= value <= hi):
            raise fail(f"'{key}' must be a number from {lo:g} to {hi:g}, not {value!r}", needle)
    return value


def _page(spec: dict, fail) -> Page:
    _only(spec, set(PAGE_KEYS), "page.", fail)
    missing = [k for k in PAGE_KEYS if k not in spec]
    if missing:
        raise fail(f"[page] lacks {', '.join(missing)}", "[page]")
    values = {k: _typed(k, spec[k], kind, fail, k) for k, kind in PAGE_KEYS.items()}
    if values["size"] not in PAGE_SIZES:
        raise fail(f"page size '{values['size']}' is not one of {', '.join(PAGE_SIZES)}", "size")
    if values["columns"] not in (1, 2, 3):
        raise fail("columns must be 1, 2 or 3", "columns")
    width, height = PAGE_SIZES[values["size"]]
    page = Page(width=width, height=height, **values)
    column = (width - page.margin_inner - page.margin_outer - page.gutter * (page.columns - 1)) / page.columns
    if column < MIN_MEASURE_MM or height - page.margin_top - page.margin_bottom < 100:
        raise fail(f"the margins and gutter leave a column {column:.0f} mm wide and "
                   f"{height - page.margin_top - page.margin_bottom:.0f} mm tall; it must be at least "
                   f"{MIN_MEASURE_MM:g} mm wide and 100 mm tall", "[page]")
    return page


def _resolve_font(ref: str, base: Path) -> Path:
    if ref.startswith("pkg:"):
        package, _, rel = ref[4:].partition("/")
        spec = importlib.util.find_spec(package) if re.match(r"^[A-Za-z_][\w.]*$", package) else None
        if spec is None or not spec.submodule_search_locations:
            return Path(ref)  # reported as missing below
        return Path(list(spec.submodule_search_locations)[0]) / rel
    return (base / ref).resolve()


def _fonts(spec: dict, path: Path, fail) -> dict[str, dict[str, Path]]:
    fonts: dict[str, dict[str, Path]] = {}
    for family, faces in spec.items():
        if not isinstance(faces, dict):
            raise fail(f"[fonts.{family}] must be a table of faces", f"[fonts.{family}]")
        _only(faces, set(FACES), f"fonts.{family}.", fail)
        if "regular" not in faces:
            raise fail(f"font family '{family}' needs a regular face", f"[fonts.{family}]")
        fonts[family] = {}
        for face in FACES:
            ref = faces.get(face, faces["regular"])
            file = _resolve_font(str(ref), path.parent)
            needle = f'{face} = "{ref}"' if face in faces else "regular"
            if not file.is_file() or file.suffix.lower() != ".ttf":
                raise fail(f"font file for {family} {face} does not exist or is not a .ttf: {ref}", needle)
            with file.open("rb") as fh:
                magic = fh.read(4)
            if magic not in (b"\x00\x01\x00\x00", b"true"):
                raise fail(f"font file for {family} {face} is not a TrueType font: {ref}", needle)
            fonts[family][face] = file
    if not fonts:
        raise BriefError("style defines no fonts", path)
    return fonts


def _colours(spec: dict, fail) -> dict[str, Colour]:
    colours = {}
    for role, value in spec.items():
        if not isinstance(value, dict) or set(value) != {"cmyk", "rgb"}:
            raise fail(f"colour '{role}' needs exactly cmyk = [c, m, y, k] and rgb = \"#rrggbb\"", role)
        cmyk = value["cmyk"]
        if (not isinstance(cmyk, list) or len(cmyk) != 4
                or not all(isinstance(v, (int, float)) and 0 <= v <= 100 for v in cmyk)):
            raise fail(f"colour '{role}': cmyk must be four percentages 0..100", role)
        if sum(cmyk) > 300:
            raise fail(f"colour '{role}': total ink {sum(cmyk)} % exceeds 300 %", role)
        if not isinstance(value["rgb"], str) or not _HEX.match(value["rgb"]):
            raise fail(f"colour '{role}': rgb must be '#rrggbb'", role)
        h = value["rgb"]
        colours[role] = Colour(role, tuple(float(v) for v in cmyk),
                               (int(h[1:3], 16), int(h[3:5], 16), int(h[5:7], 16)))
    return colours


def _text_style(role: str, spec: dict, fonts: dict, colours: dict, fail) -> TextStyle:
    if not isinstance(spec, dict):
        raise fail(f"[text.{role}] must be a table", f"[text.{role}]")
    _only(spec, set(TEXT_KEYS), f"text.{role}.", fail)
    values = {k: _typed(k, v, TEXT_KEYS[k], fail, k) for k, v in spec.items()}
    if "font" not in values or values["font"] not in fonts:
        raise fail(f"text.{role}: font must name a family in [fonts] ({', '.join(fonts)})", f"[text.{role}]")
    if values.get("style", "regular") not in FACES:
        raise fail(f"text.{role}: style must be one of {', '.join(FACES)}", f"[text.{role}]")
    if values.get("colour", "text") not in colours:
        raise fail(f"text.{role}: unknown colour role '{values['colour']}' (known: {', '.join(colours)})",
                   f"[text.{role}]")
    if values.get("align", "left") not in ALIGNS:
        raise fail(f"text.{role}: align must be one of {', '.join(ALIGNS)}", f"[text.{role}]")
    if values.get("transform", "none") not in TRANSFORMS:
        raise fail(f"text.{role}: transform must be one of {', '.join(TRANSFORMS)}", f"[text.{role}]")
    return TextStyle(role=role, **values)
