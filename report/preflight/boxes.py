"""Page-box rules (PDF/X page geometry; A4 for every edition)."""
from __future__ import annotations

from pikepdf import Array

from . import RuleResult, rule

A4 = (595.276, 841.89)
TOL = 0.5
BLEED = 3 * 72 / 25.4  # 3 mm in points


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


def _is_a4(b) -> bool:
    w, h = b[2] - b[0], b[3] - b[1]
    return ((abs(w - A4[0]) <= TOL and abs(h - A4[1]) <= TOL)
            or (abs(w - A4[1]) <= TOL and abs(h - A4[0]) <= TOL))


def _contains(outer, inner) -> bool:
    return (outer[0] <= inner[0] + 1e-3 and outer[1] <= inner[1] + 1e-3
            and outer[2] >= inner[2] - 1e-3 and outer[3] >= inner[3] - 1e-3)


def _fmt(b):
    return "[" + " ".join(f"{v:.2f}" for v in b) + "]"


@rule("boxes.print")
def print_boxes(ctx):
    """PDF/X (ISO 15930 6.1.1): every page has a TrimBox of A4
    (595.276 x 841.89 pt, +-0.5 pt) and a BleedBox equal to the TrimBox
    grown by 3 mm each side, with MediaBox >= BleedBox >= TrimBox."""
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
        if not _is_a4(trim):
            out.append(RuleResult(R, False, w, f"TrimBox {_fmt(trim)} is not A4"))
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


@rule("boxes.a4")
def a4(ctx):
    """Screen/archive editions: every page's MediaBox is A4 (+-0.5 pt)."""
    out = []
    for i, page in enumerate(ctx.pdf.pages, start=1):
        media = _box(page, "/MediaBox")
        if media is None or not _is_a4(media):
            out.append(RuleResult("boxes.a4", False, f"page {i}",
                                  f"MediaBox {_fmt(media) if media else 'missing'} is not A4"))
    return out
