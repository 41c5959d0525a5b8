"""Gallring: every kind of incident time expires, everything personal goes (comments, photos and
their files, the reporter and assignee, the weekly-report link), a dry run changes nothing, and
runs are logged."""

from __future__ import annotations

import io
import os
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone

from samtrygg.audit.models import AuditAction, AuditEvent
from samtrygg.incidents import cases
from samtrygg.incidents.categories import seed_categories
from samtrygg.incidents.models import (
    AreaAssessment,
    AssessmentLevel,
    Comment,
    Incident,
    IncidentPhoto,
    WeeklyReport,
)
from samtrygg.incidents.retention import apply_retention, months_before, run_retention
from samtrygg.incidents.services import add_photos

from ..conftest import World, jpeg_with_gps
from .test_incidents import report

pytestmark = pytest.mark.usefixtures("swedish")


@pytest.fixture
def seeded(world: World) -> World:
    seed_categories(world.a)
    world.a.retention_months = 12
    world.a.save()
    return world


def the_cutoff() -> datetime:
    return months_before(timezone.localtime(), 12)


def weekly_report(world: World, moment: datetime, comment: str = "") -> WeeklyReport:
    year, week, _day = timezone.localtime(moment).isocalendar()
    weekly, _created = WeeklyReport.objects.get_or_create(
        municipality=world.a,
        organisation=world.a_org,
        reporter=world.bob,
        iso_year=year,
        iso_week=week,
    )
    AreaAssessment.objects.get_or_create(
        weekly_report=weekly,
        area=world.area,
        defaults={"level": AssessmentLevel.YELLOW, "comment": comment},
    )
    return weekly


def incident(world: World, **times: Any) -> Incident:
    """An incident with the given times (the others empty), a comment, a photo, an assignee and
    a weekly report from the week it began in."""
    made = report(world, world.bob, world.a_org)
    start = times.get("occurred_at") or times["occurred_from"]
    values = {"occurred_at": None, "occurred_from": None, "occurred_to": None, **times}
    Incident.objects.filter(pk=made.pk).update(
        place_name="Vid Storgatan 3",
        assignee=world.carol,
        weekly_report=weekly_report(world, start, comment="Oro vid kiosken."),
        **values,
    )
    made.refresh_from_db()
    cases.add_comment(world.access(world.dave), made, "Fastighetsskötaren sanerar i morgon.")
    add_photos(world.access(world.bob), made, [("a.jpg", jpeg_with_gps(40, 40))])
    return made


def holds_details(made: Incident) -> bool:
    made.refresh_from_db()
    return (
        made.description != ""
        and made.reported_by_id is not None
        and made.assignee_id is not None
        and made.weekly_report_id is not None
        and made.details_removed_at is None
        and Comment.objects.filter(incident=made).exists()
        and IncidentPhoto.objects.filter(incident=made).exists()
    )


def test_an_incident_with_only_a_start_time_is_cleared_on_schedule(
    seeded: World, django_capture_on_commit_callbacks: Any
) -> None:
    cutoff = the_cutoff()
    # A week before the cutoff (its weekly report's week then lies wholly before it too).
    old = incident(seeded, occurred_from=cutoff - timedelta(days=8))
    inside = incident(seeded, occurred_from=cutoff + timedelta(hours=1))
    photo_path = IncidentPhoto.objects.get(incident=old).image.path
    kept_photo_path = IncidentPhoto.objects.get(incident=inside).image.path
    old_weekly = old.weekly_report
    assert old_weekly is not None and os.path.exists(photo_path)
    version = old.version

    with django_capture_on_commit_callbacks(execute=True):
        result = apply_retention()

    assert result[seeded.a.slug] == {"incidents": 1, "photos": 1, "comments": 1}
    old.refresh_from_db()
    assert (old.description, old.place_name) == ("", "")
    assert (old.reported_by, old.assignee, old.weekly_report) == (None, None, None)
    assert old.details_removed_at is not None and old.version == version + 1
    assert old.category.code == "klotter" and old.area == seeded.area  # the statistics stay
    assert old.occurred_from is not None
    assert not Comment.objects.filter(incident=old).exists()
    assert not IncidentPhoto.objects.filter(incident=old).exists()
    assert not os.path.exists(photo_path)  # the file is gone from MEDIA_ROOT
    # Its weekly report (a week wholly before the cutoff) no longer names the reporter.
    old_weekly.refresh_from_db()
    assert old_weekly.reporter is None and old_weekly.organisation == seeded.a_org
    assessment = AreaAssessment.objects.get(weekly_report=old_weekly)
    assert (assessment.comment, assessment.level) == ("", AssessmentLevel.YELLOW)
    # One hour inside the period: everything kept.
    assert holds_details(inside) and os.path.exists(kept_photo_path)
    assert inside.weekly_report is not None and inside.weekly_report.reporter == seeded.bob
    assert inside.place_name == "Vid Storgatan 3"
    # Logged with the references; nothing twice.
    event = AuditEvent.objects.get(
        action=AuditAction.RETENTION_APPLIED, changes__has_key="references"
    )
    assert event.changes["references"] == [None, [old.reference]]
    assert apply_retention()[seeded.a.slug]["incidents"] == 0


