"""The complex synapses: the cascade (Fusi, Drew & Abbott 2005) and the Benna-Fusi chain (Benna &
Fusi 2016). Oracles are written here in plain numpy from the papers' definitions, not from the
modules: the transition probabilities, the mean-field memory signal, a Monte Carlo of the
cascade, the chain's response to one event and the SNR of a stream; then both spiking rules
against their references (one network, one compile) and the validation messages."""

import math

import numpy as np
import pytest

import hebblab as hl
from hebblab.plasticity.benna_fusi import chain_constants, chain_event
from hebblab.plasticity.cascade import cascade_matrices, cascade_probabilities


def fda_probabilities(n, x):
    """FDA 2005: q_i = x^(i-1) (i < n), q_n = x^(n-1)/(1-x); p_i = x^i/(1-x), i = 1 .. n-1."""
    q = [x ** (i - 1) for i in range(1, n)] + [x ** (n - 1) / (1 - x)]
    p = [x ** i / (1 - x) for i in range(1, n)]
    return np.array(q), np.array(p)


# ---------------------------------------------------------------- cascade: the math

def test_cascade_probabilities_are_the_papers():
    q, p = cascade_probabilities(5, 0.5)
    assert np.array_equal(q, [1.0, 0.5, 0.25, 0.125, 0.125])
    assert np.array_equal(p, [1.0, 0.5, 0.25, 0.125])
    for n, x in [(8, 0.5), (10, 0.3), (3, 0.1)]:
        q, p = cascade_probabilities(n, x)
        q0, p0 = fda_probabilities(n, x)
        assert np.allclose(q, q0, rtol=1e-14) and np.allclose(p, p0, rtol=1e-14)
    q, p = cascade_probabilities(6, 0.5, q=0.2)
    assert np.allclose(q, 0.2 * fda_probabilities(6, 0.5)[0]) and np.allclose(p, 0.2 * fda_probabilities(6, 0.5)[1])


def test_cascade_matrices_are_row_stochastic_and_move_as_the_paper_says():
    n, x = 6, 0.5
    Mp, Mm, eff = cascade_matrices(n, x)
    q, p = fda_probabilities(n, x)
    assert Mp.shape == Mm.shape == (2 * n, 2 * n) and np.array_equal(eff, np.r_[-np.ones(n), np.ones(n)])
    for M in (Mp, Mm):
        assert np.allclose(M.sum(axis=1), 1.0, atol=1e-15) and M.min() >= 0.0
    for d in range(n):
        weak, strong = d, n + d
        assert Mp[weak, n] == pytest.approx(q[d]) and Mm[strong, 0] == pytest.approx(q[d])  # plastic
        if d < n - 1:  # metaplastic: one deeper, same efficacy
            assert Mp[strong, strong + 1] == pytest.approx(p[d]) and Mm[weak, weak + 1] == pytest.approx(p[d])
    assert Mp[2 * n - 1, 2 * n - 1] == 1.0 and Mm[n - 1, n - 1] == 1.0  # the deepest state stays
    # nothing else moves: off-diagonal entries only where the paper has transitions
    allowed = np.zeros((2 * n, 2 * n), bool)
    allowed[np.arange(n), n] = True
    allowed[np.arange(n, 2 * n - 1), np.arange(n + 1, 2 * n)] = True
    off = ~np.eye(2 * n, dtype=bool)
    assert np.all(Mp[off & ~allowed] == 0.0)
    swap = np.r_[np.arange(n, 2 * n), np.arange(n)]  # weak <-> strong at the same depth
    assert np.array_equal(Mm[np.ix_(swap, swap)], Mp)  # depression is potentiation's mirror image


