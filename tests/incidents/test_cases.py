"""Case handling: the transition table, assignment, comments, conflicts, duplicates, weekly
reports."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from samtrygg.analysis.geo import sweref_to_wgs84, wgs84_to_sweref
from samtrygg.audit.models import AuditAction, AuditEvent
from samtrygg.incidents import cases, duplicates
from samtrygg.incidents.categories import seed_categories
from samtrygg.incidents.models import Category, Incident, Status, WeeklyReport
from samtrygg.incidents.services import IncidentInput
from samtrygg.incidents.weekly import (
    Assessment,
    WeeklyReportInput,
    missing_weekly_reports,
    submit_weekly_report,
)
from samtrygg.incidents.workflow import allowed_moves
from samtrygg.tenancy.roles import Role

from .. import factories
from ..conftest import World
from .test_incidents import LAT, LON, report

pytestmark = pytest.mark.usefixtures("swedish")


@pytest.fixture
def seeded(world: World) -> World:
    seed_categories(world.a)
    return world


@pytest.fixture
def handler(seeded: World) -> Any:
    return factories.member(seeded.a_other_org, Role.HANDLER, "gata@example.se")


def test_full_case_life(seeded: World, handler: Any) -> None:
    case = report(seeded, seeded.bob, seeded.a_org)
    coordinator = seeded.access(seeded.dave)
    assert Status.ASSIGNED in allowed_moves(coordinator, case)
    case = cases.assign(
        coordinator,
        case,
        seeded.a_other_org,
        assignee=handler,
        due_date=timezone.localdate() + timedelta(days=7),
    )
    assert case.status == Status.ASSIGNED and case.version == 2
    handling = seeded.access(handler)
    case = cases.transition(handling, case, Status.IN_PROGRESS)
    case = cases.transition(handling, case, Status.RESOLVED, comment="Lampan bytt.")
    with pytest.raises(ValidationError, match="kan inte gå från"):
        cases.transition(handling, case, Status.CLOSED)  # closing is for coordinators
    case = cases.transition(coordinator, case, Status.CLOSED)
    assert Incident.objects.get(pk=case.pk).status == Status.CLOSED
    # The reporter sees the outcome: the status and the shared comment.
    seen = Incident.objects.get(pk=case.pk)
    assert [c.text for c in cases.visible_comments(seeded.access(seeded.bob), seen)] == [
        "Lampan bytt."
    ]
    actions = list(
        AuditEvent.objects.filter(object_id=str(case.pk), object_type="incidents.incident")
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == [
        AuditAction.INCIDENT_CREATED,
        AuditAction.CASE_ASSIGNED,
        AuditAction.CASE_STATUS_CHANGED,
        AuditAction.CASE_STATUS_CHANGED,
        AuditAction.CASE_STATUS_CHANGED,
    ]


def test_reporter_cannot_move_cases(seeded: World) -> None:
    case = report(seeded, seeded.bob, seeded.a_org)
    assert allowed_moves(seeded.access(seeded.bob), case) == []
    with pytest.raises(ValidationError):
        cases.transition(seeded.access(seeded.bob), case, Status.TRIAGED)
    with pytest.raises(PermissionDenied):
        cases.assign(seeded.access(seeded.bob), case, seeded.a_other_org)


def test_second_editor_gets_a_conflict_and_nothing_is_lost(seeded: World) -> None:
    case = report(seeded, seeded.bob, seeded.a_org)
    coordinator = seeded.access(seeded.dave)
    seen_version = case.version
    cases.transition(coordinator, case, Status.TRIAGED, expected_version=seen_version)
    with pytest.raises(cases.ConflictError, match="Någon annan har ändrat"):
        cases.transition(
            seeded.access(seeded.alice), case, Status.REJECTED, expected_version=seen_version
        )
    assert Incident.objects.get(pk=case.pk).status == Status.TRIAGED


def test_internal_comments_stay_in_the_organisation(seeded: World, handler: Any) -> None:
    case = report(seeded, seeded.bob, seeded.a_org)
    case = cases.assign(seeded.access(seeded.dave), case, seeded.a_other_org)
    cases.add_comment(seeded.access(handler), case, "Beställt ny armatur.", internal=True)
    cases.add_comment(seeded.access(handler), case, "Åtgärdas vecka 48.")
    assert len(cases.visible_comments(seeded.access(handler), case)) == 2
    assert [c.text for c in cases.visible_comments(seeded.access(seeded.bob), case)] == [
        "Åtgärdas vecka 48."
    ]
    with pytest.raises(ValidationError):
        cases.add_comment(seeded.access(handler), case, "Anmälaren 811218-9876 ringde.")


def test_outsider_cannot_touch_a_case(seeded: World) -> None:
    case = report(seeded, seeded.carol, seeded.a_other_org)
    with pytest.raises(PermissionDenied):  # bob's organisation neither reported nor handles it
        cases.add_comment(seeded.access(seeded.bob), case, "Hej")


def _nearby(metres_east: float) -> tuple[float, float]:
    x, y = wgs84_to_sweref([LON], [LAT])
    lon, lat = sweref_to_wgs84(x + metres_east, y)
    return float(lat[0]), float(lon[0])


def test_duplicate_candidates_and_merge(seeded: World) -> None:
    when = timezone.now() - timedelta(hours=3)
    fire = report(
        seeded,
        seeded.bob,
        seeded.a_org,
        code="brand",
        occurred_at=when,
        description="Brand i container.",
    )
    lat, lon = _nearby(60)
    same = report(
        seeded,
        seeded.carol,
        seeded.a_other_org,
        code="brand",
        lat=lat,
        lon=lon,
        occurred_at=when + timedelta(hours=1),
        description="Containerbrand.",
    )
    lat_far, lon_far = _nearby(400)
    report(
        seeded,
        seeded.carol,
        seeded.a_other_org,
        code="brand",
        lat=lat_far,
        lon=lon_far,
        occurred_at=when,
    )  # too far
    report(
        seeded, seeded.carol, seeded.a_other_org, code="brand", occurred_at=when - timedelta(days=2)
    )  # too early
    report(seeded, seeded.carol, seeded.a_other_org, code="nedskrapning", occurred_at=when)
    coordinator = seeded.access(seeded.dave)
    found = list(duplicates.candidates(coordinator, fire))
    assert found == [same]
    cases.merge(coordinator, fire, [same])
    merged = Incident.objects.get(pk=same.pk)
    assert merged.status == Status.DUPLICATE and merged.duplicate_of_id == fire.pk
    counted = Incident.objects.filter(category__code="brand").exclude(status=Status.DUPLICATE)
    assert fire in counted and merged not in counted  # the group counts once
    assert list(duplicates.candidates(coordinator, fire)) == []


def test_weekly_report_all_or_nothing(seeded: World) -> None:
    access = seeded.access(seeded.bob)
    year, week, _ = (timezone.localdate() - timedelta(days=7)).isocalendar()
    klotter = Category.objects.get(municipality=seeded.a, code="klotter")
    good = IncidentInput(
        category=klotter,
        reporting_organisation=seeded.a_org,
        occurred_at=timezone.now() - timedelta(days=7),
        lat=LAT,
        lon=LON,
    )
    bad = IncidentInput(
        category=klotter,
        reporting_organisation=seeded.a_org,
        occurred_at=timezone.now() - timedelta(days=7),
        lat=59.33,
        lon=18.06,
    )
    with pytest.raises(ValidationError) as error:
        submit_weekly_report(access, WeeklyReportInput(seeded.a_org, year, week, [good, bad]))
    assert "incident_2_lat" in error.value.error_dict
    assert not Incident.objects.exists() and not WeeklyReport.objects.exists()
    from samtrygg.areas.services import import_areas

    import_areas(
        seeded.a,
        factories.feature_collection(
            factories.feature("Norr", factories.square(LON, LAT + 0.05, 0.01))
        ),
        kind="district",
    )
    norr = seeded.a.areas.get(name="Norr")
    report_ = submit_weekly_report(
        access,
        WeeklyReportInput(
            seeded.a_org,
            year,
            week,
            [good, good],
            quiet_areas=[norr],
            assessments=[
                Assessment(seeded.area, "yellow", "Mer klotter än vanligt"),
                Assessment(norr, "green"),
            ],
        ),
    )
    assert report_.incidents.count() == 2
    assert list(report_.quiet_areas.all()) == [norr]
    assert sorted(report_.assessments.values_list("level", flat=True)) == ["green", "yellow"]
    missing = missing_weekly_reports(seeded.access(seeded.dave), year, week)
    assert seeded.carol in [m.user for m in missing] and seeded.bob not in [m.user for m in missing]


def test_weekly_report_refuses_a_future_or_impossible_week(seeded: World) -> None:
    access = seeded.access(seeded.bob)
    with pytest.raises(ValidationError, match="finns inte"):
        submit_weekly_report(access, WeeklyReportInput(seeded.a_org, 2026, 54))
    year, week, _ = (timezone.localdate() + timedelta(days=14)).isocalendar()
    with pytest.raises(ValidationError, match="inte börjat"):
        submit_weekly_report(access, WeeklyReportInput(seeded.a_org, year, week))


def test_duplicate_distance_is_a_setting(seeded: World, settings: Any) -> None:
    first = report(seeded, seeded.bob, seeded.a_org)
    x, y = wgs84_to_sweref([LON], [LAT])
    lon, lat = sweref_to_wgs84([x[0] + 150], [y[0]])
    second = report(seeded, seeded.carol, seeded.a_other_org, lat=float(lat[0]), lon=float(lon[0]))
    coordinator = seeded.access(seeded.dave)
    assert second not in duplicates.candidates(coordinator, first)  # 150 m > 100 m
    settings.DUPLICATE_RADIUS_M = 200
    assert second in duplicates.candidates(coordinator, first)
