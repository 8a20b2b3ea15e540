"""Plasticity rules, one per file, discoverable by name in :data:`RULES`."""

from .base import RULES, Rule, register_rule
from .benna_fusi import BennaFusi
from .binary_burst import BinaryBurst
from .bs2_binary import BS2Binary
from .calcium_bistable import CalciumBistable
from .bs2_cycle_hebbian3 import BS2CycleHebbian3
from .bs2_hebbian1 import BS2Hebbian1
from .bs2_hebbian2 import BS2Hebbian2
from .bs2_hebbian3 import BS2Hebbian3
from .cascade import Cascade
from .clopath import Clopath2010
from .burst_gated import BurstGatedBinary, abstract_event, binary_burst_one_burst_change
from .pair_stdp import PairSTDP
from .scatter import Scatter, calibrate_scatter
from .triplet import TripletSTDP
from .two_state import TwoStateStochastic

__all__ = ["RULES", "Rule", "register_rule", "PairSTDP", "Scatter", "calibrate_scatter", "TripletSTDP",
           "BinaryBurst", "TwoStateStochastic", "BS2Hebbian3", "BS2CycleHebbian3", "BS2Hebbian1",
           "BS2Hebbian2", "BS2Binary", "Cascade", "BennaFusi", "CalciumBistable", "BurstGatedBinary",
           "abstract_event", "binary_burst_one_burst_change", "Clopath2010"]
