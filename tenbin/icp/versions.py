"""ICP definition versions: a rule (and optional weighted criteria with a threshold), the people's
evidence notes, and a frozen snapshot of the computed evidence. Versions are never edited: a change
is a new version. One version is current; every metric can be computed under any version
(:func:`version_condition`)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Connection, Engine, and_, func, select, update

from tenbin.auth.audit import record
from tenbin.db import schema
from tenbin.errors import Place, TenbinError
from tenbin.icp import errors as e
from tenbin.icp.attributes import Catalog, load_catalog
from tenbin.icp.compile import format_rule, score_sql, to_sql
from tenbin.icp.evidence import compute_evidence
from tenbin.icp.rules import Node, parse_rule

V = schema.icp_versions
MAX_CRITERIA = 30
MAX_NOTE = 5000


@dataclass(frozen=True)
class Criterion:
    rule: str
    weight: float


@dataclass(frozen=True)
class IcpVersion:
    id: int
    version: int
    name: str
    rules: str
    criteria: tuple[Criterion, ...]
    threshold: float | None
    author: str | None
    created_at: dt.datetime
    notes_ltv: str | None
    notes_fit: str | None
    notes_market: str | None
    evidence: dict[str, Any] | None
    is_current: bool


@dataclass(frozen=True)
class Definition:
    """A checked definition: the rule tree and the criteria trees."""

    node: Node | None
    criteria: tuple[tuple[Node, float], ...]
    threshold: float | None


def check_definition(
    catalog: Catalog, rules: str, criteria: list[Criterion] | None = None, threshold: float | None = None
) -> Definition:
    """Parse and check a definition; an empty rule is allowed only when criteria carry it."""
    criteria = criteria or []
    node = parse_rule(rules, catalog) if rules.strip() or not criteria else None
    if len(criteria) > MAX_CRITERIA:
        raise _criteria_error(MAX_CRITERIA + 1, f"at most {MAX_CRITERIA} criteria")
    trees = []
    for index, criterion in enumerate(criteria, start=1):
        if not criterion.weight > 0:
            raise _criteria_error(index, "the weight must be a positive number")
        try:
            trees.append((parse_rule(criterion.rule, catalog), float(criterion.weight)))
        except TenbinError as error:
            error.place.row = index
            raise
    if criteria and (threshold is None or not 0 <= threshold <= 100):
        raise _criteria_error(0, "set a threshold between 0 and 100")
    return Definition(node, tuple(trees), threshold if criteria else None)


def _criteria_error(index: int, problem: str) -> TenbinError:
    return TenbinError(e.ICP_CRITERIA_INVALID, {"index": index, "problem": problem}, Place(row=index or None))


def definition_sql(definition: Definition) -> ColumnElement[bool]:
    """Accounts matching the definition: the rule, and a fit score ≥ threshold when criteria exist."""
    parts = [to_sql(definition.node)] if definition.node is not None else []
    if definition.criteria and definition.threshold is not None:
        parts.append(score_sql(list(definition.criteria)) >= definition.threshold)
    return and_(*parts)


def _row(row: Any) -> IcpVersion:
    criteria = tuple(Criterion(str(c["rule"]), float(c["weight"])) for c in (row.criteria or []))
    return IcpVersion(
        row.id, row.version, row.name, row.rules, criteria, row.threshold, row.author, row.created_at,
        row.notes_ltv, row.notes_fit, row.notes_market, row.evidence, bool(row.is_current),
    )  # fmt: skip


def list_versions(conn: Connection) -> list[IcpVersion]:
    return [_row(r) for r in conn.execute(select(V).order_by(V.c.version.desc()))]


def get_version(conn: Connection, version: int | None = None) -> IcpVersion:
    """Version ``version``, or the current one when ``None``."""
    query = select(V).where(V.c.is_current.is_(True)) if version is None else select(V).where(V.c.version == version)
    row = conn.execute(query).first()
    if row is None:
        if version is None:
            raise TenbinError(e.ICP_NO_CURRENT, {})
        raise TenbinError(e.ICP_VERSION_NOT_FOUND, {"version": version}, Place(field="version"))
    return _row(row)


def version_definition(conn: Connection, version: IcpVersion, catalog: Catalog | None = None) -> Definition:
    return check_definition(catalog or load_catalog(conn), version.rules, list(version.criteria), version.threshold)


def version_condition(conn: Connection, version: int | None = None) -> ColumnElement[bool]:
    """The SQL condition "account matches ICP version ``version``" (current when ``None``)."""
    return definition_sql(version_definition(conn, get_version(conn, version)))


def _notes(value: str | None) -> str | None:
    text = (value or "").strip()
    return text[:MAX_NOTE] or None


def save_version(
    engine: Engine, *, name: str, rules: str, actor: str, criteria: list[Criterion] | None = None,
    threshold: float | None = None, notes_ltv: str | None = None, notes_fit: str | None = None,
    notes_market: str | None = None, adopt: bool = False, now: dt.datetime | None = None,
) -> IcpVersion:  # fmt: skip
    """Check, compute the evidence snapshot, and store a new version (optionally adopting it)."""
    with engine.begin() as conn:
        catalog = load_catalog(conn)
        definition = check_definition(catalog, rules, criteria, threshold)
        canonical = format_rule(definition.node) if definition.node is not None else ""
        condition = definition_sql(definition)
        evidence = compute_evidence(conn, condition, now=now).as_dict()
        number = int(conn.execute(select(func.coalesce(func.max(V.c.version), 0))).scalar_one()) + 1
        values = {
            "version": number, "name": (name or "").strip()[:200] or f"ICP v{number}", "rules": canonical,
            "criteria": [{"rule": format_rule(node), "weight": weight} for node, weight in definition.criteria] or None,
            "threshold": definition.threshold, "author": actor, "notes_ltv": _notes(notes_ltv),
            "notes_fit": _notes(notes_fit), "notes_market": _notes(notes_market), "evidence": evidence,
            "created_at": (now or dt.datetime.now(dt.UTC)).replace(tzinfo=None, microsecond=0),
        }  # fmt: skip
        conn.execute(V.insert().values(**values))
        record(conn, actor=actor, action="icp.version.create", entity="icp_versions", entity_id=str(number),
               detail={"name": values["name"], "rules": canonical, "criteria": values["criteria"]})  # fmt: skip
        if adopt:
            _adopt(conn, number, actor)
        return get_version(conn, number)


def adopt_version(engine: Engine, *, version: int, actor: str) -> IcpVersion:
    """Make ``version`` the current ICP (the previous current one stays, as history)."""
    with engine.begin() as conn:
        get_version(conn, version)
        _adopt(conn, version, actor)
        return get_version(conn, version)


def _adopt(conn: Connection, version: int, actor: str) -> None:
    before = conn.execute(select(V.c.version).where(V.c.is_current.is_(True))).scalar()
    conn.execute(update(V).where(V.c.is_current.is_(True)).values(is_current=False))
    conn.execute(update(V).where(V.c.version == version).values(is_current=True))
    record(conn, actor=actor, action="icp.version.adopt", entity="icp_versions", entity_id=str(version),
           detail={"before": before, "after": version})  # fmt: skip
