"""No stream of an edition reads one byte short.

When a stream's data ends in CR, the writer's ``LF endstream`` after it reads, measured
back from ``endstream``, as a CR LF end-of-line: the data looks one byte shorter than its
``/Length`` and the validator refuses the file (PDFA3B-STREAM-LENGTH-001). Which stream
ends in CR depends on the bytes (for Flate data, on the low byte of its Adler-32
checksum), so one added word could make a brief unbuildable. These tests make each kind
of stream end in CR on purpose — a content stream, a font-like binary stream, the object
streams and the cross-reference stream the writer generates — and read every stream of
the result the way such a validator does.
"""
from __future__ import annotations

import io
import itertools
import re
import zlib

import pikepdf
import pytest

from report.pdfmech.save import save
from report.preflight import check


def _short_streams(data: bytes) -> list[str]:
    """Streams whose data, measured back from ``endstream`` (one CR LF, LF or CR taken as
    the end-of-line marker), is not ``/Length`` bytes long; and streams whose data does not
    decode to what it did."""
    bad = []
    with pikepdf.open(io.BytesIO(data)) as pdf:
        for (num, gen), entry in pdf.get_xref_table().items():
            if entry.type != 1:
                continue
            head = re.compile(rb"%d %d obj" % (num, gen))
            assert head.match(data, entry.offset), f"object {num} is not at its offset"
            m = re.compile(rb"stream(\r\n|\n)").search(data, entry.offset)
            end = data.find(b"endobj", entry.offset)
            if m is None or m.start() > end:
                continue
            stop = data.rfind(b"endstream", m.end(), end)
            body = data[m.end():stop]
            for eol in (b"\r\n", b"\n", b"\r"):
                if body.endswith(eol):
                    body = body[:-len(eol)]
                    break
            length = int(pdf.get_object(num, gen).stream_dict.Length)
            if len(body) != length:
                bad.append(f"obj {num}: {len(body)} bytes before the end-of-line, /Length {length}")
    return bad


def _raw_ends(data: bytes) -> dict[str, bool]:
    """Which kinds of stream of ``data`` (as QPDF wrote them) end in CR."""
    kinds = {}
    with pikepdf.open(io.BytesIO(data)) as pdf:
        for (num, gen), entry in pdf.get_xref_table().items():
            if entry.type != 1:
                continue
            obj = pdf.get_object(num, gen)
            if isinstance(obj, pikepdf.Stream):
                kind = str(obj.stream_dict.get("/Type", "/other"))
                kinds[kind] = kinds.get(kind, False) or obj.read_raw_bytes().endswith(b"\r")
    return kinds


def _document(seed: int, binary: bytes = b"") -> pikepdf.Pdf:
    pdf = pikepdf.new()
    for page in range(3):
        pdf.add_blank_page()
        pdf.pages[page].Contents = pdf.make_stream(f"BT /F1 12 Tf (page {page} {seed}) Tj ET\n".encode())
    pdf.Root.Notes = pikepdf.Array([pikepdf.Dictionary(N=i, S=pikepdf.String("x" * (seed % 97)))
                                    for i in range(seed % 40 + 5)])
    if binary:
        stream = pdf.make_stream(zlib.compress(binary))
        stream.Filter = pikepdf.Name.FlateDecode
        pdf.Root.Program = stream
    return pdf


def _plain(pdf: pikepdf.Pdf) -> bytes:
    out = io.BytesIO()
    pdf.save(out, deterministic_id=True, compress_streams=True,
             object_stream_mode=pikepdf.ObjectStreamMode.generate)
    return out.getvalue()


def _find(kind: str, binary: bytes = b"") -> int:
    """The first seed whose document QPDF writes with a stream of ``kind`` ending in CR."""
    for seed in range(5000):
        if _raw_ends(_plain(_document(seed, binary))).get(kind):
            return seed
    raise AssertionError(f"no document with a {kind} stream ending in CR")


def _binary_ending_in_cr() -> bytes:
    """Bytes (a stand-in for a font program) whose Flate encoding ends in CR."""
    return next(b for i in itertools.count() if zlib.compress(b := b"\x00\x01glyf" + i.to_bytes(4, "big"))[-1] == 13)


@pytest.mark.parametrize("kind", ["/XRef", "/ObjStm", "/other"])
def test_a_stream_ending_in_cr_is_written_so_that_it_reads_whole(kind):
    binary = _binary_ending_in_cr() if kind == "/other" else b""
    seed = _find(kind, binary)
    plain = _plain(_document(seed, binary))
    assert _short_streams(plain), "the plain writer's file reads short (the fault this guards against)"
    fixed = save(_document(seed, binary))
    assert _raw_ends(fixed)[kind], "the stream still ends in CR: nothing was re-encoded"
    assert _short_streams(fixed) == []
    with pikepdf.open(io.BytesIO(fixed)) as a, pikepdf.open(io.BytesIO(plain)) as b:
        assert a.check_pdf_syntax() == []                    # QPDF reads it without a warning
        for (num, gen), entry in a.get_xref_table().items():   # the same objects, decoded alike
            if entry.type == 1 and isinstance(a.get_object(num, gen), pikepdf.Stream):
                assert a.get_object(num, gen).read_bytes() == b.get_object(num, gen).read_bytes()
    findings = [r.message for r in check(fixed, profile="pdfa-2b") if not r.ok]
    assert not [m for m in findings if "STREAM-LENGTH" in m]
    assert [m for m in (r.message for r in check(plain, profile="pdfa-2b") if not r.ok) if "STREAM-LENGTH" in m]


def test_many_generated_documents_have_no_short_stream():
    for seed in range(300):
        assert _short_streams(save(_document(seed, seed.to_bytes(2, "big") * (seed % 50)))) == [], seed


def test_the_sample_editions_have_no_short_stream(sample_build):
    for pdf in sorted(sample_build.glob("*.pdf")):
        assert _short_streams(pdf.read_bytes()) == [], pdf.name
