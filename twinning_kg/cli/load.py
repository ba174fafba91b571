"""``twinning-kg load``: write the persistent store that ``--store oxigraph:PATH`` serves."""

from __future__ import annotations

import time
from pathlib import Path

import click

from twinning_kg.cli.common import reports_errors, settings_of
from twinning_kg.store.oxigraph import build_store


@click.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    required=True,
    help="Where the store goes: a link to the newest of the stores kept in OUT.d/.",
)
@click.pass_context
@reports_errors
def load(ctx: click.Context, paths: tuple[Path, ...], out: Path) -> None:
    """Load PATHS (default: ontology/, data/, shapes/) into an on-disk store at OUT.

    The new store replaces the old one atomically, only once it is complete; a server that has
    the old one open keeps reading it until it reloads.
    """
    settings = settings_of(ctx)
    started = time.monotonic()
    version = build_store(
        paths or settings.source_dirs, out, root=settings.root, base_iri=settings.base_iri
    )
    click.echo(
        f"{out}: {version.triples} triples, version {version.digest} "
        f"({time.monotonic() - started:.1f} s); serve it with --store oxigraph:{out}"
    )
