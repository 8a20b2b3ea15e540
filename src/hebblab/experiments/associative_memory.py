r"""associative-memory: a Willshaw memory whose binary synapses are learned by single bursts.

Willshaw, Buneman & Longuet-Higgins 1969 (Nature 222:960): m inputs, n outputs, pattern pairs
with k active inputs and l active outputs. Learning sets synapse (i, j) to 1 if i and j were ever
active together; recall fires output j iff all k active inputs reach it (threshold k). After M
pairs a fraction ``p1 = 1 - (1 - kl/(mn))^M`` of synapses is set, a non-target output fires with
probability ``p1^k``, so a recall has ``(n - l) p1^k`` spurious units on average. At p1 = 1/2,
``M = ln 2 / -ln(1 - kl/(mn))`` (about 6,900 for m = n = 1000, k = l = 10) and the capacity tends
to ln 2 bits per synapse for large, sparse networks.

Here learning is done by the spiking engine: each pair is presented once, the k inputs fire a
burst of B = 5 spikes and the l outputs are made to fire the same burst ``lag`` later (teacher
kicks; the outputs' own threshold is out of reach during learning), so each synapse between
active units receives ONE burst of causal pairings (:class:`~hebblab.plasticity.BinaryBurst`).
Recall is a second network of IF neurons in 1 ms cycles reading the bits (``[w >= theta]``) with
threshold k and full leak, driven by the k inputs' bursts.

Palimpsest: two-state stochastic synapses (Amit & Fusi 1994) store a stream of random patterns;
each presentation sets each synapse to its pattern bit with probability q, so the trace of a
pattern decays as ``q (1 - q)^n`` after n later ones, ``SNR = sqrt(N) q e^{-q r t}`` (Fusi & Abbott
2007), lifetime ``ln(q sqrt(N)) / (q r)``.
"""

from __future__ import annotations

import math

import numpy as np
from pydantic import Field

from ..network import Network
from ..neurons import IF, SpikeSource
from ..plasticity import BinaryBurst, TwoStateStochastic
from ..units import ms
from .base import Experiment, ExperimentConfig, Result, progress_bar, register_experiment


class Config(ExperimentConfig):
    m: int = Field(1000, ge=10, le=100_000, description="inputs")
    n: int = Field(1000, ge=10, le=100_000, description="outputs")
    k: int = Field(10, ge=1, le=1000)
    l: int = Field(10, ge=1, le=1000)
    overshoot: float = Field(1.1, ge=1.0, le=3.0, description="patterns learned / predicted half-full count")
    chunks: int = Field(11, ge=2, le=200)
    n_recall: int = Field(200, ge=10, le=100_000)
    slot_ms: float = Field(200.0, ge=20, le=10_000, description="time between pattern presentations")
    palimpsest_n: int = Field(10_000, ge=100, le=10_000_000)
    palimpsest_q: float = Field(0.1, gt=0, lt=1)
    palimpsest_rate_hz: float = Field(1.0, gt=0, le=20)
    palimpsest_patterns: int = Field(60, ge=5, le=100_000)


def theory_p1(M, k, l, m, n):
    return 1.0 - (1.0 - k * l / (m * n)) ** M


def half_full_M(k, l, m, n):
    return math.log(2.0) / -math.log1p(-k * l / (m * n))


def spurious_with_usage(M: int, config: Config) -> float:
    """Expected spurious units when each output's column fills according to how often it was used.

    Output j takes part in c_j ~ Binomial(M, l/n) pairs, so its column has
    ``p1_j = 1 - (1 - k/m)^{c_j}`` set and fires spuriously with probability ``p1_j^k``; averaging
    ``p1_j^k`` (not ``p1^k``) accounts for the spread of usage (Buckingham & Willshaw 1992).
    """
    from scipy.stats import binom
    c = np.arange(0, M + 1)
    pmf = binom.pmf(c, M, config.l / config.n)
    p1j = 1.0 - (1.0 - config.k / config.m) ** c
    return float((config.n - config.l) * np.sum(pmf * p1j ** config.k))


def learn(config: Config, patterns_in, patterns_out, rule, progress_cb, seed):
    """Learn all pairs in the engine; return the fraction of set synapses after each chunk, and the
    weights after each chunk (as bit matrices, only for the chunk nearest to half-full)."""
    dt = 1e-3
    slot = config.slot_ms * ms
    isi, lag = 2 * dt, 1 * dt
    M = len(patterns_in)
    t_in, i_in, t_out, i_out = [], [], [], []
    burst = np.arange(5) * isi
    for p in range(M):
        t0 = 0.01 + p * slot
        for i in patterns_in[p]:
            t_in.append(t0 + burst)
            i_in.append(np.full(5, i))
        for j in patterns_out[p]:
            # a kick at step t makes the output fire at step t: the burst of post spikes, lag after
            t_out.append(t0 + lag + burst)
            i_out.append(np.full(5, j))
    net = Network(dt=dt, seed=seed)
    inp = net.add(SpikeSource(n=config.m, times=np.concatenate(t_in), indices=np.concatenate(i_in)))
    out = net.add(IF(n=config.n, threshold=1e9, leak=1.0))  # fires only when the teacher kicks it
    syn = net.connect(inp, out, rule=rule, w=0.0)
    net.inject(out, np.concatenate(t_out), np.concatenate(i_out), 2e9, kind="voltage")
    bounds = np.linspace(0, M, config.chunks + 1).astype(int)[1:]
    fractions, snapshots = [], []
    for b in bounds:
        net.run(0.01 + b * slot - net.t)
        bits = syn.w >= rule.theta
        fractions.append(float(bits.mean()))
        snapshots.append(bits.copy())
        progress_cb()
    return bounds, np.array(fractions), snapshots, syn


