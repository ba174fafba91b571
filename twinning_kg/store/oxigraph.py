"""The embedded store: pyoxigraph in memory, one named graph per source file."""

from __future__ import annotations

import glob
import hashlib
import json
import logging
import os
import shutil
import traceback
from collections.abc import Iterable, Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Final

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import XSD

from twinning_kg import queries
from twinning_kg.errors import DataLoadError, NotFound
from twinning_kg.loading import ENTITY_PREFIX, OX_FORMATS, discover, graph_iri, opened, parse_error
from twinning_kg.search import LABEL, TYPE, LabelIndex, index_of
from twinning_kg.settings import CANONICAL_BASE_IRI
from twinning_kg.sparql.binding import inline_iris
from twinning_kg.sparql.jobs import QueryExecutor
from twinning_kg.sparql.workers import WorkerPool
from twinning_kg.store import DataVersion, Row, describing
from twinning_kg.vocabulary import Term, new_graph

#: The file, inside an on-disk store's folder, that records the version of the data in it.
META_FILE: Final = "twinning-kg.json"
#: The file, inside an on-disk store's folder, that holds the label search index of its data.
LABELS_FILE: Final = "twinning-kg-labels.idx"

log = logging.getLogger(__name__)


def to_rdflib(term: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple | ox.DefaultGraph) -> Term:
    """Convert a pyoxigraph term to the equivalent rdflib term."""
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        datatype = term.datatype.value
        if datatype == str(XSD.string):
            return Literal(term.value)
        return Literal(term.value, datatype=URIRef(datatype))
    raise TypeError(f"unsupported term {term!r}")


def to_oxigraph(term: Term) -> ox.NamedNode | ox.BlankNode | ox.Literal:
    """Convert an rdflib term to the equivalent pyoxigraph term."""
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    if term.language:
        return ox.Literal(str(term), language=term.language)
    if term.datatype:
        return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
    return ox.Literal(str(term))


#: pyoxigraph terms already converted to rdflib's (immutable, so shared): the same classes,
#: properties and neighbours stand on page after page, and converting a term costs microseconds.
_CONVERTED: dict[object, Term] = {}
_CONVERTED_KEPT: Final = 50_000


def to_graph(triples: Iterable[ox.Triple]) -> Graph:
    """An rdflib graph (with the project's prefixes) of pyoxigraph triples."""
    graph = new_graph()
    add = graph.add
    for triple in rdflib_triples(triples):
        add(triple)
    return graph


def rdflib_triples(triples: Iterable[ox.Triple]) -> Iterator[tuple[Term, Term, Term]]:
    """pyoxigraph triples as rdflib's, each term converted once (see ``_CONVERTED``)."""
    converted = _CONVERTED
    for triple in triples:
        terms = []
        for term in triple:
            found = converted.get(term)
            if found is None:
                if len(converted) >= _CONVERTED_KEPT:  # a named graph's page converts thousands
                    converted.clear()
                found = converted[term] = to_rdflib(term)
            terms.append(found)
        yield terms[0], terms[1], terms[2]


def triple_to_oxigraph(s: object, p: object, o: object) -> ox.Triple | None:
    """An rdflib triple as a pyoxigraph triple; None for what RDF 1.1 cannot hold (a literal
    subject, a predicate that is not an IRI, a term of another kind)."""
    if not isinstance(s, URIRef | BNode) or not isinstance(p, URIRef):
        return None
    if not isinstance(o, URIRef | BNode | Literal):
        return None
    subject = ox.NamedNode(str(s)) if isinstance(s, URIRef) else ox.BlankNode(str(s))
    return ox.Triple(subject, ox.NamedNode(str(p)), to_oxigraph(o))


def from_graph(graph: Graph) -> list[ox.Triple]:
    """The triples of an rdflib graph as pyoxigraph triples."""
    triples: list[ox.Triple] = []
    for s, p, o in graph:
        triple = triple_to_oxigraph(s, p, o)
        if triple is None:
            raise TypeError(f"not an RDF triple: {s!r} {p!r} {o!r}")
        triples.append(triple)
    return triples


