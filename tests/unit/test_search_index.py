"""The label index finds what a plain scan of every label finds, in the same order."""

from __future__ import annotations

from pathlib import Path

import pytest

from twinning_kg.search import Hit, LabelIndex, fold, index_of
from twinning_kg.store.oxigraph import OxigraphStore

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def index() -> LabelIndex:
    store = OxigraphStore.from_paths([ROOT / "ontology", ROOT / "data"], root=ROOT)
    return index_of(store)


def scan(index: LabelIndex, text: str, limit: int = 20) -> list[Hit]:
    """Every label, one by one: the best-ranked label of each resource, the best resources."""
    needle = fold(text.strip())
    best: dict[str, tuple[tuple[int, int, str], Hit]] = {}
    for folded, hit in index.entries():
        position = folded.find(needle)
        if not needle or position < 0:
            continue
        rank = (0 if position == 0 else 1, len(folded), folded)
        if hit.iri not in best or rank < best[hit.iri][0]:
            best[hit.iri] = (rank, hit)
    ordered = sorted(best.values(), key=lambda pair: (pair[0], pair[1].iri))
    return [hit for _rank, hit in ordered[:limit]]


def needles(index: LabelIndex) -> list[str]:
    """Prefixes and inner pieces of real labels, in both spellings, and text found nowhere."""
    found = {"a", "e", "ow", "siedl", "SIEDLCE", "Łódź", "zzzq", " ", "x\ny", "ó", "b\x00"}
    for folded, hit in list(index.entries())[::7]:
        found.update({folded[:3], folded[1:4], folded[2:], hit.label[:5].upper()})
    return sorted(found)


def test_search_equals_a_scan_of_every_label(index: LabelIndex) -> None:
    assert len(index) > 500
    for text in needles(index):
        for limit in (1, 20, 1000):
            assert index.search(text, limit=limit) == scan(index, text, limit), (text, limit)


def test_every_label_finds_its_resource(index: LabelIndex) -> None:
    for _folded, hit in list(index.entries())[::3]:
        assert hit.iri in {h.iri for h in index.search(hit.label, limit=1000)}


def test_labels_with_odd_characters_are_found_as_a_scan_finds_them(index: LabelIndex) -> None:
    """Labels holding a new line, the joined text's separator or the last code point."""
    odd = ["Foo\nBar", "ab\U0010ffffc", "nul\x00here", "o b", "ab"]
    hits = [hit for _folded, hit in index.entries()]
    hits += [Hit(f"http://example.org/odd/{i}", text, None, None) for i, text in enumerate(odd)]
    extended = LabelIndex.of_hits(index.digest, hits)
    for text in ["ab", "o b", "oo\nb", "\x00", "l\x00h", "here", "bar", "c", "\U0010ffff"]:
        for limit in (1, 20, 1000):
            assert extended.search(text, limit=limit) == scan(extended, text, limit), text
    assert "http://example.org/odd/1" in {h.iri for h in extended.search("ab", limit=1000)}
