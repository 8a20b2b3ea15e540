"""Song, Miller & Abbott (2000): 1000 Poisson inputs onto one conductance-based LIF neuron with
additive STDP; the weights split into a bimodal distribution and the output rate settles.

    python examples/song_abbott.py [--duration 100] [--out song_abbott.png]

Parameters of Brian2's examples/synapses/STDP.py (Song et al. 2000, Nat. Neurosci. 3:919):
tau_m 10 ms, v_rest -74 mV, threshold -54 mV, reset -60 mV, excitatory reversal 0 mV, tau_e 5 ms,
inputs at 15 Hz, g_max 0.01, a_plus 0.01 g_max, a_minus 1.05 a_plus, tau_plus = tau_minus = 20 ms.
"""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

import hebblab as hl  # noqa: E402
from _common import options, save  # noqa: E402

args = options(__doc__, 100.0, "song_abbott.png")
GMAX = 0.01
net = hl.Network(dt=0.1 * hl.ms, seed=1)
inputs = net.add(hl.PoissonSource(n=1000, rate=15 * hl.Hz))
neuron = net.add(hl.LIF(n=1, synapse="conductance", tau_m=10 * hl.ms, v_rest=-74 * hl.mV, v_thresh=-54 * hl.mV,
                        v_reset=-60 * hl.mV, e_e=0 * hl.mV, tau_e=5 * hl.ms, t_ref=0.0))
stdp = hl.rules.PairSTDP(a_plus=0.01 * GMAX, a_minus=0.0105 * GMAX, tau_plus=20 * hl.ms, tau_minus=20 * hl.ms,
                         w_max=GMAX)
syn = net.connect(inputs, neuron, rule=stdp, w=hl.Uniform(0.0, GMAX))
spikes = net.monitor(neuron)
net.run(args.duration * hl.second, progress=True)

w = syn.w / GMAX
rate = len(spikes) / args.duration
print(f"output rate {rate:.1f} Hz; weights below 0.1 g_max: {np.mean(w < 0.1):.0%}, above 0.9 g_max: "
      f"{np.mean(w > 0.9):.0%}")
fig, (a, b) = plt.subplots(1, 2, figsize=(9, 3.5))
a.hist(w, bins=40, color="0.3")
a.set(xlabel="w / g_max", ylabel="synapses", title=f"after {args.duration:g} s")
b.plot(w, ".", ms=2, color="0.3")
b.set(xlabel="input", ylabel="w / g_max", title=f"output {rate:.1f} Hz")
save(fig, args.out)
