"""The content-stream interpreter: one walk over what a document draws, with the graphics
state, giving events to a :class:`Visitor`.

It walks every page's content, the appearance streams of its annotations, and, as they are
drawn, every Form XObject (``Do``), tiling pattern (``scn /P`` then a paint), shading (``sh``
and shading patterns), soft-mask group (``gs`` with /SMask) and Type 3 glyph procedure,
keeping the graphics state: CTM (q/Q/cm), fill and stroke colour spaces and patterns, line
width, text matrix, font and size, leading, text rendering mode, and whatever the visitor
keeps in :attr:`GState.mark`. A form is entered in the state it is drawn in, so a form that
paints with its caller's colour is judged with that colour.

Read-only visitors (the preflight's rules) only receive events. A rewriting visitor
(``rewrites = True``: the print edition's CMYK conversion, the renumbering of a figure's CIDs)
returns a replacement instruction from :meth:`Visitor.colour_op` or :meth:`Visitor.text` (an
``(operands, operator)`` pair, or a list of them that takes the instruction's place);
each stream is rewritten once, when it is first interpreted.

What keeps it fast on maps of tens of thousands of path vertices: path construction is
never turned into Python objects (the parser is asked for the operators the walk uses), a
stream is parsed once per document (``parsed``: a cache the caller may share between walks),
a form drawn again in the same state (but for the CTM's position) is not interpreted again,
and a form the caller trusts (``trusted``: judged on its own before) is not entered while
the visitor says the state it is drawn in changes nothing (:meth:`Visitor.settled`).
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass, replace

import pikepdf
from pikepdf import Array, Dictionary, Name, Operator, Stream

from .objects import Place, annotations, appearances, items, label, lookup, objgen, page_resources

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


def unscaled(ctm) -> bool:
    a, b, c, d = ctm[:4]
    return abs(a - 1) < 1e-3 and abs(d - 1) < 1e-3 and abs(b) < 1e-6 and abs(c) < 1e-6


def num(x, default=0.0) -> float:
    try:
        return float(x)
    except Exception:
        return default


_DEVICE = ("/DeviceGray", "/DeviceRGB", "/DeviceCMYK", "/Pattern", "/G", "/RGB", "/CMYK", "/I", "/Indexed")
_ABBREV = {"/G": "/DeviceGray", "/RGB": "/DeviceRGB", "/CMYK": "/DeviceCMYK", "/I": "/Indexed"}


def resolve_cs(cs, resources):
    """Resolve a colour-space operand (name) through the resources."""
    if isinstance(cs, Name) and str(cs) not in _DEVICE:
        try:
            res_cs = resources.get("/ColorSpace") if resources is not None else None
            if res_cs is not None and cs in res_cs:
                return res_cs[cs]
        except Exception:
            pass
    return cs


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


def form_digest(form) -> str:
    """What identifies a form's drawing for a ``trusted`` check: its decoded content."""
    return hashlib.sha256(form.read_bytes()).hexdigest()


@dataclass
class GState:
    ctm: tuple = IDENTITY
    fill_cs: object = Name.DeviceGray
    stroke_cs: object = Name.DeviceGray
    fill_pattern: tuple | None = None     # (resource name, pattern)
    stroke_pattern: tuple | None = None
    line_width: float = 1.0
    font: object = None
    font_size: float = 0.0
    tm: tuple = IDENTITY
    tlm: tuple = IDENTITY
    leading: float = 0.0
    render_mode: int = 0
    mark: object = None   # the visitor's own, hashable: saved by q, inherited by forms


class Frame(Place):
    """One content stream being interpreted: ``kind`` page | form | annot | pattern |
    charproc | smask, reached from ``page`` (1-based; 0 = none)."""

    __slots__ = ("kind", "page", "resources", "defaults", "ignore_colour", "changes")

    def __init__(self, kind: str, step: str, obj, parent: Place | None, page: int, resources,
                 defaults: dict, ignore_colour: bool = False):
        super().__init__(step, obj, parent)
        self.kind, self.page, self.resources = kind, page, resources
        self.defaults = defaults              # "/DeviceRGB" -> True where DefaultRGB is set
        self.ignore_colour = ignore_colour    # uncoloured pattern / d1 glyph
        self.changes: dict | None = None      # instruction index -> replacement, when rewriting

    def label(self) -> str:
        if self.kind == "page":
            return self.where
        return f"{self.where} ({self.kind}, page {self.page})" if self.page else \
            f"{self.where} ({self.kind})"


