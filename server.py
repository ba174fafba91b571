"""WSGI entry point: ``gunicorn 'server:app'`` serves the data under the current settings."""

from __future__ import annotations

from twinning_kg.web import create_app

app = create_app()
