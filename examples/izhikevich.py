"""An Izhikevich (2003) neuron (docs/extending.md, "A neuron model"): kept identical to the guide's
code by tests/test_examples.py. Used by custom_neuron.py."""

from dataclasses import dataclass
from typing import ClassVar

import numpy as np
from numba import njit

from hebblab.neurons.base import Model

V, U, ISYN = 0, 1, 2          # rows of the float state


@dataclass(frozen=True)
class Izhikevich(Model):
    n: int = 1
    a: float = 0.02
    b: float = 0.2
    c: float = -65.0
    d: float = 8.0
    tau_s: float = 5e-3       # seconds

    float_vars: ClassVar[tuple] = ("v", "u", "i_syn")   # pop.v, pop.u, pop.i_syn
    int_vars: ClassVar[tuple] = ()
    input_mode: ClassVar = "signed"                     # a spike adds the signed weight ...
    input_rows: ClassVar = (ISYN, ISYN)                 # ... to this row
    kernel_module: ClassVar[str] = "izhikevich"
    # tau_s in seconds; a, b, c, d are plain numbers in the model's own mV and ms ("1": no unit)
    param_units: ClassVar[dict] = {"tau_s": "second", "a": "1", "b": "1", "c": "1", "d": "1"}

    def init_state(self, dt, seed, stream):
        S = np.zeros((3, self.n))
        S[V], S[U] = -65.0, self.b * -65.0
        return S, np.zeros((0, self.n), np.int64), np.zeros((1, 0), np.int64), np.zeros(1, np.int64)

    def pack(self, dt):
        return np.array([self.a, self.b, self.c, self.d, dt * 1e3, np.exp(-dt / self.tau_s)])


@njit
def update(t, S, I, E, C, P, spk):
    """Advance every neuron from t to t + dt; write the indices that fired, ascending, into spk."""
    count = 0
    for k in range(S.shape[1]):
        v, u = S[V, k], S[U, k]
        dv = 0.04 * v * v + 5.0 * v + 140.0 - u + S[ISYN, k]
        du = P[0] * (P[1] * v - u)
        v += P[4] * dv
        u += P[4] * du
        if v >= 30.0:
            v, u = P[2], u + P[3]
            spk[count] = k
            count += 1
        S[V, k], S[U, k] = v, u
        S[ISYN, k] *= P[5]
    return count


def reference_update(t, S, I, E, C, P):
    """The same step in numpy, written independently: the reference backend runs this."""
    v, u = S[V].copy(), S[U].copy()
    dv = 0.04 * v * v + 5.0 * v + 140.0 - u + S[ISYN]
    du = P[0] * (P[1] * v - u)
    v, u = v + P[4] * dv, u + P[4] * du
    fire = v >= 30.0
    S[V], S[U] = np.where(fire, P[2], v), np.where(fire, u + P[3], u)
    S[ISYN] *= P[5]
    return np.flatnonzero(fire)
