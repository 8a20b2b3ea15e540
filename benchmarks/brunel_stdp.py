"""Brunel (2000) network with E->E STDP (Zenke & Gerstner 2014; Auryn's sim_brunel2k_pl; the
SNNSimulatorComparison benchmark): hebblab against Brian2 cpp_standalone and NEST, same network,
one invocation, ratios and agreement checks printed.

8,000 excitatory + 2,000 inhibitory LIF neurons with delta synapses: tau_m 20 ms, rest 0,
threshold 20 mV, reset 0, refractory 2 ms (v clamped, input discarded); every neuron gets a
Poisson input of 1,000 sources at 20 Hz, weight 0.1 mV (a binomial count per neuron and step:
hebblab's ``net.poisson_input``, Brian2's ``PoissonInput``); all four pathways Bernoulli p = 0.1
(no self-connections), delay 1.5 ms; weights E->E 0.1 mV (plastic), E->I 0.1 mV, I->E and I->I
-0.5 mV. E->E STDP, all-to-all: on pre ``w <- clip(w - lambda alpha w A_post, 0, w_max)``, on post
``w <- clip(w + lambda (w_max - w) A_pre, 0, w_max)``, tau_pre = tau_post = 20 ms, w_max 0.3 mV,
lambda 0.01, alpha 2.02 (hebblab: ``PairSTDP(a_plus=lambda, a_minus=lambda alpha, mu=1)``).
dt 0.1 ms. Two variants (``--variants``): ``plastic`` (the benchmark) and ``static`` (E->E
static too).

Brian2 discards input during refractoriness by ``int(not_refractory)`` factors on the synaptic and
Poisson weights (``(unless refractory)`` only stops the integration). With v_reset = v_rest the
two simulators' membrane updates are the same (tests/test_delta_synapse.py).

NEST 3.10 (``nest``, a peer by default where ``import nest`` works; benchmarks/_brunel_nest.py),
built as closely as NEST allows:

- ``iaf_psc_delta`` with tau_m 20 ms, E_L = V_reset = V_m(0) = 0, V_th 20 mV, t_ref 2 ms,
  ``refractory_input=False`` (V_m clamped at V_reset, input arriving while refractory
  discarded), I_e 0, no lower bound (V_min default), C_m 1 pF (irrelevant: a spike of weight J
  moves V_m by J mV whatever C_m; C_m only scales I_e). Weights are in mV as above.
- Drive: one ``poisson_generator`` at 1000 x 20 Hz = 20 kHz connected to every neuron with weight
  0.1 mV; NEST sends each target its own train, a Poisson count per step (mean 2 per 0.1 ms)
  instead of a binomial one (1000 trials, p = 0.002: variance 1.996 instead of 2.000). Its delay
  is 1.5 ms, so the drive starts 1.5 ms late (statistically the same process otherwise), and
  NEST's min_delay, its communication interval, stays 1.5 ms; the spike recorders' connections
  get 1.5 ms for the same reason (NEST's default 1 ms would lower min_delay to 1 ms).
- Connectivity: ``pairwise_bernoulli`` p = 0.1 for all four pathways, ``allow_autapses=False``
  for E->E and I->I, delay 1.5 ms; ``static_synapse`` for E->I, I->E, I->I (and E->E in the
  static variant); NEST's own random streams (``rng_seed`` 1), so a different network and drive
  than hebblab's (seed 1) and Brian2's (unseeded), and, in NEST, a different one for each thread
  count.
- E->E plastic: ``stdp_synapse`` with mu_plus = mu_minus = 1, lambda 0.01, alpha 2.02, tau_plus
  20 ms, Wmax 0.3 mV, and tau_minus 20 ms on the excitatory neurons. NEST updates w / Wmax:
  potentiation ``w/Wmax <- min(w/Wmax + lambda (1 - w/Wmax)^mu_plus K_plus, 1)``, depression
  ``w/Wmax <- max(w/Wmax - alpha lambda (w/Wmax)^mu_minus K_minus, 0)``. Multiplying by Wmax, with
  mu = 1: ``w <- min(w + lambda (Wmax - w) K_plus, Wmax)`` and ``w <- max(w - lambda alpha w
  K_minus, 0)``: the benchmark's rule with A_pre = K_plus, A_post = K_minus (both +1 per spike,
  all-to-all, decaying with 20 ms), lambda and alpha unchanged and Wmax = w_max; the
  normalisation cancels exactly for mu = 1 (in general NEST's lambda is hebblab's a_plus /
  Wmax^(1 - mu_plus)). What differs is when pairs are counted:
  * NEST counts the delay as dendritic: a pre spike acts at the synapse when it is sent (t_pre), a
    post spike at t_post + 1.5 ms, so a pair's lag is t_post + d - t_pre; Brian2 and hebblab count
    it as axonal (the pre acts on arrival): t_post - t_pre - d. The same spike pair is 3 ms more
    causal in NEST (NEST's stdp_synapse has no axonal delay to set).
  * A pre and a post that meet at the synapse in the same step (lag 0) do not pair in NEST; in
    Brian2 and hebblab they are a causal pair. NEST transmits the weight after the pre spike's
    update, Brian2 (``v_post += w`` first) the weight before it.
  * NEST applies a post spike's potentiation only when the synapse's next pre spike is sent, so
    its weights at the end of a run lack the potentiation of the post spikes after each synapse's
    last pre spike (+0.95 uV on the mean after 0.3 s here, about a 1 s run's net change in
    Brian2). The NEST worker applies it after the run (``_brunel_nest.deferred_potentiation``:
    the post spikes with t_last < t_post + d <= T, exactly as stdp_synapse::send would; t_last is
    found from the synapse's Kplus; checked against NEST itself on small spike trains) and
    reports both (``w mean``: applied; the agreement line also gives the weights as read). Pre
    spikes of the last 1.5 ms are not delivered by NEST before the next Run, like those in flight
    in Brian2 and hebblab. NEST's weights are those of every 10th excitatory neuron's outgoing
    E->E synapses (640,000; reading all 6.4e6 takes ~90 s and over 20 GB through NEST's per-
    connection dictionaries); they are exchangeable, so the mean and SD are estimates of the
    whole's to well under 0.1 uV.
- Input timing: NEST adds an input to V_m in the step it arrives, after that step's decay and
  before its threshold test; Brian2 and hebblab add it after the threshold test and decay it one
  step before the next test. With the same 1.5 ms delay NEST's recurrent latency, spike to the
  target's threshold test, is 15 steps against 16, and each input counts w instead of
  w exp(-dt/tau_m) = 0.995 w; the refractory window of discarded input is 20 steps in both and
  shifted alike. Thresholds: NEST and hebblab V >= V_th, Brian2 v > theta. (Delay 1.6 ms and all
  weights and Wmax times exp(-dt/tau_m) would make NEST's membrane dynamics the others'; not
  done: NEST runs the stated parameters.)
- Timing: ``build`` = import + create + connect; ``compile`` = ``nest.Prepare()`` (NEST's
  connection infrastructure); ``simulate`` = ``nest.Run(duration)`` (``nest.Simulate`` is
  Prepare + Run + Cleanup), the counterpart of hebblab's run after its first step and of Brian2's
  ``_last_run_time``. NEST's threads: ``local_num_threads``.

Every tool, thread count and variant runs ``--repeats`` times in its own process, interleaved in
rounds (round 1: hebblab, Brian2, NEST at each thread count and variant; round 2: ...), after one
uncounted short hebblab run per variant and thread count (it compiles or loads the kernel);
the tables give the median and the range of the seconds per simulated second, and the ratios
are Brian2's (fewest threads) median over each median.

Published wall seconds per simulated second, plastic (SNNSimulatorComparison, i7-4770K one
thread): Auryn 8.13, Brian2 27.5, NEST 62.4; GeNN on a GTX 1070: 2.44.

    python benchmarks/brunel_stdp.py [--duration 1] [--threads 1,2] [--repeats 3] [--variants plastic,static]
                                     [--peers brian2-cpp,nest] [--static]
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
    second, dt = hl.second, float(net.dt)  # hl.second: 1.0 or a pint quantity, whichever hebblab has
    t_build = time.perf_counter()
    net.run(dt * second, threads=threads)  # loads (or compiles) the kernel
    t_load = time.perf_counter()
    net.run((duration - dt) * second, threads=threads)
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


def worker_nest(duration: float, threads: int, plastic: bool) -> dict:
    from _brunel_nest import worker_nest as run
    return run(duration, threads, plastic, _params(), NE, NI, P)  # its timer starts after this import


WORKERS = {"hebblab": worker_hebblab, "brian2-cpp": worker_brian2, "nest": worker_nest}
MODULES = {"hebblab": "hebblab", "brian2-cpp": "brian2", "nest": "nest"}
VARIANTS = ("plastic", "static")


def _median(xs: list[float]) -> float:
    import statistics
    return statistics.median(xs)


def _version(dist: str) -> str:
    import importlib.metadata
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def _importable(module: str) -> bool:
    import importlib.util
    return importlib.util.find_spec(module) is not None  # finds it without importing (NEST prints at import)


def _variant_list(text: str) -> list[str]:
    out = [v for v in text.split(",") if v]
    if not out or any(v not in VARIANTS for v in out):
        raise argparse.ArgumentTypeError(f"must be comma-separated {' and/or '.join(VARIANTS)} (got {text!r})")
    return out


def _report(kind: str, rows: list[dict], duration: float, repeats: int) -> None:
    """One variant's tables: per tool and thread count the medians over its runs, the ratio table
    (reference = Brian2's median with the fewest threads) and the agreement checks."""
    w0 = _params()["w_ee"] / MV
    print(f"\n{kind} E->E: seconds per simulated second (simulate / duration), median and [min-max] of {repeats} "
          f"run(s); build and compile: medians; rates and weights: the median run's")
    print(f"{'tool':38} {'build':>6} {'compile':>8} {'s/s':>7} {'[min-max]':>15} {'E Hz':>6} {'I Hz':>6} "
          f"{'w mean':>8} {'w sd':>8} {'synapses':>10}")
    for r in rows:
        sps = [x["simulate_s"] / duration for x in r["runs"]]
        m = sorted(r["runs"], key=lambda x: x["simulate_s"])[(len(sps) - 1) // 2]
        r.update(median=_median(sps), lo=min(sps), hi=max(sps), med_run=m)
        span = f"[{min(sps):.2f}-{max(sps):.2f}]"
        print(f"{r['tool']:38} {_median([x['build_s'] for x in r['runs']]):6.2f} "
              f"{_median([x['compile_s'] for x in r['runs']]):8.2f} {r['median']:7.2f} {span:>15} {m['rate_e']:6.2f} "
              f"{m['rate_i']:6.2f} {m['w_mean']:8.5f} {m['w_sd']:8.5f} {m['synapses']:10d}")
    b2 = [r for r in rows if r["name"] == "brian2-cpp"]
    if not b2:
        print("ratios: no Brian2 run (they are Brian2 cpp_standalone's median with the fewest threads / each median)")
    else:
        ref = min(b2, key=lambda r: r["threads"])
        threads = sorted({r["threads"] for r in rows})
        print(f"ratio = {ref['tool']} median / each median (higher: faster than that Brian2 run)")
        print(f"  {'tool':30}" + "".join(f"{f'{t} thr':>9}" for t in threads))
        for name in dict.fromkeys(r["name"] for r in rows):
            cells = {r["threads"]: ref["median"] / r["median"] for r in rows if r["name"] == name}
            label = next(r["tool"].split(" (")[0] for r in rows if r["name"] == name)
            print(f"  {label:30}" + "".join(f"{cells[t]:9.2f}" if t in cells else f"{'-':>9}" for t in threads))
    heb = {r["threads"]: r for r in rows if r["name"] == "hebblab"}
    for r in rows:
        if r["name"] == "hebblab" or not heb:
            continue
        h = heb.get(r["threads"], next(iter(heb.values())))
        hm, rm = h["med_run"], r["med_run"]
        its = ", ".join(f"{x['rate_e']:.2f}" for x in r["runs"])
        line = (f"  {r['tool']} vs {h['tool']}: simulate {r['median'] / h['median']:.2f}x; E rate {hm['rate_e']:.2f} "
                f"vs {rm['rate_e']:.2f} Hz (its runs: {its}), I rate {hm['rate_i']:.2f} vs {rm['rate_i']:.2f} Hz")
        if kind == "plastic":
            line += (f"; E->E w mean change {(hm['w_mean'] - w0) * 1e3:+.2f} vs {(rm['w_mean'] - w0) * 1e3:+.2f} uV, "
                     f"w sd {hm['w_sd'] * 1e3:.2f} vs {rm['w_sd'] * 1e3:.2f} uV")
            if "w_mean_raw" in rm:
                line += (f" (NEST as read, before its deferred potentiation: {(rm['w_mean_raw'] - w0) * 1e3:+.2f} uV, "
                         f"sd {rm['w_sd_raw'] * 1e3:.2f} uV; Kplus check {rm['kplus_mismatch']:.1e})")
        print(line)
    print("  extra CPU during each run (stolen by the hypervisor / used by other processes, s): "
          + "; ".join(f"{r['tool']} " + ", ".join(f"{x.get('steal_s', 0):.2f}/{x.get('other_cpu_s', 0):.2f}"
                                                for x in r["runs"]) for r in rows))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--duration", type=float, default=1.0, help="simulated seconds per run (default 1)")
    ap.add_argument("--threads", type=thread_list, default="1,2", help="comma-separated thread counts (default 1,2)")
    ap.add_argument("--variants", type=_variant_list, default=None,
                    help="comma-separated: plastic, static (default both; plastic: E->E STDP, static: all static)")
    ap.add_argument("--static", action="store_true", help="the static network only (same as --variants static)")
    default_peers = "brian2-cpp" + (",nest" if _importable("nest") else "")
    ap.add_argument("--peers", default=default_peers,
                    help=f"comma-separated: brian2-cpp, nest (default: {default_peers}; nest where importable)")
    ap.add_argument("--repeats", type=int, default=3,
                    help="runs of every tool / thread count / variant, interleaved in rounds (default 3)")
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    ap.add_argument("--worker-threads", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        print(json.dumps(WORKERS[args.worker](args.duration, args.worker_threads, not args.static)))
        return
    if args.static and args.variants not in (None, ["static"]):
        ap.error("--static conflicts with --variants " + ",".join(args.variants))
    variants = ["static"] if args.static else args.variants or list(VARIANTS)
    if args.repeats < 1:
        ap.error(f"--repeats must be >= 1 (got {args.repeats})")
    peers = list(dict.fromkeys(t for t in args.peers.split(",") if t))
    unknown = [t for t in peers if t not in WORKERS or t == "hebblab"]
    if unknown:
        ap.error(f"unknown peer(s) {', '.join(unknown)}: choose from brian2-cpp, nest")
    tools = ["hebblab"]
    for t in peers:
        if _importable(MODULES[t]):
            tools.append(t)
        else:
            print(f"{t}: skipped ({MODULES[t]} is not importable here)")
    import platform
    load0 = os.getloadavg()
    print(f"Brunel-STDP ({', '.join(variants)} E->E), {NE} + {NI} LIF, {args.duration:g} s at dt 0.1 ms, "
          f"{args.repeats} round(s) of {', '.join(tools)} on {','.join(map(str, args.threads))} thread(s); "
          f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}", flush=True)

    def cmd(tool: str, threads: int, kind: str, duration: float) -> list[str]:
        return [sys.executable, os.path.abspath(__file__), "--duration", str(duration), "--worker", tool,
                "--worker-threads", str(threads)] + (["--static"] if kind == "static" else [])

    for kind in variants:  # uncounted: the first process of a structure compiles (or loads) hebblab's kernel
        for threads in args.threads:
            run_json(f"hebblab {kind} ({threads} thr, compile run)",
                     cmd("hebblab", threads, kind, min(args.duration, 0.02)))
    rows = {kind: [dict(name=t, threads=th, tool=None, runs=[]) for t in tools for th in args.threads]
            for kind in variants}
    for rnd in range(args.repeats):
        for kind in variants:
            for row in rows[kind]:
                r = run_json(f"{row['name']} {kind} ({row['threads']} thr)", cmd(row["name"], row["threads"], kind,
                                                                               args.duration))
                if r is None:
                    continue
                row["tool"] = row["tool"] or r["tool"]
                row["runs"].append(r)
                print(f"  round {rnd + 1}/{args.repeats} {kind}: {r['tool']} {r['simulate_s'] / args.duration:.2f} s/s",
                      flush=True)
    for kind in variants:
        done = [r for r in rows[kind] if r["runs"]]
        if done:
            _report(kind, done, args.duration, args.repeats)
    load1 = os.getloadavg()
    print(f"\nmachine: load average (1, 5, 15 min) before {' '.join(f'{x:.2f}' for x in load0)}, after "
          f"{' '.join(f'{x:.2f}' for x in load1)}; os.cpu_count() {os.cpu_count()}; hebblab {_version('hebblab')}, "
          f"numba {_version('numba')}, brian2 {_version('brian2')}, nest {_version('nest-simulator')}")


if __name__ == "__main__":
    main()
