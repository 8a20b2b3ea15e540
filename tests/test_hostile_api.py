"""A hostile user of the public Python API: nothing crashes, nothing is silently mangled.

Every case here was found to crash the process (segfault), to corrupt state, to be silently
accepted with a wrong meaning, or to fail later with an unrelated exception. Each must now be a
valid run or ONE ValueError/TypeError that names the parameter, its value and its range, raised
before any state changes. Cases that used to segfault run in a subprocess, so that a regression
cannot take the test session down with it.
"""

import math
import os
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import numpy as np
import pytest

import hebblab as hl
from hebblab.plasticity import PairSTDP

DT = 1e-4
SRC = str(Path(hl.__file__).resolve().parents[1])  # the hebblab under test


def two(n_pre=50, n_post=50, **kw):
    net = hl.Network(dt=DT, seed=1, **kw)
    a = net.add(hl.PoissonSource(n=n_pre, rate=50.0))
    b = net.add(hl.LIF(n=n_post))
    return net, a, b


def in_subprocess(body: str) -> subprocess.CompletedProcess:
    """Run ``body`` (with ``net, a, b = two()`` available) in a fresh interpreter."""
    code = textwrap.dedent("""
        import numpy as np
        import hebblab as hl
        net = hl.Network(dt=0.1 * hl.ms, seed=1)
        a = net.add(hl.PoissonSource(n=50, rate=50 * hl.Hz))
        b = net.add(hl.LIF(n=50))
    """) + textwrap.dedent(body)
    env = {**os.environ, "PYTHONPATH": SRC + os.pathsep + os.environ.get("PYTHONPATH", "")}
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=600, env=env)


# ---- segfaults --------------------------------------------------------------------------------------

@pytest.mark.parametrize("p", [1e-19, 1e-30, 1e-300])
def test_tiny_connection_probability_runs_with_targets_in_range(p):
    r = in_subprocess(f"""
        proj = net.connect(a, b, w=0.001, connectivity=hl.FixedProbability({p!r}))
        net.run(0.1 * hl.second)
        post = proj.post_index
        assert post.size == 0 or (post.min() >= 0 and post.max() < 50), (post.min(), post.max())
        assert proj.indptr[-1] == post.size and np.all(np.diff(proj.indptr) >= 0)
        print("SYNAPSES", post.size)
    """)
    assert r.returncode == 0, (r.returncode, r.stderr[-2000:])
    assert int(r.stdout.split("SYNAPSES")[1]) <= 1  # 2500 pairs at p <= 1e-19


def test_nan_explicit_index_is_refused_not_a_segfault():
    r = in_subprocess("""
        try:
            net.connect(a, b, w=0.1, connectivity=(np.array([0, 1]), np.array([0.0, np.nan])))
        except ValueError as e:
            print("REFUSED", e)
        else:
            net.run(0.1 * hl.second)
            print("RAN")
    """)
    assert r.returncode == 0, (r.returncode, r.stderr[-2000:])
    assert "REFUSED" in r.stdout and "post indices" in r.stdout and "nan" in r.stdout


@pytest.mark.parametrize("pre, post, which, bad", [
    ([0, 1], [0.7, 1.0], "post", "0.7"),
    ([0, 1], [0, 2.99], "post", "2.99"),
    ([0.5], [0], "pre", "0.5"),
    ([0, -1], [0, 0], "pre", "-1"),
    ([0], [np.inf], "post", "inf"),
])
def test_non_integral_or_out_of_range_indices_are_refused(pre, post, which, bad):
    net, a, b = two()
    with pytest.raises(ValueError, match=rf"{which} indices must be integers in \[0, 49\] \(got {bad}"):
        net.connect(a, b, w=0.1, connectivity=(np.array(pre), np.array(post)))
    assert net.projections == []


def test_integral_float_indices_are_the_integers():
    net, a, b = two()
    f = net.connect(a, b, w=0.1, connectivity=(np.array([0.0, 3.0]), np.array([2.0, 1.0])))
    i = net.connect(a, b, w=0.1, connectivity=(np.array([0, 3]), np.array([2, 1])))
    np.testing.assert_array_equal(f.post_index, i.post_index)
    np.testing.assert_array_equal(f.indptr, i.indptr)


def test_wrong_type_indices_are_a_type_error():
    net, a, b = two()
    with pytest.raises(TypeError, match="post indices must be an array of integers"):
        net.connect(a, b, w=0.1, connectivity=([0], ["x"]))


