"""addressing: expectations from closed forms written out here (no hebblab code in the oracles).

The closed forms hold for the protocol alone, so these tests run the experiment with a background
too weak to make any neuron fire (0.5 mV jumps at 1 kHz: a mean depolarisation of 2.5 mV against a
16 mV threshold distance). Then every spike is a kick and every weight change is a sum of the
kicked spikes' pairs. The replicates are then identical up to float32 rounding, so the tolerance
is that rounding (120 float32 updates of a weight of order 1: below 1e-5), added to the replicate
interval.
"""

import math

import numpy as np
import pytest

from hebblab.experiments import EXPERIMENTS

A_PLUS, A_MINUS = 0.01, 0.0105  # of w_max (the experiment's rule)
TAU_PLUS, TAU_MINUS = 16.8e-3, 33.7e-3
ROUNDING = 1e-5


def all_to_all_dw(pre_arrivals, post_spikes, w0=0.5):
    """All-to-all pair STDP on given spike times, in time order, hard bounds [0, 1]: at a post
    spike w += a+ sum_{pre arrivals before} exp(-dt/tau+); at a pre arrival w -= a- sum_{post
    spikes before} exp(-dt/tau-)."""
    events = sorted([(t, "pre") for t in pre_arrivals] + [(t, "post") for t in post_spikes])
    pre_seen, post_seen = [], []
    w = w0
    for t, kind in events:
        if kind == "pre":
            w = max(0.0, w - A_MINUS * sum(math.exp(-(t - u) / TAU_MINUS) for u in post_seen))
            pre_seen.append(t)
        else:
            w = min(1.0, w + A_PLUS * sum(math.exp(-(t - s) / TAU_PLUS) for s in pre_seen))
            post_seen.append(t)
    return w - w0


def silent_run(seed, n_pairings, replicates=3):
    exp = EXPERIMENTS["addressing"]
    config = exp.make_config("quick", dict(replicates=replicates, n=60, p=0.25, background_mv=0.5,
                                           n_pairings=n_pairings, settle_s=0.1))
    return config, exp.run(config, seed=seed)


def protocol_times(config):
    t = config.settle_s + np.arange(config.n_pairings) / config.pairing_hz
    return t, config.lag_ms * 1e-3, config.delay_ms * 1e-3


def within(value, expected):
    lo, hi = value["ci95"]
    return lo - ROUNDING <= expected <= hi + ROUNDING


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("n_pairings", [60, 120])
def test_target_change_is_the_closed_form_with_the_delay(seed, n_pairings):
    config, result = silent_run(seed, n_pairings)
    t, lag, d = protocol_times(config)
    # a fires at t_k, its spike arrives at b at t_k + d; b fires at t_k + lag: pairs at lag - d = 4 ms,
    # plus the reverse pairs (b's spike at t_k + lag with a's arrivals at t_{k+1} + d, ...)
    expected = all_to_all_dw(t + d, t + lag)
    h = result.headline
    assert h["rate_hz"]["control"]["mean"] == 0.0  # the background alone fires nothing
    assert within(h["target_dw"], expected), (h["target_dw"], expected)
    if n_pairings == 60:
        # below the bound: the sums in closed form (geometric series), as a cross-check of the loop above
        q_p, q_m = math.exp(-0.1 / TAU_PLUS), math.exp(-0.1 / TAU_MINUS)
        ltp = A_PLUS * math.exp(-(lag - d) / TAU_PLUS) * sum((1 - q_p ** (k + 1)) / (1 - q_p) for k in range(60))
        ltd = A_MINUS * math.exp((lag - d) / TAU_MINUS) * sum(q_m * (1 - q_m ** k) / (1 - q_m) for k in range(1, 60))
        assert expected == pytest.approx(ltp - ltd, abs=1e-12)
        assert 0.43 < expected < 0.44  # not 60 a+ exp(-5/16.8) = 0.445 (no delay, no reverse pairs)
    else:
        assert expected == pytest.approx(0.5)  # the hard bound w_max, reached


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_without_background_only_the_target_and_its_reverse_synapse_change(seed):
    config, result = silent_run(seed, 60, replicates=12)
    h = result.headline
    # a synapse out of a onto a silent neuron sees pre arrivals and no post spike: no pair, no change;
    # the same for every synapse into b from a silent neuron, and for everything after one extra spike
    for group in ("sharing", "elsewhere"):
        assert h[group]["one_spike"]["ci95"] == [0.0, 0.0]
    assert h["elsewhere"]["protocol"]["ci95"] == [0.0, 0.0]
    rows = result.tables["replicates"]
    t, lag, d = protocol_times(config)
    reverse_expected = all_to_all_dw(t + lag + d, t)  # b -> a: b's spikes arrive at a after a fired
    assert np.isfinite(rows["reverse_dw"]).any(), "no target with a reverse synapse b -> a drawn: raise replicates"
    for rev, frac, n_share in zip(rows["reverse_dw"], rows["sharing_protocol"], rows["n_sharing"]):
        if math.isnan(rev):
            assert frac == 0.0
        else:
            assert rev == pytest.approx(reverse_expected, abs=ROUNDING)
            assert frac == pytest.approx(1 / n_share)


def test_reverse_synapse_closed_form_reaches_the_lower_bound():
    # 60 reverse pairings at lag + delay = 6 ms: 60 a- e^{-6/33.7} = 0.52 > 0.5, clipped at 0
    t = 0.1 + np.arange(60) * 0.1
    assert all_to_all_dw(t + 0.006, t) == pytest.approx(-0.5)


def test_presets_and_ranges():
    exp = EXPERIMENTS["addressing"]
    assert exp.make_config("quick").replicates >= 5 and exp.make_config("full").replicates >= 20
    with pytest.raises(Exception):
        exp.make_config("quick", dict(threshold=0.0))
