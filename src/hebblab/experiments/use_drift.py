r"""use-drift: what using a network does to what its plastic synapses store.

Bits are stored in plastic synapses; then the network is "used": its neurons fire at random and
every rule keeps running, as plasticity does in a brain. The memory measure is the information
retained: the mutual information per synapse between the stored and the read bits,

    I = sum_{s, x in {0, 1}} P(s, x) log2 [P(s, x) / (P(s) P(x))]        (Shannon 1948)

(plug-in estimate in each group of synapses; 1 bit at the write for balanced random bits), and
the lifetime is the time it falls to half its initial value, interpolated in log time between
log-spaced samples in each replicate. A replicate is an independent group of synapses inside one
network (its own pre and post neurons). Beside it: the fraction read correctly, balanced over the
two stored values, ``(P(read 1 | 1) + P(read 0 | 0)) / 2``.

The same bits in every rule. Every rule stores the same random bits (same seed, one draw), each
written as two levels and read with a threshold midway between them: the analog rules (additive,
multiplicative, Hebbian3) store a 0 at the lower bound and a 1 at the level ``n`` isolated
pairings reach from it, read as ``w >= (low + high) / 2``; the binary burst synapse stores a 0 at
w = 0 and a 1 at ``n a+`` (n pairings, the write), read as its own bit ``w >= theta``; the
two-state synapse stores 0 or 1, read as its state. The stored margin of each rule is the
distance of its stored levels from its read threshold in steps of that rule at the most effective
(zero) lag: ``(high - threshold) / a-`` depression steps for a 1 and ``(threshold - low) / a+``
potentiation steps for a 0 (for the multiplicative rules the number of multiplicative steps; the
two-state synapse is one switch away, taken with probability q per candidate event).
Secondary result, labelled as such: for the analog rules the correlation of analog values
(uniform in [stored_low, stored_high] of the range) read as w with those stored, and its
half-life; the article says analog storage cannot be kept.

Same use for every rule (the controlled condition). Each synapse joins its own pre and post
neuron, and both fire independent Poisson trains at the same rate r (``PoissonSource`` on both
sides, ``one_to_one`` synapses), so output rates are equal by construction and no feedback can
silence or run away the layer. Left out on purpose: a synapse's own causal influence on its post
neuron (the second condition keeps it). Every network is built with the same seed and the same
two populations first, so every rule sees the same spike trains in replicate g: differences
between rules are paired by replicate. dt = 1 ms, Brain Simulator II's cycle, in which Hebbian3
is defined.

One definition of write speed for every rule: the expected (mean) number ``n`` of isolated causal
pairings (at the most effective lag, far apart) that write a synapse, i.e. take it from its 0 to
its 1. Each rule family has one knob, set from n:

* ``additive``: pair STDP, mu = 0, all-to-all, hard bounds [0, 1]; a lag-0 pairing adds a+, so
  ``a+ = 0.5 / n`` writes the 1 at 0.5 in exactly n pairings. ``a-`` balances the window on the
  1 ms grid (:func:`balanced_all_to_all`), so uncorrelated activity gives no mean drift there.
* ``multiplicative``: pair STDP, mu = 1, a+ = a-, all-to-all: a pairing maps ``1 - w`` to
  ``(1 - a)(1 - w)``; ``a = 1 - 2^(-1/n)`` writes the 1 at 0.5 in exactly n pairings.
* ``binary_burst``: nearest-spike additive STDP read as the bit ``w >= theta``;
  ``a+ = theta / (n - 1/2)``: n pairings end half a step above theta. ``a-`` zeroes the
  nearest-spike drift at the reference rate on the 1 ms grid (``BinaryBurst.balanced_at(r0,
  dt=1 ms)``). ``binary_design`` is the article's synapse: a+ = 2 theta / 5, a burst of 5 pairings
  writes w = 2 theta (3 pairings reach theta).
* ``two_state``: Amit & Fusi's two-state stochastic synapse (Neural Comput. 1994): a candidate
  event switches with probability q, so the number of pairings to switch is geometric with mean
  1 / q; ``q = 1 / n``. The other definitions give other q: the median ``q = 1 - 2^(-1/n)`` (the
  first version's) and the 95 % point ``q = 1 - 0.05^(1/n)``; both are simulated at the common
  speed (``write_speed_sensitivity``). For the deterministic rules all three definitions give n.
* ``bs2_hebbian3``: Brain Simulator II's Hebbian3 has no knob: a pairing at a 1-cycle lag doubles
  w, ``n = ceil(log2(0.5 / 0.001)) = 9`` from its floor to w = 0.512. One point.

Every knob rule is simulated on a grid of write speeds (the trade-off: lifetime against n, and its
log-log slope with a bootstrap interval over replicates) and at the common speed
``common_pairings`` (simulated, never interpolated), where the rules are compared.

One rule per family. Every rule is tuned once, at the reference use rate ``rate_hz`` and dt = 1 ms
(binary's and additive's a- balance). The rate sweep uses these same rules at every rate (a rule
balanced at 10 Hz drifts at other rates: :meth:`BinaryBurst.drift`, ``binary_drift_per_s``);
the binary rule re-balanced at each rate is shown beside it, labelled ``binary_retuned``. The dt
check runs the SAME rules (the same a+ and a-) on a grid of step ``dt_check_ms``.

Theory checked in the tests (on the step grid, p = r dt). Two-state, exactly: couple two copies
of a synapse on the same spikes and the same switch draws, one storing 1 and one 0; they differ
until the first successful candidate event, so ``P(read 1 | 1) - P(read 1 | 0) = E[(1 - q)^N(t)]``,
N(t) the number of candidate events, which come in clusters (several pre arrivals within the
window of one post spike). :func:`two_state_exact` computes both read probabilities from the
Markov chain of (last-pre age, last-post age, coupled state); to first order in q the signal
decays as ``exp(-q (lambda+ + lambda-) t)``, ``lambda+ = r (1 - (1 - p)^(W/dt + 1))``, ``lambda- =
r (1 - (1 - p)^(W/dt))``. The clusters make the decay slower than first order: at q = 0.129 (the
first version's 5-pairing point) the exact correlation half-life is 1.49 s against 1.44 s to first
order (3.8 % longer; that version's docstring said "about 5 %"; its 5-replicate simulations,
1.40-1.73 s, bracket the exact value), at q = 0.2 (5 pairings now) the exact information
half-life is 0.360 s against 0.334 s to first order (7.7 % longer).
Balanced additive all-to-all STDP has zero mean drift on its grid, a diffusion
``[Var = r^2 t (a+^2 tau+ + a-^2 tau-) / 2]``, and the drift :func:`all_to_all_drift` on another
grid; the nearest-spike drift is ``BinaryBurst.drift(r, dt=dt)``.

The second condition: ``replicates`` independent layers of ``layer_in`` Poisson inputs at the use
rate onto ``layer_out`` IF neurons (Brain Simulator II cycles, leak per cycle), all to all within
a layer, the same rules at the common write speed storing the same kind of bits, every rule's
layer fed the same input trains. The IF threshold is set per rule by bisection with the stored
weights frozen so that the frozen layer fires at the use rate; then plasticity runs, a synapse
influences its post neuron, and the output rates follow the weights: the rate in the first and
last 1-s bins is reported (bootstrap intervals over replicates, which respect rate >= 0). This
condition is not a controlled comparison.

Failure modes are reported as such, never as lifetimes: saturation (more than
``saturation_fraction`` of a group's synapses at one bound or of its read bits equal) with the
time it happened; in the IF layer also silencing (output rate below ``silent_hz`` in a 1-s bin) and
runaway (above ``runaway_hz``); a layer's run stops once every group has failed. A replicate that
fails before its information reaches half has no lifetime. A lifetime longer than the run is a
lower bound (:func:`hebblab.stats.censored`), never extrapolated.
"""

from __future__ import annotations

import hashlib
import math
from typing import Annotated

import numpy as np
from pydantic import Field, ValidationInfo, field_validator

from .. import checkpoint, stats
from ..network import Network
from ..neurons import IF, PoissonSource
from ..plasticity import BinaryBurst, BS2Hebbian3, PairSTDP, TwoStateStochastic
from ..plasticity.bs2_hebbian3 import FLOOR
from ..si import ms
from .base import Experiment, ExperimentConfig, Headline, Result, Verdict, progress_bar, register_experiment

RULES = ("additive", "multiplicative", "binary_burst", "two_state", "bs2_hebbian3")
KNOB_RULES = RULES[:4]
ANALOG_RULES = ("additive", "multiplicative", "bs2_hebbian3")
LABELS = {"additive": "additive STDP", "multiplicative": "multiplicative STDP", "binary_burst": "binary burst",
          "two_state": "two-state stochastic", "bs2_hebbian3": "BS2 Hebbian3",
          "binary_design": "binary burst as designed (a+ = 2 theta / 5)",
          "binary_retuned": "binary burst, a- re-balanced at each rate",
          "two_state_median": "two-state matched by the median", "two_state_p95": "two-state matched by the 95 % point"}
TAU_PLUS, TAU_MINUS = 16.8 * ms, 33.7 * ms
THETA = 0.2
#: Brain Simulator II's Hebbian3: pairings at its most effective lag (1 cycle, x2) from the floor to 0.5.
HEBBIAN3_PAIRINGS = math.ceil(math.log2(0.5 / FLOOR) - 1e-9)
#: The article's binary synapse: one burst of 5 pairings takes w from 0 to 2 theta.
DESIGN_BURST = 5
DT = 1e-3  # Brain Simulator II's cycle: the step of every run but the dt check
PairingsGrid = tuple[Annotated[int, Field(ge=1, le=1000)], ...]
RateGrid = tuple[Annotated[float, Field(gt=0, le=200)], ...]


