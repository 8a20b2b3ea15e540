"""Neuron models and spike sources, one per file."""

from .base import Model
from .bs2_neuron import BS2Neuron
from .if_neuron import IF
from .lif import LIF
from .poisson import PoissonSource
from .spike_source import BurstSource, SpikeSource

__all__ = ["Model", "LIF", "IF", "PoissonSource", "SpikeSource", "BurstSource", "BS2Neuron"]
