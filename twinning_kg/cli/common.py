"""What every command shares: settings from the context, exit codes, errors without tracebacks."""

from __future__ import annotations

import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Final, ParamSpec, TypeVar

import click

from twinning_kg.errors import TwinningError
from twinning_kg.settings import Settings

P = ParamSpec("P")
R = TypeVar("R")

EXIT_OK: Final = 0
EXIT_NONCONFORMANT: Final = 1
EXIT_ERROR: Final = 2


def reports_errors(command: Callable[P, R]) -> Callable[P, R]:
    """Turn a TwinningError into a one-line message on stderr and exit code 2 (no traceback)."""

    @wraps(command)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return command(*args, **kwargs)
        except TwinningError as exc:
            one_line = " ".join(exc.message.split())  # parser messages can span lines
            click.echo(f"error: {one_line}", err=True)
            sys.exit(EXIT_ERROR)

    return wrapper


def settings_of(ctx: click.Context) -> Settings:
    """The Settings that ``main`` built for this invocation."""
    settings = ctx.find_object(Settings)
    if settings is None:  # pragma: no cover - main() always sets it
        raise TwinningError("settings were not initialised")
    return settings


#: ``--endpoint``: the Wikidata-style SPARQL endpoint (``link`` and ``bootstrap``).
wikidata_endpoint_option: Final = click.option(
    "--endpoint",
    "endpoint_url",
    metavar="URL",
    default=None,
    help="SPARQL endpoint with Wikidata's data model (default: setting wikidata_endpoint).",
)
#: ``--data``: the data folder a command reads and writes (``link`` and ``bootstrap``).
data_folder_option: Final = click.option(
    "--data",
    "data_path",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="Data folder to read and write (default: the data/ folder of the settings).",
)
