"""Stage 4, finishing: one small module per edition, registered in :data:`VARIANTS`.

A variant is a function plus its settings: the colour model the layout draws in,
the preflight profile its output must pass, and the finisher that turns the laid-out
PDF into the edition (metadata, boxes, output intents, attachments).
"""

from __future__ import annotations

from dataclasses import dataclass
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


VARIANTS: dict[str, Variant] = {
    "print": Variant("print", colour="rgb", profile="print", finish=pdfx.finish),
    "screen": Variant("screen", colour="rgb", profile="screen", finish=screen.finish),
    "archive": Variant("archive", colour="rgb", profile="archive", finish=pdfa.finish),
}

__all__ = ["VARIANTS", "Variant", "FinishInput"]
