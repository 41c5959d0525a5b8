"""The main menu: one list of entries, each with the permission it needs, grouped around the EST
week (Rapportera · Ärenden · Lägesbild · Möten och plan · Administration) and the user's own
account. base.html renders what ``menu(request)`` returns; tests/core/test_navigation.py walks
it for every role, so a page a role may use and the menu cannot drift apart unnoticed.

An entry's condition only decides whether the link is shown: the page itself checks access
through the access policy (tenancy/policy.py) as before.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from samtrygg.tenancy.policy import Access
from samtrygg.tenancy.roles import Permission


def my_municipalities(request: HttpRequest) -> list[Any]:
    """The municipalities the user belongs to, read once per request (the header's switch and
    the menu's regional overview both need them)."""
    from samtrygg.tenancy.policy import municipalities_for

    cached = getattr(request, "_samtrygg_municipalities", None)
    if cached is None:
        user = getattr(request, "user", None)
        cached = list(municipalities_for(user)) if user is not None else []
        request._samtrygg_municipalities = cached  # type: ignore[attr-defined]
    return cached


def _may_contribute(request: HttpRequest, access: Access | None) -> bool:
    from samtrygg.situation.contributions import may_contribute

    return access is not None and may_contribute(access)


def _several_municipalities(request: HttpRequest, access: Access | None) -> bool:
    return len(my_municipalities(request)) > 1


@dataclass(frozen=True)
class Entry:
    label: str | Promise
    url_name: str
    permission: Permission | None = None  # None: every member of the municipality
    condition: Callable[[HttpRequest, Access | None], bool] | None = None
    in_municipality: bool = True  # the URL takes the municipality's slug

    def allowed(self, request: HttpRequest, access: Access | None) -> bool:
        if self.in_municipality and access is None:
            return False
        if self.permission is not None and (access is None or not access.can(self.permission)):
            return False
        return self.condition is None or self.condition(request, access)

    def url(self, access: Access | None) -> str:
        if self.in_municipality:
            if access is None:
                raise ValueError(f"{self.url_name} needs a municipality")
            return reverse(self.url_name, args=[access.municipality.slug])
        return reverse(self.url_name)


@dataclass(frozen=True)
class Group:
    key: str
    label: str | Promise
    entries: tuple[Entry, ...]


P = Permission

MENU: tuple[Group, ...] = (
    Group(
        "report",
        _("Report"),
        (
            Entry(_("Weekly report"), "weekly_report", P.REPORT_INCIDENTS),
            Entry(
                _("Contributions to the lägesbild"),
                "contribution_list",
                P.REPORT_INCIDENTS,
                condition=_may_contribute,
            ),
            Entry(_("Weekly reports"), "week_overview", P.VIEW_AUDIT),
            Entry(_("Import"), "import_page", P.IMPORT_INCIDENTS),
        ),
    ),
    Group(
        "cases",
        _("Cases"),
        (Entry(_("Cases"), "incident_list", P.REPORT_INCIDENTS),),
    ),
    Group(
        "situation",
        _("Lägesbild"),
        (
            Entry(_("This week's picture"), "weekly_picture"),
            Entry(_("Situation map"), "situation_map"),
            Entry(_("Dashboard"), "dashboard"),
            Entry(_("Lägesbilder"), "report_list"),
            Entry(_("Analyses"), "analysis_list"),
            Entry(_("Tables"), "table_list", P.EDIT_SITUATION_REPORTS),
            Entry(_("Surveys"), "survey_list", P.EDIT_SITUATION_REPORTS),
            Entry(_("Areas"), "area_list", P.VIEW_AREAS),
            Entry(
                _("Regional overview"),
                "regional_overview",
                condition=_several_municipalities,
                in_municipality=False,
            ),
        ),
    ),
    Group(
        "plan",
        _("Meetings and plan"),
        (
            Entry(_("EST meetings"), "meeting_list"),
            Entry(_("Problems"), "problem_list"),
            Entry(_("Åtgärdsplan"), "plan_list"),
            Entry(_("Evaluations"), "evaluation_list"),
            Entry(_("Citizen promises"), "promise_list"),
            Entry(_("Agreements"), "agreement_list"),
            Entry(_("Strategic council"), "council"),
            Entry(_("Compliance"), "compliance"),
            Entry(_("Reports to the municipal council"), "council_reports"),
        ),
    ),
    Group(
        "admin",
        _("Administration"),
        (
            Entry(_("Users"), "member_list", P.MANAGE_MEMBERS),
            Entry(_("Organisations"), "organisation_list", P.MANAGE_ORGANISATIONS),
            Entry(_("Categories"), "category_list", P.MANAGE_CATEGORIES),
            Entry(_("Police event types"), "police_type_mapping", P.MANAGE_CATEGORIES),
            Entry(_("Municipality profile"), "branding_settings", P.MANAGE_BRANDING),
            Entry(_("Public texts"), "public_texts_edit", P.MANAGE_PUBLIC_TEXTS),
            Entry(_("Audit log"), "audit_list", P.VIEW_AUDIT),
        ),
    ),
    Group(
        "account",
        _("My account"),
        (
            Entry(_("Security"), "mfa_index", in_municipality=False),
            Entry(_("Notifications"), "notification_settings", in_municipality=False),
            Entry(_("API keys"), "api_tokens", in_municipality=False),
        ),
    ),
)


def menu(request: HttpRequest) -> list[dict[str, Any]]:
    """The groups with the links this user may use here, in order; empty groups left out."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return []
    access: Access | None = getattr(request, "access", None)
    current = request.path
    out = []
    for group in MENU:
        links = []
        for entry in group.entries:
            if not entry.allowed(request, access):
                continue
            url = entry.url(access)
            links.append({"label": entry.label, "url": url, "current": url == current})
        if links:
            out.append({"key": group.key, "label": group.label, "links": links})
    return out
