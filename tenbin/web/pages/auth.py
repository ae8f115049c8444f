"""Sign in and out, language, and the user's own account: password and personal API tokens."""

from __future__ import annotations

from urllib.parse import urlsplit

from fastapi import Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from tenbin.auth import service as auth
from tenbin.auth.roles import Role, within
from tenbin.errors import TenbinError
from tenbin.i18n import gettext as _
from tenbin.i18n import set_lang
from tenbin.web.context import Ctx, get_ctx, signed_in
from tenbin.web.pages import page_router
from tenbin.web.render import render

router = page_router()


def _safe_next(target: str | None) -> str:
    """Only same-site paths: an open redirect would let a phishing link borrow our sign-in page."""
    if not target:
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return "/"
    return target


@router.get("/login")
def login_form(request: Request, next: str = "/", ctx: Ctx = Depends(get_ctx)) -> Response:
    if ctx.user is not None:
        return RedirectResponse(_safe_next(next), status_code=303)
    return render(ctx, "login.html", next=_safe_next(next), error=None, username="")


@router.post("/login")
def login(
    request: Request,
    username: str = Form(""),
    password: str = Form(""),
    next: str = Form("/"),
    ctx: Ctx = Depends(get_ctx),
) -> Response:
    address = request.client.host if request.client else None
    try:
        user = auth.authenticate(ctx.engine, username=username, password=password, address=address)
    except TenbinError as exc:
        return render(ctx, "login.html", status=exc.status, next=_safe_next(next), error=exc, username=username)
    request.session.clear()  # a fresh session (and CSRF token) at sign-in: no session fixation
    request.session.update({"uid": user.id, "sk": user.session_key})
    set_lang(user.locale)
    if user.must_change_password:
        return RedirectResponse("/account/password", status_code=303)
    return RedirectResponse(_safe_next(next), status_code=303)


@router.post("/logout")
def logout(request: Request) -> Response:
    request.session.clear()
    return RedirectResponse("/login", status_code=303)


@router.post("/lang")
def switch_language(
    request: Request, lang: str = Form("ja"), next: str = Form("/"), ctx: Ctx = Depends(get_ctx)
) -> Response:
    lang = "en" if lang == "en" else "ja"
    request.session["lang"] = lang
    if ctx.user is not None:
        auth.set_locale(ctx.engine, user_id=ctx.user.id, locale=lang)
    return RedirectResponse(_safe_next(next), status_code=303)


@router.get("/account/password")
def password_form(ctx: Ctx = Depends(signed_in)) -> Response:
    return render(ctx, "account_password.html", error=None)


@router.post("/account/password")
def change_password(
    request: Request,
    current_password: str = Form(""),
    new_password: str = Form(""),
    confirm_password: str = Form(""),
    ctx: Ctx = Depends(signed_in),
) -> Response:
    assert ctx.user is not None
    if new_password != confirm_password:
        return render(ctx, "account_password.html", status=422, error=_("The two new passwords differ."))
    try:
        user = auth.change_password(ctx.engine, user_id=ctx.user.id, current=current_password, new=new_password)
    except TenbinError as exc:
        return render(ctx, "account_password.html", status=exc.status, error=exc.message(ctx.lang))
    request.session["sk"] = user.session_key  # this session continues; others end
    ctx.flash(_("Your password was changed."))
    return RedirectResponse("/", status_code=303)


@router.get("/account/tokens")
def tokens_page(ctx: Ctx = Depends(signed_in)) -> Response:
    assert ctx.user is not None
    tokens = auth.list_tokens(ctx.engine, user_id=ctx.user.id)
    scopes = [r.value for r in Role if within(r.value, ctx.user.role)]
    return render(ctx, "account_tokens.html", tokens=tokens, scopes=scopes, created=None, error=None)


@router.post("/account/tokens")
def create_token(name: str = Form(""), scope: str = Form(""), ctx: Ctx = Depends(signed_in)) -> Response:
    assert ctx.user is not None
    error = None
    created = None
    try:
        created = auth.create_token(ctx.engine, user_id=ctx.user.id, name=name.strip() or "token", scope=scope or None)
    except TenbinError as exc:
        error = exc.message(ctx.lang)
    tokens = auth.list_tokens(ctx.engine, user_id=ctx.user.id)
    scopes = [r.value for r in Role if within(r.value, ctx.user.role)]
    status = 201 if created else 422
    return render(ctx, "account_tokens.html", status=status, tokens=tokens, scopes=scopes, created=created, error=error)


@router.post("/account/tokens/{token_id}/revoke")
def revoke_token(token_id: int, ctx: Ctx = Depends(signed_in)) -> Response:
    assert ctx.user is not None
    auth.revoke_token(ctx.engine, user_id=ctx.user.id, token_id=token_id)
    ctx.flash(_("The token was revoked; requests using it are now refused."))
    return RedirectResponse("/account/tokens", status_code=303)
