"""Shared helpers: drive synapses with chosen spike trains."""

from __future__ import annotations

from pathlib import Path

import numpy as np

import hebblab as hl
from hebblab import si

DT = 0.1 * si.ms
SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


def drive(rule, pre_trains, post_trains, w0, delay=0.0, dt=DT, backend="numba", seed=0, duration=None,
          dtype=np.float64):
    """Synapse k connects pre neuron k to post neuron k; both sides fire the given trains.

    Returns the projection after the run (``proj.w`` holds the final weights).
    """
    n = len(pre_trains)
    pre_t = np.concatenate([np.asarray(tr, float) for tr in pre_trains]) if n else np.zeros(0)
    pre_i = np.concatenate([np.full(len(tr), k) for k, tr in enumerate(pre_trains)])
    post_t = np.concatenate([np.asarray(tr, float) for tr in post_trains])
    post_i = np.concatenate([np.full(len(tr), k) for k, tr in enumerate(post_trains)])
    net = hl.Network(dt=dt, seed=seed, backend=backend, dtype=dtype)
    pre = net.add(hl.SpikeSource(n=n, times=pre_t, indices=pre_i))
    post = net.add(hl.SpikeSource(n=n, times=post_t, indices=post_i))
    proj = net.connect(pre, post, rule=rule, w=w0, delay=delay, connectivity="one_to_one")
    last = max([0.0] + list(pre_t + delay) + list(post_t))
    net.run(duration if duration is not None else last + 10 * dt)
    return proj


def poisson_train(rng, rate, duration, dt=DT, min_gap_steps=1):
    """Spike times on the dt grid, Bernoulli per step (no two spikes in one step)."""
    steps = np.flatnonzero(rng.random(int(duration / dt)) < rate * dt)
    return steps * dt
