r"""backprop-precision: what precision a trained network needs, and what writing it by STDP costs.

Replicates: ``replicates`` independent networks, each with its own stratified train/test split of
scikit-learn's bundled 8x8 digits (1797 images, shipped with scikit-learn: no download), its own
initialisation, mini-batch order and noise draws; all are trained at once (the arrays carry a
leading replicate axis). Every accuracy and cost is a per-replicate number, reported as the mean
with Student's t 95 % interval (:mod:`hebblab.stats`).

1. The network: 64 inputs, ``hidden`` ReLU units, 10 softmax outputs (2,368 weights and 42
   biases at 32 hidden units), trained by mini-batch Adam (Kingma & Ba 2015, ICLR) on the mean
   cross-entropy plus ``l2/(2 B) sum w^2`` over the weights (the loss of scikit-learn's
   MLPClassifier), Glorot-uniform initial weights (Glorot & Bengio 2010).
2. Precision: each layer's weights AND biases (a bias is a synapse from an always-active unit) are
   rounded to ``L = 2^b`` levels spread uniformly over ``[-lim, lim]``, ``lim`` the layer's largest
   ``|w|`` or ``|bias|``: level ``k = round((w / lim + 1) (L - 1) / 2)`` (ties up), value
   ``q = (2 k / (L - 1) - 1) lim``. The bits for <= 1 point loss of a replicate are the fewest b
   from which every larger b (up to 8) keeps the test accuracy within ``loss_tolerance`` of its
   float network; past 8 it is a bound.
3. Write noise, applied to the quantized network of each replicate at its bits for 1 point loss,
   written by each scheme below: the calibrated per-synapse gain (log-normal, mean 1, SD
   sigma_+ = 0.56 for potentiating and sigma_- = 0.63 for depressing writes,
   :func:`hebblab.plasticity.calibrate_scatter`) multiplies the displacement a synapse is moved;
   the calibrated per-pairing noise (sigma_p = 4.4 / 4.9 per pairing) makes the displacement after
   n pairings ``d (1 + sigma_p Z / sqrt n)``; synapses stay within their range. Pairing noise
   averages out with M times the pairings of 1/M the step: the multiplier (interpolated in log M)
   and hours (each pairing of step s/M timed at that step; interpolated in log-log) at which the
   network written at 8 bits by scheme (b) comes within 1 point of its float network. Also
   additive errors of SD ``s lim`` on the float weights and biases (the write-error curve).
4. Write cost (noise-free), the same quantized network written two ways. A synapse's range is
   [0, 1] and one pairing moves it by at most ``a_max``; a distance d takes ``n = ceil(d / a_max)``
   pairings of step ``d / n``, and smaller steps take longer (write-cost's timing, below).

   (a) reset-then-count (the write-cost experiment's best open-loop scheme): the weight is the
   synapse value ``u = (w / lim + 1) / 2``; every synapse is first reset to the bound nearer its
   target (``n_reset(a_max, 0, 0)`` = 1/a_max pairings, depressing to 0 or potentiating to 1),
   then counted ``ceil(min(u, 1 - u) / a_max)`` pairings away from it. A weight of 0 sits at
   u = 1/2, the costliest level.

   (b) known zero state with an excitatory/inhibitory split: each weight is a synapse of its own
   sign that starts at 0 (newly formed or silent) and holds ``v = |w| / lim``; it is written by
   ``ceil(v / a_max)`` potentiating pairings, with no reset. The grid has no zero level (L = 2^b
   is even, the levels are symmetric about 0): a weight near 0 takes the level ``+-lim/(L-1)``,
   ``ceil(1 / ((L-1) a_max))`` pairings (17 at 4 bits); the quantizer is kept as it is (a grid
   with a zero level would have L - 1 levels) and the text says so.

   Times come from write-cost's :class:`~hebblab.experiments.write_cost.PairingRates`
   (``step_seconds(kind, s)``: a pairing of step ``s a_max`` at the fastest lag and rate of the
   triplet rule that give it, full steps at the rate of most change per second; resets are full
   steps). Pairings are sequential: a pairing drives one pre and one post neuron, and synapses
   that share a neuron cannot be written in parallel (see the addressing experiment).
5. One-shot binary Hebbian learners on the same splits: a unit's 64 binary synapses are a
   training image binarized at ``binary_threshold`` (one burst writes it); a test image goes to
   the label of the unit with the largest normalized overlap ``t . b / sqrt(|t| |b|)``. The
   comparison has as many binary synapses as the network has weights (2,368 / 64 = 37 units;
   unit i is a random training image of class i mod 10, averaged over ``one_shot_draws`` random
   picks per replicate); the larger form keeps every training image as a unit (1,257 units,
   80,448 synapses).

Bits for 1 point loss are integers per replicate: their mean with a t interval clipped to [1, 8],
or, when all replicates agree, the common value with an interval from the Wilson bound of the
share that could differ (:func:`discrete_bits`). The replicates' splits are drawn from one pool of
1,797 images, so the intervals reflect split and initialisation variation and are optimistic for
new data (Nadeau & Bengio 2003, Machine Learning 52:239).
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
from pydantic import Field

from .. import checkpoint, stats
from .. import fixed_order as F
from ..plasticity import calibrate_scatter
from ..rng import part_generator
from ..si import ms
from .base import Experiment, ExperimentConfig, Headline, Result, Verdict, progress_bar, register_experiment
from .write_cost import TRIPLET_LABELS, TripletFit, n_reset, pairing_rates

BITS = tuple(range(1, 9))
WRITE_ERROR_SD = (0.01, 0.02, 0.05, 0.1, 0.2, 0.5)
PAIRING_MULTIPLIERS = (1, 4, 16, 64, 256, 1024)
SCHEMES = ("reset_then_count", "zero_state_ei")
FEASIBLE_HOURS = 24.0


class Config(ExperimentConfig):
    replicates: int = Field(5, ge=2, le=200, description="independent networks (split, initialisation, noise)")
    hidden: int = Field(32, ge=2, le=512, description="hidden ReLU units")
    steps: int = Field(800, ge=10, le=50_000, description="Adam steps (mini-batches)")
    batch: int = Field(200, ge=1, le=2000, description="mini-batch size")
    learning_rate: float = Field(3e-3, gt=0, le=1, description="Adam step size")
    l2: float = Field(1e-4, ge=0, le=10, description="L2 penalty on the weights")
    test_fraction: float = Field(0.3, gt=0.05, lt=0.9, description="fraction of the images held out")
    noise_repeats: int = Field(5, ge=1, le=1000, description="noise draws per replicate and noise level")
    loss_tolerance: float = Field(0.01, gt=0, lt=0.5, description="accuracy loss allowed (fraction)")
    a_max: float = Field(1 / 255, gt=0, le=1, description="largest change of one pairing (fraction of range)")
    lag_ms: float = Field(10.0, ge=1.0, le=50, description="shortest lag of the pairings (ms; at least 10 engine "
                          "steps of 0.1 ms; write-cost's triplet-rule scan)")
    triplet: TripletFit = Field("visual_cortex_minimal", description="triplet-rule fit that times the pairings "
                                "(write-cost's PairingRates)")
    one_shot_draws: int = Field(20, ge=1, le=1000, description="random picks of the equal-synapse one-shot learner's "
                                "units per replicate (its accuracy is their mean)")
    binary_threshold: float = Field(0.5, gt=0, lt=1, description="pixel level (of 1) that makes a binary 1")


class Params(NamedTuple):
    """Network parameters with a leading replicate axis (and any noise axes after it)."""

    W1: np.ndarray  # (..., 64, H)
    b1: np.ndarray  # (..., 1, H)
    W2: np.ndarray  # (..., H, 10)
    b2: np.ndarray  # (..., 1, 10)


class Splits(NamedTuple):
    Xtr: np.ndarray  # (R, n_train, 64), pixels / 16
    ytr: np.ndarray  # (R, n_train)
    Xte: np.ndarray
    yte: np.ndarray
    seeds: list


def _rng(seed: int, stream: int) -> np.random.Generator:
    return part_generator(seed, stream)


def digits_splits(replicates: int, test_fraction: float, seed: int) -> Splits:
    """One stratified train/test split of the digits per replicate, each from its own seed."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    X, y = load_digits(return_X_y=True)
    X = X / 16.0
    seeds = [int(np.random.SeedSequence([int(seed), 1, r]).generate_state(1)[0] >> 1) for r in range(replicates)]
    parts = [train_test_split(X, y, test_size=test_fraction, random_state=s, stratify=y) for s in seeds]
    Xtr, Xte, ytr, yte = (np.stack([p[i] for p in parts]) for i in range(4))  # train_test_split's order
    return Splits(Xtr, ytr, Xte, yte, seeds)


