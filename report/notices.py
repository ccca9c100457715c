"""The correction notice a corrected edition carries: "This edition corrects edition N of
DATE: <the editor's note>", in the brief's language.

The wording is data, not code: ``report/notices.toml`` holds one table per language (the
sentence, the sentence listing the changes, the date by precision, the month names), held
against :data:`report.schema.NOTICES` when first read. :func:`notice` is the one function
that writes a notice: the layout calls it with the front matter's ``[corrects]``, and a
caller that knows what changed (a diff of the two editions) passes the list as ``changes``.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from . import schema
from .errors import BriefError

TABLE = Path(__file__).with_name("notices.toml")


@lru_cache(maxsize=1)
def wording() -> dict[str, dict]:
    """The wording table by language (read and checked once per process)."""
    doc = schema.read(TABLE, "malformed notice wording")
    schema.check(doc, schema.NOTICES, TABLE)
    return doc.data


def base(lang: str) -> str:
    """The table a language tag uses: its primary subtag (``en-GB`` → ``en``)."""
    return lang.split("-")[0].lower()


def languages() -> tuple[str, ...]:
    return tuple(sorted(wording()))


def supported(lang: str) -> bool:
    return base(lang) in wording()


def date_text(iso: str, lang: str) -> str:
    """``2018`` / ``2018-09`` / ``2018-09-14`` as the language writes it in the notice."""
    words = _words(lang)
    year, *rest = iso.split("-")
    if not rest:
        return words["date_year"].format(year=year)
    month = words["months"][int(rest[0]) - 1]
    if len(rest) == 1:
        return words["date_month"].format(month=month, year=year)
    return words["date_day"].format(day=int(rest[1]), month=month, year=year)


def notice(note: str, edition: int, date: str, lang: str, changes: tuple[str, ...] | list[str] = ()) -> str:
    """The notice: the edition corrected (``edition``, dated ``date``: YYYY[-MM[-DD]]), the
    editor's ``note`` and, if given, what changed (one item each), in language ``lang``."""
    words = _words(lang)
    text = words["notice"].format(edition=edition, date=date_text(date, lang), note=note.strip())
    items = [c.strip() for c in changes if c.strip()]
    if items:
        text += " " + words["changes"].format(changes=words["separator"].join(items))
    return text


def label(lang: str) -> str:
    """The word the layout sets in bold before the notice ("Correction.")."""
    return _words(lang)["label"]


def _words(lang: str) -> dict:
    table = wording().get(base(lang))
    if table is None:
        raise BriefError(f"no correction notice wording for language '{lang}' (report/notices.toml has "
                         f"{', '.join(languages())})")
    return table
