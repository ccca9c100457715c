"""Page-box rules: every edition's page is its style's page size (A4 unless the check is
told another: the build passes its style's; ``brief check --page-size``), the print
edition's with 3 mm bleed."""
from __future__ import annotations

from pikepdf import Array

from ..style import BLEED, MM, PAGE_SIZES
from . import RuleResult, rule

TOL = 0.5
A4 = tuple(v * MM for v in PAGE_SIZES["A4"])  # where the check is told no page size


def _box(page, key):
    """The box rectangle (normalised x0, y0, x1, y1) or None if absent.
    MediaBox is looked up through the page tree (inheritable)."""
    node, depth = page.obj, 0
    while node is not None and depth < 32:
        b = node.get(key)
        if isinstance(b, Array) and len(b) == 4:
            x0, y0, x1, y1 = (float(v) for v in b)
            return (min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1))
        if key != "/MediaBox":
            return None
        node, depth = node.get("/Parent"), depth + 1
    return None


def _is_page(b, page: tuple[float, float]) -> bool:
    w, h = b[2] - b[0], b[3] - b[1]
    return ((abs(w - page[0]) <= TOL and abs(h - page[1]) <= TOL)
            or (abs(w - page[1]) <= TOL and abs(h - page[0]) <= TOL))


def _named(page: tuple[float, float]) -> str:
    """The page size in messages: "A4", "Letter", else "W x H mm"."""
    names = [name for name, (w, h) in PAGE_SIZES.items() if _is_page((0, 0, w * MM, h * MM), page)]
    return names[0] if names else f"{page[0] / MM:.1f} x {page[1] / MM:.1f} mm"


def _contains(outer, inner) -> bool:
    return (outer[0] <= inner[0] + 1e-3 and outer[1] <= inner[1] + 1e-3
            and outer[2] >= inner[2] - 1e-3 and outer[3] >= inner[3] - 1e-3)


def _fmt(b):
    return "[" + " ".join(f"{v:.2f}" for v in b) + "]"


@rule("boxes.print")
def print_boxes(ctx):
    """PDF/X (ISO 15930 6.1.1): every page has a TrimBox of the page size (+-0.5 pt)
    and a BleedBox equal to the TrimBox grown by 3 mm each side, with
    MediaBox >= BleedBox >= TrimBox."""
    R, out = "boxes.print", []
    for i, page in enumerate(ctx.pdf.pages, start=1):
        w = f"page {i}"
        media, trim, bleed = _box(page, "/MediaBox"), _box(page, "/TrimBox"), _box(page, "/BleedBox")
        if media is None:
            out.append(RuleResult(R, False, w, "no MediaBox"))
            continue
        if trim is None:
            out.append(RuleResult(R, False, w, "no TrimBox"))
            continue
        if not _is_page(trim, ctx.page or A4):
            out.append(RuleResult(R, False, w, f"TrimBox {_fmt(trim)} is not {_named(ctx.page or A4)}"))
        if bleed is None:
            out.append(RuleResult(R, False, w, "no BleedBox"))
        else:
            want = (trim[0] - BLEED, trim[1] - BLEED, trim[2] + BLEED, trim[3] + BLEED)
            if any(abs(a - b) > TOL for a, b in zip(bleed, want)):
                out.append(RuleResult(R, False, w, f"BleedBox {_fmt(bleed)} is not TrimBox + 3 mm {_fmt(want)}"))
            if not _contains(bleed, trim):
                out.append(RuleResult(R, False, w, "BleedBox does not contain TrimBox"))
            if not _contains(media, bleed):
                out.append(RuleResult(R, False, w, f"MediaBox {_fmt(media)} does not contain BleedBox"))
        if not _contains(media, trim):
            out.append(RuleResult(R, False, w, "MediaBox does not contain TrimBox"))
    return out


@rule("boxes.page")
def page_size(ctx):
    """Screen/archive editions: every page's MediaBox is the page size (+-0.5 pt)."""
    out = []
    for i, page in enumerate(ctx.pdf.pages, start=1):
        media = _box(page, "/MediaBox")
        if media is None or not _is_page(media, ctx.page or A4):
            out.append(RuleResult("boxes.page", False, f"page {i}",
                                  f"MediaBox {_fmt(media) if media else 'missing'} is not {_named(ctx.page or A4)}"))
    return out
