"""The conformance checks every built-in rule and model passes, public so a user's own is tested
exactly like ours.

``check_rule(rule)`` checks, on random spike trains it draws itself (``seed``):

1. the kernel contract (:mod:`hebblab.contract`): pieces present, numba-compiled, right arities;
2. the compiled loop against the rule's own slow ``reference`` (spike lists, no traces), one
   synapse per pair of random trains, with and without a delay of ``delay_steps`` steps;
3. the compiled backend equal to the reference backend (the step order of ``network.py`` in plain
   Python), on a random network with two projections (all-to-all without delay, fixed
   probability with a delay), run in one call, split in two calls, and on two threads;
4. every weight inside ``rule.bounds()`` after the runs, from weights drawn over the whole range;
5. no spikes, no change: a projection whose neurons never fire keeps its weights (the engine
   calls a rule's pieces only at spikes, so this guards the engine's side of the contract);
6. a rule that declares itself ``deferrable`` gives the same weights with deferred potentiation;
7. the rule's ``transmit``: IF neurons driven through the rule fire the same in every variant;
8. the comparison is not vacuous: some weight changed, and most end strictly inside the bounds
   (at a bound, timing differences are invisible).

A rule that reads neuron variables (``reads_pre``/``reads_post``) is checked on neurons that
have them: ``neuron`` (default ``hl.LIF()``, its ``n`` replaced), driven by a Poisson drive
(``drive``, by default 100 sources at 50 Hz of 1 mV into the LIF's ``g_e``), in place of the spike
sources on every side whose variables it reads (in the random network, every population; the IF
targets too when it reads post variables). Their spike times and, for each variable read, its
value after the update of every step are recorded and passed to the rule's reference
(``pre_times``/``post_times`` and ``pre_neuron``/``post_neuron``: ``{name: array over steps}``;
None for a side the rule does not read). Per-step hooks (``post_step``, ``syn_step``) run in every
comparison; a rule whose weights change without spikes (through ``syn_step``) passes
``no_spike_no_change=False`` to skip check 5.

Not checked: float32 networks (they round differently from the float64 reference).

``check_model(model)`` checks the compiled update against the model's ``reference_update`` (spikes
and every state variable but the compiled loop's own bookkeeping, ``internal_int_vars``), a split run, two threads (when the model splits by neuron ranges),
spike indices ascending and in range, and state finite.

Both raise ``AssertionError`` naming the failed check; they return a dict of what was compared.
Comparisons are exact for the backends (``atol``/``rtol`` 0 by default) and at ``rtol`` 1e-10
against a rule's own reference, whose floating-point order differs from the traces'.

Example (a user's rule module)::

    from hebblab.testing import check_rule
    check_rule(MyRule(a=0.01))
"""

from __future__ import annotations

import dataclasses

import numpy as np

from .contract import check_model_class, check_rule_instance
from .neurons.base import Model
from .plasticity.base import Rule
from .units import takes_units


def _trains(rng, n: int, steps: int, p_spike: float, dt: float) -> list[np.ndarray]:
    """``n`` spike-time arrays on the dt grid, Bernoulli per step (at most one spike per step)."""
    return [np.flatnonzero(rng.random(steps) < p_spike) * dt for _ in range(n)]


def _source(hl, net, trains):
    times = np.concatenate(trains)
    idx = np.concatenate([np.full(len(tr), k) for k, tr in enumerate(trains)])
    return net.add(hl.SpikeSource(n=len(trains), times=times, indices=idx))


def _neurons(net, n, neuron, drive):
    """``n`` neurons of the model ``neuron``, driven by the Poisson drive ``drive``."""
    pop = net.add(dataclasses.replace(neuron, n=n))
    if drive:
        net.poisson_input(pop, *drive)
    return pop


class _Recorded:
    """Spike times and the read variables (after each step's update) of a population."""

    def __init__(self, net, pop, names):
        self.pop, self.names = pop, names
        self.spikes = net.monitor(pop)
        self.states = {v: net.monitor(pop, v) for v in names}

    def trains(self):
        t, i = self.spikes.t, self.spikes.i
        return [t[i == k] for k in range(self.pop.n)]

    def traces(self, k):
        # a sample at step m is the state before the update of step m, i.e. after that of m - 1;
        # the state after the last step's update is the population's now
        return {v: np.append(mon.values[1:, k], getattr(self.pop, v)[k]) for v, mon in self.states.items()}