# ---- threads ----------------------------------------------------------------------------------------

def test_more_threads_than_cores_are_refused(monkeypatch):
    monkeypatch.delenv("HEBBLAB_ALLOW_OVERSUBSCRIBE", raising=False)
    before = threading.active_count()
    net, a, b = two()
    with pytest.raises(ValueError, match=r"run.threads must be an integer >= 1 and <= \d+ .*"
                                         r"HEBBLAB_ALLOW_OVERSUBSCRIBE.*\(got 5000\)"):
        net.run(0.001, threads=5000)
    with pytest.raises(ValueError, match=r"Network.threads must be an integer >= 1 and <= \d+"):
        hl.Network(dt=DT, threads=5000)
    assert threading.active_count() == before and net.step == 0


def test_a_thread_that_cannot_start_leaves_no_thread_behind(monkeypatch):
    """The system refuses the third thread: no started thread may be left waiting at a barrier."""
    monkeypatch.setenv("HEBBLAB_ALLOW_OVERSUBSCRIBE", "1")
    net, a, b = two(n_pre=3000, n_post=3000)
    net.connect(a, b, w=0.001, connectivity="one_to_one")
    before = threading.active_count()
    real_start = threading.Thread.start
    started = []

    def flaky_start(self):
        if len(started) >= 2:
            raise RuntimeError("can't start new thread")
        started.append(self)
        real_start(self)

    monkeypatch.setattr(threading.Thread, "start", flaky_start)
    with pytest.raises(RuntimeError, match="could not start thread 3 of 6"):
        net.run(0.001, threads=6)
    for th in started:
        th.join(timeout=30)
    assert threading.active_count() == before
    assert net.step == 0


# ---- a refused assignment changes nothing -----------------------------------------------------------

@pytest.mark.parametrize("value, match", [
    (1e6, r"PoissonSource.rate must be <= 1/dt = 10000 Hz"),
    (math.nan, r"PoissonSource.rate must be finite and >= 0 \(got nan\)"),
    (-1.0, r"PoissonSource.rate must be >= 0"),
    ("fast", r"PoissonSource.rate must be an array of real numbers"),
    ([1.0, 2.0], r"PoissonSource.rate must be a scalar or an array of length 50"),
])
def test_refused_rate_leaves_the_rate_and_the_next_run_works(value, match):
    net, a, b = two()
    net.run(0.001)
    with pytest.raises((ValueError, TypeError), match=match):
        a.rate = value
    assert np.all(a.rate == 50.0)
    net.run(0.001)  # used to fail with ZeroDivisionError after a NaN rate
    assert net.step == 20


def test_refused_state_assignment_leaves_the_state():
    net, a, b = two()
    v0 = b.v.copy()
    with pytest.raises(ValueError, match=r"LIF.v must be finite"):
        b.v = np.r_[np.zeros(49), np.nan]
    np.testing.assert_array_equal(b.v, v0)
    with pytest.raises(ValueError, match=r"LIF.v must be in \[-3.40282e\+38, 3.40282e\+38\] \(got 1e\+300\)"):
        b.v = 1e300  # would be inf in float32
    with pytest.raises(ValueError, match=r"LIF.refractory is integer state"):
        b.refractory = 3
    with pytest.raises(ValueError, match=r"PoissonSource.log1m_p is internal state"):
        a.log1m_p = 0.5
    np.testing.assert_array_equal(b.v, v0)
    b.v = -0.06  # valid assignments still work
    assert np.all(b.v == np.float32(-0.06))


def test_replacing_weights_is_checked_and_keeps_the_arrays():
    net, a, b = two()
    proj = net.connect(a, b, rule=PairSTDP(w_max=0.5), w=0.1)
    arr = proj.w
    for bad, exc, match in [(np.full(3, 0.1), ValueError, r"Projection.w must be a scalar or an array of length 2500"),
                            (math.nan, ValueError, r"Projection.w must be in \[0, 0.5\] \(got nan\)"),
                            (0.7, ValueError, r"Projection.w must be in \[0, 0.5\] \(got 0.7\)"),
                            ("x", TypeError, r"Projection.w must be an array of real numbers")]:
        with pytest.raises(exc, match=match):
            proj.w = bad
        assert proj.w is arr and np.all(arr == np.float32(0.1))
    proj.w = 0.2
    assert proj.w is arr and np.all(arr == np.float32(0.2))


