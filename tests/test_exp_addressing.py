"""addressing: expectations from closed forms, independent simulations and published numbers."""

import math

import pytest


def test_addressing_target_change_and_collateral(quick_run):
    h = quick_run("addressing")[1].headline
    # 60 causal pairings at 5 ms: about 60 a+ e^{-5/16.8} of w_max, less the LTD of the reverse pairs
    assert h["target_dw"] == pytest.approx(60 * 0.01 * math.exp(-5 / 16.8), rel=0.25)
    assert h["collateral_fraction_sharing_a_neuron"] > 0.1
