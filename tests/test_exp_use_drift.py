"""use-drift: expectations from closed forms written out here and from the replicate spread.

Oracles (none calls the code under test for its expected value):

* the half-life estimator on synthetic exponentials, on series that outlast the run (a bound, not
  a number) and on series that saturate first (a failure, not a half-life);
* "pairings to write": the weight after k isolated causal pairings in an engine run against the
  closed form of each rule's update (k a+, 1 - (1 - a)^k, 0.001 2^k; for the two-state synapse the
  geometric law 1 - (1 - q)^k of the fraction switched);
* under independent Poisson use on a grid of step dt (each neuron fires in a step with
  probability p = r dt): two-state bits decay as exp(-q (lambda+ + lambda-) t) to first order in q,
  lambda+ = r (1 - (1 - p)^(W/dt + 1)), lambda- = r (1 - (1 - p)^(W/dt)) (the continuous-time
  limit is r (1 - exp(-r W)) each); balanced additive all-to-all STDP has zero mean drift and a
  variance growing as r^2 dt (1 - p)^2 sum_d K(d)^2 per second (continuous limit
  r^2 (a+^2 tau+ + a-^2 tau-) / 2); nearest-spike STDP drifts by r (a+ E+ - a- E-) with the
  geometric-lag expectations E+- written below.

Statistical checks take their tolerance from the replicate spread: the closed form must lie within
K = 3 standard errors of the replicate mean (standard error = SD / sqrt(n) over 16-20 independent
groups of synapses, so the SD itself is well estimated), at three seeds.
"""

import math

import numpy as np
import pytest

from hebblab import stats
from hebblab.experiments import use_drift as ud
from hebblab.experiments.base import Result
from hebblab.network import Network
from hebblab.neurons import PoissonSource, SpikeSource
from hebblab.plasticity import BinaryBurst, PairSTDP

K = 3.0  # standard errors
DT = 1e-3
TAU_P, TAU_M = 16.8e-3, 33.7e-3  # the Bi & Poo window of the pair rules (Bi & Poo 2001)


def mean_se(x):
    x = np.asarray(x, float)
    return x.mean(), x.std(ddof=1) / math.sqrt(x.size)


# ---- the half-life estimator -------------------------------------------------------------------

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


def test_a_half_life_past_the_run_is_a_bound_never_an_extrapolation():
    t = ud.sample_times(60.0, 0.05, 8)
    slow = np.exp(-t * math.log(2) / 600.0)  # a 600 s half-life seen for 60 s: correlation 0.93 at the end
    hl, status = ud.half_life(t, slow)
    assert status == "censored" and math.isinf(hl)
    fast = np.exp(-t * math.log(2) / 20.0)
    corr = np.column_stack([slow, fast, fast])
    res = ud.lifetime(t, corr, np.zeros_like(corr, bool), 60.0)
    v = res["value"]
    assert stats.is_bound(v) and "at_least" in v and "mean" not in v
    assert v["at_least"] == pytest.approx((60.0 + 20.0 + 20.0) / 3, rel=0.01)  # censored replicate counted at 60 s
    assert res["status"] == ["censored", "measured", "measured"]


def test_saturation_before_the_crossing_is_a_failure_not_a_half_life():
    t = ud.sample_times(30.0, 0.05, 8)
    corr = np.column_stack([np.exp(-t * math.log(2) / 5.0)] * 5)
    sat = np.zeros_like(corr, bool)
    sat[t >= 2.0, 0] = True  # group 0 saturates at 2 s, before its correlation reaches 0.5 at 5 s
    res = ud.lifetime(t, corr, sat, 30.0)
    assert res["value"] is None and res["failed"] == 1
    assert res["failure_s"] == pytest.approx(t[t >= 2.0][0])
    sat[:] = False
    sat[t >= 8.0, 0] = True  # saturating after the crossing leaves the half-life measured
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
def test_pairings_to_write_match_the_engine(name, n):
    rule = ud.make_rule(name, n, 10.0, DT)
    k = np.arange(1, n + 3)
    w = isolated_pairings(rule, 1, k.size, 0.0)[:, 0]
    if name == "additive":  # a lag-0 pairing adds a+; target mid-range
        closed, target = np.minimum(k * rule.a_plus, 1.0), 0.5
    elif name == "multiplicative":  # 1 - w -> (1 - a)(1 - w); target mid-range
        closed, target = 1 - (1 - rule.a_plus) ** k, 0.5
    else:  # nearest-spike additive; target theta
        closed, target = np.minimum(k * rule.a_plus, 1.0), 0.2
    np.testing.assert_allclose(w, closed, atol=1e-5)
    reached = int(k[np.flatnonzero(w >= target - 1e-6)[0]])
    assert reached == n == ud.pairings_to_write(rule)


