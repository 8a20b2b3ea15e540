"""use-drift: expectations from closed forms and plain-numpy models written out here, tolerances
from the replicate spread.

Oracles (none calls the code under test for its expected value):

* the lifetime estimator on synthetic exponentials, on series that outlast the run (a bound, not
  a number) and on series that saturate first (a failure, not a lifetime);
* the mutual information and the balanced fraction correct of bits read through a binary channel
  with known flips, against ``H(read) - H(read | stored)`` written out here;
* "pairings to write": the weight after k isolated causal pairings in an engine run against the
  closed form of each rule's update (k a+, 1 - (1 - a)^k, 0.001 2^k; for the two-state synapse the
  geometric law 1 - (1 - q)^k, mean 1/q);
* the two-state synapse under independent Poisson use on the 1 ms grid: the exact read
  probabilities from a Markov chain of (steps since the last pre, steps since the last post,
  coupled state of a copy storing 1 and one storing 0), written here with numpy arrays (window 20
  ms, pre arrivals processed before post spikes); its information half-life against the use rate;
* balanced additive all-to-all STDP has zero mean drift and a variance growing as r^2 dt (1 - p)^2
  sum_d K(d)^2 per second; on a finer grid the SAME rule drifts by r (a+ E[x] - a- E[y]) with the
  grid's expectations; nearest-spike STDP drifts by r (a+ E+ - a- E-) (geometric lags);
* the IF layer: a plain-numpy integrate-and-fire layer at the calibrated threshold; 1-s bin rates
  and first silent / runaway bins of synthetic spikes counted by hand;
* bad settings: refused with one line naming the field, exit 2, nothing written.

Statistical checks take their tolerance from the replicate spread: the closed form must lie within
K = 3 standard errors of the replicate mean (standard error = SD / sqrt(n) over 16-20 independent
groups), at three seeds.
"""

import functools
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from pydantic import ValidationError

from hebblab import stats
from hebblab.experiments import use_drift as ud
from hebblab.experiments.base import Result
from hebblab.network import Network
from hebblab.neurons import PoissonSource, SpikeSource
from hebblab.plasticity import BinaryBurst, PairSTDP

K = 3.0  # standard errors
DT = 1e-3
TAU_P, TAU_M = 16.8e-3, 33.7e-3  # the Bi & Poo window of the pair rules (Bi & Poo 2001)
WINDOW = 20  # the two-state synapse's candidate window, steps of 1 ms (Amit & Fusi's coincidence window)


def mean_se(x):
    x = np.asarray(x, float)
    return x.mean(), x.std(ddof=1) / math.sqrt(x.size)


def h2(p):
    p = np.clip(np.asarray(p, float), 1e-300, 1 - 1e-16)
    return -(p * np.log2(p) + (1 - p) * np.log2(1 - p))


def channel_mi(hit, fa):
    """Mutual information of balanced stored bits and bits read with P(1|1) = hit, P(1|0) = fa."""
    return h2(0.5 * hit + 0.5 * fa) - 0.5 * h2(hit) - 0.5 * h2(fa)


# ---- the lifetime estimator ----------------------------------------------------------------------

def test_half_life_on_synthetic_exponentials_sampled_on_the_log_grid():
    t = ud.sample_times(100.0, 0.05, 8)
    for tau in (0.3, 3.0, 30.0):
        hl, status = ud.half_life(t, np.exp(-t * math.log(2) / tau))
        assert status == "measured" and hl == pytest.approx(tau, rel=0.01)


def test_sampling_grid_has_eight_samples_per_decade_and_the_requested_times():
    t = ud.sample_times(120.0, 0.05, 8, (60.0, 33.0))
    assert t[0] == pytest.approx(0.05) and t[-1] == pytest.approx(120.0)
    assert {60.0, 33.0} <= set(np.round(t, 9))
    assert np.max(t[1:] / t[:-1]) <= 10 ** (1 / 8) + 1e-9


def test_a_lifetime_past_the_run_is_a_bound_never_an_extrapolation():
    t = ud.sample_times(60.0, 0.05, 8)
    slow = np.exp(-t * math.log(2) / 600.0)  # a 600 s half-life seen for 60 s: 0.93 at the end
    hl, status = ud.half_life(t, slow)
    assert status == "censored" and math.isinf(hl)
    fast = np.exp(-t * math.log(2) / 20.0)
    res = ud.lifetime(t, np.column_stack([slow, fast, fast]), np.zeros((t.size, 3), bool), 60.0)
    v = res["value"]
    assert stats.is_bound(v) and "at_least" in v and "mean" not in v
    assert v["at_least"] == pytest.approx((60.0 + 20.0 + 20.0) / 3, rel=0.01)  # censored replicate counted at 60 s
    assert res["status"] == ["censored", "measured", "measured"]


