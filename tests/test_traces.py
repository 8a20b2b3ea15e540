"""Traces decay exactly: the stored trace read at any later step equals the closed form."""

import numpy as np

import hebblab as hl
from hebblab import si
from hebblab.plasticity.base import decay

from helpers import DT, drive


def test_all_to_all_pre_trace_is_sum_of_exponentials():
    times = np.array([0.010, 0.013, 0.0305, 0.1])
    rule = hl.rules.PairSTDP(a_plus=0.0, a_minus=0.0, tau_plus=16.8 * si.ms)
    proj = drive(rule, [times], [[]], 0.5)
    t_read = 0.25
    x = decay(proj.pre_vars[0, 0], proj.pre_vars[0, 1], round(t_read / DT), DT / (16.8 * si.ms))
    expected = np.sum(np.exp(-(t_read - times) / (16.8 * si.ms)))
    assert abs(x - expected) < 1e-13


def test_decay_uses_integer_steps_not_accumulated_time():
    # 10^7 steps of 0.1 ms: the exponent is computed from the step difference in one go
    tau = 1.0
    x = decay(1.0, 0.0, 10_000_000, DT / tau)
    assert abs(x - np.exp(-1000.0 / tau)) <= 1e-300 + 1e-15 * np.exp(-1000.0)
    x = decay(2.0, 5.0, 5 + 20_000, DT / tau)
    assert abs(x - 2.0 * np.exp(-2.0)) < 1e-15
