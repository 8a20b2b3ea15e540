"""hebblab sweep and hebblab plot: grids, one run folder per point, the same rows on local
processes and on a dask LocalCluster, resume computing exactly the missing point, recorded
failures, and one-line refusals that create nothing."""

import csv
import json

import pytest
from typer.testing import CliRunner

from hebblab.cli import app
from hebblab.sweep import flatten, grid_points, run_point

runner = CliRunner()
SMALL = ["--set", "n_synapses=500", "--set", "bootstrap_resamples=200", "--set", "ml_resamples=100",
         "--set", "replicates=2"]
BASE = ["sweep", "stdp-window", "--grid", "n_pairings=20,60", "--seeds", "1", "--seed0", "3", "--workers", "2", *SMALL]


def rows(folder):
    return list(csv.DictReader(open(folder / "results.csv")))


def without_timing(r):
    return {k: v for k, v in r.items() if k != "duration_s"}


def test_grid_points_product_and_zip():
    assert grid_points({"a": [1, 2], "b": ["x", "y"]}) == [{"a": 1, "b": "x"}, {"a": 1, "b": "y"},
                                                           {"a": 2, "b": "x"}, {"a": 2, "b": "y"}]
    assert grid_points({"a": [1, 2], "b": ["x", "y"]}, zip_=True) == [{"a": 1, "b": "x"}, {"a": 2, "b": "y"}]
    assert grid_points({}) == [{}]
    with pytest.raises(ValueError, match=r"--zip: every --grid key needs the same number of values \(got a: 2, b: 1\)"):
        grid_points({"a": [1, 2], "b": [3]}, zip_=True)


def test_flatten_turns_intervals_into_columns():
    flat = flatten({"x": {"mean": 1.0, "ci95": [0.5, 1.5], "n": 4}, "g": {"y": 2, "z": "s", "l": [1, 2]}})
    assert flat == {"x.mean": 1.0, "x.ci95_low": 0.5, "x.ci95_high": 1.5, "x.n": 4, "g.y": 2, "g.z": "s",
                    "g.l": "[1, 2]"}


def test_a_failing_point_is_recorded_not_raised(tmp_path):
    row = run_point("stdp-window", "quick", {"n_synapses": -5}, 1, str(tmp_path))
    assert row["status"] == "error" and "n_synapses" in row["error"] and row["folder"] == ""
    assert row["seed"] == 1 and row["set.n_synapses"] == -5


def test_local_and_dask_give_the_same_rows_resume_recomputes_exactly_the_missing_and_plot(tmp_path):
    local, dask = tmp_path / "local", tmp_path / "dask"
    r = runner.invoke(app, [*BASE, "--out", str(local)])
    assert r.exit_code == 0, r.output
    assert "2 computed (0 already done), 2 ok, 0 failed" in r.output
    r = runner.invoke(app, [*BASE, "--scheduler", "local", "--out", str(dask)])
    assert r.exit_code == 0, r.output
    a, b = rows(local), rows(dask)
    assert len(a) == 2 and all(x["status"] == "ok" for x in a)
    assert [without_timing(x) for x in a] == [without_timing(y) for y in b]
    assert [x["set.n_pairings"] for x in a] == ["20", "60"] and {x["seed"] for x in a} == {"3"}
    points = sorted(p for p in (local / "points").iterdir() if p.is_dir())
    assert len(points) == 2 and all((p / "COMPLETE").is_file() for p in points)
    import pyarrow.parquet as pq
    assert pq.read_table(local / "results.parquet").num_rows == 2
    spec = json.loads((local / "sweep.json").read_text())["spec"]
    assert spec["grid"] == {"n_pairings": [20, 60]} and spec["seeds"] == [3]

    # resume after a point folder is deleted: exactly that point is computed again
    import shutil
    kept = {p.name: p.stat().st_mtime_ns for p in points[1:]}
    shutil.rmtree(points[0])
    r = runner.invoke(app, [*BASE, "--out", str(local), "--resume"])
    assert r.exit_code == 0, r.output
    assert "1 computed (1 already done), 2 ok, 0 failed" in r.output
    assert all((p / "COMPLETE").is_file() for p in points)
    assert {p.name: p.stat().st_mtime_ns for p in points[1:]} == kept
    assert [without_timing(x) for x in rows(local)] == [without_timing(y) for y in a]

    r = runner.invoke(app, ["plot", str(local), "x=n_pairings", "y=bin_mean.ltp"])
    assert r.exit_code == 0, r.output
    assert (local / "plot-bin_mean.ltp-vs-n_pairings.png").stat().st_size > 5000


