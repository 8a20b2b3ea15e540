r"""write-cost: what it costs to set a synapse to one of 2^b levels by STDP, with no way to read it.

Model (stated so it can be changed): weights live in [0, 1]; one pairing at the most effective lag
changes w by at most ``a_max`` (default 1/255: one 8-bit level per pairing, the source article's
assumption); a pairing at a longer lag gives any smaller step (the window is continuous). There is
no read-back, so a write is open-loop:

1. reset by saturating pairings toward a bound (the bound is the only state reachable without
   knowing where you are): ``n_reset`` pairings of step ``a_max``, enough to reach the bound from
   anywhere with probability 0.999 under the noise model;
2. count pairings from the bound to the level: level k of L = 2^b needs ``k' m`` pairings of step
   ``delta/m``, ``delta = 1/(L-1)``, ``m >= delta/a_max`` sub-steps per level. The article's scheme
   resets to 0 and counts up (k' = k); the best open-loop scheme resets to the nearer bound
   (k' = min(k, L-1-k)) and uses more, smaller steps when noise demands it.

Noise (calibrated to Bi & Poo 1998, :mod:`hebblab.plasticity.scatter`): per-pairing noise makes the
error after n = k'm steps Gaussian with SD ``sigma_p (delta/m) sqrt(n) = delta sigma_p sqrt(k'/m)``,
so landing on the right level (|error| < delta/2) with probability c needs
``m >= k' (2 z sigma_p)^2``, ``z = Phi^{-1}((1+c)/2)``: the pairings grow as k'^2, i.e. 4^b. A fixed
per-synapse gain g makes the error ``(g - 1) k' delta`` whatever m is, so only the bounds (k' = 0,
one bit) are reliable. The Monte Carlo (numba, parallel over synapses) checks these predictions.

Pairing rate: the fastest rate at which, under the triplet rule (Pfister & Gerstner 2006, minimal
visual-cortex fit), causal pairings at +lag still potentiate and anti-causal ones at -lag still
depress (above it, post-pre pairs potentiate too and a reset by depression is impossible).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numba import njit, prange
from pydantic import Field

from ..network import Network
from ..neurons import SpikeSource
from ..plasticity import TripletSTDP, calibrate_scatter
from ..rng import normal_nb, normal_zig_pair_nb, uniform_nb
from ..units import ms
from .base import Experiment, ExperimentConfig, Result, progress_bar, register_experiment

BUDGETS = {"1s": 1.0, "1min": 60.0, "1h": 3600.0}
MODELS = ("none", "pairing", "synapse")


class Config(ExperimentConfig):
    n_synapses: int = Field(4000, ge=100, le=10_000_000, description="Monte Carlo synapses per point")
    max_bits: int = Field(10, ge=1, le=16)
    a_max: float = Field(1 / 255, gt=0, le=1, description="largest change of one pairing (fraction of range)")
    confidence: float = Field(0.95, gt=0.5, lt=1)
    lag_ms: float = Field(10.0, gt=0, le=50, description="lag of the pairings in the triplet rate scan")
    mc_max_pairings: int = Field(20_000, ge=100, le=10_000_000, description="Monte Carlo only where a write takes fewer pairings")


def max_pairing_rate(lag_s: float, n_pairings: int = 60, freqs=None) -> tuple[float, dict]:
    """Highest frequency with causal LTP and anti-causal LTD under the triplet rule (engine run)."""
    freqs = np.round(np.logspace(0, 2, 41), 3) if freqs is None else np.asarray(freqs)
    dt = 0.1 * ms
    pre_t, post_t, idx = [], [], []
    for k, f in enumerate(freqs):
        starts = 0.1 + np.round(np.arange(n_pairings) / f / dt) * dt
        for j, sign in enumerate((+1, -1)):
            syn = 2 * k + j
            pre_t.append(starts + (0 if sign > 0 else lag_s))
            post_t.append(starts + (lag_s if sign > 0 else 0))
            idx.append(np.full(n_pairings, syn))
    net = Network(dt=dt, seed=0)
    n = 2 * len(freqs)
    pre = net.add(SpikeSource(n=n, times=np.concatenate(pre_t), indices=np.concatenate(idx)))
    post = net.add(SpikeSource(n=n, times=np.concatenate(post_t), indices=np.concatenate(idx)))
    w0 = 0.5
    proj = net.connect(pre, post, rule=TripletSTDP(), w=w0, connectivity="one_to_one")
    net.run(0.2 + n_pairings / freqs.min())
    dw = proj.w - w0
    causal, anti = dw[0::2], dw[1::2]
    ok = (causal > 0) & (anti < 0)
    table = {"freq_hz": freqs.tolist(), "dw_causal": causal.tolist(), "dw_anticausal": anti.tolist()}
    if not ok.any():
        return 0.0, table
    last = int(np.flatnonzero(ok).max())
    rate = float(freqs[last])
    if last + 1 < len(freqs) and anti[last + 1] >= 0:  # interpolate the sign change of anti-causal dw
        f0, f1, a0, a1 = freqs[last], freqs[last + 1], anti[last], anti[last + 1]
        rate = float(f0 + (f1 - f0) * (-a0) / (a1 - a0))
    return rate, table


@dataclass(frozen=True)
class PairingRates:
    """How fast each kind of pairing may be repeated, and what one pairing then does.

    From the triplet rule's frequency scan (:func:`max_pairing_rate`, lag +-``lag_s``): the
    efficiency of a pairing at rate f is its change per pairing relative to a 1 Hz pairing,
    capped at 1 (``a_max`` is the largest step by definition; larger steps would only coarsen
    the levels). Depressing pairings are repeated at the rate that maximises depression per
    second, ``f * e_d(f)`` (above it the post-pre pairs lose their depression, and past
    ``zero_crossing_hz`` they potentiate). Potentiating pairings get stronger with rate under the
    triplet rule, so they are limited only by the protocol: the pre spike of the next pairing
    must come at least one lag after this pairing's post spike, ``f <= 1 / (2 lag)`` (and the
    scan's top rate).
    """

    depress_hz: float
    depress_efficiency: float
    potentiate_hz: float
    potentiate_efficiency: float
    zero_crossing_hz: float
    lag_s: float

    def seconds(self, depressing: float, potentiating: float) -> float:
        """Time for ``depressing`` and ``potentiating`` pairings of step ``a_max`` (1 Hz pairings),
        each kind at its own rate and efficiency."""
        return (depressing / (self.depress_hz * self.depress_efficiency)
                + potentiating / (self.potentiate_hz * self.potentiate_efficiency))


def pairing_rates(lag_s: float = 10 * ms, freqs=None) -> tuple[PairingRates, dict]:
    """:class:`PairingRates` from an engine run of the triplet rule's frequency scan, and the scan."""
    freqs = np.round(np.logspace(0, 2, 81), 3) if freqs is None else np.asarray(freqs, float)
    if freqs[0] != 1.0:
        raise ValueError("the scan must start at the 1 Hz reference rate")
    zero, table = max_pairing_rate(lag_s, freqs=freqs)
    f = np.asarray(table["freq_hz"])
    e_d = np.minimum(np.asarray(table["dw_anticausal"]) / table["dw_anticausal"][0], 1.0)
    e_p = np.minimum(np.asarray(table["dw_causal"]) / table["dw_causal"][0], 1.0)
    k = int(np.argmax(f * e_d))
    allowed = np.flatnonzero((f <= 1.0 / (2 * lag_s) + 1e-9) & (e_p > 0))
    j = int(allowed[np.argmax(f[allowed] * e_p[allowed])])
    table = dict(table, efficiency_depress=e_d.tolist(), efficiency_potentiate=e_p.tolist())
    return PairingRates(float(f[k]), float(e_d[k]), float(f[j]), float(e_p[j]), zero, float(lag_s)), table


