"""``hebblab import-bs2``: run a Brain Simulator II network and write a run folder.

The folder (``bs2-<file stem>-<hash of file and options>``) holds ``config.json``, ``results.json``
(spike counts, final weights of plastic synapses, modules and the neurons they owned, unknown
model names), ``spikes.csv``, ``figures/raster.png`` (neurons in the grid's order, labels shown),
``figures/grid.png`` (the network on its grid: neurons coloured by model, synapses as arrows,
labels), ``figures/weights.png`` (weight history of every plastic synapse) and ``report.html``
(all text escaped). It is written to a temporary folder first and renamed into place.

Use :func:`register` to add the command to a typer app (``cli_bs2.register(app)``).
"""

from __future__ import annotations

import hashlib
import html
import json
from pathlib import Path
from typing import List, Optional
import warnings

import numpy as np
import typer

from . import __version__
from .units import mark_si

MODEL_COLOURS = {"IF": "#4c72b0", "LIF": "#55a868", "Random": "#c44e52", "Burst": "#dd8452", "Always": "#8172b3",
                 "Color": "#937860", "FloatValue": "#8c8c8c"}
#: Above this many neurons the grid figure shows neurons as points and only labelled ones by name.
GRID_LABEL_LIMIT = 400
MAX_CYCLES = 10_000_000
MAX_WEIGHT_TRACES = 200
#: Weight histories keep at most about this many samples per synapse; the raster draws at most
#: this many spikes (the first ones; the title says so).
MAX_WEIGHT_SAMPLES = 10_000
MAX_RASTER_SPIKES = 200_000


def parse_stimulus(text: str) -> tuple[str, int]:
    """``LABEL@CYCLE`` -> (label, cycle); one clear ValueError otherwise."""
    if "@" not in text:
        raise ValueError(f"--stimulate must be LABEL@CYCLE, e.g. Burst@10 (got {text!r})")
    label, cycle = text.rsplit("@", 1)
    if not label or not cycle.strip().isdigit():
        raise ValueError(f"--stimulate must be LABEL@CYCLE with CYCLE an integer >= 0 (got {text!r})")
    return label, int(cycle)


def _grid_order(imp) -> np.ndarray:
    """Population indices sorted as the grid reads: row by row (y), then column (x)."""
    pos = imp.positions
    return np.lexsort((pos[:, 0], pos[:, 1]))


def raster_figure(imp, steps, idx, cycles: int):
    from matplotlib.figure import Figure
    order = _grid_order(imp)
    rank = np.empty_like(order)
    rank[order] = np.arange(order.size)
    active = np.unique(idx)
    show = np.array(sorted(set(active.tolist()) | {imp.index_of(i) for i in imp.labels}), dtype=np.int64)
    show = show[np.argsort(rank[show])] if show.size else show
    row_of = {int(k): r for r, k in enumerate(show)}
    fig = Figure(figsize=(9, max(2.5, min(0.18 * len(show) + 1.2, 30))))
    ax = fig.subplots()
    total = len(steps)
    steps, idx = steps[:MAX_RASTER_SPIKES], idx[:MAX_RASTER_SPIKES]
    if len(steps):
        ax.scatter(steps, [row_of[int(k)] for k in idx], s=4, marker="|", color="black")
    labels = imp.labels
    ax.set_yticks(range(len(show)))
    ax.set_yticklabels([f"{labels.get(int(imp.ids[k]), '')} #{int(imp.ids[k])}".strip() for k in show], fontsize=6)
    ax.set_xlim(0, max(cycles, 1))
    ax.set_ylim(len(show) - 0.5, -0.5)
    ax.set_xlabel("cycle")
    shown = f"{total} spikes" if total == len(steps) else f"the first {len(steps)} of {total} spikes"
    ax.set_title(f"spikes of neurons that fired or have labels, in grid order (row, then column): {shown}")
    return fig


