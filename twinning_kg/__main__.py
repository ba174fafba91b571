"""`python -m twinning_kg` runs the command-line interface."""

from __future__ import annotations

from twinning_kg.cli import main

if __name__ == "__main__":
    main()
