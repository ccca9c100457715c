"""The typed brief model: what the source stage produces and every later stage reads.

Nothing here knows about Markdown, TOML or ReportLab. Every block keeps the
source line it came from, so later stages can still name ``file:line`` in an error.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Run:
    """A stretch of text with one set of attributes."""

    text: str
    em: bool = False
    strong: bool = False
    href: str | None = None
    note: int | None = None  # a footnote reference: ``text`` is its number
    change: str | None = None  # in a redline: "ins" (inserted), "del" (deleted) or "note" (the redline's own words)


@dataclass(frozen=True)
class Author:
    name: str
    role: str = ""


@dataclass(frozen=True)
class Source:
    """An entry of the brief's sources list."""

    text: str
    url: str | None = None


@dataclass(frozen=True)
class Correction:
    """What a corrected edition says it corrects (front matter ``[corrects]``): the edition
    number, that edition's date (YYYY[-MM[-DD]]), the editor's note, and (optionally) what
    changed, one item each."""
    edition: int
    date: str
    note: str
    changes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Meta:
    slug: str
    title: str
    kicker: str
    standfirst: str
    authors: tuple[Author, ...]
    date: str  # ISO 8601, possibly reduced precision: YYYY, YYYY-MM or YYYY-MM-DD
    language: str  # BCP 47, e.g. en-GB
    series: str
    publisher: str
    rights: str
    style: str
    keywords: tuple[str, ...] = ()
    number: str | None = None
    subject: str = ""
    corrects: Correction | None = None  # the edition this one corrects, with the editor's note
    lines: dict[str, int] = field(default_factory=dict, compare=False)  # field -> line in brief.md

    @property
    def full_title(self) -> str:
        return f"{self.kicker}: {self.title}" if self.kicker else self.title


@dataclass(frozen=True)
class Block:
    line: int  # 1-based line in brief.md


@dataclass(frozen=True)
class Paragraph(Block):
    runs: tuple[Run, ...]


@dataclass(frozen=True)
class Heading(Block):
    level: int
    runs: tuple[Run, ...]


@dataclass(frozen=True)
class PullQuote(Block):
    runs: tuple[Run, ...]


@dataclass(frozen=True)
class BulletList(Block):
    items: tuple[tuple[Run, ...], ...]
    ordered: bool = False


@dataclass(frozen=True)
class FigureRef(Block):
    figure_id: str


@dataclass(frozen=True)
class Footnote:
    number: int
    runs: tuple[Run, ...]
    line: int


@dataclass(frozen=True)
class Input:
    """One file the build read: its project path (``briefs/<slug>/brief.md``,
    ``geodata/gazetteer.toml`` …, the name it is attached and rebuilt under), the file, and
    its role (``brief``, ``figure``, ``places``, ``layer``, ``gazetteer``, ``style`` …).
    ``pending``: the content this build gives the file (the place lock it updates), hashed and
    attached as the file, and written only once the editions are published; None for a file
    used as it is."""
    name: str
    path: Path
    role: str
    pending: bytes | None = None


@dataclass(frozen=True)
class FigurePair:
    """A changed figure on a redline's last page: its old render (a one-page PDF) beside the new."""

    figure_id: str
    label: str  # "Map 1"
    old_pdf: Path
    changes: tuple[str, ...]
    box_mm: tuple[float, float, float, float] | None = None  # where the renders differ, from the top left


@dataclass(frozen=True)
class Redline:
    """What turns a brief into its redline against an older edition: the marked runs of changed
    captions (by figure id), the changes listed on the added page, and the changed figures."""

    against: str  # the older edition, as the reader knows it ("edition of 2018")
    captions: dict = field(default_factory=dict)  # figure id -> runs, replacing title, caption and source
    front: dict = field(default_factory=dict)  # "kicker", "title", "standfirst" -> runs, replacing the field's text
    changes: tuple[str, ...] = ()
    figures: tuple[FigurePair, ...] = ()


@dataclass(frozen=True)
class Brief:
    path: Path  # the brief.md file
    meta: Meta
    blocks: tuple[Block, ...]
    footnotes: tuple[Footnote, ...] = ()
    sources: tuple[Source, ...] = ()
    figure_specs: dict[str, Path] = field(default_factory=dict)  # id -> spec file
    figures: dict = field(default_factory=dict)  # id -> report.figspec.FigureDef, in reading order
    inputs: tuple[Input, ...] = ()  # every file the source stage read, in reading order (report.inputs)
    redline: Redline | None = None  # set only for a redline edition (report.redline)

    @property
    def directory(self) -> Path:
        return self.path.parent

    def plain_text(self) -> str:
        """The body's text, block by block (for tests and search, not for layout)."""
        out = []
        for block in self.blocks:
            runs = getattr(block, "runs", None)
            if runs is not None:
                out.append("".join(r.text for r in runs if r.note is None))
            elif isinstance(block, BulletList):
                out.extend("".join(r.text for r in item) for item in block.items)
        return "\n\n".join(out)
