r"""Burst-gated binary synapse: one coincident pre/post burst writes a bit, single spikes do nothing.

The synapse keeps a hidden analog ``w`` in [0, 1] (its "importance", as in
:class:`~hebblab.plasticity.BinaryBurst`) and a fixed ``sign``; the bit is ``[w >= theta]``.
Unlike BinaryBurst, whose nearest-spike STDP moves ``w`` at every pre/post pair, this rule changes
``w`` only at *burst events*.

Burst detector (one per neuron, pre side at the synapse: arrival times, delay included). A neuron
keeps a run counter n: at each of its spikes, ``n <- n + 1`` if the interval since its previous
spike is at most ``isi_max`` (same grid as the engine: ``round(isi_max / dt)`` steps), else
``n <- 1``. The spike at which n reaches ``burst`` (B) *completes a burst*; the counter then
restarts at 0, so a run of 2B close spikes is two bursts and a run of B - 1 is none. Let ``t_pre``
and ``t_post`` be the steps of the last completed pre and post bursts. Then

* at a post burst completion at t: if ``0 <= t - t_pre <= window_plus`` (a causal burst pairing; a
  pre completion in the same step counts, as pre arrivals are processed first),
  ``w <- min(w + a_plus, 1)``: a **1 is written**;
* at a pre burst completion (arrival) at t: if ``0 < t - t_post <= window_minus`` (anti-causal),
  ``w <- max(w - a_minus, 0)``: a **0 is written** (depression).

Every other spike leaves ``w`` alone. With the defaults (theta 0.2, a+ = a- = 0.3) one causal
burst takes w from 0 to 0.3 >= theta and one anti-causal burst from 0.3 back to 0; a synapse at
``w`` needs ``floor((w - theta)/a_minus) + 1`` anti-causal bursts to forget (:meth:`importance`).

Why this mechanism. Associative LTP at hippocampal synapses needs postsynaptic *bursts*: pairing a
pre spike with a single post spike does not induce it (Pike, Meredith, Olding & Paulsen 1999,
J. Physiol. 518:571), and in calcium-threshold accounts only the large calcium influx of
coincident bursting crosses the potentiation threshold (Lisman 1989, PNAS 86:9574). Burst-dependent
plasticity (Payeur, Guerguiev, Zenke, Richards & Naud 2021, Nat. Neurosci. 24:1010) makes the
post-synaptic burst the event that gates potentiation, with pre-synaptic eligibility; retinogeniculate
synapses follow the relative timing of pre and post *bursts* (Butts, Kanold & Shatz 2007, PLoS Biol.
5:e61). This rule takes the discrete limit of those accounts: a burst detector on each side
(the run counter stands for the calcium threshold that only B spikes within isi_max cross) and a
burst-timing window that sets the sign. It departs from Payeur et al. on depression: there single
post spikes depress; here depression is gated by bursts too (an anti-causal burst pairing), which
is what makes the stored bit immune to single-spike activity, the article's claim. The cost: a
memory can only be written or erased by bursts, and chance bursts in ongoing activity still occur
(closed form below).

Chance writes and erases under independent Poisson activity (:meth:`burst_rate`,
:meth:`chance_rates`). In a Poisson train of rate r the next interval is at most T = isi_max with
probability ``q = 1 - e^{-r T}`` (on the engine's grid, spikes with probability p = r dt per step:
``q = 1 - (1 - p)^{round(T/dt)}``). The counter at successive spikes is a Markov chain on 1..B
(k -> k + 1 with probability q, -> 1 otherwise; B -> 1 always), with stationary law
``pi_k = q^{k-1} (1 - q) / (1 - q^B)``; bursts complete at the rate (exact, stationary)

    rho(r) = r pi_B = r (1 - q) q^{B-1} / (1 - q^B)      (~ r q^{B-1} for q << 1).

Pre and post are independent, so a post completion finds a pre completion in its causal window of
length W+ (on the grid ``round(W+/dt) + 1`` steps, the same step included) with probability
``P(N_pre(W+) >= 1) <= E N_pre(W+) = rho_pre W+``; the difference is the chance of two completions
in one window, which needs B more close spikes after the first (a 2000 s Poisson train on the
0.1 ms grid gives 1.8 +- 1.2 % less than rho W at 80 Hz, W = 20 ms; less at lower rates).
Hence, to first order in ``rho W``,

    write rate  lambda+ = rho_post rho_pre W+,        erase rate  lambda- = rho_pre rho_post W-

(grid: W+ -> (round(W+/dt) + 1) dt, W- -> round(W-/dt) dt). At B = 5, T = 10 ms, W = 20 ms:
rho = 7.4e-4/s at 10 Hz (lambda = 1.1e-8/s), 0.318/s at 40 Hz (lambda = 2.0e-3/s). A stored 0 at
w0 < theta flips after ``k+ = ceil((theta - w0)/a_plus)`` writes, a stored 1 after
``k- = floor((w0 - theta)/a_minus) + 1`` erases; neglecting the opposite events (a correction of
order lambda+ lambda- t^2), :meth:`flip_probability` is the Poisson tail
``P(N >= k)``, N ~ Poisson(lambda t).

Write noise (``noise``, :class:`~hebblab.plasticity.Scatter`): a burst event stands for the B
pairings of the burst. ``"pairing"`` multiplies each event's step by ``1 + (sigma / sqrt(B)) xi``
(xi a fresh normal: the sum of B pairings with independent per-pairing noise of relative SD sigma),
with keys (seed, stream, step, 2 s) for writes and (.., 2 s + 1) for erases; ``"synapse"``
multiplies it by the synapse's fixed log-normal gain (mean 1, SD sigma_plus for writes,
sigma_minus for erases; keys (seed, stream, s, 0 / 1)), as in
:class:`~hebblab.plasticity.PairSTDP`. From w = 0 one causal burst then writes with probability
``P(a_plus g >= theta)`` (synapse) or ``P(1 + sigma xi / sqrt(B) >= theta / a_plus)`` (pairing).

Readout as in BinaryBurst: ``"burst"`` transmits ``sign * w`` (into IF neurons of threshold 1 a burst
of B fires iff ``B w >= 1``), ``"threshold"`` transmits ``sign * [w >= theta]``.

Module functions for abstract (event-level) memory models: :func:`abstract_event` (the hidden
weight after one candidate potentiation or depression event, for this rule or for BinaryBurst's
one-burst pairing) and :func:`binary_burst_one_burst_change` (BinaryBurst's closed form).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

import numpy as np
from numba import njit
from numpy.typing import ArrayLike

from .. import _validate as V
from ..compile_mode import INLINE
from ..rng import normal, normal_nb
from ..si import ms
from ..units import named_si, takes_units
from .base import NO_SPIKE, NeuronTrace, Rule, RuleState, arrival_times, register_rule
from .pair_stdp import lognormal_gain
from .scatter import Scatter

if TYPE_CHECKING:
    from .binary_burst import BinaryBurst

(BURST, ISI, WIN_P, WIN_M, A_P, A_M, THETA, SIGN, READOUT, SIG_PP, SIG_PM, PAIR_NOISE, GAIN) = range(13)
#: Neuron state columns: run counter, step of the last completed burst, step of the last spike.
COUNT, DONE, LAST = 0, 1, 2


@register_rule
@dataclass(frozen=True)
class BurstGatedBinary(Rule):
    """Binary synapse written and erased only by coincident pre/post bursts (module docstring)."""

    theta: float = 0.2
    burst: int = 5
    isi_max: float = 10 * ms
    window_plus: float = 20 * ms
    window_minus: float = 20 * ms
    a_plus: float = 0.3
    a_minus: float = 0.3
    sign: int = 1
    readout: str = "burst"
    noise: Scatter | tuple | None = None

    rule_name: ClassVar[str] = "burst-gated"
    kernel_module: ClassVar[str] = "hebblab.plasticity.burst_gated"
    param_units: ClassVar[dict[str, str]] = {"isi_max": "second", "window_plus": "second", "window_minus": "second"}
    #: Windows and the ISI are at most this many steps (base.NO_SPIKE must lie outside them).
    MAX_WINDOW_STEPS: ClassVar[int] = 10**12

    def __post_init__(self):
        o = "BurstGatedBinary"
        object.__setattr__(self, "theta", V.in_range(f"{o}.theta", self.theta, 0.0, 1.0, low_open=True,
                                                     high_open=True))
        object.__setattr__(self, "burst", V.integer(f"{o}.burst", self.burst, 2, 10_000))
        object.__setattr__(self, "isi_max", V.positive(f"{o}.isi_max", self.isi_max))
        for name in ("window_plus", "window_minus"):
            object.__setattr__(self, name, V.non_negative(f"{o}.{name}", getattr(self, name)))
        for name in ("a_plus", "a_minus"):
            object.__setattr__(self, name, V.in_range(f"{o}.{name}", getattr(self, name), 0.0, 1.0))
        if not (V._is_number(self.sign) and self.sign in (1, -1)):
            raise ValueError(f"{o}.sign must be +1 or -1 (got {self.sign!r})")
        object.__setattr__(self, "sign", int(self.sign))
        V.one_of(f"{o}.readout", self.readout, ("burst", "threshold"))
        noise = self.noise
        if isinstance(noise, Scatter):
            noise = (noise,)
        if noise is not None:
            if not isinstance(noise, (tuple, list)) or not all(isinstance(n, Scatter) for n in noise):
                raise ValueError(f"{o}.noise must be None, a Scatter, or a tuple of Scatter (got {self.noise!r})")
            noise = tuple(noise)
            kinds = [n.kind for n in noise]
            if len(set(kinds)) != len(kinds):
                raise ValueError(f"{o}.noise: at most one Scatter of each kind ('pairing', 'synapse')")
            noise = noise or None
        object.__setattr__(self, "noise", noise)

    def _scatter(self, kind):
        return next((n for n in self.noise or () if n.kind == kind), None)

    def bounds(self) -> tuple[float, float]:
        return 0.0, 1.0

    def layout(self) -> tuple[int, int, int]:
        return (2 if self._scatter("synapse") is not None else 0), 3, 3

    def init_state(self, n_syn: int, n_pre: int, n_post: int, seed: int, stream: int) -> RuleState:
        syn, pre, post = super().init_state(n_syn, n_pre, n_post, seed, stream)
        pre[:, DONE:] = NO_SPIKE
        post[:, DONE:] = NO_SPIKE
        sn = self._scatter("synapse")
        if sn is not None:
            idx = np.arange(n_syn)
            syn[:, 0] = lognormal_gain(sn.sigma_plus, normal(seed, stream, idx, 0))
            syn[:, 1] = lognormal_gain(sn.sigma_minus, normal(seed, stream, idx, 1))
        return syn, pre, post

    def _steps(self, dt):
        out = []
        for name in ("isi_max", "window_plus", "window_minus"):
            v = getattr(self, name)
            if not v / dt <= self.MAX_WINDOW_STEPS:
                raise ValueError(f"BurstGatedBinary.{name} must be in [0, {self.MAX_WINDOW_STEPS * dt:g}] s "
                                 f"({self.MAX_WINDOW_STEPS:g} steps of dt = {dt:g} s) (got {v!r})")
            out.append(int(round(v / dt)))
        return out

    def pack(self, dt: float) -> np.ndarray:
        isi, wp, wm = self._steps(dt)
        pn, sn = self._scatter("pairing"), self._scatter("synapse")
        root = math.sqrt(self.burst)
        return np.array([self.burst, isi, wp, wm, self.a_plus, self.a_minus, self.theta, float(self.sign),
                         1.0 if self.readout == "threshold" else 0.0,
                         pn.sigma_plus / root if pn else 0.0, pn.sigma_minus / root if pn else 0.0,
                         1.0 if pn else 0.0, 1.0 if sn else 0.0])

    # ---------------------------------------------------------------- closed forms

    def _q(self, rate, dt):
        r = V.positive("rate_hz", rate)
        if dt is None:
            return r, -math.expm1(-r * self.isi_max)
        p = r * V.positive("dt", dt)
        if p > 1:
            raise ValueError(f"rate * dt must be <= 1 (got {p:g})")
        return r, 1.0 - (1.0 - p) ** round(self.isi_max / dt)

    def burst_rate(self, rate_hz: float, dt: float | None = None) -> float:
        """Rate (per second) of completed bursts in a Poisson train of ``rate_hz``, in continuous
        time or on the grid of step ``dt``: ``r (1 - q) q^{B-1} / (1 - q^B)`` (module docstring)."""
        rate_hz = named_si("BurstGatedBinary.burst_rate.rate_hz", rate_hz, "hertz")
        dt = named_si("BurstGatedBinary.burst_rate.dt", dt, "second")
        r, q = self._q(rate_hz, dt)
        B = self.burst
        return r * (1 - q) * q ** (B - 1) / (1 - q**B)

    def chance_rates(self, rate_hz: float, rate_post_hz: float | None = None,
                     dt: float | None = None) -> tuple[float, float]:
        """(write rate, erase rate) per synapse and second under independent Poisson pre
        (``rate_hz``) and post (``rate_post_hz``, default the same) activity, to first order in
        rho W (module docstring); on the engine's grid when ``dt`` is given."""
        rho_pre = self.burst_rate(rate_hz, dt)
        rho_post = self.burst_rate(rate_hz if rate_post_hz is None else rate_post_hz, dt)
        if dt is None:
            wp, wm = self.window_plus, self.window_minus
        else:
            _, sp, sm = self._steps(dt)
            wp, wm = (sp + 1) * dt, sm * dt
        return rho_post * rho_pre * wp, rho_pre * rho_post * wm

    def events_to_flip(self, w0: ArrayLike) -> np.ndarray:
        """Writes needed to flip a stored 0 at ``w0`` (``ceil((theta - w0)/a_plus)``) or erases to
        flip a stored 1 (``floor((w0 - theta)/a_minus) + 1``); inf where a step is 0."""
        w0 = np.asarray(w0, float)
        with np.errstate(divide="ignore", invalid="ignore"):
            up = np.where(self.a_plus > 0, np.ceil((self.theta - w0) / self.a_plus), np.inf)
            down = np.where(self.a_minus > 0, np.floor((w0 - self.theta) / self.a_minus) + 1, np.inf)
        return np.where(w0 >= self.theta, down, np.maximum(up, 1))

    def flip_probability(self, w0: ArrayLike, rate_hz: float, t: float, rate_post_hz: float | None = None,
                         dt: float | None = None) -> np.ndarray:
        """P(the bit stored at ``w0`` reads wrong after ``t`` s of independent Poisson activity):
        the Poisson tail P(N >= k), N ~ Poisson(lambda t), k from :meth:`events_to_flip`, lambda the
        write (stored 0) or erase (stored 1) rate; opposite events neglected (module docstring)."""
        from scipy.stats import poisson
        lam_w, lam_e = self.chance_rates(rate_hz, rate_post_hz, dt)
        w0 = np.asarray(w0, float)
        k = self.events_to_flip(w0)
        mu = np.where(w0 >= self.theta, lam_e, lam_w) * V.non_negative("t", t)
        return np.where(np.isfinite(k), poisson.sf(np.where(np.isfinite(k), k, 1) - 1, mu), 0.0)

    def bit(self, w: ArrayLike) -> np.ndarray:
        """The stored bit ``w >= theta``."""
        return np.asarray(w) >= self.theta

    def importance(self, w: ArrayLike) -> np.ndarray:
        """Anti-causal bursts needed to forget a stored 1 (0 for a stored 0)."""
        w = np.asarray(w, float)
        return np.where(w >= self.theta, self.events_to_flip(w), 0.0)

    # ---------------------------------------------------------------- slow reference

    def reference(self, pre_times: ArrayLike, post_times: ArrayLike, w0: float, delay: float = 0.0,
                  dt: float | None = None, seed: int = 0, stream: int = 0, s: int = 0,
                  pre_neuron: NeuronTrace | None = None, post_neuron: NeuronTrace | None = None) -> float:
        """Final w of one synapse from its spike lists, written out directly: the burst
        completions of each side by the run counter, then the pairing windows (``dt`` needed: the
        ISI and windows are counted in steps, and noise keys use steps)."""
        if dt is None:
            raise ValueError("BurstGatedBinary.reference needs dt (the ISI and windows are counted in steps)")
        isi, wp, wm = self._steps(dt)
        pre = [int(round(x / dt)) for x in arrival_times(pre_times, delay, dt)]
        post = [int(round(x / dt)) for x in arrival_times(post_times, 0.0, dt)]

        def completions(steps):
            out, n, last = [], 0, None
            for t in steps:
                n = n + 1 if (last is not None and t - last <= isi) else 1
                last = t
                if n >= self.burst:
                    out.append(t)
                    n = 0
            return out

        pn, sn = self._scatter("pairing"), self._scatter("synapse")
        g_plus = g_minus = 1.0
        if sn is not None:
            g_plus = float(lognormal_gain(sn.sigma_plus, normal(seed, stream, s, 0))[()])
            g_minus = float(lognormal_gain(sn.sigma_minus, normal(seed, stream, s, 1))[()])
        root = math.sqrt(self.burst)
        # pre completions before post completions in the same step (the engine's order)
        events = sorted([(t, 0) for t in completions(sorted(pre))] + [(t, 1) for t in completions(sorted(post))])
        w = float(w0)
        last_pre = last_post = None
        for t, kind in events:
            if kind == 0:
                if last_post is not None and 0 < t - last_post <= wm:
                    dw = self.a_minus * g_minus
                    if pn is not None:
                        dw *= 1.0 + pn.sigma_minus / root * float(normal(seed, stream, t, 2 * s + 1)[()])
                    w = min(max(w - dw, 0.0), 1.0)
                last_pre = t
            else:
                if last_pre is not None and 0 <= t - last_pre <= wp:
                    dw = self.a_plus * g_plus
                    if pn is not None:
                        dw *= 1.0 + pn.sigma_plus / root * float(normal(seed, stream, t, 2 * s)[()])
                    w = min(max(w + dw, 0.0), 1.0)
                last_post = t
        return w


