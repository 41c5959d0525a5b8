"""Errors speak Swedish everywhere: the error pages (400, 403, 404, 500, CSRF), the API's
errors as JSON, the area import's geometry messages, the login page for anonymous visitors;
and the Permissions-Policy header on every response."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client, RequestFactory

from samtrygg.areas.services import AreaImportError, import_areas
from samtrygg.core import views as core_views
from samtrygg.core.middleware import PERMISSIONS_POLICY
from samtrygg.tenancy.roles import Role
from samtrygg.tenancy.tokens import create_token

from .. import factories
from ..conftest import World

pytestmark = pytest.mark.usefixtures("swedish")

LON, LAT = factories.HALMSTAD_LON, factories.HALMSTAD_LAT
BASE_LAYOUT = "Hoppa till innehållet"  # base.html's skip link


def html(response: Any) -> str:
    return str(response.content.decode())


def bearer(user: Any) -> dict[str, str]:
    _token, secret = create_token(user, name="test", days=30)
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


@pytest.fixture
def quiet_client() -> Client:
    """A client that gets the 500 page instead of the exception."""
    return Client(raise_request_exception=False)


# --- Pages -------------------------------------------------------------------------------------


def test_404_is_swedish_in_the_base_layout(world: World, client: Client) -> None:
    for user in (None, world.alice):
        if user is not None:
            client.force_login(user)
        response = client.get("/finns/inte/")
        assert response.status_code == 404
        page = html(response)
        assert "Sidan finns inte" in page or "Hittades inte" in page
        assert BASE_LAYOUT in page


def test_403_is_swedish(world: World, client: Client) -> None:
    client.force_login(world.bob)  # a reporter may not manage members
    response = client.get(f"/k/{world.a.slug}/members/")
    assert response.status_code == 403
    assert "Inte tillåtet" in html(response) and BASE_LAYOUT in html(response)


def test_400_is_swedish(db: Any, client: Client) -> None:
    response = client.get("/", HTTP_HOST="elak.example")  # not in ALLOWED_HOSTS
    assert response.status_code == 400
    assert "Felaktig begäran" in html(response) and BASE_LAYOUT in html(response)
    api = client.get("/api/v1/", HTTP_HOST="elak.example")
    assert api.status_code == 400
    assert api.json() == {"detail": "Begäran kunde inte tolkas. Gå tillbaka och försök igen."}


def test_csrf_failure_is_swedish(world: World) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.alice)
    response = client.post(f"/k/{world.a.slug}/organisations/", {"name": "Ny"})
    assert response.status_code == 403
    page = html(response)
    assert "Formuläret har gått ut" in page and "Ladda om sidan" in page
    assert BASE_LAYOUT in page and "Logga ut" in page  # the user's own layout
    assert "CSRF" not in page  # Django's English reason stays in the log


def test_csrf_failure_under_the_api_is_json(db: Any) -> None:
    """Every API route checks its session's CSRF token itself (below); a route under /api/ that
    Django's middleware checked would still answer JSON."""
    from django.middleware.csrf import _get_failure_view

    response = _get_failure_view()(RequestFactory().post("/api/v1/x"), reason="no token")
    assert response.status_code == 403
    assert json.loads(response.content) == {
        "detail": "Formuläret kunde inte skickas säkert. Ladda om sidan och försök igen."
    }


def test_500_is_swedish_with_the_request_id(
    world: World, quiet_client: Client, monkeypatch: Any
) -> None:
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("boom")

    monkeypatch.setattr("samtrygg.core.start.blocks", broken)
    quiet_client.force_login(world.alice)
    response = quiet_client.get(f"/k/{world.a.slug}/")
    assert response.status_code == 500
    page = html(response)
    assert "Något gick fel" in page and "Felet är loggat" in page
    assert response["X-Request-ID"] in page
    assert "boom" not in page
    assert response["Permissions-Policy"] == PERMISSIONS_POLICY


def test_500_page_needs_no_database_and_no_static_manifest(
    db: Any, django_assert_num_queries: Any, monkeypatch: Any
) -> None:
    def no_manifest(path: str) -> str:
        raise ValueError(f"Missing staticfiles manifest entry for '{path}'")

    request = RequestFactory().get("/k/alfa/")  # no session, no user, no middleware
    with django_assert_num_queries(0):
        response = core_views.server_error(request)
    assert response.status_code == 500
    assert "app.css" in html(response) and "Något gick fel" in html(response)
    monkeypatch.setattr(core_views, "static", no_manifest)
    response = core_views.server_error(request)
    assert response.status_code == 500
    assert "Något gick fel" in html(response) and "stylesheet" not in html(response)


