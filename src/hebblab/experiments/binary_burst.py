r"""binary-burst: the article's binary synapse, measured against its own four claims.

The synapse (:class:`~hebblab.plasticity.BinaryBurst`): a hidden analog ``w`` in [0, 1] learned by
nearest-spike additive STDP (a+ = 2 theta / B = 0.08, a- = a+ tau+/tau- by default); the bit is
``[w >= theta]``, theta = 1/B = 0.2. The article's synapse is the default one: it is the one whose
burst writes the bit at 2 ms lag. Every claim is decided on it; the same parts are also run with a-
balanced for nearest-spike pairing on the engine's grid at the use rate
(``BinaryBurst.balanced_at(r, dt=dt)``, zero drift under independent use), and reported beside it.
Six parts, each with replicates (independent layers or groups of synapses) and a 95 % interval:

1. Threshold (claim "threshold"). A burst of B spikes, one per cycle, through weight w into a
   Brain Simulator II IF neuron (threshold 1, leak l per cycle) peaks at charge
   ``w sum_{k=0}^{B-1} (1 - l)^k`` (IF docstring: input is seen by the next cycle's threshold
   test, the leak acts between tests), so it fires iff ``w >= 1 / sum_k (1 - l)^k``: exactly 1/B
   without leak, 0.2442 at leak 0.1 (Brain Simulator II's default ``leakRate`` of its LIF model,
   ``NeuronEngine/NeuronBase.h``). Measured by a scan of w in the engine, for each leak.
2. One-burst write (claim "one-burst"). From w = 0, one burst of B causal pairings (post ``lag``
   after each pre, ``isi`` apart) gives, without noise,
   ``w1 = B a+ e^{-lag/tau+} - (B - 1) a- e^{-(isi - lag)/tau-}`` (nearest-spike pairing; each pre
   after the first also pairs with the previous post). Measured against the lag and under the
   calibrated write noise (:class:`~hebblab.plasticity.Scatter`, ``pairing`` and ``synapse``): the
   write probability (synapses with ``w >= theta``) beside the false-write probability of a control
   burst, the same burst anti-causal (post ``lag`` before each pre), under the same noise, and the
   specificity, write minus false write, paired synapse by synapse: the control runs with the
   same seed and synapse indices, so under synapse noise each control synapse has its causal
   twin's gains, and its posts fall on the same steps as the causal posts, so under pairing noise
   its potentiations draw the same normals. The per-pairing model is calibrated on the total
   change after 60 pairings (Bi & Poo 1998); applied to single steps of 0.08 on hard bounds
   (relative SD 4.4 per pairing) it flips the sign of about 41 % of updates and the clip at 0
   biases w upward, so a burst in either order sets the bit about as often: outside its
   calibrated domain. The synapse model (one gain per synapse) applies to any number of pairings.
3. Robustness of a layer's function. A layer of IF neurons (threshold 5, leak 0.5) answers
   burst-coded patterns through binary synapses (transmitted ``[w >= theta]``) or analog ones
   (transmitted ``c w``, ``c = (number of 1s) / sum w`` per layer: both give the same mean drive),
   both reading the SAME hidden weights. Two sets of hidden weights, with the same 1s: as written
   (m = 5-14 isolated causal pairings for a 1, 0-1 for a 0: 0s sit 0.13-0.2 below theta) and far
   from theta (m = 8-14 for a 1, none for a 0). Perturbations: Gaussian, SD 0 to ``sd_max``, added
   to the hidden weights (clipped to [0, 1]) and NOT filtered by whether they cross theta (the
   fraction that does is reported); and the calibrated write noise in the writes themselves.
   Measured: the fraction of output spike counts unchanged, and the SD at which the binary layer
   stops keeping more of them than the analog one (crossover, per layer, linear interpolation on
   the SD grid).
4. Ongoing use (claim "immune"). Pre and post fire independent Poisson trains at each rate of
   ``use_rates_hz`` for ``use_s``; the amount of use is ``rate x time`` spikes per synapse. The
   nearest-spike drift (BinaryBurst docstring) is +0.0145/s at 10 Hz with the default a-. With a-
   balanced, w is a drift-free walk of variance rate ``BinaryBurst.variance_rate`` (covariances of
   successive steps included), and a diffusion reflected at 0 and 1 predicts the flips
   (:func:`reflected_below`). Bits flipped by stored 0s and 1s, against use.
5. Storage format x step size under the same use (at ``use_rate_hz``): the same error measure
   (fraction of stored bits read back wrong) for bits at 0 / ``stored_one_w`` read at theta or at
   two interior levels 0.25 / 0.75 read at 0.5 (format compared at matched step size) x the
   one-burst a+ = 0.08 or the analog ``analog_a_plus`` (step compared at matched format); also the
   correlation of stored analog values with their values after use.
6. Forgetting against importance (claim "importance"). Stored 1s at ``w = theta + x0`` receive
   interfering pairings at random slots ``slot_ms`` apart (so pairings do not interact): an
   anti-causal pairing with probability ``depress_hz * slot``, a causal one with
   ``potentiate_hz * slot``, lags uniform on 1..20 ms. Net-depressing (2 Hz against 0.5 Hz): the
   mean drift mu = r+ a+ <e^{-lag/tau+}> - r- a- <e^{-lag/tau-}> < 0 and Wald's identity gives a
   mean forget time ``(x0 + overshoot)/|mu|`` (overshoot below one depression step): linear in
   the importance. Balanced (r+ chosen so mu = 0): a drift-free walk with variance rate
   ``s2 = r+ a+^2 <e^{-2 lag/tau+}> + r- a-^2 <e^{-2 lag/tau-}> - mu^2 slot`` (slots independent);
   its diffusion limit, absorbed at theta and reflected at 1 (distance L = 1 - theta), survives
   with probability
   ``S(t) = sum_n 4/((2n+1) pi) sin((2n+1) pi x0/(2L)) exp(-(2n+1)^2 pi^2 s2 t/(8 L^2))``
   (separation of variables: sine modes vanishing at 0 with zero slope at L): median ~ x0^2/s2
   for x0 << L, heavy tailed. Measured: median forget time per level, rank correlation of forget
   time with w, and the exponent of median time against x0 (1: linear law, 2: diffusive).
7. Burst gating. The article's synapse against a burst-gated one
   (:class:`~hebblab.plasticity.BurstGatedBinary`: a burst is B spikes with ISIs <= 10 ms; a post
   burst completing within 20 ms after a pre burst writes a+ = 0.3, the reverse order erases
   a- = 0.3; single spikes do nothing), varying only the rule: (a) independent Poisson pre and post
   single-spike activity at each of ``gating_rates_hz`` for ``use_s``, ``gating_synapses`` per group
   and rule, the same spikes and stored bits (half 1s at ``stored_one_w``, half 0s at 0): bits
   flipped per synapse per minute (fraction read wrong after the period / its length in minutes;
   none flipped: the 95 % Poisson upper limit -ln 0.05 / (synapses x minutes), a bound), against
   BinaryBurst's drift-diffusion reflected at 0 and 1 (:func:`reflected_drift_below`) and the
   burst-gated closed form (chance bursts at ``rho = r (1 - q) q^{B-1}/(1 - q^B)``,
   ``q = 1 - e^{-r T}``, coincident at ``rho^2 W``; Poisson tails; BurstGatedBinary docstring);
   (b) one causal burst from 0 (``lag_ms``, ``isi_ms``) under each noise model against
   :func:`gated_write_closed_form`; (c) layers with stored bits receive ``gating_patterns``
   burst-coded patterns ``gating_slot_ms`` apart (inputs burst, then outputs ``lag_ms`` later):
   uninvolved synapses (input and output never burst in the same pattern) flipped and with w
   changed, and involved stored 0s written, for both rules on the same spikes.
"""

from __future__ import annotations

import math
from typing import Annotated

import numpy as np
from pydantic import Field, model_validator

from .. import checkpoint, stats
from ..network import Network
from ..neurons import IF, PoissonSource, SpikeSource
from ..plasticity import BinaryBurst, BurstGatedBinary, Scatter
from ..rng import part_generator
from ..si import ms
from .base import Experiment, ExperimentConfig, Headline, Result, Verdict, progress_bar, register_experiment

NOISES = ("none", "pairing", "synapse")
KINDS = ("depressing", "balanced")
SETS = ("as_written", "far")
#: Rules of the ongoing-use part: (step size, a_minus).
USE_RULES = (("one_burst", "balanced"), ("one_burst", "default"), ("analog", "balanced"), ("analog", "default"))
#: Time steps of the engine runs: writes and use on 0.1 ms, interference and layers on 1 ms.
FINE_DT = 0.1 * ms
FORGET_DT = 1e-3
#: Brain Simulator II's default leak of its LIF model (FutureAIGuru/BrainSimII,
#: NeuronEngine/NeuronBase.h: ``float leakRate = 0.1f; //used only by LIF model``).
BSII_LIF_LEAK = 0.1
#: Size caps, so a --set that would exhaust memory is refused before anything runs.
MAX_INTERFERING_PAIRINGS = 2e7
MAX_SYNAPSES = 3e6


def _refuse(field: str, value, message: str):
    """Refuse a config value with one line naming ``field`` (a pydantic error located at it)."""
    from pydantic_core import InitErrorDetails, PydanticCustomError, ValidationError
    detail = InitErrorDetails(type=PydanticCustomError("inconsistent_setting", message.replace("{", "(").replace(
        "}", ")")), loc=(field,), input=value)
    raise ValidationError.from_exception_data("Config", [detail])


def forget_lags() -> np.ndarray:
    """Lags of the interfering pairings: uniform on 1..20 ms (engine steps of 1 ms)."""
    return np.arange(1, 21) * FORGET_DT


class Config(ExperimentConfig):
    replicates: int = Field(5, ge=2, le=1000, description="independent replicates: layers (own hidden weights, "
                            "patterns, perturbations) and groups of synapses in every part")
    burst: int = Field(5, ge=2, le=50, description="spikes per burst B (theta = 1/B)")
    isi_ms: float = Field(5.0, ge=1, le=100, description="inter-spike interval of a teaching burst (ms)")
    lag_ms: float = Field(2.0, ge=0.1, le=50, description="default post-after-pre lag of a teaching pairing (ms)")
    lag_max_ms: float = Field(4.5, ge=0.5, le=50, description="largest lag of the one-burst scan (0.5 ms steps)")
    write_synapses: int = Field(200, ge=10, le=100_000, description="synapses per group and lag (one-burst scan)")
    n_in: int = Field(50, ge=2, le=10_000, description="inputs of a layer")
    n_out: int = Field(20, ge=1, le=10_000, description="outputs of a layer")
    n_patterns: int = Field(40, ge=1, le=10_000, description="burst-coded input patterns per layer")
    pattern_density: float = Field(0.2, gt=0, le=1, description="fraction of inputs active in a pattern")
    ones_fraction: float = Field(0.3, gt=0, lt=1, description="fraction of a layer's synapses storing a 1")
    layer_threshold: float = Field(5.0, gt=0, le=1000, description="threshold of the layer's IF neurons")
    layer_leak: float = Field(0.5, ge=0, le=1, description="leak per cycle of the layer's IF neurons")
    sd_max: float = Field(0.3, gt=0, le=1, description="largest perturbation SD of the robustness curve")
    n_sd: int = Field(13, ge=3, le=101, description="perturbation SDs from 0 to sd_max")
    perturbation: float = Field(0.15, ge=0, le=1, description="perturbation SD quoted in the headline")
    use_rate_hz: float = Field(10.0, gt=0, le=200, description="rate of the independent pre and post trains in use "
                               "for the format x step comparison and the diffusion check (one of use_rates_hz)")
    use_rates_hz: tuple[Annotated[float, Field(gt=0, le=200)], ...] = Field(
        (1.0, 2.0, 5.0, 10.0), min_length=1, max_length=8, description="rates of the use curve (Hz): bits flipped "
        "against the amount of use, rate x time")
    use_s: float = Field(20.0, gt=0, le=100_000, description="duration of the use period (s)")
    use_synapses: int = Field(200, ge=10, le=1_000_000, description="synapses per group, storage format and rate in use")
    stored_one_w: float = Field(0.5, gt=0, le=1, description="hidden w of a stored 1 before use (above theta)")
    analog_a_plus: float = Field(0.005, gt=0, le=0.5, description="step size of the analog synapse (a+)")
    forget_s: float = Field(150.0, gt=0, le=100_000, description="duration of the interference (s; at least two slots)")
    depress_hz: float = Field(2.0, gt=0, le=100, description="rate of anti-causal interfering pairings (at most one "
                              "pairing per slot, balanced case included)")
    potentiate_hz: float = Field(0.5, ge=0, le=100, description="rate of causal pairings, net-depressing case")
    slot_ms: float = Field(200.0, ge=50, le=10_000, description="interfering pairings fall on slots this far apart")
    forget_synapses: int = Field(60, ge=4, le=100_000, description="synapses per group and level (forgetting)")
    forget_margins: tuple[Annotated[float, Field(gt=0, le=0.8)], ...] = Field(
        (0.05, 0.1, 0.2, 0.4, 0.8), min_length=2, max_length=16, description="stored 1s at w = theta + margin (theta + margin <= 1)")
    threshold_step: float = Field(0.0005, ge=1e-5, le=0.05, description="step of the w scan (threshold)")
    gating_rates_hz: tuple[Annotated[float, Field(gt=0, le=200)], ...] = Field(
        (1.0, 10.0, 40.0), min_length=1, max_length=12, description="rates of independent Poisson single-spike "
        "activity for the bit-flip comparison of BinaryBurst and the burst-gated synapse (Hz; use_rate_hz among them)")
    gating_synapses: int = Field(200, ge=10, le=1_000_000, description="synapses per group and rule in the "
                                 "burst-gating parts (flips under use, one-burst writes)")
    gating_patterns: int = Field(40, ge=1, le=100_000, description="burst-coded patterns presented to the layers "
                                 "in the burst-coded survival part")
    gating_slot_ms: float = Field(50.0, ge=30, le=10_000, description="interval between burst-coded patterns (ms; "
                                  "a burst of B at isi_ms and its lag must fit)")
    gating_post_density: float = Field(0.1, gt=0, le=1, description="fraction of a layer's outputs bursting in a "
                                       "burst-coded pattern (the inputs: pattern_density)")
    leaks: tuple[Annotated[float, Field(ge=0, lt=1)], ...] = Field(
        (0.0, 0.1, 0.5), min_length=1, max_length=8, description="IF leaks per cycle for the threshold scan (the first "
        "is the reference, normally 0)")

    @model_validator(mode="after")
    def _consistent(self):
        """Combinations of fields, each refused with one line naming the field and its allowed range."""
        theta, slot = 1.0 / self.burst, self.slot_ms * ms
        if self.lag_ms >= self.isi_ms:
            _refuse("lag_ms", self.lag_ms, f"must be below isi_ms = {self.isi_ms:g} ms (each post pairs with its own pre)")
        if self.stored_one_w <= theta:
            _refuse("stored_one_w", self.stored_one_w, f"must be above theta = 1/burst = {theta:g} and at most 1")
        if max(self.forget_margins) > 1 - theta + 1e-12:
            _refuse("forget_margins", list(self.forget_margins), f"each margin must be in (0, {1 - theta:g}]: "
                    f"theta + margin <= 1 with theta = 1/burst = {theta:g}")
        if len(set(self.forget_margins)) < 2:
            _refuse("forget_margins", list(self.forget_margins), "need at least two different margins")
        if self.forget_s < 2 * slot:
            _refuse("forget_s", self.forget_s, f"must be at least two slots: >= {2 * slot:g} s with slot_ms = "
                    f"{self.slot_ms:g}")
        k_bal = balanced_potentiation_hz(BinaryBurst(burst=self.burst), 1.0, forget_lags())
        if self.depress_hz * (1 + k_bal) * slot > 1 + 1e-12:
            _refuse("depress_hz", self.depress_hz, f"must be <= {1 / (slot * (1 + k_bal)):.4g} Hz with slot_ms = "
                    f"{self.slot_ms:g}: balanced interference adds causal pairings at {k_bal:.3g} x depress_hz and "
                    "a slot holds at most one pairing")
        if (self.depress_hz + self.potentiate_hz) * slot > 1 + 1e-12:
            _refuse("potentiate_hz", self.potentiate_hz, f"must be <= {1 / slot - self.depress_hz:.4g} Hz: "
                    "(depress_hz + potentiate_hz) x slot must be <= 1")
        n_forget = 2 * len(self.forget_margins) * self.replicates * self.forget_synapses
        pairings = n_forget * self.depress_hz * (1 + max(k_bal, self.potentiate_hz / self.depress_hz)) * self.forget_s
        if pairings > MAX_INTERFERING_PAIRINGS:
            _refuse("forget_s", self.forget_s, f"must be <= {self.forget_s * MAX_INTERFERING_PAIRINGS / pairings:.4g} s "
                    f"with {n_forget} forgetting synapses ({pairings:.3g} interfering pairings, at most "
                    f"{MAX_INTERFERING_PAIRINGS:.0e}); or lower forget_synapses or replicates")
        if len(set(self.use_rates_hz)) != len(self.use_rates_hz):
            _refuse("use_rates_hz", list(self.use_rates_hz), "rates must differ")
        if not any(math.isclose(self.use_rate_hz, r) for r in self.use_rates_hz):
            _refuse("use_rate_hz", self.use_rate_hz, f"must be one of use_rates_hz = {list(self.use_rates_hz)}")
        if len(set(self.gating_rates_hz)) != len(self.gating_rates_hz):
            _refuse("gating_rates_hz", list(self.gating_rates_hz), "rates must differ")
        if not any(math.isclose(self.use_rate_hz, r) for r in self.gating_rates_hz):
            _refuse("use_rate_hz", self.use_rate_hz, f"must be one of gating_rates_hz = {list(self.gating_rates_hz)}")
        if self.gating_slot_ms * ms < (self.burst - 1) * self.isi_ms * ms + self.lag_ms * ms + 1e-3:
            _refuse("gating_slot_ms", self.gating_slot_ms, f"must be at least (burst - 1) isi_ms + lag_ms + 1 = "
                    f"{(self.burst - 1) * self.isi_ms + self.lag_ms + 1:g} ms (a pattern's bursts fit in its slot)")
        if self.replicates * 2 * self.gating_synapses > MAX_SYNAPSES:
            _refuse("gating_synapses", self.gating_synapses, f"must be <= {int(MAX_SYNAPSES / (2 * self.replicates))} "
                    f"with {self.replicates} replicates")
        n_lags = len(one_burst_lags(self))
        if self.replicates * self.write_synapses * n_lags > MAX_SYNAPSES:
            _refuse("write_synapses", self.write_synapses, f"must be <= {int(MAX_SYNAPSES / (self.replicates * n_lags))} "
                    f"with {self.replicates} replicates and {n_lags} lags")
        n_layer = self.replicates * self.n_in * self.n_out * len(SETS) * 2 * (self.n_sd + 3)
        if n_layer > 10 * MAX_SYNAPSES:
            _refuse("n_in", self.n_in, f"n_in x n_out x replicates too large: {n_layer:.3g} layer synapses in all "
                    f"(at most {10 * MAX_SYNAPSES:.0e})")
        if self.replicates * 3 * self.use_synapses > MAX_SYNAPSES:
            _refuse("use_synapses", self.use_synapses, f"must be <= {int(MAX_SYNAPSES / (3 * self.replicates))} with "
                    f"{self.replicates} replicates")
        return self


