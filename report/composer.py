"""The paragraph composer: ReportLab's paragraph, its lines chosen all at once.

:class:`ComposedParagraph` is a ReportLab ``Paragraph`` (markup, fonts, shaping, links, footnote
marks, splitting across columns and pages, widows and orphans stay ReportLab's) whose justified
lines come from total-fit breaking (:mod:`report.linebreak`) instead of first-fit:

- every space is glue that stretches by ``space_stretch`` and shrinks by ``space_shrink`` of its
  width; every hyphenation point of the language's TeX patterns (:mod:`report.hyphenation`) is a
  flagged penalty, except in a word that starts with a capital (a name) unless the style allows;
  a break after an explicit hyphen, dash or slash costs as much, with nothing added;
- font expansion, as pdfTeX's: a line's glyphs may be set up to ``expansion`` per cent wider or
  narrower (PDF horizontal scaling, ``Tz``, for that line), so its spaces need stretch less;
- character protrusion, as microtype's: a hyphen, full stop, comma, quote… at either end of a
  line hangs into the margin by its optical amount (``PROTRUSION``, thousandths of the glyph's
  width, microtype's defaults), so the column's edges look straight;
- a line that ends the part of a paragraph set in one column or page does not end in a hyphen,
  unless the paragraph could then only be set with a line past the tolerance;
- a paragraph with a word wider than the column is left to ReportLab, which splits the word.

For every paragraph, justified or not, the words at each line end carry what a reader of the
tagged text needs (ISO 32000-1 14.8.2.5 and 14.9.4): the last glyphs of a line are wrapped in a
``/Span <</ActualText …>>`` that adds the space the line break swallowed, or that reads a hyphen
the layout added as U+00AD (soft hyphen), so copy, search and speech rejoin the word. What is
drawn stays what pdfplumber and friends measure; the text extracted through ActualText is exact.

ReportLab internals used: ``_getFragWords``, ``_handleBulletWidth``, ``FragLine``, ``ParaLines``
and the frag-word classes of ``reportlab.platypus.paragraph``; ``shapeFragWord`` (as patched by
:mod:`report.shims.reportlab`); ``Paragraph.split``'s use of ``sFW`` and of ``self.frags`` for the
part that goes on. The text object's internals (``_textOut``, ``_formatText``, ``_code``) and a
wrapped paragraph's line room are reached through :mod:`report.shims.reportlab`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import lru_cache
from itertools import accumulate

from reportlab.lib.enums import TA_JUSTIFY
from reportlab.pdfbase.pdfmetrics import getAscentDescent, getFont, stringWidth
from reportlab.pdfbase.ttfonts import ShapedStr, _sdSimple
from reportlab.platypus import paragraph as rlp
from reportlab.platypus.paragraph import (FragLine, Paragraph, ParaLines, _FK_BREAK, _FK_TEXT, _HSFrag,
                                          _SplitFrag, _SplitFragHS, _SplitFragHY, _getFragWords,
                                          _handleBulletWidth, _InjectedFrag, sameFrag)

from . import linebreak as kp
from .shims import reportlab as rl
from .style import Composition

SOFT_HYPHEN = "\u00ad"
# microtype's default protrusion factors (thousandths of the glyph's width): left, right. A house
# style lists its own in [composition.protrusion_factors], which then replaces this table whole.
PROTRUSION = {
    "A": (50, 50), "F": (0, 50), "J": (50, 0), "K": (0, 50), "L": (0, 50), "T": (50, 50), "V": (50, 50),
    "W": (50, 50), "X": (50, 50), "Y": (50, 50), "k": (0, 50), "r": (0, 50), "t": (0, 70), "v": (50, 50),
    "w": (50, 50), "x": (50, 50), "y": (0, 50), "1": (150, 150), "2": (50, 50), "3": (50, 50), "4": (100, 50),
    "6": (50, 0), "7": (50, 80), "9": (50, 50), ".": (0, 700), ",": (0, 500), ":": (0, 500), ";": (0, 300),
    "!": (0, 100), "?": (0, 200), "@": (50, 50), "&": (50, 100), "%": (50, 50), "*": (200, 200),
    "+": (250, 250), "(": (300, 0), ")": (0, 300), "/": (100, 200), "-": (500, 500), "\u2010": (500, 500),
    "\u2013": (400, 300), "\u2014": (200, 200), "\u2018": (500, 700), "\u2019": (300, 500),
    "\u201c": (500, 300), "\u201d": (300, 500), "\u201e": (400, 400), "\u201a": (400, 400),
    "\u00ab": (300, 300), "\u00bb": (300, 300), "\u2039": (400, 400), "\u203a": (400, 400),
    "'": (300, 500), '"': (500, 300), "\u2026": (0, 200), "\u00b7": (0, 0),
}
BREAK_AFTER = "-\u2010\u2013\u2014/"  # a word may break after these, nothing added
MIN_WORD = 5  # shorter words are not hyphenated
_LETTERS = re.compile(r"^[^\W\d_]+$")
_EDGE = re.compile(r"^(\W*)(.*?)(\W*)$", re.S)


@dataclass(frozen=True)
class Setting:
    """What a paragraph's lines are set with: the style's composition, the language's hyphenator."""

    composition: Composition
    hyphenator: object | None = None  # a pyphen.Pyphen, or None: no hyphenation


