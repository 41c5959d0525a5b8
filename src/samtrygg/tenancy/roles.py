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
    REGIONAL = 150, _("Regional support (county board, regional police)")
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
    MANAGE_BRANDING = "manage_branding"
    MANAGE_PUBLIC_TEXTS = "manage_public_texts"


ALL_ROLES = frozenset(Role)

PERMISSIONS: dict[Permission, frozenset[Role]] = {
    Permission.VIEW_MUNICIPALITY: ALL_ROLES,
    Permission.VIEW_AREAS: ALL_ROLES,
    Permission.MANAGE_ORGANISATIONS: frozenset({Role.ADMIN}),
    Permission.MANAGE_MEMBERS: frozenset({Role.ADMIN, Role.COORDINATOR}),
    Permission.MANAGE_AREAS: frozenset({Role.ADMIN}),
    Permission.VIEW_AUDIT: frozenset({Role.ADMIN, Role.COORDINATOR}),
    Permission.REPORT_INCIDENTS: ALL_ROLES - {Role.VIEWER, Role.REGIONAL},
    Permission.MANAGE_CATEGORIES: frozenset({Role.ADMIN}),
    Permission.IMPORT_INCIDENTS: frozenset({Role.ADMIN, Role.COORDINATOR}),
    Permission.EDIT_SITUATION_REPORTS: frozenset({Role.ADMIN, Role.COORDINATOR, Role.ANALYST}),
    Permission.APPROVE_SITUATION_REPORTS: frozenset({Role.ADMIN, Role.COORDINATOR}),
    Permission.EDIT_PLANS: frozenset({Role.ADMIN, Role.COORDINATOR, Role.ANALYST}),
    Permission.DECIDE_PLANS: frozenset({Role.ADMIN, Role.COORDINATOR}),
    Permission.MANAGE_BRANDING: frozenset({Role.ADMIN, Role.COORDINATOR}),
    Permission.MANAGE_PUBLIC_TEXTS: frozenset({Role.ADMIN}),
}

# Which roles a user holding the key role may hand out (invite with, or change a member to).
GRANTABLE: dict[Role, frozenset[Role]] = {
    Role.ADMIN: ALL_ROLES,
    Role.COORDINATOR: frozenset(
        {Role.VIEWER, Role.REGIONAL, Role.REPORTER, Role.HANDLER, Role.ANALYST}
    ),
}

# These roles see what everybody in the municipality reports, so they must use MFA.
MFA_REQUIRED_ROLES = frozenset({Role.ADMIN, Role.COORDINATOR})


# Roles that read aggregates only, with small counts suppressed: never a single incident, case,
# comment or photo, never a points layer. Viewers (politicians, managers) and regional support
# (länsstyrelsen, regional police analysts), who follow several municipalities.
AGGREGATES_ONLY_ROLES = frozenset({Role.VIEWER, Role.REGIONAL})


def aggregates_only(role: Role | None) -> bool:
    """True for a user who reads suppressed aggregates only (or has no role at all)."""
    return role is None or role in AGGREGATES_ONLY_ROLES


# Which organisations are public authorities (myndigheter). GDPR art. 10 and dataskyddslagen
# (2018:218) 3 kap. 8 § let, as the main rule, only authorities process personal data about
# offences, and a report of a concrete suspicion from another actor is such data. Authorities
# here: the municipality's own departments (förvaltningar), the police, the rescue service
# (a municipal authority or a kommunalförbund) and the county board. Not authorities:
# - municipal companies (kommunala bolag, including municipal housing companies): limited
#   companies under the Companies Act, not authorities, even though offentlighetsprincipen
#   reaches them through OSL 2 kap. 3 §; art. 10's exception is for authorities;
# - schools: a school may be an independent school (friskola, a company or an association);
#   the kind cannot tell, so a school is not an authority here. A municipal school belongs to
#   its department and is registered as a municipal department when it needs more;
# - housing companies, security companies, business, associations and everything else.
AUTHORITY_KINDS = frozenset({"kommunal_forvaltning", "polis", "raddningstjanst", "lansstyrelse"})

# The highest role a member of an organisation of each kind may hold. Authorities: any role.
# Everyone else: a reporter or case handler (or a viewer), never an analyst, coordinator or
# administrator, who read other actors' reports with their free text.
NON_AUTHORITY_CEILING = Role.HANDLER


def role_ceiling(kind: str) -> Role:
    """The highest role an organisation of this kind may give its members."""
    return Role.ADMIN if kind in AUTHORITY_KINDS else NON_AUTHORITY_CEILING


def may_hold(kind: str, role: Role | int) -> bool:
    """May a member of an organisation of this kind hold this role?"""
    return int(role) <= role_ceiling(kind)


# Regional support follows several municipalities and has no business with any single
# incident: every incident, case, comment and photo URL (and the API's) answers it 404 as if the
# object did not exist, not 403.
# The kommun's profile and document template page (tenancy/branding.py) is its administrators'
# and coordinators' settings: every other role gets 404 there, as if it did not exist.
NOT_FOUND_ROLES: dict[Permission, frozenset[Role]] = {
    Permission.REPORT_INCIDENTS: frozenset({Role.REGIONAL}),
    Permission.MANAGE_BRANDING: ALL_ROLES - {Role.ADMIN, Role.COORDINATOR},
    # The accessibility statement and the personal-data page (core/public_texts.py): the kommun
    # answers for them, so its administrators edit them; every other role gets 404.
    Permission.MANAGE_PUBLIC_TEXTS: ALL_ROLES - {Role.ADMIN},
}


def refused_as_not_found(role: Role | None, permission: Permission) -> bool:
    return role is not None and role in NOT_FOUND_ROLES.get(permission, frozenset())


def role_allows(role: Role | None, permission: Permission) -> bool:
    return role is not None and role in PERMISSIONS[permission]


def grantable_roles(role: Role | None) -> frozenset[Role]:
    return GRANTABLE.get(role, frozenset()) if role is not None else frozenset()
