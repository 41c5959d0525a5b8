"""Reads of imported data, scoped by the access policy."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from samtrygg.tenancy.policy import Access, scope_for

from .models import BackgroundJob, PlacePrecision, PoliceEvent
from .sweden import county_of


@scope_for(PoliceEvent)
def scope_police_events(queryset: QuerySet[Any], access: Access) -> QuerySet[Any]:
    """Public data, but each municipality sees its own events and its county's county-level
    events (never other municipalities')."""
    code = access.municipality.scb_code
    return queryset.filter(
        Q(municipality_code=code) | Q(precision=PlacePrecision.COUNTY, county_code=county_of(code))
    )


@scope_for(BackgroundJob)
def scope_background_jobs(queryset: QuerySet[Any], access: Access) -> QuerySet[Any]:
    """A job, its progress and its file belong to the user who started it, in the municipality
    it was started in: nobody else sees them, whatever their role."""
    return queryset.filter(municipality=access.municipality, user=access.user)
