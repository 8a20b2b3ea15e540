"""Plasticity rules, one per file, discoverable by name in :data:`RULES`."""

from .base import RULES, Rule, register_rule
from .binary_burst import BinaryBurst
from .bs2_hebbian3 import BS2Hebbian3
from .pair_stdp import PairSTDP
from .scatter import Scatter, calibrate_scatter
from .triplet import TripletSTDP
from .two_state import TwoStateStochastic

__all__ = ["RULES", "Rule", "register_rule", "PairSTDP", "Scatter", "calibrate_scatter", "TripletSTDP",
           "BinaryBurst", "TwoStateStochastic", "BS2Hebbian3"]
