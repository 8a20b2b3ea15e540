"""net.save / hl.load: a saved network continues bit for bit, and a hostile file is one clear error.

Continuation: a network saved at T1 and loaded in a new process runs to T2 with the weights,
spikes, monitors and random draws of the run that was never interrupted, on the numba backend
(1 and 2 threads) and the reference backend. Every registered rule round-trips. Hostile files
(each case one test): every one gives one NetworkFileError naming the file and what is wrong,
and none executes code.
"""

import io
import json
import os
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import numpy as np
import pytest

import hebblab as hl
from hebblab.io.netfile import VERSION, NetworkFileError

SRC = str(Path(hl.__file__).resolve().parents[1])
T1, T2 = 0.02, 0.035

# the network and what is compared, shared by this process and the subprocess that continues it
COMMON = textwrap.dedent('''
    import numpy as np
    import hebblab as hl

    def build(backend="numba"):
        net = hl.Network(dt=1e-4, seed=7, backend=backend, potentiation="deferred")
        src = net.add(hl.PoissonSource(n=40, rate=40.0))
        ss = net.add(hl.SpikeSource(n=3, times=[0.001, 0.002, 0.0105, 0.021, 0.03], indices=[0, 1, 2, 0, 1]))
        lif = net.add(hl.LIF(n=10))
        iff = net.add(hl.IF(n=5, threshold=1.0, refractory=2))
        p1 = net.connect(src, lif, rule=hl.rules.PairSTDP(a_plus=0.01, a_minus=0.0105, w_max=1.0,
                                                          noise=hl.Scatter("synapse")),
                         w=hl.Uniform(0, 0.5), delay=0.0005)
        net.connect(src, lif, rule=hl.rules.PairSTDP(noise=hl.Scatter("pairing")), w=0.3,
                    connectivity=hl.FixedProbability(0.3), delay=0.0012)
        net.connect(ss, iff, w=0.6, connectivity=(np.array([0, 1, 2, 2]), np.array([0, 1, 2, 4])))
        net.poisson_input(lif, n=100, rate=10.0, weight=0.5, target="g_e")
        net.inject(lif, times=[0.002, 0.03], indices=[1, 2], values=[25e-3, 25e-3], kind="voltage")
        net.inject(iff, times=[0.005, 0.015, 0.03], indices=[0, 1, 3], values=[0.3, 0.2, 1.5], kind="current")
        net.monitor(lif)
        net.monitor(src)
        net.monitor(iff)
        net.monitor(lif, "v", every=0.001)
        net.monitor(p1, "w", every=0.002, indices=[0, 5, 7])
        return net

    def result(net):
        out = {"step": np.array(net.step)}
        for k, j in enumerate(net.projections):
            out[f"w{k}"], out[f"syn{k}"] = j.w, j.syn
            out[f"pre{k}"], out[f"post{k}"] = j.pre_vars, j.post_vars
        for k, p in enumerate(net.populations):
            out[f"S{k}"] = p.S
        for k, m in enumerate(net.spike_monitors):
            out[f"spike_steps{k}"], out[f"spike_i{k}"] = m.steps, m.i
        for k, m in enumerate(net.state_monitors):
            out[f"sample_t{k}"], out[f"sample_v{k}"] = m.t, m.values
        return out
''')
ns: dict = {}
exec(COMMON, ns)
build, result = ns["build"], ns["result"]


def assert_same(a: dict, b: dict, label: str):
    assert set(a) == set(b), label
    for k in a:
        x, y = np.asarray(a[k]), np.asarray(b[k])
        assert x.dtype == y.dtype and x.shape == y.shape, (label, k, x.dtype, y.dtype, x.shape, y.shape)
        assert np.array_equal(x, y), (label, k)


