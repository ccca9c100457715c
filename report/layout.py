"""Stage 3, layout: brief model + style (+ rendered figures) → an A4 PDF, via ReportLab.

The layout knows pages, columns and type; it does not know print shops or archives
(that is the finishing stage). It draws every colour from the style's palette, in RGB
(the print edition's finisher maps each to the palette's CMYK, so the page is typeset once),
and returns the PDF bytes with the places where figures were set, so later stages can check them.

Text from the brief is always escaped before it reaches ReportLab's paragraph
markup: a ``<font>`` or ``&`` in the source prints literally.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field, replace
from html import escape as _html_escape

from reportlab.lib.colors import Color
from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY, TA_LEFT, TA_RIGHT
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus.doctemplate import LayoutError
from reportlab.platypus import BaseDocTemplate, CondPageBreak, Flowable, Frame, PageBreak, PageTemplate, Paragraph, Spacer

from . import fonts, hyphenation, notices
from .columns import Columns
from .composer import ComposedParagraph, Setting
from .tagging import ARTIFACT, FOOTER, Element, MarkedFlowable, Tags, TaggingCanvas, marked, text_of
from .errors import BriefError, warn
from .figures import Figure
from .shims import reportlab as rl
from .model import Brief, BulletList, FigureRef, Heading, Paragraph as ParagraphBlock, PullQuote, Run
from .style import MM, Style, TextStyle

ALIGN = {"left": TA_LEFT, "right": TA_RIGHT, "centre": TA_CENTER, "justify": TA_JUSTIFY}
TITLE_ROLES = ("kicker", "title", "standfirst", "author", "author_role")
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December")


@dataclass(frozen=True)
class Placement:
    """Where a figure was set: page index (0-based) and its box in points."""

    figure_id: str
    page: int
    x: float
    y: float
    width: float
    height: float
    mcid: int | None = None  # the figure's marked content on that page (tagged layouts)


@dataclass
class Laid:
    pdf: bytes
    pages: int
    placements: list[Placement] = field(default_factory=list)
    outline: list[tuple[str, int]] = field(default_factory=list)  # (title, level) in reading order
    tags: Tags | None = None  # the logical structure and the marked content of each page
    figure_forms: tuple[str, ...] = ()  # the page resource names of the figures' forms (set by compose)


def escape(text: str) -> str:
    """Text for ReportLab's paragraph markup: &, < and > become entities."""
    return _html_escape(text, quote=False)


def quoteattr(value: str) -> str:
    """A quoted attribute value for paragraph markup."""
    return '"' + _html_escape(value, quote=True) + '"'


def human_date(iso: str) -> str:
    """'2018' → '2018'; '2018-09' → 'September 2018'; '2018-09-14' → '14 September 2018'."""
    parts = iso.split("-")
    if len(parts) == 1:
        return parts[0]
    month = MONTHS[int(parts[1]) - 1]
    return f"{month} {parts[0]}" if len(parts) == 2 else f"{int(parts[2])} {month} {parts[0]}"


class Palette:
    """Style colour roles as ReportLab (RGB) colours."""

    def __init__(self, style: Style):
        self.style = style

    def __call__(self, role: str) -> Color:
        return Color(*(v / 255 for v in self.style.colour(role).rgb))


