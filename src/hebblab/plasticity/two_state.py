r"""Two-state stochastic synapse (Amit & Fusi 1994, Neural Comput. 6:957; Fusi & Abbott 2007,
Nat. Neurosci. 10:485).

The weight is ``w_low`` or ``w_high``. A candidate potentiation (a post spike with a pre arrival
at most ``window_plus`` earlier, same step included) sets ``w = w_high`` with probability
``q_plus``; a candidate depression (a pre arrival with a post spike at most ``window_minus``
earlier) sets ``w = w_low`` with probability ``q_minus``. ``q`` sets both.

Memory theory to check against: with N synapses, candidate events at rate r per synapse, the
signal-to-noise ratio of a stored pattern decays as ``SNR(t) = sqrt(N) q exp(-q r t)``, so a memory
lasts about ``ln(q sqrt(N)) / (q r)``.

Switch decisions use the counter-based key (seed, stream, step, 2 s + kind).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np
from numba import njit
from numpy.typing import ArrayLike

from .. import _validate as V
from ..rng import uniform, uniform_nb
from ..si import ms
from .base import NeuronTrace, Rule, record_post_spike, record_pre_spike, register_rule
from ..compile_mode import INLINE

Q_PLUS, Q_MINUS, WIN_P, WIN_M, W_LOW, W_HIGH = range(6)


@register_rule
@dataclass(frozen=True)
class TwoStateStochastic(Rule):
    """Binary stochastic synapse (see module docstring)."""

    q: float = 0.1
    q_plus: float | None = None
    q_minus: float | None = None
    window_plus: float = 20 * ms
    window_minus: float = 20 * ms
    w_low: float = 0.0
    w_high: float = 1.0

    rule_name: ClassVar[str] = "two-state"
    kernel_module: ClassVar[str] = "hebblab.plasticity.two_state"
    param_units: ClassVar[dict[str, str]] = {"window_plus": "second", "window_minus": "second"}
    deferrable: ClassVar[bool] = True  # syn_post reads no post state

    def __post_init__(self):
        o = "TwoStateStochastic"
        object.__setattr__(self, "q", V.in_range(f"{o}.q", self.q, 0.0, 1.0))
        for name in ("q_plus", "q_minus"):
            val = getattr(self, name)
            object.__setattr__(self, name, self.q if val is None else V.in_range(f"{o}.{name}", val, 0.0, 1.0))
        for name in ("window_plus", "window_minus", "w_low", "w_high"):
            check = V.non_negative if name.startswith("window") else V.finite
            object.__setattr__(self, name, check(f"{o}.{name}", getattr(self, name)))
        if self.w_high <= self.w_low:
            raise ValueError(f"{o}.w_high must be > w_low = {self.w_low!r} (got {self.w_high!r})")

    def bounds(self) -> tuple[float, float]:
        return self.w_low, self.w_high

    def layout(self) -> tuple[int, int, int]:
        return 0, 1, 1  # last pre step, last post step

    #: Windows are at most this many steps: the "no spike yet" step (base.NO_SPIKE) must lie
    #: outside every window.
    MAX_WINDOW_STEPS: ClassVar[int] = 10**12

    def pack(self, dt: float) -> np.ndarray:
        for name in ("window_plus", "window_minus"):
            if not getattr(self, name) / dt <= self.MAX_WINDOW_STEPS:
                raise ValueError(f"TwoStateStochastic.{name} must be in [0, {self.MAX_WINDOW_STEPS * dt:g}] s "
                                 f"({self.MAX_WINDOW_STEPS:g} steps of dt = {dt:g} s) (got {getattr(self, name)!r})")
        return np.array([self.q_plus, self.q_minus, round(self.window_plus / dt),
                         round(self.window_minus / dt), self.w_low, self.w_high])

    def reference(self, pre_times: ArrayLike, post_times: ArrayLike, w0: float, delay: float = 0.0,
                  dt: float | None = None, seed: int = 0, stream: int = 0, s: int = 0,
                  pre_neuron: NeuronTrace | None = None, post_neuron: NeuronTrace | None = None) -> float:
        """Final state of one synapse from its spike lists (times on the dt grid; ``dt`` is
        required: the windows and the random keys are counted in steps)."""
        if dt is None:
            raise ValueError("TwoStateStochastic.reference needs dt (the windows are counted in steps)")
        pre = [int(round((t + delay) / dt)) for t in pre_times]
        post = [int(round(t / dt)) for t in post_times]
        events = sorted([(t, 0) for t in pre] + [(t, 1) for t in post])
        wp, wm = round(self.window_plus / dt), round(self.window_minus / dt)
        w = float(w0)
        last_pre = last_post = None
        for t, kind in events:
            if kind == 0:
                if last_post is not None and t - last_post <= wm:
                    if uniform(seed, stream, t, 2 * s + 1)[()] <= self.q_minus:
                        w = self.w_low
                last_pre = t
            else:
                if last_pre is not None and t - last_pre <= wp:
                    if uniform(seed, stream, t, 2 * s)[()] <= self.q_plus:
                        w = self.w_high
                last_post = t
        return w


@njit(cache=True, inline=INLINE)
def syn_pre(t, s, i, j, w, syn, pre, post, P, seed, stream):
    if t - post[i, 0] <= P[WIN_M]:
        if uniform_nb(seed, stream, t, 2 * s + 1) <= P[Q_MINUS]:
            return P[W_LOW]
    return w


@njit(cache=True, inline=INLINE)
def syn_post(t, s, i, j, w, syn, pre, post, P, seed, stream):
    if t - pre[j, 0] <= P[WIN_P]:
        if uniform_nb(seed, stream, t, 2 * s) <= P[Q_PLUS]:
            return P[W_HIGH]
    return w


pre_spike = record_pre_spike
post_spike = record_post_spike


transmit = None
