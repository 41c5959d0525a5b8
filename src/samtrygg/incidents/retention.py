"""Gallring (DOMAIN.md §4): after the municipality's retention period an incident keeps only its
anonymous statistical record — category, time, place, area, severity, kind of place, police
report, cost, organisations, status.

What goes: the free text (description, place name), the comments, the photos (rows and files),
the reporting and the assigned person, and the link to the weekly report (through which the
reporter could be found). An incident's moment is when it occurred; for an interval the latest
possible moment (``occurred_to``); when only the start is known, the start (``occurred_from``).
An incident cleared earlier that got details again (a comment or photo added after gallring) is
cleared again on the next run.

A weekly report whose whole ISO week lies before the cutoff, and that no longer links an
incident within the period, loses its reporter and the free-text comments of its area
assessments. The organisation, the week, the quiet areas and the green/yellow/red levels stay
for the statistics; the week overview of such an old week then shows no names.

Every run that removed something is logged: one audit event per batch, inside the batch's
transaction, with the counts and the references of the incidents cleared. A dry run
(``samtrygg retention --dry-run``) changes nothing, lists what would go and is logged as a dry
run for each municipality. The daily scheduled run also keeps its counts in its
``ScheduledRun`` row, so a night with nothing to remove still leaves a trace."""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import DateTimeField, Exists, F, OuterRef, Q, QuerySet, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from samtrygg.audit.models import AuditAction
from samtrygg.audit.services import record
from samtrygg.tenancy.models import Municipality

from .models import AreaAssessment, Comment, Incident, IncidentPhoto, Submission, WeeklyReport

BATCH = 5000
ACTOR = "samtrygg gallring"


def months_before(moment: datetime, months: int) -> datetime:
    """The same day and time ``months`` calendar months earlier (the 31st becomes the last day
    of a shorter month)."""
    index = moment.year * 12 + moment.month - 1 - months
    year, month = divmod(index, 12)
    last_day = calendar.monthrange(year, month + 1)[1]
    return moment.replace(year=year, month=month + 1, day=min(moment.day, last_day))


def cutoff(municipality: Municipality, now: datetime) -> datetime:
    """Details of incidents that occurred before this moment are removed."""
    return months_before(timezone.localtime(now), municipality.retention_months)


def _moment() -> Coalesce:
    """When an incident happened, for retention: the moment, else the latest possible moment,
    else the earliest (a CHECK constraint guarantees one of them)."""
    return Coalesce("occurred_at", "occurred_to", "occurred_from")


def _holds_details() -> Q:
    """Anything gallring removes is still there (also after an earlier run: a comment or photo
    may have been added to a cleared case since)."""
    return (
        Q(details_removed_at__isnull=True)
        | ~Q(description="")
        | ~Q(place_name="")
        | Q(reported_by__isnull=False)
        | Q(assignee__isnull=False)
        | Q(weekly_report__isnull=False)
        | Q(Exists(Comment.objects.filter(incident=OuterRef("pk"))))
        | Q(Exists(IncidentPhoto.objects.filter(incident=OuterRef("pk"))))
    )


def expired(municipality: Municipality, now: datetime) -> QuerySet[Incident]:
    """The municipality's incidents past the retention period that still hold details."""
    return (
        Incident.objects.filter(municipality=municipality)
        .alias(moment=_moment())
        .filter(_holds_details(), moment__lt=cutoff(municipality, now))
    )


def expired_weekly_reports(municipality: Municipality, now: datetime) -> QuerySet[WeeklyReport]:
    """Weekly reports of weeks wholly before the cutoff that still name their reporter or hold
    assessment comments, and that link no incident within the period (incidents past it are
    unlinked by the same run, so a dry run finds the same reports)."""
    limit = cutoff(municipality, now)
    year, week, _day = limit.isocalendar()
    within_period = (
        Incident.objects.filter(weekly_report=OuterRef("pk"))
        .alias(moment=_moment())
        .filter(moment__gte=limit)
    )
    commented = AreaAssessment.objects.filter(weekly_report=OuterRef("pk")).exclude(comment="")
    return (
        WeeklyReport.objects.filter(municipality=municipality)
        .filter(Q(iso_year__lt=year) | Q(iso_year=year, iso_week__lt=week))
        .filter(Q(reporter__isnull=False) | Q(Exists(commented)))
        .filter(~Exists(within_period))
    )


@dataclass
class Outcome:
    """What one run removed (or, in a dry run, would remove) in one municipality."""

    municipality: Municipality
    cutoff: datetime
    dry_run: bool = False
    incidents: int = 0
    photos: int = 0
    comments: int = 0
    weekly_reports: int = 0
    # Filled in a dry run; a real run logs the references with each batch instead.
    references: list[str] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        return {"incidents": self.incidents, "photos": self.photos, "comments": self.comments}


def _delete_files(photos: list[IncidentPhoto]) -> None:
    for photo in photos:
        photo.image.delete(save=False)


