from __future__ import annotations

import pytest
from django.test import Client

from samtrygg.audit.models import AppendOnlyError, AuditAction, AuditEvent

from .. import factories
from ..conftest import World


def test_events_cannot_be_changed_or_deleted(world: World) -> None:
    event = AuditEvent.objects.first()
    assert event is not None
    event.action = AuditAction.LOGIN
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.all().delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.update(action="x")


def test_logins_and_failures_are_logged_with_request_id(world: World, client: Client) -> None:
    client.post("/accounts/login/", {"login": "bob@example.se", "password": "fel"})
    response = client.post(
        "/accounts/login/", {"login": "bob@example.se", "password": factories.PASSWORD}
    )
    failed = AuditEvent.objects.get(action=AuditAction.LOGIN_FAILED)
    assert failed.object_repr == "bob@example.se" and failed.actor is None
    ok = AuditEvent.objects.get(action=AuditAction.LOGIN)
    assert ok.actor == world.bob
    assert ok.request_id == response["X-Request-ID"]


def test_audit_page_shows_own_municipality_only(world: World, client: Client) -> None:
    client.post("/accounts/login/", {"login": "charlie@example.se", "password": "fel"})
    client.force_login(world.alice)
    page = client.get(f"/k/{world.a.slug}/audit/")
    assert page.status_code == 200
    events = list(page.context["page"])
    assert events and all(e.municipality in (world.a, None) for e in events)
    assert not any("charlie" in e.object_repr for e in events)
    # Filters
    page = client.get(f"/k/{world.a.slug}/audit/", {"action": AuditAction.INVITATION_SENT})
    assert [e.action for e in page.context["page"]] == [AuditAction.INVITATION_SENT]


def test_audit_page_is_for_admins_and_coordinators(world: World, client: Client) -> None:
    client.force_login(world.dave)
    assert client.get(f"/k/{world.a.slug}/audit/").status_code == 200
    client.force_login(world.bob)
    assert client.get(f"/k/{world.a.slug}/audit/").status_code == 403


def test_audit_page_query_count_is_constant(
    world: World, client: Client, django_assert_max_num_queries: object
) -> None:
    from samtrygg.tenancy import services

    client.force_login(world.alice)
    access = world.access(world.alice)
    for i in range(30):
        services.create_organisation(access, name=f"Förening {i}", kind="forening")
    with django_assert_max_num_queries(12):  # type: ignore[operator]
        assert client.get(f"/k/{world.a.slug}/audit/").status_code == 200
