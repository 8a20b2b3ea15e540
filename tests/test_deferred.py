"""Deferred potentiation (hebblab.deferred) gives the eager loop's weights and spikes bit for bit.

The eager compiled loop is tested against the reference backend (test_backends.py: the mixed
network there now defers four of its seven projections), so equality with it carries that oracle
over. The ring and sweep settings here are chosen to force the rare paths: a ring of four with
sweeps far apart makes full rings common (the oldest owed spike is applied through the
post-to-synapse index), a sweep every step settles rows constantly.
"""

import numpy as np
import pytest

import hebblab as hl
from hebblab import si
from hebblab.networks import recurrent_network
from hebblab.plasticity import RULES, PairSTDP, Scatter

from helpers import DT


@pytest.fixture(autouse=True)
def _allow_more_threads_than_cores(monkeypatch):
    """These tests compare thread counts up to 3 on any machine (a 2-core one included): more
    threads than cores are refused unless allowed."""
    monkeypatch.setenv("HEBBLAB_ALLOW_OVERSUBSCRIBE", "1")


def _run(potentiation, threads, ring=16, sweep=0.1, splits=(0.06, 0.04), seed=4):
    net, neurons, rec = recurrent_network(n=3000, k=30, seed=seed)
    net.potentiation = potentiation
    net.DEFER_RING, net.DEFER_SWEEP = ring, sweep
    sp = net.monitor(neurons)
    weights = []
    for d in splits:
        net.run(d, threads=threads)
        weights.append(rec.w.copy())  # read between runs: every run ends settled
    return weights, sp.i.copy(), sp.steps.copy(), rec


@pytest.mark.parametrize("threads", [1, 2, 3])
@pytest.mark.parametrize("ring,sweep", [(16, 0.1), (4, 10.0), (4, DT)])
def test_deferred_equals_eager(threads, ring, sweep):
    w_e, i_e, t_e, rec_e = _run("eager", 1)
    w_d, i_d, t_d, rec_d = _run("deferred", threads, ring, sweep)
    assert rec_d.deferred and not rec_e.deferred
    assert i_e.size > 1000  # the network fired
    np.testing.assert_array_equal(i_d, i_e)
    np.testing.assert_array_equal(t_d, t_e)
    for a, b in zip(w_d, w_e):
        np.testing.assert_array_equal(a, b)
    assert np.any(w_e[-1] != w_e[-1][0])  # the weights did change