def test_hebbian3_takes_nine_doublings_from_its_floor_to_mid_range():
    rule = ud.make_rule("bs2_hebbian3", 0, 10.0, DT)
    w = isolated_pairings(rule, 1, 11, 0.001, lag_steps=1)[:, 0]  # lag of 1 cycle: x2
    np.testing.assert_allclose(w, np.minimum(0.001 * 2.0 ** np.arange(1, 12), 1.0), rtol=1e-5)
    assert int(np.flatnonzero(w >= 0.5)[0]) + 1 == 9 == ud.pairings_to_write(rule)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_two_state_switches_with_the_geometric_law(seed):
    n, n_syn = 5, 3000
    rule = ud.make_rule("two_state", n, 10.0, DT)
    q = 1 - 2 ** (-1 / n)  # median number of pairings to switch = n
    frac = (isolated_pairings(rule, n_syn, 8, 0.0, seed=seed) == 1.0).mean(axis=1)
    p = 1 - (1 - q) ** np.arange(1, 9)
    assert np.all(np.abs(frac - p) <= K * np.sqrt(p * (1 - p) / n_syn))
    assert p[n - 1] == pytest.approx(0.5) and ud.pairings_to_write(rule) == n


# ---- oracles under use ------------------------------------------------------------------------

def poisson_pairs(rule, n_syn, rate, w0, seed, dt=DT):
    net = Network(dt=dt, seed=seed, dtype=np.float64)
    pre = net.add(PoissonSource(n=n_syn, rate=rate))
    post = net.add(PoissonSource(n=n_syn, rate=rate))
    return net, net.connect(pre, post, rule=rule, w=w0, connectivity="one_to_one")


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_two_state_bits_decay_at_the_candidate_rate(seed):
    """Small q, where the first-order closed form holds (clusters of candidate events slow the decay
    by O(q): about 5 % at q = 0.13, the experiment's 5-pairing point, measured separately)."""
    r, n, window = 10.0, 64, 20e-3
    cfg = ud.Config(replicates=16, synapses_per_group=250)
    t, corr, sat, rule = ud.clamped_run("two_state", n, cfg, r, DT, seed, 45.0)
    p = r * DT
    lam = r * (1 - (1 - p) ** (round(window / DT) + 1)) + r * (1 - (1 - p) ** round(window / DT))
    expected = math.log(2) / (rule.q * lam)
    res = ud.lifetime(t, corr, sat, 45.0)
    assert all(s == "measured" for s in res["status"])
    m, se = mean_se(res["times"])
    assert abs(m - expected) <= K * se, (m, se, expected)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_balanced_additive_stdp_has_zero_drift_and_linearly_growing_variance(seed):
    """Zero drift: the mean change from 10 s to 20 s (start-up and end effects are the same
    constant in both and cancel); the variance at 10 s and 20 s against the closed form."""
    r, a_plus, groups, m = 10.0, 0.02, 40, 200
    rule = PairSTDP(a_plus=a_plus, a_minus=ud.balanced_all_to_all(a_plus, DT), mu=0.0, pairing="all-to-all")
    net, syn = poisson_pairs(rule, groups * m, r, 0.5, seed)
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