def _one_to_one(rule, pre_trains, post_trains, w0, delay, dt, seed, neuron, drive, backend="numba"):
    """Synapse k from pre k to post k. A side whose variables the rule reads is ``neuron``
    driven by ``drive`` (its own spike times), else a source firing the given trains. Returns
    the projection and, per synapse, the reference's inputs (pre times, post times, pre_neuron,
    post_neuron)."""
    import hebblab as hl
    n = len(pre_trains)
    net = hl.Network(dt=dt, seed=seed, backend=backend, dtype=np.float64, threads=1)
    reads = (type(rule).reads_pre, type(rule).reads_post)
    pre = _neurons(net, n, neuron, drive) if reads[0] else _source(hl, net, pre_trains)
    post = _neurons(net, n, neuron, drive) if reads[1] else _source(hl, net, post_trains)
    proj = net.connect(pre, post, rule=rule, w=w0, delay=delay, connectivity="one_to_one")
    rec = [_Recorded(net, pop, names) if names else None for pop, names in zip((pre, post), reads)]
    last = max([0.0] + [float(tr.max()) + delay for tr in pre_trains if tr.size]
               + [float(tr.max()) for tr in post_trains if tr.size])
    n_steps = int(round(last / dt)) + int(round(delay / dt)) + 10
    net.run(n_steps * dt)
    pre_t = rec[0].trains() if rec[0] else pre_trains
    if rec[0]:  # arrivals after the run's end did not happen
        pre_t = [tr[np.round(tr / dt) + round(delay / dt) < n_steps] for tr in pre_t]
    post_t = rec[1].trains() if rec[1] else post_trains
    inputs = [(pre_t[k], post_t[k], rec[0].traces(k) if rec[0] else None, rec[1].traces(k) if rec[1] else None)
              for k in range(n)]
    return proj, inputs


def _random_network(rule, dt, seed, rates, steps, delay_steps, backend, calls, threads, w_range,
                    potentiation="eager", neuron=None, drive=None):
    """Three projections: Poisson -> Poisson all-to-all (rows of 20, long enough for deferred
    potentiation), back with a delay at p = 0.5, and Poisson -> IF neurons, whose input goes
    through the rule's ``transmit`` and whose spikes depend on the weights. For a rule that reads
    neuron variables the sources are ``neuron`` driven by ``drive`` (and so are the targets when
    it reads post variables)."""
    import hebblab as hl
    lo, hi = w_range
    net = hl.Network(dt=dt, seed=seed, backend=backend, dtype=np.float64, threads=threads,
                     potentiation=potentiation)
    reads_pre, reads_post = type(rule).reads_pre, type(rule).reads_post
    if reads_pre or reads_post:
        pre, post = _neurons(net, 24, neuron, drive), _neurons(net, 20, neuron, drive)
    else:
        pre = net.add(hl.PoissonSource(n=24, rate=rates[0]))
        post = net.add(hl.PoissonSource(n=20, rate=rates[1]))
    target = _neurons(net, 6, neuron, drive) if reads_post else net.add(hl.IF(n=6, threshold=1.0, leak=0.2))
    a = net.connect(pre, post, rule=rule, w=hl.Uniform(lo, hi))
    b = net.connect(post, pre, rule=rule, w=hl.Uniform(lo, hi), delay=delay_steps * dt,
                    connectivity=hl.FixedProbability(0.5))
    c = net.connect(pre, target, rule=rule, w=hl.Uniform(lo, hi), connectivity=hl.FixedProbability(0.3))
    spikes, fired = net.monitor(post), net.monitor(target)
    for k in range(calls):  # whole steps per call, the same total for every split
        n = steps // calls if k < calls - 1 else steps - (calls - 1) * (steps // calls)
        net.run(n * dt, threads=threads)
    return [a.w.copy(), b.w.copy(), c.w.copy()], (spikes.i.copy(), fired.steps.copy(), fired.i.copy(),
                                                   target.S.copy())


def _cores() -> int:
    import os
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


