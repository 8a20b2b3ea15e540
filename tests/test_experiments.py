"""Every experiment in quick mode writes a complete run folder, and its numbers agree with the
analytic expectation or the published number it is about."""

import json
import math

import numpy as np
import pytest

from hebblab.experiments import EXPERIMENTS
from hebblab.experiments import associative_memory as am
from hebblab.experiments import use_drift, write_cost
from hebblab.report import write_run

from helpers import SHARED_DATA

REQUIRED = {
    "write-cost": ["pairings_ideal_8bit", "seconds_ideal_8bit_at_250hz", "max_pairing_rate_hz",
                   *[f"{m}.bits_within_{t}" for m in ("none", "pairing", "synapse") for t in ("1s", "1min", "1h")]],
    "stdp-window": ["a_plus", "tau_plus_ms", "a_minus", "tau_minus_ms", "sd_ltp_data", "sd_ltp_pairing_noise",
                    "sd_ltp_synapse_noise"],
    "use-drift": [f"half_life_s.{r}" for r in ("additive", "multiplicative", "bs2_hebbian3", "binary_burst")],
    "binary-burst": ["bursts_to_learn", "bit_error_rate", "analog_relative_error", "forget_time_s_by_w"],
    "associative-memory": ["patterns_stored", "spurious_units_per_recall", "bits_per_synapse", "two_state_lifetime_sim",
                           "two_state_lifetime_theory"],
    "addressing": ["target_dw", "collateral_fraction_changed"],
    "backprop-precision": ["accuracy_float", *[f"accuracy_by_bits.{b}" for b in range(1, 9)], "bits_for_1pct_loss",
                           "pairings_to_write_network", "seconds_to_write_network", "accuracy_one_shot_binary"],
    "song-abbott": ["frac_low_additive", "frac_high_additive", "frac_low_multiplicative", "frac_high_multiplicative"],
}


def get(d, dotted):
    for part in dotted.split("."):
        d = d[part]
    return d


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    out = tmp_path_factory.mktemp("runs")
    done = {}
    for name, exp in EXPERIMENTS.items():
        config = exp.make_config("quick")
        result = exp.run(config, seed=1)
        done[name] = (write_run(exp, config, 1, result, out), result)
    return done


def test_all_eight_experiments_are_registered():
    assert list(EXPERIMENTS) == ["stdp-window", "write-cost", "use-drift", "binary-burst", "associative-memory",
                                 "addressing", "backprop-precision", "song-abbott"]


@pytest.mark.parametrize("name", list(REQUIRED))
def test_run_folder_is_complete(runs, name):
    folder, _ = runs[name]
    cfg = json.loads((folder / "config.json").read_text())
    assert cfg["experiment"] == name and cfg["seed"] == 1 and cfg["backend"] == "numba"
    assert {"hebblab_version", "date", "config"} <= set(cfg)
    results = json.loads((folder / "results.json").read_text())
    for key in REQUIRED[name]:
        get(results, key)  # present
    assert list((folder / "figures").glob("*.png"))
    assert list((folder / "tables").glob("*.csv"))
    html = (folder / "report.html").read_text()
    assert "data:image/png;base64," in html and name in html


# ---- analytic and published expectations ----------------------------------------------------

def test_write_cost_against_closed_forms(runs):
    _, r = runs["write-cost"]
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


def test_stdp_window_fit_to_bi_poo_matches_published_time_constants(tmp_path):
    path = SHARED_DATA / "bi_poo_1998_fig7.csv"
    if not path.exists():
        pytest.skip("shared/data is not beside the checkout")
    exp = EXPERIMENTS["stdp-window"]
    r = exp.run(exp.make_config("quick", {"data_csv": str(path)}), seed=2)
    h = r.headline
    se = h["fit_se"]
    assert abs(h["tau_plus_ms"] - 16.8) < 2 * se["tau_plus_ms"]
    assert abs(h["tau_minus_ms"] - 33.7) < 2 * se["tau_minus_ms"]
    assert h["sd_ltp_data"] == pytest.approx(31, abs=1)


