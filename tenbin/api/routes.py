"""The API router: ``/api/v1``. Slices add their routers with :func:`include`."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from pydantic import BaseModel

from tenbin.api.deps import ApiCtx, api_ctx
from tenbin.auth.roles import PERMISSIONS, Role

router = APIRouter(prefix="/api/v1")


class MePublic(BaseModel):
    username: str
    display_name: str | None
    role: str
    token_scope: str
    permissions: list[str]
    locale: str


@router.get("/me", tags=["users"], summary="The token's user and what the token may do")
def get_me(ctx: ApiCtx = Depends(api_ctx)) -> MePublic:
    u = ctx.user
    return MePublic(
        username=u.username,
        display_name=u.display_name,
        role=u.role,
        token_scope=ctx.scope,
        permissions=sorted(p.value for p in PERMISSIONS[Role(ctx.scope)]),
        locale=u.locale,
    )
