import numpy as np
from scipy import stats

from hebblab import rng


def test_numpy_and_numba_streams_are_identical():
    a = np.arange(1000)
    u_np = rng.uniform(7, 3, a, 11)
    u_nb = np.array([rng.uniform_nb(7, 3, k, 11) for k in a])
    assert np.array_equal(u_np, u_nb)
    n_np = rng.normal(7, 3, a, 5)
    n_nb = np.array([rng.normal_nb(7, 3, k, 5) for k in a])
    np.testing.assert_allclose(n_np, n_nb, rtol=1e-14, atol=1e-14)


def test_uniform_is_uniform_and_in_open_closed_unit_interval():
    u = rng.uniform(1, 0, np.arange(200_000), 0)
    assert u.min() > 0.0 and u.max() <= 1.0
    assert stats.kstest(u, "uniform").pvalue > 1e-3


def test_normal_is_standard_normal():
    x = rng.normal(2, 9, np.arange(200_000), 3)
    assert stats.kstest(x, "norm").pvalue > 1e-3


def test_keys_are_independent_streams():
    a = rng.uniform(1, 0, np.arange(50_000), 0)
    b = rng.uniform(1, 1, np.arange(50_000), 0)
    c = rng.uniform(2, 0, np.arange(50_000), 0)
    assert abs(np.corrcoef(a, b)[0, 1]) < 0.02
    assert abs(np.corrcoef(a, c)[0, 1]) < 0.02
    # neighbouring counters are uncorrelated too
    assert abs(np.corrcoef(a[:-1], a[1:])[0, 1]) < 0.02


def test_normal_pair_gives_two_independent_standard_normals():
    z = np.array([rng.normal_pair_nb(5, 1, 0, b) for b in range(100_000)])
    for col in (z[:, 0], z[:, 1]):
        assert stats.kstest(col, "norm").pvalue > 1e-3
    assert abs(np.corrcoef(z[:, 0], z[:, 1])[0, 1]) < 0.02


def test_ziggurat_normals_are_standard_normal_including_the_tail():
    from numba import njit

    @njit
    def draw(n):
        out = np.empty(2 * n)
        for b in range(n):
            out[2 * b], out[2 * b + 1] = rng.normal_zig_pair_nb(3, 5, 7, b)
        return out

    z = draw(200_000)
    assert stats.kstest(z, "norm").pvalue > 1e-3
    # the tail beyond the base layer's edge r = 3.4426 comes from the slow path
    p_tail = 2 * stats.norm.sf(3.442619855899)
    assert abs(np.mean(np.abs(z) > 3.442619855899) - p_tail) < 5 * np.sqrt(p_tail / z.size)
    assert abs(np.corrcoef(z[0::2], z[1::2])[0, 1]) < 0.01
