r"""Synapse models as the memory stream sees them: what one candidate potentiation and one
candidate depression do to a synapse's state.

Two kinds, declared as data:

* :class:`Markov`: a discrete-state synapse given by its two transition matrices ``M_plus``,
  ``M_minus`` (row-stochastic, one candidate event each) and the efficacy of every state
  (two-state stochastic synapses, Amit & Fusi 1994; the cascade, Fusi, Drew & Abbott 2005;
  the one-shot burst-gated bit). Its stationary distribution is exact (a linear solve), so the
  stream starts at equilibrium without burn-in, and its mean-field memory curve is exact
  (:func:`hebblab.memory.theory.markov_snr`).
* :class:`Analog`: a weight in [lo, hi] moved by a deterministic program of elementary steps per
  event (additive and multiplicative STDP, Brain Simulator II's Hebbian3, the article's
  BinaryBurst): its stationary distribution is reached by a burn-in of a sub-population, from
  which the N synapses are drawn (synapses are independent and identically driven, so the
  stationary law of one is the law of all).

The catalogue functions below build each model from the corresponding hebblab rule's
parameters, and say which spike protocol is its candidate event; tests check each program
against the rule's own slow reference on that protocol.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from . import stream as S


@dataclass(frozen=True, eq=False)
class Markov:
    """A discrete-state synapse: ``M_plus``, ``M_minus`` (K x K, rows sum to 1), ``efficacy`` (K)."""

    name: str
    M_plus: np.ndarray
    M_minus: np.ndarray
    efficacy: np.ndarray
    event: str = ""
    #: the write-strength parameter this instance is at, for the trade-off figure
    strength: float = float("nan")
    #: the hidden weight of each state, where the states are levels of one (the burst-gated bit)
    values: np.ndarray | None = None

    def __post_init__(self):
        K = len(self.efficacy)
        for label, M in (("M_plus", self.M_plus), ("M_minus", self.M_minus)):
            M = np.asarray(M, float)
            if M.shape != (K, K) or np.any(M < 0) or not np.allclose(M.sum(axis=1), 1.0, atol=1e-12):
                raise ValueError(f"{self.name}: {label} must be a {K} x {K} row-stochastic matrix")
        if K > 255:
            raise ValueError(f"{self.name}: at most 255 states (got {K})")

    @property
    def n_states(self) -> int:
        return len(self.efficacy)

    def stationary(self) -> np.ndarray:
        """The stationary distribution of ``(M_plus + M_minus) / 2`` (any coding level f > 0 has
        the same one)."""
        M = 0.5 * (np.asarray(self.M_plus) + np.asarray(self.M_minus))
        K = self.n_states
        A = np.vstack([M.T - np.eye(K), np.ones(K)])
        b = np.zeros(K + 1)
        b[-1] = 1.0
        pi = np.linalg.lstsq(A, b, rcond=None)[0]
        pi = np.clip(pi, 0.0, None)
        return pi / pi.sum()

    def tables(self):
        """(nxt, thr): per state and event kind (potentiation, depression, none), the reachable
        states and 31-bit cumulative thresholds, for :func:`hebblab.memory.stream.advance_markov`."""
        K = self.n_states
        rows = [[np.flatnonzero(np.asarray(M)[s] > 0) for s in range(K)] for M in (self.M_plus, self.M_minus)]
        L = max(len(r) for kind in rows for r in kind)
        nxt = np.zeros((K, 3, L), np.uint8)
        thr = np.full((K, 3, L), 2**31, np.uint64)
        nxt[:, 2, :] = np.arange(K)[:, None]  # kind 2: no event
        for kind, M in enumerate((self.M_plus, self.M_minus)):
            for s in range(K):
                idx = rows[kind][s]
                cum = np.cumsum(np.asarray(M)[s, idx])
                nxt[s, kind, :len(idx)] = idx
                nxt[s, kind, len(idx):] = idx[-1]
                t = np.minimum(np.round(cum * 2.0**31), 2**31).astype(np.uint64)
                t[-1] = 2**31
                thr[s, kind, :len(idx)] = t
        return nxt, thr

    def initial(self, n: int, seed: int, stream: int) -> np.ndarray:
        cum = np.cumsum(self.stationary())
        from ..rng import uniform
        u = uniform(seed, stream, -1, np.arange(n))
        return np.minimum(np.searchsorted(cum, u * cum[-1]), self.n_states - 1).astype(np.uint8)

    def advance(self, state, keys, f_thr):
        nxt, thr = self._tables
        S.advance_markov(state, keys, np.uint64(f_thr), nxt, thr)

    def eff(self, state) -> np.ndarray:
        return np.asarray(self.efficacy, float)[state]

    @property
    def _tables(self):
        t = self.__dict__.get("_cached_tables")
        if t is None:
            t = self.tables()
            object.__setattr__(self, "_cached_tables", t)
        return t


@dataclass(frozen=True, eq=False)
class Analog:
    """A bounded analog weight moved by ``pot`` and ``dep`` programs: sequences of
    ``(op, argument)`` with op one of ``add`` (w + a, clipped), ``soft_up`` (w + a (hi - w)),
    ``soft_down`` (w - a (w - lo)), ``scale`` (w a, clipped), ``set`` (w = a)."""

    name: str
    pot: tuple
    dep: tuple
    lo: float = 0.0
    hi: float = 1.0
    w_init: float = 0.5
    burn_in: int = 2000
    event: str = ""
    strength: float = float("nan")
    readout: str = "analog"  # or "bit": efficacy [w >= theta]
    theta: float = 0.5
    _OPS = {"add": S.ADD, "soft_up": S.SOFT_UP, "soft_down": S.SOFT_DOWN, "scale": S.SCALE, "set": S.SET}

    def __post_init__(self):
        for prog in (self.pot, self.dep):
            for op, a in prog:
                if op not in self._OPS or not math.isfinite(a):
                    raise ValueError(f"{self.name}: unknown step {op!r} or non-finite argument {a!r}")
                if op in ("soft_up", "soft_down") and not 0.0 <= a <= 1.0:
                    raise ValueError(f"{self.name}: a {op} step must be in [0, 1] (got {a!r})")
        if not self.lo < self.hi:
            raise ValueError(f"{self.name}: lo must be < hi (got {self.lo}, {self.hi})")

    def _program(self, prog):
        """The program as (alpha, beta) arrays of its affine steps (stream.affine)."""
        steps = [S.affine(self._OPS[op], float(a), float(self.lo), float(self.hi)) for op, a in prog]
        return np.array([x for x, _ in steps]), np.array([y for _, y in steps])

    def apply(self, w: np.ndarray, keys, f_thr):
        pa, pb = self._program(self.pot)
        da, db = self._program(self.dep)
        S.advance_analog(w, keys, np.uint64(f_thr), pa, pb, da, db, float(self.lo), float(self.hi))

    def initial(self, n: int, seed: int, stream: int, f: float = 1.0) -> np.ndarray:
        pop = _burned(self, (seed, stream, f), lambda: self._burn(seed, stream, f))
        return _draw(pop, n, seed, stream)

    def _burn(self, seed, stream, f):
        m = BURN_POPULATION
        w = np.full(m, float(self.w_init))
        return _burn_in(self, w, seed, stream, f, self.burn_in)

    def advance(self, state, keys, f_thr):
        self.apply(state, keys, f_thr)

    def eff(self, state) -> np.ndarray:
        if self.readout == "bit":
            return (state >= self.theta).astype(float)
        return state


#: Synapses of the burn-in population from which a stream's N synapses are drawn.
BURN_POPULATION = 2048


def _burned(model, key, make):
    """The model's burn-in population for ``key`` (seed, stream, f), made once per instance."""
    cache = model.__dict__.setdefault("_burn_cache", {})
    if key not in cache:
        cache[key] = make()
    return cache[key]


