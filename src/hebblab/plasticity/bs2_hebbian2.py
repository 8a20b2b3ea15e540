r"""Brain Simulator II's Hebbian2 synapse: a target's recently active inputs share its input.

As Brain Simulator II 1.8 runs it (Charles J. Simon, FutureAIGuru/BrainSimII,
NeuronEngine/NeuronBase.cpp ``HandleHebbian2Synapses``; re-expressed, not copied). When the target
fires at cycle t, let n be the number of Hebbian2 synapses onto it whose source fired 0-4 cycles
before (``t - last_source_spike < 5``) and ``m = 1 / n``. If n > 0, every Hebbian2 synapse onto it
moves::

    source fired 0-4 cycles before:  w <- (w + m) / 2, and w = m once 1.01 w > m
    otherwise:                       w <- (w - m) / 2, and w = -m once 1.01 w < -m

Counting n needs every input's state before any weight moves, so pre arrivals keep, per target,
a ring of five (cycle, count) slots of Hebbian2 inputs by the cycle of their last arrival (post
columns 0-9; column 10 is the last post spike); the target's update sums the slots of the last
five cycles.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np
from numba import njit
from numpy.typing import ArrayLike

from .base import NO_SPIKE, NeuronTrace, Rule, RuleState, cycle_steps, record_pre_spike, register_rule
from .bs2_weights import WEIGHT_MAX
from ..compile_mode import INLINE

WINDOW = 5


@register_rule
@dataclass(frozen=True)
class BS2Hebbian2(Rule):
    """Brain Simulator II Hebbian2 (module docstring). No parameters."""

    rule_name: ClassVar[str] = "bs2-hebbian2"
    kernel_module: ClassVar[str] = "hebblab.plasticity.bs2_hebbian2"

    def bounds(self) -> tuple[float, float]:
        return -WEIGHT_MAX, WEIGHT_MAX  # any weight BS2 can store (float32)

    def layout(self) -> tuple[int, int, int]:
        return 0, 1, 2 * WINDOW + 1

    def pack(self, dt: float) -> np.ndarray:
        return np.array([NO_SPIKE, float(WINDOW)])

    def init_state(self, n_syn: int, n_pre: int, n_post: int, seed: int, stream: int) -> RuleState:
        syn, pre, post = super().init_state(n_syn, n_pre, n_post, seed, stream)
        post[:, 0:2 * WINDOW:2] = NO_SPIKE  # slot cycles
        post[:, 1:2 * WINDOW:2] = 0.0  # slot counts
        return syn, pre, post

    def reference(self, pre_times: ArrayLike, post_times: ArrayLike, w0: float, delay: float = 0.0,
                  dt: float | None = None, seed: int = 0, stream: int = 0, s: int = 0,
                  pre_neuron: NeuronTrace | None = None, post_neuron: NeuronTrace | None = None) -> float:
        """One synapse alone on its target: :meth:`reference_group` with one input."""
        pre_steps, delay_steps = cycle_steps(pre_times, delay, dt)
        post_steps, _ = cycle_steps(post_times, 0.0, dt)
        return self.reference_group([[p + delay_steps for p in pre_steps]], post_steps, [w0])[0]

    @staticmethod
    def reference_group(pre_trains: list, post_steps: ArrayLike, w0: ArrayLike) -> np.ndarray:
        """Weights of all Hebbian2 synapses onto one target, cycle by cycle (plain Python)."""
        w = [float(x) for x in w0]
        post = sorted(set(post_steps))
        for t in post:
            last = [max([p for p in train if p <= t], default=None) for train in pre_trains]
            active = [lp is not None and t - lp < WINDOW for lp in last]
            n = sum(active)
            if n == 0:
                continue
            m = 1.0 / n
            for k, a in enumerate(active):
                if a:
                    x = (w[k] + m) / 2.0
                    w[k] = m if x * 1.01 > m else x
                else:
                    x = (w[k] - m) / 2.0
                    w[k] = -m if x * 1.01 < -m else x
        return w


@njit(cache=True, inline=INLINE)
def syn_pre(t, s, i, j, w, syn, pre, post, P, seed, stream):
    nw = int(P[1])
    tp = pre[j, 0]
    if tp > P[0] and t - tp < nw:  # this input is counted under its previous arrival: move it
        k = int(tp) % nw
        if post[i, 2 * k] == tp:
            post[i, 2 * k + 1] -= 1.0
    k = int(t) % nw
    if post[i, 2 * k] != t:
        post[i, 2 * k] = t
        post[i, 2 * k + 1] = 0.0
    post[i, 2 * k + 1] += 1.0
    return w


@njit(cache=True, inline=INLINE)
def syn_post(t, s, i, j, w, syn, pre, post, P, seed, stream):
    nw = int(P[1])
    n = 0.0
    for k in range(nw):
        if t - post[i, 2 * k] < nw:
            n += post[i, 2 * k + 1]
    if n <= 0.0:
        return w
    m = 1.0 / n
    tp = pre[j, 0]
    if tp > P[0] and t - tp < nw:
        x = (w + m) / 2.0
        return m if x * 1.01 > m else x
    x = (w - m) / 2.0
    return -m if x * 1.01 < -m else x


pre_spike = record_pre_spike


@njit(cache=True, inline=INLINE)
def post_spike(t, i, post, P):
    post[i, 2 * WINDOW] = t


transmit = None
