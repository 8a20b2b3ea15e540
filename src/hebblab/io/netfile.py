"""A whole network in one file: ``net.save(path)`` and ``hebblab.load(path)``.

The file is a zip archive (numpy's ``.npz`` layout): one JSON member, ``network.json``, describes
the network (the format's name and version, the network's settings, every population's model by
registry name with its parameters, every projection's rule by registry name with its parameters,
the Poisson drives, monitors and pending injections), and one ``.npy`` member per state array
(``pop0.S``, ``proj1.w``, ``smon0.steps``, ...). The layout is documented in docs/save-format.md.
Loading the file and running on gives the weights, spikes, monitors and random draws of the run
that was never interrupted, bit for bit, on either backend and any number of threads.

Loading never executes code: arrays are read from their ``.npy`` headers with object dtypes
refused before a byte of data is read (nothing is unpickled), models and rules are found by name
in :data:`hebblab.neurons.MODELS` and :data:`hebblab.RULES` (never imported from a module the
file names: a model or rule of your own loads only once your code has registered it), and every
value passes the validation layer of the constructors (:mod:`hebblab._validate`) and the
network's own constructors (``Network``, ``add``, ``connect``, ``monitor``, ``inject``,
``poisson_input``) before the network is returned. Any problem is one :class:`NetworkFileError`
(a ValueError) naming the file and what is wrong; a missing or unreadable file is an OSError.

Writes are atomic: the archive is written to a temporary file beside ``path``, fsynced and
renamed over it, so ``path`` is at every instant the old file, the new file, or absent.
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import stat
import tempfile
import tokenize
import zipfile
import zlib
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from .. import _validate as V
from ..fsync import fsync_dir as _fsync_dir
from ..units import takes_units

#: What reading a damaged member can raise: zip and zlib errors, and numpy's .npy header parser's
#: (a damaged header is tokenized and evaluated as a literal: TokenError, SyntaxError, RecursionError).
READ_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError, OSError, ValueError, RuntimeError)
HEADER_ERRORS = READ_ERRORS + (SyntaxError, TypeError, tokenize.TokenError, RecursionError, MemoryError)

if TYPE_CHECKING:
    from ..network import Network

FORMAT = "hebblab-network"
#: The format version this hebblab writes and the newest it reads.
VERSION = 1
HEADER = "network.json"
#: Largest ``network.json`` read (bytes), deepest nesting, most members.
MAX_HEADER_BYTES = 64 << 20
MAX_DEPTH = 64
MAX_MEMBERS = 1_000_000
#: Largest ``.npy`` header read (bytes; numpy's own limit is 10,000).
MAX_NPY_HEADER = 10_000
#: Parameter classes that may appear nested in a model's or rule's parameters.
NESTED_PARAMS = ("Scatter",)
#: Tuples of numbers longer than this are stored as arrays rather than in the JSON.
TUPLE_IN_JSON = 16


class NetworkFileError(ValueError):
    """A network file that cannot be loaded: malformed, truncated, hostile or from a newer hebblab."""


# ---------------------------------------------------------------------------------------- writing

def _nested_classes() -> dict:
    from ..plasticity.scatter import Scatter
    return {"Scatter": Scatter}


def _encode(value, key: str, arrays: dict, where: str):
    """A parameter value as JSON, with arrays (and long tuples of numbers) moved to ``arrays``."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, (np.bool_,)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        x = float(value)
        return x if math.isfinite(x) else {"$float": repr(x)}
    if isinstance(value, np.ndarray):
        if value.dtype.kind not in "biuf":
            raise TypeError(f"save: {where} is an array of {value.dtype}, which the format does not hold")
        arrays[key] = np.ascontiguousarray(value)
        return {"$array": key}
    if isinstance(value, (tuple, list)):
        tag = "$tuple" if isinstance(value, tuple) else "$list"
        if len(value) > TUPLE_IN_JSON and all(isinstance(v, (int, float, np.integer, np.floating))
                                              and not isinstance(v, (bool, np.bool_)) for v in value):
            arrays[key] = np.asarray(value)
            return {tag + "_array": key}
        return {tag: [_encode(v, f"{key}.{i}", arrays, f"{where}[{i}]") for i, v in enumerate(value)]}
    if dataclasses.is_dataclass(value) and type(value).__name__ in _nested_classes() \
            and type(value) is _nested_classes()[type(value).__name__]:
        return {"$dataclass": type(value).__name__,
                "fields": {f.name: _encode(getattr(value, f.name), f"{key}.{f.name}", arrays, f"{where}.{f.name}")
                           for f in dataclasses.fields(value) if f.init}}
    raise TypeError(f"save: {where} is a {type(value).__name__}, which the format does not hold "
                    f"(numbers, strings, None, tuples, arrays and {', '.join(NESTED_PARAMS)})")


def _params(obj, key: str, arrays: dict, what: str) -> dict:
    return {f.name: _encode(getattr(obj, f.name), f"{key}.{f.name}", arrays, f"{what}.{f.name}")
            for f in dataclasses.fields(obj) if f.init}


