"""Low-level helpers for the compiled loop."""

from __future__ import annotations

import platform

from llvmlite import ir
from numba import njit, types
from numba.core import cgutils
from numba.core.extending import intrinsic

from ..compile_mode import INLINE


@intrinsic
def prefetch(typingctx, arr, idx):
    """Hint the CPU to load ``arr[idx]`` into cache (``llvm.prefetch``, read, high locality).

    Used by the potentiation loop, whose weight reads are scattered through the CSR arrays: asking
    for the weight a few synapses ahead hides part of the cache-miss latency. No effect on results.
    """
    sig = types.void(arr, idx)

    def codegen(context, builder, signature, args):
        ary = context.make_array(signature.args[0])(context, builder, args[0])
        ptr = builder.gep(ary.data, [args[1]])
        i8p = ir.IntType(8).as_pointer()
        i32 = ir.IntType(32)
        fn = builder.module.declare_intrinsic("llvm.prefetch", fnty=ir.FunctionType(ir.VoidType(), [i8p, i32, i32, i32]))
        builder.call(fn, [builder.bitcast(ptr, i8p), ir.Constant(i32, 0), ir.Constant(i32, 3), ir.Constant(i32, 1)])
        return context.get_dummy_value()

    return sig, codegen


def _elem_ptr(context, builder, aryty, ary, idx):
    a = context.make_array(aryty)(context, builder, ary)
    return builder.gep(a.data, [idx])


@intrinsic
def atomic_add(typingctx, arr, idx, val):
    """``old = arr[idx]; arr[idx] += val`` as one sequentially consistent atomic operation
    (int64 arrays); returns ``old``."""
    sig = types.int64(arr, idx, val)

    def codegen(context, builder, signature, args):
        ptr = _elem_ptr(context, builder, signature.args[0], args[0], args[1])
        v = context.cast(builder, args[2], signature.args[2], types.int64)
        return builder.atomic_rmw("add", ptr, v, "seq_cst")

    return sig, codegen


@intrinsic
def atomic_load(typingctx, arr, idx):
    """``arr[idx]`` read atomically (sequentially consistent; int64 arrays): a spin loop on it
    sees other threads' stores and cannot be hoisted out of the loop."""
    sig = types.int64(arr, idx)

    def codegen(context, builder, signature, args):
        ptr = _elem_ptr(context, builder, signature.args[0], args[0], args[1])
        return builder.load_atomic(ptr, "seq_cst", 8)

    return sig, codegen


@intrinsic
def atomic_store(typingctx, arr, idx, val):
    """``arr[idx] = val`` stored atomically (sequentially consistent; int64 arrays)."""
    sig = types.void(arr, idx, val)

    def codegen(context, builder, signature, args):
        ptr = _elem_ptr(context, builder, signature.args[0], args[0], args[1])
        v = context.cast(builder, args[2], signature.args[2], types.int64)
        builder.store_atomic(v, ptr, "seq_cst", 8)
        return context.get_dummy_value()

    return sig, codegen


@intrinsic
def yield_cpu(typingctx):
    """Give the core to another runnable thread (libc ``sched_yield``): a waiting thread does this
    after spinning a while, so a run with more threads than free cores still progresses."""
    sig = types.int32()

    def codegen(context, builder, signature, args):
        fn = cgutils.get_or_insert_function(builder.module, ir.FunctionType(ir.IntType(32), []), "sched_yield")
        return builder.call(fn, [])

    return sig, codegen


_X86 = platform.machine().lower() in ("x86_64", "amd64", "i386", "i686")


@intrinsic
def cpu_relax(typingctx):
    """A spin-wait hint (x86 ``pause``; nothing elsewhere): a waiting thread leaves the core's
    execution units to its hyper-threaded sibling, which may be the thread it waits for."""
    sig = types.void()

    def codegen(context, builder, signature, args):
        if _X86:
            fn = cgutils.get_or_insert_function(builder.module, ir.FunctionType(ir.VoidType(), []), "llvm.x86.sse2.pause")
            builder.call(fn, [])
        return context.get_dummy_value()

    return sig, codegen


#: Spins (atomic reads) before a waiting thread starts yielding its core.
SPINS_BEFORE_YIELD = 500


@njit(cache=True, inline=INLINE)
def barrier(bar, nthr, gen):
    """Wait until all ``nthr`` threads of a run reach their ``gen``-th barrier (a centralised
    sense-counting barrier: ``bar[0]`` counts arrivals, ``bar[1]`` is the generation). Returns
    ``gen + 1``. Writes before the barrier are visible to every thread after it (the atomics are
    sequentially consistent)."""
    if atomic_add(bar, 0, 1) == nthr - 1:
        atomic_store(bar, 0, 0)
        atomic_store(bar, 1, gen + 1)
    else:
        spins = 0
        while atomic_load(bar, 1) == gen:
            spins += 1
            cpu_relax()
            if spins > SPINS_BEFORE_YIELD:
                yield_cpu()
    return gen + 1


@njit(cache=True, nogil=True)
def ping_pong(flag, me, rounds):
    """Thread ``me`` (0 or 1) of a pair taking turns: wait until ``flag[0] == 2 r + me``, then
    increment it, ``rounds`` times. The benchmarks time this to see how far apart the host put
    two CPUs (benchmarks/_process.py)."""
    for r in range(rounds):
        want = 2 * r + me
        while atomic_load(flag, 0) != want:
            cpu_relax()
        atomic_store(flag, 0, want + 1)
