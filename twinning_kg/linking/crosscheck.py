"""Cross-check our partnerships with Wikidata's "twinned administrative body" (P190) statements.

Both directions of each partnership are compared (P190 is meant to be symmetric), with the start
and end time qualifiers (P580, P582) compared at the coarser precision of the two dates. Wikidata's
P190 statements of a town we do not have as partnerships are reported for the towns whose partner
lists we hold (municipalities with two or more partnerships in our data), and for any town when
the partner is also one of our places. Deprecated statements are ignored.

:func:`quickstatements` turns what Wikidata lacks into QuickStatements (v1) lines, each with our
source as reference.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Final

from rdflib import Literal, URIRef
from rdflib.namespace import XSD

from twinning_kg.errors import TwinningError
from twinning_kg.linking.matching import qid_number
from twinning_kg.linking.places import OurData, Partnership, Place
from twinning_kg.linking.wikidata import WikidataClient, run_select

WIKIBASE: Final = "http://wikiba.se/ontology#"
BATCH_TOWNS: Final = 200
YEAR, MONTH, DAY = 9, 10, 11
#: What each kind of difference means; ``agrees`` rows are not differences.
KINDS: Final = {
    "missing-in-wikidata": "we have this partnership; Wikidata has no P190 statement for it",
    "missing-here": "Wikidata lists this partner; we have no such partnership",
    "status": "one side records the partnership as ended, the other does not",
    "start-date": "the start dates differ",
    "end-date": "the end dates differ",
    "start-missing-in-wikidata": "we know the start date; the statement has no start time (P580)",
}
#: Kinds that QuickStatements can fix by adding to Wikidata what our data says.
ADDABLE: Final = frozenset({"missing-in-wikidata", "status", "start-missing-in-wikidata"})


@dataclass(frozen=True, slots=True)
class When:
    """A date at a precision: 9 year, 10 month, 11 day (Wikidata's numbers)."""

    iso: str
    precision: int

    def shown(self, precision: int | None = None) -> str:
        """The date cut to ``precision`` (default: its own).

        >>> When("2008-06-30", DAY).shown(YEAR)
        '2008'
        """
        keep = {YEAR: 4, MONTH: 7}.get(min(precision or self.precision, self.precision), 10)
        return self.iso[:keep]

    def agrees(self, other: When) -> bool:
        """Equal at the coarser of the two precisions."""
        common = min(self.precision, other.precision)
        return self.shown(common) == other.shown(common)

    def quickstatement(self) -> str:
        """The date as a QuickStatements time value.

        >>> When("2022", YEAR).quickstatement()
        '+2022-00-00T00:00:00Z/9'
        """
        year, month, day = (self.iso + "-00-00")[:10].split("-")
        if self.precision < MONTH:
            month = "00"
        if self.precision < DAY:
            day = "00"
        return f"+{year}-{month}-{day}T00:00:00Z/{self.precision}"


def our_when(value: Literal | None) -> When | None:
    """Our xsd:date, gYearMonth or gYear as a :class:`When`."""
    if value is None:
        return None
    precisions = {str(XSD.date): DAY, str(XSD.gYearMonth): MONTH, str(XSD.gYear): YEAR}
    precision = precisions.get(str(value.datatype))
    return When(str(value)[:10], precision) if precision is not None else None


def wikidata_when(value: object, precision: object) -> When | None:
    """A Wikidata time (``2008-06-30T00:00:00Z``) with its precision, guessed if not given."""
    if not isinstance(value, Literal):
        return None  # "unknown value" comes as a blank node or a generated IRI
    text = str(value).lstrip("+")
    if len(text) < 10 or not text[:4].isdigit():
        return None
    try:
        given = int(str(precision)) if isinstance(precision, Literal) else None
    except ValueError:
        given = None
    if given is None:
        given = YEAR if text[4:10] == "-01-01" else MONTH if text[7:10] == "-01" else DAY
    if given < YEAR:
        return None  # decades and coarser: nothing to compare
    return When(text[:10], min(given, DAY))


@dataclass(slots=True)
class Twin:
    """What Wikidata says about one direction of a twinning (all its P190 statements merged)."""

    town: URIRef
    partner: URIRef
    partner_label: str = ""
    start: When | None = None
    end: When | None = None
    ended: bool = False


@dataclass(frozen=True, slots=True)
class Finding:
    """One compared direction: a difference, or ``agrees``."""

    kind: str
    town: URIRef
    partner: URIRef
    town_label: str
    partner_label: str
    ours: str
    wikidata: str
    partnership: URIRef | None = None
    add: tuple[str, ...] = ()


@dataclass(slots=True)
class CheckReport:
    """Every finding, sorted; and our partnerships that could not be compared."""

    findings: list[Finding] = field(default_factory=list)
    not_compared: list[str] = field(default_factory=list)

    @property
    def differences(self) -> list[Finding]:
        """The findings that are not agreements."""
        return [f for f in self.findings if f.kind != "agrees"]


def fetch_twins(
    client: WikidataClient, towns: Sequence[URIRef]
) -> dict[tuple[URIRef, URIRef], Twin]:
    """The non-deprecated P190 statements of ``towns``, merged per (town, partner).

    :raises UpstreamError: if the endpoint fails or answers with other variables.
    """
    rows = run_select(
        client,
        "list_wikidata_twins",
        variables=("town",),
        rows=[(town,) for town in sorted(set(towns), key=qid_number)],
        expect=(
            "town",
            "partner",
            "partnerLabel",
            "statement",
            "rank",
            "start",
            "startPrecision",
            "end",
            "endPrecision",
        ),
        batch_size=BATCH_TOWNS,
    )
    twins: dict[tuple[URIRef, URIRef], Twin] = {}
    for row in rows:
        town, partner, rank = row.get("town"), row.get("partner"), row.get("rank")
        if not isinstance(town, URIRef) or not isinstance(partner, URIRef):
            continue
        if rank == URIRef(WIKIBASE + "DeprecatedRank"):
            continue
        twin = twins.setdefault((town, partner), Twin(town, partner))
        label = row.get("partnerLabel")
        if isinstance(label, Literal):
            twin.partner_label = twin.partner_label or str(label)
        start = wikidata_when(row.get("start"), row.get("startPrecision"))
        if start is not None and (twin.start is None or start.iso < twin.start.iso):
            twin.start = start
        if row.get("end") is not None:
            twin.ended = True
            end = wikidata_when(row.get("end"), row.get("endPrecision"))
            if end is not None and (twin.end is None or end.iso > twin.end.iso):
                twin.end = end
    return twins


def _ours(partnership: Partnership) -> str:
    start, end = our_when(partnership.start), our_when(partnership.end)
    since = f"since {start.shown()}" if start else "start unknown"
    if partnership.status == "ended" or end is not None:
        return f"{since}, ended {end.shown() if end else '(date unknown)'}"
    return f"{since}, {partnership.status or 'status unknown'}"


def _theirs(twin: Twin | None) -> str:
    if twin is None:
        return "no P190 statement"
    since = f"since {twin.start.shown()}" if twin.start else "no start time"
    if twin.ended:
        return f"{since}, ended {twin.end.shown() if twin.end else '(unknown value)'}"
    return f"{since}, no end time"


def compare_direction(
    partnership: Partnership, twin: Twin | None
) -> list[tuple[str, tuple[str, ...]]]:
    """The differences for one direction, each with the qualifiers QuickStatements would add."""
    start, end = our_when(partnership.start), our_when(partnership.end)
    ended = partnership.status == "ended" or end is not None
    qualifiers = []
    if start is not None:
        qualifiers.append(f"P580\t{start.quickstatement()}")
    if ended:
        qualifiers.append(f"P582\t{end.quickstatement() if end else 'somevalue'}")
    if twin is None:
        return [("missing-in-wikidata", tuple(qualifiers))]
    found: list[tuple[str, tuple[str, ...]]] = []
    if ended and not twin.ended:
        found.append(("status", (f"P582\t{end.quickstatement() if end else 'somevalue'}",)))
    elif twin.ended and not ended:
        found.append(("status", ()))
    elif ended and end is not None and twin.end is not None and not end.agrees(twin.end):
        found.append(("end-date", ()))
    if start is not None and twin.start is None:
        found.append(("start-missing-in-wikidata", (f"P580\t{start.quickstatement()}",)))
    elif start is not None and twin.start is not None and not start.agrees(twin.start):
        found.append(("start-date", ()))
    return found


def cross_check(
    data: OurData,
    places: Sequence[Place],
    partnerships: Sequence[Partnership],
    twins: dict[tuple[URIRef, URIRef], Twin],
) -> CheckReport:
    """Compare our partnerships with Wikidata's statements (see the module docstring)."""
    report = CheckReport()
    ours: dict[tuple[URIRef, URIRef], Partnership] = {}
    label_of = {p.item: p.label for p in places if p.item is not None}
    partnered: dict[URIRef, int] = {}
    for partnership in partnerships:
        a, b = partnership.items if len(partnership.items) == 2 else (None, None)
        if a is None or b is None:
            report.not_compared.append(
                f"{data.label(partnership.iri)}: a partner has no Wikidata link"
            )
            continue
        ours[(a, b)] = ours[(b, a)] = partnership
        for item in (a, b):
            partnered[item] = partnered.get(item, 0) + 1
    for (town, partner), partnership in ours.items():
        twin = twins.get((town, partner))
        agreed = Finding(
            kind="agrees",
            town=town,
            partner=partner,
            town_label=label_of.get(town, _qid(town)),
            partner_label=label_of.get(partner, _qid(partner)),
            ours=_ours(partnership),
            wikidata=_theirs(twin),
            partnership=partnership.iri,
        )
        found = compare_direction(partnership, twin)
        report.findings += [replace(agreed, kind=kind, add=add) for kind, add in found] or [agreed]
    for (town, partner), twin in twins.items():
        if (town, partner) in ours or town not in partnered:
            continue
        if partnered[town] < 2 and partner not in label_of:
            continue
        report.findings.append(
            Finding(
                kind="missing-here",
                town=town,
                partner=partner,
                town_label=label_of.get(town, _qid(town)),
                partner_label=label_of.get(partner, twin.partner_label or _qid(partner)),
                ours="no partnership",
                wikidata=_theirs(twin),
            )
        )
    report.findings.sort(key=lambda f: (f.kind == "agrees", f.town_label, f.partner_label, f.kind))
    return report


def _qid(item: URIRef) -> str:
    return str(item).rsplit("/", 1)[-1]


def quickstatements(
    report: CheckReport,
    partnerships: Sequence[Partnership],
    *,
    entity_url: Callable[[URIRef], str],
    retrieved: date,
) -> str:
    """QuickStatements (v1) adding to Wikidata what our data has and it lacks, with references.

    Each line cites (``S854``) the web page of the partnership's source, or of its status source
    for an end, or else our published page of the partnership; ``S813`` is ``retrieved``.
    """
    by_iri = {p.iri: p for p in partnerships}
    lines = []
    for finding in report.findings:
        if finding.kind not in ADDABLE or not finding.add or finding.partnership is None:
            continue
        partnership = by_iri[finding.partnership]
        role = "status" if finding.kind == "status" else "partnership"
        pages = [s.page for s in partnership.sources if s.role == role and s.page]
        url = pages[0] if pages else entity_url(partnership.iri)
        if any(c in url for c in '"\t\n\r'):
            raise TwinningError(f"cannot cite {url!r} in QuickStatements")
        reference = f'S854\t"{url}"\tS813\t+{retrieved.isoformat()}T00:00:00Z/11'
        head = f"{_qid(finding.town)}\tP190\t{_qid(finding.partner)}"
        lines.append("\t".join([head, *finding.add, reference]))
    return "".join(line + "\n" for line in lines)
