"""``twinning-kg link``: reconcile with Wikidata, ``--enrich`` from it, ``--check`` against it."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path

import click
from rdflib import URIRef

from twinning_kg.cli.common import (
    EXIT_NONCONFORMANT,
    EXIT_OK,
    data_folder_option,
    reports_errors,
    settings_of,
    wikidata_endpoint_option,
)
from twinning_kg.errors import TwinningError
from twinning_kg.linking.crosscheck import cross_check, fetch_twins, quickstatements
from twinning_kg.linking.enrichment import fetch_facts
from twinning_kg.linking.matching import Decision, qid_number
from twinning_kg.linking.places import OurData, Place, list_partnerships, list_places, read_data
from twinning_kg.linking.reconcile import reconcile
from twinning_kg.linking.records import (
    ENRICHMENT_FILE,
    LINKS_FILE,
    Link,
    enrichment_graph,
    links_graph,
    read_existing,
    render_turtle,
    write_atomically,
)
from twinning_kg.linking.reports import LINK_FORMATS, UNDECIDED, render_check, render_decisions
from twinning_kg.linking.wikidata import HttpWikidataClient
from twinning_kg.loading import rebase
from twinning_kg.settings import Settings
from twinning_kg.vocabulary import TWIN

LINKS_HEADER = """\
Accepted Wikidata links, written by `twinning-kg link` (score, method and reasons on each claim).
Review before publishing: check each item, then delete the place's twin:wikidataNote, if any
(`twinning-kg validate` reports a place with both). Regenerated in a stable order; edit freely."""

ENRICHMENT_HEADER = """\
What Wikidata says about the items our places link to, written by `twinning-kg link --enrich`.
Retrieved on {day} from {endpoint}
Do not edit: run the command again to refresh it. Serving and building read this file and never
call Wikidata."""


def _write_all(outputs: dict[Path, str], *, dry_run: bool) -> list[str]:
    """Write every file (all texts are ready before the first write); return their paths."""
    if not dry_run:
        for path, text in outputs.items():
            try:
                write_atomically(path, text)
            except OSError as exc:
                raise TwinningError(f"cannot write {path}: {exc.strerror or exc}") from None
    return [str(path) for path in outputs]


def _folder_of(place: Place, data: OurData) -> Path:
    return place.file.parent if place.file is not None else data.folder


def _ask(decisions: Sequence[Decision]) -> dict[URIRef, Link]:
    """Let a person choose among the candidates of each undecided place without a link."""
    chosen: dict[URIRef, Link] = {}
    for decision in decisions:
        if decision.place.item is not None or decision.outcome not in UNDECIDED:
            continue
        if not decision.matches:
            continue
        click.echo(f"\n{decision.place.kind} {decision.place.label} <{decision.place.iri}>")
        for number, match in enumerate(decision.matches, start=1):
            label = f' "{match.label}"' if match.label else ""
            description = f" ({match.description})" if match.description else ""
            click.echo(f"  {number}. {match.item}{label}{description}: {match.explain()}")
        answer = click.prompt(
            f"Link to which candidate? 1-{len(decision.matches)}, or Enter to leave it",
            default="",
            show_default=False,
        ).strip()
        if answer.isdigit() and 1 <= int(answer) <= len(decision.matches):
            match = decision.matches[int(answer) - 1]
            chosen[decision.place.iri] = Link(decision.place, match, chosen_by_person=True)
    return chosen


def _reconcile(
    data: OurData,
    client: HttpWikidataClient,
    *,
    threshold: float,
    recheck: bool,
    interactive: bool,
    dry_run: bool,
    fmt: str,
) -> int:
    places = list_places(data)
    decisions = reconcile(client, places, threshold=threshold, recheck=recheck)
    links = {
        d.place.iri: Link(d.place, d.best)
        for d in decisions
        if d.outcome == "accepted" and d.best is not None
    }
    if interactive:
        chosen = _ask(decisions)
        links.update(chosen)
        decisions = [
            Decision(d.place, "accepted", d.matches, "chosen by a person")
            if d.place.iri in chosen
            else d
            for d in decisions
        ]
    by_folder: dict[Path, list[Link]] = {}
    for link in sorted(links.values(), key=lambda k: str(k.place.iri)):
        by_folder.setdefault(_folder_of(link.place, data), []).append(link)
    today = date.today()
    outputs = {}
    for folder, folder_links in sorted(by_folder.items()):
        path = folder / LINKS_FILE
        graph = links_graph(
            folder_links, existing=read_existing(path), threshold=threshold, day=today
        )
        outputs[path] = render_turtle(graph, header=LINKS_HEADER)
    notes = [
        f"{link.place.label}: delete its twin:wikidataNote in {link.place.file} after checking "
        f"the link (validate reports both until then)"
        for link in links.values()
        if (link.place.iri, TWIN.wikidataNote, None) in data.graph
    ]
    written = _write_all(outputs, dry_run=dry_run)
    report = render_decisions(
        decisions,
        fmt,
        endpoint_url=client.endpoint_url,
        threshold=threshold,
        written=written,
        dry_run=dry_run,
        notes=sorted(notes),
    )
    click.echo(report, nl=False)
    undecided = any(d.outcome in UNDECIDED for d in decisions)
    return EXIT_NONCONFORMANT if undecided else EXIT_OK


def _enrich(data: OurData, client: HttpWikidataClient, *, dry_run: bool, fmt: str) -> int:
    places = [p for p in list_places(data) if p.item is not None]
    facts = fetch_facts(client, places)
    today = date.today()
    outputs = {}
    folders: dict[Path, list[Place]] = {}
    for place in places:
        folders.setdefault(_folder_of(place, data), []).append(place)
    for folder, folder_places in sorted(folders.items()):
        items = sorted({p.item for p in folder_places if p.item is not None}, key=qid_number)
        graph = enrichment_graph(
            [facts[item] for item in items],
            slug=folder.name,
            day=today,
            endpoint_url=client.endpoint_url,
        )
        header = ENRICHMENT_HEADER.format(endpoint=client.endpoint_url, day=today.isoformat())
        outputs[folder / ENRICHMENT_FILE] = render_turtle(graph, header=header)
    missing = [str(item) for item, entry in facts.items() if entry.is_empty()]
    written = _write_all(outputs, dry_run=dry_run)
    if fmt == "json":
        document = {
            "endpoint": client.endpoint_url,
            "items": len(facts),
            "unknown_items": missing,
            "written": written,
            "dry_run": dry_run,
        }
        click.echo(json.dumps(document, indent=2))
    else:
        click.echo(f"Fetched {len(facts)} linked item(s) from {client.endpoint_url}")
        for item in missing:
            click.echo(f"  the endpoint knows nothing about {item}")
        verb = "would write" if dry_run else "wrote"
        for path in written:
            click.echo(f"{verb} {path}")
    return EXIT_OK


def _check(
    settings: Settings,
    data: OurData,
    client: HttpWikidataClient,
    *,
    fmt: str,
    qs_path: Path | None,
) -> int:
    places = list_places(data)
    partnerships = list_partnerships(data)
    towns = [item for p in partnerships for item in p.items if item is not None]
    twins = fetch_twins(client, towns)
    report = cross_check(data, places, partnerships, twins)
    if qs_path is not None:
        text = quickstatements(
            report,
            partnerships,
            entity_url=lambda iri: str(rebase(iri, settings.base_iri)),
            retrieved=date.today(),
        )
        if str(qs_path) == "-":
            sys.stdout.write(text)
        else:
            _write_all({qs_path: text}, dry_run=False)
    click.echo(render_check(report, fmt, endpoint_url=client.endpoint_url), nl=False)
    return EXIT_NONCONFORMANT if report.differences else EXIT_OK


@click.command()
@wikidata_endpoint_option
@data_folder_option
@click.option("--enrich", is_flag=True, help="Fetch labels and facts of linked items into a file.")
@click.option("--check", is_flag=True, help="Compare our partnerships with Wikidata's P190.")
@click.option("--recheck", is_flag=True, help="Also reconcile places that have a link (reported).")
@click.option("--interactive", is_flag=True, help="Choose among candidates in the terminal.")
@click.option("--dry-run", is_flag=True, help="Report what would be written; write nothing.")
@click.option("--threshold", type=float, default=None, help="Lowest score to accept a link.")
@click.option("--format", "fmt", type=click.Choice(LINK_FORMATS), default="text", show_default=True)
@click.option(
    "--quickstatements",
    "qs_path",
    type=click.Path(path_type=Path, dir_okay=False, allow_dash=True),
    default=None,
    help="With --check: write QuickStatements adding what Wikidata lacks ('-': standard output).",
)
@click.pass_context
@reports_errors
def link(
    ctx: click.Context,
    endpoint_url: str | None,
    data_path: Path | None,
    enrich: bool,
    check: bool,
    recheck: bool,
    interactive: bool,
    dry_run: bool,
    threshold: float | None,
    fmt: str,
    qs_path: Path | None,
) -> None:
    """Link our places with Wikidata; --enrich from it; --check our partnerships against it.

    \b
    twinning-kg link           reconcile places without a link; write accepted links to
                               data/{city}/wikidata-links.ttl; exit 1 if some are left
                               for a person to decide
    twinning-kg link --enrich  fetch linked items' labels and facts into
                               data/{city}/wikidata-enrichment.ttl
    twinning-kg link --check   compare our partnerships with P190; exit 1 on differences
    Exit 2: cannot run (endpoint down, too slow, failing or answering garbage; bad data).
    """
    settings = settings_of(ctx)
    if enrich and check:
        raise click.UsageError("--enrich and --check are separate runs: give one of them")
    if (enrich or check) and (recheck or interactive):
        raise click.UsageError("--recheck and --interactive belong to reconciliation")
    if qs_path is not None and not check:
        raise click.UsageError("--quickstatements goes with --check")
    if check and dry_run:
        raise click.UsageError("--check writes nothing but its report; drop --dry-run")
    limit = settings.link_threshold if threshold is None else threshold
    if not 0 < limit <= 1:
        raise TwinningError(f"the link threshold must be in (0, 1] (got {limit})")
    folder = data_path or settings.root / settings.data_dir
    data = read_data(folder)
    client = HttpWikidataClient.from_settings(settings, endpoint_url=endpoint_url)
    if enrich:
        code = _enrich(data, client, dry_run=dry_run, fmt=fmt)
    elif check:
        code = _check(settings, data, client, fmt=fmt, qs_path=qs_path)
    else:
        code = _reconcile(
            data,
            client,
            threshold=limit,
            recheck=recheck,
            interactive=interactive,
            dry_run=dry_run,
            fmt=fmt,
        )
    sys.exit(code)