def one_burst_lags(config: Config) -> np.ndarray:
    """Lags of the one-burst scan (ms): 0.5 ms steps to ``lag_max_ms`` and ``lag_ms``, below the ISI."""
    lags = np.unique(np.round(np.concatenate([np.arange(0.5, config.lag_max_ms + 1e-9, 0.5), [config.lag_ms]]), 6))
    return lags[lags < config.isi_ms]


# --------------------------------------------------------------------------- closed forms

def one_burst_w(rule: BinaryBurst, lag: float, isi: float, burst: int) -> float:
    """Noise-free w after one burst from 0 (module docstring, part 2); needs lag < isi."""
    return burst * rule.a_plus * math.exp(-lag / rule.tau_plus) - (burst - 1) * rule.a_minus * math.exp(
        -(isi - lag) / rule.tau_minus)


def if_threshold(burst: int, leak: float) -> float:
    """Smallest w whose burst of ``burst`` spikes fires an IF neuron of threshold 1: 1/sum (1-l)^k."""
    return 1.0 / sum((1.0 - leak) ** k for k in range(burst))


def lag_moments(tau: float, lags: np.ndarray) -> tuple[float, float]:
    """<e^{-lag/tau}> and <e^{-2 lag/tau}> over the equally likely ``lags``."""
    return float(np.mean(np.exp(-lags / tau))), float(np.mean(np.exp(-2 * lags / tau)))


def interference(rule: BinaryBurst, r_minus: float, r_plus: float, lags: np.ndarray,
                 slot: float) -> tuple[float, float]:
    """Drift mu and variance rate s2 (per second) of w under non-interacting interfering pairings,
    at most one per ``slot``: per slot the step X has E X = mu slot and
    Var X = (r+ a+^2 <e^{-2 lag/tau+}> + r- a-^2 <e^{-2 lag/tau-}>) slot - (mu slot)^2; the slots
    are independent, so s2 = Var X / slot."""
    mp, m2p = lag_moments(rule.tau_plus, lags)
    mm, m2m = lag_moments(rule.tau_minus, lags)
    mu = r_plus * rule.a_plus * mp - r_minus * rule.a_minus * mm
    s2 = r_plus * rule.a_plus**2 * m2p + r_minus * rule.a_minus**2 * m2m - mu**2 * slot
    return mu, s2


def balanced_potentiation_hz(rule: BinaryBurst, r_minus: float, lags: np.ndarray) -> float:
    """The causal pairing rate that cancels the drift of ``r_minus`` anti-causal ones."""
    return r_minus * rule.a_minus * lag_moments(rule.tau_minus, lags)[0] / (
        rule.a_plus * lag_moments(rule.tau_plus, lags)[0])


def wald_mean_bracket(x0: float, mu: float, step_max: float, slot: float) -> tuple[float, float]:
    """Bracket of the mean forget time under net-depressing interference (mu < 0). Wald's identity
    for the N-th slot at which w first falls below theta: ``E[N] mu slot = -(x0 + E[overshoot])``,
    ``0 <= overshoot < step_max`` (the largest depression step); the time recorded is that slot's
    start, ``0.05 + (N - 1) slot``, so ``E[T]`` lies in ``[x0/|mu|, (x0 + step_max)/|mu|] - slot + 0.05``."""
    return x0 / -mu - slot + 0.05, (x0 + step_max) / -mu - slot + 0.05


def diffusion_survival(t, x0: float, length: float, s2: float, terms: int = 200):
    """P(not yet absorbed at 0 by time t) of a drift-free diffusion (variance rate s2) from x0,
    reflected at ``length`` (module docstring, part 6)."""
    t = np.atleast_1d(np.asarray(t, float))
    k = 2 * np.arange(terms) + 1
    amp = 4.0 / (k * math.pi) * np.sin(k * math.pi * x0 / (2 * length))
    return np.sum(amp[:, None] * np.exp(-np.outer(k**2, t) * math.pi**2 * s2 / (8 * length**2)), axis=0)


def diffusion_median(x0: float, length: float, s2: float) -> float:
    """Median first-passage time of :func:`diffusion_survival` (bisection on log t)."""
    lo, hi = 1e-6, 1e6
    for _ in range(200):
        mid = math.sqrt(lo * hi)
        if diffusion_survival(mid, x0, length, s2)[0] > 0.5:
            lo = mid
        else:
            hi = mid
    return math.sqrt(lo * hi)


def reflected_below(x0: float, theta: float, var: float, terms: int = 200) -> float:
    """P(w < theta) for a drift-free diffusion on [0, 1], reflected at both ends, from x0 after
    accumulating variance ``var``: ``theta + 2 sum_n cos(n pi x0) sin(n pi theta)/(n pi)
    exp(-n^2 pi^2 var / 2)`` (cosine eigenfunctions of the reflected heat equation)."""
    n = np.arange(1, terms + 1)
    return float(theta + 2 * np.sum(np.cos(n * math.pi * x0) * np.sin(n * math.pi * theta) / (n * math.pi)
                                    * np.exp(-(n * math.pi) ** 2 * var / 2)))


def crossover_sd(sds: np.ndarray, diff: np.ndarray) -> np.ndarray:
    """Per replicate (rows of ``diff``, binary minus analog unchanged at each SD of ``sds``, sds[0]
    = 0), the SD at which the difference first falls below 0, by linear interpolation between the
    two grid SDs around it: inf where it never does, -inf where it does already at sds[1]."""
    out = np.full(diff.shape[0], np.inf)
    for r, d in enumerate(diff):
        below = np.flatnonzero(d[1:] < 0) + 1
        if below.size == 0:
            continue
        i = below[0]
        if i == 1:
            out[r] = -np.inf
            continue
        out[r] = sds[i - 1] + (sds[i] - sds[i - 1]) * d[i - 1] / (d[i - 1] - d[i])
    return out


# --------------------------------------------------------------------------- engine runs

def _seed(rng) -> int:
    return int(rng.integers(1, 2**31 - 1))


def run_pairings(rule: BinaryBurst, n: int, pre_t, pre_i, post_t, post_i, duration: float, seed: int,
                 dt: float = FINE_DT, w0=0.0, every: float | None = None):
    """Synapse k joins pre k to post k, each side firing the given spikes; final w and the w monitor.

    Every network of this experiment runs on one thread: they are small, and with two threads the
    per-step barrier cost more than it saved (use network: 3-8 s against 0.5 s CPU, measured on
    the project's shared 2-core machine)."""
    net = Network(dt=dt, seed=seed, threads=1)
    pre = net.add(SpikeSource(n=n, times=pre_t, indices=pre_i))
    post = net.add(SpikeSource(n=n, times=post_t, indices=post_i))
    syn = net.connect(pre, post, rule=rule, w=w0, connectivity="one_to_one")
    mon = net.monitor(syn, "w", every=every if every is not None else duration)
    net.run(duration)
    return syn.w.astype(float), mon


def burst_spikes(lags_s: np.ndarray, config: Config, anti: bool = False, t0: float = 0.05):
    """One burst per synapse (synapse k at ``lags_s[k]``): pre and post times and indices.

    Causal: pre at ``t0 + k isi``, post ``lag`` later. Anti-causal (the control): the posts at the
    same times, each pre ``lag`` after its post (so the post-to-next-pre interval is
    ``isi - lag``, as in the causal burst's pre-to-next-post)."""
    n = lags_s.size
    offsets = np.arange(config.burst) * config.isi_ms * ms
    pre_t = np.broadcast_to(t0 + offsets, (n, config.burst))
    post_t = pre_t + lags_s[:, None]
    if anti:
        pre_t = post_t + lags_s[:, None]
    idx = np.repeat(np.arange(n), config.burst)
    return np.ascontiguousarray(pre_t).ravel(), idx, post_t.ravel(), idx


def pairing_spikes(m: np.ndarray, lag: float, spacing: float, offset: int = 0, t0: float = 0.05):
    """Synapse k (index ``offset + k``) gets ``m[k]`` causal pairings ``spacing`` apart."""
    m = np.asarray(m, int).ravel()
    idx = np.repeat(np.arange(m.size), m)
    k = np.arange(m.sum()) - np.repeat(np.cumsum(m) - m, m)  # pairing number within its synapse
    t = t0 + k * spacing
    return t, idx + offset, t + lag, idx + offset


def threshold_scan(config: Config) -> dict:
    """Smallest scanned w whose burst (one spike per cycle) fires an IF neuron of threshold 1, by
    leak: one network, one IF population per leak, all driven by the same source."""
    grid = np.round(np.arange(0.0, 1.0 + config.threshold_step / 2, config.threshold_step), 10)[1:]
    net = Network(dt=1e-3, seed=0, threads=1)
    src = net.add(SpikeSource(n=1, times=(np.arange(config.burst) + 1) * 1e-3, indices=np.zeros(config.burst, int)))
    mons = {}
    for leak in config.leaks:
        target = net.add(IF(n=grid.size, threshold=1.0, leak=leak))
        net.connect(src, target, w=grid)
        mons[leak] = net.monitor(target)
    net.run((config.burst + 5) * 1e-3)
    out = {}
    for leak, sp in mons.items():
        fired = np.zeros(grid.size, bool)
        fired[np.asarray(sp.i, int)] = True
        out[leak] = (grid, fired)
    return out


def write_runs(rules: dict, config: Config, lags_s: np.ndarray, layer_m: np.ndarray | None, seed_rng) -> dict:
    """One-burst synapses (``write_synapses`` per group and lag), causal and anti-causal control,
    and, if given, a layer's hidden weights written by ``layer_m`` pairings (default variant only),
    under each noise model. The control network has the causal one's seed and synapse indices
    (module docstring, part 2). Returns {(variant, noise): {"causal", "control": w of shape (lags,
    groups, synapses), "layer": w of ``layer_m``'s shape or None}}."""
    R, S = config.replicates, config.write_synapses
    lag_of = np.repeat(lags_s, R * S)
    b_pre, b_pi, b_post, b_qi = burst_spikes(lag_of, config)
    c_pre, c_pi, c_post, c_qi = burst_spikes(lag_of, config, anti=True)
    n_b = lag_of.size
    burst_duration = 0.1 + config.burst * config.isi_ms * ms + 2 * lags_s.max()
    spacing = 0.2  # s between a layer synapse's pairings: e^{-200 ms/tau} leaves them independent
    out = {}
    for (variant, noise), rule in rules.items():
        seed = _seed(seed_rng)
        with_layer = layer_m is not None and variant == "default"
        if with_layer:
            l_pre, l_pi, l_post, l_qi = pairing_spikes(layer_m, config.lag_ms * ms, spacing, offset=n_b)
            pre_t, pre_i = np.concatenate([b_pre, l_pre]), np.concatenate([b_pi, l_pi])
            post_t, post_i = np.concatenate([b_post, l_post]), np.concatenate([b_qi, l_qi])
            n = n_b + layer_m.size
            duration = max(burst_duration, 0.1 + spacing * max(int(layer_m.max()), 1))
        else:
            pre_t, pre_i, post_t, post_i, n, duration = b_pre, b_pi, b_post, b_qi, n_b, burst_duration
        w, _ = run_pairings(rule, n, pre_t, pre_i, post_t, post_i, duration, seed)
        wc, _ = run_pairings(rule, n_b, c_pre, c_pi, c_post, c_qi, burst_duration, seed)
        out[(variant, noise)] = {"causal": w[:n_b].reshape(lags_s.size, R, S),
                                 "control": wc.reshape(lags_s.size, R, S),
                                 "layer": w[n_b:].reshape(layer_m.shape) if with_layer else None}
    return out


