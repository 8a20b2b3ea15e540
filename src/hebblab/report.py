"""Run folders and HTML reports.

A run folder ``<out>/<experiment>-<config hash>-seed<seed>/`` holds ``config.json`` (resolved
config, hebblab version, seed, backend, date), ``results.json`` (headline numbers by name), one
CSV per table under ``tables/``, ``figures/*.png`` and a self-contained ``report.html``. Folders are
written under a temporary name and renamed when complete, so a failed run leaves nothing behind.
"""

from __future__ import annotations

import base64
import csv
import datetime as _dt
import hashlib
import html
import io
import json
import math
import os
import shutil
import tempfile
from pathlib import Path

import numpy as np

from . import __version__


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
    """Raise ValueError (one line) unless ``out`` can hold run folders."""
    try:
        out.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=out, prefix=".hebblab-probe-"):
            pass
    except OSError as e:
        raise ValueError(f"--out {out}: not a writable folder ({e.strerror or e})") from None


def _fig_png(fig) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    return buf.getvalue()


def _fmt(v) -> str:
    if isinstance(v, float):
        if v == 0 or 1e-3 <= abs(v) < 1e6:
            return f"{v:.4g}"
        return f"{v:.3e}"
    return html.escape(str(v))


def flatten(headline: dict, prefix: str = "") -> list[tuple[str, object]]:
    rows = []
    for k, v in headline.items():
        key = f"{prefix}{k}"
        if isinstance(v, dict):
            rows += flatten(v, key + ".")
        else:
            rows.append((key, v))
    return rows


def headline_table_html(headline: dict) -> str:
    rows = "".join(f"<tr><td><code>{html.escape(k)}</code></td><td>{_fmt(v)}</td></tr>" for k, v in flatten(headline))
    return f"<table class='hl'><tr><th>name</th><th>value</th></tr>{rows}</table>"


CSS = """body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}
h1,h2{font-weight:600} table{border-collapse:collapse;margin:1em 0} td,th{border:1px solid #ccc;padding:3px 8px;
text-align:left;font-size:14px} img{max-width:100%;border:1px solid #eee;margin:0.5em 0} pre{background:#f6f6f6;
padding:0.6em;overflow:auto;font-size:12px} .about{background:#f4f8ff;padding:0.6em 1em;border-left:3px solid #58f}"""


def experiment_section(exp, run_info: dict, result, pngs: dict[str, bytes], level: int = 1) -> str:
    h = f"h{level}"
    imgs = "".join(f"<figure><img alt='{html.escape(n)}' src='data:image/png;base64,{base64.b64encode(b).decode()}'>"
                   f"<figcaption>{html.escape(n)}</figcaption></figure>" for n, b in pngs.items())
    notes = "".join(f"<li>{html.escape(n)}</li>" for n in result.notes)
    return (f"<{h} id='{exp.name}'>{html.escape(exp.name)}</{h}><p><b>{html.escape(exp.question)}</b></p>"
            f"<div class='about'>{exp.about}</div>{imgs}<h3>Headline numbers</h3>"
            f"{headline_table_html(result.headline)}" + (f"<ul>{notes}</ul>" if notes else "") +
            f"<details><summary>config</summary><pre>{html.escape(json.dumps(run_info, indent=1))}</pre></details>")


def page(title: str, body: str) -> str:
    return (f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
            f"<style>{CSS}</style></head><body>{body}</body></html>")


def write_run(exp, config, seed: int, result, out: Path, backend: str = "numba") -> Path:
    """Write a complete run folder atomically and return its path."""
    cfg = config.model_dump(mode="json")
    run_info = dict(experiment=exp.name, config=cfg, hebblab_version=__version__, seed=seed, backend=backend,
                    date=_dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"))
    final = out / f"{exp.name}-{config_hash(exp.name, cfg)}-seed{seed}"
    tmp = Path(tempfile.mkdtemp(prefix=f".{final.name}.", dir=out))
    try:
        (tmp / "config.json").write_text(json.dumps(run_info, indent=2))
        (tmp / "results.json").write_text(json.dumps(_jsonable(result.headline), indent=2))
        (tmp / "tables").mkdir()
        for name, table in result.tables.items():
            cols = list(table)
            n = max((len(table[c]) for c in cols), default=0)
            with open(tmp / "tables" / f"{name}.csv", "w", newline="") as f:
                w = csv.writer(f)
                w.writerow(cols)
                for r in range(n):
                    w.writerow([_jsonable(table[c][r]) if r < len(table[c]) else "" for c in cols])
        (tmp / "figures").mkdir()
        pngs = {}
        from matplotlib.figure import Figure  # noqa: F401  (object API only)
        for name, fig in exp.figures(result):
            data = _fig_png(fig)
            (tmp / "figures" / f"{name}.png").write_bytes(data)
            pngs[name] = data
        (tmp / "report.html").write_text(page(f"hebblab: {exp.name}", experiment_section(exp, run_info, result, pngs)))
        if final.exists():
            shutil.rmtree(final)
        os.replace(tmp, final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return final


def write_index(out: Path, runs: list[tuple], size: str, seconds: float) -> Path:
    """One page embedding every experiment's figures and headline table."""
    parts = [f"<h1>hebblab report ({size})</h1><p>hebblab {__version__}; {len(runs)} experiments; "
             f"{seconds:.1f} s in all. Each section links its run folder.</p><ul>"]
    parts += [f"<li><a href='#{exp.name}'>{exp.name}</a>: {html.escape(exp.question)}</li>" for exp, *_ in runs]
    parts.append("</ul>")
    for exp, folder, run_info, result in runs:
        pngs = {p.stem: p.read_bytes() for p in sorted((folder / "figures").glob("*.png"))}
        parts.append(experiment_section(exp, run_info, result, pngs, level=2))
        parts.append(f"<p>Run folder: <a href='{html.escape(folder.name)}/report.html'>{html.escape(folder.name)}</a></p>")
    path = out / "report.html"
    tmp = out / ".report.html.tmp"
    tmp.write_text(page("hebblab report", "".join(parts)))
    os.replace(tmp, path)
    return path
