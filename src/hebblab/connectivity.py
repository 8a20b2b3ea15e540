"""Connection patterns, built straight into compressed rows by presynaptic neuron (CSR).

``FixedProbability(p)`` draws, for each pre neuron, the gap to its next target from the
geometric distribution (one draw per synapse, not per pair), in two passes (count, then fill) so
that no temporary array is larger than the final one. Keys: (seed, stream, pre, k).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit

from . import _validate as V
from .compile_mode import INLINE
from .rng import uniform_nb


@dataclass(frozen=True)
class FixedProbability:
    """Each (pre, post) pair is connected independently with probability ``p``."""

    p: float
    allow_self: bool = True

    def __post_init__(self):
        object.__setattr__(self, "p", V.in_range("FixedProbability.p", self.p, 0.0, 1.0))
        object.__setattr__(self, "allow_self", V.flag("FixedProbability.allow_self", self.allow_self))


@njit(cache=True)
def _fixed_prob(n_pre, n_post, p, allow_self, seed, stream, indptr, post_out, fill):
    log1mp = np.log1p(-p) if p < 1.0 else 0.0
    total = 0
    for j in range(n_pre):
        k = 0
        pos = -1
        while True:
            if p >= 1.0:
                pos += 1
            else:
                u = uniform_nb(seed, stream, j, k)
                k += 1
                # the gap, compared as a float: for tiny p it exceeds any int64 (casting it
                # overflowed into negative targets)
                gap = np.floor(np.log(u) / log1mp)
                if not gap < n_post - pos - 1:
                    break
                pos += 1 + int(gap)
            if pos >= n_post:
                break
            if not allow_self and pos == j:
                continue
            if fill:
                post_out[total] = pos
            total += 1
        if not fill:
            indptr[j + 1] = total
    return total


def build(connectivity, n_pre: int, n_post: int, seed: int, stream: int):
    """Return ``(indptr, post, order)``: rows sorted by pre then post; ``order`` maps the
    synapses of an explicit ``(pre_idx, post_idx)`` list to their place (None otherwise)."""
    if isinstance(connectivity, str):
        V.one_of("connect.connectivity", connectivity, ("all_to_all", "one_to_one"))
        if connectivity == "all_to_all":
            indptr = np.arange(n_pre + 1, dtype=np.int64) * n_post
            post = np.tile(np.arange(n_post, dtype=np.int32), n_pre)
            return indptr, post, None
        if n_pre != n_post:
            raise ValueError(f"connectivity 'one_to_one' needs populations of equal size (got {n_pre} and {n_post})")
        return np.arange(n_pre + 1, dtype=np.int64), np.arange(n_post, dtype=np.int32), None
    if isinstance(connectivity, FixedProbability):
        p = connectivity.p
        indptr = np.zeros(n_pre + 1, np.int64)
        if p == 0.0:
            return indptr, np.zeros(0, np.int32), None
        dummy = np.zeros(0, np.int32)
        _fixed_prob(n_pre, n_post, p, connectivity.allow_self, seed, stream, indptr, dummy, False)
        post = np.empty(indptr[-1], np.int32)
        _fixed_prob(n_pre, n_post, p, connectivity.allow_self, seed, stream, indptr, post, True)
        if post.size and (post.min() < 0 or post.max() >= n_post):  # pragma: no cover - a guard for the kernel
            raise RuntimeError("FixedProbability drew a target outside the post population")
        return indptr, post, None
    if isinstance(connectivity, tuple) and len(connectivity) == 2:
        # integral, finite and in range, element by element (0.7 is not 0, NaN is not an index)
        pre_idx = V.index_array("connect.connectivity: pre indices", connectivity[0], n_pre)
        post_idx = V.index_array("connect.connectivity: post indices", connectivity[1], n_post)
        if pre_idx.shape != post_idx.shape:
            raise ValueError("connect.connectivity: pre and post index arrays must have the same length "
                             f"(got {pre_idx.size} and {post_idx.size})")
        order = np.lexsort((post_idx, pre_idx))
        pre_s = pre_idx[order].astype(np.int64)
        post_s = post_idx[order].astype(np.int32)
        indptr = np.zeros(n_pre + 1, np.int64)
        np.add.at(indptr, pre_s + 1, 1)
        return np.cumsum(indptr), post_s, order
    raise ValueError("connect.connectivity must be 'all_to_all', 'one_to_one', FixedProbability(p) or "
                     f"(pre_idx, post_idx) (got {type(connectivity).__name__})")


@njit(cache=True)
def _fill_csc(indptr, post, post_ptr, post_syn):
    n_post = post_ptr.shape[0] - 1
    cursor = post_ptr[:n_post].copy()
    for j in range(indptr.shape[0] - 1):
        for s in range(indptr[j], indptr[j + 1]):
            i = post[s]
            q = cursor[i]
            post_syn[q] = s
            cursor[i] = q + 1


#: Below this many synapses the post-to-synapse index is built with numpy (argsort): its int64
#: temporaries are small, and it avoids the first-call cost of a compiled function (~0.1-0.3 s).
SMALL = 5_000_000


def build_csc(indptr: np.ndarray, post: np.ndarray, n_post: int):
    """Post-to-synapse index by counting sort, with no temporary larger than the outputs:
    ``(post_ptr, post_syn)``; the synapses onto a post neuron in CSR order (so their pre neurons
    ascend). ``post_syn`` is int32 when the synapse count allows."""
    n_syn = post.size
    post_ptr = np.zeros(n_post + 1, np.int64)
    np.cumsum(np.bincount(post, minlength=n_post), out=post_ptr[1:])
    idx_type = np.int32 if n_syn < 2**31 else np.int64
    if n_syn < SMALL:  # numpy is quicker than loading a compiled function for small projections
        return post_ptr, np.argsort(post, kind="stable").astype(idx_type)
    post_syn = np.empty(n_syn, idx_type)
    _fill_csc(indptr, post, post_ptr, post_syn)
    return post_ptr, post_syn


def post_pre_index(indptr: np.ndarray, post_syn: np.ndarray) -> np.ndarray:
    """The pre neuron of each entry of ``post_syn`` (int32), computed in blocks so that no
    temporary is larger than a few MiB."""
    out = np.empty(post_syn.size, np.int32)
    step = 1 << 20
    for a in range(0, post_syn.size, step):
        out[a:a + step] = np.searchsorted(indptr, post_syn[a:a + step], side="right") - 1
    return out


def pre_lookup(indptr: np.ndarray, n_syn: int):
    """A coarse table from synapse to pre neuron: ``(table, shift)`` with ``table[b]`` the pre
    neuron of synapse ``b << shift`` (and a last entry for the end). Blocks hold about two mean
    row or less, so :func:`pre_of` finds a synapse's pre neuron in one or two probes of ``indptr``
    without a data-dependent branch; the table costs about 4 / (mean row length) bytes per
    synapse (at most a quarter byte) instead of 4 for a full pre index."""
    n_pre = indptr.size - 1
    mean_row = max(1.0, n_syn / max(n_pre, 1))
    shift = max(4, int(np.floor(np.log2(mean_row))))
    starts = np.arange(0, n_syn, 1 << shift, dtype=np.int64)
    table = np.empty(starts.size + 1, np.int32)
    table[:-1] = np.searchsorted(indptr, starts, side="right") - 1
    table[-1] = max(n_pre - 1, 0)
    return table, shift


@njit(cache=True, inline=INLINE)
def pre_of(s, indptr, table, shift):
    """The pre neuron j with ``indptr[j] <= s < indptr[j + 1]``.

    Between the table's bounds lo..hi for the block of ``s`` it is lo plus the number of rows
    lo+1..hi that start at or before ``s``. Rows past hi start after ``s``, so when the block
    spans at most two row starts (the usual case: blocks are no longer than a mean row) the count
    is two comparisons without a data-dependent branch; otherwise a binary search.
    """
    b = s >> shift
    lo = np.int64(table[b])
    hi = np.int64(table[b + 1])
    last = indptr.shape[0] - 1
    if hi - lo <= 2:
        return lo + np.int64(indptr[min(lo + 1, last)] <= s) + np.int64(indptr[min(lo + 2, last)] <= s)
    while lo < hi:
        mid = (lo + hi + 1) >> 1
        if indptr[mid] <= s:
            lo = mid
        else:
            hi = mid - 1
    return lo


@njit(cache=True, inline=INLINE)
def first_at_least(post, lo, hi, value):
    """The first index s in [lo, hi) with ``post[s] >= value`` (hi if none); ``post[lo:hi]`` is
    sorted, as every row of a projection is."""
    while lo < hi:
        mid = (lo + hi) >> 1
        if post[mid] < value:
            lo = mid + 1
        else:
            hi = mid
    return lo
