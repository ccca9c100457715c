"""The editions of the sample and the test briefs are the bytes recorded in
tests/editions.sha256.json (bench/editions_digest.py writes it): a change that reshapes the
code must not change them, and one that means to records the new digests in its commit."""
from __future__ import annotations

import json
import sys

import pytest

from conftest import ROOT

sys.path.insert(0, str(ROOT / "bench"))
import editions_digest  # noqa: E402


def test_every_edition_is_the_recorded_bytes(tmp_path):
    record = json.loads(editions_digest.RECORD.read_text(encoding="utf-8"))
    now = editions_digest.versions()
    differ = {k: (v, now.get(k)) for k, v in record["versions"].items() if now.get(k) != v}
    if differ:
        pytest.skip(f"recorded with other library versions, so other bytes are expected: {differ}")
    built = editions_digest.digests(tmp_path)
    assert sorted(built) == sorted(record["editions"])
    changed = [name for name in built if built[name] != record["editions"][name]]
    assert not changed, f"these editions are not the recorded bytes: {changed}"
