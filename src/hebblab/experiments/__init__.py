"""Experiments, one per file (docs/architecture.md, "Experiments and the report"), registered by name in :data:`EXPERIMENTS`."""

from .base import EXPERIMENTS, Experiment, ExperimentConfig, Result, register_experiment
# registration order is the report's order
from . import stdp_window  # noqa: F401,E402  (each import registers its experiment)
from . import write_cost  # noqa: F401,E402
from . import use_drift  # noqa: F401,E402
from . import binary_burst  # noqa: F401,E402
from . import associative_memory  # noqa: F401,E402
from . import addressing  # noqa: F401,E402
from . import backprop_precision  # noqa: F401,E402
from . import song_abbott  # noqa: F401,E402
from . import memory_capacity  # noqa: F401,E402

__all__ = ["EXPERIMENTS", "Experiment", "ExperimentConfig", "Result", "register_experiment"]
