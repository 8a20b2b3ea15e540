r"""Scatter: the trial-to-trial and synapse-to-synapse variability of STDP, calibrated to data.

Bi & Poo (1998, J. Neurosci. 18:10464, Fig. 7) paired pre and post 60 times at 1 Hz and measured
the EPSC change of each cell pair. Summary of their points (cited facts, from the digitization
described in ``shared/data/README.md``): for ``0 < dt <= 10 ms`` mean +52 %, SD 31 % (n = 14); for
``-25 <= dt < -3 ms`` mean -18 %, SD 12 % (n = 13). How much of that spread is per-pairing noise
and how much per-synapse gain is not known, so both are modelled:

* ``kind="pairing"``: every update is multiplied by ``1 + sigma * xi`` with a fresh standard normal
  xi. After n pairings the relative spread of the total is ``sigma / sqrt(n)``: it averages out.
* ``kind="synapse"``: every synapse has a fixed gain g, log-normal with mean 1 and SD sigma
  (``g = exp(s xi - s^2/2)``, ``s^2 = ln(1 + sigma^2)``), drawn once: it never averages out.

Calibration (:func:`calibrate_scatter`): with dt uniform in the bin and the mean change
``W(dt) = c exp(-|dt|/tau)`` scaled to the published mean m, the total change after n pairings is
``C = W g`` (synapse) or ``C = W (1 + sigma xibar)``, ``xibar ~ N(0, 1/n)`` (pairing), so

    Var C = E[W^2] (1 + sigma_s^2) - m^2          =>  sigma_s^2 = (SD^2 + m^2) / E[W^2] - 1
    Var C = Var W + E[W^2] sigma_p^2 / n          =>  sigma_p^2 = n sigma_s^2

with ``E[W^2] / m^2 = E[e^{-2|dt|/tau}] / E[e^{-|dt|/tau}]^2`` in closed form for uniform dt.
The calibration assumes additive updates away from the bounds and non-interacting pairings
(1 Hz against tau of tens of ms); the test simulates the protocol and checks the spread.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from .. import _validate as V
from ..units import ms

#: Bi & Poo 1998 Fig. 7 summary: (dt_low, dt_high) in seconds, mean %, SD %, n.
BI_POO_LTP_BIN = ((0.0, 10 * ms), 52.0, 31.0, 14)
BI_POO_LTD_BIN = ((-25 * ms, -3 * ms), -18.0, 12.0, 13)
#: The exponential window time constants fitted to the Bi & Poo data (Bi & Poo 2001,
#: Annu. Rev. Neurosci. 24:139; as used by van Rossum et al. 2000 and Pfister & Gerstner 2006).
TAU_PLUS = 16.8 * ms
TAU_MINUS = 33.7 * ms


def _exp_moments(low: float, high: float, tau: float) -> tuple[float, float]:
    """E[e^{-|dt|/tau}] and E[e^{-2|dt|/tau}] for dt uniform on [low, high] (one sign)."""
    a, b = sorted((abs(low), abs(high)))
    width = b - a
    m1 = tau / width * (math.exp(-a / tau) - math.exp(-b / tau))
    m2 = tau / (2 * width) * (math.exp(-2 * a / tau) - math.exp(-2 * b / tau))
    return m1, m2


def _sigma_synapse(bin_, tau: float) -> float:
    (low, high), mean, sd, _ = bin_
    m1, m2 = _exp_moments(low, high, tau)
    ew2_over_m2 = m2 / m1**2
    s2 = (sd**2 + mean**2) / (ew2_over_m2 * mean**2) - 1.0
    if s2 < 0:
        raise ValueError("the published spread is smaller than the spread of dt alone")
    return math.sqrt(s2)


def calibrate_scatter(kind: str, n_pairings: int = 60, tau_plus: float = TAU_PLUS,
                      tau_minus: float = TAU_MINUS) -> tuple[float, float]:
    """Noise SDs ``(sigma_plus, sigma_minus)`` that reproduce the Bi & Poo 1998 spread.

    ``kind`` is ``"pairing"`` or ``"synapse"``; see the module docstring for the derivation.
    """
    V.one_of("kind", kind, ("pairing", "synapse"))
    V.positive_int("n_pairings", n_pairings)
    s_plus = _sigma_synapse(BI_POO_LTP_BIN, V.positive("tau_plus", tau_plus))
    s_minus = _sigma_synapse(BI_POO_LTD_BIN, V.positive("tau_minus", tau_minus))
    if kind == "pairing":
        return s_plus * math.sqrt(n_pairings), s_minus * math.sqrt(n_pairings)
    return s_plus, s_minus


@dataclass(frozen=True)
class Scatter:
    """Noise model for STDP updates: ``kind`` "pairing" or "synapse" (see module docstring).

    ``sigma_plus`` / ``sigma_minus`` default to :func:`calibrate_scatter` for the kind.
    """

    kind: str = "pairing"
    sigma_plus: float | None = None
    sigma_minus: float | None = None

    def __post_init__(self):
        V.one_of("kind", self.kind, ("pairing", "synapse"))
        cal = calibrate_scatter(self.kind)
        sp = cal[0] if self.sigma_plus is None else V.non_negative("sigma_plus", self.sigma_plus)
        sm = cal[1] if self.sigma_minus is None else V.non_negative("sigma_minus", self.sigma_minus)
        object.__setattr__(self, "sigma_plus", float(sp))
        object.__setattr__(self, "sigma_minus", float(sm))