def _mean_field_signal(n, x, T):
    Mp, Mm, eff = cascade_matrices(n, x)
    M = 0.5 * (Mp + Mm)
    vals, vecs = np.linalg.eig(M.T)
    pi = np.real(vecs[:, np.argmin(np.abs(vals - 1.0))])
    pi /= pi.sum()
    a = pi @ (0.5 * (Mp - Mm))
    out = np.empty(T + 1)
    for t in range(T + 1):
        out[t] = a @ eff
        a = a @ M
    return pi, out


def test_cascade_mean_field_signal_is_a_power_law_over_its_depth():
    """signal(t) = pi (M+ - M-)/2 ((M+ + M-)/2)^t . efficacy. The measured log-log slope on
    log-spaced t in [5, 2^(n-1)] is -0.70 for n = 10, x = 1/2 (not the -1 of the sum-of-exponentials
    estimate: see the cascade module's docstring); a single exponential with the same signal
    at t = 5 and t = 10 would be orders of magnitude lower at t = 2^(n-1)."""
    n = 10
    T = 2 ** (n - 1)
    pi, sig = _mean_field_signal(n, 0.5, T)
    assert np.allclose(pi, 1.0 / (2 * n), atol=1e-12)  # FDA's choice of q_n, p_i: all states equally full
    assert np.all(sig[1:] > 0)
    ts = np.unique(np.round(np.geomspace(5, T, 30)).astype(int))
    slope = np.polyfit(np.log(ts), np.log(sig[ts]), 1)[0]
    assert abs(slope - (-0.70)) < 0.05, slope
    local = [math.log(sig[2 * t] / sig[t]) / math.log(2) for t in (8, 64, 256)]
    assert local[0] > -0.7 and local[2] < -0.9 and local[0] > local[1] > local[2], local  # steepens to the cut-off
    rate = math.log(sig[5] / sig[10]) / 5
    assert sig[T] > 1e3 * sig[5] * math.exp(-rate * (T - 5))


def test_cascade_mean_field_slope_tends_to_minus_one_with_depth():
    """Fusi, Drew & Abbott's 1/t is the limit of a deep cascade: the exact mean field's local
    log-log slope over the octave [2^(n-3), 2^(n-2)], just before the cut-off, steepens towards -1
    as n grows (-0.81 at n = 10, -0.89 at 14, -0.92 at 18: within 0.1 of -1 there), and so does
    the octave below it. The memory-capacity experiment compares its measured cascade slope with
    this exact mean field at its own depth, not with -1."""
    local = {}
    for n in (10, 14, 18):
        _, sig = _mean_field_signal(n, 0.5, 2 ** (n - 1))
        local[n] = [math.log(sig[2 * t] / sig[t]) / math.log(2) for t in (2 ** (n - 4), 2 ** (n - 3))]
    for j in (0, 1):
        assert local[10][j] > local[14][j] > local[18][j] > -1.0, local
    assert abs(local[18][1] + 1) < 0.1 and abs(local[10][1] + 1) > 0.15, local


def test_cascade_monte_carlo_agrees_with_the_mean_field():
    """Plain-numpy Monte Carlo: N synapses from the stationary (uniform) distribution, one memory
    (potentiation on half, depression on the other half), then random candidate events."""
    n, x, N, T = 8, 0.5, 40000, 64
    q, p = fda_probabilities(n, x)
    rng = np.random.default_rng(5)
    state = rng.integers(0, 2 * n, N)        # 0..n-1 weak, n..2n-1 strong
    strong, depth = state >= n, state % n

    def event(up):
        u = rng.random(N)
        same = strong == up
        switch = ~same & (u < q[depth])
        deeper = same & (depth < n - 1) & (u < p[np.minimum(depth, n - 2)])
        strong[switch] = up[switch]
        depth[switch] = 0
        depth[deeper] += 1

    memory = np.arange(N) < N // 2           # potentiated by the memory
    event(memory.copy())
    _, sig = _mean_field_signal(n, x, T)
    for t in range(T + 1):
        if t in (0, 1, 2, 4, 8, 16, 32, 64):
            e = np.where(strong, 1.0, -1.0)
            got = 0.5 * (e[memory].mean() - e[~memory].mean())
            assert abs(got - sig[t]) < 4.0 / math.sqrt(N), (t, got, sig[t])
        event(rng.random(N) < 0.5)


