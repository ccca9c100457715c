"""Balanced columns: a flowable that sets its content in N columns across the frame.

When everything left fits on the page, the columns are balanced (the shortest height at
which the content fits in N columns); otherwise they are filled to the bottom and the
rest continues on the next page. Paragraphs split with ReportLab's own ``split`` (so
widow and orphan control holds), ``keepWithNext`` keeps a heading with what follows,
and nothing is drawn where it was not measured.
"""

from __future__ import annotations

from reportlab.platypus import Flowable, Paragraph

from .tagging import ARTIFACT, marked

_FUZZ = 1e-6
_BIG = 1e9


def _space_before(f, first: bool) -> float:
    return 0.0 if first else f.getSpaceBefore()


def _height(f, width: float, memo: dict) -> float:
    """A flowable's height at this column width (wrapping, and shaping, happen once)."""
    h = memo.get(f)
    if h is None:
        if getattr(f, "_first_of_split", False):
            h = f.height  # ReportLab's split() hands back its first part already laid out
        else:
            _, h = f.wrap(width, _BIG)
        memo[f] = h
    return h


def fill(flowables: list, width: float, height: float, memo: dict | None = None) -> tuple[list, list]:
    """Take what fits in one column of ``height``: ([(flowable, y_offset, h)], rest)."""
    memo = {} if memo is None else memo
    placed, rest = [], list(flowables)
    y = 0.0
    while rest:
        f = rest[0]
        sb = _space_before(f, not placed)
        h = _height(f, width, memo)
        if y + sb + h <= height + _FUZZ:
            if f.getKeepWithNext() and len(rest) > 1 and not _next_fits(rest[1], width, height - y - sb - h
                                                                          - f.getSpaceAfter(), memo):
                if placed:  # move the heading on with what it belongs to
                    break
            placed.append((f, y + sb, h))
            y += sb + h + f.getSpaceAfter()
            rest.pop(0)
            continue
        parts = f.split(width, height - y - sb) if height - y - sb > 0 else []
        if parts:
            first = parts[0]
            if isinstance(first, Paragraph) and hasattr(first, "blPara"):
                first._first_of_split = True
            h = _height(first, width, memo)
            if y + sb + h <= height + _FUZZ:
                placed.append((first, y + sb, h))
                rest[0:1] = parts[1:]
        break
    return placed, rest


def _next_fits(f, width: float, avail: float, memo: dict) -> bool:
    """Whether at least the start of ``f`` fits in ``avail`` (a whole flowable or a split part)."""
    if avail <= 0:
        return False
    h = _height(f, width, memo)
    if h <= avail + _FUZZ:
        return True
    parts = f.split(width, avail)
    return bool(parts)


class Columns(Flowable):
    """Content set in ``n`` columns of width ``(aw - gutter*(n-1))/n``."""

    def __init__(self, flowables: list, n: int = 2, gutter: float = 12.0, rule: float = 0.0,
                 rule_colour=None, memo: dict | None = None):
        super().__init__()
        self.content, self.n, self.gutter = list(flowables), n, gutter
        self.rule, self.rule_colour = rule, rule_colour
        self._layout: list[list] | None = None
        # heights by column width, shared with the parts this flow splits or joins into
        self._memos: dict = {} if memo is None else memo
        self._fills: dict = {}

    def joined(self, other: "Columns") -> "Columns":
        """One column flow of this content followed by the other's."""
        self._memos.update(other._memos)
        return Columns(self.content + other.content, self.n, self.gutter, self.rule, self.rule_colour,
                       self._memos)

    def _col_width(self, aw: float) -> float:
        return (aw - self.gutter * (self.n - 1)) / self.n

    def _fill_all(self, width: float, height: float) -> tuple[list[list], list]:
        # the frame asks wrap() and then split() at the same size: fill once per size
        key = (round(width, 3), round(height, 3))
        if key in self._fills:
            return self._fills[key]
        memo = self._memos.setdefault(round(width, 6), {})
        cols, rest = [], self.content
        for _ in range(self.n):
            placed, rest = fill(rest, width, height, memo)
            cols.append(placed)
        self._fills[key] = (cols, rest)
        return cols, rest

    def wrap(self, aw, ah):
        width = self._col_width(aw)
        cols, rest = self._fill_all(width, ah)
        if rest:  # more than the frame holds: say so, and the frame will call split()
            self._layout, self.width, self.height = cols, aw, ah
            return aw, ah + 1
        # everything fits: find the lowest height at which it still does (balance)
        lo, hi = 0.0, max(self._used(c) for c in cols)
        for _ in range(18):
            if hi - lo < 1.0:  # lines come in steps of a leading; a point is close enough
                break
            mid = (lo + hi) / 2
            _, rest = self._fill_all(width, mid)
            if rest:
                lo = mid
            else:
                hi = mid
        # what is drawn comes from the pass at the chosen height (cached, or laid out now)
        best, _ = self._fill_all(width, hi)
        self._layout, self.width = best, aw
        self.height = max(self._used(c) for c in best)
        return aw, self.height

    @staticmethod
    def _used(col: list) -> float:
        return max((y + h for _, y, h in col), default=0.0)

    def split(self, aw, ah):
        width = self._col_width(aw)
        cols, rest = self._fill_all(width, ah)
        if not rest:
            return [self]
        if not any(cols):
            return []
        done = _Placed(cols, width, self.gutter, ah, self.rule, self.rule_colour)
        return [done, Columns(rest, self.n, self.gutter, self.rule, self.rule_colour, self._memos)]

    def draw(self):
        _draw_columns(self.canv, self._layout or [], self._col_width(self.width), self.gutter, self.height,
                      self.rule, self.rule_colour)


class _Placed(Flowable):
    """The part of a Columns flowable that filled one page."""

    def __init__(self, cols, width, gutter, height, rule, rule_colour):
        super().__init__()
        self.cols, self.col_w, self.gutter, self.rule, self.rule_colour = cols, width, gutter, rule, rule_colour
        self.height = height

    def wrap(self, aw, ah):
        self.width = aw
        return aw, self.height

    def draw(self):
        _draw_columns(self.canv, self.cols, self.col_w, self.gutter, self.height, self.rule, self.rule_colour)


def _draw_columns(canv, cols, col_w, gutter, height, rule, rule_colour):
    for i, col in enumerate(cols):
        x = i * (col_w + gutter)
        for f, y, h in col:
            if isinstance(f, Paragraph) and not hasattr(f, "blPara"):
                f.wrap(col_w, _BIG)  # a paragraph split in a trial layout lost its lines
            f.drawOn(canv, x, height - y - h)
    if rule and len(cols) > 1:
        with marked(canv, ARTIFACT):
            canv.saveState()
            canv.setStrokeColor(rule_colour)
            canv.setLineWidth(rule)
            used = max((y + h for col in cols for _, y, h in col), default=0)
            for i in range(1, len(cols)):
                x = i * (col_w + gutter) - gutter / 2
                canv.line(x, height, x, height - used)
            canv.restoreState()