# --- Anonymous visitors and outsiders ---------------------------------------------------------


def test_anonymous_visitor_is_sent_to_login_and_back(world: World, client: Client) -> None:
    for url in [
        f"/k/{world.a.slug}/situation/",
        f"/k/{world.a.slug}/incidents/{world.incident().pk}/",
        "/k/finns-inte/situation/",  # the same answer: nothing told about which exist
    ]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"] == f"/accounts/login/?next={url}", url


def test_anonymous_htmx_request_sends_the_whole_page_to_login(world: World, client: Client) -> None:
    response = client.get(
        f"/k/{world.a.slug}/dashboard/",
        headers={
            "HX-Request": "true",
            "HX-Current-URL": f"http://testserver/k/{world.a.slug}/dashboard/?period=year",
        },
    )
    assert response.status_code == 200
    assert response["HX-Redirect"] == (
        f"/accounts/login/?next=/k/{world.a.slug}/dashboard/%3Fperiod%3Dyear"
    )


def test_logged_in_outsider_still_gets_404(world: World, client: Client) -> None:
    client.force_login(world.charlie)  # administrator of municipality B
    for url in [f"/k/{world.a.slug}/situation/", "/k/finns-inte/situation/"]:
        response = client.get(url)
        assert response.status_code == 404, url
        assert "Hittades inte" in html(response)


# --- API ---------------------------------------------------------------------------------------


def incidents_url(world: World) -> str:
    return f"/api/v1/k/{world.a.slug}/incidents"


def test_api_body_that_is_not_json(world: World, client: Client) -> None:
    response = client.post(
        incidents_url(world),
        '{"category": "klotter",\n "lat": }',
        content_type="application/json",
        **bearer(world.bob),
    )
    assert response.status_code == 400
    data = response.json()
    assert data["detail"] == "Begärans innehåll är inte giltig JSON (rad 2, kolumn 9)."
    assert (data["code"], data["line"], data["column"]) == ("parse_error", 2, 9)


def test_api_validation_errors_are_swedish_and_machine_readable(
    world: World, client: Client
) -> None:
    response = client.post(
        incidents_url(world),
        json.dumps({"lat": "norr", "severity": 99}),
        content_type="application/json",
        **bearer(world.bob),
    )
    assert response.status_code == 422
    data = response.json()
    assert data["detail"] == "Begäran innehåller ogiltiga värden."
    assert data["errors"]["lat"] == ["Ange ett tal."]
    assert data["errors"]["category"] == ["Detta fält måste fyllas i."]
    problems = {p["field"]: p for p in data["problems"]}
    assert problems["category"]["type"] == "missing"
    assert problems["lat"]["type"].startswith("float_")
    assert problems["severity"]["type"] == "less_than_equal"
    assert isinstance(problems["severity"]["ctx"]["le"], int)


def test_api_404_403_401_are_swedish_json(world: World, client: Client) -> None:
    viewer = factories.member(world.a_org, Role.VIEWER, "viewer@example.se")
    unknown = client.get("/api/v1/finns-inte", **bearer(world.bob))  # no such route
    assert (unknown.status_code, unknown.json()) == (404, {"detail": "Hittades inte."})
    missing = client.get(f"{incidents_url(world)}/999999", **bearer(world.bob))
    assert (missing.status_code, missing.json()) == (404, {"detail": "Hittades inte."})
    refused = client.get(incidents_url(world), **bearer(viewer))
    assert refused.status_code == 403
    assert refused.json()["detail"] == "Din roll tillåter inte detta."
    anonymous = client.get(incidents_url(world))
    assert anonymous.status_code == 401 and "API-nyckel" in anonymous.json()["detail"]


def test_api_500_is_swedish_json(world: World, quiet_client: Client, monkeypatch: Any) -> None:
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("boom")

    monkeypatch.setattr("samtrygg.tenancy.queries.organisations", broken)
    response = quiet_client.get(f"/api/v1/k/{world.a.slug}/organisations", **bearer(world.bob))
    assert response.status_code == 500
    assert response["Content-Type"] == "application/json"
    data = response.json()
    assert data["detail"].startswith("Något gick fel hos oss")
    assert data["request_id"] == response["X-Request-ID"]


