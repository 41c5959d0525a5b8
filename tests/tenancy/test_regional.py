"""The regional role (issue 11, item 5): länsstyrelsen and regional police analysts read
aggregates (suppressed like a viewer's), compliance, plans and the documents of the
municipalities they follow; every incident, case, comment and photo URL answers 404 and there
is no points layer."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from samtrygg.demo.builder import REGIONAL_USER
from samtrygg.incidents import cases
from samtrygg.incidents.visibility import IncidentRule, incident_visibility
from samtrygg.situation.filters import SituationFilters
from samtrygg.situation.layers import View
from samtrygg.tenancy.roles import Permission, Role, aggregates_only, role_allows
from samtrygg.tenancy.tokens import create_token

from .. import factories
from ..conftest import World
from ..test_outsider import build_url, params, scoped_routes

pytestmark = pytest.mark.usefixtures("swedish")

OBJECT_PARAMS = {"incident_id", "photo_id"}


@pytest.fixture
def regional(world: World) -> Any:
    """Like the demo's lansstyrelsen@example.se: the county board in both municipalities."""
    user = factories.member(
        factories.organisation(world.a, "Länsstyrelsen", kind="lansstyrelse"),
        Role.REGIONAL,
        "lansstyrelsen@example.se",
    )
    from samtrygg.tenancy.models import Membership

    Membership.objects.create(
        user=user,
        organisation=factories.organisation(world.b, "Länsstyrelsen", kind="lansstyrelse"),
        role=Role.REGIONAL,
    )
    incident = world.incident()
    world.photo()
    cases.add_comment(world.access(world.dave), incident, "En delad kommentar")
    return user


def test_the_demo_regional_user_has_the_role() -> None:
    assert REGIONAL_USER[2] == Role.REGIONAL
    assert Role.VIEWER < Role.REGIONAL < Role.REPORTER
    assert aggregates_only(Role.REGIONAL)
    assert not role_allows(Role.REGIONAL, Permission.REPORT_INCIDENTS)


def test_the_regional_role_sees_no_single_incident(world: World, regional: Any) -> None:
    access = world.access(regional)
    assert access.role == Role.REGIONAL
    assert incident_visibility(access) == IncidentRule()
    view = View(access, SituationFilters())
    assert view.aggregates_only
    assert view.suppress(1) is None and view.suppress(2) is None and view.suppress(3) == 3


def _incident_routes() -> list[Any]:
    return [
        r for r in scoped_routes() if OBJECT_PARAMS & set(params(r)) or "incidents" in r.pattern
    ]


def test_every_incident_case_comment_and_photo_url_is_404(
    world: World, regional: Any, client: Client
) -> None:
    routes = _incident_routes()
    names = {r.name for r in routes}
    assert {"incident_detail", "incident_photo", "incident_list"} <= names
    assert any("comments" in r.pattern for r in routes)  # the API's comments
    token = create_token(regional, name="test", days=30)[1]
    client.force_login(regional)
    wrong = []
    for route in routes:
        url = build_url(route, world)
        headers = {"Authorization": f"Bearer {token}"} if url.startswith("/api/") else {}
        statuses = {
            method: getattr(client, method)(url, headers=headers).status_code
            for method in ("get", "post")
        }
        # 405 says only which methods a route has, the same for every id.
        if set(statuses.values()) - {404, 405} or 404 not in statuses.values():
            wrong.append(f"{url} {statuses}")
    assert wrong == []


def test_no_points_layer(world: World, regional: Any, client: Client) -> None:
    client.force_login(regional)
    page = client.get(reverse("situation_map", args=[world.a.slug]))
    assert page.status_code == 200
    assert "situation/points.json" not in page.content.decode()
    points = client.get(reverse("situation_layer_points", args=[world.a.slug])).json()
    assert points["features"] == []
    table = client.get(reverse("situation_table_points", args=[world.a.slug]))
    assert table.content.decode("utf-8-sig").strip().splitlines() == ["id;category;when;status"]


def test_compliance_plans_documents_and_the_regional_overview(
    world: World, regional: Any, client: Client
) -> None:
    client.force_login(regional)
    for name in ("compliance", "plan_list", "council", "report_list", "dashboard"):
        assert client.get(reverse(name, args=[world.a.slug])).status_code == 200, name
    overview = client.get(reverse("regional_overview"))
    assert overview.status_code == 200
    text = overview.content.decode()
    assert world.a.name in text and world.b.name in text
