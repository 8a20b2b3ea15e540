"""The ``hebblab`` command.

Exit codes: 0 success, 2 bad input (one line on stderr naming the problem; nothing created), 1 an
error of the machine or of hebblab (one line too: a full disk, an internal error; ``HEBBLAB_DEBUG=1``
shows the traceback of an internal error).

Every string that comes from the user or from a run folder is printed escaped: rich markup is not
interpreted and control characters (an ESC sequence, a carriage return) are shown as ``\\x1b``.
"""

from __future__ import annotations

import contextlib
import difflib
import json
import os
import re
import signal
import sys
import time
import unicodedata
from pathlib import Path
from typing import List, Optional

import typer

try:  # typer >= 0.20 carries its own copy of click
    from typer import _click as click
except ImportError:  # pragma: no cover
    import click
from rich import get_console
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text
from typer.core import TyperGroup

from .cli_options import SIZE_HELP, Size
from .units import takes_units

_ABORTS = tuple({typer.Abort, getattr(click, "Abort", typer.Abort)})  #: ^C at a prompt, EOF
MAX_SEED = 2**32 - 1
MAX_BENCH_S = 10_000.0  #: longest --duration of hebblab bench
MAX_VALUE_CHARS = 10_000  #: a --set value longer than this is refused
PIPE_WIDTH = 4096  #: rich's width when output is not a terminal and COLUMNS is unset (rich's own is 80)
REPORT_LOCK = ".hebblab-report.lock"  #: held in --out by the one `hebblab report` that writes there


def clean(s) -> str:
    """``s`` as text safe for a terminal: control and format characters written as escapes."""
    s = str(s)
    if s.isprintable():
        return s
    out = []
    for ch in s:
        if ch.isprintable() or ch == " ":
            out.append(ch)
        elif unicodedata.category(ch)[0] in "CZ" and ord(ch) < 0x10000:
            out.append(f"\\x{ord(ch):02x}" if ord(ch) < 0x100 else f"\\u{ord(ch):04x}")
        else:
            out.append(f"\\U{ord(ch):08x}")
    return "".join(out)


def safe(s) -> str:
    """``s`` cleaned of control characters and escaped for rich markup."""
    return escape(clean(s))


def short(value, limit: int = 60) -> str:
    """repr of a value, cut to ``limit`` characters (a 5000-digit number is not echoed whole)."""
    text = repr(value)
    return text if len(text) <= limit else f"{text[:limit - 20]}...({len(text)} characters)"


class _OneLineErrors(TyperGroup):
    """Usage errors as one line on stderr, exit 2 (not typer's box)."""

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        try:
            rv = super().main(args=args, prog_name=prog_name, complete_var=complete_var, standalone_mode=False,
                              **extra)
        except click.ClickException as e:
            if type(e).__name__ == "NoArgsIsHelpError":  # bare `hebblab`: the help, as asked for
                click.echo(e.ctx.get_help())
                return self._done(0, standalone_mode)
            msg = " ".join(e.format_message().split())
            ctx = getattr(e, "ctx", None)
            hint = f" (see {ctx.command_path} --help)" if ctx is not None else ""
            err.print(f"[bold red]error:[/] {safe(msg)}{safe(hint)}", highlight=False, soft_wrap=True)
            rv = e.exit_code
        except _ABORTS:
            err.print("aborted", highlight=False)
            rv = 1
        return self._done(rv, standalone_mode)

    @staticmethod
    def _done(rv, standalone_mode):
        if not standalone_mode:
            return rv
        sys.exit(rv if isinstance(rv, int) else 0)


app = typer.Typer(add_completion=True, no_args_is_help=True, cls=_OneLineErrors,
                  help="hebblab: how synapses learn in spiking networks. Example: hebblab report --quick")


def _widen(c: Console) -> Console:
    """Piped or redirected output is not cut at rich's default 80 columns: a console that is not a
    terminal gets :data:`PIPE_WIDTH` unless COLUMNS says otherwise."""
    if not c.is_terminal and not os.environ.get("COLUMNS"):
        c.width = PIPE_WIDTH
    return c


