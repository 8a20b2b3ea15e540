"""associative-memory: expectations from closed forms, independent simulations and published numbers.

Oracles written here, independent of the experiment's code:

* Willshaw, Buneman & Longuet-Higgins 1969 (Nature 222:960): the clipped Hebbian matrix
  (synapse (i, j) = 1 iff i and j were active together in some pair), built here in plain numpy,
  and threshold recall (output j fires iff it receives at least the threshold's active cue units);
  half full after ln 2 / -ln(1 - kl/mn) pairs; ln 2 bits per synapse in the sparse limit.
* The expected number of spurious units for random patterns by inclusion-exclusion over the cue's
  units (a different derivation from the experiment's Markov chain).
* Two-state synapses (Amit & Fusi 1994, Neural Comput. 6:957; Fusi & Abbott 2007, Nat. Neurosci.
  10:485): signal q (1 - f q)^a, noise 1/sqrt(f N), lifetime ln(q sqrt(f N)) / -ln(1 - f q);
  for q = 1 it grows by ln(10) / (2 (-ln(1 - f))) patterns per decade of N ("as low as log N").
* Nearest-spike additive STDP with hard bounds (the BinaryBurst rule's equations), written out as
  an event loop, on the spike trains of a memory under ongoing random activity.

Statistical checks run at three seeds with tolerances of 3 standard errors from the replicate
spread: 4 standard errors for bootstrap intervals (SE = half the 95 % interval / 1.96; with 20
replicates the percentile interval covered 88 % in 60 trial seeds, so 4 SE rather than 3), the
99.9 % Student interval over memories for the Willshaw memories.
"""

import math

import numpy as np
import pytest
from scipy.stats import binom

from hebblab.experiments import associative_memory as am

SEEDS = [1, 2, 3]
Z = 4.0  # tolerance in standard errors (bootstrap intervals of 20 replicates run ~15 % narrow)


def clipped_hebbian(patterns_in, patterns_out, m, n):
    """Willshaw's matrix in plain numpy."""
    W = np.zeros((m, n), bool)
    for a, b in zip(patterns_in, patterns_out):
        W[np.ix_(a, b)] = True
    return W


def threshold_recall(W, cue, threshold):
    """Outputs that receive at least ``threshold`` of the cue's units."""
    return np.flatnonzero(W[np.asarray(cue)].sum(axis=0) >= threshold)


def spurious_inclusion_exclusion(M, m, n, k, l, cue, threshold):
    """E[spurious units]: a non-target with usage c ~ Bin(M - 1, l/n) fires iff >= threshold of the
    cue's units lie in the union of c random k-subsets of m. P(exactly t of them in the union) =
    C(cue, t) sum_s (-1)^s C(t, s) g(s + cue - t)^c with g(x) = C(m - x, k) / C(m, k); the
    alternating sum cancels badly in floating point, so it runs in 40-digit arithmetic (mpmath)."""
    import mpmath as mp
    with mp.workdps(40):
        g = [mp.binomial(m - x, k) / mp.binomial(m, k) for x in range(cue + 1)]
        pmf = binom.pmf(np.arange(M), M - 1, l / n)
        total = mp.mpf(0)
        for c in np.flatnonzero(pmf > 1e-20):
            fire = mp.fsum(mp.binomial(cue, t) * mp.fsum((-1) ** s * mp.binomial(t, s) * g[s + cue - t] ** int(c)
                                                          for s in range(t + 1))
                           for t in range(threshold, cue + 1))
            total += pmf[c] * fire
        return (n - l) * float(total)


def se_of(est):
    lo, hi = est["ci95"]
    return (hi - lo) / (2 * 1.96)


def small_config(**kw):
    base = dict(m=200, n=200, k=5, l=5, chunks=2, n_recall=400, n_recall_noisy=400)
    base.update(kw)
    return am.Config(**base)


# ------------------------------------------------------------------ Willshaw memory