class _Typesetter:
    """Turns model blocks into flowables, checking every glyph against its face."""

    def __init__(self, brief: Brief, style: Style, palette: Palette):
        self.brief, self.style, self.palette = brief, style, palette
        self.tags = Tags()
        self._notes = {n.number: text_of(n.runs) for n in brief.footnotes}
        self._faces: dict = {}
        self.hyphen_lang = hyphenation.preload(brief.meta.language)
        hyphenator = hyphenation.hyphenator(brief.meta.language)
        self.settings = {hy: Setting(style.composition, hyphenator if hy else None) for hy in (False, True)}
        self._styles: dict[tuple, ParagraphStyle] = {}
        self.outline: list[tuple[str, str, int]] = []  # (title, key, level)
        self.measure = {"full": style.page.full * MM, "column": style.page.column * MM}
        # a redline's second colour: insertions, deletions, change bars
        role = REDLINE_COLOUR if REDLINE_COLOUR in style.colours else "accent"
        self.redline_colour, self.redline_hex = palette(role), style.colour(role).hex

    def pstyle(self, role: str, **over) -> ParagraphStyle:
        key = (role, tuple(sorted(over.items())))
        if key not in self._styles:
            t = self.style.text[role]
            base = dict(
                name=f"{role}{len(self._styles)}",
                fontName=self.font(t.font, t.style), fontSize=t.size, leading=t.leading,
                textColor=self.palette(t.colour), alignment=ALIGN[t.align],
                firstLineIndent=t.first_line_indent * MM, leftIndent=t.indent * MM,
                spaceBefore=t.space_before, spaceAfter=t.space_after,
                allowWidows=0, allowOrphans=0, shaping=1, splitLongWords=1,
                hyphenationLang=self.hyphen_lang if t.hyphenate else "",
                embeddedHyphenation=1, uriWasteReduce=0.3,
                linkUnderline=0)
            self._styles[key] = ParagraphStyle(**(base | over))
        return self._styles[key]

    def font(self, family: str, face: str) -> str:
        """The ReportLab name of a face of the style, registered on first use."""
        return fonts.face(self.style.fonts[family][face])

    def face_file(self, t: TextStyle, run: Run):
        face = t.style
        bold = run.strong or face in ("bold", "bolditalic")
        italic = run.em or face in ("italic", "bolditalic")
        face = "bolditalic" if bold and italic else "bold" if bold else "italic" if italic else "regular"
        return self.style.fonts[t.font][face]

    def markup(self, runs, role: str, line: int | None, tag: Element | None = None) -> str:
        """Escaped paragraph markup for runs in a text role; missing glyphs are errors.
        The links it makes are described on ``tag`` (their /Contents)."""
        t = self.style.text[role]
        out = []
        for run in runs:
            text = run.text.upper() if t.transform == "uppercase" else run.text
            missing = fonts.missing_glyphs(text, self.face_file(t, run))
            if missing:
                chars = ", ".join(f"'{c}' (U+{ord(c):04X})" for c in missing)
                word = next(w for w in text.split() if any(c in w for c in missing))
                raise BriefError(f"the {role} font {self.face_file(t, run).name} has no glyph for {chars} "
                                 f"in '{word}'", self.brief.path, line)
            s = escape(text)
            if run.note is not None:
                s = f'<a href="#note-{run.note}"><super>{s}</super></a>'
                if tag is not None:
                    tag.links[f"#note-{run.note}"] = f"{run.note}. {self._notes.get(run.note, '')}".strip()
            face = self.face_file(t, run)
            if face != self.style.fonts[t.font][t.style]:
                s = f'<font name="{fonts.face(face)}">{s}</font>'  # emphasis names its face
            if run.href:
                if tag is not None:
                    tag.links.setdefault(run.href, f"{run.text.strip()} ({run.href})")
                colour = next((self.style.colour(r).hex for r in ("link", "accent") if r in self.style.colours),
                              "#000000")
                s = f"<a href={quoteattr(run.href)} color={quoteattr(colour)}>{s}</a>"
            if run.change:  # a redline: insertions underlined, deletions struck through, both in its colour
                c = quoteattr(self.redline_hex)
                s = f"<font color={c}>{s}</font>"
                s = {"ins": f"<u color={c}>{s}</u>", "del": f"<strike color={c}>{s}</strike>"}.get(run.change, s)
            out.append(s)
        return "".join(out)

    def para(self, runs, role: str, line: int | None, anchor: str | None = None, tag=None,
             label: Element | None = None, **over) -> Paragraph:
        """A paragraph drawn as marked content of ``tag`` (an Element, an Artifact or None);
        its bullet, if any, as ``label``'s."""
        markup = self.markup(runs, role, line, tag if isinstance(tag, Element) else None)
        if isinstance(tag, Element) and self.style.text[role].transform == "uppercase":
            tag.actual_text = text_of(runs)  # read as written, not letter by letter in capitals
        style = self.pstyle(role, **over)
        self._warn_long_words(runs, role, style, line)
        para = AnchoredParagraph(markup, style, anchor=anchor, tag=tag, label=label,
                                 where=(self.brief.path, line),
                                 setting=self.settings[self.style.text[role].hyphenate])
        if any(r.change for r in runs):  # a redline's changed paragraph: a bar beside it, its changes read out
            para.bar = self.redline_colour
            if isinstance(tag, Element):
                tag.actual_text = spoken(runs)
        return para

    def _warn_long_words(self, runs, role: str, style: ParagraphStyle, line: int | None) -> None:
        """A word wider than its measure is hyphenated or broken by force: say so."""
        measure = self.measure["full" if role in TITLE_ROLES else "column"] - style.leftIndent
        t = self.style.text[role]
        for run in runs:
            for word in run.text.split():
                if len(word) > 12 and fonts.string_width(word, self.face_file(t, run), t.size) > measure:
                    shown = word if len(word) <= 40 else word[:37] + "…"
                    warn(f"the word '{shown}' ({len(word)} characters) is wider than its column: "
                         "it is broken across lines", self.brief.path, line)

    def text(self, s: str, role: str, line: int | None, **over) -> Paragraph:
        return self.para((Run(s),), role, line, **over)


