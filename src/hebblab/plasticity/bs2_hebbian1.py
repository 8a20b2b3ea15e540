r"""Brain Simulator II's Hebbian1 synapse: table steps on weights in [0, 1].

As Brain Simulator II documents it (Charles J. Simon, FutureAIGuru/BrainSimII: synapse model
tooltip "Hebbian w/ range [0,1]"; the lookup table of NeuronEngine/NeuronBase.cpp
``NewHebbianWeight`` before 1.8 disabled it). The first row whose cutoff the current weight
reaches gives the step::

    cutoff     1     .5    .34    .25     .2    .15     0
    increment  0     .1    .05    .025    .01   .012    .01
    decrement -.01  -.1   -.017  -.00625 -.002 -.002  -.001

then ``w = min(max(w, 0), 1)``; a negative weight matches no row and never changes.

When: a source spike at cycle t is seen by the target in cycle t + 1 ("did the target neuron fire
after this stimulation?"): if the target fires at t + 1 the weight is strengthened, else
weakened. In the compiled loop the weakening is applied at the source spike and replaced by the
strengthening when the target fires in the next cycle (per-synapse state keeps the last two
source spikes and the weights before them), so a source spike at t + 1 transmits the weakened
weight. The reference below decides each source spike directly.
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

CUTOFFS = (1.0, 0.5, 0.34, 0.25, 0.2, 0.15, 0.0)
INCREMENTS = (0.0, 0.1, 0.05, 0.025, 0.01, 0.012, 0.01)
DECREMENTS = (-0.01, -0.1, -0.017, -0.00625, -0.002, -0.002, -0.001)


def table_step(w: float, up: bool) -> float:
    """One Hebbian1 step (plain Python, for references and tests)."""
    for c, inc, dec in zip(CUTOFFS, INCREMENTS, DECREMENTS):
        if w >= c:
            return min(max(w + (inc if up else dec), 0.0), 1.0)
    return w


@register_rule
@dataclass(frozen=True)
class BS2Hebbian1(Rule):
    """Brain Simulator II Hebbian1 (module docstring). No parameters."""

    rule_name: ClassVar[str] = "bs2-hebbian1"
    kernel_module: ClassVar[str] = "hebblab.plasticity.bs2_hebbian1"

    def bounds(self) -> tuple[float, float]:
        return -WEIGHT_MAX, WEIGHT_MAX  # any weight BS2 can store (float32)

    def layout(self) -> tuple[int, int, int]:
        return 4, 1, 1

    def pack(self, dt: float) -> np.ndarray:
        return np.array(CUTOFFS + INCREMENTS + DECREMENTS)

    def init_state(self, n_syn: int, n_pre: int, n_post: int, seed: int, stream: int) -> RuleState:
        syn, pre, post = super().init_state(n_syn, n_pre, n_post, seed, stream)
        syn[:, 0] = NO_SPIKE
        syn[:, 2] = NO_SPIKE
        return syn, pre, post

    def reference(self, pre_times: ArrayLike, post_times: ArrayLike, w0: float, delay: float = 0.0,
                  dt: float | None = None, seed: int = 0, stream: int = 0, s: int = 0,
                  pre_neuron: NeuronTrace | None = None, post_neuron: NeuronTrace | None = None) -> float:
        pre_steps, delay_steps = cycle_steps(pre_times, delay, dt)
        post_steps, _ = cycle_steps(post_times, 0.0, dt)
        post = set(post_steps)
        w = float(w0)
        for t in sorted(p + delay_steps for p in pre_steps):
            w = table_step(w, (t + 1) in post)
        return w


@njit(cache=True, inline=INLINE)
def _step(w, P, up):
    for r in range(7):
        if w >= P[r]:
            x = w + (P[7 + r] if up else P[14 + r])
            return min(max(x, 0.0), 1.0)
    return w


@njit(cache=True, inline=INLINE)
def syn_pre(t, s, i, j, w, syn, pre, post, P, seed, stream):
    # columns: 0 last source spike, 1 weight before it, 2 the one before, 3 weight before that
    syn[s, 2] = syn[s, 0]
    syn[s, 3] = syn[s, 1]
    syn[s, 0] = t
    syn[s, 1] = w
    return _step(w, P, False)


@njit(cache=True, inline=INLINE)
def syn_post(t, s, i, j, w, syn, pre, post, P, seed, stream):
    if syn[s, 0] == t - 1:  # the last source spike was seen now: strengthen instead
        w = _step(syn[s, 1], P, True)
    elif syn[s, 2] == t - 1 and syn[s, 0] == t:  # seen now, and the source fired again now
        w1 = _step(syn[s, 3], P, True)
        syn[s, 1] = w1
        w = _step(w1, P, False)
    return w


pre_spike = record_pre_spike
post_spike = record_post_spike
transmit = None
