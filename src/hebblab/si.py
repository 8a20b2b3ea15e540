"""SI float constants for hebblab's own code (seconds, volts, hertz): ``20 * ms`` is ``0.02``.

hebblab stores every quantity as an SI float and its kernels compute in SI floats; a weight is a
number in its target variable's SI unit (or none). Its public API takes quantities with units instead (``hebblab.units``); its own
code, which already holds SI floats, passes them inside ``hebblab.units.assume_si()``.
"""

second = s = 1.0
ms = 1e-3
us = 1e-6
minute = 60.0
hour = 3600.0
Hz = 1.0
kHz = 1e3
volt = V = 1.0
mV = 1e-3
nS = 1e-9
pA = 1e-12
nA = 1e-9
MOhm = 1e6

__all__ = ["second", "s", "ms", "us", "minute", "hour", "Hz", "kHz", "volt", "V", "mV", "nS", "pA",
           "nA", "MOhm"]
