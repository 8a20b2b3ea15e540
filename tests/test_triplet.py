"""Triplet rule: the frequency dependence of Sjöström, Turrigiano & Nelson 2001 (Neuron 32:1149).

60 pairings at dt = +-10 ms. With the minimal visual-cortex parameters (Pfister & Gerstner 2006,
Table 3) potentiation needs a previous post spike within ~tau_y, so at 0.1 Hz post-pre pairs
depress and pre-post pairs change nothing (as in the data, where +10 ms at 0.1 Hz gave no
significant LTP), and at 50 Hz both orders potentiate.
"""

import numpy as np

from hebblab import si
from hebblab.plasticity import TripletSTDP

from helpers import drive

LAG = 10 * si.ms


def sjostrom(freq, lag, n=60, w0=0.5):
    period = 1.0 / freq
    starts = 0.1 + period * np.arange(n)
    if lag > 0:
        pre, post = starts, starts + lag
    else:
        pre, post = starts - lag, starts
    rule = TripletSTDP()
    w = drive(rule, [pre], [post], w0).w[0]
    assert abs(w - rule.reference(pre, post, w0)) < 1e-12
    return w - w0


def test_low_frequency_post_pre_depresses_pre_post_does_not_potentiate():
    causal, anti = sjostrom(0.1, +LAG), sjostrom(0.1, -LAG)
    assert anti < -0.1  # 60 x 7.1e-3 e^{-10/33.7}
    assert abs(causal) < 1e-12


def test_fifty_hz_potentiates_both_orders():
    assert sjostrom(50.0, +LAG) > 0.05
    assert sjostrom(50.0, -LAG) > 0.05


def test_crossover_frequency_for_post_pre_pairs():
    """Post-pre pairs switch from depression to potentiation between 10 and 50 Hz (Fig. 5 of the paper)."""
    assert sjostrom(10.0, -LAG) < 0 < sjostrom(50.0, -LAG)
