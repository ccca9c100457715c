"""Stage 2, figures: the interface between figure rendering and layout.

A :class:`Figure` is a rendered, vector, one-page PDF of exactly the size it will
have on paper, plus the words the layout sets around it. Layout reserves its box
and records where it landed; composition stamps the PDF page into that box.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Figure:
    id: str
    kind: str  # "map" | "chart"
    title: str
    caption: str
    source: str
    pdf: Path  # one page, width_pt x height_pt
    width_pt: float
    height_pt: float
    full_width: bool
    spec_path: Path
    spec_line: int | None = None
