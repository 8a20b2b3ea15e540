"""Runs NEST 3.10 on spike trains given as JSON on stdin and prints the final weights as JSON.

``tests/test_nest.py`` runs NEST in this separate process: NEST's bundled OpenMP runtime and the
one numba's threading layer loads crashed in one process (a segfault in ``nest.ResetKernel``
on CI). The set-up: spike_generator -> parrot_neuron on each side; the plastic synapse connects
the pre parrot to the post parrot's receptor 1 (spikes there are not repeated).
"""

import json
import sys

import numpy as np


def main() -> None:
    job = json.load(sys.stdin)
    import nest
    nest.set_verbosity("M_ERROR")
    out = []
    for run in job["runs"]:
        nest.ResetKernel()
        nest.set_verbosity("M_ERROR")
        h = run["h"]
        nest.SetKernelStatus({"resolution": h})
        conns = []
        for p, q in zip(run["pre_ms"], run["post_ms"]):
            g_pre = nest.Create("spike_generator", params={"spike_times": p})
            g_post = nest.Create("spike_generator", params={"spike_times": q})
            a, b = nest.Create("parrot_neuron"), nest.Create("parrot_neuron")
            b.set(run["post_params"])
            nest.Connect(g_pre, a, syn_spec={"delay": h})
            nest.Connect(g_post, b, syn_spec={"delay": h})
            nest.Connect(a, b, syn_spec=dict(synapse_model=run["model"], weight=run["w0"], delay=h, receptor_type=1,
                                             **run["syn_params"]))
            conns.append(nest.GetConnections(a, b))
        nest.Simulate(run["t_ms"])
        out.append([float(np.asarray(c.get("weight"), float).ravel()[0]) for c in conns])
    print("WEIGHTS " + json.dumps(out))  # NEST prints its banner on stdout too


if __name__ == "__main__":
    main()
