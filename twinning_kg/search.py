"""Label search: case- and diacritics-insensitive, over an index built once per data version."""

from __future__ import annotations

import heapq
import unicodedata
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Final

import pyoxigraph as ox
from rdflib.namespace import RDF, RDFS

from twinning_kg.store import GraphStore


def fold(text: str) -> str:
    """Lower-case and strip diacritics, so "Berdyczów" and "berdyczow" compare equal.

    >>> fold("Berdyczów"), fold("ŁÓDŹ")
    ('berdyczow', 'lodz')
    """
    text = text.replace("ł", "l").replace("Ł", "L").replace("ß", "ss")
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


@dataclass(frozen=True, slots=True)
class Hit:
    """One search result."""

    iri: str
    label: str
    lang: str | None
    type: str | None


_LABEL: Final = ox.NamedNode(str(RDFS.label))
_TYPE: Final = ox.NamedNode(str(RDF.type))
#: Between the labels in the joined text; a label holding it is searched on its own.
_SEPARATOR: Final = "\x00"

_Ranked = tuple[tuple[int, int, str], Hit]


class LabelIndex:
    """Labels, folded and sorted, for prefix and substring search (:func:`index_of` makes the
    index of a store: a resource with several types shows the first by IRI)."""

    def __init__(self, digest: str, hits: Iterable[Hit]) -> None:
        self.digest = digest
        entries = sorted(((fold(hit.label), hit) for hit in hits), key=lambda entry: entry[0])
        self._entries = entries
        self._folded = [folded for folded, _hit in entries]
        # Every label in one string, for substring search at C speed; the rare label that
        # holds the separator stays out of it and is searched on its own.
        joined = [i for i, folded in enumerate(self._folded) if _SEPARATOR not in folded]
        self._odd = [i for i, folded in enumerate(self._folded) if _SEPARATOR in folded]
        self._text = _SEPARATOR.join(self._folded[i] for i in joined)
        self._starts: list[int] = []
        self._joined = joined
        offset = 0
        for i in joined:
            self._starts.append(offset)
            offset += len(self._folded[i]) + 1

    def search(self, text: str, *, limit: int = 20) -> list[Hit]:
        """Entities whose label contains ``text``; prefix matches first, one hit per entity.

        Ranked by (prefix match first, shorter label first, label, IRI). Prefix matches are one
        range of the sorted labels; the other labels are read only when fewer than ``limit``
        entities have a label starting with ``text``.
        """
        needle = fold(text.strip())
        if not needle:
            return []
        ranked: dict[str, _Ranked] = {}
        index = bisect_left(self._folded, needle)
        while index < len(self._entries) and self._folded[index].startswith(needle):
            folded, hit = self._entries[index]
            _keep_best(ranked, (0, len(folded), folded), hit)
            index += 1
        if len(ranked) < limit:
            for index in self._substring_matches(needle):
                folded, hit = self._entries[index]
                _keep_best(ranked, (1, len(folded), folded), hit)
        best = heapq.nsmallest(limit, ranked.values(), key=lambda pair: (pair[0], pair[1].iri))
        return [hit for _rank, hit in best]

    def _substring_matches(self, needle: str) -> Iterator[int]:
        """The entries whose label holds ``needle`` after its first character."""
        if _SEPARATOR not in needle:
            found = self._text.find(needle)
            while found >= 0:
                at = bisect_right(self._starts, found) - 1
                if found > self._starts[at]:  # not a prefix: those are ranked above
                    yield self._joined[at]
                found = self._text.find(needle, found + 1)
        for index in self._odd:
            if self._folded[index].find(needle) > 0:
                yield index


def index_of(store: GraphStore) -> LabelIndex:
    """The label index of ``store``'s current data, from one CONSTRUCT (``list_labels``)."""
    labels: dict[tuple[str, str, str | None], None] = {}
    types: dict[str, str] = {}
    for triple in store.construct_triples("list_labels"):
        subject, value = triple.subject, triple.object
        if not isinstance(subject, ox.NamedNode):
            continue
        if triple.predicate == _LABEL and isinstance(value, ox.Literal):
            labels[subject.value, value.value, value.language] = None
        elif triple.predicate == _TYPE and isinstance(value, ox.NamedNode):
            known = types.get(subject.value)
            if known is None or value.value < known:
                types[subject.value] = value.value
    hits = (
        Hit(iri=iri, label=label, lang=lang, type=types.get(iri)) for iri, label, lang in labels
    )
    return LabelIndex(store.version.digest, hits)


def _keep_best(ranked: dict[str, _Ranked], rank: tuple[int, int, str], hit: Hit) -> None:
    known = ranked.get(hit.iri)
    if known is None or rank < known[0]:
        ranked[hit.iri] = (rank, hit)
