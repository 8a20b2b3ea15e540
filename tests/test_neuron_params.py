"""Per-neuron parameters (issue 11, item 4): every LIF parameter may be an array of n values or a
distribution drawn per neuron; each neuron then follows the LIF equations with its own values.

Oracles: the closed-form LIF under constant drive, neuron by neuron (written in the test); the
reference backend bit for bit (hebblab.testing.check_model: threads, split runs); a scalar model
equal to a per-neuron one whose values are all the same.
"""

import math

import numpy as np
import pytest

import hebblab as hl
from hebblab.testing import check_model
from hebblab.si import mV, ms

DT = 0.1 * ms


def _closed_form_spike_steps(tau_m, v_rest, v_th, v_reset, t_ref, drive, steps):
    """Spike steps of one current-based LIF neuron under a constant drive (no synaptic input):
    v_k = v_inf + (v_0 - v_inf) e^{-k dt / tau_m}, v_inf = v_rest + drive, reset to v_reset and
    clamped for round(t_ref / dt) steps after a spike. Counted in the test, step by step in the
    exact solution (the engine integrates exactly, so the two agree to rounding)."""
    pm = math.exp(-DT / tau_m)
    v_inf = v_rest + drive
    v, refr, out = v_rest, 0, []
    n_ref = round(t_ref / DT)
    for k in range(steps):
        if refr > 0:
            v, refr = v_reset, refr - 1
        else:
            v = v_inf + (v - v_inf) * pm
        if v >= v_th:
            out.append(k)
            v, refr = v_reset, n_ref
    return out


def test_each_neuron_follows_the_closed_form_with_its_own_parameters():
    n = 7
    rng = np.random.default_rng(3)
    tau = rng.uniform(8, 30, n) * ms
    v_th = rng.uniform(-55, -48, n) * mV
    v_reset = rng.uniform(-75, -60, n) * mV
    t_ref = rng.integers(0, 40, n) * DT
    drive = 30 * mV
    for backend in ("reference", "numba"):
        net = hl.Network(dt=DT, seed=1, backend=backend)
        pop = net.add(hl.LIF(n=n, tau_m=tau, v_rest=-70 * mV, v_thresh=v_th, v_reset=v_reset, t_ref=t_ref))
        pop.i_ext = drive
        mon = net.monitor(pop)
        steps = 3000
        net.run(steps * DT)
        t, i = mon.t, mon.i
        for k in range(n):
            want = _closed_form_spike_steps(tau[k], -70 * mV, v_th[k], v_reset[k], t_ref[k], drive, steps)
            got = np.round(t[i == k] / DT).astype(int).tolist()
            assert len(want) > 5, k
            assert got == want, (backend, k, got[:5], want[:5])


@pytest.mark.parametrize("synapse", ["current", "conductance", "delta"])
def test_per_neuron_lif_passes_the_model_conformance_suite(synapse):
    n = 9
    rng = np.random.default_rng(5)
    model = hl.LIF(n=n, synapse=synapse, tau_m=rng.uniform(5, 40, n) * ms, tau_e=rng.uniform(1, 10, n) * ms,
                   tau_i=rng.uniform(2, 12, n) * ms, v_thresh=rng.uniform(-55, -50, n) * mV,
                   v_reset=rng.uniform(-75, -65, n) * mV, t_ref=rng.integers(0, 30, n) * DT,
                   e_e=rng.uniform(-5, 5, n) * mV, e_i=rng.uniform(-85, -75, n) * mV,
                   v_init=rng.uniform(-70, -55, n) * mV)
    check_model(model, dt=DT, steps=1500, drive_w=(2 * mV if synapse != "conductance" else 0.3))


