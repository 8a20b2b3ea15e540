"""Poisson drive into a neuron variable (``Network.poisson_input``), like Brian2's ``PoissonInput``.

``net.poisson_input(pop, n=1000, rate=20 * hl.Hz, weight=0.1, target="g_e")`` stands for ``n``
independent Poisson sources at ``rate`` (Hz) per neuron of ``pop``, each connected to it with
weight ``weight`` onto the state variable ``target`` (one of the model's float variables, e.g.
LIF's ``g_e`` (I_e for current-based synapses), ``i_ext``, or ``v_in`` with delta synapses). Every
step ``t``, each neuron ``i`` receives ``count * weight`` added to ``target``, with
``count ~ Binomial(n, p)``, ``p = rate * dt``, drawn independently per neuron and per step: the
number of the ``n`` sources that fire in the step (Brian2's ``PoissonInput`` draws the same
binomial, but replaces it by a normal approximation where n p > 5 and n (1 - p) > 5; hebblab
draws the binomial for every n and p). The drive is
applied where synaptic input is delivered (step 3 of ``network.py``'s step order: after every
population's update of step t, before the projections deliver), so it is seen by the next update,
exactly like a spike arriving through a synapse with the minimum delay. Several drives (also onto
one population) are applied in the order they were created.

The draw: one counter-based uniform ``u = uniform(seed, stream, t, i)`` in (0, 1] per neuron and
step (``stream`` = ``STREAM_DRIVE`` + the drive's index in the network), so backends, thread
counts and split runs draw the same counts. The count is the smallest k with ``u <= F(k)`` in a
table of the binomial distribution function F computed once in float64 (when the drive is made
and whenever ``n`` or ``rate`` changes). The compiled loop finds it with a guide table (Chen &
Asau 1974; Devroye 1986, "Non-Uniform Random Variate Generation", III.2.4): the top L bits of
u's 53 give a cell of width 2^-L whose first candidate count is stored, and a linear scan from
there, almost always zero or one comparison, ends at the same k. Measured on the project's 2-core
machine at the Brunel benchmark's n = 1000, n p = 2 (20,000 neurons, one thread): the drive adds
3.3-4.2 ns per neuron and step; a plain linear scan from 0 cost 18-20 ns (branch mispredictions).
The hash rounds of (seed, stream, t) are computed once per step (rng.hash3_nb). The reference backend finds the same k with
``np.searchsorted`` on F.

Truncation: the table holds the counts ``k0 .. k1`` around the mode; the counts below ``k0`` and
above ``k1`` are left out where their probability, bounded by a geometric series, is below
``TAIL = 1e-16`` on each side, and the table is normalised over ``k0 .. k1`` (its last entry is 1
exactly). So every count is drawn with its binomial probability to within about 2e-16 (plus
float64 rounding of the sums, relative ~1e-16 times the table's length), far below what any
finite run can resolve; uniforms are 53-bit, so probabilities below 2^-53 ~ 1.1e-16 could not be
drawn anyway.

``rate``, ``weight`` and ``n`` may be changed between runs (``drive.rate = 30.0``): each is
validated on assignment, before anything changes, and takes effect from the next step run.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
from numba import njit

from . import _validate as V
from . import units as U
from .compile_mode import INLINE
from .rng import STREAM_DRIVE, hash3_nb, hash_last_nb, uniform

if TYPE_CHECKING:
    from .network import Network, Population

#: Probability of the counts left out of the table, on each side (bounded, not estimated).
TAIL = 1e-16
#: The guide table has 2^L cells, L the smallest with 2^L >= GUIDE_PER_ENTRY * len(F), within
#: [GUIDE_MIN_BITS, GUIDE_MAX_BITS] (2^10 cells, 8 KiB, for the Brunel benchmark's table of 24).
GUIDE_PER_ENTRY = 32
GUIDE_MIN_BITS, GUIDE_MAX_BITS = 6, 16
ROW, K0, STREAM, BITS = 0, 1, 2, 3  # the int64 array D a kernel reads: target row, first count, stream, L
_S11 = np.uint64(11)
_INV53 = 1.0 / 9007199254740992.0  # 2**-53, as rng.uniform_nb


def binomial_table(n: int, p: float) -> tuple[int, np.ndarray]:
    """``(k0, F)``: the distribution function of Binomial(n, p) on the counts ``k0 ..
    k0 + len(F) - 1``, ``F[-1] == 1`` (see the module docstring for the truncation).

    The probabilities are computed relative to the mode's by the ratio recurrence
    ``f(k+1)/f(k) = (n-k)/(k+1) * p/(1-p)`` (no under- or overflow for any n), then normalised."""
    if n == 0 or p <= 0.0:
        return 0, np.ones(1)
    if p >= 1.0:
        return n, np.ones(1)
    q = p / (1.0 - p)
    mode = min(n, int((n + 1) * p))
    up = [1.0]  # f(mode + j) / f(mode)
    k, term = mode, 1.0
    while k < n:
        r = (n - k) / (k + 1) * q  # f(k+1) / f(k), decreasing in k
        if r < 1.0 and term * r / (1.0 - r) < TAIL:  # the tail beyond k is below TAIL
            break
        term *= r
        k += 1
        up.append(term)
    down = []  # f(mode - j) / f(mode), j = 1, 2, ...
    k, term = mode, 1.0
    while k > 0:
        s = k / ((n - k + 1) * q)  # f(k-1) / f(k), decreasing as k falls
        if s < 1.0 and term * s / (1.0 - s) < TAIL:
            break
        term *= s
        k -= 1
        down.append(term)
    rel = np.array(down[::-1] + up)
    cdf = np.cumsum(rel / math.fsum(rel))
    np.minimum(cdf, 1.0, out=cdf)
    cdf[-1] = 1.0
    return mode - len(down), cdf


def guide_table(cdf: np.ndarray) -> tuple[int, np.ndarray]:
    """``(L, G)``: ``G[b]`` is the smallest k with ``F[k] >= b / 2^L``, for b = 0 .. 2^L."""
    L = GUIDE_MIN_BITS
    while (1 << L) < GUIDE_PER_ENTRY * cdf.size and L < GUIDE_MAX_BITS:
        L += 1
    M = 1 << L
    return L, np.searchsorted(cdf, np.arange(M + 1) / M, side="left").astype(np.int64)


@njit(cache=True, inline=INLINE)
def _count(m, cdf, G, shift):
    """The smallest j with ``u <= cdf[j]`` for ``u = m 2^-53`` (m in [1, 2^53]): every j before the
    guide entry of u's cell has ``cdf[j] < (m >> shift) / 2^L <= u``, so the scan starts there."""
    u = float(m) * _INV53
    j = G[m >> shift]
    while u > cdf[j]:
        j += 1
    return j