def recall(bits: np.ndarray, syn, config: Config, patterns_in, patterns_out, which) -> tuple[float, float]:
    """Mean spurious and missing output units per recall, in the spiking recall network."""
    dt = 1e-3
    slot = 0.02
    t_in, i_in = [], []
    for r, p in enumerate(which):
        for i in patterns_in[p]:
            t_in.append(0.005 + r * slot + np.arange(5) * dt)
            i_in.append(np.full(5, i))
    net = Network(dt=dt, seed=0)
    inp = net.add(SpikeSource(n=config.m, times=np.concatenate(t_in), indices=np.concatenate(i_in)))
    out = net.add(IF(n=config.n, threshold=float(config.k) - 0.5, leak=1.0))
    on = bits.astype(bool)
    net.connect(inp, out, w=1.0, connectivity=(syn.pre_index[on], syn.post_index[on]))
    sp = net.monitor(out)
    net.run(len(which) * slot + 0.01)
    trial = (sp.t // slot).astype(int)
    spurious, missing = [], []
    for r, p in enumerate(which):
        fired = set(sp.i[trial == r].tolist())
        target = set(patterns_out[p].tolist())
        spurious.append(len(fired - target))
        missing.append(len(target - fired))
    return float(np.mean(spurious)), float(np.mean(missing))


def palimpsest(config: Config, seed: int):
    """Signal of the first pattern after n later ones, engine-simulated two-state synapses."""
    rng = np.random.default_rng(seed)
    N, P = config.palimpsest_n, config.palimpsest_patterns
    dt = 0.1 * ms
    period = 1.0 / config.palimpsest_rate_hz
    lag = 2 * ms
    bits = rng.random((P, N)) < 0.5
    starts = 0.05 + np.arange(P) * period
    pre_t = (starts[:, None] + np.where(bits, 0.0, lag)).ravel()
    post_t = (starts[:, None] + np.where(bits, lag, 0.0)).ravel()
    idx = np.tile(np.arange(N), P)
    rule = TwoStateStochastic(q=config.palimpsest_q, window_plus=10 * ms, window_minus=10 * ms)
    net = Network(dt=dt, seed=seed)
    pre = net.add(SpikeSource(n=N, times=pre_t, indices=idx))
    post = net.add(SpikeSource(n=N, times=post_t, indices=idx))
    w0 = (rng.random(N) < 0.5).astype(float)
    syn = net.connect(pre, post, rule=rule, w=w0, connectivity="one_to_one")
    signal = []
    for p in range(P):
        net.run(starts[p] + period / 2 - net.t)
        signal.append(float(np.mean((2 * syn.w - 1) * (2 * bits[0] - 1))))
    return np.array(signal)


def run(config: Config, seed: int = 1, progress: bool = False) -> Result:
    rng = np.random.default_rng(seed)
    M_half = half_full_M(config.k, config.l, config.m, config.n)
    M = int(math.ceil(config.overshoot * M_half))
    patterns_in = [rng.choice(config.m, config.k, replace=False) for _ in range(M)]
    patterns_out = [rng.choice(config.n, config.l, replace=False) for _ in range(M)]
    rule = BinaryBurst(readout="threshold")
    with progress_bar(progress, config.chunks + 2, "associative-memory") as bar:
        stored, p1, snaps, syn = learn(config, patterns_in, patterns_out, rule, bar.advance, seed)
        # half-full point by interpolation of the measured fraction of set synapses
        if p1[-1] >= 0.5:
            patterns_half = float(np.interp(0.5, p1, stored))
        else:
            patterns_half = math.nan
        c = int(np.argmin(np.abs(p1 - 0.5)))
        which = rng.choice(stored[c], min(config.n_recall, stored[c]), replace=False)
        spurious, missing = recall(snaps[c], syn, config, patterns_in, patterns_out, which)
        bar.advance()
        signal = palimpsest(config, seed)
        bar.advance()
    M_c = int(stored[c])
    p1_c = float(p1[c])
    spurious_theory = (config.n - config.l) * p1_c ** config.k
    spurious_theory_usage = spurious_with_usage(M_c, config)
    # information per pattern: which l of n, minus the uncertainty the spurious units leave
    info_pattern = (math.lgamma(config.n + 1) - math.lgamma(config.l + 1) - math.lgamma(config.n - config.l + 1)
                    - (math.lgamma(config.l + spurious + 1) - math.lgamma(config.l + 1) - math.lgamma(spurious + 1))) / math.log(2)
    bits_per_synapse = M_c * info_pattern / (config.m * config.n)
    q, N, r = config.palimpsest_q, config.palimpsest_n, config.palimpsest_rate_hz
    n_axis = np.arange(signal.size)
    theory_signal = q * (1 - q) ** n_axis
    lifetime_theory = math.log(q * math.sqrt(N)) / (q * r)
    # measured lifetime: fit log signal (where it is well above noise) and solve sqrt(N) signal = 1
    ok = signal > 3 / math.sqrt(N)
    slope, icpt = np.polyfit(n_axis[ok], np.log(signal[ok]), 1) if ok.sum() >= 3 else (math.nan, math.nan)
    lifetime_sim = (math.log(1 / math.sqrt(N)) - icpt) / slope / r if slope < 0 else math.nan
    headline = {
        "patterns_stored": patterns_half,
        "patterns_stored_theory": M_half,
        "fraction_set_at_recall": p1_c,
        "fraction_set_theory": theory_p1(M_c, config.k, config.l, config.m, config.n),
        "patterns_at_recall": M_c,
        "spurious_units_per_recall": spurious,
        "spurious_units_theory": spurious_theory,
        "spurious_units_theory_usage": spurious_theory_usage,
        "missing_units_per_recall": missing,
        "bits_per_synapse": bits_per_synapse,
        "two_state_lifetime_sim": lifetime_sim,
        "two_state_lifetime_theory": lifetime_theory,
        "palimpsest_n": N,
    }
    tables = {"learning": {"patterns": stored.tolist(), "fraction_set": p1.tolist(),
                           "fraction_set_theory": [theory_p1(x, config.k, config.l, config.m, config.n) for x in stored]},
              "palimpsest": {"patterns_after": n_axis.tolist(), "signal": signal.tolist(), "theory": theory_signal.tolist()}}
    notes = [f"Recall tested on {len(which)} stored pairs at {M_c} patterns (p1 = {p1_c:.3f}).",
             "spurious_units_theory is (n - l) p1^k; spurious_units_theory_usage averages over how often each output "
             "was used in training, which the simulation should match.",
             "bits_per_synapse counts log2 C(n, l) per pattern less log2 C(l + f, l) for f spurious units; "
             "the ln 2 = 0.69 limit holds only asymptotically for large, sparse networks."]
    return Result(headline, tables, notes)


def figures(result: Result):
    from matplotlib.figure import Figure
    L = result.tables["learning"]
    P = result.tables["palimpsest"]
    h = result.headline
    fig = Figure(figsize=(10, 4))
    a1, a2 = fig.subplots(1, 2)
    a1.plot(L["patterns"], L["fraction_set"], "o", label="spiking learning (one burst per pair)")
    a1.plot(L["patterns"], L["fraction_set_theory"], "-", label="1 - (1 - kl/mn)^M")
    a1.axhline(0.5, color="#999", ls=":")
    a1.set(xlabel="pattern pairs stored", ylabel="fraction of synapses set",
           title=f"Willshaw: {h['spurious_units_per_recall']:.2f} spurious units per recall")
    a1.legend(fontsize=8)
    rootn = np.sqrt(result.headline["palimpsest_n"])
    a2.plot(P["patterns_after"], rootn * np.asarray(P["signal"]), "o", ms=3, label="simulated")
    a2.plot(P["patterns_after"], rootn * np.asarray(P["theory"]), "-", label="sqrt(N) q (1 - q)^n")
    a2.axhline(1.0, color="#999", ls=":", label="SNR = 1")
    a2.axhline(0.0, color="#ccc", lw=0.5)
    a2.set(xlabel="later patterns (1 per second)", ylabel="signal-to-noise ratio",
           title=f"two-state palimpsest: lifetime {h['two_state_lifetime_sim']:.1f} s (theory {h['two_state_lifetime_theory']:.1f} s)")
    a2.legend(fontsize=8)
    fig.tight_layout()
    return [("associative_memory", fig)]


register_experiment(Experiment(
    name="associative-memory",
    question="How many associations do one-burst binary synapses store in a spiking Willshaw network?",
    about=("A Willshaw associative memory (1000 inputs, 1000 outputs, 10 active units each) is learned by the "
           "spiking engine, one burst per pattern pair, with binary burst synapses. Left: the fraction of synapses "
           "set grows exactly as the Willshaw formula predicts, and at half-full (about 6,900 pairs) a recall in a "
           "spiking network gives about one spurious output unit. Right: two-state stochastic synapses forget old "
           "patterns as new ones arrive, at the rate the Amit-Fusi theory predicts. It tests the claim that binary, "
           "one-shot synapses make a useful memory."),
    config=Config, quick=dict(), full=dict(n_recall=2000, chunks=41, palimpsest_n=100_000, palimpsest_patterns=100),
    run=run, figures=figures))