console = _widen(get_console())
err = _widen(Console(stderr=True))


def _version(value: bool):
    if value:
        from . import __version__
        console.print(f"hebblab {__version__}", highlight=False)
        raise typer.Exit()


@app.callback()
def _main_options(version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                               help="print hebblab's version and exit")):
    """hebblab: how synapses learn in spiking networks. Example: hebblab report --quick"""


class BadInput(Exception):
    """Bad input from the user: one line, exit code 2."""


def _fail(msg: str, code: int = 2):
    err.print(f"[bold red]error:[/] {safe(' '.join(str(msg).split()))}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def _allowed(exp, key: str) -> str:
    from .experiments.base import allowed_range
    text = allowed_range(exp.config, key)
    return f" (allowed: {text})" if text else ""


_BIG_INT = re.compile(r"\s*[+-]?\d{400,}\s*")


def split_item(option: str, item: str, form: str) -> tuple[str, str]:
    """``key=value`` of one ``option`` item, the key stripped; refused with one line naming the
    option when there is no ``=`` or the key is empty (``form`` shows what was expected)."""
    if "=" not in item:
        raise BadInput(f"{option} {short(item)}: expected {form}")
    key, value = item.split("=", 1)
    key = key.strip()
    if not key:
        raise BadInput(f"{option} {short(item)}: empty key (expected {form})")
    return key, value


def _parse_sets(sets: list[str], exp=None) -> dict:
    """``--set key=value`` items as a dict; values parsed as JSON (else kept as text). Refused with one
    line: no ``=``, an empty key, a key given twice, a value too long or not a number Python can hold."""
    out = {}
    for item in sets or []:
        key, value = split_item("--set", item, "key=value")
        if key in out:
            raise BadInput(f"--set {key}: given twice ({short(out[key])} and {short(value)}); give each key once")
        allowed = _allowed(exp, key) if exp is not None else ""
        if len(value) > MAX_VALUE_CHARS:
            raise BadInput(f"--set {key}={short(value)}: too long (at most {MAX_VALUE_CHARS:,} characters){allowed}")
        if _BIG_INT.fullmatch(value):
            raise BadInput(f"--set {key}={short(value)}: number out of range{allowed}")
        try:
            out[key] = json.loads(value)
        except json.JSONDecodeError:
            out[key] = value
        except RecursionError:
            raise BadInput(f"--set {key}={short(value)}: nested too deeply{allowed}") from None
        except ValueError as e:
            raise BadInput(f"--set {key}={short(value)}: not a value ({e}){allowed}") from None
    return out


def _make_config(exp, size: str, overrides: dict):
    from pydantic import ValidationError
    try:
        return exp.make_config(size, overrides)
    except ValidationError as e:
        first = e.errors()[0]
        loc = first["loc"]
        if first["type"] == "extra_forbidden":
            allowed = ", ".join(exp.config.model_fields)
            raise BadInput(f"--set {loc[0] if loc else 'config'}: unknown key for {exp.name} (allowed: {allowed})") from None
        msg = first["msg"].removeprefix("Value error, ")
        if not loc:  # a check across several settings: its message names them
            raise BadInput(f"{exp.name}: {msg}") from None
        key = str(loc[0])
        value = overrides.get(key, first.get("input"))
        where = f" (item {loc[1]})" if len(loc) > 1 and isinstance(loc[1], int) else ""
        allowed = _allowed(exp, key)
        if allowed and allowed[len(" (allowed: "):-1] in msg:
            allowed = ""
        raise BadInput(f"--set {key}={short(value)}{where}: {msg}{allowed}") from None
    except RecursionError:
        raise BadInput(f"{exp.name}: a --set value nested too deeply") from None


def did_you_mean(name, choices) -> str:
    """`` did you mean X?`` for the closest of ``choices`` to a mistyped ``name`` (difflib), or ``""``."""
    close = difflib.get_close_matches(str(name), list(choices), n=1, cutoff=0.6)
    return f" did you mean {close[0]}?" if close else ""


def unknown(what: str, name, choices) -> BadInput:
    """The one-line refusal of an unknown name: the closest match, then every allowed name."""
    hint = did_you_mean(name, choices)
    return BadInput(f"unknown {what} {short(name)}{';' + hint if hint else ''} (allowed: {', '.join(choices)})")


def _experiment(name: str):
    from .experiments import EXPERIMENTS
    if name not in EXPERIMENTS:
        raise unknown("experiment", name, EXPERIMENTS)
    return EXPERIMENTS[name]


def experiment_names(incomplete: str = "") -> list[str]:
    """Shell completion of an experiment name."""
    from .experiments import EXPERIMENTS
    return [n for n in EXPERIMENTS if n.startswith(incomplete)]


def _size(quick: bool, full: bool, size: "Size | str | None" = None) -> str:
    """One size from ``--size`` and its aliases ``--quick`` / ``--full``; two that disagree are refused."""
    given = {name for name, on in (("quick", quick), ("full", full)) if on}
    if size is not None:
        given.add(getattr(size, "value", size))
    if len(given) > 1:
        raise BadInput("choose one of --quick and --full (or --size quick|full)")
    return given.pop() if given else "quick"


def _out(out: str) -> Path:
    from .report import check_writable
    if not out.strip():
        raise BadInput("--out '': an empty path (give a folder, e.g. --out runs)")
    path = Path(out)
    try:
        check_writable(path)
    except ValueError as e:
        raise BadInput(str(e)) from None
    return path


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


@contextlib.contextmanager
def _terminate_cleanly():
    """SIGTERM as SystemExit(143) while a run writes, so that its temporary folder is removed (a
    SIGKILL cannot be caught: the next writer removes what it leaves)."""
    def stop(signum, frame):
        raise SystemExit(128 + signum)

    try:
        previous = signal.signal(signal.SIGTERM, stop)
    except ValueError:  # not the main thread: leave signals alone
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _guard(fn):
    try:
        with _terminate_cleanly():
            return fn()
    except (typer.Exit, KeyboardInterrupt, SystemExit):
        raise
    except BadInput as e:
        _fail(str(e))
    except ValueError as e:
        _fail(str(e))
    except OSError as e:
        where = f"{e.filename}: " if e.filename else ""
        _fail(f"{where}{e.strerror or e} (errno {e.errno})" if e.errno else f"{where}{e}", code=1)
    except Exception as e:  # an internal error: one line, the traceback on request
        if os.environ.get("HEBBLAB_DEBUG"):
            raise
        _fail(f"internal error ({type(e).__name__}: {short(str(e), 200)}); HEBBLAB_DEBUG=1 shows the traceback",
              code=1)


@app.command("list")
def list_cmd():
    """List the experiments and the question each answers.  Example: hebblab list"""
    from .experiments import EXPERIMENTS
    t = Table("experiment", "question it answers")
    for name, exp in EXPERIMENTS.items():
        t.add_row(name, exp.question)
    console.print(t)


def _type_name(annotation) -> str:
    """A config field's type as people read it: ``int``, ``float``, ``tuple[float, ...]``."""
    import typing
    if typing.get_origin(annotation) is typing.Annotated:
        return _type_name(typing.get_args(annotation)[0])
    if isinstance(annotation, type) and not typing.get_args(annotation):
        return annotation.__name__
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin is typing.Literal:
        return " | ".join(sorted({type(a).__name__ for a in args}))
    if origin in (typing.Union, getattr(__import__("types"), "UnionType", None)):
        return " | ".join(_type_name(a) for a in args)
    if origin is not None and args:
        name = getattr(origin, "__name__", str(origin))
        return f"{name}[{', '.join('...' if a is Ellipsis else _type_name(a) for a in args)}]"
    return str(annotation).replace("typing.", "")


def _preset_text(v) -> str:
    """A preset value, compact: floats to 6 significant figures, sequences cut at 60 characters."""
    if isinstance(v, float):
        return f"{v:.6g}"
    if isinstance(v, (list, tuple)):
        parts = [_preset_text(x) for x in v]
        while len(", ".join(parts)) > 60 and len(parts) > 1:
            parts.pop()
        return f"({', '.join(parts)})" if len(parts) == len(v) else f"({', '.join(parts)}, ...: {len(v)} values)"
    return short(v, 60)


def settings_table(exp) -> Table:
    """The ``--set`` keys of an experiment: type, the quick and full presets' values, allowed range."""
    from pydantic_core import PydanticUndefined

    from .experiments.base import allowed_range
    t = Table("--set key", "type", "default (quick)", "full", "allowed", title=f"{exp.name}: --set keys",
              title_justify="left")
    for key, info in exp.config.model_fields.items():
        default = info.default if info.default is not PydanticUndefined else "(required)"
        quick_v = exp.quick.get(key, default)
        full_v = exp.full.get(key, default)
        t.add_row(_cell(key), _cell(_type_name(info.annotation)), _cell(_preset_text(quick_v)), _cell(_preset_text(full_v)),
                  _cell(allowed_range(exp.config, key)))
    return t


class _RunCommand(typer.core.TyperCommand):
    """``hebblab run NAME --help`` also lists NAME's ``--set`` keys (from its pydantic config)."""

    def parse_args(self, ctx, args):
        if "--help" in args:
            from .experiments import EXPERIMENTS
            ctx.meta["hebblab.experiment"] = next((a for a in args if a in EXPERIMENTS), None)
        return super().parse_args(ctx, args)

    def format_help(self, ctx, formatter):
        super().format_help(ctx, formatter)
        name = ctx.meta.get("hebblab.experiment")
        if name:
            from .experiments import EXPERIMENTS
            console.print(settings_table(EXPERIMENTS[name]))
        else:
            console.print("hebblab run NAME --help lists the --set keys of experiment NAME (hebblab list names them).",
                          highlight=False)


SIZE_OPTION = dict(case_sensitive=False, help=SIZE_HELP)


@app.command(cls=_RunCommand)
def run(name: str = typer.Argument(..., help="experiment name (see hebblab list)", autocompletion=experiment_names),
        size_: Optional[Size] = typer.Option(None, "--size", **SIZE_OPTION),
        quick: bool = typer.Option(False, "--quick", help="alias of --size quick"),
        full: bool = typer.Option(False, "--full", help="alias of --size full"),
        seed: int = typer.Option(1, "--seed", min=0, max=MAX_SEED, help="random seed"),
        set_: Optional[List[str]] = typer.Option(None, "--set", help="override a config value: key=value "
                                                                     "(hebblab run NAME --help lists the keys)"),
        out: str = typer.Option("runs", "--out", help="folder for run folders"),
        dry_run: bool = typer.Option(False, "--dry-run", help="check the settings and --out, run nothing, write nothing"),
        checkpoint_every: Optional[str] = typer.Option(None, "--checkpoint-every",
                                                       help="keep a checkpoint, written this often (e.g. 60s, 2m, 1h; "
                                                            "0s: after every part); continue with hebblab resume")):
    """Run one experiment and write its run folder.  Example: hebblab run write-cost --quick --set n_synapses=2000"""
    def go():
        from .checkpoint import parse_duration
        exp = _experiment(name)
        size = _size(quick, full, size_)
        overrides = _parse_sets(set_, exp)
        config = _make_config(exp, size, overrides)  # validate before touching the disk
        every = None if checkpoint_every is None else parse_duration(checkpoint_every)
        folder = _out(out)
        if dry_run:
            from .report import config_hash
            target = folder / f"{exp.name}-{config_hash(exp.name, config.model_dump(mode='json'))}-seed{seed}"
            console.print(f"ok: {safe(exp.name)} {size} seed {seed} would write {safe(target)}", highlight=False,
                          soft_wrap=True)
            return
        t0 = time.perf_counter()
        if every is None:
            written, _, result = _run_one(exp, size, seed, overrides, folder)
        else:
            from .cli_resume import run_checkpointed
            written, result = run_checkpointed(exp, config, seed, folder, every,
                                               say=lambda m: err.print(safe(m), highlight=False, soft_wrap=True))
        console.print(f"{safe(exp.name)}: {time.perf_counter() - t0:.1f} s -> {safe(written)}/report.html",
                      highlight=False, soft_wrap=True)
        _print_headline(result.headline, result.all_kinds())
    _guard(go)


@app.command()
def report(size_: Optional[Size] = typer.Option(None, "--size", **SIZE_OPTION),
           quick: bool = typer.Option(False, "--quick", help="alias of --size quick"),
           full: bool = typer.Option(False, "--full", help="alias of --size full"),
           seed: int = typer.Option(1, "--seed", min=0, max=MAX_SEED),
           out: str = typer.Option("runs/report", "--out", help="folder for the report and run folders"),
           only: Optional[List[str]] = typer.Option(None, "--only", help="run only these experiments")):
    """Run every experiment and write one HTML page with all figures.  Example: hebblab report --quick --out runs/report"""
    def go():
        from .experiments import EXPERIMENTS
        from .report import write_index
        size = _size(quick, full, size_)
        names = list(only) if only else list(EXPERIMENTS)
        exps = [_experiment(n) for n in names]
        for exp in exps:
            _make_config(exp, size, {})
        folder = _out(out)
        t0 = time.perf_counter()
        runs = []
        with _report_lock(folder):
            for exp in exps:
                t1 = time.perf_counter()
                written, info, result = _run_one(exp, size, seed, {}, folder)
                console.print(f"  {exp.name:<20} {time.perf_counter() - t1:6.1f} s", highlight=False)
                runs.append((exp, written, info, result))
            path = write_index(folder, runs, size, time.perf_counter() - t0)
        _print_claims(folder / "claims.json")
        console.print(f"report: {safe(path)} ({time.perf_counter() - t0:.1f} s); verdicts in "
                      f"{safe(folder / 'claims.json')}", highlight=False, soft_wrap=True)
    _guard(go)


@contextlib.contextmanager
def _report_lock(folder: Path):
    """Hold ``folder``'s report lock (filelock) while one ``hebblab report`` writes there: a second one
    with the same --out is refused in one line (exit 2) instead of mixing its report.html and
    claims.json with the first one's. Run folders are safe without it (report.write_folder)."""
    from filelock import FileLock, Timeout
    folder.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(folder / REPORT_LOCK), thread_local=False)
    try:
        lock.acquire(timeout=0)
    except Timeout:
        raise BadInput(f"--out {folder}: another hebblab report is writing there (lock {folder / REPORT_LOCK}); "
                       "wait for it to finish or choose another --out") from None
    try:
        yield
    finally:
        lock.release(force=True)