# ---------------------------------------------------------------- Benna-Fusi: the math

def _chain_matrix(m):
    """The paper's chain in plain numpy: C_k = 2^(k-1), g_{k,k+1} = 2^(-k-2), u_{m+1} = 0, one
    Euler step of length 1: u <- u + L u / C."""
    C = 2.0 ** np.arange(m)
    g = 2.0 ** -(np.arange(1, m + 1) + 2.0)
    L = np.zeros((m, m))
    for k in range(m):
        L[k, k] -= g[k]
        if k + 1 < m:
            L[k, k + 1] += g[k]
            L[k + 1, k] += g[k]
            L[k + 1, k + 1] -= g[k]
    return np.eye(m) + L / C[:, None], C, g


def test_chain_constants_are_the_papers():
    C, g = chain_constants(6)
    _, C0, g0 = _chain_matrix(6)
    assert np.array_equal(C, C0) and np.array_equal(g, g0)
    assert np.array_equal(C / g, 2.0 ** (2 * np.arange(1, 7) + 1))  # time constants 2^(2k+1)
    C2, g2 = chain_constants(4, g_scale=2.0)
    assert np.array_equal(C2, C0[:4]) and np.array_equal(g2, 2 * g0[:4])


def test_chain_response_to_one_event_decays_as_inverse_sqrt_t():
    m = 8
    A, _, _ = _chain_matrix(m)
    u = np.zeros(m)
    u[0] = 1.0
    T = 10000
    h = np.empty(T + 1)
    for t in range(T + 1):
        h[t] = u[0]
        u = A @ u
    ts = np.unique(np.round(np.geomspace(10, T, 30)).astype(int))
    slope = np.polyfit(np.log(ts), np.log(h[ts]), 1)[0]
    assert abs(slope + 0.5) < 0.1, slope  # measured -0.497


def test_chain_event_is_the_linear_chain_then_bounds_and_levels():
    m = 5
    A, C, g = _chain_matrix(m)
    rng = np.random.default_rng(2)
    u = rng.normal(size=m)
    ref = u.copy()
    for sign in (0.3, -0.3, 0.0, 0.3):
        chain_event(u, sign, C, g, 0, np.inf)
        ref[0] += sign
        ref = A @ ref
        assert np.allclose(u, ref, rtol=1e-13, atol=1e-15)
    # bounds: clipped after the event and after the step
    u = np.array([0.95, 0.0, 0.0])
    C3, g3 = chain_constants(3)
    chain_event(u, 0.1, C3, g3, 0, 1.0)
    assert u[0] == pytest.approx(1.0 - 0.125 * 1.0) and u[1] == pytest.approx(0.125 / 2)
    # levels: every variable on the grid of n_levels points over [-u_max, u_max]
    u = rng.uniform(-1, 1, 3)
    chain_event(u, 0.05, C3, g3, 9, 1.0)
    assert np.allclose(np.round((u + 1.0) / 0.25), (u + 1.0) / 0.25, atol=1e-12) and np.all(np.abs(u) <= 1.0)