@njit(cache=True, inline=INLINE)
def apply_range(t, S, cdf, G, D, w, seed, lo, hi):
    """Step t's drive into neurons lo..hi-1: ``S[row, i] += count * w`` (neurons are
    independent, so parallel parts apply it to their own ranges)."""
    row = D[ROW]
    k0 = D[K0]
    if cdf.shape[0] == 1:  # a certain count (n = 0, p = 0 or p = 1): nothing to draw
        x = k0 * w
        for i in range(lo, hi):
            S[row, i] += x
        return
    h3 = hash3_nb(seed, D[STREAM], t)
    shift = np.uint64(53 - D[BITS])
    for i in range(lo, hi):
        m = (hash_last_nb(h3, i) >> _S11) + np.uint64(1)  # uniform_nb(seed, stream, t, i) = m 2^-53
        S[row, i] += (k0 + _count(m, cdf, G, shift)) * w


def reference_apply(t: int, S: np.ndarray, drive: "PoissonInput", seed: int) -> None:
    """The same step in numpy, written independently (the reference backend's)."""
    n = S.shape[1]
    u = uniform(seed, drive.stream, t, np.arange(n, dtype=np.int64))
    counts = drive.k0 + np.searchsorted(drive.cdf, u, side="left")
    S[drive.row] += counts * drive.weight