def describe(net) -> tuple[dict, dict]:
    """``(header, arrays)``: everything :func:`save` writes."""
    from ..neurons.base import model_name
    arrays: dict[str, np.ndarray] = {}
    header: dict = {"format": FORMAT, "version": VERSION}
    from .. import __version__
    header["hebblab"] = __version__
    header["network"] = dict(dt=net.dt, seed=net.seed, backend=net.backend, dtype=np.dtype(net.dtype).name,
                             index=net.index, threads=net.threads, potentiation=net.potentiation, step=int(net.step))
    pops = []
    for k, pop in enumerate(net.populations):
        m = pop.model
        name = model_name(m)
        pops.append(dict(model=name, module=type(m).__module__, params=_params(m, f"pop{k}.param", arrays, name)))
        spec = _model_spec(m)
        for part in spec.saved:
            arrays[f"pop{k}.{part}"] = getattr(pop, part)
        injections = []
        for q, inj in enumerate(pop.injections):
            voltage = bool(inj.add.size and inj.add[0])
            injections.append(dict(kind="voltage" if voltage else "current"))
            arrays[f"pop{k}.inj{q}.steps"] = inj.steps
            arrays[f"pop{k}.inj{q}.indices"] = inj.indices
            arrays[f"pop{k}.inj{q}.values"] = inj.values
        pops[-1]["injections"] = injections
    header["populations"] = pops
    projs = []
    for k, j in enumerate(net.projections):
        if j.one_to_one:
            kind = "one_to_one"
        elif _is_all_to_all(j):
            kind = "all_to_all"
        else:
            kind = "explicit"
            arrays[f"proj{k}.pre_index"] = j.pre_index
            arrays[f"proj{k}.post_index"] = j.post_index
        rule = None
        if j.rule is not None:
            rule = dict(name=j.rule.rule_name, module=type(j.rule).__module__,
                        params=_params(j.rule, f"proj{k}.param", arrays, type(j.rule).__name__))
        projs.append(dict(pre=j.pre.index, post=j.post.index, rule=rule, delay=j.delay, delay_steps=j.delay_steps,
                          connectivity=kind, n_synapses=j.n_synapses))
        arrays[f"proj{k}.w"] = j.w
        if j.rule is not None:
            arrays[f"proj{k}.syn"] = j.syn
            arrays[f"proj{k}.pre_vars"] = j.pre_vars
            arrays[f"proj{k}.post_vars"] = j.post_vars
        arrays[f"proj{k}.queue"] = j.queue
        arrays[f"proj{k}.queue_n"] = j.queue_n
    header["projections"] = projs
    header["poisson_inputs"] = [dict(pop=d.pop.index, n=d.n, rate=d.rate, weight=d.weight, target=d.target)
                                for d in net.poisson_inputs]
    smons = []
    for k, m in enumerate(net.spike_monitors):
        smons.append(dict(pop=m.source.index))
        arrays[f"smon{k}.steps"] = m.steps
        arrays[f"smon{k}.i"] = m.i
    header["spike_monitors"] = smons
    stmons = []
    for k, m in enumerate(net.state_monitors):
        stmons.append(dict(target="projection" if m.is_weight else "population", index=m.target.index, var=m.var,
                           every=m.every))
        arrays[f"stmon{k}.indices"] = m.indices
        tsteps = np.concatenate(m._tchunks) if m._tchunks else np.zeros(0, np.int64)
        values = np.concatenate(m._chunks, axis=0) if m._chunks else np.zeros((0, m.indices.size), net.dtype)
        arrays[f"stmon{k}.t"] = tsteps.astype(np.int64)
        arrays[f"stmon{k}.values"] = values.astype(net.dtype, copy=False)
    header["state_monitors"] = stmons
    for name, arr in arrays.items():  # hl.load refuses non-finite state: refuse to write it
        if arr.dtype.kind == "f" and arr.size and not np.all(np.isfinite(arr)):
            bad = np.argwhere(~np.isfinite(arr))[0]
            raise ValueError(f"save: {name}{list(bad)} is {arr[tuple(bad)]!r}; a network whose state is not finite "
                             "cannot be saved (hebblab.load would refuse it)")
    return header, arrays


def _is_all_to_all(j) -> bool:
    n_pre, n_post = j.pre.n, j.post.n
    if j.n_synapses != n_pre * n_post:
        return False
    if not np.array_equal(j.indptr, np.arange(n_pre + 1, dtype=np.int64) * n_post):
        return False
    return bool(np.all(j.post_index.reshape(n_pre, n_post) == np.arange(n_post, dtype=j.post_index.dtype)))




def entries(header: dict, arrays: dict, prefix: str = "") -> list:
    """The members of a file holding ``header`` (as ``network.json``) and ``arrays`` (as
    ``NAME.npy``), each name after ``prefix``: what :func:`write_zip` takes."""
    out = [(prefix + HEADER, json.dumps(header, indent=1, allow_nan=False))]
    return out + [(f"{prefix}{name}.npy", arr) for name, arr in arrays.items()]