def _burn_in(model, state, seed: int, stream: int, f: float, events: int):
    """Store ``events / f`` burn-in memories (so about ``events`` events per synapse) into a
    sub-population, in a stream of its own; the n synapses are then drawn from it: a synapse's
    future events are independent of its start, so shared starts leave the noise of an unrelated
    pattern, f sum (w - wbar)^2, as it is."""
    f_thr = S.f_threshold(f)
    total = int(math.ceil(events / f))
    done = 0
    while done < total:
        k = min(4096, total - done)
        model.apply(state, S.memory_keys(seed, stream + (1 << 40), done, done + k), f_thr)
        done += k
    return state


def _draw(pop: np.ndarray, n: int, seed: int, stream: int) -> np.ndarray:
    """n synapses' start states drawn from a burn-in population (by counter-based hash)."""
    from ..rng import hash4
    pick = (hash4(seed, stream + (1 << 41), 0, np.arange(n)) % np.uint64(pop.shape[0])).astype(np.int64)
    return pop[pick].copy()


# ---- the catalogue ----------------------------------------------------------------------------

def two_state(q: float, name: str | None = None) -> Markov:
    """Two-state stochastic synapse (:class:`~hebblab.plasticity.TwoStateStochastic`): a candidate
    potentiation sets the high state with probability q, a depression the low one."""
    if not 0.0 < q <= 1.0:
        raise ValueError(f"two_state: q must be in (0, 1] (got {q!r})")
    Mp = np.array([[1 - q, q], [0.0, 1.0]])
    Mm = np.array([[1.0, 0.0], [q, 1 - q]])
    return Markov(name or f"two-state q={q:g}", Mp, Mm, np.array([0.0, 1.0]),
                  event="one pre-post pairing inside the window (potentiation) or post-pre (depression)",
                  strength=q)


