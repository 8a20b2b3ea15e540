"""Initial-value distributions for weights, drawn from the counter-based streams.

``w=hl.Uniform(0, 0.01)`` draws synapse k's weight from the key (seed, stream, k, 0), so a weight
does not depend on how many other synapses were created before it.

Bounds may carry units (``hl.Uniform(10 * hl.ms, 30 * hl.ms)`` for a per-neuron time constant):
they are stored as SI floats with the unit they had (``unit``, "second"), which a dimensioned
parameter checks (``in_unit``); bare bounds have ``unit=None``.
"""

from __future__ import annotations

from dataclasses import dataclass

import math

import numpy as np

from . import _validate as V
from . import units as U
from .rng import normal, uniform


def _si_bounds(kind: str, obj, names) -> None:
    """Convert the quantities among ``names`` to SI floats in place and set ``obj.unit``; a bare,
    finite, non-zero bound beside one with a unit is refused (it would silently take that unit)."""
    found = set() if obj.unit is None else {obj.unit}
    given = {name: U.unit_of(f"{kind}.{name}", getattr(obj, name)) for name in names}
    found |= {u for u in given.values() if u is not None}
    if len(found) > 1:
        raise U.UnitError(f"{kind}: the bounds must share one dimension (got {', '.join(sorted(found))})")
    for name, unit in given.items():
        value = getattr(obj, name)
        if unit is not None:
            object.__setattr__(obj, name, U.any_to_si(f"{kind}.{name}", value))
        elif (found and obj.unit is None and U._bare(value) and np.ndim(value) == 0
              and math.isfinite(float(value)) and float(value) != 0.0):
            raise U.UnitError(f"{kind}.{name}={value!r} has no unit, beside bounds in {next(iter(found))}: "
                              "give every bound a unit (0 and infinity need none)")
    object.__setattr__(obj, "unit", found.pop() if found else None)


def _in_unit(kind: str, obj, names, name: str, unit: str):
    """``obj`` for a parameter of ``unit``: its own unit must be that one; a distribution without
    units is accepted only inside ``assume_si()`` or when every bound is 0 or infinite."""
    if obj.unit == unit:
        return obj
    if obj.unit is not None:
        raise U.UnitError(f"{name}={obj!r} has the wrong dimension: it must be {U.DIMENSION_WORD.get(unit, unit)} "
                          f"(got {U.DIMENSION_WORD.get(obj.unit, obj.unit)})")
    if U.assuming_si() or all(getattr(obj, k) == 0.0 or math.isinf(getattr(obj, k)) for k in names):
        return obj
    raise U.UnitError(f"{name}={obj!r} has no unit: it must be {U.DIMENSION_WORD.get(unit, unit)}, e.g. "
                      f"hl.{kind}(10 * {U.EXAMPLE_UNIT.get(unit, 'unit')}, 30 * {U.EXAMPLE_UNIT.get(unit, 'unit')}) "
                      "(bare numbers are read as SI only inside hl.units.assume_si())")


@dataclass(frozen=True)
class Uniform:
    """Uniform on [low, high)."""

    low: float
    high: float
    unit: str | None = None

    def __post_init__(self):
        _si_bounds("Uniform", self, ("low", "high"))
        object.__setattr__(self, "low", V.finite("Uniform.low", self.low))
        object.__setattr__(self, "high", V.finite("Uniform.high", self.high))
        if self.high < self.low:
            raise ValueError(f"Uniform.high must be >= low = {self.low!r} (got {self.high!r})")

    def in_unit(self, name: str, unit: str) -> "Uniform":
        """This distribution for a parameter of ``unit`` (a UnitError when its unit differs)."""
        return _in_unit("Uniform", self, ("low", "high"), name, unit)

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
    unit: str | None = None

    def __post_init__(self):
        _si_bounds("Normal", self, ("mean", "sd", "low", "high"))
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

    def in_unit(self, name: str, unit: str) -> "Normal":
        """This distribution for a parameter of ``unit`` (a UnitError when its unit differs)."""
        return _in_unit("Normal", self, ("mean", "sd", "low", "high"), name, unit)

    def sample(self, n: int, seed: int, stream: int) -> np.ndarray:
        x = self.mean + self.sd * normal(seed, stream, np.arange(n), 0)
        return np.clip(x, self.low, self.high)
