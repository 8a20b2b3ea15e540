"""A hostile user against the CLI and the run folders ("Nothing lost, nothing crashes").

Every refusal is one line on stderr, exit 2, nothing created; a full disk or an internal error is one
line, exit 1; a run folder is complete (COMPLETE marker) or absent, never half-written or mixed, even
when its writer is killed or two writers race; ``hebblab show`` reads only regular files of bounded
size and prints every string escaped. The fuzz tests check the property on random input (validation
only: ``run --dry-run`` and ``show``), and print the counts of cases tried, clean, unclean, hangs,
crashes and half-written folders.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from hebblab.cli import app
from hebblab.experiments import EXPERIMENTS
from hebblab.experiments.base import Experiment, ExperimentConfig, Result, register_experiment

runner = CliRunner()
SRC = str(Path(__file__).resolve().parents[1] / "src")
FAKE = "hostile-fake"


class FakeConfig(ExperimentConfig):
    replicates: int = 3
    writer: str = "w"


def _fake_run(config, seed=1, progress=False, writer=None):
    writer = writer or config.writer
    head = {"writer": writer, "[/x]": 1.0, "esc\x1b[31mred": {"mean": 1.0, "ci95": [0.5, 1.5], "n": 3}}
    return Result(head, tables={"t": {"writer": [writer] * 3}}, notes=[writer],
                  kinds={"writer": "setting"})


FAKE_EXP = Experiment(name=FAKE, question="?", about="", config=FakeConfig, quick={}, full={}, run=_fake_run,
                      figures=lambda r: [])


@pytest.fixture
def fake():
    register_experiment(FAKE_EXP)
    yield FAKE_EXP
    EXPERIMENTS.pop(FAKE, None)


def invoke(*args, **kw):
    return runner.invoke(app, [str(a) for a in args], **kw)


def one_line_error(r, code=2):
    """The result is exit ``code`` with exactly one non-empty line, on stderr, and nothing on stdout."""
    assert r.exit_code == code, (r.exit_code, r.output, r.exception)
    assert r.exception is None or isinstance(r.exception, SystemExit), repr(r.exception)
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, r.stderr
    assert not r.stdout.strip(), r.stdout
    assert "Traceback" not in r.output and "╭" not in r.output
    return lines[0]


def write_fake_run(out: Path, writer: str = "w") -> Path:
    from hebblab.report import write_run
    out.mkdir(parents=True, exist_ok=True)
    config = FakeConfig()  # the same folder whoever writes; the writer is in its content
    return write_run(FAKE_EXP, config, 1, _fake_run(config, writer=writer), out)


# ------------------------------------------------------------------------------------ CLI input

def test_a_seed_past_64_bits_is_refused_in_one_line_before_anything_runs(tmp_path):
    out = tmp_path / "o"
    line = one_line_error(invoke("run", "write-cost", "--seed", 2**64, "--out", out))
    assert "--seed" in line and "4294967295" in line
    assert not out.exists()


@pytest.mark.parametrize("args", [
    ["run"], ["run", "write-cost", "--bogus"], ["run", "write-cost", "--seed", "abc"], ["run", "write-cost", "--seed", "-1"],
    ["show"], ["bench", "recurrent-100", "--threads", "0"], ["no-such-command"], ["run", "write-cost", "--out"],
])
def test_usage_errors_are_one_line_on_stderr_exit_2(tmp_path, monkeypatch, args):
    monkeypatch.chdir(tmp_path)
    line = one_line_error(invoke(*args))
    assert line.startswith("error:")
    assert not any(tmp_path.iterdir())


def _csv(tmp_path, name, rows):
    p = tmp_path / name
    p.write_text("delta_t_ms,percent_change\n" + "".join(f"{d},{c}\n" for d, c in rows))
    return p


def _zero_points(tmp_path):
    from hebblab.experiments.stdp_window import packaged_points
    dt, _ = packaged_points()
    return _csv(tmp_path, "zero.csv", [(d, 0) for d in dt])


BAD_VALUES = [
    ("song-abbott", ["n_inputs=" + "9" * 5000], ["n_inputs", "100 <= n_inputs <= 10000"]),
    ("song-abbott", ["n_inputs=" + "9" * 350], ["n_inputs"]),
    ("song-abbott", ["rate_hz=" + "9" * 350], ["rate_hz", "0 < rate_hz <= 200"]),
    ("binary-burst", ["isi_ms=0.01"], ["isi_ms", "1 <= isi_ms <= 100"]),
    ("associative-memory", ["k=1000", "m=10"], ["m=10", "20 <= m <= 5000"]),
    ("associative-memory", ["k=1000"], ["k=1000", "m = 200"]),
    ("use-drift", ["duration_s=1e-9"], ["duration_s", "1 <= duration_s <= 100000"]),
    ("song-abbott", ["rate_hz=true"], ["rate_hz", "not true or false", "0 < rate_hz <= 200"]),
    ("song-abbott", ["duration_s=true"], ["duration_s", "not true or false"]),
    ("song-abbott", ["sweep_rates_hz=[20, true]"], ["sweep_rates_hz", "not true or false"]),
    ("use-drift", ["layer=1"], ["layer", "true or false"]),
    ("song-abbott", ["rate_hz=10", "rate_hz=20"], ["rate_hz", "given twice"]),
    ("song-abbott", ["rate_hz=NaN"], ["rate_hz", "finite"]),
    ("song-abbott", ["rate_hz=-Infinity"], ["rate_hz", "finite"]),
    ("write-cost", ["grid_a_max=" + json.dumps([0.01] * 40)], ["grid_a_max", "at most 32"]),
    ("song-abbott", ["=5"], ["empty key"]),
    ("song-abbott", ["rate_hz=" + "[" * 100_000], ["rate_hz"]),
]


@pytest.mark.parametrize("name, sets, words", BAD_VALUES,
                         ids=[f"{n}:{' '.join(kv[:40] for kv in sets)}" for n, sets, _ in BAD_VALUES])
def test_bad_values_are_refused_up_front_naming_the_field_and_its_range(tmp_path, name, sets, words):
    out = tmp_path / "o"
    line = one_line_error(invoke("run", name, *[a for kv in sets for a in ("--set", kv)], "--out", out))
    for w in words:
        assert w in line, (w, line)
    assert len(line) < 600
    assert not out.exists()


def test_data_csv_all_zero_fifo_device_binary_are_refused_naming_data_csv(tmp_path):
    fifo = tmp_path / "fifo.csv"
    os.mkfifo(fifo)
    (tmp_path / "zero.lnk").symlink_to("/dev/zero")
    (tmp_path / "bin.csv").write_bytes(bytes(range(256)) * 8)
    cases = [(_zero_points(tmp_path), "percent_change is 0"), (fifo, "not a regular file"),
             (tmp_path / "zero.lnk", "not a regular file"), (tmp_path / "bin.csv", "UTF-8"), (tmp_path, "regular file")]
    for path, words in cases:
        line = one_line_error(invoke("run", "stdp-window", "--set", f"data_csv={path}", "--out", tmp_path / "o"))
        assert "data_csv" in line and words in line, line
    assert not (tmp_path / "o").exists()


def test_out_with_markup_writes_the_run_and_prints_it(tmp_path, fake):
    out = tmp_path / "[/x]" / "[bold]"
    r = invoke("run", FAKE, "--out", out)
    assert r.exit_code == 0, (r.output, r.exception)
    assert "[/x]" in r.stdout and "\x1b" not in r.stdout  # the key with an ESC is shown escaped
    assert "\\x1b" in r.stdout
    folders = [p for p in out.iterdir() if p.is_dir()]
    assert len(folders) == 1 and (folders[0] / "COMPLETE").is_file()


def test_empty_out_is_refused_and_writes_nothing_in_the_current_folder(tmp_path, monkeypatch, fake):
    monkeypatch.chdir(tmp_path)
    line = one_line_error(invoke("run", FAKE, "--out", ""))
    assert "--out" in line
    assert not any(tmp_path.iterdir())


def test_a_full_disk_is_one_line_and_leaves_nothing(tmp_path, monkeypatch, fake):
    import errno
    import pathlib

    from hebblab import report

    def full(*a, **k):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(pathlib.Path, "write_text", full)
    monkeypatch.setattr(report, "_write_file", full, raising=False)
    out = tmp_path / "o"
    line = one_line_error(invoke("run", FAKE, "--out", out), code=1)
    assert "No space left on device" in line
    assert not out.exists() or not [p for p in out.iterdir() if p.is_dir()]


def test_an_internal_error_is_one_line_exit_1(tmp_path, fake, monkeypatch):
    monkeypatch.delenv("HEBBLAB_DEBUG", raising=False)

    def boom(config, seed=1, progress=False):
        raise RuntimeError("something deep broke")

    exp = Experiment(name=FAKE, question="?", about="", config=FakeConfig, quick={}, full={}, run=boom,
                     figures=lambda r: [])
    EXPERIMENTS[FAKE] = exp
    line = one_line_error(invoke("run", FAKE, "--out", tmp_path / "o"), code=1)
    assert "internal error" in line and "RuntimeError" in line and "something deep broke" in line
    assert not (tmp_path / "o").exists()


# ------------------------------------------------------------------------------ hebblab show

def _damage(folder: Path, how: str):
    cfg, res = folder / "config.json", folder / "results.json"
    if how == "no config.json":
        cfg.unlink()
    elif how == "results.json a list":
        res.write_text("[1, 2]")
    elif how in ("config {}", "config []", "config null"):
        cfg.write_text(how.split()[1])
    elif how == "config 'seed' a string":
        d = json.loads(cfg.read_text())
        d["seed"] = "one"
        cfg.write_text(json.dumps(d))
    elif how == "headline a list":
        res.write_text(json.dumps({"headline": [1], "kinds": {}}))
    elif how == "kinds a string":
        res.write_text(json.dumps({"headline": {"a": 1}, "kinds": "x"}))
    elif how == "deep nesting":
        res.write_text("[" * 100_000 + "]" * 100_000)
    elif how == "deep headline":
        res.write_text(json.dumps({"headline": {"a": json.loads('{"b":' * 500 + "1" + "}" * 500)}}))
    elif how == "malformed":
        res.write_text("")
    elif how == "not utf-8":
        res.write_bytes(b"\xff\xfe{}")
    elif how == "results.json a folder":
        res.unlink()
        res.mkdir()
    elif how == "no marker":
        (folder / "COMPLETE").unlink()
    elif how == "odd estimate":
        res.write_text(json.dumps({"headline": {"x": {"mean": "a", "ci95": 3, "n": None}, "y": [1, {"z": 2}]}}))
    else:
        raise AssertionError(how)


@pytest.mark.parametrize("how, words", [
    ("no config.json", ["config.json", "missing"]),
    ("results.json a list", ["results.json", "object", "list"]),
    ("config {}", ["config.json", "'experiment'"]),
    ("config []", ["config.json", "object"]),
    ("config null", ["config.json", "object"]),
    ("config 'seed' a string", ["config.json", "'seed'"]),
    ("headline a list", ["results.json", "'headline'"]),
    ("kinds a string", ["results.json", "'kinds'"]),
    ("deep nesting", ["results.json", "nested"]),
    ("deep headline", ["results.json", "nested"]),
    ("malformed", ["results.json", "malformed JSON", "line 1 column 1"]),
    ("not utf-8", ["results.json", "UTF-8"]),
    ("results.json a folder", ["results.json", "not a regular file"]),
    ("no marker", ["COMPLETE", "not a run folder"]),
])
def test_show_refuses_a_damaged_folder_in_one_line(tmp_path, how, words):
    folder = write_fake_run(tmp_path)
    _damage(folder, how)
    line = one_line_error(invoke("show", folder))
    for w in words:
        assert w in line, (w, line)


def test_show_prints_odd_values_and_hostile_keys_escaped(tmp_path):
    folder = write_fake_run(tmp_path)
    res = folder / "results.json"
    cfg = json.loads((folder / "config.json").read_text())
    cfg["experiment"] = "[/x]\x1b[2J"
    (folder / "config.json").write_text(json.dumps(cfg))
    res.write_text(json.dumps({"headline": {"[/x]": 1, "[bold]b": "\x1b[2J\x1b]0;title\x07\r", "x": {"mean": "a", "ci95": 3, "n": None},
                                            "y": [1, {"z": 2}]}, "kinds": {"[/x]": "\x1b[31m"}}))
    r = invoke("show", folder)
    assert r.exit_code == 0, (r.output, r.exception)
    assert "[/x]" in r.stdout and "[bold]b" in r.stdout
    assert not any(ch in r.stdout for ch in "\x1b\x07\r")
    assert "\\x1b" in r.stdout


def _show_in_a_process(folder, timeout=60):
    """``hebblab show`` in a child with 2 GiB of address space at most (reading /dev/zero whole fails fast)."""
    import resource

    def limit():
        resource.setrlimit(resource.RLIMIT_AS, (2 * 2**30, 2 * 2**30))

    env = dict(os.environ, PYTHONPATH=SRC)
    return subprocess.run([sys.executable, "-m", "hebblab.cli", "show", str(folder)], capture_output=True, text=True,
                          timeout=timeout, env=env, preexec_fn=limit)


@pytest.mark.parametrize("what", ["fifo config.json", "fifo results.json", "dev-zero results.json",
                                  "dev-zero config.json"])
def test_show_reads_only_regular_files_and_never_hangs(tmp_path, what):
    folder = write_fake_run(tmp_path)
    kind, name = what.split()
    (folder / name).unlink()
    if kind == "fifo":
        os.mkfifo(folder / name)
    else:
        (folder / name).symlink_to("/dev/zero")
    try:
        p = _show_in_a_process(folder)
    except subprocess.TimeoutExpired:
        pytest.fail(f"hebblab show hung on a {what}")
    assert p.returncode == 2, p.stderr[-2000:]
    assert p.stderr.count("\n") == 1 and name in p.stderr and "not a regular file" in p.stderr, p.stderr[-2000:]


def test_show_refuses_a_file_over_the_size_cap(tmp_path, monkeypatch):
    from hebblab import report
    folder = write_fake_run(tmp_path)
    monkeypatch.setattr(report, "MAX_JSON_BYTES", 100)
    line = one_line_error(invoke("show", folder))
    assert "too large" in line and ".json" in line


# ------------------------------------------------------------------------------- crash safety

CHILD = textwrap.dedent("""
    import os, signal, sys
    sys.path.insert(0, {tests!r})
    from test_hostile_cli import FAKE, FAKE_EXP, FakeConfig, _fake_run
    from hebblab.report import write_run
    from pathlib import Path
    how, out, writer = sys.argv[1], Path(sys.argv[2]), sys.argv[3]
    def die(*a):
        os.kill(os.getpid(), signal.SIGKILL)
    if how == "kill-while-writing":
        import dataclasses
        exp = dataclasses.replace(FAKE_EXP, figures=lambda r: die())
    else:
        exp = FAKE_EXP
    if how == "kill-between-renames":  # the old folder is gone from its name, the new one not yet there
        final_name = None
        real_rename, real_replace = os.rename, os.replace
        def rename(src, dst, *a, **k):
            if Path(dst).name.startswith(FAKE) and Path(src).name.startswith("."):
                die()
            return real_rename(src, dst, *a, **k)
        def replace(src, dst, *a, **k):
            if Path(dst).name.startswith(FAKE) and Path(src).name.startswith("."):
                die()
            return real_replace(src, dst, *a, **k)
        os.rename, os.replace = rename, replace
    n = int(sys.argv[4]) if len(sys.argv) > 4 else 1
    for _ in range(n):
        config = FakeConfig()
        write_run(exp, config, 1, _fake_run(config, writer=writer), out)
