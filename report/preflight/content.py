"""A small content-stream interpreter shared by the colour, image and
geometry rules.

It walks every page's content, the appearance streams of its annotations,
and recursively every Form XObject (``Do``), tiling pattern (``scn /P``),
shading (``sh`` and shading patterns), soft-mask group (``gs`` with /SMask)
and Type 3 glyph procedure reached from them, keeping the parts of the
graphics state the rules need: CTM (q/Q/cm), fill and stroke colour spaces
(cs/CS, g/G, rg/RG, k/K), line width, text matrix, font and size, text
rendering mode.  A :class:`Visitor` receives events.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

import pikepdf
from pikepdf import Array, Dictionary, Name, Stream

IDENTITY = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)
MAX_DEPTH = 16


def mul(m, n):
    """Matrix product m x n of PDF 6-tuples."""
    a, b, c, d, e, f = m
    A, B, C, D, E, F = n
    return (a * A + b * C, a * B + b * D, c * A + d * C, c * B + d * D,
            e * A + f * C + E, e * B + f * D + F)


def scale_of(m) -> float:
    """Geometric-mean scale factor of a matrix (sqrt |det|)."""
    return math.sqrt(abs(m[0] * m[3] - m[1] * m[2]))


def num(x, default=0.0) -> float:
    try:
        return float(x)
    except Exception:
        return default


def identity(obj):
    """A key for 'the same object': its object number when indirect, else its Python id."""
    return obj.objgen if obj.is_indirect else id(obj)


def objlabel(obj) -> str | None:
    try:
        if obj.is_indirect:
            return f"obj {obj.objgen[0]} {obj.objgen[1]}"
    except Exception:
        pass
    return None


def resolve_cs(cs, resources):
    """Resolve a colour-space operand (name) through the resources."""
    if isinstance(cs, Name):
        if str(cs) in ("/DeviceGray", "/DeviceRGB", "/DeviceCMYK", "/Pattern",
                       "/G", "/RGB", "/CMYK", "/I", "/Indexed"):
            return cs
        try:
            res_cs = resources.get("/ColorSpace") if resources is not None else None
            if res_cs is not None and cs in res_cs:
                return res_cs[cs]
        except Exception:
            pass
    return cs


_ABBREV = {"/G": "/DeviceGray", "/RGB": "/DeviceRGB", "/CMYK": "/DeviceCMYK",
           "/I": "/Indexed"}


def family(cs) -> str:
    """Family name of a colour space object ("/DeviceRGB", "/ICCBased", ...)."""
    try:
        if isinstance(cs, Name):
            s = str(cs)
            return _ABBREV.get(s, s)
        if isinstance(cs, Array) and len(cs) > 0:
            s = str(cs[0])
            return _ABBREV.get(s, s)
    except Exception:
        pass
    return "?"


@dataclass
class GState:
    ctm: tuple = IDENTITY
    fill_cs: object = Name.DeviceGray
    stroke_cs: object = Name.DeviceGray
    fill_pattern: object = None
    stroke_pattern: object = None
    line_width: float = 1.0
    font: object = None
    font_size: float = 0.0
    tm: tuple = IDENTITY
    tlm: tuple = IDENTITY
    leading: float = 0.0
    render_mode: int = 0


@dataclass
class Frame:
    """One content stream being interpreted."""
    kind: str            # page | form | annot | pattern | charproc | smask
    where: str           # "page 3" or "obj 12 0"
    page: int            # 1-based page the stream is reached from (0 = none)
    resources: object
    defaults: dict = field(default_factory=dict)   # "/DeviceRGB" -> True when DefaultRGB set
    ignore_colour: bool = False   # uncoloured pattern / d1 glyph

    def label(self) -> str:
        if self.kind == "page":
            return self.where
        return f"{self.where} ({self.kind}, page {self.page})" if self.page else \
            f"{self.where} ({self.kind})"


class Visitor:
    """Receives events from :func:`walk_document`; override what you need."""

    walk_patterns = True
    walk_charprocs = True
    walk_unreferenced = False

    def colour_op(self, st, frame, op, operands):
        pass

    def paint(self, st, frame, fill: bool, stroke: bool, what: str):
        pass

    def shading(self, st, frame, shading_dict):
        pass

    def image(self, st, frame, img, label: str):
        pass

    def text(self, st, frame, op, operands):
        pass

    def stroke(self, st, frame, op):
        pass


# Path construction changes no state any rule looks at; painting operators end a path.
_PATH_CONSTRUCTION = frozenset({"m", "l", "c", "v", "y", "h", "re"})
# Everything else is asked of the parser by name, so path vertices never become Python objects.
_OPERATORS = " ".join(sorted({
    "q", "Q", "cm", "w", "J", "j", "M", "d", "ri", "i", "gs", "CS", "cs", "SC", "SCN", "sc", "scn",
    "G", "g", "RG", "rg", "K", "k", "S", "s", "f", "F", "f*", "B", "B*", "b", "b*", "n", "W", "W*",
    "BT", "ET", "Tc", "Tw", "Tz", "TL", "Tf", "Tr", "Ts", "Td", "TD", "Tm", "T*", "Tj", "TJ", "'", '"',
    "d0", "d1", "sh", "Do", "BI", "ID", "EI", "MP", "DP", "BMC", "BDC", "EMC", "BX", "EX"}))
_INLINE_IMAGE = object()


def _compact(instrs) -> list[tuple]:
    """A parsed content stream as (operator, operands) tuples, without path construction.
    Maps hold tens of thousands of path vertices; interpreting them for every rule would
    dominate the preflight."""
    out = []
    for ins in instrs:
        if isinstance(ins, pikepdf.ContentStreamInlineImage):
            out.append((_INLINE_IMAGE, ins.iimage))
            continue
        op = str(ins.operator)
        if op not in _PATH_CONSTRUCTION:
            out.append((op, ins.operands))
    return out


def _defaults(resources, inherited: dict | None) -> dict:
    d = dict(inherited or {})
    try:
        csd = resources.get("/ColorSpace") if resources is not None else None
        if csd is not None:
            for key, fam in (("/DefaultGray", "/DeviceGray"), ("/DefaultRGB", "/DeviceRGB"),
                             ("/DefaultCMYK", "/DeviceCMYK")):
                if key in csd:
                    d[fam] = True
    except Exception:
        pass
    return d


_PAINT = {
    "f": (True, False), "F": (True, False), "f*": (True, False),
    "S": (False, True), "s": (False, True),
    "B": (True, True), "B*": (True, True), "b": (True, True), "b*": (True, True),
}
_TEXT_SHOW = {"Tj", "TJ", "'", '"'}


class Walker:
    def __init__(self, pdf, visitor: Visitor, errors: list | None = None,
                 parsed: dict | None = None, trusted: frozenset = frozenset(),
                 digests: dict | None = None):
        self.pdf = pdf
        self.parsed = parsed if parsed is not None else {}
        self.trusted = trusted
        self.digests = digests if digests is not None else {}
        self.v = visitor
        self.errors = errors if errors is not None else []
        self.stack: list = []
        self.done_type3: set = set()
        self.done_patterns: set = set()
        self.done_forms: set = set()

    # ---- entry points -------------------------------------------------
    def walk_document(self):
        for i, page in enumerate(self.pdf.pages, start=1):
            pobj = page.obj
            res = _get_resources(pobj)
            frame = Frame("page", f"page {i}", i, res, _defaults(res, None))
            self.run(pobj, frame, GState(), key=("page", i))
            for annot in _iter(pobj.get("/Annots")):
                self.walk_annotation(annot, i)

    def walk_annotation(self, annot, page_no):
        try:
            ap = annot.get("/AP")
        except Exception:
            return
        if not isinstance(ap, Dictionary):
            return
        for key in ("/N", "/R", "/D"):
            ent = ap.get(key)
            streams = []
            if isinstance(ent, Stream):
                streams = [ent]
            elif isinstance(ent, Dictionary):
                streams = [s for s in ent.values() if isinstance(s, Stream)]
            for s in streams:
                self.walk_form(s, GState(), Frame("annot", "", page_no, None, {}), "annot")

    # ---- helpers ------------------------------------------------------
    def walk_form(self, form, st: GState, parent: Frame, kind="form"):
        og = _og(form)
        if og is not None and og in self.stack or len(self.stack) > MAX_DEPTH:
            return
        # A form drawn again in the same state shows every rule the same things again (a
        # figure used on many pages): rules see the linear part of the CTM only, never the
        # position, so the form is interpreted once per distinct state.
        memo = (og, kind, _state_key(st, parent)) if og is not None else None
        if memo is not None:
            if memo in self.done_forms:
                return
            self.done_forms.add(memo)
        if self.trusted and kind == "form" and _unscaled(st.ctm) and self._digest(form) in self.trusted:
            return
        res = form.get("/Resources")
        if res is None:
            res = parent.resources
        inherit = parent.defaults if kind in ("form",) else {}
        frame = Frame(kind, objlabel(form) or parent.where, parent.page, res,
                      _defaults(res, inherit), parent.ignore_colour)
        st2 = replace(st)
        m = form.get("/Matrix")
        if isinstance(m, Array) and len(m) == 6:
            st2.ctm = mul(tuple(num(x) for x in m), st.ctm)
        st2.fill_pattern = st2.stroke_pattern = None
        # soft-mask groups start from the initial colour state
        if kind == "smask":
            st2.fill_cs = st2.stroke_cs = Name.DeviceGray
        self.run(form, frame, st2, key=og)

    def _digest(self, form) -> str | None:
        og = _og(form)
        if og in self.digests:
            return self.digests[og]
        try:
            d = form_digest(form)
        except Exception:
            d = None
        if og is not None:
            self.digests[og] = d
        return d

    def run(self, content, frame: Frame, st: GState, key=None):
        self.stack.append(key)
        try:
            ck = _og(content)
            instrs = self.parsed.get(ck) if ck is not None else None
            if instrs is None:
                try:
                    instrs = _compact(pikepdf.parse_content_stream(content, _OPERATORS))
                except Exception as exc:
                    self.errors.append((frame.where, f"content stream unreadable: {exc}"))
                    return
                if ck is not None:
                    self.parsed[ck] = instrs
            self._interpret(instrs, frame, st)
        finally:
            self.stack.pop()

    def _interpret(self, instrs, frame: Frame, st: GState):
        v = self.v
        stack = []
        in_text = False
        for op, ops in instrs:
            if op is _INLINE_IMAGE:
                v.image(st, frame, ops, frame.where + " inline image")
                continue
            try:
                if op == "q":
                    stack.append(replace(st))
                elif op == "Q":
                    if stack:
                        st = stack.pop()
                elif op == "cm" and len(ops) == 6:
                    st.ctm = mul(tuple(num(x) for x in ops), st.ctm)
                elif op == "w" and ops:
                    st.line_width = num(ops[0], 1.0)
                elif op in ("cs", "CS") and ops:
                    cs = resolve_cs(ops[0], frame.resources)
                    if op == "cs":
                        st.fill_cs, st.fill_pattern = cs, None
                    else:
                        st.stroke_cs, st.stroke_pattern = cs, None
                    v.colour_op(st, frame, op, ops)
                elif op in ("g", "G", "rg", "RG", "k", "K"):
                    cs = {"g": Name.DeviceGray, "rg": Name.DeviceRGB,
                          "k": Name.DeviceCMYK}[op.lower()]
                    if op.islower():
                        st.fill_cs, st.fill_pattern = cs, None
                    else:
                        st.stroke_cs, st.stroke_pattern = cs, None
                    v.colour_op(st, frame, op, ops)
                elif op in ("sc", "scn", "SC", "SCN"):
                    if ops and isinstance(ops[-1], Name):
                        pat = _lookup(frame.resources, "/Pattern", ops[-1])
                        if op.islower():
                            st.fill_pattern = pat
                        else:
                            st.stroke_pattern = pat
                    v.colour_op(st, frame, op, ops)
                elif op in _PAINT:
                    fill, stroke = _PAINT[op]
                    if stroke:
                        v.stroke(st, frame, op)
                    v.paint(st, frame, fill, stroke, "path")
                    self._patterns(st, frame, fill, stroke)
                elif op == "BT":
                    in_text = True
                    st.tm = st.tlm = IDENTITY
                elif op == "ET":
                    in_text = False
                elif op == "Tf" and len(ops) >= 2:
                    st.font = _lookup(frame.resources, "/Font", ops[0])
                    st.font_size = num(ops[1])
                elif op == "Tr" and ops:
                    st.render_mode = int(num(ops[0]))
                elif op == "TL" and ops:
                    st.leading = num(ops[0])
                elif op == "Tm" and len(ops) == 6:
                    st.tm = st.tlm = tuple(num(x) for x in ops)
                elif op in ("Td", "TD") and len(ops) == 2:
                    if op == "TD":
                        st.leading = -num(ops[1])
                    st.tlm = st.tm = mul((1, 0, 0, 1, num(ops[0]), num(ops[1])), st.tlm)
                elif op == "T*":
                    st.tlm = st.tm = mul((1, 0, 0, 1, 0, -st.leading), st.tlm)
                elif op in _TEXT_SHOW:
                    if op in ("'", '"'):
                        st.tlm = st.tm = mul((1, 0, 0, 1, 0, -st.leading), st.tlm)
                    v.text(st, frame, op, ops)
                    mode = st.render_mode
                    if mode not in (3, 7):
                        fill = mode in (0, 2, 4, 6)
                        stroke = mode in (1, 2, 5, 6)
                        if stroke:
                            v.stroke(st, frame, op)
                        v.paint(st, frame, fill, stroke, "text")
                        # the colour the mode does not paint is still judged
                        # by veraPDF when it was set explicitly
                        if not (fill and stroke):
                            v.paint(st, frame, not fill, not stroke, "unpainted text")
                        self._patterns(st, frame, fill, stroke)
                    self._type3(st, frame)
                elif op == "sh" and ops:
                    sh = _lookup(frame.resources, "/Shading", ops[0])
                    if sh is not None:
                        v.shading(st, frame, sh)
                elif op == "Do" and ops:
                    xo = _lookup(frame.resources, "/XObject", ops[0])
                    self._do(xo, st, frame)
                elif op == "gs" and ops:
                    gs = _lookup(frame.resources, "/ExtGState", ops[0])
                    if isinstance(gs, Dictionary):
                        if "/LW" in gs:
                            st.line_width = num(gs.LW, st.line_width)
                        smask = gs.get("/SMask")
                        if isinstance(smask, Dictionary) and isinstance(smask.get("/G"), Stream):
                            self.walk_form(smask.G, st, frame, "smask")
                elif op in ("d0", "d1") and frame.kind == "charproc":
                    if op == "d1":
                        frame.ignore_colour = True
            except Exception as exc:  # malformed operands
                self.errors.append((frame.where, f"{op}: {exc}"))

    def _do(self, xo, st, frame):
        if not isinstance(xo, Stream):
            return
        sub = xo.get("/Subtype")
        if sub == Name.Image:
            v_label = objlabel(xo) or frame.where
            self.v.image(st, frame, xo, v_label)
        elif sub == Name.Form:
            self.walk_form(xo, st, frame, "form")

    def _patterns(self, st, frame, fill, stroke):
        if not self.v.walk_patterns:
            return
        for use, pat in ((fill, st.fill_pattern), (stroke, st.stroke_pattern)):
            if not use or pat is None:
                continue
            self.walk_pattern(pat, st, frame)

    def walk_pattern(self, pat, st, frame):
        og = _og(pat)
        key = (og, frame.where)
        if key in self.done_patterns:
            return
        self.done_patterns.add(key)
        try:
            ptype = int(pat.get("/PatternType", 1))
        except Exception:
            return
        if ptype == 2:
            sh = pat.get("/Shading")
            if sh is not None:
                self.v.shading(st, frame, sh)
            return
        if not isinstance(pat, Stream):
            return
        uncoloured = int(pat.get("/PaintType", 1)) == 2
        res = pat.get("/Resources")
        pframe = Frame("pattern", objlabel(pat) or frame.where, frame.page,
                       res, _defaults(res, None), uncoloured or frame.ignore_colour)
        st2 = GState(ctm=st.ctm)
        m = pat.get("/Matrix")
        if isinstance(m, Array) and len(m) == 6:
            st2.ctm = tuple(num(x) for x in m)
        if og in self.stack or len(self.stack) > MAX_DEPTH:
            return
        self.run(pat, pframe, st2, key=og)

    def _type3(self, st, frame):
        font = st.font
        if not self.v.walk_charprocs or not isinstance(font, Dictionary):
            return
        if font.get("/Subtype") != Name.Type3:
            return
        og = _og(font) or id(font)
        if og in self.done_type3:
            return
        self.done_type3.add(og)
        procs = font.get("/CharProcs")
        if not isinstance(procs, Dictionary):
            return
        res = font.get("/Resources")
        if res is None:
            res = frame.resources
        for proc in procs.values():
            if not isinstance(proc, Stream):
                continue
            cframe = Frame("charproc", objlabel(proc) or frame.where, frame.page, res,
                           _defaults(res, None), frame.ignore_colour)
            st2 = replace(st, fill_pattern=None, stroke_pattern=None)
            self.run(proc, cframe, st2, key=_og(proc))


def form_digest(form) -> str:
    """What identifies a form's drawing for :data:`Context.trusted`: its decoded content."""
    import hashlib

    return hashlib.sha256(form.read_bytes()).hexdigest()


