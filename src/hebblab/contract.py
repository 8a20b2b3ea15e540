"""The checks a rule or a neuron model passes before the engine uses it.

Rules (``hebblab.plasticity.base.Rule``) and population models (``hebblab.neurons.base.Model``)
name a ``kernel_module`` that holds their kernel pieces. Those pieces are inlined into a
generated, numba-compiled loop, so a missing piece or a piece with the wrong arguments used to
surface only at ``net.run()`` as an ImportError or a typing error from the generated file. These
checks run when a model is added or a rule is connected (before the network changes) and raise
one :class:`ContractError` naming the model or rule, the piece and what is wrong.

The pieces and their arguments (the contract, also documented in the two base modules)::

    rule:   syn_pre(t, s, i, j, w, syn, pre, post, P, seed, stream[, vpre][, vpost]) -> new w
            syn_post(t, s, i, j, w, syn, pre, post, P, seed, stream[, vpre][, vpost]) -> new w
            pre_spike(t, j, pre, P[, vpre])
            post_spike(t, i, post, P[, vpost])
            transmit(w, P) -> x              (or ``transmit = None``: a spike delivers w)
            post_step(t, i, post, P[, vpost]) -> bool      (optional: every post neuron, every step)
            syn_step(t, s, i, j, w, syn, pre, post, P, seed, stream[, vpre][, vpost]) -> new w
                                             (optional, with post_step: every synapse onto post
                                             neuron i in a step where post_step returned True)
            reference(pre_times, post_times, w0, delay=0.0, dt=None, seed=0, stream=0, s=0,
                      pre_neuron=None, post_neuron=None)
                                             (a method of the rule class: its slow reference;
                                             optional to run, needed by check_rule)
    model:  update(t, S, I, E, C, P, spk) -> count
            reference_update(t, S, I, E, C, P) -> spikes

``vpre`` / ``vpost`` are there exactly when the rule declares neuron variables it reads
(``reads_pre`` / ``reads_post``, tuples of the names of the pre / post model's float variables):
a tuple with one 1-D array per declared name, in the declared order, over the pre / post
population (``vpost[0][i]``: the first declared variable of post neuron ``i``). The names are
checked against the models' ``float_vars`` when the rule is connected
(:func:`check_rule_reads`). A rule that reads neuron variables or has a per-step hook cannot be
``deferrable`` (deferred potentiation would read them at a later step).

Compiled pieces must be numba functions (``@njit``); the reference backend calls their
``py_func``.
"""

from __future__ import annotations

import functools
import importlib
import inspect
import math
import operator

RULE_PIECES = {"syn_pre": 11, "syn_post": 11, "pre_spike": 4, "post_spike": 4}
RULE_OPTIONAL = {"transmit": 2}
#: Pieces a rule may leave out entirely (absent or None): the per-step hooks.
RULE_HOOKS = {"post_step": 4, "syn_step": 11}
#: Which declared reads each piece receives, appended in this order: "pre" adds ``vpre``, "post" ``vpost``.
PIECE_READS = {"syn_pre": ("pre", "post"), "syn_post": ("pre", "post"), "syn_step": ("pre", "post"),
               "pre_spike": ("pre",), "post_spike": ("post",), "post_step": ("post",), "transmit": ()}
REFERENCE_ARGS = ("pre_times", "post_times", "w0", "delay", "dt", "seed", "stream", "s", "pre_neuron",
                  "post_neuron")
MODEL_PIECES = {"update": 7}
MODEL_PLAIN = {"reference_update": 6}


class ContractError(TypeError):
    """A rule or model that does not provide what the engine needs."""


def _n_args(fn) -> int | None:
    try:
        sig = inspect.signature(getattr(fn, "py_func", fn))
    except (TypeError, ValueError):
        return None
    params = list(sig.parameters.values())
    if any(p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD) for p in params):
        return None
    return len(params)


def _module(kind: str, cls: type, name=None):
    name = getattr(cls, "kernel_module", "") if name is None else name
    if not isinstance(name, str) or not name:
        raise ContractError(f"{kind} {cls.__name__}: kernel_module must name the module holding its kernel pieces")
    try:
        return importlib.import_module(name)
    except Exception as exc:  # the user's module may fail in any way
        raise ContractError(f"{kind} {cls.__name__}: kernel_module {name!r} cannot be imported "
                            f"({type(exc).__name__}: {exc})") from exc


