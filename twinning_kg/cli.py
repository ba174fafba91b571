"""Command-line interface: ``twinning-kg validate|stats|...``.

Exit codes: 0 success (validate: conforms), 1 validate: does not conform, 2 cannot run.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Sequence
from functools import wraps
from pathlib import Path
from typing import ParamSpec, TypeVar

import click
from rdflib import Graph
from rdflib.query import ResultRow

from twinning_kg import queries
from twinning_kg.errors import TwinningError
from twinning_kg.loading import load_dataset, source_files, union_graph
from twinning_kg.reports import RENDERERS, REPORT_FORMATS
from twinning_kg.settings import Settings, replace_settings
from twinning_kg.validation import validate_dataset
from twinning_kg.vocabulary import new_graph

P = ParamSpec("P")
R = TypeVar("R")

EXIT_OK = 0
EXIT_NONCONFORMANT = 1
EXIT_ERROR = 2


def reports_errors(command: Callable[P, R]) -> Callable[P, R]:
    """Turn a TwinningError into a one-line message on stderr and exit code 2 (no traceback)."""

    @wraps(command)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return command(*args, **kwargs)
        except TwinningError as exc:
            click.echo(f"error: {exc.message}", err=True)
            sys.exit(EXIT_ERROR)

    return wrapper


def _settings(ctx: click.Context) -> Settings:
    settings = ctx.find_object(Settings)
    if settings is None:  # pragma: no cover - main() always sets it
        raise TwinningError("settings were not initialised")
    return settings


def _data_paths(settings: Settings, paths: Sequence[Path]) -> list[Path]:
    """The ontology is always loaded: shapes check concept values against its SKOS schemes."""
    ontology_dir = settings.root / settings.ontology_dir
    if not paths:
        return [ontology_dir, settings.root / settings.data_dir]
    return [ontology_dir, *paths]


@click.group()
@click.version_option(package_name="twinning-kg")
@click.pass_context
@reports_errors
def main(ctx: click.Context) -> None:
    """twinning-kg: publish town-twinning partnerships as linked data."""
    ctx.obj = Settings.from_env()


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--shapes",
    "shape_paths",
    multiple=True,
    type=click.Path(path_type=Path),
    help="SHACL shapes to validate against (default: the shapes/ folder).",
)
@click.option(
    "--format", "fmt", type=click.Choice(REPORT_FORMATS), default="text", show_default=True
)
@click.pass_context
@reports_errors
def validate(
    ctx: click.Context, paths: tuple[Path, ...], shape_paths: tuple[Path, ...], fmt: str
) -> None:
    """Validate PATHS (default: ontology/ and data/) against the SHACL shapes.

    Exit 0 when the data conforms, 1 when it does not, 2 when validation cannot run.
    """
    settings = _settings(ctx)
    data_paths = _data_paths(settings, paths)
    dataset = load_dataset(data_paths, root=settings.root)
    shapes = union_graph(load_dataset(shape_paths or [settings.root / settings.shapes_dir]))
    files = source_files(data_paths, root=settings.root)
    report = validate_dataset(dataset, shapes, files=files)
    click.echo(RENDERERS[fmt](report), nl=False)
    sys.exit(EXIT_OK if report.conforms else EXIT_NONCONFORMANT)


def _rows(graph: Graph, name: str) -> list[ResultRow]:
    return [row for row in graph.query(queries.load(name)) if isinstance(row, ResultRow)]


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)
@click.pass_context
@reports_errors
def stats(ctx: click.Context, paths: tuple[Path, ...], fmt: str) -> None:
    """Count triples, instances per class, triples per property and label languages."""
    settings = _settings(ctx)
    graph = new_graph()
    for path in paths or settings.source_dirs:
        for s, p, o in union_graph(load_dataset([path], root=settings.root)):
            graph.add((s, p, o))

    def short(term: object) -> str:
        return graph.namespace_manager.normalizeUri(str(term))

    tables: dict[str, dict[str, int]] = {
        "classes": {short(r[0]): int(r[1]) for r in _rows(graph, "count_classes")},
        "properties": {short(r[0]): int(r[1]) for r in _rows(graph, "count_properties")},
        "label_languages": {str(r[0]): int(r[1]) for r in _rows(graph, "count_label_languages")},
    }
    if fmt == "json":
        click.echo(json.dumps({"triples": len(graph), **tables}, indent=2, ensure_ascii=False))
        return
    click.echo(f"triples: {len(graph)}")
    for section, table in tables.items():
        click.echo(f"\n{section.replace('_', ' ')}:")
        width = max((len(k) for k in table), default=0)
        for key, count in table.items():
            click.echo(f"  {key or '(none)':<{width}}  {count:>6}")


@main.command()
@click.option("--host", default=None, help="Interface to listen on (default: setting, 127.0.0.1).")
@click.option("--port", type=int, default=None, help="Port (default: setting, 5000).")
@click.option("--workers", type=int, default=None, help="Worker processes (default: setting, 2).")
@click.option(
    "--store",
    "store_spec",
    default="memory",
    show_default=True,
    help="Store backend: memory (pyoxigraph, loaded from ontology/, data/, shapes/).",
)
@click.pass_context
@reports_errors
def serve(
    ctx: click.Context,
    host: str | None,
    port: int | None,
    workers: int | None,
    store_spec: str,
) -> None:
    """Serve the graph over HTTP: pages, RDF in five formats, search."""
    from twinning_kg.web import create_app
    from twinning_kg.web.serving import serve as run_server

    if store_spec != "memory":
        raise TwinningError(f"unknown store {store_spec!r} (available: memory)")
    settings = replace_settings(_settings(ctx), host=host, port=port, workers=workers)
    app = create_app(settings)
    click.echo(
        f"serving {settings.root.resolve().name or '.'} on http://{settings.host}:{settings.port}/"
    )
    run_server(app, host=settings.host, port=settings.port, workers=settings.workers)
