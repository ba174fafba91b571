"""``twinning-kg import`` and ``twinning-kg export``: the spreadsheet template (issue 9)."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import click

from twinning_kg.cli.common import EXIT_NONCONFORMANT, reports_errors, settings_of
from twinning_kg.errors import TwinningError
from twinning_kg.tabular.exporting import export_rows
from twinning_kg.tabular.importing import import_city
from twinning_kg.tabular.mapping import Known, read_vocabularies
from twinning_kg.tabular.report import REPORT_FORMATS, render
from twinning_kg.tabular.workbook import FORMATS, write_workbook

_SLUG = re.compile(r"[a-z0-9][a-z0-9-]*")


def _city(slug: str) -> str:
    if not _SLUG.fullmatch(slug):
        raise TwinningError(f"--city {slug!r}: use lower-case letters, digits and -")
    return slug


@click.command("import")
@click.argument("source", type=click.Path(path_type=Path))
@click.option("--city", "city", required=True, help="The city's slug: data/{city}/.")
@click.option(
    "--data",
    "data_dir",
    type=click.Path(path_type=Path),
    help="The data folder (default: the data_dir setting).",
)
@click.option("--replace", is_flag=True, help="Replace data/{city}/ if it already exists.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(REPORT_FORMATS),
    default="text",
    show_default=True,
    help="The problem report's format.",
)
@click.pass_context
@reports_errors
def import_command(
    ctx: click.Context, source: Path, city: str, data_dir: Path | None, replace: bool, fmt: str
) -> None:
    """Import SOURCE (.xlsx, .ods, a .csv or a folder of them) as data/CITY/.

    Exit 0 when written, 1 when rows are bad or the result does not conform (nothing written),
    2 when it cannot run.
    """
    settings = settings_of(ctx)
    slug = _city(city)
    data = data_dir if data_dir is not None else settings.root / settings.data_dir
    target = data / slug
    if target.exists() and any(target.iterdir()) and not replace:
        raise TwinningError(f"{slug}: the city already has data; use --replace to replace it")
    result = import_city(source, city=slug, settings=settings, data_dir=data)
    if result.problems:
        click.echo(render(result.problems, fmt), nl=False)
        sys.exit(EXIT_NONCONFORMANT)
    for path in result.written:
        click.echo(f"wrote {path.parent.name}/{path.name}")


@click.command("export")
@click.option("--city", "city", required=True, help="The city's slug: data/{city}/.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), required=True)
@click.option(
    "--out",
    "out",
    type=click.Path(path_type=Path),
    required=True,
    help="The file to write (csv: a folder).",
)
@click.option(
    "--data",
    "data_dir",
    type=click.Path(path_type=Path),
    help="The data folder (default: the data_dir setting).",
)
@click.pass_context
@reports_errors
def export_command(
    ctx: click.Context, city: str, fmt: str, out: Path, data_dir: Path | None
) -> None:
    """Write data/CITY/ into the template as xlsx, ods or a folder of CSV files."""
    settings = settings_of(ctx)
    slug = _city(city)
    data = data_dir if data_dir is not None else settings.root / settings.data_dir
    known = Known.read(read_vocabularies(settings.root / settings.ontology_dir))
    rows = export_rows(data / slug, city=slug, known=known)
    for path in write_workbook(rows, out, fmt=fmt):
        click.echo(f"wrote {path}")
