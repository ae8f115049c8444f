"""Records of the workspace as lists and detail views: 企業, リード, 施策, 商談, 売上, 課題, 反応, 購買グループ.

One :class:`RecordType` per entity describes its list (columns over a base ``SELECT``, which are
sortable and filterable, the default sort) and its detail (every column of the table, the names of
the records it points to, its custom attributes, and — for an account — its related records).
The web pages and the REST API both use these definitions, so the two never disagree.

Lists count and page in the database: the base query selects only what is shown (names of linked
records are correlated scalar subqueries, which a ``COUNT`` ignores), and the default order is the
primary key, descending, so the first page of a 1,000,000-lead workspace reads 50 index entries.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Engine,
    Select,
    Table,
    and_,
    func,
    literal,
    or_,
    select,
)

from tenbin.db import schema
from tenbin.errors import ErrorCode, TenbinError
from tenbin.i18n import N_

RECORDS_UNKNOWN_ENTITY = ErrorCode(
    "RECORDS_UNKNOWN_ENTITY",
    "There is no record type {entity}. Choose one of: {choices}.",
    "レコードの種類 {entity} はありません。次のいずれかを選んでください: {choices}。",
    404,
)
RECORD_NOT_FOUND = ErrorCode(
    "RECORD_NOT_FOUND",
    "There is no {entity} record with id {id}. It may have been deleted or re-imported; search the list.",
    "{entity} に ID {id} のレコードはありません。"
    "削除または再インポートされた可能性があります。一覧から検索してください。",
    404,
)

MAX_SIZE = 200
MAX_PAGE = 10**7
RELATED_ROWS = 5
EXCERPT = 80

TEXT_KINDS = ("text", "code")


@dataclass(frozen=True)
class Field:
    """A column of a list: ``key`` is its label in the base query."""

    key: str
    label: str  # English, translated when shown
    kind: str = "text"  # text | number | yen | date | datetime | bool | code
    sortable: bool = True
    filter: str | None = None  # None | "text" (contains) | "choice" (equals)
    choices: tuple[tuple[str, str], ...] = ()  # (value, English label); empty: the web fills them
    link: tuple[str, str] | None = None  # (entity, key of the id in the row): a link to that record


@dataclass(frozen=True)
class RecordType:
    entity: str  # URL slug, also the import entity name and attribute_definitions.entity
    label: str  # English plural ("Accounts"), translated when shown
    singular: str
    table: Table
    fields: tuple[Field, ...]
    query: Callable[[], Select[Any]]  # selects every field's key, plus the ids links need
    title: Callable[[Mapping[str, Any]], str]  # a record's name in headings
    search: tuple[str, ...] = ()
    empty: str = "Nothing here yet."
    account_key: str | None = None  # the row's account id column (lists can be filtered by it)
    default_sort: str = "id"
    default_desc: bool = True

    def field(self, key: str) -> Field | None:
        return next((f for f in self.fields if f.key == key), None)

    @property
    def sortable(self) -> tuple[str, ...]:
        return tuple(f.key for f in self.fields if f.sortable)

    @property
    def filters(self) -> tuple[Field, ...]:
        return tuple(f for f in self.fields if f.filter)


# -- base queries -----------------------------------------------------------------------------------

a, c, cp, o = schema.accounts, schema.contacts, schema.campaigns, schema.opportunities
rv, ch, cc = schema.revenue_lines, schema.challenges, schema.challenge_categories
rs, of, bg = schema.responses, schema.offers, schema.buying_group_members


def person_name(table: Table) -> ColumnElement[Any]:
    """「姓 名」, or whichever part is known."""
    last, first = func.coalesce(table.c.last_name, ""), func.coalesce(table.c.first_name, "")
    both = func.trim(last + literal(" ") + first)
    return func.nullif(both, "")


def _account_name(fk: ColumnElement[Any]) -> ColumnElement[Any]:
    return select(a.c.name).where(a.c.id == fk).correlate_except(a).scalar_subquery()


def _contact_name(fk: ColumnElement[Any]) -> ColumnElement[Any]:
    return select(person_name(c)).where(c.c.id == fk).correlate_except(c).scalar_subquery()


def _name_of(table: Table, fk: ColumnElement[Any]) -> ColumnElement[Any]:
    return select(table.c.name).where(table.c.id == fk).correlate_except(table).scalar_subquery()


def _accounts() -> Select[Any]:
    return select(
        a.c.id,
        a.c.name,
        a.c.corporate_number,
        a.c.industry_code,
        a.c.employees,
        a.c.employee_band,
        a.c.prefecture_code,
        a.c.listing,
        a.c.customer_since,
        a.c.is_named_account,
        a.c.name_kana,
        a.c.domain,
    )


def _contacts() -> Select[Any]:
    return select(
        c.c.id,
        person_name(c).label("name"),
        _account_name(c.c.account_id).label("company"),
        c.c.email,
        c.c.department,
        c.c.title,
        c.c.acquired_at,
        c.c.source,
        c.c.account_id,
    )


def _campaigns() -> Select[Any]:
    return select(cp.c.id, cp.c.name, cp.c.channel, cp.c.orientation, cp.c.starts_on, cp.c.ends_on, cp.c.cost)


def _opportunities() -> Select[Any]:
    return select(
        o.c.id,
        o.c.name,
        _account_name(o.c.account_id).label("company"),
        o.c.amount,
        o.c.stage,
        o.c.status,
        o.c.created_on,
        o.c.closed_on,
        o.c.account_id,
    )


def _revenue() -> Select[Any]:
    return select(
        rv.c.id,
        _account_name(rv.c.account_id).label("company"),
        rv.c.recognized_on,
        rv.c.amount,
        rv.c.product,
        rv.c.account_id,
    )


def _challenges() -> Select[Any]:
    return select(
        ch.c.id,
        func.substr(ch.c.statement, 1, EXCERPT).label("excerpt"),
        _account_name(ch.c.account_id).label("company"),
        _name_of(cc, ch.c.category_id).label("category"),
        ch.c.source_type,
        ch.c.observed_on,
        ch.c.statement,
        ch.c.account_id,
    )


def _responses() -> Select[Any]:
    return select(
        rs.c.id,
        _contact_name(rs.c.contact_id).label("contact"),
        _name_of(cp, rs.c.campaign_id).label("campaign"),
        _name_of(of, rs.c.offer_id).label("offer"),
        rs.c.responded_at,
        rs.c.status,
        rs.c.contact_id,
        rs.c.campaign_id,
    )


def _buying_group() -> Select[Any]:
    return select(
        bg.c.id,
        _contact_name(bg.c.contact_id).label("contact"),
        _account_name(bg.c.account_id).label("company"),
        _name_of(o, bg.c.opportunity_id).label("opportunity"),
        bg.c.role,
        bg.c.engagement,
        bg.c.stance,
        bg.c.contact_id,
        bg.c.account_id,
        bg.c.opportunity_id,
    )


def _name(row: Mapping[str, Any]) -> str:
    return str(row.get("name") or f"#{row['id']}")


def _contact_title(row: Mapping[str, Any]) -> str:
    name = " ".join(p for p in (row.get("last_name"), row.get("first_name")) if p)
    return name or str(row.get("email") or f"#{row['id']}")


def _challenge_title(row: Mapping[str, Any]) -> str:
    text = str(row.get("statement") or "")
    return (text[:40] + "…") if len(text) > 40 else text or f"#{row['id']}"


def _id_title(row: Mapping[str, Any]) -> str:
    return f"#{row['id']}"


ID = Field("id", N_("ID"), "number")
COMPANY = Field("company", N_("Company"), filter="text", link=("accounts", "account_id"))
ORIENTATIONS = (("quantity", N_("Quantity (量重視)")), ("quality", N_("Quality (質重視)")))
STATUSES = (("open", N_("Open")), ("won", N_("Won")), ("lost", N_("Lost")))
STANCES = (("support", N_("Support")), ("neutral", N_("Neutral")), ("oppose", N_("Oppose")), ("unknown", N_("Unknown")))
BG_ROLES = (
    ("decision_maker", N_("Decision maker")),
    ("budget_holder", N_("Budget holder")),
    ("user_department", N_("User department")),
    ("it_evaluator", N_("IT evaluator")),
    ("influencer", N_("Influencer")),
    ("champion", N_("Champion")),
)

_TYPES = (
    RecordType(
        "accounts",
        N_("Accounts"),
        N_("Account"),
        a,
        (
            ID,
            Field("name", N_("Name"), filter="text", link=("accounts", "id")),
            Field("corporate_number", N_("Corporate number"), "code", filter="text"),
            Field("industry_code", N_("Industry (JSIC)"), "code", filter="choice"),
            Field("employees", N_("Employees"), "number"),
            Field("employee_band", N_("Employee band"), filter="text"),
            Field("prefecture_code", N_("Prefecture"), "code", filter="choice"),
            Field("listing", N_("Listing"), filter="choice"),
            Field("customer_since", N_("Customer since"), "date"),
            Field("is_named_account", N_("Named account"), "bool", sortable=False),
        ),
        _accounts,
        _name,
        search=("name", "name_kana", "corporate_number", "domain"),
        empty=N_("No accounts yet. Import your company list (CSV or Excel) to fill it."),
    ),
    RecordType(
        "contacts",
        N_("Leads"),
        N_("Lead"),
        c,
        (
            ID,
            # 1,000,000 leads: name and company are computed, so sorting by them would sort every row;
            # sort by the indexed columns (id, email, acquired at) and filter by company from its page.
            Field("name", N_("Name"), sortable=False, filter="text", link=("contacts", "id")),
            Field("company", N_("Company"), sortable=False, link=("accounts", "account_id")),
            Field("email", N_("Email"), filter="text"),
            Field("department", N_("Department"), filter="text"),
            Field("title", N_("Title"), filter="text"),
            Field("acquired_at", N_("Acquired at"), "datetime"),
            Field("source", N_("Source"), filter="text"),
        ),
        _contacts,
        _contact_title,
        search=("email", "name"),
        empty=N_("No leads yet. Import your leads (CSV or Excel; Salesforce and HubSpot exports work as they are)."),
        account_key="account_id",
    ),
    RecordType(
        "campaigns",
        N_("Campaigns"),
        N_("Campaign"),
        cp,
        (
            ID,
            Field("name", N_("Name"), filter="text", link=("campaigns", "id")),
            Field("channel", N_("Channel"), filter="text"),
            Field("orientation", N_("Orientation"), filter="choice", choices=ORIENTATIONS),
            Field("starts_on", N_("Starts on"), "date"),
            Field("ends_on", N_("Ends on"), "date"),
            Field("cost", N_("Cost"), "yen"),
        ),
        _campaigns,
        _name,
        search=("name", "channel"),
        empty=N_("No campaigns yet. Import your campaigns with their channel and orientation (量 / 質)."),
    ),
    RecordType(
        "opportunities",
        N_("Opportunities"),
        N_("Opportunity"),
        o,
        (
            ID,
            Field("name", N_("Name"), filter="text", link=("opportunities", "id")),
            COMPANY,
            Field("amount", N_("Amount"), "yen"),
            Field("stage", N_("Stage"), filter="text"),
            Field("status", N_("Status"), filter="choice", choices=STATUSES),
            Field("created_on", N_("Created on"), "date"),
            Field("closed_on", N_("Closed on"), "date"),
        ),
        _opportunities,
        _name,
        search=("name", "company"),
        empty=N_("No opportunities yet. Import your deals (won, lost and open) to see them here."),
        account_key="account_id",
    ),
    RecordType(
        "revenue",
        N_("Revenue"),
        N_("Revenue line"),
        rv,
        (
            Field("id", N_("ID"), "number", link=("revenue", "id")),
            COMPANY,
            Field("recognized_on", N_("Recognized on"), "date"),
            Field("amount", N_("Amount"), "yen"),
            Field("product", N_("Product"), filter="text"),
        ),
        _revenue,
        _id_title,
        search=("company", "product"),
        empty=N_("No revenue lines yet. Import your sales ledger (one row per invoice or month) to see LTV."),
        account_key="account_id",
        default_sort="recognized_on",
    ),
    RecordType(
        "challenges",
        N_("Challenges"),
        N_("Challenge"),
        ch,
        (
            ID,
            Field("excerpt", N_("Challenge"), sortable=False, link=("challenges", "id")),
            COMPANY,
            Field("category", N_("Category"), filter="text"),
            Field("source_type", N_("Source type"), filter="choice"),
            Field("observed_on", N_("Captured on"), "date"),
        ),
        _challenges,
        _challenge_title,
        search=("statement", "company"),
        empty=N_("The challenge DB is empty. Import notes from sales, inside sales and support to build it."),
        account_key="account_id",
    ),
    RecordType(
        "responses",
        N_("Responses"),
        N_("Response"),
        rs,
        (
            Field("id", N_("ID"), "number", link=("responses", "id")),
            Field("contact", N_("Lead"), filter="text", link=("contacts", "contact_id")),
            Field("campaign", N_("Campaign"), filter="text", link=("campaigns", "campaign_id")),
            Field("offer", N_("Offer"), filter="text"),
            Field("responded_at", N_("Responded at"), "datetime"),
            Field("status", N_("Status"), filter="text"),
        ),
        _responses,
        _id_title,
        search=("contact", "campaign"),
        empty=N_("No responses yet. Import campaign responses (who responded to which campaign, when)."),
    ),
    RecordType(
        "buying-group",
        N_("Buying groups"),
        N_("Buying-group member"),
        bg,
        (
            Field("id", N_("ID"), "number", link=("buying-group", "id")),
            Field("contact", N_("Lead"), filter="text", link=("contacts", "contact_id")),
            COMPANY,
            Field("opportunity", N_("Opportunity"), filter="text", link=("opportunities", "opportunity_id")),
            Field("role", N_("Role"), filter="choice", choices=BG_ROLES),
            Field("engagement", N_("Engagement"), "number"),
            Field("stance", N_("Stance"), filter="choice", choices=STANCES),
        ),
        _buying_group,
        _id_title,
        search=("contact", "company", "opportunity"),
        empty=N_("No buying-group members yet. Import who takes part in each deal and their role."),
        account_key="account_id",
    ),
)
RECORD_TYPES: dict[str, RecordType] = {t.entity: t for t in _TYPES}


def record_type(entity: str) -> RecordType:
    found = RECORD_TYPES.get(entity)
    if found is None:
        raise TenbinError(RECORDS_UNKNOWN_ENTITY, {"entity": entity[:100], "choices": ", ".join(RECORD_TYPES)})
    return found


# -- lists ------------------------------------------------------------------------------------------


def _clean(value: str) -> str:
    """A query value as the database accepts it (PostgreSQL refuses NUL in text)."""
    return value.replace("\x00", "").strip()[:200]


@dataclass(frozen=True)
class Query:
    sort: str
    desc: bool
    page: int = 1
    size: int = 50
    q: str = ""
    filters: Mapping[str, str] | None = None
    account_id: int | None = None


@dataclass(frozen=True)
class Page:
    rows: list[dict[str, Any]]
    total: int
    page: int
    size: int


def filtered(rt: RecordType, query: Query) -> Select[Any]:
    """The base query with the free-text search, the per-field filters and the account filter."""
    sub = rt.query().subquery("l")
    stmt = select(sub)
    for key, raw in (query.filters or {}).items():
        f, value = rt.field(key), _clean(raw)
        if f is None or not f.filter or not value:
            continue
        if f.filter == "choice":
            stmt = stmt.where(sub.c[key] == value)
        else:
            stmt = stmt.where(func.lower(sub.c[key]).contains(value.lower(), autoescape=True))
    needle = _clean(query.q).lower()
    if needle and rt.search:
        stmt = stmt.where(or_(*(func.lower(sub.c[k]).contains(needle, autoescape=True) for k in rt.search)))
    if query.account_id is not None and rt.account_key:
        stmt = stmt.where(sub.c[rt.account_key] == query.account_id)
    return stmt


def list_records(engine: Engine, rt: RecordType, query: Query) -> Page:
    """One page of ``rt``'s list, counted and paged in SQL; the id breaks ties so pages never overlap."""
    stmt = filtered(rt, query)
    cols = stmt.selected_columns
    key = cols[query.sort]
    column = rt.table.c.get(query.sort)
    if column is not None and not column.nullable:  # plain order: PostgreSQL's index serves it
        order = key.desc() if query.desc else key.asc()
    else:  # NULLs last in both directions, on both databases
        order = key.desc().nulls_last() if query.desc else key.asc().nulls_last()
    tiebreak = cols["id"].desc() if query.desc else cols["id"].asc()
    size = min(max(query.size, 1), MAX_SIZE)
    page = min(max(query.page, 1), MAX_PAGE)
    ordered = stmt.order_by(order, tiebreak) if query.sort != "id" else stmt.order_by(tiebreak)
    with engine.connect() as conn:
        total = int(conn.execute(select(func.count()).select_from(stmt.subquery())).scalar_one())
        rows = [dict(r._mapping) for r in conn.execute(ordered.limit(size).offset((page - 1) * size))]
    return Page(rows, total, page, size)


