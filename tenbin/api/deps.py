"""Who is calling the API: a personal token (``Authorization: Bearer tbn_…``) and its scope."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool

from tenbin.auth import service as auth
from tenbin.auth.errors import AUTH_FORBIDDEN, AUTH_REQUIRED
from tenbin.auth.roles import Permission, allows
from tenbin.errors import TenbinError
from tenbin.i18n import set_lang
from tenbin.settings import Settings

bearer = HTTPBearer(auto_error=False, description="A personal API token: `Authorization: Bearer tbn_…`")


@dataclass
class ApiCtx:
    request: Request
    engine: Engine
    settings: Settings
    user: auth.User
    scope: str  # the token's role; never more than the user's
    lang: str

    def require(self, permission: Permission) -> None:
        if not allows(self.scope, permission):
            raise TenbinError(AUTH_FORBIDDEN, {"role": self.scope, "permission": permission.value})


def request_lang(request: Request, fallback: str = "ja") -> str:
    """``?lang=`` first, then Accept-Language, then ``fallback`` (the user's setting)."""
    chosen = request.query_params.get("lang")
    if chosen in ("ja", "en"):
        return chosen
    accept = request.headers.get("accept-language", "").split(",")[0].strip().lower()
    if accept.startswith("en"):
        return "en"
    if accept.startswith("ja"):
        return "ja"
    return fallback


async def api_ctx(request: Request, credentials: HTTPAuthorizationCredentials | None = Depends(bearer)) -> ApiCtx:
    """The calling token's context. Async so the language is set in the request's own task
    (the threaded endpoint inherits it); the database lookup runs in the thread pool."""
    request.state.lang = request_lang(request)
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise TenbinError(AUTH_REQUIRED, {})
    user, scope = await run_in_threadpool(auth.user_for_token, request.app.state.engine, credentials.credentials)
    lang = request_lang(request, user.locale)
    request.state.lang = lang  # errors raised later in this request are rendered in it
    set_lang(lang)
    return ApiCtx(request, request.app.state.engine, request.app.state.settings, user, scope, lang)


def api_requires(permission: Permission) -> Any:
    def dependency(ctx: ApiCtx = Depends(api_ctx)) -> ApiCtx:
        ctx.require(permission)
        return ctx

    return Depends(dependency)