def _piece(kind: str, cls: type, module, piece: str, n_args: int, compiled: bool, optional: bool = False):
    if not hasattr(module, piece):
        raise ContractError(f"{kind} {cls.__name__}: {module.__name__} has no {piece}(), a required kernel piece "
                            f"({n_args} arguments)")
    fn = getattr(module, piece)
    if fn is None and optional:
        return
    if not callable(fn):
        raise ContractError(f"{kind} {cls.__name__}: {module.__name__}.{piece} must be a function (got "
                            f"{type(fn).__name__})")
    if compiled and not hasattr(fn, "py_func"):
        raise ContractError(f"{kind} {cls.__name__}: {module.__name__}.{piece} must be a numba function "
                            f"(decorate it with @numba.njit)")
    got = _n_args(fn)
    if got != n_args:
        raise ContractError(f"{kind} {cls.__name__}: {module.__name__}.{piece} takes {got} arguments, the "
                            f"contract has {n_args}")


def _reads(cls, side: str) -> tuple:
    """The rule's declared ``reads_pre`` / ``reads_post``: a tuple of distinct variable names."""
    attr = f"reads_{side}"
    names = getattr(cls, attr, ())
    ok = isinstance(names, tuple) and all(isinstance(n, str) and n.isidentifier() for n in names)
    if not ok or len(set(names)) != len(names):
        raise ContractError(f"rule {cls.__name__}: {attr} must be a tuple of distinct names of the {side} "
                            f"neuron model's float variables, such as (\"v\",) (got {names!r})")
    return names


def arity(cls, piece: str) -> int:
    """Arguments of ``piece`` for rule class ``cls``: the base ones, plus ``vpre`` / ``vpost`` for
    each side the rule reads and the piece receives."""
    base = {**RULE_PIECES, **RULE_OPTIONAL, **RULE_HOOKS}[piece]
    return base + sum(1 for side in PIECE_READS[piece] if _reads(cls, side))


def hooks(module) -> tuple[bool, bool]:
    """Whether the rule module defines ``post_step`` and ``syn_step`` (absent or None: not used)."""
    return (getattr(module, "post_step", None) is not None, getattr(module, "syn_step", None) is not None)


def _check_pieces(cls: type, module) -> None:
    for piece in RULE_PIECES:
        _piece("rule", cls, module, piece, arity(cls, piece), compiled=True)
    for piece in RULE_OPTIONAL:
        _piece("rule", cls, module, piece, arity(cls, piece), compiled=True, optional=True)
    has_step, has_syn_step = hooks(module)
    for piece, present in zip(RULE_HOOKS, (has_step, has_syn_step)):
        if present:
            _piece("rule", cls, module, piece, arity(cls, piece), compiled=True)
    if has_syn_step and not has_step:
        raise ContractError(f"rule {cls.__name__}: {module.__name__} has syn_step() but no post_step(); syn_step "
                            "runs on the synapses of the post neurons whose post_step returned True")
    reads = _reads(cls, "pre") or _reads(cls, "post")
    if getattr(cls, "deferrable", False) and (reads or has_step):
        raise ContractError(f"rule {cls.__name__}: a rule that reads neuron variables or has post_step cannot be "
                            "deferrable (deferred potentiation would see them at a later step)")


@functools.lru_cache(maxsize=None)
def check_rule_class(cls: type) -> None:
    """Raise :class:`ContractError` unless ``cls`` declares a name, valid ``reads_pre`` /
    ``reads_post``, a kernel module with every piece at its arity, and a ``reference`` method
    with the uniform signature."""
    name = getattr(cls, "rule_name", "")
    if not isinstance(name, str) or not name:
        raise ContractError(f"rule {cls.__name__}: rule_name must be a non-empty string")
    _check_pieces(cls, _module("rule", cls))
    ref = getattr(cls, "reference", None)
    if ref is None:  # optional to run; hebblab.testing.check_rule needs it
        return
    params = list(inspect.signature(ref).parameters)[1:]
    if tuple(params[:len(REFERENCE_ARGS)]) != REFERENCE_ARGS:
        raise ContractError(f"rule {cls.__name__}: reference takes ({', '.join(params)}), the contract has "
                            f"({', '.join(REFERENCE_ARGS)})")


