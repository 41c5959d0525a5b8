"""Issue 14, item 8: typed dates are used without choosing "Chosen dates", a reversed or bad
range is answered with a message, and the tables are folded away (accessible <details>)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.http import QueryDict
from django.test import Client
from django.utils import timezone

from samtrygg.incidents.categories import seed_categories
from samtrygg.situation.filters import SituationFilters

from ..conftest import World
from ..incidents.test_incidents import report

pytestmark = pytest.mark.usefixtures("swedish")


def filters(query: str) -> SituationFilters:
    return SituationFilters.from_query(QueryDict(query))


def test_typed_dates_choose_the_custom_range() -> None:
    today = timezone.localdate()
    first, last = today - timedelta(days=60), today - timedelta(days=30)
    chosen = filters(f"period=4weeks&from={first}&to={last}")
    assert chosen.period == "custom" and chosen.dates() == (first, last)
    assert chosen.problems == ()
    assert filters(f"from={first}").dates() == (first, today)  # a from date alone: to today
    assert filters(f"to={last}").dates() == (last - timedelta(days=27), last)
    assert filters("period=quarter&from=&to=").period == "quarter"  # empty dates: the period


def test_reversed_or_bad_dates_get_a_message_and_the_default_period() -> None:
    today = timezone.localdate()
    reversed_range = filters(f"period=custom&from={today}&to={today - timedelta(days=5)}")
    assert reversed_range.period == "4weeks"
    assert reversed_range.dates() == (today - timedelta(days=27), today)
    assert reversed_range.problems == (
        f"Till-datumet ({today - timedelta(days=5)}) ligger före från-datumet ({today}): ändra "
        "något av dem. Till dess visar kartan de senaste 4 veckorna.",
    )
    assert filters("from=igår").problems == (
        "Från: ”igår” är inget datum; skriv det som år-månad-dag.",
    )
    assert filters("period=custom").problems == (
        "Skriv ett från-datum eller ett till-datum för ”Valda datum”.",
    )
    assert filters("from=0001-01-01").problems != ()


@pytest.fixture
def seeded(world: World) -> World:
    seed_categories(world.a)
    return world


def test_map_page_uses_typed_dates_and_folds_the_tables(seeded: World, client: Client) -> None:
    now = timezone.now()
    old = report(seeded, seeded.bob, seeded.a_org, occurred_at=now - timedelta(days=50))
    report(seeded, seeded.bob, seeded.a_org, occurred_at=now - timedelta(days=2))
    client.force_login(seeded.alice)
    url = f"/k/{seeded.a.slug}/situation/"
    first = (now - timedelta(days=55)).date()
    last = (now - timedelta(days=45)).date()
    page = client.get(f"{url}?period=4weeks&from={first}&to={last}&layers=points").content
    text = page.decode()
    assert '<option value="custom" selected>' in text
    assert "1 händelse" in text  # only the one in the typed range
    assert f'href="/k/{seeded.a.slug}/incidents/{old.pk}/"' in text
    assert text.count('<details class="as-table"><summary>Visa som tabell') == 4
    assert 'role="alert"' not in text
    # a reversed range: the message, the default period, the typed dates shown again
    answer = client.get(f"{url}?from={last}&to={first}").content.decode()
    assert 'role="alert"' in answer and "ligger före från-datumet" in answer
    assert f'value="{last}"' in answer and f'value="{first}"' in answer
    assert "1 händelse" in answer  # the last 4 weeks: the recent one


def test_layers_read_typed_dates_too(seeded: World, client: Client) -> None:
    now = timezone.now()
    report(seeded, seeded.bob, seeded.a_org, occurred_at=now - timedelta(days=50))
    client.force_login(seeded.alice)
    first = (now - timedelta(days=55)).date()
    points = client.get(f"/k/{seeded.a.slug}/situation/points.json?from={first}").json()
    assert len(points["features"]) == 1
    assert client.get(f"/k/{seeded.a.slug}/situation/points.json").json()["features"] == []
