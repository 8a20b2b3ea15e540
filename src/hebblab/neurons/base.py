"""What every population model provides to the engine.

A model is a frozen dataclass of parameters (and ``n``). The engine keeps its state as explicit
arrays: ``S`` (float64, one row per float variable), ``I`` (int64, one row per integer variable),
``E`` (int64 2-D: event lists such as spike schedules), ``C`` (int64 scalars such as read
pointers) and ``P`` (float64 packed parameters, computed once per ``dt``).

Every model module defines two functions with the same contract:

* ``update(t, S, I, E, C, P, spk) -> count`` (numba): advance one step ``t``; write the indices of
  neurons that spiked at ``t`` in ascending order into ``spk[:count]``;
* ``reference_update(t, S, I, E, C, P) -> spikes`` (plain numpy), an independent implementation
  used by the reference backend.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
from numpy.typing import DTypeLike

from .. import _validate as V
from ..units import UnitChecked, mark_si

#: What ``Model.init_state`` returns: ``(S, I, E, C)`` (module docstring).
ModelState = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]


@dataclass(frozen=True)
class Model(metaclass=UnitChecked):
    """Base of neuron models and spike sources."""

    n: int

    #: The dimensioned parameters and their SI unit (``{"tau_m": "second", "v_rest": "volt"}``):
    #: given as quantities (``20 * hl.ms``), checked for dimension and stored as SI floats before
    #: ``__post_init__`` runs; a bare number is refused (hebblab.units).
    param_units: ClassVar[dict[str, str]] = {}
    #: The state variables that carry a unit (``{"v": "volt"}``): setting ``pop.v`` then takes a
    #: quantity (``-65 * hl.mV``) and refuses a bare number outside ``hl.units.assume_si()``.
    state_units: ClassVar[dict[str, str]] = {}

    float_vars: ClassVar[tuple[str, ...]] = ()
    int_vars: ClassVar[tuple[str, ...]] = ()
    #: Integer variables that only the compiled loop's own data structures use (the reference
    #: backend need not keep them; ``hebblab.testing.check_model`` does not compare them).
    internal_int_vars: ClassVar[tuple[str, ...]] = ()
    #: "split": positive weights add to row e, negative ones subtract from row i by magnitude;
    #: "signed": the signed weight is added to row e; None: a source; spikes delivered to it are dropped
    #: (plasticity still sees its spikes). The engine reads these (and ``float_vars``,
    #: ``current_row``) from the instance, so a model may make them properties of its parameters
    #: (LIF does: its rows and input mode depend on ``synapse``).
    input_mode: ClassVar[str | None] = None
    input_rows: ClassVar[tuple[int, int]] = (0, 0)
    #: Row that ``Network.inject(kind="voltage")`` kicks, and that ``kind="current"`` sets.
    kick_row: ClassVar[int] = -1
    current_row: ClassVar[int] = -1
    #: Whether ``P`` is stored in the network's precision (float32 networks then integrate in
    #: float32) rather than always float64.
    params_in_state_precision: ClassVar[bool] = False
    #: Module holding ``update`` and ``reference_update``.
    kernel_module: ClassVar[str] = ""
    #: Float variables the engine keeps for itself: readable, never set by users.
    internal_vars: ClassVar[tuple[str, ...]] = ()
    #: Parameters that may be one value per neuron (an array of n values) or a distribution
    #: (``hl.Uniform``, ``hl.Normal``) drawn per neuron by :meth:`resolve`; the model's
    #: ``__post_init__`` checks them (``hebblab._validate.neuron_param``) and its ``pack`` and
    #: kernels read them per neuron.
    per_neuron_params: ClassVar[tuple[str, ...]] = ()

    def _n(self) -> int:
        """Check and normalize ``n`` (an integral float such as 5.0 becomes 5)."""
        n = V.positive_int(f"{type(self).__name__}.n", self.n, V.MAX_N)
        object.__setattr__(self, "n", n)
        return n

    def state_bytes(self, dtype: DTypeLike) -> float:
        """Bytes a population of this model allocates (estimated before allocating): the state
        rows (built in float64, stored in ``dtype``), the integer rows, the spike buffer, and per
        parameter given per neuron (an array, or a distribution still to be drawn) its n values,
        the draw's temporaries and its row of the packed parameters."""
        itemsize = np.dtype(dtype).itemsize
        per = sum(1 for k in self.per_neuron_params if self._per_neuron_value(getattr(self, k)))
        return float(self.n) * (len(self.float_vars) * (8 + itemsize) + 8 * len(self.int_vars) + 8 + 24 * per)

    @staticmethod
    def _per_neuron_value(value) -> bool:
        from ..distributions import Normal, Uniform
        return isinstance(value, (Uniform, Normal)) or (value is not None and np.ndim(value) > 0)

    def init_state(self, dt: float, seed: int, stream: int) -> ModelState:
        """Return ``(S, I, E, C)`` for a fresh population."""
        raise NotImplementedError

    def pack(self, dt: float) -> np.ndarray:
        """Return the float64 parameter vector the kernels read."""
        raise NotImplementedError

    def validate_dt(self, dt: float) -> None:
        """Raise ValueError if this model cannot run at step ``dt``."""

    def drawn(self) -> tuple[str, ...]:
        """The per-neuron parameters given as distributions (drawn by :meth:`resolve`)."""
        from ..distributions import Normal, Uniform
        return tuple(k for k in self.per_neuron_params if isinstance(getattr(self, k), (Uniform, Normal)))

    def per_neuron(self) -> bool:
        """Whether any parameter holds one value per neuron (the kernels then read them per neuron)."""
        return any(np.ndim(getattr(self, k)) > 0 for k in self.per_neuron_params if getattr(self, k) is not None)

    def given_per_neuron(self) -> bool:
        """Whether any parameter is per neuron, or a distribution to be drawn per neuron."""
        return any(self._per_neuron_value(getattr(self, k)) for k in self.per_neuron_params)

    def resolve(self, seed: int, stream: int) -> "Model":
        """This model with every parameter given as a distribution drawn, one value per neuron,
        from the counter-based stream ``(seed, stream + j)``, j the parameter's place in
        ``per_neuron_params``, and checked as given values are: ``Network.add`` calls it with the
        network's seed before anything else. A model without distributions is itself."""
        drawn = {k: mark_si(self.drawn_values(k, getattr(self, k).sample(self.n, seed,
                                                                         stream + self.per_neuron_params.index(k))))
                 for k in self.drawn()}
        if not drawn:
            return self
        import dataclasses
        return dataclasses.replace(self, **drawn)

    def drawn_values(self, name: str, values: np.ndarray) -> np.ndarray:
        """What :meth:`resolve` keeps of the values drawn for parameter ``name`` (a model whose
        parameter takes whole numbers rounds them here)."""
        return values


