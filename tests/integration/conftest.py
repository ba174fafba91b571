"""Fixtures for the tests against the real server: an httpx client on its base URL.

The server itself is the session-wide ``live_server`` fixture of ``tests/live_server.py``.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest


@pytest.fixture
def http(live_server: str) -> Iterator[httpx.Client]:
    """An httpx client on the live server; ignores proxy settings (only 127.0.0.1 is reached)."""
    with httpx.Client(base_url=live_server, timeout=10.0, trust_env=False) as client:
        yield client
