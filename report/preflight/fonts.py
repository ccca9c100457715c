"""Font rules: embedding (ISO 19005-2 6.2.11.4.1, PDF/X 6.3.5), glyph
coverage of embedded programs (6.2.11.4.1) and no Type 3 text for print.

Fonts are collected from the resources of every page, annotation appearance
stream, and (recursively) Form XObject, pattern and Type 3 glyph resources.
"""
from __future__ import annotations

import io
import re

from pikepdf import Array, Dictionary, Name, Stream, String

from ..pdfmech.content import Visitor
from ..pdfmech.objects import identity, label, resource_dicts
from . import RuleResult, rule, walk

FONTFILES = ("/FontFile", "/FontFile2", "/FontFile3")


def fonts_in(ctx):
    """[(font dict, resource name, where)] de-duplicated."""
    if "fonts" in ctx.cache:
        return ctx.cache["fonts"]
    out, seen = [], set()
    for res, where in resource_dicts(ctx.pdf):
        fd = res.get("/Font")
        if not isinstance(fd, Dictionary):
            continue
        for name, f in fd.items():
            if not isinstance(f, Dictionary):
                continue
            key = identity(f)
            if key in seen:
                continue
            seen.add(key)
            out.append((f, name, label(f) or where))
    ctx.cache["fonts"] = out
    return out


def _descriptor(font):
    if font.get("/Subtype") == Name.Type0:
        df = font.get("/DescendantFonts")
        if isinstance(df, Array) and len(df) and isinstance(df[0], Dictionary):
            return df[0], df[0].get("/FontDescriptor")
        return None, None
    return font, font.get("/FontDescriptor")


@rule("fonts.embedded")
def embedded(ctx):
    """ISO 19005-2 6.2.11.4.1 / PDF/X: every font (Type 1, MMType1,
    TrueType, and the CIDFont of a Type 0 font) has its program embedded
    (FontFile, FontFile2 or FontFile3 in the descriptor).  Type 3 fonts are
    their own program."""
    out = []
    for f, name, where in fonts_in(ctx):
        if f.get("/Subtype") == Name.Type3:
            continue
        base = str(f.get("/BaseFont", name))[1:]
        cid, fd = _descriptor(f)
        if cid is None:
            out.append(RuleResult("fonts.embedded", False, where, f"Type0 font {base} has no descendant font"))
        elif not isinstance(fd, Dictionary) or not any(isinstance(fd.get(k), Stream) for k in FONTFILES):
            out.append(RuleResult("fonts.embedded", False, where, f"font {base} is not embedded"))
    return out


@rule("fonts.no_type3")
def no_type3(ctx):
    """Print: no Type 3 (bitmap / procedure) fonts for text."""
    return [RuleResult("fonts.no_type3", False, where,
                       f"Type 3 font {str(name)[1:]} used")
            for f, name, where in fonts_in(ctx) if f.get("/Subtype") == Name.Type3]


# ---------------------------------------------------------------------------
# glyph coverage

def _agl_name(uv):
    from fontTools import agl
    return agl.UV2AGL.get(uv, f"uni{uv:04X}")


def _base_encoding(name):
    """256 glyph names of a standard encoding."""
    if name == "/WinAnsiEncoding":
        names = []
        for c in range(256):
            try:
                ch = bytes([c]).decode("cp1252")
                names.append(_agl_name(ord(ch)))
            except UnicodeDecodeError:
                names.append(".notdef")
        names[0x27] = "quotesingle"
        names[0x60] = "grave"
        return names
    if name == "/MacRomanEncoding":
        from fontTools.encodings.MacRoman import MacRoman
        return list(MacRoman)
    from fontTools.encodings.StandardEncoding import StandardEncoding
    return list(StandardEncoding)


def _simple_names(font, builtin=None):
    """code -> glyph name for a simple font."""
    enc = font.get("/Encoding")
    base_name = None
    diffs = None
    if isinstance(enc, Name):
        base_name = str(enc)
    elif isinstance(enc, Dictionary):
        be = enc.get("/BaseEncoding")
        base_name = str(be) if be is not None else None
        diffs = enc.get("/Differences")
    if base_name is None and builtin is not None:
        names = list(builtin)
    else:
        names = _base_encoding(base_name or "/StandardEncoding")
    if isinstance(diffs, Array):
        code = 0
        for item in diffs:
            if isinstance(item, Name):
                if 0 <= code < 256:
                    names[code] = str(item)[1:]
                code += 1
            else:
                code = int(item)
    return names


def _cff_top(data):
    from fontTools.cffLib import CFFFontSet
    cff = CFFFontSet()
    cff.decompile(io.BytesIO(data), None)
    return cff[cff.fontNames[0]]


