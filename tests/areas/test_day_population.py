"""The day population (SCB's "förvärvsarbetande dagbefolkning") per DeSO/RegSO (issue 12,
item 2): read by the same reader as the population; where more than twice as many are here by
day as live here, a rate per 1 000 inhabitants is marked with a note, in the lägesbild's PDF and
Word files and on the live map's area table, and not for a residential area."""

from __future__ import annotations

import io
import zipfile
from datetime import timedelta

import pypdfium2 as pdfium
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from samtrygg.areas.models import Area
from samtrygg.areas.population import import_area_population, many_by_day
from samtrygg.areas.services import import_areas
from samtrygg.incidents.categories import seed_categories
from samtrygg.situation import services
from samtrygg.situation.report_content import build

from .. import factories
from ..conftest import World
from ..incidents.test_incidents import report

pytestmark = pytest.mark.usefixtures("swedish")

# The note, written out by hand (the numbers with a no-break space as thousands separator).
CENTRE_NOTE = (
    "Många vistas här dagtid (dagbefolkning 9\u00a0000, folkmängd 2\u00a0000): händelser per "
    "invånare överskattar risken för den som bor här."
)
EAST_LON = factories.HALMSTAD_LON + 0.05


@pytest.mark.parametrize(
    ("population", "day", "marked"),
    [
        (1000, 2001, True),
        (1000, 2000, False),  # exactly twice: not more than twice
        (1000, 900, False),
        (None, 5000, False),
        (1000, None, False),
        (0, 5000, False),
    ],
)
def test_the_rule(population: int | None, day: int | None, marked: bool) -> None:
    assert many_by_day(population, day) is marked


def test_day_population_is_read_like_the_population(world: World, client: Client) -> None:
    code = f"{world.a.scb_code}C1010"
    Area.objects.filter(pk=world.area.pk).update(code=code)
    raw = (
        '"Förvärvsarbetande dagbefolkning per region och år"\n"region","2023","2024"\n'
        f'"{code} Centrum","8 800","9 000"\n'
    )
    result = import_area_population(world.access(world.alice), raw, figure="day_population")
    assert (result.year, result.updated) == (2024, 1)
    area = Area.objects.get(pk=world.area.pk)
    assert (area.population, area.day_population) == (5000, 9000)  # population untouched
    client.force_login(world.alice)
    upload = SimpleUploadedFile("dag.csv", raw.replace("9 000", "9 100").encode())
    answer = client.post(
        reverse("area_list", args=[world.a.slug]),
        {"action": "population", "figure": "day_population", "population_file": upload},
        follow=True,
    )
    assert "Dagbefolkning 2024 angiven för 1 område." in answer.content.decode()
    assert Area.objects.get(pk=world.area.pk).day_population == 9100


def _pdf_text(raw: bytes) -> str:
    text = "".join(page.get_textpage().get_text_range() for page in pdfium.PdfDocument(raw))
    return " ".join(text.replace("\r", " ").replace("\n", " ").split())


def _docx_text(raw: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(raw)) as archive:
        return archive.read("word/document.xml").decode()


@pytest.fixture
def centre_and_homes(world: World) -> World:
    """Centrum: 2 000 residents, 9 000 by day (more than twice). Öster, residential: 3 000
    residents, 1 000 by day. Three incidents in each, so that both have a rate."""
    Area.objects.filter(pk=world.area.pk).update(population=2000, day_population=9000)
    import_areas(
        world.a,
        factories.feature_collection(
            factories.feature(
                "Öster", factories.square(EAST_LON, factories.HALMSTAD_LAT, 0.02), population=3000
            )
        ),
        kind="district",
    )
    Area.objects.filter(municipality=world.a, name="Öster").update(day_population=1000)
    seed_categories(world.a)
    for hours in (30, 40, 50):
        when = timezone.now() - timedelta(hours=hours)
        report(world, world.bob, world.a_org, occurred_at=when)
        report(world, world.bob, world.a_org, occurred_at=when, lon=EAST_LON)
    return world


def test_the_lagesbild_marks_the_centre_not_the_homes(
    centre_and_homes: World, client: Client
) -> None:
    world = centre_and_homes
    today = timezone.localdate()
    created = services.create_report(
        world.access(world.dave), title="Lägesbild", first=today - timedelta(days=10), last=today
    )
    rows = {
        r["area"]: r for r in build(world.a, created.period_start, created.period_end)["by_area"]
    }
    assert rows["Centrum"]["rate"] == 1.5  # 3 / 2 000 × 1 000, by hand
    assert rows["Öster"]["rate"] == 1.0  # 3 / 3 000 × 1 000
    assert rows["Centrum"]["many_by_day"] and not rows["Öster"]["many_by_day"]
    client.force_login(world.dave)
    base = f"/k/{world.a.slug}/lagesbild/{created.pk}/document"
    pdf = _pdf_text(client.get(f"{base}.pdf").content)
    word = _docx_text(client.get(f"{base}.docx").content)
    for text in (pdf, " ".join(word.split())):  # the PDF text's spaces are plain spaces
        assert "† Centrum: " + " ".join(CENTRE_NOTE.split()) in text
        assert "1,5†" in text  # the marked rate
        assert "† Öster:" not in text and "1,0†" not in text


def test_the_live_map_table_marks_it_too(centre_and_homes: World, client: Client) -> None:
    client.force_login(centre_and_homes.dave)
    page = client.get(f"/k/{centre_and_homes.a.slug}/situation/").content.decode()
    assert "† Centrum: " + CENTRE_NOTE in page
    assert "† Öster:" not in page
