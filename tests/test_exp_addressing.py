"""addressing: expectations from closed forms and hand computations written out here (no hebblab
code in the oracles).

Oracles:

* all-to-all pair STDP on given spike times (:func:`all_to_all_dw`), in time order, with the
  engine's documented convention for an arrival and a spike in the same step (the arrival first,
  a causal pair at dt = 0: hebblab/plasticity/base.py, as Brian2 orders its pathways). It checks
  the experiment's closed form on a lag/delay grid (lag <= delay included), the engine's target
  change when no neuron fires but the kicked ones (a background too weak to fire: 0.5 mV jumps at
  1 kHz, a mean depolarisation of 2.5 mV against a 16 mV threshold distance), and, in the firing
  regime, the engine's change of the target and its reverse synapse replayed from the recorded
  spike trains of a and b.
* fractions of changed synapses and their groups, computed by hand for a small network whose
  changes are chosen here.
* the kicks: every kick either fires its neuron in its step or falls in the neuron's refractory
  period (2 ms after a spike).

Float32 weights: the engine's weights agree with the float64 oracle to rounding (a few hundred
updates of order 1e-2: below 1e-5).
"""

import math

import numpy as np
import pytest

from hebblab.experiments import EXPERIMENTS
from hebblab.experiments import addressing as A

A_PLUS = 0.01
TAU_PLUS, TAU_MINUS = 16.8e-3, 33.7e-3
A_MINUS = {"balanced": A_PLUS * 16.8 / 33.7, "ltd": 0.0105}  # a- tau- = a+ tau+, and the benchmark's a-
DT = 1e-4
T_REF = 2e-3
ROUNDING = 1e-5


def all_to_all_dw(pre_arrivals, post_spikes, a_minus, w0=0.5):
    """All-to-all pair STDP on given spike times (s, rounded to the 0.1 ms step), in time order,
    hard bounds [0, 1]: at a post spike w += a+ sum_{pre arrivals at or before} exp(-dt/tau+); at a
    pre arrival w -= a- sum_{post spikes before} exp(-dt/tau-); a same-step arrival comes first."""
    steps = lambda ts: [int(round(t / DT)) for t in ts]  # noqa: E731
    events = sorted([(k, 0) for k in steps(pre_arrivals)] + [(k, 1) for k in steps(post_spikes)])
    pre_seen, post_seen = [], []
    w = w0
    for k, kind in events:
        if kind == 0:
            w = max(0.0, w - a_minus * sum(math.exp(-(k - u) * DT / TAU_MINUS) for u in post_seen))
            pre_seen.append(k)
        else:
            w = min(1.0, w + A_PLUS * sum(math.exp(-(k - s) * DT / TAU_PLUS) for s in pre_seen))
            post_seen.append(k)
    return w - w0


def config(**over):
    base = dict(replicates=2, n=80, p=0.25, n_pairings=20, settle_s=0.1)  # >= 16 synapses per neuron, as quick
    base.update(over)
    return EXPERIMENTS["addressing"].make_config("quick", base)


def pairing_times(cfg):
    return cfg.settle_s + np.arange(cfg.n_pairings) / cfg.pairing_hz


GRID = [(0.5, 1.0), (1.0, 1.0), (2.0, 1.0), (5.0, 1.0), (20.0, 1.0), (0.5, 0.5), (5.0, 6.0), (6.0, 6.0),
        (10.0, 6.0)]


