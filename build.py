#!/usr/bin/env python3
"""Entry point: the same CLI as ``brief``; with no arguments, builds the sample brief."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from report.cli import SAMPLE, run  # noqa: E402

if __name__ == "__main__":
    args = sys.argv[1:]
    if not args or args[0].startswith("-") and args[0] not in ("-h", "--help"):
        args = ["build", str(SAMPLE), *args]
    sys.argv[1:] = args
    run()