# -------------------------------------------------------------------- kernel pieces

@njit(cache=True, inline=INLINE)
def _run(t, state, k, P):
    """The run counter after a spike of neuron k at step t (before it is recorded)."""
    if t - state[k, LAST] <= P[ISI]:
        return state[k, COUNT] + 1.0
    return 1.0


@njit(cache=True, inline=INLINE)
def _record(t, state, k, P):
    n = _run(t, state, k, P)
    if n >= P[BURST]:
        state[k, DONE] = t
        state[k, COUNT] = 0.0
    else:
        state[k, COUNT] = n
    state[k, LAST] = t


@njit(cache=True, inline=INLINE)
def syn_pre(t, s, i, j, w, syn, pre, post, P, seed, stream):
    if _run(t, pre, j, P) < P[BURST]:
        return w
    if t - post[i, DONE] > P[WIN_M]:  # the post's completion of this step is not recorded yet
        return w
    dw = P[A_M]
    if syn is not None and P[GAIN] > 0.0:
        dw *= syn[s, 1]
    if P[PAIR_NOISE] > 0.0:
        dw *= 1.0 + P[SIG_PM] * normal_nb(seed, stream, t, 2 * s + 1)
    return min(max(w - dw, 0.0), 1.0)


@njit(cache=True, inline=INLINE)
def syn_post(t, s, i, j, w, syn, pre, post, P, seed, stream):
    if _run(t, post, i, P) < P[BURST]:
        return w
    if t - pre[j, DONE] > P[WIN_P]:  # a pre completion in this step is recorded: dt = 0 counts
        return w
    dw = P[A_P]
    if syn is not None and P[GAIN] > 0.0:
        dw *= syn[s, 0]
    if P[PAIR_NOISE] > 0.0:
        dw *= 1.0 + P[SIG_PP] * normal_nb(seed, stream, t, 2 * s)
    return min(max(w + dw, 0.0), 1.0)


