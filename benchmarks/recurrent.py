"""Recurrent LIF network benchmark: hebblab against Brian2 cpp_standalone and NEST, same network.

10,000 current-based LIF neurons (tau_m 20 ms, threshold -50 mV, reset -60 mV, 2 ms refractory,
exponential synaptic current tau 5 ms, exact integration in all three), each driven by its own
Poisson input (1000 Hz, 3.5 mV) and by k random recurrent excitatory synapses (k = 100 or 1000,
weight 20 mV / k, 1.5 ms delay), static or with additive all-to-all STDP (tau 20 ms, w_max twice
the initial weight, a+ 1 %, a- 1.05 % of w_max). 2 s of biological time at dt 0.1 ms.

Each simulator runs in a fresh process, one after the other; each reports build, compile and
simulate time, the mean firing rate, the recurrent weights' mean and SD, and peak memory. The
script checks that the rates agree within 10 % and prints hebblab's ratio to each peer. With
``--repeat N`` every configuration runs N times, in N rounds of one run each (so a change of the
machine's state falls on every tool alike), and medians are compared; each run's notes say what
else the machine did meanwhile and how far apart the host had put the two CPUs (_process.py)::

    python benchmarks/recurrent.py [--k 100] [--duration 2] [--peers brian2-cpp,brian2-cython,nest] [--threads 1,2]
                                   [--index compact|fast|both] [--potentiation auto|eager|deferred|both] [--repeat N]
                                   [--static | --stdp-only]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _process import si_floats, run_json, thread_list  # noqa: E402  (shared with the other benchmark scripts)

N = 10_000
MS, MV = 1e-3, 1e-3


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _children_peak_mb(fn) -> float:
    """Call ``fn()`` and return the largest peak resident memory (VmHWM, MB) of any child process
    seen meanwhile, polling /proc every 10 ms: Brian2 cpp_standalone simulates in a separate
    binary, whose memory the Python process's own peak does not include."""
    import threading
    me, peak, done = os.getpid(), [0.0], threading.Event()

    def poll():
        while not done.is_set():
            for pid in os.listdir("/proc"):
                if not pid.isdigit():
                    continue
                try:
                    with open(f"/proc/{pid}/status") as f:
                        st = dict(ln.split(":", 1) for ln in f if ":" in ln)
                except OSError:
                    continue
                if int(st.get("PPid", "0")) == me and "VmHWM" in st:
                    peak[0] = max(peak[0], int(st["VmHWM"].split()[0]) / 1024)
            done.wait(0.01)

    th = threading.Thread(target=poll, daemon=True)
    th.start()
    try:
        fn()
    finally:
        done.set()
        th.join()
    return peak[0]


@si_floats
def worker_hebblab(k: int, stdp: bool, duration: float, threads: int, index: str = "compact",
                   potentiation: str = "auto") -> dict:
    t0 = time.perf_counter()

    import hebblab
    from hebblab.networks import recurrent_network
    net, neurons, rec = recurrent_network(n=N, k=k, stdp=stdp, seed=1, index=index)
    net.threads = threads
    net.potentiation = potentiation
    sp = net.monitor(neurons)
    t_build = time.perf_counter()
    net.run(net.dt)
    t_compile = time.perf_counter()
    net.run(duration - net.dt)
    t_sim = time.perf_counter()
    w = rec.w / MV
    extra = (f", {index} index" if index != "compact" else "") + (", eager" if potentiation == "eager" else "")
    return dict(tool=f"hebblab {hebblab.__version__} ({threads} thr{extra})", build_s=t_build - t0, compile_s=t_compile - t_build,
                simulate_s=t_sim - t_compile, rate_hz=len(sp) / N / duration, w_mean=float(w.mean()),
                w_sd=float(w.std()), synapses=len(rec), peak_mb=_peak_mb())