def grid_figure(imp):
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D
    pos = imp.positions
    models = imp.models
    fig = Figure(figsize=(9, 7))
    ax = fig.subplots()
    small = len(models) <= GRID_LABEL_LIMIT
    for name, proj in imp.projections.items():
        pairs = imp.synapse_ids[name]
        if len(pairs) > 5000:
            pairs = pairs[:5000]
        for a, b in pairs:
            xa, ya, xb, yb = a // imp.rows, a % imp.rows, b // imp.rows, b % imp.rows
            ax.annotate("", xy=(xb, yb), xytext=(xa, ya),
                        arrowprops=dict(arrowstyle="->", lw=0.6, color="#d62728" if proj.rule else "#999999",
                                        shrinkA=4, shrinkB=4))
    cols = [MODEL_COLOURS.get(m, "black") for m in models]
    ax.scatter(pos[:, 0], pos[:, 1], c=cols, s=40 if small else 4, zorder=3, edgecolors="none")
    for i, lab in imp.labels.items():
        k = imp.index_of(i)
        ax.annotate(lab[:24], (pos[k, 0], pos[k, 1]), fontsize=6 if small else 4, xytext=(3, 3),
                    textcoords="offset points")
    for m in imp.modules:
        x0, y0 = m.first // imp.rows, m.first % imp.rows
        ax.add_patch(__import__("matplotlib.patches", fromlist=["Rectangle"]).Rectangle(
            (x0 - 0.5, y0 - 0.5), m.width, m.height, fill=False, ls="--", lw=0.8, color="#2ca02c"))
        ax.annotate(f"module {m.label}", (x0 - 0.5, y0 - 0.6), fontsize=5, color="#2ca02c")
    present = sorted(set(models), key=list(MODEL_COLOURS).index)
    handles = [Line2D([], [], marker="o", ls="", color=MODEL_COLOURS[m], label=m) for m in present]
    handles += [Line2D([], [], color="#999999", label="Fixed synapse"), Line2D([], [], color="#d62728", label="plastic synapse")]
    ax.legend(handles=handles, fontsize=6, loc="upper right")
    xs = np.concatenate([pos[:, 0]] + [[m.first // imp.rows, m.first // imp.rows + m.width] for m in imp.modules])
    ys = np.concatenate([pos[:, 1]] + [[m.first % imp.rows, m.first % imp.rows + m.height] for m in imp.modules])
    ax.set_xlim(xs.min() - 1, xs.max() + 1)  # the part of the grid in use
    ax.set_ylim(ys.max() + 1, ys.min() - 1)
    ax.set_aspect("equal")
    ax.set_xlabel("column x")
    ax.set_ylabel("row y (id = x * rows + y)")
    ax.set_title(f"{imp.population.n} neurons on a {imp.rows}-row grid")
    return fig


def weights_figure(imp, monitors: dict):
    from matplotlib.figure import Figure
    fig = Figure(figsize=(9, 3.5))
    ax = fig.subplots()
    n = 0
    for name, mon in monitors.items():
        pairs = imp.synapse_ids[name]
        vals = mon.values
        steps = np.rint(mon.t / imp.cycle_s).astype(int)
        for q in range(vals.shape[1]):
            a, b = pairs[mon.indices[q]] if hasattr(mon, "indices") else pairs[q]
            ax.plot(steps, vals[:, q], lw=0.8, label=f"{name} {imp.labels.get(int(a), '#' + str(a))} -> "
                    f"{imp.labels.get(int(b), '#' + str(b))}")
            n += 1
    if n == 0:
        ax.text(0.5, 0.5, "no plastic synapses", ha="center", va="center", transform=ax.transAxes)
    elif n <= 12:
        ax.legend(fontsize=6)
    ax.set_xlabel("cycle")
    ax.set_ylabel("weight")
    every = int(round(next(iter(monitors.values())).every)) if monitors else 1
    ax.set_title(f"weight history of {n} plastic synapses (sampled every {every} cycle{'s' if every > 1 else ''})")
    return fig


def run_folder(path: Path, cycles: int, stimuli: list, cycle_ms: float, strict: bool, out: Path) -> Path:
    """Load, stimulate, run and write the run folder; returns its path. ValueError on bad input."""
    from .io import bs2
    from .report import check_writable
    from .si import ms
    if isinstance(cycles, bool) or int(cycles) != cycles or not 0 <= int(cycles) <= MAX_CYCLES:
        raise ValueError(f"--cycles must be an integer in [0, {MAX_CYCLES}] (got {cycles!r})")
    cycles = int(cycles)
    if not (isinstance(cycle_ms, (int, float)) and np.isfinite(cycle_ms) and cycle_ms > 0):
        raise ValueError(f"--cycle-ms must be > 0 (got {cycle_ms!r})")
    parsed = [parse_stimulus(s) for s in stimuli]
    for label, c in parsed:
        if c >= cycles:
            raise ValueError(f"--stimulate {label}@{c}: CYCLE must be in [0, {cycles - 1}] (the run has {cycles} cycles)")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", bs2.BS2ImportWarning)
        imp = bs2.load(path, cycle_s=cycle_ms * ms, strict=strict)
    notices = [str(w.message) for w in caught if issubclass(w.category, bs2.BS2ImportWarning)]
    for label, c in parsed:
        imp.stimulate(label, c)
    net = imp.network
    spikes = net.monitor(imp.population)
    plastic = {name: p for name, p in imp.projections.items() if p.rule is not None}
    wmons = {}
    every = max(1, cycles // MAX_WEIGHT_SAMPLES)
    budget = MAX_WEIGHT_TRACES
    for name, p in plastic.items():
        k = min(p.n_synapses, budget)
        budget -= k
        if k:
            wmons[name] = net.monitor(p, "w", every=mark_si(every * imp.cycle_s), indices=np.arange(k))
    imp.run(cycles)
    steps, idx = spikes.steps, spikes.i
    data = path.read_bytes()
    digest = hashlib.sha256(data + json.dumps([cycles, stimuli, cycle_ms, strict]).encode()).hexdigest()[:10]
    check_writable(out)
    final = out / f"bs2-{path.stem}-{digest}"
    counts = np.bincount(idx, minlength=imp.population.n) if len(idx) else np.zeros(imp.population.n, int)
    results = {
        "file": path.name, "cycles": cycles, "cycle_s": imp.cycle_s, "neurons": int(imp.population.n),
        "array_size": imp.array_size, "rows": imp.rows, "refractory_cycles": imp.file.refractory,
        "synapses": {k: int(p.n_synapses) for k, p in imp.projections.items()},
        "spikes": int(len(idx)),
        "spike_counts_by_label": {lab: int(counts[imp.index_of(i)]) for i, lab in imp.labels.items()},
        "final_weights": {name: [{"source": int(a), "target": int(b), "w": float(w)}
                                 for (a, b), w in zip(imp.synapse_ids[name], p.w)][:MAX_WEIGHT_TRACES]
                          for name, p in plastic.items()},
        "modules": [{"label": m.label, "type": m.type, "first_neuron": m.first, "width": m.width, "height": m.height,
                     "neurons": len(m.neurons)} for m in imp.modules],
        "modules_note": "modules are C# code and do not run in hebblab; the network runs without them",
        "unknown_models": imp.unknown,
        "warnings": notices,
    }
    import datetime as _dt
    results["headline"] = {"neurons": results["neurons"], "synapses": sum(results["synapses"].values()),
                           "cycles": cycles, "spikes": results["spikes"]}
    results["kinds"] = {k: "exact" for k in results["headline"]}  # counts of one deterministic run
    config = {"experiment": "import-bs2", "seed": int(net.seed), "hebblab_version": __version__,
              "date": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
              "config": {"file": str(path), "cycles": cycles, "stimulate": list(stimuli), "cycle_ms": cycle_ms,
                         "strict": strict, "backend": net.backend},
              # the same settings at the top level, as earlier versions wrote them
              "file": str(path), "cycles": cycles, "stimulate": list(stimuli), "cycle_ms": cycle_ms,
              "strict": strict, "version": __version__, "backend": net.backend}
    from .report import _write_file, finish_folder, write_folder

    def fill(tmp: Path) -> None:
        (tmp / "figures").mkdir()
        figs = {"raster": raster_figure(imp, steps, idx, cycles), "grid": grid_figure(imp),
                "weights": weights_figure(imp, wmons)}
        for name, fig in figs.items():
            fig.savefig(tmp / "figures" / f"{name}.png", dpi=110, bbox_inches="tight")
        _write_file(tmp / "config.json", json.dumps(config, indent=2))
        _write_file(tmp / "results.json", json.dumps(results, indent=2))
        rows = ["cycle,neuron_id,label"]
        labels = imp.labels
        for t, k in zip(steps.tolist(), idx.tolist()):
            i = int(imp.ids[k])
            lab = labels.get(i, "").replace('"', '""')
            rows.append(f'{t},{i},"{lab}"')
        _write_file(tmp / "spikes.csv", "\n".join(rows) + "\n")
        _write_file(tmp / "report.html", report_html(imp, results, notices, list(figs)))
        finish_folder(tmp, f"import-bs2 {path.name} {cycles} cycles")

    final = write_folder(out, final.name, fill)
    return final


def report_html(imp, results: dict, notices: list, figures: list) -> str:
    e = html.escape
    rows = "".join(f"<tr><td>{e(str(k))}</td><td>{e(str(v))}</td></tr>" for k, v in
                   [("file", results["file"]), ("cycles", results["cycles"]), ("cycle length", f"{results['cycle_s'] * 1e3:g} ms"),
                    ("neurons in use", results["neurons"]),
                    ("grid", f"{results['rows']} rows x {results['array_size'] // results['rows']} columns"),
                    ("refractory", f"{results['refractory_cycles']} cycles"), ("synapses", results["synapses"]),
                    ("spikes", results["spikes"])])
    mods = "".join(f"<li>{e(m['label'])} ({e(m['type'])}): {m['neurons']} neurons from id {m['first_neuron']}</li>"
                   for m in results["modules"])
    warn = "".join(f"<p class='warn'>{e(n)}</p>" for n in notices)
    notes = e(imp.notes).replace("\n", "<br>")
    counts = "".join(f"<tr><td>{e(k)}</td><td>{v}</td></tr>" for k, v in results["spike_counts_by_label"].items())
    figs = "".join(f"<h2>{e(f)}</h2><img src='figures/{e(f)}.png' style='max-width:100%'>" for f in figures)
    body = (f"<h1>{e(results['file'])} (Brain Simulator II network)</h1>{warn}<table>{rows}</table>"
            f"<h2>Modules (listed, not run)</h2><ul>{mods or '<li>none</li>'}</ul>"
            f"<h2>Spikes per labelled neuron</h2><table>{counts}</table>{figs}<h2>Network notes</h2><p>{notes}</p>")
    return (f"<!doctype html><html><head><meta charset='utf-8'><title>{e(results['file'])}</title></head>"
            f"<body>{body}</body></html>")


def import_bs2(
    file: Path = typer.Argument(..., help="a Brain Simulator II network (.xml)"),
    cycles: int = typer.Option(1000, "--cycles", help="cycles to run"),
    stimulate: Optional[List[str]] = typer.Option(None, "--stimulate", help="LABEL@CYCLE: fire that neuron at that cycle (repeatable)"),
    cycle_ms: float = typer.Option(1.0, "--cycle-ms", help="length of one cycle in ms (BS2 documents 1 or 4)"),
    strict: bool = typer.Option(False, "--strict", help="refuse unknown model names instead of loading them as IF / Fixed"),
    out: Path = typer.Option(Path("runs"), "--out", help="folder for the run folder"),
):
    """Run a Brain Simulator II network file and write a run folder (raster, grid, weights, report.html)."""
    from rich.console import Console
    err = Console(stderr=True)
    try:
        folder = run_folder(Path(file), cycles, list(stimulate or []), cycle_ms, strict, Path(out))
    except ValueError as exc:
        from rich.markup import escape
        err.print(f"[bold red]error:[/] {escape(str(exc))}", highlight=False, soft_wrap=True)
        raise typer.Exit(2)
    except OSError as exc:  # a full disk, a folder that cannot be written: one line
        from rich.markup import escape
        where = f" ({exc.filename})" if exc.filename else ""
        err.print(f"[bold red]error:[/] {escape((exc.strerror or str(exc)) + where)}", highlight=False, soft_wrap=True)
        raise typer.Exit(1)
    res = json.loads((folder / "results.json").read_text())
    for note in res.get("warnings", []):
        err.print(f"warning: {note}", markup=False, highlight=False, soft_wrap=True)
    typer.echo(f"{res['file']}: {res['neurons']} neurons, {sum(res['synapses'].values())} synapses, "
               f"{res['cycles']} cycles, {res['spikes']} spikes; {len(res['modules'])} modules listed (not run)")
    typer.echo(str(folder))


def register(app: typer.Typer) -> None:
    """Add ``import-bs2`` to a typer app."""
    app.command("import-bs2")(import_bs2)
