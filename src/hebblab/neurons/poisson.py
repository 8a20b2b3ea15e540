"""Poisson spike source drawn by inter-spike intervals.

Each neuron fires in each step with probability ``p = rate * dt`` independently (the discrete-time
Poisson process that Brian2's ``PoissonGroup`` simulates). Instead of one random number per
neuron per step, the number of steps to the next spike is drawn from its geometric distribution,
``k = 1 + floor(ln(u) / ln(1 - p))``, u uniform in (0, 1] (Devroye 1986, "Non-Uniform Random Variate
Generation", ch. X.2), so the cost is one draw per spike. The pending spikes sit in timing wheels
(Varghese & Lauck 1987) of W slots, one per block of BLOCK neurons, so a step touches only the
neurons due in it, and blocks can be updated by different threads (``update_range``).

The k-th interval of neuron i uses the counter-based key (seed, stream, i, k). ``rate`` may be a
scalar or one value per neuron and may be changed between ``run`` calls (``pop.rate = ...``): the
pending intervals are then redrawn from the current step, which is exact for a memoryless process.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np
from numba import njit
from numpy.typing import DTypeLike
from numba.cpython.unsafe.numbers import trailing_zeros

from .. import _validate as V
from ..distributions import Normal, Uniform
from ..rng import uniform, uniform_nb
from ..compile_mode import INLINE
from .base import Model, ModelState

RATE, LOG1MP = 0, 1  # rate (Hz); ln(1 - rate dt), cached for the geometric draws
NEXT, COUNT, LINK = 0, 1, 2
WHEEL = 4096
#: Neurons per timing wheel; a parallel run splits the population at multiples of this.
BLOCK = 1024
RANGE_ALIGN = BLOCK
NEVER = np.iinfo(np.int64).max
#: Intervals of this many steps or more (only at rates with p = rate dt below ~1e-17) never end
#: within a run (runs stop at _validate.MAX_STEP = 2**53 steps): such a neuron is never due.
FAR = float(2**62)
SEED, STREAM, FLAGS = 0, 1, 2  # C: seed, stream, then one "redraw pending intervals" flag per block


@dataclass(frozen=True)
class PoissonSource(Model):
    """``n`` independent Poisson spike trains at ``rate`` (Hz: one value, one per neuron, or a
    distribution such as ``hl.Uniform(5, 15)`` drawn per neuron when the population is added)."""

    n: int = 1
    rate: float | tuple | Uniform | Normal = 10.0

    float_vars: ClassVar[tuple[str, ...]] = ("rate", "log1m_p")
    state_units: ClassVar[dict[str, str]] = {"rate": "hertz"}
    int_vars: ClassVar[tuple[str, ...]] = ("next_step", "count", "link")
    internal_int_vars: ClassVar[tuple[str, ...]] = ("link",)  # the wheel's lists
    kernel_module: ClassVar[str] = "hebblab.neurons.poisson"
    param_units: ClassVar[dict[str, str]] = {"rate": "hertz"}

    internal_vars: ClassVar[tuple[str, ...]] = ("log1m_p",)
    per_neuron_params: ClassVar[tuple[str, ...]] = ("rate",)

    def __post_init__(self):
        self._n()
        if isinstance(self.rate, (Uniform, Normal)):
            return  # drawn by resolve (Network.add), then checked here
        if V._is_number(self.rate):  # a scalar: checked without an array of n copies
            object.__setattr__(self, "rate", V.non_negative("PoissonSource.rate", self.rate))
        else:
            rate = V.per_neuron("PoissonSource.rate", self.rate, self.n, check=V.non_negative)
            object.__setattr__(self, "rate", tuple(float(r) for r in rate))

    def drawn_values(self, name: str, values: np.ndarray) -> tuple:
        return tuple(float(r) for r in values)

    def validate_dt(self, dt: float) -> None:
        top = self.rate if isinstance(self.rate, float) else max(self.rate)
        if top * dt > 1.0:
            raise ValueError(f"PoissonSource.rate must be <= 1/dt = {1.0 / dt:g} Hz at this dt (got {top!r})")

    def state_bytes(self, dtype: DTypeLike) -> float:
        # S and I rows, then the timing wheels (2 x WHEEL int64 per block of BLOCK neurons)
        return super().state_bytes(dtype) + 16.0 * WHEEL * -(-self.n // BLOCK)

    def init_state(self, dt: float, seed: int, stream: int) -> ModelState:
        S = np.zeros((2, self.n))
        S[RATE] = self.rate
        I = np.zeros((3, self.n), np.int64)
        I[NEXT] = -1  # not scheduled yet
        n_blocks = -(-self.n // BLOCK)
        E = np.zeros((2 * n_blocks, WHEEL), np.int64)  # per block: wheel heads (-1: empty slot), then
        E[0::2] = -1  # a bitmap of the neurons due now (its first BLOCK / 64 words; zero between steps)
        C = np.zeros(FLAGS + n_blocks, np.int64)
        C[SEED], C[STREAM] = seed, stream
        request_redraw(C)
        return S, I, E, C

    def pack(self, dt: float) -> np.ndarray:
        return np.array([dt])


def request_redraw(C):
    """Mark every block's pending intervals for redrawing at the next step (after a rate change)."""
    C[FLAGS:] = 1


