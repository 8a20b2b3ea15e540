"""An excitatory/inhibitory network of LIF neurons driven by Poisson inputs, with pair STDP on the
excitatory-to-excitatory synapses: spike raster, population rates and the E->E weight distribution.

    python examples/ei_network.py [--duration 2] [--out ei_network.png]

800 excitatory and 200 inhibitory current-based LIF neurons (tau_m 20 ms, threshold -50 mV, reset
-60 mV, refractory 2 ms), 10 % connectivity, 1.5 ms delays, each neuron driven by about 100 of 1000
Poisson inputs at 10 Hz (4.5 mV each); E->E synapses learn with additive all-to-all STDP.
"""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

import hebblab as hl  # noqa: E402
from _common import options, save  # noqa: E402

args = options(__doc__, 2.0, "ei_network.png")
net = hl.Network(dt=0.1 * hl.ms, seed=2)
lif = dict(tau_m=20 * hl.ms, v_rest=-70 * hl.mV, v_thresh=-50 * hl.mV, v_reset=-60 * hl.mV, t_ref=2 * hl.ms,
           tau_e=5 * hl.ms, tau_i=10 * hl.ms)
drive = net.add(hl.PoissonSource(n=1000, rate=10 * hl.Hz))
exc = net.add(hl.LIF(n=800, **lif))
inh = net.add(hl.LIF(n=200, **lif))
for pop in (exc, inh):
    net.connect(drive, pop, w=4.5 * hl.mV, connectivity=hl.FixedProbability(0.1))
stdp = hl.rules.PairSTDP(a_plus=0.01 * hl.mV, a_minus=0.0105 * hl.mV, tau_plus=20 * hl.ms, tau_minus=20 * hl.ms,
                         w_max=2.0 * hl.mV)
ee = net.connect(exc, exc, rule=stdp, w=hl.Uniform(0.0, 2.0 * hl.mV), delay=1.5 * hl.ms,
                 connectivity=hl.FixedProbability(0.1, allow_self=False))
net.connect(exc, inh, w=1.0 * hl.mV, delay=1.5 * hl.ms, connectivity=hl.FixedProbability(0.1))
for pop in (exc, inh):
    net.connect(inh, pop, w=-4.0 * hl.mV, delay=1.5 * hl.ms, connectivity=hl.FixedProbability(0.1))
mon_e, mon_i = net.monitor(exc), net.monitor(inh)
net.run(args.duration * hl.second, progress=True)

rate_e, rate_i = len(mon_e) / 800 / args.duration, len(mon_i) / 200 / args.duration
print(f"rates: excitatory {rate_e:.1f} Hz, inhibitory {rate_i:.1f} Hz; E->E weight mean "
      f"{np.mean(ee.w) / hl.mV:.3f} mV (started at 1.000)")
fig, (a, b) = plt.subplots(1, 2, figsize=(10, 4), gridspec_kw=dict(width_ratios=(2, 1)))
a.plot(mon_e.t, mon_e.i, ",", color="tab:blue")
a.plot(mon_i.t, mon_i.i + 800, ",", color="tab:red")
a.set(xlabel="time (s)", ylabel="neuron (E below 800, I above)",
      title=f"E {rate_e:.1f} Hz, I {rate_i:.1f} Hz")
b.hist(np.asarray(ee.w) / hl.mV, bins=40, color="0.3")
b.set(xlabel="E->E weight (mV)", ylabel="synapses", title=f"after {args.duration:g} s")
save(fig, args.out)
