r"""Song, Miller & Abbott 2000 (Nat. Neurosci. 3:919): competitive Hebbian learning through STDP.

1000 Poisson inputs drive one conductance-based LIF neuron through additive STDP with hard
bounds. Song, Miller & Abbott report two properties of the learned state (their Fig. 2): the
synaptic strengths split into a bimodal distribution, pushed towards 0 and g_max, and the
neuron's output rate after learning depends only weakly on the input rate, whereas with the same
synapses held fixed it rises steeply. With multiplicative STDP (mu = 1) the distribution is
unimodal instead (Rubin, Lee & Sompolinsky 2001, Phys. Rev. Lett. 86:364; Gütig, Aharonov, Rotter
& Sompolinsky 2003, J. Neurosci. 23:3697).

This experiment checks the engine against those criteria, with the network of Brian2's
``examples/synapses/STDP.py`` (the benchmark network, :func:`hebblab.networks.build_network`):
taum 10 ms, El -74 mV, Ee 0 mV, vt -54 mV, vr -60 mV, taue 5 ms (no inhibitory inputs, unlike
the paper); taupre = taupost = 20 ms, gmax 0.01, dApre = 0.01 gmax, dApost = -1.05 dApre, all-to-all
pairing; initial w uniform in [0, gmax]. The multiplicative rule has
``dw = a+ (w_max - w) x_pre`` / ``-a- w y_post`` with the same step as the additive rule at
w = w_max / 2.

Replicates are independent neurons inside one network (each with its own 1000 inputs, its own
initial weights), simulated side by side:

1. **learning**: additive neurons at ``rate_hz`` for ``duration_s`` (weight snapshots throughout,
   so the drift over the last 10 % of the run says whether it has converged);
2. **input-rate sweep**: at each rate of ``sweep_rates_hz``, for ``sweep_duration_s``, the
   neurons of each replicate share one set of inputs: the learned weights learning on (additive)
   and the same weights held fixed; at ``rate_hz`` the fixed-weight neuron only (the learning
   neuron's rate there is that of the last 10 % of phase 1). Output rates are counted over the
   last ``measure_fraction`` of the sweep;
3. **multiplicative**: neurons with the multiplicative rule from the same initial weights at
   ``rate_hz`` for ``multiplicative_s`` (its distribution settles within seconds).

Bimodality is measured by the fraction of weights within 0.1 g_max of each bound and by Sarle's
bimodality coefficient ``BC = (g^2 + 1) / (k + 3 (n - 1)^2 / ((n - 2)(n - 3)))`` (g the sample
skewness, k the sample excess kurtosis; BC > 5/9, the uniform distribution's value, suggests
bimodality: Pfister, Schwarz, Janczyk, Dale & Freeman 2013, Front. Psychol. 4:700).
"""

from __future__ import annotations

from typing import Annotated

import numpy as np
from pydantic import Field, model_validator

from .. import stats
from ..network import Network
from ..neurons import LIF, PoissonSource
from ..plasticity import PairSTDP
from ..units import mV, ms
from .base import Experiment, ExperimentConfig, Headline, Result, progress_bar, register_experiment

GMAX = 0.01
D_PRE = 0.01 * GMAX
KINDS = ("additive", "multiplicative", "fixed")
NEAR = 0.1  # "near a bound": within 0.1 g_max of it
UNIFORM_BC = 5 / 9

#: Peers' numbers, measured by this project (benchmarks/RESULTS.md, section "Song-Abbott",
#: 2026-11-28 session 4): one 100 s run each of the same network, with each tool's own seeding.
PEERS_MEASURED_HERE = (
    ("Brian2 2.9.0 cpp_standalone", 24.2, 0.24, 0.20),
    ("Brian2 2.9.0 cython", 26.6, 0.23, 0.19),
    ("NEST 3.10.0, 1 thread", 16.7, 0.23, 0.16),
    ("NEST 3.10.0, 2 threads", 15.8, 0.22, 0.17),
)

Rate = Annotated[float, Field(gt=0, le=200)]


