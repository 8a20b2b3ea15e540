"""hebblab: a laboratory for how synapses learn in spiking networks.

>>> import hebblab as hl
>>> net = hl.Network(dt=0.1 * hl.ms, seed=1)
>>> pre = net.add(hl.SpikeSource(n=1, times=[10, 1010] * hl.ms, indices=[0, 0]))
>>> post = net.add(hl.SpikeSource(n=1, times=[15, 1015] * hl.ms, indices=[0, 0]))
>>> syn = net.connect(pre, post, rule=hl.rules.PairSTDP(a_plus=0.01, a_minus=0.0105), w=0.5)
>>> net.run(2 * hl.second)
>>> syn.w  # doctest: +SKIP
"""

from . import io
from .io.netfile import NetworkFileError, load
from . import plasticity as rules
from . import units
from .units import UnitError, assume_si
from .connectivity import FixedProbability
from .distributions import Normal, Uniform
from .network import Network, Population, Projection
from .neurons import IF, LIF, MODELS, BurstSource, PoissonSource, SpikeSource, register_model
from .plasticity import RULES, Scatter, calibrate_scatter
from .poisson_input import PoissonInput

#: Unit names forwarded to hebblab.units (pint quantities, imported on first use).
_UNITS = ("ms", "second", "s", "us", "Hz", "kHz", "mV", "volt", "V", "nS", "pA", "nA", "MOhm", "minute", "hour")


def __getattr__(name: str):
    if name in _UNITS:
        return getattr(units, name)
    raise AttributeError(f"module 'hebblab' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_UNITS))


__version__ = "0.1.0"

__all__ = ["Network", "Population", "Projection", "LIF", "IF", "PoissonSource", "SpikeSource",
           "BurstSource", "PoissonInput", "FixedProbability", "Uniform", "Normal", "rules", "RULES", "Scatter",
           "calibrate_scatter", "units", "assume_si", "UnitError", "io", "load", "NetworkFileError", "MODELS",
           "register_model", *_UNITS, "__version__"]