""")


def _child(how, out, writer="w", n=1, wait=True):
    script = CHILD.format(tests=str(Path(__file__).parent))
    Path(out).mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, PYTHONPATH=SRC)
    p = subprocess.Popen([sys.executable, "-c", script, how, str(out), writer, str(n)], env=env,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if wait:
        p.out, p.err = p.communicate(timeout=120)
    return p


def _hidden(out: Path):
    return sorted(p.name for p in out.iterdir() if p.name.startswith(".") and p.is_dir())


def test_a_killed_writer_leaves_no_visible_folder_show_refuses_its_temporary_and_the_next_run_cleans_it(tmp_path):
    out = tmp_path / "o"
    p = _child("kill-while-writing", out)
    assert p.returncode == -signal.SIGKILL
    stale = _hidden(out)
    assert len(stale) == 1 and not [q for q in out.iterdir() if q.is_dir() and not q.name.startswith(".")]
    line = one_line_error(invoke("show", out / stale[0]))
    assert "not a run folder" in line
    folder = write_fake_run(out)
    assert _hidden(out) == [] and (folder / "COMPLETE").is_file()


def test_a_kill_between_the_renames_of_a_replace_never_leaves_a_half_deleted_folder(tmp_path):
    out = tmp_path / "o"
    folder = write_fake_run(out, writer="old")
    p = _child("kill-between-renames", out, writer="new")
    assert p.returncode == -signal.SIGKILL, p.err
    if folder.exists():  # the old folder, whole, or nothing at all: never a part of one
        assert (folder / "COMPLETE").is_file() and (folder / "results.json").is_file()
        assert (folder / "report.html").is_file() and (folder / "config.json").is_file()
    write_fake_run(out, writer="newer")  # the next writer cleans up after the dead one
    assert _hidden(out) == []
    assert json.loads((folder / "results.json").read_text())["headline"]["writer"] == "newer"
    assert invoke("show", folder).exit_code == 0


def test_the_complete_temporary_of_a_writer_killed_between_the_renames_is_moved_in(tmp_path):
    from hebblab.report import clean_stale
    out = tmp_path / "o"
    folder = write_fake_run(out, writer="old")
    p = _child("kill-between-renames", out, writer="new")
    assert p.returncode == -signal.SIGKILL, p.err
    assert not folder.exists() and len(_hidden(out)) == 2  # the old one aside, the new one complete
    clean_stale(out)
    assert _hidden(out) == []
    assert json.loads((folder / "results.json").read_text())["headline"]["writer"] == "new"
    assert invoke("show", folder).exit_code == 0


def test_two_writers_of_the_same_folder_never_crash_or_mix_files(tmp_path):
    out = tmp_path / "o"
    procs = [_child("race", out, writer=f"w{i}", n=6, wait=False) for i in range(3)]
    for p in procs:
        _, errs = p.communicate(timeout=300)
        assert p.returncode == 0, errs[-3000:]
    folders = [q for q in out.iterdir() if q.is_dir()]
    assert len(folders) == 1 and _hidden(out) == []
    f = folders[0]
    writer = json.loads((f / "results.json").read_text())["headline"]["writer"]
    assert json.loads((f / "results.json").read_text())["notes"] == [writer]
    assert (f / "tables" / "t.csv").read_text().split() == ["writer"] + [writer] * 3
    assert (f / "COMPLETE").is_file()
    assert invoke("show", f).exit_code == 0


def test_a_failed_rename_in_puts_the_old_folder_back(tmp_path, monkeypatch):
    import errno

    from hebblab import report
    out = tmp_path / "o"
    folder = write_fake_run(out, writer="old")
    real = os.rename

    def rename(src, dst):
        if Path(dst) == folder and Path(src).name.startswith("."):
            raise OSError(errno.EIO, "Input/output error")
        return real(src, dst)

    monkeypatch.setattr(report.os, "rename", rename)
    with pytest.raises(OSError):
        write_fake_run(out, writer="new")
    monkeypatch.setattr(report.os, "rename", real)
    assert json.loads((folder / "results.json").read_text())["headline"]["writer"] == "old"
    assert _hidden(out) == []


TERM_CHILD = textwrap.dedent("""
    import dataclasses, sys, time
    sys.path.insert(0, {tests!r})
    from test_hostile_cli import FAKE_EXP
    from hebblab.cli import app
    from hebblab.experiments.base import register_experiment
    register_experiment(dataclasses.replace(FAKE_EXP, figures=lambda r: time.sleep(60) or []))
    app(["run", FAKE_EXP.name, "--out", sys.argv[1]])
