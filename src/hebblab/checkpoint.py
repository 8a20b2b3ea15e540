"""Checkpoints of experiment runs: ``hebblab run NAME --checkpoint-every 60s`` and ``hebblab resume RUN_DIR``.

An experiment's ``run(config, seed)`` is deterministic, and experiments decompose into parts
seeded independently of what ran before them (replicates, phases, noise models). A part is
declared with :func:`unit`::

    learned = checkpoint.unit("learn", lambda: learn(config, ...))

With no checkpoint active (a plain ``hebblab run``, the report, tests) ``unit`` just calls the
function. With one active, a finished unit's value (numbers, strings, arrays, and dicts, lists and
tuples of them) is written, exactly, to the checkpoint folder; a resumed run executes ``run``
again from the start and every unit already written is read back instead of computed, so the
final results.json is byte for byte the uninterrupted run's.

Inside a long unit, :func:`stage` keeps the full simulation state: ``stage.save(net, progress)``
writes the network (:meth:`hebblab.Network.save`: every array, the step, the monitors' buffers,
the random counters) and the unit's own progress (the loop index, what it collected so far), and
``stage.restore()`` gives them back to the resumed run, which continues the loop where the saved
one was. A stage is deleted when its unit's value is written.

Writes happen when the interval (``--checkpoint-every``) has passed since the last write, at the
end of a unit or at a stage's ``save`` (units finished since the last write are written then
too; ``0s`` writes at every one). Every file is written to a temporary name, fsynced and renamed.
A kill (even SIGKILL) loses at most the work since the last write.

The folder: ``<out>/.<run folder name>.checkpoint/`` beside the run folder it will produce, with
``checkpoint.json`` (the experiment, resolved config, seed, hebblab version, a digest of
hebblab's code), ``units/*.zip`` and ``stages/*.zip``, and a lock held by the process running
it. ``hebblab resume`` refuses a checkpoint written by other code (the digest differs), since
its units might not be the ones this code computes. The folder is deleted when the run folder is
complete.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as _dt
import hashlib
import json
import math
import re
import shutil
import time
from pathlib import Path
from typing import Any, Callable

import numpy as np

FORMAT = "hebblab-checkpoint"
VERSION = 1
MANIFEST = "checkpoint.json"
LOCK = ".lock"
SUFFIX = ".checkpoint"
#: Longest --checkpoint-every (seconds).
MAX_EVERY_S = 7 * 24 * 3600.0

_ACTIVE: contextvars.ContextVar["Checkpoint | None"] = contextvars.ContextVar("hebblab_checkpoint", default=None)


class CheckpointError(ValueError):
    """A folder that is not a resumable run, or a checkpoint that cannot be used: one line."""


# ------------------------------------------------------------------------------------ durations

_DURATION = re.compile(r"^\s*(?P<x>\d+(?:\.\d*)?|\.\d+)\s*(?P<unit>ms|s|sec|m|min|h)\s*$")
_UNIT_S = {"ms": 1e-3, "s": 1.0, "sec": 1.0, "m": 60.0, "min": 60.0, "h": 3600.0}


def parse_duration(text: str, name: str = "--checkpoint-every") -> float:
    """Seconds from ``"60s"``, ``"2m"``, ``"1.5h"``, ``"500ms"`` (a number and a unit: ms, s, m, h;
    0 allowed: write at every unit); one ValueError naming ``name`` otherwise."""
    m = _DURATION.match(text) if isinstance(text, str) and len(text) < 40 else None
    if m is None:
        shown = repr(text) if len(str(text)) < 40 else repr(str(text)[:37] + "...")
        raise ValueError(f"{name} {shown}: expected a duration such as 60s, 2m or 1h (a number and a unit: "
                         "ms, s, m, h)")
    seconds = float(m["x"]) * _UNIT_S[m["unit"]]
    if not (math.isfinite(seconds) and seconds <= MAX_EVERY_S):
        raise ValueError(f"{name} {text!r}: must be at most {MAX_EVERY_S / 3600:g} h")
    return seconds


# --------------------------------------------------------------------------------- the value codec

def encode(value, arrays: dict, where: str = "value"):
    """``value`` as a JSON tree, arrays moved to ``arrays`` (named a0, a1, ...); decoded exactly
    (types included: a float64 scalar stays one, a tuple stays a tuple, dict keys of any of these)."""
    if value is None:
        return {"t": "none"}
    if isinstance(value, np.generic):  # first: np.float64 is also a float
        if value.dtype.kind not in "biufc":
            raise TypeError(f"checkpoint: {where} is a numpy {value.dtype} scalar, which a checkpoint does not hold")
        return {"t": "npscalar", "dtype": value.dtype.str, "hex": value.tobytes().hex()}
    if isinstance(value, bool):
        return {"t": "bool", "v": value}
    if isinstance(value, int):
        return {"t": "int", "v": value}
    if isinstance(value, float):
        return {"t": "float", "v": repr(float(value))}
    if isinstance(value, str):
        return {"t": "str", "v": value}
    if isinstance(value, np.generic):
        if value.dtype.kind not in "biufc":
            raise TypeError(f"checkpoint: {where} is a numpy {value.dtype} scalar, which a checkpoint does not hold")
        return {"t": "npscalar", "dtype": value.dtype.str, "hex": value.tobytes().hex()}
    if isinstance(value, np.ndarray):
        if value.dtype.kind not in "biufcU" or value.dtype.fields is not None:
            raise TypeError(f"checkpoint: {where} is an array of {value.dtype}, which a checkpoint does not hold")
        key = f"a{len(arrays)}"
        # the memory layout is kept (a reduction over a transposed array may round differently)
        transposed = not value.flags.c_contiguous and value.flags.f_contiguous
        stored = value.T if transposed else np.ascontiguousarray(value)
        arrays[key] = stored
        return {"t": "array", "k": key, "dtype": value.dtype.str, "shape": list(stored.shape), "T": transposed}
    if isinstance(value, (list, tuple)):
        return {"t": "list" if isinstance(value, list) else "tuple",
                "v": [encode(v, arrays, f"{where}[{i}]") for i, v in enumerate(value)]}
    if isinstance(value, dict):
        return {"t": "dict", "v": [[encode(k, arrays, f"{where} key"), encode(v, arrays, f"{where}[{k!r}]")]
                                   for k, v in value.items()]}
    raise TypeError(f"checkpoint: {where} is a {type(value).__name__}; a unit's value must be numbers, strings, "
                    "arrays, or dicts, lists and tuples of them")


def decode(tree, read_array: Callable[[str, np.dtype, tuple], np.ndarray]):
    t = tree["t"]
    if t == "none":
        return None
    if t in ("bool", "int", "str"):
        kind = {"bool": bool, "int": int, "str": str}[t]
        if type(tree["v"]) is not kind:
            raise ValueError(f"a {t} value holds {type(tree['v']).__name__}")
        return tree["v"]
    if t == "float":
        return float(tree["v"])
    if t == "npscalar":
        dtype = np.dtype(tree["dtype"])
        if dtype.kind not in "biufc":
            raise ValueError(f"scalar dtype {dtype}")
        return np.frombuffer(bytes.fromhex(tree["hex"]), dtype=dtype)[0]
    if t == "array":
        dtype = np.dtype(tree["dtype"])
        if dtype.hasobject or dtype.kind not in "biufcU":
            raise ValueError(f"array dtype {dtype}")
        arr = read_array(tree["k"], dtype, tuple(int(s) for s in tree["shape"]))
        return arr.T if tree.get("T") is True else arr
    if t in ("list", "tuple"):
        items = [decode(v, read_array) for v in tree["v"]]
        return items if t == "list" else tuple(items)
    if t == "dict":
        return {decode(k, read_array): decode(v, read_array) for k, v in tree["v"]}
    raise ValueError(f"unknown value tag {str(t)[:20]!r}")


def canonical(value, where: str = "value"):
    """``value`` as a checkpoint gives it back (fresh C- or Fortran-ordered arrays of numpy's own
    memory, the same types): what :func:`unit` returns with or without a checkpoint, so a run
    computes the same from a unit's value whether it was computed or read back."""
    arrays: dict = {}
    tree = encode(value, arrays, where)
    return decode(tree, lambda k, dtype, shape: np.array(arrays[k], dtype=dtype, order="C", copy=True))