class Config(ExperimentConfig):
    replicates: int = Field(5, ge=2, le=200, description="independent neurons (own inputs, own initial weights)")
    n_inputs: int = Field(1000, ge=100, le=10_000, description="Poisson inputs per neuron")
    rate_hz: float = Field(15.0, gt=0, le=200, description="input rate while learning (Hz)")
    duration_s: float = Field(250.0, ge=10, le=100_000, description="learning time (biological seconds)")
    samples: int = Field(100, ge=20, le=10_000, description="weight snapshots over the learning run")
    compare_at_s: float = Field(100.0, gt=0, le=100_000, description="time of the snapshot compared with the "
                                                                    "peers' 100 s runs (s)")
    sweep_rates_hz: tuple[Rate, ...] = Field((30.0,), min_length=1, max_length=10,
                                             description="input rates of the sweep besides rate_hz (Hz)")
    sweep_duration_s: float = Field(60.0, ge=2, le=100_000, description="time at each sweep rate (s)")
    multiplicative_s: float = Field(30.0, ge=2, le=100_000, description="time of the multiplicative rule's run "
                                                                       "at rate_hz (s)")
    measure_fraction: float = Field(0.5, gt=0, le=1, description="output rates are counted over this last "
                                                                 "fraction of each sweep run")

    @model_validator(mode="after")
    def _compare_within_run(self):
        if self.compare_at_s > self.duration_s:
            raise ValueError(f"compare_at_s must be <= duration_s = {self.duration_s:g} (got {self.compare_at_s:g})")
        return self


def neuron_model(n: int) -> LIF:
    """The Brian2 example's neuron: ``taum dv/dt = (El - v) + g_e (Ee - v)``, ``taue dg_e/dt = -g_e``."""
    return LIF(n=n, tau_m=10 * ms, v_rest=-74 * mV, v_thresh=-54 * mV, v_reset=-60 * mV, t_ref=0.0,
               synapse="conductance", tau_e=5 * ms, e_e=0 * mV)


def rule(kind: str) -> PairSTDP | None:
    """Additive (mu = 0) or multiplicative (mu = 1, same step at w_max / 2) all-to-all pair STDP;
    None for fixed weights."""
    if kind == "fixed":
        return None
    if kind == "additive":
        return PairSTDP(a_plus=D_PRE, a_minus=1.05 * D_PRE, tau_plus=20 * ms, tau_minus=20 * ms, w_max=GMAX,
                        mu=0.0, pairing="all-to-all")
    scale = GMAX / 2
    return PairSTDP(a_plus=D_PRE / scale, a_minus=1.05 * D_PRE / scale, tau_plus=20 * ms, tau_minus=20 * ms,
                    w_max=GMAX, mu=1.0)


class Layout:
    """Neurons side by side in one network: neuron k reads input block ``block[k]`` (``n_inputs``
    Poisson inputs at ``block_rates[block[k]]``) through synapses of kind ``kind[k]`` with initial
    weights ``weights[k]``. One projection per kind present (an empty projection would still cost
    time every step)."""

    def __init__(self, n_inputs: int, block_rates, block, kind, weights, seed: int):
        self.n_inputs = n_inputs
        self.kind = np.asarray(kind)
        block = np.asarray(block, np.int64)
        rates = np.repeat(np.asarray(block_rates, float), n_inputs)
        self.net = Network(dt=0.1 * ms, seed=seed, threads=1)
        src = self.net.add(PoissonSource(n=rates.size, rate=tuple(rates.tolist())))
        self.neurons = self.net.add(neuron_model(self.kind.size))
        self.spikes = self.net.monitor(self.neurons)
        self.projections = {}
        for k in KINDS:
            idx = np.flatnonzero(self.kind == k)
            if idx.size == 0:
                continue
            pre = (block[idx][:, None] * n_inputs + np.arange(n_inputs)).ravel()
            post = np.repeat(idx, n_inputs)
            self.projections[k] = self.net.connect(src, self.neurons, rule=rule(k),
                                                   w=np.asarray(weights)[idx].ravel(), connectivity=(pre, post))

    def weights(self, k: str) -> np.ndarray:
        """Current weights of the neurons of kind k, one row per neuron (in neuron order), / g_max."""
        if k not in self.projections:
            return np.zeros((0, self.n_inputs))
        proj = self.projections[k]
        idx = np.flatnonzero(self.kind == k)
        row = np.searchsorted(idx, proj.post_index)
        out = np.empty((idx.size, self.n_inputs))
        out[row, proj.pre_index % self.n_inputs] = proj.w
        return out / GMAX

    def rates(self, t_from: float, t_to: float) -> np.ndarray:
        """Output rate of every neuron between two times (Hz)."""
        t, i = self.spikes.t, self.spikes.i
        sel = (t >= t_from) & (t < t_to)
        return np.bincount(i[sel], minlength=self.kind.size) / (t_to - t_from)


