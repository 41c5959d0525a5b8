from __future__ import annotations

from io import StringIO
from typing import Any

import shapely
from django.core.management import call_command
from shapely.geometry import shape

from samtrygg.analysis.geo import geometry_to_sweref
from samtrygg.areas.models import Area
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