def write_zip(path, members, compress: bool = False) -> Path:
    """Write ``members`` (``(name, text or bytes or array)``; arrays as ``.npy``, never pickled) into
    a zip archive at ``path``, atomically (a temporary file beside it, fsync, rename, fsync of the
    folder): ``path`` is at every instant the old file, the new one, or absent."""
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{path.name}.", suffix=".tmp")
    method = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
    try:
        with os.fdopen(fd, "wb") as raw:
            with zipfile.ZipFile(raw, "w", compression=method, allowZip64=True) as z:
                for name, data in members:
                    if isinstance(data, np.ndarray):
                        with z.open(name, "w", force_zip64=True) as f:
                            np.lib.format.write_array(f, np.ascontiguousarray(data), allow_pickle=False)
                    else:
                        z.writestr(name, data)
            raw.flush()
            os.fsync(raw.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    _fsync_dir(folder)
    return path


def save(net, path, compress: bool = False) -> Path:
    """Write ``net`` (its structure, parameters and complete state) to ``path`` (see the module
    docstring); ``compress`` deflates the arrays (smaller, slower). Returns the path."""
    header, arrays = describe(net)
    return write_zip(path, entries(header, arrays), compress)


# ---------------------------------------------------------------------------------------- reading

class Archive:
    """The members of a network file, read with every size and type checked before allocating."""

    def __init__(self, path, label: str | None = None, prefix: str = ""):
        self.path = Path(path)
        self.label = label or str(path)
        self.prefix = prefix
        st = os.stat(self.path)  # a missing file is FileNotFoundError
        if not stat.S_ISREG(st.st_mode):
            raise self.error("not a regular file")
        try:
            self.zip = zipfile.ZipFile(self.path)
        except zipfile.BadZipFile as e:
            raise self.error(f"not a hebblab network file (not a zip archive: {e})") from None
        except READ_ERRORS as e:  # NotImplementedError (a RuntimeError): a zip version or method zipfile lacks
            raise self.error(f"not a readable zip archive ({type(e).__name__}: {e})") from None
        try:
            self._index(prefix)
        except BaseException:
            self.zip.close()
            raise

    def _index(self, prefix: str) -> None:
        infos = self.zip.infolist()
        if len(infos) > MAX_MEMBERS:
            raise self.error(f"{len(infos)} members (at most {MAX_MEMBERS})")
        self.members: dict[str, zipfile.ZipInfo] = {}
        seen: set[str] = set()
        for info in infos:
            if info.filename in seen:
                raise self.error(f"member {info.filename!r} appears twice")
            if info.flag_bits & 0x1:
                raise self.error(f"member {info.filename!r} is encrypted")
            if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
                raise self.error(f"member {info.filename!r} uses compression method {info.compress_type} "
                                 "(only stored and deflated are read)")
            seen.add(info.filename)
            if info.filename.startswith(prefix):
                self.members[info.filename[len(prefix):]] = info
        self.used: set[str] = set()

    def error(self, what: str) -> NetworkFileError:
        return NetworkFileError(f"{self.label}: {what}")

    def close(self):
        self.zip.close()

    def header(self) -> dict:
        info = self.members.get(HEADER)
        if info is None:
            raise self.error(f"no {HEADER} (not a hebblab network file)")
        if info.file_size > MAX_HEADER_BYTES:
            raise self.error(f"{HEADER} declares {info.file_size} bytes (at most {MAX_HEADER_BYTES})")
        self.used.add(HEADER)
        data = self._read(info, info.file_size)
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as e:
            raise self.error(f"{HEADER} is not UTF-8 text ({e})") from None
        try:
            header = json.loads(text, object_pairs_hook=_no_duplicates)
        except RecursionError:
            raise self.error(f"{HEADER} is nested too deeply") from None
        except ValueError as e:  # JSONDecodeError, and integers too long to convert
            raise self.error(f"{HEADER} is not valid JSON ({e})") from None
        if not isinstance(header, dict):
            raise self.error(f"{HEADER} must be a JSON object (got {type(header).__name__})")
        if _depth(header) > MAX_DEPTH:
            raise self.error(f"{HEADER} is nested deeper than {MAX_DEPTH} levels")
        return header

    def _read(self, info: zipfile.ZipInfo, n: int, fp=None) -> bytes:
        try:
            if fp is None:
                with self.zip.open(info) as f:
                    data = f.read(n + 1)
            else:
                data = fp.read(n)
        except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError, OSError, ValueError) as e:
            raise self.error(f"member {info.filename!r} is damaged or truncated ({type(e).__name__}: {e})") from None
        except RuntimeError as e:  # e.g. a password is required
            raise self.error(f"member {info.filename!r} cannot be read ({e})") from None
        if fp is None and len(data) != n:
            raise self.error(f"member {info.filename!r} holds {len(data)} bytes, its entry says {n}")
        if fp is not None and len(data) != n:
            raise self.error(f"member {info.filename!r} is truncated ({len(data)} of {n} data bytes)")
        return data

    def declared_bytes(self) -> int:
        return sum(i.file_size for i in self.members.values())

    def has(self, name: str) -> bool:
        return f"{name}.npy" in self.members

    def array(self, name: str, dtype, shape: tuple) -> np.ndarray:
        """Member ``name`` (``name.npy``) as a writable array of exactly ``dtype`` and ``shape``."""
        member = f"{name}.npy"
        info = self.members.get(member)
        if info is None:
            raise self.error(f"array {name} is missing")
        self.used.add(member)
        dtype = np.dtype(dtype)
        shape = tuple(int(s) for s in shape)
        n_bytes = dtype.itemsize * math.prod(shape)
        # the entry's declared size must be the array's: a zip bomb or a huge declared shape stops here
        if info.file_size > n_bytes + MAX_NPY_HEADER + 128:
            raise self.error(f"array {name} declares {info.file_size} bytes; a {dtype} array of shape {shape} "
                             f"needs {n_bytes}")
        try:
            f = self.zip.open(info)
        except READ_ERRORS as e:
            raise self.error(f"member {member!r} cannot be opened ({type(e).__name__}: {e})") from None
        with f:
            try:
                version = np.lib.format.read_magic(f)
                if version == (1, 0):
                    got_shape, fortran, got_dtype = np.lib.format.read_array_header_1_0(f, max_header_size=MAX_NPY_HEADER)
                elif version in ((2, 0), (3, 0)):
                    got_shape, fortran, got_dtype = np.lib.format.read_array_header_2_0(f, max_header_size=MAX_NPY_HEADER)
                else:
                    raise ValueError(f"unsupported .npy version {version}")
            except HEADER_ERRORS as e:
                raise self.error(f"array {name} has no valid .npy header ({type(e).__name__}: {e})") from None
            if got_dtype.hasobject:
                raise self.error(f"array {name} holds Python objects (dtype {got_dtype}); refused, nothing was "
                                 "unpickled")
            if got_dtype != dtype:
                raise self.error(f"array {name} must be {dtype} (got {got_dtype})")
            if tuple(got_shape) != shape:
                raise self.error(f"array {name} must have shape {shape} (got {tuple(got_shape)})")
            if fortran and len(shape) > 1:
                raise self.error(f"array {name} is stored in Fortran order (C order expected)")
            data = self._read(info, n_bytes, fp=f)
            try:
                extra = f.read(1)
            except READ_ERRORS as e:
                raise self.error(f"member {member!r} is damaged ({type(e).__name__}: {e})") from None
            if extra:
                raise self.error(f"array {name} has data past its end")
        return np.frombuffer(data, dtype=dtype).reshape(shape).copy()  # writable, numpy's own memory

    def unused(self) -> list[str]:
        return sorted(set(self.members) - self.used)


def _no_duplicates(pairs):
    out = {}
    for k, v in pairs:
        if k in out:
            raise ValueError(f"the key {k[:60]!r} appears twice in one object")
        out[k] = v
    return out


def _depth(x, limit: int = MAX_DEPTH + 1) -> int:
    """Nesting depth of a parsed JSON value (iterative; stops counting past ``limit``)."""
    best, stack = 0, [(x, 1)]
    while stack:
        v, d = stack.pop()
        best = max(best, d)
        if d > limit:
            return d
        if isinstance(v, dict):
            stack.extend((c, d + 1) for c in v.values())
        elif isinstance(v, list):
            stack.extend((c, d + 1) for c in v)
    return best


