"""The lead page: everything an inside-sales manager needs to act on one lead, on one page.

The person and company (linked to the records pages); ICP fit with the conditions met and missed
(the same explanation as the records detail page); the win likelihood with every factor's
contribution; the buying-group map (key roles as cards, missing ones as gaps); the offer history on
the ladder; the challenges (課題) of the lead and its company; the routing history with overrides.
Users with ``routing.override`` can reassign the lead (a reason is required) or mark it handled.
Everyone signed in reads it (``view``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from fastapi import Form
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import Connection, and_, case, func, or_, select

from tenbin.auth.roles import Permission
from tenbin.crm import records as rec
from tenbin.db import schema
from tenbin.engagement.service import AccountEngagement, account_engagement
from tenbin.errors import TenbinError
from tenbin.i18n import N_
from tenbin.i18n import gettext as _
from tenbin.likelihood.service import LeadScore, score_contacts
from tenbin.routing import errors as rt_errors
from tenbin.routing import text as rt
from tenbin.routing import views
from tenbin.routing.manage import mark_handled, override_decision
from tenbin.routing.service import current_decision, decision_of
from tenbin.web.context import Ctx, requires
from tenbin.web.pages import page_router
from tenbin.web.pages.records import _icp_explanation
from tenbin.web.render import render

router = page_router()

# The key roles of a buying group, in the order of the map (DOMAIN.md §5, issue 6).
KEY_ROLES = ("decision_maker", "budget_holder", "user_department", "it_evaluator", "champion", "influencer")
ROLE_LABELS = dict(rec.BG_ROLES)
STANCE_LABELS = dict(rec.STANCES)
FACTOR_LABELS = {
    "consensus": N_("Buying-group consensus"),
    "opposition": N_("Opposition"),
    "budget_fit": N_("Budget fit"),
    "offer_rung": N_("Offer ladder rung"),
    "recency": N_("Recency"),
}


def labels(lang: str) -> dict[str, Any]:
    """The routing slice's labels (quadrant, action, trigger, team kind) in the reader's language."""
    return {
        f"{name}_labels": {key: rt.label(table, key, lang) for key in table}
        for name, table in (("quadrant", rt.QUADRANT_LABELS), ("action", rt.ACTION_LABELS),
                            ("trigger", rt.TRIGGER_LABELS), ("kind", rt.KIND_LABELS))
    }  # fmt: skip


def reason_text(lang: str) -> Any:
    """A template helper: a decision's reason as one sentence in the reader's language."""

    def text(reason: dict[str, Any] | None) -> str:
        if not reason:
            return ""
        return str(reason.get("en" if lang == "en" else "ja") or reason.get("ja") or "")

    return text


@dataclass(frozen=True)
class GroupMember:
    contact_id: int
    name: str
    department: str | None
    title: str | None
    role: str
    engagement: int
    stance: str


@dataclass(frozen=True)
class RoleCard:
    role: str
    members: tuple[GroupMember, ...]  # empty: a gap in the buying group


@dataclass(frozen=True)
class OfferStep:
    responded_at: dt.datetime
    campaign_id: int
    campaign: str
    offer: str | None
    rung: int | None
    highest: bool


@dataclass(frozen=True)
class Challenge:
    id: int
    statement: str
    category: str | None
    observed_on: dt.date | None
    own: bool  # linked to this lead (otherwise to its company)


def _person(conn: Connection, contact_id: int) -> dict[str, Any]:
    c, a = schema.contacts, schema.accounts
    row = conn.execute(
        select(c, a.c.name.label("account_name"), a.c.is_named_account.label("is_named_account"))
        .select_from(c.outerjoin(a, a.c.id == c.c.account_id))
        .where(c.c.id == contact_id)
    ).first()
    if row is None:
        raise TenbinError(rec.RECORD_NOT_FOUND, {"entity": "contacts", "id": contact_id})
    person = dict(row._mapping)
    person["name"] = (
        " ".join(p for p in (person["last_name"], person["first_name"]) if p) or person["email"] or f"#{contact_id}"
    )
    return person


def buying_group(conn: Connection, account_id: int | None) -> tuple[tuple[RoleCard, ...], tuple[GroupMember, ...]]:
    """The account's buying group as one card per key role (empty = a gap), and members of other roles.

    A person listed under several opportunities of the account appears once per role (latest row).
    """
    if account_id is None:
        return tuple(RoleCard(r, ()) for r in KEY_ROLES), ()
    bg, c = schema.buying_group_members, schema.contacts
    name = rec.person_name(c)
    rows = conn.execute(
        select(bg.c.contact_id, name.label("name"), c.c.department, c.c.title, bg.c.role, bg.c.engagement, bg.c.stance)
        .join(c, c.c.id == bg.c.contact_id)
        .where(bg.c.account_id == account_id)
        .order_by(bg.c.role, bg.c.contact_id, bg.c.id.desc())
    ).all()
    seen: set[tuple[str, int]] = set()
    members: list[GroupMember] = []
    for r in rows:
        key = (r.role, int(r.contact_id))
        if key in seen:
            continue
        seen.add(key)
        members.append(GroupMember(int(r.contact_id), r.name or f"#{r.contact_id}", r.department, r.title, r.role,
                                   int(r.engagement), r.stance))  # fmt: skip
    cards = tuple(RoleCard(role, tuple(m for m in members if m.role == role)) for role in KEY_ROLES)
    return cards, tuple(m for m in members if m.role not in KEY_ROLES)


def offer_history(conn: Connection, contact_id: int) -> tuple[OfferStep, ...]:
    """The lead's responses in time order, each with its campaign, offer and ladder rung."""
    r, cp, o = schema.responses, schema.campaigns, schema.offers
    rows = conn.execute(
        select(
            r.c.responded_at,
            cp.c.id.label("campaign_id"),
            cp.c.name.label("campaign"),
            o.c.name.label("offer"),
            o.c.ladder_rank.label("rung"),
        )
        .join(cp, cp.c.id == r.c.campaign_id)
        .outerjoin(o, o.c.id == r.c.offer_id)
        .where(r.c.contact_id == contact_id)
        .order_by(r.c.responded_at, r.c.id)
    ).all()
    top = max((int(x.rung) for x in rows if x.rung is not None), default=None)
    return tuple(
        OfferStep(x.responded_at, int(x.campaign_id), x.campaign, x.offer, x.rung, top is not None and x.rung == top)
        for x in rows
    )


