"""``hebblab sweep`` (an experiment over a grid of settings and seeds, on local processes or a
dask.distributed cluster; :mod:`hebblab.sweep`) and ``hebblab plot`` (a headline against a grid
key, with 95 % intervals over seeds)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import List, Optional

import typer

from .cli_options import SIZE_HELP, Size

MAX_POINTS = 100_000


def _grid(items: list[str]) -> dict:
    """``--grid key=v1,v2,...`` items as {key: [values]}; values parsed as JSON (else text)."""
    from .cli import BadInput, _parse_sets, short, split_item
    grid = {}
    for item in items or []:
        key, values = split_item("--grid", item, "key=v1,v2,...")
        if key in grid:
            raise BadInput(f"--grid {key}: given twice; give each key once with all its values")
        parts = values.split(",")
        if any(not p.strip() for p in parts):
            raise BadInput(f"--grid {key}={short(values)}: an empty value (expected key=v1,v2,...)")
        parsed = [_parse_sets([f"{key}={p.strip()}"])[key] for p in parts]
        if len({json.dumps(p, sort_keys=True) for p in parsed}) != len(parsed):
            raise BadInput(f"--grid {key}={short(values)}: a value is repeated")
        grid[key] = parsed
    return grid


def sweep(name: str = typer.Argument(..., help="experiment name (see hebblab list)"),
          grid: Optional[List[str]] = typer.Option(None, "--grid", help="key=v1,v2,... (repeat for more keys)"),
          zip_: bool = typer.Option(False, "--zip", help="pair the grids' values instead of their product"),
          seeds: int = typer.Option(1, "--seeds", min=1, max=10_000, help="seeds per grid point"),
          seed0: int = typer.Option(1, "--seed0", min=0, help="first seed (seeds seed0, seed0 + 1, ...)"),
          size_: Optional[Size] = typer.Option(None, "--size", case_sensitive=False, help=SIZE_HELP),
          quick: bool = typer.Option(False, "--quick", help="alias of --size quick"),
          full: bool = typer.Option(False, "--full", help="alias of --size full"),
          set_: Optional[List[str]] = typer.Option(None, "--set", help="a fixed override for every point: key=value"),
          workers: int = typer.Option(0, "--workers", min=0, max=1024,
                                      help="processes (0: the cores this process may use)"),
          scheduler: Optional[str] = typer.Option(None, "--scheduler",
                                                  help="'local' (a dask LocalCluster) or tcp://host:port; "
                                                       "default: local processes"),
          out: str = typer.Option(..., "--out", help="the sweep's folder"),
          resume: bool = typer.Option(False, "--resume", help="compute only the points missing or incomplete in --out")):
    """Run an experiment over a grid of settings and seeds; one run folder per point, one table for all.

    Example: hebblab sweep stdp-window --grid n_pairings=20,60 --seeds 3 --out sweeps/window"""
    from .cli import MAX_SEED, BadInput, _experiment, _guard, _make_config, _out, _parse_sets, _size, console, safe

    def go():
        from .network import available_cores
        from .sweep import Sweep, execute, write_tables
        exp = _experiment(name)
        size = _size(quick, full, size_)
        fixed = _parse_sets(set_, exp)
        g = _grid(grid)
        overlap = sorted(set(g) & set(fixed))
        if overlap:
            raise BadInput(f"--set and --grid both give {', '.join(overlap)}; give each key once")
        if scheduler is not None and scheduler != "local" and not scheduler.startswith("tcp://"):
            raise BadInput(f"--scheduler {safe(scheduler)}: expected 'local' or tcp://host:port")
        if seed0 + seeds - 1 > MAX_SEED:
            raise BadInput(f"--seed0 {seed0} with --seeds {seeds}: seeds must stay <= {MAX_SEED}")
        n_points = 1
        for v in g.values():
            n_points = len(v) if zip_ else n_points * len(v)
        if n_points * seeds > MAX_POINTS:
            raise BadInput(f"{n_points * seeds:,} points: at most {MAX_POINTS:,} in one sweep")
        folder = _out(out)
        s = Sweep(exp, size, g, zip_, list(range(seed0, seed0 + seeds)), fixed, folder, _make_config)
        if (folder / "sweep.json").exists() and not resume:
            raise BadInput(f"{safe(folder)} already holds a sweep: add --resume to finish it, or choose another --out")
        previous = s.previous_rows() if resume else {}
        todo = s.todo(previous)
        folder.mkdir(parents=True, exist_ok=True)
        rows = {n: previous[n] for _, _, n in s.points if n in previous and n not in {t[2] for t in todo}}
        n_workers = workers or available_cores()

        def table():
            ordered = [rows[n] for _, _, n in s.points if n in rows]
            write_tables(folder, s.spec(), ordered)

        from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
        failed = 0
        bar = Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
                       TimeElapsedColumn(), transient=True, console=console)
        with bar:
            task = bar.add_task(f"{exp.name}: 0 failed", total=len(todo))

            def on_row(point, row):
                nonlocal failed
                row["folder_name"] = point
                rows[point] = row
                failed += row.get("status") != "ok"
                table()  # after every point: a killed sweep keeps what it finished
                bar.update(task, advance=1, description=f"{exp.name}: {failed} failed")

            table()
            execute(s, todo, n_workers, scheduler, on_row)
        table()
        done = sum(1 for r in rows.values() if r.get("status") == "ok")
        console.print(f"{safe(exp.name)}: {len(todo)} computed ({len(s.points) - len(todo)} already done), "
                      f"{done} ok, {len(s.points) - done} failed -> {safe(folder)}/results.csv", highlight=False,
                      soft_wrap=True)
        if failed:
            first = next(r for r in rows.values() if r.get("status") != "ok")
            console.print(f"first failure: {safe(first.get('error', ''))[:300]}", highlight=False, soft_wrap=True)
    _guard(go)


def plot(folder: str = typer.Argument(..., help="a sweep folder"),
         spec: List[str] = typer.Argument(..., help="x=KEY y=HEADLINE [hue=KEY]")):
    """A headline against a grid key, mean over seeds with 95 % intervals.

    Example: hebblab plot sweeps/window x=n_pairings y=ltp_amplitude"""
    from .cli import BadInput, _guard, console, safe

    def go():
        from .sweep import SWEEP_FILE, summarize
        opts = {}
        for item in spec:
            k, sep, v = item.partition("=")
            if not sep or k not in ("x", "y", "hue") or not v:
                raise BadInput(f"plot: {safe(item)}: expected x=KEY, y=HEADLINE or hue=KEY")
            opts[k] = v
        if "x" not in opts or "y" not in opts:
            raise BadInput("plot: give x=KEY and y=HEADLINE")
        path = Path(folder) / SWEEP_FILE
        try:
            doc = json.loads(path.read_text())
            rows = doc["rows"]
            assert isinstance(rows, list) and all(isinstance(r, dict) for r in rows)
        except (OSError, ValueError, KeyError, TypeError, AssertionError):
            raise BadInput(f"plot: {safe(folder)} is not a sweep folder (no readable {SWEEP_FILE})") from None
        x = f"set.{opts['x']}"
        hue = f"set.{opts['hue']}" if "hue" in opts else None
        keys = {k for r in rows for k in r}
        if x not in keys:
            allowed = ", ".join(sorted(k[4:] for k in keys if k.startswith("set."))) or "none"
            raise BadInput(f"plot: x={safe(opts['x'])} is not a grid key of this sweep (allowed: {allowed})")
        if hue is not None and hue not in keys:
            raise BadInput(f"plot: hue={safe(opts['hue'])} is not a grid key of this sweep")
        summary = summarize(rows, x, opts["y"], hue)
        if not summary["groups"]:
            heads = sorted({k.removesuffix(".mean") for k in keys if k.endswith(".mean")})[:20]
            raise BadInput(f"plot: y={safe(opts['y'])}: no finite values in the ok rows (headlines with "
                           f"intervals: {', '.join(heads)}{', ...' if len(heads) == 20 else ''})")
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        fig, ax = plt.subplots(figsize=(5.5, 3.8))
        for h, pts in summary["groups"].items():
            xs = [p[0] for p in pts]
            ax.errorbar(range(len(xs)) if any(isinstance(v, str) for v in xs) else xs, [p[1] for p in pts],
                        yerr=[0 if p[2] != p[2] else p[2] for p in pts], marker="o", capsize=3,
                        label=None if h is None else f"{opts['hue']} = {h}")
        n = sorted({p[3] for pts in summary["groups"].values() for p in pts})
        ax.set(xlabel=opts["x"], ylabel=summary["column"],
               title=f"mean over seeds (n = {', '.join(map(str, n))}), 95 % t interval")
        if hue:
            ax.legend(fontsize=8)
        fig.tight_layout()
        target = Path(folder) / f"plot-{opts['y']}-vs-{opts['x']}.png".replace(os.sep, "_")
        tmp = target.with_name(f".{target.name}.tmp{os.getpid()}.png")
        fig.savefig(tmp, dpi=120)
        os.replace(tmp, target)
        plt.close(fig)
        console.print(f"wrote {safe(target)}", highlight=False, soft_wrap=True)
    _guard(go)


def register(app: typer.Typer) -> None:
    app.command("sweep")(sweep)
    app.command("plot")(plot)