@pytest.mark.parametrize("args, message", [
    (["--grid", "n_pairings"], "--grid 'n_pairings': expected key=v1,v2,..."),
    (["--grid", "n_pairings=20,,60"], "an empty value"),
    (["--grid", "n_pairings=20,20"], "a value is repeated"),
    (["--grid", "n_pairings=20", "--grid", "n_pairings=60"], "given twice"),
    (["--grid", "n_pairings=-3"], "n_pairings"),
    (["--grid", "no_such_key=1,2"], "unknown key for stdp-window"),
    (["--grid", "replicates=2,3", "--set", "replicates=2"], "--set and --grid both give replicates"),
    (["--grid", "n_pairings=20,60", "--grid", "replicates=2", "--zip"], "same number of values"),
    (["--scheduler", "http://x"], "expected 'local' or tcp://host:port"),
    (["--grid", "n_pairings=20,20.0"], "are the same point once validated"),
])
def test_bad_sweeps_are_one_line_and_create_nothing(tmp_path, args, message):
    out = tmp_path / "s"
    r = runner.invoke(app, ["sweep", "stdp-window", *args, "--out", str(out)])
    assert r.exit_code == 2, r.output
    assert message in " ".join(r.output.split())
    assert len(r.output.strip().splitlines()) == 1
    assert not out.exists()


def test_an_existing_sweep_needs_resume_and_a_different_one_is_refused(tmp_path):
    out = tmp_path / "s"
    out.mkdir()
    spec = {"spec": {"format": 1, "experiment": "stdp-window", "size": "quick", "grid": {"n_pairings": [5]},
                     "zip": False, "seeds": [1], "fixed": {}}, "rows": []}
    (out / "sweep.json").write_text(json.dumps(spec))
    r = runner.invoke(app, ["sweep", "stdp-window", "--grid", "n_pairings=20", "--out", str(out)])
    assert r.exit_code == 2 and "already holds a sweep: add --resume" in " ".join(r.output.split())
    r = runner.invoke(app, ["sweep", "stdp-window", "--grid", "n_pairings=20", "--out", str(out), "--resume"])
    assert r.exit_code == 2 and "holds a different sweep" in " ".join(r.output.split())
    assert sorted(p.name for p in out.iterdir()) == ["sweep.json"]


def test_plot_refuses_what_it_cannot_draw(tmp_path):
    r = runner.invoke(app, ["plot", str(tmp_path), "x=a", "y=b"])
    assert r.exit_code == 2 and "is not a sweep folder" in r.output
    (tmp_path / "sweep.json").write_text(json.dumps({"spec": {}, "rows": [{"set.a": 1, "status": "ok", "b.mean": 2}]}))
    r = runner.invoke(app, ["plot", str(tmp_path), "x=c", "y=b"])
    assert r.exit_code == 2 and "not a grid key of this sweep (allowed: a)" in " ".join(r.output.split())
    r = runner.invoke(app, ["plot", str(tmp_path), "y=b"])
    assert r.exit_code == 2 and "give x=KEY and y=HEADLINE" in r.output
    r = runner.invoke(app, ["plot", str(tmp_path), "x=a", "y=b"])
    assert r.exit_code == 0, r.output


