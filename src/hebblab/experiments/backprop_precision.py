"""backprop-precision: what precision a trained network needs, and what writing it by STDP costs.

A small network (64 inputs, one hidden layer, 10 outputs) is trained by backpropagation on
scikit-learn's bundled 8x8 digits (1797 images, shipped with scikit-learn). Then:

* accuracy when every weight is rounded to 2^b levels (b = 1..8, symmetric uniform levels over
  each layer's range), and the fewest bits that lose at most 1 % accuracy;
* accuracy when the weights are written with STDP noise: a per-synapse gain (the calibrated
  "synapse" noise, log-normal, SD 0.63) and additive write errors of a given SD;
* the pairings and time to write the quantized network into synapses one at a time (a pairing
  drives one pre and one post neuron, so synapses sharing a neuron cannot be written in
  parallel; see the addressing experiment), with the open-loop write costs of write-cost
  (no noise) at the fastest pairing rate the triplet rule allows;
* a one-shot binary Hebbian learner on the same data: each training image, binarized, is written
  in one burst into the binary synapses of a new unit; a test image goes to the label of the unit
  with the largest normalized overlap.
"""

from __future__ import annotations

import math

import numpy as np
from pydantic import Field

from ..plasticity import calibrate_scatter
from ..units import ms
from .base import Experiment, ExperimentConfig, Result, progress_bar, register_experiment
from .write_cost import max_pairing_rate, n_reset, worst_level


class Config(ExperimentConfig):
    hidden: int = Field(32, ge=2, le=1024)
    max_iter: int = Field(400, ge=10, le=10_000)
    test_fraction: float = Field(0.3, gt=0.05, lt=0.9)
    noise_repeats: int = Field(5, ge=1, le=1000)
    a_max: float = Field(1 / 255, gt=0, le=1)


def quantize(w: np.ndarray, bits: int) -> np.ndarray:
    """Round to 2^bits levels spread uniformly over [-max|w|, max|w|]."""
    L = 2**bits
    lim = np.max(np.abs(w))
    if lim == 0:
        return w.copy()
    step = 2 * lim / (L - 1)
    return np.clip(np.round((w + lim) / step), 0, L - 1) * step - lim


def _accuracy(model, coefs, X, y):
    saved = model.coefs_
    model.coefs_ = coefs
    try:
        return float(np.mean(model.predict(X) == y))
    finally:
        model.coefs_ = saved


def one_shot_binary(Xtr, ytr, Xte, yte, threshold=0.5):
    """Each training image, binarized, becomes the binary weight vector of its own unit."""
    B = Xtr >= threshold
    T = Xte >= threshold
    overlap = T.astype(float) @ B.T.astype(float)
    norm = np.sqrt(np.maximum(B.sum(axis=1), 1))[None, :] * np.sqrt(np.maximum(T.sum(axis=1), 1))[:, None]
    pred = ytr[np.argmax(overlap / norm, axis=1)]
    return float(np.mean(pred == yte))


