"""Classic networks built from the public API, shared by experiments, benchmarks and tests.

``song_abbott``: Song, Miller & Abbott 2000 (Nat. Neurosci. 3:919): 1000 Poisson inputs at 15 Hz
drive one conductance-based LIF neuron through STDP synapses. Parameters as in Brian2's
``examples/synapses/STDP.py`` so results compare: taum 10 ms, El -74 mV, Ee 0 mV, vt -54 mV,
vr -60 mV, taue 5 ms; taupre = taupost = 20 ms, gmax 0.01, dApre = 0.01 gmax,
dApost = -1.05 dApre; initial w uniform in [0, gmax].
"""

from __future__ import annotations

from .distributions import Uniform
from .network import Network
from .neurons import LIF, PoissonSource
from .plasticity import PairSTDP
from .units import Hz, mV, ms

GMAX = 0.01


def build_network(n_inputs: int = 1000, rate: float = 15 * Hz, mu: float = 0.0, dt: float = 0.1 * ms,
                  seed: int = 1, backend: str = "numba"):
    """Return ``(net, inputs, neuron, synapses)`` of the Song-Abbott network."""
    net = Network(dt=dt, seed=seed, backend=backend)
    inputs = net.add(PoissonSource(n=n_inputs, rate=rate))
    neuron = net.add(LIF(n=1, tau_m=10 * ms, v_rest=-74 * mV, v_thresh=-54 * mV, v_reset=-60 * mV,
                         t_ref=0.0, synapse="conductance", tau_e=5 * ms, e_e=0 * mV))
    d_pre = 0.01 * GMAX
    rule = PairSTDP(a_plus=d_pre, a_minus=1.05 * d_pre, tau_plus=20 * ms, tau_minus=20 * ms,
                    w_max=GMAX, mu=mu, pairing="all-to-all")
    if mu > 0:
        # Multiplicative rule: dw = a (w_max - w)^mu x with w in [0, w_max]; keep the same
        # per-pairing step at the middle of the range.
        rule = PairSTDP(a_plus=d_pre / (GMAX / 2) ** mu, a_minus=1.05 * d_pre / (GMAX / 2) ** mu,
                        tau_plus=20 * ms, tau_minus=20 * ms, w_max=GMAX, mu=mu)
    syn = net.connect(inputs, neuron, rule=rule, w=Uniform(0.0, GMAX))
    return net, inputs, neuron, syn


