"""BurstGatedBinary: the engine against the rule's slow reference and against hand-written
expectations, the chance write / erase rates under independent Poisson trains against the closed
form, abstract_event, validation.

Every engine run here uses ONE network structure (SpikeSource -> SpikeSource, one to one, the
noise-free rule), so the file compiles one kernel; the Poisson trains are drawn in numpy on the
engine's grid (geometric inter-spike steps = a Bernoulli spike per step) and fed as spike lists.
The noisy kernels are checked against the reference in tests/test_conformance.py.
"""

import math

import numpy as np
import pytest

import hebblab as hl
from hebblab.plasticity import BinaryBurst, BurstGatedBinary, abstract_event, binary_burst_one_burst_change

DT = 1e-4
MS = 1e-3
RULE = BurstGatedBinary()  # theta 0.2, B 5, ISI <= 10 ms, windows 20 ms, a+ = a- = 0.3


def _engine(rule, pre_trains, post_trains, w0, delay=0.0, seed=0):
    """Synapse k joins pre k to post k; spike times on the DT grid; final weights."""
    n = len(pre_trains)
    cat = lambda trains: np.concatenate([np.asarray(t, float) for t in trains] + [np.zeros(0)])  # noqa: E731
    idx = lambda trains: np.concatenate([np.full(len(t), k) for k, t in enumerate(trains)] + [np.zeros(0, int)])  # noqa: E731
    pre_t, post_t = cat(pre_trains), cat(post_trains)
    net = hl.Network(dt=DT, seed=seed, dtype=np.float64, threads=1)
    pre = net.add(hl.SpikeSource(n=n, times=pre_t, indices=idx(pre_trains)))
    post = net.add(hl.SpikeSource(n=n, times=post_t, indices=idx(post_trains)))
    proj = net.connect(pre, post, rule=rule, w=w0, delay=delay, connectivity="one_to_one")
    net.run(max(pre_t.max(initial=0.0) + delay, post_t.max(initial=0.0)) + 10 * DT)
    return np.asarray(proj.w, float)


def _burst(t0, n=5, isi=5 * MS):
    return [round((t0 + k * isi) / DT) * DT for k in range(n)]


def _mixed_train(rng, duration):
    """Isolated Poisson spikes (20 Hz) plus bursts of 3-7 spikes at ISIs of 6-12 ms, so that runs
    just below and above B and ISIs on both sides of 10 ms occur."""
    steps = set(np.flatnonzero(rng.random(int(duration / DT)) < 20 * DT).tolist())
    for t0 in rng.uniform(0, duration - 0.1, rng.integers(3, 9)):
        isi = rng.integers(60, 121)  # steps of 0.1 ms
        steps.update(int(t0 / DT) + isi * np.arange(rng.integers(3, 8)))
    return np.array(sorted(steps)) * DT


def test_engine_matches_the_reference_on_random_burst_trains():
    """24 random pairs of burst-rich trains, w0 = 0.5, without and with a delay of 3 steps; the
    pre and post trains share some burst onsets (jittered) so that coincident bursts occur."""
    rng = np.random.default_rng(7)
    pre, post = [], []
    for _ in range(24):
        a = _mixed_train(rng, 1.0)
        b = _mixed_train(rng, 1.0)
        onset = rng.uniform(0.05, 0.8)  # one coincident burst pair at a random lag of -15..15 ms
        lag = rng.uniform(-15, 15) * MS
        a = np.union1d(a, _burst(onset))
        b = np.union1d(b, _burst(onset + lag))
        pre.append(a)
        post.append(b)
    changed = 0
    for delay in (0.0, 3 * DT):
        got = _engine(RULE, pre, post, 0.5, delay)
        ref = np.array([RULE.reference(p, q, 0.5, delay=delay, dt=DT) for p, q in zip(pre, post)])
        np.testing.assert_allclose(got, ref, rtol=0, atol=1e-12)
        changed += int(np.sum(got != 0.5))
    assert changed >= 10  # the comparison saw writes and erases


# --------------------------------------------------------------------------- edge cases

T0 = 0.02
CASES = {
    # name: (pre train, post train, w0, expected w)
    "burst of 4 never writes": (_burst(T0, 4), _burst(T0 + 2 * MS, 4), 0.0, 0.0),
    "burst of 5 writes": (_burst(T0), _burst(T0 + 2 * MS), 0.0, 0.3),
    "ISI 10 ms writes": (_burst(T0, isi=10 * MS), _burst(T0 + 2 * MS, isi=10 * MS), 0.0, 0.3),
    "ISI 11 ms does not": (_burst(T0, isi=11 * MS), _burst(T0 + 2 * MS, isi=11 * MS), 0.0, 0.0),
    "both complete in one step": (_burst(T0), _burst(T0), 0.0, 0.3),
    "post completes 20 ms after pre": (_burst(T0), _burst(T0 + 20 * MS), 0.0, 0.3),
    "post completes 21 ms after pre": (_burst(T0), _burst(T0 + 21 * MS), 0.0, 0.0),
    "anti-causal burst erases": (_burst(T0 + 2 * MS), _burst(T0), 0.3, 0.0),
    "anti-causal 21 ms apart": (_burst(T0 + 21 * MS), _burst(T0), 0.3, 0.3),
    "pre burst alone": (_burst(T0), [], 0.3, 0.3),
    "post burst alone": ([], _burst(T0), 0.0, 0.0),
    "run of 10 is two bursts": (_burst(T0, 10), _burst(T0 + 2 * MS, 10), 0.0, 0.6),
    "single spikes 12 ms apart": ([T0 + k * 12 * MS for k in range(40)], [T0 + 1 * MS + k * 12 * MS for k in range(40)],
                                  0.3, 0.3),
    "burst clipped at 1": (_burst(T0), _burst(T0 + 2 * MS), 0.9, 1.0),
}