@njit(cache=True, inline=INLINE)
def _interval(p, log1m_p, seed, stream, i, k):
    """Steps to the next spike: geometric with success probability p (log1m_p = ln(1 - p))."""
    if p <= 0.0:
        return NEVER
    if p >= 1.0:
        return 1
    u = uniform_nb(seed, stream, i, k)
    g = np.floor(np.log(u) / log1m_p)
    if not g < FAR:  # past any run (tiny p): casting it overflowed int64
        return NEVER
    return 1 + int(g)


@njit(cache=True)
def _schedule_block(t, S, I, E, C, P, b):
    """(Re)draw the next spike of every neuron of block b from step t on; rebuild its wheel."""
    dt = P[0]
    seed, stream = C[SEED], C[STREAM]
    head = E[2 * b]
    head[:] = -1
    nxt, cnt, link = I[NEXT], I[COUNT], I[LINK]
    for i in range(b * BLOCK, min(nxt.shape[0], (b + 1) * BLOCK)):
        p = S[RATE, i] * dt
        S[LOG1MP, i] = np.log1p(-p) if p < 1.0 else 0.0
        k = _interval(p, S[LOG1MP, i], seed, stream, i, cnt[i])
        cnt[i] += 1
        if k == NEVER:
            nxt[i] = NEVER
            link[i] = -1
            continue
        nxt[i] = t + k - 1
        slot = nxt[i] % WHEEL
        link[i] = head[slot]
        head[slot] = i
    C[FLAGS + b] = 0


@njit(cache=True, inline=INLINE)
def _block(t, S, I, E, C, P, spk, b, out):
    """Spikes of block b at step t, ascending, written to spk[out:]; returns their number."""
    if C[FLAGS + b] != 0:
        _schedule_block(t, S, I, E, C, P, b)
    dt = P[0]
    seed, stream = C[SEED], C[STREAM]
    head = E[2 * b]
    nxt, cnt, link = I[NEXT], I[COUNT], I[LINK]
    slot = t % WHEEL
    i = head[slot]
    head[slot] = -1
    lo = b * BLOCK
    due = E[2 * b + 1]  # bitmap of the block's neurons that fire now (BLOCK / 64 words)
    while i >= 0:
        after = link[i]
        if nxt[i] == t:
            due[(i - lo) >> 6] |= np.int64(1) << ((i - lo) & 63)
            k = _interval(S[RATE, i] * dt, S[LOG1MP, i], seed, stream, i, cnt[i])
            cnt[i] += 1
            if k == NEVER:
                nxt[i] = NEVER
                i = after
                continue
            nxt[i] = t + k
        s2 = nxt[i] % WHEEL
        link[i] = head[s2]
        head[s2] = i
        i = after
    # ascending order, as the reference backend produces (the order of deliveries decides the
    # rounding of sums): read the bitmap word by word, lowest bit first
    count = 0
    for wd in range(BLOCK // 64):
        bits = due[wd]
        if bits == 0:
            continue
        due[wd] = 0
        base = lo + 64 * wd
        while bits != 0:
            spk[out + count] = base + trailing_zeros(bits)
            count += 1
            bits &= bits - 1
    return count


@njit(cache=True, inline=INLINE)
def update_range(t, S, I, E, C, P, spk, lo, hi):
    """Spikes of neurons lo..hi-1 (lo and hi multiples of BLOCK, or hi = n) into spk[lo:]."""
    count = 0
    for b in range(lo // BLOCK, -(-hi // BLOCK)):
        count += _block(t, S, I, E, C, P, spk, b, lo + count)
    return count


@njit(cache=True, inline=INLINE)
def update(t, S, I, E, C, P, spk):
    return update_range(t, S, I, E, C, P, spk, 0, S.shape[1])


def reference_update(t, S, I, E, C, P):
    """Same draws without a wheel: every neuron whose next spike is now fires."""
    dt = P[0]
    seed, stream = int(C[SEED]), int(C[STREAM])
    nxt, cnt = I[NEXT], I[COUNT]

    def draw(idx):
        p = S[RATE, idx] * dt
        u = uniform(seed, stream, idx, cnt[idx])
        with np.errstate(divide="ignore", invalid="ignore"):
            k = 1 + np.floor(np.log(u) / S[LOG1MP, idx])
        k = np.where(p >= 1.0, 1, k)
        k = np.where((p <= 0.0) | ~(k - 1 < FAR), -1, k).astype(np.int64)
        cnt[idx] += 1
        return k

    for b in np.flatnonzero(C[FLAGS:]):
        idx = np.arange(b * BLOCK, min(nxt.shape[0], (b + 1) * BLOCK))
        p = S[RATE, idx] * dt
        S[LOG1MP, idx] = np.where(p < 1.0, np.log1p(-np.where(p < 1.0, p, 0.0)), 0.0)
        k = draw(idx)
        nxt[idx] = np.where(k < 0, NEVER, t + k - 1)
        C[FLAGS + b] = 0
    fired = np.flatnonzero(nxt == t)
    if fired.size:
        k = draw(fired)
        nxt[fired] = np.where(k < 0, NEVER, t + k)
    return fired
