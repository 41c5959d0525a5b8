"""Changes made in the Django admin are audited; the case page's history follows the audit
policy (admins and coordinators, and the handling organisation's handlers for their case)."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.test import Client

from samtrygg.audit.admin import AuditedAdmin
from samtrygg.audit.models import AuditAction, AuditEvent
from samtrygg.incidents import cases
from samtrygg.tenancy.models import Membership, User
from samtrygg.tenancy.roles import Role

from .. import factories
from ..conftest import World


@pytest.fixture
def operator(world: World) -> User:
    return User.objects.create_superuser(email="drift@example.se", password=factories.PASSWORD)


def test_every_admin_that_can_change_is_audited() -> None:
    for model, model_admin in admin.site._registry.items():
        if model._meta.label == "audit.AuditEvent":
            continue  # read-only: no add, change or delete
        assert isinstance(model_admin, AuditedAdmin), f"{model._meta.label} is not audited"


def test_role_changed_in_admin_is_an_event_with_old_and_new(
    world: World, operator: User, client: Client
) -> None:
    membership = world.membership(world.bob)
    client.force_login(operator)
    response = client.post(
        f"/admin/tenancy/membership/{membership.pk}/change/",
        {"user": world.bob.pk, "organisation": world.a_org.pk, "role": Role.COORDINATOR},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    event = AuditEvent.objects.get(action=AuditAction.ADMIN_CHANGED)
    assert event.actor == operator
    assert event.object_type == "tenancy.membership" and event.object_id == str(membership.pk)
    assert event.changes == {"role": [Role.REPORTER.value, Role.COORDINATOR.value]}
    assert event.municipality == world.a and event.organisation == world.a_org


def test_added_and_deleted_in_admin(world: World, operator: User, client: Client) -> None:
    client.force_login(operator)
    response = client.post(
        "/admin/tenancy/membership/add/",
        {"user": world.carol.pk, "organisation": world.a_org.pk, "role": Role.ANALYST},
    )
    assert response.status_code == 302
    added = AuditEvent.objects.get(action=AuditAction.ADMIN_CREATED)
    assert added.changes["role"] == [None, Role.ANALYST.value]
    membership = Membership.objects.get(user=world.carol, organisation=world.a_org)
    response = client.post(f"/admin/tenancy/membership/{membership.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    deleted = AuditEvent.objects.get(action=AuditAction.ADMIN_DELETED)
    assert deleted.object_id == str(membership.pk) and deleted.actor == operator


def test_superuser_flag_and_password_in_admin(world: World, operator: User, client: Client) -> None:
    client.force_login(operator)
    response = client.post(
        f"/admin/tenancy/user/{world.bob.pk}/password/",
        {"password1": "Ett-nytt-langt-losen-2026", "password2": "Ett-nytt-langt-losen-2026"},
    )
    assert response.status_code == 302
    event = AuditEvent.objects.get(action=AuditAction.ADMIN_CHANGED)
    assert event.object_id == str(world.bob.pk)
    assert event.changes == {"password": ["***", "***"]}  # never the hash


def _history_shown(client: Client, user: User, world: World, incident_pk: int) -> bool:
    client.force_login(user)
    page = client.get(f"/k/{world.a.slug}/incidents/{incident_pk}/")
    assert page.status_code == 200
    return 'id="history"' in page.content.decode() and bool(page.context["history"])


def test_case_history_follows_the_audit_policy(world: World, client: Client) -> None:
    incident = world.incident()
    cases.assign(world.access(world.dave), incident, world.a_other_org)
    handler_elsewhere = factories.member(world.a_org, Role.HANDLER, "hanna@example.se")
    handler_here = factories.member(world.a_other_org, Role.HANDLER, "hugo@example.se")
    # Administrators and coordinators read the whole log.
    assert _history_shown(client, world.alice, world, incident.pk)
    assert _history_shown(client, world.dave, world, incident.pk)
    # The handling organisation's handlers read their case's events.
    assert _history_shown(client, handler_here, world, incident.pk)
    # The reporter (bob reported it) and a handler of another organisation do not.
    assert not _history_shown(client, world.bob, world, incident.pk)
    assert not _history_shown(client, handler_elsewhere, world, incident.pk)
    # A reporter of the handling organisation does not either.
    assert not _history_shown(client, world.carol, world, incident.pk)
