"""A bound on what ``brief check`` decompresses: every stream of a file handed to it is
measured before any rule reads it, without holding more than a megabyte of its output.

A two-megabyte PDF can hold gigabytes of Flate-compressed content; our rules read streams
through pikepdf, which decodes each one whole, and the independent validator decodes them
too (it gets the same limit through ``page.SafetyLimits``). A stream that decodes to more
than :data:`report.schema.LIMITS` ``["stream_bytes"]`` is refused with one error.
"""

from __future__ import annotations

import zlib

import pikepdf

from ..pdfmech.objects import label
from ..schema import LIMITS

#: filters whose output is never larger than their input (ASCII codings), or that our
#: rules never decode (image codecs: pikepdf leaves them encoded)
_NOT_GROWING = {"/ASCIIHexDecode", "/ASCII85Decode", "/AHx", "/A85", "/DCTDecode", "/DCT", "/JPXDecode",
                "/CCITTFaxDecode", "/CCF", "/JBIG2Decode", "/Crypt"}
_FLATE = {"/FlateDecode", "/Fl"}
#: the most any other filter (LZW, RunLength) can expand its input
_MAX_RATIO = 1024
_CHUNK = 1 << 20


def oversized(pdf: pikepdf.Pdf, limit: int | None = None) -> tuple[str, int] | None:
    """The first stream that decodes to more than ``limit`` bytes: (where, bytes at least)."""
    limit = LIMITS["stream_bytes"] if limit is None else limit
    for obj in pdf.objects:
        if not isinstance(obj, pikepdf.Stream):
            continue
        size = decoded_size_at_most(obj, limit)
        if size > limit:
            return label(obj), size
    return None


def decoded_size_at_most(stream: pikepdf.Stream, limit: int) -> int:
    """The stream's decoded size, or a number above ``limit`` once it is sure to exceed it."""
    filters = stream.get("/Filter")
    names = [str(f) for f in filters] if isinstance(filters, pikepdf.Array) else [str(filters)] if filters else []
    raw = stream.read_raw_bytes()
    if not names or all(n in _NOT_GROWING for n in names):
        return len(raw)
    if len(names) == 1 and names[0] in _FLATE:
        return _inflated_size(raw, limit)
    return len(raw) * _MAX_RATIO  # bounded by the raw size: small streams pass, others are refused


def _inflated_size(raw: bytes, limit: int) -> int:
    d = zlib.decompressobj()
    total, data = 0, raw
    try:
        while data and total <= limit:
            total += len(d.decompress(data, _CHUNK))
            data = d.unconsumed_tail
        if total <= limit:
            total += len(d.flush())
    except zlib.error:
        return total  # a damaged stream: the rules report it
    return total