def _cell(v) -> Text:
    """A table cell: plain text (no markup), control characters escaped."""
    return Text(clean(v))


def _value_text(v) -> str:
    from .stats import fmt
    try:
        return fmt(v, 4)
    except Exception:  # a value of a damaged or foreign results.json
        return short(v, 80)


def _print_headline(headline: dict, kinds: dict | None = None):
    from .report import flatten
    kinds = kinds if isinstance(kinds, dict) else {}
    t = Table("name", "value [95 % interval]", "kind")
    for k, v in flatten(headline):
        t.add_row(_cell(k), _cell(_value_text(v)), _cell(kinds.get(k, "")))
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
        t.add_row(_cell(r["claim"]), _cell(r["verdict"]), _cell(number), _cell(r["experiment"]))
    console.print(t)


def _run_folders_in(folder: Path) -> list[Path]:
    """The complete run folders directly inside ``folder`` (a COMPLETE marker and results.json), by
    name; hidden temporaries and anything else left out. Empty when ``folder`` is itself a run folder."""
    from .report import MARKER, is_temporary
    if (folder / "results.json").exists() or (folder / "config.json").exists():
        return []
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError:
        return []
    return [Path(e.path) for e in entries
            if e.is_dir(follow_symlinks=False) and not is_temporary(e.name) and not e.name.startswith(".")
            and os.path.isfile(os.path.join(e.path, MARKER)) and os.path.isfile(os.path.join(e.path, "results.json"))]


