"""``hebblab run NAME --checkpoint-every 60s`` and ``hebblab resume RUN_DIR`` (hebblab.checkpoint).

A checkpointed run keeps its finished units (and the simulation state of a long unit in
progress) in ``<out>/.<run folder>.checkpoint/``; ``hebblab resume`` runs the experiment again
with that checkpoint, computing only what is missing, and writes the same run folder, with a
results.json byte for byte the uninterrupted run's. Refused in one line, exit 2: a folder that is
not a resumable run, a checkpoint of other code or another config, one that another process is
running, a duration that is not one.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Optional

import typer

from . import checkpoint as ck


def run_folder_name(exp, config, seed: int) -> str:
    from .report import config_hash
    return f"{exp.name}-{config_hash(exp.name, config.model_dump(mode='json'))}-seed{seed}"


def _same_run(info: dict, exp, config, seed: int) -> bool:
    return (info.get("experiment") == exp.name and info.get("config") == config.model_dump(mode="json")
            and info.get("seed") == seed and info.get("code") == ck.code_digest())


def run_checkpointed(exp, config, seed: int, out: Path, every_s: float, progress: bool = True, say=print):
    """Run ``exp`` with a checkpoint in ``out``'s hidden ``.<run folder>.checkpoint`` sibling (an
    existing checkpoint of the same run, config and code is continued; any other is replaced),
    write the run folder, delete the checkpoint. Returns ``(folder, result)``."""
    name = run_folder_name(exp, config, seed)
    folder = ck.checkpoint_folder(out, name)
    made = [p for p in (out, *out.parents) if not p.exists()]  # removed again if the config is refused
    fresh = not folder.exists()
    folder.mkdir(parents=True, exist_ok=True)
    try:
        return _checkpointed(exp, config, seed, out, folder, name, every_s, progress, say)
    except ValueError:  # bad input (a combination the experiment refuses): leave nothing behind
        if fresh:
            ck.remove(folder)
        for p in made:
            try:
                p.rmdir()
            except OSError:
                break
        raise


def _checkpointed(exp, config, seed, out, folder, name, every_s, progress, say):
    with ck.locked(folder):
        try:
            info = ck.read_manifest(folder)
        except ck.CheckpointError:
            info = None
        if info is not None and _same_run(info, exp, config, seed):
            say(f"continuing from the checkpoint {folder}")
        else:
            for sub in ("units", "stages"):
                ck.remove(folder / sub)
        ck.write_manifest(folder, ck.manifest(exp.name, config.model_dump(mode="json"), seed, every_s, name))
        say(f"checkpoints in {folder} (if interrupted: hebblab resume {out / name})")
        return _finish(exp, config, seed, out, folder, every_s, progress)


def _finish(exp, config, seed, out, folder, every_s, progress):
    from .report import write_run
    with ck.active(folder, every_s):
        try:
            result = exp.run(config, seed=seed, progress=progress)
        except ValueError as e:
            raise ValueError(f"{exp.name}: {e}") from None
    written = write_run(exp, config, seed, result, out)
    ck.remove(folder)  # the run folder is complete: the checkpoint has served
    return written, result


def resume(run_dir: str, every_s: float | None = None, progress: bool = True):
    """Continue the checkpointed run of ``run_dir`` (module docstring). Returns ``(folder, result)``."""
    if not str(run_dir).strip():
        raise ck.CheckpointError("resume '': an empty path")
    if "\0" in str(run_dir):
        raise ck.CheckpointError("resume: the path contains a NUL character")
    folder = ck.find(Path(run_dir))
    _checked(folder, every_s)  # everything is checked before the lock file is made: a refusal creates nothing
    with ck.locked(folder):
        exp, config, seed, every = _checked(folder, every_s)  # again, now that no other process can change it
        return _finish(exp, config, seed, folder.parent, folder, every, progress), exp


def _checked(folder: Path, every_s: float | None):
    """``(experiment, config, seed, every_s)`` of the checkpoint in ``folder``, or CheckpointError."""
    from pydantic import ValidationError

    from .experiments import EXPERIMENTS
    info = ck.read_manifest(folder)
    name = info["experiment"]
    if name not in EXPERIMENTS:
        raise ck.CheckpointError(f"{folder}: a checkpoint of experiment {name[:60]!r}, which this hebblab does "
                                 "not have")
    exp = EXPERIMENTS[name]
    seed = info["seed"]
    if not 0 <= seed <= 2**32 - 1:
        raise ck.CheckpointError(f"{folder}: {ck.MANIFEST}: seed must be in [0, {2**32 - 1}] (got {seed})")
    try:
        config = exp.config.model_validate(info["config"])
    except ValidationError as e:
        first = e.errors()[0]
        raise ck.CheckpointError(f"{folder}: its config is refused ({'.'.join(map(str, first['loc']))}: "
                                 f"{first['msg']})") from None
    if run_folder_name(exp, config, seed) != info["run_folder"]:
        raise ck.CheckpointError(f"{folder}: its config does not give its run folder {info['run_folder'][:80]!r}")
    if info["code"] != ck.code_digest():
        raise ck.CheckpointError(f"{folder}: written by other hebblab code (hebblab {info['hebblab_version'][:20]}, "
                                 "code digest differs): its results might not be this code's; run the experiment "
                                 "again instead")
    every = info["every_s"] if every_s is None else every_s
    if not (isinstance(every, (int, float)) and 0 <= every <= ck.MAX_EVERY_S):
        raise ck.CheckpointError(f"{folder}: {ck.MANIFEST}: every_s must be in [0, {ck.MAX_EVERY_S:g}]")
    return exp, config, seed, float(every)


def register(app: typer.Typer) -> None:
    from .cli import _guard, _print_headline, console, safe

    @app.command("resume")
    def resume_cmd(run_dir: str = typer.Argument(..., help="the run folder a checkpointed run will write (or its "
                                                           ".NAME.checkpoint folder)"),
                   checkpoint_every: Optional[str] = typer.Option(None, "--checkpoint-every",
                                                                  help="write checkpoints this often from now on "
                                                                       "(default: as the run was started), e.g. 60s, 2m")):
        """Continue a run started with --checkpoint-every that was interrupted.  Example: hebblab resume runs/song-abbott-1a2b3c4d5e-seed1

        Only what the checkpoint lacks is computed: the run folder's results.json is byte for byte the
        uninterrupted run's. A folder that is not a resumable run is refused in one line, exit 2."""
        def go():
            every = None if checkpoint_every is None else ck.parse_duration(checkpoint_every)
            t0 = time.perf_counter()
            (written, result), exp = resume(run_dir, every)
            console.print(f"{safe(exp.name)}: resumed, {time.perf_counter() - t0:.1f} s -> {safe(written)}/report.html",
                          highlight=False, soft_wrap=True)
            _print_headline(result.headline, result.all_kinds())
        _guard(go)
