"""Song-Abbott benchmark: hebblab against Brian2 (cpp_standalone, cython) and NEST, same network.

1000 Poisson inputs at 15 Hz -> one conductance-based LIF, additive all-to-all STDP, dt 0.1 ms,
100 s of biological time, with the parameters of Brian2's examples/synapses/STDP.py.

Each simulator runs in its own fresh process, one after the other in this run; each reports
build, compile and simulate times, its output rate and weight distribution, and the whole
process's wall time. hebblab's process is run twice and the second, with a warm compile cache,
is the one reported (the first is printed too). Usage::

    python benchmarks/song_abbott.py [--duration 100] [--peers brian2-cpp,brian2-cython,nest]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _process import si_floats, run_json  # noqa: E402  (shared with the other benchmark scripts)

PEERS = ("brian2-cpp", "brian2-cython", "nest")


@si_floats
def worker_hebblab(duration: float) -> dict:
    t0 = time.perf_counter()
    import numpy as np

    import hebblab
    from hebblab.networks import GMAX, build_network
    t_import = time.perf_counter()
    net, _, neuron, syn = build_network(seed=1)
    spikes = net.monitor(neuron)
    t_build = time.perf_counter()
    net.run(net.dt)  # first step: loads (or compiles) the kernel
    t_compile = time.perf_counter()
    net.run(duration - net.dt)
    t_sim = time.perf_counter()
    w = syn.w / GMAX
    return dict(tool=f"hebblab {hebblab.__version__}", import_s=t_import - t0, build_s=t_build - t_import,
                compile_s=t_compile - t_build, simulate_s=t_sim - t_compile, rate_hz=len(spikes) / duration,
                w_mean=float(w.mean()), w_sd=float(w.std()), frac_low=float(np.mean(w < 0.1)),
                frac_high=float(np.mean(w > 0.9)), events=int(len(syn) * 15 * duration))


def worker_brian2(duration: float, target: str) -> dict:
    t0 = time.perf_counter()
    import brian2 as b2
    import numpy as np
    from brian2 import Hz, ms, mV
    t_import = time.perf_counter()
    build_dir = tempfile.mkdtemp(prefix="hebblab_bench_b2_")
    if target == "cpp_standalone":
        b2.set_device("cpp_standalone", directory=build_dir, build_on_run=False)
    else:
        b2.prefs.codegen.target = target
        b2.prefs.codegen.runtime.cython.cache_dir = build_dir  # cold cache, as on a first run
    b2.defaultclock.dt = 0.1 * ms
    N, F, gmax = 1000, 15 * Hz, 0.01
    ns = dict(taum=10 * ms, taupre=20 * ms, taupost=20 * ms, Ee=0 * mV, vt=-54 * mV, vr=-60 * mV, El=-74 * mV,
              taue=5 * ms, gmax=gmax, dApre=0.01 * gmax)
    ns["dApost"] = -ns["dApre"] * ns["taupre"] / ns["taupost"] * 1.05
    eqs = """dv/dt = (ge * (Ee-v) + El - v) / taum : volt
             dge/dt = -ge / taue : 1"""
    inp = b2.PoissonGroup(N, rates=F)
    neurons = b2.NeuronGroup(1, eqs, threshold="v>vt", reset="v = vr", method="euler", namespace=ns)
    neurons.v = ns["El"]
    S = b2.Synapses(inp, neurons,
                    """w : 1
                       dApre/dt = -Apre / taupre : 1 (event-driven)
                       dApost/dt = -Apost / taupost : 1 (event-driven)""",
                    on_pre="""ge += w
                              Apre += dApre
                              w = clip(w + Apost, 0, gmax)""",
                    on_post="""Apost += dApost
                               w = clip(w + Apre, 0, gmax)""", namespace=ns)
    S.connect()
    S.w = "rand() * gmax"
    mon = b2.SpikeMonitor(neurons)
    t_build = time.perf_counter()
    b2.run(duration * b2.second, report=None)
    t_run = time.perf_counter()
    compile_s = 0.0
    simulate_s = t_run - t_build
    if target == "cpp_standalone":
        b2.device.build(directory=build_dir, compile=True, run=True, debug=False)
        t_done = time.perf_counter()
        # brian2 records the binary's own run time; the rest of build() is code generation + compile
        simulate_s = float(b2.device._last_run_time)
        compile_s = (t_done - t_build) - simulate_s
    w = np.asarray(S.w[:]) / gmax
    n_spikes = int(mon.num_spikes)  # read before the build folder (holding standalone results) goes
    import shutil
    shutil.rmtree(build_dir, ignore_errors=True)
    return dict(tool=f"brian2 {b2.__version__} {target}", import_s=t_import - t0, build_s=t_build - t_import,
                compile_s=compile_s, simulate_s=simulate_s, rate_hz=n_spikes / duration,
                w_mean=float(w.mean()), w_sd=float(w.std()), frac_low=float(np.mean(w < 0.1)),
                frac_high=float(np.mean(w > 0.9)), events=int(N * 15 * duration))


def worker_nest(duration: float, threads: int = 1) -> dict:
    t0 = time.perf_counter()
    import nest
    import numpy as np
    t_import = time.perf_counter()
    nest.set_verbosity("M_ERROR")
    nest.ResetKernel()
    nest.SetKernelStatus({"resolution": 0.1, "local_num_threads": threads, "rng_seed": 1})
    gmax = 0.01
    # iaf_cond_exp with g_L = C_m / tau_m so that a weight of 1 nS per g_L matches Brian2's ge.
    g_L = 10.0  # nS
    neuron = nest.Create("iaf_cond_exp", params=dict(C_m=g_L * 10.0, g_L=g_L, E_L=-74.0, V_th=-54.0, V_reset=-60.0,
                                                     t_ref=0.0, E_ex=0.0, tau_syn_ex=5.0, V_m=-74.0))
    inputs = nest.Create("poisson_generator", params={"rate": 15.0})
    parrots = nest.Create("parrot_neuron", 1000)
    nest.Connect(inputs, parrots)
    wmax = gmax * g_L
    nest.CopyModel("stdp_synapse", "sa", {"tau_plus": 20.0, "lambda": 0.01, "alpha": 1.05, "mu_plus": 0.0,
                                          "mu_minus": 0.0, "Wmax": wmax})
    nest.SetStatus(neuron, {"tau_minus": 20.0})
    nest.Connect(parrots, neuron, syn_spec={"synapse_model": "sa", "weight": nest.random.uniform(0.0, wmax)})
    rec = nest.Create("spike_recorder")
    nest.Connect(neuron, rec)
    t_build = time.perf_counter()
    nest.Simulate(duration * 1000.0)
    t_sim = time.perf_counter()
    conns = nest.GetConnections(parrots, neuron)
    w = np.array(conns.get("weight")) / wmax
    return dict(tool=f"nest {nest.__version__} ({threads} thread{'s' if threads > 1 else ''})",
                import_s=t_import - t0, build_s=t_build - t_import, compile_s=0.0, simulate_s=t_sim - t_build,
                rate_hz=rec.n_events / duration, w_mean=float(w.mean()), w_sd=float(w.std()),
                frac_low=float(np.mean(w < 0.1)), frac_high=float(np.mean(w > 0.9)), events=int(1000 * 15 * duration))


def run_worker(name: str, duration: float) -> dict | None:
    return run_json(name, [sys.executable, os.path.abspath(__file__), "--worker", name, "--duration", str(duration)])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--duration", type=float, default=100.0)
    ap.add_argument("--peers", default=",".join(PEERS), help="comma-separated: " + ", ".join(PEERS))
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        if args.worker == "hebblab":
            res = worker_hebblab(args.duration)
        elif args.worker.startswith("brian2-"):
            res = worker_brian2(args.duration, {"cpp": "cpp_standalone", "cython": "cython", "numpy": "numpy"}[args.worker[7:]])
        elif args.worker.startswith("nest"):
            res = worker_nest(args.duration, threads=int(args.worker[4:] or 1))
        else:
            raise SystemExit(f"unknown worker {args.worker}")
        print(json.dumps(res))
        return

    import platform
    print(f"Song-Abbott, {args.duration:g} s biological time, dt 0.1 ms; {platform.processor() or platform.machine()}, "
          f"{os.cpu_count()} cores, Python {platform.python_version()}")
    cold = run_worker("hebblab", args.duration)
    if cold is None:
        raise SystemExit(1)
    print(f"  hebblab first process (may compile): {cold['process_s']:.2f} s whole, compile {cold['compile_s']:.2f} s")
    results = [run_worker("hebblab", args.duration)]
    for peer in [p for p in args.peers.split(",") if p]:
        names = [peer] if peer != "nest" else ["nest1", "nest2"]
        for name in names:
            r = run_worker(name, args.duration)
            if r is not None:
                results.append(r)
    ours = results[0]
    head = f"{'tool':<34}{'build':>8}{'compile':>9}{'simulate':>10}{'process':>9}{'rate Hz':>9}{'<0.1':>7}{'>0.9':>7}{'sim ratio':>11}"
    print(head)
    for r in results:
        ratio = r["simulate_s"] / ours["simulate_s"]
        print(f"{r['tool']:<34}{r['build_s']:>8.2f}{r['compile_s']:>9.2f}{r['simulate_s']:>10.2f}{r['process_s']:>9.2f}"
              f"{r['rate_hz']:>9.1f}{r['frac_low']:>7.2f}{r['frac_high']:>7.2f}{ratio:>10.1f}x")
    print("sim ratio = peer's simulate time / hebblab's simulate time (higher: hebblab faster).")
    for r in results[1:]:
        print(f"hebblab whole process {ours['process_s']:.2f} s vs {r['tool']} simulate alone {r['simulate_s']:.2f} s: "
              f"{r['simulate_s'] / ours['process_s']:.1f}x")


if __name__ == "__main__":
    main()
