"""Roles and what each may do: the permission table (docs/permissions.md shows it; tests check it).

A permission is a verb on an area. Pages, API endpoints and CLI commands ask for one permission
each; nothing checks role names directly, so the table below is the whole policy.
"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    ADMIN = "admin"
    MARKETING = "marketing"
    INSIDE_SALES = "inside_sales"
    SALES = "sales"
    PRODUCT = "product"
    VIEWER = "viewer"


class Permission(StrEnum):
    VIEW = "view"  # dashboards, records, ICP, ICP rate, 課題DB (read)
    EXPORT = "export"  # download lists as CSV / XLSX
    IMPORT = "import"  # import files (wizard, API, CLI)
    SETTINGS_EDIT = "settings.edit"  # funnel stages, offer ladder, channels, ICP-rate targets
    TEAMS_EDIT = "teams.edit"  # teams, members, capacities
    ICP_EDIT = "icp.edit"  # ICP versions
    ROUTING_OVERRIDE = "routing.override"  # override a routing decision, mark a lead handled
    ROUTING_RUN = "routing.run"  # run routing in batch, calibrate the win likelihood, webhooks
    SEMINARS_EDIT = "seminars.edit"  # record individual seminars (個別セミナー) and their attendees
    CHALLENGES_EDIT = "challenges.edit"  # write and tag 課題 notes
    USERS_MANAGE = "users.manage"  # add users, change roles, reset passwords
    AUDIT_VIEW = "audit.view"  # read the audit log


P = Permission
ROLE_LABELS: dict[Role, tuple[str, str]] = {
    Role.ADMIN: ("管理者", "Admin"),
    Role.MARKETING: ("マーケティング", "Marketing"),
    Role.INSIDE_SALES: ("インサイドセールス", "Inside sales"),
    Role.SALES: ("営業", "Sales"),
    Role.PRODUCT: ("プロダクト", "Product"),
    Role.VIEWER: ("閲覧のみ", "Viewer"),
}

PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.ADMIN: frozenset(Permission),
    Role.MARKETING: frozenset(
        {
            P.VIEW,
            P.EXPORT,
            P.IMPORT,
            P.SETTINGS_EDIT,
            P.TEAMS_EDIT,
            P.ICP_EDIT,
            P.CHALLENGES_EDIT,
            P.ROUTING_RUN,
            P.SEMINARS_EDIT,
        }
    ),
    Role.INSIDE_SALES: frozenset(
        {
            P.VIEW,
            P.EXPORT,
            P.IMPORT,
            P.TEAMS_EDIT,
            P.ROUTING_OVERRIDE,
            P.ROUTING_RUN,
            P.CHALLENGES_EDIT,
            P.SEMINARS_EDIT,
        }
    ),
    Role.SALES: frozenset({P.VIEW, P.EXPORT, P.ROUTING_OVERRIDE, P.CHALLENGES_EDIT, P.SEMINARS_EDIT}),
    Role.PRODUCT: frozenset({P.VIEW, P.EXPORT, P.CHALLENGES_EDIT}),
    Role.VIEWER: frozenset({P.VIEW}),
}


def allows(role: str, permission: Permission) -> bool:
    try:
        return permission in PERMISSIONS[Role(role)]
    except ValueError:
        return False


def within(scope: str, role: str) -> bool:
    """A token's scope may not exceed its user's role: every permission of ``scope`` is ``role``'s."""
    return PERMISSIONS[Role(scope)] <= PERMISSIONS[Role(role)]
