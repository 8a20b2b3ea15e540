"""What a compiled kernel inlines, and a digest of all of it: the kernel cache's key.

The generated loop imports the models' and rules' kernel pieces (``from MODULE import NAME``)
and numba inlines them, and whatever they call, into one compiled function. numba's on-disk
cache checks only the kernel file itself, so a cached kernel would keep running the old code
after any inlined module changed (a user editing the learning rate in their rule's file), and
two scripts each defining a rule in ``__main__`` would share one kernel. The kernel's name
therefore hashes its source together with the content of every module it can inline:

* the modules named in the generated source's import lines;
* transitively, every module that those modules' functions, numba dispatchers and module
  references come from, except numpy, numba, llvmlite, scipy and the standard library.

A module with a file is hashed by the file's bytes; one without (an interactive ``__main__``) by
the code objects of its functions and the values of its plain constants, which numba freezes
into compiled code.
"""

from __future__ import annotations

import hashlib
import re
import sys
import types

import numpy as np

#: Top-level packages whose code is not the user's or hebblab's (numba compiles them itself).
EXTERNAL = frozenset({"numpy", "numba", "llvmlite", "scipy", "builtins"}) | frozenset(sys.stdlib_module_names)

_IMPORT = re.compile(r"^from\s+([\w.]+)\s+import\s", re.M)
_FILE_DIGEST: dict[tuple, str] = {}


def imported_modules(src: str) -> list[str]:
    """Modules named in ``from MODULE import ...`` lines of generated source, in order."""
    return list(dict.fromkeys(_IMPORT.findall(src)))


def _is_external(name: str) -> bool:
    return name.split(".")[0] in EXTERNAL


def _code_digest(code: types.CodeType, h) -> None:
    h.update(code.co_code)
    h.update(repr(code.co_names).encode())
    for c in code.co_consts:
        if isinstance(c, types.CodeType):
            _code_digest(c, h)
        else:
            h.update(repr(c).encode())


def _module_digest(mod: types.ModuleType) -> str:
    path = getattr(mod, "__file__", None)
    if path and path.endswith(".py"):
        try:
            with open(path, "rb") as f:
                data = f.read()
        except OSError:
            data = None
        if data is not None:
            key = (path, len(data), hashlib.sha256(data).hexdigest())
            return _FILE_DIGEST.setdefault(key, key[2])
    h = hashlib.sha256(mod.__name__.encode())  # no file: hash what numba would compile from it
    for name in sorted(vars(mod)):
        value = vars(mod)[name]
        fn = getattr(value, "py_func", value)
        if isinstance(fn, types.FunctionType):
            h.update(name.encode())
            _code_digest(fn.__code__, h)
        elif isinstance(value, (bool, int, float, complex, str, bytes, tuple)):
            h.update(f"{name}={value!r}".encode())
        elif isinstance(value, np.ndarray):
            h.update(name.encode() + value.tobytes())
    return h.hexdigest()


def _dependencies(mod: types.ModuleType) -> set[str]:
    """Names of the modules whose functions or submodules ``mod`` refers to."""
    out = set()
    for value in list(vars(mod).values()):
        if isinstance(value, types.ModuleType):
            out.add(value.__name__)
            continue
        fn = getattr(value, "py_func", value)
        name = getattr(fn, "__module__", None) if callable(fn) else None
        if isinstance(name, str):
            out.add(name)
    return out


def inlined_digest(src: str) -> str:
    """Digest of every non-external module the kernel generated as ``src`` may inline."""
    todo = [m for m in imported_modules(src) if not _is_external(m)]
    seen: dict[str, str] = {}
    while todo:
        name = todo.pop()
        if name in seen or _is_external(name):
            continue
        mod = sys.modules.get(name)
        if mod is None:
            import importlib
            mod = importlib.import_module(name)
        seen[name] = _module_digest(mod)
        todo.extend(d for d in _dependencies(mod) if d not in seen)
    h = hashlib.sha256()
    for name in sorted(seen):
        h.update(f"{name}:{seen[name]};".encode())
    return h.hexdigest()
