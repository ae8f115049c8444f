"""The ICP workbench: the current version with its evidence, a rule editor (a rule, and optional
weighted criteria with a fit-score threshold) with a live match count and live evidence, discovery
with the evidence gate and a side-by-side comparison, saving a new version with the three evidence
notes, and the versions with adoption.

Everyone signed in reads and experiments (checks, evidence and discovery change nothing); saving
and adopting need ICP_EDIT. Fragments answer htmx with 200 and show a rule's error in the reader's
language with its position, because htmx does not swap error responses. A save form carries a
one-time token, used as an idempotency key: a double submit creates one version.
"""

from __future__ import annotations

import json
import secrets
import time
from typing import Any

from fastapi import Depends, Form, Path, Query
from fastapi.responses import JSONResponse, RedirectResponse, Response
from pydantic import BaseModel

from tenbin.api.deps import ApiCtx
from tenbin.api.idempotency import API_IDEMPOTENCY_KEY_IN_PROGRESS, API_IDEMPOTENCY_KEY_REUSED, run_idempotent
from tenbin.auth.roles import Permission
from tenbin.errors import ErrorCode, Place, TenbinError
from tenbin.i18n import both
from tenbin.i18n import gettext as _
from tenbin.icp import report
from tenbin.icp import service as icp
from tenbin.icp.errors import ICP_NO_CURRENT, ICP_OPTION_INVALID, ICP_RULE_EMPTY
from tenbin.web import card
from tenbin.web.context import Ctx, requires
from tenbin.web.pages import page_router
from tenbin.web.pages.icp_criteria import FIELDS, CriteriaForm, Parsed, error_where, marked_text
from tenbin.web.render import render

router = page_router()

MAX_NOTE = 5000
MAX_RULE = 4000
WAIT_STEP, WAIT_STEPS = 0.25, 240  # a double submit waits up to a minute for the first to finish
RULE_FIELDS = ("ICP_RULE", "ICP_CRITERIA")
NOTE_FIELDS = ("notes_ltv", "notes_fit", "notes_market")

ICP_NOTE_TOO_LONG = ErrorCode(
    "ICP_NOTE_TOO_LONG",
    "This evidence note is {length} characters long; the limit is {limit}. Shorten it or link to a document.",
    "この根拠メモは {length} 文字あり、上限の {limit} 文字を超えています。短くするか、資料へのリンクにしてください。",
)
ICP_FORM_USED = ErrorCode(
    "ICP_FORM_USED",
    "This form was already used to save a version with other contents. Check the versions below; "
    "to save this rule as another version, send the form again.",
    "このフォームは別の内容で保存済みです。下のバージョン一覧を確認し、別バージョンとして保存する場合はもう一度送信してください。",
    409,
)


class _Saved(BaseModel):
    version: int
    current: bool


def _actor(ctx: Ctx) -> str:
    assert ctx.user is not None
    return ctx.user.username


def current_version(ctx: Ctx) -> icp.IcpVersion | None:
    try:
        return icp.get_icp_version(ctx.engine)
    except TenbinError as exc:
        if exc.code == ICP_NO_CURRENT.code:
            return None
        raise


def targets(ctx: Ctx) -> list[tuple[str, str]]:
    """Discovery targets: LTV, win rate, retention, then the numeric account attributes."""
    fixed = [("ltv", _("LTV (lifetime value)")), ("won", _("Win rate (won / closed deals)")),
             ("retained", _("12-month retention"))]  # fmt: skip
    numeric = [(a.key, a.label(ctx.lang)) for a in icp.list_attributes(ctx.engine) if a.kind == "number"]
    return fixed + numeric


def error_field(error: TenbinError) -> str:
    """The form field an error belongs to: the rule, a note, or the form as a whole."""
    if error.code.startswith(RULE_FIELDS):
        return "rules"
    if error.place.field in NOTE_FIELDS:
        return str(error.place.field)
    return "form"


def mark(rules: str, position: int | None) -> dict[str, Any] | None:
    """The rule around ``position`` (1-based) split for highlighting: before, at, after."""
    if not position or position < 1:
        return None
    i = min(position - 1, len(rules))
    start, end = max(0, i - 40), min(len(rules), i + 41)
    return {"before": ("…" if start else "") + rules[start:i], "at": rules[i : i + 1] or " ",
            "after": rules[i + 1 : end] + ("…" if end < len(rules) else ""), "position": position}  # fmt: skip


