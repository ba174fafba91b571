"""``twinning-kg serve``: the HTTP server."""

from __future__ import annotations

import click

from twinning_kg.cli.common import reports_errors, settings_of
from twinning_kg.settings import replace_settings
from twinning_kg.store.factory import STORE_SPECS, open_store


@click.command()
@click.option("--host", default=None, help="Interface to listen on (default: setting, 127.0.0.1).")
@click.option("--port", type=int, default=None, help="Port (default: setting, 5000).")
@click.option("--workers", type=int, default=None, help="Worker processes (default: setting, 2).")
@click.option(
    "--store",
    "store_spec",
    default=None,
    help=f"Store: {STORE_SPECS} (default: setting, memory).",
)
@click.pass_context
@reports_errors
def serve(
    ctx: click.Context,
    host: str | None,
    port: int | None,
    workers: int | None,
    store_spec: str | None,
) -> None:
    """Serve the graph over HTTP: pages, RDF in five formats, search.

    Builds the dumps and the catalogue first (``twinning-kg build``) when the data changed.
    """
    from twinning_kg.cli.build import run_build
    from twinning_kg.publishing.build import is_current, output_dir
    from twinning_kg.web import create_app
    from twinning_kg.web.serving import serve as run_server

    settings = replace_settings(
        settings_of(ctx), host=host, port=port, workers=workers, store=store_spec
    )
    store = open_store(settings)  # first: a store that is not there fails before any build
    if not is_current(settings, output_dir(settings)):
        run_build(settings, output_dir(settings))  # the server serves what `build` wrote
    app = create_app(settings, store=store)
    click.echo(f"serving ({settings.store}) on http://{settings.host}:{settings.port}/")
    run_server(
        app,
        host=settings.host,
        port=settings.port,
        workers=settings.workers,
        threads=settings.threads,
    )
