r"""Calcium-based bistable synapse (Graupner & Brunel 2012, PNAS 109:3991, "Calcium-based plasticity
model explains sensitivity of synaptic changes to spike pattern, rate, and dendritic location";
noise term as in the authors' correction, PNAS 2013, doi:10.1073/pnas.1220044110).

Model. Each synapse has a calcium concentration ``c`` (dimensionless) and an efficacy variable
``rho``::

    dc/dt = -c / tau_Ca + C_pre sum_k delta(t - t_pre,k - D) + C_post sum_k delta(t - t_post,k)

    tau drho/dt = -rho (1 - rho) (rho* - rho) + gamma_p (1 - rho) H(c - theta_p) - gamma_d rho H(c - theta_d)
                  + sigma sqrt(tau) sqrt(H(c - theta_p) + H(c - theta_d)) eta(t)

with ``H`` the Heaviside step and ``eta`` Gaussian white noise of unit intensity. Without calcium
above a threshold ``rho`` has two stable states, 0 (DOWN) and 1 (UP), separated by the unstable
``rho* = 1/2``; calcium above ``theta_p`` pushes it towards 1, above ``theta_d`` towards 0.
The transmitted efficacy is the paper's linear map ``w = w_down + rho (w_up - w_down)`` with
``b = w_up / w_down`` (rho clipped to [0, 1] for transmission, so the efficacy stays in
[w_down, w_up]).

In hebblab the projection's weight ``w`` is ``rho``; :func:`transmit` delivers the efficacy. The
pre-synaptic calcium delay ``D`` is the projection's delay: connect with ``delay = D`` (a
multiple of dt), so that a pre spike's calcium jump happens at its arrival (the spike's
transmission to the target is delayed by D as well). :data:`D_CORTICAL` is the fitted value.

Parameters (defaults): the fit to the cortical-slice data of Sjöström, Turrigiano & Nelson 2001,
Graupner & Brunel 2012 Supplementary Table S2 ("cortical slices"; the values also appear in the
authors' published parameter file): tau_Ca = 22.6936 ms, C_pre = 0.5617539, C_post = 1.23964,
theta_d = 1, theta_p = 1.3, gamma_d = 331.909, gamma_p = 725.085, sigma = 3.3501,
tau = 346.3615 s, rho* = 0.5, D = 4.6098 ms, beta = 0.5 (fraction of synapses initially DOWN),
b = 5.40988. :meth:`CalciumBistable.hippocampal` gives the same table's hippocampal-slice fit
(Wittenberg & Wang 2006): tau_Ca = 48.8373 ms, C_pre = 1, C_post = 0.275865, theta_d = 1,
theta_p = 1.3, gamma_d = 313.0965, gamma_p = 1645.59, sigma = 9.1844, tau = 688.355 s,
D = 18.8008 ms, beta = 0.7, b = 5.28145. ``rho*`` is 1/2 in every fit of the paper and is fixed
here (it makes the cubic drift solvable in closed form, below).

Integration (event-driven). Calcium is linear, so ``c = c_pre,j + c_post,i``: each pre neuron keeps
its calcium contribution and last arrival step, each post neuron its own; a synapse's calcium is
the sum and changes by jumps only at its own events (its pre neuron's arrivals and its post
neuron's spikes). At each event the synapse advances ``rho`` over the interval since its last
event, during which ``c(s) = c0 exp(-s / tau_Ca)`` decays from its value just after that event.
The times at which c falls below each threshold are analytic, ``tau_Ca ln(c0 / theta)``, which
cuts the interval into at most three pieces:

* both thresholds exceeded, or only the lower one: the drift is the linear
  ``-Gamma (rho - rho_bar)`` (``Gamma = gamma_p H_p + gamma_d H_d``,
  ``rho_bar = gamma_p H_p / Gamma``) plus the cubic. The linear part with its noise is an
  Ornstein-Uhlenbeck process whose transition over a piece of length h is exactly Gaussian:
  mean ``rho_bar + (rho - rho_bar) e^{-Gamma h / tau}``, variance
  ``sigma^2 (H_p + H_d) (1 - e^{-2 Gamma h / tau}) / (2 Gamma)``. The cubic is added by Strang
  splitting (half a piece of exact cubic flow, the exact OU step, half a piece of cubic flow);
* below both thresholds: only the cubic drift acts, without noise, and for ``rho* = 1/2`` it has
  a closed form: with ``x = rho - 1/2`` and ``y = x^2``, ``tau dy/dt = 2 y (1/4 - y)`` is logistic,
  ``y(h) = y0 / (4 y0 + (1 - 4 y0) e^{-h / (2 tau)})``, and x keeps its sign. Exact.

The only approximation is the splitting inside the pieces above threshold, which are a few tens
of ms against tau = 346 s: its local error is of third order in h / tau with the small cubic
coefficients. Measured without noise against the paper's ODE solved to rtol 1e-12 between
jumps and threshold crossings (tests/test_calcium_bistable.py): |error| <= 8.2e-11 in rho for a
single pairing, 8.8e-10 after 5 pairs at 20 Hz, 3.4e-9 after 5 pairs at 50 Hz (calcium above
threshold throughout); the error falls 16-fold when the pieces are cut in four (second order),
against a per-pairing noise of standard deviation about 0.03. Noise: each piece above threshold draws one normal; the keys are
``(seed, stream, step of the event, 2 s)`` for the first piece and ``2 s + 1`` for the second
(:func:`hebblab.rng.normal_nb`), s the synapse's index, so the compiled and the reference backend
agree bit for bit and a run split into several calls draws the same numbers. A synapse has at
most one interval ending at each step (a second event in the same step has length 0).

Conventions: ``rho`` is advanced at events only, so ``proj.w`` is each synapse's rho as of its
last event (:func:`rho_now` gives the value each synapse would have at the network's current
step); the interval before a synapse's first event is not integrated (rho is its value at that
event). ``rho`` is clipped to [-1, 2] after each event as a numerical guard that the noise does
not reach in practice (about 8 standard deviations of a piece's noise away from [0, 1]).

Module-level helpers: :func:`apply_protocol` applies one spike protocol to many synapses with
independent noise (the same compiled integrator, vectorised over synapses), :func:`relax` the
noise-free drift without calcium, :func:`sjostrom_frequency_dw` the frequency dependence of
pairings at +-10 ms (Sjöström et al. 2001) with a population of synapses initially DOWN with
probability beta, as in the paper.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
from numba import njit
from numpy.typing import ArrayLike

from .. import _validate as V
from ..compile_mode import INLINE
from ..rng import normal, normal_nb
from ..si import ms
from ..units import mark_si
from .base import NO_SPIKE, NeuronTrace, Rule, register_rule

#: The pre-synaptic calcium delay D of the cortical-slice fit (Table S2), seconds.
D_CORTICAL = 4.6098e-3
#: Fraction of synapses initially DOWN in the cortical-slice fit (Table S2).
BETA_CORTICAL = 0.5
#: rho is kept inside [RHO_LOW, RHO_HIGH] (a guard the noise does not reach in practice).
RHO_LOW, RHO_HIGH = -1.0, 2.0

# packed parameters
DTC, C_PRE, C_POST, TH_D, TH_P, G_D, G_P, SIGMA, TAU, DT, W_DOWN, W_UP, TAU_CA = range(13)


@register_rule
@dataclass(frozen=True)
class CalciumBistable(Rule):
    """Calcium-based bistable synapse of Graupner & Brunel 2012 (see module docstring); ``w`` is rho."""

    tau_ca: float = 22.6936 * ms
    c_pre: float = 0.5617539
    c_post: float = 1.23964
    theta_d: float = 1.0
    theta_p: float = 1.3
    gamma_d: float = 331.909
    gamma_p: float = 725.085
    sigma: float = 3.3501
    tau: float = 346.3615
    w_up: float = 1.0
    w_down: float = 1.0 / 5.40988

    rule_name: ClassVar[str] = "calcium-bistable"
    kernel_module: ClassVar[str] = "hebblab.plasticity.calcium_bistable"
    param_units: ClassVar[dict[str, str]] = {"tau_ca": "second", "tau": "second"}

    def __post_init__(self):
        o = "CalciumBistable"
        for name in ("tau_ca", "theta_d", "theta_p", "tau"):
            object.__setattr__(self, name, V.positive(f"{o}.{name}", getattr(self, name)))
        for name in ("c_pre", "c_post", "gamma_d", "gamma_p", "sigma"):
            object.__setattr__(self, name, V.non_negative(f"{o}.{name}", getattr(self, name)))
        for name in ("w_up", "w_down"):
            object.__setattr__(self, name, V.finite(f"{o}.{name}", getattr(self, name)))
        if not self.w_up > self.w_down:
            raise ValueError(f"{o}.w_up must be > w_down = {self.w_down!r} (got {self.w_up!r})")

    @classmethod
    def hippocampal(cls, **overrides) -> "CalciumBistable":
        """The hippocampal-slice fit of Table S2 (Wittenberg & Wang 2006 data; D = 18.8008 ms,
        beta = 0.7 go to the protocol, not the rule)."""
        params = dict(tau_ca=48.8373 * ms, c_pre=1.0, c_post=0.275865, theta_d=1.0, theta_p=1.3,
                      gamma_d=313.0965, gamma_p=1645.59, sigma=9.1844, tau=688.355, w_up=1.0,
                      w_down=1.0 / 5.28145)
        params = {k: mark_si(v) if k in cls.param_units else v for k, v in params.items()}  # SI defaults
        params.update(overrides)
        return cls(**params)

    @property
    def b(self) -> float:
        """Ratio of the UP to the DOWN efficacy (the paper's b), where w_down > 0."""
        return self.w_up / self.w_down if self.w_down != 0.0 else math.inf

    def bounds(self) -> tuple[float, float]:
        return RHO_LOW, RHO_HIGH

    def layout(self) -> tuple[int, int, int]:
        # pre: (calcium contribution just after the last arrival, its step); post: the same
        return 0, 2, 2

    def pack(self, dt: float) -> np.ndarray:
        from .base import dt_over_tau
        dtc = dt_over_tau(self, "tau_ca", dt)
        dt_over_tau(self, "tau", dt)
        return np.array([dtc, self.c_pre, self.c_post, self.theta_d, self.theta_p, self.gamma_d, self.gamma_p,
                         self.sigma, self.tau, float(dt), self.w_down, self.w_up, self.tau_ca])

    def reference(self, pre_times: ArrayLike, post_times: ArrayLike, w0: float, delay: float = 0.0,
                  dt: float | None = None, seed: int = 0, stream: int = 0, s: int = 0,
                  pre_neuron: NeuronTrace | None = None, post_neuron: NeuronTrace | None = None) -> float:
        """Final rho of one synapse from its spike lists, written without the kernel pieces: the
        calcium by explicit sums over earlier spikes, rho by the scheme of the module docstring
        in plain Python. ``dt`` is required (the noise keys are steps)."""
        if dt is None:
            raise ValueError("CalciumBistable.reference needs dt (the noise keys are counted in steps)")
        pre = [int(round(t / dt)) + int(round(delay / dt)) for t in pre_times]
        post = [int(round(t / dt)) for t in post_times]
        return _reference_walk(self, pre, post, float(w0), dt, seed, stream, s, None)


def _reference_walk(rule, pre_steps, post_steps, rho, dt, seed, stream, s, end_step):
    """The reference integrator on event steps (plain Python); ``end_step``: advance to it at the end."""
    events = sorted([(t, 0) for t in pre_steps] + [(t, 1) for t in post_steps])
    seen = []  # (step, amplitude) of every calcium jump so far
    last = None
    if end_step is not None:
        events.append((int(end_step), 2))
    for t, kind in events:
        if last is not None and t > last:
            c0 = sum(a * math.exp(-(last - q) * dt / rule.tau_ca) for q, a in seen)
            rho = _ref_interval(rule, rho, c0, (t - last) * dt, seed, stream, t, s)
            rho = min(max(rho, RHO_LOW), RHO_HIGH)
        if kind == 2:
            break
        seen.append((t, rule.c_pre if kind == 0 else rule.c_post))
        last = t
    return rho


def _ref_cubic(rho, h, tau):
    x = rho - 0.5
    if x == 0.0:
        return rho
    y0 = x * x
    y = y0 / (4.0 * y0 + (1.0 - 4.0 * y0) * math.exp(-h / (2.0 * tau)))
    return 0.5 + math.copysign(math.sqrt(y), x)


def _ref_interval(rule, rho, c0, T, seed, stream, t, s):
    lo, hi = sorted((rule.theta_d, rule.theta_p))
    t_hi = min(T, rule.tau_ca * math.log(c0 / hi)) if c0 > hi else 0.0
    t_lo = min(T, rule.tau_ca * math.log(c0 / lo)) if c0 > lo else 0.0
    pieces = [(t_hi, 1.0, 1.0), (t_lo - t_hi, float(rule.theta_p <= lo), float(rule.theta_d <= lo))]
    for k, (h, hp, hd) in enumerate(pieces):
        if h <= 0.0:
            continue
        gam = rule.gamma_p * hp + rule.gamma_d * hd
        rho = _ref_cubic(rho, 0.5 * h, rule.tau)
        noise = rule.sigma * rule.sigma * (hp + hd)
        if gam > 0.0:
            bar = rule.gamma_p * hp / gam
            var = noise * -math.expm1(-2.0 * gam * h / rule.tau) / (2.0 * gam)
            rho = bar + (rho - bar) * math.exp(-gam * h / rule.tau)
        else:
            var = noise * h / rule.tau
        if var > 0.0:
            rho += math.sqrt(var) * float(normal(seed, stream, t, 2 * s + k)[()])
        rho = _ref_cubic(rho, 0.5 * h, rule.tau)
    return _ref_cubic(rho, T - max(t_lo, t_hi), rule.tau)


# ---- the compiled integrator ---------------------------------------------------------------------

@njit(cache=True, inline=INLINE)
def _cubic(rho, h, tau):
    """Exact flow of tau drho/dt = -rho (1 - rho) (1/2 - rho) over h (module docstring)."""
    x = rho - 0.5
    if x == 0.0:
        return rho
    y0 = x * x
    y = y0 / (4.0 * y0 + (1.0 - 4.0 * y0) * np.exp(-h / (2.0 * tau)))
    r = np.sqrt(y)
    return 0.5 + r if x > 0.0 else 0.5 - r


@njit(cache=True)
def _piece(rho, h, hp, hd, P, seed, stream, t, b):
    """One piece above threshold: half cubic, exact OU (linear drift + noise), half cubic."""
    tau = P[TAU]
    gam = P[G_P] * hp + P[G_D] * hd
    rho = _cubic(rho, 0.5 * h, tau)
    noise = P[SIGMA] * P[SIGMA] * (hp + hd)
    if gam > 0.0:
        bar = P[G_P] * hp / gam
        var = noise * -np.expm1(-2.0 * gam * h / tau) / (2.0 * gam)
        rho = bar + (rho - bar) * np.exp(-gam * h / tau)
    else:
        var = noise * h / tau
    if var > 0.0:
        rho += np.sqrt(var) * normal_nb(seed, stream, t, b)
    return _cubic(rho, 0.5 * h, tau)


@njit(cache=True)
def _interval(rho, c0, T, P, seed, stream, t, s):
    """Advance rho over T seconds during which calcium decays from c0 (module docstring)."""
    tca = P[TAU_CA]
    th_d, th_p = P[TH_D], P[TH_P]
    lo = th_d if th_d < th_p else th_p
    hi = th_p if th_d < th_p else th_d
    t_hi = 0.0
    if c0 > hi:
        t_hi = min(T, tca * np.log(c0 / hi))
    t_lo = 0.0
    if c0 > lo:
        t_lo = min(T, tca * np.log(c0 / lo))
    if t_hi > 0.0:
        rho = _piece(rho, t_hi, 1.0, 1.0, P, seed, stream, t, 2 * s)
    if t_lo > t_hi:
        rho = _piece(rho, t_lo - t_hi, 1.0 if th_p <= lo else 0.0, 1.0 if th_d <= lo else 0.0, P, seed, stream,
                     t, 2 * s + 1)
    return _cubic(rho, T - max(t_lo, t_hi), P[TAU])


@njit(cache=True)
def _event(t, s, w, pc, pl, qc, ql, P, seed, stream):
    """rho of synapse s at its event in step t, its pre neuron's calcium (pc at step pl) and its
    post neuron's (qc at step ql) as they were after its previous event."""
    last = max(pl, ql)
    if last < 0.5 * NO_SPIKE or last >= t:  # no earlier event, or a second one in this step
        return w
    c0 = pc * np.exp(-(last - pl) * P[DTC]) + qc * np.exp(-(last - ql) * P[DTC])
    rho = _interval(w, c0, (t - last) * P[DT], P, seed, stream, t, s)
    return min(max(rho, RHO_LOW), RHO_HIGH)


@njit(cache=True)
def _jump(value, last, t, amplitude, P):
    """A neuron's calcium contribution just after its spike at step t."""
    return value * np.exp(-(t - last) * P[DTC]) + amplitude


@njit(cache=True, inline=INLINE)
def syn_pre(t, s, i, j, w, syn, pre, post, P, seed, stream):
    return _event(t, s, w, pre[j, 0], pre[j, 1], post[i, 0], post[i, 1], P, seed, stream)


@njit(cache=True, inline=INLINE)
def syn_post(t, s, i, j, w, syn, pre, post, P, seed, stream):
    return _event(t, s, w, pre[j, 0], pre[j, 1], post[i, 0], post[i, 1], P, seed, stream)


@njit(cache=True, inline=INLINE)
def pre_spike(t, j, pre, P):
    pre[j, 0] = _jump(pre[j, 0], pre[j, 1], t, P[C_PRE], P)
    pre[j, 1] = t


@njit(cache=True, inline=INLINE)
def post_spike(t, i, post, P):
    post[i, 0] = _jump(post[i, 0], post[i, 1], t, P[C_POST], P)
    post[i, 1] = t


@njit(cache=True, inline=INLINE)
def transmit(w, P):
    rho = min(max(w, 0.0), 1.0)
    return P[W_DOWN] + rho * (P[W_UP] - P[W_DOWN])


# ---- module-level API ------------------------------------------------------------------------------

@njit(cache=True)
def _protocol(rho, steps, kinds, end_step, P, seed, stream, s0, out):
    """Every synapse k (index s0 + k for the noise keys) through the same events, in order
    (pre arrivals before post spikes within a step), then to ``end_step`` if >= 0."""
    for k in range(rho.size):
        w = rho[k]
        pc, pl, qc, ql = 0.0, NO_SPIKE, 0.0, NO_SPIKE
        for e in range(steps.size):
            t = steps[e]
            w = _event(t, s0 + k, w, pc, pl, qc, ql, P, seed, stream)
            if kinds[e] == 0:
                pc, pl = _jump(pc, pl, t, P[C_PRE], P), float(t)
            else:
                qc, ql = _jump(qc, ql, t, P[C_POST], P), float(t)
        if end_step >= 0:
            w = _event(end_step, s0 + k, w, pc, pl, qc, ql, P, seed, stream)
        out[k] = w


def _event_steps(pre_times, post_times, delay, dt):
    pre = V.real_array("apply_protocol.pre_times", pre_times, 0.0).ravel()
    post = V.real_array("apply_protocol.post_times", post_times, 0.0).ravel()
    d = V.steps("apply_protocol.delay", delay, dt)  # rounded to whole steps
    pre_s = np.round(pre / dt).astype(np.int64) + d
    post_s = np.round(post / dt).astype(np.int64)
    for name, st in (("pre_times", pre_s), ("post_times", post_s)):
        if st.size != np.unique(st).size:
            raise ValueError(f"apply_protocol.{name} must have at most one spike per step of dt = {dt:g} s "
                             f"(got {st.size} spikes in {np.unique(st).size} steps)")
    steps = np.concatenate([pre_s, post_s])
    kinds = np.concatenate([np.zeros(pre_s.size, np.int64), np.ones(post_s.size, np.int64)])
    order = np.lexsort((kinds, steps))
    return steps[order], kinds[order]


def _rule(rule, params, where):
    if rule is None:
        return CalciumBistable(**params)
    if params:
        raise TypeError(f"{where}: pass either rule or parameters, not both (got {sorted(params)})")
    if not isinstance(rule, CalciumBistable):
        raise TypeError(f"{where}.rule must be a CalciumBistable (got {type(rule).__name__})")
    return rule


def apply_protocol(rho, pre_times, post_times, *, seed: int, stream: int = 0, rule: CalciumBistable | None = None,
                   delay: float = D_CORTICAL, dt: float = 1e-4, t_end: float | None = None,
                   first_index: int = 0, **params) -> np.ndarray:
    """Apply one spike protocol to many synapses, each with its own noise; return their rho after.

    ``rho``: array of the synapses' rho before (any shape, values in [-1, 2]); ``pre_times`` and
    ``post_times``: the pre neuron's spike times and the post neuron's, seconds (>= 0), the same
    for every synapse; the pre calcium jumps ``delay`` after each pre spike (the paper's D, rounded to
    whole steps: 4.6098 ms is 4.6 ms at dt = 0.1 ms). Times are put on the grid of ``dt`` as the engine does, and synapse k
    draws its noise with the engine's keys (``seed``, ``stream``, step, ``first_index + k``), so a
    one-to-one projection with the same spikes gives the same rho bit for bit (``t_end`` at the
    network's end step). Use a different ``stream`` (or ``seed``) for each call whose noise must
    be independent of another's.

    ``t_end``: the time to advance every synapse to after the last event (seconds). Default: the
    first step after the last event at which the calcium is below both thresholds, so the
    protocol's whole effect is included and only the noise-free cubic drift remains
    (:func:`relax`). ``rule`` (a :class:`CalciumBistable`) or its parameters as keywords;
    default: the cortical-slice fit.
    """
    rule = _rule(rule, params, "apply_protocol")
    dt = V.positive("apply_protocol.dt", dt)
    seed = V.integer("apply_protocol.seed", seed, 0, V.MAX_SEED)
    stream = V.integer("apply_protocol.stream", stream, 0, V.MAX_SEED)
    first = V.integer("apply_protocol.first_index", first_index, 0, V.MAX_SEED)
    rho_in = V.real_array("apply_protocol.rho", rho, RHO_LOW, RHO_HIGH)
    P = rule.pack(dt)
    steps, kinds = _event_steps(pre_times, post_times, delay, dt)
    last = int(steps[-1]) if steps.size else -1
    if t_end is None:
        end = -1
        if steps.size:
            # calcium just after the last event, by sums over the events (all steps <= last)
            amp = np.where(kinds == 0, rule.c_pre, rule.c_post)
            c = float(np.sum(amp * np.exp(-(last - steps) * dt / rule.tau_ca)))
            lo = min(rule.theta_d, rule.theta_p)
            end = last + (int(math.ceil(rule.tau_ca * math.log(c / lo) / dt)) + 1 if c > lo else 0)
    else:
        end = V.steps("apply_protocol.t_end", t_end, dt)
        if steps.size and end < last:
            raise ValueError(f"apply_protocol.t_end must be >= the last event at {last * dt:g} s (got {t_end!r})")
    flat = np.ascontiguousarray(rho_in, dtype=np.float64).ravel()
    out = np.empty_like(flat)
    _protocol(flat, steps, kinds, np.int64(end), P, np.int64(seed), np.int64(stream), np.int64(first), out)
    return out.reshape(rho_in.shape)


def relax(rho, duration: float, tau: float = 346.3615) -> np.ndarray:
    """rho after ``duration`` seconds without calcium above threshold (the exact noise-free cubic
    flow of the module docstring, rho* = 1/2), elementwise."""
    r = V.real_array("relax.rho", rho, RHO_LOW, RHO_HIGH)
    h = V.non_negative("relax.duration", duration)
    tau = V.positive("relax.tau", tau)
    x = r - 0.5
    y0 = x * x
    y = y0 / (4.0 * y0 + (1.0 - 4.0 * y0) * math.exp(-h / (2.0 * tau)))
    return np.where(x == 0.0, r, 0.5 + np.sign(x) * np.sqrt(y))


def pairing_times(freq_hz: float, lag_s: float, n_pairs: int, start: float = 0.1) -> tuple[np.ndarray, np.ndarray]:
    """Pre and post spike times of ``n_pairs`` pairs at ``freq_hz``, post ``lag_s`` after pre
    (negative: post first), the earlier spike of the first pair at ``start``."""
    f = V.positive("pairing_times.freq_hz", freq_hz)
    lag = V.finite("pairing_times.lag_s", lag_s)
    n = V.positive_int("pairing_times.n_pairs", n_pairs)
    start = V.non_negative("pairing_times.start", start)
    if abs(lag) >= 1.0 / f:
        raise ValueError(f"pairing_times.lag_s must be shorter than the pairing period 1/freq_hz = {1.0 / f:g} s "
                         f"(got {lag_s!r})")
    first = start + np.arange(n) / f
    pre = first + max(0.0, -lag)
    return pre, pre + lag


def sjostrom_frequency_dw(freqs_hz, lag_s: float, n_pairs: int = 75, *, n_synapses: int = 2000, seed: int = 0,
                          beta: float = BETA_CORTICAL, rule: CalciumBistable | None = None,
                          delay: float = D_CORTICAL, dt: float = 1e-4, **params) -> np.ndarray:
    """Mean relative change of the synaptic strength after ``n_pairs`` pre/post pairs at lag
    ``lag_s`` (post minus pre, e.g. +-10 ms) repeated at each frequency of ``freqs_hz``.

    As in the paper: a population of ``n_synapses`` synapses, a fraction ``beta`` DOWN (rho = 0)
    and the rest UP (rho = 1); after the protocol a synapse is UP if rho > rho* = 1/2 (the state the
    cubic drift then takes it to); the change is ``mean efficacy after / mean efficacy before - 1``
    with efficacies w_down and w_up (ratio b), i.e. the paper's
    ``(beta (1 - U) + (1 - beta) D + b (beta U + (1 - beta)(1 - D))) / (beta + (1 - beta) b) - 1``
    with U, D the measured transition fractions. Computed with the vectorised integrator
    :func:`apply_protocol` (the engine's code; each frequency its own noise stream). Defaults:
    the cortical-slice fit (Table S2) and 75 pairs (Sjöström et al. 2001: 15 trains of 5
    pairings, here presented as one regular train, as the paper's analysis does)."""
    rule = _rule(rule, params, "sjostrom_frequency_dw")
    freqs = V.real_array("sjostrom_frequency_dw.freqs_hz", freqs_hz, 0.0).ravel()
    n = V.positive_int("sjostrom_frequency_dw.n_synapses", n_synapses)
    beta = V.in_range("sjostrom_frequency_dw.beta", beta, 0.0, 1.0)
    n_down = int(round(beta * n))
    rho0 = np.concatenate([np.zeros(n_down), np.ones(n - n_down)])
    w_before = rule.w_down * n_down + rule.w_up * (n - n_down)
    if not w_before > 0.0:
        raise ValueError(f"sjostrom_frequency_dw: the mean efficacy before must be > 0 for a relative change "
                         f"(w_down = {rule.w_down!r}, w_up = {rule.w_up!r}, beta = {beta!r})")
    out = np.empty(freqs.size)
    for k, f in enumerate(freqs):
        pre, post = pairing_times(f, lag_s, n_pairs)
        rho = apply_protocol(rho0, pre, post, seed=seed, stream=k, rule=rule, delay=delay, dt=dt)
        up = rho > 0.5
        out[k] = (rule.w_down * np.sum(~up) + rule.w_up * np.sum(up)) / w_before - 1.0
    return out


def rho_now(proj) -> np.ndarray:
    """Each synapse's rho at its network's current step, as an event there would leave it (same
    noise keys), for a projection with a :class:`CalciumBistable` rule; changes nothing."""
    if not isinstance(proj.rule, CalciumBistable):
        raise TypeError(f"rho_now needs a projection with a CalciumBistable rule (got {type(proj.rule).__name__})")
    net = proj.net
    j_of = np.repeat(np.arange(proj.pre.n), np.diff(proj.indptr))
    out = np.empty(proj.w.size)
    _now(np.asarray(proj.w, np.float64), j_of, np.asarray(proj.post_index, np.int64), proj.pre_vars,
         proj.post_vars, np.int64(net.step), proj.P, np.int64(net.seed), np.int64(proj.stream), out)
    return out


@njit(cache=True)
def _now(w, j_of, i_of, pre, post, t, P, seed, stream, out):
    for s in range(w.size):
        j, i = j_of[s], i_of[s]
        out[s] = _event(t, s, w[s], pre[j, 0], pre[j, 1], post[i, 0], post[i, 1], P, seed, stream)