class _Reader:
    """Typed access to the header's fields, each error naming its place (``populations[1].model``)."""

    def __init__(self, archive: Archive):
        self.a = archive

    def err(self, where: str, what: str) -> NetworkFileError:
        return self.a.error(f"{where} {what}")

    def obj(self, value, where: str) -> dict:
        if not isinstance(value, dict):
            raise self.err(where, f"must be a JSON object (got {_kind(value)})")
        return value

    def lst(self, value, where: str, max_len: int = MAX_MEMBERS) -> list:
        if not isinstance(value, list):
            raise self.err(where, f"must be a JSON list (got {_kind(value)})")
        if len(value) > max_len:
            raise self.err(where, f"has {len(value)} entries (at most {max_len})")
        return value

    def field(self, d: dict, key: str, where: str):
        if key not in d:
            raise self.err(f"{where}.{key}", "is missing")
        return d[key]

    def keys(self, d: dict, allowed: tuple, where: str) -> None:
        extra = sorted(set(d) - set(allowed))
        if extra:
            raise self.err(where, f"has unknown field(s) {', '.join(repr(e)[:60] for e in extra[:5])} "
                                  f"(allowed: {', '.join(allowed)})")

    def string(self, value, where: str) -> str:
        if not isinstance(value, str):
            raise self.err(where, f"must be a string (got {_kind(value)})")
        return value

    def index(self, value, n: int, where: str) -> int:
        try:
            return V.integer(where, value, 0, n - 1)
        except (TypeError, ValueError) as e:
            raise self.a.error(str(e)) from None


def _kind(v) -> str:
    return "null" if v is None else {dict: "an object", list: "a list", str: "a string", bool: "true/false",
                                     int: "an integer", float: "a number"}.get(type(v), type(v).__name__)


def _decode(value, r: _Reader, where: str):
    """A parameter value from its JSON encoding (arrays read from the archive)."""
    if value is None or isinstance(value, (bool, str, int, float)):
        return value
    if isinstance(value, list):
        raise r.err(where, "must be a number, string, null or a tagged object (got a bare list)")
    d = r.obj(value, where)
    if len(d) == 1:
        (tag, body), = d.items()
        if tag == "$float":
            if body not in ("inf", "-inf", "nan"):
                raise r.err(where, f"$float must be 'inf', '-inf' or 'nan' (got {str(body)[:40]!r})")
            return float(body)
        if tag in ("$tuple", "$list"):
            items = [_decode(v, r, f"{where}[{i}]") for i, v in enumerate(r.lst(body, where))]
            return tuple(items) if tag == "$tuple" else items
        if tag in ("$array", "$tuple_array", "$list_array"):
            key = r.string(body, where)
            arr = _free_array(r.a, key, where)
            if tag == "$array":
                return arr
            items = arr.tolist()
            return tuple(items) if tag == "$tuple_array" else items
    if set(d) == {"$dataclass", "fields"}:
        name = r.string(d["$dataclass"], f"{where}.$dataclass")
        classes = _nested_classes()
        if name not in classes:
            raise r.err(where, f"names parameter class {name[:60]!r}; only {', '.join(classes)} may be nested")
        fields = r.obj(d["fields"], f"{where}.fields")
        return _construct(classes[name], {k: _decode(v, r, f"{where}.{k}") for k, v in fields.items()}, r, where)
    raise r.err(where, "is not a parameter value (a number, string, null, or an object tagged $tuple, $list, "
                       "$array, $float or $dataclass)")


def _free_array(archive: Archive, key: str, where: str) -> np.ndarray:
    """A parameter array whose shape and dtype the header does not fix: numeric, at most 1-d or
    2-d, and within the file's declared size."""
    member = f"{key}.npy"
    info = archive.members.get(member)
    if info is None:
        raise archive.error(f"{where}: array {key} is missing")
    try:
        with archive.zip.open(info) as f:
            version = np.lib.format.read_magic(f)
            reader = (np.lib.format.read_array_header_1_0 if version == (1, 0)
                      else np.lib.format.read_array_header_2_0)
            shape, _, dtype = reader(f, max_header_size=MAX_NPY_HEADER)
    except HEADER_ERRORS as e:
        raise archive.error(f"{where}: array {key} has no valid .npy header ({type(e).__name__}: {e})") from None
    if dtype.hasobject:
        raise archive.error(f"{where}: array {key} holds Python objects (dtype {dtype}); refused, nothing was "
                            "unpickled")
    if dtype.kind not in "biuf" or dtype.fields is not None or dtype.byteorder == ">":
        raise archive.error(f"{where}: array {key} must be a plain numeric array (got dtype {dtype})")
    if len(shape) > 2:
        raise archive.error(f"{where}: array {key} must be 1-d or 2-d (got shape {tuple(shape)})")
    return archive.array(key, dtype, shape)


def _construct(cls, kwargs: dict, r: _Reader, where: str):
    """``cls(**kwargs)`` through its own validation; one error naming the place."""
    allowed = tuple(f.name for f in dataclasses.fields(cls) if f.init)
    r.keys(kwargs, allowed, where)
    try:
        return cls(**kwargs)
    except RecursionError:
        raise r.err(where, "is nested too deeply") from None
    except (TypeError, ValueError, OverflowError, ZeroDivisionError, ArithmeticError) as e:
        raise r.err(where, f"is refused by {cls.__name__}: {e}") from None


# ------------------------------------------------------------------------------ state of models

class _ModelSpec:
    """Which of a population's arrays (S, I, E, C) a file holds, and how loaded ones are checked."""

    def __init__(self, saved=("S", "I", "E", "C"), check=None):
        self.saved = saved
        self.check = check


def _check_lif_if(pop, arrays, step, fail):
    n_ref = int(pop.P[9]) if type(pop.model).__name__ == "LIF" else int(np.max(pop.model.refractory))
    _ints_in(arrays["I"][0], 0, n_ref, "I.refractory", fail)