REDLINE_COLOUR = "claim"  # the palette colour of a redline's changes (red), where the style has it
BAR_GAP, BAR_WIDTH = 2.2 * MM, 1.5  # a change bar: its distance from the text and its weight (pt)


def spoken(runs) -> str:
    """A redline paragraph as a listener hears it: each change said with what it is."""
    out = []
    for r in runs:
        if r.note is not None:
            continue
        words = " ".join(r.text.split())
        out.append({"ins": f" [inserted: {words}] ", "del": f" [deleted: {words}] "}.get(r.change, r.text))
    return " ".join("".join(out).split())


def change_bar(canv, height: float, width: float, colour) -> None:
    """A bar in the margin beside ``height`` points of a changed element (an artifact), on the
    outer side of the column it stands in."""
    x, _ = canv.absolutePosition(0, 0)
    at = -BAR_GAP if x + width / 2 < canv._pagesize[0] / 2 else width + BAR_GAP
    with marked(canv, ARTIFACT):
        canv.saveState()
        canv.setStrokeColor(colour)
        canv.setLineWidth(BAR_WIDTH)
        canv.line(at, 0, at, height)
        canv.restoreState()


class _Rule(MarkedFlowable, Flowable):
    """A horizontal rule in a palette colour (an artifact)."""

    tag = ARTIFACT

    def __init__(self, width_pt: float, colour, space_before=0.0, space_after=0.0):
        super().__init__()
        self.weight, self.colour = width_pt, colour
        self.spaceBefore, self.spaceAfter = space_before, space_after

    def wrap(self, aw, ah):
        self.width = aw
        return aw, self.weight

    def draw(self):
        c = self.canv
        c.setStrokeColor(self.colour)
        c.setLineWidth(self.weight)
        c.line(0, self.weight / 2, self.width, self.weight / 2)


class Ruled(MarkedFlowable, Flowable):
    """A paragraph between two rules (a pull quote); never split. Tagged as an artifact:
    a pull quote repeats a sentence of the text, and a listener would hear it twice."""

    tag = ARTIFACT

    def __init__(self, para: Paragraph, weight: float, colour, pad: float, space_before: float,
                 space_after: float):
        super().__init__()
        self.para, self.weight, self.colour, self.pad = para, weight, colour, pad
        self.spaceBefore, self.spaceAfter = space_before, space_after

    def wrap(self, aw, ah):
        _, h = self.para.wrap(aw, ah)
        self.width, self.height = aw, h + 2 * (self.pad + self.weight)
        return self.width, self.height

    def draw(self):
        c = self.canv
        c.saveState()
        c.setStrokeColor(self.colour)
        c.setLineWidth(self.weight)
        for y in (self.weight / 2, self.height - self.weight / 2):
            c.line(0, y, self.width, y)
        c.restoreState()
        self.para.drawOn(c, 0, self.weight + self.pad)


