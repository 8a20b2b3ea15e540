r"""Scatter: the trial-to-trial and synapse-to-synapse variability of STDP, calibrated to data.

Bi & Poo (1998, J. Neurosci. 18:10464, Fig. 7) paired pre and post 60 times at 1 Hz and measured
the EPSC change of each cell pair. Summary of their points, computed from the digitization of Fig. 7
described in ``shared/data/README.md`` (not numbers printed in the paper): for ``0 < dt <= 10 ms``
mean +52 %, SD 31 % (n = 14); for ``-25 <= dt < -3 ms`` mean -18 %, SD 12 % (n = 13). How much of
that spread is per-pairing noise and how much per-synapse gain is not known, so both are modelled:

* ``kind="pairing"``: every update is multiplied by ``1 + sigma * xi`` with a fresh standard normal
  xi. After n pairings the relative spread of the total is ``sigma / sqrt(n)``: it averages out.
* ``kind="synapse"``: every synapse has a fixed gain g, log-normal with mean 1 and SD sigma
  (``g = exp(s xi - s^2/2)``, ``s^2 = ln(1 + sigma^2)``), drawn once: it never averages out.

Calibration (:func:`calibrate_scatter`): with dt uniform in the bin and the mean change
``W(dt) = c exp(-|dt|/tau)`` scaled to the bin's mean m, the total change after n pairings is
``C = W g`` (synapse) or ``C = W (1 + sigma xibar)``, ``xibar ~ N(0, 1/n)`` (pairing), so

    Var C = E[W^2] (1 + sigma_s^2) - m^2          =>  sigma_s^2 = (SD^2 + m^2) / E[W^2] - 1
    Var C = Var W + E[W^2] sigma_p^2 / n          =>  sigma_p^2 = n sigma_s^2

with ``E[W^2] / m^2 = E[e^{-2|dt|/tau}] / E[e^{-|dt|/tau}]^2`` in closed form for uniform dt.
The calibration assumes additive updates away from the bounds and non-interacting pairings
(1 Hz against tau of tens of ms); the test simulates the protocol and checks the spread.

Calibration to a fitted window and a measurement floor (``calibrate_scatter(..., ltp_bin=,
ltd_bin=, amplitudes=, floor=)``): when the window's amplitude c is given (it need not put the
bin's mean at the data's mean) and each measured change carries independent measurement noise of
SD f (the floor, in percent), the bin's variance is
``SD^2 = E[W^2] (1 + sigma_s^2) - E[W]^2 + f^2`` with ``E[W] = c E[e^{-|dt|/tau}]`` and
``E[W^2] = c^2 E[e^{-2|dt|/tau}]``, so

    sigma_s^2 = (SD^2 - f^2 + E[W]^2) / E[W^2] - 1,      sigma_p^2 = n sigma_s^2.

Without ``amplitudes`` the window is scaled to the bin's mean (E[W] = m), which with f = 0 is the
formula above: the defaults reproduce the Bi & Poo 1998 calibration exactly.

Each side is calibrated on its own (:func:`calibrate_side`): a bin whose spread the window and the
floor already exceed has no noise SD, and that says nothing about the other side.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from .. import _validate as V
from ..si import ms
from ..units import takes_units

#: Bins of Bi & Poo 1998 Fig. 7 as computed from the digitized points (see the module docstring):
#: (dt_low, dt_high) in seconds, mean %, SD %, n.
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


def _sigma_synapse(bin_, tau: float, amplitude: float | None = None, floor: float = 0.0) -> float:
    """Relative SD of the per-synapse gain that gives ``bin_``'s SD (see module docstring)."""
    (low, high), mean, sd, _ = bin_
    m1, m2 = _exp_moments(low, high, tau)
    if amplitude is None:  # the window scaled to the bin's mean: E[W] = m
        ew, ew2 = abs(mean), m2 / m1**2 * mean**2
    else:
        ew, ew2 = amplitude * m1, amplitude**2 * m2
    s2 = (sd**2 - floor**2 + ew**2) / ew2 - 1.0
    if s2 < 0:
        raise ValueError(f"the bin's SD ({sd:.3g} %) is smaller than the spread of the window over the bin "
                         f"and the floor ({floor:.3g} %) alone")
    return math.sqrt(s2)


