"""Command-line interface: ``twinning-kg validate|stats|serve|…``; one module per command family.

Exit codes: 0 success (validate: conforms), 1 validate: does not conform, 2 cannot run.
"""

from __future__ import annotations

import click

from twinning_kg.cli.bootstrap import bootstrap
from twinning_kg.cli.build import build
from twinning_kg.cli.common import reports_errors
from twinning_kg.cli.link import link
from twinning_kg.cli.load import load
from twinning_kg.cli.push import push_command
from twinning_kg.cli.query import query
from twinning_kg.cli.serve import serve
from twinning_kg.cli.tabular import export_command, import_command
from twinning_kg.cli.validate import stats, validate
from twinning_kg.settings import Settings


@click.group()
@click.version_option(package_name="twinning-kg")
@click.pass_context
@reports_errors
def main(ctx: click.Context) -> None:
    """twinning-kg: publish town-twinning partnerships as linked data."""
    ctx.obj = Settings.from_env()


for command in (validate, stats, serve, load, push_command, link, query, build, bootstrap):
    main.add_command(command)
for command in (import_command, export_command):
    main.add_command(command)
