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

   * (a) ``floor^2``                                   a constant floor only;
   * (b) ``floor^2 + c_side^2 W(dt)^2``, c+ for LTP, c- for LTD: what per-pairing noise
     (c = sigma_p / sqrt(60)) and a per-synapse gain (c = sigma_s) both predict after a fixed 60
     pairings, so these data cannot tell those two apart;
   * (c) ``floor^2 + c+^2 W(dt)^2`` for LTP, ``floor^2`` for LTD (``ltp_side_proportional``):
     proportional noise on the LTP side only. Comparing (b) with (c) tests only whether c- > 0. It
     is not a test of weight dependence (Bi & Poo 1998: LTP depends on the initial synaptic strength,
     LTD does not), which needs each cell pair's initial EPSC amplitude beside its change; these
     points do not carry it.

   The floor is the part of the scatter that does not scale with the window: measurement noise is
   one reading of it, timing-independent change another (these points have no unpaired control).
   Maximum-likelihood fits (Fisher scoring), log-likelihoods and ``AIC = 2k - 2 ln L`` (the 4 window
   parameters are common to all three and not counted). The nested models are also compared by the
   likelihood ratio, whose null has parameters on the boundary c = 0 (Self & Liang 1987, J. Am.
   Stat. Assoc. 82:605): one boundary parameter, ``p = sf_chi2_1(LR) / 2``; two (c+ and c-, (a)
   against (b)), the chi-bar-square ``p = sf_chi2_1(LR) / 2 + w2 sf_chi2_2(LR)`` with
   ``w2 = 1/4 + asin(rho) / (2 pi)``, rho the correlation of the two estimates under the null
   (:func:`boundary_correlation`; w2 = 1/4 only when they are uncorrelated).

4. Noise recalibrated to the fitted window, each side on its own
   (:func:`hebblab.plasticity.scatter.calibrate_side` with the data's bin statistics, the fitted
   amplitudes and taus, with and without the ML floor of model (b); a side that fails is named in the
   finding); the 60-pairing protocol simulated in the engine on ``replicates`` independent groups of
   synapses (one network per noise model), the floor added to the simulated changes where it is
   modelled; simulated bin SDs are estimates over the groups, the data's SD a bootstrap. The
   calibration assumes non-interacting pairings: the config refuses a pairing rate at which the next
   pairing's spikes, ``1/rate - max_lag`` away, would add more than 0.1 % of the window's peak
   (``1/rate - max_lag >= ln(1000) max(tau+, tau-)`` for the fitted taus).

5. The article's claim that weights change only by near-concurrent firing: beyond a cut-off
   ``|dt| > far_lag`` a window confined to near-concurrent firing predicts no change. On each side
   the far points' mean change is compared with that zero, as a fraction of the same side's bin
   mean (``far_over_near``), beside what the fitted exponential's own tail predicts there. Sides are
   kept apart: a mean over both would mix the LTP tail (+) with the LTD tail (-).

