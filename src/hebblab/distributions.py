"""Initial-value distributions for weights, drawn from the counter-based streams.

``w=hl.Uniform(0, 0.01)`` draws synapse k's weight from the key (seed, stream, k, 0), so a weight
does not depend on how many other synapses were created before it.
"""

from __future__ import annotations

from dataclasses import dataclass

import math

import numpy as np

from . import _validate as V
from .rng import normal, uniform


@dataclass(frozen=True)
class Uniform:
    """Uniform on [low, high)."""

    low: float
    high: float

    def __post_init__(self):
        object.__setattr__(self, "low", V.finite("Uniform.low", self.low))
        object.__setattr__(self, "high", V.finite("Uniform.high", self.high))
        if self.high < self.low:
            raise ValueError(f"Uniform.high must be >= low = {self.low!r} (got {self.high!r})")

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
        object.__setattr__(self, "mean", V.finite("Normal.mean", self.mean))
        object.__setattr__(self, "sd", V.non_negative("Normal.sd", self.sd))
        # low and high may be infinite (no clipping), never NaN (NaN clipped every weight to NaN)
        for name in ("low", "high"):
            x = V.number(f"Normal.{name}", getattr(self, name))
            if math.isnan(x):
                raise ValueError(f"Normal.{name} must be a number or +-inf (got {x!r})")
            object.__setattr__(self, name, x)
        if self.high < self.low:
            raise ValueError(f"Normal.high must be >= low = {self.low!r} (got {self.high!r})")

    def sample(self, n: int, seed: int, stream: int) -> np.ndarray:
        x = self.mean + self.sd * normal(seed, stream, np.arange(n), 0)
        return np.clip(x, self.low, self.high)