def _print_folder_list(folder: Path, runs: list[Path]) -> None:
    from .report import RunFolderError, read_json_file
    t = Table("run folder", "experiment", "seed", "date", title=f"{clean(folder)}: {len(runs)} run folders",
              title_justify="left")
    for r in runs:
        try:
            cfg = read_json_file(r / "config.json")
            cfg = cfg if isinstance(cfg, dict) else {}
            row = [cfg.get("experiment", "?"), cfg.get("seed", "?"), cfg.get("date", "?")]
        except RunFolderError as e:
            row = [f"unreadable ({e})", "", ""]
        t.add_row(_cell(r.name), *(_cell(x) for x in row))
    console.print(t)


@app.command()
def show(folder: str = typer.Argument(..., help="a run folder, or a folder of run folders (e.g. runs/)")):
    """Print the headline table of a run folder, or list the run folders inside a folder.  Example: hebblab show runs/

    Refused in one line, exit 2: no COMPLETE marker; config.json or results.json missing, not a file, huge or malformed."""
    def go():
        from .report import read_run
        if not folder.strip():
            raise BadInput("show '': an empty path")
        if "\0" in folder:
            raise BadInput("show: the path contains a NUL character")
        path = Path(folder)
        inside = _run_folders_in(path) if path.is_dir() else []
        if inside:
            _print_folder_list(path, inside)
            return
        cfg, results = read_run(path)
        console.print(Text(clean(f"{cfg['experiment']} (seed {cfg['seed']}, hebblab {cfg['hebblab_version']}, "
                                 f"{cfg['date']})")), soft_wrap=True)
        _print_headline(results.get("headline", {}), results.get("kinds", {}))
    _guard(go)