def fixed_weight_rates(weights: np.ndarray, rates, duration: float, seed: int, n_inputs: int = 1000) -> np.ndarray:
    """Output rates (Hz) of fixed-weight neurons: row k of ``weights`` (units of g_max) at input rate
    ``rates[k]``, simulated for ``duration`` seconds."""
    w = np.asarray(weights, float) * GMAX
    lay = Layout(n_inputs, rates, np.arange(len(rates)), ["fixed"] * len(rates), w, seed)
    lay.net.run(duration)
    return lay.rates(0.0, duration)


def bimodality(w: np.ndarray) -> float:
    """Sarle's bimodality coefficient of a sample (see the module docstring)."""
    from scipy.stats import kurtosis, skew
    n = w.size
    g, k = skew(w, bias=False), kurtosis(w, bias=False)
    return float((g * g + 1) / (k + 3 * (n - 1) ** 2 / ((n - 2) * (n - 3))))


def distribution(w: np.ndarray) -> dict:
    """Per replicate (rows of w, / g_max): mean, SD, fraction near each bound, bimodality."""
    return {"mean_w": w.mean(1), "sd_w": w.std(1, ddof=1), "frac_low": np.mean(w < NEAR, 1),
            "frac_high": np.mean(w > 1 - NEAR, 1), "bimodality": np.array([bimodality(x) for x in w])}


