"""What every plasticity rule provides, and the registry the engine and the CLI read.

A rule is ONE file (docs/architecture.md, "The objects"): a frozen dataclass of parameters, numba kernel pieces
in the same module, an independent slow ``reference`` that works on spike lists without traces,
and a ``register_rule`` line.

Kernel pieces (all in the rule's module, compiled with numba, also run as plain Python by the
reference backend through ``.py_func``)::

    syn_pre(t, s, i, j, w, syn, pre, post, P, seed, stream) -> new w   # pre spike arrives at s
    syn_post(t, s, i, j, w, syn, pre, post, P, seed, stream) -> new w  # post neuron i fired
    pre_spike(t, j, pre, P)     # after all synapses of pre neuron j were updated
    post_spike(t, i, post, P)   # after all synapses of post neuron i were updated
    transmit(w, P) -> x         # what a spike delivers to the target

``t`` is the integer step, ``s`` the synapse, ``i`` the post and ``j`` the pre neuron (indices local
to their populations), ``syn``/``pre``/``post`` float64 state arrays of shape
(n_syn, k_syn) / (n_pre, k_pre) / (n_post, k_post), ``P`` the packed parameters. ``syn`` is None
when the rule keeps no per-synapse state (k_syn = 0); guard its use with ``syn is not None`` so
numba drops the branch at compile time (a run-time branch with a dynamically indexed write to
``syn`` in the inner loop costs about 20 ns per synapse event, measured).

Neuron variables (optional): a rule that declares ``reads_post = ("v",)`` (names of the post
model's float variables; ``reads_pre`` likewise) receives, as one more last argument of the
pieces that see that side, a tuple ``vpost`` of 1-D arrays over the post population, one per
declared name (``vpost[0][i]`` is the membrane potential of post neuron ``i``; to be read only:
the reference backend passes them write-protected):
``syn_pre``, ``syn_post`` and ``syn_step`` get ``vpre`` then ``vpost``, ``pre_spike`` gets
``vpre``, ``post_spike`` and ``post_step`` get ``vpost``. A piece reads the variables as they are
when it runs: after the populations' update of step t. Read those of neurons ``i`` and ``j``
only. A pre variable that synaptic input writes (the model's ``input_rows``) is refused at
connect. A rule that declares nothing keeps the signatures above and compiles to the same loop.
The slow reference receives what was read: ``pre_neuron`` / ``post_neuron``, ``{name: array}``
of the variable after the update of each step (None for a side the rule does not read).

Per-step hooks (optional, for rules with continuous dynamics)::

    post_step(t, i, post, P[, vpost]) -> bool    # every post neuron i, every step (step 4b)
    syn_step(t, s, i, j, w, syn, pre, post, P, seed, stream[, vpre][, vpost]) -> new w

``post_step`` runs after the step's post-synaptic updates, for every post neuron of every
projection with the rule (its cost: one call per post neuron and step, whether or not anything
fired; Clopath2010's takes about 27 ns, several times a LIF's update, benchmarks/RESULTS.md);
when it returns True, ``syn_step`` runs on every synapse onto that neuron in that step (one call
per such synapse, about 38 ns for Clopath2010's: keep it rare, e.g. only while the neuron is
depolarized, as Clopath2010 does). A rule without ``syn_step`` may have ``post_step`` alone (its
return value is then unused).

Timing convention (tested): plasticity timing is measured at the synapse,
``dt = t_post - (t_pre + delay)``. Within one step all pre-synaptic arrivals are processed before
all post-synaptic spikes (as Brian2 orders its ``pre`` and ``post`` pathways), so a pre arrival
and a post spike in the same step count as a causal pair with dt = 0.
"""

from __future__ import annotations

from dataclasses import dataclass
import math
from typing import ClassVar

import numpy as np
from numba import njit

from ..compile_mode import INLINE
from ..units import UnitChecked

