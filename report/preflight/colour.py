"""Colour-space rules: print (CMYK only), archive (PDF/A-2 6.2.4.3), screen
(report only), and total ink coverage for print.

Colour spaces are judged where they are *used*: at each painting operator
(path fill/stroke, text show according to the rendering mode), image, inline
image, shading and pattern, in every content stream the walker reaches
(pages, Form XObjects, annotation appearances, patterns, soft-mask groups,
Type 3 glyphs).  A resource that is never drawn is not judged.

Separation / DeviceN: their *alternate* space is judged like any other space,
so for print a spot colour with a CMYK (or Gray) alternate is allowed and one
with an RGB/Lab alternate fails.
"""
from __future__ import annotations

from pikepdf import Array, Dictionary, Name, Stream

from ..pdfmech.content import Visitor, family, num, resolve_cs
from . import RuleResult, rule, walk

DEVICE = ("/DeviceGray", "/DeviceRGB", "/DeviceCMYK")


def _icc_n(cs) -> int | None:
    try:
        return int(cs[1].get("/N"))
    except Exception:
        return None


def leaf_spaces(cs, resources=None, depth=0):
    """Yield (family, cs) for ``cs`` and the spaces it is built on
    (Indexed base, Pattern underlying space, Separation/DeviceN alternate)."""
    if depth > 8 or cs is None:
        return
    cs = resolve_cs(cs, resources)
    fam = family(cs)
    yield fam, cs
    if not isinstance(cs, Array):
        return
    try:
        if fam == "/Indexed" and len(cs) > 1:
            yield from leaf_spaces(cs[1], resources, depth + 1)
        elif fam == "/Pattern" and len(cs) > 1:
            yield from leaf_spaces(cs[1], resources, depth + 1)
        elif fam in ("/Separation", "/DeviceN") and len(cs) > 2:
            yield from leaf_spaces(cs[2], resources, depth + 1)
    except Exception:
        return


def _image_cs(img):
    """(colour space, is_mask) of an image XObject or inline image."""
    d = img if isinstance(img, (Stream, Dictionary)) else getattr(img, "obj", None)
    if d is None:
        return None, True
    mask = d.get("/ImageMask", d.get("/IM", False))
    if mask is True or (hasattr(mask, "__bool__") and bool(mask) and str(mask) == "True"):
        return None, True
    cs = d.get("/ColorSpace", d.get("/CS"))
    if cs is None:
        # JPX images may carry their colour space inside the codestream
        return None, False
    return cs, False


class _Collector(Visitor):
    """Records every (where, family, cs, frame) a colour space is used."""

    def __init__(self):
        self.uses = []

    def _use(self, cs, frame, what, resources=None):
        if frame.ignore_colour:
            return
        res = frame.resources if resources is None else resources
        for fam, leaf in leaf_spaces(cs, res):
            if what.startswith("unpainted") and fam == "/DeviceGray":
                continue
            self.uses.append((frame, fam, leaf, what))

    def paint(self, st, frame, fill, stroke, what):
        if fill:
            self._use(st.fill_cs, frame, what + " fill")
        if stroke:
            self._use(st.stroke_cs, frame, what + " stroke")

    def image(self, st, frame, img, label, step):
        cs, mask = _image_cs(img)
        if mask:
            # a stencil mask is painted with the current fill colour
            self._use(st.fill_cs, frame, "image mask")
        elif cs is not None:
            if frame.ignore_colour:
                return
            for fam, leaf in leaf_spaces(cs, frame.resources):
                self.uses.append((frame, fam, leaf, f"image {label}"))

    def shading(self, st, frame, sh, step):
        try:
            cs = sh.get("/ColorSpace")
        except Exception:
            return
        self._use(cs, frame, "shading")


def _uses(ctx):
    if "colour_uses" not in ctx.cache:
        c = _Collector()
        walk(ctx, c)
        ctx.cache["colour_uses"] = c.uses
    return ctx.cache["colour_uses"]


def _print_bad(fam, cs) -> str | None:
    if fam in ("/DeviceRGB", "/CalRGB", "/Lab"):
        return fam[1:]
    if fam == "/ICCBased":
        n = _icc_n(cs)
        if n == 3:
            return "ICCBased RGB (N=3)"
        if n not in (1, 4):
            return f"ICCBased N={n}"
    return None


class _PrintOps(Visitor):
    """Print: rg/RG and cs/CS selecting an RGB space are failures where they
    are set, not only where they paint."""

    def __init__(self):
        self.bad = []

    def colour_op(self, st, frame, op, operands):
        if frame.ignore_colour:
            return
        if op in ("rg", "RG"):
            self.bad.append((frame, f"{op} operator (DeviceRGB)"))
        elif op in ("cs", "CS"):
            for fam, leaf in leaf_spaces(operands[0], frame.resources):
                why = _print_bad(fam, leaf)
                if why:
                    self.bad.append((frame, f"{op} selects {why}"))


@rule("colour.pdfx")
def print_colour(ctx):
    """PDF/X (ISO 15930-1/-7 6.2.4 style): only DeviceCMYK, DeviceGray and
    spot colours with a CMYK/Gray alternate; DeviceRGB (rg/RG), CalRGB, Lab
    and ICCBased N=3 fail, naming the page or object."""
    out, seen = [], set()
    for frame, fam, leaf, what in _uses(ctx):
        why = _print_bad(fam, leaf)
        if why and (frame.label(), why) not in seen:
            seen.add((frame.label(), why))
            out.append(RuleResult("colour.pdfx", False, frame.where,
                                  f"{why} used for {what} in {frame.label()}"))
    v = _PrintOps()
    walk(ctx, v)
    for frame, why in v.bad:
        if (frame.label(), why) not in seen:
            seen.add((frame.label(), why))
            out.append(RuleResult("colour.pdfx", False, frame.where, f"{why} in {frame.label()}"))
    return out


class _Ink(Visitor):
    def __init__(self):
        self.bad = []

    def colour_op(self, st, frame, op, operands):
        vals = None
        if op in ("k", "K") and len(operands) == 4:
            vals = operands
        elif op in ("sc", "scn", "SC", "SCN") and len(operands) == 4:
            cs = st.fill_cs if op.islower() else st.stroke_cs
            if family(cs) == "/DeviceCMYK":
                vals = operands
        if vals is not None:
            total = sum(num(x) for x in vals) * 100
            if total > 300.0 + 1e-6:
                self.bad.append((frame, op, total))


@rule("colour.total_ink")
def total_ink(ctx):
    """Print: total area coverage of CMYK fills/strokes (k/K, sc/scn in
    DeviceCMYK) at most 300 %."""
    v = _Ink()
    walk(ctx, v)
    out, seen = [], set()
    for frame, op, total in v.bad:
        if (frame.label(), round(total)) in seen:
            continue
        seen.add((frame.label(), round(total)))
        out.append(RuleResult("colour.total_ink", False, frame.where,
                              f"{op} with total ink {total:.0f}% > 300% in {frame.label()}"))
    return out


@rule("colour.report")
def report(ctx):
    """Screen: any colour space is acceptable; report which are used."""
    fams = sorted({fam[1:] for _, fam, _, _ in _uses(ctx)})
    return [RuleResult("colour.report", True, "document",
                       "colour spaces used: " + (", ".join(fams) or "none"))]
