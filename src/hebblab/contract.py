"""The checks a rule or a neuron model passes before the engine uses it.

Rules (``hebblab.plasticity.base.Rule``) and population models (``hebblab.neurons.base.Model``)
name a ``kernel_module`` that holds their kernel pieces. Those pieces are inlined into a
generated, numba-compiled loop, so a missing piece or a piece with the wrong arguments used to
surface only at ``net.run()`` as an ImportError or a typing error from the generated file. These
checks run when a model is added or a rule is connected (before the network changes) and raise
one :class:`ContractError` naming the model or rule, the piece and what is wrong.

The pieces and their arguments (the contract, also documented in the two base modules)::

    rule:   syn_pre(t, s, i, j, w, syn, pre, post, P, seed, stream) -> new w
            syn_post(t, s, i, j, w, syn, pre, post, P, seed, stream) -> new w
            pre_spike(t, j, pre, P)
            post_spike(t, i, post, P)
            transmit(w, P) -> x              (or ``transmit = None``: a spike delivers w)
            reference(pre_times, post_times, w0, delay=0.0, dt=None, seed=0, stream=0, s=0)
                                             (a method of the rule class: its slow reference;
                                             optional to run, needed by check_rule)
    model:  update(t, S, I, E, C, P, spk) -> count
            reference_update(t, S, I, E, C, P) -> spikes

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
REFERENCE_ARGS = ("pre_times", "post_times", "w0", "delay", "dt", "seed", "stream", "s")
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


@functools.lru_cache(maxsize=None)
def check_rule_class(cls: type) -> None:
    """Raise :class:`ContractError` unless ``cls`` declares a name, a kernel module with every
    piece at its arity, and a ``reference`` method with the uniform signature."""
    name = getattr(cls, "rule_name", "")
    if not isinstance(name, str) or not name:
        raise ContractError(f"rule {cls.__name__}: rule_name must be a non-empty string")
    module = _module("rule", cls)
    for piece, n in RULE_PIECES.items():
        _piece("rule", cls, module, piece, n, compiled=True)
    for piece, n in RULE_OPTIONAL.items():
        _piece("rule", cls, module, piece, n, compiled=True, optional=True)
    ref = getattr(cls, "reference", None)
    if ref is None:  # optional to run; hebblab.testing.check_rule needs it
        return
    params = list(inspect.signature(ref).parameters)[1:]
    if tuple(params[:len(REFERENCE_ARGS)]) != REFERENCE_ARGS:
        raise ContractError(f"rule {cls.__name__}: reference takes ({', '.join(params)}), the contract has "
                            f"({', '.join(REFERENCE_ARGS)})")


@functools.lru_cache(maxsize=None)
def _check_rule_module(cls: type, name) -> None:
    module = _module("rule", cls, name)
    for piece, n in RULE_PIECES.items():
        _piece("rule", cls, module, piece, n, compiled=True)
    for piece, n in RULE_OPTIONAL.items():
        _piece("rule", cls, module, piece, n, compiled=True, optional=True)


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