@takes_units(dt="second")
def check_rule(rule: Rule, *, dt: float = 1e-4, seed: int = 0, n_trains: int = 16, steps: int = 20000,
               p_spike: float = 0.005, delay_steps: int = 3, rtol: float = 1e-10, atol: float = 1e-12,
               w0: float | None = None, w_range: tuple[float, float] | None = None, threads: bool = True,
               interior: bool = True, thorough: bool = True, neuron: Model | None = None,
               drive: Model | None = None,
               no_spike_no_change: bool = True) -> dict:
    """Run the conformance checks above on ``rule`` (an instance); see the module docstring.

    ``p_spike`` is the probability of a spike per step on each side (0.005 at 0.1 ms: 50 Hz);
    rules that count lags in steps (Brain Simulator II's) want denser trains and ``dt`` = 1 cycle.
    ``w0``: the start weight for the reference comparison (default: the middle of the bounds);
    ``w_range``: the range the random network's weights are drawn from (default: the bounds;
    rules whose bounds are only the number format's, like Brain Simulator II's, want their
    working range); ``interior=False`` for rules whose weights live at the bounds by design
    (two-state synapses), which skips the check that most end inside them. ``thorough=False``
    compares only one compiled run (and a split one, same kernel) with the reference backend,
    leaving out deferred potentiation and two threads, which each compile a kernel of their own.
    ``neuron`` and ``drive`` (``(n, rate, weight, target)`` of ``Network.poisson_input``): the
    neurons for a rule that reads neuron variables (module docstring); ``drive`` defaults to
    ``(100, 50.0, 1 mV, "g_e")`` for the default ``neuron``, ``hl.LIF()``, and to none otherwise.
    """
    check_rule_instance(rule)
    name = type(rule).__name__
    if not hasattr(rule, "reference"):
        raise AssertionError(f"{name}: check_rule needs the rule's slow reference(pre_times, post_times, w0, "
                             "delay=0.0, dt=None, seed=0, stream=0, s=0, pre_neuron=None, post_neuron=None)")
    if neuron is None:
        from .neurons.lif import LIF
        from .si import mV
        neuron = LIF()
        drive = (100, 50.0, 1 * mV, "g_e") if drive is None else drive
    rng = np.random.default_rng(seed)
    lo, hi = (float(x) for x in rule.bounds())
    w_lo, w_hi = (lo, hi) if w_range is None else (float(w_range[0]), float(w_range[1]))
    w_start = 0.5 * (lo + hi) if w0 is None else float(w0)
    report = {"rule": name, "reference_synapses": 0}
    changed = False
    for delay in (0.0, delay_steps * dt):
        pre = _trains(rng, n_trains, steps, p_spike, dt)
        post = _trains(rng, n_trains, steps, p_spike, dt)
        proj, inputs = _one_to_one(rule, pre, post, w_start, delay, dt, seed, neuron, drive)
        ref = np.array([rule.reference(p, q, w_start, delay=delay, dt=dt, seed=seed, stream=proj.stream, s=k,
                                       pre_neuron=vp, post_neuron=vq)
                        for k, (p, q, vp, vq) in enumerate(inputs)], dtype=float)
        got = np.asarray(proj.w, float)
        bad = ~np.isclose(got, ref, rtol=rtol, atol=atol)
        if bad.any():
            k = int(np.flatnonzero(bad)[0])
            raise AssertionError(f"{name}: compiled loop differs from the rule's reference at delay {delay:g} s on "
                                 f"{bad.sum()} of {len(ref)} synapses (first: synapse {k}, {got[k]!r} vs {ref[k]!r})")
        changed |= bool(np.any(np.abs(got - w_start) > 1e-9 * max(1.0, abs(w_hi - w_lo))))
        if not (np.all(np.isfinite(got)) and got.min() >= lo and got.max() <= hi):
            raise AssertionError(f"{name}: weights left the bounds [{lo:g}, {hi:g}] (range {got.min():g} to "
                                 f"{got.max():g})")
        tol = 1e-12 * max(1.0, abs(hi - lo))
        inside = np.mean((got > lo + tol) & (got < hi - tol))
        if interior and inside < 0.25:
            raise AssertionError(f"{name}: {100 * (1 - inside):.0f} % of the weights end at a bound, where the "
                                 "comparison with the reference cannot see timing differences; choose parameters "
                                 "that keep them inside (a balanced window, a smaller learning rate)")
        report["reference_synapses"] += len(ref)
    if not changed:
        raise AssertionError(f"{name}: no weight changed on the random trains, so the comparison with the reference "
                             "tested nothing; choose denser trains (p_spike) or a larger learning rate")

    rates = (p_spike / dt, p_spike / dt)
    base_w, base_spikes = _random_network(rule, dt, seed, rates, steps // 4, delay_steps, "reference", 1, 1,
                                          (w_lo, w_hi), "eager", neuron, drive)
    variants = {"compiled": ("numba", 1, 1, "eager"), "compiled, split run": ("numba", 3, 1, "eager")}
    if rule.deferrable and thorough:
        variants["compiled, deferred potentiation"] = ("numba", 1, 1, "deferred")
    if threads and thorough and _cores() >= 2:
        variants["compiled, 2 threads"] = ("numba", 2, 2, "eager")
    for label, (backend, calls, nthr, potentiation) in variants.items():
        w, spikes = _random_network(rule, dt, seed, rates, steps // 4, delay_steps, backend, calls, nthr,
                                    (w_lo, w_hi), potentiation, neuron, drive)
        for what, a, b in zip(("the sources' spikes", "the target neurons' spike steps", "the target neurons' spikes",
                               "the target neurons' state"), spikes, base_spikes):
            if not np.array_equal(a, b):
                raise AssertionError(f"{name}: {label}: {what} differ from the reference backend's (the weights "
                                     "they receive go through the rule's transmit)")
        for k, (a, b) in enumerate(zip(w, base_w)):
            if not np.allclose(a, b, rtol=0.0, atol=0.0):
                i = int(np.flatnonzero(a != b)[0])
                raise AssertionError(f"{name}: {label} differs from the reference backend in projection {k} on "
                                     f"{int(np.sum(a != b))} of {a.size} synapses (first: synapse {i}, {a[i]!r} vs {b[i]!r})")
    for k, b in enumerate(base_w):
        if not (np.all(np.isfinite(b)) and b.min() >= lo and b.max() <= hi):
            raise AssertionError(f"{name}: weights left the bounds [{lo:g}, {hi:g}] in projection {k} "
                                 f"(range {b.min():g} to {b.max():g})")
    report["backend_variants"] = list(variants)

    import hebblab as hl
    for backend in ("numba", "reference") if no_spike_no_change else ():
        net = hl.Network(dt=dt, seed=seed, backend=backend, dtype=np.float64, threads=1)
        silent = hl.SpikeSource(n=5, times=[], indices=[]), hl.SpikeSource(n=4, times=[], indices=[])
        a, b = (_neurons(net, n, neuron, None) if reads else net.add(src)  # neurons at rest
                for n, reads, src in zip((5, 4), (type(rule).reads_pre, type(rule).reads_post), silent))
        proj = net.connect(a, b, rule=rule, w=hl.Uniform(w_lo, w_hi))
        fired = (net.monitor(a), net.monitor(b))
        w_before = proj.w.copy()
        net.run(200 * dt)
        if len(fired[0]) or len(fired[1]):
            raise AssertionError(f"{name}: the neurons fired without input, so check 5 (no spikes, no change) "
                                 "cannot run; choose a neuron that rests")
        if not np.array_equal(proj.w, w_before):
            raise AssertionError(f"{name}: weights changed without any spike ({backend} backend; a rule whose "
                                 "weights change without spikes passes no_spike_no_change=False)")
    report["no_spikes_no_change"] = no_spike_no_change
    return report


