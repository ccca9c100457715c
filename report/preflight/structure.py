"""File-structure rules: opening, header (6.1.2), trailer (6.1.3),
encryption and permissions (6.1.12 of ISO 19005-2).

Header and trailer are judged on the raw bytes, not on pikepdf's repaired
view of the file.
"""
from __future__ import annotations

import re

from pikepdf import Array, Dictionary, Name, String

from . import RuleResult, rule

_HEADER = re.compile(rb"%PDF-1\.([0-9])(\r\n|\r|\n)")


@rule("structure.open", needs_pdf=False)
def opens(ctx):
    """The file can be read and parsed as PDF (pikepdf/qpdf opens it)."""
    if ctx.pdf is None:
        return [RuleResult("structure.open", False, "document",
                           f"cannot open as PDF: {ctx.open_error}")]
    return []


@rule("structure.header", needs_pdf=False)
def header(ctx):
    """ISO 19005-2 6.1.2: the file starts at byte 0 with ``%PDF-1.n``
    (n = 0..7) immediately followed by an EOL, and the next line is a comment
    whose first four bytes after ``%`` are all > 127."""
    R = "structure.header"
    raw = ctx.raw
    if raw is None:
        return [RuleResult(R, False, "document", "raw file bytes unavailable")]
    m = _HEADER.match(raw)
    if not m:
        return [RuleResult(R, False, "document",
                           f"file does not start with %PDF-1.[0-7] + EOL: {raw[:16]!r}")]
    if int(m.group(1)) > 7:
        return [RuleResult(R, False, "document", f"version 1.{m.group(1).decode()} not allowed")]
    rest = raw[m.end():m.end() + 5]
    if len(rest) < 5 or rest[:1] != b"%" or not all(b > 127 for b in rest[1:5]):
        return [RuleResult(R, False, "document",
                           "header not followed by a comment with four bytes > 127")]
    return []


def _valid_id(idv) -> bool:
    return (isinstance(idv, Array) and len(idv) == 2
            and all(isinstance(x, String) and len(bytes(x)) > 0 for x in idv))


def _first_trailer_has_id(raw: bytes) -> bool | None:
    """For a linearized file: does the first-page trailer (the first
    ``trailer`` dictionary or the first XRef stream dictionary) have /ID?"""
    m = re.search(rb"trailer\s*<<", raw)
    x = re.search(rb"/Type\s*/XRef", raw)
    if m and (not x or m.start() < x.start()):
        end = raw.find(b"startxref", m.end())
        return b"/ID" in raw[m.end(): end if end > 0 else None]
    if x:
        start = raw.rfind(b"obj", 0, x.start())
        end = raw.find(b"stream", x.start())
        return b"/ID" in raw[start: end]
    return None


@rule("structure.trailer")
def trailer(ctx):
    """ISO 19005-2 6.1.3: the trailer has an /ID of two non-empty byte
    strings (for a linearized file, the first-page trailer), and no data
    follows the last ``%%EOF`` except one optional EOL."""
    R = "structure.trailer"
    out = []
    tr = ctx.pdf.trailer
    if not _valid_id(tr.get("/ID")):
        out.append(RuleResult(R, False, "document",
                              "trailer /ID missing or not two non-empty strings"))
    elif ctx.raw is not None and ctx.pdf.is_linearized and _first_trailer_has_id(ctx.raw) is False:
        out.append(RuleResult(R, False, "document", "linearized file: first-page trailer lacks /ID"))
    if ctx.raw is not None:
        i = ctx.raw.rfind(b"%%EOF")
        if i < 0:
            out.append(RuleResult(R, False, "document", "no %%EOF marker"))
        elif ctx.raw[i + 5:] not in (b"", b"\n", b"\r", b"\r\n"):
            out.append(RuleResult(R, False, "document",
                                  f"{len(ctx.raw) - i - 5} bytes of data after the last %%EOF"))
    return out


@rule("structure.encryption")
def encryption(ctx):
    """ISO 19005-2 6.1.3 / PDF/X: the trailer shall not contain /Encrypt."""
    if "/Encrypt" in ctx.pdf.trailer or ctx.pdf.is_encrypted:
        return [RuleResult("structure.encryption", False, "document", "file is encrypted (/Encrypt in trailer)")]
    return []