def test_network_settings_the_structure_depends_on_are_fixed():
    net, a, b = two()
    for name, value in [("dt", 1e-3), ("seed", 2), ("dtype", np.float64), ("backend", "reference"), ("index", "fast")]:
        with pytest.raises(ValueError, match=rf"Network.{name} is fixed at construction"):
            setattr(net, name, value)
    net.threads = 5000  # checked when a run starts, before any step
    with pytest.raises(ValueError, match=r"Network.threads must be an integer >= 1 and <= \d+"):
        net.run(0.001)
    assert net.step == 0


# ---- accepted nonsense ------------------------------------------------------------------------------

def test_nan_clip_bound_of_normal_is_refused():
    with pytest.raises(ValueError, match=r"Normal.low must be a number or \+-inf \(got nan\)"):
        hl.Normal(0.5, 0.1, low=math.nan)
    with pytest.raises(ValueError, match=r"Normal.high must be >= low"):
        hl.Normal(0.5, 0.1, low=1.0, high=0.0)
    net, a, b = two()
    proj = net.connect(a, b, w=hl.Normal(0.5, 0.1, low=0.0), connectivity="one_to_one")
    assert np.all(np.isfinite(proj.w)) and proj.w.min() >= 0.0


def test_weights_that_overflow_are_refused():
    net, a, b = two()
    with pytest.raises(ValueError, match=r"connect.w: Uniform.* drew values outside"):
        net.connect(a, b, w=hl.Uniform(-1e308, 1e308))
    with pytest.raises(ValueError, match=r"connect.w must be in \[-3.40282e\+38, 3.40282e\+38\] \(got 1e\+300\)"):
        net.connect(a, b, w=1e300)
    assert net.projections == []


def test_nan_injection_is_refused():
    net, a, b = two()
    with pytest.raises(ValueError, match=r"inject.values must be finite .* \(got nan at position 0\)"):
        net.inject(b, times=[0.001], indices=[0], values=[math.nan])
    with pytest.raises(ValueError, match=r"inject.times must be finite and in \[0, "):
        net.inject(b, times=[1e300], indices=[0], values=[0.1])
    with pytest.raises(ValueError, match=r"inject.indices must be integers in \[0, 49\] \(got 0.5"):
        net.inject(b, times=[0.001], indices=[0.5], values=[0.1])
    assert b.injections == []


@pytest.mark.parametrize("name", ["tau_plus", "tau_minus"])
def test_time_constant_far_below_dt_is_refused_at_pack_time(name):
    net, a, b = two()
    with pytest.raises(ValueError, match=rf"PairSTDP.{name} must be >= 1e-10 s \(dt / 1e\+06 at dt = 0.0001 s\) "
                                         r"\(got 5e-324\)"):
        net.connect(a, b, rule=PairSTDP(**{name: 5e-324}), w=0.1)
    assert net.projections == []


def test_huge_time_constant_still_packs():
    """tau >> dt: the decay table is simply full length (its size computation overflowed)."""
    net, a, b = two()
    proj = net.connect(a, b, rule=PairSTDP(tau_plus=1e300, tau_minus=1e300), w=0.1, connectivity="one_to_one")
    net.run(0.01)
    assert np.all(np.isfinite(proj.w))


def test_weight_bound_beyond_the_weight_precision_is_refused():
    net, a, b = two()
    with pytest.raises(ValueError, match=r"PairSTDP's weight bounds \(w_max.*float32 weights \(got \[0, 1e\+308\]\)"):
        net.connect(a, b, rule=PairSTDP(w_max=1e308), w=0.1)
    net64, a64, b64 = two(dtype=np.float64)
    proj = net64.connect(a64, b64, rule=PairSTDP(w_max=1e308), w=0.1, connectivity="one_to_one")
    net64.run(0.01)
    assert np.all(np.isfinite(proj.w))


def test_spike_time_past_the_step_range_is_refused():
    net = hl.Network(dt=DT)
    with pytest.raises(ValueError, match=r"SpikeSource.times must be in \[0, .*\] s .* \(got 1e\+20\)"):
        net.add(hl.SpikeSource(n=1, times=[1e20], indices=[0]))
    assert net.populations == []


