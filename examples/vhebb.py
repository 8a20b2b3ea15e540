"""A rule that reads the post-synaptic membrane potential (docs/extending.md, "A rule that reads
the neurons' voltage"): kept identical to the guide's code by tests/test_examples.py, tested by
tests/test_clopath.py."""

import math
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
from numba import njit

from hebblab.plasticity.base import Rule


@dataclass(frozen=True)
class VoltageHebb(Rule):
    a: float = 0.02            # weight change per volt of filtered depolarisation, per arrival
    theta: float = -0.058      # volts: above it an arrival potentiates, below it depresses
    tau: float = 0.01          # seconds: the low-pass filter of v
    w_max: float = 0.002       # volts (a LIF's synaptic current jump)

    rule_name: ClassVar[str] = "voltage-hebb"
    kernel_module: ClassVar[str] = "vhebb"        # this module
    param_units: ClassVar[dict] = {"a": "1/volt", "theta": "volt", "tau": "second"}
    reads_post: ClassVar[tuple] = ("v",)          # the pieces receive vpost = (post v,)

    def bounds(self):
        return 0.0, self.w_max

    def layout(self):
        return 0, 0, 1             # per post neuron: its filtered voltage

    def init_state(self, n_syn, n_pre, n_post, seed, stream):
        syn, pre, post = super().init_state(n_syn, n_pre, n_post, seed, stream)
        post[:, 0] = self.theta    # the filter starts at theta
        return syn, pre, post

    def pack(self, dt):
        return np.array([self.a, math.exp(-dt / self.tau), self.theta, self.w_max])

    def reference(self, pre_times, post_times, w0, delay=0.0, dt=None, seed=0, stream=0, s=0, pre_neuron=None,
                  post_neuron=None):
        """The same rule from the post neuron's recorded voltage: post_neuron["v"][k] is its v after
        the update of step k."""
        k = math.exp(-dt / self.tau)
        vbar = [self.theta]                          # vbar[m]: the filter after step m - 1
        for v in post_neuron["v"]:
            vbar.append(k * vbar[-1] + (1.0 - k) * v)
        w = float(w0)
        for t in sorted(pre_times):                  # an arrival at step m reads vbar[m]
            m = round(t / dt) + round(delay / dt)
            w = min(max(w + self.a * (vbar[m] - self.theta), 0.0), self.w_max)
        return w


@njit
def syn_pre(t, s, i, j, w, syn, pre, post, P, seed, stream, vpost):
    """An arrival: w moves by a (vbar - theta) of its post neuron i."""
    return min(max(w + P[0] * (post[i, 0] - P[2]), 0.0), P[3])


@njit
def syn_post(t, s, i, j, w, syn, pre, post, P, seed, stream, vpost):
    return w                       # a post spike changes nothing by itself


@njit
def pre_spike(t, j, pre, P):
    pass


@njit
def post_spike(t, i, post, P, vpost):
    pass


@njit
def post_step(t, i, post, P, vpost):
    """Every step, for every post neuron i: filter its membrane potential vpost[0][i]."""
    post[i, 0] = P[1] * post[i, 0] + (1.0 - P[1]) * vpost[0][i]
    return False                   # no synapse needs a per-step update (there is no syn_step)


transmit = None
