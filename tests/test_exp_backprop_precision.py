"""backprop-precision: expectations from closed forms, independent simulations and published numbers.

Oracles written here in plain numpy (no hebblab code): the rounding to 2^b levels, the forward
pass, the cross-entropy loss (finite differences check the backpropagated gradient), the pairing
counts of both write schemes in integer arithmetic from the level indices, the log-normal gain's
moments, the written network under gain noise, and the one-shot binary learner (exact, with ties
bounded). scikit-learn's MLPClassifier is the independent trainer. scikit-learn's digits ship
with scikit-learn (no download).
"""

import math
import warnings

import numpy as np
import pytest
from scipy.stats import t as student_t

from hebblab import stats
from hebblab.experiments import backprop_precision as bp

A_INV = 255  # 1 / a_max, the default: one pairing moves a synapse by 1/255 of its range


@pytest.fixture(autouse=True)
def one_blas_thread():
    """Small matrix products: OpenBLAS's threads on a shared machine only slow them down."""
    from threadpoolctl import threadpool_limits
    with threadpool_limits(limits=1, user_api="blas"):
        yield


def small_config(**kw):
    return bp.Config(replicates=5, **kw)


# ---------------------------------------------------------------- plain-numpy oracles

def hand_level(x, lim, bits):
    """Level index of the nearest of L = 2^bits evenly spaced values on [-lim, lim], ties up: the
    number of decision boundaries (midpoints between levels, lim (2j + 2 - L) / (L - 1)) at or below x."""
    L = 2**bits
    bounds = lim * (2 * np.arange(L - 1) + 2 - L) / (L - 1)  # the middle one is exactly 0
    return np.searchsorted(bounds, np.asarray(x), side="right").astype(np.int64)


def hand_value(k, lim, bits):
    return -lim + k * (2 * lim / (2**bits - 1))


def hand_forward_accuracy(W1, b1, W2, b2, X, y, with_ties=False):
    """Fraction right; with ``with_ties``, also the fraction of images whose two largest outputs
    tie to rounding (a coarse grid makes exact ties, and either answer is then right)."""
    h = X @ W1 + b1
    h[h < 0] = 0
    o = h @ W2 + b2
    acc = float(np.mean(np.argmax(o, axis=1) == y))
    if not with_ties:
        return acc
    top = np.sort(o, axis=1)
    return acc, float(np.mean(top[:, -1] - top[:, -2] <= 1e-9 * (1 + np.abs(top[:, -1]))))


def hand_layers(p, r):
    """[(W, b), (W, b)] of replicate r, as plain 2-d / 1-d arrays."""
    return [(p.W1[r], p.b1[r, 0]), (p.W2[r], p.b2[r, 0])]


def hand_quantized(p, r, bits):
    out = []
    for W, b in hand_layers(p, r):
        lim = max(np.abs(W).max(), np.abs(b).max())
        out.append((hand_value(hand_level(W, lim, bits), lim, bits), hand_value(hand_level(b, lim, bits), lim, bits),
                    lim, hand_level(W, lim, bits), hand_level(b, lim, bits)))
    return out