def test_api_write_without_a_valid_token_or_session_is_401(world: World) -> None:
    """ninja checks the session's CSRF token first; without a session that is no CSRF failure
    but a caller who is not logged in."""
    client = Client(enforce_csrf_checks=True)
    for auth in ({}, {"HTTP_AUTHORIZATION": "Bearer smt_nonsense"}):
        response = client.post(incidents_url(world), "{}", content_type="application/json", **auth)
        assert response.status_code == 401, auth
        assert response.json() == {"detail": "Logga in, eller skicka en giltig API-nyckel."}


def test_api_csrf_failure_is_swedish_json(world: World) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.bob)  # the browser session, without the CSRF token
    response = client.post(incidents_url(world), "{}", content_type="application/json")
    assert response.status_code == 403
    assert response.json() == {
        "detail": "Formuläret kunde inte skickas säkert. Ladda om sidan och försök igen.",
        "code": "csrf_failed",
    }


# --- Area import: geometry messages ------------------------------------------------------------


def refused(world: World, geometry: Any) -> str:
    raw = factories.feature_collection(factories.feature("Område", geometry))
    with pytest.raises(AreaImportError) as error:
        import_areas(world.a, raw, kind="district")
    return "\n".join(error.value.errors)


ENGLISH = ("Self-intersection", "Hole lies", "linearring", "Unknown geometry", "convert", "Point")


@pytest.mark.parametrize(
    ("geometry", "swedish"),
    [
        (
            {
                "type": "Polygon",
                "coordinates": [
                    [[LON, LAT], [LON + 0.01, LAT + 0.01], [LON + 0.01, LAT], [LON, LAT + 0.01]]
                    + [[LON, LAT]]
                ],
            },
            "ogiltig polygon (gränsen korsar sig själv vid x = 12,86200, y = 56,67900)",
        ),
        (
            {
                "type": "Polygon",
                "coordinates": [
                    factories.square(LON, LAT, 0.01)["coordinates"][0],
                    factories.square(LON + 0.05, LAT, 0.001)["coordinates"][0],
                ],
            },
            "ett hål ligger utanför polygonen",
        ),
        (
            {"type": "Polygon", "coordinates": [[[LON, LAT], [LON, LAT + 0.01]]]},
            "en ring har färre än fyra punkter",
        ),
        (
            {"type": "Polygon", "coordinates": [[[LON, LAT], [LON, LAT + 0.01], [LON, LAT]]]},
            "en ring har för få olika punkter",
        ),
        ({"type": "Banan", "coordinates": []}, "”Banan” är ingen geometrityp i GeoJSON"),
        (
            {"type": "Polygon", "coordinates": [[[LON, "x"], [LON, LAT], [LAT, LON], [LON, "x"]]]},
            "koordinaterna ska vara talpar",
        ),
        ({"type": "Point", "coordinates": [LON, LAT]}, "multipolygon, inte en punkt"),
        (None, "objektet har ingen geometri"),
    ],
)
def test_geometry_messages_are_swedish(world: World, geometry: Any, swedish: str) -> None:
    text = refused(world, geometry)
    assert swedish in text, text
    assert not any(word in text for word in ENGLISH), text


# --- Headers -----------------------------------------------------------------------------------


def test_permissions_policy_on_every_response(world: World, client: Client) -> None:
    assert "camera=()" in PERMISSIONS_POLICY and "microphone=()" in PERMISSIONS_POLICY
    # The report form's "Use my position" (static/samtrygg/report.js) needs geolocation.
    assert "geolocation=(self)" in PERMISSIONS_POLICY
    responses = [
        client.get("/accounts/login/"),
        client.get("/static/samtrygg/report.js"),
        client.get("/finns/inte/"),
        client.get("/api/v1/openapi.json"),
        client.get(f"/k/{world.a.slug}/"),  # the redirect to login
    ]
    client.force_login(world.bob)
    responses.append(client.get(f"/k/{world.a.slug}/report/"))
    for response in responses:
        assert response["Permissions-Policy"] == PERMISSIONS_POLICY, response
