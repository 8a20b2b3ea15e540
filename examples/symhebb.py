"""A symmetric Hebbian rule (docs/extending.md, "A rule"): kept identical to the guide's code by
tests/test_examples.py. Used by custom_rule.py."""

import math
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
from numba import njit

from hebblab.plasticity.base import Rule


@dataclass(frozen=True)
class SymmetricHebb(Rule):
    a: float = 0.01
    tau: float = 0.02          # seconds
    w_max: float = 1.0

    rule_name: ClassVar[str] = "symmetric-hebb"
    kernel_module: ClassVar[str] = "symhebb"      # this module
    param_units: ClassVar[dict] = {"tau": "second"}  # tau=20 * hl.ms; a bare number is refused

    def bounds(self):
        return 0.0, self.w_max

    def layout(self):
        # state columns per synapse, per pre neuron, per post neuron:
        # each neuron keeps (trace, step of its last spike)
        return 0, 2, 2

    def pack(self, dt):
        # the parameter vector P the pieces read (computed once per dt)
        return np.array([self.a, dt / self.tau, self.w_max])

    def reference(self, pre_times, post_times, w0, delay=0.0, dt=None, seed=0, stream=0, s=0, pre_neuron=None,
                  post_neuron=None):
        """The same rule on spike lists, by explicit pair sums: the test's oracle."""
        events = sorted([(t + delay, 0) for t in pre_times] + [(t, 1) for t in post_times])
        w, seen = float(w0), ([], [])
        for t, side in events:
            partners = seen[1 - side]
            w = min(max(w + self.a * sum(math.exp(-(t - q) / self.tau) for q in partners), 0.0), self.w_max)
            seen[side].append(t)
        return w


@njit
def _trace(x, last, t, P):
    return x * np.exp(-(t - last) * P[1])      # exact decay between integer steps


@njit
def syn_pre(t, s, i, j, w, syn, pre, post, P, seed, stream):
    """A pre spike arrives at synapse s (post neuron i, pre neuron j) at step t: new w."""
    return min(max(w + P[0] * _trace(post[i, 0], post[i, 1], t, P), 0.0), P[2])


@njit
def syn_post(t, s, i, j, w, syn, pre, post, P, seed, stream):
    """Post neuron i fired at step t: new w of its synapse s from pre neuron j."""
    return min(max(w + P[0] * _trace(pre[j, 0], pre[j, 1], t, P), 0.0), P[2])


@njit
def pre_spike(t, j, pre, P):
    """After every synapse of pre neuron j was updated for its arrival at t."""
    pre[j, 0] = _trace(pre[j, 0], pre[j, 1], t, P) + 1.0
    pre[j, 1] = t


@njit
def post_spike(t, i, post, P):
    """After every synapse onto post neuron i was updated for its spike at t."""
    post[i, 0] = _trace(post[i, 0], post[i, 1], t, P) + 1.0
    post[i, 1] = t


transmit = None        # a spike delivers w itself (else a numba function transmit(w, P) -> x)
