"""Fuzzing the code issue 12 added: ``hl.load`` on mutated network files, ``hebblab resume`` on
damaged checkpoints, ``hebblab sweep`` on random arguments and ``hebblab plot`` on damaged sweep
folders.

The property, as for the rest of the API and CLI (tests/test_hostile_api.py,
tests/test_hostile_cli.py): a valid outcome, or one clear error naming what is wrong (the API:
``NetworkFileError``, one line, naming the file; the CLI: one line on stderr, exit 2); never a
traceback, a hang (each case under a time limit), a crash or a half-written folder (a refused
command creates nothing). The counts (cases tried, clean, unclean, hangs, crashes, half-written)
are printed by the last test (``pytest -s``) and written as JSON to ``HEBBLAB_FUZZ_REPORT_NEW``.
"""

from __future__ import annotations

import json
import os
import random
import signal
import zipfile
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

import hebblab as hl
from hebblab.cli import app
from hebblab.io.netfile import NetworkFileError

runner = CliRunner()
EXAMPLES = int(os.environ.get("HEBBLAB_FUZZ_EXAMPLES", "40"))
COUNTS: dict[str, Counter] = {k: Counter() for k in ("hl.load", "hebblab resume", "hebblab sweep", "hebblab plot")}
LIMIT_S = 20  #: a case running longer than this is a hang


class _Hang(Exception):
    pass


def _alarm(signum, frame):
    raise _Hang()


def _timed(fn):
    """``fn()`` under a SIGALRM time limit: ("ok", value), ("hang", None) or ("raised", exc)."""
    old = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(LIMIT_S)
    try:
        return "ok", fn()
    except _Hang:
        return "hang", None
    except Exception as exc:  # noqa: BLE001 - classified by the caller
        return "raised", exc
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


def _tree(root: Path) -> list:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*")) if root.exists() else []


# ------------------------------------------------------------------------------------ hl.load

@pytest.fixture(scope="module")
def saved(tmp_path_factory) -> dict:
    """A valid network file, stored and deflated (``net.save(path, compress=True)``)."""
    net = hl.Network(dt=1e-4, seed=2, backend="reference")
    a = net.add(hl.PoissonSource(n=8, rate=40.0))
    b = net.add(hl.LIF(n=4))
    net.connect(a, b, rule=hl.rules.PairSTDP(), w=hl.Uniform(0.1, 0.4), delay=2e-4,
                connectivity=hl.FixedProbability(0.5))
    net.run(0.01)
    folder = tmp_path_factory.mktemp("saved")
    return {False: net.save(folder / "net.npz"), True: net.save(folder / "deflated.npz", compress=True)}


def _mutate_zip(data: bytes, rnd: random.Random, how: str) -> bytes:
    if how == "flip":
        b = bytearray(data)
        for _ in range(rnd.randint(1, 20)):
            b[rnd.randrange(len(b))] ^= 1 << rnd.randrange(8)
        return bytes(b)
    if how == "truncate":
        return data[:rnd.randrange(len(data))]
    if how == "splice":
        i, j = sorted(rnd.randrange(len(data)) for _ in range(2))
        return data[:i] + data[j:] + data[i:j]
    return bytes(rnd.randrange(256) for _ in range(rnd.randrange(1, 4000)))


def _mutate_members(path: Path, out: Path, rnd: random.Random) -> None:
    """Rewrite one member of a valid file: JSON with a value changed, or an array with bytes changed."""
    with zipfile.ZipFile(path) as z:
        items = {n: z.read(n) for n in z.namelist()}
    name = rnd.choice(sorted(items))
    data = items[name]
    if name.endswith(".json"):
        tree = json.loads(data)
        junk = rnd.choice([None, -1, 0, 1e308, float("nan"), "x", [], {}, [1, 2], 2**70, True, "../../etc"])

        def poke(t, depth=0):
            if isinstance(t, dict) and t:
                k = rnd.choice(sorted(t, key=str))
                if depth > 3 or rnd.random() < 0.4:
                    t[k] = junk
                else:
                    poke(t[k], depth + 1)
            elif isinstance(t, list) and t:
                i = rnd.randrange(len(t))
                if depth > 3 or rnd.random() < 0.4:
                    t[i] = junk
                else:
                    poke(t[i], depth + 1)
        poke(tree)
        items[name] = json.dumps(tree).encode()
    else:
        b = bytearray(data)
        for _ in range(rnd.randint(1, 8)):
            b[rnd.randrange(len(b))] = rnd.randrange(256)
        items[name] = bytes(b)
    with zipfile.ZipFile(out, "w") as z:
        for n, d in items.items():
            z.writestr(n, d)