def test_saved_network_continues_bit_for_bit_in_a_new_process(tmp_path):
    whole = build()
    whole.run(T2)
    expected = result(whole)
    assert len(whole.spike_monitors[0].steps) > 20 and len(whole.spike_monitors[2].steps) > 0
    net = build()
    net.run(T1)
    path = net.save(tmp_path / "t1.npz")
    script = COMMON + textwrap.dedent(f'''
        import sys
        for backend, threads in (("numba", 1), ("numba", 2), ("reference", None)):
            net = hl.load(sys.argv[1], backend=backend)
            net.run({T2 - T1!r} * hl.second, threads=threads)
            np.savez(f"{{sys.argv[2]}}/{{backend}}-{{threads}}.npz", **result(net))
    ''')
    env = {**os.environ, "PYTHONPATH": SRC + os.pathsep + os.environ.get("PYTHONPATH", ""),
           "HEBBLAB_ALLOW_OVERSUBSCRIBE": "1"}
    r = subprocess.run([sys.executable, "-c", script, str(path), str(tmp_path)], capture_output=True, text=True,
                       timeout=600, env=env)
    assert r.returncode == 0, r.stderr[-3000:]
    for name in ("numba-1", "numba-2", "reference-None"):
        with np.load(tmp_path / f"{name}.npz", allow_pickle=False) as f:
            assert_same(expected, {k: f[k] for k in f.files}, name)
    net.run(T2 - T1)  # and the saved network itself was not changed by saving
    assert_same(expected, result(net), "saver")


RULE_CASES = [cls() for cls in hl.RULES.values()] + [
    hl.rules.PairSTDP(pairing="nearest-pre-centred"), hl.rules.PairSTDP(coincident="ignore"),
    hl.rules.PairSTDP(pairing="nearest-restricted"), hl.rules.TripletSTDP(coincident="ignore"),
    hl.rules.BurstGatedBinary(noise=hl.Scatter("synapse")),
    hl.rules.PairSTDP(noise=(hl.Scatter("pairing"), hl.Scatter("synapse")))]


@pytest.mark.parametrize("rule", RULE_CASES, ids=lambda r: type(r).__name__)
def test_every_rule_round_trips(rule, tmp_path):
    def make():
        net = hl.Network(dt=1e-3, seed=3, backend="reference")
        a = net.add(hl.PoissonSource(n=20, rate=80.0))
        b = net.add(hl.LIF(n=4, tau_m=10e-3))
        net.poisson_input(b, n=50, rate=40.0, weight=2e-3, target="g_e")
        lo, hi = rule.bounds()
        w0 = max(lo, 0.0)
        net.connect(a, b, rule=rule, w=hl.Uniform(w0, min(hi, w0 + 0.5)) if hi > lo else lo, delay=0.002)
        return net
    net = make()
    net.run(0.25)
    loaded = hl.load(net.save(tmp_path / "r.npz"))
    assert loaded.projections[0].rule == rule
    net.run(0.1)
    loaded.run(0.1)
    assert_same(result(net), result(loaded), type(rule).__name__)


def test_saving_twice_gives_the_same_file_contents(tmp_path):
    net = build("reference")
    net.run(0.002)
    a = net.save(tmp_path / "a.npz")
    b = hl.load(a).save(tmp_path / "b.npz")
    za, zb = zipfile.ZipFile(a), zipfile.ZipFile(b)
    assert za.namelist() == zb.namelist()
    for name in za.namelist():
        if name == "pop0.I.npy":  # a Poisson source's wheel links are internal: rebuilt on load
            x, y = (np.load(io.BytesIO(z.read(name))) for z in (za, zb))
            assert np.array_equal(x[:2], y[:2])
            continue
        assert za.read(name) == zb.read(name), name


def test_save_is_atomic_and_refuses_non_finite_state(tmp_path, monkeypatch):
    net = build("reference")
    path = net.save(tmp_path / "n.npz")
    before = path.read_bytes()
    from hebblab.io import netfile

    def broken(*a, **k):
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(netfile.np.lib.format, "write_array", broken)
    with pytest.raises(OSError):
        net.save(path)
    monkeypatch.undo()
    assert path.read_bytes() == before and sorted(p.name for p in tmp_path.iterdir()) == ["n.npz"]
    net.populations[2].S[0, 3] = np.nan
    with pytest.raises(ValueError, match="pop2.S.*not finite"):
        net.save(tmp_path / "nan.npz")
    assert not (tmp_path / "nan.npz").exists()


def test_a_model_of_your_own_loads_only_once_registered(tmp_path):
    from dataclasses import dataclass

    @dataclass(frozen=True)
    class MyLIF(hl.LIF):
        pass
    net = hl.Network(dt=1e-4, seed=1, backend="reference")
    net.add(MyLIF(n=3))
    path = net.save(tmp_path / "mine.npz")
    with pytest.raises(NetworkFileError, match=r"unknown model 'MyLIF'.*register_model"):
        hl.load(path)
    hl.register_model(MyLIF)
    try:
        assert type(hl.load(path).populations[0].model) is MyLIF
    finally:
        hl.MODELS.pop("MyLIF")