def test_saturation_before_the_crossing_is_a_failure_not_a_lifetime():
    t = ud.sample_times(30.0, 0.05, 8)
    corr = np.column_stack([np.exp(-t * math.log(2) / 5.0)] * 5)
    sat = np.zeros_like(corr, bool)
    sat[t >= 2.0, 0] = True  # group 0 saturates at 2 s, before its signal reaches 0.5 at 5 s
    res = ud.lifetime(t, corr, sat, 30.0)
    assert res["value"] is None and res["failed"] == 1
    assert res["failure_s"] == pytest.approx(t[t >= 2.0][0])
    sat[:] = False
    sat[t >= 8.0, 0] = True  # saturating after the crossing leaves the lifetime measured
    res = ud.lifetime(t, corr, sat, 30.0)
    assert res["failed"] == 0 and res["value"]["mean"] == pytest.approx(5.0, rel=0.01)


def test_saturation_flags_one_bound_and_bits_that_all_agree():
    w = np.array([[0.0] * 95 + [0.5] * 5, np.linspace(0, 1, 100)])
    assert list(ud.saturated(w, w, (0.0, 1.0), False, 0.9)) == [True, False]
    bits = np.array([[1.0] * 92 + [0.0] * 8, [1.0] * 50 + [0.0] * 50])
    hidden = np.array([np.linspace(0.25, 0.5, 100), np.linspace(0.0, 0.5, 100)])
    assert list(ud.saturated(hidden, bits, (0.0, 1.0), True, 0.9)) == [True, False]


def test_exponent_of_a_power_law_is_recovered():
    x = [2, 5, 12, 32]
    rng = np.random.default_rng(0)
    pts = [dict(times=list(0.4 * n**2 * rng.uniform(0.95, 1.05, 6)), status=["measured"] * 6) for n in x]
    e = ud.exponent(x, pts, seed=1)
    assert e["mean"] == pytest.approx(2.0, abs=0.03) and e["ci95"][1] - e["ci95"][0] < 0.1
    exact = [dict(times=[0.4 * n**2] * 6, status=["measured"] * 6) for n in x]
    assert ud.exponent(x, exact, seed=1)["mean"] == pytest.approx(2.0, abs=1e-12)
    pts[-1]["status"][0] = "censored"  # a bound is left out of the fit
    assert ud.exponent(x[:3], pts[:3], seed=1)["mean"] == ud.exponent(x, pts, seed=1)["mean"]


# ---- the memory measure ------------------------------------------------------------------------------

def test_mutual_information_and_fraction_correct_of_a_known_binary_channel():
    m = 1000
    stored = np.zeros((3, m), bool)
    stored[:, :500] = True
    read = stored.copy()
    read[1, :100] = False  # group 1: 100 of 500 ones lost (hit 0.8), no zero flipped
    read[2, :50] = False  # group 2: hit 0.9, and 150 of 500 zeros flipped (false alarm 0.3)
    read[2, 500:650] = True
    mi = ud.mutual_information(stored, read)
    expected = channel_mi(np.array([1.0, 0.8, 0.9]), np.array([0.0, 0.0, 0.3]))
    np.testing.assert_allclose(mi, expected, atol=1e-12)
    assert mi[0] == pytest.approx(1.0)
    np.testing.assert_allclose(ud.balanced_correct(stored, read), [1.0, 0.9, 0.8], atol=1e-12)
    noise = np.random.default_rng(1).random((1, m)) < 0.5  # independent of the stored bits: ~0 bits
    assert ud.mutual_information(stored[:1], noise)[0] < 0.01


# ---- pairings to write: closed forms against tiny engine runs --------------------------------------

def isolated_pairings(rule, n_syn, k, w0, lag_steps=0, seed=0):
    """Weights after each of k isolated causal pairings (0.5 s apart: traces decay to e^-15 and
    less), post ``lag_steps`` cycles after pre. Returns an array (k, n_syn)."""
    times = 0.1 + 0.5 * np.arange(k)
    idx = np.tile(np.arange(n_syn), k)
    t_pre = np.repeat(times, n_syn)
    net = Network(dt=DT, seed=seed)
    pre = net.add(SpikeSource(n=n_syn, times=t_pre, indices=idx))
    post = net.add(SpikeSource(n=n_syn, times=t_pre + lag_steps * DT, indices=idx))
    syn = net.connect(pre, post, rule=rule, w=w0, connectivity="one_to_one")
    out = []
    for j in range(k):
        net.run(times[j] + 0.25 - net.t)
        out.append(np.asarray(syn.w, float).copy())
    return np.array(out)


