"""Connectivity builders against direct constructions."""

import numpy as np
import pytest

import hebblab as hl
from hebblab.connectivity import build, build_csc


def test_fixed_probability_matches_its_probability_and_skips_self():
    indptr, post, _ = build(hl.FixedProbability(0.1, allow_self=False), 400, 400, seed=3, stream=9)
    n = post.size
    expected = 400 * 399 * 0.1
    assert abs(n - expected) < 5 * np.sqrt(expected * 0.9)
    pre = np.repeat(np.arange(400), np.diff(indptr))
    assert not np.any(pre == post)
    for j in range(400):  # rows sorted, no duplicates
        row = post[indptr[j]:indptr[j + 1]]
        assert np.all(np.diff(row) > 0)


def test_fixed_probability_is_reproducible_and_seeded():
    a = build(hl.FixedProbability(0.05), 300, 200, seed=1, stream=2)[1]
    b = build(hl.FixedProbability(0.05), 300, 200, seed=1, stream=2)[1]
    c = build(hl.FixedProbability(0.05), 300, 200, seed=2, stream=2)[1]
    assert np.array_equal(a, b) and not np.array_equal(a, c)


@pytest.mark.parametrize("small", [0, 10**9])  # counting sort (compiled), numpy argsort
@pytest.mark.parametrize("conn", ["all_to_all", hl.FixedProbability(0.2)])
def test_post_index_equals_stable_argsort(conn, small, monkeypatch):
    import hebblab.connectivity as c
    monkeypatch.setattr(c, "SMALL", small)
    indptr, post, _ = build(conn, 50, 70, seed=0, stream=0)
    post_ptr, post_syn, post_pre = build_csc(indptr, post, 70)
    order = np.argsort(post, kind="stable")
    np.testing.assert_array_equal(post_syn, order)
    np.testing.assert_array_equal(post_pre, np.repeat(np.arange(50), np.diff(indptr))[order])
    np.testing.assert_array_equal(post_ptr, np.concatenate([[0], np.cumsum(np.bincount(post, minlength=70))]))


def test_explicit_pairs_keep_the_users_weights():
    net = hl.Network(dt=1e-4)
    a = net.add(hl.LIF(n=3))
    b = net.add(hl.LIF(n=3))
    proj = net.connect(a, b, w=[0.3, 0.1, 0.2], connectivity=(np.array([2, 0, 1]), np.array([0, 1, 2])))
    # stored sorted by pre: (0->1, 0.1), (1->2, 0.2), (2->0, 0.3)
    np.testing.assert_array_equal(proj.pre_index, [0, 1, 2])
    np.testing.assert_array_equal(proj.post_index, [1, 2, 0])
    np.testing.assert_allclose(proj.w, [0.1, 0.2, 0.3])
