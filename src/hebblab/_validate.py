"""Small validation helpers: every message names the parameter and its allowed range."""

from __future__ import annotations

import math

import numpy as np


def finite(name: str, value: float) -> float:
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number (got {value!r})")
    return value


def positive(name: str, value: float) -> float:
    value = finite(name, value)
    if value <= 0.0:
        raise ValueError(f"{name} must be > 0 (got {value!r})")
    return value


def non_negative(name: str, value: float) -> float:
    value = finite(name, value)
    if value < 0.0:
        raise ValueError(f"{name} must be >= 0 (got {value!r})")
    return value


def in_range(name: str, value: float, low: float, high: float, *, low_open: bool = False,
             high_open: bool = False) -> float:
    value = finite(name, value)
    lo_ok = value > low if low_open else value >= low
    hi_ok = value < high if high_open else value <= high
    if not (lo_ok and hi_ok):
        lb = "(" if low_open else "["
        hb = ")" if high_open else "]"
        raise ValueError(f"{name} must be in {lb}{low:g}, {high:g}{hb} (got {value!r})")
    return value


def positive_int(name: str, value: int) -> int:
    if isinstance(value, bool) or int(value) != value or int(value) < 1:
        raise ValueError(f"{name} must be an integer >= 1 (got {value!r})")
    return int(value)


def non_negative_int(name: str, value: int) -> int:
    if isinstance(value, bool) or int(value) != value or int(value) < 0:
        raise ValueError(f"{name} must be an integer >= 0 (got {value!r})")
    return int(value)


def one_of(name: str, value: str, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise ValueError(f"{name} must be one of {', '.join(repr(a) for a in allowed)} (got {value!r})")
    return value


def per_neuron(name: str, value, n: int, *, check=None) -> np.ndarray:
    """Broadcast a scalar or length-n array to a float64 array of length n."""
    arr = np.asarray(value, dtype=np.float64)
    if arr.ndim == 0:
        arr = np.full(n, float(arr))
    if arr.shape != (n,):
        raise ValueError(f"{name} must be a scalar or an array of length {n} (got shape {arr.shape})")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite")
    if check is not None:
        for v in arr:
            check(name, v)
    return arr
