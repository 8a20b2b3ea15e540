"""The code in docs/extending.md runs as written: its module blocks saved under the names the
text gives them, its usage blocks run in a fresh process beside them."""

import os
import re
import subprocess
import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parents[1] / "docs"


def python_blocks(text: str) -> list[str]:
    return re.findall(r"```python\n(.*?)```", text, re.S)


def test_extending_guide_runs_as_written(tmp_path):
    text = (DOCS / "extending.md").read_text()
    blocks = python_blocks(text)
    assert len(blocks) == 6
    (tmp_path / "symhebb.py").write_text(blocks[0])
    (tmp_path / "izhikevich.py").write_text(blocks[2])
    (tmp_path / "vhebb.py").write_text(blocks[4])
    for usage in (blocks[1], blocks[3], blocks[5]):
        script = tmp_path / "usage.py"
        script.write_text(usage)
        # the modules beside the script, then whatever hebblab this process tests (a checkout's src)
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(tmp_path), os.environ.get("PYTHONPATH")])))
        r = subprocess.run([sys.executable, str(script)], cwd=tmp_path, env=env, capture_output=True, text=True,
                           timeout=900)
        assert r.returncode == 0, r.stderr[-3000:]


def test_docs_point_only_inside_the_repository():
    root = DOCS.parent
    for doc in [root / "README.md", *DOCS.glob("*.md")]:
        text = doc.read_text()
        assert "../shared" not in text and "DESIGN.md" not in text, doc.name
        for target in re.findall(r"\]\(([^)#]+)\)", text):
            if "://" in target:
                continue
            assert (doc.parent / target).exists(), f"{doc.name} links to {target}, which is not in the repository"
