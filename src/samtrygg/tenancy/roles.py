"""Roles and what each may do. The only place that says which role may do what.

Role values have gaps (Zulip's habit) so that a role can be added between two others later
without renumbering stored data. A user's role in a municipality is the highest role among
their memberships in that municipality's organisations.
"""

from __future__ import annotations

from enum import StrEnum

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.IntegerChoices):
    VIEWER = 100, _("Viewer (politician, manager)")
    REPORTER = 200, _("Reporter")
    HANDLER = 300, _("Case handler")
    ANALYST = 400, _("Analyst")
    COORDINATOR = 500, _("Coordinator")
    ADMIN = 600, _("Administrator")


class Permission(StrEnum):
    VIEW_MUNICIPALITY = "view_municipality"
    VIEW_AREAS = "view_areas"
    MANAGE_ORGANISATIONS = "manage_organisations"
    MANAGE_MEMBERS = "manage_members"
    MANAGE_AREAS = "manage_areas"
    VIEW_AUDIT = "view_audit"
    REPORT_INCIDENTS = "report_incidents"
    MANAGE_CATEGORIES = "manage_categories"
    IMPORT_INCIDENTS = "import_incidents"
    EDIT_SITUATION_REPORTS = "edit_situation_reports"
    APPROVE_SITUATION_REPORTS = "approve_situation_reports"
    EDIT_PLANS = "edit_plans"
    DECIDE_PLANS = "decide_plans"


ALL_ROLES = frozenset(Role)

PERMISSIONS: dict[Permission, frozenset[Role]] = {
    Permission.VIEW_MUNICIPALITY: ALL_ROLES,
    Permission.VIEW_AREAS: ALL_ROLES,
    Permission.MANAGE_ORGANISATIONS: frozenset({Role.ADMIN}),
    Permission.MANAGE_MEMBERS: frozenset({Role.ADMIN, Role.COORDINATOR}),
    Permission.MANAGE_AREAS: frozenset({Role.ADMIN}),
    Permission.VIEW_AUDIT: frozenset({Role.ADMIN, Role.COORDINATOR}),
    Permission.REPORT_INCIDENTS: ALL_ROLES - {Role.VIEWER},
    Permission.MANAGE_CATEGORIES: frozenset({Role.ADMIN}),
    Permission.IMPORT_INCIDENTS: frozenset({Role.ADMIN, Role.COORDINATOR}),
    Permission.EDIT_SITUATION_REPORTS: frozenset({Role.ADMIN, Role.COORDINATOR, Role.ANALYST}),
    Permission.APPROVE_SITUATION_REPORTS: frozenset({Role.ADMIN, Role.COORDINATOR}),
    Permission.EDIT_PLANS: frozenset({Role.ADMIN, Role.COORDINATOR, Role.ANALYST}),
    Permission.DECIDE_PLANS: frozenset({Role.ADMIN, Role.COORDINATOR}),
}

# Which roles a user holding the key role may hand out (invite with, or change a member to).
GRANTABLE: dict[Role, frozenset[Role]] = {
    Role.ADMIN: ALL_ROLES,
    Role.COORDINATOR: frozenset({Role.VIEWER, Role.REPORTER, Role.HANDLER, Role.ANALYST}),
}

# These roles see what everybody in the municipality reports, so they must use MFA.
MFA_REQUIRED_ROLES = frozenset({Role.ADMIN, Role.COORDINATOR})


def role_allows(role: Role | None, permission: Permission) -> bool:
    return role is not None and role in PERMISSIONS[permission]


def grantable_roles(role: Role | None) -> frozenset[Role]:
    return GRANTABLE.get(role, frozenset()) if role is not None else frozenset()
