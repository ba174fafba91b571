"""Label search: case- and diacritics-insensitive, over an index built once per data version."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from rdflib import Literal, URIRef

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


class LabelIndex:
    """All labels of the store, folded, for substring search."""

    def __init__(self, store: GraphStore) -> None:
        self.digest = store.version.digest
        self._entries: list[tuple[str, Hit]] = []
        for row in store.select("list_labels"):
            entity, label, kind = row.get("entity"), row.get("label"), row.get("type")
            if isinstance(entity, URIRef) and isinstance(label, Literal):
                hit = Hit(
                    iri=str(entity),
                    label=str(label),
                    lang=label.language,
                    type=str(kind) if isinstance(kind, URIRef) else None,
                )
                self._entries.append((fold(str(label)), hit))

    def search(self, text: str, *, limit: int = 20) -> list[Hit]:
        """Entities whose label contains ``text``; prefix matches first, one hit per entity."""
        needle = fold(text.strip())
        if not needle:
            return []
        ranked: dict[str, tuple[tuple[int, int, str], Hit]] = {}
        for folded, hit in self._entries:
            position = folded.find(needle)
            if position < 0:
                continue
            rank = (0 if position == 0 else 1, len(folded), folded)
            if hit.iri not in ranked or rank < ranked[hit.iri][0]:
                ranked[hit.iri] = (rank, hit)
        ordered = sorted(ranked.values(), key=lambda pair: pair[0])
        return [hit for _rank, hit in ordered[:limit]]
