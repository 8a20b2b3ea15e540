"""Units as plain float constants (SI base: seconds, volts, hertz).

hebblab stores every quantity as an SI float: ``20 * ms`` is ``0.02``. Weights are dimensionless.
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
