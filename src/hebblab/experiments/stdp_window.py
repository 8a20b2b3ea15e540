r"""stdp-window: Figures A and B of the source article; Bi & Poo 1998 Fig. 7.

Data: the 45 points of Bi & Poo (1998, J. Neurosci. 18:10464, Fig. 7), one per cell pair after
60 pre/post pairings at 1 Hz, shipped with the package (``hebblab/data/bi_poo_1998_fig7.csv``; its
README names the digitization), or a user CSV of the same shape (``--set data_csv=FILE``).

1. The idealized window, fitted by least squares on each side (Bi & Poo 1998; Song, Miller &
   Abbott 2000)::

       W(dt) = +A+ exp(-dt / tau+)      dt > 0
       W(dt) = -A- exp(+dt / tau-)      dt < -ltd_min_lag (3 ms: Bi & Poo's points at -3 < dt <= 0
                                         potentiate; the window is not fitted there)

   For fixed tau the best amplitude is linear, ``A(tau) = sum y e / sum e^2`` with
   ``e = exp(-|dt|/tau)``, so the fit minimises the profile ``SSE(tau) = sum y^2 - (sum y e)^2 /
   sum e^2`` over tau (:func:`fit_exponential`). Intervals: percentile bootstrap over data points
   (:func:`hebblab.stats.bootstrap`), the window refitted on every resample.

2. Variance explained: in a bin the window's share is ``Var(W(dt_i)) / Var(y_i)`` over the bin's
   points (not an SD ratio); over all fitted points ``R^2 = 1 - sum (y - W)^2 / sum (y - ybar)^2``.
   For dt uniform on [a, b] (one side) the window's variance is closed-form,
   ``Var W = A^2 (E[e^{-2|dt|/tau}] - E[e^{-|dt|/tau}]^2)`` with
   ``E[e^{-k|dt|/tau}] = tau / (k (b - a)) (e^{-k a/tau} - e^{-k b/tau})``.

3. Noise decomposition by likelihood: the residuals ``r = y - W(dt)`` of the fitted window, as
   independent normals with variance

   * (a) ``floor^2``                                   a constant measurement noise only;
   * (b) ``floor^2 + c_side^2 W(dt)^2``, c+ for LTP, c- for LTD: what per-pairing noise
     (c = sigma_p / sqrt(60)) and a per-synapse gain (c = sigma_s) both predict after a fixed 60
     pairings, so these data cannot tell those two apart;
   * (c) ``floor^2 + c+^2 W(dt)^2`` for LTP, ``floor^2`` for LTD: LTP depends on the initial
     synaptic strength and LTD does not (Bi & Poo 1998; modelled by van Rossum, Bi & Turrigiano
     2000 as additive LTP and multiplicative LTD), a deterministic per-cell factor; without each
     cell's initial strength it looks like a random gain on the LTP side only.

   Maximum-likelihood fits (scipy), log-likelihoods and ``AIC = 2k - 2 ln L`` (the 4 window
   parameters are common to all three and not counted). The nested models are also compared by the
   likelihood ratio, with the chi-bar-square null of parameters on the boundary c = 0 (Self & Liang
   1987, J. Am. Stat. Assoc. 82:605): one boundary parameter ``p = sf_chi2_1(LR) / 2``, two
   ``p = sf_chi2_1(LR) / 2 + sf_chi2_2(LR) / 4``.

4. Noise recalibrated to the fitted window (:func:`hebblab.plasticity.calibrate_scatter` with the
   data's bin statistics, the fitted amplitudes and taus, with and without the ML floor of model
   (b)); the 60-pairing protocol simulated in the engine on ``replicates`` independent groups of
   synapses (one network per noise model), the measurement floor added to the simulated changes
   where it is modelled; simulated bin SDs are estimates over the groups, the data's SD a bootstrap.
"""

from __future__ import annotations

import csv
import io
import math
from importlib import resources
from pathlib import Path
from typing import Optional

import numpy as np
from pydantic import Field, field_validator, model_validator

from .. import stats
from ..network import Network
from ..neurons import SpikeSource
from ..plasticity import PairSTDP, Scatter
from ..plasticity.scatter import BI_POO_LTD_BIN, BI_POO_LTP_BIN, TAU_MINUS, TAU_PLUS, _exp_moments, calibrate_scatter
from ..units import ms
from .base import Experiment, ExperimentConfig, Headline, Result, progress_bar, register_experiment

DT = 0.1 * ms
W0, W_MAX = 1.0, 8.0  # percent change is relative to w0; the bound is far away
TAU_RANGE_MS = (0.5, 1000.0)  # the fitted time constants are searched in this range
#: The published bins (Bi & Poo 1998): LTP 0 < dt <= 10 ms, LTD -25 <= dt < -3 ms (edges in ms).
LTP_BIN_MS = (BI_POO_LTP_BIN[0][0] / ms, BI_POO_LTP_BIN[0][1] / ms)
LTD_BIN_MS = (BI_POO_LTD_BIN[0][0] / ms, BI_POO_LTD_BIN[0][1] / ms)
PACKAGED = "bi_poo_1998_fig7.csv"
NOISE_MODELS = ("floor_only", "proportional", "weight_dependent")
SIMULATED = ("window_only", "pairing", "synapse", "pairing_floor", "synapse_floor")
WINDOW_KEYS = ("a_plus_pct", "tau_plus_ms", "a_minus_pct", "tau_minus_ms")


class Config(ExperimentConfig):
    data_csv: Optional[str] = Field(None, description="CSV with delta_t_ms, percent_change; default: the packaged "
                                    "Bi & Poo 1998 Fig. 7 points")
    replicates: int = Field(5, ge=2, le=200, description="independent groups of simulated synapses (one network)")
    n_synapses: int = Field(3000, ge=100, le=1_000_000, description="simulated synapses in all (split into the groups)")
    n_pairings: int = Field(60, ge=1, le=10_000, description="pairings of the simulated protocol (Bi & Poo: 60)")
    pairing_rate_hz: float = Field(1.0, gt=0, le=10, description="pairing rate of the simulated protocol (Bi & Poo: 1 Hz)")
    max_lag_ms: float = Field(100.0, gt=1, le=500, description="simulated lags outside the bins span +- this")
    ltd_min_lag_ms: float = Field(3.0, ge=0, le=50, description="LTD fit uses dt < -ltd_min_lag_ms")
    far_lag_ms: float = Field(40.0, gt=0, le=500, description="|dt| beyond which a pairing counts as far from "
                              "coincidence (floor, stdp-only criterion)")
    bootstrap_resamples: int = Field(2000, ge=200, le=100_000, description="bootstrap resamples of the data points")
    ml_resamples: int = Field(400, ge=100, le=100_000, description="bootstrap resamples for the noise-model ML fit "
                              "(the first of the same resamples; at most bootstrap_resamples)")
    far_near_limit: float = Field(0.25, gt=0, lt=1, description="stdp-only: far changes count as absent when "
                                  "|far mean / near mean| stays below this")

    @field_validator("data_csv")
    @classmethod
    def _exists(cls, v):
        if v is not None and not Path(v).is_file():
            raise ValueError(f"no such file: {v}")
        return v

    @model_validator(mode="after")
    def _sizes(self):
        if self.n_synapses // self.replicates < 30:
            raise ValueError("n_synapses / replicates must be at least 30 (synapses per group)")
        if self.max_lag_ms <= self.far_lag_ms:
            raise ValueError("max_lag_ms must exceed far_lag_ms (the simulated far lags)")
        return self