@pytest.mark.parametrize("seed", SEEDS)
def test_engine_learns_willshaws_clipped_matrix_and_recalls_as_numpy(seed):
    """One burst per pair in the engine gives the clipped Hebbian matrix bit for bit, and the spiking
    recall (perfect and noisy cues, thresholds k and k - d) fires exactly the numpy recall's units."""
    cfg = small_config(m=120, n=100, k=6, l=4)
    rng = np.random.default_rng(seed)
    M = 300
    pin = np.array([np.sort(rng.choice(cfg.m, cfg.k, replace=False)) for _ in range(M)])
    pout = np.array([np.sort(rng.choice(cfg.n, cfg.l, replace=False)) for _ in range(M)])
    learned = am.learn(cfg, pin, pout, seed)
    B = learned["learned"]
    W = clipped_hebbian(pin, pout, cfg.m, cfg.n)
    assert np.array_equal(B, W)
    assert learned["fraction_set"][-1] == pytest.approx(W.mean())
    which = rng.choice(M, 60, replace=False)
    jobs, expected = [], []
    for d, replace in ((0, False), (2, True), (3, False)):
        cues = [np.sort(rng.permutation(pin[p])[:cfg.k - d]) for p in which]
        if replace:
            cues = [np.concatenate([c, rng.choice(np.setdiff1d(np.arange(cfg.m), pin[p]), d, replace=False)])
                    for c, p in zip(cues, which)]
        jobs.append((B, cfg.k - d, cues, pout[which]))
        sp, mi = [], []
        for c, p in zip(cues, which):
            fired = set(threshold_recall(W, c, cfg.k - d).tolist())
            target = set(pout[p].tolist())
            sp.append(len(fired - target))
            mi.append(len(target - fired))
        expected.append((sp, mi))
    for (sp, mi), (esp, emi) in zip(am.recall(jobs, cfg), expected):
        assert sp.tolist() == esp and mi.tolist() == emi


def test_exact_spurious_expectation_against_inclusion_exclusion_and_numpy_willshaw():
    """The experiment's Markov-chain expectation equals the inclusion-exclusion form, and both
    match a plain-numpy Willshaw memory (40 memories of 200 x 200, k = l = 5, at half full)."""
    cfg = small_config()
    M = int(round(math.log(2) / -math.log1p(-25 / 40000)))
    for cue, th in ((5, 5), (5, 3), (3, 3)):
        assert am.spurious_exact(M, cfg, cue, th) == pytest.approx(
            spurious_inclusion_exclusion(M, 200, 200, 5, 5, cue, th), rel=1e-9)
    rng = np.random.default_rng(7)
    per_memory = []
    for _ in range(40):
        pin = np.array([rng.choice(200, 5, replace=False) for _ in range(M)])
        pout = np.array([rng.choice(200, 5, replace=False) for _ in range(M)])
        W = clipped_hebbian(pin, pout, 200, 200)
        which = rng.choice(M, 300, replace=False)
        fired = W[pin[which]].sum(axis=1) >= 5  # (300, n)
        per_memory.append(fired.sum(axis=1).mean() - 5)
    x = np.array(per_memory)
    assert abs(x.mean() - spurious_inclusion_exclusion(M, 200, 200, 5, 5, 5, 5)) < Z * x.std(ddof=1) / math.sqrt(x.size)


@pytest.mark.parametrize("seed", SEEDS)
def test_engine_memories_spurious_units_match_the_exact_expectation(seed):
    """Twenty engine-learned memories (100 x 100, k = l = 4, half full): the mean spurious units per
    recall, perfect and noisy cues, lie within the 99.9 % Student interval over memories of the exact
    expectation (the memories differ by their patterns: that spread is the tolerance); with a
    perfect cue no target is missed."""
    from scipy.stats import t as student_t
    cfg = small_config(m=100, n=100, k=4, l=4, memories=20, n_recall=200, n_recall_noisy=200,
                       activity_points=1, activity_s=0.1, cue_noise_max=2)
    per = [am.memory_replicate(cfg, seed, r, [0.0]) for r in range(cfg.memories)]
    M = per[0]["M"]
    assert M == round(math.log(2) / -math.log1p(-16 / 10000))
    assert all(x["perfect"][1].sum() == 0 for x in per)
    for key, i, cue, th in (("perfect", None, 4, 4), ("replaced", 2, 4, 2), ("missing_only", 2, 2, 2)):
        counts = [x[key][0] if i is None else x[key][i][0] for x in per]
        means = np.array([np.mean(c) for c in counts])
        expected = spurious_inclusion_exclusion(M, 100, 100, 4, 4, cue, th)
        tol = student_t.ppf(0.9995, means.size - 1) * means.std(ddof=1) / math.sqrt(means.size)
        assert abs(means.mean() - expected) < tol, (key, means.mean(), expected, tol)