class PoissonInput:
    """A Poisson drive made by :meth:`hebblab.Network.poisson_input` (module docstring).

    ``n``, ``rate`` and ``weight`` may be assigned between runs (validated first; a refused value
    changes nothing); ``pop`` and ``target`` are fixed."""

    _SETTABLE = ("n", "rate", "weight")

    def __init__(self, net: "Network", pop: "Population", n: int, rate: float, weight: float, target: str,
                 index: int):
        name = "poisson_input"
        from .network import Population  # here: network imports this module
        if not isinstance(pop, Population) or pop.net is not net:
            raise ValueError(f"{name}.pop must be a population added to this network (got {type(pop).__name__})")
        if pop.model.input_mode is None:
            raise ValueError(f"{name}.pop: {type(pop.model).__name__} takes no input (a spike source); "
                             "drive a neuron population")
        model = pop.model
        allowed = tuple(v for v in model.float_vars if v not in model.internal_vars)
        V.one_of(f"{name}.target", target, allowed)
        n, rate, weight = self._check(net, n, rate, weight)
        k0, cdf = binomial_table(n, rate * net.dt)
        bits, guide = guide_table(cdf)
        d = self.__dict__
        d.update(net=net, pop=pop, target=target, index=index, stream=STREAM_DRIVE + index,
                 row=model.float_vars.index(target), n=n, rate=U.mark_si(rate), weight=weight, k0=k0, cdf=cdf, guide=guide)
        d["D"] = np.array([d["row"], k0, d["stream"], bits], np.int64)

    @staticmethod
    def _check(net, n, rate, weight, name="poisson_input", changed=None):
        n = V.integer(f"{name}.n", n, 0, V.MAX_N)
        rate = V.rate_per_step(f"{name}.rate", U.to_si(f"{name}.rate", rate, "hertz"), net.dt)
        vmax = float(np.finfo(net.dtype).max)
        weight = V.real(f"{name}.weight", U.weight_to_si(f"{name}.weight", weight), -vmax, vmax)
        if n * abs(weight) > vmax:  # the largest count times the weight must be finite in the state
            if changed == "n":
                raise ValueError(f"{name}.n must be an integer >= 0 and <= {int(vmax / abs(weight))} for weight = "
                                 f"{weight!r} (n * |weight| finite in {net.dtype}) (got {n!r})")
            top = vmax / n
            raise ValueError(f"{name}.weight must be in [{-top:g}, {top:g}] for n = {n} (n * |weight| finite in "
                             f"{net.dtype}) (got {weight!r})")
        return n, rate, weight

    def __setattr__(self, name, value):
        if name not in self._SETTABLE:
            raise AttributeError(f"PoissonInput.{name} cannot be set (settable: {', '.join(self._SETTABLE)}; "
                                 "make a new drive for another population or target)")
        values = {k: self.__dict__[k] for k in self._SETTABLE}
        values[name] = value
        n, rate, weight = self._check(self.net, values["n"], values["rate"], values["weight"], "PoissonInput", name)
        if name != "weight":
            k0, cdf = binomial_table(n, rate * self.net.dt)
            bits, guide = guide_table(cdf)
            self.__dict__.update(k0=k0, cdf=cdf, guide=guide)
            self.D[K0], self.D[BITS] = k0, bits
        self.__dict__.update(n=n, rate=U.mark_si(rate), weight=weight)

    def __repr__(self):
        return (f"<PoissonInput {self.index}: n={self.n}, rate={self.rate:g} Hz, weight={self.weight:g} "
                f"-> population {self.pop.index}.{self.target}>")
