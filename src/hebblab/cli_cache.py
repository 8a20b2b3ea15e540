"""``hebblab cache info`` and ``hebblab cache clear``: the compiled-kernel cache
(:mod:`hebblab.backends.cache`)."""

from __future__ import annotations

import typer

cache_app = typer.Typer(add_completion=False, no_args_is_help=True,
                        help="The compiled-kernel cache: where it is, how big, and clearing it.")


def _size(n: int) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n} B"  # pragma: no cover


@cache_app.command("info")
def cache_info():
    """Where the kernels are cached, how many, and how much disk they take."""
    from .backends.cache import info
    i = info()
    typical = i["typical_compile_s"]
    typer.echo(f"path: {i['path']}")
    typer.echo(f"kernels: {i['kernels']} ({i['compiled']} compiled), {_size(i['bytes'])}")
    typer.echo("typical compile time: " + (f"{typical:.1f} s" if typical is not None else "none recorded yet"))


@cache_app.command("clear")
def cache_clear():
    """Remove every cached kernel; they are compiled again on the next run of each network structure."""
    from .backends.cache import cache_root, clear
    n = clear()
    typer.echo(f"removed {n} files from {cache_root() / 'kernels'}")


def register(app: typer.Typer) -> None:
    app.add_typer(cache_app, name="cache")
