"""Run folders and HTML reports.

A run folder ``<out>/<experiment>-<config hash>-seed<seed>/`` holds ``config.json`` (resolved
config, hebblab version, seed, backend, date), ``results.json`` (``headline``: the numbers by
name; ``kinds``: for each dotted key whether it is an estimate over replicates, a bound, or a
deterministic, closed-form, published or set number, see :mod:`hebblab.stats`; ``notes``), one
CSV per table under ``tables/``, ``figures/`` (SVG, or PNG where an SVG would be heavy, and
``figures.json``: their order and captions), a self-contained ``report.html`` and, written
last, the completion marker ``COMPLETE``. Folders are written under a temporary name and renamed
when complete, so a failed or killed run leaves no visible folder behind (see :func:`write_run`).
The report folder adds ``report.html`` (the article's claims with their verdicts first, then every
experiment) and ``claims.json``.
"""

from __future__ import annotations

import base64
import csv
import datetime as _dt
import hashlib
import io
import json
import math
import os
import re
import shutil
import stat
import tempfile
from pathlib import Path

import numpy as np
from filelock import FileLock, Timeout

from . import __version__
from .fsync import fsync_dir as _fsync_dir


def config_hash(name: str, config: dict) -> str:
    blob = json.dumps({"experiment": name, "config": config}, sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()[:10]


def _jsonable(x):
    if isinstance(x, dict):
        return {str(k): _jsonable(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_jsonable(v) for v in x]
    if isinstance(x, (np.integer,)):
        return int(x)
    if isinstance(x, (np.floating, float)):
        x = float(x)
        return x if math.isfinite(x) else None
    if isinstance(x, np.ndarray):
        return _jsonable(x.tolist())
    if isinstance(x, np.bool_):
        return bool(x)
    return x


def check_writable(out: Path) -> None:
    """Raise ValueError (one line) unless ``out`` is, or can be made, a writable folder; creates nothing
    (``write_run`` makes the folder when it has a complete run to put there)."""
    if not str(out).strip():
        raise ValueError("--out '': an empty path (give a folder, e.g. --out runs)")
    if "\0" in str(out):
        raise ValueError("--out: the path contains a NUL character")
    probe = out
    try:
        while True:
            try:
                st = os.stat(probe)
                break
            except FileNotFoundError:
                if probe.parent == probe:
                    raise
                probe = probe.parent
        if not stat.S_ISDIR(st.st_mode):
            raise ValueError(f"--out {out}: not a writable folder ({probe} is not a folder)")
        if probe == out:
            with tempfile.NamedTemporaryFile(dir=out, prefix=".hebblab-probe-"):
                pass
        elif not os.access(probe, os.W_OK | os.X_OK):
            raise ValueError(f"--out {out}: not a writable folder ({probe} is not writable)")
    except OSError as e:
        raise ValueError(f"--out {out}: not a writable folder ({e.strerror or e})") from None


# ------------------------------------------------------------------ crash-safe run folders
#
# A run folder is written under a hidden temporary sibling ``.<name>.tmp-<pid>-<random>`` that holds a
# lock file (``.writer.lock``, locked (filelock) while its writer lives), every file fsynced, then the
# completion marker ``COMPLETE`` written last, then renamed into place. An existing folder of the same
# name is renamed aside (``.<name>.old-<pid>-<random>``) first, the new one renamed in, and the old one
# deleted: at every instant the visible name is a complete folder or absent, never a mix. Creating a
# temporary, the swap and the clean-up of stale temporaries all hold ``<out>/.hebblab.lock``, so two
# processes writing the same folder neither crash nor mix files (the last to finish wins), and a
# temporary whose writer lock is free belongs to a dead process: the next writer removes it (or renames
# it in when it is complete and its final name is absent, the case of a kill between the two renames).

MARKER = "COMPLETE"
OUT_LOCK = ".hebblab.lock"
WRITER_LOCK = ".writer.lock"
_TEMP = re.compile(r"^\.(?P<final>.+)\.(?P<kind>tmp|old)-(?P<pid>\d+)-[A-Za-z0-9_]+$")


def is_temporary(name: str) -> bool:
    """Whether a folder name is one of the hidden temporaries of :func:`write_run`."""
    return _TEMP.match(name) is not None


class _Lock:
    """An exclusive lock on ``path`` (created if absent; filelock: an OS lock on POSIX and Windows),
    held until released or the process dies. Raises ``filelock.Timeout`` when ``blocking`` is
    False and another holder has it."""

    def __init__(self, path: Path, blocking: bool = True):
        self.lock = FileLock(str(path), mode=0o644, thread_local=False)
        self.lock.acquire(timeout=-1 if blocking else 0)

    def release(self):
        if self.lock is not None:
            self.lock.release(force=True)
            self.lock = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.release()
        return False


def _writer_alive(folder: Path) -> bool:
    """Whether the process writing a temporary still holds its lock."""
    lock = folder / WRITER_LOCK
    if not lock.is_file():
        return False
    probe = FileLock(str(lock), thread_local=False)
    try:
        probe.acquire(timeout=0)
    except Timeout:
        return True
    except OSError:
        return False
    probe.release(force=True)
    return False




def _write_file(path: Path, data: bytes | str) -> None:
    """Write and fsync one file."""
    if isinstance(data, str):
        data = data.encode()
    with open(path, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())


def clean_stale(out: Path) -> list[str]:
    """Remove the temporaries of dead writers in ``out`` (caller holds the out lock); a complete one
    whose final name is absent is renamed in instead. Returns what was done, one line each."""
    done = []
    try:
        entries = sorted(os.scandir(out), key=lambda e: e.name)
    except OSError:
        return done
    temps = [(e, _TEMP.match(e.name)) for e in entries]
    temps = [(e, m) for e, m in temps if m and e.is_dir(follow_symlinks=False)]
    for e, m in sorted(temps, key=lambda t: t[1]["kind"] != "tmp"):  # complete new ones first
        path = Path(e.path)
        if m["kind"] == "tmp" and _writer_alive(path):
            continue
        final = out / m["final"]
        if m["kind"] == "tmp" and (path / MARKER).is_file() and not os.path.lexists(final):
            try:
                (path / WRITER_LOCK).unlink(missing_ok=True)
                os.rename(path, final)
                done.append(f"completed {final.name} from an interrupted write")
                continue
            except OSError:
                pass
        shutil.rmtree(path, ignore_errors=True)
        done.append(f"removed stale {e.name}")
    if done:
        _fsync_dir(out)
    return done


def _fill(tmp: Path, exp, run_info: dict, result) -> None:
    _write_file(tmp / "config.json", json.dumps(run_info, indent=2))
    results = dict(headline=result.headline, kinds=result.all_kinds(), notes=result.notes)
    _write_file(tmp / "results.json", json.dumps(_jsonable(results), indent=2))
    (tmp / "tables").mkdir()
    for name, table in result.tables.items():
        cols = list(table)
        n = max((len(table[c]) for c in cols), default=0)
        buf = io.StringIO(newline="")
        w = csv.writer(buf)
        w.writerow(cols)
        for r in range(n):
            w.writerow([_jsonable(table[c][r]) if r < len(table[c]) else "" for c in cols])
        _write_file(tmp / "tables" / f"{name}.csv", buf.getvalue())
    (tmp / "figures").mkdir()
    manifest = []
    for item in exp.figures(result):
        name, fig = item[0], item[1]
        caption = item[2] if len(item) > 2 else (getattr(exp, "captions", None) or {}).get(name, "")
        fmt_, data = render_figure(fig)
        _write_file(tmp / "figures" / f"{name}.{fmt_}", data)
        manifest.append(dict(name=name, file=f"figures/{name}.{fmt_}", format=fmt_, caption=caption))
    _write_file(tmp / "figures" / FIGURE_INDEX, json.dumps(manifest, indent=1))
    _write_file(tmp / "report.html", run_page(exp, tmp, run_info, result))
    finish_folder(tmp, f"{run_info['experiment']} seed {run_info['seed']} {run_info['date']}")


# ------------------------------------------------------------------ figures and pages
#
# A figure is written as SVG (sharp at any size; text kept as text) unless its SVG would be heavy
# (more than HEAVY_SVG_BYTES and larger than the PNG): then as PNG. Artists with many points are
# rasterized inside the SVG first (axes, labels and legends stay vector), which keeps scatter plots
# light. ``figures/figures.json`` lists the figures in the experiment's order with their captions;
# the pages read it, so Figure A comes before Figure B.

FIGURE_INDEX = "figures.json"
HEAVY_SVG_BYTES = 400_000  #: an SVG larger than this and than its PNG is replaced by the PNG
RASTERIZE_POINTS = 500  #: inside an SVG, artists drawing more points than this are rasterized
PNG_DPI = 110
SVG_RASTER_DPI = 150


def _fig_png(fig) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=PNG_DPI, bbox_inches="tight")
    return buf.getvalue()


def _rasterize_heavy(fig) -> None:
    from matplotlib.collections import Collection
    from matplotlib.image import AxesImage
    from matplotlib.lines import Line2D
    for ax in fig.axes:
        for artist in ax.get_children():
            if isinstance(artist, Line2D):
                n = len(artist.get_xdata(orig=False))
            elif isinstance(artist, Collection):
                n = max(len(artist.get_offsets()), sum(len(p.vertices) for p in artist.get_paths()))
            elif isinstance(artist, AxesImage):
                n = RASTERIZE_POINTS + 1
            else:
                continue
            if n > RASTERIZE_POINTS:
                artist.set_rasterized(True)


def _fig_svg(fig) -> bytes:
    import matplotlib
    _rasterize_heavy(fig)
    buf = io.BytesIO()
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "hebblab", "svg.image_inline": True}):
        fig.savefig(buf, format="svg", dpi=SVG_RASTER_DPI, bbox_inches="tight", metadata={"Date": None})
    return buf.getvalue()


