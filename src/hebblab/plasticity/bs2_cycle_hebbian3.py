r"""Brain Simulator II's Hebbian3 synapse exactly as its engine orders a cycle.

Brain Simulator II 1.8 (Charles J. Simon, FutureAIGuru/BrainSimII, NeuronEngine/NeuronBase.cpp,
``Fire3``; re-expressed, not copied) updates Hebbian3 weights after every neuron of the cycle has
fired, from each neuron's ``lastFired``. With ``delta`` the cycles since the other side's last
spike and ``pct = 0.5 / delta``, for ``delta`` in 1..3:

    target fires, source fired delta cycles ago:   w <- w / (1 - pct), then min(w, 1)
    source fires, target fired delta cycles ago:   w <- w * (1 - pct), then max(w, 0.001)

(factors x2, x4/3, x1.2 up and x0.5, x0.75, x5/6 down). When both fire in the same cycle
``delta = 0`` for both sides, so nothing changes, even if the target had also fired 1-3 cycles
before. That last case is where this rule differs from :class:`BS2Hebbian3` (which depresses on
the earlier post spike, and rounds 5/6 to 0.833): here a depression applied at a pre arrival is
undone when the target fires in the same cycle (per-synapse state: the step of the last
depression and the weight before it). Only the upper cap applies to potentiation and only the
floor to depression, as in BS2, so any loaded weight is allowed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np
from numba import njit
from numpy.typing import ArrayLike

from .base import (NO_SPIKE, NeuronTrace, Rule, RuleState, cycle_steps, record_post_spike, record_pre_spike,
                   register_rule)
from .bs2_weights import WEIGHT_MAX
from ..compile_mode import INLINE

FLOOR, CAP = 0.001, 1.0


@register_rule
@dataclass(frozen=True)
class BS2CycleHebbian3(Rule):
    """Brain Simulator II Hebbian3 with the engine's same-cycle semantics (module docstring)."""

    rule_name: ClassVar[str] = "bs2-cycle-hebbian3"
    kernel_module: ClassVar[str] = "hebblab.plasticity.bs2_cycle_hebbian3"
    #: syn_post reads the step, the weight, its own state (the undo) and the pre neuron's last
    #: arrival, never post state: a post spike applied at the pre neuron's next arrival sees the
    #: same values (the pre arrival of the same cycle is processed before it either way).
    deferrable: ClassVar[bool] = True

    def bounds(self) -> tuple[float, float]:
        return -WEIGHT_MAX, WEIGHT_MAX  # any weight BS2 can store (float32)

    def layout(self) -> tuple[int, int, int]:
        return 2, 1, 1

    def pack(self, dt: float) -> np.ndarray:
        return np.array([FLOOR, CAP])

    def init_state(self, n_syn: int, n_pre: int, n_post: int, seed: int, stream: int) -> RuleState:
        syn, pre, post = super().init_state(n_syn, n_pre, n_post, seed, stream)
        syn[:, 0] = NO_SPIKE
        return syn, pre, post

    def reference(self, pre_times: ArrayLike, post_times: ArrayLike, w0: float, delay: float = 0.0,
                  dt: float | None = None, seed: int = 0, stream: int = 0, s: int = 0,
                  pre_neuron: NeuronTrace | None = None, post_neuron: NeuronTrace | None = None) -> float:
        """Final weight from spike cycles, cycle by cycle as BS2's Fire3 does (no undo needed)."""
        pre_steps, delay_steps = cycle_steps(pre_times, delay, dt)
        post_steps, _ = cycle_steps(post_times, 0.0, dt)
        pre = {t + delay_steps for t in pre_steps}
        post = set(post_steps)
        w = float(w0)
        last_pre = last_post = None
        for t in sorted(pre | post):
            fp, fq = t in pre, t in post
            lp = t if fp else last_pre
            lq = t if fq else last_post
            if fp and not fq and lq is not None and 1 <= t - lq <= 3:
                w = max(w * (1.0 - 0.5 / (t - lq)), FLOOR)
            if fq and not fp and lp is not None and 1 <= t - lp <= 3:
                w = min(w / (1.0 - 0.5 / (t - lp)), CAP)
            last_pre, last_post = lp, lq
        return w


@njit(cache=True, inline=INLINE)
def syn_pre(t, s, i, j, w, syn, pre, post, P, seed, stream):
    d = t - post[i, 0]
    if 1.0 <= d <= 3.0:
        syn[s, 0] = t
        syn[s, 1] = w
        w = max(w * (1.0 - 0.5 / d), P[0])
    return w


@njit(cache=True, inline=INLINE)
def syn_post(t, s, i, j, w, syn, pre, post, P, seed, stream):
    if syn[s, 0] == t:  # the source's depression of this cycle: delta is 0 after all
        w = syn[s, 1]
    d = t - pre[j, 0]
    if 1.0 <= d <= 3.0:
        w = min(w / (1.0 - 0.5 / d), P[1])
    return w


pre_spike = record_pre_spike
post_spike = record_post_spike
transmit = None
