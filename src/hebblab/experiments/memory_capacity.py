r"""memory-capacity: what one-shot writing costs in memory, against synapses with internal states.

N synapses store a stream of random memories (:mod:`hebblab.memory.stream`): memory m gives each
synapse, with probability f (the coding level; 1 here unless set), a candidate potentiation or
depression, equally likely, and each synapse model maps its state through its own potentiation or
depression (:mod:`hebblab.memory.models`; the candidate event of each model is the spike protocol
named in the tables). The signal of a probe memory is its overlap with the efficacies, measured
against the overlap of an unrelated pattern; the SNR is followed as later memories arrive.

Measured, per model, over independent replicates (each its own stream of memories and its own
synapses; the probes of one replicate are averaged first): the SNR against memory age, the
initial SNR (age 0: how strongly one event writes), the lifetime (the age where the mean SNR
falls to 1; a curve still above 1 at the last age gives a lower bound, one below 1 by age 1 an
upper bound of 1 memory), the lifetime against N, the power-law slope of the cascade's and the
Benna-Fusi chain's curves, and the area under each curve against Lahiri & Ganguli's bound
(:mod:`hebblab.memory.theory`).

Beside theory: the two-state synapse's closed form ``sqrt(N f) q (1 - f q)^a`` and lifetime
``ln(q sqrt(N f)) / (-ln(1 - f q))``; the exact mean field of every discrete-state model from its
matrices (two-state, cascade, the calcium synapse's two-state abstraction); slopes -1 (cascade,
as Fusi, Drew & Abbott 2005 state it) and -1/2 (Benna & Fusi 2016).

The engine check: two-state synapses and the article's BinaryBurst run through the spiking engine
(one-to-one SpikeSource pre and post neurons, each memory a 1 s slot in which a synapse with an
event gets its candidate protocol: one pre/post pairing at 2 ms for two-state, one burst of B
pairings for BinaryBurst), read out with the same patterns, against the stream.

The calcium-based synapse (:class:`~hebblab.plasticity.CalciumBistable`, cortical fit) enters the
stream as a two-state synapse whose four transition probabilities (down to up and up to down, for
the potentiation and the depression protocol) are measured with its own integrator, and memories
are taken far enough apart that rho has settled to one of its two stable states (its cubic drift,
tau = 346 s).
"""

from __future__ import annotations

import math
import warnings

import numpy as np
from pydantic import Field

from .. import stats
from ..memory import ages_grid, lifetime, models, run_stream, theory
from .base import Experiment, ExperimentConfig, Headline, Result, Verdict, progress_bar, register_experiment

Strength = float


class Config(ExperimentConfig):
    replicates: int = Field(5, ge=2, le=100, description="independent streams of memories per model")
    n_synapses: int = Field(10_000, ge=100, le=10_000_000, description="synapses N of the main curves")
    n_values: tuple[int, ...] = Field((100, 1000, 10_000), min_length=2, max_length=8,
                                      description="synapse counts of the lifetime-against-N curves")
    max_age: int = Field(1000, ge=10, le=1_000_000, description="oldest age read out (memories)")
    probes: int = Field(8, ge=1, le=200, description="probe memories per replicate")
    coding_level: float = Field(1.0, gt=0, le=1, description="probability that a memory gives a synapse an event")
    two_state_q: tuple[float, ...] = Field((0.01, 0.03, 0.1, 0.3, 1.0), min_length=1, max_length=10,
                                           description="switch probabilities of the two-state synapses")
    stdp_a: tuple[float, ...] = Field((0.01, 0.03, 0.1, 0.3), min_length=1, max_length=10,
                                      description="steps per pairing of additive and multiplicative STDP")
    headline_q: float = Field(0.1, gt=0, le=1, description="the two-state q of the main curves")
    headline_a: float = Field(0.05, gt=0, le=1, description="the STDP step of the main curves")
    cascade_n: int = Field(8, ge=2, le=20, description="metastates of the cascade")
    chain_m: int = Field(6, ge=2, le=10, description="variables of the Benna-Fusi chain")
    calcium_synapses: int = Field(4000, ge=100, le=1_000_000, description="synapses used to measure the calcium "
                                                                          "synapse's transition probabilities")
    spiking_synapses: int = Field(400, ge=50, le=100_000, description="synapses of the spiking-engine check")
    spiking_memories: int = Field(24, ge=5, le=2000, description="memories stored in the spiking-engine check")


def key(name: str) -> str:
    """A model's name as a headline key: dotted keys address nested values, so a decimal point
    in a name (q=0.1) is written p (q=0p1)."""
    return name.replace(".", "p")