# -- detail -----------------------------------------------------------------------------------------

HIDDEN = frozenset({"name_key"})  # internal columns never shown

# the names of the records a row points to: column → (label key in the result, query)
REFS: dict[str, Callable[[ColumnElement[Any]], ColumnElement[Any]]] = {
    "account_id": _account_name,
    "contact_id": _contact_name,
    "campaign_id": lambda fk: _name_of(cp, fk),
    "offer_id": lambda fk: _name_of(of, fk),
    "opportunity_id": lambda fk: _name_of(o, fk),
    "category_id": lambda fk: _name_of(cc, fk),
}
REF_ENTITY = {
    "account_id": "accounts",
    "contact_id": "contacts",
    "campaign_id": "campaigns",
    "opportunity_id": "opportunities",
}


def ref_key(column: str) -> str:
    """``account_id`` → ``account_name``: where a detail row holds the linked record's name."""
    return column.removesuffix("_id") + "_name"


def detail_columns(rt: RecordType) -> list[str]:
    return [col.name for col in rt.table.columns if col.name not in HIDDEN]


@dataclass(frozen=True)
class CustomValue:
    key: str
    label: str
    type: str
    value: str
    number: float | None


@dataclass(frozen=True)
class Related:
    entity: str
    total: int
    rows: list[dict[str, Any]]