def _t1_glyphs(data, l1):
    from fontTools.misc.eexec import decrypt
    clear = data[:l1]
    plain, _ = decrypt(data[l1:], 55665)
    glyphs = set(m.group(1).decode("latin-1") for m in
                 re.finditer(rb"/([^\s/\[\]{}()<>]+)\s+\d+\s+(?:RD|-\|)", plain))
    builtin = None
    dups = re.findall(rb"dup\s+(\d+)\s*/([^\s/]+)\s+put", clear)
    if dups:
        builtin = [".notdef"] * 256
        for c, n in dups:
            if int(c) < 256:
                builtin[int(c)] = n.decode("latin-1")
    return glyphs, builtin


class _Codes(Visitor):
    walk_patterns = True

    def __init__(self):
        self.used = {}   # font key -> (font, set of byte strings)

    def text(self, st, frame, op, operands):
        f = st.font
        if not isinstance(f, Dictionary):
            return
        key = identity(f)
        ent = self.used.setdefault(key, (f, set(), frame.where))
        for o in operands:
            if isinstance(o, String):
                ent[1].add(bytes(o))
            elif isinstance(o, Array):
                for x in o:
                    if isinstance(x, String):
                        ent[1].add(bytes(x))


def _missing_simple(font, fd, codes):
    """Codes of a simple font whose glyph is not in the embedded program."""
    codes = sorted({c for s in codes for c in s})
    ff, ff2, ff3 = fd.get("/FontFile"), fd.get("/FontFile2"), fd.get("/FontFile3")
    if isinstance(ff3, Stream) and ff3.get("/Subtype") in (Name.Type1C, None):
        top = _cff_top(ff3.read_bytes())
        glyphs = set(top.charset)
        builtin = None
        try:
            enc = top.Encoding
            builtin = list(enc) if not isinstance(enc, str) else None
        except Exception:
            pass
        names = _simple_names(font, builtin)
        return [c for c in codes if names[c] not in glyphs]
    if isinstance(ff, Stream):
        glyphs, builtin = _t1_glyphs(ff.read_bytes(), int(ff.get("/Length1", 0)))
        names = _simple_names(font, builtin)
        return [c for c in codes if names[c] not in glyphs]
    if isinstance(ff2, Stream):
        from fontTools.ttLib import TTFont
        tt = TTFont(io.BytesIO(ff2.read_bytes()), lazy=True)
        cmaps = {(t.platformID, t.platEncID): t.cmap for t in tt["cmap"].tables} if "cmap" in tt else {}
        order = tt.getGlyphOrder()
        symbolic = "/Encoding" not in font or int(fd.get("/Flags", 0)) & 4 and \
            not isinstance(font.get("/Encoding"), Dictionary)
        names = _simple_names(font) if "/Encoding" in font else None
        glyf = tt["glyf"] if "glyf" in tt else None
        tounicode = _tounicode(font)
        missing = []
        for c in codes:
            g = None
            if (3, 0) in cmaps:
                g = cmaps[(3, 0)].get(c) or cmaps[(3, 0)].get(0xF000 + c)
            if g is None and names is not None and not symbolic:
                n = names[c]
                if (3, 1) in cmaps:
                    from fontTools import agl
                    uv = agl.AGL2UV.get(n)
                    if uv is None and n.startswith("uni") and len(n) == 7:
                        try:
                            uv = int(n[3:], 16)
                        except ValueError:
                            uv = None
                    if uv is not None:
                        g = cmaps[(3, 1)].get(uv)
                if g is None and n in order and n != ".notdef":
                    g = n
            if g is None and (1, 0) in cmaps:
                g = cmaps[(1, 0)].get(c)
            if g is None or g == ".notdef":
                missing.append(c)
            elif glyf is not None and g in glyf and _empty(glyf, g) and not _blank(c, g, tounicode):
                missing.append(c)   # subset left an empty outline for a visible char
        return missing
    return []


_SPACE_NAMES = {"space", "nbspace", "uni00A0", "nonbreakingspace", "uni0020", "uni200B",
                "glyph00002", "uni0009", "uni0000", "CR", "nonmarkingreturn", "tab"}


def _empty(glyf, g) -> bool:
    try:
        return glyf[g].numberOfContours == 0
    except Exception:
        return False


def _blank(code, gname, tounicode) -> bool:
    """Is the character legitimately blank (space, control)?"""
    if gname in _SPACE_NAMES:
        return True
    u = tounicode.get(code)
    if u is not None:
        return all(ch.isspace() or ord(ch) < 32 or ch in "\u200b\u00a0" for ch in u)
    return code in (0, 9, 10, 13, 32, 160)


def _tounicode(font) -> dict:
    """code -> text from a simple font's ToUnicode CMap (bfchar/bfrange)."""
    tu = font.get("/ToUnicode")
    out = {}
    if not isinstance(tu, Stream):
        return out
    try:
        data = tu.read_bytes()
    except Exception:
        return out

    def txt(h):
        b = bytes.fromhex(h.decode())
        try:
            return b.decode("utf-16-be")
        except UnicodeDecodeError:
            return ""
    for block in re.findall(rb"beginbfchar(.*?)endbfchar", data, re.S):
        for a, b in re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]*)>", block):
            out[int(a, 16)] = txt(b)
    for block in re.findall(rb"beginbfrange(.*?)endbfrange", data, re.S):
        for a, b, c in re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
            lo, hi, base = int(a, 16), int(b, 16), int(c, 16)
            for i in range(lo, min(hi, lo + 256) + 1):
                try:
                    out[i] = chr(base + i - lo)
                except ValueError:
                    pass
    return out