class _Piece:
    """A word, or a part of one, as set on a line: the shaped frag word drawn and the unshaped
    one kept (split parts, their text, what the line end reads)."""

    __slots__ = ("shaped", "plain", "width", "space", "hyphen", "break_after")

    def __init__(self, shaped, plain, space: float, hyphen: bool = False, break_after: bool = False):
        self.shaped, self.plain = shaped, plain
        self.width = shaped[0]
        self.space = space          # the width of the space that follows (0: none)
        self.hyphen = hyphen        # it ends in a hyphen the layout added
        self.break_after = break_after  # it ends in an explicit hyphen or dash (no separator at a break)


class ComposedParagraph(Paragraph):
    """A ReportLab paragraph whose lines are composed as this module says (with ``setting``;
    without one, or not justified, ReportLab breaks the lines and only the line ends are marked)."""

    setting: Setting | None = None
    trailing = ""  # what the paragraph's end reads before the next paragraph of its element

    def __init__(self, text, style, *args, setting: Setting | None = None, **kw):
        super().__init__(text, style, *args, **kw)
        if setting is not None:
            self.setting = setting

    # -- breaking
    def breakLines(self, width):
        fixed = getattr(self, "_brief_fixed", None)
        if fixed is not None and fixed[0] == self.width:
            return fixed[1]
        # a column flow wraps a paragraph many times at one width: compose once
        key = tuple(width) if isinstance(width, (list, tuple)) else width
        cached = getattr(self, "_brief_cache", None)
        if cached is not None and cached[0] == key and cached[1] is self.frags:
            return cached[2]
        bl = self._compose(width, None)
        self._brief_cache = (key, self.frags, bl)
        return bl

    def _compose(self, width, no_flag_at_line):
        if no_flag_at_line is None and getattr(self, "_brief_pieces", None) is not self.frags \
                and self.frags and _processed(self.frags):
            # a part that goes on in the next column: a trial layout makes it again and again
            key = (tuple(map(id, self.frags)), tuple(width) if isinstance(width, (list, tuple)) else width,
                   self.style.firstLineIndent, self.style.alignment, id(self.setting))
            hit = _PARTS.get(key)
            if hit is not None and all(a is b for a, b in zip(hit[0], self.frags)):
                self.frags, self._brief_pieces, self._brief_words = hit[2], hit[2], hit[3]
                return hit[1]
            frags = list(self.frags)
            bl = self._compose_now(width, None)
            if len(_PARTS) >= _PARTS_MAX:
                _PARTS.pop(next(iter(_PARTS)))
            _PARTS[key] = (frags, bl, self.frags, getattr(self, "_brief_words", None))
            return bl
        return self._compose_now(width, no_flag_at_line)

    def _compose_now(self, width, no_flag_at_line):
        style = self.style
        justified = style.alignment == TA_JUSTIFY and self.setting is not None
        if not justified or style.wordWrap in ("CJK", "RTL", "LTR") or not self.frags \
                or not (style.shaping and getFont(style.fontName).shapable):
            bl = super().breakLines(width)
            if bl.kind == 1:
                _mark_reportlab_lines(self, bl)
            return bl
        widths = list(width) if isinstance(width, (list, tuple)) else [width]
        _handleBulletWidth(self.bulletText, style, widths)
        composed = _compose(self, widths, no_flag_at_line)
        if composed is None:  # a word wider than the column: ReportLab breaks it by force
            bl = super().breakLines(width)
            if bl.kind == 1:
                _mark_reportlab_lines(self, bl)
            return bl
        return composed

    def split(self, availWidth, availHeight):
        parts = super().split(availWidth, availHeight)
        if len(parts) == 2 and getattr(self.blPara.lines[len(parts[0].blPara.lines) - 1], "_brief_flagged", False):
            # the column's (or page's) last line would end in a hyphen: compose again without
            s = len(parts[0].blPara.lines)
            key = (tuple(self._wrapWidths), s - 1)
            done = self.__dict__.setdefault("_brief_unflagged", {})
            if key not in done:
                flagged = self.blPara, self.frags
                unflagged = self._compose(self._wrapWidths, s - 1), self.frags
                # unless that takes a line past the tolerance (as TeX's \brokenpenalty, a cost,
                # not a ban): a very loose line is worse than a hyphen at the foot of a column
                limit = (self.setting.composition.tolerance / 100) ** (1 / 3)
                worse = _loosest(unflagged[0]) > limit >= _loosest(flagged[0])
                done[key] = flagged if worse else unflagged
            changed = done[key][0] is not self.blPara
            self.blPara, self.frags = done[key]  # composing again changed the pieces: the chosen ones
            self._brief_pieces = self.frags
            if changed:
                parts = super().split(availWidth, availHeight)
        for part in parts:
            if part is not self:
                part.setting = self.setting
        if len(parts) == 2:
            parts[1].trailing = self.trailing
            parts[0]._brief_fixed = (availWidth, parts[0].blPara)  # the lines stay as composed here
        return parts

    def _split_blParaProcessed(self, blPara, start, stop):
        """ReportLab's, except that the last word of the first part, if hyphenated, is copied
        before it becomes a word "forced to end in -" (ReportLab changes its class in place,
        and this paragraph's pieces are read again by the next composition or split)."""
        if not stop:
            return []
        lines = blPara.lines
        first = lines[start].sFW
        end = lines[stop].sFW if stop != len(lines) else len(self.frags)
        F = self.frags[first:end]
        while F and isinstance(F[-1], _InjectedFrag):
            del F[-1]
        if F and isinstance(F[-1], _SplitFragHY):
            F[-1] = (rlp._SHYWordHS if isinstance(F[-1], rlp._SHYWord) else rlp._SplitFragLL)(F[-1])
        return F

    def overfull(self) -> float:
        """How far (pt) the most overfull line of the last wrap sticks out of its column, beyond
        what its spaces may shrink (ReportLab's ``spaceShrinkage`` for lines it broke)."""
        lines = getattr(getattr(self, "blPara", None), "lines", ())
        worst = 0.0
        shrink = self.style.spaceShrinkage * self.style.fontSize * 0.3
        for ln, (extra, words) in zip(lines, rl.line_room(self)):
            own = getattr(ln, "_brief_overfull", None)
            worst = max(worst, own if own is not None else -extra - shrink * max(words - 1, 0))
        return worst

    # -- drawing
    def drawPara(self, debug=0):
        lines = self.blPara.lines if getattr(self, "blPara", None) is not None else []
        if self.blPara.kind != 1 or not lines:
            return super().drawPara(debug)
        shifts = [getattr(ln, "_brief_shift", 0.0) for ln in lines]
        own = any(shifts) and "_offsets" not in self.__dict__
        if own:
            self._offsets = shifts
        self._brief_plan = _plan(lines)
        try:
            super().drawPara(debug)
        finally:
            self._brief_plan = None
            if own:
                del self._offsets

    def beginText(self, x, y):
        tx = super().beginText(x, y)
        plan = getattr(self, "_brief_plan", None)
        if plan:
            tx._brief_plan, tx._brief_next = plan, 0
            rl.on_text_out(tx, _planned_text_out)
        return tx


