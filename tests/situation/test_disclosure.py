"""Disclosure control (issue 11, situation/disclosure.py): complementary suppression worked by
hand, completed calendar periods, and the attacks the issue replayed: two custom periods a day
apart, and the weekly picture's "5 = 3 + a hidden 2"."""

from __future__ import annotations

import json
import re
from datetime import date, datetime, time, timedelta

import pytest
from django.test import Client
from django.utils import timezone

from samtrygg.incidents.categories import seed_categories
from samtrygg.situation.disclosure import calendar_dates, protect_breakdown
from samtrygg.tenancy.roles import Role

from .. import factories
from ..conftest import World
from ..incidents.test_incidents import report

pytestmark = pytest.mark.usefixtures("swedish")


@pytest.mark.parametrize(
    ("cells", "total", "expected"),
    [
        # Worked by hand with the threshold 3.
        ([5, 2], None, ([5, None], None)),  # no total: primary suppression only
        ([3, 2], 5, ([None, None], 5)),  # 5 − 3 would tell the 2: the 3 goes too
        ([10, 5, 2], 17, ([10, None, None], 17)),  # the smallest visible one goes with the 2
        ([10, 1, 1], 12, ([None, None, None], 12)),  # 1 + 1 < 3: hide until the sum is 3+
        ([4, 0, 2], 6, ([None, 0, None], 6)),  # zeros stay: they tell nothing hidden
        ([2, 0], 2, ([None, 0], None)),  # a small total is hidden itself
        ([2, 0, 0], 4, ([None, 0, 0], None)),  # nothing to hide with: the total goes
        ([3, 4], 7, ([3, 4], 7)),  # nothing small: all shown
    ],
)
def test_protect_breakdown(
    cells: list[int], total: int | None, expected: tuple[list[int | None], int | None]
) -> None:
    assert protect_breakdown(cells, total) == expected


@pytest.mark.parametrize(
    ("today", "period", "expected"),
    [
        (date(2026, 11, 25), "week", (date(2026, 11, 16), date(2026, 11, 22))),
        (date(2026, 11, 23), "week", (date(2026, 11, 16), date(2026, 11, 22))),  # a Monday
        (date(2026, 11, 25), "4weeks", (date(2026, 10, 1), date(2026, 10, 31))),
        (date(2026, 3, 1), "4weeks", (date(2026, 2, 1), date(2026, 2, 28))),
        (date(2026, 11, 25), "quarter", (date(2026, 7, 1), date(2026, 9, 30))),
        (date(2026, 1, 15), "quarter", (date(2025, 10, 1), date(2025, 12, 31))),
        (date(2026, 1, 15), "4weeks", (date(2025, 12, 1), date(2025, 12, 31))),
        (date(2026, 11, 25), "year", (date(2025, 1, 1), date(2025, 12, 31))),
    ],
)
def test_completed_calendar_periods(today: date, period: str, expected: tuple[date, date]) -> None:
    assert calendar_dates(period, today) == expected


def test_the_weekly_pictures_hidden_two_cannot_be_subtracted(world: World, client: Client) -> None:
    """The issue's case, through the page a viewer opens: last week 5 in all, 3 in Centrum and 2
    in Norr. The total stays; both areas are hidden, under one mark, and no hidden area's main
    categories are named."""
    from samtrygg.areas.services import import_areas

    seed_categories(world.a)
    lon, lat = factories.HALMSTAD_LON, factories.HALMSTAD_LAT
    import_areas(
        world.a,
        factories.feature_collection(
            factories.feature("Norr", factories.square(lon, lat + 0.05, 0.02))
        ),
        kind="district",
    )
    monday = timezone.localdate() - timedelta(days=timezone.localdate().weekday() + 7)
    for k, place in enumerate([(lon, lat)] * 3 + [(lon, lat + 0.05)] * 2):
        report(
            world,
            world.bob,
            world.a_org,
            code="brand" if k == 4 else "klotter",
            occurred_at=datetime.combine(monday, time(12), timezone.get_default_timezone()),
            lon=place[0],
            lat=place[1],
        )
    client.force_login(factories.member(world.a_org, Role.VIEWER, "politiker@example.se"))
    # A viewer's week is always the last completed one, whatever it asks for.
    page = client.get(f"/k/{world.a.slug}/lagesbild/week/", {"week": "2020-W01"}).content.decode()
    rows = dict(re.findall(r"<th scope=\"row\">(Centrum|Norr)</th><td>([^<]*)</td>", page))
    assert rows == {"Centrum": "dolt", "Norr": "dolt"}, rows
    assert re.search(r"<strong>5</strong>", page)
    assert "Brand" not in page and "Klotter" not in page


def test_two_custom_periods_a_day_apart_tell_a_viewer_nothing(world: World, client: Client) -> None:
    """The issue's attack: areas, grid and weekday-hour for periods ending on consecutive days
    differed by one incident. A viewer's custom dates are now ignored: both answers are the
    same completed calendar period."""
    seed_categories(world.a)
    for hours in (2, 30, 50, 70, 26 * 24):
        report(world, world.bob, world.a_org, occurred_at=timezone.now() - timedelta(hours=hours))
    viewer = factories.member(world.a_org, Role.VIEWER, "politiker@example.se")
    client.force_login(viewer)
    today = timezone.localdate()
    base = f"/k/{world.a.slug}"
    for path in ("/situation/areas.json", "/situation/grid.json", "/dashboard/weekday-hour.csv"):
        answers = [
            client.get(
                base + path,
                {"period": "custom", "from": (today - timedelta(days=40)).isoformat(), "to": to},
            ).content
            for to in ((today - timedelta(days=1)).isoformat(), today.isoformat())
        ]
        assert answers[0] == answers[1], path
    # And a free period (the last 4 weeks, growing daily) is read as the last calendar month.
    data = json.loads(client.get(base + "/situation/areas.json", {"period": "4weeks"}).content)
    assert data == json.loads(client.get(base + "/situation/areas.json").content)
    # A coordinator keeps the free periods.
    client.force_login(world.dave)
    answers = [
        client.get(
            base + "/situation/areas.json",
            {"period": "custom", "from": (today - timedelta(days=3)).isoformat(), "to": to},
        ).content
        for to in ((today - timedelta(days=2)).isoformat(), today.isoformat())
    ]
    assert answers[0] != answers[1]