def _descendants(ancestor, wanted):
    """PIDs of running processes descended from ``ancestor`` whose command line (bytes, NUL
    separated) ``wanted`` accepts (so that no other process on the machine is touched)."""
    import os

    def parent(pid):
        try:
            return int(open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            return 0

    pids = []
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                cmd = open(f"/proc/{d}/cmdline", "rb").read()
            except OSError:
                continue
            if wanted(cmd):
                p = int(d)
                while p > 1 and p != ancestor:
                    p = parent(p)
                if p == ancestor:
                    pids.append(int(d))
    return pids


def _point_processes(ancestor):
    """PIDs of running point processes (``python -m hebblab.sweep``) below ``ancestor``."""
    return _descendants(ancestor, lambda cmd: b"-m" in cmd.split(b"\0") and b"hebblab.sweep" in cmd.split(b"\0"))


def _sweep_with_a_running_point(tmp_path):
    """Start a 3-point local sweep on one worker; return (process, its command, out, the first
    point process's PIDs) once a point runs."""
    import subprocess
    import sys
    import time
    out = tmp_path / "s"
    cmd = [sys.executable, "-m", "hebblab.cli", "sweep", "stdp-window", "--grid", "n_pairings=20,40,60",
           "--workers", "1", *SMALL, "--out", str(out)]
    sweep = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 300
    while not _point_processes(sweep.pid) and time.time() < deadline and sweep.poll() is None:
        time.sleep(0.05)
    children = _point_processes(sweep.pid)
    assert children, "no point process appeared"
    return sweep, cmd, out, children


@pytest.mark.skipif(not __import__("os").path.isdir("/proc"), reason="finds the point's process in /proc")
def test_a_killed_point_process_loses_only_its_point_and_resume_recomputes_it(tmp_path):
    import os
    import signal
    import subprocess
    sweep, cmd, out, victims = _sweep_with_a_running_point(tmp_path)
    os.kill(victims[0], signal.SIGKILL)
    stdout, stderr = sweep.communicate(timeout=600)
    assert sweep.returncode == 0, stderr[-2000:]
    assert "3 computed (0 already done), 2 ok, 1 failed" in " ".join(stdout.split())
    got = rows(out)
    lost = [r for r in got if r["status"] != "ok"]
    assert len(lost) == 1 and "worker process exited with -9" in lost[0]["error"]
    r = subprocess.run(cmd + ["--resume"], capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr[-2000:]
    assert "1 computed (2 already done), 3 ok, 0 failed" in " ".join(r.stdout.split())


from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@settings(max_examples=300, deadline=None, database=None, suppress_health_check=list(HealthCheck))
@given(items=st.lists(st.text(max_size=40), max_size=4))
def test_fuzz_grid_parsing_is_a_grid_or_one_named_error(items):
    """Any --grid strings: a {key: [values]} grid, or BadInput naming --grid; never another exception."""
    from hebblab.cli import BadInput
    from hebblab.cli_sweep import _grid
    try:
        grid = _grid(items)
    except BadInput as e:
        assert str(e).startswith("--grid") or str(e).startswith("--set"), str(e)
        return
    assert isinstance(grid, dict) and all(isinstance(v, list) and v for v in grid.values())


@pytest.mark.skipif(not __import__("os").path.isdir("/proc"), reason="finds the point's process in /proc")
def test_sigterm_stops_the_sweep_and_its_running_point(tmp_path):
    """Found by review: an interrupted local sweep used to wait for, and run, every queued point."""
    import os
    import signal
    import time
    sweep, _, out, children = _sweep_with_a_running_point(tmp_path)
    sweep.send_signal(signal.SIGTERM)
    sweep.communicate(timeout=120)
    assert sweep.returncode == 143
    time.sleep(0.5)
    for pid in children:
        assert not os.path.exists(f"/proc/{pid}") or open(f"/proc/{pid}/stat").read().split(")")[1].split()[0] == "Z"
    done = [p for p in (out / "points").iterdir() if p.is_dir()] if (out / "points").exists() else []
    assert len(done) < 3  # the queued points did not run


def test_summarize_gives_the_mean_and_a_95_percent_t_interval_over_seeds():
    """Against the textbook formula written here: mean +- t_{0.975, n-1} s / sqrt(n)."""
    import math

    from hebblab.sweep import summarize
    vals = {10: [1.0, 2.0, 4.0], 20: [5.0, 5.5]}
    rows = [{"set.k": k, "status": "ok", "y.mean": v} for k, vs in vals.items() for v in vs]
    rows += [{"set.k": 10, "status": "error", "y.mean": 100.0}, {"set.k": 10, "status": "ok", "y.mean": ""}]
    got = summarize(rows, "set.k", "y")
    assert got["column"] == "y.mean"
    t975 = {2: 4.302652729911275, 1: 12.706204736174707}  # Student t quantiles, df = 2 and 1
    for (x, mean, half, n), k in zip(got["groups"][None], (10, 20)):
        v = vals[k]
        m = sum(v) / len(v)
        s = math.sqrt(sum((a - m) ** 2 for a in v) / (len(v) - 1))
        assert (x, n) == (k, len(v))
        assert math.isclose(mean, m) and math.isclose(half, t975[len(v) - 1] * s / math.sqrt(len(v)))


def _dask_workers(ancestor):
    """PIDs of the LocalCluster's worker processes (spawned by multiprocessing) below ``ancestor``."""
    return _descendants(ancestor, lambda cmd: b"multiprocessing" in cmd and b"resource_tracker" not in cmd)


@pytest.mark.skipif(not __import__("os").path.isdir("/proc"), reason="finds the workers' processes in /proc")
def test_a_dask_worker_killed_mid_sweep_loses_at_most_its_point(tmp_path):
    """SIGKILL one of a LocalCluster's two worker processes while the sweep's points run: its nanny
    starts a new worker and the scheduler runs the lost point again (or, past its retries, records
    that point alone as failed); the sweep ends, every point has a row, and --resume completes it."""
    import os
    import signal
    import subprocess
    import sys
    import time
    out = tmp_path / "s"
    cmd = [sys.executable, "-m", "hebblab.cli", "sweep", "stdp-window", "--grid", "n_pairings=20,40,60,80",
           "--workers", "2", "--scheduler", "local", *SMALL, "--out", str(out)]
    sweep = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 300
    while len(_dask_workers(sweep.pid)) < 2 and time.time() < deadline and sweep.poll() is None:
        time.sleep(0.05)
    workers = _dask_workers(sweep.pid)
    assert len(workers) >= 2, "the LocalCluster's workers did not appear"
    points = out / "points"
    while time.time() < deadline and sweep.poll() is None and not (points.is_dir() and any(points.iterdir())):
        time.sleep(0.05)  # the first point's folder: the workers are running points now
    assert sweep.poll() is None, "the sweep ended before a worker could be killed"
    victim = max(workers)
    os.kill(victim, signal.SIGKILL)
    stdout, stderr = sweep.communicate(timeout=900)
    assert sweep.returncode == 0, stderr[-2000:]
    got = rows(out)
    assert sorted(r["set.n_pairings"] for r in got) == ["20", "40", "60", "80"]
    failed = [r for r in got if r["status"] != "ok"]
    assert len(failed) <= 1, failed
    for r in failed:
        assert r["error"], r
    r = subprocess.run(cmd + ["--resume"], capture_output=True, text=True, timeout=900)
    assert r.returncode == 0, r.stderr[-2000:]
    assert f"{len(failed)} computed ({4 - len(failed)} already done), 4 ok, 0 failed" in " ".join(r.stdout.split())
    # two point folders deleted: --resume computes exactly those two and leaves the others as they were
    import shutil
    folders = sorted(p for p in (out / "points").iterdir() if p.is_dir() and not p.name.startswith("."))
    assert len(folders) == 4
    kept = {p.name: p.stat().st_mtime_ns for p in folders[2:]}
    for p in folders[:2]:
        shutil.rmtree(p)
    r = subprocess.run(cmd + ["--resume"], capture_output=True, text=True, timeout=900)
    assert r.returncode == 0, r.stderr[-2000:]
    assert "2 computed (2 already done), 4 ok, 0 failed" in " ".join(r.stdout.split())
    assert {p.name: p.stat().st_mtime_ns for p in folders[2:]} == kept
    assert all((p / "COMPLETE").is_file() for p in folders)