def write_value(path: Path, key: str, value, extra_members=()) -> None:
    """One unit (or a stage's progress) in a zip: ``value.json`` and its arrays, plus ``extra_members``."""
    from .io.netfile import write_zip
    arrays: dict = {}
    tree = encode(value, arrays, key)
    members = [("value.json", json.dumps({"key": key, "value": tree}))]
    members += [(f"value/{k}.npy", a) for k, a in arrays.items()]
    write_zip(path, list(extra_members) + members)


def read_value(path: Path):
    """``(key, value)`` written by :func:`write_value` (every array read with its size checked; no pickle)."""
    from .io.netfile import Archive
    a = Archive(path, prefix="")
    try:
        info = a.members.get("value.json")
        if info is None:
            raise a.error("no value.json")
        with a.zip.open(info) as f:
            head = json.loads(f.read(64 << 20))
        if not isinstance(head, dict) or not isinstance(head.get("key"), str):
            raise a.error("value.json is not a unit")
        return head["key"], decode(head["value"], lambda k, dt, sh: a.array(f"value/{k}", dt, sh))
    finally:
        a.close()


# ------------------------------------------------------------------------------------ the folder

def code_digest() -> str:
    """A digest of hebblab's own code (every .py file of the package): a checkpoint is resumed only by
    the code that wrote it."""
    root = Path(__file__).resolve().parent
    h = hashlib.sha256()
    for p in sorted(root.rglob("*.py")):
        h.update(str(p.relative_to(root)).encode() + b"\0")
        h.update(p.read_bytes() + b"\0")
    return h.hexdigest()[:20]


