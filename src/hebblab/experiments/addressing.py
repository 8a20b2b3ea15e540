r"""addressing: "there is no way to fire a specific neuron", and even if there were.

A recurrent network of current-based LIF neurons with plastic synapses (additive, all-to-all pair
STDP, hard bounds [0, w_max]) runs on independent Poisson background input. We pick one synapse
a -> b at random and try to potentiate it the only way STDP allows: by making a fire and b fire
``lag`` later, ``n_pairings`` times, granting the impossible, ideal stimulation of exactly those two
neurons (a 40 mV kick). What else changes?

Each replicate is a fresh random network, target and background, simulated three times from the
same initial state with the same background spikes:

* **control**: background only;
* **protocol**: background plus the pairing protocol on a and b;
* **one-spike control**: background plus ONE extra spike, at the protocol's start, in a neuron c
  that shares no synapse with a or b (no protocol).

The protocol's effect on synapse s is ``w_protocol - w_control``; the one-spike control's
``w_one_spike - w_control`` measures chaotic divergence: how many synapses a single spike
anywhere changes, through the network's sensitivity to perturbations, with no systematic
pairing. A synapse counts as changed when its effect exceeds ``threshold`` (10 %) of the target's
change. Synapses are split into those sharing a neuron with the target (pre or post is a or b)
and those elsewhere; for each group the **systematic** collateral fraction is the protocol's
fraction minus the one-spike control's, paired by replicate.

The target's change from the protocol alone (no background), with all-to-all pairing: pre
arrivals at ``s_k = t_k + d`` (axonal delay d), post spikes at ``u_k = t_k + lag``, period
``T = 1 / pairing_hz``, ``D = lag - d`` (the synapse sees the pre spike at its arrival)::

    LTP at u_n:  a+ sum_{m <= n} exp(-(D + (n - m) T) / tau+)
    LTD at s_n:  a- sum_{m <  n} exp(-((n - m) T - D) / tau-)

applied in time order and clipped to [0, w_max] after each update (:func:`isolated_target_dw`).
The reverse pairs (one pairing's post spike with the next pairings' pre arrivals) are the LTD
terms. In the network the background spikes of a and b pair with the protocol's spikes too.
"""

from __future__ import annotations

import numpy as np
from pydantic import Field

from .. import stats
from ..network import Network
from ..neurons import LIF, PoissonSource
from ..plasticity import PairSTDP
from ..units import mV, ms
from .base import Experiment, ExperimentConfig, Headline, Result, Verdict, progress_bar, register_experiment

CONDITIONS = ("control", "protocol", "one_spike")
KICK_MV = 40.0
TAU_PLUS_MS, TAU_MINUS_MS = 16.8, 33.7
A_PLUS, A_MINUS = 0.01, 0.0105  # in units of w_max


class Config(ExperimentConfig):
    replicates: int = Field(8, ge=2, le=200, description="independent networks (fresh connectivity, target, "
                                                         "background), simulated side by side")
    n: int = Field(200, ge=20, le=5000, description="neurons per network")
    p: float = Field(0.1, gt=0, le=1, description="connection probability (no autapses)")
    n_pairings: int = Field(60, ge=1, le=10_000, description="pairings of the target's pre and post neuron")
    pairing_hz: float = Field(10.0, gt=0, le=100, description="pairing repetition rate (Hz)")
    lag_ms: float = Field(5.0, gt=0, le=50, description="post kick after the pre kick (ms)")
    delay_ms: float = Field(1.0, ge=0.1, le=20, description="axonal delay of the recurrent synapses (ms)")
    background_hz: float = Field(1000.0, gt=0, le=5000, description="Poisson background rate per neuron (Hz)")
    background_mv: float = Field(2.8, gt=0, le=20, description="background synaptic jump (mV)")
    w_max_mv: float = Field(2.0, gt=0, le=20, description="upper bound of the recurrent weights (mV)")
    w_init: float = Field(0.5, ge=0, le=1, description="initial recurrent weight (units of w_max)")
    threshold: float = Field(0.1, gt=0, le=1, description="a synapse counts as changed above this fraction "
                                                          "of the target's change")
    settle_s: float = Field(0.5, ge=0.05, le=10, description="background alone before the protocol and "
                                                             "after it (s)")


