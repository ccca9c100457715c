"""House styles: ``styles/<name>.toml`` → :class:`Style`.

A designer edits the TOML; :data:`report.schema.STYLE` checks every key (unknown keys are
errors, with the line) and this module converts what passed: it resolves font files
(``pkg:PACKAGE/path`` for fonts installed by pip), checks that what a role names exists (a
font family, a colour role) and holds the colour palette: one CMYK value per role with an
RGB twin. It imports nothing from ReportLab, so a figure renderer or a finisher can read
the palette without the layout engine.
"""

from __future__ import annotations

import importlib.util
import re
from dataclasses import dataclass, field
from pathlib import Path

from . import schema
from .errors import BriefError
from .schema import FACES, PAGE_SIZES

STYLES_DIR = Path(__file__).resolve().parent.parent / "styles"
MM = 72 / 25.4  # points per millimetre
BLEED = 3 * MM  # the print edition's bleed around the trimmed page, points
MIN_MEASURE_MM = 30.0  # the narrowest column the page may leave
ROLE_COLOUR_KEYS = ("fill", "edge", "hatch_colour", "colour")
# Registration on press (the print preflight's colour.registration, colour.overprint and
# colour.reversed hold the print edition to them): type under SMALL_TYPE_PT on at most two
# plates, under FINE_TYPE_PT on one; lines under THIN_LINE_PT on at most two; white type
# reversed out of inks at least REVERSED_MIN_PT.
SMALL_TYPE_PT = 12.0
FINE_TYPE_PT = 8.0
THIN_LINE_PT = 0.5
REVERSED_MIN_PT = 8.0


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

    @property
    def full(self) -> float:
        """The measure across all columns, mm."""
        return self.width - self.margin_inner - self.margin_outer

    @property
    def column(self) -> float:
        """The measure of one column, mm."""
        return (self.full - self.gutter * (self.columns - 1)) / self.columns

    @property
    def points(self) -> tuple[float, float]:
        """The trimmed page, width and height in points."""
        return self.width * MM, self.height * MM


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
    # (character, left, right) in thousandths of the glyph's width; None: microtype's defaults
    protrusion_factors: tuple[tuple[str, int, int], ...] | None = None


@dataclass(frozen=True)
class CorrectionStyle:
    """Where a corrected edition's notice stands (``[correction]``): ``title`` under the title
    block or ``end`` after the notes and sources, set in the text role ``role``."""

    place: str = "title"
    role: str = "caption"


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
    correction: CorrectionStyle = field(default_factory=CorrectionStyle)

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
    doc = schema.read(path, "malformed style")
    schema.check(doc, schema.STYLE, path)
    data = doc.data

    def fail(msg: str, *keys) -> BriefError:
        return BriefError(msg, path, doc.line(*keys))

    page = _page(data["page"], fail)
    fonts = _fonts(data["fonts"], path, fail)
    colours = {role: Colour(role, tuple(float(v) for v in c["cmyk"]), tuple(int(c["rgb"][i:i + 2], 16) for i in (1, 3, 5)))
               for role, c in data["colours"].items()}
    text_styles = {role: _text_style(role, spec, fonts, colours, fail) for role, spec in data["text"].items()}
    figure = _figure(data["figure"], fonts, colours, path, fail) if "figure" in data else None
    composition = _composition(data.get("composition", {}), fail)
    return Style(name=name, path=path, page=page, fonts=fonts, colours=colours, text=text_styles,
                 labels=dict(data["labels"]), figure=figure, composition=composition,
                 correction=CorrectionStyle(**data.get("correction", {})))


def _composition(spec: dict, fail) -> Composition:
    values = _floats({k: v for k, v in spec.items() if k != "protrusion_factors"},
                     schema.STYLE.fields["composition"])
    factors = spec.get("protrusion_factors")
    if factors is not None:
        for ch in factors:
            if len(ch) != 1:
                raise fail(f"composition.protrusion_factors: '{ch}' must be one character",
                           "composition", "protrusion_factors", ch)
        values["protrusion_factors"] = tuple(sorted((ch, int(lr[0]), int(lr[1])) for ch, lr in factors.items()))
    return Composition(**values)