def _check_poisson(pop, arrays, step, fail):
    from ..neurons import poisson as P
    S, I, C = arrays["S"], arrays["I"], arrays["C"]
    top = 1.0 / pop.net.dt
    rate = S[P.RATE].astype(np.float64)
    if rate.size and (not np.all(np.isfinite(rate)) or rate.min() < 0 or rate.max() * pop.net.dt > 1.0):
        bad = int(np.flatnonzero(~(np.isfinite(rate) & (rate >= 0) & (rate * pop.net.dt <= 1.0)))[0])
        fail(f"S.rate must be in [0, {top:g}] Hz (got {rate[bad]!r} at neuron {bad})")
    lg = S[P.LOG1MP].astype(np.float64)
    if lg.size and not np.all(lg <= 0.0):
        fail("S.log1m_p must be <= 0 (ln(1 - rate dt))")
    fresh_c = pop.C
    if not np.array_equal(C[:P.FLAGS], fresh_c[:P.FLAGS]):
        fail(f"C (seed, stream) must be {fresh_c[:P.FLAGS].tolist()} for this network (got {C[:P.FLAGS].tolist()})")
    flags = C[P.FLAGS:]
    if flags.size and not np.all((flags == 0) | (flags == 1)):
        fail("C's redraw flags must be 0 or 1")
    nxt, cnt = I[P.NEXT], I[P.COUNT]
    _ints_in(cnt, 0, np.iinfo(np.int64).max, "I.count", fail)
    block = np.arange(pop.n) // P.BLOCK
    live = flags[block] == 0  # neurons of blocks that are not redrawn at the next step
    ok = np.where(live, nxt >= step, nxt >= -1)  # NEVER (never due) is the largest int64
    if not np.all(ok):
        bad = int(np.flatnonzero(~ok)[0])
        fail(f"I.next_step of neuron {bad} must be >= the network's step {step} (got {int(nxt[bad])})")