def worker_brian2(k: int, stdp: bool, duration: float, threads: int, target: str = "cpp_standalone") -> dict:
    t0 = time.perf_counter()
    import brian2 as b2
    import numpy as np
    from brian2 import Hz, ms, mV
    build_dir = tempfile.mkdtemp(prefix="hebblab_bench_rec_b2_")
    if target == "cpp_standalone":
        b2.set_device("cpp_standalone", directory=build_dir, build_on_run=False)
        b2.prefs.devices.cpp_standalone.openmp_threads = threads
    else:  # runtime mode; the cython cache persists between runs so that a warm run can be timed
        b2.prefs.codegen.target = "cython"
        b2.prefs.codegen.runtime.cython.cache_dir = os.path.join(tempfile.gettempdir(), "hebblab_bench_rec_cython")
    b2.defaultclock.dt = 0.1 * ms
    w0 = 20.0 / k
    ns = dict(taum=20 * ms, El=-70 * mV, vt=-50 * mV, vr=-60 * mV, taue=5 * ms, wmax=2 * w0 * mV,
              dApre=0.01 * 2 * w0 * mV, dApost=-0.0105 * 2 * w0 * mV, taupre=20 * ms, taupost=20 * ms)
    G = b2.NeuronGroup(N, """dv/dt = (El - v + I) / taum : volt (unless refractory)
                            dI/dt = -I / taue : volt""", threshold="v >= vt", reset="v = vr",
                       refractory=2 * ms, method="exact", namespace=ns)
    G.v = -70 * mV
    drive = b2.PoissonInput(G, "I", 1, 1000 * Hz, weight=3.5 * mV)  # noqa: F841  (the magic network collects it by name)
    if stdp:
        S = b2.Synapses(G, G, """w : volt
                                 dApre/dt = -Apre / taupre : volt (event-driven)
                                 dApost/dt = -Apost / taupost : volt (event-driven)""",
                        on_pre="""I_post += w
                                  Apre += dApre
                                  w = clip(w + Apost, 0*mV, wmax)""",
                        on_post="""Apost += dApost
                                   w = clip(w + Apre, 0*mV, wmax)""", namespace=ns)
    else:
        S = b2.Synapses(G, G, "w : volt", on_pre="I_post += w", namespace=ns)
    S.connect(condition="i != j", p=k / N)
    S.w = w0 * mV
    S.delay = 1.5 * ms
    mon = b2.SpikeMonitor(G)
    t_build = time.perf_counter()
    b2.run(duration * b2.second, report=None)
    if target == "cpp_standalone":
        b2.device.build(directory=build_dir, compile=True, run=False, debug=False)
        binary_mb = _children_peak_mb(lambda: b2.device.run(directory=build_dir))
        t_done = time.perf_counter()
        sim = float(b2.device._last_run_time)
        name = f"cpp_standalone ({threads} thr)"
    else:
        t_done = time.perf_counter()
        sim = t_done - t_build
        name = "cython (warm cache)"
    w = np.asarray(S.w[:]) / mV
    out = dict(tool=f"brian2 {b2.__version__} {name}", build_s=t_build - t0,
               compile_s=(t_done - t_build) - sim, simulate_s=sim, rate_hz=mon.num_spikes / N / duration,
               w_mean=float(w.mean()), w_sd=float(w.std()), synapses=len(w),
               peak_mb=max(_peak_mb(), binary_mb) if target == "cpp_standalone" else _peak_mb())
    shutil.rmtree(build_dir, ignore_errors=True)
    return out


def worker_nest(k: int, stdp: bool, duration: float, threads: int) -> dict:
    t0 = time.perf_counter()
    import nest
    import numpy as np
    nest.set_verbosity("M_ERROR")
    nest.ResetKernel()
    nest.SetKernelStatus({"resolution": 0.1, "local_num_threads": threads, "rng_seed": 1})
    c_m, tau_m = 250.0, 20.0
    pa_per_mv = c_m / tau_m  # iaf_psc_exp: a jump of I by w pA moves v like a jump of w/(C/tau) mV
    pop = nest.Create("iaf_psc_exp", N, params=dict(C_m=c_m, tau_m=tau_m, E_L=-70.0, V_th=-50.0, V_reset=-60.0,
                                                    t_ref=2.0, tau_syn_ex=5.0, tau_syn_in=5.0, V_m=-70.0, I_e=0.0))
    ext = nest.Create("poisson_generator", params={"rate": 1000.0})
    nest.Connect(ext, pop, syn_spec={"weight": 3.5 * pa_per_mv, "delay": 0.1})
    w0 = 20.0 / k * pa_per_mv
    conn = {"rule": "pairwise_bernoulli", "p": k / N, "allow_autapses": False}
    if stdp:
        nest.SetStatus(pop, {"tau_minus": 20.0})
        syn = {"synapse_model": "stdp_synapse", "weight": w0, "delay": 1.5, "tau_plus": 20.0, "lambda": 0.01,
               "alpha": 1.05, "mu_plus": 0.0, "mu_minus": 0.0, "Wmax": 2 * w0}
    else:
        syn = {"synapse_model": "static_synapse", "weight": w0, "delay": 1.5}
    nest.Connect(pop, pop, conn, syn)
    rec = nest.Create("spike_recorder")
    nest.Connect(pop, rec)
    t_build = time.perf_counter()
    nest.Simulate(duration * 1000.0)
    t_sim = time.perf_counter()
    w = np.array(nest.GetConnections(pop, pop).get("weight")) / pa_per_mv
    return dict(tool=f"nest {nest.__version__} ({threads} thr)", build_s=t_build - t0, compile_s=0.0,
                simulate_s=t_sim - t_build, rate_hz=rec.n_events / N / duration, w_mean=float(w.mean()),
                w_sd=float(w.std()), synapses=len(w), peak_mb=_peak_mb())