def isolated_target_dw(config: Config) -> float:
    """The target's change (units of w_max) from the pairing protocol alone, no background.

    Events in time order: pre arrival ``s_k = t_k + d`` (LTD: ``a- sum_{m<k} exp(-(s_k -
    u_m)/tau-)``), post spike ``u_k = t_k + lag`` (LTP: ``a+ sum_{m<=k} exp(-(u_k -
    s_m)/tau+)``), w clipped to [0, 1] after each (all-to-all pair STDP; Morrison, Diesmann &
    Gerstner 2008, Biol. Cybern. 98:459).
    """
    period, d, lag = 1.0 / config.pairing_hz, config.delay_ms * ms, config.lag_ms * ms
    k = np.arange(config.n_pairings)
    s, u = k * period + d, k * period + lag
    w = config.w_init
    for n in range(config.n_pairings):
        w = max(0.0, w - A_MINUS * float(np.sum(np.exp(-(s[n] - u[:n]) / (TAU_MINUS_MS * ms)))))
        w = min(1.0, w + A_PLUS * float(np.sum(np.exp(-(u[n] - s[:n + 1]) / (TAU_PLUS_MS * ms)))))
    return w - config.w_init


def block_connectivity(config: Config, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """(pre, post) of ``replicates`` independent Erdos-Renyi networks, block r on neurons
    ``r n ... (r + 1) n - 1``: each ordered pair (no autapses) connected with probability p."""
    pres, posts = [], []
    n = config.n
    for r in range(config.replicates):
        m = rng.random((n, n)) < config.p
        np.fill_diagonal(m, False)
        i, j = np.nonzero(m)
        pres.append(i + r * n)
        posts.append(j + r * n)
    return np.concatenate(pres), np.concatenate(posts)


def build(config: Config, seed: int, pre: np.ndarray, post: np.ndarray):
    """One network holding every replicate under the three conditions: one Poisson background
    (one source per neuron of a replicate) feeds the control, protocol and one-spike populations
    one-to-one, so the three see the same background spikes; each population has the same
    recurrent synapses ``(pre, post)``. Returns ``(net, populations, projections)`` by condition."""
    net = Network(dt=0.1 * ms, seed=seed, threads=1)
    size = config.replicates * config.n
    bg = net.add(PoissonSource(n=size, rate=config.background_hz))
    w_max = config.w_max_mv * mV
    rule = PairSTDP(a_plus=A_PLUS * w_max, a_minus=A_MINUS * w_max, tau_plus=TAU_PLUS_MS * ms,
                    tau_minus=TAU_MINUS_MS * ms, w_max=w_max)
    pops, projs = {}, {}
    for label in CONDITIONS:
        pops[label] = net.add(LIF(n=size, tau_m=20 * ms, v_rest=-70 * mV, v_thresh=-54 * mV, v_reset=-65 * mV,
                                  t_ref=2 * ms, tau_e=5 * ms, tau_i=5 * ms))
        net.connect(bg, pops[label], w=config.background_mv * mV, connectivity="one_to_one")
    for label in CONDITIONS:
        projs[label] = net.connect(pops[label], pops[label], rule=rule, w=config.w_init * w_max,
                                   delay=config.delay_ms * ms, connectivity=(pre, post))
    return net, pops, projs


def choose_sites(config: Config, pre: np.ndarray, post: np.ndarray, rng: np.random.Generator):
    """Per replicate: a random target synapse (index into the projection's arrays), its pre a and
    post b, and a random neuron c that is neither and shares no synapse with a or b."""
    n = config.n
    block = pre // n
    targets, a, b, c = [], [], [], []
    for r in range(config.replicates):
        s = int(rng.choice(np.flatnonzero(block == r)))
        ar, br = int(pre[s]), int(post[s])
        touching = (pre == ar) | (pre == br) | (post == ar) | (post == br)
        near = set(pre[touching].tolist()) | set(post[touching].tolist()) | {ar, br}
        far = np.array([x for x in range(r * n, (r + 1) * n) if x not in near])
        if far.size == 0:
            raise ValueError("no neuron shares no synapse with the target's two neurons: lower p or raise n")
        targets.append(s)
        a.append(ar)
        b.append(br)
        c.append(int(rng.choice(far)))
    return np.array(targets), np.array(a), np.array(b), np.array(c)


def inject_protocol(config: Config, net: Network, pops: dict, a, b, c) -> None:
    """Kicks: a at t_k, b at t_k + lag (protocol population); c once at t_0 (one-spike population)."""
    t_pair = config.settle_s + np.arange(config.n_pairings) / config.pairing_hz
    reps = len(a)
    times = np.tile(t_pair, reps)
    net.inject(pops["protocol"], times, np.repeat(a, t_pair.size), KICK_MV * mV, kind="voltage")
    net.inject(pops["protocol"], times + config.lag_ms * ms, np.repeat(b, t_pair.size), KICK_MV * mV,
               kind="voltage")
    net.inject(pops["one_spike"], np.full(reps, config.settle_s), c, KICK_MV * mV, kind="voltage")


def replicate_numbers(config: Config, pre, post, dw: dict, targets, a, b) -> dict:
    """Per replicate: the target's change, and for synapses sharing a neuron with the target and
    elsewhere the fraction changed by more than ``threshold`` of it (protocol, one-spike control),
    the mean change of each class of sharing synapse and of the reverse synapse b -> a if there is
    one (NaN if not; units of w_max)."""
    n = config.n
    block = pre // n
    out = {k: [] for k in ("target_dw", "sharing_protocol", "sharing_one_spike", "elsewhere_protocol",
                           "elsewhere_one_spike", "n_sharing", "n_elsewhere", "sharing_mean_dw",
                           "elsewhere_mean_dw", "elsewhere_mean_dw_one_spike", "reverse_dw",
                           "out_of_a", "into_b", "into_a", "out_of_b")}
    eff_p = dw["protocol"] - dw["control"]
    eff_1 = dw["one_spike"] - dw["control"]
    for r, (s, ar, br) in enumerate(zip(targets, a, b)):
        mine = block == r
        mine[s] = False
        shares = mine & ((pre == ar) | (pre == br) | (post == ar) | (post == br))
        elsewhere = mine & ~shares
        target = float(eff_p[s])
        thr = config.threshold * abs(target)
        out["target_dw"].append(target)
        for group, mask in (("sharing", shares), ("elsewhere", elsewhere)):
            out[f"{group}_protocol"].append(float(np.mean(np.abs(eff_p[mask]) > thr)))
            out[f"{group}_one_spike"].append(float(np.mean(np.abs(eff_1[mask]) > thr)))
        out["n_sharing"].append(int(shares.sum()))
        out["n_elsewhere"].append(int(elsewhere.sum()))
        out["sharing_mean_dw"].append(float(np.mean(eff_p[shares])))
        out["elsewhere_mean_dw"].append(float(np.mean(eff_p[elsewhere])))
        out["elsewhere_mean_dw_one_spike"].append(float(np.mean(eff_1[elsewhere])))
        reverse = np.flatnonzero(mine & (pre == br) & (post == ar))
        out["reverse_dw"].append(float(eff_p[reverse[0]]) if reverse.size else float("nan"))
        for name, mask in (("out_of_a", pre == ar), ("into_b", post == br), ("into_a", post == ar),
                           ("out_of_b", pre == br)):
            m = mine & mask
            out[name].append(float(np.mean(eff_p[m])) if m.any() else float("nan"))
    return {k: np.asarray(v, float) for k, v in out.items()}


def _finite_estimate(values) -> dict | None:
    x = np.asarray(values, float)
    x = x[np.isfinite(x)]
    return stats.estimate(x) if x.size >= 2 else None


def run(config: Config, seed: int = 1, progress: bool = False) -> Result:
    rng = np.random.default_rng(seed)
    pre, post = block_connectivity(config, rng)
    with progress_bar(progress, 1, "addressing") as bar:
        net, pops, projs = build(config, seed, pre, post)
        pre_s, post_s = projs["control"].pre_index.astype(np.int64), projs["control"].post_index.astype(np.int64)
        targets, a, b, c = choose_sites(config, pre_s, post_s, rng)
        inject_protocol(config, net, pops, a, b, c)
        monitors = {label: net.monitor(pops[label]) for label in CONDITIONS}
        w0 = projs["control"].w.astype(float)
        duration = 2 * config.settle_s + config.n_pairings / config.pairing_hz
        net.run(duration)
        bar.advance()
    w_max = config.w_max_mv * mV
    dw = {label: (projs[label].w.astype(float) - w0) / w_max for label in CONDITIONS}
    per = replicate_numbers(config, pre_s, post_s, dw, targets, a, b)
    rates = {label: np.bincount(monitors[label].i // config.n, minlength=config.replicates)
             / (config.n * duration) for label in CONDITIONS}

    est = stats.estimate
    headline = {
        "target_dw": est(per["target_dw"]),
        "target_dw_isolated": isolated_target_dw(config),
        "sharing": {"protocol": est(per["sharing_protocol"]), "one_spike": est(per["sharing_one_spike"]),
                    "systematic": est(per["sharing_protocol"] - per["sharing_one_spike"])},
        "elsewhere": {"protocol": est(per["elsewhere_protocol"]), "one_spike": est(per["elsewhere_one_spike"]),
                      "systematic": est(per["elsewhere_protocol"] - per["elsewhere_one_spike"])},
        "sharing_mean_dw": est(per["sharing_mean_dw"]),
        "elsewhere_mean_dw": {"protocol": est(per["elsewhere_mean_dw"]),
                              "one_spike": est(per["elsewhere_mean_dw_one_spike"])},
        "synapses_sharing": est(per["n_sharing"]),
        "synapses_elsewhere": est(per["n_elsewhere"]),
        "rate_hz": {label: est(rates[label]) for label in CONDITIONS},
        "settings": {"neurons": config.n, "n_pairings": config.n_pairings, "pairing_hz": config.pairing_hz,
                     "lag_ms": config.lag_ms, "delay_ms": config.delay_ms, "threshold": config.threshold},
    }
    classes = {name: _finite_estimate(per[name]) for name in ("out_of_a", "into_b", "into_a", "out_of_b")}
    tables = {
        "replicates": {"replicate": list(range(config.replicates)), "a": a.tolist(), "b": b.tolist(),
                       "c": c.tolist(), **{k: v.tolist() for k, v in per.items()},
                       **{f"rate_hz_{k}": v.tolist() for k, v in rates.items()}},
        "sharing_classes": {"class": list(classes),
                            "mean_dw": [e["mean"] if e else float("nan") for e in classes.values()],
                            "ci_low": [e["ci95"][0] if e else float("nan") for e in classes.values()],
                            "ci_high": [e["ci95"][1] if e else float("nan") for e in classes.values()],
                            "n": [e["n"] if e else 0 for e in classes.values()]},
    }
    tables["histogram"] = _histogram(pre_s, post_s, dw, targets, a, b, per["target_dw"], config.n)
    notes = [
        "Changes are in units of w_max. A synapse counts as changed when |its change| exceeds "
        f"{config.threshold:g} of the target's change in the same replicate; protocol and one-spike changes are "
        "measured against the control with the same network, initial state and background spikes.",
        "systematic = protocol fraction minus one-spike-control fraction, paired by replicate: the part of the "
        "collateral change that chaotic divergence after one unrelated spike does not explain.",
        "target_dw_isolated is the closed form of the protocol alone (no background spikes), with the axonal "
        f"delay: pairs at lag - delay = {config.lag_ms - config.delay_ms:g} ms, all-to-all sums over the repeated "
        "pairings including the reverse pairs, hard bounds.",
    ]
    kinds = {"target_dw_isolated": "closed-form", **{f"settings.{k}": "setting" for k in headline["settings"]}}
    return Result(headline, tables, notes, kinds)


def _histogram(pre, post, dw, targets, a, b, target_dw, n, bins: int = 80) -> dict:
    """Counts of each synapse's change relative to its replicate's target change, by group."""
    block = pre // n
    rel_p = (dw["protocol"] - dw["control"]) / np.abs(target_dw[block])
    rel_1 = (dw["one_spike"] - dw["control"]) / np.abs(target_dw[block])
    shares = np.zeros(pre.size, bool)
    for ar, br in zip(a, b):
        shares |= (pre == ar) | (pre == br) | (post == ar) | (post == br)
    others = np.ones(pre.size, bool)
    others[targets] = False
    edges = np.linspace(-1.0, 1.0, bins + 1)
    clip = lambda x: np.clip(x, -1.0, 1.0)  # noqa: E731  (changes beyond the target's go in the end bins)
    return {"low": edges[:-1].tolist(), "high": edges[1:].tolist(),
            "protocol_sharing": np.histogram(clip(rel_p[others & shares]), edges)[0].tolist(),
            "protocol_elsewhere": np.histogram(clip(rel_p[others & ~shares]), edges)[0].tolist(),
            "one_spike_sharing": np.histogram(clip(rel_1[others & shares]), edges)[0].tolist(),
            "one_spike_elsewhere": np.histogram(clip(rel_1[others & ~shares]), edges)[0].tolist()}


def _bar(ax, x, value, color, label=None):
    lo, hi = value["ci95"]
    m = value["mean"]
    ax.bar(x, m, 0.38, color=color, label=label, yerr=[[m - lo], [hi - m]], capsize=4, ecolor="#222")


def figures(result: Result):
    from matplotlib.figure import Figure
    h = result.headline
    fig = Figure(figsize=(11, 3.8))
    axes = fig.subplots(1, 3)
    for ax, group, title in ((axes[0], "sharing", "synapses sharing a neuron with the target"),
                             (axes[1], "elsewhere", "synapses elsewhere")):
        _bar(ax, 0, h[group]["protocol"], "#c55", "protocol - control")
        _bar(ax, 0.4, h[group]["one_spike"], "#58a", "one extra spike - control")
        _bar(ax, 1.1, h[group]["systematic"], "#555", "difference (systematic)")
        ax.axhline(0, color="#999", lw=0.8)
        ax.set_xticks([0.2, 1.1], ["changed", "systematic"])
        ax.yaxis.set_major_formatter(lambda v, _: f"{100 * v:.0f} %" if abs(v) >= 0.1 else f"{100 * v:.1f} %")
        ax.set(title=title, ylabel=f"fraction changed > {100 * h['settings']['threshold']:g} % of target (95 % CI)")
        ax.title.set_fontsize(9)
    handles, labels = axes[0].get_legend_handles_labels()
    per = result.tables["replicates"]["target_dw"]
    ax = axes[2]
    ax.plot(np.zeros(len(per)) + np.linspace(-0.1, 0.1, len(per)), per, "o", color="#c55", alpha=0.6,
            label="each replicate")
    t = h["target_dw"]
    ax.errorbar([0.35], [t["mean"]], yerr=[[t["mean"] - t["ci95"][0]], [t["ci95"][1] - t["mean"]]], fmt="s",
                color="#222", capsize=4, label="mean, 95 % CI")
    ax.axhline(h["target_dw_isolated"], color="#3a6", ls="--", label="protocol alone (closed form)")
    ax.set_xlim(-0.5, 0.8)
    ax.set_xticks([])
    ax.set(title="target synapse", ylabel="change of the target (w / w_max)")
    ax.title.set_fontsize(9)
    h2, l2 = ax.get_legend_handles_labels()
    fig.legend(handles + h2, labels + l2, loc="lower center", ncol=6, fontsize=7, frameon=False)
    fig.tight_layout(rect=(0, 0.07, 1, 1))

    hist = result.tables["histogram"]
    centres = (np.asarray(hist["low"]) + np.asarray(hist["high"])) / 2
    fig2 = Figure(figsize=(7, 4))
    ax = fig2.subplots()
    for key, label, style in (("protocol_sharing", "protocol, sharing a neuron", "-"),
                              ("protocol_elsewhere", "protocol, elsewhere", "-"),
                              ("one_spike_sharing", "one extra spike, sharing a neuron", ":"),
                              ("one_spike_elsewhere", "one extra spike, elsewhere", ":")):
        counts = np.asarray(hist[key], float)
        ax.step(centres, np.where(counts > 0, counts, np.nan), where="mid", ls=style, label=label)
    thr = result.headline["settings"]["threshold"]
    for x in (-thr, thr):
        ax.axvline(x, color="#999", ls="--", lw=0.8)
    ax.set_yscale("log")
    ax.set(xlabel=f"change relative to the target's change (clipped to ±1; dashed: ±{100 * thr:g} % threshold)",
           ylabel="synapses (all replicates)", title="collateral changes against the control")
    ax.legend(fontsize=7)
    fig2.tight_layout()
    return [("collateral_fractions", fig), ("collateral_changes", fig2)]


def finding(result: Result) -> str:
    h = result.headline
    f = stats.fmt
    s, e, st = h["sharing"], h["elsewhere"], h["settings"]
    n = h["target_dw"]["n"]
    em = h["elsewhere_mean_dw"]
    return (
        f"Pairing one synapse's two neurons {st['n_pairings']} times with ideal stimulation changed the target by "
        f"{f(h['target_dw'], 3)} w_max ({n} networks; the protocol alone, without background, gives "
        f"{f(h['target_dw_isolated'], 3)} in closed form; the difference is the background, whose spikes "
        "of a and b pair with the protocol's too). Which part is systematic: among the synapses sharing a neuron with the target, "
        f"{f(s['protocol'], 2, True)} changed by more than {100 * st['threshold']:g} % of the target's change, against "
        f"{f(s['one_spike'], 2, True)} after one extra spike in an unrelated neuron, so the systematic collateral "
        f"fraction there is {f(s['systematic'], 2, True)}, nearly all of it (mean change "
        f"{f(h['sharing_mean_dw'], 2)} w_max: every synapse out of or into a and b is paired with the protocol's "
        f"spikes and the background's). Elsewhere {f(e['protocol'], 2, True)} changed under the protocol and "
        f"{f(e['one_spike'], 2, True)} after one unrelated spike, a difference of {f(e['systematic'], 2, True)}"
        f"{_elsewhere_words(e['systematic'])}; the protocol's mean change elsewhere is "
        f"{f(em['protocol'], 2)} w_max per synapse against {f(em['one_spike'], 2)} after one spike"
        f"{_sign_words(em['protocol'])}. The one-spike control matches the protocol's onset, not its "
        f"up to {2 * st['n_pairings']} kicked spikes, so it bounds the chaotic divergence from below. Conditions: "
        f"recurrent networks of {st['neurons']} LIF neurons ({_size(result)}) firing at "
        f"{f(h['rate_hz']['control'], 2, unit='Hz')} on Poisson background, additive all-to-all STDP with hard "
        f"bounds, pairings at {st['pairing_hz']:g} Hz with {st['lag_ms']:g} ms lag over a "
        f"{st['delay_ms']:g} ms axonal delay; the premise that "
        "no specific neuron can be fired is granted away here, not tested."
    )


def _elsewhere_words(v: dict) -> str:
    lo, hi = v["ci95"]
    if lo <= 0 <= hi:
        return (", an interval that includes zero: outside the target's two neurons the collateral change is no "
                "larger than the chaotic divergence that one extra spike causes")
    if lo > 0:
        return ": beyond the target's two neurons the protocol changes more synapses than one extra spike does"
    return ": one extra spike changes more synapses elsewhere than the protocol does"


def _sign_words(v: dict) -> str:
    lo, hi = v["ci95"]
    if lo <= 0 <= hi:
        return " (an interval that includes zero: no systematic sign)"
    return (", a net change of one sign that the one-spike control's reshuffling of pairings does not show: part "
            "of the change elsewhere is the protocol's spikes spreading through the network, small per synapse")


def _size(result: Result) -> str:
    n = result.tables["replicates"]
    per = np.asarray(n["n_sharing"]) + np.asarray(n["n_elsewhere"]) + 1
    return f"about {int(round(float(np.mean(per)))):,} synapses each"


#: The verdict's threshold: a systematic collateral fraction among synapses sharing a neuron with
#: the target whose whole 95 % interval lies above it means ideal stimulation does not set one synapse alone.
SUPPORT_ABOVE = 0.05


def verdicts(result: Result) -> list:
    v = result.get("sharing.systematic")
    supported = v["ci95"][0] > SUPPORT_ABOVE
    return [Verdict(
        claim="no-addressing",
        verdict="supported" if supported else "qualified",
        headline="sharing.systematic",
        criterion=("supported if the 95 % interval of the systematic collateral fraction among synapses sharing a "
                   "neuron with the target (protocol minus one-extra-spike control) lies above "
                   f"{100 * SUPPORT_ABOVE:g} %: then even ideal stimulation of the two neurons does not set one synapse "
                   "alone, and the conclusion holds without the premise; qualified otherwise (the conclusion then "
                   "rests on the untested premise that no specific neuron can be fired)"),
        conditions=("ideal kicks of exactly the two neurons; random recurrent LIF networks with Poisson background, "
                    f"additive all-to-all STDP; changed = more than {100 * result.get('settings.threshold'):g} % of the "
                    "target's change; the premise itself "
                    "(no way to fire a specific neuron) is not tested"),
    )]


register_experiment(Experiment(
    name="addressing",
    question="Can one synapse be set by driving its two neurons, without changing the others?",
    about=("In recurrent plastic networks we try to write a single synapse by pairing its pre- and post-synaptic "
           "neurons, granting the impossible: stimulation of exactly those two neurons. Against a control with the "
           "same background we count the other synapses the protocol changed, and against a second control with "
           "one extra spike in an unrelated neuron we separate the systematic collateral change (every synapse "
           "of the two neurons is paired as well) from chaotic divergence (any extra spike reshuffles later "
           "spikes and so the background's pairings)."),
    config=Config,
    quick=dict(replicates=8),
    full=dict(replicates=20),
    run=run,
    figures=figures,
    summary=(
        Headline("sharing.systematic", "systematic collateral fraction, synapses sharing a neuron with the target "
                 "(protocol minus one-spike control)", percent=True, digits=2),
        Headline("elsewhere.systematic", "systematic collateral fraction, synapses elsewhere", percent=True,
                 digits=2),
        Headline("elsewhere.one_spike", "synapses elsewhere changed by one extra unrelated spike (chaotic "
                 "divergence)", percent=True, digits=2),
        Headline("target_dw", "change of the target synapse under the pairing protocol", unit="w_max", digits=3),
    ),
    finding=finding,
    verdicts=verdicts,
))
