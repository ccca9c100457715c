"""RGB → house-palette CMYK, by rewriting content streams (print edition).

Figures arrive as vector PDFs painted in the palette's exact RGB twins. For print every
colour operator is rewritten to the palette's CMYK value for that RGB: ``rg``/``RG`` →
``k``/``K``, ``g``/``G`` (an RGB grey written as grey) likewise, ``cs``/``CS`` selecting
an RGB space → ``/DeviceCMYK``, and ``sc``/``scn`` operands in an RGB space → four CMYK
operands. Matching is on 0–255 integers; pure white is the palette's ``paper``. A colour
the palette does not hold is an error naming the colour and where it was found, never an
approximation; so is an RGB image, shading or Separation alternate (those cannot be mapped
operator by operator). A colour is judged where it paints: matplotlib sets a black stroke
colour (``0 G``) and a stroke opacity of 0 before a fill-only patch; such a colour that
nothing is painted with is left as harmless DeviceGray, and such an opacity is set to 1
(PDF/X-1a has no transparency); painting with an opacity below 1 is an error.

The converter is a rewriting visitor of the content interpreter (:mod:`report.pdfmech.content`),
which walks what each page draws: its content, Form XObjects (in the graphics state they are
drawn in, so a marker form that paints with its caller's colour is judged with that colour),
tiling patterns, soft-mask groups, Type 3 glyph procedures and annotation appearances (whose
``/C`` colour arrays are mapped too).

Black overprints: every colour operator is preceded by a graphics state (``/OP`` for strokes,
``/op`` for fills, ``/OPM 1``) that overprints exactly while the colour it paints with is 100 % K
alone, so black type, rules and symbols print on top of the tints beneath them instead of
punching holes that must register with them. The state is set at every colour operator, never
inferred from an earlier one, so a form drawn where the caller overprints paints its own colours
right.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal

import pikepdf
from pikepdf import Array, Dictionary, Name, Stream

from ..errors import BriefError
from ..pdfmech.content import Interpreter, Visitor, family, resolve_cs
from ..pdfmech.objects import annotations, objgen
from ..style import Style

_SET = {"rg": "k", "RG": "K", "g": "k", "G": "K"}


@dataclass(frozen=True)
class _Mark:
    """What the converter keeps in the graphics state: the kind of space the rewritten
    stream paints fill / stroke in, and the error a colour outside the palette or an opacity
    below 1 raises once something is painted with it."""

    fill: str = "gray"
    stroke: str = "gray"
    fill_problem: BriefError | None = None
    stroke_problem: BriefError | None = None
    fill_alpha: BriefError | None = None
    stroke_alpha: BriefError | None = None
    fill_black: bool = False    # the colour painted with is 100 % K alone: it overprints
    stroke_black: bool = False

    def set(self, fill: bool, kind: str, problem: BriefError | None) -> _Mark:
        if fill:
            return replace(self, fill=kind, fill_problem=problem)
        return replace(self, stroke=kind, stroke_problem=problem)

    def use(self, fill: bool, stroke: bool) -> None:
        for on, colour_problem, alpha_problem in ((fill, self.fill_problem, self.fill_alpha),
                                                  (stroke, self.stroke_problem, self.stroke_alpha)):
            if on and colour_problem:
                raise colour_problem
            if on and alpha_problem:
                raise alpha_problem

    @property
    def pending(self) -> bool:
        return any((self.fill_problem, self.stroke_problem, self.fill_alpha, self.stroke_alpha))


_INITIAL = _Mark()


class PaletteMap:
    """RGB 0–255 triple → (role, CMYK 0..1) from a style's palette."""

    def __init__(self, style: Style):
        self.style = style
        self.by_rgb: dict[tuple[int, int, int], tuple[str, tuple[float, ...]]] = {}
        for role, c in style.colours.items():
            prev = self.by_rgb.get(c.rgb)
            if prev is not None and prev[1] != _fraction(c.cmyk):
                raise BriefError(f"colours '{prev[0]}' and '{role}' share RGB {c.hex} but differ "
                                 "in CMYK, so a figure colour cannot be mapped", style.path)
            self.by_rgb.setdefault(c.rgb, (role, _fraction(c.cmyk)))
        paper = style.colour("paper")
        self.by_rgb[(255, 255, 255)] = ("paper", _fraction(paper.cmyk))

    def lookup(self, rgb, where: str) -> tuple[list[Decimal] | None, BriefError | None]:
        """(CMYK operands, None) for a palette colour, else (None, the error to raise)."""
        key = tuple(max(0, min(255, round(float(v) * 255))) for v in rgb)
        hit = self.by_rgb.get(key)
        if hit is None:
            roles = ", ".join(f"{r} #{'%02x%02x%02x' % c.rgb}" for r, c in self.style.colours.items())
            return None, BriefError(f"colour #{'%02x%02x%02x' % key} (rgb {key[0]}, {key[1]}, {key[2]}) "
                                    f"in {where} is not in the house palette (roles: {roles})",
                                    self.style.path)
        return [Decimal(f"{v:.4f}".rstrip("0").rstrip(".") or "0") for v in hit[1]], None

    def cmyk(self, rgb, where: str) -> list[Decimal]:
        cmyk, problem = self.lookup(rgb, where)
        if cmyk is None:
            raise problem
        return cmyk


