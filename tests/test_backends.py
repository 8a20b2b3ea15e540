"""The compiled backend equals the reference backend, and the engine's general properties."""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import hebblab as hl
from hebblab import si
from hebblab.plasticity import BinaryBurst, PairSTDP, Scatter, TripletSTDP, TwoStateStochastic

from helpers import DT, drive


@pytest.fixture(autouse=True)
def _allow_more_threads_than_cores(monkeypatch):
    """Results must not depend on the thread count, checked up to 3 threads on any machine: more
    threads than cores are refused unless allowed."""
    monkeypatch.setenv("HEBBLAB_ALLOW_OVERSUBSCRIBE", "1")

SETTINGS = settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def mixed_network(backend, seed=5, duration=0.2, dtype=np.float64, threads=1):
    """A small network that exercises every model (LIF with each synapse kind), rule, delay and
    monitor kind, and Poisson drives."""
    net = hl.Network(dt=DT, seed=seed, backend=backend, dtype=dtype, threads=threads)
    poisson = net.add(hl.PoissonSource(n=40, rate=np.linspace(5, 80, 40)))
    explicit = net.add(hl.SpikeSource(n=3, times=[0.01, 0.02, 0.05, 0.051, 0.15], indices=[0, 1, 2, 0, 1]))
    cond = net.add(hl.LIF(n=5, synapse="conductance", tau_m=10 * si.ms, v_rest=-70 * si.mV, t_ref=1 * si.ms))
    curr = net.add(hl.LIF(n=4, tau_m=15 * si.ms, tau_e=3 * si.ms, v_thresh=-55 * si.mV))
    ifn = net.add(hl.IF(n=3, leak=0.1, refractory=2))
    dlt = net.add(hl.LIF(n=4, synapse="delta", v_rest=0.0, v_reset=5 * si.mV, v_thresh=20 * si.mV, t_ref=1 * si.ms))
    noisy = PairSTDP(a_plus=0.02, a_minus=0.021, w_max=0.2, noise=(Scatter("pairing", 0.5, 0.5), Scatter("synapse", 0.3, 0.3)))
    p1 = net.connect(poisson, cond, rule=noisy, w=hl.Uniform(0.0, 0.2))
    p2 = net.connect(poisson, curr, rule=TripletSTDP(a3_plus=0.01, a2_minus=0.01, w_max=20 * si.mV),
                     w=hl.Uniform(0, 20 * si.mV), delay=1.5 * si.ms, connectivity=hl.FixedProbability(0.5))
    p3 = net.connect(explicit, curr, w=-5 * si.mV, delay=0.3 * si.ms)
    p4 = net.connect(cond, curr, rule=PairSTDP(a_plus=0.5 * si.mV, a_minus=0.5 * si.mV, w_max=10 * si.mV, mu=1.0,
                                               pairing="nearest-pre-centred"), w=5 * si.mV)
    p5 = net.connect(poisson, ifn, rule=BinaryBurst(), w=hl.Uniform(0, 0.4), connectivity=hl.FixedProbability(0.3))
    p6 = net.connect(curr, cond, rule=TwoStateStochastic(q=0.5), w=0.0, connectivity=(np.array([0, 1, 3]), np.array([4, 2, 0])))
    p7 = net.connect(ifn, ifn, rule=hl.rules.BS2Hebbian3(), w=0.5, connectivity=hl.FixedProbability(1.0, allow_self=False))
    net.connect(poisson, dlt, w=hl.Uniform(-1 * si.mV, 2 * si.mV), delay=1 * si.ms)
    net.poisson_input(dlt, n=1000, rate=10.0, weight=0.2 * si.mV, target="v_in")
    net.poisson_input(curr, n=300, rate=40.0, weight=1 * si.mV, target="g_e")
    net.poisson_input(ifn, n=20, rate=80.0, weight=0.05, target="charge")
    net.inject(curr, [0.05, 0.1], [1, 2], [20 * si.mV, 30 * si.mV])
    net.inject(ifn, [0.03], [1], [2.0], kind="voltage")
    mons = [net.monitor(p) for p in (poisson, cond, curr, ifn, dlt)]
    states = [net.monitor(cond, "v", every=0.5 * si.ms), net.monitor(p2, "w", every=2 * si.ms),
              net.monitor(ifn, "charge", every=DT, indices=[0, 2])]
    net.run(duration / 2)
    net.run(duration / 2)
    weights = [p.w.copy() for p in (p1, p2, p3, p4, p5, p6, p7)]
    return weights, [(m.steps, m.i) for m in mons], [(m.t, m.values) for m in states]


def test_numba_backend_equals_reference_backend():
    w_nb, sp_nb, st_nb = mixed_network("numba")
    w_ref, sp_ref, st_ref = mixed_network("reference")
    for a, b in zip(sp_nb, sp_ref):
        np.testing.assert_array_equal(a[0], b[0])
        np.testing.assert_array_equal(a[1], b[1])
    assert sum(len(s[0]) for s in sp_nb[1:]) > 20  # the neurons did fire
    for a, b in zip(w_nb, w_ref):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-15)
    for a, b in zip(st_nb, st_ref):
        np.testing.assert_array_equal(a[0], b[0])
        np.testing.assert_allclose(a[1], b[1], rtol=1e-12, atol=1e-15)


def test_float32_weights_run_and_agree_roughly():
    w64, _, _ = mixed_network("numba", duration=0.1)
    w32, _, _ = mixed_network("numba", duration=0.1, dtype=np.float32)
    assert w32[0].dtype == np.float32
    np.testing.assert_allclose(w32[2], w64[2], rtol=1e-6)


