"""stdp-window: expectations from closed forms, independent simulations and published numbers."""

import pytest

from hebblab.experiments import EXPERIMENTS

from helpers import SHARED_DATA


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


def test_stdp_window_noise_models_reproduce_published_spread(quick_run):
    h = quick_run("stdp-window")[1].headline
    for key in ("sd_ltp_pairing_noise", "sd_ltp_synapse_noise"):
        assert h[key] == pytest.approx(31.0, rel=0.15)
    for key in ("sd_ltd_pairing_noise", "sd_ltd_synapse_noise"):
        assert h[key] == pytest.approx(12.0, rel=0.15)
    assert h["sd_ltp_no_noise"] < 0.5 * 31  # the window alone explains little of the spread
