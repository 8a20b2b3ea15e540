import os

# The suite compiles over a hundred network structures: it runs in hebblab's fast-compile mode
# (pieces called, not inlined; identical results, tests/test_compile_mode.py). Set before
# hebblab is imported; subprocesses inherit it.
os.environ.setdefault("HEBBLAB_COMPILE", "fast")

import numpy as np
import pytest


from hebblab import units as _units  # noqa: E402  (after HEBBLAB_COMPILE is set)

# Most tests build networks from SI floats (their oracles are written in SI), some at import or in
# parametrize lists: the whole session reads bare numbers as SI (hl.units.assume_si). Tests marked
# ``units`` (tests/test_units.py) see the public default, where a bare number for a dimensioned
# parameter is an error; examples/, the guide's and the README's code, and every script a test runs
# in a subprocess see it too, as users run them.
_units._ASSUME_SI.set(True)


@pytest.fixture(autouse=True)
def _public_units_default(request):
    if not request.node.get_closest_marker("units"):
        yield
        return
    token = _units._ASSUME_SI.set(False)
    try:
        yield
    finally:
        _units._ASSUME_SI.reset(token)


@pytest.fixture
def rng():
    return np.random.default_rng(12345)


@pytest.fixture(scope="session")
def quick_run(tmp_path_factory):
    """``quick_run(name) -> (run folder, Result)``: the experiment at its quick size, seed 1, as
    ``hebblab report --quick`` runs it; each experiment runs once per test session."""
    from hebblab.experiments import EXPERIMENTS
    from hebblab.report import write_run

    out = tmp_path_factory.mktemp("quick_runs")
    done = {}

    def get(name):
        if name not in done:
            exp = EXPERIMENTS[name]
            config = exp.make_config("quick")
            result = exp.run(config, seed=1)
            done[name] = (write_run(exp, config, 1, result, out), result)
        return done[name]

    return get
