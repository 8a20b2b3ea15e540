"""The abstract memory stream's speed: N synapses x T memories of a two-state synapse (issue 13's
yardstick: 10^6 x 10^4 in under a minute on 2 cores), and of additive STDP and a Benna-Fusi chain.

    python benchmarks/memory_stream.py [--synapses 1000000] [--memories 10000]

Prints the wall time and ns per synapse update for each model (the compile is done first, on a
small stream, and not counted).
"""

from __future__ import annotations

import argparse
import os
import time

import numba

from hebblab.memory import models
from hebblab.memory import stream as S


def time_model(model, n: int, t: int, block: int = 1000) -> float:
    state = model.initial(n, 1, 0) if isinstance(model, models.Markov) else model.initial(n, 1, 0, 1.0)
    f_thr = S.f_threshold(1.0)
    model.advance(state[:1000].copy(), S.memory_keys(1, 0, 0, 2), f_thr)  # compile outside the timing
    start = time.perf_counter()
    for b in range(0, t, block):
        model.advance(state, S.memory_keys(1, 0, b, min(t, b + block)), f_thr)
    return time.perf_counter() - start


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--synapses", type=int, default=1_000_000)
    p.add_argument("--memories", type=int, default=10_000)
    a = p.parse_args()
    if a.synapses < 1000 or a.memories < 1:
        p.error("--synapses must be >= 1000 and --memories >= 1")
    print(f"numba {numba.__version__}, threads {numba.get_num_threads()}, cpus {os.cpu_count()}")
    for model, scale in ((models.two_state(0.1), 1.0), (models.additive(0.05), 1.0), (models.benna_fusi(6), 0.1)):
        n = max(1000, int(a.synapses * scale))
        el = time_model(model, n, a.memories)
        print(f"{model.name:24s} N={n:>9,} T={a.memories:>7,}: {el:7.2f} s  {el / (n * a.memories) * 1e9:6.2f} ns/update")


if __name__ == "__main__":
    main()