def _missing_cid(font, cidfont, fd, codes):
    enc = font.get("/Encoding")
    if enc not in (Name("/Identity-H"), Name("/Identity-V")):
        return []
    cids, bad = set(), []
    for s in codes:
        if len(s) % 2:
            bad.append(f"incomplete code {s[-1:].hex()}")
        for i in range(0, len(s) - 1, 2):
            cids.add(s[i] << 8 | s[i + 1])
    ff2, ff3 = fd.get("/FontFile2"), fd.get("/FontFile3")
    if cidfont.get("/Subtype") == Name.CIDFontType2 and isinstance(ff2, Stream):
        from fontTools.ttLib import TTFont
        tt = TTFont(io.BytesIO(ff2.read_bytes()), lazy=True)
        n = tt["maxp"].numGlyphs
        m = cidfont.get("/CIDToGIDMap")
        gmap = m.read_bytes() if isinstance(m, Stream) else None
        for cid in sorted(cids):
            gid = cid if gmap is None else (
                gmap[2 * cid] << 8 | gmap[2 * cid + 1] if 2 * cid + 1 < len(gmap) else 0)
            if gid >= n or (gid == 0 and cid != 0):
                bad.append(f"CID {cid}")
    elif isinstance(ff3, Stream):
        top = _cff_top(ff3.read_bytes())
        charset = top.charset
        if hasattr(top, "ROS"):
            have = set(charset)
            bad += [f"CID {c}" for c in sorted(cids) if f"cid{c:05d}" not in have and c != 0]
        else:
            bad += [f"CID {c}" for c in sorted(cids) if c >= len(charset)]
    return bad


@rule("fonts.glyphs")
def glyphs(ctx):
    """ISO 19005-2 6.2.11.4.1: embedded font programs define every glyph
    the document shows (simple fonts: via encoding/cmap; CIDFonts with
    Identity-H/V: every CID maps to a glyph of the program)."""
    v = _Codes()
    walk(ctx, v)
    out = []
    for f, codes, where in v.used.values():
        st = f.get("/Subtype")
        if st == Name.Type3:
            continue
        cid, fd = _descriptor(f)
        if not isinstance(fd, Dictionary) or not any(isinstance(fd.get(k), Stream) for k in FONTFILES):
            continue  # not embedded: fonts.embedded reports it
        base = str(f.get("/BaseFont", "/?"))[1:]
        try:
            if st == Name.Type0:
                miss = _missing_cid(f, cid, fd, codes)
            else:
                miss = _missing_simple(f, fd, codes)
        except Exception as exc:
            out.append(RuleResult("fonts.glyphs", False, label(f) or where,
                                  f"font program of {base} unreadable: {type(exc).__name__}: {exc}"))
            continue
        if miss:
            shown = ", ".join(str(m) for m in miss[:8])
            out.append(RuleResult("fonts.glyphs", False, label(f) or where,
                                  f"font {base} lacks glyphs for {shown}"))
    return out


@rule("fonts.notdef")
def notdef(ctx):
    """ISO 19005-2 6.2.11.8, ISO 14289-1 7.21.8: no text-showing operator uses CID 0 of
    a CIDFont (CID 0 is .notdef, whatever glyph the CIDToGIDMap gives it)."""
    v = _Codes()
    walk(ctx, v)
    out = []
    for f, codes, where in v.used.values():
        if f.get("/Subtype") != Name.Type0 or f.get("/Encoding") not in (Name("/Identity-H"),
                                                                        Name("/Identity-V")):
            continue
        if any(s[i] == 0 and s[i + 1] == 0 for s in codes for i in range(0, len(s) - 1, 2)):
            base = str(f.get("/BaseFont", "/?"))[1:]
            out.append(RuleResult("fonts.notdef", False, label(f) or where,
                                  f"text shown with font {base} uses CID 0 (.notdef)"))
    return out


@rule("fonts.tounicode")
def tounicode_values(ctx):
    """ISO 14289-1 7.21.7: no ToUnicode CMap entry maps a code to U+0000, U+FEFF or U+FFFE."""
    from ..cidfonts import forbidden_value, tounicode_entries

    out = []
    for f, name, where in fonts_in(ctx):
        tu = f.get("/ToUnicode")
        if not isinstance(tu, Stream):
            continue
        bad = sorted(code for code, v in tounicode_entries(tu.read_bytes()).items() if forbidden_value(v))
        if bad:
            base = str(f.get("/BaseFont", name))[1:]
            shown = ", ".join(f"{c:#x}" for c in bad[:6])
            out.append(RuleResult("fonts.tounicode", False, label(f) or where,
                                  f"ToUnicode of {base} maps code {shown} to U+0000, U+FEFF or U+FFFE"))
    return out
