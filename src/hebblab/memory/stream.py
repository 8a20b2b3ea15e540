r"""The memory stream: N independent synapses store one random memory after another, and the
signal of chosen *probe* memories is read out as later memories arrive (the abstract Monte Carlo
of Amit & Fusi 1994, Fusi, Drew & Abbott 2005, Benna & Fusi 2016, Lahiri & Ganguli 2013).

Memory ``m`` gives synapse ``i``, with probability ``f`` (the coding level; 1 in the papers
above), a candidate event ``xi_i^m``: potentiation (+1) or depression (-1), equally likely;
otherwise ``xi_i^m = 0``. The model maps the synapse's state through its potentiation or
depression map. The readout of memory ``m`` at age ``a`` (``a`` further memories stored after
it) is the overlap of its pattern with the efficacies, against the overlap an unrelated pattern
of the same statistics would have:

    S = sum_i xi_i (w_i - wbar),     noise^2 = f sum_i (w_i - wbar)^2,     SNR = S / noise,

``wbar`` the mean efficacy over the synapses at readout (for an unrelated pattern, E S = 0 and
Var S = noise^2 exactly, whatever the efficacies' distribution). For a two-state synapse
switching with probability q from its stationary state this gives
``E SNR = sqrt(N f) q (1 - f q)^a`` (memory.theory).

Random numbers are counter-based (hebblab.rng): the event of synapse i in memory m is one
SplitMix64 hash of (seed, stream, m, i) whose top 32 bits decide whether there is an event, bit
31 its sign and the low 31 bits the model's own random choice; a probe's pattern is recomputed
from the same hash at readout, never stored. The synapses are processed in fixed chunks of
:data:`CHUNK`, so results are identical for any number of threads.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from ..plasticity.benna_fusi import chain_event
from ..rng import hash3_nb, hash_last_nb

CHUNK = 4096
_S32 = np.uint64(32)
_S31 = np.uint64(31)
_ONE = np.uint64(1)
_M31 = np.uint64(0x7FFFFFFF)
INV31 = 1.0 / 2147483648.0

# op codes of an analog model's event programs (memory.models.Analog)
ADD, SOFT_UP, SOFT_DOWN, SCALE, SET = range(5)


@njit(cache=True)
def memory_keys(seed, stream, m0, m1):
    """The per-memory hash prefixes of memories m0 .. m1-1."""
    out = np.empty(m1 - m0, np.uint64)
    for k in range(m1 - m0):
        out[k] = hash3_nb(seed, stream, m0 + k)
    return out


@njit(cache=True, inline="always")
def _event(h, f_thr):
    """(sign, u31) of one synapse's hash: sign 0 when there is no event."""
    if (h >> _S32) >= f_thr:
        return 0, np.uint64(0)
    sign = 1 if ((h >> _S31) & _ONE) == _ONE else -1
    return sign, h & _M31


@njit(cache=True, inline="always")
def _markov_chunk(state, keys, f_thr, nxt, thr, i0, i1):
    L = thr.shape[2]
    for k in range(keys.shape[0]):
        key = keys[k]
        for i in range(i0, i1):
            h = hash_last_nb(key, i)
            ev = np.int64((h >> _S32) < f_thr)
            bit = np.int64((h >> _S31) & _ONE)
            kind = ev * (1 - bit) + (1 - ev) * 2  # 0: potentiation (bit 1), 1: depression, 2: none
            u = h & _M31
            s = state[i]
            l = 0
            for j in range(L - 1):
                l += np.int64(u >= thr[s, kind, j])
            state[i] = nxt[s, kind, l]