class AnchoredParagraph(MarkedFlowable, ComposedParagraph):
    """A paragraph that is also a link/bookmark destination (at its first line), drawn as
    marked content of its structure element; the parts of a split keep the element. A line
    wider than its column is an error naming the paragraph's source line (``where``)."""

    bar = None  # a redline's change bar colour, for a changed paragraph

    def __init__(self, text, style, anchor: str | None = None, tag=None, label=None,
                 where: tuple = (None, None), **kw):
        super().__init__(text, style, **kw)
        self.anchor, self.tag, self.label, self.where = anchor, tag, label, where

    def wrap(self, aw, ah):
        size = super().wrap(aw, ah)
        if (over := self.overfull()) > 0.5:
            raise BriefError(f"a line of this paragraph is {over:.1f} pt wider than its column", *self.where)
        return size

    def split(self, aw, ah):
        parts = super().split(aw, ah)
        for i, part in enumerate(parts):
            part.anchor = self.anchor if i == 0 else None
            part.tag = self.tag
            part.label = self.label if i == 0 else None  # the bullet is drawn by the first part
            part.where = self.where
            part.bar = self.bar
        return parts

    def _drawOn(self, canv):
        if self.bar is not None:
            change_bar(canv, self.height, self.width, self.bar)
        super()._drawOn(canv)

    def draw(self):
        if self.anchor:
            self.canv.bookmarkHorizontal(self.anchor, 0, self.height + self.style.leading * 0.5)
        super().draw()


class FigureBox(Flowable):
    """A rendered figure at its natural size with its caption below: one unit, never split.
    Records where the figure lands."""

    def __init__(self, figure: Figure, sink: list, caption: Paragraph, gap: float,
                 tag: Element | None = None):
        super().__init__()
        self.figure, self.sink, self.caption, self.gap = figure, sink, caption, gap
        self.tag = tag  # the Figure element: compose marks the stamped figure with its MCID
        self.fig_w, self.fig_h = figure.width_pt, figure.height_pt
        self.deferred = False  # floated past the text that follows it
        self.bar = None  # a redline's change bar colour, for a changed figure
        self.mark = None  # (colour, box in mm from the figure's top left): a redline's difference, framed

    def wrap(self, aw, ah):
        # a column-wide figure is computed from the same page geometry as the column, but
        # float rounding can make it wider by 1e-13 pt: a frame would silently refuse it
        self.width = aw if self.fig_w - 0.5 < aw < self.fig_w else self.fig_w
        _, ch = self.caption.wrap(self.width, ah)
        self.height = self.fig_h + self.gap + ch
        return self.width, self.height

    def split(self, aw, ah):
        return []

    def draw(self):
        c = self.canv
        cap_h = self.height - self.fig_h - self.gap
        x, y = c.absolutePosition(0, cap_h + self.gap)
        page = c.getPageNumber() - 1
        mcid = None
        tags = getattr(c, "tags", None)
        if tags is not None and self.tag is not None:
            mcid = tags.mcid(page, self.tag)
            self.tag.bbox = (page, (x, y, x + self.fig_w, y + self.fig_h))
        self.sink.append(Placement(self.figure.id, page, x, y, self.fig_w, self.fig_h, mcid))
        if self.bar is not None:
            change_bar(c, self.height, self.width, self.bar)
        if self.mark is not None:  # brackets beside the figure's left edge and under it, over the difference
            colour, (x0, y0, x1, y1) = self.mark  # (the figure is stamped over whatever is drawn inside it)
            top, pad = cap_h + self.gap + self.fig_h, 1.0 * MM
            with marked(c, ARTIFACT):
                c.saveState()
                c.setStrokeColor(colour)
                c.setLineWidth(2 * BAR_WIDTH)
                c.line(-BAR_GAP, top - y1 * MM - pad, -BAR_GAP, top - y0 * MM + pad)
                c.line(x0 * MM - pad, cap_h + self.gap / 2, x1 * MM + pad, cap_h + self.gap / 2)
                c.restoreState()
        self.caption.drawOn(c, 0, 0)


