"""binary-burst: expectations from closed forms, independent simulations and published numbers."""

import math

import numpy as np
import pytest


def test_binary_burst_expectations(quick_run):
    h = quick_run("binary-burst")[1].headline
    assert h["bursts_to_learn"] == 1
    assert h["io_unchanged_fraction_binary"] == 1.0  # perturbations below theta change nothing
    assert h["io_unchanged_fraction_analog"] < 1.0
    f = quick_run("binary-burst")[1].tables["forget"]
    for sim, pred in zip(f["median_forget_s"], f["predicted_forget_s"]):
        if sim is not None and math.isfinite(sim):
            assert sim == pytest.approx(pred, rel=0.3, abs=1.0)
    assert np.all(np.diff(f["importance_events"]) > 0)