def worker_brian2_cython(k: int, stdp: bool, duration: float, threads: int) -> dict:
    return worker_brian2(k, stdp, duration, 1, target="cython")


@si_floats
def plain_loop_events_per_s(k: int, rows: int = 100_000, seed: int = 0) -> float:
    """Events per second of issue 4's yardstick, "a plain compiled loop over random targets", on
    one core, measured now (best of three): ``rows`` random rows of a random CSR matrix (N
    neurons, k float32 weights and int32 targets per row), each weight added to its target's
    input. It moves with the machine's state, as hebblab's own figure does."""
    import numpy as np
    from numba import njit

    @njit(cache=False)
    def deliver(order, indptr, post, w, acc):
        for j in order:
            for s in range(indptr[j], indptr[j + 1]):
                acc[post[s]] += w[s]

    rng = np.random.default_rng(seed)
    indptr = np.arange(N + 1, dtype=np.int64) * k
    post = rng.integers(0, N, N * k).astype(np.int32)
    w = rng.random(N * k, dtype=np.float32)
    acc = np.zeros(N, np.float32)
    order = rng.integers(0, N, rows)
    deliver(order[:10], indptr, post, w, acc)  # compile
    best = float("inf")
    for _ in range(3):
        t0 = time.perf_counter()
        deliver(order, indptr, post, w, acc)
        best = min(best, time.perf_counter() - t0)
    return rows * k / best


WORKERS = {"hebblab": worker_hebblab, "brian2-cpp": worker_brian2, "brian2-cython": worker_brian2_cython,
           "nest": worker_nest}


def _cmd(name, k, stdp, duration, threads, index="compact", potentiation="auto"):
    return [sys.executable, os.path.abspath(__file__), "--worker", name, "--k", str(k), "--duration", str(duration),
            "--threads", str(threads), "--index", index, "--potentiation", potentiation] + (["--static"] if not stdp else [])


