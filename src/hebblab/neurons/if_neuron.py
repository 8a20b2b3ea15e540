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

``threshold``, ``leak`` and ``refractory`` may each be one value per neuron (an array of n) or a
distribution drawn per neuron when the population is added (``refractory``'s draws are rounded
to whole cycles); the kernel then reads ``P[HEAD:]``, one row of n per parameter.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np
from numba import njit
from numpy.typing import DTypeLike

from .. import _validate as V
from ..distributions import Normal, Uniform
from .base import Model, ModelState

CHARGE, IEXT = 0, 1
REFR = 0
#: P[3] is 1.0 when the parameters are per neuron: P[HEAD + j * n + i], j = threshold, leak, refractory
HETERO, HEAD = 3, 4


@dataclass(frozen=True)
class IF(Model):
    """Brain Simulator II integrate-and-fire population."""

    n: int = 1
    threshold: float | np.ndarray | Uniform | Normal = 1.0
    leak: float | np.ndarray | Uniform | Normal = 0.0
    refractory: int | np.ndarray | Uniform | Normal = 0

    float_vars: ClassVar[tuple[str, ...]] = ("charge", "i_ext")
    int_vars: ClassVar[tuple[str, ...]] = ("refractory",)
    input_mode: ClassVar[str | None] = "signed"
    input_rows: ClassVar[tuple[int, int]] = (CHARGE, CHARGE)
    kick_row: ClassVar[int] = CHARGE
    current_row: ClassVar[int] = IEXT
    kernel_module: ClassVar[str] = "hebblab.neurons.if_neuron"
    per_neuron_params: ClassVar[tuple[str, ...]] = ("threshold", "leak", "refractory")

    #: Largest threshold (charge units): charges stay far inside the float32 range.
    THRESHOLD_MAX: ClassVar[float] = 1e30

    def __post_init__(self):
        n = self._n()
        checks = {"threshold": lambda name, x: V.real(name, V.positive(name, x), 0.0, self.THRESHOLD_MAX, low_open=True),
                  "leak": lambda name, x: V.in_range(name, x, 0.0, 1.0),
                  "refractory": lambda name, x: V.non_negative_int(name, x, V.MAX_STEP)}
        for name, check in checks.items():
            value = getattr(self, name)
            if name == "refractory" and not isinstance(value, (Uniform, Normal)) and np.ndim(value) > 0:
                value = np.asarray(value)
                if value.dtype.kind == "f":  # whole cycles: drawn or given, checked as integers
                    bad = np.flatnonzero(np.isfinite(value) & (value != np.round(value)))
                    if bad.size:
                        V.non_negative_int(f"IF.refractory[{bad[0]}]", value[bad[0]], V.MAX_STEP)
            object.__setattr__(self, name, V.neuron_param(f"IF.{name}", value, n, check))

    def drawn_values(self, name: str, values: np.ndarray) -> np.ndarray:
        """Refractory periods drawn from a distribution are rounded to whole cycles."""
        return np.round(values) if name == "refractory" else values

    def state_bytes(self, dtype: DTypeLike) -> float:
        """The base estimate, plus the packed per-neuron parameters (3 rows of n) where any is per neuron."""
        return super().state_bytes(dtype) + (24.0 * self.n if self.given_per_neuron() else 0.0)

    def init_state(self, dt: float, seed: int, stream: int) -> ModelState:
        return (np.zeros((2, self.n)), np.zeros((1, self.n), np.int64), np.zeros((1, 0), np.int64),
                np.zeros(1, np.int64))

    def pack(self, dt: float) -> np.ndarray:
        if not self.per_neuron():
            return np.array([self.threshold, self.leak, float(self.refractory), 0.0])
        rows = np.stack([np.broadcast_to(np.asarray(getattr(self, k), float), (self.n,))
                         for k in ("threshold", "leak", "refractory")])
        return np.concatenate([rows[:, 0], [1.0], rows.ravel()])


@njit(cache=True)
def update(t, S, I, E, C, P, spk):
    if P[HETERO] > 0.5:
        return _update_per_neuron(S, I, P, spk)
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


@njit(cache=True)
def _update_per_neuron(S, I, P, spk):
    """:func:`update` with the parameters read per neuron (rows of ``P[HEAD:]``)."""
    c = S[CHARGE]
    n = c.shape[0]
    Q = P[HEAD:HEAD + 3 * n].reshape((3, n))
    iext = S[IEXT]
    refr = I[REFR]
    count = 0
    for k in range(n):
        keep = 1.0 - Q[1, k]
        c[k] += iext[k]
        if refr[k] > 0:
            refr[k] -= 1
            c[k] = max(c[k] * keep, 0.0)
        elif c[k] >= Q[0, k]:
            c[k] = 0.0
            refr[k] = int(Q[2, k])
            spk[count] = k
            count += 1
        else:
            c[k] = max(c[k] * keep, 0.0)
    return count


def reference_update(t, S, I, E, C, P):
    if P[HETERO] > 0.5:
        n = S.shape[1]
        thr, leak, n_ref = P[HEAD:HEAD + 3 * n].reshape(3, n)
        keep, n_ref = 1.0 - leak, n_ref.astype(np.int64)
    else:
        thr, keep, n_ref = P[0], 1.0 - P[1], int(P[2])
    c, refr = S[CHARGE], I[REFR]
    c += S[IEXT]
    blocked = refr > 0
    fire = (~blocked) & (c >= thr)
    refr[blocked] -= 1
    c[:] = np.where(fire, 0.0, np.maximum(c * keep, 0.0))
    refr[fire] = n_ref if np.ndim(n_ref) == 0 else n_ref[fire]
    return np.flatnonzero(fire)
