"""The start page per role: what to do now (issue 14, item 5), at a constant query count."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from samtrygg.incidents.models import Incident, Status
from samtrygg.plans.models import Meeting
from samtrygg.tenancy.models import Membership
from samtrygg.tenancy.roles import Role

from .. import factories
from ..conftest import World


def _page(client: Client, world: World, user: Any) -> str:
    client.force_login(user)
    response = client.get(f"/k/{world.a.slug}/")
    assert response.status_code == 200
    return response.content.decode()


def test_each_role_sees_what_to_do_now(world: World, client: Client) -> None:
    incident = world.incident()  # bob's organisation's open report, unrouted
    Incident.objects.filter(pk=incident.pk).update(
        handling_organisation=world.a_other_org,
        status=Status.ASSIGNED,
        due_date=timezone.localdate() + timedelta(days=2),
    )
    Meeting.objects.create(
        municipality=world.a, kind="weekly", date=timezone.localdate() + timedelta(days=3)
    )
    handler = factories.member(world.a_other_org, Role.HANDLER)
    analyst = factories.member(world.a_org, Role.ANALYST)
    politician = factories.member(world.a_org, Role.VIEWER)
    regional = factories.member(world.a_org, Role.REGIONAL)
    Membership.objects.create(user=regional, organisation=world.b_org, role=Role.REGIONAL)

    reporter = _page(client, world, world.bob)
    assert 'data-start="reporter"' in reporter and incident.reference in reporter
    assert "inte skickad" in reporter
    assert 'data-start="coordinator"' not in reporter

    mine = _page(client, world, handler)
    assert 'data-start="handler"' in mine and incident.reference in mine

    coordinator = _page(client, world, world.dave)
    assert 'data-start="coordinator"' in coordinator
    assert "Nästa möte" in coordinator and "Inget möte är planerat" not in coordinator
    assert "Alfa kommun" in coordinator  # bob's organisation has not reported last week

    assert 'data-start="analyst"' in _page(client, world, analyst)

    board = _page(client, world, politician)
    assert 'data-start="politician"' in board and "skyldigheter enligt lagen" in board
    assert 'data-start="reporter"' not in board and incident.reference not in board

    overview = _page(client, world, regional)
    assert 'data-start="regional"' in overview and 'href="/region/"' in overview
    assert world.b.name in overview and incident.reference not in overview


def _count(client: Client, world: World, user: Any) -> int:
    client.force_login(user)
    client.get(f"/k/{world.a.slug}/")  # warm caches (snapshot, sessions)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(f"/k/{world.a.slug}/").status_code == 200
    return len(queries)


def test_the_start_page_reads_a_constant_number_of_queries(world: World, client: Client) -> None:
    handler = factories.member(world.a_org, Role.HANDLER)
    world.incident()
    before = {u.pk: _count(client, world, u) for u in (world.alice, world.bob, handler)}
    base = world.incident()
    for k in range(12):
        copy = Incident.objects.get(pk=base.pk)
        copy.pk = None
        copy.reference = f"X-{k}"
        copy.handling_organisation = world.a_org
        copy.status = Status.ASSIGNED
        copy.due_date = timezone.localdate() + timedelta(days=k)
        copy.save()
        factories.member(world.a_other_org, Role.REPORTER)
    after = {u.pk: _count(client, world, u) for u in (world.alice, world.bob, handler)}
    assert after == before
