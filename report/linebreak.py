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


# An item is a plain tuple (the breaker's loop reads thousands of them per paragraph):
# (kind, width, stretch, shrink, penalty, flagged, end_kern, start_kern), where end_kern is the
# protrusion of a line that ends at this break and start_kern that of the line after it.
KIND, WIDTH, STRETCH, SHRINK, COST, FLAGGED, END_KERN, START_KERN = range(8)
Item = tuple


def box(width: float) -> Item:
    return (BOX, width, 0.0, 0.0, 0.0, False, 0.0, 0.0)


def glue(width: float, stretch: float, shrink: float, end_kern: float = 0.0, start_kern: float = 0.0) -> Item:
    return (GLUE, width, stretch, shrink, 0.0, False, end_kern, start_kern)


def penalty(width: float, cost: float, flagged: bool = False, end_kern: float = 0.0) -> Item:
    return (PENALTY, width, 0.0, 0.0, cost, flagged, end_kern, 0.0)


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


def _fitness(r: float) -> int:
    if r < -0.5:
        return 0
    if r <= 0.5:
        return 1
    if r <= 1:
        return 2
    return 3


def breakpoints(items: list[Item], widths, params: Params = Params(),
                no_flag_at_line: int | None = None, start_kern: float = 0.0,
                last_resort: bool = True) -> list[Line] | None:
    """The optimal lines of ``items`` (which must end in a forced break, ``penalty(0, -INF)``);
    ``widths(0)`` is the first line's measure, ``widths(1)`` every later line's; ``start_kern`` the first line's left
    protrusion. Passes: first at ``params.tolerance``, then at any badness, which never fails (a line
    that cannot shrink enough is set overfull, as TeX does; no emergency stretch, which would hide
    how loose the lines it lets through are). Without ``last_resort``, None when the first pass fails."""
    n = len(items)
    if not n or items[-1][KIND] != PENALTY or items[-1][COST] > -INF:
        raise ValueError("a paragraph ends in a forced break")
    # cumulative width, stretch, shrink and box width before item i
    W, Y, Z, X = [0.0] * (n + 1), [0.0] * (n + 1), [0.0] * (n + 1), [0.0] * (n + 1)
    w = y = z = x = 0.0
    for i, it in enumerate(items):
        W[i], Y[i], Z[i], X[i] = w, y, z, x
        kind = it[0]
        if kind == BOX:
            w += it[1]
            x += it[1]
        elif kind == GLUE:
            w += it[1]
            y += it[2]
            z += it[3]
    W[n], Y[n], Z[n], X[n] = w, y, z, x
    # after a break, the discardable items (glue, penalties) up to the next box are dropped
    after = [n] * (n + 1)
    nxt = n
    for i in range(n - 1, -1, -1):
        if items[i][0] == BOX:
            nxt = i
        after[i] = nxt
    sums = (W, Y, Z, X, after)
    lines = _run(items, widths, params, no_flag_at_line, start_kern, sums, params.tolerance, False)
    if lines is None and last_resort:  # any badness, and an overfull line where nothing else is left
        lines = _run(items, widths, params, no_flag_at_line, start_kern, sums, INF, True)
    return lines