def render_figure(fig) -> tuple[str, bytes]:
    """``("svg", bytes)``, or ``("png", bytes)`` where the SVG would be too heavy (see above)."""
    png = _fig_png(fig)
    svg = _fig_svg(fig)
    if len(svg) > HEAVY_SVG_BYTES and len(svg) > len(png):
        return "png", png
    return "svg", svg


_MIME = {"svg": "image/svg+xml", "png": "image/png"}


def read_figures(folder: Path) -> list[dict]:
    """The figures of a run folder in their order, each with ``name``, ``file``, ``format``,
    ``caption`` and ``data`` (bytes). Folders written before ``figures.json`` existed: every
    PNG/SVG file, sorted by name, without captions."""
    figs = folder / "figures"
    try:
        manifest = json.loads((figs / FIGURE_INDEX).read_text())
    except (OSError, ValueError):
        manifest = [dict(name=p.stem, file=f"figures/{p.name}", format=p.suffix[1:], caption="")
                    for p in sorted(figs.glob("*")) if p.suffix in (".png", ".svg")]
    out = []
    for f in manifest:
        path = folder / f["file"]
        if path.parent != figs or not path.is_file() or f.get("format") not in _MIME:
            continue
        out.append(dict(f, data=path.read_bytes()))
    return out


def _template_env():
    from jinja2 import Environment, FileSystemLoader, StrictUndefined
    return Environment(loader=FileSystemLoader(str(Path(__file__).parent / "templates")), autoescape=True,
                       undefined=StrictUndefined, trim_blocks=False, lstrip_blocks=False, keep_trailing_newline=True)


