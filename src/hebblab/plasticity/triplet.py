r"""Triplet STDP (Pfister & Gerstner 2006, J. Neurosci. 26:9673), all-to-all interactions.

Pre traces r1 (tau_plus), r2 (tau_x); post traces o1 (tau_minus), o2 (tau_y); each jumps by 1 at
its neuron's spikes and decays exactly. With ``eps`` meaning "just before the current spike"::

    post spike:  w += r1 (A2+ + A3+ o2(t - eps))
    pre arrival: w -= o1 (A2- + A3- r2(t - eps))

and w is clipped to [0, w_max]. Defaults: the minimal all-to-all model fitted to visual-cortex
data (Sjöström, Turrigiano & Nelson 2001), Table 3 of the paper: A2+ = 0, A3+ = 6.5e-3,
A2- = 7.1e-3, A3- = 0, tau_plus = 16.8 ms, tau_minus = 33.7 ms, tau_y = 114 ms; tau_x does not
enter the minimal model (A3- = 0), 101 ms is the full model's value. This rule reproduces the
frequency dependence of Sjöström et al. 2001: depression of post-pre pairs at low pairing
frequency, potentiation for both orders at 40-50 Hz.

``coincident``: a pre arrival and a post spike in the same step pair with dt = 0 (``"causal"``,
default) or not at all (``"ignore"``, NEST's ``stdp_triplet_synapse``: r1 at the post leaves out
the arrival in its step, and, as NEST does, that post's potentiation comes before the arrival's
depression: a synapse keeps its weight from before the depression, one float).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
from numba import njit
from numpy.typing import ArrayLike

from .. import _validate as V
from ..si import ms
from .base import NeuronTrace, Rule, arrival_times, decay_lut, decay_table, dt_over_tau, register_rule
from ..compile_mode import INLINE

A2P, A3P, A2M, A3M, DTP, DTX, DTM, DTY, W_MAX = range(9)
IGNORE = 17  # 1.0: a pre arrival and a post in the same step do not pair (NEST's convention)
N_HEAD = 18  # slots 9-16: for each of tau_plus, tau_x, tau_minus, tau_y (offset, length) at 9 + 2k


@register_rule
@dataclass(frozen=True)
class TripletSTDP(Rule):
    """Triplet STDP, all-to-all (see module docstring)."""

    a2_plus: float = 0.0
    a3_plus: float = 6.5e-3
    a2_minus: float = 7.1e-3
    a3_minus: float = 0.0
    tau_plus: float = 16.8 * ms
    tau_x: float = 101 * ms
    tau_minus: float = 33.7 * ms
    tau_y: float = 114 * ms
    w_max: float = 1.0
    coincident: str = "causal"

    rule_name: ClassVar[str] = "triplet-stdp"
    kernel_module: ClassVar[str] = "hebblab.plasticity.triplet"
    param_units: ClassVar[dict[str, str]] = {
        "tau_plus": "second", "tau_x": "second", "tau_minus": "second", "tau_y": "second"}

    def __post_init__(self):
        for name in ("a2_plus", "a3_plus", "a2_minus", "a3_minus"):
            object.__setattr__(self, name, V.non_negative(f"TripletSTDP.{name}", getattr(self, name)))
        for name in ("tau_plus", "tau_x", "tau_minus", "tau_y", "w_max"):
            object.__setattr__(self, name, V.positive(f"TripletSTDP.{name}", getattr(self, name)))
        V.one_of("TripletSTDP.coincident", self.coincident, ("causal", "ignore"))

    def bounds(self) -> tuple[float, float]:
        return 0.0, self.w_max

    def layout(self) -> tuple[int, int, int]:
        # pre: r1, r2, last; post: o1, o2, last; with "ignore" each synapse keeps w from before
        # the depression of this step's arrival (one float)
        return (1 if self.coincident == "ignore" else 0), 3, 3

    def pack(self, dt: float) -> np.ndarray:
        head = np.zeros(N_HEAD)
        head[:9] = [self.a2_plus, self.a3_plus, self.a2_minus, self.a3_minus, dt_over_tau(self, "tau_plus", dt),
                    dt_over_tau(self, "tau_x", dt), dt_over_tau(self, "tau_minus", dt),
                    dt_over_tau(self, "tau_y", dt), self.w_max]
        head[IGNORE] = 1.0 if self.coincident == "ignore" else 0.0
        tables, off = [], N_HEAD
        for k, slot in enumerate((DTP, DTX, DTM, DTY)):
            tab = decay_table(head[slot])
            head[9 + 2 * k], head[10 + 2 * k] = off, tab.size
            tables.append(tab)
            off += tab.size
        return np.concatenate([head] + tables)

    def reference(self, pre_times: ArrayLike, post_times: ArrayLike, w0: float, delay: float = 0.0,
                  dt: float | None = None, seed: int = 0, stream: int = 0, s: int = 0,
                  pre_neuron: NeuronTrace | None = None, post_neuron: NeuronTrace | None = None) -> float:
        """Final weight by explicit sums over earlier spikes (no traces); with ``dt`` the times
        are taken on the step grid (:func:`arrival_times`); deterministic, so ``seed``,
        ``stream`` and ``s`` are not used."""
        pre = arrival_times(pre_times, delay, dt)
        post = arrival_times(post_times, 0.0, dt)
        ignore = self.coincident == "ignore"
        # same-time order: a pre arrival first (causal); with "ignore" the post first (NEST's order),
        # and the two do not pair
        events = sorted([(t, 1 if ignore else 0, 0) for t in pre] + [(t, 0 if ignore else 1, 1) for t in post])
        w = float(w0)
        seen_pre, seen_post = [], []
        for t, _, kind in events:
            if kind == 0:
                o1 = sum(math.exp(-(t - q) / self.tau_minus) for q in seen_post if q < t)
                r2 = sum(math.exp(-(t - q) / self.tau_x) for q in seen_pre)
                w = min(max(w - o1 * (self.a2_minus + self.a3_minus * r2), 0.0), self.w_max)
                seen_pre.append(t)
            else:
                r1 = sum(math.exp(-(t - q) / self.tau_plus) for q in seen_pre)
                o2 = sum(math.exp(-(t - q) / self.tau_y) for q in seen_post)
                w = min(max(w + r1 * (self.a2_plus + self.a3_plus * o2), 0.0), self.w_max)
                seen_post.append(t)
        return w


@njit(cache=True, inline=INLINE)
def _d(value, last, t, P, k):
    """Decay with the table of time constant k (0: tau_plus, 1: tau_x, 2: tau_minus, 3: tau_y)."""
    return decay_lut(value, last, t, P, int(P[9 + 2 * k]), P[10 + 2 * k], P[(DTP, DTX, DTM, DTY)[k]])


@njit(cache=True, inline=INLINE)
def _depress(t, i, j, w, r2, post, P):
    o1 = _d(post[i, 0], post[i, 2], t, P, 2)
    if o1 == 0.0:
        return w
    w = w - o1 * (P[A2M] + P[A3M] * r2)
    return min(max(w, 0.0), P[W_MAX])


@njit(cache=True, inline=INLINE)
def syn_pre(t, s, i, j, w, syn, pre, post, P, seed, stream):
    if syn is not None:  # "ignore": keep w from before this depression
        syn[s, 0] = w
    return _depress(t, i, j, w, _d(pre[j, 1], pre[j, 2], t, P, 1), post, P)


@njit(cache=True, inline=INLINE)
def syn_post(t, s, i, j, w, syn, pre, post, P, seed, stream):
    r1 = _d(pre[j, 0], pre[j, 2], t, P, 0)
    same = P[IGNORE] > 0.0 and pre[j, 2] == t
    if same:
        r1 -= 1.0  # leave out the arrival in this step
    if r1 == 0.0:
        return w
    o2 = _d(post[i, 1], post[i, 2], t, P, 3)
    if same and syn is not None:  # NEST's order: this potentiation first, then the arrival's depression
        w = min(max(syn[s, 0] + r1 * (P[A2P] + P[A3P] * o2), 0.0), P[W_MAX])
        return _depress(t, i, j, w, pre[j, 1] - 1.0, post, P)  # r2 before the arrival's +1
    w = w + r1 * (P[A2P] + P[A3P] * o2)
    return min(max(w, 0.0), P[W_MAX])


@njit(cache=True, inline=INLINE)
def pre_spike(t, j, pre, P):
    pre[j, 0] = _d(pre[j, 0], pre[j, 2], t, P, 0) + 1.0
    pre[j, 1] = _d(pre[j, 1], pre[j, 2], t, P, 1) + 1.0
    pre[j, 2] = t


@njit(cache=True, inline=INLINE)
def post_spike(t, i, post, P):
    post[i, 0] = _d(post[i, 0], post[i, 2], t, P, 2) + 1.0
    post[i, 1] = _d(post[i, 1], post[i, 2], t, P, 3) + 1.0
    post[i, 2] = t


transmit = None
