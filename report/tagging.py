"""Tagged PDF, recorded as the layout draws.

The layout builds the logical structure of the brief in source order (a tree of
:class:`Element`) before anything is drawn, and every flowable draws its content inside a
marked-content sequence for its element: ``/P <</MCID 3>> BDC … EMC``, MCIDs counted per
page. A paragraph split across columns or pages draws each part under the same element,
so one element owns marked content on several pages. What is not content (rules, the
pull quote, the running footer) is drawn as ``/Artifact``. A paragraph with links is
marked inside its text objects instead, so that the words of each link are marked content
of a ``Link`` child holding the link's annotations (:func:`marked_inline`). Figures get
their MCID here and are marked by the compose stage, which stamps them. The finishing stage
turns the tree into the PDF's structure tree (:mod:`report.pdf.tagged`).

The page's operators are written with the canvas's ``addLiteral``; what this module needs
of ReportLab's internals (the page's annotations so far, a text object's operators, the hook
its paragraphs call where a link's words start and end) it asks :mod:`report.shims.reportlab`.
"""

from __future__ import annotations

import re
from contextlib import contextmanager
from dataclasses import dataclass, field

from .shims import reportlab as rl


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
        # while a paragraph with links draws (see marked_inline): the paragraph, its Link
        # elements by ReportLab's link key, the keys of the line being set, and the
        # annotations made for each key
        self._inline: Element | None = None
        self._label: Element | None = None  # for its first text object (a list item's bullet)
        self._links: dict = {}
        self._line_keys: list = []
        self._annots: dict = {}

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
        if owner is self._inline:  # ReportLab links the words of the line it just set
            key = next((k for k in self._line_keys if k[1] == href), None)
            if key is not None:
                self._line_keys.remove(key)
                self._annots.setdefault(key, []).append(Annot(page, index))
                return
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
        canv.addLiteral(tag.begin())
        try:
            yield
        finally:
            canv.addLiteral("EMC")
        return
    n = tags.mcid(canv.getPageNumber() - 1, tag)
    canv.addLiteral(f"/{tag.role} <</MCID {n}>> BDC")
    tags._drawing.append(tag)
    try:
        yield
    finally:
        tags._drawing.pop()
        canv.addLiteral("EMC")


@contextmanager
def marked_inline(canv, element: Element, label: Element | None = None):
    """Draw a paragraph that has links or a labelled bullet. Marked content and text objects
    must nest, so the marks go inside each of its text objects: ``BT /P <</MCID n>> BDC …
    EMC ET``, with the words of each link as marked content of a Link element of the
    paragraph, split where ReportLab reports a link's words to start and end. With
    ``label``, the first text object (the bullet, which ReportLab draws first) is its."""
    tags: Tags | None = getattr(canv, "tags", None)
    if tags is None:
        yield
        return
    tags._drawing.append(element)
    tags._inline, tags._links, tags._line_keys, tags._annots = element, {}, [], {}
    tags._label = label
    try:
        yield
    finally:
        for key, annots in tags._annots.items():  # each annotation to the Link of its words
            link = tags._links.get(key) or element.add("Link", href=key[1],
                                                        contents=element.links.get(key[1], key[1]))
            link.kids.extend(annots)
        tags._inline, tags._links, tags._line_keys, tags._annots = None, {}, [], {}
        tags._label = None
        tags._drawing.pop()


class MarkedFlowable:
    """Mixin for a ReportLab flowable: ``tag`` (Element, Artifact or None) marks what it draws."""

    tag = None
    label = None  # the Lbl element of the bullet a list item's first part draws

    def _drawOn(self, canv):
        if isinstance(self.tag, Element) and (self.tag.links or self.label is not None):
            with marked_inline(canv, self.tag, self.label):
                super()._drawOn(canv)
        else:
            with marked(canv, self.tag):
                super()._drawOn(canv)


class _Mark(str):
    """A place in a text object's code where a marked-content sequence starts: of
    ``element``, else of the paragraph (``key`` None) or of the link with ReportLab's link
    ``key``."""

    def __new__(cls, key=None, element: Element | None = None):
        mark = super().__new__(cls, "")
        mark.key, mark.element = key, element
        return mark


# an entry of a text object's code that shows text; the composer may close it with the end of a
# line's ActualText span (EMC) and the reset of its horizontal scaling (Tz)
_SHOWS = re.compile(r"(Tj|TJ|'|\")( EMC)?( 100 Tz)?( T\*)?$")


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
            self.tags.link(self.getPageNumber() - 1, rl.page_annotations(self) - 1, href)

    def beginText(self, *args, **kw):
        tx = super().beginText(*args, **kw)
        if self.tags is not None and self.tags._inline is not None:
            rl.text_operators(tx).insert(1, _Mark(element=self.tags._label))  # after BT
            self.tags._label = None
            rl.on_link_words(tx, lambda key, what: self._link_words(tx, key, what))
        return tx

    def _link_words(self, tx, key, what: str) -> None:
        """Called by ReportLab's paragraph as a link's words start on a line (just after it
        wrote the first of them) and end (before the words after them)."""
        code = rl.text_operators(tx)
        if what == "start":
            code.insert(len(code) - 1, _Mark(key))
            self.tags._line_keys.append(key)
        else:
            code.append(_Mark())

    def drawText(self, tx):
        """Resolve the marks of a text object in the order its content is read: each stretch
        that shows text becomes marked content of the paragraph or of a Link element."""
        tags = self.tags
        code = rl.text_operators(tx)
        marks = [i for i, c in enumerate(code) if isinstance(c, _Mark)]
        if tags is None or tags._inline is None or not marks:
            return super().drawText(tx)
        owner, page = tags._inline, self.getPageNumber() - 1
        out, is_open = code[:marks[0]], False
        for j, i in enumerate(marks):
            stretch = code[i + 1:marks[j + 1] if j + 1 < len(marks) else len(code)]
            if is_open:
                out.append("EMC")
                is_open = False
            if any(_SHOWS.search(op) for op in stretch):
                mark = code[i]
                element = mark.element or (owner if mark.key is None else self._link_element(mark.key))
                out.append(f"/{element.role} <</MCID {tags.mcid(page, element)}>> BDC")
                is_open = True
            out.extend(stretch)
        if is_open:
            out.append("EMC")
        rl.set_text_operators(tx, out)
        super().drawText(tx)

    def _link_element(self, key) -> Element:
        tags, owner = self.tags, self.tags._inline
        link = tags._links.get(key)
        if link is None:
            href = key[1]
            link = tags._links[key] = owner.add("Link", href=href, contents=owner.links.get(href, href))
        return link


def text_of(runs) -> str:
    """A description of text runs (for a link's /Contents)."""
    return "".join(r.text for r in runs).strip()
