"""Page routers, one module per area; each module exposes ``router`` (an ``APIRouter``).

Every module here is included by :func:`routers`, in name order. Page routers carry the CSRF
check, so no state-changing form can be forgotten.
"""

from __future__ import annotations

import importlib
import pkgutil

from fastapi import APIRouter, Depends

from tenbin.web.context import check_csrf


def routers() -> list[APIRouter]:
    found = []
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{__name__}.{info.name}")
        router = getattr(module, "router", None)
        if isinstance(router, APIRouter):
            found.append(router)
    return found


def page_router() -> APIRouter:
    """A router for pages: HTML only (not in the API schema), CSRF-checked on unsafe methods."""
    return APIRouter(include_in_schema=False, dependencies=[Depends(check_csrf)])
