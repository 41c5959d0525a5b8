"""The case list: filters, keyset pages, saved filters, bulk actions, exports."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import pytest
from django.test import Client
from openpyxl import load_workbook

from samtrygg.audit.models import AuditAction, AuditEvent
from samtrygg.incidents import cases
from samtrygg.incidents.categories import seed_categories
from samtrygg.incidents.models import Incident, SavedFilter, Status
from samtrygg.tenancy.roles import Role

from .. import factories
from ..conftest import World
from .test_incidents import report

pytestmark = pytest.mark.usefixtures("swedish")


@pytest.fixture
def seeded(world: World) -> World:
    seed_categories(world.a)
    return world


def url(world: World, suffix: str = "") -> str:
    return f"/k/{world.a.slug}/incidents/{suffix}"


def test_filters_and_keyset_pages(seeded: World, client: Client, settings: Any) -> None:
    from samtrygg.incidents import views

    made = [report(seeded, seeded.bob, seeded.a_org) for _ in range(5)]
    fire = report(seeded, seeded.bob, seeded.a_org, code="brand")
    client.force_login(seeded.dave)
    brand = client.get(url(seeded), {"queue": "all", "category": fire.category_id})
    assert list(brand.context["page"]) == [fire]
    original = views.PAGE_SIZE
    views.PAGE_SIZE = 2
    try:
        first = client.get(url(seeded), {"queue": "all", "category": made[0].category_id})
        assert [i.pk for i in first.context["page"]] == [made[4].pk, made[3].pk]
        before = first.context["next_before"]
        second = client.get(
            url(seeded), {"queue": "all", "category": made[0].category_id, "before": before}
        )
        assert [i.pk for i in second.context["page"]] == [made[2].pk, made[1].pk]
        assert f"before={second.context['next_before']}" in second.content.decode()
    finally:
        views.PAGE_SIZE = original


def test_saved_filters_are_personal(seeded: World, client: Client) -> None:
    client.force_login(seeded.dave)
    response = client.post(
        url(seeded) + "?queue=all&status=new", {"action": "save", "name": "Nya i hela kommunen"}
    )
    assert response.status_code == 302
    saved = SavedFilter.objects.get(user=seeded.dave)
    assert saved.query == "queue=all&status=new"
    page = client.get(url(seeded)).content.decode()
    assert "Nya i hela kommunen" in page and "?queue=all&amp;status=new" in page
    client.force_login(seeded.alice)
    assert "Nya i hela kommunen" not in client.get(url(seeded)).content.decode()
    gone = client.post(url(seeded), {"action": "delete_filter", "filter": saved.pk})
    assert gone.status_code == 404 and SavedFilter.objects.exists()


def test_bulk_assign_and_close(seeded: World, client: Client) -> None:
    incidents = [report(seeded, seeded.bob, seeded.a_org) for _ in range(3)]
    client.force_login(seeded.dave)
    response = client.post(
        url(seeded) + "?queue=all",
        {
            "action": "bulk",
            "bulk_action": "assign",
            "organisation": seeded.a_other_org.pk,
            "incident": [i.pk for i in incidents[:2]],
        },
        follow=True,
    )
    assert "2 ärenden ändrades." in response.content.decode()
    assert {i.status for i in Incident.objects.filter(pk__in=[i.pk for i in incidents[:2]])} == {
        Status.ASSIGNED
    }
    assert AuditEvent.objects.filter(action=AuditAction.CASE_ASSIGNED).count() == 2
    # closing only works for resolved cases: the others are skipped with the reason
    cases.transition(
        seeded.access(seeded.dave), Incident.objects.get(pk=incidents[0].pk), Status.RESOLVED
    )
    response = client.post(
        url(seeded),
        {"action": "bulk", "bulk_action": "close", "incident": [i.pk for i in incidents]},
        follow=True,
    )
    page = response.content.decode()
    assert "1 ärende ändrades." in page and incidents[1].reference in page
    assert Incident.objects.get(pk=incidents[0].pk).status == Status.CLOSED


def test_bulk_is_for_coordinators(seeded: World, client: Client) -> None:
    incident = report(seeded, seeded.bob, seeded.a_org)
    client.force_login(seeded.bob)
    client.post(
        url(seeded),
        {
            "action": "bulk",
            "bulk_action": "assign",
            "organisation": seeded.a_other_org.pk,
            "incident": [incident.pk],
        },
    )
    assert Incident.objects.get(pk=incident.pk).status == Status.NEW


def test_csv_export_is_complete_escaped_and_logged(seeded: World, client: Client) -> None:
    report(seeded, seeded.bob, seeded.a_org, description='=HYPERLINK("http://x") på väggen')
    report(seeded, seeded.bob, seeded.a_org, code="brand")
    client.force_login(seeded.dave)
    response = client.get(url(seeded, "export.csv"), {"queue": "all"})
    assert response["Content-Disposition"].startswith("attachment;")
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeffreference;")
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))
    assert len(rows) == 2 and {r["category"] for r in rows} == {"klotter", "brand"}
    assert any(r["description"].startswith("'=HYPERLINK") for r in rows)
    event = AuditEvent.objects.get(action=AuditAction.EXPORT)
    assert event.changes["rows"] == [None, 2] and event.actor == seeded.dave


def test_xlsx_and_geojson_exports_respect_scope(seeded: World, client: Client) -> None:
    report(seeded, seeded.bob, seeded.a_org)
    report(seeded, seeded.carol, seeded.a_other_org)
    client.force_login(seeded.carol)
    book = load_workbook(
        io.BytesIO(client.get(url(seeded, "export.xlsx"), {"queue": "all"}).content)
    )
    assert book.active.max_row == 2  # header + carol's own report only
    data = json.loads(
        b"".join(client.get(url(seeded, "export.geojson"), {"queue": "all"}).streaming_content)
    )
    assert len(data["features"]) == 1
    assert data["features"][0]["geometry"]["type"] == "Point"


def test_viewer_cannot_export(seeded: World, client: Client) -> None:
    viewer = factories.member(seeded.a_org, Role.VIEWER, "politiker@example.se")
    report(seeded, seeded.bob, seeded.a_org)
    client.force_login(viewer)
    assert client.get(url(seeded, "export.csv")).status_code == 403