# --------------------------------------------------------------------------------------------- data

def parse_points(text: str, name: str) -> tuple[np.ndarray, np.ndarray]:
    """``delta_t_ms, percent_change`` columns of a CSV text; ValueError naming the problem."""
    rows = list(csv.DictReader(io.StringIO(text)))
    if not rows or not {"delta_t_ms", "percent_change"} <= set(rows[0]):
        raise ValueError(f"data_csv {name}: needs columns delta_t_ms, percent_change")
    try:
        dt = np.array([float(r["delta_t_ms"]) for r in rows])
        pc = np.array([float(r["percent_change"]) for r in rows])
    except (TypeError, ValueError):
        raise ValueError(f"data_csv {name}: non-numeric value") from None
    if not (np.all(np.isfinite(dt)) and np.all(np.isfinite(pc))):
        raise ValueError(f"data_csv {name}: values must be finite")
    return dt, pc


def load_points(path: str) -> tuple[np.ndarray, np.ndarray]:
    """Read a user CSV of points (see :func:`parse_points`)."""
    return parse_points(Path(path).read_text(), path)


def packaged_points() -> tuple[np.ndarray, np.ndarray]:
    """The 45 points of Bi & Poo 1998 Fig. 7 shipped in ``hebblab/data`` (README there)."""
    text = resources.files("hebblab").joinpath("data", PACKAGED).read_text()
    return parse_points(text, PACKAGED)


# ------------------------------------------------------------------------------------------ window

def fit_exponential(x, y, counts=None, tau_range_ms=TAU_RANGE_MS, grid: int = 121) -> tuple[np.ndarray, np.ndarray]:
    """Least squares ``y ~ A exp(-x / tau)`` (x >= 0, ms), for many weightings of the same points.

    ``counts[b, i]``: how often point i enters fit b (a bootstrap resample); None: one fit of all
    points. Profile over tau: ``A(tau) = sum y e / sum e^2``, ``SSE(tau) = sum y^2 - (sum y e)^2 /
    sum e^2`` (sums weighted by the counts). The global minimum on a log grid of ``grid`` taus,
    refined by three parabolic steps in log tau; a minimum at an end of ``tau_range_ms`` returns
    that end (a bound of the range, not a fit). Returns arrays ``(A[b], tau[b])``.
    """
    x, y = np.asarray(x, float), np.asarray(y, float)
    c = np.ones((1, x.size)) if counts is None else np.asarray(counts, float)
    cy, syy = c * y, c @ (y * y)
    lt = np.linspace(math.log(tau_range_ms[0]), math.log(tau_range_ms[1]), grid)

    def sse_at(log_tau):  # log_tau: (b, m) -> SSE and A, (b, m)
        e = np.exp(-x[None, None, :] / np.exp(log_tau)[:, :, None])
        sye, see = np.einsum("bn,bmn->bm", cy, e), np.einsum("bn,bmn->bm", c, e * e)
        return syy[:, None] - sye**2 / see, sye / see

    with np.errstate(divide="ignore", invalid="ignore"):
        e = np.exp(-x[None, :] / np.exp(lt)[:, None])
        s = syy[:, None] - (cy @ e.T) ** 2 / (c @ (e * e).T)
        k = np.argmin(np.where(np.isfinite(s), s, np.inf), axis=1)
        inner = (k > 0) & (k < grid - 1)
        low, high = lt[np.maximum(k - 1, 0)], lt[np.minimum(k + 1, grid - 1)]
        best, h = lt[k], lt[1] - lt[0]
        for _ in range(3):
            s3, _ = sse_at(best[:, None] + h * np.array([-1.0, 0.0, 1.0]))
            curv = s3[:, 0] - 2 * s3[:, 1] + s3[:, 2]
            step = np.where(inner & (curv > 0), 0.5 * h * (s3[:, 0] - s3[:, 2]) / np.where(curv > 0, curv, 1), 0.0)
            best = np.clip(best + step, low, high)
            h /= 8
        _, amp = sse_at(best[:, None])
    return amp[:, 0], np.exp(best)


def _sides(dt_ms, ltd_min_lag_ms: float) -> tuple[np.ndarray, np.ndarray]:
    dt_ms = np.asarray(dt_ms, float)
    return dt_ms > 0, dt_ms < -ltd_min_lag_ms


def fit_window(dt_ms, pc, ltd_min_lag_ms: float = 3.0, counts=None) -> dict:
    """Fit each side of the window (module docstring): ``{a_plus_pct, tau_plus_ms, a_minus_pct,
    tau_minus_ms}``, amplitudes in percent (A- as a magnitude); LTP on dt > 0, LTD on dt <
    -ltd_min_lag_ms. Floats for one fit (ValueError with < 3 points a side); with ``counts`` (b, n)
    arrays, one fit per row (NaN where a side has < 3 points)."""
    dt_ms, pc = np.asarray(dt_ms, float), np.asarray(pc, float)
    pos, neg = _sides(dt_ms, ltd_min_lag_ms)
    if counts is None and (pos.sum() < 3 or neg.sum() < 3):
        raise ValueError("data: need at least 3 points on each side of the window")
    c = np.ones((1, dt_ms.size)) if counts is None else np.asarray(counts, float)
    ap, tp = fit_exponential(dt_ms[pos], pc[pos], c[:, pos])
    am, tm = fit_exponential(-dt_ms[neg], -pc[neg], c[:, neg])
    few = (c[:, pos].sum(1) < 3) | (c[:, neg].sum(1) < 3)
    out = {k: np.where(few, np.nan, v) for k, v in
           dict(a_plus_pct=ap, tau_plus_ms=tp, a_minus_pct=am, tau_minus_ms=tm).items()}
    return {k: float(v[0]) for k, v in out.items()} if counts is None else out


def window_values(dt_ms, win: dict) -> np.ndarray:
    """``W(dt)`` in percent: the LTP branch for dt > 0, the LTD branch for dt <= 0 (parameters may be
    arrays that broadcast against dt)."""
    dt_ms = np.asarray(dt_ms, float)
    return np.where(dt_ms > 0, win["a_plus_pct"] * np.exp(-np.abs(dt_ms) / win["tau_plus_ms"]),
                    -win["a_minus_pct"] * np.exp(-np.abs(dt_ms) / win["tau_minus_ms"]))


def published_window() -> dict:
    """tau+- from Bi & Poo 2001 (Annu. Rev. Neurosci. 24:139); amplitudes that put the window's
    mean over each published bin at the bin's published mean (Bi & Poo 1998)."""
    out = dict(tau_plus_ms=TAU_PLUS / ms, tau_minus_ms=TAU_MINUS / ms)
    for key, (bin_, mean, _, _), tau in (("a_plus_pct", BI_POO_LTP_BIN, TAU_PLUS), ("a_minus_pct", BI_POO_LTD_BIN, TAU_MINUS)):
        m1, _ = _exp_moments(bin_[0], bin_[1], tau)
        out[key] = abs(mean) / m1
    return out


