"""Label search: case- and diacritics-insensitive, over an index built once per data version."""

from __future__ import annotations

import heapq
import unicodedata
from bisect import bisect_left, bisect_right
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
#: After every character a folded label can hold: the end of a prefix's range in sorted order.
_LAST: Final = chr(0x10FFFF)
_SEPARATOR: Final = "\n"

_Ranked = tuple[tuple[int, int, str], Hit]


class LabelIndex:
    """All labels of the store, folded and sorted, for prefix and substring search.

    Built once per data version from one CONSTRUCT (``list_labels``); a resource with several
    types shows the first by IRI.
    """

    def __init__(self, store: GraphStore) -> None:
        self.digest = store.version.digest
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
        entries = [
            (fold(label), Hit(iri=iri, label=label, lang=lang, type=types.get(iri)))
            for iri, label, lang in labels
        ]
        entries.sort(key=lambda entry: entry[0])
        self._entries = entries
        self._folded = [folded for folded, _hit in entries]
        # Every label in one string, for substring search at C speed (labels cannot hold the
        # separator: it is taken out of them here, and out of what is searched for).
        self._text = _SEPARATOR.join(f.replace(_SEPARATOR, " ") for f in self._folded)
        self._starts: list[int] = []
        offset = 0
        for folded in self._folded:
            self._starts.append(offset)
            offset += len(folded) + 1

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
        start = bisect_left(self._folded, needle)
        end = bisect_left(self._folded, needle + _LAST, lo=start)
        for folded, hit in self._entries[start:end]:
            _keep_best(ranked, (0, len(folded), folded), hit)
        if len(ranked) < limit and _SEPARATOR not in needle:
            found = self._text.find(needle)
            while found >= 0:
                index = bisect_right(self._starts, found) - 1
                if found > self._starts[index]:  # not a prefix: those are ranked above
                    folded, hit = self._entries[index]
                    _keep_best(ranked, (1, len(folded), folded), hit)
                found = self._text.find(needle, found + 1)
        best = heapq.nsmallest(limit, ranked.values(), key=lambda pair: (pair[0], pair[1].iri))
        return [hit for _rank, hit in best]


def _keep_best(ranked: dict[str, _Ranked], rank: tuple[int, int, str], hit: Hit) -> None:
    known = ranked.get(hit.iri)
    if known is None or rank < known[0]:
        ranked[hit.iri] = (rank, hit)
