"""Label search: case- and diacritics-insensitive, over an index built once per data version.

The index holds every label folded and sorted, in a few long strings and integer arrays rather
than an object per label: at world scale (half a million labels) a worker holds about 100 MB of
it. The persistent store writes it next to itself when it is built (:meth:`LabelIndex.save`), so
a worker reads it in a fraction of a second instead of building it on its first search.
"""

from __future__ import annotations

import heapq
import json
import os
import sys
import unicodedata
import zlib
from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import pyoxigraph as ox
from rdflib.namespace import RDF, RDFS

if TYPE_CHECKING:
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


LABEL: Final = ox.NamedNode(str(RDFS.label))
TYPE: Final = ox.NamedNode(str(RDF.type))
#: Between the strings of a joined column. A label holding it is still found: a text without it
#: cannot match across two labels, and a text with it is looked for label by label.
_SEPARATOR: Final = "\x00"
_MAGIC: Final = b"twinning-kg label index 1\n"
#: Unsigned 32-bit integers: offsets into texts of up to 4 G characters.
_TYPECODE: Final = "I"
#: The integer arrays of the saved index, in the order they are written.
_ARRAYS: Final = ("folded_starts", "label_starts", "lang_of", "entity_of", "iri_starts", "type_of")
_TEXTS: Final = ("folded", "labels", "iris")

_Rank = tuple[int, int, str]