class SideBySide(Flowable):
    """Two flowables side by side in halves of the width (a redline's old and new figure)."""

    def __init__(self, left: Flowable, right: Flowable, gap: float):
        super().__init__()
        self.left, self.right, self.gap = left, right, gap

    def wrap(self, aw, ah):
        self.half = (aw - self.gap) / 2
        self.width = aw
        self.height = max(self.left.wrap(self.half, ah)[1], self.right.wrap(self.half, ah)[1])
        return self.width, self.height

    def split(self, aw, ah):
        return []

    def draw(self):
        self.left.drawOn(self.canv, 0, self.height - self.left.height)
        self.right.drawOn(self.canv, self.half + self.gap, self.height - self.right.height)


class _FloatingDoc(BaseDocTemplate):
    """A doc template that floats a full-width figure to the top of the next page when it
    does not fit below the text before it; that text then runs on into the text after the
    figure, so no page ends in a hole."""

    def handle_flowable(self, flowables):
        frame = getattr(self, "frame", None)
        if frame is not None and rl.frame_room(frame)[0] and len(flowables) > 1 and _is_float(flowables[1]) \
                and flowables[1].deferred and isinstance(flowables[0], Columns):
            flowables[0], flowables[1] = flowables[1], flowables[0]  # the float goes first on the new page
        if frame is not None and len(flowables) > 2 and isinstance(flowables[0], Columns) \
                and _is_float(flowables[1]) and isinstance(flowables[2], Columns):
            text, fig, after = flowables[0], flowables[1], flowables[2]
            _, avail, width = rl.frame_room(frame)
            _, h = text.wrap(width, avail)
            _, fh = fig.wrap(width, avail)
            if h <= avail and h + text.getSpaceAfter() + fig.getSpaceBefore() + fh > avail:
                fig.deferred = True
                flowables[0:3] = [text.joined(after), fig]
        super().handle_flowable(flowables)


def _is_float(f) -> bool:
    return isinstance(f, FigureBox) and f.figure.full_width


def _footer_canvas(style: Style, ts: _Typesetter, brief: Brief, palette: Palette):
    """A canvas class that draws 'series · date' and 'page n/N' once the page count is known."""
    page = style.page
    t = style.text["footer"]
    font = ts.font(t.font, t.style)
    left_text = f"{brief.meta.series} · {human_date(brief.meta.date)}"
    for s in (left_text, style.labels["page"]):
        if missing := fonts.missing_glyphs(s, style.fonts[t.font][t.style]):
            raise BriefError(f"the footer font has no glyph for {missing}", brief.path)

    class FooterCanvas(TaggingCanvas, Canvas):
        def __init__(self, *a, **kw):
            super().__init__(*a, **kw)
            self._states: list[dict] = []

        def showPage(self):
            self._states.append(rl.hold_page(self))

        def save(self):
            total = len(self._states)
            for n, state in enumerate(self._states, 1):
                rl.resume_page(self, state)
                with marked(self, FOOTER):
                    self.saveState()
                    self.setFont(font, t.size)
                    self.setFillColor(palette(t.colour))
                    y = page.footer_offset * MM
                    self.drawString(page.margin_inner * MM, y, left_text)
                    self.drawRightString((page.width - page.margin_outer) * MM, y,
                                         f"{style.labels['page']} {n}/{total}")
                    self.restoreState()
                Canvas.showPage(self)
            Canvas.save(self)

    return FooterCanvas


