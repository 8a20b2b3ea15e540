"""The package (issue 15): license, citation, changelog, typing marker, metadata, reprs of networks and
monitors, and monitors convertible to pandas without pandas being a hard dependency."""

import sys
import tomllib
from pathlib import Path

import pytest

import hebblab as hl
from hebblab import si

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())


def test_license_file_matches_pyproject():
    assert PYPROJECT["project"]["license"] == "MIT"
    assert (ROOT / "LICENSE").read_text().startswith("MIT License")
    assert "LICENSE" in PYPROJECT["project"]["license-files"]


def test_citation_cff_names_the_article_and_the_papers_it_reproduces():
    import yaml
    cff = yaml.safe_load((ROOT / "CITATION.cff").read_text())
    assert cff["cff-version"] == "1.2.0" and cff["version"] == hl.__version__ and cff["license"] == "MIT"
    refs = {(r["authors"][0]["family-names"], r["year"]) for r in cff["references"]}
    for ref in [("Simon", 2022), ("Bi", 1998), ("Song", 2000), ("Pfister", 2006), ("Amit", 1994), ("Fusi", 2005),
                ("Benna", 2016), ("Graupner", 2012), ("Brunel", 2000), ("Morrison", 2007), ("Morrison", 2008)]:
        assert ref in refs, ref
    assert all("doi" in r or "url" in r for r in cff["references"])


def test_changelog_follows_git_history():
    text = (ROOT / "CHANGELOG.md").read_text()
    assert text.startswith("# Changelog") and f"## {hl.__version__}" in text
    assert "Core engine: package layout" in text  # the first commit


def test_typed_package_and_metadata():
    assert (ROOT / "src" / "hebblab" / "py.typed").is_file()
    assert "py.typed" in PYPROJECT["tool"]["setuptools"]["package-data"]["hebblab"]
    assert PYPROJECT["project"]["authors"]
    urls = PYPROJECT["project"]["urls"]
    assert urls and all(u.startswith("https://") for u in urls.values())
    assert urls["Article tested"] in (ROOT / "CITATION.cff").read_text()  # the article cited
    assert "pandas" not in " ".join(PYPROJECT["project"]["dependencies"])
    assert any(d.startswith("pandas>=") for d in PYPROJECT["project"]["optional-dependencies"]["pandas"])


def _public_callables():
    """Every public function, class and method a user reaches from ``hebblab``: the names in
    ``hebblab.__all__``, the rules, ``hebblab.testing``'s checks and the monitors."""
    import inspect

    import hebblab.monitors
    import hebblab.testing
    objs = {n: getattr(hl, n) for n in hl.__all__}
    objs.update({f"rules.{n}": getattr(hl.rules, n) for n in hl.rules.__all__})
    objs.update({f"rules.{n}": c for n, c in hl.RULES.items()})
    objs.update({f"testing.{n}": getattr(hebblab.testing, n) for n in ("check_rule", "check_model")})
    objs.update({f"monitors.{n}": getattr(hebblab.monitors, n) for n in ("SpikeMonitor", "StateMonitor")})
    for name, obj in objs.items():
        if inspect.isclass(obj):
            for m, f in vars(obj).items():
                if isinstance(f, property):
                    f = f.fget
                if (not m.startswith("_") or m == "__init__") and callable(f):
                    yield f"{name}.{m}", f
        elif inspect.isfunction(obj):
            yield name, obj


def test_the_public_api_has_type_hints_that_resolve():
    """Every parameter and return of the public API is annotated, and the annotations evaluate
    (names that exist only for type checkers resolved against the package's own classes)."""
    import inspect
    import typing

    import numpy as np
    import numpy.typing as npt

    from hebblab.monitors import SpikeMonitor, StateMonitor
    from hebblab.neurons.base import Model, ModelState
    from hebblab.plasticity.base import NeuronTrace, RuleState
    from hebblab.plasticity.binary_burst import BinaryBurst
    names = {"Network": hl.Network, "Population": hl.Population, "Projection": hl.Projection, "np": np, "npt": npt,
             "Model": Model, "ModelState": ModelState, "RuleState": RuleState, "NeuronTrace": NeuronTrace,
             "BinaryBurst": BinaryBurst, "SpikeMonitor": SpikeMonitor, "StateMonitor": StateMonitor,
             "pandas": type("pandas", (), {"DataFrame": object})}
    missing, broken, seen = [], [], 0
    for name, fn in _public_callables():
        try:
            sig = inspect.signature(fn)
        except (TypeError, ValueError):
            continue
        seen += 1
        for p in sig.parameters.values():
            if p.name not in ("self", "cls") and p.annotation is inspect.Parameter.empty:
                missing.append(f"{name}({p.name})")
        if not name.endswith("__init__") and sig.return_annotation is inspect.Parameter.empty:
            missing.append(f"{name} -> ?")
        try:
            typing.get_type_hints(fn, localns=names)
        except Exception as exc:  # noqa: BLE001 - report every unresolvable annotation at once
            broken.append(f"{name}: {type(exc).__name__}: {exc}")
    assert seen > 150
    assert not missing, missing
    assert not broken, broken


@pytest.fixture(scope="module")
def small_net():
    net = hl.Network(dt=0.1 * si.ms, seed=1, backend="reference")
    pre = net.add(hl.SpikeSource(n=2, times=[0.010, 0.020], indices=[0, 1]))
    post = net.add(hl.LIF(n=3))
    syn = net.connect(pre, post, rule=hl.rules.PairSTDP(a_plus=0.01, a_minus=0.0105), w=0.5)
    sp, st, wm = net.monitor(pre), net.monitor(post, "v", every=1 * si.ms), net.monitor(syn, "w", every=5 * si.ms)
    net.run(0.03)
    return net, sp, st, wm


def test_network_and_monitors_have_useful_reprs(small_net):
    net, sp, st, wm = small_net
    r = repr(net)
    assert "2 populations (5 neurons)" in r and "1 projections (6 synapses)" in r and "3 monitors" in r and "t=0.03 s" in r
    h = net._repr_html_()
    assert "<table>" in h and "LIF(n=3)" in h and "PairSTDP" in h and "&gt;" in h  # escaped
    assert repr(sp) == "<SpikeMonitor of population 0 (n=2): 2 spikes>"
    assert "v of population 1" in repr(st) and "30 samples" in repr(st)
    assert "w of projection 0" in repr(wm)
    assert "0.01 to 0.02 s" in sp._repr_html_() and "10 steps (1 ms)" in st._repr_html_()


def test_monitors_to_pandas_or_a_clear_error(small_net, monkeypatch):
    _, sp, st, wm = small_net
    try:
        import pandas  # noqa: F401
    except ImportError:
        pass
    else:
        df = sp.to_pandas()
        assert list(df.columns) == ["t", "i"] and df["i"].tolist() == [0, 1]
        assert st.to_pandas().shape == (30, 3) and st.to_pandas(long=True).shape == (90, 3)
        assert list(wm.to_pandas().columns) == list(range(6))
    monkeypatch.setitem(sys.modules, "pandas", None)  # as if not installed
    for m in (sp, st):
        with pytest.raises(ImportError, match=r"needs pandas, which is not installed: pip install pandas"):
            m.to_pandas()
