"""The compiled kernel's cache key covers everything the kernel inlines (a user's rule module too).

Each case runs fresh Python processes sharing one kernel cache, as a user rerunning a script
would, and compares the compiled backend with the reference backend, which always runs the
rule's current Python code. Before the key covered the rule's module, the first case gave the
old learning rate after the edit and the second gave the first script's rule for the second.
"""

import os
import subprocess
import sys
import textwrap

import pytest

RULE = textwrap.dedent('''
    from dataclasses import dataclass
    from typing import ClassVar
    import numpy as np
    from numba import njit
    from hebblab.plasticity.base import Rule, record_pre_spike, record_post_spike

    FACTOR = {factor}

    @dataclass(frozen=True)
    class Bump(Rule):
        """Each post spike adds FACTOR * a (a frozen module constant, inlined by numba)."""
        a: float = 0.01
        rule_name: ClassVar[str] = "bump-test"
        kernel_module: ClassVar[str] = "{module}"
        def bounds(self): return 0.0, 1.0
        def layout(self): return 0, 1, 1
        def pack(self, dt): return np.array([self.a])

    @njit(cache=True, inline="always")
    def syn_pre(t, s, i, j, w, syn, pre, post, P, seed, stream):
        return w

    @njit(cache=True, inline="always")
    def syn_post(t, s, i, j, w, syn, pre, post, P, seed, stream):
        return min(w + FACTOR * P[0], 1.0)

    pre_spike = record_pre_spike
    post_spike = record_post_spike
    transmit = None
''')

RUN = textwrap.dedent('''
    import hebblab as hl
    out = []
    for backend in ("numba", "reference"):
        net = hl.Network(dt=1 * hl.ms, seed=1, backend=backend)
        pre = net.add(hl.SpikeSource(n=1, times=[10] * hl.ms, indices=[0]))
        post = net.add(hl.SpikeSource(n=1, times=[20, 30] * hl.ms, indices=[0, 0]))
        p = net.connect(pre, post, rule=Bump(), w=0.5)
        net.run(50 * hl.ms)
        out.append(float(p.w[0]))
    print(out[0], out[1])
''')


