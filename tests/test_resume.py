"""hebblab run NAME --checkpoint-every and hebblab resume RUN_DIR: killed runs resume bit for bit.

The main test runs song-abbott (quick, with small overrides: the cheapest experiment that has both
kinds of checkpoint, finished phases and a learning run's network state) once uninterrupted,
then again with checkpoints, killed with SIGKILL first while its learning run's network state is
on disk and then at moments drawn by a seeded generator, resumed each time: the final
results.json is byte for byte the uninterrupted run's. The refusals are one line and exit 2.
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

import hebblab as hl
from hebblab import checkpoint as ck
from hebblab.cli import app

SRC = str(Path(hl.__file__).resolve().parents[1])
SMALL = ["duration_s=80", "n_inputs=100", "replicates=2", "sweep_duration_s=4", "multiplicative_s=4",
         "compare_at_s=40", "samples=40"]
SETS = [a for kv in SMALL for a in ("--set", kv)]
runner = CliRunner()


def command(*args):
    return [sys.executable, "-m", "hebblab", *args]


def env():
    return {**os.environ, "PYTHONPATH": SRC + os.pathsep + os.environ.get("PYTHONPATH", "")}


def start(*args):
    return subprocess.Popen(command(*args), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env())


def finish(proc, timeout=300):
    _, err = proc.communicate(timeout=timeout)
    return proc.returncode, err


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory):
    out = tmp_path_factory.mktemp("whole")
    r = subprocess.run(command("run", "song-abbott", "--quick", *SETS, "--out", str(out)), capture_output=True,
                       text=True, env=env(), timeout=600)
    assert r.returncode == 0, r.stderr[-2000:]
    (folder,) = [p for p in out.iterdir() if p.is_dir() and not p.name.startswith(".")]
    return folder


def checkpoint_of(out: Path) -> Path | None:
    found = [p for p in out.iterdir() if p.name.endswith(ck.SUFFIX)]
    return found[0] if found else None


def kill_when(proc, out: Path, ready, timeout: float = 120.0) -> None:
    """SIGKILL ``proc`` as soon as ``ready(checkpoint folder)`` holds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        folder = checkpoint_of(out) if out.is_dir() else None
        if folder is not None and ready(folder):
            break
        time.sleep(0.01)
    assert proc.poll() is None, "the run ended before the moment to kill it"
    proc.send_signal(signal.SIGKILL)
    finish(proc)


def on_disk(folder: Path | None) -> tuple:
    if folder is None:
        return ("gone",)
    return (len(list((folder / "units").glob("*.zip"))), len(list((folder / "stages").glob("*.zip"))))


def test_sigkill_at_random_moments_then_resume_is_bit_identical(uninterrupted, tmp_path):
    out = tmp_path / "runs"
    target = out / uninterrupted.name
    log = []
    # killed while the learning run's network state (a stage) is on disk, then while the phases after it run
    kill_when(start("run", "song-abbott", "--quick", *SETS, "--out", str(out), "--checkpoint-every", "0s"), out,
              lambda f: any((f / "stages").glob("*.zip")))
    log.append(("in the learning run", *on_disk(checkpoint_of(out))))
    assert log[-1][2] == 1 and not target.exists()
    kill_when(start("resume", str(target)), out, lambda f: any((f / "units").glob("*.zip")))
    log.append(("after the first phase", *on_disk(checkpoint_of(out))))
    # then at moments drawn by a seeded generator
    done = False
    for moment in np.random.default_rng(20261201).uniform(1.5, 6.0, size=2):
        proc = start("resume", str(target))
        time.sleep(moment)
        if proc.poll() is not None:  # it finished before the kill
            rc, err = finish(proc)
            assert rc == 0, err
            done = True
            break
        proc.send_signal(signal.SIGKILL)
        finish(proc)
        log.append((f"at {moment:.2f} s", *on_disk(checkpoint_of(out))))
        if checkpoint_of(out) is None:  # killed after the run folder was complete
            done = True
            break
    if not done:
        rc, err = finish(start("resume", str(target)))
        assert rc == 0, (err, log)
    assert (target / "COMPLETE").is_file(), log
    assert (target / "results.json").read_bytes() == (uninterrupted / "results.json").read_bytes(), log
    assert checkpoint_of(out) is None  # deleted once the run folder is complete
    assert not [p for p in out.iterdir() if ".tmp-" in p.name or ".old-" in p.name]
    print("kills (when, units and stages on disk after it):", log)


