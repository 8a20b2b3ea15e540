"""Song, Miller & Abbott 2000 with the parameters of Brian2's examples/synapses/STDP.py."""

import numpy as np

from hebblab.networks import GMAX, build_network


def final_weights(mu):
    net, _, neuron, syn = build_network(mu=mu, seed=2)
    spikes = net.monitor(neuron)
    net.run(100.0)
    return syn.w / GMAX, len(spikes) / 100.0


def test_additive_stdp_gives_a_bimodal_distribution():
    w, rate = final_weights(0.0)
    assert np.all((w >= 0) & (w <= 1))
    assert np.mean(w < 0.1) >= 0.15  # Brian2 and NEST: about 24 %
    assert np.mean(w > 0.9) >= 0.15  # Brian2 and NEST: about 18 %
    assert 1.0 < rate < 100.0


def test_multiplicative_stdp_gives_a_unimodal_distribution():
    w, _ = final_weights(1.0)
    assert np.mean(w < 0.1) < 0.01 and np.mean(w > 0.9) < 0.01
    hist = np.histogram(w, bins=20, range=(0, 1))[0]
    peaks = [k for k in range(1, 19) if hist[k] > 0 and hist[k] >= hist[k - 1] and hist[k] >= hist[k + 1]]
    assert len(peaks) == 1 or (len(peaks) == 2 and peaks[1] - peaks[0] == 1)
