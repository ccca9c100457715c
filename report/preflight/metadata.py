"""Metadata rules: XMP presence, Info/XMP consistency (ISO 19005-2 6.6.2.x,
as 19005-1 6.7.3 states it), PDF/A identification (6.6.4), PDF/X keys.

XMP is parsed as XML and properties are found by namespace URI (both the
attribute form ``<rdf:Description pdfaid:part="2"/>`` and the element form
``<pdfaid:part>2</pdfaid:part>``), never by regular expression.
"""
from __future__ import annotations

import datetime as dt
import re
from xml.dom import minidom
from xml.parsers.expat import ExpatError

from pikepdf import Dictionary, Name, Stream

from . import RuleResult, rule

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
NS = {
    "dc": "http://purl.org/dc/elements/1.1/",
    "pdf": "http://ns.adobe.com/pdf/1.3/",
    "xmp": "http://ns.adobe.com/xap/1.0/",
    "pdfaid": "http://www.aiim.org/pdfa/ns/id/",
    "pdfxid": "http://www.npes.org/pdfx/ns/id/",
}


class Xmp:
    """The parsed XMP packet: ``get(prefix, name)`` -> (value, prefix_used)."""

    def __init__(self, data: bytes):
        self.dom = minidom.parseString(data)

    def _descriptions(self):
        return self.dom.getElementsByTagNameNS(RDF, "Description")

    def get(self, ns_uri: str, local: str):
        for desc in self._descriptions():
            attrs = desc.attributes
            for i in range(attrs.length):
                a = attrs.item(i)
                if a.namespaceURI == ns_uri and a.localName == local:
                    return a.value, a.prefix
            for el in desc.childNodes:
                if el.nodeType == el.ELEMENT_NODE and el.namespaceURI == ns_uri \
                        and el.localName == local:
                    return _value(el), el.prefix
        return None, None


def _text(el) -> str:
    return "".join(n.data for n in el.childNodes if n.nodeType in (n.TEXT_NODE, n.CDATA_SECTION_NODE))


def _value(el):
    """Text of a simple property, or list of rdf:li texts for Alt/Seq/Bag."""
    for c in el.childNodes:
        if c.nodeType == c.ELEMENT_NODE and c.namespaceURI == RDF and c.localName in ("Alt", "Seq", "Bag"):
            items = [li for li in c.childNodes if li.nodeType == li.ELEMENT_NODE and li.localName == "li"]
            return [_text(li).strip() for li in items]
    # rdf:parseType="Resource" or rdf:value
    return _text(el).strip()


def xmp_of(ctx):
    """(Xmp | None, error message | None), cached."""
    if "xmp" in ctx.cache:
        return ctx.cache["xmp"]
    md = ctx.pdf.Root.get("/Metadata")
    res = (None, "no /Metadata stream in the catalog")
    if isinstance(md, Stream):
        try:
            res = (Xmp(md.read_bytes()), None)
        except (ExpatError, ValueError, Exception) as exc:
            res = (None, f"XMP is not well-formed XML: {exc}")
    ctx.cache["xmp"] = res
    return res


@rule("metadata.xmp_present")
def xmp_present(ctx):
    """ISO 19005-2 6.6.2.1 / PDF/X-4: the catalog has a /Metadata stream
    holding a well-formed XMP packet."""
    x, err = xmp_of(ctx)
    return [] if x is not None else [RuleResult("metadata.xmp_present", False, "document", err)]


_PDFDATE = re.compile(r"D?:?(\d{4})(\d{2})?(\d{2})?(\d{2})?(\d{2})?(\d{2})?([Z+\-])?(\d{2})?'?(\d{2})?'?")


def pdf_date(s: str):
    m = _PDFDATE.match(s.strip())
    if not m:
        return None
    y, mo, d, h, mi, se, z, tzh, tzm = m.groups()
    tz = None
    if z == "Z":
        tz = dt.timezone.utc
    elif z in ("+", "-"):
        off = dt.timedelta(hours=int(tzh or 0), minutes=int(tzm or 0))
        tz = dt.timezone(off if z == "+" else -off)
    try:
        return dt.datetime(int(y), int(mo or 1), int(d or 1), int(h or 0), int(mi or 0),
                           int(se or 0), tzinfo=tz)
    except ValueError:
        return None