def uniform_window_variance(win: dict, low_ms: float, high_ms: float):
    """Variance of W(dt) (percent^2) for dt uniform on one side's [low, high] (closed form in the
    module docstring; parameters may be arrays)."""
    amp, tau = (win["a_plus_pct"], win["tau_plus_ms"]) if low_ms >= 0 else (win["a_minus_pct"], win["tau_minus_ms"])
    a, b = sorted((abs(low_ms), abs(high_ms)))
    tau = np.asarray(tau, float)
    m1 = tau / (b - a) * (np.exp(-a / tau) - np.exp(-b / tau))
    m2 = tau / (2 * (b - a)) * (np.exp(-2 * a / tau) - np.exp(-2 * b / tau))
    return np.asarray(amp, float) ** 2 * (m2 - m1**2)


def in_bin(dt_ms, bin_ms) -> np.ndarray:
    """Membership of the published bins: (0, 10] for LTP, [-25, -3) for LTD (edges from ``bin_ms``)."""
    low, high = bin_ms
    dt_ms = np.asarray(dt_ms)
    return (dt_ms > low) & (dt_ms <= high) if low >= 0 else (dt_ms >= low) & (dt_ms < high)


def _weighted(c, v, min_n):
    """Per row of counts c: n, mean and variance (ddof 1) of v (a row vector or a (b, n) array);
    NaN where n < min_n."""
    n = c.sum(1)
    s1, s2 = (c * v).sum(1), (c * v * v).sum(1)
    ok = n >= min_n
    n_ = np.where(ok, n, min_n)
    mean = np.where(ok, s1 / n_, np.nan)
    var = np.where(ok, (s2 - s1 * s1 / n_) / np.maximum(n_ - 1, 1), np.nan)
    return n, mean, var


def point_statistics(dt_ms, pc, ltd_min_lag_ms: float = 3.0, far_lag_ms: float = 40.0, counts=None) -> dict:
    """Every statistic of a set of points: the fitted window (:func:`fit_window`), the window's
    share of each published bin's variance, R^2 over the fitted points, the bins' mean and SD, the
    mean, RMS and RMS residual of the points at |dt| > far_lag. Floats, or with ``counts`` (b, n)
    one value per row (a bootstrap resample), NaN where a statistic is undefined."""
    dt, y = np.asarray(dt_ms, float), np.asarray(pc, float)
    c = np.ones((1, dt.size)) if counts is None else np.asarray(counts, float)
    win = fit_window(dt, y, ltd_min_lag_ms, counts=c)
    w = window_values(dt[None, :], {k: v[:, None] for k, v in win.items()})
    out = dict(win)
    with np.errstate(divide="ignore", invalid="ignore"):
        for side, bin_ms in (("ltp", LTP_BIN_MS), ("ltd", LTD_BIN_MS)):
            cb = c * in_bin(dt, bin_ms)
            _, mean, var = _weighted(cb, y[None, :], 3)
            _, _, var_w = _weighted(cb, w, 3)
            out[f"share_{side}"] = var_w / var
            out[f"sd_{side}"] = np.sqrt(var)
            out[f"mean_{side}"] = mean
            out[f"share_uniform_{side}"] = uniform_window_variance(win, *bin_ms) / var
        pos, neg = _sides(dt, ltd_min_lag_ms)
        cf = c * (pos | neg)
        _, _, var_f = _weighted(cf, y[None, :], 3)
        out["r2"] = 1 - (cf * (y - w) ** 2).sum(1) / (var_f * (cf.sum(1) - 1))
        cfar = c * (np.abs(dt) > far_lag_ms)
        n_far, far_mean, _ = _weighted(cfar, y[None, :], 2)
        ok = n_far >= 2
        nf = np.where(ok, n_far, 1)
        out["far_mean"] = far_mean
        out["far_rms"] = np.where(ok, np.sqrt((cfar * y * y).sum(1) / nf), np.nan)
        out["far_rms_residual"] = np.where(ok, np.sqrt((cfar * (y - w) ** 2).sum(1) / nf), np.nan)
        out["far_over_near"] = far_mean / out["mean_ltp"]
    return {k: float(v[0]) for k, v in out.items()} if counts is None else out


class PointBootstrap:
    """Bootstrap over data points, every :func:`point_statistics` value computed for all resamples
    at once: the resamples are :func:`hebblab.stats.resample_indices` for ``seed`` (those
    :func:`hebblab.stats.bootstrap` draws) and the intervals :func:`hebblab.stats.bootstrap_interval`.
    """

    def __init__(self, dt_ms, pc, seed: int, n_resamples: int, ltd_min_lag_ms: float = 3.0,
                 far_lag_ms: float = 40.0):
        self.rows = np.column_stack([dt_ms, pc]).astype(float)
        self.seed, self.n_resamples = seed, n_resamples
        self.args = (ltd_min_lag_ms, far_lag_ms)
        n = self.rows.shape[0]
        idx = stats.resample_indices(n, seed, n_resamples)
        counts = np.zeros((n_resamples, n))
        np.add.at(counts, (np.repeat(np.arange(n_resamples), n), idx.ravel()), 1)
        self.idx = idx
        self.batch = point_statistics(self.rows[:, 0], self.rows[:, 1], *self.args, counts=counts)
        self.point = point_statistics(self.rows[:, 0], self.rows[:, 1], *self.args)

    def interval(self, name: str) -> dict:
        """The percentile bootstrap interval of one statistic."""
        return stats.bootstrap_interval(self.point[name], self.batch[name], self.rows.shape[0])

    def intervals(self) -> dict:
        return {k: self.interval(k) for k in self.batch}

    def windows(self) -> list[dict]:
        """The window fitted to each resample (NaN rows dropped)."""
        ok = np.all([np.isfinite(self.batch[k]) for k in WINDOW_KEYS], axis=0)
        return [{k: float(self.batch[k][b]) for k in WINDOW_KEYS} for b in np.flatnonzero(ok)]


# ------------------------------------------------------------------------------------ noise models

def _design(window, model: str) -> np.ndarray:
    """Columns of the variance model ``v = X theta``: 1, W^2 on the LTP side, W^2 on the LTD side."""
    w = np.asarray(window, float)
    cols = [np.ones_like(w)]
    if model != "floor_only":
        cols.append(np.where(w > 0, w * w, 0.0))
    if model == "proportional":
        cols.append(np.where(w < 0, w * w, 0.0))
    return np.column_stack(cols)


def gaussian_loglik(resid, var) -> float:
    """``ln L = -1/2 sum (ln(2 pi v) + r^2 / v)`` of independent normal residuals."""
    r, v = np.asarray(resid, float), np.asarray(var, float)
    return -0.5 * float(np.sum(np.log(2 * np.pi * v) + r * r / v))


