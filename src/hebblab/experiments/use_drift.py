r"""use-drift: what using a network does to the values stored in its plastic synapses.

Values are stored in plastic synapses; then the network is "used": its neurons fire at random,
and every rule keeps running, as plasticity does in a brain. The memory signal is the correlation
of the values read from the synapses with the values stored, sampled at log-spaced times; its
lifetime is the time it falls to 0.5 (the half-life), interpolated in log time in each replicate.
A replicate is an independent group of synapses inside one network (its own neurons).

Same use for every rule (the controlled condition). Each synapse joins its own pre and post
neuron, and both fire independent Poisson trains at the same rate r (``PoissonSource`` on both
sides, ``one_to_one`` synapses). Output rates are therefore equal by construction, and no feedback
can silence the layer or run it away. Left out on purpose: a synapse's own, weak, causal influence
on its post neuron (the second condition, a layer of IF outputs, keeps it). Every rule sees the
same spike trains (same seed and populations); all rules run on dt = 1 ms, Brain Simulator II's
cycle, in which Hebbian3 is defined (the pair rules are checked at 0.1 ms, ``dt check``).

Matched write speed. Each rule is a family with one speed knob, set from ``n``, the number of
isolated causal pairings (at the most effective lag, far enough apart that traces do not
accumulate) that take a synapse from its lower bound to the stored high state
(:func:`pairings_to_write` is the closed form, checked against engine runs in the tests):

* ``additive``: pair STDP, mu = 0, all-to-all, hard bounds [0, 1]. A pairing at lag 0 adds a+, so
  ``n = ceil(0.5 / a+)`` to mid-range; knob ``a+ = 0.5 / n``. ``a-`` balances the window on the
  engine's grid (:func:`balanced_all_to_all`), so uncorrelated activity gives no mean drift.
* ``multiplicative``: pair STDP, mu = 1, a+ = a-, all-to-all. A pairing maps ``1 - w`` to
  ``(1 - a)(1 - w)``: from 0, ``n = ceil(ln 2 / -ln(1 - a))`` to 0.5; knob ``a = 1 - 2^(-1/n)``.
* ``binary_burst``: the binary burst synapse (nearest-spike additive STDP, read as the bit
  ``w >= theta``). ``n = ceil(theta / a+)`` to theta; knob ``a+ = theta / (n - 1/2)`` (n pairings
  end half a step above theta). ``a-`` zeroes the nearest-spike drift at rate r on the engine's
  grid (``BinaryBurst.balanced_at(r, dt=dt)``); the continuous-time balance
  ``BinaryBurst.balanced_at(r)`` leaves a drift on a 1 ms grid
  (``binary_balanced_at_residual_drift_per_s``). A stored 1 is the w the write
  leaves, ``n a+``; a stored 0 is w = 0. ``binary_design`` is the article's synapse as designed:
  a+ = 2 theta / 5, a burst of 5 pairings writes w = 2 theta (3 pairings reach theta).
* ``two_state``: Amit & Fusi's two-state stochastic synapse; a candidate event switches with
  probability q, so the number of pairings to switch is geometric and its median is
  ``n = ceil(ln 2 / -ln(1 - q))``; knob ``q = 1 - 2^(-1/n)``.
* ``bs2_hebbian3``: Brain Simulator II's Hebbian3 has no knob: a pairing at a 1-cycle lag doubles
  w, ``n = ceil(log2(0.5 / 0.001)) = 9`` from its floor to mid-range. One point.

Analog rules store values uniform in [0.1, 0.9] of their range and are read as w; binary burst
and two-state store random bits and are read as bits. Every knob rule is simulated on a grid of
write speeds (the trade-off: lifetime against pairings to write, and its log-log slope with a
bootstrap interval over replicates) and at the common speed ``common_pairings`` (always simulated,
not interpolated), where the rules are compared, also against the use rate. The speeds of one
family are projections of one network on the same spike trains.

Theory the tests check (on the step grid; continuous-time limits in brackets): two-state bits
decay as ``exp(-q (lambda+ + lambda-) t)`` with candidate rates ``lambda+- = r (1 - e^(-r W))``, to
first order in q (candidate events come in clusters, e.g. several pre arrivals within W of one
post spike, so at q = 0.13 the decay is about 5 % slower, measured); balanced additive all-to-all
STDP has zero mean drift and a variance growing linearly, ``[Var = r^2 t (a+^2 tau+ + a-^2
tau-) / 2]``; the nearest-spike drift of ``BinaryBurst.drift(r, dt=dt)``.

The second condition: ``replicates`` independent layers of ``layer_in`` Poisson inputs at the
use rate onto ``layer_out`` IF neurons (Brain Simulator II cycles, leak per cycle), all to all
within a layer, the same rules at the common write speed. The IF threshold is set per rule (by
bisection, stored weights frozen) so that the layer starts at the use rate; then the outputs
respond, a synapse influences its post neuron, and the output rates follow the weights. Output
rates are reported beside every lifetime, and this condition is not a controlled comparison.

Failure modes are reported as such, never as half-lives: saturation (more than
``saturation_fraction`` of a group's synapses at one bound, or of its read bits equal, or no spread
of the read values) with the time it happened; in the IF layer also silencing (a group's output
rate below ``silent_hz`` in a 1-s bin) and runaway (above ``runaway_hz``); a layer's run stops once
every group has failed. A replicate that fails before its correlation reaches 0.5 has no
half-life. A half-life longer than the run is a lower bound (:func:`hebblab.stats.censored`),
never extrapolated.
"""

from __future__ import annotations

import math
from typing import Annotated

import numpy as np
from pydantic import Field

from .. import stats
from ..network import Network
from ..neurons import IF, PoissonSource
from ..plasticity import BinaryBurst, BS2Hebbian3, PairSTDP, TwoStateStochastic
from ..plasticity.bs2_hebbian3 import FLOOR
from ..units import ms
from .base import Experiment, ExperimentConfig, Headline, Result, Verdict, progress_bar, register_experiment

RULES = ("additive", "multiplicative", "binary_burst", "two_state", "bs2_hebbian3")
KNOB_RULES = RULES[:4]
BIT_RULES = ("binary_burst", "two_state", "binary_design")
LABELS = {"additive": "additive STDP", "multiplicative": "multiplicative STDP", "binary_burst": "binary burst",
          "two_state": "two-state stochastic", "bs2_hebbian3": "BS2 Hebbian3", "binary_design": "binary burst as designed"}
TAU_PLUS, TAU_MINUS = 16.8 * ms, 33.7 * ms
THETA = 0.2
#: Brain Simulator II's Hebbian3: pairings at its most effective lag (1 cycle, x2) from the floor to 0.5.
HEBBIAN3_PAIRINGS = math.ceil(math.log2(0.5 / FLOOR) - 1e-9)
#: The article's binary synapse: one burst of 5 pairings takes w from 0 to 2 theta.
DESIGN_BURST = 5
PairingsGrid = tuple[Annotated[int, Field(ge=1, le=1000)], ...]
RateGrid = tuple[Annotated[float, Field(gt=0, le=200)], ...]


