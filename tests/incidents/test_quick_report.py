"""The quick report (issue 14, item 2): one incident from the start page through the same
service as every other door; a repeated submission stores nothing new; without a position
nothing is stored and the reporter is told in Swedish."""

from __future__ import annotations

import pytest
from django.test import Client

from samtrygg.incidents.models import Incident

from ..areas.test_addresses import _wgs
from ..conftest import World

pytestmark = pytest.mark.usefixtures("swedish")


def _post(world: World, client: Client, **values: object) -> object:
    lon, lat = _wgs(50, 0)
    data = {
        "category": world.category().pk,
        "organisation": world.a_org.pk,
        "lat": f"{lat:.6f}",
        "lon": f"{lon:.6f}",
        "key": "snabb-nyckel-0000000000000001",
        **values,
    }
    return client.post(f"/k/{world.a.slug}/report/quick/", data)


def test_one_incident_here_and_now_stored_once(world: World, client: Client) -> None:
    client.force_login(world.bob)
    start = client.get(f"/k/{world.a.slug}/").content.decode()
    assert f'action="/k/{world.a.slug}/report/quick/"' in start
    first = _post(world, client)
    assert first.status_code == 302  # type: ignore[attr-defined]
    stored = Incident.objects.get(municipality=world.a)
    assert stored.area == world.area and stored.reporting_organisation == world.a_org
    assert stored.reported_by == world.bob and stored.x is not None
    again = _post(world, client)  # back + send, or a retry: the same key
    assert again.status_code == 302  # type: ignore[attr-defined]
    assert Incident.objects.filter(municipality=world.a).count() == 1


def test_without_a_position_nothing_is_stored(world: World, client: Client) -> None:
    client.force_login(world.bob)
    answer = _post(world, client, lat="", lon="")
    assert answer.status_code == 400  # type: ignore[attr-defined]
    assert "Använd min position" in answer.content.decode()  # type: ignore[attr-defined]
    outside = _post(world, client, lat="59.330000", lon="18.070000", key="k-000000000000002")
    assert "utanför kommunen" in outside.content.decode()  # type: ignore[attr-defined]
    assert not Incident.objects.filter(municipality=world.a).exists()


def test_an_outsider_gets_404(world: World, client: Client) -> None:
    client.force_login(world.charlie)
    assert _post(world, client).status_code == 404  # type: ignore[attr-defined]
    assert not Incident.objects.exists()
