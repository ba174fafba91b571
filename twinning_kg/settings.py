"""Settings: one frozen object, built once from the environment (the only reader of os.environ)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Final

from twinning_kg.errors import TwinningError

#: The base IRI the files in ontology/, data/ and shapes/ are written with.
CANONICAL_BASE_IRI: Final = "https://twinning.example.org/"
ENV_PREFIX: Final = "TWINNING_"


@dataclass(frozen=True, slots=True, kw_only=True)
class Settings:
    """Everything configurable, with its documented default (README, "Configuration")."""

    base_iri: str = CANONICAL_BASE_IRI
    root: Path = Path()
    ontology_dir: Path = Path("ontology")
    data_dir: Path = Path("data")
    shapes_dir: Path = Path("shapes")
    store: str = "memory"
    store_timeout_s: float = 30.0
    state_dir: Path = Path("var")
    admin_token: str = ""
    host: str = "127.0.0.1"
    port: int = 5000
    workers: int = 2
    site_title: str = ""
    site_description: str = (
        "Partner-city (town twinning) agreements, the institutions that carry them out and the "
        "events they led to, published as linked data with a SPARQL endpoint."
    )
    licence_iri: str = "https://creativecommons.org/licenses/by/4.0/"
    # Open-data publishing (`twinning-kg build`, /catalog, /.well-known/void, /dumps/).
    base_url: str = ""
    build_dir: Path = Path("var/build")
    publisher_iri: str = CANONICAL_BASE_IRI + "id/institution/siedlce-city-office"
    publisher_name: str = "Urząd Miasta Siedlce"
    publisher_type: str = "http://purl.org/adms/publishertype/LocalAuthority"
    contact_name: str = "Urząd Miasta Siedlce"
    contact_email: str = ""
    contact_url: str = "https://siedlce.pl/"
    catalogue_issued: str = ""
    catalogue_modified: str = ""
    tile_url: str = ""
    tile_attribution: str = ""
    max_request_bytes: int = 1_000_000
    wikidata_endpoint: str = "https://query.wikidata.org/sparql"
    wikidata_contact: str = ""
    wikidata_timeout_s: float = 60.0
    wikidata_max_retries: int = 3
    link_threshold: float = 0.75
    threads: int = 4
    keepalive_wait_ms: float = 2.0
    page_cache_mb: int = 64
    sparql_timeout_s: float = 10.0
    sparql_row_cap: int = 10_000
    sparql_workers: int = 2
    sparql_memory_mb: int = 2048
    sparql_max_query_bytes: int = 100_000
    sparql_allowed_services: str = ""

    @property
    def source_dirs(self) -> tuple[Path, Path, Path]:
        """Ontology, data and shapes folders, resolved against ``root``."""
        return (
            self.root / self.ontology_dir,
            self.root / self.data_dir,
            self.root / self.shapes_dir,
        )

    @property
    def public_url(self) -> str:
        """Where the site is served (``base_url``, else ``base_iri``): download and endpoint URLs.

        >>> Settings(base_url="http://localhost:5000/").public_url
        'http://localhost:5000/'
        """
        return self.base_url or self.base_iri

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Build settings from ``TWINNING_*`` variables; unknown values raise TwinningError.

        >>> Settings.from_env({"TWINNING_BASE_IRI": "http://localhost/"}).base_iri
        'http://localhost/'
        """
        env = os.environ if environ is None else environ
        values: dict[str, object] = {}
        for field in fields(cls):
            raw = env.get(ENV_PREFIX + field.name.upper())
            if raw is None:
                continue
            default = field.default
            if isinstance(default, Path):
                values[field.name] = Path(raw)
            elif isinstance(default, bool):
                values[field.name] = raw.strip().lower() in {"1", "true", "yes", "on"}
            elif isinstance(default, int | float):
                try:
                    values[field.name] = type(default)(raw)
                except ValueError as exc:
                    kind = type(default).__name__
                    name = ENV_PREFIX + field.name.upper()
                    raise TwinningError(f"{name}={raw!r} is not a {kind}") from exc
            else:
                values[field.name] = raw
        settings = cls(**values)  # type: ignore[arg-type]  # values are checked per field above
        if not settings.base_iri.endswith(("/", "#")):
            raise TwinningError(
                f"{ENV_PREFIX}BASE_IRI must end with '/' (got {settings.base_iri!r})"
            )
        if settings.base_url and not settings.base_url.endswith("/"):
            raise TwinningError(
                f"{ENV_PREFIX}BASE_URL must end with '/' (got {settings.base_url!r})"
            )
        return settings


def replace_settings(settings: Settings, **changes: object) -> Settings:
    """A copy of ``settings`` with the given non-None values changed (for command-line flags)."""
    given = {key: value for key, value in changes.items() if value is not None}
    return replace(settings, **given)  # type: ignore[arg-type]  # keys are Settings fields
