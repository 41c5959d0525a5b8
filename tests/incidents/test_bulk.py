"""Bulk actions on the case list respect the version each case had when the list was loaded:
if somebody changed one of the chosen cases meanwhile, nothing is applied and the changed
references are named."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from samtrygg.audit.models import AuditAction, AuditEvent
from samtrygg.incidents import bulk, cases
from samtrygg.incidents.categories import seed_categories
from samtrygg.incidents.models import Incident, Status

from ..conftest import World
from .test_incidents import report

pytestmark = pytest.mark.usefixtures("swedish")


@pytest.fixture
def seeded(world: World) -> World:
    seed_categories(world.a)
    return world


def list_url(world: World) -> str:
    return f"/k/{world.a.slug}/incidents/?queue=all"


def versions_on_the_page(client: Client, world: World) -> dict[str, str]:
    """The hidden version inputs the list page sends with the bulk form."""
    page = client.get(list_url(world)).content.decode()
    return dict(re.findall(r'name="(version_\d+)" value="(\d+)" form="bulk"', page))


def test_the_list_posts_the_versions_and_a_case_changed_meanwhile_stops_the_action(
    seeded: World, client: Client
) -> None:
    incidents = [report(seeded, seeded.bob, seeded.a_org) for _ in range(3)]
    client.force_login(seeded.dave)
    seen = versions_on_the_page(client, seeded)
    assert seen == {f"version_{i.pk}": "1" for i in incidents}
    # Meanwhile, another coordinator assigns the second case.
    cases.assign(seeded.access(seeded.dave), incidents[1], seeded.a_org)
    before = AuditEvent.objects.filter(action=AuditAction.CASE_ASSIGNED).count()

    response = client.post(
        list_url(seeded),
        {
            "action": "bulk",
            "bulk_action": "assign",
            "organisation": seeded.a_other_org.pk,
            "incident": [i.pk for i in incidents],
            **seen,
        },
        follow=True,
    )

    page = response.content.decode()
    assert (
        f"Inget ändrades: någon annan ändrade {incidents[1].reference} efter att du läste in "
        "listan." in page
    )
    rows = {i.pk: i for i in Incident.objects.filter(pk__in=[i.pk for i in incidents])}
    assert [rows[i.pk].handling_organisation_id for i in incidents] == [
        incidents[0].handling_organisation_id,
        seeded.a_org.pk,  # as the other coordinator left it
        incidents[2].handling_organisation_id,
    ]
    assert rows[incidents[0].pk].version == 1 and rows[incidents[2].pk].version == 1
    assert AuditEvent.objects.filter(action=AuditAction.CASE_ASSIGNED).count() == before

    # Loaded again, the list shows the new version and the action goes through.
    response = client.post(
        list_url(seeded),
        {
            "action": "bulk",
            "bulk_action": "assign",
            "organisation": seeded.a_other_org.pk,
            "incident": [i.pk for i in incidents],
            **versions_on_the_page(client, seeded),
        },
        follow=True,
    )
    assert "3 ärenden ändrades." in response.content.decode()
    assert set(
        Incident.objects.filter(pk__in=[i.pk for i in incidents]).values_list(
            "handling_organisation", flat=True
        )
    ) == {seeded.a_other_org.pk}


def test_every_changed_case_is_named_and_rule_skips_still_apply_the_rest(seeded: World) -> None:
    access = seeded.access(seeded.dave)
    incidents = [
        cases.assign(access, report(seeded, seeded.bob, seeded.a_org), seeded.a_org)
        for _ in range(3)
    ]
    seen = {i.pk: i.version for i in incidents}
    cases.transition(access, incidents[0], Status.RESOLVED)
    cases.transition(access, incidents[2], Status.RESOLVED)

    stopped = bulk.bulk_apply(access, list(seen), "close", versions=seen)
    assert [i.reference for i in stopped.conflicts] == [
        incidents[0].reference,
        incidents[2].reference,
    ]
    assert not stopped.changed and not stopped.skipped
    assert not Incident.objects.filter(status=Status.CLOSED).exists()

    # At the current versions: the resolved cases close, the assigned one is skipped (the rule).
    fresh = dict(Incident.objects.filter(pk__in=seen).values_list("pk", "version"))
    done = bulk.bulk_apply(access, list(seen), "close", versions=fresh)
    assert not done.conflicts
    assert sorted(i.pk for i in done.changed) == [incidents[0].pk, incidents[2].pk]
    assert [(i.pk, reason) for i, reason in done.skipped] == [
        (incidents[1].pk, "Ett ärende kan inte gå från ”Tilldelad” till ”Avslutad” i din roll.")
    ]
