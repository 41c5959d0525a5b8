"""The incident API: tokens, scoping, the same services as the web, Swedish errors."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from samtrygg.incidents.categories import seed_categories
from samtrygg.incidents.models import Incident, Source, Status
from samtrygg.tenancy.tokens import create_token

from .. import factories
from ..conftest import World

pytestmark = pytest.mark.usefixtures("swedish")

PNR = "811218-9876"  # valid check digit


@pytest.fixture
def seeded(world: World) -> World:
    seed_categories(world.a)
    return world


def bearer(user: Any) -> dict[str, str]:
    _token, secret = create_token(user, name="test", days=30)
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def body(**extra: Any) -> str:
    data = {
        "category": "klotter",
        "occurred_at": (timezone.now() - timedelta(hours=2)).isoformat(),
        "lat": factories.HALMSTAD_LAT,
        "lon": factories.HALMSTAD_LON,
        "description": "Klotter på elskåpet vid lekplatsen.",
        "severity": 2,
    }
    data.update(extra)
    return json.dumps(data)


def post(client: Client, url: str, payload: str, auth: dict[str, str]) -> Any:
    return client.post(url, payload, content_type="application/json", **auth)


def test_create_with_a_token_uses_the_incident_service(seeded: World, client: Client) -> None:
    response = post(client, f"/api/v1/k/{seeded.a.slug}/incidents", body(), bearer(seeded.bob))
    assert response.status_code == 201, response.content
    data = response.json()
    incident = Incident.objects.get(pk=data["id"])
    assert incident.source == Source.API and incident.reported_by == seeded.bob
    assert incident.area == seeded.area and data["reference"].startswith(str(timezone.now().year))
    assert data["category"] == "klotter" and data["x"] is not None


def test_personal_identity_number_is_refused_through_the_api(seeded: World, client: Client) -> None:
    response = post(
        client,
        f"/api/v1/k/{seeded.a.slug}/incidents",
        body(description=f"Killen med personnummer {PNR} klottrade."),
        bearer(seeded.bob),
    )
    assert response.status_code == 422
    data = response.json()
    assert "personnummer" in data["errors"]["description"][0]
    assert "aldrig personer" in data["detail"]
    assert not Incident.objects.exists()


def test_flagged_detail_needs_confirmation(seeded: World, client: Client) -> None:
    url = f"/api/v1/k/{seeded.a.slug}/incidents"
    text = "Ring vakten på 070-123 45 67 om det händer igen."
    first = post(client, url, body(description=text), bearer(seeded.bob))
    assert first.status_code == 422 and "telefonnummer" in first.json()["detail"]
    second = post(client, url, body(description=text, confirm_flagged=True), bearer(seeded.bob))
    assert second.status_code == 201


def test_schema_errors_are_swedish_and_per_field(seeded: World, client: Client) -> None:
    response = post(
        client,
        f"/api/v1/k/{seeded.a.slug}/incidents",
        body(severity=7, occurred_at="igår"),
        bearer(seeded.bob),
    )
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert errors["severity"] == ["Värdet ligger utanför det tillåtna intervallet."]
    assert "ISO 8601" in errors["occurred_at"][0]


def test_unknown_category_and_foreign_area(seeded: World, client: Client) -> None:
    url = f"/api/v1/k/{seeded.a.slug}/incidents"
    response = post(client, url, body(category="finns-inte"), bearer(seeded.bob))
    assert response.status_code == 422 and "kategori" in response.json()["detail"]


def test_no_or_bad_token_is_401_and_revoked_token_stops_working(
    seeded: World, client: Client
) -> None:
    url = f"/api/v1/k/{seeded.a.slug}/incidents"
    assert client.get(url).status_code == 401
    assert client.get(url, HTTP_AUTHORIZATION="Bearer smt_nonsense").status_code == 401
    token, secret = create_token(seeded.bob, name="cron", days=None)
    assert client.get(url, HTTP_AUTHORIZATION=f"Bearer {secret}").status_code == 200
    token.refresh_from_db()
    assert token.last_used_at is not None
    from samtrygg.tenancy.tokens import revoke_token

    revoke_token(seeded.bob, token)
    assert client.get(url, HTTP_AUTHORIZATION=f"Bearer {secret}").status_code == 401


def test_token_of_another_municipality_gets_404_before_the_body_is_read(
    seeded: World, client: Client
) -> None:
    url = f"/api/v1/k/{seeded.a.slug}/incidents"
    assert post(client, url, "{", bearer(seeded.charlie)).status_code == 404
    assert client.get(url, **bearer(seeded.charlie)).status_code == 404


def test_list_is_scoped_and_paginated_by_cursor(seeded: World, client: Client) -> None:
    url = f"/api/v1/k/{seeded.a.slug}/incidents"
    bob = bearer(seeded.bob)
    made = [post(client, url, body(), bob).json()["id"] for _ in range(5)]
    page = client.get(url, {"limit": 2}, **bob).json()
    assert [i["id"] for i in page["items"]] == made[::-1][:2]
    rest = client.get(url, {"limit": 2, "cursor": page["next_cursor"]}, **bob).json()
    assert [i["id"] for i in rest["items"]] == made[::-1][2:4]
    last = client.get(url, {"limit": 2, "cursor": rest["next_cursor"]}, **bob).json()
    assert [i["id"] for i in last["items"]] == made[:1] and last["next_cursor"] is None
    # carol's organisation sees none of bob's organisation's reports
    assert client.get(url, **bearer(seeded.carol)).json()["items"] == []
    assert client.get(f"{url}/{made[0]}", **bearer(seeded.carol)).status_code == 404
    bad = client.get(url, {"cursor": "!!"}, **bob)
    assert bad.status_code == 422


def test_filters(seeded: World, client: Client) -> None:
    url = f"/api/v1/k/{seeded.a.slug}/incidents"
    bob = bearer(seeded.bob)
    post(client, url, body(), bob)
    post(client, url, body(category="brand"), bob)
    only = client.get(url, {"category": "brand"}, **bob).json()["items"]
    assert [i["category"] for i in only] == ["brand"]
    assert client.get(url, {"area": seeded.area.pk}, **bob).json()["items"]
    assert client.get(url, {"status": "closed"}, **bob).json()["items"] == []


def test_case_handling_through_the_api(seeded: World, client: Client) -> None:
    base = f"/api/v1/k/{seeded.a.slug}/incidents"
    bob, dave = bearer(seeded.bob), bearer(seeded.dave)
    first = post(client, base, body(), bob).json()
    second = post(client, base, body(), bob).json()
    handler = factories.member(seeded.a_other_org, 300, "gata@example.se")
    assigned = post(
        client,
        f"{base}/{first['id']}/assign",
        json.dumps({"organisation_id": seeded.a_other_org.pk, "version": first["version"]}),
        dave,
    )
    assert assigned.status_code == 200 and assigned.json()["status"] == Status.ASSIGNED
    # a stale version is a conflict, and nothing is written
    stale = post(
        client,
        f"{base}/{first['id']}/transition",
        json.dumps({"to": "in_progress", "version": first["version"]}),
        bearer(handler),
    )
    assert stale.status_code == 409 and "någon annan" in stale.json()["detail"].lower()
    moved = post(
        client,
        f"{base}/{first['id']}/transition",
        json.dumps({"to": "resolved", "comment": "Sanerat.", "version": 2}),
        bearer(handler),
    )
    assert moved.status_code == 200 and moved.json()["status"] == Status.RESOLVED
    # bob (reporter) may not close it
    refused = post(client, f"{base}/{first['id']}/transition", json.dumps({"to": "closed"}), bob)
    assert refused.status_code == 422
    comment = post(client, f"{base}/{first['id']}/comments", json.dumps({"text": "Tack!"}), bob)
    assert comment.status_code == 201
    texts = [c["text"] for c in client.get(f"{base}/{first['id']}/comments", **bob).json()]
    assert texts == ["Sanerat.", "Tack!"]
    merged = post(
        client, f"{base}/{first['id']}/merge", json.dumps({"duplicates": [second["id"]]}), dave
    )
    assert merged.status_code == 200
    assert Incident.objects.get(pk=second["id"]).duplicate_of_id == first["id"]
    # a reporter may not merge
    assert (
        post(
            client, f"{base}/{second['id']}/merge", json.dumps({"duplicates": [first["id"]]}), bob
        ).status_code
        == 403
    )


def test_comment_with_personal_identity_number_is_refused(seeded: World, client: Client) -> None:
    base = f"/api/v1/k/{seeded.a.slug}/incidents"
    bob = bearer(seeded.bob)
    case = post(client, base, body(), bob).json()
    response = post(client, f"{base}/{case['id']}/comments", json.dumps({"text": PNR}), bob)
    assert response.status_code == 422


def test_weekly_report_through_the_api(seeded: World, client: Client) -> None:
    year, week, _day = timezone.localdate().isocalendar()
    url = f"/api/v1/k/{seeded.a.slug}/weekly-reports"
    payload = {
        "iso_year": year,
        "iso_week": week,
        "incidents": [json.loads(body())],
        "quiet_area_ids": [],
        "assessments": [{"area_id": seeded.area.pk, "level": "yellow", "comment": "Oroligt."}],
    }
    response = post(client, url, json.dumps(payload), bearer(seeded.bob))
    assert response.status_code == 201, response.content
    assert response.json()["incident_count"] == 1
    listed = client.get(url, {"iso_week": week}, **bearer(seeded.dave)).json()
    assert [r["incident_count"] for r in listed] == [1]
    assert client.get(url, **bearer(seeded.carol)).json() == []


def test_categories(seeded: World, client: Client) -> None:
    rows = client.get(f"/api/v1/k/{seeded.a.slug}/categories", **bearer(seeded.bob)).json()
    assert "klotter" in [r["code"] for r in rows]


def test_openapi_describes_the_token_scheme(client: Client) -> None:
    schema = client.get("/api/v1/openapi.json").json()
    schemes = schema["components"]["securitySchemes"]
    assert any(s.get("scheme") == "bearer" for s in schemes.values())
    assert "/api/v1/k/{municipality}/incidents" in schema["paths"]


def test_api_list_uses_a_constant_number_of_queries(
    seeded: World, client: Client, django_assert_max_num_queries: Any
) -> None:
    url = f"/api/v1/k/{seeded.a.slug}/incidents"
    bob = bearer(seeded.bob)
    post(client, url, body(), bob)
    with django_assert_max_num_queries(8) as few:
        assert client.get(url, **bob).status_code == 200
    first = len(few.captured_queries)  # read now: each request clears Django's query log
    for _ in range(30):
        post(client, url, body(), bob)
    with django_assert_max_num_queries(first):
        assert len(client.get(url, **bob).json()["items"]) == 31


def test_a_page_of_free_text_is_logged_like_an_export(seeded: World, client: Client) -> None:
    from samtrygg.audit.models import AuditAction, AuditEvent

    auth = bearer(seeded.dave)
    url = f"/api/v1/k/{seeded.a.slug}/incidents"
    assert client.get(url, {"queue": "all"}, **auth).json()["items"] == []
    assert not AuditEvent.objects.filter(action=AuditAction.EXPORT).exists()  # nothing read
    for _ in range(2):
        assert post(client, url, body(), bearer(seeded.bob)).status_code == 201
    response = client.get(url, {"queue": "all", "limit": 5}, **auth)
    assert len(response.json()["items"]) == 2
    (event,) = AuditEvent.objects.filter(action=AuditAction.EXPORT)
    assert event.actor == seeded.dave
    # Audit changes are stored as [old, new] (audit/services.py).
    assert event.changes["rows"][-1] == 2 and event.changes["format"][-1] == "api"
    assert "queue=all" in event.changes["filters"][-1]


def test_a_filter_value_of_another_municipality_is_refused(seeded: World, client: Client) -> None:
    from samtrygg.areas.services import import_areas

    import_areas(
        seeded.b,
        factories.feature_collection(
            factories.feature(
                "Beta centrum",
                factories.square(factories.HALMSTAD_LON, factories.HALMSTAD_LAT, 0.02),
            )
        ),
        kind="district",
    )
    from samtrygg.areas.models import Area

    foreign = Area.objects.get(municipality=seeded.b)
    url = f"/api/v1/k/{seeded.a.slug}/incidents"
    auth = bearer(seeded.dave)
    refused = client.get(url, {"area": foreign.pk}, **auth)
    assert refused.status_code == 422
    assert refused.json()["errors"]["area"] == ["Välj områden i din egen kommun."]
    assert client.get(url, {"category": "finns-inte"}, **auth).status_code == 422
    assert (
        client.get(url, {"area": seeded.area.pk, "category": "klotter"}, **auth).status_code == 200
    )