def _stream_seed(seed: int, rep: int) -> int:
    return (int(seed) * 1_000_003 + rep) % (2**62)


def catalogue(config: Config, calcium=None) -> list:
    """The models of the main curves, in the figures' order."""
    out = [models.two_state(config.headline_q), models.two_state(1.0, "one-shot bit (two-state q = 1)"),
           models.additive(config.headline_a), models.multiplicative(config.headline_a), models.hebbian3(),
           models.binary_burst(), models.binary_burst(_balanced_binary_burst(), name="BinaryBurst, balanced bursts (bit)"),
           models.burst_gated(),
           models.cascade(config.cascade_n), models.benna_fusi(config.chain_m)]
    if calcium is not None:
        out.append(calcium)
    return out


def _balanced_binary_burst():
    """BinaryBurst with a- chosen so that the anti-causal burst undoes the causal one away from
    the bounds (the default rule's bursts are not symmetric: +0.209 against -0.088)."""
    from ..plasticity import BinaryBurst
    r = BinaryBurst()
    lag, isi, B = 2e-3, 5e-3, r.burst
    # causal: B a+ e^{-lag/t+} - (B-1) a- e^{-(isi-lag)/t-};  anti: -B a- e^{-lag/t-} + (B-1) a+ e^{-(isi-lag)/t+}
    ep, em = math.exp(-lag / r.tau_plus), math.exp(-lag / r.tau_minus)
    fp, fm = math.exp(-(isi - lag) / r.tau_plus), math.exp(-(isi - lag) / r.tau_minus)
    a_minus = r.a_plus * (B * ep + (B - 1) * fp) / (B * em + (B - 1) * fm)
    return BinaryBurst(a_minus=a_minus)


def calcium_model(config: Config, seed: int):
    """CalciumBistable (cortical fit) as a two-state synapse with measured transition
    probabilities: potentiation = 30 pairs at +10 ms, 50 Hz; depression = 75 pairs at -10 ms, 1 Hz.
    Also measured: what one burst of the article's kind (5 pairs at +2 ms, 5 ms apart) does."""
    from ..plasticity.calcium_bistable import apply_protocol, pairing_times
    n = config.calcium_synapses
    probs = {}
    protocols = {"pot": (50.0, 0.01, 30), "dep": (1.0, -0.01, 75), "burst": (200.0, 0.002, 5)}
    for k, (name, (f, lag, pairs)) in enumerate(protocols.items()):
        pre, post = pairing_times(f, lag, pairs)
        up = apply_protocol(np.zeros(n), pre, post, seed=seed, stream=4 * k + 1) > 0.5
        down = apply_protocol(np.ones(n), pre, post, seed=seed, stream=4 * k + 2) <= 0.5
        probs[name] = (int(up.sum()), int(down.sum()))
    p_up_pot, p_down_pot = probs["pot"][0] / n, probs["pot"][1] / n
    p_up_dep, p_down_dep = probs["dep"][0] / n, probs["dep"][1] / n
    Mp = np.array([[1 - p_up_pot, p_up_pot], [p_down_pot, 1 - p_down_pot]])
    Mm = np.array([[1 - p_up_dep, p_up_dep], [p_down_dep, 1 - p_down_dep]])
    model = models.Markov("CalciumBistable (two-state abstraction)", Mp, Mm, np.array([0.0, 1.0]),
                          event="30 pairs +10 ms at 50 Hz (potentiation) or 75 pairs -10 ms at 1 Hz (depression)")
    return model, {"one_burst": {"down_to_up": stats.proportion(probs["burst"][0], n),
                                 "up_to_down": stats.proportion(probs["burst"][1], n)},
                   "potentiation_protocol": {"down_to_up": stats.proportion(probs["pot"][0], n),
                                             "up_to_down": stats.proportion(probs["pot"][1], n)},
                   "depression_protocol": {"down_to_up": stats.proportion(probs["dep"][0], n),
                                           "up_to_down": stats.proportion(probs["dep"][1], n)}}


