"""URL ↔ IRI. The only module that turns a request path into an IRI, or an IRI into a link.

Paths under ``id/`` and ``graph/`` name the publisher's resources (``{base_iri}id/…``); paths under
``def/`` name the shared vocabulary (``https://twinning.example.org/def/…``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from rdflib import URIRef

from twinning_kg.errors import NotFound
from twinning_kg.formats import ENTITY_FORMATS, Format
from twinning_kg.settings import CANONICAL_BASE_IRI

#: Top-level path segments that name resources, and whether they follow the configured base.
RESOURCE_ROOTS: Final = {"id": True, "graph": True, "def": False}
_SEGMENT: Final = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")
_MAX_PATH: Final = 512


@dataclass(frozen=True, slots=True)
class EntityRef:
    """A resource the server can describe: its IRI and its URL path (no suffix, no leading /)."""

    iri: URIRef
    path: str

    @property
    def slug(self) -> str:
        """The last path segment."""
        return self.path.rsplit("/", 1)[-1]


def resolve(path: str, *, base_iri: str) -> tuple[EntityRef, Format | None]:
    """Turn a request path into an EntityRef and the format its suffix asks for, if any.

    >>> ref, fmt = resolve("id/municipality/dasing.ttl", base_iri="http://localhost/")
    >>> str(ref.iri), fmt
    ('http://localhost/id/municipality/dasing', <Format.TURTLE: 'ttl'>)

    A last segment whose suffix is not a format keeps its dots (``def/twinning/0.1.0``).

    :raises NotFound: for paths outside ``id/``, ``graph/`` and ``def/``, and anything that is
        not a plain sequence of safe segments (``..``, ``//``, ``%2f``…).
    """
    if len(path) > _MAX_PATH:
        raise NotFound("No resource has such a long path.")
    segments = path.split("/")
    suffix: Format | None = None
    stem, dot, extension = segments[-1].rpartition(".")
    known = Format.from_extension(extension) if dot else None
    if known is not None and stem:
        segments[-1], suffix = stem, known
    root = segments[0]
    if root not in RESOURCE_ROOTS or len(segments) < 2:
        raise NotFound("No resource is published at this path.")
    if not all(_SEGMENT.match(segment) for segment in segments):
        raise NotFound("No resource is published at this path.")
    clean = "/".join(segments)
    prefix = base_iri if RESOURCE_ROOTS[root] else CANONICAL_BASE_IRI
    return EntityRef(iri=URIRef(prefix + clean), path=clean), suffix


def path_for(iri: str, *, base_iri: str) -> str | None:
    """The local URL path (with a leading ``/``) for an IRI we publish, else None.

    >>> path_for("http://localhost/id/event/x", base_iri="http://localhost/")
    '/id/event/x'
    >>> path_for("http://www.wikidata.org/entity/Q64", base_iri="http://localhost/") is None
    True
    """
    for root, follows_base in RESOURCE_ROOTS.items():
        prefix = (base_iri if follows_base else CANONICAL_BASE_IRI) + root + "/"
        if iri.startswith(prefix):
            rest = iri[len(prefix) :]
            if rest and all(_SEGMENT.match(s) for s in rest.split("/")):
                return f"/{root}/{rest}"
    return None


def alternates(ref: EntityRef) -> list[tuple[Format, str]]:
    """Every representation of ``ref`` with its explicit-format URL path."""
    return [(fmt, f"/{ref.path}.{fmt.file_extension}") for fmt in ENTITY_FORMATS]
