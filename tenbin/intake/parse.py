"""The intake request, checked and normalised with the import slice's converters (the same
名寄せ keys as a file import: lower-cased email, 法人番号 with its check digit, company name key)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from tenbin.errors import Place, TenbinError
from tenbin.imports import normalize as n
from tenbin.imports.entities import ACCOUNT_FIELDS, CONTACT_FIELDS
from tenbin.imports.handlers import derive_account, derive_contact
from tenbin.imports.specs import ROLES, STANCES, engagement, money_nonnegative
from tenbin.intake import errors as e

Row = dict[str, Any]
_ACCOUNT = {f.name: f.convert for f in ACCOUNT_FIELDS}
_CONTACT = {f.name: f.convert for f in CONTACT_FIELDS}

LEAD_FIELDS = (
    "email", "last_name", "first_name", "last_name_kana", "first_name_kana", "phone", "department", "title", "level",
    "source",
)  # fmt: skip
COMPANY_FIELDS = (
    "name", "corporate_number", "domain", "industry", "employees", "revenue", "prefecture", "city", "address",
    "postal_code", "phone", "listing",
)  # fmt: skip


@dataclass(frozen=True)
class IntakeRequest:
    contact: Row  # contacts columns (only the fields given)
    account: Row  # accounts columns (only the fields given), with name/name_key when a name was given
    campaign: str | int
    offer: str | int | None
    responded_at: dt.datetime | None
    role: str | None
    stance: str | None
    engagement: int | None
    budget: int | None


# What the columns hold (PostgreSQL INTEGER / BIGINT), and dates Python can represent in local time.
LIMITS = {"company.employees": 2**31 - 1, "company.revenue": 2**62, "budget": 2**62}
MAX_ID = 2**62


def _convert(convert: Callable[[Any], Any], value: Any, place: str) -> Any:
    try:
        result = convert(value)
    except OverflowError:
        raise TenbinError(
            e.INTAKE_FIELD_INVALID,
            {"field": place, "reason": {"ja": "範囲外の値です", "en": "the value is out of range"}},
            Place(field=place),
        ) from None
    except TenbinError as error:
        raise TenbinError(
            e.INTAKE_FIELD_INVALID,
            {"field": place, "reason": {"ja": error.message("ja"), "en": error.message("en")}},
            Place(field=place),
        ) from error
    limit = LIMITS.get(place)
    if limit is not None and isinstance(result, int) and not 0 <= result <= limit:
        raise TenbinError(e.INTAKE_FIELD_OUT_OF_RANGE, {"field": place, "min": 0, "max": f"{limit:,}",
                                                        "value": result}, Place(field=place))  # fmt: skip
    return result


def _section(data: Mapping[str, Any], name: str) -> Mapping[str, Any]:
    value = data.get(name)
    return value if isinstance(value, Mapping) else {}


def _required(place: str) -> TenbinError:
    return TenbinError(e.INTAKE_FIELD_REQUIRED, {"field": place}, Place(field=place))


def _ref(value: Any) -> str | int | None:
    """A campaign or offer given by id (an integer) or by name."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return value if 0 < value <= MAX_ID else str(value)  # not an id: looked up (and not found) by name
    return str(n.nfkc_text(str(value)) or "")


def _fields(section: Mapping[str, Any], names: tuple[str, ...], converters: dict[str, Any], prefix: str) -> Row:
    row: Row = {}
    for name in names:
        value = _convert(converters[name], section.get(name), f"{prefix}.{name}")
        if value is not None:
            row[name] = value
    return row


def _contact(lead: Mapping[str, Any]) -> Row:
    contact = _fields(lead, LEAD_FIELDS, _CONTACT, "lead")
    if "email" not in contact:
        raise _required("lead.email")
    derive_contact(contact)
    if contact.get("level") is None:
        contact.pop("level", None)
    return contact


def _account(company: Mapping[str, Any], email: str) -> Row:
    account = _fields(company, COMPANY_FIELDS, _ACCOUNT, "company")
    if "name" not in account and "corporate_number" not in account:
        raise TenbinError(e.INTAKE_COMPANY_REQUIRED, {}, Place(field="company.name"))
    derive_account(account)
    if "domain" not in account:
        mail_domain = n.email_domain(email)  # a company address names its company's domain
        if mail_domain is not None:
            account["domain"] = mail_domain
    return account


def _choice_of(mapping: dict[str, str]) -> Callable[[Any], str | None]:
    def convert(value: Any) -> str | None:
        return None if value in (None, "") else n.choice(value, mapping)

    return convert


def _group(group: Mapping[str, Any]) -> tuple[str | None, str | None, int | None]:
    role = _convert(_choice_of(ROLES), group.get("role"), "buying_group.role")
    stance = _convert(_choice_of(STANCES), group.get("stance"), "buying_group.stance")
    level = _convert(engagement, group.get("engagement"), "buying_group.engagement")
    if role is None and (stance is not None or level is not None):
        raise _required("buying_group.role")
    return role, stance, level


def parse_request(data: Mapping[str, Any]) -> IntakeRequest:
    """Check and normalise; the first problem raises with its field (``lead.email``, ``company.name`` …)."""
    contact = _contact(_section(data, "lead"))
    account = _account(_section(data, "company"), contact["email"])
    response = _section(data, "response")
    campaign = _ref(response.get("campaign"))
    if campaign is None:
        raise _required("response.campaign")
    offer = _ref(response.get("offer"))
    responded_at = _convert(n.parse_datetime, response.get("responded_at"), "response.responded_at")
    role, stance, level = _group(_section(data, "buying_group"))
    budget = _convert(money_nonnegative, data.get("budget"), "budget")
    return IntakeRequest(contact, account, campaign, offer, responded_at, role, stance, level, budget)