@njit(cache=True, inline=INLINE)
def pre_spike(t, j, pre, P):
    _record(t, pre, j, P)


@njit(cache=True, inline=INLINE)
def post_spike(t, i, post, P):
    _record(t, post, i, P)


@njit(cache=True, inline=INLINE)
def transmit(w, P):
    if P[READOUT] > 0.5:
        return P[SIGN] if w >= P[THETA] else 0.0
    return P[SIGN] * w


# -------------------------------------------------------------------- abstract events

@takes_units(lag="second", isi="second")
def binary_burst_one_burst_change(rule: "BinaryBurst", lag: float = 2 * ms, isi: float = 5 * ms, causal: bool = True) -> float:
    """BinaryBurst's change of w by one isolated burst pairing of ``rule.burst`` spikes, away from
    the bounds (nearest-spike pairing, no earlier spikes within reach). Causal (post ``lag`` after
    each pre): ``B a+ e^{-lag/tau+} - (B - 1) a- e^{-(isi - lag)/tau-}``; anti-causal (each pre
    ``lag`` after its post): ``-B a- e^{-lag/tau-} + (B - 1) a+ e^{-(isi - lag)/tau+}``."""
    B = rule.burst
    if causal:
        return B * rule.a_plus * math.exp(-lag / rule.tau_plus) - (B - 1) * rule.a_minus * math.exp(
            -(isi - lag) / rule.tau_minus)
    return -B * rule.a_minus * math.exp(-lag / rule.tau_minus) + (B - 1) * rule.a_plus * math.exp(
        -(isi - lag) / rule.tau_plus)