class Visitor:
    """Receives events from :class:`Interpreter`; override what you need."""

    rewrites = False        # colour_op and text may return a replacement (operands, operator)
    walk_patterns = True
    walk_charprocs = True

    def begin(self, frame):
        """A content stream is about to be interpreted."""

    def colour_op(self, st, frame, op, operands):
        """cs/CS, g/G, rg/RG, k/K, sc/scn/SC/SCN, after the state took it."""

    def extgstate(self, st, frame, name, gs):
        """``name gs`` with the graphics state dictionary ``gs``."""

    def paint(self, st, frame, fill: bool, stroke: bool, what: str):
        """A path or text painted with the current colours; ``what``: path, text, or
        unpainted text (the colour a text rendering mode does not paint, which veraPDF judges
        all the same)."""

    def shading(self, st, frame, shading_dict, step: str):
        """A shading painted by ``sh`` or a shading pattern; ``step``: "shading /Sh0", "pattern /P0"."""

    def image(self, st, frame, img, label: str, step: str):
        """An image XObject or inline image; ``label`` names it by object, ``step`` by resource."""

    def text(self, st, frame, op, operands):
        """A text-showing operator (Tj, TJ, ', "), before its paint."""

    def stroke(self, st, frame, op):
        """A stroke (of a path or of text), before its paint."""

    def settled(self, st) -> bool:
        """Whether a form judged on its own (from the initial state, at its own size) needs
        no new look when drawn in ``st``: by default, when it is drawn unscaled."""
        return unscaled(st.ctm)


# Path construction (m l c v y h re) changes no state any visitor looks at; painting operators
# end a path. Everything else is asked of the parser by name, so path vertices never become
# Python objects.
_USED = frozenset({
    "q", "Q", "cm", "w", "J", "j", "M", "d", "ri", "i", "gs", "CS", "cs", "SC", "SCN", "sc", "scn",
    "G", "g", "RG", "rg", "K", "k", "S", "s", "f", "F", "f*", "B", "B*", "b", "b*", "n", "W", "W*",
    "BT", "ET", "Tc", "Tw", "Tz", "TL", "Tf", "Tr", "Ts", "Td", "TD", "Tm", "T*", "Tj", "TJ", "'", '"',
    "d0", "d1", "sh", "Do", "BI", "ID", "EI", "MP", "DP", "BMC", "BDC", "EMC", "BX", "EX"})
_OPERATORS = " ".join(sorted(_USED))
_INLINE_IMAGE = object()

#: painting operator -> (fills, strokes)
PAINT = {
    "f": (True, False), "F": (True, False), "f*": (True, False),
    "S": (False, True), "s": (False, True),
    "B": (True, True), "B*": (True, True), "b": (True, True), "b*": (True, True),
}
TEXT_SHOW = frozenset({"Tj", "TJ", "'", '"'})
_SET_COLOUR = {"g": Name.DeviceGray, "rg": Name.DeviceRGB, "k": Name.DeviceCMYK}


def _compact(instrs) -> list[tuple]:
    """A parsed content stream as (operator, operands, index) tuples, without path
    construction; ``index`` is the instruction's position in ``instrs``."""
    out = []
    for i, ins in enumerate(instrs):
        if isinstance(ins, pikepdf.ContentStreamInlineImage):
            out.append((_INLINE_IMAGE, ins.iimage, i))
            continue
        op = str(ins.operator)
        if op in _USED:
            out.append((op, ins.operands, i))
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


