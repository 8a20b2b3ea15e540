"""LIF with delta synapses (``hl.LIF(..., synapse="delta")``): an arriving weight jumps v.

Semantics (hebblab/neurons/lif.py): the input delivered in step t is summed in the pending row
``v_in`` and added to v at the start of the update of step t + 1, before that step's leak; a
clamped (refractory) update discards it. All tests but the last use one compiled structure
(spike sources into delta-synapse LIF neurons, spikes and both state rows monitored), in both
backends; the network with recurrence, Poisson drives and two threads is in test_poisson_input.py.
"""

import functools

import numpy as np
import pytest

import hebblab as hl
from hebblab import si
from hebblab.backends import codegen

from helpers import DT

mV, ms = si.mV, si.ms


def delta_net(times, indices, n_src, w, connectivity, delay=0.0, backend="numba", n=None, **lif):
    net = hl.Network(dt=DT, seed=0, backend=backend, dtype=np.float64)
    src = net.add(hl.SpikeSource(n=n_src, times=times, indices=indices))
    pop = net.add(hl.LIF(n=n or n_src, synapse="delta", **lif))
    net.connect(src, pop, w=w, delay=delay, connectivity=connectivity)
    return net, pop, net.monitor(pop), net.monitor(pop, "v"), net.monitor(pop, "v_in")


@pytest.mark.parametrize("backend", ["numba", "reference"])
@pytest.mark.parametrize("delay", [0.0, 1.0 * ms])
def test_one_input_jumps_v_by_w_then_decays_with_tau_m(backend, delay):
    """One spike at t_s through weight w and delay d is delivered in the step of t_s + d; the
    first sample after it, at t_a = t_s + d + dt, holds it in v_in (the update of that step adds
    it to v). So v + v_in = v_rest + w exp(-(t - t_a)/tau_m) from t_a on, v = v_rest up to t_a,
    and v_in = w at t_a only."""
    tau_m, v_rest, w, t_s = 20 * ms, -70 * mV, 2 * mV, 10 * ms
    net, pop, sp, mv, mx = delta_net([t_s], [0], 1, w, "one_to_one", delay, backend, tau_m=tau_m, v_rest=v_rest)
    net.run(60 * ms)
    a = round((t_s + delay) / DT) + 1  # the sample that first shows the input
    v, x, t = mv.values[:, 0], mx.values[:, 0], mv.t
    assert len(sp) == 0
    assert np.all(v[:a + 1] == v_rest) and x[a] == w and np.all(np.delete(x, a) == 0.0)
    eff = v + x
    np.testing.assert_allclose(eff[a:], v_rest + w * np.exp(-(t[a:] - t[a]) / tau_m), rtol=0, atol=1e-14)
    assert eff[a] == v_rest + w and eff[a + 1] < eff[a]


@pytest.mark.parametrize("backend", ["numba", "reference"])
def test_input_during_the_refractory_period_is_discarded(backend):
    """A 30 mV kick fires the neuron at step ts; 1 mV inputs delivered in steps ts and
    ts + n_ref - 1 are dropped by the clamped updates, the one delivered in ts + n_ref is kept.
    The voltage trace equals that of the same run without the dropped inputs, bit for bit."""
    t_ref, n_ref, v_rest, v_reset, w = 2 * ms, 20, -70 * mV, -65 * mV, 1 * mV
    a = 100  # the kick is delivered in step a and fires the neuron in step a + 1
    ts = a + 1
    runs = []
    for extra in ([ts, ts + n_ref - 1, ts + n_ref], [ts + n_ref]):
        times = np.array([a] + extra) * DT
        net, pop, sp, mv, mx = delta_net(times, [0] + [1] * len(extra), 2, [30 * mV, w], ([0, 1], [0, 0]),
                                         backend=backend, n=1, tau_m=20 * ms, v_rest=v_rest, v_reset=v_reset,
                                         v_thresh=-50 * mV, t_ref=t_ref)
        net.run(40 * ms)
        runs.append((sp.steps.copy(), mv.values[:, 0].copy(), mx.values[:, 0].copy()))
    (steps, v, x), (steps_kept, v_kept, _) = runs
    assert steps.tolist() == [ts] == steps_kept.tolist()
    # samples ts+1 .. ts+n_ref+1 are the states after the spike step's update and the n_ref clamped ones
    assert np.all(v[ts + 1:ts + n_ref + 2] == v_reset)
    assert x[ts + 1] == w and x[ts + n_ref] == w  # pending, then dropped by the clamped update
    pm = np.exp(-DT / (20 * ms))
    assert v[ts + n_ref + 2] == v_rest + (v_reset + w - v_rest) * pm  # the kept input, added before the leak
    np.testing.assert_array_equal(v, v_kept)


