"""Integrate-and-fire neuron in discrete cycles, as Brain Simulator II runs it.

One step is one cycle. At each cycle, in this order (after Brain Simulator II's ``IF`` and ``LIF``
neuron models, FutureAIGuru/BrainSimII, Neuron.cs; semantics as docs/bs2.md describes them)::

    c += i_ext
    if refractory > 0:        refractory -= 1 (no firing)
    elif c >= threshold:      spike; c = 0; refractory = refractory_cycles
    else:                     c = max(c * (1 - leak), 0)

Synaptic input is added to the charge in the delivery phase of the cycle in which the source
fired, so it is seen by the threshold test of the next cycle: a one-cycle synaptic delay. With
``leak = 0`` a burst of B spikes through weight w therefore fires the target iff ``B * w >= 1``.
Weights are signed (negative = inhibitory); negative charge is clamped at 0 at the end of a cycle.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np
from numba import njit

from .. import _validate as V
from .base import Model, ModelState

CHARGE, IEXT = 0, 1
REFR = 0


@dataclass(frozen=True)
class IF(Model):
    """Brain Simulator II integrate-and-fire population."""

    n: int = 1
    threshold: float = 1.0
    leak: float = 0.0
    refractory: int = 0

    float_vars: ClassVar[tuple[str, ...]] = ("charge", "i_ext")
    int_vars: ClassVar[tuple[str, ...]] = ("refractory",)
    input_mode: ClassVar[str | None] = "signed"
    input_rows: ClassVar[tuple[int, int]] = (CHARGE, CHARGE)
    kick_row: ClassVar[int] = CHARGE
    current_row: ClassVar[int] = IEXT
    kernel_module: ClassVar[str] = "hebblab.neurons.if_neuron"

    #: Largest threshold (charge units): charges stay far inside the float32 range.
    THRESHOLD_MAX: ClassVar[float] = 1e30

    def __post_init__(self):
        self._n()
        V.positive("IF.threshold", self.threshold)
        object.__setattr__(self, "threshold", V.real("IF.threshold", self.threshold, 0.0, self.THRESHOLD_MAX,
                                                     low_open=True))
        object.__setattr__(self, "leak", V.in_range("IF.leak", self.leak, 0.0, 1.0))
        object.__setattr__(self, "refractory", V.non_negative_int("IF.refractory", self.refractory, V.MAX_STEP))

    def init_state(self, dt: float, seed: int, stream: int) -> ModelState:
        return (np.zeros((2, self.n)), np.zeros((1, self.n), np.int64), np.zeros((1, 0), np.int64),
                np.zeros(1, np.int64))

    def pack(self, dt: float) -> np.ndarray:
        return np.array([self.threshold, self.leak, float(self.refractory)])


@njit(cache=True)
def update(t, S, I, E, C, P, spk):
    thr, keep, n_ref = P[0], 1.0 - P[1], int(P[2])
    c = S[CHARGE]
    iext = S[IEXT]
    refr = I[REFR]
    count = 0
    for k in range(c.shape[0]):
        c[k] += iext[k]
        if refr[k] > 0:
            refr[k] -= 1
            c[k] = max(c[k] * keep, 0.0)
        elif c[k] >= thr:
            c[k] = 0.0
            refr[k] = n_ref
            spk[count] = k
            count += 1
        else:
            c[k] = max(c[k] * keep, 0.0)
    return count


def reference_update(t, S, I, E, C, P):
    thr, keep, n_ref = P[0], 1.0 - P[1], int(P[2])
    c, refr = S[CHARGE], I[REFR]
    c += S[IEXT]
    blocked = refr > 0
    fire = (~blocked) & (c >= thr)
    refr[blocked] -= 1
    c[:] = np.where(fire, 0.0, np.maximum(c * keep, 0.0))
    refr[fire] = n_ref
    return np.flatnonzero(fire)
