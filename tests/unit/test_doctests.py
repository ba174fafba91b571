"""Run the ``>>>`` examples in the package's docstrings."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import twinning_kg

MODULES = sorted(
    name
    for _finder, name, _ispkg in pkgutil.walk_packages(twinning_kg.__path__, "twinning_kg.")
    if not name.endswith("__main__")
)


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    module = importlib.import_module(name)
    failures, _tried = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert failures == 0
