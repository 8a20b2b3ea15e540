r"""How sure a simulated number is: replicates, intervals and bounds, in one written form.

Every headline number an experiment writes is one of three kinds (:func:`kind_of`):

* an **estimate** over independent replicates (seeds, or independent networks inside one run),
  written ``{"mean": m, "ci95": [lo, hi], "n": k}``: :func:`estimate` (Student's t interval of
  the mean), :func:`proportion` (Wilson's interval of a fraction of k independent trials, with
  ``"n"`` the number of trials) or :func:`bootstrap` (percentile interval of any statistic,
  ``"method": "bootstrap"``);
* a **bound**, ``{"at_least": v}`` or ``{"at_most": v}``: a value past the end of a run or at a
  cap is never a measurement (:func:`at_least`, :func:`censored`);
* a plain number: deterministic (a closed form, an exact count, a noise-free simulation), a
  published value or a setting. The experiment says which in ``Result.kinds``.

Student's t interval of a mean of n replicates (mean m, sample SD s):
``m +- t_{0.975, n-1} s / sqrt(n)``. Wilson's interval for k successes in n trials (Wilson 1927,
J. Am. Stat. Assoc. 22:209): ``(p + z^2/2n +- z sqrt(p(1-p)/n + z^2/4n^2)) / (1 + z^2/n)``.
"""

from __future__ import annotations

import math
from typing import Any, Callable, Sequence

import numpy as np

KINDS = ("replicated", "bootstrap", "binomial", "bound", "deterministic", "closed-form", "published", "setting")


def _finite(values, what: str) -> np.ndarray:
    x = np.asarray(values, dtype=float).ravel()
    if x.size < 2:
        raise ValueError(f"{what}: need at least 2 replicates (got {x.size})")
    if not np.all(np.isfinite(x)):
        raise ValueError(f"{what}: replicates must be finite (a censored value is a bound: use censored())")
    return x


def estimate(values: Sequence[float], confidence: float = 0.95) -> dict:
    """Mean of independent replicates with Student's t interval: ``{"mean", "ci95", "n"}``."""
    from scipy.stats import t as student_t

    x = _finite(values, "estimate")
    m = float(np.mean(x))
    half = float(student_t.ppf(0.5 + confidence / 2, x.size - 1) * np.std(x, ddof=1) / math.sqrt(x.size))
    return {"mean": m, "ci95": [m - half, m + half], "n": int(x.size)}


def proportion(successes: int, trials: int, confidence: float = 0.95) -> dict:
    """Fraction of independent trials with Wilson's interval: ``{"mean", "ci95", "n"}`` (n = trials)."""
    from scipy.stats import norm

    k, n = int(successes), int(trials)
    if n < 1 or not 0 <= k <= n:
        raise ValueError(f"proportion: need 0 <= successes <= trials, trials >= 1 (got {k} of {n})")
    z = float(norm.ppf(0.5 + confidence / 2))
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    lo = 0.0 if k == 0 else max(0.0, centre - half)
    hi = 1.0 if k == n else min(1.0, centre + half)
    return {"mean": p, "ci95": [lo, hi], "n": n, "method": "wilson"}


def resample_indices(n: int, seed: int, n_resamples: int = 2000) -> np.ndarray:
    """The bootstrap's resamples: an ``(n_resamples, n)`` array of indices drawn uniformly with
    replacement (numpy ``default_rng(seed)``). :func:`bootstrap` uses exactly these, so a caller
    that computes a statistic for all resamples at once (vectorised) can pass the results to
    :func:`bootstrap_interval` and get the same interval."""
    if n < 2:
        raise ValueError(f"bootstrap: need at least 2 units (got {n})")
    return np.random.default_rng(seed).integers(0, n, (n_resamples, n))


def bootstrap_interval(point_value: float, resampled: Sequence[float], n: int, confidence: float = 0.95) -> dict:
    """Percentile interval from a statistic's values on the resamples (NaN = the statistic failed
    there: dropped and counted). Returns ``{"mean": point_value, "ci95", "n", "method", "failed"}``."""
    vals = np.asarray(resampled, dtype=float)
    ok = vals[np.isfinite(vals)]
    if ok.size < vals.size // 2:
        raise ValueError(f"bootstrap: the statistic failed on {vals.size - ok.size} of {vals.size} resamples")
    a = (1 - confidence) / 2
    lo, hi = np.quantile(ok, [a, 1 - a])
    return {"mean": float(point_value), "ci95": [float(lo), float(hi)], "n": int(n), "method": "bootstrap",
            "failed": int(vals.size - ok.size)}


