"""PairSTDP's two sets of kernel pieces give the same weights bit for bit.

``coincident="causal"`` with the all-to-all, nearest-symmetric or nearest-pre-centred scheme runs
the lean pieces of ``pair_stdp_causal``; every other setting runs the general pieces of
``pair_stdp``, which also cover these settings. The same network is run with each set.
"""

import numpy as np
import pytest

import hebblab as hl
from hebblab import si
from hebblab.plasticity import PairSTDP
from hebblab.plasticity.pair_stdp import CAUSAL_MODULE
from hebblab.plasticity.scatter import Scatter

GENERAL = "hebblab.plasticity.pair_stdp"


def test_each_setting_names_the_module_it_runs():
    assert PairSTDP().kernel_module == CAUSAL_MODULE
    assert PairSTDP(pairing="nearest-pre-centred", mu=1.0).kernel_module == CAUSAL_MODULE
    assert PairSTDP(pairing="nearest-restricted").kernel_module == GENERAL
    assert PairSTDP(coincident="ignore").kernel_module == GENERAL
    assert hl.rules.BinaryBurst().kernel_module == "hebblab.plasticity.binary_burst"


def test_a_subclass_naming_its_own_module_keeps_it():
    """Found by review: the lean module used to shadow a subclass's own kernel_module."""
    from dataclasses import dataclass
    from typing import ClassVar

    @dataclass(frozen=True)
    class Mine(PairSTDP):
        kernel_module: ClassVar[str] = "my_rule_module"

    assert Mine().kernel_module == "my_rule_module"
    assert Mine(coincident="ignore").kernel_module == "my_rule_module"


def rules():
    noisy = (Scatter("pairing", 0.4, 0.4), Scatter("synapse", 0.3, 0.3))
    return [PairSTDP(a_plus=0.02, a_minus=0.021, w_max=0.2),
            PairSTDP(a_plus=0.02, a_minus=0.021, w_max=0.2, mu=1.0, pairing="nearest-symmetric", noise=noisy),
            PairSTDP(a_plus=0.02, a_minus=0.021, w_max=0.2, mu_minus=1.0, pairing="nearest-pre-centred",
                     noise=noisy)]


def run(module, potentiation, seed):
    net = hl.Network(dt=1e-4, seed=seed, dtype=np.float64, potentiation=potentiation)
    src = net.add(hl.PoissonSource(n=40, rate=np.linspace(5, 80, 40)))
    out = net.add(hl.LIF(n=6, synapse="conductance", tau_m=10 * si.ms, t_ref=1 * si.ms))
    projs = []
    for k, rule in enumerate(rules()):
        if module is not None:
            object.__setattr__(rule, "kernel_module", module)
        projs.append(net.connect(src, out, rule=rule, w=hl.Uniform(0.0, 0.2), delay=0.5 * k * si.ms))
    mon = net.monitor(out)
    net.run(0.4)
    return [p.w.copy() for p in projs], mon.steps.copy()


@pytest.mark.parametrize("potentiation", ["eager", "deferred"])
@pytest.mark.parametrize("seed", [1, 2])
def test_lean_and_general_pieces_give_identical_weights(potentiation, seed):
    lean_w, lean_spikes = run(None, potentiation, seed)
    gen_w, gen_spikes = run(GENERAL, potentiation, seed)
    assert len(lean_spikes) > 20  # the neurons fired: both sides of the window were used
    np.testing.assert_array_equal(lean_spikes, gen_spikes)
    for a, b in zip(lean_w, gen_w):
        assert np.ptp(a) > 0
        np.testing.assert_array_equal(a, b)