def test_edge_cases_in_the_engine_and_the_reference():
    names = list(CASES)
    pre = [CASES[k][0] for k in names]
    post = [CASES[k][1] for k in names]
    w0 = np.array([CASES[k][2] for k in names])
    got = _engine(RULE, pre, post, w0)
    for k, name in enumerate(names):
        expected = CASES[name][3]
        assert got[k] == pytest.approx(expected, abs=1e-12), name
        assert RULE.reference(pre[k], post[k], w0[k], dt=DT) == pytest.approx(expected, abs=1e-12), name
    # the bit: written by one burst of 5, not by 4; erased by one anti-causal burst
    assert list(RULE.bit(got[:2])) == [False, True]


def test_delay_moves_the_pre_burst_at_the_synapse():
    """A pre burst emitted 1 ms before the post burst is causal without delay and anti-causal with
    a 3 ms delay (its arrival completes 2 ms after the post's completion): write vs erase."""
    pre, post = [_burst(T0), _burst(T0)], [_burst(T0 + 1 * MS), _burst(T0 + 1 * MS)]
    w0 = np.array([0.0, 0.3])
    for delay, expected in ((0.0, [0.3, 0.6]), (3 * MS, [0.0, 0.0])):
        got = _engine(RULE, pre, post, w0, delay)
        np.testing.assert_allclose(got, expected, atol=1e-12)
        ref = [RULE.reference(p, q, w, delay=delay, dt=DT) for p, q, w in zip(pre, post, w0)]
        np.testing.assert_allclose(ref, expected, atol=1e-12)


# --------------------------------------------------------------------------- chance rates

#: Exact binary steps: w = 0.5 + N+/1024 - N-/2^20 stays exact, so the counts decode from w.
COUNTING = BurstGatedBinary(a_plus=2.0**-10, a_minus=2.0**-20)


def _poisson_steps(rng, rate, duration):
    """A Poisson train on the DT grid (a spike per step with probability rate * DT)."""
    n = int(duration / DT)
    isi = rng.geometric(rate * DT, size=int(rate * duration * 1.5 + 50))
    steps = np.cumsum(isi)
    return steps[steps < n] * DT


