"""Seeded, counter-based random numbers: ``(seed, stream, a, b) -> number``.

Every random number in hebblab is a pure function of a key, so the numba and the reference
backend draw identical numbers without sharing a generator state, a run split into several
``run`` calls draws the same numbers as one call, and changing one part of a network does not
shift the random numbers of another.

The mixing function is the SplitMix64 finaliser (Steele, Lea & Flood 2014, "Fast splittable
pseudorandom number generators", OOPSLA), applied in a chain over the four key words. Uniforms
take the top 53 bits; normals use Box-Muller on two uniforms of neighbouring keys.

The same functions run compiled (``*_nb``, for kernels) and on numpy arrays (plain names).
"""

from __future__ import annotations

import numpy as np
from numba import njit
from .compile_mode import INLINE

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_S30 = np.uint64(30)
_S27 = np.uint64(27)
_S31 = np.uint64(31)
_S11 = np.uint64(11)
_INV53 = 1.0 / 9007199254740992.0  # 2**-53
_TWO_PI = 6.283185307179586


@njit(cache=True, inline=INLINE)
def _mix_nb(z):
    z = (z ^ (z >> _S30)) * _M1
    z = (z ^ (z >> _S27)) * _M2
    return z ^ (z >> _S31)


@njit(cache=True)
def hash4_nb(seed, stream, a, b):
    """64-bit hash of four integer key words (compiled)."""
    h = _mix_nb(np.uint64(seed) + _GOLDEN)
    h = _mix_nb(h ^ (np.uint64(stream) + _GOLDEN))
    h = _mix_nb(h ^ (np.uint64(a) * _GOLDEN))
    h = _mix_nb(h ^ (np.uint64(b) + _M1))
    return h


@njit(cache=True, inline=INLINE)
def hash3_nb(seed, stream, a):
    """The first three rounds of :func:`hash4_nb`: ``hash4_nb(seed, stream, a, b) ==
    hash_last_nb(hash3_nb(seed, stream, a), b)`` bit for bit, so a loop over ``b`` with fixed
    ``(seed, stream, a)`` computes the common part once."""
    h = _mix_nb(np.uint64(seed) + _GOLDEN)
    h = _mix_nb(h ^ (np.uint64(stream) + _GOLDEN))
    return _mix_nb(h ^ (np.uint64(a) * _GOLDEN))


@njit(cache=True, inline=INLINE)
def hash_last_nb(h3, b):
    """The last round of :func:`hash4_nb` on a :func:`hash3_nb` prefix."""
    return _mix_nb(np.uint64(h3) ^ (np.uint64(b) + _M1))


@njit(cache=True)
def uniform_nb(seed, stream, a, b):
    """Uniform in (0, 1], never 0 (so that log(u) is finite)."""
    return (float(hash4_nb(seed, stream, a, b) >> _S11) + 1.0) * _INV53


@njit(cache=True)
def normal_nb(seed, stream, a, b):
    """Standard normal from Box-Muller over keys (a, 2b) and (a, 2b+1)."""
    u1 = uniform_nb(seed, stream, a, 2 * b)
    u2 = uniform_nb(seed, stream, a, 2 * b + 1)
    return np.sqrt(-2.0 * np.log(u1)) * np.cos(_TWO_PI * u2)


_INV32 = 1.0 / 4294967296.0  # 2**-32
_MASK32 = np.uint64(0xFFFFFFFF)
_S32 = np.uint64(32)


@njit(cache=True)
def normal_pair_nb(seed, stream, a, b):
    """Two independent standard normals from ONE hash of (a, b): Box-Muller on its two 32-bit
    halves (uniforms on a 2^-32 grid, so |z| < 6.7). Half the cost per normal of
    :func:`normal_nb`, for Monte Carlo loops that need many."""
    h = hash4_nb(seed, stream, a, b)
    u1 = (float(h >> _S32) + 1.0) * _INV32
    u2 = float(h & _MASK32) * _INV32
    r = np.sqrt(-2.0 * np.log(u1))
    return r * np.cos(_TWO_PI * u2), r * np.sin(_TWO_PI * u2)


def _u64(x) -> np.ndarray:
    return np.asarray(x).astype(np.int64).astype(np.uint64)


def _mix(z: np.ndarray) -> np.ndarray:
    z = (z ^ (z >> _S30)) * _M1
    z = (z ^ (z >> _S27)) * _M2
    return z ^ (z >> _S31)


def hash4(seed, stream, a, b) -> np.ndarray:
    """64-bit hash of four integer key words (numpy, broadcasting)."""
    seed, stream, a, b = np.broadcast_arrays(_u64(seed), _u64(stream), _u64(a), _u64(b))
    with np.errstate(over="ignore"):
        h = _mix(np.atleast_1d(seed) + _GOLDEN)
        h = _mix(h ^ (np.atleast_1d(stream) + _GOLDEN))
        h = _mix(h ^ (np.atleast_1d(a) * _GOLDEN))
        h = _mix(h ^ (np.atleast_1d(b) + _M1))
    return h.reshape(seed.shape)


