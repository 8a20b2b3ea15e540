"""write-cost: expectations from closed forms, independent simulations and published numbers."""

import math

import pytest

from hebblab.experiments import write_cost


def test_write_cost_against_closed_forms(quick_run):
    _, r = quick_run("write-cost")
    h = r.headline
    assert h["pairings_ideal_8bit"] == 255 + 255  # saturating reset (1/a_max) + count to the top level
    assert h["seconds_ideal_8bit_at_250hz"] == pytest.approx(510 / 250)
    # Sjöström et al. 2001 / Pfister & Gerstner 2006: post-pre pairs turn to potentiation between 10 and 50 Hz
    assert 10 < h["max_pairing_rate_hz"] < 50
    # Monte Carlo of the open-loop write against P(|N(0, delta sigma sqrt(k'/m))| < delta/2)
    assert h["mc_vs_analytic_max_abs_diff_pairing"] < 0.05
    mc = r.tables["monte_carlo"]
    for i, model in enumerate(mc["model"]):
        if model == "pairing" and mc["err_sd_analytic"][i] > 0 and mc["p_mc"][i] > 0.2:
            # write error after n = k'm noisy steps: sigma sqrt(n) steps of delta/m
            assert mc["err_sd_mc"][i] == pytest.approx(mc["err_sd_analytic"][i], rel=0.15)
    # synapse noise: only the bounds are reliable, one bit at most
    assert h["synapse"]["bits_within_1h"] <= 1
    assert h["pairing"]["bits_within_1h"] >= h["pairing"]["bits_within_1min"] >= h["pairing"]["bits_within_1s"]


def test_write_cost_pairing_noise_scales_as_k_squared():
    sp = 4.0
    z = 1.959963984540054
    for b in (4, 6, 8):
        k = (2**b - 1) // 2
        m = math.ceil(k * (2 * z * sp) ** 2)
        expected = write_cost.reset_pairings(b, m, 1 / 255, sp, 0.0) + k * m
        assert write_cost.pairings_needed(b, 1 / 255, sp, 0.0, 0.95) == expected
