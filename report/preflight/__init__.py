"""Preflight checker for the three editions `brief` produces.

Usage::

    from report.preflight import check, PROFILES, format_text, to_json
    results = check("out/brief.pdf", profile="pdfx-1a")

Every rule is a small function ``fn(ctx) -> list[RuleResult] | None``
registered with :func:`rule` under a stable id.  A rule returns the failures
it found (each naming a page / object / "document"); when it returns nothing
:func:`check` records one PASS line for it.  ``PROFILES`` maps each profile
name to the ordered list of rule ids it runs.

The file is opened once (pikepdf, plus the raw bytes for the header and
trailer rules) and shared between rules through a :class:`Context`.  A rule
that raises is reported as a failure of that rule, never as a traceback; a
file pikepdf cannot open fails ``structure.open`` and the rules that need the
object model are reported as failures "not checked".
"""
from __future__ import annotations

import io
import json
import os
from dataclasses import asdict, dataclass, field
from typing import Callable

import pikepdf

from ..editions import EDITIONS
from ..pdfmech.content import Interpreter, form_digest
from ..pdfmech.objects import objgen


@dataclass(frozen=True)
class RuleResult:
    rule: str
    ok: bool
    where: str
    message: str
    clause: str = ""


@dataclass
class Rule:
    id: str
    fn: Callable
    needs_pdf: bool = True
    doc: str = ""


RULES: dict[str, Rule] = {}


def rule(rule_id: str, needs_pdf: bool = True):
    """Register ``fn`` as the rule ``rule_id``."""

    def deco(fn):
        RULES[rule_id] = Rule(rule_id, fn, needs_pdf, (fn.__doc__ or "").strip())
        return fn

    return deco


@dataclass
class Context:
    """What rules share: the open document, its raw bytes and caches."""

    pdf: pikepdf.Pdf | None
    raw: bytes | None
    open_error: str | None = None
    cache: dict = field(default_factory=dict)
    #: the trimmed page every page must be, (width, height) in points: the style's (None: A4)
    page: tuple[float, float] | None = None
    #: digests (:func:`report.pdfmech.content.form_digest`) of Form XObjects already checked on their own
    #: by the same profile's content rules: drawn unscaled, the walk does not enter them
    trusted: frozenset = frozenset()

    def fail(self, rule_id: str, where: str, message: str) -> RuleResult:
        return RuleResult(rule_id, False, where, message)


def walk(ctx: Context, visitor) -> list:
    """Run ``visitor`` over what the document of ``ctx`` draws (:mod:`report.pdfmech.content`),
    the rules sharing parsed streams and form digests; return the content it could not read."""
    errors: list = []
    Interpreter(ctx.pdf, visitor, errors, ctx.cache.setdefault("parsed_content", {}),
                trusted=_trusts(ctx) if ctx.trusted else None).walk_document()
    return errors


def _trusts(ctx: Context):
    """Whether a form is one :func:`check_form` passed (by its digest, kept per object)."""
    digests = ctx.cache.setdefault("form_digests", {})

    def trusted(form) -> bool:
        og = objgen(form)
        if og not in digests:
            try:
                digests[og] = form_digest(form)
            except Exception:
                digests[og] = None
        return digests[og] in ctx.trusted

    return trusted


# Rule modules register themselves on import.
from . import (  # noqa: E402,F401
    actions,
    boxes,
    colour,
    fonts,
    graphics,
    images,
    independent,
    intent,
    metadata,
    pdfx,
    press,
    structure,
)