def fit_noise_model(resid, window, model: str, max_iter: int = 200, tol: float = 1e-10) -> dict:
    """Maximum-likelihood fit of one noise model (module docstring) to the residuals of a window.

    ``window``: W(dt) at each point (percent; its sign says the side). The variance is linear in
    ``theta = (floor^2, c+^2, c-^2) >= 0``, ``v = X theta``, so Fisher scoring is a weighted
    non-negative least-squares regression of r^2 on X with weights 1/v^2 (iterated; a step that
    lowers ln L is halved). Returns ``{"floor", "c_plus", "c_minus", "loglik", "k", "aic"}``
    (c's absent from a model are 0).
    """
    from scipy.optimize import nnls

    r = np.asarray(resid, float)
    r2 = r * r
    X = _design(window, model)
    k = X.shape[1]
    eps = 1e-12 * float(np.mean(r2))  # keeps v > 0
    theta = np.zeros(k)
    theta[0] = float(np.mean(r2))
    ll = gaussian_loglik(r, X @ theta + eps)
    for _ in range(max_iter):
        sw = 1.0 / (X @ theta + eps)
        new, _ = nnls(X * sw[:, None], r2 * sw)
        step = 1.0
        while True:
            cand = theta + step * (new - theta)
            ll_new = gaussian_loglik(r, X @ cand + eps)
            if ll_new >= ll - 1e-12 or step < 1e-6:
                break
            step /= 2
        done = abs(ll_new - ll) < tol * (1 + abs(ll))
        theta, ll = cand, ll_new
        if done:
            break
    full = np.sqrt(np.concatenate([theta, np.zeros(3 - k)]))
    return dict(floor=float(full[0]), c_plus=float(full[1]), c_minus=float(full[2]), loglik=ll, k=k,
                aic=2 * k - 2 * ll)


def compare_noise_models(resid, window) -> dict:
    """ML fits of the three models, AIC differences from the best, likelihood-ratio p-values."""
    from scipy.stats import chi2

    fits = {m: fit_noise_model(resid, window, m) for m in NOISE_MODELS}
    best = min(NOISE_MODELS, key=lambda m: fits[m]["aic"])
    lr = {pair: max(0.0, 2 * (fits[pair[1]]["loglik"] - fits[pair[0]]["loglik"]))
          for pair in (("floor_only", "proportional"), ("floor_only", "weight_dependent"),
                       ("weight_dependent", "proportional"))}
    p = {"floor_only_vs_proportional": 0.5 * chi2.sf(lr[("floor_only", "proportional")], 1)
         + 0.25 * chi2.sf(lr[("floor_only", "proportional")], 2),
         "floor_only_vs_weight_dependent": 0.5 * chi2.sf(lr[("floor_only", "weight_dependent")], 1),
         "weight_dependent_vs_proportional": 0.5 * chi2.sf(lr[("weight_dependent", "proportional")], 1)}
    return dict(fits=fits, best=best, delta_aic={m: fits[m]["aic"] - fits[best]["aic"] for m in NOISE_MODELS},
                lr_p={k: float(v) for k, v in p.items()})


def noise_residuals(dt_ms, pc, win: dict, ltd_min_lag_ms: float) -> tuple[np.ndarray, np.ndarray]:
    """Residuals and W(dt) of window ``win`` at the points it covers (dt > 0, dt < -ltd_min_lag)."""
    dt, y = np.asarray(dt_ms, float), np.asarray(pc, float)
    pos, neg = _sides(dt, ltd_min_lag_ms)
    fitted = pos | neg
    w = window_values(dt[fitted], win)
    return y[fitted] - w, w


def bootstrap_noise(boot: PointBootstrap, n_resamples: int) -> dict:
    """Bootstrap over points of model (b)'s ML floor and c+-: on the first ``n_resamples`` of
    ``boot``'s resamples the window is refitted (``boot``'s fit of that resample), then the noise
    model; percentile intervals from :func:`hebblab.stats.bootstrap_interval`."""
    ltd_min = boot.args[0]
    keys = ("floor", "c_plus", "c_minus")
    vals = {k: np.full(n_resamples, np.nan) for k in keys}
    for b in range(n_resamples):
        win = {k: float(boot.batch[k][b]) for k in WINDOW_KEYS}
        if not all(np.isfinite(list(win.values()))):
            continue
        rows = boot.rows[boot.idx[b]]
        fitted = fit_noise_model(*noise_residuals(rows[:, 0], rows[:, 1], win, ltd_min), "proportional")
        for k in keys:
            vals[k][b] = fitted[k]
    win = {k: float(boot.point[k]) for k in WINDOW_KEYS}
    point = fit_noise_model(*noise_residuals(boot.rows[:, 0], boot.rows[:, 1], win, ltd_min), "proportional")
    return {k: stats.bootstrap_interval(point[k], vals[k], boot.rows.shape[0]) for k in keys}


# -------------------------------------------------------------------------------------- simulation

def simulate_protocol(window: dict, lags_s: np.ndarray, noise, n_pairings: int, rate: float, seed: int) -> np.ndarray:
    """Percent change of each synapse after the pairing protocol at its lag (engine run).

    The window is written into PairSTDP as per-pairing steps ``A / n_pairings`` (all-to-all pairing;
    at 1 Hz the pairings do not interact: exp(-1 s / tau) ~ 0)."""
    n = lags_s.size
    rule = PairSTDP(a_plus=window["a_plus_pct"] / 100 * W0 / n_pairings,
                    a_minus=window["a_minus_pct"] / 100 * W0 / n_pairings,
                    tau_plus=window["tau_plus_ms"] * ms, tau_minus=window["tau_minus_ms"] * ms, w_max=W_MAX, noise=noise)
    starts = 0.2 + np.arange(n_pairings) / rate
    pre_t = np.tile(starts, n) + np.repeat(np.maximum(-lags_s, 0), n_pairings)
    post_t = np.tile(starts, n) + np.repeat(np.maximum(lags_s, 0), n_pairings)
    idx = np.repeat(np.arange(n), n_pairings)
    net = Network(dt=DT, seed=seed)
    pre = net.add(SpikeSource(n=n, times=pre_t, indices=idx))
    post = net.add(SpikeSource(n=n, times=post_t, indices=idx))
    syn = net.connect(pre, post, rule=rule, w=W0, connectivity="one_to_one")
    net.run(starts[-1] + 0.5)
    return 100 * (np.asarray(syn.w, float) - W0) / W0


def draw_lags(rng, groups: int, per_group: int, max_lag_ms: float) -> tuple[np.ndarray, np.ndarray]:
    """Lags (s, on the dt grid) and group of each synapse: per group a third uniform in the LTP bin,
    a third in the LTD bin, the rest uniform on [-max_lag, max_lag] (dt = 0 moved to one step)."""
    n_bin = per_group // 3
    step = lambda v: round(v * ms / DT)  # noqa: E731
    lags, group = [], []
    for g in range(groups):
        s = np.concatenate([rng.integers(step(LTP_BIN_MS[0]) + 1, step(LTP_BIN_MS[1]) + 1, n_bin),
                            rng.integers(step(LTD_BIN_MS[0]), step(LTD_BIN_MS[1]), n_bin),
                            rng.integers(-step(max_lag_ms), step(max_lag_ms) + 1, per_group - 2 * n_bin)])
        s[s == 0] = 1
        lags.append(s * DT)
        group.append(np.full(s.size, g))
    return np.concatenate(lags), np.concatenate(group)


