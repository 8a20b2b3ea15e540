"""What reading a neuron variable and a per-step hook cost: Clopath2010 against pair STDP.

2000 current-based LIF neurons (t_ref 2 ms, each driven by 100 Poisson sources at 50 Hz of
1 mV into g_e) receive 1000 Poisson inputs at 10 Hz with p = 0.05 (about 100,000 synapses), for
2 s at dt = 0.1 ms, one thread, the default compile mode. Rows: no plasticity, PairSTDP,
Clopath2010 with ``theta_plus`` above its spike clamp (so ``post_step`` runs for every neuron
and step but never selects one: the hook alone), and Clopath2010 (``syn_step`` on every synapse
of a neuron during each 2-ms spike pulse, 20 steps per spike). The inputs deliver nothing
(weights 0 and at most 1e-9 V for the fixed and pair rows, ``w_scale=0`` for Clopath), so every row
fires the same.

    python benchmarks/clopath.py [--duration 2]
"""

from __future__ import annotations

import argparse
import os
import time

import hebblab as hl
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _process import si_floats  # noqa: E402  (shared with the other benchmark scripts)


@si_floats
def run(rule, duration: float) -> tuple[float, float, int]:
    net = hl.Network(dt=0.1 * hl.ms, seed=1)
    src = net.add(hl.PoissonSource(n=1000, rate=10.0))
    post = net.add(hl.LIF(n=2000, t_ref=2 * hl.ms))
    net.poisson_input(post, n=100, rate=50.0, weight=1 * hl.mV, target="g_e")
    w = 0.5 if isinstance(rule, hl.rules.Clopath2010) else 0.0
    proj = net.connect(src, post, rule=rule, w=w, connectivity=hl.FixedProbability(0.05))
    spikes = net.monitor(post)
    net.run(0.01, threads=1)  # compiles
    started = time.perf_counter()
    net.run(duration, threads=1)
    elapsed = time.perf_counter() - started
    return elapsed, len(spikes) / post.n / (duration + 0.01), proj.n_synapses


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--duration", type=float, default=2.0)
    args = ap.parse_args()
    steps = round(args.duration / (0.1 * hl.ms))
    rows = {"no plasticity": None, "PairSTDP": hl.rules.PairSTDP(w_max=1e-9),
            "Clopath2010, post_step only": hl.rules.Clopath2010(w_scale=0.0, theta_plus=40 * hl.mV),
            "Clopath2010": hl.rules.Clopath2010(w_scale=0.0)}
    print(f"load average before: {os.getloadavg()[0]:.2f}")
    for name, rule in rows.items():
        elapsed, rate, n_syn = run(rule, args.duration)
        print(f"{name:28s} {elapsed:7.3f} s, {elapsed / steps * 1e6:6.1f} us/step; {rate:.1f} Hz; {n_syn} synapses",
              flush=True)
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
