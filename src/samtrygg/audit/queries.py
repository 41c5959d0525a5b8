"""Reads of the event log, scoped by the access policy."""

from __future__ import annotations

from typing import Any

from django.db.models import CharField, Q, QuerySet
from django.db.models.functions import Cast

from samtrygg.tenancy.models import Membership
from samtrygg.tenancy.policy import Access, scope_for
from samtrygg.tenancy.roles import Permission, Role

from .models import AuditEvent


@scope_for(AuditEvent)
def scope_audit_events(queryset: QuerySet[Any], access: Access) -> QuerySet[Any]:
    """Admins and coordinators see their municipality's events, and the sign-in events
    (which belong to no municipality) of the people who are members there."""
    if not access.can(Permission.VIEW_AUDIT):
        return queryset.none()
    member_ids = (
        Membership.objects.filter(organisation__municipality=access.municipality)
        .annotate(user_id_text=Cast("user_id", CharField()))
        .values("user_id_text")
    )
    return queryset.filter(
        Q(municipality=access.municipality)
        | Q(municipality__isnull=True, object_type="tenancy.user", object_id__in=member_ids)
    )


def events(access: Access) -> QuerySet[AuditEvent]:
    return access.scope(
        AuditEvent.objects.select_related("organisation", "municipality").order_by("-at", "-id")
    )


def may_read_case_history(access: Access, incident: Any) -> bool:
    """The audit policy for a case page's history: administrators and coordinators (who read the
    whole log), and members of the organisation handling the case with the handler role or above,
    for that case's events only. Reporters, viewers and regional users never see it."""
    if access.municipality.pk != incident.municipality_id:
        return False
    if access.can(Permission.VIEW_AUDIT):
        return True
    return any(
        m.organisation_id == incident.handling_organisation_id and m.role >= Role.HANDLER
        for m in access.memberships
    )


def case_history(access: Access, incident: Any) -> QuerySet[AuditEvent]:
    """The case's own events, oldest first, or none when the policy above says no."""
    if not may_read_case_history(access, incident):
        return AuditEvent.objects.none()
    return AuditEvent.objects.filter(
        object_type="incidents.incident",
        object_id=str(incident.pk),
    ).order_by("at", "id")
