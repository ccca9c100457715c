"""The independent validator: page-validation's profiles as preflight rules.

page-validation (PyPI, MIT) implements the PDF/A-2b, PDF/A-3b and PDF/UA-1 validation
profiles and agrees with the veraPDF corpus. We run it rather than re-implement what it
covers. Each of its findings becomes one failure of the rule, carrying the validator's
own rule id and message; a file the validator cannot parse fails the rule.
"""
from __future__ import annotations

from ..pdfmech.objects import label_of
from . import RuleResult, rule

#: rule id -> (page-validation profile, the standard it judges)
VALIDATORS = {
    "validator.pdfa-2b": ("2b", "ISO 19005-2 (PDF/A-2b), all clauses"),
    "validator.pdfa-3b": ("3b", "ISO 19005-3 (PDF/A-3b), all clauses"),
    "validator.pdfua-1": ("ua1", "ISO 14289-1 (PDF/UA-1), machine-checkable clauses"),
}


def _raw(ctx) -> bytes:
    if ctx.raw is not None:
        return ctx.raw
    import io

    buf = io.BytesIO()
    ctx.pdf.save(buf)
    return buf.getvalue()


#: page-validation's reference-chain limit (256 by default) counts the links of an
#: outline's /Next chain: a long report with 300 headings and figures has a chain of 300.
#: The limit guards the validator's recursion; 20,000 still does.
MAX_REFERENCE_DEPTH = 20_000


def _limits(page):
    """page-validation's own bounds, with our documented limit per decoded stream."""
    from ..schema import LIMITS

    return page.SafetyLimits(max_reference_depth=MAX_REFERENCE_DEPTH,
                             max_decoded_stream_size=LIMITS["stream_bytes"],
                             max_total_decoded_content_size=4 * LIMITS["stream_bytes"])


def validate(ctx, rule_id: str) -> list[RuleResult]:
    import page

    profile = VALIDATORS[rule_id][0]
    try:
        report = page.validate_pdf_bytes(_raw(ctx), profile=profile, limits=_limits(page))
    except page.PageError as exc:
        return [RuleResult(rule_id, False, "document", f"the validator cannot read the file: {exc}")]
    out = []
    for f in report.failures:
        where = label_of(f.object_id.object_number, f.object_id.generation) if f.object_id else "document"
        out.append(RuleResult(rule_id, False, where, f"{f.rule_id}: {f.message}"))
    if not report.is_compliant and not out:
        out.append(RuleResult(rule_id, False, "document", f"not compliant with profile {profile}"))
    return out


def _register(rule_id: str) -> None:
    def fn(ctx):
        return validate(ctx, rule_id)

    fn.__doc__ = f"{VALIDATORS[rule_id][1]}: page-validation profile {VALIDATORS[rule_id][0]!r}."
    rule(rule_id, needs_pdf=False)(fn)


for _id in VALIDATORS:
    _register(_id)
