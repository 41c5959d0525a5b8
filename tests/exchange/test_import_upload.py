"""Importing incident files in the browser and through the API."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from samtrygg.incidents.categories import seed_categories
from samtrygg.incidents.models import Incident, Source

from .. import factories
from ..conftest import World
from ..incidents.test_api import bearer

pytestmark = pytest.mark.usefixtures("swedish")
LAT, LON = factories.HALMSTAD_LAT, factories.HALMSTAD_LON


def csv(*rows: str) -> bytes:
    return ("external_id;category;occurred_at;lat;lon;description\n" + "\n".join(rows)).encode()


GOOD = csv(
    f"e1;klotter;2026-11-01 21:00;{LAT};{LON};Klotter på skolan",
    f"e2;brand;2026-11-02 22:15;{LAT};{LON};Brand i container",
)
BAD = csv(
    f"e1;klotter;2026-11-01 21:00;{LAT};{LON};Klotter på skolan",
    f"e2;finns-inte;2026-11-02 22:15;{LAT};{LON};Brand i container",
)


@pytest.fixture
def seeded(world: World) -> World:
    seed_categories(world.a)
    return world


def test_upload_checks_first_then_imports_once(seeded: World, client: Client) -> None:
    client.force_login(seeded.dave)
    url = f"/k/{seeded.a.slug}/import/"
    bad = client.post(
        url, {"file": SimpleUploadedFile("a.csv", BAD), "organisation": seeded.a_org.pk}
    )
    page = bad.content.decode()
    assert "Inget importerades" in page and "Rad 3" in page and "category" in page
    assert not Incident.objects.exists()
    dry = client.post(
        url,
        {
            "file": SimpleUploadedFile("a.csv", GOOD),
            "organisation": seeded.a_org.pk,
            "dry_run": "on",
        },
        follow=True,
    )
    assert "Filen är korrekt" in dry.content.decode() and not Incident.objects.exists()
    client.post(url, {"file": SimpleUploadedFile("a.csv", GOOD), "organisation": seeded.a_org.pk})
    client.post(url, {"file": SimpleUploadedFile("a.csv", GOOD), "organisation": seeded.a_org.pk})
    assert Incident.objects.filter(source=Source.IMPORT).count() == 2


def test_upload_is_for_coordinators(seeded: World, client: Client) -> None:
    client.force_login(seeded.bob)
    assert client.get(f"/k/{seeded.a.slug}/import/").status_code == 403


def test_import_through_the_api(seeded: World, client: Client) -> None:
    url = f"/api/v1/k/{seeded.a.slug}/imports/incidents"
    token = bearer(seeded.dave)
    refused = client.post(
        url, {"file": SimpleUploadedFile("a.csv", BAD), "organisation_id": seeded.a_org.pk}, **token
    )
    assert refused.status_code == 422 and "Rad 3" in refused.json()["errors"]["file"][0]
    ok = client.post(
        url,
        {"file": SimpleUploadedFile("a.csv", GOOD), "organisation_id": seeded.a_org.pk},
        **token,
    )
    assert ok.status_code == 200 and ok.json()["created"] == 2
    reporter = client.post(url, {"file": SimpleUploadedFile("a.csv", GOOD)}, **bearer(seeded.bob))
    assert reporter.status_code == 403


def test_the_api_refuses_a_file_too_large_to_import_in_the_request(
    seeded: World, client: Client, settings: Any
) -> None:
    """The API imports in the request, inside the web server's timeout: a larger file gets a
    413 in Swedish that names the doors for large files, and nothing is written."""
    settings.API_IMPORT_MAX_BYTES = 1_000_000
    url = f"/api/v1/k/{seeded.a.slug}/imports/incidents"
    big = GOOD + b"\n" * 1_000_001
    response = client.post(url, {"file": SimpleUploadedFile("a.csv", big)}, **bearer(seeded.dave))
    assert response.status_code == 413
    assert response.json() == {
        "detail": "Filen är större än 1 MB: importera den på importsidan eller med "
        "samtrygg import-incidents.",
        "code": "too_large",
        "line": None,
        "column": None,
    }
    assert not Incident.objects.exists()