""")


def test_sigterm_while_writing_exits_143_and_leaves_no_temporary(tmp_path):
    out = tmp_path / "o"
    out.mkdir()
    env = dict(os.environ, PYTHONPATH=SRC)
    p = subprocess.Popen([sys.executable, "-c", TERM_CHILD.format(tests=str(Path(__file__).parent)), str(out)],
                         env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        for _ in range(600):  # until the temporary exists (its figures then sleep)
            if _hidden(out) or p.poll() is not None:
                break
            time.sleep(0.1)
        assert _hidden(out), p.communicate(timeout=5)
        p.send_signal(signal.SIGTERM)
        _, errs = p.communicate(timeout=60)
    finally:
        p.kill()
    assert p.returncode == 143, errs[-2000:]
    assert "Traceback" not in errs
    assert sorted(q.name for q in out.iterdir()) == [".hebblab.lock"]


@pytest.mark.parametrize("value", ["nan", "inf", "1e9"])
def test_bench_duration_must_be_finite_and_bounded(value):
    line = one_line_error(invoke("bench", "recurrent-100", "--duration", value))
    assert "--duration" in line


def test_a_run_folder_has_its_marker_and_no_lock_left_inside(tmp_path):
    folder = write_fake_run(tmp_path)
    assert (folder / "COMPLETE").is_file() and not (folder / ".writer.lock").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == [".hebblab.lock", folder.name]


# ----------------------------------------------------------------------------------- fuzzing

KEYS = ("tried", "clean", "unclean", "hangs", "crashes", "half-written")
COUNTS: dict[str, Counter] = {k: Counter(dict.fromkeys(KEYS, 0)) for k in ("run", "show", "config")}
SLOW_S = 20.0  #: an example slower than this is counted as a hang (recorded, not asserted)
EXAMPLES = int(os.environ.get("HEBBLAB_FUZZ_EXAMPLES", "40"))  #: examples per experiment (show: 3 x this)


def _names_a_parameter(line: str, exp, keys) -> bool:
    words = set(keys) | set(exp.config.model_fields) | {"--seed", "--out", "--set"}
    return any(w and w in line for w in words)


def _tree(root: Path) -> list:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*"))


huge = st.integers(20, 6000).map(lambda n: "9" * n)
number = st.one_of(st.integers(-10**6, 10**6).map(str), st.floats(allow_nan=True, allow_infinity=True).map(
    lambda x: json.dumps(x)), huge, st.sampled_from(["NaN", "Infinity", "-Infinity", "1e999", "-0", "1e-320"]))
value = st.one_of(number, st.booleans().map(json.dumps), st.text(max_size=30),
                  st.lists(number, max_size=5).map(lambda xs: "[" + ", ".join(xs) + "]"),
                  st.sampled_from(["[/x]", "[bold]", "\x1b[31m", "null", "{}", "[]", "[[[[1]]]]", "\"quoted\""]))
out_path = st.one_of(st.just("o"), st.just(""), st.text(max_size=20).filter(lambda s: "/" not in s),
                     st.sampled_from(["[/x]", "a\x00b", "x" * 300, "file/sub", "  "]))
seed = st.one_of(st.integers(0, 2**32 - 1), st.integers(-2**70, 2**70), st.text(max_size=8)).map(str)


def _in_range(exp, key):
    """Values inside a field's declared bounds (to reach the checks across fields), else None."""
    import annotated_types as at
    info = exp.config.model_fields.get(key)
    if info is None:
        return None
    lo = next((m.ge if isinstance(m, at.Ge) else m.gt for m in info.metadata if isinstance(m, (at.Ge, at.Gt))), None)
    hi = next((m.le if isinstance(m, at.Le) else m.lt for m in info.metadata if isinstance(m, (at.Le, at.Lt))), None)
    if lo is None or hi is None:
        return None
    if info.annotation is int:
        return st.integers(int(lo), int(hi)).map(str)
    return st.floats(float(lo), float(hi)).map(repr)


