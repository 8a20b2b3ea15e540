"""Your own neuron model: the Izhikevich (2003) neuron of docs/extending.md (examples/izhikevich.py),
passed through hebblab's conformance suite and driven by Poisson input; membrane traces and a raster.

    python examples/custom_neuron.py [--duration 1] [--out custom_neuron.png]

Regular-spiking (a 0.02, b 0.2, c -65, d 8) and fast-spiking (a 0.1, b 0.2, c -65, d 2)
parameters, each population driven by the same 200 Poisson inputs at 20 Hz.
"""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

import hebblab as hl  # noqa: E402
from _common import options, save  # noqa: E402
from hebblab.testing import check_model  # noqa: E402
from izhikevich import Izhikevich  # noqa: E402

args = options(__doc__, 1.0, "custom_neuron.png")
check_model(Izhikevich(n=5), drive_w=4.0)
print("check_model: passed")

net = hl.Network(dt=0.1 * hl.ms, seed=3)
drive = net.add(hl.PoissonSource(n=200, rate=20 * hl.Hz))
kinds = {"regular spiking": Izhikevich(n=20), "fast spiking": Izhikevich(n=20, a=0.1, d=2.0)}
pops = {name: net.add(model) for name, model in kinds.items()}
traces, rasters = {}, {}
for name, pop in pops.items():
    net.connect(drive, pop, w=0.8, connectivity=hl.FixedProbability(0.5))
    traces[name] = net.monitor(pop, "v", every=0.1 * hl.ms, indices=[0])
    rasters[name] = net.monitor(pop)
net.run(args.duration * hl.second)

fig, axes = plt.subplots(2, 1, figsize=(8, 5), sharex=True)
for k, name in enumerate(pops):
    rate = len(rasters[name]) / 20 / args.duration
    print(f"{name}: {rate:.1f} Hz")
    axes[0].plot(traces[name].t, traces[name].values[:, 0] + 100 * k, lw=0.7, label=f"{name} ({rate:.1f} Hz)")
    axes[1].plot(rasters[name].t, rasters[name].i + 20 * k, "|", ms=3)
axes[0].set(ylabel="v (mV, offset)", title="Izhikevich neurons under Poisson drive")
axes[0].legend(loc="upper right", fontsize=8)
axes[1].set(xlabel="time (s)", ylabel="neuron")
save(fig, args.out)
