"""Scatter calibration reproduces the spread of Bi & Poo's (1998) points after 60 pairings at 1 Hz.

The bin means and SDs it is calibrated to (+52 % / 31 %, -18 % / 12 %) are computed from the
digitized points of their Fig. 7 (shared/data/README.md), not numbers printed in the paper: the tests
here check the packaged file against them as checksums, and check the calibration against closed
forms and plain-numpy simulations written here.
"""

import csv
import io
import math
from importlib import resources

import numpy as np
import pytest

from hebblab import si
from hebblab.plasticity import PairSTDP, Scatter, calibrate_scatter
from hebblab.plasticity.scatter import BI_POO_LTD_BIN, BI_POO_LTP_BIN, _exp_moments, calibrate_side

from helpers import DT, drive

N_SYN = 3000
W0 = 0.5


def simulate(kind, side, seed=11):
    (low, high), mean, sd, _ = BI_POO_LTP_BIN if side == "ltp" else BI_POO_LTD_BIN
    tau = 16.8 * si.ms if side == "ltp" else 33.7 * si.ms
    m1, _ = _exp_moments(low, high, tau)
    step = abs(mean) / 100 * W0 / (60 * m1)  # mean total change = the digitized bin's mean
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
def test_calibrated_noise_reproduces_the_digitized_bins_mean_and_sd(kind, side):
    change, mean, sd = simulate(kind, side)
    se_mean = sd / math.sqrt(N_SYN)
    assert abs(change.mean() - mean) < 5 * se_mean + 0.02 * abs(mean)
    assert change.std() == pytest.approx(sd, rel=0.07)


def test_pairing_noise_averages_out_synapse_noise_does_not():
    sp, sm = calibrate_scatter("pairing")
    gp, gm = calibrate_scatter("synapse")
    assert sp == pytest.approx(gp * math.sqrt(60)) and sm == pytest.approx(gm * math.sqrt(60))
    assert calibrate_scatter("pairing", n_pairings=240)[0] == pytest.approx(2 * sp)


def test_bin_summary_is_a_checksum_of_the_digitized_points():
    """The packaged points (hebblab/data, Bi & Poo 1998 Fig. 7) against the bin summary computed from
    them (checksums of the digitization, rounded to 1 %)."""
    text = resources.files("hebblab").joinpath("data", "bi_poo_1998_fig7.csv").read_text()
    rows = list(csv.DictReader(io.StringIO(text)))
    dt = np.array([float(r["delta_t_ms"]) for r in rows])
    change = np.array([float(r["percent_change"]) for r in rows])
    ltp = change[(dt > 0) & (dt <= 10)]
    ltd = change[(dt >= -25) & (dt < -3)]
    for data, (_, mean, sd, n) in ((ltp, BI_POO_LTP_BIN), (ltd, BI_POO_LTD_BIN)):
        assert data.size == n
        assert data.mean() == pytest.approx(mean, abs=1.0)
        assert data.std(ddof=1) == pytest.approx(sd, abs=1.0)


def test_default_calibration_is_unchanged():
    """Other experiments (write-cost, backprop-precision) use the default calibration: these are its
    values before the calibration took bins, amplitudes and a floor as arguments."""
    assert calibrate_scatter("pairing") == (4.3594664551320665, 4.869753875248591)
    assert calibrate_scatter("synapse") == (0.5628046993025458, 0.6286825219655607)
    assert calibrate_scatter("synapse", ltp_bin=BI_POO_LTP_BIN, ltd_bin=BI_POO_LTD_BIN, floor=0.0) == \
        calibrate_scatter("synapse")