def _run(items, widths, p: Params, no_flag_at_line, start_kern, sums, tolerance, final):
    """One pass. Active nodes are tuples (see ``_N_*``), for speed: this loop is the composer's cost."""
    W, Y, Z, X, after = sums
    e = p.expansion
    keyed = no_flag_at_line is not None
    no_flag = -1 if no_flag_at_line is None else no_flag_at_line
    max_run, line_penalty = p.max_hyphens, p.line_penalty
    double, final_hyphen, adj = p.double_hyphen_demerits, p.final_hyphen_demerits, p.adj_demerits
    first_measure, measure = widths(0), widths(1)  # lines after the first are alike
    r_max = (tolerance / 100) ** (1 / 3) + 1e-9 if tolerance < INF else INF  # badness 100 r³
    s0 = after[0]
    # (pos, line, fitness, run, w, y, z, x, demerits, prev, flagged, ratio, start, width of its line)
    active = [(-1, 0, 1, 0, W[s0], Y[s0], Z[s0], X[s0], 0.0, None, False, 0.0, s0, first_measure + start_kern)]
    prev_kind = None
    for i, it in enumerate(items):
        kind = it[0]
        if kind == BOX:
            prev_kind = BOX
            continue
        cost = it[4]
        if kind == GLUE:
            legal = prev_kind == BOX
        else:
            legal = cost < INF
        prev_kind = kind
        if not legal:
            continue
        forced = kind == PENALTY and cost <= -INF
        flagged = it[5]
        if kind == PENALTY:
            pw = it[1]
            extra = cost ** 2 if cost >= 0 else (-cost ** 2 if not forced else 0.0)
        else:
            pw = extra = 0.0
        Wi, Yi, Zi, Xi, end_kern = W[i] + pw, Y[i], Z[i], X[i], it[6]
        best: dict = {}
        dropped = 0
        overfull = []
        for a in active:
            width = a[13] + end_kern
            natural = Wi - a[4]
            if natural < width:
                stretch = Yi - a[5] + e * (Xi - a[7])
                r = (width - natural) / stretch if stretch > 0 else INF
                if r > r_max:
                    continue
            else:
                shrink = Zi - a[6] + e * (Xi - a[7])
                r = (width - natural) / shrink if shrink > 0 else (0.0 if natural == width else -INF)
                if r < -1:  # this node's lines are too long from here on
                    overfull.append((a, r))
                    dropped += 1
                    continue
            bad = 100 * abs(r) ** 3
            if bad > tolerance:
                continue
            run = a[3] + 1 if flagged else 0
            if run > max_run or (flagged and a[1] == no_flag):
                continue
            d = (line_penalty + bad) ** 2 + extra + a[8]
            if a[10]:
                if flagged:
                    d += double
                elif forced:
                    d += final_hyphen
            fit = 0 if r < -0.5 else 1 if r <= 0.5 else 2 if r <= 1 else 3
            if fit - a[2] > 1 or a[2] - fit > 1:
                d += adj
            key = (fit, run, a[1] if keyed else 0)
            old = best.get(key)
            if old is None or d < old[0]:
                best[key] = (d, a, r)
        if forced:
            survivors = []
        elif dropped:
            gone = {id(a) for a, _ in overfull}
            survivors = [a for a in active if id(a) not in gone]
        else:
            survivors = active
        if final and not best and not survivors:
            # nowhere to go but an overfull line (TeX's artificial demerits), or past a hyphen limit
            for a, r in overfull:
                _consider(best, a, r, INF, it, flagged, forced, p, keyed)
        active = survivors
        if best:
            s = after[i + 1]
            Ws, Ys, Zs, Xs, sk = W[s], Y[s], Z[s], X[s], it[7]
            for (fit, run, _), (d, a, r) in best.items():
                active.append((i, a[1] + 1, fit, run, Ws, Ys, Zs, Xs, d, a, flagged, r, s, measure + sk))
        if not active:
            return None
    node = min(active, key=lambda a: a[8])
    out = []
    while node[9] is not None:
        out.append(Line(node[9][12], node[0], node[11], node[10]))
        node = node[9]
    return out[::-1]


def _consider(best, a, r, bad, it, flagged, forced, p: Params, keyed):
    """A line from ``a`` to break ``it`` let through whatever it costs (the last pass's way out)."""
    run = min(a[3] + 1 if flagged else 0, p.max_hyphens)
    d = (p.line_penalty + bad) ** 2 + a[8]
    if it[0] == PENALTY and it[4] > -INF:
        d += it[4] ** 2 if it[4] >= 0 else -it[4] ** 2
    if flagged and a[10]:
        d += p.double_hyphen_demerits
    elif forced and a[10]:
        d += p.final_hyphen_demerits
    fit = _fitness(r)
    if abs(fit - a[2]) > 1:
        d += p.adj_demerits
    key = (fit, run, a[1] if keyed else 0)
    old = best.get(key)
    if old is None or d < old[0]:
        best[key] = (d, a, r)
