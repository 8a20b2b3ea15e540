"""The memory stream and the memory-capacity experiment against closed forms, plain-numpy
simulations written here, the rules' own slow references, and the spiking engine."""

import math

import numpy as np
import pytest

import hebblab as hl
from hebblab.memory import ages_grid, lifetime, models, run_stream
from hebblab.memory import stream as S


def closed_form_two_state(ages, n, q, f=1.0):
    """Amit & Fusi 1994: SNR(a) = sqrt(N f) q (1 - f q)^a (written out here, not hebblab's)."""
    return math.sqrt(n * f) * q * (1.0 - f * q) ** np.asarray(ages, float)


@pytest.mark.parametrize("q, f", [(0.2, 1.0), (0.5, 0.5)])
def test_two_state_snr_follows_the_closed_form_at_several_seeds(q, f):
    n, ages, probes = 20_000, np.arange(0, 9), 8
    for seed in (1, 2, 3):
        snr = run_stream(models.two_state(q), n, ages, probes, f, seed=seed)
        # each probe's SNR has unit noise around its mean (the noise is normalised), so the mean
        # over the probes of one seed lies within 4 / sqrt(probes) of the closed form
        assert np.all(np.abs(snr.mean(axis=0) - closed_form_two_state(ages, n, q, f)) < 4 / math.sqrt(probes))


def plain_numpy_stream(M_plus, M_minus, eff, n, ages, probes, rng):
    """A discrete-state synapse population simulated with numpy's own generator, from the
    stationary state found by iterating the mean transition matrix (independent of hebblab)."""
    K = len(eff)
    M = 0.5 * (M_plus + M_minus)
    pi = np.full(K, 1.0 / K)
    for _ in range(20_000):
        pi = pi @ M
    state = rng.choice(K, size=n, p=pi / pi.sum())
    cum = [np.cumsum(M_plus, axis=1), np.cumsum(M_minus, axis=1)]
    patterns, out = [], np.full((probes, len(ages)), np.nan)
    for t in range(probes + max(ages)):
        xi = np.where(rng.random(n) < 0.5, 1, -1)
        if t < probes:
            patterns.append(xi)
        u = rng.random(n)
        kind = (xi < 0).astype(int)
        nxt = np.empty(n, int)
        for k in (0, 1):
            sel = kind == k
            nxt[sel] = (u[sel, None] > cum[k][state[sel]]).sum(axis=1)
        state = np.minimum(nxt, K - 1)
        w = eff[state]
        wbar = w.mean()
        noise = math.sqrt(((w - wbar) ** 2).sum())
        for p in range(min(t + 1, probes)):
            a = t - p
            if a in ages:
                out[p, list(ages).index(a)] = (patterns[p] * (w - wbar)).sum() / noise
    return out


def test_the_cascade_in_the_stream_matches_a_plain_numpy_simulation():
    from hebblab.plasticity.cascade import cascade_matrices
    Mp, Mm, eff = cascade_matrices(5, 0.5)
    ages, n, probes = np.array([0, 1, 2, 4, 8, 16]), 8000, 6
    ours = np.concatenate([run_stream(models.cascade(5), n, ages, probes, 1.0, seed=s) for s in (1, 2)])
    theirs = plain_numpy_stream(np.asarray(Mp), np.asarray(Mm), np.asarray(eff, float), n, ages, 2 * probes,
                                np.random.default_rng(5))
    # both are means of 12 probes with unit noise each: their difference has SD sqrt(2/12)
    assert np.all(np.abs(ours.mean(axis=0) - theirs.mean(axis=0)) < 4 * math.sqrt(2 / 12))


def test_markov_mean_field_against_a_matrix_power_written_here():
    from hebblab.memory import theory
    m = models.cascade(6)
    Mp, Mm, w = np.asarray(m.M_plus), np.asarray(m.M_minus), np.asarray(m.efficacy)
    M = 0.5 * (Mp + Mm)
    vals, vecs = np.linalg.eig(M.T)
    pi = np.real(vecs[:, np.argmin(np.abs(vals - 1))])
    pi /= pi.sum()
    sd = math.sqrt(pi @ (w - pi @ w) ** 2)
    ages = [0, 3, 30]
    expect = [math.sqrt(1000) * 0.5 * (pi @ (Mp - Mm) @ np.linalg.matrix_power(M, a) @ (w - pi @ w)) / sd
              for a in ages]
    assert np.allclose(theory.markov_snr(m, ages, 1000), expect, rtol=1e-9, atol=1e-12)


