"""Tagged PDF (ISO 32000-1 14.7–14.8) and the PDF/UA-1 claim (ISO 14289-1), for the screen and
archive editions.

The layout drew every piece of content inside a marked-content sequence and recorded the
logical structure in source order (:mod:`report.tagging`); this module writes it as the
PDF's structure tree: StructTreeRoot → Document → elements, each owning its MCIDs (by
``/Pg`` + integers on its first page, by ``/MCR`` dictionaries on the others), the
ParentTree that maps each page's MCIDs and each link annotation back to its element
(with ParentTreeNextKey), ``/StructParents`` and ``/Tabs /S`` on every page, Link elements
holding an ``/OBJR`` to their annotation (which gets ``/Contents``), Note IDs in the
IDTree, Figure ``/Alt`` and ``/BBox``, ``/MarkInfo``, ``/ViewerPreferences
/DisplayDocTitle`` and ``/Lang``. The XMP claim (``pdfuaid:part`` 1) is in the edition's row
(:data:`report.editions.EDITIONS`); a PDF/A file also declares the pdfuaid schema in an
extension schema (ISO 19005-3 6.6.2.3.1), :func:`add_pdfua_extension_schema`.
"""

from __future__ import annotations

import pikepdf
from pikepdf import Array, Dictionary, Name, String

from ..tagging import Annot, Content, Element, Tags

PDFUAID = "http://www.aiim.org/pdfua/ns/id/"


def add_structure(pdf: pikepdf.Pdf, tags: Tags | None) -> None:
    """Write the structure tree recorded by the layout into ``pdf`` and mark it tagged."""
    if tags is None:
        raise ValueError("this layout recorded no structure: it cannot be tagged")
    pages = [p.obj for p in pdf.pages]
    by_page: dict[int, list] = {i: [None] * tags.mcid_count(i) for i in range(len(pages))}
    parents = pikepdf.NumberTree.new(pdf)
    ids = pikepdf.NameTree.new(pdf)
    root = pdf.make_indirect(Dictionary(Type=Name.StructTreeRoot))
    next_key = len(pages)

    def build(el: Element, parent) -> pikepdf.Object:
        nonlocal next_key
        d = pdf.make_indirect(Dictionary(Type=Name.StructElem, S=Name("/" + el.role), P=parent))
        first = next((k.page for k in el.kids if isinstance(k, Content)), None)
        if first is not None:
            d.Pg = pages[first]
        kids = Array()
        for kid in el.kids:
            if isinstance(kid, Element):
                kids.append(build(kid, d))
            elif isinstance(kid, Content):
                by_page[kid.page][kid.mcid] = d
                kids.append(kid.mcid if kid.page == first else
                            Dictionary(Type=Name.MCR, Pg=pages[kid.page], MCID=kid.mcid))
            elif isinstance(kid, Annot):
                annot = pages[kid.page].Annots[kid.index]
                annot.StructParent = next_key
                annot.Contents = String(el.contents or "")
                parents[next_key] = d
                next_key += 1
                kids.append(Dictionary(Type=Name.OBJR, Obj=annot, Pg=pages[kid.page]))
        d.K = kids[0] if len(kids) == 1 else kids
        if el.alt:
            d.Alt = String(el.alt)
        if el.actual_text:
            d.ActualText = String(el.actual_text)
        if el.id:
            d.ID = String(el.id)
            ids[el.id] = d
        if el.bbox is not None:
            page, (x0, y0, x1, y1) = el.bbox
            d.A = Dictionary(O=Name.Layout, BBox=Array([round(v, 3) for v in (x0, y0, x1, y1)]))
        elif el.attributes:
            d.A = Dictionary(O=Name.List, **{k: Name("/" + v) for k, v in el.attributes.items()})
        return d

    root.K = build(tags.root, root)
    for i, page in enumerate(pages):
        page.Tabs = Name.S
        if by_page[i]:
            missing = [n for n, owner in enumerate(by_page[i]) if owner is None]
            if missing:
                raise ValueError(f"page {i + 1}: MCIDs {missing} belong to no structure element")
            page.StructParents = i
            parents[i] = pdf.make_indirect(Array(by_page[i]))
    root.ParentTree = parents.obj
    root.ParentTreeNextKey = next_key
    if ids:
        root.IDTree = ids.obj
    pdf.Root.StructTreeRoot = root
    pdf.Root.MarkInfo = Dictionary(Marked=True)
    prefs = pdf.Root.get("/ViewerPreferences", Dictionary())
    prefs.DisplayDocTitle = True
    pdf.Root.ViewerPreferences = prefs


_EXTENSION = f"""<rdf:Description rdf:about="" xmlns:pdfaExtension="http://www.aiim.org/pdfa/ns/extension/" \
xmlns:pdfaSchema="http://www.aiim.org/pdfa/ns/schema#" xmlns:pdfaProperty="http://www.aiim.org/pdfa/ns/property#">
<pdfaExtension:schemas><rdf:Bag><rdf:li rdf:parseType="Resource">
<pdfaSchema:schema>PDF/UA Universal Accessibility Schema</pdfaSchema:schema>
<pdfaSchema:namespaceURI>{PDFUAID}</pdfaSchema:namespaceURI>
<pdfaSchema:prefix>pdfuaid</pdfaSchema:prefix>
<pdfaSchema:property><rdf:Seq><rdf:li rdf:parseType="Resource">
<pdfaProperty:name>part</pdfaProperty:name>
<pdfaProperty:valueType>Integer</pdfaProperty:valueType>
<pdfaProperty:category>internal</pdfaProperty:category>
<pdfaProperty:description>Indicates, which part of ISO 14289 standard is followed</pdfaProperty:description>
</rdf:li></rdf:Seq></pdfaSchema:property>
</rdf:li></rdf:Bag></pdfaExtension:schemas>
</rdf:Description>
"""


def add_pdfua_extension_schema(pdf: pikepdf.Pdf) -> None:
    """Describe the pdfuaid schema in the XMP's PDF/A extension schema container: PDF/A
    allows only predefined schemas and those it describes."""
    meta = pdf.Root.Metadata
    xmp = meta.read_bytes().decode("utf-8")
    end = xmp.rindex("</rdf:RDF>")
    meta.write((xmp[:end] + _EXTENSION + xmp[end:]).encode("utf-8"))