@pytest.mark.parametrize("lag_ms, delay_ms", GRID)
@pytest.mark.parametrize("window", ["balanced", "ltd"])
def test_closed_form_of_the_target_on_a_lag_delay_grid(lag_ms, delay_ms, window):
    for n_pairings in (1, 60):
        cfg = config(lag_ms=lag_ms, delay_ms=delay_ms, n_pairings=n_pairings)
        t = pairing_times(cfg)
        expected = all_to_all_dw(t + delay_ms * 1e-3, t + lag_ms * 1e-3, A_MINUS[window])
        assert A.isolated_target_dw(cfg, window) == pytest.approx(expected, abs=1e-12)
    if (lag_ms, delay_ms) == (0.5, 1.0) and window == "ltd":
        # post 0.5 ms before each arrival: anti-causal, 60 a- e^{-0.5/33.7} = 0.62 > 0.5: the lower bound
        assert expected == pytest.approx(-0.5)
    if (lag_ms, delay_ms) == (5.0, 1.0) and window == "ltd":
        # below the bounds: geometric series of the repeated pairings (pairs at 4 ms, reverse pairs at 96 ms, ...)
        q_p, q_m = math.exp(-0.1 / TAU_PLUS), math.exp(-0.1 / TAU_MINUS)
        ltp = A_PLUS * math.exp(-4e-3 / TAU_PLUS) * sum((1 - q_p ** (k + 1)) / (1 - q_p) for k in range(60))
        ltd = 0.0105 * math.exp(4e-3 / TAU_MINUS) * sum(q_m * (1 - q_m ** k) / (1 - q_m) for k in range(1, 60))
        assert expected == pytest.approx(ltp - ltd, abs=1e-12)
        assert expected == pytest.approx(0.4363, abs=1e-4)  # not 60 a+ e^{-5/16.8} = 0.445 (no delay, no reverse)


def silent(**over):
    return config(background_mv=0.5, **over)


@pytest.mark.parametrize("seed, lag_ms, delay_ms", [(1, 0.5, 1.0), (2, 1.0, 1.0), (3, 5.0, 1.0), (1, 5.0, 6.0),
                                                    (2, 12.0, 3.0)])
def test_engine_target_change_is_the_closed_form_without_background_firing(seed, lag_ms, delay_ms):
    cfg = silent(lag_ms=lag_ms, delay_ms=delay_ms)
    sim = A.simulate(cfg, seed)
    t = pairing_times(cfg)
    s = sim.sites
    for w in A.WINDOWS:
        kicked = {i for c in ("protocol", "sham", "one_spike") for i in sim.kicks[c][1].tolist()}
        assert set(sim.spikes[w]["control"][1].tolist()) == set()  # the background alone fires nothing
        assert set(sim.spikes[w]["protocol"][1].tolist()) <= kicked
        expected = all_to_all_dw(t + delay_ms * 1e-3, t + lag_ms * 1e-3, A_MINUS[w])
        assert sim.dw[w]["protocol"][s.target] == pytest.approx(np.full(cfg.replicates, expected), abs=ROUNDING)
        assert np.all(sim.dw[w]["control"] == 0)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_without_background_firing_only_the_target_and_its_reverse_synapse_change(seed):
    cfg = silent(replicates=16, n_pairings=30)
    result = EXPERIMENTS["addressing"].run(cfg, seed=seed)
    h = result.headline
    rows = result.tables["replicates"]
    t = pairing_times(cfg)
    for w in A.WINDOWS:
        # out of a onto a silent neuron: arrivals, no post spike, no pair; the same into b from a silent
        # neuron, and for every synapse after the sham's or one extra spike
        for group in ("sharing", "elsewhere"):
            for cond in ("sham", "one_spike"):
                assert h[w][group][cond]["mean"] == 0.0
        assert h[w]["elsewhere"]["protocol"]["mean"] == 0.0
        assert h[w]["target_dw"]["mean"] == pytest.approx(A.isolated_target_dw(cfg, w), abs=ROUNDING)
        reverse_expected = all_to_all_dw(t + cfg.lag_ms * 1e-3 + cfg.delay_ms * 1e-3, t, A_MINUS[w])
        assert np.isfinite(rows[f"{w}_reverse_dw"]).any(), "no target with a reverse synapse b -> a: raise replicates"
        for rev, frac, n_share in zip(rows[f"{w}_reverse_dw"], rows[f"{w}_frac_sharing_protocol"],
                                      rows[f"{w}_n_sharing"]):
            if math.isnan(rev):
                assert frac == 0.0
            else:
                assert rev == pytest.approx(reverse_expected, abs=ROUNDING)
                assert frac == pytest.approx(1 / n_share)  # the reverse synapse alone (|change| > 10 % of target)