def test_stdp_window_noise_models_reproduce_published_spread(runs):
    h = runs["stdp-window"][1].headline
    for key in ("sd_ltp_pairing_noise", "sd_ltp_synapse_noise"):
        assert h[key] == pytest.approx(31.0, rel=0.15)
    for key in ("sd_ltd_pairing_noise", "sd_ltd_synapse_noise"):
        assert h[key] == pytest.approx(12.0, rel=0.15)
    assert h["sd_ltp_no_noise"] < 0.5 * 31  # the window alone explains little of the spread


def test_half_life_estimator_on_exponentials():
    t = np.linspace(0, 10, 21)
    hl, measured = use_drift.half_life(t, np.exp(-t * math.log(2) / 3.0))
    assert measured and hl == pytest.approx(3.0, rel=0.02)
    hl, measured = use_drift.half_life(t, np.exp(-t * math.log(2) / 40.0))
    assert not measured and hl == pytest.approx(40.0, rel=1e-6)


def test_use_drift_multiplicative_forgets_faster_than_additive(runs):
    # van Rossum, Bi & Turrigiano 2000; Billings & van Rossum 2009: weight-dependent (multiplicative)
    # STDP relaxes every weight to one fixed point and forgets faster than additive STDP
    h = runs["use-drift"][1].headline["half_life_s"]
    assert h["multiplicative"] < h["additive"]


def test_binary_burst_expectations(runs):
    h = runs["binary-burst"][1].headline
    assert h["bursts_to_learn"] == 1
    assert h["io_unchanged_fraction_binary"] == 1.0  # perturbations below theta change nothing
    assert h["io_unchanged_fraction_analog"] < 1.0
    f = runs["binary-burst"][1].tables["forget"]
    for sim, pred in zip(f["median_forget_s"], f["predicted_forget_s"]):
        if sim is not None and math.isfinite(sim):
            assert sim == pytest.approx(pred, rel=0.3, abs=1.0)
    assert np.all(np.diff(f["importance_events"]) > 0)


def test_associative_memory_against_willshaw_theory(runs):
    r = runs["associative-memory"][1]
    h = r.headline
    L = r.tables["learning"]
    np.testing.assert_allclose(L["fraction_set"], L["fraction_set_theory"], atol=0.01)
    assert h["patterns_stored"] == pytest.approx(am.half_full_M(10, 10, 1000, 1000), rel=0.03)
    assert am.half_full_M(10, 10, 1000, 1000) == pytest.approx(6931, abs=1)
    assert h["missing_units_per_recall"] == 0
    se = math.sqrt(h["spurious_units_theory_usage"] / 200)
    assert abs(h["spurious_units_per_recall"] - h["spurious_units_theory_usage"]) < 4 * se
    assert h["two_state_lifetime_sim"] == pytest.approx(h["two_state_lifetime_theory"], rel=0.15)


def test_addressing_target_change_and_collateral(runs):
    h = runs["addressing"][1].headline
    # 60 causal pairings at 5 ms: about 60 a+ e^{-5/16.8} of w_max, less the LTD of the reverse pairs
    assert h["target_dw"] == pytest.approx(60 * 0.01 * math.exp(-5 / 16.8), rel=0.25)
    assert h["collateral_fraction_sharing_a_neuron"] > 0.1


def test_backprop_precision_expectations(runs):
    h = runs["backprop-precision"][1].headline
    assert h["accuracy_float"] > 0.93
    assert h["accuracy_by_bits"]["8"] == pytest.approx(h["accuracy_float"], abs=0.01)
    assert h["accuracy_by_bits"]["1"] < h["accuracy_float"] - 0.05
    assert 1 <= h["bits_for_1pct_loss"] <= 8
    assert h["pairings_to_write_network"] >= h["weights"] * 255
    assert h["accuracy_one_shot_binary"] > 0.8


def test_song_abbott_published_split(runs):
    h = runs["song-abbott"][1].headline
    assert h["frac_low_additive"] >= 0.15 and h["frac_high_additive"] >= 0.15
    assert h["frac_low_multiplicative"] < 0.01 and h["frac_high_multiplicative"] < 0.01