class Config(ExperimentConfig):
    replicates: int = Field(5, ge=2, le=1000, description="independent groups of synapses per network (replicates)")
    synapses_per_group: int = Field(200, ge=10, le=100_000, description="synapses in each group (controlled condition)")
    rate_hz: float = Field(10.0, gt=0, le=200, description="use: rate of every pre and post neuron (Hz)")
    pairings: PairingsGrid = Field((2, 5, 12, 32), min_length=2, description="write-speed grid: pairings to write")
    common_pairings: int = Field(5, ge=1, le=1000, description="the common write speed (pairings) compared")
    rates_hz: RateGrid = Field((5.0, 10.0, 20.0), min_length=1, description="use rates of the rate sweep (Hz)")
    duration_s: float = Field(120.0, gt=0, le=100_000, description="length of the use period sampled (s)")
    use_period_s: float = Field(60.0, gt=0, le=100_000, description="use after which the correlation is compared (s)")
    first_sample_s: float = Field(0.05, gt=0, le=100, description="first sampling time (s)")
    samples_per_decade: int = Field(8, ge=2, le=100, description="log-spaced samples per decade of time")
    stored_low: float = Field(0.1, ge=0, lt=1, description="analog values stored: lowest, as a fraction of the range")
    stored_high: float = Field(0.9, gt=0, le=1, description="analog values stored: highest, fraction of the range")
    saturation_fraction: float = Field(0.9, gt=0.5, le=1, description="saturated: this fraction at one bound")
    dt_check_ms: float = Field(0.1, gt=0, le=1, description="finer step for the pair rules' dt check (ms)")
    dt_check_s: float = Field(60.0, gt=0, le=100_000, description="length of the dt check's runs (s)")
    layer: bool = Field(True, description="also run the second condition: a layer of IF outputs")
    layer_in: int = Field(100, ge=2, le=10_000, description="IF layer: inputs per group")
    layer_out: int = Field(10, ge=1, le=10_000, description="IF layer: outputs per group")
    layer_leak: float = Field(0.2, ge=0, le=1, description="IF layer: leak per 1 ms cycle")
    layer_s: float = Field(30.0, gt=0, le=100_000, description="IF layer: length of the use period (s)")
    silent_hz: float = Field(1.0, ge=0, le=100, description="IF layer: silenced below this output rate (Hz, 1-s bins)")
    runaway_hz: float = Field(100.0, gt=0, le=1000, description="IF layer: runaway above this output rate (Hz, 1-s bins)")


# ---- the rule families -------------------------------------------------------------------------

def balanced_all_to_all(a_plus: float, dt: float, tau_plus: float = TAU_PLUS, tau_minus: float = TAU_MINUS) -> float:
    r"""``a_minus`` giving additive all-to-all pair STDP zero mean drift under independent Poisson
    pre and post activity on a grid of step ``dt`` (any rate).

    Each neuron fires in a step with probability p. A post spike pairs with every earlier pre
    arrival and with one in the same step (processed first, lag 0): ``E[x_pre] = p / (1 - e^(-dt/tau+))``;
    a pre arrival pairs with posts of earlier steps only: ``E[y_post] = p e^(-dt/tau-) / (1 - e^(-dt/tau-))``.
    Zero drift, ``a+ E[x] = a- E[y]``:  ``a- = a+ (e^(dt/tau-) - 1) / (1 - e^(-dt/tau+))``, which tends
    to the continuous-time balance ``a- tau- = a+ tau+`` as dt -> 0 (4.5 % larger at 1 ms).
    """
    return a_plus * math.expm1(dt / tau_minus) / -math.expm1(-dt / tau_plus)


def make_rule(name: str, n: int, rate_hz: float, dt: float):
    """The rule of family ``name`` whose closed-form pairings to write is ``n`` (module docstring)."""
    if name == "additive":
        ap = 0.5 / n
        return PairSTDP(a_plus=ap, a_minus=balanced_all_to_all(ap, dt), mu=0.0, pairing="all-to-all")
    if name == "multiplicative":
        a = -math.expm1(-math.log(2) / n)
        return PairSTDP(a_plus=a, a_minus=a, mu=1.0, pairing="all-to-all")
    if name == "binary_burst":
        ap = THETA / (n - 0.5)
        return BinaryBurst.balanced_at(rate_hz, dt=dt, theta=THETA, a_plus=ap)
    if name == "binary_design":
        ap = 2 * THETA / DESIGN_BURST
        return BinaryBurst.balanced_at(rate_hz, dt=dt, theta=THETA, a_plus=ap)
    if name == "two_state":
        return TwoStateStochastic(q=-math.expm1(-math.log(2) / n))
    if name == "bs2_hebbian3":
        return BS2Hebbian3()
    raise ValueError(f"unknown rule family {name!r}")


def pairings_to_write(rule) -> int:
    """Isolated causal pairings at the most effective lag from the lower bound to the stored high
    state, in closed form (module docstring): mid-range for analog rules, theta for the binary
    burst synapse, the median number to switch for the two-state synapse."""
    if isinstance(rule, BinaryBurst):
        return math.ceil(rule.theta / rule.a_plus - 1e-9)
    if isinstance(rule, PairSTDP):
        if rule.mu == 0:
            return math.ceil(0.5 * rule.w_max / rule.a_plus - 1e-9)
        if rule.mu == 1:
            return math.ceil(math.log(0.5) / math.log1p(-rule.a_plus) - 1e-9)
    if isinstance(rule, TwoStateStochastic):
        return math.ceil(math.log(0.5) / math.log1p(-rule.q_plus) - 1e-9)
    if isinstance(rule, BS2Hebbian3):
        return HEBBIAN3_PAIRINGS
    raise ValueError(f"no closed form for {rule!r}")


def stored_values(name: str, rule, n_syn: int, config: Config, rng: np.random.Generator):
    """(initial weights, values a perfect read would give): analog uniform in [stored_low,
    stored_high] of the range; bits as the write leaves them (binary: 1 = n a+, 0 = 0)."""
    lo, hi = rule.bounds()
    if name in BIT_RULES:
        bits = (rng.random(n_syn) < 0.5).astype(float)
        if isinstance(rule, BinaryBurst):
            n = DESIGN_BURST if name == "binary_design" else pairings_to_write(rule)
            return bits * min(n * rule.a_plus, 1.0), bits
        return lo + (hi - lo) * bits, bits
    u = rng.uniform(config.stored_low, config.stored_high, n_syn)
    w = lo + (hi - lo) * u
    return w, w


