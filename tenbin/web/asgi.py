"""ASGI entry point for process managers: ``uvicorn --factory tenbin.web.asgi:app_factory``.

Settings come from the environment (``TENBIN_*``), so every worker process builds the same app.
"""

from __future__ import annotations

from fastapi import FastAPI

from tenbin.settings import load_settings
from tenbin.web.app import create_app


def app_factory() -> FastAPI:
    return create_app(load_settings())
