"""Fonts: register the style's TrueType faces with ReportLab as they are first used (once
per process, with :mod:`report.shims.reportlab` installed first), and answer which
characters a face can draw (so no tofu ever reaches a PDF)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from .errors import BriefError
from .shims import reportlab as shim


def font_name(path: Path) -> str:
    """The ReportLab name of a TTF file: its file stem (e.g. SourceSerifPro-Regular)."""
    return Path(path).stem


@lru_cache(maxsize=None)
def _register(path: Path) -> TTFont:
    shim.install()  # ReportLab's shaping and subset fixes, before the first face is used
    try:
        font = TTFont(font_name(path), str(path))
    except Exception as exc:  # ReportLab's TTFError, or struct/index errors of a damaged file
        raise BriefError(f"not a usable TrueType font: {exc}", path) from None
    shim.prefer_canonical_code_points(font)
    pdfmetrics.registerFont(font)
    return font


def face(path: Path) -> str:
    """Register one TTF face (once per process) and return its ReportLab name.

    Faces are registered when the layout first uses them, so a build parses only the font
    files its text needs; emphasis names its face explicitly instead of relying on
    ReportLab's <b>/<i> family mapping."""
    return _register(Path(path)).fontName


@lru_cache(maxsize=None)
def coverage(path: Path) -> frozenset[int]:
    """Code points the TTF file maps to a glyph."""
    return frozenset(_register(path).face.charToGlyph)


def string_width(text: str, path: Path, size: float) -> float:
    """Width in points of ``text`` set unshaped in the face at ``size``."""
    return pdfmetrics.stringWidth(text, face(path), size)


def missing_glyphs(text: str, path: Path) -> list[str]:
    """Characters of ``text`` (other than white space) that the face cannot draw."""
    cmap = coverage(path)
    return sorted({ch for ch in text if not ch.isspace() and ord(ch) not in cmap})
