r"""write-cost: what it costs to set a synapse to one of 2^b levels by STDP, with no way to read it.

Model (stated so it can be changed). Weights live in [0, 1]; the b-bit code's levels are
``x_j = j delta``, ``delta = 1/(L-1)``, ``L = 2^b``; a synapse is written correctly when
``rint(w (L-1)) = j``. One pairing changes w by at most ``a_max`` (default 1/255: one 8-bit level
per pairing, the source article's assumption). Smaller steps exist (the window is continuous) but
cost time: every pairing is timed at its own step.

Pairing times (:class:`PairingRates`, from an engine scan of the triplet rule, Pfister & Gerstner
2006, all-to-all; fit ``triplet``: the visual-cortex minimal fit by default, or a hippocampal fit).
The scan repeats 60 pairings at each lag ``l >= lag_ms`` and rate ``f <= 1/(2 l)`` (the protocol
limit: the pre spike of the next pairing comes at least one lag after this pairing's post spike),
causal and anti-causal (:func:`triplet_scan`). Full steps: a depressing pairing's a_max is its
change at 1 Hz and the shortest lag (Bi & Poo's protocol), a potentiating pairing's a_max the
largest change the protocol allows at the shortest lag (47.3 Hz at 10 ms: under the visual-cortex
fit a 1 Hz causal pairing barely potentiates). Depression per second ``f e_d(f)`` peaks at 23.7 Hz
(``e_d = 0.97`` at 10 ms) and falls to zero at 35.9 Hz, where anti-causal pairings stop depressing.
A pairing of step ``s a_max`` (``s < 1``) is timed at the fastest protocol of the scan whose step
is at most s, interpolating in lag at a fixed rate, among protocols that keep at least half of their
own-sign change (the rest cancelled by the neighbouring pairings; :func:`step_protocols`): e.g. a
potentiating step of a_max/12.5 at 17 ms lag and 10 Hz, a depressing one at 95 ms and 5 Hz. The
lag-only window model (``lag + tau ln(a_max/u)`` at ``min(f, 1/(2 lag'))``) and the old full-rate
accounting are kept for comparison (table ``triplet_sensitivity``). Every phase of a write is timed
by ``PairingRates.seconds(depressing, potentiating, step_down, step_up)``.

Hard bounds (additive updates, clipped to [0, 1]), open-loop (no read-back):

1. reset: saturating pairings toward a bound, enough to reach it from anywhere
   (:func:`n_reset`: ``n a - 3.09 sigma_p a sqrt(n) >= D`` with the step ``a = a_max g_0.001``
   of the weakest synapse in a thousand);
2. settle (pairing noise only): pressed against a bound by steps u with noise SD ``sigma_p u``, a
   walk keeps an exponential spread of mean ``sigma_p^2 u / 2`` (a reflected random walk with
   drift u); halving the step, ``ceil(4 sigma_p^2) + 1`` pairings a stage, brings it down to the
   write step;
3. write: the distance ``d = k' delta`` to the level (k' levels from the bound) is divided into
   ``n >= ceil(d / a_max)`` equal pairings of ``u = d / n``. The error is the reset residual
   ``r ~ Exp(mean sigma_r^2 u / 2)`` plus ``N(0, (sigma_w d)^2 / n)``, so
   ``P(correct) = P(|r + X| < delta/2)`` (an exponentially modified Gaussian), and n is the
   smallest with ``P >= c``: about ``(2 z sigma_w k')^2``, ``z = Phi^{-1}((1+c)/2)``: the pairings grow
   as k'^2, i.e. 4^b (the smallest n is also the fastest design: smaller steps take longer per
   pairing). Each phase is timed at its own steps (:func:`write_seconds`). (The closed form
   ignores clipping at the bound during the write, which raises P where the write's error is as
   large as its distance, e.g. 2 bits with a quarter of the design's pairings; the Monte Carlo
   shows the difference.)

The article's scheme resets to 0 and counts up to the top level. The best open-loop scheme writes
each level from whichever bound takes less time (depression is slower than potentiation, so this
is not always the nearer bound). Dividing the distance d, not each level spacing, into whole
pairings removes the rounding of the old ``m = ceil(delta / a_max)`` sub-steps per level (7 bits
444 pairings, 8 bits 382). Because depression and potentiation run at different rates, the slowest
level sits near ``x = f_d e_d / (f_d e_d + f_p e_p)`` and a uniform code whose levels fall nearer
to it can be slightly slower (under 2 %) than the next finer one; so the cost is
``cost(b) = min over b' >= b of cost_uniform(b')`` (a b-bit code may use 2^b of the levels of a
finer code), monotone by construction; column ``from_finer`` says where that binds.

Synapse noise with hard bounds: a fixed gain g (log-normal, mean 1) scales every step, so the
error is ``(g - 1) d`` whatever n is: ``P = P(|g - 1| < 1/(2 k'))``, and only levels at a bound
(k' = 0, one bit) are reliable at 95 %.

Soft bounds (multiplicative updates ``dw+ = g+ p (1 - w)``, ``dw- = g- q w``), open-loop without a
reset: cycles of one potentiating pairing of step p and one depressing of step q pull any w to the
fixed point ``w* = g+ p / (g+ p + g- q)``; with ``p/(p+q) = x`` it is x when ``g+ = g-`` (the gain
cancels), and ``r x / (r x + 1 - x)``, ``r = g+/g-``, when the gains are independent (as the
calibrated ``Scatter("synapse")`` draws them, :mod:`hebblab.plasticity.pair_stdp`). The larger
of p, q is ``s a_max``; stages halve s (annealing) until the cycle's own bias (its fixed point
is not exactly w* at finite steps) is below delta/4 for the strongest synapses, with enough
cycles per stage for the weakest ones (:func:`soft_code`). One cycle is exactly affine in w, so
``P(correct)`` over gains (equal-probability quadrature) and a uniform unknown start is computed
exactly (:func:`soft_p_correct`); the Monte Carlo checks it pairing by pairing.

Closed loop (a synapse whose weight can be read before each pairing): steps of
``min(a_max, |e| / (g_hat (1 + sigma_p^2)))`` toward the target (the step that minimises the
expected squared error), ``g_hat`` the gain estimated from the changes seen so far, until the
level is right (:func:`closed_loop_write`), each pairing timed at its step; a write still wrong
after ``closed_loop_max_pairings`` is censored there (its time so far is a lower bound). It
measures what the missing read-back costs; that a synapse cannot be read is assumed.

Monte Carlo fractions are pooled over the replicate groups' independent synapses with Wilson's
interval (:func:`hebblab.stats.proportion`), the groups' own t interval beside it in the table;
bits reached are bounds from those intervals (:func:`mc_bits`).

Noise calibrated to Bi & Poo 1998 (:mod:`hebblab.plasticity.scatter`): pairing SD 4.36 (LTP) /
4.87 (LTD) per pairing; synapse gain SD 0.56 (LTP) / 0.63 (LTD).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Annotated, Literal

import numpy as np
from numba import njit, prange
from pydantic import Field

from .. import checkpoint, stats
from ..network import Network
from ..neurons import SpikeSource
from ..plasticity import BinaryBurst, TripletSTDP, calibrate_scatter
from ..rng import normal_nb, normal_zig_pair_nb, uniform_nb
from ..si import ms
from .base import Experiment, ExperimentConfig, Headline, Result, Verdict, progress_bar, register_experiment

BUDGETS = {"1s": 1.0, "1min": 60.0, "1h": 3600.0}
#: The article's figures: 256 values written by 256 pairings, about a second at 4 ms per pairing.
ARTICLE_SECONDS = 1.0
ARTICLE_RATE_HZ = 250.0
#: Bartol et al. 2015, eLife 4:e10778 (abstract): spine pairs on the same dendrite contacted by the
#: same axon (a shared history) are nearly identical in size; "a minimum of 26 distinguishable
#: synaptic strengths, corresponding to storing 4.7 bits of information at each synapse".
BARTOL_LEVELS = 26
BARTOL_BITS = 4.7

#: Triplet-rule fits of Pfister & Gerstner 2006 (J. Neurosci. 26:9673), all-to-all interactions,
#: tau_plus = 16.8 ms and tau_minus = 33.7 ms in every fit. Table 3 (visual cortex, Sjostrom et al.
#: 2001), minimal model: A2+ = 0, A3+ = 6.5e-3, A2- = 7.1e-3, A3- = 0, tau_y = 114 ms (tau_x unused).
#: Table 4 (hippocampal cultures, Wang et al. 2005), minimal model: A2+ = 5.3e-3, A3+ = 8e-3,
#: A2- = 3.5e-3, A3- = 0, tau_y = 40 ms; full model: A2+ = 6.1e-3, A3+ = 6.7e-3, A2- = 1.6e-3,
#: A3- = 1.4e-3, tau_x = 946 ms, tau_y = 27 ms.
TAU_PLUS, TAU_MINUS = 16.8 * ms, 33.7 * ms
TRIPLET_FITS = {
    "visual_cortex_minimal": dict(a2_plus=0.0, a3_plus=6.5e-3, a2_minus=7.1e-3, a3_minus=0.0, tau_x=101 * ms,
                                  tau_y=114 * ms),
    "hippocampal_minimal": dict(a2_plus=5.3e-3, a3_plus=8.0e-3, a2_minus=3.5e-3, a3_minus=0.0, tau_x=101 * ms,
                                tau_y=40 * ms),
    "hippocampal_full": dict(a2_plus=6.1e-3, a3_plus=6.7e-3, a2_minus=1.6e-3, a3_minus=1.4e-3, tau_x=946 * ms,
                             tau_y=27 * ms),
}
TRIPLET_LABELS = {"visual_cortex_minimal": "visual-cortex minimal fit", "hippocampal_minimal":
                  "hippocampal minimal fit", "hippocampal_full": "hippocampal full fit"}
TripletFit = Literal["visual_cortex_minimal", "hippocampal_minimal", "hippocampal_full"]

GainGrid = tuple[Annotated[float, Field(gt=0, le=0.5)], ...]
ScaleGrid = tuple[Annotated[float, Field(ge=0, le=4)], ...]
ENGINE_DT = 0.1 * ms


class Config(ExperimentConfig):
    replicates: int = Field(5, ge=2, le=200, description="independent groups of Monte Carlo synapses: the "
                            "replicates of every simulated number")
    n_synapses: int = Field(800, ge=50, le=1_000_000, description="Monte Carlo synapses per replicate group")
    max_bits: int = Field(12, ge=2, le=14, description="largest code computed (b bits = 2^b levels); a result at "
                          "this cap is written as a lower bound")
    a_max: float = Field(1 / 255, gt=0, le=0.5, description="largest change of one pairing (fraction of the range)")
    confidence: float = Field(0.95, gt=0.5, lt=1, description="probability of landing on the right level")
    lag_ms: float = Field(10.0, ge=1.0, le=50, description="shortest lag of the pairings (ms; at least 10 engine "
                          "steps of 0.1 ms); longer lags give smaller steps")
    triplet: TripletFit = Field("visual_cortex_minimal", description="triplet-rule fit of Pfister & Gerstner 2006 "
                                "that times the pairings (visual_cortex_minimal, hippocampal_minimal, "
                                "hippocampal_full)")
    mc_max_pairings: int = Field(20_000, ge=100, le=10_000_000,
                                 description="Monte Carlo only where a write takes fewer pairings")
    grid_a_max: GainGrid = Field((1 / 1023, 1 / 255, 0.02, 0.071, 0.2), min_length=1, max_length=32,
                                 description="step sizes a_max of the bits-within-budget grid (0.071: the binary "
                                 "burst synapse's step 0.08 e^{-2/16.8})")
    grid_noise_scales: ScaleGrid = Field((0.0, 0.25, 0.5, 1.0, 2.0), min_length=1, max_length=32, description="noise SD of the "
                                         "grid, in multiples of the calibrated value")
    quadrature: int = Field(160, ge=16, le=4000, description="equal-probability gain points of the soft-bound "
                            "P(correct) (its square root per gain when the gains are independent)")
    grid_quadrature: int = Field(48, ge=16, le=4000, description="gain points of the soft-bound P(correct) in the "
                                 "bits grid and the triplet-fit comparison")
    grid_max_levels: int = Field(129, ge=9, le=100_000, description="levels designed and checked per soft-bound "
                                 "code in the bits grid (the 8 end levels and this many evenly spread)")
    closed_loop_bits: int = Field(8, ge=1, le=14, description="code of the open- against closed-loop comparison")
    closed_loop_max_pairings: int = Field(100_000, ge=100, le=10_000_000,
                                          description="a closed-loop write still wrong after this many is censored")


# --------------------------------------------------------------------------------------------
# Pairing rates: the triplet rule's change per pairing against lag and rate (engine scan)
# --------------------------------------------------------------------------------------------

SCAN_PER_DECADE = 40  # rates 10^(k/40) Hz: the old 81-point scan's grid, extended
SCAN_LOWEST_K = 0  # 1 Hz, the reference rate
SCAN_LAG_RATIO = 1.1
SCAN_W0, SCAN_W_MAX = 5e3, 1e4  # far from both bounds: no change is clipped
STEP_GRID = np.logspace(0.0, -15.0, 301)  # steps (fraction of a_max) the timing tables cover
LOG_STEP_ASC = np.log(STEP_GRID[::-1])


def triplet_rule(fit: str = "visual_cortex_minimal", w_max: float = SCAN_W_MAX) -> TripletSTDP:
    """The triplet rule with one of :data:`TRIPLET_FITS` (all-to-all)."""
    return TripletSTDP(**TRIPLET_FITS[fit], tau_plus=TAU_PLUS, tau_minus=TAU_MINUS, w_max=w_max)


def scan_grid(lag_s: float, dt: float = ENGINE_DT, lag_ratio: float = SCAN_LAG_RATIO
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Points (lag, rate, at_limit) of the scan. Rates ``10^(k/40)`` Hz from 1 Hz; lags from
    ``lag_s`` up by 10 % (on the engine's step) while ``1/(2 lag) >= 1 Hz``, each with every rate
    up to its protocol limit ``1/(2 lag)`` (the shortest lag: up to ``max(100 Hz, 1/(2 lag))``,
    for the zero crossing); and for each rate below ``1/(2 lag_s)`` the longest lag it allows,
    ``1/(2 f)`` rounded down to the engine's step (``at_limit``)."""
    f_lo = 10 ** (SCAN_LOWEST_K / SCAN_PER_DECADE)
    lags, lag = [], lag_s
    while 1 / (2 * lag) >= f_lo - 1e-12:
        q = round(lag / dt) * dt
        if not lags or q > lags[-1] + dt / 2:
            lags.append(q)
        lag *= lag_ratio
    rows_l, rows_f, limit = [], [], []
    for j, L in enumerate(lags):
        top = max(100.0, 1 / (2 * L)) if j == 0 else 1 / (2 * L)
        k_top = int(math.floor(SCAN_PER_DECADE * math.log10(top) + 1e-9))
        for k in range(SCAN_LOWEST_K, k_top + 1):
            rows_l.append(L)
            rows_f.append(round(10 ** (k / SCAN_PER_DECADE), 3))
            limit.append(False)
    k_top = int(math.floor(SCAN_PER_DECADE * math.log10(1 / (2 * lags[0])) + 1e-9))
    have = set(zip(np.round(np.array(rows_l) / dt).astype(int).tolist(), rows_f))
    for k in range(SCAN_LOWEST_K, k_top + 1):
        f = round(10 ** (k / SCAN_PER_DECADE), 3)
        n = int(math.floor(1 / (2 * f) / dt + 1e-9))
        if (n, f) not in have and n * dt >= lags[0]:
            rows_l.append(n * dt)
            rows_f.append(f)
            limit.append(True)
    return np.array(rows_l), np.array(rows_f), np.array(limit)


