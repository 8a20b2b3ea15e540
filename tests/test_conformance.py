"""hebblab.testing's conformance checks over every registered rule and built-in model, over a
user's own rule and neuron written in a temporary module, and against rules that break them."""

import hashlib
import importlib
import os
import textwrap
from pathlib import Path

import numpy as np
import pytest

import hebblab as hl
from hebblab import si
from hebblab.plasticity import Scatter
from hebblab.testing import check_model, check_rule

#: Settings for each registered rule (a new rule must add its own: the test below fails otherwise).
RULE_CASES = {
    # the pair rule about balanced (a- tau- ~ a+ tau+), so the weights stay inside the bounds
    "pair-stdp": [hl.rules.PairSTDP(a_plus=0.004, a_minus=0.002),
                  hl.rules.PairSTDP(a_plus=0.004, a_minus=0.002,
                                    noise=(Scatter("pairing", 0.5, 0.5), Scatter("synapse", 0.3, 0.3))),
                  hl.rules.PairSTDP(a_plus=0.004, a_minus=0.002, pairing="nearest-restricted"),
                  hl.rules.PairSTDP(mu=1.0, pairing="nearest-symmetric", coincident="ignore")],
    "binary-burst": [hl.rules.BinaryBurst()],
    "bs2-hebbian3": [hl.rules.BS2Hebbian3()],
    "triplet-stdp": [hl.rules.TripletSTDP(), hl.rules.TripletSTDP(coincident="ignore")],
    "two-state": [hl.rules.TwoStateStochastic(q=0.3)],
    "cascade": [hl.rules.Cascade(n_states=5)],
    "benna-fusi": [hl.rules.BennaFusi(delta=0.2)],
    # small steps keep the weights inside the bounds; both noise models exercise every kernel path
    "burst-gated": [hl.rules.BurstGatedBinary(a_plus=0.05, a_minus=0.05,
                                              noise=(Scatter("pairing"), Scatter("synapse")))],
    "bs2-binary": [hl.rules.BS2Binary()],
    "bs2-cycle-hebbian3": [hl.rules.BS2CycleHebbian3()],
    "bs2-hebbian1": [hl.rules.BS2Hebbian1()],
    "bs2-hebbian2": [hl.rules.BS2Hebbian2()],
    "calcium-bistable": [hl.rules.CalciumBistable()],
    # reads the post neurons' v: check_rule runs it on driven LIF neurons (their v passed to its reference)
    "clopath": [hl.rules.Clopath2010()],
}
CYCLES = dict(dt=1e-3, p_spike=0.2, steps=600)  # Brain Simulator II's rules count lags in cycles
STEP_RULES = {"bs2-hebbian3": CYCLES,
              **{name: dict(CYCLES, w0=0.3, w_range=(0.0, 1.0))
                 for name in ("bs2-binary", "bs2-cycle-hebbian3", "bs2-hebbian1", "bs2-hebbian2")},
              # dense trains (300 Hz): bursts of 5 within 10 ms must occur in the short random trains
              "burst-gated": dict(steps=8000, p_spike=0.03)}


def test_every_registered_rule_has_a_conformance_case():
    assert set(RULE_CASES) == set(hl.RULES)


#: Rules whose first case also runs with deferred potentiation and on two threads; each of those
#: compiles a kernel of its own (about a minute per case on a cold 2-core machine), so the default
#: suite keeps them to one rule per family. HEBBLAB_THOROUGH=1 runs them for every case.
THOROUGH = {"pair-stdp", "triplet-stdp", "bs2-cycle-hebbian3", "clopath"}
CASES = [(r, (k == 0 and name in THOROUGH) or os.environ.get("HEBBLAB_THOROUGH") == "1")
         for name, rules in RULE_CASES.items() for k, r in enumerate(rules)]


@pytest.mark.parametrize("rule, thorough", CASES, ids=[repr(r) for r, _ in CASES])
def test_registered_rule_conforms(rule, thorough):
    """Every case against its reference and the reference backend (one call and a split run);
    the THOROUGH ones with deferred potentiation and on two threads too."""
    kw = dict(STEP_RULES.get(rule.rule_name, dict(steps=8000)), thorough=thorough)
    if rule.rule_name in ("two-state", "cascade", "bs2-binary"):
        kw["interior"] = False  # their weights live at the bounds / at 0 or 2/n by design
    report = check_rule(rule, seed=3, **kw)
    assert report["reference_synapses"] == 32 and report["no_spikes_no_change"]