def _workbench(ctx: Ctx, *, form: dict[str, Any] | None = None, error: TenbinError | None = None,
               rule: str = "") -> Response:  # fmt: skip
    current = current_version(ctx)
    form = form or {"rules": rule}
    criteria = CriteriaForm(tuple(tuple(r) for r in form.get("criteria", ())), form.get("threshold", ""))
    marked = mark(marked_text(form.get("rules", ""), criteria, error), error.place.position) if error else None
    return render(
        ctx, "icp.html", status=error.status if error else 200, current=current, form=form, error=error,
        versions=icp.list_icp_versions(ctx.engine), targets=targets(ctx), attributes=icp.list_attributes(ctx.engine),
        error_field=error_field(error) if error else None, form_token=secrets.token_urlsafe(18),
        marked=marked, where=error_where(error) if error else None, criteria_rows=list(criteria.rows) or [("", "1")],
        criteria_threshold=criteria.threshold, criteria_fields=FIELDS,
    )  # fmt: skip


@router.get("/icp")
def workbench(rule: str = Query("", max_length=MAX_RULE), ctx: Ctx = requires(Permission.VIEW)) -> Response:
    return _workbench(ctx, rule=rule)


def _rule_error(ctx: Ctx, template: str, rules: str, criteria: CriteriaForm, exc: TenbinError) -> Response:
    marked = mark(marked_text(rules, criteria, exc), exc.place.position)
    return render(ctx, template, error=exc, marked=marked, where=error_where(exc), result=None)


def criteria_form(
    criterion_rule: list[str] = Form([], description="the rule of each weighted criterion, in row order"),
    criterion_weight: list[str] = Form([], description="the weight of each criterion, as typed"),
    threshold: str = Form("", description="the fit-score threshold, 0–100"),
) -> CriteriaForm:
    return CriteriaForm.read(criterion_rule, criterion_weight, threshold)


Criteria = Depends(criteria_form)


def _definition(parsed: Parsed) -> dict[str, Any]:
    """What the fragments say about the criteria: how many, and the threshold."""
    return {"criteria": len(parsed.criteria), "threshold": parsed.threshold}


@router.post("/icp/check")
def check(rules: str = Form(""), criteria: CriteriaForm = Criteria, ctx: Ctx = requires(Permission.VIEW)) -> Response:
    """The live match count of the rule and criteria: canonical rule and counts, or the error at its
    position (in the criterion's row for a criterion)."""
    try:
        parsed = criteria.parse()
        result = parsed.run(lambda c, t: icp.check_rule(ctx.engine, rules=rules, criteria=c, threshold=t))
    except TenbinError as exc:
        if exc.code == ICP_RULE_EMPTY.code and not exc.place.row:
            return render(ctx, "icp_check.html", error=None, marked=None, result=None)
        return _rule_error(ctx, "icp_check.html", rules, criteria, exc)
    return render(ctx, "icp_check.html", error=None, marked=None, result=result, **_definition(parsed))


@router.post("/icp/evidence")
def evidence(
    rules: str = Form(""), criteria: CriteriaForm = Criteria, ctx: Ctx = requires(Permission.VIEW)
) -> Response:
    """The live evidence of the rule and criteria in the editor (nothing is saved)."""
    try:
        parsed = criteria.parse()
        ev = parsed.run(lambda c, t: icp.rule_evidence(ctx.engine, rules=rules, criteria=c, threshold=t)).as_dict()
        canonical = parsed.run(lambda c, t: icp.check_rule(ctx.engine, rules=rules, criteria=c, threshold=t)).rule
    except TenbinError as exc:
        return _rule_error(ctx, "icp_evidence.html", rules, criteria, exc)
    return render(ctx, "icp_evidence.html", error=None, marked=None, result=ev, rule=canonical,
                  chart=card.evidence_chart(ev), **_definition(parsed))  # fmt: skip


def reason_text(code: str) -> str:
    en, ja = report.REASONS.get(code, (code, code))
    return both(ja, en)


def discovery_view(ctx: Ctx, found: icp.Discovery) -> dict[str, Any]:
    """The discovery's JSON shape plus what the page needs: the target's kind and reasons in words."""
    data = report.discovery_dict(found)
    data["kind"] = "yen" if found.options.target == "ltv" else ("pct" if found.binary else "num")
    data["target_name"] = dict(targets(ctx)).get(found.options.target, found.options.target)
    for c in data["candidates"]:
        c["reason_texts"] = [reason_text(r) for r in c["reasons"]]
        c["note_texts"] = [reason_text(n) for n in c["notes"]]
    return data


def _whole_number(option: str, text: str, default: int | None) -> int | None:
    """A form field holding a whole number; blank means the default."""
    text = text.strip()
    if not text:
        return default
    try:
        return int(text)
    except ValueError:
        raise TenbinError(
            ICP_OPTION_INVALID,
            {"option": option, "value": text, "problem": both("整数", "a whole number")},
            Place(field=option),
        ) from None


