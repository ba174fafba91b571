"""Choose and open the store a setting names: ``memory``, ``oxigraph:PATH`` or ``sparql:URL``."""

from __future__ import annotations

from pathlib import Path

from twinning_kg.errors import TwinningError
from twinning_kg.settings import Settings
from twinning_kg.store import GraphStore
from twinning_kg.store.oxigraph import OxigraphStore
from twinning_kg.store.remote import SparqlEndpointStore

STORE_SPECS = "memory, oxigraph:PATH or sparql:QUERY_URL[,update=URL,gsp=URL]"


def open_store(settings: Settings) -> GraphStore:
    """Open the store ``settings.store`` names.

    :raises DataLoadError: a data file does not parse, or PATH holds no store.
    :raises TwinningError: an unknown store specification.
    """
    spec = settings.store.strip()
    if spec == "memory":
        return OxigraphStore.from_paths(
            settings.source_dirs, root=settings.root, base_iri=settings.base_iri
        )
    kind, _, rest = spec.partition(":")
    if kind == "oxigraph" and rest:
        return OxigraphStore.open(Path(rest))
    if kind == "sparql" and rest:
        return SparqlEndpointStore.from_spec(rest, timeout_s=settings.store_timeout_s)
    raise TwinningError(f"unknown store {spec!r}: use {STORE_SPECS}")
