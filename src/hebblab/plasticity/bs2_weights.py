"""Weight range shared by the Brain Simulator II rules: BS2 stores weights as float32, so any
finite float32 is a weight it can load (FutureAIGuru/BrainSimII, Synapse.cs: ``float weight``)."""

import numpy as np

WEIGHT_MAX = float(np.finfo(np.float32).max)
