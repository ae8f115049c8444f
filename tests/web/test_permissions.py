"""Every route of the app × every role, against the permission table of tenbin/auth/roles.py.

``ROUTE_PERMISSIONS`` documents what each page and API endpoint needs (docs/permissions.md shows
the same). The tests call every route as every role (pages with a signed-in session, the API with
a token of that role) and assert 403 AUTH_FORBIDDEN exactly when the role lacks the permission.
A route missing from the table fails the test: new routes must say what they need.

State-changing routes (POST, …) are called only as roles that must be refused, so the matrix
never changes data; GET routes are called as every role.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import pytest
from conftest import Client
from fastapi import FastAPI
from fastapi.routing import iter_route_contexts
from sqlalchemy import Engine

from tenbin.auth import service as auth
from tenbin.auth.roles import PERMISSIONS, Permission, Role

PUBLIC = "public"  # anyone, signed in or not
SIGNED_IN = "signed_in"  # any signed-in user (or any valid token)

ROUTE_PERMISSIONS: dict[tuple[str, str], str] = {
    # framework and public pages
    ("GET", "/api/v1/openapi.json"): PUBLIC,
    ("GET", "/api/docs"): PUBLIC,
    ("GET", "/docs/oauth2-redirect"): PUBLIC,
    ("GET", "/login"): PUBLIC,
    ("POST", "/login"): PUBLIC,
    ("POST", "/lang"): PUBLIC,
    ("GET", "/about"): PUBLIC,
    ("GET", "/healthz"): PUBLIC,
    # the user's own account
    ("POST", "/logout"): SIGNED_IN,
    ("GET", "/account/password"): SIGNED_IN,
    ("POST", "/account/password"): SIGNED_IN,
    ("GET", "/account/tokens"): SIGNED_IN,
    ("POST", "/account/tokens"): SIGNED_IN,
    ("POST", "/account/tokens/{token_id}/revoke"): SIGNED_IN,
    ("GET", "/api/v1/me"): SIGNED_IN,
    # home, records, charts
    ("GET", "/"): "view",
    ("GET", "/charts/responses-by-month.json"): "view",
    # ICP-rate dashboard and campaign pages (issue 5): read-only, exports of aggregates need only view
    ("GET", "/dashboard"): "view",
    ("GET", "/dashboard/leads"): "view",
    ("GET", "/dashboard/leads.csv"): "export",  # people's data, like the records lists' CSV
    ("GET", "/dashboard/leads.xlsx"): "export",
    ("GET", "/dashboard/charts/{chart}.json"): "view",
    ("GET", "/dashboard/charts/{chart}.png"): "view",
    ("GET", "/dashboard/charts/{chart}.svg"): "view",
    ("GET", "/dashboard/tables/{table}.csv"): "view",
    ("GET", "/dashboard/tables/{table}.xlsx"): "view",
    ("GET", "/campaigns/{campaign_id}"): "view",
    ("GET", "/campaigns/{campaign_id}/charts/{chart}.json"): "view",
    ("GET", "/campaigns/{campaign_id}/charts/{chart}.png"): "view",
    ("GET", "/campaigns/{campaign_id}/charts/{chart}.svg"): "view",
    ("GET", "/campaigns/{campaign_id}/tables/{table}.csv"): "view",
    ("GET", "/campaigns/{campaign_id}/tables/{table}.xlsx"): "view",
    ("GET", "/records"): "view",
    ("GET", "/records/{entity}"): "view",
    ("GET", "/records/{entity}/{record_id}"): "view",
    # the lead page (issue 6): everyone reads
    ("GET", "/leads/{contact_id}"): "view",
    ("POST", "/leads/{contact_id}/override"): "routing.override",
    ("POST", "/leads/{contact_id}/handled"): "routing.override",
    # routing pages (issue 6): queue and 2×2 read by everyone; the drill-down files list people (export)
    ("GET", "/routing"): "view",
    ("POST", "/routing/run"): "routing.run",
    ("GET", "/routing/matrix"): "view",
    ("GET", "/routing/matrix/leads"): "view",
    ("GET", "/routing/matrix/leads.csv"): "export",
    ("GET", "/routing/matrix/leads.xlsx"): "export",
    # ICP pages: everyone reads and experiments; saving and adopting versions needs icp.edit
    ("GET", "/icp"): "view",
    ("POST", "/icp/check"): "view",
    ("POST", "/icp/evidence"): "view",
    ("POST", "/icp/discover"): "view",
    ("POST", "/icp/versions"): "icp.edit",
    ("POST", "/icp/versions/{version}/adopt"): "icp.edit",
    ("GET", "/icp/versions/{version}"): "view",
    ("GET", "/icp/versions/{version}/card.png"): "view",
    ("GET", "/icp/versions/{version}/card.pdf"): "view",
    ("GET", "/icp/candidates"): "view",
    # imports and exports
    ("GET", "/imports"): "import",
    ("POST", "/imports"): "import",
    ("GET", "/imports/{upload_id}/mapping"): "import",
    ("POST", "/imports/{upload_id}/mapping"): "import",
    ("GET", "/imports/{upload_id}/report"): "import",
    ("POST", "/imports/{upload_id}/validate"): "import",
    ("POST", "/imports/{upload_id}/commit"): "import",
    ("GET", "/imports/{upload_id}/commit"): "import",
    ("GET", "/imports/{upload_id}/progress"): "import",
    ("GET", "/imports/{upload_id}/result"): "import",
    ("GET", "/exports"): "export",
    ("GET", "/exports/download"): "export",
    # settings: everyone may read, editing needs its own permission
    ("GET", "/settings"): "view",
    ("GET", "/settings/stages"): "view",
    ("POST", "/settings/stages"): "settings.edit",
    ("POST", "/settings/stages/{code}"): "settings.edit",
    ("POST", "/settings/stages/{code}/move"): "settings.edit",
    ("POST", "/settings/stages/{code}/delete"): "settings.edit",
    ("GET", "/settings/offers"): "view",
    ("POST", "/settings/offers"): "settings.edit",
    ("POST", "/settings/offers/{offer_id}"): "settings.edit",
    ("POST", "/settings/offers/{offer_id}/move"): "settings.edit",
    ("POST", "/settings/offers/{offer_id}/delete"): "settings.edit",
    ("GET", "/settings/channels"): "view",
    ("POST", "/settings/channels"): "settings.edit",
    ("POST", "/settings/channels/update"): "settings.edit",
    ("POST", "/settings/channels/delete"): "settings.edit",
    ("GET", "/settings/targets"): "view",
    ("POST", "/settings/targets"): "settings.edit",
    ("GET", "/settings/teams"): "view",
    ("POST", "/settings/teams"): "teams.edit",
    ("GET", "/settings/teams/{team_id}"): "view",
    ("POST", "/settings/teams/{team_id}"): "teams.edit",
    ("POST", "/settings/teams/{team_id}/delete"): "teams.edit",
    ("POST", "/settings/teams/{team_id}/members"): "teams.edit",
    ("GET", "/settings/teams/{team_id}/members/{member_id}"): "view",
    ("POST", "/settings/teams/{team_id}/members/{member_id}"): "teams.edit",
    ("POST", "/settings/teams/{team_id}/members/{member_id}/delete"): "teams.edit",
    ("GET", "/settings/users"): "users.manage",
    ("POST", "/settings/users"): "users.manage",
    ("GET", "/settings/users/{username}"): "users.manage",
    ("POST", "/settings/users/{username}/role"): "users.manage",
    ("POST", "/settings/users/{username}/reset"): "users.manage",
    ("POST", "/settings/users/{username}/active"): "users.manage",
    ("GET", "/audit"): "audit.view",
    # REST API: imports, exports, settings, teams, users
    ("GET", "/api/v1/imports"): "import",
    ("POST", "/api/v1/imports/{entity}"): "import",
    ("GET", "/api/v1/exports/{entity}.csv"): "export",
    ("GET", "/api/v1/settings/stages"): "view",
    ("PUT", "/api/v1/settings/stages"): "settings.edit",
    ("GET", "/api/v1/settings/offers"): "view",
    ("PUT", "/api/v1/settings/offers"): "settings.edit",
    ("GET", "/api/v1/settings/channels"): "view",
    ("PUT", "/api/v1/settings/channels"): "settings.edit",
    ("GET", "/api/v1/settings/targets"): "view",
    ("PUT", "/api/v1/settings/targets"): "settings.edit",
    ("GET", "/api/v1/teams"): "view",
    ("POST", "/api/v1/teams"): "teams.edit",
    ("GET", "/api/v1/teams/{team_id}"): "view",
    ("PATCH", "/api/v1/teams/{team_id}"): "teams.edit",
    ("GET", "/api/v1/teams/{team_id}/members"): "view",
    ("POST", "/api/v1/teams/{team_id}/members"): "teams.edit",
    ("PATCH", "/api/v1/teams/{team_id}/members/{member_id}"): "teams.edit",
    ("GET", "/api/v1/users"): "users.manage",
    # REST API: ICP (everyone reads; saving and adopting versions needs icp.edit)
    ("GET", "/api/v1/icp/attributes"): "view",
    ("POST", "/api/v1/icp/check"): "view",
    ("POST", "/api/v1/icp/discover"): "view",
    ("GET", "/api/v1/icp/versions"): "view",
    ("GET", "/api/v1/icp/versions/current"): "view",
    ("GET", "/api/v1/icp/versions/{version}"): "view",
    ("POST", "/api/v1/icp/versions"): "icp.edit",
    ("POST", "/api/v1/icp/versions/{version}/adopt"): "icp.edit",
    ("GET", "/api/v1/icp/explain"): "view",
    ("GET", "/api/v1/icp/candidates"): "view",
    # REST API: metrics (everyone reads)
    ("GET", "/api/v1/metrics/icp-rate"): "view",
    ("GET", "/api/v1/metrics/conversion"): "view",
    ("GET", "/api/v1/metrics/value"): "view",
    ("GET", "/api/v1/metrics/costs"): "view",
    # REST API: the balance state with its signals, and the resource rule (everyone reads)
    ("GET", "/api/v1/balance"): "view",
    ("GET", "/api/v1/balance/pressure"): "view",
    # REST API and page: the next campaign mix (everyone reads; a calculation, nothing is written)
    ("GET", "/api/v1/plan"): "view",
    ("GET", "/plan"): "view",
    ("GET", "/plan/tables/{table}.csv"): "view",
    ("GET", "/plan/tables/{table}.xlsx"): "view",
    # REST API: real-time intake (token, Idempotency-Key) and outgoing webhooks
    ("POST", "/api/v1/leads"): "import",
    ("GET", "/api/v1/webhooks"): "routing.run",
    ("POST", "/api/v1/webhooks"): "routing.run",
    ("DELETE", "/api/v1/webhooks/{webhook_id}"): "routing.run",
    ("GET", "/api/v1/webhooks/deliveries"): "routing.run",
    ("POST", "/api/v1/webhooks/deliveries/{delivery_id}/replay"): "routing.run",
    # offer ladder, individual seminars and whitespace (issue 6): everyone reads; seminars.edit records seminars
    ("GET", "/ladder"): "view",
    ("GET", "/ladder/chart.json"): "view",
    ("GET", "/whitespace"): "view",
    ("GET", "/accounts/{account_id}/seminars"): "view",
    ("GET", "/accounts/{account_id}/seminars/coverage.json"): "view",
    ("POST", "/accounts/{account_id}/seminars"): "seminars.edit",
    ("POST", "/seminars/{session_id}"): "seminars.edit",
    ("POST", "/seminars/{session_id}/delete"): "seminars.edit",
    ("POST", "/seminars/{session_id}/attendees"): "seminars.edit",
    ("POST", "/seminar-attendees/{attendee_id}/delete"): "seminars.edit",
    ("GET", "/api/v1/ladder"): "view",
    # win likelihood (issue 6): everyone reads; calibration is routing.run, the threshold a setting
    ("GET", "/api/v1/likelihood/leads/{lead_id}"): "view",
    ("GET", "/api/v1/likelihood/model"): "view",
    ("POST", "/api/v1/likelihood/calibrate"): "routing.run",
    ("PUT", "/api/v1/likelihood/threshold"): "settings.edit",
    ("GET", "/api/v1/whitespace"): "view",
    ("GET", "/api/v1/accounts/{account_id}/seminars"): "view",
    ("POST", "/api/v1/accounts/{account_id}/seminars"): "seminars.edit",
    # page: Settings → Webhooks (list, add, remove, replay a delivery)
    ("GET", "/settings/webhooks"): "routing.run",
    ("POST", "/settings/webhooks"): "routing.run",
    ("POST", "/settings/webhooks/{webhook_id}/delete"): "routing.run",
    ("POST", "/settings/webhooks/deliveries/{delivery_id}/replay"): "routing.run",
    # REST API: records
    ("GET", "/api/v1/accounts"): "view",
    ("GET", "/api/v1/accounts/{id}"): "view",
    ("GET", "/api/v1/contacts"): "view",
    ("GET", "/api/v1/contacts/{id}"): "view",
    ("GET", "/api/v1/campaigns"): "view",
    ("GET", "/api/v1/campaigns/{id}"): "view",
    ("GET", "/api/v1/opportunities"): "view",
    ("GET", "/api/v1/opportunities/{id}"): "view",
    ("GET", "/api/v1/revenue"): "view",
    ("GET", "/api/v1/revenue/{id}"): "view",
    ("GET", "/api/v1/challenges"): "view",
    ("GET", "/api/v1/challenges/{id}"): "view",
    ("GET", "/api/v1/responses"): "view",
    ("GET", "/api/v1/responses/{id}"): "view",
    ("GET", "/api/v1/buying-group"): "view",
    ("GET", "/api/v1/buying-group/{id}"): "view",
    # routing (issue 6): reading needs view; batch runs routing.run; overrides and handled routing.override
    ("GET", "/api/v1/routing/decisions"): "view",
    ("GET", "/api/v1/routing/leads/{contact_id}"): "view",
    ("POST", "/api/v1/routing/run"): "routing.run",
    ("POST", "/api/v1/routing/leads/{contact_id}/override"): "routing.override",
    ("POST", "/api/v1/routing/leads/{contact_id}/handled"): "routing.override",
    ("GET", "/api/v1/routing/queue"): "view",
    ("GET", "/api/v1/routing/loads"): "view",
    ("GET", "/api/v1/routing/matrix"): "view",
    ("GET", "/api/v1/routing/settings"): "view",
    ("PUT", "/api/v1/routing/settings"): "settings.edit",
}

# Variants of a route that need a second permission besides the route's own: (method, path?query) → permission.
VARIANTS: dict[tuple[str, str], str] = {
    ("GET", "/records/{entity}?format=csv"): "export",
    ("GET", "/audit?format=csv"): "export",
}

# A value for each path parameter (a missing record is fine: allowed roles may get 404, never 403).
PATH_VALUES = {
    "entity": "accounts",
    "username": "user-admin",
    "code": "new",
    "upload_id": "0" * 32,
}

ROLES = [r.value for r in Role]


def app_routes(app: FastAPI) -> set[tuple[str, str]]:
    """(method, path) of every route of the app, HEAD left out (it follows GET)."""
    found = set()
    for route in iter_route_contexts(app.routes):
        for method in getattr(route, "methods", None) or ():
            if method != "HEAD":
                found.add((method, route.path))
    return found


def url_for(path: str) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: PATH_VALUES.get(m.group(1), "1"), path)


def expected_forbidden(role: str, needs: str) -> bool:
    if needs in (PUBLIC, SIGNED_IN):
        return False
    return Permission(needs) not in PERMISSIONS[Role(role)]


def test_every_route_is_in_the_table(app: FastAPI) -> None:
    routes = app_routes(app)
    missing = sorted(routes - set(ROUTE_PERMISSIONS))
    assert not missing, "routes missing from ROUTE_PERMISSIONS (say which permission each needs):\n" + "\n".join(
        f'    ("{m}", "{p}"): "…",' for m, p in missing
    )
    stale = sorted(set(ROUTE_PERMISSIONS) - routes)
    assert not stale, f"ROUTE_PERMISSIONS lists routes the app does not have: {stale}"


def test_the_table_names_only_known_permissions() -> None:
    known = {p.value for p in Permission} | {PUBLIC, SIGNED_IN}
    assert {v for v in (*ROUTE_PERMISSIONS.values(), *VARIANTS.values())} <= known


def _is_forbidden(response: object, api: bool) -> bool:
    if response.status_code != 403:  # type: ignore[attr-defined]
        return False
    if api:
        return bool(response.json().get("code") == "AUTH_FORBIDDEN")  # type: ignore[attr-defined]
    return "AUTH_FORBIDDEN" in response.text  # type: ignore[attr-defined]


@pytest.fixture
def token_client(app: FastAPI, engine: Engine) -> Iterator[Callable[[str], Client]]:
    """``token_client("sales")`` → a client that sends a token whose scope is that role."""
    clients: list[Client] = []

    def make(role: str) -> Client:
        name = f"token-{role}"
        user = auth.add_user(engine, username=name, role=role, password="correct horse battery staple", actor="t")
        secret = auth.create_token(engine, user_id=user.user.id, name="matrix").secret
        c = Client(app, headers={"Authorization": f"Bearer {secret}"})  # type: ignore[arg-type]
        c.__enter__()
        clients.append(c)
        return c

    yield make
    for c in clients:
        c.__exit__(None, None, None)


@pytest.mark.parametrize("role", ROLES)
def test_each_route_refuses_exactly_the_roles_without_its_permission(
    role: str, app: FastAPI, engine: Engine, login: Callable[..., Client], token_client: Callable[[str], Client]
) -> None:
    if engine.dialect.name != "sqlite":
        pytest.skip("permission checks do not touch the database's dialect; the matrix runs on SQLite for speed")
    login("admin")  # so PATH_VALUES["username"] exists
    page = login(role) if role != "admin" else login("admin")
    api = token_client(role)
    wrong: list[str] = []
    routes = app_routes(app)
    checks = [(m, p, (needs,)) for (m, p), needs in ROUTE_PERMISSIONS.items() if (m, p) in routes]
    checks += [(m, p, (ROUTE_PERMISSIONS[m, p.split("?")[0]], needs)) for (m, p), needs in VARIANTS.items()]
    for method, path, all_needed in sorted(checks):
        needs = " + ".join(all_needed)
        forbidden = any(expected_forbidden(role, n) for n in all_needed)
        if method != "GET" and not forbidden:
            continue  # never change data in the matrix
        is_api = path.startswith("/api/")
        client = api if is_api else page
        url = url_for(path)
        try:
            if method == "GET":
                response = client.get(url)
            elif is_api:
                response = client.request(method, url, json={})
            else:
                response = client.request(method, url, data={"csrf_token": page.csrf})
        except Exception as exc:  # a server error: report it with the others
            wrong.append(f"{method} {url} as {role} raised {exc!r}")
            continue
        if forbidden != _is_forbidden(response, is_api):
            wrong.append(f"{method} {url} needs {needs}: got {response.status_code} for {role}")
        if response.status_code >= 500:
            wrong.append(f"{method} {url} as {role}: {response.status_code}")
    assert not wrong, "\n".join(wrong)


def test_pages_need_sign_in_and_the_api_a_token(client: Client, app: FastAPI) -> None:
    for (method, path), needs in ROUTE_PERMISSIONS.items():
        if method != "GET" or needs == PUBLIC or (method, path) not in app_routes(app):
            continue
        response = client.get(url_for(path), follow_redirects=False)
        if path.startswith("/api/"):
            assert response.status_code == 401 and response.json()["code"] == "AUTH_REQUIRED", path
        else:
            assert response.status_code == 303 and response.headers["location"].startswith("/login"), path
