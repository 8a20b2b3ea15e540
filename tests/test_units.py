"""Units at the API boundary (hebblab.units): a dimensioned parameter takes a quantity, checks its
dimension and stores an SI float; a bare number is one clear error naming the parameter and an
example. These tests see the public default (marker ``units``: outside ``assume_si``)."""

import dataclasses
import pickle
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import hebblab as hl
from hebblab import units as U

pytestmark = pytest.mark.units


@pytest.mark.parametrize("make, name", [
    (lambda: hl.LIF(n=1, tau_m=20), "LIF.tau_m=20"),
    (lambda: hl.Network(dt=0.1), "Network.dt=0.1"),
    (lambda: hl.LIF(n=1, v_thresh=-50), "LIF.v_thresh=-50"),
    (lambda: hl.PoissonSource(n=3, rate=10.0), "PoissonSource.rate=10.0"),
    (lambda: hl.SpikeSource(n=1, times=[0.01], indices=[0]), "SpikeSource.times=[0.01]"),
    (lambda: hl.rules.PairSTDP(tau_plus=20), "PairSTDP.tau_plus=20"),
    (lambda: hl.rules.TripletSTDP(tau_y=0.114), "TripletSTDP.tau_y=0.114"),
    (lambda: hl.rules.Clopath2010(theta_minus=-70.6), "Clopath2010.theta_minus=-70.6"),
    (lambda: hl.BurstSource(n=1, isi=2), "BurstSource.isi=2"),
    (lambda: hl.LIF(n=2, tau_m=np.array([0.01, 0.02])), "LIF.tau_m=[0.01 0.02]"),
    (lambda: hl.LIF(n=2, tau_m=hl.Uniform(0.01, 0.03)), "LIF.tau_m=Uniform(low=0.01, high=0.03"),
])
def test_a_bare_number_is_one_error_naming_the_parameter_and_an_example(make, name):
    with pytest.raises(hl.UnitError) as err:
        make()
    text = str(err.value)
    assert "\n" not in text
    assert text.startswith(name) and "has no unit" in text and " * hl." in text


def test_network_methods_refuse_bare_numbers():
    net = hl.Network(dt=0.1 * hl.ms)
    a = net.add(hl.PoissonSource(n=2, rate=10 * hl.Hz))
    b = net.add(hl.LIF(n=2))
    cases = [(lambda: net.run(0.1), "run.duration=0.1"),
             (lambda: net.connect(a, b, w=0.1, delay=1.5), "connect.delay=1.5"),
             (lambda: net.monitor(b, "v", every=0.001), "monitor.every=0.001"),
             (lambda: net.inject(b, times=[0.01], indices=[0], values=[1e-3]), "inject.times=[0.01]"),
             (lambda: net.poisson_input(b, n=10, rate=20.0, weight=1e-3, target="g_e"), "poisson_input.rate=20.0")]
    for call, name in cases:
        with pytest.raises(hl.UnitError, match=f"^{name.replace('[', '.').replace(']', '.')} has no unit"):
            call()
    assert not net.projections and not net.state_monitors and not net.poisson_inputs  # nothing was made


@pytest.mark.parametrize("make, fragment", [
    (lambda: hl.LIF(n=1, tau_m=20 * hl.mV),
     "LIF.tau_m=<Quantity(20, 'millivolt')> has the wrong dimension: it must be a time"),
    (lambda: hl.Network(dt=1 * hl.Hz), "Network.dt=<Quantity(1, 'hertz')> has the wrong dimension"),
    (lambda: hl.PoissonSource(n=1, rate=5 * hl.ms),
     "PoissonSource.rate=<Quantity(5, 'millisecond')> has the wrong dimension: it must be a rate"),
    (lambda: hl.LIF(n=2, tau_m=hl.Uniform(-80 * hl.mV, -60 * hl.mV)), "has the wrong dimension: it must be a time"),
    (lambda: hl.Uniform(1 * hl.ms, 2 * hl.mV), "the bounds must share one dimension"),
    (lambda: hl.Normal(20 * hl.ms, 2, low=1 * hl.ms), "Normal.sd=2 has no unit, beside bounds in second"),
    (lambda: hl.Uniform(0.005, 30 * hl.ms), "Uniform.low=0.005 has no unit"),
])
def test_a_wrong_dimension_is_one_error(make, fragment):
    with pytest.raises(hl.UnitError) as err:
        make()
    assert fragment in str(err.value) and "\n" not in str(err.value)


