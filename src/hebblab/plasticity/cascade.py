r"""The cascade model of a binary synapse with metaplastic states (Fusi, Drew & Abbott 2005,
Neuron 45:599, "Cascade models of synaptically stored memories").

A synapse has two efficacies, weak (``w_low``) and strong (``w_high``), and in each of them
``n = n_states`` metastates, depth 1 (most plastic) to depth n (least plastic). FDA 2005 (the
model's definition and its schematic figure) let the transition probabilities fall geometrically
with depth, with ``x = 1/2`` in their figures:

* a *plastic* transition, caused by a candidate event of the opposite sign (a potentiation on a
  weak synapse, a depression on a strong one), moves a synapse at depth i to depth 1 of the
  other efficacy with probability ``q_i = x^(i-1)`` for i < n and ``q_n = x^(n-1) / (1 - x)``
  (the last state's probability raised so that the deepest state is not over-occupied);
* a *metaplastic* transition, caused by a candidate event of the synapse's own sign (a
  potentiation on a strong synapse, a depression on a weak one), moves it one state deeper, from
  i to i + 1, with probability ``p_i = x^i / (1 - x)``, i = 1 .. n-1; at depth n it stays.

These are the probabilities as FDA 2005 state them (and as Lahiri & Ganguli 2013, NIPS, "A memory
frontier for complex synapses", describe the cascade); they could not be checked against the
paper's full text while this file was written, so ``cascade_probabilities`` is the one place to
correct them. With ``x <= 1/2`` every probability is at most 1 (``p_1 = x / (1 - x)``), so ``x`` is
limited to (0, 1/2]. ``q`` scales every probability (``q = 1``: FDA's values), as a slower
learning rate would.

The memory signal: FDA 2005 describe a signal falling about as 1/t for
1 << t << 2^(n-1) candidate events, the estimate from summing the depths' exponentials
``q_i exp(-q_i t)``. The exact mean-field signal of these matrices (tests/test_complex_synapses.py)
is a power law too, but shallower over that range: a straight-line fit of log signal against log t
on log-spaced t in [5, 2^(n-1)] gives slopes -0.67, -0.70, -0.73 for n = 8, 10, 12 (x = 1/2),
the local slope steepening from about -0.6 at t ~ 10 to -1 near t = 2^(n-1), where the cut-off
starts (the metaplastic transitions carry part of a memory into deeper states, where it lasts).

Candidate events are the two-state synapse's (:mod:`hebblab.plasticity.two_state`): a post spike
with a pre arrival at most ``window_plus`` earlier (same step included) is a candidate
potentiation, a pre arrival with a post spike at most ``window_minus`` earlier a candidate
depression. Each event draws one uniform from the counter-based key (seed, stream, step,
2 s + kind), kind 0 potentiation and 1 depression, as the two-state rule does.

Engine state: the weight ``w`` is the efficacy (strong when ``w >= (w_low + w_high) / 2``; a
plastic transition sets it to exactly ``w_low`` or ``w_high``, a metaplastic one leaves it), and
one column per synapse, ``depth``, holds the depth minus one (0 = depth 1, the state a new
synapse starts in). Start weights should be ``w_low`` or ``w_high``; one in between counts as
weak or strong by the midpoint until its first plastic transition.

Module-level math, for Monte Carlo and mean-field work outside the engine:
:func:`cascade_probabilities` and :func:`cascade_matrices` (2n x 2n row-stochastic matrices,
states 0 .. n-1 weak depth 1 .. n, n .. 2n-1 strong depth 1 .. n).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np
from numba import njit
from numpy.typing import ArrayLike

from .. import _validate as V
from ..compile_mode import INLINE
from ..rng import uniform, uniform_nb
from ..si import ms
from .base import (NeuronTrace, Rule, check_windowed_binary, record_post_spike, record_pre_spike, register_rule,
                   window_steps)

#: The largest number of metastates per efficacy (x^(n-1) stays far from underflow).
MAX_STATES = 64

# packed parameters: then q_switch[0 .. n-1], then p_deeper[0 .. n-2]
WIN_P, WIN_M, W_LOW, W_HIGH, W_MID, N_STATES, OFF = range(7)
DEPTH = 0  # the synapse's state column


def _check_shape(n_states, x, q=1.0, owner="cascade"):
    n = V.integer(f"{owner}.n_states", n_states, 2, MAX_STATES)
    x = V.in_range(f"{owner}.x", x, 0.0, 0.5, low_open=True)
    q = V.in_range(f"{owner}.q", q, 0.0, 1.0, low_open=True)
    return n, x, q


def cascade_probabilities(n_states: int, x: float = 0.5, *, q: float = 1.0):
    """The cascade's transition probabilities (FDA 2005; module docstring).

    Returns ``(q_switch, p_deeper)``: ``q_switch[i - 1] = q x^(i-1)`` for depths i < n and
    ``q x^(n-1) / (1 - x)`` for i = n (the plastic transition to depth 1 of the other efficacy),
    ``p_deeper[i - 1] = q x^i / (1 - x)`` for i = 1 .. n-1 (the metaplastic transition i -> i+1).
    ``n_states`` in [2, 64], ``x`` in (0, 0.5], ``q`` in (0, 1].
    """
    n, x, q = _check_shape(n_states, x, q)
    i = np.arange(1, n + 1, dtype=float)
    q_switch = x ** (i - 1)
    q_switch[-1] = x ** (n - 1) / (1.0 - x)
    p_deeper = x ** i[:-1] / (1.0 - x)
    return q * q_switch, q * p_deeper


def cascade_matrices(n_states: int, x: float = 0.5, *, q: float = 1.0):
    """Transition matrices of one candidate event, for mean-field and Monte Carlo work.

    Returns ``(M_plus, M_minus, efficacy)``: ``M_plus[a, b]`` is the probability that a synapse in
    state a is in state b after one candidate potentiation, ``M_minus`` the same for a candidate
    depression (both 2n x 2n, rows summing to 1); states ``0 .. n-1`` are weak at depth 1 .. n,
    ``n .. 2n-1`` strong at depth 1 .. n; ``efficacy`` is the 2n-vector -1 (weak), +1 (strong).
    """
    q_switch, p_deeper = cascade_probabilities(n_states, x, q=q)
    n = q_switch.size
    M_plus, M_minus = np.eye(2 * n), np.eye(2 * n)
    for d in range(n):
        weak, strong = d, n + d
        # a potentiation switches a weak synapse to strong depth 1, deepens a strong one
        M_plus[weak, weak] -= q_switch[d]
        M_plus[weak, n] += q_switch[d]
        # a depression switches a strong synapse to weak depth 1, deepens a weak one
        M_minus[strong, strong] -= q_switch[d]
        M_minus[strong, 0] += q_switch[d]
        if d < n - 1:
            M_plus[strong, strong] -= p_deeper[d]
            M_plus[strong, strong + 1] += p_deeper[d]
            M_minus[weak, weak] -= p_deeper[d]
            M_minus[weak, weak + 1] += p_deeper[d]
    efficacy = np.concatenate([-np.ones(n), np.ones(n)])
    return M_plus, M_minus, efficacy


@register_rule
@dataclass(frozen=True)
class Cascade(Rule):
    """Cascade synapse (Fusi, Drew & Abbott 2005; see the module docstring)."""

    n_states: int = 5
    x: float = 0.5
    q: float = 1.0
    window_plus: float = 20 * ms
    window_minus: float = 20 * ms
    w_low: float = 0.0
    w_high: float = 1.0

    rule_name: ClassVar[str] = "cascade"
    kernel_module: ClassVar[str] = "hebblab.plasticity.cascade"
    param_units: ClassVar[dict[str, str]] = {"window_plus": "second", "window_minus": "second"}
    #: Windows are at most this many steps (as TwoStateStochastic's): the "no spike yet" step
    #: (base.NO_SPIKE) must lie outside every window.
    MAX_WINDOW_STEPS: ClassVar[int] = 10**12

    def __post_init__(self):
        o = "Cascade"
        n, x, q = _check_shape(self.n_states, self.x, self.q, o)
        object.__setattr__(self, "n_states", n)
        object.__setattr__(self, "x", x)
        object.__setattr__(self, "q", q)
        check_windowed_binary(self, o)

    def bounds(self) -> tuple[float, float]:
        return self.w_low, self.w_high

    def layout(self) -> tuple[int, int, int]:
        return 1, 1, 1  # depth - 1 per synapse; last pre step, last post step

    def state_names(self) -> tuple[str, ...]:
        """Name of the per-synapse column: ``("depth",)``, the depth minus one (0 = depth 1)."""
        return ("depth",)

    def probabilities(self) -> tuple[np.ndarray, np.ndarray]:
        """``(q_switch, p_deeper)`` of this rule (:func:`cascade_probabilities`)."""
        return cascade_probabilities(self.n_states, self.x, q=self.q)

    def pack(self, dt: float) -> np.ndarray:
        wp, wm = window_steps(self, "Cascade", dt)
        q_switch, p_deeper = self.probabilities()
        head = [wp, wm, self.w_low, self.w_high,
                0.5 * (self.w_low + self.w_high), self.n_states]
        return np.concatenate([np.array(head, float), q_switch, p_deeper])

    def reference(self, pre_times: ArrayLike, post_times: ArrayLike, w0: float, delay: float = 0.0,
                  dt: float | None = None, seed: int = 0, stream: int = 0, s: int = 0,
                  pre_neuron: NeuronTrace | None = None, post_neuron: NeuronTrace | None = None) -> float:
        """Final weight of one synapse from its spike lists, from the transition matrices'
        probabilities and an explicit state (efficacy, depth); ``dt`` is required (windows and
        random keys count steps)."""
        if dt is None:
            raise ValueError("Cascade.reference needs dt (the windows are counted in steps)")
        pre = [int(round((t + delay) / dt)) for t in pre_times]
        post = [int(round(t / dt)) for t in post_times]
        wp, wm = round(self.window_plus / dt), round(self.window_minus / dt)
        q_switch, p_deeper = self.probabilities()
        n = self.n_states
        w = float(w0)
        depth = 1
        last_pre = last_post = None
        for t, kind in sorted([(t, 0) for t in pre] + [(t, 1) for t in post]):
            if kind == 0:  # a pre arrival: candidate depression?
                event = last_post is not None and t - last_post <= wm
                last_pre = t
                up = False
            else:
                event = last_pre is not None and t - last_pre <= wp
                last_post = t
                up = True
            if not event:
                continue
            u = float(uniform(seed, stream, t, 2 * s + (0 if up else 1))[()])
            strong = w >= 0.5 * (self.w_low + self.w_high)
            if strong != up:  # plastic: to depth 1 of the other efficacy
                if u <= q_switch[depth - 1]:
                    w, depth = (self.w_high if up else self.w_low), 1
            elif depth < n and u <= p_deeper[depth - 1]:  # metaplastic: one deeper
                depth += 1
        return w


@njit(cache=True, inline=INLINE)
def _event(t, s, w, syn, P, seed, stream, up):
    """One candidate event (``up``: potentiation) on synapse s: new w (depth updated in place)."""
    d = int(syn[s, DEPTH])
    u = uniform_nb(seed, stream, t, 2 * s + (0 if up else 1))
    strong = w >= P[W_MID]
    if strong != up:
        if u <= P[OFF + d]:
            syn[s, DEPTH] = 0.0
            return P[W_HIGH] if up else P[W_LOW]
    elif d < int(P[N_STATES]) - 1:
        if u <= P[OFF + int(P[N_STATES]) + d]:
            syn[s, DEPTH] = d + 1.0
    return w


@njit(cache=True, inline=INLINE)
def syn_pre(t, s, i, j, w, syn, pre, post, P, seed, stream):
    if t - post[i, 0] <= P[WIN_M]:
        return _event(t, s, w, syn, P, seed, stream, False)
    return w


@njit(cache=True, inline=INLINE)
def syn_post(t, s, i, j, w, syn, pre, post, P, seed, stream):
    if t - pre[j, 0] <= P[WIN_P]:
        return _event(t, s, w, syn, P, seed, stream, True)
    return w


pre_spike = record_pre_spike
post_spike = record_post_spike


transmit = None
