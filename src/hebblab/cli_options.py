"""Options shared by several ``hebblab`` commands (kept apart from :mod:`hebblab.cli` so that the
subcommand modules can import them at the top without a circular import)."""

from __future__ import annotations

import enum


class Size(str, enum.Enum):
    """The preset sizes of an experiment's config (``--size``; ``--quick`` and ``--full`` are its aliases)."""

    quick = "quick"
    full = "full"


SIZE_HELP = "quick: small sizes, seconds to a minute (default); full: publication sizes, minutes"
