"""Connectivity builders against direct constructions."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

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
    post_ptr, post_syn = build_csc(indptr, post, 70)
    order = np.argsort(post, kind="stable")
    np.testing.assert_array_equal(post_syn, order)
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


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(0, 40), min_size=1, max_size=60))
def test_pre_of_finds_the_row_of_every_synapse(row_lengths):
    """The block table + binary search agrees with a full pre index, with empty rows anywhere."""
    from hebblab.connectivity import pre_lookup, pre_of
    indptr = np.concatenate([[0], np.cumsum(row_lengths)]).astype(np.int64)
    n_syn = int(indptr[-1])
    table, shift = pre_lookup(indptr, n_syn)
    full = np.repeat(np.arange(len(row_lengths)), row_lengths)
    found = [pre_of.py_func(s, indptr, table, shift) for s in range(n_syn)]
    np.testing.assert_array_equal(found, full)
    assert table.nbytes <= 4 * (n_syn / 16 + 2)  # at most a quarter byte per synapse (plus two entries)


def test_plastic_synapse_costs_twelve_bytes():
    """float32 weight + int32 target + int32 post-to-synapse index; the pre table is negligible."""
    net = hl.Network(dt=1e-4, seed=1)
    a = net.add(hl.LIF(n=2000))
    proj = net.connect(a, a, rule=hl.rules.PairSTDP(w_max=1.0), w=0.5, connectivity=hl.FixedProbability(0.05))
    assert 12.0 <= proj.bytes_per_synapse < 12.1
    static = net.connect(a, a, w=0.5, connectivity=hl.FixedProbability(0.05))
    assert 8.0 <= static.bytes_per_synapse < 8.01


def test_fast_and_compact_index_learn_the_same_weights():
    """The stored pre index ("fast", 16 B) and the block table ("compact", 12 B) find the same pre
    neurons, so a plastic recurrent network ends with bit-identical weights and spikes."""
    from hebblab.networks import recurrent_network
    out = {}
    for index in ("compact", "fast"):
        net, neurons, rec = recurrent_network(n=400, k=20, seed=3, index=index)
        sp = net.monitor(neurons)
        net.run(0.2)
        out[index] = (rec.w.copy(), sp.i.copy(), rec.bytes_per_synapse)
    np.testing.assert_array_equal(out["compact"][0], out["fast"][0])
    np.testing.assert_array_equal(out["compact"][1], out["fast"][1])
    assert len(out["fast"][1]) > 100 and np.any(out["fast"][0] != out["fast"][0][0])  # it spiked and learned
    assert out["compact"][2] < 12.3 and out["fast"][2] >= 16.0
