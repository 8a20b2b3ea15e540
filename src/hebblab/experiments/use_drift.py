"""use-drift: what using a network does to the values stored in its plastic synapses.

Store values in the synapses of a layer (n_in Poisson inputs -> n_out integrate-and-fire neurons,
all to all), then "use" the layer: the inputs fire at random (Poisson) and the outputs respond.
Every plasticity rule keeps running, because a biological synapse cannot be switched off. We
record the correlation between the weights and the stored values over time and report its
half-life (the time at which it has fallen to 0.5; extrapolated with an exponential fit when the
run is shorter).

Same layer and activity for every rule; the layer is Brain Simulator II style IF neurons in 1 ms
cycles (weights in [0, 1], leak per cycle), so all four rules share units:

* ``additive``: pair STDP, mu = 0, a+ = 0.005, a- = 0.00525 (all-to-all);
* ``multiplicative``: pair STDP, mu = 1, a+ = a- = 0.01 (the same step at w = 0.5);
* ``bs2_hebbian3``: Brain Simulator II's Hebbian3;
* ``binary_burst``: the binary burst synapse; it stores bits (w = 0.5 for 1, 0 for 0) and is read
  as ``[w >= 0.2]``.
"""

from __future__ import annotations

import math

import numpy as np
from pydantic import Field

from ..network import Network
from ..neurons import IF, PoissonSource
from ..plasticity import BinaryBurst, BS2Hebbian3, PairSTDP
from .base import Experiment, ExperimentConfig, Result, progress_bar, register_experiment

RULES = ("additive", "multiplicative", "bs2_hebbian3", "binary_burst")


class Config(ExperimentConfig):
    n_in: int = Field(100, ge=2, le=100_000)
    n_out: int = Field(20, ge=1, le=100_000)
    rate_hz: float = Field(10.0, gt=0, le=500)
    duration_s: float = Field(60.0, gt=0, le=100_000)
    samples: int = Field(30, ge=3, le=10_000)
    threshold: float = Field(3.0, gt=0, le=1000, description="IF threshold of the outputs")
    leak: float = Field(0.2, ge=0, le=1, description="IF leak per 1 ms cycle")


def make_rule(name: str):
    return {"additive": PairSTDP(a_plus=0.005, a_minus=0.00525, mu=0.0),
            "multiplicative": PairSTDP(a_plus=0.01, a_minus=0.01, mu=1.0),
            "bs2_hebbian3": BS2Hebbian3(),
            "binary_burst": BinaryBurst()}[name]


def half_life(t: np.ndarray, corr: np.ndarray) -> tuple[float, bool]:
    """Time at which corr falls to 0.5 (interpolated), or an exponential extrapolation.

    Returns (half_life, measured): measured is False when it was extrapolated.
    """
    below = np.flatnonzero(corr <= 0.5)
    if below.size:
        k = below[0]
        if k == 0:
            return float(t[0]), True
        t0, t1, c0, c1 = t[k - 1], t[k], corr[k - 1], corr[k]
        return float(t0 + (t1 - t0) * (c0 - 0.5) / (c0 - c1)), True
    ok = corr > 0.05
    slope = np.polyfit(t[ok], np.log(corr[ok]), 1)[0] if ok.sum() >= 2 else 0.0
    return (math.log(2) / -slope if slope < 0 else math.inf), False


def run(config: Config, seed: int = 1, progress: bool = False) -> Result:
    rng = np.random.default_rng(seed)
    n_syn = config.n_in * config.n_out
    analog = rng.uniform(0.05, 0.95, n_syn)
    bits = rng.random(n_syn) < 0.5
    curves, rates, extra = {}, {}, {}
    t = None
    with progress_bar(progress, len(RULES) * config.samples, "use-drift") as bar:
        for name in RULES:
            rule = make_rule(name)
            stored = np.where(bits, 0.5, 0.0) if name == "binary_burst" else analog
            net = Network(dt=1e-3, seed=seed)
            inp = net.add(PoissonSource(n=config.n_in, rate=config.rate_hz))
            out = net.add(IF(n=config.n_out, threshold=config.threshold, leak=config.leak))
            syn = net.connect(inp, out, rule=rule, w=np.clip(stored, *rule.bounds()))
            sp = net.monitor(out)
            target = bits.astype(float) if name == "binary_burst" else stored
            corr, times = [1.0], [0.0]
            for k in range(config.samples):
                net.run(config.duration_s / config.samples)
                now = rule.bit(syn.w).astype(float) if name == "binary_burst" else syn.w
                c = np.corrcoef(now, target)[0, 1] if np.std(now) > 0 else 0.0
                corr.append(float(c))
                times.append(net.t)
                bar.advance()
            curves[name] = corr
            t = np.array(times)
            rates[name] = len(sp) / (config.n_out * config.duration_s)
            if name == "binary_burst":
                extra["bit_error_rate"] = float(np.mean(rule.bit(syn.w) != bits))
    headline = {"half_life_s": {}, "half_life_measured": {}, "final_correlation": {}, "output_rate_hz": rates}
    for name in RULES:
        hl_s, measured = half_life(t, np.asarray(curves[name]))
        headline["half_life_s"][name] = hl_s if math.isfinite(hl_s) else None
        headline["half_life_measured"][name] = measured
        headline["final_correlation"][name] = curves[name][-1]
    headline["binary_burst_bit_error_rate"] = extra["bit_error_rate"]
    notes = ["half_life_s is null when the correlation did not decay at all in the run (no finite half-life); "
             "half_life_measured is false when it was extrapolated from an exponential fit.",
             f"binary_burst: a synapse sized to learn in one burst also learns from chance coincidences of single "
             f"spikes; here the outputs' rate rose to {rates['binary_burst']:.0f} Hz and {extra['bit_error_rate']:.0%} "
             "of the stored bits flipped. Learning would have to be gated (bursts only) to keep the bits."]
    return Result(headline, {"correlation": {"t_s": t.tolist(), **curves}}, notes)


def figures(result: Result):
    from matplotlib.figure import Figure
    c = result.tables["correlation"]
    fig = Figure(figsize=(6.5, 4))
    ax = fig.subplots()
    for name in RULES:
        hl_s = result.headline["half_life_s"][name]
        label = f"{name} (half-life {hl_s:.3g} s)" if hl_s is not None else f"{name} (no decay)"
        ax.plot(c["t_s"], c[name], "o-", ms=3, label=label)
    ax.axhline(0.5, color="#999", ls=":")
    ax.set(xlabel="time in use (s)", ylabel="correlation with stored values", ylim=(-0.1, 1.05),
           title="stored values under ongoing activity")
    ax.legend(fontsize=8)
    return [("use_drift", fig)]


register_experiment(Experiment(
    name="use-drift",
    question="How fast do stored weights decay while the network is used, for each plasticity rule?",
    about=("Values are stored in a layer of plastic synapses and the layer is then simply used: random input "
           "activity, outputs responding, plasticity running as it always does in a brain. The figure shows how "
           "the weights' correlation with the stored values falls with time for additive and multiplicative STDP, "
           "Brain Simulator II's Hebbian3 and the binary burst synapse (read as bits). It tests the article's claim "
           "that using a network changes its weights, so analog values written by STDP do not stay written."),
    config=Config, quick=dict(duration_s=60.0, samples=20), full=dict(duration_s=1800.0, samples=120, n_in=400, n_out=50),
    run=run, figures=figures))
