"""Words that exercise every ligature and every kerning pair of a TrueType face, read from
the face's own GSUB (ligature features, and ccmp) and GPOS (kern) tables with fontTools."""
from fontTools.ttLib import TTFont

LIG_FEATURES = ("liga", "dlig", "clig", "rlig", "ccmp")

def _subtables(table, features):
    lookups = set()
    for fr in table.FeatureList.FeatureRecord:
        if fr.FeatureTag in features:
            lookups.update(fr.Feature.LookupListIndex)
    for i in sorted(lookups):
        lk = table.LookupList.Lookup[i]
        for st in lk.SubTable:
            yield (st.ExtSubTable if lk.LookupType in (7, 9) else st)

def face_words(path) -> tuple[list[str], dict[str, str]]:
    """(words, ligature glyph -> the characters it joins) for the face at ``path``."""
    font = TTFont(path)
    rev = {}
    for cp, g in sorted(font.getBestCmap().items()):
        if cp >= 0x20 and chr(cp).isprintable():
            rev.setdefault(g, chr(cp))
    text = dict(rev)
    ligs = {}
    for st in _subtables(font["GSUB"].table, LIG_FEATURES):
        for first, entries in getattr(st, "ligatures", {}).items():
            for lig in entries:
                comps = [first, *lig.Component]
                if all(c in rev for c in comps):
                    s = "".join(rev[c] for c in comps)
                    ligs[lig.LigGlyph] = s
                    text.setdefault(lig.LigGlyph, s)
    pairs = set()
    for st in _subtables(font["GPOS"].table, ("kern",)):
        if getattr(st, "Format", None) == 1 and hasattr(st, "PairSet"):
            for g1, ps in zip(st.Coverage.glyphs, st.PairSet):
                for rec in ps.PairValueRecord:
                    pairs.add((g1, rec.SecondGlyph))
        elif getattr(st, "Format", None) == 2 and hasattr(st, "Class1Record"):
            c1 = {}
            for g in st.Coverage.glyphs:
                c1.setdefault(st.ClassDef1.classDefs.get(g, 0), []).append(g)
            c2 = {}
            for g, c in st.ClassDef2.classDefs.items():
                c2.setdefault(c, []).append(g)
            for i, rec1 in enumerate(st.Class1Record):
                firsts = [g for g in c1.get(i, []) if g in text]
                for j, rec2 in enumerate(rec1.Class2Record):
                    v = rec2.Value1
                    if not firsts or v is None or not getattr(v, "XAdvance", 0):
                        continue
                    seconds = [g for g in c2.get(j, []) if g in text]
                    if seconds:
                        # every ligature of the class, and one plain glyph
                        for g1 in {firsts[0], *[g for g in firsts if g in ligs]}:
                            for g2 in {seconds[0], *[g for g in seconds if g in ligs]}:
                                pairs.add((g1, g2))
    # a shaped glyph's width was once taken from the first spot it was met in: each
    # ligature is met first where the face kerns it against what follows
    kerned_ligatures = sorted({text[a] + text[b] for a, b in pairs if a in ligs and b in text})
    words = {text[a] + text[b] for a, b in pairs if a in text and b in text}
    for s in ligs.values():
        words.update({s, f"a{s}e", f"{s}."})
    return kerned_ligatures + sorted(words - set(kerned_ligatures)), ligs
