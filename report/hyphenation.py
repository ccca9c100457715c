"""Hyphenation dictionaries, loaded once and kept in the build cache.

ReportLab hyphenates through pyphen, which parses the language's pattern file (about
70 ms for en_GB) the first time in every process. The parsed dictionary is pickled into
the cache under a key of pyphen's version and the pattern file's size and time, and put
into pyphen's own per-process cache before layout asks for it. The pickle is written and
read only by this project, in its own cache folder.
"""

from __future__ import annotations

import pickle

import pyphen

from . import cache


def pyphen_language(language: str) -> str:
    """The pyphen dictionary for a BCP 47 tag ("en-GB" → "en_GB", "fi" → "fi"), or ""."""
    for cand in (language.replace("-", "_"), language.split("-")[0]):
        if cand in pyphen.LANGUAGES:
            return cand
    return ""


def preload(language: str) -> str:
    """Make the language's dictionary ready in this process; return its pyphen name."""
    lang = pyphen_language(language)
    if not lang:
        return ""
    path = pyphen.LANGUAGES[lang]
    if path in pyphen.hdcache:
        return lang
    st = path.stat() if hasattr(path, "stat") else None
    key = f"{lang}-{pyphen.__version__}-{st.st_size if st else 0}-{st.st_mtime_ns if st else 0}"
    stored = cache.root() / "hyphenation" / f"{key}.pickle"
    try:
        pyphen.hdcache[path] = pickle.loads(stored.read_bytes())
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError):
        pyphen.hdcache[path] = pyphen.HyphDict(path)
        try:
            cache.write_atomically(stored, pickle.dumps(pyphen.hdcache[path], protocol=pickle.HIGHEST_PROTOCOL))
        except OSError:
            pass  # a read-only cache only costs time
    return lang
