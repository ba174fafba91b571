"""One page's triples, indexed for the reads an HTML page makes of them.

Filling an rdflib graph costs several microseconds a triple (its ``add`` checks each term, then
its store fills three indexes through a chain of calls); an entity page at world scale has a
hundred triples or more and reads them a few hundred times. :class:`PageGraph` keeps the same three
indexes as rdflib's ``SimpleMemory`` store, filled in the same order, so each read answers the same
triples in the same order as an rdflib graph of those triples would; it has only the reads the
pages make (:class:`twinning_kg.web.presentation.Lookup`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from rdflib.namespace import RDF
from rdflib.term import Node

Pattern = tuple[Node | None, Node | None, Node | None]
Triple = tuple[Node, Node, Node]


class PageGraph:
    """A read-only set of triples (rdflib terms), each kept once, in the order first given."""

    def __init__(self, triples: Iterable[Triple]) -> None:
        self._spo: dict[Node, dict[Node, dict[Node, None]]] = {}
        self._pos: dict[Node, dict[Node, dict[Node, None]]] = {}
        self._osp: dict[Node, dict[Node, dict[Node, None]]] = {}
        spo, pos, osp = self._spo, self._pos, self._osp
        for s, p, o in triples:
            spo.setdefault(s, {}).setdefault(p, {})[o] = None
            pos.setdefault(p, {}).setdefault(o, {})[s] = None
            osp.setdefault(o, {}).setdefault(s, {})[p] = None

    def triples(self, pattern: Pattern) -> Iterator[Triple]:
        """The triples matching ``pattern`` (None matches any term), in rdflib's order."""
        subject, predicate, obj = pattern
        if subject is not None:
            by_predicate = self._spo.get(subject, {})
            for p in by_predicate if predicate is None else (predicate,):
                objects = by_predicate.get(p, {})
                if obj is None:
                    for o in objects:
                        yield subject, p, o
                elif obj in objects:
                    yield subject, p, obj
        elif predicate is not None:
            by_object = self._pos.get(predicate, {})
            for o in by_object if obj is None else (obj,):
                for s in by_object.get(o, {}):
                    yield s, predicate, o
        elif obj is not None:
            for s, predicates in self._osp.get(obj, {}).items():
                for p in predicates:
                    yield s, p, obj
        else:
            for s, by_predicate in self._spo.items():
                for p, objects in by_predicate.items():
                    for o in objects:
                        yield s, p, o

    def objects(self, subject: Node | None = None, predicate: Node | None = None) -> Iterator[Node]:
        for _s, _p, o in self.triples((subject, predicate, None)):
            yield o

    def subjects(
        self,
        predicate: Node | None = None,
        object: Node | None = None,  # rdflib's name
    ) -> Iterator[Node]:
        for s, _p, _o in self.triples((None, predicate, object)):
            yield s

    def predicate_objects(self, subject: Node | None = None) -> Iterator[tuple[Node, Node]]:
        for _s, p, o in self.triples((subject, None, None)):
            yield p, o

    def subject_predicates(
        self,
        object: Node | None = None,  # rdflib's name
    ) -> Iterator[tuple[Node, Node]]:
        for s, p, _o in self.triples((None, None, object)):
            yield s, p

    def value(self, subject: Node | None = None, predicate: Node | None = RDF.value) -> Node | None:
        """The first object of ``subject``'s ``predicate``, or None, as rdflib's (``any=True``,
        ``rdf:value`` by default; None without a subject or a predicate)."""
        if subject is None or predicate is None:
            return None
        return next(self.objects(subject, predicate), None)

    def __contains__(self, pattern: Pattern) -> bool:
        return next(self.triples(pattern), None) is not None

    def __iter__(self) -> Iterator[Triple]:
        return self.triples((None, None, None))

    def __len__(self) -> int:
        return sum(1 for _ in self)