def xmp_date(s: str):
    s = s.strip().replace("Z", "+00:00")
    try:
        return dt.datetime.fromisoformat(s)
    except ValueError:
        m = re.match(r"(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?", s)
        return dt.datetime(int(m.group(1)), int(m.group(2) or 1), int(m.group(3) or 1)) if m else None


def _same_date(a, b) -> bool:
    if a is None or b is None:
        return False
    if (a.tzinfo is None) != (b.tzinfo is None):
        a, b = a.replace(tzinfo=None), b.replace(tzinfo=None)
    return a == b


# Info key -> (namespace, property, kind)
INFO_XMP = [
    ("/Title", "dc", "title", "alt"),
    ("/Author", "dc", "creator", "seq"),
    ("/Subject", "dc", "description", "alt"),
    ("/Keywords", "pdf", "Keywords", "text"),
    ("/Creator", "xmp", "CreatorTool", "text"),
    ("/Producer", "pdf", "Producer", "text"),
    ("/CreationDate", "xmp", "CreateDate", "date"),
    ("/ModDate", "xmp", "ModifyDate", "date"),
]


@rule("metadata.info_xmp")
def info_xmp(ctx):
    """ISO 19005 (PDF/A-1 6.7.3, carried into PDF/A-2 6.6.2.x): every entry
    of the document information dictionary has an equivalent XMP property
    with the same value (Title/dc:title, Author/dc:creator, Subject/
    dc:description, Keywords/pdf:Keywords, Creator/xmp:CreatorTool,
    Producer/pdf:Producer, CreationDate/xmp:CreateDate, ModDate/
    xmp:ModifyDate)."""
    R = "metadata.info_xmp"
    info = ctx.pdf.trailer.get("/Info")
    if not isinstance(info, Dictionary):
        return []
    x, err = xmp_of(ctx)
    if x is None:
        return []  # metadata.xmp_present reports a missing / broken packet
    out = []
    for key, pfx, prop, kind in INFO_XMP:
        if key not in info:
            continue
        try:
            iv = str(info[key])
        except Exception:
            continue
        xv, _ = x.get(NS[pfx], prop)
        name = f"{pfx}:{prop}"
        if xv is None:
            out.append(RuleResult(R, False, "document", f"Info {key[1:]} set but XMP has no {name}"))
            continue
        iv = iv.strip()
        if isinstance(xv, str):
            xv = xv.strip()
        elif isinstance(xv, list):
            xv = [x.strip() for x in xv]
        if kind == "date":
            ok = _same_date(pdf_date(iv), xmp_date(xv if isinstance(xv, str) else ""))
        elif kind == "seq":
            ok = isinstance(xv, list) and len(xv) == 1 and xv[0] == iv or xv == iv
        elif kind == "alt":
            ok = (isinstance(xv, list) and len(xv) >= 1 and xv[0] == iv) or xv == iv
        else:
            ok = xv == iv
        if not ok:
            out.append(RuleResult(R, False, "document",
                                  f"Info {key[1:]} {iv!r} differs from XMP {name} {xv!r}"))
    return out


@rule("metadata.pdfx")
def pdfx(ctx):
    """ISO 15930 PDF/X: Info has GTS_PDFXVersion (and, for PDF/X-4, XMP
    pdfxid:GTS_PDFXVersion); Info /Trapped is True or False (not Unknown)."""
    R = "metadata.pdfx"
    info = ctx.pdf.trailer.get("/Info")
    info = info if isinstance(info, Dictionary) else Dictionary()
    out = []
    ver = str(info.get("/GTS_PDFXVersion", ""))
    if not ver:
        out.append(RuleResult(R, False, "document", "Info has no GTS_PDFXVersion"))
    elif ver.startswith("PDF/X-4"):
        x, err = xmp_of(ctx)
        xv = x.get(NS["pdfxid"], "GTS_PDFXVersion")[0] if x is not None else None
        if xv != ver:
            out.append(RuleResult(R, False, "document",
                                  f"PDF/X-4 needs XMP pdfxid:GTS_PDFXVersion = {ver!r} (found {xv!r})"))
    trapped = info.get("/Trapped")
    if str(trapped) not in ("/True", "/False"):
        out.append(RuleResult(R, False, "document", f"Info /Trapped is {trapped!s}, must be True or False"))
    return out
