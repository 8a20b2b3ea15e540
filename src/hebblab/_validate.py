"""The one validation layer: every public input passes one of these helpers before any state changes.

Every helper takes the parameter's full name (``"LIF.tau_m"``, ``"connect.delay"``) and raises
ONE ``ValueError`` (a number out of range, NaN, a non-integral integer) or ``TypeError`` (a string,
None, a list where a scalar goes) whose message is ``<name> must be <range> (got <value>)``.

Numbers: ``int``, ``float``, numpy scalars and 0-d numeric arrays; never ``bool`` or strings.
Integers (counts, seeds, indices) accept integral floats (``5.0`` is 5; ``5.5`` is refused) and
are returned as Python ``int``. Index arrays are checked element by element (integral, finite, in
range) and returned as int64, so the compiled loop never sees an index nobody checked.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

#: The largest step count (time / dt) anywhere in a run: steps are int64 in the kernels and
#: float64 in the traces, which hold whole numbers exactly up to 2**53.
MAX_STEP = 2**53
#: Time constants must be at least dt / MAX_DT_OVER_TAU: decay tables and exp(-dt/tau) stay finite.
MAX_DT_OVER_TAU = 1e6
#: Population sizes and indices are stored as int32.
MAX_N = 2**31 - 1
#: Seeds are stored as int64 (the random keys use them as uint64).
MAX_SEED = 2**63 - 1

_SHOW = 60  # characters of a bad value shown in a message


def _show(value) -> str:
    text = repr(value)
    return text if len(text) <= _SHOW else text[:_SHOW] + "..."


def _g(x) -> str:
    return f"{x:g}" if isinstance(x, float) else str(x)


def _range_text(low, high, low_open=False, high_open=False) -> str:
    lo_inf = low is None or (isinstance(low, float) and math.isinf(low))
    hi_inf = high is None or (isinstance(high, float) and math.isinf(high))
    if lo_inf and hi_inf:
        return "a finite number"
    if hi_inf:
        return f"{'>' if low_open else '>='} {_g(low)}"
    if lo_inf:
        return f"{'<' if high_open else '<='} {_g(high)}"
    return f"in {'(' if low_open else '['}{_g(low)}, {_g(high)}{')' if high_open else ']'}"


def _is_number(value) -> bool:
    if isinstance(value, (bool, np.bool_)):
        return False
    if isinstance(value, numbers.Real):
        return True
    if isinstance(value, np.ndarray) and value.ndim == 0 and value.dtype.kind in "iuf":
        return True
    return False


def number(name: str, value) -> float:
    """``value`` as a float (may be NaN or inf); TypeError for anything that is not a real number."""
    if not _is_number(value):
        raise TypeError(f"{name} must be a real number (got {_show(value)} of type {type(value).__name__})")
    try:
        return float(value)
    except OverflowError:  # an int too large for a float
        return math.inf if value > 0 else -math.inf


def real(name: str, value, low: float = -math.inf, high: float = math.inf, *, low_open: bool = False,
         high_open: bool = False, unit: str = "") -> float:
    """A finite real number in the range; returned as float."""
    x = number(name, value)
    lo_ok = x > low if low_open else x >= low
    hi_ok = x < high if high_open else x <= high
    if not (math.isfinite(x) and lo_ok and hi_ok):
        rng = _range_text(low, high, low_open, high_open)
        if not math.isfinite(x) and rng != "a finite number" and (math.isinf(low) or math.isinf(high)):
            rng = "finite and " + rng
        raise ValueError(f"{name} must be {rng}{' ' + unit if unit else ''} (got {_show(value)})")
    return x


def finite(name: str, value: float) -> float:
    return real(name, value)


def positive(name: str, value: float) -> float:
    return real(name, value, 0.0, math.inf, low_open=True)


def non_negative(name: str, value: float) -> float:
    return real(name, value, 0.0)


def in_range(name: str, value: float, low: float, high: float, *, low_open: bool = False,
             high_open: bool = False) -> float:
    return real(name, value, float(low), float(high), low_open=low_open, high_open=high_open)


def integer(name: str, value, low: int = 0, high: int | None = None) -> int:
    """An integer (or an integral float) in [low, high]; returned as int."""
    if isinstance(value, (bool, np.bool_)) or not (_is_number(value) or isinstance(value, numbers.Integral)):
        raise TypeError(f"{name} must be an integer (got {_show(value)} of type {type(value).__name__})")
    if isinstance(value, (numbers.Integral, np.integer)) or (isinstance(value, np.ndarray) and value.dtype.kind in "iu"):
        k = int(value)
    else:
        x = float(value)
        if not (math.isfinite(x) and x == math.floor(x)):
            k = None
        else:
            k = int(x)
    if k is None or k < low or (high is not None and k > high):
        rng = f">= {low}" if high is None else f">= {low} and <= {high}"
        raise ValueError(f"{name} must be an integer {rng} (got {_show(value)})")
    return k


def positive_int(name: str, value, high: int | None = None) -> int:
    return integer(name, value, 1, high)


def non_negative_int(name: str, value, high: int | None = None) -> int:
    return integer(name, value, 0, high)


def one_of(name: str, value: str, allowed: tuple[str, ...]) -> str:
    try:
        ok = isinstance(value, str) and value in allowed
    except TypeError:  # pragma: no cover - unhashable; `in` on a tuple does not hash
        ok = False
    if not ok:
        raise ValueError(f"{name} must be one of {', '.join(repr(a) for a in allowed)} (got {_show(value)})")
    return value


def flag(name: str, value) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False (got {_show(value)})")
    return bool(value)


def real_array(name: str, value, low: float = -math.inf, high: float = math.inf) -> np.ndarray:
    """A float64 array (any shape, copied only if needed) of finite values in [low, high]."""
    if isinstance(value, (str, bytes)) or value is None:
        raise TypeError(f"{name} must be an array of real numbers (got {_show(value)})")
    try:
        arr = np.asarray(value)
    except ValueError as e:  # ragged nested lists
        raise ValueError(f"{name} must be a rectangular array of real numbers ({e})") from None
    if arr.dtype.kind not in "iuf" or arr.dtype.kind == "b":
        if arr.size == 0 and arr.dtype.kind in "bO":  # () or []
            arr = np.zeros(arr.shape)
        else:
            raise TypeError(f"{name} must be an array of real numbers (got dtype {arr.dtype})")
    arr = np.asarray(arr, dtype=np.float64)
    if arr.size:
        bad = ~np.isfinite(arr)
        if low > -math.inf:
            bad |= arr < low
        if high < math.inf:
            bad |= arr > high
        if np.any(bad):
            k = int(np.flatnonzero(bad.ravel())[0])
            rng = _range_text(low, high)
            rng = "finite" if rng == "a finite number" else "finite and " + rng
            raise ValueError(f"{name} must be {rng} (got {_show(float(arr.ravel()[k]))} at position {k})")
    return arr


def index_array(name: str, value, n: int) -> np.ndarray:
    """Indices into something of size n: a 1-d int64 array (flattened), each integral and in
    [0, n - 1]; floats are accepted only if integral (0.7 and NaN are refused, not truncated)."""
    if isinstance(value, (str, bytes)) or value is None:
        raise TypeError(f"{name} must be an array of integers (got {_show(value)})")
    try:
        arr = np.asarray(value)
    except ValueError as e:
        raise ValueError(f"{name} must be a flat array of integers ({e})") from None
    arr = arr.ravel()
    if arr.size == 0:
        return np.zeros(0, np.int64)
    kind = arr.dtype.kind
    if kind in "iu":
        if kind == "u" and arr.dtype.itemsize == 8 and arr.max() > np.iinfo(np.int64).max:
            bad = int(np.flatnonzero(arr > np.iinfo(np.int64).max)[0])
            raise ValueError(f"{name} must be integers in [0, {n - 1}] (got {arr[bad]!r} at position {bad})")
        out = arr.astype(np.int64, copy=False)
    elif kind == "f":
        f = arr.astype(np.float64, copy=False)
        ok = np.isfinite(f) & (f == np.floor(f)) & (f >= 0) & (f <= n - 1)
        if not np.all(ok):
            bad = int(np.flatnonzero(~ok)[0])
            raise ValueError(f"{name} must be integers in [0, {n - 1}] (got {_show(float(f[bad]))} at position {bad})")
        out = f.astype(np.int64)
    else:
        raise TypeError(f"{name} must be an array of integers (got dtype {arr.dtype})")
    lo, hi = int(out.min()), int(out.max())
    if lo < 0 or hi > n - 1:
        bad = int(np.flatnonzero((out < 0) | (out > n - 1))[0])
        raise ValueError(f"{name} must be integers in [0, {n - 1}] (got {int(out[bad])} at position {bad})")
    return out


def per_neuron(name: str, value, n: int, *, check=None, low: float = -math.inf, high: float = math.inf) -> np.ndarray:
    """Broadcast a scalar or length-n array to a float64 array of length n (finite, in [low, high]).

    ``check`` (one of the scalar helpers, e.g. ``non_negative``) is applied to the scalar, or to
    the first offending element of an array; the checks are vectorized."""
    if _is_number(value):
        x = number(name, value)
        if check is not None:
            check(name, x)
        real(name, x, low, high)
        return np.full(n, x)
    arr = real_array(name, value)
    if arr.ndim == 0:
        arr = np.full(n, float(arr))
    if arr.shape != (n,):
        raise ValueError(f"{name} must be a scalar or an array of length {n} (got shape {arr.shape})")
    if check is not None and arr.size:
        # the scalar check on the smallest and the largest element finds any value it refuses
        check(name, float(arr.min()))
        check(name, float(arr.max()))
    if arr.size and (arr.min() < low or arr.max() > high):
        bad = int(np.flatnonzero((arr < low) | (arr > high))[0])
        real(name, float(arr[bad]), low, high)
    return arr


def steps(name: str, seconds, dt: float, *, whole: bool = False, rel_tol: float = 1e-9) -> int:
    """A non-negative duration in seconds as a whole number of steps of ``dt`` (rounded, or with
    ``whole`` required to be a whole number of steps within ``rel_tol``), at most MAX_STEP."""
    s = real(name, seconds, 0.0, unit="s")
    x = s / dt
    if not x <= MAX_STEP:
        raise ValueError(f"{name} must be in [0, {MAX_STEP * dt:g}] s ({MAX_STEP} steps of dt = {dt:g} s) "
                         f"(got {_show(seconds)})")
    k = int(round(x))
    if whole and abs(x - k) > rel_tol * max(k, 1):
        raise ValueError(f"{name} must be a whole number of steps of dt = {dt:g} s (got {_show(seconds)} s = "
                         f"{x:.6g} steps)")
    return k


def rate_per_step(name: str, value, dt: float) -> float:
    """A rate in Hz that is a probability per step: finite, >= 0 and ``value * dt <= 1``."""
    r = real(name, value, 0.0, unit="Hz")
    if r * dt > 1.0:
        raise ValueError(f"{name} must be in [0, {1.0 / dt:g}] Hz (rate * dt <= 1 at dt = {dt:g} s) (got {_show(value)})")
    return r


def time_constant(name: str, tau: float, dt: float) -> float:
    """``dt / tau`` for a time constant checked against the step: tau >= dt / MAX_DT_OVER_TAU."""
    x = dt / tau
    if not (math.isfinite(x) and 0.0 <= x <= MAX_DT_OVER_TAU):
        raise ValueError(f"{name} must be >= {dt / MAX_DT_OVER_TAU:g} s (dt / {MAX_DT_OVER_TAU:g} at dt = "
                         f"{dt:g} s) (got {_show(tau)})")
    return x


def neuron_param(name: str, value, n: int, check):
    """One value for every neuron, or one per neuron.

    A scalar is ``check(name, value)``'s float. Anything array-like must hold ``n`` real numbers;
    it comes back as a read-only float64 copy after ``check`` has passed its NaNs (the first one,
    by index) and its smallest and largest values (interval checks: the others lie between), each
    named ``name[i]``. A distribution (``hl.Uniform``, ``hl.Normal``) is returned as it is: it is
    drawn, one value per neuron, when the population is added to a network, and checked then.
    """
    from .distributions import Normal, Uniform
    if isinstance(value, (Uniform, Normal)):
        return value
    if isinstance(value, (str, bytes)) or np.ndim(value) == 0:
        return check(name, value)
    try:
        arr = np.array(value, dtype=np.float64)
    except (TypeError, ValueError, OverflowError):
        raise TypeError(f"{name} must be a real number or {n} of them, one per neuron (got {_show(value)})") from None
    if arr.shape != (n,):
        raise ValueError(f"{name} must be one value or {n} value{'s' if n != 1 else ''}, one per neuron (got shape "
                         f"{arr.shape})")
    bad = np.flatnonzero(np.isnan(arr))
    if bad.size:
        check(f"{name}[{bad[0]}]", arr[bad[0]])
    for i in (int(np.argmin(arr)), int(np.argmax(arr))):
        check(f"{name}[{i}]", arr[i])
    arr.setflags(write=False)
    return arr
