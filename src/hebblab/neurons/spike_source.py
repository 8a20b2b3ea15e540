"""Explicit spike times: exact protocols, and tests that need spikes at chosen times.

``SpikeSource(n, times, indices)`` fires neuron ``indices[k]`` at ``times[k]`` (seconds). Times are
put on the step grid by rounding ``t / dt``; two spikes of one neuron in one step are refused, as
are negative times. ``BurstSource`` builds on it: bursts of ``spikes_per_burst`` spikes
``isi`` apart, starting at each of ``burst_times``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np
from numba import njit
from numpy.typing import ArrayLike, DTypeLike

from .. import _validate as V
from ..si import ms
from .. import units as U
from ..units import SIFloat
from .base import Model, ModelState

STEP, INDEX = 0, 1


def _frozen(x, dtype) -> np.ndarray:
    arr = np.array(x, dtype=dtype).ravel()  # a private copy
    arr.setflags(write=False)
    return arr


@dataclass(frozen=True, eq=False)
class SpikeSource(Model):
    """Neuron ``indices[k]`` fires at ``times[k]`` seconds.

    ``times`` and ``indices`` are kept as read-only numpy arrays (millions of spikes are fine);
    two sources compare equal only if they are the same object.
    """

    n: int = 1
    times: np.ndarray = ()
    indices: np.ndarray = ()

    kernel_module: ClassVar[str] = "hebblab.neurons.spike_source"
    param_units: ClassVar[dict[str, str]] = {"times": "second"}

    def __post_init__(self):
        n = self._n()
        times = V.real_array("SpikeSource.times", self.times, 0.0).ravel()
        idx = V.index_array("SpikeSource.indices", self.indices, n)
        if times.shape != idx.shape:
            raise ValueError(f"SpikeSource: times and indices must have the same length (got {times.size} and {idx.size})")
        object.__setattr__(self, "times", _frozen(times, float))
        object.__setattr__(self, "indices", _frozen(idx, np.int64))

    def steps(self, dt: float) -> tuple[np.ndarray, np.ndarray]:
        """Spike steps and indices on the grid of ``dt``, sorted by (step, index)."""
        if self.times.size and not float(self.times.max()) / dt <= V.MAX_STEP:  # Python floats: inf, no warning
            name = getattr(self, "_times_from", "SpikeSource.times")
            raise ValueError(f"{name} must be in [0, {V.MAX_STEP * dt:g}] s ({V.MAX_STEP} steps of "
                             f"dt = {dt:g} s) (got {float(self.times.max())!r})")
        st = np.rint(self.times / dt).astype(np.int64)
        ix = self.indices
        order = np.lexsort((ix, st))
        st, ix = st[order], ix[order]
        dup = (np.diff(st) == 0) & (np.diff(ix) == 0)
        if np.any(dup):
            k = int(np.flatnonzero(dup)[0])
            name = getattr(self, "_times_from", "SpikeSource.times")
            raise ValueError(f"{name}: neuron {ix[k]} has two spikes in step {st[k]} (dt = {dt:g} s); "
                             "spikes of one neuron must be at least dt apart")
        return st, ix

    def validate_dt(self, dt: float) -> None:
        self.steps(dt)

    def state_bytes(self, dtype: DTypeLike) -> float:
        # the step grid and its sort (about 8 int64 temporaries per spike), then the event table
        return super().state_bytes(dtype) + 80.0 * self.times.size

    def init_state(self, dt: float, seed: int, stream: int) -> ModelState:
        st, ix = self.steps(dt)
        E = np.vstack([st, ix]).astype(np.int64)
        return np.zeros((0, self.n)), np.zeros((0, self.n), np.int64), E, np.zeros(1, np.int64)

    def pack(self, dt: float) -> np.ndarray:
        return np.zeros(1)


def BurstSource(n: int = 1, spikes_per_burst: int = 5, isi: float = SIFloat(2 * ms), burst_times: ArrayLike = (0.0,),
                indices: ArrayLike | None = None) -> SpikeSource:
    """Bursts of ``spikes_per_burst`` spikes ``isi`` apart, starting at each of ``burst_times``.

    ``indices`` (one per burst time) says which neuron bursts; by default every neuron bursts at
    every burst time.
    """
    n = V.positive_int("BurstSource.n", n, V.MAX_N)
    spikes_per_burst = V.positive_int("BurstSource.spikes_per_burst", spikes_per_burst, V.MAX_N)
    isi = V.positive("BurstSource.isi", U.to_si("BurstSource.isi", isi, "second"))
    starts = V.real_array("BurstSource.burst_times", U.plain(U.to_si("BurstSource.burst_times", burst_times, "second",
                                                                                "burst_times=[0, 100] * hl.ms")),
                          0.0).ravel()
    if indices is None:
        count = float(starts.size) * n * spikes_per_burst
    else:
        who = V.index_array("BurstSource.indices", indices, n)
        if who.shape != starts.shape:
            raise ValueError(f"BurstSource.indices must have one entry per burst time (got {who.size} for {starts.size})")
        count = float(starts.size) * spikes_per_burst
    from ..network import refuse_if_too_big
    refuse_if_too_big(f"BurstSource(n={n}, spikes_per_burst={spikes_per_burst}, {starts.size} burst_times"
                      f"{'' if indices is None else ' with their indices'}): {count:.3g} spikes (about 100 bytes each)",
                      100.0 * count)
    if indices is None:
        who = np.tile(np.arange(n), starts.size)
        starts = np.repeat(starts, n)
    offsets = np.arange(spikes_per_burst) * isi
    times = (starts[:, None] + offsets[None, :]).ravel()
    idx = np.repeat(who, spikes_per_burst)
    src = SpikeSource(n=n, times=U.mark_si(times), indices=idx)
    object.__setattr__(src, "_times_from", "BurstSource's spike times (burst_times + k isi)")  # for messages
    return src


@njit(cache=True)
def update(t, S, I, E, C, P, spk):
    ptr = C[0]
    steps = E[STEP]
    n_ev = steps.shape[0]
    while ptr < n_ev and steps[ptr] < t:
        ptr += 1
    count = 0
    while ptr < n_ev and steps[ptr] == t:
        spk[count] = E[INDEX, ptr]
        count += 1
        ptr += 1
    C[0] = ptr
    return count


def reference_update(t, S, I, E, C, P):
    return E[INDEX, E[STEP] == t].copy()
