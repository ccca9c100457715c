"""The outline's counts (ISO 32000-1 12.3.3): ReportLab writes the root's ``/Count`` as the
number of entries plus one (7 for 6 bookmarks), which a strict reader (pdfcpu) rejects. Every
``/Count`` is set again from the tree: an open item's count is the number of its visible
descendants, a closed item's the negative number of its children, and the root's the number
of visible items; an item without children has none."""

from __future__ import annotations

import pikepdf


def count_outline(pdf: pikepdf.Pdf) -> None:
    root = pdf.Root.get("/Outlines")
    if root is None:
        return
    visible = _visible(root, set())
    if visible:
        root.Count = visible
    elif "/Count" in root:
        del root["/Count"]


def _visible(node, seen: set) -> int:
    """Visible descendants of an open ``node`` (setting its children's counts on the way)."""
    total = 0
    kid = node.get("/First")
    while kid is not None and kid.objgen not in seen:
        seen.add(kid.objgen)
        total += 1
        below = _visible(kid, seen)
        closed = int(kid.get("/Count", 0)) < 0
        if "/First" in kid:
            children = _children(kid)
            kid.Count = -children if closed else below
            if not closed:
                total += below
        elif "/Count" in kid:
            del kid["/Count"]
        kid = kid.get("/Next")
    return total


def _children(node) -> int:
    n, kid = 0, node.get("/First")
    while kid is not None:
        n += 1
        kid = kid.get("/Next")
    return n