class Config(ExperimentConfig):
    replicates: int = Field(5, ge=2, le=1000, description="independent groups of synapses per network (replicates)")
    synapses_per_group: int = Field(200, ge=10, le=100_000, description="synapses in each group (controlled condition)")
    rate_hz: float = Field(10.0, gt=0, le=200, description="use: rate of every pre and post neuron (Hz); the rules "
                                                           "are tuned at this rate")
    pairings: PairingsGrid = Field((2, 5, 12, 32), min_length=2, max_length=32,
                                   description="write-speed grid: mean isolated pairings to write a synapse")
    common_pairings: int = Field(5, ge=1, le=1000, description="the common write speed compared (mean pairings)")
    rates_hz: RateGrid = Field((5.0, 10.0, 20.0), min_length=1, max_length=16, description="use rates of the rate sweep (Hz)")
    duration_s: float = Field(120.0, ge=1, le=100_000, description="length of the use period sampled (s)")
    use_period_s: float = Field(60.0, ge=0.5, le=100_000, validate_default=True,
                                description="use after which the information kept is compared (s, <= duration_s)")
    first_sample_s: float = Field(0.05, gt=0, le=100, validate_default=True,
                                  description="first sampling time (s, < use_period_s)")
    samples_per_decade: int = Field(8, ge=2, le=100, description="log-spaced samples per decade of time")
    stored_low: float = Field(0.1, ge=0, lt=1, description="secondary result, analog values stored: lowest, as a "
                                                           "fraction of the range")
    stored_high: float = Field(0.9, gt=0, le=1, validate_default=True,
                               description="secondary result, analog values stored: highest (> stored_low)")
    saturation_fraction: float = Field(0.9, gt=0.5, le=1, description="saturated: this fraction at one bound")
    dt_check_ms: float = Field(0.1, gt=0, le=1, description="finer step for the pair rules' dt check (ms)")
    dt_check_s: float = Field(60.0, gt=0, le=100_000, validate_default=True,
                              description="length of the dt check's runs (s, <= duration_s)")
    retuned_binary: bool = Field(True, description="rate sweep: also show the binary rule re-balanced at each rate")
    layer: bool = Field(True, description="also run the second condition: a layer of IF outputs")
    layer_in: int = Field(100, ge=2, le=10_000, description="IF layer: inputs per group")
    layer_out: int = Field(10, ge=1, le=10_000, description="IF layer: outputs per group")
    layer_leak: float = Field(0.2, ge=0, le=1, description="IF layer: leak per 1 ms cycle")
    layer_s: float = Field(30.0, ge=2, le=100_000, description="IF layer: length of the use period (s)")
    silent_hz: float = Field(1.0, ge=0, le=100, description="IF layer: silenced below this output rate (Hz, 1-s bins)")
    runaway_hz: float = Field(100.0, gt=0, le=1000, validate_default=True,
                              description="IF layer: runaway above this output rate (Hz, 1-s bins; > silent_hz)")

    @field_validator("use_period_s", "dt_check_s")
    @classmethod
    def _within_the_run(cls, v, info: ValidationInfo):
        run = info.data.get("duration_s")
        if run is not None and v > run:
            raise ValueError(f"{info.field_name} = {v:g} s lies past the run: allowed 0 < {info.field_name} <= "
                             f"duration_s = {run:g} s")
        return v

    @field_validator("first_sample_s")
    @classmethod
    def _before_the_use(cls, v, info: ValidationInfo):
        use = info.data.get("use_period_s")
        if use is not None and v >= use:
            raise ValueError(f"first_sample_s = {v:g} s: allowed 0 < first_sample_s < use_period_s = {use:g} s")
        return v

    @field_validator("stored_high")
    @classmethod
    def _above_low(cls, v, info: ValidationInfo):
        low = info.data.get("stored_low")
        if low is not None and v <= low:
            raise ValueError(f"stored_high = {v:g}: allowed stored_low = {low:g} < stored_high <= 1")
        return v

    @field_validator("runaway_hz")
    @classmethod
    def _above_silent(cls, v, info: ValidationInfo):
        low = info.data.get("silent_hz")
        if low is not None and v <= low:
            raise ValueError(f"runaway_hz = {v:g}: allowed silent_hz = {low:g} < runaway_hz <= 1000")
        return v


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


def all_to_all_drift(rule: PairSTDP, rate_hz: float, dt: float) -> float:
    r"""Mean dw/dt of additive all-to-all pair STDP under independent Poisson pre and post at
    ``rate_hz`` on a grid of step dt (expectations of :func:`balanced_all_to_all`):
    ``r (a+ p / (1 - e^(-dt/tau+)) - a- p e^(-dt/tau-) / (1 - e^(-dt/tau-)))``, p = r dt."""
    p = rate_hz * dt
    ex = p / -math.expm1(-dt / rule.tau_plus)
    ey = p * math.exp(-dt / rule.tau_minus) / -math.expm1(-dt / rule.tau_minus)
    return rate_hz * (rule.a_plus * ex - rule.a_minus * ey)


def make_rule(name: str, n: int, tune_rate_hz: float, tune_dt: float = DT):
    """The rule of family ``name`` whose mean number of pairings to write is ``n`` (module
    docstring), balanced where it needs it at ``tune_rate_hz`` on the grid ``tune_dt``."""
    if name == "additive":
        ap = 0.5 / n
        return PairSTDP(a_plus=ap, a_minus=balanced_all_to_all(ap, tune_dt), mu=0.0, pairing="all-to-all")
    if name == "multiplicative":
        a = -math.expm1(-math.log(2) / n)
        return PairSTDP(a_plus=a, a_minus=a, mu=1.0, pairing="all-to-all")
    if name in ("binary_burst", "binary_retuned"):
        return BinaryBurst.balanced_at(tune_rate_hz, dt=tune_dt, theta=THETA, a_plus=THETA / (n - 0.5))
    if name == "binary_design":
        return BinaryBurst.balanced_at(tune_rate_hz, dt=tune_dt, theta=THETA, a_plus=2 * THETA / DESIGN_BURST)
    if name == "two_state":
        return TwoStateStochastic(q=1.0 / n)
    if name == "two_state_median":
        return TwoStateStochastic(q=-math.expm1(-math.log(2) / n))
    if name == "two_state_p95":
        return TwoStateStochastic(q=-math.expm1(math.log(0.05) / n))
    if name == "bs2_hebbian3":
        return BS2Hebbian3()
    raise ValueError(f"unknown rule family {name!r}")


def pairings_to_write(rule) -> dict:
    """Isolated causal pairings at the most effective lag that write a synapse (its 0 to its 1),
    closed form: ``{"mean", "median", "p95"}``. Deterministic rules: all three are the count to the
    stored 1 (mid-range for the pair rules, theta for the binary burst synapse, 9 doublings for
    Hebbian3). Two-state: the geometric law, mean 1/q, median and 95 % point
    ``ceil(ln(1 - P) / ln(1 - q))``."""
    if isinstance(rule, TwoStateStochastic):
        q = rule.q_plus
        if q >= 1.0:
            return {"mean": 1.0, "median": 1, "p95": 1}
        k = [math.ceil(math.log(1 - P) / math.log1p(-q) - 1e-9) for P in (0.5, 0.95)]
        return {"mean": 1.0 / q, "median": k[0], "p95": k[1]}
    if isinstance(rule, BinaryBurst):
        k = math.ceil(rule.theta / rule.a_plus - 1e-9)
    elif isinstance(rule, PairSTDP) and rule.mu == 0:
        k = math.ceil(0.5 * rule.w_max / rule.a_plus - 1e-9)
    elif isinstance(rule, PairSTDP) and rule.mu == 1:
        k = math.ceil(math.log(0.5) / math.log1p(-rule.a_plus) - 1e-9)
    elif isinstance(rule, BS2Hebbian3):
        k = HEBBIAN3_PAIRINGS
    else:
        raise ValueError(f"no closed form for {rule!r}")
    return {"mean": float(k), "median": k, "p95": k}


def bit_levels(name: str, rule, n: int) -> tuple[float, float, float]:
    """(stored 0, stored 1, read threshold) of a rule writing a bit in ``n`` pairings: the low
    bound; the level n isolated lag-0 pairings reach from it; midway (binary burst: theta)."""
    if isinstance(rule, TwoStateStochastic):
        return rule.w_low, rule.w_high, 0.5 * (rule.w_low + rule.w_high)
    if isinstance(rule, BinaryBurst):
        k = DESIGN_BURST if name == "binary_design" else n
        return 0.0, min(k * rule.a_plus, 1.0), rule.theta
    if isinstance(rule, PairSTDP):
        high = min(n * rule.a_plus, rule.w_max) if rule.mu == 0 else rule.w_max * -math.expm1(n * math.log1p(-rule.a_plus))
        return 0.0, high, 0.5 * high
    if isinstance(rule, BS2Hebbian3):
        high = min(FLOOR * 2.0 ** HEBBIAN3_PAIRINGS, 1.0)
        return FLOOR, high, 0.5 * (FLOOR + high)
    raise ValueError(f"no bit levels for {rule!r}")


def stored_margin(rule, levels) -> dict:
    """Distance of the stored levels from the read threshold in the rule's own steps at the most
    effective lag: ``one`` = depression steps that take a stored 1 to the threshold, ``zero`` =
    potentiation steps that take a stored 0 to it (multiplicative rules: multiplicative steps,
    e.g. ``ln(high / threshold) / -ln(1 - a-)``; two-state: one switch each)."""
    low, high, thr = levels
    if isinstance(rule, TwoStateStochastic):
        return {"one": 1.0, "zero": 1.0}
    if isinstance(rule, BS2Hebbian3):  # lag 1 cycle: x 0.5 / x 2
        return {"one": math.log(high / thr) / math.log(2.0), "zero": math.log(thr / low) / math.log(2.0)}
    if isinstance(rule, PairSTDP) and rule.mu == 1:
        return {"one": math.log(high / thr) / -math.log1p(-rule.a_minus),
                "zero": math.log((rule.w_max - thr) / (rule.w_max - low)) / math.log1p(-rule.a_plus)}
    return {"one": (high - thr) / rule.a_minus, "zero": (thr - low) / rule.a_plus}


# ---- the two-state synapse, exactly --------------------------------------------------------------

