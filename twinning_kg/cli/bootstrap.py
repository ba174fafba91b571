"""``twinning-kg bootstrap --wikidata Q…``: start a new city's data from its Wikidata item."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click
from rdflib import URIRef

from twinning_kg.cli.common import (
    data_folder_option,
    reports_errors,
    settings_of,
    wikidata_endpoint_option,
)
from twinning_kg.errors import TwinningError
from twinning_kg.linking.bootstrap import (
    SLUG,
    fetch_descriptions,
    fetch_statements,
    parse_qid,
    plan_bootstrap,
    qid,
    read_other_data,
    slugify,
)
from twinning_kg.linking.bootstrap_files import render_city_files, write_city_folder
from twinning_kg.linking.wikidata import HttpWikidataClient


def _check_slug(slug: str) -> str:
    if not SLUG.fullmatch(slug):
        raise TwinningError(
            f"--city takes a slug of lower-case letters, digits and hyphens (got {slug!r})"
        )
    return slug


@click.command()
@click.option("--wikidata", "item_id", required=True, metavar="Q…", help="The city's item.")
@click.option(
    "--city",
    "city_slug",
    metavar="SLUG",
    default=None,
    help="Folder under the data folder (default: from the city's English label).",
)
@data_folder_option
@wikidata_endpoint_option
@click.option("--force", is_flag=True, help="Replace the city's folder if it exists.")
@click.pass_context
@reports_errors
def bootstrap(
    ctx: click.Context,
    item_id: str,
    city_slug: str | None,
    data_path: Path | None,
    endpoint_url: str | None,
    force: bool,
) -> None:
    """Start a new city's data from the P190 statements of its Wikidata item.

    \b
    Writes data/{city}/: {city}.ttl, partnership-{partner}.ttl, places.ttl, sources.ttl,
    everything derived from the item's retrieval, for a person to check and complete.
    Places and partnerships the data folder already has (same Wikidata items) keep their IRIs.
    Exit 2: cannot run (endpoint down, too slow, failing or answering garbage; no P190
    statement; the folder exists without --force); nothing is written then.
    """
    settings = settings_of(ctx)
    city_item = parse_qid(item_id)
    folder = data_path or settings.root / settings.data_dir
    if city_slug is not None:
        _check_slug(city_slug)
        if (folder / city_slug).exists() and not force:
            raise TwinningError(f"{folder / city_slug} exists: give --force to replace it")
    client = HttpWikidataClient.from_settings(settings, endpoint_url=endpoint_url)
    twins = fetch_statements(client, city_item)
    descriptions = fetch_descriptions(client, [city_item, *twins])
    city = descriptions[city_item]
    if city.is_empty():
        raise TwinningError(
            f"the SPARQL endpoint {client.endpoint_url} knows nothing about {qid(city_item)} "
            "but its P190 statements"
        )
    slug = _check_slug(city_slug or slugify(city.name) or qid(city_item).lower())
    target = folder / slug
    if target.exists() and not force:
        raise TwinningError(f"{target} exists: give --force to replace it")
    data = read_other_data(folder, target)
    run = plan_bootstrap(client, city_item, twins, descriptions, data, slug=slug, day=date.today())
    names: dict[URIRef, tuple[str, str]] = {
        iri: (data.label(iri, "pl"), data.label(iri, "en")) for iri in data.defined_in
    }
    files = render_city_files(run, names)
    write_city_folder(target, files.files, force=force)
    new = sum(1 for p in run.partnerships if not p.existing)
    click.echo(
        f"Started {city.name} ({qid(city_item)}) from {client.endpoint_url}: "
        f"{new} new partnership(s), {len(run.partnerships) - new} already in the data, "
        f"{len(run.countries)} new country(ies)"
    )
    for name in sorted(files.files):
        click.echo(f"wrote {target / name}")
    if files.todo:
        click.echo("To complete (also in each resource's skos:editorialNote):")
        for line in files.todo:
            click.echo(f"  - {line}")
    click.echo(f"Then: twinning-kg validate {folder}")
