"""Brain Simulator II networks through hebblab's compiled loop: cycles and synapse events per second.

    python benchmarks/bs2.py --file PATH.xml --cycles 20000
    python benchmarks/bs2.py --grid 1000000 --per-neuron 100 --hebbian3 0.1 --cycles 100 --threads 2

``--file``: an imported BS2 file (one run to compile, then the timed run). ``--grid N``: a generated
BS2 array of N neurons (1 % Always neurons firing every cycle, the rest IF) with ``--per-neuron``
random synapses each (weight 0.02), a fraction ``--hebbian3`` of them Hebbian3 (the rest Fixed),
built straight into the engine (FixedProbability rows), run with the same BS2Neuron model and
rules the importer uses. Synapse events = sum over spikes of the spiking neuron's out-degree.
Brain Simulator II's headline for comparison: about 0.7e9 synapse updates per second on a
4-core desktop without plasticity (its documentation).
"""

from __future__ import annotations

import argparse
import os
import platform
import time

import numpy as np
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _process import si_floats  # noqa: E402  (shared with the other benchmark scripts)


DTYPE = "float64"


def events(spike_idx, out_degree):
    return int(out_degree[spike_idx].sum())


@si_floats
def bench_file(path, cycles):
    from hebblab.io import bs2
    imp = bs2.load(path)
    imp.run(10)  # compile
    imp = bs2.load(path)
    mon = imp.network.monitor(imp.population)
    deg = np.zeros(imp.population.n, np.int64)
    for p in imp.projections.values():
        deg += np.diff(p.indptr)
    t0 = time.perf_counter()
    imp.run(cycles)
    dt = time.perf_counter() - t0
    ev = events(mon.i, deg)
    print(f"{os.path.basename(path)}: {imp.population.n} neurons, {int(deg.sum())} synapses, {cycles} cycles in "
          f"{dt:.3f} s: {cycles / dt:.3g} cycles/s, {len(mon.i)} spikes, {ev} synapse events ({ev / dt:.3g}/s)")


@si_floats
def bench_grid(n, per_neuron, frac_h3, cycles, threads, potentiation="auto", rule="bs2-cycle-hebbian3"):
    import hebblab as hl
    from hebblab.neurons.bs2_neuron import ALWAYS, BS2Neuron, IF_
    from hebblab.plasticity import BS2CycleHebbian3, BS2Hebbian3
    RuleH3 = BS2Hebbian3 if rule == "bs2-hebbian3" else BS2CycleHebbian3
    rng = np.random.default_rng(1)
    kinds = np.full(n, IF_)
    kinds[rng.random(n) < 0.01] = ALWAYS
    model = BS2Neuron(n=n, kinds=tuple(kinds.tolist()), leak=(0.0,) * n, axon_delay=(1,) * n, charge=(0.0,) * n)
    net = hl.Network(dt=1e-3, dtype=np.dtype(DTYPE), threads=threads, potentiation=potentiation)
    pop = net.add(model)
    t0 = time.perf_counter()
    p = per_neuron / n
    projs = [net.connect(pop, pop, w=0.02, connectivity=hl.FixedProbability(p * (1 - frac_h3)))]
    if frac_h3 > 0:
        projs.append(net.connect(pop, pop, rule=RuleH3(), w=0.02, connectivity=hl.FixedProbability(p * frac_h3)))
    build = time.perf_counter() - t0
    deg = sum(np.diff(j.indptr) for j in projs)
    mon = net.monitor(pop)
    net.run(2e-3)  # compile
    t0 = time.perf_counter()
    net.run(cycles * 1e-3)
    dt = time.perf_counter() - t0
    ev = events(mon.i[mon.steps >= 2], deg)
    print(f"grid {n} neurons, {int(deg.sum())} synapses ({frac_h3:.0%} {rule}, potentiation {potentiation}), "
          f"threads {threads}, {DTYPE}: build {build:.1f} s; "
          f"{cycles} cycles in {dt:.3f} s: {cycles / dt:.3g} cycles/s, {ev} synapse events ({ev / dt:.3g}/s)")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--file")
    ap.add_argument("--grid", type=int)
    ap.add_argument("--per-neuron", type=int, default=100)
    ap.add_argument("--hebbian3", type=float, default=0.0)
    ap.add_argument("--cycles", type=int, default=1000)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--rule", default="bs2-cycle-hebbian3", choices=("bs2-cycle-hebbian3", "bs2-hebbian3"),
                    help="the importer's Hebbian3 (BS2's same-cycle rule) or hebblab's older BS2Hebbian3")
    ap.add_argument("--dtype", default="float64", choices=("float64", "float32"),
                    help="precision of charges and weights (the importer uses float64; BS2 itself float32)")
    ap.add_argument("--potentiation", default="auto", choices=("auto", "eager", "deferred"))
    a = ap.parse_args()
    global DTYPE
    DTYPE = a.dtype
    import numba
    print(f"{platform.processor() or platform.machine()}, {os.cpu_count()} cpus, numba {numba.__version__}")
    if a.file:
        bench_file(a.file, a.cycles)
    if a.grid:
        bench_grid(a.grid, a.per_neuron, a.hebbian3, a.cycles, a.threads, a.potentiation, a.rule)


if __name__ == "__main__":
    main()