@dataclass(frozen=True)
class Detail:
    rt: RecordType
    row: dict[str, Any]
    custom: list[CustomValue]
    related: list[Related]

    @property
    def title(self) -> str:
        return self.rt.title(self.row)


RELATED_OF_ACCOUNT = ("contacts", "opportunities", "revenue", "challenges")


def get_record(engine: Engine, rt: RecordType, record_id: int, *, related: bool = True) -> Detail:
    t = rt.table
    refs = [REFS[col.name](t.c[col.name]).label(ref_key(col.name)) for col in t.columns if col.name in REFS]
    stmt = select(*(t.c[name] for name in detail_columns(rt)), *refs).where(t.c.id == record_id)
    with engine.connect() as conn:
        found = conn.execute(stmt).first()
        if found is None:
            raise TenbinError(RECORD_NOT_FOUND, {"entity": rt.entity, "id": record_id})
        row = dict(found._mapping)
        defs, values = schema.attribute_definitions, schema.custom_values
        custom = [
            CustomValue(m["key"], m["label"], m["type"], m["value_text"], m["value_number"])
            for m in (
                r._mapping
                for r in conn.execute(
                    select(defs.c.key, defs.c.label, defs.c.type, values.c.value_text, values.c.value_number)
                    .join(values, values.c.attribute_id == defs.c.id)
                    .where(and_(defs.c.entity == rt.entity, values.c.record_id == record_id))
                    .order_by(defs.c.label, defs.c.id)
                )
            )
        ]
    linked: list[Related] = []
    if related and rt.entity == "accounts":
        for entity in RELATED_OF_ACCOUNT:
            other = RECORD_TYPES[entity]
            page = list_records(
                engine,
                other,
                Query(other.default_sort, other.default_desc, size=RELATED_ROWS, account_id=record_id),
            )
            linked.append(Related(entity, page.total, page.rows))
    return Detail(rt, row, custom, linked)


