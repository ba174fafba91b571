"""The data graph as the SHACL checks read it, in pyoxigraph.

Either a copy of an rdflib graph (:meth:`OxigraphData.copy_of`: what the tests and the tabular
import validate) or the source files parsed straight into pyoxigraph (:meth:`OxigraphData.parse`:
what ``validate`` and a reload check). Parsing with pyoxigraph is what makes world-scale data
checkable: rdflib took 191 s and most of 5.6 GB to parse 2.5 million triples (bench/README.md).

The checks see rdflib terms (:meth:`OxigraphData.node`). The store holds numbers and dates as
values (``95.0`` comes back as ``95``, a date keeps one of two time-zone spellings), so what the
checks compare lexically is kept as parsed (``keep``); values the SPARQL constraints return come
from the store. pyoxigraph also lower-cases language tags, and reads ``"x"^^xsd:string`` as the
plain literal it is in RDF 1.1.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Final

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, SH, XSD
from rdflib.term import Node

from twinning_kg.errors import DataLoadError, TwinningError
from twinning_kg.loading import OX_FORMATS, discover, opened, parse_error

OxTerm = ox.NamedNode | ox.BlankNode | ox.Literal
OxFocus = OxTerm | ox.Triple

_TYPE: Final = ox.NamedNode(str(RDF.type))
_SUBCLASS_OF: Final = ox.NamedNode(str(RDFS.subClassOf))
#: Triples added to the store at a time while parsing.
_BATCH: Final = 100_000


class OxigraphData:
    """A data graph held in the default graph of an in-memory pyoxigraph store (a set of
    triples, as the union of an rdflib Dataset is)."""

    def __init__(self, store: ox.Store, *, parsed: bool) -> None:
        self.store = store
        self._parsed = parsed  # blank nodes are the store's own (not copies of rdflib's)
        self._iris: dict[URIRef, ox.NamedNode] = {}
        self._ox_blanks: dict[BNode, ox.BlankNode] = {}
        self._blanks: dict[str, BNode] = {}
        self._strings: dict[str, Literal] = {}  # literals typed xsd:string explicitly
        #: Per typed subject, the first file (in the order parsed) that gives it a type.
        self.typed_in: dict[OxFocus, Path] = {}
        self._kept: dict[URIRef, list[tuple[Node, Node]]] = {}
        self._keep_all = False

    @classmethod
    def copy_of(cls, graph: Graph) -> OxigraphData:
        """The triples of an rdflib graph (a Dataset: its default graph, the union if set)."""
        data = cls(ox.Store(), parsed=False)
        data.store.bulk_extend(data._quad(s, p, o) for s, p, o in graph.triples((None, None, None)))
        return data

    @classmethod
    def parse(cls, paths: Iterable[Path], *, keep: Iterable[URIRef] | None) -> OxigraphData:
        """Parse every RDF file under ``paths`` (as :func:`twinning_kg.loading.discover` finds
        them) into one graph; each file's blank nodes are its own, as in an RDF merge.

        The triples of the ``keep`` predicates (``None``: of every predicate) are also kept as
        parsed, for :meth:`pairs` and :meth:`to_graph`: SHACL checks and reports the lexical
        form, which the store does not keep for numbers and dates.

        :raises DataLoadError: naming ``file:line:col`` for the first file that does not parse,
            or the file holding what validation cannot check (an RDF 1.2 triple term, a literal
            with a base direction).
        """
        data = cls(ox.Store(), parsed=True)
        data._keep_all = keep is None
        data._kept = {} if keep is None else {URIRef(p): [] for p in keep}
        iris = _IriCache()
        for path in discover(paths):
            data._parse_file(path, iris)
        return data

    def _parse_file(self, path: Path, iris: _IriCache) -> None:
        fmt = OX_FORMATS.get(path.suffix)
        if fmt is None:  # discover() lets only these through
            raise DataLoadError(f"{path}: unsupported file type", path=str(path))
        try:
            with opened(path) as handle:
                self._add(ox.parse(input=handle, format=fmt, rename_blank_nodes=True), path, iris)
        except (SyntaxError, OSError) as exc:
            raise parse_error(path, exc) from None

    def _add(self, triples: Iterable[ox.Triple], path: Path, iris: _IriCache) -> None:
        batch: list[ox.Quad] = []
        typed_in, as_rdflib, kept, keep_all = (
            self.typed_in,
            self._as_rdflib,
            self._kept,
            self._keep_all,
        )
        for triple in triples:
            subject, predicate, obj = triple.subject, triple.predicate, triple.object
            if isinstance(obj, ox.Triple) or (isinstance(obj, ox.Literal) and obj.direction):
                what = "a triple term" if isinstance(obj, ox.Triple) else "a base direction"
                raise DataLoadError(
                    f"{path}: {subject} {predicate} {obj}: {what} (RDF 1.2) cannot be validated",
                    path=str(path),
                )
            if predicate == _TYPE:
                typed_in.setdefault(subject, path)
            rdflib_predicate = iris(predicate)
            pairs = kept.get(rdflib_predicate)
            if pairs is None and keep_all:
                pairs = kept[rdflib_predicate] = []
            if pairs is not None:
                pairs.append((as_rdflib(subject, iris), as_rdflib(obj, iris)))
            batch.append(ox.Quad(subject, predicate, obj))
            if len(batch) >= _BATCH:
                self.store.extend(batch)
                batch = []
        self.store.extend(batch)

    def _quad(self, s: Node, p: Node, o: Node) -> ox.Quad:
        subject, predicate = self.term(s), self.term(p)
        if isinstance(subject, ox.Literal) or not isinstance(predicate, ox.NamedNode):
            raise TwinningError(f"cannot validate a graph holding the triple {s} {p} {o}")
        return ox.Quad(subject, predicate, self.term(o))

    def term(self, term: Node) -> OxTerm:
        """Convert an rdflib term to pyoxigraph's.

        :raises TwinningError: for a term that is not an IRI, blank node or literal.
        """
        if isinstance(term, URIRef):
            found = self._iris.get(term)
            if found is None:
                found = self._iris[term] = ox.NamedNode(str(term))
            return found
        if isinstance(term, BNode):
            blank = self._ox_blanks.get(term)
            if blank is None:
                # Parsed data's blank nodes came out of the store with their labels (node()).
                blank = ox.BlankNode(str(term)) if self._parsed else ox.BlankNode()
                self._ox_blanks[term] = blank
                self._blanks[blank.value] = term
            return blank
        if isinstance(term, Literal):
            if term.language:
                return ox.Literal(str(term), language=term.language)
            if term.datatype is None:
                return ox.Literal(str(term))
            if term.datatype == XSD.string:
                self._strings[str(term)] = term
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        raise TwinningError(f"cannot validate a graph holding {term!r}")

    def node(self, term: OxFocus) -> Node:
        """Convert a pyoxigraph term to rdflib's (for a copy, the blank node or explicitly
        typed string it was made from).

        :raises TwinningError: for an RDF 1.2 triple term, which the checks cannot hold.
        """
        if isinstance(term, ox.Triple):
            raise TwinningError(f"cannot validate a graph holding the triple term {term}")
        if isinstance(term, ox.NamedNode):
            return URIRef(term.value)
        if isinstance(term, ox.BlankNode):
            return self._blanks.get(term.value) or BNode(term.value)
        if term.language:
            return Literal(term.value, lang=term.language)
        datatype = term.datatype.value
        if datatype == str(XSD.string):
            return self._strings.get(term.value) or Literal(term.value)
        return Literal(term.value, datatype=URIRef(datatype))

    def _as_rdflib(self, term: OxFocus, iris: _IriCache) -> Node:
        """:meth:`node`, with IRIs made once per distinct IRI (``iris``)."""
        return iris(term) if isinstance(term, ox.NamedNode) else self.node(term)

    def pairs(self, predicate: URIRef) -> Iterator[tuple[Node, Node]]:
        """``(subject, object)`` of every triple with ``predicate``, as rdflib terms: as parsed
        if the predicate was kept, else as the store gives them back."""
        kept = self._kept.get(predicate)
        if kept is not None:
            yield from kept
            return
        if self._keep_all:
            return  # every predicate of the data was kept: this one is not in it
        as_rdflib, iris = self._as_rdflib, _IriCache()
        for quad in self.store.quads_for_pattern(None, ox.NamedNode(str(predicate)), None):
            yield as_rdflib(quad.subject, iris), as_rdflib(quad.object, iris)

    def to_graph(self) -> Graph:
        """The triples as an rdflib graph, for what only pySHACL checks: as parsed when every
        predicate was kept (:meth:`parse` with ``keep=None``), else as the store holds them."""
        graph = Graph()
        if self._keep_all:
            for predicate, pairs in self._kept.items():
                for subject, obj in pairs:
                    graph.add((subject, predicate, obj))
            return graph
        node = self.node
        for quad in self.store.quads_for_pattern(None, None, None):
            graph.add((node(quad.subject), node(quad.predicate), node(quad.object)))
        return graph

    def labels(self, focus: Node) -> dict[str | None, str]:
        """The ``rdfs:label`` values of ``focus`` by language tag."""
        term = self.term(focus) if isinstance(focus, URIRef | BNode) else None
        if not isinstance(term, ox.NamedNode | ox.BlankNode):
            return {}
        label = ox.NamedNode(str(RDFS.label))
        return {
            q.object.language: q.object.value
            for q in self.store.quads_for_pattern(term, label, None)
            if isinstance(q.object, ox.Literal)
        }

    def focus_nodes(self, targets: Iterable[tuple[URIRef, Node]]) -> set[OxFocus]:
        """The focus nodes of a shape's targets, found as pySHACL finds them."""
        found: set[OxFocus] = set()
        for kind, value in targets:
            term = self.term(value)
            if kind == SH.targetNode:
                found.add(term)
            elif kind == SH.targetClass:
                for cls in self._subclasses(term):
                    found.update(q.subject for q in self.store.quads_for_pattern(None, _TYPE, cls))
            elif kind == SH.targetSubjectsOf and isinstance(term, ox.NamedNode):
                found.update(q.subject for q in self.store.quads_for_pattern(None, term, None))
            elif kind == SH.targetObjectsOf and isinstance(term, ox.NamedNode):
                found.update(q.object for q in self.store.quads_for_pattern(None, term, None))
        return found

    def _subclasses(self, cls: OxFocus) -> set[OxFocus]:
        """``cls`` and everything ``rdfs:subClassOf*`` it in the data."""
        seen = {cls}
        todo = [cls]
        while todo:
            for quad in self.store.quads_for_pattern(None, _SUBCLASS_OF, todo.pop()):
                if quad.subject not in seen:
                    seen.add(quad.subject)
                    todo.append(quad.subject)
        return seen


class _IriCache:
    """rdflib IRIs made once per distinct IRI while reading many triples."""

    __slots__ = ("_known",)

    def __init__(self) -> None:
        self._known: dict[str, URIRef] = {}

    def __call__(self, term: ox.NamedNode) -> URIRef:
        value = term.value
        found = self._known.get(value)
        if found is None:
            found = self._known[value] = URIRef(value)
        return found