def test_quick_run_willshaw_numbers_and_labels(quick_run):
    r = quick_run("associative-memory")[1]
    w = r.headline["willshaw"]
    # Willshaw et al. 1969: half full after ln 2 / -ln(1 - kl/mn) pairs
    assert w["patterns"] == round(math.log(2) / -math.log1p(-1e-4)) == 6931
    assert w["fraction_set_theory"] == pytest.approx(0.5, abs=1e-4)
    # 10^6 synapses: the binomial SD of the fraction set is 5e-4 (x3 for column correlations)
    assert abs(r.tables["learning"]["fraction_set"][-1] - 0.5) < 3 * 3 * 5e-4
    assert w["spurious_theory_textbook"] == pytest.approx(990 * 0.5 ** 10, rel=1e-3)
    assert w["spurious_theory_exact"] == pytest.approx(
        spurious_inclusion_exclusion(6931, 1000, 1000, 10, 10, 10, 10), rel=1e-9)
    # noise-free one-burst learning keeps every target's synapses: no missing units with the right threshold
    assert w["missing_per_recall"]["mean"] == 0
    assert r.headline["cue_noise"]["replaced"]["missing_per_recall"]["mean"] == 0
    # one memory in quick: the interval is over recalls, and says so (a bootstrap, not a replicate interval)
    kinds = r.all_kinds()
    assert w["memories"] == 1 and kinds["willshaw.spurious_per_recall"] == "bootstrap"
    assert w["recalls_per_memory"] >= 2000
    assert kinds["palimpsest.lifetime_s_per_replicate"] == "replicated"
    assert r.headline["palimpsest"]["replicates"] >= 20
    # information: ln 2 bits per synapse only in the sparse limit; here well below
    assert 0.3 < w["bits_per_synapse"] < math.log(2)


def test_theory_lifetimes_are_the_exact_discrete_forms(quick_run):
    p = quick_run("associative-memory")[1].headline["palimpsest"]
    assert p["lifetime_theory_s"] == pytest.approx(math.log(0.1 * 100) / -math.log(0.9), rel=1e-9)  # 21.85 s
    assert p["lifetime_theory_continuous_s"] == pytest.approx(math.log(10) / 0.1, rel=1e-9)  # 23.03 s
    c = quick_run("associative-memory")[1].headline["capacity"]
    assert c["per_decade_theory"] == pytest.approx(math.log(10) / (2 * -math.log(0.9)), rel=1e-9)


# ------------------------------------------------------------------ ongoing random activity

def nearest_spike_stdp(pre, post, a_plus, a_minus, tau_plus, tau_minus, dt):
    """Final w from 0: nearest-spike additive STDP, hard bounds [0, 1]; in a step, the pre arrival
    (depressed by the last earlier post spike) comes before the post spike (potentiated by the last
    pre arrival, same step included)."""
    ev = sorted([(int(round(t / dt)), 0) for t in pre] + [(int(round(t / dt)), 1) for t in post])
    w, last_pre, last_post = 0.0, None, None
    for step, kind in ev:
        if kind == 0:
            if last_post is not None:
                w = max(w - a_minus * math.exp(-(step - last_post) * dt / tau_minus), 0.0)
            last_pre = step
        else:
            if last_pre is not None:
                w = min(w + a_plus * math.exp(-(step - last_pre) * dt / tau_plus), 1.0)
            last_post = step
    return w