#: The clause each rule checks: a standard's clause, or "house" for the institute's own
#: rules. ``--json`` output carries it with every result.
CLAUSES: dict[str, str] = {
    "structure.open": "ISO 32000-1 7.5 (file structure: the file parses)",
    "structure.trailer": "ISO 15930-4 (trailer /ID required)",
    "structure.encryption": "ISO 15930-4 (no encryption)",
    "pdfx.version": "ISO 15930-4 (PDF 1.4 or earlier)",
    "pdfx.boxes": "ISO 15930-4 (TrimBox or ArtBox on every page; boxes nested)",
    "pdfx.annotations": "ISO 15930-4 (annotations outside the BleedBox and TrimBox)",
    "pdfx.transparency": "ISO 15930-4 (no transparency)",
    "pdfx.features": "ISO 15930-4 (no PostScript, OPI, alternates, transfer functions, LZW, embedded files)",
    "pdfx.info": "ISO 15930-4 (Info: GTS_PDFXVersion, GTS_PDFXConformance, Title, CreationDate, ModDate)",
    "pdfx.actions": "ISO 15930-4 (no actions or JavaScript)",
    "colour.pdfx": "ISO 15930-4 (DeviceCMYK, DeviceGray, Separation and DeviceN only)",
    "intent.pdfx": "ISO 15930-4 (GTS_PDFX output intent, registered OutputConditionIdentifier)",
    "metadata.pdfx": "ISO 15930-4 (Trapped True or False)",
    "fonts.embedded": "ISO 15930-4 (fonts embedded)",
    "fonts.glyphs": "ISO 15930-4 (embedded fonts define every glyph shown)",
    "fonts.notdef": "ISO 19005-2 6.2.11.8 / ISO 14289-1 7.21.8 (no .notdef glyph shown)",
    "fonts.tounicode": "ISO 14289-1 7.21.7 (no ToUnicode value U+0000, U+FEFF, U+FFFE)",
    "validator.pdfa-2b": "ISO 19005-2 (PDF/A-2b), by page-validation",
    "validator.pdfa-3b": "ISO 19005-3 (PDF/A-3b), by page-validation",
    "validator.pdfua-1": "ISO 14289-1 (PDF/UA-1), by page-validation",
}

#: Standards alone: any PDF, judged by what the standard requires and nothing else.
STANDARDS: dict[str, list[str]] = {
    "pdfa-2b": ["validator.pdfa-2b"],
    "pdfa-3b": ["validator.pdfa-3b"],
    "pdfua-1": ["validator.pdfua-1"],
    "pdfx-1a": [
        "structure.open",
        "structure.trailer",
        "structure.encryption",
        "pdfx.version",
        "pdfx.boxes",
        "pdfx.annotations",
        "fonts.embedded",
        "fonts.glyphs",
        "colour.pdfx",
        "pdfx.transparency",
        "pdfx.features",
        "intent.pdfx",
        "pdfx.info",
        "metadata.pdfx",
        "pdfx.actions",
    ],
}

#: An edition's profile: the rules of the standards it claims, then the institute's own rules
#: for it (both from :data:`report.editions.EDITIONS`); then the standards alone.
PROFILES: dict[str, list[str]] = {
    **{e.name: [r for std in e.standards for r in STANDARDS[std]] + list(e.house) for e in EDITIONS.values()},
    **STANDARDS,
}

_NO_PDF_MSG = "not checked: file could not be opened"


def _open(source):
    """Return (pdf, raw, error, owned). ``source``: path, bytes, or an open pikepdf.Pdf."""
    if isinstance(source, (bytes, bytearray)):
        raw = bytes(source)
        try:
            return pikepdf.open(io.BytesIO(raw)), raw, None, True
        except Exception as exc:  # pikepdf.PdfError, PasswordError, ...
            return None, raw, str(exc).strip() or "unreadable", False
    if isinstance(source, pikepdf.Pdf):
        raw = None
        fname = getattr(source, "filename", None)
        if fname and os.path.exists(fname):
            with open(fname, "rb") as fh:
                raw = fh.read()
        return source, raw, None, False
    raw = None
    try:
        with open(os.fspath(source), "rb") as fh:
            raw = fh.read()
    except OSError as exc:
        return None, None, f"cannot read file: {exc}", False
    try:
        return pikepdf.open(os.fspath(source)), raw, None, True
    except Exception as exc:  # pikepdf.PdfError, PasswordError, ...
        return None, raw, str(exc).strip() or "unreadable", False