def slope(t: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Least-squares slope of each row of y against t (per second)."""
    tc = t - t.mean()
    return (y - y.mean(-1, keepdims=True)) @ tc / (tc @ tc)


def learn(config: Config, seed: int, bar):
    """Phase 1: additive neurons learning at rate_hz; snapshots of every weight distribution."""
    r = config.replicates
    w0 = np.random.default_rng(seed).uniform(0.0, GMAX, (r, config.n_inputs))
    lay = Layout(config.n_inputs, [config.rate_hz] * r, np.arange(r), ["additive"] * r, w0, seed)
    times = np.union1d(np.linspace(0, config.duration_s, config.samples + 1)[1:], [config.compare_at_s])
    mean_w, bounds, at_compare = [], [], None
    for t_prev, t in zip(np.r_[0.0, times[:-1]], times):
        lay.net.run(t - t_prev)
        w = lay.weights("additive")
        mean_w.append(w.mean(1))
        bounds.append(np.mean((w < NEAR) | (w > 1 - NEAR), 1))
        if np.isclose(t, config.compare_at_s):
            at_compare = distribution(w)
        bar.advance()
    last = times >= 0.9 * config.duration_s
    mean_w, bounds = np.array(mean_w).T, np.array(bounds).T  # replicates x samples
    t_end = config.duration_s
    return dict(w0=w0 / GMAX, w=lay.weights("additive"), times=times, mean_w=mean_w, bounds=bounds,
                drift=slope(times[last], mean_w[:, last]), drift_bounds=slope(times[last], bounds[:, last]),
                first_drift=slope(times[times <= 0.1 * t_end], mean_w[:, times <= 0.1 * t_end]),
                rate=lay.rates(0.9 * t_end, t_end), at_compare=at_compare)


def multiplicative(config: Config, seed: int, learned: dict, bar):
    """Phase 3: multiplicative neurons at rate_hz from the same initial weights as phase 1 (on new
    inputs), for ``multiplicative_s``; its distribution settles within seconds."""
    r = config.replicates
    lay = Layout(config.n_inputs, [config.rate_hz] * r, np.arange(r), ["multiplicative"] * r,
                 learned["w0"] * GMAX, seed + 2_000_003)
    t_end, steps = config.multiplicative_s, 10
    mean_w = []
    for _ in range(steps):
        lay.net.run(t_end / steps)
        mean_w.append(lay.weights("multiplicative").mean(1))
        bar.advance()
    times = (np.arange(steps) + 1) * t_end / steps
    last = times >= 0.8 * t_end - 1e-9  # the last two of ten snapshots: the last 10 % of the run
    return dict(w=lay.weights("multiplicative"), rate=lay.rates(0.5 * t_end, t_end),
                drift=slope(times[last], np.array(mean_w).T[:, last]))


def sweep(config: Config, seed: int, learned: dict, bar):
    """Phase 2: at each input rate other than the learning rate, per replicate, on one shared set
    of inputs: the learned weights learning on (additive) and held fixed; at the learning rate the
    learned weights held fixed (the learning neuron's rate there is the end of phase 1)."""
    r = config.replicates
    rates = np.unique(np.r_[config.rate_hz, list(config.sweep_rates_hz)])
    at_rate = int(np.flatnonzero(rates == config.rate_hz)[0])
    blocks = np.arange(rates.size * r).reshape(rates.size, r)
    others = np.delete(blocks, at_rate, axis=0).ravel()
    block = np.r_[others, blocks.ravel()]
    kind = np.r_[["additive"] * others.size, ["fixed"] * blocks.size]
    weights = np.concatenate([np.tile(learned["w"], (rates.size - 1, 1)), np.tile(learned["w"], (rates.size, 1))])
    lay = Layout(config.n_inputs, np.repeat(rates, r), block, kind, weights * GMAX, seed + 1_000_003)
    t_end, steps = config.sweep_duration_s, 10
    mean_add = []
    for _ in range(steps):
        lay.net.run(t_end / steps)
        mean_add.append(lay.weights("additive").mean(1))
        bar.advance()
    out = lay.rates((1 - config.measure_fraction) * t_end, t_end)
    times = (np.arange(steps) + 1) * t_end / steps
    last = times >= 0.8 * t_end - 1e-9
    additive = np.insert(out[:others.size].reshape(rates.size - 1, r), at_rate, learned["rate"], axis=0)
    mean_add = np.array(mean_add).T.reshape(rates.size - 1, r, steps)
    return dict(rates=rates, out={"additive": additive, "fixed": out[others.size:].reshape(rates.size, r)},
                drift_add=slope(times[last], mean_add[-1][:, last]))


def gain(rates: np.ndarray, out: np.ndarray) -> np.ndarray:
    """Per replicate: least-squares slope of output rate against input rate (Hz per Hz)."""
    return slope(rates, out.T)


def log_slope(rates: np.ndarray, out: np.ndarray) -> np.ndarray:
    """Per replicate: least-squares slope of ln(output rate) against ln(input rate), the relative
    change of the output per relative change of the input (NaN if a neuron was silent)."""
    with np.errstate(divide="ignore"):
        y = np.where(out > 0, np.log(np.where(out > 0, out, 1.0)), np.nan)
    return slope(np.log(rates), y.T)


def run(config: Config, seed: int = 1, progress: bool = False) -> Result:
    est = stats.estimate
    with progress_bar(progress, config.samples + 21, "song-abbott") as bar:
        learned = learn(config, seed, bar)
        sw = sweep(config, seed, learned, bar)
        mu = multiplicative(config, seed, learned, bar)
    add, mult, at100 = distribution(learned["w"]), distribution(mu["w"]), learned["at_compare"]
    rates = sw["rates"]
    key = lambda q: f"{q:g}_hz"  # noqa: E731
    headline = {
        "additive": {"frac_low": est(add["frac_low"]), "frac_high": est(add["frac_high"]),
                     "frac_near_bounds": est(add["frac_low"] + add["frac_high"]),
                     "bimodality": est(add["bimodality"]), "mean_w": est(add["mean_w"]),
                     "drift_per_s": est(learned["drift"]), "drift_near_bounds_per_s": est(learned["drift_bounds"]),
                     "first_drift_per_s": est(learned["first_drift"]), "rate_hz": est(learned["rate"])},
        "at_compare": {"frac_low": est(at100["frac_low"]), "frac_high": est(at100["frac_high"]),
                       "t_s": config.compare_at_s},
        "multiplicative": {"frac_low": est(mult["frac_low"]), "frac_high": est(mult["frac_high"]),
                           "bimodality": est(mult["bimodality"]), "mean_w": est(mult["mean_w"]),
                           "sd_w": est(mult["sd_w"]), "drift_per_s": est(mu["drift"]),
                           "rate_hz": est(mu["rate"])},
        "sweep": {
            "rate_hz": {k: {key(q): est(sw["out"][k][j]) for j, q in enumerate(rates)} for k in ("additive", "fixed")},
            "gain": {k: est(gain(rates, sw["out"][k])) for k in ("additive", "fixed")},
            "drift_per_s": est(sw["drift_add"]),
            "gain_difference_fixed_minus_additive": est(gain(rates, sw["out"]["fixed"])
                                                        - gain(rates, sw["out"]["additive"])),
        },
        "duration_s": config.duration_s,
        "settings": {"rate_hz": config.rate_hz, "n_inputs": config.n_inputs,
                     "sweep_duration_s": config.sweep_duration_s},
    }
    elasticity = log_slope(rates, sw["out"]["additive"]), log_slope(rates, sw["out"]["fixed"])
    if all(np.all(np.isfinite(e)) for e in elasticity):
        headline["sweep"]["elasticity"] = {"additive": est(elasticity[0]), "fixed": est(elasticity[1])}
    kinds = {"at_compare.t_s": "setting", "duration_s": "setting",
             **{f"settings.{k}": "setting" for k in headline["settings"]}}
    tables = _tables(config, learned, sw, mu)
    notes = [
        f"Weights in units of g_max; 'near a bound' is within {NEAR:g} g_max. Drift: least-squares slope of the "
        "replicate's mean weight over the last 10 % of the learning run (per second).",
        f"Sweep: learned weights from the {config.rate_hz:g} Hz run, learning on (additive) or held fixed, on the "
        f"same inputs at each rate; output rates counted over the last {config.measure_fraction:.0%} of "
        f"{config.sweep_duration_s:g} s (the learning neuron at {config.rate_hz:g} Hz: the last 10 % of the learning "
        f"run). Multiplicative rule: {config.multiplicative_s:g} s from the same initial weights.",
        "Peers (table peers_measured_here): Brian2 2.9 and NEST 3.10 numbers are this project's own single 100 s "
        "runs of the same network (benchmarks/RESULTS.md, 2026-11-28), not published values; compare them with "
        "at_compare (this engine at the same time), not with the converged numbers.",
    ]
    return Result(headline, tables, notes, kinds)


def _tables(config, learned, sw, mu) -> dict:
    def band(x):
        """Mean over replicates (rows) of each column and the half-width of its 95 % interval."""
        e = [stats.estimate(col) for col in np.asarray(x, float).T]
        return np.array([v["mean"] for v in e]), np.array([v["ci95"][1] - v["mean"] for v in e])

    hist = lambda w: np.array([np.histogram(row, bins=20, range=(0, 1))[0] for row in w])  # noqa: E731
    edges = np.linspace(0, 1, 21)
    tables = {}
    for name, w in (("additive", learned["w"]), ("multiplicative", mu["w"])):
        m, half = band(hist(w).astype(float))
        tables[f"histogram_{name}"] = {"w_low": edges[:-1].tolist(), "w_high": edges[1:].tolist(),
                                       "count_mean": m.tolist(), "count_ci_half": half.tolist()}
    mw, mw_half = band(learned["mean_w"])
    nb, nb_half = band(learned["bounds"])
    tables["learning"] = {"t_s": learned["times"].tolist(), "mean_w": mw.tolist(), "mean_w_ci_half": mw_half.tolist(),
                          "near_bounds": nb.tolist(), "near_bounds_ci_half": nb_half.tolist()}
    rates = sw["rates"]
    sweep_table = {"input_hz": rates.tolist()}
    for k in ("additive", "fixed"):
        m, half = band(sw["out"][k].T)
        sweep_table[f"{k}_hz"] = m.tolist()
        sweep_table[f"{k}_ci_half"] = half.tolist()
    tables["sweep"] = sweep_table
    tables["peers_measured_here"] = {
        "tool": [p[0] for p in PEERS_MEASURED_HERE], "rate_hz": [p[1] for p in PEERS_MEASURED_HERE],
        "frac_low": [p[2] for p in PEERS_MEASURED_HERE], "frac_high": [p[3] for p in PEERS_MEASURED_HERE],
        "source": ["this project's single 100 s run, benchmarks/RESULTS.md (2026-11-28, session 4)"]
        * len(PEERS_MEASURED_HERE)}
    return tables


def figures(result: Result):
    from matplotlib.figure import Figure
    t = result.tables
    fig = Figure(figsize=(12, 3.8))
    axes = fig.subplots(1, 4)
    for ax, name, color in ((axes[0], "additive", "#3a6"), (axes[1], "multiplicative", "#36a")):
        h = t[f"histogram_{name}"]
        centres = (np.asarray(h["w_low"]) + np.asarray(h["w_high"])) / 2
        m, half = np.asarray(h["count_mean"]), np.asarray(h["count_ci_half"])
        ax.bar(centres, m, width=0.045, color=color, yerr=np.where(m > 0, half, np.nan), capsize=2, ecolor="#222")
        ax.set(title=f"{name} STDP, end of run", xlabel="w / w_max", ylabel="synapses per neuron (95 % CI)")
        ax.title.set_fontsize(9)
    lt = t["learning"]
    ts = np.asarray(lt["t_s"])
    ax = axes[2]
    for col, label, color in (("mean_w", "mean w / w_max", "#3a6"), ("near_bounds", "fraction near a bound", "#a63")):
        m, half = np.asarray(lt[col]), np.asarray(lt[f"{col}_ci_half"])
        ax.plot(ts, m, color=color, label=label)
        ax.fill_between(ts, m - half, m + half, color=color, alpha=0.25)
    ax.axvspan(0.9 * ts[-1], ts[-1], color="#ddd", label="last 10 % (drift)")
    ax.set(title="additive STDP while learning", xlabel="time (s)", ylabel="value (95 % band)", ylim=(0, 1))
    ax.title.set_fontsize(9)
    ax.legend(fontsize=7)
    sw = t["sweep"]
    ax = axes[3]
    for k, label, marker in (("additive", "additive STDP, learning", "o"), ("fixed", "learned weights held fixed", "^")):
        ax.errorbar(sw["input_hz"], sw[f"{k}_hz"], yerr=sw[f"{k}_ci_half"], marker=marker, capsize=3, label=label)
    ax.set_yscale("log")
    from matplotlib.ticker import FixedLocator, NullFormatter
    ax.yaxis.set_major_locator(FixedLocator([5, 10, 20, 50, 100, 200, 500, 1000]))
    ax.yaxis.set_major_formatter(lambda v, _: f"{v:g}")
    ax.yaxis.set_minor_formatter(NullFormatter())
    ax.set(title="output rate against input rate", xlabel="input rate (Hz)", ylabel="output rate (Hz, 95 % CI)")
    ax.title.set_fontsize(9)
    ax.legend(fontsize=7)
    fig.tight_layout()
    return [("weight_distributions", fig)]


def finding(result: Result) -> str:
    h = result.headline
    f = stats.fmt
    a, m, s, c, st = h["additive"], h["multiplicative"], h["sweep"], h["at_compare"], h["settings"]
    rates = list(s["rate_hz"]["additive"])
    lo, hi = rates[0], rates[-1]
    drift = a["drift_per_s"]
    per_run = max(abs(drift["ci95"][0]), abs(drift["ci95"][1])) * h["duration_s"]
    peers_low = [p[2] for p in PEERS_MEASURED_HERE]
    peers_high = [p[3] for p in PEERS_MEASURED_HERE]
    elastic = ""
    if "elasticity" in s:
        ea, ef = s["elasticity"]["additive"], s["elasticity"]["fixed"]
        elastic = (f"; in relative terms the learning neuron's output rises {f(ea, 2)} % per % of input against "
                   f"{f(ef, 2)} % with fixed weights, so learning makes the rate "
                   + ("less steep than fixed weights do" if ea["ci95"][1] < ef["ci95"][0] else
                      "no less steep than fixed weights do, within the intervals")
                   + (" and nearly independent of the input (an elasticity below 0.5, interval included)"
                      if s["elasticity"]["additive"]["ci95"][1] < 0.5 else
                      ", but not nearly independent of the input in this network (taken here as an elasticity below "
                      "0.5, interval included)"))
    return (
        f"{a['frac_low']['n']} independent neurons, each with {st['n_inputs']:,} Poisson inputs at "
        f"{st['rate_hz']:g} Hz (Brian2's example parameters, no inhibition), learned with additive STDP for "
        f"{h['duration_s']:g} s. Over the last 10 % of the run the mean weight drifted by {f(drift, 2)} w_max per "
        f"second ({_zero_words(drift)}; at most {per_run:.3f} w_max over another run as long), against "
        f"{f(a['first_drift_per_s'], 2)} per second in the first 10 %, and the fraction near a bound by "
        f"{f(a['drift_near_bounds_per_s'], 2)} per second ({_zero_words(a['drift_near_bounds_per_s'])}). The "
        f"distribution is {_modal_words(a['bimodality'])} by Sarle's coefficient ({f(a['bimodality'], 3)}, against "
        f"5/9 for the uniform start): {f(a['frac_low'], 2, True)} of weights lie within 0.1 w_max of zero and "
        f"{f(a['frac_high'], 2, True)} within 0.1 of w_max, {f(a['frac_near_bounds'], 2, True)} near a bound, the "
        f"rest spread between them. The multiplicative rule's distribution is {_modal_words(m['bimodality'])} "
        f"(coefficient {f(m['bimodality'], 3)}, SD {f(m['sd_w'], 2)} w_max around {f(m['mean_w'], 3)}; "
        f"{f(m['frac_low'], 2, True)} and {f(m['frac_high'], 2, True)} near the two bounds). "
        "Song, Miller & Abbott's rate criterion, with the learned weights learning on or held fixed for "
        f"{st['sweep_duration_s']:g} s on the same inputs: raising the input rate from {lo.replace('_hz', '')} to "
        f"{hi.replace('_hz', '')} Hz moved the learning neuron's output from "
        f"{f(s['rate_hz']['additive'][lo], 3, unit='Hz')} to {f(s['rate_hz']['additive'][hi], 3, unit='Hz')} (gain "
        f"{f(s['gain']['additive'], 2)} Hz per Hz) and the fixed-weight neuron's from "
        f"{f(s['rate_hz']['fixed'][lo], 3, unit='Hz')} to {f(s['rate_hz']['fixed'][hi], 3, unit='Hz')} (gain "
        f"{f(s['gain']['fixed'], 3)}){elastic}. This project's own single 100 s runs of the same network with "
        f"Brian2 2.9 and NEST 3.10 left {100 * min(peers_low):.0f}-{100 * max(peers_low):.0f} % of weights below "
        f"0.1 w_max and {100 * min(peers_high):.0f}-{100 * max(peers_high):.0f} % above 0.9; this engine at "
        f"{c['t_s']:g} s gives {f(c['frac_low'], 2, True)} and {f(c['frac_high'], 2, True)}. No claim of the article is decided here: "
        "this is a check of the engine against a published model."
    )


def _modal_words(v: dict) -> str:
    lo, hi = v["ci95"]
    if lo > UNIFORM_BC:
        return "bimodal"
    if hi < UNIFORM_BC:
        return "unimodal"
    return "neither clearly bimodal nor unimodal"


def _zero_words(v: dict) -> str:
    lo, hi = v["ci95"]
    return "an interval that includes zero" if lo <= 0 <= hi else "not zero within its interval"


register_experiment(Experiment(
    name="song-abbott",
    question="Does the engine reproduce Song, Miller & Abbott's criteria: bimodal additive weights, unimodal "
             "multiplicative ones, an output rate that learning makes nearly independent of the input rate?",
    about=("1000 Poisson inputs drive one conductance-based LIF neuron through STDP synapses (Song, Miller &amp; "
           "Abbott 2000; parameters of Brian2's STDP example). Additive STDP with hard bounds makes the inputs "
           "compete: weights move towards the two bounds, and the output rate is regulated, so that after learning "
           "it rises little with the input rate while the same weights held fixed make it rise steeply. "
           "Multiplicative STDP pulls every weight to one interior value. Replicates are independent neurons run "
           "side by side, long enough for the mean weight to stop drifting. An engine check against a published "
           "model; Brian2 and NEST numbers in the tables are this project's own runs."),
    config=Config,
    quick=dict(replicates=5),
    full=dict(replicates=20, duration_s=1000.0, samples=200, sweep_rates_hz=(20.0, 25.0, 30.0),
              sweep_duration_s=200.0, multiplicative_s=100.0),
    run=run,
    figures=figures,
    summary=(
        Headline("additive.frac_near_bounds", "additive STDP: weights within 0.1 w_max of a bound after learning",
                 percent=True, digits=2),
        Headline("additive.drift_per_s", "additive STDP: drift of the mean weight over the last 10 % of the run",
                 unit="w_max/s", digits=2),
        Headline("sweep.gain.additive", "output-rate gain after learning (output Hz per input Hz)", digits=2),
        Headline("sweep.gain.fixed", "output-rate gain with the learned weights held fixed", digits=3),
    ),
    finding=finding,
))
