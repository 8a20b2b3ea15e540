r"""Closed forms and bounds for the memory stream (definitions in :mod:`hebblab.memory.stream`).

Two-state synapse, switching probability q, coding level f (Amit & Fusi 1994; Fusi & Abbott
2007, with f = 1 in both): from the stationary state, a memory's expected signal falls by the
factor (1 - f q) with every later memory, so

    SNR(a) = sqrt(N f) q (1 - f q)^a,     lifetime (SNR = 1) = ln(q sqrt(N f)) / (-ln(1 - f q)).

At q = 1 and f = 1 the next memory overwrites every synapse: SNR(0) = sqrt(N), SNR(1) = 0.

Any discrete-state synapse (the mean field of :func:`markov_snr`, exact for the expected signal
and for the noise of an unrelated pattern at equilibrium): with M = (1 - f) I + f (M+ + M-)/2 and
pi its stationary distribution,

    SNR(a) = sqrt(N f) (1/2) pi (M+ - M-) M^a (w - wbar) / sd_pi(w).

Lahiri & Ganguli 2013 ("A memory frontier for complex synapses", NIPS 26), in continuous time
with candidate events at rate r: the area under the memory curve of ANY synapse with M internal
states is at most ``sqrt(N) (M - 1) / r``. In this stream's units (one event per synapse per
memory, f = 1, time in memories) the bound is ``sqrt(N) (M - 1)`` memories; the two-state
synapse (M = 2) meets it for every q (sum over ages of sqrt(N) q (1 - q)^a is sqrt(N)), so it is
tight. The sum over whole ages is the discrete analogue of their integral; it is compared with
the bound as such.

Cascade (Fusi, Drew & Abbott 2005): SNR ~ 1/a over the range its depth covers, about x^-(n-1)
memories for n metastates at ratio x. Benna & Fusi 2016: SNR ~ 1/sqrt(a), lifetime about
linear in N when the chain is long enough.
"""

from __future__ import annotations

import math

import numpy as np


def two_state_snr(ages, n: int, q: float, f: float = 1.0) -> np.ndarray:
    a = np.asarray(ages, float)
    return math.sqrt(n * f) * q * (1.0 - f * q) ** a


def two_state_lifetime(n: int, q: float, f: float = 1.0) -> float:
    """Age at which SNR falls to 1 (0 when it starts below 1; at f q = 1 the SNR is sqrt(N f)
    at age 0 and 0 from age 1, so the memory lasts less than one further memory: 0 here)."""
    s0 = q * math.sqrt(n * f)
    if s0 <= 1.0:
        return 0.0
    if f * q >= 1.0:
        return 0.0
    return math.log(s0) / (-math.log(1.0 - f * q))


def markov_snr(model, ages, n: int, f: float = 1.0) -> np.ndarray:
    """Mean-field SNR of a :class:`~hebblab.memory.models.Markov` synapse (module docstring)."""
    Mp, Mm = np.asarray(model.M_plus, float), np.asarray(model.M_minus, float)
    K = Mp.shape[0]
    M = (1.0 - f) * np.eye(K) + f * 0.5 * (Mp + Mm)
    pi = model.stationary()
    w = np.asarray(model.efficacy, float)
    wbar = pi @ w
    sd = math.sqrt(max(pi @ (w - wbar) ** 2, 0.0))
    if sd == 0:
        return np.zeros(len(ages))
    v = 0.5 * pi @ (Mp - Mm)  # the signal's row vector at age 0
    out = []
    ages = np.asarray(ages, int)
    cur, a_cur = v, 0
    for a in ages:  # ages ascending
        if a < a_cur:
            raise ValueError("markov_snr: ages must be ascending")
        if a > a_cur:
            cur = cur @ np.linalg.matrix_power(M, int(a - a_cur))
            a_cur = int(a)
        out.append(cur @ (w - wbar))
    return math.sqrt(n * f) * np.asarray(out) / sd


def lahiri_ganguli_area_bound(n: int, n_states: int) -> float:
    """sqrt(N) (M - 1): the bound on the area under the memory curve (memories, f = 1)."""
    return math.sqrt(n) * (n_states - 1)


def fitted_slope(ages, snr, lo: float, hi: float) -> float:
    """Least-squares slope of log SNR against log age over ages in [lo, hi] with SNR > 0."""
    a = np.asarray(ages, float)
    y = np.asarray(snr, float)
    m = (a >= lo) & (a <= hi) & (y > 0)
    if m.sum() < 3:
        return float("nan")
    return float(np.polyfit(np.log(a[m]), np.log(y[m]), 1)[0])