def triplet_scan(lag_s: float, fit: str = "visual_cortex_minimal", n_pairings: int = 60,
                 lag_ratio: float = SCAN_LAG_RATIO) -> dict:
    """Change per pairing of causal (pre then post after ``lag``) and anti-causal pairings, repeated
    ``n_pairings`` times at each point (lag, rate) of :func:`scan_grid`: engine runs of the rule and
    of its potentiating part alone (``A2- = A3- = 0``), one synapse per point and sign, w starting
    far from both bounds (so nothing is clipped and the additive rule's parts add up), float64.

    Returns ``lag_s``, ``freq_hz``, ``at_limit`` and, per pairing, ``dw_causal``, ``dw_anticausal``
    (the rule) and ``ltp_causal``, ``ltp_anticausal`` (its potentiating part; the depressing part
    is the difference).
    """
    lags, freqs, at_limit = scan_grid(lag_s, lag_ratio=lag_ratio)
    dt = ENGINE_DT
    pre_t, post_t, idx = [], [], []
    for r, (L, f) in enumerate(zip(lags, freqs)):
        starts = 0.1 + np.round(np.arange(n_pairings) / f / dt) * dt
        for j, sign in enumerate((+1, -1)):
            pre_t.append(starts + (0 if sign > 0 else L))
            post_t.append(starts + (L if sign > 0 else 0))
            idx.append(np.full(n_pairings, 2 * r + j))
    pre_t, post_t, idx = np.concatenate(pre_t), np.concatenate(post_t), np.concatenate(idx)
    out = {"lag_s": lags, "freq_hz": freqs, "at_limit": at_limit}
    full = triplet_rule(fit)
    for name, rule in (("dw", full), ("ltp", replace(full, a2_minus=0.0, a3_minus=0.0))):
        net = Network(dt=dt, seed=0, dtype=np.float64)
        n = 2 * lags.size
        pre = net.add(SpikeSource(n=n, times=pre_t, indices=idx))
        post = net.add(SpikeSource(n=n, times=post_t, indices=idx))
        proj = net.connect(pre, post, rule=rule, w=SCAN_W0, connectivity="one_to_one")
        net.run(0.2 + n_pairings / freqs.min())
        w = np.asarray(proj.w, float)
        if np.any(w <= 0) or np.any(w >= SCAN_W_MAX):
            raise RuntimeError("triplet_scan: a synapse reached a bound; the scan's changes are clipped")
        dw = (w - SCAN_W0) / n_pairings
        out[f"{name}_causal"], out[f"{name}_anticausal"] = dw[0::2], dw[1::2]
    return out


def zero_crossing(freqs, causal, anti) -> float:
    """Highest rate with causal LTP and anti-causal LTD at the shortest lag; the sign change of
    anti-causal dw is interpolated linearly (0 if no rate has both)."""
    ok = (causal > 0) & (anti < 0)
    if not ok.any():
        return 0.0
    last = int(np.flatnonzero(ok).max())
    rate = float(freqs[last])
    if last + 1 < len(freqs) and anti[last + 1] >= 0:
        f0, f1, a0, a1 = freqs[last], freqs[last + 1], anti[last], anti[last + 1]
        rate = float(f0 + (f1 - f0) * (-a0) / (a1 - a0))
    return rate


def step_protocols(lags, freqs, g, own, steps=STEP_GRID) -> dict:
    r"""The fastest protocol for pairings of step at most s (fraction of a_max), for each s.

    ``g``: the step per pairing (fraction of a_max; > 0 = the wanted sign) at each scan point
    (lag, rate); ``own``: its part of the wanted sign alone (the depressing part of a depressing
    pairing). A point is admissible if its rate is within the protocol limit ``1/(2 lag)`` and at
    least half of its own part survives, ``g >= own / 2`` (the rest is cancelled by the pairs it
    makes with the neighbouring pairings; near the zero crossing a small net step is the
    difference of large parts, whose noise the per-step noise model would understate). The change
    per second for steps <= s is

        Theta(s) = max( max over admissible points with g <= s of  f g,
                        max over rates f with consecutive admissible lags l1 < l2, g(l1) >= s > g(l2) of  f s )

    the second term at the lag where log g, interpolated linearly in lag, equals s (g falls with
    lag at a fixed rate). A write of n pairings of step s then takes ``n s / Theta(s)`` seconds: at
    ``Theta``'s protocol n s / g pairings of step g <= s (more, smaller steps: their noise is at
    most the design's). Returns, for each s: ``seconds`` per pairing of step s, the protocol's
    ``lag_s``, ``rate_hz``, ``step`` (its step per pairing, <= s), ``extrapolated`` (s below every
    step the scan reaches; :func:`_extrapolate` fills them) and ``last`` (index of the smallest
    reachable s, or None).
    """
    lags, freqs, g, own = (np.asarray(a, float) for a in (lags, freqs, g, own))
    steps = np.asarray(steps, float)
    adm = (freqs <= 1 / (2 * lags) + 1e-9) & (g > 0) & (g >= 0.5 * own)
    idx = np.flatnonzero(adm)
    S = steps[:, None]
    fg = freqs[idx] * g[idx]
    t1 = np.where(g[idx][None, :] <= S, fg[None, :], -np.inf)
    i1 = np.argmax(t1, axis=1)
    best1 = t1[np.arange(steps.size), i1]
    best2 = np.full(steps.size, -np.inf)
    lag2 = np.full(steps.size, np.nan)
    f2 = np.full(steps.size, np.nan)
    for f in np.unique(freqs[idx]):
        m = idx[freqs[idx] == f]
        m = m[np.argsort(lags[m])]
        if m.size < 2:
            continue
        g0, g1 = g[m][:-1], g[m][1:]
        cross = (g0[None, :] >= S) & (g1[None, :] < S)
        hit = cross.any(axis=1) & (f * steps > best2)
        if not hit.any():
            continue
        first = np.argmax(cross[hit], axis=1)
        l0, l1 = lags[m][first], lags[m][first + 1]
        x = (np.log(g0[first]) - np.log(steps[hit])) / (np.log(g0[first]) - np.log(g1[first]))
        best2[hit], lag2[hit], f2[hit] = f * steps[hit], l0 + x * (l1 - l0), f
    use2 = best2 > best1
    theta = np.maximum(best1, best2)
    pick = idx[i1]
    out_lag = np.where(use2, lag2, np.where(np.isfinite(best1), lags[pick], np.nan))
    out_f = np.where(use2, f2, np.where(np.isfinite(best1), freqs[pick], np.nan))
    out_g = np.where(use2, steps, np.where(np.isfinite(best1), g[pick], np.nan))
    extra = ~np.isfinite(theta)
    if extra.all():
        raise ValueError("step_protocols: no admissible pairing of the wanted sign")
    last = int(np.flatnonzero(~extra).max()) if extra.any() else None
    with np.errstate(divide="ignore", invalid="ignore"):
        seconds = np.where(extra, np.nan, steps / theta)
    return dict(seconds=seconds, lag_s=out_lag, rate_hz=out_f, step=out_g, extrapolated=extra, last=last)


def _extrapolate(p: dict, tau: float, steps=STEP_GRID) -> dict:
    """Fill the steps below the scan's reach (see :func:`step_protocols`) by the exponential window."""
    if p["last"] is None:
        return p
    i0 = p["last"]
    s0, l0, f0 = p["step"][i0], p["lag_s"][i0], p["rate_hz"][i0]
    out = {k: np.array(v, copy=True) for k, v in p.items() if k != "last"}
    m = out["extrapolated"]
    lag = l0 + tau * np.log(s0 / steps[m])
    rate = np.minimum(f0, 1 / (2 * lag))
    out["lag_s"][m], out["rate_hz"][m], out["step"][m] = lag, rate, steps[m]
    out["seconds"][m] = 1 / rate
    out["last"] = i0
    return out


STEP_MODELS = ("scan", "window", "flat")


