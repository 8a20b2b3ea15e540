"""Poisson drives (``Network.poisson_input``): binomial counts per neuron and step, identical in
both backends and for any number of threads, validated inputs.

Two network structures are compiled here (each costs a numba compile): ``counting`` (one LIF
population whose constant input ``i_ext`` the drive feeds with weight 1, so the sampled ``i_ext``
is the running sum of the counts and its differences are the counts themselves) and
``brunel_like`` (delta-synapse LIF neurons with recurrent excitation and inhibition and two
drives, a current-based population with two more; serial and two threads).
"""

import math

import numpy as np
import pytest
from scipy import stats

import hebblab as hl
from hebblab import si
from hebblab.backends import codegen
from hebblab.poisson_input import TAIL, _count, binomial_table, guide_table
from hebblab.rng import hash3_nb, hash4_nb, hash_last_nb

from helpers import DT

mV, ms = si.mV, si.ms


@pytest.fixture(autouse=True)
def _allow_more_threads_than_cores(monkeypatch):
    monkeypatch.setenv("HEBBLAB_ALLOW_OVERSUBSCRIBE", "1")


# ---- the binomial table --------------------------------------------------------------------------

@pytest.mark.parametrize("n, p", [(1000, 0.002), (10, 0.3), (1, 0.5), (20000, 0.0025), (10**6, 0.5),
                                  (50, 1 - 1e-9), (1000, 1e-12), (2**31 - 1, 0.01)])
def test_table_is_the_binomial_distribution_function(n, p):
    k0, F = binomial_table(n, p)
    k = k0 + np.arange(F.size)
    assert F[-1] == 1.0 and np.all(np.diff(F) >= 0) and F[0] > 0
    # what the table leaves out has probability below TAIL on each side
    assert (stats.binom.cdf(k0 - 1, n, p) if k0 > 0 else 0.0) < TAIL
    assert stats.binom.sf(k[-1], n, p) < TAIL
    # and what it holds is the binomial distribution function, to float64 rounding of the sums
    np.testing.assert_allclose(F, stats.binom.cdf(k, n, p), rtol=0, atol=1e-15 * max(1.0, math.sqrt(F.size)) * 10)


def test_table_of_certain_counts():
    assert binomial_table(0, 0.3)[0] == 0 and binomial_table(10, 0.0)[0] == 0
    k0, F = binomial_table(7, 1.0)
    assert k0 == 7 and F.tolist() == [1.0]
    k0, F = binomial_table(1000, 1e-20)  # P(count >= 1) ~ 1e-17 < TAIL: always 0
    assert k0 == 0 and F.tolist() == [1.0]