@functools.lru_cache(maxsize=None)
def _check_rule_module(cls: type, name) -> None:
    _check_pieces(cls, _module("rule", cls, name))


def check_rule_reads(rule, pre_model, post_model) -> None:
    """Raise :class:`ContractError` unless every variable ``rule`` reads is a float variable of
    the model on that side (called by ``Network.connect`` before the network changes). A pre
    variable that synaptic input writes (the model's ``input_rows``) is refused: it changes while
    the step's spikes are delivered, so what a piece reads would depend on the delivery order."""
    for side, model in (("pre", pre_model), ("post", post_model)):
        have = tuple(model.float_vars)
        for var in _reads(type(rule), side):
            if var not in have:
                raise ContractError(f"rule {type(rule).__name__} reads {side}-synaptic variable {var!r}, which "
                                    f"model {type(model).__name__} does not have (its float variables: "
                                    f"{', '.join(have) or 'none'})")
            if side == "pre" and model.input_mode is not None and have.index(var) in model.input_rows:
                raise ContractError(f"rule {type(rule).__name__} reads pre-synaptic variable {var!r} of model "
                                    f"{type(model).__name__}, which synaptic input writes during the step; "
                                    "read it on the post side or read a variable the update alone sets")


def read_rows(rule, pre_model, post_model) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Rows of the pre and post populations' float state that ``rule`` reads, in declared order."""
    cls = type(rule)
    return (tuple(tuple(pre_model.float_vars).index(v) for v in _reads(cls, "pre")),
            tuple(tuple(post_model.float_vars).index(v) for v in _reads(cls, "post")))


@functools.lru_cache(maxsize=None)
def check_model_class(cls: type) -> None:
    """Raise :class:`ContractError` unless ``cls``'s kernel module has ``update`` (numba) and
    ``reference_update`` (plain Python) at their arities."""
    module = _module("model", cls)
    for piece, n in MODEL_PIECES.items():
        _piece("model", cls, module, piece, n, compiled=True)
    for piece, n in MODEL_PLAIN.items():
        _piece("model", cls, module, piece, n, compiled=False)


def check_rule_instance(rule) -> None:
    """:func:`check_rule_class` plus the instance's layout (three integers >= 0) and bounds."""
    check_rule_class(type(rule))
    own = getattr(rule, "kernel_module", None)
    if own != type(rule).kernel_module:  # an instance may name another module for its settings
        _check_rule_module(type(rule), own)
    layout = rule.layout()
    bad = not isinstance(layout, (tuple, list)) or len(layout) != 3
    if not bad:
        try:
            bad = any(isinstance(k, bool) or operator.index(k) < 0 for k in layout)
        except TypeError:
            bad = True
    if bad:
        raise ContractError(f"rule {type(rule).__name__}: layout() must return three integers >= 0 (state columns "
                            f"per synapse, per pre neuron, per post neuron; got {layout!r})")
    lo, hi = rule.bounds()
    if not (math.isfinite(float(lo)) and math.isfinite(float(hi)) and float(lo) <= float(hi)):
        raise ContractError(f"rule {type(rule).__name__}: bounds() must return finite (low, high) with low <= high "
                            f"(got {(lo, hi)!r})")


def scalar_weight(rule, piece: str, value) -> float:
    """What the reference backend stores from ``syn_pre``/``syn_post``: one real number, or a
    :class:`ContractError` naming the rule and the piece (the compiled loop could not store
    anything else either)."""
    try:
        import numpy as np
        if np.ndim(value) != 0:
            raise ContractError(f"rule {type(rule).__name__}: {piece} must return one number, the new weight "
                                f"(got shape {np.shape(value)})")
        return float(value)
    except (TypeError, ValueError) as exc:
        if isinstance(exc, ContractError):
            raise
        raise ContractError(f"rule {type(rule).__name__}: {piece} must return one number, the new weight "
                            f"(got {type(value).__name__})") from exc