def _fraction(cmyk) -> tuple[float, ...]:
    return tuple(round(v / 100, 4) for v in cmyk)


def _is_rgb(cs) -> bool:
    fam = family(cs)
    if fam in ("/DeviceRGB", "/CalRGB"):
        return True
    if fam == "/ICCBased":
        try:
            return int(cs[1].get("/N")) == 3
        except Exception:
            return False
    return False


def _space_kind(cs, resources) -> str:
    """'rgb' | 'gray' | 'pattern' | 'pattern-rgb' | 'other' for a colour space operand."""
    cs = resolve_cs(cs, resources)
    fam = family(cs)
    if _is_rgb(cs):
        return "rgb"
    if fam == "/DeviceGray":
        return "gray"
    if fam == "/Pattern":
        if isinstance(cs, Array) and len(cs) > 1 and _is_rgb(resolve_cs(cs[1], resources)):
            return "pattern-rgb"
        return "pattern"
    return "other"


#: resource name of the graphics state that sets overprint for (fill, stroke)
OVERPRINT = {(f, s): Name(f"/GSop{int(f)}{int(s)}") for f in (False, True) for s in (False, True)}
_BLACK = (0.0, 0.0, 0.0, 1.0)


def _is_black(values) -> bool:
    """100 % K and no other ink: CMYK (0, 0, 0, 1) or gray 0."""
    vals = tuple(float(v) for v in values)
    return vals == _BLACK or vals == (0.0,)


