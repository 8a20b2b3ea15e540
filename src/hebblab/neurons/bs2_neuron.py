r"""Brain Simulator II neurons: one population whose neurons each carry their own BS2 model.

Brain Simulator II (Charles J. Simon, FutureAIGuru/BrainSimII, release 1.8) keeps every neuron of
its grid in one array and gives each neuron a model (``Neuron.modelType``: IF, Color, FloatValue,
LIF, Random, Burst, Always), a ``LeakRate`` and an ``AxonDelay``; the meaning of the last two
depends on the model. This population does the same, so an imported network is one population and
its grid ids map to indices one to one. Semantics follow the engine's documented cycle
(NeuronEngine/NeuronBase.cpp, ``Fire1``/``Fire2``; re-expressed here, not copied):

One step is one cycle ``t``. Synaptic input delivered in cycle t (``Fire2``) is added to the
charge after this update, so it is seen in cycle t + 1. Threshold ``theta = 1``. Per neuron, in order:

1. *disabled*: ``LeakRate == -1`` and charge 0: nothing happens.
2. Color and FloatValue hold a value: never spike, never reset, never clamped (FloatValue adds
   its input, as the engine does; Color neurons are pixels written by modules).
3. Always (``LeakRate >= 0``): a counter ``nf`` counts down; at ``nf <= 0`` the charge gets
   ``+theta``; after firing ``nf = AxonDelay``. Fires at the first cycle, then every
   ``AxonDelay`` cycles.
4. Random (``LeakRate >= 0``): as Always, but after firing ``nf = max(1, int(N(AxonDelay,
   LeakRate)))`` (LeakRate is the standard deviation); it also integrates input.
5. Burst: a negative charge cancels a burst in progress. While a burst is in progress (``ac > 0``
   spikes left) ``nf`` counts down and at ``nf <= 0`` the charge gets ``+theta`` (``ac -= 1``,
   ``nf = int(LeakRate)``). Crossing threshold while idle starts a burst: AxonDelay spikes in all,
   ``max(1, int(LeakRate))`` cycles apart.
6. Refractory: ``t < last_fired + R`` (R the engine-wide ``RefractoryDelay``): charge = 0, so input
   arriving during the refractory cycles is discarded.
7. Negative charge is clamped to 0.
8. LIF with AxonDelay ``d > 0``: crossing threshold resets the charge and schedules the spike
   ``d`` cycles later (a shift register ``ac``; several crossings may be in flight).
9. ``charge >= theta``: spike, charge = 0, ``last_fired = t``. Otherwise LIF leaks:
   ``charge *= 1 - LeakRate``. IF never leaks (a perfect integrator).

Differences from BS2 1.8's engine, on purpose: its Fire2 also delivers an LIF neuron's synapses
in the cycle it crosses threshold when AxonDelay > 0 (so the spike arrives twice); here it
arrives once, d cycles later, as documented. A Color neuron whose value is 0 delivers its
synapses every cycle there; here Color neurons never spike. Plasticity timing uses the
emitted spike, where BS2 uses ``last_fired`` (the threshold crossing) for delayed LIF neurons.

Random draws come from hebblab.rng with key (seed, stream, neuron, cycle), so both backends and
split runs draw the same numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np
from numba import njit

from .. import _validate as V
from ..rng import normal, normal_nb
from .base import Model, ModelState

#: Brain Simulator II's ``Neuron.modelType`` names, in its enum order (the codes used here).
KINDS = ("IF", "Color", "FloatValue", "LIF", "Random", "Burst", "Always")
IF_, COLOR, FLOATV, LIF_, RANDOM, BURST, ALWAYS = range(7)
#: The LIF axon delay is a 64-bit shift register.
MAX_LIF_DELAY = 62

CHARGE, LEAK = 0, 1
KIND, DELAY, NEXT, AXON, LAST = 0, 1, 2, 3, 4
NEVER = -(1 << 40)


@dataclass(frozen=True)
class BS2Neuron(Model):
    """A Brain Simulator II neuron array (see module docstring).

    ``kinds`` (codes into :data:`KINDS`), ``leak`` (LeakRate), ``axon_delay`` (AxonDelay, cycles)
    and ``charge`` (initial charge, BS2's LastCharge) are per neuron; ``refractory`` is the
    engine-wide RefractoryDelay in cycles.
    """

    n: int = 1
    kinds: tuple = ()
    leak: tuple = ()
    axon_delay: tuple = ()
    charge: tuple = ()
    refractory: int = 0
    threshold: float = 1.0

    float_vars: ClassVar[tuple[str, ...]] = ("charge", "leak")
    int_vars: ClassVar[tuple[str, ...]] = ("kind", "axon_delay", "next_firing", "axon_counter", "last_fired")
    input_mode: ClassVar[str | None] = "signed"
    input_rows: ClassVar[tuple[int, int]] = (CHARGE, CHARGE)
    kick_row: ClassVar[int] = CHARGE
    current_row: ClassVar[int] = -1
    kernel_module: ClassVar[str] = "hebblab.neurons.bs2_neuron"

    def __post_init__(self):
        n = V.positive_int("n", self.n)
        V.non_negative_int("refractory", self.refractory)
        V.positive("threshold", self.threshold)
        for name in ("kinds", "leak", "axon_delay", "charge"):
            if len(getattr(self, name)) != n:
                raise ValueError(f"{name} must have one entry per neuron ({n}; got {len(getattr(self, name))})")
        kinds = np.asarray(self.kinds, dtype=np.int64)
        if kinds.size and (kinds.min() < 0 or kinds.max() >= len(KINDS)):
            raise ValueError(f"kinds must be codes in [0, {len(KINDS) - 1}] ({', '.join(KINDS)})")
        delay = np.asarray(self.axon_delay, dtype=np.int64)
        if delay.size and delay.min() < 0:
            raise ValueError(f"axon_delay must be >= 0 (got {int(delay.min())})")
        lif_delay = delay[kinds == LIF_]
        if lif_delay.size and lif_delay.max() > MAX_LIF_DELAY:
            raise ValueError(f"axon_delay of an LIF neuron must be in [0, {MAX_LIF_DELAY}] (got {int(lif_delay.max())})")
        for name in ("leak", "charge"):
            if not np.all(np.isfinite(np.asarray(getattr(self, name), dtype=float))):
                raise ValueError(f"{name} must be finite")

    def init_state(self, dt: float, seed: int, stream: int) -> ModelState:
        S = np.zeros((2, self.n))
        S[CHARGE] = self.charge
        S[LEAK] = self.leak
        I = np.zeros((5, self.n), np.int64)
        I[KIND] = self.kinds
        I[DELAY] = self.axon_delay
        I[LAST] = NEVER
        return S, I, np.zeros((1, 0), np.int64), np.array([seed, stream], np.int64)

    def pack(self, dt: float) -> np.ndarray:
        return np.array([self.threshold, float(self.refractory)])


@njit(cache=True)
def update(t, S, I, E, C, P, spk):
    return update_range(t, S, I, E, C, P, spk, 0, S.shape[1])


@njit(cache=True)
def update_range(t, S, I, E, C, P, spk, lo, hi):
    """:func:`update` for neurons ``lo..hi-1``; their spikes go to ``spk[lo:lo + count]``
    (neurons are independent and random keys are per neuron, so ranges may run in parallel)."""
    thr, n_ref = P[0], int(P[1])
    c, leak = S[CHARGE], S[LEAK]
    kind, delay, nf, ac, last = I[KIND], I[DELAY], I[NEXT], I[AXON], I[LAST]
    count = 0
    for k in range(lo, hi):
        m = kind[k]
        lk = leak[k]
        if lk == -1.0 and c[k] == 0.0:
            continue
        if m == COLOR:
            continue
        if m == ALWAYS or m == RANDOM:
            if lk >= 0.0:
                nf[k] -= 1
                if nf[k] <= 0:
                    c[k] += thr
        elif m == BURST:
            if c[k] < 0.0:
                ac[k] = 0
            if ac[k] > 0:
                nf[k] -= 1
                if nf[k] <= 0:
                    ac[k] -= 1
                    c[k] += thr
                    if ac[k] > 0:
                        nf[k] = int(lk)
            elif ac[k] == 0:
                ac[k] = -1
        if m == FLOATV:
            continue
        if t < last[k] + n_ref:
            c[k] = 0.0
        if c[k] < 0.0:
            c[k] = 0.0
        if m == LIF_ and ac[k] != 0:
            ac[k] = ac[k] >> 1
            if ac[k] & 1:
                spk[lo + count] = k
                count += 1
                continue
        if c[k] >= thr:
            if m == LIF_ and delay[k] != 0:
                ac[k] = ac[k] | (1 << delay[k])
                last[k] = t
                c[k] = 0.0
                continue
            if m == BURST and ac[k] < 0:
                nf[k] = max(int(lk), 1)
                ac[k] = delay[k] - 1
            elif m == ALWAYS:
                nf[k] = delay[k]
            elif m == RANDOM:
                x = delay[k] + lk * normal_nb(C[0], C[1], k, t)
                nf[k] = int(max(x, 1.0))
            c[k] = 0.0
            last[k] = t
            spk[lo + count] = k
            count += 1
        elif m == LIF_:
            c[k] = c[k] * (1.0 - lk)
    return count


def _ref_timer(state, k, t, P):
    """Always / Random: count down, charge up at zero (LeakRate < 0 stops the timer)."""
    if state["leak"][k] >= 0:
        state["nf"][k] -= 1
        if state["nf"][k] <= 0:
            state["c"][k] += P[0]


def _ref_burst(state, k, t, P):
    c, ac, nf = state["c"], state["ac"], state["nf"]
    if c[k] < 0:
        ac[k] = 0
    if ac[k] > 0:
        nf[k] -= 1
        if nf[k] <= 0:
            ac[k] -= 1
            c[k] += P[0]
            if ac[k] > 0:
                nf[k] = int(state["leak"][k])
    elif ac[k] == 0:
        ac[k] = -1


_REF_BEFORE = {ALWAYS: _ref_timer, RANDOM: _ref_timer, BURST: _ref_burst}


def reference_update(t, S, I, E, C, P):
    """The same cycle written per neuron with a table of per-model steps (the reference backend)."""
    state = {"c": S[CHARGE], "leak": S[LEAK], "nf": I[NEXT], "ac": I[AXON]}
    fired = []
    thr, n_ref = P[0], int(P[1])
    for k in range(S.shape[1]):
        m, c = int(I[KIND, k]), state["c"]
        if (state["leak"][k] == -1.0 and c[k] == 0.0) or m == COLOR:
            continue
        if m in _REF_BEFORE:
            _REF_BEFORE[m](state, k, t, P)
        if m == FLOATV:
            continue
        refractory = t - I[LAST, k] < n_ref
        c[k] = 0.0 if refractory or c[k] < 0.0 else c[k]
        if m == LIF_ and I[AXON, k] != 0:
            I[AXON, k] //= 2
            if I[AXON, k] % 2 == 1:
                fired.append(k)
                continue
        if c[k] < thr:
            if m == LIF_:
                c[k] *= 1.0 - state["leak"][k]
            continue
        c[k] = 0.0
        I[LAST, k] = t
        if m == LIF_ and I[DELAY, k] > 0:
            I[AXON, k] += 0 if (I[AXON, k] >> int(I[DELAY, k])) & 1 else 1 << int(I[DELAY, k])
            continue
        if m == BURST and I[AXON, k] < 0:
            I[NEXT, k] = max(int(state["leak"][k]), 1)
            I[AXON, k] = I[DELAY, k] - 1
        elif m == ALWAYS:
            I[NEXT, k] = I[DELAY, k]
        elif m == RANDOM:
            x = I[DELAY, k] + state["leak"][k] * float(normal(int(C[0]), int(C[1]), np.array([k]), np.array([t]))[0])
            I[NEXT, k] = int(max(x, 1.0))
        fired.append(k)
    return np.asarray(fired, dtype=np.int64)
