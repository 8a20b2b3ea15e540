"""Every experiment that declares checkpoint units resumes to the uninterrupted result.

For each experiment (small settings): a plain run; the same run with a checkpoint active
(``hebblab run --checkpoint-every 0s`` does this), which must not change a number; then half of
its unit files deleted, as a kill between writes would leave it, and the run again from that
checkpoint: it computes exactly the deleted units, reads the others back, and gives the same
headline and tables. This is what ``hebblab resume`` relies on: a unit's value depends on the
config and seed only, not on what ran before it. (tests/test_resume.py kills real runs with
SIGKILL through the CLI.)
"""

import inspect
import json
from pathlib import Path

import pytest

from hebblab import checkpoint as ck
from hebblab.experiments import EXPERIMENTS

ROOT = Path(__file__).resolve().parents[1]
#: the experiments that declare checkpoint units, at small settings (song-abbott's units and its
#: learning run's network stage are killed and resumed for real in tests/test_resume.py)
SMALL = {
    "memory-capacity": dict(replicates=2, n_synapses=2000, n_values=(100, 500), max_age=100, probes=4,
                            coding_levels=(1.0, 0.2), calcium_synapses=200, spiking_synapses=200, spiking_memories=8),
    "stdp-window": dict(replicates=2, n_synapses=400, bootstrap_resamples=200, ml_resamples=100),
}


def _declares_units(name) -> bool:
    return "checkpoint.unit" in inspect.getsource(inspect.getmodule(EXPERIMENTS[name].run))


def test_the_experiments_with_units_are_the_ones_tested_and_documented():
    have = {name for name in EXPERIMENTS if _declares_units(name)}
    assert have == set(SMALL) | {"song-abbott"}
    doc = (ROOT / "docs" / "save-format.md").read_text()
    limits = doc[doc.index("Limits:"):]
    for name in have:
        assert name in limits, name


def _text(result) -> str:
    return json.dumps({"headline": result.headline, "tables": result.tables, "notes": result.notes},
                      sort_keys=True, default=repr)


def _small(name):
    exp = EXPERIMENTS[name]
    want = SMALL[name]
    fields = exp.config.model_fields
    return exp, exp.make_config("quick", {k: v for k, v in want.items() if k in fields})


@pytest.mark.parametrize("name", sorted(SMALL))
def test_a_checkpointed_run_resumed_after_losing_units_is_the_uninterrupted_run(name, tmp_path):
    exp, config = _small(name)
    plain = _text(exp.run(config, seed=3))
    folder = tmp_path / "ckpt"
    with ck.active(folder, 0.0) as c:
        assert _text(exp.run(config, seed=3)) == plain  # keeping a checkpoint changes nothing
    units = sorted((folder / "units").glob("*.zip"))
    assert len(units) >= 3, f"{name} declares {len(units)} checkpoint units"
    assert c.computed == len(units)
    lost = units[::2]
    for p in lost:
        p.unlink()
    with ck.active(folder, 0.0) as c:
        assert _text(exp.run(config, seed=3)) == plain
    assert (c.computed, c.reused) == (len(lost), len(units) - len(lost))