# ---------------------------------------------------------------- composing
_PARTS: dict = {}  # (piece ids, widths, …) -> (pieces, lines, own pieces, words): parts composed
_PARTS_MAX = 4096


def _loosest(bl) -> float:
    """The largest adjustment ratio of a composed paragraph's justified lines."""
    return max((getattr(ln, "_brief_ratio", 0.0) for ln in bl.lines), default=0.0)


def _processed(frags) -> bool:
    return isinstance(frags[0], list) and bool(frags[0]) and isinstance(frags[0][0], (int, float))


def _compose(para: ComposedParagraph, widths: list[float], no_flag_at_line):
    """TeX's passes: first without hyphenation, at ``pretolerance``; then with every hyphenation
    point, at ``tolerance``; then at any badness (:func:`report.linebreak.breakpoints`)."""
    setting = para.setting
    c = setting.composition
    style = para.style
    words = getattr(para, "_brief_words", None)
    if words is None or para.frags is not getattr(para, "_brief_pieces", None):
        # the words of the markup, or of the part of a split paragraph that goes on; once
        # composed, its own pieces are not read back (ReportLab's split changes their class)
        words = [w for w in _getFragWords(para.frags, widths[0]) if not isinstance(w, _InjectedFrag)]
        para._brief_info = None
    para._brief_words = words
    min_width = min(widths)
    if any(w[0] > min_width for w in words):
        return None
    info = para._brief_info
    if info is None:
        found = [_word_info_of(w, setting) for w in words]
        info = para._brief_info = (None, [f[0] for f in found], [f[1] for f in found])
    start_kern = info[1][0].start_kern if c.protrusion and words and not style.firstLineIndent \
        and not para.bulletText else 0.0
    params = kp.Params(tolerance=c.tolerance, expansion=c.expansion / 100, max_hyphens=c.max_hyphens,
                       double_hyphen_demerits=c.double_hyphen_demerits)
    measure = lambda n: widths[min(n, len(widths) - 1)]  # noqa: E731
    chosen = None
    if c.pretolerance >= 0:
        items, where = _items(info[1], c, hyphenate=False)
        chosen = kp.breakpoints(items, measure, replace(params, tolerance=c.pretolerance),
                                no_flag_at_line=no_flag_at_line, start_kern=start_kern, last_resort=False)
    if chosen is None:
        items, where = _items(info[1], c, hyphenate=True)
        chosen = kp.breakpoints(items, measure, params, no_flag_at_line=no_flag_at_line, start_kern=start_kern)
    return _set_lines(para, words, info[1], info[2], items, where,
                      chosen, widths, start_kern)


