"""Incidents: who sees which (the access policy), reporting rules, the guard in the service."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from samtrygg.audit.models import AuditAction, AuditEvent
from samtrygg.incidents.categories import EST_CHECKLIST, seed_categories
from samtrygg.incidents.models import Category, Incident, Precision
from samtrygg.incidents.queries import incidents
from samtrygg.incidents.services import IncidentInput, create_incident
from samtrygg.tenancy.roles import Role

from .. import factories
from ..conftest import World

LON, LAT = factories.HALMSTAD_LON, factories.HALMSTAD_LAT


pytestmark = pytest.mark.usefixtures("swedish")


@pytest.fixture
def seeded(world: World) -> World:
    seed_categories(world.a)
    seed_categories(world.b)
    return world


def category(world: World, code: str = "klotter") -> Category:
    return Category.objects.get(municipality=world.a, code=code)


def report(
    world: World, user: Any, organisation: Any, code: str = "klotter", **extra: Any
) -> Incident:
    values: dict[str, Any] = {
        "category": category(world, code),
        "reporting_organisation": organisation,
        "occurred_at": timezone.now() - timedelta(hours=2),
        "lat": LAT,
        "lon": LON,
        "description": "Klotter på busskuren.",
    }
    values.update(extra)
    return create_incident(world.access(user), IncidentInput(**values))


def test_seeding_is_idempotent(seeded: World) -> None:
    assert Category.objects.filter(municipality=seeded.a).count() == len(EST_CHECKLIST)
    assert seed_categories(seeded.a) == 0
    assert category(seeded, "hot-vald-personal").visibility == "restricted"


def test_reporting_assigns_area_coordinates_reference_and_logs(seeded: World) -> None:
    incident = report(seeded, seeded.bob, seeded.a_org)
    assert incident.area == seeded.area  # "Centrum" holds the municipality's centre
    assert 6_200_000 < incident.y < 6_300_000 and incident.x > 300_000
    year = timezone.localtime(incident.occurred_at).year
    assert incident.reference == f"{year}-000001"
    assert report(seeded, seeded.bob, seeded.a_org).reference == f"{year}-000002"
    event = AuditEvent.objects.get(action=AuditAction.INCIDENT_CREATED, object_id=incident.pk)
    assert event.actor == seeded.bob and event.organisation == seeded.a_org


def test_personal_identity_number_is_refused(seeded: World) -> None:
    with pytest.raises(ValidationError) as error:
        report(
            seeded,
            seeded.bob,
            seeded.a_org,
            description="Mannen hade personnummer 811218-9876 på sig.",
        )
    assert "personnummer (”811218-9876”)" in str(error.value)
    assert Incident.objects.count() == 0


def test_flagged_details_need_confirmation(seeded: World) -> None:
    text = "Ring väktaren på 070-123 45 67."
    with pytest.raises(ValidationError) as error:
        report(seeded, seeded.bob, seeded.a_org, description=text)
    assert error.value.error_dict["description"][0].code == "pii_flagged"
    assert Incident.objects.count() == 0
    report(seeded, seeded.bob, seeded.a_org, description=text, confirm_flagged=True)
    assert Incident.objects.count() == 1


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"lat": 59.33, "lon": 18.06}, "lat"),  # Stockholm: outside the municipality
        ({"occurred_at": "in two days"}, "occurred_at"),  # made at the pinned clock below
        ({"occurred_at": None}, "occurred_at"),
        ({"severity": 5}, "severity"),
        ({"estimated_cost": -100}, "estimated_cost"),
        ({"lat": None, "lon": None}, "lat"),
    ],
)
def test_bad_input_is_refused_and_nothing_written(
    seeded: World, extra: dict[str, Any], field: str
) -> None:
    if extra.get("occurred_at") == "in two days":
        extra = {"occurred_at": timezone.now() + timedelta(days=2)}
    with pytest.raises(ValidationError) as error:
        report(seeded, seeded.bob, seeded.a_org, **extra)
    assert field in error.value.error_dict
    assert Incident.objects.count() == 0
    assert not AuditEvent.objects.filter(action=AuditAction.INCIDENT_CREATED).exists()


def test_area_only_needs_no_point(seeded: World) -> None:
    incident = report(
        seeded, seeded.bob, seeded.a_org, lat=None, lon=None, precision=Precision.MUNICIPALITY
    )
    assert incident.x is None and incident.area is None


def test_cannot_report_for_another_organisation(seeded: World) -> None:
    with pytest.raises(ValidationError) as error:
        report(seeded, seeded.bob, seeded.a_other_org)
    assert "reporting_organisation" in error.value.error_dict


def test_viewer_may_not_report(seeded: World) -> None:
    viewer = factories.member(seeded.a_org, Role.VIEWER, "politiker@example.se")
    with pytest.raises(PermissionDenied):
        report(seeded, viewer, seeded.a_org)


def test_who_sees_what(seeded: World) -> None:
    analyst = factories.member(seeded.a_org, Role.ANALYST, "analytiker@example.se")
    viewer = factories.member(seeded.a_org, Role.VIEWER, "viewer@example.se")
    handler = factories.member(seeded.a_other_org, Role.HANDLER, "handlaggare@example.se")
    by_bob = report(seeded, seeded.bob, seeded.a_org)
    by_carol = report(seeded, seeded.carol, seeded.a_other_org)
    threat = report(
        seeded,
        seeded.carol,
        seeded.a_other_org,
        code="hot-vald-personal",
        description="Hot mot personal i receptionen.",
    )
    assigned = report(seeded, seeded.bob, seeded.a_org)
    Incident.objects.filter(pk=assigned.pk).update(handling_organisation=seeded.a_other_org)

    def visible(user: Any) -> set[int]:
        return set(incidents(seeded.access(user)).values_list("pk", flat=True))

    everything = {by_bob.pk, by_carol.pk, threat.pk, assigned.pk}
    assert visible(seeded.dave) == everything  # coordinator
    assert visible(seeded.alice) == everything  # administrator
    assert visible(analyst) == everything - {threat.pk}  # restricted category hidden
    assert visible(seeded.bob) == {by_bob.pk, assigned.pk}  # own organisation's reports
    assert visible(seeded.carol) == {by_carol.pk, threat.pk, assigned.pk}  # + assigned to it
    assert visible(handler) == {by_carol.pk, threat.pk, assigned.pk}
    assert visible(viewer) == set()  # aggregates only
    # charlie administers another municipality: nothing of A in his scope.
    assert not incidents(seeded.access(seeded.charlie, seeded.b)).exists()