def run(config: Config, seed: int = 1, progress: bool = False) -> Result:
    import warnings

    from sklearn.datasets import load_digits
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.model_selection import train_test_split
    from sklearn.neural_network import MLPClassifier

    X, y = load_digits(return_X_y=True)
    X = X / 16.0
    Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=config.test_fraction, random_state=seed, stratify=y)
    model = MLPClassifier(hidden_layer_sizes=(config.hidden,), max_iter=config.max_iter, random_state=seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(Xtr, ytr)
    acc_float = float(model.score(Xte, yte))
    rng = np.random.default_rng(seed)
    with progress_bar(progress, 3, "backprop-precision") as bar:
        acc_bits = {b: _accuracy(model, [quantize(c, b) for c in model.coefs_], Xte, yte) for b in range(1, 9)}
        bar.advance()
        # STDP write noise: a fixed gain per synapse, and additive errors relative to each layer's range
        s = max(calibrate_scatter("synapse"))
        s2 = math.log1p(s * s)
        gains = []
        for _ in range(config.noise_repeats):
            coefs = [c * np.exp(math.sqrt(s2) * rng.standard_normal(c.shape) - s2 / 2) for c in model.coefs_]
            gains.append(_accuracy(model, coefs, Xte, yte))
        rel_sd = [0.01, 0.02, 0.05, 0.1, 0.2, 0.5]
        acc_noise = []
        for sd in rel_sd:
            accs = []
            for _ in range(config.noise_repeats):
                coefs = [c + sd * np.max(np.abs(c)) * rng.standard_normal(c.shape) for c in model.coefs_]
                accs.append(_accuracy(model, coefs, Xte, yte))
            acc_noise.append(float(np.mean(accs)))
        bar.advance()
        rate, _ = max_pairing_rate(10 * ms)
        bar.advance()
    ok = [b for b in range(1, 9) if acc_bits[b] >= acc_float - 0.01]
    bits_needed = min(ok) if ok else 9
    n_weights = int(sum(c.size for c in model.coefs_))
    b_write = min(bits_needed, 8)
    L = 2**b_write
    delta = 1.0 / (L - 1)
    m = max(1, math.ceil(delta / config.a_max - 1e-9))
    # each synapse: reset to the nearer bound, then k' m pairings to its level (no noise)
    levels = [np.clip(np.round((quantize(c, b_write) / max(np.max(np.abs(c)), 1e-12) + 1) / 2 * (L - 1)), 0, L - 1)
              for c in model.coefs_]
    kprime = np.concatenate([np.minimum(lv, L - 1 - lv).ravel() for lv in levels])
    pairings = int(n_weights * n_reset(config.a_max, 0.0, 0.0) + np.sum(kprime) * m)
    headline = {
        "accuracy_float": acc_float,
        "accuracy_by_bits": {str(b): a for b, a in acc_bits.items()},
        "bits_for_1pct_loss": bits_needed,
        "accuracy_synapse_noise": float(np.mean(gains)),
        "accuracy_by_write_error_sd": {f"{sd:g}": a for sd, a in zip(rel_sd, acc_noise)},
        "weights": n_weights,
        "pairings_to_write_network": pairings,
        "max_pairing_rate_hz": rate,
        "seconds_to_write_network": pairings / rate if rate > 0 else None,
        "hours_to_write_network": pairings / rate / 3600 if rate > 0 else None,
        "accuracy_one_shot_binary": one_shot_binary(Xtr, ytr, Xte, yte),
        "worst_level_pairings_per_synapse": int(n_reset(config.a_max, 0.0, 0.0) + worst_level(b_write) * m),
    }
    tables = {"bits": {"bits": list(acc_bits), "accuracy": list(acc_bits.values())},
              "write_error": {"relative_sd": rel_sd, "accuracy": acc_noise}}
    notes = [f"{n_weights} weights written one synapse at a time at {rate:.1f} Hz with no noise; with pairing noise "
             "each synapse would need the write-cost experiment's far larger counts.",
             "The one-shot binary learner stores every training image as a unit (one burst per image) and classifies "
             "by normalized overlap: no gradient, no analog weights."]
    return Result(headline, tables, notes)


def figures(result: Result):
    from matplotlib.figure import Figure
    h = result.headline
    fig = Figure(figsize=(10, 4))
    a1, a2 = fig.subplots(1, 2)
    b = result.tables["bits"]
    a1.plot(b["bits"], b["accuracy"], "o-", label="backprop, weights rounded")
    a1.axhline(h["accuracy_float"], color="k", ls="--", label=f"float ({h['accuracy_float']:.3f})")
    a1.axhline(h["accuracy_one_shot_binary"], color="#c33", ls=":", label=f"one-shot binary ({h['accuracy_one_shot_binary']:.3f})")
    a1.set(xlabel="bits per weight", ylabel="test accuracy", title="digits: accuracy vs weight precision", ylim=(0, 1.02))
    a1.legend(fontsize=8)
    e = result.tables["write_error"]
    a2.semilogx(e["relative_sd"], e["accuracy"], "o-", label="additive write error")
    a2.axhline(h["accuracy_synapse_noise"], color="#c33", ls=":", label="calibrated synapse gain noise")
    a2.set(xlabel="write error SD / weight range", ylabel="test accuracy", title="accuracy vs STDP write noise", ylim=(0, 1.02))
    a2.legend(fontsize=8)
    fig.tight_layout()
    return [("backprop_precision", fig)]


register_experiment(Experiment(
    name="backprop-precision",
    question="How many bits does a trained network need, and how long would writing it into synapses by STDP take?",
    about=("A small network trained by backpropagation on scikit-learn's digits keeps its accuracy down to a few bits "
           "per weight (left), but tolerates only small write errors (right). Writing it synapse by synapse with STDP "
           "takes the pairings and hours in the table, because a pairing addresses two neurons, not one synapse. A "
           "one-shot binary Hebbian learner (one burst per training image) is shown for comparison. It tests the "
           "article's claim that machine-learning weights cannot simply be written into biological synapses."),
    config=Config, quick=dict(), full=dict(hidden=64, noise_repeats=30),
    run=run, figures=figures))
