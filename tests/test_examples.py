"""Every script in examples/ runs as its docstring says (short durations) and writes its figure;
the guide's rule and neuron modules in examples/ are the code docs/extending.md shows."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"

SCRIPTS = {  # script: (duration, what its output must say)
    "song_abbott.py": (5.0, r"output rate \d+\.\d Hz; weights below 0\.1 g_max: \d+%"),
    "ei_network.py": (0.3, r"rates: excitatory \d+\.\d Hz, inhibitory \d+\.\d Hz"),
    "custom_rule.py": (0.3, r"check_rule: passed"),
    "custom_neuron.py": (0.3, r"check_model: passed"),
}


def test_every_example_is_tested():
    scripts = {p.name for p in EXAMPLES.glob("*.py") if not p.name.startswith("_")}
    assert scripts - {"symhebb.py", "izhikevich.py", "vhebb.py"} == set(SCRIPTS)


@pytest.mark.parametrize("script", list(SCRIPTS))
def test_example_runs_and_writes_its_figure(script, tmp_path):
    duration, expect = SCRIPTS[script]
    out = tmp_path / "figure.png"
    r = subprocess.run([sys.executable, str(EXAMPLES / script), "--duration", str(duration), "--out", str(out)],
                       cwd=tmp_path, capture_output=True, text=True, timeout=900, env=dict(os.environ))
    assert r.returncode == 0, r.stderr[-3000:]
    assert re.search(expect, r.stdout), r.stdout
    assert out.stat().st_size > 10_000


def test_guide_modules_are_the_guides_code():
    blocks = re.findall(r"```python\n(.*?)```", (ROOT / "docs" / "extending.md").read_text(), re.S)
    for name, block in (("symhebb.py", blocks[0]), ("izhikevich.py", blocks[2]), ("vhebb.py", blocks[4])):
        text = (EXAMPLES / name).read_text()
        body = text.split('"""', 2)[2].lstrip("\n")  # after the module docstring
        assert body == block, f"examples/{name} differs from its block in docs/extending.md"
