"""Issue 14, item 4: the case page shows the incident on a map with its coordinates and the
incidents nearby the user may see; duplicate suggestions say what, when and how far; reports
with only an area are matched too."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from samtrygg.incidents import duplicates, nearby
from samtrygg.incidents.categories import seed_categories
from samtrygg.incidents.models import Precision

from ..conftest import World
from .test_cases import _nearby
from .test_incidents import report

pytestmark = pytest.mark.usefixtures("swedish")


@pytest.fixture
def seeded(world: World) -> World:
    seed_categories(world.a)
    return world


def markers(page: str) -> Any:
    found = re.search(r'<script id="case-map-data" type="application/json">(.*?)</script>', page)
    assert found, "the map's data is on the page"
    return json.loads(found.group(1))


def test_case_page_map_shows_what_the_user_may_see_nearby(seeded: World, client: Client) -> None:
    when = timezone.now() - timedelta(days=1)
    case = report(seeded, seeded.bob, seeded.a_org, occurred_at=when)
    lat, lon = _nearby(120)
    own = report(seeded, seeded.bob, seeded.a_org, lat=lat, lon=lon, occurred_at=when)
    others = report(seeded, seeded.carol, seeded.a_other_org, lat=lat, lon=lon, occurred_at=when)
    far_lat, far_lon = _nearby(400)
    far = report(seeded, seeded.bob, seeded.a_org, lat=far_lat, lon=far_lon, occurred_at=when)
    late = report(
        seeded, seeded.bob, seeded.a_org, occurred_at=when - timedelta(days=8)
    )  # same place, more than 7 days before
    # bob (a reporter) may see his organisation's reports, not carol's
    assert [n.incident for n in nearby.nearby(seeded.access(seeded.bob), case)] == [own]
    # the coordinator sees every report of the municipality
    seen = [n.incident for n in nearby.nearby(seeded.access(seeded.dave), case)]
    assert set(seen) == {own, others} and far not in seen and late not in seen
    client.force_login(seeded.bob)
    page = client.get(f"/k/{seeded.a.slug}/incidents/{case.pk}/").content.decode()
    assert 'id="case-map"' in page and "leaflet.js" in page
    assert f"{case.lat:.5f}".replace(".", ",") + "° N" in page  # the coordinates in text
    data = markers(page)
    assert data["focus"]["lat"] == case.lat
    assert [m["url"] for m in data["nearby"]] == [f"/k/{seeded.a.slug}/incidents/{own.pk}/"]
    assert own.reference in page and others.reference not in page
    assert "120 m" in page


def test_a_case_without_a_point_has_no_neighbours_by_distance(seeded: World) -> None:
    case = report(
        seeded,
        seeded.bob,
        seeded.a_org,
        lat=None,
        lon=None,
        precision=Precision.AREA,
        area=seeded.area,
        place_name="Centrum",
    )
    report(seeded, seeded.bob, seeded.a_org)
    assert nearby.nearby(seeded.access(seeded.dave), case) == []


def test_area_only_reports_are_matched_as_duplicates(seeded: World, client: Client) -> None:
    when = timezone.now() - timedelta(days=3)
    area_only: dict[str, Any] = {
        "lat": None,
        "lon": None,
        "precision": Precision.AREA,
        "area": seeded.area,
        "place_name": "Centrum",
        "code": "brand",
    }
    first = report(seeded, seeded.bob, seeded.a_org, occurred_at=when, **area_only)
    second = report(
        seeded,
        seeded.carol,
        seeded.a_other_org,
        occurred_at=when + timedelta(hours=1),
        description="Det brann i ett soprum.",
        **area_only,
    )
    other_kind = report(
        seeded,
        seeded.carol,
        seeded.a_other_org,
        occurred_at=when,
        **{**area_only, "code": "klotter"},
    )
    too_late = report(
        seeded,
        seeded.carol,
        seeded.a_other_org,
        occurred_at=when + timedelta(days=2),
        **area_only,
    )
    coordinator = seeded.access(seeded.dave)
    found = list(duplicates.candidates(coordinator, first))
    assert found == [second]
    assert other_kind not in found and too_late not in found
    # a report with a point in the same area may be the same event as one without
    pointed = report(seeded, seeded.carol, seeded.a_other_org, code="brand", occurred_at=when)
    assert set(duplicates.candidates(coordinator, first)) == {second, pointed}
    assert set(duplicates.candidates(coordinator, pointed)) == {first, second}
    client.force_login(seeded.dave)
    page = client.get(f"/k/{seeded.a.slug}/incidents/{first.pk}/").content.decode()
    assert "Det brann i ett soprum." in page  # the description
    assert "samma område (Centrum), ingen punkt" in page
    assert timezone.localtime(second.occurred_at).strftime("%Y-%m-%d %H:%M") in page


def test_duplicate_suggestions_show_description_time_and_distance(
    seeded: World, client: Client
) -> None:
    when = timezone.now() - timedelta(hours=3)
    fire = report(seeded, seeded.bob, seeded.a_org, code="brand", occurred_at=when)
    lat, lon = _nearby(60)
    same = report(
        seeded,
        seeded.carol,
        seeded.a_other_org,
        code="brand",
        lat=lat,
        lon=lon,
        occurred_at=when + timedelta(hours=1),
        description="Containerbrand vid skolan.",
    )
    client.force_login(seeded.dave)
    page = client.get(f"/k/{seeded.a.slug}/incidents/{fire.pk}/").content.decode()
    assert f'id="dup-{same.pk}"' in page
    assert "Containerbrand vid skolan." in page and "60 m bort" in page
    assert timezone.localtime(same.occurred_at).strftime("%Y-%m-%d %H:%M") in page