def _render(template: str, **context) -> str:
    return _template_env().get_template(template).render(**context)


def _fmt(v) -> str:
    if isinstance(v, float):
        if v == 0 or 1e-3 <= abs(v) < 1e6:
            return f"{v:.4g}"
        return f"{v:.3e}"
    return str(v)


def flatten(headline: dict, prefix: str = "") -> list[tuple[str, object]]:
    """(dotted key, value) for every headline value; estimates and bounds stay whole."""
    from .stats import leaves
    return leaves(headline, prefix)


def _value_text(v) -> str:
    from .stats import fmt, is_bound, is_estimate
    if is_estimate(v) or is_bound(v):
        extra = f" (n = {v['n']})" if "n" in v else ""
        return fmt(v, 4) + extra
    return _fmt(v)


def _config_text(v) -> str:
    if isinstance(v, (dict, list)):
        return json.dumps(v, separators=(", ", ": "), default=str)
    if v is None:
        return "none"
    return _fmt(v) if isinstance(v, float) else str(v)


def _figure_view(f: dict) -> dict:
    data = f["data"]
    caption = f.get("caption") or f"{f['name']} (no caption declared)"
    return dict(name=f["name"], file=f["file"], format=f["format"], caption=caption,
                alt=f"{f['name']}: {caption}", kb=max(1, round(len(data) / 1024)),
                src=f"data:{_MIME[f['format']]};base64,{base64.b64encode(data).decode()}",
                )


