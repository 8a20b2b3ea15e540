"""Network: populations, projections, monitors, and the fixed order of a time step.

``Network(dt, seed)`` owns everything; ``net.run(T)`` is explicit and repeatable (two calls
continue the same simulation, and ``run(a); run(b)`` equals ``run(a + b)``). Time inside the
kernels is an integer step count, t = step * dt.

One step t, in this order (both backends):

0. monitors sample state variables and weights (the state at time t);
1. injection events due at t are applied (``Network.inject``);
2. every population updates in the order it was added: sources emit their spikes for step t,
   neurons integrate from t to t + dt, test the threshold and reset;
3. Poisson drives (``Network.poisson_input``), in the order they were made, add their step-t
   counts times their weights to their targets; then, for every projection in the order it was
   connected: the spikes of its pre population at t are queued for arrival at t + delay; the
   arrivals due at t are delivered to the targets and, for each, the rule's pre-synaptic update
   runs (``syn_pre`` for each of its synapses, then ``pre_spike``);
4. for every plastic projection: the rule's post-synaptic update for each post spike at t
   (``syn_post`` for each synapse onto it, then ``post_spike``);
   then, for every rule with a per-step hook, ``post_step`` for each post neuron and ``syn_step``
   for each synapse onto the neurons it selects (hebblab.plasticity.base);
5. spike monitors record the spikes of step t.

With several threads (``threads``) the parts of a step are split by neuron ranges and meet at
barriers (backends/codegen.generate_parallel); the result is the serial order's, bit for bit.

Traces are stored with the step of their last change and decayed exactly when read. The compiled
loop may apply a post spike's potentiation later, at the pre neuron's next arrival
(hebblab.deferred), with the same result bit for bit; every run ends settled, so ``proj.w`` is
current between runs. Delivered input (and a Poisson drive) changes the target's synaptic variables
after its update of step t, so it acts from step t + 1 on (a one-cycle delay for Brain Simulator II
style IF neurons; with LIF delta synapses it is added to v at the start of the update of step
t + 1, before the leak, as in Brian2).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import numpy.typing as npt

from . import _validate as V
from . import units as U
from .connectivity import build as build_connectivity
from .connectivity import build_csc, post_pre_index, pre_lookup
from .contract import check_model_class, check_rule_instance, check_rule_reads
from .deferred import Deferral
from .distributions import Normal, Uniform
from .monitors import SPIKE_BUFFER, SpikeMonitor, StateMonitor
from .neurons.base import Model, has_range_update
from .plasticity.base import Rule
from .poisson_input import PoissonInput
from .rng import STREAM_INIT, STREAM_NEURON, STREAM_PLASTICITY, STREAM_POISSON


class Population:
    """A population in a network: its model (parameters) and its state arrays."""

    def __init__(self, net: "Network", model: Model, index: int):
        object.__setattr__(self, "net", net)
        object.__setattr__(self, "model", model)
        object.__setattr__(self, "index", index)
        object.__setattr__(self, "n", model.n)
        S, I, E, C = model.init_state(net.dt, net.seed, STREAM_POISSON + index)
        object.__setattr__(self, "S", np.ascontiguousarray(S, dtype=net.dtype))  # state in the network's precision
        object.__setattr__(self, "I", I)
        object.__setattr__(self, "E", E)
        object.__setattr__(self, "C", C)
        P = model.pack(net.dt)
        if model.params_in_state_precision:  # float32 networks then compute in float32 (SIMD-wide)
            P = P.astype(net.dtype)
        object.__setattr__(self, "P", P)
        object.__setattr__(self, "spk", np.zeros(model.n, np.int64))
        object.__setattr__(self, "injections", [])

    def row_of(self, var: str) -> int:
        if var in self.model.float_vars:
            return self.model.float_vars.index(var)
        raise ValueError(f"{var!r} is not a state variable of {type(self.model).__name__} "
                         f"(allowed: {', '.join(self.model.float_vars) or 'none'})")

    def __getattr__(self, name):
        model = object.__getattribute__(self, "model")
        if name in model.float_vars:
            return self.S[model.float_vars.index(name)]
        if name in model.int_vars:
            return self.I[model.int_vars.index(name)]
        raise AttributeError(name)

    def __setattr__(self, name, value):
        model = self.model
        owner = type(model).__name__
        if name in model.float_vars:
            if name in model.internal_vars:
                raise ValueError(f"{owner}.{name} is internal state and cannot be set "
                                 f"(settable: {', '.join(v for v in model.float_vars if v not in model.internal_vars)})")
            # validated in full, then assigned: a refused value leaves the state as it was
            unit = getattr(model, "state_units", {}).get(name)  # pop.v = -70 * hl.mV; a bare number refused
            value = U.plain(U.to_si(f"{owner}.{name}", value, unit) if unit else U.weight_to_si(f"{owner}.{name}", value))
            vmax = float(np.finfo(self.S.dtype).max)
            if name == "rate":  # Poisson: redraw pending intervals from now on
                new = V.per_neuron(f"{owner}.rate", value, self.n, check=V.non_negative, high=vmax)
                new = new.astype(self.S.dtype)
                if new.size and float(np.max(new)) * self.net.dt > 1.0:
                    raise ValueError(f"{owner}.rate must be <= 1/dt = {1 / self.net.dt:g} Hz "
                                     f"(got {float(np.max(new))!r})")
            else:
                new = V.per_neuron(f"{owner}.{name}", value, self.n, low=-vmax, high=vmax).astype(self.S.dtype)
            self.S[model.float_vars.index(name)] = new
            if name == "rate":
                from .neurons.poisson import request_redraw
                request_redraw(self.C)
            return
        if name in model.int_vars:
            raise ValueError(f"{owner}.{name} is integer state that cannot be set")
        object.__setattr__(self, name, value)

    def __len__(self):
        return self.n

    def __repr__(self):
        return f"<Population {self.index}: {type(self.model).__name__}(n={self.n})>"


def physical_memory() -> int:
    """Bytes of physical memory on this machine (HEBBLAB_MEMORY_LIMIT overrides, in bytes)."""
    import os
    env = os.environ.get("HEBBLAB_MEMORY_LIMIT")
    if env:
        return int(float(env))
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):  # pragma: no cover
        return 1 << 62


def _expected_synapses(connectivity, n_pre: int, n_post: int) -> float:
    from .connectivity import FixedProbability
    if isinstance(connectivity, str):
        return float(n_pre) * n_post if connectivity == "all_to_all" else float(min(n_pre, n_post))
    if isinstance(connectivity, FixedProbability):
        return float(n_pre) * n_post * connectivity.p
    if isinstance(connectivity, tuple) and len(connectivity) == 2:
        return float(np.size(connectivity[0]))
    return 0.0


def available_cores() -> int:
    """Cores this process may run on."""
    import os
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return os.cpu_count() or 1  # pragma: no cover


def check_threads(name: str, value) -> int:
    """A thread count: an integer >= 1 and at most the available cores, unless the environment
    variable HEBBLAB_ALLOW_OVERSUBSCRIBE is set to 1 (then any count the system can start)."""
    import os
    k = V.positive_int(name, value)
    cores = available_cores()
    if k > cores and os.environ.get("HEBBLAB_ALLOW_OVERSUBSCRIBE", "") not in ("1", "true", "yes"):
        raise ValueError(f"{name} must be an integer >= 1 and <= {cores} (the cores this process may use; "
                         f"set HEBBLAB_ALLOW_OVERSUBSCRIBE=1 to allow more) (got {value!r})")
    return k


#: Bytes of temporaries per index of an explicit (pre_idx, post_idx) list: the checked int64
#: copies (16), the sort order (8), the sorted pre and post (12) and the sort's own work space (8).
EXPLICIT_TEMP_BYTES = 44


def refuse_if_too_big(what: str, n_bytes: float) -> None:
    """One clear ValueError, before allocating, when ``n_bytes`` would not fit in memory."""
    limit = physical_memory()
    if n_bytes > 0.8 * limit:
        raise ValueError(f"{what} needs about {n_bytes / 2**30:.1f} GiB; this machine has "
                         f"{limit / 2**30:.1f} GiB (at most 80 % of it may be used)")


class Projection:
    """Synapses from one population to another, stored as CSR by pre neuron."""

    def __init__(self, net: "Network", pre: Population, post: Population, rule: Rule | None,
                 w: "float | npt.ArrayLike | Any", delay: float, connectivity: Any, index: int):
        self.net, self.pre, self.post, self.rule, self.index = net, pre, post, rule, index
        # everything is checked, and every allocation estimated, before anything is built
        delay = U.to_si("connect.delay", delay, "second", "delay=1.5 * hl.ms")
        self.delay_steps = V.steps("connect.delay", delay, net.dt, whole=True)
        self.delay = U.mark_si(float(delay))
        self.stream = STREAM_PLASTICITY + index
        vmax = float(np.finfo(net.dtype).max)
        P = None
        if rule is not None:
            P = rule.pack(net.dt)  # checks the rule's time constants against dt
            lo, hi = rule.bounds()
            if not (-vmax <= lo <= hi <= vmax):
                raise ValueError(f"connect.rule: {type(rule).__name__}'s weight bounds (w_max, or w_low and "
                                 f"w_high) must lie in [{-vmax:g}, {vmax:g}] for {net.dtype} weights "
                                 f"(got [{lo:g}, {hi:g}])")
        k_syn = rule.layout()[0] if rule is not None else 0
        # w, post and (plastic only) post_syn, plus the rule's per-synapse state
        per_syn = net.dtype.itemsize + 4 + (4 + 8 * k_syn + 4 * (net.index == "fast") if rule is not None else 0)
        n_expected = _expected_synapses(connectivity, pre.n, post.n)
        explicit = isinstance(connectivity, tuple)
        temp = EXPLICIT_TEMP_BYTES if explicit else 0  # sorting and checking an explicit list
        queue_bytes = 8.0 * (self.delay_steps + 1) * (pre.n + 1)
        refuse_if_too_big(f"connect: {n_expected:.3g} synapses ({per_syn} bytes each"
                          + (f", {temp} bytes of temporaries per index" if temp else "")
                          + f") and a spike queue of {self.delay_steps + 1} steps x {pre.n} neurons for delay "
                          f"{self.delay:g} s", n_expected * (per_syn + temp) + queue_bytes)
        indptr, post_idx, order = build_connectivity(connectivity, pre.n, post.n, net.seed,
                                                     STREAM_INIT + 2 * index)
        self.indptr, self.post_index = indptr, post_idx
        self.one_to_one = isinstance(connectivity, str) and connectivity == "one_to_one"
        n_syn = int(post_idx.size)
        if rule is not None:
            # Post-to-synapse index (CSC) for potentiation at post spikes: for the q-th synapse onto
            # a post neuron, its index in the CSR arrays (post_syn). Its pre neuron is found through
            # a coarse block table (connectivity.pre_of) instead of a stored 4-byte pre index.
            self.post_ptr, self.post_syn = build_csc(indptr, post_idx, post.n)
            self.pre_table, self.pre_shift = pre_lookup(indptr, n_syn)
            self.post_pre = post_pre_index(indptr, self.post_syn) if net.index == "fast" else None
        else:  # fixed synapses need no post-side index
            self.post_ptr, self.post_syn = np.zeros(post.n + 1, np.int64), np.zeros(0, np.int32)
            self.pre_table, self.pre_shift = np.zeros(1, np.int32), 0
            self.post_pre = None
        self.w = self._initial_weights(w, n_syn, order, STREAM_INIT + 2 * index + 1)
        if rule is not None:
            lo, hi = rule.bounds()
            if n_syn and (self.w.min() < lo or self.w.max() > hi):
                raise ValueError(f"w must be in [{lo:g}, {hi:g}] for {type(rule).__name__} "
                                 f"(got values in [{self.w.min():g}, {self.w.max():g}])")
            self.syn, self.pre_vars, self.post_vars = rule.init_state(n_syn, pre.n, post.n, net.seed,
                                                                      self.stream)
            self.P = P
        else:
            self.syn, self.pre_vars, self.post_vars = (np.zeros((n_syn, 0)), np.zeros((pre.n, 0)),
                                                       np.zeros((post.n, 0)))
            self.P = np.zeros(1)
        slots = self.delay_steps + 1
        self.queue = np.zeros((slots, pre.n), np.int64)
        self.queue_n = np.zeros(slots, np.int64)
        self.deferred = False  # decided per run (Network._plan_potentiation)
        self.deferral = Deferral.unused()

    def _initial_weights(self, w, n_syn, order, stream):
        w = U.weight_to_si("connect.w", w)
        if isinstance(w, (Uniform, Normal)) and w.unit is not None and w.unit not in U.WEIGHT_UNITS:
            raise U.UnitError(f"connect.w={w!r} has the wrong dimension: a weight is a plain number or the target "
                              "variable's unit (a voltage, a conductance, a current)")
        dtype = self.net.dtype
        vmax = float(np.finfo(dtype).max)
        if isinstance(w, (Uniform, Normal)):
            x = w.sample(n_syn, self.net.seed, stream)
            if x.size and not (np.all(np.isfinite(x)) and x.min() >= -vmax and x.max() <= vmax):
                raise ValueError(f"connect.w: {w!r} drew values outside [{-vmax:g}, {vmax:g}] "
                                 f"(the finite {dtype} range)")
            return x.astype(dtype)
        if V._is_number(w):
            return np.full(n_syn, V.real("connect.w", w, -vmax, vmax), dtype)
        arr = V.real_array("connect.w", w, -vmax, vmax)
        if arr.ndim == 0:
            return np.full(n_syn, float(arr), dtype)
        if arr.shape != (n_syn,):
            raise ValueError(f"connect.w must be a scalar, a distribution or an array of length {n_syn} "
                             f"(got shape {arr.shape})")
        if order is not None:
            arr = arr[order]
        return arr.astype(dtype)

    def __setattr__(self, name, value):
        if name == "w" and "w" in self.__dict__:
            # a new weight array is checked in full (length, finite, the rule's bounds), then copied
            # into the arrays the compiled loop reads
            n, dtype = self.n_synapses, self.net.dtype
            vmax = float(np.finfo(dtype).max)
            lo, hi = self.rule.bounds() if self.rule is not None else (-vmax, vmax)
            # the bounds as this precision stores them (a float32 weight clipped at 0.3 reads 0.30000001)
            lo, hi = min(lo, float(np.asarray(lo, dtype))), max(hi, float(np.asarray(hi, dtype)))
            value = U.plain(U.weight_to_si("Projection.w", value))  # proj.w = 0.2 * hl.mV: its SI value
            new = V.per_neuron("Projection.w", value, n, low=lo, high=hi) if n else V.real_array("Projection.w", value)
            if new.shape != (n,):
                raise ValueError(f"Projection.w must be a scalar or an array of length {n} (got shape {new.shape})")
            self.w[:] = new.astype(dtype)
            return
        object.__setattr__(self, name, value)

    @property
    def pre_index(self) -> np.ndarray:
        """Pre neuron of each synapse, in the order of ``w`` (computed on demand)."""
        return np.repeat(np.arange(self.pre.n, dtype=np.int32), np.diff(self.indptr))

    @property
    def bytes_per_synapse(self) -> float:
        """Memory of the per-synapse arrays (weights, targets, post index, pre table, rule state)
        divided by the number of synapses."""
        arrays = (self.w, self.post_index, self.post_syn, self.pre_table, self.syn, self.post_pre)
        return sum(a.nbytes for a in arrays if a is not None) / max(self.n_synapses, 1)

    @property
    def n_synapses(self) -> int:
        return int(self.post_index.size)

    def __len__(self):
        return self.n_synapses

    def __repr__(self):
        rule = type(self.rule).__name__ if self.rule else "fixed"
        return f"<Projection {self.index}: {self.pre.index}->{self.post.index}, {self.n_synapses} synapses, {rule}>"


@dataclass
class _Injection:
    steps: np.ndarray
    indices: np.ndarray
    rows: np.ndarray
    values: np.ndarray
    add: np.ndarray


class Network:
    """A spiking network with time step ``dt`` (seconds) and random ``seed``.

    ``backend`` is "numba" (compiled, the default) or "reference" (plain numpy, the spec the tests
    compare against). ``dtype`` is the precision of weights and neuron state: float32 by default
    (4 bytes per weight; arithmetic inside a step is float64, results are stored rounded),
    float64 for comparisons with closed forms. ``index`` is how potentiation finds a synapse's pre neuron:
    "compact" (the default: 12 bytes per plastic synapse with float32 weights; a small block table
    and a short search) or "fast" (a stored 4-byte pre index per synapse, 16 bytes in all; about
    5-10 ns less per potentiated synapse). ``threads``: how many parts the compiled loop splits
    neuron updates, delivery and potentiation into (run on up to that many cores); None picks all
    available cores for networks large enough to gain (:meth:`threads_for_run`) and 1 otherwise.
    Results do not depend on it. ``potentiation``: "deferred" lets the compiled loop apply the
    potentiation of rules that allow it at the pre neuron's next arrival, where the weights are
    read in memory order (hebblab.deferred; same weights bit for bit); "eager" applies it at the
    post spike; "auto" (the default) defers where rows are long enough for the eager loop's
    weight reads to scatter (at least ``DEFER_MIN_ROW`` synapses per pre neuron on average).

    Threads beyond the cores this process may use (``os.sched_getaffinity``) are refused: they
    only wait at the barriers. Set the environment variable ``HEBBLAB_ALLOW_OVERSUBSCRIBE=1`` to
    allow more (tests do, to check that results do not depend on the thread count).
    ``dt`` is in [MIN_DT, MAX_DT] seconds; times and durations are at most ``MAX_STEP`` steps.
    """

    MIN_DT = 1e-9
    MAX_DT = 1e3

    #: Deferred potentiation: post spikes kept per neuron (a power of two), and how often rows
    #: that owe old spikes are settled (seconds).
    DEFER_RING = 16
    DEFER_SWEEP = 0.1
    #: With shorter rows (e.g. many inputs onto one neuron) the synapses onto a post neuron lie
    #: close together and eager potentiation reads them nearly in order: Song-Abbott's network
    #: (one synapse per row) ran 9 % slower deferred, measured.
    DEFER_MIN_ROW = 16

    def __init__(self, dt: float, seed: int = 0, backend: str = "numba", dtype: "npt.DTypeLike" = np.float32,
                 index: str = "compact", threads: int | None = None, potentiation: str = "auto") -> None:
        dt = U.to_si("Network.dt", dt, "second", "dt=0.1 * hl.ms")
        V.positive("Network.dt", dt)
        self.dt = U.mark_si(V.real("Network.dt", dt, self.MIN_DT, self.MAX_DT, unit="s"))
        self.seed = V.integer("Network.seed", seed, 0, V.MAX_SEED)
        self.backend = V.one_of("Network.backend", backend, ("numba", "reference"))
        try:
            dt_ok = np.dtype(dtype) in (np.dtype(np.float32), np.dtype(np.float64))
        except (TypeError, ValueError):
            dt_ok = False
        if not dt_ok:
            raise ValueError(f"Network.dtype must be float32 or float64 (got {dtype!r})")
        self.dtype = np.dtype(dtype)
        self.index = V.one_of("Network.index", index, ("compact", "fast"))
        self.threads = None if threads is None else check_threads("Network.threads", threads)
        self.potentiation = V.one_of("Network.potentiation", potentiation, ("auto", "eager", "deferred"))
        self.populations: list[Population] = []
        self.projections: list[Projection] = []
        self.spike_monitors: list[SpikeMonitor] = []
        self.state_monitors: list[StateMonitor] = []
        self.poisson_inputs: list[PoissonInput] = []
        self.step = 0
        self._kernel_cache: dict = {}
        self._built = True

    #: Fixed at construction: populations, projections and kernels were built for them.
    _FIXED = ("dt", "seed", "dtype", "backend", "index")

    def __setattr__(self, name, value):
        if getattr(self, "_built", False):
            if name in self._FIXED:
                raise ValueError(f"Network.{name} is fixed at construction (make a new Network)")
            # threads and potentiation may be set; a run checks them before its first step
        object.__setattr__(self, name, value)

    @property
    def t(self) -> float:
        """Current time in seconds."""
        return U.mark_si(self.step * self.dt)

    def _summary_rows(self) -> list[tuple[str, str]]:
        rows = [(repr(p).strip("<>"), "") for p in self.populations]
        rows += [(repr(j).strip("<>"), "") for j in self.projections]
        rows += [(repr(m).strip("<>"), "") for m in (*self.spike_monitors, *self.state_monitors)]
        rows += [(repr(d).strip("<>"), "") for d in self.poisson_inputs]
        return rows

    def __repr__(self) -> str:
        head = (f"<Network dt={self.dt * 1e3:g} ms, seed={self.seed}, t={self.t:g} s, backend={self.backend}, "
                f"{np.dtype(self.dtype).name}: {len(self.populations)} populations "
                f"({sum(p.n for p in self.populations)} neurons), {len(self.projections)} projections "
                f"({sum(j.n_synapses for j in self.projections)} synapses), "
                f"{len(self.spike_monitors) + len(self.state_monitors)} monitors>")
        return head

    def _repr_html_(self) -> str:
        """A table of the network's parts (Jupyter shows it)."""
        import html
        rows = "".join(f"<tr><td>{html.escape(a)}</td></tr>" for a, _ in self._summary_rows())
        return (f"<div><b>{html.escape(repr(self).strip('<>'))}</b>"
                f"<table>{rows}</table></div>")

    def add(self, model: Model) -> Population:
        """Add a population of ``model.n`` neurons (or spike sources) and return it.

        ``model`` is a neuron model instance, e.g. ``hl.LIF(n=100, tau_m=20 * hl.ms)``,
        ``hl.PoissonSource(n=1000, rate=15 * hl.Hz)`` or your own :class:`~hebblab.neurons.base.Model`.
        Parameters given per neuron as distributions (``hl.LIF(n=100, v_thresh=hl.Normal(-50 * hl.mV,
        2 * hl.mV))``) are drawn here, from the network's seed (the population's ``model`` then
        holds the drawn arrays).
        Its kernel contract (``update``, ``reference_update``) is checked here (one
        :class:`~hebblab.contract.ContractError` naming the piece), its time constants against
        ``dt``, and its state against the machine's memory, before anything is allocated. The
        returned :class:`Population` exposes the state variables by name (``pop.v``, ``pop.rate``;
        assignments are validated) and is what ``connect``, ``monitor`` and ``inject`` take.
        Populations may be added between runs; a new structure compiles a new kernel at the
        next ``run``.
        """
        if not isinstance(model, Model):
            raise TypeError(f"add.model must be a population model such as hl.LIF(...) (got {type(model).__name__})")
        check_model_class(type(model))
        # the estimate first (it counts parameters still to be drawn), then the draws
        refuse_if_too_big(f"add: {type(model).__name__}(n={model.n})'s state "
                          f"({model.state_bytes(self.dtype) / max(model.n, 1):.0f} bytes per neuron)",
                          model.state_bytes(self.dtype))
        model = model.resolve(self.seed, STREAM_NEURON + 64 * len(self.populations))  # distributions, per neuron
        model.validate_dt(self.dt)
        pop = Population(self, model, len(self.populations))
        self.populations.append(pop)
        return pop

    def connect(self, pre: Population, post: Population, rule: Rule | None = None, w: "float | npt.ArrayLike | Any" = 0.0,
                delay: float = 0.0, connectivity: Any = "all_to_all") -> Projection:
        """Connect ``pre`` to ``post`` and return the :class:`Projection` (its weights: ``proj.w``).

        ``rule``: ``None`` for fixed weights, or a plasticity rule (``hl.rules.PairSTDP(...)``,
        your own :class:`~hebblab.plasticity.base.Rule`); its contract and bounds are checked here,
        and the neuron variables it reads (``reads_pre``/``reads_post``) against the two models.
        ``w``: one weight, one per synapse (for an explicit index list, in the order of that list;
        otherwise in the projection's order: by pre neuron, then post), or a distribution
        (``hl.Uniform(0, 0.01)``, ``hl.Normal(...)``) drawn from the network's
        seed; within the rule's bounds. A weight is what a spike adds to the target's input
        variable (``LIF``: the jump of I_e/I_i in volts, or of g_e/g_i relative to the leak).
        ``delay``: seconds, a whole number of steps (a delay that is not is refused, naming both
        values); plasticity timing is measured at the synapse, ``dt = t_post - (t_pre + delay)``.
        ``connectivity``: ``"all_to_all"``, ``"one_to_one"``, ``hl.FixedProbability(p,
        allow_self=...)`` or an explicit ``(pre_indices, post_indices)`` pair of integer arrays.
        The synapse count and spike queue are estimated against the machine's memory first.
        """
        for name, p in (("pre", pre), ("post", post)):
            if not isinstance(p, Population) or p.net is not self:
                raise ValueError(f"connect.{name} must be a population added to this network (got {type(p).__name__})")
        if rule is not None and not isinstance(rule, Rule):
            raise ValueError(f"connect.rule must be None or a plasticity rule (got {type(rule).__name__})")
        if rule is not None:
            check_rule_instance(rule)
            check_rule_reads(rule, pre.model, post.model)  # reads_pre / reads_post name the models' variables
        proj = Projection(self, pre, post, rule, w, delay, connectivity, len(self.projections))
        self.projections.append(proj)
        return proj

    def monitor(self, target: "Population | Projection", var: str | None = None, every: float | None = None,
                indices: "npt.ArrayLike | None" = None) -> "SpikeMonitor | StateMonitor":
        """Spikes of a population (``var=None``), or samples of ``var`` every ``every`` seconds.

        ``net.monitor(pop)`` -> spikes (``.t``, ``.i``); ``net.monitor(pop, "v", every=1 * hl.ms)`` and
        ``net.monitor(proj, "w", every=...)`` -> samples (``.t``, ``.values``).
        """
        if var is None:
            if not isinstance(target, Population) or target.net is not self:
                raise ValueError("monitor.target: a spike monitor needs a population of this network")
            if every is not None or indices is not None:
                raise ValueError("monitor: a spike monitor (var=None) takes no every or indices")
            refuse_if_too_big(f"monitor: a spike buffer for {target.n} neurons",
                              12.0 * max(SPIKE_BUFFER, 2 * target.n))
            mon = SpikeMonitor(target)
            self.spike_monitors.append(mon)
            return mon
        if not isinstance(var, str):
            raise TypeError(f"monitor.var must be None or the name of a state variable (got {var!r})")
        if every is None:
            every_steps = 1
        else:
            every = U.to_si("monitor.every", every, "second", "every=1 * hl.ms")
            V.positive("monitor.every", every)
            every_steps = max(1, V.steps("monitor.every", every, self.dt))
        if isinstance(target, Projection) and target.net is self:
            if var != "w":
                raise ValueError(f"monitor.var for a projection must be 'w' (got {var!r})")
            n, row, is_w = target.n_synapses, None, True
        elif isinstance(target, Population) and target.net is self:
            row, n, is_w = target.row_of(var), target.n, False
        else:
            raise ValueError("monitor.target must be a population or a projection of this network")
        idx = np.arange(n) if indices is None else V.index_array("monitor.indices", indices, n)
        mon = StateMonitor(target, var, every_steps, idx, row, is_w)
        self._monitor_bytes_per_step = getattr(self, "_monitor_bytes_per_step", 0.0) + 8.0 * idx.size / every_steps
        self.state_monitors.append(mon)
        return mon

    def inject(self, pop: Population, times: "npt.ArrayLike", indices: "npt.ArrayLike", values: "npt.ArrayLike",
               kind: str = "current") -> None:
        """Change neurons' input at chosen times.

        ``kind="current"`` sets the constant input ``i_ext`` of neuron ``indices[k]`` to
        ``values[k]`` from ``times[k]`` on (volts for LIF, charge per cycle for IF);
        ``kind="voltage"`` adds ``values[k]`` to its membrane variable once ("fire neuron i now"
        with a kick above threshold).
        """
        V.one_of("inject.kind", kind, ("current", "voltage"))
        if not isinstance(pop, Population) or pop.net is not self:
            raise ValueError("inject.pop must be a population added to this network")
        row = pop.model.current_row if kind == "current" else pop.model.kick_row
        if row < 0:
            raise ValueError(f"inject.pop: {type(pop.model).__name__} takes no injected input")
        times = U.plain(U.to_si("inject.times", times, "second", "times=[10, 20] * hl.ms"))
        times = np.atleast_1d(V.real_array("inject.times", times, 0.0, V.MAX_STEP * self.dt)).ravel()
        idx = V.index_array("inject.indices", np.atleast_1d(indices) if V._is_number(indices) else indices, pop.n)
        if times.shape != idx.shape:
            raise ValueError(f"inject: times and indices must have the same length (got {times.size} and {idx.size})")
        vmax = float(np.finfo(self.dtype).max)
        vals = V.real_array("inject.values", U.weight_to_si("inject.values", values), -vmax, vmax)
        try:
            vals = np.broadcast_to(vals, times.shape).copy()
        except ValueError:
            raise ValueError(f"inject.values must be a scalar or one value per time (got shape {vals.shape} "
                             f"for {times.size} times)") from None
        steps = np.rint(times / self.dt).astype(np.int64)
        if steps.size and steps.min() < self.step:
            raise ValueError(f"inject.times must be >= the current time {self.t:g} s (got {times.min()!r})")
        inj = _Injection(steps, idx, np.full(steps.shape, row, np.int64), vals,
                         np.full(steps.shape, kind == "voltage"))
        pop.injections.append(inj)

    def poisson_input(self, pop: Population, n: int, rate: float, weight: float, target: str) -> PoissonInput:
        """Drive every neuron of ``pop`` by ``n`` independent Poisson sources at ``rate`` (Hz), each
        adding ``weight`` to the state variable ``target`` when it fires (Brian2's ``PoissonInput``).

        Every step each neuron receives ``count * weight``, ``count ~ Binomial(n, rate * dt)``
        drawn per neuron and step from the counter-based generator (identical in both backends
        and for any number of threads), at the point of the step where synaptic input is
        delivered (it acts from the next update on). ``target`` is one of the model's float
        variables (LIF: ``"g_e"``, ``"g_i"``, ``"i_ext"``, ``"v"``; ``"v_in"`` with
        ``synapse="delta"``). ``n`` is an integer in [0, 2**31 - 1], ``rate`` in [0, 1/dt] Hz,
        ``weight`` finite; the returned drive's ``n``, ``rate`` and ``weight`` may be changed
        between runs. Several drives per population are applied in the order they were made.
        Details and the binomial table's truncation: :mod:`hebblab.poisson_input`.
        """
        drive = PoissonInput(self, pop, n, rate, weight, target, len(self.poisson_inputs))
        self.poisson_inputs.append(drive)
        return drive

    def save(self, path: str | os.PathLike, compress: bool = False) -> Path:
        """Write the whole network, its parameters and its complete state, to one file (npz: a zip of
        ``network.json`` and ``.npy`` arrays; docs/save-format.md), atomically; returns the path.
        ``hebblab.load(path)`` gives it back, and running it on continues this run bit for bit."""
        from .io.netfile import save
        return save(self, path, compress)

    def injection_arrays(self, pop: Population) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """All pending injections of ``pop`` as sorted arrays (steps, idx, rows, values, add)."""
        if not pop.injections:
            z = np.zeros(0, np.int64)
            return z, z, z, np.zeros(0), np.zeros(0, np.bool_)
        cat = [np.concatenate([getattr(j, f) for j in pop.injections])
               for f in ("steps", "indices", "rows", "values", "add")]
        order = np.argsort(cat[0], kind="stable")
        return tuple(c[order] for c in cat)

    #: Automatic threading starts at this many neurons (summed over neuron populations that update
    #: in parallel) or this many synapses; below, a step is too short to gain from a second core.
    AUTO_THREADS_NEURONS = 4000
    AUTO_THREADS_SYNAPSES = 1_000_000
    #: ... and uses at most one thread per this many neurons (a thread with too little work per
    #: step spends it at the barriers).
    AUTO_NEURONS_PER_THREAD = 2000

    def threads_for_run(self, threads: int | None = None) -> int:
        """The number of parts a run uses: ``threads``, else the network's setting, else automatic."""
        if threads is not None:
            return check_threads("run.threads", threads)
        if self.threads is not None:
            return check_threads("Network.threads", self.threads)  # may be set after construction
        cores = available_cores()
        neurons = sum(p.n for p in self.populations if has_range_update(p.model))
        synapses = sum(j.n_synapses for j in self.projections)
        big = neurons >= self.AUTO_THREADS_NEURONS or synapses >= self.AUTO_THREADS_SYNAPSES
        if not big:
            return 1
        return max(1, min(cores, neurons // self.AUTO_NEURONS_PER_THREAD))

    def _plan_potentiation(self, t0: int, threads: int) -> None:
        """Choose eager or deferred potentiation for each plastic projection for this run."""
        V.one_of("potentiation", self.potentiation, ("auto", "eager", "deferred"))  # may be set after construction
        sampled = {m.target.index for m in self.state_monitors if m.is_weight}
        for j in self.projections:
            long_rows = j.n_synapses >= self.DEFER_MIN_ROW * j.pre.n
            j.deferred = (j.rule is not None and j.rule.deferrable and j.index not in sampled and j.n_synapses > 0
                          and (self.potentiation == "deferred" or (self.potentiation == "auto" and long_rows)))
            if not j.deferred:
                continue
            d = j.deferral
            sweep = max(1, int(round(self.DEFER_SWEEP / self.dt)))
            row = int(np.diff(j.indptr).max())
            if (d.ht.shape != (j.post.n, self.DEFER_RING) or d.pa.size != j.pre.n or d.lz[0] != sweep
                    or d.pb.shape[0] < threads):
                j.deferral = d = Deferral(j.pre.n, j.post.n, self.DEFER_RING, sweep, threads, row)
            d.start(t0)

    def run(self, duration: float, progress: bool = False, threads: int | None = None) -> None:
        """Advance the simulation by ``duration`` seconds (rounded to whole steps). ``threads``
        overrides the network's setting for this run (results are the same for any value)."""
        duration = V.non_negative("run.duration", U.to_si("run.duration", duration, "second", "net.run(1 * hl.second)"))
        n_steps = V.steps("run.duration", duration, self.dt)
        if self.step + n_steps > V.MAX_STEP:
            raise ValueError(f"run.duration must be <= {(V.MAX_STEP - self.step) * self.dt:g} s (the network "
                             f"is at step {self.step} of at most {V.MAX_STEP}) (got {duration!r})")
        if not isinstance(progress, (bool, np.bool_)):
            raise TypeError(f"run.progress must be True or False (got {progress!r})")
        n_threads = self.threads_for_run(threads)
        if n_steps == 0:
            return
        if self.backend == "numba":
            from .backends.numba_backend import run as backend_run
        else:
            from .backends.reference import run as backend_run
        t0, t1 = self.step, self.step + n_steps
        refuse_if_too_big(f"run({duration:g}): the state monitors' samples",
                          getattr(self, "_monitor_bytes_per_step", 0.0) * n_steps)
        for mon in self.state_monitors:
            mon.prepare(t0, t1)
        if self.backend == "numba":
            self._plan_potentiation(t0, n_threads)
            backend_run(self, t0, t1, progress, n_threads)
        else:
            backend_run(self, t0, t1, progress)
        self.step = t1
        for mon in self.state_monitors:
            mon.collect()
        for mon in self.spike_monitors:
            mon.flush()
        for pop in self.populations:  # drop injections already applied
            pop.injections = [j for j in pop.injections if j.steps.size and j.steps.max() >= t1]