def test_all_equal_per_neuron_values_run_exactly_as_the_scalar_model():
    n = 5
    scalar = hl.LIF(n=n, tau_m=15 * ms, v_thresh=-52 * mV, t_ref=3 * ms)
    arrays = hl.LIF(n=n, tau_m=np.full(n, 15 * ms), v_thresh=np.full(n, -52 * mV), t_ref=np.full(n, 3 * ms))
    assert not scalar.per_neuron() and arrays.per_neuron()
    runs = []
    for model in (scalar, arrays):
        net = hl.Network(dt=DT, seed=2)
        src = net.add(hl.PoissonSource(n=20, rate=300.0))
        pop = net.add(model)
        net.connect(src, pop, w=hl.Uniform(0, 3 * mV), connectivity=hl.FixedProbability(0.5))
        mon = net.monitor(pop)
        net.run(0.5)
        runs.append((mon.t.copy(), mon.i.copy(), pop.v.copy()))
    assert all(np.array_equal(a, b) for a, b in zip(*runs))
    assert runs[0][0].size > 10


def test_distributions_are_drawn_per_neuron_from_the_network_seed():
    def thresholds(seed, before=0):
        net = hl.Network(dt=DT, seed=seed, backend="reference")
        for _ in range(before):
            net.add(hl.LIF(n=3))
        return net.add(hl.LIF(n=1000, v_thresh=hl.Normal(-50 * mV, 2 * mV), tau_m=hl.Uniform(10 * ms, 20 * ms))).model

    a, b = thresholds(1), thresholds(1)
    assert np.array_equal(a.v_thresh, b.v_thresh) and np.array_equal(a.tau_m, b.tau_m)
    assert not np.array_equal(a.v_thresh, thresholds(2).v_thresh)
    assert not np.array_equal(a.v_thresh, thresholds(1, before=1).v_thresh)  # each population its own draws
    assert abs(a.v_thresh.mean() + 50 * mV) < 4 * 2 * mV / math.sqrt(1000)
    assert abs(a.v_thresh.std() - 2 * mV) < 0.15 * mV
    assert a.tau_m.min() >= 10 * ms and a.tau_m.max() < 20 * ms
    # the drawn values are checked like given ones, naming the neuron
    net = hl.Network(dt=DT, seed=1)
    with pytest.raises(ValueError, match=r"LIF\.tau_m\[\d+\] must be > 0"):
        net.add(hl.LIF(n=500, tau_m=hl.Normal(1 * ms, 2 * ms)))
    assert not net.populations


@pytest.mark.parametrize("kwargs, error, words", [
    (dict(tau_m=[0.01, 0.02]), ValueError, "LIF.tau_m must be one value or 3 values"),
    (dict(tau_m=[0.01, -0.02, 0.03]), ValueError, r"LIF.tau_m\[1\] must be > 0"),
    (dict(v_thresh=[-0.05, float("nan"), -0.05]), ValueError, r"LIF.v_thresh\[1\]"),
    (dict(v_thresh=[-0.05, -0.08, -0.05]), ValueError, r"LIF.v_thresh\[1\] must be > v_reset\[1\]"),
    (dict(t_ref=["a", "b", "c"]), TypeError, "LIF.t_ref must be a real number or 3 of them"),
    (dict(e_e=np.zeros((3, 1))), ValueError, "got shape"),
])
def test_bad_per_neuron_values_are_refused_naming_the_neuron(kwargs, error, words):
    with pytest.raises(error, match=words):
        hl.LIF(n=3, **kwargs)


def test_a_time_constant_too_short_for_dt_names_the_neuron():
    net = hl.Network(dt=DT, seed=1)
    with pytest.raises(ValueError, match=r"LIF\.tau_m\[2\] must be >="):
        net.add(hl.LIF(n=3, tau_m=[0.01, 0.02, 1e-12]))


def test_per_neuron_parameters_save_and_load(tmp_path):
    net = hl.Network(dt=DT, seed=4)
    src = net.add(hl.PoissonSource(n=10, rate=200.0))
    pop = net.add(hl.LIF(n=4, v_thresh=hl.Normal(-50 * mV, 1 * mV), tau_m=[10 * ms, 12 * ms, 14 * ms, 16 * ms]))
    net.connect(src, pop, w=2 * mV)
    net.run(0.05)
    path = net.save(tmp_path / "net.npz")
    back = hl.load(path)
    assert np.array_equal(back.populations[1].model.v_thresh, pop.model.v_thresh)
    mon_a, mon_b = net.monitor(pop), back.monitor(back.populations[1])
    net.run(0.2)
    back.run(0.2)
    assert np.array_equal(mon_a.t, mon_b.t) and np.array_equal(mon_a.i, mon_b.i)