def two_state_exact(rule: TwoStateStochastic, rate_hz: float, dt: float, steps) -> tuple[np.ndarray, np.ndarray]:
    r"""``P(read 1 | stored 1)`` and ``P(read 1 | stored 0)`` after each number of ``steps`` of
    independent Poisson use at ``rate_hz`` on the grid dt, exactly (module docstring).

    The chain: a = steps since the last pre arrival (capped at W+ = window_plus / dt), b = steps
    since the last post spike (capped at W-), c = the coupled pair's state (U: the copies storing 1
    and 0 still differ; H, L: they agree, on 1 or 0). In a step pre fires with probability p and
    post with p. A pre arrival with b + 1 <= W- is a candidate depression (switch to L with q-),
    then a post spike with a pre in the same step or a + 1 <= W+ a candidate potentiation (switch
    to H with q+): pre arrivals are processed before post spikes. Start: no spike yet (caps).
    ``P(1 | 1) = P(U) + P(H)``, ``P(1 | 0) = P(H)``.
    """
    from scipy.sparse import csr_matrix
    p = rate_hz * dt
    wp, wm = int(round(rule.window_plus / dt)), int(round(rule.window_minus / dt))
    qp, qm = rule.q_plus, rule.q_minus
    A, B = wp + 1, wm + 1
    rows, cols, vals = [], [], []

    def idx(c, a, b):
        return (c * A + a) * B + b

    for a in range(A):
        for b in range(B):
            for x in (0, 1):
                for y in (0, 1):
                    pr = (p if x else 1 - p) * (p if y else 1 - p)
                    d = qm if (x and b <= wm - 1) else 0.0
                    u = qp if (y and (x or a <= wp - 1)) else 0.0
                    a2, b2 = (0 if x else min(a + 1, wp)), (0 if y else min(b + 1, wm))
                    moves = ((0, ((0, (1 - d) * (1 - u)), (1, u), (2, d * (1 - u)))),
                             (1, ((1, 1 - d + d * u), (2, d * (1 - u)))),
                             (2, ((2, 1 - u), (1, u))))
                    for c, out in moves:
                        for c2, w in out:
                            if w > 0:
                                rows.append(idx(c2, a2, b2))
                                cols.append(idx(c, a, b))
                                vals.append(pr * w)
    n = 3 * A * B
    M = csr_matrix((vals, (rows, cols)), shape=(n, n))
    v = np.zeros(n)
    v[idx(0, wp, wm)] = 1.0
    steps = np.asarray(steps, dtype=np.int64)
    hit, fa = np.empty(steps.size), np.empty(steps.size)
    done = 0
    for k, s in sorted(enumerate(steps), key=lambda e: e[1]):
        for _ in range(int(s) - done):
            v = M @ v
        done = int(s)
        u3 = v.reshape(3, -1).sum(axis=1)
        hit[k], fa[k] = u3[0] + u3[1], u3[1]
    return hit, fa


def two_state_first_order(rule: TwoStateStochastic, rate_hz: float, dt: float) -> tuple[float, float]:
    """(decay rate k, stationary P(1)) to first order in q: k = q (lambda+ + lambda-) (module
    docstring), P(1) = q+ lambda+ / (q+ lambda+ + q- lambda-)."""
    p = rate_hz * dt
    lp = rate_hz * (1 - (1 - p) ** (round(rule.window_plus / dt) + 1))
    lm = rate_hz * (1 - (1 - p) ** round(rule.window_minus / dt))
    k = rule.q_plus * lp + rule.q_minus * lm
    return k, rule.q_plus * lp / k


def two_state_first_order_lifetime(rule: TwoStateStochastic, rate_hz: float, dt: float = DT) -> float:
    """Information half-life (balanced bits) to first order in q: a two-state Markov chain with
    ``P(1 | 1) = P1 + (1 - P1) e^(-k t)``, ``P(1 | 0) = P1 (1 - e^(-k t))`` (bisection in t)."""
    k, p1 = two_state_first_order(rule, rate_hz, dt)

    def info(t):
        e = math.exp(-k * t)
        return float(channel_information(p1 + (1 - p1) * e, p1 * (1 - e)))

    lo, hi = 0.0, 1.0 / k
    while info(hi) > 0.5:
        hi *= 2
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if info(mid) > 0.5 else (lo, mid)
    return 0.5 * (lo + hi)