@settings(max_examples=4 * EXAMPLES, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(seed=st.integers(0, 2**32 - 1), how=st.sampled_from(["flip", "truncate", "splice", "random", "member"]),
       deflated=st.booleans())
def test_fuzz_load_mutated_files(saved, tmp_path_factory, seed, how, deflated):
    rnd = random.Random(seed)
    path = tmp_path_factory.mktemp("m") / "bad.npz"
    good = saved[deflated]
    if how == "member":
        _mutate_members(good, path, rnd)
    else:
        path.write_bytes(_mutate_zip(good.read_bytes(), rnd, how))
    c = COUNTS["hl.load"]
    c["tried"] += 1
    kind, got = _timed(lambda: hl.load(path))
    if kind == "hang":
        c["hangs"] += 1
    clean = kind == "ok" or (kind == "raised" and isinstance(got, NetworkFileError) and "\n" not in str(got)
                             and str(got).startswith(str(path)))
    c["clean" if clean else "unclean"] += 1
    c["loaded" if kind == "ok" else "refused"] += 1
    assert kind != "hang"
    assert clean, repr(got)
    if kind == "ok":  # a file that loads is a network that runs
        got.run(1e-3)


# ------------------------------------------------------------------------------------ CLI helpers

def _classify(name: str, r, before: list, after: list) -> bool:
    """Count one CLI case: clean is exit 0, or exit 2 with one line on stderr and nothing created;
    an exception other than SystemExit is a crash of the command."""
    c = COUNTS[name]
    c["tried"] += 1
    crashed = r.exception is not None and not isinstance(r.exception, SystemExit)
    c["crashes"] += crashed
    half = r.exit_code != 0 and after != before
    c["half-written"] += half
    lines = [x for x in r.stderr.splitlines() if x.strip()]
    clean = not crashed and not half and "Traceback" not in r.output and (
        r.exit_code == 0 or (r.exit_code == 2 and len(lines) == 1))
    c["clean" if clean else "unclean"] += 1
    c["ok" if r.exit_code == 0 else "refused"] += 1
    return clean


# ------------------------------------------------------------------------------------ hebblab resume

@pytest.fixture(scope="module")
def checkpoint_folder(tmp_path_factory) -> Path:
    """A real checkpoint of a killed run: the manifest ``hebblab run --checkpoint-every`` writes."""
    from hebblab import checkpoint as ck
    from hebblab.experiments import EXPERIMENTS
    out = tmp_path_factory.mktemp("ck")
    exp = EXPERIMENTS["stdp-window"]
    config = exp.make_config("quick", dict(n_synapses=400, replicates=2))
    run_name = "stdp-window-0000000000-seed1"
    folder = out / f".{run_name}{ck.SUFFIX}"
    ck.write_manifest(folder, ck.manifest(exp.name, config.model_dump(mode="json"), 1, 0.0, run_name))
    return folder


junk_json = st.recursive(st.one_of(st.none(), st.booleans(), st.integers(-2**70, 2**70), st.floats(allow_nan=True),
                                   st.text(max_size=20)),
                         lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                 st.dictionaries(st.text(max_size=10), inner, max_size=4)),
                         max_leaves=12)


