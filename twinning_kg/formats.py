"""RDF and page formats: each a value with its media type, file extension and rdflib serializer."""

from __future__ import annotations

from enum import Enum


class Format(Enum):
    """A representation we can produce. The value is the file extension used in URLs."""

    HTML = "html"
    TURTLE = "ttl"
    JSONLD = "jsonld"
    NTRIPLES = "nt"
    RDFXML = "rdf"

    @property
    def media_type(self) -> str:
        """The registered media type, as sent in ``Content-Type``."""
        return _MEDIA_TYPES[self]

    @property
    def file_extension(self) -> str:
        """The URL suffix, without the dot: ``ttl``, ``jsonld``…"""
        return self.value

    @property
    def rdflib_name(self) -> str:
        """The rdflib serializer/parser name (``html`` has none and returns ``html``)."""
        return _RDFLIB_NAMES[self]

    @property
    def is_rdf(self) -> bool:
        """True for the machine-readable RDF serialisations."""
        return self is not Format.HTML

    @classmethod
    def from_extension(cls, extension: str) -> Format | None:
        """Find the format for a URL suffix or ``format=`` value (``json`` means JSON-LD).

        >>> Format.from_extension("ttl")
        <Format.TURTLE: 'ttl'>
        >>> Format.from_extension("turtle") is Format.TURTLE
        True
        """
        return _ALIASES.get(extension.lower())

    @classmethod
    def from_media_type(cls, media_type: str) -> Format | None:
        """Find the format for a media type (``application/json`` means JSON-LD).

        >>> Format.from_media_type("application/ld+json")
        <Format.JSONLD: 'jsonld'>
        """
        return _BY_MEDIA_TYPE.get(media_type.split(";")[0].strip().lower())


_MEDIA_TYPES: dict[Format, str] = {
    Format.HTML: "text/html",
    Format.TURTLE: "text/turtle",
    Format.JSONLD: "application/ld+json",
    Format.NTRIPLES: "application/n-triples",
    Format.RDFXML: "application/rdf+xml",
}
_RDFLIB_NAMES: dict[Format, str] = {
    Format.HTML: "html",
    Format.TURTLE: "turtle",
    Format.JSONLD: "json-ld",
    Format.NTRIPLES: "nt",
    Format.RDFXML: "xml",
}
_ALIASES: dict[str, Format] = {
    **{f.value: f for f in Format},
    "htm": Format.HTML,
    "turtle": Format.TURTLE,
    "json": Format.JSONLD,
    "json-ld": Format.JSONLD,
    "ntriples": Format.NTRIPLES,
    "n-triples": Format.NTRIPLES,
    "xml": Format.RDFXML,
    "rdfxml": Format.RDFXML,
}
_BY_MEDIA_TYPE: dict[str, Format] = {
    **{media: f for f, media in _MEDIA_TYPES.items()},
    "application/json": Format.JSONLD,
    "application/xhtml+xml": Format.HTML,
    "application/x-turtle": Format.TURTLE,
    "application/xml": Format.RDFXML,
    "text/xml": Format.RDFXML,
}

#: What entity pages offer, in preference order for ties and wildcards (HTML first: browsers).
ENTITY_FORMATS: tuple[Format, ...] = (
    Format.HTML,
    Format.TURTLE,
    Format.JSONLD,
    Format.NTRIPLES,
    Format.RDFXML,
)


class ResultsFormat(Enum):
    """A SPARQL SELECT/ASK results format. The value is the short name used in ``format=``."""

    JSON = "json"
    XML = "xml"
    CSV = "csv"
    TSV = "tsv"

    @property
    def media_type(self) -> str:
        """The registered media type."""
        return _RESULTS_MEDIA_TYPES[self]

    @property
    def w3c_iri(self) -> str:
        """The format's IRI in http://www.w3.org/ns/formats/ (for the service description)."""
        return _RESULTS_IRIS[self]

    @classmethod
    def from_name(cls, name: str) -> ResultsFormat | None:
        """Find a results format by short name or media type.

        >>> ResultsFormat.from_name("application/sparql-results+json")
        <ResultsFormat.JSON: 'json'>
        """
        key = name.split(";")[0].strip().lower()
        for fmt in cls:
            if key in (fmt.value, fmt.media_type):
                return fmt
        return {"srj": cls.JSON, "srx": cls.XML, "application/json": cls.JSON}.get(key)


_RESULTS_MEDIA_TYPES: dict[ResultsFormat, str] = {
    ResultsFormat.JSON: "application/sparql-results+json",
    ResultsFormat.XML: "application/sparql-results+xml",
    ResultsFormat.CSV: "text/csv",
    ResultsFormat.TSV: "text/tab-separated-values",
}
_RESULTS_IRIS: dict[ResultsFormat, str] = {
    ResultsFormat.JSON: "http://www.w3.org/ns/formats/SPARQL_Results_JSON",
    ResultsFormat.XML: "http://www.w3.org/ns/formats/SPARQL_Results_XML",
    ResultsFormat.CSV: "http://www.w3.org/ns/formats/SPARQL_Results_CSV",
    ResultsFormat.TSV: "http://www.w3.org/ns/formats/SPARQL_Results_TSV",
}

#: RDF formats a CONSTRUCT/DESCRIBE result is offered in, Turtle first.
GRAPH_RESULT_FORMATS: tuple[Format, ...] = (
    Format.TURTLE,
    Format.NTRIPLES,
    Format.JSONLD,
    Format.RDFXML,
)
