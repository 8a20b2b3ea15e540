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
                 "backprop-precision", "song-abbott", "memory-capacity"):
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
    row = next((line for line in r.output.splitlines() if "recurrent-100" in line and "│" in line), None)
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
    row = next((line for line in r.output.splitlines() if "brunel-stdp" in line and "│" in line), None)
    assert row is not None, repr(r.output)
    assert "s per simulated s" in row and "synapses" in row
    from hebblab.networks import brunel_stdp_network
    net, exc, inh, ee = brunel_stdp_network()
    assert (exc.n, inh.n) == (8000, 2000) and ee.rule.kernel_module == "hebblab.plasticity.pair_stdp_causal"
    n_ee = len(ee.w)
    assert abs(n_ee - 0.1 * 8000 * 7999) < 5 * (0.1 * 0.9 * 8000 * 7999) ** 0.5  # Bernoulli p = 0.1, no self


# ------------------------------------------------------------------ issue 15: the command

def _fake_experiment():
    from hebblab.experiments.base import Experiment, ExperimentConfig, Result

    class Cfg(ExperimentConfig):
        replicates: int = 3

    return Experiment(name="cli-fake", question="?", about="", config=Cfg, quick={}, full={},
                      run=lambda c, seed=1, progress=False: Result({"x": 1.0}), figures=lambda r: [])


def test_version_and_python_m_hebblab():
    from hebblab import __version__
    r = run("--version")
    assert r.exit_code == 0 and r.output.strip() == f"hebblab {__version__}"
    proc = subprocess.run([sys.executable, "-m", "hebblab", "--version"], capture_output=True, text=True)
    assert proc.returncode == 0 and proc.stdout.strip() == f"hebblab {__version__}", proc.stderr
    proc = subprocess.run([sys.executable, "-m", "hebblab", "run", "nope"], capture_output=True, text=True)
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1


def test_shell_completion_of_commands_and_experiment_names():
    import os
    env = dict(os.environ, _HEBBLAB_COMPLETE="complete_bash", COMP_WORDS="hebblab run wr", COMP_CWORD="2")
    code = "from hebblab.cli import app; app(prog_name='hebblab')"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert proc.stdout.split() == ["write-cost"], (proc.stdout, proc.stderr)
    env.update(COMP_WORDS="hebblab rep", COMP_CWORD="1")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert proc.stdout.split() == ["report"], (proc.stdout, proc.stderr)
    assert "--install-completion" in run("--help").output


@pytest.mark.parametrize("args, size", [([], "quick"), (["--quick"], "quick"), (["--full"], "full"),
                                        (["--size", "full"], "full"), (["--size", "quick", "--quick"], "quick"),
                                        (["--size", "FULL"], "full")])
def test_size_is_one_choice_with_quick_and_full_as_aliases(tmp_path, args, size):
    r = run("run", "write-cost", *args, "--dry-run", "--out", str(tmp_path))
    assert r.exit_code == 0, r.output
    assert f"write-cost {size} seed 1" in r.output
    assert not any(tmp_path.iterdir())


@pytest.mark.parametrize("args", [["--size", "medium"], ["--size", "full", "--quick"], ["--quick", "--full"]])
def test_size_conflicts_and_bad_choices_are_one_line_exit_2(tmp_path, args):
    for cmd in (["run", "write-cost"], ["report"], ["sweep", "write-cost"]):
        r = run(*cmd, *args, "--out", str(tmp_path / "o"))
        assert r.exit_code == 2, r.output
        assert len([ln for ln in r.output.splitlines() if ln.strip()]) == 1, r.output
        assert "--size" in r.output or "--quick" in r.output
    assert not any(tmp_path.iterdir())


@pytest.mark.parametrize("args, hint", [(["run", "write-cots"], "did you mean write-cost?"),
                                        (["run", "song_abbott"], "did you mean song-abbott?"),
                                        (["report", "--only", "adressing"], "did you mean addressing?"),
                                        (["sweep", "stdp-windwo", "--out", "OUT"], "did you mean stdp-window?"),
                                        (["bench", "recurent-100"], "did you mean recurrent-100?")])
def test_close_misses_of_names_get_did_you_mean(tmp_path, args, hint):
    args = [str(tmp_path / "o") if a == "OUT" else a for a in args]
    r = run(*args)
    assert r.exit_code == 2, r.output
    lines = [ln for ln in r.output.splitlines() if ln.strip()]
    assert len(lines) == 1 and hint in lines[0] and "allowed:" in lines[0], r.output
    assert "did you mean" not in run("run", "zzzzzz").output
    assert not any(tmp_path.iterdir())


def test_run_name_help_lists_the_set_keys_with_type_default_and_range(monkeypatch):
    import hebblab.cli as cli
    monkeypatch.setattr(cli.console, "width", 300)
    r = run("run", "write-cost", "--help")
    assert r.exit_code == 0, r.output
    assert "Example" in r.output and "write-cost: --set keys" in r.output
    row = next(line for line in r.output.splitlines() if "│ n_synapses " in line)
    cells = [c.strip() for c in row.split("│")[1:-1]]
    assert cells == ["n_synapses", "int", "600", "2000", "50 <= n_synapses <= 1e+06"]
    from hebblab.experiments import EXPERIMENTS
    for key in EXPERIMENTS["write-cost"].config.model_fields:
        assert f"│ {key} " in r.output
    plain = run("run", "--help")
    assert plain.exit_code == 0 and ": --set keys" not in plain.output and "hebblab run NAME --help" in plain.output


