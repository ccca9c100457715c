"""The look of a figure as plain data (fonts, palette, drawing roles), and the one place
that configures matplotlib from it. Maps and charts receive a :class:`Look`; they never
see the house-style file or pick a colour of their own."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

MM_PER_IN = 25.4
PT_PER_MM = 72 / 25.4


class FigureError(ValueError):
    """A figure cannot be drawn as specified (unknown role, missing glyph, no room for a label);
    ``key`` is the key path in the spec of what it concerns (``("label", 2, "place")``)."""

    def __init__(self, message: str, key: tuple = ()):
        super().__init__(message)
        self.key = tuple(key)


class ProjectionError(FigureError):
    """The spec's ``projection`` cannot draw the map."""

    def __init__(self, message: str, key: tuple = ("projection",)):
        super().__init__(message, key)


@dataclass(frozen=True)
class Look:
    fonts: dict[str, Path]  # face (regular/italic/bold/bolditalic) -> TTF
    colours: dict[str, str]  # palette role -> "#rrggbb"
    roles: dict[str, dict]  # drawing role -> properties (colours named by palette role)
    cjk_font: Path | None = None
    simplify_mm: float = 0.1
    frame_width: float = 0.5
    margin_mm: float = 3.5
    paper: str = "paper"

    def colour(self, name: str | None) -> str:
        if name in (None, "none"):
            return "none"
        try:
            return self.colours[name]
        except KeyError:
            raise FigureError(f"unknown colour role '{name}'") from None

    def role(self, name: str) -> dict:
        try:
            return self.roles[name]
        except KeyError:
            close = difflib.get_close_matches(name, list(self.roles), n=3, cutoff=0)
            raise FigureError(f"unknown style role '{name}' (closest: {', '.join(close)})") from None

    def text_props(self, role: str) -> dict:
        """matplotlib text keyword arguments for a text role."""
        r = self.role(role)
        return {"fontsize": r.get("size", 7.0), "color": self.colour(r.get("colour", "text")),
                "fontweight": r.get("weight", "normal"), "fontstyle": r.get("style", "normal"),
                "family": family_names(self)}

    def line_props(self, role: str) -> dict:
        r = self.role(role)
        props = {"color": self.colour(r.get("edge", "text")), "linewidth": r.get("width", 0.5)}
        if "dash" in r:
            props["linestyle"] = (0, tuple(r["dash"]))
        return props


def family_names(look: Look) -> list[str]:
    names = [_family(look.fonts["regular"])]
    if look.cjk_font:
        names.append(_family(look.cjk_font))
    return names


@lru_cache(maxsize=None)
def _family(path: Path) -> str:
    from matplotlib import font_manager

    font_manager.fontManager.addfont(str(path))
    return font_manager.FontProperties(fname=str(path)).get_name()


@lru_cache(maxsize=None)
def _cmap(path: Path) -> frozenset[int]:
    from fontTools.ttLib import TTFont

    with TTFont(str(path), lazy=True) as font:
        return frozenset(font.getBestCmap())


def check_glyphs(text: str, look: Look, what: str, key: tuple = ()) -> None:
    """Every character of a figure text must be drawable by the figure font or the CJK face;
    ``key``: where the spec gives the text."""
    faces = [look.fonts["regular"]] + ([look.cjk_font] if look.cjk_font else [])
    missing = sorted({c for c in text if not c.isspace()
                      and not any(ord(c) in _cmap(f) for f in faces)})
    if missing:
        chars = ", ".join(f"'{c}' (U+{ord(c):04X})" for c in missing)
        hint = "" if look.cjk_font else " (set figure.cjk_font in the style for kanji)"
        raise FigureError(f"{what}: no font has a glyph for {chars}{hint}", key)


def setup_matplotlib(look: Look) -> None:
    """Configure matplotlib for print: embedded TrueType text, palette colours, no alpha,
    letter spacing (:mod:`geodata.shims.matplotlib`)."""
    import logging

    import matplotlib

    from .shims import matplotlib as shim

    shim.install()

    # the house faces are matched by weight; a CJK face without bold is expected
    logging.getLogger("matplotlib.font_manager").setLevel(logging.ERROR)
    matplotlib.use("pdf", force=True)
    for face in look.fonts.values():
        _family(face)
    families = family_names(look)
    text = look.colour("text")
    matplotlib.rcParams.update({
        "pdf.fonttype": 42,
        "pdf.compression": 6,
        "font.family": families,
        "font.size": 7,
        "text.color": text,
        "axes.edgecolor": text,
        "axes.labelcolor": text,
        "xtick.color": text,
        "ytick.color": text,
        "axes.linewidth": look.frame_width,
        "hatch.linewidth": 0.5,
        "lines.solid_capstyle": "butt",
        "lines.dash_capstyle": "butt",
        # drop vertices that deviate less than ~0.05 mm from the drawn line (print resolution)
        "path.simplify": True,
        "path.simplify_threshold": 0.15,
        "savefig.transparent": False,
        "figure.facecolor": look.colour(look.paper),
        "axes.facecolor": look.colour(look.paper),
        "svg.hashsalt": "brief",
        # figure text is text: "US$ 200 million versus US$ 10 billion" is not mathtext
        "text.usetex": False,
        "text.parse_math": False,
    })


def save_pdf(fig, path: Path) -> None:
    """Write the figure as a deterministic one-page vector PDF."""
    fig.savefig(path, format="pdf", metadata={"CreationDate": None, "ModDate": None,
                                               "Producer": None, "Creator": None})


@dataclass
class Report:
    """What a renderer measured on its own figure, in millimetres from the lower-left corner."""

    width_mm: float
    height_mm: float
    frame: tuple[float, float, float, float] | None = None  # x0, y0, x1, y1
    labels: list[dict] = field(default_factory=list)  # {"text", "box": [x0,y0,x1,y1], "kind"}
    boxes: list[dict] = field(default_factory=list)  # callouts, legend, inset, scale bar
    scalebar: dict | None = None
    north_arrow: dict | None = None
    crs: str | None = None
    view: tuple[float, float, float, float] | None = None  # projected x0, y0, x1, y1 of the frame
    warnings: list[tuple[str, tuple]] = field(default_factory=list)  # (message, key path in the spec it is about)
    dropped: list[str] = field(default_factory=list)  # what the labels that found no room name
    markers: list[str] = field(default_factory=list)  # places drawn with a dot
    graticule: list[dict] = field(default_factory=list)  # degree labels set: text, side, family, value, point
    georef: dict | None = None  # the frame's georeferencing (geodata/georef.py), for a GeoPDF viewport
