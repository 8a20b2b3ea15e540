r"""Binary burst synapse: one burst writes a bit; the analog weight says how hard it is to forget.

The synapse keeps a hidden analog ``w`` in [0, 1], its "importance", and a fixed sign
``sign`` (+1 excitatory, -1 inhibitory). The bit it stores is ``[w >= theta]``.

Readout:

* ``readout="burst"``: a spike transmits ``sign * w``. Into Brain Simulator II style IF neurons of
  threshold 1, a burst of B spikes fires the target iff ``B w >= 1``, i.e. iff ``w >= 1/B``; with
  B = 5 that is theta = 0.2.
* ``readout="threshold"``: a spike transmits ``sign * [w >= theta]`` (single-spike networks).

Learning: nearest-spike (symmetric) additive STDP with hard bounds [0, 1], the pair rule of
:mod:`hebblab.plasticity.pair_stdp` with ``mu = 0`` and ``pairing = "nearest-symmetric"``. The
default potentiation step ``a_plus = 2 theta / burst`` is sized so that ONE burst of ``burst``
causal pairings (at a lag shorter than about half the burst's inter-spike interval, e.g. 2 ms lag
at 5 ms ISI) takes w from 0 to above theta while one pairing cannot (``a_plus < theta``).
Forgetting: ``(w - theta) / a_minus`` net depression events at zero lag take a stored 1 back to 0,
which is the synapse's importance (:meth:`BinaryBurst.importance`).

Drift under uncorrelated activity (:meth:`BinaryBurst.drift`). With independent Poisson pre
arrivals at rate r1 and post spikes at rate r2, nearest-spike pairing potentiates at each post
spike by ``a_plus exp(-D/tau_plus)``, D the time since the last pre arrival, D ~ Exp(r1), so
``E[exp(-D/tau)] = r1 tau / (1 + r1 tau)``; depression at each pre arrival likewise. Away from
the bounds the mean drift is exactly

    dw/dt = r2 a_plus r1 tau_plus / (1 + r1 tau_plus) - r1 a_minus r2 tau_minus / (1 + r2 tau_minus)

(for r1 = r2 = r: ``r^2 (a_plus tau_plus / (1 + r tau_plus) - a_minus tau_minus / (1 + r tau_minus))``).
The default ``a_minus = a_plus tau_plus / tau_minus`` balances the window's integrals, which
zeroes this drift only in the limit of low rates (r tau -> 0); at 10 Hz the defaults drift by
+0.0145 per second (more than theta in 20 s). :meth:`BinaryBurst.balanced_at` gives the
``a_minus`` that zeroes it at given rates. Even then the hard bound at 0 reflects the random walk
of a stored 0, so stored 0s still drift up (diffusion; measured in the binary-burst experiment).
All-to-all pairing would instead give ``r1 r2 (a_plus tau_plus - a_minus tau_minus)``, which the
default balances at every rate; this rule pairs nearest spikes.

Variance rate under the same activity (:meth:`BinaryBurst.variance_rate`), away from the bounds:
``lim Var w(t) / t``. Write ``alpha = 1/tau_plus``, ``beta = 1/tau_minus``, ``w = P - M`` with
``P = sum_posts a_plus f(D)``, ``M = sum_pres a_minus g(E)`` (f, g the exponentials). With Palm
calculus for the two independent Poisson processes (a post at s and a pre at u added to them;
D(s) depends on the pre process only and E(u) on the post process only, so given the added points
the two are independent), each term is an integral over the lag between two events:

* ``Var-rate P = a+^2 [r2 r1/(r1 + 2 alpha) + 2 r2^2/(r1 + alpha) (r1/(r1 + 2 alpha) - r1^2/(r1 + alpha)^2)]``
  (two posts x apart share their last pre with probability ``e^{-r1 x}``);
* ``Var-rate M = a-^2 [r1 r2/(r2 + 2 beta) + 2 r1^2/(r2 + beta) (r2/(r2 + 2 beta) - r2^2/(r2 + beta)^2)]``;
* ``Cov-rate(P, M) = a+ a- r1 r2 [r1/(r1 + alpha) beta/(r2 + beta)^2 + r2/(r2 + beta) alpha/(r1 + alpha)^2]``
  (a pre just after a post depresses more, a post just after a pre potentiates more);

``variance rate = Var-rate P + Var-rate M - 2 Cov-rate(P, M)``. The first terms alone,
``r2 a+^2 r1/(r1 + 2 alpha) + r1 a-^2 r2/(r2 + 2 beta)``, treat the steps as independent and
overstate the rate (at 10 Hz, a+ = 0.08, a- balanced: 0.00796 against 0.00561 per second; a
plain-numpy continuous-time simulation gives 0.00560 +- 0.00006). On the engine's grid of 0.1 ms
the engine gives the continuous value within its sampling error (1 %).

On the engine's time grid (``dt`` given), Poisson sources fire in each step with probability
p = r dt (:class:`~hebblab.neurons.PoissonSource`), so the lag d in steps from a post spike back
to the last pre arrival is geometric from 0 (a same-step pre counts, dt = 0) and from a pre
arrival back to the last post spike geometric from 1 (a same-step post comes after it):

    E+ = p1 / (1 - (1 - p1) e^{-dt/tau_plus}),   E- = p2 e^{-dt/tau_minus} / (1 - (1 - p2) e^{-dt/tau_minus}),
    dw/dt = r2 a_plus E+ - r1 a_minus E-,

which tends to the continuous form as dt -> 0 (at dt = 1 ms the continuous balance leaves
+0.0029 per second at a_plus = 0.044, 10 Hz; at 0.1 ms about a tenth of that).

Write noise (``noise``): the same calibrated models as the analog pair rule
(:class:`~hebblab.plasticity.Scatter`, Bi & Poo 1998 Fig. 7): ``"pairing"`` multiplies every
update by ``1 + sigma xi`` with a fresh normal xi, ``"synapse"`` by a fixed log-normal gain per
synapse and sign (mean 1). With noise one burst writes the bit only with some probability (the
binary-burst experiment measures it against the lag).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np
from ..compile_mode import INLINE
from numba import njit
from numpy.typing import ArrayLike

from .. import _validate as V
from ..si import ms
from ..units import named_si
from . import pair_stdp_causal
from .base import NeuronTrace, Rule, RuleState, arrival_times, dt_over_tau, register_rule
from .pair_stdp import N_PACKED, PairSTDP, pair_reference
from .scatter import Scatter

SIGN, THETA, READOUT = N_PACKED, N_PACKED + 1, N_PACKED + 2


@register_rule
@dataclass(frozen=True)
class BinaryBurst(Rule):
    """Binary synapse learned by one burst (see module docstring)."""

    theta: float = 0.2
    burst: int = 5
    a_plus: float | None = None
    a_minus: float | None = None
    tau_plus: float = 16.8 * ms
    tau_minus: float = 33.7 * ms
    sign: int = 1
    readout: str = "burst"
    noise: Scatter | tuple | None = None

    rule_name: ClassVar[str] = "binary-burst"
    kernel_module: ClassVar[str] = "hebblab.plasticity.binary_burst"
    param_units: ClassVar[dict[str, str]] = {"tau_plus": "second", "tau_minus": "second"}

    def __post_init__(self):
        o = "BinaryBurst"
        object.__setattr__(self, "theta", V.in_range(f"{o}.theta", self.theta, 0.0, 1.0, low_open=True,
                                                     high_open=True))
        object.__setattr__(self, "tau_plus", V.positive(f"{o}.tau_plus", self.tau_plus))
        object.__setattr__(self, "tau_minus", V.positive(f"{o}.tau_minus", self.tau_minus))
        object.__setattr__(self, "burst", V.positive_int(f"{o}.burst", self.burst))
        for name in ("a_plus", "a_minus"):
            if getattr(self, name) is not None:
                V.number(f"{o}.{name}", getattr(self, name))
        ap = 2.0 * self.theta / self.burst if self.a_plus is None else self.a_plus
        am = ap * self.tau_plus / self.tau_minus if self.a_minus is None else self.a_minus
        V.in_range(f"{o}.a_plus" + (" (2 theta / burst by default)" if self.a_plus is None else ""), ap, 0.0, 1.0,
                   low_open=True)
        V.in_range(f"{o}.a_minus" + (" (a_plus tau_plus / tau_minus by default)" if self.a_minus is None else ""),
                   am, 0.0, 1.0)
        object.__setattr__(self, "a_plus", float(ap))
        object.__setattr__(self, "a_minus", float(am))
        if not (V._is_number(self.sign) and self.sign in (1, -1)):
            raise ValueError(f"{o}.sign must be +1 or -1 (got {self.sign!r})")
        object.__setattr__(self, "sign", int(self.sign))
        V.one_of(f"{o}.readout", self.readout, ("burst", "threshold"))
        object.__setattr__(self, "noise", self._pair().noise)  # validated and normalised there

    def _pair(self) -> PairSTDP:
        return PairSTDP(a_plus=self.a_plus, a_minus=self.a_minus, tau_plus=self.tau_plus,
                        tau_minus=self.tau_minus, w_max=1.0, mu=0.0, pairing="nearest-symmetric",
                        noise=self.noise)

    def bounds(self) -> tuple[float, float]:
        return 0.0, 1.0

    def layout(self) -> tuple[int, int, int]:
        return self._pair().layout()

    def init_state(self, n_syn: int, n_pre: int, n_post: int, seed: int, stream: int) -> RuleState:
        return self._pair().init_state(n_syn, n_pre, n_post, seed, stream)

    def pack(self, dt: float) -> np.ndarray:
        dt_over_tau(self, "tau_plus", dt)  # named after this rule, before PairSTDP checks them again
        dt_over_tau(self, "tau_minus", dt)
        return self._pair().pack(dt, extra=(float(self.sign), self.theta,
                                            1.0 if self.readout == "threshold" else 0.0))

    @classmethod
    def balanced_at(cls, rate_hz: float, rate_post_hz: float | None = None, dt: float | None = None,
                    **params) -> "BinaryBurst":
        """The rule with ``a_minus`` chosen so that independent Poisson pre (``rate_hz``) and post
        (``rate_post_hz``, default the same) activity causes no mean drift (module docstring):
        ``a_minus = a_plus E+ / E-`` with the pairing expectations in continuous time
        (``dt=None``: ``a_plus tau_plus (1 + r2 tau_minus) / (tau_minus (1 + r1 tau_plus))``) or on
        the engine's grid of step ``dt``."""
        if "a_minus" in params:
            raise ValueError("balanced_at chooses a_minus: do not pass it")
        rate_hz = named_si("BinaryBurst.balanced_at.rate_hz", rate_hz, "hertz")
        rate_post_hz = named_si("BinaryBurst.balanced_at.rate_post_hz", rate_post_hz, "hertz")
        dt = named_si("BinaryBurst.balanced_at.dt", dt, "second")
        base = cls(**params)
        r1, r2, e_plus, e_minus = base._pairing_expectations(rate_hz, rate_post_hz, dt)
        return cls(**{**params, "a_minus": base.a_plus * r2 * e_plus / (r1 * e_minus)})

    def drift(self, rate_hz: float, rate_post_hz: float | None = None, dt: float | None = None) -> float:
        """Mean dw/dt (per second) under independent Poisson pre and post activity, away from the
        bounds, in continuous time or on the grid of step ``dt`` (module docstring)."""
        rate_hz = named_si("BinaryBurst.drift.rate_hz", rate_hz, "hertz")
        rate_post_hz = named_si("BinaryBurst.drift.rate_post_hz", rate_post_hz, "hertz")
        dt = named_si("BinaryBurst.drift.dt", dt, "second")
        r1, r2, e_plus, e_minus = self._pairing_expectations(rate_hz, rate_post_hz, dt)
        return r2 * self.a_plus * e_plus - r1 * self.a_minus * e_minus

    def variance_rate(self, rate_hz: float, rate_post_hz: float | None = None) -> float:
        """Variance rate (per second) of w under independent Poisson pre (``rate_hz``) and post
        (``rate_post_hz``, default the same) activity, away from the bounds, in continuous time,
        covariances of the steps included (module docstring)."""
        r1, r2, _, _ = self._pairing_expectations(rate_hz, rate_post_hz, None)
        al, be = 1.0 / self.tau_plus, 1.0 / self.tau_minus
        ap, am = self.a_plus, self.a_minus
        var_p = ap**2 * (r2 * r1 / (r1 + 2 * al)
                         + 2 * r2**2 / (r1 + al) * (r1 / (r1 + 2 * al) - (r1 / (r1 + al)) ** 2))
        var_m = am**2 * (r1 * r2 / (r2 + 2 * be)
                         + 2 * r1**2 / (r2 + be) * (r2 / (r2 + 2 * be) - (r2 / (r2 + be)) ** 2))
        cov = ap * am * r1 * r2 * (r1 / (r1 + al) * be / (r2 + be) ** 2 + r2 / (r2 + be) * al / (r1 + al) ** 2)
        return var_p + var_m - 2 * cov

    def _pairing_expectations(self, rate_hz, rate_post_hz, dt):
        """(r1, r2, E[e^{-D/tau+}] at a post spike, E[e^{-D/tau-}] at a pre arrival)."""
        import math
        r1 = V.positive("rate_hz", rate_hz)
        r2 = r1 if rate_post_hz is None else V.positive("rate_post_hz", rate_post_hz)
        tp, tm = self.tau_plus, self.tau_minus
        if dt is None:
            return r1, r2, r1 * tp / (1 + r1 * tp), r2 * tm / (1 + r2 * tm)
        V.positive("dt", dt)
        p1, p2 = r1 * dt, r2 * dt
        if p1 > 1 or p2 > 1:
            raise ValueError(f"rate * dt must be <= 1 (got {max(p1, p2):g})")
        dp, dm = math.exp(-dt / tp), math.exp(-dt / tm)
        return r1, r2, p1 / (1 - (1 - p1) * dp), p2 * dm / (1 - (1 - p2) * dm)

    def bit(self, w: ArrayLike) -> np.ndarray:
        """The stored bit ``w >= theta``."""
        return np.asarray(w) >= self.theta

    def importance(self, w: ArrayLike) -> np.ndarray:
        """Net zero-lag depression events needed to forget a stored 1: ``(w - theta)/a_minus``."""
        return np.maximum(np.asarray(w, float) - self.theta, 0.0) / self.a_minus

    def reference(self, pre_times: ArrayLike, post_times: ArrayLike, w0: float, delay: float = 0.0,
                  dt: float | None = None, seed: int = 0, stream: int = 0, s: int = 0,
                  pre_neuron: NeuronTrace | None = None, post_neuron: NeuronTrace | None = None) -> float:
        """Nearest-spike additive STDP on spike lists, written out directly (no traces). With
        ``noise`` the pair rule's reference (needs ``dt`` and the synapse's key seed, stream, s)."""
        import math
        if self.noise is not None:
            return pair_reference(self._pair(), pre_times, post_times, w0, delay, dt, seed, stream, s)
        events = sorted([(t, 0) for t in arrival_times(pre_times, delay, dt)]
                        + [(t, 1) for t in arrival_times(post_times, 0.0, dt)])
        w = float(w0)
        last_pre = last_post = None
        for t, kind in events:
            if kind == 0:
                if last_post is not None:
                    w = max(w - self.a_minus * math.exp(-(t - last_post) / self.tau_minus), 0.0)
                last_pre = t
            else:
                if last_pre is not None:
                    w = min(w + self.a_plus * math.exp(-(t - last_pre) / self.tau_plus), 1.0)
                last_post = t
        return w


# BinaryBurst pairs as PairSTDP(pairing="nearest-symmetric", coincident="causal")
syn_pre = pair_stdp_causal.syn_pre
syn_post = pair_stdp_causal.syn_post
pre_spike = pair_stdp_causal.pre_spike
post_spike = pair_stdp_causal.post_spike


@njit(cache=True, inline=INLINE)
def transmit(w, P):
    if P[READOUT] > 0.5:
        return P[SIGN] if w >= P[THETA] else 0.0
    return P[SIGN] * w