def nearest_drift_closed_form(a_plus, a_minus, r):
    """Nearest-spike pairing on the grid: the lag to the last pre at a post spike is geometric from
    0 steps, to the last post at a pre arrival geometric from 1 step (same-step posts come later)."""
    p = r * DT
    e_plus = sum(p * (1 - p) ** d * math.exp(-d * DT / TAU_P) for d in range(0, 5000))
    e_minus = sum(p * (1 - p) ** (d - 1) * math.exp(-d * DT / TAU_M) for d in range(1, 5000))
    return r * (a_plus * e_plus - a_minus * e_minus)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_binary_burst_balanced_on_the_grid_does_not_drift_and_the_continuous_balance_does(seed):
    r, groups, m, T = 10.0, 40, 200, 10.0
    grid_rule = ud.make_rule("binary_burst", 5, r, DT)
    cont_rule = BinaryBurst.balanced_at(r, a_plus=grid_rule.a_plus)
    for rule in (grid_rule, cont_rule):  # the drift from 2 s to 12 s (past the start-up)
        expected = nearest_drift_closed_form(rule.a_plus, rule.a_minus, r)
        net, syn = poisson_pairs(rule, groups * m, r, 0.5, seed)
        net.run(2.0)
        w0 = np.asarray(syn.w).reshape(groups, m).copy()
        net.run(T)
        d, se = mean_se((np.asarray(syn.w).reshape(groups, m) - w0).mean(axis=1) / T)
        assert abs(d - expected) <= K * se, (rule.a_minus, d, se, expected)
    assert abs(nearest_drift_closed_form(grid_rule.a_plus, grid_rule.a_minus, r)) < 1e-12
    assert nearest_drift_closed_form(cont_rule.a_plus, cont_rule.a_minus, r) > 5 * se  # the leftover is visible


# ---- the quick run --------------------------------------------------------------------------------

def test_pair_rule_half_lives_change_by_less_than_their_interval_at_a_tenth_of_the_step(quick_run):
    check = quick_run("use-drift")[1].headline["dt_check"]
    for name in ("additive", "multiplicative", "binary_burst"):
        diff = check[name]["difference_s"]
        assert diff["ci95"][0] <= 0.0 <= diff["ci95"][1], (name, diff)


def test_quick_run_compares_every_rule_at_one_write_speed_and_samples_fine_enough(quick_run):
    result = quick_run("use-drift")[1]
    h, tab = result.headline, result.tables["tradeoff"]
    assert len({h["pairings_to_write"][k] for k in ud.KNOB_RULES}) == 1
    for v in h["half_life_s"].values():  # no crossing before the first sample (it would be an upper bound)
        assert v is None or "at_most" not in v
    measured = [x for x, b in zip(tab["half_life_s"], tab["bound"]) if x is not None and not b]
    first = ud.Config().first_sample_s
    assert measured and min(measured) > first  # every half-life lies between two samples, none on the grid's edge


def _result(corr_hi, half):
    h = {"correlation_after_use": {k: {"mean": min(c, 1.0) - 0.01, "ci95": [c - 0.02, c], "n": 5}
                                   for k, c in zip(ud.RULES, corr_hi)},
         "half_life_s": dict(zip(ud.RULES, half)), "pairings_to_write": {"additive": 5, "bs2_hebbian3": 9},
         "use_period_s": 60.0}
    return Result(h, {"tradeoff": {"rate_hz": [10.0]}})


def test_the_verdict_follows_its_criterion():
    est = {"mean": 5.0, "ci95": [4.0, 6.0], "n": 5}
    bound = {"at_least": 120.0}
    assert ud.verdicts(_result([0.5] * 5, [est] * 5))[0].verdict == "supported"
    assert ud.verdicts(_result([0.5] * 5, [est] * 4 + [bound]))[0].verdict == "qualified"
    assert ud.verdicts(_result([0.5] * 4 + [1.0], [est] * 5))[0].verdict == "qualified"
    assert ud.verdicts(_result([1.0] * 5, [bound] * 5))[0].verdict == "refuted"