def _curves(model, n, ages, config, seed, stop=None):
    """Per-replicate mean SNR curves (replicates, ages)."""
    reps = []
    for r in range(config.replicates):
        snr = run_stream(model, n, ages, config.probes, config.coding_level, _stream_seed(seed, r), stream=7,
                         stop_below=stop)
        with np.errstate(invalid="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # ages after an early stop: all NaN
            reps.append(np.nanmean(snr, axis=0))
    return np.array(reps)


def _lifetime_value(ages, reps):
    vals = [lifetime(ages, c) for c in reps]
    kinds = {k for _, k in vals}
    x = [v for v, _ in vals]
    if kinds == {"measured"}:
        return stats.estimate(x)
    if "at_least" in kinds:
        return stats.at_least(float(np.mean(x)), f"{sum(k == 'at_least' for _, k in vals)} of {len(vals)} replicates "
                              f"still above SNR 1 at the last age read ({int(ages[-1])} memories)")
    top = float(max(x))
    why = "the SNR is below 1 already at age 0" if top == 0.0 else "the SNR falls below 1 within one further memory"
    return stats.at_most(top, f"{why} in {sum(k == 'at_most' for _, k in vals)} of {len(vals)} replicates")


def _est_or_value(values):
    v = np.asarray(values, float)
    return stats.estimate(v) if np.all(np.isfinite(v)) else None


def spiking_check(config: Config, seed: int) -> dict:
    """Two-state and BinaryBurst synapses in the spiking engine, driven by the stream's own
    patterns, against the stream (module docstring)."""
    from .. import Network, SpikeSource
    from ..memory import stream as S
    from ..plasticity import BinaryBurst, BurstGatedBinary, TwoStateStochastic
    n, T = config.spiking_synapses, config.spiking_memories
    f_thr = S.f_threshold(config.coding_level)
    slot, lag, isi = 1.0, 2e-3, 5e-3
    out = {}
    cases = (("two-state", TwoStateStochastic(q=config.headline_q), 1,
              lambda r: models.two_state(config.headline_q)),
             ("binary-burst", _balanced_binary_burst(), BinaryBurst().burst,
              lambda r: models.binary_burst(r, name="BinaryBurst, balanced bursts (bit)")),
             ("burst-gated", BurstGatedBinary(), BurstGatedBinary().burst, lambda r: models.burst_gated(r)))
    for label, rule, burst, make in cases:
        reps_engine, reps_stream, max_dw = [], [], 0.0
        ages = np.arange(0, min(T - config.probes, 12) + 1)
        for r in range(config.replicates):
            s_seed = _stream_seed(seed, 100 + r)
            keys = S.memory_keys(s_seed, 7, 0, T)
            pre_t, pre_i, post_t, post_i = [], [], [], []
            for m in range(T):
                h = np.array([S.hash_last_nb(keys[m], i) for i in range(n)], np.uint64)
                ev = (h >> np.uint64(32)) < np.uint64(f_thr)
                pot = ((h >> np.uint64(31)) & np.uint64(1)) == 1
                for i in np.flatnonzero(ev):
                    t0 = 0.1 + m * slot
                    for b in range(burst):
                        tp = t0 + b * isi
                        if pot[i]:
                            pre_t.append(tp), post_t.append(tp + lag)
                        else:
                            post_t.append(tp), pre_t.append(tp + lag)
                        pre_i.append(i), post_i.append(i)
            model = make(rule)
            markov = isinstance(model, models.Markov)
            start = model.initial(n, s_seed, 7) if markov else model.initial(n, s_seed, 7, 1.0)
            w0 = np.asarray(model.eff(start) if markov else start, float)
            net = Network(dt=1e-4, seed=s_seed, dtype=np.float64)  # float64: the weights compare exactly
            pre = net.add(SpikeSource(n=n, times=np.array(pre_t), indices=np.array(pre_i, np.int64)))
            post = net.add(SpikeSource(n=n, times=np.array(post_t), indices=np.array(post_i, np.int64)))
            syn = net.connect(pre, post, rule=rule, w=w0, connectivity="one_to_one")
            probe_keys = keys[:config.probes]
            engine = np.full((config.probes, ages.size), np.nan)
            mirror = np.full_like(engine, np.nan)
            w_stream = start.copy()
            for m in range(T):
                net.run(slot)  # memory m: spikes in [0.1 + m slot, 0.13 + m slot)
                model.advance(w_stream, keys[m:m + 1], f_thr)
                w_eng = np.asarray(syn.w, float)
                eff_eng = w_eng if markov else (w_eng >= rule.theta).astype(float)
                if not markov:  # deterministic: the engine's weights are the stream's
                    max_dw = max(max_dw, float(np.max(np.abs(w_eng - w_stream))))
                for k in range(config.probes):
                    a = m - k
                    if 0 <= a < ages.size:
                        engine[k, a] = S.snr_of(eff_eng, probe_keys[k:k + 1], f_thr, config.coding_level)[0]
                        mirror[k, a] = S.snr_of(model.eff(w_stream), probe_keys[k:k + 1], f_thr,
                                                config.coding_level)[0]
            reps_engine.append(np.nanmean(engine, axis=0))
            reps_stream.append(np.nanmean(mirror, axis=0))
        e, s_ = np.array(reps_engine), np.array(reps_stream)
        entry = {"ages": ages.tolist(), "engine": e.tolist(), "stream": s_.tolist()}
        if label != "two-state":
            entry["max_abs_weight_difference"] = max_dw
        out[label] = entry
    return out


def run(config: Config, seed: int = 1, progress: bool = False) -> Result:
    ages = ages_grid(config.max_age)
    N = config.n_synapses
    cal, cal_probs = calcium_model(config, seed)
    main = catalogue(config, cal)
    families = ([models.two_state(q) for q in config.two_state_q] + [models.additive(a) for a in config.stdp_a]
                + [models.multiplicative(a) for a in config.stdp_a])
    total = len(main) + len(families) + len(main) * len(config.n_values) + 1
    tables, headline, kinds = {}, {}, {}
    curves = {}
    with progress_bar(progress, total, "memory-capacity") as bar:
        for m in main:
            curves[m.name] = _curves(m, N, ages, config, seed)
            bar.advance()
        trade = []
        for m in families:
            reps = curves.get(m.name)
            if reps is None:
                reps = _curves(m, N, ages, config, seed, stop=0.3)
            trade.append((m, reps))
            bar.advance()
        vs_n = {}
        for m in main:
            for n in config.n_values:
                vs_n[(m.name, n)] = _lifetime_value(ages, _curves(m, n, ages, config, seed, stop=0.3))
                bar.advance()
        spiking = spiking_check(config, seed)
        bar.advance()

    # the main curves
    snr_tab = {"age": ages.tolist()}
    for name, reps in curves.items():
        mean = np.nanmean(reps, axis=0)
        half = np.array([stats.estimate(reps[:, j])["ci95"][1] - mean[j] if np.all(np.isfinite(reps[:, j])) else np.nan
                         for j in range(ages.size)])
        snr_tab[f"{name} mean"] = mean.tolist()
        snr_tab[f"{name} ci95 half"] = half.tolist()
    for m in main:
        if isinstance(m, models.Markov):
            snr_tab[f"{m.name} mean field"] = theory.markov_snr(m, ages, N, config.coding_level).tolist()
    tables["snr_by_age"] = snr_tab
    tables["models"] = {"key": [key(m.name) for m in main], "name": [m.name for m in main],
                        "candidate_event": [m.event for m in main]}
    headline["lifetime_by_model"] = {key(m.name): _lifetime_value(ages, curves[m.name]) for m in main}
    headline["snr_initial_by_model"] = {key(m.name): stats.estimate(curves[m.name][:, 0]) for m in main}
    headline["two_state_lifetime_theory"] = {key(f"q={q:g}"): theory.two_state_lifetime(N, q, config.coding_level)
                                             for q in config.two_state_q}
    kinds.update({f"two_state_lifetime_theory.{key(f'q={q:g}')}": "closed-form" for q in config.two_state_q})
    # slopes over the covered ranges
    casc = next(m for m in main if m.name.startswith("cascade"))
    hi_c = min(2 ** (config.cascade_n - 1), config.max_age)
    headline["cascade_power_law_exponent"] = _est_or_value(
        [theory.fitted_slope(ages, c, 5, hi_c) for c in curves[casc.name]])
    headline["cascade_power_law_range"] = [5, hi_c]
    chain = next(m for m in main if isinstance(m, models.Chain))
    hi_b = min(int(chain.slowest_time() / 8), config.max_age)
    headline["benna_fusi_exponent"] = _est_or_value([theory.fitted_slope(ages, c, 10, hi_b) for c in curves[chain.name]])
    headline["benna_fusi_range"] = [10, hi_b]
    kinds.update({"cascade_power_law_range": "setting", "benna_fusi_range": "setting"})
    # the area under each curve against Lahiri & Ganguli's bound (discrete-state models, f = 1)
    area = {}
    for m in main:
        if isinstance(m, models.Markov) and config.coding_level == 1.0:
            mf = theory.markov_snr(m, np.arange(0, config.max_age + 1), N)
            area[key(m.name)] = {"area_mean_field": float(mf.sum()),
                            "bound": theory.lahiri_ganguli_area_bound(N, m.n_states), "states": m.n_states}
    headline["area_vs_lahiri_ganguli"] = area
    for name in area:
        kinds[f"area_vs_lahiri_ganguli.{name}.area_mean_field"] = "closed-form"
        kinds[f"area_vs_lahiri_ganguli.{name}.bound"] = "closed-form"
        kinds[f"area_vs_lahiri_ganguli.{name}.states"] = "setting"
    # lifetime against N
    headline["lifetime_vs_N"] = {key(name): {str(n): vs_n[(name, n)] for n in config.n_values} for name in curves}
    tab = {"model": [], "N": [], "lifetime": [], "kind": [], "ci95_low": [], "ci95_high": []}
    for (name, n), v in vs_n.items():
        tab["model"].append(name)
        tab["N"].append(n)
        tab["lifetime"].append(stats.point(v))
        tab["kind"].append(stats.kind_of(v))
        ci = v.get("ci95", [None, None])
        tab["ci95_low"].append(ci[0])
        tab["ci95_high"].append(ci[1])
    tables["lifetime_vs_N"] = tab
    # Benna-Fusi against a two-state synapse written as strongly (same initial SNR), at the largest N
    n_big = max(config.n_values)
    bf_life = vs_n[(chain.name, n_big)]
    s0 = headline["snr_initial_by_model"][key(chain.name)]["mean"] * math.sqrt(n_big / N)
    q_match = min(1.0, s0 / math.sqrt(n_big * config.coding_level))
    one = theory.two_state_lifetime(n_big, q_match, config.coding_level)
    headline["lifetime_ratio_bennafusi_vs_onestate"] = (
        {k: (v / one if isinstance(v, float) else v) for k, v in bf_life.items()} if one > 0 and "mean" in bf_life
        else ({"at_least": stats.point(bf_life) / one} if one > 0 and "at_least" in bf_life else None))
    if headline["lifetime_ratio_bennafusi_vs_onestate"] and "ci95" in headline["lifetime_ratio_bennafusi_vs_onestate"]:
        headline["lifetime_ratio_bennafusi_vs_onestate"]["ci95"] = [x / one for x in bf_life["ci95"]]
    headline["onestate_matched_q"] = q_match
    kinds["onestate_matched_q"] = "deterministic"
    # the trade-off: initial SNR against lifetime
    trow = {"model": [], "family": [], "strength": [], "snr_initial": [], "lifetime": [], "lifetime_kind": []}
    for m, reps in trade + [(m, curves[m.name]) for m in main]:
        fam = m.name.split(" a=")[0].split(" q=")[0]
        lt = _lifetime_value(ages, reps)
        trow["model"].append(m.name)
        trow["family"].append(fam)
        trow["strength"].append(m.strength)
        trow["snr_initial"].append(float(np.mean(reps[:, 0])))
        trow["lifetime"].append(stats.point(lt))
        trow["lifetime_kind"].append(stats.kind_of(lt))
    tables["tradeoff"] = trow
    # calcium synapse
    headline["calcium_transition_probabilities"] = cal_probs
    from ..plasticity.calcium_bistable import sjostrom_frequency_dw
    freqs = (0.1, 1.0, 10.0, 20.0, 30.0, 40.0, 50.0)
    dw_p = sjostrom_frequency_dw(freqs, 0.01, n_synapses=config.calcium_synapses // 2, seed=seed)
    dw_m = sjostrom_frequency_dw(freqs, -0.01, n_synapses=config.calcium_synapses // 2, seed=seed + 1)
    tables["calcium_sjostrom"] = {"frequency_hz": list(freqs), "dw_plus10ms": [float(x) for x in dw_p],
                                  "dw_minus10ms": [float(x) for x in dw_m]}
    # Sjostrom et al. 2001: +10 ms potentiates at 20 Hz and above and changes little at 0.1 Hz;
    # -10 ms depresses at 0.1-10 Hz and potentiates at 40-50 Hz
    ok = (all(d > 0 for f, d in zip(freqs, dw_p) if f >= 20) and all(d < 0 for f, d in zip(freqs, dw_m) if f <= 10)
          and all(d > 0 for f, d in zip(freqs, dw_m) if f >= 40))
    headline["calcium_sjostrom_signs_ok"] = bool(ok)
    # the spiking engine against the stream
    sp = {}
    for label, e in spiking.items():
        eng, st = np.array(e["engine"]), np.array(e["stream"])
        sp[label] = {"snr_age0_engine": stats.estimate(eng[:, 0]), "snr_age0_stream": stats.estimate(st[:, 0]),
                     "snr_age1_engine": stats.estimate(eng[:, 1]), "snr_age1_stream": stats.estimate(st[:, 1])}
        if "max_abs_weight_difference" in e:
            sp[label]["max_abs_weight_difference"] = e["max_abs_weight_difference"]
            kinds[f"spiking_check.{label}.max_abs_weight_difference"] = "deterministic"
    headline["spiking_check"] = sp
    tables["spiking_check"] = {"age": spiking["two-state"]["ages"],
                               **{f"{lab} {src} mean": np.mean(np.array(spiking[lab][src]), axis=0).tolist()
                                  for lab in spiking for src in ("engine", "stream")}}
    headline["conditions"] = {"n_synapses": N, "coding_level": config.coding_level, "max_age": config.max_age,
                              "probes": config.probes}
    kinds.update({f"conditions.{k}": "setting" for k in headline["conditions"]})
    notes = [models.MODELS_NOTE]
    return Result(headline=headline, tables=tables, notes=notes, kinds=kinds)


def figures(result: Result):
    from matplotlib.figure import Figure
    h = result.headline
    t = result.tables["snr_by_age"]
    ages = np.array(t["age"], float)
    N = h["conditions"]["n_synapses"]
    names = list(result.tables["models"]["name"])
    from matplotlib import colormaps
    palette = colormaps["tab20"].colors
    colors = {name: palette[(2 * k) % 20 if k < 10 else (2 * k + 1) % 20] for k, name in enumerate(names)}
    fig = Figure(figsize=(20, 11))
    (a1, a2, a5), (a3, a4, a6) = fig.subplots(2, 3)
    x = np.maximum(ages, 0.5)  # age 0 drawn at 0.5 on the log axis
    for name in names:
        y = np.array(t[f"{name} mean"], float)
        e = np.array(t[f"{name} ci95 half"], float)
        keep = y > 0
        a1.plot(x[keep], y[keep], color=colors[name], lw=1.5, label=name)
        a1.fill_between(x[keep], np.maximum(y - e, 1e-3)[keep], (y + e)[keep], color=colors[name], alpha=0.15, lw=0)
        mf = t.get(f"{name} mean field")
        if mf is not None:
            mf = np.array(mf, float)
            a1.plot(x[mf > 0], mf[mf > 0], color=colors[name], lw=1, ls="--")
    a1.axhline(1.0, color="#999", lw=1, ls=":")
    for slope, lo, hi, label in ((-1.0, 5, 128, "slope -1"), (-0.5, 10, 1000, "slope -1/2")):
        hi = min(hi, ages[-1])
        if hi > lo:
            xs = np.array([lo, hi], float)
            a1.plot(xs, 30 * (xs / lo) ** slope, color="#555", lw=0.8, ls=(0, (1, 2)))
            a1.text(hi, 30 * (hi / lo) ** slope, label, fontsize=7, color="#555")
    a1.set(xscale="log", yscale="log", xlabel="memory age (memories stored since; age 0 drawn at 0.5)",
           ylabel="SNR of the memory (mean over replicates; band 95 %)", ylim=(0.1, None),
           title=f"memory curves, N = {N:,} synapses (dashed: exact mean field of the discrete-state models)")
    a1.legend(fontsize=6, loc="upper right", ncol=2)
    # lifetime against N
    tab = result.tables["lifetime_vs_N"]
    for name in names:
        rows = [(n, v, k) for m, n, v, k in zip(tab["model"], tab["N"], tab["lifetime"], tab["kind"]) if m == name]
        ns = np.array([r[0] for r in rows], float)
        vs = np.array([max(r[1], 0.3) for r in rows], float)
        a2.plot(ns, vs, color=colors[name], marker="o", ms=3, lw=1, label=name)
        for n, v, k in rows:
            if k == "bound":
                a2.annotate("", (n, max(v, 0.3) * (1.6 if v >= 1 else 0.6)), (n, max(v, 0.3)),
                            arrowprops=dict(arrowstyle="->", color=colors[name], lw=0.8))
    nn = np.logspace(math.log10(min(tab["N"])), math.log10(max(tab["N"])), 50)
    q = float(names[0].split("q=")[1]) if "q=" in names[0] else 0.1
    a2.plot(nn, [max(theory.two_state_lifetime(int(n), q), 0.3) for n in nn], color=colors[names[0]], ls="--", lw=1,
            label=f"two-state q={q:g}: ln(q sqrt N)/(-ln(1-q))")
    a2.set(xscale="log", yscale="log", xlabel="synapses N", ylabel="lifetime (memories until SNR = 1; arrows: bounds)",
           title="lifetime against N")
    a2.legend(fontsize=6, loc="upper left")
    # the trade-off
    tr = result.tables["tradeoff"]
    fams = list(dict.fromkeys(tr["family"]))
    for fam in fams:
        rows = [(s, l, k, m) for f_, s, l, k, m in zip(tr["family"], tr["snr_initial"], tr["lifetime"],
                                                     tr["lifetime_kind"], tr["model"]) if f_ == fam]
        xs = [r[0] for r in rows]
        ys = [max(r[1], 0.3) for r in rows]
        a3.plot(xs, ys, marker="o", ms=4, lw=1, label=fam)
        for s, l, k, m in rows:
            if k == "bound":
                a3.annotate("", (s, max(l, 0.3) * (1.6 if l >= 1 else 0.6)), (s, max(l, 0.3)),
                            arrowprops=dict(arrowstyle="->", lw=0.8, color="#555"))
            if "one-shot" in m or "BinaryBurst" in m:
                a3.annotate(m, (s, max(l, 0.3)), fontsize=6, xytext=(4, 4), textcoords="offset points")
    qq = np.logspace(-3, 0, 60)
    a3.plot(np.sqrt(N) * qq, [max(theory.two_state_lifetime(N, q_), 0.3) for q_ in qq], color="#444", ls="--", lw=1,
            label="two-state theory")
    a3.set(xscale="log", yscale="log", xlabel="initial SNR (how strongly one event writes)",
           ylabel="lifetime (memories; arrows: bounds)", title="writing fast against keeping long")
    a3.legend(fontsize=6, loc="lower left")
    # the spiking engine against the stream
    sc = result.tables["spiking_check"]
    for lab, col in (("two-state", "#1f77b4"), ("binary-burst", "#e377c2"), ("burst-gated", "#ff7f0e")):
        a4.plot(sc["age"], sc[f"{lab} stream mean"], color=col, lw=2, alpha=0.5, label=f"{lab}: stream")
        a4.plot(sc["age"], sc[f"{lab} engine mean"], color=col, lw=0, marker="o", ms=4, label=f"{lab}: spiking engine")
    a4.set(xlabel="memory age", ylabel="SNR (mean over replicates)",
           title="spiking engine (SpikeSource protocols) against the stream, same patterns")
    a4.legend(fontsize=7)
    # Lahiri & Ganguli's bound on the area under the memory curve
    area = h.get("area_vs_lahiri_ganguli", {})
    if area:
        labels = list(area)
        shown = dict(zip(result.tables["models"]["key"], result.tables["models"]["name"]))
        ys = np.arange(len(labels))
        a5.barh(ys + 0.2, [area[k]["area_mean_field"] for k in labels], height=0.4, color="#1f77b4",
                label="area under the mean-field memory curve")
        a5.barh(ys - 0.2, [area[k]["bound"] for k in labels], height=0.4, color="#bbb",
                label="bound sqrt(N) (M - 1), M = states")
        a5.set_yticks(ys, [f"{shown.get(k, k)} (M = {area[k]['states']})" for k in labels], fontsize=7)
        a5.set(xscale="log", xlabel="memories x SNR", title="area under the memory curve against Lahiri & Ganguli 2013")
        a5.legend(fontsize=7, loc="lower right")
    # the calcium synapse against Sjostrom's protocol
    cs = result.tables.get("calcium_sjostrom")
    if cs:
        a6.plot(cs["frequency_hz"], cs["dw_plus10ms"], marker="o", label="+10 ms (pre before post)")
        a6.plot(cs["frequency_hz"], cs["dw_minus10ms"], marker="s", label="-10 ms (post before pre)")
        a6.axhline(0, color="#999", lw=1)
        a6.set(xscale="log", xlabel="pairing frequency (Hz)", ylabel="relative change of the mean efficacy",
               title="CalciumBistable (cortical fit), 75 pairs: Sjostrom et al. 2001's protocol")
        a6.legend(fontsize=7)
    fig.tight_layout()
    return [("memory_capacity", fig)]


def finding(result: Result) -> str:
    h = result.headline
    c = h["conditions"]
    lt = h["lifetime_by_model"]
    s0 = h["snr_initial_by_model"]
    f = stats.fmt
    names = list(lt)
    one = next(n for n in names if n.startswith("one-shot"))
    two = names[0]
    bf = next(n for n in names if n.startswith("Benna"))
    casc = next(n for n in names if n.startswith("cascade"))
    bb = next(n for n in names if n == "BinaryBurst (bit)")
    gated = next(n for n in names if n.startswith("burst-gated"))
    cal = h["calcium_transition_probabilities"]["one_burst"]["down_to_up"]
    return (f"With N = {c['n_synapses']:,} synapses and every synapse given a candidate event by every memory "
            f"(coding level {c['coding_level']:g}), a synapse that writes its bit in one event (the one-shot bit) starts "
            f"with the largest signal (SNR {f(s0[one])}) and loses it to the next memory (lifetime {f(lt[one])} "
            f"memories); the two-state synapse written with probability 0.1 starts at SNR {f(s0[two])} and lasts "
            f"{f(lt[two])} memories (theory {h['two_state_lifetime_theory'].get('q=0p1', float('nan')):.3g}). The cascade "
            f"lasts {f(lt[casc])} and the Benna-Fusi chain {f(lt[bf])} memories, with power-law slopes "
            f"{f(h['cascade_power_law_exponent'])} (stated theory -1) and {f(h['benna_fusi_exponent'])} (theory -0.5). "
            f"The article's BinaryBurst, driven by balanced causal and anti-causal bursts, has initial SNR "
            f"{f(s0[bb])}: its causal burst (+0.21) outweighs the anti-causal one (-0.09), so the bits fill with 1s. "
            f"The burst-gated synapse (a burst pairing moves its hidden weight by 0.3, so a strongly stored 1 needs "
            f"several erasing bursts) starts at SNR {f(s0[gated])} and lasts {f(lt[gated])} memories. "
            f"The calcium-based bistable synapse switches in {f(cal, percent=True)} of one-burst pairings from DOWN: "
            f"it does not learn in one burst. "
            f"Conditions: candidate events, no write noise, memories independent and balanced.")


def verdicts(result: Result) -> list:
    h = result.headline
    lt = h["lifetime_by_model"]
    one = next(n for n in lt if n.startswith("one-shot"))
    bf = next(n for n in lt if n.startswith("Benna"))
    v = lt[one]
    fast_forgets = stats.is_bound(v) and "at_most" in v and v["at_most"] <= 1.0
    return [Verdict(
        claim="one-burst-and-immune",
        verdict="refuted" if fast_forgets else "qualified",
        headline=f"lifetime_by_model.{one}",
        criterion="refuted if a bit written in one event is overwritten within one further memory (lifetime at most "
                  "1) in the dense stream, while slower or complex synapses keep memories longer",
        conditions=f"stream of independent balanced memories, every synapse an event per memory, N = "
                   f"{h['conditions']['n_synapses']:,}; a Benna-Fusi chain keeps them {stats.fmt(lt[bf])} memories",
        label="lifetime of a one-shot bit (memories until SNR 1)", unit="memories")]


CAPTIONS = {
    "memory_capacity": "A stream of random memories into N synapses (the one-burst-and-immune claim): (a) the SNR of a "
    "memory against its age for every model, dashed the exact mean field of the discrete-state ones; (b) the lifetime "
    "(age at SNR 1) against N, arrows marking bounds; (c) how strongly one event writes (initial SNR) against how long "
    "the memory lasts, per model family and write strength, the one-shot bits marked; (d) the spiking engine, driven "
    "by SpikeSource protocols, against the abstract stream on the same patterns; (e) the area under each "
    "discrete-state model's memory curve against Lahiri & Ganguli's bound; (f) the calcium-based synapse's "
    "change against pairing frequency at +-10 ms (its fit to Sjostrom et al. 2001).",
}


register_experiment(Experiment(
    name="memory-capacity",
    question="What does learning in one burst cost in memory capacity, and do synapses with internal states escape "
             "the trade-off?",
    about=("A stream of random memories into N synapses (every synapse a candidate potentiation or depression per "
           "memory): the SNR of each memory as later ones arrive, its lifetime, the lifetime against N, and the "
           "initial SNR against the lifetime, for two-state synapses at several q including q = 1 (one-shot), "
           "additive and multiplicative STDP, Brain Simulator II's Hebbian3, the article's BinaryBurst, the cascade "
           "(Fusi, Drew & Abbott 2005), the Benna-Fusi chain (2016) and a calcium-based bistable synapse (Graupner "
           "& Brunel 2012), beside the closed forms and Lahiri & Ganguli's area bound."),
    config=Config,
    quick=dict(),
    full=dict(replicates=10, n_synapses=100_000, n_values=(100, 1000, 10_000, 100_000, 1_000_000), max_age=10_000,
              probes=16, calcium_synapses=20_000, spiking_synapses=2000, spiking_memories=40),
    run=run,
    figures=figures,
    captions=CAPTIONS,
    summary=(
        Headline("lifetime_by_model.one-shot bit (two-state q = 1)", "one-shot bit: lifetime", "memories"),
        Headline("lifetime_by_model.two-state q=0p1", "two-state q = 0.1: lifetime", "memories"),
        Headline("lifetime_by_model.burst-gated (bit)", "burst-gated bit: lifetime", "memories"),
        Headline("lifetime_by_model.Benna-Fusi m=6", "Benna-Fusi chain (m = 6): lifetime", "memories"),
        Headline("calcium_transition_probabilities.one_burst.down_to_up", "CalciumBistable: DOWN to UP in one burst",
                 percent=True),
        Headline("cascade_power_law_exponent", "cascade: slope of log SNR against log age (stated theory -1)"),
        Headline("benna_fusi_exponent", "Benna-Fusi: slope of log SNR against log age (theory -0.5)"),
    ),
    finding=finding,
    verdicts=verdicts,
))