class _WordInfo:
    """What the composer needs of a word, worked out once for all words of the same text and
    faces: its width as shaped, where it may break (hyphenation points apart), the width of
    the space after it and its margin kerns."""

    __slots__ = ("width", "splits", "hyphens", "space", "end_kern", "start_kern", "newline")

    def __init__(self, width, splits, hyphens, space, end_kern, start_kern, newline):
        self.width, self.splits, self.hyphens = width, splits, hyphens
        self.space, self.end_kern, self.start_kern, self.newline = space, end_kern, start_kern, newline


_NEWLINE = _WordInfo(0.0, [], [], 0.0, 0.0, 0.0, True)
_INFOS: dict = {}  # (setting, the word's faces and text) -> (setting, info)
_INFOS_MAX = 50_000


def _word_info_of(w, setting: Setting):
    """(info, shaped word). A word's breaks, widths and kerns depend only on its text, faces and
    the setting, and a brief repeats its words: they are worked out once per setting."""
    if w[1][0]._fkind == _FK_BREAK:
        return _NEWLINE, None
    if len(w) == 2:
        f, t = w[1]
        if hasattr(f, "cbDefn"):
            return _word_info(w, setting)
        key = (id(setting), isinstance(w, _HSFrag), f.fontName, f.fontSize, f.rise, t)
    else:
        key = [id(setting), isinstance(w, _HSFrag)]
        for f, t in w[1:]:
            if hasattr(f, "cbDefn"):
                return _word_info(w, setting)
            key += (f.fontName, f.fontSize, f.rise, t)
        key = tuple(key)
    hit = _INFOS.get(key)
    if hit is not None:
        return hit[1], rlp.shapeFragWord(w)
    if len(_INFOS) >= _INFOS_MAX:
        _INFOS.clear()
    info, shaped = _word_info(w, setting)
    _INFOS[key] = (setting, info)  # the setting kept alive, so that its id is not reused
    return info, shaped