def binary_entropy(p) -> np.ndarray:
    p = np.clip(np.asarray(p, dtype=float), 0.0, 1.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        h = -(p * np.log2(p) + (1 - p) * np.log2(1 - p))
    return np.nan_to_num(h, nan=0.0)


def channel_information(hit, false_alarm, p_one: float = 0.5) -> np.ndarray:
    """Mutual information (bits) of stored bits (P(1) = p_one) and bits read with
    P(read 1 | 1) = hit, P(read 1 | 0) = false_alarm: ``H(read) - H(read | stored)``."""
    hit, fa = np.asarray(hit, float), np.asarray(false_alarm, float)
    return binary_entropy(p_one * hit + (1 - p_one) * fa) - p_one * binary_entropy(hit) - (1 - p_one) * binary_entropy(fa)


def two_state_lifetime_exact(rule, rate_hz: float, dt: float = DT, limit_s: float = 1000.0) -> float:
    """Time the exact information (balanced bits) falls to half of its initial 1 bit, interpolated
    in log time between steps (inf past ``limit_s``)."""
    chunk = 200
    done, prev = 0, (0, 1.0)
    while done * dt < limit_s:
        steps = np.arange(done + 1, done + chunk + 1)
        info = channel_information(*two_state_exact(rule, rate_hz, dt, steps))
        below = np.flatnonzero(info <= 0.5)
        if below.size:
            k = int(below[0])
            s0, i0 = (prev if k == 0 else (steps[k - 1], info[k - 1]))
            s1, i1 = steps[k], info[k]
            if s0 == 0:
                return float(s1 * dt)
            l0, l1 = math.log(s0), math.log(s1)
            return float(math.exp(l0 + (l1 - l0) * (i0 - 0.5) / (i0 - i1)) * dt)
        prev = (steps[-1], info[-1])
        done += chunk
        chunk *= 2
    return math.inf


# ---- measuring ------------------------------------------------------------------------------------

def sample_times(duration_s: float, first_s: float, per_decade: int, extra=()) -> np.ndarray:
    """Log-spaced sampling times ``first * 10^(k / per_decade)`` up to ``duration``, plus ``extra``."""
    k = np.arange(0, int(math.floor(per_decade * math.log10(max(duration_s / first_s, 1.0)) + 1e-9)) + 1)
    t = first_s * 10.0 ** (k / per_decade)
    t = np.concatenate([t[t < duration_s], [duration_s], [x for x in extra if x <= duration_s]])
    return np.unique(t)


def mutual_information(stored: np.ndarray, read: np.ndarray) -> np.ndarray:
    """Plug-in mutual information (bits) between stored and read bits, per row (group)."""
    s, r = np.asarray(stored, bool), np.asarray(read, bool)
    m = s.shape[-1]
    n11, n10, n01 = (s & r).sum(-1), (s & ~r).sum(-1), (~s & r).sum(-1)
    n00 = m - n11 - n10 - n01
    ps, pr = (n11 + n10) / m, (n11 + n01) / m
    total = np.zeros(np.shape(n11))
    for n, a, b in ((n11, ps, pr), (n10, ps, 1 - pr), (n01, 1 - ps, pr), (n00, 1 - ps, 1 - pr)):
        pj = n / m
        with np.errstate(divide="ignore", invalid="ignore"):
            total += np.where(pj > 0, pj * np.log2(pj / (a * b)), 0.0)
    return total


def balanced_correct(stored: np.ndarray, read: np.ndarray) -> np.ndarray:
    """Fraction read correctly, balanced over the two stored values: ``(P(1 | 1) + P(0 | 0)) / 2``."""
    s, r = np.asarray(stored, bool), np.asarray(read, bool)
    with np.errstate(invalid="ignore"):
        return 0.5 * ((s & r).sum(-1) / s.sum(-1) + (~s & ~r).sum(-1) / (~s).sum(-1))


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


def half_life(t: np.ndarray, signal: np.ndarray) -> tuple[float, str]:
    """Time a signal that is 1 at time 0 first falls to 0.5, interpolated linearly in log time
    between samples.

    Returns ``(time, status)``: ``"measured"``; ``"censored"`` (never reached: time = inf, a
    bound, never extrapolated); ``"early"`` (already below at the first sample: time = t[0], an
    upper bound). nan counts as 0 (no spread).
    """
    c = np.nan_to_num(np.asarray(signal, dtype=float), nan=0.0)
    below = np.flatnonzero(c <= 0.5)
    if not below.size:
        return math.inf, "censored"
    k = int(below[0])
    if k == 0:
        return float(t[0]), "early"
    t0, t1, c0, c1 = math.log(t[k - 1]), math.log(t[k]), c[k - 1], c[k]
    return float(math.exp(t0 + (t1 - t0) * (c0 - 0.5) / (c0 - c1))), "measured"


def lifetime(t: np.ndarray, signal: np.ndarray, failed: np.ndarray, limit: float) -> dict:
    """Lifetime over replicates (columns of ``signal``/``failed``, rows = sample times), the
    signal normalised to 1 at the write.

    A replicate that fails (saturation; in the IF layer also silencing or runaway) before, or
    without, reaching 0.5 is a failure, not a lifetime. Returns ``value`` (an estimate over the
    replicates, a bound, or None if any replicate failed), the per-replicate ``times`` and
    ``status``, ``failed`` (count) and ``failure_s`` (the earliest failure time, or None).
    """
    times, status, fail_t = [], [], []
    for g in range(signal.shape[1]):
        hl, st = half_life(t, signal[:, g])
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
        value = stats.at_most(float(t[0]), "fell below half before the first sample")
    else:
        value = stats.censored(times, limit, "")
    return dict(value=value, times=times, status=status, failed=n_fail,
                failure_s=min(fail_t) if min(fail_t) < math.inf else None)


def read_bits(w: np.ndarray, threshold: float) -> np.ndarray:
    """The bit a synapse holds, read with its threshold: ``w >= threshold``."""
    return np.asarray(w, dtype=float) >= threshold


class Probe:
    """One projection under measurement: a rule storing bits (``kind="bits"``: the same random bits
    in every rule, written at two levels, read with a threshold) or analog values (``"values"``)."""

    def __init__(self, name: str, n: int, rule, kind: str, groups: int):
        self.name, self.n, self.rule, self.kind, self.groups = name, n, rule, kind, groups
        self.levels = bit_levels(name, rule, n)
        self.stored = None

    def initial(self, n_syn: int, config: Config, seed: int) -> np.ndarray:
        """Initial weights (and ``stored``, groups x synapses): bits from one draw of the seed, so
        every rule stores the same bits; analog values from another."""
        bits = np.random.default_rng([seed, 17]).random(n_syn) < 0.5
        if self.kind == "values":
            lo, hi = self.rule.bounds()
            u = np.random.default_rng([seed, 18]).uniform(config.stored_low, config.stored_high, n_syn)
            w0 = lo + (hi - lo) * u
            self.stored = w0.reshape(self.groups, -1)
            return w0
        low, high, _ = self.levels
        self.stored = bits.reshape(self.groups, -1)
        return np.where(bits, high, low)

    def measure(self, w: np.ndarray, config: Config) -> dict:
        w = np.asarray(w, dtype=float).reshape(self.groups, -1)
        if self.kind == "values":
            return {"signal": group_correlation(w, self.stored),
                    "sat": saturated(w, w, self.rule.bounds(), False, config.saturation_fraction)}
        r = read_bits(w, self.levels[2])
        return {"info": mutual_information(self.stored, r), "correct": balanced_correct(self.stored, r),
                "sat": saturated(w, r.astype(float), self.rule.bounds(), True, config.saturation_fraction)}


def _sample(net, probes, times, config, stop=None):
    """Run ``net`` to each sampling time; per (probe, synapses) the measures of each group
    (arrays samples x groups, ``"t"`` the times; ``"at0"`` the measures of the initial weights).
    ``stop(t, per)`` may end it early."""
    per = [{"at0": probe.measure(np.asarray(syn.w), config)} for probe, syn in probes]
    rows = [[] for _ in probes]
    t_out = []
    for s in np.rint(np.asarray(times) / net.dt).astype(np.int64):
        if s <= net.step:
            continue
        net.run((s - net.step) * net.dt)
        t_out.append(net.t)
        for row, (probe, syn) in zip(rows, probes):
            row.append(probe.measure(np.asarray(syn.w), config))
        if stop is not None and stop(net.t, rows):
            break
    for out, row in zip(per, rows):
        out["t"] = np.array(t_out)
        for key in row[0]:
            out[key] = np.array([x[key] for x in row])
    return per


def summarize(m: dict, limit: float, use_s: float, dt: float = DT, failed=None) -> dict:
    """Lifetime of a probe's measures, and for bits the information and fraction correct after
    ``use_s`` (read at the sample at exactly that time; None if the run stopped before)."""
    t = m["t"]
    fail = m["sat"] if failed is None else failed
    if "info" not in m:
        return {"life": lifetime(t, m["signal"], fail, limit)}
    i0 = m["at0"]["info"]
    out = {"life": lifetime(t, m["info"] / i0, fail, limit), "info0": i0}
    k = np.flatnonzero(np.abs(t - use_s) < 0.5 * dt)
    if k.size:
        out["info_use"], out["correct_use"] = m["info"][k[0]], m["correct"][k[0]]
        out["use_t"] = float(t[k[0]])
    return out


def clamped_runs(specs, config: Config, rate_hz: float, dt: float, seed: int, duration_s: float,
                 extra_times=()) -> list:
    """The controlled condition for several rules at once: one network of ``replicates`` groups of
    ``synapses_per_group`` pre and post neurons, all firing independent Poisson trains at
    ``rate_hz``, and one ``one_to_one`` projection per ``(name, n, kind, rule)`` in ``specs``. Every
    network is built with the seed and the two populations first, so every rule sees the same
    trains. Returns, per spec, the measures of :func:`_sample` with ``"probe"``."""
    G, m = config.replicates, config.synapses_per_group
    probes = [Probe(name, n, rule, kind, G) for name, n, kind, rule in specs]
    initial = [probe.initial(G * m, config, seed) for probe in probes]  # also sets what each probe stored

    def simulate():
        net = Network(dt=dt, seed=seed)
        pre = net.add(PoissonSource(n=G * m, rate=rate_hz))
        post = net.add(PoissonSource(n=G * m, rate=rate_hz))
        pairs = [(probe, net.connect(pre, post, rule=probe.rule, w=w0, connectivity="one_to_one"))
                 for probe, w0 in zip(probes, initial)]
        times = sample_times(duration_s, config.first_sample_s, config.samples_per_decade,
                             (config.use_period_s,) + tuple(extra_times))
        return _sample(net, pairs, times, config)

    # a checkpoint unit (hebblab run --checkpoint-every; hebblab resume): the network depends on
    # the config, the seed and these arguments only
    what = repr((rate_hz, dt, duration_s, tuple(extra_times), [(name, n, kind, repr(rule)) for name, n, kind, rule in specs]))
    per = checkpoint.unit("clamped/" + hashlib.sha256(what.encode()).hexdigest()[:20], simulate)
    for out, probe in zip(per, probes):
        out["probe"] = probe
    return per


# ---- the second condition: a layer of IF outputs ------------------------------------------------------

def layer_indices(config: Config) -> tuple[np.ndarray, np.ndarray]:
    """All-to-all within each of the ``replicates`` layers: (pre index, post index) per synapse."""
    G, ni, no = config.replicates, config.layer_in, config.layer_out
    pre = np.concatenate([np.repeat(np.arange(ni) + g * ni, no) for g in range(G)])
    post = np.concatenate([np.tile(np.arange(no) + g * no, ni) for g in range(G)])
    return pre, post


def layer_network(config: Config, seed: int, layers: list):
    """One network: ``replicates * layer_in`` Poisson inputs at the use rate, and per entry
    ``(threshold, rule or None (frozen), w0)`` of ``layers`` its own ``replicates * layer_out`` IF
    outputs fed by all the inputs of their group (every rule sees the same input trains).
    Returns (net, [(synapses, output spike monitor)])."""
    G, ni, no = config.replicates, config.layer_in, config.layer_out
    pre_idx, post_idx = layer_indices(config)
    net = Network(dt=DT, seed=seed)
    inp = net.add(PoissonSource(n=G * ni, rate=config.rate_hz))
    out = []
    for threshold, rule, w0 in layers:
        pop = net.add(IF(n=G * no, threshold=threshold, leak=config.layer_leak))
        syn = net.connect(inp, pop, rule=rule, w=w0, connectivity=(pre_idx, post_idx))
        out.append((syn, net.monitor(pop)))
    return net, out


def calibrate_thresholds(config: Config, seed: int, weights: list, seconds: float = 2.0,
                         iterations: int = 12) -> list:
    """Per initial weight vector in ``weights``, the IF threshold at which the layer, its weights
    frozen, fires at the use rate: bisection in log threshold over [1e-3, 1e3] (the rate falls as
    the threshold rises), all layers at once on one network per iteration. Returns a list of
    (threshold, output rate at the last trial)."""
    lo = np.full(len(weights), math.log(1e-3))
    hi = np.full(len(weights), math.log(1e3))
    n_out = config.replicates * config.layer_out
    rates = np.full(len(weights), math.nan)
    for _ in range(iterations):
        mid = 0.5 * (lo + hi)
        net, out = layer_network(config, seed + 7919, [(math.exp(x), None, w) for x, w in zip(mid, weights)])
        net.run(seconds)
        rates = np.array([len(mon) / (n_out * seconds) for _, mon in out])
        up = rates > config.rate_hz
        lo, hi = np.where(up, mid, lo), np.where(up, hi, mid)
    return [(math.exp(0.5 * (a + b)), float(r)) for a, b, r in zip(lo, hi, rates)]


def rate_failures(steps: np.ndarray, idx: np.ndarray, config: Config, dt: float, until_s: float):
    """Output rate of each group in the whole 1-s bins before ``until_s`` (groups x bins), and per
    group the end of the first bin in which it fell below ``silent_hz`` (silenced) or rose above
    ``runaway_hz`` (runaway); inf if never."""
    G, no = config.replicates, config.layer_out
    n_bins = int(math.floor(until_s + 1e-9))
    t = np.asarray(steps) * dt
    idx = np.asarray(idx)
    keep = t < n_bins
    counts = np.zeros((G, n_bins))
    np.add.at(counts, (idx[keep] // no, t[keep].astype(np.int64)), 1.0)
    rate = counts / no
    ends = np.arange(1, n_bins + 1, dtype=float)

    def first(mask):
        return np.array([ends[np.flatnonzero(row)[0]] if row.any() else math.inf for row in mask])

    return rate, first(rate < config.silent_hz), first(rate > config.runaway_hz)


def layer_run(config: Config, seed: int, names=RULES) -> dict:
    """The second condition for the rules ``names`` at the common write speed (Hebbian3 at its
    own): per rule a layer whose threshold is set, with its stored bits frozen, so that it fires at
    the use rate; then plasticity runs and the outputs respond, so each synapse influences its post
    neuron and the output rate follows the weights. Every rule's layer sees the same input trains.
    The run stops early once every group of every rule has failed (silenced, ran away or
    saturated): nothing after a failure is measured. Returns per rule the measures, the rates in
    1-s bins, the output spikes and the summary."""
    G = config.replicates
    pre_idx, _ = layer_indices(config)
    probes = []
    for name in names:
        n = own_pairings(config)[name]
        probe = Probe(name, n, make_rule(name, n, config.rate_hz), "bits", G)
        probes.append((probe, probe.initial(pre_idx.size, config, seed + 29)))
    # two checkpoint units: the threshold calibration and the layer's run (its measures, its
    # output spikes and final weights), each depending on the config and the seed only
    cal = checkpoint.unit(f"layer/calibration/{','.join(names)}",
                          lambda: calibrate_thresholds(config, seed, [w0 for _, w0 in probes]))

    def simulate():
        net, out = layer_network(config, seed, [(thr, p.rule, w0) for (p, w0), (thr, _) in zip(probes, cal)])

        def all_failed(t, rows):
            for (syn, mon), row in zip(out, rows):
                _, silent, runaway = rate_failures(mon.steps, mon.i, config, DT, t)
                sat = np.array([x["sat"] for x in row]).any(axis=0)
                if not np.all(np.isfinite(silent) | np.isfinite(runaway) | sat):
                    return False
            return True

        times = sample_times(config.layer_s, config.first_sample_s, config.samples_per_decade)
        per = _sample(net, [(p, syn) for (p, _), (syn, _) in zip(probes, out)], times, config, all_failed)
        return per, [(np.asarray(mon.steps), np.asarray(mon.i), np.asarray(syn.w, float)) for syn, mon in out]

    per, after = checkpoint.unit(f"layer/run/{','.join(names)}", simulate)
    result = {}
    for (probe, _), (steps, idx, w), m, (thr, cal_rate) in zip(probes, after, per, cal):
        t = m["t"]
        rate, silent_at, runaway_at = rate_failures(steps, idx, config, DT, t[-1])
        failed = m["sat"] | (t[:, None] >= np.minimum(silent_at, runaway_at)[None, :])
        s = summarize(m, config.layer_s, math.inf, failed=failed)
        res = s["life"]
        summary = {"information_half_life_s": res["value"], "threshold": thr, "output_rate_calibrated_hz": cal_rate,
                   "output_rate_first_s_hz": stats.bootstrap(rate[:, 0], np.mean, seed=seed, n_resamples=1000),
                   "output_rate_last_s_hz": stats.bootstrap(rate[:, -1], np.mean, seed=seed, n_resamples=1000),
                   "saturated_replicates": int(m["sat"].any(axis=0).sum()),
                   "silenced_replicates": int(np.isfinite(silent_at).sum()),
                   "runaway_replicates": int(np.isfinite(runaway_at).sum()),
                   "first_failure_s": res["failure_s"], "simulated_s": float(t[-1])}
        result[probe.name] = dict(t=t, info=m["info"], info0=m["at0"]["info"], rate=rate, res=res, summary=summary,
                                  spike_steps=steps, spike_idx=idx, w=w, stored=probe.stored,
                                  threshold_read=probe.levels[2])
    return result


# ---- summarising ----------------------------------------------------------------------------------

def rate_key(r: float) -> str:
    return f"{r:g}".replace(".", "p") + "_hz"


def own_pairings(config: Config) -> dict:
    """Mean pairings to write at the common speed: the knob rules' setting, Hebbian3's and the design's own."""
    return {name: config.common_pairings for name in KNOB_RULES} | {"bs2_hebbian3": HEBBIAN3_PAIRINGS,
                                                                    "binary_design": DESIGN_BURST}


def exponent(x: list[float], per_point: list[dict], seed: int):
    """Log-log slope of the mean lifetime against ``x`` over the points where every replicate was
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


def paired_difference(a: dict, b: dict, limit: float):
    """Lifetime of a minus that of b, paired by replicate (same spike trains): an estimate if every
    replicate of both was measured; a lower bound if only a's ran past the run; else None."""
    sa, sb = a["status"], b["status"]
    ta, tb = np.array(a["times"]), np.array(b["times"])
    if all(s == "measured" for s in sa + sb):
        return stats.estimate(ta - tb)
    if all(s in ("measured", "censored") for s in sa) and all(s == "measured" for s in sb):
        return stats.at_least(float(np.mean(np.minimum(ta, limit) - tb)), "the longer one outlasted the run in "
                              f"{sa.count('censored')} replicates (counted at the end of the run)")
    return None


def relative_difference(fine: dict, coarse: dict, seed: int):
    """``mean(fine) / mean(coarse) - 1`` of two independent sets of replicate lifetimes, with a
    bootstrap interval (each set resampled on its own); None unless every replicate was measured."""
    if not all(s == "measured" for s in fine["status"] + coarse["status"]):
        return None
    f, c = np.array(fine["times"]), np.array(coarse["times"])
    i, j = stats.resample_indices(f.size, seed, 1000), stats.resample_indices(c.size, seed + 1, 1000)
    return stats.bootstrap_interval(f.mean() / c.mean() - 1, f[i].mean(axis=1) / c[j].mean(axis=1) - 1, f.size)


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


def _curve_table(table, label, t, values, t0_value=None):
    """Mean and 95 % band of a per-group series (samples x groups), with the write at t = 0."""
    t = [0.0] + [float(x) for x in t] if t0_value is not None else [float(x) for x in t]
    rows = ([t0_value] if t0_value is not None else []) + list(values)
    est = [stats.estimate(np.nan_to_num(c, nan=0.0)) for c in rows]
    table[f"{label}_t_s"] = t
    table[f"{label}_mean"] = [e["mean"] for e in est]
    table[f"{label}_low"] = [e["ci95"][0] for e in est]
    table[f"{label}_high"] = [e["ci95"][1] for e in est]


def _lasting(v, use_s: float) -> bool:
    """Whether a lifetime is not shown to end within the use: a lower bound, or an estimate whose
    interval reaches the use period."""
    if v is None:
        return False
    if stats.is_bound(v):
        return "at_least" in v
    return v["ci95"][1] >= use_s


# ---- the experiment ---------------------------------------------------------------------------

def rate_point(config: Config, rate_hz: float, seed: int) -> dict:
    """The rate sweep at one use rate: every rule at the common write speed, tuned once at the
    reference rate and dt = 1 ms (one rule per family), plus (``retuned_binary``) the binary rule
    re-balanced at this rate, in one network. Returns per rule :func:`summarize`'s dict."""
    own = own_pairings(config)
    specs = [(k, own[k], "bits", make_rule(k, own[k], config.rate_hz)) for k in RULES]
    if config.retuned_binary:
        specs.append(("binary_retuned", config.common_pairings, "bits",
                      make_rule("binary_retuned", config.common_pairings, rate_hz)))
    per = clamped_runs(specs, config, rate_hz, DT, seed, config.duration_s)
    return {name: summarize(m, config.duration_s, config.use_period_s) for (name, *_), m in zip(specs, per)}


def run(config: Config, seed: int = 1, progress: bool = False) -> Result:
    r0, T, n0, use = config.rate_hz, config.duration_s, config.common_pairings, config.use_period_s
    grid = sorted(set(config.pairings) | {n0})  # the common speed is simulated, not interpolated
    rates = sorted(set(config.rates_hz) | {r0})
    own = own_pairings(config)
    names = RULES + ("binary_design",)
    points = {k: [] for k in POINT_COLUMNS}
    headline: dict = {}
    kinds = {"use_period_s": "setting", "use_modifies.rules": "setting", "dt_check.fine_step_ms": "setting"}
    n_jobs = 5 + (len(rates) - 1) + 1 + (1 if config.layer else 0)
    with progress_bar(progress, n_jobs, "use-drift") as bar:
        def net_run(specs, rate, step=DT, duration=T, extra=()):
            out = clamped_runs(specs, config, rate, step, seed, duration, extra)
            bar.advance()
            return out

        def spec(name, n, kind="bits", tune=r0):
            return (name, n, kind, make_rule(name, n, tune))

        # 1. the trade-off and the common speed at r0: one network per family, same trains for all
        families = [[spec("additive", n) for n in grid] + [spec("additive", n0, "values")],
                    [spec("multiplicative", n) for n in grid] + [spec("multiplicative", n0, "values")],
                    [spec("binary_burst", n) for n in grid] + [spec("binary_design", DESIGN_BURST)],
                    [spec("two_state", n) for n in grid] + [spec("two_state_median", n0), spec("two_state_p95", n0)],
                    [spec("bs2_hebbian3", HEBBIAN3_PAIRINGS), spec("bs2_hebbian3", HEBBIAN3_PAIRINGS, "values")]]
        common, values, sens = {}, {}, {}
        sweep = {name: [] for name in KNOB_RULES}
        for specs in families:
            for (name, n, kind, rule), m in zip(specs, net_run(specs, r0, extra=(config.dt_check_s,))):
                s = summarize(m, T, use)
                if kind == "values":
                    values[name] = (m, s)
                elif name.startswith("two_state_"):
                    sens[name] = (m, s)
                else:
                    if name in KNOB_RULES:
                        sweep[name].append(s["life"])
                    x = n if name == "binary_design" else pairings_to_write(rule)["mean"]
                    _point_row(points, name, x, r0, s["life"])
                    if n == own[name]:
                        common[name] = (m, s)

        def est(name, fn):
            """Mean over replicates with a bootstrap percentile interval, which stays inside the
            measure's range (information in [0, 1] bit, fraction correct in [0, 1])."""
            s = common[name][1]
            return stats.bootstrap(fn(s), np.mean, seed=seed, n_resamples=1000) if "info_use" in s else None

        headline["pairings_to_write"] = {name: own[name] for name in names}
        kinds |= {f"pairings_to_write.{k}": ("closed-form" if k == "bs2_hebbian3" else "setting") for k in names}
        headline["information_half_life_s"] = {k: common[k][1]["life"]["value"] for k in names}
        headline["information_after_use_bits"] = {k: est(k, lambda s: s["info_use"]) for k in names}
        headline["information_loss_bits"] = {k: est(k, lambda s: s["info0"] - s["info_use"]) for k in names}
        headline["fraction_correct_after_use"] = {k: est(k, lambda s: s["correct_use"]) for k in names}
        levels = {k: common[k][0]["probe"].levels for k in names}
        headline["stored_levels"] = {k: dict(zip(("low", "high", "threshold"), levels[k])) for k in names}
        headline["stored_margin_steps"] = {k: stored_margin(common[k][0]["probe"].rule, levels[k]) for k in names}
        kinds |= {f"{blk}.{k}.{f}": "closed-form" for blk, fs in (("stored_levels", ("low", "high", "threshold")),
                                                                   ("stored_margin_steps", ("one", "zero")))
                  for k in names for f in fs}
        headline["value_correlation_half_life_s"] = {k: values[k][1]["life"]["value"] for k in ANALOG_RULES}
        ts_rules = {"mean": common["two_state"][0]["probe"].rule} | {
            d: sens[f"two_state_{d}"][0]["probe"].rule for d in ("median", "p95")}
        headline["write_speed_sensitivity"] = {
            "two_state_information_half_life_s": {"mean": headline["information_half_life_s"]["two_state"]} | {
                d: sens[f"two_state_{d}"][1]["life"]["value"] for d in ("median", "p95")},
            "two_state_q": {d: r.q for d, r in ts_rules.items()},
            "pairings": {k: pairings_to_write(common[k][0]["probe"].rule) for k in RULES} | {
                f"two_state_{d}": pairings_to_write(r) for d, r in ts_rules.items() if d != "mean"}}
        kinds |= {f"write_speed_sensitivity.two_state_q.{d}": "setting" for d in ts_rules}
        kinds |= {f"write_speed_sensitivity.pairings.{k}.{f}": "closed-form"
                  for k in headline["write_speed_sensitivity"]["pairings"] for f in ("mean", "median", "p95")}
        ts = ts_rules["mean"]
        headline["two_state_closed_form"] = {"exact_information_half_life_s": two_state_lifetime_exact(ts, r0),
                                             "first_order_information_half_life_s": two_state_first_order_lifetime(ts, r0)}
        kinds |= {f"two_state_closed_form.{k}": "closed-form" for k in headline["two_state_closed_form"]}
        headline["exponent_vs_pairings"] = {name: exponent(grid, sweep[name], seed) for name in KNOB_RULES}

        # paired difference of the two longest-lived rules at the common speed (same trains)
        order = sorted((k for k in RULES if headline["information_half_life_s"][k] is not None),
                       key=lambda k: -stats.point(headline["information_half_life_s"][k]))
        knob_order = [k for k in order if k in KNOB_RULES]
        pair_tab = {"comparison": [], "longer": [], "shorter": []}
        headline["paired_difference_s"] = {}
        for label, ranked in (("longest_minus_second", order), ("longest_minus_second_at_common_speed", knob_order)):
            if len(ranked) >= 2:
                a, b = ranked[:2]
                headline["paired_difference_s"][label] = paired_difference(common[a][1]["life"], common[b][1]["life"], T)
                pair_tab["comparison"].append(label)
                pair_tab["longer"].append(a)
                pair_tab["shorter"].append(b)

        # 2. against the use rate: the same rules (tuned at r0, 1 ms) in one network per rate
        by_rate = {name: {} for name in RULES + ("binary_retuned",)}
        per_rate = {name: [] for name in by_rate}
        for r in rates:
            if r == r0:
                got = {k: common[k][1]["life"] for k in RULES} | {"binary_retuned": common["binary_burst"][1]["life"]}
            else:
                got = {k: v["life"] for k, v in rate_point(config, r, seed).items()}
                bar.advance()
                for name, res in got.items():
                    _point_row(points, name, own.get(name, n0), r, res)
            for name, res in got.items():
                by_rate[name][rate_key(r)] = res["value"]
                per_rate[name].append(res)
        if not config.retuned_binary:
            del by_rate["binary_retuned"], per_rate["binary_retuned"]
        headline["information_half_life_vs_rate_s"] = by_rate
        headline["exponent_vs_rate"] = {name: exponent(rates, per_rate[name], seed) if len(per_rate[name]) == len(rates)
                                        else None for name in by_rate}
        fixed_binary = common["binary_burst"][0]["probe"].rule
        headline["binary_drift_per_s"] = {rate_key(r): fixed_binary.drift(r, dt=DT) for r in rates}
        headline["two_state_exact_vs_rate_s"] = {rate_key(r): two_state_lifetime_exact(ts, r) for r in rates}
        kinds |= {f"binary_drift_per_s.{rate_key(r)}": "closed-form" for r in rates}
        kinds |= {f"two_state_exact_vs_rate_s.{rate_key(r)}": "closed-form" for r in rates}
        headline["failed_points"] = int(sum(x > 0 for x in points["failed"]))
        headline["simulated_points"] = len(points["failed"])

        # 3. dt check: the SAME rules (same a+, a-) on a finer grid; 1 ms: the family run, cut
        fine_dt = config.dt_check_ms * 1e-3
        checked = ("additive", "multiplicative", "binary_burst")
        fine = net_run([(k, n0, "bits", common[k][0]["probe"].rule) for k in checked], r0, fine_dt, config.dt_check_s)
        check: dict = {"fine_step_ms": config.dt_check_ms}
        dtc = {k: [] for k in POINT_COLUMNS}
        for name, mf in zip(checked, fine):
            m = common[name][0]
            keep = m["t"] <= config.dt_check_s * (1 + 1e-9)
            coarse = lifetime(m["t"][keep], (m["info"] / m["at0"]["info"])[keep], m["sat"][keep], config.dt_check_s)
            fres = summarize(mf, config.dt_check_s, math.inf, fine_dt)["life"]
            rule = m["probe"].rule
            row = {"dt_1ms": coarse["value"], "dt_fine": fres["value"],
                   "relative_difference": relative_difference(fres, coarse, seed)}
            if name != "multiplicative":  # its drift depends on w
                drift = (lambda d: all_to_all_drift(rule, r0, d)) if name == "additive" else (
                    lambda d: rule.drift(r0, dt=d))
                row |= {"drift_1ms_per_s": round(drift(DT), 15), "drift_fine_per_s": drift(fine_dt)}
                kinds |= {f"dt_check.{name}.drift_1ms_per_s": "closed-form",
                          f"dt_check.{name}.drift_fine_per_s": "closed-form"}
            check[name] = row
            _point_row(dtc, f"{name} dt=1ms", own[name], r0, coarse)
            _point_row(dtc, f"{name} dt={config.dt_check_ms:g}ms", own[name], r0, fres)
        headline["dt_check"] = check

        # 4. the second condition: a layer of IF outputs (output rates follow the weights)
        curves, vcurves = {}, {}
        for k in names:
            m = common[k][0]
            _curve_table(curves, k, m["t"], m["info"], m["at0"]["info"])
        for k in ANALOG_RULES:
            m = values[k][0]
            _curve_table(vcurves, k, m["t"], m["signal"], np.ones(config.replicates))
        tables = {"tradeoff": points, "information_at_common_speed": curves, "value_correlation": vcurves,
                  "dt_check": dtc, "paired_difference": pair_tab,
                  "common_speed": _common_table(headline, names)}
        if config.layer:
            lay = layer_run(config, seed)
            bar.advance()
            headline["layer"] = {k: v["summary"] for k, v in lay.items()}
            kinds |= {f"layer.{k}.output_rate_calibrated_hz": "deterministic" for k in lay}
            ltab, lrate = {}, {}
            for k, v in lay.items():
                _curve_table(ltab, k, v["t"], v["info"], v["info0"])
                lrate[f"{k}_t_s"] = [float(x) + 0.5 for x in range(v["rate"].shape[1])]
                lrate[f"{k}_rate_hz"] = v["rate"].mean(axis=0).tolist()
            tables["layer_information"] = ltab
            tables["layer_output_rate"] = lrate

    headline["use_period_s"] = use
    life = headline["information_half_life_s"]
    loss = headline["information_loss_bits"]
    measured = [k for k in RULES if life[k] is not None]
    longest = max(measured, key=lambda k: stats.point(life[k])) if measured else None
    with_loss = [k for k in RULES if loss[k] is not None]
    smallest = min(with_loss, key=lambda k: loss[k]["mean"]) if with_loss else None
    keep_past = {}
    for name in KNOB_RULES:  # the slowest write on the grid from which some replicate mean outlasts the use
        hits = [n for n, res in zip(grid, sweep[name]) if res["value"] is not None and stats.point(res["value"]) >= use
                and not (stats.is_bound(res["value"]) and "at_most" in res["value"])]
        keep_past[name] = min(hits) if hits else None
    headline["use_modifies"] = {
        "longest_lifetime_s": life[longest] if longest else None,
        "smallest_information_loss_bits": loss[smallest] if smallest else None,
        "rules_losing_half_within_use": sum(1 for k in RULES if life[k] is not None and not _lasting(life[k], use)),
        "pairings_to_keep_half_past_use": keep_past,
        "rules": len(RULES)}
    tables["extremes"] = {"longest_lifetime": [longest], "smallest_information_loss": [smallest]}
    return Result(headline, tables, _notes(config, headline), kinds)


def _common_table(h: dict, names) -> dict:
    """One row per rule at the common speed: write speed (three definitions), stored levels and
    margins beside the lifetime."""
    tab = {k: [] for k in ("rule", "pairings_mean", "pairings_median", "pairings_p95", "stored_0", "stored_1",
                           "read_threshold", "margin_of_1_depression_steps", "margin_of_0_potentiation_steps",
                           "information_half_life_s", "information_after_use_bits")}
    pw = h["write_speed_sensitivity"]["pairings"]
    for k in names:
        p = pw.get(k, {"mean": h["pairings_to_write"][k], "median": h["pairings_to_write"][k],
                       "p95": h["pairings_to_write"][k]})
        lv, mg = h["stored_levels"][k], h["stored_margin_steps"][k]
        tab["rule"].append(k)
        tab["pairings_mean"].append(p["mean"])
        tab["pairings_median"].append(p["median"])
        tab["pairings_p95"].append(p["p95"])
        tab["stored_0"].append(lv["low"])
        tab["stored_1"].append(lv["high"])
        tab["read_threshold"].append(lv["threshold"])
        tab["margin_of_1_depression_steps"].append(mg["one"])
        tab["margin_of_0_potentiation_steps"].append(mg["zero"])
        tab["information_half_life_s"].append(stats.fmt(h["information_half_life_s"][k], 3, False, "s"))
        tab["information_after_use_bits"].append(stats.fmt(h["information_after_use_bits"][k], 3))
    return tab


def _notes(config: Config, h: dict) -> list[str]:
    drift = h["binary_drift_per_s"]
    return [
        f"Controlled condition: every synapse's pre and post neuron fire independent Poisson trains at the use "
        f"rate (default {config.rate_hz:g} Hz), so output rates are equal for every rule and cannot run away or fall "
        "silent; a synapse's own causal influence on its post neuron is left out. Every network is built with the "
        "same seed and the same two populations first, so every rule sees the same spike trains in each replicate "
        "group (differences between rules are paired). dt = 1 ms (Brain Simulator II's cycle).",
        "Memory measure: the same random bits are stored in every rule, written at two levels (the low bound and the "
        "level the write's pairings reach; binary burst: 0 and n a+; two-state: its two states) and read with a "
        "threshold midway (binary burst: theta); the information kept is the plug-in mutual information per synapse "
        "between stored and read bits (1 bit at the write), its lifetime the time it falls to half its initial "
        f"value, interpolated in log time between log-spaced samples ({config.samples_per_decade} per decade from "
        f"{config.first_sample_s:g} s) in each of {config.replicates} groups of {config.synapses_per_group} synapses; "
        "'>=' where a group did not get there within the run (a bound, not extrapolated); null where a group "
        "failed first (saturation; in the layer also silencing or runaway). Information, its loss and the fraction "
        "correct carry bootstrap percentile intervals (they stay in range); the plug-in estimate of no information "
        f"is about 1/(2 m ln 2) = {1 / (2 * config.synapses_per_group * math.log(2)):.2g} bits for m = "
        f"{config.synapses_per_group} synapses per group.",
        "Write speed: the mean number of isolated causal pairings at the most effective lag that write a synapse "
        "(deterministic rules: exactly n; two-state: q = 1/n; Hebbian3: 9 doublings from its floor 0.001). Matched "
        "instead by the median (q = 1 - 2^(-1/n), the first version's) or by the 95 % point (q = 1 - 0.05^(1/n)), "
        "the two-state lifetime changes as write_speed_sensitivity shows; the deterministic rules do not change.",
        "One rule per family: every rule is tuned once, at the reference rate and dt = 1 ms (additive a- = a+ "
        "(e^(dt/tau-) - 1)/(1 - e^(-dt/tau+)), binary burst a- from the nearest-spike expectations), and the same rule "
        "is used at every use rate and on the dt check's grid. The fixed binary rule drifts by "
        + ", ".join(f"{v:+.2g} /s at {k[:-3].replace('p', '.')} Hz" if abs(v) > 1e-12 else
                    f"0 at {k[:-3].replace('p', '.')} Hz (balanced there)" for k, v in drift.items())
        + " (closed form); 'binary_retuned' is the binary rule re-balanced at each rate, shown for comparison.",
        "Secondary result: for the analog rules, analog values uniform in [stored_low, stored_high] of the range, "
        "read as w; the half-life of their correlation with the stored values (value_correlation_half_life_s).",
        "Rates in the IF layer: the output rate of each group in its first and last 1-s bin of the plastic run "
        "(mean over groups with a bootstrap percentile interval, which stays >= 0), beside the rate of the frozen "
        "layer at the calibrated threshold (output_rate_calibrated_hz, the last bisection trial, 2 s).",
    ]


# ---- figures ---------------------------------------------------------------------------------------

COLORS = {"additive": "#1f77b4", "multiplicative": "#ff7f0e", "binary_burst": "#2ca02c", "two_state": "#9467bd",
          "bs2_hebbian3": "#d62728", "binary_design": "#17becf", "binary_retuned": "#2ca02c"}
ALL = RULES + ("binary_design",)


def _rows(tab, rule, rate=None, pairings=None):
    """(x, lifetime, low, high, bound, failed) rows of the trade-off table for one rule, sorted by x."""
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


def _plot_points(ax, rows, color, label, top, ls="-"):
    """Estimates as dots with 95 % error bars joined by a line; lower bounds as open triangles
    pointing up ('>=' in the legend), upper bounds pointing down; failures (no lifetime) as crosses
    at the top."""
    est = [r for r in rows if r[1] is not None and not r[4]]
    if est:
        x, y = [r[0] for r in est], [r[1] for r in est]
        ax.errorbar(x, y, yerr=[[r[1] - r[2] for r in est], [r[3] - r[1] for r in est]], fmt="o", ls=ls, color=color,
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


def _log_ticks(ax, ticks=None):
    from matplotlib.ticker import FuncFormatter, NullFormatter
    for axis in (ax.xaxis, ax.yaxis):
        axis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
        axis.set_minor_formatter(NullFormatter())
    if ticks is not None:
        ax.set_xticks(ticks)
        ax.set_xticklabels([f"{x:g}" for x in ticks])


def _bands(ax, table, names, ylabel, title, pairings):
    for name in names:
        if f"{name}_t_s" not in table:
            continue
        t = np.maximum(np.array(table[f"{name}_t_s"]), 1e-2)  # the write (t = 0) drawn at the left edge
        ax.plot(t, table[f"{name}_mean"], "-", color=COLORS[name], label=f"{LABELS[name]} ({pairings[name]:g} pairings)")
        ax.fill_between(t, table[f"{name}_low"], table[f"{name}_high"], color=COLORS[name], alpha=0.2, lw=0)
    ax.set(xscale="log", xlabel="time in use (s; the write drawn at 0.01 s)", ylabel=ylabel, title=title)


def figures(result: Result):
    from matplotlib.figure import Figure
    h = result.headline
    tab = result.tables["tradeoff"]
    rate0 = tab["rate_hz"][0]
    pw = h["pairings_to_write"]
    top = max([x for x in tab["ci95_high"] + tab["half_life_s"] if x is not None] + [1.0]) * 1.5
    fig = Figure(figsize=(17, 10))
    (a1, a2, a5), (a3, a4, a6) = fig.subplots(2, 3)
    jitter = dict(zip(ALL, (0.94, 0.97, 1.0, 1.03, 1.0, 1.07)))  # rules side by side at the same x
    for name in ALL:
        rows = [(r[0] * jitter[name],) + r[1:] for r in _rows(tab, name, rate=rate0)]
        _plot_points(a1, rows, COLORS[name], LABELS[name], top)
    c = result.tables["information_at_common_speed"]
    run_s = max(float(x) for x in c["additive_t_s"])
    a1.axhline(run_s, color="#999", ls="--", lw=1)
    a1.text(min(tab["pairings_to_write"]), run_s * 1.08, f"end of run ({run_s:g} s)", fontsize=7, color="#666")
    a1.axhline(h["use_period_s"], color="#999", ls=":", lw=1)
    a1.axvline(pw["additive"], color="#999", ls=":", lw=1)
    a1.set(xscale="log", yscale="log", xlabel="write speed: mean isolated causal pairings to write a synapse",
           ylabel="information half-life under use (s)",
           title=f"writing fast costs lifetime (use: {rate0:g} Hz, pre and post independent)")
    low = min([x for x in tab["ci95_low"] + tab["half_life_s"] if x is not None and x > 0] + [run_s]) * 0.6
    a1.set_ylim(low, run_s * 40)  # room above the end of the run for the legend
    a1.legend(fontsize=7, loc="upper left", ncol=2)
    _log_ticks(a1, sorted(set(tab["pairings_to_write"])))
    _bands(a2, c, ALL, "information kept (bits per synapse; 1 = all)",
           f"stored bits at the common write speed ({rate0:g} Hz; bands: 95 %)", pw)
    a2.axhline(0.5, color="#999", ls=":")
    a2.axvline(h["use_period_s"], color="#999", ls=":", lw=1)
    a2.set_ylim(-0.05, 1.05)
    a2.legend(fontsize=7, loc="lower left")
    _bands(a5, result.tables["value_correlation"], ANALOG_RULES, "correlation of read w with stored values",
           "secondary: analog values in the analog rules (bands: 95 %)", pw)
    a5.axhline(0.5, color="#999", ls=":")
    a5.set_ylim(-0.15, 1.05)
    a5.legend(fontsize=7, loc="lower left")
    top3 = max([x for x in tab["ci95_high"] + tab["half_life_s"] if x is not None] + [1.0]) * 1.5
    for name in RULES + ("binary_retuned",):
        rows = _rows(tab, name, pairings=pw.get(name, pw["binary_burst"]))
        if name == "binary_retuned":
            rows += [r for r in _rows(tab, "binary_burst", pairings=pw["binary_burst"]) if r[0] == rate0]
            rows = sorted(rows)
        rows = [(r[0] * jitter.get(name, 1.05),) + r[1:] for r in rows]
        _plot_points(a3, rows, COLORS[name], LABELS[name], top3, ls="--" if name == "binary_retuned" else "-")
    a3.set(xscale="log", yscale="log", xlabel="use rate, pre and post (Hz)", ylabel="information half-life (s)",
           title=f"against activity: rules tuned once at {rate0:g} Hz (dashed: binary re-tuned)")
    a3.legend(fontsize=7, loc="upper right")
    _log_ticks(a3, sorted(set(tab["rate_hz"])))
    lc = result.tables.get("layer_information")
    if lc:
        lr = result.tables["layer_output_rate"]
        ax2 = a4.twinx()
        for name in RULES:
            s = h["layer"][name]
            fails = ", ".join(w for m, w in (("silenced_replicates", "silenced"), ("runaway_replicates", "ran away"),
                                             ("saturated_replicates", "saturated")) if s[m])
            label = (f"{LABELS[name]}: {stats.fmt(s['output_rate_first_s_hz'], 2)} \u2192 "
                     f"{stats.fmt(s['output_rate_last_s_hz'], 2)} Hz" + (f" ({fails})" if fails else ""))
            t = np.maximum(np.array(lc[f"{name}_t_s"]), 1e-2)
            a4.plot(t, lc[f"{name}_mean"], "-", color=COLORS[name], label=label)
            a4.fill_between(t, lc[f"{name}_low"], lc[f"{name}_high"], color=COLORS[name], alpha=0.2, lw=0)
            ax2.plot(lr[f"{name}_t_s"], np.maximum(lr[f"{name}_rate_hz"], 0.1), "--", color=COLORS[name], lw=1)
        ax2.set(yscale="log", ylabel="output rate, 1-s bins (Hz, dashed)")
        a4.axhline(0.5, color="#999", ls=":")
        a4.set(xscale="log", xlabel="time in use (s)", ylabel="information kept (bits per synapse; solid, bands 95 %)",
               ylim=(-0.05, 1.05), title="second condition: IF output layer (threshold set on the frozen layer)")
        a4.legend(fontsize=7, loc="lower left", title="output rate, first \u2192 last 1-s bin", title_fontsize=7)
    else:
        a4.set_axis_off()
    margins = h["stored_margin_steps"]
    for name in ALL:
        v = h["information_half_life_s"][name]
        if v is None:
            continue
        x = margins[name]["one"]
        if stats.is_estimate(v):
            a6.errorbar([x], [v["mean"]], yerr=[[v["mean"] - v["ci95"][0]], [v["ci95"][1] - v["mean"]]], fmt="o",
                        color=COLORS[name], capsize=3, label=LABELS[name])
        else:
            a6.plot([x], [stats.point(v)], "^" if "at_least" in v else "v", mfc="none", color=COLORS[name], ms=9,
                    label=f"{LABELS[name]} (bound)")
    sens = h["write_speed_sensitivity"]["two_state_information_half_life_s"]
    for d, mk in (("median", "s"), ("p95", "D")):
        v = sens[d]
        if stats.is_estimate(v):
            a6.errorbar([margins["two_state"]["one"] * 1.1], [v["mean"]],
                        yerr=[[v["mean"] - v["ci95"][0]], [v["ci95"][1] - v["mean"]]], fmt=mk, mfc="none",
                        color=COLORS["two_state"], capsize=3, label=LABELS[f"two_state_{d}"])
    a6.set(xscale="log", yscale="log", xlabel="stored margin of a 1: depression steps to the read threshold",
           ylabel="information half-life (s)", title="lifetime against the stored margin (common write speed)")
    a6.legend(fontsize=7, loc="best")
    _log_ticks(a6, [0.5, 1, 2, 5])
    fig.tight_layout()
    return [("use_drift", fig)]


# ---- what it found ----------------------------------------------------------------------------------

def _f(v, digits=2, unit="s"):
    return stats.fmt(v, digits, False, unit) if v is not None else "none (a group saturated first)"


def finding(result: Result) -> str:
    h = result.headline
    n = h["pairings_to_write"]["additive"]
    life, after, mg = h["information_half_life_s"], h["information_after_use_bits"], h["stored_margin_steps"]
    use = h["use_period_s"]
    rate0 = result.tables["tradeoff"]["rate_hz"][0]
    per_rule = "; ".join(
        f"{LABELS[k]} {_f(life[k])} (" + ("one switch from either state, taken with probability q per candidate event"
                                   if k == "two_state" else f"margin of a 1: {mg[k]['one']:.2g} depression steps, of a 0: "
                                   f"{mg[k]['zero']:.2g} potentiation steps") + f"{'; ' + str(h['pairings_to_write'][k]) + ' pairings' if k in ('bs2_hebbian3', 'binary_design') else ''})"
        for k in ALL)
    pair = result.tables.get("paired_difference", {})
    compare = ""
    for label, a, b in zip(pair.get("comparison", []), pair.get("longer", []), pair.get("shorter", [])):
        d = h["paired_difference_s"][label]
        own = (f" ({LABELS[a]} takes {h['pairings_to_write'][a]} pairings to write, not {n})"
               if h["pairings_to_write"][a] != n else "")
        among = "" if label == "longest_minus_second" else f" Among the knob rules at {n} pairings,"
        if d is None:
            compare += (f"{among} {LABELS[a]} and {LABELS[b]} cannot be ordered: some replicates did not reach half "
                        "within the run or failed.")
        elif stats.is_estimate(d) and d["ci95"][0] > 0:
            compare += (f"{among + ' t' if among else ' T'}he longest-lived is {LABELS[a]}{own}: its lifetime exceeds "
                        f"{LABELS[b]}'s by {_f(d)} (paired by replicate, same spike trains).")
        elif stats.is_bound(d) and d.get("at_least", 0) > 0:
            compare += (f"{among} {LABELS[a]}{own} outlasts {LABELS[b]} by {_f(d)} (a bound: it outlasted the run "
                        "in some replicates).")
        else:
            compare += (f"{among} {LABELS[a]}{own} and {LABELS[b]} differ by {_f(d)} (paired by replicate): the "
                        "interval includes 0, so neither is shown to last longer.")
    sens = h["write_speed_sensitivity"]["two_state_information_half_life_s"]
    tsq = h["write_speed_sensitivity"]["two_state_q"]
    cf = h["two_state_closed_form"]
    exps = h["exponent_vs_pairings"]
    scal = ", ".join(f"{LABELS[k]} n^{stats.fmt(exps[k], 2)}" for k in KNOB_RULES if exps[k] is not None)
    rates = sorted(float(k[:-3].replace("p", ".")) for k in h["information_half_life_vs_rate_s"]["additive"])
    lo_k, hi_k = rate_key(rates[0]), rate_key(rates[-1])
    vr = h["information_half_life_vs_rate_s"]
    rate_txt = "; ".join(f"{LABELS[k]} {_f(vr[k][lo_k])} at {rates[0]:g} Hz, {_f(vr[k][hi_k])} at {rates[-1]:g} Hz"
                         for k in vr)
    vc = h["value_correlation_half_life_s"]
    dtc = h["dt_check"]
    dt_txt = "; ".join(
        f"{LABELS[k]} {_f(dtc[k]['dt_fine'])} vs {_f(dtc[k]['dt_1ms'])} at 1 ms"
        + (f" (relative difference {stats.fmt(dtc[k]['relative_difference'], 2, True)})"
           if dtc[k]["relative_difference"] is not None else "")
        for k in ("additive", "multiplicative", "binary_burst"))
    failed, total = h["failed_points"], h["simulated_points"]
    text = (
        f"Under the same use for every rule (each synapse's pre and post neuron firing independent Poisson trains at "
        f"{rate0:g} Hz, so output rates are equal and nothing can run away; a synapse's own causal influence on its "
        f"post neuron left out; plasticity always on; dt 1 ms; every rule storing the same random bits, each at two "
        f"levels read with a threshold midway; {h['information_loss_bits']['additive']['n']} groups of "
        f"synapses per rule, 95 % intervals), the information kept per synapse fell to half its initial "
        f"1 bit, at a common write speed of {n} pairings (mean number to write a synapse), after: {per_rule}.{compare} "
        f"After {use:g} s of use the rules kept "
        + ", ".join(f"{LABELS[k]} {stats.fmt(after[k], 2, False, 'bits') if after[k] else 'n/a'}" for k in RULES)
        + f" of 1 bit per synapse. The two-state synapse's lifetime depends on how write speed is defined: matched by "
        f"the mean (q = {tsq['mean']:.3g}) {_f(sens['mean'])}, by the median (q = {tsq['median']:.3g}) "
        f"{_f(sens['median'])}, by the 95 % point (q = {tsq['p95']:.3g}) {_f(sens['p95'])}; the exact closed form "
        f"(clustered candidate events included) gives {cf['exact_information_half_life_s']:.3g} s at q = "
        f"{tsq['mean']:.3g}, the first-order form {cf['first_order_information_half_life_s']:.3g} s. Writing fast costs lifetime: over the write-speed grid the information half-life grows "
        f"as {scal} (bootstrap 95 % intervals; bounds left out of the fit). With each rule tuned once at "
        f"{rate0:g} Hz: {rate_txt} (the fixed binary rule drifts "
        + ", ".join(f"{v:+.2g} /s at {k[:-3].replace('p', '.')} Hz" if abs(v) > 1e-12 else
                    f"0 at {k[:-3].replace('p', '.')} Hz (balanced there)" for k, v in h["binary_drift_per_s"].items())
        + f"). In {failed} of the {total} simulated points a group saturated before its information reached half (a "
        f"failure, not a lifetime). Secondary result, analog values read as w (correlation half-life): "
        + ", ".join(f"{LABELS[k]} {_f(vc[k])}" for k in ANALOG_RULES)
        + f". The same rules on a {dtc['fine_step_ms']:g} ms grid: {dt_txt}.")
    if "layer" in h:
        parts = []
        for k in RULES:
            s = h["layer"][k]
            fails = [f"{s[m]} groups {w}" for m, w in (("silenced_replicates", "silenced"),
                                                       ("runaway_replicates", "ran away"),
                                                       ("saturated_replicates", "saturated")) if s[m]]
            parts.append(f"{LABELS[k]} {stats.fmt(s['output_rate_first_s_hz'], 2)} Hz in the first second, "
                         f"{stats.fmt(s['output_rate_last_s_hz'], 2)} Hz in the last, information half-life "
                         f"{_f(s['information_half_life_s'])}" + (f" ({', '.join(fails)})" if fails else ""))
        text += (" In the second condition, a layer of IF outputs whose threshold was set per rule on the frozen "
                 "layer to fire at the use rate, the outputs respond once plasticity runs and their rates follow the "
                 "weights (rates of 1-s bins, bootstrap intervals; a run stops once every group has failed): "
                 + "; ".join(parts) + ". This condition is not a controlled comparison.")
    return text


def verdicts(result: Result) -> list:
    h = result.headline
    use = h["use_period_s"]
    life, loss = h["information_half_life_s"], h["information_loss_bits"]
    n = h["pairings_to_write"]["additive"]
    none_lost = [k for k in RULES if loss[k] is not None and loss[k]["ci95"][0] <= 0.0]
    lasting = [k for k in RULES if _lasting(life[k], use)]
    if none_lost:
        verdict, key = "refuted", "use_modifies.smallest_information_loss_bits"
        label, unit = f"smallest loss of stored information after {use:g} s of use (bits per synapse, of 1)", "bits"
    else:
        verdict = "qualified" if lasting else "supported"
        key, unit = "use_modifies.longest_lifetime_s", "s"
        label = f"longest information half-life among the rules at the common write speed ({n} pairings)"
    if h["use_modifies"]["longest_lifetime_s"] is None:
        key, unit = "use_modifies.smallest_information_loss_bits", "bits"
        label = f"smallest loss of stored information after {use:g} s of use (bits per synapse, of 1)"
    keep = h["use_modifies"]["pairings_to_keep_half_past_use"]
    speed = "; ".join(f"{LABELS[k]} keeps more than half past {use:g} s from {v} pairings on the grid" if v else
                      f"{LABELS[k]} loses half within {use:g} s at every grid speed" for k, v in keep.items())
    extra = ""
    if lasting:
        extra += " Keeping more than half through the use: " + ", ".join(f"{LABELS[k]} ({_f(life[k])})" for k in lasting) + "."
    if none_lost:
        extra += " No measurable loss: " + ", ".join(LABELS[k] for k in none_lost) + "."
    return [Verdict(
        claim="use-modifies", verdict=verdict, headline=key, label=label, unit=unit, digits=2,
        criterion=(f"stored bits, the same in every rule, read with a threshold midway between the stored levels; "
                   f"information = mutual information between stored and read bits. Supported if, at the common "
                   f"write speed ({n} pairings; Hebbian3 at its own {h['pairings_to_write']['bs2_hebbian3']}), every "
                   f"rule loses at least half of its stored information within {use:g} s of use (upper end of the 95 % "
                   f"interval of its information half-life below {use:g} s); qualified if some rule keeps more than "
                   f"half (its half-life a lower bound or its interval reaching {use:g} s); refuted if some rule "
                   f"loses none measurably (the 95 % interval of its information loss after {use:g} s includes 0)"),
        conditions=(f"every synapse's pre and post neuron fire independent Poisson trains at "
                    f"{result.tables['tradeoff']['rate_hz'][0]:g} Hz (equal output rates, no feedback), plasticity "
                    f"always on, dt 1 ms; the answer depends on write speed: {speed}. Lifetimes fall with the use "
                    f"rate (figure).{extra}"))]


#: what each figure shows and which claim of the article it tests (the report's captions)
CAPTIONS = {
    "use_drift": "Use drift: the information half-life of stored bits under independent pre and post activity "
    "against the write speed, the use rate and the stored margin, for each rule (bounds drawn as open triangles, "
    "never extrapolated), and the information kept over time with an IF output layer. Tests the claim that any "
    "use of the network modifies the weights stored in it.",
}


register_experiment(Experiment(
    name="use-drift",
    question="What does using a network do to what its plastic synapses store, rule by rule, at the same write speed?",
    about=("Bits are stored in plastic synapses and the network is then simply used: random activity, with "
           "plasticity running as it always does. The controlled condition gives every rule the same use (each "
           "synapse's pre and post neuron fire independent Poisson trains at the same rate, so output rates are equal "
           "and nothing can run away), the same random bits (each rule writes them at two levels and reads them with "
           "a threshold midway) and the same write speed (each rule's learning rate set so a write takes the same "
           "mean number of pairings). The memory measure is the information kept: the mutual information between "
           "stored and read bits. Top left: its half-life against the write speed, one curve per rule: writing fast "
           "costs lifetime. Top middle: the information over time at the common write speed. Top right (secondary): "
           "analog values in the analog rules. Bottom left: the half-life against the use rate, each rule tuned "
           "once. Bottom middle: a layer of IF outputs, where output rates follow the weights. Bottom right: the "
           "half-life against each rule's stored margin. It tests the article's claim that any use of the network "
           "modifies the weights stored in it."),
    config=Config, quick=dict(),
    full=dict(replicates=20, synapses_per_group=500, pairings=(1, 2, 3, 5, 8, 12, 20, 32, 64),
              rates_hz=(2.5, 5.0, 10.0, 20.0, 40.0), duration_s=600.0, dt_check_s=120.0, layer_s=120.0),
    run=run, figures=figures, captions=CAPTIONS,
    summary=(
        Headline("use_modifies.longest_lifetime_s", "longest information half-life among the rules, common write "
                 "speed (5 pairings), 10 Hz use", "s", digits=2),
        Headline("information_half_life_s.binary_burst", "information half-life of stored bits, binary burst "
                 "synapse written in 5 pairings", "s", digits=2),
        Headline("information_half_life_s.additive", "information half-life of the same bits, additive STDP "
                 "written in 5 pairings", "s", digits=2),
        Headline("use_modifies.smallest_information_loss_bits", "smallest loss of stored information after 60 s "
                 "of use (bits per synapse, of 1)", "bits", digits=2),
    ),
    finding=finding, verdicts=verdicts))
