r"""Pair-based STDP with weight dependence and an explicit pairing scheme.

For a pair ``dt = t_post - (t_pre + delay)`` (Bi & Poo 1998; Song, Miller & Abbott 2000, Nat.
Neurosci. 3:919; Gütig, Aharonov, Rotter & Sompolinsky 2003, J. Neurosci. 23:3697)::

    dw = +a_plus  (w_max - w)^mu_plus  exp(-dt / tau_plus)     dt >= 0
    dw = -a_minus  w^mu_minus           exp(+dt / tau_minus)    dt <  0

then w is clipped to [0, w_max]. ``mu = 0``: additive with hard bounds; ``mu = 1``:
multiplicative (soft bounds); ``mu_plus = 0, mu_minus = 1``: van Rossum, Bi & Turrigiano 2000
(J. Neurosci. 20:8812), :meth:`PairSTDP.van_rossum`.

Pairing schemes (Morrison, Diesmann & Gerstner 2008, Biol. Cybern. 98:459, Fig. 7), implemented
with traces that decay exactly, ``x(t) = x(t0) exp(-(t - t0)/tau)``:

* ``all-to-all``: every pre pairs with every post. Traces ``x += 1`` at each spike; at a post spike
  ``dw = a_plus f+(w) x_pre``, at a pre arrival ``dw = -a_minus f-(w) y_post``.
* ``nearest-symmetric``: each spike pairs with the nearest spike of the other side before it
  (traces reset to 1 instead of incremented).
* ``nearest-pre-centred``: each pre spike pairs with the last post before it and the first post
  after it. The pre trace is per synapse, incremented at pre arrivals and reset to 0 after a post
  spike used it; the post trace resets to 1.
* ``nearest-restricted`` (Fig. 7C; NEST's ``stdp_nn_restr_synapse``): a post pairs with the
  nearest pre before it only if no other post came between them, and a pre with the nearest post
  before it only if no other pre came between them: only neighbours in the merged spike sequence
  pair, so no spike takes part in two potentiating or two depressing pairs.

Coincidences (``coincident``): a pre arrival and a post spike in the same step are a causal pair
with dt = 0 (``"causal"``, the default, as Brian2 orders its pathways), or no pair at all
(``"ignore"``, NEST's convention: the spikes then pair with their next-nearest partners, e.g.
pre = {10, 20} ms and post = {20} ms give the potentiating pair 10 -> 20 under the nearest
schemes). NEST applies a post's potentiation before the depression of an arrival in the same
step, and so does ``"ignore"``: a synapse keeps its weight from before the arrival's depression
(one more float per synapse) and a post in that step potentiates from it, then depresses again.
The restricted scheme's pre that arrives with a post in its step and no post since the previous
pre is depressed after that post by the post before it, as NEST does.

NEST's pair synapses (``stdp_synapse`` and the ``stdp_nn_*`` ones) update w / Wmax: their
``lambda``, ``alpha``, ``mu_plus``, ``mu_minus``, ``Wmax`` are this rule's
``a_plus = lambda Wmax^(1 - mu_plus)``, ``a_minus = alpha lambda Wmax^(1 - mu_minus)``,
``w_max = Wmax`` (NEST's triplet synapse is not scaled: its A's are ``TripletSTDP``'s a's).
NEST counts a synapse's delay as dendritic (lag = t_post + d - t_pre), hebblab as axonal.

Noise (:mod:`hebblab.plasticity.scatter`): each LTP/LTD update is multiplied by a per-pairing
factor ``1 + sigma xi`` and/or a fixed per-synapse log-normal gain.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
from numba import njit
from numpy.typing import ArrayLike

from .. import _validate as V
from ..rng import normal, normal_nb
from ..si import ms
from .base import (NO_SPIKE, NeuronTrace, Rule, RuleState, arrival_times, decay_lut, decay_table, dt_over_tau,
                   register_rule)
from .scatter import Scatter
from ..compile_mode import INLINE

PAIRINGS = ("all-to-all", "nearest-symmetric", "nearest-pre-centred", "nearest-restricted")
ALL, NEAREST, PRE_CENTRED, RESTRICTED = 0, 1, 2, 3
COINCIDENT = ("causal", "ignore")
CAUSAL_MODULE = "hebblab.plasticity.pair_stdp_causal"

# Packed parameter slots
A_PLUS, A_MINUS, DTP, DTM, W_MAX, MU_P, MU_M, SCHEME = 0, 1, 2, 3, 4, 5, 6, 7
PAIR_NOISE, SIG_PP, SIG_PM, COL_GAIN, COL_XS = 8, 9, 10, 11, 12
COL_WB = 18  # "ignore": per-synapse column holding w before this step's depression (or -1)
OFF_P, N_P, OFF_M, N_M = 13, 14, 15, 16  # decay tables (see base.decay_table)
IGNORE = 17  # 1.0: same-step pre arrival and post do not pair
N_PACKED = 19
# pre-neuron state: trace, last arrival step, and (nearest schemes ignoring coincidences,
# restricted) the arrival step before the last
PRE_TRACE, PRE_LAST, PRE_PREV = 0, 1, 2


@register_rule
@dataclass(frozen=True)
class PairSTDP(Rule):
    """Pair STDP (see module docstring). ``a_minus`` is the magnitude of depression."""

    a_plus: float = 0.01
    a_minus: float = 0.0105
    tau_plus: float = 16.8 * ms
    tau_minus: float = 33.7 * ms
    w_max: float = 1.0
    mu: float = 0.0
    pairing: str = "all-to-all"
    noise: Scatter | tuple | None = None
    mu_plus: float | None = None
    mu_minus: float | None = None
    coincident: str = "causal"

    rule_name: ClassVar[str] = "pair-stdp"
    #: The general pieces (every pairing and coincidence option). An instance with
    #: ``coincident="causal"`` and a scheme other than restricted names the leaner
    #: :mod:`hebblab.plasticity.pair_stdp_causal` instead (same weights, fewer tests per event).
    kernel_module: ClassVar[str] = "hebblab.plasticity.pair_stdp"
    param_units: ClassVar[dict[str, str]] = {"tau_plus": "second", "tau_minus": "second"}

    @property
    def deferrable(self) -> bool:
        """syn_post reads no post state, except in the restricted scheme (the previous post) and
        under coincident="ignore" (the post trace, to redo a same-step depression after it)."""
        return self.pairing != "nearest-restricted" and self.coincident == "causal"

    def __post_init__(self):
        o = type(self).__name__
        for name in ("a_plus", "a_minus"):
            object.__setattr__(self, name, V.non_negative(f"{o}.{name}", getattr(self, name)))
        for name in ("tau_plus", "tau_minus", "w_max"):
            object.__setattr__(self, name, V.positive(f"{o}.{name}", getattr(self, name)))
        object.__setattr__(self, "mu", V.in_range(f"{o}.mu", self.mu, 0.0, 1.0))
        V.one_of(f"{o}.pairing", self.pairing, PAIRINGS)
        V.one_of(f"{o}.coincident", self.coincident, COINCIDENT)
        for name in ("mu_plus", "mu_minus"):
            val = getattr(self, name)
            object.__setattr__(self, name, self.mu if val is None else V.in_range(f"{o}.{name}", val, 0.0, 1.0))
        noise = self.noise
        if isinstance(noise, Scatter):
            noise = (noise,)
        if noise is not None:
            if not isinstance(noise, (tuple, list)):
                raise ValueError(f"{o}.noise must be None, a Scatter, or a tuple of Scatter (got {noise!r})")
            noise = tuple(noise)
            if not all(isinstance(n, Scatter) for n in noise):
                raise ValueError(f"{o}.noise must be None, a Scatter, or a tuple of Scatter (got {noise!r})")
            kinds = [n.kind for n in noise]
            if len(set(kinds)) != len(kinds):
                raise ValueError("noise: at most one Scatter of each kind ('pairing', 'synapse')")
        object.__setattr__(self, "noise", noise)
        if (type(self).kernel_module == PairSTDP.kernel_module and self.coincident == "causal"
                and self.pairing != "nearest-restricted"):  # a subclass naming its own module keeps it
            object.__setattr__(self, "kernel_module", CAUSAL_MODULE)  # shadows the class's general module

    @classmethod
    def van_rossum(cls, a_plus=0.01, a_minus=0.0105, **kw) -> "PairSTDP":
        """Additive potentiation, multiplicative depression (van Rossum et al. 2000)."""
        return cls(a_plus=a_plus, a_minus=a_minus, mu_plus=0.0, mu_minus=1.0, **kw)

    def _scatter(self, kind):
        for n in self.noise or ():
            if n.kind == kind:
                return n
        return None

    def bounds(self) -> tuple[float, float]:
        return 0.0, self.w_max

    def layout(self) -> tuple[int, int, int]:
        k_syn = ((2 if self._scatter("synapse") else 0) + (1 if self.pairing == "nearest-pre-centred" else 0)
                 + (1 if self._keeps_w_before() else 0))
        return k_syn, 3 if self._needs_prev() else 2, 2

    def _keeps_w_before(self) -> bool:
        """With "ignore", a post in the step of an arrival is applied before that arrival's
        depression (NEST's order), so the synapse keeps w from before the depression."""
        return self.coincident == "ignore" and self.pairing != "nearest-restricted"

    def _needs_prev(self) -> bool:
        return self.pairing == "nearest-restricted" or (self.pairing == "nearest-symmetric"
                                                        and self.coincident == "ignore")

    def pack(self, dt: float, extra: tuple = ()) -> np.ndarray:
        """Header (N_PACKED slots), then ``extra`` (for rules built on this one), then the tables."""
        P = np.zeros(N_PACKED)
        P[A_PLUS], P[A_MINUS] = self.a_plus, self.a_minus
        P[DTP], P[DTM] = dt_over_tau(self, "tau_plus", dt), dt_over_tau(self, "tau_minus", dt)
        P[W_MAX], P[MU_P], P[MU_M] = self.w_max, self.mu_plus, self.mu_minus
        P[SCHEME] = PAIRINGS.index(self.pairing)
        pn = self._scatter("pairing")
        if pn is not None:
            P[PAIR_NOISE], P[SIG_PP], P[SIG_PM] = 1.0, pn.sigma_plus, pn.sigma_minus
        col = 0
        P[COL_GAIN] = -1
        if self._scatter("synapse"):
            P[COL_GAIN] = col
            col += 2
        P[COL_XS] = col if self.pairing == "nearest-pre-centred" else -1
        col += 1 if self.pairing == "nearest-pre-centred" else 0
        P[COL_WB] = col if self._keeps_w_before() else -1
        P[IGNORE] = 1.0 if self.coincident == "ignore" else 0.0
        tp, tm = decay_table(P[DTP]), decay_table(P[DTM])
        P[OFF_P] = N_PACKED + len(extra)
        P[N_P] = tp.size
        P[OFF_M] = P[OFF_P] + tp.size
        P[N_M] = tm.size
        return np.concatenate([P, np.asarray(extra, float), tp, tm])

    def init_state(self, n_syn: int, n_pre: int, n_post: int, seed: int, stream: int) -> RuleState:
        syn, pre, post = super().init_state(n_syn, n_pre, n_post, seed, stream)
        pre[:, PRE_LAST:] = NO_SPIKE  # last and (if kept) previous arrival
        sn = self._scatter("synapse")
        if sn is not None:
            idx = np.arange(n_syn)
            syn[:, 0] = lognormal_gain(sn.sigma_plus, normal(seed, stream, idx, 0))
            syn[:, 1] = lognormal_gain(sn.sigma_minus, normal(seed, stream, idx, 1))
        return syn, pre, post

    def reference(self, pre_times: ArrayLike, post_times: ArrayLike, w0: float, delay: float = 0.0,
                  dt: float | None = None, seed: int = 0, stream: int = 0, s: int = 0,
                  pre_neuron: NeuronTrace | None = None, post_neuron: NeuronTrace | None = None) -> float:
        """Slow reference for one synapse, looping over spike lists without traces."""
        return pair_reference(self, pre_times, post_times, w0, delay, dt, seed, stream, s)


def lognormal_gain(sigma: float, xi):
    """Log-normal factor with mean 1 and standard deviation ``sigma``."""
    s2 = math.log1p(sigma * sigma)
    return np.exp(math.sqrt(s2) * np.asarray(xi) - 0.5 * s2)


@njit(cache=True, inline=INLINE)
def _wpow(x, mu):
    if mu == 0.0:
        return 1.0
    if mu == 1.0:
        return x
    return x**mu


@njit(cache=True, inline=INLINE)
def _dp(value, last, t, P):
    return decay_lut(value, last, t, P, int(P[OFF_P]), P[N_P], P[DTP])


@njit(cache=True, inline=INLINE)
def _dm(value, last, t, P):
    return decay_lut(value, last, t, P, int(P[OFF_M]), P[N_M], P[DTM])


@njit(cache=True, inline=INLINE)
def _depress(t, s, w, syn, y, P, seed, stream):
    dw = P[A_MINUS] * _wpow(w, P[MU_M]) * y
    if syn is not None and P[COL_GAIN] >= 0:
        dw *= syn[s, int(P[COL_GAIN]) + 1]
    if P[PAIR_NOISE] > 0.0:
        dw *= 1.0 + P[SIG_PM] * normal_nb(seed, stream, t, 2 * s + 1)
    w = w - dw
    return min(max(w, 0.0), P[W_MAX])


@njit(cache=True, inline=INLINE)
def syn_pre(t, s, i, j, w, syn, pre, post, P, seed, stream):
    if syn is not None and P[COL_XS] >= 0:  # nearest-pre-centred: per-synapse pre trace
        c = int(P[COL_XS])
        syn[s, c] = _dp(syn[s, c], pre[j, PRE_LAST], t, P) + 1.0
    if syn is not None and P[COL_WB] >= 0:
        syn[s, int(P[COL_WB])] = w
    if P[SCHEME] == RESTRICTED:
        # only if a post came after the previous arrival (causal: a post in that arrival's own
        # step came after it; ignore: it did not pair with it, so it does not count)
        if post[i, 1] < pre[j, PRE_LAST] or (P[IGNORE] > 0.0 and post[i, 1] == pre[j, PRE_LAST]):
            return w
    y = _dm(post[i, 0], post[i, 1], t, P)
    if y == 0.0:
        return w
    return _depress(t, s, w, syn, y, P, seed, stream)


@njit(cache=True, inline=INLINE)
def _pre_trace(t, s, j, syn, pre, P):
    """The pre trace a post spike at step t pairs with, leaving out (``coincident="ignore"``) an
    arrival in step t."""
    same = P[IGNORE] > 0.0 and pre[j, PRE_LAST] == t
    if syn is not None and P[COL_XS] >= 0:
        c = int(P[COL_XS])
        x = _dp(syn[s, c], pre[j, PRE_LAST], t, P)
        if same:  # the arrival in this step stays unpaired, for the next post
            x -= 1.0
            syn[s, c] = 1.0
        else:
            syn[s, c] = 0.0
        return x
    if P[SCHEME] == ALL:
        x = _dp(pre[j, PRE_TRACE], pre[j, PRE_LAST], t, P)
        return x - 1.0 if same else x
    last = pre[j, PRE_PREV] if same else pre[j, PRE_LAST]
    return _dp(1.0, last, t, P)


@njit(cache=True, inline=INLINE)
def syn_post(t, s, i, j, w, syn, pre, post, P, seed, stream):
    if P[SCHEME] == RESTRICTED:
        return _restricted_post(t, s, i, j, w, syn, pre, post, P, seed, stream)
    x = _pre_trace(t, s, j, syn, pre, P)
    if x == 0.0:
        return w
    if syn is not None and P[COL_WB] >= 0 and pre[j, PRE_LAST] == t:
        # an arrival in this step was depressed first: redo it after this potentiation
        w = _potentiate(t, s, syn[s, int(P[COL_WB])], syn, x, P, seed, stream)
        y = _dm(post[i, 0], post[i, 1], t, P)
        return _depress(t, s, w, syn, y, P, seed, stream) if y != 0.0 else w
    return _potentiate(t, s, w, syn, x, P, seed, stream)


@njit(cache=True, inline=INLINE)
def _restricted_post(t, s, i, j, w, syn, pre, post, P, seed, stream):
    """Restricted scheme at a post spike in step t (``post[i, 1]``: the previous post)."""
    q = post[i, 1]
    if P[IGNORE] == 0.0:  # causal: the last arrival pairs unless that post came after it
        if pre[j, PRE_LAST] > q:
            x = _dp(1.0, pre[j, PRE_LAST], t, P)
            if x != 0.0:
                w = _potentiate(t, s, w, syn, x, P, seed, stream)
        return w
    same = pre[j, PRE_LAST] == t
    nearest = pre[j, PRE_PREV] if same else pre[j, PRE_LAST]  # the last arrival before step t
    if q <= nearest:  # no post since it (one in its own step did not pair with it)
        x = _dp(1.0, nearest, t, P)
        if x != 0.0:
            w = _potentiate(t, s, w, syn, x, P, seed, stream)
        if same:  # the arrival in this step was not depressed (no post was seen since `nearest`):
            y = _dm(post[i, 0], q, t, P)  # NEST depresses it by the post before it
            if y != 0.0:
                w = _depress(t, s, w, syn, y, P, seed, stream)
    return w


@njit(cache=True, inline=INLINE)
def _potentiate(t, s, w, syn, x, P, seed, stream):
    dw = P[A_PLUS] * _wpow(P[W_MAX] - w, P[MU_P]) * x
    if syn is not None and P[COL_GAIN] >= 0:
        dw *= syn[s, int(P[COL_GAIN])]
    if P[PAIR_NOISE] > 0.0:
        dw *= 1.0 + P[SIG_PP] * normal_nb(seed, stream, t, 2 * s)
    w = w + dw
    return min(max(w, 0.0), P[W_MAX])


@njit(cache=True, inline=INLINE)
def pre_spike(t, j, pre, P):
    if P[SCHEME] == ALL:
        pre[j, PRE_TRACE] = _dp(pre[j, PRE_TRACE], pre[j, PRE_LAST], t, P) + 1.0
    else:
        pre[j, PRE_TRACE] = 1.0
    if pre.shape[1] > PRE_PREV:
        pre[j, PRE_PREV] = pre[j, PRE_LAST]
    pre[j, PRE_LAST] = t


@njit(cache=True, inline=INLINE)
def post_spike(t, i, post, P):
    if P[SCHEME] == ALL:
        post[i, 0] = _dm(post[i, 0], post[i, 1], t, P) + 1.0
    else:
        post[i, 0] = 1.0
    post[i, 1] = t


transmit = None  # the weight itself is transmitted


def pair_reference(rule: PairSTDP, pre_times, post_times, w0, delay=0.0, dt=None, seed=0, stream=0, s=0):
    """Final weight of one synapse from its spike lists, by explicit pair sums (no traces).

    Events are processed in time order, pre arrivals before posts at equal times (posts first,
    not pairing with them, under ``coincident="ignore"``). At a post spike
    ``dw = a_plus f+(w) sum_k exp(-(t - tpre_k)/tau_plus)`` over the pre arrivals the scheme pairs
    with it; at a pre arrival ``dw = -a_minus f-(w) sum_k exp(-(t - tpost_k)/tau_minus)`` over the
    earlier posts it pairs with. Noise needs ``dt`` (to compute the step keys) and the synapse's
    key (seed, stream, s). With ``dt`` the times are taken on the step grid (:func:`arrival_times`).
    """
    pre = arrival_times(pre_times, delay, dt)
    post = arrival_times(post_times, 0.0, dt)
    w = float(w0)
    seen_pre: list[float] = []
    seen_post: list[float] = []
    unpaired_pre: list[float] = []  # pre-centred: pres not yet paired with a following post
    gains = (1.0, 1.0)
    sn = rule._scatter("synapse")
    pn = rule._scatter("pairing")
    if sn is not None:
        gains = (float(lognormal_gain(sn.sigma_plus, normal(seed, stream, s, 0))[()]),
                 float(lognormal_gain(sn.sigma_minus, normal(seed, stream, s, 1))[()]))

    def f_plus(w):
        return 1.0 if rule.mu_plus == 0 else (rule.w_max - w) ** rule.mu_plus

    def f_minus(w):
        return 1.0 if rule.mu_minus == 0 else w ** rule.mu_minus

    def step_of(t):
        return int(round(t / dt))

    ignore = rule.coincident == "ignore"

    def depress(w, t, y):
        dw = rule.a_minus * f_minus(w) * y * gains[1]
        if pn is not None:
            dw *= 1.0 + pn.sigma_minus * float(normal(seed, stream, step_of(t), 2 * s + 1)[()])
        return min(max(w - dw, 0.0), rule.w_max)

    def potentiate(w, t, x):
        dw = rule.a_plus * f_plus(w) * x * gains[0]
        if pn is not None:
            dw *= 1.0 + pn.sigma_plus * float(normal(seed, stream, step_of(t), 2 * s)[()])
        return min(max(w + dw, 0.0), rule.w_max)

    # Same-time order: a pre arrival before a post (causal); with "ignore" the two do not pair
    # and the post's potentiation comes first, then the arrival's depression (NEST's order: it
    # applies both when the pre spike is delivered, potentiation first).
    events = sorted([(t, 1 if ignore else 0, 0) for t in pre] + [(t, 0 if ignore else 1, 1) for t in post])
    last_kind = None  # restricted: the kind of the previous event in the merged order
    for t, _, kind in events:
        if kind == 0:
            earlier_posts = [tp for tp in seen_post if tp < t]
            if rule.pairing == "nearest-restricted":
                prev_pre = seen_pre[-1] if seen_pre else None
                if ignore:  # a post since the previous arrival (one in this step counts), paired
                    # with the last post before this step
                    pairs = any(prev_pre is None or tp > prev_pre for tp in seen_post)
                else:
                    pairs = last_kind == 1
                if pairs and earlier_posts:
                    w = depress(w, t, math.exp(-(t - earlier_posts[-1]) / rule.tau_minus))
            elif earlier_posts:
                if rule.pairing == "all-to-all":
                    y = sum(math.exp(-(t - tp) / rule.tau_minus) for tp in earlier_posts)
                else:
                    y = math.exp(-(t - earlier_posts[-1]) / rule.tau_minus)
                w = depress(w, t, y)
            seen_pre.append(t)
            unpaired_pre.append(t)
        else:  # seen_pre holds only earlier arrivals under "ignore"
            if rule.pairing == "all-to-all":
                partners = seen_pre
            elif rule.pairing == "nearest-symmetric":
                partners = seen_pre[-1:]
            elif rule.pairing == "nearest-pre-centred":
                partners = unpaired_pre
            elif ignore:  # restricted: the last arrival before this step, if no post came since
                prev_post = seen_post[-1] if seen_post else None
                partners = seen_pre[-1:] if seen_pre and (prev_post is None or prev_post <= seen_pre[-1]) else []
            else:
                partners = seen_pre[-1:] if last_kind == 0 else []
            if partners:
                w = potentiate(w, t, sum(math.exp(-(t - tp) / rule.tau_plus) for tp in partners))
            unpaired_pre = []
            seen_post.append(t)
        last_kind = kind
    return w
