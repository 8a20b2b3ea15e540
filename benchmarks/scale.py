"""Scale benchmark: the largest recurrent STDP network that fits, towards 10^9 synapses.

For each size, a fresh process builds N current-based LIF neurons (the recurrent benchmark's
neurons and Poisson drive) with K random plastic synapses each (additive STDP, float32 weights),
then simulates ``--sim`` seconds. Reported: build time, bytes per plastic synapse (the
projection's per-synapse arrays), peak memory of the process, and wall time per simulated
second. hebblab only: Brian2 and NEST are compared at 10^6-10^7 synapses in recurrent.py.

    python benchmarks/scale.py [--sizes 1e6,1e7,1e8] [--sim 0.01]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _process import si_floats  # noqa: E402  (shared with the other benchmark scripts)


@si_floats
def worker(n_syn: float, sim: float) -> dict:
    import numpy as np

    from hebblab.networks import recurrent_network
    k = 100 if n_syn <= 1e7 else 1000
    n = int(round(n_syn / k))
    t0 = time.perf_counter()
    net, neurons, rec = recurrent_network(n=n, k=k, stdp=True, seed=1, dtype=np.float32)
    t_build = time.perf_counter() - t0
    per_syn = rec.bytes_per_synapse
    from hebblab.networks import RECURRENT as P
    # start in the stationary regime: synaptic current at its mean, membranes spread below threshold
    neurons.g_e[:] = P["rate_ext"] * P["w_ext"] * P["tau_e"]
    neurons.v[:] = np.random.default_rng(1).uniform(-60e-3, -50e-3, n)
    sp = net.monitor(neurons)
    net.run(net.dt)
    t1 = time.perf_counter()
    net.run(sim)
    el = time.perf_counter() - t1
    return dict(neurons=n, k=k, synapses=len(rec), build_s=t_build, bytes_per_synapse=per_syn, threads=net.threads_for_run(),
                peak_gib=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20, sim_s=sim, wall_s=el,
                wall_per_sim_s=el / sim, rate_hz=len(sp) / n / (sim + net.dt))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="1e6,1e7,1e8")
    ap.add_argument("--sim", type=float, default=0.02)
    ap.add_argument("--worker", type=float, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        print(json.dumps(worker(args.worker, args.sim)))
        return
    print(f"{'synapses':>12}{'neurons':>10}{'K':>6}{'build s':>9}{'B/syn':>7}{'peak GiB':>10}{'s per sim s':>13}"
          f"{'rate Hz':>9}{'threads':>8}")
    for size in [float(x) for x in args.sizes.split(",")]:
        proc = subprocess.run([sys.executable, os.path.abspath(__file__), "--worker", str(size), "--sim", str(args.sim)],
                              capture_output=True, text=True)
        if proc.returncode != 0:
            print(f"{size:>12.3g}: failed ({(proc.stderr.strip().splitlines() or ['killed?'])[-1]})")
            break
        r = json.loads(proc.stdout.strip().splitlines()[-1])
        print(f"{r['synapses']:>12.3g}{r['neurons']:>10}{r['k']:>6}{r['build_s']:>9.1f}{r['bytes_per_synapse']:>7.1f}"
              f"{r['peak_gib']:>10.2f}{r['wall_per_sim_s']:>13.1f}{r['rate_hz']:>9.1f}{r['threads']:>8}")


if __name__ == "__main__":
    main()
