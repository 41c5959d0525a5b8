"""Issue 14, item 9: 'Assigned' needs an organisation (service, form, database), merges in the
history, the reassign form's due date, the handler's default queue."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.test import Client
from django.utils import timezone

from samtrygg.audit.models import AuditAction, AuditEvent
from samtrygg.incidents import cases, queries
from samtrygg.incidents.categories import seed_categories
from samtrygg.incidents.filters import IncidentFilterForm
from samtrygg.incidents.models import Incident, Status
from samtrygg.tenancy.roles import Role

from .. import factories
from ..conftest import World
from .test_incidents import report

pytestmark = pytest.mark.usefixtures("swedish")

REFUSED = "Ett ärende kan bara vara ”Tilldelad” till en organisation"


@pytest.fixture
def seeded(world: World) -> World:
    seed_categories(world.a)
    return world


def page(client: Client, world: World, incident: Incident) -> str:
    return client.get(f"/k/{world.a.slug}/incidents/{incident.pk}/").content.decode()


def test_service_refuses_assigned_without_an_organisation(seeded: World) -> None:
    case = report(seeded, seeded.bob, seeded.a_org)
    events = AuditEvent.objects.count()
    with pytest.raises(ValidationError, match=REFUSED):
        cases.transition(seeded.access(seeded.dave), case, Status.ASSIGNED)
    stored = Incident.objects.get(pk=case.pk)
    assert stored.status == Status.NEW and stored.version == case.version
    assert AuditEvent.objects.count() == events
    # Through "Assign" (with an organisation) the case is assigned, and may go back and forth.
    case = cases.assign(seeded.access(seeded.dave), case, seeded.a_other_org)
    assert Incident.objects.get(pk=case.pk).status == Status.ASSIGNED


def test_form_refuses_assigned_without_an_organisation(seeded: World, client: Client) -> None:
    case = report(seeded, seeded.bob, seeded.a_org)
    client.force_login(seeded.dave)
    shown = page(client, seeded, case)
    assert 'value="triaged"' in shown and 'name="to" value="assigned"' not in shown
    answer = client.post(
        f"/k/{seeded.a.slug}/incidents/{case.pk}/",
        {"action": "status", "to": "assigned", "version": case.version, "comment": ""},
    )
    assert answer.status_code == 200
    assert REFUSED in answer.content.decode()
    assert Incident.objects.get(pk=case.pk).status == Status.NEW


def test_database_refuses_assigned_without_an_organisation(seeded: World) -> None:
    case = report(seeded, seeded.bob, seeded.a_org)
    with pytest.raises(IntegrityError), transaction.atomic():
        Incident.objects.filter(pk=case.pk).update(status=Status.ASSIGNED)
    Incident.objects.filter(pk=case.pk).update(
        status=Status.ASSIGNED, handling_organisation=seeded.a_other_org
    )  # with an organisation it is a valid row


def test_merge_is_in_both_histories(seeded: World, client: Client) -> None:
    kept = report(seeded, seeded.bob, seeded.a_org, code="brand")
    other = report(seeded, seeded.carol, seeded.a_other_org, code="brand")
    cases.merge(seeded.access(seeded.dave), kept, [other])
    event = AuditEvent.objects.get(
        action=AuditAction.CASE_MERGED, object_type="incidents.incident", object_id=str(kept.pk)
    )
    assert event.changes == {"merged": [None, [other.reference]]}
    client.force_login(seeded.dave)
    assert (
        f"Dubblett sammanslagen, dave@example.se (sammanslagen med detta ärende: {other.reference})"
        in page(client, seeded, kept)
    )
    assert f"(sammanslagen med {kept.reference})" in page(client, seeded, other)


def test_reassign_form_shows_the_current_due_date(seeded: World, client: Client) -> None:
    case = report(seeded, seeded.bob, seeded.a_org)
    due = timezone.localdate() + timedelta(days=10)
    cases.assign(seeded.access(seeded.dave), case, seeded.a_other_org, due_date=due)
    client.force_login(seeded.dave)
    shown = page(client, seeded, case)
    assert f'name="due_date" value="{due.isoformat()}"' in shown
    assert f"Nuvarande klart senast-datum: {due.isoformat()}." in shown
    assert "Hanteras nu av Alfahem AB." in shown


def test_handler_list_opens_on_the_queue_of_their_organisation(
    seeded: World, client: Client
) -> None:
    handler = factories.member(seeded.a_other_org, Role.HANDLER, "gata@example.se")
    theirs = report(seeded, seeded.bob, seeded.a_org)
    cases.assign(seeded.access(seeded.dave), theirs, seeded.a_other_org)
    reported = report(seeded, seeded.carol, seeded.a_other_org)  # reported, not assigned
    assert queries.default_queue(seeded.access(handler)) == "handling"
    assert queries.default_queue(seeded.access(seeded.bob)) == "mine"
    assert queries.default_queue(seeded.access(seeded.dave)) == "new"
    form = IncidentFilterForm(seeded.access(handler))
    assert list(form.rows()) == [theirs] and reported not in form.rows()
    client.force_login(handler)
    listing = client.get(f"/k/{seeded.a.slug}/incidents/").content.decode()
    assert 'href="?queue=handling" aria-current="page"' in listing
    assert theirs.reference in listing and reported.reference not in listing


def test_data_migration_sends_assigned_to_nobody_back_to_new(seeded: World) -> None:
    """0010 mends the rows stored before the constraint (stored here by lifting it for a
    moment), with an event in each case's history."""
    from importlib import import_module

    from django.apps import apps
    from django.db import connection

    case = report(seeded, seeded.bob, seeded.a_org)
    kept = report(seeded, seeded.bob, seeded.a_org)
    cases.assign(seeded.access(seeded.dave), kept, seeded.a_other_org)
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA ignore_check_constraints = ON")
            try:
                Incident.objects.filter(pk=case.pk).update(status=Status.ASSIGNED)
            finally:
                cursor.execute("PRAGMA ignore_check_constraints = OFF")
    else:
        constraint = next(
            c for c in Incident._meta.constraints if c.name == "incident_assigned_has_organisation"
        )
        with connection.cursor() as cursor:
            # The test's own inserts left deferred foreign-key checks pending; PostgreSQL does
            # not alter a table with pending trigger events.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        with connection.schema_editor() as editor:
            editor.remove_constraint(Incident, constraint)
        Incident.objects.filter(pk=case.pk).update(status=Status.ASSIGNED)
    module = import_module("samtrygg.incidents.migrations.0010_assigned_to_nobody_back_to_new")
    module.assigned_to_nobody_back_to_new(apps, None)
    mended = Incident.objects.get(pk=case.pk)
    assert mended.status == Status.NEW and mended.version == case.version + 1
    assert Incident.objects.get(pk=kept.pk).status == Status.ASSIGNED  # had an organisation
    event = AuditEvent.objects.get(action=AuditAction.CASE_STATUS_CHANGED, object_id=str(case.pk))
    assert event.changes == {"status": ["assigned", "new"]}
