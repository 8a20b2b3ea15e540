"""What an experiment is, and the registry the CLI and the report read.

An experiment is pure: ``run(config, seed, progress) -> Result`` and ``figures(result) ->
[(name, Figure)]`` (matplotlib's object API, no global state). Its config is a pydantic model
with ``quick`` and ``full`` presets; every field has a range, so bad input is refused with one
line naming the field.

Beside its results an experiment declares, once, what the report, ``hebblab show`` and the
README show of them:

* ``summary``: the headline numbers that matter, each with a label in words and a unit
  (:class:`Headline`);
* ``finding(result)``: one paragraph in words, with its numbers, intervals and the conditions
  under which they hold;
* ``captions``: for each figure name ``figures`` returns, a caption in words: what the figure
  shows and which claim of the article it tests (a figure may also be returned as
  ``(name, Figure, caption)``);
* ``verdicts(result[, others])``: for each claim of the article it decides (:mod:`hebblab.claims`), a
  :class:`Verdict` computed from the numbers by a criterion stated in words; a ``verdicts``
  with a parameter ``others`` also gets the other experiments' results of the same report, by
  name (:func:`hebblab.claims.decide`).

Headline values follow :mod:`hebblab.stats`: estimates over replicates ``{"mean", "ci95",
"n"}``, bounds ``{"at_least": v}``, or plain numbers whose kind (``deterministic``,
``closed-form``, ``published``, ``setting``) ``Result.kinds`` declares by dotted key.
"""

from __future__ import annotations

import typing
from dataclasses import dataclass, field
from typing import Any, Callable

from pydantic import BaseModel, ConfigDict, model_validator

EXPERIMENTS: dict[str, "Experiment"] = {}


def refuse(name: str, value, message: str):
    """Refuse a config value with one line naming ``name`` (a pydantic error located at it)."""
    from pydantic_core import InitErrorDetails, PydanticCustomError, ValidationError
    detail = InitErrorDetails(type=PydanticCustomError("inconsistent_setting", message.replace("{", "(").replace(
        "}", ")")), loc=(name,), input=value)
    raise ValidationError.from_exception_data("Config", [detail])


def _types(annotation) -> set:
    """Every plain type an annotation admits (through Optional, Union, tuple, Annotated, Literal)."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _types(typing.get_args(annotation)[0])
    if origin is typing.Literal:
        return {type(a) for a in typing.get_args(annotation)}
    if origin is None:
        return {annotation}
    out = set()
    for a in typing.get_args(annotation):
        if a is not Ellipsis:
            out |= _types(a)
    return out


def _items(value):
    return list(value) if isinstance(value, (list, tuple)) else [value]


def allowed_range(config: type["ExperimentConfig"], name: str) -> str:
    """The declared range of a config field in words (``100 <= n <= 10000``; ``each in (0, 200]`` for a
    tuple of bounded numbers; ``true or false``; ``one of ...``), or ``""`` when it declares none."""
    import annotated_types as at
    info = config.model_fields.get(name)
    if info is None:
        return ""

    def bounds(metadata, label):
        lo = next((("<=", m.ge) if isinstance(m, at.Ge) else ("<", m.gt)
                   for m in metadata if isinstance(m, (at.Ge, at.Gt))), None)
        hi = next((("<=", m.le) if isinstance(m, at.Le) else ("<", m.lt)
                   for m in metadata if isinstance(m, (at.Le, at.Lt))), None)
        if lo is None and hi is None:
            return ""
        left = f"{lo[1]:g} {lo[0]} " if lo else ""
        right = f" {hi[0]} {hi[1]:g}" if hi else ""
        return f"{left}{label}{right}"

    text = bounds(info.metadata, name)
    if text:
        return text
    ann = info.annotation
    if typing.get_origin(ann) is tuple:
        inner = typing.get_args(ann)[0]
        meta = []
        if typing.get_origin(inner) is typing.Annotated:
            for extra in typing.get_args(inner)[1:]:
                meta += list(getattr(extra, "metadata", [extra]))
        each = bounds(meta, "x")
        lengths = [m for m in info.metadata if isinstance(m, (at.MinLen, at.MaxLen))]
        n = ""
        if lengths:
            lo = next((m.min_length for m in lengths if isinstance(m, at.MinLen)), 0)
            hi = next((m.max_length for m in lengths if isinstance(m, at.MaxLen)), None)
            n = f"{lo} to {hi} values" if hi is not None else f"{lo} or more values"
        return ", ".join(x for x in (n, f"each {each}" if each else "") if x)
    if typing.get_origin(ann) is typing.Literal:
        return "one of " + ", ".join(repr(a) for a in typing.get_args(ann))
    if ann is bool:
        return "true or false"
    return ""


class ExperimentConfig(BaseModel):
    """Base of experiment configs: frozen, unknown keys refused, numbers finite, no booleans where
    numbers belong (``true`` is not 1.0) and no numbers where a boolean belongs."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    @model_validator(mode="before")
    @classmethod
    def _no_booleans_for_numbers(cls, data):
        if not isinstance(data, dict):
            return data
        for name, value in data.items():
            info = cls.model_fields.get(name)
            if info is None:
                continue  # unknown keys: refused by extra="forbid"
            types = _types(info.annotation)
            if bool in types:
                if types <= {bool, type(None)} and not (isinstance(value, bool) or value is None):
                    refuse(name, value, "must be true or false")
                continue
            items = _items(value)
            if any(isinstance(x, bool) for x in items):
                refuse(name, value, "must be a number, not true or false" if types & {int, float}
                       else "must not be true or false")
            if any(isinstance(x, int) and abs(x) > 2**63 for x in items):
                refuse(name, value, "number out of range")
        return data