Every bootstrap interval reports as ``n`` the number of data points its statistic uses (a bin's 14,
the far points' 11, ...), not the 45 points resampled.
"""

from __future__ import annotations

import csv
import io
import math
import os
import stat as stat_module
from importlib import resources
from pathlib import Path
from typing import Optional

import numpy as np
from pydantic import Field, field_validator, model_validator

from .. import checkpoint, stats
from ..network import Network
from ..neurons import SpikeSource
from ..plasticity import PairSTDP, Scatter
from ..plasticity.scatter import BI_POO_LTD_BIN, BI_POO_LTP_BIN, TAU_MINUS, TAU_PLUS, _exp_moments, calibrate_side
from ..si import ms
from .base import Experiment, ExperimentConfig, Headline, Result, progress_bar, register_experiment

DT = 0.1 * ms
W0, W_MAX = 1.0, 8.0  # percent change is relative to w0; the bound is far away
TAU_RANGE_MS = (0.5, 1000.0)  # the fitted time constants are searched in this range
#: The bins of the digitization's summary (shared/data/README.md): LTP 0 < dt <= 10 ms, LTD -25 <= dt < -3 ms.
LTP_BIN_MS = (BI_POO_LTP_BIN[0][0] / ms, BI_POO_LTP_BIN[0][1] / ms)
LTD_BIN_MS = (BI_POO_LTD_BIN[0][0] / ms, BI_POO_LTD_BIN[0][1] / ms)
PACKAGED = "bi_poo_1998_fig7.csv"
MAX_CSV_BYTES = 10 * 2**20  #: a data_csv larger than this is refused unread
NOISE_MODELS = ("floor_only", "proportional", "ltp_side_proportional")
SIMULATED = ("window_only", "pairing", "synapse", "pairing_floor", "synapse_floor")
WINDOW_KEYS = ("a_plus_pct", "tau_plus_ms", "a_minus_pct", "tau_minus_ms")
SIDES = ("ltp", "ltd")
#: The next pairing may add at most this fraction of the window's peak (the pairings do not interact).
INTERACTION_LIMIT = 1e-3


class Config(ExperimentConfig):
    data_csv: Optional[str] = Field(None, description="CSV with delta_t_ms, percent_change; default: the packaged "
                                    "Bi & Poo 1998 Fig. 7 points")
    replicates: int = Field(5, ge=2, le=200, description="independent groups of simulated synapses (one network)")
    n_synapses: int = Field(3000, ge=100, le=1_000_000, description="simulated synapses in all (split into the groups)")
    n_pairings: int = Field(60, ge=1, le=10_000, description="pairings of the simulated protocol (Bi & Poo: 60)")
    pairing_rate_hz: float = Field(1.0, gt=0, le=10, description="pairing rate of the simulated protocol (Bi & Poo: "
                                   "1 Hz); the calibration assumes pairings that do not interact, so a rate is refused "
                                   "unless 1/rate - max_lag_ms >= ln(1000) x the longer fitted tau (the next pairing "
                                   "adds at most 0.1 % of the window's peak; about 2.6 Hz for Bi & Poo's points)")
    max_lag_ms: float = Field(100.0, gt=1, le=500, description="simulated lags outside the bins span +- this")
    ltd_min_lag_ms: float = Field(3.0, ge=0, le=3, description="LTD fit uses dt < -ltd_min_lag_ms; at most 3 ms, the "
                                  "inner edge of the LTD bin (-25 <= dt < -3 ms), so that the bin the LTD noise is "
                                  "calibrated on lies where the window is fitted")
    far_lag_ms: float = Field(40.0, gt=10, le=500, description="|dt| beyond which a pairing counts as far from "
                              "coincidence (floor, stdp-only criterion); above the LTP bin's 10 ms")
    bootstrap_resamples: int = Field(2000, ge=200, le=100_000, description="bootstrap resamples of the data points")
    ml_resamples: int = Field(400, ge=100, le=100_000, description="bootstrap resamples for the noise-model ML fit "
                              "(the first of the same resamples; at most bootstrap_resamples)")
    far_near_limit: float = Field(0.25, gt=0, lt=1, description="stdp-only: on each side, far changes count as "
                                  "absent when |far mean / same side's bin mean| stays below this")

    @field_validator("data_csv")
    @classmethod
    def _exists(cls, v):
        """A regular file of at most MAX_CSV_BYTES (a FIFO would hang the read, /dev/zero never end)."""
        if v is None:
            return v
        try:
            st = os.stat(v)
        except (OSError, ValueError):
            raise ValueError(f"no such file: {v}") from None
        if not stat_module.S_ISREG(st.st_mode):
            raise ValueError(f"not a regular file: {v}")
        if st.st_size > MAX_CSV_BYTES:
            raise ValueError(f"too large: {st.st_size:,} bytes (at most {MAX_CSV_BYTES:,})")
        return v

    @model_validator(mode="after")
    def _sizes(self):
        if self.n_synapses // self.replicates < 30:
            raise ValueError("n_synapses / replicates must be at least 30 (synapses per group)")
        if self.max_lag_ms <= self.far_lag_ms:
            raise ValueError("max_lag_ms must exceed far_lag_ms (the simulated far lags)")
        if not self.data_csv:
            dt_ms, pc = packaged_points()
            check_points(dt_ms, self)
            check_rate(dt_ms, pc, self)
            return self
        try:  # a user's points: every refusal names data_csv
            dt_ms, pc = load_points(self.data_csv)
            check_points(dt_ms, self)
            pos, neg = _sides(dt_ms, self.ltd_min_lag_ms)
            for side, where in ((pos, "dt > 0"), (neg, f"dt < -{self.ltd_min_lag_ms:g} ms")):
                if not np.any(pc[side] != 0):
                    raise ValueError(f"percent_change is 0 at every point with {where}: no window to fit")
            check_rate(dt_ms, pc, self)
        except (ValueError, OSError, ArithmeticError) as e:
            from .base import refuse
            msg = str(e) if not isinstance(e, UnicodeDecodeError) else "not UTF-8 text"
            refuse("data_csv", self.data_csv, msg.removeprefix(f"data_csv {self.data_csv}: "))
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
    """The literature window: tau+- from Bi & Poo 2001 (Annu. Rev. Neurosci. 24:139); amplitudes that
    put the window's mean over each bin at the bin's mean computed from the digitized points."""
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
    """Membership of the bins: (0, 10] for LTP, [-25, -3) for LTD (edges from ``bin_ms``)."""
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


def _far_sides(dt_ms, far_lag_ms: float) -> dict:
    dt_ms = np.asarray(dt_ms, float)
    return {"ltp": dt_ms > far_lag_ms, "ltd": dt_ms < -far_lag_ms}


def point_statistics(dt_ms, pc, ltd_min_lag_ms: float = 3.0, far_lag_ms: float = 40.0, counts=None) -> dict:
    """Every statistic of a set of points: the fitted window (:func:`fit_window`), the window's
    share of each bin's variance, R^2 over the fitted points, the bins' mean and SD, the RMS and RMS
    residual of the points at |dt| > far_lag, and on each side the far points' mean change, the
    window's mean over them, and both as fractions of the side's bin mean. Floats, or with
    ``counts`` (b, n) one value per row (a bootstrap resample), NaN where a statistic is undefined."""
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
        n_far = cfar.sum(1)
        ok = n_far >= 2
        nf = np.where(ok, n_far, 1)
        out["far_rms"] = np.where(ok, np.sqrt((cfar * y * y).sum(1) / nf), np.nan)
        out["far_rms_residual"] = np.where(ok, np.sqrt((cfar * (y - w) ** 2).sum(1) / nf), np.nan)
        for side, sel in _far_sides(dt, far_lag_ms).items():
            cs = c * sel
            _, far_mean, _ = _weighted(cs, y[None, :], 1)
            _, far_window, _ = _weighted(cs, w, 1)
            out[f"far_mean_{side}"] = far_mean
            out[f"far_window_{side}"] = far_window
            out[f"far_over_near_{side}"] = far_mean / out[f"mean_{side}"]
            out[f"far_window_over_near_{side}"] = far_window / out[f"mean_{side}"]
    return {k: float(v[0]) for k, v in out.items()} if counts is None else out


def statistic_points(dt_ms, ltd_min_lag_ms: float = 3.0, far_lag_ms: float = 40.0) -> dict:
    """How many data points each :func:`point_statistics` value uses (the ``n`` its interval reports)."""
    dt = np.asarray(dt_ms, float)
    pos, neg = _sides(dt, ltd_min_lag_ms)
    bins = {"ltp": in_bin(dt, LTP_BIN_MS), "ltd": in_bin(dt, LTD_BIN_MS)}
    far = _far_sides(dt, far_lag_ms)
    n = dict(a_plus_pct=pos.sum(), tau_plus_ms=pos.sum(), a_minus_pct=neg.sum(), tau_minus_ms=neg.sum(),
             r2=(pos | neg).sum(), far_rms=(np.abs(dt) > far_lag_ms).sum(),
             far_rms_residual=(np.abs(dt) > far_lag_ms).sum())
    for side in SIDES:
        for key in ("share", "sd", "mean", "share_uniform"):
            n[f"{key}_{side}"] = bins[side].sum()
        n[f"far_mean_{side}"] = n[f"far_window_{side}"] = far[side].sum()
        n[f"far_over_near_{side}"] = n[f"far_window_over_near_{side}"] = (far[side] | bins[side]).sum()
    return {k: int(v) for k, v in n.items()}


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
        self.n_points = statistic_points(self.rows[:, 0], *self.args)

    def interval(self, name: str) -> dict:
        """The percentile bootstrap interval of one statistic; ``n``: the data points it uses."""
        return stats.bootstrap_interval(self.point[name], self.batch[name], self.n_points[name])

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


def boundary_correlation(window) -> float:
    """Correlation of the ML estimates of c+^2 and c-^2 under the null c+ = c- = 0, the floor profiled
    out. There v = floor^2 for every point, the information about (floor^2, c+^2, c-^2) is
    ``X^T X / (2 floor^4)`` (columns 1, a = W^2 on the LTP side, b = W^2 on the LTD side; a b = 0), so
    the information about (c+^2, c-^2) is ``M = [[S_aa - S_a^2/N, -S_a S_b/N], [-S_a S_b/N, S_bb -
    S_b^2/N]]`` (times the same factor) and the estimates' correlation, from ``M^-1``, is
    ``rho = (S_a S_b / N) / sqrt((S_aa - S_a^2/N) (S_bb - S_b^2/N))``."""
    w = np.asarray(window, float)
    a, b = np.where(w > 0, w * w, 0.0), np.where(w < 0, w * w, 0.0)
    n = w.size
    maa, mbb = np.sum(a * a) - a.sum() ** 2 / n, np.sum(b * b) - b.sum() ** 2 / n
    if maa <= 0 or mbb <= 0:
        return 0.0
    return float(a.sum() * b.sum() / n / math.sqrt(maa * mbb))


def lr_p_values(lr: dict, rho: float) -> dict:
    """p-values of the likelihood-ratio statistics (module docstring): chi-bar-square with weights
    (1/4 - asin(rho)/2pi, 1/2, 1/4 + asin(rho)/2pi) for the two boundary parameters of (a) against
    (b), 50:50 chi2_0 : chi2_1 for one."""
    from scipy.stats import chi2

    w2 = 0.25 + math.asin(max(-1.0, min(1.0, rho))) / (2 * math.pi)
    two = lr["floor_only_vs_proportional"]
    return {"floor_only_vs_proportional": float(0.5 * chi2.sf(two, 1) + w2 * chi2.sf(two, 2)),
            "floor_only_vs_ltp_side_proportional": float(0.5 * chi2.sf(lr["floor_only_vs_ltp_side_proportional"], 1)),
            "ltp_side_proportional_vs_proportional":
                float(0.5 * chi2.sf(lr["ltp_side_proportional_vs_proportional"], 1))}


def compare_noise_models(resid, window) -> dict:
    """ML fits of the three models, AIC differences from the best, likelihood-ratio statistics and
    their p-values (:func:`lr_p_values`, with :func:`boundary_correlation`)."""
    fits = {m: fit_noise_model(resid, window, m) for m in NOISE_MODELS}
    best = min(NOISE_MODELS, key=lambda m: fits[m]["aic"])
    lr = {f"{a}_vs_{b}": max(0.0, 2 * (fits[b]["loglik"] - fits[a]["loglik"]))
          for a, b in (("floor_only", "proportional"), ("floor_only", "ltp_side_proportional"),
                       ("ltp_side_proportional", "proportional"))}
    rho = boundary_correlation(window)
    return dict(fits=fits, best=best, delta_aic={m: fits[m]["aic"] - fits[best]["aic"] for m in NOISE_MODELS},
                lr=lr, rho=rho, lr_p=lr_p_values(lr, rho))


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
    n_fit = int(np.sum(np.logical_or(*_sides(boot.rows[:, 0], ltd_min))))
    return {k: stats.bootstrap_interval(point[k], vals[k], n_fit) for k in keys}


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
    """Noise SDs for each simulated model, calibrated to the data's bins and the fitted window, each
    side on its own (:func:`hebblab.plasticity.scatter.calibrate_side`). A side whose bin the window
    and floor already spread more than the data gets SD 0 there, the other side keeps its
    calibration; the failures are returned, one line each, for the notes and the finding."""
    out, failed = {}, []
    for kind in ("pairing", "synapse"):
        for suffix, f in (("", 0.0), ("_floor", floor)):
            sig = {}
            for side, name, sign in (("ltp", "plus", "+"), ("ltd", "minus", "-")):
                try:
                    sig[f"sigma_{name}"] = calibrate_side(kind, n_pairings, win[f"tau_{name}_ms"] * ms, bins[side],
                                                          win[f"a_{name}_pct"], f)
                except ValueError as err:
                    sig[f"sigma_{name}"] = 0.0
                    failed.append(f"{kind}{suffix} noise, {side.upper()} side not calibrated ({err}): its sigma{sign} "
                                  "is set to 0")
            out[f"{kind}{suffix}"] = sig
    return out, failed


def _group_spread(lags_ms, group, change, groups, far_lag_ms, win) -> dict:
    """Per group: SD in each bin, RMS of the change around the window at |dt| > far;
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

def check_points(dt_ms, config) -> None:
    """ValueError naming what the points lack: 3 a side for the fit, 3 in each bin (the calibration
    targets), 2 beyond the far lag on each side (floor and stdp-only criterion)."""
    dt_ms = np.asarray(dt_ms, float)
    pos, neg = _sides(dt_ms, config.ltd_min_lag_ms)
    far = config.far_lag_ms
    need = [(pos.sum(), 3, "points with dt > 0"), (neg.sum(), 3, f"points with dt < -{config.ltd_min_lag_ms:g} ms"),
            (in_bin(dt_ms, LTP_BIN_MS).sum(), 3, "points in the LTP bin 0 < dt <= 10 ms"),
            (in_bin(dt_ms, LTD_BIN_MS).sum(), 3, "points in the LTD bin -25 <= dt < -3 ms"),
            ((dt_ms > far).sum(), 2, f"points with dt > far_lag_ms = {far:g} ms"),
            ((dt_ms < -far).sum(), 2, f"points with dt < -far_lag_ms = -{far:g} ms")]
    for have, n, what in need:
        if have < n:
            raise ValueError(f"data: need at least {n} {what} (got {int(have)})")


def check_rate(dt_ms, pc, config) -> None:
    """ValueError unless the simulated pairings do not interact: the next pairing's spikes come
    ``gap = 1/rate - max_lag`` after a pairing's last spike, and the window there is at most
    ``e^{-gap/tau}`` of its peak; refused when that exceeds :data:`INTERACTION_LIMIT` for the longer
    fitted tau (the calibration's assumption of independent pairings would not hold)."""
    win = fit_window(dt_ms, pc, config.ltd_min_lag_ms)
    tau = max(win["tau_plus_ms"], win["tau_minus_ms"])
    gap = 1000.0 / config.pairing_rate_hz - config.max_lag_ms
    need = math.log(1 / INTERACTION_LIMIT) * tau
    if gap < need:
        top = 1000.0 / (need + config.max_lag_ms)
        raise ValueError(f"pairing_rate_hz={config.pairing_rate_hz:g}: pairings would interact (1/rate - max_lag_ms = "
                         f"{gap:.0f} ms, need >= {need:.0f} ms = ln(1000) x tau {tau:.1f} ms); the noise calibration "
                         f"assumes independent pairings: use at most {top:.2f} Hz")


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
        sigmas, cal_failed = calibrations(bins, win, config.n_pairings, floor)
        rng = np.random.default_rng(seed)
        per_group = config.n_synapses // config.replicates
        lags, group = draw_lags(rng, config.replicates, per_group, config.max_lag_ms)
        lags_ms = lags / ms
        sims = {}
        for label in SIMULATED:
            kind = label.split("_")[0]
            noise = None if label == "window_only" else Scatter(kind, **sigmas[label])
            change = checkpoint.unit(f"simulate/{label}", lambda: simulate_protocol(  # noqa: B023 (called at once)
                win, lags, noise, config.n_pairings, config.pairing_rate_hz, seed))
            if label.endswith("_floor"):  # measurement noise of each simulated recording
                change = change + floor * rng.standard_normal(change.size)
            sims[label] = change
            bar.advance()
        spread = {label: _group_spread(lags_ms, group, sims[label], config.replicates, config.far_lag_ms, win)
                  for label in SIMULATED}
        bar.advance()
    headline, kinds = _headline(config, source, dt_ms, boot, comparison, noise_boot, sigmas, spread, floor,
                                cal_failed)
    tables = _tables(dt_ms, pc, win, resampled.windows(), lags_ms, group, sims, config)
    notes = [f"Window fitted on {int((dt_ms > 0).sum())} LTP points (dt > 0) and "
             f"{int((dt_ms < -config.ltd_min_lag_ms).sum())} LTD points (dt < -{config.ltd_min_lag_ms:g} ms); "
             f"{int(((dt_ms <= 0) & (dt_ms >= -config.ltd_min_lag_ms)).sum())} points in between are left out of "
             "the fit, the residuals and R^2 (Bi & Poo's points there potentiate).",
             "Bins: LTP 0 < dt <= 10 ms, LTD -25 <= dt < -3 ms (those of the digitization's summary, "
             "shared/data/README.md); the data's own mean and SD in each bin are the calibration targets.",
             "Noise models (b) per-pairing and per-synapse noise give the same spread after a fixed number of "
             "pairings; they differ in what more pairings do (write-cost): pairing noise averages out, synapse "
             "noise never does. The floor (read as measurement noise) is added to the simulated changes of the "
             "*_floor models, after the engine run.",
             "variance_explained.*_bin: Var W(dt_i) / Var y_i over the bin's points; *_uniform_lags: the closed-form "
             "variance of W over lags uniform in the bin (what the simulation samples) over the data's variance, "
             "which can exceed 1 on a resample.",
             f"Bootstrap: {config.bootstrap_resamples} resamples of the points (window refitted each time), "
             f"{config.ml_resamples} for the noise-model ML fit; each interval's n is the number of points its "
             "statistic uses.",
             f"Likelihood-ratio p of (a) against (b): chi-bar-square with w2 = 1/4 + asin(rho)/2pi, rho = "
             f"{comparison['rho']:.3f} (the correlation of the c+^2 and c-^2 estimates under the null)."] + cal_failed
    return Result(headline, tables, notes, kinds)


def _stdp_only(config, boot, dt_ms) -> dict:
    far = _far_sides(dt_ms, config.far_lag_ms)
    out = {side: dict(far_mean_change=boot[f"far_mean_{side}"], window_prediction=boot[f"far_window_{side}"],
                      near_mean_change=boot[f"mean_{side}"], far_over_near=boot[f"far_over_near_{side}"],
                      window_far_over_near=boot[f"far_window_over_near_{side}"], n_far=int(far[side].sum()))
           for side in SIDES}
    out.update(limit=config.far_near_limit, far_lag_ms=config.far_lag_ms)
    return out


def _headline(config, source, dt_ms, boot, comparison, noise_boot, sigmas, spread, floor, cal_failed):
    fits = comparison["fits"]
    headline = dict(
        data=dict(source=source, packaged=not config.data_csv, n_points=int(dt_ms.size), n_ltp_bin=int(in_bin(dt_ms, LTP_BIN_MS).sum()),
                  n_ltd_bin=int(in_bin(dt_ms, LTD_BIN_MS).sum()), n_far=int((np.abs(dt_ms) > config.far_lag_ms).sum()),
                  n_fitted=int(np.sum(np.logical_or(*_sides(dt_ms, config.ltd_min_lag_ms))))),
        protocol=dict(n_pairings=config.n_pairings, rate_hz=config.pairing_rate_hz),
        window={k: boot[k] for k in WINDOW_KEYS},
        variance_explained=dict(ltp_bin=boot["share_ltp"], ltd_bin=boot["share_ltd"], all_points_r2=boot["r2"],
                                ltp_bin_uniform_lags=boot["share_uniform_ltp"],
                                ltd_bin_uniform_lags=boot["share_uniform_ltd"]),
        floor=dict(ml=noise_boot["floor"], rms_far=boot["far_rms"], rms_far_residual=boot["far_rms_residual"]),
        noise_models={m: dict(loglik=fits[m]["loglik"], aic=fits[m]["aic"], k=fits[m]["k"],
                              delta_aic=comparison["delta_aic"][m], floor=fits[m]["floor"],
                              c_plus=fits[m]["c_plus"], c_minus=fits[m]["c_minus"]) for m in NOISE_MODELS},
        noise_lr=dict(comparison["lr"], rho=comparison["rho"]),
        noise_lr_p=comparison["lr_p"],
        noise_sd_floor_removed=dict(c_plus=noise_boot["c_plus"], c_minus=noise_boot["c_minus"]),
        calibration=dict({label: sigmas[label] for label in sigmas}, failures="; ".join(cal_failed) or "none"),
        spread={side: dict(data=boot[f"sd_{side}"] if side != "far" else boot["far_rms_residual"],
                           **{label: spread[label][side] for label in SIMULATED}) for side in ("ltp", "ltd", "far")},
        bin_mean=dict(ltp=boot["mean_ltp"], ltd=boot["mean_ltd"]),
        stdp_only=_stdp_only(config, boot, dt_ms),
    )
    headline["noise_models"]["best"] = comparison["best"]
    kinds = {"stdp_only.limit": "setting", "stdp_only.far_lag_ms": "setting", "protocol.n_pairings": "setting",
             "protocol.rate_hz": "setting",
             "floor.used_for_calibration": "deterministic"}
    headline["floor"]["used_for_calibration"] = floor
    return headline, kinds


def _tables(dt_ms, pc, win, fits, lags_ms, group, sims, config):
    x = np.union1d(np.linspace(-config.max_lag_ms, config.max_lag_ms, 401), [-config.ltd_min_lag_ms])
    x = x[x != 0]
    curves = np.array([window_values(x, f) for f in fits])
    lo, hi = np.quantile(curves, [0.025, 0.975], axis=0)
    w = window_values(dt_ms, win)
    fitted = (dt_ms > 0) | (dt_ms < -config.ltd_min_lag_ms)
    return {"data": {"delta_t_ms": dt_ms.tolist(), "percent_change": pc.tolist(),
                     "window_percent": np.where(fitted, w, np.nan).tolist(), "in_fit": fitted.tolist()},
            "window_curve": {"delta_t_ms": x.tolist(), "window_percent": window_values(x, win).tolist(),
                             "band_low": lo.tolist(), "band_high": hi.tolist(),
                             "fitted": ((x > 0) | (x <= -config.ltd_min_lag_ms)).tolist(),
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
    fitted = np.asarray(curve["fitted"], bool)
    ltp, ltd, gap = x > 0, (x < 0) & fitted, (x < 0) & ~fitted
    if gap.any():  # the LTD branch where it was not fitted (between its last fitted lag and dt = 0)
        edge = gap | (x == x[ltd].max())
        ax.plot(x[edge], np.asarray(curve["window_percent"])[edge], ":", color="#c33", lw=1,
                label=f"LTD branch extrapolated ({x[ltd].max():g} < dt < 0 ms: not fitted)")
    for side, lit in ((ltp, ltp), (ltd, x < 0)):
        first = side is ltp
        ax.fill_between(x[side], np.asarray(curve["band_low"])[side], np.asarray(curve["band_high"])[side],
                        color="#c33", alpha=0.2, lw=0, label="95 % bootstrap band" if first else None)
        ax.plot(x[side], np.asarray(curve["window_percent"])[side], "-", color="#c33",
                label="fitted window (where fitted)" if first else None)
        ax.plot(x[lit], np.asarray(curve["literature_percent"])[lit], "--", color="#555", lw=1,
                label="literature tau+- (16.8, 33.7 ms), bin means" if first else None)
    win = h["window"]
    ax.axhline(0, color="#999", lw=0.5)
    ax.set(xlabel="spike timing dt = t_post - t_pre (ms)",
           ylabel=f"mean change after {h['protocol']['n_pairings']} pairings (%)",
           title="Figure B: the idealized STDP window",
           xlim=(x.min(), x.max()))
    ax.text(0.98, 0.96, f"A+ = {stats.fmt(win['a_plus_pct'], 2)} %\ntau+ = {stats.fmt(win['tau_plus_ms'], 2)} ms\n"
            f"A- = {stats.fmt(win['a_minus_pct'], 2)} %\ntau- = {stats.fmt(win['tau_minus_ms'], 2)} ms\n"
            "[95 % bootstrap intervals]", transform=ax.transAxes, ha="right", va="top", fontsize=8)
    # below the axes: inside, the legend would cover the LTP peak near dt = 0
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=2, fontsize=8, frameon=False)
    fig_b.tight_layout()

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
    styles = {"floor_only": ("-", "#777"), "proportional": ("-", "k"), "ltp_side_proportional": (":", "k")}
    names = {"floor_only": "(a) floor only", "proportional": "(b) floor + proportional",
             "ltp_side_proportional": "(c) floor + proportional on the LTP side only"}
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


def _calibration_words(h) -> str:
    sp = h["spread"]["ltp"]
    failures = h["calibration"]["failures"]
    ok = ("Recalibrated to this window (each side on its own), the simulated LTP-bin SD is "
          if failures == "none" else
          f"Recalibration to this window did not succeed everywhere ({failures}); where it did, the simulated LTP-bin "
          "SD is ")
    return (ok + f"{stats.fmt(sp['pairing_floor'], 2, unit='%')} (per-pairing noise + floor) and "
            f"{stats.fmt(sp['synapse_floor'], 2, unit='%')} (per-synapse gain + floor) against the data's "
            f"{stats.fmt(sp['data'], 2, unit='%')}")


def _far_words(so) -> str:
    f = stats.fmt
    parts = []
    for side, name, sign in (("ltp", "LTP", "dt > +"), ("ltd", "LTD", "dt < -")):
        d = so[side]
        parts.append(f"on the {name} side ({sign}{so['far_lag_ms']:g} ms, {d['n_far']} points) the mean change is "
                     f"{f(d['far_mean_change'], 2, unit='%')}, {f(d['far_over_near'], 2, percent=True)} of that side's "
                     f"bin mean (the fitted exponential's own tail predicts "
                     f"{f(d['window_far_over_near'], 2, percent=True)})")
    undecided = [s.upper() for s in SIDES if so[s]["far_over_near"]["ci95"][0] <= 0 <= so[s]["far_over_near"]["ci95"][1]
                 and so[s]["far_over_near"]["ci95"][0] <= so[s]["window_far_over_near"]["mean"]
                 <= so[s]["far_over_near"]["ci95"][1]]
    tail = (f"; on the {' and '.join(undecided)} side{'s' if len(undecided) > 1 else ''} the interval holds both 0 and "
            "the tail's prediction, so these points cannot tell a window cut off there from the exponential's tail"
            if undecided else "")
    return "; ".join(parts) + tail


def finding(result: Result) -> str:
    h = result.headline
    f = stats.fmt
    win, ve, nm, lr = h["window"], h["variance_explained"], h["noise_models"], h["noise_lr_p"]
    sp, so, far = h["spread"], h["stdp_only"], h["stdp_only"]["far_lag_ms"]
    best = nm["best"]
    names = {"floor_only": "a constant floor", "proportional": "a floor plus noise proportional to the window",
             "ltp_side_proportional": "a floor plus noise proportional to the window on the LTP side only"}
    others = " and ".join(f"by {nm[m]['delta_aic']:.1f} than {names[m]}" for m in NOISE_MODELS if m != best)
    p_floor = lr["floor_only_vs_proportional"]
    floor_words = ("a floor alone is rejected" if p_floor < 0.05 else "a floor alone is not rejected")
    c_minus = h["noise_sd_floor_removed"]["c_minus"]
    p_ltd = lr["ltp_side_proportional_vs_proportional"]
    ltd_words = (f"proportional noise on the LTD side too (c- > 0) against the LTP side only has likelihood-ratio "
                 f"p = {p_ltd:.2g}" + (", but its bootstrap interval reaches 0" if c_minus["ci95"][0] <= 1e-9 else ""))
    n = h["data"]
    return (
        f"Fitted to {n['source']}, the window has A+ = {f(win['a_plus_pct'], 2, unit='%')}, "
        f"tau+ = {f(win['tau_plus_ms'], 2, unit='ms')} ({win['tau_plus_ms']['n']} points with dt > 0), "
        f"A- = {f(win['a_minus_pct'], 2, unit='%')} and tau- = {f(win['tau_minus_ms'], 2, unit='ms')} "
        f"({win['tau_minus_ms']['n']} points; 95 % bootstrap intervals over points): "
        f"{_tau_minus_words(win['tau_minus_ms'])}. Timing decides the sign and the mean of the change (R^2 of the "
        f"window over the {n['n_fitted']} fitted points {f(ve['all_points_r2'], 2, percent=True)}), but within the "
        f"bins it explains only {f(ve['ltp_bin'], 2, percent=True)} of the variance of the LTP bin "
        f"(0 < dt <= 10 ms, {n['n_ltp_bin']} points) and {f(ve['ltd_bin'], 2, percent=True)} of the LTD bin "
        f"(-25 <= dt < -3 ms, {n['n_ltd_bin']} points) at the points' own timings. "
        f"Compared by likelihood, the residuals are best described by {names[best]} (AIC lower {others}); "
        f"{floor_words} (likelihood-ratio p = {p_floor:.2g}) and {ltd_words}. That last comparison tests only "
        f"whether c- > 0, not whether the change depends on the synapse's strength: Bi & Poo report that LTP "
        f"depends on the initial synaptic strength and LTD does not, and testing that needs each cell pair's initial "
        f"EPSC amplitude beside its change (their percent change against initial EPSC amplitude), which these points "
        f"do not carry. The noise floor, the SD of the scatter that does not scale with the window (ML, floor plus "
        f"proportional noise), is {f(h['floor']['ml'], 2, unit='%')} ({n['n_fitted']} points); the RMS around the "
        f"window at |dt| > {far:g} ms is {f(sp['far']['data'], 2, unit='%')} ({n['n_far']} points; the RMS change "
        f"there, {f(h['floor']['rms_far'], 2, unit='%')}, also holds the window's own tail). Measurement noise is one "
        f"reading of the floor; timing-independent change is another, and these points have no unpaired control to "
        f"tell them apart. Far from coincidence the calibrated noise models without a floor give an RMS around the "
        f"window of {f(sp['far']['pairing'], 2, unit='%')} (per-pairing) and {f(sp['far']['synapse'], 2, unit='%')} "
        f"(per-synapse), with it {f(sp['far']['pairing_floor'], 2, unit='%')} and "
        f"{f(sp['far']['synapse_floor'], 2, unit='%')}. With the floor removed the noise proportional to the window "
        f"is c+ = {f(h['noise_sd_floor_removed']['c_plus'], 2)} and c- = {f(c_minus, 2)} (relative SD of the change "
        f"after the protocol). {_calibration_words(h)}. Per-pairing noise and a per-synapse gain predict the same "
        f"spread after a fixed number of pairings: telling them apart needs protocols with other numbers of pairings "
        f"(per-pairing noise shrinks as 1/sqrt(n)). Beyond the cut-off |dt| > {far:g} ms, where a window confined to "
        f"near-concurrent firing predicts no change: {_far_words(so)}. Conditions: "
        + ("Bi & Poo's cultured hippocampal neurons" if n["packaged"] else "the CSV's points (one cell pair each)")
        + f", {h['protocol']['n_pairings']} pairings at {h['protocol']['rate_hz']:g} Hz (simulated; pairings far "
        "enough apart not to interact), one timing per cell pair, each change measured once."
    )


def stdp_only_decision(so: dict) -> tuple[str, str, str]:
    """``(verdict, deciding side, how)`` for the stdp-only claim from each side's far/near interval
    (criterion in :func:`verdicts`)."""
    lim = so["limit"]
    iv = {side: so[side]["far_over_near"]["ci95"] for side in SIDES}
    reach = {side: max(abs(iv[side][0]), abs(iv[side][1])) for side in SIDES}
    beyond = [side for side in SIDES if iv[side][0] > lim or iv[side][1] < -lim]
    if beyond:
        side = max(beyond, key=lambda sd: abs(so[sd]["far_over_near"]["mean"]))
        return "refuted", side, f"on the {side.upper()} side far pairings change weights by more than the limit"
    straddle = [side for side in SIDES if not (-lim < iv[side][0] and iv[side][1] < lim)]
    if straddle:
        side = max(straddle, key=reach.get)
        return "qualified", side, f"the {side.upper()} side's interval straddles the limit: these data do not decide"
    return "supported", max(SIDES, key=reach.get), "on both sides far pairings change weights by less than the limit"


def verdicts(result: Result) -> list:
    from .base import Verdict
    h = result.headline
    so, ve = h["stdp_only"], h["variance_explained"]
    lim, far = so["limit"], so["far_lag_ms"]
    verdict, side, how = stdp_only_decision(so)
    source = (f"{h['data']['source']}, {h['protocol']['n_pairings']} pairings at {h['protocol']['rate_hz']:g} Hz"
              + (" (cultured hippocampal neurons)" if h["data"]["packaged"] else ""))
    tails = " and ".join(f"{stats.fmt(so[sd]['window_far_over_near'], 2, percent=True)} ({sd.upper()})" for sd in SIDES)
    return [Verdict(
        claim="stdp-only", verdict=verdict, headline=f"stdp_only.{side}.far_over_near",
        label=f"far change (|dt| > {far:g} ms) / bin mean, {side.upper()} side", percent=True, digits=2,
        criterion=(f"Beyond a cut-off |dt| > {far:g} ms a window confined to near-concurrent firing predicts no change. "
                   f"On each side separately, the mean change of the pairings beyond the cut-off divided by the same "
                   f"side's bin mean (LTP 0 < dt <= 10 ms, LTD -25 <= dt < -3 ms; positive = the bin's direction), bootstrap "
                   f"95 % interval: supported "
                   f"if both intervals lie within +-{lim:g}, refuted if either lies entirely beyond +-{lim:g}, "
                   f"qualified (these data do not decide) otherwise; the deciding number is the side that decides "
                   f"(the one beyond, straddling, or nearest the limit). Here: {how}."),
        conditions=(f"{source}. Within the pairing protocol only: every point pairs the two neurons and there is no "
                    "unpaired control, so change without any pairing is not tested. The fitted exponential's own "
                    f"tail predicts {tails} of the bin mean beyond the cut-off. Timing decides the sign and mean of "
                    f"the change but explains only {stats.fmt(ve['ltp_bin'], 2, percent=True)} of the LTP-bin "
                    "variance; the rest is noise or per-cell factors (initial strength) the data cannot separate, "
                    "and the floor may be measurement noise or timing-independent change."))]


#: what each figure shows and which claim of the article it tests (the report's captions)
CAPTIONS = {
    "figA_scatter_of_connections": "Figure A: the change of every connection in Bi & Poo's (1998) Fig. 7 after 60 "
    "pre/post pairings at 1 Hz against the spike timing (left), beside the same protocol simulated on many synapses "
    "with noise calibrated to these points (right). Tests the article's reading of the scatter: how much of a "
    "synapse's change the timing decides.",
    "figB_idealized_window": "Figure B: the idealized STDP window, a least-squares exponential on each side of "
    "dt = 0 with its 95 % bootstrap band, against the literature's time constants; the dotted stretch of the LTD "
    "branch is extrapolated (not fitted). Tests the claim that only near-concurrent firing changes a synapse.",
    "figC_noise_models": "Figure C: the size of the scatter around the window against the window's size, with the "
    "maximum-likelihood fits of three noise models (floor only; floor + proportional; proportional on the LTP side "
    "only) and their AIC differences: what the scatter of Figure A is.",
    "figD_spread_data_vs_simulated": "Figure D: the spread of the change in the LTP bin, the LTD bin and far from "
    "dt = 0, data (bootstrap) against each simulated noise model (95 % intervals over groups of synapses): whether "
    "the calibrated noise reproduces the data's scatter, and whether far-from-concurrent pairs change.",
}


register_experiment(Experiment(
    name="stdp-window",
    question="How well does spike timing predict a synapse's change? Bi & Poo's points, the window fitted to them, "
             "and the noise around it.",
    about=("Figure A shows the change of every connection in Bi & Poo's (1998) Fig. 7 after 60 pre/post "
           "pairings at 1 Hz, beside the same protocol simulated on many synapses with noise calibrated to these "
           "points. Figure B is the idealized window (least-squares exponential on each side) with its bootstrap "
           "band. Figure C compares, by likelihood, what the scatter around the window is: a constant floor, noise "
           "proportional to the window (per-pairing noise or a per-synapse gain, indistinguishable after 60 pairings), "
           "or proportional noise on the LTP side only. Figure D compares the spread of the data with the "
           "simulated noise models. It decides the article's claim that synapses change only by near-concurrent "
           "firing. Pass a CSV of points with `--set data_csv=FILE` to fit your own data."),
    config=Config,
    quick=dict(replicates=5, n_synapses=3000, bootstrap_resamples=2000, ml_resamples=400),
    full=dict(replicates=20, n_synapses=60000, bootstrap_resamples=10000, ml_resamples=2000),
    run=run, figures=figures, captions=CAPTIONS,
    summary=(
        Headline("variance_explained.ltp_bin", "share of the LTP-bin variance (0 < dt <= 10 ms) the timing window "
                 "explains", percent=True, digits=2),
        Headline("window.tau_minus_ms", "LTD time constant tau- fitted to Bi & Poo's points", unit="ms", digits=2),
        Headline("floor.ml", "noise floor: SD of the scatter around the window that does not scale with it (ML; "
                 "measurement noise or timing-independent change)", unit="%", digits=2),
        Headline("stdp_only.ltd.far_over_near", "mean change beyond the cut-off (dt < -far_lag_ms, default -40 ms) / "
                 "mean change in the LTD bin", percent=True, digits=2),
    ),
    finding=finding, verdicts=verdicts))