@pytest.mark.parametrize("model, kw", [
    (hl.LIF(n=6), dict(drive_w=3 * si.mV)),
    (hl.LIF(n=5, synapse="conductance", t_ref=1 * si.ms), dict(drive_w=0.05)),
    (hl.LIF(n=5, synapse="delta", v_rest=0.0, v_reset=0.0, v_thresh=20 * si.mV, t_ref=2 * si.ms), dict(drive_w=4 * si.mV)),
    (hl.IF(n=4, leak=0.1, refractory=2), dict(dt=1e-3, drive_w=0.3)),
    (hl.PoissonSource(n=7, rate=np.linspace(5, 80, 7)), {}),
    (hl.SpikeSource(n=3, times=[0.01, 0.02, 0.021], indices=[2, 0, 1]), {}),
], ids=["lif-current", "lif-conductance", "lif-delta", "if", "poisson", "spike-source"])
def test_builtin_model_conforms(model, kw):
    report = check_model(model, **kw)
    if model.input_mode is not None or isinstance(model, (hl.PoissonSource, hl.SpikeSource)):
        assert report["spikes"] > 0  # the check compared something


def _module(tmp_path, monkeypatch, text):
    """Import ``text`` as a module of the user's (named by its content, so a rerun finds its
    compiled kernels in the cache)."""
    name = f"user_{hashlib.sha256(text.encode()).hexdigest()[:12]}"
    (tmp_path / f"{name}.py").write_text(textwrap.dedent(text).replace("MODULE", name))
    monkeypatch.syspath_prepend(str(tmp_path))
    return importlib.import_module(name)


EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
# the guide's user rule and neuron (docs/extending.md; examples/), imported as a user's own module
SYMMETRIC_HEBB = (EXAMPLES / "symhebb.py").read_text().replace('"symhebb"', '"MODULE"')


def test_a_user_rule_in_its_own_module_passes_check_rule(tmp_path, monkeypatch):
    mod = _module(tmp_path, monkeypatch, SYMMETRIC_HEBB)
    report = check_rule(mod.SymmetricHebb(a=0.002), steps=8000)
    assert report["rule"] == "SymmetricHebb"


def test_check_rule_catches_a_kernel_that_disagrees_with_its_reference(tmp_path, monkeypatch):
    buggy = SYMMETRIC_HEBB.replace("return min(max(w + P[0] * _trace(pre[j, 0]", "return min(max(w + 2 * P[0] * _trace(pre[j, 0]")
    mod = _module(tmp_path, monkeypatch, buggy)
    with pytest.raises(AssertionError, match=r"SymmetricHebb: compiled loop differs from the rule's reference"):
        check_rule(mod.SymmetricHebb(a=0.002), steps=4000)


def test_check_rule_catches_weights_leaving_the_bounds(tmp_path, monkeypatch):
    unbounded = SYMMETRIC_HEBB.replace("return 0.0, self.w_max", "return 0.0, 0.5")
    mod = _module(tmp_path, monkeypatch, unbounded)
    with pytest.raises(AssertionError, match=r"bounds"):
        check_rule(mod.SymmetricHebb(a=0.05), steps=4000)


def test_check_rule_refuses_a_vacuous_comparison():
    with pytest.raises(AssertionError, match=r"no weight changed"):
        check_rule(hl.rules.PairSTDP(a_plus=0.0, a_minus=0.0), steps=2000)


IZHIKEVICH = (EXAMPLES / "izhikevich.py").read_text().replace('"izhikevich"', '"MODULE"')


def test_a_user_neuron_in_its_own_module_passes_check_model(tmp_path, monkeypatch):
    mod = _module(tmp_path, monkeypatch, IZHIKEVICH)
    report = check_model(mod.Izhikevich(n=5), drive_w=4.0, steps=3000)
    assert report["spikes"] > 0


def test_check_model_catches_a_reference_that_disagrees(tmp_path, monkeypatch):
    mod = _module(tmp_path, monkeypatch, IZHIKEVICH.replace("np.where(fire, u + P[3], u)",
                                                              "np.where(fire, u + 2 * P[3], u)"))
    with pytest.raises(AssertionError, match=r"Izhikevich: compiled: .* differ from the reference backend"):
        check_model(mod.Izhikevich(n=5), drive_w=4.0, steps=3000)
