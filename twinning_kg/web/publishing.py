"""Publishing routes: the DCAT-AP catalogue, VoID, the dumps, ``sitemap.xml`` and ``robots.txt``.

The server serves what ``twinning-kg build`` wrote into the build folder: the manifest
(``build.json``) names every file with its SHA-256, which is its strong ETag. Files are sent
with ``Content-Length``, range requests and 304s (Werkzeug's conditional ``send_file``). Without
a build these routes answer 503 saying how to make one; the rest of the site works regardless.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from html import escape
from pathlib import Path
from typing import Final

from flask import Blueprint, Response, current_app, g, render_template, request
from rdflib import Graph

from twinning_kg.errors import NotFound, TwinningError
from twinning_kg.formats import ENTITY_FORMATS, Format
from twinning_kg.publishing.addresses import Addresses
from twinning_kg.publishing.build import DUMPS_DIR, MANIFEST, SUMS, Manifest, output_dir
from twinning_kg.publishing.dumps import DUMP_FORMATS
from twinning_kg.settings import Settings
from twinning_kg.web import resolver
from twinning_kg.web.caching import MAX_AGE_S, make_cacheable
from twinning_kg.web.catalogue_page import catalogue_view, schema_org_dataset
from twinning_kg.web.negotiation import negotiate

bp = Blueprint("publishing", __name__)

#: The RDF formats the catalogue and VoID are written in; the catalogue also has an HTML page.
RDF_FORMATS: Final = (Format.TURTLE, Format.JSONLD, Format.NTRIPLES, Format.RDFXML)
#: At most this many URLs in one sitemap (the sitemaps.org limit).
SITEMAP_LIMIT: Final = 50_000
SITEMAP_NS: Final = "http://www.sitemaps.org/schemas/sitemap/0.9"


class BuildMissing(TwinningError):
    """The build folder holds no build: the catalogue, VoID and dumps are not there yet."""

    status = 503
    code = "build-missing"
    retry_after_s = 30


@dataclass(frozen=True, slots=True)
class Publication:
    """A build as the server sees it: its folder, its manifest, when the manifest was written."""

    out: Path
    manifest: Manifest
    stamp: int

    def digest(self, name: str) -> str:
        """The SHA-256 of a built file.

        :raises NotFound: if the build has no such file.
        """
        found = self.manifest.files.get(name)
        if found is None:
            raise NotFound(f"The build has no file {name!r}.")
        return found.sha256


def _settings() -> Settings:
    settings: Settings = current_app.extensions["twinning_kg"]
    return settings


def current_publication() -> Publication:
    """The build in the ``build_dir`` folder, re-read whenever its manifest changes.

    :raises BuildMissing: if there is no build.
    """
    out = output_dir(_settings()).resolve()
    try:
        stamp = (out / MANIFEST).stat().st_mtime_ns
    except OSError:
        raise BuildMissing("No build yet: run `twinning-kg build` (`make run` does).") from None
    cached: Publication | None = current_app.extensions.get("twinning_kg.publication")
    if cached is not None and cached.out == out and cached.stamp == stamp:
        return cached
    try:
        manifest = Manifest.from_json((out / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise BuildMissing(f"The build is unreadable ({exc}); run `twinning-kg build`.") from None
    publication = Publication(out=out, manifest=manifest, stamp=stamp)
    current_app.extensions["twinning_kg.publication"] = publication
    current_app.extensions.pop("twinning_kg.catalogue", None)
    return publication


def current_catalogue() -> Graph:
    """The built catalogue as a graph (for the HTML page and the home page's schema.org)."""
    publication = current_publication()
    cached: tuple[int, Graph] | None = current_app.extensions.get("twinning_kg.catalogue")
    if cached is not None and cached[0] == publication.stamp:
        return cached[1]
    graph = Graph().parse(publication.out / "catalog.nt", format="nt")
    current_app.extensions["twinning_kg.catalogue"] = (publication.stamp, graph)
    return graph


def _send(name: str, media_type: str, *, download: bool = False) -> Response:
    """A built file with its SHA-256 as strong ETag: ranges, 304s, Content-Length.

    The file is read whole (dumps are a few hundred kilobytes): no file handle outlives the
    request, and the bytes are checked against the manifest, so a file changed behind the
    server's back is refused rather than served under the wrong ETag.
    """
    publication = current_publication()
    digest = publication.digest(name)
    try:
        data = (publication.out / name).read_bytes()
    except OSError:
        raise BuildMissing(f"The build lost {name}; run `twinning-kg build`.") from None
    if hashlib.sha256(data).hexdigest() != digest:
        raise BuildMissing(f"{name} does not match the build manifest; run `twinning-kg build`.")
    response = Response(data, mimetype=media_type)
    if download:
        response.headers.set("Content-Disposition", "attachment", filename=Path(name).name)
    response.set_etag(digest)
    response.last_modified = datetime.fromtimestamp(publication.stamp // 1_000_000_000, tz=UTC)
    response.cache_control.public = True
    response.cache_control.max_age = MAX_AGE_S
    response.make_conditional(request, accept_ranges=True, complete_length=len(data))
    return response


def _described(stem: str, path: str, offered: tuple[Format, ...], suffix: str | None) -> Response:
    """The catalogue or VoID in the negotiated format, as the build wrote it."""
    named = Format.from_extension(suffix) if suffix is not None else None
    if suffix is not None and (named is None or named.file_extension != suffix):
        raise NotFound(f"Nothing is published at {path}.{suffix}.")
    fmt = negotiate(
        request.accept_mimetypes, offered, suffix=named, format_param=request.args.get("format")
    )
    if fmt is Format.HTML:
        response = _catalogue_page()
    else:
        response = _send(f"{stem}.{fmt.file_extension}", fmt.media_type)
    response.headers["Vary"] = "Accept, Accept-Language"
    response.headers["Content-Location"] = f"{path}.{fmt.file_extension}"
    response.headers["Link"] = ", ".join(
        f'<{path}.{other.file_extension}>; rel="alternate"; type="{other.media_type}"'
        for other in offered
        if other is not fmt
    )
    return response


def _catalogue_page() -> Response:
    settings = _settings()
    where = Addresses.of(settings)
    public = settings.public_url

    def local(url: str) -> str:
        return "/" + url[len(public) :] if url.startswith(public) else url

    view = catalogue_view(current_catalogue(), g.lang, local)
    body = render_template(
        "catalogue.html", view=view, lang=g.lang, void_url=local(str(where.void_url))
    )
    response = Response(body, mimetype="text/html")
    etag = hashlib.sha256(f"{current_publication().digest('catalog.nt')}\0{g.lang}".encode())
    response.set_etag(etag.hexdigest()[:32])
    response.cache_control.public = True
    response.cache_control.max_age = MAX_AGE_S
    response.make_conditional(request)
    return response


@bp.get("/catalog")
@bp.get("/catalog.<suffix>")
def catalogue(suffix: str | None = None) -> Response:
    """The DCAT-AP 3 catalogue, negotiated like entity pages (HTML for browsers)."""
    return _described("catalog", "/catalog", ENTITY_FORMATS, suffix)


@bp.get("/.well-known/void")
@bp.get("/.well-known/void.<suffix>")
def void(suffix: str | None = None) -> Response:
    """The VoID description (Turtle unless the client asks for another RDF format)."""
    return _described("void", "/.well-known/void", RDF_FORMATS, suffix)


@bp.get("/dumps/<name>")
def dump(name: str) -> Response:
    """A dump file (or SHA256SUMS), as a download."""
    if name == SUMS:
        return _send(f"{DUMPS_DIR}/{SUMS}", "text/plain", download=True)
    for fmt in DUMP_FORMATS:
        if name.endswith(fmt.suffix):
            return _send(f"{DUMPS_DIR}/{name}", fmt.content_type, download=True)
    raise NotFound(f"No dump is called {name!r}.")


def _page_urls() -> list[str]:
    settings = _settings()
    store = current_app.extensions["twinning_kg.store"]
    paths = {"/", "/catalog"}
    for row in store.select("list_subjects"):
        path = resolver.path_for(str(row.get("subject", "")), base_iri=settings.base_iri)
        if path is not None:
            paths.add(path)
    return [settings.public_url + path.lstrip("/") for path in sorted(paths)][:SITEMAP_LIMIT]


@bp.get("/sitemap.xml")
def sitemap() -> Response:
    """Every page: the home page, the catalogue, every entity, term, shape and source graph."""
    try:
        modified = current_publication().manifest.modified
    except BuildMissing:
        modified = None
    lastmod = f"<lastmod>{escape(modified)}</lastmod>" if modified else ""
    entries = "".join(f"<url><loc>{escape(url)}</loc>{lastmod}</url>\n" for url in _page_urls())
    body = (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="{SITEMAP_NS}">\n'
        f"{entries}</urlset>\n"
    )
    response = Response(body, mimetype="application/xml")
    store = current_app.extensions["twinning_kg.store"]
    return make_cacheable(response, request, version=store.version, variant=f"sitemap\0{modified}")


@bp.get("/robots.txt")
def robots() -> Response:
    """Crawl everything but the query endpoints; the sitemap lists the pages."""
    url = _settings().public_url
    body = (
        "User-agent: *\n"
        "Disallow: /sparql\n"
        "Disallow: /search\n"
        "Allow: /\n"
        f"Sitemap: {url}sitemap.xml\n"
    )
    response = Response(body, mimetype="text/plain")
    store = current_app.extensions["twinning_kg.store"]
    return make_cacheable(response, request, version=store.version, variant="robots")


def home_dataset_extras(lang: str) -> dict[str, object]:
    """schema.org properties for the home page's ``Dataset`` from the built catalogue.

    Empty when there is no build yet: the home page works without one.
    """
    try:
        graph = current_catalogue()
    except BuildMissing:
        return {}
    where = Addresses.of(_settings())
    extras = schema_org_dataset(graph, where.graph_dataset, lang)
    extras["@id"] = str(where.graph_dataset)
    return extras