def _if_closed_form(threshold, leak, refractory, i_ext, steps):
    """Brain Simulator II's IF cycle by cycle (module docstring of hebblab.neurons.if_neuron)."""
    c, refr, out = 0.0, 0, []
    for k in range(steps):
        c += i_ext
        if refr > 0:
            refr -= 1
            c = max(c * (1 - leak), 0.0)
        elif c >= threshold:
            out.append(k)
            c, refr = 0.0, refractory
        else:
            c = max(c * (1 - leak), 0.0)
    return out


def test_if_neurons_with_their_own_threshold_leak_and_refractory_period():
    n = 6
    thr = np.array([1.0, 2.0, 0.5, 1.5, 3.0, 1.0])
    leak = np.array([0.0, 0.1, 0.0, 0.05, 0.0, 0.2])
    refr = np.array([0, 2, 5, 1, 0, 3])
    for backend in ("reference", "numba"):
        net = hl.Network(dt=1e-3, seed=1, backend=backend)
        pop = net.add(hl.IF(n=n, threshold=thr, leak=leak, refractory=refr))
        pop.i_ext = 0.3
        mon = net.monitor(pop)
        net.run(0.5)
        for k in range(n):
            want = _if_closed_form(thr[k], leak[k], int(refr[k]), 0.3, 500)
            got = np.round(mon.t[mon.i == k] / 1e-3).astype(int).tolist()
            assert got == want and len(want) > 10, (backend, k)
    check_model(hl.IF(n=n, threshold=thr, leak=leak, refractory=refr), dt=1e-3, steps=800, drive_w=0.4)
    with pytest.raises(ValueError, match=r"IF\.refractory\[1\]"):
        hl.IF(n=3, refractory=[0, 1.5, 2])
    net = hl.Network(dt=1e-3, seed=1)
    drawn = net.add(hl.IF(n=50, refractory=hl.Uniform(0, 4), threshold=hl.Uniform(0.5, 2))).model
    assert np.array_equal(drawn.refractory, np.round(drawn.refractory)) and drawn.refractory.max() <= 4


def test_poisson_rates_drawn_per_neuron():
    net = hl.Network(dt=DT, seed=3)
    pop = net.add(hl.PoissonSource(n=400, rate=hl.Uniform(5.0, 15.0)))
    rates = np.asarray(pop.model.rate)
    assert rates.shape == (400,) and rates.min() >= 5 and rates.max() < 15
    assert np.array_equal(pop.rate, rates.astype(pop.rate.dtype))  # the state, in the network's precision
    with pytest.raises(ValueError, match="PoissonSource.rate"):
        hl.Network(dt=DT, seed=3).add(hl.PoissonSource(n=400, rate=hl.Normal(0.0, 5.0)))


def test_per_neuron_parameters_are_in_the_memory_estimate_and_checked_before_any_draw(monkeypatch):
    plain, varied = hl.LIF(n=1000), hl.LIF(n=1000, v_thresh=hl.Normal(-50 * mV, 1 * mV), tau_m=np.full(1000, 0.02))
    extra = varied.state_bytes(np.float32) - plain.state_bytes(np.float32)
    assert extra == 1000 * (2 * 24 + 14 * 8)  # two per-neuron values (array or draw) and the 14 packed rows
    assert hl.IF(n=10, threshold=np.ones(10)).state_bytes(np.float32) - hl.IF(n=10).state_bytes(np.float32) == 10 * (24 + 24)
    drawn = []
    monkeypatch.setattr(hl.Normal, "sample", lambda self, *a: drawn.append(1))
    with pytest.raises(ValueError, match="GiB"):
        hl.Network(dt=DT, seed=1).add(hl.LIF(n=2**31 - 1, v_thresh=hl.Normal(-50 * mV, 1 * mV)))
    assert not drawn  # refused on the estimate, before n values were drawn
