"""How the compiled loop takes in the kernel pieces: ``HEBBLAB_COMPILE``, read once at import.

``optimized`` (the default): the built-in models' and rules' pieces are inlined into the loop at
numba's IR level (``inline="always"``), so LLVM optimises each rule inside the loop that calls it
(its parameter loads hoisted, its branches specialised). The fastest loop, but compile time
grows quickly with the size of the network's structure.

``fast``: the pieces are ordinary compiled functions the loop calls, each compiled once and kept in
numba's on-disk cache. Measured with ``benchmarks/compile_modes.py`` on one 2-core machine
(benchmarks/RESULTS.md, "Compile modes", 2026-12-01), empty caches: the test suite's mixed
network (every model and rule) compiled in 25 s instead of 43 s, the Song-Abbott and recurrent
networks in about the same time (7-15 s, mostly the pieces themselves); the loop then ran 1.8x
(Song-Abbott) and 1.5x (recurrent) slower.

Both modes compute the same operations in the same order: results are identical bit for bit
(``tests/test_compile_mode.py``). The test suite runs in ``fast`` mode (``tests/conftest.py``).
Users' own pieces are unaffected (they keep whatever ``inline`` option they were declared with).

A limit of ``fast`` for people who edit hebblab itself: numba's on-disk cache of a compiled
piece is keyed by the piece's own file, so after editing a file that a piece only calls into
(``plasticity/base.py``, ``rng.py``, ``pair_stdp.py`` for ``pair_stdp_causal``), the cached piece
keeps the old code. Remove numba's files of the package (``find src/hebblab -name "*.nbi" -o
-name "*.nbc" | xargs rm``) after such an edit. ``optimized`` is not affected (the kernel inlines
the pieces from their source and its name hashes every module it inlines); nor is CI, which
starts from a clean clone.
"""

from __future__ import annotations

import os

MODES = ("optimized", "fast")


def _read_mode() -> str:
    value = os.environ.get("HEBBLAB_COMPILE", "optimized")
    if value not in MODES:
        raise ValueError(f"HEBBLAB_COMPILE must be one of {', '.join(MODES)} (got {value!r})")
    return value


#: The mode of this process (fixed at import: numba reads ``inline`` when a function is declared).
MODE = _read_mode()

#: numba's ``inline`` option for the built-in kernel pieces.
INLINE = "always" if MODE == "optimized" else "never"
