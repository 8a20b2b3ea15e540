"""Kernel pieces of :class:`~hebblab.plasticity.pair_stdp.PairSTDP` for ``coincident="causal"``
with the all-to-all, nearest-symmetric and nearest-pre-centred schemes (the rule's default and
most common settings), and of :class:`~hebblab.plasticity.binary_burst.BinaryBurst`.

The same updates as the general pieces in :mod:`hebblab.plasticity.pair_stdp` (equations and
sources there), with the branches of the restricted scheme and of ``coincident="ignore"`` left
out: the loop then tests fewer parameters per synapse event. Those branches made the recurrent
STDP benchmark 1.45x slower on one thread when every variant shared one set of pieces
(benchmarks/RESULTS.md, 2026-12-01). A rule instance names this module as its
``kernel_module`` when its settings allow (``PairSTDP.kernel_module``);
``tests/test_pair_stdp_pieces.py`` checks that both sets give the same weights bit for bit.

* at a pre arrival (``syn_pre``): the per-synapse pre trace (pre-centred) steps, then
  ``w -= a_minus f-(w) y_post``;
* at a post spike (``syn_post``, possibly deferred to a later step): ``w += a_plus f+(w) x_pre``,
  with the per-synapse trace (pre-centred, then reset to 0) or the pre neuron's trace;
* ``pre_spike``/``post_spike`` (the general module's): traces ``x += 1`` (all-to-all) or ``x = 1``
  (nearest), and the spike's step.
"""

from __future__ import annotations

from numba import njit

from ..compile_mode import INLINE
from . import pair_stdp
from .pair_stdp import COL_XS, PRE_LAST, PRE_TRACE, _depress, _dm, _dp, _potentiate


@njit(cache=True, inline=INLINE)
def syn_pre(t, s, i, j, w, syn, pre, post, P, seed, stream):
    if syn is not None and P[COL_XS] >= 0:  # nearest-pre-centred: per-synapse pre trace
        c = int(P[COL_XS])
        syn[s, c] = _dp(syn[s, c], pre[j, PRE_LAST], t, P) + 1.0
    y = _dm(post[i, 0], post[i, 1], t, P)
    if y == 0.0:
        return w
    return _depress(t, s, w, syn, y, P, seed, stream)


@njit(cache=True, inline=INLINE)
def syn_post(t, s, i, j, w, syn, pre, post, P, seed, stream):
    if syn is not None and P[COL_XS] >= 0:
        c = int(P[COL_XS])
        x = _dp(syn[s, c], pre[j, PRE_LAST], t, P)
        syn[s, c] = 0.0
    else:
        x = _dp(pre[j, PRE_TRACE], pre[j, PRE_LAST], t, P)
    if x == 0.0:
        return w
    return _potentiate(t, s, w, syn, x, P, seed, stream)


# once per spike, not per synapse event: the general ones cost nothing extra here
pre_spike = pair_stdp.pre_spike
post_spike = pair_stdp.post_spike

transmit = None  # the weight itself is transmitted