class LabelIndex:
    """Labels, folded and sorted, for prefix and substring search.

    Entry ``i`` is the ``i``-th label in folded order: its folded text, its own text and
    language, and its entity (an IRI and the entity's first type by IRI). Build one with
    :meth:`of_hits`, :meth:`of_triples` or :func:`index_of`; read a saved one with :meth:`load`.
    """

    def __init__(
        self,
        digest: str,
        *,
        texts: dict[str, str],
        arrays: dict[str, array[int]],
        langs: list[str | None],
        types: list[str | None],
    ) -> None:
        self.digest = digest
        self._columns = (texts, arrays)  # as saved
        self._folded, self._labels, self._iris = (texts[name] for name in _TEXTS)
        self._folded_starts, self._label_starts = arrays["folded_starts"], arrays["label_starts"]
        self._lang_of, self._entity_of = arrays["lang_of"], arrays["entity_of"]
        self._iri_starts, self._type_of = arrays["iri_starts"], arrays["type_of"]
        self._langs, self._types = langs, types
        self._size = len(self._lang_of)
        # The rare labels holding the separator: a text holding it is looked for in them alone.
        self._odd = (
            []
            if self._folded.count(_SEPARATOR) == max(self._size - 1, 0)
            else [i for i in range(self._size) if _SEPARATOR in self._folded_at(i)]
        )

    # --- building -----------------------------------------------------------------------------

    @classmethod
    def of_hits(cls, digest: str, hits: Iterable[Hit]) -> LabelIndex:
        """The index of ``hits`` (one per label; an entity's hits share its type)."""
        entries = sorted(
            ((fold(hit.label), hit) for hit in hits),
            key=lambda entry: (entry[0], entry[1].iri, entry[1].label, entry[1].lang or ""),
        )
        entities: dict[str, int] = {}
        entity_types: list[str | None] = []
        langs: dict[str | None, int] = {}
        types: dict[str | None, int] = {}
        for _folded, hit in entries:
            if hit.iri not in entities:
                entities[hit.iri] = len(entities)
                entity_types.append(hit.type)
        folded, folded_starts = _joined(folded for folded, _hit in entries)
        labels, label_starts = _joined(hit.label for _folded, hit in entries)
        iris, iri_starts = _joined(entities)
        return cls(
            digest,
            texts={"folded": folded, "labels": labels, "iris": iris},
            arrays={
                "folded_starts": folded_starts,
                "label_starts": label_starts,
                "lang_of": array(
                    _TYPECODE, (langs.setdefault(h.lang, len(langs)) for _f, h in entries)
                ),
                "entity_of": array(_TYPECODE, (entities[hit.iri] for _folded, hit in entries)),
                "iri_starts": iri_starts,
                "type_of": array(
                    _TYPECODE, (types.setdefault(t, len(types)) for t in entity_types)
                ),
            },
            langs=list(langs),
            types=list(types),
        )

    @classmethod
    def of_triples(cls, digest: str, triples: Iterable[ox.Triple | ox.Quad]) -> LabelIndex:
        """The index of the ``rdfs:label`` and ``rdf:type`` triples among ``triples``.

        An IRI's literal labels are indexed; its type is the first of its IRI types by IRI.
        """
        labels: dict[tuple[str, str, str | None], None] = {}
        types: dict[str, str] = {}
        for triple in triples:
            subject, value = triple.subject, triple.object
            if not isinstance(subject, ox.NamedNode):
                continue
            if triple.predicate == LABEL and isinstance(value, ox.Literal):
                labels[subject.value, value.value, value.language] = None
            elif triple.predicate == TYPE and isinstance(value, ox.NamedNode):
                known = types.get(subject.value)
                if known is None or value.value < known:
                    types[subject.value] = value.value
        hits = (
            Hit(iri=iri, label=label, lang=lang, type=types.get(iri)) for iri, label, lang in labels
        )
        return cls.of_hits(digest, hits)

    # --- reading ------------------------------------------------------------------------------

    def __len__(self) -> int:
        return self._size

    def entries(self) -> Iterator[tuple[str, Hit]]:
        """Every entry in index order: its folded text and its hit."""
        for i in range(self._size):
            yield self._folded_at(i), self._hit(i)

    def search(self, text: str, *, limit: int = 20) -> list[Hit]:
        """Entities whose label contains ``text``; prefix matches first, one hit per entity.

        Ranked by (prefix match first, shorter label first, label, IRI). Prefix matches are one
        range of the sorted labels; the other labels are read only when fewer than ``limit``
        entities have a label starting with ``text``.
        """
        needle = fold(text.strip())
        if not needle:
            return []
        ranked: dict[int, tuple[_Rank, int]] = {}  # entity -> (rank, entry)
        index = bisect_left(range(self._size), needle, key=self._folded_at)
        while index < self._size:
            folded = self._folded_at(index)
            if not folded.startswith(needle):
                break
            self._keep_best(ranked, (0, len(folded), folded), index)
            index += 1
        if len(ranked) < limit:
            for index in self._substring_matches(needle):
                folded = self._folded_at(index)
                self._keep_best(ranked, (1, len(folded), folded), index)
        best = heapq.nsmallest(
            limit, ranked.items(), key=lambda item: (item[1][0], self._iri_at(item[0]))
        )
        return [self._hit(entry) for _entity, (_rank, entry) in best]

    def _keep_best(self, ranked: dict[int, tuple[_Rank, int]], rank: _Rank, index: int) -> None:
        entity = self._entity_of[index]
        known = ranked.get(entity)
        if known is None or rank < known[0]:
            ranked[entity] = (rank, index)

    def _substring_matches(self, needle: str) -> Iterator[int]:
        """The entries whose folded label holds ``needle`` after its first character."""
        if _SEPARATOR in needle:
            for index in self._odd:
                if self._folded_at(index).find(needle) > 0:
                    yield index
            return
        starts = self._folded_starts
        found = self._folded.find(needle)
        while found >= 0:
            at = bisect_right(starts, found) - 1
            if found > starts[at]:  # not a prefix: those are ranked above
                yield at
            found = self._folded.find(needle, found + 1)

    def _folded_at(self, index: int) -> str:
        return _item(self._folded, self._folded_starts, index)

    def _iri_at(self, entity: int) -> str:
        return _item(self._iris, self._iri_starts, entity)

    def _hit(self, index: int) -> Hit:
        entity = self._entity_of[index]
        return Hit(
            iri=self._iri_at(entity),
            label=_item(self._labels, self._label_starts, index),
            lang=self._langs[self._lang_of[index]],
            type=self._types[self._type_of[entity]],
        )

    # --- saving -------------------------------------------------------------------------------

    def save(self, path: Path) -> None:
        """Write the index to ``path`` (through a temporary file: a reader never sees half)."""
        texts, arrays = self._columns
        blobs = [texts[name].encode("utf-8", "surrogatepass") for name in _TEXTS]
        blobs += [bytes(arrays[name]) for name in _ARRAYS]
        header: dict[str, Any] = {
            "digest": self.digest,
            "layout": _layout(),
            "langs": self._langs,
            "types": self._types,
            "lengths": [len(blob) for blob in blobs],
        }
        checksum = _header_crc(header)
        for blob in blobs:
            checksum = zlib.crc32(blob, checksum)
        header["crc32"] = checksum
        partial = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        try:
            with partial.open("wb") as out:
                out.write(_MAGIC + json.dumps(header).encode() + b"\n")
                for blob in blobs:
                    out.write(blob)
            partial.replace(path)
        finally:
            partial.unlink(missing_ok=True)

    @classmethod
    def load(cls, path: Path, digest: str) -> LabelIndex:
        """Read an index :meth:`save` wrote for the data of ``digest``.

        :raises OSError: if it cannot be read.
        :raises ValueError: if it is not such an index (damaged, say), or is of other data.
        """
        data = path.read_bytes()
        try:
            header, payload = _header(data)
            if header["digest"] != digest or header["layout"] != _layout():
                raise ValueError("the label index of other data")
            blobs = _blobs(payload, header)
            texts = {
                name: blob.decode("utf-8", "surrogatepass")
                for name, blob in zip(_TEXTS, blobs, strict=False)
            }
            arrays = {}
            for name, blob in zip(_ARRAYS, blobs[len(_TEXTS) :], strict=True):
                column = array(_TYPECODE)
                column.frombytes(blob)
                arrays[name] = column
            index = cls(
                digest, texts=texts, arrays=arrays, langs=header["langs"], types=header["types"]
            )
            index.check()
        except ValueError as exc:
            raise ValueError(f"{path}: {exc}") from None
        return index

    def check(self) -> None:
        """Check that the columns fit together.

        :raises ValueError: if they do not (a damaged file).
        """
        entities = len(self._type_of)
        fits = (
            _column_fits(self._folded, self._folded_starts, self._size)
            and _column_fits(self._labels, self._label_starts, self._size)
            and _column_fits(self._iris, self._iri_starts, entities)
            and len(self._entity_of) == self._size
            and all(0 <= e < entities for e in self._entity_of)
            and all(0 <= t < len(self._types) for t in self._type_of)
            and all(0 <= lang < len(self._langs) for lang in self._lang_of)
        )
        if not fits:
            raise ValueError("a damaged label index")


