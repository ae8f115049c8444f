"""Real-time intake: one request, one transaction — the lead and its records, then the ICP fit with
its reasons, the win likelihood with its factors and the routing decision, answered together.

A repeated request (the same lead again) updates instead of duplicating, and routing is idempotent:
the lead keeps its current decision when nothing changed, so a retry never makes a second assignment.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection

from tenbin.errors import TenbinError
from tenbin.icp import errors as icp_errors
from tenbin.icp.explain import ConditionCheck, explain_account
from tenbin.icp.versions import Definition, IcpVersion, definition_sql, get_version, version_definition
from tenbin.intake.parse import parse_request
from tenbin.intake.records import Written, write_lead
from tenbin.likelihood.service import LeadScore, score_contacts
from tenbin.routing import errors as routing_errors
from tenbin.routing import state
from tenbin.routing.service import Decision, local_now, route_contact
from tenbin.webhooks.outbox import enqueue

EVENT = "lead.received"
_definitions: dict[tuple[int, str, str], tuple[Definition, state.Icp]] = {}
_definitions_lock = threading.Lock()


def _compiled(conn: Connection, version: IcpVersion) -> tuple[Definition, state.Icp]:
    """The parsed definition of an ICP version and its SQL condition, kept per process (a version's
    text never changes; the key holds the text, so an edited version is parsed again)."""
    key = (version.id, version.rules, repr((version.criteria, version.threshold)))
    found = _definitions.get(key)
    if found is None:
        definition = version_definition(conn, version)
        found = (definition, state.Icp(version, definition_sql(definition)))
        with _definitions_lock:
            if len(_definitions) > 32:
                _definitions.clear()
            _definitions[key] = found
    return found


def _definition(conn: Connection, version: IcpVersion) -> Definition:
    return _compiled(conn, version)[0]


def _show(check: ConditionCheck, value: Any, lang: str) -> str:
    if check.attribute.choices:
        return check.attribute.choice_label(str(value), lang)
    return str(value)


def _reason(check: ConditionCheck) -> dict[str, Any]:
    actual_ja = "、".join(_show(check, v, "ja") for v in check.actual) or "未登録"
    actual_en = ", ".join(_show(check, v, "en") for v in check.actual) or "not recorded"
    return {
        "condition": check.condition,
        "holds": check.holds,
        "weight": check.weight,
        "actual": [v if isinstance(v, int | float | str | bool) else str(v) for v in check.actual],
        "ja": f"{check.condition}: {'該当' if check.holds else '非該当'}(値: {actual_ja})",
        "en": f"{check.condition}: {'met' if check.holds else 'not met'} (value: {actual_en})",
    }


def current_version(conn: Connection) -> IcpVersion | None:
    try:
        return get_version(conn)
    except TenbinError as error:
        if error.error is not icp_errors.ICP_NO_CURRENT:
            raise
        return None


def icp_fit(conn: Connection, account_id: int, version: IcpVersion | None) -> dict[str, Any]:
    """Whether the company matches the adopted ICP version, with every condition and the company's value."""
    if version is None:
        note = TenbinError(icp_errors.ICP_NO_CURRENT, {})
        return {"version": None, "matches": False, "score": None, "threshold": None, "reasons": [],
                "note": {"ja": note.message("ja"), "en": note.message("en")}}  # fmt: skip
    explanation = explain_account(conn, _definition(conn, version), account_id=account_id)
    checks = (*explanation.rule_checks, *explanation.criteria_checks)
    return {
        "version": version.version,
        "name": version.name,
        "matches": explanation.matches,
        "score": explanation.score,
        "threshold": explanation.threshold,
        "reasons": [_reason(c) for c in checks],
    }


def likelihood_of(score: LeadScore | None) -> dict[str, Any] | None:
    if score is None:
        return None
    return {
        "probability": round(score.probability, 4),
        "band": score.band,
        "threshold": score.threshold,
        "model_id": score.model_id,
        "factors": [
            {"key": f.key, "value": f.value, "contribution": round(f.contribution, 4), "ja": f.text_ja, "en": f.text_en}
            for f in score.factors
        ],
    }


def routing_of(decision: Decision) -> dict[str, Any]:
    return {
        "decision_id": decision.id,
        "quadrant": decision.quadrant,
        "action": decision.action,
        "team_id": decision.team_id,
        "team": decision.team_name,
        "member_id": decision.member_id,
        "member": decision.member_name,
        "watch": decision.watch,
        "trigger": decision.trigger,
        "decided_at": decision.decided_at.isoformat(),
        "reason": {"ja": decision.reason.get("ja"), "en": decision.reason.get("en")},
    }


def answer(written: Written, icp: dict[str, Any], likelihood: dict[str, Any] | None,
           routing: dict[str, Any] | None) -> dict[str, Any]:  # fmt: skip
    return {
        "lead": {"id": written.contact_id, "created": written.contact_created},
        "account": {"id": written.account_id, "name": written.account_name, "created": written.account_created,
                    "is_named_account": written.is_named_account},
        "response": {"id": written.response_id, "created": written.response_created,
                     "campaign_id": written.campaign_id, "offer_id": written.offer_id},
        "opportunity_id": written.opportunity_id,
        "icp": icp,
        "likelihood": likelihood,
        "quadrant": None if routing is None else routing["quadrant"],
        "routing": routing,
    }  # fmt: skip


def intake(conn: Connection, data: Mapping[str, Any], *, actor: str, now: dt.datetime | None = None) -> dict[str, Any]:
    """Run one intake inside the caller's write transaction and return the JSON-ready answer.

    Validation errors raise before anything is written (the caller's transaction rolls back).
    """
    request = parse_request(data)
    now = now or local_now()
    written = write_lead(conn, request, now=now)
    version = current_version(conn)
    icp = icp_fit(conn, written.account_id, version)
    scores = score_contacts(conn, [written.contact_id], as_of=now)
    routing = None
    if version is not None:
        icp_sql = _compiled(conn, version)[1]
        decision = route_contact(conn, written.contact_id, trigger="intake", actor=actor, now=now, scores=scores,
                                 icp=icp_sql)  # fmt: skip
        routing = routing_of(decision)
    result = answer(written, icp, likelihood_of(scores.get(written.contact_id)), routing)
    if routing is None:
        refusal = TenbinError(routing_errors.ROUTING_NO_ICP, {})
        result["routing_note"] = {"ja": refusal.message("ja"), "en": refusal.message("en")}
    team_id = None if routing is None else routing["team_id"]
    enqueue(conn, team_id=team_id, event=EVENT, payload=result)
    return result
