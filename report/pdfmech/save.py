"""Deterministic save: the same content gives the same bytes and the same /ID, with stream
ends that read one way only.

:func:`save` serialises with QPDF (document ID derived from the content) and then makes
every stream end unambiguous (:func:`unambiguous_stream_ends`):

ISO 32000-1 7.3.8.1 puts an end-of-line marker between a stream's data and ``endstream``
and leaves it out of ``/Length``; an end-of-line marker is CR, LF or CR LF. QPDF writes a
lone LF there. When the data itself ends in CR (a byte that compressed data, an image or a
font ends in one time in 256: for Flate data it is the low byte of the Adler-32 checksum,
fixed by the decoded bytes), the file reads ``… CR LF endstream``, and a validator that
measures the data back from ``endstream`` takes that CR LF for the marker and finds the
data one byte shorter than ``/Length`` (page-validation: PDFA3B-STREAM-LENGTH-001). Which
streams it hits depends on the text: one added word could make a brief unbuildable.

The cure is one more CR after such data: ``… CR CR LF endstream`` reads the same forwards
(``/Length`` bytes, then the marker CR LF) and backwards (strip CR LF, the data remains,
its CR included). To keep every byte offset of the file, and so its cross-reference
table or stream, exactly as the writer made them, the byte is taken back inside the same
object: QPDF opens every dictionary as ``<< /``, and ``<</`` means the same.

This works on the bytes of a finished, unencrypted file and changes nothing else: the
decoded content of every stream, the objects, the offsets and ``/ID`` stay as they were.
"""

from __future__ import annotations

import io

import pikepdf


def save(pdf: pikepdf.Pdf, *, version: str | tuple[str, int] | None = None, object_streams: bool = True) -> bytes:
    """Serialise deterministically: same content, same bytes, same /ID. ``version`` is the PDF
    version to write ("1.7"), or a version and Adobe extension level (("1.7", 3): QPDF then
    writes the catalog's ``/Extensions /ADBE``); None keeps the document's.

    The input's /ID is dropped first: QPDF keeps the first element of an existing /ID, and
    ReportLab's depends on the environment (SOURCE_DATE_EPOCH), not on the content."""
    if "/ID" in pdf.trailer:
        del pdf.trailer.ID
    out = io.BytesIO()
    pdf.save(out, deterministic_id=True, compress_streams=True,
             object_stream_mode=pikepdf.ObjectStreamMode.generate if object_streams
             else pikepdf.ObjectStreamMode.disable,
             min_version=version or "", force_version=version or "", linearize=False)
    return unambiguous_stream_ends(out.getvalue())


_OPEN = b"<< /"
_TIGHT = b"<</"
_END = b"\nendstream"


class StreamEndError(RuntimeError):
    """A stream ending in CR that this module cannot rewrite in place."""


def unambiguous_stream_ends(data: bytes) -> bytes:
    """``data`` with every top-level stream whose data ends in CR given a CR LF marker
    before ``endstream``, the file's length and offsets unchanged; ``data`` itself when no
    stream ends in CR."""
    with pikepdf.open(io.BytesIO(data)) as pdf:
        table = pdf.get_xref_table()
        spans: list[tuple[int, int, int]] = []   # (object start, data start, data length)
        for (num, gen), entry in table.items():
            if entry.type != 1:
                continue
            try:
                obj = pdf.get_object(num, gen)
            except pikepdf.PdfError:
                continue
            if not isinstance(obj, pikepdf.Stream):
                continue
            raw = obj.read_raw_bytes()
            if not raw.endswith(b"\r"):
                continue
            spans.append((entry.offset, _data_start(data, entry.offset, raw), len(raw)))
    if not spans:
        return data
    out = bytearray(data)
    # right to left, so that every position still to be used is where it was read
    for start, data_start, length in sorted(spans, reverse=True):
        stop = data_start + length
        if out[stop:stop + len(_END)] != _END:
            raise StreamEndError(f"the stream of the object at byte {start} does not end in LF endstream")
        head = out.find(_OPEN, start, data_start)
        if head < 0:
            raise StreamEndError(f"the object at byte {start} has no '<< /' to tighten")
        out[stop:stop] = b"\r"
        del out[head + 2]                       # "<< /" -> "<</": one byte fewer, before the data
    if len(out) != len(data):                   # every insertion was paid for in its own object
        raise StreamEndError("stream ends could not be fixed without moving objects")
    return bytes(out)


def _data_start(data: bytes, offset: int, raw: bytes) -> int:
    """Where the stream data of the object at ``offset`` begins: after the first ``stream``
    keyword and its end-of-line whose following bytes are the object's raw data."""
    pos = offset
    while True:
        pos = data.find(b"stream", pos)
        if pos < 0:
            raise StreamEndError(f"the object at byte {offset} has no stream keyword")
        for eol in (b"\r\n", b"\n"):
            begin = pos + 6
            if data.startswith(eol, begin) and data.startswith(raw, begin + len(eol)):
                return begin + len(eol)
        pos += 6