def _word_info(w, setting: Setting) -> _WordInfo:
    c = setting.composition
    if w[1][0]._fkind == _FK_BREAK:
        return _NEWLINE, None
    shaped = rlp.shapeFragWord(w)
    rep = rlp._fragWordSplitRep(w)  # None for a word with a raised part (a footnote mark)
    text = rep[0] if rep else ""
    fonts = [(f.fontName, f.fontSize) for f, t in w[1:] if not hasattr(f, "cbDefn") and t for _ in t] \
        if text else []
    splits, hyphens = [], []
    points = _split_points(text, setting) if text else []
    if points:
        before = [0.0, *accumulate(_char_width(ch, *fonts[i]) for i, ch in enumerate(text))]
        scale = shaped[0] / (before[-1] or 1.0)
        for pos, hyphen, cost in points:
            head_w = before[pos] * scale
            hw = _char_width("-", *fonts[pos - 1]) if hyphen else 0.0
            kern = 0.0
            if c.protrusion:
                kern = _protrusion("-" if hyphen else text[pos - 1], fonts[pos - 1], 1, _factors(c))
            (hyphens if hyphen else splits).append(
                (pos, head_w, hw, cost, hyphen, kern))
    space = 0.0
    if isinstance(w, _HSFrag):  # the space in the font of the word's last part, as ReportLab has it
        f = next((f for f, _ in reversed(w[1:]) if not hasattr(f, "cbDefn")), None)
        space = _char_width(" ", f.fontName, f.fontSize) if f is not None else 0.0
    end_kern = start_kern = 0.0
    if c.protrusion and text:
        start_kern = _protrusion(text[0], fonts[0], 0, _factors(c))
        end_kern = _protrusion(text[-1], fonts[-1], 1, _factors(c))
    return _WordInfo(shaped[0], splits, hyphens, space, end_kern, start_kern, False), shaped


_WIDTHS: dict = {}  # (character, font, size) -> width


def _char_width(ch: str, name: str, size: float) -> float:
    key = (ch, name, size)
    width = _WIDTHS.get(key)
    if width is None:
        width = _WIDTHS[key] = stringWidth(ch, name, size)
    return width


@lru_cache(maxsize=8)
def _factor_table(factors: tuple) -> dict:
    return {ch: (left, right) for ch, left, right in factors}


def _factors(c: Composition) -> dict | None:
    return None if c.protrusion_factors is None else _factor_table(c.protrusion_factors)


def _protrusion(ch: str, font: tuple, side: int, factors: dict | None = None) -> float:
    """How far ``ch`` set in ``font`` (name, size) hangs into the left (0) or right (1) margin, by
    ``factors`` (the house style's table; microtype's defaults when it has none)."""
    factor = (PROTRUSION if factors is None else factors).get(ch)
    if factor is None or not factor[side]:
        return 0.0
    return _char_width(ch, *font) * factor[side] / 1000


def _items(infos: list[_WordInfo], c: Composition, hyphenate: bool):
    """The paragraph as boxes, glue and penalties, and what each break item is: ("space", k),
    ("split", k, pos, hyphen), ("newline", k) or ("end", n)."""
    items: list[kp.Item] = []
    where: list = []
    n = len(infos)
    for k, wi in enumerate(infos):
        if wi.newline:  # an explicit line break: the line before it is not justified
            items += [kp.penalty(0, kp.INF), kp.glue(0, 1e6, 0), kp.penalty(0, -kp.INF)]
            where += [None, None, ("newline", k)]
            continue
        splits = sorted(wi.splits + wi.hyphens) if hyphenate and wi.hyphens else wi.splits
        last = 0.0
        for pos, head_w, hw, cost, hyphen, kern in splits:
            items.append(kp.box(head_w - last))
            where.append(None)
            items.append(kp.penalty(hw, cost, hyphen, kern))
            where.append(("split", k, pos, hyphen))
            last = head_w
        items.append(kp.box(wi.width - last))
        where.append(None)
        if wi.space and k < n - 1:
            items.append(kp.glue(wi.space, wi.space * c.space_stretch, wi.space * c.space_shrink,
                                 wi.end_kern, infos[k + 1].start_kern))
            where.append(("space", k))
    items += [kp.penalty(0, kp.INF), kp.glue(0, 1e6, 0), kp.penalty(0, -kp.INF)]
    where += [None, None, ("end", n)]
    return items, where


def _split_points(text: str, setting: Setting):
    """(character position, hyphen added?, penalty) where a word of ``text`` may break, in order."""
    c = setting.composition
    explicit = [i + 1 for i, ch in enumerate(text) if ch in BREAK_AFTER and 2 <= i + 1 <= len(text) - 2
                and text[i - 1].isalnum() and text[i + 1].isalnum()]
    if explicit:
        return [(i, False, c.hyphen_penalty) for i in explicit]
    hy = setting.hyphenator
    if hy is None or len(text) < MIN_WORD:
        return []
    lead, core, _ = _EDGE.match(text).groups()
    if len(core) < MIN_WORD or not _LETTERS.match(core) or (core[0].isupper() and not c.hyphenate_capitals):
        return []
    return [(len(lead) + p, True, c.hyphen_penalty) for p in hy.positions(core)]


