"""hebblab.fixed_order: products summed in one order, so a seeded result is the same on every
machine (the README's generated block is compared with a fresh run, on whatever CPU runs it)."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from hebblab import fixed_order as F


def _plain_matmul(A, B):
    """Written out in the test: each entry summed over k from 0 up, in Python floats."""
    out = np.empty((A.shape[0], B.shape[1]))
    for i in range(A.shape[0]):
        for j in range(B.shape[1]):
            s = 0.0
            for k in range(A.shape[1]):
                s = s + float(A[i, k]) * float(B[k, j])
            out[i, j] = s
    return out


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_matmul_is_the_in_order_sum_bit_for_bit(seed):
    rng = np.random.default_rng(seed)
    A, B = rng.normal(size=(7, 33)), rng.normal(size=(33, 5)) * 1e3
    assert np.array_equal(F.matmul(A, B), _plain_matmul(A, B))
    assert np.allclose(F.matmul(A, B), A @ B, rtol=1e-12, atol=1e-9)


def test_matmul_broadcasts_leading_axes_like_numpy():
    rng = np.random.default_rng(3)
    A, B = rng.normal(size=(4, 1, 6, 3)), rng.normal(size=(5, 3, 2))
    got = F.matmul(A, B)
    assert got.shape == np.matmul(A, B).shape == (4, 5, 6, 2)
    assert np.allclose(got, np.matmul(A, B), rtol=1e-12)
    assert np.array_equal(got[2, 3], _plain_matmul(A[2, 0], B[3]))
    with pytest.raises(ValueError, match="inner dimensions"):
        F.matmul(A, rng.normal(size=(4, 2)))
    with pytest.raises(ValueError, match="2-D"):
        F.matmul(np.ones(3), np.ones((3, 1)))


def test_sum_axis_and_the_c_library_functions():
    rng = np.random.default_rng(4)
    x = rng.normal(size=(3, 4, 5))
    for axis in (-1, -2, 0):
        got = F.sum_axis(x, axis)
        assert got.shape == x.sum(axis=axis, keepdims=True).shape
        assert np.allclose(got, x.sum(axis=axis, keepdims=True), rtol=1e-13)
    assert F.sum_axis(x, -1)[1, 2, 0] == sum(float(v) for v in x[1, 2])  # in index order, exactly
    import math
    v = rng.normal(size=50) * 10
    assert [float(y) for y in F.exp(v)] == [math.exp(float(t)) for t in v]
    assert [float(y) for y in F.log(np.abs(v) + 1)] == [math.log(abs(float(t)) + 1) for t in v]


_RUN = """
import hashlib, json
from hebblab.experiments import EXPERIMENTS
from hebblab.experiments import backprop_precision as bp
exp = EXPERIMENTS["backprop-precision"]
config = exp.make_config("quick", dict(replicates=2, steps=300))
splits, p = bp.trained_networks(config, 5)  # the trained weights' bits, and what rounding them gives
digest = hashlib.sha256(b"".join(a.tobytes() for a in p))
digest.update(bp.logits(p, splits.Xte).tobytes())
print(json.dumps(digest.hexdigest()))
"""


def test_backprop_precision_gives_the_same_bits_whatever_blas_kernels_and_simd():
    """OpenBLAS's kernels (chosen by CPU) and numpy's AVX-512 paths change last bits; with them
    forced to differ, the experiment's numbers must not (they did: 69.0 against 68.9 %)."""
    from numpy._core._multiarray_umath import __cpu_features__ as have
    avx512 = " ".join(f for f in ("AVX512F", "AVX512CD", "AVX512_SKX") if have.get(f))  # only what this CPU has
    runs = [("Haswell", ""), ("Zen", avx512)] if have.get("AVX2") and have.get("FMA3") else []
    if have.get("AVX512F"):  # a kernel the CPU cannot run would stop the process (illegal instruction)
        runs.append(("SkylakeX", ""))
    if len(runs) < 2:
        pytest.skip("this CPU runs fewer than two of OpenBLAS's kernel sets")
    digests = set()
    for core, disable in runs:
        env = {**os.environ, "OPENBLAS_CORETYPE": core}
        env.pop("NPY_DISABLE_CPU_FEATURES", None)
        if disable:
            env["NPY_DISABLE_CPU_FEATURES"] = disable
        out = subprocess.run([sys.executable, "-c", _RUN], env=env, capture_output=True, text=True, timeout=600)
        assert out.returncode == 0, out.stderr[-2000:]
        digests.add(json.loads(out.stdout.strip().splitlines()[-1]))
    assert len(digests) == 1, digests