def checkpoint_folder(out: Path, run_name: str) -> Path:
    return out / f".{run_name}{SUFFIX}"


def _file_name(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()[:24] + ".zip"


class Checkpoint:
    """An active checkpoint folder (see the module docstring); hold it with ``with``."""

    def __init__(self, folder: Path, every_s: float):
        self.folder = Path(folder)
        self.every = float(every_s)
        self.last_write = time.monotonic()
        self.pending: list[tuple[str, Any]] = []
        self.stack: list[str] = []
        self.computed, self.reused = 0, 0
        (self.folder / "units").mkdir(parents=True, exist_ok=True)
        (self.folder / "stages").mkdir(exist_ok=True)
        for sub in ("units", "stages"):  # temporaries of a killed writer
            for p in (self.folder / sub).glob(".*.tmp"):
                p.unlink(missing_ok=True)
        self.done = {}
        for p in (self.folder / "units").glob("*.zip"):
            self.done[p.name] = p

    def due(self) -> bool:
        return time.monotonic() - self.last_write >= self.every

    def flush(self) -> None:
        for key, value in self.pending:
            write_value(self.folder / "units" / _file_name(key), key, value)
            (self.folder / "stages" / _file_name(key)).unlink(missing_ok=True)
        self.pending = []
        self.last_write = time.monotonic()

    def unit(self, key: str, compute: Callable[[], Any]):
        if not isinstance(key, str) or not key:
            raise ValueError(f"checkpoint.unit: a key must be a non-empty string (got {key!r})")
        full = "/".join(self.stack + [key])
        name = _file_name(full)
        if name in self.done:
            try:
                got_key, value = read_value(self.done[name])
                if got_key == full:
                    self.reused += 1
                    return value
            except (ValueError, KeyError, TypeError, OSError):
                pass  # a damaged unit is computed again
        self.stack.append(key)
        try:
            value = compute()
        finally:
            self.stack.pop()
        value = canonical(value, full)  # as a resumed run reads it back
        self.computed += 1
        self.pending.append((full, value))
        if self.due():
            self.flush()
        return value

    def stage(self) -> "Stage":
        if not self.stack:
            raise ValueError("checkpoint.stage: only inside a checkpoint.unit")
        return Stage(self, "/".join(self.stack))


class Stage:
    """The saved simulation state of one unit in progress (see the module docstring)."""

    def __init__(self, ck: "Checkpoint | None", key: str):
        self.ck, self.key = ck, key
        self.path = None if ck is None else ck.folder / "stages" / _file_name(key)

    def restore(self):
        """``(net, progress)`` from the last :meth:`save` of this unit, or None."""
        if self.path is None or not self.path.is_file():
            return None
        from .io.netfile import load
        try:
            key, progress = read_value(self.path)
            if key != self.key:
                return None
            net = load(self.path, prefix="network/")
        except (ValueError, KeyError, TypeError, OSError):
            return None  # a damaged stage: the unit starts again
        return net, progress

    def save(self, net, progress) -> bool:
        """Write ``net`` and ``progress`` if the checkpoint interval has passed; returns whether it wrote."""
        if self.ck is None or not self.ck.due():
            return False
        from .io.netfile import describe, entries
        header, arrays = describe(net)
        write_value(self.path, self.key, progress, entries(header, arrays, "network/"))
        self.ck.flush()
        return True


def unit(key: str, compute: Callable[[], Any]):
    """``compute()``, kept by the active checkpoint (module docstring): read back on resume."""
    ck = _ACTIVE.get()
    if ck is None:
        return canonical(compute(), key)
    return ck.unit(key, compute)


def stage() -> Stage:
    """The current unit's :class:`Stage` (a do-nothing one when no checkpoint is active)."""
    ck = _ACTIVE.get()
    if ck is None:
        return Stage(None, "")
    return ck.stage()


@contextlib.contextmanager
def active(folder: Path, every_s: float):
    """Make the checkpoint in ``folder`` active for the experiment code run inside."""
    ck = Checkpoint(folder, every_s)
    token = _ACTIVE.set(ck)
    try:
        yield ck
    except BaseException:
        with contextlib.suppress(Exception):
            ck.flush()  # a SIGTERM or ^C keeps what was finished
        raise
    finally:
        _ACTIVE.reset(token)


# ---------------------------------------------------------------------------- manifest and lock

def manifest(exp_name: str, config: dict, seed: int, every_s: float, run_name: str) -> dict:
    from . import __version__
    return dict(format=FORMAT, version=VERSION, experiment=exp_name, config=config, seed=seed,
                every_s=every_s, run_folder=run_name, hebblab_version=__version__, code=code_digest(),
                created=_dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"))


def write_manifest(folder: Path, info: dict) -> None:
    from .report import _write_atomic
    folder.mkdir(parents=True, exist_ok=True)
    _write_atomic(folder / MANIFEST, json.dumps(info, indent=1))


def read_manifest(folder: Path) -> dict:
    """The manifest of a checkpoint folder; CheckpointError (one line) when it is not one."""
    from .report import RunFolderError, read_json_file
    path = folder / MANIFEST
    if not path.is_file():
        raise CheckpointError(f"{folder}: not a resumable run (no {MANIFEST})")
    try:
        info = read_json_file(path)
    except RunFolderError as e:
        raise CheckpointError(f"{folder}: not a resumable run ({e})") from None
    if not isinstance(info, dict) or info.get("format") != FORMAT:
        raise CheckpointError(f"{folder}: not a resumable run ({MANIFEST} is not a hebblab checkpoint)")
    version = info.get("version")
    if not isinstance(version, int) or isinstance(version, bool):
        raise CheckpointError(f"{folder}: not a resumable run ({MANIFEST} has no version)")
    if version > VERSION:
        raise CheckpointError(f"{folder}: written by a newer hebblab (checkpoint version {version}; this one reads "
                              f"up to {VERSION}): upgrade hebblab to resume it")
    for key, kind in (("experiment", str), ("config", dict), ("seed", int), ("every_s", (int, float)),
                      ("run_folder", str), ("code", str), ("hebblab_version", str)):
        if not isinstance(info.get(key), kind) or isinstance(info.get(key), bool):
            raise CheckpointError(f"{folder}: not a resumable run ({MANIFEST}: {key} missing or of the wrong type)")
    return info


def find(path: Path) -> Path:
    """The checkpoint folder of ``path``: the folder itself, or the ``.NAME.checkpoint`` beside a run
    folder (which need not exist yet). CheckpointError when there is none."""
    path = Path(path)
    if path.name.startswith(".") and path.name.endswith(SUFFIX) and path.is_dir():
        return path
    beside = path.parent / f".{path.name}{SUFFIX}"
    if beside.is_dir():
        return beside
    if path.is_dir() and (path / MANIFEST).is_file():
        return path
    if (path / "COMPLETE").is_file():
        raise CheckpointError(f"{path}: not a resumable run (a complete run folder, and no checkpoint of it "
                              f"beside it: nothing to resume)")
    raise CheckpointError(f"{path}: not a resumable run (no checkpoint {beside.name} beside it; "
                          "hebblab run NAME --checkpoint-every 60s makes one)")


@contextlib.contextmanager
def locked(folder: Path):
    """Hold the checkpoint's lock; a second process is refused in one line."""
    from filelock import FileLock, Timeout
    lock = FileLock(str(folder / LOCK), thread_local=False)
    try:
        lock.acquire(timeout=0)
    except Timeout:
        raise CheckpointError(f"{folder}: another hebblab process is running this checkpoint") from None
    try:
        yield
    finally:
        lock.release(force=True)


def remove(folder: Path) -> None:
    shutil.rmtree(folder, ignore_errors=True)
