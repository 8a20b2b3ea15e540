r"""Leaky integrate-and-fire neuron with exponential synapses (current- or conductance-based) or delta synapses.

Current-based (``synapse="current"``; as NEST's ``iaf_psc_exp``, voltages for currents, R = 1)::

    tau_m dv/dt = (v_rest - v) + I_e - I_i + i_ext        dI_e/dt = -I_e/tau_e, dI_i/dt = -I_i/tau_i

integrated exactly over each step (Rotter & Diesmann 1999, Biol. Cybern. 81:381):
``v(t+h) = v_inf + (v - v_inf) e^{-h/tau_m} + I_e tau_e/(tau_e - tau_m) (e^{-h/tau_e} - e^{-h/tau_m})``
(and likewise for I_i) with ``v_inf = v_rest + i_ext``; the tau_e = tau_m limit is
``I_e (h/tau_m) e^{-h/tau_m}``. A synaptic weight is the jump of I_e (volts).

Conductance-based (``synapse="conductance"``; conductances relative to the leak, as in Brian2's
``examples/synapses/STDP.py``)::

    tau_m dv/dt = (v_rest - v) + g_e (e_e - v) + g_i (e_i - v) + i_ext

Over a step the conductances are replaced by their exact step averages
``g tau/h (1 - e^{-h/tau})`` and v is then integrated exactly (exponential integrator):
``v <- v_inf + (v - v_inf) exp(-h (1 + g_e + g_i)/tau_m)``. A weight is the jump of g_e
(positive weights) or g_i (negative weights, by magnitude).

Delta synapses (``synapse="delta"``; NEST's ``iaf_psc_delta``, Brian2's ``on_pre="v_post += w"``)::

    tau_m dv/dt = (v_rest - v) + i_ext,      an arriving weight w (volts) jumps v by w

A weight is a voltage jump. Arrivals (and Poisson drives, ``Network.poisson_input(...,
target="v_in")``) are summed in the pending-input row ``v_in``; the update of the next step adds
``v_in`` to v at its start, before the leak integration of that step, and zeroes it:
``v(t+h) = v_inf + (v + v_in - v_inf) e^{-h/tau_m}``, ``v_inf = v_rest + i_ext``. So input delivered
in step t acts from the update of step t + 1 on, as in Brian2, whose ``v_post += w`` runs after the
thresholder of step t and is integrated by the next state update (the same arithmetic: one input
per neuron and step gives Brian2's voltages bit for bit; several in one step are summed before
they are added to v, which may differ from Brian2's one-by-one additions in the last bit). Input
that arrives while the neuron is refractory is discarded: a clamped update drops ``v_in`` (as
NEST's ``iaf_psc_delta`` with ``refractory_input=False``, Auryn, and Brian2's ``(unless
refractory)``, which makes synaptic writes to v conditional on ``not_refractory``). The state rows
are ``v``, ``v_in``, ``i_ext`` (no ``g_e``/``g_i``).

Heterogeneity: every parameter but ``synapse`` may be one value per neuron (an array of ``n``
values) or a distribution (``hl.Uniform``, ``hl.Normal``) drawn per neuron when the population is
added to a network (from the network's seed, so a seeded run is reproducible), e.g.
``hl.LIF(n=100, v_thresh=hl.Normal(-50 * mV, 2 * mV), tau_m=np.linspace(10, 30, 100) * ms)``.
Every value is checked as the scalar would be (the first bad one named with its index); each
neuron then follows the equations above with its own values, and the same compiled kernel runs
both kinds (a per-neuron model reads its parameters from ``P[HEAD:]``, one row of n per packed
parameter; a model whose parameters are all scalars runs the unchanged scalar loop).

Threshold ``v >= v_thresh`` → spike, ``v = v_reset``, then v is clamped at v_reset for
``round(t_ref/dt)`` steps while the synaptic variables keep decaying (NEST's convention: the
updates of the ``round(t_ref/dt)`` steps after the spike step hold v; with delta synapses they also
discard the input delivered in the spike step and the ``round(t_ref/dt) - 1`` steps after it).
Brian2's ``refractory=t_ref`` with ``(unless refractory)`` discards the same inputs but already
integrates v in the last of those steps: with ``v_reset == v_rest`` (which that step leaves
unchanged) the two agree exactly; otherwise hebblab's v resumes its decay one step later.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np
from numba import njit
from numpy.typing import DTypeLike

from .. import _validate as V
from ..distributions import Normal, Uniform
from ..si import mV, ms
from ..compile_mode import INLINE
from .base import Model, ModelState

#: A parameter given once for all neurons, once per neuron (n values), or as a distribution.
PerNeuron = float | np.ndarray | Uniform | Normal

V_, GE, GI, IEXT = 0, 1, 2, 3  # rows of the current- and conductance-based state
VIN, IEXT_D = 1, 2  # delta synapses: rows v, v_in (pending input), i_ext
REFR = 0
CURRENT, CONDUCTANCE, DELTA = 0.0, 1.0, 2.0  # P[0]
#: P[15] is 1.0 when the parameters are per neuron: P[HEAD + j * n + i] is packed parameter j + 1
#: (pm, pe, pi, ce, ci, v_rest, v_th, v_reset, n_ref, e_e, e_i, avg_e, avg_i, h_tm) of neuron i.
HETERO, HEAD, NQ = 15, 16, 14
#: The parameters that may be one value per neuron, or a distribution drawn per neuron.
PER_NEURON = ("tau_m", "v_rest", "v_thresh", "v_reset", "t_ref", "tau_e", "tau_i", "e_e", "e_i", "v_init")
_VARS = ("v", "g_e", "g_i", "i_ext")
_VARS_DELTA = ("v", "v_in", "i_ext")


@dataclass(frozen=True)
class LIF(Model):
    """Leaky integrate-and-fire population (see module docstring for equations)."""

    n: int = 1
    tau_m: PerNeuron = 20 * ms
    v_rest: PerNeuron = -70 * mV
    v_thresh: PerNeuron = -50 * mV
    v_reset: PerNeuron = -70 * mV
    t_ref: PerNeuron = 2 * ms
    synapse: str = "current"
    tau_e: PerNeuron = 5 * ms
    tau_i: PerNeuron = 5 * ms
    e_e: PerNeuron = 0 * mV
    e_i: PerNeuron = -80 * mV
    v_init: PerNeuron | None = None

    int_vars: ClassVar[tuple[str, ...]] = ("refractory",)
    per_neuron_params: ClassVar[tuple[str, ...]] = PER_NEURON
    kick_row: ClassVar[int] = V_
    kernel_module: ClassVar[str] = "hebblab.neurons.lif"
    param_units: ClassVar[dict[str, str]] = {
        "tau_m": "second", "v_rest": "volt", "v_thresh": "volt", "v_reset": "volt", "t_ref": "second",
        "tau_e": "second", "tau_i": "second", "e_e": "volt", "e_i": "volt", "v_init": "volt"}
    params_in_state_precision: ClassVar[bool] = True
    state_units: ClassVar[dict[str, str]] = {"v": "volt", "i_ext": "volt"}

    #: Voltages (v_rest, v_thresh, v_reset, e_e, e_i, v_init) are within +-VOLTAGE_MAX volts.
    VOLTAGE_MAX: ClassVar[float] = 1e3

    # The state rows and the input mode depend on the synapse kind (instance properties instead
    # of the base class's ClassVars; the engine reads them from the instance).
    @property
    def float_vars(self) -> tuple[str, ...]:
        return _VARS_DELTA if self.synapse == "delta" else _VARS

    @property
    def input_mode(self) -> str:
        """``"split"``: positive weights to g_e, negative ones to g_i; delta: ``"signed"`` into v_in."""
        return "signed" if self.synapse == "delta" else "split"

    @property
    def input_rows(self) -> tuple[int, int]:
        return (VIN, VIN) if self.synapse == "delta" else (GE, GI)

    @property
    def current_row(self) -> int:
        return IEXT_D if self.synapse == "delta" else IEXT

    def __post_init__(self):
        o = "LIF"
        n = self._n()
        vm = self.VOLTAGE_MAX

        def voltage(name, x):
            return V.real(name, x, -vm, vm, unit="V")

        def each(name, check):
            object.__setattr__(self, name, V.neuron_param(f"{o}.{name}", getattr(self, name), n, check))

        for name in ("tau_m", "tau_e", "tau_i"):
            each(name, V.positive)
        each("t_ref", V.non_negative)
        for name in ("v_rest", "v_reset", "e_e", "e_i", "v_thresh"):
            each(name, voltage)
        V.one_of(f"{o}.synapse", self.synapse, ("current", "conductance", "delta"))
        if self.v_init is not None:
            each("v_init", voltage)
        if not self.drawn():
            vt, vr = np.asarray(self.v_thresh), np.asarray(self.v_reset)
            bad = np.flatnonzero(np.broadcast_to(vt <= vr, (n,)))
            if bad.size:
                i = bad[0]
                at = f"[{i}]" if vt.ndim or vr.ndim else ""
                raise ValueError(f"{o}.v_thresh{at} must be > v_reset{at} = {float(np.broadcast_to(vr, (n,))[i])!r} "
                                 f"(got {float(np.broadcast_to(vt, (n,))[i])!r})")

    def state_bytes(self, dtype: DTypeLike) -> float:
        """The base estimate, plus the packed per-neuron parameters (NQ rows of n) where any is per neuron."""
        return super().state_bytes(dtype) + (8.0 * NQ * self.n if self.given_per_neuron() else 0.0)

    def validate_dt(self, dt: float) -> None:
        if self.drawn():
            raise ValueError(f"LIF: {', '.join(self.drawn())} are distributions, drawn when the population is added "
                             "to a network (Network.add)")
        for name in ("tau_m", "tau_e", "tau_i"):
            tau = getattr(self, name)
            i = int(np.argmin(tau)) if np.ndim(tau) else None
            V.time_constant(f"LIF.{name}" + ("" if i is None else f"[{i}]"), tau if i is None else tau[i], dt)
        t_ref = self.t_ref
        i = int(np.argmax(t_ref)) if np.ndim(t_ref) else None
        V.steps("LIF.t_ref" + ("" if i is None else f"[{i}]"), t_ref if i is None else t_ref[i], dt)

    def init_state(self, dt: float, seed: int, stream: int) -> ModelState:
        S = np.zeros((len(self.float_vars), self.n))
        S[V_] = self.v_rest if self.v_init is None else self.v_init
        return S, np.zeros((1, self.n), np.int64), np.zeros((1, 0), np.int64), np.zeros(1, np.int64)

    def pack(self, dt: float) -> np.ndarray:
        h = dt
        tau_m, tau_e, tau_i = (np.asarray(getattr(self, k), float) for k in ("tau_m", "tau_e", "tau_i"))
        pm = np.exp(-h / tau_m)
        pe = np.exp(-h / tau_e)
        pi = np.exp(-h / tau_i)

        def coupling(tau_s, ps):
            same = np.abs(tau_s - tau_m) < 1e-12 * tau_m
            with np.errstate(divide="ignore", invalid="ignore"):
                return np.where(same, (h / tau_m) * pm, tau_s / np.where(same, 1.0, tau_s - tau_m) * (ps - pm))

        # Conductance step-average factors: mean of g e^{-s/tau} over [0, h] is g * avg.
        avg_e = tau_e / h * (1.0 - pe)
        avg_i = tau_i / h * (1.0 - pi)
        n_ref = np.round(np.asarray(self.t_ref, float) / dt)
        q = [pm, pe, pi, coupling(tau_e, pe), coupling(tau_i, pi),  # 1..5
             self.v_rest, self.v_thresh, self.v_reset, n_ref,  # 6..9
             self.e_e, self.e_i, avg_e, avg_i, h / tau_m]  # 10..14
        mode = {"current": CURRENT, "conductance": CONDUCTANCE, "delta": DELTA}[self.synapse]
        if not self.per_neuron():
            return np.array([mode] + [float(x) for x in q] + [0.0])
        rows = np.stack([np.broadcast_to(np.asarray(x, float), (self.n,)) for x in q])  # (NQ, n)
        head = rows[:, 0].copy()
        head[8] = rows[8].max()  # P[9]: the longest refractory period (a loaded file's counters are checked against it)
        return np.concatenate([[mode], head, [1.0], rows.ravel()])


@njit(cache=True, inline=INLINE)
def update(t, S, I, E, C, P, spk):
    return update_range(t, S, I, E, C, P, spk, 0, S.shape[1])


@njit(cache=True, inline=INLINE)
def update_range(t, S, I, E, C, P, spk, lo, hi):
    """:func:`update` for neurons ``lo..hi-1`` only; their spikes go to ``spk[lo:lo + count]``
    (neurons are independent, so disjoint ranges may run in parallel)."""
    if P[HETERO] > 0.5:
        return _update_range_per_neuron(S, I, P, spk, lo, hi)
    pm, pe, pi, ce, ci = P[1], P[2], P[3], P[4], P[5]
    v_rest, v_th, v_reset, n_ref = P[6], P[7], P[8], int(P[9])
    e_e, e_i, avg_e, avg_i, h_tm = P[10], P[11], P[12], P[13], P[14]
    # views of the range, indexed from 0: loop indices are then known to be non-negative, so no
    # wrap-around checks stop the compiler from vectorizing
    v = S[V_, lo:hi]
    refr = I[REFR, lo:hi]
    m = hi - lo
    # pass 1: integrate (branch-free, so the compiler can vectorize it); neurons in their
    # refractory period are held at v_reset
    if P[0] > 1.5:  # delta synapses: the pending input jumps v before the leak; clamped neurons drop it
        vin = S[VIN, lo:hi]
        iext = S[IEXT_D, lo:hi]
        for k in range(m):
            v_inf = v_rest + iext[k]
            vn = v_inf + (v[k] + vin[k] - v_inf) * pm
            r = refr[k]
            v[k] = vn if r <= 0 else v_reset
            refr[k] = r - 1 if r > 0 else 0
            vin[k] = 0.0
    elif P[0] > 0.5:
        ge = S[GE, lo:hi]
        gi = S[GI, lo:hi]
        iext = S[IEXT, lo:hi]
        for k in range(m):
            ge_m = ge[k] * avg_e
            gi_m = gi[k] * avg_i
            gtot = 1.0 + ge_m + gi_m
            v_inf = (v_rest + iext[k] + ge_m * e_e + gi_m * e_i) / gtot
            vn = v_inf + (v[k] - v_inf) * np.exp(-h_tm * gtot)
            r = refr[k]
            v[k] = vn if r <= 0 else v_reset
            refr[k] = r - 1 if r > 0 else 0
            ge[k] *= pe
            gi[k] *= pi
    else:
        ge = S[GE, lo:hi]
        gi = S[GI, lo:hi]
        iext = S[IEXT, lo:hi]
        for k in range(m):
            v_inf = v_rest + iext[k]
            vn = v_inf + (v[k] - v_inf) * pm + ge[k] * ce - gi[k] * ci
            r = refr[k]
            v[k] = vn if r <= 0 else v_reset
            refr[k] = r - 1 if r > 0 else 0
            ge[k] *= pe
            gi[k] *= pi
    # pass 2: threshold and reset
    count = 0
    for k in range(m):
        if v[k] >= v_th:
            v[k] = v_reset
            refr[k] = n_ref
            spk[lo + count] = lo + k
            count += 1
    return count


@njit(cache=True)
def _update_range_per_neuron(S, I, P, spk, lo, hi):
    """:func:`update_range` with every parameter read per neuron (rows of ``P[HEAD:]``)."""
    n = S.shape[1]
    Q = P[HEAD:HEAD + NQ * n].reshape((NQ, n))
    mode = P[0]
    v = S[V_]
    refr = I[REFR]
    for i in range(lo, hi):
        pm, pe, pi, ce, ci = Q[0, i], Q[1, i], Q[2, i], Q[3, i], Q[4, i]
        v_rest, v_reset = Q[5, i], Q[7, i]
        if mode > 1.5:
            v_inf = v_rest + S[IEXT_D, i]
            vn = v_inf + (v[i] + S[VIN, i] - v_inf) * pm
            S[VIN, i] = 0.0
        elif mode > 0.5:
            ge_m = S[GE, i] * Q[11, i]
            gi_m = S[GI, i] * Q[12, i]
            gtot = 1.0 + ge_m + gi_m
            v_inf = (v_rest + S[IEXT, i] + ge_m * Q[9, i] + gi_m * Q[10, i]) / gtot
            vn = v_inf + (v[i] - v_inf) * np.exp(-Q[13, i] * gtot)
            S[GE, i] *= pe
            S[GI, i] *= pi
        else:
            v_inf = v_rest + S[IEXT, i]
            vn = v_inf + (v[i] - v_inf) * pm + S[GE, i] * ce - S[GI, i] * ci
            S[GE, i] *= pe
            S[GI, i] *= pi
        r = refr[i]
        v[i] = vn if r <= 0 else v_reset
        refr[i] = r - 1 if r > 0 else 0
    count = 0
    for i in range(lo, hi):
        if v[i] >= Q[6, i]:
            v[i] = Q[7, i]
            refr[i] = int(Q[8, i])
            spk[lo + count] = i
            count += 1
    return count


def reference_update(t, S, I, E, C, P):
    """Vectorized numpy version of :func:`update` (the reference backend's); per-neuron
    parameters are arrays over the population, scalars otherwise."""
    mode = P[0]
    if P[HETERO] > 0.5:
        n = S.shape[1]
        pm, pe, pi, ce, ci, v_rest, v_th, v_reset, n_ref, e_e, e_i, avg_e, avg_i, h_tm = P[HEAD:HEAD + NQ * n].reshape(NQ, n)
        n_ref = n_ref.astype(np.int64)
    else:
        pm, pe, pi, ce, ci = P[1:6]
        v_rest, v_th, v_reset, n_ref = P[6], P[7], P[8], int(P[9])
        e_e, e_i, avg_e, avg_i, h_tm = P[10:15]
    v = S[V_]
    refr = I[REFR]
    clamped = refr > 0
    if mode == DELTA:
        vin, iext = S[VIN], S[IEXT_D]
        v_inf = v_rest + iext
        v_new = v_inf + (v + vin - v_inf) * pm
        vin[:] = 0.0  # consumed, or dropped by a clamped neuron
    elif mode == CONDUCTANCE:
        ge, gi, iext = S[GE], S[GI], S[IEXT]
        ge_m, gi_m = ge * avg_e, gi * avg_i
        gtot = 1.0 + ge_m + gi_m
        v_inf = (v_rest + iext + ge_m * e_e + gi_m * e_i) / gtot
        v_new = v_inf + (v - v_inf) * np.exp(-h_tm * gtot)
    else:
        ge, gi, iext = S[GE], S[GI], S[IEXT]
        v_inf = v_rest + iext
        v_new = v_inf + (v - v_inf) * pm + ge * ce - gi * ci
    v[:] = np.where(clamped, v_reset, v_new)
    refr[clamped] -= 1
    if mode != DELTA:
        ge *= pe
        gi *= pi
    fired = np.flatnonzero(v >= v_th)
    v[fired] = v_reset if np.ndim(v_reset) == 0 else v_reset[fired]
    refr[fired] = n_ref if np.ndim(n_ref) == 0 else n_ref[fired]
    return fired