def read(name: str, rule, w: np.ndarray) -> np.ndarray:
    """What the synapse stores, as read: the bit for bit rules, w otherwise."""
    if isinstance(rule, BinaryBurst):
        return (w >= rule.theta).astype(float)
    return np.asarray(w, dtype=float)


# ---- measuring ------------------------------------------------------------------------------------

def sample_times(duration_s: float, first_s: float, per_decade: int, extra=()) -> np.ndarray:
    """Log-spaced sampling times ``first * 10^(k / per_decade)`` up to ``duration``, plus ``extra``."""
    k = np.arange(0, int(math.floor(per_decade * math.log10(max(duration_s / first_s, 1.0)) + 1e-9)) + 1)
    t = first_s * 10.0 ** (k / per_decade)
    t = np.concatenate([t[t < duration_s], [duration_s], [x for x in extra if x <= duration_s]])
    return np.unique(t)


def group_correlation(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Pearson correlation of each row of ``x`` with the same row of ``y`` (nan if a row has no spread)."""
    xc = x - x.mean(axis=1, keepdims=True)
    yc = y - y.mean(axis=1, keepdims=True)
    den = np.sqrt((xc * xc).sum(axis=1) * (yc * yc).sum(axis=1))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, (xc * yc).sum(axis=1) / np.where(den > 0, den, 1.0), np.nan)


def saturated(w: np.ndarray, r: np.ndarray, bounds, bits: bool, fraction: float) -> np.ndarray:
    """Per group (rows): more than ``fraction`` of w at one bound, of the read bits equal, or no spread."""
    lo, hi = bounds
    eps = 1e-6 * (hi - lo)
    at = np.maximum((w <= lo + eps).mean(axis=1), (w >= hi - eps).mean(axis=1))
    if bits:
        at = np.maximum(at, np.maximum(r.mean(axis=1), 1 - r.mean(axis=1)))
    return (at > fraction) | (r.std(axis=1) == 0)


def half_life(t: np.ndarray, corr: np.ndarray) -> tuple[float, str]:
    """Time the correlation first falls to 0.5, interpolated linearly in log time between samples.

    Returns ``(time, status)``: ``"measured"``; ``"censored"`` (never reached: time = inf, a
    bound, never extrapolated); ``"early"`` (already below at the first sample: time = t[0], an
    upper bound). ``corr`` is 1 at time 0 by construction; nan counts as 0 (no spread).
    """
    c = np.nan_to_num(np.asarray(corr, dtype=float), nan=0.0)
    below = np.flatnonzero(c <= 0.5)
    if not below.size:
        return math.inf, "censored"
    k = int(below[0])
    if k == 0:
        return float(t[0]), "early"
    t0, t1, c0, c1 = math.log(t[k - 1]), math.log(t[k]), c[k - 1], c[k]
    return float(math.exp(t0 + (t1 - t0) * (c0 - 0.5) / (c0 - c1))), "measured"


def lifetime(t: np.ndarray, corr: np.ndarray, failed: np.ndarray, limit: float) -> dict:
    """Half-life over replicates (columns of ``corr``/``failed``, rows = sample times).

    A replicate that fails (saturation; in the IF layer also silencing or runaway) before, or
    without, reaching 0.5 is a failure, not a half-life. Returns ``value`` (an estimate over the
    replicates, a bound, or None if any replicate failed), the per-replicate ``times`` and
    ``status``, ``failed`` (count) and ``failure_s`` (the earliest failure time, or None).
    """
    times, status, fail_t = [], [], []
    for g in range(corr.shape[1]):
        hl, st = half_life(t, corr[:, g])
        hit = np.flatnonzero(failed[:, g])
        tf = float(t[hit[0]]) if hit.size else math.inf
        if tf < math.inf and tf <= hl:
            st = "failed"
        times.append(hl)
        status.append(st)
        fail_t.append(tf)
    n_fail = status.count("failed")
    if n_fail:
        value = None
    elif "early" in status:
        value = stats.at_most(float(t[0]), "fell below 0.5 before the first sample")
    else:
        value = stats.censored(times, limit, "")
    return dict(value=value, times=times, status=status, failed=n_fail,
                failure_s=min(fail_t) if min(fail_t) < math.inf else None)


def clamped_runs(specs, config: Config, rate_hz: float, dt: float, seed: int, duration_s: float) -> list:
    """The controlled condition for several rules at once: one network of ``replicates`` groups of
    ``synapses_per_group`` pre and post neurons, all firing independent Poisson trains at
    ``rate_hz``, and one ``one_to_one`` projection per ``(family, pairings)`` in ``specs`` (every
    rule sees the same trains; each projection's synapses are independent of the others' weights).
    Returns, per spec, ``(t, corr, saturated, rule)`` with corr and saturated of shape
    (samples, groups)."""
    G, m = config.replicates, config.synapses_per_group
    net = Network(dt=dt, seed=seed)
    pre = net.add(PoissonSource(n=G * m, rate=rate_hz))
    post = net.add(PoissonSource(n=G * m, rate=rate_hz))
    projections = []
    for name, n in specs:
        rule = make_rule(name, n, rate_hz, dt)
        w0, target = stored_values(name, rule, G * m, config, np.random.default_rng([seed, 17]))
        syn = net.connect(pre, post, rule=rule, w=w0, connectivity="one_to_one")
        projections.append((name, rule, syn, target.reshape(G, m)))
    times = sample_times(duration_s, config.first_sample_s, config.samples_per_decade,
                         (config.use_period_s, config.dt_check_s))
    t, per = _sample(net, projections, times, config)
    return [(t, corr, sat, rule) for (corr, sat), (_, rule, _, _) in zip(per, projections)]


def clamped_run(name: str, n: int, config: Config, rate_hz: float, dt: float, seed: int, duration_s: float):
    """:func:`clamped_runs` for one rule: ``(t, corr, saturated, rule)``."""
    return clamped_runs([(name, n)], config, rate_hz, dt, seed, duration_s)[0]


def _sample(net, projections, times, config, stop=None):
    """Run ``net`` to each sampling time; per projection ``(name, rule, syn, target (groups x
    synapses))`` the correlation and saturation of each group. ``stop(t, per)`` may end it early."""
    per = [([], []) for _ in projections]
    t_out = []
    for s in np.rint(times / net.dt).astype(np.int64):
        if s <= net.step:
            continue
        net.run((s - net.step) * net.dt)
        t_out.append(net.t)
        for (corr, sat), (name, rule, syn, target) in zip(per, projections):
            w = np.asarray(syn.w, dtype=float).reshape(target.shape[0], -1)
            r = read(name, rule, w)
            corr.append(group_correlation(r, target))
            sat.append(saturated(w, r, rule.bounds(), name in BIT_RULES, config.saturation_fraction))
        if stop is not None and stop(net.t, per):
            break
    return np.array(t_out), [(np.array(c), np.array(s)) for c, s in per]


# ---- the second condition: a layer of IF outputs ------------------------------------------------------

def layer_network(config: Config, seed: int, threshold: float, rule, w0, pre_idx, post_idx):
    """``replicates`` independent layers of ``layer_in`` Poisson inputs -> ``layer_out`` IF outputs,
    all to all within a layer (``rule=None``: frozen weights). Returns (net, synapses, output spikes)."""
    G, ni, no = config.replicates, config.layer_in, config.layer_out
    net = Network(dt=1e-3, seed=seed)
    inp = net.add(PoissonSource(n=G * ni, rate=config.rate_hz))
    out = net.add(IF(n=G * no, threshold=threshold, leak=config.layer_leak))
    syn = net.connect(inp, out, rule=rule, w=w0, connectivity=(pre_idx, post_idx))
    return net, syn, net.monitor(out)


def calibrate_threshold(config: Config, seed: int, w0, pre_idx, post_idx, seconds: float = 2.0,
                        iterations: int = 12) -> tuple[float, float]:
    """The IF threshold at which the layer, its stored weights frozen, fires at the use rate
    (bisection in log threshold over [1e-3, 1e3]; the rate falls as the threshold rises).
    Returns (threshold, the rate at the last trial)."""
    lo, hi = math.log(1e-3), math.log(1e3)
    n_out = config.replicates * config.layer_out
    rate = math.nan
    for _ in range(iterations):
        mid = 0.5 * (lo + hi)
        net, _, mon = layer_network(config, seed + 7919, math.exp(mid), None, w0, pre_idx, post_idx)
        net.run(seconds)
        rate = len(mon) / (n_out * seconds)
        lo, hi = (mid, hi) if rate > config.rate_hz else (lo, mid)
    return math.exp(0.5 * (lo + hi)), rate


def rate_failures(steps: np.ndarray, idx: np.ndarray, config: Config, dt: float, until_s: float):
    """Output rate of each group in the whole 1-s bins before ``until_s``, and per group the end of
    the first bin in which it fell below ``silent_hz`` (silenced) or rose above ``runaway_hz``
    (runaway); inf if never."""
    G, no = config.replicates, config.layer_out
    n_bins = int(math.floor(until_s + 1e-9))
    t = steps * dt
    keep = t < n_bins
    counts = np.zeros((G, n_bins))
    np.add.at(counts, (idx[keep] // no, t[keep].astype(np.int64)), 1.0)
    rate = counts / no
    ends = np.arange(1, n_bins + 1, dtype=float)

    def first(mask):
        return np.array([ends[np.flatnonzero(row)[0]] if row.any() else math.inf for row in mask]) if n_bins \
            else np.full(G, math.inf)

    return rate, first(rate < config.silent_hz), first(rate > config.runaway_hz)


def layer_run(name: str, n: int, config: Config, seed: int) -> dict:
    """The second condition: a layer of IF outputs whose threshold is set, per rule with the stored
    weights frozen, so that it starts at the use rate; then plasticity runs and the outputs respond,
    so each synapse influences its post neuron and the output rate follows the weights. The run
    stops early once every group has failed (silenced, ran away or saturated): nothing after a
    failure is measured."""
    dt = 1e-3
    rule = make_rule(name, n, config.rate_hz, dt)  # binary burst: balanced for post at the use rate
    G, ni, no = config.replicates, config.layer_in, config.layer_out
    pre_idx = np.concatenate([np.repeat(np.arange(ni) + g * ni, no) for g in range(G)])
    post_idx = np.concatenate([np.tile(np.arange(no) + g * no, ni) for g in range(G)])
    w0, target = stored_values(name, rule, pre_idx.size, config, np.random.default_rng([seed, 29]))
    threshold, _ = calibrate_threshold(config, seed, w0, pre_idx, post_idx)
    net, syn, mon = layer_network(config, seed, threshold, rule, w0, pre_idx, post_idx)

    def all_failed(t, per):
        _, silent, runaway = rate_failures(mon.steps, mon.i, config, dt, t)
        sat = np.array(per[0][1]).any(axis=0)
        return bool(np.all(np.isfinite(silent) | np.isfinite(runaway) | sat))

    times = sample_times(config.layer_s, config.first_sample_s, config.samples_per_decade)
    t, [(corr, sat)] = _sample(net, [(name, rule, syn, target.reshape(G, -1))], times, config, all_failed)
    rate, silent_at, runaway_at = rate_failures(mon.steps, mon.i, config, dt, t[-1])
    failed = sat | (t[:, None] >= np.minimum(silent_at, runaway_at)[None, :])
    res = lifetime(t, corr, failed, config.layer_s)
    spike_t, group = mon.steps * dt, mon.i // no
    w10 = 0.1 * t[-1]  # the first and last 10 % of the simulated time

    def rate_in(mask):
        return np.bincount(group[mask], minlength=G) / (no * w10)

    return dict(t=t, corr=corr, rate=rate, res=res, threshold=threshold,
                summary={"half_life_s": res["value"], "threshold": threshold,
                         "output_rate_start_hz": stats.estimate(rate_in(spike_t < w10)),
                         "output_rate_end_hz": stats.estimate(rate_in(spike_t >= t[-1] - w10)),
                         "saturated_replicates": int(sat.any(axis=0).sum()),
                         "silenced_replicates": int(np.isfinite(silent_at).sum()),
                         "runaway_replicates": int(np.isfinite(runaway_at).sum()),
                         "first_failure_s": res["failure_s"], "simulated_s": float(t[-1])})


# ---- summarising ----------------------------------------------------------------------------------

def rate_key(r: float) -> str:
    return f"{r:g}".replace(".", "p") + "_hz"


def exponent(x: list[float], per_point: list[dict], seed: int):
    """Log-log slope of the mean half-life against ``x`` over the points where every replicate was
    measured (>= 2 points), with a bootstrap interval over replicates (replicate g of every point
    shares its spike trains, so replicates are resampled jointly). None if fewer than 2 points."""
    keep = [k for k, p in enumerate(per_point) if all(s == "measured" for s in p["status"])]
    if len(keep) < 2:
        return None
    lx = np.log(np.asarray(x, dtype=float)[keep])
    data = np.array([per_point[k]["times"] for k in keep]).T  # replicates x points

    def slope(rows):
        ly = np.log(rows.mean(axis=0))
        xc = lx - lx.mean()
        return float(np.dot(xc, ly - ly.mean()) / np.dot(xc, xc))

    return stats.bootstrap(data, slope, seed=seed, n_resamples=1000)


def _point_row(table, rule, n, rate, res):
    v = res["value"]
    table["rule"].append(rule)
    table["pairings_to_write"].append(n)
    table["rate_hz"].append(rate)
    table["half_life_s"].append(stats.point(v) if v is not None else None)
    table["ci95_low"].append(v["ci95"][0] if stats.is_estimate(v) else None)
    table["ci95_high"].append(v["ci95"][1] if stats.is_estimate(v) else None)
    table["bound"].append(("at_least" if "at_least" in v else "at_most") if stats.is_bound(v) else "")
    table["censored"].append(res["status"].count("censored"))
    table["failed"].append(res["failed"])
    table["failure_s"].append(res["failure_s"])


POINT_COLUMNS = ("rule", "pairings_to_write", "rate_hz", "half_life_s", "ci95_low", "ci95_high", "bound", "censored",
                 "failed", "failure_s")


def _curve_table(table, label, t, corr):
    table[f"{label}_t_s"] = [float(x) for x in t]
    est = [stats.estimate(np.nan_to_num(c, nan=0.0)) for c in corr]
    table[f"{label}_mean"] = [e["mean"] for e in est]
    table[f"{label}_low"] = [e["ci95"][0] for e in est]
    table[f"{label}_high"] = [e["ci95"][1] for e in est]


# ---- the experiment ---------------------------------------------------------------------------

def _own_pairings(config: Config) -> dict:
    """Pairings to write at the common speed: the knob rules' setting, Hebbian3's and the design's own."""
    return {name: config.common_pairings for name in KNOB_RULES} | {"bs2_hebbian3": HEBBIAN3_PAIRINGS,
                                                                    "binary_design": DESIGN_BURST}


def run(config: Config, seed: int = 1, progress: bool = False) -> Result:
    dt, r0, T = 1e-3, config.rate_hz, config.duration_s
    n_common = config.common_pairings
    grid = sorted(set(config.pairings) | {n_common})  # the common speed is simulated, not interpolated
    rates = sorted(set(config.rates_hz) | {r0})
    own = _own_pairings(config)
    n_jobs = 4 + (len(rates) - 1) * len(RULES) + 3 + (len(RULES) if config.layer else 0)
    points = {k: [] for k in POINT_COLUMNS}
    headline: dict = {}
    kinds = {"binary_balanced_at_residual_drift_per_s": "closed-form", "use_modifies.rules": "setting",
             "dt_check.fine_step_ms": "setting"}
    with progress_bar(progress, n_jobs, "use-drift") as bar:
        def family(specs, rate, step=dt, duration=T):
            """One network per family: its specs as projections on the same spike trains."""
            out = [(t, corr, sat, rule, lifetime(t, corr, sat, duration))
                   for t, corr, sat, rule in clamped_runs(specs, config, rate, step, seed, duration)]
            bar.advance()
            return out

        # 1. the trade-off: each knob rule over its write-speed grid, Hebbian3 and the design, at r0
        families = {"additive": [("additive", n) for n in grid],
                    "multiplicative": [("multiplicative", n) for n in grid],
                    "binary_burst": [("binary_burst", n) for n in grid] + [("binary_design", DESIGN_BURST)],
                    "two_state": [("two_state", n) for n in grid]}
        sweep, runs = {}, {}
        for specs in families.values():
            for (name, n), (t, corr, sat, rule, res) in zip(specs, family(specs, r0)):
                sweep.setdefault(name, []).append(res)
                _point_row(points, name, n if name == "binary_design" else pairings_to_write(rule), r0, res)
                if n == own[name]:
                    runs[name] = (t, corr, sat, res)
        for t, corr, sat, rule, res in family([("bs2_hebbian3", HEBBIAN3_PAIRINGS)], r0):
            _point_row(points, "bs2_hebbian3", pairings_to_write(rule), r0, res)
            runs["bs2_hebbian3"] = (t, corr, sat, res)
        half = {name: runs[name][3]["value"] for name in own}
        curves, corr_use = {}, {}
        for name in own:
            t, corr, _, _ = runs[name]
            k = int(np.argmin(np.abs(t - config.use_period_s)))
            corr_use[name] = stats.estimate(np.nan_to_num(corr[k], nan=0.0))
            _curve_table(curves, name, t, corr)
        headline["half_life_s"] = half
        headline["correlation_after_use"] = corr_use
        headline["pairings_to_write"] = dict(own)
        kinds |= {f"pairings_to_write.{name}": ("closed-form" if name == "bs2_hebbian3" else "setting") for name in own}
        headline["exponent_vs_pairings"] = {name: exponent(grid, sweep[name], seed) for name in KNOB_RULES}

        # 2. against the use rate, at the common write speed (Hebbian3 at its own)
        by_rate = {name: {} for name in RULES}
        per_rate = {name: [] for name in RULES}
        for r in rates:
            for name in RULES:
                res = runs[name][3] if r == r0 else family([(name, own[name])], r)[0][4]
                if r != r0:
                    _point_row(points, name, own[name], r, res)
                by_rate[name][rate_key(r)] = res["value"]
                per_rate[name].append(res)
        headline["half_life_vs_rate_s"] = by_rate
        headline["exponent_vs_rate"] = {name: exponent(rates, per_rate[name], seed) for name in RULES}
        headline["failed_points"] = int(sum(x > 0 for x in points["failed"]))
        headline["simulated_points"] = len(points["failed"])

        # 3. dt check: the pair rules at a finer step over dt_check_s (1 ms: the sweep's run, cut)
        dtc = {k: [] for k in POINT_COLUMNS}
        check: dict = {"fine_step_ms": config.dt_check_ms}
        for name in ("additive", "multiplicative", "binary_burst"):
            t, corr, sat, _ = runs[name]
            keep = t <= config.dt_check_s * (1 + 1e-9)
            coarse = lifetime(t[keep], corr[keep], sat[keep], config.dt_check_s)
            fine = family([(name, own[name])], r0, config.dt_check_ms * 1e-3, config.dt_check_s)[0][4]
            row = {"dt_1ms": coarse["value"], "dt_fine": fine["value"]}
            a, b = np.array(coarse["times"]), np.array(fine["times"])
            if np.all(np.isfinite(a)) and np.all(np.isfinite(b)) and not (coarse["failed"] or fine["failed"]):
                row["difference_s"] = stats.estimate(b - a)
            check[name] = row
            _point_row(dtc, f"{name} dt=1ms", own[name], r0, coarse)
            _point_row(dtc, f"{name} dt={config.dt_check_ms:g}ms", own[name], r0, fine)
        headline["dt_check"] = check

        # 4. the second condition: a layer of IF outputs (output rates follow the weights)
        tables = {"tradeoff": points, "correlation_at_common_speed": curves, "dt_check": dtc}
        if config.layer:
            layer, ltab, lrate = {}, {}, {}
            for name in RULES:
                out = layer_run(name, own[name], config, seed)
                layer[name] = out["summary"]
                _curve_table(ltab, name, out["t"], out["corr"])
                lrate[f"{name}_t_s"] = [float(x) + 0.5 for x in range(out["rate"].shape[1])]
                lrate[f"{name}_rate_hz"] = out["rate"].mean(axis=0).tolist()
                bar.advance()
            headline["layer"] = layer
            tables["layer_correlation"] = ltab
            tables["layer_output_rate"] = lrate

    ap = make_rule("binary_burst", config.common_pairings, r0, dt).a_plus
    cont = BinaryBurst.balanced_at(r0, a_plus=ap)
    headline["binary_balanced_at_residual_drift_per_s"] = cont.drift(r0, dt=dt)
    best = max(RULES, key=lambda k: corr_use[k]["mean"])
    headline["use_period_s"] = config.use_period_s
    kinds["use_period_s"] = "setting"
    headline["use_modifies"] = {
        "highest_correlation_after_use": corr_use[best],
        "rules_changed": sum(corr_use[k]["ci95"][1] < 1.0 for k in RULES),
        "rules_kept_through_run": sum(stats.is_bound(half[k]) and "at_least" in half[k] for k in RULES),
        "rules": len(RULES)}
    notes = _notes(config, headline, best)
    return Result(headline, tables, notes, kinds)


def _notes(config: Config, h: dict, best: str) -> list[str]:
    return [
        f"Controlled condition: every synapse's pre and post neuron fire independent Poisson trains at the use "
        f"rate (default {config.rate_hz:g} Hz), so output rates are equal for every rule and cannot run away or fall "
        "silent; a synapse's own causal influence on its post neuron is left out. Every rule sees the same spike "
        "trains (same seed). dt = 1 ms (Brain Simulator II's cycle).",
        "Pairings to write: isolated causal pairings at the most effective lag from the lower bound to the stored "
        "high state, closed form: analog rules to mid-range, binary burst to theta, two-state the median number to "
        f"switch, Hebbian3 {HEBBIAN3_PAIRINGS} doublings from its floor 0.001. Compared at {config.common_pairings} "
        f"pairings; 'binary_design' is the article's synapse (a+ = 2 theta / 5: a burst of 5 writes w = 2 theta).",
        "Half-life: the time the correlation of the read values with the stored values falls to 0.5, interpolated in "
        f"log time between log-spaced samples ({config.samples_per_decade} per decade from "
        f"{config.first_sample_s:g} s) in each of {config.replicates} groups of {config.synapses_per_group} "
        "synapses; '>=' where a group did not get there within the run (a bound, not extrapolated); null where a "
        "group failed first (saturation; in the layer also silencing or runaway): see the failed and failure_s "
        "columns of the tables.",
        "Balance on the 1 ms grid: additive a- = a+ (e^(dt/tau-) - 1)/(1 - e^(-dt/tau+)) (all-to-all pairing); "
        "binary burst a- from the nearest-spike expectations at the use rate. The continuous-time "
        f"BinaryBurst.balanced_at({config.rate_hz:g}) would leave a drift of "
        f"{h['binary_balanced_at_residual_drift_per_s']:+.2g} per second on this grid at "
        f"{config.common_pairings} pairings to write ({h['binary_balanced_at_residual_drift_per_s'] * 60:+.2f} a "
        f"minute, against theta = {THETA}).",
        f"The rule that kept its values best after {config.use_period_s:g} s of use: {LABELS[best]}.",
    ]


# ---- figures ---------------------------------------------------------------------------------------

COLORS = {"additive": "#1f77b4", "multiplicative": "#ff7f0e", "binary_burst": "#2ca02c", "two_state": "#9467bd",
          "bs2_hebbian3": "#d62728", "binary_design": "#17becf"}
ALL = RULES + ("binary_design",)


def _rows(tab, rule, rate=None, pairings=None):
    """(x, half-life, low, high, bound, failed) rows of the trade-off table for one rule, sorted by x."""
    out = []
    for i, r in enumerate(tab["rule"]):
        if r != rule or (rate is not None and tab["rate_hz"][i] != rate):
            continue
        if pairings is not None and tab["pairings_to_write"][i] != pairings:
            continue
        x = tab["pairings_to_write"][i] if pairings is None else tab["rate_hz"][i]
        out.append((x, tab["half_life_s"][i], tab["ci95_low"][i], tab["ci95_high"][i], tab["bound"][i],
                    tab["failed"][i]))
    return sorted(out)


def _plot_points(ax, rows, color, label, top):
    """Estimates as dots with 95 % error bars joined by a line; lower bounds as open triangles
    pointing up ('>=' in the legend), upper bounds pointing down; failures (no half-life) as crosses
    at the top."""
    est = [r for r in rows if r[1] is not None and not r[4]]
    if est:
        x, y = [r[0] for r in est], [r[1] for r in est]
        ax.errorbar(x, y, yerr=[[r[1] - r[2] for r in est], [r[3] - r[1] for r in est]], fmt="o-", color=color,
                    ms=4, capsize=3, label=label)
    bound = [r for r in rows if r[1] is not None and r[4] == "at_least"]
    if bound:
        ax.plot([r[0] for r in bound], [r[1] for r in bound], "^", mfc="none", color=color, ms=9,
                label=f"{label}: \u2265 bound (run too short)")
    early = [r for r in rows if r[1] is not None and r[4] == "at_most"]
    if early:
        ax.plot([r[0] for r in early], [r[1] for r in early], "v", mfc="none", color=color, ms=9,
                label=f"{label}: \u2264 bound (before the first sample)")
    failed = [r for r in rows if r[1] is None]
    if failed:
        ax.plot([r[0] for r in failed], [top] * len(failed), "x", color=color, ms=9,
                label=f"{label}: failed (saturated)")


def figures(result: Result):
    from matplotlib.figure import Figure
    from matplotlib.ticker import NullFormatter, ScalarFormatter
    h = result.headline
    tab = result.tables["tradeoff"]
    rate0 = tab["rate_hz"][0]
    top = max([x for x in tab["ci95_high"] + tab["half_life_s"] if x is not None] + [1.0]) * 1.5
    fig = Figure(figsize=(12.5, 9))
    (a1, a2), (a3, a4) = fig.subplots(2, 2)
    jitter = dict(zip(ALL, (0.94, 0.97, 1.0, 1.03, 1.0, 1.07)))  # rules side by side at the same x
    for name in ALL:
        rows = [(r[0] * jitter[name],) + r[1:] for r in _rows(tab, name, rate=rate0)]
        _plot_points(a1, rows, COLORS[name], LABELS[name], top)
    run_s = max(float(x) for x in result.tables["correlation_at_common_speed"]["additive_t_s"])
    a1.axhline(run_s, color="#999", ls="--", lw=1)
    a1.text(tab["pairings_to_write"][0], run_s * 1.08, f"end of run ({run_s:g} s)", fontsize=7, color="#666")
    a1.axvline(h["pairings_to_write"]["additive"], color="#999", ls=":", lw=1)
    a1.set(xscale="log", yscale="log", xlabel="pairings to write (isolated causal pairings, closed form)",
           ylabel="half-life of stored values under use (s)",
           title=f"writing fast costs lifetime (use: {rate0:g} Hz, pre and post independent)")
    low = min([x for x in tab["ci95_low"] if x is not None and x > 0] + [run_s]) * 0.6
    a1.set_ylim(low, run_s * 40)  # room above the end of the run for the legend
    a1.legend(fontsize=7, loc="upper left", ncol=2)
    c = result.tables["correlation_at_common_speed"]
    for name in ALL:
        n = h["pairings_to_write"][name]
        a2.plot(c[f"{name}_t_s"], c[f"{name}_mean"], "-", color=COLORS[name], label=f"{LABELS[name]} ({n} pairings)")
        a2.fill_between(c[f"{name}_t_s"], c[f"{name}_low"], c[f"{name}_high"], color=COLORS[name], alpha=0.2, lw=0)
    a2.axhline(0.5, color="#999", ls=":")
    a2.set(xscale="log", xlabel="time in use (s)", ylabel="correlation of read values with stored values",
           ylim=(-0.15, 1.05), title=f"memory signal at the common write speed ({rate0:g} Hz; bands: 95 %)")
    a2.legend(fontsize=7, loc="lower left")
    top3 = max([x for x in tab["ci95_high"] if x is not None] + [1.0]) * 1.5
    for name in ALL:
        rows = [(r[0] * jitter[name],) + r[1:] for r in _rows(tab, name, pairings=h["pairings_to_write"][name])]
        _plot_points(a3, rows, COLORS[name], LABELS[name], top3)
    a3.set(xscale="log", yscale="log", xlabel="use rate, pre and post (Hz)", ylabel="half-life (s)",
           title="against activity (common write speed; Hebbian3 at its own 9 pairings)")
    a3.legend(fontsize=7, loc="upper right")
    for ax, ticks in ((a1, sorted(set(tab["pairings_to_write"]))), (a3, sorted(set(tab["rate_hz"])))):
        for axis in (ax.xaxis, ax.yaxis):
            axis.set_major_formatter(ScalarFormatter())
            axis.set_minor_formatter(NullFormatter())
        ax.set_xticks(ticks)
        ax.set_xticklabels([f"{x:g}" for x in ticks])
    lc = result.tables.get("layer_correlation")
    if lc:
        lr = result.tables["layer_output_rate"]
        ax2 = a4.twinx()
        for name in RULES:
            s = h["layer"][name]
            fails = ", ".join(w for m, w in (("silenced_replicates", "silenced"), ("runaway_replicates", "ran away"),
                                             ("saturated_replicates", "saturated")) if s[m])
            label = (f"{LABELS[name]}: {stats.fmt(s['output_rate_start_hz'], 2)} \u2192 "
                     f"{stats.fmt(s['output_rate_end_hz'], 2)} Hz" + (f" ({fails})" if fails else ""))
            a4.plot(lc[f"{name}_t_s"], lc[f"{name}_mean"], "-", color=COLORS[name], label=label)
            a4.fill_between(lc[f"{name}_t_s"], lc[f"{name}_low"], lc[f"{name}_high"], color=COLORS[name], alpha=0.2, lw=0)
            ax2.plot(lr[f"{name}_t_s"], np.maximum(lr[f"{name}_rate_hz"], 0.1), "--", color=COLORS[name], lw=1)
        ax2.set(yscale="log", ylabel="output rate, 1-s bins (Hz, dashed)")
        a4.axhline(0.5, color="#999", ls=":")
        a4.set(xscale="log", xlabel="time in use (s)", ylabel="correlation with stored values (solid; bands 95 %)",
               ylim=(-0.15, 1.05), title="second condition: IF output layer, starts at the use rate")
        a4.legend(fontsize=7, loc="lower left", title="output rate, first \u2192 last 10 % of the time run",
                  title_fontsize=7)
    else:
        a4.set_axis_off()
    fig.tight_layout()
    return [("use_drift", fig)]


# ---- what it found ----------------------------------------------------------------------------------

def _f(v, digits=2, unit="s"):
    return stats.fmt(v, digits, False, unit)


def _overlap(a, b) -> bool:
    """Whether two values' 95 % intervals (or a bound's half-line) overlap."""
    def span(v):
        if stats.is_estimate(v):
            return v["ci95"]
        if stats.is_bound(v):
            return [v["at_least"], math.inf] if "at_least" in v else [0.0, v["at_most"]]
        return None
    sa, sb = span(a), span(b)
    return sa is not None and sb is not None and sa[0] <= sb[1] and sb[0] <= sa[1]


def finding(result: Result) -> str:
    h = result.headline
    n = h["pairings_to_write"]["additive"]
    hl = h["half_life_s"]
    order = sorted((k for k in RULES if hl[k] is not None), key=lambda k: -stats.point(hl[k]))
    first, second = (order + [None, None])[:2]
    compare = ""
    if first and second:
        compare = (f" The longest-lived is {LABELS[first]}; its interval "
                   f"{'overlaps' if _overlap(hl[first], hl[second]) else 'lies above'} that of {LABELS[second]}.")
    b, a = hl["binary_burst"], hl["additive"]
    if b is not None and a is not None:
        if _overlap(a, b):
            compare += (" At equal write speed the half-lives of the binary burst synapse's bits and of additive "
                        "STDP's analog values have overlapping intervals.")
        else:
            compare += (" At equal write speed the binary burst synapse's bits were "
                        f"{'kept longer' if stats.point(b) > stats.point(a) else 'lost sooner'} than additive STDP's "
                        "analog values (intervals apart).")
    exps = h["exponent_vs_pairings"]
    scal = ", ".join(f"{LABELS[k]} n^{stats.fmt(exps[k], 2)}" for k in KNOB_RULES if exps[k] is not None)
    er = h["exponent_vs_rate"]
    rates = sorted(float(k[:-3].replace("p", ".")) for k in h["half_life_vs_rate_s"]["additive"])
    rscal = ", ".join(f"{LABELS[k]} r^{stats.fmt(er[k], 2)}" for k in RULES if er[k] is not None)
    failed, total = h["failed_points"], h["simulated_points"]
    text = (
        f"Under the same use for every rule (each synapse's pre and post neuron firing independent Poisson trains at "
        f"{result.tables['tradeoff']['rate_hz'][0]:g} Hz, so output rates are equal and no feedback can silence or run "
        f"away the layer; a synapse's own causal influence on its post neuron left out; plasticity always on; dt 1 ms; "
        f"half-lives over independent groups of synapses, 95 % intervals), the correlation of the read values with "
        f"the stored values fell to 0.5 at a matched write speed of {n} pairings after {_f(hl['additive'])} "
        f"(additive STDP, analog values), {_f(hl['binary_burst'])} (binary burst, bits), {_f(hl['multiplicative'])} "
        f"(multiplicative STDP), {_f(hl['two_state'])} (two-state stochastic), and {_f(hl['bs2_hebbian3'])} for "
        f"Brain Simulator II's Hebbian3, which has no speed knob and takes {h['pairings_to_write']['bs2_hebbian3']} "
        f"pairings to write; the binary burst synapse as designed (a burst of 5 writes w = 2 theta) lasted "
        f"{_f(hl['binary_design'])}.{compare} After {h['use_period_s']:g} s of use the best-kept values correlated "
        f"{stats.fmt(h['use_modifies']['highest_correlation_after_use'], 2)} with what was stored. Writing fast "
        f"costs lifetime: over the write-speed grid the half-life grows as {scal} (bootstrap 95 % intervals on the "
        f"exponents; points that outlast the run are bounds, drawn as such, and left out of the fit), and over "
        f"{rates[0]:g}-{rates[-1]:g} Hz of use it falls as {rscal}. In {failed} of the {total} simulated points "
        f"a group saturated before its correlation reached 0.5 (a failure, not a half-life). Pair-rule half-lives "
        f"at dt = {h['dt_check']['fine_step_ms']:g} ms: "
        + "; ".join(f"{LABELS[k]} {_f(h['dt_check'][k]['dt_fine'])} vs {_f(h['dt_check'][k]['dt_1ms'])} at 1 ms"
                    for k in ("additive", "multiplicative", "binary_burst")) + ".")
    if "layer" in h:
        L = h["layer"]
        parts = []
        for k in RULES:
            s = L[k]
            fails = [f"{s[m]} of {s['output_rate_start_hz']['n']} groups {w}"
                     for m, w in (("silenced_replicates", "silenced"), ("runaway_replicates", "ran away"),
                                  ("saturated_replicates", "saturated")) if s[m]]
            parts.append(f"{LABELS[k]} {stats.fmt(s['output_rate_start_hz'], 2)} -> "
                         f"{stats.fmt(s['output_rate_end_hz'], 2)} Hz, half-life "
                         f"{_f(s['half_life_s']) if s['half_life_s'] is not None else 'none (failed first)'}"
                         + (f" ({', '.join(fails)})" if fails else ""))
        text += (" In the second condition, a layer of IF outputs whose threshold was set per rule so that it "
                 "starts at the use rate, the outputs respond and their rates follow the weights (output rate over the "
                 "first and last 10 % of the simulated time; a run stops once every group has failed): "
                 + "; ".join(parts) + ". These are not a controlled comparison.")
    return text


def verdicts(result: Result) -> list:
    h = result.headline
    corr = h["correlation_after_use"]
    changed = [k for k in RULES if corr[k]["ci95"][1] < 1.0]
    kept = [k for k in RULES if stats.is_bound(h["half_life_s"][k]) and "at_least" in h["half_life_s"][k]]
    if not changed:
        verdict = "refuted"
    elif len(changed) < len(RULES) or kept:
        verdict = "qualified"
    else:
        verdict = "supported"
    n = h["pairings_to_write"]["additive"]
    extra = ""
    if kept:
        extra = " Kept through the run: " + ", ".join(f"{LABELS[k]} (half-life {_f(h['half_life_s'][k])})" for k in kept)
    if len(changed) < len(RULES):
        extra += " Unchanged within the interval: " + ", ".join(LABELS[k] for k in RULES if k not in changed)
    return [Verdict(
        claim="use-modifies", verdict=verdict, headline="use_modifies.highest_correlation_after_use",
        criterion=(f"supported if, for every rule written at the common speed ({n} pairings; Hebbian3 at its own "
                   f"{h['pairings_to_write']['bs2_hebbian3']}), the upper end of the 95 % interval of the correlation "
                   f"with the stored values after {h['use_period_s']:g} s of use lies below 1 (the values changed) and "
                   "every half-life is measured within the run; qualified if some rule's values did not change "
                   "measurably or outlasted the run (a bound); refuted if no rule's values changed"),
        conditions=(f"every synapse's pre and post neuron fire independent Poisson trains at "
                    f"{result.tables['tradeoff']['rate_hz'][0]:g} Hz (equal output rates, no feedback), plasticity "
                    f"always on, dt 1 ms; lifetimes grow with the pairings a write takes and fall with the use rate "
                    f"(figure).{extra}"))]


register_experiment(Experiment(
    name="use-drift",
    question="What does using a network do to the values stored in its plastic synapses, rule by rule, at the same "
             "write speed?",
    about=("Values are stored in plastic synapses and the network is then simply used: random activity, with "
           "plasticity running as it always does. The controlled condition gives every rule the same use (each "
           "synapse's pre and post neuron fire independent Poisson trains at the same rate, so output rates are equal "
           "and nothing can run away) and the same write speed (each rule's learning rate set so a write takes the "
           "same number of pairings). Top left: the lifetime of the stored values (half-life of their correlation "
           "with what was read) against the pairings a write takes, one curve per rule: writing fast costs lifetime. "
           "Top right: the memory signal over time at the common write speed. Bottom left: the lifetime against the "
           "use rate. Bottom right: a layer of IF outputs, where output rates follow the weights and can fall silent "
           "or run away. It tests the article's claim that any use of the network modifies the weights stored in "
           "it."),
    config=Config, quick=dict(),
    full=dict(replicates=20, synapses_per_group=500, pairings=(1, 2, 3, 5, 8, 12, 20, 32, 64),
              rates_hz=(2.5, 5.0, 10.0, 20.0, 40.0), duration_s=600.0, dt_check_s=120.0, layer_s=120.0),
    run=run, figures=figures,
    summary=(
        Headline("half_life_s.additive", "half-life of stored analog values under use, additive STDP written in 5 "
                 "pairings (10 Hz pre and post)", "s", digits=2),
        Headline("half_life_s.binary_burst", "half-life of stored bits under the same use, binary burst synapse "
                 "written in 5 pairings", "s", digits=2),
        Headline("half_life_s.bs2_hebbian3", "half-life under the same use, Brain Simulator II Hebbian3 (9 pairings "
                 "to write, no knob)", "s", digits=2),
        Headline("use_modifies.highest_correlation_after_use", "correlation with the stored values after 60 s of "
                 "use, best-keeping rule (1 = unchanged)", "", digits=2),
    ),
    finding=finding, verdicts=verdicts))
