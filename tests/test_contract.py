"""A rule or model that breaks the kernel contract is refused when it is connected or added, with
one error naming it and the piece, before the network changes. Before these checks a missing
piece surfaced only at ``run()`` as an ImportError from the generated kernel file, and the
reference backend stored whatever a piece returned."""

import importlib
import textwrap
import uuid

import pytest

import hebblab as hl
from hebblab.contract import ContractError

GOOD_PIECES = {
    "syn_pre": "@njit\ndef syn_pre(t, s, i, j, w, syn, pre, post, P, seed, stream):\n    return w\n",
    "syn_post": "@njit\ndef syn_post(t, s, i, j, w, syn, pre, post, P, seed, stream):\n    return min(w + P[0], 1.0)\n",
    "pre_spike": "pre_spike = record_pre_spike\n",
    "post_spike": "post_spike = record_post_spike\n",
    "transmit": "transmit = None\n",
}

HEADER = textwrap.dedent('''
    from dataclasses import dataclass
    from typing import ClassVar
    import numpy as np
    from numba import njit
    from hebblab.plasticity.base import Rule, record_pre_spike, record_post_spike

    @dataclass(frozen=True)
    class UserRule(Rule):
        a: float = 0.01
        rule_name: ClassVar[str] = "user-rule-{tag}"
        kernel_module: ClassVar[str] = "{module}"
        def bounds(self): return 0.0, 1.0
        def layout(self): return {layout}
        def pack(self, dt): return np.array([self.a])
    {extra}
''')


def user_rule(tmp_path, monkeypatch, layout="(0, 1, 1)", extra="", **pieces):
    """A rule class from a module written into ``tmp_path``; ``pieces`` replace the good ones
    (a value of None leaves the piece out); ``extra``: more lines of the class body."""
    tag = uuid.uuid4().hex[:8]
    module = f"user_rule_{tag}"
    body = HEADER.format(tag=tag, module=module, layout=layout, extra=textwrap.indent(extra, "    "))
    for name, good in GOOD_PIECES.items():
        text = pieces.get(name, good)
        if text is not None:
            body += "\n" + text
    (tmp_path / f"{module}.py").write_text(body)
    monkeypatch.syspath_prepend(str(tmp_path))
    return importlib.import_module(module).UserRule


def two_sources(net):
    pre = net.add(hl.SpikeSource(n=1, times=[0.010], indices=[0]))
    post = net.add(hl.SpikeSource(n=1, times=[0.015, 0.030], indices=[0, 0]))
    return pre, post


def test_a_well_formed_user_rule_runs_on_both_backends(tmp_path, monkeypatch):
    Rule = user_rule(tmp_path, monkeypatch)
    out = []
    for backend in ("numba", "reference"):
        net = hl.Network(dt=1e-3, seed=1, backend=backend)
        pre, post = two_sources(net)
        proj = net.connect(pre, post, rule=Rule(), w=0.5)
        net.run(0.05)
        out.append(float(proj.w[0]))
    assert out == [pytest.approx(0.52), pytest.approx(0.52)]


@pytest.mark.parametrize("piece", ["syn_pre", "syn_post", "pre_spike", "post_spike", "transmit"])
def test_a_missing_piece_is_refused_at_connect_naming_rule_and_piece(tmp_path, monkeypatch, piece):
    Rule = user_rule(tmp_path, monkeypatch, **{piece: None})
    net = hl.Network(dt=1e-3)
    pre, post = two_sources(net)
    with pytest.raises(ContractError, match=rf"UserRule.*{piece}"):
        net.connect(pre, post, rule=Rule(), w=0.5)
    assert net.projections == []  # nothing changed


def test_a_piece_with_the_wrong_arity_is_refused(tmp_path, monkeypatch):
    bad = "@njit\ndef syn_pre(t, s, i, j, w, syn, pre, post, P, seed):\n    return w\n"
    Rule = user_rule(tmp_path, monkeypatch, syn_pre=bad)
    net = hl.Network(dt=1e-3)
    pre, post = two_sources(net)
    with pytest.raises(ContractError, match=r"UserRule.*syn_pre takes 10 arguments, the contract has 11"):
        net.connect(pre, post, rule=Rule(), w=0.5)


