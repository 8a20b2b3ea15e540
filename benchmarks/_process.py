"""Run one simulator's side of a benchmark in a fresh process and read its JSON result line."""

from __future__ import annotations

import json
import subprocess
import time


def run_json(name: str, cmd: list[str]) -> dict | None:
    """Run ``cmd``; return its last stdout line as a dict plus ``process_s`` (whole-process wall
    time), or print one line saying why it did not run and return None."""
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        lines = proc.stderr.strip().splitlines()
        errors = [ln for ln in lines if "Error" in ln] or lines or ["?"]
        why = "killed, out of memory?" if proc.returncode in (-9, 137) else errors[-1]
        print(f"  {name}: not run (exit {proc.returncode}: {why})")
        return None
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    out["process_s"] = wall
    return out