@njit(cache=True, parallel=True)
def _markov_parallel(state, keys, f_thr, nxt, thr):
    n = state.shape[0]
    for c in prange((n + CHUNK - 1) // CHUNK):
        _markov_chunk(state, keys, f_thr, nxt, thr, c * CHUNK, min(n, (c + 1) * CHUNK))


@njit(cache=True)
def _markov_serial(state, keys, f_thr, nxt, thr):
    n = state.shape[0]
    for c in range((n + CHUNK - 1) // CHUNK):
        _markov_chunk(state, keys, f_thr, nxt, thr, c * CHUNK, min(n, (c + 1) * CHUNK))


#: Below this many synapse updates per call the serial kernel runs (starting threads costs more).
PARALLEL_WORK = 1 << 21


def advance_markov(state, keys, f_thr, nxt, thr):
    """Store the memories whose keys are given, in order, into a discrete-state model: a synapse
    in state s with an event of kind k (0: potentiation, 1: depression, 2: none) goes to
    ``nxt[s, k, l]``, l the number of cumulative thresholds ``thr[s, k, :]`` that its 31 random
    bits reach (kind 2 maps every state to itself). Memories run in the outer loop over a chunk
    of synapses (held in cache), and the choices are branch-free, so the loop is limited by
    throughput, not by the chain of one synapse's states. Chunks are independent: the serial and
    the parallel kernel give the same states."""
    run = _markov_parallel if state.shape[0] * keys.shape[0] >= PARALLEL_WORK else _markov_serial
    run(state, keys, f_thr, nxt, thr)


def affine(op: int, a: float, lo: float, hi: float) -> tuple[float, float]:
    """An elementary step as ``w -> clip(alpha w + beta, lo, hi)``: ADD (1, a), SOFT_UP
    (1 - a, a hi), SOFT_DOWN (1 - a, a lo), SCALE (a, 0), SET (0, a). The soft steps stay inside
    [lo, hi] for a in [0, 1], so their clip changes nothing; every step is then branch-free."""
    return {ADD: (1.0, a), SOFT_UP: (1.0 - a, a * hi), SOFT_DOWN: (1.0 - a, a * lo), SCALE: (a, 0.0),
            SET: (0.0, a)}[op]


@njit(cache=True, inline="always")
def _apply(w, alpha, beta, lo, hi):
    for k in range(alpha.shape[0]):
        w = min(hi, max(lo, alpha[k] * w + beta[k]))
    return w


@njit(cache=True, inline="always")
def _analog_chunk(w, keys, f_thr, pot_alpha, pot_beta, dep_alpha, dep_beta, lo, hi, i0, i1):
    for k in range(keys.shape[0]):
        key = keys[k]
        for i in range(i0, i1):
            h = hash_last_nb(key, i)
            x = w[i]
            xp = _apply(x, pot_alpha, pot_beta, lo, hi)
            xd = _apply(x, dep_alpha, dep_beta, lo, hi)
            y = xp if ((h >> _S31) & _ONE) == _ONE else xd
            w[i] = y if (h >> _S32) < f_thr else x


@njit(cache=True, parallel=True)
def _analog_parallel(w, keys, f_thr, pa, pb, da, db, lo, hi):
    n = w.shape[0]
    for c in prange((n + CHUNK - 1) // CHUNK):
        _analog_chunk(w, keys, f_thr, pa, pb, da, db, lo, hi, c * CHUNK, min(n, (c + 1) * CHUNK))


@njit(cache=True)
def _analog_serial(w, keys, f_thr, pa, pb, da, db, lo, hi):
    n = w.shape[0]
    for c in range((n + CHUNK - 1) // CHUNK):
        _analog_chunk(w, keys, f_thr, pa, pb, da, db, lo, hi, c * CHUNK, min(n, (c + 1) * CHUNK))


def advance_analog(w, keys, f_thr, pot_alpha, pot_beta, dep_alpha, dep_beta, lo, hi):
    """Store memories into an analog model: each event runs its deterministic program of affine
    steps with clipping (:func:`affine`) on the weight. Both programs are computed and one
    result selected, so the loop does not branch on the event's sign."""
    run = _analog_parallel if w.shape[0] * keys.shape[0] >= PARALLEL_WORK else _analog_serial
    run(w, keys, f_thr, pot_alpha, pot_beta, dep_alpha, dep_beta, lo, hi)


@njit(cache=True, inline="always")
def _overlap_chunk(eff, probe_keys, f_thr, part, c, i0, i1):
    p = probe_keys.shape[0]
    for i in range(i0, i1):
        x = eff[i]
        part[c, 2 * p] += x
        part[c, 2 * p + 1] += x * x
        for k in range(p):
            sign, u = _event(hash_last_nb(probe_keys[k], i), f_thr)
            if sign != 0:
                part[c, 2 * k] += sign * x
                part[c, 2 * k + 1] += sign


@njit(cache=True, parallel=True)
def _overlaps_parallel(eff, probe_keys, f_thr, part):
    n = eff.shape[0]
    for c in prange(part.shape[0]):
        _overlap_chunk(eff, probe_keys, f_thr, part, c, c * CHUNK, min(n, (c + 1) * CHUNK))


@njit(cache=True)
def _overlaps_serial(eff, probe_keys, f_thr, part):
    n = eff.shape[0]
    for c in range(part.shape[0]):
        _overlap_chunk(eff, probe_keys, f_thr, part, c, c * CHUNK, min(n, (c + 1) * CHUNK))


def overlaps(eff, probe_keys, f_thr):
    """For each probe pattern (by its memory's key): ``sum_i xi_i w_i`` and ``sum_i xi_i``, and
    ``sum_i w_i``, ``sum_i w_i^2``; per chunk, summed in chunk order (thread-count independent)."""
    n, p = eff.shape[0], probe_keys.shape[0]
    part = np.zeros(((n + CHUNK - 1) // CHUNK, 2 * p + 2))
    run = _overlaps_parallel if n * (p + 1) >= PARALLEL_WORK else _overlaps_serial
    run(eff, probe_keys, f_thr, part)
    return part.sum(axis=0) if part.shape[0] == 1 else _sum_rows(part)


def _sum_rows(part):
    total = np.zeros(part.shape[1])
    for c in range(part.shape[0]):  # chunk order, so any thread count gives the same sums
        total += part[c]
    return total


def snr_of(eff: np.ndarray, probe_keys: np.ndarray, f_thr: int, f: float) -> np.ndarray:
    """SNR of each probe pattern against the efficacies ``eff`` (module docstring)."""
    t = overlaps(np.ascontiguousarray(eff, np.float64), probe_keys, np.uint64(f_thr))
    p = probe_keys.shape[0]
    n = eff.shape[0]
    mean = t[2 * p] / n
    ss = max(t[2 * p + 1] - n * mean * mean, 0.0)
    noise = np.sqrt(f * ss)
    s = t[0:2 * p:2] - mean * t[1:2 * p:2]
    with np.errstate(divide="ignore", invalid="ignore"):
        # every efficacy equal: no pattern can be read, and the SNR is undefined (NaN)
        return np.where(noise > 0, s / noise, np.nan)


def f_threshold(f: float) -> int:
    """The top-32-bit threshold below which a hash is an event (f = 1: always)."""
    return min(int(round(f * 2.0**32)), 2**32)


@njit(cache=True, inline="always")
def _chain_rows(u, keys, f_thr, delta, C, g, n_levels, u_max, i0, i1):
    for i in range(i0, i1):
        row = u[i]
        for k in range(keys.shape[0]):
            h = hash_last_nb(keys[k], i)
            if (h >> _S32) < f_thr:
                chain_event(row, delta if ((h >> _S31) & _ONE) == _ONE else -delta, C, g, n_levels, u_max)


@njit(cache=True, parallel=True)
def _chain_parallel(u, keys, f_thr, delta, C, g, n_levels, u_max):
    n = u.shape[0]
    for c in prange((n + CHUNK - 1) // CHUNK):
        _chain_rows(u, keys, f_thr, delta, C, g, n_levels, u_max, c * CHUNK, min(n, (c + 1) * CHUNK))


@njit(cache=True)
def _chain_serial(u, keys, f_thr, delta, C, g, n_levels, u_max):
    _chain_rows(u, keys, f_thr, delta, C, g, n_levels, u_max, 0, u.shape[0])


def advance_chain(u, keys, f_thr, delta, C, g, n_levels, u_max):
    """Store memories into Benna-Fusi chains (rows of ``u``): a synapse with an event adds
    +-delta to u_1 and steps its chain once (:func:`hebblab.plasticity.benna_fusi.chain_event`);
    a synapse without one is left as it is, as the engine's rule leaves it (the chain's clock is
    the synapse's own candidate events). Rows are independent: serial and parallel agree."""
    run = _chain_parallel if u.shape[0] * keys.shape[0] * u.shape[1] >= PARALLEL_WORK else _chain_serial
    run(u, keys, f_thr, delta, C, g, n_levels, u_max)
