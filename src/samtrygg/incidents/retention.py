"""Gallring (DOMAIN.md §4): after the municipality's retention period, an incident keeps only
its anonymous statistical record — category, time, place, area, severity, kind of place,
police report, cost, organisations, status. Free text, photos, comments and the link to the
reporting person are removed, and each run is logged."""

from __future__ import annotations

import calendar
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from samtrygg.audit.models import AuditAction
from samtrygg.audit.services import record
from samtrygg.tenancy.models import Municipality

from .models import Comment, Incident, IncidentPhoto

BATCH = 5000


def months_before(moment: datetime, months: int) -> datetime:
    """The same day and time ``months`` calendar months earlier (the 31st becomes the last day
    of a shorter month)."""
    index = moment.year * 12 + moment.month - 1 - months
    year, month = divmod(index, 12)
    last_day = calendar.monthrange(year, month + 1)[1]
    return moment.replace(year=year, month=month + 1, day=min(moment.day, last_day))


def expired(municipality: Municipality, now: datetime) -> Any:
    cutoff = months_before(now, municipality.retention_months)
    return Incident.objects.filter(
        Q(occurred_at__lt=cutoff) | Q(occurred_at__isnull=True, occurred_to__lt=cutoff),
        municipality=municipality,
        details_removed_at__isnull=True,
    )


def _delete_files(photos: list[IncidentPhoto]) -> None:
    for photo in photos:
        photo.image.delete(save=False)


def _remove_details(municipality: Municipality, ids: list[int], now: datetime) -> dict[str, int]:
    photos = list(IncidentPhoto.objects.filter(incident_id__in=ids))
    with transaction.atomic():
        comments, _kinds = Comment.objects.filter(incident_id__in=ids).delete()
        IncidentPhoto.objects.filter(pk__in=[p.pk for p in photos]).delete()
        cleared = Incident.objects.filter(pk__in=ids).update(
            description="", place_name="", reported_by=None, assignee=None, details_removed_at=now
        )
        # The files go once the rows are gone for good.
        transaction.on_commit(lambda: _delete_files(photos))
    return {"incidents": cleared, "photos": len(photos), "comments": comments}


def apply_retention(now: datetime | None = None) -> dict[str, Any]:
    """Remove details of every expired incident in every municipality; returns the counts."""
    now = now or timezone.now()
    totals: dict[str, Any] = {}
    for municipality in Municipality.objects.all():
        done = {"incidents": 0, "photos": 0, "comments": 0}
        while ids := list(expired(municipality, now).values_list("pk", flat=True)[:BATCH]):
            for key, value in _remove_details(municipality, ids, now).items():
                done[key] += value
        if done["incidents"]:
            record(
                AuditAction.RETENTION_APPLIED,
                actor="samtrygg gallring",
                municipality=municipality,
                changes={**done, "retention_months": municipality.retention_months},
            )
        totals[municipality.slug] = done
    return totals
