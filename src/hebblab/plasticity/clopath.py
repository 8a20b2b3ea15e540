r"""Voltage-based STDP (Clopath, Büsing, Vasilaki & Gerstner 2010, Nat. Neurosci. 13:344,
"Connectivity reflects coding: a model of voltage-based STDP with homeostasis").

The first built-in rule that reads a neuron variable: it declares ``reads_post = ("v",)`` and is
written through the public rule contract only (hebblab.plasticity.base: the pieces receive the
post population's membrane potential as ``vpost``; a per-neuron ``post_step`` hook integrates
the filtered voltages every step, and ``syn_step`` applies the continuous potentiation).

Model (the paper's equations). ``u`` is the post-synaptic membrane potential, ``ū-`` and ``ū+``
two low-pass filters of it, ``x̄`` the pre-synaptic spike train ``X = Σ δ(t - t_pre)`` filtered::

    tau_minus dū-/dt = -ū- + u        tau_plus dū+/dt = -ū+ + u        tau_x dx̄/dt = -x̄ + X

    LTD, at each pre-synaptic arrival:   dw = -A_LTD [ū-(t) - theta_minus]_+
    LTP, continuously:               dw/dt = A_LTP x̄(t) [u(t) - theta_plus]_+ [ū+(t) - theta_minus]_+

with ``[y]_+ = max(y, 0)`` and hard bounds ``[w_min, w_max]``. The paper's homeostatic variant,
``A_LTD`` scaled by the squared mean depolarisation over ``u_ref^2``, is **not** implemented:
``A_LTD`` is constant, as in the authors' code for the pairing protocols (below).

Parameters (defaults): the visual-cortex fit, Table 1 of the paper, as the authors use it for
the frequency dependence of Fig. 2 in their published code (ModelDB 144566, ``VoTriCode/
FrequencyDependence.m`` and ``VoTri.m``; the same values are NEST's defaults of
``aeif_psc_delta_clopath``/``clopath_synapse``): A_LTD = 14e-5 / mV, A_LTP = 8e-5 / mV^2,
theta_minus = -70.6 mV, theta_plus = -45.3 mV, tau_minus = 10 ms, tau_plus = 7 ms,
tau_x = 15 ms. Two ingredients are not in the paper's text but in that code (NEST documents
both): the spike is represented by clamping the voltage high for 2 ms (``v_clamp``,
``t_clamp``; the code's two 1-ms values are 29.4 and 32.9 mV, NEST's ``V_clamp`` is 33 mV, used
here), and the filtered voltages are read with a delay (``u_delay``: 3 ms in the code at its
1-ms step, "the spike length plus one step", so that a spike's own pulse does not count as the
depolarisation before it; NEST's ``delay_u_bars`` is 5 ms).

Used with hebblab's LIF. The paper's neuron is an adaptive exponential IF with a spike
after-depolarisation; the rule here works with any model that has a float variable ``v`` (in
volts). The LIF's spike is instantaneous and its voltage is held at ``v_reset`` for ``t_ref``, so
the rule represents the spike as the paper's code did: for ``t_clamp`` after a post spike
(the spike's step and the following ``t_clamp/dt - 1`` steps) it uses ``u = v_clamp`` instead of
the neuron's v; with ``LIF(t_ref=t_clamp)`` the pulse replaces exactly the steps in which the
LIF is clamped. What the LIF does not have: the after-depolarisation current (400 pA, tau 40 ms
in the paper's neuron) and the spike-triggered adaptation (80.5 pA, tau 144 ms); without them
high-frequency pairings potentiate much less (the depolarisation between spikes is what makes
``ū+`` exceed theta_minus at the next spike). Both can be added as exponential currents of the
LIF through two self-connections (``tests/test_clopath.py`` does; with them 5 pairings x 15 at
+-10 ms reproduce the frequency dependence of Fig. 2). The LIF's ``v`` also differs from the
AdEx's between spikes (no exponential upswing), which matters only where ``v`` approaches
theta_plus.

Discrete time (step ``dt``, both backends, exactly as below). ``u_k`` is ``v_clamp`` if the post
neuron spiked at one of steps ``k - P + 1 .. k`` (``P = round(t_clamp/dt)``), else its ``v`` after
the update of step ``k``. The filters start at theta_minus and follow the exact solution for an
input held over the step, ``ū_k = a ū_{k-1} + (1 - a) u_k`` (``a = exp(-dt/tau)``); they are read
``D = round(u_delay/dt) >= 1`` steps late. ``x̄`` jumps by ``1/tau_x`` at each arrival and decays
exactly. In step ``k``: each arrival first depresses its synapse by
``A_LTD [ū-_{k-D} - theta_minus]_+`` (syn_pre), then (post_step, after the post spikes of the
step) the filters advance to ``ū_k`` and every synapse onto a neuron with
``g_k = A_LTP dt [u_k - theta_plus]_+ [ū+_{k-D} - theta_minus]_+ > 0`` gains ``x̄_k g_k``, ``x̄_k``
including an arrival at ``k`` (syn_step). Only steps with ``u_k > theta_plus`` cost per-synapse
work: with a LIF whose threshold is below theta_plus, the ``P`` steps of each spike's pulse.

Cost (benchmarks/RESULTS.md, "Neuron variables and per-step hooks"): ``post_step`` about 27 ns per
post neuron and step, ``syn_step`` about 38 ns per synapse and active step (20 per spike at
dt = 0.1 ms); a 2000-neuron network with 100,000 synapses at 28 Hz ran 20 times slower than with
pair STDP. Memory: ``5 + 2 * history`` floats per post neuron (1.1 KiB with the default), 2 per
pre neuron, none per synapse.

Parameters the paper does not have: ``history``, the steps of delayed values each post neuron
keeps (a power of two greater than ``u_delay / dt``: 64 serves dt >= 0.05 ms with the default
delay); the hard bounds ``w_min``, ``w_max`` (the authors' pairing code has none: the pairing
protocol stays far inside [0, 1] from w = 0.5); and ``w_scale``: the weight is dimensionless, as
in the paper, and a spike delivers ``w_scale * w`` (``transmit``; default 1 mV per unit weight,
the jump of a current-based LIF's synaptic current).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
from numba import njit
from numpy.typing import ArrayLike

from .. import _validate as V
from ..compile_mode import INLINE
from ..si import mV, ms
from .base import (NO_SPIKE, NeuronTrace, Rule, RuleState, cycle_steps, decay_lut, decay_table, dt_over_tau,
                   register_rule)

# P: the parameters; the decay table of tau_x follows the head
A_LTD, C_LTP, TH_M, TH_P, A_M, A_P, V_CL, N_CL, DELAY, RING, W_MIN, W_MAX, W_SCALE, DTX, TAB0, TABN = range(16)
N_HEAD = 16
# post state columns: the LTD of the next step's arrivals, this step's LTP factor, the last
# spike step, the filters ū- and ū+ now, then a ring of RING slots of two: for step k (slot
# k & (RING - 1)), A_LTD [ū-_k - theta_minus]_+ and [ū+_k - theta_minus]_+, read D steps later
# (the two values of a step side by side: one cache line for what a step writes and reads)
LTD, G, LAST, UM, UP, RINGS = 0, 1, 2, 3, 4, 5


@register_rule
@dataclass(frozen=True)
class Clopath2010(Rule):
    """Voltage-based STDP of Clopath et al. 2010 (see module docstring)."""

    a_ltd: float = 14e-5 / mV
    a_ltp: float = 8e-5 / mV ** 2
    theta_minus: float = -70.6 * mV
    theta_plus: float = -45.3 * mV
    tau_minus: float = 10 * ms
    tau_plus: float = 7 * ms
    tau_x: float = 15 * ms
    v_clamp: float = 33 * mV
    t_clamp: float = 2 * ms
    u_delay: float = 3 * ms
    history: int = 64
    w_min: float = 0.0
    w_max: float = 1.0
    w_scale: float = 1 * mV

    rule_name: ClassVar[str] = "clopath"
    kernel_module: ClassVar[str] = "hebblab.plasticity.clopath"
    param_units: ClassVar[dict[str, str]] = {
        "a_ltd": "1/volt", "a_ltp": "1/volt**2", "theta_minus": "volt", "theta_plus": "volt", "tau_minus": "second",
        "tau_plus": "second", "tau_x": "second", "v_clamp": "volt", "t_clamp": "second", "u_delay": "second",
        "w_scale": "volt"}
    reads_post: ClassVar[tuple[str, ...]] = ("v",)

    def __post_init__(self):
        o = "Clopath2010"
        for name in ("a_ltd", "a_ltp", "t_clamp", "w_scale"):
            object.__setattr__(self, name, V.non_negative(f"{o}.{name}", getattr(self, name)))
        for name in ("tau_minus", "tau_plus", "tau_x", "u_delay"):
            object.__setattr__(self, name, V.positive(f"{o}.{name}", getattr(self, name)))
        for name in ("theta_minus", "theta_plus", "v_clamp"):
            object.__setattr__(self, name, V.real(f"{o}.{name}", getattr(self, name), -1.0, 1.0, unit="V"))
        object.__setattr__(self, "history", V.integer(f"{o}.history", self.history, 2, 1 << 16))
        if self.history & (self.history - 1):
            raise ValueError(f"{o}.history must be a power of two (got {self.history!r})")
        lo = V.finite(f"{o}.w_min", V.number(f"{o}.w_min", self.w_min))
        hi = V.finite(f"{o}.w_max", V.number(f"{o}.w_max", self.w_max))
        if not lo < hi:
            raise ValueError(f"{o}.w_max must be > w_min = {lo!r} (got {hi!r})")
        object.__setattr__(self, "w_min", lo)
        object.__setattr__(self, "w_max", hi)

    def bounds(self) -> tuple[float, float]:
        return self.w_min, self.w_max

    def layout(self) -> tuple[int, int, int]:
        # pre: x̄ (in units of 1/tau_x), last arrival step; post: LTD, G, last spike, the filters, the ring
        return 0, 2, RINGS + 2 * self.history

    def init_state(self, n_syn: int, n_pre: int, n_post: int, seed: int, stream: int) -> RuleState:
        syn, pre, post = super().init_state(n_syn, n_pre, n_post, seed, stream)
        pre[:, 0] = 0.0
        pre[:, 1] = NO_SPIKE
        post[:, :] = 0.0  # the ring: what filters at theta_minus give (no plasticity from their start)
        post[:, LAST] = NO_SPIKE
        post[:, UM] = post[:, UP] = self.theta_minus  # the filters start at theta_minus
        return syn, pre, post

    def _steps(self, dt):
        n_clamp = V.steps("Clopath2010.t_clamp", self.t_clamp, dt)
        delay = V.steps("Clopath2010.u_delay", self.u_delay, dt)
        if delay < 1:
            raise ValueError(f"Clopath2010.u_delay must be at least one step (dt = {dt:g} s): an arrival at step k "
                             f"reads the filters of step k - D (got {self.u_delay!r})")
        if delay >= self.history:
            raise ValueError(f"Clopath2010.u_delay = {self.u_delay:g} s is {delay} steps of dt = {dt:g} s; the rule "
                             f"keeps {self.history} steps of filtered voltage (history): give a power of two > {delay}")
        return n_clamp, delay

    def pack(self, dt: float) -> np.ndarray:
        n_clamp, delay = self._steps(dt)
        head = np.zeros(N_HEAD)
        head[[A_LTD, C_LTP, TH_M, TH_P]] = [self.a_ltd, self.a_ltp * dt / self.tau_x, self.theta_minus,
                                             self.theta_plus]
        head[A_M] = math.exp(-dt_over_tau(self, "tau_minus", dt))
        head[A_P] = math.exp(-dt_over_tau(self, "tau_plus", dt))
        head[[V_CL, N_CL, DELAY, RING]] = [self.v_clamp, n_clamp, delay, self.history]
        head[[W_MIN, W_MAX, W_SCALE]] = [self.w_min, self.w_max, self.w_scale]
        head[DTX] = dt_over_tau(self, "tau_x", dt)
        tab = decay_table(head[DTX])
        head[TAB0], head[TABN] = N_HEAD, tab.size
        return np.concatenate([head, tab])

    def reference(self, pre_times: ArrayLike, post_times: ArrayLike, w0: float, delay: float = 0.0,
                  dt: float | None = None, seed: int = 0, stream: int = 0, s: int = 0,
                  pre_neuron: NeuronTrace | None = None, post_neuron: NeuronTrace | None = None) -> float:
        """The final weight from the spike lists and the post neuron's voltage trace
        ``post_neuron["v"]`` (its v after the update of each step 0, 1, ..., on the step grid
        ``dt``), written out per step from the module docstring's equations without the
        kernels' rings and tables: the filters by their recursion over the whole trace, ``x̄``
        as an explicit sum over earlier arrivals. Deterministic: ``seed``, ``stream``, ``s`` and
        ``pre_neuron`` are not used."""
        if dt is None or post_neuron is None or "v" not in post_neuron:
            raise ValueError("Clopath2010.reference needs dt and the post neuron's voltage trace "
                             "(post_neuron={'v': array})")
        v = np.asarray(post_neuron["v"], dtype=float)
        n = v.size
        n_clamp, d = self._steps(dt)
        steps, d_steps = cycle_steps(pre_times, delay, dt)
        arrivals = [k + d_steps for k in steps]
        spikes, _ = cycle_steps(post_times, 0.0, dt)
        if any(a >= n for a in arrivals) or any(k >= n for k in spikes):
            raise ValueError("Clopath2010.reference: the voltage trace must cover every arrival and post spike")
        u = v.copy()
        for k in spikes:  # the spike's pulse
            u[k:k + n_clamp] = self.v_clamp
        th_m, th_p = self.theta_minus, self.theta_plus
        filt = {}
        for name, tau in (("minus", self.tau_minus), ("plus", self.tau_plus)):
            a = math.exp(-dt / tau)
            out, prev = np.empty(n), th_m
            for k in range(n):
                prev = a * prev + (1.0 - a) * u[k]
                out[k] = prev
            filt[name] = out

        def late(name, k):  # the filter as read D steps late (theta_minus before the start)
            return filt[name][k - d] if k - d >= 0 else th_m

        by_step: dict[int, int] = {}
        for a in arrivals:
            by_step[a] = by_step.get(a, 0) + 1
        w, lo, hi = float(w0), self.w_min, self.w_max
        seen: list[int] = []
        for k in range(n):
            for _ in range(by_step.get(k, 0)):
                w = min(max(w - self.a_ltd * max(late("minus", k) - th_m, 0.0), lo), hi)
                seen.append(k)
            g = self.a_ltp * dt * max(u[k] - th_p, 0.0) * max(late("plus", k) - th_m, 0.0)
            if g > 0.0 and seen:
                x = sum(math.exp(-(k - q) * dt / self.tau_x) for q in seen) / self.tau_x
                w = min(max(w + x * g, lo), hi)
        return w


@njit(cache=True, inline=INLINE)
def _x(pre, j, t, P):
    """x̄ of pre neuron j at step t, in units of 1/tau_x (exact decay through the table)."""
    return decay_lut(pre[j, 0], pre[j, 1], t, P, int(P[TAB0]), P[TABN], P[DTX])


@njit(cache=True, inline=INLINE)
def syn_pre(t, s, i, j, w, syn, pre, post, P, seed, stream, vpost):
    """LTD at an arrival: the amount post_step computed for this step from ū-_{t-D}."""
    return min(max(w - post[i, LTD], P[W_MIN]), P[W_MAX])


@njit(cache=True, inline=INLINE)
def syn_post(t, s, i, j, w, syn, pre, post, P, seed, stream, vpost):
    """A post spike changes no weight by itself (its pulse acts through post_step)."""
    return w


@njit(cache=True, inline=INLINE)
def pre_spike(t, j, pre, P):
    pre[j, 0] = _x(pre, j, t, P) + 1.0
    pre[j, 1] = t


@njit(cache=True, inline=INLINE)
def post_spike(t, i, post, P, vpost):
    post[i, LAST] = t  # the pulse starts at this step


@njit(cache=True, inline=INLINE)
def post_step(t, i, post, P, vpost):
    """Advance post neuron i's filters to step t; return whether its synapses potentiate now."""
    mask = int(P[RING]) - 1  # a power of two: the slot of step k is k & mask
    d = int(P[DELAY])
    u = P[V_CL] if t - post[i, LAST] < P[N_CL] else vpost[0][i]
    m = P[A_M] * post[i, UM] + (1.0 - P[A_M]) * u
    p = P[A_P] * post[i, UP] + (1.0 - P[A_P]) * u
    post[i, UM] = m
    post[i, UP] = p
    now = RINGS + 2 * (t & mask)
    post[i, now] = P[A_LTD] * max(m - P[TH_M], 0.0)
    post[i, now + 1] = max(p - P[TH_M], 0.0)
    # the next step's arrivals read ū- of step t + 1 - D (written by now: D >= 1)
    post[i, LTD] = post[i, RINGS + 2 * ((t + 1 - d) & mask)]
    g = 0.0
    if u > P[TH_P]:
        g = P[C_LTP] * (u - P[TH_P]) * post[i, RINGS + 2 * ((t - d) & mask) + 1]
    post[i, G] = g
    return g > 0.0


@njit(cache=True, inline=INLINE)
def syn_step(t, s, i, j, w, syn, pre, post, P, seed, stream, vpost):
    """LTP of synapse s over step t: x̄_j(t) times the post neuron's factor (>= 0: only the upper
    bound can be reached)."""
    return min(w + _x(pre, j, t, P) * post[i, G], P[W_MAX])


@njit(cache=True, inline=INLINE)
def transmit(w, P):
    return P[W_SCALE] * w
