from __future__ import annotations

from io import StringIO
from typing import Any

import shapely
from django.core.management import call_command
from shapely.geometry import shape

from samtrygg.analysis.geo import geometry_to_sweref
from samtrygg.areas.models import Area
from samtrygg.audit.models import AuditAction, AuditEvent
from samtrygg.tenancy.models import Membership, Municipality, Organisation, User
from samtrygg.tenancy.roles import Role


def counts() -> tuple[int, ...]:
    return (
        Municipality.objects.count(),
        Organisation.objects.count(),
        User.objects.count(),
        Membership.objects.count(),
        Area.objects.count(),
    )


def test_demo_builds_and_rebuilds_without_duplicates(db: Any) -> None:
    out = StringIO()
    call_command("build_demo", stdout=out)
    first = counts()
    assert AuditEvent.objects.filter(action=AuditAction.DEMO_BUILT).exists()
    call_command("build_demo", stdout=StringIO())
    assert counts() == first
    assert {m.slug for m in Municipality.objects.all()} == {"halmstad", "kalmar"}
    for municipality in Municipality.objects.all():
        assert 6 <= municipality.organisations.count() <= 10
        roles = set(
            Membership.objects.filter(organisation__municipality=municipality).values_list(
                "role", flat=True
            )
        )
        assert roles == set(Role)
        assert municipality.branding.header_text.startswith(municipality.name)
    assert AuditEvent.objects.filter(action=AuditAction.BRANDING_CHANGED).count() == 2  # once
    text = out.getvalue()
    assert "admin.halmstad@example.se" in text and "Samtrygg-demo-2026" in text


def test_districts_cover_the_municipality(db: Any) -> None:
    call_command("build_demo", stdout=StringIO())
    for municipality in Municipality.objects.all():
        boundary = geometry_to_sweref(shape(municipality.boundary))
        districts = [geometry_to_sweref(shape(a.geometry)) for a in municipality.areas.all()]
        union = shapely.unary_union(districts)
        assert union.area / boundary.area > 0.999
        assert sum(d.area for d in districts) / union.area < 1.001  # no overlaps
        names = sorted(a.name for a in municipality.areas.all())
        assert names[0] == "Område 1"


def test_demo_is_deterministic(db: Any) -> None:
    call_command("build_demo", seed=7, stdout=StringIO())
    first = sorted((a.name, round(a.area_m2)) for a in Area.objects.all())
    Area.objects.all().delete()
    call_command("build_demo", seed=7, stdout=StringIO())
    assert sorted((a.name, round(a.area_m2)) for a in Area.objects.all()) == first


def test_demo_incidents_look_like_est_reports(db: Any) -> None:
    from collections import Counter

    from django.utils import timezone

    from samtrygg.incidents.models import Incident, Status, WeeklyReport

    call_command("build_demo", incidents=3000, stdout=StringIO())
    halmstad = Municipality.objects.get(slug="halmstad")
    rows = Incident.objects.filter(municipality=halmstad)
    originals = rows.exclude(status=Status.DUPLICATE)
    assert originals.count() == 3000
    assert set(rows.values_list("status", flat=True)) == set(Status.values)
    duplicates = rows.filter(status=Status.DUPLICATE)
    assert duplicates.exists() and not duplicates.filter(duplicate_of__isnull=True).exists()
    pair = duplicates.select_related("duplicate_of").first()
    assert pair.reporting_organisation_id != pair.duplicate_of.reporting_organisation_id
    # weekend evenings dominate; summer above winter
    when = [
        timezone.localtime(t)
        for t in originals.exclude(occurred_at=None).values_list("occurred_at", flat=True)
    ]
    weekday = Counter(t.weekday() for t in when)
    assert weekday[5] > 1.2 * weekday[1]
    hours = Counter(t.hour for t in when)
    assert hours[21] > 3 * hours[5]
    # every incident lies in an area; the reporter's weekly reports have gaps
    assert not originals.filter(area__isnull=True).exists()
    reports = WeeklyReport.objects.filter(municipality=halmstad).count()
    assert 0.7 * 105 < reports < 105
    # running again adds nothing
    call_command("build_demo", stdout=StringIO())
    assert (
        Incident.objects.filter(municipality=halmstad, status=Status.DUPLICATE).count()
        == duplicates.count()
    )
    assert originals.count() == 3000


def test_halmstad_has_a_demo_promise_with_every_party(db: Any) -> None:
    from samtrygg.plans.models import CitizenPromise

    call_command("build_demo", incidents=0, stdout=StringIO())
    call_command("build_demo", incidents=0, stdout=StringIO())
    promise = CitizenPromise.objects.get(municipality__slug="halmstad")
    assert "(demo)" in promise.title and promise.agreement is not None
    parties = {a.party for a in promise.activities.all()}
    assert parties == {"kommunen", "polisen", "tillsammans"}
    assert all("(demo)" in a.text for a in promise.activities.all())
    assert promise.activities.filter(follow_ups__isnull=False).exists()
    assert not CitizenPromise.objects.filter(municipality__slug="kalmar").exists()