def experiment_view(exp, folder: Path, run_info: dict, result) -> dict:
    """What the page shows of one run, as plain strings (the templates escape them)."""
    summary = {h.key: h for h in exp.summary}
    headlines = [dict(label=h.label, text=h.text(result)) for h in exp.summary]
    kinds = result.all_kinds()
    all_numbers = [dict(key=k, text=_value_text(v), kind=kinds.get(k, ""),
                        label=summary[k].label if k in summary else "") for k, v in flatten(result.headline)]
    tables = [dict(file=f"{name}.csv", rows=max((len(c) for c in t.values()), default=0), columns=", ".join(t))
              for name, t in result.tables.items()]
    figures = [_figure_view(f) for f in read_figures(folder)]
    info = [(k, _config_text(run_info[k])) for k in ("experiment", "seed", "backend", "hebblab_version", "date")
            if k in run_info]
    config = [(k, _config_text(v)) for k, v in (run_info.get("config") or {}).items()]
    return dict(name=exp.name, question=exp.question, about=exp.about, finding=exp.finding(result) if exp.finding else "",
                headlines=headlines, figures=figures, notes=list(result.notes), tables=tables, all_numbers=all_numbers,
                folder=Path(folder).name, run=dict(seed=run_info.get("seed"), version=run_info.get("hebblab_version"),
                                                   backend=run_info.get("backend"), info=info, config=config))


def run_page(exp, folder: Path, run_info: dict, result, index_href: str | None = None) -> str:
    """The HTML page of one run folder (its figures read from ``folder``)."""
    return _render("run.html", title=f"hebblab: {exp.name}", e=experiment_view(exp, folder, run_info, result),
                   index_href=index_href)


def _claim_views(claims: list[dict]) -> list[dict]:
    from .summary import claim_rows
    return [dict(claim=claim, verdict=verdict, number=number, experiment=exp, criterion=row.get("criterion", ""),
                 conditions=row.get("conditions", ""))
            for (claim, verdict, number, exp), row in zip(claim_rows(claims), claims)]


def index_page(runs: list[tuple], claims: list[dict], size: str, seconds: float) -> str:
    """The report's page: contents, the article's claims with their verdicts, then every experiment."""
    from .claims import ARTICLE
    return _render("index.html", title="hebblab report", size=size, version=__version__, seconds=f"{seconds:.1f} s",
                   article=ARTICLE, claims=_claim_views(claims),
                   experiments=[experiment_view(exp, folder, run_info, result) for exp, folder, run_info, result in runs])