@pytest.mark.parametrize("n, p", [(1000, 0.002), (3, 0.5), (20000, 0.005), (10**6, 0.5), (2**31 - 1, 0.5)])
def test_guide_table_lookup_is_the_smallest_count_with_u_at_most_F(n, p):
    """The compiled lookup against np.searchsorted (the reference backend's), on random 53-bit
    uniforms, the extremes, the cells' edges and both sides of every table entry."""
    k0, F = binomial_table(n, p)
    L, G = guide_table(F)
    rng = np.random.default_rng(n)
    top = 2**53
    cells = (np.arange(0, 2**L + 1, max(1, 2**L // 500)) << (53 - L)).astype(np.int64)
    at_F = np.ceil(F[::max(1, F.size // 500)] * float(top)).astype(np.int64)
    m = np.concatenate([rng.integers(1, top, 3000, endpoint=True), [1, 2, top - 1, top], cells - 1, cells, cells + 1,
                        at_F - 1, at_F, at_F + 1])
    m = np.clip(m, 1, top).astype(np.uint64)
    shift = np.uint64(53 - L)
    got = np.array([_count(x, F, G, shift) for x in m])
    np.testing.assert_array_equal(got, np.searchsorted(F, m.astype(np.float64) * 2.0**-53, side="left"))


def test_hash_prefix_and_last_round_give_the_full_hash():
    rng = np.random.default_rng(5)
    for seed, stream, a, b in rng.integers(0, 2**62, (200, 4)):
        assert hash_last_nb(np.uint64(hash3_nb(seed, stream, a)), b) == hash4_nb(seed, stream, a, b)


# ---- the counting network ------------------------------------------------------------------------

N_POP = 100


def counting(backend="numba", seed=1, n=1000, rate=20.0, dtype=np.float64, weight=1.0):
    net = hl.Network(dt=DT, seed=seed, backend=backend, dtype=dtype)
    pop = net.add(hl.LIF(n=N_POP))
    drive = net.poisson_input(pop, n=n, rate=rate, weight=weight, target="i_ext")
    mon = net.monitor(pop, "i_ext")
    return net, pop, drive, mon


def counts_of(mon, pop):
    """Per-step counts times the weight: differences of the running sum (samples, then the end)."""
    return np.diff(np.vstack([mon.values, pop.i_ext[None, :]]), axis=0)


def segments(net, pop, mon, steps, changes=()):
    """Run ``steps`` steps for each of ``[{}] + changes`` (attribute changes of the drive between
    runs); the counts of each segment."""
    out, done = [], 0
    for change in [{}, *changes]:
        for k, v in change.items():
            setattr(net.poisson_inputs[0], k, v)
        net.run(steps * DT)
        c = counts_of(mon, pop)[done:]
        out.append(c)
        done += c.shape[0]
    return out


CASES = [(1000, 20.0), (10, 3000.0), (20000, 50.0)]  # mean 2 (the benchmark's), p = 0.3, mean 100 (bisection)
SEEDS = [1, 2, 3]
#: Family-wise false-alarm probability of the chi-square tests below if the counts are binomial.
ALPHA = 1e-3


def chi_square_pvalue(counts, n, p):
    """Pearson's chi-square of the count histogram against Binomial(n, p); bins pooled from the
    left until each expects at least 5 counts (the last bin is the upper tail)."""
    counts = np.asarray(counts).ravel().astype(np.int64)
    N = counts.size
    kmax = int(stats.binom.ppf(1 - 1e-15, n, p)) + 1
    pmf = stats.binom.pmf(np.arange(kmax + 1), n, p)
    obs = np.bincount(np.minimum(counts, kmax + 1), minlength=kmax + 2)
    edges, acc = [], 0.0
    for k in range(kmax + 1):
        acc += pmf[k]
        if N * acc >= 5:
            edges.append(k)
            acc = 0.0
    bins_e, bins_o, lo = [], [], 0
    for e in edges[:-1]:
        bins_e.append(N * pmf[lo:e + 1].sum())
        bins_o.append(obs[lo:e + 1].sum())
        lo = e + 1
    bins_e.append(N * stats.binom.sf(lo - 1, n, p))  # the rest, tail included
    bins_o.append(obs[lo:].sum())
    e, o = np.array(bins_e), np.array(bins_o)
    stat = float(np.sum((o - e) ** 2 / e))
    return stats.chi2.sf(stat, e.size - 1), e.size


@pytest.mark.parametrize("seed", SEEDS)
def test_counts_are_binomial(seed):
    """200,000 neuron-steps per case and seed; the chi-square tolerance is the chi-square
    distribution's (ALPHA split over the 9 tests), and neighbouring neurons and consecutive
    steps are uncorrelated within 5 standard errors."""
    n0, r0 = CASES[0]
    net, pop, drive, mon = counting(seed=seed, n=n0, rate=r0)
    got = segments(net, pop, mon, 2000, [dict(n=n, rate=r) for n, r in CASES[1:]])
    for (n, rate), c in zip(CASES, got):
        assert np.array_equal(c, np.round(c)) and c.min() >= 0
        pval, bins = chi_square_pvalue(c, n, rate * DT)
        assert bins >= 3
        assert pval > ALPHA / (len(CASES) * len(SEEDS)), (n, rate, seed, pval)
        limit = 5 / math.sqrt(c.size)
        z = (c - c.mean()) / c.std()
        assert abs(np.mean(z[:, 1:] * z[:, :-1])) < limit  # neighbouring neurons, same step
        assert abs(np.mean(z[1:] * z[:-1])) < limit  # one neuron, consecutive steps


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_compiled_equals_reference_exactly(dtype):
    """Also across a change of rate, n and weight between runs (float32: the state is rounded
    after each addition, in both backends alike)."""
    res = []
    for backend in ("numba", "reference"):
        net, pop, drive, mon = counting(backend, seed=7, dtype=dtype, weight=0.37)
        segments(net, pop, mon, 300, [dict(rate=900.0), dict(n=25000, weight=-0.011), dict(rate=0.0)])
        res.append((mon.values.copy(), pop.S.copy(), pop.I.copy()))
    for a, b in zip(*res):
        np.testing.assert_array_equal(a, b)
    assert np.ptp(res[0][0]) > 0


def test_rate_weight_and_n_changed_between_runs_take_effect():
    net, pop, drive, mon = counting(seed=4, n=1000, rate=20.0)
    a, b, c, d, e = segments(net, pop, mon, 1000, [dict(rate=200.0), dict(weight=-2.0), dict(rate=0.0), dict(n=0, rate=50.0)])
    N = a.size
    for got, mean, var in ((a, 2.0, 2.0 * 0.998), (b, 20.0, 20.0 * 0.98), (c, -40.0, 4 * 20.0 * 0.98)):
        assert abs(got.mean() - mean) < 5 * math.sqrt(var / N)
    assert not d.any() and not e.any()  # rate 0, n 0: nothing at all
    assert drive.rate == 50.0 and drive.n == 0 and drive.weight == -2.0


# ---- a network with delta synapses, recurrence and several drives --------------------------------

def brunel_like(backend="numba", threads=1, seed=3, steps=600):
    """Brunel (2000)-style neurons (delta synapses, J = 0.1 mV, g = 5, delay 1.5 ms, external
    Poisson drive C_ext = 1000 at 20 Hz) plus a second drive on them whose table is bisected,
    and a current-based population with an excitatory and an inhibitory drive and a zero-delay
    projection from the first. The first drive's rate changes between the two runs."""
    net = hl.Network(dt=DT, seed=seed, backend=backend, dtype=np.float64, threads=threads)
    params = dict(tau_m=20 * ms, v_rest=0.0, v_reset=10 * mV, v_thresh=20 * mV, t_ref=2 * ms, synapse="delta")
    neurons = net.add(hl.LIF(n=100, **params))
    cur = net.add(hl.LIF(n=6, tau_m=15 * ms, tau_e=3 * ms, v_thresh=-55 * mV))
    rng = np.random.default_rng(seed)
    pre, post = np.nonzero(rng.random((100, 100)) < 0.1)
    w = np.where(pre < 80, 0.1 * mV, -0.5 * mV)
    net.connect(neurons, neurons, w=w, delay=1.5 * ms, connectivity=(pre, post))
    net.connect(neurons, cur, w=2 * mV, connectivity=hl.FixedProbability(0.2))
    ext = net.poisson_input(neurons, n=1000, rate=20.0, weight=0.1 * mV, target="v_in")
    net.poisson_input(neurons, n=20000, rate=50.0, weight=-0.0005 * mV, target="v_in")  # mean 100 per step
    net.poisson_input(cur, n=500, rate=20.0, weight=1 * mV, target="g_e")
    net.poisson_input(cur, n=200, rate=20.0, weight=1 * mV, target="g_i")
    sp = [net.monitor(neurons), net.monitor(cur)]
    v = net.monitor(neurons, "v")
    net.run(steps // 2 * DT)
    ext.rate = 25.0
    net.run((steps - steps // 2) * DT)
    return [(m.steps, m.i) for m in sp], v.values, neurons.S.copy(), cur.S.copy()


def test_brunel_like_network_is_identical_in_both_backends_and_with_threads():
    ref = brunel_like("reference")
    for threads in (1, 2):
        got = brunel_like("numba", threads=threads)
        for (a_t, a_i), (b_t, b_i) in zip(got[0], ref[0]):
            np.testing.assert_array_equal(a_t, b_t)
            np.testing.assert_array_equal(a_i, b_i)
        for a, b in zip(got[1:], ref[1:]):
            np.testing.assert_array_equal(a, b)
    assert len(ref[0][0][0]) > 100 and len(ref[0][1][0]) > 10  # both populations fired


# ---- structure and validation --------------------------------------------------------------------

def test_a_drive_is_part_of_the_kernel_structure():
    net = hl.Network(dt=DT)
    pop = net.add(hl.LIF(n=3))
    before = codegen.structure_key(net)
    net.poisson_input(pop, n=10, rate=5.0, weight=0.1, target="g_e")
    after = codegen.structure_key(net)
    net.poisson_input(pop, n=10, rate=5.0, weight=0.1, target="g_i")
    assert len({before, after, codegen.structure_key(net)}) == 3
    assert codegen.generate(net).count("drv_apply(") == 2 and "drv_apply(" in codegen.generate_parallel(net)


def _net(dtype=np.float64):
    net = hl.Network(dt=DT, seed=1, backend="reference", dtype=dtype)
    src = net.add(hl.PoissonSource(n=3, rate=10.0))
    lif = net.add(hl.LIF(n=4))
    delta = net.add(hl.LIF(n=2, synapse="delta"))
    return net, src, lif, delta


OTHER = hl.Network(dt=DT)
OTHER_POP = OTHER.add(hl.LIF(n=4))
GOOD = dict(n=1000, rate=20.0, weight=0.1 * mV, target="g_e")


@pytest.mark.parametrize("change, exc, match", [
    (dict(pop="lif0"), ValueError, r"poisson_input.pop must be a population added to this network \(got str\)"),
    (dict(pop=None), ValueError, r"poisson_input.pop must be a population added to this network \(got NoneType\)"),
    (dict(pop=OTHER_POP), ValueError, r"poisson_input.pop must be a population added to this network"),
    (dict(pop="src"), ValueError, r"poisson_input.pop: PoissonSource takes no input"),
    (dict(n=-1), ValueError, r"poisson_input.n must be an integer >= 0 and <= 2147483647 \(got -1\)"),
    (dict(n=2**31), ValueError, r"poisson_input.n must be an integer >= 0 and <= 2147483647 \(got 2147483648\)"),
    (dict(n=1.5), ValueError, r"poisson_input.n must be an integer"),
    (dict(n=math.nan), ValueError, r"poisson_input.n must be an integer"),
    (dict(n="1000"), TypeError, r"poisson_input.n must be an integer \(got '1000'"),
    (dict(n=True), TypeError, r"poisson_input.n must be an integer"),
    (dict(rate=-1.0), ValueError, r"poisson_input.rate must be >= 0 Hz \(got -1.0\)"),
    (dict(rate=math.nan), ValueError, r"poisson_input.rate must be finite and >= 0 Hz \(got nan\)"),
    (dict(rate=math.inf), ValueError, r"poisson_input.rate must be finite and >= 0 Hz"),
    (dict(rate=10001.0), ValueError, r"poisson_input.rate must be in \[0, 10000\] Hz \(rate \* dt <= 1 at dt = 0.0001 s\) "
                                     r"\(got 10001.0\)"),
    (dict(rate="20"), TypeError, r"poisson_input.rate must be a real number"),
    (dict(rate=[20.0]), TypeError, r"poisson_input.rate must be a real number"),
    (dict(weight=math.nan), ValueError, r"poisson_input.weight must be in \[.*\] \(got nan\)"),
    (dict(weight=-math.inf), ValueError, r"poisson_input.weight must be in"),
    (dict(weight=None), TypeError, r"poisson_input.weight must be a real number"),
    (dict(weight=1e303, n=10**6), ValueError, r"poisson_input.weight must be in \[-1.79769e\+302, 1.79769e\+302\] for "
                                             r"n = 1000000 \(n \* \|weight\| finite in float64\)"),
    (dict(target="x"), ValueError, r"poisson_input.target must be one of 'v', 'g_e', 'g_i', 'i_ext' \(got 'x'\)"),
    (dict(target="refractory"), ValueError, r"poisson_input.target must be one of"),
    (dict(target=None), ValueError, r"poisson_input.target must be one of"),
    (dict(pop="delta"), ValueError, r"poisson_input.target must be one of 'v', 'v_in', 'i_ext' \(got 'g_e'\)"),
])
def test_bad_input_is_one_named_error_and_changes_nothing(change, exc, match):
    net, src, lif, delta = _net()
    pops = dict(src=src, lif=lif, delta=delta)
    args = {**GOOD, "pop": lif, **change}
    if isinstance(args["pop"], str) and args["pop"] in pops:
        args["pop"] = pops[args["pop"]]
    S = [p.S.copy() for p in net.populations]
    with pytest.raises(exc, match=match):
        net.poisson_input(**args)
    assert net.poisson_inputs == []
    for p, s in zip(net.populations, S):
        np.testing.assert_array_equal(p.S, s)
    net.run(5 * DT)  # still usable


def test_float32_weight_overflow_is_refused():
    net, src, lif, delta = _net(np.float32)
    with pytest.raises(ValueError, match=r"poisson_input.weight must be in \[-3.40282e\+38, 3.40282e\+38\] \(got 1e\+39\)"):
        net.poisson_input(lif, n=1, rate=1.0, weight=1e39, target="v")
    with pytest.raises(ValueError, match=r"weight must be in \[-3.40282e\+35, 3.40282e\+35\] for n = 1000 \(n \* \|weight\| "
                                         r"finite in float32\)"):
        net.poisson_input(lif, n=1000, rate=1.0, weight=1e36, target="v")
    assert net.poisson_inputs == []


@pytest.mark.parametrize("name, value, exc, match", [
    ("rate", -5.0, ValueError, r"PoissonInput.rate must be >= 0 Hz \(got -5.0\)"),
    ("rate", 2e4, ValueError, r"PoissonInput.rate must be in \[0, 10000\] Hz"),
    ("rate", None, TypeError, r"PoissonInput.rate must be a real number"),
    ("n", 2.5, ValueError, r"PoissonInput.n must be an integer >= 0"),
    ("n", 10**300, ValueError, r"PoissonInput.n must be an integer >= 0 and <= 2147483647"),
    ("weight", math.nan, ValueError, r"PoissonInput.weight must be in"),
    ("weight", "0.1", TypeError, r"PoissonInput.weight must be a real number"),
    ("target", "g_i", AttributeError, r"PoissonInput.target cannot be set \(settable: n, rate, weight"),
    ("pop", None, AttributeError, r"PoissonInput.pop cannot be set"),
])
def test_refused_assignment_changes_nothing(name, value, exc, match):
    net, src, lif, delta = _net()
    drive = net.poisson_input(lif, **GOOD)
    before = (drive.n, drive.rate, drive.weight, drive.k0, drive.cdf.copy(), drive.D.copy(), drive.target, drive.pop)
    with pytest.raises(exc, match=match):
        setattr(drive, name, value)
    after = (drive.n, drive.rate, drive.weight, drive.k0, drive.cdf, drive.D, drive.target, drive.pop)
    for a, b in zip(before, after):
        assert np.array_equal(a, b) if isinstance(a, np.ndarray) else a is b or a == b
    net.run(5 * DT)


def test_n_that_would_overflow_with_the_weight_is_refused_naming_n():
    net, src, lif, delta = _net(np.float32)
    drive = net.poisson_input(lif, n=10, rate=20.0, weight=1e36, target="g_e")
    with pytest.raises(ValueError, match=r"PoissonInput.n must be an integer >= 0 and <= 340 for weight = 1e\+36 "
                                         r"\(n \* \|weight\| finite in float32\) \(got 1000\)"):
        drive.n = 1000
    assert drive.n == 10


def test_valid_values_are_normalised():
    net, src, lif, delta = _net()
    drive = net.poisson_input(lif, n=np.int64(12), rate=np.float32(20.0), weight=1, target="g_i")
    # Python numbers, not numpy scalars (the rate is marked as hebblab's own SI value: a float subclass)
    assert (type(drive.n), type(drive.rate), type(drive.weight)) == (int, hl.units.SIFloat, float)
    drive.n = 30.0
    assert drive.n == 30 and isinstance(drive.n, int)
    assert drive.row == lif.model.float_vars.index("g_i") and "PoissonInput 0" in repr(drive)
    d2 = net.poisson_input(delta, n=5, rate=1 / DT, weight=0.1, target="v_in")  # rate * dt = 1: always n
    assert d2.k0 == 5 and d2.cdf.tolist() == [1.0] and d2.stream != drive.stream
