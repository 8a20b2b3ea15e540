"""Brunel (2000) network with E->E STDP (Zenke & Gerstner 2014; Auryn's sim_brunel2k_pl; the
SNNSimulatorComparison benchmark): hebblab against Brian2 cpp_standalone, same network, one
invocation, ratios and agreement checks printed.

8,000 excitatory + 2,000 inhibitory LIF neurons with delta synapses: tau_m 20 ms, rest 0,
threshold 20 mV, reset 0, refractory 2 ms (v clamped, input discarded); every neuron gets a
Poisson input of 1,000 sources at 20 Hz, weight 0.1 mV (a binomial count per neuron and step:
hebblab's ``net.poisson_input``, Brian2's ``PoissonInput``); all four pathways Bernoulli p = 0.1
(no self-connections), delay 1.5 ms; weights E->E 0.1 mV (plastic), E->I 0.1 mV, I->E and I->I
-0.5 mV. E->E STDP, all-to-all: on pre ``w <- clip(w - lambda alpha w A_post, 0, w_max)``, on post
``w <- clip(w + lambda (w_max - w) A_pre, 0, w_max)``, tau_pre = tau_post = 20 ms, w_max 0.3 mV,
lambda 0.01, alpha 2.02 (hebblab: ``PairSTDP(a_plus=lambda, a_minus=lambda alpha, mu=1)``).
dt 0.1 ms. Also the same network with static E->E synapses (``--static``).

Brian2 discards input during refractoriness by ``int(not_refractory)`` factors on the synaptic and
Poisson weights (``(unless refractory)`` only stops the integration). With v_reset = v_rest the
two simulators' membrane updates are the same (tests/test_delta_synapse.py).

Published wall seconds per simulated second, plastic (SNNSimulatorComparison, i7-4770K one
thread): Auryn 8.13, Brian2 27.5, NEST 62.4; GeNN on a GTX 1070: 2.44.

    python benchmarks/brunel_stdp.py [--duration 1] [--threads 1,2] [--static] [--peers brian2-cpp]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _process import run_json, thread_list  # noqa: E402

MS, MV = 1e-3, 1e-3


def _params() -> dict:
    """The network's parameters, shared with hebblab's builder (hebblab.networks.BRUNEL)."""
    from hebblab.networks import BRUNEL
    return BRUNEL


NE, NI, P = 8000, 2000, 0.1


def worker_hebblab(duration: float, threads: int, plastic: bool) -> dict:
    t0 = time.perf_counter()
    import numpy as np
    import hebblab as hl
    from hebblab.networks import brunel_stdp_network
    net, E, I, ee = brunel_stdp_network(plastic=plastic, seed=1, threads=threads)
    me, mi = net.monitor(E), net.monitor(I)
    t_build = time.perf_counter()
    net.run(net.dt, threads=threads)  # loads (or compiles) the kernel
    t_load = time.perf_counter()
    net.run(duration - net.dt, threads=threads)
    t_done = time.perf_counter()
    w = np.asarray(ee.w) / MV
    return dict(tool=f"hebblab {hl.__version__} ({threads} thr)", build_s=t_build - t0, compile_s=t_load - t_build,
                simulate_s=t_done - t_load, rate_e=len(me) / NE / duration, rate_i=len(mi) / NI / duration,
                w_mean=float(w.mean()), w_sd=float(w.std()), synapses=sum(len(j.w) for j in net.projections))


def worker_brian2(duration: float, threads: int, plastic: bool) -> dict:
    t0 = time.perf_counter()
    import brian2 as b2
    import numpy as np
    from brian2 import Hz, ms, mV
    p = _params()
    assert (p["n_e"], p["n_i"], p["p"]) == (NE, NI, P)
    build_dir = tempfile.mkdtemp(prefix="hebblab_bench_brunel_b2_")
    b2.set_device("cpp_standalone", directory=build_dir, build_on_run=False)
    b2.prefs.devices.cpp_standalone.openmp_threads = threads
    b2.defaultclock.dt = 0.1 * ms
    ns = dict(taum=p["tau_m"] * b2.second, theta=p["v_thresh"] * b2.volt, wmax=p["w_max"] * b2.volt, lam=p["lam"],
              alpha=p["alpha"], tau=p["tau_stdp"] * b2.second)
    G = b2.NeuronGroup(NE + NI, "dv/dt = -v / taum : volt (unless refractory)", threshold="v > theta",
                       reset="v = 0*mV", refractory=p["t_ref"] * b2.second, method="exact", namespace=ns)
    E, I = G[:NE], G[NE:]
    drive = b2.PoissonInput(G, "v", p["n_in"], p["rate_in"] * Hz,
                            weight=f"{p['w_in'] / MV!r}*mV*int(not_refractory)")
    if plastic:
        ee = b2.Synapses(E, E, """w : volt
                                  dApre/dt = -Apre / tau : 1 (event-driven)
                                  dApost/dt = -Apost / tau : 1 (event-driven)""",
                         on_pre="""v_post += w * int(not_refractory_post)
                                   Apre += 1
                                   w = clip(w - lam * alpha * w * Apost, 0*mV, wmax)""",
                         on_post="""Apost += 1
                                    w = clip(w + lam * (wmax - w) * Apre, 0*mV, wmax)""", namespace=ns)
    else:
        ee = b2.Synapses(E, E, "w : volt", on_pre="v_post += w * int(not_refractory_post)")
    ee.connect(condition="i != j", p=P)
    ee.w = p["w_ee"] * b2.volt
    others = []
    for pre, post, w, same in ((E, I, p["w_ei"], False), (I, E, p["w_ie"], False), (I, I, p["w_ii"], True)):
        s = b2.Synapses(pre, post, on_pre=f"v_post += {w / MV!r}*mV * int(not_refractory_post)")
        s.connect(condition="i != j" if same else None, p=P)
        others.append(s)
    for s in [ee, *others]:
        s.delay = p["delay"] * b2.second
    mon = b2.SpikeMonitor(G)
    net = b2.Network(G, drive, ee, *others, mon)  # explicit: the magic network misses objects in a list
    t_build = time.perf_counter()
    net.run(duration * b2.second, report=None)
    b2.device.build(directory=build_dir, compile=True, run=False, debug=False)
    b2.device.run(directory=build_dir)
    t_done = time.perf_counter()
    sim = float(b2.device._last_run_time)
    idx = np.asarray(mon.i[:])
    w = np.asarray(ee.w[:]) / mV
    out = dict(tool=f"brian2 {b2.__version__} cpp_standalone ({threads} thr)", build_s=t_build - t0,
               compile_s=(t_done - t_build) - sim, simulate_s=sim, rate_e=float((idx < NE).sum()) / NE / duration,
               rate_i=float((idx >= NE).sum()) / NI / duration, w_mean=float(w.mean()), w_sd=float(w.std()),
               synapses=len(w) + sum(len(s) for s in others))
    shutil.rmtree(build_dir, ignore_errors=True)
    return out


WORKERS = {"hebblab": worker_hebblab, "brian2-cpp": worker_brian2}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--duration", type=float, default=1.0)
    ap.add_argument("--threads", type=thread_list, default="1,2")
    ap.add_argument("--static", action="store_true", help="static E->E synapses (default: plastic)")
    ap.add_argument("--peers", default="brian2-cpp")
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    ap.add_argument("--worker-threads", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args()
    plastic = not args.static
    if args.worker:
        print(json.dumps(WORKERS[args.worker](args.duration, args.worker_threads, plastic)))
        return
    import platform
    kind = "plastic" if plastic else "static"
    print(f"Brunel-STDP ({kind} E->E), {NE} + {NI} LIF, {args.duration:g} s at dt 0.1 ms; {platform.machine()}, "
          f"{os.cpu_count()} cores, Python {platform.python_version()}")
    base = [sys.executable, os.path.abspath(__file__), "--duration", str(args.duration)] + (["--static"] if args.static else [])
    results = []
    for tool in ["hebblab"] + [t for t in args.peers.split(",") if t]:
        for threads in args.threads:
            cmd = base + ["--worker", tool, "--worker-threads", str(threads)]
            if tool == "hebblab":
                run_json(f"{tool} (compile run)", cmd)  # the reported run finds its kernel cached
            r = run_json(f"{tool} ({threads} thr)", cmd)
            if r is not None:
                results.append(r)
    print(f"{'tool':38} {'build':>6} {'compile':>8} {'simulate':>9} {'s/s':>7} {'E Hz':>6} {'I Hz':>6} "
          f"{'w mean':>8} {'w sd':>8} {'synapses':>10}")
    for r in results:
        print(f"{r['tool']:38} {r['build_s']:6.2f} {r['compile_s']:8.2f} {r['simulate_s']:9.2f} "
              f"{r['simulate_s'] / args.duration:7.2f} {r['rate_e']:6.2f} {r['rate_i']:6.2f} {r['w_mean']:8.5f} "
              f"{r['w_sd']:8.5f} {r['synapses']:10d}")
    heb = {r["tool"].split("(")[1]: r for r in results if r["tool"].startswith("hebblab")}
    for r in results:
        if r["tool"].startswith("hebblab"):
            continue
        for thr, h in heb.items():
            print(f"{r['tool']} / hebblab ({thr}: simulate {r['simulate_s'] / h['simulate_s']:.2f}x; "
                  f"E rate {h['rate_e']:.2f} vs {r['rate_e']:.2f} Hz, w mean {h['w_mean']:.5f} vs {r['w_mean']:.5f} mV")
    print("extra CPU during each run (stolen by the hypervisor / other processes, s): "
          + "; ".join(f"{r['tool']} {r.get('steal_s', 0):.2f}/{r.get('other_cpu_s', 0):.2f}" for r in results))


if __name__ == "__main__":
    main()