def _rebuild_wheels(pop):
    """The timing wheels of a PoissonSource from its neurons' next spike steps (the lists' order
    inside a slot does not matter: spikes are read from a bitmap in index order)."""
    from ..neurons import poisson as P
    I, E = pop.I, pop.E
    nxt, link = I[P.NEXT], I[P.LINK]
    E[0::2] = -1
    E[1::2] = 0
    link[:] = -1
    n_blocks = -(-pop.n // P.BLOCK)
    for b in range(n_blocks):
        lo, hi = b * P.BLOCK, min(pop.n, (b + 1) * P.BLOCK)
        if pop.C[P.FLAGS + b]:
            continue  # redrawn (and relinked) at the next step
        idx = np.arange(lo, hi)
        idx = idx[(nxt[lo:hi] != P.NEVER) & (nxt[lo:hi] >= 0)]
        slot = nxt[idx] % P.WHEEL
        order = np.lexsort((idx, slot))
        idx, slot = idx[order], slot[order]
        same = np.r_[False, slot[1:] == slot[:-1]]
        link[idx[same]] = idx[np.flatnonzero(same) - 1]  # each points to the previous neuron of its slot
        last = np.r_[slot[1:] != slot[:-1], True] if idx.size else np.zeros(0, bool)
        E[2 * b, slot[last]] = idx[last]


def _check_spike_source(pop, arrays, step, fail):
    n_ev = pop.E.shape[1]
    _ints_in(arrays["C"], 0, n_ev, "C (the event pointer)", fail)


def _check_bs2(pop, arrays, step, fail):
    from ..neurons import bs2_neuron as B
    I = arrays["I"]
    for row, name in ((B.KIND, "kind"), (B.DELAY, "axon_delay")):
        if not np.array_equal(I[row], pop.I[row]):
            fail(f"I.{name} must match the model's parameters")
    last = I[B.LAST]
    ok = (last == B.NEVER) | ((last >= -1) & (last <= step))
    if not np.all(ok):
        bad = int(np.flatnonzero(~ok)[0])
        fail(f"I.last_fired of neuron {bad} must be <= the network's step {step} (got {int(last[bad])})")


def _failer(archive, where):
    def fail(what):
        raise archive.error(f"{where}: {what}")
    return fail


def _ints_in(arr, low, high, name, fail):
    if arr.size and (arr.min() < low or arr.max() > high):
        bad = int(np.flatnonzero((arr < low) | (arr > high))[0])
        fail(f"{name} must be integers in [{low}, {high}] (got {int(arr.ravel()[bad])} at position {bad})")


def _model_spec(model) -> _ModelSpec:
    from ..neurons import BS2Neuron, IF, LIF, PoissonSource, SpikeSource
    t = type(model)
    if t is LIF or t is IF:
        return _ModelSpec(("S", "I"), _check_lif_if)
    if t is PoissonSource:
        return _ModelSpec(("S", "I", "C"), _check_poisson)
    if t is SpikeSource:
        return _ModelSpec(("C",), _check_spike_source)
    if t is BS2Neuron:
        return _ModelSpec(("S", "I"), _check_bs2)
    return _ModelSpec()


def _apply_population(pop, archive: Archive, k: int, step: int) -> None:
    spec = _model_spec(pop.model)
    name = type(pop.model).__name__
    where = f"populations[{k}] ({name})"

    def fail(what):
        raise archive.error(f"{where}: {what}")

    loaded = {}
    for part in spec.saved:
        fresh = getattr(pop, part)
        loaded[part] = archive.array(f"pop{k}.{part}", fresh.dtype, fresh.shape)
    if "S" in loaded:
        S = loaded["S"]
        if S.size and not np.all(np.isfinite(S)):
            bad = np.argwhere(~np.isfinite(S))[0]
            var = pop.model.float_vars[bad[0]] if bad[0] < len(pop.model.float_vars) else f"row {bad[0]}"
            fail(f"S.{var} must be finite (got {S[tuple(bad)]!r} at neuron {bad[1]})")
    if spec.check is not None:
        spec.check(pop, loaded, step, fail)
    else:
        own = getattr(type(pop.model), "check_state", None)
        if own is not None:
            try:
                own(pop.model, loaded.get("S"), loaded.get("I"), loaded.get("E"), loaded.get("C"), step, pop.net.dt)
            except (TypeError, ValueError) as e:
                fail(str(e))
        else:
            for part in ("I", "E", "C"):
                if part in loaded and not np.array_equal(loaded[part], getattr(pop, part)):
                    fail(f"its integer state {part} differs from a new population's, and {name} defines no "
                         f"check_state(S, I, E, C, step, dt) that could vouch for it (integer state may index "
                         "arrays in the compiled loop)")
    for part, arr in loaded.items():
        getattr(pop, part)[...] = arr
    if spec.check is _check_poisson:
        _rebuild_wheels(pop)


# ------------------------------------------------------------------------------- state of rules

def _step_columns(rule) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Which state columns hold a step (the rule's fresh state puts NO_SPIKE there: the convention
    of :meth:`hebblab.plasticity.base.Rule.init_state`)."""
    from ..plasticity.base import NO_SPIKE
    syn, pre, post = rule.init_state(1, 1, 1, 0, 0)
    return tuple(np.asarray(a)[0] == NO_SPIKE if np.asarray(a).shape[0] else np.zeros(0, bool)
                 for a in (syn, pre, post))


def _check_rule_state(proj, arrays: dict, step: int, fail) -> None:
    from ..plasticity.base import NO_SPIKE
    cols = _step_columns(proj.rule)
    for (part, arr), steps in zip(arrays.items(), cols):
        if arr.size and not np.all(np.isfinite(arr)):
            bad = np.argwhere(~np.isfinite(arr))[0]
            fail(f"{part}[{bad[0]}, {bad[1]}] must be finite (got {arr[tuple(bad)]!r})")
        for c in np.flatnonzero(steps):
            x = arr[:, c]
            ok = (x == np.floor(x)) & (x >= NO_SPIKE) & (x <= step)
            if not np.all(ok):
                bad = int(np.flatnonzero(~ok)[0])
                fail(f"{part}[{bad}, {c}] holds a spike step and must be a whole number in [{NO_SPIKE:g}, {step}] "
                     f"(the network's step) (got {x[bad]!r})")
    from ..plasticity import Cascade
    if type(proj.rule) is Cascade:
        from ..plasticity.cascade import DEPTH
        d = arrays["syn"][:, DEPTH]
        ok = (d == np.floor(d)) & (d >= 0) & (d <= proj.rule.n_states - 1)
        if not np.all(ok):
            bad = int(np.flatnonzero(~ok)[0])
            fail(f"syn[{bad}, {DEPTH}] (the cascade depth) must be a whole number in [0, {proj.rule.n_states - 1}] "
                 f"(got {d[bad]!r})")
    own = getattr(type(proj.rule), "check_state", None)
    if own is not None:
        try:
            own(proj.rule, arrays["syn"], arrays["pre_vars"], arrays["post_vars"], step)
        except (TypeError, ValueError) as e:
            fail(str(e))


# ---------------------------------------------------------------------------------------- load

class _Saved:
    def __repr__(self):
        return "'as saved'"


_SAVED = _Saved()
TOP_KEYS = ("format", "version", "hebblab", "network", "populations", "projections", "poisson_inputs",
            "spike_monitors", "state_monitors")


@takes_units()
def load(path: str | os.PathLike, *, backend: str | None = None, threads: int | None = _SAVED, label: str | None = None,
         prefix: str = "") -> "Network":
    """Load a network written by :meth:`hebblab.Network.save` (see the module docstring).

    ``backend`` ("numba" or "reference") overrides the saved one; ``threads`` overrides the saved
    thread setting (results do not depend on either). Raises :class:`NetworkFileError` (a
    ValueError) naming the file and the problem; never executes code from the file.
    """
    archive = Archive(path, label, prefix)
    try:
        return _load(archive, backend, threads)
    finally:
        archive.close()


def _load(archive: Archive, backend, threads):
    from ..network import Network, refuse_if_too_big
    from ..neurons.base import MODELS
    from ..plasticity import RULES
    r = _Reader(archive)
    h = archive.header()
    fmt = h.get("format")
    if fmt != FORMAT:
        raise archive.error(f"format must be {FORMAT!r} (got {str(fmt)[:60]!r}): not a hebblab network file")
    version = h.get("version")
    if isinstance(version, bool) or not isinstance(version, int):
        raise archive.error(f"version must be an integer (got {_kind(version)})")
    if version > VERSION:
        from .. import __version__
        raise archive.error(f"written in format version {version} by hebblab {str(h.get('hebblab', '?'))[:40]}; "
                            f"this hebblab ({__version__}) reads versions up to {VERSION}: upgrade hebblab to load it")
    if version < 1:
        raise archive.error(f"version must be >= 1 (got {version})")
    r.keys(h, TOP_KEYS, HEADER)
    try:
        refuse_if_too_big("its members", float(archive.declared_bytes()))
    except ValueError as e:
        raise archive.error(str(e)) from None

    nw = r.obj(r.field(h, "network", HEADER), "network")
    r.keys(nw, ("dt", "seed", "backend", "dtype", "index", "threads", "potentiation", "step"), "network")
    step = r.field(nw, "step", "network")
    try:
        step = V.integer("network.step", step, 0, V.MAX_STEP)
    except (TypeError, ValueError) as e:
        raise archive.error(str(e)) from None
    chosen = r.field(nw, "backend", "network") if backend is None else backend
    th = nw.get("threads") if threads is _SAVED else threads
    try:
        net = Network(dt=r.field(nw, "dt", "network"), seed=r.field(nw, "seed", "network"), backend=chosen,
                      dtype=_dtype(r.field(nw, "dtype", "network"), r), index=r.field(nw, "index", "network"),
                      threads=th, potentiation=r.field(nw, "potentiation", "network"))
    except (TypeError, ValueError) as e:
        raise archive.error(f"network: {e}") from None
    net.step = step  # injections and monitors below are checked against it

    # populations: the model (from the registry, through its own validation), then its state
    pops = r.lst(r.field(h, "populations", HEADER), "populations")
    for k, p in enumerate(pops):
        where = f"populations[{k}]"
        p = r.obj(p, where)
        r.keys(p, ("model", "module", "params", "injections"), where)
        name = r.string(r.field(p, "model", where), f"{where}.model")
        cls = MODELS.get(name)
        if cls is None:
            module = p.get("module")
            hint = f" (saved from module {str(module)[:80]!r})" if isinstance(module, str) else ""
            raise archive.error(f"{where}.model: unknown model {name[:80]!r}{hint}; known: {', '.join(MODELS)}. A model "
                                "of your own loads once your code has defined it and registered it with "
                                "hebblab.neurons.register_model (files never name code to import)")
        params = {key: _decode(v, r, f"{where}.params.{key}")
                  for key, v in r.obj(r.field(p, "params", where), f"{where}.params").items()}
        model = _construct(cls, params, r, f"{where}.params")
        try:
            pop = net.add(model)
        except (TypeError, ValueError) as e:
            raise archive.error(f"{where}: {e}") from None
        _apply_population(pop, archive, k, step)

    projs = r.lst(r.field(h, "projections", HEADER), "projections")
    for k, d in enumerate(projs):
        _load_projection(net, r, archive, k, d, step, RULES)

    for k, d in enumerate(r.lst(r.field(h, "poisson_inputs", HEADER), "poisson_inputs")):
        where = f"poisson_inputs[{k}]"
        d = r.obj(d, where)
        r.keys(d, ("pop", "n", "rate", "weight", "target"), where)
        pop = net.populations[r.index(r.field(d, "pop", where), len(net.populations), f"{where}.pop")]
        try:
            net.poisson_input(pop, r.field(d, "n", where), r.field(d, "rate", where), r.field(d, "weight", where),
                              r.field(d, "target", where))
        except (TypeError, ValueError) as e:
            raise archive.error(f"{where}: {e}") from None

    # pending injections (entries before the current step were applied already and are dropped)
    for k, p in enumerate(pops):
        pop = net.populations[k]
        for q, inj in enumerate(r.lst(p.get("injections", []), f"populations[{k}].injections")):
            _load_injection(net, pop, r, archive, k, q, inj, step)

    for k, d in enumerate(r.lst(r.field(h, "spike_monitors", HEADER), "spike_monitors")):
        where = f"spike_monitors[{k}]"
        d = r.obj(d, where)
        r.keys(d, ("pop",), where)
        pop = net.populations[r.index(r.field(d, "pop", where), len(net.populations), f"{where}.pop")]
        try:
            mon = net.monitor(pop)
        except (TypeError, ValueError) as e:
            raise archive.error(f"{where}: {e}") from None
        n = _length(archive, f"smon{k}.steps")
        steps = archive.array(f"smon{k}.steps", np.int64, (n,))
        idx = archive.array(f"smon{k}.i", np.int32, (n,))
        if n and (step == 0 or steps.min() < 0 or steps.max() >= step or np.any(np.diff(steps) < 0)):
            raise archive.error(f"{where}: spike steps must be in [0, {step - 1}] (before the network's step) "
                                "and in time order")
        _ints_in(idx, 0, pop.n - 1, "neuron indices", _failer(archive, where))
        if n:
            mon._steps, mon._idx = [steps], [idx]

    for k, d in enumerate(r.lst(r.field(h, "state_monitors", HEADER), "state_monitors")):
        _load_state_monitor(net, r, archive, k, d, step)

    unused = archive.unused()
    if unused:
        raise archive.error(f"member(s) {', '.join(repr(u)[:60] for u in unused[:5])} belong to nothing the "
                            f"header describes")
    return net


def _dtype(value, r: _Reader):
    if value not in ("float32", "float64"):
        raise r.err("network.dtype", f"must be 'float32' or 'float64' (got {str(value)[:40]!r})")
    return np.dtype(value)


def _length(archive: Archive, name: str) -> int:
    """The length a 1-d member declares in its header (checked against the member's size)."""
    member = f"{name}.npy"
    info = archive.members.get(member)
    if info is None:
        raise archive.error(f"array {name} is missing")
    try:
        with archive.zip.open(info) as f:
            version = np.lib.format.read_magic(f)
            reader = (np.lib.format.read_array_header_1_0 if version == (1, 0)
                      else np.lib.format.read_array_header_2_0)
            shape, _, dtype = reader(f, max_header_size=MAX_NPY_HEADER)
    except HEADER_ERRORS as e:
        raise archive.error(f"array {name} has no valid .npy header ({type(e).__name__}: {e})") from None
    if len(shape) != 1:
        raise archive.error(f"array {name} must be 1-d (got shape {tuple(shape)})")
    return int(shape[0])


def _load_projection(net, r: _Reader, archive: Archive, k: int, d, step: int, RULES) -> None:
    where = f"projections[{k}]"
    d = r.obj(d, where)
    r.keys(d, ("pre", "post", "rule", "delay", "delay_steps", "connectivity", "n_synapses"), where)
    n_pops = len(net.populations)
    pre = net.populations[r.index(r.field(d, "pre", where), n_pops, f"{where}.pre")]
    post = net.populations[r.index(r.field(d, "post", where), n_pops, f"{where}.post")]
    rule = None
    spec = r.field(d, "rule", where)
    if spec is not None:
        spec = r.obj(spec, f"{where}.rule")
        r.keys(spec, ("name", "module", "params"), f"{where}.rule")
        name = r.string(r.field(spec, "name", f"{where}.rule"), f"{where}.rule.name")
        cls = RULES.get(name)
        if cls is None:
            module = spec.get("module")
            hint = f" (saved from module {str(module)[:80]!r})" if isinstance(module, str) else ""
            raise archive.error(f"{where}.rule: unknown rule {name[:80]!r}{hint}; known: {', '.join(RULES)}. A rule "
                                "of your own loads once your code has defined it and registered it with "
                                "hebblab.plasticity.register_rule (files never name code to import)")
        params = {key: _decode(v, r, f"{where}.rule.params.{key}")
                  for key, v in r.obj(r.field(spec, "params", f"{where}.rule"), f"{where}.rule.params").items()}
        rule = _construct(cls, params, r, f"{where}.rule.params")
    kind = r.field(d, "connectivity", where)
    if kind not in ("all_to_all", "one_to_one", "explicit"):
        raise r.err(f"{where}.connectivity", f"must be 'all_to_all', 'one_to_one' or 'explicit' (got {str(kind)[:40]!r})")
    try:
        n_syn = V.integer(f"{where}.n_synapses", r.field(d, "n_synapses", where), 0, 2**62)
        delay_steps = V.integer(f"{where}.delay_steps", r.field(d, "delay_steps", where), 0, V.MAX_STEP)
    except (TypeError, ValueError) as e:
        raise archive.error(str(e)) from None
    if kind == "explicit":
        conn = (archive.array(f"proj{k}.pre_index", np.int32, (n_syn,)),
                archive.array(f"proj{k}.post_index", np.int32, (n_syn,)))
        if n_syn and np.any(np.diff(conn[0]) < 0):
            raise archive.error(f"{where}: pre_index must be sorted (synapses are stored by pre neuron)")
    else:
        conn = kind
    lo = rule.bounds()[0] if rule is not None else 0.0
    try:
        proj = net.connect(pre, post, rule=rule, w=lo, delay=r.field(d, "delay", where), connectivity=conn)
    except (TypeError, ValueError) as e:
        raise archive.error(f"{where}: {e}") from None
    if proj.n_synapses != n_syn:
        raise archive.error(f"{where}: n_synapses is {n_syn} but its connectivity gives {proj.n_synapses}")
    if proj.delay_steps != delay_steps:
        raise archive.error(f"{where}: delay_steps is {delay_steps} but its delay gives {proj.delay_steps}")
    if kind == "explicit" and not (np.array_equal(proj.pre_index, conn[0]) and np.array_equal(proj.post_index, conn[1])):
        raise archive.error(f"{where}: synapses must be stored by pre neuron, then post neuron")
    w = archive.array(f"proj{k}.w", net.dtype, (n_syn,))
    try:
        proj.w = w
    except (TypeError, ValueError) as e:
        raise archive.error(f"{where}: {e}") from None
    if rule is not None:
        state = {}
        for part in ("syn", "pre_vars", "post_vars"):
            fresh = getattr(proj, part)
            state[part] = archive.array(f"proj{k}.{part}", fresh.dtype, fresh.shape)

        def fail(what):
            raise archive.error(f"{where} ({type(rule).__name__}): {what}")
        _check_rule_state(proj, state, step, fail)
        for part, arr in state.items():
            getattr(proj, part)[...] = arr
    queue = archive.array(f"proj{k}.queue", np.int64, proj.queue.shape)
    queue_n = archive.array(f"proj{k}.queue_n", np.int64, proj.queue_n.shape)
    if queue_n.size and (queue_n.min() < 0 or queue_n.max() > pre.n):
        raise archive.error(f"{where}: queue_n must be in [0, {pre.n}] (spikes per step of the pre population)")
    if queue.size and (queue.min() < 0 or queue.max() > max(pre.n - 1, 0)):
        raise archive.error(f"{where}: the spike queue must hold pre neuron indices in [0, {pre.n - 1}]")
    proj.queue[...] = queue
    proj.queue_n[...] = queue_n


def _load_injection(net, pop, r: _Reader, archive: Archive, k: int, q: int, inj, step: int) -> None:
    where = f"populations[{k}].injections[{q}]"
    inj = r.obj(inj, where)
    r.keys(inj, ("kind",), where)
    kind = inj.get("kind")
    if kind not in ("current", "voltage"):
        raise r.err(f"{where}.kind", f"must be 'current' or 'voltage' (got {str(kind)[:40]!r})")
    base = f"pop{k}.inj{q}"
    n = _length(archive, f"{base}.steps")
    steps = archive.array(f"{base}.steps", np.int64, (n,))
    idx = archive.array(f"{base}.indices", np.int64, (n,))
    vals = archive.array(f"{base}.values", np.float64, (n,))
    keep = steps >= step
    if not np.any(keep):
        return
    steps, idx, vals = steps[keep], idx[keep], vals[keep]
    if steps.max() > V.MAX_STEP:
        raise archive.error(f"{where}: steps must be <= {V.MAX_STEP}")
    try:
        net.inject(pop, times=steps * net.dt, indices=idx, values=vals, kind=kind)
    except (TypeError, ValueError) as e:
        raise archive.error(f"{where}: {e}") from None
    made = pop.injections[-1]
    if not np.array_equal(made.steps, steps):
        raise archive.error(f"{where}: steps cannot be represented as times at dt = {net.dt:g} s")


def _load_state_monitor(net, r: _Reader, archive: Archive, k: int, d, step: int) -> None:
    where = f"state_monitors[{k}]"
    d = r.obj(d, where)
    r.keys(d, ("target", "index", "var", "every"), where)
    target_kind = r.field(d, "target", where)
    if target_kind == "population":
        target = net.populations[r.index(r.field(d, "index", where), len(net.populations), f"{where}.index")]
    elif target_kind == "projection":
        target = net.projections[r.index(r.field(d, "index", where), len(net.projections), f"{where}.index")]
    else:
        raise r.err(f"{where}.target", f"must be 'population' or 'projection' (got {str(target_kind)[:40]!r})")
    try:
        every = V.positive_int(f"{where}.every", r.field(d, "every", where), V.MAX_STEP)
    except (TypeError, ValueError) as e:
        raise archive.error(str(e)) from None
    n_idx = _length(archive, f"stmon{k}.indices")
    idx = archive.array(f"stmon{k}.indices", np.int64, (n_idx,))
    try:
        mon = net.monitor(target, r.field(d, "var", where), every=every * net.dt, indices=idx)
    except (TypeError, ValueError) as e:
        raise archive.error(f"{where}: {e}") from None
    if mon.every != every:
        raise archive.error(f"{where}: every = {every} steps cannot be represented at dt = {net.dt:g} s")
    n = _length(archive, f"stmon{k}.t")
    t = archive.array(f"stmon{k}.t", np.int64, (n,))
    values = archive.array(f"stmon{k}.values", net.dtype, (n, n_idx))
    if n:
        if t.min() < 0 or t.max() >= step or np.any(np.diff(t) <= 0) or np.any(t % every):
            raise archive.error(f"{where}: sample steps must be multiples of every = {every} in [0, {step - 1}], "
                                "increasing")
        if values.size and not np.all(np.isfinite(values)):
            raise archive.error(f"{where}: sampled values must be finite")
        mon._chunks, mon._tchunks = [values], [t]