def calibrations(bins: dict, win: dict, n_pairings: int, floor: float) -> tuple[dict, list]:
    """Noise SDs for each simulated model, calibrated to the data's bins and the fitted window;
    a bin that the window and floor already over-explain gets SD 0 (named in the returned notes)."""
    out, notes = {}, []
    for kind in ("pairing", "synapse"):
        for suffix, f in (("", 0.0), ("_floor", floor)):
            try:
                sp, sm = calibrate_scatter(kind, n_pairings, win["tau_plus_ms"] * ms, win["tau_minus_ms"] * ms,
                                           ltp_bin=bins["ltp"], ltd_bin=bins["ltd"],
                                           amplitudes=(win["a_plus_pct"], win["a_minus_pct"]), floor=f)
            except ValueError as err:
                notes.append(f"{kind}{suffix} noise set to 0: {err}")
                sp = sm = 0.0
            out[f"{kind}{suffix}"] = dict(sigma_plus=sp, sigma_minus=sm)
    return out, notes


def _group_spread(lags_ms, group, change, groups, far_lag_ms, win) -> dict:
    """Per group: SD in each published bin, RMS of the change around the window at |dt| > far;
    estimates over groups."""
    per = {"ltp": [], "ltd": [], "far": []}
    for g in range(groups):
        sel = group == g
        lg, ch = lags_ms[sel], change[sel]
        far = np.abs(lg) > far_lag_ms
        per["ltp"].append(np.std(ch[in_bin(lg, LTP_BIN_MS)], ddof=1))
        per["ltd"].append(np.std(ch[in_bin(lg, LTD_BIN_MS)], ddof=1))
        per["far"].append(np.sqrt(np.mean((ch[far] - window_values(lg[far], win)) ** 2)))
    return {k: stats.estimate(v) for k, v in per.items()}


# ------------------------------------------------------------------------------------------- run

def check_points(dt_ms, config: Config) -> None:
    """ValueError naming what the points lack: 3 a side for the fit, 3 in each published bin (the
    calibration targets), 2 beyond the far lag (floor and stdp-only criterion)."""
    pos, neg = _sides(dt_ms, config.ltd_min_lag_ms)
    need = [(pos.sum(), 3, "points with dt > 0"), (neg.sum(), 3, f"points with dt < -{config.ltd_min_lag_ms:g} ms"),
            (in_bin(dt_ms, LTP_BIN_MS).sum(), 3, "points in the LTP bin 0 < dt <= 10 ms"),
            (in_bin(dt_ms, LTD_BIN_MS).sum(), 3, "points in the LTD bin -25 <= dt < -3 ms"),
            ((np.abs(dt_ms) > config.far_lag_ms).sum(), 2, f"points with |dt| > far_lag_ms = {config.far_lag_ms:g}")]
    for have, n, what in need:
        if have < n:
            raise ValueError(f"data: need at least {n} {what} (got {int(have)})")


def run(config: Config, seed: int = 1, progress: bool = False) -> Result:
    if config.data_csv:
        dt_ms, pc = load_points(config.data_csv)
        source = f"user CSV {config.data_csv} ({dt_ms.size} points)"
    else:
        dt_ms, pc = packaged_points()
        source = f"Bi & Poo 1998 Fig. 7, {dt_ms.size} digitized points (packaged)"
    check_points(dt_ms, config)
    with progress_bar(progress, 2 + len(SIMULATED), "stdp-window") as bar:
        point = point_statistics(dt_ms, pc, config.ltd_min_lag_ms, config.far_lag_ms)
        resampled = PointBootstrap(dt_ms, pc, seed, config.bootstrap_resamples, config.ltd_min_lag_ms,
                                   config.far_lag_ms)
        boot = resampled.intervals()
        win = {k: point[k] for k in WINDOW_KEYS}
        comparison = compare_noise_models(*noise_residuals(dt_ms, pc, win, config.ltd_min_lag_ms))
        prop = comparison["fits"]["proportional"]
        noise_boot = bootstrap_noise(resampled, min(config.ml_resamples, config.bootstrap_resamples))
        bar.advance()
        floor = prop["floor"]
        bins = {side: ((b[0] * ms, b[1] * ms), point[f"mean_{side}"], point[f"sd_{side}"],
                       int(in_bin(dt_ms, b).sum())) for side, b in (("ltp", LTP_BIN_MS), ("ltd", LTD_BIN_MS))}
        sigmas, cal_notes = calibrations(bins, win, config.n_pairings, floor)
        rng = np.random.default_rng(seed)
        per_group = config.n_synapses // config.replicates
        lags, group = draw_lags(rng, config.replicates, per_group, config.max_lag_ms)
        lags_ms = lags / ms
        sims = {}
        for label in SIMULATED:
            kind = label.split("_")[0]
            noise = None if label == "window_only" else Scatter(kind, **sigmas[label])
            change = simulate_protocol(win, lags, noise, config.n_pairings, config.pairing_rate_hz, seed)
            if label.endswith("_floor"):  # measurement noise of each simulated recording
                change = change + floor * rng.standard_normal(change.size)
            sims[label] = change
            bar.advance()
        spread = {label: _group_spread(lags_ms, group, sims[label], config.replicates, config.far_lag_ms, win)
                  for label in SIMULATED}
        bar.advance()
    headline, kinds = _headline(config, source, dt_ms, boot, comparison, noise_boot, sigmas, spread, floor)
    tables = _tables(dt_ms, pc, win, resampled.windows(), lags_ms, group, sims, config)
    notes = [f"Window fitted on {int((dt_ms > 0).sum())} LTP points (dt > 0) and "
             f"{int((dt_ms < -config.ltd_min_lag_ms).sum())} LTD points (dt < -{config.ltd_min_lag_ms:g} ms); "
             f"{int(((dt_ms <= 0) & (dt_ms >= -config.ltd_min_lag_ms)).sum())} points in between are left out of "
             "the fit, the residuals and R^2 (Bi & Poo's points there potentiate).",
             "Bins as published (Bi & Poo 1998): LTP 0 < dt <= 10 ms, LTD -25 <= dt < -3 ms; the data's own mean "
             "and SD in each bin are the calibration targets.",
             "Noise models (b) per-pairing and per-synapse noise give the same spread after a fixed number of "
             "pairings; they differ in what more pairings do (write-cost): pairing noise averages out, synapse "
             "noise never does. Measurement noise (the floor) is added to the simulated changes of the *_floor "
             "models, after the engine run.",
             "variance_explained.*_bin: Var W(dt_i) / Var y_i over the bin's points; *_uniform_lags: the closed-form "
             "variance of W over lags uniform in the bin (what the simulation samples) over the data's variance, "
             "which can exceed 1 on a resample.",
             f"Bootstrap: {config.bootstrap_resamples} resamples of the points (window refitted each time), "
             f"{config.ml_resamples} for the noise-model ML fit."] + cal_notes
    return Result(headline, tables, notes, kinds)


