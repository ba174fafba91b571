"""twinning-kg: a linked-data publisher for town-twinning partnerships."""

from __future__ import annotations

__version__ = "0.1.0"
