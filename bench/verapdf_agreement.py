"""Agreement of the standards-only preflight profiles with the veraPDF corpus.

Every file of the corpus is judged by the whole profile of its part, exactly as
``brief check FILE --profile pdfa-2b`` (or ``pdfa-3b``) judges it: ``*-pass-*`` files must
pass, ``*-fail-*`` files must fail. Agreement is printed per clause (the corpus's folders),
per part and in total, followed by every disagreement.

    python bench/verapdf_agreement.py [CORPUS_DIR]

CORPUS_DIR (default ../shared/verapdf-corpus next to the repo) holds PDF_A-2b/ and PDF_A-3b/.
"""
from __future__ import annotations

import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from report.preflight import check  # noqa: E402

DEFAULT_CORPUS = ROOT.parent / "shared" / "verapdf-corpus"
PARTS = {"PDF_A-2b": "pdfa-2b", "PDF_A-3b": "pdfa-3b"}


def corpus_files(part_dir: Path) -> list[Path]:
    return [p for p in sorted(part_dir.rglob("*.pdf")) if "-pass-" in p.name or "-fail-" in p.name]


def clause_of(part_dir: Path, path: Path) -> str:
    """The clause a corpus file tests: its deepest folder's number ('6.2.11.4.1')."""
    folder = path.parent.name if path.parent != part_dir else path.parent.name
    return folder.split(" ", 1)[0]


def evaluate(corpus: Path = DEFAULT_CORPUS) -> dict:
    """{part: {clause: {files, agree, disagreements: [(file, expected, failures)]}}}"""
    out: dict = {}
    for part, profile in PARTS.items():
        part_dir = corpus / part
        if not part_dir.is_dir():
            continue
        clauses: dict = defaultdict(lambda: {"files": 0, "agree": 0, "disagreements": []})
        for f in corpus_files(part_dir):
            expected_pass = "-pass-" in f.name
            results = check(str(f), profile)
            got_pass = all(r.ok for r in results)
            c = clauses[clause_of(part_dir, f)]
            c["files"] += 1
            if got_pass == expected_pass:
                c["agree"] += 1
            else:
                c["disagreements"].append((str(f.relative_to(corpus)), "pass" if expected_pass else "fail",
                                           [r for r in results if not r.ok]))
        out[part] = dict(sorted(clauses.items(), key=lambda kv: [int(x) for x in kv[0].split(".") if x.isdigit()]))
    return out


def totals(report: dict) -> tuple[int, int]:
    files = sum(c["files"] for part in report.values() for c in part.values())
    agree = sum(c["agree"] for part in report.values() for c in part.values())
    return files, agree


def main(argv=None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    corpus = Path(argv[0]) if argv else DEFAULT_CORPUS
    if not corpus.is_dir():
        print(f"corpus not found: {corpus}", file=sys.stderr)
        return 2
    rep = evaluate(corpus)
    print(f"{'part':<9} {'clause':<12} {'files':>5} {'agree':>5} {'%':>7}")
    for part, clauses in rep.items():
        pf = pa = 0
        for clause, c in clauses.items():
            pf, pa = pf + c["files"], pa + c["agree"]
            print(f"{part:<9} {clause:<12} {c['files']:>5} {c['agree']:>5} {100.0 * c['agree'] / c['files']:>6.1f}%")
        print(f"{part:<9} {'all':<12} {pf:>5} {pa:>5} {100.0 * pa / max(pf, 1):>6.1f}%")
    tf, ta = totals(rep)
    print(f"{'total':<9} {'':<12} {tf:>5} {ta:>5} {100.0 * ta / max(tf, 1):>6.1f}%")
    for part, clauses in rep.items():
        for clause, c in clauses.items():
            for name, exp, res in c["disagreements"]:
                print(f"DISAGREE {name}: expected {exp}")
                for x in res[:4]:
                    print(f"    FAIL {x.rule} {x.where} {x.message}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