def n_reset(a_max: float, sigma_p: float, sigma_s: float) -> int:
    """Saturating pairings that reach a bound from anywhere in [0, 1] with probability ~0.999."""
    from scipy.stats import lognorm

    g_low = 1.0 if sigma_s == 0 else float(lognorm.ppf(1e-3, s=math.sqrt(math.log1p(sigma_s**2)),
                                                        scale=math.exp(-0.5 * math.log1p(sigma_s**2))))
    a = a_max * g_low
    if sigma_p == 0:
        return int(math.ceil(1.0 / a - 1e-9))
    zq = 3.09 * sigma_p  # n a - zq a sqrt(n) >= 1
    x = (zq * a + math.sqrt((zq * a) ** 2 + 4 * a)) / (2 * a)
    return int(math.ceil(x * x))


def settle_stages(bits: int, m: int, a_max: float, sigma_p: float) -> tuple[int, int]:
    """Stages that shrink the post-reset spread and pairings per stage: (stages, per_stage).

    With noisy steps a reset does not end exactly at the bound: the walk pushed against it by
    steps of size a keeps an exponential spread of about sigma_p^2 a / 2. Halving the step at each
    stage, down to the write step delta/m, with about 4 sigma_p^2 pairings per stage, shrinks it to
    sigma_p^2 delta / (2 m).
    """
    if sigma_p == 0:
        return 0, 0
    u = 1.0 / (2**bits - 1) / m
    stages = max(0, math.ceil(math.log2(a_max / u) - 1e-9))
    return stages, int(math.ceil(4 * sigma_p**2)) + 1