def test_quantities_become_the_same_si_floats_as_before():
    lif = hl.LIF(n=1, tau_m=20 * hl.ms, v_rest=-70 * hl.mV, t_ref=2 * hl.ms)
    assert (lif.tau_m, lif.v_rest, lif.t_ref) == (0.02, -0.07, 0.002)
    assert type(lif.tau_m) is U.SIFloat and isinstance(lif.tau_m, float)
    net = hl.Network(dt=0.1 * hl.ms)
    assert net.dt == 1e-4
    assert hl.PoissonSource(n=1, rate=1 * hl.kHz).rate == 1000.0
    assert hl.rules.PairSTDP(tau_plus=20 * hl.ms).tau_plus == 0.02
    assert hl.rules.Clopath2010(a_ltd=14e-5 / hl.mV).a_ltd == pytest.approx(0.14, rel=1e-12)
    # zero needs no unit; arrays and distributions carry theirs
    assert hl.LIF(n=1, v_rest=0, v_reset=0, v_thresh=20 * hl.mV, t_ref=0).v_rest == 0
    per = hl.LIF(n=3, tau_m=np.array([10, 20, 30]) * hl.ms)
    np.testing.assert_allclose(per.tau_m, [0.01, 0.02, 0.03], rtol=1e-15)
    drawn = hl.LIF(n=4, tau_m=hl.Uniform(10 * hl.ms, 30 * hl.ms))
    assert drawn.tau_m == hl.Uniform(0.01, 0.03, unit="second")
    # a weight change given with a unit is its SI magnitude (weights take the target's unit)
    assert hl.rules.PairSTDP(a_plus=0.01 * hl.mV).a_plus == pytest.approx(1e-5, rel=1e-12)


def test_values_hebblab_hands_out_may_be_passed_back():
    net = hl.Network(dt=0.1 * hl.ms)
    src = net.add(hl.PoissonSource(n=1, rate=5 * hl.Hz))
    lif = hl.LIF(n=2, tau_m=hl.Uniform(10 * hl.ms, 30 * hl.ms))
    pop = net.add(lif)
    proj = net.connect(src, pop, w=0.1, delay=2 * hl.ms)
    net.run(net.dt)
    net.run(10 * net.dt)
    assert net.t == pytest.approx(11e-4)
    net.connect(src, pop, w=0.1, delay=proj.delay)
    again = dataclasses.replace(pop.model, n=2)        # the drawn per-neuron tau_m is marked SI
    assert np.array_equal(again.tau_m, pop.model.tau_m)
    rule = hl.rules.PairSTDP(tau_plus=20 * hl.ms)
    assert dataclasses.replace(rule, a_plus=0.02).tau_plus == 0.02
    assert pickle.loads(pickle.dumps(rule)) == rule
    assert pickle.loads(pickle.dumps(lif)).tau_m == lif.tau_m


def test_state_and_weights_take_quantities_and_refuse_what_would_be_silently_wrong():
    net = hl.Network(dt=0.1 * hl.ms)
    src = net.add(hl.PoissonSource(n=2, rate=5 * hl.Hz))
    pop = net.add(hl.LIF(n=2))
    pop.v = -65 * hl.mV
    np.testing.assert_allclose(pop.v, -0.065, rtol=1e-6)
    pop.v = np.array([-60.0, -61.0]) * hl.mV
    np.testing.assert_allclose(pop.v, [-0.060, -0.061], rtol=1e-6)
    with pytest.raises(hl.UnitError, match="^LIF.v=-70 has no unit"):
        pop.v = -70
    with pytest.raises(hl.UnitError, match="wrong dimension"):
        pop.v = -70 * hl.ms
    with pytest.raises(hl.UnitError, match="^PoissonSource.rate=15 has no unit"):
        src.rate = 15
    np.testing.assert_allclose(pop.v, [-0.060, -0.061], rtol=1e-6)  # refused values changed nothing
    proj = net.connect(src, pop, w=0.2 * hl.mV)
    proj.w = 0.3 * hl.mV
    np.testing.assert_allclose(proj.w, 3e-4, rtol=1e-6)
    for bad in (lambda: net.connect(src, pop, w=1 * hl.ms), lambda: setattr(proj, "w", 1 * hl.Hz),
                lambda: net.connect(src, pop, w=hl.Uniform(0 * hl.ms, 1 * hl.ms)),
                lambda: hl.rules.PairSTDP(a_plus=0.01 * hl.ms), lambda: hl.LIF(n=1000 * hl.ms)):
        with pytest.raises(hl.UnitError):
            bad()


