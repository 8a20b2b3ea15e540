"""Units at the API boundary: ``hl.LIF(tau_m=20 * hl.ms)``, ``hl.Network(dt=0.1 * hl.ms)``.

A Brian2 or NEST user who writes ``hl.LIF(n=1, tau_m=20)`` means 20 ms; hebblab's kernels work in
SI floats and would read 20 s. So every dimensioned parameter of the public API takes a quantity
with a unit, checks its dimension and converts it to an SI float; a bare number is one clear
error naming the parameter and an example (``UnitError``, a ``ValueError``). The exceptions:

- ``0`` needs no unit (it is zero in every unit);
- values hebblab itself hands out in SI (``net.dt``, ``net.t``, a model's or rule's converted
  fields, ``proj.delay``) are marked as SI and may be passed back as they are;
- inside ``with hl.units.assume_si():`` bare numbers are read as SI (seconds, volts, hertz): for
  code that already holds SI floats, such as hebblab's own experiments and file loaders.

Quantities are pint's (``hl.ms`` is ``pint``'s millisecond in its application registry, so a
quantity made with ``pint.Quantity(20, "ms")`` works too; pint is imported on first use), or
Brian2's when Brian2 is imported (``20 * brian2.ms``). Internally everything stays SI floats:
the kernels never see a unit.

A model or a rule declares its dimensioned fields in ``param_units`` (a class attribute,
``{"tau_m": "second", "v_rest": "volt"}``; docs/extending.md); ``UnitChecked``, the metaclass of
``Model`` and ``Rule``, converts those fields when an instance is made, before the class's own
checks run.
"""

from __future__ import annotations

import abc
import contextlib
import contextvars
import dataclasses
import functools
import numbers
import sys
from typing import Any, Iterator

import numpy as np

#: The units hebblab's public names stand for (``hl.units.ms`` is pint's millisecond).
PUBLIC = {"second": "second", "s": "second", "ms": "millisecond", "us": "microsecond", "minute": "minute",
          "hour": "hour", "Hz": "hertz", "kHz": "kilohertz", "volt": "volt", "V": "volt", "mV": "millivolt",
          "nS": "nanosiemens", "pA": "picoampere", "nA": "nanoampere", "MOhm": "megaohm"}
#: For each SI unit a parameter may declare, the hebblab unit a message's example uses, and the
#: dimension in words.
EXAMPLE_UNIT = {"second": "hl.ms", "volt": "hl.mV", "hertz": "hl.Hz", "siemens": "hl.nS", "ampere": "hl.pA",
                "ohm": "hl.MOhm"}
DIMENSION_WORD = {"second": "a time", "volt": "a voltage", "hertz": "a rate", "siemens": "a conductance",
                  "ampere": "a current", "ohm": "a resistance", "1/volt": "per volt", "1/volt**2": "per volt squared"}

_ASSUME_SI: contextvars.ContextVar[bool] = contextvars.ContextVar("hebblab_assume_si", default=False)


class UnitError(ValueError):
    """A dimensioned parameter given without a unit or with the wrong one."""


class SIFloat(float):
    """A float hebblab produced in SI units (``net.dt``, ``net.t``, a converted parameter): accepted
    again where a unit is required. A whole multiple stays one (``100 * net.dt``), and so does the
    sum or difference of two (``net.t + net.dt``); any other arithmetic (``net.dt / 1e-3``) gives a
    plain float, refused where a unit is required. The mark does not record which unit."""

    __slots__ = ()

    def __reduce__(self):
        return (SIFloat, (float(self),))

    @staticmethod
    def _scalar(other) -> bool:
        return isinstance(other, (int, np.integer)) and not isinstance(other, bool)

    def __mul__(self, other):
        return SIFloat(float(self) * other) if self._scalar(other) else float.__mul__(self, other)

    def __rmul__(self, other):
        return SIFloat(other * float(self)) if self._scalar(other) else float.__rmul__(self, other)

    def __add__(self, other):
        return SIFloat(float(self) + other) if isinstance(other, SIFloat) else float.__add__(self, other)

    def __sub__(self, other):
        return SIFloat(float(self) - other) if isinstance(other, SIFloat) else float.__sub__(self, other)


class SIArray(np.ndarray):
    """An array hebblab produced in SI units (a model's per-neuron values): accepted again. Any
    arithmetic on it gives a plain array (``tau_m * 1000`` is no longer marked SI)."""

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        inputs = tuple(x.view(np.ndarray) if isinstance(x, SIArray) else x for x in inputs)
        if "out" in kwargs:
            kwargs["out"] = tuple(x.view(np.ndarray) if isinstance(x, SIArray) else x for x in kwargs["out"])
        return getattr(ufunc, method)(*inputs, **kwargs)


