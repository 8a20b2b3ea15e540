"""Your own plasticity rule: the symmetric Hebbian rule of docs/extending.md (examples/symhebb.py),
run in a network, passed through hebblab's conformance suite, and its learning window measured.

    python examples/custom_rule.py [--duration 1] [--out custom_rule.png]

The figure shows the weight change of one synapse after 20 pairings at each pre/post lag, from
the compiled loop and from the rule's own slow reference: the window a exp(-|lag|/tau).
"""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

import hebblab as hl  # noqa: E402
from _common import options, save  # noqa: E402
from hebblab.testing import check_rule  # noqa: E402
from symhebb import SymmetricHebb  # noqa: E402

args = options(__doc__, 1.0, "custom_rule.png")
rule = SymmetricHebb(a=0.002, tau=20 * hl.ms)
check_rule(rule)  # raises AssertionError naming the check that failed
print("check_rule: passed")

# 1. in a network
net = hl.Network(dt=0.1 * hl.ms, seed=1)
pre = net.add(hl.PoissonSource(n=100, rate=10 * hl.Hz))
post = net.add(hl.LIF(n=10))
syn = net.connect(pre, post, rule=rule, w=hl.Uniform(0, 0.5), delay=1 * hl.ms)
w0 = syn.w.copy()
net.run(args.duration * hl.second)
print(f"mean weight {w0.mean():.4f} -> {syn.w.mean():.4f} after {args.duration:g} s")

# 2. its window: 20 pairings 200 ms apart at each lag, one synapse per lag
lags_ms = np.arange(-60, 61, 5)
lags = lags_ms * 1e-3                  # seconds, as the rule's reference takes times
t_pre = 0.1 + 0.2 * np.arange(20)      # seconds
net = hl.Network(dt=0.1 * hl.ms, seed=1, dtype=np.float64)
a = net.add(hl.SpikeSource(n=len(lags), times=np.tile(t_pre, len(lags)) * hl.second,
                           indices=np.repeat(np.arange(len(lags)), 20)))
b = net.add(hl.SpikeSource(n=len(lags), times=(t_pre[None, :] + lags[:, None]).ravel() * hl.second,
                           indices=np.repeat(np.arange(len(lags)), 20)))
p = net.connect(a, b, rule=rule, w=0.5, connectivity="one_to_one")
net.run(4.5 * hl.second)
reference = [rule.reference(t_pre, t_pre + lag, 0.5) - 0.5 for lag in lags]
fig, ax = plt.subplots(figsize=(5, 3.5))
ax.plot(lags_ms, p.w - 0.5, "o", color="0.3", label="compiled loop")
ax.plot(lags_ms, reference, "-", color="tab:red", label="rule.reference")
ax.set(xlabel="post - pre lag (ms)", ylabel="dw after 20 pairings", title="SymmetricHebb window")
ax.legend()
save(fig, args.out)
