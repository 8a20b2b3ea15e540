"""Parameter sweeps: one experiment over a grid of config overrides and seeds, each point a run
folder of its own, on local processes or a dask.distributed cluster.

A sweep folder holds ``sweep.json`` (what was asked: experiment, size, grid, seeds, fixed
overrides; and each point's status), ``results.csv`` and ``results.parquet`` (one row per point:
the overrides, the seed, every headline number flattened to dotted columns, ``status``,
``error``, ``duration_s``, ``folder``) and ``points/``, the points' run folders (written
crash-safely by :func:`hebblab.report.write_run`, so a folder is complete or absent).

Every point is validated before anything runs or is written. A point that raises is recorded
(``status = "error"`` and its message) and does not stop the others. Locally every point runs in
a process of its own (``--workers`` of them at a time), so a process that dies (killed, out of
memory) loses only its point, recorded as an error; on dask, the scheduler retries a lost worker's
point elsewhere. ``resume`` recomputes exactly the points without a complete run
folder or an ``ok`` row. Results do not depend on where a point ran: the same sweep on local
processes and on a cluster gives the same rows, timing columns aside.

Headline values that are ``{"mean", "ci95", "n"}`` objects become ``KEY.mean``, ``KEY.ci95_low``,
``KEY.ci95_high`` and ``KEY.n`` columns; plain numbers, strings and booleans keep their key.
"""

from __future__ import annotations

import itertools
import json
import math
import time
from pathlib import Path

SWEEP_FILE = "sweep.json"
FORMAT = 1
ROW_PREFIX = "HEBBLAB-SWEEP-ROW "


def grid_points(grid: dict[str, list], zip_: bool = False) -> list[dict]:
    """The overrides of every point: the Cartesian product of the grid's values, or (``zip_``)
    the i-th value of every key together (all keys then need the same number of values)."""
    keys = list(grid)
    if not keys:
        return [{}]
    if zip_:
        lengths = {len(v) for v in grid.values()}
        if len(lengths) != 1:
            raise ValueError("--zip: every --grid key needs the same number of values (got "
                             + ", ".join(f"{k}: {len(v)}" for k, v in grid.items()) + ")")
        return [dict(zip(keys, vals)) for vals in zip(*grid.values())]
    return [dict(zip(keys, vals)) for vals in itertools.product(*grid.values())]


def flatten(headline: dict, prefix: str = "") -> dict:
    """Headline numbers as flat dotted columns (module docstring)."""
    out = {}
    for key, value in headline.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict) and "mean" in value and "ci95" in value:
            lo, hi = (value["ci95"] + [None, None])[:2] if isinstance(value["ci95"], list) else (None, None)
            out.update({f"{name}.mean": value["mean"], f"{name}.ci95_low": lo, f"{name}.ci95_high": hi,
                        f"{name}.n": value.get("n")})
        elif isinstance(value, dict):
            out.update(flatten(value, name + "."))
        elif isinstance(value, (int, float, str, bool)) or value is None:
            out[name] = value
        else:  # lists and other shapes: as JSON text
            out[name] = json.dumps(value)
    return out


def point_name(exp_name: str, config: dict, seed: int) -> str:
    """The run folder name of a point (the same as ``hebblab run`` gives it)."""
    from .report import config_hash
    return f"{exp_name}-{config_hash(exp_name, config)}-seed{seed}"


def run_point(exp_name: str, size: str, overrides: dict, seed: int, out: str) -> dict:
    """Run one point and write its run folder under ``out``; return its row. Runs in a worker
    process (local or dask), so it takes and returns plain data only."""
    from .experiments import EXPERIMENTS
    from .report import write_run
    t0 = time.perf_counter()
    row = {"seed": seed, **{f"set.{k}": _cell(v) for k, v in overrides.items()}}
    try:
        exp = EXPERIMENTS[exp_name]
        config = exp.make_config(size, overrides)
        result = exp.run(config, seed=seed, progress=False)
        folder = write_run(exp, config, seed, result, Path(out))
        row.update(flatten(result.headline))
        row.update(status="ok", error="", folder=folder.name)
    except Exception as exc:  # recorded; the other points go on
        row.update(status="error", error=f"{type(exc).__name__}: {exc}"[:2000], folder="")
    row["duration_s"] = round(time.perf_counter() - t0, 3)
    return row


def _cell(v):
    return v if isinstance(v, (int, float, str, bool)) or v is None else json.dumps(v)