def write_run(exp, config, seed: int, result, out: Path, backend: str = "numba") -> Path:
    """Write a complete run folder atomically and return its path (see the crash-safety notes above)."""
    cfg = config.model_dump(mode="json")
    run_info = dict(experiment=exp.name, config=cfg, hebblab_version=__version__, seed=seed, backend=backend,
                    date=_dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"))
    name = f"{exp.name}-{config_hash(exp.name, cfg)}-seed{seed}"
    return write_folder(out, name, lambda tmp: _fill(tmp, exp, run_info, result))


def write_folder(out: Path, name: str, fill) -> Path:
    """Write the folder ``out/name`` crash-safely (notes above): ``fill(tmp)`` writes its files into
    a temporary sibling, which must end with the completion marker (:func:`finish_folder`); then
    the temporary replaces any folder of that name atomically."""
    final = out / name
    out.mkdir(parents=True, exist_ok=True)
    with _Lock(out / OUT_LOCK):
        clean_stale(out)
        tmp = Path(tempfile.mkdtemp(prefix=f".{final.name}.tmp-{os.getpid()}-", dir=out))
        try:
            writer = _Lock(tmp / WRITER_LOCK)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
    try:
        fill(tmp)
        if not (tmp / MARKER).is_file():
            raise RuntimeError(f"write_folder: {name} was filled without its completion marker")
        with _Lock(out / OUT_LOCK):
            aside, moved = None, False
            try:
                if os.path.lexists(final):
                    aside = Path(tempfile.mkdtemp(prefix=f".{final.name}.old-{os.getpid()}-", dir=out))
                    os.rename(final, aside / "run")  # rename the old folder aside ...
                    moved = True
                os.rename(tmp, final)  # ... the new one in ...
            except BaseException:
                if moved and not os.path.lexists(final):
                    os.rename(aside / "run", final)  # nothing lost: the old one back
                if aside is not None:
                    shutil.rmtree(aside, ignore_errors=True)
                raise
            _fsync_dir(out)
            if aside is not None:
                shutil.rmtree(aside, ignore_errors=True)  # ... then delete the old one
            (final / WRITER_LOCK).unlink(missing_ok=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    finally:
        writer.release()
    return final


def finish_folder(tmp: Path, note: str) -> None:
    """Write the completion marker last (after fsyncing every subfolder), as :func:`write_folder` needs."""
    for sub in tmp.iterdir():
        if sub.is_dir():
            _fsync_dir(sub)
    _write_file(tmp / MARKER, note if note.endswith("\n") else note + "\n")
    _fsync_dir(tmp)


def _write_atomic(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    os.close(fd)
    try:
        _write_file(Path(tmp), text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    _fsync_dir(path.parent)


def write_index(out: Path, runs: list[tuple], size: str, seconds: float) -> Path:
    """One page: contents, the article's claims with their verdicts, then every experiment's
    headline table, figures and tables; ``claims.json`` beside it. Each run folder's own page is
    rewritten (atomically) with a link back to this one."""
    from .claims import decide
    claims = decide({exp.name: result for exp, _, _, result in runs})
    _write_atomic(out / "claims.json", json.dumps(_jsonable([{k: v for k, v in row.items() if k not in ("display", "format")}
                                                             for row in claims]), indent=2))
    for exp, folder, run_info, result in runs:
        if Path(folder).parent.resolve() == Path(out).resolve() and (Path(folder) / MARKER).is_file():
            _write_atomic(Path(folder) / "report.html", run_page(exp, Path(folder), run_info, result, "../report.html"))
    path = out / "report.html"
    _write_atomic(path, index_page(runs, claims, size, seconds))
    return path


# ------------------------------------------------------------------ reading run folders (hebblab show)

MAX_JSON_BYTES = 64 * 2**20  #: config.json and results.json larger than this are refused, not read
MAX_DEPTH = 32  #: deeper nesting is refused (the values of a run folder nest a few levels)


class RunFolderError(ValueError):
    """A folder that is not a complete, readable run folder: one line naming it and what is wrong."""


def _depth(x) -> int:
    """Nesting depth of JSON data, without recursion."""
    deepest, stack = 0, [(x, 1)]
    while stack:
        v, d = stack.pop()
        deepest = max(deepest, d)
        if d > MAX_DEPTH:
            break
        if isinstance(v, dict):
            stack += [(c, d + 1) for c in v.values()]
        elif isinstance(v, list):
            stack += [(c, d + 1) for c in v]
    return deepest


def read_json_file(path: Path, label: str | None = None):
    """The JSON data of a regular file of at most :data:`MAX_JSON_BYTES`, or RunFolderError (one line,
    naming the file). A FIFO, device or folder is refused without opening it for a blocking read."""
    label = label or str(path)
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise RunFolderError(f"{label}: missing") from None
    except OSError as e:
        raise RunFolderError(f"{label}: cannot read ({e.strerror or e})") from None
    if not stat.S_ISREG(st.st_mode):
        raise RunFolderError(f"{label}: not a regular file")
    if st.st_size > MAX_JSON_BYTES:
        raise RunFolderError(f"{label}: too large ({st.st_size:,} bytes; at most {MAX_JSON_BYTES:,})")
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    except OSError as e:
        raise RunFolderError(f"{label}: cannot read ({e.strerror or e})") from None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):  # replaced between the stat and the open
            raise RunFolderError(f"{label}: not a regular file")
        chunks, size = [], 0
        while size <= MAX_JSON_BYTES:
            chunk = os.read(fd, min(2**20, MAX_JSON_BYTES + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    except OSError as e:
        raise RunFolderError(f"{label}: cannot read ({e.strerror or e})") from None
    finally:
        os.close(fd)
    if size > MAX_JSON_BYTES:
        raise RunFolderError(f"{label}: too large (more than {MAX_JSON_BYTES:,} bytes)")
    try:
        text = b"".join(chunks).decode("utf-8")
    except UnicodeDecodeError as e:
        raise RunFolderError(f"{label}: not UTF-8 text (byte {e.start})") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        raise RunFolderError(f"{label}: malformed JSON ({e.msg}: line {e.lineno} column {e.colno})") from None
    except RecursionError:
        raise RunFolderError(f"{label}: nested too deeply") from None
    except ValueError as e:  # e.g. an integer of more digits than Python converts
        raise RunFolderError(f"{label}: malformed JSON ({e})") from None
    if _depth(data) > MAX_DEPTH:
        raise RunFolderError(f"{label}: nested deeper than {MAX_DEPTH} levels")
    return data


def read_run(folder: Path) -> tuple[dict, dict]:
    """``(config.json, results.json)`` of a complete run folder, checked in shape, or RunFolderError."""
    where = f"{folder}: not a run folder"
    try:
        st = os.stat(folder)
    except FileNotFoundError:
        raise RunFolderError(f"{where} (no such folder)") from None
    except OSError as e:
        raise RunFolderError(f"{where} ({e.strerror or e})") from None
    if not stat.S_ISDIR(st.st_mode):
        raise RunFolderError(f"{where} (not a folder)")
    name = Path(os.path.abspath(folder)).name
    if is_temporary(name):
        raise RunFolderError(f"{where} (a temporary of a run still being written, or of an interrupted one)")
    if not (folder / "results.json").exists():
        raise RunFolderError(f"{where} (no results.json)")
    if not os.path.isfile(folder / MARKER):
        raise RunFolderError(f"{where} (no {MARKER} marker: incomplete, interrupted while being written)")
    cfg = read_json_file(folder / "config.json", f"{folder}/config.json")
    if not isinstance(cfg, dict):
        raise RunFolderError(f"{folder}/config.json: expected an object, got {type(cfg).__name__}")
    for key, kind in (("experiment", str), ("seed", int), ("hebblab_version", str), ("date", str), ("config", dict)):
        if key not in cfg:
            raise RunFolderError(f"{folder}/config.json: no {key!r}")
        if not isinstance(cfg[key], kind) or isinstance(cfg[key], bool):
            raise RunFolderError(f"{folder}/config.json: {key!r} should be {kind.__name__}, got "
                                 f"{type(cfg[key]).__name__}")
    results = read_json_file(folder / "results.json", f"{folder}/results.json")
    if not isinstance(results, dict):
        raise RunFolderError(f"{folder}/results.json: expected an object, got {type(results).__name__}")
    for key in ("headline", "kinds"):
        if not isinstance(results.get(key, {}), dict):
            raise RunFolderError(f"{folder}/results.json: {key!r} should be an object, got "
                                 f"{type(results[key]).__name__}")
    return cfg, results