@pytest.mark.parametrize("steps", [1.5, 2.5, 0.5, 1.0000001])
def test_delay_that_is_not_a_whole_number_of_steps_is_refused(steps):
    net, a, b = two()
    with pytest.raises(ValueError, match=r"connect.delay must be a whole number of steps of dt = 0.0001 s "
                                         rf"\(got .* s = {steps:.6g} steps\)"):
        net.connect(a, b, w=0.1, delay=steps * DT)
    assert net.projections == []


@pytest.mark.parametrize("delay, steps", [(0.0, 0), (1e-4, 1), (1.5e-3, 15), (0.3e-3, 3), (20e-3, 200)])
def test_whole_step_delays_within_rounding_are_accepted(delay, steps):
    net, a, b = two()
    assert net.connect(a, b, w=0.1, delay=delay).delay_steps == steps


# ---- accepted, then failing later with an unrelated exception ----------------------------------------

@pytest.mark.parametrize("make, exc, match", [
    (lambda: hl.Network(dt=DT, seed=2**63), ValueError, r"Network.seed must be an integer >= 0 and <= 9223372036854775807"),
    (lambda: hl.Network(dt=5e-324), ValueError, r"Network.dt must be in \[1e-09, 1000\] s \(got 5e-324\)"),
    (lambda: hl.Network(dt=math.inf), ValueError, r"Network.dt must be finite and > 0"),
    (lambda: hl.Network(dt=None), TypeError, r"Network.dt must be a real number \(got None"),
    (lambda: hl.Network(dt="0.1"), TypeError, r"Network.dt must be a real number \(got '0.1'"),
    (lambda: hl.Network(dt=DT, seed=1.5), ValueError, r"Network.seed must be an integer"),
    (lambda: hl.Network(dt=DT, dtype="int8"), ValueError, r"Network.dtype must be float32 or float64"),
    (lambda: hl.Network(dt=DT, dtype=12.5), ValueError, r"Network.dtype must be float32 or float64"),
    (lambda: hl.LIF(n=5.5), ValueError, r"LIF.n must be an integer >= 1"),
    (lambda: hl.LIF(n=math.nan), ValueError, r"LIF.n must be an integer >= 1 and <= 2147483647 \(got nan\)"),
    (lambda: hl.LIF(n=2**40), ValueError, r"LIF.n must be an integer >= 1 and <= 2147483647"),
    (lambda: hl.LIF(n="5"), TypeError, r"LIF.n must be an integer \(got '5'"),
    (lambda: hl.LIF(n=[5]), TypeError, r"LIF.n must be an integer \(got \[5\]"),
    (lambda: hl.LIF(n=True), TypeError, r"LIF.n must be an integer"),
    (lambda: hl.LIF(tau_m="fast"), TypeError, r"LIF.tau_m must be a real number"),
    (lambda: hl.LIF(tau_m=None), TypeError, r"LIF.tau_m must be a real number"),
    (lambda: hl.LIF(v_rest=1e300), ValueError, r"LIF.v_rest must be in \[-1000, 1000\] V"),
    (lambda: hl.IF(refractory=math.nan), ValueError, r"IF.refractory must be an integer >= 0"),
    (lambda: hl.IF(threshold=[1.0, 2.0]), ValueError, r"IF.threshold must be one value or 1 value, one per neuron"),
    (lambda: hl.IF(threshold={"a": 1}), TypeError, r"IF.threshold must be a real number"),
    (lambda: hl.PoissonSource(n=2, rate=[1.0, "x"]), TypeError, r"PoissonSource.rate must be an array of real"),
    (lambda: hl.SpikeSource(n=2, times=["a"], indices=[0]), TypeError, r"SpikeSource.times must be an array of real"),
    (lambda: hl.SpikeSource(n=2, times=[0.1], indices=[math.nan]), ValueError, r"SpikeSource.indices must be integers"),
    (lambda: hl.BurstSource(n=2, isi=None), TypeError, r"BurstSource.isi must be a real number"),
    (lambda: PairSTDP(a_plus="0.01"), TypeError, r"PairSTDP.a_plus must be a real number"),
    (lambda: PairSTDP(tau_plus=math.nan), ValueError, r"PairSTDP.tau_plus must be finite and > 0 \(got nan\)"),
    (lambda: hl.FixedProbability(math.nan), ValueError, r"FixedProbability.p must be in \[0, 1\] \(got nan\)"),
    (lambda: hl.FixedProbability(0.1, allow_self="no"), TypeError, r"FixedProbability.allow_self must be True or False"),
    (lambda: hl.rules.Scatter(sigma_plus=1e308), ValueError, r"Scatter.sigma_plus must be in \[0, 1000\]"),
])
def test_bad_constructor_input_is_one_named_error(make, exc, match):
    with pytest.raises(exc, match=match):
        make()


