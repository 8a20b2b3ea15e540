"""Initial-value distributions for weights, drawn from the counter-based streams.

``w=hl.Uniform(0, 0.01)`` draws synapse k's weight from the key (seed, stream, k, 0), so a weight
does not depend on how many other synapses were created before it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import _validate as V
from .rng import normal, uniform


@dataclass(frozen=True)
class Uniform:
    """Uniform on [low, high)."""

    low: float
    high: float

    def __post_init__(self):
        V.finite("low", self.low)
        if V.finite("high", self.high) < self.low:
            raise ValueError(f"high must be >= low = {self.low!r} (got {self.high!r})")

    def sample(self, n: int, seed: int, stream: int) -> np.ndarray:
        u = 1.0 - uniform(seed, stream, np.arange(n), 0)  # [0, 1)
        return self.low + (self.high - self.low) * u


@dataclass(frozen=True)
class Normal:
    """Normal with ``mean`` and ``sd``, optionally clipped to [low, high]."""

    mean: float
    sd: float
    low: float = -np.inf
    high: float = np.inf

    def __post_init__(self):
        V.finite("mean", self.mean)
        V.non_negative("sd", self.sd)

    def sample(self, n: int, seed: int, stream: int) -> np.ndarray:
        x = self.mean + self.sd * normal(seed, stream, np.arange(n), 0)
        return np.clip(x, self.low, self.high)
