r"""The Benna-Fusi synapse: a chain of coupled variables (Benna & Fusi 2016, Nat. Neurosci.
19:1697, "Computational principles of synaptic memory consolidation").

A synapse is a chain of m variables u_1 .. u_m, u_1 its efficacy, coupled like liquid levels in
a row of beakers joined by tubes (the paper's schematic of the model):

    C_k du_k/dt = g_{k-1,k} (u_{k-1} - u_k) + g_{k,k+1} (u_{k+1} - u_k),   k = 1 .. m,

with no term g_{0,1} (u_1 receives the plasticity events instead) and u_{m+1} = 0 (the last
beaker leaks into a reservoir at level 0). The capacities grow and the couplings fall
geometrically, ``C_k = 2^(k-1)`` and ``g_{k,k+1} = 2^(-k-2)`` (the paper's choice: time constants
``C_k / g_{k,k+1} = 2^(2k+1)``, four times longer per variable, which makes the chain a
discretised diffusion whose response to one event decays as t^(-1/2) for
``1 << t << 2^(2m+1)`` and the memory SNR as 1/sqrt(t); tests/test_complex_synapses.py measures
both). :func:`chain_constants` returns them; ``g_scale`` multiplies every g (a faster or slower
chain), ``ratio`` replaces the factor 2 (C_k = ratio^(k-1), g_{k,k+1} = g_scale 2^-3 ratio^(1-k)).

Time: the chain advances one step per candidate event, the paper's discrete memory time (one
step per stored memory), by an explicit Euler step of length 1,
``u_k <- u_k + [g_{k-1,k} (u_{k-1} - u_k) + g_{k,k+1} (u_{k+1} - u_k)] / C_k`` from the values
before the step (stable: every ``(g_{k-1,k} + g_{k,k+1}) / C_k <= 1/8``). Not continuous time:
then the spiking rule and an abstract memory-capacity Monte Carlo that counts memories run the
same dynamics, whatever the spike rates, and a synapse without events does not change (the
engine calls a rule only at spikes). An event first adds ``sign * delta`` to u_1, then the chain
takes its step.

Bounds and levels: every u_k is clipped to [-u_max, u_max] after the event and after the step
(the paper's bounded variables); ``n_levels >= 2`` also rounds each u_k to the nearest of
``n_levels`` evenly spaced levels on [-u_max, u_max] (round half up), ``n_levels = 0`` keeps them
continuous. Deterministic rounding to a coarse grid stops the slow variables, whose flows are
smaller than half a level: the number of levels needed grows with m (Benna & Fusi discuss the
discretised model's levels); the default is continuous.

Candidate events are the two-state synapse's (:mod:`hebblab.plasticity.two_state`): a post spike
with a pre arrival at most ``window_plus`` earlier (same step included) is a candidate
potentiation (sign +1), a pre arrival with a post spike at most ``window_minus`` earlier a
candidate depression (sign -1). The rule is deterministic (no random numbers).

Engine state: the weight ``w`` is the efficacy u_1 mapped linearly from [-u_max, u_max] onto
[w_low, w_high], ``w = w_low + (w_high - w_low) (u_1 + u_max) / (2 u_max)``; it is what a spike
transmits and what sets u_1 at the next event (so a start weight or a weight written into
``proj.w`` is the synapse's u_1). The m per-synapse columns are u_1 .. u_m
(:meth:`BennaFusi.state_names`), all 0 at the start; column u_1 holds the efficacy as of the
synapse's last event.

Module-level math, for Monte Carlo work outside the engine: :func:`chain_constants` and
:func:`chain_event`, a numba function on one synapse's row of u's.
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
from ..si import ms
from .base import (NeuronTrace, Rule, check_windowed_binary, record_post_spike, record_pre_spike, register_rule,
                   window_steps)

#: The longest chain (C_m = 2^(m-1) and the time constant 2^(2m+1) stay finite and exact).
MAX_M = 30
#: The most levels per variable.
MAX_LEVELS = 2**31

# packed parameters: then C[0 .. m-1], then g[0 .. m-1]
WIN_P, WIN_M, W_LOW, W_HIGH, DELTA, U_MAX, N_LEVELS, M, OFF = range(9)


def chain_constants(m: int, *, g_scale: float = 1.0, ratio: float = 2.0):
    """Capacities and couplings of an m-variable chain (Benna & Fusi 2016; module docstring).

    Returns ``(C, g)``, float64 arrays of length m: ``C[k-1] = ratio^(k-1)`` and
    ``g[k-1] = g_{k,k+1} = g_scale 2^-3 ratio^(1-k)`` for k = 1 .. m, ``g[m-1]`` the last
    variable's leak to 0. ``m`` in [1, 30], ``g_scale`` in (0, 8] (so that the Euler step stays
    stable), ``ratio`` in [1, 4].
    """
    m = V.integer("chain_constants.m", m, 1, MAX_M)
    g_scale = V.in_range("chain_constants.g_scale", g_scale, 0.0, 8.0, low_open=True)
    ratio = V.in_range("chain_constants.ratio", ratio, 1.0, 4.0)
    k = np.arange(m, dtype=float)
    C = ratio ** k
    g = g_scale * 0.125 * ratio ** (-k)
    return C, g


@njit(cache=True, inline=INLINE)
def _bound(x, n_levels, u_max):
    if x > u_max:
        x = u_max
    elif x < -u_max:
        x = -u_max
    if n_levels >= 2:
        h = 2.0 * u_max / (n_levels - 1)
        x = -u_max + h * math.floor((x + u_max) / h + 0.5)
        if x > u_max:
            x = u_max
    return x


@njit(cache=True, inline=INLINE)
def chain_event(u_row, sign, C, g, n_levels, u_max):
    """One event on one synapse's chain, in place: ``u_row[0] += sign * 1`` (the caller scales:
    pass ``sign`` = +-delta or 0), bound u_1, then one Euler step of the whole chain from the
    values before it, each variable bounded (clipped to [-u_max, u_max], rounded to ``n_levels``
    levels when ``n_levels >= 2``; ``u_max = inf`` and ``n_levels = 0``: linear). ``sign`` 0
    advances the chain without an event. ``C``, ``g``: :func:`chain_constants`."""
    m = u_row.shape[0]
    u_row[0] = _bound(u_row[0] + sign, n_levels, u_max)
    prev = 0.0  # u_{k-1} before the step
    for k in range(m):
        cur = u_row[k]
        nxt = u_row[k + 1] if k + 1 < m else 0.0
        flow = g[k] * (nxt - cur)
        if k > 0:
            flow += g[k - 1] * (prev - cur)
        prev = cur
        u_row[k] = _bound(cur + flow / C[k], n_levels, u_max)


@register_rule
@dataclass(frozen=True)
class BennaFusi(Rule):
    """Benna-Fusi chain synapse (see the module docstring)."""

    m: int = 8
    delta: float = 0.05
    u_max: float = 1.0
    n_levels: int = 0
    g_scale: float = 1.0
    window_plus: float = 20 * ms
    window_minus: float = 20 * ms
    w_low: float = 0.0
    w_high: float = 1.0

    rule_name: ClassVar[str] = "benna-fusi"
    kernel_module: ClassVar[str] = "hebblab.plasticity.benna_fusi"
    param_units: ClassVar[dict[str, str]] = {"window_plus": "second", "window_minus": "second"}
    MAX_WINDOW_STEPS: ClassVar[int] = 10**12

    def __post_init__(self):
        o = "BennaFusi"
        object.__setattr__(self, "m", V.integer(f"{o}.m", self.m, 1, MAX_M))
        object.__setattr__(self, "u_max", V.real(f"{o}.u_max", self.u_max, 0.0, 1e150, low_open=True))
        object.__setattr__(self, "delta", V.in_range(f"{o}.delta", self.delta, 0.0, 2 * self.u_max, low_open=True))
        n_levels = V.integer(f"{o}.n_levels", self.n_levels, 0, MAX_LEVELS)
        if n_levels == 1:
            raise ValueError(f"{o}.n_levels must be 0 (continuous) or an integer >= 2 and <= {MAX_LEVELS} (got 1)")
        object.__setattr__(self, "n_levels", n_levels)
        object.__setattr__(self, "g_scale", V.in_range(f"{o}.g_scale", self.g_scale, 0.0, 8.0, low_open=True))
        check_windowed_binary(self, o)

    def bounds(self) -> tuple[float, float]:
        return self.w_low, self.w_high

    def layout(self) -> tuple[int, int, int]:
        return self.m, 1, 1  # u_1 .. u_m per synapse; last pre step, last post step

    def state_names(self) -> tuple[str, ...]:
        """Names of the per-synapse columns: ``("u1", ..., "um")``."""
        return tuple(f"u{k + 1}" for k in range(self.m))

    def constants(self) -> tuple[np.ndarray, np.ndarray]:
        """``(C, g)`` of this rule's chain (:func:`chain_constants`)."""
        return chain_constants(self.m, g_scale=self.g_scale)

    def u1_of(self, w: ArrayLike) -> np.ndarray:
        """The efficacy u_1 that a weight stands for (the inverse of the weight map)."""
        return (np.asarray(w, float) - self.w_low) / (self.w_high - self.w_low) * (2.0 * self.u_max) - self.u_max

    def weight_of(self, u1: ArrayLike) -> np.ndarray:
        """The weight that transmits the efficacy u_1 (module docstring)."""
        w = self.w_low + (self.w_high - self.w_low) * (np.asarray(u1, float) + self.u_max) / (2.0 * self.u_max)
        return np.clip(w, self.w_low, self.w_high)

    def pack(self, dt: float) -> np.ndarray:
        wp, wm = window_steps(self, "BennaFusi", dt)
        C, g = self.constants()
        head = [wp, wm, self.w_low, self.w_high, self.delta,
                self.u_max, self.n_levels, self.m]
        return np.concatenate([np.array(head, float), C, g])

    def reference(self, pre_times: ArrayLike, post_times: ArrayLike, w0: float, delay: float = 0.0,
                  dt: float | None = None, seed: int = 0, stream: int = 0, s: int = 0,
                  pre_neuron: NeuronTrace | None = None, post_neuron: NeuronTrace | None = None) -> float:
        """Final weight of one synapse from its spike lists: the chain as a vector, advanced by
        the tridiagonal coupling matrix at each candidate event (``dt`` is required: the windows
        count steps). ``seed``, ``stream`` and ``s`` are unused (the rule draws no random numbers)."""
        if dt is None:
            raise ValueError("BennaFusi.reference needs dt (the windows are counted in steps)")
        pre = [int(round((t + delay) / dt)) for t in pre_times]
        post = [int(round(t / dt)) for t in post_times]
        wp, wm = round(self.window_plus / dt), round(self.window_minus / dt)
        C, g = self.constants()
        m = self.m
        # du = A u / C with A tridiagonal: A[k, k+1] = g_k, A[k+1, k] = g_k, A[k, k] = -(g_{k-1} + g_k)
        A = np.diag(-g) + np.diag(g[:-1], 1)
        A[1:, :-1] += np.diag(g[:-1])
        A[1:, 1:] -= np.diag(g[:-1])

        def bound(v):
            v = np.clip(v, -self.u_max, self.u_max)
            if self.n_levels >= 2:
                h = 2.0 * self.u_max / (self.n_levels - 1)
                v = np.minimum(-self.u_max + h * np.floor((v + self.u_max) / h + 0.5), self.u_max)
            return v

        u = np.zeros(m)
        w = float(w0)
        last_pre = last_post = None
        for t, kind in sorted([(t, 0) for t in pre] + [(t, 1) for t in post]):
            if kind == 0:
                sign = -1.0 if last_post is not None and t - last_post <= wm else 0.0
                last_pre = t
            else:
                sign = 1.0 if last_pre is not None and t - last_pre <= wp else 0.0
                last_post = t
            if sign == 0.0:
                continue
            u[0] = float(self.u1_of(w))
            u[0] = bound(u[:1] + sign * self.delta)[0]
            u = bound(u + (A @ u) / C)
            w = float(self.weight_of(u[0]))
        return w


@njit(cache=True, inline=INLINE)
def _event(s, w, syn, P, sign):
    lo, hi, u_max = P[W_LOW], P[W_HIGH], P[U_MAX]
    m = int(P[M])
    row = syn[s]
    row[0] = (w - lo) / (hi - lo) * (2.0 * u_max) - u_max
    chain_event(row, sign * P[DELTA], P[OFF:OFF + m], P[OFF + m:OFF + 2 * m], int(P[N_LEVELS]), u_max)
    x = lo + (hi - lo) * (row[0] + u_max) / (2.0 * u_max)
    return min(max(x, lo), hi)


@njit(cache=True, inline=INLINE)
def syn_pre(t, s, i, j, w, syn, pre, post, P, seed, stream):
    if t - post[i, 0] <= P[WIN_M]:
        return _event(s, w, syn, P, -1.0)
    return w


@njit(cache=True, inline=INLINE)
def syn_post(t, s, i, j, w, syn, pre, post, P, seed, stream):
    if t - pre[j, 0] <= P[WIN_P]:
        return _event(s, w, syn, P, 1.0)
    return w


pre_spike = record_pre_spike
post_spike = record_post_spike


transmit = None