@pytest.mark.parametrize("n", [2, 5, 12])
@pytest.mark.parametrize("name", ["additive", "multiplicative", "binary_burst"])
def test_pairings_to_write_and_the_stored_one_match_the_engine(name, n):
    rule = ud.make_rule(name, n, 10.0, DT)
    k = np.arange(1, n + 3)
    w = isolated_pairings(rule, 1, k.size, 0.0)[:, 0]
    if name == "additive":  # a lag-0 pairing adds a+; the 1 at 0.5, read at 0.25
        closed, one, thr = np.minimum(k * rule.a_plus, 1.0), 0.5, 0.25
    elif name == "multiplicative":  # 1 - w -> (1 - a)(1 - w); the 1 at 0.5, read at 0.25
        closed, one, thr = 1 - (1 - rule.a_plus) ** k, 0.5, 0.25
    else:  # nearest-spike additive; the 1 at n a+ = theta + a+/2, read at theta
        closed, one, thr = np.minimum(k * rule.a_plus, 1.0), 0.2 + rule.a_plus / 2, 0.2
    np.testing.assert_allclose(w, closed, atol=1e-5)
    low, high, threshold = ud.bit_levels(name, rule, n)
    assert (low, threshold) == pytest.approx((0.0, thr)) and high == pytest.approx(one) == pytest.approx(w[n - 1])
    written = int(k[np.flatnonzero(w >= (one if name != "binary_burst" else thr) - 1e-6)[0]])
    p = ud.pairings_to_write(rule)
    assert written == n == p["mean"] == p["median"] == p["p95"]


def test_stored_margins_in_steps_of_each_rule():
    add = ud.make_rule("additive", 5, 10.0, DT)  # 1 at 0.5, threshold 0.25
    assert ud.stored_margin(add, ud.bit_levels("additive", add, 5)) == pytest.approx(
        {"one": 0.25 / add.a_minus, "zero": 0.25 / 0.1})
    b = ud.make_rule("binary_burst", 5, 10.0, DT)  # 1 at 5 a+ = 0.2222, theta 0.2: less than one a-
    m = ud.stored_margin(b, ud.bit_levels("binary_burst", b, 5))
    assert m["one"] == pytest.approx((0.2 / 4.5) / 2 / b.a_minus) and m["one"] < 1 and m["zero"] == pytest.approx(4.5)
    mult = ud.make_rule("multiplicative", 5, 10.0, DT)  # 0.5 -> 0.25 takes n = 5 steps of x (1 - a)
    assert ud.stored_margin(mult, ud.bit_levels("multiplicative", mult, 5))["one"] == pytest.approx(5.0)


def test_hebbian3_takes_nine_doublings_from_its_floor():
    rule = ud.make_rule("bs2_hebbian3", 0, 10.0, DT)
    w = isolated_pairings(rule, 1, 11, 0.001, lag_steps=1)[:, 0]  # lag of 1 cycle: x2
    np.testing.assert_allclose(w, np.minimum(0.001 * 2.0 ** np.arange(1, 12), 1.0), rtol=1e-5)
    assert int(np.flatnonzero(w >= 0.5)[0]) + 1 == 9 == ud.pairings_to_write(rule)["mean"]
    assert ud.bit_levels("bs2_hebbian3", rule, 9) == pytest.approx((0.001, 0.512, 0.2565))


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_two_state_switches_with_the_geometric_law_of_mean_n(seed):
    n, n_syn = 5, 3000
    rule = ud.make_rule("two_state", n, 10.0, DT)
    q = 1 / n  # mean number of pairings to switch = 1/q = n
    frac = (isolated_pairings(rule, n_syn, 8, 0.0, seed=seed) == 1.0).mean(axis=1)
    p = 1 - (1 - q) ** np.arange(1, 9)
    assert np.all(np.abs(frac - p) <= K * np.sqrt(p * (1 - p) / n_syn))
    w = ud.pairings_to_write(rule)
    assert w["mean"] == pytest.approx(n) and w["median"] == math.ceil(math.log(0.5) / math.log(1 - q))
    assert w["p95"] == math.ceil(math.log(0.05) / math.log(1 - q))
    med = ud.make_rule("two_state_median", n, 10.0, DT)  # the median definition: half switched after n
    assert 1 - (1 - med.q) ** n == pytest.approx(0.5) and ud.pairings_to_write(med)["median"] == n


# ---- the two-state synapse under use: the exact chain ----------------------------------------------

