"""Resolving references in a batch of rows (a response's campaign, an opportunity's account …)
with one query per key and batch, cached for the rest of the file."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection, Table, select

from tenbin.db import schema
from tenbin.imports.convert import Converted
from tenbin.imports.dbio import fetch_ids

Row = dict[str, Any]
Missing = tuple[str, str, str, Any]  # field name, target label, key label, value


class Resolver:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.cache: dict[tuple[str, str], dict[Any, int | None]] = {}

    def ids(self, table: Table, column: str, values: Iterable[Any]) -> dict[Any, int | None]:
        """value → id (None when absent or ambiguous), cached per table column."""
        cache = self.cache.setdefault((table.name, column), {})
        todo = {v for v in values if v is not None and v not in cache}
        if todo:
            found = fetch_ids(self.conn, table, column, todo)
            for v in todo:
                hits = found.get(v, [])
                cache[v] = hits[0] if len(hits) == 1 else None
        return cache

    def resolve(self, entity: str, converted: list[Converted], rows: list[Row]) -> dict[int, Missing]:
        """Fill ``*_id`` columns in ``rows``; return the first missing reference of each bad row."""
        missing: dict[int, Missing] = {}
        steps = _STEPS.get(entity, ())
        for step in steps:
            step(self, converted, rows, missing)
        return missing

    # -- individual references ------------------------------------------------------------------
    def by_keys(
        self,
        converted: list[Converted],
        rows: list[Row],
        missing: dict[int, Missing],
        *,
        column: str,
        table: Table,
        keys: tuple[tuple[str, str, str], ...],
        target: str,
        required: bool,
    ) -> None:
        """Resolve ``column`` from the first key given among (field, table column, label)."""
        for field, db_column, _ in keys:
            self.ids(table, db_column, (_ref(c, field) for c in converted))
        for conv, row in zip(converted, rows, strict=True):
            if conv.row in missing:
                continue
            given = [(f, c, label, _ref(conv, f)) for f, c, label in keys if _ref(conv, f) is not None]
            if not given:
                if required:
                    missing[conv.row] = (keys[0][0], target, keys[0][2], "")
                continue
            field, db_column, label, value = given[0]
            ident = self.cache[(table.name, db_column)].get(value)
            if ident is None:
                missing[conv.row] = (field, target, label, value)
            else:
                row[column] = ident


def _ref(conv: Converted, field: str) -> Any:
    if field.startswith("account."):
        value = conv.account.get(field.removeprefix("account."))
        if field == "account.name" and value is not None:
            return value[1]  # (display, key) → the normalised key
        return value
    return conv.refs.get(field)


ACCOUNT_KEYS = (
    ("account.external_id", "external_id", "ID"),
    ("account.corporate_number", "corporate_number", "法人番号"),
    ("account.name", "name_key", "会社名"),
)
CONTACT_KEYS = (
    ("contact.external_id", "external_id", "ID"),
    ("contact.email", "email", "email"),
)


def _account(required: bool) -> Any:
    def step(r: Resolver, conv: list[Converted], rows: list[Row], missing: dict[int, Missing]) -> None:
        r.by_keys(
            conv,
            rows,
            missing,
            column="account_id",
            table=schema.accounts,
            keys=ACCOUNT_KEYS,
            target="企業 (account)",
            required=required,
        )

    return step


def _contact(required: bool) -> Any:
    def step(r: Resolver, conv: list[Converted], rows: list[Row], missing: dict[int, Missing]) -> None:
        r.by_keys(
            conv,
            rows,
            missing,
            column="contact_id",
            table=schema.contacts,
            keys=CONTACT_KEYS,
            target="担当者 (contact)",
            required=required,
        )

    return step


def _simple(column: str, table: Table, keys: tuple[tuple[str, str, str], ...], target: str, required: bool) -> Any:
    def step(r: Resolver, conv: list[Converted], rows: list[Row], missing: dict[int, Missing]) -> None:
        r.by_keys(conv, rows, missing, column=column, table=table, keys=keys, target=target, required=required)

    return step


def _values_ref(column: str, value_field: str, table: Table, db_columns: tuple[str, ...], target: str) -> Any:
    """A reference written in the entity's own field (e.g. a stage event's stage by code or name)."""

    def step(r: Resolver, conv: list[Converted], rows: list[Row], missing: dict[int, Missing]) -> None:
        for c in db_columns:
            r.ids(table, c, (row.get(value_field) for row in rows))
        for cv, row in zip(conv, rows, strict=True):
            value = row.pop(value_field, None)
            if value is None or cv.row in missing:
                continue
            ident = next(
                (
                    r.cache[(table.name, c)].get(value)
                    for c in db_columns
                    if r.cache[(table.name, c)].get(value) is not None
                ),
                None,
            )
            if ident is None:
                missing[cv.row] = (value_field, target, value_field, value)
            else:
                row[column] = ident

    return step


def _buying_group_account(r: Resolver, conv: list[Converted], rows: list[Row], missing: dict[int, Missing]) -> None:
    """A buying-group member belongs to the opportunity's account, else to the contact's."""
    opp_ids = {row["opportunity_id"] for row in rows if row.get("opportunity_id")}
    con_ids = {row["contact_id"] for row in rows if row.get("contact_id")}
    opps, cons = schema.opportunities, schema.contacts
    opp: dict[Any, Any] = {}
    con: dict[Any, Any] = {}
    if opp_ids:
        opp = {i: a for i, a in r.conn.execute(select(opps.c.id, opps.c.account_id).where(opps.c.id.in_(opp_ids)))}
    if con_ids:
        con = {i: a for i, a in r.conn.execute(select(cons.c.id, cons.c.account_id).where(cons.c.id.in_(con_ids)))}
    for cv, row in zip(conv, rows, strict=True):
        if cv.row in missing:
            continue
        account_id = opp.get(row.get("opportunity_id")) or con.get(row.get("contact_id"))
        if account_id is None:
            missing[cv.row] = (
                "contact.email",
                "企業 (account)",
                "担当者の企業",
                cv.refs.get("contact.email") or "",
            )
        else:
            row["account_id"] = account_id


_STEPS: dict[str, tuple[Any, ...]] = {
    "responses": (
        _contact(True),
        _simple(
            "campaign_id",
            schema.campaigns,
            (("campaign.external_id", "external_id", "ID"), ("campaign.name", "name", "施策名")),
            "施策 (campaign)",
            True,
        ),
        _simple("offer_id", schema.offers, (("offer.name", "name", "オファー名"),), "オファー (offer)", False),
    ),
    "stage-events": (
        _contact(False),
        _account(False),
        _values_ref("stage_id", "stage", schema.funnel_stages, ("code", "name_ja", "name_en"), "ステージ (stage)"),
    ),
    "opportunities": (_account(True), _contact(False)),
    "revenue": (_account(True),),
    "buying-group": (
        _contact(True),
        _simple(
            "opportunity_id",
            schema.opportunities,
            (("opportunity.external_id", "external_id", "ID"),),
            "商談 (opportunity)",
            False,
        ),
        _buying_group_account,
    ),
    "challenges": (
        _account(False),
        _contact(False),
        _values_ref("category_id", "category", schema.challenge_categories, ("name",), "課題カテゴリ (category)"),
    ),
    "members": (_simple("team_id", schema.teams, (("team.name", "name", "チーム名"),), "チーム (team)", True),),
}
