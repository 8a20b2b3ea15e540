"""Neuron models and spike sources, one per file."""

from .base import MODELS, Model, register_model
from .bs2_neuron import BS2Neuron
from .if_neuron import IF
from .lif import LIF
from .poisson import PoissonSource
from .spike_source import BurstSource, SpikeSource

for _cls in (LIF, IF, PoissonSource, SpikeSource, BS2Neuron):
    register_model(_cls)
del _cls

__all__ = ["Model", "MODELS", "register_model", "LIF", "IF", "PoissonSource", "SpikeSource", "BurstSource", "BS2Neuron"]