def exact_two_state(q, rate, steps, w=WINDOW):
    """P(read 1 | stored 1), P(read 1 | stored 0) after each of ``steps`` (1 ms steps).

    a = steps since the last pre (capped at w), b = since the last post (capped at w); U, H, L =
    probability that the coupled copies (one storing 1, one 0: same spikes, same switch draws)
    still differ / agree on 1 / agree on 0. A pre arrival with b + 1 <= w depresses (to L with
    q); then a post spike with a pre in this step or a + 1 <= w potentiates (to H with q)."""
    p = rate * DT
    a = np.arange(w + 1)[:, None]
    b = np.arange(w + 1)[None, :]
    U, H, L = (np.zeros((w + 1, w + 1)) for _ in range(3))
    U[w, w] = 1.0

    def age(x, fired, axis):
        out = np.zeros_like(x)
        if fired:
            idx = [slice(None)] * 2
            idx[axis] = 0
            out[tuple(idx)] = x.sum(axis=axis)
            return out
        src = np.moveaxis(x, axis, 0)
        dst = np.moveaxis(out, axis, 0)
        dst[1:] = src[:-1]
        dst[w] += src[w]
        return out

    hit, fa, want = [], [], set(int(s) for s in steps)
    for step in range(1, max(want) + 1):
        nU, nH, nL = (np.zeros_like(U) for _ in range(3))
        for x in (0, 1):
            for y in (0, 1):
                pr = (p if x else 1 - p) * (p if y else 1 - p)
                d = q * x * (b <= w - 1)
                u = q * y * ((x == 1) | (a <= w - 1))
                u1, h1, l1 = U * (1 - d), H * (1 - d), L + (U + H) * d
                u2, h2_, l2 = u1 * (1 - u), h1 + (u1 + l1) * u, l1 * (1 - u)
                nU += pr * age(age(u2, x, 0), y, 1)
                nH += pr * age(age(h2_, x, 0), y, 1)
                nL += pr * age(age(l2, x, 0), y, 1)
        U, H, L = nU, nH, nL
        if step in want:
            hit.append(U.sum() + H.sum())
            fa.append(H.sum())
    return np.array(hit), np.array(fa)


@functools.lru_cache(maxsize=None)
def exact_series(q, rate, n_steps):
    """:func:`exact_two_state` after every step 1..n_steps (cached: the same for every seed)."""
    return exact_two_state(q, rate, np.arange(1, n_steps + 1))


def test_the_modules_exact_chain_agrees_with_the_one_written_here():
    rule = ud.make_rule("two_state", 5, 10.0, DT)
    steps = [1, 10, 100, 700]
    hit, fa = (x[np.array(steps) - 1] for x in exact_series(0.2, 10.0, 2000))
    h, f = ud.two_state_exact(rule, 10.0, DT, steps)
    np.testing.assert_allclose(h, hit, atol=1e-12)
    np.testing.assert_allclose(f, fa, atol=1e-12)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_two_state_bits_follow_the_exact_chain(seed):
    """20 groups of 2000 synapses at the experiment's 5-pairing point (q = 0.2): the read
    probabilities within 4 standard errors of the chain (nine correlated checks per seed, so 4
    rather than K = 3). A window 25 % longer on one side (decay about 11 % faster) moves
    P(1|1) - P(1|0) at 1 s by 0.034, some 8 standard errors (0.495 -> 0.461, exact chain)."""
    r, groups, m = 10.0, 20, 2000
    rule = ud.make_rule("two_state", 5, r, DT)
    times = np.array([0.5, 1.0, 2.0])
    hit, fa = (x[np.rint(times / DT).astype(int) - 1] for x in exact_series(0.2, r, 2000))
    net = Network(dt=DT, seed=seed)
    pre = net.add(PoissonSource(n=groups * m, rate=r))
    post = net.add(PoissonSource(n=groups * m, rate=r))
    bits = np.random.default_rng(seed).random(groups * m) < 0.5
    syn = net.connect(pre, post, rule=rule, w=bits.astype(float), connectivity="one_to_one")
    for T, eh, ef in zip(times, hit, fa):
        net.run(T - net.t)
        w = (np.asarray(syn.w) > 0.5).reshape(groups, m)
        s = bits.reshape(groups, m)
        gh = (w & s).sum(1) / s.sum(1)
        gf = (w & ~s).sum(1) / (~s).sum(1)
        for got, exp in ((gh, eh), (gf, ef), (gh - gf, eh - ef)):
            mval, se = mean_se(got)
            assert abs(mval - exp) <= 4.0 * se, (T, mval, se, exp)


