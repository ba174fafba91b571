"""``twinning-kg build``: the dumps, the catalogue, the VoID description, checksums, a manifest.

Layout of the output folder (``settings.build_dir``, or ``--out``)::

    build.json             manifest: what the build was made from, every file's size and SHA-256
    catalog.{ttl,jsonld,nt,rdf}   the DCAT-AP catalogue
    void.{ttl,jsonld,nt,rdf}      the VoID description
    dumps/twinning.{ttl,nt.gz,nq.gz,jsonld,rdf}   the whole graph
    dumps/ontology.{ttl,nt.gz,nq.gz,jsonld,rdf}   the ontology and its SKOS vocabularies
    dumps/city-{city}.{ttl,nt.gz,nq.gz,jsonld,rdf}   each city folder's files (data/{city}/)
    dumps/SHA256SUMS       ``sha256sum -c`` input for the dumps

Every file is written atomically; the manifest last. The same input (source files, the settings
that shape the output, this package) gives byte-identical files, so a build whose recorded
fingerprint matches the current one is current and need not run again.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from importlib import resources
from pathlib import Path
from typing import Final

import pyoxigraph as ox
from rdflib import Graph, Literal, URIRef

from twinning_kg import __version__
from twinning_kg.errors import TwinningError
from twinning_kg.formats import Format
from twinning_kg.loading import discover, graph_iri
from twinning_kg.publishing.addresses import Addresses
from twinning_kg.publishing.catalogue import CityPart, build_catalogue
from twinning_kg.publishing.cities import City, find_cities, home_town
from twinning_kg.publishing.coverage import Coverage, measure_coverage
from twinning_kg.publishing.dumps import (
    DESCRIPTION_PREFIXES,
    DUMP_FORMATS,
    Dump,
    canonicalise,
    quads_of_graph,
    read_quads,
    serialise,
    write_dump,
)
from twinning_kg.publishing.files import FileDigest, chunks, write_atomically, write_streamed
from twinning_kg.publishing.void import CitySubset, Statistics, build_void, measure
from twinning_kg.settings import Settings
from twinning_kg.store import DataVersion
from twinning_kg.store.oxigraph import OxigraphStore, source_version

MANIFEST: Final = "build.json"
DUMPS_DIR: Final = "dumps"
SUMS: Final = "SHA256SUMS"
#: The datasets, by the stem of their dump files.
GRAPH_DUMP: Final = "twinning"
ONTOLOGY_DUMP: Final = "ontology"
#: The formats the catalogue and the VoID description are written in, and pyoxigraph's names.
DESCRIPTION_FORMATS: Final[dict[Format, ox.RdfFormat]] = {
    Format.TURTLE: ox.RdfFormat.TURTLE,
    Format.JSONLD: ox.RdfFormat.JSON_LD,
    Format.NTRIPLES: ox.RdfFormat.N_TRIPLES,
    Format.RDFXML: ox.RdfFormat.RDF_XML,
}
#: Settings that change what a build writes (the others only change how the server runs).
BUILD_SETTINGS: Final = (
    "base_iri",
    "base_url",
    "ontology_dir",
    "data_dir",
    "shapes_dir",
    "licence_iri",
    "publisher_iri",
    "publisher_name",
    "publisher_type",
    "contact_name",
    "contact_email",
    "contact_url",
    "catalogue_issued",
    "catalogue_modified",
)


@dataclass(frozen=True, slots=True)
class Manifest:
    """What a build wrote (``build.json``): its input fingerprint, files and triple counts."""

    fingerprint: str
    modified: str | None
    files: dict[str, FileDigest]
    triples: dict[str, int]

    def to_json(self) -> bytes:
        """The manifest as stable JSON (sorted keys, no time stamps)."""
        data = {
            "fingerprint": self.fingerprint,
            "modified": self.modified,
            "files": {
                name: {"bytes": digest.size, "sha256": digest.sha256}
                for name, digest in sorted(self.files.items())
            },
            "triples": dict(sorted(self.triples.items())),
        }
        return (json.dumps(data, indent=2, sort_keys=True) + "\n").encode()

    @classmethod
    def from_json(cls, text: str) -> Manifest:
        """Read a manifest.

        :raises ValueError: if ``text`` is not a manifest.
        """
        try:
            data = json.loads(text)
            return cls(
                fingerprint=str(data["fingerprint"]),
                modified=None if data.get("modified") is None else str(data["modified"]),
                files={
                    str(name): FileDigest(size=int(entry["bytes"]), sha256=str(entry["sha256"]))
                    for name, entry in data["files"].items()
                },
                triples={str(name): int(count) for name, count in data["triples"].items()},
            )
        except (KeyError, TypeError, AttributeError) as exc:
            raise ValueError(f"not a build manifest: {exc}") from None


def output_dir(settings: Settings) -> Path:
    """Where builds go by default: ``build_dir`` under ``root``."""
    return settings.root / settings.build_dir


def read_manifest(out: Path) -> Manifest | None:
    """The manifest of the build in ``out``, or None if there is none (or it is unreadable)."""
    try:
        return Manifest.from_json((out / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def fingerprint(settings: Settings) -> str:
    """A digest of everything a build depends on: source files, settings, this package's code.

    :raises DataLoadError: if a source folder is missing.
    """
    digest = hashlib.sha256()
    _files, version = source_version(settings.source_dirs)
    digest.update(f"{version.digest}\0{__version__}\0".encode())
    for name in BUILD_SETTINGS:
        digest.update(f"{name}={getattr(settings, name)}\0".encode())
    for package in ("twinning_kg.publishing", "twinning_kg.queries"):
        for entry in sorted(resources.files(package).iterdir(), key=lambda e: e.name):
            if entry.name.endswith((".py", ".ttl", ".rq")):
                digest.update(entry.name.encode() + b"\0" + entry.read_bytes())
    return digest.hexdigest()[:32]


def is_current(settings: Settings, out: Path) -> bool:
    """True when ``out`` holds a complete build of the current input."""
    manifest = read_manifest(out)
    if manifest is None or manifest.fingerprint != fingerprint(settings):
        return False
    return all((out / name).is_file() for name in manifest.files)


@dataclass(frozen=True, slots=True)
class BuildStep:
    """One unit of work, with what a progress bar shows while it runs."""

    label: str
    run: Callable[[], None]


@dataclass(slots=True)
class _Build:
    """The state a build's steps share."""

    settings: Settings
    out: Path
    where: Addresses
    cities: list[City] = field(default_factory=list)
    quads: dict[str, list[ox.Quad]] = field(default_factory=dict)
    dumps: dict[str, list[Dump]] = field(default_factory=dict)
    files: dict[str, FileDigest] = field(default_factory=dict)
    stats: dict[str, Statistics] = field(default_factory=dict)
    towns: dict[str, URIRef | None] = field(default_factory=dict)
    coverage: dict[str, Coverage] = field(default_factory=dict)
    catalogue: Graph | None = None
    manifest: Manifest | None = None

    @property
    def stems(self) -> list[str]:
        """Every dataset's dump stem: the whole graph, the ontology, each city."""
        return [GRAPH_DUMP, ONTOLOGY_DUMP, *(city.stem for city in self.cities)]

    def write(self, name: str, data: bytes) -> FileDigest:
        digest = write_atomically(self.out / name, chunks(data))
        self.files[name] = digest
        return digest

    def load(self) -> None:
        settings = self.settings
        store = OxigraphStore.from_paths(
            settings.source_dirs, root=settings.root, base_iri=settings.base_iri
        )
        graphs = [URIRef(iri) for iri, _triples in store.graph_sizes()]
        ontology = {
            graph_iri(path, root=settings.root, base_iri=settings.base_iri)
            for path in discover([settings.root / settings.ontology_dir])
        }
        # The whole graph is measured on the loaded store (counts and dates do not depend on
        # blank node labels), so that no second store of it is needed next to the quads.
        self._measure_whole(store)
        # Each graph read once; the datasets share the quads (only their blank nodes are renamed
        # apart, each dataset's by itself), and the store is gone before the sorting starts.
        read = {g: read_quads(store, [g]) for g in graphs}
        del store

        def quads_of(keep: Callable[[URIRef], bool]) -> list[ox.Quad]:
            return [quad for g in graphs if keep(g) for quad in read[g]]

        self.quads[GRAPH_DUMP] = canonicalise(quads_of(lambda _g: True))
        self.quads[ONTOLOGY_DUMP] = canonicalise(quads_of(ontology.__contains__))
        for city in self.cities:
            self.quads[city.stem] = canonicalise(quads_of(set(city.graphs).__contains__))

    def _measure_whole(self, whole: OxigraphStore) -> None:
        """The whole graph's VoID statistics, each city's home town and the date coverage."""
        self.stats[GRAPH_DUMP] = measure(whole, uri_space=self.where.uri_space)
        for city in self.cities:
            self.towns[city.stem] = home_town(whole, city)
        towns = [town for town in self.towns.values() if town is not None]
        if not self.cities:
            # No city folders (the files lie in the data folder itself): the town in the most
            # partnerships stands for the data, as a city folder's home town would.
            hub = home_town(whole, City("", "", (), URIRef(self.where.uri_space)))
            towns = [hub] if hub is not None else []
        self.coverage[GRAPH_DUMP] = measure_coverage(whole, self.settings, towns=towns)
        for city in self.cities:
            town = self.towns[city.stem]
            self.coverage[city.stem] = measure_coverage(
                whole,
                self.settings,
                towns=[town] if town is not None else [],
                graphs=city.graph_prefix,
                fallback=self.coverage[GRAPH_DUMP],
            )

    def dump(self, stem: str, index: int) -> None:
        fmt = DUMP_FORMATS[index]
        name = f"{stem}{fmt.suffix}"
        produce = partial(write_dump, quads=self.quads[stem], dump_format=fmt)
        digest = write_streamed(self.out / DUMPS_DIR / name, produce)
        self.files[f"{DUMPS_DIR}/{name}"] = digest
        self.dumps.setdefault(stem, []).append(
            Dump(name, fmt, self.where.dump_url(name), digest.size, digest.sha256)
        )

    def measure(self) -> None:
        """VoID statistics of the datasets besides the whole graph (``load`` measured that)."""
        for stem in self.stems:
            if stem != GRAPH_DUMP:
                self.stats[stem] = measure(
                    _memory_store(self.quads[stem]), uri_space=self.where.uri_space
                )

    def describe(self, stem: str, graph: Graph) -> None:
        quads = quads_of_graph(graph)
        for fmt, rdf_format in DESCRIPTION_FORMATS.items():
            data = serialise(quads, rdf_format, prefixes=DESCRIPTION_PREFIXES)
            self.write(f"{stem}.{fmt.file_extension}", data)

    def _whole_coverage(self) -> Coverage:
        coverage = self.coverage.get(GRAPH_DUMP)
        if coverage is None:  # pragma: no cover - measure() runs first
            raise TwinningError("build steps ran out of order")
        return coverage

    def write_catalogue(self) -> None:
        self.catalogue = build_catalogue(
            self.settings,
            self._whole_coverage(),
            graph_dumps=self.dumps[GRAPH_DUMP],
            ontology_dumps=self.dumps[ONTOLOGY_DUMP],
            cities=[
                CityPart(
                    city=city,
                    town=self.towns[city.stem],
                    coverage=self.coverage[city.stem],
                    dumps=tuple(self.dumps[city.stem]),
                )
                for city in self.cities
            ],
        )
        self.describe("catalog", self.catalogue)

    def write_void(self) -> None:
        if self.catalogue is None:  # pragma: no cover
            raise TwinningError("build steps ran out of order")
        void = build_void(
            where=self.where,
            graph_stats=self.stats[GRAPH_DUMP],
            ontology_stats=self.stats[ONTOLOGY_DUMP],
            graph_dumps=self.dumps[GRAPH_DUMP],
            ontology_dumps=self.dumps[ONTOLOGY_DUMP],
            titles=self.catalogue,
            modified=self._whole_coverage().modified,
            licence=URIRef(self.settings.licence_iri),
            cities=[
                CitySubset(
                    node=self.where.node(city.stem),
                    stats=self.stats[city.stem],
                    dumps=tuple(self.dumps[city.stem]),
                    graphs=city.graphs,
                    modified=self.coverage[city.stem].modified,
                )
                for city in self.cities
            ],
        )
        self.describe("void", void)

    def write_sums(self) -> None:
        lines = [
            f"{dump.sha256}  {dump.name}\n" for stem in self.stems for dump in self.dumps[stem]
        ]
        self.write(f"{DUMPS_DIR}/{SUMS}", "".join(sorted(lines, key=_sums_key)).encode())

    def write_manifest(self) -> None:
        coverage = self.coverage.get(GRAPH_DUMP)
        modified = coverage.modified if coverage is not None else None
        self.manifest = Manifest(
            fingerprint=fingerprint(self.settings),
            modified=str(modified) if isinstance(modified, Literal) else None,
            files=dict(self.files),
            triples={stem: stats.triples for stem, stats in self.stats.items()},
        )
        write_atomically(self.out / MANIFEST, [self.manifest.to_json()])


