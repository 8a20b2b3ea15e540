"""use-drift: expectations from closed forms, independent simulations and published numbers."""

import math

import numpy as np
import pytest

from hebblab.experiments import use_drift


def test_half_life_estimator_on_exponentials():
    t = np.linspace(0, 10, 21)
    hl, measured = use_drift.half_life(t, np.exp(-t * math.log(2) / 3.0))
    assert measured and hl == pytest.approx(3.0, rel=0.02)
    hl, measured = use_drift.half_life(t, np.exp(-t * math.log(2) / 40.0))
    assert not measured and hl == pytest.approx(40.0, rel=1e-6)


def test_use_drift_multiplicative_forgets_faster_than_additive(quick_run):
    # van Rossum, Bi & Turrigiano 2000; Billings & van Rossum 2009: weight-dependent (multiplicative)
    # STDP relaxes every weight to one fixed point and forgets faster than additive STDP
    h = quick_run("use-drift")[1].headline["half_life_s"]
    assert h["multiplicative"] < h["additive"]