def _headline(config, source, dt_ms, boot, comparison, noise_boot, sigmas, spread, floor):
    fits = comparison["fits"]
    headline = dict(
        data=dict(source=source, packaged=not config.data_csv, n_points=int(dt_ms.size), n_ltp_bin=int(in_bin(dt_ms, LTP_BIN_MS).sum()),
                  n_ltd_bin=int(in_bin(dt_ms, LTD_BIN_MS).sum()), n_far=int((np.abs(dt_ms) > config.far_lag_ms).sum())),
        protocol=dict(n_pairings=config.n_pairings, rate_hz=config.pairing_rate_hz),
        window={k: boot[k] for k in WINDOW_KEYS},
        variance_explained=dict(ltp_bin=boot["share_ltp"], ltd_bin=boot["share_ltd"], all_points_r2=boot["r2"],
                                ltp_bin_uniform_lags=boot["share_uniform_ltp"],
                                ltd_bin_uniform_lags=boot["share_uniform_ltd"]),
        floor=dict(ml=noise_boot["floor"], rms_far=boot["far_rms"], rms_far_residual=boot["far_rms_residual"]),
        noise_models={m: dict(loglik=fits[m]["loglik"], aic=fits[m]["aic"], k=fits[m]["k"],
                              delta_aic=comparison["delta_aic"][m], floor=fits[m]["floor"],
                              c_plus=fits[m]["c_plus"], c_minus=fits[m]["c_minus"]) for m in NOISE_MODELS},
        noise_lr_p=comparison["lr_p"],
        noise_sd_floor_removed=dict(c_plus=noise_boot["c_plus"], c_minus=noise_boot["c_minus"]),
        calibration={label: sigmas[label] for label in sigmas},
        spread={side: dict(data=boot[f"sd_{side}"] if side != "far" else boot["far_rms_residual"],
                           **{label: spread[label][side] for label in SIMULATED}) for side in ("ltp", "ltd", "far")},
        bin_mean=dict(ltp=boot["mean_ltp"], ltd=boot["mean_ltd"]),
        stdp_only=dict(far_mean_change=boot["far_mean"], near_mean_change=boot["mean_ltp"],
                       far_over_near=boot["far_over_near"], limit=config.far_near_limit,
                       far_lag_ms=config.far_lag_ms),
    )
    headline["noise_models"]["best"] = comparison["best"]
    kinds = {"stdp_only.limit": "setting", "stdp_only.far_lag_ms": "setting", "protocol.n_pairings": "setting",
             "protocol.rate_hz": "setting",
             "floor.used_for_calibration": "deterministic"}
    headline["floor"]["used_for_calibration"] = floor
    return headline, kinds


def _tables(dt_ms, pc, win, fits, lags_ms, group, sims, config):
    x = np.linspace(-config.max_lag_ms, config.max_lag_ms, 401)
    x = x[x != 0]
    curves = np.array([window_values(x, f) for f in fits])
    lo, hi = np.quantile(curves, [0.025, 0.975], axis=0)
    w = window_values(dt_ms, win)
    fitted = (dt_ms > 0) | (dt_ms < -config.ltd_min_lag_ms)
    return {"data": {"delta_t_ms": dt_ms.tolist(), "percent_change": pc.tolist(),
                     "window_percent": np.where(fitted, w, np.nan).tolist(), "in_fit": fitted.tolist()},
            "window_curve": {"delta_t_ms": x.tolist(), "window_percent": window_values(x, win).tolist(),
                             "band_low": lo.tolist(), "band_high": hi.tolist(),
                             "literature_percent": window_values(x, published_window()).tolist()},
            "simulated": {"lag_ms": lags_ms.tolist(), "group": group.tolist(),
                          **{f"percent_{k}": v.tolist() for k, v in sims.items()}}}


# ---------------------------------------------------------------------------------------- figures

def figures(result: Result):
    from matplotlib.figure import Figure
    t, h = result.tables, result.headline
    data, sim, curve = t["data"], t["simulated"], t["window_curve"]
    dtd, pcd = np.asarray(data["delta_t_ms"]), np.asarray(data["percent_change"])
    infit = np.asarray(data["in_fit"], bool)
    lag = np.asarray(sim["lag_ms"])
    first = np.asarray(sim["group"]) == 0
    shown = np.concatenate([pcd] + [np.asarray(sim[f"percent_{m}"])[first] for m in ("pairing_floor", "synapse_floor")])
    ylim = (shown.min() - 5, shown.max() + 5)

    fig_a = Figure(figsize=(11, 4.6))
    axes = fig_a.subplots(1, 2, sharey=True)
    ax = axes[0]
    where = "Bi & Poo 1998 Fig. 7" if h["data"]["packaged"] else "data CSV"
    ax.plot(dtd[infit], pcd[infit], "o", color="k", ms=4.5, label=f"one cell pair ({where})")
    ax.plot(dtd[~infit], pcd[~infit], "o", mfc="none", mec="k", ms=5, label="cell pair just below dt = 0 (not in the fit)")
    ax.set(title=f"Figure A: change of every connection (data, n = {dtd.size})")
    ax = axes[1]
    for label, color, name in (("pairing_floor", "#2a6fbb", "per-pairing noise"),
                               ("synapse_floor", "#d9822b", "per-synapse gain")):
        ax.plot(lag[first], np.asarray(sim[f"percent_{label}"])[first], ".", ms=2.5, alpha=0.45, color=color,
                label=f"simulated: {name} + measurement floor")
    ax.plot(dtd, pcd, "o", mfc="none", mec="k", ms=4.5, label="data (as left)")
    ax.set(title="Figure A, simulated: same protocol, noise calibrated to the data")
    for ax in axes:
        ax.axhline(0, color="#999", lw=0.5)
        ax.set(xlabel="spike timing dt = t_post - t_pre (ms)", xlim=(-105, 105), ylim=ylim)
    axes[0].set_ylabel(f"change of EPSC amplitude after {h['protocol']['n_pairings']} pairings (%)")
    handles = [hd for ax in axes for hd in ax.get_legend_handles_labels()[0]]
    labels = [lb for ax in axes for lb in ax.get_legend_handles_labels()[1]]
    fig_a.legend(handles, labels, loc="lower center", ncol=3, fontsize=8, frameon=False, markerscale=2)
    fig_a.tight_layout(rect=(0, 0.1, 1, 1))

    fig_b = Figure(figsize=(6.5, 4.4))
    ax = fig_b.subplots()
    x = np.asarray(curve["delta_t_ms"])
    for side in (x > 0, x < 0):
        ax.fill_between(x[side], np.asarray(curve["band_low"])[side], np.asarray(curve["band_high"])[side],
                        color="#c33", alpha=0.2, lw=0, label="95 % bootstrap band" if side[-1] else None)
        ax.plot(x[side], np.asarray(curve["window_percent"])[side], "-", color="#c33",
                label="fitted window" if side[-1] else None)
        ax.plot(x[side], np.asarray(curve["literature_percent"])[side], "--", color="#555", lw=1,
                label="literature tau+- (16.8, 33.7 ms), bin means" if side[-1] else None)
    win = h["window"]
    ax.axhline(0, color="#999", lw=0.5)
    ax.set(xlabel="spike timing dt = t_post - t_pre (ms)",
           ylabel=f"mean change after {h['protocol']['n_pairings']} pairings (%)",
           title="Figure B: the idealized STDP window",
           xlim=(x.min(), x.max()))
    ax.text(0.98, 0.04, f"A+ = {stats.fmt(win['a_plus_pct'], 2)} %\ntau+ = {stats.fmt(win['tau_plus_ms'], 2)} ms\n"
            f"A- = {stats.fmt(win['a_minus_pct'], 2)} %\ntau- = {stats.fmt(win['tau_minus_ms'], 2)} ms\n"
            "[95 % bootstrap intervals]", transform=ax.transAxes, ha="right", va="bottom", fontsize=8)
    ax.legend(loc="upper left", fontsize=8, frameon=False)

    fig_c = _noise_figure(result)
    fig_d = _spread_figure(result)
    return [("figA_scatter_of_connections", fig_a), ("figB_idealized_window", fig_b),
            ("figC_noise_models", fig_c), ("figD_spread_data_vs_simulated", fig_d)]


