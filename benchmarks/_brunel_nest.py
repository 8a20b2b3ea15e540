"""NEST 3.10 side of benchmarks/brunel_stdp.py: the Brunel-STDP network in NEST, and the potentiation
NEST defers past the end of a run, applied so that the reported E->E weights are up to date.

What is built and how it differs from the benchmark's definition is in brunel_stdp.py's docstring.
Everything NEST prints goes to stderr (:func:`worker_nest` points file descriptor 1 there while
NEST runs), so the worker's stdout stays one JSON line.
"""

from __future__ import annotations

import contextlib
import math
import os
import sys
import time

import numpy as np

#: NEST reports the E->E weights of every WEIGHT_STRIDE-th excitatory neuron's outgoing synapses
#: (640,000 of 6.4 million at 10): reading a synapse's state costs ~15 us and ~3.5 kB in NEST.
WEIGHT_STRIDE = 10


def _log(text: str) -> None:
    print(f"[nest worker] {text}", file=sys.stderr, flush=True)


@contextlib.contextmanager
def stdout_to_stderr():
    """Send everything written to file descriptor 1 (NEST's C++ output included) to stderr."""
    sys.stdout.flush()
    saved = os.dup(1)
    os.dup2(2, 1)
    try:
        yield
    finally:
        sys.stdout.flush()
        os.dup2(saved, 1)
        os.close(saved)


def deferred_potentiation(src, tgt, w, kplus, post_ids, post_times, pre_ids, pre_times, t_end, d, tau, lam, wmax,
                          h=0.1):
    """E->E weights with the potentiation that NEST's ``stdp_synapse`` has not applied yet.

    NEST updates a synapse only when a pre spike goes through it: its weight at the end of a run
    lacks the potentiation of the post spikes that reached it (at ``t_post + d``, NEST's dendritic
    delay) after its last delivered pre spike ``t_last``. This applies, in time order and exactly
    as ``stdp_synapse::send`` would, ``w <- min(w + lam (wmax - w) Kplus exp((t_last - t_post - d)
    / tau), wmax)`` for every post spike with ``t_last < t_post + d <= t_end`` (times in ms, on
    the ``h`` grid). ``t_last`` is not readable from NEST; it is the pre spike (from the recorded
    ``pre_ids``/``pre_times``) after which the recomputed pre trace equals the synapse's
    ``Kplus`` (read from NEST). Returns ``(w, kplus_mismatch, pending)``: the updated weights,
    the largest difference between NEST's Kplus and the recomputed trace (~1e-12 when the
    reconstruction is right) and the number of post spikes applied."""
    src, tgt = np.asarray(src, np.int64), np.asarray(tgt, np.int64)
    w, kplus = np.array(w, np.float64), np.asarray(kplus, np.float64)
    # t_last per source neuron: match NEST's Kplus (the same for all of a source's synapses) against
    # the trace after each of its recorded spikes.
    by_src = np.argsort(src, kind="stable")
    sources, first = np.unique(src[by_src], return_index=True)
    k_nest = kplus[by_src][first]
    order = np.lexsort((pre_times, pre_ids))
    pid, pt = np.asarray(pre_ids)[order], np.asarray(pre_times, np.float64)[order]
    lo = np.searchsorted(pid, sources, "left")
    hi = np.searchsorted(pid, sources, "right")
    t_last = np.zeros(len(sources))
    mismatch = float(np.max(np.abs(kplus - k_nest[np.searchsorted(sources, src)]))) if len(src) else 0.0
    for n in range(len(sources)):
        if k_nest[n] == 0.0:  # nothing delivered yet: no trace, no potentiation
            continue
        times = pt[lo[n]:hi[n]]
        trace = np.empty(len(times))
        acc, prev = 0.0, 0.0
        for j, t in enumerate(times):
            acc = acc * math.exp((prev - t) / tau) + 1.0
            trace[j], prev = acc, t
        j = int(np.argmin(np.abs(trace - k_nest[n])))
        mismatch = max(mismatch, abs(float(trace[j] - k_nest[n])))
        t_last[n] = times[j]
    tl = t_last[np.searchsorted(sources, src)]
    # post spikes of each target in (t_last - d, t_end - d]: one sorted key per (target, time)
    big = t_end + 10 * d + 10.0
    keys = np.sort(np.asarray(post_ids, np.float64) * big + np.asarray(post_times, np.float64))
    base = tgt.astype(np.float64) * big
    idx = np.searchsorted(keys, base + tl - d + h / 2)
    stop = np.searchsorted(keys, base + t_end - d + h / 2)
    active = np.nonzero(idx < stop)[0]
    pending = int((stop - idx).sum())
    while len(active):
        tp = keys[idx[active]] - base[active]
        k = kplus[active] * np.exp((tl[active] - (tp + d)) / tau)
        norm = w[active] / wmax + lam * (1.0 - w[active] / wmax) * k
        w[active] = np.where(norm < 1.0, norm * wmax, wmax)
        idx[active] += 1
        active = active[idx[active] < stop[active]]
    return w, mismatch, pending


def read_connections(nest, sources: list[int], targets, keys: list[str], block: int = 50) -> dict:
    """``keys`` of the connections from the node ids ``sources`` to ``targets`` as float arrays, read ``block`` source
    neurons at a time: NEST's ``get`` builds a dictionary per connection (all 6.4e6 E->E connections
    at once took over 20 GB and about 90 s here)."""
    parts: dict[str, list] = {k: [] for k in keys}
    for i in range(0, len(sources), block):
        got = nest.GetConnections(nest.NodeCollection(sources[i:i + block]), targets).get(keys, output="")
        for k in keys:
            parts[k].append(np.asarray(got[k], np.float64).ravel())
    return {k: np.concatenate(v) for k, v in parts.items()}


