"""Intervals and bounds (hebblab.stats) against closed forms and coverage simulated in plain numpy."""

import math

import numpy as np
import pytest

from hebblab import stats


def test_t_interval_by_hand():
    # five replicates 1..5: mean 3, SD sqrt(2.5), t_{0.975,4} = 2.7764451051977987 (tables)
    e = stats.estimate([1, 2, 3, 4, 5])
    half = 2.7764451051977987 * math.sqrt(2.5) / math.sqrt(5)
    assert e["mean"] == 3 and e["n"] == 5
    assert e["ci95"] == pytest.approx([3 - half, 3 + half], rel=1e-12)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_t_interval_covers_the_true_mean_95_percent_of_the_time(seed):
    rng = np.random.default_rng(seed)
    trials = 2000
    normal = sum(lo <= 2.0 <= hi for lo, hi in (stats.estimate(rng.normal(2.0, 1.0, 5))["ci95"] for _ in range(trials)))
    skewed = sum(lo <= 2.0 <= hi for lo, hi in (stats.estimate(rng.exponential(2.0, 20))["ci95"] for _ in range(trials)))
    # exact for normal replicates (binomial SD of the coverage over 2000 trials: 0.005); skewed
    # (exponential) replicates at n = 20 lose about 3 points, a known property of the t interval
    assert 0.935 <= normal / trials <= 0.965
    assert 0.89 <= skewed / trials <= 0.95


def test_wilson_interval_by_hand():
    # 8 of 10: Wilson (z = 1.959964) gives [0.4902, 0.9433] (Newcombe 1998, Stat. Med. 17:857, table I style)
    p = stats.proportion(8, 10)
    z = 1.959963984540054
    centre = (0.8 + z * z / 20) / (1 + z * z / 10)
    half = z * math.sqrt(0.8 * 0.2 / 10 + z * z / 400) / (1 + z * z / 10)
    assert p["ci95"] == pytest.approx([centre - half, centre + half])
    assert p["ci95"] == pytest.approx([0.4902, 0.9433], abs=1e-4)
    assert stats.proportion(0, 50)["ci95"][0] == 0.0 and stats.proportion(0, 50)["ci95"][1] > 0


def test_bootstrap_interval_of_a_mean_matches_the_normal_interval():
    rng = np.random.default_rng(4)
    x = rng.normal(10.0, 2.0, 400)
    b = stats.bootstrap(x, np.mean, seed=5, n_resamples=4000)
    se = np.std(x, ddof=1) / 20
    assert b["mean"] == pytest.approx(np.mean(x))
    assert b["ci95"][0] == pytest.approx(np.mean(x) - 1.96 * se, abs=0.25 * se)
    assert b["ci95"][1] == pytest.approx(np.mean(x) + 1.96 * se, abs=0.25 * se)


def test_censored_replicates_make_a_lower_bound():
    assert stats.is_estimate(stats.censored([1.0, 2.0, 3.0], limit=10.0))
    b = stats.censored([1.0, np.inf, 3.0], limit=10.0)
    assert b["at_least"] == pytest.approx((1 + 10 + 3) / 3) and b["censored"] == 1 and b["n"] == 3
    assert stats.kind_of(b) == "bound"
    assert stats.fmt(b) == ">= 4.67"


def test_formats_and_kinds():
    e = {"mean": 0.3123, "ci95": [0.29, 0.335], "n": 5}
    assert stats.fmt(e, 3, percent=True) == "31.2 [29.0, 33.5] %"
    assert stats.fmt(6933.09) == "6,933"
    assert stats.fmt(12, unit="bits") == "12 bits"
    assert stats.kind_of(e) == "replicated" and stats.kind_of(1.0) == "deterministic"
    assert stats.kind_of(1.0, "closed-form") == "closed-form"
    rows = dict(stats.leaves({"a": e, "b": {"c": 1, "d": stats.at_least(3)}}))
    assert set(rows) == {"a", "b.c", "b.d"}


def test_refuses_what_is_not_a_set_of_replicates():
    with pytest.raises(ValueError, match="at least 2"):
        stats.estimate([1.0])
    with pytest.raises(ValueError, match="finite"):
        stats.estimate([1.0, np.inf])
    with pytest.raises(ValueError, match="successes"):
        stats.proportion(3, 2)
