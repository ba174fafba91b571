"""Upload the dataset to a remote store with the SPARQL 1.1 Graph Store Protocol.

One named graph per source file, each sent with ``PUT`` (idempotent: pushing twice leaves the
same state). With an update endpoint, each graph first goes to a staging graph, is counted, and
is then moved over the old one with ``MOVE`` (atomic on the server); when a step fails, the
staging graph is dropped again, as the union default graph would show it. Without one, the
direct ``PUT`` relies on the store replacing the graph in one transaction (Oxigraph, Fuseki and
GraphDB do), so an upload cut short leaves the old graph as it was, never an empty one.
"""

from __future__ import annotations

import contextlib
import hashlib
import http.client
import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from rdflib import URIRef

from twinning_kg import __version__
from twinning_kg.errors import UpstreamError
from twinning_kg.loading import iter_graphs
from twinning_kg.settings import CANONICAL_BASE_IRI
from twinning_kg.sparql.binding import serialise

USER_AGENT: Final = f"twinning-kg/{__version__} (push)"


@dataclass(frozen=True, slots=True)
class Endpoints:
    """Where a remote store takes queries, updates and graph uploads."""

    query: str
    gsp: str
    update: str | None = None

    @classmethod
    def from_spec(cls, spec: str) -> Endpoints:
        """Parse ``QUERY_URL[,update=URL,gsp=URL]``; Oxigraph's ``/store`` is the GSP default.

        >>> Endpoints.from_spec("http://h:7878/query").gsp
        'http://h:7878/store'
        """
        first, *options = [part.strip() for part in spec.split(",")]
        extra = dict(option.split("=", 1) for option in options if "=" in option)
        unknown = set(extra) - {"update", "gsp"}
        if unknown or not first.startswith(("http://", "https://")):
            raise UpstreamError(f"bad endpoint {spec!r}: use QUERY_URL[,update=URL,gsp=URL]")
        gsp = extra.get("gsp")
        if gsp is None:
            if not first.endswith("/query"):
                raise UpstreamError("give the Graph Store Protocol URL: QUERY_URL,gsp=URL")
            gsp = first[: -len("query")] + "store"
        return cls(query=first, gsp=gsp, update=extra.get("update"))


@dataclass(frozen=True, slots=True)
class Pushed:
    """One graph sent."""

    graph: str
    triples: int


def _request(url: str, *, method: str, data: bytes, content_type: str, timeout_s: float) -> bytes:
    request = urllib.request.Request(  # noqa: S310  # http(s) URLs only, checked in from_spec
        url,
        data=data,
        method=method,
        headers={"Content-Type": content_type, "User-Agent": USER_AGENT, "Accept": "*/*"},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout_s) as response:  # noqa: S310
            body: bytes = response.read()
            return body
    except urllib.error.HTTPError as exc:
        detail = exc.read(300).decode("utf-8", "replace").strip().splitlines()
        said = f": {detail[0]}" if detail else ""
        raise UpstreamError(f"{method} {url} answered HTTP {exc.code}{said}") from None
    except (urllib.error.URLError, OSError, http.client.HTTPException) as exc:
        reason = exc.reason if isinstance(exc, urllib.error.URLError) else exc
        raise UpstreamError(f"{method} {url} failed: {reason}") from None


def _count(endpoints: Endpoints, graph: str, timeout_s: float) -> int:
    query = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH {serialise(URIRef(graph))} {{ ?s ?p ?o }} }}"
    body = _request(
        endpoints.query,
        method="POST",
        data=query.encode(),
        content_type="application/sparql-query",
        timeout_s=timeout_s,
    )
    try:
        return int(json.loads(body)["results"]["bindings"][0]["n"]["value"])
    except (ValueError, KeyError, IndexError, TypeError):
        raise UpstreamError(f"{endpoints.query} answered the count with garbage") from None


def _drop_quietly(update_url: str, graph: str, timeout_s: float) -> None:
    """Remove a staging graph after a failed push, if the store still listens (best effort)."""
    drop = f"DROP SILENT GRAPH {serialise(URIRef(graph))}"
    # If this fails too, the next push replaces the staging graph (its name depends on the graph).
    with contextlib.suppress(UpstreamError):
        _request(
            update_url,
            method="POST",
            data=drop.encode(),
            content_type="application/sparql-update",
            timeout_s=min(timeout_s, 10.0),
        )


def push(
    paths: Iterable[Path],
    endpoints: Endpoints,
    *,
    root: Path = Path(),
    base_iri: str = CANONICAL_BASE_IRI,
    timeout_s: float = 60.0,
    progress: Callable[[Pushed], None] = lambda _pushed: None,
) -> list[Pushed]:
    """Send every source file's graph; return what was sent.

    :raises DataLoadError: a file does not parse (nothing is sent for it or after it).
    :raises UpstreamError: the store failed; graphs already sent stay, the failing one is as before.
    """
    pushed: list[Pushed] = []
    for graph, _path, content in iter_graphs(paths, root=root, base_iri=base_iri):
        data = "\n".join(sorted(content.serialize(format="nt").splitlines())).encode() + b"\n"
        triples = len(content)
        if endpoints.update:
            staging = f"urn:twinning-kg:staging:{hashlib.sha256(str(graph).encode()).hexdigest()}"
            try:
                _put(endpoints, staging, data, timeout_s)
                arrived = _count(endpoints, staging, timeout_s)
                if arrived != triples:
                    raise UpstreamError(
                        f"{graph}: {arrived} of {triples} triples arrived; the old graph is kept"
                    )
                move = f"MOVE SILENT GRAPH {serialise(URIRef(staging))} TO GRAPH {serialise(graph)}"
                _request(
                    endpoints.update,
                    method="POST",
                    data=move.encode(),
                    content_type="application/sparql-update",
                    timeout_s=timeout_s,
                )
            except BaseException:
                # A staging graph left behind would show in the union default graph.
                _drop_quietly(endpoints.update, staging, timeout_s)
                raise
        else:
            _put(endpoints, str(graph), data, timeout_s)
        done = Pushed(graph=str(graph), triples=triples)
        pushed.append(done)
        progress(done)
    return pushed


def _put(endpoints: Endpoints, graph: str, data: bytes, timeout_s: float) -> None:
    url = f"{endpoints.gsp}?{urllib.parse.urlencode({'graph': graph})}"
    _request(
        url, method="PUT", data=data, content_type="application/n-triples", timeout_s=timeout_s
    )