# ------------------------------------------------------------------------------------ hostile files

@pytest.fixture(scope="module")
def good(tmp_path_factory) -> Path:
    """A valid file of a network with every kind of part (reference backend: nothing to compile)."""
    net = build("reference")
    net.connect(net.populations[0], net.populations[3], rule=hl.rules.Cascade(), w=0.0,
                connectivity=hl.FixedProbability(0.2))
    net.run(0.012)
    return net.save(tmp_path_factory.mktemp("good") / "good.npz")


def members(path) -> dict:
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist()}


def write(path, items: dict, method=zipfile.ZIP_STORED) -> Path:
    with zipfile.ZipFile(path, "w", compression=method) as z:
        for n, data in items.items():
            z.writestr(n, data)
    return path


def npy(arr, allow_pickle=False) -> bytes:
    buf = io.BytesIO()
    np.lib.format.write_array(buf, arr, allow_pickle=allow_pickle)
    return buf.getvalue()


def array_of(items, name):
    return np.load(io.BytesIO(items[f"{name}.npy"]), allow_pickle=False)


def with_header(items, change):
    h = json.loads(items["network.json"])
    change(h)
    return {**items, "network.json": json.dumps(h)}


def with_array(items, name, change):
    arr = array_of(items, name).copy()
    arr = change(arr)
    return {**items, f"{name}.npy": npy(arr)}


PWNED = "/tmp/hebblab-save-load-pwned"


class Pwn:
    def __reduce__(self):
        return (os.system, (f"touch {PWNED}",))


def _object_array(items):
    arr = np.empty(3, dtype=object)
    arr[:] = [Pwn(), Pwn(), Pwn()]
    return {**items, "proj0.w.npy": npy(arr, allow_pickle=True)}


def _zip_bomb(items):
    # 64 MiB of zeros deflated to ~64 KiB, declared as the weights
    n = 16 << 20
    data = npy(np.zeros(n, np.float32))
    return {**items, "proj0.w.npy": data}


def _huge_declared_shape(items):
    buf = io.BytesIO()
    np.lib.format.write_array_header_1_0(buf, {"descr": "<f4", "fortran_order": False, "shape": (2**40,)})
    return {**items, "proj0.w.npy": buf.getvalue() + b"\0" * 16}


def _truncated_npy(items):
    return {**items, "proj0.w.npy": items["proj0.w.npy"][:-7]}


def _set(path, value):
    def change(h):
        d = h
        for key in path[:-1]:
            d = d[key]
        d[path[-1]] = value
    return change


def _nan_token(items):
    text = items["network.json"].decode() if isinstance(items["network.json"], bytes) else items["network.json"]
    h = json.loads(text)
    h["populations"][2]["params"]["tau_m"] = "@NAN@"
    return {**items, "network.json": json.dumps(h).replace('"@NAN@"', "NaN")}


def _cascade_index(items, h):
    return next(k for k, p in enumerate(h["projections"]) if p["rule"] and p["rule"]["name"] == "cascade")


def _cascade_depth(items):
    k = _cascade_index(items, json.loads(items["network.json"]))
    return with_array(items, f"proj{k}.syn", lambda a: np.where(np.arange(a.shape[0])[:, None] == 0, 1e6, a))


def _future_spike(items):
    return with_array(items, "proj0.post_vars", lambda a: (a.__setitem__((0, 1), 1e6), a)[1])


def _poisson_past(items):
    return with_array(items, "pop0.I", lambda a: (a.__setitem__((0, 0), 3), a)[1])


def _deep(items):
    return {**items, "network.json": "[" * 100_000 + "]" * 100_000}


def _header_bomb(items):
    return {"network.json": b" " * (80 << 20), **{k: v for k, v in items.items() if k != "network.json"}}