BENCHES = ("song-abbott", "recurrent-100", "recurrent-1000", "brunel-stdp", "monte-carlo", "scale")


@takes_units()  # the benchmarks hold SI floats (durations from the command line, in seconds)
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


@takes_units()
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


@takes_units()
def _bench_brunel(duration, threads=None):
    import numpy as np
    from .networks import BRUNEL, brunel_stdp_network
    t0 = time.perf_counter()
    net, exc, inh, ee = brunel_stdp_network(plastic=True, seed=1, threads=threads)
    me, mi = net.monitor(exc), net.monitor(inh)
    net.run(net.dt)
    t1 = time.perf_counter()
    net.run(duration - net.dt)
    t2 = time.perf_counter()
    w = np.asarray(ee.w) / BRUNEL["w_max"]
    return dict(build_load_s=t1 - t0, simulate_s=t2 - t1, threads=net.threads_for_run(), rate_e=len(me) / exc.n / duration,
                rate_i=len(mi) / inh.n / duration, w_mean=float(w.mean()), w_sd=float(w.std()),
                synapses=sum(len(j.w) for j in net.projections))


@takes_units()
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


@takes_units()
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


#: The default --duration (biological seconds) of each benchmark that takes one; the others refuse it.
BENCH_DURATION = {"song-abbott": 100.0, "recurrent-100": 2.0, "recurrent-1000": 2.0, "brunel-stdp": 1.0, "scale": 0.02}
#: The benchmarks that take --threads (monte-carlo runs on numba's default threads).
BENCH_THREADS = ("song-abbott", "recurrent-100", "recurrent-1000", "brunel-stdp", "scale")