@takes_units(lag="second", isi="second")
def abstract_event(w: np.ndarray, potentiate: np.ndarray, rule: BurstGatedBinary, lag: float = 2 * ms,
                   isi: float = 5 * ms) -> np.ndarray:
    """The hidden weight after one candidate event per synapse, without noise: a coincident causal
    burst pairing where ``potentiate`` is True, its depressing counterpart elsewhere.

    * :class:`BurstGatedBinary`: ``min(w + a_plus, 1)`` / ``max(w - a_minus, 0)`` (a causal /
      anti-causal burst pairing).
    * :class:`~hebblab.plasticity.BinaryBurst`: the burst pairing of ``rule.burst`` spikes at
      ``lag`` and ``isi``, causal / anti-causal, applied pairing by pairing with the clip to [0, 1]
      after each step (nearest-spike pairing, no earlier spikes within reach); away from the
      bounds this is :func:`binary_burst_one_burst_change`.
    """
    from .binary_burst import BinaryBurst

    w = np.array(w, dtype=float, copy=True)
    pot = np.broadcast_to(np.asarray(potentiate, bool), w.shape)
    if isinstance(rule, BurstGatedBinary):
        return np.where(pot, np.minimum(w + rule.a_plus, 1.0), np.maximum(w - rule.a_minus, 0.0))
    if isinstance(rule, BinaryBurst):
        V.positive("lag", lag)
        if not lag < V.positive("isi", isi):
            raise ValueError(f"lag must be below isi = {isi:g} s (got {lag!r})")
        up_near, up_far = rule.a_plus * math.exp(-lag / rule.tau_plus), rule.a_plus * math.exp(-(isi - lag) / rule.tau_plus)
        dn_near, dn_far = rule.a_minus * math.exp(-lag / rule.tau_minus), rule.a_minus * math.exp(
            -(isi - lag) / rule.tau_minus)
        c, a = w[pot], w[~pot]
        for k in range(rule.burst):
            if k > 0:  # causal: each pre after the first pairs with the previous post
                c = np.maximum(c - dn_far, 0.0)
            c = np.minimum(c + up_near, 1.0)
            if k > 0:  # anti-causal: each post after the first pairs with the previous pre
                a = np.minimum(a + up_far, 1.0)
            a = np.maximum(a - dn_near, 0.0)
        w[pot], w[~pot] = c, a
        return w
    raise TypeError(f"abstract_event: rule must be a BurstGatedBinary or a BinaryBurst (got {type(rule).__name__})")
