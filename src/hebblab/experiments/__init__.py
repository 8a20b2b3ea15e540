"""Experiments, one per file (DESIGN.md section 1), registered by name in :data:`EXPERIMENTS`."""

from .base import EXPERIMENTS, Experiment, ExperimentConfig, Result, register_experiment
from . import addressing, associative_memory, backprop_precision, binary_burst, song_abbott, stdp_window, use_drift, write_cost  # noqa: F401  (registers)

__all__ = ["EXPERIMENTS", "Experiment", "ExperimentConfig", "Result", "register_experiment"]