def _sums_key(line: str) -> str:
    return line.split("  ", 1)[1]


def _memory_store(quads: Sequence[ox.Quad]) -> OxigraphStore:
    """The published quads as a store, for the VoID and catalogue queries."""
    store = ox.Store()
    store.extend(quads)
    version = DataVersion(digest="", modified=datetime.fromtimestamp(0, tz=UTC), triples=len(quads))
    return OxigraphStore(version, memory=store)


def build_steps(settings: Settings, out: Path | None = None) -> list[BuildStep]:
    """The steps of a build into ``out`` (default: the ``build_dir`` setting), in order.

    Run them all (``for step in steps: step.run()``) to build; :func:`build` does exactly that.
    """
    state = _Build(
        settings,
        out if out is not None else output_dir(settings),
        Addresses.of(settings),
        cities=find_cities(settings),
    )
    steps = [BuildStep("load the graph", state.load)]
    for stem in state.stems:
        for index, fmt in enumerate(DUMP_FORMATS):
            steps.append(BuildStep(f"dumps/{stem}{fmt.suffix}", partial(state.dump, stem, index)))
    steps += [
        BuildStep("measure (VoID statistics)", state.measure),
        BuildStep("catalog", state.write_catalogue),
        BuildStep("void", state.write_void),
        BuildStep(f"dumps/{SUMS}", state.write_sums),
        BuildStep(MANIFEST, state.write_manifest),
    ]
    return steps


def build(settings: Settings, out: Path | None = None) -> Manifest:
    """Build everything into ``out`` (default: the ``build_dir`` setting).

    :raises DataLoadError: if a source file does not parse (nothing is written).
    :raises OSError: if a file cannot be written (files already written are complete).
    """
    steps = build_steps(settings, out)
    for step in steps:
        step.run()
    manifest = read_manifest(out if out is not None else output_dir(settings))
    if manifest is None:  # pragma: no cover - write_manifest() just wrote it
        raise TwinningError("the build wrote no manifest")
    return manifest


def ensure_build(settings: Settings) -> bool:
    """Build into ``build_dir`` unless it already holds a build of the current input.

    :returns: True if it built, False if the build was current.
    """
    out = output_dir(settings)
    if is_current(settings, out):
        return False
    build(settings, out)
    return True
