import os

# The suite compiles over a hundred network structures: it runs in hebblab's fast-compile mode
# (pieces called, not inlined; identical results, tests/test_compile_mode.py). Set before
# hebblab is imported; subprocesses inherit it.
os.environ.setdefault("HEBBLAB_COMPILE", "fast")

import numpy as np
import pytest


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
