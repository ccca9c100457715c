"""Tagged PDF, recorded as the layout draws.

The layout builds the logical structure of the brief in source order (a tree of
:class:`Element`) before anything is drawn, and every flowable draws its content inside a
marked-content sequence for its element: ``/P <</MCID 3>> BDC … EMC``, MCIDs counted per
page. A paragraph split across columns or pages draws each part under the same element,
so one element owns marked content on several pages. What is not content (rules, the
pull quote, the running footer) is drawn as ``/Artifact``. Link annotations made while an
element draws become its ``Link`` children. Figures get their MCID here and are marked by
the compose stage, which stamps them. The finishing stage turns the tree into the PDF's
structure tree (:mod:`report.pdf.tagged`).

This module knows ReportLab's canvas only through ``_code`` (the page's content
operators) and ``_annotationrefs`` (the page's annotations so far).
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Content:
    """A marked-content sequence: page index (0-based) and MCID."""

    page: int
    mcid: int


@dataclass(frozen=True)
class Annot:
    """A link annotation: page index and its position in the page's /Annots."""

    page: int
    index: int


@dataclass(eq=False)
class Element:
    """A structure element: a standard type (H1, P, L, LI, LBody, Note, Figure, Caption,
    Link, Document) and its kids in reading order (elements, content, annotations)."""

    role: str
    kids: list = field(default_factory=list)
    alt: str | None = None  # Figure: alternative text
    id: str | None = None  # Note: a unique ID
    bbox: tuple[int, tuple[float, float, float, float]] | None = None  # Figure: (page, box)
    attributes: dict = field(default_factory=dict)  # e.g. {"ListNumbering": "Decimal"} for L
    actual_text: str | None = None  # the text as written, where it is drawn transformed (capitals)
    contents: str | None = None  # Link: the annotation's /Contents
    href: str | None = None  # Link: where it goes
    links: dict = field(default_factory=dict)  # href -> description, for the links it draws

    def add(self, role: str, **kw) -> "Element":
        child = Element(role, **kw)
        self.kids.append(child)
        return child

    def walk(self):
        yield self
        for kid in self.kids:
            if isinstance(kid, Element):
                yield from kid.walk()


@dataclass(frozen=True)
class Artifact:
    """Marked content that is not part of the text: ``/Artifact <<…>> BDC``."""

    properties: str = ""

    def begin(self) -> str:
        return f"/Artifact {self.properties} BDC" if self.properties else "/Artifact BMC"


ARTIFACT = Artifact("<</Type /Layout>>")
FOOTER = Artifact("<</Type /Pagination /Subtype /Footer>>")


class Tags:
    """The structure tree of one layout and the MCIDs handed out on each page."""

    def __init__(self):
        self.root = Element("Document")
        self._next: dict[int, int] = {}
        self._drawing: list[Element] = []

    def mcid(self, page: int, element: Element) -> int:
        """The next MCID of ``page``, owned by ``element``."""
        n = self._next.get(page, 0)
        self._next[page] = n + 1
        element.kids.append(Content(page, n))
        return n

    def mcid_count(self, page: int) -> int:
        return self._next.get(page, 0)

    def link(self, page: int, index: int, href: str) -> None:
        """A link annotation was just made on ``page`` while the innermost element drew."""
        if not self._drawing:
            raise ValueError(f"a link to {href} outside any tagged content")
        owner = self._drawing[-1]
        last = owner.kids[-1] if owner.kids else None
        if isinstance(last, Element) and last.role == "Link" and last.href == href:
            last.kids.append(Annot(page, index))  # the same link, broken across lines
            return
        owner.add("Link", kids=[Annot(page, index)], href=href, contents=owner.links.get(href, href))


@contextmanager
def marked(canv, tag):
    """Draw inside a marked-content sequence for ``tag`` (an Element or an Artifact);
    nothing when the canvas records no tags or ``tag`` is None."""
    tags: Tags | None = getattr(canv, "tags", None)
    if tags is None or tag is None:
        yield
        return
    if isinstance(tag, Artifact):
        canv._code.append(tag.begin())
        try:
            yield
        finally:
            canv._code.append("EMC")
        return
    n = tags.mcid(canv.getPageNumber() - 1, tag)
    canv._code.append(f"/{tag.role} <</MCID {n}>> BDC")
    tags._drawing.append(tag)
    try:
        yield
    finally:
        tags._drawing.pop()
        canv._code.append("EMC")


class MarkedFlowable:
    """Mixin for a ReportLab flowable: ``tag`` (Element, Artifact or None) marks what it draws."""

    tag = None

    def _drawOn(self, canv):
        with marked(canv, self.tag):
            super()._drawOn(canv)


class TaggingCanvas:
    """Mixin for the ReportLab canvas: records each link annotation under the element
    being drawn. ``tags`` is set on the class by the layout."""

    tags: Tags | None = None

    def linkURL(self, url, rect, *args, **kw):
        super().linkURL(url, rect, *args, **kw)
        self._tag_link(url)

    def linkRect(self, contents, destinationname, *args, **kw):
        super().linkRect(contents, destinationname, *args, **kw)
        self._tag_link("#" + destinationname)

    def _tag_link(self, href: str) -> None:
        if self.tags is not None:
            self.tags.link(self.getPageNumber() - 1, len(self._annotationrefs) - 1, href)


def text_of(runs) -> str:
    """A description of text runs (for a link's /Contents)."""
    return "".join(r.text for r in runs).strip()
