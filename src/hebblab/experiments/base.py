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
* ``verdicts(result)``: for each claim of the article it decides (:mod:`hebblab.claims`), a
  :class:`Verdict` computed from the numbers by a criterion stated in words.

Headline values follow :mod:`hebblab.stats`: estimates over replicates ``{"mean", "ci95",
"n"}``, bounds ``{"at_least": v}``, or plain numbers whose kind (``deterministic``,
``closed-form``, ``published``, ``setting``) ``Result.kinds`` declares by dotted key.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from pydantic import BaseModel, ConfigDict

EXPERIMENTS: dict[str, "Experiment"] = {}


class ExperimentConfig(BaseModel):
    """Base of experiment configs: frozen, unknown keys refused."""

    model_config = ConfigDict(extra="forbid", frozen=True)


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
        from ..stats import fmt
        return fmt(result.get(self.key), self.digits, self.percent, self.unit)


VERDICTS = ("supported", "refuted", "qualified")


@dataclass(frozen=True)
class Verdict:
    """An experiment's verdict on one claim of the article (:data:`hebblab.claims.CLAIMS`).

    ``verdict``: supported, refuted, or qualified (true only under the stated ``conditions``).
    ``headline``: the dotted key of the deciding number in the experiment's results.
    ``criterion``: the rule, in words, by which that number gives the verdict.
    ``label``, ``unit``, ``percent``, ``digits``: how to show the deciding number where the
    experiment's ``summary`` does not declare it (as in :class:`Headline`).
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

    def make_config(self, size: str = "quick", overrides: dict | None = None) -> ExperimentConfig:
        base = dict(self.quick if size == "quick" else self.full)
        base.update(overrides or {})
        return self.config.model_validate(base)


def register_experiment(exp: Experiment) -> Experiment:
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