def layout(brief: Brief, style: Style, figures: dict[str, Figure] | None = None) -> Laid:
    """Typeset the brief; return the PDF bytes and what was placed where."""
    figures = figures or {}
    palette = Palette(style)
    ts = _Typesetter(brief, style, palette)
    page = style.page
    width, height = page.width * MM, page.height * MM
    frame_w = (page.width - page.margin_inner - page.margin_outer) * MM
    frame_h = (page.height - page.margin_top - page.margin_bottom) * MM
    placements: list[Placement] = []

    story = _title_block(brief, style, ts, palette)
    story += _body(brief, style, ts, palette, figures, placements, frame_w)

    buf = io.BytesIO()
    frame = Frame(page.margin_inner * MM, page.margin_bottom * MM, frame_w, frame_h,
                  leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0, id="text")
    body_font = ts.font(style.text["body"].font, "regular")
    doc = _FloatingDoc(
        buf, pagesize=(width, height), pageTemplates=[PageTemplate("page", [frame])],
        title=brief.meta.full_title, author=", ".join(a.name for a in brief.meta.authors),
        subject=brief.meta.subject or brief.meta.standfirst, keywords=", ".join(brief.meta.keywords),
        creator="brief", producer="brief", lang=brief.meta.language,
        invariant=1, initialFontName=body_font, initialFontSize=style.text["body"].size,
        pageCompression=1,
    )
    outline = ts.outline
    canvas_cls = _footer_canvas(style, ts, brief, palette)

    class OutlinedCanvas(canvas_cls):
        tags = ts.tags

        def save(self):
            for title, key, level in outline:
                self.addOutlineEntry(title, key, level=level)
            self.showOutline()
            super().save()

    try:
        doc.build(story, canvasmaker=OutlinedCanvas)
    except LayoutError as exc:  # something taller than a page: it would be cut off or lost
        raise BriefError(f"this does not fit on a page: {str(exc).split('(')[0].strip()}", brief.path) from None
    pdf = buf.getvalue()
    pages = doc.page
    return Laid(pdf=pdf, pages=pages, placements=placements,
                outline=[(title, level) for title, _, level in outline], tags=ts.tags)


FRONT_ORDER = ("kicker", "title", "standfirst", "authors")


def _front_elements(brief: Brief, tags: Tags) -> dict:
    """The front matter's structure elements, in the order the front matter gives them
    (kicker P, title H1, standfirst P, one P per author), whatever order they are drawn in."""
    lines = brief.meta.lines
    out: dict = {}
    for key in sorted(FRONT_ORDER, key=lambda k: (lines.get(k, 10 ** 9), FRONT_ORDER.index(k))):
        if key == "authors":
            out[key] = [tags.root.add("P") for _ in brief.meta.authors]
        else:
            out[key] = tags.root.add("H1" if key == "title" else "P")
    return out


def _title_block(brief: Brief, style: Style, ts: _Typesetter, palette: Palette) -> list:
    meta = brief.meta
    lines = meta.lines
    story: list = []
    tag = _front_elements(brief, ts.tags)
    ts.outline.append((meta.full_title, "title", 0))
    for a, element in zip(meta.authors, tag["authors"]):
        name = ts.para((Run(a.name),), "author", lines.get("authors"), tag=element)
        name.trailing = " " if a.role else ""  # the role follows in the same element
        story.append(name)
        if a.role:
            story.append(ts.para((Run(a.role),), "author_role", lines.get("authors"), tag=element))
    story.append(Spacer(0, 6))
    front = brief.redline.front if brief.redline is not None else {}  # a redline's marked fields
    runs = {key: front.get(key, (Run(getattr(meta, key)),)) for key in ("kicker", "title", "standfirst")}
    story.append(ts.para(runs["kicker"], "kicker", lines.get("kicker"), anchor="title", tag=tag["kicker"]))
    story.append(ts.para(runs["title"], "title", lines.get("title"), tag=tag["title"]))
    story.append(ts.para(runs["standfirst"], "standfirst", lines.get("standfirst"), tag=tag["standfirst"]))
    if style.correction.place == "title":
        story.extend(_correction(brief, style, ts))
    if style.page.title_rule:
        story.append(_Rule(style.page.title_rule, palette("rule"), space_after=10))
    return story