def test_two_state_area_meets_the_lahiri_ganguli_bound():
    from hebblab.memory import theory
    for q in (0.05, 0.3, 1.0):
        area = closed_form_two_state(np.arange(0, 5000), 10_000, q).sum()
        assert area == pytest.approx(theory.lahiri_ganguli_area_bound(10_000, 2), rel=1e-6)


def test_analog_programs_are_the_rules_own_references():
    """One candidate event of each analog model equals the rule's slow reference on the event's
    spike protocol, from random start weights."""
    rng = np.random.default_rng(4)
    w0 = rng.uniform(0, 1, 12)
    lag, isi = 2e-3, 5e-3
    bb = hl.rules.BinaryBurst()
    gated = hl.rules.BurstGatedBinary()
    add = hl.rules.PairSTDP(a_plus=0.05 / math.exp(-lag / 16.8e-3), a_minus=0.05 / math.exp(-lag / 33.7e-3),
                            pairing="nearest-symmetric")
    cases = [(models.binary_burst(bb), bb, True), (models.additive(0.05), add, False)]
    # the burst-gated synapse is a Markov chain on its levels: each level's move is the reference's
    chain = models.burst_gated(gated)
    for pot, M in ((True, chain.M_plus), (False, chain.M_minus)):
        pre = [0.1 + b * isi + (0.0 if pot else lag) for b in range(gated.burst)]
        post = [0.1 + b * isi + (lag if pot else 0.0) for b in range(gated.burst)]
        for i, w in enumerate(chain.values):
            assert chain.values[int(np.argmax(M[i]))] == pytest.approx(gated.reference(pre, post, w, dt=1e-4),
                                                                       abs=1e-12)
    assert np.array_equal(chain.efficacy, (chain.values >= gated.theta).astype(float))
    for model, rule, burst in cases:
        for pot in (True, False):
            k = rule.burst if burst else 1
            pre = [0.1 + b * isi + (0.0 if pot else lag) for b in range(k)]
            post = [0.1 + b * isi + (lag if pot else 0.0) for b in range(k)]
            ref = [rule.reference(pre, post, w, dt=1e-4) for w in w0]
            ours = np.array(w0)
            alpha, beta = model._program(model.pot if pot else model.dep)
            ours = np.array([S._apply.py_func(x, alpha, beta, 0.0, 1.0) for x in ours])
            assert np.allclose(ours, ref, atol=1e-12), (model.name, pot)


@pytest.mark.parametrize("make", [lambda: models.additive(0.05), lambda: models.two_state(0.3),
                                  lambda: models.benna_fusi(4)], ids=["analog", "markov", "chain"])
def test_stream_is_the_same_for_any_number_of_threads(make, monkeypatch):
    """The serial kernels (small calls), and the parallel ones on one and on two threads, give the
    same numbers."""
    import numba
    m = make()
    ages = np.array([0, 1, 5, 20])
    a = run_stream(m, 3 * S.CHUNK + 7, ages, 3, 1.0, seed=9)  # this size runs the serial kernels
    monkeypatch.setattr(S, "PARALLEL_WORK", 0)  # every call takes the parallel kernels
    old = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        b = run_stream(make(), 3 * S.CHUNK + 7, ages, 3, 1.0, seed=9)
        numba.set_num_threads(old)
        c = run_stream(make(), 3 * S.CHUNK + 7, ages, 3, 1.0, seed=9)
    finally:
        numba.set_num_threads(old)
    assert np.array_equal(a, b)
    assert np.array_equal(a, c)


def test_config_refuses_coding_levels_too_sparse_for_a_readable_memory():
    from pydantic import ValidationError
    from hebblab.experiments import EXPERIMENTS
    exp = EXPERIMENTS["memory-capacity"]
    for bad in (dict(coding_level=1e-9), dict(coding_levels=(1.0, 0.001)), dict(two_state_q=(0.0,)),
                dict(stdp_a=(2.0,)), dict(n_values=(1, 2))):
        with pytest.raises(ValidationError):
            exp.make_config("quick", bad)