def account_name(engine: Engine, account_id: int) -> str | None:
    with engine.connect() as conn:
        name = conn.execute(select(a.c.name).where(a.c.id == account_id)).scalar_one_or_none()
    return None if name is None else str(name)


# Labels of every column a detail page shows (English; translated when shown).
COLUMN_LABELS: dict[str, str] = {
    "id": N_("ID"),
    "external_id": N_("External ID"),
    "corporate_number": N_("Corporate number"),
    "name": N_("Name"),
    "name_kana": N_("Name (kana)"),
    "domain": N_("Domain"),
    "industry_code": N_("Industry (JSIC)"),
    "industry_text": N_("Industry (as imported)"),
    "employees": N_("Employees"),
    "employee_band": N_("Employee band"),
    "revenue": N_("Annual revenue"),
    "revenue_band": N_("Revenue band"),
    "prefecture_code": N_("Prefecture"),
    "city": N_("City"),
    "address": N_("Address"),
    "postal_code": N_("Postal code"),
    "phone": N_("Phone"),
    "listing": N_("Listing"),
    "is_named_account": N_("Named account"),
    "customer_since": N_("Customer since"),
    "owner": N_("Owner"),
    "created_at": N_("Created"),
    "updated_at": N_("Updated"),
    "account_id": N_("Company"),
    "contact_id": N_("Lead"),
    "campaign_id": N_("Campaign"),
    "offer_id": N_("Offer"),
    "opportunity_id": N_("Opportunity"),
    "category_id": N_("Category"),
    "last_name": N_("Last name"),
    "first_name": N_("First name"),
    "last_name_kana": N_("Last name (kana)"),
    "first_name_kana": N_("First name (kana)"),
    "email": N_("Email"),
    "department": N_("Department"),
    "title": N_("Title"),
    "level": N_("Level"),
    "source": N_("Source"),
    "lifecycle_stage": N_("Lifecycle stage"),
    "acquired_at": N_("Acquired at"),
    "channel": N_("Channel"),
    "orientation": N_("Orientation"),
    "starts_on": N_("Starts on"),
    "ends_on": N_("Ends on"),
    "cost": N_("Cost"),
    "description": N_("Description"),
    "responded_at": N_("Responded at"),
    "status": N_("Status"),
    "amount": N_("Amount"),
    "budget": N_("Budget"),
    "stage": N_("Stage"),
    "lost_reason": N_("Lost reason"),
    "created_on": N_("Created on"),
    "closed_on": N_("Closed on"),
    "recognized_on": N_("Recognized on"),
    "gross_profit": N_("Gross profit"),
    "product": N_("Product"),
    "role": N_("Role"),
    "engagement": N_("Engagement"),
    "stance": N_("Stance"),
    "statement": N_("Challenge"),
    "detail": N_("Detail"),
    "tags": N_("Tags"),
    "source_type": N_("Source type"),
    "observed_on": N_("Captured on"),
    "author": N_("Author"),
}

# How a detail page formats a column (the rest is text).
COLUMN_KINDS: dict[str, str] = {
    "employees": "number",
    "engagement": "number",
    "revenue": "yen",
    "cost": "yen",
    "amount": "yen",
    "budget": "yen",
    "gross_profit": "yen",
    "customer_since": "date",
    "starts_on": "date",
    "ends_on": "date",
    "created_on": "date",
    "closed_on": "date",
    "recognized_on": "date",
    "observed_on": "date",
    "created_at": "datetime",
    "updated_at": "datetime",
    "acquired_at": "datetime",
    "responded_at": "datetime",
    "is_named_account": "bool",
    "corporate_number": "code",
    "external_id": "code",
    "industry_code": "code",
    "prefecture_code": "code",
    "tags": "list",
    "statement": "note",
    "detail": "note",
    "description": "note",
}