class _Converter(Visitor):
    rewrites = True

    def __init__(self, palette: PaletteMap, pdf: pikepdf.Pdf):
        self.palette = palette
        self.resources: list = []   # of the streams rewritten
        self.gstates: list = []     # graphics states set with gs
        self.overprint = {key: pdf.make_indirect(Dictionary(Type=Name.ExtGState, OP=key[1], op=key[0], OPM=1))
                          for key in OVERPRINT}

    def settled(self, st) -> bool:
        """A form converted on its own needs no new look unless something not to be
        painted with is pending in the state it is drawn in."""
        return st.mark is None or not st.mark.pending

    def begin(self, frame):
        if frame.changes is None:
            return
        if frame.resources is None and isinstance(frame.obj, Stream):   # a pattern without resources
            frame.obj.Resources = Dictionary()
            frame.resources = frame.obj.Resources
        if isinstance(frame.resources, Dictionary):
            self.resources.append(frame.resources)
            if not isinstance(frame.resources.get("/ExtGState"), Dictionary):
                frame.resources.ExtGState = Dictionary()
            for key, name in OVERPRINT.items():
                frame.resources.ExtGState[name] = self.overprint[key]

    def colour_op(self, st, frame, op, ops):
        if frame.ignore_colour:
            return None
        new = self._colour(st, frame, op, ops)
        mark = st.mark or _INITIAL
        if op in ("cs", "CS"):   # a new space starts at its initial colour: black in gray and CMYK
            black = _space_kind(ops[0], frame.resources) in ("rgb", "gray") or \
                family(resolve_cs(ops[0], frame.resources)) == "/DeviceCMYK"
        else:
            values = new[0] if new is not None else ops
            black = _is_black([v for v in values if not isinstance(v, Name)] or [1])
        fill, stroke = (black, mark.stroke_black) if op.islower() else (mark.fill_black, black)
        st.mark = replace(mark, fill_black=fill, stroke_black=stroke)
        instruction = new if new is not None else (list(ops), op)
        return [([OVERPRINT[fill, stroke]], "gs"), instruction]

    def _colour(self, st, frame, op, ops):
        mark = st.mark or _INITIAL
        new = None
        if op in ("rg", "RG", "g", "G"):
            if len(ops) not in (1, 3):
                return None
            rgb = list(ops) * 3 if len(ops) == 1 else ops
            cmyk, problem = self.palette.lookup(rgb, frame.trail)
            kind = "rgb" if op.lower() == "rg" else "gray"
            if cmyk is not None:
                new, kind = (cmyk, _SET[op]), "cmyk"
            elif kind == "rgb":  # unmapped: harmless until something is painted with it
                new, kind = ([Decimal(0)], op.replace("rg", "g").replace("RG", "G")), "gray"
            mark = mark.set(op.islower(), kind, problem)
        elif op in ("k", "K"):
            mark = mark.set(op.islower(), "cmyk", None)
        elif op in ("cs", "CS"):
            kind = _space_kind(ops[0], frame.resources)
            if kind == "other":
                self.check_other(resolve_cs(ops[0], frame.resources), frame.trail)
            mark = mark.set(op == "cs", kind, None)
            if kind == "rgb":
                new = ([Name.DeviceCMYK], op)
        else:  # sc, scn, SC, SCN
            kind = mark.fill if op.islower() else mark.stroke
            nums = [o for o in ops if not isinstance(o, Name)]
            names = [o for o in ops if isinstance(o, Name)]
            problem = None
            if kind in ("rgb", "pattern-rgb", "gray") and len(nums) == (1 if kind == "gray" else 3):
                cmyk, problem = self.palette.lookup(nums * 3 if kind == "gray" else nums, frame.trail)
                if cmyk is not None:
                    new = (cmyk + names, op)
                elif kind != "gray":
                    raise problem
            elif kind in ("rgb", "gray"):
                raise BriefError(f"'{op}' with {len(nums)} operands in a {kind} colour space in {frame.trail}")
            mark = mark.set(op.islower(), "cmyk" if kind in ("rgb", "gray") and new else kind, problem)
        st.mark = mark
        return new

    def extgstate(self, st, frame, name, gs):
        self.gstates.append(gs)
        mark = st.mark or _INITIAL
        for key, attr in (("/ca", "fill_alpha"), ("/CA", "stroke_alpha")):
            if key in gs:
                value = float(gs[key])
                mark = replace(mark, **{attr: None if value >= 1 else BriefError(
                    f"opacity {value:g} (graphics state {name}) in {frame.trail} is painted with: "
                    "PDF/X-1a has no transparency; draw the figure with opaque colours")})
        st.mark = mark

    def paint(self, st, frame, fill, stroke, what):
        if st.mark is not None and not frame.ignore_colour and not what.startswith("unpainted"):
            st.mark.use(fill, stroke)

    def image(self, st, frame, img, label, step):
        if frame.ignore_colour:
            return
        d = img if isinstance(img, Stream) else img.obj   # an image XObject, or an inline image
        if d.get("/ImageMask", d.get("/IM")) is True:  # a stencil paints with the fill colour
            if st.mark is not None:
                st.mark.use(True, False)
            return
        where = f"{frame.trail} → {step}" if step != "inline image" else frame.trail
        cs = resolve_cs(d.get("/ColorSpace", d.get("/CS")), frame.resources)
        if step == "inline image":
            if cs is not None and (_is_rgb(cs) or family(cs) == "/Indexed"):
                raise BriefError(f"an RGB inline image in {where} cannot be mapped to the palette")
            return
        if cs is None:
            raise BriefError(f"an image without a colour space in {where} cannot be checked for print")
        base = cs[1] if family(cs) == "/Indexed" and len(cs) > 1 else cs
        if _is_rgb(resolve_cs(base, frame.resources)):
            raise BriefError(f"an RGB image in {where} cannot be mapped to the palette; "
                             "draw it as vector graphics in palette colours")
        self.check_other(cs, where)

    def shading(self, st, frame, sh, step):
        if isinstance(sh, (Dictionary, Stream)) and not frame.ignore_colour:
            where = f"{frame.trail} → {step}"
            cs = sh.get("/ColorSpace")
            if _is_rgb(cs):
                raise BriefError(f"an RGB shading (gradient) in {where} cannot be mapped to the palette")
            self.check_other(cs, where)

    def check_other(self, cs, where: str) -> None:
        fam = family(cs)
        if fam in ("/Separation", "/DeviceN") and len(cs) > 2 and _is_rgb(cs[2]):
            raise BriefError(f"a {fam[1:]} colour with an RGB alternate in {where} cannot be printed")
        if fam in ("/Lab",):
            raise BriefError(f"a Lab colour in {where} cannot be mapped to the palette")

    def finish_resources(self) -> None:
        """Drop RGB entries from /ColorSpace resources (now unused), turn RGB-based
        uncoloured pattern spaces into CMYK-based ones, and set to 1 the opacities nothing
        was painted with (matplotlib's ``/CA 0`` for a patch without an edge)."""
        for gs in self.gstates:
            for key in ("/CA", "/ca"):
                if key in gs and float(gs[key]) < 1:
                    gs[key] = 1
        for res in self.resources:
            csd = res.get("/ColorSpace")
            if not isinstance(csd, Dictionary):
                continue
            for name in list(csd.keys()):
                cs = csd[name]
                if _is_rgb(cs):
                    del csd[name]
                elif family(cs) == "/Pattern" and isinstance(cs, Array) and len(cs) > 1 \
                        and _is_rgb(resolve_cs(cs[1], res)):
                    csd[name] = Array([Name.Pattern, Name.DeviceCMYK])


def to_palette_cmyk(pdf: pikepdf.Pdf, style: Style, skip=frozenset()) -> None:
    """Rewrite every colour in ``pdf`` to the palette's CMYK (in place).

    ``skip``: object ids of forms already in palette CMYK (figures converted once, cached)."""
    conv = _Converter(PaletteMap(style), pdf)
    Interpreter(pdf, conv, trusted=lambda form: objgen(form) in skip, written=skip).walk_document()
    for i, page in enumerate(pdf.pages, 1):
        group = page.obj.get("/Group")
        if isinstance(group, Dictionary) and _is_rgb(group.get("/CS")):
            group.CS = Name.DeviceCMYK
        for n, annot in enumerate(annotations(page.obj), 1):
            for key in ("/C", "/IC"):
                col = annot.get(key)
                if isinstance(col, Array) and len(col) == 3:
                    annot[key] = Array(conv.palette.cmyk(list(col), f"page {i} → annotation {n}"))
    conv.finish_resources()