def test_integral_float_sizes_are_accepted_as_integers():
    """n=5.0 is 5 everywhere (it used to be accepted and then fail inside numpy)."""
    net = hl.Network(dt=DT, seed=1.0)
    pop = net.add(hl.LIF(n=5.0))
    src = net.add(hl.PoissonSource(n=np.float64(5), rate=100.0))
    assert pop.n == 5 and isinstance(pop.model.n, int) and net.seed == 1
    net.connect(src, pop, w=0.01, connectivity="one_to_one")
    net.run(0.01)
    assert net.step == 100


@pytest.mark.parametrize("call, exc, match", [
    (lambda net, a, b: net.run(1e308), ValueError, r"run.duration must be in \[0, .*\] s .*\(got 1e\+308\)"),
    (lambda net, a, b: net.run(math.nan), ValueError, r"run.duration must be finite and >= 0"),
    (lambda net, a, b: net.run("1"), TypeError, r"run.duration must be a real number"),
    (lambda net, a, b: net.run(0.001, threads=2.5), ValueError, r"run.threads must be an integer >= 1"),
    (lambda net, a, b: net.connect(a, b, delay=1e308), ValueError, r"connect.delay must be in \[0, .*\(got 1e\+308\)"),
    (lambda net, a, b: net.connect(a, b, delay=None), TypeError, r"connect.delay must be a real number"),
    (lambda net, a, b: net.connect(a, b, w="0.1"), TypeError, r"connect.w must be an array of real numbers"),
    (lambda net, a, b: net.connect(a, b, w=None), TypeError, r"connect.w must be an array of real numbers"),
    (lambda net, a, b: net.connect(a, b, connectivity=None), ValueError, r"connect.connectivity must be"),
    (lambda net, a, b: net.connect(a, b, rule="pair-stdp"), ValueError, r"rule must be None or a plasticity rule"),
    (lambda net, a, b: net.monitor(b, "v", every=math.inf), ValueError, r"monitor.every must be finite and > 0"),
    (lambda net, a, b: net.monitor(b, "v", every=1e300), ValueError, r"monitor.every must be in \[0, "),
    (lambda net, a, b: net.monitor(b, "v", indices=[0.5]), ValueError, r"monitor.indices must be integers in \[0, 49\]"),
    (lambda net, a, b: net.monitor(b, 3), TypeError, r"monitor.var must be None or the name"),
    (lambda net, a, b: net.inject(b, [0.1], [0], [0.1], kind=None), ValueError, r"inject.kind must be one of"),
    (lambda net, a, b: net.inject(a, [0.1], [0], [0.1]), ValueError, r"inject.pop: PoissonSource takes no injected input"),
])
def test_bad_call_input_is_one_named_error_and_changes_nothing(call, exc, match):
    net, a, b = two()
    with pytest.raises(exc, match=match):
        call(net, a, b)
    assert net.step == 0 and net.projections == [] and net.state_monitors == []
    net.run(0.001)  # the network is still usable


# ---- memory: refusals with the estimate, before allocating -------------------------------------------

@pytest.fixture
def small_machine(monkeypatch):
    monkeypatch.setenv("HEBBLAB_MEMORY_LIMIT", str(64 * 2**20))  # pretend 64 MiB


def test_population_state_that_cannot_fit_is_refused(small_machine):
    net = hl.Network(dt=DT)
    with pytest.raises(ValueError, match=r"add: LIF\(n=10000000\)'s state \(64 bytes per neuron\) needs about 0.6 GiB"):
        net.add(hl.LIF(n=10**7))
    with pytest.raises(ValueError, match=r"add: PoissonSource\(n=2000000\)'s state .* needs about"):
        net.add(hl.PoissonSource(n=2 * 10**6, rate=1.0))
    assert net.populations == []


def test_spike_queue_of_a_long_delay_is_refused(small_machine):
    net, a, b = two(n_pre=1000, n_post=10)
    with pytest.raises(ValueError, match=r"spike queue of 1000001 steps x 1000 neurons for delay 100 s needs about 7.5 GiB"):
        net.connect(a, b, w=0.1, delay=100.0, connectivity=FixedP())
    assert net.projections == []