def hand_pairings(levels_list, bits):
    """Integer pairing counts from the level indices k (L = 2^bits levels, 1/a_max = 255):
    (a) 255 reset pairings + ceil(min(k, L-1-k) 255 / (L-1)); (b) ceil(|2k - (L-1)| 255 / (L-1))."""
    L = 2**bits
    a = b = 0
    for k in levels_list:
        k = np.asarray(k, np.int64).ravel()
        a += int(np.sum(A_INV + -(-np.minimum(k, L - 1 - k) * A_INV // (L - 1))))
        b += int(np.sum(-(-np.abs(2 * k - (L - 1)) * A_INV // (L - 1))))
    return a, b


# ---------------------------------------------------------------- unit oracles

def test_quantize_matches_hand_rounding(rng):
    p = bp.Params(rng.normal(size=(3, 9, 6)), 0.4 * rng.normal(size=(3, 1, 6)), rng.normal(size=(3, 6, 10)),
                  3.0 * rng.normal(size=(3, 1, 10)))  # the last layer's lim comes from a bias
    for bits in (1, 2, 3, 4, 8):
        q = bp.quantize_params(p, bits)
        for r in range(3):
            for (Wq, bq, lim, kW, kb), (W, b), Wm, bm in zip(hand_quantized(p, r, bits), hand_layers(p, r),
                                                            (q.W1[r], q.W2[r]), (q.b1[r, 0], q.b2[r, 0])):
                np.testing.assert_allclose(Wm, Wq, atol=1e-12)
                np.testing.assert_allclose(bm, bq, atol=1e-12)
                assert np.abs(Wm - W).max() <= lim / (2**bits - 1) + 1e-12  # half a step
                assert len(np.unique(np.concatenate([Wm.ravel(), bm]))) <= 2**bits
        wonly = bp.quantize_params(p, bits, weights_only=True)
        assert np.array_equal(wonly.b1, p.b1) and np.array_equal(wonly.b2, p.b2)


def test_backprop_gradient_matches_finite_differences(rng):
    R, d, H = 2, 5, 4
    p = bp.Params(rng.normal(size=(R, d, H)), rng.normal(size=(R, 1, H)), rng.normal(size=(R, H, 10)),
                  rng.normal(size=(R, 1, 10)))
    X = rng.random((R, 7, d))
    Y = np.eye(10)[rng.integers(0, 10, (R, 7))]
    l2 = 0.3

    def hand_loss(W1, b1, W2, b2, X, Y):
        h = np.maximum(X @ W1 + b1, 0)
        o = h @ W2 + b2
        logp = o - np.log(np.sum(np.exp(o), axis=1, keepdims=True))
        B = X.shape[0]
        return -np.sum(Y * logp) / B + l2 / (2 * B) * (np.sum(W1**2) + np.sum(W2**2))

    J, g = bp.loss_and_grads(p, X, Y, l2)
    eps = 1e-6
    for r in range(R):
        args = [a[r].copy() for a in p]
        assert J[r] == pytest.approx(hand_loss(*args, X[r], Y[r]), rel=1e-10)
        for i in range(4):
            for _ in range(5):
                idx = tuple(rng.integers(0, n) for n in args[i].shape)
                up = [a.copy() for a in args]
                dn = [a.copy() for a in args]
                up[i][idx] += eps
                dn[i][idx] -= eps
                fd = (hand_loss(*up, X[r], Y[r]) - hand_loss(*dn, X[r], Y[r])) / (2 * eps)
                assert g[i][r][idx] == pytest.approx(fd, abs=1e-6, rel=1e-5)


def test_write_pairings_from_level_indices_and_zero_weight_costs():
    """Closed forms at 4 bits (L = 16, 17 pairings per level step): in (a) a weight of 0 sits at
    level 7 or 8, 255 reset pairings + 7 * 17 = 374, the most of any level; in (b) it costs 17,
    the least; the extremes cost 255 + 0 in (a) and 15 * 17 = 255 in (b)."""
    lim = 1.0
    w = np.array([0.0, -1.0, 1.0, 0.5, -0.2])
    p = bp.Params(w.reshape(1, 1, 5), np.zeros((1, 1, 5)), np.full((1, 5, 1), 0.1), np.zeros((1, 1, 1)))
    q = bp.quantize_params(p, 4)
    ca = bp.write_pairings(q, "reset_then_count", 1 / A_INV)
    cb = bp.write_pairings(q, "zero_state_ei", 1 / A_INV)
    per_a = ca["counts"][0].ravel() + 255
    per_b = cb["counts"][0].ravel()
    assert per_a[0] == 374 and per_b[0] == 17
    assert per_a[1] == per_a[2] == 255 and per_b[1] == per_b[2] == 255
    k = hand_level(w, lim, 4)
    assert (per_a[3], per_b[3]) == (255 + min(k[3], 15 - k[3]) * 17, abs(2 * k[3] - 15) * 17)
    assert per_a.max() == 374  # no level costs more than the middle ones
    # both layers in integer arithmetic: layer 1 = the five weights and five zero biases (lim 1),
    # layer 2 = five weights of 0.1 (its lim, level 15) and one zero bias
    k1 = np.concatenate([k, hand_level(np.zeros(5), lim, 4)])
    k2 = hand_level(np.array([0.1] * 5 + [0.0]), 0.1, 4)
    a_total, b_total = hand_pairings([k1, k2], 4)
    assert ca["depressing"][0] + ca["potentiating"][0] == a_total
    assert cb["potentiating"][0] == b_total and cb["depressing"][0] == 0
    # (a): lower-half targets (k <= 7) are reset by depression and counted up by potentiation
    kk = np.concatenate([k1, k2])
    count = -(-np.minimum(kk, 15 - kk) * 255 // 15)
    assert ca["depressing"][0] == np.sum(np.where(kk <= 7, 255, count))
    assert ca["potentiating"][0] == np.sum(np.where(kk <= 7, count, 255))


def test_gain_factors_have_the_calibrated_lognormal_moments(rng):
    """E[g] = 1 and SD[g] = sigma for the log-normal exp(s xi - s^2/2), s^2 = ln(1 + sigma^2)."""
    p = bp.Params(rng.normal(size=(2, 64, 32)), rng.normal(size=(2, 1, 32)), rng.normal(size=(2, 32, 10)),
                  rng.normal(size=(2, 1, 10)))
    q = bp.quantize_params(p, 4)
    counts = bp.write_pairings(q, "zero_state_ei", 1 / A_INV)["counts"]
    f = bp.noise_factors(q, "zero_state_ei", "gain", (0.56, 0.63), counts, 200, rng)
    g = np.concatenate([a.ravel() for a in f])
    se = 0.56 / math.sqrt(g.size)
    assert abs(g.mean() - 1) < 4 * se
    assert g.std() == pytest.approx(0.56, rel=0.02)
    assert np.all(g > 0)
    # per-pairing noise: the mean of n factors 1 + sigma xi has SD sigma / sqrt(n)
    f = bp.noise_factors(q, "zero_state_ei", "pairing", (4.0, 5.0), [16 * n for n in counts], 50, rng)
    z = np.concatenate([((a - 1) * np.sqrt(16 * np.maximum(n, 1))[:, None] / 4.0).ravel() for a, n in zip(f, counts)])
    assert abs(z.mean()) < 4 / math.sqrt(z.size) and z.std() == pytest.approx(1.0, rel=0.02)


# ---------------------------------------------------------------- the experiment against the oracles, three seeds

@pytest.fixture(scope="module")
def runs():
    """``runs(seed) -> (config, splits, params, result)`` at the quick size (5 replicates)."""
    done = {}

    def get(seed):
        if seed not in done:
            config = small_config()
            splits, params = bp.trained_networks(config, seed)
            done[seed] = (config, splits, params, bp.run(config, seed=seed))
        return done[seed]

    return get


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_accuracies_bits_and_pairings_match_plain_numpy(runs, seed):
    """Every replicate's accuracy at b bits (weights and biases rounded by hand), its bits for
    1 % loss (the rule read off those accuracies) and its pairing counts for both schemes
    (integers from the level indices) are what the experiment reports."""
    config, splits, p, result = runs(seed)
    R = config.replicates
    acc, ties = np.zeros((8, R)), np.zeros((8, R))
    fl = np.zeros(R)
    for r in range(R):
        (W1, b1), (W2, b2) = hand_layers(p, r)
        fl[r] = hand_forward_accuracy(W1, b1, W2, b2, splits.Xte[r], splits.yte[r])
        for i, bits in enumerate(range(1, 9)):
            (W1, b1, *_), (W2, b2, *_) = hand_quantized(p, r, bits)
            acc[i, r], ties[i, r] = hand_forward_accuracy(W1, b1, W2, b2, splits.Xte[r], splits.yte[r], True)
    h = result.headline
    assert h["accuracy_float"]["mean"] == pytest.approx(fl.mean(), abs=1e-12)
    for i in range(8):
        assert abs(h["accuracy_by_bits"][str(i + 1)]["mean"] - acc[i].mean()) <= ties[i].mean() + 1e-12

    def rule(a):  # fewest b from which every b' >= b is within 1 point of the float network
        out = []
        for r in range(R):
            good = [b for b in range(1, 9) if all(a[bb - 1, r] >= fl[r] - 0.01 - 1e-12 for bb in range(b, 9))]
            out.append(min(good) if good else math.inf)
        return np.array(out, float)

    table = result.tables["replicates"]
    need = np.asarray(table["bits_for_1pct_loss"])
    assert np.all(rule(acc + ties) <= need) and np.all(need <= rule(acc - ties))
    for r in range(R):
        b = int(min(need[r], 8))
        qs = hand_quantized(p, r, b)
        pa, pb = hand_pairings([x for (_, _, _, kW, kb) in qs for x in (kW, kb)], b)
        assert table["pairings_reset_then_count"][r] == pa
        assert table["pairings_zero_state_ei"][r] == pb
    n_syn = h["weights"] + h["biases"]
    assert h["write_reset_then_count"]["reset_pairings"] == n_syn * A_INV
    shares = n_syn * A_INV / np.asarray(table["pairings_reset_then_count"])
    assert h["write_reset_then_count"]["reset_share_of_pairings"]["mean"] == pytest.approx(shares.mean(), rel=1e-12)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_float_accuracy_agrees_with_scikit_learns_trainer(runs, seed):
    """scikit-learn's MLPClassifier (32 ReLU units, Adam, its defaults) trained on two of the same
    splits: the two trainers' mean accuracies differ by less than 3 combined standard errors
    (SD: the larger of the two replicate spreads, at least half a point)."""
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    config, splits, _, result = runs(seed)
    mod = np.asarray(result.tables["replicates"]["accuracy_float"])
    sk = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for r in range(2):
            m = MLPClassifier(hidden_layer_sizes=(config.hidden,), max_iter=200, random_state=seed * 10 + r)
            sk.append(m.fit(splits.Xtr[r], splits.ytr[r]).score(splits.Xte[r], splits.yte[r]))
    sd = max(np.std(mod, ddof=1), np.std(sk, ddof=1), 0.005)
    tol = 3 * sd * math.sqrt(1 / len(mod) + 1 / len(sk))
    assert abs(np.mean(sk) - mod.mean()) < tol, (sk, mod)
    assert mod.mean() > 0.9  # the published scale for an MLP on these digits is ~97 % (scikit-learn's examples)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_one_shot_learners_against_a_plain_numpy_nearest_prototype(runs, seed):
    """All training images as units: exact (cosine of binary vectors in integer arithmetic; an image
    whose best units tie with different labels may go either way, so the module's accuracy must lie
    between the tie-pessimistic and tie-optimistic counts). Equal synapse count (37 units, one
    random image per class in turn): 20 draws of our own per split; the means agree within 3
    combined standard errors."""
    config, splits, p, result = runs(seed)
    R = config.replicates
    rng = np.random.default_rng(100 + seed)
    table = result.tables["replicates"]
    ours = []
    for r in range(R):
        B = (splits.Xtr[r] >= 0.5).astype(np.int64)
        T = (splits.Xte[r] >= 0.5).astype(np.int64)
        ov = T @ B.T
        # cos^2 = ov^2 / (|t| |b|); compare as exact fractions via cross-multiplication on the best
        score = ov.astype(float) ** 2 / np.maximum(T.sum(1), 1)[:, None] / np.maximum(B.sum(1), 1)[None, :]
        best = score >= score.max(axis=1, keepdims=True) * (1 - 1e-12)
        right = best & (splits.ytr[r][None, :] == splits.yte[r][:, None])
        lo = np.mean(right.sum(1) == best.sum(1))
        hi = np.mean(right.any(1))
        assert lo - 1e-12 <= table["one_shot_all_images"][r] <= hi + 1e-12
        for _ in range(20 // R + 1):
            cls = np.arange(37) % 10
            pick = np.array([0] * 37)
            for c in range(10):
                where = np.flatnonzero(cls == c)
                pick[where] = rng.choice(np.flatnonzero(splits.ytr[r] == c), size=where.size, replace=False)
            Bs = B[pick]
            s2 = (T @ Bs.T).astype(float) ** 2 / np.maximum(T.sum(1), 1)[:, None] / np.maximum(Bs.sum(1), 1)[None, :]
            ours.append(np.mean(splits.ytr[r][pick][np.argmax(s2, axis=1)] == splits.yte[r]))
    mod = np.asarray(table["one_shot_equal_synapses"])
    se = math.sqrt(np.var(mod, ddof=1) / mod.size + np.var(ours, ddof=1) / len(ours))
    assert abs(mod.mean() - np.mean(ours)) < 3 * max(se, 0.005)
    assert result.headline["one_shot_units_equal_synapses"] * 64 == result.headline["weights"]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_gain_noise_accuracy_against_a_plain_numpy_write(runs, seed):
    """The quantized network written with log-normal gains drawn here (numpy's lognormal, mean 1,
    SD sigma_+ = 0.56 up, sigma_- = 0.63 down): (b) |w| g into a synapse of w's sign, capped at the
    layer's lim; (a) u g from 0 for u <= 1/2, else 1 - (1 - u) g from 1, u = (w / lim + 1) / 2,
    within [0, 1]. Per replicate, 20 draws of ours against the module's 5; the means over replicates
    agree within 3 combined standard errors of the draws."""
    config, splits, p, result = runs(seed)
    R = config.replicates
    need = np.minimum(np.asarray(result.tables["replicates"]["bits_for_1pct_loss"]), 8).astype(int)
    sig = result.headline["sigma_synapse_gain"]  # the Bi & Poo 1998 calibration (tested with the scatter model)
    sp, sm = sig["potentiation"], sig["depression"]
    assert 0.3 < sp < sm < 1.0

    def lognormal(sigma, shape):
        s2 = np.log1p(sigma**2)
        return rng.lognormal(-s2 / 2, np.sqrt(s2), shape)

    rng = np.random.default_rng(200 + seed)
    for scheme in ("zero_state_ei", "reset_then_count"):
        ours, var = [], []
        for r in range(R):
            layers = hand_quantized(p, r, need[r])
            accs = []
            for _ in range(20):
                written = []
                for Wq, bq, lim, _, _ in layers:
                    for a in (Wq, bq):
                        if scheme == "zero_state_ei":
                            written.append(np.sign(a) * np.minimum(np.abs(a) * lognormal(sp, a.shape), lim))
                        else:
                            u = (a / lim + 1) / 2
                            up = u <= 0.5
                            g = np.where(up, lognormal(sp, a.shape), lognormal(sm, a.shape))
                            u2 = np.clip(np.where(up, u * g, 1 - (1 - u) * g), 0, 1)
                            written.append((2 * u2 - 1) * lim)
                accs.append(hand_forward_accuracy(*written, splits.Xte[r], splits.yte[r]))
            ours.append(np.mean(accs))
            var.append(np.var(accs, ddof=1))
        mod = result.headline["accuracy_synapse_gain_noise"][scheme]["mean"]
        # SE of the module's mean over R replicates of 5 draws and of ours over R x 20 draws
        se = math.sqrt(np.mean(var) / R * (1 / config.noise_repeats + 1 / 20))
        assert abs(mod - np.mean(ours)) < 3 * max(se, 0.003), (scheme, mod, np.mean(ours))


# ---------------------------------------------------------------- the quick report (seed 1)

def test_quick_report_numbers_and_verdict(quick_run):
    _, result = quick_run("backprop-precision")
    h = result.headline
    n = h["accuracy_float"]["n"]
    assert n >= 5
    dist = result.tables["bits_needed_distribution"]
    assert sum(dist["replicates"]) == n
    bits = [int(b) for b, c in zip(dist["bits"], dist["replicates"]) for _ in range(c) if b != ">8"]
    if len(bits) == n:
        assert h["bits_for_1pct_loss"]["mean"] == pytest.approx(np.mean(bits))
        sd = np.std(bits, ddof=1)
        half = student_t.ppf(0.975, n - 1) * sd / math.sqrt(n)
        if sd > 0:  # the t interval, clipped to the range 1..8
            lo, hi = max(1, np.mean(bits) - half), min(8, np.mean(bits) + half)
            assert h["bits_for_1pct_loss"]["ci95"] == pytest.approx([lo, hi])
    lo, hi = h["bits_for_1pct_loss"]["ci95"]
    assert 1 <= lo < hi <= 8  # never zero-width, never outside the range
    assert h["weights"] == 64 * 32 + 32 * 10 and h["biases"] == 42
    assert h["one_shot_synapses_all_training_images"] == 64 * (1797 - math.ceil(0.3 * 1797))
    # the verdict follows from the two numbers by the stated criterion
    T, D = h["write_zero_state_ei"]["hours"], h["accuracy_loss_synapse_gain_noise"]["zero_state_ei"]
    (v,) = bp.verdicts(result)
    if T["ci95"][1] <= 24 and D["ci95"][1] <= 0.01:
        assert v.verdict == "refuted"
    elif T["ci95"][0] > 24 and D["ci95"][0] > 0.01:
        assert v.verdict == "supported"
    else:
        assert v.verdict == "qualified"
    assert v.claim == "no-ml-weights" and "sequential" in v.conditions and "read-back" in v.conditions
    assert "Nadeau & Bengio" in v.conditions and "hippocampal" in v.conditions
    text = bp.finding(result)
    assert "[" in text and "Conditions:" in text
    assert result.all_kinds()["one_shot_units_equal_synapses"] == "deterministic"
    for key, value in stats.leaves(h):  # no interval claims certainty or leaves a fraction's range
        if stats.is_estimate(value) and key.startswith(("accuracy_by", "accuracy_float", "one_shot_binary")):
            assert 0 <= value["ci95"][0] < value["ci95"][1] <= 1, key


def _est(lo, hi):
    return {"mean": (lo + hi) / 2, "ci95": [lo, hi], "n": 5}


@pytest.mark.parametrize("T, D, expect", [
    ((5, 20), (0.001, 0.008), "refuted"),      # writable within a day, noise keeps the accuracy
    ((30, 40), (0.05, 0.2), "supported"),      # neither
    ((5, 20), (0.05, 0.2), "qualified"),       # time fine, noise not
    ((30, 40), (0.001, 0.008), "qualified"),   # noise fine, time not
    ((20, 30), (0.001, 0.008), "qualified"),   # time straddles a day
    ((30, 40), (0.005, 0.02), "qualified"),    # loss straddles the tolerance
])
def test_verdict_each_branch_flips_as_stated(T, D, expect):
    h = {"write_zero_state_ei": {"hours": _est(*T)}, "loss_tolerance": 0.01,
         "accuracy_loss_synapse_gain_noise": {"zero_state_ei": _est(*D)}}
    verdict, key = bp._decide(h)
    assert verdict == expect
    if expect == "qualified":  # the failing (or undecided) number decides
        noise_ok = D[1] <= 0.01
        assert key == ("write_zero_state_ei.hours" if noise_ok else "accuracy_loss_synapse_gain_noise.zero_state_ei")
    # a lower bound on the hours (some replicate needs > 8 bits) above a day counts as too long
    h["write_zero_state_ei"]["hours"] = stats.at_least(30.0)
    assert bp._decide(h)[0] == ("supported" if D[0] > 0.01 else "qualified")


def test_discrete_bits_intervals_never_claim_certainty():
    """Bits per replicate: the t interval clipped to 1..8 where they differ; where all agree, the
    common value +- the Wilson upper bound of 0 of n (written out: n = 5 gives 0.4345); a lower
    bound where some replicate needs more than 8."""
    z = 1.959963984540054
    n = 5
    u = (z * z / (2 * n) + z * math.sqrt(z * z / (4 * n * n))) / (1 + z * z / n)
    assert u == pytest.approx(0.43449, abs=1e-4)
    v = bp.discrete_bits(np.array([4.0] * 5))
    assert v["mean"] == 4 and v["ci95"] == pytest.approx([4 - u, 4 + u])
    v = bp.discrete_bits(np.array([8.0] * 5))
    assert v["ci95"] == pytest.approx([8 - u, 8])
    x = np.array([4.0, 4, 5, 4, 5])
    half = student_t.ppf(0.975, 4) * x.std(ddof=1) / math.sqrt(5)
    assert bp.discrete_bits(x)["ci95"] == pytest.approx([x.mean() - half, x.mean() + half])
    x = np.array([1.0, 1, 1, 1, 3])
    assert bp.discrete_bits(x)["ci95"][0] == 1  # clipped to the range
    assert stats.is_bound(bp.discrete_bits(np.array([4.0, np.inf, 5, 4, 4])))


def test_write_seconds_time_each_pairing_at_its_step():
    """Scheme (b) at 4 bits, one weight per level, written out: level k holds |2k - 15| / 15 of the
    range, n = ceil(255 d) pairings of step d / (n a_max), each at the window model's time
    1 / min(47.315, 1 / (2 (0.01 + 0.0168 ln(1/s)))); scheme (a): 255 full-step resets (depressing
    at 1 / (23.714 x 0.974)) plus the count; M times the pairings of 1/M the step for the sweep."""
    from hebblab.experiments.write_cost import PairingRates
    rates = PairingRates(23.714, 0.974, 47.315, 1.0, 35.9, 0.01)

    def t_up(s):
        return 1 / min(47.315, 1 / (2 * (0.01 + 0.0168 * math.log(1 / s))))

    def t_down(s):
        return 1 / (min(23.714, 1 / (2 * (0.01 + 0.0337 * math.log(1 / s)))) * 0.974)

    lim = 1.0
    k = np.arange(16)
    w = (2 * k / 15 - 1) * lim
    p = bp.Params(w.reshape(1, 1, 16), np.zeros((1, 1, 16)), np.full((1, 16, 1), 1.0), np.zeros((1, 1, 1)))
    q = bp.quantize_params(p, 4)
    levels = np.concatenate([k, np.full(16, 8), np.full(16, 15), [8]])  # W1; b1 = 0 (level 8, ties up); W2 = lim; b2
    for M in (1, 12.5):
        got = bp.write_seconds(bp.write_pairings(q, "zero_state_ei", 1 / A_INV), rates, M)["total"][0]
        expect = 0.0
        for kk in levels:
            d = abs(2 * kk - 15) / 15
            n = math.ceil(d * 255 - 1e-9)
            expect += M * n * t_up(d / (n / 255) / M)
        assert got == pytest.approx(expect, rel=1e-9)
    cost = bp.write_pairings(q, "reset_then_count", 1 / A_INV)
    got = bp.write_seconds(cost, rates)
    expect_reset = 0.0
    for kk in levels:
        expect_reset += 255 * (t_down(1.0) if kk <= 7 else t_up(1.0))
    assert got["reset"][0] == pytest.approx(expect_reset, rel=1e-9)


def test_config_refuses_a_lag_below_the_engines_resolution():
    from pydantic import ValidationError
    with pytest.raises(ValidationError):
        bp.Config(lag_ms=0.01)