def logits(p: Params, X: np.ndarray) -> np.ndarray:
    """``relu(X W1 + b1) W2 + b2``, broadcast over the leading axes (products summed in a fixed
    order, :mod:`hebblab.fixed_order`: rounded networks classify alike on every machine)."""
    return F.matmul(np.maximum(F.matmul(X, p.W1) + p.b1, 0.0), p.W2) + p.b2


def accuracy(p: Params, X: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Fraction of test images classified right, one value per network (all leading axes)."""
    return np.mean(np.argmax(logits(p, X), axis=-1) == y, axis=-1)


def loss_and_grads(p: Params, X: np.ndarray, Y: np.ndarray, l2: float) -> tuple[np.ndarray, Params]:
    r"""Loss per replicate and its gradient (backpropagation).

    ``J = -(1/B) sum_n sum_c Y_nc log softmax(o_n)_c + (l2 / 2B) (|W1|^2 + |W2|^2)`` with
    ``o = relu(X W1 + b1) W2 + b2``: ``dJ/do = (softmax(o) - Y) / B``, ``dJ/dW2 = h^T dJ/do``,
    ``dJ/dh = dJ/do W2^T``, ``dJ/dz = dJ/dh [z > 0]``, ``dJ/dW1 = X^T dJ/dz`` (+ ``l2 W / B``).
    """
    B = X.shape[-2]
    z = F.matmul(X, p.W1) + p.b1
    h = np.maximum(z, 0.0)
    o = F.matmul(h, p.W2) + p.b2
    o = o - o.max(axis=-1, keepdims=True)
    logp = o - F.log(F.sum_axis(F.exp(o), -1))

    def total(x):  # over the last two axes, in a fixed order
        return F.sum_axis(F.sum_axis(x, -1), -2)[..., 0, 0]

    J = -total(Y * logp) / B + l2 / (2 * B) * (total(p.W1**2) + total(p.W2**2))
    go = (F.exp(logp) - Y) / B
    gz = F.matmul(go, np.swapaxes(p.W2, -1, -2)) * (z > 0)
    grads = Params(F.matmul(np.swapaxes(X, -1, -2), gz) + l2 * p.W1 / B, F.sum_axis(gz, -2),
                   F.matmul(np.swapaxes(h, -1, -2), go) + l2 * p.W2 / B, F.sum_axis(go, -2))
    return J, grads


def init_params(R: int, n_in: int, hidden: int, n_out: int, rng: np.random.Generator) -> Params:
    """Glorot-uniform: ``U(-a, a)``, ``a = sqrt(6 / (fan_in + fan_out))``, biases too."""
    a1, a2 = math.sqrt(6 / (n_in + hidden)), math.sqrt(6 / (hidden + n_out))
    return Params(rng.uniform(-a1, a1, (R, n_in, hidden)), rng.uniform(-a1, a1, (R, 1, hidden)),
                  rng.uniform(-a2, a2, (R, hidden, n_out)), rng.uniform(-a2, a2, (R, 1, n_out)))


def train(splits: Splits, config: Config, rng: np.random.Generator) -> Params:
    r"""Mini-batch Adam, every replicate at once (its own shuffles): ``m <- 0.9 m + 0.1 g``,
    ``v <- 0.999 v + 0.001 g^2``, ``theta <- theta - lr sqrt(1 - 0.999^t) / (1 - 0.9^t) m / (sqrt v + 1e-8)``
    (Kingma & Ba 2015)."""
    Xtr, ytr = splits.Xtr, splits.ytr
    R, n, d = Xtr.shape
    Y = np.eye(10)[ytr]
    p = init_params(R, d, config.hidden, 10, rng)
    m = [np.zeros_like(a) for a in p]
    v = [np.zeros_like(a) for a in p]
    rows = np.arange(R)[:, None]
    batch = min(config.batch, n)
    pos = n
    for t in range(1, config.steps + 1):
        if pos + batch > n:  # a new epoch: every replicate's own shuffle
            order = np.argsort(rng.random((R, n)), axis=1)
            Xs, Ys, pos = Xtr[rows, order], Y[rows, order], 0
        xb, yb = Xs[:, pos:pos + batch], Ys[:, pos:pos + batch]
        pos += batch
        _, g = loss_and_grads(p, xb, yb, config.l2)
        scale = config.learning_rate * math.sqrt(1 - 0.999**t) / (1 - 0.9**t)
        new = []
        for i, (a, gi) in enumerate(zip(p, g)):
            m[i] = 0.9 * m[i] + 0.1 * gi
            v[i] = 0.999 * v[i] + 0.001 * gi * gi
            new.append(a - scale * m[i] / (np.sqrt(v[i]) + 1e-8))
        p = Params(*new)
    return p


# ---------------------------------------------------------------- quantization and the written values

def layer_limit(W: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``lim`` of a layer: its largest |weight| or |bias| (keeps the last two axes as 1, 1)."""
    return np.maximum(np.abs(W).max(axis=(-2, -1), keepdims=True), np.abs(b).max(axis=(-2, -1), keepdims=True))


def levels(w: np.ndarray, lim: np.ndarray, bits: int) -> np.ndarray:
    """Level index ``k = round((w / lim + 1) (L - 1) / 2)`` in 0..L-1, ``L = 2^bits`` even, ties up.

    Computed as ``L/2 + floor(w (L - 1) / (2 lim))`` (the same number, since L/2 is an integer):
    exact in sign at w -> 0, where the middle boundary lies. Training leaves some weights at
    ~1e-20 (the outgoing weights of hidden units that never fire); they take the level of their sign.
    """
    L = 2**bits
    return np.clip(L // 2 + np.floor(w * (L - 1) / (2.0 * lim)), 0, L - 1)


def level_value(k: np.ndarray, lim: np.ndarray, bits: int) -> np.ndarray:
    return (2.0 * k / (2**bits - 1) - 1.0) * lim


def quantize(w: np.ndarray, bits: int, lim: np.ndarray | float | None = None) -> np.ndarray:
    """Round to 2^bits levels spread uniformly over [-lim, lim] (default lim = max |w|)."""
    lim = np.max(np.abs(w)) if lim is None else lim
    if np.all(np.asarray(lim) == 0):
        return np.array(w, dtype=float)
    return level_value(levels(w, lim, bits), lim, bits)


def quantize_params(p: Params, bits: int, weights_only: bool = False) -> Params:
    """Each layer's weights and biases on one grid of 2^bits levels over +-lim (its own lim)."""
    l1, l2 = layer_limit(p.W1, p.b1), layer_limit(p.W2, p.b2)
    if weights_only:
        return Params(quantize(p.W1, bits, l1), p.b1, quantize(p.W2, bits, l2), p.b2)
    return Params(quantize(p.W1, bits, l1), quantize(p.b1, bits, l1), quantize(p.W2, bits, l2),
                  quantize(p.b2, bits, l2))


def _groups(p: Params):
    """(values, lim) for each of the four parameter groups (the biases share their layer's lim)."""
    l1, l2 = layer_limit(p.W1, p.b1), layer_limit(p.W2, p.b2)
    return [(p.W1, l1), (p.b1, l1), (p.W2, l2), (p.b2, l2)]


def synapse_targets(w: np.ndarray, lim: np.ndarray, scheme: str):
    """What a write must do to one synapse holding the (quantized) weight w.

    Returns ``(start, distance, up)``: the synapse starts at ``start`` (a bound) and is moved by
    ``distance`` (in units of its range) up (potentiation) or down (depression). (a)
    ``reset_then_count``: ``u = (w / lim + 1) / 2``, start at the nearer bound. (b)
    ``zero_state_ei``: start at 0, move up by ``|w| / lim``.
    """
    if scheme == "zero_state_ei":
        d = np.abs(w) / lim
        return np.zeros_like(d), d, np.ones(d.shape, bool)
    u = (w / lim + 1.0) / 2.0
    up = u <= 0.5
    return np.where(up, 0.0, 1.0), np.where(up, u, 1.0 - u), up


def written_params(q: Params, scheme: str, factor: np.ndarray | Params) -> Params:
    """The network as written: each synapse's displacement scaled by ``factor`` (per synapse),
    the synapse kept within its range, mapped back to weights."""
    out = []
    factors = factor if isinstance(factor, Params) else [factor] * 4
    for (w, lim), f in zip(_groups(q), factors):
        start, d, up = synapse_targets(w, lim, scheme)
        moved = np.clip(d * f, 0.0, 1.0)
        if scheme == "zero_state_ei":
            out.append(np.sign(w) * moved * lim)
        else:
            u = np.where(up, start + moved, start - moved)
            out.append((2.0 * np.clip(u, 0.0, 1.0) - 1.0) * lim)
    return Params(*out)


def write_pairings(q: Params, scheme: str, a_max: float) -> dict:
    """Noise-free pairings to write the quantized network, per replicate: ``depressing`` and
    ``potentiating`` pairings, of which ``reset`` are resets, and per parameter group the count
    pairings ``counts`` (``ceil(d / a_max)``), their step ``steps`` (``d / (n a_max)``, a fraction of
    a_max; 0 where n = 0) and ``up`` (counted by potentiation)."""
    reset = n_reset(a_max, 0.0, 0.0)
    R = q.W1.shape[0]
    dep, pot, res = np.zeros(R), np.zeros(R), np.zeros(R)
    counts, steps, ups = [], [], []
    for w, lim in _groups(q):
        _, d, up = synapse_targets(w, lim, scheme)
        n = np.ceil(d / a_max - 1e-9)
        counts.append(n)
        steps.append(np.where(n > 0, d / (np.maximum(n, 1) * a_max), 0.0))
        ups.append(up)
        axes = tuple(range(1, w.ndim))
        if scheme == "zero_state_ei":
            pot += n.sum(axis=axes)
        else:
            size = np.prod(w.shape[1:])
            res += reset * size
            pot += np.where(up, n, reset).sum(axis=axes)
            dep += np.where(up, reset, n).sum(axis=axes)
    return {"depressing": dep, "potentiating": pot, "reset": res, "counts": counts, "steps": steps, "up": ups,
            "scheme": scheme, "reset_per_synapse": reset}


def write_seconds(cost: dict, rates, multiplier: float = 1.0) -> dict:
    """Seconds per replicate to make the pairings of :func:`write_pairings`, each at its own step
    (``rates``: write-cost's :class:`~hebblab.experiments.write_cost.PairingRates`): resets are full
    steps (depressing to 0 for targets counted up, potentiating to 1 otherwise); the count of a
    synapse is ``M n`` pairings of step ``s / M`` (``M = multiplier``: more, smaller steps, for the
    pairing-noise sweep). Returns ``total``, ``reset`` and ``count`` (arrays over replicates)."""
    R = cost["depressing"].shape[0]
    reset_t, count_t = np.zeros(R), np.zeros(R)
    t_reset = {"down": float(rates.step_seconds("down", 1.0)), "up": float(rates.step_seconds("up", 1.0))}
    for n, st, up in zip(cost["counts"], cost["steps"], cost["up"]):
        axes = tuple(range(1, n.ndim))
        live = n > 0
        s = np.where(live, st / multiplier, 1.0)
        if cost["scheme"] == "zero_state_ei":
            per = rates.step_seconds("up", s)
        else:
            per = np.where(up, rates.step_seconds("up", s), rates.step_seconds("down", s))
            reset_t += (cost["reset_per_synapse"] * np.where(up, t_reset["down"], t_reset["up"])).sum(axis=axes)
        count_t += np.where(live, multiplier * n * per, 0.0).sum(axis=axes)
    return {"total": reset_t + count_t, "reset": reset_t, "count": count_t}


def noise_factors(q: Params, scheme: str, kind: str, sigma: tuple[float, float], counts: list, repeats: int,
                  rng: np.random.Generator) -> Params:
    """Per-synapse factors on the displacement, ``repeats`` draws on a new axis after the replicate.

    ``gain``: log-normal ``exp(s xi - s^2 / 2)``, ``s^2 = ln(1 + sigma^2)``, drawn once per synapse
    (Scatter's synapse model). ``pairing``: ``1 + sigma Z / sqrt(n)`` after n pairings
    (Scatter's pairing model, the mean of n independent ``1 + sigma xi``). sigma is
    ``sigma[0]`` for potentiating, ``sigma[1]`` for depressing displacements.
    """
    out = []
    for (w, lim), n in zip(_groups(q), counts):
        _, _, up = synapse_targets(w, lim, scheme)
        sig = np.where(up, sigma[0], sigma[1])[:, None]
        xi = rng.standard_normal((w.shape[0], repeats) + w.shape[1:])
        if kind == "gain":
            s2 = np.log1p(sig**2)
            out.append(F.exp(np.sqrt(s2) * xi - s2 / 2))
        else:
            out.append(1.0 + sig * xi / np.sqrt(np.maximum(n, 1.0))[:, None])
    return Params(*out)


def pairing_noise_sweep(q: Params, counts: list, sigma: tuple[float, float], repeats: int, splits: Splits,
                        rng: np.random.Generator) -> np.ndarray:
    """Accuracy (multiplier, replicate) of the network ``q`` written by scheme (b) under per-pairing
    noise when every write uses ``M`` times the noise-free pairings ``counts``, each ``1/M`` of the
    step: the relative error of a displacement falls as ``sigma / sqrt(M n)`` while the time grows
    faster than M, each smaller step taking longer (:func:`write_seconds`, :data:`PAIRING_MULTIPLIERS`)."""
    return np.array([noisy_accuracy(q, "zero_state_ei", noise_factors(q, "zero_state_ei", "pairing", sigma,
                                                                      [M * n for n in counts], repeats, rng), splits)
                     for M in PAIRING_MULTIPLIERS])


def _expand(p: Params) -> Params:
    return Params(*(a[:, None] for a in p))


def noisy_accuracy(q: Params, scheme: str, factors: Params, splits: Splits) -> np.ndarray:
    """Accuracy per replicate, averaged over the noise draws."""
    written = written_params(_expand(q), scheme, factors)
    return accuracy(written, splits.Xte[:, None], splits.yte[:, None]).mean(axis=1)


def additive_error_accuracy(p: Params, rel_sd: float, repeats: int, splits: Splits,
                            rng: np.random.Generator) -> np.ndarray:
    """Accuracy with ``w + rel_sd lim xi`` on every float weight and bias, mean over draws."""
    noisy = [a[:, None] + rel_sd * lim[:, None] * rng.standard_normal((a.shape[0], repeats) + a.shape[1:])
             for a, lim in _groups(p)]
    return accuracy(Params(*noisy), splits.Xte[:, None], splits.yte[:, None]).mean(axis=1)


# ---------------------------------------------------------------- one-shot binary learners

def one_shot_binary(Btr: np.ndarray, labels: np.ndarray, Xte: np.ndarray, yte: np.ndarray,
                    threshold: float) -> np.ndarray:
    """Accuracy per replicate of units whose binary synapses are ``Btr`` (R, units, 64): the test
    image (binarized) goes to the label of the unit with the largest ``t.b / sqrt(|t| |b|)``."""
    B = Btr.astype(float)
    T = (Xte >= threshold).astype(float)
    overlap = T @ np.swapaxes(B, -1, -2)
    norm = np.sqrt(np.maximum(T.sum(-1), 1))[..., :, None] * np.sqrt(np.maximum(B.sum(-1), 1))[..., None, :]
    best = np.argmax(overlap / norm, axis=-1)
    pred = np.take_along_axis(labels, best, axis=-1)
    return np.mean(pred == yte, axis=-1)


def class_in_turn(ytr: np.ndarray, units: int, rng: np.random.Generator) -> np.ndarray:
    """Indices (R, units) of training images: unit i is a random image of class i mod 10,
    drawn without replacement within its class."""
    out = np.empty((ytr.shape[0], units), int)
    cls = np.arange(units) % 10
    for r in range(ytr.shape[0]):
        for c in range(10):
            pick = np.flatnonzero(cls == c)
            out[r, pick] = rng.choice(np.flatnonzero(ytr[r] == c), size=pick.size, replace=False)
    return out


# ---------------------------------------------------------------- the experiment

def bits_needed(acc_bits: np.ndarray, acc_float: np.ndarray, tolerance: float) -> np.ndarray:
    """Fewest bits b (per replicate) such that every b' >= b keeps accuracy within ``tolerance``
    of the float network; ``inf`` if even 8 bits do not."""
    return first_within(acc_bits, acc_float, tolerance, BITS)


def first_within(acc: np.ndarray, acc_float: np.ndarray, tolerance: float, grid) -> np.ndarray:
    """Per replicate, the first grid value from which every later one keeps the accuracy within
    ``tolerance`` of the float network (``acc`` is (grid, replicates)); ``inf`` if none."""
    ok = acc >= acc_float[None, :] - tolerance - 1e-12
    tail = np.flip(np.logical_and.accumulate(np.flip(ok, 0), axis=0), 0)
    return np.where(tail.any(axis=0), np.asarray(grid, float)[np.argmax(tail, axis=0)], np.inf)


def crossing_multiplier(acc: np.ndarray, acc_float: np.ndarray, tolerance: float) -> np.ndarray:
    """Per replicate, the pairing multiplier M at which the accuracy comes within ``tolerance`` of
    the float network for good: log-linear interpolation between the last failing and the first
    passing grid value (``acc`` is (multiplier, replicate)); 1 if M = 1 passes; ``inf`` if none."""
    grid = np.log(np.asarray(PAIRING_MULTIPLIERS, float))
    first = first_within(acc, acc_float, tolerance, range(len(grid)))
    out = np.full(acc.shape[1], np.inf)
    for r, i in enumerate(first):
        if not np.isfinite(i):
            continue
        i = int(i)
        if i == 0:
            out[r] = 1.0
            continue
        target = acc_float[r] - tolerance
        a0, a1 = acc[i - 1, r], acc[i, r]
        x = grid[i - 1] + (grid[i] - grid[i - 1]) * (target - a0) / (a1 - a0) if a1 > a0 else grid[i]
        out[r] = float(np.exp(x))
    return out


def _geometric(values) -> dict:
    """Geometric mean with the t interval of the mean log (for quantities spread over decades)."""
    e = stats.estimate(np.log(np.asarray(values, float)))
    return {"mean": math.exp(e["mean"]), "ci95": [math.exp(e["ci95"][0]), math.exp(e["ci95"][1])], "n": e["n"],
            "scale": "geometric mean; interval of the mean log"}


def _est(values) -> dict:
    return stats.estimate(np.asarray(values, float))


def _at_bits(per_bits: dict, bits: np.ndarray) -> np.ndarray:
    """Per replicate, the value at that replicate's bits (8 where 8 bits were not enough)."""
    b = np.minimum(np.where(np.isfinite(bits), bits, 8), 8).astype(int)
    return np.array([per_bits[bb][r] for r, bb in enumerate(b)])


def _cost_value(values, bits):
    """An estimate, or a lower bound if some replicate needed more than 8 bits."""
    if np.all(np.isfinite(bits)):
        return _est(values)
    return stats.at_least(float(np.mean(values)), "some replicates need more than 8 bits; costs at 8 bits")


def discrete_bits(need: np.ndarray, lo: int = BITS[0], hi: int = BITS[-1]) -> dict:
    """The bits for <= 1 point loss over replicates (integers): a lower bound if some replicate
    needs more than ``hi``; otherwise the mean with Student's t interval clipped to ``[lo, hi]``,
    or, when every replicate needs the same b (a t or bootstrap interval would be [b, b]), b with
    the interval ``b +- u`` (within ``[lo, hi]``), ``u`` the Wilson upper bound of the share of
    replicates that could need another b (0 of n seen), each counted one bit away (the spread
    seen at other seeds)."""
    need = np.asarray(need, float)
    if not np.all(np.isfinite(need)):
        return stats.censored(need, hi, f"more than {hi} bits needed")
    n = need.size
    if np.all(need == need[0]):
        u = stats.proportion(0, n)["ci95"][1]
        b = float(need[0])
        return {"mean": b, "ci95": [max(lo, b - u), min(hi, b + u)], "n": int(n), "method": "agreement",
                "note": f"all {n} replicates need {b:g} bits; the interval allows up to {u:.0%} of replicates "
                        "(Wilson upper bound of 0 of n) one bit away"}
    e = stats.estimate(need)
    e["ci95"] = [max(lo, e["ci95"][0]), min(hi, e["ci95"][1])]
    return e


def loss_value(loss: np.ndarray, p: Params, q: Params, splits: Splits) -> dict:
    """Accuracy lost per replicate (float minus quantized): the mean with Student's t interval, or,
    when every replicate loses the same (a zero-width t interval), that loss with the interval
    ``+- u``, u the Wilson upper bound of the share of test images whose answer changes (pooled over
    replicates; a loss is at most that share)."""
    loss = np.asarray(loss, float)
    if np.ptp(loss) > 0:
        return stats.estimate(loss)
    changed = np.argmax(logits(p, splits.Xte), axis=-1) != np.argmax(logits(q, splits.Xte), axis=-1)
    u = stats.proportion(int(changed.sum()), int(changed.size))["ci95"][1]
    m = float(loss[0])
    return {"mean": m, "ci95": [m - u, m + u], "n": int(loss.size), "method": "agreement",
            "note": f"every replicate loses {m:g}; {int(changed.sum())} of {changed.size} test answers change "
                    f"(Wilson upper bound {u:.2%})"}


def hours_at_multiplier(hours_by_m: np.ndarray, mult: np.ndarray) -> np.ndarray:
    """Per replicate, the write's hours at the pairing multiplier ``mult`` (log-log interpolation
    between :data:`PAIRING_MULTIPLIERS`; ``hours_by_m`` is (multiplier, replicate))."""
    x = np.log(np.asarray(PAIRING_MULTIPLIERS, float))
    return np.array([math.exp(np.interp(math.log(m), x, np.log(hours_by_m[:, r]))) for r, m in enumerate(mult)])


def run(config: Config, seed: int = 1, progress: bool = False) -> Result:
    """The experiment (module docstring). BLAS runs on one thread: these matrices are small, and
    OpenBLAS's threads on a busy machine made each product about 100x slower."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1, user_api="blas"):
        return _run(config, seed, progress)


def trained_networks(config: Config, seed: int) -> tuple[Splits, Params]:
    """The replicates' splits and their trained networks, as :func:`run` makes them."""
    splits = digits_splits(config.replicates, config.test_fraction, seed)
    # a checkpoint unit (hebblab run --checkpoint-every; hebblab resume): training is seeded alone
    trained = checkpoint.unit("train", lambda: tuple(train(splits, config, _rng(seed, 2))))
    return splits, Params(*trained)


def _run(config: Config, seed: int, progress: bool) -> Result:
    R = config.replicates
    with progress_bar(progress, 4, "backprop-precision") as bar:
        splits, p = trained_networks(config, seed)
        bar.advance()
        acc_float = accuracy(p, splits.Xte, splits.yte)
        quantized = {b: quantize_params(p, b) for b in BITS}
        acc_bits = np.array([accuracy(quantized[b], splits.Xte, splits.yte) for b in BITS])
        acc_wonly = np.array([accuracy(quantize_params(p, b, weights_only=True), splits.Xte, splits.yte)
                              for b in BITS])
        need = bits_needed(acc_bits, acc_float, config.loss_tolerance)
        b_use = np.minimum(np.where(np.isfinite(need), need, 8), 8).astype(int)

        rates, _ = pairing_rates(config.lag_ms * ms, config.triplet)
        bar.advance()
        cost = {s: {b: write_pairings(quantized[b], s, config.a_max) for b in BITS} for s in SCHEMES}
        timed = {s: {b: write_seconds(c, rates) for b, c in cost[s].items()} for s in SCHEMES}
        seconds = {s: {b: t["total"] for b, t in timed[s].items()} for s in SCHEMES}
        pairings = {s: {b: c["depressing"] + c["potentiating"] for b, c in cost[s].items()} for s in SCHEMES}

        # noise on the network as written at each replicate's bits for 1 % loss
        sig_gain, sig_pair = calibrate_scatter("synapse"), calibrate_scatter("pairing")

        def noise():  # one checkpoint unit: its draws follow one another from the stream (seed, 3)
            rng = _rng(seed, 3)
            acc_noise = {}
            for kind, sig in (("gain", sig_gain), ("pairing", sig_pair)):
                for s in SCHEMES:
                    per_bits = {}
                    for b in sorted(set(b_use.tolist())):
                        q = quantized[b]
                        f = noise_factors(q, s, kind, sig, cost[s][b]["counts"], config.noise_repeats, rng)
                        per_bits[b] = noisy_accuracy(q, s, f, splits)
                    acc_noise[(kind, s)] = np.array([per_bits[bb][r] for r, bb in enumerate(b_use)])
            acc_additive = np.array([additive_error_accuracy(p, sd, config.noise_repeats, splits, rng)
                                     for sd in WRITE_ERROR_SD])
            # at 8 bits, whose noise-free loss is ~0: how many pairings until the pairing noise costs <= tolerance
            acc_more = pairing_noise_sweep(quantized[8], cost["zero_state_ei"][8]["counts"], sig_pair,
                                           config.noise_repeats, splits, rng)
            return acc_noise, acc_additive, acc_more

        acc_noise, acc_additive, acc_more = checkpoint.unit("noise", noise)
        bar.advance()

        n_weights = p.W1[0].size + p.W2[0].size
        n_biases = p.b1[0].size + p.b2[0].size
        units = n_weights // splits.Xtr.shape[-1]
        Btr = splits.Xtr >= config.binary_threshold
        rows = np.arange(R)[:, None]

        def one_shot():  # a checkpoint unit, drawn from the stream (seed, 4)
            orng = _rng(seed, 4)
            picks = (class_in_turn(splits.ytr, units, orng) for _ in range(config.one_shot_draws))
            equal = np.mean([one_shot_binary(Btr[rows, pick], splits.ytr[rows, pick], splits.Xte, splits.yte,
                                             config.binary_threshold) for pick in picks], axis=0)
            return equal, one_shot_binary(Btr, splits.ytr, splits.Xte, splits.yte, config.binary_threshold)

        acc_equal, acc_all = checkpoint.unit("one_shot", one_shot)
        bar.advance()

    pair_a = _at_bits(pairings["reset_then_count"], need)
    reset_a = _at_bits({b: c["reset"] for b, c in cost["reset_then_count"].items()}, need)
    # time of the resets alone: each reset is depressing (lower half) or potentiating (upper half)
    sec_reset = _at_bits({b: t["reset"] for b, t in timed["reset_then_count"].items()}, need)
    sec_a = _at_bits(seconds["reset_then_count"], need)
    pair_b = _at_bits(pairings["zero_state_ei"], need)
    sec_b = _at_bits(seconds["zero_state_ei"], need)
    mid = np.mean(np.concatenate([np.abs(w / lim).reshape(R, -1) for w, lim in _groups(p)], axis=1) < 0.5, axis=1)

    bits_value = discrete_bits(need)
    mult = crossing_multiplier(acc_more, acc_float, config.loss_tolerance)
    # hours of the 8-bit write with M times the pairings of 1/M the step, each timed at its step
    hours_by_m = np.array([write_seconds(cost["zero_state_ei"][8], rates, M)["total"] / 3600
                           for M in PAIRING_MULTIPLIERS])
    if np.all(np.isfinite(mult)):
        mult_value = _geometric(mult)
        hours_more_value = _geometric(hours_at_multiplier(hours_by_m, mult))
    else:
        reason = f"some replicates lose more than {config.loss_tolerance:.0%} even at {PAIRING_MULTIPLIERS[-1]}x"
        capped = np.where(np.isfinite(mult), mult, PAIRING_MULTIPLIERS[-1])
        mult_value = stats.at_least(float(np.exp(np.mean(np.log(capped)))), reason)
        hours_more_value = stats.at_least(float(np.exp(np.mean(np.log(hours_at_multiplier(hours_by_m, capped))))),
                                          reason)
    headline = {
        "accuracy_float": _est(acc_float),
        "accuracy_by_bits": {str(b): _est(acc_bits[i]) for i, b in enumerate(BITS)},
        "accuracy_loss_8bit_weights_and_biases": loss_value(acc_float - acc_bits[-1], p, quantized[8], splits),
        "bits_for_1pct_loss": bits_value,
        "accuracy_at_bits_for_1pct_loss": _est(_at_bits({b: acc_bits[i] for i, b in enumerate(BITS)}, need)),
        "accuracy_synapse_gain_noise": {s: _est(acc_noise[("gain", s)]) for s in SCHEMES},
        "accuracy_loss_synapse_gain_noise": {s: _est(acc_float - acc_noise[("gain", s)]) for s in SCHEMES},
        "accuracy_pairing_noise": {s: _est(acc_noise[("pairing", s)]) for s in SCHEMES},
        "accuracy_by_write_error_sd": {f"{sd:g}": _est(acc_additive[i]) for i, sd in enumerate(WRITE_ERROR_SD)},
        "one_shot_binary_equal_synapses": _est(acc_equal),
        "one_shot_binary_all_training_images": _est(acc_all),
        "one_shot_units_equal_synapses": int(units),
        "one_shot_synapses_all_training_images": int(splits.Xtr.shape[1] * splits.Xtr.shape[2]),
        "weights": int(n_weights),
        "biases": int(n_biases),
        "fraction_weights_in_middle_half_of_range": _est(mid),
        "write_reset_then_count": {
            "pairings": _cost_value(pair_a, need),
            "reset_pairings": int(reset_a[0]),
            "reset_share_of_pairings": _cost_value(reset_a / pair_a, need),
            "reset_share_of_time": _cost_value(sec_reset / sec_a, need),
            "hours": _cost_value(sec_a / 3600, need),
        },
        "write_zero_state_ei": {
            "pairings": _cost_value(pair_b, need),
            "hours": _cost_value(sec_b / 3600, need),
        },
        "seconds_per_synapse_zero_state_ei": _cost_value(sec_b / (n_weights + n_biases), need),
        "pairing_noise_zero_state_ei_8bit": {
            "pairings_multiplier_for_1pct_loss": mult_value,
            "hours_for_1pct_loss": hours_more_value,
        },
        "pairing_rates": {"depress_hz": rates.depress_hz, "depress_efficiency": rates.depress_efficiency,
                          "potentiate_hz": rates.potentiate_hz, "potentiate_efficiency": rates.potentiate_efficiency},
        "a_max": config.a_max,
        "loss_tolerance": config.loss_tolerance,
        "sigma_synapse_gain": {"potentiation": sig_gain[0], "depression": sig_gain[1]},
        "sigma_pairing": {"potentiation": sig_pair[0], "depression": sig_pair[1]},
    }
    kinds = {"write_reset_then_count.reset_pairings": "closed-form", "a_max": "setting", "loss_tolerance": "setting",
             "one_shot_units_equal_synapses": "deterministic",
             **{f"sigma_synapse_gain.{k}": "closed-form" for k in ("potentiation", "depression")},
             **{f"sigma_pairing.{k}": "closed-form" for k in ("potentiation", "depression")}}
    tables = {
        "bits": _bits_table(acc_bits, acc_wonly, pairings, seconds),
        "write_error": {"relative_sd": list(WRITE_ERROR_SD),
                        **_band(acc_additive, "accuracy")},
        "replicates": {"replicate": list(range(R)), "split_seed": splits.seeds, "accuracy_float": acc_float.tolist(),
                       "bits_for_1pct_loss": need.tolist(),
                       "accuracy_gain_noise_reset_then_count": acc_noise[("gain", "reset_then_count")].tolist(),
                       "accuracy_gain_noise_zero_state_ei": acc_noise[("gain", "zero_state_ei")].tolist(),
                       "one_shot_equal_synapses": acc_equal.tolist(), "one_shot_all_images": acc_all.tolist(),
                       "pairings_reset_then_count": pair_a.tolist(), "pairings_zero_state_ei": pair_b.tolist()},
        "bits_needed_distribution": _distribution(need),
        "timing": {"triplet_fit": [config.triplet], "one_shot_draws": [config.one_shot_draws],
                   "seconds_per_potentiating_pairing_full_step": [float(rates.step_seconds("up", 1.0))],
                   "seconds_per_potentiating_pairing_step_1_12.5": [float(rates.step_seconds("up", 1 / 12.5))],
                   "seconds_per_depressing_pairing_full_step": [float(rates.step_seconds("down", 1.0))]},
        "pairing_noise_sweep": {"pairings_multiplier": list(PAIRING_MULTIPLIERS), **_band(acc_more, "accuracy"),
                                **_band(hours_by_m, "hours")},
    }
    notes = [
        f"{R} replicates: each its own stratified train/test split ({splits.Xtr.shape[1]} / {splits.Xte.shape[1]} "
        "images), initialisation, mini-batch order and noise draws.",
        "Weights and biases are quantized on one grid per layer (a bias is a synapse from an always-active unit); "
        "the 'bits' table also gives the accuracy with float biases.",
        f"Pairings are sequential (synapses sharing a neuron cannot be written in parallel); full potentiating steps "
        f"at {rates.potentiate_hz:.1f} Hz, full depressing ones at {rates.depress_hz:.1f} Hz "
        f"({rates.depress_efficiency:.0%} of a 1 Hz pairing's step), every smaller step at the fastest lag and rate "
        f"that give it (a potentiating step of a_max/12.5: {rates.step_seconds('up', 1 / 12.5) * 1e3:.0f} ms), from "
        "write-cost's PairingRates; no read-back; counts are noise-free.",
        "The quantizer's grid is symmetric with no zero level: a weight near 0 takes the level +-lim/(L-1) "
        "(17 pairings at 4 bits in the zero-state scheme, the middle of the range in the reset scheme).",
        f"The one-shot comparison has {units} units x 64 binary synapses = {units * 64:,}, the network's "
        f"{n_weights:,} weights; unit i is a random training image of class i mod 10; its accuracy is the mean over "
        f"{config.one_shot_draws} random picks per replicate.",
        "The replicates' splits share one pool of 1,797 images: intervals reflect split and initialisation "
        "variation and are optimistic for new data (Nadeau & Bengio 2003).",
    ]
    return Result(headline, tables, notes, kinds)


def _band(values: np.ndarray, name: str) -> dict:
    """mean, lo, hi columns from (points, replicates) values."""
    es = [_est(v) for v in values]
    return {f"{name}_mean": [e["mean"] for e in es], f"{name}_lo": [e["ci95"][0] for e in es],
            f"{name}_hi": [e["ci95"][1] for e in es]}


def _bits_table(acc_bits, acc_wonly, pairings, seconds) -> dict:
    t = {"bits": list(BITS), **_band(acc_bits, "accuracy"), **_band(acc_wonly, "accuracy_float_biases")}
    for s in SCHEMES:
        t.update(_band(np.array([pairings[s][b] for b in BITS]), f"pairings_{s}"))
        t.update(_band(np.array([seconds[s][b] / 3600 for b in BITS]), f"hours_{s}"))
    return t


def _distribution(need: np.ndarray) -> dict:
    vals = [b for b in BITS] + [math.inf]
    return {"bits": [str(b) for b in BITS] + [">8"], "replicates": [int(np.sum(need == v)) for v in vals]}


# ---------------------------------------------------------------- figures, summary, finding, verdict

def _cols(table: dict, name: str) -> tuple[np.ndarray, list]:
    """Mean and asymmetric error-bar lengths of a table's ``name_mean/lo/hi`` columns."""
    m, lo, hi = (np.asarray(table[f"{name}_{k}"], float) for k in ("mean", "lo", "hi"))
    return m, [m - lo, hi - m]


def _band_line(ax, e: dict, color: str, ls: str, label: str) -> None:
    ax.axhspan(e["ci95"][0], e["ci95"][1], color=color, alpha=0.15, lw=0)
    ax.axhline(e["mean"], color=color, ls=ls, label=label)


def figures(result: Result):
    from matplotlib.figure import Figure
    h = result.headline
    fig = Figure(figsize=(17, 5.8))
    a1, a2, a3, a4 = fig.subplots(1, 4)
    t = result.tables["bits"]
    bits = np.asarray(t["bits"], float)
    for name, label, c, dx in (("accuracy", "weights and biases rounded", "C0", 0.0),
                               ("accuracy_float_biases", "weights rounded, float biases", "C7", 0.12)):
        m, err = _cols(t, name)
        a1.errorbar(bits + dx, m, yerr=err, fmt="o-", color=c, capsize=3, ms=4, label=f"backprop, {label}")
    _band_line(a1, h["accuracy_float"], "k", "--", f"float network ({h['weights']:,} weights, {h['biases']} biases)")
    _band_line(a1, h["one_shot_binary_equal_synapses"], "#c33", ":",
               f"comparison: one-shot binary, equal synapses ({h['one_shot_units_equal_synapses']} units x 64)")
    _band_line(a1, h["one_shot_binary_all_training_images"], "#e80", "-.",
               f"larger form: one unit per training image ({h['one_shot_synapses_all_training_images']:,} synapses)")
    a1.set(xlabel="bits per weight and bias", ylabel="test accuracy (mean, 95 % CI)",
           title="accuracy vs precision", ylim=(0, 1.02))
    a1.legend(fontsize=6.5, loc="upper center", bbox_to_anchor=(0.5, -0.16))

    e = result.tables["write_error"]
    m, err = _cols(e, "accuracy")
    a2.errorbar(e["relative_sd"], m, yerr=err, fmt="o-", capsize=3, color="C0", label="additive error on float weights")
    a2.set_xscale("log")
    _band_line(a2, h["accuracy_float"], "k", "--", "float network")
    for sch, c, lab in (("zero_state_ei", "#c33", "(b) zero state, E/I"), ("reset_then_count", "#36a", "(a) reset, count")):
        _band_line(a2, h["accuracy_synapse_gain_noise"][sch], c, ":", f"calibrated synapse gain, {lab}")
        _band_line(a2, h["accuracy_pairing_noise"][sch], c, "-.", f"calibrated pairing noise, {lab}")
    a2.set(xlabel="additive write error SD / layer's largest |weight|", ylabel="test accuracy (mean, 95 % CI)",
           title="accuracy vs write noise", ylim=(0, 1.02))
    a2.text(0.03, 0.6, "bands: calibrated noise on the network as written\nat its bits for 1 % loss, noise-free counts",
            transform=a2.transAxes, ha="left", fontsize=6.5, color="#555")
    a2.legend(fontsize=6.5, loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=2)  # below: keeps the bands clear

    for sch, c, lab in (("reset_then_count", "#36a", "(a) reset to nearer bound, then count"),
                        ("zero_state_ei", "#c33", "(b) from known zero state, E/I split")):
        m, err = _cols(t, f"hours_{sch}")
        a3.errorbar(bits, m, yerr=err, fmt="o-", color=c, capsize=3, label=lab)
    need = h["bits_for_1pct_loss"]
    if stats.is_estimate(need):
        a3.axvspan(need["ci95"][0], need["ci95"][1], color="#999", alpha=0.2, lw=0, label="bits for 1 % loss (95 % CI)")
    a3.set(xlabel="bits per weight and bias", ylabel="hours of sequential pairings (mean, 95 % CI)",
           title="time to write the network, noise-free", ylim=(0, None))
    a3.legend(fontsize=7)

    sw = result.tables["pairing_noise_sweep"]
    x = np.asarray(sw["hours_mean"], float)
    m, err = _cols(sw, "accuracy")
    a4.errorbar(x, m, yerr=err, fmt="o-", color="#c33", capsize=3,
                label="(b) at 8 bits, calibrated pairing noise, 1x-1024x the pairings")
    a4.set_xscale("log")
    _band_line(a4, h["accuracy_float"], "k", "--", "float network")
    fl = h["accuracy_float"]["mean"] - h["loss_tolerance"]
    a4.axhline(fl, color="#999", ls=":", label=f"float - {h['loss_tolerance'] * 100:g} point")
    a4.set(xlabel="hours of sequential pairings (mean over replicates)", ylabel="test accuracy (mean, 95 % CI)",
           title="pairing noise averages out, at a cost", ylim=(0.75, 1.0))
    a4.legend(fontsize=7, loc="center right")
    fig.tight_layout()
    return [("backprop_precision", fig)]


SUMMARY = (
    Headline("bits_for_1pct_loss", "bits per weight and bias for <= 1 point accuracy loss (digits, one hidden layer)",
             "bits", digits=2),
    Headline("write_zero_state_ei.hours", "hours to write the network from a known zero state, E/I split "
             "(sequential, noise-free)", "h", digits=2),
    Headline("write_reset_then_count.hours", "hours to write it by resetting every synapse, then counting "
             "(sequential, noise-free)", "h", digits=3),
    Headline("accuracy_synapse_gain_noise.zero_state_ei", "test accuracy when written (zero state, E/I) with the "
             "calibrated per-synapse gain noise, no read-back", percent=True, digits=3),
)


def _points(v: dict, digits: int = 2) -> str:
    """An accuracy difference (a fraction) in percentage points."""
    if stats.is_estimate(v):
        v = dict(v, mean=100 * v["mean"], ci95=[100 * c for c in v["ci95"]])
    return stats.fmt(v, digits, unit="points")


def _conditions(result: Result) -> str:
    h = result.headline
    r = h["pairing_rates"]
    fit = result.tables["timing"]["triplet_fit"][0]
    return (f"a {h['weights']:,}-weight (+{h['biases']} bias) network on scikit-learn's 8x8 digits, weights and biases "
            f"rounded on one grid per layer; one pairing moves a synapse by at most {h['a_max']:.4g} of its range; "
            "pairings sequential (synapses sharing a neuron cannot be written in parallel), full potentiating steps at "
            f"{r['potentiate_hz']:.1f} Hz, full depressing ones at {r['depress_hz']:.1f} Hz and every smaller step "
            f"timed at the fastest lag and rate that give it (triplet rule, {TRIPLET_LABELS[fit]}, write-cost's "
            "PairingRates); no read-back (open-loop writes); pairing counts noise-free unless noise is named, noise "
            "calibrated to Bi & Poo 1998 (hippocampal cultures, 1 Hz); the replicates' splits share one pool of 1,797 "
            "images, so the intervals reflect split and initialisation variation and are optimistic for new data "
            "(Nadeau & Bengio 2003)")


def finding(result: Result) -> str:
    h = result.headline
    f = stats.fmt
    dist = result.tables["bits_needed_distribution"]
    N = sum(dist["replicates"])
    dist_txt = ", ".join(f"{b} bits in {n} of {N}" for b, n in zip(dist["bits"], dist["replicates"]) if n)
    a, b = h["write_reset_then_count"], h["write_zero_state_ei"]
    g, pn = h["accuracy_synapse_gain_noise"], h["pairing_noise_zero_state_ei_8bit"]
    n = h["accuracy_float"]["n"]
    return (
        f"Over {n} replicates (each with its own train/test split, initialisation and noise), the backprop network "
        f"reaches {f(h['accuracy_float'], 3, True)} test accuracy; with weights and biases rounded to 1 bit "
        f"{f(h['accuracy_by_bits']['1'], 3, True)}, 4 bits {f(h['accuracy_by_bits']['4'], 3, True)}, and 8 bits lose "
        f"{_points(h['accuracy_loss_8bit_weights_and_biases'])}. The bits needed to lose at most "
        f"{h['loss_tolerance'] * 100:g} point are {f(h['bits_for_1pct_loss'], 2)} ({dist_txt} replicates). Written "
        f"into synapses one pairing at a time and noise-free, resetting every synapse to the bound nearer its target "
        f"and counting from there takes {f(a['pairings'], 3)} pairings, {f(a['hours'], 3, unit='h')}; the resets are "
        f"{f(a['reset_share_of_pairings'], 2, True)} of the pairings ({f(a['reset_share_of_time'], 2, True)} of the "
        f"time), and since a weight of 0 maps to the middle of the synapse's range, the costliest level, and "
        f"{f(h['fraction_weights_in_middle_half_of_range'], 2, True)} of the weights lie in the middle half, counting "
        f"costs near its maximum too. Written from a known zero state into synapses of the weight's sign (E/I split, "
        f"no resets) it takes {f(b['pairings'], 3)} pairings, {f(b['hours'], 2, unit='h')} "
        f"({f(h['seconds_per_synapse_zero_state_ei'], 2, unit='s')} per synapse; the time grows with the number of "
        f"synapses). Noise is what breaks it: with the calibrated per-synapse gain (fixed, never averaged out, not "
        f"readable) the written network scores {f(g['zero_state_ei'], 3, True)} (zero state, E/I) and "
        f"{f(g['reset_then_count'], 3, True)} (reset and count), a loss of "
        f"{_points(h['accuracy_loss_synapse_gain_noise']['zero_state_ei'])} at best. If the spread is per-pairing "
        f"noise instead, the noise-free counts give {f(h['accuracy_pairing_noise']['zero_state_ei'], 3, True)}; the "
        f"noise averages out with more, smaller steps, and the network written at 8 bits comes within "
        f"{h['loss_tolerance'] * 100:g} point of the float network with {f(pn['pairings_multiplier_for_1pct_loss'], 2)} "
        f"times the pairings, {f(pn['hours_for_1pct_loss'], 2, unit='h')} (geometric means); an additive error of 5 % of a layer's "
        f"largest weight costs little ({f(h['accuracy_by_write_error_sd']['0.05'], 3, True)}). A one-shot binary "
        f"Hebbian learner with as many binary synapses as the network has weights "
        f"({h['one_shot_units_equal_synapses']} units x 64, one random training image per class in turn, mean over "
        f"{result.tables['timing']['one_shot_draws'][0]} random picks per replicate) reaches "
        f"{f(h['one_shot_binary_equal_synapses'], 3, True)}; its larger form, every training image a unit "
        f"({h['one_shot_synapses_all_training_images']:,} synapses, "
        f"{h['one_shot_synapses_all_training_images'] / h['weights']:.0f} times as many), "
        f"{f(h['one_shot_binary_all_training_images'], 3, True)}. Conditions: {_conditions(result)}."
    )


def _decide(h: dict) -> tuple[str, str]:
    """The verdict on no-ml-weights and the key of the number that decides it (see :func:`verdicts`)."""
    hours = h["write_zero_state_ei"]["hours"]
    loss = h["accuracy_loss_synapse_gain_noise"]["zero_state_ei"]
    tol = h["loss_tolerance"]
    hi_hours = hours["ci95"][1] if stats.is_estimate(hours) else math.inf
    lo_hours = hours["ci95"][0] if stats.is_estimate(hours) else hours.get("at_least", math.inf)
    time_ok, time_bad = hi_hours <= FEASIBLE_HOURS, lo_hours > FEASIBLE_HOURS
    noise_ok, noise_bad = loss["ci95"][1] <= tol, loss["ci95"][0] > tol
    if time_ok and noise_ok:
        return "refuted", "write_zero_state_ei.hours"
    if time_bad and noise_bad:
        return "supported", "accuracy_loss_synapse_gain_noise.zero_state_ei"
    return "qualified", ("accuracy_loss_synapse_gain_noise.zero_state_ei" if not noise_ok
                         else "write_zero_state_ei.hours")


def verdicts(result: Result) -> list:
    h = result.headline
    verdict, key = _decide(h)
    tol = f"{h['loss_tolerance'] * 100:g} point"
    criterion = (f"T: hours to write the network noise-free from a known zero state with an E/I split, at the bits "
                 f"for {tol} loss; D: accuracy lost when it is so written with the calibrated per-synapse gain noise. "
                 f"Refuted if T's 95 % interval lies below {FEASIBLE_HOURS:g} h and D's below {tol} (writable within a "
                 f"day, and the noise keeps the accuracy); supported if T's lies above {FEASIBLE_HOURS:g} h and D's "
                 f"above {tol}; qualified otherwise, with the failing number as headline. Here T = "
                 f"{stats.fmt(h['write_zero_state_ei']['hours'], 2, unit='h')}, D = "
                 f"{_points(h['accuracy_loss_synapse_gain_noise']['zero_state_ei'])}.")
    per_syn = stats.point(h["seconds_per_synapse_zero_state_ei"])
    pn = h["pairing_noise_zero_state_ei_8bit"]["hours_for_1pct_loss"]
    hours = h["write_zero_state_ei"]["hours"]
    hi_hours = hours["ci95"][1] if stats.is_estimate(hours) else math.inf
    time_txt = (f"writing it takes less than {FEASIBLE_HOURS:g} h" if hi_hours <= FEASIBLE_HOURS else
                f"writing it may take more than {FEASIBLE_HOURS:g} h")
    loss = h["accuracy_loss_synapse_gain_noise"]["zero_state_ei"]
    noise_txt = ("the calibrated per-synapse gain costs more than the tolerance" if loss["ci95"][0] > h["loss_tolerance"]
                 else "the calibrated per-synapse gain may cost no more than the tolerance")
    conditions = (f"{_conditions(result)}. For this small network {stats.fmt(h['bits_for_1pct_loss'], 2)} bits "
                  f"suffice, {time_txt} noise-free, and {noise_txt} in an open-loop write. If the "
                  f"spread is per-pairing instead it averages out, at {stats.fmt(pn, 2, unit='h')} for this network. "
                  f"Read-back of the network's output (training in place) could correct fixed gains; not modelled. At "
                  f"the same cost per synapse ({per_syn:.2g} s) a 10^6-weight network would take about "
                  f"{per_syn * 1e6 / 86400:.0f} days of sequential pairings, noise-free.")
    label = {"accuracy_loss_synapse_gain_noise.zero_state_ei": "accuracy points lost when written (zero state, E/I) "
             "with the calibrated per-synapse gain noise"}.get(key, "")
    return [Verdict(claim="no-ml-weights", verdict=verdict, headline=key, criterion=criterion, conditions=conditions,
                    label=label, percent=bool(label))]


#: what each figure shows and which claim of the article it tests (the report's captions)
CAPTIONS = {
    "backprop_precision": "A backprop-trained digits network: test accuracy against the bits per weight and "
    "against additive write noise, the hours of sequential pairings to write it, and accuracy against hours when "
    "pairing noise is averaged out (95 % intervals over replicates). Tests the claim that storing the specific "
    "values a trained ML network needs is implausible with STDP.",
}


register_experiment(Experiment(
    name="backprop-precision",
    question="How many bits does a trained network need, and how long would writing it into synapses by STDP take?",
    about=("A small network trained by backpropagation on scikit-learn's digits, over independent replicates (own "
           "split and initialisation each). Left: test accuracy when weights and biases are rounded to 2^b levels, "
           "beside a one-shot binary Hebbian learner with the same number of binary synapses (the comparison) and "
           "its larger form that keeps every training image. Middle: accuracy under write noise: an additive error "
           "curve, and the calibrated per-synapse gain and per-pairing noise applied to the network as written. "
           "Right: the time to write the network one pairing at a time (synapses sharing a neuron cannot be "
           "written in parallel), (a) resetting every synapse to the nearer bound and counting to its level, (b) "
           "from a known zero state into synapses of the weight's sign. It decides the article's claim that storing "
           "specific values in specific synapses, as a trained ML network needs, is implausible."),
    config=Config, quick=dict(replicates=5), full=dict(replicates=20, noise_repeats=20),
    run=run, figures=figures, captions=CAPTIONS, summary=SUMMARY, finding=finding, verdicts=verdicts))