def run_rounds(configs: list[tuple[str, list]], repeat: int) -> list[dict | None]:
    """Run every configuration ``repeat`` times, each run in a fresh process, in rounds (one run of
    each configuration per round), so that a change of the machine's state part-way (see
    _process.py) falls on every tool alike. Returns, per configuration, its run with the median
    simulate time (``runs`` lists them all), or None where it never ran."""
    runs: list[list[dict]] = [[] for _ in configs]
    for _ in range(repeat):
        for c, (name, cmd) in enumerate(configs):
            r = run_json(name, cmd)
            if r is not None:
                runs[c].append(r)
    out = []
    for rs in runs:
        if not rs:
            out.append(None)
            continue
        med = sorted(rs, key=lambda r: r["simulate_s"])[(len(rs) - 1) // 2]
        out.append(dict(med, runs=rs))
    return out


def _run_note(r: dict) -> str:
    env = f"; {r['steal_s']:.2f} / {r['other_cpu_s']:.2f}" if "steal_s" in r else ""
    if "handoff_ns" in r:
        env += "; {:.0f} / {:.0f} ns".format(*r["handoff_ns"])
    return f"{r['simulate_s']:.2f} ({r['cpu_s']:.2f}{env})"


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--k", type=int, default=100)
    ap.add_argument("--duration", type=float, default=2.0)
    ap.add_argument("--peers", default="brian2-cpp,brian2-cython,nest",
                    help="comma-separated: brian2-cpp, brian2-cython, nest")
    ap.add_argument("--threads", type=thread_list, default="1,2")
    ap.add_argument("--static", action="store_true", help="static synapses only (default: both)")
    ap.add_argument("--stdp-only", action="store_true", help="STDP synapses only (default: both)")
    ap.add_argument("--index", default="compact", choices=("compact", "fast", "both"), help="hebblab's synapse index")
    ap.add_argument("--potentiation", default="auto", choices=("auto", "eager", "deferred", "both"),
                    help="hebblab's potentiation (auto: deferred for long rows where the rule allows)")
    ap.add_argument("--repeat", type=int, default=1,
                    help="runs per configuration (every tool alike); the median simulate time is reported")
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.repeat < 1:
        ap.error(f"--repeat must be >= 1 (got {args.repeat})")
    if args.worker:
        threads = args.threads[0]
        kw = {"index": args.index, "potentiation": args.potentiation} if args.worker == "hebblab" else {}
        print(json.dumps(WORKERS[args.worker](args.k, not args.static, args.duration, threads, **kw)))
        return
    import platform
    print(f"Recurrent LIF, N = {N}, k = {args.k}, {args.duration:g} s at dt 0.1 ms; {platform.machine()}, "
          f"{os.cpu_count()} cores, Python {platform.python_version()}")
    modes = [False] if args.static else [True] if args.stdp_only else [False, True]
    for stdp in modes:
        print(f"\n{'STDP' if stdp else 'static'} synapses")
        thread_counts = args.threads
        indexes = ["compact", "fast"] if args.index == "both" else [args.index]
        potentiations = ["auto", "eager"] if args.potentiation == "both" and stdp else [args.potentiation]
        variants = [(i, pt) for i in indexes for pt in potentiations]
        configs = []
        for th in thread_counts:
            for index, pt in variants:
                configs.append(("hebblab", _cmd("hebblab", args.k, stdp, args.duration, th, index, pt)))
        n_ours = len(configs)
        for peer in [p for p in args.peers.split(",") if p]:
            for th in (thread_counts if peer != "brian2-cython" else [1]):
                configs.append((peer, _cmd(peer, args.k, stdp, args.duration, th)))
        for name, cmd in configs:  # fill the compile caches (hebblab's kernels, Brian2 cython's modules)
            if name in ("hebblab", "brian2-cython"):
                run_json(name, cmd)
        done = run_rounds(configs, args.repeat)
        ours_all = done[:n_ours]
        peers = [r for r in done[n_ours:] if r is not None]
        ours = ours_all[len(variants) * (len(thread_counts) - 1)]  # the most threads, first variant
        results = ours_all + peers
        events = ours["rate_hz"] * N * args.duration * args.k
        print(f"{'tool':<36}{'build':>7}{'compile':>9}{'simulate':>10}{'process':>9}{'rate':>7}{'w mean':>8}{'w sd':>7}"
              f"{'MB':>7}{'ratio':>8}")
        for r in results:
            print(f"{r['tool']:<36}{r['build_s']:>7.2f}{r['compile_s']:>9.2f}{r['simulate_s']:>10.2f}{r['process_s']:>9.2f}"
                  f"{r['rate_hz']:>7.2f}{r['w_mean']:>8.4f}{r['w_sd']:>7.4f}{r['peak_mb']:>7.0f}"
                  f"{r['simulate_s'] / ours['simulate_s']:>7.1f}x")
        print("each run: simulate s (process CPU s; meanwhile stolen by the hypervisor / used by other processes, s;"
              " cache-line round trip between two CPUs before / after, ns: ~55 near, ~350 far)")
        for r in results:
            print(f"  {r['tool']}: " + ", ".join(_run_note(x) for x in r["runs"]))
        plain = plain_loop_events_per_s(args.k)
        print(f"hebblab: {events:.3g} recurrent synaptic events, {events / ours['simulate_s']:.3g} per second; a plain"
              f" compiled loop over random targets does {plain:.3g} per second on one core now")
        if peers:
            best = min(peers, key=lambda r: r["simulate_s"])
            print(f"{ours['tool']} is {best['simulate_s'] / ours['simulate_s']:.2f}x faster than the fastest peer "
                  f"({best['tool']}); ratio column = simulate time / {ours['tool']}'s")
        for r in results:
            if r is ours:
                continue
            agree = abs(r["rate_hz"] - ours["rate_hz"]) <= 0.1 * r["rate_hz"]
            print(f"  rate vs {r['tool']}: {'agrees' if agree else 'DIFFERS'} within 10 %")


if __name__ == "__main__":
    main()