def _rebase(term: ox.NamedNode, base_iri: str) -> ox.NamedNode:
    if term.value.startswith(ENTITY_PREFIX):
        return ox.NamedNode(base_iri + term.value[len(CANONICAL_BASE_IRI) :])
    return term


def _rebased_quads(
    triples: Iterable[ox.Triple], graph: ox.NamedNode, base_iri: str
) -> Iterator[ox.Quad]:
    for triple in triples:
        s, p, o = triple.subject, triple.predicate, triple.object
        yield ox.Quad(
            _rebase(s, base_iri) if isinstance(s, ox.NamedNode) else s,
            _rebase(p, base_iri),
            _rebase(o, base_iri) if isinstance(o, ox.NamedNode) else o,
            graph,
        )


def source_version(paths: Iterable[Path], *, triples: int = 0) -> tuple[list[Path], DataVersion]:
    """The RDF files under ``paths`` and a version naming their content (a digest) and age."""
    files = discover(paths)
    digest = hashlib.sha256()
    newest = 0.0
    for path in files:
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
        newest = max(newest, path.stat().st_mtime)
    version = DataVersion(
        digest=digest.hexdigest()[:20],
        modified=datetime.fromtimestamp(int(newest), tz=UTC),
        triples=triples,
    )
    return files, version


def _load_files(
    store: ox.Store, files: list[Path], *, root: Path, base_iri: str, bulk: bool
) -> None:
    for path in files:
        name = ox.NamedNode(str(graph_iri(path, root=root, base_iri=base_iri)))
        fmt = OX_FORMATS[path.suffix]
        try:
            with opened(path) as handle:
                if base_iri == CANONICAL_BASE_IRI:
                    load = store.bulk_load if bulk else store.load
                    load(input=handle, format=fmt, to_graph=name)
                else:
                    triples = ox.parse(input=handle, format=fmt, rename_blank_nodes=True)
                    store.extend(list(_rebased_quads(triples, name, base_iri)))
        except (SyntaxError, OSError) as exc:
            raise parse_error(path, exc) from None


def _as_triples(result: object, name: str) -> ox.QueryTriples:
    if not isinstance(result, ox.QueryTriples):
        raise TypeError(f"query {name} is not a CONSTRUCT or DESCRIBE")
    return result


