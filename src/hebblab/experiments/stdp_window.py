"""stdp-window: Figures A and B of the source article; Bi & Poo 1998 Fig. 7.

Fit the idealized window ``dw/w = A+ e^{-dt/tau+}`` (dt > 0), ``-A- e^{dt/tau-}`` (dt < -3 ms) to
experimental points (a user CSV with columns ``delta_t_ms, percent_change``) by least squares, or,
without a CSV, take the published time constants (tau+ = 16.8 ms, tau- = 33.7 ms; Bi & Poo 2001)
with the amplitudes implied by the published bin means. Then simulate the protocol (60 pairings at
1 Hz, one lag per synapse) on many synapses with each noise model and compare the spread.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Optional

import numpy as np
from pydantic import Field, field_validator

from ..network import Network
from ..neurons import SpikeSource
from ..plasticity import PairSTDP, Scatter
from ..plasticity.scatter import BI_POO_LTD_BIN, BI_POO_LTP_BIN, TAU_MINUS, TAU_PLUS, _exp_moments
from ..units import ms
from .base import Experiment, ExperimentConfig, Result, progress_bar, register_experiment

DT = 0.1 * ms
W0, W_MAX = 1.0, 8.0  # percent change is relative to w0; the bound is far away


class Config(ExperimentConfig):
    data_csv: Optional[str] = Field(None, description="CSV with delta_t_ms, percent_change (optional)")
    n_synapses: int = Field(3000, ge=100, le=1_000_000)
    n_pairings: int = Field(60, ge=1, le=10_000)
    pairing_rate_hz: float = Field(1.0, gt=0, le=10)
    max_lag_ms: float = Field(100.0, gt=1, le=500)
    ltd_min_lag_ms: float = Field(3.0, ge=0, le=50, description="LTD fit uses dt < -ltd_min_lag_ms")

    @field_validator("data_csv")
    @classmethod
    def _exists(cls, v):
        if v is not None and not Path(v).is_file():
            raise ValueError(f"no such file: {v}")
        return v


def load_points(path: str) -> tuple[np.ndarray, np.ndarray]:
    """Read ``delta_t_ms, percent_change`` columns; ValueError naming the problem."""
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    if not rows or not {"delta_t_ms", "percent_change"} <= set(rows[0]):
        raise ValueError(f"data_csv {path}: needs columns delta_t_ms, percent_change")
    try:
        dt = np.array([float(r["delta_t_ms"]) for r in rows])
        pc = np.array([float(r["percent_change"]) for r in rows])
    except ValueError:
        raise ValueError(f"data_csv {path}: non-numeric value") from None
    if not (np.all(np.isfinite(dt)) and np.all(np.isfinite(pc))):
        raise ValueError(f"data_csv {path}: values must be finite")
    return dt, pc


def fit_window(dt_ms, pc, ltd_min_lag_ms=3.0) -> dict:
    """Least-squares exponential fits of each side; amplitudes as fractions, SEs from the fit."""
    from scipy.optimize import curve_fit
    def ltp(x, a, tau):
        return a * np.exp(-x / tau)
    pos = dt_ms > 0
    neg = dt_ms < -ltd_min_lag_ms
    if pos.sum() < 3 or neg.sum() < 3:
        raise ValueError("data_csv: need at least 3 points on each side of the window")
    (ap, tp), cp = curve_fit(ltp, dt_ms[pos], pc[pos], p0=(80, 17), maxfev=20000)
    (am, tm), cm = curve_fit(ltp, -dt_ms[neg], -pc[neg], p0=(25, 35), maxfev=20000)
    sp, sm = np.sqrt(np.diag(cp)), np.sqrt(np.diag(cm))
    return dict(a_plus=ap / 100, tau_plus_ms=tp, a_minus=am / 100, tau_minus_ms=tm,
                se=dict(a_plus=sp[0] / 100, tau_plus_ms=sp[1], a_minus=sm[0] / 100, tau_minus_ms=sm[1]))


def published_window() -> dict:
    """tau+- from Bi & Poo 2001; amplitudes implied by the published bin means of Bi & Poo 1998."""
    out = dict(tau_plus_ms=TAU_PLUS / ms, tau_minus_ms=TAU_MINUS / ms)
    for key, (bin_, mean, _, _), tau in (("a_plus", BI_POO_LTP_BIN, TAU_PLUS), ("a_minus", BI_POO_LTD_BIN, TAU_MINUS)):
        m1, _ = _exp_moments(bin_[0], bin_[1], tau)
        out[key] = abs(mean) / 100 / m1
    return out


def simulate_protocol(window: dict, lags_s: np.ndarray, noise, n_pairings: int, rate: float, seed: int) -> np.ndarray:
    """Percent change of each synapse after the pairing protocol at its lag (engine run)."""
    n = lags_s.size
    per_pairing_plus = window["a_plus"] * W0 / n_pairings
    per_pairing_minus = window["a_minus"] * W0 / n_pairings
    rule = PairSTDP(a_plus=per_pairing_plus, a_minus=per_pairing_minus, tau_plus=window["tau_plus_ms"] * ms,
                    tau_minus=window["tau_minus_ms"] * ms, w_max=W_MAX, noise=noise)
    starts = 0.2 + np.arange(n_pairings) / rate
    pre_t = np.tile(starts, n) + np.repeat(np.maximum(-lags_s, 0), n_pairings)
    post_t = np.tile(starts, n) + np.repeat(np.maximum(lags_s, 0), n_pairings)
    idx = np.repeat(np.arange(n), n_pairings)
    net = Network(dt=DT, seed=seed)
    pre = net.add(SpikeSource(n=n, times=pre_t, indices=idx))
    post = net.add(SpikeSource(n=n, times=post_t, indices=idx))
    syn = net.connect(pre, post, rule=rule, w=W0, connectivity="one_to_one")
    net.run(starts[-1] + 0.5)
    return 100 * (syn.w - W0) / W0


def _bin_sd(lags_ms, pc, low, high):
    sel = (lags_ms > low) & (lags_ms <= high) if low >= 0 else (lags_ms >= low) & (lags_ms < high)
    return float(np.std(pc[sel], ddof=1)), float(np.mean(pc[sel]))


def run(config: Config, seed: int = 1, progress: bool = False) -> Result:
    if config.data_csv:
        dt_ms, pc = load_points(config.data_csv)
        window = fit_window(dt_ms, pc, config.ltd_min_lag_ms)
        source = f"fit to {config.data_csv}"
    else:
        dt_ms = pc = None
        window = published_window()
        source = "published: tau+- (Bi & Poo 2001), amplitudes from the Bi & Poo 1998 bin means"
    # a third of the synapses in each published bin (so their spread is well estimated), the rest
    # spread over the whole window for the figure
    rng = np.random.default_rng(seed)
    n_bin = config.n_synapses // 3
    wide = round(config.max_lag_ms * ms / DT)
    steps = np.concatenate([rng.integers(1, round(10 * ms / DT) + 1, n_bin),
                            rng.integers(-round(25 * ms / DT), -round(3 * ms / DT), n_bin),
                            rng.integers(-wide, wide + 1, config.n_synapses - 2 * n_bin)])
    steps[steps == 0] = 1
    lags = steps * DT
    lags_ms = lags / ms
    sims = {}
    with progress_bar(progress, 3, "stdp-window") as bar:
        for label, noise in (("none", None), ("pairing", Scatter("pairing")), ("synapse", Scatter("synapse"))):
            sims[label] = simulate_protocol(window, lags, noise, config.n_pairings, config.pairing_rate_hz, seed)
            bar.advance()
    (ltp_lo, ltp_hi), ltp_mean, ltp_sd, _ = BI_POO_LTP_BIN
    (ltd_lo, ltd_hi), ltd_mean, ltd_sd, _ = BI_POO_LTD_BIN
    if dt_ms is not None:
        sd_ltp_data, mean_ltp_data = _bin_sd(dt_ms, pc, ltp_lo / ms, ltp_hi / ms)
        sd_ltd_data, mean_ltd_data = _bin_sd(dt_ms, pc, ltd_lo / ms, ltd_hi / ms)
    else:
        sd_ltp_data, mean_ltp_data, sd_ltd_data, mean_ltd_data = ltp_sd, ltp_mean, ltd_sd, ltd_mean
    headline = dict(window_source=source, a_plus=window["a_plus"], tau_plus_ms=window["tau_plus_ms"],
                    a_minus=window["a_minus"], tau_minus_ms=window["tau_minus_ms"],
                    sd_ltp_data=sd_ltp_data, sd_ltd_data=sd_ltd_data, mean_ltp_data=mean_ltp_data,
                    mean_ltd_data=mean_ltd_data)
    if "se" in window:
        headline["fit_se"] = window["se"]
    for label in ("none", "pairing", "synapse"):
        key = {"none": "no_noise", "pairing": "pairing_noise", "synapse": "synapse_noise"}[label]
        sd_p, mean_p = _bin_sd(lags_ms, sims[label], ltp_lo / ms, ltp_hi / ms)
        sd_d, mean_d = _bin_sd(lags_ms, sims[label], ltd_lo / ms, ltd_hi / ms)
        headline[f"sd_ltp_{key}"] = sd_p
        headline[f"sd_ltd_{key}"] = sd_d
        headline[f"mean_ltp_{key}"] = mean_p
        headline[f"spread_ratio_{key}"] = dict(ltp=sd_p / sd_ltp_data, ltd=sd_d / sd_ltd_data)
    tables = {"simulated": {"lag_ms": lags_ms.tolist(), **{f"percent_{k}": v.tolist() for k, v in sims.items()}},
              "window": {k: [v] for k, v in window.items() if k != "se"}}
    if dt_ms is not None:
        tables["data"] = {"delta_t_ms": dt_ms.tolist(), "percent_change": pc.tolist()}
    notes = [f"Bins: LTP 0 < dt <= 10 ms (published mean {ltp_mean:+.0f} %, SD {ltp_sd:.0f} %), "
             f"LTD -25 <= dt < -3 ms (mean {ltd_mean:+.0f} %, SD {ltd_sd:.0f} %).",
             "Both noise models are calibrated to the published spread, so both match it after 60 pairings; "
             "they differ in what more pairings do (write-cost): pairing noise averages out, synapse noise never does."]
    return Result(headline, tables, notes)


def figures(result: Result):
    from matplotlib.figure import Figure
    t = result.tables
    h = result.headline
    x = np.linspace(-100, 100, 401)
    curve = np.where(x > 0, 100 * h["a_plus"] * np.exp(-x / h["tau_plus_ms"]),
                     np.where(x < 0, -100 * h["a_minus"] * np.exp(x / h["tau_minus_ms"]), np.nan))
    fig_a = Figure(figsize=(6, 4))
    ax = fig_a.subplots()
    if "data" in t:
        ax.plot(t["data"]["delta_t_ms"], t["data"]["percent_change"], "ko", ms=4, label="data")
    for (lo, hi), mean, sd, _ in (BI_POO_LTP_BIN, BI_POO_LTD_BIN):
        ax.errorbar([(lo + hi) / 2 / ms], [mean], yerr=[sd], xerr=[(hi - lo) / 2 / ms], fmt="s", color="#c33",
                    capsize=3, label="published bin mean +- SD" if lo >= 0 else None)
    ax.plot(x, curve, "b-", label="window")
    ax.axhline(0, color="#999", lw=0.5)
    ax.set(xlabel="dt = t_post - t_pre (ms)", ylabel="change after 60 pairings (%)", title="Figure A: STDP window")
    ax.legend()
    fig_b = Figure(figsize=(10, 4))
    axes = fig_b.subplots(1, 2, sharey=True)
    lag = np.asarray(t["simulated"]["lag_ms"])
    for ax, label in zip(axes, ("pairing", "synapse")):
        ax.plot(lag, t["simulated"][f"percent_{label}"], ".", ms=1.5, alpha=0.4, color="#36a", label=f"simulated, {label} noise")
        if "data" in t:
            ax.plot(t["data"]["delta_t_ms"], t["data"]["percent_change"], "ko", ms=4, label="data")
        ax.plot(x, curve, "r-", lw=1, label="window")
        ax.set(xlabel="dt (ms)", title=f"Figure B: scatter, {label} noise", xlim=(-100, 100))
        ax.legend(fontsize=8)
    axes[0].set_ylabel("change after 60 pairings (%)")
    fig_b.tight_layout()
    return [("window_fit", fig_a), ("simulated_scatter", fig_b)]


register_experiment(Experiment(
    name="stdp-window",
    question="How variable is STDP? The window fitted to data, and two noise models that reproduce its scatter.",
    about=("Figure A shows the idealized STDP window: the average weight change after 60 pre/post pairings at "
           "1 Hz as a function of the spike-time difference (Bi &amp; Poo 1998). Figure B simulates that protocol "
           "on thousands of synapses with each noise model calibrated to the published spread (per-pairing "
           "noise that averages out, or a fixed per-synapse gain that never does) and overlays the result on the "
           "data. It tests the article's claim that experimental STDP data scatter widely around the window, so a "
           "single pairing sets a weight only very roughly. Pass a CSV of points with "
           "<code>--set data_csv=FILE</code> to fit your own data."),
    config=Config, quick=dict(n_synapses=3000), full=dict(n_synapses=60000),
    run=run, figures=figures))