@pytest.mark.parametrize(
    ("times", "expires"),
    [
        ({"occurred_at": -1}, True),
        ({"occurred_at": +1}, False),
        ({"occurred_from": -30, "occurred_to": -1}, True),
        # Began before the cutoff but may have happened after it: kept.
        ({"occurred_from": -30, "occurred_to": +1}, False),
        ({"occurred_from": -1}, True),
        ({"occurred_from": +1}, False),
    ],
)
def test_every_kind_of_time_is_compared(
    seeded: World, times: dict[str, int], expires: bool
) -> None:
    cutoff = the_cutoff()
    made = incident(seeded, **{k: cutoff + timedelta(hours=h) for k, h in times.items()})
    apply_retention()
    assert holds_details(made) is not expires


def test_a_dry_run_lists_what_would_go_and_changes_nothing(
    seeded: World, django_capture_on_commit_callbacks: Any
) -> None:
    cutoff = the_cutoff()
    old = incident(seeded, occurred_from=cutoff - timedelta(days=10))
    inside = incident(seeded, occurred_at=cutoff + timedelta(days=3))
    photo_path = IncidentPhoto.objects.get(incident=old).image.path
    out = io.StringIO()

    with django_capture_on_commit_callbacks(execute=True):
        call_command("retention", "--dry-run", stdout=out)

    text = out.getvalue()
    assert (
        "Alfa, före " in text
        and "skulle gallras: 1 händelse, 1 foto, 1 kommentar, 1 veckorapport" in text
    )
    assert f"  {old.reference}\n" in text and inside.reference not in text
    assert "Inget ändrades (--dry-run)." in text
    assert holds_details(old) and holds_details(inside) and os.path.exists(photo_path)
    assert old.weekly_report is not None and old.weekly_report.reporter == seeded.bob
    logged = AuditEvent.objects.get(action=AuditAction.RETENTION_APPLIED, municipality=seeded.a)
    assert logged.changes["dry_run"] == [None, True] and logged.changes["incidents"] == [None, 1]
    assert logged.object_repr == "Provkörning: inget ändrades"
    # Every municipality's dry run is logged, even with nothing to remove.
    assert AuditEvent.objects.filter(
        action=AuditAction.RETENTION_APPLIED, municipality=seeded.b
    ).exists()

    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("retention", "--municipality", seeded.a.slug, stdout=out)
    assert "gallrades: 1 händelse, 1 foto, 1 kommentar, 1 veckorapport" in out.getvalue()
    assert not holds_details(old) and holds_details(inside) and not os.path.exists(photo_path)


def test_details_added_after_gallring_go_on_the_next_run(seeded: World) -> None:
    old = incident(seeded, occurred_at=the_cutoff() - timedelta(days=1))
    apply_retention()
    cases.add_comment(seeded.access(seeded.dave), old, "Sent tillägg.")
    first_removal = Incident.objects.get(pk=old.pk).details_removed_at
    assert run_retention(dry_run=True)[0].references == [old.reference]
    assert apply_retention()[seeded.a.slug]["comments"] == 1
    assert not Comment.objects.filter(incident=old).exists()
    assert Incident.objects.get(pk=old.pk).details_removed_at == first_removal


def test_a_weekly_report_keeps_its_reporter_while_it_links_an_incident_within_the_period(
    seeded: World,
) -> None:
    cutoff = the_cutoff()
    old = incident(seeded, occurred_at=cutoff - timedelta(days=10))
    late = incident(seeded, occurred_at=cutoff + timedelta(days=1))
    # Reported in the old incident's (expired) week, but it happened inside the period.
    Incident.objects.filter(pk=late.pk).update(weekly_report=old.weekly_report)
    quiet = weekly_report(seeded, cutoff - timedelta(days=30))  # a quiet week, no incidents
    apply_retention()
    assert WeeklyReport.objects.get(pk=old.weekly_report_id).reporter == seeded.bob
    assert WeeklyReport.objects.get(pk=quiet.pk).reporter is None
    logged = AuditEvent.objects.filter(changes__has_key="weekly_reports").get()
    assert logged.changes["weekly_reports"] == [None, 1]  # the quiet week only


def test_a_run_with_nothing_to_remove_writes_no_event(seeded: World) -> None:
    incident(seeded, occurred_at=timezone.now() - timedelta(days=1))
    assert apply_retention()[seeded.a.slug] == {"incidents": 0, "photos": 0, "comments": 0}
    assert not AuditEvent.objects.filter(action=AuditAction.RETENTION_APPLIED).exists()
