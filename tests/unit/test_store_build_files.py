"""What ``build_store`` writes beside an on-disk store so that workers need not compute it.

The label search index must answer exactly as the index built from the store's ``list_labels``
CONSTRUCT, and be refused (and built from the store) when it is missing, damaged or of other
data. The graphs' sizes must be what ``list_graphs`` counts, and counted when a store lacks them.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from twinning_kg.search import Hit, LabelIndex, index_of
from twinning_kg.store.oxigraph import LABELS_FILE, META_FILE, OxigraphStore, build_store

ROOT = Path(__file__).resolve().parents[2]
NEEDLES = ["siedl", "BERDYCZÓW", "a", "ow", "partner", "zzzq", "\x00", "-"]
ODD = ["Foo\nBar", "ab\U0010ffffc", "nul\x00here", "o b", "ab", "Łódź", ""]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("store") / "store"
    build_store([ROOT / "ontology", ROOT / "data"], out, root=ROOT)
    return out


@pytest.fixture
def store(built: Path) -> Iterator[OxigraphStore]:
    store = OxigraphStore.open(built)
    yield store
    store.release()


def answers(index: LabelIndex) -> list[list[Hit]]:
    return [index.search(text, limit=limit) for text in NEEDLES for limit in (1, 20, 1000)]


def test_the_build_writes_the_index_of_its_data(
    built: Path, store: OxigraphStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert (built.resolve() / LABELS_FILE).is_file()
    rebuilt = index_of(store)

    def never(_store: object) -> LabelIndex:
        raise AssertionError("the index was built, not read")

    monkeypatch.setattr("twinning_kg.store.oxigraph.index_of", never)
    saved = store.label_index()
    assert len(saved) > 500
    assert list(saved.entries()) == list(rebuilt.entries())
    assert answers(saved) == answers(rebuilt)


def _flip_a_byte(data: bytes) -> bytes:
    middle = len(data) * 2 // 3
    return data[:middle] + bytes([data[middle] ^ 0x01]) + data[middle + 1 :]


def _header_replaced(data: bytes, header: bytes) -> bytes:
    start = data.index(b"\n") + 1
    return data[:start] + header + data[data.index(b"\n", start) :]


DAMAGES: dict[str, Callable[[bytes], bytes] | None] = {
    "missing": None,
    "truncated": lambda good: good[: len(good) // 2],
    "not-an-index": lambda good: b"<html>" + good,
    "empty": lambda good: b"",
    "a-byte-flipped": _flip_a_byte,
    "header-a-list": lambda good: _header_replaced(good, b"[]"),
    "header-nested": lambda good: _header_replaced(good, b"[" * 100_000),
    "header-without-lengths": lambda good: good.replace(b'"lengths"', b'"lengthz"', 1),
    "langs-a-string": lambda good: good.replace(b'"langs": [', b'"langs": "x", "l": [', 1),
    "a-language-changed": lambda good: good.replace(b'"pl"', b'"fr"', 1),
}


@pytest.mark.parametrize("damage", list(DAMAGES))
def test_a_missing_or_damaged_index_is_rebuilt_from_the_store(
    built: Path, store: OxigraphStore, damage: str, caplog: pytest.LogCaptureFixture
) -> None:
    path = built.resolve() / LABELS_FILE
    good = path.read_bytes()
    damaged = DAMAGES[damage]
    try:
        if damaged is None:
            path.unlink()
        else:
            path.write_bytes(damaged(good))
            with pytest.raises(ValueError, match="label index"):
                LabelIndex.load(path, store.version.digest)
        with caplog.at_level(logging.WARNING, logger="twinning_kg.store.oxigraph"):
            index = store.label_index()
        assert answers(index) == answers(index_of(store))
        warned = [r for r in caplog.records if "label index not read" in r.getMessage()]
        assert len(warned) == (0 if damaged is None else 1)
        # The next load of the same data writes it again.
        build_store([ROOT / "ontology", ROOT / "data"], built, root=ROOT)
        assert LabelIndex.load(path, store.version.digest).digest == store.version.digest
    finally:
        path.write_bytes(good)


def test_an_index_of_other_data_is_rebuilt(built: Path, store: OxigraphStore) -> None:
    path = built.resolve() / LABELS_FILE
    good = path.read_bytes()
    try:
        path.write_bytes(good.replace(store.version.digest.encode(), b"0" * 20, 1))
        with pytest.raises(ValueError, match="other data"):
            LabelIndex.load(path, store.version.digest)
        assert answers(store.label_index()) == answers(index_of(store))
    finally:
        path.write_bytes(good)


def test_saving_and_loading_keeps_every_entry_and_answer(
    tmp_path: Path, store: OxigraphStore
) -> None:
    hits = [hit for _folded, hit in index_of(store).entries()]
    hits += [Hit(f"http://example.org/odd/{i}", text, "pl", None) for i, text in enumerate(ODD)]
    index = LabelIndex.of_hits("digest-1", hits)
    index.save(tmp_path / "labels.idx")
    loaded = LabelIndex.load(tmp_path / "labels.idx", "digest-1")
    assert list(loaded.entries()) == list(index.entries())
    for text in [*NEEDLES, "l\x00h", "bar", "\U0010ffff", "lodz"]:
        assert loaded.search(text, limit=50) == index.search(text, limit=50), text
    assert [p.name for p in tmp_path.iterdir()] == ["labels.idx"]  # no temporary file left


def test_an_empty_index_saves_and_finds_nothing(tmp_path: Path) -> None:
    index = LabelIndex.of_hits("empty", [])
    index.save(tmp_path / "labels.idx")
    loaded = LabelIndex.load(tmp_path / "labels.idx", "empty")
    assert len(loaded) == 0
    assert loaded.search("a") == []


def test_an_index_of_other_data_is_refused(tmp_path: Path) -> None:
    LabelIndex.of_hits("digest-1", [Hit("http://example.org/a", "A", None, None)]).save(
        tmp_path / "labels.idx"
    )
    with pytest.raises(ValueError, match="other data"):
        LabelIndex.load(tmp_path / "labels.idx", "digest-2")


def counted(store: OxigraphStore) -> list[tuple[str, int]]:
    return [(str(row["graph"]), int(str(row["triples"]))) for row in store.select("list_graphs")]


def test_the_build_records_each_graphs_size(built: Path, store: OxigraphStore) -> None:
    recorded = json.loads((built / META_FILE).read_text(encoding="utf-8"))["graphs"]
    assert [tuple(pair) for pair in recorded] == counted(store) == store.graph_sizes()
    assert len(recorded) > 10
    assert sum(n for _graph, n in recorded) == store.version.triples


def test_a_store_without_recorded_sizes_counts_them(built: Path) -> None:
    path = built / META_FILE
    good = path.read_text(encoding="utf-8")
    meta = json.loads(good)
    del meta["graphs"]
    try:
        path.write_text(json.dumps(meta), encoding="utf-8")
        store = OxigraphStore.open(built)
        assert store.graph_sizes() == counted(store)
        store.release()
        # The next load of the same data records them.
        build_store([ROOT / "ontology", ROOT / "data"], built, root=ROOT)
        assert json.loads(path.read_text(encoding="utf-8"))["graphs"] == json.loads(good)["graphs"]
    finally:
        path.write_text(good, encoding="utf-8")


def test_the_memory_store_counts_its_graphs(store: OxigraphStore) -> None:
    memory = OxigraphStore.from_paths([ROOT / "ontology", ROOT / "data"], root=ROOT)
    assert memory.graph_sizes() == counted(memory) == store.graph_sizes()
