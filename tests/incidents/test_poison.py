"""Values that once broke a whole municipality's pages (issue 10): each is refused with a Swedish
message through the web form, the API and the file import; nothing is written; and the database
itself refuses a row holding it. The bounds come from the issue, not from the code under test:
times from 2000 on, cost 0 … 10^9 kr, no NUL or other control characters, no lone surrogates,
descriptions of a few thousand characters, ids within 64 bits."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import DataError, IntegrityError, connection, transaction
from django.test import Client
from django.utils import timezone

from samtrygg.audit.models import AuditAction, AuditEvent
from samtrygg.exchange.incident_import import IncidentImportError, import_incidents
from samtrygg.incidents.categories import seed_categories
from samtrygg.incidents.models import Comment, Incident
from samtrygg.tenancy.tokens import create_token

from .. import factories
from ..conftest import World
from .test_views import form_data

pytestmark = pytest.mark.usefixtures("swedish")

KB = 1024
# name: (field, value as the API and the form send it, the Swedish message's start)
POISONS: dict[str, tuple[str, Any, str]] = {
    "cost 1e20": ("estimated_cost", 1e20, "Kostnaden är för stor"),
    "year 1": ("occurred_at", "0001-01-01T00:00:00+00:00", "Tiden är för tidig"),
    "NUL byte": ("description", "Klotter\x00på väggen", "Texten innehåller ett styrtecken"),
    "128 KB cell": ("description", "x" * 128 * KB, "Texten är för lång"),
    "lone surrogate": ("description", "Klotter \ud800", "Texten innehåller ett ogiltigt tecken"),
    "2 MB description": ("description", "x" * 2048 * KB, "Texten är för lång"),
}


@pytest.fixture
def seeded(world: World) -> World:
    seed_categories(world.a)
    return world


def nothing_written() -> None:
    assert Incident.objects.count() == 0
    assert not AuditEvent.objects.filter(
        action__in=[AuditAction.INCIDENT_CREATED, AuditAction.INCIDENTS_IMPORTED]
    ).exists()


@pytest.mark.parametrize("name", list(POISONS))
def test_the_api_refuses(seeded: World, client: Client, name: str) -> None:
    field, value, message = POISONS[name]
    _token, secret = create_token(seeded.bob, name="t", days=30)
    body = {
        "category": "klotter",
        "occurred_at": (timezone.now() - timedelta(hours=2)).isoformat(),
        "lat": factories.HALMSTAD_LAT,
        "lon": factories.HALMSTAD_LON,
        field: value,
    }
    response = client.post(
        f"/api/v1/k/{seeded.a.slug}/incidents",
        json.dumps(body),  # ensure_ascii: a lone surrogate travels as the escape \ud800
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {secret}",
    )
    assert response.status_code == 422, response.content[:300]
    errors = response.json()["errors"]
    assert any(m.startswith(message) for m in errors[field]), errors
    nothing_written()


@pytest.mark.parametrize("name", [n for n in POISONS if n != "lone surrogate"])
def test_the_web_form_refuses(seeded: World, client: Client, name: str) -> None:
    # A form post is bytes in UTF-8: it cannot carry a lone surrogate (Django reads one as U+FFFD).
    field, value, message = POISONS[name]
    client.force_login(seeded.bob)
    data = form_data(seeded, "Klotter på busskuren.")
    data[f"incident-0-{field}"] = str(value).replace("+00:00", "")
    response = client.post(f"/k/{seeded.a.slug}/report/", data)
    assert response.status_code == 200
    assert message in response.content.decode(), name
    nothing_written()


def csv_file(**cells: str) -> bytes:
    row = {
        "external_id": "x1",
        "category": "klotter",
        "occurred_at": (timezone.localtime() - timedelta(hours=2)).strftime("%Y-%m-%d %H:%M"),
        "lat": str(factories.HALMSTAD_LAT),
        "lon": str(factories.HALMSTAD_LON),
        "description": "Klotter.",
        "organisation": "Alfa kommun",
    } | cells
    header = ";".join(row)
    return f"{header}\n{';'.join(row.values())}\n".encode()


@pytest.mark.parametrize("name", [n for n in POISONS if n != "lone surrogate"])
def test_the_csv_import_refuses(seeded: World, name: str) -> None:
    field, value, message = POISONS[name]
    cell = "0001-01-01 00:00" if field == "occurred_at" else str(value)
    with pytest.raises(IncidentImportError) as error:
        import_incidents(csv_file(**{field: cell}), "fil.csv", seeded.a)
    assert f"Rad 2, kolumn ”{field}”: {message}" in "\n".join(error.value.errors)
    nothing_written()


def test_the_geojson_import_refuses_a_lone_surrogate_and_deep_nesting(seeded: World) -> None:
    feature = {
        "type": "Feature",
        "geometry": {
            "type": "Point",
            "coordinates": [factories.HALMSTAD_LON, factories.HALMSTAD_LAT],
        },
        "properties": {
            "category": "klotter",
            "occurred_at": "2026-01-01 10:00",
            "organisation": "Alfa kommun",
            "description": "Klotter \ud800",
        },
    }
    raw = json.dumps({"type": "FeatureCollection", "features": [feature]}).encode()
    with pytest.raises(IncidentImportError) as error:
        import_incidents(raw, "fil.geojson", seeded.a)
    assert "Texten innehåller ett ogiltigt tecken" in "\n".join(error.value.errors)
    nested = b'{"type": "FeatureCollection", "features": ' + b"[" * 10_000 + b"]" * 10_000 + b"}"
    with pytest.raises(IncidentImportError) as error:
        import_incidents(nested, "djup.geojson", seeded.a)
    assert error.value.errors == ["Filen är för djupt nästlad för att kunna läsas."]
    nothing_written()


def test_a_cell_beyond_the_csv_limit_is_a_message(seeded: World) -> None:
    with pytest.raises(IncidentImportError) as error:
        import_incidents(csv_file(description="x" * 5_100_000), "stor.csv", seeded.a)
    assert error.value.errors[0].startswith("Filen kan inte läsas som CSV")
    nothing_written()


def test_ids_beyond_64_bits_are_refused(seeded: World, client: Client) -> None:
    incident = seeded.incident()
    _token, secret = create_token(seeded.dave, name="t", days=30)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
    base = f"/api/v1/k/{seeded.a.slug}/incidents"
    merge = client.post(
        f"{base}/{incident.pk}/merge",
        json.dumps({"duplicates": [2**63, 2**64 + 5]}),
        content_type="application/json",
        **auth,
    )
    assert merge.status_code == 422, merge.content
    assert "duplicates" in json.dumps(merge.json(), ensure_ascii=False)
    assert client.get(f"{base}/{2**64}", **auth).status_code in (404, 422)
    assert client.get(f"/k/{seeded.a.slug}/incidents/{2**64}/", **auth).status_code == 404
    incident.refresh_from_db()
    assert incident.status == "new"


ROW = {
    "reference": "2026-999999",
    "occurred_at": "2026-01-01 10:00:00",
    "description": "",
    "place_name": "",
    "estimated_cost": None,
}


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("estimated_cost", "1E+20"),
        ("estimated_cost", -1),
        ("occurred_at", "0001-01-01 00:00:00"),
        ("description", "Klotter\x07"),
        ("description", "x" * 4001),
        ("place_name", "x" * 201),
    ],
)
def test_the_database_refuses_a_direct_insert(seeded: World, column: str, value: Any) -> None:
    from samtrygg.incidents.models import Category

    if connection.vendor == "postgresql" and column == "occurred_at":
        value = "0001-01-01 00:00:00+00"
    category = Category.objects.get(municipality=seeded.a, code="klotter")
    row = ROW | {column: value}
    sql = (
        "INSERT INTO incidents_incident (municipality_id, reference, category_id, occurred_at, "
        "description, place_name, estimated_cost, precision, severity, place_type, "
        "reporting_organisation_id, source, external_id, status, version, created_at, updated_at) "
        "VALUES (%s, %s, %s, %s, %s, %s, %s, 'exact', 1, 'public', %s, 'api', '', 'new', 1, "
        "%s, %s)"
    )
    now = "2026-01-01 10:00:00"
    params = [
        seeded.a.pk,
        row["reference"],
        category.pk,
        row["occurred_at"],
        row["description"],
        row["place_name"],
        row["estimated_cost"],
        seeded.a_org.pk,
        now,
        now,
    ]
    # PostgreSQL's column types refuse some values before the CHECK does (a DataError).
    with (
        pytest.raises((IntegrityError, DataError)),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql, params)
    # The same row with a value inside the bounds is stored: the constraint, not the SQL, refused.
    params[3 + ["occurred_at", "description", "place_name", "estimated_cost"].index(column)] = (
        ROW[column] if column != "estimated_cost" else 10**9
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
    assert Incident.objects.count() == 1


def test_the_database_refuses_a_nul_byte_on_sqlite(seeded: World) -> None:
    incident = seeded.incident()
    if connection.vendor == "postgresql":
        pytest.skip("PostgreSQL cannot store NUL in text at all")
    with pytest.raises(IntegrityError), transaction.atomic():
        Incident.objects.filter(pk=incident.pk).update(description="a\x00b")
    with pytest.raises(IntegrityError), transaction.atomic():
        Comment.objects.create(incident=incident, organisation=seeded.a_org, text="a\x00b")


@pytest.mark.parametrize("comment", ["Oro\x00", "x" * 501])
def test_an_assessment_comment_is_checked_too(seeded: World, client: Client, comment: str) -> None:
    from samtrygg.incidents.models import AreaAssessment, WeeklyReport

    _token, secret = create_token(seeded.bob, name="t", days=30)
    year, week, _day = timezone.localdate().isocalendar()
    payload = {
        "iso_year": year,
        "iso_week": week,
        "assessments": [{"area_id": seeded.area.pk, "level": "red", "comment": comment}],
    }
    response = client.post(
        f"/api/v1/k/{seeded.a.slug}/weekly-reports",
        json.dumps(payload),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {secret}",
    )
    assert response.status_code == 422, response.content[:300]
    assert "Texten" in json.dumps(response.json(), ensure_ascii=False)
    assert not WeeklyReport.objects.exists() and not AreaAssessment.objects.exists()


def test_a_weekly_report_of_thousands_of_incidents_is_refused_at_once(
    seeded: World, client: Client
) -> None:
    from samtrygg.incidents.models import WeeklyReport

    _token, secret = create_token(seeded.bob, name="t", days=30)
    year, week, _day = timezone.localdate().isocalendar()
    one = {
        "category": "klotter",
        "occurred_at": (timezone.now() - timedelta(hours=2)).isoformat(),
        "lat": factories.HALMSTAD_LAT,
        "lon": factories.HALMSTAD_LON,
    }
    payload = {"iso_year": year, "iso_week": week, "incidents": [one] * 5000}
    response = client.post(
        f"/api/v1/k/{seeded.a.slug}/weekly-reports",
        json.dumps(payload),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {secret}",
    )
    assert response.status_code == 422, response.content[:300]
    assert "incidents" in response.json()["errors"]
    assert not WeeklyReport.objects.exists()
    nothing_written()
    # The service itself (every door): one over its limit is refused with a message.
    from samtrygg.incidents.models import Category
    from samtrygg.incidents.services import IncidentInput
    from samtrygg.incidents.weekly import (
        MAX_INCIDENTS_PER_REPORT,
        WeeklyReportInput,
        submit_weekly_report,
    )

    incident = IncidentInput(
        category=Category.objects.get(municipality=seeded.a, code="klotter"),
        reporting_organisation=seeded.a_org,
        occurred_at=timezone.now() - timedelta(hours=2),
        lat=factories.HALMSTAD_LAT,
        lon=factories.HALMSTAD_LON,
    )
    report = WeeklyReportInput(
        seeded.a_org, year, week, incidents=[incident] * (MAX_INCIDENTS_PER_REPORT + 1)
    )
    with pytest.raises(ValidationError) as error:
        submit_weekly_report(seeded.access(seeded.bob), report)
    assert error.value.message_dict["incidents"] == [
        "Högst 100 händelser i en veckorapport: importera större mängder som en fil."
    ]
    nothing_written()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("år;andel\n2025;1\x002\n", "Rad 2, kolumn andel: Texten innehåller ett styrtecken"),
        ("år;andel\n2025;" + "x" * 200_000 + "\n", "Rad 2, kolumn andel: Texten är för lång"),
        ("år;an\x00del\n2025;12\n", "Rubrikraden: Texten innehåller ett styrtecken"),
    ],
)
def test_a_reference_table_is_checked_the_same_way(
    seeded: World, client: Client, content: str, message: str
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from samtrygg.situation.models import ImportedTable

    client.force_login(seeded.dave)
    response = client.post(
        f"/k/{seeded.a.slug}/lagesbild/tables/",
        {
            "kind": "survey",
            "title": "Trygghetsmätning",
            "source": "Kommunen",
            "file": SimpleUploadedFile("t.csv", content.encode()),
        },
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not ImportedTable.objects.exists()