def _run(script, cwd, cache):
    env = dict(os.environ, HEBBLAB_CACHE=str(cache), PYTHONPATH=str(cwd))
    r = subprocess.run([sys.executable, str(script)], cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr
    compiled, reference = map(float, r.stdout.split())
    return compiled, reference


def test_editing_a_user_rule_module_recompiles_the_kernel(tmp_path):
    cache = tmp_path / "cache"
    rule = tmp_path / "myrule.py"
    script = tmp_path / "run.py"
    script.write_text("from myrule import Bump\n" + RUN)
    rule.write_text(RULE.format(factor=1.0, module="myrule"))
    c1, r1 = _run(script, tmp_path, cache)
    assert c1 == pytest.approx(r1) == pytest.approx(0.52, abs=1e-6)  # two post spikes, 0.01 each
    rule.write_text(RULE.format(factor=2.0, module="myrule"))
    st = rule.stat()
    os.utime(rule, ns=(st.st_atime_ns, st.st_mtime_ns + 2_000_000_000))  # a later edit, whatever the clock
    c2, r2 = _run(script, tmp_path, cache)
    assert r2 == pytest.approx(0.54, abs=1e-6)
    assert c2 == pytest.approx(r2)


def test_two_main_scripts_with_different_rules_get_different_kernels(tmp_path):
    cache = tmp_path / "cache"
    for factor, expected in ((1.0, 0.52), (-1.0, 0.48)):
        script = tmp_path / f"script_{'up' if factor > 0 else 'down'}.py"
        script.write_text(RULE.format(factor=factor, module="__main__") + RUN)
        compiled, reference = _run(script, tmp_path, cache)
        assert reference == pytest.approx(expected, abs=1e-6)
        assert compiled == pytest.approx(reference)


SMALL = textwrap.dedent('''
    import logging, sys
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(message)s")
    import hebblab as hl
    net = hl.Network(dt=1 * hl.ms, seed=1)
    pre = net.add(hl.SpikeSource(n=2, times=[10, 20] * hl.ms, indices=[0, 1]))
    post = net.add(hl.SpikeSource(n=2, times=[15, 30] * hl.ms, indices=[1, 0]))
    p = net.connect(pre, post, rule=hl.rules.PairSTDP(), w=0.5)
    net.run(50 * hl.ms)
    print(" ".join(repr(float(x)) for x in p.w))
''')


def _small(tmp_path, env_extra, drop=("HEBBLAB_CACHE",)):
    script = tmp_path / "small.py"
    script.write_text(SMALL)
    env = {k: v for k, v in os.environ.items() if k not in drop}
    env.update(env_extra)
    return subprocess.run([sys.executable, str(script)], cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=600)


def test_a_corrupted_kernel_file_heals_itself_and_the_message_shows_compilation(tmp_path):
    cache = tmp_path / "cache"
    first = _small(tmp_path, {"HEBBLAB_CACHE": str(cache)})
    assert first.returncode == 0, first.stderr
    assert "compiling kernels for a new network structure (once, " in first.stderr
    again = _small(tmp_path, {"HEBBLAB_CACHE": str(cache)})
    assert again.returncode == 0 and again.stdout == first.stdout
    assert "compiling kernels" not in again.stderr  # found compiled in the cache
    kernels = sorted((cache / "kernels").glob("hebblab_kernel_*.py"))
    assert kernels
    good = {k: k.read_text() for k in kernels}
    for k in kernels:  # truncated, garbage: every later run used to fail with SyntaxError
        k.write_text(good[k][: len(good[k]) // 2] + "\ndef kernel(:\n")
    healed = _small(tmp_path, {"HEBBLAB_CACHE": str(cache)})
    assert healed.returncode == 0, healed.stderr
    assert healed.stdout == first.stdout
    assert {k: k.read_text() for k in kernels} == good


def test_a_kernel_folder_others_can_write_is_refused(tmp_path):
    from hebblab.backends import cache as kc
    root = tmp_path / "shared-cache"
    (root / "kernels").mkdir(parents=True)
    os.chmod(root / "kernels", 0o777)
    os.environ["HEBBLAB_CACHE"], old = str(root), os.environ.get("HEBBLAB_CACHE")
    try:
        with pytest.raises(kc.CacheError, match=r"can be written by other users"):
            kc.kernel_dir()
    finally:
        if old is None:
            del os.environ["HEBBLAB_CACHE"]
        else:
            os.environ["HEBBLAB_CACHE"] = old


def test_the_cache_honours_xdg_cache_home_and_is_private(tmp_path):
    xdg = tmp_path / "xdg"
    r = _small(tmp_path, {"XDG_CACHE_HOME": str(xdg)})
    assert r.returncode == 0, r.stderr
    kernels = xdg / "hebblab" / "kernels"
    assert list(kernels.glob("hebblab_kernel_*.py"))
    assert (kernels.stat().st_mode & 0o077) == 0


def test_cache_info_and_clear(tmp_path, monkeypatch):
    from hebblab.backends import cache as kc
    monkeypatch.setenv("HEBBLAB_CACHE", str(tmp_path / "c"))
    assert kc.info()["kernels"] == 0 and kc.clear() == 0
    d = kc.kernel_dir()
    (d / "hebblab_kernel_0123.py").write_text("def kernel(): pass\n")
    info = kc.info()
    assert info["kernels"] == 1 and info["compiled"] == 0 and info["bytes"] > 0
    assert kc.clear() == 1 and kc.info()["kernels"] == 0


def test_cache_folders_are_made_private_and_a_shared_numba_cache_dir_is_refused(tmp_path, monkeypatch):
    from hebblab.backends import cache as kc
    monkeypatch.setenv("HEBBLAB_CACHE", str(tmp_path / "a" / "b"))
    monkeypatch.delenv("NUMBA_CACHE_DIR", raising=False)
    (tmp_path / "a" / "b" / "kernels").mkdir(parents=True)
    os.chmod(tmp_path / "a" / "b" / "kernels", 0o755)  # readable by others: made private
    d = kc.kernel_dir()
    for p in (d, d / "__pycache__"):
        assert (p.stat().st_mode & 0o077) == 0, p
    monkeypatch.setenv("HEBBLAB_CACHE", str(tmp_path / "fresh"))
    d = kc.kernel_dir()
    assert (d.parent.stat().st_mode & 0o077) == 0  # parents hebblab creates are private too
    shared = tmp_path / "numba-shared"
    shared.mkdir()
    os.chmod(shared, 0o777)
    monkeypatch.setenv("NUMBA_CACHE_DIR", str(shared))
    with pytest.raises(kc.CacheError, match=r"numba-shared can be written by other users"):
        kc.kernel_dir()


def test_a_kernel_runs_from_the_verified_source_not_from_bytecode(tmp_path):
    from hebblab.backends import cache as kc
    path = tmp_path / "hebblab_kernel_test.py"
    path.write_text("X = 1\n")
    pyc = tmp_path / "__pycache__"
    pyc.mkdir()
    import importlib.util
    (pyc / importlib.util.cache_from_source(str(path)).split("/")[-1]).write_bytes(b"garbage that is not bytecode")
    module = kc.load_kernel_module("hebblab_kernel_test", path, "X = 2\n")
    assert module.X == 2