@pytest.mark.parametrize("seed", [11, 12, 13])
def test_chance_write_and_erase_rates_match_the_closed_form(seed):
    """Independent Poisson pre and post at 50, 60 and 80 Hz (the rates where chance bursts are
    frequent enough to count in a small run), 300 synapses x 8 s each: the numbers of writes and
    erases against lambda n T from the grid closed form (BurstGatedBinary.chance_rates). Tolerance:
    4 Poisson SDs of the expected count plus 3 % for the first-order approximation (two burst
    completions in one 20 ms window)."""
    rng = np.random.default_rng(seed)
    rates, n, T = (50.0, 60.0, 80.0), 300, 8.0
    pre, post, rate_of = [], [], []
    for r in rates:
        for _ in range(n):
            pre.append(_poisson_steps(rng, r, T))
            post.append(_poisson_steps(rng, r, T))
            rate_of.append(r)
    w = _engine(COUNTING, pre, post, 0.5, seed=seed)
    x = np.rint((w - 0.5) * 2**20).astype(np.int64)  # 1024 N+ - N-
    n_plus = -(-x // 1024)
    n_minus = 1024 * n_plus - x
    assert np.all((n_minus >= 0) & (n_minus < 1024))
    rate_of = np.asarray(rate_of)
    for r in rates:
        lam_w, lam_e = COUNTING.chance_rates(r, dt=DT)
        for got, lam, what in ((n_plus[rate_of == r].sum(), lam_w, "writes"),
                               (n_minus[rate_of == r].sum(), lam_e, "erases")):
            expected = lam * n * T
            assert abs(got - expected) <= 4 * math.sqrt(expected) + 0.03 * expected, (r, what, got, expected)


def test_closed_forms_by_hand():
    """The burst rate written out for B = 5 at 40 Hz, the grid's q, the flip probability's
    Poisson tail, and the events needed to flip."""
    q = 1 - math.exp(-0.4)
    assert RULE.burst_rate(40.0) == pytest.approx(40 * (1 - q) * q**4 / (1 - q**5), rel=1e-12)
    qg = 1 - (1 - 40 * DT) ** 100
    assert RULE.burst_rate(40.0, dt=DT) == pytest.approx(40 * (1 - qg) * qg**4 / (1 - qg**5), rel=1e-12)
    rho = RULE.burst_rate(40.0)
    assert RULE.chance_rates(40.0) == pytest.approx((rho * rho * 0.02, rho * rho * 0.02), rel=1e-12)
    rho_g = RULE.burst_rate(40.0, dt=DT)
    assert RULE.chance_rates(40.0, dt=DT) == pytest.approx((rho_g**2 * 201 * DT, rho_g**2 * 200 * DT), rel=1e-12)
    # a stored 0 at 0 flips at the first write; a stored 1 at 0.5 needs two erases
    assert list(RULE.events_to_flip([0.0, 0.19, 0.3, 0.5, 1.0])) == [1, 1, 1, 2, 3]
    lam = RULE.chance_rates(40.0)[0]
    p = RULE.flip_probability([0.0, 0.5], 40.0, 20.0)
    assert p[0] == pytest.approx(1 - math.exp(-lam * 20), rel=1e-9)
    assert p[1] == pytest.approx(1 - math.exp(-lam * 20) * (1 + lam * 20), rel=1e-9)
    assert list(RULE.importance([0.1, 0.3, 1.0])) == [0, 1, 3]


# --------------------------------------------------------------------------- abstract events

def test_abstract_event_burst_gated_and_binary_burst():
    w = np.array([0.0, 0.1, 0.5, 0.9, 0.0, 0.3, 0.5])
    pot = np.array([True, True, True, True, False, False, False])
    np.testing.assert_allclose(abstract_event(w, pot, RULE), [0.3, 0.4, 0.8, 1.0, 0.0, 0.0, 0.2])
    bb = BinaryBurst()
    tp, tm, ap, am = 16.8e-3, 33.7e-3, 0.08, 0.08 * 16.8 / 33.7
    w1 = 5 * ap * math.exp(-2 / 16.8) - 4 * am * math.exp(-3 / 33.7)  # lag 2 ms, ISI 5 ms
    assert binary_burst_one_burst_change(bb) == pytest.approx(w1, rel=1e-12)
    assert abstract_event(np.array([0.0]), np.array([True]), bb)[0] == pytest.approx(0.2092, abs=1e-4)
    # away from the bounds the anti-causal pairing is the closed form; from 0 the clip keeps it at 0.. a bit above
    d = -5 * am * math.exp(-2e-3 / tm) + 4 * ap * math.exp(-3e-3 / tp)
    assert abstract_event(np.array([0.5]), np.array([False]), bb)[0] == pytest.approx(0.5 + d, rel=1e-12)
    assert binary_burst_one_burst_change(bb, causal=False) == pytest.approx(d, rel=1e-12)
    w = 0.0
    for k in range(5):  # plain loop: post, then pre 2 ms later, clipped at 0
        if k:
            w = min(w + ap * math.exp(-3e-3 / tp), 1.0)
        w = max(w - am * math.exp(-2e-3 / tm), 0.0)
    assert abstract_event(np.array([0.0]), np.array([False]), bb)[0] == pytest.approx(w, abs=1e-15)


# --------------------------------------------------------------------------- validation

@pytest.mark.parametrize("kw, match", [
    (dict(theta=0.0), "theta"), (dict(theta=1.0), "theta"), (dict(burst=1), "burst"),
    (dict(burst=2.5), "burst"), (dict(isi_max=0.0), "isi_max"), (dict(window_plus=-1e-3), "window_plus"),
    (dict(a_plus=1.5), "a_plus"), (dict(a_minus=-0.1), "a_minus"), (dict(sign=0), "sign"),
    (dict(readout="analog"), "readout"), (dict(noise="pairing"), "noise"),
    (dict(noise=(hl.Scatter("pairing"), hl.Scatter("pairing"))), "at most one"),
    (dict(a_plus=float("nan")), "a_plus"),
])
def test_bad_parameters_are_refused_naming_them(kw, match):
    with pytest.raises((ValueError, TypeError), match=match):
        BurstGatedBinary(**kw)


def test_misuse_is_refused():
    with pytest.raises(ValueError, match="needs dt"):
        RULE.reference([0.0], [0.0], 0.0)
    with pytest.raises(ValueError, match="window_plus"):
        BurstGatedBinary(window_plus=1e9).pack(1e-4)
    with pytest.raises(ValueError, match="rate"):
        RULE.burst_rate(0.0)
    with pytest.raises(ValueError, match="rate \\* dt"):
        RULE.burst_rate(2e4, dt=1e-4)
    with pytest.raises(TypeError, match="BurstGatedBinary or a BinaryBurst"):
        abstract_event(np.zeros(2), np.ones(2, bool), hl.rules.PairSTDP())
    with pytest.raises(ValueError, match="lag"):
        abstract_event(np.zeros(2), np.ones(2, bool), BinaryBurst(), lag=6e-3, isi=5e-3)