@contextlib.contextmanager
def assume_si() -> Iterator[None]:
    """Within this block, bare numbers given for dimensioned parameters are read as SI values
    (seconds, volts, hertz): ``with hl.units.assume_si(): hl.Network(dt=1e-4)``.

    The setting is a context variable: it holds in this thread (and in asyncio tasks started
    inside), not in threads, processes or dask workers started from here, which see the default
    (bare numbers refused). Do not ``yield`` from a generator inside the block: the caller would
    read bare numbers as SI while the generator is suspended."""
    token = _ASSUME_SI.set(True)
    try:
        yield
    finally:
        _ASSUME_SI.reset(token)


def takes_units(**units: str):
    """Decorator for a function of the public API that builds networks from SI floats inside: the
    named arguments (``takes_units(dt="second")``) are converted by :func:`to_si` when given (their
    defaults are SI), and the body runs inside :func:`assume_si`."""
    def decorate(fn):
        import inspect
        signature = inspect.signature(fn)

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            bound = signature.bind(*args, **kwargs)
            for name, unit in units.items():
                if name in bound.arguments:
                    bound.arguments[name] = plain(to_si(f"{fn.__name__}.{name}", bound.arguments[name], unit))
            with assume_si():
                return fn(*bound.args, **bound.kwargs)
        return wrapper
    return decorate


def named_si(name: str, value: Any, unit: str) -> Any:
    """For an argument whose name states its unit (``rate_hz``): a quantity converted (its dimension
    checked), a bare number taken in that unit as it is."""
    if value is None or not (_pint_quantity(value) or _brian2_quantity(value)):
        return value
    return plain(to_si(name, value, unit))


def assuming_si() -> bool:
    """True inside :func:`assume_si`."""
    return _ASSUME_SI.get()


@functools.lru_cache(maxsize=1)
def registry():
    """pint's application registry (imported on first use: about half a second)."""
    import pint
    return pint.get_application_registry()


def __getattr__(name: str):
    if name in PUBLIC:
        return getattr(registry(), PUBLIC[name])
    if name == "ureg":
        return registry()
    raise AttributeError(f"module 'hebblab.units' has no attribute {name!r}")


def _pint_quantity(value) -> bool:
    pint = sys.modules.get("pint")
    return pint is not None and isinstance(value, (pint.Quantity, pint.Unit))


def _brian2_quantity(value) -> bool:
    b2 = sys.modules.get("brian2.units.fundamentalunits")
    return b2 is not None and isinstance(value, b2.Quantity)


def _bare(value) -> bool:
    """A plain number, or an array or sequence of plain numbers, none of them marked SI."""
    if isinstance(value, (SIFloat, SIArray, bool)):
        return False
    if isinstance(value, numbers.Real) or (isinstance(value, np.ndarray) and value.dtype.kind in "biuf"):
        return True
    if isinstance(value, (list, tuple)):
        return len(value) > 0 and any(_bare(x) for x in value)
    return False


def _all_zero(value) -> bool:
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        return False
    return arr.size > 0 and bool(np.all(arr == 0.0))


def _show(value) -> str:
    text = repr(value) if not isinstance(value, np.ndarray) else np.array2string(value, threshold=6)
    return text if len(text) <= 60 else text[:57] + "..."


def _example(field: str, unit: str) -> str:
    special = {"dt": "dt=0.1 * hl.ms", "cycle_s": "cycle_s=1 * hl.ms", "duration": "net.run(1 * hl.second)",
               "delay": "delay=1.5 * hl.ms"}
    if field in special and unit == "second":
        return special[field]
    return {"second": f"{field}=20 * hl.ms", "volt": f"{field}=-70 * hl.mV", "hertz": f"{field}=10 * hl.Hz",
            "siemens": f"{field}=1 * hl.nS", "ampere": f"{field}=100 * hl.pA",
            "ohm": f"{field}=100 * hl.MOhm", "1/volt": f"{field}=1e-4 / hl.mV",
            "1/volt**2": f"{field}=1e-4 / hl.mV**2"}.get(unit, f"{field}=1 * hl.units.ureg.{unit}")


