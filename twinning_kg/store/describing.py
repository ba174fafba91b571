"""An entity page's description from the embedded store, in two queries and a cache.

The description is the one ``describe_entity.rq`` and ``describe_context.rq`` give together (what
a remote store runs): the entity's own triples (a Concise Bounded Description), the links to it,
the labels of the properties on both, and a summary of every resource it links to or that links to
it (type, labels, coordinates, ``owl:sameAs`` links, dates, status). Here it is read in two
steps (and ``describe_entity.rq`` too when the entity has blank-node objects):

1. ``describe_links.rq``: the entity's own triples and the links to it;
2. ``describe_summaries.rq``: the summaries of the linked resources and properties that this
   store's :class:`Summaries` does not hold yet, all in one query.

The embedded store's data never changes under it (a reload opens a new store), so a summary, once
read, is exact for the store's life. The same few resources stand on most pages (classes,
properties, countries, concepts, a partnership's two towns): most of a page's summaries are then
read from memory, not decoded from the store again (bench/README.md, runs 6 to 10).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Collection, Iterable
from typing import Final

import pyoxigraph as ox
from rdflib import URIRef

from twinning_kg import queries
from twinning_kg.search import LABEL
from twinning_kg.sparql.binding import fill_values

#: How many resources' summaries a store keeps, least recently used out: at world scale a summary
#: is 4.4 triples of about 364 bytes each, so a full cache holds some 13 MB a worker.
SUMMARIES_KEPT: Final = 8192

Summary = tuple[ox.Triple, ...]
#: Runs a CONSTRUCT or DESCRIBE query text (IRIs already written in) and returns its triples.
RunGraphQuery = Callable[[str], Iterable[ox.Triple]]


class Summaries:
    """Summaries by resource IRI, least recently used out past ``max_entries``; thread-safe."""

    def __init__(self, max_entries: int = SUMMARIES_KEPT) -> None:
        self.max_entries = max_entries
        self.hits = 0
        self.misses = 0
        self._entries: OrderedDict[ox.NamedNode, Summary] = OrderedDict()
        self._lock = threading.Lock()

    def of(
        self, resources: Collection[ox.NamedNode], run: RunGraphQuery
    ) -> dict[ox.NamedNode, Summary]:
        """The summary of each of ``resources`` (empty when the store says nothing of one), those
        not kept read with one query through ``run``."""
        found: dict[ox.NamedNode, Summary] = {}
        missing: list[ox.NamedNode] = []
        with self._lock:
            for resource in resources:
                summary = self._entries.get(resource)
                if summary is None:
                    missing.append(resource)
                else:
                    self._entries.move_to_end(resource)
                    found[resource] = summary
            self.hits += len(found)
            self.misses += len(missing)
        if not missing:
            return found
        read: dict[ox.NamedNode, list[ox.Triple]] = {resource: [] for resource in missing}
        text = fill_values(
            queries.load("describe_summaries"), ["neighbour"], [[URIRef(r.value)] for r in missing]
        )
        for triple in run(text):
            subject = triple.subject
            if isinstance(subject, ox.NamedNode) and subject in read:
                read[subject].append(triple)
        with self._lock:
            for resource, triples in read.items():
                summary = found[resource] = tuple(triples)
                self._entries[resource] = summary
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)
        return found

    def __len__(self) -> int:
        return len(self._entries)


def linked(
    triples: Iterable[ox.Triple], entity: ox.NamedNode
) -> tuple[set[ox.NamedNode], set[ox.NamedNode]]:
    """What the entity's own triples and the links to it name: the resources they link it to
    (objects that are IRIs, subjects of links to it) and the properties they use."""
    resources: set[ox.NamedNode] = set()
    properties: set[ox.NamedNode] = set()
    for triple in triples:
        subject, obj = triple.subject, triple.object
        if subject == entity:
            properties.add(triple.predicate)
            if isinstance(obj, ox.NamedNode):
                resources.add(obj)
        if obj == entity and isinstance(subject, ox.NamedNode):
            properties.add(triple.predicate)
            resources.add(subject)
    return resources, properties


def describe(
    entity: ox.NamedNode,
    links: Iterable[ox.Triple],
    *,
    summaries: Summaries,
    run: RunGraphQuery,
    describe_entity: Callable[[], Iterable[ox.Triple]],
) -> list[ox.Triple]:
    """The page's description (no duplicates) from ``links``, what describe_links.rq gave;
    empty when that is. ``describe_entity`` adds a blank-node object's own triples."""
    found = dict.fromkeys(links)
    if not found:
        return []
    resources, properties = linked(found, entity)
    if any(isinstance(t.object, ox.BlankNode) for t in found if t.subject == entity):
        found.update(dict.fromkeys(describe_entity()))
    known = summaries.of(resources | properties, run)
    for resource in resources:
        found.update(dict.fromkeys(known[resource]))
    for prop in properties - resources:  # of a property only its labels, as describe_context
        found.update(dict.fromkeys(t for t in known[prop] if t.predicate == LABEL))
    return list(found)