#: Population models by name: what :func:`hebblab.load` finds a saved population's model in (a
#: file names a model, never a module to import). Built-in models are registered in
#: ``hebblab.neurons``; register your own with :func:`register_model` before loading a network
#: that uses it.
MODELS: dict[str, type] = {}


def register_model(cls: type) -> type:
    """Make a population model class loadable by name (``hebblab.neurons.MODELS``, keyed by its
    ``model_name`` attribute if it has one, else its class name); usable as a decorator. A name
    already taken by another class (a different module or qualified name) is refused."""
    if not (isinstance(cls, type) and issubclass(cls, Model)):
        raise TypeError(f"register_model: expected a subclass of hebblab.neurons.Model (got {cls!r})")
    name = getattr(cls, "model_name", None) or cls.__name__
    if not isinstance(name, str) or not name:
        raise ValueError(f"register_model: {cls.__name__}.model_name must be a non-empty string (got {name!r})")
    old = MODELS.get(name)
    if old is not None and old is not cls and (old.__module__, old.__qualname__) != (cls.__module__, cls.__qualname__):
        raise ValueError(f"register_model: the name {name!r} is taken by {old.__module__}.{old.__qualname__} "
                         f"(give {cls.__qualname__} a model_name of its own)")
    MODELS[name] = cls
    return cls


def model_name(model) -> str:
    """The registry name of a model instance or class."""
    cls = model if isinstance(model, type) else type(model)
    return getattr(cls, "model_name", None) or cls.__name__


def has_range_update(model: Model) -> bool:
    """Whether the model's kernel module can update a range of neurons (``update_range``), so a
    parallel run may split the population between threads."""
    return getattr(importlib.import_module(model.kernel_module), "update_range", None) is not None


def range_align(model: Model) -> int:
    """Parallel runs split the model's population at multiples of this (its ``RANGE_ALIGN``)."""
    return int(getattr(importlib.import_module(model.kernel_module), "RANGE_ALIGN", 1))
