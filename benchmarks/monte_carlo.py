"""Monte Carlo benchmark: the write-cost experiment's kernel in hebblab and the same arithmetic in Brian2.

10^6 independent synapses, each given 10^3 noisy write steps (issue 4, benchmark 3): w starts
uniform in (0, 1]; each step adds ``u (1 + sigma xi)`` (xi standard normal, fresh per step), then
clips w to [0, 1]. hebblab runs ``experiments.write_cost.monte_carlo_write`` (what ``hebblab bench
monte-carlo`` times); Brian2 runs a NeuronGroup of 10^6 "synapses" whose ``run_regularly``
operation makes one step per time step, for 10^3 steps (cpp_standalone, 1 and 2 OpenMP threads).
Both report pair-updates per second and the mean and SD of each synapse's displacement, which a
closed form gives: m u and u sigma sqrt(m) (clipping touches about 1e-5 of the synapses).
Each tool runs in a fresh process; usage::

    python benchmarks/monte_carlo.py [--synapses 1000000] [--pairings 1000] [--peers brian2-cpp] [--threads 1,2]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _process import si_floats, run_json, thread_list  # noqa: E402  (shared with the other benchmark scripts)

LEVELS = 2**14  # the write-cost grid hebblab bench uses: one level step of 1 / (LEVELS - 1)
SIGMA = 4.87  # per-pairing noise (the calibrated pairing scatter's order of magnitude)
SEED, STREAM = 1, 7


def step_size(pairings: int) -> float:
    return 1.0 / (LEVELS - 1) / pairings


@si_floats
def worker_hebblab(n_syn: int, pairings: int, threads: int) -> dict:
    import numba
    import numpy as np

    import hebblab
    from hebblab.experiments.write_cost import monte_carlo_write
    from hebblab.rng import uniform
    numba.set_num_threads(threads)
    out = np.empty(n_syn)
    args = (LEVELS, 1, pairings, 1.0 / 255, 0, 0, 0, SIGMA, 0.0, SEED, STREAM)
    t0 = time.perf_counter()
    monte_carlo_write(10, *args, out[:10])  # compile or load
    t1 = time.perf_counter()
    monte_carlo_write(n_syn, *args, out)
    t2 = time.perf_counter()
    w0 = 1.0 - uniform(SEED, STREAM + 1, np.arange(n_syn), 0)  # the kernel's starting weights
    d = out - w0
    return dict(tool=f"hebblab {hebblab.__version__} ({threads} thr)", compile_s=t1 - t0, simulate_s=t2 - t1,
                d_mean=float(d.mean()), d_sd=float(d.std()))


def worker_brian2(n_syn: int, pairings: int, threads: int) -> dict:
    import brian2 as b2
    import numpy as np
    build_dir = tempfile.mkdtemp(prefix="hebblab_bench_b2_mc_")
    try:
        b2.set_device("cpp_standalone", directory=build_dir, build_on_run=False)
        b2.prefs.devices.cpp_standalone.openmp_threads = threads
        b2.defaultclock.dt = 0.1 * b2.ms
        g = b2.NeuronGroup(n_syn, "w : 1\nw0 : 1")
        g.w = "rand()"
        g.w0 = "w"
        g.run_regularly(f"w = clip(w + {step_size(pairings)!r} * (1 + {SIGMA!r} * randn()), 0, 1)", dt=b2.defaultclock.dt)
        b2.run(pairings * b2.defaultclock.dt, report=None)
        t0 = time.perf_counter()
        b2.device.build(directory=build_dir, compile=True, run=True, debug=False)
        t1 = time.perf_counter()
        sim = float(b2.device._last_run_time)  # the simulation loop alone, as Brian2 times it
        d = np.asarray(g.w[:]) - np.asarray(g.w0[:])
    finally:
        shutil.rmtree(build_dir, ignore_errors=True)
    return dict(tool=f"brian2 {b2.__version__} cpp_standalone ({threads} thr)", compile_s=(t1 - t0) - sim,
                simulate_s=sim, d_mean=float(d.mean()), d_sd=float(d.std()))


WORKERS = {"hebblab": worker_hebblab, "brian2-cpp": worker_brian2}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--synapses", type=int, default=1_000_000)
    ap.add_argument("--pairings", type=int, default=1000)
    ap.add_argument("--peers", default="brian2-cpp", help="comma-separated: brian2-cpp (or empty)")
    ap.add_argument("--threads", type=thread_list, default="1,2")
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.synapses < 1 or args.pairings < 1:
        ap.error("--synapses and --pairings must be >= 1")
    threads = args.threads
    if args.worker:
        print(json.dumps(WORKERS[args.worker](args.synapses, args.pairings, threads[0])))
        return
    peers = [p for p in args.peers.split(",") if p]
    for p in peers:
        if p not in WORKERS or p == "hebblab":
            ap.error(f"--peers: unknown peer {p!r} (allowed: brian2-cpp)")
    import platform
    n, m = args.synapses, args.pairings
    u = step_size(m)
    print(f"Monte Carlo writes: {n} synapses x {m} noisy steps (u = {u:.3g}, sigma = {SIGMA}); {platform.machine()}, "
          f"{os.cpu_count()} cores, Python {platform.python_version()}")
    print(f"closed form: displacement mean {m * u:.6g}, SD {u * SIGMA * math.sqrt(m):.4g}")
    results = []
    for name in ["hebblab"] + peers:
        for th in threads:
            cmd = [sys.executable, os.path.abspath(__file__), "--worker", name, "--synapses", str(n),
                   "--pairings", str(m), "--threads", str(th)]
            r = run_json(name, cmd)
            if r is not None:
                results.append(r)
    ours = max((r for r in results if r["tool"].startswith("hebblab")), key=lambda r: int(r["tool"].split("(")[1].split()[0]))
    print(f"{'tool':<40}{'compile':>9}{'simulate':>10}{'pair-updates/s':>16}{'mean d':>13}{'SD d':>11}{'ratio':>8}")
    for r in results:
        print(f"{r['tool']:<40}{r['compile_s']:>9.2f}{r['simulate_s']:>10.2f}{n * m / r['simulate_s']:>16.3g}"
              f"{r['d_mean']:>13.6g}{r['d_sd']:>11.4g}{r['simulate_s'] / ours['simulate_s']:>7.1f}x")
    print(f"ratio = simulate time / {ours['tool']}'s")
    mean, sd = m * u, u * SIGMA * math.sqrt(m)
    for r in results:
        ok = abs(r["d_mean"] - mean) <= 5 * sd / math.sqrt(n) and abs(r["d_sd"] / sd - 1) <= 0.02
        print(f"  {r['tool']}: displacement {'agrees' if ok else 'DIFFERS'} with the closed form"
              " (mean within 5 standard errors, SD within 2 %)")


if __name__ == "__main__":
    main()
