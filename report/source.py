"""Stage 1, source: ``briefs/<slug>/brief.md`` → :class:`report.model.Brief`.

The file is TOML front matter between ``+++`` lines, then a CommonMark body parsed
by markdown-it-py (raw HTML off, so text is always text). This is the only module
that reads the Markdown; every later stage reads the model.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from dataclasses import replace
from pathlib import Path

from geodata import files
from markdown_it import MarkdownIt
from markdown_it.token import Token

from . import notices, placeholders, schema, typography
from .errors import BriefError, several, warn
from .hyphenation import check_language
from .inputs import brief_input, unique
from .model import (
    Author, Block, Brief, BulletList, Correction, FigureRef, Footnote, Heading, Meta, Paragraph,
    PullQuote, Run, Source,
)

FENCE = "+++"
FIGURE_SCHEME = "figure:"
SOURCES_HEADINGS = {"sources", "references", "lähteet", "källor", "quellen"}
_FIGURE_ID = re.compile(r"^[a-z0-9][a-z0-9_-]*$")


def read_text(path: Path) -> str:
    """Read a UTF-8 source file; anything else is a BriefError naming the line."""
    try:
        return files.decode_utf8(path.read_bytes())
    except files.NotUTF8 as exc:
        raise BriefError(f"{exc}; save the file as UTF-8", path, exc.line) from None


def load_brief(brief_dir: Path, geodata_dir: Path | None = None) -> Brief:
    """Parse ``brief_dir/brief.md`` into the typed model, recording every file read in
    ``Brief.inputs``. ``geodata_dir`` replaces the bundled gazetteer and annotation layers
    (an archive rebuild passes the copies attached to the archive file)."""
    brief_dir = Path(brief_dir)
    path = brief_dir / "brief.md"
    if not os.path.lexists(path):
        raise BriefError("no brief.md in this folder", brief_dir)
    size = path.stat().st_size
    if size > schema.LIMITS["body_bytes"]:
        raise BriefError(f"the file is {size:,} bytes; a brief may have at most "
                         f"{schema.LIMITS['body_bytes']:,}", path)
    inputs = [brief_input(path, brief_dir, "brief")]
    text = read_text(path)
    front, body, body_line = _split_front_matter(text, path)
    meta = _parse_meta(front, path, slug=brief_dir.resolve().name)
    figure_dir = brief_dir / "figures"
    # placeholders, missing figures and place references are reported together, each on its line
    problems = placeholders.in_toml(front, path, start_line=2) + placeholders.in_markdown(body, path, body_line)
    brief = _parse_body(body, body_line, path, meta, figure_dir, problems)
    problems.sort(key=lambda e: e.line or 0)
    _unreferenced_figures(figure_dir, {b.figure_id for b in brief.blocks if isinstance(b, FigureRef)})
    if len(brief.figure_specs) > schema.LIMITS["figures"]:
        raise BriefError(f"the brief has {len(brief.figure_specs)} figures; at most "
                         f"{schema.LIMITS['figures']} are allowed", path,
                         next(b.line for b in brief.blocks if isinstance(b, FigureRef)))
    if brief.figure_specs:
        from .figspec import load_figure, load_resolver

        places, used = load_resolver(brief_dir, geodata_dir)
        inputs += used
        for own in (i for i in used if i.role == "places"):
            problems += placeholders.in_toml(read_text(own.path), own.path)
        figures = {}
        for fid, spec in brief.figure_specs.items():
            try:
                inputs.append(brief_input(spec, brief_dir, "figure", path, _ref_line(brief, fid)))
                figures[fid] = load_figure(spec, places, brief_dir, geodata_dir, language=meta.language)
            except BriefError as exc:
                problems.append(exc)
                continue
            inputs += figures[fid].inputs
        if problems:
            raise several(problems)
        lock = places.lock_input()  # the lock pinning every place the figures name (written at the end)
        if lock is not None:
            inputs.append(lock)
        world = places.world_input()  # what the figures read of GeoNames' country table
        if world is not None:
            inputs.append(world)
        brief = replace(brief, figures=figures)
    elif problems:
        raise several(problems)
    return replace(brief, inputs=unique(inputs))


def _unreferenced_figures(figure_dir: Path, referenced: set[str]) -> None:
    """A figure spec the text does not reference is left out, with a warning; it is listed,
    never read (so it is neither checked nor attached to the archive edition)."""
    try:
        names = sorted(entry.name for entry in os.scandir(figure_dir))
    except OSError:  # no figures folder (or not one to list): nothing left out
        return
    for name in names:
        if name.endswith(".toml") and name[:-5] not in referenced:
            warn(f"figure \"{name[:-5]}\" is not referenced from brief.md and is left out", figure_dir / name)


def _ref_line(brief: Brief, fid: str) -> int | None:
    return next((b.line for b in brief.blocks if isinstance(b, FigureRef) and b.figure_id == fid), None)


def read_meta(text: str, path: Path, slug: str) -> Meta:
    """The front matter of a brief.md text, without parsing its body (e.g. for an archive)."""
    front, _, _ = _split_front_matter(text, path)
    return _parse_meta(front, path, slug=slug)


def _split_front_matter(text: str, path: Path) -> tuple[str, str, int]:
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].strip() != FENCE:
        raise BriefError(f"the file must start with TOML front matter between '{FENCE}' lines", path, 1)
    for i in range(1, len(lines)):
        if lines[i].strip() == FENCE:
            return "".join(lines[1:i]), "".join(lines[i + 1:]), i + 2
    raise BriefError(f"front matter is not closed: no second '{FENCE}' line", path, 1)


def _parse_meta(front: str, path: Path, slug: str) -> Meta:
    """The front matter, checked by :data:`report.schema.FRONT_MATTER` (a field it lacks
    belongs on the closing ``+++`` line)."""
    doc = schema.parse(front, path, "malformed front matter", start=2, end=len(front.splitlines()) + 2)
    schema.check(doc, schema.FRONT_MATTER, path)
    data = doc.data
    language = data["language"]
    check_language(language, path, doc.line("language"))

    def text(key: str) -> str:  # a string the reader sees: typographic quotes and dashes
        return typography.plain(str(data[key]).strip(), language)

    date = data["date"]
    date = date.isoformat() if isinstance(date, dt.date) else date.strip()
    return Meta(
        lines={key: doc.line(key) for key in data},
        slug=slug, title=text("title"), kicker=text("kicker"), standfirst=text("standfirst"),
        authors=tuple(Author(typography.plain(a["name"].strip(), language),
                             typography.plain(a.get("role", "").strip(), language)) for a in data["authors"]),
        date=date, language=language, corrects=_correction(doc, date, language, path),
        series=text("series"), publisher=text("publisher"), rights=text("rights"), style=data["style"].strip(),
        keywords=tuple(data["keywords"]),
        number=str(data["number"]).strip() if "number" in data else None,
        subject=text("subject") if "subject" in data else "",
    )


def _correction(doc, date: str, language: str, path: Path) -> Correction | None:
    """The front matter's ``[corrects]`` (checked by the schema), dated no later than the brief."""
    table = doc.data.get("corrects")
    if table is None:
        return None
    if not notices.supported(language):
        raise BriefError(f"a corrected edition prints its notice in the brief's language, and there is no wording "
                         f"for '{language}' (report/notices.toml has {', '.join(notices.languages())})",
                         path, doc.line("corrects"))
    said = table["date"]
    said = said.isoformat() if isinstance(said, dt.date) else said.strip()
    common = min(len(said), len(date))
    if said[:common] > date[:common]:
        raise BriefError(f"[corrects] date {said} is after the brief's own date {date}: an edition corrects an "
                         f"earlier one", path, doc.line("corrects", "date"))
    return Correction(edition=table["edition"], date=said, note=typography.plain(table["note"].strip(), language),
                      changes=tuple(typography.plain(c.strip(), language) for c in table.get("changes", ())))