def exact_information_half_life(q, rate, max_steps):
    """Step at which the exact information of balanced bits first falls to half of 1 bit,
    interpolated linearly in log time between steps."""
    steps = np.arange(1, max_steps + 1)
    hit, fa = exact_series(q, rate, max_steps)
    info = channel_mi(hit, fa)
    k = int(np.flatnonzero(info <= 0.5)[0])
    l0, l1 = math.log(steps[k - 1]), math.log(steps[k])
    return math.exp(l0 + (l1 - l0) * (info[k - 1] - 0.5) / (info[k - 1] - info[k])) * DT


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_information_after_use_is_read_at_the_use_period_and_lifetimes_follow_the_rate(seed):
    """The rate sweep's network (every rule tuned once at 10 Hz) at 5 and 20 Hz: the two-state
    information half-life against the exact chain; the information after the use period (1 s)
    against the exact value at 1 s (at 2 s, the end of the run, it is clearly lower)."""
    cfg = ud.Config(replicates=16, synapses_per_group=500, duration_s=2.0, use_period_s=1.0, dt_check_s=1.0,
                    first_sample_s=0.02)
    for rate in (5.0, 20.0):
        got = ud.rate_point(cfg, rate, seed)
        life = got["two_state"]["life"]
        assert all(s == "measured" for s in life["status"])
        m, se = mean_se(life["times"])
        expected = exact_information_half_life(0.2, rate, 2000 if rate == 5.0 else 400)
        assert abs(m - expected) <= K * se, (rate, m, se, expected)
        if rate == 5.0:
            hit, fa = (x[[999, 1999]] for x in exact_series(0.2, rate, 2000))
            info_1s, info_2s = channel_mi(hit, fa)
            s = got["two_state"]
            assert s["use_t"] == pytest.approx(1.0)
            m, se = mean_se(s["info_use"])
            assert abs(m - info_1s) <= K * se + 0.004, (m, se, info_1s)  # + the plug-in bias, 1/(2 m ln 2)
            assert info_1s - info_2s > 6 * se
            m, se = mean_se(s["correct_use"])
            assert abs(m - 0.5 * (1 + hit[0] - fa[0])) <= K * se


# ---- drift: closed forms on the grid -----------------------------------------------------------------

def poisson_pairs(rules, n_syn, rate, w0, seed, dt=DT):
    net = Network(dt=dt, seed=seed, dtype=np.float64)
    pre = net.add(PoissonSource(n=n_syn, rate=rate))
    post = net.add(PoissonSource(n=n_syn, rate=rate))
    return net, [net.connect(pre, post, rule=r, w=w0, connectivity="one_to_one") for r in rules]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_balanced_additive_stdp_has_zero_drift_and_linearly_growing_variance(seed):
    """Zero drift: the mean change from 10 s to 20 s (start-up and end effects are the same
    constant in both and cancel); the variance at 10 s and 20 s against the closed form."""
    r, a_plus, groups, m = 10.0, 0.02, 40, 200
    rule = PairSTDP(a_plus=a_plus, a_minus=ud.balanced_all_to_all(a_plus, DT), mu=0.0, pairing="all-to-all")
    net, (syn,) = poisson_pairs([rule], groups * m, r, 0.5, seed)
    p = r * DT
    a_m = rule.a_minus
    sum_k2 = a_plus**2 / (1 - math.exp(-2 * DT / TAU_P)) + a_m**2 * math.exp(-2 * DT / TAU_M) / (
        1 - math.exp(-2 * DT / TAU_M))
    var_rate = r * r * DT * (1 - p) ** 2 * sum_k2
    w = {}
    for t_end in (10.0, 20.0):
        net.run(t_end - net.t)
        w[t_end] = np.asarray(syn.w).reshape(groups, m).copy()
        v, se_v = mean_se(w[t_end].var(axis=1, ddof=1))
        assert abs(v - var_rate * t_end) <= K * se_v, (t_end, v, se_v, var_rate * t_end)
    d, se = mean_se((w[20.0] - w[10.0]).mean(axis=1) / 10.0)
    assert abs(d) <= K * se, (d, se)


def nearest_drift_closed_form(a_plus, a_minus, r, dt=DT):
    """Nearest-spike pairing on the grid: the lag to the last pre at a post spike is geometric from
    0 steps, to the last post at a pre arrival geometric from 1 step (same-step posts come later)."""
    p = r * dt
    d = np.arange(0, int(3.0 / dt))
    e_plus = np.sum(p * (1 - p) ** d * np.exp(-d * dt / TAU_P))
    e_minus = np.sum(p * (1 - p) ** d * np.exp(-(d + 1) * dt / TAU_M))
    return r * (a_plus * e_plus - a_minus * e_minus)