def FixedP():
    return hl.FixedProbability(0.01)


def test_explicit_index_temporaries_are_in_the_estimate(small_machine):
    net, a, b = two(n_pre=100, n_post=100)
    idx = np.zeros(2 * 10**6, np.int32)  # 16 MiB of indices: their sort and checks need ~100 MiB more
    with pytest.raises(ValueError, match=r"connect: 2e\+06 synapses .*bytes of temporaries per index.* needs about"):
        net.connect(a, b, w=0.1, connectivity=(idx, idx))


def test_huge_requests_are_refused_without_allocating(monkeypatch):
    """The literal cases: they used to allocate until MemoryError (or the OOM killer)."""
    monkeypatch.setenv("HEBBLAB_MEMORY_LIMIT", str(16 * 2**30))  # a 16 GiB machine, whatever this one is
    net = hl.Network(dt=DT)
    with pytest.raises(ValueError, match=r"add: LIF\(n=1000000000\)'s state .* needs about 59.6 GiB; this machine has 16.0 GiB"):
        net.add(hl.LIF(n=1e9))
    big_source = hl.PoissonSource(n=2e8)  # the scalar rate is checked without n copies
    with pytest.raises(ValueError, match=r"add: PoissonSource\(n=200000000\)'s state .* needs about"):
        net.add(big_source)
    a = net.add(hl.LIF(n=1000))
    idx = np.zeros(10**9, np.int32)  # calloc'ed: no page is touched before the refusal
    with pytest.raises(ValueError, match=r"connect: 1e\+09 synapses .* needs about"):
        net.connect(a, a, w=0.1, connectivity=(idx, idx))


# ---- fuzz: every public constructor and call ---------------------------------------------------------
#
# Property: a valid object (and then a short run that leaves finite weights), or ONE ValueError or
# TypeError whose message names the parameter. Runs use the reference backend (no compilation);
# what they check is the validation layer in front of both backends.

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from hebblab.plasticity import BinaryBurst, BS2Hebbian3, Scatter, TripletSTDP, TwoStateStochastic  # noqa: E402

_SPECIAL = [0, -1, 1, 3, 2**31, 2**63, 2**64, -2**63, 1e308, -1e308, 5e-324, 1e-300, 1e20, math.nan, math.inf,
            -math.inf, 0.5, 1.5, True, False, None, "1", "x", "", b"1", [], [1.0], [math.nan], [0, 1], (1, 2), {},
            np.float32(1.5), np.float64(math.nan), np.int64(3), np.uint64(2**63), np.array([1.0, 2.0]),
            np.array([[1.0]]), np.array(2.0), np.array(["a"]), np.array([True]), object(), "current",
            "all-to-all", "pairing", hl.Uniform(0.0, 1.0)]
HOSTILE = st.one_of(
    st.sampled_from(_SPECIAL),
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-2**70, max_value=2**70),
    st.text(max_size=3),
    st.floats(min_value=0.0, max_value=2.0),  # plausible values reach the runs
    st.integers(min_value=0, max_value=10),
    st.lists(st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.integers(-5, 5)), max_size=4),
)

_FIELDS = {
    "Network": ("dt", "seed", "backend", "dtype", "index", "threads", "potentiation"),
    "LIF": ("n", "tau_m", "v_rest", "v_thresh", "v_reset", "t_ref", "synapse", "tau_e", "tau_i", "e_e", "e_i", "v_init"),
    "IF": ("n", "threshold", "leak", "refractory"),
    "PoissonSource": ("n", "rate"),
    "SpikeSource": ("n", "times", "indices"),
    "BurstSource": ("n", "spikes_per_burst", "isi", "burst_times", "indices"),
    "PairSTDP": ("a_plus", "a_minus", "tau_plus", "tau_minus", "w_max", "mu", "pairing", "noise", "mu_plus", "mu_minus"),
    "TripletSTDP": ("a2_plus", "a3_plus", "a2_minus", "a3_minus", "tau_plus", "tau_x", "tau_minus", "tau_y", "w_max"),
    "TwoStateStochastic": ("q", "q_plus", "q_minus", "window_plus", "window_minus", "w_low", "w_high"),
    "BinaryBurst": ("theta", "burst", "a_plus", "a_minus", "tau_plus", "tau_minus", "sign", "readout", "noise"),
    "Scatter": ("kind", "sigma_plus", "sigma_minus"),
    "FixedProbability": ("p", "allow_self"),
    "Uniform": ("low", "high"),
    "Normal": ("mean", "sd", "low", "high"),
    "connect": ("pre", "post", "rule", "w", "delay", "connectivity"),
    "run": ("duration", "threads", "progress"),
    "monitor": ("target", "var", "every", "indices"),
    "inject": ("pop", "times", "indices", "values", "kind"),
    "assign": ("rate", "v", "i_ext", "w"),  # pop.rate = ..., lif.v = ..., proj.w = ...
    "poisson_input": ("pop", "n", "rate", "weight", "target"),
    "drive": ("n", "rate", "weight"),  # drive.rate = ... between runs
}
CASES = [(target, param) for target, params in _FIELDS.items() for param in params]
FUZZ_COUNTS = {"tried": 0, "valid": 0, "refused": 0, "unclean": 0}
_RULES = {"PairSTDP": PairSTDP, "TripletSTDP": TripletSTDP, "TwoStateStochastic": TwoStateStochastic,
          "BinaryBurst": BinaryBurst}