def additive(a: float, name: str | None = None, burn_in: int | None = None) -> Analog:
    """Additive STDP with hard bounds [0, 1] (:class:`~hebblab.plasticity.PairSTDP`, mu = 0): one
    pairing moves w by +a or -a (a = A+- e^{-|lag|/tau+-} of the pairing's lag)."""
    return Analog(name or f"additive STDP a={a:g}", (("add", a),), (("add", -a),), 0.0, 1.0, 0.5,
                  burn_in or int(min(100_000, max(2000, 2 / a**2))),
                  event="one pairing (w +- a)", strength=a)


def multiplicative(a: float, name: str | None = None) -> Analog:
    """Multiplicative STDP (mu = 1, Gütig et al. 2003 / van Rossum et al. 2000 soft bounds): one
    pairing moves w by a (1 - w) up or a w down."""
    return Analog(name or f"multiplicative STDP a={a:g}", (("soft_up", a),), (("soft_down", a),), 0.0, 1.0, 0.5,
                  int(min(100_000, max(2000, 20 / a))), event="one pairing (w + a(1-w) or w - a w)", strength=a)


def hebbian3(name: str = "BS2 Hebbian3") -> Analog:
    """Brain Simulator II's Hebbian3 (:class:`~hebblab.plasticity.BS2Hebbian3`) at a one-cycle lag:
    w x 2 (potentiation) or x 0.5 (depression), clipped to [0.001, 1]."""
    from ..plasticity.bs2_hebbian3 import CAP, DOWN, FLOOR, UP
    return Analog(name, (("scale", UP[0]),), (("scale", DOWN[0]),), FLOOR, CAP, 0.5, 1000,
                  event="one pairing at a one-cycle lag", strength=math.log(UP[0]))