def bootstrap(data: Sequence, statistic: Callable[[np.ndarray], float], seed: int, n_resamples: int = 2000,
              confidence: float = 0.95) -> dict:
    """``statistic(data)`` with the percentile interval of ``n_resamples`` bootstrap resamples.

    ``data`` is resampled along its first axis (rows are the independent units: replicates,
    data points), with :func:`resample_indices`. Resamples where the statistic is not finite (a
    fit that fails) are dropped and counted in ``"failed"``. Returns ``{"mean": statistic(data),
    "ci95", "n", "method"}``.
    """
    arr = np.asarray(data)
    idx = resample_indices(arr.shape[0], seed, n_resamples)
    stats = np.empty(n_resamples)
    for b in range(n_resamples):
        try:
            stats[b] = statistic(arr[idx[b]])
        except (ValueError, RuntimeError, FloatingPointError, np.linalg.LinAlgError):
            stats[b] = np.nan
    return bootstrap_interval(statistic(arr), stats, arr.shape[0], confidence)


def at_least(value: float, reason: str = "") -> dict:
    """A lower bound (the quantity passed the end of the run or a cap)."""
    out: dict[str, Any] = {"at_least": float(value)}
    if reason:
        out["reason"] = reason
    return out


def at_most(value: float, reason: str = "") -> dict:
    """An upper bound."""
    out: dict[str, Any] = {"at_most": float(value)}
    if reason:
        out["reason"] = reason
    return out


def censored(values: Sequence[float], limit: float, reason: str = "") -> dict:
    """Replicates of a time that may run past ``limit`` (``inf`` or ``> limit`` = not reached).

    If every replicate was reached: :func:`estimate`. Otherwise the mean with each unreached
    replicate counted at ``limit`` is a lower bound of the true mean:
    ``{"at_least": that mean, "n", "censored": how many}``.
    """
    x = np.asarray(values, dtype=float).ravel()
    late = ~np.isfinite(x) | (x > limit)
    if not late.any():
        return estimate(x)
    out = at_least(float(np.mean(np.where(late, limit, x))), reason or f"{int(late.sum())} of {x.size} replicates "
                   f"not reached within {limit:g}")
    out.update(n=int(x.size), censored=int(late.sum()))
    return out


def is_estimate(v) -> bool:
    return isinstance(v, dict) and "mean" in v and "ci95" in v and "n" in v


def is_bound(v) -> bool:
    return isinstance(v, dict) and ("at_least" in v or "at_most" in v)


def is_leaf(v) -> bool:
    """A headline value (not a group of named values)."""
    return not isinstance(v, dict) or is_estimate(v) or is_bound(v)


def point(v) -> float | None:
    """The number a value stands for: the mean of an estimate, the bound of a bound, itself."""
    if is_estimate(v):
        return v["mean"]
    if is_bound(v):
        return v.get("at_least", v.get("at_most"))
    if isinstance(v, (bool, np.bool_)):
        return float(v)
    if isinstance(v, (int, float, np.integer, np.floating)):
        return float(v)
    return None


def kind_of(v, declared: str | None = None) -> str:
    """``replicated`` / ``bootstrap`` / ``binomial`` / ``bound`` for structured values, else the
    declared kind of a plain value (default ``deterministic``)."""
    if is_estimate(v):
        return {"bootstrap": "bootstrap", "wilson": "binomial"}.get(v.get("method", ""), "replicated")
    if is_bound(v):
        return "bound"
    return declared or "deterministic"


def leaves(headline: dict, prefix: str = "") -> list[tuple[str, Any]]:
    """(dotted key, value) for every headline value, estimates and bounds kept whole."""
    rows = []
    for k, v in headline.items():
        key = f"{prefix}{k}"
        if is_leaf(v):
            rows.append((key, v))
        else:
            rows += leaves(v, key + ".")
    return rows


def _num(x: float, digits: int) -> str:
    if x is None or not math.isfinite(x):
        return "n/a"
    if x == 0:
        return "0"
    mag = math.floor(math.log10(abs(x)))
    if abs(x) >= 10 ** digits:
        return f"{x:,.0f}"
    decimals = max(0, digits - 1 - mag)
    return f"{x:,.{decimals}f}"


def fmt(v, digits: int = 3, percent: bool = False, unit: str = "") -> str:
    """Human form: ``m [lo, hi]`` for an estimate, ``>= v`` for a bound, else the number."""
    scale = 100.0 if percent else 1.0
    suffix = " %" if percent else (f" {unit}" if unit else "")
    if is_estimate(v):
        lo, hi = v["ci95"]
        return f"{_num(v['mean'] * scale, digits)} [{_num(lo * scale, digits)}, {_num(hi * scale, digits)}]{suffix}"
    if is_bound(v):
        if "at_least" in v:
            return f">= {_num(v['at_least'] * scale, digits)}{suffix}"
        return f"<= {_num(v['at_most'] * scale, digits)}{suffix}"
    if isinstance(v, (bool, np.bool_)):
        return str(bool(v))
    if isinstance(v, (int, np.integer)) and not percent:
        return f"{int(v):,}{suffix}"
    if isinstance(v, (float, np.floating, int, np.integer)):
        return f"{_num(float(v) * scale, digits)}{suffix}"
    return "n/a" if v is None else str(v)
