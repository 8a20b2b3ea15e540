"""backprop-precision: expectations from closed forms, independent simulations and published numbers."""

import pytest


def test_backprop_precision_expectations(quick_run):
    h = quick_run("backprop-precision")[1].headline
    assert h["accuracy_float"] > 0.93
    assert h["accuracy_by_bits"]["8"] == pytest.approx(h["accuracy_float"], abs=0.01)
    assert h["accuracy_by_bits"]["1"] < h["accuracy_float"] - 0.05
    assert 1 <= h["bits_for_1pct_loss"] <= 8
    assert h["pairings_to_write_network"] >= h["weights"] * 255
    assert h["accuracy_one_shot_binary"] > 0.8