@pytest.fixture(scope="module")
def firing():
    """Small firing networks (the experiment's background), three seeds."""
    return {seed: A.simulate(config(replicates=3, n_pairings=30, settle_s=0.3), seed) for seed in (1, 2, 3)}


def steps_of(times):
    return np.rint(np.asarray(times) / DT).astype(np.int64)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_engine_change_of_target_and_reverse_is_all_to_all_stdp_on_the_recorded_spikes(firing, seed):
    sim = firing[seed]
    cfg = config(replicates=3, n_pairings=30, settle_s=0.3)
    d = cfg.delay_ms * 1e-3
    end = sim.duration - DT / 2  # a spike in the last delay of the run arrives after it ends: never applied
    for w in A.WINDOWS:
        for cond in ("control", "protocol"):
            t, i = sim.spikes[w][cond]
            assert t.size > 100  # the network fires
            for r in range(cfg.replicates):
                ta, tb = t[i == sim.sites.a[r]], t[i == sim.sites.b[r]]
                arrive = lambda x: x[x + d < end] + d  # noqa: E731
                forward = all_to_all_dw(arrive(ta), tb, A_MINUS[w])
                assert sim.dw[w][cond][sim.sites.target[r]] == pytest.approx(forward, abs=ROUNDING)
                rev = np.flatnonzero((sim.pre == sim.sites.b[r]) & (sim.post == sim.sites.a[r]))
                if rev.size:
                    backward = all_to_all_dw(arrive(tb), ta, A_MINUS[w])
                    assert sim.dw[w][cond][rev[0]] == pytest.approx(backward, abs=ROUNDING)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_protocol_sham_and_one_spike_control_receive_their_kicks(firing, seed):
    sim = firing[seed]
    cfg = config(replicates=3, n_pairings=30, settle_s=0.3)
    t = pairing_times(cfg)
    lag = cfg.lag_ms * 1e-3
    s = sim.sites
    expected = {"protocol": [(t, s.a), (t + lag, s.b)], "sham": [(t, s.c), (t + lag, s.d)],
                "one_spike": [(t[:1], s.c)]}
    for w in A.WINDOWS:
        for cond, kicks in expected.items():
            st, si = sim.spikes[w][cond]
            fired = 0
            for times, neurons in kicks:
                for r in range(cfg.replicates):
                    own = steps_of(st[si == neurons[r]])
                    for k in steps_of(times):
                        hit = k in own
                        refractory = np.any((own < k) & (own >= k - round(T_REF / DT)))
                        assert hit or refractory, (w, cond, r, k)
                        fired += hit
            total = sum(len(times) for times, _ in kicks) * cfg.replicates
            assert fired >= 0.9 * total or total < 10
            # and the control's same neurons did not fire at those steps (the kicks made the spikes; a
            # neuron at 10 Hz fires in a given step with probability 1e-3, so one kick alone proves nothing)
            ct, ci = sim.spikes[w]["control"]
            for times, neurons in (k for k in kicks if len(k[0]) >= 10):
                own = np.concatenate([steps_of(ct[ci == neurons[r]]) for r in range(cfg.replicates)])
                assert np.isin(steps_of(times), own).mean() < 0.1