def _body(brief: Brief, style: Style, ts: _Typesetter, palette: Palette, figures: dict[str, Figure],
          placements: list, frame_w: float) -> list:
    page = style.page
    root = ts.tags.root
    story: list = []
    column: list = []
    indent_next = False
    heading_level = 1
    fig_counter: dict[str, int] = {}

    def flush():
        if column:
            story.extend(_columns(column[:], page, palette))
            column.clear()

    for block in brief.blocks:
        if isinstance(block, ParagraphBlock):
            over = {} if indent_next else {"firstLineIndent": 0}
            column.append(ts.para(block.runs, "body", block.line, tag=root.add("P"), **over))
            indent_next = True
        elif isinstance(block, Heading):
            key = f"h{len(ts.outline)}"
            title = "".join(r.text for r in block.runs)
            ts.outline.append((title, key, 1))
            # the title is H1; a heading nests at most one level below the one before it
            heading_level = min(max(block.level, 2), heading_level + 1, 6)
            column.append(ts.para(block.runs, "heading", block.line, anchor=key, keepWithNext=1,
                                  tag=root.add(f"H{heading_level}")))
            indent_next = False
        elif isinstance(block, PullQuote):
            t = style.text["pullquote"]
            # an artifact (it repeats the text): the text it repeats holds the links and note numbers
            runs = tuple(replace(r, href=None) for r in block.runs if r.note is None)
            quote = ts.para(runs, "pullquote", block.line, spaceBefore=0, spaceAfter=0)
            column.append(Ruled(quote, t.rule, palette("quote_rule"), pad=t.leading * 0.35,
                                space_before=t.space_before, space_after=t.space_after))
            indent_next = False
        elif isinstance(block, BulletList):
            lst = root.add("L", attributes={"ListNumbering": "Decimal" if block.ordered else "Disc"})
            for n, item in enumerate(block.items, 1):
                bullet = f"{n}." if block.ordered else "•"
                li = lst.add("LI")
                column.append(ts.para(item, "list_item", block.line, bulletText=bullet,
                                      bulletFontName=ts.pstyle("list_item").fontName,
                                      label=li.add("Lbl"), tag=li.add("LBody")))
            indent_next = False
        elif isinstance(block, FigureRef):
            fig = figures.get(block.figure_id)
            if fig is None:
                raise BriefError(f"figure '{block.figure_id}' was not rendered", brief.path, block.line)
            label_kind = style.labels["map"] if fig.kind == "map" else style.labels["figure"]
            fig_counter[label_kind] = fig_counter.get(label_kind, 0) + 1
            number = f"{label_kind} {fig_counter[label_kind]}"
            key = f"fig-{block.figure_id}"
            ts.outline.append((f"{number}. {fig.title}", key, 1))
            spec = brief.figures.get(block.figure_id)
            # the caption is the Figure's sibling: a Figure's Alt hides its children
            figure_tag = root.add("Figure", alt=getattr(spec, "alt", "") or f"{number}. {fig.title}")
            words = (Run(fig.title, strong=True), Run(" " + fig.caption if fig.caption else ""),
                     Run(" " + fig.source if fig.source else ""))
            redline = brief.redline
            if redline is not None and block.figure_id in redline.captions:
                words = redline.captions[block.figure_id]
            caption = ts.para((Run(f"{number}. ", strong=True), *words),
                              "caption", fig.spec_line, anchor=key, tag=root.add("Caption"))
            box = FigureBox(fig, placements, caption, gap=style.text["caption"].space_before, tag=figure_tag)
            if redline is not None and any(p.figure_id == block.figure_id for p in redline.figures):
                box.bar = ts.redline_colour
            box.spaceAfter = style.text["caption"].space_after
            if fig.full_width:
                flush()
                story.append(box)
            else:
                column.append(box)
            indent_next = False
    column.extend(_notes(brief, style, ts))
    if style.correction.place == "end":
        column.extend(_correction(brief, style, ts))
    column.extend(_colophon(brief, ts))
    flush()
    if brief.redline is not None:
        story += _redline_page(brief, style, ts, figures, placements, frame_w)
    return story