class OxigraphStore:
    """The embedded store: pyoxigraph in memory (:meth:`from_paths`) or on disk (:meth:`open`).

    An on-disk store is opened read-only, once per process (gunicorn workers and query workers
    each open their own handle; opening takes milliseconds, starting a query worker 0.1 to 0.2 s).
    """

    exact_version = True

    def __init__(
        self,
        version: DataVersion,
        *,
        memory: ox.Store | None = None,
        path: Path | None = None,
        graphs: list[tuple[str, int]] | None = None,
    ) -> None:
        if (memory is None) == (path is None):
            raise ValueError("give exactly one of memory= or path=")
        self.version = version
        self.backend = "memory" if memory is not None else f"oxigraph:{path}"
        self._memory = memory
        # Pinned to the generation the link pointed at when opened, so the data matches version.
        self._path = path.resolve() if path is not None else None
        self._opened: tuple[int, ox.Store] | None = None
        self._graphs = graphs
        self._summaries = describing.Summaries()

    def summary_counts(self) -> tuple[int, int]:
        """See :meth:`GraphStore.summary_counts`."""
        return self._summaries.hits, self._summaries.misses

    @property
    def _store(self) -> ox.Store:
        if self._memory is not None:
            return self._memory
        pid = os.getpid()
        if self._opened is None or self._opened[0] != pid:
            assert self._path is not None  # noqa: S101  # set when memory is None
            self._opened = (pid, ox.Store.read_only(str(self._path)))
        return self._opened[1]

    @classmethod
    def from_paths(
        cls, paths: Iterable[Path], *, root: Path = Path(), base_iri: str = CANONICAL_BASE_IRI
    ) -> OxigraphStore:
        """Load every RDF file under ``paths`` into a new in-memory store, a named graph each.

        :raises DataLoadError: naming ``file:line:col`` for the first file that does not parse.
        """
        files, version = source_version(paths)
        store = ox.Store()
        _load_files(store, files, root=root, base_iri=base_iri, bulk=False)
        return cls(replace(version, triples=len(store)), memory=store)

    def release(self) -> None:
        """Close this process's handle on an on-disk store (call before forking workers).

        RocksDB's background threads do not survive a fork; a handle inherited by a child hangs
        or crashes it. The next use in any process opens a fresh handle.
        """
        self._opened = None

    @classmethod
    def open(cls, path: Path) -> OxigraphStore:
        """Open a store written by :func:`build_store` (read-only).

        :raises DataLoadError: if ``path`` holds no such store.
        """
        # One generation for the metadata and the data, even if a load moves the link now.
        generation = path.resolve()
        meta_path = generation / META_FILE
        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
            version = DataVersion(
                digest=str(meta["digest"]),
                modified=datetime.fromisoformat(str(meta["modified"])),
                triples=int(meta["triples"]),
            )
            # Absent from stores built before the sizes were written with them.
            sizes = meta.get("graphs")
            graphs = None if sizes is None else [(str(g), int(n)) for g, n in sizes]
        except (OSError, ValueError, KeyError, TypeError) as exc:
            why = "no store there" if isinstance(exc, FileNotFoundError) else f"not a store ({exc})"
            raise DataLoadError(
                f"{path}: {why}; build one with `twinning-kg load --out {path}`", path=str(path)
            ) from None
        store = cls(version, path=generation, graphs=graphs)
        store.backend = f"oxigraph:{path}"
        # Not opened here: RocksDB's process-wide thread pool does not survive a fork, so a
        # server's master process must never open it. Each worker opens its own handle.
        if not (store._path is not None and (store._path / "CURRENT").is_file()):
            raise DataLoadError(
                f"{path}: no store there; build one with twinning-kg load --out {path}"
            )
        return store

    def _query(self, name: str, bindings: dict[str, Term], *, inline: bool = False) -> object:
        text = queries.load(name)
        if inline:  # see inline_iris: the engine plans from the IRIs written in the text
            text, bindings = inline_iris(text, bindings)
        substitutions: dict[ox.Variable, ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple] = {
            ox.Variable(key): to_oxigraph(value) for key, value in bindings.items()
        }
        return self._store.query(text, substitutions=substitutions, use_default_graph_as_union=True)

    def _triples(self, name: str, bindings: dict[str, Term]) -> ox.QueryTriples:
        return _as_triples(self._query(name, bindings, inline=True), name)

    def _run_graph_query(self, text: str) -> ox.QueryTriples:
        """A CONSTRUCT or DESCRIBE whose values are already written in (describing.py)."""
        return _as_triples(self._store.query(text, use_default_graph_as_union=True), "a page's")

    def describe_triples(self, iri: URIRef) -> list[ox.Triple]:
        """See :meth:`GraphStore.describe_triples`: straight from pyoxigraph, no rdflib graph;
        the linked resources' summaries kept for the store's life (store/describing.py)."""
        bound: dict[str, Term] = {"entity": iri}
        found = describing.describe(
            ox.NamedNode(iri),
            self._triples("describe_links", bound),
            summaries=self._summaries,
            run=self._run_graph_query,
            describe_entity=lambda: self._triples("describe_entity", bound),
        )
        if found:
            return found
        contents = list(dict.fromkeys(self._triples("describe_graph", {"graph": iri})))
        if not contents:
            raise NotFound(f"Nothing is known about <{iri}>.")
        return contents

    def describe(self, iri: URIRef) -> Graph:
        """See :meth:`GraphStore.describe`."""
        return to_graph(self.describe_triples(iri))

    def construct(self, name: str, /, **bindings: Term) -> Graph:
        """See :meth:`GraphStore.construct`."""
        return to_graph(self._triples(name, dict(bindings)))

    def construct_triples(self, name: str, /, **bindings: Term) -> list[ox.Triple]:
        """See :meth:`GraphStore.construct_triples`."""
        return list(self._triples(name, dict(bindings)))

    def select(self, name: str, /, **bindings: Term) -> list[Row]:
        """See :meth:`GraphStore.select`."""
        result = self._query(name, bindings)
        if not isinstance(result, ox.QuerySolutions):
            raise TypeError(f"query {name} is not a SELECT")
        names = [v.value for v in result.variables]
        rows: list[Row] = []
        for solution in result:
            row: Row = {}
            for key in names:
                value = solution[key]
                if value is not None:
                    row[key] = to_rdflib(value)
            rows.append(row)
        return rows

    def graph_sizes(self) -> list[tuple[str, int]]:
        """See :meth:`GraphStore.graph_sizes`: an on-disk store's are read from its build."""
        if self._graphs is None:
            self._graphs = _graph_sizes(self._store)
        return list(self._graphs)

    def label_index(self) -> LabelIndex:
        """See :meth:`GraphStore.label_index`: an on-disk store's is read from its build."""
        if self._path is not None:
            try:
                return LabelIndex.load(self._path / LABELS_FILE, self.version.digest)
            except FileNotFoundError:
                pass  # a store built before the index was written with it
            except (OSError, ValueError) as exc:
                log.warning("label index not read, building it (%s)", exc)
        return index_of(self)

    def query_executor(self, *, workers: int, memory_limit_mb: int) -> QueryExecutor:
        """See :meth:`GraphStore.query_executor`: workers forked from an in-memory store (they
        share it), or started afresh on an on-disk store's folder (they open it)."""
        if self._path is not None:
            return WorkerPool.spawning(self._path, size=workers, memory_limit_mb=memory_limit_mb)
        memory = self._memory
        assert memory is not None  # noqa: S101  # set when path is None
        return WorkerPool.forking(lambda: memory, size=workers, memory_limit_mb=memory_limit_mb)

    def __len__(self) -> int:
        return len(self._store)


