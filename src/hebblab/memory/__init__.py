"""The abstract memory stream: synapse models driven by candidate events, memory curves, theory."""

from . import models, theory
from .models import Analog, Markov
from .run import ages_grid, lifetime, run_stream

__all__ = ["Analog", "Markov", "ages_grid", "lifetime", "run_stream", "models", "theory"]
