"""The cities of the data folder: one sub-folder per municipality's own records (``data/{city}/``).

A city folder's files are its named graphs (``{base}graph/data/{city}/…``); its home city is the
municipality ``{base}id/municipality/{city}`` when the folder describes it, else the municipality
the folder's partnerships most often name (``find_home_city.rq``). The catalogue publishes one
dataset per city, VoID one subset, the build one set of dumps.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from rdflib import Literal, URIRef

from twinning_kg.errors import DataLoadError
from twinning_kg.loading import discover, graph_iri
from twinning_kg.settings import Settings
from twinning_kg.store import GraphStore

#: A city folder's name: lower-case words joined by '-' (it names dumps and catalogue nodes).
_SLUG: Final = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


@dataclass(frozen=True, slots=True)
class City:
    """A city folder: its name, the IRI prefix and IRIs of its files' graphs, its home town."""

    slug: str
    graph_prefix: str
    graphs: tuple[URIRef, ...]
    town: URIRef

    @property
    def stem(self) -> str:
        """The stem of its dump files and the name of its catalogue node (``city-{slug}``).

        >>> City("siedlce", "", (), URIRef("x")).stem
        'city-siedlce'
        """
        return f"city-{self.slug}"


def find_cities(settings: Settings) -> list[City]:
    """The sub-folders of the data folder that hold RDF files, sorted by name.

    Files directly in the data folder belong to the whole dataset only.

    :raises DataLoadError: if the data folder is missing, or a city folder's name is not a slug.
    """
    data = settings.root / settings.data_dir
    if not data.is_dir():
        raise DataLoadError(f"{data}: no such directory", path=str(data))
    cities: list[City] = []
    for folder in sorted(p for p in data.iterdir() if p.is_dir() and not p.name.startswith(".")):
        files = discover([folder])
        if not files:
            continue
        if not _SLUG.match(folder.name):
            raise DataLoadError(
                f"{folder}: a city folder is named with lower-case letters, digits and '-'",
                path=str(folder),
            )
        marker = graph_iri(folder / "_", root=settings.root, base_iri=settings.base_iri)
        cities.append(
            City(
                slug=folder.name,
                graph_prefix=str(marker)[:-1],
                graphs=tuple(
                    graph_iri(path, root=settings.root, base_iri=settings.base_iri)
                    for path in files
                ),
                town=URIRef(f"{settings.base_iri}id/municipality/{folder.name}"),
            )
        )
    return cities


def home_town(store: GraphStore, city: City) -> URIRef | None:
    """The municipality whose records ``city`` holds (None when the folder names none)."""
    rows = store.select("find_home_city", town=city.town, graphs=Literal(city.graph_prefix))
    place = rows[0].get("place") if rows else None
    return place if isinstance(place, URIRef) else None
