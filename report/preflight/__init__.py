"""Preflight checker for the three editions `brief` produces.

Usage::

    from report.preflight import check, PROFILES, format_text, to_json
    results = check("out/brief-print.pdf", profile="print")

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


@dataclass(frozen=True)
class RuleResult:
    rule: str
    ok: bool
    where: str
    message: str


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
    profile: str
    open_error: str | None = None
    cache: dict = field(default_factory=dict)

    def fail(self, rule_id: str, where: str, message: str) -> RuleResult:
        return RuleResult(rule_id, False, where, message)


def _where_obj(obj) -> str:
    try:
        if obj.is_indirect:
            return f"obj {obj.objgen[0]} {obj.objgen[1]}"
    except Exception:
        pass
    return "document"


# Rule modules register themselves on import.
from . import (  # noqa: E402,F401
    actions,
    boxes,
    colour,
    fonts,
    graphics,
    images,
    intent,
    metadata,
    structure,
)

PROFILES: dict[str, list[str]] = {
    "print": [
        "structure.open",
        "structure.header",
        "structure.trailer",
        "structure.encryption",
        "boxes.print",
        "fonts.embedded",
        "fonts.no_type3",
        "colour.print",
        "colour.total_ink",
        "intent.pdfx",
        "metadata.xmp_present",
        "metadata.info_xmp",
        "metadata.pdfx",
        "actions.javascript",
        "actions.forbidden",
        "actions.triggers",
        "actions.external",
        "images.resolution",
        "graphics.line_width",
        "graphics.type_size",
    ],
    "screen": [
        "structure.open",
        "structure.trailer",
        "boxes.a4",
        "fonts.embedded",
        "colour.report",
        "metadata.xmp_present",
        "metadata.info_xmp",
        "actions.javascript",
        "graphics.line_width",
        "graphics.type_size",
    ],
    "archive": [
        "structure.open",
        "structure.header",
        "structure.trailer",
        "structure.encryption",
        "structure.permissions",
        "boxes.a4",
        "fonts.embedded",
        "fonts.glyphs",
        "colour.device_archive",
        "intent.pdfa",
        "metadata.xmp_present",
        "metadata.info_xmp",
        "metadata.pdfaid",
        "actions.javascript",
        "actions.forbidden",
        "actions.triggers",
        "actions.external",
        "graphics.line_width",
        "graphics.type_size",
    ],
}

_NO_PDF_MSG = "not checked: file could not be opened"


def _open(source):
    """Return (pdf, raw, error, owned). ``source``: path, bytes, or an open pikepdf.Pdf."""
    if isinstance(source, (bytes, bytearray)):
        raw = bytes(source)
        try:
            return pikepdf.open(io.BytesIO(raw)), raw, None, True
        except Exception as exc:  # pikepdf.PdfError, PasswordError, ...
            return None, raw, f"{type(exc).__name__}: {exc}".strip(), False
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
        return None, raw, f"{type(exc).__name__}: {exc}".strip(), False


def run_rules(source, rule_ids, profile="archive") -> list[RuleResult]:
    """Run the given rule ids on ``source`` (path or pikepdf.Pdf)."""
    pdf, raw, err, owned = _open(source)
    ctx = Context(pdf, raw, profile, err)
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
                                  f"could not check: {type(exc).__name__}: {exc}")]
            if not res:
                res = [RuleResult(rid, True, "document", "ok")]
            out.extend(res)
    finally:
        if owned and pdf is not None:
            pdf.close()
    return out


def check(source, profile: str = "print") -> list[RuleResult]:
    """Check ``source`` (path, PDF bytes or open pikepdf.Pdf) against ``profile``."""
    if profile not in PROFILES:
        raise ValueError(f"unknown profile {profile!r}; choose from {sorted(PROFILES)}")
    return run_rules(source, PROFILES[profile], profile)


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


__all__ = ["RuleResult", "RULES", "PROFILES", "check", "run_rules", "format_text",
           "to_json", "failures", "rule", "Context"]
