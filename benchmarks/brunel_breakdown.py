"""Where hebblab's time goes on the Brunel-STDP benchmark network (issue 16): one stage added at a time.

    python benchmarks/brunel_breakdown.py [--duration 1.0] [--threads 1,2] [--repeats 3]

The network is ``hebblab.networks.brunel_stdp_network`` (the one ``benchmarks/brunel_stdp.py``
runs against Brian2). Three variants, each simulated in a fresh process after a warm-up run of
the same structure, after one uncounted round of all three (the first process of a structure
compiles its optimized kernel), the variants interleaved ``--repeats`` times:

1. ``drive``: the 10,000 delta LIF neurons and their binomial Poisson drives only (no recurrent
   projection): the neuron update and the drive;
2. ``static``: plus the four recurrent pathways, all static: spike queues and delivery;
3. ``plastic``: the benchmark, E->E plastic: plus potentiation and depression.

Differences of the medians are the stages' costs, in seconds per simulated second. Removing the
recurrent input changes the firing (``drive`` fires at its own rate, printed); delivery and
plasticity costs scale with the recurrent rate, which ``static`` and ``plastic`` share to within a
few percent. No peer runs here: the peers' times on the same network come from brunel_stdp.py.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import os

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _process import si_floats  # noqa: E402  (shared with the other benchmark scripts)

WORKER = """
import json, sys, time
from hebblab.networks import brunel_stdp_network
variant, threads, duration = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])

@si_floats
def build():
    if variant != "drive":
        net, exc, inh, ee = brunel_stdp_network(plastic=(variant == "plastic"), seed=1, threads=threads)
        return net, exc
    import hebblab as hl
    from hebblab.networks import BRUNEL as b
    net = hl.Network(dt=0.1 * hl.ms, seed=1, threads=threads)  # the same neurons and drives, no projection
    lif = dict(synapse="delta", tau_m=b["tau_m"], v_rest=0.0, v_reset=0.0, v_thresh=b["v_thresh"], t_ref=b["t_ref"])
    exc, inh = net.add(hl.LIF(n=b["n_e"], **lif)), net.add(hl.LIF(n=b["n_i"], **lif))
    for pop in (exc, inh):
        net.poisson_input(pop, n=b["n_in"], rate=b["rate_in"], weight=b["w_in"], target="v_in")
    return net, exc

net, exc = build()
net.run(0.05)  # compile this structure (cached for the timed process below)
net, exc = build()
mon = net.monitor(exc)
t0 = time.perf_counter()
net.run(duration)
wall = time.perf_counter() - t0
print(json.dumps({"wall": wall, "rate_hz": len(mon.t) / (exc.n * duration)}))
"""


@si_floats
def run(variant: str, threads: int, duration: float) -> dict:
    out = subprocess.run([sys.executable, "-c", WORKER, variant, str(threads), str(duration)], capture_output=True,
                         text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--duration", type=float, default=1.0)
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    variants = ("drive", "static", "plastic")
    for threads in [int(x) for x in args.threads.split(",")]:
        got = {v: [] for v in variants}
        rates = {}
        for v in variants:  # one uncounted round: the first process of a structure compiles its optimized kernel
            run(v, threads, min(args.duration, 0.1))
        for _ in range(args.repeats):
            for v in variants:
                r = run(v, threads, args.duration)
                got[v].append(r["wall"] / args.duration)
                rates[v] = r["rate_hz"]
        med = {v: statistics.median(x) for v, x in got.items()}
        print(f"{threads} thread(s), s per simulated second (median of {args.repeats}): "
              + ", ".join(f"{v} {med[v]:.2f} [{', '.join(f'{x:.2f}' for x in got[v])}] at {rates[v]:.1f} Hz"
                          for v in variants))
        print(f"  stages: neuron update + drive {med['drive']:.2f}, spike queues + delivery "
              f"{med['static'] - med['drive']:.2f}, STDP (potentiation + depression) {med['plastic'] - med['static']:.2f}")


if __name__ == "__main__":
    main()