def test_a_plain_python_piece_is_refused_for_the_compiled_loop(tmp_path, monkeypatch):
    plain = "def syn_post(t, s, i, j, w, syn, pre, post, P, seed, stream):\n    return w\n"
    Rule = user_rule(tmp_path, monkeypatch, syn_post=plain)
    net = hl.Network(dt=1e-3)
    pre, post = two_sources(net)
    with pytest.raises(ContractError, match=r"syn_post must be a numba function"):
        net.connect(pre, post, rule=Rule(), w=0.5)


def test_a_bad_layout_is_refused(tmp_path, monkeypatch):
    Rule = user_rule(tmp_path, monkeypatch, layout="(0, 1)")
    net = hl.Network(dt=1e-3)
    pre, post = two_sources(net)
    with pytest.raises(ContractError, match=r"layout\(\) must return three integers"):
        net.connect(pre, post, rule=Rule(), w=0.5)


def test_an_unimportable_kernel_module_is_refused():
    from dataclasses import dataclass
    from typing import ClassVar

    from hebblab.plasticity.base import Rule

    @dataclass(frozen=True)
    class Nowhere(Rule):
        rule_name: ClassVar[str] = "nowhere"
        kernel_module: ClassVar[str] = "no_such_module_for_hebblab_tests"

        def bounds(self):
            return 0.0, 1.0

        def layout(self):
            return 0, 1, 1

    net = hl.Network(dt=1e-3)
    pre, post = two_sources(net)
    with pytest.raises(ContractError, match=r"Nowhere: kernel_module 'no_such_module_for_hebblab_tests' cannot be"):
        net.connect(pre, post, rule=Nowhere(), w=0.5)


@pytest.mark.parametrize("returned", ["np.array([w, w])", "np.array([w])"])
def test_the_reference_backend_refuses_a_piece_that_returns_an_array(tmp_path, monkeypatch, returned):
    bad = f"@njit\ndef syn_post(t, s, i, j, w, syn, pre, post, P, seed, stream):\n    return {returned}\n"
    Rule = user_rule(tmp_path, monkeypatch, syn_post=bad)
    net = hl.Network(dt=1e-3, backend="reference")
    pre, post = two_sources(net)
    net.connect(pre, post, rule=Rule(), w=0.5)
    with pytest.raises(ContractError, match=r"UserRule: syn_post must return one number"):
        net.run(0.05)


def test_a_model_without_update_is_refused_at_add(tmp_path, monkeypatch):
    module = f"user_model_{uuid.uuid4().hex[:8]}"
    (tmp_path / f"{module}.py").write_text(textwrap.dedent(f'''
        from dataclasses import dataclass
        from typing import ClassVar
        from hebblab.neurons.base import Model

        @dataclass(frozen=True)
        class Silent(Model):
            kernel_module: ClassVar[str] = "{module}"

        def reference_update(t, S, I, E, C, P):
            return []
    '''))
    monkeypatch.syspath_prepend(str(tmp_path))
    Silent = importlib.import_module(module).Silent
    net = hl.Network(dt=1e-3)
    with pytest.raises(ContractError, match=r"model Silent: .* has no update\(\)"):
        net.add(Silent(n=3))
    assert net.populations == []


def test_every_registered_rule_and_builtin_model_meets_the_contract():
    from hebblab.contract import check_model_class, check_rule_class
    for cls in hl.RULES.values():
        check_rule_class(cls)
    for cls in (hl.LIF, hl.IF, hl.PoissonSource, hl.SpikeSource):
        check_model_class(cls)


# A rule reading the post neurons' v: its pieces take vpost (syn_pre, syn_post, post_spike), pre_spike does not.
READING = dict(
    extra='reads_post: ClassVar[tuple] = ("v",)\n',
    syn_pre="@njit\ndef syn_pre(t, s, i, j, w, syn, pre, post, P, seed, stream, vpost):\n    return w\n",
    syn_post="@njit\ndef syn_post(t, s, i, j, w, syn, pre, post, P, seed, stream, vpost):\n"
             "    return min(w + P[0] * (vpost[0][i] < -0.069), 1.0)\n",
    post_spike="@njit\ndef post_spike(t, i, post, P, vpost):\n    post[i, 0] = t\n")


def lif_target(net):
    pre = net.add(hl.SpikeSource(n=1, times=[0.010], indices=[0]))
    post = net.add(hl.LIF(n=1))
    net.inject(post, [0.015, 0.030], [0, 0], 0.1, kind="voltage")  # two forced spikes
    return pre, post


