"""Brian2 on identical spike trains: its STDP example's synapse equations give the same weights.

Brian2's ``examples/synapses/STDP.py`` synapses (additive, all-to-all, traces per synapse):

    on_pre:  ge += w; Apre += dApre; w = clip(w + Apost, 0, gmax)
    on_post: Apost += dApost; w = clip(w + Apre, 0, gmax)

Trains come from the same Bernoulli-per-step process on the 0.1 ms grid, without same-step pre and
post spikes (where the two orderings of events are a convention).
"""

import numpy as np
import pytest

from hebblab import si
from hebblab.plasticity import PairSTDP

from helpers import DT, drive

b2 = pytest.importorskip("brian2")

pytestmark = pytest.mark.peers

N, DURATION = 25, 5.0
GMAX = 0.01
TAU = 20 * si.ms


def trains(seed):
    rng = np.random.default_rng(seed)
    steps = int(DURATION / DT)
    pre = rng.random((N, steps)) < 30 * DT
    post = rng.random((N, steps)) < 30 * DT
    post &= ~pre  # no same-step pairs
    return ([np.flatnonzero(p) * DT for p in pre], [np.flatnonzero(q) * DT for q in post])


def brian2_weights(pre, post, w0, d_pre, d_post, delay=0.0):
    b2.start_scope()
    b2.prefs.codegen.target = "numpy"
    b2.defaultclock.dt = DT * b2.second
    idx = lambda tr: np.concatenate([np.full(len(t), k) for k, t in enumerate(tr)])  # noqa: E731
    times = lambda tr: np.concatenate(tr) * b2.second  # noqa: E731
    G_pre = b2.SpikeGeneratorGroup(N, idx(pre), times(pre))
    G_post = b2.SpikeGeneratorGroup(N, idx(post), times(post))
    S = b2.Synapses(G_pre, G_post,
                    """w : 1
                       dApre/dt = -Apre / taupre : 1 (event-driven)
                       dApost/dt = -Apost / taupost : 1 (event-driven)""",
                    on_pre="""Apre += dApre
                              w = clip(w + Apost, 0, gmax)""",
                    on_post="""Apost += dApost
                               w = clip(w + Apre, 0, gmax)""",
                    namespace=dict(taupre=TAU * b2.second, taupost=TAU * b2.second, dApre=d_pre, dApost=d_post, gmax=GMAX))
    S.connect(j="i")
    S.w = w0
    S.delay = delay * b2.second
    b2.run((DURATION + 0.05) * b2.second)
    return np.array(S.w[:])


@pytest.mark.parametrize("delay", [0.0, 1.5 * si.ms])
def test_same_weights_as_brian2_stdp_example(delay):
    pre, post = trains(7)
    if delay:  # keep arrivals off the post steps too
        post = [np.setdiff1d(np.round(q / DT), np.round(p / DT) + round(delay / DT)) * DT for p, q in zip(pre, post)]
    d_pre = 0.01 * GMAX
    d_post = -1.05 * d_pre
    w0 = np.linspace(0.1, 0.9, N) * GMAX
    ours = drive(PairSTDP(a_plus=d_pre, a_minus=-d_post, tau_plus=TAU, tau_minus=TAU, w_max=GMAX), pre, post, w0,
                 delay=delay, duration=DURATION + 0.05).w
    theirs = brian2_weights(pre, post, w0, d_pre, d_post, delay)
    assert np.max(np.abs(ours - w0)) > 0.1 * GMAX  # the trains moved the weights
    np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-9 * GMAX)