def all_to_all_drift_closed_form(a_plus, a_minus, r, dt):
    """All-to-all on the grid: at a post spike the pre trace sums every earlier and same-step pre,
    at a pre arrival the post trace every earlier post: r (a+ sum_d p e^(-d dt/tau+) - a- sum_d>=1 ...)."""
    p = r * dt
    d = np.arange(0, int(3.0 / dt))
    return r * (a_plus * np.sum(p * np.exp(-d * dt / TAU_P)) - a_minus * np.sum(p * np.exp(-(d + 1) * dt / TAU_M)))


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_binary_burst_balanced_on_the_grid_does_not_drift_and_the_continuous_balance_does(seed):
    r, groups, m, T = 10.0, 40, 200, 10.0
    grid_rule = ud.make_rule("binary_burst", 5, r, DT)
    cont_rule = BinaryBurst.balanced_at(r, a_plus=grid_rule.a_plus)
    net, syns = poisson_pairs([grid_rule, cont_rule], groups * m, r, 0.5, seed)
    net.run(2.0)  # the drift from 2 s to 12 s (past the start-up)
    w0 = [np.asarray(s.w).reshape(groups, m).copy() for s in syns]
    net.run(T)
    for rule, syn, start in zip((grid_rule, cont_rule), syns, w0):
        expected = nearest_drift_closed_form(rule.a_plus, rule.a_minus, r)
        d, se = mean_se((np.asarray(syn.w).reshape(groups, m) - start).mean(axis=1) / T)
        assert abs(d - expected) <= K * se, (rule.a_minus, d, se, expected)
    assert abs(nearest_drift_closed_form(grid_rule.a_plus, grid_rule.a_minus, r)) < 1e-12
    assert nearest_drift_closed_form(cont_rule.a_plus, cont_rule.a_minus, r) > 5 * se  # the leftover is visible


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_dt_check_runs_the_same_rules_whose_drift_on_the_fine_grid_is_the_closed_form(seed):
    """The rules tuned on the 1 ms grid, run unchanged at 0.1 ms: additive all-to-all and binary
    nearest-spike drift by the fine grid's closed forms (neither is zero there), so a rule
    re-balanced for 0.1 ms would fail. a+ = 0.02 keeps w away from the bounds for the 6 s run."""
    r, groups, m, T, fine = 10.0, 40, 200, 5.0, 1e-4
    add = PairSTDP(a_plus=0.02, a_minus=ud.balanced_all_to_all(0.02, DT), mu=0.0, pairing="all-to-all")
    binary = BinaryBurst.balanced_at(r, dt=DT, theta=0.2, a_plus=0.02)
    net, syns = poisson_pairs([add, binary], groups * m, r, 0.5, seed, dt=fine)
    net.run(1.0)
    w0 = [np.asarray(s.w).reshape(groups, m).copy() for s in syns]
    net.run(T)
    for name, rule, syn, start, closed in (
            ("additive", add, syns[0], w0[0], all_to_all_drift_closed_form(add.a_plus, add.a_minus, r, fine)),
            ("binary", binary, syns[1], w0[1], nearest_drift_closed_form(binary.a_plus, binary.a_minus, r, fine))):
        d, se = mean_se((np.asarray(syn.w).reshape(groups, m) - start).mean(axis=1) / T)
        assert abs(d - closed) <= K * se, (name, d, se, closed)
        assert abs(closed) > 4 * se, (name, closed, se)  # the grid matters: the same rule drifts at 0.1 ms
    assert ud.all_to_all_drift(add, r, fine) == pytest.approx(all_to_all_drift_closed_form(
        add.a_plus, add.a_minus, r, fine), rel=1e-6)
    assert ud.all_to_all_drift(add, r, DT) == pytest.approx(0.0, abs=1e-15)


# ---- the IF layer ----------------------------------------------------------------------------------

def numpy_if_layer_rate(w_groups, threshold, leak, rate, seconds, seed):
    """Output rate of groups of IF neurons (c += input of the previous cycle; fire at c >= threshold,
    reset to 0; else c = max(c (1 - leak), 0)) fed by independent Poisson inputs, plain numpy.
    ``w_groups``: (groups, inputs, outputs). Returns the rate of each group."""
    rng = np.random.default_rng(seed)
    G, ni, no = w_groups.shape
    c = np.zeros((G, no))
    pending = np.zeros((G, no))
    count = np.zeros(G)
    for _ in range(int(round(seconds / DT))):
        c += pending
        fire = c >= threshold
        count += fire.sum(axis=1)
        c = np.where(fire, 0.0, np.maximum(c * (1 - leak), 0.0))
        spikes = (rng.random((G, ni)) < rate * DT).astype(float)
        pending = np.einsum("gi,gio->go", spikes, w_groups)
    return count / (no * seconds)


