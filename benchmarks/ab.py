"""A/B of two hebblab checkouts on the same work: which one simulates faster, in one invocation.

    python benchmarks/ab.py OLD_SRC NEW_SRC [--repeats 3]

OLD_SRC and NEW_SRC are the ``src`` folders of two checkouts (``git worktree add /tmp/old
COMMIT``). Each case runs in fresh processes (PYTHONPATH set to one checkout), first once per
checkout to compile, then ``--repeats`` times each, the two checkouts interleaved so that a
change in the machine's speed hits both; prints the median simulate times and their ratio, and
the output rates (which must agree: the same network, seeds and rules). Cases: the Song-Abbott
network (100 s, 1 thread) and the recurrent STDP network (k = 100, 2 s, 1 and 2 threads), as
``hebblab bench`` runs them. The default compile mode (``optimized``) is used.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile

CASES = {
    "song-abbott 100 s, 1 thread": "from hebblab.cli import _bench_song_abbott as f; r = f(100.0, threads=1)",
    "recurrent k=100 STDP 2 s, 1 thread": "from hebblab.cli import _bench_recurrent as f; r = f(100, 2.0, threads=1)",
    "recurrent k=100 STDP 2 s, 2 threads": "from hebblab.cli import _bench_recurrent as f; r = f(100, 2.0, threads=2)",
}


def one(src: str, code: str, cache: str) -> dict:
    env = dict(os.environ, PYTHONPATH=src, HEBBLAB_CACHE=cache)
    env.pop("HEBBLAB_COMPILE", None)
    out = subprocess.run([sys.executable, "-c", code + "; import json; print(json.dumps(r))"], env=env,
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("old")
    ap.add_argument("new")
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    trees = {"old": args.old, "new": args.new}
    with tempfile.TemporaryDirectory() as cache:
        for case, code in CASES.items():
            for src in trees.values():
                one(src, code, cache)  # compiles
            res = {k: [] for k in trees}
            for _ in range(args.repeats):
                for name, src in trees.items():
                    res[name].append(one(src, code, cache))
            med = {k: statistics.median(x["simulate_s"] for x in v) for k, v in res.items()}
            rates = {k: round(v[0]["rate_hz"], 3) for k, v in res.items()}
            runs = {k: [round(x["simulate_s"], 3) for x in v] for k, v in res.items()}
            print(f"{case}: old {med['old']:.3f} s {runs['old']}, new {med['new']:.3f} s {runs['new']}; "
                  f"new/old {med['new'] / med['old']:.2f}; rates {rates}", flush=True)


if __name__ == "__main__":
    main()