def _fast_posts(potentiation, threads, ring, sweep, rule, w=None):
    """Slow pre neurons (4 Hz), fast post neurons (150 Hz) given as spike trains: between two
    arrivals of a pre neuron its targets fire about 40 times, so small rings overflow while
    their oldest spikes are still owed."""
    rng = np.random.default_rng(3)
    net = hl.Network(dt=DT, seed=9, dtype=np.float64, potentiation=potentiation)
    net.DEFER_RING, net.DEFER_SWEEP = ring, sweep
    pre_t = np.flatnonzero(rng.random((30, 10000)) < 4 * DT)
    post_t = np.flatnonzero(rng.random((20, 10000)) < 150 * DT)
    pre = net.add(hl.SpikeSource(n=30, times=(pre_t % 10000) * DT, indices=pre_t // 10000))
    post = net.add(hl.SpikeSource(n=20, times=(post_t % 10000) * DT, indices=post_t // 10000))
    proj = net.connect(pre, post, rule=rule, w=hl.Uniform(0.2, 0.8) if w is None else w, delay=0.5 * si.ms)
    net.run(0.4, threads=threads)
    net.run(0.6, threads=threads)
    return proj


RULE_CASES = [PairSTDP(a_plus=0.002, a_minus=0.002, w_max=1.0),
              PairSTDP(a_plus=0.01, a_minus=0.0105, w_max=1.0, mu=1.0, pairing="nearest-pre-centred",
                       noise=(Scatter("pairing", 0.5, 0.5), Scatter("synapse", 0.3, 0.3)))]


@pytest.mark.parametrize("rule", RULE_CASES, ids=["additive", "multiplicative-noisy-pre-centred"])
@pytest.mark.parametrize("ring,sweep,threads", [(4, 10.0, 1), (4, 10.0, 2), (8, 0.05, 3), (16, 0.1, 1)])
def test_overflowing_rings_give_the_eager_weights(rule, ring, sweep, threads):
    eager = _fast_posts("eager", 1, 16, 0.1, rule)
    deferred = _fast_posts("deferred", threads, ring, sweep, rule)
    assert deferred.deferred
    assert deferred.deferral.hc.min() > 4 * ring  # every ring wrapped several times in the last run
    np.testing.assert_array_equal(deferred.w, eager.w)
    assert np.abs(eager.w - _fast_posts("eager", 1, 16, 0.1, rule).w).max() == 0.0


def test_weight_monitor_keeps_projection_eager():
    net, neurons, rec = recurrent_network(n=500, k=20, seed=2)
    mon = net.monitor(rec, "w", every=1 * si.ms, indices=[0, 5, 9])
    net.run(0.05)
    assert not rec.deferred
    net2, _, rec2 = recurrent_network(n=500, k=20, seed=2)
    net2.potentiation = "eager"
    mon2 = net2.monitor(rec2, "w", every=1 * si.ms, indices=[0, 5, 9])
    net2.run(0.05)
    np.testing.assert_array_equal(mon.values, mon2.values)


def test_switching_modes_between_runs():
    """Eager, then deferred, then eager again on one network equals eager throughout."""
    w_e, i_e, _, _ = _run("eager", 1, splits=(0.03, 0.03, 0.04))
    net, neurons, rec = recurrent_network(n=3000, k=30, seed=4)
    sp = net.monitor(neurons)
    for mode, d in (("eager", 0.03), ("deferred", 0.03), ("eager", 0.04)):
        net.potentiation = mode
        net.run(d)
    np.testing.assert_array_equal(rec.w, w_e[-1])
    np.testing.assert_array_equal(sp.i, i_e)


@pytest.mark.parametrize("name", ["two-state", "bs2-hebbian3"])
def test_other_deferrable_rules_give_the_eager_weights(name):
    """The stochastic two-state rule (random keys by step and synapse) and BS2's windowed
    multiplicative rule, deferred with small rings: the eager weights exactly."""
    rule = RULES[name]()
    lo, hi = rule.bounds()
    w0 = np.where(np.arange(600) % 3 == 0, lo, lo + 0.5 * (hi - lo)) if name != "two-state" else lo
    eager = _fast_posts("eager", 1, 16, 0.1, rule, w0)
    deferred = _fast_posts("deferred", 1, 4, 10.0, rule, w0)
    assert deferred.deferred
    np.testing.assert_array_equal(deferred.w, eager.w)
    assert np.any(eager.w != np.asarray(w0))  # the rule did change weights


def test_auto_defers_only_long_rows():
    """Many inputs onto few neurons (one synapse per row): eager under "auto" (its reads are in
    order already), deferred when asked, same weights."""
    out = {}
    for mode in ("auto", "deferred"):
        net = hl.Network(dt=DT, seed=2, dtype=np.float64, potentiation=mode)
        inp = net.add(hl.PoissonSource(n=200, rate=30.0))
        out_pop = net.add(hl.LIF(n=1, synapse="conductance", tau_m=10 * si.ms, v_rest=-74 * si.mV,
                                 v_thresh=-54 * si.mV, v_reset=-60 * si.mV, t_ref=0.0))
        syn = net.connect(inp, out_pop, rule=PairSTDP(a_plus=0.005, a_minus=0.00525, w_max=0.05), w=hl.Uniform(0, 0.05))
        net.run(0.5)
        out[mode] = (syn.deferred, syn.w.copy())
    assert out["auto"][0] is False and out["deferred"][0] is True
    np.testing.assert_array_equal(out["auto"][1], out["deferred"][1])


@pytest.mark.parametrize("name", sorted(n for n, r in RULES.items() if r.deferrable))
def test_deferrable_rules_do_not_read_post_state(name):
    """The condition for deferring: syn_post gives the same weight whatever the post state is."""
    rule = RULES[name]()
    P = rule.pack(DT)
    syn, pre, post = rule.init_state(4, 3, 2, seed=1, stream=7)
    pre[:, 0] = [1.0, 0.5, 0.2] if pre.shape[1] > 1 else [90, 95, 99]
    pre[:, -1] = [90, 95, 99]
    lo, hi = rule.bounds()
    rng = np.random.default_rng(0)
    f = __import__(rule.kernel_module, fromlist=["syn_post"]).syn_post.py_func
    for t in (99, 100, 101, 103, 140):
        for s in range(4):
            j = s % 3
            w = lo + (hi - lo) * 0.4
            post_a = rng.normal(size=post.shape) * 50
            post_b = np.full(post.shape, np.nan)
            wa = f(t, s, 1, j, w, syn if syn.shape[1] else None, pre, post_a, P, 1, 7)
            wb = f(t, s, 1, j, w, syn if syn.shape[1] else None, pre, post_b, P, 1, 7)
            assert wa == wb


def test_potentiation_setting_is_validated():
    with pytest.raises(ValueError, match="potentiation"):
        hl.Network(dt=DT, potentiation="lazy")
    net, _, _ = recurrent_network(n=100, k=5)
    net.potentiation = "lazy"  # set after construction: refused when a run starts, before any step
    with pytest.raises(ValueError, match="potentiation"):
        net.run(0.001)
    assert net.step == 0


def test_ring_must_be_a_power_of_two():
    from hebblab.deferred import Deferral
    with pytest.raises(ValueError, match="ring"):
        Deferral(3, 3, 6, 10)


@pytest.mark.parametrize("threads", [1, 2])
def test_runs_cut_into_kernel_calls_settle_once_and_match(threads):
    """A progress bar (50 kernel calls) and a tiny spike monitor (the kernel returns to Python
    whenever it could overflow) cut one run into many calls; only the last settles, and the
    weights still equal an eager run's."""
    from hebblab.monitors import SpikeMonitor

    def run(potentiation, progress, capacity):
        rng = np.random.default_rng(5)
        net = hl.Network(dt=DT, seed=9, dtype=np.float64, potentiation=potentiation)
        pre_t = np.flatnonzero(rng.random((30, 5000)) < 8 * DT)
        post_t = np.flatnonzero(rng.random((20, 5000)) < 60 * DT)
        pre = net.add(hl.SpikeSource(n=30, times=(pre_t % 5000) * DT, indices=pre_t // 5000))
        post = net.add(hl.SpikeSource(n=20, times=(post_t % 5000) * DT, indices=post_t // 5000))
        proj = net.connect(pre, post, rule=RULE_CASES[1], w=hl.Uniform(0.2, 0.8), delay=0.5 * si.ms)
        mon = SpikeMonitor(post, capacity=capacity)
        net.spike_monitors.append(mon)
        net.run(0.5, progress=progress, threads=threads)
        return proj, mon

    eager, mon_e = run("eager", False, 100_000)
    deferred, mon_d = run("deferred", True, 1)
    assert deferred.deferred and mon_d.capacity == 40
    np.testing.assert_array_equal(mon_d.i, mon_e.i)
    np.testing.assert_array_equal(deferred.w, eager.w)
