"""The application factory: pages (Jinja2 + htmx) and the REST API in one stateless ASGI app."""

from __future__ import annotations

import logging
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy import Engine
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.sessions import SessionMiddleware

from tenbin.api.balance import router as balance_api
from tenbin.api.engagement import router as engagement_api
from tenbin.api.icp import router as icp_api
from tenbin.api.imports import router as imports_api
from tenbin.api.intake import router as intake_api
from tenbin.api.likelihood import router as likelihood_api
from tenbin.api.metrics import router as metrics_api
from tenbin.api.plan import router as plan_api
from tenbin.api.records import ERRORS as PROBLEM_RESPONSES
from tenbin.api.records import router as records_api
from tenbin.api.routes import router as api_router
from tenbin.api.routing import router as routing_api
from tenbin.api.settings import router as settings_api
from tenbin.api.webhooks import router as webhooks_api
from tenbin.db.engine import check_connection, make_engine
from tenbin.db.migrate import require_current
from tenbin.errors import INTERNAL, TenbinError
from tenbin.i18n import current_lang
from tenbin.settings import PLACEHOLDER_SECRET, Settings
from tenbin.web import pages
from tenbin.web.context import LoginRequired, PasswordChangeRequired, get_ctx, login_url
from tenbin.web.errors import METHOD_NOT_ALLOWED, NOT_FOUND, REQUEST_INVALID, WEB_SECRET_PLACEHOLDER
from tenbin.web.render import make_templates, render
from tenbin.web.security import SecurityHeaders

STATIC = Path(__file__).parent / "static"
log = logging.getLogger("tenbin.web")


def check_startup(settings: Settings, engine: Engine) -> None:
    """Refuse to start on a placeholder secret outside development, an unreachable or non-UTF-8
    PostgreSQL, or a database whose migrations are pending — each with its own error code."""
    if not settings.is_development and (settings.secret_key == PLACEHOLDER_SECRET or len(settings.secret_key) < 32):
        raise TenbinError(WEB_SECRET_PLACEHOLDER, {"environment": settings.environment})
    check_connection(engine)
    require_current(engine)


WEBHOOK_WORKER_ENV = "TENBIN_WEBHOOK_WORKER"  # "1": deliver webhooks from a thread (set by `tenbin serve`)


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Start the webhook delivery thread when asked to; stop it at shutdown."""
    worker = None
    if os.environ.get(WEBHOOK_WORKER_ENV) == "1":
        from tenbin.webhooks.delivery import start_worker

        worker = start_worker(app.state.engine)
    try:
        yield
    finally:
        if worker is not None:
            thread, stop = worker
            stop.set()
            thread.join(timeout=10)  # let a send in progress record its outcome


def create_app(settings: Settings, engine: Engine | None = None) -> FastAPI:
    engine = engine or make_engine(settings.database_url)
    check_startup(settings, engine)
    app = FastAPI(
        title="tenbin API",
        version="1",
        description="tenbin (天秤): Balance Based Marketing for Japanese B2B teams. "
        "BBM is a method proposed by 株式会社ALUHA. Authenticate with a personal API token.",
        docs_url="/api/docs",
        redoc_url=None,
        openapi_url="/api/v1/openapi.json",
        swagger_ui_parameters={"syntaxHighlight": False},
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.templates = make_templates()
    app.add_middleware(
        SessionMiddleware,
        secret_key=settings.secret_key,
        session_cookie="tenbin_session",
        max_age=settings.session_hours * 3600,
        same_site="lax",
        https_only=settings.secure_cookies,
    )
    app.add_middleware(SecurityHeaders)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    # records last: /{entity} paths
    for router in (api_router, imports_api, settings_api, icp_api, metrics_api, balance_api, plan_api,
                   intake_api, webhooks_api, engagement_api, likelihood_api, routing_api, records_api):  # fmt: skip
        app.include_router(router, responses=PROBLEM_RESPONSES)
    for router in pages.routers():
        app.include_router(router)
    _handlers(app)
    return app


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def _lang(request: Request) -> str:
    return str(getattr(request.state, "lang", None) or current_lang())


async def _error_response(request: Request, exc: TenbinError) -> Response:
    if _is_api(request):
        return JSONResponse(exc.as_problem(_lang(request)), status_code=exc.status)
    ctx = await get_ctx(request)
    return render(ctx, "error.html", status=exc.status, error=exc, message=exc.message(ctx.lang))


def _handlers(app: FastAPI) -> None:
    @app.exception_handler(TenbinError)
    async def tenbin_error(request: Request, exc: TenbinError) -> Response:
        return await _error_response(request, exc)

    @app.exception_handler(LoginRequired)
    async def login_required(request: Request, exc: LoginRequired) -> Response:
        url = login_url(exc.next_url)
        if request.headers.get("hx-request"):
            return Response(status_code=204, headers={"HX-Redirect": url})
        return RedirectResponse(url, status_code=303)

    @app.exception_handler(PasswordChangeRequired)
    async def password_change(request: Request, exc: PasswordChangeRequired) -> Response:
        return RedirectResponse("/account/password", status_code=303)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code == 405:
            error = TenbinError(METHOD_NOT_ALLOWED, {"method": request.method, "path": request.url.path})
        elif exc.status_code == 404:
            error = TenbinError(NOT_FOUND, {"path": request.url.path})
        else:
            error = TenbinError(INTERNAL, {"detail": f"HTTP {exc.status_code}"})
        response = await _error_response(request, error)
        response.status_code = exc.status_code
        return response

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Response:
        first: dict[str, Any] = exc.errors()[0] if exc.errors() else {}
        loc = [str(p) for p in first.get("loc", ()) if p not in ("body", "query", "path", "header")]
        attr = ".".join(loc) or None
        error = TenbinError(REQUEST_INVALID, {"attr": attr or "-", "reason": first.get("msg", "invalid")})
        error.place.field = attr
        return await _error_response(request, error)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return await _error_response(request, TenbinError(INTERNAL, {"detail": type(exc).__name__}))
