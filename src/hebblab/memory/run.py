"""Run the memory stream for one model: probes stored first, read out at chosen ages."""

from __future__ import annotations

import numpy as np

from . import stream as S
from .models import Markov


def ages_grid(max_age: int, per_decade: int = 8) -> np.ndarray:
    """0 and log-spaced whole ages up to ``max_age``, without repeats."""
    if max_age < 1:
        return np.array([0])
    g = np.unique(np.round(np.logspace(0, np.log10(max_age), int(per_decade * np.log10(max_age)) + 2)).astype(int))
    return np.concatenate([[0], g[(g >= 1) & (g <= max_age)]])


def run_stream(model, n: int, ages, n_probes: int, f: float, seed: int, stream: int = 0,
               stop_below: float | None = None) -> np.ndarray:
    """SNR of each of ``n_probes`` probe memories (the first memories stored from the model's
    stationary state) at each age in ``ages``: an array (n_probes, len(ages)).

    ``stop_below``: stop storing once the mean SNR over the probes has been below this at two
    successive ages read by every probe; later ages are NaN (not read)."""
    ages = np.asarray(ages, np.int64)
    if n < 2 or n_probes < 1 or ages.ndim != 1 or ages.size == 0 or ages.min() < 0:
        raise ValueError("run_stream: n >= 2, n_probes >= 1 and ages >= 0 required")
    f_thr = S.f_threshold(f)
    state = model.initial(n, seed, stream) if isinstance(model, Markov) else model.initial(n, seed, stream, f)
    probe_keys = S.memory_keys(seed, stream, 0, n_probes)
    # readout times: probe k at age a is read right after memory k + a is stored
    times = {}
    for k in range(n_probes):
        for j, a in enumerate(ages):
            times.setdefault(int(k + a), []).append((k, j))
    out = np.full((n_probes, ages.size), np.nan)
    stored = 0  # memories stored so far: 0 .. stored-1
    done = np.zeros(ages.size, int)
    low = 0
    for t in sorted(times):
        if t + 1 > stored:
            model.advance(state, S.memory_keys(seed, stream, stored, t + 1), f_thr)
            stored = t + 1
        ks = sorted({k for k, _ in times[t]})
        snr = S.snr_of(model.eff(state), probe_keys[ks], f_thr, f)
        where = {k: i for i, k in enumerate(ks)}
        for k, j in times[t]:
            out[k, j] = snr[where[k]]
            done[j] += 1
            if stop_below is not None and done[j] == n_probes:
                low = low + 1 if np.mean(out[:, j]) < stop_below else 0
        if low >= 2:
            break
    return out


def lifetime(ages, snr_curve, level: float = 1.0):
    """The age at which a (mean) SNR curve first falls below ``level``, interpolating log SNR
    linearly in log age between the bracketing readouts (linearly in age from age 0).

    Returns ``(value, kind)``: kind ``"measured"``, ``"at_least"`` (still above at the last
    age: the value is that age) or ``"at_most"`` (below already at age 0: the value is 0)."""
    ages = np.asarray(ages, float)
    y = np.asarray(snr_curve, float)
    if not y[0] >= level:  # below at age 0, or undefined (NaN: the efficacies do not vary)
        return 0.0, "at_most"
    keep = ~np.isnan(y)
    ages, y = ages[keep], y[keep]
    if not y[0] >= level:
        return 0.0, "at_most"
    below = np.flatnonzero(~(y >= level))
    if below.size == 0:
        return float(ages[-1]), "at_least"
    j = int(below[0])
    a0, a1, y0, y1 = ages[j - 1], ages[j], y[j - 1], y[j]
    if a0 == 0 and a1 == 1:
        return 1.0, "at_most"  # above at age 0, below at age 1: less than one further memory
    if y1 <= 0 or a0 <= 0:
        # no log interpolation possible: linear in age
        return float(a0 + (y0 - level) / (y0 - y1) * (a1 - a0)), "measured"
    x0, x1 = np.log(a0), np.log(a1)
    return float(np.exp(x0 + (np.log(y0) - np.log(level)) / (np.log(y0) - np.log(y1)) * (x1 - x0))), "measured"