def reset_pairings(bits, m, a_max, sigma_p, sigma_s) -> int:
    stages, per = settle_stages(bits, m, a_max, sigma_p)
    return n_reset(a_max, sigma_p, sigma_s) + stages * per


def worst_level(bits: int, scheme: str = "best") -> int:
    L = 2**bits
    return (L - 1) // 2 if scheme == "best" else L - 1


def p_correct_analytic(bits: int, m: int, sigma_p: float, sigma_s: float) -> float:
    """Probability that the worst level is written correctly (pairing or synapse noise alone)."""
    from scipy.stats import lognorm, norm

    k = worst_level(bits)
    if k == 0:
        return 1.0
    if sigma_s > 0:
        s2 = math.log1p(sigma_s**2)
        dist = lognorm(s=math.sqrt(s2), scale=math.exp(-0.5 * s2))
        return float(dist.cdf(1 + 0.5 / k) - dist.cdf(1 - 0.5 / k))
    if sigma_p == 0:
        return 1.0
    sd = sigma_p * math.sqrt(k / m)  # in units of delta
    return float(2 * norm.cdf(0.5 / sd) - 1)


def substeps_needed(bits: int, a_max: float, sigma_p: float, sigma_s: float, confidence: float) -> float:
    """Sub-steps per level m for the worst level; inf if no m reaches the confidence."""
    from scipy.stats import norm

    delta = 1.0 / (2**bits - 1)
    m_min = max(1, math.ceil(delta / a_max - 1e-9))
    k = worst_level(bits)
    if k == 0:
        return m_min
    if sigma_s > 0:
        return m_min if p_correct_analytic(bits, m_min, 0.0, sigma_s) >= confidence else math.inf
    if sigma_p == 0:
        return m_min
    z = norm.ppf(0.5 + confidence / 2)
    return max(m_min, math.ceil(k * (2 * z * sigma_p) ** 2))


def pairings_needed(bits, a_max, sigma_p, sigma_s, confidence) -> float:
    m = substeps_needed(bits, a_max, sigma_p, sigma_s, confidence)
    if math.isinf(m):
        return math.inf
    return reset_pairings(bits, m, a_max, sigma_p, sigma_s) + worst_level(bits) * m