def worker_nest(duration: float, threads: int, plastic: bool, p: dict, ne: int, ni: int, prob: float,
                seed: int = 1) -> dict:
    """Build and run the network in NEST; return the worker fields of brunel_stdp.py. ``p`` is
    hebblab.networks.BRUNEL (SI units)."""
    ms, mv = 1e-3, 1e-3
    os.environ.setdefault("PYNEST_QUIET", "1")
    with stdout_to_stderr():
        t0 = time.perf_counter()
        import nest
        if hasattr(nest, "VerbosityLevel"):
            nest.verbosity = nest.VerbosityLevel.ERROR
        else:
            nest.set_verbosity("M_ERROR")
        nest.ResetKernel()
        nest.SetKernelStatus({"resolution": 0.1, "local_num_threads": threads, "rng_seed": seed})
        d, tau = p["delay"] / ms, p["tau_stdp"] / ms
        # iaf_psc_delta: a spike of weight J moves V_m by J mV (C_m only scales I_e, which is 0)
        lif = dict(tau_m=p["tau_m"] / ms, C_m=1.0, E_L=0.0, V_reset=0.0, V_th=p["v_thresh"] / mv, V_m=0.0,
                   t_ref=p["t_ref"] / ms, I_e=0.0, refractory_input=False)
        E = nest.Create("iaf_psc_delta", ne, params=lif)
        I = nest.Create("iaf_psc_delta", ni, params=lif)
        drive = nest.Create("poisson_generator", params={"rate": p["n_in"] * p["rate_in"]})
        # one generator, an independent Poisson train for each target; delay d (any delay gives the same
        # statistics; d keeps NEST's min_delay, its communication interval, at 1.5 ms)
        nest.Connect(drive, E + I, syn_spec={"weight": p["w_in"] / mv, "delay": d})
        wmax = p["w_max"] / mv
        if plastic:
            E.set(tau_minus=tau)
            nest.CopyModel("stdp_synapse", "brunel_stdp", {"tau_plus": tau, "lambda": p["lam"], "alpha": p["alpha"],
                                                           "mu_plus": 1.0, "mu_minus": 1.0, "Wmax": wmax})
            ee = {"synapse_model": "brunel_stdp", "weight": p["w_ee"] / mv, "delay": d}
        else:
            ee = {"synapse_model": "static_synapse", "weight": p["w_ee"] / mv, "delay": d}

        def rule(autapses: bool) -> dict:
            return {"rule": "pairwise_bernoulli", "p": prob, "allow_autapses": autapses}

        nest.Connect(E, E, rule(False), ee)
        nest.Connect(E, I, rule(True), {"synapse_model": "static_synapse", "weight": p["w_ei"] / mv, "delay": d})
        nest.Connect(I, E, rule(True), {"synapse_model": "static_synapse", "weight": p["w_ie"] / mv, "delay": d})
        nest.Connect(I, I, rule(False), {"synapse_model": "static_synapse", "weight": p["w_ii"] / mv, "delay": d})
        rec_e, rec_i = nest.Create("spike_recorder"), nest.Create("spike_recorder")
        nest.Connect(E, rec_e, syn_spec={"delay": d})  # NEST's default 1 ms here would set min_delay to 1 ms
        nest.Connect(I, rec_i, syn_spec={"delay": d})
        t_build = time.perf_counter()
        _log(f"built in {t_build - t0:.1f} s")
        nest.Prepare()  # connection infrastructure, buffers
        t_prep = time.perf_counter()
        nest.Run(duration * 1000.0)
        t_run = time.perf_counter()
        _log(f"prepared in {t_prep - t_build:.1f} s, ran in {t_run - t_prep:.1f} s")
        nest.Cleanup()
        min_delay = nest.GetKernelStatus("min_delay")
        n_syn = nest.GetKernelStatus("num_connections") - 2 * (ne + ni)  # less the drive's and recorders'
        ev_e = rec_e.get("events")
        e0 = E.tolist()[0]
        # the E->E weights of every WEIGHT_STRIDE-th excitatory neuron's outgoing synapses (reading all costs ~90 s)
        c = read_connections(nest, E.tolist()[::WEIGHT_STRIDE], E, ["source", "target", "weight", "Kplus"] if plastic
                             else ["weight"])
        w_raw = c["weight"]
        if plastic:
            senders = np.asarray(ev_e["senders"]) - e0
            w, mismatch, pending = deferred_potentiation(c["source"] - e0, c["target"] - e0, w_raw, c["Kplus"], senders,
                                                         ev_e["times"], senders, ev_e["times"], duration * 1000.0, d,
                                                         tau, p["lam"], wmax)
        else:
            w, mismatch, pending = w_raw, 0.0, 0
        t_read = time.perf_counter()
        _log(f"read out in {t_read - t_run:.1f} s")
        out = dict(tool=f"nest {nest.__version__} ({threads} thr)", build_s=t_build - t0, compile_s=t_prep - t_build,
                   simulate_s=t_run - t_prep, rate_e=rec_e.n_events / ne / duration,
                   rate_i=rec_i.n_events / ni / duration, w_mean=float(w.mean()), w_sd=float(w.std()),
                   w_mean_raw=float(w_raw.mean()), w_sd_raw=float(w_raw.std()), kplus_mismatch=mismatch,
                   pending_posts=pending, w_read=len(w), readout_s=t_read - t_run, min_delay_ms=min_delay,
                   synapses=int(n_syn))
    return out
