"""Total-fit line breaking (Knuth and Plass, "Breaking paragraphs into lines", 1981), as TeX does it.

A paragraph is a list of items: boxes (fixed width: a word, or a syllable of one), glue (a
space that can stretch and shrink) and penalties (a possible break, with a cost; a *flagged*
penalty is a hyphen). :func:`breakpoints` chooses the breaks that minimise the sum of the
demerits of all lines at once: the badness of each line (how far its spaces are stretched or
shrunk, ``100 |r|³``), plus the penalty of its break, squared with the line penalty, plus extra
demerits for two hyphenated lines in a row, for a hyphen before the last line and for a tight
line next to a loose one (fitness classes). Beyond TeX:

- *expansion*: glyphs may be widened or narrowed by up to ``expansion`` (a fraction of their
  width), which adds stretch and shrink to every line in proportion to its boxes, as pdfTeX's
  font expansion does; the same ratio ``r`` drives glue and glyphs;
- *protrusion*: a break may carry a right margin kern (the line ending there may be that much
  wider, a hyphen or full stop hanging into the margin) and a left one for the line after it;
- at most ``max_hyphens`` consecutive lines end in a flagged break (a hard limit, not demerits);
- ``no_flag_at_line``: the line with that number (0-based) may not end in a flagged break (the
  last line of a column or page).

It knows nothing of fonts or PDF: the paragraph flowable (:mod:`report.composer`) builds the
items and sets the lines.
"""

from __future__ import annotations

from dataclasses import dataclass

INF = 10_000  # a penalty of INF never breaks, -INF always does
BOX, GLUE, PENALTY = 0, 1, 2


@dataclass(slots=True)
class Item:
    kind: int
    width: float = 0.0
    stretch: float = 0.0
    shrink: float = 0.0
    penalty: float = 0.0
    flagged: bool = False
    end_kern: float = 0.0    # protrusion of a line that ends at this break
    start_kern: float = 0.0  # protrusion of the line that starts after this break


def box(width: float) -> Item:
    return Item(BOX, width)


def glue(width: float, stretch: float, shrink: float) -> Item:
    return Item(GLUE, width, stretch, shrink)


def penalty(width: float, cost: float, flagged: bool = False) -> Item:
    return Item(PENALTY, width, penalty=cost, flagged=flagged)


@dataclass(frozen=True)
class Params:
    tolerance: float = 200           # the largest badness of a line (TeX's \tolerance)
    line_penalty: float = 10         # \linepenalty
    double_hyphen_demerits: float = 10_000  # \doublehyphendemerits
    final_hyphen_demerits: float = 5_000    # \finalhyphendemerits
    adj_demerits: float = 10_000     # \adjdemerits: fitness classes more than one apart
    expansion: float = 0.0           # glyphs may change width by this fraction (0.02: ±2 %)
    max_hyphens: int = 2             # consecutive lines ending in a flagged break


@dataclass(frozen=True)
class Line:
    """A chosen line: items ``start`` (after the previous break's discardables) to ``end`` (the
    break item, exclusive) and its adjustment ratio; ``flagged`` if it ends in a hyphen."""

    start: int
    end: int
    ratio: float
    flagged: bool


class _Node:
    __slots__ = ("pos", "line", "fitness", "run", "w", "y", "z", "x", "demerits", "prev", "flagged",
                 "ratio", "start")

    def __init__(self, pos, line, fitness, run, w, y, z, x, demerits, prev, flagged, ratio, start):
        self.pos, self.line, self.fitness, self.run = pos, line, fitness, run
        self.w, self.y, self.z, self.x = w, y, z, x
        self.demerits, self.prev, self.flagged, self.ratio, self.start = demerits, prev, flagged, ratio, start


def _fitness(r: float) -> int:
    if r < -0.5:
        return 0
    if r <= 0.5:
        return 1
    if r <= 1:
        return 2
    return 3


