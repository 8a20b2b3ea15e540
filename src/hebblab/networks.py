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
from .si import Hz, mV, ms
from .units import takes_units

GMAX = 0.01


@takes_units(rate="hertz", dt="second")
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




# ---- recurrent benchmark network -----------------------------------------------------------------

#: Parameters shared with the Brian2 and NEST versions in benchmarks/recurrent.py.
RECURRENT = dict(tau_m=20 * ms, v_rest=-70 * mV, v_thresh=-50 * mV, v_reset=-60 * mV, t_ref=2 * ms, tau_e=5 * ms,
                 rate_ext=1000.0, w_ext=3.5 * mV, w_rec_total=20 * mV, delay=1.5 * ms)


@takes_units(dt="second")
def recurrent_network(n: int = 10_000, k: int = 100, stdp: bool = True, dt: float = 0.1 * ms, seed: int = 1,
                      dtype=None, index: str = "compact"):
    """Return ``(net, neurons, recurrent projection)``: n current-based LIF neurons, each driven by
    its own Poisson input (``rate_ext``, ``w_ext``) and k random recurrent excitatory synapses
    (connection probability k/n, no autapses, weight ``w_rec_total / k``, 1.5 ms delay), plastic
    (additive all-to-all STDP, w_max twice the initial weight) or static.
    """
    from .connectivity import FixedProbability
    p = RECURRENT
    kw = {} if dtype is None else {"dtype": dtype}
    net = Network(dt=dt, seed=seed, index=index, **kw)
    neurons = net.add(LIF(n=n, tau_m=p["tau_m"], v_rest=p["v_rest"], v_thresh=p["v_thresh"], v_reset=p["v_reset"],
                          t_ref=p["t_ref"], tau_e=p["tau_e"], tau_i=p["tau_e"]))
    ext = net.add(PoissonSource(n=n, rate=p["rate_ext"]))
    net.connect(ext, neurons, w=p["w_ext"], connectivity="one_to_one")
    w0 = p["w_rec_total"] / k
    rule = PairSTDP(a_plus=0.01 * 2 * w0, a_minus=0.0105 * 2 * w0, tau_plus=20 * ms, tau_minus=20 * ms, w_max=2 * w0) if stdp else None
    rec = net.connect(neurons, neurons, rule=rule, w=w0, delay=p["delay"],
                      connectivity=FixedProbability(k / n, allow_self=False))
    return net, neurons, rec


#: Brunel (2000) with E->E STDP as Zenke & Gerstner 2014 (Auryn's sim_brunel2k_pl) and the
#: SNNSimulatorComparison benchmark use it (benchmarks/brunel_stdp.py runs it in Brian2 too).
BRUNEL = dict(n_e=8000, n_i=2000, p=0.1, tau_m=20 * ms, v_thresh=20 * mV, t_ref=2 * ms, delay=1.5 * ms,
              n_in=1000, rate_in=20.0, w_in=0.1 * mV, w_ee=0.1 * mV, w_ei=0.1 * mV, w_ie=-0.5 * mV, w_ii=-0.5 * mV,
              w_max=0.3 * mV, lam=0.01, alpha=2.02, tau_stdp=20 * ms)


@takes_units(dt="second")
def brunel_stdp_network(plastic: bool = True, seed: int = 1, threads: int | None = None, dt: float = 0.1 * ms):
    """``(net, exc, inh, ee)``: 8,000 excitatory + 2,000 inhibitory LIF neurons with delta synapses
    (tau_m 20 ms, rest and reset 0, threshold 20 mV, refractory 2 ms), each driven by a binomial
    Poisson input of 1,000 sources at 20 Hz, 0.1 mV; all four pathways Bernoulli p = 0.1 (no
    self-connections), delay 1.5 ms; E->E 0.1 mV, E->I 0.1 mV, I->E and I->I -0.5 mV. E->E plastic
    (``plastic``): all-to-all pair STDP with multiplicative bounds, on pre ``w -= lambda alpha w
    A_post``, on post ``w += lambda (w_max - w) A_pre`` (tau 20 ms, w_max 0.3 mV, lambda 0.01,
    alpha 2.02): ``PairSTDP(a_plus=lambda, a_minus=lambda alpha, mu=1)``."""
    from .connectivity import FixedProbability
    b = BRUNEL
    net = Network(dt=dt, seed=seed, threads=threads)
    lif = dict(synapse="delta", tau_m=b["tau_m"], v_rest=0.0, v_reset=0.0, v_thresh=b["v_thresh"], t_ref=b["t_ref"])
    exc, inh = net.add(LIF(n=b["n_e"], **lif)), net.add(LIF(n=b["n_i"], **lif))
    for pop in (exc, inh):
        net.poisson_input(pop, n=b["n_in"], rate=b["rate_in"], weight=b["w_in"], target="v_in")
    rule = PairSTDP(a_plus=b["lam"], a_minus=b["lam"] * b["alpha"], tau_plus=b["tau_stdp"], tau_minus=b["tau_stdp"],
                    w_max=b["w_max"], mu=1.0) if plastic else None
    ee = net.connect(exc, exc, rule=rule, w=b["w_ee"], delay=b["delay"],
                     connectivity=FixedProbability(b["p"], allow_self=False))
    net.connect(exc, inh, w=b["w_ei"], delay=b["delay"], connectivity=FixedProbability(b["p"]))
    net.connect(inh, exc, w=b["w_ie"], delay=b["delay"], connectivity=FixedProbability(b["p"]))
    net.connect(inh, inh, w=b["w_ii"], delay=b["delay"], connectivity=FixedProbability(b["p"], allow_self=False))
    return net, exc, inh, ee