#: What ``Rule.init_state`` returns: the per-synapse, per-pre and per-post state arrays.
RuleState = tuple[np.ndarray, np.ndarray, np.ndarray]
#: What a slow reference receives as ``pre_neuron`` / ``post_neuron``: the declared neuron
#: variables it reads, by name, each an array over the steps.
NeuronTrace = dict[str, np.ndarray]

#: Step index meaning "no spike yet": far enough in the past that every trace has decayed to 0.
NO_SPIKE = -1.0e15

RULES: dict[str, type] = {}


def register_rule(cls: type) -> type:
    """Make a rule class discoverable by name (``hebblab.plasticity.RULES``)."""
    RULES[cls.rule_name] = cls
    return cls


@dataclass(frozen=True)
class Rule(metaclass=UnitChecked):
    """Base class of plasticity rules."""

    rule_name: ClassVar[str] = ""
    #: The dimensioned parameters and their SI unit (``{"tau_plus": "second"}``): given as
    #: quantities (``16.8 * hl.ms``), checked for dimension and stored as SI floats before
    #: ``__post_init__`` runs; a bare number is refused (hebblab.units).
    param_units: ClassVar[dict[str, str]] = {}
    kernel_module: ClassVar[str] = ""
    #: True when ``syn_post`` reads only the step, the synapse's weight and state, the pre
    #: neuron's state, the parameters and the random key (never the post neuron's state), and
    #: writes nothing but the synapse's own weight and state (pair STDP's nearest-pre-centred
    #: scheme resets its per-synapse trace there): then the compiled loop may apply it later, at
    #: the pre neuron's next arrival (hebblab.deferred).
    deferrable: ClassVar[bool] = False
    #: Names of the pre / post neuron model's float variables the pieces read (module docstring).
    reads_pre: ClassVar[tuple[str, ...]] = ()
    reads_post: ClassVar[tuple[str, ...]] = ()

    def bounds(self) -> tuple[float, float]:
        """Allowed weight range [low, high]."""
        raise NotImplementedError

    def layout(self) -> tuple[int, int, int]:
        """Number of float state columns per synapse, per pre neuron, per post neuron."""
        raise NotImplementedError

    def pack(self, dt: float) -> np.ndarray:
        raise NotImplementedError

    def init_state(self, n_syn: int, n_pre: int, n_post: int, seed: int, stream: int) -> RuleState:
        """Return ``(syn, pre, post)`` state arrays for a new projection."""
        k_syn, k_pre, k_post = self.layout()
        pre = np.zeros((n_pre, k_pre))
        post = np.zeros((n_post, k_post))
        pre[:, -1:] = NO_SPIKE  # by convention the last column is the last spike step
        post[:, -1:] = NO_SPIKE
        return np.zeros((n_syn, k_syn)), pre, post


def arrival_times(times, delay: float = 0.0, dt: float | None = None) -> np.ndarray:
    """Spike times plus ``delay`` as a rule's slow reference should see them: continuous when
    ``dt`` is None, else on the step grid as the engine runs them (each time and the delay
    rounded to whole steps, then times = steps * dt), so that a pre arrival and a post spike in
    the same step compare equal instead of differing by a rounding error."""
    t = np.asarray(times, float)
    if dt is None:
        return t + delay
    return (np.round(t / dt) + round(delay / dt)) * dt


def cycle_steps(times, delay: float = 0.0, dt: float | None = None) -> tuple[list[int], int]:
    """Spike times and a delay as whole steps, for references of rules that count in cycles
    (steps): ``dt=None`` means the times are already in cycles."""
    step = 1.0 if dt is None else float(dt)
    return [int(round(t / step)) for t in times], int(round(delay / step))


@njit(cache=True, inline=INLINE)
def decay(value, last_step, t, dt_over_tau):
    """Exact exponential decay of a trace from step ``last_step`` to step ``t``."""
    return value * np.exp(-(t - last_step) * dt_over_tau)


#: Traces older than this many time constants count as zero (e^-40 = 4e-18).
TABLE_SPAN = 40.0
TABLE_MAX = 1 << 18


