"""E-mail notifications, reminders, the weekly summary, the week overview, the scheduler and
retention (gallring)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from samtrygg.audit.models import AuditAction, AuditEvent
from samtrygg.core.models import ScheduledRun
from samtrygg.core.schedule import run_due
from samtrygg.incidents import cases, notifications
from samtrygg.incidents.categories import seed_categories
from samtrygg.incidents.models import Comment, Incident, IncidentPhoto, Status
from samtrygg.incidents.retention import apply_retention, months_before
from samtrygg.incidents.services import add_photos
from samtrygg.tenancy.roles import Role

from .. import factories
from ..conftest import World, jpeg_with_gps
from .test_incidents import report

pytestmark = pytest.mark.usefixtures("swedish")
STOCKHOLM = ZoneInfo("Europe/Stockholm")


@pytest.fixture
def seeded(world: World) -> World:
    seed_categories(world.a)
    return world


def test_assignment_and_outcome_mails(
    seeded: World, django_capture_on_commit_callbacks: Any
) -> None:
    handler = factories.member(seeded.a_other_org, Role.HANDLER, "gata@example.se")
    incident = report(seeded, seeded.bob, seeded.a_org)
    with django_capture_on_commit_callbacks(execute=True):
        cases.assign(seeded.access(seeded.dave), incident, seeded.a_other_org)
    assert [m.to for m in mail.outbox] == [["gata@example.se"]]
    assert incident.reference in mail.outbox[0].subject
    assert "tilldelats Alfahem AB" in mail.outbox[0].body
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        cases.transition(seeded.access(handler), incident, Status.RESOLVED)
    # the handler made the change; the reporter hears the outcome
    assert [m.to for m in mail.outbox] == [["bob@example.se"]]
    assert "Åtgärdad" in mail.outbox[0].subject


def test_preferences_turn_mails_off(
    seeded: World, client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    factories.member(seeded.a_other_org, Role.HANDLER, "gata@example.se")
    client.force_login(seeded.bob)
    response = client.post("/me/notifications/", {"weekly_summary": "on", "reminders": "on"})
    assert response.status_code == 302
    assert not notifications.preference(seeded.bob).case_updates
    incident = report(seeded, seeded.bob, seeded.a_org)
    with django_capture_on_commit_callbacks(execute=True):
        cases.assign(seeded.access(seeded.dave), incident, seeded.a_other_org)
        cases.transition(seeded.access(seeded.dave), incident, Status.RESOLVED)
    assert all(m.to != ["bob@example.se"] for m in mail.outbox)


def test_missing_weekly_report_reminders_and_overview(seeded: World, client: Client) -> None:
    # bob and carol are reporters; neither has sent last week's report
    now = timezone.now()
    sent = notifications.send_missing_report_reminders(now)
    assert sent[seeded.a.slug] == 2
    assert {m.to[0] for m in mail.outbox} == {"bob@example.se", "carol@example.se"}
    assert "saknas" in mail.outbox[0].subject
    client.force_login(seeded.dave)
    page = client.get(f"/k/{seeded.a.slug}/weeks/").content.decode()
    assert "carol@example.se" in page and "2 rapportörer har inte rapporterat" in page
    mail.outbox.clear()
    client.post(f"/k/{seeded.a.slug}/weeks/", {"action": "remind"})
    assert len(mail.outbox) == 2
    client.force_login(seeded.bob)
    assert client.get(f"/k/{seeded.a.slug}/weeks/").status_code == 403


def test_weekly_summary_tells_reporters_what_happened(seeded: World) -> None:
    incident = report(seeded, seeded.bob, seeded.a_org)
    cases.transition(seeded.access(seeded.dave), incident, Status.REJECTED)
    notifications.send_weekly_summaries(timezone.now() + timedelta(minutes=1))
    summary = [m for m in mail.outbox if m.to == ["bob@example.se"]]
    assert len(summary) == 1 and incident.reference in summary[0].body
    assert "Avvisad" in summary[0].body


def test_scheduler_runs_each_job_once_per_period(seeded: World) -> None:
    monday_morning = datetime(2026, 11, 23, 9, 0, tzinfo=STOCKHOLM)

    def names(ran: list[str]) -> list[str]:
        # the hourly weekly-picture job is tested in tests/situation/test_weekly_picture.py
        skip = ("weekly-picture", "plan-reminders")  # tested with the situation and plans
        skip += ("job-files",)  # tests/exchange/test_jobs.py
        return sorted(r.split()[0] for r in ran if not r.startswith(skip))

    assert names(run_due(monday_morning.replace(hour=1))) == []  # before 02:00 and 08:00
    ran = run_due(monday_morning)
    assert names(ran) == ["retention", "weekly-reminders", "weekly-summaries"]
    assert names(run_due(monday_morning + timedelta(hours=1))) == []
    # Tuesday: only the daily job again
    assert names(run_due(monday_morning + timedelta(days=1))) == ["retention"]
    assert ScheduledRun.objects.filter(job="weekly-reminders").count() == 1


def test_months_before() -> None:
    assert months_before(datetime(2026, 3, 31, 12, tzinfo=STOCKHOLM), 1) == datetime(
        2026, 2, 28, 12, tzinfo=STOCKHOLM
    )
    assert months_before(datetime(2026, 1, 15, tzinfo=STOCKHOLM), 36) == datetime(
        2023, 1, 15, tzinfo=STOCKHOLM
    )


def test_retention_removes_details_and_keeps_the_statistics(
    seeded: World, django_capture_on_commit_callbacks: Any
) -> None:
    seeded.a.retention_months = 12
    seeded.a.save()
    old = report(seeded, seeded.bob, seeded.a_org, occurred_at=timezone.now() - timedelta(days=400))
    new = report(seeded, seeded.bob, seeded.a_org)
    cases.add_comment(seeded.access(seeded.bob), old, "Sanerat av fastighetsskötaren.")
    add_photos(seeded.access(seeded.bob), old, [("a.jpg", jpeg_with_gps(40, 40))])
    photo_path = IncidentPhoto.objects.get(incident=old).image.path
    with django_capture_on_commit_callbacks(execute=True):
        result = apply_retention()
    assert result[seeded.a.slug] == {"incidents": 1, "photos": 1, "comments": 1}
    old.refresh_from_db()
    assert (old.description, old.place_name, old.reported_by) == ("", "", None)
    assert old.details_removed_at is not None and old.category.code == "klotter"
    assert old.x is not None and old.area == seeded.area  # the statistical record stays
    assert not Comment.objects.filter(incident=old).exists()
    import os

    assert not os.path.exists(photo_path)
    new.refresh_from_db()
    assert new.description == "Klotter på busskuren."
    event = AuditEvent.objects.get(action=AuditAction.RETENTION_APPLIED)
    assert event.changes["incidents"] == [None, 1]
    assert apply_retention()[seeded.a.slug]["incidents"] == 0  # nothing twice
    assert Incident.objects.count() == 2
