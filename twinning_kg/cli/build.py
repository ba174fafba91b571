"""``twinning-kg build``: the dumps, the DCAT-AP catalogue, VoID and checksums, for publishing."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click

from twinning_kg.cli.common import reports_errors, settings_of
from twinning_kg.errors import TwinningError
from twinning_kg.publishing.build import (
    BuildStep,
    Manifest,
    build_steps,
    is_current,
    output_dir,
    read_manifest,
)
from twinning_kg.settings import Settings


def _label(step: BuildStep | None) -> str | None:
    return step.label if step is not None else None


def run_build(settings: Settings, out: Path) -> Manifest:
    """Build into ``out`` with a progress bar on stderr; say what was written.

    :raises TwinningError: when the data does not load or a file cannot be written.
    """
    started = time.monotonic()
    steps = build_steps(settings, out)
    try:
        with click.progressbar(
            steps, label=f"building {out}", item_show_func=_label, file=sys.stderr
        ) as bar:
            for step in bar:
                step.run()
    except OSError as exc:
        raise TwinningError(f"cannot write the build to {out}: {exc}") from None
    manifest = read_manifest(out)
    if manifest is None:  # pragma: no cover - the last step writes it
        raise TwinningError(f"{out}: the build wrote no manifest")
    size = sum(digest.size for digest in manifest.files.values())
    click.echo(
        f"built {out}: {len(manifest.files)} files, {size:,} bytes, "
        f"{manifest.triples.get('twinning', 0):,} triples, in {time.monotonic() - started:.1f} s"
    )
    return manifest


@click.command()
@click.option(
    "--out",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="Folder to write (default: the build_dir setting, var/build).",
)
@click.option(
    "--if-stale", is_flag=True, help="Do nothing if the folder holds a build of the current data."
)
@click.pass_context
@reports_errors
def build(ctx: click.Context, out: Path | None, if_stale: bool) -> None:
    """Write the dumps, the DCAT-AP catalogue, the VoID description and SHA256SUMS.

    The same data gives byte-identical files; every file is replaced atomically.
    """
    settings = settings_of(ctx)
    target = out if out is not None else output_dir(settings)
    if if_stale and is_current(settings, target):
        click.echo(f"{target}: current, nothing to build")
        return
    run_build(settings, target)