def test_calibrated_thresholds_make_a_plain_numpy_if_layer_fire_at_the_use_rate():
    cfg = ud.Config(replicates=5, layer_in=50, layer_out=10)
    pre_idx, post_idx = ud.layer_indices(cfg)
    assert np.array_equal(pre_idx[:20], np.repeat(np.arange(2), 10)) and post_idx[10] == 0
    weights, names = [], ("additive", "binary_burst", "two_state")
    for name in names:
        probe = ud.Probe(name, 5, ud.make_rule(name, 5, 10.0), "bits", cfg.replicates)
        weights.append(probe.initial(pre_idx.size, cfg, 3))
    cal = ud.calibrate_thresholds(cfg, 3, weights + weights[:2])  # five layers: the experiment's structure
    for name, w0, (thr, last) in zip(names, weights, cal):
        rates = numpy_if_layer_rate(w0.reshape(cfg.replicates, cfg.layer_in, cfg.layer_out), thr, cfg.layer_leak,
                                    cfg.rate_hz, 10.0, seed=4)
        m, se = mean_se(rates)
        se_cal = se * math.sqrt(10.0 / 2.0)  # the bisection's own 2-s trials
        assert abs(m - cfg.rate_hz) <= K * math.hypot(se, se_cal) + 0.01 * cfg.rate_hz, (name, thr, m, se)


def test_rate_failures_count_one_second_bins():
    cfg = ud.Config(replicates=2, layer_out=2, silent_hz=1.0, runaway_hz=100.0)
    steps, idx = [], []
    for n in (0, 1):  # group 0 (outputs 0, 1): 5 spikes each in second 0, none after: silent in bin 2
        steps += list(100 + 150 * np.arange(5))
        idx += [n] * 5
    for n in (2, 3):  # group 1 (outputs 2, 3): 20 Hz in second 0, 150 Hz in second 1: runaway in bin 2
        steps += list(10 + 45 * np.arange(20)) + list(1000 + 6 * np.arange(150))
        idx += [n] * 170
    rate, silent, runaway = ud.rate_failures(np.array(steps), np.array(idx), cfg, DT, 3.0)
    np.testing.assert_allclose(rate, [[5.0, 0.0, 0.0], [20.0, 150.0, 0.0]])
    assert list(silent) == [2.0, 3.0] and list(runaway) == [math.inf, 2.0]


def test_layer_run_reports_its_spikes_and_reads_as_numpy_does():
    cfg = ud.Config(replicates=5, layer_in=20, layer_out=4, layer_s=3.0)
    out = ud.layer_run(cfg, 2)
    assert set(out) == set(ud.RULES)
    for name, v in out.items():
        t_spk, grp = v["spike_steps"] * DT, v["spike_idx"] // cfg.layer_out
        first = np.bincount(grp[t_spk < 1.0], minlength=cfg.replicates) / cfg.layer_out
        assert v["summary"]["output_rate_first_s_hz"]["mean"] == pytest.approx(first.mean())
        lo, hi = v["summary"]["output_rate_first_s_hz"]["ci95"]
        assert 0.0 <= lo <= first.mean() <= hi
        end = int(v["t"][-1])
        last = np.bincount(grp[(t_spk >= end - 1) & (t_spk < end)], minlength=cfg.replicates) / cfg.layer_out
        assert v["summary"]["output_rate_last_s_hz"]["mean"] == pytest.approx(last.mean())
        read = (v["w"] >= v["threshold_read"]).reshape(cfg.replicates, -1)
        s = v["stored"]
        hit, fa = (read & s).sum(1) / s.sum(1), (read & ~s).sum(1) / (~s).sum(1)
        p1 = s.mean(1)
        mi = h2(p1 * hit + (1 - p1) * fa) - p1 * h2(hit) - (1 - p1) * h2(fa)
        np.testing.assert_allclose(v["info"][-1], mi, atol=1e-9)
        assert abs(v["summary"]["output_rate_calibrated_hz"] - cfg.rate_hz) < 0.25 * cfg.rate_hz


# ---- settings ------------------------------------------------------------------------------------

@pytest.mark.parametrize("bad, field", [
    ({"dt_check_s": 1000, "duration_s": 2, "use_period_s": 1}, "dt_check_s"),
    ({"use_period_s": 1000, "duration_s": 2, "dt_check_s": 1}, "use_period_s"),
    ({"duration_s": 2}, "use_period_s"),
    ({"stored_low": 0.9, "stored_high": 0.9}, "stored_high"),
    ({"stored_low": 0.8, "stored_high": 0.3}, "stored_high"),
    ({"silent_hz": 50, "runaway_hz": 20}, "runaway_hz"),
    ({"first_sample_s": 70}, "first_sample_s"),
])
def test_inconsistent_settings_are_refused_naming_the_field(bad, field):
    with pytest.raises(ValidationError) as e:
        ud.Config.model_validate(bad)
    assert e.value.errors()[0]["loc"] == (field,)
    assert "allowed" in e.value.errors()[0]["msg"]