def _unscaled(ctm) -> bool:
    a, b, c, d = ctm[:4]
    return abs(a - 1) < 1e-3 and abs(d - 1) < 1e-3 and abs(b) < 1e-6 and abs(c) < 1e-6


def _key_of(obj):
    if obj is None:
        return None
    og = _og(obj)
    return og if og is not None else repr(obj)


def _state_key(st: GState, frame: Frame) -> tuple:
    """What a form's interpretation depends on: the graphics state it is drawn in, without
    the CTM's translation, and the inherited default colour spaces."""
    return (tuple(round(x, 6) for x in st.ctm[:4]), _key_of(st.fill_cs), _key_of(st.stroke_cs),
            round(st.line_width, 6), _key_of(st.font), st.font_size, tuple(round(x, 6) for x in st.tm[:4]),
            st.leading, st.render_mode, tuple(sorted((k, bool(v)) for k, v in frame.defaults.items())),
            frame.ignore_colour)


def _og(obj):
    try:
        if obj.is_indirect:
            return obj.objgen
    except Exception:
        pass
    return None


def _iter(arr):
    if isinstance(arr, Array):
        for x in arr:
            if isinstance(x, Dictionary):
                yield x


def _get_resources(page):
    node = page
    for _ in range(32):
        if node is None:
            return None
        res = node.get("/Resources")
        if res is not None:
            return res
        node = node.get("/Parent")
    return None


def _lookup(resources, category, name):
    try:
        if resources is None:
            return None
        cat = resources.get(category)
        if cat is None:
            return None
        return cat.get(name)
    except Exception:
        return None


def walk(ctx, visitor: Visitor):
    """Run ``visitor`` over the whole document of ``ctx``; return parse errors."""
    errors: list = []
    parsed = ctx.cache.setdefault("parsed_content", {})
    digests = ctx.cache.setdefault("form_digests", {})
    Walker(ctx.pdf, visitor, errors, parsed, ctx.trusted, digests).walk_document()
    return errors
