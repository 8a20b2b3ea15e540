r"""Brain Simulator II's Binary synapse: one-shot learning at the target's spike.

As Brain Simulator II documents it (Charles J. Simon, FutureAIGuru/BrainSimII: synapse model
tooltip "Binary, one-shot learning"; ``NewHebbianWeight`` for Binary before 1.8 disabled it:
strengthen to a fixed value, weaken to 0). When the target fires at cycle t, every Binary synapse
onto it is set to::

    w = 2 / n   if its source fired at or after the target's previous spike (up to t)
    w = 0       otherwise (also when the source never fired)

with ``n`` the number of non-fixed synapses onto the target (any plastic BS2 model), a property
of the network the importer writes into post column 0. Between target spikes the weight does
not change.
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


@register_rule
@dataclass(frozen=True)
class BS2Binary(Rule):
    """Brain Simulator II Binary (module docstring). Post column 0 holds n (default 1)."""

    rule_name: ClassVar[str] = "bs2-binary"
    kernel_module: ClassVar[str] = "hebblab.plasticity.bs2_binary"

    def bounds(self) -> tuple[float, float]:
        return -WEIGHT_MAX, WEIGHT_MAX  # any weight BS2 can store (float32)

    def layout(self) -> tuple[int, int, int]:
        return 0, 1, 2

    def pack(self, dt: float) -> np.ndarray:
        return np.array([NO_SPIKE])

    def init_state(self, n_syn: int, n_pre: int, n_post: int, seed: int, stream: int) -> RuleState:
        syn, pre, post = super().init_state(n_syn, n_pre, n_post, seed, stream)
        post[:, 0] = 1.0
        return syn, pre, post

    def reference(self, pre_times: ArrayLike, post_times: ArrayLike, w0: float, delay: float = 0.0,
                  dt: float | None = None, seed: int = 0, stream: int = 0, s: int = 0,
                  pre_neuron: NeuronTrace | None = None, post_neuron: NeuronTrace | None = None, n: int = 1) -> float:
        pre_steps, delay_steps = cycle_steps(pre_times, delay, dt)
        post_steps, _ = cycle_steps(post_times, 0.0, dt)
        pre = sorted(p + delay_steps for p in pre_steps)
        w, prev = float(w0), None
        for t in sorted(set(post_steps)):
            fired = [p for p in pre if p <= t and (prev is None or p >= prev)]
            w = 2.0 / n if fired else 0.0
            prev = t
        return w


@njit(cache=True, inline=INLINE)
def syn_pre(t, s, i, j, w, syn, pre, post, P, seed, stream):
    return w


@njit(cache=True, inline=INLINE)
def syn_post(t, s, i, j, w, syn, pre, post, P, seed, stream):
    tp = pre[j, 0]
    if tp > P[0] and tp >= post[i, 1]:
        return 2.0 / post[i, 0]
    return 0.0


pre_spike = record_pre_spike


@njit(cache=True, inline=INLINE)
def post_spike(t, i, post, P):
    post[i, 1] = t


transmit = None
