"""Query workers do not keep clients' connections open (they close inherited sockets)."""

from __future__ import annotations

import socket
import time
from urllib.parse import urlsplit

import pytest

pytestmark = pytest.mark.live


def test_keep_alive_connection_is_closed_after_a_query_forked_a_worker(live_server: str) -> None:
    """Regression: a worker forked during a request inherited the client's socket, so the
    connection stayed open after gunicorn closed it, and the next request on it hung."""
    address = urlsplit(live_server)
    with socket.create_connection((address.hostname, address.port), timeout=10) as conn:
        body = b"ASK { ?s ?p ?o }"
        conn.sendall(
            b"POST /sparql HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\n"
            b"Content-Type: application/sparql-query\r\nAccept: application/sparql-results+json\r\n"
            + f"Content-Length: {len(body)}\r\n\r\n".encode()
            + body
        )
        reply = b""
        while b'"boolean"' not in reply:
            chunk = conn.recv(65536)
            assert chunk, "server closed before answering"
            reply += chunk
        assert reply.startswith(b"HTTP/1.1 200")
        time.sleep(3.5)  # past gunicorn's keep-alive timeout (2 s): the server closes its side
        conn.settimeout(5)
        assert conn.recv(1) == b"", "the connection should have been closed, not kept open"