@pytest.mark.parametrize("name", list(EXPERIMENTS))
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                     HealthCheck.too_slow])
@given(data=st.data())
def test_fuzz_run_validation(name, tmp_path, monkeypatch, data):
    """Random --set keys (the config's and some others) and values, --seed and --out: a valid dry run
    (creating nothing), or one line on stderr naming the parameter and exit 2; never a traceback."""
    exp = EXPERIMENTS[name]
    root = tmp_path / "cwd"
    root.mkdir(exist_ok=True)
    (root / "file").write_text("x")
    monkeypatch.chdir(root)
    keys = data.draw(st.lists(st.one_of(st.sampled_from(sorted(exp.config.model_fields)), st.text(max_size=10)),
                              max_size=3), label="keys")
    sets = []
    for k in keys:
        inside = _in_range(exp, k)
        v = data.draw(inside if inside is not None and data.draw(st.booleans(), label="in range") else value, label=k)
        sets.append(f"{k}={v}")
    args = ["run", name, "--dry-run"] + [a for kv in sets for a in ("--set", kv)]
    if data.draw(st.booleans(), label="with seed"):
        args += ["--seed", data.draw(seed, label="seed")]
    args += ["--out", data.draw(out_path, label="out")]
    before = _tree(root)
    c = COUNTS["run"]
    c["tried"] += 1
    t0 = time.perf_counter()
    r = runner.invoke(app, args)
    if time.perf_counter() - t0 > SLOW_S:
        c["hangs"] += 1
    crashed = r.exception is not None and not isinstance(r.exception, SystemExit)
    c["crashes"] += crashed
    half = _tree(root) != before
    c["half-written"] += half
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    clean = not crashed and not half and "Traceback" not in r.output and (
        (r.exit_code == 0 and r.stdout.startswith("ok:")) or
        (r.exit_code == 2 and len(lines) == 1 and not r.stdout.strip() and _names_a_parameter(lines[0], exp, keys)))
    c["clean" if clean else "unclean"] += 1
    c["valid" if r.exit_code == 0 else "refused"] += 1
    assert clean, (args, r.exit_code, r.output[-2000:], r.exception)