def _convert_quantity(name: str, value, unit: str, example: str | None = None):
    """A pint or Brian2 quantity (or a sequence of them) as SI magnitudes of ``unit``."""
    if _pint_quantity(value):
        import pint
        ureg = registry()
        if isinstance(value, pint.Unit):  # a bare unit such as hl.ms: one of it
            value = 1 * value
        try:
            ok = value.check(ureg.get_dimensionality(unit))
            if ok:
                return value.m_as(unit)
        except (pint.errors.PintError, AttributeError, TypeError, ValueError) as e:
            raise UnitError(f"{name}={_show(value)}: a quantity hebblab cannot read ({type(e).__name__}: "
                            f"{str(e).splitlines()[0][:80]}); use hebblab's units (hl.ms, hl.mV, ...)") from None
        raise UnitError(f"{name}={_show(value)} has the wrong dimension: it must be {DIMENSION_WORD.get(unit, unit)} "
                        f"(e.g. {example or _example(name.rsplit('.', 1)[-1], unit)}; got {value.units})")
    if _brian2_quantity(value):
        import brian2
        want = brian2.get_dimensions({"second": brian2.second, "volt": brian2.volt, "hertz": brian2.hertz,
                                      "siemens": brian2.siemens, "ampere": brian2.amp, "ohm": brian2.ohm,
                                      "1/volt": 1 / brian2.volt, "1/volt**2": 1 / brian2.volt ** 2}[unit])
        got = brian2.get_dimensions(value)
        if got is not want and got != want:
            raise UnitError(f"{name}={_show(value)} has the wrong dimension: it must be {DIMENSION_WORD.get(unit, unit)} "
                            f"(e.g. {example or _example(name.rsplit('.', 1)[-1], unit)}; got {got})")
        return np.asarray(value, dtype=float) if np.ndim(value) else float(np.asarray(value))
    if isinstance(value, (list, tuple)) and any(_pint_quantity(x) or _brian2_quantity(x) or isinstance(x, (list, tuple))
                                                for x in value):
        out = []
        for x in value:
            if isinstance(x, (list, tuple)):
                inner = _convert_quantity(name, x, unit, example)
                if inner is None and _bare(x) and not _all_zero(x) and not assuming_si():
                    raise UnitError(_bare_message(name, value, unit, example))
                out.append(x if inner is None else inner)
            elif _pint_quantity(x) or _brian2_quantity(x):
                out.append(_convert_quantity(name, x, unit))
            elif _bare(x) and not _all_zero(x) and not assuming_si():
                raise UnitError(_bare_message(name, value, unit, example))
            else:
                out.append(x)
        return out
    return None


def _plain_if_dimensionless(value):
    """A dimensionless pint quantity (``(5 * hl.ms) / (10 * hl.ms)``) as its plain magnitude."""
    if _pint_quantity(value) and not isinstance(value, sys.modules["pint"].Unit) and value.dimensionless:
        return value.m_as("")
    return value


def unit_of(name: str, value) -> str | None:
    """The SI unit (a key of DIMENSION_WORD) of a pint or Brian2 quantity; None for anything else
    (a dimensionless quantity included)."""
    if not (_pint_quantity(value) or _brian2_quantity(value)) or _plain_if_dimensionless(value) is not value:
        return None
    for unit in DIMENSION_WORD:
        try:
            _convert_quantity(name, value, unit)
        except UnitError:
            continue
        return unit
    raise UnitError(f"{name}={_show(value)}: hebblab has no parameter of this dimension (it takes "
                    f"{', '.join(DIMENSION_WORD.values())} or a plain number)")


#: What a weight (or a weight change) may be given in: the target variable's unit, which hebblab
#: does not track (a voltage jump, a conductance, a current) or none; never a time or a rate.
WEIGHT_UNITS = ("volt", "siemens", "ampere")


def weight_to_si(name: str, value: Any) -> Any:
    """A weight given as a quantity of a weight-like dimension (WEIGHT_UNITS) as its SI magnitude
    (a list of them element by element); a time, a rate or another dimension is a
    :class:`UnitError`; anything else unchanged."""
    if isinstance(value, (list, tuple)) and any(_pint_quantity(x) or _brian2_quantity(x) for x in value):
        return [weight_to_si(f"{name}[{k}]", x) for k, x in enumerate(value)]
    value = _plain_if_dimensionless(value)
    unit = unit_of(name, value)
    if unit is None:
        return value
    if unit not in WEIGHT_UNITS:
        raise UnitError(f"{name}={_show(value)} has the wrong dimension: a weight is a plain number or "
                        f"the target variable's unit (a voltage, a conductance, a current), not {DIMENSION_WORD[unit]}")
    return _convert_quantity(name, value, unit)


