"""Interactive-feature rules: actions (ISO 19005-2 6.5.1), trigger events
(6.5.2), JavaScript, external references."""
from __future__ import annotations

from pikepdf import Array, Dictionary, Name, Stream

from ..pdfmech.objects import identity, label
from . import RuleResult, rule

ALLOWED = {"/GoTo", "/GoToR", "/GoToE", "/Thread", "/URI", "/Named", "/SubmitForm"}
ALLOWED_NAMED = {"/NextPage", "/PrevPage", "/FirstPage", "/LastPage"}
_ACTION_KEYS = ("/A", "/OpenAction", "/PA")


def _all_dicts(pdf):
    """Yield (dict, where) for every dictionary in the file, direct ones
    included (labelled with their enclosing indirect object)."""
    seen = set()
    for obj in pdf.objects:
        if not isinstance(obj, (Dictionary, Stream, Array)):
            continue
        where = label(obj) or "document"
        todo = [obj]
        depth = 0
        while todo and depth < 100000:
            depth += 1
            o = todo.pop()
            if isinstance(o, (Dictionary, Stream)):
                if o is not obj and o.is_indirect:
                    continue
                key = id(o)
                yield o, where
                items = list(o.values()) if isinstance(o, Dictionary) else list(o.stream_dict.values())
                for v in items:
                    if isinstance(v, (Dictionary, Array)) and not v.is_indirect:
                        todo.append(v)
            elif isinstance(o, Array):
                for v in o:
                    if isinstance(v, (Dictionary, Array)) and not v.is_indirect:
                        todo.append(v)


def actions(ctx):
    """All action dictionaries: values of /A, /OpenAction, /PA, the entries
    of /AA dictionaries, chained /Next actions, /Type /Action dictionaries."""
    if "actions" in ctx.cache:
        return ctx.cache["actions"]
    found, keys = [], set()

    def add(a, where, depth=0):
        if depth > 50:
            return
        if isinstance(a, Array):
            for x in a:
                add(x, where, depth + 1)
            return
        if not isinstance(a, Dictionary) or "/S" not in a:
            return
        k = identity(a)
        if k in keys:
            return
        keys.add(k)
        found.append((a, label(a) or where))
        nxt = a.get("/Next")
        if nxt is not None:
            add(nxt, where, depth + 1)

    for d, where in _all_dicts(ctx.pdf):
        try:
            if d.get("/Type") == Name.Action:
                add(d, where)
            for key in _ACTION_KEYS:
                if key in d:
                    add(d[key], where)
            aa = d.get("/AA")
            if isinstance(aa, Dictionary):
                for v in aa.values():
                    add(v, where)
        except Exception:
            continue
    ctx.cache["actions"] = found
    return found


@rule("actions.forbidden")
def forbidden(ctx):
    """ISO 19005-2 6.5.1: Launch, Sound, Movie, ResetForm, ImportData, Hide,
    SetOCGState, Rendition, Trans, GoTo3DView and JavaScript actions (and
    non-standard ones such as SetState/NOP) are forbidden; Named actions only
    NextPage, PrevPage, FirstPage, LastPage."""
    out = []
    for a, where in actions(ctx):
        s = str(a.get("/S"))
        if s not in ALLOWED:
            out.append(RuleResult("actions.forbidden", False, where, f"{s[1:]} action"))
        elif s == "/Named" and str(a.get("/N")) not in ALLOWED_NAMED:
            out.append(RuleResult("actions.forbidden", False, where,
                                  f"Named action {str(a.get('/N'))[1:]} not allowed"))
    return out


@rule("actions.javascript")
def javascript(ctx):
    """No JavaScript anywhere: no /Names /JavaScript tree, no JavaScript
    action (links, OpenAction, additional actions)."""
    out = []
    names = ctx.pdf.Root.get("/Names")
    if isinstance(names, Dictionary) and "/JavaScript" in names:
        out.append(RuleResult("actions.javascript", False, "document", "catalog /Names has a JavaScript tree"))
    for a, where in actions(ctx):
        if a.get("/S") == Name.JavaScript or "/JS" in a:
            out.append(RuleResult("actions.javascript", False, where, "JavaScript action"))
    return out


@rule("actions.triggers")
def triggers(ctx):
    """ISO 19005-2 6.5.2: no /AA (additional actions) in the catalog, in
    page dictionaries, or in widget annotations / form fields."""
    R, out = "actions.triggers", []
    pdf = ctx.pdf
    if "/AA" in pdf.Root:
        out.append(RuleResult(R, False, "document", "catalog has /AA"))
    for i, page in enumerate(pdf.pages, start=1):
        if "/AA" in page.obj:
            out.append(RuleResult(R, False, f"page {i}", "page dictionary has /AA"))
        annots = page.obj.get("/Annots")
        if isinstance(annots, Array):
            for an in annots:
                if isinstance(an, Dictionary) and "/AA" in an:
                    out.append(RuleResult(R, False, label(an) or f"page {i}",
                                          f"{str(an.get('/Subtype', '/?'))[1:]} annotation has /AA"))
    acro = pdf.Root.get("/AcroForm")
    if isinstance(acro, Dictionary):
        todo = list(acro.get("/Fields", []) or [])
        seen = set()
        while todo:
            f = todo.pop()
            if not isinstance(f, Dictionary):
                continue
            k = identity(f)
            if k in seen:
                continue
            seen.add(k)
            if "/AA" in f and not any(r.where == label(f) for r in out):
                out.append(RuleResult(R, False, label(f) or "document", "form field has /AA"))
            kids = f.get("/Kids")
            if isinstance(kids, Array):
                todo.extend(kids)
    return out


@rule("actions.external")
def external(ctx):
    """External references: Launch and GoToR actions are not allowed (URI
    links are)."""
    out = []
    for a, where in actions(ctx):
        s = a.get("/S")
        if s in (Name.Launch, Name.GoToR):
            out.append(RuleResult("actions.external", False, where, f"{str(s)[1:]} action"))
    return out
