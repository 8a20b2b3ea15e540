r"""Float arithmetic whose results do not depend on the machine: the same bits on every x86-64 CPU.

numpy hands ``A @ B`` to OpenBLAS, which picks its kernels by CPU (Haswell, SkylakeX, Zen, ...),
and each kernel sums the products in its own order; numpy's ``exp`` and ``log`` take an AVX-512
path where the CPU has one. The results differ in the last bits from one machine to the next.
That is harmless for most numbers, but an experiment that rounds trained weights to a few bits
turns a last-bit difference into a different rounded weight and a different test image
classified: backprop-precision's seed-1 quick result moved from 69.0 % to 68.9 % between an
AVX2 and an AVX-512 machine (OpenBLAS ``SkylakeX`` against ``Haswell`` kernels).

Here every product is summed in one fixed order (over the inner index ``k``, ascending), with no
fused multiply-add and no reassociation (numba without fastmath), and ``exp``/``log`` go to the C
library's scalar functions, so a seeded run gives the same bits wherever it runs:

    matmul(A, B)[..., i, j] = (((A[..., i, 0] B[..., 0, j]) + A[..., i, 1] B[..., 1, j]) + ...)

Leading axes broadcast as in ``np.matmul``. It is slower than BLAS; use it where the bits matter.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, vectorize


@njit(cache=True)
def _matmul3(A, B, out):
    """``out[b] = A[b] @ B[b]`` for 3-D C-contiguous float64 arrays, summing over k in order."""
    n, m, K = A.shape
    p = B.shape[2]
    for b in range(n):
        for i in range(m):
            for j in range(p):
                out[b, i, j] = 0.0
            for k in range(K):
                a = A[b, i, k]
                for j in range(p):
                    out[b, i, j] = out[b, i, j] + a * B[b, k, j]
    return out


def matmul(A: np.ndarray, B: np.ndarray) -> np.ndarray:
    """``A @ B`` (float64, at least 2-D each, leading axes broadcast) in the fixed order of the
    module docstring."""
    A = np.asarray(A, dtype=np.float64)
    B = np.asarray(B, dtype=np.float64)
    if A.ndim < 2 or B.ndim < 2:
        raise ValueError(f"matmul: both operands must be at least 2-D (got {A.shape} and {B.shape})")
    if A.shape[-1] != B.shape[-2]:
        raise ValueError(f"matmul: inner dimensions differ ({A.shape} @ {B.shape})")
    lead = np.broadcast_shapes(A.shape[:-2], B.shape[:-2])
    m, K, p = A.shape[-2], A.shape[-1], B.shape[-1]
    a = np.ascontiguousarray(np.broadcast_to(A, lead + (m, K))).reshape(-1, m, K)
    b = np.ascontiguousarray(np.broadcast_to(B, lead + (K, p))).reshape(-1, K, p)
    out = np.empty((a.shape[0], m, p))
    return _matmul3(a, b, out).reshape(lead + (m, p))


@vectorize(["float64(float64)"], cache=True)
def exp(x):
    """``e^x`` from the C library (the same function whatever SIMD the CPU has)."""
    return math.exp(x)


@vectorize(["float64(float64)"], cache=True)
def log(x):
    """Natural logarithm from the C library."""
    return math.log(x)


@njit(cache=True)
def _sum_last3(x, out):
    n, m, K = x.shape
    for b in range(n):
        for i in range(m):
            s = 0.0
            for k in range(K):
                s = s + x[b, i, k]
            out[b, i] = s
    return out


def sum_axis(x: np.ndarray, axis: int) -> np.ndarray:
    """``x.sum(axis=axis, keepdims=True)`` summed in index order (numpy's pairwise sum may block
    differently with the SIMD width)."""
    x = np.moveaxis(np.asarray(x, dtype=np.float64), axis, -1)
    shape = x.shape
    flat = np.ascontiguousarray(x).reshape(1, -1, shape[-1])
    out = _sum_last3(flat, np.empty(flat.shape[:2])).reshape(shape[:-1] + (1,))
    return np.moveaxis(out, -1, axis)
