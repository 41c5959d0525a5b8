"""Administrators edit the checklist without code; routing per category and per area."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client

from samtrygg.audit.models import AuditAction, AuditEvent
from samtrygg.exchange.incident_import import import_incidents
from samtrygg.incidents import category_admin
from samtrygg.incidents.categories import seed_categories
from samtrygg.incidents.models import Category

from .. import factories
from ..conftest import World
from .test_incidents import report

pytestmark = pytest.mark.usefixtures("swedish")


@pytest.fixture
def seeded(world: World) -> World:
    seed_categories(world.a)
    return world


def test_add_rename_reorder_deactivate(seeded: World, client: Client) -> None:
    client.force_login(seeded.alice)
    url = f"/k/{seeded.a.slug}/categories/"
    response = client.post(
        url,
        {
            "label_sv": "Cykelstölder",
            "label_en": "Bicycle theft",
            "visibility": "shared",
            "asks_cost": "on",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    bikes = Category.objects.get(municipality=seeded.a, label_sv="Cykelstölder")
    assert bikes.code == "cykelstolder" and bikes.sort_order > 100
    assert not bikes.asks_police_report
    # the same name again is refused
    again = client.post(url, {"label_sv": "cykelstölder", "visibility": "shared"})
    assert "Det finns redan en kategori" in again.content.decode()
    client.post(url, {"move": "up", "category": bikes.pk})
    order = list(Category.objects.filter(municipality=seeded.a).values_list("code", flat=True))
    assert order[-2] == "cykelstolder"
    edit = f"{url}{bikes.pk}/"
    client.post(
        edit,
        {
            "action": "save",
            "label_sv": "Cykelstöld",
            "label_en": "Bike theft",
            "visibility": "restricted",
        },
    )
    bikes.refresh_from_db()
    assert (bikes.label_sv, bikes.visibility, bikes.is_active) == (
        "Cykelstöld",
        "restricted",
        False,
    )
    assert AuditEvent.objects.filter(
        action=AuditAction.CATEGORY_CHANGED, object_id=str(bikes.pk)
    ).exists()
    # inactive categories are not offered in the report form
    form = client.get(f"/k/{seeded.a.slug}/report/").content.decode()
    assert "Cykelstöld" not in form


def test_used_category_cannot_be_deleted(seeded: World, client: Client) -> None:
    incident = report(seeded, seeded.bob, seeded.a_org)
    client.force_login(seeded.alice)
    url = f"/k/{seeded.a.slug}/categories/{incident.category_id}/"
    response = client.post(url, {"action": "delete"})
    assert "kan inte tas bort" in response.content.decode()
    assert Category.objects.filter(pk=incident.category_id).exists()
    unused = Category.objects.get(municipality=seeded.a, code="evenemang")
    client.post(f"/k/{seeded.a.slug}/categories/{unused.pk}/", {"action": "delete"})
    assert not Category.objects.filter(pk=unused.pk).exists()
    assert AuditEvent.objects.filter(action=AuditAction.CATEGORY_DELETED).count() == 1


def test_only_administrators(seeded: World, client: Client) -> None:
    client.force_login(seeded.dave)  # coordinator
    assert client.get(f"/k/{seeded.a.slug}/categories/").status_code == 403
    with pytest.raises(PermissionDenied):
        category_admin.create_category(seeded.access(seeded.dave), label_sv="X")


def test_routing_by_category_then_by_area(seeded: World) -> None:
    admin = seeded.access(seeded.alice)
    klotter = Category.objects.get(municipality=seeded.a, code="klotter")
    street = factories.organisation(seeded.a, "Gatuenheten")
    category_admin.update_category(admin, klotter, default_handler=seeded.a_other_org)
    assert report(seeded, seeded.bob, seeded.a_org).handling_organisation == seeded.a_other_org
    category_admin.set_route(admin, klotter, seeded.area, street)
    assert report(seeded, seeded.bob, seeded.a_org).handling_organisation == street
    # an import follows the same rules
    csv = (
        "external_id;category;occurred_at;lat;lon\n"
        f"r1;klotter;2026-11-01 10:00;{factories.HALMSTAD_LAT};{factories.HALMSTAD_LON}\n"
    ).encode()
    import_incidents(csv, "a.csv", seeded.a, seeded.a_org)
    from samtrygg.incidents.models import Incident

    assert Incident.objects.get(external_id="r1").handling_organisation == street
    category_admin.set_route(admin, klotter, seeded.area, None)
    assert report(seeded, seeded.bob, seeded.a_org).handling_organisation == seeded.a_other_org


def test_routes_stay_in_the_municipality(seeded: World) -> None:
    admin = seeded.access(seeded.alice)
    klotter = Category.objects.get(municipality=seeded.a, code="klotter")
    with pytest.raises(ValidationError):
        category_admin.set_route(admin, klotter, seeded.area, seeded.b_org)
    with pytest.raises(ValidationError):
        category_admin.update_category(admin, klotter, default_handler=seeded.b_org)