def synthetic():
    """Two replicates of an 8-neuron network, a = 0, b = 1, c = 4, d = 5 (local indices), with
    hand-chosen changes. Synapses (local): s0 0->1 target, s1 1->0 reverse, s2 0->2, s3 3->1 (these
    three share a neuron with the target), s4 2->3, s5 3->6, s6 6->7 (elsewhere), s7 4->6, s8 5->7
    (touch c or d: in neither group). Undirected hops from {0, 1}: 2, 3 at 1; 6 at 2; 7 at 3; so s4
    and s5 are one hop away, s6 two. From {4, 5}: 6, 7 at 1, 3 at 2, 2 at 3: s5, s6 one hop, s4
    two. From {4}: 6 at 1; 3, 7 at 2: s5, s6 one hop, s4 two."""
    local_pre = np.array([0, 1, 0, 3, 2, 3, 6, 4, 5])
    local_post = np.array([1, 0, 2, 1, 3, 6, 7, 6, 7])
    n = 8
    pre = np.r_[local_pre, local_pre + n]
    post = np.r_[local_post, local_post + n]
    sites = A.Sites(target=np.array([0, 9]), a=np.array([0, 8]), b=np.array([1, 9]), c=np.array([4, 12]),
                    d=np.array([5, 13]))
    effect = {"protocol": np.array([0.4, -0.3, 0.05, -0.035, 0.15, 0.0, -0.045, 1.0, 1.0]),
              "sham": np.array([0.0, 0.05, 0.0, 0.0, 0.0, 0.12, -0.3, 1.0, 1.0]),
              "one_spike": np.array([0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.06, 1.0, 1.0])}
    control = np.full(18, -0.1)
    dw = {"control": control}
    for cond, e in effect.items():
        dw[cond] = control + np.r_[e, 2 * e]  # replicate 2: every change doubled, the same fractions
    cfg = EXPERIMENTS["addressing"].make_config("quick", dict(replicates=2, n=20, threshold=0.1,
                                                              thresholds=(0.25, 0.5)))
    cfg = cfg.model_copy(update={"n": n})  # 8 neurons per network (below the config's range, for the hand count)
    return cfg, pre, post, dw, sites


def test_fractions_of_changed_synapses_by_hand():
    cfg, pre, post, dw, sites = synthetic()
    per = A.replicate_numbers(cfg, pre, post, dw, sites)
    # limits 0.04, 0.1, 0.2 w_max (10, 25, 50 % of the target's change 0.4 against the control)
    expected = {
        "sharing_protocol": [2 / 3, 1 / 3, 1 / 3],  # s1 0.3 at all, s2 0.05 at 10 %, s3 0.035 never
        "sharing_sham": [1 / 3, 0, 0],  # s1 0.05
        "sharing_one_spike": [0, 0, 0],
        "elsewhere_protocol": [2 / 3, 1 / 3, 0],  # s4 0.15, s6 0.045
        "elsewhere_sham": [2 / 3, 2 / 3, 1 / 3],  # s5 0.12, s6 0.3
        "elsewhere_one_spike": [1 / 3, 0, 0],  # s6 0.06
        "hop1_protocol": [1 / 2, 1 / 2, 0],  # {s4, s5}
        "hop2_protocol": [1, 0, 0],  # {s6}
        "hop1_sham": [1, 1, 1 / 2],  # {s5, s6}
        "hop2_sham": [0, 0, 0],  # {s4}
        "hop1_one_spike": [1 / 2, 0, 0],  # {s5, s6}
        "hop2_one_spike": [0, 0, 0],  # {s4}
    }
    for key, fr in expected.items():
        np.testing.assert_allclose(per[f"frac_{key}"], [fr, fr], atol=1e-12, err_msg=key)
    np.testing.assert_allclose(per["target_dw"], [0.4, 0.8])
    np.testing.assert_allclose(per["target_dw_control"], [-0.1, -0.1])
    np.testing.assert_allclose(per["reverse_dw"], [-0.3, -0.6])
    np.testing.assert_allclose(per["background_drift"], [-0.1, -0.1])
    np.testing.assert_allclose(per["n_sharing"], [3, 3])
    np.testing.assert_allclose(per["n_elsewhere"], [3, 3])
    np.testing.assert_allclose(per["mean_dw_sharing_protocol"], [(-0.3 + 0.05 - 0.035) / 3, 2 * (-0.285) / 3])
    np.testing.assert_allclose(per["mean_dw_elsewhere_sham"], [(0.12 - 0.3) / 3, 2 * (-0.18) / 3])


