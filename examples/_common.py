"""Shared command-line options of the examples: ``--duration`` (seconds of biological time) and
``--out`` (the figure's path)."""

from __future__ import annotations

import argparse


def options(doc: str, duration: float, out: str) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=doc.strip().splitlines()[0])
    ap.add_argument("--duration", type=float, default=duration, help=f"biological seconds (default {duration:g})")
    ap.add_argument("--out", default=out, help=f"figure to write (default {out})")
    return ap.parse_args()


def save(fig, path: str) -> None:
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    print(f"wrote {path}")