def test_delta_lif_state_rows_input_mode_and_injection():
    delta, cur = hl.LIF(n=2, synapse="delta"), hl.LIF(n=2)
    assert delta.float_vars == ("v", "v_in", "i_ext") and cur.float_vars == ("v", "g_e", "g_i", "i_ext")
    assert (delta.input_mode, delta.input_rows, delta.current_row) == ("signed", (1, 1), 2)
    assert (cur.input_mode, cur.input_rows, cur.current_row) == ("split", (1, 2), 3)
    assert delta.state_bytes(np.float32) < cur.state_bytes(np.float32)
    net = hl.Network(dt=DT, backend="reference", dtype=np.float64)
    pop = net.add(delta)
    with pytest.raises(AttributeError):
        pop.g_e
    with pytest.raises(ValueError, match=r"'g_e' is not a state variable of LIF \(allowed: v, v_in, i_ext\)"):
        net.monitor(pop, "g_e")
    net.inject(pop, [0.0], [1], [5 * mV])  # kind="current": i_ext
    net.run(0.5)
    assert pop.i_ext[1] == 5 * mV and pop.v[0] == pop.model.v_rest
    np.testing.assert_allclose(pop.v[1], pop.model.v_rest + 5 * mV, rtol=1e-9)
    with pytest.raises(ValueError, match=r"LIF.synapse must be one of 'current', 'conductance', 'delta'"):
        hl.LIF(synapse="Delta")


def test_delta_synapses_are_part_of_the_kernel_structure():
    keys = []
    for synapse in ("current", "delta"):
        net = hl.Network(dt=DT)
        src = net.add(hl.SpikeSource(n=1, times=[0.001], indices=[0]))
        pop = net.add(hl.LIF(n=1, synapse=synapse))
        net.connect(src, pop, w=1 * mV)
        keys.append(codegen.structure_key(net))
        src_code = codegen.generate(net)
        assert ("S1[1, i] += x" in src_code) and (("S1[2, i] -= x" in src_code) == (synapse == "current"))
    assert keys[0] != keys[1]


# ---- Brian2 on identical input spike trains --------------------------------------------------------

N_B2, STEPS_B2, DELAY_B2 = 4, 10000, 1.5 * ms
W_B2 = np.array([0.9, 1.0, 1.1, 1.3]) * mV


def input_trains(seed=11, p=0.1):
    rng = np.random.default_rng(seed)
    hit = rng.random((STEPS_B2, N_B2)) < p
    steps, idx = np.nonzero(hit)
    return steps, idx


