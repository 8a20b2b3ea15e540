"""Run one simulator's side of a benchmark in a fresh process and read its JSON result line.

Each run also reports what else the machine did meanwhile, from ``/proc/stat`` (Linux only):
``steal_s``, CPU time the hypervisor gave to other guests while this VM wanted it, and
``other_cpu_s``, CPU time spent on this VM by processes other than the benchmarked one (all busy
time minus the child's own user and system time). A slow run with both near zero was slow by
itself; a slow run next to seconds of either was competing for the cores.

Neither shows the third thing that changes timings on the 2-vCPU benchmark VM: where the host
places the two vCPUs. Handing a cache line from one vCPU to the other and back takes either about
55 ns (cores that share a cache) or about 350 ns (cores that do not), and the host switches
between the two placements every few seconds to minutes. A run on several threads hands cache
lines over every step (barriers, spike lists, rows split between threads), so it pays for the far
placement (benchmarks/RESULTS.md: a 2-thread k = 100 run took 0.50-0.62 s near and 0.69-0.90 s
far); a 1-thread run does not. :func:`handoff_ns` measures the round trip; each run records it
just before and just after (``handoff_ns``).
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import time


def si_floats(fn):
    """Run a benchmark's hebblab side inside ``hebblab.units.assume_si()``: like its peers' scripts,
    it holds its numbers as SI floats (hebblab's public API otherwise asks for units)."""
    import functools

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        from hebblab.units import assume_si
        with assume_si():
            return fn(*args, **kwargs)
    return wrapper


def _cpu_ticks() -> tuple[int, int] | None:
    """(busy, steal) clock ticks of all CPUs since boot, or None where /proc/stat is missing."""
    try:
        with open("/proc/stat") as f:
            fields = [int(x) for x in f.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    user, nice, system, _idle, _iowait, irq, softirq = fields[:7]
    steal = fields[7] if len(fields) > 7 else 0
    return user + nice + system + irq + softirq, steal


def _children_cpu_s() -> float:
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def handoff_ns(rounds: int = 100_000) -> float | None:
    """Nanoseconds for a cache line to go from one thread to another and back (two threads
    taking turns to increment a shared counter), or None with fewer than two CPUs."""
    if len(os.sched_getaffinity(0)) < 2:
        return None
    import threading

    import numpy as np

    from hebblab.backends.intrinsics import ping_pong
    flag = np.zeros(8, np.int64)
    ping_pong(np.zeros(8, np.int64), 0, 0)  # compile (or load) before timing
    other = threading.Thread(target=ping_pong, args=(flag, 1, rounds))
    t0 = time.perf_counter()
    other.start()
    ping_pong(flag, 0, rounds)
    other.join()
    return (time.perf_counter() - t0) / rounds * 1e9


def thread_list(text: str) -> list[int]:
    """argparse type for ``--threads``: comma-separated thread counts, each >= 1."""
    import argparse
    try:
        out = [int(t) for t in text.split(",")]
    except ValueError:
        out = []
    if not out or min(out) < 1:
        raise argparse.ArgumentTypeError(f"must be comma-separated integers >= 1 (got {text!r})")
    return out


def run_json(name: str, cmd: list[str]) -> dict | None:
    """Run ``cmd``; return its last stdout line as a dict plus ``process_s`` (whole-process wall
    time), ``cpu_s`` (its user + system time) and, where the platform allows, ``steal_s``,
    ``other_cpu_s`` and ``handoff_ns`` (before, after; see the module docstring); or print one
    line saying why it did not run and return None."""
    tick = os.sysconf("SC_CLK_TCK")
    before = handoff_ns()
    c0, k0 = _children_cpu_s(), _cpu_ticks()
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    c1, k1 = _children_cpu_s(), _cpu_ticks()
    after = handoff_ns()
    if proc.returncode != 0:
        lines = proc.stderr.strip().splitlines()
        errors = [ln for ln in lines if "Error" in ln] or lines or ["?"]
        why = "killed, out of memory?" if proc.returncode in (-9, 137) else errors[-1]
        print(f"  {name}: not run (exit {proc.returncode}: {why})")
        return None
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    out["process_s"] = wall
    out["cpu_s"] = c1 - c0
    if k0 is not None and k1 is not None:
        out["steal_s"] = (k1[1] - k0[1]) / tick
        out["other_cpu_s"] = max(0.0, (k1[0] - k0[0]) / tick - (c1 - c0))
    if before is not None and after is not None:
        out["handoff_ns"] = (before, after)
    return out
