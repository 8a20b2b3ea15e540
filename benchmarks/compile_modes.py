"""Compile time against loop speed for the two compile modes (``HEBBLAB_COMPILE``), in one invocation.

    python benchmarks/compile_modes.py [--repeats 3]

For each mode and network, a fresh process with an empty kernel cache (``HEBBLAB_CACHE`` and
``NUMBA_CACHE_DIR`` pointed at new temporary folders, so hebblab's own pieces compile too) builds
the network and runs one step (``compile_s``: mostly numba compiling), then simulates
(``simulate_s``, the best of ``--repeats`` runs in the now-warm process). Networks: the
Song-Abbott network (1000 Poisson inputs, one LIF neuron, pair STDP; 100 s), the recurrent LIF
network with pair STDP (k = 100; 1 s) and the test suite's mixed network (every neuron model
and rule; 0.2 s). Prints ratios fast/optimized and checks that both modes end with the same
weights bit for bit.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _process import si_floats  # noqa: E402  (shared with the other benchmark scripts)

HERE = Path(__file__).resolve().parent

CHILD = r"""
import hashlib, json, sys, time
sys.path.insert(0, {tests!r})
import numpy as np
name, repeats = {name!r}, {repeats}

@si_floats
def song():
    from hebblab.networks import build_network
    net, _, neuron, syn = build_network(seed=1)
    return net, syn, 100.0

@si_floats
def recurrent():
    from hebblab.networks import recurrent_network
    net, neurons, rec = recurrent_network(k=100, stdp=True, seed=1)
    return net, rec, 1.0

t0 = time.perf_counter()
if name == "mixed":
    from test_backends import mixed_network
    mixed_network("numba", duration=2e-4)  # compiles; two 1-step runs
    compile_s = time.perf_counter() - t0
    best, w = 1e9, None
    for _ in range(repeats):
        t = time.perf_counter(); weights, _, _ = mixed_network("numba", duration=0.2); best = min(best, time.perf_counter() - t)
    w = np.concatenate([x.ravel() for x in weights])
else:
    net, proj, duration = {{"song": song, "recurrent": recurrent}}[name]()
    net.run(net.dt)
    compile_s = time.perf_counter() - t0
    best = 1e9
    for _ in range(repeats):
        net2, proj2, _ = {{"song": song, "recurrent": recurrent}}[name]()
        net2.run(net2.dt)
        t = time.perf_counter(); net2.run(duration - net2.dt); best = min(best, time.perf_counter() - t)
    w = np.asarray(proj2.w)
print(json.dumps(dict(compile_s=compile_s, simulate_s=best, weights=hashlib.sha256(w.tobytes()).hexdigest())))
"""


@si_floats
def run(name: str, mode: str, repeats: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, HEBBLAB_COMPILE=mode, HEBBLAB_CACHE=str(Path(tmp) / "hebblab"),
                   NUMBA_CACHE_DIR=str(Path(tmp) / "numba"))
        code = CHILD.format(tests=str(HERE.parent / "tests"), name=name, repeats=repeats)
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--networks", default="song,recurrent,mixed")
    args = ap.parse_args()
    import numba
    import hebblab
    print(f"hebblab {hebblab.__version__}, numba {numba.__version__}, Python {platform.python_version()}, "
          f"{platform.machine()}, {os.cpu_count()} cores")
    print(f"{'network':10} {'mode':10} {'compile_s':>10} {'simulate_s':>11}")
    for name in args.networks.split(","):
        res = {mode: run(name, mode, args.repeats) for mode in ("optimized", "fast")}
        for mode, r in res.items():
            print(f"{name:10} {mode:10} {r['compile_s']:10.2f} {r['simulate_s']:11.3f}")
        same = res["fast"]["weights"] == res["optimized"]["weights"]
        print(f"{name:10} fast/optimized: compile x{res['fast']['compile_s'] / res['optimized']['compile_s']:.2f}, "
              f"simulate x{res['fast']['simulate_s'] / res['optimized']['simulate_s']:.2f}; "
              f"weights {'identical' if same else 'DIFFER'}")


if __name__ == "__main__":
    main()