def _layout() -> str:
    """How this machine writes the integer arrays (a file from another one is not read)."""
    return f"{sys.byteorder}-{array(_TYPECODE).itemsize}"


def _header(data: bytes) -> tuple[dict[str, Any], bytes]:
    """The checked header of a saved index, and the bytes after it.

    :raises ValueError: if there is no such header.
    """
    end = data.find(b"\n", len(_MAGIC))
    if not data.startswith(_MAGIC) or end < 0:
        raise ValueError("not a label index")
    try:
        header = json.loads(data[len(_MAGIC) : end])
    except (ValueError, RecursionError):
        raise ValueError("a damaged label index") from None
    names = (str, type(None))
    fits = (
        isinstance(header, dict)
        and isinstance(header.get("digest"), str)
        and isinstance(header.get("layout"), str)
        and isinstance(header.get("crc32"), int)
        and isinstance(header.get("lengths"), list)
        and len(header["lengths"]) == len(_TEXTS) + len(_ARRAYS)
        and all(isinstance(n, int) and n >= 0 for n in header["lengths"])
        and all(
            isinstance(header.get(key), list) and all(isinstance(v, names) for v in header[key])
            for key in ("langs", "types")
        )
    )
    if not fits:
        raise ValueError("a damaged label index")
    return header, data[end + 1 :]


def _header_crc(header: dict[str, Any]) -> int:
    """The CRC-32 of the header's fields but its checksum, in one spelling (sorted keys)."""
    fields = {key: value for key, value in header.items() if key != "crc32"}
    return zlib.crc32(json.dumps(fields, sort_keys=True).encode())


def _blobs(payload: bytes, header: dict[str, Any]) -> list[bytes]:
    """``payload`` cut at the header's lengths, once the header's CRC-32 covers both.

    :raises ValueError: if the lengths or the checksum do not match (a damaged file).
    """
    lengths: list[int] = header["lengths"]
    if sum(lengths) != len(payload) or zlib.crc32(payload, _header_crc(header)) != header["crc32"]:
        raise ValueError("a damaged label index")
    blobs, offset = [], 0
    for length in lengths:
        blobs.append(payload[offset : offset + length])
        offset += length
    return blobs


def _joined(strings: Iterable[str]) -> tuple[str, array[int]]:
    """``strings`` in one string, and where each starts (one more: past the end, plus one)."""
    starts = array(_TYPECODE, [0])
    parts = []
    for text in strings:
        parts.append(text)
        starts.append(starts[-1] + len(text) + 1)
    return _SEPARATOR.join(parts), starts


def _column_fits(text: str, starts: Sequence[int], size: int) -> bool:
    """Whether ``starts`` are where ``size`` strings joined into ``text`` start (see _joined)."""
    return len(starts) == size + 1 and starts[-1] == (len(text) + 1 if size else 0)


def _item(text: str, starts: Sequence[int], index: int) -> str:
    return text[starts[index] : starts[index + 1] - 1]


def index_of(store: GraphStore) -> LabelIndex:
    """The label index of ``store``'s current data, from one CONSTRUCT (``list_labels``)."""
    return LabelIndex.of_triples(store.version.digest, store.construct_triples("list_labels"))
