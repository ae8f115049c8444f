"""Per-request context for pages: who is signed in, in which language, with which CSRF token.

Sessions are signed cookies (Starlette's SessionMiddleware, itsdangerous): the app keeps no state
of its own, so several processes can serve one workspace behind a load balancer. A session holds
the user id and a key derived from the password hash, so resetting a password ends old sessions.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from fastapi import Depends, Request
from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool

from tenbin.auth import service as auth
from tenbin.auth.errors import AUTH_FORBIDDEN, CSRF_FAILED
from tenbin.auth.roles import ROLE_LABELS, Permission, Role, allows
from tenbin.errors import TenbinError
from tenbin.i18n import LANGS, set_lang
from tenbin.settings import Settings

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class LoginRequired(Exception):
    """Raised by page dependencies; the app answers with a redirect to the sign-in page."""

    def __init__(self, next_url: str) -> None:
        super().__init__(next_url)
        self.next_url = next_url


class PasswordChangeRequired(Exception):
    """The user signed in with a one-time password and must choose their own first."""


@dataclass
class Ctx:
    request: Request
    engine: Engine
    settings: Settings
    user: auth.User | None
    lang: str
    csrf: str
    flashes: list[dict[str, str]] = field(default_factory=list)

    @property
    def role(self) -> str | None:
        return None if self.user is None else self.user.role

    def can(self, permission: Permission | str) -> bool:
        return self.role is not None and allows(self.role, Permission(permission))

    def require(self, permission: Permission) -> None:
        if self.user is None:
            raise LoginRequired(_here(self.request))
        if not self.can(permission):
            raise TenbinError(AUTH_FORBIDDEN, {"role": self.role, "permission": permission.value})

    def role_label(self, role: str | None = None) -> str:
        labels = ROLE_LABELS.get(Role(role or self.role or "viewer"))
        return "" if labels is None else (labels[1] if self.lang == "en" else labels[0])

    def flash(self, message: str, kind: str = "ok") -> None:
        """A message shown once on the next page (after a redirect)."""
        self.request.session.setdefault("flash", []).append({"kind": kind, "text": message})


def _here(request: Request) -> str:
    path = request.url.path
    return path + ("?" + request.url.query if request.url.query else "")


def _lang_for(request: Request, user: auth.User | None) -> str:
    if user is not None:
        return user.locale
    chosen = request.session.get("lang")
    if chosen in LANGS:
        return str(chosen)
    accept = request.headers.get("accept-language", "")
    first = accept.split(",")[0].strip().lower()
    return "en" if first.startswith("en") else "ja"


def session_user(request: Request) -> auth.User | None:
    session = request.session
    uid = session.get("uid")
    if not isinstance(uid, int):
        return None
    user = auth.get_user(request.app.state.engine, uid)
    if user is None or not user.is_active or session.get("sk") != user.session_key:
        session.pop("uid", None)
        return None
    return user


def csrf_token(request: Request) -> str:
    token = request.session.get("csrf")
    if not isinstance(token, str) or len(token) < 20:
        token = secrets.token_urlsafe(32)
        request.session["csrf"] = token
    return token


def _build_ctx(request: Request) -> Ctx:
    user = session_user(request)
    lang = _lang_for(request, user)
    flashes = request.session.pop("flash", []) if request.method == "GET" else []
    return Ctx(request, request.app.state.engine, request.app.state.settings, user, lang, csrf_token(request), flashes)


async def get_ctx(request: Request) -> Ctx:
    """The context of any page, signed in or not.

    Async on purpose: the database lookup runs in the thread pool, but the language is set here,
    in the request's own task, so that the (threaded) endpoint and error handlers inherit it.
    """
    ctx = await run_in_threadpool(_build_ctx, request)
    set_lang(ctx.lang)
    return ctx


async def check_csrf(request: Request) -> None:
    """Every state-changing form carries the session's CSRF token (field ``csrf_token`` or header)."""
    if request.method not in UNSAFE_METHODS:
        return
    expected = request.session.get("csrf")
    sent = request.headers.get("x-csrf-token")
    if sent is None:
        content_type = request.headers.get("content-type", "")
        if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            form = await request.form()
            value = form.get("csrf_token")
            sent = value if isinstance(value, str) else None
    if not isinstance(expected, str) or sent is None or not secrets.compare_digest(expected, sent):
        raise TenbinError(CSRF_FAILED, {})


def signed_in(request: Request, ctx: Ctx = Depends(get_ctx)) -> Ctx:
    """The context of a page that needs a signed-in user (redirects to sign-in otherwise)."""
    if ctx.user is None:
        raise LoginRequired(_here(request))
    if ctx.user.must_change_password and request.url.path not in ("/account/password", "/logout"):
        raise PasswordChangeRequired()
    return ctx


def requires(permission: Permission) -> Any:
    """A dependency: the signed-in context, when its role has ``permission`` (AUTH_FORBIDDEN otherwise)."""

    def dependency(ctx: Ctx = Depends(signed_in)) -> Ctx:
        ctx.require(permission)
        return ctx

    return Depends(dependency)


def login_url(next_url: str) -> str:
    return "/login?next=" + quote(next_url, safe="")