def _markdown(language: str = "en") -> MarkdownIt:
    return typography.md(language)


def _parse_body(body: str, body_line: int, path: Path, meta: Meta, figure_dir: Path,
                problems: list[BriefError]) -> Brief:
    """The body as blocks; a figure reference without its spec goes to ``problems``."""
    offset = body_line - 1
    _check_paragraph_lengths(body, path, offset)
    env: dict = {}
    tokens = _markdown(meta.language).parse(body, env)
    _unreferenced_notes(env, body, path, offset)
    blocks: list[Block] = []
    footnotes: list[Footnote] = []
    sources: list[Source] = []
    figure_specs: dict[str, Path] = {}
    note_numbers: dict[str, int] = {}
    in_sources = False
    i = 0

    def line(tok: Token) -> int:
        return (tok.map[0] if tok.map else 0) + offset + 1

    while i < len(tokens):
        tok = tokens[i]
        t = tok.type
        if t == "heading_open":
            level = int(tok.tag[1])
            runs = _inline(tokens[i + 1], path, line(tok), note_numbers)
            title = "".join(r.text for r in runs).strip()
            if level == 1:
                raise BriefError("use '##' for headings: the title comes from the front matter", path, line(tok))
            in_sources = title.lower() in SOURCES_HEADINGS
            if not in_sources:
                blocks.append(Heading(line(tok), level, runs))
            i += 3
        elif t == "paragraph_open":
            inline = tokens[i + 1]
            fig = _figure_ref(inline, path, line(tok))
            if fig is not None:
                spec = figure_dir / f"{fig.figure_id}.toml"
                if os.path.lexists(spec):
                    figure_specs[fig.figure_id] = spec
                else:
                    problems.append(BriefError(f"figure '{fig.figure_id}' has no spec: expected {spec}", path,
                                               fig.line))
                blocks.append(fig)
            elif in_sources:
                sources.append(_source(inline, path, line(tok), note_numbers))
            else:
                blocks.append(Paragraph(line(tok), _inline(inline, path, line(tok), note_numbers)))
            i += 3
        elif t == "blockquote_open":
            j = i + 1
            parts: list[Run] = []
            while tokens[j].type != "blockquote_close":
                if tokens[j].type == "inline":
                    if parts:
                        parts.append(Run(" "))
                    parts.extend(_inline(tokens[j], path, line(tokens[j]), note_numbers))
                elif tokens[j].type not in ("paragraph_open", "paragraph_close"):
                    raise BriefError("a pull quote holds plain paragraphs only", path, line(tok))
                j += 1
            blocks.append(PullQuote(line(tok), tuple(parts)))
            i = j + 1
        elif t in ("bullet_list_open", "ordered_list_open"):
            close = t.replace("_open", "_close")
            items: list[tuple[Run, ...]] = []
            j = i + 1
            depth = 0
            while not (tokens[j].type == close and depth == 0):
                if tokens[j].type == t:
                    raise BriefError("nested lists are not supported", path, line(tokens[j]))
                if tokens[j].type == "inline":
                    if in_sources:
                        sources.append(_source(tokens[j], path, line(tokens[j]), note_numbers))
                    else:
                        items.append(_inline(tokens[j], path, line(tokens[j]), note_numbers))
                j += 1
            if items:
                blocks.append(BulletList(line(tok), tuple(items), ordered=t.startswith("ordered")))
            i = j + 1
        elif t == "footnote_block_open":
            i = _footnotes(tokens, i + 1, path, offset, note_numbers, footnotes)
        elif t == "hr":
            i += 1
        elif t in ("fence", "code_block", "html_block", "table_open"):
            raise BriefError(f"{t.replace('_', ' ')} is not part of the brief format", path, line(tok))
        else:
            raise BriefError(f"unexpected Markdown element '{t}'", path, line(tok))

    return Brief(path=path, meta=meta, blocks=tuple(blocks), footnotes=tuple(footnotes),
                 sources=tuple(sources), figure_specs=figure_specs)


