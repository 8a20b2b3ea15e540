"""The benchmark network (hebblab.networks.build_network): Song, Miller & Abbott 2000 with the
parameters of Brian2's examples/synapses/STDP.py, the network the song-abbott experiment checks.

Expectations: the Brian2 example's parameters written out here, and the published criteria (Song,
Miller & Abbott 2000, Fig. 2: additive STDP pushes weights towards both bounds; Rubin, Lee &
Sompolinsky 2001 and Gütig et al. 2003: multiplicative STDP gives a unimodal distribution), judged
by Sarle's bimodality coefficient against 5/9, the uniform start's value (Pfister et al. 2013,
Front. Psychol. 4:700), computed here with scipy.
"""

import numpy as np
import pytest
from scipy.stats import kurtosis, skew

from hebblab.experiments import song_abbott
from hebblab.networks import GMAX, build_network


def bimodality_coefficient(w):
    n = w.size
    g, k = skew(w, bias=False), kurtosis(w, bias=False)
    return (g * g + 1) / (k + 3 * (n - 1) ** 2 / ((n - 2) * (n - 3)))


def test_benchmark_network_has_the_brian2_examples_parameters_and_is_the_experiments():
    net, inputs, neuron, syn = build_network(mu=0.0, seed=1)
    m = neuron.model
    assert m.synapse == "conductance"
    assert (m.tau_m, m.v_rest, m.v_thresh, m.v_reset, m.t_ref, m.tau_e, m.e_e) == pytest.approx(
        (10e-3, -74e-3, -54e-3, -60e-3, 0.0, 5e-3, 0.0))
    r = syn.rule
    assert (r.a_plus, r.a_minus, r.tau_plus, r.tau_minus, r.w_max, r.mu) == pytest.approx(
        (1e-4, 1.05e-4, 20e-3, 20e-3, 0.01, 0.0))
    assert inputs.model.n == 1000 and inputs.model.rate == 15.0
    w = syn.w / GMAX
    assert w.min() >= 0 and w.max() <= 1 and abs(w.mean() - 0.5) < 0.03  # uniform in [0, g_max]
    # the experiment simulates this same neuron and these same rules
    assert song_abbott.neuron_model(1) == m
    assert song_abbott.rule("additive") == r
    assert song_abbott.rule("multiplicative") == build_network(mu=1.0, seed=1)[3].rule


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_benchmark_run_of_100_s_meets_the_published_criteria(seed):
    stats = {}
    for mu in (0.0, 1.0):
        net, _, neuron, syn = build_network(mu=mu, seed=seed)
        spikes = net.monitor(neuron)
        net.run(100.0)
        w = syn.w / GMAX
        assert np.all((w >= 0) & (w <= 1))
        stats[mu] = (bimodality_coefficient(w), np.mean(w < 0.1), np.mean(w > 0.9), len(spikes) / 100.0)
    bc, low, high, rate = stats[0.0]
    assert bc > 5 / 9 and low > 0.1 and high > 0.1  # pushed towards both bounds (uniform: 10 % each)
    assert rate > 1.0
    bc, low, high, _ = stats[1.0]
    assert bc < 5 / 9 and low == 0 and high == 0
