"""Durable renames: after a temporary file or folder is renamed into place, the folder holding
it is fsynced so that the rename itself survives a crash (used by run folders and network files)."""

from __future__ import annotations

import os
from pathlib import Path


def fsync_dir(path: Path) -> None:
    """fsync a folder; best effort (some file systems refuse to open or sync a folder)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
