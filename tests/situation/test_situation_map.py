"""The situation map: the snapshot stays current, layers follow the filters and the access
policy, and a viewer never sees a single incident or a count under the threshold."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime, time, timedelta
from typing import Any

import numpy as np
import pytest
from django.test import Client
from django.utils import timezone

from samtrygg.analysis.hotspots import gi_star
from samtrygg.incidents import cases
from samtrygg.incidents.categories import seed_categories
from samtrygg.incidents.models import Category
from samtrygg.situation import layers
from samtrygg.situation.filters import SituationFilters
from samtrygg.situation.snapshot import snapshot
from samtrygg.tenancy.roles import Role

from .. import factories
from ..conftest import World
from ..incidents.test_incidents import report

pytestmark = pytest.mark.usefixtures("swedish")
LAT, LON = factories.HALMSTAD_LAT, factories.HALMSTAD_LON


@pytest.fixture
def seeded(world: World) -> World:
    seed_categories(world.a)
    return world


@pytest.fixture
def viewer(seeded: World) -> Any:
    return factories.member(seeded.a_org, Role.VIEWER, "politiker@example.se")


def cluster(
    world: World,
    n: int,
    lat: float = LAT,
    lon: float = LON,
    code: str = "klotter",
    last_month: bool = False,
) -> list[Any]:
    """n reports near a place, 1–20 days ago; with ``last_month`` in the last completed
    calendar month instead (the period a viewer sees by default: situation/disclosure.py)."""
    rng = np.random.default_rng(n)
    end = timezone.now()
    if last_month:
        from samtrygg.situation.disclosure import calendar_dates

        first, _last = calendar_dates("4weeks", timezone.localdate())
        end = timezone.make_aware(datetime.combine(first, time(12))) + timedelta(days=21)
    return [
        report(
            world,
            world.bob,
            world.a_org,
            code=code,
            lat=lat + rng.normal(0, 0.0004),
            lon=lon + rng.normal(0, 0.0007),
            occurred_at=end - timedelta(days=int(rng.integers(1, 20))),
        )
        for _ in range(n)
    ]


def get_json(client: Client, world: World, layer: str, query: str = "") -> Any:
    response = client.get(f"/k/{world.a.slug}/situation/{layer}.json?{query}")
    assert response.status_code == 200, response.content
    return response.json()


def test_snapshot_follows_new_reports_and_case_changes(seeded: World) -> None:
    first = report(seeded, seeded.bob, seeded.a_org)
    snap = snapshot(seeded.a.pk)
    assert snap.size == 1 and snap.counted.sum() == 1
    second = report(seeded, seeded.bob, seeded.a_org)
    assert snapshot(seeded.a.pk).size == 2
    cases.merge(seeded.access(seeded.dave), first, [second])
    snap = snapshot(seeded.a.pk)
    assert snap.size == 2 and snap.counted.sum() == 1  # the merged duplicate counts once


def test_filters_from_the_url() -> None:
    from django.http import QueryDict

    filters = SituationFilters.from_query(
        QueryDict("period=quarter&category=3&category=x&area=7&layers=heat,bogus&z=14&lat=56.6")
    )
    assert filters.categories == (3,) and filters.areas == (7,) and filters.layers == ("heat",)
    first, last = filters.dates()
    assert (last - first).days == 90
    assert "category=3" in filters.query() and "z=14" in filters.query()
    custom = SituationFilters.from_query(QueryDict("period=custom&from=2026-01-01&to=2025-01-01"))
    assert custom.period == "4weeks"  # an impossible custom period falls back


def test_layers_for_a_coordinator(seeded: World, client: Client) -> None:
    cluster(seeded, 12)
    report(seeded, seeded.bob, seeded.a_org, code="brand", lat=LAT + 0.01, lon=LON - 0.015)
    client.force_login(seeded.dave)
    points = get_json(client, seeded, "points")
    assert points["total"] == 13 and len(points["features"]) == 13
    only_fire = get_json(
        client,
        seeded,
        "points",
        f"category={Category.objects.get(municipality=seeded.a, code='brand').pk}",
    )
    assert only_fire["total"] == 1
    grid = get_json(client, seeded, "grid")
    assert sum(cell[4] for cell in grid["cells"]) == 13
    south, west, north, east, _count = grid["cells"][0]
    assert south < north and west < east and abs(north - south) < 0.003
    areas = get_json(client, seeded, "areas")["areas"]
    assert areas[0]["name"] == "Centrum" and areas[0]["count"] == 13
    assert areas[0]["rate"] == round(13 / 5000 * 1000, 2)
    heat = get_json(client, seeded, "heat")
    assert heat["points"] and max(p[2] for p in heat["points"]) == 1.0
    page = client.get(f"/k/{seeded.a.slug}/situation/")
    assert page.status_code == 200 and "13 händelser" in page.content.decode()


def test_hotspots_equal_the_analysis_library(seeded: World, client: Client) -> None:
    cluster(seeded, 40)
    cluster(seeded, 3, lat=LAT + 0.05, lon=LON + 0.05)
    client.force_login(seeded.dave)
    data = get_json(client, seeded, "hotspots")
    hot = [f for f in data["features"] if f["properties"]["kind"] == "hot"]
    assert hot, "the planted cluster is a hot spot"
    view = layers.View(seeded.access(seeded.dave), SituationFilters())
    expected = gi_star(view.cell_counts, view.geometry.weights, fdr=True)
    assert len(data["features"]) == int((expected.bins != 0).sum())
    z_by_cell = dict(zip(view.geometry.inside.tolist(), expected.z.tolist(), strict=True))
    for feature in data["features"]:
        assert feature["properties"]["z"] == round(z_by_cell[feature["properties"]["cell"]], 2)


def test_reporter_sees_the_shared_picture_but_only_own_points(
    seeded: World, client: Client
) -> None:
    cluster(seeded, 5)
    report(seeded, seeded.carol, seeded.a_other_org)
    client.force_login(seeded.carol)
    assert get_json(client, seeded, "points")["total"] == 1
    assert get_json(client, seeded, "areas")["areas"][0]["count"] == 6


def test_restricted_categories_stay_out_of_other_actors_aggregates(
    seeded: World, client: Client
) -> None:
    viewer = factories.member(seeded.a_other_org, Role.VIEWER, "chef@example.se")
    for _ in range(4):
        report(seeded, seeded.bob, seeded.a_org, code="hot-vald-personal")
    client.force_login(seeded.carol)
    assert get_json(client, seeded, "areas")["areas"][0]["count"] == 0
    client.force_login(viewer)
    assert get_json(client, seeded, "areas")["areas"][0]["count"] == 0
    client.force_login(seeded.dave)
    assert get_json(client, seeded, "areas")["areas"][0]["count"] == 4


def test_viewer_gets_no_single_incidents_and_no_small_counts(
    seeded: World, client: Client, viewer: Any
) -> None:
    lonely = cluster(seeded, 2, lat=LAT + 0.03, lon=LON + 0.03, last_month=True)  # under 3
    cluster(seeded, 6, last_month=True)
    client.force_login(viewer)
    slug = seeded.a.slug
    points = get_json(client, seeded, "points")
    assert points["features"] == [] and points["total"] == 0
    cells = get_json(client, seeded, "grid")["cells"]
    assert cells and all(cell[4] >= 3 for cell in cells)  # the lonely pair's square is gone
    for feature in get_json(client, seeded, "hotspots")["features"]:
        assert feature["properties"]["count"] in (None, 0) or feature["properties"]["count"] >= 3
    for row in get_json(client, seeded, "areas")["areas"]:
        assert row["count"] is None or row["count"] == 0 or row["count"] >= 3
    # the heat surface holds nothing made from the lonely pair alone
    heat = get_json(client, seeded, "heat")["points"]
    assert heat and all(
        abs(p[0] - (LAT + 0.03)) > 0.005 or abs(p[1] - (LON + 0.03)) > 0.005 for p in heat
    )
    # the page and every download: no case links, no references, no small numbers
    page = client.get(f"/k/{slug}/situation/").content.decode()
    assert "/incidents/" not in page and lonely[0].reference not in page
    assert "situation/points.json" not in page
    points_csv = client.get(f"/k/{slug}/situation/points.csv").content.decode("utf-8-sig")
    assert list(csv.reader(io.StringIO(points_csv), delimiter=";"))[1:] == []
    areas_csv = client.get(f"/k/{slug}/situation/areas.csv").content.decode("utf-8-sig")
    counts = [r[1] for r in csv.reader(io.StringIO(areas_csv), delimiter=";")][1:]
    assert all(c == "" or int(c) == 0 or int(c) >= 3 for c in counts)
    # and the incident pages and API stay closed
    assert client.get(f"/k/{slug}/incidents/").status_code == 403
    assert client.get(f"/api/v1/k/{slug}/incidents").status_code == 403


def test_small_total_is_suppressed_for_viewers(seeded: World, client: Client, viewer: Any) -> None:
    cluster(seeded, 2, last_month=True)
    client.force_login(viewer)
    page = client.get(f"/k/{seeded.a.slug}/situation/").content.decode()
    assert "antalet händelser är dolt" in page
    assert json.dumps(get_json(client, seeded, "areas")).count('"count": 2') == 0