def burst_program(rule, lag: float, isi: float, causal: bool) -> tuple:
    """The nearest-spike steps of one burst pairing on :class:`~hebblab.plasticity.BinaryBurst`:
    B pre spikes ``isi`` apart with a post spike ``lag`` after (causal) or before (anti-causal)
    each. Causal: +a+ e^{-lag/tau+}, then B - 1 times (-a- e^{-(isi-lag)/tau-}, +a+ e^{-lag/tau+}).
    Anti-causal: -a- e^{-lag/tau-}, then B - 1 times (+a+ e^{-(isi-lag)/tau+}, -a- e^{-lag/tau-})."""
    ap, am, tp, tm, B = rule.a_plus, rule.a_minus, rule.tau_plus, rule.tau_minus, rule.burst
    if causal:
        first, other = ("add", ap * math.exp(-lag / tp)), ("add", -am * math.exp(-(isi - lag) / tm))
    else:
        first, other = ("add", -am * math.exp(-lag / tm)), ("add", ap * math.exp(-(isi - lag) / tp))
    return (first,) + (other, first) * (B - 1)


def binary_burst(rule=None, lag: float = 2e-3, isi: float = 5e-3, name: str | None = None) -> Analog:
    """The article's binary synapse (:class:`~hebblab.plasticity.BinaryBurst`, defaults): a
    candidate potentiation is one causal burst pairing, a depression the anti-causal one; the
    efficacy read is the bit ``[w >= theta]``."""
    from ..plasticity import BinaryBurst
    rule = rule or BinaryBurst()
    return Analog(name or "BinaryBurst (bit)", burst_program(rule, lag, isi, True),
                  burst_program(rule, lag, isi, False), 0.0, 1.0, 0.0, 1000,
                  event=f"one burst of {rule.burst} pairings, lag {lag * 1e3:g} ms, ISI {isi * 1e3:g} ms",
                  strength=rule.a_plus, readout="bit", theta=rule.theta)


def burst_gated(rule=None, name: str | None = None) -> Markov:
    """The burst-gated binary synapse (:class:`~hebblab.plasticity.BurstGatedBinary`): a coincident
    causal burst pairing adds a+ to the hidden w, an anti-causal one subtracts a- (clipped to
    [0, 1]); single spikes do nothing; the efficacy read is the bit ``[w >= theta]``. The levels
    reachable from w = 0 are finite (eight at a+ = a- = 0.3), so the synapse is a Markov chain on
    them with deterministic moves: its mean field is exact and Lahiri & Ganguli's bound applies
    with M = the number of levels."""
    from ..plasticity import BurstGatedBinary
    rule = rule or BurstGatedBinary()
    up = lambda w: min(1.0, w + rule.a_plus)  # noqa: E731
    down = lambda w: max(0.0, w - rule.a_minus)  # noqa: E731
    levels, todo = [], [0.0]
    while todo:
        w = round(todo.pop(), 12)
        if w in levels:
            continue
        if len(levels) > 250:
            raise ValueError("burst_gated: more than 250 reachable levels (a_plus, a_minus incommensurate)")
        levels.append(w)
        todo += [up(w), down(w)]
    levels.sort()
    index = {w: i for i, w in enumerate(levels)}
    K = len(levels)
    Mp, Mm = np.zeros((K, K)), np.zeros((K, K))
    for i, w in enumerate(levels):
        Mp[i, index[round(up(w), 12)]] = 1.0
        Mm[i, index[round(down(w), 12)]] = 1.0
    values = np.array(levels)
    return Markov(name or "burst-gated (bit)", Mp, Mm, (values >= rule.theta).astype(float),
                  event=f"one coincident burst pairing of {rule.burst} spikes (causal: write, anti-causal: erase)",
                  strength=rule.a_plus, values=values)


MODELS_NOTE = ("Candidate events, not spike trains: each model is driven by the same stream of memories "
               "(one candidate potentiation or depression per synapse per memory at coding level f); "
               "write noise is not modelled here.")


