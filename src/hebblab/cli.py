"""The ``hebblab`` command.

Exit codes: 0 success, 2 bad input (one line naming the problem), 1 internal error.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import List, Optional

import typer
from rich import get_console
from rich.console import Console
from rich.table import Table

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="hebblab: how synapses learn in spiking networks. Example: hebblab report --quick")
console = get_console()
err = Console(stderr=True)


class BadInput(Exception):
    """Bad input from the user: one line, exit code 2."""


def _fail(msg: str, code: int = 2):
    err.print(f"[bold red]error:[/] {msg}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def _parse_sets(sets: list[str]) -> dict:
    out = {}
    for item in sets or []:
        if "=" not in item:
            raise BadInput(f"--set {item!r}: expected key=value")
        key, value = item.split("=", 1)
        try:
            out[key.strip()] = json.loads(value)
        except json.JSONDecodeError:
            out[key.strip()] = value
    return out


def _make_config(exp, size: str, overrides: dict):
    from pydantic import ValidationError
    try:
        return exp.make_config(size, overrides)
    except ValidationError as e:
        first = e.errors()[0]
        loc = ".".join(str(x) for x in first["loc"]) or "config"
        if first["type"] == "extra_forbidden":
            allowed = ", ".join(exp.config.model_fields)
            raise BadInput(f"--set {loc}: unknown key for {exp.name} (allowed: {allowed})") from None
        raise BadInput(f"--set {loc}={first.get('input')!r}: {first['msg']}") from None


def _experiment(name: str):
    from .experiments import EXPERIMENTS
    if name not in EXPERIMENTS:
        raise BadInput(f"unknown experiment {name!r} (allowed: {', '.join(EXPERIMENTS)})")
    return EXPERIMENTS[name]


def _size(quick: bool, full: bool) -> str:
    if quick and full:
        raise BadInput("choose one of --quick and --full")
    return "full" if full else "quick"


def _run_one(exp, size, seed, overrides, out: Path, progress: bool = True):
    from .report import write_run
    config = _make_config(exp, size, overrides)
    try:
        result = exp.run(config, seed=seed, progress=progress)
    except ValueError as e:  # a config combination the model refuses
        raise BadInput(f"{exp.name}: {e}") from None
    folder = write_run(exp, config, seed, result, out)
    info = json.loads((folder / "config.json").read_text())
    return folder, info, result


def _guard(fn):
    try:
        return fn()
    except BadInput as e:
        _fail(str(e))
    except ValueError as e:
        _fail(str(e))


@app.command("list")
def list_cmd():
    """List the experiments and the question each answers.  Example: hebblab list"""
    from .experiments import EXPERIMENTS
    t = Table("experiment", "question it answers")
    for name, exp in EXPERIMENTS.items():
        t.add_row(name, exp.question)
    console.print(t)


@app.command()
def run(name: str = typer.Argument(..., help="experiment name (see hebblab list)"),
        quick: bool = typer.Option(False, "--quick", help="small size, seconds (default)"),
        full: bool = typer.Option(False, "--full", help="publication size, minutes"),
        seed: int = typer.Option(1, "--seed", min=0, help="random seed"),
        set_: Optional[List[str]] = typer.Option(None, "--set", help="override a config value: key=value"),
        out: Path = typer.Option(Path("runs"), "--out", help="folder for run folders")):
    """Run one experiment and write its run folder.  Example: hebblab run write-cost --quick --set n_synapses=2000"""
    def go():
        exp = _experiment(name)
        size = _size(quick, full)
        overrides = _parse_sets(set_)
        _make_config(exp, size, overrides)  # validate before touching the disk
        from .report import check_writable
        check_writable(out)
        t0 = time.perf_counter()
        folder, _, result = _run_one(exp, size, seed, overrides, out)
        console.print(f"{exp.name}: {time.perf_counter() - t0:.1f} s -> {folder}/report.html")
        _print_headline(result.headline)
    _guard(go)


@app.command()
def report(quick: bool = typer.Option(False, "--quick", help="small sizes, about a minute (default)"),
           full: bool = typer.Option(False, "--full", help="publication sizes"),
           seed: int = typer.Option(1, "--seed", min=0),
           out: Path = typer.Option(Path("runs/report"), "--out", help="folder for the report and run folders"),
           only: Optional[List[str]] = typer.Option(None, "--only", help="run only these experiments")):
    """Run every experiment and write one HTML page with all figures.  Example: hebblab report --quick --out runs/report"""
    def go():
        from .experiments import EXPERIMENTS
        from .report import check_writable, write_index
        size = _size(quick, full)
        names = list(only) if only else list(EXPERIMENTS)
        exps = [_experiment(n) for n in names]
        for exp in exps:
            _make_config(exp, size, {})
        check_writable(out)
        t0 = time.perf_counter()
        runs = []
        for exp in exps:
            t1 = time.perf_counter()
            folder, info, result = _run_one(exp, size, seed, {}, out)
            console.print(f"  {exp.name:<20} {time.perf_counter() - t1:6.1f} s")
            runs.append((exp, folder, info, result))
        path = write_index(out, runs, size, time.perf_counter() - t0)
        console.print(f"report: {path} ({time.perf_counter() - t0:.1f} s)")
    _guard(go)


def _print_headline(headline: dict):
    from .report import flatten
    t = Table("name", "value")
    for k, v in flatten(headline):
        t.add_row(k, f"{v:.4g}" if isinstance(v, float) else str(v))
    console.print(t)


@app.command()
def show(folder: Path = typer.Argument(..., help="a run folder")):
    """Print the headline table of a run folder.  Example: hebblab show runs/song-abbott-*-seed1"""
    def go():
        path = folder / "results.json"
        if not path.is_file():
            raise BadInput(f"{folder}: not a run folder (no results.json)")
        cfg = json.loads((folder / "config.json").read_text())
        console.print(f"{cfg['experiment']} (seed {cfg['seed']}, hebblab {cfg['hebblab_version']}, {cfg['date']})")
        _print_headline(json.loads(path.read_text()))
    _guard(go)


@app.command()
def bench(name: str = typer.Argument("song-abbott", help="benchmark: song-abbott"),
          duration: float = typer.Option(100.0, "--duration", min=0.0, help="biological seconds")):
    """Time the hebblab side of a benchmark in this process.  Example: hebblab bench song-abbott"""
    def go():
        if name != "song-abbott":
            raise BadInput(f"unknown benchmark {name!r} (allowed: song-abbott)")
        from .networks import GMAX, build_network
        t0 = time.perf_counter()
        net, _, neuron, syn = build_network(seed=1)
        sp = net.monitor(neuron)
        net.run(net.dt)
        t1 = time.perf_counter()
        net.run(duration - net.dt)
        t2 = time.perf_counter()
        w = syn.w / GMAX
        console.print(f"song-abbott {duration:g} s: build+load {t1 - t0:.2f} s, simulate {t2 - t1:.2f} s, "
                      f"rate {len(sp) / duration:.1f} Hz, w<0.1: {(w < 0.1).mean():.2f}, w>0.9: {(w > 0.9).mean():.2f}")
    _guard(go)


def main():  # pragma: no cover
    app()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