def dimensionless(name: str, value: Any) -> Any:
    """``value`` for a parameter that takes a plain number: a quantity with a dimension is refused."""
    value = _plain_if_dimensionless(value)
    if _pint_quantity(value) or _brian2_quantity(value):
        raise UnitError(f"{name}={_show(value)} takes a plain number, without a unit")
    return value


def any_to_si(name: str, value: Any) -> Any:
    """A quantity of any dimension hebblab knows as its SI magnitude (for weights, whose unit is the
    target variable's); anything else unchanged."""
    value = _plain_if_dimensionless(value)
    unit = unit_of(name, value)
    return value if unit is None else _convert_quantity(name, value, unit)


def to_si(name: str, value: Any, unit: str, example: str | None = None) -> Any:
    """``value`` (a quantity with a unit of the dimension of ``unit``) as an SI float, float array or
    list; a value marked SI, zero, None or a non-number (left to the parameter's own check) passes
    unchanged, and a bare number is a :class:`UnitError` outside :func:`assume_si`."""
    if value is None or isinstance(value, (SIFloat, SIArray)):
        return value
    converted = _convert_quantity(name, value, unit, example)
    if converted is not None:
        return converted
    if _bare(value) and not _all_zero(value) and not assuming_si():
        raise UnitError(_bare_message(name, value, unit, example))
    return value


def _bare_message(name: str, value, unit: str, example: str | None = None) -> str:
    field = name.rsplit(".", 1)[-1]
    return (f"{name}={_show(value)} has no unit: it must be {DIMENSION_WORD.get(unit, unit)}, e.g. "
            f"{example or _example(field, unit)} (bare numbers are read as SI only inside hl.units.assume_si())")


def mark_si(value: Any) -> Any:
    """``value`` marked as hebblab's own SI value (floats and float arrays; others unchanged)."""
    if isinstance(value, (bool, SIFloat, SIArray)) or value is None:
        return value
    if isinstance(value, numbers.Real):
        return SIFloat(value)
    if isinstance(value, np.ndarray) and value.dtype.kind == "f":
        return value.view(SIArray)
    if isinstance(value, tuple) and all(isinstance(x, numbers.Real) and not isinstance(x, bool) for x in value):
        return tuple(SIFloat(x) for x in value)
    return value


def plain(value: Any) -> Any:
    """An :class:`SIArray` as a plain ndarray (the compiled loop and numpy see plain arrays)."""
    return value.view(np.ndarray) if isinstance(value, SIArray) else value


def _init_names(cls) -> list[str]:
    return [f.name for f in dataclasses.fields(cls) if f.init]


class UnitChecked(abc.ABCMeta):
    """Metaclass that converts a dataclass's declared dimensioned fields (``param_units``) to SI
    floats as the instance is made, before its ``__post_init__`` checks run, and marks them SI
    afterwards (so ``dataclasses.replace`` and pickling pass them back unchanged)."""

    def __call__(cls, *args, **kwargs):
        units = getattr(cls, "param_units", None) or {}
        if not dataclasses.is_dataclass(cls):
            return super().__call__(*args, **kwargs)
        names = _init_names(cls)
        args = list(args)
        for k, name in enumerate(names[:len(args)]):
            args[k] = _field_to_si(cls, name, args[k], units.get(name))
        for name in kwargs:
            kwargs[name] = _field_to_si(cls, name, kwargs[name], units.get(name))
        with assume_si():  # the fields are SI now; __post_init__ may build other checked objects from them
            obj = super().__call__(*args, **kwargs)
        for name, unit in units.items():
            if unit == "1":
                continue
            value = getattr(obj, name, None)
            marked = mark_si(value)
            if marked is not value:
                object.__setattr__(obj, name, marked)
        return obj


def _field_to_si(cls, name: str, value, unit: str | None):
    """A declared field (``unit`` given) through :func:`to_si`; a quantity given for an undeclared
    one (a weight change ``a_plus=0.01 * hl.mV``, whose unit is the target variable's) as its SI
    magnitude; anything else unchanged."""
    from .distributions import Normal, Uniform
    if unit is None:
        return weight_to_si(f"{cls.__name__}.{name}", value)
    if unit == "1":
        return dimensionless(f"{cls.__name__}.{name}", value)
    if isinstance(value, (Uniform, Normal)):
        return value.in_unit(f"{cls.__name__}.{name}", unit)
    return to_si(f"{cls.__name__}.{name}", value, unit)


__all__ = ["UnitError", "UnitChecked", "SIFloat", "SIArray", "assume_si", "takes_units", "assuming_si", "to_si",
           "any_to_si", "unit_of", "mark_si", "plain", "registry",
           *PUBLIC]
