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
    "use-drift": dict(replicates=2, synapses_per_group=20, duration_s=10.0, use_period_s=5.0, layer_s=4.0,
                      dt_check_s=2.0, rates_hz=(5.0, 10.0), layer_in=20, layer_out=4),
    "write-cost": dict(),
    "associative-memory": dict(m=60, n=60, k=5, l=5, memories=4, memories_per_network=2, n_recall=50,
                               n_recall_noisy=20, activity_s=2.0, replicates=5, palimpsest_n=500, palimpsest_patterns=10,
                               capacity_n=(200, 400)),
    "backprop-precision": dict(replicates=2, steps=300),
    "binary-burst": dict(replicates=2, write_synapses=40, n_patterns=10, use_s=4.0, use_synapses=40, forget_s=20.0,
                         forget_synapses=10, gating_synapses=40, gating_patterns=10, use_rates_hz=(5.0, 10.0),
                         gating_rates_hz=(10.0, 40.0)),
}


def _declares_units(name) -> bool:
    return "checkpoint.unit" in inspect.getsource(inspect.getmodule(EXPERIMENTS[name].run))


def test_every_experiment_has_units_tested_and_documented():
    """Every experiment declares checkpoint units; each is resumed here (song-abbott in
    tests/test_resume.py, addressing's single run from its stage below), and save-format.md
    names them all."""
    have = {name for name in EXPERIMENTS if _declares_units(name)}
    assert have == set(EXPERIMENTS)
    assert set(SMALL) | {"song-abbott", "addressing"} == set(EXPERIMENTS)
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
    assert len(units) >= 2, f"{name} declares {len(units)} checkpoint units"
    assert c.computed == len(units)
    lost = units[::2]
    for p in lost:
        p.unlink()
    with ck.active(folder, 0.0) as c:
        assert _text(exp.run(config, seed=3)) == plain
    assert (c.computed, c.reused) == (len(lost), len(units) - len(lost))


def test_addressing_resumes_its_run_from_a_saved_stage(tmp_path, monkeypatch):
    """addressing is one network run, saved as a stage after each of its STAGES parts: a run
    stopped right after its 7th save (as a kill then would) resumes from that part and gives
    the uninterrupted result."""
    exp = EXPERIMENTS["addressing"]
    config = exp.make_config("quick", dict(replicates=2, n=40, n_pairings=10))
    plain = _text(exp.run(config, seed=3))
    saves = []
    real = ck.Stage.save

    class Killed(Exception):
        pass

    def save_then_stop(self, net, progress):
        wrote = real(self, net, progress)
        saves.append(progress["done"])
        if len(saves) == 7:
            raise Killed()
        return wrote

    monkeypatch.setattr(ck.Stage, "save", save_then_stop)
    folder = tmp_path / "ckpt"
    with pytest.raises(Killed), ck.active(folder, 0.0):
        exp.run(config, seed=3)
    assert list((folder / "stages").glob("*.zip")), "no stage was saved"
    monkeypatch.setattr(ck.Stage, "save", real)
    resumed_from = []
    real_restore = ck.Stage.restore

    def restore(self):
        got = real_restore(self)
        resumed_from.append(None if got is None else got[1]["done"])
        return got

    monkeypatch.setattr(ck.Stage, "restore", restore)
    with ck.active(folder, 0.0):
        assert _text(exp.run(config, seed=3)) == plain
    assert resumed_from == [7]