@dataclass(frozen=True, eq=False)
class PairingRates:
    r"""How long a pairing of a given step takes, by kind (depressing / potentiating).

    The full step a_max: a depressing pairing does a_max at 1 Hz and the shortest lag (Bi & Poo's
    protocol); a potentiating one at the shortest lag and the fastest rate the protocol allows,
    ``f_ref <= 1/(2 lag)`` (the pre spike of the next pairing comes at least one lag after this
    pairing's post spike). ``depress_hz``/``potentiate_hz`` are the rates of most change per
    second for full steps, ``*_efficiency`` the step a pairing then does (fraction of a_max).

    A pairing of step ``s a_max`` (``0 < s <= 1``) takes ``step_seconds(kind, s)`` seconds:

    * ``step_model="scan"`` (the experiment's): the fastest protocol of the triplet rule's scan
      over lag and rate (:func:`step_protocols`, tables ``log_sec_down``/``log_sec_up`` on
      :data:`STEP_GRID`, interpolated in log-log);
    * ``"window"``: the lag that gives the step by the exponential window,
      ``lag' = lag + tau ln(1/s)`` (tau_minus for depression, tau_plus for potentiation), at
      ``min(f_kind, 1/(2 lag'))`` with the full step's efficiency: ``1 / (min(...) e_kind)``;
    * ``"flat"``: every step at the full step's rate, ``1 / (f_kind e_kind)`` (the old accounting:
      optimistic for small steps).
    """

    depress_hz: float
    depress_efficiency: float
    potentiate_hz: float
    potentiate_efficiency: float
    zero_crossing_hz: float
    lag_s: float
    step_model: str = "window"
    log_sec_down: np.ndarray | None = None
    log_sec_up: np.ndarray | None = None
    frac_down: np.ndarray | None = None
    frac_up: np.ndarray | None = None

    def __post_init__(self):
        if self.step_model not in STEP_MODELS:
            raise ValueError(f"step_model must be one of {STEP_MODELS} (got {self.step_model!r})")
        if self.step_model == "scan" and self.log_sec_down is None:
            raise ValueError("step_model 'scan' needs the timing tables (use pairing_rates())")

    def _kind(self, kind: str):
        if kind not in ("down", "up"):
            raise ValueError(f"kind must be 'down' or 'up' (got {kind!r})")
        return ((self.depress_hz, self.depress_efficiency, TAU_MINUS, self.log_sec_down, self.frac_down)
                if kind == "down" else
                (self.potentiate_hz, self.potentiate_efficiency, TAU_PLUS, self.log_sec_up, self.frac_up))

    def step_seconds(self, kind: str, step=1.0):
        """Seconds per pairing of step ``step`` a_max (``kind`` "down" or "up"; arrays broadcast)."""
        s = np.asarray(step, float)
        if np.any(s <= 0) or np.any(s > 1 + 1e-9):
            raise ValueError("step_seconds: steps must lie in (0, 1] (fraction of a_max)")
        s = np.clip(s, STEP_GRID[-1], 1.0)
        f, e, tau, table, _ = self._kind(kind)
        if self.step_model == "flat":
            return np.full(s.shape, 1.0 / (f * e))
        if self.step_model == "window":
            lag = self.lag_s + tau * np.log(1.0 / s)
            return 1.0 / (np.minimum(f, 1.0 / (2 * lag)) * e)
        return np.exp(np.interp(np.log(s), LOG_STEP_ASC, np.asarray(table)[::-1]))

    def step_pairings(self, kind: str, step=1.0):
        """Pairings actually made per pairing of step ``step`` a_max (>= 1: the protocol's own step
        is at most the wanted one)."""
        s = np.clip(np.asarray(step, float), STEP_GRID[-1], 1.0)
        _, e, _, _, frac = self._kind(kind)
        if self.step_model != "scan":
            return np.full(s.shape, 1.0 / e)
        return 1.0 / np.interp(np.log(s), LOG_STEP_ASC, np.asarray(frac)[::-1])

    def seconds(self, depressing, potentiating, step_down=1.0, step_up=1.0):
        """Time for ``depressing`` pairings of step ``step_down`` a_max and ``potentiating`` ones of
        ``step_up`` a_max (numbers or numpy arrays, broadcast)."""
        dep = np.asarray(depressing, float)
        pot = np.asarray(potentiating, float)
        t = (np.where(dep > 0, dep * self.step_seconds("down", step_down), 0.0)
             + np.where(pot > 0, pot * self.step_seconds("up", step_up), 0.0))
        return float(t) if np.ndim(t) == 0 else t

    def kernel_tables(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(ln s ascending, ln seconds depressing, ln seconds potentiating) on :data:`STEP_GRID`,
        for the closed-loop kernel (linear interpolation in ln s)."""
        s = STEP_GRID[::-1].copy()
        return (np.log(s), np.log(self.step_seconds("down", s)), np.log(self.step_seconds("up", s)))

    def with_model(self, step_model: str) -> "PairingRates":
        return replace(self, step_model=step_model)


def _kinds(scan: dict, ref_d: float, ref_p: float):
    """(kind, step g, own-sign part, tau) of depressing (anti-causal) and potentiating (causal)
    pairings, in units of their full steps."""
    ltd_anti = scan["ltp_anticausal"] - scan["dw_anticausal"]  # the depressing part, > 0
    return (("down", -scan["dw_anticausal"] / ref_d, ltd_anti / ref_d, TAU_MINUS),
            ("up", scan["dw_causal"] / ref_p, scan["ltp_causal"] / ref_p, TAU_PLUS))


def pairing_rates(lag_s: float = 10 * ms, fit: str = "visual_cortex_minimal", scan: dict | None = None,
                  lag_ratio: float = SCAN_LAG_RATIO) -> tuple[PairingRates, dict]:
    """:class:`PairingRates` (``step_model="scan"``) from the triplet rule's scan over lag and rate
    (:func:`triplet_scan`), and tables: ``triplet_rate_scan`` (the shortest lag: dw per pairing,
    efficiencies against the references) and ``step_protocols`` (the fastest protocol per step)."""
    scan = triplet_scan(lag_s, fit, lag_ratio=lag_ratio) if scan is None else scan
    L, f = scan["lag_s"], scan["freq_hz"]
    base = np.isclose(L, L.min()) & ~np.asarray(scan["at_limit"], bool)
    fb = f[base]
    cb, ab = scan["dw_causal"][base], scan["dw_anticausal"][base]
    if not np.isclose(fb, 1.0).any():
        raise ValueError("the scan must include the 1 Hz reference rate")
    ref_d = -float(ab[np.isclose(fb, 1.0)][0])
    allowed = np.flatnonzero(fb <= 1 / (2 * L.min()) + 1e-9)
    j = int(allowed[np.argmax(cb[allowed])])  # the largest potentiating step the protocol allows
    f_ref, ref_p = float(fb[j]), float(cb[j])
    if ref_d <= 0 or ref_p <= 0:
        raise ValueError("the triplet fit does not depress at 1 Hz or potentiate at the protocol limit")
    zero = zero_crossing(fb, cb, ab)
    prot = {}
    for kind, g, own, tau in _kinds(scan, ref_d, ref_p):
        prot[kind] = _extrapolate(step_protocols(L, f, g, own, STEP_GRID), tau)
    full_d, full_p = prot["down"], prot["up"]
    rates = PairingRates(float(full_d["rate_hz"][0]), float(full_d["step"][0]), float(full_p["rate_hz"][0]),
                         float(full_p["step"][0]), zero, float(L.min()), "scan",
                         np.log(full_d["seconds"]), np.log(full_p["seconds"]), full_d["step"] / STEP_GRID,
                         full_p["step"] / STEP_GRID)
    rate_table = {"freq_hz": fb.tolist(), "dw_causal": cb.tolist(), "dw_anticausal": ab.tolist(),
                  "efficiency_depress": (-ab / ref_d).tolist(), "efficiency_potentiate": (cb / ref_p).tolist()}
    shown = np.concatenate([0.5 ** np.arange(0, 21), [1 / 12.5]])
    proto_table = {k: [] for k in ("step", "kind", "lag_ms", "rate_hz", "step_per_pairing", "seconds_per_pairing",
                                   "extrapolated")}
    for kind, g, own, tau in _kinds(scan, ref_d, ref_p):
        p = _extrapolate(step_protocols(L, f, g, own, shown), tau, shown)
        for i in np.argsort(-shown):
            for k, v in zip(proto_table, (float(shown[i]), kind, 1e3 * p["lag_s"][i], p["rate_hz"][i], p["step"][i],
                                          p["seconds"][i], bool(p["extrapolated"][i]))):
                proto_table[k].append(v)
    return rates, {"triplet_rate_scan": rate_table, "step_protocols": proto_table, "protocols": prot,
                   "reference": {"depress_1hz_dw": ref_d, "potentiate_ref_hz": f_ref, "potentiate_ref_dw": ref_p}}


# --------------------------------------------------------------------------------------------
# Noise models
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class NoiseModel:
    """Which noise a write meets and how the synapse is bounded.

    ``sigma_up``/``sigma_down``: per-pairing noise SD of potentiating/depressing pairings (each step
    times ``1 + sigma xi``). ``gain_up``/``gain_down``: SD of the fixed log-normal per-synapse gains
    (mean 1). ``soft``: multiplicative updates (soft bounds) instead of additive ones clipped at
    the bounds. ``equal_gains``: one gain for both kinds (``gain_down`` is then used for both).
    """

    name: str
    label: str
    sigma_up: float = 0.0
    sigma_down: float = 0.0
    gain_up: float = 0.0
    gain_down: float = 0.0
    soft: bool = False
    equal_gains: bool = False
    fixed_step: bool = False

    def scaled(self, f: float) -> "NoiseModel":
        return replace(self, sigma_up=f * self.sigma_up, sigma_down=f * self.sigma_down,
                       gain_up=f * self.gain_up, gain_down=f * self.gain_down)

    @property
    def gains(self) -> tuple[float, float]:
        """(up, down) gain SDs as the kernels use them (equal gains: both the larger one)."""
        if self.equal_gains:
            g = max(self.gain_up, self.gain_down)
            return g, g
        return self.gain_up, self.gain_down


def noise_models() -> dict[str, NoiseModel]:
    """The models compared: no noise (steps of any size up to a_max, or one fixed step), per-pairing
    noise, and per-synapse gains three ways."""
    sp, sm = calibrate_scatter("pairing")
    gp, gm = calibrate_scatter("synapse")
    return {
        "none": NoiseModel("none", "no noise"),
        "none_fixed_step": NoiseModel("none_fixed_step", "no noise, one fixed step (levels: multiples of a_max)",
                                      fixed_step=True),
        "pairing": NoiseModel("pairing", "per-pairing noise, hard bounds", sigma_up=sp, sigma_down=sm),
        "synapse_hard": NoiseModel("synapse_hard", "per-synapse gain, hard bounds", gain_up=gp, gain_down=gm),
        "synapse_soft_equal": NoiseModel("synapse_soft_equal", "per-synapse gain, soft bounds, equal LTP/LTD gains",
                                         gain_up=gp, gain_down=gm, soft=True, equal_gains=True),
        "synapse_soft_independent": NoiseModel("synapse_soft_independent",
                                               "per-synapse gain, soft bounds, independent LTP/LTD gains",
                                               gain_up=gp, gain_down=gm, soft=True),
    }


def log_sd(sigma: float) -> float:
    """Log-SD s of a log-normal gain with mean 1 and SD sigma: ``s^2 = ln(1 + sigma^2)``."""
    return math.sqrt(math.log1p(sigma * sigma))


def gain_quantile(sigma: float, q):
    """Quantile of the log-normal gain ``g = exp(s xi - s^2/2)`` (mean 1, SD sigma)."""
    from scipy.special import ndtri
    s = log_sd(sigma)
    return np.exp(s * ndtri(q) - 0.5 * s * s)


def gain_within(sigma: float, tol):
    """``P(|g - 1| < tol)`` for the log-normal gain (mean 1, SD sigma); 1 if sigma = 0."""
    from scipy.special import ndtr
    tol = np.asarray(tol, float)
    if sigma == 0:
        return np.ones_like(tol)
    s = log_sd(sigma)
    hi = ndtr((np.log1p(tol) + 0.5 * s * s) / s)
    lo = ndtr((np.log(np.maximum(1 - tol, 1e-300)) + 0.5 * s * s) / s)
    return np.where(tol >= 1, hi, hi - lo)


# --------------------------------------------------------------------------------------------
# Hard bounds: reset, settle, count
# --------------------------------------------------------------------------------------------

def n_reset(a_max: float, sigma_p: float, sigma_s: float, distance: float = 1.0) -> int:
    """Saturating pairings that carry w over ``distance`` (1: from anywhere to a bound) with
    probability ~0.999: ``n a - 3.09 sigma_p a sqrt(n) >= distance``, ``a = a_max g_0.001`` (the
    0.1 % quantile of the per-synapse gain, mean 1, SD ``sigma_s``)."""
    g_low = 1.0 if sigma_s == 0 else float(gain_quantile(sigma_s, 1e-3))
    a = a_max * g_low
    if sigma_p == 0:
        return int(math.ceil(distance / a - 1e-9))
    zq = 3.09 * sigma_p
    x = (zq * a + math.sqrt((zq * a) ** 2 + 4 * a * distance)) / (2 * a)
    return int(math.ceil(x * x))


def worst_level(bits: int, scheme: str = "best") -> int:
    """The level that takes most pairings: L-1 when counting up from 0 (the article's scheme),
    (L-1)//2 when each level is written from its nearer bound ("best" in pairings; with unequal
    depression and potentiation rates the slowest level in time is :func:`hard_code`'s)."""
    L = 2**bits
    return (L - 1) // 2 if scheme == "best" else L - 1


def settle_plan(a_max: float, sigma: float, u: float) -> tuple[int, int]:
    """Settling stages after a noisy reset and pairings per stage: (stages, per_stage).

    Pressed against a bound by steps of u with noise SD ``sigma u``, w keeps an exponential spread
    of mean ``sigma^2 u / 2``; halving the step each stage (``max(a_max 2^-(k+1), u)``) with
    ``ceil(4 sigma^2) + 1`` pairings a stage (several relaxation times ``sigma^2 / 2``) brings
    the spread down to that of the final step u.
    """
    if sigma == 0 or u >= a_max:
        return 0, 0
    return int(math.ceil(math.log2(a_max / u) - 1e-9)), int(math.ceil(4 * sigma**2)) + 1



def emg_within(h, mu, s):
    """``P(|r + X| < h)``, r ~ Exp(mean mu), X ~ N(0, s^2) (an exponentially modified Gaussian):
    ``F(t) = Phi(t/s) - exp(-t/mu + s^2/(2 mu^2)) Phi(t/s - s/mu)``, the second term in logs."""
    from scipy.special import log_ndtr, ndtr
    h, mu, s = np.broadcast_arrays(*(np.asarray(v, float) for v in (h, mu, s)))
    out = np.ones(h.shape)
    only_exp = (s <= 0) & (mu > 0)
    out[only_exp] = 1 - np.exp(-h[only_exp] / mu[only_exp])
    only_gauss = (mu <= 0) & (s > 0)
    out[only_gauss] = 2 * ndtr(h[only_gauss] / s[only_gauss]) - 1
    both = (mu > 0) & (s > 0)
    if both.any():
        hb, m, sb = h[both], mu[both], s[both]

        def cdf(t):
            return ndtr(t / sb) - np.exp(log_ndtr(t / sb - sb / m) - t / m + sb * sb / (2 * m * m))
        out[both] = cdf(hb) - cdf(-hb)
    return out


def hard_p_correct(kp, n_write, delta, sigma_r, sigma_w, gain_w, u_settle=None):
    """P(correct level) of a hard-bound write k' levels from its bound with ``n_write`` pairings.

    Pairing noise: the reset residual ``r ~ Exp(mean sigma_r^2 u_settle / 2)`` (``u_settle``: the
    last settling step, by default the write step ``d / n``) plus the write's error
    ``N(0, (sigma_w d)^2 / n)``, ``P = P(|r + X| < delta/2)``. Synapse noise:
    ``P(|g - 1| < 1/(2 k'))`` (level 0 at the bound is always right). No noise: 1.
    """
    kp = np.asarray(kp, float)
    d = kp * delta
    n = np.maximum(np.asarray(n_write, float), 1.0)
    if gain_w > 0:
        return np.where(kp == 0, 1.0, gain_within(gain_w, 0.5 / np.maximum(kp, 1)))
    if sigma_r == 0 and sigma_w == 0:
        return np.ones_like(kp)
    u = d / n if u_settle is None else np.asarray(u_settle, float)
    return emg_within(delta / 2, sigma_r**2 * u / 2, sigma_w * d / np.sqrt(n))



def hard_write(kp, delta: float, a_max: float, sigma_r: float, sigma_w: float, gain_r: float, gain_w: float,
               confidence: float) -> dict:
    """Cheapest open-loop hard-bound write of levels k' from their bound (arrays over k').

    Returns ``reset``, ``settle`` (pairings of the reset's kind), ``write`` (pairings of the
    write's kind), ``u`` (write step), ``u_settle`` (last settling step), ``p`` (P(correct)) and
    ``feasible`` (``p >= confidence``). ``sigma_r``/``gain_r``: noise of the reset's kind of
    pairing, ``sigma_w``/``gain_w``: the write's. Level 0 at the bound (k' = 0) needs no count:
    without pairing noise the reset need only cross ``1 - delta/2``; with it, the settling goes
    down to the step whose residual stays below delta/2 with the confidence,
    ``u0 = delta / (sigma_r^2 ln(1/(1-c)))``.
    """
    if (sigma_r or sigma_w) and (gain_r or gain_w):
        raise ValueError("hard_write: pairing and synapse noise are modelled one at a time")
    kp = np.atleast_1d(np.asarray(kp, int))
    d = kp * delta
    write = np.maximum(np.ceil(d / a_max - 1e-9), 0).astype(float)
    settle = np.zeros(kp.size)
    stages = np.zeros(kp.size, int)
    per_stage = np.zeros(kp.size, int)
    if sigma_r == 0 and sigma_w == 0:
        reset = np.where(kp == 0, n_reset(a_max, 0.0, gain_r, 1.0 - delta / 2), n_reset(a_max, 0.0, gain_r)).astype(float)
        u_settle = np.full(kp.size, a_max)
    else:
        reset = np.full(kp.size, float(n_reset(a_max, sigma_r, 0.0)))
        write = np.where(kp > 0, np.maximum(write, np.ceil((2 * _z(confidence) * sigma_w * kp) ** 2)), 0.0)
        write = _smallest_n(kp, write, delta, sigma_r, sigma_w, confidence)
        u0 = delta / (max(sigma_r, 1e-12) ** 2 * math.log(1 / (1 - confidence)))
        u_settle = np.minimum(np.where(kp > 0, d / np.maximum(write, 1), u0), a_max)
        if sigma_r > 0:  # settle_plan, vectorised over the levels
            short = u_settle < a_max
            stages = np.where(short, np.ceil(np.log2(a_max / np.where(short, u_settle, a_max)) - 1e-9), 0).astype(int)
            per_stage = np.where(short, int(math.ceil(4 * sigma_r**2)) + 1, 0)
        settle = (stages * per_stage).astype(float)
    p = hard_p_correct(kp, write, delta, sigma_r, sigma_w, gain_w, u_settle)
    u = np.where(write > 0, d / np.maximum(write, 1), 0.0)
    return dict(reset=reset, settle=settle, stages=stages, per_stage=per_stage, write=write, u=u, u_settle=u_settle,
                p=p, feasible=p >= confidence - 1e-12)



def settle_seconds(rates: PairingRates, kind: str, stages, per_stage, u_settle, a_max: float):
    """Seconds of the settling stages (arrays over levels): stage k makes ``per_stage`` pairings
    of step ``max(a_max 2^-(k+1), u_settle)`` of ``kind`` ("down" after a reset to 0)."""
    stages = np.asarray(stages, int)
    K = int(stages.max(initial=0))
    if K == 0:
        return np.zeros(stages.shape)
    k = np.arange(K)[:, None]
    size = np.maximum(a_max * 0.5 ** (k + 1), np.asarray(u_settle, float)[None, :])
    t = rates.step_seconds(kind, np.minimum(size / a_max, 1.0))
    return np.sum(np.where(stages[None, :] > k, per_stage * t, 0.0), axis=0)


def write_seconds(rates: PairingRates, design: dict, reset_kind: str, a_max: float):
    """Seconds of each level's open-loop write of a :func:`hard_write` design: the reset (full
    steps), the settling stages and the count (steps u), each pairing at its own step."""
    write_kind = "up" if reset_kind == "down" else "down"
    reset = design["reset"] * rates.step_seconds(reset_kind, 1.0)
    settle = settle_seconds(rates, reset_kind, design["stages"], design["per_stage"], design["u_settle"], a_max)
    u = np.where(design["write"] > 0, design["u"], a_max)
    write = design["write"] * rates.step_seconds(write_kind, np.clip(u / a_max, STEP_GRID[-1], 1.0))
    return reset + settle + write


def hard_schedule(design: dict, i: int, from_top: bool, a_max: float, sigma_reset: float, write=None):
    """Monte Carlo schedule (counts, up steps, down steps) of entry ``i`` of a :func:`hard_write`
    design: reset toward the bound, settling stages, then the write away from it (``write``
    pairings instead of the design's, the settling then following the new write step)."""
    n_w = int(design["write"][i] if write is None else write)
    d = design["u"][i] * design["write"][i]
    u = d / n_w if n_w > 0 else 0.0
    u_settle = min(u, a_max) if n_w > 0 else float(design["u_settle"][i])
    stages, per = settle_plan(a_max, sigma_reset, u_settle)
    sizes = [a_max] + [max(a_max * 0.5 ** (k + 1), u_settle) for k in range(stages)]
    counts = [int(design["reset"][i])] + [per] * stages + [n_w]
    up = [sz if from_top else 0.0 for sz in sizes] + [0.0 if from_top else u]  # resetting to 1 potentiates
    down = [0.0 if from_top else sz for sz in sizes] + [u if from_top else 0.0]
    return np.array(counts, np.int64), np.array(up), np.array(down), u_settle




def fixed_step_code(bits: int, a_max: float, rates: PairingRates) -> dict:
    """No noise, one fixed step: levels are whole multiples of ``a_max`` from the bound they are
    written from, ``s = floor(N / (L-1))`` steps apart (``N = floor(1/a_max)``); a code with
    ``L - 1 > N`` cannot be written. Worst level of the faster of the two bounds, as
    :func:`hard_code`."""
    L = 2**bits
    N = int(math.floor(1 / a_max + 1e-9))
    if L - 1 > N:
        return dict(seconds=math.inf, pairings=math.inf, level=None)
    s = N // (L - 1)
    j = np.arange(L)
    full, half = math.ceil(1 / a_max - 1e-9), math.ceil((1 - 0.5 / (L - 1)) / a_max - 1e-9)
    r_up = np.where(j == 0, half, full)  # a level at the bound need only be reached within delta/2
    r_down = np.where(j == L - 1, half, full)
    t_up = rates.seconds(r_up, j * s)
    t_down = rates.seconds((L - 1 - j) * s, r_down)
    t = np.minimum(t_up, t_down)
    worst = int(np.argmax(t))
    n = (r_up[worst] + j[worst] * s) if t_up[worst] <= t_down[worst] else (r_down[worst] + (L - 1 - j[worst]) * s)
    return dict(seconds=float(t[worst]), pairings=float(n), level=worst)




def _smallest_n(kp, n0, delta, sigma_r, sigma_w, confidence, rtol: float = 1e-4):
    """Smallest n >= n0 (to a relative ``rtol``) with ``hard_p_correct >= confidence``: P grows
    with n; the bracket starts at the Gaussian estimate n0 and the search is a bisection in log n."""
    need = kp > 0
    if not need.any():
        return n0
    k, lo = kp[need], n0[need].astype(float)
    ok = hard_p_correct(k, lo, delta, sigma_r, sigma_w, 0.0) >= confidence
    hi = np.where(ok, lo, np.ceil(lo * 1.5 + 2))
    for _ in range(60):
        short = ~ok & (hard_p_correct(k, hi, delta, sigma_r, sigma_w, 0.0) < confidence)
        if not short.any():
            break
        lo = np.where(short, hi, lo)
        hi = np.where(short, np.ceil(hi * 2), hi)
    while True:  # invariant: P(hi) >= c; P(lo) < c unless lo == hi
        gap = (hi - lo > np.maximum(1.0, rtol * hi))
        if not gap.any():
            break
        mid = np.where(gap, np.floor(np.sqrt(lo * hi)), hi)
        mid = np.clip(mid, lo + 1, hi - 1)
        good = hard_p_correct(k, mid, delta, sigma_r, sigma_w, 0.0) >= confidence
        hi = np.where(gap & good, mid, hi)
        lo = np.where(gap & ~good, mid, lo)
    out = n0.astype(float).copy()
    out[need] = hi
    return out


def _z(confidence: float) -> float:
    from scipy.special import ndtri
    return float(ndtri(0.5 + confidence / 2))




def hard_code(bits: int, a_max: float, model: NoiseModel, rates: PairingRates, confidence: float) -> dict:
    """Every level of a b-bit hard-bound code written open-loop from 0 (reset by depression,
    count up by potentiation) or from 1 (the other way round), whichever takes less time; every
    pairing timed at its own step (:func:`write_seconds`).

    Returns per-level arrays (``seconds``, ``pairings`` (of the design's steps), ``from_top``,
    ``p``, ``kp``) and the article's scheme (top level from 0) as ``article_seconds``,
    ``article_pairings`` (steps), ``article_actual_pairings`` (pairings made, at each protocol's
    own step per pairing) and ``article_p``.
    """
    L = 2**bits
    delta = 1.0 / (L - 1)
    j = np.arange(L)
    up = hard_write(j, delta, a_max, model.sigma_down, model.sigma_up, model.gain_down, model.gain_up, confidence)
    down = hard_write(L - 1 - j, delta, a_max, model.sigma_up, model.sigma_down, model.gain_up, model.gain_down,
                      confidence)
    s_up, s_down = write_seconds(rates, up, "down", a_max), write_seconds(rates, down, "up", a_max)
    t_up = np.where(up["feasible"], s_up, np.inf)
    t_down = np.where(down["feasible"], s_down, np.inf)
    # the faster feasible way; where neither reaches the confidence, the more accurate one
    from_top = np.where(np.isinf(t_up) & np.isinf(t_down), down["p"] > up["p"], t_down < t_up)
    n_up = up["reset"] + up["settle"] + up["write"]
    n_down = down["reset"] + down["settle"] + down["write"]
    u_top = up["u"][-1] if up["write"][-1] > 0 else a_max
    actual = (math.ceil(up["reset"][-1] * float(rates.step_pairings("down", 1.0)) - 1e-9)
              + math.ceil(up["write"][-1] * float(rates.step_pairings("up", min(u_top / a_max, 1.0))) - 1e-9))
    return dict(seconds=np.minimum(t_up, t_down), pairings=np.where(from_top, n_down, n_up), from_top=from_top,
                p=np.where(from_top, down["p"], up["p"]), kp=np.where(from_top, L - 1 - j, j), up=up, down=down,
                article_seconds=float(s_up[-1]), article_pairings=float(n_up[-1]), article_actual_pairings=int(actual),
                article_p=float(up["p"][-1]), article_feasible=bool(up["feasible"][-1]))


# --------------------------------------------------------------------------------------------
# Soft bounds: a write to a fixed point by a mix of pairings
# --------------------------------------------------------------------------------------------

KMAX = 40  # halvings of the step at most


def soft_steps(x, a_max: float):
    """Per-cycle steps (p, q) with ``p/(p+q) = x`` and the larger of the two ``a_max``."""
    x = np.asarray(x, float)
    m = np.maximum(x, 1 - x)
    return a_max * x / m, a_max * (1 - x) / m


def soft_cycle(p, q, g_up, g_down):
    """One cycle (potentiate by p, then depress by q) as an affine map ``w -> lam w + c``:
    ``alpha = min(g+ p, 1)``, ``beta = min(g- q, 1)`` (a step past the bound is clipped there),
    ``lam = (1 - alpha)(1 - beta)``, fixed point ``w_c = (1 - beta) alpha / (1 - lam)``."""
    alpha = np.minimum(g_up * p, 1.0)
    beta = np.minimum(g_down * q, 1.0)
    log_lam = np.log1p(-np.minimum(alpha, 1 - 1e-16)) + np.log1p(-np.minimum(beta, 1 - 1e-16))
    one_minus = alpha + beta - alpha * beta
    wc = np.where(one_minus > 0, (1 - beta) * alpha / np.where(one_minus > 0, one_minus, 1.0), 0.5)
    return log_lam, wc


def gain_points(model: NoiseModel, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Equal-probability quadrature of the gains: (g_up, g_down, weights)."""
    s_up, s_down = model.gains
    if s_up == 0 and s_down == 0:
        return np.ones(1), np.ones(1), np.ones(1)
    if model.equal_gains:
        g = gain_quantile(s_down, (np.arange(n) + 0.5) / n)
        return g, g, np.full(n, 1.0 / n)
    m = max(8, int(round(math.sqrt(n))))
    q = (np.arange(m) + 0.5) / m
    gu, gd = np.meshgrid(gain_quantile(s_up, q), gain_quantile(s_down, q), indexing="ij")
    return gu.ravel(), gd.ravel(), np.full(m * m, 1.0 / (m * m))


def soft_p_correct(x, delta: float, cycles, a_max: float, g_up, g_down, weights):
    """Exact P(correct level) of soft-bound writes of levels ``x`` (array) with ``cycles[level, k]``
    cycles at step scale 2^-k, over the gain quadrature and a uniform unknown start w0.

    The stages compose to ``w = A w0 + B``; the fraction of w0 in [0, 1] that lands within
    delta/2 of x is the length of ``[(x - delta/2 - B)/A, (x + delta/2 - B)/A] & [0, 1]``.
    """
    x = np.asarray(x, float)[:, None]
    p0, q0 = soft_steps(x, a_max)
    logA = np.zeros((x.shape[0], g_up.size))
    B = np.zeros_like(logA)
    for k in range(cycles.shape[1]):
        C = cycles[:, k][:, None]
        if not np.any(C > 0):
            continue
        log_lam, wc = soft_cycle(p0 * 0.5**k, q0 * 0.5**k, g_up[None, :], g_down[None, :])
        lamC = np.exp(C * log_lam)
        B = np.where(C > 0, lamC * (B - wc) + wc, B)
        logA = logA + C * log_lam
    A = np.exp(logA)
    lo, hi = x - delta / 2, x + delta / 2
    safe = A > 1e-14
    Asafe = np.where(safe, A, 1.0)
    frac = np.clip(np.minimum((hi - B) / Asafe, 1.0) - np.maximum((lo - B) / Asafe, 0.0), 0.0, 1.0)
    frac = np.where(safe, frac, ((B >= lo) & (B < hi)).astype(float))
    return frac @ weights


def soft_limit(x, delta: float, model: NoiseModel, n: int):
    """P(correct) as the steps shrink and the cycles grow without end: ``w* = r x / (r x + 1 - x)``."""
    g_up, g_down, wts = gain_points(model, n)
    x = np.asarray(x, float)[:, None]
    r = (g_up / g_down)[None, :]
    ws = np.where((x > 0) & (x < 1), r * x / np.where((x > 0) & (x < 1), r * x + 1 - x, 1.0), x)
    ok = (ws >= x - delta / 2) & (ws < x + delta / 2) | ((x == 0) | (x == 1))
    return ok.astype(float) @ wts


def soft_design(x, delta: float, a_max: float, g_lo: float, g_hi: float, bias_frac: float):
    """Cycles per stage ``C[level, k]`` of the annealed soft-bound write (see module docstring).

    Stage k uses steps ``2^-k (p, q)``; K is the first stage whose cycle bias ``|w_c - x|`` is at
    most ``bias_frac delta`` for every gain in [g_lo, g_hi] (design gains equal for LTP and LTD).
    Stage k < K runs until the deviation from x is at most twice its bias, stage K until it is
    delta/2, both for the slowest synapse (g_lo): ``C = ln(D_start / D_end) / -ln lam(g_lo)``.
    """
    x = np.asarray(x, float)
    p0, q0 = soft_steps(x, a_max)
    gd = np.array([g_lo, g_hi])  # |bias| = g p q^2 / ((p+q)(p+q-gpq)) grows with g: its largest is at g_hi
    scale = 0.5 ** np.arange(KMAX + 1)
    _, wc = soft_cycle(p0[:, None, None] * scale[None, :, None], q0[:, None, None] * scale[None, :, None],
                       gd[None, None, :], gd[None, None, :])
    bias = np.max(np.abs(wc - x[:, None, None]), axis=2)  # (levels, stages)
    ok = bias <= bias_frac * delta
    K = np.where(ok.any(axis=1), np.argmax(ok, axis=1), KMAX)
    log_lam_slow, _ = soft_cycle(p0[:, None] * scale[None, :], q0[:, None] * scale[None, :], g_lo, g_lo)
    cycles = np.zeros((x.size, KMAX + 1))
    D = np.ones(x.size)
    for k in range(KMAX + 1):
        active = k <= K
        if not active.any():
            break
        b = bias[:, k]
        last = k == K
        end = np.where(last, delta / 2 - b, 2 * np.maximum(b, 1e-300))
        start = D + b
        need = np.log(np.maximum(start, 1e-300) / np.maximum(end, 1e-300)) / np.maximum(-log_lam_slow[:, k], 1e-300)
        cycles[:, k] = np.where(active, np.maximum(np.ceil(need - 1e-9), 0), 0)
        D = np.where(active, np.where(last, delta / 2, 2 * b), D)
    return cycles[:, : int(K.max()) + 1]




def soft_seconds(rates: PairingRates, x, cycles, a_max: float):
    """Seconds of the soft-bound writes of levels ``x``: stage k's cycles are a potentiating pairing
    of step ``2^-k p`` (none at x = 0) and a depressing one of ``2^-k q`` (none at x = 1), each
    timed at its own step."""
    x = np.asarray(x, float)
    p0, q0 = soft_steps(x, a_max)
    out = np.zeros(x.size)
    for k in range(cycles.shape[1]):
        c = cycles[:, k]
        if not np.any(c > 0):
            continue
        up = np.where(p0 > 0, rates.step_seconds("up", np.clip(p0 * 0.5**k / a_max, STEP_GRID[-1], 1.0)), 0.0)
        down = np.where(q0 > 0, rates.step_seconds("down", np.clip(q0 * 0.5**k / a_max, STEP_GRID[-1], 1.0)), 0.0)
        out += c * (up + down)
    return out


def soft_code(bits: int, a_max: float, model: NoiseModel, rates: PairingRates, confidence: float,
              quadrature: int = 160, max_levels: int | None = None) -> dict:
    """Every level of a b-bit code written to a soft-bound synapse by an annealed mix of pairings.

    The design gains are the (1-c)/2 and (1+c)/2 quantiles of the larger gain SD, tightened
    (quantiles ``eps/4``, bias target halved) up to three times until the exact P(correct) of every
    level reaches the confidence. Independent gains: a code whose limit ``P(w* in the level)`` is
    below the confidence for some level cannot be written at any cost (``feasible`` False).
    Returns per-level ``seconds``, ``pairings``, ``p``, ``p_limit``, ``cycles``, ``levels`` and
    ``feasible``. ``max_levels``: for large codes, only the eight end levels and ``max_levels``
    evenly spread ones are designed and checked (the bits grid's shortcut).
    """
    L = 2**bits
    delta = 1.0 / (L - 1)
    levels = np.arange(L)
    if max_levels is not None and L > max_levels:  # the ends, where the slowest levels are, and an even spread
        ends = np.concatenate([np.arange(4), L - 1 - np.arange(4)])
        levels = np.unique(np.concatenate([ends, np.round(np.linspace(0, L - 1, max_levels)).astype(int)]))
    x = levels * delta
    g_up, g_down, wts = gain_points(model, quadrature)
    p_limit = soft_limit(x, delta, model, quadrature) if not model.equal_gains else np.ones(x.size)
    s = max(model.gains)
    eps, frac = 1 - confidence, 0.25
    cycles = p = None
    for _ in range(4):
        g_lo, g_hi = (1.0, 1.0) if s == 0 else (float(gain_quantile(s, eps / 2)), float(gain_quantile(s, 1 - eps / 2)))
        cycles = soft_design(x, delta, a_max, g_lo, g_hi, frac)
        p = soft_p_correct(x, delta, cycles, a_max, g_up, g_down, wts)
        if p.min() >= confidence or p_limit.min() < confidence:
            break
        eps, frac = eps / 4, frac / 2
    total = cycles.sum(axis=1)
    n_up = total * (x > 0)
    n_down = total * (x < 1)
    return dict(seconds=soft_seconds(rates, x, cycles, a_max), pairings=n_up + n_down, p=p, p_limit=p_limit, cycles=cycles,
                feasible=bool(p.min() >= confidence - 1e-9), x=x, levels=levels)


# --------------------------------------------------------------------------------------------
# Cost tables and bits within a budget
# --------------------------------------------------------------------------------------------

def code_cost(bits: int, a_max: float, model: NoiseModel, rates: PairingRates, confidence: float,
              quadrature: int = 160, max_levels: int | None = None) -> dict:
    """Worst level of the best open-loop scheme for a b-bit code: seconds, pairings, level, P."""
    if model.fixed_step:
        c = fixed_step_code(bits, a_max, rates)
        return dict(c, p=1.0, detail=None)
    if model.soft:
        c = soft_code(bits, a_max, model, rates, confidence, quadrature, max_levels)
        t = c["seconds"] if c["feasible"] else np.full(c["x"].size, np.inf)
        levels = c["levels"]
    else:
        c = hard_code(bits, a_max, model, rates, confidence)
        t = c["seconds"]
        levels = np.arange(t.size)
    worst = int(np.argmax(t))
    return dict(seconds=float(t[worst]), pairings=float(c["pairings"][worst]) if np.isfinite(t[worst]) else math.inf,
                level=int(levels[worst]), p=float(np.min(c["p"])), detail=c)


def cost_table(model: NoiseModel, max_bits: int, a_max: float, rates: PairingRates, confidence: float,
               quadrature: int = 160, stop_after_s: float = math.inf, max_levels: int | None = None) -> dict:
    """Cost of the worst level for b = 1..max_bits, made monotone by ``cost(b) = min_{b' >= b}``
    (a b-bit code may use 2^b of the levels of a finer code); ``from_finer`` marks where that binds.
    Codes stop being computed once one costs more than ``stop_after_s`` or cannot be written."""
    rows = []
    for b in range(1, max_bits + 1):
        c = code_cost(b, a_max, model, rates, confidence, quadrature, max_levels)
        rows.append(c)
        if not math.isfinite(c["seconds"]) or c["seconds"] > stop_after_s:
            break
    pad = max_bits - len(rows)
    secs = np.array([r["seconds"] for r in rows] + [math.inf] * pad)
    pair = np.array([r["pairings"] for r in rows] + [math.inf] * pad)
    level = [r["level"] for r in rows] + [None] * pad
    use = np.arange(max_bits)  # index of the code whose levels a b-bit code uses: itself or a finer one
    for i in range(max_bits - 2, -1, -1):
        if secs[use[i + 1]] < secs[i]:
            use[i] = use[i + 1]
    return dict(bits=list(range(1, max_bits + 1)), seconds_uniform=secs.tolist(), seconds=secs[use].tolist(),
                pairings=pair[use].tolist(), from_finer=(use != np.arange(max_bits)).tolist(),
                code_bits=(use + 1).tolist(), rows=rows, level=[level[u] for u in use])


def bits_within(table: dict, budget_s: float) -> int:
    """Largest b whose worst level is written within ``budget_s`` (0 if not even one bit)."""
    ok = [b for b, t in zip(table["bits"], table["seconds"]) if t <= budget_s]
    return max(ok) if ok else 0


def bits_value(table: dict, budget_s: float, max_bits: int):
    """:func:`bits_within` as a headline value: a lower bound when it reaches the ``max_bits`` cap."""
    b = bits_within(table, budget_s)
    if b >= max_bits:
        return stats.at_least(b, f"the largest code computed (max_bits = {max_bits}) fits")
    return b


def binary_burst_step(lag_s: float = 2 * ms) -> float:
    """The binary burst synapse's effective step: its ``a_plus`` times ``exp(-lag / tau_plus)``."""
    r = BinaryBurst()
    return float(r.a_plus * math.exp(-lag_s / r.tau_plus))


def bits_grid(config: Config, rates: PairingRates, models: dict) -> dict:
    """Bits within each budget over the grid of step sizes and noise scales (closed form)."""
    rows = {k: [] for k in ("noise", "noise_scale", "a_max", "budget", "bits", "at_cap")}
    T_max = max(BUDGETS.values())
    for a in config.grid_a_max:
        t = cost_table(models["none_fixed_step"], config.max_bits, a, rates, config.confidence)
        for label, T in BUDGETS.items():
            b = bits_within(t, T)
            for k, v in zip(rows, ("none_fixed_step", 0.0, a, label, b, b >= config.max_bits)):
                rows[k].append(v)
    for name in ("pairing", "synapse_hard", "synapse_soft_equal", "synapse_soft_independent"):
        for f in config.grid_noise_scales:
            m = models[name].scaled(f)
            for a in config.grid_a_max:
                t = cost_table(m, config.max_bits, a, rates, config.confidence, config.grid_quadrature,
                               stop_after_s=T_max, max_levels=config.grid_max_levels)
                for label, T in BUDGETS.items():
                    b = bits_within(t, T)
                    for k, v in zip(rows, (name, f, a, label, b, b >= config.max_bits)):
                        rows[k].append(v)
    return rows


# --------------------------------------------------------------------------------------------
# Monte Carlo kernels
# --------------------------------------------------------------------------------------------



# --------------------------------------------------------------------------------------------
# Monte Carlo kernels
# --------------------------------------------------------------------------------------------

@njit(parallel=True, cache=True)
def write_schedule(n_syn, seg_count, seg_up, seg_down, soft, sig_up, sig_down, lsig_up, lsig_down, equal_gains,
                   seed, stream, out):
    """Open-loop writes of n_syn independent synapses by a schedule; out[s] = final weight.

    Segment i repeats ``seg_count[i]`` cycles of a potentiating pairing of step ``seg_up[i]``
    (skipped if 0) then a depressing one of step ``seg_down[i]`` (skipped if 0). Hard bounds:
    ``w += g+ p (1 + sig_up xi)`` / ``w -= g- q (1 + sig_down xi)``; soft bounds: the same times
    ``(1 - w)`` / ``w``; then w is clipped to [0, 1]. Gains log-normal (mean 1, log-SDs
    ``lsig_up``/``lsig_down``), one draw for both when ``equal_gains``. Start: w uniform in [0, 1).
    Keys per synapse: the result does not depend on the number of threads.
    """
    for s in prange(n_syn):
        xi_g = normal_nb(seed, stream, s, 0)
        g_up = np.exp(lsig_up * xi_g - 0.5 * lsig_up * lsig_up) if lsig_up > 0.0 else 1.0
        if equal_gains:
            g_dn = np.exp(lsig_down * xi_g - 0.5 * lsig_down * lsig_down) if lsig_down > 0.0 else 1.0
        else:
            xi_d = normal_nb(seed, stream, s, 1)
            g_dn = np.exp(lsig_down * xi_d - 0.5 * lsig_down * lsig_down) if lsig_down > 0.0 else 1.0
        w = 1.0 - uniform_nb(seed, stream + 1, s, 0)
        c = 0
        z_next = 0.0
        for i in range(seg_count.size):
            p = seg_up[i]
            q = seg_down[i]
            for _ in range(seg_count[i]):
                for kind in range(2):
                    size = p if kind == 0 else q
                    if size <= 0.0:
                        continue
                    sig = sig_up if kind == 0 else sig_down
                    step = size * (g_up if kind == 0 else g_dn)
                    if sig > 0.0:
                        if c % 2 == 0:
                            z, z_next = normal_zig_pair_nb(seed, stream + 2, s, c // 2)
                        else:
                            z = z_next
                        step *= 1.0 + sig * z
                    c += 1
                    if soft:
                        step *= (1.0 - w) if kind == 0 else w
                    w = w + step if kind == 0 else w - step
                    w = min(max(w, 0.0), 1.0)
        out[s] = w


def monte_carlo_write(n_syn, levels, target, m, a_max, reset, stages, per_stage, sigma_p, log_sigma_s, seed, stream,
                      out):
    """Hard-bound open-loop write of level ``target`` with ``m`` sub-steps per level (the
    benchmark's form, ``hebblab bench monte-carlo``): reset toward the nearer bound with ``reset``
    pairings of a_max, ``stages`` settling stages of ``per_stage`` pairings (step halved each stage,
    never below delta/m), then ``k' m`` pairings of delta/m away from it, every step times one gain
    (log-SD ``log_sigma_s``) and ``1 + sigma_p xi``. Runs :func:`write_schedule`."""
    delta = 1.0 / (levels - 1)
    up = 2 * target <= levels - 1
    kp = target if up else levels - 1 - target
    u = delta / m
    sizes = [a_max] + [max(a_max * 0.5 ** (1 + k), u) for k in range(stages)] + [u]
    counts = [reset] + [per_stage] * stages + [kp * m]
    toward = [True] * (1 + stages) + [False]  # toward the bound, then away from it
    seg_up = np.array([sz if (t != up) else 0.0 for sz, t in zip(sizes, toward)])
    seg_down = np.array([sz if (t == up) else 0.0 for sz, t in zip(sizes, toward)])
    write_schedule(int(n_syn), np.array(counts, np.int64), seg_up, seg_down, False, float(sigma_p), float(sigma_p),
                   float(log_sigma_s), float(log_sigma_s), True, seed, stream, out)




@njit(cache=True, inline="always")
def _interp_sorted(x, xs, ys):
    """Linear interpolation of ys(xs) at x (xs ascending), clamped at the ends."""
    if x <= xs[0]:
        return ys[0]
    n = xs.size
    if x >= xs[n - 1]:
        return ys[n - 1]
    i = np.searchsorted(xs, x) - 1
    t = (x - xs[i]) / (xs[i + 1] - xs[i])
    return ys[i] + t * (ys[i + 1] - ys[i])


@njit(parallel=True, cache=True)
def closed_loop_write(n_syn, levels, target, a_max, soft, sig_up, sig_down, lsig_up, lsig_down, equal_gains,
                      estimate_gain, max_pairings, seed, stream, log_step, log_sec_down, log_sec_up, n_up, n_down,
                      seconds, final):
    """Closed-loop writes: the weight is read before every pairing and the write stops as soon as
    ``rint(w (L-1)) == target``. Each pairing aims at the change ``|e| / (g_hat (1 + sigma^2))``
    (capped at a_max; soft bounds divide by ``1 - w`` or ``w`` to get the step), the change that
    minimises the expected squared error under pairing noise; ``g_hat`` is the ratio of observed to
    commanded changes so far, per kind (1 when ``estimate_gain`` is off). Same keys, gains and
    start as :func:`write_schedule`. Counts potentiating and depressing pairings per synapse and
    sums their time, each pairing at its own step ``size / a_max`` (``log_sec_*`` against
    ``log_step``: :meth:`PairingRates.kernel_tables`)."""
    delta = 1.0 / (levels - 1)
    x = target * delta
    for s in prange(n_syn):
        xi_g = normal_nb(seed, stream, s, 0)
        g_up = np.exp(lsig_up * xi_g - 0.5 * lsig_up * lsig_up) if lsig_up > 0.0 else 1.0
        if equal_gains:
            g_dn = np.exp(lsig_down * xi_g - 0.5 * lsig_down * lsig_down) if lsig_down > 0.0 else 1.0
        else:
            xi_d = normal_nb(seed, stream, s, 1)
            g_dn = np.exp(lsig_down * xi_d - 0.5 * lsig_down * lsig_down) if lsig_down > 0.0 else 1.0
        w = 1.0 - uniform_nb(seed, stream + 1, s, 0)
        seen = np.zeros(2)
        asked = np.zeros(2)
        c = 0
        nu = 0
        nd = 0
        t = 0.0
        z_next = 0.0
        while np.rint(w * (levels - 1)) != target and c < max_pairings:
            e = x - w
            kind = 0 if e > 0 else 1
            ghat = 1.0
            if estimate_gain and asked[kind] > 0.0:
                ghat = min(max(seen[kind] / asked[kind], 0.05), 20.0)
            sig = sig_up if kind == 0 else sig_down
            factor = ((1.0 - w) if kind == 0 else w) if soft else 1.0
            want = abs(e) / (ghat * (1.0 + sig * sig))
            size = min(a_max, want / factor) if factor > 1e-12 else a_max
            ls = np.log(max(size / a_max, 1e-300))
            t += np.exp(_interp_sorted(ls, log_step, log_sec_up if kind == 0 else log_sec_down))
            step = size * (g_up if kind == 0 else g_dn)
            if sig > 0.0:
                if c % 2 == 0:
                    z, z_next = normal_zig_pair_nb(seed, stream + 2, s, c // 2)
                else:
                    z = z_next
                step *= 1.0 + sig * z
            c += 1
            step *= factor
            w_new = min(max(w + step if kind == 0 else w - step, 0.0), 1.0)
            if factor > 1e-12:
                seen[kind] += (w_new - w if kind == 0 else w - w_new) / factor
                asked[kind] += size
            w = w_new
            if kind == 0:
                nu += 1
            else:
                nd += 1
        n_up[s] = nu
        n_down[s] = nd
        seconds[s] = t
        final[s] = w


# --------------------------------------------------------------------------------------------
# The experiment
# --------------------------------------------------------------------------------------------

NOISY = ("pairing", "synapse_hard", "synapse_soft_equal", "synapse_soft_independent")
SYNAPSE = ("synapse_hard", "synapse_soft_equal", "synapse_soft_independent")
CLOSED = ("none", "pairing", "synapse_hard", "synapse_soft_equal", "synapse_soft_independent")


def _log_sds(model: NoiseModel) -> tuple[float, float]:
    return tuple(log_sd(g) if g > 0 else 0.0 for g in model.gains)


def mc_open(config: Config, model: NoiseModel, bits: int, level: int, schedule, seed: int, stream: int) -> np.ndarray:
    """Synapses written to ``level``, counted per replicate group (an integer array)."""
    counts, up, down = schedule
    n = config.replicates * config.n_synapses
    out = np.empty(n)
    lu, ld = _log_sds(model)
    write_schedule(n, counts, up, down, model.soft, model.sigma_up, model.sigma_down, lu, ld, model.equal_gains,
                   seed, stream, out)
    ok = np.rint(out * (2**bits - 1)) == level
    return ok.reshape(config.replicates, config.n_synapses).sum(axis=1)


def pooled_proportion(hits, per_group: int) -> dict:
    """Fraction of independent synapses written right, pooled over the replicate groups, with
    Wilson's interval (:func:`hebblab.stats.proportion`; never outside [0, 1])."""
    hits = np.asarray(hits, int)
    return stats.proportion(int(hits.sum()), int(hits.size * per_group))


def group_spread(hits, per_group: int) -> list:
    """The replicate groups' own 95 % t interval of the fraction, clipped to [0, 1] (a check on
    the pooled binomial interval: the groups are independent)."""
    e = stats.estimate(np.asarray(hits, float) / per_group)
    return [max(0.0, e["ci95"][0]), min(1.0, e["ci95"][1])]


def _pairings(schedule) -> int:
    counts, up, down = schedule
    return int(np.sum(counts * ((up > 0).astype(int) + (down > 0).astype(int))))


def _soft_schedule(c: dict, level: int, a_max: float):
    p0, q0 = soft_steps(c["x"][level], a_max)
    C = c["cycles"][level]
    k = np.flatnonzero(C > 0)
    return C[k].astype(np.int64), p0 * 0.5**k, q0 * 0.5**k


def _hard_point(c: dict, level: int, model: NoiseModel, a_max: float, write=None):
    top = bool(c["from_top"][level])
    design = c["down"] if top else c["up"]
    sig_r, sig_w = (model.sigma_up, model.sigma_down) if top else (model.sigma_down, model.sigma_up)
    counts, up, down, u_settle = hard_schedule(design, level, top, a_max, sig_r, write)
    L = c["seconds"].size
    kp = L - 1 - level if top else level
    n_w = int(design["write"][level] if write is None else write)
    p = float(hard_p_correct(kp, n_w, 1.0 / (L - 1), sig_r, sig_w, model.gain_down if top else model.gain_up,
                             u_settle if sig_r > 0 else None))
    if model.gain_up == 0 and model.gain_down == 0 and kp == 0:
        p = float(design["p"][level])
    return (counts, up, down), p


def mc_points(config: Config, models: dict, rates: PairingRates, seed: int, tables: dict | None = None) -> tuple[dict, dict]:
    """Monte Carlo of the open-loop writes beside their closed forms; returns (table, by model and bits).

    Per model and code: the slowest level (the least accurate one where no protocol reaches the
    confidence) at its design, and for per-pairing noise also at 1/4 and 1/16 of the design's
    write pairings; only writes of at most ``mc_max_pairings`` pairings. ``tables``: the cost
    tables already computed (their designs are reused)."""
    cap = config.mc_max_pairings
    a = config.a_max
    plan = []
    # no noise: the article's scheme (top 8-bit level counted up from 0) as a check of the reset
    c = hard_code(8, a, models["none"], rates, config.confidence)
    sched = hard_schedule(c["up"], 255, False, a, 0.0)[:3]
    plan.append(("none", 8, 255, "article scheme", sched, 1.0, True))
    for name in ("pairing",) + SYNAPSE:
        m = models[name]
        for b in range(1, config.max_bits + 1):
            rows = (tables or {}).get(name, {}).get("rows", [])
            cc = rows[b - 1] if b <= len(rows) else code_cost(b, a, m, rates, config.confidence, config.quadrature)
            det = cc["detail"]
            feasible = bool(np.isfinite(cc["seconds"]))
            level = cc["level"] if feasible else int(np.argmin(det["p"]))
            if m.soft:
                sched = _soft_schedule(det, level, a)
                variants = [(sched, float(det["p"][level]), "design")]
            else:
                sched, p = _hard_point(det, level, m, a)
                variants = [(sched, p, "design")]
                if name == "pairing" and level > 0:
                    top = bool(det["from_top"][level])
                    n_full = int((det["down"] if top else det["up"])["write"][level])
                    n_min = int(math.ceil(((2**b - 1 - level) if top else level) / (2**b - 1) / a - 1e-9))
                    for f in (4, 16):
                        n_w = max(n_min, n_full // f)
                        if n_w < n_full:
                            s2, p2 = _hard_point(det, level, m, a, write=n_w)
                            variants.append((s2, p2, f"1/{f} of the write"))
            done_any = False
            seen = set()
            for sched, p, label in variants:
                if _pairings(sched) in seen:
                    continue
                seen.add(_pairings(sched))
                if _pairings(sched) <= cap:
                    plan.append((name, b, level, label, sched, p, feasible))
                    done_any = True
            if not done_any or (not feasible and b >= 3):
                break
    table = {k: [] for k in ("model", "bits", "level", "protocol", "pairings", "p_closed_form", "p_mc", "p_mc_lo",
                             "p_mc_hi", "p_groups_lo", "p_groups_hi", "n_groups", "synapses_per_group",
                             "code_feasible")}
    by = {}
    N = config.n_synapses
    for i, (name, b, level, label, sched, p, feasible) in enumerate(plan):
        hits = mc_open(config, models[name], b, level, sched, seed, 1000 + 10 * i)
        est = pooled_proportion(hits, N)
        spread = group_spread(hits, N)
        for k, v in zip(table, (name, b, level, label, _pairings(sched), p, est["mean"], est["ci95"][0],
                                est["ci95"][1], spread[0], spread[1], config.replicates, N, feasible)):
            table[k].append(v)
        if label == "design":
            by[(name, b)] = dict(est=est, hits=hits, p=p, feasible=feasible)
    return table, by


def mc_bits(by: dict, name: str, confidence: float, cap: int) -> dict:
    """Bits the Monte Carlo shows writable, as bounds from the pooled Wilson intervals: at least
    b if every code up to b has its lower 95 % bound of P(right) at or above the confidence; at
    most b if code b + 1 has its upper bound below it. Returns ``{"at_least": ..}`` and, where a
    code fails for sure, ``{"at_most": ..}`` (keys ``bits_reached_at_least``/``_at_most``)."""
    bs = sorted(b for (n, b) in by if n == name)
    if not bs:
        return {}
    lo, hi, sure = 0, None, True
    for b in bs:
        lo_p, hi_p = by[(name, b)]["est"]["ci95"]
        if sure and lo_p >= confidence:
            lo = b
        else:
            sure = False
        if hi is None and hi_p < confidence:
            hi = b - 1
    n = by[(name, bs[0])]["est"]["n"]
    out = {"bits_reached_at_least": stats.at_least(lo, f"every code up to {lo} bits lands right with P >= "
                                                       f"{confidence:g} (Wilson lower bound, {n:,} synapses)")}
    if hi is not None:
        out["bits_reached_at_most"] = stats.at_most(hi, f"the {hi + 1}-bit code lands right with P < {confidence:g} "
                                                         f"(Wilson upper bound, {n:,} synapses)")
    elif lo == bs[-1]:
        out["bits_reached_at_least"]["reason"] += f"; larger codes not run (writes over {cap:,} pairings)"
    return out


def closed_loop(config: Config, models: dict, rates: PairingRates, seed: int) -> tuple[dict, dict]:
    """Open-loop against closed-loop writes of the same level, noise and synapse.

    Closed-loop times are per synapse, each pairing at its own step; a write still wrong after
    ``closed_loop_max_pairings`` pairings is censored there: if any is, the mean time (and
    pairings) over synapses with each unfinished write counted at its time so far is a lower bound
    (``{"at_least"}``), and the open/closed ratio an upper bound."""
    b = config.closed_loop_bits
    L = 2**b
    target = int(code_cost(b, config.a_max, models["none"], rates, config.confidence)["level"])
    R, N = config.replicates, config.n_synapses
    out = {k: [] for k in ("model", "level", "open_seconds", "closed_seconds_mean", "closed_lo", "closed_hi",
                           "closed_pairings_mean", "closed_unfinished", "ratio_mean", "ratio_lo", "ratio_hi")}
    head = {}
    log_step, log_down, log_up = rates.kernel_tables()
    for i, name in enumerate(CLOSED):
        m = models[name]
        cc = code_cost(b, config.a_max, m, rates, config.confidence, config.quadrature)
        det = cc["detail"]
        if m.soft:
            ok_open = det["feasible"] and det["p"][target] >= config.confidence
            t_open = float(det["seconds"][target]) if ok_open else math.inf
        else:
            t_open = float(det["seconds"][target])
        n_up, n_dn = np.zeros(R * N, np.int64), np.zeros(R * N, np.int64)
        secs, fin = np.empty(R * N), np.empty(R * N)
        lu, ld = _log_sds(m)
        closed_loop_write(R * N, L, target, config.a_max, m.soft, m.sigma_up, m.sigma_down, lu, ld, m.equal_gains,
                          max(m.gains) > 0, config.closed_loop_max_pairings, seed, 5000 + 10 * i, log_step, log_down,
                          log_up, n_up, n_dn, secs, fin)
        closed, pairs, unfinished = closed_values(secs, n_up + n_dn, np.rint(fin * (L - 1)) != target, R,
                                                  config.closed_loop_max_pairings)
        entry = {"open_loop_possible": bool(math.isfinite(t_open)), "closed_seconds": closed,
                 "closed_pairings": pairs}
        ratio = None
        if math.isfinite(t_open):
            entry["open_seconds"] = t_open
            if stats.is_estimate(closed):
                group_secs = secs.reshape(R, N).mean(axis=1)
                ratio = stats.estimate(t_open / group_secs)
            else:
                ratio = stats.at_most(t_open / closed["at_least"], "some closed-loop writes unfinished: their time is "
                                      "a lower bound")
            entry["ratio"] = ratio
        head[name] = entry
        ci = closed.get("ci95", [math.nan, math.nan])
        rci = ratio["ci95"] if ratio and "ci95" in ratio else [math.nan, math.nan]
        for k, v in zip(out, (name, target, t_open, stats.point(closed), ci[0], ci[1], stats.point(pairs),
                              unfinished, stats.point(ratio) if ratio else math.nan, rci[0], rci[1])):
            out[k].append(v)
    return out, head


def closed_values(secs, pairings, unfinished, groups: int, max_pairings: int) -> tuple[dict, dict, int]:
    """Closed-loop time and pairings per synapse, as (seconds, pairings, unfinished count): the
    mean over replicate groups with its t interval when every write finished; otherwise lower
    bounds, each unfinished write counted at what it had spent when it was stopped."""
    secs, pairings = np.asarray(secs, float), np.asarray(pairings, float)
    unfinished = np.asarray(unfinished, bool)
    k = int(unfinished.sum())
    if k == 0:
        return (stats.estimate(secs.reshape(groups, -1).mean(axis=1)),
                stats.estimate(pairings.reshape(groups, -1).mean(axis=1)), 0)
    why = f"{k:,} of {secs.size:,} writes still wrong after {max_pairings:,} pairings, counted at their time so far"
    t = stats.at_least(float(secs.mean()), why)
    n = stats.at_least(float(pairings.mean()), why)
    for v in (t, n):
        v.update(n=int(secs.size), censored=k)
    return t, n, k


def bartol_note(models: dict, confidence: float) -> dict:
    """What Bartol et al. 2015's 26 distinguishable strengths for synapses with a shared history
    would allow of a fixed per-synapse gain (closed forms), beside the calibrated gain.

    Hard bounds: the middle level of 26 (k' = 12 from its bound) needs ``P(|g - 1| < 1/24) >= c``;
    soft bounds with independent gains: ``P(w* in its level) >= c`` for every level of 26. Two
    synapses with the same history and independent calibrated gains differ by the factor
    ``g1/g2``, log-SD ``sqrt(2) s``; its median is ``exp(0.674 sqrt(2) s)``.
    """
    from scipy.optimize import brentq
    kp = (BARTOL_LEVELS - 1) // 2
    hard = brentq(lambda s: float(gain_within(s, 0.5 / kp)) - confidence, 1e-4, 2.0)
    delta = 1.0 / (BARTOL_LEVELS - 1)
    x = np.arange(BARTOL_LEVELS) * delta

    def soft_ok(s):
        m = NoiseModel("t", "t", gain_up=s, gain_down=s, soft=True)
        return float(soft_limit(x, delta, m, 1600).min()) - confidence
    soft = brentq(soft_ok, 1e-4, 2.0, xtol=1e-4)
    g = models["synapse_hard"]
    s_mean = math.sqrt(0.5 * (log_sd(g.gain_up) ** 2 + log_sd(g.gain_down) ** 2))
    return {"levels": BARTOL_LEVELS, "bits": BARTOL_BITS, "calibrated_gain_sd": g.gain_down,
            "max_gain_sd_hard_bounds": hard, "max_gain_sd_soft_independent": soft,
            "pair_ratio_median": math.exp(0.6745 * math.sqrt(2) * s_mean)}


def bits_at_any_cost(sigma_grid, max_bits: int, confidence: float) -> dict:
    """Largest code reachable at any cost under a fixed gain of SD sigma: hard bounds (middle
    level ``P(|g-1| < 1/(2k')) >= c``) and soft bounds with independent gains (limit of w*)."""
    hard, soft = [], []
    for s in sigma_grid:
        bh = bs = 0
        for b in range(1, max_bits + 1):
            L = 2**b
            if b == 1 or gain_within(s, 0.5 / ((L - 1) // 2)) >= confidence:
                bh = b
            else:
                break
        for b in range(1, max_bits + 1):
            L = 2**b
            x = np.arange(L) / (L - 1)
            m = NoiseModel("t", "t", gain_up=s, gain_down=s, soft=True)
            if soft_limit(x, 1.0 / (L - 1), m, 400).min() >= confidence:
                bs = b
            else:
                break
        hard.append(bh)
        soft.append(bs)
    return {"gain_sd": list(sigma_grid), "bits_hard": hard, "bits_soft_independent": soft}




def triplet_sensitivity(config: Config, models: dict, rates_by_fit: dict, main_tables: dict) -> dict:
    """The headline times under each triplet fit (the rule's fastest protocols, ``scan``) and,
    for the configured fit, under the lag-only window model and the old full-rate accounting
    (:class:`PairingRates`' step models). Soft-bound codes: the grid's quadrature; the
    configured fit's scan row is the experiment's own tables."""
    a, c = config.a_max, config.confidence
    cols = ("triplet_fit", "step_model", "depress_hz", "depress_step", "potentiate_hz", "reset_seconds",
            "article_8bit_seconds", "best_8bit_seconds", "pairing_3bit_seconds", "pairing_4bit_seconds",
            "pairing_5bit_seconds", "pairing_bits_1min", "pairing_bits_1h", "soft_equal_bits_1h")
    out = {k: [] for k in cols}
    runs = [(config.triplet, "scan")] + [(config.triplet, m) for m in ("window", "flat")]
    runs += [(f, "scan") for f in rates_by_fit if f != config.triplet]
    n0 = n_reset(a, 0.0, 0.0)
    for fit, model in runs:
        rates = rates_by_fit[fit].with_model(model)
        if (fit, model) == (config.triplet, "scan"):
            pair, soft = main_tables["pairing"], main_tables["synapse_soft_equal"]
        else:  # codes up to the first one past 10 h (pairing noise) or 1 h (soft bounds)
            pair = cost_table(models["pairing"], config.max_bits, a, rates, c, stop_after_s=36_000.0)
            soft = cost_table(models["synapse_soft_equal"], config.max_bits, a, rates, c, config.grid_quadrature,
                              stop_after_s=3600.0, max_levels=config.grid_max_levels)
        art = hard_code(8, a, models["none"], rates, c)
        best = code_cost(8, a, models["none"], rates, c)
        sec = dict(zip(pair["bits"], pair["seconds"]))
        row = (fit, model, rates.depress_hz, rates.depress_efficiency, rates.potentiate_hz,
               float(rates.seconds(n0, 0)), art["article_seconds"], best["seconds"], sec.get(3, math.nan),
               sec.get(4, math.nan), sec.get(5, math.nan), bits_within(pair, 60.0), bits_within(pair, 3600.0),
               bits_within(soft, 3600.0))
        for k, v in zip(cols, row):
            out[k].append(v)
    return out


def run(config: Config, seed: int = 1, progress: bool = False) -> Result:
    models = noise_models()
    with progress_bar(progress, 6, "write-cost") as bar:
        rates_by_fit, extra = {}, {}
        for fit in TRIPLET_FITS:  # the other fits on a coarser lag grid (their steps' times within ~15 %)
            rates_by_fit[fit], extra[fit] = pairing_rates(config.lag_ms * ms, fit,
                                                          lag_ratio=SCAN_LAG_RATIO if fit == config.triplet else 1.2)
        rates, scan = rates_by_fit[config.triplet], extra[config.triplet]
        bar.advance()
        a, c = config.a_max, config.confidence
        tables = {name: cost_table(m, config.max_bits, a, rates, c, config.quadrature) for name, m in models.items()}
        sens = triplet_sensitivity(config, models, rates_by_fit, tables)
        bar.advance()
        grid = bits_grid(config, rates, models)
        bar.advance()
        # the two simulated parts are checkpoint units (hebblab run --checkpoint-every; hebblab
        # resume): each is seeded from the seed alone
        mc_table, by = checkpoint.unit("monte_carlo", lambda: mc_points(config, models, rates, seed, tables))
        bar.advance()
        loop_table, loop_head = checkpoint.unit("closed_loop", lambda: closed_loop(config, models, rates, seed))
        bar.advance()

    n0 = n_reset(a, 0.0, 0.0)
    rscan = scan["triplet_rate_scan"]
    f = np.asarray(rscan["freq_hz"])
    e_d = np.asarray(rscan["efficiency_depress"])
    below = int(np.flatnonzero((f < rates.zero_crossing_hz) & (e_d > 0)).max())
    art = hard_code(8, a, models["none"], rates, c)
    best8 = code_cost(8, a, models["none"], rates, c)  # the best open-loop scheme's slowest 8-bit level
    headline: dict = {
        "rates": {"depress_hz": rates.depress_hz, "depress_efficiency": rates.depress_efficiency,
                  "potentiate_hz": rates.potentiate_hz, "potentiate_efficiency": rates.potentiate_efficiency,
                  "zero_crossing_hz": rates.zero_crossing_hz, "lag_ms": config.lag_ms,
                  "reset_seconds": float(rates.seconds(n0, 0)),
                  "reset_seconds_near_zero_crossing": n0 / (f[below] * e_d[below]),
                  "near_zero_crossing_hz": float(f[below]),
                  "reset_seconds_old_accounting": n0 / rates.zero_crossing_hz,
                  "seconds_per_pairing_step_1_16": {
                      "depressing": float(rates.step_seconds("down", 1 / 16)),
                      "potentiating": float(rates.step_seconds("up", 1 / 16))}},
        "sigma": {"pairing_ltp": models["pairing"].sigma_up, "pairing_ltd": models["pairing"].sigma_down,
                  "synapse_ltp": models["synapse_hard"].gain_up, "synapse_ltd": models["synapse_hard"].gain_down},
        "article_8bit": {"steps": int(art["article_pairings"]), "pairings": art["article_actual_pairings"],
                         "reset_steps": int(art["up"]["reset"][-1]),
                         "reset_pairings": int(math.ceil(art["up"]["reset"][-1]
                                                         * float(rates.step_pairings("down", 1.0)) - 1e-9)),
                         "seconds": art["article_seconds"],
                         "seconds_at_250hz": art["article_pairings"] / ARTICLE_RATE_HZ,
                         "seconds_old_accounting": art["article_pairings"] / rates.zero_crossing_hz},
        "bits_within": {name: {label: bits_value(t, T, config.max_bits) for label, T in BUDGETS.items()}
                        for name, t in tables.items()},
        "setting_a_max": a,
        "mc": {},
        "no_readback": loop_head,
        "bartol": bartol_note(models, c),
    }
    headline["best_8bit"] = {"steps": int(best8["pairings"]), "seconds": best8["seconds"], "level": best8["level"]}
    for name in ("pairing",) + SYNAPSE:
        entry = {f"p_{b}bit": v["est"] for (n, b), v in sorted(by.items()) if n == name}
        if name != "pairing":
            entry.update(mc_bits(by, name, c, config.mc_max_pairings))
        headline["mc"][name] = entry
    h1 = {name: headline["bits_within"][name]["1h"] for name in NOISY}
    top = max(h1, key=lambda k: stats.point(h1[k]))
    headline["scatter"] = {"max_bits_within_1h": h1[top], "min_bits_within_1h": int(min(stats.point(v) for v in
                                                                                      h1.values()))}

    kinds = {}
    for k in ("depress_hz", "depress_efficiency", "potentiate_hz", "potentiate_efficiency", "zero_crossing_hz",
              "near_zero_crossing_hz", "seconds_per_pairing_step_1_16.depressing",
              "seconds_per_pairing_step_1_16.potentiating"):
        kinds[f"rates.{k}"] = "deterministic"
    for k in ("reset_seconds", "reset_seconds_near_zero_crossing", "reset_seconds_old_accounting"):
        kinds[f"rates.{k}"] = "closed-form"
    kinds["rates.lag_ms"] = "setting"
    for k in headline["sigma"]:
        kinds[f"sigma.{k}"] = "closed-form"
    for k in headline["article_8bit"]:
        kinds[f"article_8bit.{k}"] = "closed-form"
    for k in headline.get("best_8bit", {}):
        kinds[f"best_8bit.{k}"] = "closed-form"
    for name, d in headline["bits_within"].items():
        for label in d:
            kinds[f"bits_within.{name}.{label}"] = "closed-form"
    for name, d in loop_head.items():
        if not isinstance(d, dict) or "open_loop_possible" not in d:
            continue
        kinds[f"no_readback.{name}.open_loop_possible"] = "closed-form"
        if "open_seconds" in d:
            kinds[f"no_readback.{name}.open_seconds"] = "closed-form"
    for k in ("levels", "bits"):
        kinds[f"bartol.{k}"] = "published"
    for k in ("calibrated_gain_sd", "max_gain_sd_hard_bounds", "max_gain_sd_soft_independent", "pair_ratio_median"):
        kinds[f"bartol.{k}"] = "closed-form"
    kinds.update({"scatter.max_bits_within_1h": "closed-form", "scatter.min_bits_within_1h": "closed-form",
                  "setting_a_max": "setting"})

    cost = {"bits": tables["none"]["bits"]}
    for name, t in tables.items():
        cost[f"seconds_{name}"] = t["seconds"]
        cost[f"steps_{name}"] = t["pairings"]
        cost[f"from_finer_{name}"] = t["from_finer"]
        cost[f"code_bits_{name}"] = t["code_bits"]
        cost[f"worst_level_{name}"] = t["level"]
    art_rows = {"bits": [], "steps": [], "seconds": []}
    for b in tables["none"]["bits"]:
        hc = hard_code(b, a, models["none"], rates, c)
        art_rows["bits"].append(b)
        art_rows["steps"].append(hc["article_pairings"])
        art_rows["seconds"].append(hc["article_seconds"])
    sig_grid = np.round(np.geomspace(0.005, 1.0, 25), 4)
    ref = scan["reference"]
    notes = [
        f"Triplet rule: {TRIPLET_LABELS[config.triplet]} of Pfister & Gerstner 2006 (all-to-all); the full depressing "
        f"step a_max is a 1 Hz post-pre pairing at {config.lag_ms:g} ms (Bi & Poo 1998's protocol, hippocampal "
        f"cultures), the full potentiating step a pre-post pairing at {ref['potentiate_ref_hz']:.1f} Hz, the fastest "
        f"scan rate the protocol allows (f <= 1/(2 lag)).",
        f"Full steps: depressing pairings at {rates.depress_hz:.1f} Hz (step {rates.depress_efficiency:.2f} a_max: "
        f"most depression per second), potentiating at {rates.potentiate_hz:.1f} Hz; anti-causal pairings stop "
        f"depressing at {rates.zero_crossing_hz:.1f} Hz.",
        "Smaller steps: each pairing of step s a_max is timed at the fastest (lag >= lag_ms, rate <= 1/(2 lag)) of the "
        "rule's scan whose step is at most s, on the rising side of its lag's change per second (table "
        "step_protocols; at 1/16 of a_max: "
        f"{headline['rates']['seconds_per_pairing_step_1_16']['depressing'] * 1e3:.0f} ms per depressing, "
        f"{headline['rates']['seconds_per_pairing_step_1_16']['potentiating'] * 1e3:.0f} ms per potentiating pairing).",
        f"Reset of {n0} steps: {headline['rates']['reset_seconds']:.1f} s at the throughput optimum, "
        f"{headline['rates']['reset_seconds_near_zero_crossing']:.0f} s at {f[below]:.1f} Hz; the old accounting "
        f"(every pairing a full step at {rates.zero_crossing_hz:.1f} Hz) gave "
        f"{headline['rates']['reset_seconds_old_accounting']:.1f} s.",
        "Cost formulation: the distance to a level is divided into whole steps (n = ceil(d / a_max), steps of "
        "d/n); cost(b) = min over b' >= b (a b-bit code may use levels of a finer code), which binds where "
        "from_finer is true (unequal rates move the slowest level). 'steps' count pairings of the design's step; "
        "a protocol whose own step is smaller makes proportionally more pairings (article_8bit.pairings).",
        "Table triplet_sensitivity: the headline times under each triplet fit, and under the lag-only window model "
        "(lag + tau ln(a_max/u) at <= 1/(2 lag')) and the old full-rate accounting.",
        f"Bartol et al. 2015 (eLife 4:e10778): >= {BARTOL_LEVELS} distinguishable strengths ({BARTOL_BITS} bits) "
        "for spine pairs with a shared history.",
    ]
    tables_out = {"cost_by_bits": cost, "article_scheme": art_rows, "bits_grid": grid, "monte_carlo": mc_table,
                  "closed_loop": loop_table, "triplet_rate_scan": scan["triplet_rate_scan"],
                  "step_protocols": scan["step_protocols"], "triplet_sensitivity": sens,
                  "gain_sd_bits": bits_at_any_cost(sig_grid, 8, c)}
    return Result(headline, tables_out, notes, kinds)


def weakest_readback_model(loop_head: dict) -> str | None:
    """The noise model where read-back helps least: the smallest open/closed time ratio among
    those where open loop reaches the level (None if it reaches it under none)."""
    cand = [(stats.point(e["ratio"]), n) for n, e in loop_head.items()
            if isinstance(e, dict) and e.get("open_loop_possible") and "ratio" in e]
    return min(cand)[1] if cand else None


# --------------------------------------------------------------------------------------------
# Figures, finding, verdicts
# --------------------------------------------------------------------------------------------

LABELS = {"none": "no noise", "none_fixed_step": "no noise, one fixed step", "pairing": "per-pairing noise",
          "synapse_hard": "per-synapse gain, hard bounds", "synapse_soft_equal": "per-synapse gain, soft, equal gains",
          "synapse_soft_independent": "per-synapse gain, soft, independent gains"}
COLORS = {"none": "k", "none_fixed_step": "#777", "pairing": "#36a", "synapse_hard": "#c33",
          "synapse_soft_equal": "#2a2", "synapse_soft_independent": "#e80"}


def _cost_panel(ax, result: Result):
    t = result.tables["cost_by_bits"]
    bits = np.array(t["bits"])
    for k, name in enumerate(LABELS):
        y = np.array(t[f"seconds_{name}"], float)
        fin = np.isfinite(y)
        ax.semilogy(bits[fin], y[fin], "o--" if name == "none_fixed_step" else "o-", ms=3, color=COLORS[name],
                    label=LABELS[name])
        if not fin.all() and fin.any():  # the first code no protocol writes at 95 %
            ax.plot([bits[~fin][0] + 0.12 * (k - 3)], [0.5], "x", color=COLORS[name], ms=7, mew=2)
    art = result.tables["article_scheme"]
    ax.semilogy(art["bits"], art["seconds"], ":", color="k", lw=1, label="no noise, article's scheme (0 -> top)")
    for label, T in BUDGETS.items():
        ax.axhline(T, color="#999", ls=":", lw=0.8)
        ax.text(bits[-1], T * 1.2, label, fontsize=7, color="#666", ha="right")
    ax.plot([], [], "x", color="#555", ms=7, mew=2, label="x at the bottom: no 95 % at any cost")
    ax.set_ylim(0.3, 1e11)
    ax.set(xlabel="bits (2^b levels)", ylabel="time for the slowest level (s)",
           title="open-loop write, 95 % right level")
    ax.legend(fontsize=6, loc="upper left")


def _rate_panel(ax, result: Result):
    s = result.tables["triplet_rate_scan"]
    h = result.headline["rates"]
    f = np.array(s["freq_hz"])
    ax.semilogx(f, f * np.array(s["efficiency_depress"]), "-", color="#c33",
                label="depression per second, f e_d(f) (e_d: step / 1 Hz step)")
    ax.semilogx(f, f * np.array(s["efficiency_potentiate"]), "-", color="#36a",
                label="potentiation per second, f e_p(f) (e_p: step / step at the limit)")
    ax.axvline(h["depress_hz"], color="#c33", ls="--", lw=1, label=f"depress at {h['depress_hz']:.1f} Hz")
    ax.axvline(h["potentiate_hz"], color="#36a", ls="--", lw=1, label=f"potentiate at {h['potentiate_hz']:.1f} Hz")
    ax.axvline(h["zero_crossing_hz"], color="#999", ls=":", lw=1,
               label=f"anti-causal dw = 0 at {h['zero_crossing_hz']:.1f} Hz")
    ax.axvline(1 / (2 * h["lag_ms"] * 1e-3), color="k", ls="-.", lw=0.8, label="protocol limit 1/(2 lag)")
    ax.axhline(0, color="#999", lw=0.5)
    ax.set_ylim(-10, 80)
    ax.set(xlabel="pairing rate f (Hz)", ylabel="full steps a_max per second",
           title=f"triplet rule at {h['lag_ms']:g} ms lag: throughput")
    ax.legend(fontsize=6, loc="upper left")


def _step_panel(ax, result: Result):
    """Seconds per pairing against its step: the rule's fastest protocol, the lag-only window model."""
    t = result.tables["step_protocols"]
    h = result.headline["rates"]
    s = np.array(t["step"], float)
    kind = np.array(t["kind"])
    sec = np.array(t["seconds_per_pairing"], float)
    for k, color, tau, f0, e0, label in (("down", "#c33", TAU_MINUS, h["depress_hz"], h["depress_efficiency"],
                                          "depressing"),
                                         ("up", "#36a", TAU_PLUS, h["potentiate_hz"], h["potentiate_efficiency"],
                                          "potentiating")):
        m = kind == k
        o = np.argsort(s[m])
        ax.loglog(s[m][o], sec[m][o], "o-", ms=3, color=color, label=f"{label}: fastest protocol of the rule")
        lag = h["lag_ms"] * 1e-3 + tau * np.log(1 / s[m][o])
        ax.loglog(s[m][o], 1 / (np.minimum(f0, 1 / (2 * lag)) * e0), ":", color=color,
                  label=f"{label}: lag-only window model")
    ax.invert_xaxis()
    ax.set(xlabel="step of one pairing (fraction of a_max)", ylabel="seconds per pairing",
           title="smaller steps take longer")
    ax.legend(fontsize=6, loc="upper left")


def _mc_pairing_panel(ax, result: Result):
    mc = result.tables["monte_carlo"]
    rows = [i for i, m in enumerate(mc["model"]) if m == "pairing" and mc["level"][i] > 0]
    all_bits = sorted({mc["bits"][i] for i in rows})
    for k, b in enumerate(all_bits):
        rr = sorted((i for i in rows if mc["bits"][i] == b), key=lambda i: mc["pairings"][i])
        # each code size drawn at its own offset (x 1.12 apart), so points at equal pairings do not pile up
        x = np.array([mc["pairings"][i] for i in rr], float) * 1.12 ** (k - (len(all_bits) - 1) / 2)
        y = np.array([mc["p_mc"][i] for i in rr])
        err = np.array([[y[k] - mc["p_mc_lo"][i], mc["p_mc_hi"][i] - y[k]] for k, i in enumerate(rr)]).T
        ax.errorbar(x, y, yerr=err, fmt="o", color=f"C{b}", ms=4, capsize=2, label=f"{b} bits, MC (95 % CI)")
        ax.plot(x * 1.05, [mc["p_closed_form"][i] for i in rr], "D", mfc="none", color=f"C{b}", ms=5)
    ax.plot([], [], "D", mfc="none", color="#555", label="closed form (right of its MC point)")
    ax.plot([], [], " ", label="bit sizes offset x 1.12 apart")
    ax.set_xscale("log")
    from matplotlib.ticker import NullFormatter
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.axhline(0.95, color="#999", ls=":")
    ax.set(xlabel="pairings of the write (reset + settle + count)", ylabel="P(slowest level right)",
           title="per-pairing noise: Monte Carlo vs closed form")
    ax.legend(fontsize=6, loc="lower right")


def _mc_synapse_panel(ax, result: Result):
    mc = result.tables["monte_carlo"]
    offsets = {"synapse_hard": -0.22, "synapse_soft_equal": 0.0, "synapse_soft_independent": 0.22}
    for name, off in offsets.items():
        rr = [i for i, m in enumerate(mc["model"]) if m == name]
        if not rr:
            continue
        b = np.array([mc["bits"][i] for i in rr], float)
        y = np.array([mc["p_mc"][i] for i in rr])
        lo = np.array([mc["p_mc_lo"][i] for i in rr])
        hi = np.array([mc["p_mc_hi"][i] for i in rr])
        ax.errorbar(b + off, y, yerr=[y - lo, hi - y], fmt="o", ms=4, capsize=2, color=COLORS[name],
                    label=LABELS[name].replace("per-synapse gain, ", "") + ", MC")
        ax.plot(b + off + 0.08, [mc["p_closed_form"][i] for i in rr], "D", mfc="none", ms=5, color=COLORS[name])
    ax.plot([], [], "D", mfc="none", color="#555", label="exact (quadrature), offset right")
    ax.axhline(0.95, color="#999", ls=":")
    ax.set(xlabel="bits", ylabel="P(right level), hardest level", title="per-synapse gain: Monte Carlo vs exact",
           ylim=(0, 1.05))
    ax.legend(fontsize=6, loc="lower left")


def _loop_panel(ax, result: Result):
    t = result.tables["closed_loop"]
    names = t["model"]
    x = np.arange(len(names))
    op = np.array(t["open_seconds"], float)
    cl = np.array(t["closed_seconds_mean"], float)
    lo, hi = np.array(t["closed_lo"], float), np.array(t["closed_hi"], float)
    bound = ~np.isfinite(lo)
    ax.bar(x - 0.2, np.where(np.isfinite(op), op, np.nan), 0.4, color="#888", label="open loop (closed form)")
    est = ~bound
    ax.bar(x[est] + 0.2, cl[est], 0.4, yerr=[cl[est] - lo[est], hi[est] - cl[est]], capsize=2, color="#36a",
           label="closed loop (MC, 95 % CI)")
    if bound.any():
        ax.bar(x[bound] + 0.2, cl[bound], 0.4, color="none", edgecolor="#36a", hatch="//",
               label="closed loop, >= (some writes unfinished)")
        for i in np.flatnonzero(bound):
            ax.annotate("", (x[i] + 0.2, cl[i] * 3), (x[i] + 0.2, cl[i]), arrowprops=dict(arrowstyle="->", color="#36a"))
    for i in np.flatnonzero(~np.isfinite(op)):
        ax.text(x[i] - 0.2, 1.0, "impossible\nat 95 %", rotation=90, fontsize=6, ha="center", va="bottom")
    ax.set_yscale("log")
    ax.set_xticks(x, [LABELS[n].replace("per-synapse gain, ", "gain, ") for n in names], rotation=25, ha="right",
                  fontsize=6)
    ax.set(ylabel="seconds to write the level", title=f"with and without read-back (level {t['level'][0]})")
    ax.legend(fontsize=6)


def _bartol_panel(ax, result: Result):
    t = result.tables["gain_sd_bits"]
    h = result.headline["bartol"]
    ax.semilogx(t["gain_sd"], t["bits_hard"], "o-", ms=3, color=COLORS["synapse_hard"], label="hard bounds")
    ax.semilogx(np.array(t["gain_sd"]) * 1.04, t["bits_soft_independent"], "s-", ms=3,
                color=COLORS["synapse_soft_independent"], label="soft bounds, independent gains")
    ax.axhline(h["bits"], color="#2a2", ls="--", lw=1, label=f"Bartol et al. 2015: {h['bits']} bits")
    ax.axvline(h["calibrated_gain_sd"], color="#c33", ls=":", lw=1,
               label=f"calibrated gain SD {h['calibrated_gain_sd']:.2f}")
    ax.set(xlabel="per-synapse gain SD", ylabel="bits at any cost (95 %)", title="what a fixed gain allows")
    ax.legend(fontsize=6)


def _grid_figure(result: Result):
    """Bits within each budget as annotated maps: rows budget x noise scale, columns step a_max."""
    from matplotlib.figure import Figure
    g = result.tables["bits_grid"]
    kinds = ["pairing", "synapse_hard", "synapse_soft_equal", "synapse_soft_independent"]
    scales = sorted({f for f, n in zip(g["noise_scale"], g["noise"]) if n != "none_fixed_step"})
    steps = sorted(set(g["a_max"]))
    cap = max(g["bits"]) if g["bits"] else 1
    look = {(n, f, a, bud): (b, c) for n, f, a, bud, b, c in zip(g["noise"], g["noise_scale"], g["a_max"], g["budget"],
                                                                  g["bits"], g["at_cap"])}
    fig = Figure(figsize=(14, 7.5))
    axes = fig.subplots(1, 5, gridspec_kw={"width_ratios": [1] * 5})
    panels = [("none_fixed_step", [0.0], "no noise, one fixed step\n(levels: multiples of a_max)")]
    panels += [(k, scales, LABELS[k].replace("per-synapse gain, ", "gain, ").replace(", ", ",\n", 1)) for k in kinds]
    im = None
    for ax, (kind, fs, title) in zip(axes, panels):
        rows = [(bud, f) for bud in BUDGETS for f in fs]
        M = np.array([[look.get((kind, f, a, bud), (np.nan, False))[0] for a in steps] for bud, f in rows], float)
        im = ax.imshow(M, aspect="auto", cmap="viridis", vmin=0, vmax=cap, origin="upper")
        for i, (bud, f) in enumerate(rows):
            for j, a in enumerate(steps):
                b, at_cap = look.get((kind, f, a, bud), (None, False))
                if b is not None:
                    ax.text(j, i, (">=" if at_cap else "") + f"{b}", ha="center", va="center", fontsize=7,
                            color="w" if b < 0.6 * cap else "k")
        for k in range(1, len(BUDGETS)):
            ax.axhline(k * len(fs) - 0.5, color="w", lw=2)
        ax.set_xticks(range(len(steps)), [f"{a:.3g}" if a >= 0.01 else f"1/{round(1 / a)}" for a in steps],
                      rotation=45, fontsize=7)
        ax.set_yticks(range(len(rows)), [f"{bud}, {f:g}x" for bud, f in rows], fontsize=7)
        ax.set_title(title, fontsize=8)
        ax.set_xlabel("step a_max", fontsize=8)
    axes[0].set_ylabel("budget, noise SD (x calibrated; 0x: no noise, steps of any size)", fontsize=8)
    fig.colorbar(im, cax=fig.add_axes([0.955, 0.25, 0.01, 0.5]), label="bits (>= : the max_bits cap)")
    fig.suptitle("bits writable open-loop at 95 % right level within 1 s / 1 min / 1 h, against the step size and "
                 "the noise (a_max = 1/255: the article's; 0.071: the binary burst synapse's)", fontsize=9)
    fig.subplots_adjust(left=0.08, right=0.94, bottom=0.12, top=0.9, wspace=0.5)
    return fig


def figures(result: Result):
    from matplotlib.figure import Figure
    fig = Figure(figsize=(16, 8.2))
    axes = fig.subplots(2, 4)
    _cost_panel(axes[0, 0], result)
    _rate_panel(axes[0, 1], result)
    _step_panel(axes[0, 2], result)
    _loop_panel(axes[0, 3], result)
    _mc_pairing_panel(axes[1, 0], result)
    _mc_synapse_panel(axes[1, 1], result)
    _bartol_panel(axes[1, 2], result)
    _sensitivity_panel(axes[1, 3], result)
    fig.subplots_adjust(left=0.05, right=0.99, bottom=0.1, top=0.95, wspace=0.3, hspace=0.42)
    return [("write_cost", fig), ("write_cost_bits_grid", _grid_figure(result))]


def _sensitivity_panel(ax, result: Result):
    """Headline times under each triplet fit and timing model (bars, log scale)."""
    t = result.tables["triplet_sensitivity"]
    cols = [("reset_seconds", "reset"), ("article_8bit_seconds", "article 8 bit"), ("pairing_3bit_seconds",
            "3 bit, pairing noise"), ("pairing_5bit_seconds", "5 bit, pairing noise")]
    n = len(t["triplet_fit"])
    width = 0.8 / n
    x = np.arange(len(cols))
    for i in range(n):
        y = [t[c][i] for c, _ in cols]
        lab = (f"{TRIPLET_LABELS[t['triplet_fit'][i]]}, "
               + {"scan": "fastest protocol", "window": "lag-only window", "flat": "old: full rate"}[t["step_model"][i]])
        ax.bar(x - 0.4 + width * (i + 0.5), y, width, label=lab, color=f"C{i}")
    ax.set_yscale("log")
    ax.set_xticks(x, [lab.replace(", ", "\n") for _, lab in cols], fontsize=7)
    ax.set(ylabel="seconds (no noise / per-pairing noise, worst level)", title="headline times by triplet fit\n"
           "and timing model")
    ax.legend(fontsize=5.5, loc="upper left")


def _fmt(v, digits=3, unit=""):
    return stats.fmt(v, digits, False, unit)

def _fmt(v, digits=3, unit=""):
    return stats.fmt(v, digits, False, unit)


def _bits(v) -> str:
    """A number of bits in words: "1 bit", "5 bits", ">= 12 bits"."""
    if stats.is_bound(v):
        return stats.fmt(v, 3, False, "bits")
    n = stats.point(v)
    return f"{n:.0f} bit" if n == 1 else f"{n:.0f} bits"


def _reached(entry: dict) -> str:
    lo, hi = entry.get("bits_reached_at_least"), entry.get("bits_reached_at_most")
    if lo is None:
        return "not run"
    if hi is None:
        return f"at least {stats.point(lo):.0f} bits (every code it ran landed right in >= 95 % of synapses)"
    if stats.point(hi) == stats.point(lo):
        return f"{_bits(lo)} (the next code fails for sure)"
    return f"between {stats.point(lo):.0f} and {stats.point(hi):.0f} bits"


def _amax_text(result: Result) -> str:
    a = result.headline["setting_a_max"]
    return f"1/{round(1 / a)}" if abs(1 / a - round(1 / a)) < 1e-6 else f"{a:.3g}"


def _grid_bits(result: Result, noise: str, a: float, budget: str):
    g = result.tables["bits_grid"]
    for n, f, aa, bud, b, cap in zip(g["noise"], g["noise_scale"], g["a_max"], g["budget"], g["bits"], g["at_cap"]):
        if n == noise and f == 0.0 and abs(aa - a) < 1e-9 and bud == budget:
            return (">= " if cap else "") + str(b)
    return None


def _sens(result: Result, fit: str, model: str, col: str):
    t = result.tables["triplet_sensitivity"]
    for i, (ff, mm) in enumerate(zip(t["triplet_fit"], t["step_model"])):
        if ff == fit and mm == model:
            return t[col][i]
    return math.nan


def finding(result: Result) -> str:
    h = result.headline
    bw = h["bits_within"]
    r = h["rates"]
    nr = h["no_readback"]
    mc = h["mc"]
    b = h["bartol"]
    art = h["article_8bit"]
    fit = _fit(result)
    small = r["seconds_per_pairing_step_1_16"]
    fs3, ff3 = _grid_bits(result, "none_fixed_step", 0.071, "1s"), _grid_bits(result, "pairing", 0.071, "1s")
    grid_txt = (f" Bits within 1 s depend on a_max: at the binary synapse's step 0.071, {fs3} with one fixed step "
                f"and {ff3} with smaller steps (no noise)." if fs3 is not None and ff3 is not None else "")
    hip = [(f, _sens(result, f, "scan", "article_8bit_seconds")) for f in TRIPLET_FITS if f != fit]
    hip_txt = "; ".join(f"{TRIPLET_LABELS[f]} {v:.1f} s" for f, v in hip)
    s = (f"Pairings are timed by the triplet rule ({TRIPLET_LABELS[fit]}): full depressing steps at "
         f"{r['depress_hz']:.1f} Hz (each {r['depress_efficiency']:.0%} of a 1 Hz step), full potentiating ones at "
         f"{r['potentiate_hz']:.1f} Hz, and a smaller step takes longer (a pairing of 1/16 of a_max: "
         f"{small['depressing'] * 1e3:.0f} ms depressing, {small['potentiating'] * 1e3:.0f} ms potentiating, at the "
         f"rule's fastest lag and rate for that step); the reset of {art['reset_steps']} steps "
         f"({art['reset_pairings']} pairings) takes {r['reset_seconds']:.1f} s "
         f"({r['reset_seconds_near_zero_crossing']:.0f} s at {r['near_zero_crossing_hz']:.1f} Hz, where anti-causal "
         f"pairings barely depress). Without noise and with steps up to a_max = {_amax_text(result)} "
         + ("(one 8-bit level per pairing, the article's assumption)" if _amax_text(result) == "1/255" else
            "(the article assumes 1/255)")
         + f", the article's scheme (reset to 0, count up to the top level) takes {art['pairings']} pairings "
         f"({art['steps']} steps of a_max) and {art['seconds']:.1f} s, not 256 pairings and 1 s "
         f"({art['seconds_at_250hz']:.2f} s even at the article's 250 Hz; {hip_txt} under the other triplet fits); "
         f"the best open-loop scheme (each level from the faster bound) takes {h['best_8bit']['steps']} steps and "
         f"{h['best_8bit']['seconds']:.1f} s.{grid_txt} Within an hour, at 95 % right level: "
         f"{_bits(bw['pairing']['1h'])} under per-pairing noise (hard bounds; {_bits(bw['pairing']['1min'])} "
         f"within a minute), {_bits(bw['synapse_hard']['1h'])} under a calibrated per-synapse gain with hard bounds "
         f"and {_bits(bw['synapse_soft_independent']['1h'])} with soft bounds and independent LTP/LTD gains (the "
         f"Monte Carlo finds P(2-bit write right) {_fmt(mc['synapse_hard'].get('p_2bit'), 3)} and "
         f"{_fmt(mc['synapse_soft_independent'].get('p_2bit'), 3)}, Wilson 95 % intervals over pooled synapses), but "
         f"{_bits(bw['synapse_soft_equal']['1h'])} with soft bounds and equal gains, where a write to a fixed point "
         f"cancels the gain (Monte Carlo: {_reached(mc['synapse_soft_equal'])}). Bi & Poo's scatter cannot tell "
         f"these models apart. A closed-loop write that reads the weight before each pairing takes "
         f"{_fmt(nr['none']['closed_seconds'])} s for the same 8-bit level without noise, "
         f"{_fmt(nr['none'].get('ratio'))} times less than open loop; with per-pairing noise the factor is "
         f"{_fmt(nr['pairing'].get('ratio'))}, and with per-synapse gains on hard bounds "
         + ("open loop cannot reach that level at all" if not nr["synapse_hard"]["open_loop_possible"] else
            f"the factor is {_fmt(nr['synapse_hard'].get('ratio'))}")
         + f" while closed loop takes {_fmt(nr['synapse_hard']['closed_seconds'])} s. Bartol et al. (2015) find "
         f"at least {b['levels']} distinguishable strengths ({b['bits']} bits) in spine pairs with a shared history; "
         f"a fixed per-synapse gain would have to have an SD below {b['max_gain_sd_hard_bounds']:.3f} (hard bounds) "
         f"or {b['max_gain_sd_soft_independent']:.3f} (soft, independent gains) for that, against "
         f"{b['calibrated_gain_sd']:.2f} if Bi & Poo's scatter were all per-synapse gain (pairs would then differ "
         f"by a median factor {b['pair_ratio_median']:.2f}): so if Bartol's precision holds, the scatter is mostly "
         f"not a fixed gain, or LTP and LTD gains are matched on soft bounds. Conditions: triplet rule "
         f"({TRIPLET_LABELS[fit]}, Pfister & Gerstner 2006) at lags from {r['lag_ms']:g} ms, each pairing timed at its "
         f"own step; steps up to a_max = {_amax_text(result)} of the range; noise and the 1 Hz reference step "
         f"calibrated to Bi & Poo (1998), hippocampal cultures at 1 Hz; confidence 95 %; each noise model alone "
         f"carrying all of Bi & Poo's scatter; Monte Carlo proportions are Wilson 95 % intervals over "
         f"{_pooled(mc)} pooled independent synapses.")
    return s


def _fit(result: Result) -> str:
    t = result.tables["triplet_sensitivity"]
    return t["triplet_fit"][0]


def _pooled(mc: dict) -> str:
    for entry in mc.values():
        for v in entry.values():
            if stats.is_estimate(v):
                return f"{v['n']:,}"
    return "the"


def decide_256(article_seconds: float) -> str:
    """refuted if the article's worst 8-bit level takes more than twice its 1 s, else supported."""
    return "supported" if article_seconds <= 2 * ARTICLE_SECONDS else "refuted"


def decide_scatter(bits_1h: dict) -> str:
    """supported if every noise model allows fewer than 8 bits within an hour, refuted if every one
    allows 8 or more, qualified otherwise (bounds count at their bound)."""
    below = [n for n, v in bits_1h.items() if stats.point(v) < 8]
    return "supported" if len(below) == len(bits_1h) else ("refuted" if not below else "qualified")


def readback_costly(entry: dict) -> bool | None:
    """True if read-back saves more than a factor 2 for sure (open loop impossible, or the ratio's
    lower 95 % bound above 2), False if it saves at most 2 for sure (upper bound <= 2), else None."""
    if not entry["open_loop_possible"]:
        return True
    r = entry["ratio"]
    if stats.is_estimate(r):
        lo, hi = r["ci95"]
        return True if lo > 2 else (False if hi <= 2 else None)
    if "at_most" in r:
        return False if r["at_most"] <= 2 else None
    return True if r.get("at_least", 0) > 2 else None


def decide_no_readback(entries: dict) -> str:
    """supported if the lack of read-back is costly (open loop more than twice the closed-loop
    time) under every noise model, refuted if read-back would not help (at most 2x) under any,
    qualified otherwise (it depends on the model, or an interval straddles 2)."""
    c = [readback_costly(e) for e in entries.values()]
    if all(x is True for x in c):
        return "supported"
    if all(x is False for x in c):
        return "refuted"
    return "qualified"


def verdicts(result: Result) -> list:
    h = result.headline
    art = h["article_8bit"]
    bw = h["bits_within"]
    nr = h["no_readback"]
    per_model = "; ".join(f"{LABELS[n]} {_bits(bw[n]['1h'])}" for n in NOISY)
    entries = {n: nr[n] for n in CLOSED}
    weakest = weakest_readback_model(entries)
    key = f"no_readback.{weakest}.ratio" if weakest else "no_readback.none.closed_seconds"
    top = stats.point(h["scatter"]["max_bits_within_1h"])
    ratios = "; ".join(f"{LABELS[n]} " + (stats.fmt(nr[n]["ratio"]) if nr[n]["open_loop_possible"]
                                           else "open loop impossible at 95 %, closed loop "
                                           + stats.fmt(nr[n]["closed_seconds"]) + " s") for n in CLOSED)
    return [
        Verdict(claim="256-pairings", verdict=decide_256(art["seconds"]), headline="article_8bit.seconds",
                criterion="refuted if writing the article's worst 8-bit level without noise (reset to 0, count up "
                          f"to the top) takes more than twice the article's {ARTICLE_SECONDS:g} s, supported "
                          "otherwise",
                conditions=f"{art['pairings']} pairings ({art['reset_pairings']} to reset, "
                           f"{art['pairings'] - art['reset_pairings']} to count; {art['steps']} steps of a_max), "
                           f"no noise, a_max = {_amax_text(result)}, depressing pairings at "
                           f"{h['rates']['depress_hz']:.1f} Hz and potentiating at {h['rates']['potentiate_hz']:.1f} Hz "
                           f"(triplet rule, {TRIPLET_LABELS[_fit(result)]}, {h['rates']['lag_ms']:g} ms lag); even "
                           f"at 250 Hz it is {art['seconds_at_250hz']:.2f} s"),
        Verdict(claim="scatter", verdict=decide_scatter({n: bw[n]["1h"] for n in NOISY}),
                headline="scatter.max_bits_within_1h",
                criterion="supported if every noise model that reproduces Figure A's scatter allows fewer than the "
                          "article's 8 bits within an hour (95 % right level), refuted if every one allows 8 or more, "
                          "qualified if it depends on the model",
                conditions=f"bits within 1 h: {per_model}; the most bits come from soft bounds with LTP and LTD "
                           "gains matched on each synapse (the gain cancels at the fixed point), an assumption Bi & "
                           "Poo's data neither support nor exclude; each pairing timed at its own step",
                label="most bits writable within an hour under any calibrated noise model",
                unit="bit" if top == 1 else "bits"),
        Verdict(claim="no-readback", verdict=decide_no_readback(entries), headline=key,
                criterion="the claim's premise (no read-back) is assumed, not tested; what is tested is whether its "
                          "consequence matters: supported if the lack of read-back is costly, the open-loop write "
                          "taking more than twice the closed-loop one (lower 95 % bound of the time ratio above 2, "
                          "or open loop unable to reach the level) under every noise model; refuted if read-back "
                          "would not help (upper bound at most 2) under any; qualified otherwise",
                conditions=(f"the premise that a synapse cannot be read is assumed (this experiment cannot test "
                            f"it); 8-bit level {result.tables['closed_loop']['level'][0]}, open/closed time ratio: "
                            + ratios
                            + (f"; the deciding number is the smallest ratio ({LABELS[weakest]})" if weakest else "")),
                label=(f"open-loop / closed-loop time for an 8-bit level, {LABELS[weakest]} (where read-back helps "
                       "least)" if weakest else "closed-loop time for an 8-bit level, no noise"),
                unit="x" if weakest else "s"),
    ]


#: what each figure shows and which claim of the article it tests (the report's captions)
CAPTIONS = {
    "write_cost": "Write cost: the time to write the slowest level open-loop at 95 % right against the number of "
    "bits, for each noise model and the article's scheme; the triplet rule's throughput against the pairing rate; "
    "seconds per pairing against the step; the time with and without read-back; Monte Carlo checks of the closed "
    "forms; the bits a fixed per-synapse gain allows; headline times by triplet fit. Tests the claims that 256 "
    "values take 256 pairings (about a second), that the scatter limits what can be set, and that every write "
    "is open-loop.",
    "write_cost_bits_grid": "Bits writable open-loop at 95 % right level within 1 s, 1 min and 1 h, for each noise "
    "model and noise scale (rows) against the step size a_max (columns; 1/255: the article's, 0.071: the binary "
    "burst synapse's); '>=' marks the max_bits cap. Tests how far the scatter of Figure A limits what can be set.",
}


register_experiment(Experiment(
    name="write-cost",
    question="How many pairings, and how much time, does it take to write a synapse to one of 2^b levels without "
             "reading it?",
    about=("A synapse cannot be read, so a weight is written open-loop: saturate it at a bound and count pairings "
           "(hard bounds), or pull it to a fixed point with a mix of potentiating and depressing pairings (soft "
           "bounds). Each pairing is timed at the fastest lag and rate of the triplet rule that give its step "
           "(smaller steps take longer). Top: time for the slowest level of a b-bit code at 95 % right level, for "
           "no noise and each noise model that reproduces Bi & Poo's scatter; the rule's throughput; seconds per "
           "pairing against its step; the same level written with read-back. Bottom: Monte Carlo against the "
           "closed forms, what a fixed per-synapse gain allows against Bartol et al.'s 4.7 bits, and the headline "
           "times under other triplet fits and timing models. The second figure gives the bits writable within "
           "1 s, 1 min and 1 h against the step size and the noise level."),
    config=Config, quick=dict(replicates=5, n_synapses=600, mc_max_pairings=6000, grid_noise_scales=(0.0, 0.5, 1.0, 2.0)),
    full=dict(replicates=20, n_synapses=2000, mc_max_pairings=200_000,
              grid_a_max=(1 / 4095, 1 / 1023, 1 / 255, 0.01, 0.02, 0.071, 0.1, 0.2), grid_quadrature=160,
              grid_max_levels=513, quadrature=400),
    run=run, figures=figures, captions=CAPTIONS,
    summary=(Headline("article_8bit.seconds", "time to write the article's worst 8-bit level (reset to 0, count up "
                      "to the top), no noise", "s", digits=3),
             Headline("bits_within.pairing.1h", "bits writable within an hour, per-pairing noise (hard bounds)"),
             Headline("bits_within.synapse_hard.1h", "bits writable within an hour, calibrated per-synapse gain, "
                      "hard bounds"),
             Headline("no_readback.none.ratio", "open-loop / closed-loop time for an 8-bit level, no noise", "x")),
    finding=finding, verdicts=verdicts))
