"""Where compiled kernels live, and how a kernel file is trusted before it is imported.

The folder is ``$HEBBLAB_CACHE/kernels`` if that variable is set, else ``kernels`` under the
user's cache directory (platformdirs: ``$XDG_CACHE_HOME/hebblab``, by default
``~/.cache/hebblab`` on Linux, ``~/Library/Caches/hebblab`` on macOS). The kernel files in it are
Python that hebblab runs and numba's cache beside them (``__pycache__``, or ``NUMBA_CACHE_DIR``)
is loaded with pickle, so anyone who can write there can run code as the user: the folders (and
any parents hebblab creates) are made private (mode 0700), a folder that others can write to,
that is a link or that belongs to someone else is refused, and a kernel runs only from the
source hebblab generated for it: the file must hold exactly that source (a truncated, garbled or
edited file is rewritten, with numba's compilation of it removed) and the module is compiled
from the verified string, so no ``.pyc`` is read. What this cannot stop: someone who can write
as you (your own account) can change anything you run.

Compile times are recorded in ``compile_times.json`` so the "compiling kernels" message can say
about how long the first run of a new network structure takes.
"""

from __future__ import annotations

import json
import os
import stat
import statistics
from pathlib import Path

COMPILE_LOG = "compile_times.json"
KEEP_TIMES = 20


class CacheError(RuntimeError):
    """The kernel cache folder cannot be used safely."""


def cache_root() -> Path:
    """The folder holding hebblab's caches (not created)."""
    base = os.environ.get("HEBBLAB_CACHE")
    if base:
        return Path(base)
    import platformdirs
    return Path(platformdirs.user_cache_dir("hebblab", appauthor=False))


def _mkdir_private(path: Path) -> None:
    """Create ``path`` and every missing parent with mode 0700 (whatever the umask)."""
    missing = []
    p = path
    while not os.path.lexists(p):
        missing.append(p)
        if p.parent == p:
            break
        p = p.parent
    for d in reversed(missing):
        try:
            os.mkdir(d, 0o700)
        except FileExistsError:
            pass
        os.chmod(d, 0o700)


def _private(path: Path) -> None:
    """Create ``path`` (mode 0700) or check that it is a real folder of the user's own that nobody
    else can write (one readable by others is made private)."""
    try:
        _mkdir_private(path)
    except OSError as exc:
        raise CacheError(f"kernel cache {path} cannot be created ({exc.strerror}); set HEBBLAB_CACHE to a "
                         "writable folder") from exc
    st = os.lstat(path)
    if stat.S_ISLNK(st.st_mode) or not stat.S_ISDIR(st.st_mode):
        raise CacheError(f"kernel cache {path} is not a folder (a link or a file); set HEBBLAB_CACHE to a folder "
                         "of your own")
    if hasattr(os, "getuid") and st.st_uid != os.getuid():
        raise CacheError(f"kernel cache {path} belongs to another user; set HEBBLAB_CACHE to a folder of your own")
    if st.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        raise CacheError(f"kernel cache {path} can be written by other users (mode {stat.S_IMODE(st.st_mode):o}): "
                         "its files are run as code; chmod go-w it or set HEBBLAB_CACHE to a private folder")
    if st.st_mode & 0o077:
        os.chmod(path, 0o700)


def kernel_dir() -> Path:
    """The kernel folder and its ``__pycache__`` (where numba keeps its compilations, which it
    loads with pickle), created private if missing (:class:`CacheError` if unsafe). A
    ``NUMBA_CACHE_DIR`` moves numba's files there: it is held to the same checks."""
    d = cache_root() / "kernels"
    _private(d)
    _private(d / "__pycache__")
    numba_dir = os.environ.get("NUMBA_CACHE_DIR")
    if numba_dir:
        _private(Path(numba_dir))
    return d


def load_kernel_module(name: str, path: Path, source: str):
    """Import the verified ``source`` as module ``name`` with ``path`` as its file (numba's cache
    finds its compilation beside it), by compiling the string itself: no ``.pyc`` of ``path`` is
    ever read."""
    import sys
    import types
    module = types.ModuleType(name)
    module.__file__ = str(path)
    sys.modules[name] = module
    try:
        exec(compile(source, str(path), "exec"), module.__dict__)
    except BaseException:
        sys.modules.pop(name, None)
        raise
    return module


def write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def _numba_files(path: Path) -> list[Path]:
    pyc = path.parent / "__pycache__"
    if not pyc.is_dir():
        return []
    stem = path.stem
    return [p for p in pyc.iterdir() if p.name.startswith(stem + ".") and p.suffix in (".nbi", ".nbc")]


def ensure_kernel_file(path: Path, source: str) -> bool:
    """Make ``path`` hold exactly ``source``; return True if it was (re)written. A file whose
    content differs (truncated, garbled, edited) is replaced and numba's cached compilation of
    it removed, so the next import compiles the true source."""
    try:
        if path.is_file() and not path.is_symlink() and path.read_text(encoding="utf-8") == source:
            return False
    except (OSError, UnicodeDecodeError):
        pass
    for p in _numba_files(path):
        p.unlink(missing_ok=True)
    if path.is_symlink() or path.exists() and not path.is_file():
        path.unlink()
    write_atomic(path, source)
    return True


def is_compiled(path: Path) -> bool:
    """Whether numba's on-disk cache already holds a compilation of the kernel in ``path``."""
    return any(p.suffix == ".nbi" for p in _numba_files(path))


def record_compile_time(seconds: float) -> None:
    log = kernel_dir() / COMPILE_LOG
    try:
        times = [float(x) for x in json.loads(log.read_text())][-KEEP_TIMES + 1:]
    except (OSError, ValueError, TypeError):
        times = []
    write_atomic(log, json.dumps(times + [round(float(seconds), 2)]))


def typical_compile_time() -> float | None:
    """Median of the recorded compile times (seconds), or None before the first."""
    try:
        times = [float(x) for x in json.loads((kernel_dir() / COMPILE_LOG).read_text())]
    except (OSError, ValueError, TypeError):
        return None
    return statistics.median(times) if times else None


def compile_message() -> str:
    typical = typical_compile_time()
    about = f"~{typical:.0f} s" if typical is not None else "10-60 s"
    return f"compiling kernels for a new network structure (once, {about})"


def info() -> dict:
    """Where the cache is, how many kernels it holds and how much disk they take."""
    root = cache_root() / "kernels"
    kernels = sorted(root.glob("hebblab_kernel_*.py")) if root.is_dir() else []
    files = [p for p in root.rglob("*") if p.is_file()] if root.is_dir() else []
    compiled = sum(1 for k in kernels if is_compiled(k))
    return {"path": str(root), "kernels": len(kernels), "compiled": compiled,
            "bytes": sum(p.stat().st_size for p in files), "typical_compile_s": typical_compile_time()}


def clear() -> int:
    """Remove every cached kernel (source and numba's compilation); return the number of files
    removed. Kernels are regenerated on the next run."""
    root = cache_root() / "kernels"
    if not root.is_dir():
        return 0
    n = 0
    for p in sorted(root.rglob("*"), reverse=True):
        if p.is_file() or p.is_symlink():
            p.unlink(missing_ok=True)
            n += 1
        elif p.is_dir():
            try:
                p.rmdir()
            except OSError:
                pass
    return n
