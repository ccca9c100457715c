"""Stage 4, finishing: one small module per edition, registered in :data:`VARIANTS`.

A variant is a function plus its settings: the colour model the layout draws in,
the preflight profile its output must pass, and the finisher that turns the laid-out
PDF into the edition (metadata, boxes, output intents, attachments).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from . import pdfa, pdfx, screen
from .common import FinishInput


@dataclass(frozen=True)
class Variant:
    name: str
    colour: str  # the colour model layout draws in: "rgb" | "cmyk". Print uses the RGB layout:
    # its finisher maps every colour to the palette's exact CMYK, so the page is typeset once.
    profile: str  # preflight profile the output must pass
    finish: Callable[[FinishInput], bytes]
    # the figure PDF as this edition stamps it (print: its palette-CMYK copy)
    figure_pdf: Callable[[object, object], Path] = lambda fig, style: fig.pdf


VARIANTS: dict[str, Variant] = {
    "print": Variant("print", colour="rgb", profile="print", finish=pdfx.finish, figure_pdf=pdfx.figure_pdf),
    "screen": Variant("screen", colour="rgb", profile="screen", finish=screen.finish),
    "archive": Variant("archive", colour="rgb", profile="archive", finish=pdfa.finish),
}

__all__ = ["VARIANTS", "Variant", "FinishInput"]