def test_resume_refuses_what_is_not_a_resumable_run(uninterrupted, tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    a_file = tmp_path / "file.txt"
    a_file.write_text("x")
    bad_manifest = tmp_path / ".bad.checkpoint"
    bad_manifest.mkdir()
    (bad_manifest / ck.MANIFEST).write_text("[]")
    garbage = tmp_path / ".garbage.checkpoint"
    garbage.mkdir()
    (garbage / ck.MANIFEST).write_text("{not json")
    cases = [(str(tmp_path / "absent"), "not a resumable run"), (str(empty), "not a resumable run"),
             (str(a_file), "not a resumable run"), (str(uninterrupted), "a complete run folder"),
             (str(bad_manifest), "not a resumable run"), (str(garbage), "not a resumable run"), ("", "empty path")]
    for path, message in cases:
        before = sorted(p.name for p in tmp_path.rglob("*"))
        r = runner.invoke(app, ["resume", path])
        assert r.exit_code == 2, (path, r.output)
        line = r.output.strip()
        assert "\n" not in line and message in line and "Traceback" not in line, (path, line)
        assert sorted(p.name for p in tmp_path.rglob("*")) == before, path  # nothing created


def _fake_checkpoint(tmp_path, **change):
    exp = __import__("hebblab.experiments", fromlist=["EXPERIMENTS"]).EXPERIMENTS["song-abbott"]
    config = exp.make_config("quick")
    from hebblab.cli_resume import run_folder_name
    name = run_folder_name(exp, config, 1)
    folder = ck.checkpoint_folder(tmp_path, name)
    info = ck.manifest(exp.name, config.model_dump(mode="json"), 1, 0.0, name)
    info.update(change)
    ck.write_manifest(folder, info)
    return tmp_path / name, folder


@pytest.mark.parametrize("change, message", [
    (dict(code="0" * 20), "other hebblab code"),
    (dict(experiment="no-such-experiment"), "does not have"),
    (dict(version=ck.VERSION + 1), "newer hebblab"),
    (dict(seed="1"), "seed missing or of the wrong type"),
    (dict(config={"replicates": -3}), "its config is refused"),
    (dict(run_folder="elsewhere"), "does not give its run folder"),
])
def test_resume_refuses_a_checkpoint_it_cannot_trust(tmp_path, change, message):
    run_dir, _ = _fake_checkpoint(tmp_path, **change)
    r = runner.invoke(app, ["resume", str(run_dir)])
    assert r.exit_code == 2 and message in r.output and len(r.output.strip().splitlines()) == 1, r.output


def test_a_checkpoint_in_use_is_refused(tmp_path):
    from filelock import FileLock
    run_dir, folder = _fake_checkpoint(tmp_path)
    lock = FileLock(str(folder / ck.LOCK), thread_local=False)
    lock.acquire()
    try:
        r = runner.invoke(app, ["resume", str(run_dir)])
    finally:
        lock.release(force=True)
    assert r.exit_code == 2 and "another hebblab process" in r.output, r.output


@pytest.mark.parametrize("text, seconds", [("60s", 60.0), ("2m", 120.0), ("1.5h", 5400.0), ("500ms", 0.5),
                                           ("0s", 0.0), (" 3 min ", 180.0), (".5s", 0.5)])
def test_durations(text, seconds):
    assert ck.parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["60", "60x", "abc", "-5s", "1e3s", "", "s", "10 d", "1000h", "nan s", "5" * 50 + "s"])
def test_a_duration_that_is_not_one_is_one_line_and_creates_nothing(text, tmp_path):
    with pytest.raises(ValueError, match="--checkpoint-every"):
        ck.parse_duration(text)
    out = tmp_path / "out"
    r = runner.invoke(app, ["run", "song-abbott", "--checkpoint-every", text, "--out", str(out)])
    assert r.exit_code == 2 and "--checkpoint-every" in r.output and len(r.output.strip().splitlines()) == 1, r.output
    assert not out.exists()


def test_dry_run_with_checkpoints_writes_nothing(tmp_path):
    out = tmp_path / "out"
    r = runner.invoke(app, ["run", "song-abbott", "--checkpoint-every", "1m", "--dry-run", "--out", str(out)])
    assert r.exit_code == 0 and not out.exists(), r.output


def test_unit_values_come_back_exactly(tmp_path):
    f = np.asfortranarray(np.arange(12.0).reshape(3, 4) / 7)
    value = {"f32": np.float32(0.1), "i8": np.int8(-3), "F": f, "C": np.arange(5, dtype=np.int32), 0.25: "float key",
             ("a", 1): [None, True, 2**80, float("nan"), -0.0, float("inf"), "π"], "strings": np.array(["ab", "c"]),
             "empty": np.zeros((0, 3))}
    ck.write_value(tmp_path / "u.zip", "k", value)
    key, back = ck.read_value(tmp_path / "u.zip")
    assert key == "k" and list(back) == list(value)
    for k in value:
        a, b = value[k], back[k]
        assert type(a) is type(b), k
        if isinstance(a, np.ndarray):
            assert a.dtype == b.dtype and a.shape == b.shape and a.strides == b.strides and np.array_equal(a, b)
    assert back["F"].flags.f_contiguous and back["f32"].dtype == np.float32
    assert repr(back[("a", 1)]) == repr(value[("a", 1)])
    assert ck.unit("no checkpoint", lambda: value)["F"].flags.f_contiguous  # the same without a checkpoint
    with pytest.raises(TypeError, match="a unit's value must be"):
        ck.canonical({"x": object()})
