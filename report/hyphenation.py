"""Hyphenation dictionaries, loaded once and kept in the build cache.

English is hyphenated with TeX's own patterns (Liang's ``hyphen.tex``, shipped as
``report/hyph/hyph_en.dic``; pyphen's en_GB dictionary breaks "comparis-on", "Sakhal-in",
"Mo-scow"), every other language with pyphen's dictionary for it. At least 2 letters stay
before a break and 3 go after it, as TeX's English settings have it.

The composer hyphenates through pyphen, which parses the language's pattern file (about
70 ms for en_GB) the first time in every process. The parsed dictionary is pickled into
the cache under a key of pyphen's version and the pattern file's size and time, and put
into pyphen's own per-process cache before layout asks for it. The pickle is written and
read only by this project, in its own cache folder, and unpickled only when its bytes match
the digest stamped when it was written (a damaged one is a warning and parsed afresh).
"""

from __future__ import annotations

import pickle
from pathlib import Path

import pyphen

from . import cache
from .errors import BriefError, warn


def pyphen_language(language: str) -> str:
    """The pyphen dictionary for a BCP 47 tag ("en-GB" → "en_GB", "fi" → "fi"), or ""."""
    for cand in (language.replace("-", "_"), language.split("-")[0]):
        if cand in pyphen.LANGUAGES:
            return cand
    return ""


LEFT, RIGHT = 2, 3  # letters kept before and after a hyphenation point
OWN = Path(__file__).parent / "hyph"  # TeX patterns in pyphen's format, by base language


def dictionary(lang: str) -> Path:
    """The pattern file for a pyphen language name: our TeX one for its base language, if any."""
    own = OWN / f"hyph_{lang.split('_')[0]}.dic"
    return own if own.is_file() else Path(pyphen.LANGUAGES[lang])


def hyphenator(language: str):
    """A ``pyphen.Pyphen`` for the BCP 47 tag (its dictionary made ready), or None."""
    lang = preload(language)
    if not lang:
        return None
    return pyphen.Pyphen(filename=dictionary(lang), left=LEFT, right=RIGHT)


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
    path = dictionary(lang)
    if path in pyphen.hdcache:
        return lang
    st = path.stat() if hasattr(path, "stat") else None
    key = f"{path.stem}-{pyphen.__version__}-{st.st_size if st else 0}-{st.st_mtime_ns if st else 0}-v3"
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