_BLOCK_START = re.compile(r"^\s{0,3}([-*+]\s|\d{1,9}[.)]\s|\[\^[^\]]+\]:|>|#)")


def _check_paragraph_lengths(body: str, path: Path, offset: int) -> None:
    """No run of lines without a blank one is longer than the limit (checked before parsing:
    the Markdown parser and the typography are not linear in the length of one paragraph)."""
    limit = schema.LIMITS["paragraph_chars"]
    start, size = 0, 0
    for i, ln in enumerate(body.splitlines(), 1):
        if not ln.strip():
            start, size = 0, 0
            continue
        if _BLOCK_START.match(ln):  # a list item, note, quote or heading starts a block of its own
            start, size = 0, 0
        start, size = start or i, size + len(ln) + 1
        if size > limit:
            raise BriefError(f"this paragraph is more than {limit:,} characters long (split it)",
                             path, start + offset)


def _unreferenced_notes(env: dict, body: str, path: Path, offset: int) -> None:
    """markdown-it drops a footnote definition nobody references: that is an error here."""
    for key, ref in env.get("footnotes", {}).get("refs", {}).items():
        if ref == -1:
            label = key[1:]
            line = next((i for i, ln in enumerate(body.splitlines(), 1)
                         if ln.lstrip().startswith(f"[^{label}]:")), None)
            raise BriefError(f"footnote [^{label}] is defined but never referenced", path,
                             line + offset if line else None)


