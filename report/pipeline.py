"""The build, read forward once: source → model → figures → layout → finishing per
variant → preflight → atomic write. Each stage is one module; this one only wires them."""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

from . import __version__
from .errors import BriefError
from .compose import compose
from .figures import prepare
from .layout import layout
from .model import Brief
from .output import write_all
from .preflight import check
from .pdf import VARIANTS, FinishInput
from .pdf.common import build_epoch
from .source import load_brief
from .style import STYLES_DIR, Style, load_style

TOOL = f"brief {__version__}"


@dataclass(frozen=True)
class Built:
    variant: str
    path: Path
    pages: int
    size: int


def load(brief_dir: Path, styles_dir: Path = STYLES_DIR) -> tuple[Brief, Style]:
    brief = load_brief(brief_dir)
    style = load_style(brief.meta.style, styles_dir, referrer=brief.path,
                       referrer_line=brief.meta.lines.get("style"))
    return brief, style


def build(brief_dir: Path, out_dir: Path, variants: Sequence[str] = ("screen",),
          progress: Callable[[str], None] | None = None,
          styles_dir: Path = STYLES_DIR, pad_to: int = 1) -> list[Built]:
    """Build the requested editions of one brief into ``out_dir/<slug>/``."""
    started = time.perf_counter()
    report = progress or (lambda _msg: None)

    def say(msg: str) -> None:
        report(f"{time.perf_counter() - started:6.2f} s  {msg}")

    unknown = [v for v in variants if v not in VARIANTS]
    if unknown:
        raise BriefError(f"unknown variant(s) {', '.join(unknown)} (known: {', '.join(VARIANTS)})")
    brief, style = load(Path(brief_dir), Path(styles_dir))
    say(f"source: {brief.path} ({len(brief.blocks)} blocks), style {style.name}")
    epoch = build_epoch(brief)
    figures = prepare(brief, style, progress=say, warn=lambda msg: print(msg, file=sys.stderr))
    if figures:
        say(f"figures: {len(figures)} ready")
    files: dict[Path, bytes] = {}
    built: list[Built] = []
    laid_by_colour = {}
    for name in variants:
        variant = VARIANTS[name]
        if variant.colour not in laid_by_colour:
            laid_by_colour[variant.colour] = compose(layout(brief, style, figures, colour=variant.colour),
                                                     figures)
            say(f"layout ({variant.colour}): {laid_by_colour[variant.colour].pages} pages")
        laid = laid_by_colour[variant.colour]
        pdf = variant.finish(FinishInput(laid=laid, brief=brief, style=style, epoch=epoch, tool=TOOL,
                                         extra={"pad_to": pad_to}))
        path = Path(out_dir) / brief.meta.slug / f"{brief.meta.slug}-{name}.pdf"
        say(f"finish {name}: {len(pdf):,} bytes")
        results = check(pdf, profile=variant.profile)
        failures = [r for r in results if not r.ok]
        if failures:
            detail = "; ".join(f"{r.rule} ({r.where}): {r.message}" for r in failures[:5])
            raise BriefError(f"the {name} edition fails preflight: {detail}", path)
        say(f"preflight {name}: {len(results)} rules pass")
        files[path] = pdf
        built.append(Built(name, path, laid.pages, len(pdf)))
    write_all(files)
    say(f"output: {len(files)} file(s) written")
    return built
