"""Agreement of the archive preflight rules with the veraPDF corpus.

For each ISO 19005-2 clause the archive profile claims, every corpus file of
that clause is checked with *that clause's* rules only: ``*-pass-*`` files
must pass them all, ``*-fail-*`` files must fail at least one.

    python bench/verapdf_agreement.py [CORPUS_DIR] [-v]

CORPUS_DIR defaults to ../shared/verapdf-corpus/PDF_A-2b next to the repo.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from report.preflight import run_rules  # noqa: E402

DEFAULT_CORPUS = ROOT.parent / "shared" / "verapdf-corpus" / "PDF_A-2b"

# clause -> (file-name prefix, rule ids judged)
SECTIONS: dict[str, tuple[str, list[str]]] = {
    "6.1.2": ("6-1-2-", ["structure.open", "structure.header"]),
    "6.1.3": ("6-1-3-", ["structure.open", "structure.trailer", "structure.encryption"]),
    "6.1.12": ("6-1-12-", ["structure.open", "structure.permissions"]),
    "6.2.3": ("6-2-3-", ["structure.open", "intent.pdfa"]),
    "6.2.4.3": ("6-2-4-3-", ["structure.open", "colour.device_archive"]),
    "6.2.11.4.1": ("6-2-11-4-1-", ["structure.open", "fonts.embedded", "fonts.glyphs"]),
    "6.5.1": ("6-5-1-", ["structure.open", "actions.forbidden", "actions.javascript"]),
    "6.5.2": ("6-5-2-", ["structure.open", "actions.triggers"]),
    "6.6.4": ("6-6-4-", ["structure.open", "metadata.pdfaid"]),
}


def section_files(corpus: Path, prefix: str) -> list[Path]:
    files = []
    for p in sorted(corpus.rglob("*.pdf")):
        name = p.name.replace("veraPDF test suite ", "")
        if name.startswith(prefix) and ("-pass-" in name or "-fail-" in name):
            files.append(p)
    return files


def evaluate(corpus: Path = DEFAULT_CORPUS) -> dict[str, dict]:
    """{clause: {files, agree, pct, disagreements: [(file, expected, results)]}}"""
    report = {}
    for clause, (prefix, rules) in SECTIONS.items():
        files = section_files(corpus, prefix)
        agree, dis = 0, []
        for f in files:
            expected_pass = "-pass-" in f.name
            results = run_rules(str(f), rules, profile="archive")
            got_pass = all(r.ok for r in results)
            if got_pass == expected_pass:
                agree += 1
            else:
                dis.append((f.name, "pass" if expected_pass else "fail",
                            [r for r in results if not r.ok] or results))
        pct = 100.0 * agree / len(files) if files else 100.0
        report[clause] = {"files": len(files), "agree": agree, "pct": pct, "disagreements": dis}
    return report


def main(argv=None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    verbose = "-v" in argv
    argv = [a for a in argv if a != "-v"]
    corpus = Path(argv[0]) if argv else DEFAULT_CORPUS
    if not corpus.is_dir():
        print(f"corpus not found: {corpus}", file=sys.stderr)
        return 2
    rep = evaluate(corpus)
    print(f"{'section':<12} {'files':>5} {'agree':>5} {'%':>7}")
    tf = ta = 0
    for clause, r in rep.items():
        tf += r["files"]
        ta += r["agree"]
        print(f"{clause:<12} {r['files']:>5} {r['agree']:>5} {r['pct']:>6.1f}%")
    print(f"{'total':<12} {tf:>5} {ta:>5} {100.0 * ta / max(tf, 1):>6.1f}%")
    for clause, r in rep.items():
        for name, exp, res in r["disagreements"]:
            print(f"DISAGREE {clause} {name}: expected {exp}")
            if verbose or True:
                for x in res[:4]:
                    print(f"    {'PASS' if x.ok else 'FAIL'} {x.rule} {x.where} {x.message}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