@functools.lru_cache(maxsize=None)
def brian2_delta(v_rest, v_reset, v_thresh, tau_m, t_ref):
    """Brian2's delta-synapse LIF on :func:`input_trains`: ``on_pre="v_post += w"`` onto
    ``(unless refractory)`` v (numpy target, exact integration). Returns its spike steps and
    indices and v at the end of every step."""
    b2 = pytest.importorskip("brian2")
    steps, idx = input_trains()
    b2.start_scope()
    b2.prefs.codegen.target = "numpy"
    b2.defaultclock.dt = DT * b2.second
    G = b2.SpikeGeneratorGroup(N_B2, idx, steps * DT * b2.second)
    P = b2.NeuronGroup(N_B2, "dv/dt = (v_rest - v) / tau_m : volt (unless refractory)", threshold="v > v_thresh",
                       reset="v = v_reset", refractory=t_ref * b2.second, method="exact",
                       namespace=dict(v_rest=v_rest * b2.volt, v_reset=v_reset * b2.volt, v_thresh=v_thresh * b2.volt,
                                      tau_m=tau_m * b2.second))
    P.v = v_rest * b2.volt
    S = b2.Synapses(G, P, "w : volt", on_pre="v_post += w")
    S.connect(j="i")
    S.w = W_B2 * b2.volt
    S.delay = DELAY_B2 * b2.second
    spikes = b2.SpikeMonitor(P)
    v_end = b2.StateMonitor(P, "v", record=True, when="end")
    b2.run(STEPS_B2 * DT * b2.second, namespace={})
    return np.rint(np.asarray(spikes.t_) / DT).astype(np.int64), np.asarray(spikes.i[:]), np.asarray(v_end.v_).T


def hebblab_delta(steps, idx, backend, **lif):
    net, pop, sp, mv, mx = delta_net(steps * DT, idx, N_B2, W_B2, "one_to_one", DELAY_B2, backend, **lif)
    net.run(STEPS_B2 * DT)
    n_ref = int(round(lif["t_ref"] / DT))
    # v at the end of step t in Brian2's terms: after the update of step t (our sample t + 1) plus the
    # input delivered in step t unless a clamped update will drop it (delivered in the spike step
    # and the n_ref - 1 steps after it)
    v_after = np.vstack([mv.values[1:], pop.v[None]])
    x_after = np.vstack([mx.values[1:], pop.v_in[None]])
    dropped = np.zeros_like(x_after, dtype=bool)
    for s, i in zip(sp.steps, sp.i):
        dropped[s:s + n_ref, i] = True
    return sp.steps, sp.i, v_after + np.where(dropped, 0.0, x_after)


@pytest.mark.peers
@pytest.mark.parametrize("backend", ["numba", "reference"])
@pytest.mark.parametrize("v_rest, v_thresh, v_tol", [(0.0, 20 * mV, 0.0), (-70 * mV, -50 * mV, 1e-15)])
def test_same_spikes_and_voltages_as_brian2(backend, v_rest, v_thresh, v_tol):
    """Brunel-style neurons (v_reset = v_rest, tau_m 20 ms, t_ref 2 ms, delay 1.5 ms) on Bernoulli
    inputs at 1 kHz per neuron, one input per neuron and step: the same spike steps as Brian2,
    including the inputs discarded in refractory periods (with v_reset == v_rest the refractory
    conventions agree, lif.py). With v_rest = 0 the voltages are Brian2's bit for bit; with
    v_rest = -70 mV Brian2's exact integrator arranges v_rest + (v - v_rest) e^{-dt/tau} differently
    (a few ulp of 70 mV)."""
    lif = dict(v_rest=v_rest, v_reset=v_rest, v_thresh=v_thresh, tau_m=20 * ms, t_ref=2 * ms)
    steps, idx = input_trains()
    ours = hebblab_delta(steps, idx, backend, **lif)
    theirs = brian2_delta(**lif)
    assert len(ours[0]) > 40 and len(set(ours[1].tolist())) == N_B2  # every neuron fired, repeatedly
    np.testing.assert_array_equal(ours[0], theirs[0])
    np.testing.assert_array_equal(ours[1], theirs[1])
    if v_tol == 0.0:
        np.testing.assert_array_equal(ours[2], theirs[2])
    else:
        np.testing.assert_allclose(ours[2], theirs[2], rtol=0, atol=v_tol)