@dataclass
class Result:
    """Headline numbers (nested dicts of values, by name), tables (name -> column -> values).

    ``kinds`` maps dotted headline keys of plain numbers to their kind (see module docstring);
    a plain number not named there is ``deterministic``.
    """

    headline: dict[str, Any]
    tables: dict[str, dict[str, list]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    kinds: dict[str, str] = field(default_factory=dict)

    def get(self, key: str):
        """The headline value at a dotted key (KeyError naming the key if absent)."""
        v: Any = self.headline
        for part in key.split("."):
            if not isinstance(v, dict) or part not in v:
                raise KeyError(f"no headline {key!r}")
            v = v[part]
        return v

    def all_kinds(self) -> dict[str, str]:
        """The kind of every headline value, by dotted key."""
        from ..stats import kind_of, leaves
        return {k: kind_of(v, self.kinds.get(k)) for k, v in leaves(self.headline)}


@dataclass(frozen=True)
class Headline:
    """A headline number as people read it: its dotted key, a label in words, a unit.

    ``percent``: the value is a fraction shown as a percentage. ``digits``: significant figures.
    """

    key: str
    label: str
    unit: str = ""
    percent: bool = False
    digits: int = 3

    def text(self, result: "Result") -> str:
        """The value in words; "not measured" where these settings give no value (a slope with too
        few readable points, for instance)."""
        from ..stats import fmt
        try:
            value = result.get(self.key)
        except KeyError:
            return "not measured under these settings"
        return fmt(value, self.digits, self.percent, self.unit)


VERDICTS = ("supported", "refuted", "qualified")


@dataclass(frozen=True)
class Verdict:
    """An experiment's verdict on one claim of the article (:data:`hebblab.claims.CLAIMS`).

    ``verdict``: supported, refuted, or qualified (true only under the stated ``conditions``).
    ``headline``: the dotted key of the deciding number in the experiment's results.
    ``criterion``: the rule, in words, by which that number gives the verdict.
    ``label``, ``unit``, ``percent``, ``digits``: how to show the deciding number where the
    experiment's ``summary`` does not declare it (as in :class:`Headline`).
    ``note``: a short statement shown beside the deciding number (README and report page), e.g.
    how a comparison synapse fares by the same criterion; it does not decide.
    """

    claim: str
    verdict: str
    headline: str
    criterion: str
    conditions: str
    label: str = ""
    unit: str = ""
    percent: bool = False
    digits: int = 3
    note: str = ""

    def __post_init__(self):
        if self.verdict not in VERDICTS:
            raise ValueError(f"verdict must be one of {VERDICTS} (got {self.verdict!r})")


@dataclass(frozen=True)
class Experiment:
    name: str
    question: str
    about: str
    config: type[ExperimentConfig]
    quick: dict
    full: dict
    run: Callable[..., Result]
    figures: Callable[[Result], list]
    summary: tuple = ()
    finding: Callable[[Result], str] | None = None
    verdicts: Callable[[Result], list] | None = None
    captions: dict = field(default_factory=dict)

    def make_config(self, size: str = "quick", overrides: dict | None = None) -> ExperimentConfig:
        base = dict(self.quick if size == "quick" else self.full)
        base.update(overrides or {})
        return self.config.model_validate(base)


def register_experiment(exp: Experiment) -> Experiment:
    """Register ``exp``; its ``run`` builds networks from the config's SI floats, so it runs inside
    ``hebblab.units.assume_si()`` (wherever it is called: the CLI, a sweep's worker, a resume)."""
    import dataclasses
    from ..units import takes_units
    if not getattr(exp.run, "_hebblab_si", False):
        run = takes_units()(exp.run)
        run._hebblab_si = True
        exp = dataclasses.replace(exp, run=run)
    EXPERIMENTS[exp.name] = exp
    return exp


def progress_bar(enabled: bool, total: int, description: str):
    """A rich progress bar, or a do-nothing stand-in when disabled."""
    if not enabled:
        return _NoBar()
    from rich import get_console
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
    bar = Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
                   TimeElapsedColumn(), TimeRemainingColumn(), transient=True, console=get_console())
    return _Bar(bar, total, description)


class _NoBar:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def advance(self, n: int = 1):
        pass


class _Bar(_NoBar):
    def __init__(self, bar, total, description):
        self.bar, self.total, self.description = bar, total, description

    def __enter__(self):
        self.bar.start()
        self.task = self.bar.add_task(self.description, total=self.total)
        return self

    def __exit__(self, *exc):
        self.bar.stop()
        return False

    def advance(self, n: int = 1):
        self.bar.advance(self.task, n)