def layer_counts(transmitted: np.ndarray, patterns: np.ndarray, config: Config) -> np.ndarray:
    """Spike counts of every output for every pattern. ``transmitted``: (R, C, n_in, n_out)
    weights (R layers, C conditions each); ``patterns``: (R, P, n_in) bool. One engine run with
    R x C independent layers; returns (R, C, P, n_out)."""
    R, C, n_in, n_out = transmitted.shape
    P = patterns.shape[1]
    period = 100  # cycles between patterns: the charge has leaked away long before the next one
    dt = 1e-3
    r, p, i = np.nonzero(patterns)
    steps = (p * period)[:, None] + np.arange(config.burst)[None, :] + 1
    times = (steps * dt).ravel()
    src_idx = np.repeat(r * n_in + i, config.burst)
    rr, cc, ii, oo = np.indices((R, C, n_in, n_out)).reshape(4, -1)
    net = Network(dt=dt, seed=0, threads=1)
    src = net.add(SpikeSource(n=R * n_in, times=times, indices=src_idx))
    out = net.add(IF(n=R * C * n_out, threshold=config.layer_threshold, leak=config.layer_leak))
    net.connect(src, out, w=transmitted.ravel(), connectivity=(rr * n_in + ii, (rr * C + cc) * n_out + oo))
    sp = net.monitor(out)
    net.run(P * period * dt)
    counts = np.zeros((R * C, P, n_out), int)
    spike_step = np.rint(np.asarray(sp.t) / dt).astype(int)
    neuron = np.asarray(sp.i, int)
    np.add.at(counts, (neuron // n_out, spike_step // period, neuron % n_out), 1)
    return counts.reshape(R, C, P, n_out)


def layer_pairing_counts(rng, config: Config) -> np.ndarray:
    """Pairings that write each hidden weight, shape (2, R, n_in, n_out), the same 1s in both sets:
    as written, 5-14 for a 1 (w 0.36-0.99 at 2 ms) and 0-1 for a 0; far from theta, 8-14 for a 1
    (w >= 0.57) and none for a 0."""
    shape = (config.replicates, config.n_in, config.n_out)
    ones = rng.random(shape) < config.ones_fraction
    near = np.where(ones, rng.integers(5, 15, shape), rng.integers(0, 2, shape))
    far = np.where(ones, rng.integers(8, 15, shape), 0)
    return np.stack([near, far])


def analog_transmitted(W: np.ndarray, w_clean: np.ndarray, theta: float) -> np.ndarray:
    """What the analog layer transmits: ``c W`` with ``c = (number of 1s) / sum w_clean`` per layer
    (``W``: (R, C, n_in, n_out), ``w_clean``: (R, n_in, n_out)), so that without perturbation its
    mean weight, hence its mean drive, equals the binary layer's."""
    scale = (w_clean >= theta).sum(axis=(1, 2)) / w_clean.sum(axis=(1, 2))
    return W * scale[:, None, None, None]


def robustness(w_sets: np.ndarray, w_noisy: dict, sds: np.ndarray, rng, config: Config, theta: float) -> list:
    """Fraction of output counts unchanged, binary and analog layers reading the same hidden weights.

    ``w_sets``: (sets, R, n_in, n_out) noise-free written weights; ``w_noisy``: noise -> the same
    written with write noise. Conditions per set: Gaussian perturbations of SD ``sds`` (the same
    standard normals for every SD and set, unfiltered), then each write-noise model; the same
    patterns for every set. One engine run. Returns, per set, per-replicate arrays."""
    n_sets, R = w_sets.shape[:2]
    xi = rng.standard_normal(w_sets.shape[1:])
    patterns = rng.random((R, config.n_patterns, config.n_in)) < config.pattern_density
    blocks, layout = [], []
    for s in range(n_sets):
        w_clean = w_sets[s]
        conds = [np.clip(w_clean + sd * xi, 0.0, 1.0) for sd in sds] + [w_noisy[k][s] for k in sorted(w_noisy)]
        W = np.stack(conds, axis=1)  # (R, C, n_in, n_out)
        blocks += [(W >= theta).astype(float), analog_transmitted(W, w_clean, theta)]
        layout.append(W)
    counts = layer_counts(np.concatenate(blocks, axis=1), patterns, config)
    out = []
    for s, W in enumerate(layout):
        C = W.shape[1]
        w_clean = w_sets[s]
        cb = counts[:, 2 * s * C:(2 * s + 1) * C]
        ca = counts[:, (2 * s + 1) * C:(2 * s + 2) * C]
        bits = w_clean >= theta
        crossed = (W >= theta) != bits[:, None]
        out.append({
            "binary": (cb == cb[:, :1]).mean(axis=(2, 3)), "analog": (ca == ca[:, :1]).mean(axis=(2, 3)),
            "crossing": crossed.mean(axis=(2, 3)),
            "zeros_share": (crossed & ~bits[:, None]).sum(axis=(2, 3)) / np.maximum(crossed.sum(axis=(2, 3)), 1),
            "rms": np.sqrt(((W - w_clean[:, None]) ** 2).mean(axis=(2, 3))),
            "conditions": [f"sd={sd:g}" for sd in sds] + sorted(w_noisy), "mean_rate": cb.mean()})
    return out


def ongoing_use(config: Config, rng, rate: float | None = None) -> dict:
    """Independent Poisson pre and post at ``rate`` (default ``use_rate_hz``) through four rules at
    once (same spikes): one-burst or analog step, balanced or default a_minus. Synapse index
    ((group * 3) + format) * S + k; formats: bits at 0 / stored_one_w, bits at 0.25 / 0.75, values
    uniform in [0.2, 0.8]."""
    rate = config.use_rate_hz if rate is None else rate
    R, S = config.replicates, config.use_synapses
    n = R * 3 * S
    fmt = np.tile(np.repeat(np.arange(3), S), R)
    bits = rng.random(n) < 0.5
    values = rng.uniform(0.2, 0.8, n)
    w0 = np.select([fmt == 0, fmt == 1], [np.where(bits, config.stored_one_w, 0.0), np.where(bits, 0.75, 0.25)],
                   values)
    rules = use_rules(config, rate)
    net = Network(dt=FINE_DT, seed=_seed(rng), threads=1)
    pre = net.add(PoissonSource(n=n, rate=rate))
    post = net.add(PoissonSource(n=n, rate=rate))
    projs = {key: net.connect(pre, post, rule=rule, w=w0, connectivity="one_to_one") for key, rule in rules.items()}
    every = config.use_s / 20
    mons = {key: net.monitor(p, "w", every=every) for key, p in projs.items()}
    net.run(config.use_s + 1e-9)
    return {"w0": w0, "bits": bits, "fmt": fmt, "groups": np.repeat(np.arange(R), 3 * S), "rate": rate,
            "final": {k: p.w.astype(float) for k, p in projs.items()},
            "t": np.append(np.asarray(mons[USE_RULES[0]].t), config.use_s),
            "samples": {k: np.vstack([np.asarray(m.values, float), projs[k].w.astype(float)]) for k, m in mons.items()},
            "rules": rules}


def use_rules(config: Config, rate: float | None = None) -> dict:
    """The four rules of the use part: step size (one-burst a+ or analog a+) x a_minus (default, or
    balanced for nearest-spike pairing at ``rate`` on the engine's 0.1 ms grid)."""
    rate = config.use_rate_hz if rate is None else rate
    out = {}
    for step, am in USE_RULES:
        params = dict(burst=config.burst) if step == "one_burst" else dict(burst=config.burst,
                                                                             a_plus=config.analog_a_plus)
        out[(step, am)] = (BinaryBurst.balanced_at(rate, dt=FINE_DT, **params) if am == "balanced"
                           else BinaryBurst(**params))
    return out


def use_errors(use: dict, w: np.ndarray, theta: float = 0.2) -> dict:
    """Per group, for weights ``w`` of shape (..., n) (synapse order of :func:`ongoing_use`): counts
    ``(k, n)`` of bits read wrong (binary format at theta, also by stored 0s and 1s; two levels at
    0.5), and the correlation and relative error of stored values. Arrays have shape (..., R)."""
    R = int(use["groups"].max()) + 1
    S = use["bits"].size // (3 * R)
    x = np.asarray(w, float).reshape(w.shape[:-1] + (R, 3, S))
    b = use["bits"].reshape(R, 3, S)
    v0 = use["w0"].reshape(R, 3, S)[:, 2]
    wrong_bin = (x[..., 0, :] >= theta) != b[:, 0]
    wrong_two = (x[..., 1, :] >= 0.5) != b[:, 1]
    ones = b[:, 0]
    v = x[..., 2, :]
    dv, dv0 = v - v.mean(axis=-1, keepdims=True), v0 - v0.mean(axis=-1, keepdims=True)
    sd = np.sqrt((dv**2).sum(-1) * (dv0**2).sum(-1))
    corr = np.where(sd > 0, (dv * dv0).sum(-1) / np.where(sd > 0, sd, 1.0), 0.0)
    return {
        "flips": (wrong_bin.sum(-1), np.full(wrong_bin.shape[:-1], S)),
        "flips_0": ((wrong_bin & ~ones).sum(-1), np.broadcast_to((~ones).sum(-1), wrong_bin.shape[:-1])),
        "flips_1": ((wrong_bin & ones).sum(-1), np.broadcast_to(ones.sum(-1), wrong_bin.shape[:-1])),
        "two_level": (wrong_two.sum(-1), np.full(wrong_two.shape[:-1], S)),
        "corr": corr,
        "rel_err": np.abs(v - v0).mean(-1) / v0.mean(-1),
    }


def interference_spikes(n: int, r_minus, r_plus, config: Config, rng, dt: float):
    """Slots ``slot_ms`` apart; in each, synapse k gets an anti-causal pairing with probability
    ``r_minus[k] * slot``, else a causal one with ``r_plus[k] * slot``; lags uniform on 1..20 dt."""
    slot = config.slot_ms * ms
    n_slots = int(config.forget_s / slot)
    pre_t, pre_i, post_t, post_i = [], [], [], []
    chunk = max(1, 2_000_000 // max(n, 1))
    for s0 in range(0, n_slots, chunk):
        s1 = min(n_slots, s0 + chunk)
        u = rng.random((n, s1 - s0))
        lag = rng.integers(1, 21, (n, s1 - s0)) * dt
        dep = u < (r_minus * slot)[:, None]
        pot = ~dep & (u < ((r_minus + r_plus) * slot)[:, None])
        t_slot = 0.05 + (s0 + np.arange(s1 - s0)) * slot
        for mask, causal in ((dep, False), (pot, True)):
            k, s = np.nonzero(mask)
            t, lg = t_slot[s], lag[k, s]
            pre_t.append(t if causal else t + lg)
            post_t.append(t + lg if causal else t)
            pre_i.append(k)
            post_i.append(k)
    cat = np.concatenate
    return cat(pre_t), cat(pre_i), cat(post_t), cat(post_i), n_slots


def forgetting(rule: BinaryBurst, config: Config, rng) -> dict:
    """First slot at which each stored 1 falls below theta, under both kinds of interference.

    Synapse index ((kind * L + level) * R + group) * S + k; returns times (inf: not forgotten)."""
    dt = FORGET_DT
    lags = forget_lags()
    margins = np.asarray(config.forget_margins, float)
    R, S, L = config.replicates, config.forget_synapses, margins.size
    r_bal = balanced_potentiation_hz(rule, config.depress_hz, lags)
    rates = {"depressing": config.potentiate_hz, "balanced": r_bal}
    n = 2 * L * R * S
    kind = np.repeat(np.arange(2), L * R * S)
    level = np.tile(np.repeat(np.arange(L), R * S), 2)
    r_plus = np.where(kind == 0, rates["depressing"], rates["balanced"])
    r_minus = np.full(n, config.depress_hz)
    w0 = np.minimum(rule.theta + margins[level], 1.0)
    pre_t, pre_i, post_t, post_i, n_slots = interference_spikes(n, r_minus, r_plus, config, rng, dt)
    slot = config.slot_ms * ms
    duration = n_slots * slot + slot / 2
    _, mon = run_pairings(rule, n, pre_t, pre_i, post_t, post_i, duration, _seed(rng), dt=dt, w0=w0, every=slot)
    values, t = np.asarray(mon.values, float), np.asarray(mon.t)
    below = values < rule.theta
    hit = below.any(axis=0)
    # sample k (time k * slot) follows the events of slot k - 1, whose pairing started at 0.05 + (k-1) slot
    first = np.where(hit, t[np.argmax(below, axis=0)] - slot + 0.05, np.inf)
    out = {}
    for kk, name in enumerate(KINDS):
        mu, s2 = interference(rule, config.depress_hz, rates[name], lags, slot)
        out[name] = {"times": first[kind == kk].reshape(L, R, S), "potentiate_hz": rates[name], "mu": mu, "s2": s2}
    out["margins"] = margins
    out["lags"] = lags
    out["slot"] = slot
    out["step_minus_max"] = rule.a_minus * math.exp(-lags.min() / rule.tau_minus)
    return out


# --------------------------------------------------------------------------- burst gating (part 7)

def gated_rule(config: Config, noise=None) -> BurstGatedBinary:
    """The burst-gated synapse of part 7: B = ``burst``, theta = 1/B, the rule's other defaults."""
    return BurstGatedBinary(theta=1.0 / config.burst, burst=config.burst, noise=noise)


def reflected_drift_below(x0: float, theta: float, mu: float, s2: float, t: float, cells: int = 400) -> float:
    """P(w < theta) after time ``t`` for a diffusion on [0, 1] with drift ``mu`` and variance rate
    ``s2``, reflected at both ends, from ``x0``: the Fokker-Planck equation on ``cells`` cells of
    width h (a birth-death chain with rates ``s2/(2 h^2) +- mu/(2 h)`` between neighbours, zero
    flux at the walls), solved through the eigenvectors of its symmetrized generator. Its
    stationary cell ratios ``(s2 + mu h)/(s2 - mu h) -> e^{2 mu h/s2}`` are the reflected
    diffusion's; with mu = 0 it tends to :func:`reflected_below` as h -> 0."""
    from scipy.linalg import eigh_tridiagonal
    h = 1.0 / cells
    d = s2 / 2 / h**2
    up, down = d + mu / (2 * h), d - mu / (2 * h)
    if not (down > 0 and up > 0):
        raise ValueError(f"reflected_drift_below: cells too coarse for |mu| = {abs(mu):g} and s2 = {s2:g}")
    diag = -np.full(cells, up + down)
    diag[0], diag[-1] = -up, -down
    vals, vecs = eigh_tridiagonal(diag, np.full(cells - 1, math.sqrt(up * down)))
    log_pi = np.arange(cells) * math.log(up / down)
    half = np.exp(0.5 * (log_pi - log_pi.max()))  # pi^(1/2) up to a constant (it cancels)
    p0 = np.zeros(cells)
    x = x0 * cells
    if math.isclose(x, round(x)) and 0 < round(x) < cells:  # on a cell boundary: half to each side
        p0[round(x) - 1] = p0[round(x)] = 0.5
    else:
        p0[int(min(max(math.floor(x), 0), cells - 1))] = 1.0
    # p(t) = p0 expm(Q t), expm(Q t) = diag(pi^-1/2) V e^{L t} V^T diag(pi^1/2)
    p = ((p0 / half) @ vecs * np.exp(vals * t)) @ vecs.T * half
    centres = (np.arange(cells) + 0.5) * h
    return float(min(max(p[centres < theta].sum(), 0.0), 1.0))


def binary_burst_flip_fraction(rule: BinaryBurst, rate: float, t: float, stored_one_w: float) -> float:
    """Drift-diffusion prediction of the fraction of bits read wrong after ``t`` s of independent
    Poisson use at ``rate`` (half stored 0s at 0, half 1s at ``stored_one_w``): drift
    ``rule.drift(rate, dt=FINE_DT)``, variance rate ``rule.variance_rate(rate)``, reflected at 0 and 1."""
    mu, s2 = rule.drift(rate, dt=FINE_DT), rule.variance_rate(rate)
    return 0.5 * ((1 - reflected_drift_below(0.0, rule.theta, mu, s2, t))
                  + reflected_drift_below(stored_one_w, rule.theta, mu, s2, t))


def gated_flip_fraction(rule: BurstGatedBinary, rate: float, t: float, stored_one_w: float) -> float:
    """Closed form of the same fraction for the burst-gated synapse (BurstGatedBinary.flip_probability
    on the engine's grid: chance writes flip the 0s, chance erases the 1s)."""
    return float(np.mean(rule.flip_probability(np.array([0.0, stored_one_w]), rate, t, dt=FINE_DT)))


def gating_use(config: Config, rng, rate: float) -> dict:
    """Independent Poisson pre and post at ``rate`` for ``use_s`` through BinaryBurst (the article's
    synapse) and the burst-gated synapse on the same spikes, the same stored bits: per group of
    ``gating_synapses``, the first half stored 1s at ``stored_one_w``, the rest 0s at 0. Returns the
    number of bits read wrong per group and rule."""
    R, S = config.replicates, config.gating_synapses
    ones = np.tile(np.arange(S) < S // 2, R)
    w0 = np.where(ones, config.stored_one_w, 0.0)
    rules = {"binary_burst": BinaryBurst(burst=config.burst), "burst_gated": gated_rule(config)}
    net = Network(dt=FINE_DT, seed=_seed(rng), threads=1)
    pre = net.add(PoissonSource(n=R * S, rate=rate))
    post = net.add(PoissonSource(n=R * S, rate=rate))
    projs = {k: net.connect(pre, post, rule=r, w=w0, connectivity="one_to_one") for k, r in rules.items()}
    net.run(config.use_s + 1e-9)
    wrong = {k: ((p.w.astype(float) >= rules[k].theta) != ones).reshape(R, S).sum(axis=1) for k, p in projs.items()}
    return {"wrong": wrong, "n": S, "rules": rules, "rate": rate}


def gated_writes(config: Config, rng) -> dict:
    """One causal burst (B pairings, ``lag_ms``, ``isi_ms``) from w = 0 on ``gating_synapses`` per
    group, through the burst-gated synapse without noise and under each calibrated noise model,
    and its control: the same burst anti-causal, on a network with the same seed and synapse
    indices (so the same noise draws per synapse). Returns {"causal": {noise: final w}, "control":
    {noise: final w}}, each of shape (R, S). Under pairing noise a depressing step's multiplier
    ``1 + sigma xi`` can be negative, so the anti-causal burst can set the bit."""
    R, S = config.replicates, config.gating_synapses
    lag_of = np.full(R * S, config.lag_ms * ms)
    duration = 0.1 + config.burst * config.isi_ms * ms + 2 * config.lag_ms * ms
    seed = _seed(rng)
    out = {}
    for name, anti in (("causal", False), ("control", True)):
        pre_t, pre_i, post_t, post_i = burst_spikes(lag_of, config, anti=anti)
        net = Network(dt=FINE_DT, seed=seed, threads=1)
        pre = net.add(SpikeSource(n=R * S, times=pre_t, indices=pre_i))
        post = net.add(SpikeSource(n=R * S, times=post_t, indices=post_i))
        projs = {nz: net.connect(pre, post, rule=gated_rule(config, None if nz == "none" else Scatter(nz)), w=0.0,
                                 connectivity="one_to_one") for nz in NOISES}
        net.run(duration)
        out[name] = {nz: p.w.astype(float).reshape(R, S) for nz, p in projs.items()}
    return out


def gated_write_closed_form(rule: BurstGatedBinary, noise: str) -> float:
    """P(one causal burst from 0 sets the bit): 1 without noise (a_plus >= theta), else
    ``P(g >= theta/a_plus)`` for the log-normal synapse gain (mean 1, SD sigma+) or
    ``P(xi >= (theta/a_plus - 1) sqrt(B)/sigma+)`` for pairing noise (BurstGatedBinary docstring)."""
    from scipy.stats import norm
    ratio = rule.theta / rule.a_plus
    if noise == "none":
        return 1.0 if ratio <= 1 else 0.0
    sig = Scatter(noise).sigma_plus
    if noise == "synapse":
        s2 = math.log1p(sig * sig)
        return float(norm.sf((math.log(ratio) + s2 / 2) / math.sqrt(s2)))
    return float(norm.sf((ratio - 1) * math.sqrt(rule.burst) / sig))


def burst_coded_survival(config: Config, rng) -> dict:
    """Layers of ``n_in`` x ``n_out`` synapses (``replicates`` layers) with stored bits (a fraction
    ``ones_fraction`` of 1s at ``stored_one_w``, the rest 0s at 0), the same for BinaryBurst and the
    burst-gated synapse, receive ``gating_patterns`` burst-coded patterns ``gating_slot_ms`` apart:
    in each, a random ``pattern_density`` of the inputs bursts (B spikes, ``isi_ms``) and a random
    ``gating_post_density`` of the outputs bursts ``lag_ms`` after them. A synapse is involved if
    its input and output burst in the same pattern. Returns the initial and final w by rule, the
    stored bits and the involvement mask, shape (R, n_in, n_out), and the spike lists."""
    R, n_in, n_out, P = config.replicates, config.n_in, config.n_out, config.gating_patterns
    slot, isi, lag = config.gating_slot_ms * ms, config.isi_ms * ms, config.lag_ms * ms
    ones = rng.random((R, n_in, n_out)) < config.ones_fraction
    w0 = np.where(ones, config.stored_one_w, 0.0)
    act_in = rng.random((P, R, n_in)) < config.pattern_density
    act_out = rng.random((P, R, n_out)) < config.gating_post_density
    involved = np.einsum("pri,pro->rio", act_in.astype(int), act_out.astype(int)) > 0
    offsets = np.arange(config.burst) * isi

    def spikes(active, lag_s):
        p, r, i = np.nonzero(active)
        t = (0.05 + p * slot)[:, None] + lag_s + offsets[None, :]
        return t.ravel(), np.repeat(r * active.shape[2] + i, config.burst)

    pre_t, pre_i = spikes(act_in, 0.0)
    post_t, post_i = spikes(act_out, lag)
    rr, ii, oo = np.indices((R, n_in, n_out)).reshape(3, -1)
    rules = {"binary_burst": BinaryBurst(burst=config.burst), "burst_gated": gated_rule(config)}
    net = Network(dt=FINE_DT, seed=_seed(rng), threads=1)
    pre = net.add(SpikeSource(n=R * n_in, times=pre_t, indices=pre_i))
    post = net.add(SpikeSource(n=R * n_out, times=post_t, indices=post_i))
    conn = (rr * n_in + ii, rr * n_out + oo)
    projs = {k: net.connect(pre, post, rule=r, w=w0.ravel(), connectivity=conn) for k, r in rules.items()}
    net.run(0.1 + P * slot)
    return {"w0": w0, "ones": ones, "involved": involved, "rules": rules,
            "final": {k: p.w.astype(float).reshape(R, n_in, n_out) for k, p in projs.items()},
            "spikes": (pre_t, pre_i, post_t, post_i)}


#: 95 % upper limit of a Poisson mean when no event was seen: -ln 0.05.
POISSON_ZERO_95 = -math.log(0.05)


def _count_rate(k, n, scale: float = 1.0, reason: str = "") -> dict:
    """Per-replicate counts ``k`` of ``n`` trials as a fraction times ``scale`` (e.g. per minute):
    the replicates' mean with Student's interval; no event at all is a bound, the 95 % Poisson
    upper limit ``-ln 0.05 / (total trials) x scale``, never a measured zero; identical non-zero
    fractions in every replicate: Wilson's interval of the pooled counts, scaled."""
    k, n = np.asarray(k, float).ravel(), np.asarray(n, float).ravel() * np.ones_like(np.asarray(k, float).ravel())
    if k.sum() == 0:
        return stats.at_most(POISSON_ZERO_95 / n.sum() * scale, reason or f"no event in {int(n.sum())} trials "
                             "(95 % Poisson upper limit)")
    p = k / n * scale
    if np.ptp(p) == 0:
        e = stats.proportion(int(k.sum()), int(n.sum()))
        return {**e, "mean": e["mean"] * scale, "ci95": [c * scale for c in e["ci95"]]}
    e = _est(p)
    e["ci95"] = [max(0.0, e["ci95"][0]), e["ci95"][1]]
    return e


def _rate_key(rate: float) -> str:
    """A rate as a headline key: "10" for 10 Hz, "42p5" for 42.5 Hz (a key holds no dot)."""
    return f"{rate:g}".replace(".", "p")


def _key_rate(key: str) -> float:
    return float(key.replace("p", "."))


# --------------------------------------------------------------------------- statistics

def _est(values):
    return stats.estimate(np.asarray(values, float))


def _frac(k, n) -> dict:
    """A fraction from per-replicate counts: the replicates' mean with Student's interval, kept
    inside [0, 1]; when every replicate gives the same fraction (0 or 1: no spread to estimate
    from) Wilson's interval of the pooled counts (the synapses are independent trials)."""
    k, n = np.asarray(k, float).ravel(), np.asarray(n, float).ravel()
    p = k / n
    if np.ptp(p) == 0:
        return stats.proportion(int(k.sum()), int(n.sum()))
    e = _est(p)
    e["ci95"] = [max(0.0, e["ci95"][0]), min(1.0, e["ci95"][1])]
    return e


def _fracs(p, n_per: int) -> dict:
    """:func:`_frac` from per-replicate fractions of ``n_per`` trials each."""
    p = np.asarray(p, float).ravel()
    return _frac(np.rint(p * n_per), np.full(p.size, n_per))


def _diff(d) -> dict:
    """A paired difference of fractions over replicates: Student's interval, or (no spread) the
    common value with a zero-width interval."""
    d = np.asarray(d, float).ravel()
    if np.ptp(d) == 0:
        return {"mean": float(d[0]), "ci95": [float(d[0])] * 2, "n": int(d.size)}
    return _est(d)


def _key(x: float) -> str:
    return f"{x:g}".replace(".", "p")


def power_law_exponent(margins: np.ndarray, medians: np.ndarray) -> np.ndarray:
    """Per group, the least-squares slope of log median forget time against log margin
    (``medians``: (levels, groups), all finite)."""
    x = np.log(np.asarray(margins, float))
    return np.array([np.polyfit(x, np.log(medians[:, g]), 1)[0] for g in range(medians.shape[1])])


def forget_stats(f: dict, config: Config, theta: float) -> dict:
    """Per kind: medians by level (estimate over groups, or a lower bound where a group's median
    was not reached), fraction forgotten, mean forget time, rank correlation of forget time with w,
    and the exponent of the median against the margin (:func:`power_law_exponent`, over the margins
    <= (1 - theta)/2 whose median every group reached)."""
    from scipy.stats import spearmanr

    margins, limit = f["margins"], config.forget_s
    out = {}
    for name in KINDS:
        times = f[name]["times"]  # (L, R, S); inf: not forgotten
        L, R, S = times.shape
        medians = np.median(times, axis=2)  # inf sorts last: finite iff at least half forgot
        rank = np.zeros(R)
        ww = np.repeat(margins, S)
        for g in range(R):
            tt = np.where(np.isfinite(times[:, g]), times[:, g], limit + 1.0).ravel()
            rank[g] = spearmanr(ww, tt).statistic if np.ptp(tt) > 0 else 0.0
        ok = np.all(np.isfinite(medians), axis=1) & (margins <= (1 - theta) / 2 + 1e-12)
        exponent = _est(power_law_exponent(margins[ok], medians[ok])) if ok.sum() >= 2 else None
        keys = [f"w_{_key(theta + m)}" for m in margins]
        out[name] = {
            "median_s": {k: (_est(medians[lv]) if np.all(np.isfinite(medians[lv])) else
                             stats.censored(medians[lv], limit)) for lv, k in enumerate(keys)},
            "mean_s": {k: (_est(times[lv].mean(axis=1)) if np.all(np.isfinite(times[lv])) else
                           stats.censored(times[lv].ravel(), limit)) for lv, k in enumerate(keys)},
            "fraction_forgotten": {k: _frac(np.isfinite(times[lv]).sum(axis=1), np.full(R, S))
                                   for lv, k in enumerate(keys)},
            "rank_correlation": _est(rank),
            "exponent": exponent,
            "exponent_margins": [float(m) for m in margins[ok]],
        }
    return out


# --------------------------------------------------------------------------- the experiment

def _part_rng(seed: int, *key) -> np.random.Generator:
    """The generator of one part of the run (each part is a checkpoint unit)."""
    return part_generator(seed, *key)


def _rate_id(rate: float) -> int:
    """A part's stream key for a rate: its float64 bits (distinct rates, distinct streams)."""
    return int(np.float64(rate).view(np.int64))


def _unit(key: str, compute, rules):
    """``compute()`` as a checkpoint unit (hebblab run --checkpoint-every; hebblab resume); the
    rule objects it returns under "rules" (which a unit cannot hold) are rebuilt by ``rules()``."""
    def plain():
        value = compute()
        value.pop("rules", None)
        return value
    return {**checkpoint.unit(key, plain), "rules": rules()}


def run(config: Config, seed: int = 1, progress: bool = False) -> Result:
    unit = checkpoint.unit
    rule = BinaryBurst(burst=config.burst)
    theta = rule.theta
    balanced = BinaryBurst.balanced_at(config.use_rate_hz, dt=FINE_DT, burst=config.burst)
    gating_rules = lambda: {"binary_burst": BinaryBurst(burst=config.burst), "burst_gated": gated_rule(config)}  # noqa: E731
    with progress_bar(progress, 6, "binary-burst") as bar:
        # 1. the threshold of an IF neuron for a burst
        scan = unit("threshold_scan", lambda: threshold_scan(config))
        bar.advance()

        # 2-3. one-burst writes against lag and noise, with the anti-causal control; the layers'
        # hidden weights written likewise
        lags = one_burst_lags(config)
        rules = {(v, nz): BinaryBurst(burst=config.burst, a_minus=(rule if v == "default" else balanced).a_minus,
                                      noise=None if nz == "none" else Scatter(nz))
                 for v in ("default", "balanced") for nz in NOISES}

        def writing():
            rng = _part_rng(seed, 1)
            return write_runs(rules, config, lags * ms, layer_pairing_counts(rng, config), rng)
        writes = unit("writes", writing)
        bar.advance()
        sds = np.unique(np.round(np.concatenate([np.linspace(0, config.sd_max, config.n_sd), [config.perturbation]]), 6))
        rob = unit("robustness", lambda: robustness(writes[("default", "none")]["layer"],
                                                    {nz: writes[("default", nz)]["layer"] for nz in ("pairing", "synapse")},
                                                    sds, _part_rng(seed, 2), config, theta))
        bar.advance()

        # 4-5. ongoing use at each rate: four rules on the same spikes
        uses = {}
        for rate in sorted(config.use_rates_hz):
            use = _unit(f"use/{rate!r}", lambda rate=rate: ongoing_use(config, _part_rng(seed, 3, _rate_id(rate)), rate),
                        lambda rate=rate: use_rules(config, rate))
            uses[rate] = (use, {k: use_errors(use, use["final"][k], theta) for k in USE_RULES})
        bar.advance()

        # 6. forgetting against importance
        f = unit("forgetting", lambda: forgetting(rule, config, _part_rng(seed, 4)))
        fst = forget_stats(f, config, theta)
        bar.advance()

        # 7. burst gating: flips under single-spike use, one-burst writes, burst-coded survival
        gating = {"use": {rate: _unit(f"gating/use/{rate!r}",
                                      lambda rate=rate: gating_use(config, _part_rng(seed, 5, _rate_id(rate)), rate),
                                      gating_rules)
                          for rate in sorted(config.gating_rates_hz)},
                  "writes": unit("gating/writes", lambda: gated_writes(config, _part_rng(seed, 6))),
                  "survival": _unit("gating/survival", lambda: burst_coded_survival(config, _part_rng(seed, 7)),
                                    gating_rules)}
        bar.advance()

    use_rate = next(r for r in uses if math.isclose(r, config.use_rate_hz))
    headline, kinds = {}, {}
    headline["threshold"] = _threshold_headline(scan, config, theta, kinds)
    headline["one_burst"] = _one_burst_headline(writes, rules, lags, config, theta, kinds)
    headline["robustness"] = _robustness_headline(rob, sds, config, kinds, writes[("default", "none")]["layer"], theta)
    headline["use"], headline["format_by_step"] = _use_headline(uses, use_rate, config, rule, kinds)
    headline["forgetting"] = {"duration_s": config.forget_s, **_forget_headline(f, fst, theta, kinds)}
    kinds["forgetting.duration_s"] = "setting"
    headline.update(_gating_headline(gating, config, kinds))
    tables = _tables(config, theta, lags, writes, rules, rob, uses, f, fst, scan)
    tables["burst_gating_flips"] = _gating_table(headline, config)
    tables["burst_gating_theory"] = _gating_theory(config)
    notes = [
        "Replicates: independent layers (hidden weights, patterns and perturbations drawn anew) for the robustness "
        "curve; independent groups of synapses for the one-burst, use and forgetting parts. A fraction whose "
        "replicates all agree (e.g. no bit wrong in any group) gets Wilson's interval of the pooled counts.",
        "Claims are decided on the article's synapse: a+ = 2 theta / B = 0.08 and the default a- = a+ tau+/tau-, the "
        "synapse whose one burst writes the bit at 2 ms lag. The same parts with a- balanced for nearest-spike "
        "pairing on the engine's 0.1 ms grid at the use rate (BinaryBurst.balanced_at(r, dt=0.0001); zero drift "
        f"under independent use) are reported beside it: that synapse's burst writes only at lags up to "
        f"{_longest_lag_closed_form(rules[('balanced', 'none')], config):.2f} ms.",
        "One-burst writes: the false-write probability is that of the same burst anti-causal (post lag before each "
        "pre) under the same noise, run with the same seed and synapse indices (same synapse gains; the posts on the "
        "same steps, so the same pairing-noise normals for the potentiations); specificity = write minus false "
        "write, paired synapse by synapse, estimated over groups.",
        "The per-pairing noise model (Scatter 'pairing', sigma+ 4.36, sigma- 4.87 per pairing) is calibrated on the "
        "total change after 60 pairings (Bi & Poo 1998 Fig. 7). One burst of 5 pairings of 0.08 on hard bounds is "
        "outside that domain: about 41 % of single updates change sign and the clip at 0 pushes w up, so a burst in "
        "either order sets the bit about as often. The same holds for layer weights written with 5-14 (1s) or 0-1 "
        "(0s) pairings under pairing write noise: the relative SD of their totals is 4.4/sqrt(m) = 1.2-1.9 (Bi & "
        "Poo's data: 0.6), so those robustness numbers show what that model does to short writes, not the measured "
        "variability. The synapse model (one log-normal gain per synapse and sign, SD 0.56 / 0.63) applies to any "
        "number of pairings.",
        "Robustness perturbations are never filtered: those that cross theta are counted (crossing_fraction). The "
        "crossover SD is where binary minus analog outputs unchanged first falls below 0 (linear interpolation on "
        "the SD grid), for the weights as written and for weights farther from theta.",
        "A median forget time is a lower bound (at_least) where fewer than half of some group's synapses forgot "
        "within the interference period.",
        f"The use-period rules: one-burst step a+ = {rule.a_plus:g} and analog step a+ = {config.analog_a_plus:g}, "
        "each with the default a_minus = a+ tau+/tau- (balanced only as r tau -> 0) or a_minus balanced on the 0.1 ms "
        "grid at each use rate. The diffusion prediction of flips uses the variance rate with the covariances of "
        "successive steps (BinaryBurst.variance_rate).",
        "Burst gating (part 7): the article's synapse (BinaryBurst, default a-) and the burst-gated synapse "
        "(BurstGatedBinary: B = 5 spikes with ISI <= 10 ms complete a burst; a post burst completing within 20 ms "
        "after a pre burst adds a+ = 0.3, a pre burst completing within 20 ms after a post burst subtracts a- = 0.3) "
        "on the same Poisson spikes, the same stored bits (half 1s at stored_one_w, half 0s at 0) and the same "
        "number of synapses. Flips per minute = fraction of stored bits read wrong after use_s, divided by use_s "
        "in minutes, per group; no flip in any group is a bound (95 % Poisson upper limit), never a zero. "
        "Closed forms: BinaryBurst by a drift-diffusion reflected at 0 and 1 (drift on the 0.1 ms grid, variance "
        "rate with covariances), the burst-gated synapse by its chance write and erase rates "
        "(BurstGatedBinary.chance_rates, first order in rho W) and Poisson tails. Write noise enters the "
        "burst-gated synapse once per burst event: the pairing model as 1 + sigma xi / sqrt(B) (B pairings "
        "summed), the synapse model as the synapse's fixed log-normal gain.",
    ]
    return Result(headline, tables, notes, kinds)


def _gating_headline(g, config, kinds) -> dict:
    """Part 7's headline entries (module docstring)."""
    minutes = config.use_s / 60
    names = ("binary_burst", "burst_gated")
    flips = {k: {} for k in names}
    closed = {k: {} for k in names}
    chance = {}
    for rate, u in g["use"].items():
        key = _rate_key(rate)
        for name in names:
            flips[name][key] = _count_rate(u["wrong"][name], u["n"], 1 / minutes,
                                           f"no bit flipped in {u['n'] * u['wrong'][name].size} synapses x "
                                           f"{config.use_s:g} s (95 % Poisson upper limit)")
        closed["binary_burst"][key] = binary_burst_flip_fraction(u["rules"]["binary_burst"], rate, config.use_s,
                                                                 config.stored_one_w) / minutes
        gr = u["rules"]["burst_gated"]
        closed["burst_gated"][key] = gated_flip_fraction(gr, rate, config.use_s, config.stored_one_w) / minutes
        lam_w, lam_e = gr.chance_rates(rate, dt=FINE_DT)
        chance[key] = {"burst_rate_per_s": gr.burst_rate(rate, dt=FINE_DT), "write_per_s": lam_w, "erase_per_s": lam_e}
        for name in names:
            kinds[f"burst_gating.closed_form_flips_per_min_by_rate.{name}.{key}"] = "closed-form"
        for k in chance[key]:
            kinds[f"burst_gating.chance_rates_by_rate.{key}.{k}"] = "closed-form"
    S = config.gating_synapses
    rule = gated_rule(config)
    write_p, write_cf = {}, {}
    false_p, spec = {}, {}
    for nz, w in g["writes"]["causal"].items():
        hit = (w >= rule.theta).astype(float)
        false = (g["writes"]["control"][nz] >= rule.theta).astype(float)
        write_p[nz] = _fracs(hit.mean(axis=1), S)
        false_p[nz] = _fracs(false.mean(axis=1), S)
        spec[nz] = _diff((hit - false).mean(axis=1))  # paired on the same synapses, as for BinaryBurst
        write_cf[nz] = gated_write_closed_form(rule, nz)
        kinds[f"burst_gating.write_probability_closed_form.{nz}"] = "closed-form"
    sv = g["survival"]
    surv = {}
    out_inv = ~sv["involved"]
    for name in names:
        final = sv["final"][name]
        wrong = (final >= sv["rules"][name].theta) != sv["ones"]
        moved = np.abs(final - sv["w0"]) > 1e-12
        n_un = out_inv.sum(axis=(1, 2))
        zeros_inv = sv["involved"] & ~sv["ones"]
        surv[name] = {
            "flips_uninvolved": _count_rate((wrong & out_inv).sum(axis=(1, 2)), n_un),
            "w_changed_uninvolved": _count_rate((moved & out_inv).sum(axis=(1, 2)), n_un),
            "zeros_written_involved": _frac((wrong & zeros_inv).sum(axis=(1, 2)), zeros_inv.sum(axis=(1, 2))),
        }
    surv["involved_fraction"] = _est(sv["involved"].mean(axis=(1, 2)))
    surv.update({"patterns": config.gating_patterns, "slot_ms": config.gating_slot_ms})
    kinds.update({"burst_gating.survival.patterns": "setting", "burst_gating.survival.slot_ms": "setting"})
    use_key = _rate_key(next(r for r in g["use"] if math.isclose(r, config.use_rate_hz)))
    top_key = _rate_key(max(g["use"]))
    at = lambda key: {"rate_hz": _key_rate(key), **{n: flips[n][key] for n in names},  # noqa: E731
                      **{f"{n}_closed_form": closed[n][key] for n in names}}
    for label, key in (("at_use_rate", use_key), ("at_max_rate", top_key)):
        kinds[f"burst_gating.{label}.rate_hz"] = "setting"
        for n in names:
            kinds[f"burst_gating.{label}.{n}_closed_form"] = "closed-form"
    gr = gated_rule(config)
    gate = {"use_period_s": config.use_s, "stored_one_w": config.stored_one_w,
            "rule": {"a_plus": gr.a_plus, "a_minus": gr.a_minus, "isi_max_ms": gr.isi_max / ms,
                     "window_ms": gr.window_plus / ms, "burst": gr.burst, "theta": gr.theta},
            "closed_form_flips_per_min_by_rate": closed, "chance_rates_by_rate": chance,
            "at_use_rate": at(use_key), "at_max_rate": at(top_key),
            "write_probability_closed_form": write_cf, "false_write_probability": false_p, "survival": surv}
    for k in ("use_period_s", "stored_one_w", *[f"rule.{x}" for x in gate["rule"]]):
        kinds[f"burst_gating.{k}"] = "setting"
    return {"burst_gated_flips_per_min_by_rate": flips["burst_gated"],
            "binary_burst_flips_per_min_by_rate": flips["binary_burst"],
            "burst_gated_write_probability": write_p, "burst_gated_specificity": spec, "burst_gating": gate}


def _gating_theory(config, points: int = 16) -> dict:
    """Both closed forms of flips per minute on a log grid of rates spanning ``gating_rates_hz``."""
    lo, hi = min(config.gating_rates_hz), max(config.gating_rates_hz)
    grid = np.geomspace(lo, hi, points) if hi > lo else np.array([lo])
    minutes = config.use_s / 60
    bb, gr = BinaryBurst(burst=config.burst), gated_rule(config)
    return {"rate_hz": grid.tolist(),
            "binary_burst": [binary_burst_flip_fraction(bb, r, config.use_s, config.stored_one_w) / minutes for r in grid],
            "burst_gated": [gated_flip_fraction(gr, r, config.use_s, config.stored_one_w) / minutes for r in grid]}


def _gating_table(h, config) -> dict:
    """Flips per minute by rate and rule, measured (mean and interval, or the bound) beside the closed form."""
    t = {"rate_hz": [], "rule": [], "mean": [], "lo": [], "hi": [], "bound": [], "closed_form": []}
    for name in ("binary_burst", "burst_gated"):
        for key, v in h[f"{name}_flips_per_min_by_rate"].items():
            bound = stats.is_bound(v)
            t["rate_hz"].append(_key_rate(key))
            t["rule"].append(name)
            t["mean"].append(v["at_most"] if bound else v["mean"])
            t["lo"].append(0.0 if bound else v["ci95"][0])
            t["hi"].append(v["at_most"] if bound else v["ci95"][1])
            t["bound"].append(bound)
            t["closed_form"].append(h["burst_gating"]["closed_form_flips_per_min_by_rate"][name][key])
    return t


def _threshold_headline(scan, config, theta, kinds) -> dict:
    measured = {leak: (float(grid[np.argmax(fired)]) if fired.any() else None) for leak, (grid, fired) in scan.items()}
    out = {"theta": theta, "burst": config.burst, "scan_step": config.threshold_step,
           "smallest_firing_w": {f"leak_{_key(l)}": measured[l] for l in config.leaks},
           "closed_form": {f"leak_{_key(l)}": if_threshold(config.burst, l) for l in config.leaks}}
    kinds.update({"threshold.theta": "setting", "threshold.burst": "setting", "threshold.scan_step": "setting"})
    kinds.update({f"threshold.closed_form.leak_{_key(l)}": "closed-form" for l in config.leaks})
    return out


def _longest_lag_closed_form(rule, config) -> float:
    """The lag (ms) at which the noise-free one-burst w falls to theta (bisection; w1 falls with lag)."""
    f = lambda lag: one_burst_w(rule, lag * ms, config.isi_ms * ms, config.burst) - rule.theta  # noqa: E731
    lo, hi = 0.0, config.isi_ms
    if f(lo) < 0:
        return 0.0
    for _ in range(60):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if f(mid) >= 0 else (lo, mid)
    return lo


def _one_burst_headline(writes, rules, lags, config, theta, kinds) -> dict:
    li = int(np.flatnonzero(np.isclose(lags, config.lag_ms))[0])
    S = config.write_synapses

    def part(variant):
        d = {"p_write": {}, "false_write": {}, "specificity": {}}
        for nz in ("pairing", "synapse"):
            wr = writes[(variant, nz)]
            hit, false = wr["causal"][li] >= theta, wr["control"][li] >= theta  # (groups, synapses)
            d["p_write"][nz] = _fracs(hit.mean(axis=1), S)
            d["false_write"][nz] = _fracs(false.mean(axis=1), S)
            d["specificity"][nz] = _diff((hit.astype(float) - false).mean(axis=1))
        clean = writes[(variant, "none")]
        w1 = float(clean["causal"][li].mean())
        noise_free = clean["causal"][:, 0, 0]
        ok = lags[noise_free >= theta]
        d.update({"a_minus": rules[(variant, "none")].a_minus, "w_noise_free": w1,
                  "control_w_noise_free": float(clean["control"][li].mean()),
                  "margin_events_noise_free": (w1 - theta) / rules[(variant, "none")].a_minus,
                  "longest_lag_ms_noise_free": float(ok.max()) if ok.size else 0.0,
                  "longest_lag_ms_closed_form": _longest_lag_closed_form(rules[(variant, "none")], config)})
        return d

    default = rules[("default", "none")]
    out = {"lag_ms": config.lag_ms,
           "w_closed_form": one_burst_w(default, config.lag_ms * ms, config.isi_ms * ms, config.burst),
           **part("default"), "balanced_a_minus": part("balanced")}
    kinds.update({"one_burst.lag_ms": "setting", "one_burst.w_closed_form": "closed-form",
                  "one_burst.a_minus": "closed-form", "one_burst.longest_lag_ms_closed_form": "closed-form",
                  "one_burst.balanced_a_minus.a_minus": "closed-form",
                  "one_burst.balanced_a_minus.longest_lag_ms_closed_form": "closed-form"})
    return out


def _crossover(sds, rb) -> dict:
    """The crossover SD over replicates: an estimate, or a bound where some layer never crosses
    (at least sd_max) or crosses already at the first SD (at most that SD)."""
    x = crossover_sd(sds, rb["binary"][:, :sds.size] - rb["analog"][:, :sds.size])
    if np.all(np.isfinite(x)):
        return _est(x)
    if np.any(x == np.inf):  # a layer crossing before the first SD counts at 0: still a lower bound
        return stats.censored(np.where(x == -np.inf, 0.0, x), float(sds[-1]),
                              "some layers keep more outputs binary up to the largest SD")
    return stats.at_most(float(sds[1]), "some layers keep fewer outputs binary already at the first SD")


def _robustness_headline(rob, sds, config, kinds, w_sets, theta) -> dict:
    ci = int(np.flatnonzero(np.isclose(sds, config.perturbation))[0])
    nsd = sds.size
    n_counts = config.n_patterns * config.n_out
    n_syn = config.n_in * config.n_out

    def cond(rb, c):
        return {"unchanged_binary": _fracs(rb["binary"][:, c], n_counts),
                "unchanged_analog": _fracs(rb["analog"][:, c], n_counts),
                "binary_minus_analog": _est(rb["binary"][:, c] - rb["analog"][:, c]),
                "crossing_fraction": _fracs(rb["crossing"][:, c], n_syn),
                "crossings_by_stored_0s": _est(rb["zeros_share"][:, c]),
                "rms_change": _est(rb["rms"][:, c])}

    near, far = rob
    out = {"sd": config.perturbation, **cond(near, ci),
           "small_sd": {"sd": float(sds[1]), **{k: v for k, v in cond(near, 1).items()
                                                if k in ("unchanged_binary", "unchanged_analog", "binary_minus_analog")}},
           "crossover_sd": {"as_written": _crossover(sds, near), "far": _crossover(sds, far)},
           "far": {k: v for k, v in cond(far, ci).items() if k in ("binary_minus_analog", "crossing_fraction")},
           "write_noise": {nz: cond(near, nsd + k) for k, nz in enumerate(("pairing", "synapse"))}}
    kinds.update({"robustness.sd": "setting", "robustness.small_sd.sd": "setting"})
    out["hidden_weights"] = {}
    for name, w in zip(SETS, w_sets):  # where the noise-free hidden weights sit (deterministic)
        zeros, ones = theta - w[w < theta], w[w >= theta] - theta
        out["hidden_weights"][name] = {"zeros_below_theta_min": float(zeros.min()),
                                       "zeros_below_theta_max": float(zeros.max()),
                                       "ones_above_theta_min": float(ones.min()), "ones_above_theta_max": float(ones.max())}
    return out


def _use_headline(uses, use_rate, config, rule, kinds):
    bal, dfl = ("one_burst", "balanced"), ("one_burst", "default")
    use, errs = uses[use_rate]
    balanced = use["rules"][bal]

    def flips(e):
        return {"flips": {"balanced": _frac(*e[bal]["flips"]), "default": _frac(*e[dfl]["flips"])},
                "flips_stored_0": {"balanced": _frac(*e[bal]["flips_0"]), "default": _frac(*e[dfl]["flips_0"])},
                "flips_stored_1": {"balanced": _frac(*e[bal]["flips_1"]), "default": _frac(*e[dfl]["flips_1"])}}

    def diffusion(b, rate):
        var = b.variance_rate(rate) * config.use_s
        return {"stored_0": 1 - reflected_below(0.0, rule.theta, var),
                "stored_1": reflected_below(config.stored_one_w, rule.theta, var)}

    use_h = {
        "rate_hz": config.use_rate_hz, "period_s": config.use_s, "stored_one_w": config.stored_one_w,
        "a_minus": {"balanced": balanced.a_minus, "default": rule.a_minus},
        "drift_per_s": {"balanced": _zero(balanced.drift(use_rate, dt=FINE_DT)),
                        "default": rule.drift(use_rate, dt=FINE_DT)},
        **flips(errs),
        "flips_diffusion_balanced": diffusion(balanced, use_rate),
        "variance_rate_per_s_balanced": balanced.variance_rate(use_rate),
        "variance_rate_per_s_independent_steps": _independent_steps_variance(balanced, use_rate),
        "by_rate": {},
    }
    for k in ("rate_hz", "period_s", "stored_one_w"):
        kinds[f"use.{k}"] = "setting"
    for k in ("a_minus.balanced", "a_minus.default", "drift_per_s.balanced", "drift_per_s.default",
              "flips_diffusion_balanced.stored_0", "flips_diffusion_balanced.stored_1", "variance_rate_per_s_balanced",
              "variance_rate_per_s_independent_steps"):
        kinds[f"use.{k}"] = "closed-form"
    for rate, (u, e) in uses.items():
        key = f"r_{_key(rate)}"
        b = u["rules"][bal]
        use_h["by_rate"][key] = {"rate_hz": rate, "use_spikes": rate * config.use_s, **flips(e),
                                 "drift_per_s_default": rule.drift(rate, dt=FINE_DT),
                                 "a_minus_balanced": b.a_minus,
                                 "flips_diffusion_balanced": diffusion(b, rate)}
        kinds.update({f"use.by_rate.{key}.rate_hz": "setting", f"use.by_rate.{key}.use_spikes": "setting",
                      f"use.by_rate.{key}.drift_per_s_default": "closed-form",
                      f"use.by_rate.{key}.a_minus_balanced": "closed-form",
                      f"use.by_rate.{key}.flips_diffusion_balanced.stored_0": "closed-form",
                      f"use.by_rate.{key}.flips_diffusion_balanced.stored_1": "closed-form"})
    fb = {"analog_a_plus": config.analog_a_plus}
    kinds["format_by_step.analog_a_plus"] = "setting"
    for am in ("balanced", "default"):
        ob, an = ("one_burst", am), ("analog", am)
        k0, n0 = errs[ob]["flips"]
        k1, n1 = errs[ob]["two_level"]
        fb[am] = {
            "binary_levels": {"one_burst_step": _frac(*errs[ob]["flips"]), "analog_step": _frac(*errs[an]["flips"])},
            "two_levels": {"one_burst_step": _frac(*errs[ob]["two_level"]),
                           "analog_step": _frac(*errs[an]["two_level"])},
            "format_effect_one_burst_step": _diff(k0 / n0 - k1 / n1),
            "values_correlation": {"one_burst_step": _est(errs[ob]["corr"]), "analog_step": _est(errs[an]["corr"])},
            "values_relative_error": {"one_burst_step": _est(errs[ob]["rel_err"]),
                                      "analog_step": _est(errs[an]["rel_err"])},
        }
    return use_h, fb


def _zero(x: float) -> float:
    return 0.0 if abs(x) < 1e-12 else float(x)


def _independent_steps_variance(rule: BinaryBurst, rate: float) -> float:
    """The variance rate if successive steps were independent (the covariances left out):
    ``r a+^2 r tau+/(r tau+ + 2) + r a-^2 r tau-/(r tau- + 2)``; shown beside the full rate."""
    tp, tm = rule.tau_plus, rule.tau_minus
    return rate * rule.a_plus**2 * rate * tp / (rate * tp + 2) + rate * rule.a_minus**2 * rate * tm / (rate * tm + 2)


def _forget_headline(f, fst, theta, kinds) -> dict:
    out = {}
    for name in KINDS:
        fs = fst[name]
        mu, s2 = f[name]["mu"], f[name]["s2"]
        d = {"potentiate_hz": f[name]["potentiate_hz"], "drift_per_s": _zero(mu), "variance_rate_per_s": s2,
             "rank_correlation": fs["rank_correlation"], "median_s": fs["median_s"],
             "fraction_forgotten": fs["fraction_forgotten"]}
        if fs["exponent"] is not None:
            d["exponent"] = fs["exponent"]
        keys = [f"w_{_key(theta + m)}" for m in f["margins"]]
        if name == "depressing":
            d["mean_s"] = fs["mean_s"]
            d["wald_mean_s"] = {}
            if mu < 0:
                for k, m in zip(keys, f["margins"]):
                    lo, hi = wald_mean_bracket(m, mu, f["step_minus_max"], f["slot"])
                    d["wald_mean_s"][k] = {"low": lo, "high": hi}
                    kinds[f"forgetting.{name}.wald_mean_s.{k}.low"] = "closed-form"
                    kinds[f"forgetting.{name}.wald_mean_s.{k}.high"] = "closed-form"
            pred = None
        else:
            d["predicted_median_s"] = {k: diffusion_median(min(m, 1 - theta), 1 - theta, s2)
                                       for k, m in zip(keys, f["margins"])}
            pred = "predicted_median_s"
            em = np.asarray(fs["exponent_margins"])
            if em.size >= 2:
                pm = [diffusion_median(m, 1 - theta, s2) for m in em]
                d["exponent_diffusion"] = float(np.polyfit(np.log(em), np.log(pm), 1)[0])
                kinds[f"forgetting.{name}.exponent_diffusion"] = "closed-form"
        out[name] = d
        kinds[f"forgetting.{name}.drift_per_s"] = "closed-form"
        kinds[f"forgetting.{name}.variance_rate_per_s"] = "closed-form"
        kinds[f"forgetting.{name}.potentiate_hz"] = "setting" if name == "depressing" else "closed-form"
        if pred:
            kinds.update({f"forgetting.{name}.{pred}.{k}": "closed-form" for k in d[pred]})
    smaller = min(KINDS, key=lambda k: out[k]["rank_correlation"]["mean"])
    out["smaller_rank_correlation"] = {**out[smaller]["rank_correlation"], "of": smaller}
    return out


def _band(x):
    x = np.asarray(x, float)
    e = _est(x) if np.ptp(x) > 0 else {"mean": float(np.mean(x)), "ci95": [float(np.mean(x))] * 2}
    return e["mean"], e["ci95"][0], e["ci95"][1]


def _put(table, name, bands):
    for j, s in enumerate(("mean", "lo", "hi")):
        table[f"{name}_{s}"] = [float(b[j]) for b in bands]


def _tables(config, theta, lags, writes, rules, rob, uses, f, fst, scan):
    t = {}
    ob = {"lag_ms": lags.tolist()}
    for v in ("default", "balanced"):
        ob[f"closed_form_w_{v}"] = [one_burst_w(rules[(v, "none")], l * ms, config.isi_ms * ms, config.burst)
                                    for l in lags]
        ob[f"w_noise_free_{v}"] = [float(x) for x in writes[(v, "none")]["causal"][:, 0, 0]]
        ob[f"control_w_noise_free_{v}"] = [float(x) for x in writes[(v, "none")]["control"][:, 0, 0]]
    for (v, nz), wr in writes.items():
        hit, false = wr["causal"] >= theta, wr["control"] >= theta
        _put(ob, f"p_write_{v}_{nz}", [_band(p) for p in hit.mean(axis=2)])
        _put(ob, f"false_write_{v}_{nz}", [_band(p) for p in false.mean(axis=2)])
        _put(ob, f"specificity_{v}_{nz}", [_band(p) for p in (hit.astype(float) - false).mean(axis=2)])
        _put(ob, f"margin_{v}_{nz}", [_band(m) for m in ((wr["causal"] - theta) / rules[(v, nz)].a_minus).mean(axis=2)])
    t["one_burst"] = ob
    for name, rb in zip(SETS, rob):
        C = len(rb["conditions"])
        rt = {"condition": rb["conditions"], "rms_change": [float(rb["rms"][:, c].mean()) for c in range(C)]}
        for m in ("binary", "analog", "crossing"):
            _put(rt, m, [_band(rb[m][:, c]) for c in range(C)])
        _put(rt, "binary_minus_analog", [_band(rb["binary"][:, c] - rb["analog"][:, c]) for c in range(C)])
        t[f"robustness_{name}"] = rt
    ut = {"rate_hz": [], "rule": []}
    rows = {m: [] for m in ("flips", "flips_0", "flips_1", "two_level", "corr", "rel_err")}
    for rate, (use, errs) in uses.items():
        for k in USE_RULES:
            ut["rate_hz"].append(rate)
            ut["rule"].append(f"{k[0]} step, {k[1]} a-")
            for m in ("flips", "flips_0", "flips_1", "two_level"):
                rows[m].append(_band(errs[k][m][0] / errs[k][m][1]))
            for m in ("corr", "rel_err"):
                rows[m].append(_band(errs[k][m]))
    for m, bands in rows.items():
        _put(ut, m, bands)
    t["use"] = ut
    ts = {"rate_hz": [], "t_s": [], "use_spikes": []}
    cols = {}
    for rate, (use, _) in uses.items():
        ts["rate_hz"] += [rate] * use["t"].size
        ts["t_s"] += use["t"].tolist()
        ts["use_spikes"] += (rate * use["t"]).tolist()
        for k in (("one_burst", "balanced"), ("one_burst", "default")):
            e = use_errors(use, use["samples"][k], theta)  # arrays (T, R)
            for m in ("flips", "flips_0", "flips_1"):
                cols.setdefault(f"{k[0]}_{k[1]}_{m}", []).extend([_band(x) for x in e[m][0] / e[m][1]])
    for name, bands in cols.items():
        _put(ts, name, bands)
    t["use_over_time"] = ts
    ft = {"kind": [], "w": [], "margin": [], "median_s": [], "median_lo": [], "median_hi": [], "median_bound": [],
          "mean_s": [], "mean_lo": [], "mean_hi": [], "mean_bound": [],
          "fraction_forgotten": [], "predicted_s": [], "predicted_hi_s": []}
    for name in KINDS:
        d = fst[name]
        for m in f["margins"]:
            ft["kind"].append(name)
            ft["w"].append(float(theta + m))
            ft["margin"].append(float(m))
            for stat in ("median", "mean"):
                v = d[f"{stat}_s"][f"w_{_key(theta + m)}"]
                bound = not stats.is_estimate(v)
                ft[f"{stat}_s"].append(v["at_least"] if bound else v["mean"])
                ft[f"{stat}_lo"].append(v["at_least"] if bound else v["ci95"][0])
                ft[f"{stat}_hi"].append(float("nan") if bound else v["ci95"][1])
                ft[f"{stat}_bound"].append(bound)
            ft["fraction_forgotten"].append(d["fraction_forgotten"][f"w_{_key(theta + m)}"]["mean"])
            mu, s2 = f[name]["mu"], f[name]["s2"]
            if name == "depressing":
                lo, hi = wald_mean_bracket(m, mu, f["step_minus_max"], f["slot"]) if mu < 0 else (np.inf, np.inf)
            else:
                lo = hi = diffusion_median(min(m, 1 - theta), 1 - theta, s2)
            ft["predicted_s"].append(float(lo))
            ft["predicted_hi_s"].append(float(hi))
    t["forgetting"] = ft
    grid = np.linspace(0, config.forget_s, 61)
    sv = {"t_s": grid.tolist()}
    for lv, m in enumerate(f["margins"]):
        times = f["balanced"]["times"][lv]
        _put(sv, f"sim_{_key(m)}", [_band((times > tt).mean(axis=1)) for tt in grid])
        sv[f"diffusion_{_key(m)}"] = diffusion_survival(grid, min(m, 1 - theta), 1 - theta,
                                                        f["balanced"]["s2"]).tolist()
    t["balanced_survival"] = sv
    th = {"w": scan[config.leaks[0]][0].tolist()}
    for leak, (_, fired) in scan.items():
        th[f"fired_leak_{_key(leak)}"] = fired.astype(int).tolist()
    t["threshold_scan"] = th
    return t


# --------------------------------------------------------------------------- figures

def _errorbar(ax, x, table, name, scale=1.0, **kw):
    m, lo, hi = (np.asarray(table[f"{name}_{s}"]) * scale for s in ("mean", "lo", "hi"))
    ax.errorbar(x, m, yerr=[m - lo, hi - m], capsize=2, ms=4, **kw)


def figures(result: Result):
    from matplotlib.figure import Figure

    h, T = result.headline, result.tables
    fig = Figure(figsize=(19, 9))
    ax = fig.subplots(2, 4).ravel()

    # (a) threshold scan
    th = T["threshold_scan"]
    for k, (key, cf) in enumerate(h["threshold"]["closed_form"].items()):
        col = f"C{k}"
        w_fire = h["threshold"]["smallest_firing_w"][key]
        ax[0].step(th["w"], np.asarray(th[f"fired_{key}"]) + 0.03 * k, where="post", color=col,
                   label=f"{key.replace('leak_', 'leak ').replace('p', '.')}: fires from w = "
                         f"{stats.fmt(w_fire, 4)} (closed form {cf:.4g})")
        ax[0].axvline(cf, color=col, ls=":", lw=1)
    ax[0].set(xlabel="weight w", ylabel="IF neuron fired (1) or not (0)", xlim=(0, 0.7),
              title="(a) a burst of 5 fires an IF neuron iff w >= 1/sum(1-leak)^k\n(dotted: closed form)")
    ax[0].legend(fontsize=7, loc="center right")

    # (b) write and false-write probability against lag, the article's synapse; (c) specificity
    ob = T["one_burst"]
    lag = np.asarray(ob["lag_ms"])
    styles = {"none": ("k", "o"), "pairing": ("C0", "s"), "synapse": ("C3", "^")}
    NOISE_WORDS = {"none": "no noise", "pairing": "per-pairing noise", "synapse": "per-synapse noise"}
    for nz, (c, mk) in styles.items():
        _errorbar(ax[1], lag, ob, f"p_write_default_{nz}", 100, color=c, marker=mk, ls="-",
                  label=f"{NOISE_WORDS[nz]}: causal burst (write)")
        _errorbar(ax[1], lag + 0.05, ob, f"false_write_default_{nz}", 100, color=c, marker=mk, ls=":", mfc="none",
                  label=f"{NOISE_WORDS[nz]}: anti-causal burst (false write)")
    ax[1].set(xlabel="lag between post and pre (ms)", ylabel="synapses with w >= theta after one burst from 0 (%)",
              title="(b) one burst, default a- (mean, 95 % CI over groups)", ylim=(-5, 105))
    ax[1].legend(fontsize=6.5)
    for v, ls in (("default", "-"), ("balanced", "--")):
        for nz in ("pairing", "synapse"):
            c, mk = styles[nz]
            _errorbar(ax[2], lag + (0.05 if v == "balanced" else 0), ob, f"specificity_{v}_{nz}", 100, color=c,
                      marker=mk, ls=ls, mfc="none" if v == "balanced" else c, label=f"{NOISE_WORDS[nz]}, {v} a-")
        margin = (np.asarray(ob[f"w_noise_free_{v}"]) - h["threshold"]["theta"]) >= 0
        ax[2].plot(lag, margin * 100, ls, color="k", lw=1, label=f"no noise, {v} a- (writes: 100)")
    ax[2].axhline(0, color="#999", lw=0.8)
    ax[2].set(xlabel="lag of post after pre (ms)", ylabel="write minus false-write probability (%)",
              title="(c) specificity of one burst (paired on the same synapses)", ylim=(-30, 105))
    ax[2].legend(fontsize=6.5)

    # (d) robustness against perturbation SD, two sets of hidden weights
    rh = h["robustness"]
    for name, ls in zip(SETS, ("-", "--")):
        rt = T[f"robustness_{name}"]
        conds = rt["condition"]
        gauss = [i for i, c in enumerate(conds) if c.startswith("sd=")]
        sd = np.array([float(conds[i][3:]) for i in gauss])
        for layer, c in (("binary", "C0"), ("analog", "C1")):
            m, lo, hi = (np.asarray(rt[f"{layer}_{s}"])[gauss] * 100 for s in ("mean", "lo", "hi"))
            ax[3].plot(sd, m, ls, marker="o", color=c, ms=3, label=f"{layer} layer, weights {name.replace('_', ' ')}")
            ax[3].fill_between(sd, lo, hi, color=c, alpha=0.2)
        xo = rh["crossover_sd"][name]
        if stats.is_estimate(xo):
            ax[3].axvspan(*xo["ci95"], color="C2" if name == "as_written" else "C4", alpha=0.2,
                          label=f"crossover, weights {name.replace('_', ' ')}: {stats.fmt(xo, 2)}")
        if name == "as_written":
            for i, cnd in enumerate(conds):
                if cnd.startswith("sd="):
                    continue
                for layer, c in (("binary", "C0"), ("analog", "C1")):
                    mm, l2, h2 = (rt[f"{layer}_{s}"][i] * 100 for s in ("mean", "lo", "hi"))
                    ax[3].errorbar([rt["rms_change"][i]], [mm], yerr=[[mm - l2], [h2 - mm]], color=c, capsize=3,
                                   marker="s" if cnd == "pairing" else "^", ls="none", ms=7, mfc="none",
                                   label=f"{layer}, {cnd} write noise (at its RMS change)")
    ax[3].set(xlabel="perturbation SD (or RMS change) of the hidden weights", ylabel="layer outputs unchanged (%)",
              title="(d) same perturbations for both layers, unfiltered", ylim=(-2, 102))
    ax[3].legend(fontsize=6, loc="lower left")

    # (e) flips against the amount of use
    ts = T["use_over_time"]
    rates = np.asarray(ts["rate_hz"])
    use_x = np.asarray(ts["use_spikes"])
    for k, rate in enumerate(sorted(set(ts["rate_hz"]))):
        sel = (rates == rate) & (use_x > 0)
        for am, ls in (("default", "-"), ("balanced", "--")):
            m, lo, hi = (np.asarray(ts[f"one_burst_{am}_flips_{s}"])[sel] * 100 for s in ("mean", "lo", "hi"))
            ax[4].plot(use_x[sel], m, ls, color=f"C{k}", label=f"{rate:g} Hz, {am} a-")
            ax[4].fill_between(use_x[sel], lo, hi, color=f"C{k}", alpha=0.15)
    ax[4].axhline(5, color="#999", lw=0.8, ls=":")
    ax[4].set(xscale="log", xlabel="amount of use: pre spikes per synapse (rate x time)", ylabel="bits flipped (%)",
              title=f"(e) independent Poisson use, one-burst step (stored 1s at w = {h['use']['stored_one_w']:g})")
    ax[4].legend(fontsize=6.5, ncol=2)

    # (f) storage format x step size under the same use
    fb = h["format_by_step"]["balanced"]
    labels, vals = [], []
    for fmt_key, lab in (("binary_levels", f"bits at 0 / {h['use']['stored_one_w']:g}\nread at theta"),
                         ("two_levels", "bits at 0.25 / 0.75\nread at 0.5")):
        for step, lab2 in (("one_burst_step", "a+ 0.08"), ("analog_step", f"a+ {h['format_by_step']['analog_a_plus']:g}")):
            labels.append(f"{lab}\n{lab2}")
            vals.append(fb[fmt_key][step])
    x = np.arange(len(vals))
    m = np.array([v["mean"] for v in vals]) * 100
    err = np.array([[v["mean"] - v["ci95"][0], v["ci95"][1] - v["mean"]] for v in vals]).T * 100
    ax[5].bar(x, m, yerr=err, capsize=4, color=["C0", "C0", "C1", "C1"], alpha=0.8)
    for xi, mi, hi in zip(x, m, err[1]):
        ax[5].text(xi, mi + hi + 0.5, f"{mi:.1f} %", ha="center", fontsize=8)
    ax[5].set_xticks(x, labels, fontsize=7)
    ax[5].set(ylabel=f"stored bits read back wrong after {h['use']['period_s']:g} s (%)",
              title=f"(f) {h['use']['rate_hz']:g} Hz use, balanced a-: format x step size")

    # (g) forget time against margin
    ft = T["forgetting"]
    for name, c, stat in (("depressing", "C3", "mean"), ("balanced", "C2", "median")):
        sel = [i for i, k in enumerate(ft["kind"]) if k == name]
        mg = np.asarray(ft["margin"])[sel]
        med = np.asarray(ft[f"{stat}_s"])[sel]
        lo, hi = np.asarray(ft[f"{stat}_lo"])[sel], np.asarray(ft[f"{stat}_hi"])[sel]
        bound = np.asarray(ft[f"{stat}_bound"])[sel]
        ok = ~bound
        ax[6].errorbar(mg[ok], med[ok], yerr=[med[ok] - lo[ok], hi[ok] - med[ok]], color=c, marker="o", ls="none",
                       capsize=3, label=f"{name} interference: {stat} (95 % CI)")
        if bound.any():
            ax[6].plot(mg[bound], med[bound], marker="^", mfc="none", ls="none", color=c, ms=9,
                       label=f"{name}: {stat} >= (lower bound)")
        if name == "depressing":
            ax[6].fill_between(mg, np.asarray(ft["predicted_s"])[sel], np.asarray(ft["predicted_hi_s"])[sel], color=c,
                               alpha=0.2, label="Wald: mean forget time between these (overshoot 0 to one step)")
        else:
            ax[6].plot(mg, np.asarray(ft["predicted_s"])[sel], "--", color=c, label="diffusion first-passage median")
    ax[6].set(xscale="log", yscale="log", xlabel="w - theta at storage", ylabel="time to forget (s)",
              title="(g) time to forget against importance")
    margins = sorted(set(ft["margin"]))
    ax[6].set_xticks(margins, [f"{m:g}" for m in margins])
    ax[6].minorticks_off()
    lo_y, hi_y = ax[6].get_ylim()
    ax[6].set_ylim(lo_y, hi_y * 10)  # room for the legend above the data
    ax[6].legend(fontsize=7, loc="upper left")

    # (h) survival under balanced interference
    sv = T["balanced_survival"]
    tg = np.asarray(sv["t_s"])
    for k, col in enumerate([c for c in sv if c.startswith("sim_") and c.endswith("_mean")]):
        mkey = col[4:-5]
        m, lo, hi = (np.asarray(sv[f"sim_{mkey}_{s}"]) * 100 for s in ("mean", "lo", "hi"))
        ax[7].plot(tg, m, color=f"C{k}", label=f"w - theta = {mkey.replace('p', '.')}")
        ax[7].fill_between(tg, lo, hi, color=f"C{k}", alpha=0.2)
        ax[7].plot(tg, np.asarray(sv[f"diffusion_{mkey}"]) * 100, ":", color=f"C{k}")
    ax[7].set(xlabel="time under balanced interference (s)", ylabel="stored 1s not yet forgotten (%)",
              title="(h) survival (dotted: diffusion, reflected at w = 1)", ylim=(0, 102))
    ax[7].legend(fontsize=7)
    fig.tight_layout()
    out = [("binary_burst", fig)]
    if "burst_gating" in h:
        out.append(("burst_gating", _gating_figure(result)))
    return out


def _gating_figure(result: Result):
    """Part 7: flips per minute against the rate of single-spike use (log y), the one-burst write
    probability under write noise, and the survival of uninvolved bits under burst-coded patterns."""
    from matplotlib.figure import Figure

    h = result.headline
    g = h["burst_gating"]
    fig = Figure(figsize=(16, 5))
    ax = fig.subplots(1, 3)
    styles = {"binary_burst": ("C3", "o", "BinaryBurst (the article's synapse, nearest-spike STDP)"),
              "burst_gated": ("C0", "s", "burst-gated synapse (BurstGatedBinary)")}
    for name, (c, mk, label) in styles.items():
        data = h[f"{name}_flips_per_min_by_rate"]
        rates = np.array([_key_rate(k) for k in data])
        cf = np.array([g["closed_form_flips_per_min_by_rate"][name][k] for k in data])
        est = [stats.is_estimate(v) for v in data.values()]
        m = np.array([v["mean"] if e else v["at_most"] for v, e in zip(data.values(), est)])
        lo = np.array([v["ci95"][0] if e else np.nan for v, e in zip(data.values(), est)])
        hi = np.array([v["ci95"][1] if e else np.nan for v, e in zip(data.values(), est)])
        ok = np.array(est)
        if ok.any():
            ax[0].errorbar(rates[ok], m[ok], yerr=[m[ok] - np.maximum(lo[ok], m[ok] * 1e-3), hi[ok] - m[ok]],
                           color=c, marker=mk, ls="none", capsize=3, label=f"{label}: measured (95 % CI)")
        if (~ok).any():
            ax[0].plot(rates[~ok] * (1.04 if name == "burst_gated" else 0.96), m[~ok], marker="v", color=c, ls="none",
                       mfc="none", ms=9,
                       label=f"{label}: no flip, 95 % upper bound")
        th = result.tables.get("burst_gating_theory")
        xs, ys = (np.asarray(th["rate_hz"]), np.asarray(th[name])) if th else (rates, cf)
        ax[0].plot(xs, np.maximum(ys, 1e-12), "--", color=c, lw=1,
                   label="closed form: " + ("drift-diffusion" if name == "binary_burst" else "chance bursts"))
    ax[0].set(xscale="log", yscale="log", ylim=(1e-8, 10), xlabel="rate of independent Poisson pre and post "
              "single-spike activity (Hz)", ylabel="bits flipped per synapse per minute",
              title=f"(a) flips under use ({g['use_period_s']:g} s; 1s at w = {g['stored_one_w']:g}, 0s at 0)")
    ax[0].legend(fontsize=6.5, loc="lower right")
    wp, wcf = h["burst_gated_write_probability"], g["write_probability_closed_form"]
    x = np.arange(len(wp))
    m = np.array([v["mean"] for v in wp.values()]) * 100
    err = np.array([[v["mean"] - v["ci95"][0], v["ci95"][1] - v["mean"]] for v in wp.values()]).T * 100
    ax[1].bar(x, m, yerr=err, capsize=4, color="C0", alpha=0.7, label="measured (95 % CI)")
    ax[1].plot(x, np.array(list(wcf.values())) * 100, "k_", ms=30, mew=2, label="closed form")
    ax[1].set_xticks(x, [f"{k} noise" for k in wp])
    ax[1].set(ylabel="synapses with w >= theta after one causal burst from 0 (%)", ylim=(0, 105),
              title="(b) burst-gated synapse: one-burst write probability")
    ax[1].legend(fontsize=7)
    sv = g["survival"]
    rows = [("flips_uninvolved", "uninvolved bits flipped"), ("w_changed_uninvolved", "uninvolved w changed"),
            ("zeros_written_involved", "involved 0s written")]
    for k, (name, (c, _, label)) in enumerate(styles.items()):
        for r, (key, _) in enumerate(rows):
            v = sv[name][key]
            xx = r + (k - 0.5) * 0.35
            if stats.is_estimate(v):
                ax[2].bar(xx, v["mean"] * 100, 0.35, yerr=[[(v["mean"] - v["ci95"][0]) * 100],
                                                           [(v["ci95"][1] - v["mean"]) * 100]],
                          capsize=3, color=c, alpha=0.7, label=label if r == 0 else None)
            else:
                ax[2].plot(xx, v["at_most"] * 100, "v", color=c, mfc="none", ms=9,
                           label=f"{label}: none seen (95 % upper bound)")
    ax[2].set_xticks(range(len(rows)), [lab for _, lab in rows], fontsize=8)
    ax[2].set(ylabel="% of synapses", ylim=(0, 105),
              title=f"(c) {sv['patterns']} burst-coded patterns {sv['slot_ms']:g} ms apart")
    ax[2].legend(fontsize=6.5)
    fig.tight_layout()
    return fig


def _gating_text(h) -> str:
    F = stats.fmt
    g = h["burst_gating"]
    rates = list(h["burst_gated_flips_per_min_by_rate"])

    def curve(name):
        return "; ".join(f"{k} Hz {F(h[f'{name}_flips_per_min_by_rate'][k], 2)} (closed form "
                         f"{g['closed_form_flips_per_min_by_rate'][name][k]:.2g})" for k in rates)

    wp, wcf = h["burst_gated_write_probability"], g["write_probability_closed_form"]
    sv = g["survival"]
    r = g["rule"]
    return (
        f"A burst-gated synapse (a post burst of {r['burst']} spikes with ISIs <= {r['isi_max_ms']:g} ms completing "
        f"within {r['window_ms']:g} ms after a pre burst writes a+ = {r['a_plus']:g}, the reverse order erases "
        f"a- = {r['a_minus']:g}; single spikes do nothing) on the same independent Poisson single-spike use for "
        f"{g['use_period_s']:g} s, the same stored bits and synapse count as the article's synapse flips, per synapse "
        f"per minute: {curve('burst_gated')}; the article's synapse (BinaryBurst, default a-) {curve('binary_burst')}. "
        f"Its chance writes come only from chance bursts (rate ~ r (r T)^(B-1)), so they vanish at low rates and "
        f"grow steeply near 40 Hz. One causal burst from 0 writes it without noise ({F(wp['none'], 3, True)}), "
        f"under calibrated synapse noise in {F(wp['synapse'], 3, True)} of synapses (closed form "
        f"{wcf['synapse'] * 100:.1f} %) and under per-pairing noise in {F(wp['pairing'], 3, True)} (closed form "
        f"{wcf['pairing'] * 100:.1f} %): the cost of one large step. Under {sv['patterns']} burst-coded patterns "
        f"{sv['slot_ms']:g} ms apart, bits whose input and output never burst together flip "
        f"{F(sv['burst_gated']['flips_uninvolved'], 2, True)} (burst-gated) and "
        f"{F(sv['binary_burst']['flips_uninvolved'], 2, True)} (BinaryBurst), but BinaryBurst moves the hidden w of "
        f"{F(sv['binary_burst']['w_changed_uninvolved'], 3, True)} of them (burst-gated: "
        f"{F(sv['burst_gated']['w_changed_uninvolved'], 2, True)}), and the new patterns write their stored 0s in "
        f"{F(sv['burst_gated']['zeros_written_involved'], 3, True)} (burst-gated) against "
        f"{F(sv['binary_burst']['zeros_written_involved'], 3, True)} (BinaryBurst, whose one-burst write of 0.209 "
        f"is undone by the neighbouring patterns' pairings).")


# --------------------------------------------------------------------------- summary, finding, verdicts

def _inside(x: float, est) -> bool:
    return stats.is_estimate(est) and est["ci95"][0] <= x <= est["ci95"][1]


def _leak_name(key: str) -> str:
    return key.replace("leak_", "").replace("p", ".")


def _rates(h) -> list:
    return list(h["use"]["by_rate"].items())


def _sign(est, more: str, fewer: str, same: str) -> str:
    """Words for the sign of an estimated difference: only where its interval excludes 0."""
    lo, hi = est["ci95"]
    return more if lo > 0 else (fewer if hi < 0 else same)


def _disjoint(a, b) -> bool:
    return stats.is_estimate(a) and stats.is_estimate(b) and (a["ci95"][1] < b["ci95"][0] or b["ci95"][1] < a["ci95"][0])


def _threshold_text(thr) -> str:
    leak_txt = ", ".join(f"{stats.fmt(v, 4)} at leak {_leak_name(k)} (closed form {thr['closed_form'][k]:.4g})"
                         for k, v in thr["smallest_firing_w"].items())
    v = _threshold_verdict({"threshold": thr}).verdict
    tail = {"supported": "'w > 0.2 is a 1' holds at every leak tested",
            "qualified": "'w > 0.2 is a 1' holds for the neuron without leak, not for the leaky ones (Brain "
                         f"Simulator II's LIF default leak is {BSII_LIF_LEAK:g})",
            "refuted": "'w > 0.2 is a 1' does not hold even without leak"}[v]
    return (f"A burst of {thr['burst']} spikes in consecutive cycles fires a Brain Simulator II IF neuron of threshold "
            f"1 from w = {leak_txt}: {tail}.")


def _one_burst_text(ob, us, theta: float) -> str:
    F = stats.fmt
    obb = ob["balanced_a_minus"]
    writes = ob["w_noise_free"] >= theta
    bal_writes = obb["w_noise_free"] >= theta
    return (
        f"The article's synapse (a+ = 0.08, default a-) after one noise-free burst of 5 causal pairings "
        f"({ob['lag_ms']:g} ms lag, 5 ms ISI) from w = 0 has w = {ob['w_noise_free']:.4f} "
        f"({ob['margin_events_noise_free']:+.2f} depression events from theta: "
        f"{'it writes' if writes else 'it does not write'}; writes for lags up to "
        f"{ob['longest_lag_ms_closed_form']:.2f} ms); the same burst anti-causal leaves "
        f"{ob['control_w_noise_free']:.3f}. Under the calibrated synapse noise one burst sets the bit in "
        f"{F(ob['p_write']['synapse'], 3, True)} of synapses and its anti-causal control in "
        f"{F(ob['false_write']['synapse'], 3, True)}, a specificity of {F(ob['specificity']['synapse'], 3, True)}; "
        f"under pairing noise {F(ob['p_write']['pairing'], 3, True)} against "
        f"{F(ob['false_write']['pairing'], 3, True)} (specificity {F(ob['specificity']['pairing'], 3, True)}), but "
        f"the per-pairing model is outside its calibrated domain here (calibrated on the total of 60 pairings; on "
        f"single 0.08 steps with hard bounds its noise changes the sign of about 41 % of updates and the clip at 0 "
        f"pushes w up, so the bit is set in either order). With a- balanced for use at {us['rate_hz']:g} Hz one "
        f"noise-free burst {'writes' if bal_writes else 'does not write'} at {ob['lag_ms']:g} ms (w = "
        f"{obb['w_noise_free']:.4f}; writes for lags up to {obb['longest_lag_ms_closed_form']:.2f} ms; specificity "
        f"under synapse noise {F(obb['specificity']['synapse'], 3, True)}).")


def _robustness_text(rb) -> str:
    F = stats.fmt
    small, wn, xo = rb["small_sd"], rb["write_noise"], rb["crossover_sd"]
    hw, hf = rb["hidden_weights"]["as_written"], rb["hidden_weights"]["far"]
    dep = ("so which layer is more robust depends on the perturbation size and on how far the hidden weights sit "
           "from theta" if _disjoint(xo["as_written"], xo["far"]) else
           "so which layer is more robust depends on the perturbation size (the two crossovers' intervals overlap)")
    return (
        f"The same unfiltered Gaussian perturbations of the hidden weights leave "
        f"{_sign(small['binary_minus_analog'], 'more', 'fewer', 'about as many')} of a binary layer's output spike "
        f"counts unchanged than of an analog layer reading the same weights at small SD (SD {small['sd']:g}: "
        f"{F(small['unchanged_binary'], 3, True)} against {F(small['unchanged_analog'], 3, True)}) and "
        f"{_sign(rb['binary_minus_analog'], 'more', 'fewer', 'about as many')} at SD {rb['sd']:g} "
        f"({F(rb['unchanged_binary'], 3, True)} against {F(rb['unchanged_analog'], 3, True)}; "
        f"{F(rb['crossing_fraction'], 3, True)} of synapses cross theta, {F(rb['crossings_by_stored_0s'], 3, True)} "
        f"of them stored 0s, which sit only {hw['zeros_below_theta_min']:.2f}-{hw['zeros_below_theta_max']:.2f} below "
        f"it, 1s {hw['ones_above_theta_min']:.2f}-{hw['ones_above_theta_max']:.2f} above); the binary layer stops "
        f"keeping more outputs at SD {F(xo['as_written'], 2)} for the weights as written and at {F(xo['far'], 2)} "
        f"for weights farther from theta (0s {hf['zeros_below_theta_min']:.2f}-{hf['zeros_below_theta_max']:.2f} "
        f"below, 1s {hf['ones_above_theta_min']:.2f}-{hf['ones_above_theta_max']:.2f} above), {dep}. Calibrated "
        f"synapse write noise leaves "
        f"{F(wn['synapse']['unchanged_binary'], 3, True)} (binary) against "
        f"{F(wn['synapse']['unchanged_analog'], 3, True)} (analog) unchanged; pairing write noise "
        f"{F(wn['pairing']['unchanged_binary'], 3, True)} against {F(wn['pairing']['unchanged_analog'], 3, True)}, "
        f"which shows what that model does to writes of 0-14 pairings (outside its calibrated domain), not measured "
        f"variability.")


def _use_text(h) -> str:
    F = stats.fmt
    us, fb0 = h["use"], h["format_by_step"]
    fb = fb0["balanced"]
    rates = _rates(h)
    curve = lambda am: ", ".join(F(d["flips"][am], 2, True) for _, d in rates)  # noqa: E731
    rate_txt = ", ".join(f"{d['rate_hz']:g}" for _, d in rates)
    spikes_txt = ", ".join(f"{d['use_spikes']:g}" for _, d in rates)
    pred0, pred1 = us["flips_diffusion_balanced"]["stored_0"], us["flips_diffusion_balanced"]["stored_1"]
    in0, in1 = _inside(pred0, us["flips_stored_0"]["balanced"]), _inside(pred1, us["flips_stored_1"]["balanced"])
    agree = ("both inside the simulated intervals" if in0 and in1 else
             "neither inside its simulated interval" if not (in0 or in1) else
             f"only the {'stored-0' if in0 else 'stored-1'} prediction inside its simulated interval")
    fe = fb["format_effect_one_burst_step"]
    small_step_clean = all(fb[k]["analog_step"]["ci95"][1] < fb[k]["one_burst_step"]["ci95"][0]
                           for k in ("binary_levels", "two_levels"))
    both = ("at the one-burst step the storage format changes the errors by "
            f"{F(fe, 3, True)} points (paired by group)"
            + (" and the small step reduces them in both formats: both matter, the step size most" if
               small_step_clean and fe["ci95"][0] > 0 else
               "; the small step reduces them in both formats" if small_step_clean else ""))
    return (
        f"Under independent Poisson use for {us['period_s']:g} s at {rate_txt} Hz ({spikes_txt} spikes per "
        f"synapse), the article's "
        f"synapse flips {curve('default')} of bits (stored 1s at w = {us['stored_one_w']:g}, 0s at 0) and the "
        f"synapse with a- balanced at each rate on the engine's grid {curve('balanced')}. At {us['rate_hz']:g} Hz the "
        f"default a- drifts by {us['drift_per_s']['default']:+.4f}/s and flips stored 0s "
        f"{F(us['flips_stored_0']['default'], 3, True)} and 1s {F(us['flips_stored_1']['default'], 3, True)}; "
        f"without drift stored 0s flip {F(us['flips_stored_0']['balanced'], 3, True)} and 1s "
        f"{F(us['flips_stored_1']['balanced'], 3, True)}: the large step diffuses (variance rate "
        f"{us['variance_rate_per_s_balanced']:.4g}/s with the covariances of successive steps, "
        f"{us['variance_rate_per_s_independent_steps']:.4g}/s if they were independent), and a diffusion reflected "
        f"at 0 and 1 predicts {pred0 * 100:.1f} % and {pred1 * 100:.1f} %, {agree}. With the same "
        f"{us['rate_hz']:g} Hz use and balanced a-, bits read back wrong are "
        f"{F(fb['binary_levels']['one_burst_step'], 3, True)} (bits at 0 / {us['stored_one_w']:g} read at theta, "
        f"a+ 0.08), {F(fb['two_levels']['one_burst_step'], 3, True)} (two interior levels 0.25 / 0.75 read at 0.5, "
        f"a+ 0.08), {F(fb['binary_levels']['analog_step'], 3, True)} and {F(fb['two_levels']['analog_step'], 3, True)} "
        f"(the same at a+ {fb0['analog_a_plus']:g}, matched format): {both}.")


def _forget_text(fg) -> str:
    F = stats.fmt
    dep, bal = fg["depressing"], fg["balanced"]
    last = next(reversed(bal["fraction_forgotten"]))
    inside = {k: stats.is_estimate(dep["mean_s"][k]) and dep["mean_s"][k]["ci95"][1] >= b["low"]
              and dep["mean_s"][k]["ci95"][0] <= b["high"] for k, b in dep["wald_mean_s"].items()}
    shown = list(dep["wald_mean_s"])[1::2]
    wald = "; ".join(f"w = {k[2:].replace('p', '.')}: {F(dep['mean_s'][k], 3, unit='s')}, Wald "
                     f"{dep['wald_mean_s'][k]['low']:.3g}-{dep['wald_mean_s'][k]['high']:.3g} s" for k in shown)
    follows = ("follows Wald's identity at every level" if inside and all(inside.values()) else
               f"misses Wald's bracket at {sum(not v for v in inside.values())} of {len(inside)} levels")
    expo, ed = bal.get("exponent"), bal.get("exponent_diffusion")
    if expo is not None and ed is not None:
        expo_txt = (f"the exponent of the median against w - theta is {F(expo, 3)}, "
                    + (f"in agreement with the diffusion limit's {ed:.2f}" if _inside(ed, expo) else
                       f"not in agreement with the diffusion limit's {ed:.2f} (outside the interval: the walk's steps, "
                       f"0.03-0.08, are coarse against margins of 0.05-0.4)"))
    else:
        expo_txt = "the exponent could not be fitted"
    v = _importance_verdict({"forgetting": fg}).verdict
    orders = {"supported": "w orders forgetting under both kinds of interference",
              "qualified": "w orders forgetting under one kind of interference only",
              "refuted": "w does not order forgetting under either kind of interference"}[v]
    return (
        f"Under interfering pairings (anti-causal at 2 Hz, causal at {dep['potentiate_hz']:g} Hz, lags 1-20 ms, "
        f"non-interacting) the mean forget time {follows} ({wald}; rank correlation of forget time with w "
        f"{F(dep['rank_correlation'], 3)}, exponent {F(dep.get('exponent'), 3)}); under balanced interference (causal "
        f"at {bal['potentiate_hz']:.3g} Hz, zero drift) the rank correlation is {F(bal['rank_correlation'], 3)}, "
        f"{expo_txt}, and {F(bal['fraction_forgotten'][last], 3, True)} of w = 1 bits are forgotten within "
        f"{fg['duration_s']:g} s: {orders}, but the forget time is linear in w - theta (Wald) only when the "
        f"interference is net-depressing.")


def finding(result: Result) -> str:
    h = result.headline
    return " ".join([_threshold_text(h["threshold"]), _one_burst_text(h["one_burst"], h["use"], h["threshold"]["theta"]),
                     _robustness_text(h["robustness"]), _use_text(h), _forget_text(h["forgetting"])]
                    + ([_gating_text(h)] if "burst_gating" in h else []))


def _threshold_verdict(h) -> Verdict:
    thr = h["threshold"]
    step, theta = thr["scan_step"], thr["theta"]
    keys = list(thr["smallest_firing_w"])
    leak0 = keys[0]
    bsii = f"leak_{_key(BSII_LIF_LEAK)}"

    def matches(k):
        w = thr["smallest_firing_w"][k]
        return w is not None and abs(w - theta) <= step + 1e-12

    if not matches(leak0):
        v, key = "refuted", leak0
    elif all(matches(k) for k in keys):
        v, key = "supported", (bsii if bsii in keys else leak0)
    else:
        v, key = "qualified", (bsii if bsii in keys and not matches(bsii) else next(k for k in keys if not matches(k)))
    leak = float(_leak_name(key))
    who = " (Brain Simulator II's default for its LIF model)" if math.isclose(leak, BSII_LIF_LEAK) else ""
    label = (f"smallest w whose burst of {thr['burst']} spikes fires an IF neuron of threshold 1 with leak {leak:g} per cycle{who}; "
             f"closed form 1/sum_k (1 - leak)^k = {thr['closed_form'][key]:.4g}")
    w0 = thr["smallest_firing_w"][leak0]
    return Verdict(
        "threshold", v, f"threshold.smallest_firing_w.{key}",
        "supported if the smallest scanned w whose burst fires the IF neuron equals theta = 1/B = 0.2 within one scan "
        "step at every leak; qualified if it does at the first leak (0) but not at another (the deciding number is the "
        "leak-0.1 neuron's when it differs); refuted if it does not at the first",
        f"Brain Simulator II IF neuron, threshold 1, the 5 spikes in consecutive cycles, no other input; leaks "
        f"{', '.join(_leak_name(k) for k in keys)} per cycle; scan step {step:g}; without leak the neuron fires from "
        f"w = {stats.fmt(w0, 4)} (closed form 1/5 = 0.2 exactly), so the 0.2 threshold holds only without leak",
        label=label, digits=4)


def _spec_verdict(writes_clean: bool, spec: dict) -> tuple[str, str]:
    """The one-burst criterion on a synapse's specificities by noise model: (verdict, noise model
    of the deciding number)."""
    if not writes_clean:
        return "refuted", ""
    if all(spec[k]["ci95"][0] >= 0.95 for k in spec):
        return "supported", min(spec, key=lambda k: spec[k]["ci95"][0])
    if all(spec[k]["ci95"][1] < 0.5 for k in spec):
        return "refuted", max(spec, key=lambda k: spec[k]["ci95"][1])
    return "qualified", min(spec, key=lambda k: spec[k]["mean"])


def _gated_one_burst(h) -> tuple[str, str] | None:
    """The burst-gated synapse's one-burst verdict by the article's synapse's criterion, on its
    own specificity (write minus the false write of the same burst anti-causal, paired on the same
    synapses): (verdict, words). Under pairing noise the anti-causal burst can set it."""
    if "burst_gated_specificity" not in h or "burst_gated_write_probability" not in h:
        return None
    spec = {k: v for k, v in h["burst_gated_specificity"].items() if k in ("synapse", "pairing")}
    clean = h["burst_gated_write_probability"]["none"]["mean"] >= 0.5
    v, _ = _spec_verdict(clean, spec)
    F = stats.fmt
    return v, (f"a burst-gated synapse, by the same criterion: {v} (specificity {F(spec['synapse'], 3, True)} under "
               f"synapse noise, {F(spec['pairing'], 3, True)} under pairing noise)")


def _one_burst_verdict(h, cost: str = "") -> Verdict:
    ob = h["one_burst"]
    theta = h["threshold"]["theta"]
    spec = ob["specificity"]
    v, nz = _spec_verdict(ob["w_noise_free"] >= theta, spec)
    if not nz:
        key = "one_burst.w_noise_free"
        label, pct = f"w after one noise-free burst of 5 causal pairings at {ob['lag_ms']:g} ms from w = 0 (theta 0.2)", False
    else:
        key = f"one_burst.specificity.{nz}"
        label = (f"one-burst write minus false-write probability (anti-causal control), {ob['lag_ms']:g} ms lag, "
                 f"calibrated {nz} noise, the article's synapse")
        pct = True
    gated = _gated_one_burst(h)
    return Verdict(
        "one-burst", v, key,
        "decided on the article's synapse: refuted if one noise-free burst does not set the bit; otherwise supported "
        "if the lower 95 % bound of the specificity (write probability minus the false-write probability of the "
        "same burst anti-causal, same noise, paired on the same synapses) is >= 95 % under both calibrated noise "
        "models, refuted if its upper bound is < 50 % under both (the deciding number is then the higher of the "
        "two), qualified otherwise. The burst-gated synapse (the lab's own design, not the article's) is judged by "
        "the same criterion on its own specificity and stated beside it, not deciding",
        f"the article's synapse: nearest-spike additive STDP, a+ = 0.08, default a- = {ob['a_minus']:.4f}; 5 pairings "
        f"at {ob['lag_ms']:g} ms lag and 5 ms ISI from w = 0; without noise one burst writes only for lags <= "
        f"{ob['longest_lag_ms_closed_form']:.2f} ms (with a- balanced for use, <= "
        f"{ob['balanced_a_minus']['longest_lag_ms_closed_form']:.2f} ms: no write at {ob['lag_ms']:g} ms); Bi & "
        f"Poo-calibrated synapse noise (in its domain) or pairing noise (calibrated on 60-pairing totals, outside "
        f"its domain for one 5-pairing burst on hard bounds)" + _gated_write_conditions(h) + cost,
        label=label, percent=pct, digits=3 if pct else 4, note=gated[1] if gated else "")


def _gated_write_conditions(h) -> str:
    """The burst-gated synapse's one-burst writes, stated beside the verdict on the article's synapse."""
    if "burst_gating" not in h:
        return ""
    wp, r = h["burst_gated_write_probability"], h["burst_gating"]["rule"]
    fp = h["burst_gating"].get("false_write_probability", {})
    F = stats.fmt
    return (f". The burst-gated synapse (BurstGatedBinary, a+ = {r['a_plus']:g}, written "
            f"only when a post burst of {r['burst']} spikes with ISIs <= {r['isi_max_ms']:g} ms completes within "
            f"{r['window_ms']:g} ms after a pre burst) is set by one causal burst at {h['one_burst']['lag_ms']:g} ms "
            f"lag in {F(wp['none'], 3, True)} of synapses without noise, {F(wp['synapse'], 3, True)} under synapse "
            f"noise and {F(wp['pairing'], 3, True)} under pairing noise; the same burst anti-causal sets it in "
            f"{F(fp.get('none'), 3, True)}, {F(fp.get('synapse'), 3, True)} and {F(fp.get('pairing'), 3, True)} "
            "(under pairing noise a depressing step's multiplier 1 + sigma xi can be negative and write the bit)")


def _gated_use_conditions(h) -> str:
    """The burst-gated synapse under the same use, stated beside the verdict on the article's synapse."""
    if "burst_gating" not in h:
        return ""
    g = h["burst_gating"]
    F = stats.fmt
    u, m = g["at_use_rate"], g["at_max_rate"]
    return (f". Under the same independent Poisson single-spike use ({g['use_period_s']:g} s, "
            f"same stored bits and synapse count) bits flipped per synapse per minute at {u['rate_hz']:g} Hz: "
            f"article's synapse {F(u['binary_burst'], 3)}, burst-gated synapse {F(u['burst_gated'], 3)} (closed form "
            f"{u['burst_gated_closed_form']:.2g}); at {m['rate_hz']:g} Hz {F(m['binary_burst'], 3)} and "
            f"{F(m['burst_gated'], 3)} (closed form {m['burst_gated_closed_form']:.2g}): the burst-gated synapse is "
            "immune to single-spike use only while chance bursts are rare (low rates); under burst-coded patterns "
            f"{g['survival']['slot_ms']:g} ms apart, uninvolved bits flipped: article's synapse "
            f"{F(g['survival']['binary_burst']['flips_uninvolved'], 2, True)}, burst-gated "
            f"{F(g['survival']['burst_gated']['flips_uninvolved'], 2, True)}")


def _gated_immune(h) -> tuple[str, str] | None:
    """The burst-gated synapse's immunity verdict by the article's synapse's criterion, on the
    fraction of bits flipped over the same use period (flips per minute x the period): (verdict,
    words, with the use after which its flips would pass 5 % at the highest rate, since chance
    bursts keep writing: the verdict holds for the period measured)."""
    if "burst_gating" not in h:
        return None
    period = h["burst_gating"]["use_period_s"]
    minutes = period / 60
    by_rate = h["burst_gated_flips_per_min_by_rate"]
    ranges = {k: tuple(x * minutes for x in _lo_hi(v)) for k, v in by_rate.items()}
    order = sorted(ranges, key=_key_rate)
    if any(ranges[k][0] > 0.05 for k in order):
        v = "refuted"
    elif all(ranges[k][1] < 0.01 for k in order):
        v = "supported"
    else:
        v = "qualified"
    top = order[-1]
    per_min = stats.point(by_rate[top])
    F = stats.fmt
    words = (f"a burst-gated synapse, by the same criterion over the same {period:g} s: {v} (bits flipped at "
             f"{_key_rate(top):g} Hz, the highest rate tested: {F(by_rate[top], 3)} per minute, "
             f"{100 * ranges[top][0]:.2g}-{100 * ranges[top][1]:.2g} % over the period")
    if per_min and per_min > 0:
        words += f"; at that rate 5 % of its bits flip within about {0.05 / per_min * 60:.0f} s of use"
    return v, words + ")"


def _immune_verdict(h, cost: str = "") -> Verdict:
    us = h["use"]
    rates = _rates(h)
    over = [k for k, d in rates if d["flips"]["default"]["ci95"][0] > 0.05]
    if over:
        v, key = "refuted", over[0]
    elif all(d["flips"]["default"]["ci95"][1] < 0.01 for _, d in rates):
        v, key = "supported", rates[-1][0]
    else:
        v, key = "qualified", rates[-1][0]
    d = us["by_rate"][key]
    curve = "; ".join(f"{x['rate_hz']:g} Hz ({x['use_spikes']:g} spikes): {stats.fmt(x['flips']['default'], 2, True)} "
                      f"(balanced a-: {stats.fmt(x['flips']['balanced'], 2, True)})" for _, x in rates)
    gated = _gated_immune(h)
    return Verdict(
        "immune", v, f"use.by_rate.{key}.flips.default",
        "decided on the article's synapse: refuted if at some tested amount of use (rate x period) the lower 95 % "
        "bound of the fraction of bits flipped exceeds 5 % (the deciding number is the lowest such use); supported if "
        "at every tested use the upper bound is below 1 %; qualified otherwise (the deciding number is the largest "
        "use). The burst-gated synapse (the lab's own design) is judged by the same criterion on the same period in "
        "the burst-gating part (its rates: " + ", ".join(f"{_key_rate(k):g}" for k in sorted(
            h.get("burst_gated_flips_per_min_by_rate", {}), key=_key_rate)) + " Hz) and stated beside it, not deciding",
        f"the article's synapse (a+ = 0.08, default a- = {us['a_minus']['default']:.4f}); independent Poisson pre and "
        f"post for {us['period_s']:g} s, stored 1s at w = {us['stored_one_w']:g} and 0s at 0; bits flipped by use: "
        f"{curve}" + _gated_use_conditions(h) + cost,
        label=f"bits flipped by {us['period_s']:g} s of independent {d['rate_hz']:g} Hz use ({d['use_spikes']:g} "
              f"spikes per synapse), the article's synapse", percent=True, note=gated[1] if gated else "")


def _importance_in_stream(mc) -> str:
    """The memory stream's view of importance, for the verdict's conditions: a hidden weight that
    counts bursts against a bit written fully by one event."""
    if mc is None:
        return ". In a stream of new memories: not measured here (memory-capacity did not run in the same report)"
    h, F = mc.headline, stats.fmt
    lt, s0, c = h["lifetime_by_model"], h["snr_initial_by_model"], h["conditions"]
    return (f". In a stream of new memories (memory-capacity, N = {c['n_synapses']:,}, coding level "
            f"{c['coding_level']:g}, no write noise) the balanced BinaryBurst, whose hidden weight counts several bursts "
            f"before the bit flips, keeps a memory for {F(lt['binary_burst_balanced'])} later memories at initial SNR "
            f"{F(s0['binary_burst_balanced'])}, a bit written fully by one event for {F(lt['one_shot_bit'])} at SNR "
            f"{F(s0['one_shot_bit'])}: the graded weight buys lifetime with initial signal (not deciding: the verdict "
            "is on the forget times)")


def _importance_verdict(h, mc=None) -> Verdict:
    fg = h["forgetting"]
    pos = [fg[k]["rank_correlation"]["ci95"][0] > 0 for k in KINDS]
    v = "supported" if all(pos) else ("refuted" if not any(pos) else "qualified")
    expo = fg["balanced"].get("exponent")
    return Verdict(
        "importance", v, "forgetting.smaller_rank_correlation",
        "supported if the rank correlation of forget time with w has its lower 95 % bound above 0 under both kinds "
        "of interference (net-depressing and balanced), refuted if under neither, qualified otherwise; the deciding "
        "number is the smaller of the two correlations",
        f"interfering pairings at most one per slot, lags 1-20 ms: anti-causal at 2 Hz with causal at "
        f"{fg['depressing']['potentiate_hz']:g} Hz (net depressing) or {fg['balanced']['potentiate_hz']:.3g} Hz (zero "
        f"drift); stored 1s at w = theta + 0.05 ... 0.8; default a-; the forget time is linear in w - theta (Wald) only "
        f"under net-depressing interference (under balanced interference the median grows with exponent "
        f"{stats.fmt(expo, 3)} and is heavy-tailed); rank correlations: net-depressing "
        f"{stats.fmt(fg['depressing']['rank_correlation'], 3)}, balanced {stats.fmt(fg['balanced']['rank_correlation'], 3)}"
        + _importance_in_stream(mc),
        label=f"rank correlation of forget time with w, the smaller of the two kinds of interference "
              f"({fg['smaller_rank_correlation'].get('of', '')})", digits=3)


def verdicts(result: Result, others: dict | None = None) -> list:
    """The four binary-synapse claims. ``others`` (the report's other results, by experiment
    name) gives the rows their capacity cost where memory-capacity ran beside this experiment."""
    h = result.headline
    cost = _capacity_cost((others or {}).get("memory-capacity"))
    return [_threshold_verdict(h), _one_burst_verdict(h, cost), _immune_verdict(h, cost),
            _importance_verdict(h, (others or {}).get("memory-capacity"))]


def _lo_hi(v) -> tuple[float, float]:
    """The 95 % interval of an estimate, ``(0, bound)`` for an upper bound, the value twice else."""
    if stats.is_estimate(v):
        return tuple(v["ci95"])
    if stats.is_bound(v) and "at_most" in v:
        return 0.0, v["at_most"]
    x = stats.point(v)
    return x, x


def _capacity_cost(mc) -> str:
    """What one-burst writing costs in memory capacity (memory-capacity's stream), for the
    verdicts' conditions; says so where memory-capacity did not run in the same report."""
    if mc is None:
        return (". Capacity cost: not measured here (memory-capacity did not run in the same report; run "
                "`hebblab report` to join them)")
    h = mc.headline
    c, lt, s0, F = h["conditions"], h["lifetime_by_model"], h["snr_initial_by_model"], stats.fmt
    fr, levels = h.get("burst_written_lifetime_fraction", {}), h.get("burst_written_coding_levels", {})
    by_f = "; ".join(f"f = {levels[k]:g}: {F(v)}" for k, v in fr.items())
    return (f". Capacity cost (memory-capacity: a stream of independent balanced memories into N = "
            f"{c['n_synapses']:,} synapses, coding level {c['coding_level']:g}, no write noise): a bit written fully by "
            f"one event keeps its memory for {F(lt['one_shot_bit'])} later memories (initial SNR "
            f"{F(s0['one_shot_bit'])}), the article's BinaryBurst (default a-) {F(lt['binary_burst'])}"
            + (" (its causal burst outweighs the anti-causal one, so every bit fills with 1)"
               if stats.is_bound(lt["binary_burst"]) and stats.point(lt["binary_burst"]) <= 0 else "")
            + f", the burst-gated synapse "
            f"{F(lt['burst_gated'])} (SNR {F(s0['burst_gated'])}), "
            f"the balanced BinaryBurst {F(lt['binary_burst_balanced'])} (SNR {F(s0['binary_burst_balanced'])}), against "
            f"the slower two-state synapse's {F(lt['two_state'])}, the cascade's {F(lt['cascade'])} and the Benna-Fusi "
            f"chain's {F(lt['benna_fusi'])}; the best burst-written lifetime as a fraction of the best slower one's, by "
            f"coding level: {by_f}" + _calcium_bistability(h))


def _calcium_bistability(h) -> str:
    """The calcium-based bistable synapse's transitions (memory-capacity), for the binary rows."""
    cal = h.get("calcium_transition_probabilities")
    if not cal:
        return ""
    F = stats.fmt
    one = cal["one_burst"]["down_to_up"]
    words = ("a binary synapse, but not one written by one burst" if one["ci95"][1] < 0.5 else
             "a binary synapse that one burst writes in at least some synapses")
    return (f". A calcium-based bistable synapse (CalciumBistable, Graupner & Brunel 2012 cortical fit: two stable "
            f"efficacies, transitions driven by calcium crossing its thresholds) goes DOWN to UP in "
            f"{F(one, 3, True)} of synapses after one burst of the article's kind, and in "
            f"{F(cal['potentiation_protocol']['down_to_up'], 3, True)} after 30 pairings at +10 ms, 50 Hz: {words}")


#: what each figure shows and which claim of the article it tests (the report's captions)
CAPTIONS = {
    "binary_burst": "The article's binary burst synapse: (a) the weight from which a burst of 5 fires an IF neuron "
    "(the w > 0.2 threshold claim); (b, c) one burst's write and false-write probabilities against the lag, and "
    "their difference (the one-burst claim); (d) outputs unchanged under perturbation, binary against analog "
    "layers; (e, f) bits flipped by independent use (the immunity claim); (g, h) the time to forget against "
    "w - theta, and survival (the importance claim).",
    "burst_gating": "Bits flipped per minute by independent single-spike Poisson activity against the rate, for the "
    "article's BinaryBurst and the burst-gated synapse, each beside its closed form (the immunity claim; a marker "
    "at the bound where no flip was seen).",
}


register_experiment(Experiment(
    name="binary-burst",
    question="Does a binary synapse learn in one burst, keep the network's function under weight noise, resist "
             "random use, and is its analog weight the bit's importance?",
    about=("The article proposes binary synapses: one burst of about five spikes writes a bit, a weight above 0.2 "
           "transmits it (5 w >= 1 into an IF neuron of threshold 1), and the hidden analog weight says how hard the "
           "bit is to forget. (a) the IF threshold for a burst against leak; (b) one-burst write probability and the "
           "false-write probability of the same burst anti-causal against lag, under the calibrated write noise; "
           "(c) their difference, the specificity, with the default and the balanced depression step; (d) output "
           "spike counts of a binary and an analog layer reading the same hidden weights under the same unfiltered "
           "perturbations, for weights as written and farther from theta; (e) bits flipped against the amount of "
           "independent use at four rates; (f) the same use, storage format x step size; (g, h) time to forget "
           "against w under net-depressing and balanced interference. Second figure (burst gating): (a) bits "
           "flipped per minute against the rate of independent single-spike use for the article's synapse and a "
           "burst-gated synapse, with their closed forms; (b) the burst-gated synapse's one-burst write probability "
           "under write noise; (c) uninvolved bits and weights changed by burst-coded patterns."),
    config=Config,
    quick=dict(),
    full=dict(replicates=20, write_synapses=500, n_patterns=100, use_s=100.0, use_synapses=500, forget_s=400.0,
              forget_synapses=60, gating_rates_hz=(1.0, 2.0, 5.0, 10.0, 20.0, 30.0, 40.0), gating_synapses=500,
              gating_patterns=100),
    run=run, figures=figures, captions=CAPTIONS,
    summary=(
        Headline("one_burst.specificity.synapse", "one-burst write minus anti-causal false-write probability at 2 ms "
                 "lag, calibrated synapse noise, the article's synapse", percent=True),
        Headline("robustness.crossover_sd.as_written", "perturbation SD below which a binary layer keeps more outputs "
                 "unchanged than an analog one reading the same hidden weights", digits=2),
        Headline("use.flips.default", "bits flipped by 20 s of independent 10 Hz use, the article's synapse (default "
                 "a-)", percent=True),
        Headline("forgetting.smaller_rank_correlation", "rank correlation of forget time with w, the smaller of "
                 "net-depressing and balanced interference", digits=2),
        Headline("burst_gating.at_use_rate.binary_burst", "bits flipped per synapse per minute by independent 10 Hz "
                 "single-spike use, the article's synapse (BinaryBurst)", unit="per min"),
        Headline("burst_gating.at_use_rate.burst_gated", "bits flipped per synapse per minute by the same 10 Hz use, "
                 "burst-gated synapse (a bound where none flipped)", unit="per min"),
        Headline("burst_gating.at_max_rate.burst_gated", "bits flipped per synapse per minute by independent "
                 "single-spike use at the highest tested rate (40 Hz by default), burst-gated synapse", unit="per min"),
        Headline("burst_gated_write_probability.synapse", "one-burst write probability of the burst-gated synapse "
                 "under calibrated synapse noise", percent=True),
        Headline("burst_gating.survival.burst_gated.flips_uninvolved", "uninvolved bits flipped by burst-coded "
                 "patterns, burst-gated synapse (a bound where none flipped)", percent=True),
    ),
    finding=finding, verdicts=verdicts))
