"""``python -m hebblab``: the ``hebblab`` command."""

from hebblab.cli import app

if __name__ == "__main__":  # pragma: no cover
    app(prog_name="hebblab")