@pytest.mark.parametrize("name", list(EXPERIMENTS))
@settings(max_examples=2 * EXAMPLES, deadline=None)
@given(data=st.data())
def test_fuzz_config_checks_across_fields(name, data):
    """Every field at once inside its declared bounds (the combinations the checks across fields
    judge): the config is valid, or refused with a ValidationError naming a field; nothing else
    (no math domain error, ZeroDivisionError, OverflowError)."""
    from pydantic import ValidationError
    exp = EXPERIMENTS[name]
    values = {}
    for key in exp.config.model_fields:
        inside = _in_range(exp, key)
        if inside is not None and data.draw(st.booleans(), label=f"set {key}"):
            values[key] = json.loads(data.draw(inside, label=key))
    c = COUNTS["config"]
    c["tried"] += 1
    try:
        exp.make_config("quick", values)
        c["valid"] += 1
    except ValidationError as e:
        first = e.errors()[0]
        assert first["loc"] or any(f in first["msg"] for f in exp.config.model_fields), first
        c["refused"] += 1
    except Exception:
        c["crashes"] += 1
        c["unclean"] += 1
        raise
    c["clean"] += 1


json_value = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=12),
                          lambda kids: st.lists(kids, max_size=4) | st.dictionaries(st.text(max_size=8), kids, max_size=4),
                          max_leaves=20)


