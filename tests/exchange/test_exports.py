"""Exports neutralise every text against formula injection — the names of areas, organisations
and categories as well as free text — and a filter value from another municipality is an error,
not silently ignored."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import pytest
from django.test import Client
from openpyxl import load_workbook

from samtrygg.areas.models import Area
from samtrygg.audit.models import AuditAction, AuditEvent
from samtrygg.exchange.exports import COLUMNS, safe_text
from samtrygg.incidents import cases
from samtrygg.incidents.categories import seed_categories
from samtrygg.incidents.models import Category, Incident
from samtrygg.tenancy.models import Organisation

from ..conftest import World
from ..incidents.test_incidents import report

pytestmark = pytest.mark.usefixtures("swedish")

AREA = '=HYPERLINK("http://x","y")'
HANDLER = "+cmd|' /C calc'!A0"
REPORTER = "@SUM(1+1)*cmd|' /C calc'!A0"
CATEGORY = "-2+3+cmd|' /C calc'!A0"
PLACE = ' =HYPERLINK("http://x")'  # a blank first: still a formula to some spreadsheets
DESCRIPTION = '=HYPERLINK("http://x") på väggen'


@pytest.fixture
def hostile(world: World) -> Incident:
    """An incident whose every name was typed by somebody who wanted a live formula."""
    seed_categories(world.a)
    incident = report(world, world.bob, world.a_org)
    cases.assign(world.access(world.dave), incident, world.a_other_org)
    Area.objects.filter(pk=world.area.pk).update(name=AREA)
    Organisation.objects.filter(pk=world.a_other_org.pk).update(name=HANDLER)
    Organisation.objects.filter(pk=world.a_org.pk).update(name=REPORTER)
    Category.objects.filter(pk=incident.category_id).update(label_sv=CATEGORY, label_en=CATEGORY)
    Incident.objects.filter(pk=incident.pk).update(place_name=PLACE, description=DESCRIPTION)
    return incident


def url(world: World, suffix: str) -> str:
    return f"/k/{world.a.slug}/incidents/{suffix}"


def test_csv_neutralises_the_names_of_areas_organisations_and_categories(
    world: World, hostile: Incident, client: Client
) -> None:
    client.force_login(world.dave)
    response = client.get(url(world, "export.csv"), {"queue": "all"})
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    (row,) = list(csv.DictReader(io.StringIO(text), delimiter=";"))
    assert row["area"] == "'" + AREA
    assert row["handled_by"] == "'" + HANDLER
    assert row["organisation"] == "'" + REPORTER
    assert row["category_label"] == "'" + CATEGORY
    assert row["place_name"] == "'" + PLACE
    assert row["reference"] == hostile.reference  # harmless text stays as it is


def test_xlsx_holds_no_formula_cell(world: World, hostile: Incident, client: Client) -> None:
    client.force_login(world.dave)
    response = client.get(url(world, "export.xlsx"), {"queue": "all"})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    header = [c.value for c in sheet[1]]
    assert header == list(COLUMNS)
    cells = {name: sheet.cell(row=2, column=i + 1) for i, name in enumerate(header)}
    for name, typed in [
        ("area", AREA),
        ("handled_by", HANDLER),
        ("organisation", REPORTER),
        ("category_label", CATEGORY),
        ("place_name", PLACE),
    ]:
        assert cells[name].data_type != "f", name
        assert cells[name].value == "'" + typed, name
    assert cells["description"].data_type == "s"
    assert cells["description"].value == "'" + DESCRIPTION
    assert not any(c.data_type == "f" for row in sheet.iter_rows() for c in row)


def test_geojson_carries_the_same_neutralised_values(
    world: World, hostile: Incident, client: Client
) -> None:
    client.force_login(world.dave)
    response = client.get(url(world, "export.geojson"), {"queue": "all"})
    (feature,) = json.loads(b"".join(response.streaming_content))["features"]
    assert feature["properties"]["area"] == "'" + AREA


@pytest.mark.parametrize(
    ("text", "safe"),
    [
        ("=1+1", "'=1+1"),
        ("+46 35 13 70 00", "'+46 35 13 70 00"),
        ("\t=1", "'\t=1"),
        ("\u00a0=1", "'\u00a0=1"),
        ("\uff1d1+1", "'\uff1d1+1"),  # full-width equals sign
        ("Centrum", "Centrum"),
        ("Söder = väster", "Söder = väster"),
        ("", ""),
    ],
)
def test_safe_text(text: str, safe: str) -> None:
    assert safe_text(text) == safe


def test_xlsx_text_cells_lose_what_xml_cannot_hold_and_stay_neutral() -> None:
    from samtrygg.exchange.exports import _xlsx_cells

    assert _xlsx_cells(["\x07=HYPERLINK(1)", 3, None]) == ["'=HYPERLINK(1)", 3, None]


def other_municipality_ids(world: World) -> dict[str, Any]:
    from samtrygg.areas.services import import_areas

    from .. import factories

    seed_categories(world.b)
    import_areas(
        world.b,
        factories.feature_collection(
            factories.feature(
                "Beta centrum",
                factories.square(factories.HALMSTAD_LON, factories.HALMSTAD_LAT, 0.02),
            )
        ),
        kind="district",
    )
    return {
        "area": Area.objects.get(municipality=world.b).pk,
        "category": Category.objects.filter(municipality=world.b).first().pk,  # type: ignore[union-attr]
        "organisation": world.b_org.pk,
    }


@pytest.mark.parametrize("field", ["area", "category", "organisation"])
@pytest.mark.parametrize("fmt", ["csv", "xlsx", "geojson"])
def test_a_filter_value_of_another_municipality_is_a_400_not_ignored(
    world: World, client: Client, field: str, fmt: str
) -> None:
    seed_categories(world.a)
    report(world, world.bob, world.a_org)
    foreign = other_municipality_ids(world)
    client.force_login(world.dave)
    response = client.get(url(world, f"export.{fmt}"), {"queue": "all", field: foreign[field]})
    assert response.status_code == 400
    text = response.content.decode()
    assert "Exporten gjordes inte" in text and "Välj ett giltigt alternativ" in text
    assert not AuditEvent.objects.filter(action=AuditAction.EXPORT).exists()


def test_the_case_list_answers_a_bad_filter_the_same_way(world: World, client: Client) -> None:
    seed_categories(world.a)
    report(world, world.bob, world.a_org)
    foreign = other_municipality_ids(world)
    client.force_login(world.dave)
    response = client.get(url(world, ""), {"queue": "all", "area": foreign["area"]})
    assert response.status_code == 400
    page = response.content.decode()
    assert "Filtret kunde inte användas" in page and "Välj ett giltigt alternativ" in page
    assert response.context["page"] == []  # not the unfiltered list
    # Other bad values too, with a clear message and no server error.
    for query in ({"since": "igår"}, {"category": "abc"}, {"queue": "alla"}):
        assert client.get(url(world, ""), query).status_code == 400
        assert client.get(url(world, "export.csv"), query).status_code == 400
    # A valid filter of the user's own municipality still works.
    own = Area.objects.get(municipality=world.a).pk
    assert client.get(url(world, "export.csv"), {"queue": "all", "area": own}).status_code == 200


def test_the_filter_form_never_hands_out_unfiltered_rows(world: World) -> None:
    from samtrygg.incidents.filters import BadFilter, IncidentFilterForm

    foreign = other_municipality_ids(world)
    filters = IncidentFilterForm(world.access(world.dave), {"area": str(foreign["area"])})
    with pytest.raises(BadFilter) as error:
        filters.rows()
    label = filters.fields["area"].label
    assert error.value.problems == [
        f"{label}: Välj ett giltigt alternativ. Det valet finns inte bland tillgängliga alternativ."
    ]


def test_the_situation_and_dashboard_tables_neutralise_names(
    world: World, hostile: Incident, client: Client
) -> None:
    client.force_login(world.dave)
    base = f"/k/{world.a.slug}"
    for path, column in (
        ("/situation/areas.csv?period=year", 0),
        ("/dashboard/areas.csv?period=year", 0),
    ):
        text = client.get(base + path).content.decode("utf-8-sig")
        rows = list(csv.reader(io.StringIO(text), delimiter=";"))[1:]
        names = [r[column] for r in rows]
        assert "'" + AREA in names, (path, names)
        assert AREA not in names, path