_UNDEFINED_NOTE = re.compile(r"\[\^([^\]\s]+)\]")


def _figure_ref(inline: Token, path: Path, line: int) -> FigureRef | None:
    children = inline.children or []
    images = [c for c in children if c.type == "image"]
    if not images:
        return None
    src = str(images[0].attrs.get("src", ""))
    others = [c for c in children if c.type not in ("image", "softbreak") and not (c.type == "text" and not c.content.strip())]
    if not src.startswith(FIGURE_SCHEME) or len(images) > 1 or others:
        raise BriefError("images go in figure specs: reference a figure as ![](figure:ID) on a line of its own",
                         path, line)
    fid = src[len(FIGURE_SCHEME):]
    if not _FIGURE_ID.match(fid):
        raise BriefError(f"figure id '{fid}' must be lower-case letters, digits, '-' or '_'", path, line)
    return FigureRef(line, fid)


def _source(inline: Token, path: Path, line: int, notes: dict[str, int]) -> Source:
    runs = _inline(inline, path, line, notes)
    url = next((r.href for r in runs if r.href), None)
    return Source("".join(r.text for r in runs).strip(), url)


def _footnotes(tokens: list[Token], i: int, path: Path, offset: int,
               numbers: dict[str, int], out: list[Footnote]) -> int:
    label = None
    runs: list[Run] = []
    start = 0
    while tokens[i].type != "footnote_block_close":
        tok = tokens[i]
        if tok.type == "footnote_open":
            label, runs = tok.meta["label"], []
        elif tok.type == "inline":
            start = start or (tok.map[0] + offset + 1 if tok.map else 0)
            if runs:
                runs.append(Run(" "))
            runs.extend(_inline(tok, path, tok.map[0] + offset + 1 if tok.map else 0, numbers))
        elif tok.type == "footnote_close":
            if label not in numbers:
                raise BriefError(f"footnote [^{label}] is defined but never referenced", path, start or None)
            out.append(Footnote(numbers[label], tuple(runs), start))
            start = 0
        i += 1
    out.sort(key=lambda f: f.number)
    return i + 1


def _inline(tok: Token, path: Path, line: int, notes: dict[str, int]) -> tuple[Run, ...]:
    runs: list[Run] = []
    em = strong = 0
    href: str | None = None
    if len(tok.content) > schema.LIMITS["paragraph_chars"]:
        raise BriefError(f"this paragraph is {len(tok.content):,} characters long; at most "
                         f"{schema.LIMITS['paragraph_chars']:,} are allowed (split it)", path, line)
    for c in tok.children or []:
        t = c.type
        if t == "text" or t == "code_inline":
            if t == "text" and (m := _UNDEFINED_NOTE.search(c.content)):
                raise BriefError(f"footnote [^{m.group(1)}] is referenced but never defined "
                                 f"(add a line '[^{m.group(1)}]: …')", path,
                                 line + tok.content[:tok.content.find(m.group(0))].count("\n"))
            runs.append(Run(c.content, em > 0, strong > 0, href))
        elif t in ("softbreak", "hardbreak"):
            runs.append(Run(" ", em > 0, strong > 0, href))
        elif t == "em_open":
            em += 1
        elif t == "em_close":
            em -= 1
        elif t == "strong_open":
            strong += 1
        elif t == "strong_close":
            strong -= 1
        elif t == "link_open":
            href = str(c.attrs.get("href", ""))
            if not re.match(r"^(https?:|mailto:)", href):
                raise BriefError(f"link target '{href}' must be an http(s) or mailto address", path, line)
        elif t == "link_close":
            href = None
        elif t == "footnote_ref":
            label = c.meta["label"]
            number = notes.setdefault(label, len(notes) + 1)
            runs.append(Run(str(number), note=number))
        elif t == "image":
            raise BriefError("images go in figure specs; reference them as ![](figure:ID) on their own line",
                             path, line)
        else:
            raise BriefError(f"unsupported inline element '{t}'", path, line)
    return tuple(_merge(runs))


def _merge(runs: list[Run]) -> list[Run]:
    out: list[Run] = []
    for r in runs:
        if out and r.note is None and out[-1].note is None and (out[-1].em, out[-1].strong, out[-1].href) == (r.em, r.strong, r.href):
            out[-1] = Run(out[-1].text + r.text, r.em, r.strong, r.href)
        else:
            out.append(r)
    return out