def _split_word(w, pos: int, hyphen: bool, space: bool):
    """The unshaped head (with "-" added when ``hyphen``) and tail of frag word w at character pos."""
    fx = cc = None
    n = 0
    for j in range(1, len(w)):
        f, s = w[j]
        if hasattr(f, "cbDefn") or not s:
            continue
        if pos < n + len(s) or (pos == n + len(s) and j == len(w) - 1):
            fx, cc = j, n
            break
        n += len(s)
    if fx is None:
        raise ValueError("split position outside the word")
    f, s = w[fx]
    left, right = s[:pos - cc], s[pos - cc:]
    head = list(w[1:fx])
    if left or hyphen:
        head.append((f, left + ("-" if hyphen else "")))
    tail = list(w[fx + 1:])
    if right:
        tail.insert(0, (f, right))
    head_w = [sum(stringWidth(t, g.fontName, g.fontSize) for g, t in head if not hasattr(g, "cbDefn")), *head]
    tail_w = [sum(stringWidth(t, g.fontName, g.fontSize) for g, t in tail if not hasattr(g, "cbDefn")), *tail]
    head_cls = _SplitFragHY if hyphen else rlp._SplitFragH
    tail_cls = _SplitFragHS if space else _SplitFrag
    return head_cls(head_w), tail_cls(tail_w)


def _set_lines(para, words, infos, shaped_words, items, where, chosen, widths, start_kern):
    """FragLines as ReportLab's breakLines makes them, from the chosen breaks; ``para.frags`` becomes
    the unshaped pieces (what ``split`` hands to the part that goes on)."""
    c = para.setting.composition
    e = c.expansion / 100
    lines = []
    frags = []
    carry = None  # the tail of a word split at the previous break (unshaped)
    k = 0  # next word
    for n, ln in enumerate(chosen):
        brk = where[ln.end]
        kind = brk[0]
        pieces: list[_Piece] = []
        if carry is not None:  # the tail of the word split at the line before
            pieces.append(_Piece(rlp.shapeFragWord(carry), carry, infos[k - 1].space))
            carry = None
        last_word = brk[1] if kind in ("space", "split") else brk[1] - 1
        while k <= last_word:
            w = words[k]
            if kind == "split" and k == last_word:
                _, _, pos, hyphen = brk
                head, carry = _split_word(w, pos, hyphen, isinstance(w, _HSFrag))
                pieces.append(_Piece(rlp.shapeFragWord(head), head, 0.0, hyphen=hyphen, break_after=not hyphen))
            elif shaped_words[k] is not None:
                pieces.append(_Piece(shaped_words[k], w, infos[k].space))
            k += 1
        if kind == "newline":
            k = brk[1] + 1
        width = widths[min(n, len(widths) - 1)]
        final = kind == "end"
        sFW = len(frags)
        frags.extend(p.plain for p in pieces)
        line = _frag_line(pieces, width, sFW)
        if kind == "newline":
            line.lineBreak = ln.ratio >= 0  # set as it is, unless it has to shrink
        # what the line end reads, and how it is set
        if final and pieces and para.trailing:
            _mark_line_end(line, pieces[-1], para.trailing)
        elif not final and pieces:
            sep = SOFT_HYPHEN if pieces[-1].hyphen else "" if pieces[-1].break_after else \
                " " if kind in ("space", "newline") else ""
            _mark_line_end(line, pieces[-1], sep)
        line._brief_flagged = kind == "split" and brk[3]
        line._brief_ratio = ln.ratio if not final else 0.0
        if (not final and kind != "newline") or ln.ratio < 0:  # a last line may have to shrink too
            _justify(line, pieces, items, ln, c, e, width, start_kern if n == 0 else
                     items[chosen[n - 1].end][kp.START_KERN] if n else 0.0)
        else:
            line._brief_overfull = 0.0
        lines.append(line)
    para.frags = para._brief_pieces = frags
    return ParaLines(kind=1, lines=lines)