def test_the_cli_refuses_a_bad_setting_in_one_line_and_writes_nothing(tmp_path):
    out = tmp_path / "ud_bad"
    cli = [str(Path(sys.executable).parent / "hebblab")]
    p = subprocess.run(cli + ["run", "use-drift", "--quick", "--set", "dt_check_s=1000", "--set", "duration_s=2",
                              "--set", "use_period_s=1", "--out", str(out)], capture_output=True, text=True, timeout=120)
    assert p.returncode == 2, p.stderr
    lines = [x for x in (p.stdout + p.stderr).splitlines() if x.strip()]
    assert len(lines) == 1 and "dt_check_s" in lines[0] and "allowed" in lines[0], lines
    assert not out.exists()


# ---- the verdict ---------------------------------------------------------------------------------------

def _result(lives, losses):
    est = lambda v: {"mean": v, "ci95": [v - 0.05, v + 0.05], "n": 5}  # noqa: E731
    h = {"information_half_life_s": dict(zip(ud.RULES, lives)),
         "information_loss_bits": {k: est(v) for k, v in zip(ud.RULES, losses)},
         "pairings_to_write": {"additive": 5, "bs2_hebbian3": 9}, "use_period_s": 60.0,
         "use_modifies": {"longest_lifetime_s": lives[0], "smallest_information_loss_bits": est(min(losses)),
                          "pairings_to_keep_half_past_use": {k: None for k in ud.KNOB_RULES}}}
    return Result(h, {"tradeoff": {"rate_hz": [10.0]}})


def test_the_verdict_follows_its_criterion():
    short = {"mean": 5.0, "ci95": [4.0, 6.0], "n": 5}
    reaching = {"mean": 50.0, "ci95": [40.0, 65.0], "n": 5}
    bound = {"at_least": 120.0}
    v = ud.verdicts(_result([short] * 5, [0.9] * 5))[0]
    assert v.verdict == "supported" and v.headline == "use_modifies.longest_lifetime_s" and v.unit == "s"
    assert ud.verdicts(_result([short] * 4 + [bound], [0.9] * 5))[0].verdict == "qualified"
    assert ud.verdicts(_result([short] * 4 + [reaching], [0.9] * 5))[0].verdict == "qualified"
    v = ud.verdicts(_result([short] * 4 + [bound], [0.9] * 4 + [0.02]))[0]
    assert v.verdict == "refuted" and v.headline == "use_modifies.smallest_information_loss_bits"


# ---- the quick run --------------------------------------------------------------------------------

def test_quick_run_compares_every_rule_at_one_mean_write_speed_and_samples_fine_enough(quick_run):
    result = quick_run("use-drift")[1]
    h, tab = result.headline, result.tables["tradeoff"]
    p = h["write_speed_sensitivity"]["pairings"]
    assert len({p[k]["mean"] for k in ud.KNOB_RULES}) == 1
    assert h["write_speed_sensitivity"]["two_state_q"]["mean"] == pytest.approx(1 / h["pairings_to_write"]["two_state"])
    for v in h["information_half_life_s"].values():  # no crossing before the first sample (an upper bound)
        assert v is None or "at_most" not in v
    measured = [x for x, b in zip(tab["half_life_s"], tab["bound"]) if x is not None and not b]
    assert measured and min(measured) > ud.Config().first_sample_s


def test_quick_run_dt_check_uses_the_rules_tuned_at_one_millisecond(quick_run):
    h = quick_run("use-drift")[1].headline
    check = h["dt_check"]
    add = ud.make_rule("additive", h["pairings_to_write"]["additive"], 10.0, DT)
    assert check["additive"]["drift_1ms_per_s"] == pytest.approx(0.0, abs=1e-12)
    assert check["additive"]["drift_fine_per_s"] == pytest.approx(
        all_to_all_drift_closed_form(add.a_plus, add.a_minus, 10.0, check["fine_step_ms"] * 1e-3), rel=1e-6)
    fixed = ud.make_rule("binary_burst", h["pairings_to_write"]["binary_burst"], 10.0, DT)
    assert h["binary_drift_per_s"]["20_hz"] == pytest.approx(nearest_drift_closed_form(fixed.a_plus, fixed.a_minus, 20.0))
    assert h["binary_drift_per_s"]["10_hz"] == pytest.approx(0.0, abs=1e-12)