def _noise_figure(result):
    from matplotlib.figure import Figure
    h, data = result.headline, result.tables["data"]
    infit = np.asarray(data["in_fit"], bool)
    w = np.asarray(data["window_percent"])[infit]
    r = np.asarray(data["percent_change"])[infit] - w
    fig = Figure(figsize=(6.5, 4.4))
    ax = fig.subplots()
    ax.plot(np.abs(w[w > 0]), np.abs(r[w > 0]), "o", color="#c33", ms=4, label="LTP side (dt > 0)")
    ax.plot(np.abs(w[w < 0]), np.abs(r[w < 0]), "s", color="#36a", ms=4, label="LTD side (dt < -3 ms)")
    xs = np.linspace(0, np.abs(w).max() * 1.05, 100)
    k = math.sqrt(2 / math.pi)  # E|r| = SD sqrt(2/pi) for a normal residual
    nm = h["noise_models"]
    styles = {"floor_only": ("-", "#777"), "proportional": ("-", "k"), "weight_dependent": (":", "k")}
    names = {"floor_only": "(a) floor only", "proportional": "(b) floor + proportional",
             "weight_dependent": "(c) floor + LTP-only (initial strength)"}
    for m in NOISE_MODELS:
        ls, col = styles[m]
        f, cp, cm = nm[m]["floor"], nm[m]["c_plus"], nm[m]["c_minus"]
        ax.plot(xs, k * np.sqrt(f**2 + (cp * xs) ** 2), ls, color=col, lw=1.2,
                label=f"{names[m]} (AIC - best AIC = {nm[m]['delta_aic']:.1f})")
        if cm != cp:  # the LTD side, over the LTD points' range of |W|
            xd = xs[xs <= np.abs(w[w < 0]).max() * 1.05]
            ax.plot(xd, k * np.sqrt(f**2 + (cm * xd) ** 2), ls, color="#36a", lw=0.8)
    ax.set(xlabel="|window| at the point's timing, |W(dt)| (%)", ylabel="|residual| = |change - W(dt)| (%)",
           title="Noise models, ML fits: expected |residual| (black: LTP side, blue: LTD side)")
    ax.legend(loc="upper left", fontsize=7.5, frameon=False)
    return fig


def _spread_figure(result):
    from matplotlib.figure import Figure
    sp = result.headline["spread"]
    fig = Figure(figsize=(10, 4))
    axes = fig.subplots(1, 3)
    labels = ["data"] + list(SIMULATED)
    names = {"data": "data (bootstrap)", "window_only": "window only", "pairing": "pairing noise",
             "synapse": "synapse gain", "pairing_floor": "pairing + floor", "synapse_floor": "synapse + floor"}
    far = result.headline["stdp_only"]["far_lag_ms"]
    titles = {"ltp": "SD, LTP bin 0 < dt <= 10 ms", "ltd": "SD, LTD bin -25 <= dt < -3 ms",
              "far": f"RMS around W(dt), |dt| > {far:g} ms"}
    for ax, side in zip(axes, ("ltp", "ltd", "far")):
        for i, label in enumerate(labels):
            v = sp[side][label]
            lo, hi = v["ci95"]
            ax.errorbar([v["mean"]], [i], xerr=[[v["mean"] - lo], [hi - v["mean"]]], fmt="ko" if i == 0 else "o",
                        color=None if i == 0 else "#2a6fbb", capsize=3)
        ax.set_yticks(range(len(labels)), [names[lb] for lb in labels] if side == "ltp" else [""] * len(labels))
        ax.invert_yaxis()
        ax.set_title(titles[side], fontsize=9)
        ax.set_xlabel("spread of the change (%)")
        ax.set_xlim(left=0)
    n_groups = sp["ltp"]["pairing"]["n"]
    fig.suptitle(f"Spread after {result.headline['protocol']['n_pairings']} pairings, data against the simulated noise "
                 f"models (95 % intervals: data bootstrap over points, simulated over {n_groups} groups of synapses)",
                 fontsize=9)
    fig.tight_layout()
    return fig


# -------------------------------------------------------------------------------- summary, verdicts

def _tau_minus_words(tau: dict) -> str:
    lo, hi = tau["ci95"]
    lit = TAU_MINUS / ms
    inside = "includes" if lo <= lit <= hi else "excludes"
    return (f"the data constrain tau- only loosely: its interval spans a factor of {hi / lo:.1f} and {inside} the "
            f"literature's {lit:g} ms")


