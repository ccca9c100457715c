"""Work on a figure that depends only on the figure: done once per figure key, kept in the
build cache beside the rendered figure, reused by every build and every use.

- :func:`copy_of`: the figure as an edition stamps it (``Edition.figures``): the rendered PDF
  ("rgb"), or :func:`print_pdf`, the figure with every colour mapped to the palette's CMYK
  ("cmyk", what :mod:`report.pdf.cmyk` would do to it inside each document).
- :func:`trusted`: each figure checked on its own by a profile's content rules (colour,
  ink, glyphs, line widths, type sizes, images), so that the edition's preflight does not
  walk it again: the digests of the figures that passed. A figure that fails is a build
  error naming its spec.

A cache entry's name carries the digest of everything it was derived from: the figure's
own cache key (in its file name), the palette, and the code that converts or checks.
"""

from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path

from . import cache
from .errors import BriefError
from .figures import Figure
from .style import Style

_HERE = Path(__file__).resolve().parent
_MECH_CODE = sorted((_HERE / "pdfmech").glob("*.py"))
_CMYK_CODE = [_HERE / "figforms.py", _HERE / "pdf" / "cmyk.py", *_MECH_CODE]
_CHECK_CODE = [_HERE / "figforms.py", *sorted((_HERE / "preflight").glob("*.py")), *_MECH_CODE]
_digests: dict[tuple, str] = {}


def _code_digest(paths: list[Path]) -> str:
    key = tuple(paths)
    if key not in _digests:
        h = hashlib.sha256()
        for p in paths:
            h.update(p.read_bytes())
        _digests[key] = h.hexdigest()
    return _digests[key]


def _palette_digest(style: Style) -> str:
    pal = {k: (c.hex, list(c.cmyk)) for k, c in sorted(style.colours.items())}
    return hashlib.sha256(json.dumps(pal, sort_keys=True).encode()).hexdigest()


def print_pdf(fig: Figure, style: Style) -> Path:
    """The figure in palette CMYK (cached). Off-palette colours are errors naming the spec."""
    key = hashlib.sha256((_code_digest(_CMYK_CODE) + _palette_digest(style)).encode()).hexdigest()[:16]
    out = fig.pdf.with_name(f"{fig.pdf.stem}-cmyk-{key}.pdf")
    if cache.intact(out, "converting it again"):
        return out
    import pikepdf

    from .pdf.cmyk import to_palette_cmyk

    with pikepdf.open(fig.pdf) as pdf:
        try:
            to_palette_cmyk(pdf, style)
        except BriefError as exc:
            raise BriefError(f"{fig.kind} '{fig.id}' cannot be printed: {exc}", fig.spec_path) from None
        buf = io.BytesIO()
        pdf.save(buf, deterministic_id=True)
    cache.write_atomically(out, buf.getvalue())
    return out


def copy_of(fig: Figure, style: Style, flavour: str) -> Path:
    """The figure PDF an edition whose figures are ``flavour`` ("rgb" or "cmyk") stamps."""
    if flavour == "rgb":
        return fig.pdf
    if flavour == "cmyk":
        return print_pdf(fig, style)
    raise ValueError(f"no {flavour!r} copy of a figure (rgb or cmyk)")


def trusted(figures: dict[str, Figure], profile: str, pdfs: dict[str, Path]) -> frozenset:
    """Digests of the figures that pass ``profile``'s content rules on their own.

    ``pdfs``: each figure's PDF (by id) as the edition stamps it (:func:`copy_of`)."""
    from .preflight import check_form

    code = _code_digest(_CHECK_CODE)[:12]
    out = set()
    for fid, fig in figures.items():
        path = pdfs[fid]
        memo = path.with_name(f"{path.stem}.{profile}-{code}.json")
        data = cache.read(memo, "checking the figure again")
        if data is not None:
            found = json.loads(data)
        else:
            digest, fails = check_form(str(path), profile)
            found = {"digest": digest, "failures": [f"{r.rule}: {r.message}" for r in fails]}
            cache.write_atomically(memo, json.dumps(found).encode())
        if found["failures"]:
            raise BriefError(f"{fig.kind} '{fig.id}' fails the {profile} preflight: "
                             + "; ".join(found["failures"][:3]), fig.spec_path)
        out.add(found["digest"])
    return frozenset(out)
