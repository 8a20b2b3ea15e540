"""Run folders and HTML reports.

A run folder ``<out>/<experiment>-<config hash>-seed<seed>/`` holds ``config.json`` (resolved
config, hebblab version, seed, backend, date), ``results.json`` (``headline``: the numbers by
name; ``kinds``: for each dotted key whether it is an estimate over replicates, a bound, or a
deterministic, closed-form, published or set number, see :mod:`hebblab.stats`; ``notes``), one
CSV per table under ``tables/``, ``figures/*.png`` and a self-contained ``report.html``. Folders are
written under a temporary name and renamed when complete, so a failed run leaves nothing behind.
The report folder adds ``report.html`` (the article's claims with their verdicts first, then every
experiment) and ``claims.json``.
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
    """(dotted key, value) for every headline value; estimates and bounds stay whole."""
    from .stats import leaves
    return leaves(headline, prefix)


def _value_html(v) -> str:
    from .stats import fmt, is_bound, is_estimate
    if is_estimate(v) or is_bound(v):
        extra = f" (n = {v['n']})" if "n" in v else ""
        return html.escape(fmt(v, 4) + extra)
    return _fmt(v)


def headline_table_html(headline: dict, kinds: dict | None = None) -> str:
    kinds = kinds or {}
    rows = "".join(f"<tr><td><code>{html.escape(k)}</code></td><td>{_value_html(v)}</td>"
                   f"<td>{html.escape(kinds.get(k, ''))}</td></tr>" for k, v in flatten(headline))
    return f"<table class='hl'><tr><th>name</th><th>value [95 % interval]</th><th>kind</th></tr>{rows}</table>"


def summary_table_html(exp, result) -> str:
    if not exp.summary:
        return ""
    rows = "".join(f"<tr><td>{html.escape(h.label)}</td><td>{html.escape(h.text(result))}</td></tr>"
                   for h in exp.summary)
    return f"<table class='hl'><tr><th>headline</th><th>value [95 % interval]</th></tr>{rows}</table>"


def claims_table_html(claims: list[dict]) -> str:
    from .summary import claim_rows
    rows = []
    for (claim, verdict, number, exp), row in zip(claim_rows(claims), claims):
        rows.append(f"<tr><td>{html.escape(claim)}</td><td class='v-{html.escape(verdict.replace(' ', '-'))}'>"
                    f"<b>{html.escape(verdict)}</b></td><td>{html.escape(number)}<br><small>"
                    f"{html.escape(row.get('criterion', ''))} {html.escape(row.get('conditions', ''))}</small></td>"
                    f"<td><a href='#{html.escape(exp)}'>{html.escape(exp)}</a></td></tr>")
    return ("<table class='claims'><tr><th>the article's claim</th><th>verdict</th><th>deciding number "
            "[95 % interval], criterion and conditions</th><th>experiment</th></tr>" + "".join(rows) + "</table>")


CSS = """body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}
h1,h2{font-weight:600} table{border-collapse:collapse;margin:1em 0} td,th{border:1px solid #ccc;padding:3px 8px;
text-align:left;font-size:14px} img{max-width:100%;border:1px solid #eee;margin:0.5em 0} pre{background:#f6f6f6;
padding:0.6em;overflow:auto;font-size:12px} .about{background:#f4f8ff;padding:0.6em 1em;border-left:3px solid #58f}
.finding{background:#f6fff4;padding:0.6em 1em;border-left:3px solid #3a3} .v-supported{color:#070}
.v-refuted{color:#b00} .v-qualified{color:#a60}"""


def experiment_section(exp, run_info: dict, result, pngs: dict[str, bytes], level: int = 1) -> str:
    h = f"h{level}"
    imgs = "".join(f"<figure><img alt='{html.escape(n)}' src='data:image/png;base64,{base64.b64encode(b).decode()}'>"
                   f"<figcaption>{html.escape(n)}</figcaption></figure>" for n, b in pngs.items())
    notes = "".join(f"<li>{html.escape(n)}</li>" for n in result.notes)
    finding = f"<div class='finding'>{html.escape(exp.finding(result))}</div>" if exp.finding else ""
    return (f"<{h} id='{exp.name}'>{html.escape(exp.name)}</{h}><p><b>{html.escape(exp.question)}</b></p>"
            f"<div class='about'>{exp.about}</div>{finding}{summary_table_html(exp, result)}{imgs}"
            f"<h3>All headline numbers</h3>"
            f"{headline_table_html(result.headline, result.all_kinds())}" + (f"<ul>{notes}</ul>" if notes else "") +
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
        results = dict(headline=result.headline, kinds=result.all_kinds(), notes=result.notes)
        (tmp / "results.json").write_text(json.dumps(_jsonable(results), indent=2))
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


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    tmp.write_text(text)
    os.replace(tmp, path)


def write_index(out: Path, runs: list[tuple], size: str, seconds: float) -> Path:
    """One page: the article's claims with their verdicts, then every experiment's figures and
    headline tables; ``claims.json`` beside it."""
    from .claims import ARTICLE, decide
    claims = decide({exp.name: result for exp, _, _, result in runs})
    _write_atomic(out / "claims.json", json.dumps(_jsonable([{k: v for k, v in row.items() if k not in ("display", "format")}
                                                             for row in claims]), indent=2))
    parts = [f"<h1>hebblab report ({size})</h1><p>hebblab {__version__}; {len(runs)} experiments; "
             f"{seconds:.1f} s in all. Each section links its run folder.</p>",
             f"<h2 id='claims'>The article's claims</h2><p>{html.escape(ARTICLE)}. Each verdict follows from the "
             "number beside it by the stated criterion, under the stated conditions (also in claims.json).</p>",
             claims_table_html(claims), "<h2>Experiments</h2><ul>"]
    parts += [f"<li><a href='#{exp.name}'>{exp.name}</a>: {html.escape(exp.question)}</li>" for exp, *_ in runs]
    parts.append("</ul>")
    for exp, folder, run_info, result in runs:
        pngs = {p.stem: p.read_bytes() for p in sorted((folder / "figures").glob("*.png"))}
        parts.append(experiment_section(exp, run_info, result, pngs, level=2))
        parts.append(f"<p>Run folder: <a href='{html.escape(folder.name)}/report.html'>{html.escape(folder.name)}</a></p>")
    path = out / "report.html"
    _write_atomic(path, page("hebblab report", "".join(parts)))
    return path
