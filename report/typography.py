"""Typographic input: what an editor types on a keyboard becomes what a typesetter sets.

- straight double and single quotes become the language's quotation marks (English “…”
  ‘…’, German „…“ ‚…‘, French « … », Finnish and Swedish ”…” ’…’, Russian «…» „…“, …),
  an apostrophe inside or after a word becomes ’;
- ``--`` becomes an en dash (–), ``---`` an em dash (—), ``...`` an ellipsis (…).

markdown-it-py does the work: its ``smartquotes`` core rule with the language's quotes,
and the dash and ellipsis part of its ``replacements`` rule (``replace_rare``). Its
``(c)``/``(tm)``/``(r)`` → ©/™/® part is left out on purpose: "(a), (b) and (c)" is an
enumeration in a brief. Code-like text is never touched: inline code, the text of an
autolink and any bare URL, e-mail address or HTML tag in running text.

Used by the source stage for the body (``md()``) and for every plain string a reader
sees: front-matter titles, figure titles, captions and texts on a figure (``plain()``).
"""

from __future__ import annotations

import re
from functools import lru_cache

from markdown_it import MarkdownIt
from markdown_it.rules_core.replacements import replace_rare
from markdown_it.rules_core.state_core import StateCore

# primary, secondary quotation marks: open, close, open, close
QUOTES = {
    "en": "“”‘’", "de": "„“‚‘", "fr": ["«\u00a0", "\u00a0»", "‹\u00a0", "\u00a0›"],
    "fi": "””’’", "sv": "””’’", "ru": "«»„“", "uk": "«»„“", "pl": "„”‚’", "cs": "„“‚‘",
    "da": "»«›‹", "nb": "«»‘’", "no": "«»‘’", "nn": "«»‘’", "es": "«»“”", "it": "«»“”",
    "pt": "«»“”", "nl": "“”‘’", "et": "„“‚‘", "lv": "«»„“", "lt": "„“‚‘", "hu": "„”»«",
    "ja": "「」『』", "zh": "“”‘’", "ko": "“”‘’", "ka": "„“‚‘", "hy": "«»“”",
}
_CODE_LIKE = re.compile(r"(?:[a-z][a-z0-9+.-]*://|www\.|mailto:)\S+|[\w.+-]+@[\w-]+\.[\w.-]+"
                        r"|</?[a-z][a-z0-9]*(?:\s[^<>]*)?/?>", re.I)  # URLs, e-mail addresses, HTML tags
_PROTECTED = "text_code_like"


def quotes_for(language: str):
    return QUOTES.get(language.split("-")[0].lower(), QUOTES["en"])


def _protect(state: StateCore) -> None:
    """Before smartquotes: set aside autolink texts and bare URLs (a token type the
    typographic rules skip), then replace dashes and ellipses in the rest."""
    for block in state.tokens:
        if block.type != "inline" or not block.children:
            continue
        out = []
        in_autolink = False
        for tok in block.children:
            if tok.type == "link_open" and tok.info == "auto":
                in_autolink = True
            elif tok.type == "link_close" and tok.info == "auto":
                in_autolink = False
            elif tok.type == "text" and in_autolink:
                tok.type = _PROTECTED
            elif tok.type == "text" and _CODE_LIKE.search(tok.content):
                out.extend(_split(tok))
                continue
            out.append(tok)
        block.children = out
        replace_rare(block.children)


def _split(tok):
    pieces, last = [], 0
    for m in _CODE_LIKE.finditer(tok.content):
        for text, kind in ((tok.content[last:m.start()], "text"), (m.group(0), _PROTECTED)):
            if text:
                piece = tok.copy()
                piece.type, piece.content = kind, text
                pieces.append(piece)
        last = m.end()
    if tok.content[last:]:
        piece = tok.copy()
        piece.content = tok.content[last:]
        pieces.append(piece)
    return pieces


def _restore(state: StateCore) -> None:
    for block in state.tokens:
        for tok in block.children or ():
            if tok.type == _PROTECTED:
                tok.type = "text"


def _typographer(md: MarkdownIt) -> MarkdownIt:
    md.enable("smartquotes")
    md.core.ruler.before("smartquotes", "typography_protect", _protect)
    md.core.ruler.after("smartquotes", "typography_restore", _restore)
    return md


@lru_cache(maxsize=16)
def md(language: str) -> MarkdownIt:
    """The body's parser: CommonMark, no raw HTML, typographic quotes of ``language``."""
    from mdit_py_plugins.footnote import footnote_plugin

    return _typographer(MarkdownIt("commonmark", {"html": False, "typographer": True,
                                                  "quotes": quotes_for(language)}).use(footnote_plugin))


@lru_cache(maxsize=16)
def _plain_parser(language: str) -> MarkdownIt:
    return _typographer(MarkdownIt("zero", {"typographer": True, "quotes": quotes_for(language)}))


def plain(text: str, language: str) -> str:
    """A plain string (no Markdown) with typographic quotes, dashes and ellipses."""
    if not text or not re.search(r"[\"'.-]", text):
        return text
    tokens = _plain_parser(language).parseInline(text)
    return "".join(c.content if c.type != "softbreak" else "\n" for c in tokens[0].children or ())
