"""The hebblab command: exit codes, one-line errors, nothing half-written."""

import json
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from hebblab.cli import app

runner = CliRunner()


def run(*args):
    return runner.invoke(app, list(args))


def test_list_names_every_experiment():
    r = run("list")
    assert r.exit_code == 0
    for name in ("stdp-window", "write-cost", "use-drift", "binary-burst", "associative-memory", "addressing",
                 "backprop-precision", "song-abbott"):
        assert name in r.output


def test_help_on_every_command_has_an_example():
    for cmd in ("list", "run", "report", "show", "bench"):
        r = run(cmd, "--help")
        assert r.exit_code == 0 and "Example" in r.output


def test_run_writes_a_folder_and_show_reads_it(tmp_path):
    small = ["duration_s=20", "n_inputs=100", "replicates=2", "sweep_duration_s=2", "multiplicative_s=2",
             "compare_at_s=10", "samples=20"]
    r = run("run", "song-abbott", "--quick", *[a for kv in small for a in ("--set", kv)], "--out", str(tmp_path))
    assert r.exit_code == 0, r.output
    folders = [p for p in tmp_path.iterdir() if p.is_dir()]
    assert len(folders) == 1 and folders[0].name.startswith("song-abbott-")
    cfg = json.loads((folders[0] / "config.json").read_text())
    assert cfg["config"]["duration_s"] == 20 and cfg["config"]["n_inputs"] == 100
    results = json.loads((folders[0] / "results.json").read_text())
    r = run("show", str(folders[0]))
    assert r.exit_code == 0
    assert "duration_s" in r.output and "setting" in r.output and "[" in r.output  # intervals and kinds shown
    assert results["kinds"]["duration_s"] == "setting"


@pytest.mark.parametrize("args, words", [
    (["run", "no-such-experiment"], ["unknown experiment", "no-such-experiment", "song-abbott"]),
    (["run", "stdp-window", "--set", "tau_plus=-1"], ["tau_plus", "unknown key", "n_synapses"]),
    (["run", "stdp-window", "--set", "n_synapses=-1"], ["n_synapses", "greater than or equal to 100"]),
    (["run", "write-cost", "--set", "confidence=2"], ["confidence", "less than 1"]),
    (["run", "stdp-window", "--set", "data_csv=/no/such.csv"], ["data_csv", "no such file"]),
    (["run", "song-abbott", "--set", "duration_s"], ["expected key=value"]),
    (["run", "song-abbott", "--quick", "--full"], ["--quick", "--full"]),
    (["show", "/no/such/folder"], ["not a run folder"]),
])
def test_bad_input_one_line_exit_2_nothing_written(tmp_path, args, words):
    r = run(*args, "--out", str(tmp_path)) if args[0] == "run" else run(*args)
    assert r.exit_code == 2, r.output
    lines = [ln for ln in r.output.strip().splitlines() if ln.strip()]
    assert len(lines) == 1, r.output
    for w in words:
        assert w in lines[0]
    assert not any(tmp_path.iterdir())


def test_unwritable_out_is_refused_without_a_partial_folder(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    r = run("run", "song-abbott", "--out", str(blocker / "sub"))
    assert r.exit_code == 2 and "--out" in r.output and "not a writable folder" in r.output
    assert blocker.read_text() == "not a folder"


def test_exit_code_in_a_real_process(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "hebblab.cli", "run", "nope", "--out", str(tmp_path)],
                          capture_output=True, text=True)
    assert proc.returncode == 2
    assert "unknown experiment" in proc.stderr and proc.stderr.count("\n") == 1


def test_report_writes_one_page_for_the_chosen_experiments(tmp_path):
    r = run("report", "--quick", "--only", "backprop-precision", "--out", str(tmp_path))
    assert r.exit_code == 0, r.output
    html = (tmp_path / "report.html").read_text()
    assert "backprop-precision" in html and ("data:image/svg+xml;base64," in html or "data:image/png;base64," in html)


def test_bench_unknown_name_exit_2():
    r = run("bench", "nope")
    assert r.exit_code == 2 and "unknown benchmark" in r.output and "recurrent-100" in r.output


def test_bench_threads_option(monkeypatch):
    import hebblab.cli as cli
    # the console's width is fixed when it is created if COLUMNS was set then (pytest-xdist's
    # workers); a wide table keeps each row on one line
    monkeypatch.setattr(cli.console, "width", 250)
    r = runner.invoke(app, ["bench", "recurrent-100", "--duration", "0.005", "--threads", "2"], env={"COLUMNS": "250"})
    assert r.exit_code == 0, r.output
    row = next((line for line in r.output.splitlines() if "recurrent-100" in line), None)
    assert row is not None, repr(r.output)
    assert row.split("│")[2].strip() == "2"
    bad = run("bench", "recurrent-100", "--threads", "0")
    assert bad.exit_code == 2 and "--threads" in bad.output


def test_a_check_across_settings_names_them_without_printing_the_whole_config(tmp_path):
    from typer.testing import CliRunner
    from pydantic import model_validator

    from hebblab.cli import app
    from hebblab.experiments import EXPERIMENTS
    from hebblab.experiments.base import Experiment, ExperimentConfig, Result, register_experiment

    class Cfg(ExperimentConfig):
        replicates: int = 5
        low: float = 0.1
        high: float = 0.9

        @model_validator(mode="after")
        def _order(self):
            if self.low >= self.high:
                raise ValueError(f"low = {self.low} must be < high = {self.high}")
            return self

    exp = Experiment(name="cli-cross-check", question="?", about="", config=Cfg, quick={}, full={},
                     run=lambda c, seed=1, progress=False: Result({}), figures=lambda r: [])
    register_experiment(exp)
    try:
        r = CliRunner().invoke(app, ["run", "cli-cross-check", "--set", "low=0.95", "--out", str(tmp_path / "o")])
    finally:
        EXPERIMENTS.pop("cli-cross-check")
    assert r.exit_code == 2
    out = " ".join(r.output.split())
    assert "low = 0.95 must be < high = 0.9" in out and "replicates" not in out
    assert not (tmp_path / "o").exists()


def test_bench_brunel_stdp_runs_the_field_benchmark_network(monkeypatch):
    import hebblab.cli as cli
    monkeypatch.setattr(cli.console, "width", 250)
    r = runner.invoke(app, ["bench", "brunel-stdp", "--duration", "0.003", "--threads", "1"])
    assert r.exit_code == 0, r.output
    row = next((line for line in r.output.splitlines() if "brunel-stdp" in line), None)
    assert row is not None, repr(r.output)
    assert "s per simulated s" in row and "synapses" in row
    from hebblab.networks import brunel_stdp_network
    net, exc, inh, ee = brunel_stdp_network()
    assert (exc.n, inh.n) == (8000, 2000) and ee.rule.kernel_module == "hebblab.plasticity.pair_stdp_causal"
    n_ee = len(ee.w)
    assert abs(n_ee - 0.1 * 8000 * 7999) < 5 * (0.1 * 0.9 * 8000 * 7999) ** 0.5  # Bernoulli p = 0.1, no self
