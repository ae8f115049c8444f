"""Why an account (or a lead, through its account) matches an ICP definition or not: every condition
with the account's own value and whether it holds, evaluated by the same SQL as the match."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Connection, case, func, literal, select

from tenbin.db import schema
from tenbin.errors import Place, TenbinError
from tenbin.icp import errors as e
from tenbin.icp.attributes import Attribute
from tenbin.icp.compile import format_condition, format_rule, score_sql, to_sql
from tenbin.icp.rules import Cond, Node, conditions
from tenbin.icp.versions import Definition, definition_sql

A = schema.accounts


@dataclass(frozen=True)
class ConditionCheck:
    condition: str  # canonical text
    attribute: Attribute
    op: str
    expected: tuple[Any, ...]
    actual: tuple[Any, ...]  # the account's values (several for challenges), () when missing
    holds: bool
    weight: float | None = None  # for weighted criteria


@dataclass(frozen=True)
class Explanation:
    account_id: int
    account_name: str
    contact_id: int | None
    matches: bool
    rule_checks: tuple[ConditionCheck, ...]
    criteria_checks: tuple[ConditionCheck, ...]
    score: float | None
    threshold: float | None


def _flag(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return case((condition, literal(1)), else_=literal(0))


def _actual(conn: Connection, attribute: Attribute, account_id: int) -> tuple[Any, ...]:
    if attribute.source == "column":
        assert attribute.column is not None
        value = conn.execute(select(A.c[attribute.column]).where(A.c.id == account_id)).scalar()
        return () if value is None else (value,)
    if attribute.source == "custom":
        cv = schema.custom_values
        query = select(cv.c.value_text).where(cv.c.attribute_id == attribute.attribute_id, cv.c.record_id == account_id)
        return tuple(conn.execute(query).scalars())
    ch, cat = schema.challenges, schema.challenge_categories
    if attribute.source == "challenge_category":
        query = (
            select(cat.c.name).distinct().select_from(ch.join(cat, cat.c.id == ch.c.category_id))
            .where(ch.c.account_id == account_id).order_by(cat.c.name)
        )  # fmt: skip
        return tuple(conn.execute(query).scalars())
    tags: set[str] = set()
    for value in conn.execute(select(ch.c.tags).where(ch.c.account_id == account_id)).scalars():
        tags.update(str(t) for t in (value or []))
    return tuple(sorted(tags))


def _check(conn: Connection, cond: Cond, account_id: int, holds: bool, weight: float | None) -> ConditionCheck:
    actual = _actual(conn, cond.attribute, account_id)
    return ConditionCheck(format_condition(cond), cond.attribute, cond.op, cond.values, actual, holds, weight)


def _flags(conn: Connection, nodes: list[Node], account_id: int) -> list[bool]:
    if not nodes:
        return []
    row = conn.execute(select(*[_flag(to_sql(n)) for n in nodes]).where(A.c.id == account_id)).one()
    return [bool(v) for v in row]


def _criteria(conn: Connection, definition: Definition, account_id: int) -> tuple[list[ConditionCheck], float | None]:
    """Each weighted criterion (shown by its first condition) and the account's 0–100 fit score."""
    if not definition.criteria:
        return [], None
    nodes = [node for node, _ in definition.criteria]
    score_query = select(func.coalesce(score_sql(list(definition.criteria)), 0)).where(A.c.id == account_id)
    score = float(conn.execute(score_query).scalar_one())
    checks = []
    for (node, weight), holds in zip(definition.criteria, _flags(conn, nodes, account_id), strict=True):
        first = conditions(node)[0]
        check = _check(conn, first, account_id, holds, weight)
        checks.append(ConditionCheck(format_rule(node), *astuple_tail(check)))
    return checks, score


def astuple_tail(check: ConditionCheck) -> tuple[Any, ...]:
    return (check.attribute, check.op, check.expected, check.actual, check.holds, check.weight)


def explain_account(conn: Connection, definition: Definition, *, account_id: int | None = None,
                    contact_id: int | None = None) -> Explanation:  # fmt: skip
    """Explain the match of an account, or of a lead by its account."""
    if contact_id is not None:
        c = schema.contacts
        row = conn.execute(select(c.c.account_id).where(c.c.id == contact_id)).first()
        if row is None:
            raise TenbinError(e.ICP_RECORD_NOT_FOUND, {"entity": "lead / リード", "record_id": contact_id},
                              Place(field="contact_id"))  # fmt: skip
        account_id = row[0]
        if account_id is None:
            raise TenbinError(e.ICP_LEAD_WITHOUT_ACCOUNT, {"record_id": contact_id}, Place(field="contact_id"))
    found = conn.execute(select(A.c.name, _flag(definition_sql(definition))).where(A.c.id == account_id)).first()
    if found is None or account_id is None:
        raise TenbinError(e.ICP_RECORD_NOT_FOUND, {"entity": "account / 企業", "record_id": account_id},
                          Place(field="account_id"))  # fmt: skip
    conds = conditions(definition.node) if definition.node is not None else []
    flags = _flags(conn, list(conds), account_id)
    rule_checks = [_check(conn, c, account_id, holds, None) for c, holds in zip(conds, flags, strict=True)]
    criteria_checks, score = _criteria(conn, definition, account_id)
    return Explanation(
        int(account_id), str(found[0]), contact_id, bool(found[1]), tuple(rule_checks), tuple(criteria_checks),
        score, definition.threshold,
    )  # fmt: skip