@settings(max_examples=3 * EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_fuzz_show_on_damaged_folders(tmp_path_factory, data):
    """Random damage to a run folder: show prints it, or refuses in one line (exit 2); never a traceback."""
    folder = write_fake_run(tmp_path_factory.mktemp("show"))
    for name in data.draw(st.lists(st.sampled_from(["config.json", "results.json", "COMPLETE"]), max_size=3,
                                   unique=True), label="damaged"):
        how = data.draw(st.sampled_from(["delete", "json", "bytes", "truncate", "keyed"]), label=name)
        path = folder / name
        if how == "delete":
            path.unlink(missing_ok=True)
        elif how == "json":
            path.write_text(json.dumps(data.draw(json_value, label="json")))
        elif how == "bytes":
            path.write_bytes(data.draw(st.binary(max_size=64), label="bytes"))
        elif how == "truncate" and path.exists():
            text = path.read_bytes()
            path.write_bytes(text[:data.draw(st.integers(0, len(text)), label="at")])
        elif how == "keyed" and name != "COMPLETE":
            d = json.loads(path.read_text()) if path.exists() else {}
            if isinstance(d, dict):
                d[data.draw(st.text(max_size=8), label="key")] = data.draw(json_value, label="v")
                if name == "results.json":
                    d.setdefault("headline", {})[data.draw(st.text(max_size=8), label="hkey")] = data.draw(json_value)
                path.write_text(json.dumps(d))
    before = _tree(folder)
    c = COUNTS["show"]
    c["tried"] += 1
    t0 = time.perf_counter()
    r = runner.invoke(app, ["show", str(folder)])
    if time.perf_counter() - t0 > SLOW_S:
        c["hangs"] += 1
    crashed = r.exception is not None and not isinstance(r.exception, SystemExit)
    c["crashes"] += crashed
    half = _tree(folder) != before
    c["half-written"] += half
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    clean = not crashed and not half and "Traceback" not in r.output and "\x1b" not in r.stdout and (
        r.exit_code == 0 or (r.exit_code == 2 and len(lines) == 1 and not r.stdout.strip()))
    c["clean" if clean else "unclean"] += 1
    c["shown" if r.exit_code == 0 else "refused"] += 1
    assert clean, (r.exit_code, r.output[-2000:], r.exception)


def test_fuzz_counts_report():
    """Print the fuzz counts (run with -s to see them); HEBBLAB_FUZZ_REPORT=path writes them as JSON."""
    counts = {k: dict(v) for k, v in COUNTS.items()}
    print("\nfuzz counts:", json.dumps(counts))
    if os.environ.get("HEBBLAB_FUZZ_REPORT"):
        Path(os.environ["HEBBLAB_FUZZ_REPORT"]).write_text(json.dumps(counts, indent=1))
    for c in COUNTS.values():
        if c["tried"]:
            assert c["unclean"] == c["crashes"] == c["half-written"] == 0
