"""What an experiment is, and the registry the CLI and the report read.

An experiment is pure: ``run(config, seed, progress) -> Result`` and ``figures(result) ->
[(name, Figure)]`` (matplotlib's object API, no global state). Its config is a pydantic model
with ``quick`` and ``full`` presets; every field has a range, so bad input is refused with one
line naming the field.
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
    """Headline numbers (nested dicts of numbers, by name), tables (name -> column -> values)."""

    headline: dict[str, Any]
    tables: dict[str, dict[str, list]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


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
