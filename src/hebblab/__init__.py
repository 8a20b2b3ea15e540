"""hebblab: a laboratory for how synapses learn in spiking networks.

>>> import hebblab as hl
>>> net = hl.Network(dt=0.1 * hl.ms, seed=1)
>>> pre = net.add(hl.SpikeSource(n=1, times=[0.010, 1.010], indices=[0, 0]))
>>> post = net.add(hl.SpikeSource(n=1, times=[0.015, 1.015], indices=[0, 0]))
>>> syn = net.connect(pre, post, rule=hl.rules.PairSTDP(a_plus=0.01, a_minus=0.0105), w=0.5)
>>> net.run(2.0)
>>> syn.w  # doctest: +SKIP
"""

from . import io
from .io.netfile import NetworkFileError, load
from . import plasticity as rules
from . import units
from .connectivity import FixedProbability
from .distributions import Normal, Uniform
from .network import Network, Population, Projection
from .neurons import IF, LIF, MODELS, BurstSource, PoissonSource, SpikeSource, register_model
from .plasticity import RULES, Scatter, calibrate_scatter
from .poisson_input import PoissonInput
from .units import Hz, mV, ms, second

__version__ = "0.1.0"

__all__ = ["Network", "Population", "Projection", "LIF", "IF", "PoissonSource", "SpikeSource",
           "BurstSource", "PoissonInput", "FixedProbability", "Uniform", "Normal", "rules", "RULES", "Scatter",
           "calibrate_scatter", "units", "io", "load", "NetworkFileError", "MODELS", "register_model", "ms", "second",
           "Hz", "mV", "__version__"]
