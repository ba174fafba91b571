"""SPARQL queries, one per ``.rq`` file in this folder; ``load(name)`` returns the text."""

from __future__ import annotations

from functools import cache
from importlib import resources


@cache
def load(name: str) -> str:
    """Return the text of ``queries/{name}.rq``.

    :raises FileNotFoundError: if there is no such query.
    """
    return resources.files(__package__).joinpath(f"{name}.rq").read_text(encoding="utf-8")


def names() -> list[str]:
    """The names of all packaged queries, sorted."""
    return sorted(
        entry.name.removesuffix(".rq")
        for entry in resources.files(__package__).iterdir()
        if entry.name.endswith(".rq")
    )
