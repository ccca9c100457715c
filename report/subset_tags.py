"""A subset tag of its own for every embedded font subset (ISO 32000-1 9.6.4).

ReportLab names each subset of a TrueType font by the subset's number alone: the first subset
of every font is ``AAAAAA+``, so one tag stands for six different fonts in a brief, and a
reader, a preflight or a print shop that caches fonts by name mixes them up. The standard wants
a tag that differs for different subsets. :func:`install_unique_subset_tags` makes the tag six
capital letters from a SHA-256 of the font's name, the subset's number and the characters in it:
the same subset gets the same tag in every build (reproducible editions), different subsets
different tags.

ReportLab internals used: ``reportlab.pdfbase.ttfonts.SUBSETN`` (the subset number → tag
function ``TTFont.addObjects`` calls) and ``TTFont.addObjects`` with its per-document state.
"""

from __future__ import annotations

import hashlib

_making: list = []  # (font, its subsets) while ReportLab adds a font's objects


def subset_tag(font_name: str, number: int, subset) -> str:
    """Six capital letters for subset ``number`` of ``font_name`` holding code points ``subset``."""
    digest = hashlib.sha256(f"{font_name}\0{number}\0{','.join(map(str, subset))}".encode()).digest()
    return "".join(chr(65 + b % 26) for b in digest[:6])


def install_unique_subset_tags() -> None:
    from reportlab.pdfbase import ttfonts

    original_add = ttfonts.TTFont.addObjects
    if getattr(original_add, "_brief_fix", False):
        return
    original_tag = ttfonts.SUBSETN

    def add_objects(self, doc):
        state = self.state.get(doc)
        _making.append((self, state.subsets if state is not None else None))
        try:
            return original_add(self, doc)
        finally:
            _making.pop()

    def tag(n, *args, **kw):
        if not _making or _making[-1][1] is None:
            return original_tag(n, *args, **kw)
        font, subsets = _making[-1]
        name = font.face.name
        name = name.decode("latin-1") if isinstance(name, bytes) else str(name)
        return subset_tag(name, n, subsets[n]).encode("ascii")

    add_objects._brief_fix = True
    ttfonts.TTFont.addObjects = add_objects
    ttfonts.SUBSETN = tag