def _graph_sizes(store: ox.Store) -> list[tuple[str, int]]:
    """The named graphs of ``store`` and their sizes, by IRI (``list_graphs``)."""
    result = store.query(queries.load("list_graphs"))
    if not isinstance(result, ox.QuerySolutions):
        raise TypeError("query list_graphs is not a SELECT")
    sizes = []
    for row in result:
        graph, triples = row["graph"], row["triples"]
        if isinstance(graph, ox.NamedNode) and isinstance(triples, ox.Literal):
            sizes.append((graph.value, int(triples.value)))
    return sizes


def _write_store(
    folder: Path, files: list[Path], root: Path, base_iri: str, digest: str
) -> tuple[int, list[tuple[str, int]]]:
    """Bulk-load ``files`` into a new store in ``folder``, compact it, write its label index
    beside it, close it.

    :returns: its size, and its graphs' sizes (counting them takes seconds at world scale: once
        here rather than in every worker).
    """
    store = ox.Store(str(folder))
    _load_files(store, files, root=root, base_iri=base_iri, bulk=True)
    store.flush()
    store.optimize()
    _write_label_index(store, folder, digest)
    return len(store), _graph_sizes(store)


def _complete(folder: Path, meta: dict[str, object], digest: str) -> None:
    """Add what a store built by an older version lacks: the graphs' sizes, the label index.

    Best effort: a store without them still serves (workers count and build them). Both files
    are replaced through a rename, so a server reading this store never sees half of one.
    """
    try:
        try:
            LabelIndex.load(folder / LABELS_FILE, digest)
            has_index = True
        except (OSError, ValueError):
            has_index = False
        if has_index and "graphs" in meta:
            return
        store = ox.Store.read_only(str(folder))
        if "graphs" not in meta:
            partial = folder / f".{META_FILE}.{os.getpid()}.tmp"
            completed = {**meta, "graphs": _graph_sizes(store)}
            partial.write_text(json.dumps(completed, indent=2), encoding="utf-8")
            partial.replace(folder / META_FILE)
        if not has_index:
            _write_label_index(store, folder, digest)
    except (OSError, RuntimeError) as exc:  # RuntimeError: RocksDB finds the store damaged
        log.warning("%s: not completed (%s); the store serves without it", folder, exc)