class Sweep:
    """A planned sweep: validated points, the folder and what is already done there."""

    def __init__(self, exp, size: str, grid: dict, zip_: bool, seeds: list[int], fixed: dict, out: Path,
                 make_config):
        self.exp, self.size, self.grid, self.zip, self.seeds, self.fixed, self.out = (exp, size, grid, zip_,
                                                                                       seeds, fixed, out)
        self.points = []  # (overrides as validated, seed, run folder name)
        seen = {}
        for over in grid_points(grid, zip_):
            overrides = {**fixed, **over}
            config = make_config(exp, size, overrides)  # raises before anything is written
            dumped = config.model_dump(mode="json")
            validated = {k: dumped.get(k, v) for k, v in overrides.items()}  # 20, 20.0 and "20" all read 20
            for seed in seeds:
                name = point_name(exp.name, dumped, seed)
                if name in seen:
                    raise ValueError(f"--grid: the settings {seen[name]} and {over} are the same point once "
                                     "validated; give each value once")
                seen[name] = over
                self.points.append((validated, seed, name))

    def spec(self) -> dict:
        return {"format": FORMAT, "experiment": self.exp.name, "size": self.size, "grid": self.grid,
                "zip": self.zip, "seeds": self.seeds, "fixed": self.fixed}

    def previous_rows(self) -> dict:
        """Rows of an earlier run of this sweep in ``out`` (by run folder name), or {}; a folder
        holding a different sweep is refused."""
        path = self.out / SWEEP_FILE
        if not path.is_file():
            return {}
        try:
            old = json.loads(path.read_text())
        except (OSError, ValueError) as exc:
            raise ValueError(f"{path}: not a sweep file ({exc}); choose another --out") from None
        if not isinstance(old, dict) or old.get("spec") != json.loads(json.dumps(self.spec())):
            raise ValueError(f"{self.out} holds a different sweep (its {SWEEP_FILE} asks for other points); "
                             "choose another --out")
        rows = old.get("rows", [])
        return {r["folder_name"]: r for r in rows if isinstance(r, dict) and "folder_name" in r}

    def todo(self, previous: dict) -> list:
        """Points without an ``ok`` row and a complete run folder."""
        from .report import MARKER
        missing = []
        for overrides, seed, name in self.points:
            row = previous.get(name)
            done = row is not None and row.get("status") == "ok" and (self.out / "points" / name / MARKER).is_file()
            if not done:
                missing.append((overrides, seed, name))
        return missing


