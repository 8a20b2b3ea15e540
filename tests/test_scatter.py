"""Scatter calibration reproduces the Bi & Poo 1998 spread after 60 pairings at 1 Hz."""

import csv
import math

import numpy as np
import pytest

import hebblab as hl
from hebblab.plasticity import PairSTDP, Scatter, calibrate_scatter
from hebblab.plasticity.scatter import BI_POO_LTD_BIN, BI_POO_LTP_BIN, _exp_moments

from helpers import DT, SHARED_DATA, drive

N_SYN = 3000
W0 = 0.5


def simulate(kind, side, seed=11):
    (low, high), mean, sd, _ = BI_POO_LTP_BIN if side == "ltp" else BI_POO_LTD_BIN
    tau = 16.8 * hl.ms if side == "ltp" else 33.7 * hl.ms
    m1, _ = _exp_moments(low, high, tau)
    step = abs(mean) / 100 * W0 / (60 * m1)  # mean total change = published mean
    rng = np.random.default_rng(seed)
    lo_steps, hi_steps = round(low / DT), round(high / DT)
    if side == "ltp":
        lags = rng.integers(max(lo_steps, 0) + 1, hi_steps + 1, N_SYN) * DT  # (0, 10] ms
    else:
        lags = rng.integers(lo_steps, hi_steps, N_SYN) * DT  # [-25, -3) ms
    # w_max far above w0 so the hard bound does not clip the spread (the calibration assumes so)
    rule = PairSTDP(a_plus=step, a_minus=step, w_max=4.0, noise=Scatter(kind))
    starts = 0.05 + np.arange(60) * 1.0
    pre = [starts for _ in lags]
    post = [starts + lag for lag in lags]
    w = drive(rule, pre, post, W0, seed=seed).w
    return 100 * (w - W0) / W0, mean, sd


@pytest.mark.parametrize("kind", ["pairing", "synapse"])
@pytest.mark.parametrize("side", ["ltp", "ltd"])
def test_calibrated_noise_reproduces_published_mean_and_sd(kind, side):
    change, mean, sd = simulate(kind, side)
    se_mean = sd / math.sqrt(N_SYN)
    assert abs(change.mean() - mean) < 5 * se_mean + 0.02 * abs(mean)
    assert change.std() == pytest.approx(sd, rel=0.07)


def test_pairing_noise_averages_out_synapse_noise_does_not():
    sp, sm = calibrate_scatter("pairing")
    gp, gm = calibrate_scatter("synapse")
    assert sp == pytest.approx(gp * math.sqrt(60)) and sm == pytest.approx(gm * math.sqrt(60))
    assert calibrate_scatter("pairing", n_pairings=240)[0] == pytest.approx(2 * sp)


def test_published_summary_matches_the_digitized_points():
    path = SHARED_DATA / "bi_poo_1998_fig7.csv"
    if not path.exists():
        pytest.skip("shared/data is not beside the checkout")
    rows = list(csv.DictReader(path.open()))
    dt = np.array([float(r["delta_t_ms"]) for r in rows])
    change = np.array([float(r["percent_change"]) for r in rows])
    ltp = change[(dt > 0) & (dt <= 10)]
    ltd = change[(dt >= -25) & (dt < -3)]
    for data, (_, mean, sd, n) in ((ltp, BI_POO_LTP_BIN), (ltd, BI_POO_LTD_BIN)):
        assert data.size == n
        assert data.mean() == pytest.approx(mean, abs=1.0)
        assert data.std(ddof=1) == pytest.approx(sd, abs=1.0)
