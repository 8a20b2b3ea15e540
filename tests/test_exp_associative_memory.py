"""associative-memory: expectations from closed forms, independent simulations and published numbers."""

import math

import numpy as np
import pytest

from hebblab.experiments import associative_memory as am


def test_associative_memory_against_willshaw_theory(quick_run):
    r = quick_run("associative-memory")[1]
    h = r.headline
    L = r.tables["learning"]
    np.testing.assert_allclose(L["fraction_set"], L["fraction_set_theory"], atol=0.01)
    assert h["patterns_stored"] == pytest.approx(am.half_full_M(10, 10, 1000, 1000), rel=0.03)
    assert am.half_full_M(10, 10, 1000, 1000) == pytest.approx(6931, abs=1)
    assert h["missing_units_per_recall"] == 0
    se = math.sqrt(h["spurious_units_theory_usage"] / 200)
    assert abs(h["spurious_units_per_recall"] - h["spurious_units_theory_usage"]) < 4 * se
    assert h["two_state_lifetime_sim"] == pytest.approx(h["two_state_lifetime_theory"], rel=0.15)
