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
        msg = first["msg"].removeprefix("Value error, ")
        if not first["loc"]:  # a check across several settings: its message names them
            raise BadInput(f"{exp.name}: {msg}") from None
        raise BadInput(f"--set {loc}={first.get('input')!r}: {msg}") from None


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
        _print_headline(result.headline, result.all_kinds())
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
        _print_claims(out / "claims.json")
        console.print(f"report: {path} ({time.perf_counter() - t0:.1f} s); verdicts in {out / 'claims.json'}")
    _guard(go)


def _print_headline(headline: dict, kinds: dict | None = None):
    from .report import flatten
    from .stats import fmt
    kinds = kinds or {}
    t = Table("name", "value [95 % interval]", "kind")
    for k, v in flatten(headline):
        t.add_row(k, fmt(v, 4), kinds.get(k, ""))
    console.print(t)


def _print_claims(path: Path):
    rows = json.loads(path.read_text())
    t = Table("the article's claim", "verdict", "deciding number", "experiment")
    for r in rows:
        number = "" if r["value"] is None else f"{r['headline']} = {r['value']:.4g}"
        if r.get("ci95"):
            number += f" [{r['ci95'][0]:.4g}, {r['ci95'][1]:.4g}]"
        if r.get("bound"):
            number = number.replace(" = ", " >= " if r["bound"] == "at_least" else " <= ")
        t.add_row(r["claim"], r["verdict"], number, r["experiment"])
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
        results = json.loads(path.read_text())
        _print_headline(results.get("headline", {}), results.get("kinds", {}))
    _guard(go)


BENCHES = ("song-abbott", "recurrent-100", "recurrent-1000", "monte-carlo", "scale")


def _bench_song_abbott(duration, threads=None):
    from .networks import GMAX, build_network
    t0 = time.perf_counter()
    net, _, neuron, syn = build_network(seed=1)
    net.threads = threads
    sp = net.monitor(neuron)
    net.run(net.dt)
    t1 = time.perf_counter()
    net.run(duration - net.dt)
    t2 = time.perf_counter()
    w = syn.w / GMAX
    return dict(build_load_s=t1 - t0, simulate_s=t2 - t1, rate_hz=len(sp) / duration, threads=net.threads_for_run(),
                events_per_s=len(syn) * 15.0 * duration / (t2 - t1), w_low=float((w < 0.1).mean()),
                w_high=float((w > 0.9).mean()))


def _bench_recurrent(k, duration, threads=None):
    from .networks import recurrent_network
    t0 = time.perf_counter()
    net, neurons, rec = recurrent_network(k=k, stdp=True, seed=1)
    net.threads = threads
    sp = net.monitor(neurons)
    net.run(net.dt)
    t1 = time.perf_counter()
    net.run(duration - net.dt)
    t2 = time.perf_counter()
    rate = len(sp) / neurons.n / duration
    return dict(build_load_s=t1 - t0, simulate_s=t2 - t1, rate_hz=rate, threads=net.threads_for_run(),
                events_per_s=rate * neurons.n * duration * k / (t2 - t1), synapses=len(rec))


def _bench_scale(n_syn=1e7, sim=0.02, threads=None):
    import numpy as np
    from .networks import RECURRENT, recurrent_network
    k = 100
    n = int(n_syn / k)
    t0 = time.perf_counter()
    net, neurons, rec = recurrent_network(n=n, k=k, stdp=True, seed=1, dtype=np.float32)
    net.threads = threads
    build = time.perf_counter() - t0
    per_syn = rec.bytes_per_synapse
    neurons.g_e[:] = RECURRENT["rate_ext"] * RECURRENT["w_ext"] * RECURRENT["tau_e"]
    neurons.v[:] = np.random.default_rng(1).uniform(-60e-3, -50e-3, n)
    net.run(net.dt)
    t1 = time.perf_counter()
    net.run(sim)
    return dict(build_s=build, simulate_s=time.perf_counter() - t1, sim=sim, synapses=len(rec), bytes=per_syn,
                threads=net.threads_for_run())


def _bench_monte_carlo(n_syn, n_pairings):
    import numpy as np
    from .experiments.write_cost import monte_carlo_write
    out = np.empty(n_syn)
    levels = 2**14  # a fine level grid: every synapse makes exactly n_pairings noisy write steps
    m = n_pairings
    monte_carlo_write(10, levels, 1, m, 1.0 / 255, 0, 0, 0, 4.87, 0.0, 1, 7, out[:10])  # compile/load
    t0 = time.perf_counter()
    monte_carlo_write(n_syn, levels, 1, m, 1.0 / 255, 0, 0, 0, 4.87, 0.0, 1, 7, out)
    el = time.perf_counter() - t0
    import numba
    return dict(simulate_s=el, pair_updates_per_s=n_syn * n_pairings / el, synapses=n_syn, pairings=n_pairings,
                threads=numba.get_num_threads())


@app.command()
def bench(name: Optional[str] = typer.Argument(None, help="one of: " + ", ".join(BENCHES) + " (default: all)"),
          duration: Optional[float] = typer.Option(None, "--duration", min=0.0, help="biological seconds"),
          threads: Optional[int] = typer.Option(None, "--threads", min=1,
                                                help="threads for the network benchmarks (default: all cores for large networks)")):
    """Time the hebblab side of the benchmarks in this process.  Example: hebblab bench song-abbott

    The scripts in benchmarks/ run the same networks in Brian2 and NEST beside hebblab and print ratios.
    """
    def go():
        names = list(BENCHES) if name is None else [name]
        for n in names:
            if n not in BENCHES:
                raise BadInput(f"unknown benchmark {n!r} (allowed: {', '.join(BENCHES)})")
        t = Table("benchmark", "threads", "build+load (s)", "simulate (s)", "throughput", "outcome")
        for n in names:
            if n == "song-abbott":
                r = _bench_song_abbott(duration or 100.0, threads)
                t.add_row(n, str(r["threads"]), f"{r['build_load_s']:.2f}", f"{r['simulate_s']:.2f}",
                          f"{r['events_per_s']:.3g} pre events/s",
                          f"{r['rate_hz']:.1f} Hz; w<0.1 {r['w_low']:.2f}, w>0.9 {r['w_high']:.2f}")
            elif n.startswith("recurrent-"):
                r = _bench_recurrent(int(n.split("-")[1]), duration or 2.0, threads)
                t.add_row(n, str(r["threads"]), f"{r['build_load_s']:.2f}", f"{r['simulate_s']:.2f}",
                          f"{r['events_per_s']:.3g} syn events/s",
                          f"{r['rate_hz']:.2f} Hz, {r['synapses']} plastic synapses")
            elif n == "scale":
                r = _bench_scale(threads=threads)
                t.add_row(n, str(r["threads"]), f"{r['build_s']:.2f}", f"{r['simulate_s']:.2f}",
                          f"{r['simulate_s'] / r['sim']:.3g} s per simulated s",
                          f"{r['synapses']} plastic synapses, {r['bytes']:.0f} bytes each (benchmarks/scale.py for 1e9)")
            else:
                r = _bench_monte_carlo(1_000_000, 1_000)
                t.add_row(n, str(r["threads"]), "-", f"{r['simulate_s']:.2f}", f"{r['pair_updates_per_s']:.3g} pair-updates/s",
                          f"{r['synapses']} synapses x {r['pairings']} noisy pairings")
        console.print(t)
    _guard(go)


def main():  # pragma: no cover
    app()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
