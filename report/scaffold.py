"""``brief new SLUG``: a new brief folder that builds once its placeholders are replaced.

It writes ``brief.md`` with every front-matter field (the required ones filled with
visible placeholders to replace, each with a comment), an example map whose places come
from the world gazetteer, and an empty ``places.toml`` that explains its format.

The folder appears whole or not at all: the files are written into a hidden staging folder
beside it (``DIR/.<slug>.new-<random hex>``), which is renamed to ``DIR/<slug>`` in one step; on
any error (a full disk) the staging folder is removed, so a retry starts afresh. A build
lists every placeholder left (:mod:`report.placeholders`).
"""

from __future__ import annotations

import datetime as dt
import errno
import os
import re
import secrets
import shutil
from pathlib import Path

from geodata.files import write_whole

from .errors import BriefError

SLUG = re.compile(r"[a-z0-9][a-z0-9-]*")
SLUG_RULE = "use lower-case letters, digits and hyphens, starting with a letter or digit"


def is_slug(text: str) -> bool:
    """Whether ``text`` is a slug, all of it (no trailing line break either)."""
    return SLUG.fullmatch(text) is not None

BRIEF = '''+++
# Front matter (TOML). Fields marked "required" must be there; replace every "REPLACE:" value.
series = "REPLACE: Series name"            # required: the publication series
# number = "1/{year}"                      # optional: leave out what you cannot source
date = "{date}"                        # required: YYYY, YYYY-MM or YYYY-MM-DD; also the build date
language = "en-GB"                         # required: BCP 47; picks hyphenation and quotation marks
kicker = "REPLACE: Topic"                  # required: the line above the title
title = "REPLACE: Title of the brief"      # required
standfirst = "REPLACE: One or two sentences that say what the brief argues."   # required
keywords = ["REPLACE: keyword"]            # required: a list of strings
publisher = "REPLACE: Publisher"           # required
rights = "© {year} REPLACE: rights holder" # required
style = "house"                            # required: styles/house.toml
# subject = "…"                            # optional: the PDF subject; defaults to the standfirst

[[authors]]                                # required: one table per author
name = "REPLACE: Author Name"
role = "REPLACE: Role"
+++

REPLACE: the first paragraph. Type plain keyboard characters: "straight quotes" and the
editor's apostrophes print as typographic ones, two hyphens -- as an en dash, three --- as an
em dash, and three dots as an ellipsis...

![](figure:map)

## Sources

- REPLACE: one entry per source, with a link: [GeoNames](https://www.geonames.org/)
'''

MAP = '''# An example map. Places come from the bundled gazetteer, this brief's places.toml or
# the world gazetteer (`brief places NAME` finds them); name them by id, "geonames:ID",
# name, or "Name, CC" (country code). The first build pins each one in places.lock.json.
kind = "map"
title = "REPLACE: Map title"
caption = "REPLACE: What the map shows."
source = "Made with Natural Earth. Places: GeoNames (CC BY 4.0)."
alt = "REPLACE: a sentence or two saying what the map shows, for readers who cannot see it."
size = "column"
height = 60
legend = "none"

[extent]
fit = ["Geneva, CH", "Bern, CH", "Zurich, CH"]
margin = 50                 # kilometres on the ground around the places

[[layer]]
layer = "land"
role = "land"

[[layer]]
layer = "borders"
role = "border"

[[label]]
place = "Geneva"
country = "CH"

[[label]]
place = "Bern, CH"

[[label]]
place = "Zurich, CH"
'''

PLACES = '''# This brief's own places: capes, islands, straits, seas, regions (GeoNames' populated
# places do not hold them), or a town the world gazetteer lacks. An entry here overrides a
# bundled one with the same id. Format (see README, "Places and layers"):
#
# [[place]]
# id = "cape-dezhnev"                       # lower-case letters, digits, hyphens
# kind = "cape"                             # island, cape, strait, sea, region, settlement, ...
# names = { en = "Cape Dezhnev", ru = "мыс Дежнёва" }
# lat = 66.08                               # degrees north (-90..90)
# lon = -169.65                             # degrees east (-180..180)
# sources = [{ title = "Where the coordinates come from", url = "https://…", consulted = "{date}" }]
'''


def new_brief(slug: str, directory: Path, today: dt.date | None = None) -> Path:
    """Write ``directory/slug/`` whole and return it; refuses an existing folder. A disk error
    is an ``OSError`` naming the folder, with nothing written."""
    if not is_slug(slug):
        raise BriefError(f"'{slug}' is not a slug: {SLUG_RULE}")
    home = Path(directory) / slug
    taken = BriefError("already exists; choose another slug or remove it", home)
    if os.path.lexists(home):
        raise taken
    today = today or dt.date.today()
    fill = {"date": today.isoformat(), "year": str(today.year)}
    files = {
        "brief.md": BRIEF.format(**fill),
        "figures/map.toml": MAP,
        "places.toml": PLACES.replace("{date}", fill["date"]),
    }
    stage = None
    try:
        home.parent.mkdir(parents=True, exist_ok=True)
        stage = home.parent / f".{slug}.new-{secrets.token_hex(4)}"
        os.mkdir(stage)
        for name, text in files.items():
            write_whole(stage / name, text.encode("utf-8"), durable=True)
        if os.path.lexists(home):  # made meanwhile: rename would replace an empty folder
            raise taken
        try:
            os.rename(stage, home)
        except OSError as exc:
            if exc.errno in (errno.EEXIST, errno.ENOTEMPTY):
                raise taken from None
            raise
        stage = None
    except OSError as exc:
        raise OSError(exc.errno, exc.strerror, str(home)) from None
    finally:
        if stage is not None:
            shutil.rmtree(stage, ignore_errors=True)
    return home