def challenges(conn: Connection, contact_id: int, account_id: int | None) -> tuple[Challenge, ...]:
    """The challenges (課題) linked to the lead or to its company, newest first."""
    ch, cat = schema.challenges, schema.challenge_categories
    linked = ch.c.contact_id == contact_id
    if account_id is not None:
        linked = or_(linked, ch.c.account_id == account_id)
    rows = conn.execute(
        select(
            ch.c.id,
            ch.c.statement,
            cat.c.name.label("category"),
            ch.c.observed_on,
            case((ch.c.contact_id == contact_id, True), else_=False).label("own"),
        )
        .outerjoin(cat, cat.c.id == ch.c.category_id)
        .where(linked)
        .order_by(ch.c.observed_on.desc().nulls_last(), ch.c.id.desc())
        .limit(50)
    ).all()
    return tuple(Challenge(int(x.id), x.statement, x.category, x.observed_on, bool(x.own)) for x in rows)


def _opportunities(conn: Connection, contact_id: int, account_id: int | None) -> list[dict[str, Any]]:
    o = schema.opportunities
    cond = o.c.contact_id == contact_id
    if account_id is not None:
        cond = or_(cond, o.c.account_id == account_id)
    rows = conn.execute(
        select(o.c.id, o.c.name, o.c.status, o.c.amount, o.c.budget, o.c.stage, o.c.created_on)
        .where(and_(cond))
        .order_by(case((o.c.status == "open", 0), else_=1), o.c.created_on.desc().nulls_last(), o.c.id.desc())
        .limit(10)
    ).all()
    return [dict(r._mapping) for r in rows]


def _response_count(conn: Connection, contact_id: int) -> int:
    r = schema.responses
    return int(conn.execute(select(func.count()).where(r.c.contact_id == contact_id)).scalar_one())


def factor_rows(score: LeadScore | None, lang: str) -> list[dict[str, Any]]:
    """Each factor with its sentence in ``lang`` and a bar width (percent of half the bar) scaled so
    that the largest contribution on the page fills it (at least one logit unit for the full half)."""
    if score is None:
        return []
    scale = max([abs(f.contribution) for f in score.factors] + [1.0])
    return [
        {"key": f.key, "value": f.value, "contribution": f.contribution,
         "text": f.text_en if lang == "en" else f.text_ja, "width": round(50 * abs(f.contribution) / scale, 1)}
        for f in score.factors
    ]  # fmt: skip