@settings(max_examples=2 * EXAMPLES, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_fuzz_resume_damaged_checkpoints(checkpoint_folder, tmp_path_factory, data):
    """A manifest with one field replaced by junk, a manifest that is junk, or no manifest: resume
    either refuses in one line (exit 2) or, where the damage left a valid manifest, is not tried
    here (a run); the run folder is never created by a refusal."""
    import shutil
    out = tmp_path_factory.mktemp("r")
    folder = out / checkpoint_folder.name
    shutil.copytree(checkpoint_folder, folder)
    info = json.loads((folder / "checkpoint.json").read_text())
    how = data.draw(st.sampled_from(["field", "whole", "bytes", "missing"]))
    if how == "field":
        key = data.draw(st.sampled_from(sorted(info)))
        info[key] = data.draw(junk_json)
        (folder / "checkpoint.json").write_text(json.dumps(info))
    elif how == "whole":
        (folder / "checkpoint.json").write_text(json.dumps(data.draw(junk_json)))
    elif how == "bytes":
        (folder / "checkpoint.json").write_bytes(data.draw(st.binary(max_size=200)))
    else:
        (folder / "checkpoint.json").unlink()
    target = data.draw(st.sampled_from([out / info.get("run_folder", "x") if isinstance(info.get("run_folder"), str)
                                        and "/" not in info.get("run_folder", "/") else out / "x", out / "nothing",
                                        folder]))
    before = _tree(out)
    kind, r = _timed(lambda: runner.invoke(app, ["resume", str(target)]))
    c = COUNTS["hebblab resume"]
    if kind == "hang":
        c["tried"] += 1
        c["hangs"] += 1
        pytest.fail("resume hung")
    if r.exit_code == 0:
        pytest.skip("the damage left a resumable checkpoint (that is a run, not a refusal)")
    assert _classify("hebblab resume", r, before, _tree(out)), (r.exit_code, r.output[-1500:], r.exception)


# ------------------------------------------------------------------------------------ hebblab sweep

arg_value = st.one_of(st.sampled_from(["20,40", "1", "0", "-1", "nan", "inf", "1e999", "", ",", "a=b", "x" * 300,
                                       "[/x]", "\x1b[31m", "20,20", "true"]), st.text(max_size=15))


@settings(max_examples=3 * EXAMPLES, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_fuzz_sweep_arguments(tmp_path_factory, data):
    """Random --grid, --set, --seeds, --seed0, --workers, --scheduler: anything the sweep cannot
    run is refused in one line before a folder is made. The cases that would run a sweep (every
    argument valid) are not run here: tests/test_sweep.py runs sweeps."""
    out = tmp_path_factory.mktemp("sw") / "s"
    args = ["sweep", data.draw(st.sampled_from(["stdp-window", "write-cost", "nope", ""]))]
    for _ in range(data.draw(st.integers(0, 3))):
        key = data.draw(st.sampled_from(["n_pairings", "replicates", "bogus", "", "seed", "n_synapses"]))
        args += ["--grid", f"{key}={data.draw(arg_value)}"]
    for opt in ("--set", "--seeds", "--seed0", "--workers", "--scheduler"):
        if data.draw(st.booleans()):
            v = data.draw(arg_value)
            args += [opt, f"replicates={v}" if opt == "--set" else v]
    args += ["--out", str(out)]
    import hebblab.sweep as sweep_module
    ran = []
    real = sweep_module.execute

    def no_run(*a, **k):  # every argument valid: stop before computing anything
        ran.append(1)
        raise SystemExit(0)
    sweep_module.execute = no_run
    try:
        kind, r = _timed(lambda: runner.invoke(app, args))
    finally:
        sweep_module.execute = real
    if kind == "hang":
        COUNTS["hebblab sweep"]["tried"] += 1
        COUNTS["hebblab sweep"]["hangs"] += 1
        pytest.fail("sweep hung")
    if ran:  # valid: the sweep folder may exist (sweep.json is written before the points run)
        COUNTS["hebblab sweep"]["tried"] += 1
        COUNTS["hebblab sweep"]["clean"] += 1
        COUNTS["hebblab sweep"]["valid (not run)"] += 1
        return
    assert _classify("hebblab sweep", r, [], _tree(out)), (args, r.exit_code, r.output[-1500:], r.exception)


# ------------------------------------------------------------------------------------ hebblab plot

@settings(max_examples=2 * EXAMPLES, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_fuzz_plot_damaged_sweep_folders(tmp_path_factory, data):
    folder = tmp_path_factory.mktemp("pl")
    spec = {"spec": {"experiment": "stdp-window", "grid": {"a": [1, 2]}},
            "rows": [{"set.a": 1, "seed": 1, "status": "ok", "b.mean": 2.0}, {"set.a": 2, "seed": 1, "status": "ok",
                                                                              "b.mean": 3.0}]}
    how = data.draw(st.sampled_from(["junk", "field", "bytes", "none", "good"]))
    if how == "junk":
        (folder / "sweep.json").write_text(json.dumps(data.draw(junk_json)))
    elif how == "field":
        target = data.draw(st.sampled_from(["spec", "rows"]))
        spec[target] = data.draw(junk_json)
        (folder / "sweep.json").write_text(json.dumps(spec))
    elif how == "bytes":
        (folder / "sweep.json").write_bytes(data.draw(st.binary(max_size=200)))
    elif how == "good":
        (folder / "sweep.json").write_text(json.dumps(spec))
    x = data.draw(st.sampled_from(["a", "b", "", "[/x]"]))
    y = data.draw(st.sampled_from(["b", "a", "zz", ""]))
    args = ["plot", str(folder), f"x={x}", f"y={y}"] + (["hue=a"] if data.draw(st.booleans()) else [])
    before = _tree(folder)
    kind, r = _timed(lambda: runner.invoke(app, args))
    if kind == "hang":
        COUNTS["hebblab plot"]["tried"] += 1
        COUNTS["hebblab plot"]["hangs"] += 1
        pytest.fail("plot hung")
    assert _classify("hebblab plot", r, before, _tree(folder)), (args, r.exit_code, r.output[-1500:], r.exception)


def test_fuzz_counts_of_the_new_code():
    """Runs last in this file: the counts, printed (pytest -s) and written where asked."""
    counts = {k: dict(v) for k, v in COUNTS.items()}
    print("\nfuzz counts (new code):", json.dumps(counts))
    if os.environ.get("HEBBLAB_FUZZ_REPORT_NEW"):
        Path(os.environ["HEBBLAB_FUZZ_REPORT_NEW"]).write_text(json.dumps(counts, indent=1))
    for c in COUNTS.values():
        assert c["unclean"] == c["hangs"] == c["crashes"] == c["half-written"] == 0
