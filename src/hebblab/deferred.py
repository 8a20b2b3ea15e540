"""Deferred potentiation: post spikes applied at the pre neuron's next arrival, in row order.

Eager potentiation walks, at every post spike, the synapses onto the post neuron through the
post-to-synapse index; their weights lie scattered through the CSR arrays (a bare read-modify-write
of those scattered weights kept about two thirds of the eager loop's potentiation time in the
recurrent benchmark at 1000 synapses per neuron; benchmarks/RESULTS.md). Deferred potentiation
does the same arithmetic in another place: each post neuron keeps a ring of its last ``K`` spike
steps, and a synapse applies the post spikes it owes just before its pre neuron's next arrival is
transmitted, while the delivery loop walks the row in memory order anyway (NEST's STDP synapses
also catch up at pre spikes, from the post neuron's spike history; Morrison, Diesmann & Gerstner
2008, Biol Cybern 98:459, section 4).

It gives the eager loop's weights bit for bit when the rule's ``syn_post`` reads only the step,
the synapse's own state and weight, the pre neuron's state, the parameters and the random key,
never the post neuron's state (``Rule.deferrable``). Between the post spike and the catch-up none
of those change: the pre state and the synapse state change only at the pre neuron's arrivals,
and the catch-up runs before them. So each synapse sees the same updates, with the same
arguments, in the same order (arrivals at step t before post spikes at t, as in the eager loop).

Per projection (arrays passed to the compiled loop):

- ``pa[j]``: the first step whose post spikes pre neuron j's synapses still owe (step of its last
  arrival, sweep or flush);
- ``ht[i, :]`` a ring of the last ``K`` (a power of two, at least 4) spike steps of post neuron
  i, ``hc[i]`` how many it has had, ``hl[i]`` the last three (one read tells a synapse whether it
  owes anything and, in the usual cases of one or two spikes owed, which);
- ``pb``: per thread, the (synapse, step) pairs one row's catch-up applies;
- ``lz = [R, floor]``: every ``R`` steps a sweep settles the rows that owe spikes from more than
  ``R`` steps ago, so afterwards every ``pa[j] >= floor = t - R``.

A post spike that would overwrite a ring entry still possibly owed (not older than the floor) is
first applied, through the post-to-synapse index, to the synapses that owe it (their
``pa[j] <= step``); it is the oldest spike they owe, so the order stays the eager one. With a ring
of 16 and R = 100 ms this happens only for neurons firing above about 80 Hz. At the end of every
``run`` all rows are settled (a pass over all synapses), so ``proj.w`` is complete between runs.
Projections whose weights a monitor samples during a run stay eager.
"""

from __future__ import annotations

import numpy as np

#: A step before any run (also the "no spike yet" value of ``hl``).
NEVER = -(1 << 62)


class Deferral:
    """The ring, windows and sweep state of one projection (empty when it potentiates eagerly)."""

    def __init__(self, n_pre: int, n_post: int, ring: int, sweep_steps: int, threads: int = 1, row: int = 0):
        if ring < 4 or ring & (ring - 1):
            raise ValueError(f"ring must be a power of two >= 4 (got {ring})")
        self.pa = np.zeros(n_pre, np.int64)
        self.hc = np.zeros(n_post, np.int64)
        self.ht = np.zeros((n_post, ring), np.int64)
        self.hl = np.full((n_post, 3), NEVER, np.int64)
        self.lz = np.array([max(1, int(sweep_steps)), 0], np.int64)
        # per thread, one row's catch-up list: (synapse, step) pairs, at most a ring per synapse
        self.pb = np.zeros((threads, 2, ring * row), np.int64)

    @classmethod
    def unused(cls) -> "Deferral":
        return cls(0, 0, 4, 1)

    def start(self, step: int) -> None:
        """Begin a run at ``step``: the previous run ended settled, so nothing is owed."""
        self.pa[:] = step
        self.hc[:] = 0
        self.hl[:] = NEVER
        self.lz[1] = step

    def arrays(self) -> tuple:
        return self.pa, self.hc, self.ht, self.hl, self.lz, self.pb