def execute(sweep: Sweep, todo: list, workers: int, scheduler: str | None, on_row) -> None:
    """Run ``todo`` on ``workers`` local processes, or on a dask.distributed cluster
    (``scheduler="local"``: a LocalCluster of ``workers`` single-threaded processes;
    ``"tcp://host:port"``: an existing scheduler); ``on_row(name, row)`` as each point ends."""
    points = str((sweep.out / "points").resolve())  # remote workers have other working folders
    args = [(sweep.exp.name, sweep.size, over, seed, points) for over, seed, _ in todo]
    names = [name for _, _, name in todo]
    if scheduler is None:  # a fresh process per point: a killed one loses only its point
        from concurrent.futures import ThreadPoolExecutor, as_completed
        running: set = set()
        pool = ThreadPoolExecutor(max_workers=workers)
        try:
            futures = {pool.submit(_run_in_subprocess, a, running): n for n, a in zip(names, args)}
            for fut in as_completed(futures):
                try:
                    row = fut.result()
                except Exception as exc:  # pragma: no cover - _run_in_subprocess returns rows
                    row = _lost(args[names.index(futures[fut])], f"{type(exc).__name__}: {exc}")
                on_row(futures[fut], row)
        except BaseException:  # interrupted (Ctrl-C, SIGTERM) or on_row failed: stop every point
            pool.shutdown(wait=False, cancel_futures=True)
            for proc in list(running):
                proc.kill()
            raise
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
        return
    from distributed import Client, LocalCluster, as_completed
    cluster = None
    if scheduler == "local":
        import logging
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None,
                               silence_logs=logging.ERROR)
        client = Client(cluster)
    else:
        client = Client(scheduler)
    try:
        import hashlib
        tag = hashlib.sha256(points.encode()).hexdigest()[:12]  # two sweeps on one scheduler never share a key
        futures = [client.submit(run_point, *a, pure=False, key=f"hebblab-{tag}-{n}") for n, a in zip(names, args)]
        where = {f.key: (n, a) for f, n, a in zip(futures, names, args)}
        for fut in as_completed(futures):
            name, a = where[fut.key]
            try:
                row = fut.result()
            except Exception as exc:  # the worker was lost (killed, out of memory)
                row = _lost(a, f"{type(exc).__name__}: {exc}")
            on_row(name, row)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def _run_in_subprocess(args, running: set) -> dict:
    """:func:`run_point` in a new Python process (``python -m hebblab.sweep``); a process that
    dies (killed, out of memory) gives an error row for this point only. ``running`` holds the
    live processes, so an interrupted sweep can kill them."""
    import subprocess
    import sys
    proc = subprocess.Popen([sys.executable, "-m", "hebblab.sweep"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    running.add(proc)
    try:
        out, err = proc.communicate(json.dumps(list(args)))
    finally:
        running.discard(proc)
    line = [x for x in out.splitlines() if x.startswith(ROW_PREFIX)]
    if proc.returncode != 0 or len(line) != 1:
        tail = " ".join(err.split())[-300:]
        return _lost(args, f"worker process exited with {proc.returncode}" + (f": {tail}" if tail else ""))
    return json.loads(line[0][len(ROW_PREFIX):])


def _lost(args, message: str) -> dict:
    _, _, overrides, seed, _ = args
    return {"seed": seed, **{f"set.{k}": _cell(v) for k, v in overrides.items()}, "status": "error",
            "error": message[:2000], "folder": "", "duration_s": float("nan")}


def write_tables(out: Path, spec: dict, rows: list[dict]) -> None:
    """``sweep.json``, ``results.csv`` and ``results.parquet``, each written atomically."""
    import csv
    import io

    import pyarrow as pa
    import pyarrow.parquet as pq

    columns = list(dict.fromkeys(k for r in rows for k in r))
    first = ["folder_name", "seed"] + sorted(c for c in columns if c.startswith("set."))
    last = ["status", "error", "duration_s", "folder"]
    columns = first + sorted(c for c in columns if c not in first and c not in last) + last
    doc = {"spec": spec, "rows": rows}
    _write_atomic(out / SWEEP_FILE, json.dumps(doc, indent=1, allow_nan=True).encode())  # what resume trusts
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=columns, extrasaction="ignore")
    w.writeheader()
    for r in rows:
        w.writerow({k: ("" if r.get(k) is None else r.get(k)) for k in columns})
    _write_atomic(out / "results.csv", buf.getvalue().encode())
    table = pa.table({c: _column(pa, [r.get(c) for r in rows]) for c in columns}) if rows else pa.table({})
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink)
    _write_atomic(out / "results.parquet", sink.getvalue().to_pybytes())


def _column(pa, values):
    """A parquet column: typed where the values share a type, else their JSON text."""
    values = [json.dumps(v) if isinstance(v, (list, dict)) else v for v in values]
    kinds = {type(v) for v in values if v is not None}
    if len(kinds) <= 1 or kinds == {int, float}:
        try:
            return pa.array(values)
        except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError):
            pass
    return pa.array([None if v is None else (v if isinstance(v, str) else json.dumps(v)) for v in values])


def _write_atomic(path: Path, data: bytes) -> None:
    import os
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    with open(tmp, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def summarize(rows: list[dict], x: str, y: str, hue: str | None = None) -> dict:
    """For a plot: for each hue value and x value, the mean over seeds of column ``y`` (or
    ``y.mean``) with a 95 % t interval over seeds and the number of seeds. Rows not ``ok`` and
    missing values are left out."""
    import numpy as np
    from scipy import stats
    col = y if any(y in r for r in rows) else f"{y}.mean"
    groups: dict = {}
    for r in rows:
        if r.get("status") != "ok" or r.get(col) in (None, ""):
            continue
        try:
            value = float(r[col])
        except (TypeError, ValueError):
            continue
        if not math.isfinite(value):
            continue
        groups.setdefault(r.get(hue) if hue else None, {}).setdefault(r.get(x), []).append(value)
    out = {}
    for h, by_x in groups.items():
        pts = []
        for xv, vals in by_x.items():
            v = np.asarray(vals)
            half = float(stats.t.ppf(0.975, v.size - 1) * v.std(ddof=1) / math.sqrt(v.size)) if v.size > 1 else math.nan
            pts.append((xv, float(v.mean()), half, int(v.size)))
        out[h] = sorted(pts, key=lambda p: (isinstance(p[0], str), p[0]))
    return {"column": col, "groups": out}


def _main() -> None:  # pragma: no cover - run in the point's own process
    import sys
    exp_name, size, overrides, seed, out = json.loads(sys.stdin.read())
    row = run_point(exp_name, size, overrides, seed, out)
    print(ROW_PREFIX + json.dumps(row, allow_nan=True), flush=True)


if __name__ == "__main__":  # pragma: no cover
    _main()
