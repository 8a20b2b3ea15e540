"""addressing: "there is no way to fire a specific neuron", and even if there were.

A recurrent network of LIF neurons with plastic (additive, all-to-all STDP) synapses runs on
random background input. We pick one synapse a -> b and try to potentiate it the only way STDP
allows: by making a fire and then b fire ``lag`` later, ``n_pairings`` times (here with ideal,
single-neuron stimulation, which real electrodes cannot do). A control run with the same seed and
the same background, without the stimulation, gives each synapse's change under background
activity alone; the protocol's effect is the difference. We count how many other synapses the
protocol changed by more than 10 % of the target's change: every synapse out of a and into b is
paired too, and the extra spikes propagate through the network.
"""

from __future__ import annotations

import numpy as np
from pydantic import Field

from ..connectivity import FixedProbability
from ..network import Network
from ..neurons import LIF, PoissonSource
from ..plasticity import PairSTDP
from ..units import mV, ms
from .base import Experiment, ExperimentConfig, Result, progress_bar, register_experiment


class Config(ExperimentConfig):
    n: int = Field(200, ge=10, le=100_000)
    p: float = Field(0.1, gt=0, le=1)
    n_pairings: int = Field(60, ge=1, le=10_000)
    pairing_hz: float = Field(10.0, gt=0, le=100)
    lag_ms: float = Field(5.0, gt=0, le=50)
    background_hz: float = Field(1000.0, gt=0, le=5000)
    background_mv: float = Field(2.8, gt=0, le=20)
    w_max_mv: float = Field(2.0, gt=0, le=20)


def build(config: Config, seed: int):
    net = Network(dt=0.1 * ms, seed=seed)
    neurons = net.add(LIF(n=config.n, tau_m=20 * ms, v_rest=-70 * mV, v_thresh=-54 * mV, v_reset=-65 * mV,
                          t_ref=2 * ms, tau_e=5 * ms, tau_i=5 * ms))
    bg = net.add(PoissonSource(n=config.n, rate=config.background_hz))
    net.connect(bg, neurons, w=config.background_mv * mV, connectivity="one_to_one")
    w_max = config.w_max_mv * mV
    rule = PairSTDP(a_plus=0.01 * w_max, a_minus=0.0105 * w_max, tau_plus=16.8 * ms, tau_minus=33.7 * ms, w_max=w_max)
    rec = net.connect(neurons, neurons, rule=rule, w=0.5 * w_max, delay=1 * ms,
                      connectivity=FixedProbability(config.p, allow_self=False))
    return net, neurons, rec


def run(config: Config, seed: int = 1, progress: bool = False) -> Result:
    duration = 0.5 + config.n_pairings / config.pairing_hz + 0.5
    finals, rates = {}, {}
    with progress_bar(progress, 2, "addressing") as bar:
        for label in ("control", "protocol"):
            net, neurons, rec = build(config, seed)
            s = int(np.argmax(np.diff(rec.indptr) > 0))  # first pre neuron with an outgoing synapse
            target = int(rec.indptr[s])
            a, b = int(rec.pre_index[target]), int(rec.post_index[target])
            w0 = rec.w.copy()
            if label == "protocol":
                t_pair = 0.5 + np.arange(config.n_pairings) / config.pairing_hz
                net.inject(neurons, t_pair, np.full(t_pair.size, a), 40 * mV, kind="voltage")
                net.inject(neurons, t_pair + config.lag_ms * ms, np.full(t_pair.size, b), 40 * mV, kind="voltage")
            sp = net.monitor(neurons)
            net.run(duration)
            finals[label] = rec.w - w0
            rates[label] = len(sp) / (config.n * duration)
            bar.advance()
    effect = finals["protocol"] - finals["control"]
    target_dw = float(effect[target])
    others = np.ones(effect.size, bool)
    others[target] = False
    changed = np.abs(effect) > 0.1 * abs(target_dw)
    shares = (rec.pre_index == a) | (rec.post_index == b) | (rec.pre_index == b) | (rec.post_index == a)
    w_max = config.w_max_mv * mV
    headline = {
        "target_dw": target_dw / w_max,
        "collateral_fraction_changed": float(np.mean(changed[others])),
        "collateral_changed_count": int(np.sum(changed[others])),
        "collateral_fraction_sharing_a_neuron": float(np.mean(changed[others & shares])) if np.any(others & shares) else 0.0,
        "collateral_fraction_elsewhere": float(np.mean(changed[others & ~shares])),
        "synapses": int(effect.size),
        "rate_hz_control": rates["control"],
        "rate_hz_protocol": rates["protocol"],
    }
    notes = ["target_dw is in units of w_max; a change counts as collateral when it exceeds 10 % of the target's "
             "change, after subtracting the change the same background caused without the protocol."]
    tables = {"effect": {"dw_over_wmax": (effect / w_max).tolist(), "pre": rec.pre_index.tolist(),
                         "post": rec.post_index.tolist(), "shares_a_neuron": shares.tolist()}}
    return Result(headline, tables, notes)


def figures(result: Result):
    from matplotlib.figure import Figure
    e = result.tables["effect"]
    dw = np.asarray(e["dw_over_wmax"])
    shares = np.asarray(e["shares_a_neuron"], bool)
    target = result.headline["target_dw"]
    fig = Figure(figsize=(6.5, 4))
    ax = fig.subplots()
    bins = np.linspace(-max(abs(dw).max(), 1e-6), max(abs(dw).max(), 1e-6), 60)
    ax.hist(dw[~shares], bins=bins, alpha=0.7, label="other synapses")
    ax.hist(dw[shares], bins=bins, alpha=0.7, label="synapses sharing a neuron with the target")
    ax.axvline(target, color="#c33", label=f"target synapse ({target:+.3f})")
    for x in (0.1 * target, -0.1 * target):
        ax.axvline(x, color="#999", ls=":")
    ax.set_yscale("log")
    ax.set(xlabel="change caused by the protocol (w / w_max)", ylabel="synapses",
           title=f"{result.headline['collateral_fraction_changed']:.1%} of other synapses changed > 10 % of target")
    ax.legend(fontsize=8)
    return [("collateral_changes", fig)]


register_experiment(Experiment(
    name="addressing",
    question="Can one synapse be set by driving its two neurons, without changing the others?",
    about=("In a recurrent plastic network we try to write a single synapse by pairing its pre- and post-synaptic "
           "neurons, even granting the impossible: stimulation of exactly those two neurons. The histogram shows what "
           "the protocol did to every other synapse (after subtracting what background activity alone did). It tests "
           "the article's point that there is no way to address one synapse: every synapse of the two neurons is "
           "paired as well, and the evoked spikes spread plasticity through the network."),
    config=Config, quick=dict(), full=dict(n=2000, p=0.05),
    run=run, figures=figures))