def finding(result: Result) -> str:
    h = result.headline
    f = stats.fmt
    win, ve, nm, lr = h["window"], h["variance_explained"], h["noise_models"], h["noise_lr_p"]
    sp, so, far = h["spread"], h["stdp_only"], h["stdp_only"]["far_lag_ms"]
    best = nm["best"]
    names = {"floor_only": "a constant floor", "proportional": "a floor plus noise proportional to the window",
             "weight_dependent": "a floor plus an LTP-only (initial-strength) factor"}
    others = " and ".join(f"by {nm[m]['delta_aic']:.1f} than {names[m]}" for m in NOISE_MODELS if m != best)
    p_floor = lr["floor_only_vs_proportional"]
    floor_words = ("a floor alone is rejected" if p_floor < 0.05 else "a floor alone is not rejected")
    c_minus = h["noise_sd_floor_removed"]["c_minus"]
    p_ltd = lr["weight_dependent_vs_proportional"]
    ltd_words = (f"noise proportional to the window on the LTD side too (c- > 0) has likelihood-ratio p = {p_ltd:.2g}"
                 + (", but its bootstrap interval reaches 0" if c_minus["ci95"][0] <= 1e-9 else ""))
    return (
        f"Fitted to {h['data']['source']}, the window has A+ = {f(win['a_plus_pct'], 2, unit='%')}, "
        f"tau+ = {f(win['tau_plus_ms'], 2, unit='ms')}, A- = {f(win['a_minus_pct'], 2, unit='%')} and "
        f"tau- = {f(win['tau_minus_ms'], 2, unit='ms')} (95 % bootstrap intervals over points): "
        f"{_tau_minus_words(win['tau_minus_ms'])}. Timing decides the sign and the mean of the change (R^2 of the "
        f"window over all fitted points {f(ve['all_points_r2'], 2, percent=True)}), but within the published bins "
        f"it explains only {f(ve['ltp_bin'], 2, percent=True)} of the variance of the LTP bin (0 < dt <= 10 ms) and "
        f"{f(ve['ltd_bin'], 2, percent=True)} of the LTD bin (-25 <= dt < -3 ms) at the points' own timings. "
        f"Compared by likelihood, the residuals are best described by {names[best]} (AIC lower {others}); "
        f"{floor_words} (likelihood-ratio p = {p_floor:.2g}) and {ltd_words}. The measurement floor is "
        f"{f(h['floor']['ml'], 2, unit='%')} (ML); the RMS change of pairings at |dt| > {far:g} ms is "
        f"{f(h['floor']['rms_far'], 2, unit='%')} and its RMS around the window "
        f"{f(sp['far']['data'], 2, unit='%')}, where the calibrated noise models without a floor give "
        f"{f(sp['far']['pairing'], 2, unit='%')} (per-pairing) and {f(sp['far']['synapse'], 2, unit='%')} "
        f"(per-synapse) and with it {f(sp['far']['pairing_floor'], 2, unit='%')} and "
        f"{f(sp['far']['synapse_floor'], 2, unit='%')}. With the floor removed the noise proportional to the window "
        f"is c+ = {f(h['noise_sd_floor_removed']['c_plus'], 2)} and c- = {f(c_minus, 2)} (relative SD of the change "
        f"after the protocol). Recalibrated to this window, the simulated LTP-bin SD is "
        f"{f(sp['ltp']['pairing_floor'], 2, unit='%')} (per-pairing noise + floor) and "
        f"{f(sp['ltp']['synapse_floor'], 2, unit='%')} (per-synapse gain + floor) against the data's "
        f"{f(sp['ltp']['data'], 2, unit='%')}. Per-pairing noise and a per-synapse gain predict the same spread "
        f"after a fixed number of pairings, and an initial-strength factor looks like either on the LTP side: telling "
        f"them apart needs each cell's initial EPSC (a deterministic factor correlates with it) and protocols "
        f"with other numbers of pairings (per-pairing noise shrinks as 1/sqrt(n)). Far from coincidence "
        f"(|dt| > {far:g} ms) the mean change is {f(so['far_mean_change'], 2, unit='%')}, "
        f"{f(so['far_over_near'], 2, percent=True)} of the LTP-bin mean. Conditions: "
        + ("Bi & Poo's cultured hippocampal neurons" if h["data"]["packaged"] else "the CSV's points (one cell pair "
           "each)") + f", {h['protocol']['n_pairings']} pairings at {h['protocol']['rate_hz']:g} Hz (simulated), "
        "one timing per cell pair, each change measured once."
    )


def verdicts(result: Result) -> list:
    from .base import Verdict
    so = result.headline["stdp_only"]
    lo, hi = so["far_over_near"]["ci95"]
    lim = so["limit"]
    if -lim < lo and hi < lim:
        verdict, how = "qualified", "far pairings change weights by less than the limit"
    elif hi < -lim or lo > lim:
        verdict, how = "refuted", "far pairings change weights by more than the limit"
    else:
        verdict, how = "qualified", "the interval straddles the limit: these data do not decide"
    ve = result.headline["variance_explained"]
    h = result.headline
    source = (f"{h['data']['source']}, {h['protocol']['n_pairings']} pairings at {h['protocol']['rate_hz']:g} Hz"
              + (" (cultured hippocampal neurons)" if h["data"]["packaged"] else ""))
    return [Verdict(
        claim="stdp-only", verdict=verdict, headline="stdp_only.far_over_near",
        criterion=(f"mean change of pairings far from coincidence (|dt| > {so['far_lag_ms']:g} ms) divided by the "
                   f"LTP-bin mean "
                   f"(0 < dt <= 10 ms), bootstrap 95 % interval: refuted if it lies entirely beyond +-{lim:g}; "
                   f"within +-{lim:g} the changes are confined to near-concurrent firing within the protocol, which "
                   "is the most these data can give (qualified): Bi & Poo's protocol only ever pairs the two neurons, "
                   "so it cannot show that no other mechanism changes weights; supported would need experiments "
                   f"that vary something other than timing. Here: {how}."),
        conditions=(f"{source}. Timing decides the sign and "
                    f"mean of the change, but explains only {stats.fmt(ve['ltp_bin'], 2, percent=True)} of the "
                    f"LTP-bin variance; the rest is noise or per-cell factors (initial strength) the data cannot "
                    "separate, and the spread far from coincidence may be measurement noise or timing-independent "
                    "change (no unpaired control in these points)."))]


register_experiment(Experiment(
    name="stdp-window",
    question="How well does spike timing predict a synapse's change? Bi & Poo's points, the window fitted to them, "
             "and the noise around it.",
    about=("Figure A shows the change of every connection in Bi &amp; Poo's (1998) Fig. 7 after 60 pre/post "
           "pairings at 1 Hz, beside the same protocol simulated on many synapses with noise calibrated to these "
           "points. Figure B is the idealized window (least-squares exponential on each side) with its bootstrap "
           "band. Figure C compares, by likelihood, what the scatter around the window is: a constant measurement "
           "floor, noise proportional to the window (per-pairing noise or a per-synapse gain, indistinguishable after "
           "60 pairings), or an LTP-only initial-strength factor. Figure D compares the spread of the data with the "
           "simulated noise models. It decides the article's claim that synapses change only by near-concurrent "
           "firing. Pass a CSV of points with <code>--set data_csv=FILE</code> to fit your own data."),
    config=Config,
    quick=dict(replicates=5, n_synapses=3000, bootstrap_resamples=2000, ml_resamples=400),
    full=dict(replicates=20, n_synapses=60000, bootstrap_resamples=10000, ml_resamples=2000),
    run=run, figures=figures,
    summary=(
        Headline("variance_explained.ltp_bin", "share of the LTP-bin variance (0 < dt <= 10 ms) the timing window "
                 "explains", percent=True, digits=2),
        Headline("window.tau_minus_ms", "LTD time constant tau- fitted to Bi & Poo's points", unit="ms", digits=2),
        Headline("floor.rms_far", "RMS change far from coincidence (|dt| > far_lag_ms, default 40 ms): the noise "
                 "floor", unit="%", digits=2),
        Headline("stdp_only.far_over_near", "mean change far from coincidence / mean change in the LTP bin",
                 percent=True, digits=2),
    ),
    finding=finding, verdicts=verdicts))