@njit(parallel=True, cache=True)
def monte_carlo_write(n_syn, levels, target, m, a_max, reset, stages, per_stage, sigma_p, log_sigma_s, seed, stream,
                      out):
    """Write level ``target`` open-loop on n_syn independent synapses; out[s] = level read back.

    Start: unknown w uniform in [0, 1]. Reset toward the nearer bound with ``reset`` pairings of step
    a_max, then ``stages`` settling stages of ``per_stage`` pairings with the step halved each stage
    (never below delta/m), then ``k' m`` pairings of step delta/m away from it; each step is multiplied by the
    synapse's gain (log-normal, log-SD ``log_sigma_s``) and by ``1 + sigma_p xi`` (fresh xi).
    Deterministic for a seed whatever the number of threads (keys are per synapse).
    """
    delta = 1.0 / (levels - 1)
    up = 2 * target <= levels - 1
    kp = target if up else levels - 1 - target
    u = delta / m
    n_total = reset + stages * per_stage + kp * m
    for s in prange(n_syn):
        g = 1.0
        if log_sigma_s > 0.0:
            g = np.exp(log_sigma_s * normal_nb(seed, stream, s, 0) - 0.5 * log_sigma_s * log_sigma_s)
        w = 1.0 - uniform_nb(seed, stream + 1, s, 0)
        z_next = 0.0
        for c in range(n_total):
            # phase of pairing c: saturating reset, settling stages (halving steps), then the write
            if c < reset:
                size, toward = a_max, -1.0
            elif c < reset + stages * per_stage:
                size, toward = max(a_max * 0.5 ** (1 + (c - reset) // per_stage), u), -1.0
            else:
                size, toward = u, 1.0
            step = size * g
            if sigma_p > 0.0:
                if c % 2 == 0:
                    z, z_next = normal_zig_pair_nb(seed, stream + 2, s, c // 2)
                else:
                    z = z_next
                step *= 1.0 + sigma_p * z
            w = w + step * toward if up else w - step * toward
            w = min(max(w, 0.0), 1.0)
        out[s] = w


def mc_point(config, bits, m, sigma_p, sigma_s, seed, stream):
    L = 2**bits
    target = worst_level(bits)
    out = np.empty(config.n_synapses)
    log_s = math.sqrt(math.log1p(sigma_s**2)) if sigma_s > 0 else 0.0
    stages, per = settle_stages(bits, int(m), config.a_max, sigma_p)
    monte_carlo_write(config.n_synapses, L, target, int(m), config.a_max, n_reset(config.a_max, sigma_p, sigma_s),
                      stages, per, sigma_p, log_s, seed, stream, out)
    level = np.rint(out * (L - 1))
    err = (out * (L - 1) - target)  # in units of delta
    return float(np.mean(level == target)), float(np.std(err))


def run(config: Config, seed: int = 1, progress: bool = False) -> Result:
    rate, rate_table = max_pairing_rate(config.lag_ms * ms)
    sp = max(calibrate_scatter("pairing"))
    ss = max(calibrate_scatter("synapse"))
    sigmas = {"none": (0.0, 0.0), "pairing": (sp, 0.0), "synapse": (0.0, ss)}
    bits = list(range(1, config.max_bits + 1))
    table = {"bits": bits}
    headline: dict = {"max_pairing_rate_hz": rate, "sigma_pairing": sp, "sigma_synapse": ss}
    for model in MODELS:
        p, s = sigmas[model]
        need = [pairings_needed(b, config.a_max, p, s, config.confidence) for b in bits]
        table[f"pairings_{model}"] = need
        table[f"seconds_at_max_rate_{model}"] = [n / rate if rate > 0 else math.inf for n in need]
        table[f"seconds_at_250hz_{model}"] = [n / 250.0 for n in need]
        headline[model] = {}
        for label, T in BUDGETS.items():
            ok = [b for b, n in zip(bits, need) if rate > 0 and n / rate <= T]
            headline[model][f"bits_within_{label}"] = max(ok) if ok else 0
    # the article's scheme without noise: reset to 0 (1/a_max pairings), count up to the top level
    n0 = n_reset(config.a_max, 0.0, 0.0)
    delta8 = 1 / 255
    m8 = max(1, math.ceil(delta8 / config.a_max - 1e-9))
    headline["pairings_ideal_8bit"] = n0 + 255 * m8
    headline["seconds_ideal_8bit_at_250hz"] = headline["pairings_ideal_8bit"] / 250.0
    headline["pairings_best_8bit_no_noise"] = n0 + worst_level(8) * m8
    headline["seconds_ideal_8bit_at_max_rate"] = headline["pairings_ideal_8bit"] / rate if rate > 0 else None

    # Monte Carlo against the analytic probability of landing on the worst level
    mc = {"model": [], "bits": [], "m": [], "pairings": [], "p_mc": [], "p_analytic": [], "err_sd_mc": [],
          "err_sd_analytic": []}
    points = []
    for model in ("pairing", "synapse", "none"):
        p, s = sigmas[model]
        for b in range(1, config.max_bits + 1):
            k = worst_level(b)
            m_req = substeps_needed(b, config.a_max, p, s, config.confidence)
            m_base = max(1, math.ceil((1 / (2**b - 1)) / config.a_max - 1e-9))
            grid = sorted({max(m_base, int(x)) for x in (m_req / 16, m_req / 4, m_req) if not math.isinf(x)} | {m_base})
            for m in grid:
                total = reset_pairings(b, m, config.a_max, p, s) + k * m
                if total <= config.mc_max_pairings:
                    points.append((model, b, m, p, s))
    with progress_bar(progress, len(points), "write-cost Monte Carlo") as bar:
        for i, (model, b, m, p, s) in enumerate(points):
            p_mc, sd_mc = mc_point(config, b, m, p, s, seed, 1000 + 10 * i)
            k = worst_level(b)
            mc["model"].append(model)
            mc["bits"].append(b)
            mc["m"].append(m)
            mc["pairings"].append(reset_pairings(b, m, config.a_max, p, s) + k * m)
            mc["p_mc"].append(p_mc)
            mc["p_analytic"].append(p_correct_analytic(b, m, p, s))
            mc["err_sd_mc"].append(sd_mc)
            mc["err_sd_analytic"].append(p * math.sqrt(k / m) if p > 0 else (s * k if s > 0 else 0.0))
            bar.advance()
    pair_rows = [i for i, mdl in enumerate(mc["model"]) if mdl == "pairing" and worst_level(mc["bits"][i]) > 0]
    if pair_rows:
        headline["mc_vs_analytic_max_abs_diff_pairing"] = max(abs(mc["p_mc"][i] - mc["p_analytic"][i]) for i in pair_rows)
    notes = [f"Pairing rate limit from the triplet rule at +-{config.lag_ms:g} ms: {rate:.1f} Hz.",
             "The article's 8-bit scheme counts 256 pairings (about 1 s at 4 ms per pairing); with the reset by "
             f"saturating depression it takes {headline['pairings_ideal_8bit']} pairings, "
             f"{headline['seconds_ideal_8bit_at_250hz']:.2f} s at 250 Hz, and 250 Hz is far above the rate at which "
             "anti-causal pairings still depress.",
             "Synapse noise (a fixed, unknown gain per synapse) leaves only the two bounds reliable: one bit."]
    return Result(headline, {"cost_by_bits": table, "monte_carlo": mc, "triplet_rate_scan": rate_table}, notes)


def figures(result: Result):
    from matplotlib.figure import Figure
    t = result.tables["cost_by_bits"]
    h = result.headline
    fig = Figure(figsize=(11, 4.2))
    a1, a2, a3 = fig.subplots(1, 3)
    colors = {"none": "k", "pairing": "#36a", "synapse": "#c33"}
    rate = h["max_pairing_rate_hz"]
    for model in MODELS:
        y = np.array(t[f"pairings_{model}"], dtype=float)
        a1.semilogy(t["bits"], np.where(np.isinf(y), np.nan, y), "o-", color=colors[model], label=f"{model} noise")
    for label, T in BUDGETS.items():
        if rate > 0:
            a1.axhline(T * rate, color="#999", ls=":", lw=1)
            a1.text(1, T * rate * 1.15, f"{label} at {rate:.0f} Hz", fontsize=7, color="#666")
    a1.set(xlabel="bits (2^b levels)", ylabel="pairings for 95 % correct level", title="cost of an open-loop write")
    a1.legend(fontsize=8)
    mc = result.tables["monte_carlo"]
    for model in ("pairing",):
        for b in sorted({bb for bb, mm in zip(mc["bits"], mc["model"]) if mm == model and bb > 1}):
            rows = [i for i in range(len(mc["bits"])) if mc["bits"][i] == b and mc["model"][i] == model]
            x = [mc["pairings"][i] for i in rows]
            a2.semilogx(x, [mc["p_mc"][i] for i in rows], "o", color=f"C{b}", label=f"{b} bits MC")
            a2.semilogx(x, [mc["p_analytic"][i] for i in rows], "-", color=f"C{b}", alpha=0.6)
    a2.axhline(0.95, color="#999", ls=":")
    a2.set(xlabel="pairings (reset + write)", ylabel="P(worst level correct)", title="pairing noise: MC (dots) vs theory")
    a2.legend(fontsize=7)
    s = result.tables["triplet_rate_scan"]
    a3.semilogx(s["freq_hz"], s["dw_causal"], "o-", ms=3, label="+lag (pre first)")
    a3.semilogx(s["freq_hz"], s["dw_anticausal"], "o-", ms=3, label="-lag (post first)")
    a3.axhline(0, color="#999", lw=0.5)
    if rate > 0:
        a3.axvline(rate, color="#c33", ls="--", lw=1, label=f"max rate {rate:.1f} Hz")
    a3.set(xlabel="pairing frequency (Hz)", ylabel="dw after 60 pairings", title="triplet rule: how fast to pair")
    a3.legend(fontsize=8)
    fig.tight_layout()
    return [("write_cost", fig)]


register_experiment(Experiment(
    name="write-cost",
    question="How many pairings, and how much time, does it take to write a synapse to one of 2^b levels without reading it?",
    about=("A synapse cannot be read, so a weight is written open-loop: saturate it at a bound, then count pairings. "
           "The left panel gives the pairings needed to land on the right one of 2^b levels with 95 % probability for no "
           "noise and for each calibrated noise model; the dotted lines are what fits in 1 s, 1 min and 1 h at the "
           "fastest pairing rate the triplet rule allows (right panel). The middle panel checks the Monte Carlo "
           "against the closed form. It tests the article's claim that writing an 8-bit weight by STDP takes about "
           "256 pairings and a second: with realistic noise, a pairing-noise synapse needs pairings growing as 4^b, "
           "and a synapse-noise synapse holds one reliable bit."),
    config=Config, quick=dict(n_synapses=4000), full=dict(n_synapses=100_000, mc_max_pairings=200_000),
    run=run, figures=figures))
