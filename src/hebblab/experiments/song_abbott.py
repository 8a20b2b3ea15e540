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

1. **learning**: additive neurons at ``rate_hz`` for ``duration_s`` (weight snapshots throughout:
   the drift of the mean weight and of the distribution's shape, Sarle's coefficient and the
   fractions near each bound, over the last 10 % of the run, and, to judge convergence, over the
   last half: :data:`CONVERGED`);
2. **input-rate sweep**: at each rate of ``sweep_rates_hz``, for ``sweep_duration_s``, the
   neurons of each replicate share one set of inputs: the learned weights learning on (additive)
   and the same weights held fixed; at ``rate_hz`` the fixed-weight neuron only (the learning
   neuron's rate there is that of the last 10 % of phase 1). Output rates are counted over the
   last ``measure_fraction`` of the sweep;
3. **multiplicative**: neurons with the multiplicative rule from the same initial weights at
   ``rate_hz`` for ``multiplicative_s`` (its distribution settles within seconds).

The phases draw independent random streams: numpy ``SeedSequence(seed).spawn`` gives the initial
weights' generator and each phase's network seed.

Song, Miller & Abbott's rate criterion, "nearly independent of the input rate", is judged by the
elasticity of the output rate against the input rate, ``d ln(out) / d ln(in)`` (the least-squares
slope over the sweep's rates): 0 for an output independent of the input, 1 for one proportional to
it. It is computed only over rates at which every neuron fired (a silent neuron is reported as a
failure mode, with its rates).

Bimodality is measured by the fraction of weights within 0.1 g_max of each bound and by Sarle's
bimodality coefficient ``BC = (g^2 + 1) / (k + 3 (n - 1)^2 / ((n - 2)(n - 3)))`` (g the sample
skewness, k the sample excess kurtosis; BC > 5/9, the uniform distribution's value, suggests
bimodality: Pfister, Schwarz, Janczyk, Dale & Freeman 2013, Front. Psychol. 4:700).
"""

from __future__ import annotations

import math
from typing import Annotated

import numpy as np
from pydantic import Field, field_validator, model_validator

from .. import checkpoint, stats
from ..network import Network
from ..neurons import LIF, PoissonSource
from ..plasticity import PairSTDP
from ..si import mV, ms
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

#: Brian2 2.9.0 cpp_standalone, 24 independent neurons of the same network (12 at each of Brian2's seeds
#: 1 and 2), measured by this project on 2026-12-01 with tests/test_exp_song_abbott.py::brian2_reference:
#: (tool, neurons, mean rate over the first 100 s, half-width of its 95 % t interval, mean fraction
#: below 0.1 and above 0.9 w_max at 100 s).
BRIAN2_NEURONS_HERE = ("Brian2 2.9.0 cpp_standalone, 24 neurons", 24, 25.545, 0.752, 0.2342, 0.1948)

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

    @field_validator("*", mode="before")
    @classmethod
    def _finite(cls, v, info):
        for x in v if isinstance(v, (list, tuple)) else [v]:
            try:
                number = float(x)
            except (TypeError, ValueError):
                continue  # not a number: the field's own check names it
            if not math.isfinite(number):
                raise ValueError(f"{info.field_name} must be a finite number")
        return v

    @model_validator(mode="after")
    def _compare_within_run(self):
        if self.compare_at_s > self.duration_s:
            raise ValueError(f"compare_at_s must be <= duration_s = {self.duration_s:g} (got {self.compare_at_s:g})")
        if all(r == self.rate_hz for r in self.sweep_rates_hz):
            raise ValueError(f"sweep_rates_hz needs at least one rate other than rate_hz = {self.rate_hz:g} "
                             f"(got {list(self.sweep_rates_hz)})")
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
        net = Network(dt=0.1 * ms, seed=seed, threads=1)
        src = net.add(PoissonSource(n=rates.size, rate=tuple(rates.tolist())))
        net.monitor(net.add(neuron_model(self.kind.size)))
        for k in KINDS:
            idx = np.flatnonzero(self.kind == k)
            if idx.size == 0:
                continue
            pre = (block[idx][:, None] * n_inputs + np.arange(n_inputs)).ravel()
            post = np.repeat(idx, n_inputs)
            net.connect(src, net.populations[1], rule=rule(k), w=np.asarray(weights)[idx].ravel(),
                        connectivity=(pre, post))
        self.attach(net)

    def attach(self, net: Network) -> None:
        """Use ``net`` (this layout's network, e.g. as a checkpoint restored it)."""
        self.net, self.neurons, self.spikes = net, net.populations[1], net.spike_monitors[0]
        present = [k for k in KINDS if np.any(self.kind == k)]
        self.projections = dict(zip(present, net.projections))

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


def streams(seed: int) -> dict:
    """Independent random streams of the phases (numpy ``SeedSequence(seed).spawn``): a generator
    for the initial weights and an integer network seed for each phase."""
    weights, *phases = np.random.SeedSequence(seed).spawn(4)
    out = {"weights": np.random.default_rng(weights)}
    for name, child in zip(("learn", "sweep", "multiplicative"), phases):
        out[name] = int(child.generate_state(1, np.uint32)[0])
    return out


def bimodality(w: np.ndarray) -> np.ndarray | float:
    """Sarle's bimodality coefficient of a sample, or of each row of a 2-d array (see the module
    docstring)."""
    from scipy.stats import kurtosis, skew
    n = w.shape[-1]
    g, k = skew(w, axis=-1, bias=False), kurtosis(w, axis=-1, bias=False)
    bc = (g * g + 1) / (k + 3 * (n - 1) ** 2 / ((n - 2) * (n - 3)))
    return float(bc) if np.ndim(bc) == 0 else np.asarray(bc, float)


#: Statistics of a weight distribution tracked while learning (each: per replicate).
SHAPE = ("mean_w", "bimodality", "frac_low", "frac_high")


def distribution(w: np.ndarray) -> dict:
    """Per replicate (rows of w, / g_max): mean, SD, fraction near each bound, bimodality."""
    return {"mean_w": w.mean(1), "sd_w": w.std(1, ddof=1), "frac_low": np.mean(w < NEAR, 1),
            "frac_high": np.mean(w > 1 - NEAR, 1), "bimodality": bimodality(w)}


def slope(t: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Least-squares slope of each row of y against t (per second)."""
    tc = t - t.mean()
    return (y - y.mean(-1, keepdims=True)) @ tc / (tc @ tc)


def last_tenth(times: np.ndarray, t_end: float) -> np.ndarray:
    """The snapshots in the last 10 % of a run (times from 0.9 t_end to t_end)."""
    return times >= 0.9 * t_end - 1e-9 * t_end


def learn(config: Config, rng: np.random.Generator, seed: int, bar):
    """Phase 1: additive neurons learning at rate_hz; the statistics of every weight distribution
    at each snapshot, their drift over the last and the first 10 % of the run."""
    r = config.replicates
    w0 = rng.uniform(0.0, GMAX, (r, config.n_inputs))
    lay = Layout(config.n_inputs, [config.rate_hz] * r, np.arange(r), ["additive"] * r, w0, seed)
    times = np.union1d(np.linspace(0, config.duration_s, config.samples + 1)[1:], [config.compare_at_s])
    track = {q: [] for q in SHAPE}
    at_compare = None
    stage = checkpoint.stage()  # the network and the snapshots so far, with --checkpoint-every
    start = 0
    saved = stage.restore()
    if saved is not None:
        net, progress = saved
        lay.attach(net)
        start, track, at_compare = progress["done"], progress["track"], progress["at_compare"]
        bar.advance(start)
    edges = list(zip(np.r_[0.0, times[:-1]], times))
    for k in range(start, len(edges)):
        t_prev, t = edges[k]
        lay.net.run(t - t_prev)
        d = distribution(lay.weights("additive"))
        for q in SHAPE:
            track[q].append(d[q])
        if np.isclose(t, config.compare_at_s):
            at_compare = d
        bar.advance()
        stage.save(lay.net, {"done": k + 1, "track": track, "at_compare": at_compare})
    track = {q: np.array(v).T for q, v in track.items()}  # replicates x snapshots
    t_end = config.duration_s
    last, first = last_tenth(times, t_end), times <= 0.1 * t_end + 1e-9 * t_end
    half = times >= 0.5 * t_end - 1e-9 * t_end
    return dict(w0=w0 / GMAX, w=lay.weights("additive"), times=times, track=track,
                drift={q: slope(times[last], track[q][:, last]) for q in SHAPE},
                first_drift={q: slope(times[first], track[q][:, first]) for q in SHAPE},
                half_drift={q: slope(times[half], track[q][:, half]) for q in SHAPE},
                rate=lay.rates(0.9 * t_end, t_end), rate_to_compare=lay.rates(0.0, config.compare_at_s),
                at_compare=at_compare)


def multiplicative(config: Config, seed: int, learned: dict, bar):
    """Phase 3: multiplicative neurons at rate_hz from the same initial weights as phase 1 (on new
    inputs), for ``multiplicative_s``; its distribution settles within seconds. Drift: the slope of
    the mean weight over the snapshots in the last 10 % of the run (3 of 20, at 90, 95, 100 %)."""
    r = config.replicates
    lay = Layout(config.n_inputs, [config.rate_hz] * r, np.arange(r), ["multiplicative"] * r,
                 learned["w0"] * GMAX, seed)
    t_end = config.multiplicative_s
    mean_w = []
    for _ in range(SNAPSHOTS):
        lay.net.run(t_end / SNAPSHOTS)
        mean_w.append(lay.weights("multiplicative").mean(1))
        bar.advance()
    times = (np.arange(SNAPSHOTS) + 1) * t_end / SNAPSHOTS
    last = last_tenth(times, t_end)
    return dict(w=lay.weights("multiplicative"), rate=lay.rates(0.5 * t_end, t_end),
                drift=slope(times[last], np.array(mean_w).T[:, last]))


def sweep(config: Config, seed: int, learned: dict, bar):
    """Phase 2: at each input rate other than the learning rate, per replicate, on one shared set
    of inputs: the learned weights learning on (additive) and held fixed; at the learning rate the
    learned weights held fixed (the learning neuron's rate there is the end of phase 1). Drift of
    the learning neurons' mean weight at each rate: the slope over the snapshots in the last 10 %
    (3 of 20)."""
    r = config.replicates
    rates = np.unique(np.r_[config.rate_hz, list(config.sweep_rates_hz)])
    at_rate = int(np.flatnonzero(rates == config.rate_hz)[0])
    blocks = np.arange(rates.size * r).reshape(rates.size, r)
    others = np.delete(blocks, at_rate, axis=0).ravel()
    block = np.r_[others, blocks.ravel()]
    kind = np.r_[["additive"] * others.size, ["fixed"] * blocks.size]
    weights = np.concatenate([np.tile(learned["w"], (rates.size - 1, 1)), np.tile(learned["w"], (rates.size, 1))])
    lay = Layout(config.n_inputs, np.repeat(rates, r), block, kind, weights * GMAX, seed)
    t_end = config.sweep_duration_s
    mean_add = []
    for _ in range(SNAPSHOTS):
        lay.net.run(t_end / SNAPSHOTS)
        mean_add.append(lay.weights("additive").mean(1))
        bar.advance()
    out = lay.rates((1 - config.measure_fraction) * t_end, t_end)
    times = (np.arange(SNAPSHOTS) + 1) * t_end / SNAPSHOTS
    last = last_tenth(times, t_end)
    additive = np.insert(out[:others.size].reshape(rates.size - 1, r), at_rate, learned["rate"], axis=0)
    mean_add = np.array(mean_add).T.reshape(rates.size - 1, r, SNAPSHOTS)
    swept = np.delete(rates, at_rate)
    return dict(rates=rates, out={"additive": additive, "fixed": out[others.size:].reshape(rates.size, r)},
                drift_add={q: slope(times[last], mean_add[j][:, last]) for j, q in enumerate(swept)})


def gain(rates: np.ndarray, out: np.ndarray) -> np.ndarray:
    """Per replicate: least-squares slope of output rate against input rate (Hz per Hz)."""
    return slope(rates, out.T)


def elasticity(rates: np.ndarray, out: np.ndarray) -> np.ndarray:
    """Per replicate: least-squares slope of ln(output rate) against ln(input rate) over the given
    rates (rows of out), the relative change of the output per relative change of the input; every
    neuron must have fired at every one of them."""
    if np.any(out <= 0):
        raise ValueError("elasticity: a neuron was silent at one of the rates")
    return slope(np.log(rates), np.log(out).T)


def silent_rates(rates: np.ndarray, out: dict) -> list:
    """The input rates at which some neuron (learning or fixed) fired no spike while counted."""
    return [float(q) for j, q in enumerate(rates) if any(np.any(out[k][j] <= 0) for k in out)]


#: Convergence: a statistic counts as converged when the 95 % interval of its drift over the last
#: half of the run, times the run's length, lies within +-CONVERGED of its final value (another run
#: as long would change it by less than that fraction of itself). The last half, not the last 10 %:
#: the slope over 10 % of a 250 s run is too noisy to bound a drift of a few % per run (the
#: statistics fluctuate over tens of seconds), and for an approach that slows down, the slope over
#: the last half over-estimates the final drift, so a statistic that passes has converged.
CONVERGED = 0.05
#: "Nearly independent of the input rate": an elasticity whose 95 % interval lies below this.
NEARLY_INDEPENDENT = 0.5
SNAPSHOTS = 20


def convergence(config: Config, learned: dict, silent: bool) -> dict:
    """Per statistic: the relative change another run as long would make at the drift of the last
    half of the run, ``drift x duration / final value`` (per replicate, an estimate over
    replicates), and whether it counts as converged (:data:`CONVERGED`; never for a neuron that fell
    silent: no learning, no drift)."""
    out = {}
    for q in SHAPE:
        value = learned["track"][q][:, -1]
        rel = learned["half_drift"][q] * config.duration_s / np.where(value > 0, value, np.nan)
        e = stats.estimate(rel) if np.all(np.isfinite(rel)) else None
        out[q] = {"relative_change_per_run": e if e else None,
                  "converged": bool(e is not None and not silent and -CONVERGED < e["ci95"][0]
                                    and e["ci95"][1] < CONVERGED)}
    return out


def run(config: Config, seed: int = 1, progress: bool = False) -> Result:
    est = stats.estimate
    rs = streams(seed)
    with progress_bar(progress, config.samples + 1 + 2 * SNAPSHOTS, "song-abbott") as bar:
        # the phases are the checkpoint's units (hebblab run --checkpoint-every; hebblab resume)
        learned = checkpoint.unit("learn", lambda: learn(config, rs["weights"], rs["learn"], bar))
        sw = checkpoint.unit("sweep", lambda: sweep(config, rs["sweep"], learned, bar))
        mu = checkpoint.unit("multiplicative", lambda: multiplicative(config, rs["multiplicative"], learned, bar))
    add, mult, at100 = distribution(learned["w"]), distribution(mu["w"]), learned["at_compare"]
    rates = sw["rates"]
    key = lambda q: f"{q:g}_hz"  # noqa: E731
    silent_learning = int(np.sum(learned["rate"] <= 0))
    quiet = silent_rates(rates, sw["out"])
    loud = np.array([q not in quiet for q in rates])
    conv = convergence(config, learned, silent_learning > 0)
    headline = {
        "additive": {"frac_low": est(add["frac_low"]), "frac_high": est(add["frac_high"]),
                     "frac_near_bounds": est(add["frac_low"] + add["frac_high"]),
                     "bimodality": est(add["bimodality"]), "mean_w": est(add["mean_w"]),
                     "drift_per_s": {q: est(learned["drift"][q]) for q in SHAPE},
                     "first_drift_per_s": {q: est(learned["first_drift"][q]) for q in SHAPE},
                     "last_half_drift_per_s": {q: est(learned["half_drift"][q]) for q in SHAPE},
                     "relative_change_per_run": {q: conv[q]["relative_change_per_run"] for q in SHAPE},
                     "converged": {q: conv[q]["converged"] for q in SHAPE},
                     "rate_hz": est(learned["rate"]), "silent_neurons": silent_learning},
        "at_compare": {"frac_low": est(at100["frac_low"]), "frac_high": est(at100["frac_high"]),
                       "rate_hz": est(learned["rate_to_compare"]), "t_s": config.compare_at_s},
        "multiplicative": {"frac_low": est(mult["frac_low"]), "frac_high": est(mult["frac_high"]),
                           "bimodality": est(mult["bimodality"]), "mean_w": est(mult["mean_w"]),
                           "sd_w": est(mult["sd_w"]), "drift_per_s": est(mu["drift"]),
                           "rate_hz": est(mu["rate"])},
        "sweep": {
            "rate_hz": {k: {key(q): est(sw["out"][k][j]) for j, q in enumerate(rates)} for k in ("additive", "fixed")},
            "silent_neurons": {k: {key(q): int(np.sum(sw["out"][k][j] <= 0)) for j, q in enumerate(rates)}
                               for k in ("additive", "fixed")},
            "gain": {k: est(gain(rates, sw["out"][k])) for k in ("additive", "fixed")},
            "drift_per_s": {key(q): est(v) for q, v in sw["drift_add"].items()},
            "elasticity": {"additive": None, "fixed": None, "difference_fixed_minus_additive": None,
                           "rates_used": int(loud.sum()),
                           "from_hz": float(rates[loud].min()) if loud.any() else None,
                           "to_hz": float(rates[loud].max()) if loud.any() else None},
        },
        "duration_s": config.duration_s,
        "settings": {"rate_hz": config.rate_hz, "n_inputs": config.n_inputs,
                     "sweep_duration_s": config.sweep_duration_s},
    }
    if loud.sum() >= 2:
        ea = elasticity(rates[loud], sw["out"]["additive"][loud])
        ef = elasticity(rates[loud], sw["out"]["fixed"][loud])
        headline["sweep"]["elasticity"].update(additive=est(ea), fixed=est(ef),
                                               difference_fixed_minus_additive=est(ef - ea))
    kinds = {"at_compare.t_s": "setting", "duration_s": "setting",
             **{f"settings.{k}": "setting" for k in headline["settings"]}}
    tables = _tables(config, learned, sw, mu, quiet)
    notes = [
        f"Weights in units of g_max; 'near a bound' is within {NEAR:g} g_max. Drift: least-squares slope of each "
        "replicate's statistic over the snapshots in the last 10 % (drift_per_s), the first 10 % and the last half "
        "of the learning run (per second); relative_change_per_run = last-half drift x duration / the statistic's "
        f"final value; converged when its 95 % interval lies within +-{CONVERGED:.0%}.",
        f"Sweep: learned weights from the {config.rate_hz:g} Hz run, learning on (additive) or held fixed, on the "
        f"same inputs at each rate; output rates counted over the last {config.measure_fraction:.0%} of "
        f"{config.sweep_duration_s:g} s (the learning neuron at {config.rate_hz:g} Hz: the last 10 % of the learning "
        f"run). Drift of the learning neurons at each swept rate: the last 10 % of the sweep (3 of 20 snapshots). "
        f"Multiplicative rule: {config.multiplicative_s:g} s from the same initial weights.",
        "Elasticity: slope of ln(output rate) against ln(input rate) over the rates at which every neuron fired; "
        "silent neurons are counted in sweep.silent_neurons (a failure mode, not a rate of 0 in the fit).",
        "Peers (table peers_measured_here): Brian2 2.9 and NEST 3.10 numbers are this project's own runs of the "
        "same network, not published values; compare them with at_compare (this engine at the same time), not "
        "with the converged numbers. Rates there are averages over the first 100 s.",
    ]
    return Result(headline, tables, notes, kinds)


def _tables(config, learned, sw, mu, quiet) -> dict:
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
    tables["learning"] = {"t_s": learned["times"].tolist()}
    for q in SHAPE:
        m, half = band(learned["track"][q])
        tables["learning"][q] = m.tolist()
        tables["learning"][f"{q}_ci_half"] = half.tolist()
    rates = sw["rates"]
    sweep_table = {"input_hz": rates.tolist(), "silent": [q in quiet for q in rates]}
    for k in ("additive", "fixed"):
        m, half = band(sw["out"][k].T)
        sweep_table[f"{k}_hz"] = m.tolist()
        sweep_table[f"{k}_ci_half"] = half.tolist()
    tables["sweep"] = sweep_table
    own = {"frac_low": stats.estimate(learned["at_compare"]["frac_low"]),
           "frac_high": stats.estimate(learned["at_compare"]["frac_high"]),
           "rate_hz": stats.estimate(learned["rate_to_compare"])}
    b2 = BRIAN2_NEURONS_HERE
    peers = list(PEERS_MEASURED_HERE) + [(b2[0], b2[2], b2[4], b2[5]),
                                         ("hebblab, this run", own["rate_hz"]["mean"], own["frac_low"]["mean"],
                                          own["frac_high"]["mean"])]
    tables["peers_measured_here"] = {
        "tool": [p[0] for p in peers], "rate_hz_first_100_s": [p[1] for p in peers],
        "frac_low_at_100_s": [p[2] for p in peers], "frac_high_at_100_s": [p[3] for p in peers],
        "neurons": [1] * len(PEERS_MEASURED_HERE) + [b2[1], config.replicates],
        "rate_ci_half": [float("nan")] * len(PEERS_MEASURED_HERE)
        + [b2[3], own["rate_hz"]["ci95"][1] - own["rate_hz"]["mean"]],
        "source": ["this project's single 100 s run, benchmarks/RESULTS.md (2026-11-28, session 4)"]
        * len(PEERS_MEASURED_HERE) + ["this project's runs, tests/test_exp_song_abbott.py brian2_reference "
                                      "(2026-12-01)", "this project's engine, this run (mean over neurons)"]}
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
    for col, label, color in (("mean_w", "mean w / w_max", "#3a6"), ("bimodality", "bimodality coefficient", "#63a"),
                              ("frac_low", "fraction within 0.1 of 0", "#a63"),
                              ("frac_high", "fraction within 0.1 of w_max", "#c33")):
        m, half = np.asarray(lt[col]), np.asarray(lt[f"{col}_ci_half"])
        ax.plot(ts, m, color=color, label=label)
        ax.fill_between(ts, m - half, m + half, color=color, alpha=0.25)
    ax.axhline(UNIFORM_BC, color="#63a", ls=":", lw=0.8, label="5/9 (uniform)")
    ax.axvspan(0.5 * ts[-1], ts[-1], color="#f0f0f0", label="last half (convergence)")
    ax.axvspan(0.9 * ts[-1], ts[-1], color="#ddd", label="last 10 % (drift)")
    ax.set(title="additive STDP while learning", xlabel="time (s)", ylabel="value (95 % band)", ylim=(0, 1.3))
    ax.set_yticks([0, 0.2, 0.4, 0.6, 0.8, 1.0])
    ax.title.set_fontsize(9)
    ax.legend(fontsize=6, loc="upper left", ncol=2)
    sw = t["sweep"]
    ax = axes[3]
    x = np.asarray(sw["input_hz"])
    quiet = np.asarray(sw["silent"], bool)
    for k, label, marker in (("additive", "additive STDP, learning", "o"), ("fixed", "learned weights held fixed", "^")):
        y, e = np.asarray(sw[f"{k}_hz"]), np.asarray(sw[f"{k}_ci_half"])
        ax.errorbar(x[~quiet], y[~quiet], yerr=e[~quiet], marker=marker, capsize=3, label=label)
    if quiet.any():
        ax.plot(x[quiet], np.full(quiet.sum(), 1.0), "x", color="#c00", label="a neuron silent (not in the fit)")
    ax.set_yscale("log")
    from matplotlib.ticker import FixedLocator, NullFormatter
    ax.yaxis.set_major_locator(FixedLocator([1, 2, 5, 10, 20, 50, 100, 200, 500, 1000]))
    ax.yaxis.set_major_formatter(lambda v, _: f"{v:g}")
    ax.yaxis.set_minor_formatter(NullFormatter())
    ax.set_xscale("log")
    ax.xaxis.set_major_locator(FixedLocator(x.tolist()))
    ax.xaxis.set_major_formatter(lambda v, _: f"{v:g}")
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.set(title="output against input rate (log-log: slope = elasticity)", xlabel="input rate (Hz)",
           ylabel="output rate (Hz, 95 % CI)")
    ax.title.set_fontsize(9)
    ax.legend(fontsize=7)
    fig.tight_layout()
    return [("weight_distributions", fig)]


def finding(result: Result) -> str:
    h = result.headline
    f = stats.fmt
    a, m, c, st = h["additive"], h["multiplicative"], h["at_compare"], h["settings"]
    peers_low = [p[2] for p in PEERS_MEASURED_HERE]
    peers_high = [p[3] for p in PEERS_MEASURED_HERE]
    peers_rate = [p[1] for p in PEERS_MEASURED_HERE]
    b2 = BRIAN2_NEURONS_HERE
    if a["silent_neurons"]:
        learning = (f"{a['silent_neurons']} of {a['rate_hz']['n']} learning neurons fired no spike over the last 10 % "
                    f"of the run at {st['rate_hz']:g} Hz input: a failure mode, not a learned state (a silent neuron "
                    "makes no pairs, so its weights do not move and a zero drift does not mean convergence). ")
    else:
        learning = ""
    return (
        f"{a['frac_low']['n']} independent neurons, each with {st['n_inputs']:,} Poisson inputs at "
        f"{st['rate_hz']:g} Hz (Brian2's example parameters, no inhibition, no refractory period), learned with "
        f"additive STDP for {h['duration_s']:g} s. {learning}{_convergence_words(h)} The distribution is "
        f"{_modal_words(a['bimodality'])} by Sarle's coefficient ({f(a['bimodality'], 3)}, against 5/9 for the "
        f"uniform start): {f(a['frac_low'], 2, True)} of weights lie within 0.1 w_max of zero and "
        f"{f(a['frac_high'], 2, True)} within 0.1 of w_max, the rest spread between them. The multiplicative "
        f"rule's distribution is {_modal_words(m['bimodality'])} (coefficient {f(m['bimodality'], 3)}, SD "
        f"{f(m['sd_w'], 2)} w_max around {f(m['mean_w'], 3)}; {f(m['frac_low'], 2, True)} and "
        f"{f(m['frac_high'], 2, True)} near the two bounds). {_rate_words(h)} Over the first {c['t_s']:g} s this "
        f"engine's neurons fired at {f(c['rate_hz'], 3, unit='Hz')} and left {f(c['frac_low'], 2, True)} of weights "
        f"below 0.1 w_max and {f(c['frac_high'], 2, True)} above 0.9; in this project's own runs of the same network "
        f"{b2[1]} Brian2 2.9 neurons fired at {b2[2]:.1f} [{b2[2] - b2[3]:.1f}, {b2[2] + b2[3]:.1f}] Hz "
        f"({100 * b2[4]:.0f} % and {100 * b2[5]:.0f} %), single runs gave {min(peers_rate[:2]):.1f}-"
        f"{max(peers_rate[:2]):.1f} Hz with Brian2 and {min(peers_rate[2:]):.1f}-{max(peers_rate[2:]):.1f} Hz with "
        f"NEST 3.10 ({100 * min(peers_low):.0f}-{100 * max(peers_low):.0f} % and "
        f"{100 * min(peers_high):.0f}-{100 * max(peers_high):.0f} %): NEST's rate is a third lower, not explained "
        "here. No claim of the article is decided here: this "
        "is a check of the engine against a published model."
    )


def _convergence_words(h: dict) -> str:
    a, f = h["additive"], stats.fmt
    rel, ok = a["relative_change_per_run"], a["converged"]
    names = {"mean_w": "mean weight", "bimodality": "bimodality coefficient", "frac_low": "fraction near 0",
             "frac_high": "fraction near w_max"}
    parts = [f"{names[q]} by {f(rel[q], 2, True)}" if rel[q] else f"{names[q]} by n/a" for q in SHAPE]
    done = [names[q] for q in SHAPE if ok[q]]
    open_ = [names[q] for q in SHAPE if not ok[q]]
    if not open_:
        verdict = "all four have converged"
    elif not done:
        verdict = "none has shown convergence"
    elif done == ["mean weight"]:
        verdict = ("the run has converged in mean weight but not in shape (the bimodality coefficient and the "
                   "fractions near the bounds still grow)")
    else:
        verdict = f"converged: {', '.join(done)}; not converged: {', '.join(open_)}"
    return (f"Over the last 10 % of the run the mean weight drifted {f(a['drift_per_s']['mean_w'], 2)} w_max per "
            f"second, against {f(a['first_drift_per_s']['mean_w'], 2)} in the first 10 %. At the drift of the last "
            f"half of the run (the last 10 % is too short to bound it; for a slowing approach an over-estimate), "
            f"another run as long would change the {'; the '.join(parts)} (relative to each; converged = a 95 % "
            f"interval within +-{CONVERGED:.0%}): {verdict}.")


def _rate_words(h: dict) -> str:
    s, f, st = h["sweep"], stats.fmt, h["settings"]
    e = s["elasticity"]
    quiet = [k.removesuffix("_hz") for k, v in s["silent_neurons"]["additive"].items()
             if v or s["silent_neurons"]["fixed"][k]]
    used = (f"the elasticity uses the {e['rates_used']} rates at which every neuron fired, {e['from_hz']:g}-"
            f"{e['to_hz']:g} Hz." if e["rates_used"] >= 2 else "no two rates had every neuron firing.")
    silence = (f" At {', '.join(quiet)} Hz input a neuron fired no spike while counted (a failure mode): "
               + used) if quiet else ""
    if e["additive"] is None:
        return f"Song, Miller & Abbott's rate criterion could not be judged.{silence}"
    ea, ef = e["additive"], e["fixed"]
    near = ea["ci95"][1] < NEARLY_INDEPENDENT
    rates = s["rate_hz"]
    lo, hi = f"{e['from_hz']:g}_hz", f"{e['to_hz']:g}_hz"
    return (
        "Song, Miller & Abbott's rate criterion, judged by the elasticity of the output rate against the input rate "
        f"(d ln out / d ln in; 0: independent of the input, 1: proportional to it; 'nearly independent' taken here as "
        f"an interval below {NEARLY_INDEPENDENT:g}), with the learned weights learning on or held fixed for "
        f"{st['sweep_duration_s']:g} s on the same inputs: the learning neuron's elasticity is {f(ea, 2)} "
        f"({f(rates['additive'][lo], 3, unit='Hz')} at {e['from_hz']:g} Hz input, "
        f"{f(rates['additive'][hi], 3, unit='Hz')} at {e['to_hz']:g} Hz), the fixed-weight neuron's {f(ef, 3)} "
        f"({f(rates['fixed'][lo], 3, unit='Hz')} to {f(rates['fixed'][hi], 3, unit='Hz')}: without a refractory "
        "period it runs away). Learning makes the rate "
        + ("less steep than fixed weights do" if ea["ci95"][1] < ef["ci95"][0] else
           "no less steep than fixed weights do, within the intervals")
        + (", and nearly independent of the input." if near else
           f", but not nearly independent of it in this network: the output still rises by about "
           f"{100 * (2 ** ea['mean'] - 1):.0f} % per doubling of the input.")
        + silence
    )


def _modal_words(v: dict) -> str:
    lo, hi = v["ci95"]
    if lo > UNIFORM_BC:
        return "bimodal"
    if hi < UNIFORM_BC:
        return "unimodal"
    return "neither clearly bimodal nor unimodal"


#: what each figure shows and which claim of the article it tests (the report's captions)
CAPTIONS = {
    "weight_distributions": "Song, Miller & Abbott's criteria on the engine: the weight distributions after "
    "learning (additive: bimodal; multiplicative: unimodal), additive STDP's bimodality and weights near the "
    "bounds while learning, and the output rate against the input rate (slope: elasticity), learning on and with "
    "the learned weights fixed. Checks the engine against a published STDP result.",
}


register_experiment(Experiment(
    name="song-abbott",
    question="Does the engine reproduce Song, Miller & Abbott's criteria: bimodal additive weights, unimodal "
             "multiplicative ones, and how steeply does the output rate follow the input rate after learning?",
    about=("1000 Poisson inputs drive one conductance-based LIF neuron through STDP synapses (Song, Miller & "
           "Abbott 2000; parameters of Brian2's STDP example). Additive STDP with hard bounds makes the inputs "
           "compete: weights move towards the two bounds, and the output rate is regulated. Song, Miller & "
           "Abbott report that after learning the output rate is nearly independent of the input rate; here it is "
           "measured as the elasticity of the output rate against the input rate (d ln out / d ln in), with the "
           "learned weights learning on and held fixed. Multiplicative STDP pulls every weight to one interior "
           "value. Replicates are independent neurons run side by side; the drift of the mean weight and of the "
           "distribution's shape over the last 10 % of the run says what has converged. An engine check against a "
           "published model; Brian2 and NEST numbers in the tables are this project's own runs."),
    config=Config,
    quick=dict(replicates=5),
    full=dict(replicates=20, duration_s=1000.0, samples=200, sweep_rates_hz=(20.0, 25.0, 30.0),
              sweep_duration_s=200.0, multiplicative_s=100.0),
    run=run,
    figures=figures, captions=CAPTIONS,
    summary=(
        Headline("additive.bimodality", "additive STDP: Sarle's bimodality coefficient after learning (5/9 for "
                 "the uniform start)", digits=3),
        Headline("additive.frac_near_bounds", "additive STDP: weights within 0.1 w_max of a bound after learning",
                 percent=True, digits=2),
        Headline("sweep.elasticity.additive", "elasticity of the output rate against the input rate after learning "
                 "(0: independent of it, 1: proportional)", digits=2),
        Headline("sweep.elasticity.fixed", "the same with the learned weights held fixed", digits=3),
    ),
    finding=finding,
))