@takes_units(dt="second", drive_rate="hertz")
def check_model(model: Model, *, dt: float = 1e-4, seed: int = 0, steps: int = 2000, drive_rate: float = 200.0,
                drive_w: float | None = None, threads: bool = True) -> dict:
    """Run the model conformance checks (module docstring) on ``model`` (an instance with its
    ``n``). Models with synaptic input get Poisson drive (``drive_rate`` Hz per source, 20
    sources, fixed weights ``drive_w``, which should make the neurons fire; default 0: no drive)."""
    import hebblab as hl
    from .neurons.base import has_range_update

    check_model_class(type(model))
    name = type(model).__name__

    def run(backend, calls, nthr):
        net = hl.Network(dt=dt, seed=seed, backend=backend, dtype=np.float64, threads=nthr)
        pop = net.add(model)
        if model.input_mode is not None and drive_w:
            src = net.add(hl.PoissonSource(n=20, rate=drive_rate))
            net.connect(src, pop, w=drive_w)
        mon = net.monitor(pop)
        for k in range(calls):
            n = steps // calls if k < calls - 1 else steps - (calls - 1) * (steps // calls)
            net.run(n * dt, threads=nthr)
        public = [k for k, v in enumerate(model.int_vars) if v not in model.internal_int_vars]
        return mon.steps.copy(), mon.i.copy(), pop.S.copy(), pop.I[public].copy()

    base = run("reference", 1, 1)
    variants = {"compiled": ("numba", 1, 1), "compiled, split run": ("numba", 3, 1)}
    if threads and has_range_update(model):
        variants["compiled, 2 threads"] = ("numba", 1, 2)
    for label, args in variants.items():
        got = run(*args)
        for what, a, b in zip(("spike steps", "spike indices", "float state", "integer state"), got, base):
            if not np.array_equal(a, b):
                raise AssertionError(f"{name}: {label}: {what} differ from the reference backend")
    steps_, idx, S, _ = base
    if idx.size and (idx.min() < 0 or idx.max() >= model.n):
        raise AssertionError(f"{name}: spike indices outside [0, {model.n})")
    for t in np.unique(steps_):
        at = idx[steps_ == t]
        if np.any(np.diff(at) <= 0):
            raise AssertionError(f"{name}: spike indices of step {t} not strictly ascending")
    if not np.all(np.isfinite(S)):
        raise AssertionError(f"{name}: state not finite after {steps} steps")
    return {"model": name, "spikes": int(idx.size), "backend_variants": list(variants)}