def _write_label_index(store: ox.Store, folder: Path, digest: str) -> None:
    """Write the label search index of ``store`` (the one in ``folder``) beside it.

    Straight from the two predicates' quads: at world scale this took less than half the time of
    the ``list_labels`` CONSTRUCT that a store without the file runs on its first search.
    """
    quads = (
        quad
        for predicate in (LABEL, TYPE)
        for quad in store.quads_for_pattern(None, predicate, None, None)
    )
    LabelIndex.of_triples(digest, quads).save(folder / LABELS_FILE)


def _is_running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True


def _remove_abandoned(generations: Path, out: Path) -> None:
    """Remove the staging folders and links of builds whose process is gone (killed half way)."""
    leftovers = [
        *generations.glob(".*.tmp"),  # .{digest}.{pid}.tmp
        *out.parent.glob(f".{glob.escape(out.name)}.*.link"),  # .{name}.{pid}.link
    ]
    for path in leftovers:
        pid = path.name.rsplit(".", 2)[-2]
        if pid.isdigit() and not _is_running(int(pid)):
            if path.is_symlink():
                path.unlink(missing_ok=True)
            else:
                shutil.rmtree(path, ignore_errors=True)


def build_store(
    paths: Iterable[Path], out: Path, *, root: Path = Path(), base_iri: str = CANONICAL_BASE_IRI
) -> DataVersion:
    """Write an on-disk store of ``paths`` and point ``out`` at it, atomically.

    ``out`` is a symbolic link to ``{out}.d/{digest}``; the link is replaced only after the new
    store is complete, so a running server or an interrupted build never sees half a store. The
    previous generation is kept (processes may still read it); older ones are removed.

    :raises DataLoadError: for the first file that does not parse (``out`` is left as it was).
    """
    files, version = source_version(paths)
    generations = out.parent / (out.name + ".d")
    generations.mkdir(parents=True, exist_ok=True)
    _remove_abandoned(generations, out)
    target = generations / version.digest
    if (target / META_FILE).exists():
        meta = json.loads((target / META_FILE).read_text(encoding="utf-8"))
        version = replace(version, triples=int(meta["triples"]))
        _complete(target, meta, version.digest)
    else:
        staging = generations / f".{version.digest}.{os.getpid()}.tmp"
        shutil.rmtree(staging, ignore_errors=True)
        try:
            triples, graphs = _write_store(staging, files, root, base_iri, version.digest)
            version = replace(version, triples=triples)
            meta = {
                "digest": version.digest,
                "modified": version.modified.isoformat(),
                "triples": version.triples,
                "files": [str(f) for f in files],
                "graphs": graphs,
            }
            (staging / META_FILE).write_text(json.dumps(meta, indent=2), encoding="utf-8")
            shutil.rmtree(target, ignore_errors=True)
            staging.rename(target)
        except BaseException as exc:
            # The traceback's frames hold the half-written store open, and RocksDB would write
            # into the folder again when it closes: close it before removing the folder.
            traceback.clear_frames(exc.__traceback__)
            raise
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    link = out.parent / f".{out.name}.{os.getpid()}.link"
    link.unlink(missing_ok=True)
    link.symlink_to(target.relative_to(out.parent))
    if out.exists() and not out.is_symlink():
        raise DataLoadError(f"{out} exists and is not a store link; move it away first.")
    previous = out.resolve() if out.is_symlink() else None
    os.replace(link, out)
    keep = {target.resolve(), previous}
    for old in generations.iterdir():
        if old.resolve() not in keep and not old.name.startswith("."):
            shutil.rmtree(old, ignore_errors=True)
    return version
