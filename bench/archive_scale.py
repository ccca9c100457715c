"""Scale of the edition archive: 1,000 synthetic editions, then list and verify.

Synthetic editions are small fake records with three small random files each (4–16 KB),
added one transaction at a time through the archive API (the same path ``brief archive
add`` takes after reading the PDFs). Prints the time to add them, the time of one add to
the full archive (an add checks every seal and record file first, so it grows with the
archive), and the time of ``list``, ``head`` and ``verify`` both through the API and as
whole ``brief archive`` processes.

    .venv/bin/python bench/archive_scale.py [--editions 1000] [--dir DIR]
"""

from __future__ import annotations

import argparse
import hashlib
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from report.editions import EDITIONS  # noqa: E402
from report.archive.core import Archive  # noqa: E402
from report.archive.edition import BriefMeta, FileRecord, Incoming  # noqa: E402


def synthetic(i: int, rng: random.Random) -> Incoming:
    brief = f"brief-{i // 2:04d}"  # two editions per brief: the second corrects the first
    meta = BriefMeta(brief, "FIIA Comment", f"{i % 30 + 1}/2024", f"Synthetic brief {i // 2}",
                     ("A. Author", "B. Author"), "2024-05")
    inc = Incoming(meta)
    shash = hashlib.sha256(brief.encode()).hexdigest()
    for v in EDITIONS:
        data = b"%PDF-1.7\n" + rng.randbytes(rng.randint(4096, 16384))
        rec = FileRecord(v, hashlib.sha256(data).hexdigest(), len(data), 4, "none", shash, "brief 0.1.0",
                         "2024-05-01T00:00:00+00:00")
        inc.files[v] = (rec, data)
    return inc


def timed(fn):
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--editions", type=int, default=1000)
    ap.add_argument("--dir", type=Path, default=None, help="where to make the archive (default: a temp dir)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="archive-scale-", dir=args.dir) as tmp:
        root = Path(tmp) / "archive"
        arc, rng = Archive(root), random.Random(1)
        t_add, _ = timed(lambda: [arc.add(synthetic(i, rng), note="" if i % 2 == 0 else "correction",
                                          corrects=None if i % 2 == 0 else (None, 1))
                                  for i in range(args.editions)])
        last = [timed(lambda: arc.add(synthetic(args.editions + i, rng), note="last"))[0] for i in range(10)]
        t_list, eds = timed(arc.editions)
        t_check, _ = timed(arc.sealed)
        t_verify, report = timed(arc.verify)
        total = args.editions + len(last)
        assert len(eds) == total and not report.problems and report.checked == 3 * total

        def cli(*a):
            return subprocess.run([sys.executable, "-m", "report.cli", "archive", *a, "--archive", str(root)],
                                  cwd=ROOT, capture_output=True, text=True, check=True)

        t_cli_list, _ = timed(lambda: cli("list", "--json"))
        t_cli_verify, _ = timed(lambda: cli("verify"))
        t_cli_head, _ = timed(lambda: cli("head"))
        size = sum(p.stat().st_size for p in root.rglob("*") if p.is_file())
        cat = (root / "catalogue.sqlite").stat().st_size
        print(f"{args.editions} editions, {3 * args.editions} files, {size / 1e6:.1f} MB stored, "
              f"catalogue {cat / 1e3:.0f} KB")
        print(f"add     {t_add:7.2f} s  ({1000 * t_add / args.editions:.1f} ms per edition, one transaction each)")
        print(f"add     {1000 * sorted(last)[len(last) // 2]:7.1f} ms to an archive of {args.editions} "
              f"(median of {len(last)}; the seal check alone {1000 * t_check:.1f} ms)")
        print(f"list    {t_list:7.3f} s  API   {t_cli_list:6.3f} s  brief archive list --json")
        print(f"head    {t_check:7.3f} s  API   {t_cli_head:6.3f} s  brief archive head")
        print(f"verify  {t_verify:7.3f} s  API   {t_cli_verify:6.3f} s  brief archive verify")
    return 0


if __name__ == "__main__":
    sys.exit(main())