def test_show_a_folder_of_run_folders_lists_them(tmp_path):
    from hebblab.report import write_run
    exp = _fake_experiment()
    for seed in (1, 2):
        write_run(exp, exp.make_config(), seed, exp.run(None), tmp_path)
    (tmp_path / "not-a-run").mkdir()
    r = run("show", str(tmp_path))
    assert r.exit_code == 0, r.output
    words = " ".join(r.output.split())  # the title may wrap: xdist workers' consoles are 80 columns wide
    assert f"{len([p for p in tmp_path.iterdir() if p.name.startswith('cli-fake')])} run folders" in words
    assert r.output.count("cli-fake-") == 2 and "not-a-run" not in r.output
    one = next(p for p in tmp_path.iterdir() if p.name.endswith("seed2"))
    assert "seed 2" in run("show", str(one)).output
    empty = run("show", str(tmp_path / "not-a-run"))
    assert empty.exit_code == 2 and "not a run folder" in empty.output


def test_a_second_report_with_the_same_out_is_refused_while_the_first_writes(tmp_path):
    from hebblab.cli import REPORT_LOCK
    out = tmp_path / "rep"
    out.mkdir()
    holder = subprocess.Popen([sys.executable, "-c", "import sys, time; from filelock import FileLock; "
                               f"lock = FileLock({str(out / REPORT_LOCK)!r}); lock.acquire(); print('held', flush=True); time.sleep(60)"],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        r = run("report", "--only", "write-cost", "--out", str(out))
    finally:
        holder.kill()
        holder.wait()
    assert r.exit_code == 2, r.output
    lines = [ln for ln in r.output.splitlines() if ln.strip()]
    assert len(lines) == 1 and "another hebblab report is writing there" in lines[0]
    assert sorted(p.name for p in out.iterdir()) == [REPORT_LOCK]  # nothing run, nothing written


@pytest.mark.parametrize("args, words", [
    (["monte-carlo", "--duration", "1"], ["--duration", "monte-carlo does not use it"]),
    (["monte-carlo", "--threads", "2"], ["--threads", "monte-carlo does not use it"]),
    (["song-abbott", "--duration", "0"], ["--duration", "0 < --duration"]),
    (["--duration", "0"], ["--duration", "0 < --duration"]),
])
def test_bench_refuses_zero_duration_and_options_a_benchmark_does_not_use(args, words):
    r = run("bench", *args)
    assert r.exit_code == 2, r.output
    lines = [ln for ln in r.output.splitlines() if ln.strip()]
    assert len(lines) == 1 and all(w in lines[0] for w in words), r.output


def test_bench_prints_a_progress_line_per_benchmark_and_needs_no_repository_files(monkeypatch):
    import hebblab.cli as cli
    monkeypatch.setattr(cli.console, "width", 250)
    r = runner.invoke(app, ["bench", "recurrent-100", "--duration", "0.002", "--threads", "1"])
    assert r.exit_code == 0, r.output
    assert "[1/1] recurrent-100: 0.002 s simulated ..." in r.stderr
    import inspect
    src = inspect.getsource(cli)
    # the bench code imports only the package (benchmarks/ is not installed by pip)
    assert "from benchmarks" not in src and "import benchmarks" not in src and "sys.path" not in src


def test_piped_output_is_not_cut_at_80_columns(tmp_path):
    import os
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    proc = subprocess.run([sys.executable, "-m", "hebblab", "list"], capture_output=True, text=True, env=env)
    assert proc.returncode == 0, proc.stderr
    rows = [ln for ln in proc.stdout.splitlines() if "│" in ln]
    assert max(len(ln) for ln in rows) > 80
    from hebblab.experiments import EXPERIMENTS
    # one line per experiment, none wrapped
    assert len(rows) == len({ln.split("│")[1].strip() for ln in rows}) == len(EXPERIMENTS)


def test_readme_command_examples_parse_as_written():
    """Every concrete ``hebblab ...`` line of the README's code blocks parses (options and values exist,
    no glob matching several folders); placeholders (NAME, DIR, [...]) are left out."""
    import re
    import shlex
    from pathlib import Path

    import typer.main
    root = Path(__file__).resolve().parents[1]
    lines, lang = [], None
    for ln in (root / "README.md").read_text().splitlines():
        if ln.startswith("```"):
            lang = ln[3:].strip() if lang is None else None
        elif lang in ("", "bash"):
            lines.append(ln.split("&&")[-1].split("#")[0].strip())
    lines = [re.sub(r"^(\.venv/bin/|python -m )", "", ln) for ln in lines]
    examples = [ln for ln in lines if ln.startswith("hebblab ") and not re.search(r"\[|\||\b[A-Z][A-Z_]{2,}\b", ln)]
    assert len(examples) >= 4, examples
    group = typer.main.get_command(app)
    for ex in examples:
        words = shlex.split(ex)[1:]
        assert not any("*" in w or "?" in w for w in words), ex
        cmd, name, ctx = group, "hebblab", None
        while hasattr(cmd, "get_command"):  # a group: its subcommand is the next word
            ctx = cmd.make_context(name, [], parent=ctx, resilient_parsing=True)
            name = words.pop(0)
            cmd = cmd.get_command(ctx, name)
            assert cmd is not None, f"{ex}: no command {name}"
        try:
            cmd.make_context(name, words, parent=ctx)  # raises on an unknown option or a bad value
        except Exception as e:  # --help exits 0 after printing; anything else is a broken example
            assert getattr(e, "exit_code", None) == 0, f"{ex}: {e!r}"
