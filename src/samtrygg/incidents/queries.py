"""Reads of categories and incidents, scoped by the access policy (DOMAIN.md §4, Access). Who
sees which incident is written once in incidents/visibility.py."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from samtrygg.tenancy.policy import Access, scope_for
from samtrygg.tenancy.roles import Role

from .models import Category, Incident, SavedFilter, Status, WeeklyReport
from .visibility import incident_visibility


@scope_for(Category)
def scope_categories(queryset: QuerySet[Any], access: Access) -> QuerySet[Any]:
    return queryset.filter(municipality=access.municipality)


@scope_for(Incident)
def scope_incidents(queryset: QuerySet[Any], access: Access) -> QuerySet[Any]:
    """The rule of incidents/visibility.py as a query (the map reads it as a mask)."""
    in_municipality = queryset.filter(municipality=access.municipality)
    condition = incident_visibility(access).q()
    return in_municipality.none() if condition is None else in_municipality.filter(condition)


def categories(access: Access, active_only: bool = True) -> QuerySet[Category]:
    rows = access.scope(Category.objects.all())
    return rows.filter(is_active=True) if active_only else rows


def incidents(access: Access) -> QuerySet[Incident]:
    return access.scope(
        Incident.objects.select_related(
            "category", "area", "reporting_organisation", "handling_organisation"
        )
    )


# The case queues. "new" is the coordinators' triage queue; "handling" the handler's.
QUEUES = ("new", "handling", "mine", "all")
CLOSED_STATUSES = (Status.CLOSED, Status.DUPLICATE, Status.REJECTED)


def default_queue(access: Access) -> str:
    """Where the case list opens: coordinators on the cases to route, handlers (and analysts)
    on the cases assigned to their organisation, reporters on what they reported."""
    if access.role is not None and access.role >= Role.COORDINATOR:
        return "new"
    if any(m.role >= Role.HANDLER for m in access.memberships):
        return "handling"
    return "mine"


def queue(access: Access, name: str) -> QuerySet[Incident]:
    rows = incidents(access)
    if name == "new":
        return rows.filter(status__in=[Status.NEW, Status.TRIAGED])
    if name == "handling":
        return rows.filter(handling_organisation_id__in=access.organisation_ids).exclude(
            status__in=CLOSED_STATUSES
        )
    if name == "mine":
        return rows.filter(reporting_organisation_id__in=access.organisation_ids)
    return rows


@scope_for(WeeklyReport)
def scope_weekly_reports(queryset: QuerySet[Any], access: Access) -> QuerySet[Any]:
    in_municipality = queryset.filter(municipality=access.municipality)
    if access.role is not None and access.role >= Role.COORDINATOR:
        return in_municipality
    return in_municipality.filter(organisation_id__in=access.organisation_ids)


def weekly_reports(access: Access) -> QuerySet[WeeklyReport]:
    return access.scope(WeeklyReport.objects.all())


@scope_for(SavedFilter)
def scope_saved_filters(queryset: QuerySet[Any], access: Access) -> QuerySet[Any]:
    return queryset.filter(municipality=access.municipality, user=access.user)


def saved_filters(access: Access) -> QuerySet[SavedFilter]:
    return access.scope(SavedFilter.objects.all())
