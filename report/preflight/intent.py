"""Output-intent rules: PDF/X (print) and PDF/A (ISO 19005-2 6.2.3)."""
from __future__ import annotations

from pikepdf import Array, Dictionary, Name, Stream

from ..pdfmech.objects import label
from . import RuleResult, rule

ICC_SPACES = {b"GRAY": 1, b"RGB ": 3, b"CMYK": 4}


def intents(pdf):
    ois = pdf.Root.get("/OutputIntents")
    if not isinstance(ois, Array):
        return []
    return [oi for oi in ois if isinstance(oi, Dictionary)]


def _of_kind(pdf, s):
    return [oi for oi in intents(pdf) if oi.get("/S") == Name(s)]


def icc_header_problems(data: bytes, n=None) -> list[str]:
    """Problems with an ICC profile header per ISO 19005-2 6.2.3 / ICC.1."""
    probs = []
    if len(data) < 128:
        return [f"ICC profile too short ({len(data)} bytes)"]
    size = int.from_bytes(data[0:4], "big")
    if size != len(data):
        probs.append(f"ICC header size {size} != stream length {len(data)}")
    if data[36:40] != b"acsp":
        probs.append("ICC profile lacks the 'acsp' signature")
    major = data[8]
    if major not in (2, 4):
        probs.append(f"ICC version {major}.{data[9] >> 4} not allowed (v2 or v4 only)")
    if data[12:16] not in (b"mntr", b"prtr"):
        probs.append(f"ICC device class {data[12:16]!r} is not 'mntr' or 'prtr'")
    space = data[16:20]
    if space not in ICC_SPACES:
        probs.append(f"ICC colour space {space!r} is not GRAY/RGB/CMYK")
    elif n is not None and ICC_SPACES[space] != n:
        probs.append(f"ICC colour space {space.decode().strip()} does not match /N {n}")
    return probs


@rule("intent.pdfx")
def pdfx(ctx):
    """ISO 15930-4: exactly one GTS_PDFX output intent with an
    OutputConditionIdentifier, and either an embedded CMYK (N=4)
    DestOutputProfile or a registered characterization (RegistryName)."""
    R = "intent.pdfx"
    ois = _of_kind(ctx.pdf, "/GTS_PDFX")
    if not ois:
        return [RuleResult(R, False, "document", "no GTS_PDFX output intent")]
    out = []
    if len(ois) > 1:
        out.append(RuleResult(R, False, "document", f"{len(ois)} GTS_PDFX output intents, not one"))
    for oi in ois:
        where = label(oi) or "document"
        if not str(oi.get("/OutputConditionIdentifier", "")):
            out.append(RuleResult(R, False, where, "OutputConditionIdentifier missing"))
        prof = oi.get("/DestOutputProfile")
        if isinstance(prof, Stream):
            if int(prof.get("/N", 0)) != 4:
                out.append(RuleResult(R, False, where, "DestOutputProfile is not CMYK (N != 4)"))
            else:
                try:
                    data = prof.read_bytes()
                    if data[16:20] != b"CMYK" or data[36:40] != b"acsp":
                        out.append(RuleResult(R, False, where, "DestOutputProfile header is not a CMYK ICC profile"))
                except Exception as exc:
                    out.append(RuleResult(R, False, where, f"DestOutputProfile unreadable: {exc}"))
        elif not str(oi.get("/RegistryName", "")):
            out.append(RuleResult(R, False, where,
                                  "neither an embedded DestOutputProfile nor a RegistryName"))
    return out