def _floats(values: dict, table: schema.Table) -> dict:
    """``values`` with every number the schema takes as a length or size made a float."""
    return {k: float(v) if isinstance(table.fields.get(k, table.other), schema.Num)
            and not table.fields.get(k, table.other).whole else v for k, v in values.items()}


def _figure(spec: dict, fonts: dict, colours: dict, path: Path, fail) -> FigureStyle:
    values = _floats(spec, schema.STYLE.fields["figure"])
    if values["font"] not in fonts:
        raise fail(f"figure.font must name a family in [fonts] ({', '.join(fonts)})", "figure", "font")
    cjk = None
    if "cjk_font" in values:
        cjk = _resolve_font(values["cjk_font"], path.parent)
        if not cjk.is_file():
            raise fail(f"figure.cjk_font does not exist: {values['cjk_font']}", "figure", "cjk_font")
    roles = {}
    for role, props in values.get("roles", {}).items():
        needle = f"[figure.roles.{role}]"
        for key in ROLE_COLOUR_KEYS:
            if props.get(key, "none") != "none" and props[key] not in colours:
                raise fail(f"{needle} {key}: unknown colour role '{props[key]}' (known: {', '.join(colours)})",
                           "figure", "roles", role, key)
        roles[role] = _floats(props, schema.STYLE.fields["figure"].fields["roles"].other)
    _smaller_roles(roles, fail)
    return FigureStyle(font=values["font"], cjk_font=cjk, simplify_mm=values.get("simplify_mm", 0.1),
                       frame_width=values.get("frame_width", 0.5), margin=values.get("margin", 3.5),
                       roles=roles)


def _smaller_roles(roles: dict[str, dict], fail) -> None:
    """A text role's ``smaller`` (the type class a label tries before it is dropped) names
    another role that sets text, and following them never comes back to a role."""
    for role, props in roles.items():
        seen, at = [role], props
        while "smaller" in at:
            nxt = at["smaller"]
            needle = f"[figure.roles.{seen[-1]}]"
            if nxt not in roles or "colour" not in roles[nxt]:
                raise fail(f"{needle} smaller: '{nxt}' is not a text role of [figure.roles]",
                           "figure", "roles", seen[-1], "smaller")
            if nxt in seen:
                raise fail(f"{needle} smaller: '{nxt}' leads back to itself ({' → '.join(seen + [nxt])})",
                           "figure", "roles", seen[-1], "smaller")
            seen.append(nxt)
            at = roles[nxt]
def _page(spec: dict, fail) -> Page:
    width, height = PAGE_SIZES[spec["size"]]
    page = Page(width=width, height=height, **_floats(spec, schema.STYLE.fields["page"]))
    if page.column < MIN_MEASURE_MM or height - page.margin_top - page.margin_bottom < 100:
        raise fail(f"the margins and gutter leave a column {page.column:.0f} mm wide and "
                   f"{height - page.margin_top - page.margin_bottom:.0f} mm tall; it must be at least "
                   f"{MIN_MEASURE_MM:g} mm wide and 100 mm tall", "page")
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
        fonts[family] = {}
        for face in FACES:
            ref = faces.get(face, faces["regular"])
            file = _resolve_font(ref, path.parent)
            where = ("fonts", family, face if face in faces else "regular")
            if not file.is_file() or file.suffix.lower() != ".ttf":
                raise fail(f"font file for {family} {face} does not exist or is not a .ttf: {ref}", *where)
            with file.open("rb") as fh:
                magic = fh.read(4)
            if magic not in (b"\x00\x01\x00\x00", b"true"):
                raise fail(f"font file for {family} {face} is not a TrueType font: {ref}", *where)
            fonts[family][face] = file
    return fonts


def _text_style(role: str, spec: dict, fonts: dict, colours: dict, fail) -> TextStyle:
    if spec["font"] not in fonts:
        raise fail(f"text.{role}: font must name a family in [fonts] ({', '.join(fonts)})", "text", role, "font")
    if spec.get("colour", "text") not in colours:
        raise fail(f"text.{role}: unknown colour role '{spec['colour']}' (known: {', '.join(colours)})",
                   "text", role, "colour")
    return TextStyle(role=role, **_floats(spec, schema.STYLE.fields["text"].fields[role]))