def test_benna_fusi_stream_snr_falls_as_inverse_sqrt_t():
    """A stream of random +-delta events into N synapses (bounded chain, plain numpy); the SNR of
    the memory stored at t = 0, from pairs of synapses that share every later event and differ
    only in that memory's sign."""
    m, N, burn, T, delta, u_max = 6, 2000, 10000, 1000, 0.05, 1.0
    A, _, _ = _chain_matrix(m)
    step = A.T
    rng = np.random.default_rng(7)
    u = np.zeros((N, m))

    def advance(v, e):
        v[:, 0] = np.clip(v[:, 0] + e, -u_max, u_max)
        return np.clip(v @ step, -u_max, u_max)

    for _ in range(burn):
        u = advance(u, delta * rng.choice([-1.0, 1.0], N))
    a, b = advance(u.copy(), delta), advance(u.copy(), -delta)
    snr = np.empty(T)
    for t in range(T):
        e = delta * rng.choice([-1.0, 1.0], N)
        a, b = advance(a, e), advance(b, e)
        snr[t] = 0.5 * np.mean(a[:, 0] - b[:, 0]) / math.sqrt(0.5 * (a[:, 0].var() + b[:, 0].var()))
    ts = np.unique(np.round(np.geomspace(10, T, 20)).astype(int))
    slope = np.polyfit(np.log(ts), np.log(snr[ts - 1]), 1)[0]
    assert abs(slope + 0.5) < 0.1, slope  # measured -0.48


# ---------------------------------------------------------------- the spiking rules

def _trains(rng, n, steps, p, dt):
    return [np.flatnonzero(rng.random(steps) < p) * dt for _ in range(n)]


def test_rules_match_their_references_on_random_trains_and_edge_cases():
    """24 random train pairs and edge cases (no spikes; only pre; pre and post in one step; a post
    exactly window_plus after a pre, and one step later; a pre exactly window_minus after a post),
    both rules in one network (one compile), compared with the rules' own references."""
    dt = 1e-4
    win = 20 * dt
    rng = np.random.default_rng(11)
    pre = _trains(rng, 24, 4000, 0.01, dt)
    post = _trains(rng, 24, 4000, 0.01, dt)
    edges = [([], []), ([0.01, 0.02], []), ([0.01], [0.01]), ([0.01], [0.01 + win]), ([0.01], [0.01 + win + dt]),
             ([0.01 + win], [0.01]), ([0.01 + win + dt], [0.01])]
    pre += [np.array(p_) for p_, _ in edges]
    post += [np.array(q_) for _, q_ in edges]
    n, n_rand = len(pre), 24
    cascade = hl.rules.Cascade(n_states=4, window_plus=win, window_minus=win)
    chain = hl.rules.BennaFusi(m=5, delta=0.2, window_plus=win, window_minus=win)
    w_cascade = np.where(rng.random(n) < 0.5, 0.0, 1.0)
    w_cascade[n_rand:] = [0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 1.0]  # weak for potentiation, strong for depression
    w_chain = rng.uniform(0.2, 0.8, n)
    net = hl.Network(dt=dt, seed=4, backend="numba", dtype=np.float64, threads=1)
    src = net.add(hl.SpikeSource(n=n, times=np.concatenate(pre), indices=np.concatenate(
        [np.full(len(t), k) for k, t in enumerate(pre)])))
    dst = net.add(hl.SpikeSource(n=n, times=np.concatenate(post), indices=np.concatenate(
        [np.full(len(t), k) for k, t in enumerate(post)])))
    pc = net.connect(src, dst, rule=cascade, w=w_cascade, connectivity="one_to_one")
    pb = net.connect(src, dst, rule=chain, w=w_chain, connectivity="one_to_one")
    net.run(0.45)
    ref_c = [cascade.reference(p_, q_, w_cascade[k], dt=dt, seed=4, stream=pc.stream, s=k)
             for k, (p_, q_) in enumerate(zip(pre, post))]
    ref_b = [chain.reference(p_, q_, w_chain[k], dt=dt, seed=4, stream=pb.stream, s=k)
             for k, (p_, q_) in enumerate(zip(pre, post))]
    assert np.array_equal(pc.w, ref_c)
    assert np.allclose(pb.w, ref_b, rtol=1e-12, atol=1e-14)
    changed = np.abs(pb.w - w_chain) > 1e-9
    assert changed[:n_rand].all() and np.any(pc.w[:n_rand] != w_cascade[:n_rand])
    # edges: q_1 = 1, so a candidate event on a depth-1 synapse of the other efficacy always switches
    assert list(pc.w[n_rand:]) == [0.0, 0.0, 1.0, 1.0, 0.0, 0.0, 1.0]
    assert list(changed[n_rand:]) == [False, False, True, True, False, True, False]
    assert pb.w[n_rand + 2] > w_chain[n_rand + 2] and pb.w[n_rand + 5] < w_chain[n_rand + 5]
    # state columns: the cascade's depth (0-based), the chain's u_1 .. u_m with u_1 the efficacy
    assert pc.syn.shape == (n, 1) and set(np.unique(pc.syn)) <= {0.0, 1.0, 2.0, 3.0} and cascade.state_names() == ("depth",)
    assert pb.syn.shape == (n, 5) and chain.state_names() == ("u1", "u2", "u3", "u4", "u5")
    assert np.allclose(chain.weight_of(pb.syn[:n_rand, 0]), pb.w[:n_rand], rtol=0, atol=1e-12)


