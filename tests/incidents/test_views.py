"""The reporting and case pages through the test client: the guard in the form, query counts."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from samtrygg.incidents.categories import seed_categories
from samtrygg.incidents.models import Category, Incident

from .. import factories
from ..conftest import World
from .test_incidents import report


@pytest.fixture
def seeded(world: World) -> World:
    seed_categories(world.a)
    return world


def form_data(world: World, description: str) -> dict[str, Any]:
    year, week, _ = timezone.localdate().isocalendar()
    return {
        "organisation": world.a_org.pk,
        "week": f"{year}-W{week:02d}",
        "incident-TOTAL_FORMS": "1",
        "incident-INITIAL_FORMS": "0",
        "incident-MIN_NUM_FORMS": "0",
        "incident-MAX_NUM_FORMS": "20",
        "incident-0-category": Category.objects.get(municipality=world.a, code="klotter").pk,
        "incident-0-occurred_at": (timezone.localtime() - timedelta(hours=1)).strftime(
            "%Y-%m-%dT%H:%M"
        ),
        "incident-0-lat": factories.HALMSTAD_LAT,
        "incident-0-lon": factories.HALMSTAD_LON,
        "incident-0-description": description,
        "incident-0-severity": "1",
        "incident-0-place_type": "public",
        "incident-0-reported_to_police": "unknown",
    }


def test_personal_identity_number_through_the_form(seeded: World, client: Client) -> None:
    client.force_login(seeded.bob)
    url = f"/k/{seeded.a.slug}/report/"
    response = client.post(url, form_data(seeded, "Anmälaren 811218-9876 såg det."))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Texten innehåller ett personnummer" in page and "811218-9876" in page
    assert Incident.objects.count() == 0
    response = client.post(url, form_data(seeded, "Klotter på busskuren."))
    assert response.status_code == 302 and Incident.objects.count() == 1


def test_flagged_details_are_shown_and_can_be_confirmed(seeded: World, client: Client) -> None:
    client.force_login(seeded.bob)
    url = f"/k/{seeded.a.slug}/report/"
    data = form_data(seeded, "Bilen ABC 123 stod parkerad vid klottret.")
    page = client.post(url, data).content.decode()
    assert "ett registreringsnummer" in page and "Jag har kontrollerat" in page
    assert Incident.objects.count() == 0
    data["incident-0-confirm_flagged"] = "on"
    assert client.post(url, data).status_code == 302


def test_case_pages_use_a_constant_number_of_queries(
    seeded: World, client: Client, django_assert_max_num_queries: Any
) -> None:
    for _ in range(3):
        report(seeded, seeded.bob, seeded.a_org)
    client.force_login(seeded.dave)
    url = f"/k/{seeded.a.slug}/incidents/?queue=all"
    with django_assert_max_num_queries(14) as few:
        assert client.get(url).status_code == 200
    for _ in range(40):
        report(seeded, seeded.bob, seeded.a_org)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(url).status_code == 200


@pytest.mark.usefixtures("swedish")
def test_case_history_shows_status_labels(seeded: World, client: Client) -> None:
    from samtrygg.incidents import cases
    from samtrygg.incidents.models import Status

    incident = report(seeded, seeded.bob, seeded.a_org)
    cases.transition(seeded.access(seeded.dave), incident, Status.TRIAGED)
    client.force_login(seeded.dave)
    page = client.get(f"/k/{seeded.a.slug}/incidents/{incident.pk}/").content.decode()
    assert "Ny → Bedömd" in page
