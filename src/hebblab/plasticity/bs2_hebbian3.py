r"""Brain Simulator II's Hebbian3 synapse: multiplicative STDP over 1-3 cycles.

As Brain Simulator II documents it (Charles J. Simon, FutureAIGuru/BrainSimII, the HebbianSynapses
network notes: "If neuron A fires shortly before neuron B, the synapse weight is increased. If B
fires before A, the weight is decreased. The amount of time between the two spikes determines the
amount of the change"; factors as docs/bs2.md lists them). With d the lag in cycles (steps) to the
most recent spike of the other side:

    post fires, last pre arrival d = 1, 2, 3 cycles ago:  w *= 2, 4/3, 1.2
    pre arrives, last post spike d = 1, 2, 3 cycles ago:  w *= 0.5, 0.75, 0.833

then ``w = min(max(w, 0.001), 1)``. Same-cycle pairs and lags over 3 cycles change nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np
from numba import njit
from numpy.typing import ArrayLike

from .base import NeuronTrace, Rule, record_post_spike, record_pre_spike, register_rule
from ..compile_mode import INLINE

UP = (2.0, 4.0 / 3.0, 1.2)
DOWN = (0.5, 0.75, 0.833)
FLOOR, CAP = 0.001, 1.0


@register_rule
@dataclass(frozen=True)
class BS2Hebbian3(Rule):
    """Brain Simulator II Hebbian3 (see module docstring). No parameters."""

    rule_name: ClassVar[str] = "bs2-hebbian3"
    kernel_module: ClassVar[str] = "hebblab.plasticity.bs2_hebbian3"
    deferrable: ClassVar[bool] = True  # syn_post reads no post state

    def bounds(self) -> tuple[float, float]:
        return FLOOR, CAP

    def layout(self) -> tuple[int, int, int]:
        return 0, 1, 1

    def pack(self, dt: float) -> np.ndarray:
        return np.array(UP + DOWN + (FLOOR, CAP))

    def reference(self, pre_times: ArrayLike, post_times: ArrayLike, w0: float, delay: float = 0.0,
                  dt: float | None = None, seed: int = 0, stream: int = 0, s: int = 0,
                  pre_neuron: NeuronTrace | None = None, post_neuron: NeuronTrace | None = None) -> float:
        """Final weight from spike times, written out directly. Lags are counted in cycles
        (steps of ``dt``; ``dt=None`` means the times are already in cycles); deterministic, so
        ``seed``, ``stream`` and ``s`` are not used."""
        step = 1.0 if dt is None else float(dt)
        pre_steps = [int(round(t / step)) for t in pre_times]
        post_steps = [int(round(t / step)) for t in post_times]
        delay_steps = int(round(delay / step))
        events = sorted([(t + delay_steps, 0) for t in pre_steps] + [(t, 1) for t in post_steps])
        w = float(w0)
        last_pre = last_post = None
        for t, kind in events:
            if kind == 0:
                if last_post is not None and 1 <= t - last_post <= 3:
                    w = min(max(w * DOWN[t - last_post - 1], FLOOR), CAP)
                last_pre = t
            else:
                if last_pre is not None and 1 <= t - last_pre <= 3:
                    w = min(max(w * UP[t - last_pre - 1], FLOOR), CAP)
                last_post = t
        return w


@njit(cache=True, inline=INLINE)
def syn_pre(t, s, i, j, w, syn, pre, post, P, seed, stream):
    d = t - post[i, 0]
    if 1.0 <= d <= 3.0:
        w = min(max(w * P[3 + int(d) - 1], P[6]), P[7])
    return w


@njit(cache=True, inline=INLINE)
def syn_post(t, s, i, j, w, syn, pre, post, P, seed, stream):
    d = t - pre[j, 0]
    if 1.0 <= d <= 3.0:
        w = min(max(w * P[int(d) - 1], P[6]), P[7])
    return w


pre_spike = record_pre_spike
post_spike = record_post_spike


transmit = None
