r"""addressing: "there is no way to fire a specific neuron", and even if there were.

A recurrent network of current-based LIF neurons with plastic synapses (additive, all-to-all pair
STDP, hard bounds [0, w_max]) runs on independent Poisson background input. We pick one synapse
a -> b at random and try to potentiate it the only way STDP allows: by making a fire and b fire
``lag`` later, ``n_pairings`` times, granting the impossible, ideal stimulation of exactly those two
neurons (a 40 mV kick). The claim's stated reason (no way to fire a specific neuron) is granted
away here, not tested. What else changes?

Each replicate is a fresh random network, target and background, simulated under four conditions
from the same initial state with the same background spikes:

* **control**: background only;
* **protocol**: background plus the pairing protocol on a and b;
* **sham**: background plus the same kicks at the same times on an unrelated pair c, d (c and d
  share no synapse with a, b or each other): the same number of extra spikes, no target;
* **one-spike control**: background plus ONE extra spike in c at the protocol's start.

The effect of a condition on synapse s is ``w_condition - w_control``. A synapse counts as changed
when its effect exceeds ``threshold`` (10 %) of the target's change under the protocol in the same
replicate (the same absolute limit for every condition). Synapses are split into those sharing a
neuron with the target (pre or post is a or b) and those elsewhere (touching none of a, b, c, d);
elsewhere is further split by graph distance (undirected hops from the condition's kicked
neurons: one hop, two hops). Paired by replicate:

* protocol - sham: the **target-specific** collateral fraction (what pairing these two neurons
  changes beyond what the same number of extra spikes anywhere changes);
* protocol - one-spike control: the effect of **extra spikes of any kind** (the sham shows how much
  of it any ~``2 n_pairings`` extra spikes cause).

A fraction's 95 % interval stays inside [0, 1]: Wilson's score interval at the effective sample
size of the replicate spread (:func:`fraction_estimate`); a difference of fractions has the t
interval of its paired replicate differences.

Every condition runs under two STDP windows with the same a+ and time constants: the **balanced**
window (``a- tau- = a+ tau+``, the primary condition: uncorrelated pre and post firing causes no
mean drift) and the **LTD-dominated** window of the benchmark (``a- = 0.0105``,
``a- tau- / a+ tau+ = 2.1``). For independent Poisson pre and post at rate r, all-to-all pairing
drifts every synapse at ``dw/dt = r^2 (a+ tau+ - a- tau-)`` (no bounds; Kempter, Gerstner & van
Hemmen 1999, Phys. Rev. E 59:4498): -0.12 w_max over the 7 s run at 10 Hz with the LTD-dominated
window, 0 with the balanced one; each extra spike of a or b then moves the synapses it pairs with
by ``r (a+ tau+ - a- tau-)`` on average.

The target's change from the protocol alone (no background), with all-to-all pairing: pre
arrivals at ``s_k = t_k + d`` (axonal delay d), post spikes at ``u_k = t_k + lag``, period
``T = 1 / pairing_hz``::

    LTP at each post spike u:   w += a+ sum_{pre arrivals s <= u} exp(-(u - s) / tau+)
    LTD at each pre arrival s:  w -= a- sum_{post spikes u < s}  exp(-(s - u) / tau-)

applied in time order (an arrival and a spike in the same step: the arrival first, a causal pair
at dt = 0, the engine's convention) and clipped to [0, w_max] after each update
(:func:`isolated_target_dw`); times are the simulated ones, rounded to the 0.1 ms step. The
reverse pairs (one pairing's post spike with the next pairings' pre arrivals) are LTD terms; with
``lag <= delay`` the pairs themselves are anti-causal. In the network the background spikes of a
and b pair with the protocol's spikes too.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from pydantic import Field, field_validator, model_validator

from .. import checkpoint, stats
from ..network import Network
from ..neurons import LIF, PoissonSource
from ..plasticity import PairSTDP
from ..si import mV, ms
from .base import Experiment, ExperimentConfig, Headline, Result, Verdict, progress_bar, register_experiment

CONDITIONS = ("control", "protocol", "sham", "one_spike")
WINDOWS = ("balanced", "ltd")
KICK_MV = 40.0
DT = 0.1 * ms
TAU_PLUS_MS, TAU_MINUS_MS = 16.8, 33.7
A_PLUS = 0.01  # in units of w_max
GROUPS = ("sharing", "elsewhere", "hop1", "hop2")


class Config(ExperimentConfig):
    replicates: int = Field(8, ge=2, le=200, description="independent networks (fresh connectivity, target, "
                                                         "sham pair, background), simulated side by side")
    n: int = Field(200, ge=20, le=5000, description="neurons per network")
    p: float = Field(0.1, gt=0, le=1, description="connection probability (no autapses)")
    n_pairings: int = Field(60, ge=1, le=10_000, description="pairings of the target's pre and post neuron")
    pairing_hz: float = Field(10.0, gt=0, le=100, description="pairing repetition rate (Hz)")
    lag_ms: float = Field(5.0, gt=0, le=50, description="post kick after the pre kick (ms)")
    delay_ms: float = Field(1.0, ge=0.1, le=20, description="axonal delay of the recurrent synapses (ms)")
    background_hz: float = Field(1000.0, gt=0, le=5000, description="Poisson background rate per neuron (Hz)")
    background_mv: float = Field(2.8, gt=0, le=20, description="background synaptic jump (mV)")
    w_max_mv: float = Field(2.0, gt=0, le=20, description="upper bound of the recurrent weights (mV)")
    w_init: float = Field(0.5, ge=0, le=1, description="initial recurrent weight (units of w_max)")
    a_minus_ltd: float = Field(0.0105, gt=0, le=0.1, description="a- of the LTD-dominated window (units of "
                                                                 "w_max; a+ = 0.01, tau+ 16.8 ms, tau- 33.7 ms)")
    threshold: float = Field(0.1, gt=0, le=1, description="a synapse counts as changed above this fraction "
                                                          "of the target's change (the verdict's threshold)")
    thresholds: tuple[float, ...] = Field((0.1, 0.25, 0.5), min_length=1, max_length=8,
                                          description="thresholds of the dependence table and figure "
                                                      "(fractions of the target's change, each in (0, 1])")
    settle_s: float = Field(0.5, ge=0.05, le=10, description="background alone before the protocol and "
                                                             "after it (s)")

    @field_validator("*", mode="before")
    @classmethod
    def _finite(cls, v, info):
        for x in v if isinstance(v, (list, tuple)) else [v]:
            try:
                number = float(x)
            except (TypeError, ValueError):
                continue  # not a number: the field's own check names it
            if not math.isfinite(number):
                raise ValueError(f"{info.field_name} must be a finite number")
        return v

    @field_validator("thresholds")
    @classmethod
    def _in_range(cls, v):
        if any(not 0 < x <= 1 for x in v):
            raise ValueError("each threshold must be in (0, 1]")
        return v

    @model_validator(mode="after")
    def _fits_in_period(self):
        period_ms = 1000.0 / self.pairing_hz
        if self.lag_ms >= period_ms:
            raise ValueError(f"lag_ms must be shorter than the pairing period 1000 / pairing_hz = {period_ms:g} ms "
                             f"(got {self.lag_ms:g})")
        return self

    def all_thresholds(self) -> tuple[float, ...]:
        """The verdict's threshold and the table's, sorted, without repeats."""
        return tuple(sorted({self.threshold, *self.thresholds}))

    def duration(self) -> float:
        return 2 * self.settle_s + self.n_pairings / self.pairing_hz


def a_minus(config: Config, window: str) -> float:
    """a- of a window (units of w_max): balanced ``a+ tau+ / tau-``, or the LTD-dominated setting."""
    return A_PLUS * TAU_PLUS_MS / TAU_MINUS_MS if window == "balanced" else config.a_minus_ltd


def integral_ratio(config: Config, window: str) -> float:
    """``a- tau- / (a+ tau+)``: 1 balanced, above 1 LTD-dominated."""
    return a_minus(config, window) * TAU_MINUS_MS / (A_PLUS * TAU_PLUS_MS)


def steps(t) -> np.ndarray:
    """Times as simulated: whole 0.1 ms steps."""
    return np.rint(np.asarray(t, float) / DT).astype(np.int64)


def all_to_all_pair_dw(pre_steps, post_steps, w0: float, a_plus: float, a_minus_: float,
                       tau_plus: float, tau_minus: float) -> float:
    """Change of one synapse (units of w_max) under all-to-all pair STDP with hard bounds [0, 1]
    for pre arrivals and post spikes at the given steps, in time order, an arrival before a spike of
    the same step (see the module docstring)."""
    events = sorted([(int(k), 0) for k in pre_steps] + [(int(k), 1) for k in post_steps])
    pre_seen, post_seen = [], []
    w = w0
    for k, kind in events:
        if kind == 0:
            w = max(0.0, w - a_minus_ * float(np.sum(np.exp(-(k - np.asarray(post_seen)) * DT / tau_minus))))
            pre_seen.append(k)
        else:
            w = min(1.0, w + a_plus * float(np.sum(np.exp(-(k - np.asarray(pre_seen)) * DT / tau_plus))))
            post_seen.append(k)
    return w - w0


def protocol_times(config: Config) -> np.ndarray:
    """The pre kicks t_k (s)."""
    return config.settle_s + np.arange(config.n_pairings) / config.pairing_hz


def isolated_target_dw(config: Config, window: str = "ltd") -> float:
    """The target's change (units of w_max) from the pairing protocol alone, no background:
    pre arrivals at ``t_k + d``, post spikes at ``t_k + lag`` (kicks and delay on the 0.1 ms step,
    as simulated), all-to-all pair STDP in time order (Morrison, Diesmann & Gerstner 2008, Biol.
    Cybern. 98:459)."""
    t = protocol_times(config)
    pre = steps(t) + steps(config.delay_ms * ms)
    post = steps(t + config.lag_ms * ms)
    return all_to_all_pair_dw(pre, post, config.w_init, A_PLUS, a_minus(config, window), TAU_PLUS_MS * ms,
                              TAU_MINUS_MS * ms)


def background_drift_closed_form(rate_hz, config: Config, window: str):
    """Mean change per synapse (units of w_max) over the run for independent Poisson pre and post
    at ``rate_hz``: ``r^2 (a+ tau+ - a- tau-) T`` (no bounds)."""
    return np.asarray(rate_hz, float) ** 2 * (A_PLUS * TAU_PLUS_MS - a_minus(config, window) * TAU_MINUS_MS) \
        * ms * config.duration()


def block_connectivity(config: Config, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """(pre, post) of ``replicates`` independent Erdos-Renyi networks, block r on neurons
    ``r n ... (r + 1) n - 1``: each ordered pair (no autapses) connected with probability p."""
    pres, posts = [], []
    n = config.n
    for r in range(config.replicates):
        m = rng.random((n, n)) < config.p
        np.fill_diagonal(m, False)
        i, j = np.nonzero(m)
        pres.append(i + r * n)
        posts.append(j + r * n)
    return np.concatenate(pres), np.concatenate(posts)


def neighbours(pre: np.ndarray, post: np.ndarray, n: int, r: int) -> np.ndarray:
    """Undirected adjacency (n x n, local indices) of replicate r's network."""
    m = (pre // n) == r
    adj = np.zeros((n, n), bool)
    adj[pre[m] - r * n, post[m] - r * n] = True
    return adj | adj.T


def hops(adj: np.ndarray, sources) -> np.ndarray:
    """Undirected graph distance of every neuron from a set of neurons (n = unreachable)."""
    n = adj.shape[0]
    dist = np.full(n, n)
    frontier = np.zeros(n, bool)
    frontier[list(sources)] = True
    dist[frontier] = 0
    k = 0
    while frontier.any():
        k += 1
        frontier = adj[frontier].any(0) & (dist == n)
        dist[frontier] = k
    return dist


@dataclass
class Sites:
    """Per replicate (global neuron indices): the target synapse (index into the projection's
    arrays), its pre a and post b, and the sham pair c, d (no synapse with a, b or each other)."""

    target: np.ndarray
    a: np.ndarray
    b: np.ndarray
    c: np.ndarray
    d: np.ndarray


def choose_sites(config: Config, pre: np.ndarray, post: np.ndarray, rng: np.random.Generator) -> Sites:
    n = config.n
    block = pre // n
    out = {k: [] for k in ("target", "a", "b", "c", "d")}
    for r in range(config.replicates):
        s = int(rng.choice(np.flatnonzero(block == r)))
        a, b = int(pre[s]) - r * n, int(post[s]) - r * n
        adj = neighbours(pre, post, n, r)
        near = adj[a] | adj[b]
        near[[a, b]] = True
        if near.all():
            raise ValueError("no neuron shares no synapse with the target's two neurons: lower p or raise n")
        c = int(rng.choice(np.flatnonzero(~near)))
        near = near | adj[c]
        near[c] = True
        if near.all():
            raise ValueError("no second sham neuron shares no synapse with a, b and c: lower p or raise n")
        d = int(rng.choice(np.flatnonzero(~near)))
        for k, v in (("target", s), ("a", a + r * n), ("b", b + r * n), ("c", c + r * n), ("d", d + r * n)):
            out[k].append(v)
    return Sites(**{k: np.array(v, np.int64) for k, v in out.items()})


def kicks(config: Config, sites: Sites) -> dict:
    """Per condition: (times, neurons) of the kicks: the protocol kicks a at t_k and b at t_k + lag,
    the sham c and d at the same times, the one-spike control c once at t_0."""
    t = protocol_times(config)
    reps = sites.a.size
    times = np.tile(t, reps)
    both = np.r_[times, times + config.lag_ms * ms]
    pair = lambda x, y: (both, np.r_[np.repeat(x, t.size), np.repeat(y, t.size)])  # noqa: E731
    return {"control": (np.zeros(0), np.zeros(0, np.int64)), "protocol": pair(sites.a, sites.b),
            "sham": pair(sites.c, sites.d), "one_spike": (np.full(reps, t[0]), sites.c.copy())}


@dataclass
class Sim:
    """One simulation: synapse arrays, sites, per window and condition the weight change of every
    synapse (units of w_max) and the spikes ``(t, i)``, the kicks given, the duration."""

    pre: np.ndarray
    post: np.ndarray
    sites: Sites
    dw: dict
    spikes: dict
    kicks: dict
    duration: float
    w0: np.ndarray


#: Parts of the run after each of which a checkpoint may save the network (split runs are
#: bit-identical to one run).
STAGES = 20


def simulate(config: Config, seed: int) -> Sim:
    """One network holding every replicate under the four conditions and two windows: one
    population per window, holding ``len(CONDITIONS)`` blocks of ``replicates x n`` neurons (block
    k: condition k); one Poisson background (one source per neuron of a replicate) feeds the same
    neuron of every block, so all conditions and windows see the same background spikes; every
    block has the same recurrent synapses (one plastic projection per window, its rule)."""
    rng = np.random.default_rng(seed)
    pre, post = block_connectivity(config, rng)
    net = Network(dt=DT, seed=seed, threads=1)
    size = config.replicates * config.n
    nc = len(CONDITIONS)
    bg = net.add(PoissonSource(n=size, rate=config.background_hz))
    w_max = config.w_max_mv * mV
    offsets = np.arange(nc) * size
    pops, projs = {}, {}
    for window in WINDOWS:
        pops[window] = net.add(LIF(n=nc * size, tau_m=20 * ms, v_rest=-70 * mV, v_thresh=-54 * mV,
                                   v_reset=-65 * mV, t_ref=2 * ms, tau_e=5 * ms, tau_i=5 * ms))
        net.connect(bg, pops[window], w=config.background_mv * mV,
                    connectivity=(np.tile(np.arange(size), nc), np.repeat(offsets, size) + np.tile(np.arange(size), nc)))
    for window in WINDOWS:
        rule = PairSTDP(a_plus=A_PLUS * w_max, a_minus=a_minus(config, window) * w_max,
                        tau_plus=TAU_PLUS_MS * ms, tau_minus=TAU_MINUS_MS * ms, w_max=w_max)
        projs[window] = net.connect(pops[window], pops[window], rule=rule, w=config.w_init * w_max,
                                    delay=config.delay_ms * ms,
                                    connectivity=(np.concatenate([pre + o for o in offsets]),
                                                  np.concatenate([post + o for o in offsets])))
    # the engine stores synapses in its own order: sort each block's synapses by (pre, post)
    order, key = {}, None
    for window, proj in projs.items():
        i, j = proj.pre_index.astype(np.int64), proj.post_index.astype(np.int64)
        cond = i // size
        k = (i - cond * size) * size + (j - cond * size)
        order[window] = [np.flatnonzero(cond == c)[np.argsort(k[cond == c])] for c in range(nc)]
        keys = [k[o] for o in order[window]]
        key = keys[0] if key is None else key
        assert all(np.array_equal(x, key) for x in keys), "every block holds the same synapses"
    pre_s, post_s = key // size, key % size
    sites = choose_sites(config, pre_s, post_s, rng)
    given = kicks(config, sites)
    w0 = projs[WINDOWS[0]].w.astype(float)[order[WINDOWS[0]][0]] / w_max

    def run_network():
        """The run, a checkpoint unit (hebblab run --checkpoint-every; hebblab resume) whose
        network state is saved as a stage after each of STAGES equal parts of the run."""
        nonlocal net, pops, projs
        for window in WINDOWS:
            for c, label in enumerate(CONDITIONS):
                times, neurons = given[label]
                if times.size:
                    net.inject(pops[window], times, neurons + offsets[c], KICK_MV * mV, kind="voltage")
        monitors = {window: net.monitor(pop) for window, pop in pops.items()}
        stage = checkpoint.stage()
        start, saved = 0, stage.restore()
        if saved is not None:  # the restored network, its populations, projections and monitors
            net, start = saved[0], saved[1]["done"]
            pops = dict(zip(WINDOWS, net.populations[1:]))
            projs = dict(zip(WINDOWS, net.projections[len(WINDOWS):]))
            monitors = dict(zip(WINDOWS, net.spike_monitors))
        bounds = np.linspace(0, int(round(config.duration() / DT)), STAGES + 1).astype(np.int64)
        for k in range(start, STAGES):
            net.run(int(bounds[k + 1] - bounds[k]) * DT)
            stage.save(net, {"done": k + 1})
        dw, spikes = {}, {}
        for window in WINDOWS:
            w_end = projs[window].w.astype(float) / w_max
            dw[window] = {label: w_end[order[window][c]] - w0 for c, label in enumerate(CONDITIONS)}
            t, i = monitors[window].t, monitors[window].i.astype(np.int64)
            spikes[window] = {label: (t[i // size == c].copy(), i[i // size == c] - offsets[c])
                              for c, label in enumerate(CONDITIONS)}
        return dw, spikes

    dw, spikes = checkpoint.unit("simulation", run_network)
    return Sim(pre_s, post_s, sites, dw, spikes, given, config.duration(), w0)


def kicks_fired(spikes, times, neurons) -> float:
    """Fraction of kicks (time, neuron) at which that neuron spiked in that step (a kick landing in
    the refractory period is lost); NaN if there were none."""
    if len(times) == 0:
        return float("nan")
    t, i = spikes
    fired = set(zip(steps(t).tolist(), i.tolist()))
    asked = zip(steps(times).tolist(), np.asarray(neurons).tolist())
    return float(np.mean([k in fired for k in asked]))


def changed_fraction(effect: np.ndarray, mask: np.ndarray, limits) -> np.ndarray:
    """For each limit, the fraction of the masked synapses with ``|effect| > limit`` (NaN if none)."""
    x = np.abs(effect[mask])
    if x.size == 0:
        return np.full(len(limits), np.nan)
    return np.array([float(np.mean(x > lim)) for lim in limits])


def replicate_numbers(config: Config, pre, post, dw: dict, sites: Sites) -> dict:
    """Per replicate, for one window (``dw``: condition -> change of every synapse, units of
    w_max): the target's change under the protocol and in the control, the reverse synapse's change
    (NaN if there is no b -> a synapse), the control's mean change per synapse (background only), the
    size of each group and, for each group, condition and threshold (``config.all_thresholds()``,
    fractions of |target change|), the fraction of the group's synapses changed beyond it, and the
    mean change of each group.

    Groups (never the target): ``sharing`` touches a or b; ``elsewhere`` touches none of a, b, c, d;
    ``hop1``/``hop2``: elsewhere synapses whose nearer neuron is one/two undirected hops from the
    condition's kicked neurons ({a, b} for the protocol, {c, d} for the sham, {c} for the one-spike
    control). Keys ``frac_<group>_<condition>`` hold arrays (replicates x thresholds).
    """
    n = config.n
    thr = np.asarray(config.all_thresholds())
    effects = {c: dw[c] - dw["control"] for c in CONDITIONS if c != "control"}
    block = pre // n
    out: dict[str, list] = {}

    def put(key, value):
        out.setdefault(key, []).append(value)

    for r in range(config.replicates):
        s, a, b, c, d = (int(getattr(sites, k)[r]) for k in ("target", "a", "b", "c", "d"))
        mine = block == r
        mine[s] = False
        touches = lambda *xs: np.isin(pre, xs) | np.isin(post, xs)  # noqa: E731
        sharing = mine & touches(a, b)
        elsewhere = mine & ~touches(a, b, c, d)
        adj = neighbours(pre, post, n, r)
        lp, lq = pre - r * n, post - r * n
        safe = lambda x: np.clip(x, 0, n - 1)  # noqa: E731  (other blocks are masked out anyway)
        dist = {}
        for name, src in (("ab", (a - r * n, b - r * n)), ("cd", (c - r * n, d - r * n)), ("c", (c - r * n,))):
            h = hops(adj, src)
            dist[name] = np.minimum(h[safe(lp)], h[safe(lq)])
        groups = {"sharing": {k: sharing for k in effects}, "elsewhere": {k: elsewhere for k in effects}}
        for k in (1, 2):
            groups[f"hop{k}"] = {"protocol": elsewhere & (dist["ab"] == k), "sham": elsewhere & (dist["cd"] == k),
                                 "one_spike": elsewhere & (dist["c"] == k)}
        target = float(effects["protocol"][s])
        put("target_dw", target)
        put("target_dw_control", float(dw["control"][s]))
        reverse = np.flatnonzero(mine & (pre == b) & (post == a))
        put("reverse_dw", float(effects["protocol"][reverse[0]]) if reverse.size else float("nan"))
        put("background_drift", float(np.mean(dw["control"][block == r])))
        for g, masks in groups.items():
            put(f"n_{g}", int(masks["protocol"].sum()))
            if g.startswith("hop"):
                put(f"n_{g}_sham", int(masks["sham"].sum()))
                put(f"n_{g}_one_spike", int(masks["one_spike"].sum()))
            for cond, mask in masks.items():
                put(f"frac_{g}_{cond}", changed_fraction(effects[cond], mask, thr * abs(target)))
                put(f"mean_dw_{g}_{cond}", float(np.mean(effects[cond][mask])) if mask.any() else float("nan"))
    return {k: np.asarray(v, float) for k, v in out.items()}


def fraction_estimate(values, pooled: int) -> dict:
    """Mean of replicate fractions with a 95 % interval inside [0, 1]: Wilson's score interval
    (Wilson 1927) at the effective sample size of the replicate spread, ``n_eff = p (1 - p) / SE^2``
    with ``SE = s / sqrt(R)`` (capped at the ``pooled`` number of synapses, which it is when the
    spread is zero), and ``t_{0.975, R-1}`` in place of z (after Korn & Graubard 1998, Survey
    Methodology 24:193). Away from 0 and 1 it is the t interval of the replicate mean."""
    from scipy.stats import t as student_t
    x = np.asarray(values, float)
    x = x[np.isfinite(x)]
    if x.size < 2:
        raise ValueError("fraction_estimate: need at least 2 replicates")
    R, p = x.size, float(np.mean(x))
    se2 = float(np.var(x, ddof=1)) / R
    z = float(student_t.ppf(0.975, R - 1))
    n_eff = float(pooled) if se2 <= 0 or p * (1 - p) <= 0 else min(float(pooled), p * (1 - p) / se2)
    centre = (p + z * z / (2 * n_eff)) / (1 + z * z / n_eff)
    half = z * math.sqrt(p * (1 - p) / n_eff + z * z / (4 * n_eff * n_eff)) / (1 + z * z / n_eff)
    lo, hi = max(0.0, centre - half), min(1.0, centre + half)
    return {"mean": p, "ci95": [min(lo, p), max(hi, p)], "n": int(R), "method": "wilson-effective-n"}


def _finite_estimate(values) -> dict | None:
    x = np.asarray(values, float)
    x = x[np.isfinite(x)]
    return stats.estimate(x) if x.size >= 2 else None


def _pooled(per: dict, group: str, cond: str) -> int:
    """Synapses of a group over all replicates (a condition's own hop groups for the sham)."""
    key = f"n_{group}_{cond}" if f"n_{group}_{cond}" in per else f"n_{group}"
    return int(np.sum(per[key]))


def thr_key(x: float) -> str:
    return "thr_" + f"{100 * x:g}".replace(".", "_")


def window_headline(config: Config, per: dict, rates: dict, window: str) -> dict:
    """Headline numbers of one window from its per-replicate numbers."""
    est = stats.estimate
    thr = config.all_thresholds()
    j = thr.index(config.threshold)

    def frac(g, cond, k=j):
        return fraction_estimate(per[f"frac_{g}_{cond}"][:, k], _pooled(per, g, cond))

    def diff(g, a, b, k=j):
        return est(per[f"frac_{g}_{a}"][:, k] - per[f"frac_{g}_{b}"][:, k])

    groups = {g: {"protocol": frac(g, "protocol"), "sham": frac(g, "sham"), "one_spike": frac(g, "one_spike"),
                  "target_specific": diff(g, "protocol", "sham"), "extra_spikes": diff(g, "protocol", "one_spike")}
              for g in ("sharing", "elsewhere")}
    isolated = isolated_target_dw(config, window)
    per_spike = (A_PLUS * TAU_PLUS_MS - a_minus(config, window) * TAU_MINUS_MS) * ms  # r (a+ tau+ - a- tau-) / r
    return {
        "target_dw": est(per["target_dw"]),
        "target_dw_isolated": isolated,
        "target_gap": est(per["target_dw"] - isolated),
        "background_drift": est(per["background_drift"]),
        "background_drift_closed_form": est(background_drift_closed_form(rates["control"], config, window)),
        "extra_spike_drift_closed_form": est(config.n_pairings * rates["control"] * per_spike),
        **groups,
        "by_hop": {g: {"protocol": frac(g, "protocol"), "sham": frac(g, "sham"),
                       "target_specific": diff(g, "protocol", "sham")} for g in ("hop1", "hop2")},
        "by_threshold": {g: {thr_key(x): diff(g, "protocol", "sham", k) for k, x in enumerate(thr)}
                         for g in ("sharing", "elsewhere")},
        "sharing_mean_dw": {c: est(per[f"mean_dw_sharing_{c}"]) for c in ("protocol", "sham")},
        "elsewhere_mean_dw": {c: est(per[f"mean_dw_elsewhere_{c}"]) for c in ("protocol", "sham", "one_spike")},
        "rate_hz": {c: est(rates[c]) for c in CONDITIONS},
    }


def run(config: Config, seed: int = 1, progress: bool = False) -> Result:
    with progress_bar(progress, 1, "addressing") as bar:
        sim = simulate(config, seed)
        bar.advance()
    n, reps = config.n, config.replicates
    per, rates, fired = {}, {}, {}
    for w in WINDOWS:
        per[w] = replicate_numbers(config, sim.pre, sim.post, sim.dw[w], sim.sites)
        rates[w] = {c: np.bincount(sim.spikes[w][c][1] // n, minlength=reps) / (n * sim.duration)
                    for c in CONDITIONS}
        fired[w] = {c: kicks_fired(sim.spikes[w][c], *sim.kicks[c]) for c in CONDITIONS if c != "control"}
    est = stats.estimate
    headline = {w: window_headline(config, per[w], rates[w], w) for w in WINDOWS}
    headline["synapses"] = {g: est(per["balanced"][f"n_{g}"]) for g in GROUPS}
    headline["settings"] = {"neurons": config.n, "n_pairings": config.n_pairings, "pairing_hz": config.pairing_hz,
                            "lag_ms": config.lag_ms, "delay_ms": config.delay_ms, "threshold": config.threshold,
                            "ltd_integral_ratio": integral_ratio(config, "ltd"), "duration_s": sim.duration}
    tables = _tables(config, sim, per, rates, fired)
    notes = [
        "Changes are in units of w_max. A synapse counts as changed when |its change| exceeds a threshold times "
        "|the target's change under the protocol| in the same replicate and window; every condition is measured "
        "against the control with the same network, initial state and background spikes.",
        "target_specific = protocol fraction minus sham fraction (the same kicks on an unrelated pair c, d), "
        "paired by replicate; extra_spikes = protocol minus one-spike control. 'elsewhere' = synapses touching "
        "none of a, b, c, d; by_hop: elsewhere synapses one or two undirected hops from the kicked neurons.",
        "Fractions' intervals: Wilson's score interval at the effective sample size of the replicate spread, "
        "with Student's t (inside [0, 1]); differences: Student's t interval of the paired replicate differences.",
        f"target_dw_isolated: closed form of the protocol alone (no background), with the axonal delay: pairs at "
        f"lag - delay = {config.lag_ms - config.delay_ms:g} ms, all-to-all sums over the repeated pairings "
        "including the reverse pairs, hard bounds, in time order. background_drift: the control's mean change per "
        "synapse over the run; its closed form r^2 (a+ tau+ - a- tau-) T at each replicate's control rate.",
        "Kicks that produced a spike in the kicked neuron in their step: table kicks (a kick in the refractory "
        "period is lost).",
    ]
    kinds = {f"{w}.target_dw_isolated": "closed-form" for w in WINDOWS}
    kinds.update({f"settings.{k}": "setting" for k in headline["settings"]})
    kinds["settings.ltd_integral_ratio"] = "deterministic"
    kinds["settings.duration_s"] = "deterministic"
    return Result(headline, tables, notes, kinds)


def _tables(config, sim, per, rates, fired) -> dict:
    thr = config.all_thresholds()
    tables = {}
    rows = {"replicate": list(range(config.replicates)), **{k: getattr(sim.sites, k).tolist()
                                                            for k in ("a", "b", "c", "d")}}
    for w in WINDOWS:
        for k, v in per[w].items():
            if v.ndim == 1:
                rows[f"{w}_{k}"] = v.tolist()
            else:
                j = thr.index(config.threshold)
                rows[f"{w}_{k}"] = v[:, j].tolist()
        for c, v in rates[w].items():
            rows[f"{w}_rate_hz_{c}"] = v.tolist()
    tables["replicates"] = rows
    dep = {"window": [], "group": [], "threshold": [], "condition": [], "mean": [], "ci_low": [], "ci_high": []}
    for w in WINDOWS:
        for g in GROUPS:
            pooled = {c: _pooled(per[w], g, c) for c in CONDITIONS}
            for k, x in enumerate(thr):
                vals = {c: per[w][f"frac_{g}_{c}"][:, k] for c in ("protocol", "sham", "one_spike")}
                items = [(c, fraction_estimate(v, pooled[c])) for c, v in vals.items()]
                items.append(("target_specific", stats.estimate(vals["protocol"] - vals["sham"])))
                for c, e in items:
                    for key, value in (("window", w), ("group", g), ("threshold", x), ("condition", c),
                                       ("mean", e["mean"]), ("ci_low", e["ci95"][0]), ("ci_high", e["ci95"][1])):
                        dep[key].append(value)
    tables["fractions"] = dep
    tables["kicks"] = {"window": [w for w in WINDOWS for _ in fired[w]],
                       "condition": [c for w in WINDOWS for c in fired[w]],
                       "fraction_fired": [v for w in WINDOWS for v in fired[w].values()]}
    classes = {}
    not_target = np.isin(np.arange(sim.pre.size), sim.sites.target, invert=True)
    ends = {"out_of_a": (sim.pre, sim.sites.a), "into_b": (sim.post, sim.sites.b),
            "into_a": (sim.post, sim.sites.a), "out_of_b": (sim.pre, sim.sites.b)}
    for w in WINDOWS:
        eff = sim.dw[w]["protocol"] - sim.dw[w]["control"]
        for name, (end, neuron) in ends.items():
            vals = []
            for r in range(config.replicates):
                sel = not_target & (sim.pre // config.n == r) & (end == neuron[r])
                vals.append(float(np.mean(eff[sel])) if sel.any() else float("nan"))
            classes[w, name] = _finite_estimate(vals)
    tables["sharing_classes"] = {"window": [k[0] for k in classes], "class": [k[1] for k in classes],
                                 "mean_dw": [e["mean"] if e else float("nan") for e in classes.values()],
                                 "ci_low": [e["ci95"][0] if e else float("nan") for e in classes.values()],
                                 "ci_high": [e["ci95"][1] if e else float("nan") for e in classes.values()]}
    tables["histogram"] = _histogram(config, sim, per)
    return tables


def _histogram(config, sim, per, bins: int = 80) -> dict:
    """Counts of each synapse's change relative to its replicate's target change, by window, group
    and condition (protocol, sham)."""
    block = sim.pre // config.n
    s = sim.sites
    shares = np.zeros(sim.pre.size, bool)
    elsewhere = np.zeros(sim.pre.size, bool)
    for r in range(config.replicates):
        mine = block == r
        t_ab = np.isin(sim.pre, [s.a[r], s.b[r]]) | np.isin(sim.post, [s.a[r], s.b[r]])
        t_cd = np.isin(sim.pre, [s.c[r], s.d[r]]) | np.isin(sim.post, [s.c[r], s.d[r]])
        shares |= mine & t_ab
        elsewhere |= mine & ~t_ab & ~t_cd
    shares[s.target] = False
    edges = np.linspace(-1.0, 1.0, bins + 1)
    out = {"low": edges[:-1].tolist(), "high": edges[1:].tolist()}
    for w in WINDOWS:
        target = np.abs(per[w]["target_dw"])[block]
        for c in ("protocol", "sham"):
            rel = np.clip((sim.dw[w][c] - sim.dw[w]["control"]) / target, -1.0, 1.0)
            out[f"{w}_{c}_sharing"] = np.histogram(rel[shares], edges)[0].tolist()
            out[f"{w}_{c}_elsewhere"] = np.histogram(rel[elsewhere], edges)[0].tolist()
    return out


COLORS = {"protocol": "#c55", "sham": "#e9a23b", "one_spike": "#58a", "target_specific": "#333"}
LABELS = {"protocol": "protocol - control", "sham": "sham (same kicks on c, d) - control",
          "one_spike": "one extra spike - control", "target_specific": "protocol - sham (target-specific)"}


def _errorbar(ax, x, value, color, label=None, marker="o"):
    lo, hi = value["ci95"]
    m = value["mean"]
    ax.errorbar([x], [m], yerr=[[m - lo], [hi - m]], fmt=marker, color=color, capsize=3, label=label, ms=5)


def figures(result: Result):
    from matplotlib.figure import Figure
    h = result.headline
    st = h["settings"]
    pct = lambda v, _: f"{100 * v:.0f} %" if abs(v) >= 0.095 else f"{100 * v:.1f} %"  # noqa: E731
    fig = Figure(figsize=(12, 4.2))
    axes = fig.subplots(1, 3)
    for ax, group, title in ((axes[0], "sharing", "synapses sharing a neuron with the target"),
                             (axes[1], "elsewhere", "synapses elsewhere (touching none of a, b, c, d)")):
        for i, w in enumerate(WINDOWS):
            for k, cond in enumerate(("protocol", "sham", "one_spike", "target_specific")):
                _errorbar(ax, i + 0.17 * (k - 1.5), h[w][group][cond], COLORS[cond],
                          LABELS[cond] if i == 0 else None, "s" if cond == "target_specific" else "o")
        ax.axhline(0, color="#999", lw=0.8)
        ax.set_xticks([0, 1], ["balanced window", f"LTD-dominated ({st['ltd_integral_ratio']:.1f})"])
        ax.yaxis.set_major_formatter(pct)
        ax.set(title=title, ylabel=f"fraction changed > {100 * st['threshold']:g} % of the target's change")
        ax.title.set_fontsize(9)
    handles, labels = axes[0].get_legend_handles_labels()
    ax = axes[2]
    for i, w in enumerate(WINDOWS):
        per = np.asarray(result.tables["replicates"][f"{w}_target_dw"])
        ax.plot(i - 0.15 + np.linspace(-0.05, 0.05, per.size), per, "o", color="#c55", alpha=0.6,
                label="each replicate" if i == 0 else None)
        _errorbar(ax, i + 0.1, h[w]["target_dw"], "#222", "mean, 95 % CI" if i == 0 else None, "s")
        ax.plot([i - 0.3, i + 0.3], [h[w]["target_dw_isolated"]] * 2, color="#3a6", ls="--",
                label="protocol alone (closed form)" if i == 0 else None)
    ax.set_xticks([0, 1], ["balanced", "LTD-dominated"])
    ax.set_xlim(-0.5, 1.5)
    ax.set(title="target synapse (protocol - control)", ylabel="change of the target (w / w_max)")
    ax.title.set_fontsize(9)
    h2, l2 = ax.get_legend_handles_labels()
    fig.legend(handles + h2, labels + l2, loc="lower center", ncol=4, fontsize=7, frameon=False)
    fig.tight_layout(rect=(0, 0.1, 1, 1))

    fr = result.tables["fractions"]
    rows = list(zip(fr["window"], fr["group"], fr["threshold"], fr["condition"], fr["mean"], fr["ci_low"],
                    fr["ci_high"]))
    fig2 = Figure(figsize=(12, 4))
    axes = fig2.subplots(1, 3)
    styles = {"balanced": ("-", "o"), "ltd": (":", "^")}
    ax = axes[0]
    for w in WINDOWS:
        for g, color in (("sharing", "#c55"), ("elsewhere", "#58a")):
            sel = [r for r in rows if r[0] == w and r[1] == g and r[3] == "target_specific"]
            x = np.array([r[2] for r in sel])
            m, lo, hi = (np.array([r[k] for r in sel]) for k in (4, 5, 6))
            ax.errorbar(100 * x, m, yerr=[m - lo, hi - m], ls=styles[w][0], marker=styles[w][1], color=color,
                        capsize=3, label=f"{g}, {'balanced' if w == 'balanced' else 'LTD-dominated'}")
    ax.axhline(0, color="#999", lw=0.8)
    ax.yaxis.set_major_formatter(pct)
    ax.set(xlabel="threshold (% of the target's change)", ylabel="target-specific fraction (protocol - sham)",
           title="collateral change against the threshold")
    ax.title.set_fontsize(9)
    ax.legend(fontsize=7)
    ax = axes[1]
    j = st["threshold"]
    for w in WINDOWS:
        for cond, dx in (("protocol", -0.06), ("sham", 0.06)):
            pts = [(0, h[w]["sharing"][cond])] if cond == "protocol" else []
            pts += [(k, h[w]["by_hop"][f"hop{k}"][cond]) for k in (1, 2)]
            x = np.array([p[0] for p in pts]) + dx + (0.02 if w == "ltd" else 0)
            m = np.array([p[1]["mean"] for p in pts])
            lo, hi = np.array([p[1]["ci95"][0] for p in pts]), np.array([p[1]["ci95"][1] for p in pts])
            ax.errorbar(x, m, yerr=[m - lo, hi - m], ls=styles[w][0], marker=styles[w][1], color=COLORS[cond],
                        capsize=3, label=f"{cond}, {'balanced' if w == 'balanced' else 'LTD-dominated'}")
    ax.set_yscale("log")
    ax.set_xticks([0, 1, 2], ["sharing a neuron\n(0 hops)", "1 hop", "2 hops"])
    ax.set(ylabel=f"fraction changed > {100 * j:g} % of the target's change",
           title="fall-off with distance from the kicked neurons")
    ax.title.set_fontsize(9)
    ax.legend(fontsize=6)
    hist = result.tables["histogram"]
    centres = (np.asarray(hist["low"]) + np.asarray(hist["high"])) / 2
    ax = axes[2]
    for key, label, style in (("balanced_protocol_sharing", "protocol, sharing", "-"),
                              ("balanced_sham_sharing", "sham, the same synapses", "--"),
                              ("balanced_protocol_elsewhere", "protocol, elsewhere", "-"),
                              ("balanced_sham_elsewhere", "sham, elsewhere", ":")):
        counts = np.asarray(hist[key], float)
        ax.step(centres, np.where(counts > 0, counts, np.nan), where="mid", ls=style, label=label)
    for x in (-j, j):
        ax.axvline(x, color="#999", ls="--", lw=0.8)
    ax.set_yscale("log")
    ax.set(xlabel="change / target's change (clipped to ±1)", ylabel="synapses (all replicates)",
           title="balanced window: collateral changes against the control")
    ax.title.set_fontsize(9)
    ax.legend(fontsize=7)
    fig2.tight_layout()
    return [("collateral_fractions", fig), ("threshold_distance_histogram", fig2)]


#: The verdict's bounds: a target-specific collateral fraction among sharing synapses whose 95 %
#: interval lies above SUPPORT_ABOVE at every threshold under both windows supports the claim's
#: conclusion; one whose interval lies below REFUTE_BELOW under the balanced window refutes it.
SUPPORT_ABOVE = 0.05
REFUTE_BELOW = 0.01


def support_table(result: Result) -> dict:
    """(window, threshold key) -> whether the target-specific collateral fraction among sharing
    synapses has its 95 % interval above SUPPORT_ABOVE there."""
    return {(w, k): v["ci95"][0] > SUPPORT_ABOVE for w in WINDOWS
            for k, v in result.get(f"{w}.by_threshold.sharing").items()}


def decide(result: Result) -> str:
    """The verdict by the criterion of :func:`verdicts`."""
    if all(support_table(result).values()):
        return "supported"
    if result.get("balanced.sharing.target_specific")["ci95"][1] < REFUTE_BELOW:
        return "refuted"
    return "qualified"


def _pct_key(k: str) -> str:
    return k.removeprefix("thr_").replace("_", ".") + " %"


def verdicts(result: Result) -> list:
    thr = 100 * result.get("settings.threshold")
    ratio = result.get("settings.ltd_integral_ratio")
    table = support_table(result)
    keys = list(result.get("balanced.by_threshold.sharing"))
    where = "; ".join(
        f"{'balanced' if w == 'balanced' else 'LTD-dominated'} window: above {100 * SUPPORT_ABOVE:g} % at "
        + (", ".join(_pct_key(k) for k in keys if table[w, k]) or "no threshold")
        + (", not at " + ", ".join(_pct_key(k) for k in keys if not table[w, k])
           if not all(table[w, k] for k in keys) else "") for w in WINDOWS)
    return [Verdict(
        claim="no-addressing",
        verdict=decide(result),
        headline="balanced.sharing.target_specific",
        criterion=("the target-specific collateral fraction among synapses sharing a neuron with the target (the "
                   "fraction changed by more than a threshold times the target's change under the protocol, minus "
                   "the same under a sham with the same kicks on an unrelated pair), at the thresholds "
                   + ", ".join(_pct_key(k) for k in keys) + f" under the balanced and the LTD-dominated window: "
                   f"supported if its 95 % interval lies above {100 * SUPPORT_ABOVE:g} % at every threshold under "
                   "both windows (even ideal stimulation of the two neurons does not set one synapse alone); "
                   f"refuted if under the balanced window at {thr:g} % its interval lies below "
                   f"{100 * REFUTE_BELOW:g} % (the target moves with no more collateral change than any extra "
                   "spikes cause); qualified otherwise (it depends on the window or the threshold)"),
        conditions=(f"{where}; the deciding number is the balanced window's at {thr:g} %; the balanced window "
                    f"(a- tau- = a+ tau+) and the LTD-dominated one (ratio {ratio:.2f}); ideal kicks of exactly the "
                    "two neurons in random recurrent LIF networks with Poisson background, additive all-to-all "
                    "STDP; the claim's stated reason (no way to fire a specific neuron) is granted away, not tested"),
        label="target-specific collateral fraction, synapses sharing a neuron with the target, balanced window",
        percent=True, digits=2,
    )]


def finding(result: Result) -> str:
    h = result.headline
    f = stats.fmt
    st = h["settings"]
    b, l = h["balanced"], h["ltd"]
    thr = 100 * st["threshold"]
    n = b["target_dw"]["n"]
    keys = list(b["by_threshold"]["sharing"])
    thr_words = "; ".join(
        f"at {_pct_key(k)} {f(b['by_threshold']['sharing'][k], 2, True)} balanced, "
        f"{f(l['by_threshold']['sharing'][k], 2, True)} LTD-dominated" for k in keys)
    return (
        f"Pairing one synapse's two neurons {st['n_pairings']} times with ideal kicks ({n} random networks, each "
        f"under four conditions with the same background spikes) changed the target by {f(b['target_dw'], 3)} "
        f"w_max with the balanced window and {f(l['target_dw'], 3)} with the LTD-dominated one (a- tau- / a+ tau+ "
        f"= {st['ltd_integral_ratio']:.2f}); the protocol alone, without background, gives "
        f"{f(b['target_dw_isolated'], 3)} and {f(l['target_dw_isolated'], 3)} in closed form. The gaps, "
        f"{f(b['target_gap'], 2)} and {f(l['target_gap'], 2)}, come from the background: the extra spikes of a and b "
        "pair with each other's background spikes, on average at r (a+ tau+ - a- tau-) per spike (0 with the "
        "balanced window; a kick that lands in a refractory period is lost: table kicks), the drift that "
        f"moved every synapse of the control by {f(l['background_drift'], 3)} w_max over the {st['duration_s']:g} s "
        f"run with the LTD-dominated window (closed form r^2 (a+ tau+ - a- tau-) T at the measured "
        f"{f(l['rate_hz']['control'], 3, unit='Hz')}: {f(l['background_drift_closed_form'], 3)}) and by "
        f"{f(b['background_drift'], 2)} with the balanced one (closed form 0 for independent firing; the rest is "
        "the correlation that the recurrent synapses cause). Among the synapses sharing a neuron with the target, "
        f"the fraction changed by more than {thr:g} % of the target's change was {f(b['sharing']['protocol'], 2, True)} "
        f"under the protocol and {f(b['sharing']['sham'], 2, True)} under a sham with the same kicks on an unrelated "
        f"pair (balanced window): a target-specific fraction of {f(b['sharing']['target_specific'], 2, True)}. With "
        f"the LTD-dominated window it was {f(l['sharing']['protocol'], 2, True)} against "
        f"{f(l['sharing']['sham'], 2, True)}, target-specific {f(l['sharing']['target_specific'], 2, True)}: there "
        f"the sharing synapses' mean change, {f(l['sharing_mean_dw']['protocol'], 2)} w_max (balanced "
        f"{f(b['sharing_mean_dw']['protocol'], 2)}), is that drift applied to the extra spikes of a and b "
        f"({st['n_pairings']} r (a+ tau+ - a- tau-) = {f(l['extra_spike_drift_closed_form'], 3)} for independent "
        f"firing). The target-specific fraction falls with the threshold: {thr_words}. Elsewhere (synapses "
        f"touching none of the four kicked neurons) the protocol changed {f(b['elsewhere']['protocol'], 2, True)}, "
        f"the sham {f(b['elsewhere']['sham'], 2, True)} and one extra spike {f(b['elsewhere']['one_spike'], 2, True)} "
        f"(balanced window): the effect of extra spikes of any kind (protocol - one-spike control) is "
        f"{f(b['elsewhere']['extra_spikes'], 2, True)}, the target-specific part (protocol - sham) "
        f"{f(b['elsewhere']['target_specific'], 2, True)}{_zero_words(b['elsewhere']['target_specific'])}; with "
        f"the LTD-dominated window {f(l['elsewhere']['extra_spikes'], 2, True)} and "
        f"{f(l['elsewhere']['target_specific'], 2, True)}. By distance (balanced window) the protocol changed "
        f"{f(b['by_hop']['hop1']['protocol'], 2, True)} of the synapses one hop from a or b and "
        f"{f(b['by_hop']['hop2']['protocol'], 2, True)} two hops away, the sham {f(b['by_hop']['hop1']['sham'], 2, True)}"
        f" and {f(b['by_hop']['hop2']['sham'], 2, True)} at the same distances from c and d. Conditions: recurrent "
        f"networks of {st['neurons']} LIF neurons ({_size(result)}) firing at "
        f"{f(b['rate_hz']['control'], 3, unit='Hz')} (balanced) and {f(l['rate_hz']['control'], 3, unit='Hz')} "
        f"(LTD-dominated) on Poisson background, additive all-to-all STDP with hard bounds, pairings at "
        f"{st['pairing_hz']:g} Hz with {st['lag_ms']:g} ms lag over a {st['delay_ms']:g} ms axonal delay; the "
        "claim's stated reason, that no specific neuron can be fired, is granted away here, not tested."
    )


def _zero_words(v: dict) -> str:
    lo, hi = v["ci95"]
    if lo <= 0 <= hi:
        return " (an interval that includes zero: beyond the target's neurons the protocol changes no more than the " \
               "same number of extra spikes elsewhere)"
    if hi < 0:
        return " (below zero: the sham's kicks change more synapses there than the protocol's)"
    return " (above zero: beyond the target's neurons the protocol changes more than the same number of extra spikes)"


def _size(result: Result) -> str:
    s = result.headline["synapses"]
    per = s["sharing"]["mean"] + s["elsewhere"]["mean"]
    return f"about {int(round(per + 1, -2)):,} synapses each"


#: what each figure shows and which claim of the article it tests (the report's captions)
CAPTIONS = {
    "collateral_fractions": "Collateral change when one target synapse is written: the fraction of other synapses "
    "changed by more than the threshold, for synapses sharing a neuron with the target and elsewhere, protocol "
    "against sham control, balanced and LTD-dominated windows, with the target's own change. Tests the claim that "
    "one synapse cannot be set on its own because no specific neuron can be fired.",
    "threshold_distance_histogram": "The collateral fraction against the threshold and against the distance from "
    "the kicked neurons, and the histogram of collateral changes against the control (balanced window): how the "
    "addressing verdict depends on what counts as a change.",
}


register_experiment(Experiment(
    name="addressing",
    question="Can one synapse be set by driving its two neurons, without changing the others?",
    about=("In recurrent plastic networks we try to write a single synapse by pairing its pre- and post-synaptic "
           "neurons, granting the impossible: stimulation of exactly those two neurons (the claim's stated reason, "
           "that no specific neuron can be fired, is granted away, not tested). Against a control with the same "
           "background we count the other synapses the protocol changed; a sham with the same kicks on an "
           "unrelated pair separates the target-specific collateral change from what any extra spikes do, and "
           "a control with one extra spike measures chaotic divergence. Both a balanced STDP window and an "
           "LTD-dominated one are run, and the count is shown against the threshold of change and the distance "
           "from the kicked neurons."),
    config=Config,
    quick=dict(replicates=8),
    full=dict(replicates=20),
    run=run,
    figures=figures, captions=CAPTIONS,
    summary=(
        Headline("balanced.sharing.target_specific", "target-specific collateral fraction, synapses sharing a "
                 "neuron with the target, balanced window (protocol minus sham)", percent=True, digits=2),
        Headline("ltd.sharing.target_specific", "the same, LTD-dominated window", percent=True, digits=2),
        Headline("balanced.elsewhere.target_specific", "target-specific collateral fraction elsewhere, balanced "
                 "window", percent=True, digits=2),
        Headline("balanced.elsewhere.extra_spikes", "collateral fraction elsewhere from extra spikes of any kind "
                 "(protocol minus one-spike control), balanced window", percent=True, digits=2),
    ),
    finding=finding,
    verdicts=verdicts,
))
