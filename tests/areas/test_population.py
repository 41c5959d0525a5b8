"""SCB's population per DeSO onto the municipality's areas (issue 12, item 2): matched by code,
the latest year, other municipalities' rows skipped, a broken file refused by row and column
with nothing written; the lägesbild marks rates over fewer than 1 000 inhabitants."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from samtrygg.areas.models import Area
from samtrygg.areas.population import import_area_population
from samtrygg.exchange.reference_stats import ReferenceImportError
from samtrygg.incidents.categories import seed_categories
from samtrygg.situation.report_content import build

from ..conftest import World
from ..incidents.test_incidents import report

pytestmark = pytest.mark.usefixtures("swedish")

# SCB's PX-Web export (title line, quoted header, code and name in one cell, ".." missing).
PX_WEB = """"Folkmängden per region och år"
"region","2023","2024"
"{code}C1010 Centrum","1 180","1 204"
"{code}C1020 Norr","..","640"
"0180C1010 Stockholm","2 000","2 100"
"{code}C9999 Okänd","10","12"
"""


@pytest.fixture
def coded(world: World) -> World:
    Area.objects.filter(pk=world.area.pk).update(code=f"{world.a.scb_code}C1010")
    return world


def test_population_per_deso_is_set_by_code_for_the_latest_year(coded: World) -> None:
    raw = PX_WEB.format(code=coded.a.scb_code)
    result = import_area_population(coded.access(coded.alice), raw)
    assert result.year == 2024 and result.updated == 1
    assert result.unknown == [f"{coded.a.scb_code}C1020", f"{coded.a.scb_code}C9999"]
    assert Area.objects.get(pk=coded.area.pk).population == 1204  # by hand: "1 204"


def test_a_long_layout_too(coded: World) -> None:
    code = f"{coded.a.scb_code}C1010"
    raw = f"region;år;folkmängd\n{code};2022;990\n{code};2024;1 010\n"
    assert import_area_population(coded.access(coded.alice), raw).year == 2024
    assert Area.objects.get(pk=coded.area.pk).population == 1010


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (
            '"region","2024"\n"{code}C1010","12x"\n',
            "Rad 2, kolumn ”2024”: ”12x” är inget antal personer.",
        ),
        (
            "region;år;folkmängd\n{code}C1010;tjugo;1 000\n",
            "Rad 2, kolumn ”år”: ”tjugo” är inget årtal.",
        ),
        ("namn;antal\nCentrum;5\n", "Ingen kolumn ”region” hittades i de första raderna."),
    ],
)
def test_a_broken_file_names_row_and_column_and_writes_nothing(
    coded: World, raw: str, message: str
) -> None:
    Area.objects.filter(pk=coded.area.pk).update(population=5000)
    with pytest.raises(ReferenceImportError) as refused:
        import_area_population(coded.access(coded.alice), raw.format(code=coded.a.scb_code))
    assert message in refused.value.errors
    assert Area.objects.get(pk=coded.area.pk).population == 5000


def test_the_area_page_imports_it_for_an_administrator_only(coded: World, client: Client) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    url = reverse("area_list", args=[coded.a.slug])
    upload = SimpleUploadedFile("folkmangd.csv", PX_WEB.format(code=coded.a.scb_code).encode())
    client.force_login(coded.bob)  # a reporter
    answer = client.post(url, {"action": "population", "population_file": upload})
    assert answer.status_code in (403, 404)
    client.force_login(coded.alice)
    upload.seek(0)
    answer = client.post(url, {"action": "population", "population_file": upload}, follow=True)
    assert "Folkmängd 2024 angiven för 1 område." in answer.content.decode()
    assert Area.objects.get(pk=coded.area.pk).population == 1204


def test_a_rate_over_few_inhabitants_is_marked_uncertain(coded: World) -> None:
    from samtrygg.documents.situation_report import small_population_note

    seed_categories(coded.a)
    for hours in (30, 40, 50, 60):
        report(coded, coded.bob, coded.a_org, occurred_at=timezone.now() - timedelta(hours=hours))
    today = timezone.localdate()
    Area.objects.filter(pk=coded.area.pk).update(population=800)
    content = build(coded.a, today - timedelta(days=10), today)
    row = next(r for r in content["by_area"] if r["area"] == coded.area.name)
    assert row["rate"] == 5.0 and row["small_population"]  # 4 / 800 × 1 000, by hand
    assert small_population_note(content).startswith("* Färre än 1 000 invånare")
    Area.objects.filter(pk=coded.area.pk).update(population=4000)
    content = build(coded.a, today - timedelta(days=10), today)
    assert small_population_note(content) == ""