@pytest.mark.parametrize("kind", ["pairing", "synapse"])
def test_each_side_is_calibrated_on_its_own(kind):
    """calibrate_side gives each side of calibrate_scatter exactly, and one side that cannot be
    calibrated (its SD below the window's spread over the bin) leaves the other side's value as it is.
    Closed form written here for the LTP side: sigma_s^2 = (SD^2 + m^2) / E[W^2] - 1 with
    E[W^2] / m^2 = m2 / m1^2 for dt uniform on (0, 10] ms, tau 16.8 ms."""
    tau_p, tau_m = 16.8 * si.ms, 33.7 * si.ms
    both = calibrate_scatter(kind)
    assert calibrate_side(kind, 60, tau_p, BI_POO_LTP_BIN) == both[0]
    assert calibrate_side(kind, 60, tau_m, BI_POO_LTD_BIN) == both[1]
    m1 = 16.8 / 10 * (1 - math.exp(-10 / 16.8))
    m2 = 16.8 / 20 * (1 - math.exp(-20 / 16.8))
    s_syn = math.sqrt((31.0**2 + 52.0**2) / (m2 / m1**2 * 52.0**2) - 1)
    assert both[0] == pytest.approx(s_syn * (math.sqrt(60) if kind == "pairing" else 1), rel=1e-12)
    tight_ltd = (BI_POO_LTD_BIN[0], -18.0, 0.5, 13)
    with pytest.raises(ValueError, match="smaller than the spread"):
        calibrate_side(kind, 60, tau_m, tight_ltd, amplitude=30.0)
    assert calibrate_side(kind, 60, tau_p, BI_POO_LTP_BIN) == both[0]


def numpy_protocol(rng, kind, sigma, bin_ms, amp, tau_ms, floor, n, n_pairings=60):
    """Plain-numpy change after the protocol: dt uniform in the bin, W = +-amp e^{-|dt|/tau}, per-synapse
    log-normal gain (mean 1, SD sigma) or the mean of n_pairings factors 1 + sigma xi, plus floor noise."""
    dt = rng.uniform(*bin_ms, n)
    w = np.sign(bin_ms[0] + bin_ms[1]) * amp * np.exp(-np.abs(dt) / tau_ms)
    if kind == "synapse":
        s2 = math.log(1 + sigma**2)
        factor = np.exp(math.sqrt(s2) * rng.standard_normal(n) - s2 / 2)
    else:
        factor = 1 + sigma * rng.standard_normal((n, n_pairings)).mean(axis=1)
    return w * factor + floor * rng.standard_normal(n)


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("kind", ["pairing", "synapse"])
def test_calibration_to_a_fitted_window_and_floor_reproduces_the_bin_sd(kind, seed):
    """Bins, amplitudes (not those of the bin means) and a floor as arguments: a numpy simulation of
    the protocol (written here) has the bins' SD within 4 standard errors (20 batches of 10,000)."""
    ltp = ((0.0, 10 * si.ms), 50.0, 33.0, 14)
    ltd = ((-25 * si.ms, -3 * si.ms), -20.0, 13.0, 13)
    amps, taus, floor = (90.0, 22.0), (12.0, 45.0), 6.0
    sp, sm = calibrate_scatter(kind, 60, taus[0] * si.ms, taus[1] * si.ms, ltp_bin=ltp, ltd_bin=ltd,
                               amplitudes=amps, floor=floor)
    rng = np.random.default_rng(seed)
    for sigma, bin_, amp, tau in ((sp, ltp, amps[0], taus[0]), (sm, ltd, amps[1], taus[1])):
        bin_ms = (bin_[0][0] / si.ms, bin_[0][1] / si.ms)
        sds = [np.std(numpy_protocol(rng, kind, sigma, bin_ms, amp, tau, floor, 10_000), ddof=1) for _ in range(20)]
        se = np.std(sds, ddof=1) / math.sqrt(len(sds))
        assert abs(np.mean(sds) - bin_[2]) < 4 * se, (np.mean(sds), bin_[2], se)


def test_calibration_refuses_a_spread_the_window_and_floor_already_exceed():
    with pytest.raises(ValueError, match="smaller than the spread"):
        calibrate_scatter("synapse", floor=40.0)
    with pytest.raises(ValueError, match="ltp_bin"):
        calibrate_scatter("synapse", ltp_bin=((-1.0, 1.0), 50.0, 30.0, 10))
    with pytest.raises(ValueError, match="floor"):
        calibrate_scatter("pairing", floor=-1.0)