def _justify(line, pieces, items, ln, c: Composition, e: float, width: float, left: float):
    """Set the line's glyph scale, word spacing and margin shift for a justified line."""
    right = items[ln.end][kp.END_KERN]
    target = width + left + right
    glyphs = sum(p.width for p in pieces)
    spaces = sum(p.space for p in pieces[:-1])
    natural = glyphs + spaces
    delta = target - natural
    room = spaces * (c.space_stretch if delta > 0 else c.space_shrink)
    capacity = e * glyphs
    r = delta / (room + capacity) if room + capacity > 0 else 0.0
    part = max(-1.0, min(1.0, r)) * capacity
    scale = round(1 + part / glyphs, 4) if glyphs and e else 1.0
    line._brief_scale = scale
    line._brief_shift = -left
    # ReportLab sets Tw = extraSpace / spaces, and the viewer scales Tw by Tz
    line.extraSpace = (target - scale * natural) / scale
    shrink_limit = spaces * c.space_shrink + capacity
    line._brief_overfull = max(0.0, -delta - shrink_limit) if delta < 0 else 0.0


def _frag_line(pieces: list[_Piece], max_width: float, sFW: int) -> FragLine:
    """One line's FragLine, built as ReportLab's breakLines builds it (same frags, same merging
    of words of one style into one frag, same word count)."""
    runs = []  # [frag, texts, plains (None: unknown)]: one frag of the line each
    n = 0
    space = 0.0
    width = 0.0
    faces = set()
    for p in pieces:
        w, u = p.shaped, p.plain
        plain = [t for _, t in u[1:]] if len(u) == len(w) else None
        f, ntext = w[1]
        if ntext:
            n += 1
        width += space + w[0]
        for frag, _ in w[1:]:
            faces.add((frag.fontName, frag.fontSize))
        if not runs or (runs[-1][0] is not f and not sameFrag(runs[-1][0], f)):
            if space:
                for run in reversed(runs):
                    if run[0]._fkind == _FK_TEXT:
                        if not (run[1][-1] if run[1] else "").endswith(" "):
                            run[1].append(" ")
                            if run[2] is not None:
                                run[2].append(" ")
                        break
            runs.append([f, [ntext], [plain[0]] if plain else None])
        else:
            run = runs[-1]
            if space:
                run[1].append(" ")
            run[1].append(ntext)
            if run[2] is not None and plain:
                if space:
                    run[2].append(" ")
                run[2].append(plain[0])
            else:
                run[2] = None
        space = p.space
        ni = 0
        for j, (frag, text) in enumerate(w[2:], 2):
            runs.append([frag, [text], [plain[j - 1]] if plain else None])
            if text:
                ni = 1
        if not ntext and ni:
            n += 1
    words = []
    for frag, texts, plains in runs:
        g = frag.clone()
        g.text = _join(texts)
        g._brief_plain = "".join(plains) if plains is not None else None
        words.append(g)
    max_size = max(size for _, size in faces)
    extents = [_ascent_descent(*face) for face in faces]
    return FragLine(extraSpace=max_width - width, wordCount=n, lineBreak=False, words=words,
                    fontSize=max_size, ascent=max(a for a, _ in extents), descent=min(d for _, d in extents),
                    maxWidth=max_width, sFW=sFW)


def _join(texts: list):
    """The texts as one string; shaped (with each part's shaping data) if any part is."""
    if len(texts) == 1:
        return texts[0]
    if not any(isinstance(t, ShapedStr) for t in texts):
        return "".join(texts)
    data = []
    for t in texts:
        data.extend(t.__shapeData__ if isinstance(t, ShapedStr) else len(t) * [_sdSimple])
    return ShapedStr("".join(texts), shapeData=data)


_EXTENTS: dict = {}


def _ascent_descent(name: str, size: float):
    key = (name, size)
    v = _EXTENTS.get(key)
    if v is None:
        v = _EXTENTS[key] = getAscentDescent(name, size)
    return v


def _mark_line_end(line, piece: _Piece, sep: str) -> None:
    """Say what the last text of the line reads: its text and the separator the break swallowed."""
    for i in range(len(line.words) - 1, -1, -1):
        f = line.words[i]
        if hasattr(f, "cbDefn") or not f.text:
            continue
        plain = getattr(f, "_brief_plain", None)
        if plain is None:
            return
        if piece.hyphen and plain.endswith("-"):
            plain = plain[:-1]
        if sep or piece.hyphen:
            line._brief_actual = (i, _last_word(plain) + sep)
        return