CASES = {
    # the container
    "not a zip archive": (lambda items: None, b"this is not a network file", "not a zip archive"),
    "empty file": (lambda items: None, b"", "not a zip archive"),
    "truncated file": (lambda items: "TRUNCATE", None, "zip"),
    "no network.json": (lambda items: {k: v for k, v in items.items() if k != "network.json"}, None, "no network.json"),
    "header bomb (80 MiB of JSON)": (_header_bomb, None, "network.json declares"),
    "member past the header": (lambda items: {**items, "evil.npy": npy(np.zeros(3))}, None, "belong to nothing"),
    # the JSON
    "JSON is a list": (lambda items: {**items, "network.json": "[]"}, None, "must be a JSON object"),
    "JSON is null": (lambda items: {**items, "network.json": "null"}, None, "must be a JSON object"),
    "malformed JSON": (lambda items: {**items, "network.json": '{"format": '}, None, "not valid JSON"),
    "JSON nested 100,000 deep": (_deep, None, "nested too deeply"),
    "JSON with a key twice": (lambda items: {**items, "network.json": '{"format": 1, "format": 2}'}, None,
                              "appears twice"),
    "not UTF-8": (lambda items: {**items, "network.json": b"\xff\xfe{"}, None, "not UTF-8"),
    "another format": (lambda items: with_header(items, _set(["format"], "npz")), None, "not a hebblab network file"),
    "newer format version": (lambda items: with_header(items, _set(["version"], VERSION + 1)), None,
                             f"format version {VERSION + 1}.*upgrade hebblab"),
    "version as text": (lambda items: with_header(items, _set(["version"], "1")), None, "version must be an integer"),
    "unknown top-level field": (lambda items: with_header(items, _set(["exec"], "import os")), None, "unknown field"),
    "step negative": (lambda items: with_header(items, _set(["network", "step"], -5)), None, "network.step"),
    "step past MAX_STEP": (lambda items: with_header(items, _set(["network", "step"], 2**60)), None, "network.step"),
    "dt NaN (as text)": (lambda items: with_header(items, _set(["network", "dt"], "nan")), None, "Network.dt"),
    "seed too large": (lambda items: with_header(items, _set(["network", "seed"], 2**70)), None, "Network.seed"),
    # models and rules: found by name in the registries, never imported
    "unknown model": (lambda items: with_header(items, _set(["populations", 2, "model"], "Izhikevich")), None,
                      r"unknown model 'Izhikevich'.*register_model"),
    "model named by a module path": (lambda items: with_header(items, _set(["populations", 2, "model"], "os.system")),
                                     None, "unknown model 'os.system'"),
    "unknown rule": (lambda items: with_header(items, _set(["projections", 0, "rule", "name"], "my-rule")), None,
                     r"unknown rule 'my-rule'.*register_rule"),
    "unknown parameter": (lambda items: with_header(items, _set(["populations", 2, "params", "tau_m2"], 1.0)), None,
                          "unknown field.*tau_m2"),
    "parameter NaN (JSON token)": (_nan_token, None, "LIF.tau_m"),
    "parameter of the wrong type": (lambda items: with_header(items, _set(["populations", 2, "params", "n"], "ten")),
                                    None, "LIF.n"),
    "huge population (memory estimate)": (lambda items: with_header(items, _set(["populations", 2, "params", "n"],
                                                                                 2**31 - 1)), None, "GiB"),
    "nested class not allowed": (lambda items: with_header(items, _set(
        ["projections", 0, "rule", "params", "noise"], {"$dataclass": "Network", "fields": {}})), None,
        "only Scatter may be nested"),
    "rule parameter out of range": (lambda items: with_header(items, _set(["projections", 0, "rule", "params",
                                                                           "tau_plus"], -1.0)), None, "tau_plus"),
    # the arrays
    "object array (pickle)": (_object_array, None, "holds Python objects"),
    "zip bomb (64 MiB of zeros as the weights)": (_zip_bomb, None, "declares .* bytes"),
    "huge declared shape": (_huge_declared_shape, None, "must have shape"),
    "truncated array": (_truncated_npy, None, "truncated"),
    "missing array": (lambda items: {k: v for k, v in items.items() if k != "proj0.w.npy"}, None,
                      "array proj0.w is missing"),
    "wrong shape": (lambda items: with_array(items, "proj0.w", lambda a: a[:-1]), None, "must have shape"),
    "wrong dtype": (lambda items: with_array(items, "proj0.w", lambda a: a.astype(np.float64)), None,
                    "must be float32"),
    "weight NaN": (lambda items: with_array(items, "proj0.w", lambda a: (a.__setitem__(3, np.nan), a)[1]), None,
                   "Projection.w"),
    "weight past the rule's bound": (lambda items: with_array(items, "proj0.w", lambda a: a + 5), None, "Projection.w"),
    "state NaN": (lambda items: with_array(items, "pop2.S", lambda a: (a.__setitem__((0, 1), np.nan), a)[1]), None,
                  "S.v must be finite"),
    "post index out of range": (lambda items: with_array(items, "proj2.post_index", lambda a: a + 100), None,
                                "post indices"),
    "synapses out of order": (lambda items: with_array(items, "proj2.pre_index", lambda a: a[::-1].copy()), None,
                              "pre_index must be sorted"),
    "spike queue index out of range": (lambda items: with_array(items, "proj0.queue", lambda a: a + 10**9), None,
                                       "spike queue"),
    "spike queue count out of range": (lambda items: with_array(items, "proj0.queue_n", lambda a: a - 1), None,
                                       "queue_n"),
    "refractory counter out of range": (lambda items: with_array(items, "pop2.I", lambda a: a + 100), None,
                                        "refractory"),
    "spike monitor index out of range": (lambda items: with_array(items, "smon0.i", lambda a: a + 1000), None,
                                         "neuron indices"),
    "spike monitor step in the future": (lambda items: with_array(items, "smon0.steps", lambda a: a + 10**6), None,
                                         "spike steps"),
    "state monitor index out of range": (lambda items: with_array(items, "stmon0.indices", lambda a: a + 1000), None,
                                         "monitor.indices"),
    "injection index out of range": (lambda items: with_array(items, "pop3.inj0.indices", lambda a: a + 1000), None,
                                     "inject.indices"),
    "rule state: a spike in the future": (_future_spike, None, "holds a spike step"),
    "rule state: cascade depth out of range": (_cascade_depth, None, "cascade depth"),
    "Poisson source: next spike in the past": (_poisson_past, None, "next_step"),
    "Poisson source: another seed": (lambda items: with_array(items, "pop0.C", lambda a: a + 1), None, "seed, stream"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_hostile_file_gives_one_clear_error(case, good, tmp_path):
    change, raw, message = CASES[case]
    path = tmp_path / "bad.npz"
    items = members(good)
    new = change(items)
    if raw is not None:
        path.write_bytes(raw)
    elif new == "TRUNCATE":
        data = good.read_bytes()
        path.write_bytes(data[:len(data) // 2])
    else:
        method = zipfile.ZIP_DEFLATED if "bomb" in case else zipfile.ZIP_STORED
        write(path, {k: (v.encode() if isinstance(v, str) else v) for k, v in new.items()}, method)
    if os.path.exists(PWNED):
        os.unlink(PWNED)
    with pytest.raises(NetworkFileError, match=message) as info:
        hl.load(path)
    text = str(info.value)
    assert text.startswith(str(path)) and "\n" not in text and len(text) < 600, text
    assert not os.path.exists(PWNED)


def test_a_member_twice_is_refused(good, tmp_path):
    import warnings
    path = tmp_path / "twice.npz"
    items = members(good)
    with warnings.catch_warnings(), zipfile.ZipFile(path, "w") as z:
        warnings.simplefilter("ignore")  # zipfile warns of the duplicate it writes
        for n, data in items.items():
            z.writestr(n, data)
        z.writestr("proj0.w.npy", items["proj0.w.npy"])
    with pytest.raises(NetworkFileError, match="appears twice"):
        hl.load(path)


def test_not_a_regular_file_is_refused_without_blocking(tmp_path):
    fifo = tmp_path / "fifo.npz"
    os.mkfifo(fifo)
    with pytest.raises(NetworkFileError, match="not a regular file"):
        hl.load(fifo)
    (tmp_path / "zero.npz").symlink_to("/dev/zero")
    with pytest.raises(NetworkFileError, match="not a regular file"):
        hl.load(tmp_path / "zero.npz")
    with pytest.raises(NetworkFileError, match="not a regular file"):
        hl.load(tmp_path)
    with pytest.raises(FileNotFoundError):
        hl.load(tmp_path / "absent.npz")


def test_hostile_table_covers_the_issue():
    """The issue's list: an object array, a zip bomb, huge declared shapes, wrong shapes, indices out of
    range, NaN where numbers must be finite, unknown model or rule names, a JSON that is not an object,
    a newer format version, malformed and truncated files."""
    for needle in ("object array", "zip bomb", "huge declared shape", "wrong shape", "out of range", "NaN",
                   "unknown model", "unknown rule", "JSON is a list", "newer format version", "malformed JSON",
                   "truncated file"):
        assert any(needle in c for c in CASES), needle