def wilson_t(p, n_eff, z):
    """Wilson's score interval with z, written out."""
    centre = (p + z * z / (2 * n_eff)) / (1 + z * z / n_eff)
    half = z * math.sqrt(p * (1 - p) / n_eff + z * z / (4 * n_eff ** 2)) / (1 + z * z / n_eff)
    return max(0.0, centre - half), min(1.0, centre + half)


def test_fraction_intervals_stay_in_zero_one():
    t4 = 2.776445  # t_{0.975, 4}
    x = np.array([0.0, 0.0, 0.02, 0.0, 0.0])  # a t interval would reach below 0
    e = A.fraction_estimate(x, pooled=400)
    p, se2 = 0.004, np.var(x, ddof=1) / 5
    assert e["ci95"] == pytest.approx(list(wilson_t(p, p * (1 - p) / se2, t4)), rel=1e-4)
    assert 0 <= e["ci95"][0] <= p <= e["ci95"][1] <= 1
    zero = A.fraction_estimate(np.zeros(5), pooled=400)  # no spread: the pooled count, upper end > 0
    assert zero["ci95"][0] == 0 and zero["ci95"][1] == pytest.approx(t4 ** 2 / (400 + t4 ** 2), rel=1e-4)
    mid = np.array([0.40, 0.45, 0.50, 0.55, 0.60])  # away from the ends: the t interval of the mean
    m = A.fraction_estimate(mid, pooled=10 ** 6)
    half = t4 * np.std(mid, ddof=1) / math.sqrt(5)
    assert m["ci95"] == pytest.approx([0.5 - half, 0.5 + half], abs=0.01)


def fake(by_threshold):
    """A result holding only what the verdict reads: target-specific sharing intervals by window and threshold."""
    from hebblab.experiments.base import Result
    h = {"settings": {"threshold": 0.1, "ltd_integral_ratio": 2.1}}
    for w, vals in by_threshold.items():
        bt = {k: {"mean": (lo + hi) / 2, "ci95": [lo, hi], "n": 5} for k, (lo, hi) in vals.items()}
        h[w] = {"by_threshold": {"sharing": bt}, "sharing": {"target_specific": bt["thr_10"]}}
    return Result(h)


def test_verdict_follows_its_stated_criterion():
    v = lambda r: EXPERIMENTS["addressing"].verdicts(r)[0].verdict  # noqa: E731
    every = {"thr_10": (0.2, 0.3), "thr_25": (0.1, 0.2), "thr_50": (0.06, 0.1)}
    assert v(fake({"balanced": every, "ltd": every})) == "supported"
    low_at_50 = dict(every, thr_50=(0.0, 0.1))
    assert v(fake({"balanced": low_at_50, "ltd": every})) == "qualified"  # depends on the threshold
    assert v(fake({"balanced": every, "ltd": low_at_50})) == "qualified"  # depends on the window
    none = {"thr_10": (-0.01, 0.009), "thr_25": (0.0, 0.0), "thr_50": (0.0, 0.0)}
    assert v(fake({"balanced": none, "ltd": every})) == "refuted"


def test_config_refuses_bad_input():
    exp = EXPERIMENTS["addressing"]
    assert exp.make_config("quick").replicates >= 5 and exp.make_config("full").replicates >= 20
    for bad, words in ((dict(threshold=0.0), "greater than"), (dict(lag_ms=float("nan")), "finite number"),
                       (dict(lag_ms=float("inf")), "finite number"), (dict(thresholds=(0.1, 1.5)), r"\(0, 1\]"),
                       (dict(lag_ms=50.0, pairing_hz=40.0), "pairing period")):
        with pytest.raises(Exception, match=words):
            exp.make_config("quick", bad)