@pytest.mark.parametrize("seed", SEEDS)
def test_memory_under_random_activity_follows_the_rules_equations(seed):
    """Learning then 3 s of 5 Hz Poisson activity (plasticity on): every synapse's weight equals the
    nearest-spike rule's event loop on its own spike trains (float32 engine: 1e-4)."""
    cfg = small_config(m=30, n=20, k=4, l=3, activity_rate_hz=5.0)
    rng = np.random.default_rng(seed)
    M = 40
    pin = np.array([np.sort(rng.choice(cfg.m, cfg.k, replace=False)) for _ in range(M)])
    pout = np.array([np.sort(rng.choice(cfg.n, cfg.l, replace=False)) for _ in range(M)])
    L = am.learn(cfg, pin, pout, seed, [3.0], activity_seed=seed)
    B0, after, w = L["learned"], L["after"], L["w_final"]
    t_in, i_in, t_out, i_out = L["trains"]
    ap, am_ = 2 * 0.2 / 5, 2 * 0.2 / 5 * 16.8 / 33.7  # BinaryBurst defaults: a+ = 2 theta / B, a- = a+ tau+/tau-
    expect = np.array([[nearest_spike_stdp(t_in[i_in == i], t_out[i_out == j], ap, am_, 16.8e-3, 33.7e-3, 1e-3)
                        for j in range(cfg.n)] for i in range(cfg.m)])
    np.testing.assert_allclose(w, expect, atol=1e-4)
    assert np.array_equal(B0, clipped_hebbian(pin, pout, cfg.m, cfg.n))
    clear = np.abs(expect - 0.2) > 1e-4
    assert np.array_equal(after[0][clear], (expect >= 0.2)[clear])
    assert np.any(after[0] != B0)  # the activity did change bits (else this test would test nothing)


# ------------------------------------------------------------------ two-state stream memories

def lifetime(q, K, f):
    return math.log(q * math.sqrt(K)) / -math.log(1 - f * q)


@pytest.mark.parametrize("seed", SEEDS)
def test_palimpsest_against_the_exact_discrete_theory(seed):
    """Dense patterns (f = 1), q = 0.2, N = 2000, 20 groups: initial signal q, decay q per pattern,
    noise 1/sqrt(N) and lifetime ln(q sqrt N) / -ln(1 - q) within 4 SE; the measured lifetime is
    nearer the exact discrete form than the continuous ln(q sqrt N) / q (12 % apart here)."""
    q, N = 0.2, 2000
    run = am.stream_memory(N, 20, 1.0, q, 20, 0.05, seed)
    an = am.analyse_stream(run, seed, 1000)
    exact, continuous = lifetime(q, N, 1.0), math.log(q * math.sqrt(N)) / q
    assert abs(an["initial_signal"]["mean"] - q) < Z * se_of(an["initial_signal"])
    assert abs(an["decay_per_pattern"]["mean"] - q) < Z * se_of(an["decay_per_pattern"])
    assert abs(an["noise_sd"]["mean"] - 1 / math.sqrt(N)) < Z * se_of(an["noise_sd"])
    for est in (an["lifetime"], an["lifetime_per_replicate"]):
        assert abs(est["mean"] - exact) < Z * se_of(est)
        assert abs(est["mean"] - exact) < abs(est["mean"] - continuous)
    # the mean signal curve against q (1 - q)^a at every age (20 groups: Student's 95 % -> 3 SE)
    S = run["signal"]
    theory = q * (1 - q) ** np.arange(S.shape[1])
    z = (S.mean(0) - theory) / (S.std(0, ddof=1) / math.sqrt(S.shape[0]))
    assert np.max(np.abs(z)) < 4.0


@pytest.mark.parametrize("seed", SEEDS)
def test_one_shot_ongoing_learning_lifetime_grows_as_log_n(seed):
    """q = 1 (one-burst writes), each pattern touching f = 0.2 of N: lifetimes at N = 50, 500, 5000
    against ln(sqrt(f N)) / -ln(1 - f) (5.2, 10.3, 15.5 patterns) and the gain per decade against
    ln(10) / (2 (-ln(1 - f))) = 5.2 patterns, within 4 SE (Amit & Fusi 1994: "as low as log N")."""
    f, Ns = 0.2, [50, 500, 5000]
    runs = [am.stream_memory(N, 20, f, 1.0, int(2.5 * lifetime(1.0, f * N, f)) + 2, 0.05, seed) for N in Ns]
    ans = [am.analyse_stream(r, seed, 1000) for r in runs]
    for N, an, r in zip(Ns, ans, runs):
        assert np.all(r["signal"][:, 0] == 1.0)  # q = 1: a pattern is stored exactly
        assert abs(an["lifetime"]["mean"] - lifetime(1.0, f * N, f)) < Z * se_of(an["lifetime"]), N
    slope = am.capacity_slope(runs, ans, Ns, seed, 1000)
    assert abs(slope["mean"] - math.log(10) / (2 * -math.log(1 - f))) < Z * se_of(slope)