def calibrate_side(kind: str, n_pairings: int, tau: float, bin_, amplitude: float | None = None,
                   floor: float = 0.0) -> float:
    """Noise SD for one side of the window: ``sigma_s`` (``kind="synapse"``) or ``sigma_p = sqrt(n)
    sigma_s`` (``kind="pairing"``) that gives ``bin_ = ((dt_low, dt_high) in s, mean %, SD %, n)`` its
    SD after ``n_pairings``, for the window ``amplitude e^{-|dt|/tau}`` (None: scaled to the bin's
    mean) and a measurement floor of SD ``floor`` percent (module docstring). ValueError when the
    window and the floor alone already spread the bin more than its SD."""
    V.one_of("kind", kind, ("pairing", "synapse"))
    V.positive_int("n_pairings", n_pairings)
    bin_ = _check_bin("bin", bin_)
    V.non_negative("floor", floor)
    amp = None if amplitude is None else V.positive("amplitude", float(amplitude))
    s = _sigma_synapse(bin_, V.positive("tau", tau), amp, floor)
    return s * math.sqrt(n_pairings) if kind == "pairing" else s


def _check_bin(name: str, bin_) -> tuple:
    try:
        (low, high), mean, sd, n = bin_
        low, high, mean, sd = float(low), float(high), float(mean), float(sd)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be ((dt_low, dt_high) in s, mean %, SD %, n)") from None
    if not (math.isfinite(low) and math.isfinite(high) and low != high and (low >= 0) == (high >= 0)):
        raise ValueError(f"{name}: the bin must be a finite interval on one side of dt = 0")
    V.finite(f"{name} mean", mean)
    V.non_negative(f"{name} SD", sd)
    return (low, high), mean, sd, n


@takes_units(tau_plus="second", tau_minus="second")
def calibrate_scatter(kind: str, n_pairings: int = 60, tau_plus: float = TAU_PLUS,
                      tau_minus: float = TAU_MINUS, *, ltp_bin: tuple[float, float] = BI_POO_LTP_BIN,
                      ltd_bin: tuple[float, float] = BI_POO_LTD_BIN,
                      amplitudes: tuple[float, float] | None = None, floor: float = 0.0) -> tuple[float, float]:
    """Noise SDs ``(sigma_plus, sigma_minus)`` that reproduce a bin's spread after ``n_pairings``.

    ``kind`` is ``"pairing"`` or ``"synapse"``; see the module docstring for the derivation.
    Defaults: the Bi & Poo 1998 bins (:data:`BI_POO_LTP_BIN`, :data:`BI_POO_LTD_BIN`) and time
    constants (:data:`TAU_PLUS`, :data:`TAU_MINUS`), the window scaled to each bin's mean, no
    floor. ``ltp_bin`` / ``ltd_bin``: ``((dt_low, dt_high) in s, mean %, SD %, n)`` of the data
    the noise must reproduce; ``amplitudes``: the window's ``(A+, A-)`` in percent (magnitudes)
    when it is a fit rather than scaled to the bin means; ``floor``: SD (percent) of measurement
    noise added to every measured change, removed from the spread before calibrating.
    """
    V.one_of("kind", kind, ("pairing", "synapse"))
    V.positive_int("n_pairings", n_pairings)
    ltp_bin, ltd_bin = _check_bin("ltp_bin", ltp_bin), _check_bin("ltd_bin", ltd_bin)
    V.non_negative("floor", floor)
    if amplitudes is None:
        a_plus = a_minus = None
    else:
        a_plus, a_minus = (V.positive(name, float(a)) for name, a in zip(("A+", "A-"), amplitudes))
    s_plus = _sigma_synapse(ltp_bin, V.positive("tau_plus", tau_plus), a_plus, floor)
    s_minus = _sigma_synapse(ltd_bin, V.positive("tau_minus", tau_minus), a_minus, floor)
    if kind == "pairing":
        return s_plus * math.sqrt(n_pairings), s_minus * math.sqrt(n_pairings)
    return s_plus, s_minus


#: Largest noise SD (relative to the mean update): log-normal gains stay finite.
SIGMA_MAX = 1e3


@dataclass(frozen=True)
class Scatter:
    """Noise model for STDP updates: ``kind`` "pairing" or "synapse" (see module docstring).

    ``sigma_plus`` / ``sigma_minus`` default to :func:`calibrate_scatter` for the kind.
    """

    kind: str = "pairing"
    sigma_plus: float | None = None
    sigma_minus: float | None = None

    def __post_init__(self):
        V.one_of("Scatter.kind", self.kind, ("pairing", "synapse"))
        cal = calibrate_scatter(self.kind)
        top = SIGMA_MAX
        sp = cal[0] if self.sigma_plus is None else V.in_range("Scatter.sigma_plus", V.non_negative("Scatter.sigma_plus", self.sigma_plus), 0.0, top)
        sm = cal[1] if self.sigma_minus is None else V.in_range("Scatter.sigma_minus", V.non_negative("Scatter.sigma_minus", self.sigma_minus), 0.0, top)
        object.__setattr__(self, "sigma_plus", float(sp))
        object.__setattr__(self, "sigma_minus", float(sm))