_MODELS = {"LIF": hl.LIF, "IF": hl.IF, "PoissonSource": hl.PoissonSource, "SpikeSource": hl.SpikeSource,
           "BurstSource": hl.BurstSource}


def _net(**kw):
    kw = {"dt": DT, "seed": 3, "backend": "reference", **kw}
    net = hl.Network(**kw)
    dt = net.dt
    pre = net.add(hl.SpikeSource(n=3, times=[0.0, dt, 3 * dt], indices=[0, 1, 2]))
    post = net.add(hl.SpikeSource(n=3, times=[dt, 2 * dt, 4 * dt], indices=[0, 1, 2]))
    return net, pre, post


def _exercise(target, param, bad):
    """Build or call ``target`` with ``param=bad`` (everything else valid) and run a few steps."""
    kw = {param: bad}
    if target == "Network":
        net, pre, post = _net(**kw)
        net.connect(pre, post, rule=PairSTDP(), w=0.5)
        net.add(hl.LIF(n=2))
    elif target in _MODELS:
        base = {"n": 3} if target != "SpikeSource" else {"n": 3, "times": [0.0], "indices": [0]}
        net, pre, post = _net()
        pop = net.add(_MODELS[target](**{**base, **kw}))
        net.connect(pre, pop, w=0.5) if pop.n == pre.n or True else None
    elif target in _RULES or target == "Scatter":
        rule = PairSTDP(noise=Scatter(**kw)) if target == "Scatter" else _RULES[target](**kw)
        lo, hi = rule.bounds()
        net, pre, post = _net()
        net.connect(pre, post, rule=rule, w=(lo + hi) / 2 if math.isfinite(hi - lo) else lo)
    elif target == "FixedProbability":
        net, pre, post = _net()
        net.connect(pre, post, w=0.5, connectivity=hl.FixedProbability(**{"p": 0.5, **kw}))
    elif target in ("Uniform", "Normal"):
        args = {"low": 0.0, "high": 1.0} if target == "Uniform" else {"mean": 0.5, "sd": 0.1}
        dist = getattr(hl, target)(**{**args, **kw})
        net, pre, post = _net()
        net.connect(pre, post, w=dist)
    elif target == "connect":
        net, pre, post = _net()
        args = {"pre": pre, "post": post, "rule": BS2Hebbian3(), "w": 0.5, **kw}
        if param == "connectivity" and isinstance(bad, list) and len(bad) % 2 == 0:
            args["connectivity"] = (bad[: len(bad) // 2], bad[len(bad) // 2:])  # also as an index list
        net.connect(**args)
    elif target == "run":
        net, pre, post = _net()
        net.connect(pre, post, rule=PairSTDP(), w=0.5)
        if param == "duration" and hl.network.V._is_number(bad) and 50 * DT < bad <= 1e12:
            return None  # valid and long: not run here
        net.run(**{"duration": 5 * DT, **kw})
    elif target == "monitor":
        net, pre, post = _net()
        proj = net.connect(pre, post, rule=PairSTDP(), w=0.5)
        args = {"target": proj, "var": "w", "every": None, "indices": None, **kw}
        net.monitor(**args)
    elif target == "inject":
        net, pre, post = _net()
        lif = net.add(hl.LIF(n=3))
        args = {"pop": lif, "times": [DT], "indices": [1], "values": [0.01], "kind": "voltage", **kw}
        net.inject(**args)
    elif target == "assign":
        net, pre, post = _net()
        pois = net.add(hl.PoissonSource(n=3, rate=10.0))
        lif = net.add(hl.LIF(n=3))
        proj = net.connect(pois, lif, rule=PairSTDP(), w=0.5)
        net.run(2 * DT)
        setattr(proj if param == "w" else pois if param == "rate" else lif, param, bad)
    elif target in ("poisson_input", "drive"):
        net, pre, post = _net()
        lif = net.add(hl.LIF(n=3, synapse="delta"))
        args = {"pop": lif, "n": 100, "rate": 20.0, "weight": 0.001, "target": "v_in"}
        if target == "poisson_input":
            net.poisson_input(**{**args, **kw})
        else:
            drive = net.poisson_input(**args)
            net.run(2 * DT)
            setattr(drive, param, bad)
    else:  # pragma: no cover
        raise AssertionError(target)
    net.run(5 * net.dt)
    return net


@settings(max_examples=int(os.environ.get("HEBBLAB_FUZZ_EXAMPLES", 500)), deadline=None, database=None, suppress_health_check=list(HealthCheck))
@given(case=st.sampled_from(CASES), bad=HOSTILE)
def test_fuzz_public_api_gives_a_valid_run_or_one_named_error(case, bad):
    target, param = case
    FUZZ_COUNTS["tried"] += 1
    old = os.environ.get("HEBBLAB_MEMORY_LIMIT")
    os.environ["HEBBLAB_MEMORY_LIMIT"] = str(64 * 2**20)  # valid but large requests are refused, not allocated
    try:
        net = _exercise(target, param, bad)
    except (ValueError, TypeError) as e:
        msg = str(e)
        if param not in msg:
            FUZZ_COUNTS["unclean"] += 1
            raise AssertionError(f"{target}({param}={bad!r}): {type(e).__name__} without the parameter: {msg}") from e
        FUZZ_COUNTS["refused"] += 1
        return
    except Exception as e:
        FUZZ_COUNTS["unclean"] += 1
        raise AssertionError(f"{target}({param}={bad!r}) raised {type(e).__name__}: {e}") from e
    finally:
        if old is None:
            os.environ.pop("HEBBLAB_MEMORY_LIMIT", None)
        else:
            os.environ["HEBBLAB_MEMORY_LIMIT"] = old
    FUZZ_COUNTS["valid"] += 1
    if net is not None:
        for proj in net.projections:
            assert np.all(np.isfinite(proj.w)), f"{target}({param}={bad!r}) left non-finite weights"


def test_fuzz_counts():
    """Runs after the fuzz test (file order): the counts, printed for the record (pytest -s)."""
    print(f"\nfuzz: {FUZZ_COUNTS}")
    if FUZZ_COUNTS["tried"]:
        assert FUZZ_COUNTS["unclean"] == 0 and FUZZ_COUNTS["valid"] + FUZZ_COUNTS["refused"] == FUZZ_COUNTS["tried"]


@pytest.mark.parametrize("backend", ["numba", "reference"])
def test_a_rate_so_low_that_the_next_spike_is_past_any_run_never_fires(backend):
    """p = rate dt of 1e-304: the drawn interval (~1e304 steps) overflowed int64 when cast (it came
    out as "never" only by wrap-around); it is now compared as a float."""
    net = hl.Network(dt=DT, seed=1, backend=backend)
    src = net.add(hl.PoissonSource(n=2000, rate=1e-300))
    mon = net.monitor(src)
    net.run(0.01)
    assert len(mon) == 0 and np.all(src.next_step >= 0)


def test_float32_weights_clipped_at_the_bound_can_be_assigned_back():
    """In float32 a weight clipped at w_max = 0.3 reads 0.30000001; assigning the projection's own
    weights back was refused as out of range (found by review)."""
    net = hl.Network(dt=1e-4)
    a = net.add(hl.SpikeSource(n=1, times=[0.001, 0.002, 0.003], indices=[0, 0, 0]))
    b = net.add(hl.SpikeSource(n=1, times=[0.0011, 0.0021, 0.0031], indices=[0, 0, 0]))
    p = net.connect(a, b, rule=hl.rules.PairSTDP(a_plus=0.5, w_max=0.3), w=0.29)
    net.run(0.01)
    assert p.w[0] == np.float32(0.3)
    p.w = p.w
    assert p.w[0] == np.float32(0.3)