def _mark_reportlab_lines(para, bl) -> None:
    """Line ends of a paragraph ReportLab broke: a space where it broke at one; a hyphen it added
    reads as a soft hyphen; a word it split by force (a URL at a slash, a long word) reads on."""
    lines = bl.lines
    frags = para.frags
    for n, line in enumerate(lines):
        if n == len(lines) - 1:
            if not para.trailing:
                break
            sep, hyphen = para.trailing, False
        elif line.lineBreak:
            continue
        else:
            sep, hyphen = _reportlab_break(frags, lines[n + 1])
        for i in range(len(line.words) - 1, -1, -1):
            f = line.words[i]
            if hasattr(f, "cbDefn") or not f.text:
                continue
            text = _unshaped(f)
            if text is None:
                break
            if hyphen and text.endswith("-"):
                text = text[:-1]
            if sep:
                line._brief_actual = (i, _last_word(text.rstrip(" ")) + sep)
            break


def _last_word(text: str) -> str:
    """What follows the last space of a frag's text (the part its ActualText span covers)."""
    return text[text.rfind(" ") + 1:]


def _reportlab_break(frags, nxt) -> tuple[str, bool]:
    """(separator, hyphen added?) of the break before line ``nxt`` of a paragraph ReportLab broke."""
    before = frags[nxt.sFW - 1] if 0 < nxt.sFW <= len(frags) else None
    if isinstance(before, _InjectedFrag) and nxt.sFW >= 2:
        before = frags[nxt.sFW - 2]
    if isinstance(before, _SplitFragHY):
        return SOFT_HYPHEN, True
    if isinstance(before, _SplitFrag) and not isinstance(before, _HSFrag):
        return "", False  # a word broken by force (a URL at a slash, a word wider than the column)
    return " ", False


def _unshaped(f) -> str | None:
    """The characters a (possibly shaped) frag's text stands for; None if a glyph has no known text."""
    text = str(f.text)
    if not any(0xE000 <= ord(ch) <= 0xF8FF for ch in text):
        return text
    font = getFont(f.fontName)
    private = rl.shaped_glyph_names(font)
    out = []
    for ch in text:
        if 0xE000 <= ord(ch) <= 0xF8FF:
            name = private.get(ord(ch))
            if name is None:
                return None
            out.append(rl.glyph_text(name))
        else:
            out.append(ch)
    return "".join(out)


# ---------------------------------------------------------------- drawing
def _plan(lines) -> list:
    """What each call of the text object's ``_textOut`` draws around its text, in the order
    ReportLab's ``_putFragLine`` makes the calls: the line's horizontal scaling (first call),
    an ActualText span (the line's last text), the scaling's reset (last call, before ``T*``)."""
    plan = []
    for line in lines:
        words = line.words
        scale = getattr(line, "_brief_scale", 1.0)
        actual = getattr(line, "_brief_actual", None)
        calls = []
        for i, f in enumerate(words):
            if hasattr(f, "cbDefn"):
                if f is words[-1]:
                    calls.append(["", None])
            else:
                calls.append([f.text, actual[1] if actual is not None and actual[0] == i else None])
        for j, (text, act) in enumerate(calls):
            pre = f"{_num(scale * 100)} Tz " if scale != 1.0 and j == 0 else ""
            post = " 100 Tz" if scale != 1.0 and j == len(calls) - 1 else ""
            plan.append((text, pre, act, post))
    return plan


def _num(v: float) -> str:
    s = f"{v:.2f}".rstrip("0").rstrip(".")
    return s or "0"


def _planned_text_out(self, text, TStar=0):
    """``TextObject._textOut`` with the paragraph's plan: the same operators, with the line's
    ``Tz`` and the line end's ``/Span <</ActualText …>> BDC … EMC`` around them, in one code
    entry (so marks that the tagging inserts between entries keep nesting)."""
    plan, i = self._brief_plan, self._brief_next
    if i < len(plan) and (plan[i][0] is text or plan[i][0] == text):
        _, pre, actual, post = plan[i]
        self._brief_next = i + 1
        if actual is not None and text:
            # the span holds the frag's last word only: a reader that shows ActualText keeps
            # the other words' glyph positions
            cut = text.rstrip(" ").rfind(" ") + 1
            head = rl.format_text(self, text[:cut]) + " " if cut else ""
            code = f"{head}/Span <</ActualText {_pdf_text(actual)}>> BDC {rl.format_text(self, text[cut:])} EMC"
        else:
            code = rl.format_text(self, text) if text else ""
        code = f"{pre}{code}{post}"
    else:
        code = rl.format_text(self, text) if text else ""
    rl.text_operators(self).append(f"{code}{' T*' if TStar else ''}")


def _pdf_text(s: str) -> str:
    """A PDF text string: UTF-16BE with its byte order mark, as hex."""
    return "<FEFF" + s.encode("utf-16-be").hex().upper() + ">"