@router.get("/leads/{contact_id}")
def lead_page(contact_id: int, ctx: Ctx = requires(Permission.VIEW)) -> Response:
    with ctx.engine.connect() as conn:
        person = _person(conn, contact_id)
        account_id = person["account_id"]
        cards, others = buying_group(conn, account_id)
        offers = offer_history(conn, contact_id)
        found = challenges(conn, contact_id, account_id)
        deals = _opportunities(conn, contact_id, account_id)
        score = score_contacts(conn, [contact_id]).get(contact_id)
        decision = current_decision(conn, contact_id)
        engagement: AccountEngagement | None = None if account_id is None else account_engagement(conn, account_id)
        history = [decision_of(r) for r in views.history_rows(conn, contact_id)]
        teams = _teams(conn) if ctx.can(Permission.ROUTING_OVERRIDE) and decision is not None else []
    return render(
        ctx,
        "leads/lead.html",
        person=person,
        icp=_icp_explanation(ctx, "contacts", contact_id),
        cards=cards,
        others=others,
        gaps=[c.role for c in cards if not c.members],
        offers=offers,
        challenges=found,
        deals=deals,
        role_labels=ROLE_LABELS,
        stance_labels=STANCE_LABELS,
        status_labels=dict(rec.STATUSES),
        score=score,
        factors=factor_rows(score, ctx.lang),
        factor_labels=FACTOR_LABELS,
        decision=decision,
        engagement=engagement,
        handled_at=None if decision is None else decision.handled_at,
        history=history[::-1],  # newest first
        teams=teams,
        reason_text=reason_text(ctx.lang),
        **labels(ctx.lang),
    )


def _teams(conn: Connection) -> list[dict[str, Any]]:
    """Teams with their active members, for the override form."""
    t, m = schema.teams, schema.team_members
    members: dict[int, list[dict[str, Any]]] = {}
    for r in conn.execute(select(m.c.id, m.c.team_id, m.c.name).where(m.c.is_active.is_(True)).order_by(m.c.name)):
        members.setdefault(int(r.team_id), []).append({"id": int(r.id), "name": r.name})
    return [{"id": int(r.id), "name": r.name, "kind": r.kind, "members": members.get(int(r.id), [])}
            for r in conn.execute(select(t.c.id, t.c.name, t.c.kind).order_by(t.c.kind, t.c.name))]  # fmt: skip


def _target(ctx: Ctx, raw: str) -> tuple[int, int | None] | None:
    """``team:ID`` or ``member:ID`` from the override form → (team id, member id)."""
    kind, _sep, number = raw.partition(":")
    if not number.isascii() or not number.isdigit() or len(number) > 18:
        return None
    if kind == "team":
        return int(number), None
    if kind == "member":
        m = schema.team_members
        with ctx.engine.connect() as conn:
            team = conn.execute(select(m.c.team_id).where(m.c.id == int(number))).scalar_one_or_none()
        return None if team is None else (int(team), int(number))
    return None


@router.post("/leads/{contact_id}/override")
def override_page(
    contact_id: int, target: str = Form(""), reason: str = Form(""), ctx: Ctx = requires(Permission.ROUTING_OVERRIDE)
) -> Response:
    """A manager moves the lead to another team or member, with a reason (audited by the routing slice).
    A refusal (no reason, the member is full, nothing changes) is shown on the lead page."""
    assert ctx.user is not None
    chosen = _target(ctx, target.strip()[:40])
    try:
        if chosen is None:
            raise TenbinError(rt_errors.ROUTING_TEAM_NOT_FOUND, {"team": target[:40]})
        override_decision(ctx.engine, contact_id=contact_id, team=chosen[0], member=chosen[1], actor=ctx.user.username,
                          reason=reason)  # fmt: skip
    except TenbinError as error:
        if error.error in (rt_errors.ROUTING_LEAD_NOT_FOUND, rec.RECORD_NOT_FOUND):
            raise
        ctx.flash(f"{error.code}: {error.message(ctx.lang)}", "error")
    else:
        ctx.flash(_("The assignment was changed. The reason is kept in the routing history."))
    return RedirectResponse(f"/leads/{contact_id}#routing-history", status_code=303)


@router.post("/leads/{contact_id}/handled")
def handled_page(contact_id: int, ctx: Ctx = requires(Permission.ROUTING_OVERRIDE)) -> Response:
    """The assignee handled the lead: its SLA timer stops."""
    assert ctx.user is not None
    try:
        mark_handled(ctx.engine, contact_id=contact_id, actor=ctx.user.username)
    except TenbinError as error:
        ctx.flash(f"{error.code}: {error.message(ctx.lang)}", "error")
    else:
        ctx.flash(_("Marked handled: the response timer stopped."))
    return RedirectResponse(f"/leads/{contact_id}#routing-history", status_code=303)
