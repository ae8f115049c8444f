"""ICP over the REST API: attributes, rule checks with live counts and evidence, discovery,
versions (list, show, save, adopt) and explanations. Every department reads; saving and adopting a
version needs ``icp.edit`` (marketing, admin). Saving honours an ``Idempotency-Key`` header."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header, Query
from fastapi import Path as FastApiPath
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field, RootModel

from tenbin.api.deps import ApiCtx, api_requires
from tenbin.api.idempotency import run_idempotent
from tenbin.auth.roles import Permission
from tenbin.icp import report
from tenbin.icp import service as icp

router = APIRouter(prefix="/api/v1/icp", tags=["icp"])
MAX_ID = 2**53
Version = Annotated[int, FastApiPath(ge=1, le=1_000_000, description="The version number")]
IDEMPOTENCY = Header(None, alias="Idempotency-Key", description="A unique string: a retry with it creates nothing new")


class CriterionIn(BaseModel):
    rule: str = Field(max_length=4000)
    weight: float = Field(gt=0, le=1000)


class RuleIn(BaseModel):
    rules: str = Field(max_length=4000, description='e.g. industry = "E" and employees between 300 and 999')
    criteria: list[CriterionIn] = Field(default_factory=list, max_length=30)
    threshold: float | None = Field(None, ge=0, le=100, description="fit-score threshold (0–100) for criteria")
    evidence: bool = Field(False, description="also compute the full evidence (slower)")


class VersionIn(BaseModel):
    name: str = Field("", max_length=200)
    rules: str = Field(max_length=4000)
    criteria: list[CriterionIn] = Field(default_factory=list, max_length=30)
    threshold: float | None = Field(None, ge=0, le=100)
    notes_ltv: str | None = Field(None, max_length=5000, description="LTV evidence (LTV の根拠)")
    notes_fit: str | None = Field(None, max_length=5000, description="fit evidence (相性の根拠)")
    notes_market: str | None = Field(None, max_length=5000, description="market evidence (市場の根拠)")
    adopt: bool = False


class DiscoverIn(BaseModel):
    target: str = Field("ltv", max_length=200, description="ltv | won | retained | a numeric account attribute")
    depth: int = Field(3, ge=1, le=3)
    min_support: int | None = Field(None, ge=2, le=1_000_000_000)
    top_k: int = Field(10, ge=1, le=50)
    seed: int = Field(0, ge=0, le=2**31)
    ltv_basis: Literal["cumulative", "annualised"] = "cumulative"
    outside_current: bool = Field(False, description="new-ICP candidates: customers the current ICP misses")


class Result(RootModel[dict[str, Any]]):
    pass


def _criteria(items: list[CriterionIn]) -> list[icp.Criterion]:
    return [icp.Criterion(c.rule, c.weight) for c in items]


@router.get("/attributes", summary="Attributes a rule may use")
def get_attributes(ctx: ApiCtx = api_requires(Permission.VIEW)) -> list[dict[str, Any]]:
    return [
        {"key": a.key, "label": a.label(ctx.lang), "kind": a.kind, "aliases": list(a.aliases),
         "choices": [{"code": c, "label": ja if ctx.lang == "ja" else en} for c, ja, en in a.choices]}
        for a in icp.list_attributes(ctx.engine)
    ]  # fmt: skip


@router.post("/check", summary="Check a rule: canonical text, live match counts, optional evidence")
def post_check(body: RuleIn, ctx: ApiCtx = api_requires(Permission.VIEW)) -> dict[str, Any]:
    criteria = _criteria(body.criteria)
    result = icp.check_rule(ctx.engine, rules=body.rules, criteria=criteria, threshold=body.threshold)
    evidence = None
    if body.evidence:
        evidence = icp.rule_evidence(ctx.engine, rules=body.rules, criteria=criteria, threshold=body.threshold)
    return {"rule": result.rule, "accounts": result.accounts, "accounts_total": result.accounts_total,
            "customers": result.customers, "customers_total": result.customers_total,
            "evidence": evidence.as_dict() if evidence else None}  # fmt: skip


@router.post("/discover", summary="Discover ICP candidates with evidence and the gate result")
def post_discover(body: DiscoverIn, ctx: ApiCtx = api_requires(Permission.VIEW)) -> dict[str, Any]:
    result = icp.discover_icp(ctx.engine, **body.model_dump())
    return report.discovery_dict(result)


@router.get("/versions", summary="ICP versions, newest first")
def get_versions(ctx: ApiCtx = api_requires(Permission.VIEW)) -> list[dict[str, Any]]:
    return [report.version_dict(v) for v in icp.list_icp_versions(ctx.engine)]


@router.get("/versions/current", summary="The current ICP version")
def get_current(ctx: ApiCtx = api_requires(Permission.VIEW)) -> dict[str, Any]:
    return report.version_dict(icp.get_icp_version(ctx.engine))


@router.get("/versions/{version}", summary="One ICP version with its notes and frozen evidence")
def get_version(version: Version, ctx: ApiCtx = api_requires(Permission.VIEW)) -> dict[str, Any]:
    return report.version_dict(icp.get_icp_version(ctx.engine, version=version))


@router.post("/versions", status_code=201, response_model=Result, summary="Save a new ICP version")
def post_version(
    body: VersionIn, idempotency_key: str | None = IDEMPOTENCY, ctx: ApiCtx = api_requires(Permission.ICP_EDIT)
) -> JSONResponse:
    def create() -> Result:
        fields = body.model_dump(exclude={"criteria"})
        saved = icp.save_icp_version(ctx.engine, **fields, criteria=_criteria(body.criteria),
                                     actor=ctx.user.username)  # fmt: skip
        return Result(report.version_dict(saved))

    return run_idempotent(ctx, key=idempotency_key, body=body.model_dump(mode="json"), create=create)


@router.post("/versions/{version}/adopt", summary="Make a version the current ICP")
def post_adopt(version: Version, ctx: ApiCtx = api_requires(Permission.ICP_EDIT)) -> dict[str, Any]:
    return report.version_dict(icp.adopt_icp_version(ctx.engine, version=version, actor=ctx.user.username))


@router.get("/candidates", summary="New-ICP candidates: high-value customers outside the ICP, grouped")
def get_candidates(
    version: int | None = Query(None, ge=1, le=1_000_000, description="default: the current version"),
    top_k: int = Query(10, ge=1, le=50),
    ctx: ApiCtx = api_requires(Permission.VIEW),
) -> dict[str, Any]:
    return report.new_candidates_dict(icp.new_icp_candidates(ctx.engine, version=version, top_k=top_k))


@router.get("/explain", summary="Which conditions an account or lead meets")
def get_explain(
    account_id: int | None = Query(None, ge=1, le=MAX_ID),
    contact_id: int | None = Query(None, ge=1, le=MAX_ID),
    version: int | None = Query(None, ge=1, le=1_000_000, description="default: the current version"),
    ctx: ApiCtx = api_requires(Permission.VIEW),
) -> dict[str, Any]:
    if (account_id is None) == (contact_id is None):
        from tenbin.errors import Place, TenbinError
        from tenbin.icp.errors import ICP_OPTION_INVALID

        raise TenbinError(ICP_OPTION_INVALID, {"option": "account_id / contact_id", "value": None,
                                               "problem": "give exactly one"}, Place(field="account_id"))  # fmt: skip
    e = icp.explain_icp(ctx.engine, version=version, account_id=account_id, contact_id=contact_id)
    return report.explanation_dict(e)
