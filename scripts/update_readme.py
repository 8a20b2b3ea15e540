#!/usr/bin/env python3
"""Rewrite the README's generated block (claims, headline table, findings) from a seed-1 quick run.

Usage: .venv/bin/python scripts/update_readme.py [--check]

Runs every experiment at its quick size with seed 1, exactly as ``hebblab report --quick`` does,
and replaces the text between the README's BEGIN/END GENERATED markers. ``--check`` changes
nothing and exits 1 if the README is stale. tests/test_experiments.py checks the same.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="exit 1 if the README is stale, change nothing")
    args = ap.parse_args()
    from hebblab.claims import decide
    from hebblab.experiments import EXPERIMENTS
    from hebblab.summary import current_block, markdown, replace_block

    runs = []
    for name, exp in EXPERIMENTS.items():
        print(f"running {name} (quick, seed 1)", file=sys.stderr)
        runs.append((exp, exp.run(exp.make_config("quick"), seed=1)))
    block = markdown(runs, decide({exp.name: r for exp, r in runs}), seed=1)
    path = ROOT / "README.md"
    text = path.read_text()
    if args.check:
        stale = current_block(text) != block
        print("README is stale" if stale else "README is current", file=sys.stderr)
        return 1 if stale else 0
    tmp = path.with_name(f".README.md.tmp{os.getpid()}")
    tmp.write_text(replace_block(text, block))
    os.replace(tmp, path)
    print("README updated", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
