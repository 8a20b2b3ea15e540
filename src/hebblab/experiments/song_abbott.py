"""Song, Miller & Abbott 2000 (Nat. Neurosci. 3:919): competitive Hebbian learning through STDP.

1000 Poisson inputs at 15 Hz drive one conductance-based LIF neuron through additive STDP; the
weights split into a bimodal distribution (most near 0 or w_max). With multiplicative STDP
(mu = 1) the distribution is unimodal instead (Rubin, Lee & Sompolinsky 2001; Gütig et al. 2003).

Parameters as in Brian2's ``examples/synapses/STDP.py`` so results compare: taum 10 ms,
El -74 mV, Ee 0 mV, vt -54 mV, vr -60 mV, taue 5 ms; taupre = taupost = 20 ms, gmax 0.01,
dApre = 0.01 gmax, dApost = -1.05 dApre; initial w uniform in [0, gmax].
"""

from __future__ import annotations

import numpy as np
from pydantic import Field

from ..networks import GMAX, build_network
from .base import Experiment, ExperimentConfig, Result, progress_bar, register_experiment


class Config(ExperimentConfig):
    n_inputs: int = Field(1000, ge=10, le=100_000, description="number of Poisson inputs")
    rate_hz: float = Field(15.0, gt=0, le=1000, description="input rate (Hz)")
    duration_s: float = Field(100.0, gt=0, le=10_000, description="biological time (s)")
    samples: int = Field(50, ge=2, le=10_000, description="weight snapshots over the run")


def run(config: Config, seed: int = 1, progress: bool = False) -> Result:
    out: dict = {}
    tables: dict = {}
    with progress_bar(progress, 2 * config.samples, "song-abbott") as bar:
        for label, mu in (("additive", 0.0), ("multiplicative", 1.0)):
            net, _, neuron, syn = build_network(n_inputs=config.n_inputs, rate=config.rate_hz, mu=mu, seed=seed)
            sp = net.monitor(neuron)
            mean_w = []
            for _ in range(config.samples):
                net.run(config.duration_s / config.samples)
                mean_w.append(float(syn.w.mean() / GMAX))
                bar.advance()
            w = syn.w / GMAX
            out[label] = dict(w=w, rate=len(sp) / config.duration_s, mean_w=mean_w)
            hist, edges = np.histogram(w, bins=20, range=(0, 1))
            tables[f"histogram_{label}"] = {"w_low": edges[:-1].tolist(), "w_high": edges[1:].tolist(),
                                            "count": hist.tolist()}
    times = (np.arange(1, config.samples + 1) * config.duration_s / config.samples).tolist()
    tables["mean_weight"] = {"t_s": times, "additive": out["additive"]["mean_w"],
                             "multiplicative": out["multiplicative"]["mean_w"]}
    tables["final_weights"] = {"additive": out["additive"]["w"].tolist(),
                               "multiplicative": out["multiplicative"]["w"].tolist()}
    headline = {
        "frac_low_additive": float(np.mean(out["additive"]["w"] < 0.1)),
        "frac_high_additive": float(np.mean(out["additive"]["w"] > 0.9)),
        "frac_low_multiplicative": float(np.mean(out["multiplicative"]["w"] < 0.1)),
        "frac_high_multiplicative": float(np.mean(out["multiplicative"]["w"] > 0.9)),
        "rate_hz_additive": out["additive"]["rate"],
        "rate_hz_multiplicative": out["multiplicative"]["rate"],
        "published_brian2_nest": {"frac_low_additive": 0.24, "frac_high_additive": 0.18},
    }
    notes = ["Published comparison: Brian2 and NEST give about 24 % of weights below 0.1 w_max and 18 % "
             "above 0.9 w_max for the additive rule after 100 s with these parameters."]
    return Result(headline, tables, notes)


def figures(result: Result):
    from matplotlib.figure import Figure
    fig = Figure(figsize=(10, 3.6))
    axes = fig.subplots(1, 3)
    for ax, label in zip(axes[:2], ("additive", "multiplicative")):
        w = np.asarray(result.tables["final_weights"][label])
        ax.hist(w, bins=40, range=(0, 1), color="#3a6" if label == "additive" else "#36a")
        ax.set(title=f"{label} STDP", xlabel="w / w_max", ylabel="synapses")
    t = result.tables["mean_weight"]
    axes[2].plot(t["t_s"], t["additive"], label="additive")
    axes[2].plot(t["t_s"], t["multiplicative"], label="multiplicative")
    axes[2].set(title="mean weight", xlabel="time (s)", ylabel="mean w / w_max")
    axes[2].legend()
    fig.tight_layout()
    return [("weight_distributions", fig)]


register_experiment(Experiment(
    name="song-abbott",
    question="Does the engine reproduce the classic STDP result: bimodal weights for additive, unimodal for multiplicative?",
    about=("1000 Poisson inputs at 15 Hz drive one conductance-based LIF neuron through STDP synapses "
           "(Song, Miller &amp; Abbott 2000; parameters of Brian2's STDP example). Additive STDP with hard "
           "bounds makes the inputs compete: weights split to the two bounds (a bimodal histogram). "
           "Multiplicative STDP pulls every weight to one interior value (unimodal). This is an engine check "
           "against the published result and against Brian2 and NEST, which give about 24 % and 18 % of "
           "weights at the lower and upper bound."),
    config=Config,
    quick=dict(duration_s=100.0, samples=20),
    full=dict(duration_s=300.0, samples=100),
    run=run,
    figures=figures,
))
