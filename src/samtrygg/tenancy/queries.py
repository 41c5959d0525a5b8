"""Reads of tenancy objects, scoped by the access policy."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from .models import Invitation, Membership, Organisation
from .policy import Access, scope_for
from .roles import Permission, may_hold


@scope_for(Organisation)
def scope_organisations(queryset: QuerySet[Any], access: Access) -> QuerySet[Any]:
    # Every member may know which organisations take part in their municipality's work.
    return queryset.filter(municipality=access.municipality)


@scope_for(Membership)
def scope_memberships(queryset: QuerySet[Any], access: Access) -> QuerySet[Any]:
    in_municipality = queryset.filter(organisation__municipality=access.municipality)
    if access.can(Permission.MANAGE_MEMBERS):
        return in_municipality
    return in_municipality.filter(organisation_id__in=access.organisation_ids)


@scope_for(Invitation)
def scope_invitations(queryset: QuerySet[Any], access: Access) -> QuerySet[Any]:
    if not access.can(Permission.MANAGE_MEMBERS):
        return queryset.none()
    return queryset.filter(organisation__municipality=access.municipality)


def organisations(access: Access) -> QuerySet[Organisation]:
    return access.scope(Organisation.objects.all())


def members(access: Access) -> QuerySet[Membership]:
    return access.scope(
        Membership.objects.select_related("user", "organisation").order_by(
            "user__email", "organisation__name"
        )
    )


def above_ceiling(access: Access) -> list[Membership]:
    """Memberships whose role is above what their organisation's kind allows
    (``roles.role_ceiling``): given before the ceiling existed, or before the organisation's
    kind was changed. Shown to those who manage members, to be lowered."""
    return [m for m in members(access) if not may_hold(m.organisation.kind, m.role)]


def pending_invitations(access: Access) -> QuerySet[Invitation]:
    from django.utils import timezone

    return access.scope(
        Invitation.objects.select_related("organisation", "invited_by").filter(
            accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now()
        )
    )


def locked_emails(emails: list[str]) -> set[str]:
    """Which of these accounts are locked out now (django-axes, locked by user name)."""
    from datetime import timedelta

    from axes.models import AccessAttempt
    from django.conf import settings
    from django.utils import timezone

    since = timezone.now() - timedelta(hours=float(settings.AXES_COOLOFF_TIME))
    return set(
        AccessAttempt.objects.filter(
            username__in=emails,
            failures_since_start__gte=settings.AXES_FAILURE_LIMIT,
            attempt_time__gte=since,
        ).values_list("username", flat=True)
    )
