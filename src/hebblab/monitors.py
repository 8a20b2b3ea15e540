"""Monitors: spikes, sampled state variables and weights, in preallocated numpy arrays.

The compiled loop writes into fixed-size buffers; Python empties them between ``run`` calls or
when a spike buffer is about to fill (the only times Python is called during a run).
"""

from __future__ import annotations

import numpy as np

SPIKE_BUFFER = 1 << 20


class SpikeMonitor:
    """Spikes of a population: ``.t`` (seconds) and ``.i`` (neuron index), in time order."""

    def __init__(self, pop, capacity: int = SPIKE_BUFFER):
        self.source = pop
        self.capacity = max(int(capacity), 2 * pop.n)
        self.buf_t = np.zeros(self.capacity, np.int64)
        self.buf_i = np.zeros(self.capacity, np.int32)
        self.count = np.zeros(1, np.int64)
        self._steps: list[np.ndarray] = []
        self._idx: list[np.ndarray] = []
        self._dt = pop.net.dt

    def flush(self) -> None:
        n = int(self.count[0])
        if n:
            self._steps.append(self.buf_t[:n].copy())
            self._idx.append(self.buf_i[:n].copy())
            self.count[0] = 0

    @property
    def steps(self) -> np.ndarray:
        self.flush()
        return np.concatenate(self._steps) if self._steps else np.zeros(0, np.int64)

    @property
    def t(self) -> np.ndarray:
        return self.steps * self._dt

    @property
    def i(self) -> np.ndarray:
        self.flush()
        return np.concatenate(self._idx) if self._idx else np.zeros(0, np.int32)

    @property
    def counts(self) -> np.ndarray:
        """Number of spikes of each neuron."""
        return np.bincount(self.i, minlength=self.source.n)

    def __len__(self) -> int:
        return int(self.i.size)


class StateMonitor:
    """Samples of a state variable (or of the weights of a projection) every ``every`` steps.

    ``.t`` (seconds) and ``.values`` (samples x recorded indices). A sample at time t is the state
    at the start of step t, before that step's update.
    """

    def __init__(self, target, var: str, every_steps: int, indices, row: int | None, is_weight: bool):
        self.target = target
        self.var = var
        self.every = int(every_steps)
        self.indices = np.asarray(indices, dtype=np.int64)
        self.row = -1 if row is None else int(row)
        self.is_weight = is_weight
        self._chunks: list[np.ndarray] = []
        self._tchunks: list[np.ndarray] = []
        self._dt = target.net.dt
        self.buffer = np.zeros((0, self.indices.size))
        self.first = 0

    def prepare(self, t_start: int, t_stop: int) -> None:
        """Allocate the samples of steps [t_start, t_stop) that fall on the sampling grid."""
        first = -(-t_start // self.every) * self.every
        n = 0 if first >= t_stop else (t_stop - 1 - first) // self.every + 1
        self.first = first
        dtype = self.target.w.dtype if self.is_weight else self.target.S.dtype
        self.buffer = np.zeros((n, self.indices.size), dtype)

    def collect(self) -> None:
        if self.buffer.shape[0]:
            self._chunks.append(self.buffer)
            self._tchunks.append(self.first + self.every * np.arange(self.buffer.shape[0]))
        self.buffer = np.zeros((0, self.indices.size))

    @property
    def t(self) -> np.ndarray:
        return (np.concatenate(self._tchunks) if self._tchunks else np.zeros(0, np.int64)) * self._dt

    @property
    def values(self) -> np.ndarray:
        if not self._chunks:
            return np.zeros((0, self.indices.size))
        return np.concatenate(self._chunks, axis=0)