def uniform(seed, stream, a, b) -> np.ndarray:
    """Uniform in (0, 1] for every key (numpy, broadcasting)."""
    return ((hash4(seed, stream, a, b) >> _S11).astype(np.float64) + 1.0) * _INV53


def normal(seed, stream, a, b) -> np.ndarray:
    """Standard normal for every key (numpy, broadcasting); equals :func:`normal_nb`."""
    b = np.asarray(b, dtype=np.int64)
    u1 = uniform(seed, stream, a, 2 * b)
    u2 = uniform(seed, stream, a, 2 * b + 1)
    return np.sqrt(-2.0 * np.log(u1)) * np.cos(_TWO_PI * u2)


# Stream numbers: one namespace per purpose, offset by the owning object's id.
STREAM_POISSON = 1 << 20
STREAM_PLASTICITY = 2 << 20
STREAM_INIT = 3 << 20
STREAM_DRIVE = 4 << 20  # Network.poisson_input drives, by creation index
STREAM_NEURON = 5 << 20  # neuron parameters drawn from distributions: + 64 x population index + parameter


# ---- ziggurat normals (Marsaglia & Tsang 2000, J. Stat. Softw. 5(8); 128 layers) -------------
#
# A 64-bit hash gives two normals: each uses 7 bits for the layer and 25 bits for a signed
# value (layer and value from separate bits, avoiding the correlation Doornik 2005 found in the
# original). About 98.8 % of draws cost one table lookup and a comparison; the rest take the
# wedge or tail path with further hashes of the same key (attempt number in the stream word).

def _zig_tables(n: int = 128, bits: int = 24):
    dn = 3.442619855899
    tn = dn
    vn = 9.91256303526217e-3
    m1 = float(1 << bits)
    q = vn / np.exp(-0.5 * dn * dn)
    kn = np.zeros(n, np.int64)
    wn = np.zeros(n)
    fn = np.zeros(n)
    kn[0] = int((dn / q) * m1)
    kn[1] = 0
    wn[0] = q / m1
    wn[n - 1] = dn / m1
    fn[0] = 1.0
    fn[n - 1] = np.exp(-0.5 * dn * dn)
    for i in range(n - 2, 0, -1):
        dn = np.sqrt(-2.0 * np.log(vn / dn + np.exp(-0.5 * dn * dn)))
        kn[i + 1] = int((dn / tn) * m1)
        tn = dn
        fn[i] = np.exp(-0.5 * dn * dn)
        wn[i] = dn / m1
    return kn, wn, fn


_ZK, _ZW, _ZF = _zig_tables()
_ZR = 3.442619855899
_M25 = np.uint64(0x1FFFFFF)
_M7 = np.uint64(0x7F)
_S25 = np.uint64(25)


@njit(cache=True, inline=INLINE)
def _zig_value(bits32):
    """(layer, signed value) from 32 random bits: 7 bits layer, 25 bits signed value."""
    iz = int(bits32 & _M7)
    hz = int((bits32 >> np.uint64(7)) & _M25) - (1 << 24)
    return iz, hz


@njit(cache=True)
def _zig_slow(seed, stream, a, b, iz, hz, which):
    """Wedge and tail of the ziggurat, drawing further bits from attempts 1, 2, ... of the key."""
    attempt = 1
    while True:
        x = hz * _ZW[iz]
        h = hash4_nb(seed, stream + (attempt << 40) + which, a, b)
        attempt += 1
        u1 = (float(h >> _S32) + 1.0) * _INV32
        u2 = (float(h & _MASK32) + 1.0) * _INV32
        if iz == 0:  # tail beyond r (Marsaglia 1964)
            xt = -np.log(u1) / _ZR
            y = -np.log(u2)
            if y + y >= xt * xt:
                return _ZR + xt if hz > 0 else -_ZR - xt
            continue
        if _ZF[iz] + u1 * (_ZF[iz - 1] - _ZF[iz]) < np.exp(-0.5 * x * x):
            return x
        iz, hz = _zig_value(np.uint64(int(u2 * 4294967296.0) & 0xFFFFFFFF))
        if abs(hz) < _ZK[iz]:
            return hz * _ZW[iz]


@njit(cache=True)
def normal_zig_pair_nb(seed, stream, a, b):
    """Two standard normals from one hash of (a, b), by the ziggurat method (fast path ~99 %)."""
    h = hash4_nb(seed, stream, a, b)
    iz, hz = _zig_value(h & _MASK32)
    z1 = hz * _ZW[iz] if abs(hz) < _ZK[iz] else _zig_slow(seed, stream, a, b, iz, hz, 0)
    iz, hz = _zig_value(h >> _S32)
    z2 = hz * _ZW[iz] if abs(hz) < _ZK[iz] else _zig_slow(seed, stream, a, b, iz, hz, 1 << 20)
    return z1, z2


def part_generator(seed: int, *keys: int) -> np.random.Generator:
    """A numpy Generator for one part of an experiment, keyed by ``(seed, *keys)`` (numpy's
    SeedSequence): parts keyed differently draw independent numbers, and a part's numbers do
    not depend on which parts ran before it (what checkpoint units rely on)."""
    return np.random.default_rng(np.random.SeedSequence([int(seed), *map(int, keys)]))