@dataclass(frozen=True, eq=False)
class Chain:
    """A Benna-Fusi chain synapse (:class:`~hebblab.plasticity.BennaFusi`): m coupled variables,
    u_1 the efficacy; each memory adds +-delta to u_1 where the synapse has an event and steps
    the whole chain once (:func:`hebblab.plasticity.benna_fusi.chain_event`)."""

    name: str
    m: int = 6
    delta: float = 0.05
    u_max: float = 1.0
    n_levels: int = 0
    g_scale: float = 1.0
    burn_in: int = 0  # 0: twice the slowest time constant
    event: str = "one pairing inside the window (+-delta on u_1)"
    strength: float = float("nan")

    def constants(self):
        from ..plasticity.benna_fusi import chain_constants
        return chain_constants(self.m, g_scale=self.g_scale)

    def slowest_time(self) -> float:
        C, g = self.constants()
        return float(C[-1] / g[-1])

    def apply(self, u, keys, f_thr):
        C, g = self.constants()
        S.advance_chain(u, keys, np.uint64(f_thr), float(self.delta), C, g, int(self.n_levels), float(self.u_max))

    def initial(self, n: int, seed: int, stream: int, f: float = 1.0) -> np.ndarray:
        pop = _burned(self, (seed, stream, f), lambda: self._burn(seed, stream, f))
        return _draw(pop, n, seed, stream)

    def step_matrix(self) -> np.ndarray:
        """The chain's linear step u -> A u (one Euler step of chain_event, away from the bounds)."""
        C, g = self.constants()
        m = self.m
        A = np.eye(m)
        for k in range(m):
            A[k, k] -= g[k] / C[k]
            if k + 1 < m:
                A[k, k + 1] += g[k] / C[k]
            if k > 0:
                A[k, k] -= g[k - 1] / C[k]
                A[k, k - 1] += g[k - 1] / C[k]
        return A

    def stationary_covariance(self) -> np.ndarray:
        """Covariance of the unbounded chain's stationary state under events of +-delta (one per
        step): Sigma = A (Sigma + delta^2 e1 e1^T) A^T (discrete Lyapunov equation)."""
        from scipy.linalg import solve_discrete_lyapunov
        A = self.step_matrix()
        Q = np.zeros((self.m, self.m))
        Q[0, 0] = self.delta ** 2
        return solve_discrete_lyapunov(A, A @ Q @ A.T)

    def _burn(self, seed, stream, f):
        """Start from the linear chain's stationary Gaussian (clipped to the bounds), then let
        ``burn_in`` events per synapse (default 2000) settle what the bounds change."""
        m = BURN_POPULATION // 2
        from ..rng import normal
        L = np.linalg.cholesky(self.stationary_covariance() + 1e-300 * np.eye(self.m))
        z = normal(seed, stream + (1 << 42), np.arange(m)[:, None], np.arange(self.m)[None, :])
        u = np.clip(z @ L.T, -self.u_max, self.u_max)
        return _burn_in(self, u, seed, stream, f, self.burn_in or 2000)

    def advance(self, state, keys, f_thr):
        self.apply(state, keys, f_thr)

    def eff(self, state) -> np.ndarray:
        return np.ascontiguousarray(state[:, 0])


def benna_fusi(m: int = 6, delta: float = 0.05, name: str | None = None) -> Chain:
    """Benna & Fusi 2016's chain with the rule's defaults (:class:`~hebblab.plasticity.BennaFusi`)."""
    return Chain(name or f"Benna-Fusi m={m}", m=m, delta=delta, strength=delta)


def cascade(n_states: int = 8, x: float = 0.5, name: str | None = None) -> Markov:
    """The cascade (:class:`~hebblab.plasticity.Cascade`, Fusi, Drew & Abbott 2005): two efficacies
    with ``n_states`` metastates each; the matrices are the rule's own (``cascade_matrices``)."""
    from ..plasticity.cascade import cascade_matrices
    Mp, Mm, eff = cascade_matrices(n_states, x)
    return Markov(name or f"cascade n={n_states}", Mp, Mm, np.asarray(eff, float),
                  event="one pairing inside the window", strength=float(n_states))