def _remove_details(outcome: Outcome, ids: list[int], now: datetime) -> None:
    """One batch, in one transaction with its audit event; the files go after the commit."""
    with transaction.atomic():
        references = list(
            Incident.objects.select_for_update()
            .filter(pk__in=ids)
            .order_by("pk")
            .values_list("reference", flat=True)
        )
        photos = list(IncidentPhoto.objects.filter(incident_id__in=ids))
        comments, _kinds = Comment.objects.filter(incident_id__in=ids).delete()
        IncidentPhoto.objects.filter(pk__in=[p.pk for p in photos]).delete()
        # The submission keys name the reporter: they go with the reporter.
        Submission.objects.filter(incident_id__in=ids).delete()
        cleared = Incident.objects.filter(pk__in=ids).update(
            description="",
            place_name="",
            reported_by=None,
            assignee=None,
            weekly_report=None,
            # The first removal's time stays when a case is cleared again.
            details_removed_at=Coalesce(
                "details_removed_at", Value(now, output_field=DateTimeField())
            ),
            version=F("version") + 1,  # an edit begun before gallring meets a conflict
        )
        record(
            AuditAction.RETENTION_APPLIED,
            actor=ACTOR,
            municipality=outcome.municipality,
            changes={
                "incidents": cleared,
                "photos": len(photos),
                "comments": comments,
                "retention_months": outcome.municipality.retention_months,
                "cutoff": outcome.cutoff.isoformat(),
                "references": [None, references],  # a list of two would read as old → new
            },
        )
        # The files go once the rows are gone for good.
        transaction.on_commit(lambda: _delete_files(photos))
    outcome.incidents += cleared
    outcome.photos += len(photos)
    outcome.comments += comments


def _clear_weekly_reports(outcome: Outcome, now: datetime) -> None:
    with transaction.atomic():
        ids = list(
            expired_weekly_reports(outcome.municipality, now)
            .select_for_update()
            .values_list("pk", flat=True)
        )
        if not ids:
            return
        WeeklyReport.objects.filter(pk__in=ids).update(reporter=None)
        Submission.objects.filter(weekly_report_id__in=ids).delete()
        AreaAssessment.objects.filter(weekly_report_id__in=ids).exclude(comment="").update(
            comment=""
        )
        record(
            AuditAction.RETENTION_APPLIED,
            actor=ACTOR,
            municipality=outcome.municipality,
            changes={
                "weekly_reports": len(ids),
                "retention_months": outcome.municipality.retention_months,
                "cutoff": outcome.cutoff.isoformat(),
            },
        )
    outcome.weekly_reports = len(ids)


def _apply(municipality: Municipality, now: datetime) -> Outcome:
    outcome = Outcome(municipality, cutoff(municipality, now))
    last = 0
    # By ascending id, so the loop ends even if a row were to match again after clearing.
    while ids := list(
        expired(municipality, now)
        .filter(pk__gt=last)
        .order_by("pk")
        .values_list("pk", flat=True)[:BATCH]
    ):
        _remove_details(outcome, ids, now)
        last = ids[-1]
    _clear_weekly_reports(outcome, now)
    return outcome


def _preview(municipality: Municipality, now: datetime) -> Outcome:
    """What a run now would remove; writes nothing but the audit event of the dry run."""
    due = expired(municipality, now)
    outcome = Outcome(municipality, cutoff(municipality, now), dry_run=True)
    outcome.references = list(due.order_by("pk").values_list("reference", flat=True))
    outcome.incidents = len(outcome.references)
    outcome.photos = IncidentPhoto.objects.filter(incident__in=due.values("pk")).count()
    outcome.comments = Comment.objects.filter(incident__in=due.values("pk")).count()
    outcome.weekly_reports = expired_weekly_reports(municipality, now).count()
    record(
        AuditAction.RETENTION_APPLIED,
        actor=ACTOR,
        municipality=municipality,
        object_repr=_("Dry run: nothing was changed"),
        changes={
            "dry_run": True,
            "incidents": outcome.incidents,
            "photos": outcome.photos,
            "comments": outcome.comments,
            "weekly_reports": outcome.weekly_reports,
            "retention_months": municipality.retention_months,
            "cutoff": outcome.cutoff.isoformat(),
        },
    )
    return outcome


def run_retention(
    now: datetime | None = None,
    *,
    dry_run: bool = False,
    municipalities: Iterable[Municipality] | None = None,
) -> list[Outcome]:
    """Gallring in every municipality (or the given ones); a dry run changes nothing."""
    now = now or timezone.now()
    chosen = Municipality.objects.order_by("pk") if municipalities is None else municipalities
    return [(_preview if dry_run else _apply)(m, now) for m in chosen]


def apply_retention(now: datetime | None = None) -> dict[str, Any]:
    """The scheduled job: gallring everywhere; returns the counts per municipality. Also removes
    the photos of weekly reports that were never sent (pending uploads older than a day)."""
    from .services import remove_stale_pending_photos

    remove_stale_pending_photos(now)
    return {o.municipality.slug: o.counts() for o in run_retention(now)}