def bench_names(incomplete: str = "") -> list[str]:
    """Shell completion of a benchmark name."""
    return [n for n in BENCHES if n.startswith(incomplete)]


@app.command()
def bench(name: Optional[str] = typer.Argument(None, help="one of: " + ", ".join(BENCHES) + " (default: all)",
                                               autocompletion=bench_names),
          duration: Optional[float] = typer.Option(None, "--duration",
                                                   help="biological seconds, 0 < s <= 10000 (defaults: " +
                                                   ", ".join(f"{k} {v:g}" for k, v in BENCH_DURATION.items()) +
                                                   "; monte-carlo takes none)"),
          threads: Optional[int] = typer.Option(None, "--threads", min=1,
                                                help="threads for the network benchmarks (default: all cores for large "
                                                     "networks; monte-carlo takes none)")):
    """Time the hebblab side of the benchmarks in this process.  Example: hebblab bench song-abbott

    Every benchmark here runs from an installed hebblab. The comparisons with Brian2 and NEST (and the
    1e9-synapse scale run) are scripts in the repository's benchmarks/ folder, not in a pip install.
    With no NAME, --duration and --threads apply to the benchmarks that take them; a named benchmark
    refuses an option it does not use.
    """
    def go():
        names = list(BENCHES) if name is None else [name]
        for n in names:
            if n not in BENCHES:
                raise unknown("benchmark", n, BENCHES)
        if name is not None and duration is not None and name not in BENCH_DURATION:
            raise BadInput(f"--duration: {name} does not use it (it takes no duration; the benchmarks that do: "
                           f"{', '.join(BENCH_DURATION)})")
        if name is not None and threads is not None and name not in BENCH_THREADS:
            raise BadInput(f"--threads: {name} does not use it (the benchmarks that do: {', '.join(BENCH_THREADS)})")
        if duration is not None and not (0 < duration <= MAX_BENCH_S):  # also NaN
            raise BadInput(f"--duration {duration!r}: allowed 0 < --duration <= {MAX_BENCH_S:g} (biological seconds)")
        t = Table("benchmark", "threads", "build+load (s)", "simulate (s)", "throughput", "outcome")
        for i, n in enumerate(names, 1):
            d = duration if duration is not None else BENCH_DURATION.get(n)
            what = f"{d:g} s simulated" if n in BENCH_DURATION else "1e6 synapses x 1000 noisy pairings"
            err.print(f"[{i}/{len(names)}] {n}: {what} ...", highlight=False, markup=False)
            if n == "song-abbott":
                r = _bench_song_abbott(d, threads)
                t.add_row(n, str(r["threads"]), f"{r['build_load_s']:.2f}", f"{r['simulate_s']:.2f}",
                          f"{r['events_per_s']:.3g} pre events/s",
                          f"{r['rate_hz']:.1f} Hz; w<0.1 {r['w_low']:.2f}, w>0.9 {r['w_high']:.2f}")
            elif n.startswith("recurrent-"):
                r = _bench_recurrent(int(n.split("-")[1]), d, threads)
                t.add_row(n, str(r["threads"]), f"{r['build_load_s']:.2f}", f"{r['simulate_s']:.2f}",
                          f"{r['events_per_s']:.3g} syn events/s",
                          f"{r['rate_hz']:.2f} Hz, {r['synapses']} plastic synapses")
            elif n == "brunel-stdp":
                r = _bench_brunel(d, threads)
                t.add_row(n, str(r["threads"]), f"{r['build_load_s']:.2f}", f"{r['simulate_s']:.2f}",
                          f"{r['simulate_s'] / d:.3g} s per simulated s",
                          f"E {r['rate_e']:.1f} Hz, I {r['rate_i']:.1f} Hz; E->E w/w_max {r['w_mean']:.4f} "
                          f"(SD {r['w_sd']:.4f}), {r['synapses']} synapses")
            elif n == "scale":
                r = _bench_scale(sim=d, threads=threads)
                t.add_row(n, str(r["threads"]), f"{r['build_s']:.2f}", f"{r['simulate_s']:.2f}",
                          f"{r['simulate_s'] / r['sim']:.3g} s per simulated s",
                          f"{r['synapses']} plastic synapses, {r['bytes']:.0f} bytes each (1e9: the repository's "
                          "benchmarks/scale.py)")
            else:
                r = _bench_monte_carlo(1_000_000, 1_000)
                t.add_row(n, str(r["threads"]), "-", f"{r['simulate_s']:.2f}", f"{r['pair_updates_per_s']:.3g} pair-updates/s",
                          f"{r['synapses']} synapses x {r['pairings']} noisy pairings")
        console.print(t)
    _guard(go)


def _register_subcommands() -> None:
    from . import cli_bs2, cli_cache, cli_resume, cli_sweep
    cli_resume.register(app)
    cli_bs2.register(app)
    cli_cache.register(app)
    cli_sweep.register(app)


_register_subcommands()


def main():  # pragma: no cover
    app()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
