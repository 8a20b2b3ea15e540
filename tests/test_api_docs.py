"""The API reference (mkdocs + mkdocstrings, ``mkdocs.yml``) builds with ``--strict``: a page or
an object it names that no longer exists fails here, and the public entry points stay documented."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_api_reference_builds_strictly_and_documents_the_entry_points(tmp_path):
    r = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-q", "-f", str(ROOT / "mkdocs.yml"),
                        "-d", str(tmp_path / "site")], capture_output=True, text=True, timeout=600, cwd=ROOT)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    page = (tmp_path / "site" / "api" / "index.html").read_text()
    for obj in ("hebblab.network.Network.add", "hebblab.network.Network.connect", "hebblab.network.Network.run",
                "hebblab.network.Network.monitor", "hebblab.plasticity.PairSTDP", "hebblab.testing.check_rule",
                "hebblab.testing.check_model", "hebblab.neurons.LIF", "hebblab.compile_mode"):
        assert f'id="{obj}"' in page, f"{obj} is missing from the API reference"
