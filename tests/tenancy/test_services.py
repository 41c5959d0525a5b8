"""Invitations, roles and organisations: the rules, the Swedish messages, nothing half-written."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client

from samtrygg.audit.models import AuditAction, AuditEvent
from samtrygg.tenancy import services
from samtrygg.tenancy.models import Invitation, Membership, Organisation, User
from samtrygg.tenancy.policy import access_for
from samtrygg.tenancy.roles import Role

from .. import factories
from ..conftest import World


def snapshot() -> tuple[int, ...]:
    return (
        Invitation.objects.count(),
        Membership.objects.count(),
        User.objects.count(),
        Organisation.objects.count(),
        AuditEvent.objects.count(),
    )


pytestmark = pytest.mark.usefixtures("swedish")


def test_invitation_sends_a_link_that_creates_the_account(
    world: World, client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    access = world.access(world.alice)
    with django_capture_on_commit_callbacks(execute=True):
        path = services.invite(
            access, email="Ny.Person@Example.se", organisation=world.a_org, role=Role.HANDLER
        )
    assert len(mail.outbox) == 1
    assert path in mail.outbox[0].body
    assert mail.outbox[0].to == ["ny.person@example.se"]
    invitation = Invitation.objects.get(email="ny.person@example.se")
    assert path.split("/")[-2] not in invitation.token_hash  # only the hash is stored
    page = client.get(path)
    assert page.status_code == 200
    response = client.post(
        path,
        {
            "full_name": "Ny Person",
            "password1": "Ett-bra-lösen-47",
            "password2": "Ett-bra-lösen-47",
        },
    )
    assert response.status_code == 302
    user = User.objects.get(email="ny.person@example.se")
    assert Membership.objects.get(user=user).role == Role.HANDLER
    assert client.get(path).status_code == 404  # used once only
    assert AuditEvent.objects.filter(action=AuditAction.INVITATION_ACCEPTED, actor=user).exists()


def test_invitation_form_errors_are_swedish_and_change_nothing(
    world: World, client: Client
) -> None:
    client.force_login(world.alice)
    url = f"/k/{world.a.slug}/members/"
    before = snapshot()
    response = client.post(
        url, {"email": "bob@example.se", "organisation": world.a_org.pk, "role": Role.REPORTER}
    )
    assert "bob@example.se är redan medlem i Alfa kommun" in response.content.decode()
    response = client.post(
        url, {"email": "new@example.se", "organisation": world.a_org.pk, "role": Role.REPORTER}
    )
    assert "har redan en inbjudan som väntar" in response.content.decode()
    assert snapshot() == before


def test_coordinator_may_not_grant_admin(world: World, client: Client) -> None:
    client.force_login(world.dave)  # coordinator
    before = snapshot()
    response = client.post(
        f"/k/{world.a.slug}/members/",
        {"email": "chef@example.se", "organisation": world.a_org.pk, "role": Role.ADMIN},
    )
    assert response.status_code == 200
    assert "Du får inte ge rollen ”Administratör”." in response.content.decode()
    assert snapshot() == before
    with pytest.raises(ValidationError):
        services.invite(
            world.access(world.dave),
            email="chef@example.se",
            organisation=world.a_org,
            role=Role.COORDINATOR,
        )
    # A role he may give works.
    services.invite(
        world.access(world.dave),
        email="chef@example.se",
        organisation=world.a_org,
        role=Role.ANALYST,
    )


def test_coordinator_may_not_demote_an_admin(world: World) -> None:
    with pytest.raises(ValidationError):
        services.change_role(world.access(world.dave), world.membership(world.alice), Role.REPORTER)
    assert world.membership(world.alice).role == Role.ADMIN


def test_reporter_may_not_invite_at_all(world: World) -> None:
    with pytest.raises(PermissionDenied):
        services.invite(
            world.access(world.bob),
            email="x@example.se",
            organisation=world.a_org,
            role=Role.REPORTER,
        )


def test_cannot_invite_into_another_municipality(world: World) -> None:
    with pytest.raises(PermissionDenied):
        services.invite(
            world.access(world.alice),
            email="x@example.se",
            organisation=world.b_org,
            role=Role.REPORTER,
        )


def test_the_last_admin_stays(world: World) -> None:
    before = snapshot()
    with pytest.raises(ValidationError, match="minst en administratör"):
        services.change_role(world.access(world.alice), world.membership(world.alice), Role.ANALYST)
    with pytest.raises(ValidationError):
        services.remove_membership(world.access(world.alice), world.membership(world.alice))
    assert snapshot() == before
    factories.member(world.a_other_org, Role.ADMIN, "second-admin@example.se")
    services.change_role(world.access(world.alice), world.membership(world.alice), Role.ANALYST)


def test_role_change_is_logged_with_old_and_new(world: World) -> None:
    services.change_role(world.access(world.alice), world.membership(world.bob), Role.HANDLER)
    event = AuditEvent.objects.get(action=AuditAction.ROLE_CHANGED)
    assert event.actor == world.alice
    assert event.changes == {"role": ["Rapportör", "Handläggare"]}
    assert event.municipality == world.a
    assert event.organisation == world.a_org


def test_organisation_names_are_unique_per_municipality(world: World) -> None:
    access = world.access(world.alice)
    with pytest.raises(ValidationError) as error:
        services.create_organisation(access, name="alfa KOMMUN", kind="polis")
    assert "Det finns redan en organisation som heter" in str(error.value)
    # The same name in another municipality is fine.
    services.create_organisation(
        world.access(world.charlie, world.b), name="Alfa kommun", kind="polis"
    )


def test_organisation_change_is_logged(world: World, client: Client) -> None:
    client.force_login(world.alice)
    response = client.post(
        f"/k/{world.a.slug}/organisations/{world.a_other_org.pk}/",
        {"name": "Alfahem", "kind": "kommunalt_bolag", "is_active": "on"},
    )
    assert response.status_code == 302
    event = AuditEvent.objects.get(action=AuditAction.ORGANISATION_CHANGED)
    assert event.changes == {
        "kind": ["bostadsbolag", "kommunalt_bolag"],
        "name": ["Alfahem AB", "Alfahem"],
    }


def test_user_switches_municipality(world: World, client: Client) -> None:
    Membership.objects.create(user=world.bob, organisation=world.b_org, role=Role.REPORTER)
    client.force_login(world.bob)
    assert client.get(f"/k/{world.b.slug}/").status_code == 200
    assert client.get("/")["Location"] == f"/k/{world.b.slug}/"  # the last one used
    assert client.get("/", {"k": world.a.slug})["Location"] == f"/k/{world.a.slug}/"
    page = client.get(f"/k/{world.a.slug}/").content.decode()
    assert f'<option value="{world.b.slug}"' in page


def test_access_is_404_for_non_members(world: World) -> None:
    from django.http import Http404

    with pytest.raises(Http404):
        access_for(world.charlie, world.a.slug)
    with pytest.raises(Http404):
        access_for(world.alice, "no-such-municipality")


def test_an_existing_account_is_added_to_another_municipality(
    world: World, client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    client.force_login(world.alice)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/k/{world.a.slug}/members/",
            {"email": "CHARLIE@example.se", "organisation": world.a_org.pk, "role": Role.ANALYST},
            follow=True,
        )
    assert "charlie@example.se lades till i Alfa kommun" in response.content.decode()
    assert Membership.objects.get(user=world.charlie, organisation=world.a_org).role == Role.ANALYST
    assert mail.outbox[-1].to == ["charlie@example.se"] and "Alfa kommun" in mail.outbox[-1].subject
    client.force_login(world.charlie)
    assert client.get(f"/k/{world.a.slug}/").status_code == 200
    assert AuditEvent.objects.filter(action=AuditAction.MEMBERSHIP_CREATED).exists()


def test_pages_of_the_same_municipality_do_not_write_the_session(
    world: Any, client: Client
) -> None:
    """A session save is a write; on SQLite it would wait behind a long import."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(world.alice)
    url = f"/k/{world.a.slug}/areas/"
    assert client.get(url).status_code == 200  # the first page remembers the municipality
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    writes = [
        q["sql"]
        for q in queries
        if "django_session" in q["sql"]
        and q["sql"].lstrip().upper().startswith(("UPDATE", "INSERT"))
    ]
    assert writes == []
