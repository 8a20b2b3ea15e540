"""One pre/post pair over dt in +-1..100 ms: the weight change equals the closed form."""

import math

import numpy as np
import pytest

import hebblab as hl
from hebblab import si
from hebblab.plasticity import BinaryBurst, PairSTDP, TripletSTDP

from helpers import drive

LAGS = np.concatenate([-np.arange(1, 101), np.arange(1, 101)]) * si.ms
T_PRE = 0.2


def one_pair_each(rule, w0, lags=LAGS, delay=0.0):
    pre = [[T_PRE] for _ in lags]
    post = [[T_PRE + delay + lag] for lag in lags]
    return drive(rule, pre, post, w0, delay=delay).w


PAIR_VARIANTS = [
    dict(mu=0.0, pairing="all-to-all"),
    dict(mu=0.0, pairing="nearest-symmetric"),
    dict(mu=0.0, pairing="nearest-pre-centred"),
    dict(mu=1.0, pairing="all-to-all"),
    dict(mu=0.5, pairing="all-to-all"),
    dict(mu_plus=0.0, mu_minus=1.0, pairing="all-to-all"),  # van Rossum
]


@pytest.mark.parametrize("variant", PAIR_VARIANTS, ids=lambda v: "-".join(f"{k}={x}" for k, x in v.items()))
@pytest.mark.parametrize("delay", [0.0, 3 * si.ms])
def test_pair_stdp_single_pair_closed_form(variant, delay):
    rule = PairSTDP(a_plus=0.01, a_minus=0.0105, tau_plus=16.8 * si.ms, tau_minus=33.7 * si.ms, w_max=1.0,
                    **variant)
    w0 = 0.4
    w = one_pair_each(rule, w0, delay=delay)
    mp, mm = rule.mu_plus, rule.mu_minus
    expected = np.where(
        LAGS > 0,
        w0 + 0.01 * (1.0 - w0) ** mp * np.exp(-LAGS / (16.8 * si.ms)),
        w0 - 0.0105 * w0 ** mm * np.exp(LAGS / (33.7 * si.ms)),
    )
    np.testing.assert_allclose(w, expected, rtol=1e-12)


def test_van_rossum_constructor():
    r = PairSTDP.van_rossum(a_plus=0.02, a_minus=0.01)
    assert (r.mu_plus, r.mu_minus) == (0.0, 1.0)


def test_triplet_single_pair_is_the_pair_term():
    rule = TripletSTDP(a2_plus=6.1e-3, a3_plus=6.7e-3, a2_minus=1.6e-3, a3_minus=1.4e-3, tau_x=946 * si.ms,
                       tau_y=27 * si.ms)
    w0 = 0.5
    w = one_pair_each(rule, w0)
    expected = np.where(LAGS > 0, w0 + 6.1e-3 * np.exp(-LAGS / (16.8 * si.ms)),
                        w0 - 1.6e-3 * np.exp(LAGS / (33.7 * si.ms)))
    np.testing.assert_allclose(w, expected, rtol=1e-12)


def test_binary_burst_single_pair():
    rule = BinaryBurst()
    w0 = 0.5
    w = one_pair_each(rule, w0)
    expected = np.where(LAGS > 0, w0 + rule.a_plus * np.exp(-LAGS / rule.tau_plus),
                        w0 - rule.a_minus * np.exp(LAGS / rule.tau_minus))
    np.testing.assert_allclose(w, expected, rtol=1e-12)


def test_bs2_hebbian3_lags_in_cycles():
    rule = hl.rules.BS2Hebbian3()
    lags = np.array([-4, -3, -2, -1, 0, 1, 2, 3, 4])
    pre = [[10.0] for _ in lags]
    post = [[10.0 + lag] for lag in lags]
    w = drive(rule, pre, post, 0.3, dt=1.0).w
    factor = {-3: 0.833, -2: 0.75, -1: 0.5, 1: 2.0, 2: 4 / 3, 3: 1.2}
    expected = [0.3 * factor.get(int(lag), 1.0) for lag in lags]
    np.testing.assert_allclose(w, expected, rtol=1e-12)


def test_two_state_switch_probability_is_q():
    q = 0.3
    rule = hl.rules.TwoStateStochastic(q=q, window_plus=10 * si.ms, window_minus=10 * si.ms)
    n = 4000
    up = drive(rule, [[0.1]] * n, [[0.105]] * n, 0.0).w
    down = drive(rule, [[0.105]] * n, [[0.1]] * n, 1.0).w
    for frac in (np.mean(up == 1.0), np.mean(down == 0.0)):
        assert abs(frac - q) < 4 * math.sqrt(q * (1 - q) / n)
    # outside the window nothing switches
    far = drive(rule, [[0.1]] * 50, [[0.12]] * 50, 0.0).w
    assert np.all(far == 0.0)