def run_rules(source, rule_ids, trusted: frozenset = frozenset(),
              page: tuple[float, float] | None = None) -> list[RuleResult]:
    """Run the given rule ids on ``source`` (path or pikepdf.Pdf); ``page``: see :func:`check`."""
    pdf, raw, err, owned = _open(source)
    ctx = Context(pdf, raw, err, trusted=frozenset(trusted), page=page)
    out: list[RuleResult] = []
    try:
        for rid in rule_ids:
            r = RULES[rid]
            if r.needs_pdf and pdf is None:
                out.append(RuleResult(rid, False, "document", _NO_PDF_MSG))
                continue
            try:
                res = list(r.fn(ctx) or [])
            except Exception as exc:  # a rule must never crash the check
                res = [RuleResult(rid, False, "document",
                                  f"could not check: {str(exc) or 'the rule stopped'}")]
            if not res:
                res = [RuleResult(rid, True, "document", "ok")]
            clause = clause_of(rid)
            out.extend(RuleResult(x.rule, x.ok, x.where, x.message, clause) for x in res)
    finally:
        if owned and pdf is not None:
            pdf.close()
    return out


def clause_of(rule_id: str) -> str:
    """The clause ``rule_id`` checks (see :data:`CLAUSES`), or "house"."""
    return CLAUSES.get(rule_id, "house")


def check(source, profile: str, trusted: frozenset = frozenset(),
          page: tuple[float, float] | None = None) -> list[RuleResult]:
    """Check ``source`` (path, PDF bytes or open pikepdf.Pdf) against ``profile``.

    ``trusted``: digests of forms (figures) that :func:`check_form` passed for this profile;
    the content rules do not walk them again. ``brief check`` trusts nothing. ``page``: the
    trimmed page size the house rules hold every page to, (width, height) in points (the
    style's; A4 when not given)."""
    if profile not in PROFILES:
        raise ValueError(f"unknown profile {profile!r}; choose from {sorted(PROFILES)}")
    return run_rules(source, PROFILES[profile], trusted, page)


#: Rules whose findings come from walking content streams. They are the ones a figure can
#: be checked by on its own, once, instead of at every use in every build.
CONTENT_RULES = frozenset({"colour.pdfx", "colour.total_ink", "colour.report", "colour.registration",
                           "colour.overprint", "colour.reversed", "fonts.glyphs",
                           "fonts.notdef", "graphics.line_width", "graphics.hairline", "graphics.type_size",
                           "images.resolution"})


def check_form(source, profile: str) -> tuple[str, list[RuleResult]]:
    """Check a one-page figure PDF by ``profile``'s content rules, as a form drawn at its
    own size: (the digest its form will have in a document, the failures)."""
    pdf, raw, err, owned = _open(source)
    if pdf is None:
        return "", [RuleResult("structure.open", False, "document", err or "unreadable")]
    try:
        digest = form_digest(pdf.pages[0].as_form_xobject())
        rules = [r for r in PROFILES[profile] if r in CONTENT_RULES]
        return digest, failures(run_rules(pdf, rules))
    finally:
        if owned:
            pdf.close()


def failures(results) -> list[RuleResult]:
    return [r for r in results if not r.ok]


def format_text(results) -> str:
    """One line per result: ``PASS|FAIL rule where message``."""
    lines = []
    for r in results:
        lines.append(f"{'PASS' if r.ok else 'FAIL'} {r.rule} {r.where} {r.message}")
    return "\n".join(lines)


def to_json(results) -> str:
    return json.dumps([asdict(r) for r in results], indent=2)


__all__ = ["RuleResult", "RULES", "PROFILES", "CONTENT_RULES", "check_form", "STANDARDS", "CLAUSES", "clause_of", "check", "run_rules", "format_text",
           "to_json", "failures", "rule", "Context"]
