"""The compiled backend: the whole time loop runs in one numba function.

The loop's source is generated per network structure (:mod:`.codegen`), written once to
the kernel cache (:mod:`.cache`: ``$HEBBLAB_CACHE`` or the user's cache directory, private,
verified before import) under a name that hashes the source and
the content of every module the kernel inlines (:mod:`.kernel_key`: the rules' and models'
modules, a user's own included, and what they call), and compiled with numba's on-disk cache, so a later process with the same
structure starts its first step without compiling. ``HEBBLAB_COMPILE`` (:mod:`hebblab.compile_mode`)
chooses whether the built-in pieces are inlined (the default) or called (shorter compiles); the
mode is part of the kernel's name. Python regains control only when ``run``
returns or a spike-monitor buffer is full.
"""

from __future__ import annotations

import hashlib
import logging
import time
from pathlib import Path

import numpy as np

from .. import compile_mode
from . import codegen
from .cache import (compile_message, ensure_kernel_file, is_compiled, kernel_dir, load_kernel_module,
                    record_compile_time)
from .kernel_key import inlined_digest

_LOADED: dict[str, object] = {}
log = logging.getLogger("hebblab")


def cache_dir() -> Path:
    """The kernel folder (:func:`hebblab.backends.cache.kernel_dir`: private, created if missing)."""
    return kernel_dir()


def kernel_for(net, parallel: bool = False):
    """The compiled loop for ``net``'s structure, and whether numba still has to compile it
    (no compilation of it in the on-disk cache yet)."""
    key = codegen.structure_key(net, parallel)
    if key in net._kernel_cache:
        return net._kernel_cache[key], False
    src = codegen.generate_parallel(net) if parallel else codegen.generate(net)
    # the compile mode changes what numba builds from the same source (pieces inlined or called)
    digest = hashlib.sha256((src + inlined_digest(src) + compile_mode.MODE).encode()).hexdigest()[:20]
    name = f"hebblab_kernel_{digest}"
    fresh = False
    if name not in _LOADED:
        path = cache_dir() / f"{name}.py"
        ensure_kernel_file(path, src)  # imported only if it holds exactly the generated source
        fresh = not is_compiled(path)
        module = load_kernel_module(name, path, src)
        _LOADED[name] = module.kernel
    net._kernel_cache[key] = _LOADED[name]
    return _LOADED[name], fresh


def _run_threads(kernel, net, t: int, stop: int, nthr: int, final: bool) -> int:
    """Run steps t..stop-1 on nthr threads (the compiled loop releases the GIL); returns the step
    they all stopped at.

    The helper threads are all started before any of them enters the compiled loop, whose
    barriers wait for every part: if the system cannot start one of them, none enters it, the
    started ones return at once and are joined, and the error is raised (no thread is left
    spinning at a barrier)."""
    import threading
    bar = np.zeros(16, np.int64)  # bar[0] arrivals, bar[1] generation (fresh for every call)
    cnt = np.zeros((len(net.populations), nthr), np.int64)
    out = [None] * nthr
    errors = []
    go = threading.Event()
    abort = []

    def part(c):
        try:
            out[c] = kernel(*codegen.arguments(net, t, stop, (nthr, c, bar, cnt), final))
        except BaseException as e:  # pragma: no cover - the kernel does not raise
            errors.append(e)

    def helper(c):
        go.wait()
        if not abort:
            part(c)

    threads = []
    try:
        for c in range(1, nthr):
            th = threading.Thread(target=helper, args=(c,), daemon=True)
            th.start()
            threads.append(th)
    except BaseException as e:
        abort.append(e)
        go.set()
        for th in threads:
            th.join()
        raise RuntimeError(f"run: could not start thread {len(threads) + 1} of {nthr} ({e}); "
                           "choose fewer threads") from e
    go.set()
    part(0)
    for th in threads:
        th.join()
    if errors:  # pragma: no cover
        raise errors[0]
    if len(set(out)) != 1:  # pragma: no cover - every thread evaluates the same stop condition
        raise RuntimeError(f"threads stopped at different steps: {out}")
    return out[0]


def run(net, t_start: int, t_stop: int, progress: bool = False, threads: int = 1) -> None:
    """Run steps ``t_start..t_stop-1``. ``threads`` > 1 runs the parallel loop on that many
    threads (codegen.generate_parallel); the result is the same for every value."""
    kernel, compiling = kernel_for(net, threads > 1)
    bar = None
    chunk = t_stop - t_start
    if compiling:
        log.info(compile_message())
    if progress:
        from rich import get_console
        from rich.progress import Progress
        bar = Progress(transient=True, console=get_console())
        bar.start()
        task = bar.add_task(compile_message() if compiling else "simulating", total=t_stop - t_start)
        chunk = max(1, (t_stop - t_start) // 50)
    if compiling:  # compile now, on a zero-step call, so the bar and the log time the compilation alone
        started = time.perf_counter()
        if threads > 1:
            _run_threads(kernel, net, t_start, t_start, threads, False)
        else:
            kernel(*codegen.arguments(net, t_start, t_start, None, False))
        record_compile_time(time.perf_counter() - started)
        if bar is not None:
            bar.update(task, description="simulating")
    try:
        t = t_start
        while t < t_stop:
            stop = min(t_stop, t + chunk)
            final = stop == t_stop  # the last call settles deferred potentiation
            if threads > 1:
                t_new = _run_threads(kernel, net, t, stop, threads, final)
            else:
                t_new = kernel(*codegen.arguments(net, t, stop, None, final))
            for m in net.spike_monitors:
                if m.count[0] and (t_new < stop or m.count[0] + m.source.n > m.capacity):
                    m.flush()
            if bar is not None:
                bar.update(task, completed=t_new - t_start)
            t = t_new
    finally:
        if bar is not None:
            bar.stop()