def test_lifetime_kinds():
    ages = np.array([0, 1, 2, 4, 8])
    assert lifetime(ages, [5.0, 0.1, 0.0, 0.0, 0.0]) == (1.0, "at_most")
    assert lifetime(ages, [0.5, 0.1, 0.0, 0.0, 0.0]) == (0.0, "at_most")
    assert lifetime(ages, [9, 8, 7, 6, 5]) == (8.0, "at_least")
    value, kind = lifetime(ages, [9, 8, 4, 2, 0.5])
    assert kind == "measured" and 4 < value < 8
    assert value == pytest.approx(math.exp(math.log(4) + math.log(2) / math.log(4) * (math.log(8) - math.log(4))))


def test_benna_fusi_stream_falls_as_inverse_square_root():
    from hebblab.memory import theory
    ages = ages_grid(1000)
    curves = [run_stream(models.benna_fusi(6), 4000, ages, 6, 1.0, seed=s).mean(axis=0) for s in (1, 2)]
    slope = theory.fitted_slope(ages, np.mean(curves, axis=0), 10, 1000)
    assert abs(slope + 0.5) < 0.1


@pytest.fixture(scope="module")
def small_run():
    from hebblab.experiments import EXPERIMENTS
    exp = EXPERIMENTS["memory-capacity"]
    config = exp.make_config("quick", dict(replicates=3, n_synapses=3000, n_values=(100, 1000), max_age=200, probes=4,
                                           coding_levels=(1.0, 0.2), calcium_synapses=400, spiking_synapses=300,
                                           spiking_memories=10))
    return exp, exp.run(config, seed=3)


def test_the_experiment_writes_the_named_results(small_run):
    exp, r = small_run
    h = r.headline
    for key in ("lifetime_by_model", "lifetime_vs_N", "snr_initial_by_model", "two_state_lifetime_theory",
                "cascade_mean_field_exponent", "benna_fusi_exponent",
                "calcium_sjostrom_signs_ok", "area_vs_lahiri_ganguli", "spiking_check"):
        assert key in h, key
    assert set(h["lifetime_by_model"]) == set(h["snr_initial_by_model"])
    one = h["lifetime_by_model"]["one_shot_bit"]
    assert one == {"at_most": 1.0, "reason": one["reason"]}  # a bound, never a measurement
    # a fully written pattern: S / noise = sqrt(N (1 - m^2)), m the pattern's mean, |m| ~ 1/sqrt(N)
    assert h["snr_initial_by_model"]["one_shot_bit"]["mean"] == pytest.approx(math.sqrt(3000),
                                                                                            rel=2e-3)
    lt = h["lifetime_by_model"]["two_state"]
    theory_value = math.log(0.1 * math.sqrt(3000)) / -math.log(0.9)
    assert lt["ci95"][0] - 3 < theory_value < lt["ci95"][1] + 3
    assert isinstance(h["calcium_sjostrom_signs_ok"], bool)
    # the default BinaryBurst fills every bit with 1: nothing can be read, a bound, not a number
    assert "at_most" in h["snr_initial_by_model"]["binary_burst"]
    for k in exp.summary:  # every headline shows, measured or "not measured"
        assert k.text(r)
    for name, figure in exp.figures(r):
        assert name in exp.captions


def test_the_spiking_engine_gives_the_streams_weights(small_run):
    _, r = small_run
    sp = r.headline["spiking_check"]
    assert sp["binary-burst"]["max_abs_weight_difference"] < 1e-9
    assert sp["burst-gated"]["max_abs_weight_difference"] < 1e-9
    # stochastic: the engine's switches are its own draws; the fraction of eligible events that
    # switched is binomial around q (Wilson interval over every event of every replicate)
    two = sp["two-state"]
    assert two["switch_fraction"]["n"] > 500
    lo, hi = two["switch_fraction"]["ci95"]
    assert lo <= two["q"] <= hi


def test_the_verdict_is_computed_from_the_bound(small_run):
    exp, r = small_run
    (v,) = exp.verdicts(r)
    assert v.claim == "one-burst-and-immune" and v.verdict in ("refuted", "qualified", "supported")
    fr = r.headline["burst_written_lifetime_fraction"]
    assert v.headline.startswith("burst_written_lifetime_fraction.") and r.get(v.headline) in fr.values()
    # the criterion, recomputed from the fractions
    from hebblab.stats import point
    points = [point(x) for x in fr.values()]
    expect = "refuted" if max(points) < 0.1 else ("supported" if min(points) >= 0.5 else "qualified")
    assert v.verdict == expect
    from hebblab.claims import CLAIMS
    assert CLAIMS[-1].experiment == "memory-capacity"