def breakpoints(items: list[Item], widths, params: Params = Params(),
                no_flag_at_line: int | None = None, start_kern: float = 0.0) -> list[Line]:
    """The optimal lines of ``items`` (which must end in a forced break, ``penalty(0, -INF)``);
    ``widths(n)`` is the measure of line n (0-based), ``start_kern`` the first line's left
    protrusion. Passes: first at ``params.tolerance``, then at any badness, which never fails (a line
    that cannot shrink enough is set overfull, as TeX does; no emergency stretch, which would hide
    how loose the lines it lets through are)."""
    n = len(items)
    if not n or items[-1].kind != PENALTY or items[-1].penalty > -INF:
        raise ValueError("a paragraph ends in a forced break")
    # cumulative width, stretch, shrink and box width before item i
    W, Y, Z, X = [0.0] * (n + 1), [0.0] * (n + 1), [0.0] * (n + 1), [0.0] * (n + 1)
    w = y = z = x = 0.0
    for i, it in enumerate(items):
        W[i], Y[i], Z[i], X[i] = w, y, z, x
        if it.kind == BOX:
            w += it.width
            x += it.width
        elif it.kind == GLUE:
            w += it.width
            y += it.stretch
            z += it.shrink
    W[n], Y[n], Z[n], X[n] = w, y, z, x
    # after a break, the discardable items (glue, penalties) up to the next box are dropped
    after = [n] * (n + 1)
    nxt = n
    for i in range(n - 1, -1, -1):
        if items[i].kind == BOX:
            nxt = i
        after[i] = nxt
    sums = (W, Y, Z, X, after)
    lines = _run(items, widths, params, no_flag_at_line, start_kern, sums, params.tolerance, False)
    if lines is None:  # any badness, and an overfull line where nothing else is left
        lines = _run(items, widths, params, no_flag_at_line, start_kern, sums, INF, True)
    return lines


def _run(items, widths, p: Params, no_flag_at_line, start_kern, sums, tolerance, final):
    W, Y, Z, X, after = sums
    e = p.expansion
    keyed = no_flag_at_line is not None
    s0 = after[0]
    active = [_Node(-1, 0, 1, 0, W[s0], Y[s0], Z[s0], X[s0], 0.0, None, False, 0.0, s0)]
    prev_kind = None
    for i, it in enumerate(items):
        kind = it.kind
        legal = (kind == GLUE and prev_kind == BOX) or (kind == PENALTY and it.penalty < INF)
        prev_kind = kind
        if not legal:
            continue
        forced = kind == PENALTY and it.penalty <= -INF
        flagged = kind == PENALTY and it.flagged
        pw = it.width if kind == PENALTY else 0.0
        best: dict = {}
        survivors = []
        overfull = []
        for a in active:
            width = widths(a.line) + it.end_kern + (items[a.pos].start_kern if a.pos >= 0 else start_kern)
            natural = W[i] - a.w + pw
            if natural < width:
                stretch = Y[i] - a.y + e * (X[i] - a.x)
                r = (width - natural) / stretch if stretch > 0 else INF
            elif natural > width:
                shrink = Z[i] - a.z + e * (X[i] - a.x)
                r = (width - natural) / shrink if shrink > 0 else -INF
            else:
                r = 0.0
            if r < -1:
                overfull.append((a, r))
                continue
            if not forced:
                survivors.append(a)
            bad = min(100 * abs(r) ** 3, INF)
            if bad <= tolerance:
                _consider(best, a, r, bad, it, flagged, forced, p, keyed, no_flag_at_line, strict=True)
        if final and not best and not survivors:
            # nowhere to go but an overfull line (TeX's artificial demerits), or past a hyphen limit
            for a, r in overfull or []:
                _consider(best, a, r, INF, it, flagged, forced, p, keyed, no_flag_at_line, strict=False)
        active = survivors
        if best:
            s = after[i + 1]
            for (fit, run, _), (d, a, r) in best.items():
                active.append(_Node(i, a.line + 1, fit, run, W[s], Y[s], Z[s], X[s], d, a, flagged, r, s))
        if not active:
            return None
    node = min(active, key=lambda a: a.demerits)
    out = []
    while node.prev is not None:
        out.append(Line(node.prev.start, node.pos, node.ratio, node.flagged))
        node = node.prev
    return out[::-1]


def _consider(best, a, r, bad, it, flagged, forced, p: Params, keyed, no_flag_at_line, strict):
    run = a.run + 1 if flagged else 0
    if strict and (run > p.max_hyphens or (flagged and a.line == no_flag_at_line)):
        return
    run = min(run, p.max_hyphens)
    d = (p.line_penalty + bad) ** 2
    if it.kind == PENALTY:
        if it.penalty >= 0:
            d += it.penalty ** 2
        elif it.penalty > -INF:
            d -= it.penalty ** 2
    if flagged and a.flagged:
        d += p.double_hyphen_demerits
    elif forced and a.flagged:
        d += p.final_hyphen_demerits
    fit = _fitness(r)
    if abs(fit - a.fitness) > 1:
        d += p.adj_demerits
    d += a.demerits
    key = (fit, run, a.line + 1 if keyed else 0)
    old = best.get(key)
    if old is None or d < old[0]:
        best[key] = (d, a, r)
