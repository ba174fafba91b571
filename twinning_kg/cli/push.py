"""``twinning-kg push``: upload the dataset to a remote SPARQL store."""

from __future__ import annotations

from pathlib import Path

import click

from twinning_kg.cli.common import reports_errors, settings_of
from twinning_kg.store.push import Endpoints, Pushed, push


@click.command(name="push")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--endpoint",
    required=True,
    help="QUERY_URL[,update=URL,gsp=URL] of the store (Oxigraph: http://host:7878/query).",
)
@click.option("--timeout", "timeout_s", type=float, default=60.0, show_default=True)
@click.pass_context
@reports_errors
def push_command(
    ctx: click.Context, paths: tuple[Path, ...], endpoint: str, timeout_s: float
) -> None:
    """Upload PATHS (default: ontology/, data/, shapes/), one named graph per file (GSP PUT)."""
    settings = settings_of(ctx)

    def report(done: Pushed) -> None:
        click.echo(f"{done.graph}: {done.triples} triples")

    sent = push(
        paths or settings.source_dirs,
        Endpoints.from_spec(endpoint),
        root=settings.root,
        base_iri=settings.base_iri,
        timeout_s=timeout_s,
        progress=report,
    )
    click.echo(f"pushed {len(sent)} graphs, {sum(p.triples for p in sent)} triples")