# ---------------------------------------------------------------- validation

@pytest.mark.parametrize("make, match", [
    (lambda: hl.rules.Cascade(n_states=1), r"Cascade\.n_states must be an integer >= 2 and <= 64 \(got 1\)"),
    (lambda: hl.rules.Cascade(n_states=2.5), r"Cascade\.n_states must be an integer .*\(got 2\.5\)"),
    (lambda: hl.rules.Cascade(x=0.6), r"Cascade\.x must be .*0\.5.*\(got 0\.6\)"),
    (lambda: hl.rules.Cascade(x=0.0), r"Cascade\.x must be .*\(got 0\.0\)"),
    (lambda: hl.rules.Cascade(q=1.5), r"Cascade\.q must be .*\(got 1\.5\)"),
    (lambda: hl.rules.Cascade(window_plus=-1e-3), r"Cascade\.window_plus must be .*\(got -0\.001\)"),
    (lambda: hl.rules.Cascade(w_low=1.0, w_high=1.0), r"Cascade\.w_high must be > w_low = 1\.0 \(got 1\.0\)"),
    (lambda: cascade_probabilities(0, 0.5), r"cascade\.n_states must be an integer >= 2"),
    (lambda: cascade_matrices(4, float("nan")), r"cascade\.x must be .*\(got nan\)"),
    (lambda: hl.rules.BennaFusi(m=0), r"BennaFusi\.m must be an integer >= 1 and <= 30 \(got 0\)"),
    (lambda: hl.rules.BennaFusi(n_levels=1), r"BennaFusi\.n_levels must be 0 \(continuous\) or an integer >= 2"),
    (lambda: hl.rules.BennaFusi(u_max=float("inf")), r"BennaFusi\.u_max must be .*\(got inf\)"),
    (lambda: hl.rules.BennaFusi(delta=3.0), r"BennaFusi\.delta must be .*\(got 3\.0\)"),
    (lambda: hl.rules.BennaFusi(g_scale=0.0), r"BennaFusi\.g_scale must be .*\(got 0\.0\)"),
    (lambda: hl.rules.BennaFusi(window_minus=float("nan")), r"BennaFusi\.window_minus must be .*\(got nan\)"),
    (lambda: hl.rules.BennaFusi(w_low=2.0), r"BennaFusi\.w_high must be > w_low = 2\.0 \(got 1\.0\)"),
    (lambda: chain_constants(31), r"chain_constants\.m must be an integer >= 1 and <= 30 \(got 31\)"),
    (lambda: chain_constants(3, ratio=5.0), r"chain_constants\.ratio must be .*\(got 5\.0\)"),
])
def test_invalid_parameters_are_refused_by_name(make, match):
    with pytest.raises((ValueError, TypeError), match=match):
        make()


def test_references_need_dt():
    for rule in (hl.rules.Cascade(), hl.rules.BennaFusi()):
        with pytest.raises(ValueError, match=r"reference needs dt"):
            rule.reference([0.01], [0.012], 0.5)