def decay_table(dt_over_tau: float) -> np.ndarray:
    """``exp(-d dt/tau)`` for whole step counts d = 0, 1, ... up to TABLE_SPAN time constants.

    A table lookup replaces the exponential in the kernels' inner loops (an ``exp`` costs about
    17 ns on the project's machine, a lookup one or two); entries are the same ``exp`` of the same
    argument, so the decay stays exact.
    """
    if not (math.isfinite(dt_over_tau) and dt_over_tau > 0.0):
        raise ValueError(f"dt/tau must be finite and > 0 for a decay table (got {dt_over_tau!r})")
    span = TABLE_SPAN / dt_over_tau  # may overflow to inf for tau >> dt: the table is then full length
    n = TABLE_MAX if not span < TABLE_MAX else int(min(math.ceil(span) + 1, TABLE_MAX))
    table = np.exp(-np.arange(n) * dt_over_tau)
    assert np.all(np.isfinite(table)) and table[0] == 1.0
    return table


def dt_over_tau(rule, name: str, dt: float) -> float:
    """``dt / tau`` for the rule's time constant ``name``, checked at pack time: tau must be at
    least dt / 1e6 (_validate.MAX_DT_OVER_TAU), so that the decay factors and tables stay finite."""
    from .. import _validate as V
    return V.time_constant(f"{type(rule).__name__}.{name}", getattr(rule, name), dt)


@njit(cache=True, inline=INLINE)
def decay_lut(value, last_step, t, P, off, n, dt_over_tau):
    """:func:`decay` through the table ``P[off:off + n]`` made by :func:`decay_table`."""
    d = t - last_step
    if d < n:
        return value * P[off + int(d)]
    x = d * dt_over_tau
    if x > TABLE_SPAN:
        return 0.0
    return value * np.exp(-x)


@njit(cache=True, inline=INLINE)
def record_pre_spike(t, j, pre, P):
    """``pre_spike`` for rules whose only pre state is the last arrival step (column 0)."""
    pre[j, 0] = t


@njit(cache=True, inline=INLINE)
def record_post_spike(t, i, post, P):
    """``post_spike`` for rules whose only post state is the last spike step (column 0)."""
    post[i, 0] = t


#: Pairing windows are at most this many steps: the "no spike yet" step (NO_SPIKE) must lie
#: outside every window.
MAX_WINDOW_STEPS = 10**12


def check_windowed_binary(rule, owner: str) -> None:
    """Validate the parameters shared by the rules whose candidate events come from pairings inside
    windows (TwoStateStochastic, Cascade, BennaFusi): ``window_plus``, ``window_minus`` >= 0,
    ``w_low`` < ``w_high``, finite; sets the validated values on the (frozen) rule."""
    from .. import _validate as V
    for name in ("window_plus", "window_minus"):
        object.__setattr__(rule, name, V.non_negative(f"{owner}.{name}", getattr(rule, name)))
    for name in ("w_low", "w_high"):
        object.__setattr__(rule, name, V.finite(f"{owner}.{name}", getattr(rule, name)))
    if rule.w_high <= rule.w_low:
        raise ValueError(f"{owner}.w_high must be > w_low = {rule.w_low!r} (got {rule.w_high!r})")


def window_steps(rule, owner: str, dt: float) -> tuple[int, int]:
    """``(window_plus, window_minus)`` in whole steps of ``dt``, refused past MAX_WINDOW_STEPS."""
    for name in ("window_plus", "window_minus"):
        if not getattr(rule, name) / dt <= MAX_WINDOW_STEPS:
            raise ValueError(f"{owner}.{name} must be in [0, {MAX_WINDOW_STEPS * dt:g}] s "
                             f"({MAX_WINDOW_STEPS:g} steps of dt = {dt:g} s) (got {getattr(rule, name)!r})")
    return round(rule.window_plus / dt), round(rule.window_minus / dt)
