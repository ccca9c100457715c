"""Hyphenation dictionaries, loaded once and kept in the build cache.

ReportLab hyphenates through pyphen, which parses the language's pattern file (about
70 ms for en_GB) the first time in every process. The parsed dictionary is pickled into
the cache under a key of pyphen's version and the pattern file's size and time, and put
into pyphen's own per-process cache before layout asks for it. The pickle is written and
read only by this project, in its own cache folder, and unpickled only when its bytes match
the digest stamped when it was written (a damaged one is a warning and parsed afresh).
"""

from __future__ import annotations

import pickle

import pyphen

from . import cache
from .errors import BriefError, warn


def pyphen_language(language: str) -> str:
    """The pyphen dictionary for a BCP 47 tag ("en-GB" → "en_GB", "fi" → "fi"), or ""."""
    for cand in (language.replace("-", "_"), language.split("-")[0]):
        if cand in pyphen.LANGUAGES:
            return cand
    return ""


def check_language(language: str, path, line: int | None) -> None:
    """A language with no dictionary is an error; one hyphenated with its base language's
    dictionary (``en-ZA`` with ``en``) is a warning that names it."""
    lang = pyphen_language(language)
    if not lang:
        bases = sorted({name.split("_")[0] for name in pyphen.LANGUAGES})
        raise BriefError(f"language '{language}' has no hyphenation dictionary (known languages: "
                         f"{', '.join(bases)})", path, line)
    if lang != language.replace("-", "_"):
        warn(f"language '{language}' has no dictionary of its own: hyphenating with '{lang}'", path, line)


def preload(language: str) -> str:
    """Make the language's dictionary ready in this process; return its pyphen name."""
    lang = pyphen_language(language)
    if not lang:
        return ""
    path = pyphen.LANGUAGES[lang]
    if path in pyphen.hdcache:
        return lang
    st = path.stat() if hasattr(path, "stat") else None
    key = f"{lang}-{pyphen.__version__}-{st.st_size if st else 0}-{st.st_mtime_ns if st else 0}-v2"
    stored = cache.root() / "hyphenation" / f"{key}.pickle"
    data = cache.read(stored, "parsing the dictionary again")
    if data is not None:  # the very bytes this code pickled (their digest is checked)
        pyphen.hdcache[path] = pickle.loads(data)
        return lang
    pyphen.hdcache[path] = pyphen.HyphDict(path)
    try:
        cache.write_atomically(stored, pickle.dumps(pyphen.hdcache[path], protocol=pickle.HIGHEST_PROTOCOL))
    except OSError:
        pass  # a read-only cache only costs time
    return lang
