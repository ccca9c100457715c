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

Walked: page contents, Form XObjects (recursively), tiling patterns, Type 3 glyph
procedures and annotation appearances (whose ``/C`` colour arrays are mapped too).
"""

from __future__ import annotations

import dataclasses
from decimal import Decimal

import pikepdf
from pikepdf import Array, Dictionary, Name, Operator, Stream

from ..errors import BriefError
from ..style import Style

RGB_FAMILIES = ("/DeviceRGB", "/CalRGB", "/RGB")
_SET = {"rg": "k", "RG": "K", "g": "k", "G": "K"}
_PAINT = {"f": (True, False), "F": (True, False), "f*": (True, False), "S": (False, True),
          "s": (False, True), "B": (True, True), "B*": (True, True), "b": (True, True), "b*": (True, True)}
_TEXT = {"Tj", "TJ", "'", '"'}


@dataclasses.dataclass
class _State:
    """Colour state of one content stream: the space of fill / stroke, the error a colour
    outside the palette or an opacity below 1 raises once something is painted with it."""

    fill: str = "gray"
    stroke: str = "gray"
    fill_problem: BriefError | None = None
    stroke_problem: BriefError | None = None
    fill_alpha: BriefError | None = None
    stroke_alpha: BriefError | None = None
    mode: int = 0  # text rendering mode

    def set(self, fill: bool, kind: str, problem: BriefError | None) -> None:
        if fill:
            self.fill, self.fill_problem = kind, problem
        else:
            self.stroke, self.stroke_problem = kind, problem

    def use(self, fill: bool, stroke: bool, colour: bool = True, alpha: bool = True) -> None:
        for on, colour_problem, alpha_problem in ((fill, self.fill_problem, self.fill_alpha),
                                                  (stroke, self.stroke_problem, self.stroke_alpha)):
            if on and colour and colour_problem:
                raise colour_problem
            if on and alpha and alpha_problem:
                raise alpha_problem


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


def _family(cs) -> str:
    if isinstance(cs, Name):
        return str(cs)
    if isinstance(cs, Array) and len(cs) and isinstance(cs[0], Name):
        return str(cs[0])
    return "?"


def _is_rgb(cs) -> bool:
    fam = _family(cs)
    if fam in RGB_FAMILIES:
        return True
    if fam == "/ICCBased":
        try:
            return int(cs[1].get("/N")) == 3
        except Exception:
            return False
    return False


def _resolve(name, resources):
    if isinstance(name, Name) and str(name) not in ("/DeviceGray", "/DeviceRGB", "/DeviceCMYK",
                                                      "/Pattern"):
        csd = resources.get("/ColorSpace") if isinstance(resources, Dictionary) else None
        if isinstance(csd, Dictionary) and name in csd:
            return csd[name]
    return name


def _space_kind(cs, resources) -> str:
    """'rgb' | 'gray' | 'pattern' | 'pattern-rgb' | 'other' for a colour space operand."""
    cs = _resolve(cs, resources)
    fam = _family(cs)
    if _is_rgb(cs):
        return "rgb"
    if fam in ("/DeviceGray", "/G"):
        return "gray"
    if fam == "/Pattern":
        if isinstance(cs, Array) and len(cs) > 1 and _is_rgb(_resolve(cs[1], resources)):
            return "pattern-rgb"
        return "pattern"
    return "other"


class _Converter:
    def __init__(self, pdf: pikepdf.Pdf, palette: PaletteMap):
        self.pdf, self.palette = pdf, palette
        self.done: set = set()
        self.resources: list = []
        self._inherits: dict = {}
        self.gstates: list = []

    # ---- streams -------------------------------------------------------------
    def stream(self, owner: Stream, resources, where: str) -> None:
        key = owner.objgen if owner.is_indirect and owner.objgen != (0, 0) else None
        if key is not None:
            if key in self.done:
                return
            self.done.add(key)
        self.content(owner, resources, where)
        self.walk_resources(resources, where)

    def content(self, owner, resources, where: str) -> None:
        instrs = pikepdf.parse_content_stream(owner)
        out, changed = [], False
        st = _State()
        stack: list[_State] = []
        for ins in instrs:
            if isinstance(ins, pikepdf.ContentStreamInlineImage):
                d = ins.iimage.obj
                if d.get("/IM", d.get("/ImageMask")) is True:
                    st.use(True, False)
                else:
                    cs = d.get("/CS", d.get("/ColorSpace"))
                    if cs is not None and (_is_rgb(_resolve(cs, resources)) or _family(cs) in ("/I", "/Indexed")):
                        raise BriefError(f"an RGB inline image in {where} cannot be mapped to the palette")
                out.append(ins)
                continue
            op, ops = str(ins.operator), list(ins.operands)
            new = None
            if op == "q":
                stack.append(dataclasses.replace(st))
            elif op == "Q" and stack:
                st = stack.pop()
            elif op in ("rg", "RG", "g", "G") and len(ops) in (1, 3):
                rgb = ops * 3 if len(ops) == 1 else ops
                cmyk, problem = self.palette.lookup(rgb, where)
                kind = "rgb" if op.lower() == "rg" else "gray"
                if cmyk is not None:
                    new, kind = (cmyk, _SET[op]), "cmyk"
                elif kind == "rgb":  # unmapped: harmless until something is painted with it
                    new, kind = ([Decimal(0)], op.replace("rg", "g").replace("RG", "G")), "gray"
                st.set(op.islower(), kind, problem)
            elif op in ("k", "K"):
                st.set(op.islower(), "cmyk", None)
            elif op in ("cs", "CS") and ops:
                kind = _space_kind(ops[0], resources)
                if kind == "other":
                    self.check_other(_resolve(ops[0], resources), where)
                st.set(op == "cs", kind, None)
                if kind == "rgb":
                    new = ([Name.DeviceCMYK], op)
            elif op in ("sc", "scn", "SC", "SCN"):
                kind = st.fill if op.islower() else st.stroke
                nums = [o for o in ops if not isinstance(o, Name)]
                names = [o for o in ops if isinstance(o, Name)]
                problem = None
                if kind in ("rgb", "pattern-rgb", "gray") and len(nums) == (1 if kind == "gray" else 3):
                    cmyk, problem = self.palette.lookup(nums * 3 if kind == "gray" else nums, where)
                    if cmyk is not None:
                        new = (cmyk + names, op)
                    elif kind != "gray":
                        raise problem
                elif kind in ("rgb", "gray"):
                    raise BriefError(f"'{op}' with {len(nums)} operands in a {kind} colour space in {where}")
                st.set(op.islower(), "cmyk" if kind in ("rgb", "gray") and new else kind, problem)
            elif op == "Tr" and ops:
                st.mode = int(ops[0])
            elif op in _PAINT:
                st.use(*_PAINT[op])
            elif op in _TEXT:
                st.use(st.mode in (0, 2, 4, 6), st.mode in (1, 2, 5, 6))
            elif op == "Do" and ops:
                xo = _lookup(resources, "/XObject", ops[0])
                if isinstance(xo, Stream) and xo.get("/Subtype") == Name.Form:
                    colour, alpha = self.inherits(xo, xo.get("/Resources", resources))
                    st.use(*colour, alpha=False)
                    st.use(*alpha, colour=False)
                elif isinstance(xo, Stream) and xo.get("/ImageMask") is True:
                    st.use(True, False)
            elif op == "gs" and ops:
                gs = _lookup(resources, "/ExtGState", ops[0])
                if isinstance(gs, Dictionary):
                    self.gstates.append(gs)
                    for key, attr in (("/ca", "fill_alpha"), ("/CA", "stroke_alpha")):
                        if key in gs:
                            value = float(gs[key])
                            setattr(st, attr, None if value >= 1 else BriefError(
                                f"opacity {value:g} (graphics state {ops[0]}) in {where} is painted with: "
                                "PDF/X-1a has no transparency; draw the figure with opaque colours"))
            elif op == "sh" and ops:
                self.shading(_lookup(resources, "/Shading", ops[0]), f"{where} → shading {ops[0]}")
            if new is not None:
                out.append(pikepdf.ContentStreamInstruction(new[0], Operator(new[1])))
                changed = True
            else:
                out.append(ins)
        if changed:
            owner.write(pikepdf.unparse_content_stream(out))

    def inherits(self, form: Stream, resources, depth: int = 0):
        """Whether a Form XObject paints with the fill / stroke colour it is called with
        (a marker drawn by matplotlib, say) rather than one it sets itself; and likewise
        with the opacity: ``((fill, stroke), (fill, stroke))``."""
        key = form.objgen
        if key in self._inherits:
            return self._inherits[key]
        self._inherits[key] = ((False, False), (False, False))  # a form calling itself adds nothing
        fill_set = stroke_set = gs_set = False
        inherit = [False, False, False, False]
        stack = []
        mode = 0
        for ins in pikepdf.parse_content_stream(form):
            if isinstance(ins, pikepdf.ContentStreamInlineImage):
                continue
            op = str(ins.operator)
            uses = None
            if op == "q":
                stack.append((fill_set, stroke_set, gs_set))
            elif op == "Q" and stack:
                fill_set, stroke_set, gs_set = stack.pop()
            elif op == "gs":
                gs_set = True
            elif op in ("rg", "g", "k", "cs", "sc", "scn"):
                fill_set = True
            elif op in ("RG", "G", "K", "CS", "SC", "SCN"):
                stroke_set = True
            elif op == "Tr" and ins.operands:
                mode = int(ins.operands[0])
            elif op in _PAINT:
                uses = _PAINT[op]
            elif op in _TEXT:
                uses = (mode in (0, 2, 4, 6), mode in (1, 2, 5, 6))
            elif op == "Do" and ins.operands and depth < 16:
                xo = _lookup(resources, "/XObject", ins.operands[0])
                if isinstance(xo, Stream) and xo.get("/Subtype") == Name.Form:
                    colour, alpha = self.inherits(xo, xo.get("/Resources", resources), depth + 1)
                    inherit[0] |= colour[0] and not fill_set
                    inherit[1] |= colour[1] and not stroke_set
                    inherit[2] |= alpha[0] and not gs_set
                    inherit[3] |= alpha[1] and not gs_set
                elif isinstance(xo, Stream) and xo.get("/ImageMask") is True:
                    uses = (True, False)
            if uses:
                inherit[0] |= uses[0] and not fill_set
                inherit[1] |= uses[1] and not stroke_set
                inherit[2] |= uses[0] and not gs_set
                inherit[3] |= uses[1] and not gs_set
        self._inherits[key] = ((inherit[0], inherit[1]), (inherit[2], inherit[3]))
        return self._inherits[key]

    # ---- resources -----------------------------------------------------------
    def walk_resources(self, resources, where: str) -> None:
        if not isinstance(resources, Dictionary):
            return
        self.resources.append(resources)
        for name, xo in _items(resources.get("/XObject")):
            if not isinstance(xo, Stream):
                continue
            if xo.get("/Subtype") == Name.Form:
                self.stream(xo, xo.get("/Resources", resources), f"{where} → form {name}")
            elif xo.get("/Subtype") == Name.Image:
                self.image(xo, resources, f"{where} → image {name}")
        for name, pat in _items(resources.get("/Pattern")):
            w = f"{where} → pattern {name}"
            if isinstance(pat, Stream):  # tiling pattern
                if int(pat.get("/PaintType", 1)) == 1:
                    self.stream(pat, pat.get("/Resources", Dictionary()), w)
            elif isinstance(pat, Dictionary):
                self.shading(pat.get("/Shading"), w)
        for name, font in _items(resources.get("/Font")):
            if isinstance(font, Dictionary) and font.get("/Subtype") == Name.Type3:
                fres = font.get("/Resources", resources)
                for glyph, proc in _items(font.get("/CharProcs")):
                    if isinstance(proc, Stream):
                        self.stream(proc, fres, f"{where} → Type 3 font {name} glyph {glyph}")
        for name, gs in _items(resources.get("/ExtGState")):
            smask = gs.get("/SMask") if isinstance(gs, Dictionary) else None
            if isinstance(smask, Dictionary) and isinstance(smask.get("/G"), Stream):
                g = smask.G
                self.stream(g, g.get("/Resources", resources), f"{where} → soft mask {name}")

    def image(self, img: Stream, resources, where: str) -> None:
        if img.get("/ImageMask") is True:
            return
        cs = _resolve(img.get("/ColorSpace"), resources)
        if cs is None:
            raise BriefError(f"an image without a colour space in {where} cannot be checked for print")
        base = cs[1] if _family(cs) in ("/Indexed", "/I") and len(cs) > 1 else cs
        if _is_rgb(_resolve(base, resources)):
            raise BriefError(f"an RGB image in {where} cannot be mapped to the palette; "
                             "draw it as vector graphics in palette colours")
        self.check_other(cs, where)

    def shading(self, sh, where: str) -> None:
        if isinstance(sh, (Dictionary, Stream)):
            cs = sh.get("/ColorSpace")
            if _is_rgb(cs):
                raise BriefError(f"an RGB shading (gradient) in {where} cannot be mapped to the palette")
            self.check_other(cs, where)

    def check_other(self, cs, where: str) -> None:
        fam = _family(cs)
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
                elif _family(cs) == "/Pattern" and isinstance(cs, Array) and len(cs) > 1 \
                        and _is_rgb(_resolve(cs[1], res)):
                    csd[name] = Array([Name.Pattern, Name.DeviceCMYK])


def _items(d):
    return list(d.items()) if isinstance(d, Dictionary) else []


def _lookup(resources, category, name):
    cat = resources.get(category) if isinstance(resources, Dictionary) else None
    return cat.get(name) if isinstance(cat, Dictionary) else None


def to_palette_cmyk(pdf: pikepdf.Pdf, style: Style, skip=frozenset()) -> None:
    """Rewrite every colour in ``pdf`` to the palette's CMYK (in place).

    ``skip``: object ids of forms already in palette CMYK (figures converted once, cached)."""
    conv = _Converter(pdf, PaletteMap(style))
    conv.done.update(skip)
    for i, page in enumerate(pdf.pages, 1):
        where = f"page {i}"
        page.contents_coalesce()
        res = page.obj.get("/Resources", Dictionary())
        conv.stream(page.obj.Contents, res, where)
        group = page.obj.get("/Group")
        if isinstance(group, Dictionary) and _is_rgb(group.get("/CS")):
            group.CS = Name.DeviceCMYK
        for n, annot in enumerate(page.obj.get("/Annots", Array()), 1):
            w = f"{where} → annotation {n}"
            for key in ("/C", "/IC"):
                col = annot.get(key)
                if isinstance(col, Array) and len(col) == 3:
                    annot[key] = Array(conv.palette.cmyk(list(col), w))
            ap = annot.get("/AP")
            for state in (ap.values() if isinstance(ap, Dictionary) else []):
                streams = [state] if isinstance(state, Stream) else \
                    [s for s in state.values() if isinstance(s, Stream)] if isinstance(state, Dictionary) else []
                for s in streams:
                    conv.stream(s, s.get("/Resources", Dictionary()), w)
    conv.finish_resources()