def song_like(seed, backend="numba"):
    net = hl.Network(dt=DT, seed=seed, backend=backend)
    inp = net.add(hl.PoissonSource(n=50, rate=20.0))
    out = net.add(hl.LIF(n=2, synapse="conductance", tau_m=10 * si.ms, v_rest=-74 * si.mV, v_thresh=-54 * si.mV,
                         v_reset=-60 * si.mV, t_ref=0.0))
    syn = net.connect(inp, out, rule=PairSTDP(a_plus=0.005, a_minus=0.00525, w_max=0.05), w=hl.Uniform(0, 0.05))
    return net, syn, net.monitor(out)


@SETTINGS
@given(split=st.floats(0.0, 1.0), seed=st.integers(0, 2**31))
def test_run_a_then_b_equals_run_a_plus_b(split, seed):
    net1, syn1, sp1 = song_like(seed)
    net1.run(1.0)
    net2, syn2, sp2 = song_like(seed)
    a = round(split * 1.0 / DT) * DT
    net2.run(a)
    net2.run(1.0 - a)
    assert net1.step == net2.step
    np.testing.assert_array_equal(syn1.w, syn2.w)
    np.testing.assert_array_equal(sp1.steps, sp2.steps)


@SETTINGS
@given(seed=st.integers(0, 2**31))
def test_same_seed_identical_other_seed_different(seed):
    runs = []
    for s in (seed, seed, seed + 1):
        net, syn, sp = song_like(s)
        net.run(0.5)
        runs.append((syn.w.copy(), sp.steps))
    np.testing.assert_array_equal(runs[0][0], runs[1][0])
    np.testing.assert_array_equal(runs[0][1], runs[1][1])
    assert not np.array_equal(runs[0][0], runs[2][0])


rule_strategy = st.one_of(
    st.builds(lambda ap, am, mu, pairing: PairSTDP(a_plus=ap, a_minus=am, mu=mu, pairing=pairing),
              st.floats(0, 0.8), st.floats(0, 0.8), st.sampled_from([0.0, 0.5, 1.0]),
              st.sampled_from(["all-to-all", "nearest-symmetric", "nearest-pre-centred"])),
    st.builds(lambda a, b: TripletSTDP(a2_plus=a, a3_plus=a, a2_minus=b, a3_minus=b), st.floats(0, 0.5), st.floats(0, 0.5)),
    st.builds(lambda: BinaryBurst()),
    st.builds(lambda: hl.rules.BS2Hebbian3()),
)
trains = st.lists(st.lists(st.integers(0, 400), max_size=30), min_size=4, max_size=4)


@SETTINGS
@given(rule=rule_strategy, pre=trains, post=trains, w0=st.floats(0, 1))
def test_weights_stay_within_bounds(rule, pre, post, w0):
    lo, hi = rule.bounds()
    w0 = min(max(w0, lo), hi)
    to_t = lambda tr: np.unique(tr) * DT  # noqa: E731
    w = drive(rule, [to_t(p) for p in pre], [to_t(q) for q in post], w0).w
    assert np.all((w >= lo) & (w <= hi))


@SETTINGS
@given(rule=rule_strategy, w0=st.floats(0, 1), only=st.sampled_from(["none", "pre", "post"]))
def test_no_pairs_means_no_change(rule, w0, only):
    """No spikes, or spikes on one side only, leave every weight where it was."""
    lo, hi = rule.bounds()
    w0 = min(max(w0, lo), hi)
    train = [0.01, 0.02, 0.0201, 0.1]
    pre = [train] if only == "pre" else [[]]
    post = [train] if only == "post" else [[]]
    proj = drive(rule, pre, post, w0, duration=0.3)
    assert proj.w[0] == w0


@settings(max_examples=8, deadline=None)
@given(rule=rule_strategy, pre=trains, post=trains, seed=st.integers(0, 1000), delay=st.integers(0, 20))
def test_numba_equals_reference_on_random_trains(rule, pre, post, seed, delay):
    to_t = lambda tr: np.unique(tr) * DT  # noqa: E731
    args = ([to_t(p) for p in pre], [to_t(q) for q in post], 0.5 if not isinstance(rule, hl.rules.BS2Hebbian3) else 0.5)
    a = drive(rule, *args, delay=delay * DT, seed=seed, backend="numba").w
    b = drive(rule, *args, delay=delay * DT, seed=seed, backend="reference").w
    np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("threads", [1, 2])
def test_progress_bar_chunks_do_not_change_results(threads):
    from hebblab.networks import build_network
    runs = []
    for progress in (True, False):
        net, _, neuron, syn = build_network(seed=11)
        sp = net.monitor(neuron)
        net.run(2.0, progress=progress, threads=threads)
        runs.append((syn, sp))
    (a_syn, a_sp), (b_syn, b_sp) = runs
    np.testing.assert_array_equal(a_syn.w, b_syn.w)
    np.testing.assert_array_equal(a_sp.steps, b_sp.steps)
    assert len(b_sp) > 0


@pytest.mark.parametrize("threads", [1, 2])
def test_spike_monitor_buffer_boundaries_lose_nothing(threads):
    """A tiny monitor buffer forces the kernel (every thread of it) to return to Python many
    times mid-run."""
    from hebblab.monitors import SpikeMonitor
    net = hl.Network(dt=DT, seed=2, threads=threads)
    pop = net.add(hl.PoissonSource(n=50, rate=200.0))
    small = SpikeMonitor(pop, capacity=1)  # capacity is raised to 2 n = 100 spikes
    net.spike_monitors.append(small)
    big = net.monitor(pop)
    net.run(1.0)
    assert small.capacity == 100 and len(big) > 5000
    np.testing.assert_array_equal(small.steps, big.steps)
    np.testing.assert_array_equal(small.i, big.i)