def test_a_rule_reading_the_post_voltage_runs_on_both_backends(tmp_path, monkeypatch):
    Rule = user_rule(tmp_path, monkeypatch, **READING)
    out = []
    for backend in ("numba", "reference"):
        net = hl.Network(dt=1e-3, seed=1, backend=backend)
        pre, post = lif_target(net)
        proj = net.connect(pre, post, rule=Rule(), w=0.5)
        spikes = net.monitor(post)
        net.run(0.05)
        out.append((float(proj.w[0]), len(spikes)))
    # at each post spike syn_post reads v = v_reset (-70 mV) < -69 mV: +a per spike (two kicks, and the
    # pre spike's 0.5 V synaptic current fires it once more)
    assert out[0] == out[1] and out[0][1] == 3 and out[0][0] == pytest.approx(0.53)


def test_a_reading_rule_whose_piece_lacks_the_read_argument_is_refused(tmp_path, monkeypatch):
    Rule = user_rule(tmp_path, monkeypatch, **{**READING, "syn_pre": GOOD_PIECES["syn_pre"]})
    net = hl.Network(dt=1e-3)
    with pytest.raises(ContractError, match=r"UserRule.*syn_pre takes 11 arguments, the contract has 12"):
        net.connect(*lif_target(net), rule=Rule(), w=0.5)


@pytest.mark.parametrize("extra, message", [
    ('reads_post: ClassVar = "v"\n', r"reads_post must be a tuple of distinct names"),
    ('reads_post: ClassVar[tuple] = ("v",)\ndeferrable: ClassVar[bool] = True\n', r"cannot be deferrable"),
])
def test_bad_read_declarations_are_refused(tmp_path, monkeypatch, extra, message):
    Rule = user_rule(tmp_path, monkeypatch, **{**READING, "extra": extra})
    net = hl.Network(dt=1e-3)
    with pytest.raises(ContractError, match=message):
        net.connect(*lif_target(net), rule=Rule(), w=0.5)


def test_a_syn_step_without_post_step_is_refused(tmp_path, monkeypatch):
    Rule = user_rule(tmp_path, monkeypatch, transmit="transmit = None\n@njit\ndef syn_step(t, s, i, j, w, syn, pre, "
                     "post, P, seed, stream):\n    return w\n")
    net = hl.Network(dt=1e-3)
    with pytest.raises(ContractError, match=r"has syn_step\(\) but no post_step\(\)"):
        net.connect(*two_sources(net), rule=Rule(), w=0.5)


def test_reading_a_pre_variable_that_synaptic_input_writes_is_refused(tmp_path, monkeypatch):
    Rule = user_rule(tmp_path, monkeypatch, extra='reads_pre: ClassVar[tuple] = ("g_e",)\n',
                     syn_pre="@njit\ndef syn_pre(t, s, i, j, w, syn, pre, post, P, seed, stream, vpre):\n    return w\n",
                     syn_post="@njit\ndef syn_post(t, s, i, j, w, syn, pre, post, P, seed, stream, vpre):\n"
                              "    return w\n",
                     pre_spike="@njit\ndef pre_spike(t, j, pre, P, vpre):\n    pre[j, 0] = t\n")
    net = hl.Network(dt=1e-3)
    a, b = net.add(hl.LIF(n=1)), net.add(hl.LIF(n=1))
    with pytest.raises(ContractError, match=r"UserRule reads pre-synaptic variable 'g_e' of model LIF, which "
                                            r"synaptic input writes"):
        net.connect(a, b, rule=Rule(), w=0.5)


def test_the_reference_backend_refuses_a_piece_that_writes_a_variable_it_reads(tmp_path, monkeypatch):
    writes = "@njit\ndef post_spike(t, i, post, P, vpost):\n    vpost[0][i] = 0.0\n"
    Rule = user_rule(tmp_path, monkeypatch, **{**READING, "post_spike": writes})
    net = hl.Network(dt=1e-3, backend="reference")
    net.connect(*lif_target(net), rule=Rule(), w=0.5)
    with pytest.raises(ContractError, match=r"rule UserRule: a kernel piece wrote to a neuron variable"):
        net.run(0.05)