class Interpreter:
    """Walks a document for one visitor.

    ``errors``: where malformed content is recorded as (where, message) and the walk goes
    on; None makes it raise (a rewriting walk must not leave a stream half judged).
    ``parsed``: parsed streams by object number, shared between read-only walks of one document.
    ``trusted(form)``: forms judged on their own before (see :meth:`Visitor.settled`).
    ``written``: object numbers of streams not to rewrite (already rewritten)."""

    def __init__(self, pdf, visitor: Visitor, errors: list | None = None, parsed: dict | None = None,
                 trusted=None, written: set | None = None):
        self.pdf = pdf
        self.v = visitor
        self.errors = errors
        self.parsed = parsed if parsed is not None else {}
        self.trusted = trusted
        self.written = set(written or ())
        self.stack: list = []
        self.done_type3: set = set()
        self.done_patterns: set = set()
        self.done_forms: set = set()

    # ---- entry points -------------------------------------------------
    def walk_document(self):
        for i, page in enumerate(self.pdf.pages, start=1):
            if self.v.rewrites:
                page.contents_coalesce()   # one content stream to rewrite
            pobj = page.obj
            res = page_resources(pobj)
            frame = Frame("page", f"page {i}", None, None, i, res, _defaults(res, None))
            self.run(pobj, frame, GState(), key=("page", i))
            for n, annot in enumerate(annotations(pobj), start=1):
                for s in appearances(annot):
                    self.walk_form(s, GState(), frame, "annot", f"annotation {n}")

    # ---- helpers ------------------------------------------------------
    def walk_form(self, form, st: GState, parent: Frame, kind="form", step=""):
        og = objgen(form)
        if og is not None and og in self.stack or len(self.stack) > MAX_DEPTH:
            return
        # A form drawn again in the same state shows every visitor the same things again (a
        # figure used on many pages): visitors see the linear part of the CTM only, never
        # the position, so the form is interpreted once per distinct state.
        inherit = parent.defaults if kind == "form" else {}
        memo = (og, kind, _state_key(st, inherit, parent.ignore_colour)) if og is not None else None
        if memo is not None:
            if memo in self.done_forms:
                return
            self.done_forms.add(memo)
        if self.trusted is not None and kind == "form" and self.v.settled(st) and self.trusted(form):
            return
        res = form.get("/Resources")
        if res is None and kind != "annot":   # an appearance stream has only its own
            res = parent.resources
        frame = Frame(kind, step, form, parent, parent.page, res, _defaults(res, inherit), parent.ignore_colour)
        st2 = replace(st)
        m = form.get("/Matrix")
        if isinstance(m, Array) and len(m) == 6:
            st2.ctm = mul(tuple(num(x) for x in m), st.ctm)
        st2.fill_pattern = st2.stroke_pattern = None
        # soft-mask groups start from the initial colour state
        if kind == "smask":
            st2.fill_cs = st2.stroke_cs = Name.DeviceGray
            st2.mark = None
        self.run(form, frame, st2, key=og)

    def run(self, content, frame: Frame, st: GState, key=None):
        self.stack.append(key)
        try:
            ck = objgen(content)
            entry = self.parsed.get(ck) if ck is not None else None
            if entry is None:
                try:
                    if self.v.rewrites:
                        full = pikepdf.parse_content_stream(content)
                        entry = (_compact(full), full)
                    else:
                        entry = (_compact(pikepdf.parse_content_stream(content, _OPERATORS)), None)
                except Exception as exc:
                    if self.errors is None:
                        raise
                    self.errors.append((frame.where, f"content stream unreadable: {exc}"))
                    return
                if ck is not None:
                    self.parsed[ck] = entry
            target = None
            if self.v.rewrites:   # the stream rewritten: the page's (coalesced) content, or itself
                target = content.get("/Contents") if frame.kind == "page" else content
                if objgen(target) not in self.written:
                    self.written.add(objgen(target))
                    frame.changes = {}
            self.v.begin(frame)
            self._interpret(entry[0], frame, st)
            if frame.changes:
                out = list(entry[1])
                for i, new in frame.changes.items():
                    out[i] = [pikepdf.ContentStreamInstruction(operands, Operator(op))
                              for operands, op in (new if isinstance(new, list) else [new])]
                target.write(pikepdf.unparse_content_stream(
                    [x for ins in out for x in (ins if isinstance(ins, list) else [ins])]))
        finally:
            self.stack.pop()

    def _interpret(self, instrs, frame: Frame, st: GState):
        v = self.v
        stack = []
        for op, ops, index in instrs:
            if op is _INLINE_IMAGE:
                v.image(st, frame, ops, frame.where + " inline image", "inline image")
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
                    self._replace(v.colour_op(st, frame, op, ops), frame, index)
                elif op in ("g", "G", "rg", "RG", "k", "K"):
                    cs = _SET_COLOUR[op.lower()]
                    if op.islower():
                        st.fill_cs, st.fill_pattern = cs, None
                    else:
                        st.stroke_cs, st.stroke_pattern = cs, None
                    self._replace(v.colour_op(st, frame, op, ops), frame, index)
                elif op in ("sc", "scn", "SC", "SCN"):
                    if ops and isinstance(ops[-1], Name):
                        pat = (ops[-1], lookup(frame.resources, "/Pattern", ops[-1]))
                        if op.islower():
                            st.fill_pattern = pat
                        else:
                            st.stroke_pattern = pat
                    self._replace(v.colour_op(st, frame, op, ops), frame, index)
                elif op in PAINT:
                    fill, stroke = PAINT[op]
                    if stroke:
                        v.stroke(st, frame, op)
                    v.paint(st, frame, fill, stroke, "path")
                    self._patterns(st, frame, fill, stroke)
                elif op == "BT":
                    st.tm = st.tlm = IDENTITY
                elif op == "Tf" and len(ops) >= 2:
                    st.font = lookup(frame.resources, "/Font", ops[0])
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
                elif op in TEXT_SHOW:
                    if op in ("'", '"'):
                        st.tlm = st.tm = mul((1, 0, 0, 1, 0, -st.leading), st.tlm)
                    self._replace(v.text(st, frame, op, ops), frame, index)
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
                    sh = lookup(frame.resources, "/Shading", ops[0])
                    if sh is not None:
                        v.shading(st, frame, sh, f"shading {ops[0]}")
                elif op == "Do" and ops:
                    self._do(lookup(frame.resources, "/XObject", ops[0]), ops[0], st, frame)
                elif op == "gs" and ops:
                    gs = lookup(frame.resources, "/ExtGState", ops[0])
                    if isinstance(gs, Dictionary):
                        if "/LW" in gs:
                            st.line_width = num(gs.LW, st.line_width)
                        v.extgstate(st, frame, ops[0], gs)
                        smask = gs.get("/SMask")
                        if isinstance(smask, Dictionary) and isinstance(smask.get("/G"), Stream):
                            self.walk_form(smask.G, st, frame, "smask", f"soft mask {ops[0]}")
                elif op in ("d0", "d1") and frame.kind == "charproc":
                    if op == "d1":
                        frame.ignore_colour = True
            except Exception as exc:  # malformed operands
                if self.errors is None:
                    raise
                self.errors.append((frame.where, f"{op}: {exc}"))

    @staticmethod
    def _replace(new, frame, index):
        if new is not None and frame.changes is not None:
            frame.changes[index] = new

    def _do(self, xo, name, st, frame):
        if not isinstance(xo, Stream):
            return
        sub = xo.get("/Subtype")
        if sub == Name.Image:
            self.v.image(st, frame, xo, label(xo) or frame.where, f"image {name}")
        elif sub == Name.Form:
            self.walk_form(xo, st, frame, "form", f"form {name}")

    def _patterns(self, st, frame, fill, stroke):
        if not self.v.walk_patterns:
            return
        for use, pat in ((fill, st.fill_pattern), (stroke, st.stroke_pattern)):
            if use and pat is not None and pat[1] is not None:
                self.walk_pattern(pat[1], st, frame, f"pattern {pat[0]}")

    def walk_pattern(self, pat, st, frame, step):
        og = objgen(pat)
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
                self.v.shading(st, frame, sh, step)
            return
        if not isinstance(pat, Stream):
            return
        uncoloured = int(pat.get("/PaintType", 1)) == 2
        res = pat.get("/Resources")
        pframe = Frame("pattern", step, pat, frame, frame.page, res, _defaults(res, None),
                       uncoloured or frame.ignore_colour)
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
        og = objgen(font) or id(font)
        if og in self.done_type3:
            return
        self.done_type3.add(og)
        procs = font.get("/CharProcs")
        if not isinstance(procs, Dictionary):
            return
        res = font.get("/Resources")
        if res is None:
            res = frame.resources
        fonts = frame.resources.get("/Font") if isinstance(frame.resources, Dictionary) else None
        name = next((n for n, f in items(fonts) if objgen(f) == og), "")   # for the trail
        for glyph, proc in procs.items():
            if not isinstance(proc, Stream):
                continue
            cframe = Frame("charproc", f"Type 3 font {name} glyph {glyph}", proc, frame, frame.page, res,
                           _defaults(res, None), frame.ignore_colour)
            st2 = replace(st, fill_pattern=None, stroke_pattern=None)
            self.run(proc, cframe, st2, key=objgen(proc))


def _key_of(obj):
    if obj is None:
        return None
    og = objgen(obj)
    return og if og is not None else repr(obj)


def _state_key(st: GState, defaults: dict, ignore_colour: bool) -> tuple:
    """What a form's interpretation depends on: the graphics state it is drawn in, without
    the CTM's translation, and the inherited default colour spaces."""
    return (tuple(round(x, 6) for x in st.ctm[:4]), _key_of(st.fill_cs), _key_of(st.stroke_cs),
            round(st.line_width, 6), _key_of(st.font), st.font_size, tuple(round(x, 6) for x in st.tm[:4]),
            st.leading, st.render_mode, tuple(sorted((k, bool(v)) for k, v in defaults.items())),
            ignore_colour, st.mark)
