"""What every experiment owes the report: a complete run folder, numbers that say how sure they
are, declared summaries, findings and verdicts, and a README that quotes the current code.

Each experiment's own expectations (closed forms, independent simulations, published numbers)
are in tests/test_exp_<name>.py.
"""

import json
from pathlib import Path

import pytest

from hebblab import stats
from hebblab.claims import CLAIMS, decide
from hebblab.experiments import EXPERIMENTS
from hebblab.experiments.base import VERDICTS
from hebblab.summary import current_block, markdown

ROOT = Path(__file__).resolve().parents[1]
NAMES = ["stdp-window", "write-cost", "use-drift", "binary-burst", "associative-memory", "addressing",
         "backprop-precision", "song-abbott", "memory-capacity"]


def test_all_nine_experiments_are_registered_in_the_reports_order():
    assert list(EXPERIMENTS) == NAMES


@pytest.mark.parametrize("name", NAMES)
def test_run_folder_is_complete(quick_run, name):
    folder, result = quick_run(name)
    cfg = json.loads((folder / "config.json").read_text())
    assert cfg["experiment"] == name and cfg["seed"] == 1 and cfg["backend"] == "numba"
    assert {"hebblab_version", "date", "config"} <= set(cfg)
    results = json.loads((folder / "results.json").read_text())
    assert set(results) == {"headline", "kinds", "notes"}
    # every headline value has a kind, and structured values carry theirs
    keys = [k for k, _ in stats.leaves(result.headline)]
    assert sorted(results["kinds"]) == sorted(keys)
    assert set(results["kinds"].values()) <= set(stats.KINDS)
    assert list((folder / "figures").glob("*.svg")) or list((folder / "figures").glob("*.png"))
    assert list((folder / "tables").glob("*.csv"))
    html = (folder / "report.html").read_text()
    assert ("data:image/svg+xml;base64," in html or "data:image/png;base64," in html) and name in html


@pytest.mark.parametrize("name", NAMES)
def test_replicated_numbers_have_intervals_and_enough_replicates(quick_run, name):
    _, result = quick_run(name)
    kinds = result.all_kinds()
    for key, value in stats.leaves(result.headline):
        if stats.is_estimate(value):
            lo, hi = value["ci95"]
            assert lo <= value["mean"] <= hi, key
            if kinds[key] == "replicated":
                assert value["n"] >= 5, f"{name}: {key} has n = {value['n']} replicates in --quick"
        assert kinds[key] in stats.KINDS


@pytest.mark.parametrize("name", NAMES)
def test_presets_ask_for_five_replicates_quick_and_twenty_full(name):
    exp = EXPERIMENTS[name]
    assert "replicates" in exp.config.model_fields, f"{name}: no replicates setting"
    assert exp.make_config("quick").replicates >= 5
    assert exp.make_config("full").replicates >= 20


@pytest.mark.parametrize("name", NAMES)
def test_summary_finding_and_verdicts_are_declared(quick_run, name):
    exp = EXPERIMENTS[name]
    _, result = quick_run(name)
    assert exp.summary, f"{name} declares no summary headlines"
    for h in exp.summary:
        result.get(h.key)  # the declared key exists
        assert h.label and h.text(result)
    assert exp.finding is not None and len(exp.finding(result)) > 80
    for v in (exp.verdicts(result) if exp.verdicts else []):
        assert v.verdict in VERDICTS and v.criterion and v.conditions
        result.get(v.headline)


def test_every_claim_of_the_article_gets_a_verdict_from_its_experiment(quick_run):
    results = {name: quick_run(name)[1] for name in NAMES}
    rows = decide(results)
    assert [r["id"] for r in rows] == [c.id for c in CLAIMS]
    assert len(rows) == len(CLAIMS) == 12
    for row in rows:
        assert row["verdict"] in VERDICTS, row
        assert row["value"] is not None and row["criterion"] and row["conditions"]
        assert set(row) >= {"claim", "verdict", "experiment", "headline", "value", "ci95"}


def test_readme_block_is_what_the_current_code_produces_for_seed_1(quick_run):
    """The README's claims, headline table and findings come from a seed-1 quick report
    (scripts/update_readme.py writes them); this fails when they are stale."""
    runs = [(EXPERIMENTS[name], quick_run(name)[1]) for name in NAMES]
    claims = decide({exp.name: r for exp, r in runs})
    expected = markdown(runs, claims, seed=1)
    readme = (ROOT / "README.md").read_text()
    assert current_block(readme) == expected, "README is stale: run .venv/bin/python scripts/update_readme.py"