@router.post("/icp/discover")
def discover(
    target: str = Form("ltv"),
    depth: int = Form(3),
    min_support: str = Form(""),
    ltv_basis: str = Form("cumulative"),
    seed: str = Form(""),
    ctx: Ctx = requires(Permission.VIEW),
) -> Response:
    """Run discovery; the candidates with evidence, gate and a side-by-side comparison. The smallest
    subgroup (blank: max(10, 2 %)), LTV as cumulative or annualised revenue, and the seed of the
    random split are the options the CLI and API have too."""
    try:
        found = icp.discover_icp(
            ctx.engine, target=target, depth=depth, min_support=_whole_number("min_support", min_support, None),
            seed=_whole_number("seed", seed, 0) or 0,
            ltv_basis="annualised" if ltv_basis == "annualised" else "cumulative",
        )  # fmt: skip
    except TenbinError as exc:
        return render(ctx, "icp_discovery.html", error=exc, d=None)
    return render(ctx, "icp_discovery.html", error=None, d=discovery_view(ctx, found))


def _check_notes(form: dict[str, Any]) -> None:
    for name in NOTE_FIELDS:
        if len(form[name]) > MAX_NOTE:
            raise TenbinError(ICP_NOTE_TOO_LONG, {"length": len(form[name]), "limit": MAX_NOTE}, Place(field=name))


def _save_once(ctx: Ctx, form: dict[str, Any], parsed: Parsed, token: str) -> JSONResponse:
    """Save through the idempotency helper keyed by the form's one-time token; a second submit of
    the same form waits for the first and gets its answer."""
    assert ctx.user is not None
    api_ctx = ApiCtx(ctx.request, ctx.engine, ctx.settings, ctx.user, ctx.user.role, ctx.lang)
    key = f"web-icp-version:{token}" if token else None

    def create() -> _Saved:
        saved = parsed.run(lambda criteria, threshold: icp.save_icp_version(
            ctx.engine, name=form["name"], rules=form["rules"], criteria=criteria, threshold=threshold,
            actor=_actor(ctx), notes_ltv=form["notes_ltv"], notes_fit=form["notes_fit"],
            notes_market=form["notes_market"], adopt=form["adopt"] == "1",
        ))  # fmt: skip
        return _Saved(version=saved.version, current=saved.is_current)

    for _step in range(WAIT_STEPS):
        try:
            return run_idempotent(api_ctx, key=key, body=form, create=create)
        except TenbinError as exc:
            if exc.code != API_IDEMPOTENCY_KEY_IN_PROGRESS.code:
                raise
            time.sleep(WAIT_STEP)
    return run_idempotent(api_ctx, key=key, body=form, create=create)


@router.post("/icp/versions")
def save_version(
    name: str = Form(""), rules: str = Form(""), criteria: CriteriaForm = Criteria, notes_ltv: str = Form(""),
    notes_fit: str = Form(""), notes_market: str = Form(""), adopt: str = Form(""), form_token: str = Form(""),
    ctx: Ctx = requires(Permission.ICP_EDIT),
) -> Response:  # fmt: skip
    """Save the editor's rule and weighted criteria as a new version with its notes (and adopt it when
    asked)."""
    form = {"name": name, "rules": rules, **criteria.as_dict(), "notes_ltv": notes_ltv, "notes_fit": notes_fit,
            "notes_market": notes_market, "adopt": "1" if adopt else ""}  # fmt: skip
    try:
        _check_notes(form)
        response = _save_once(ctx, form, criteria.parse(), form_token[:150])
    except TenbinError as exc:
        if exc.code == API_IDEMPOTENCY_KEY_REUSED.code:
            exc = TenbinError(ICP_FORM_USED, {})
        return _workbench(ctx, form=form, error=exc)
    saved = json.loads(bytes(response.body))
    if response.headers.get("idempotent-replayed"):
        ctx.flash(_("This form was already saved as version %(version)s.") % {"version": saved["version"]})
    elif saved["current"]:
        ctx.flash(_("Saved version %(version)s; it is now the current ICP.") % {"version": saved["version"]})
    else:
        ctx.flash(_("Saved version %(version)s.") % {"version": saved["version"]})
    return RedirectResponse(f"/icp/versions/{saved['version']}", status_code=303)


@router.post("/icp/versions/{version}/adopt")
def adopt(version: int = Path(ge=1, le=1_000_000), ctx: Ctx = requires(Permission.ICP_EDIT)) -> Response:
    icp.adopt_icp_version(ctx.engine, version=version, actor=_actor(ctx))
    ctx.flash(_("Version %(version)s is now the current ICP.") % {"version": version})
    return RedirectResponse("/icp", status_code=303)