def _redline_page(brief: Brief, style: Style, ts: _Typesetter, figures: dict[str, Figure], placements: list,
                  frame_w: float) -> list:
    """A redline's added page: the changes, one a line, and each changed figure old beside new."""
    redline = brief.redline
    root = ts.tags.root
    gap = style.page.gutter * MM
    half = (frame_w - gap) / 2
    out: list = [PageBreak(), ts.text("Changes in this edition", "heading", None, keepWithNext=1, tag=root.add("H2")),
                 ts.text(f"Compared with the {redline.against}.", "body", None, firstLineIndent=0,
                         tag=root.add("P"))]
    if not redline.changes:
        out.append(ts.text("None: the two editions have the same text, figures and metadata.", "body", None,
                           firstLineIndent=0, tag=root.add("P")))
    lst = root.add("L", attributes={"ListNumbering": "Disc"}) if redline.changes else None
    for line in redline.changes:
        li = lst.add("LI")
        out.append(ts.para((Run(line),), "list_item", None, bulletText="•",
                           bulletFontName=ts.pstyle("list_item").fontName, label=li.add("Lbl"),
                           tag=li.add("LBody")))
    for pair in redline.figures:
        new = figures[pair.figure_id]
        beside = new.width_pt <= half + 0.5
        # a pair starts a page when it would not fit on what is left of one
        out.append(CondPageBreak(new.height_pt * (1 if beside else 2) + 48 * (1 + len(pair.changes) / 3)))
        out.append(ts.text(f"{pair.label}: as it was and as it is now", "heading", None,
                           keepWithNext=1, tag=root.add("H3")))
        lst = root.add("L", attributes={"ListNumbering": "Disc"})
        for line in pair.changes:
            li = lst.add("LI")
            out.append(ts.para((Run(line),), "list_item", None, bulletText="•", keepWithNext=1,
                               bulletFontName=ts.pstyle("list_item").fontName, label=li.add("Lbl"),
                               tag=li.add("LBody")))
        # side by side where each fits in half the width; a wider figure above the other, at its own
        # size (halved, its lines and type would fall below the house minimums)
        boxes = []
        for fig, when in ((replace(new, id=f"was-{pair.figure_id}", pdf=pair.old_pdf), "as it was"), (new, "as it is now")):
            tag = root.add("Figure", alt=f"{pair.label} {when}: {new.title}")
            caption = ts.text(f"{pair.label} {when}", "caption", None, tag=root.add("Caption"))
            boxes.append(FigureBox(replace(fig, full_width=False), placements, caption,
                                   gap=style.text["caption"].space_before, tag=tag))
            boxes[-1].spaceAfter = style.text["caption"].space_after
            if pair.box_mm is not None:
                boxes[-1].mark = (ts.redline_colour, pair.box_mm)
        out += [SideBySide(*boxes, gap=gap)] if beside else boxes
    return out


def _columns(flowables: list, page, palette: Palette) -> list:
    if page.columns == 1:
        return flowables
    return [Columns(flowables, n=page.columns, gutter=page.gutter * MM, rule=page.column_rule,
                    rule_colour=palette("rule"))]


def _notes(brief: Brief, style: Style, ts: _Typesetter) -> list:
    root = ts.tags.root
    out: list = []
    if brief.footnotes:
        out.append(ts.text(style.labels["notes"], "notes_heading", None, keepWithNext=1, tag=root.add("H2")))
        for note in brief.footnotes:
            out.append(ts.para(note.runs, "note", note.line, anchor=f"note-{note.number}",
                               bulletText=f"{note.number}", bulletFontName=ts.pstyle("note").fontName,
                               bulletFontSize=style.text["note"].size,
                               tag=root.add("Note", id=f"note-{note.number}")))
    if brief.sources:
        out.append(ts.text(style.labels["sources"], "notes_heading", None, keepWithNext=1, tag=root.add("H2")))
        lst = root.add("L", attributes={"ListNumbering": "None"})
        for src in brief.sources:
            out.append(ts.para((Run(src.text, href=src.url),) if src.url else (Run(src.text),),
                               "note", None, tag=lst.add("LI").add("LBody")))
    return out


def _correction(brief: Brief, style: Style, ts: _Typesetter) -> list:
    """A corrected edition's notice (front matter ``[corrects]``), one P of the structure tree
    where the style's ``[correction]`` puts it; nothing for an edition that corrects none."""
    said = brief.meta.corrects
    if said is None:
        return []
    lang = brief.meta.language
    text = notices.notice(said.note, said.edition, said.date, lang, said.changes)
    runs = (Run(notices.label(lang) + " ", strong=True), Run(text))
    return [ts.para(runs, style.correction.role, brief.meta.lines.get("corrects"), tag=ts.tags.root.add("P"))]


def _colophon(brief: Brief, ts: _Typesetter) -> list:
    meta = brief.meta
    parts = [meta.rights, meta.publisher]
    return [Spacer(0, 8), ts.text(" · ".join(p for p in parts if p), "note", None, tag=ts.tags.root.add("P"))]