def test_every_registered_rule_and_model_builds_with_its_defaults_outside_assume_si():
    """Rules and models whose __post_init__ or classmethods build others from SI floats."""
    for name, cls in hl.RULES.items():
        cls()
    for cls in (hl.LIF, hl.IF, hl.PoissonSource, hl.SpikeSource):
        cls(n=2)
    bb = hl.rules.BinaryBurst(tau_plus=16.8 * hl.ms)
    dataclasses.replace(bb, theta=0.3)
    assert hl.rules.BinaryBurst.balanced_at(10 * hl.Hz).a_minus == hl.rules.BinaryBurst.balanced_at(10.0).a_minus
    assert bb.drift(10 * hl.Hz) == bb.drift(10.0)
    hl.rules.CalciumBistable.hippocampal()
    with pytest.raises(hl.UnitError):
        hl.rules.CalciumBistable.hippocampal(tau_ca=0.05)
    assert hl.calibrate_scatter("pairing", tau_plus=16.8 * hl.ms) == hl.calibrate_scatter("pairing")
    with pytest.raises(hl.UnitError):
        hl.calibrate_scatter("pairing", tau_plus=16.8)


def test_marks_do_not_survive_arithmetic_that_changes_the_meaning():
    net = hl.Network(dt=0.1 * hl.ms)
    assert type(100 * net.dt) is U.SIFloat and type(net.t + net.dt) is U.SIFloat
    lif = hl.LIF(n=3, tau_m=[10, 20, 30] * hl.ms)
    for bad in (lambda: hl.Network(dt=net.dt / 1e-3), lambda: hl.LIF(n=3, tau_m=lif.tau_m * 1000),
                lambda: hl.LIF(n=3, tau_m=1 / lif.tau_m)):
        with pytest.raises(hl.UnitError):
            bad()


def test_assume_si_reads_bare_numbers_as_si_and_ends_with_its_block():
    with hl.units.assume_si():
        assert hl.LIF(n=1, tau_m=0.02).tau_m == 0.02
        assert hl.Network(dt=1e-4).dt == 1e-4
    with pytest.raises(hl.UnitError):
        hl.LIF(n=1, tau_m=0.02)


def test_brian2_quantities_are_accepted_where_brian2_is_installed():
    b2 = pytest.importorskip("brian2")
    assert hl.LIF(n=1, tau_m=20 * b2.ms).tau_m == pytest.approx(0.02, rel=1e-15)
    assert hl.Network(dt=0.1 * b2.ms).dt == pytest.approx(1e-4, rel=1e-15)
    with pytest.raises(hl.UnitError, match="wrong dimension"):
        hl.LIF(n=1, tau_m=20 * b2.mV)


def test_importing_hebblab_does_not_import_pint():
    code = "import sys, hebblab as hl; assert 'pint' not in sys.modules; hl.ms; assert 'pint' in sys.modules"
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-2000:]


def test_a_user_script_without_units_stops_at_the_boundary_with_the_error_as_its_last_line(tmp_path):
    """A user's script with a bare dt stops with one line naming the parameter (the traceback's last
    line; nothing was simulated)."""
    script = tmp_path / "user.py"
    script.write_text(textwrap.dedent("""
        import hebblab as hl
        net = hl.Network(dt=0.1, seed=1)
    """))
    r = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=300)
    assert r.returncode == 1
    assert r.stderr.strip().splitlines()[-1] == (
        "hebblab.units.UnitError: Network.dt=0.1 has no unit: it must be a time, e.g. dt=0.1 * hl.ms "
        "(bare numbers are read as SI only inside hl.units.assume_si())")


def test_odd_quantities_give_one_clear_error_not_pint_internals():
    import pint
    foreign = pint.UnitRegistry()
    for make in (lambda: hl.LIF(n=2, tau_m=[[10 * hl.ms], [20 * hl.ms]]),
                 lambda: hl.LIF(n=1, tau_m=20 * foreign.kg)):
        with pytest.raises(ValueError) as err:  # UnitError is a ValueError, like the range errors
            make()
        assert "\n" not in str(err.value) and "LIF.tau_m" in str(err.value)
    net = hl.Network(dt=0.1 * hl.ms)
    a, b = net.add(hl.PoissonSource(n=2, rate=5 * hl.Hz)), net.add(hl.LIF(n=1))
    np.testing.assert_allclose(net.connect(a, b, w=[1 * hl.mV, 0.002]).w, [1e-3, 2e-3], rtol=1e-6)
    assert "ms" in dir(hl) and "mV" in dir(hl)
