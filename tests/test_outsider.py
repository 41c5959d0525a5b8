"""The outsider test (DESIGN.md rule 1): walk every route in the URL table, the API included,
and check that people outside an object's scope get 404 — without a list of routes to keep
up to date. A route added without scoping fails here; a route with a new kind of object id
fails until this file learns how to make one (KWARG_FACTORIES)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from .conftest import World

# Routes outside the municipality scope, and why they may be reached without it.
UNSCOPED_ROUTES = {
    "": "the start page redirects to the user's own municipality",
    "healthz": "health check, no data",
    "invitation/<str:token>/": "the secret token is the access check",
    "api/v1/": "the API's index, no data",
    "api/v1/openapi.json": "the API description, no data",
    "api/v1/docs": "the API documentation page, no data",
    "me/api-tokens/": "the user's own tokens only",
    "me/notifications/": "the user's own e-mail choices only",
    "public/<slug:slug>/": "the municipality's public page: aggregates only, opt-in, 404 when "
    "off (tests/plans/test_public.py)",
    "about/accessibility/": "the default accessibility statement, public text, no data",
    "about/personal-data/": "the default personal-data page, public text, no data",
    "about/<slug:municipality>/accessibility/": "the kommun's accessibility statement: public "
    "by law, no data (tests/tenancy/test_public_texts.py)",
    "about/<slug:municipality>/personal-data/": "the kommun's personal-data page: public, no "
    "data (tests/tenancy/test_public_texts.py)",
    "region/": "lists only the user's own municipalities, each through the access policy",
    "me/api-tokens/<id:token_id>/revoke/": "looked up by owner: another user's token is 404 "
    "(tests/tenancy/test_tokens.py)",
}
UNSCOPED_PREFIXES = {
    "accounts/": "django-allauth: login, logout, MFA, the user's own account",
    "i18n/": "language switch",
    "admin/": "Django admin, superusers only",
}
SCOPED_PREFIXES = ("k/<slug:municipality>/", "api/v1/k/<municipality>/")


@dataclass(frozen=True)
class Route:
    pattern: str
    name: str | None


def walk(patterns: list[Any], prefix: str = "") -> Iterator[Route]:
    for entry in patterns:
        if isinstance(entry, URLResolver):
            yield from walk(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield Route(prefix + str(entry.pattern), entry.name)


KWARG_FACTORIES: dict[str, Callable[[World], Any]] = {
    "municipality": lambda w: w.a.slug,
    "organisation_id": lambda w: w.a_other_org.pk,
    "membership_id": lambda w: w.membership(w.carol).pk,
    "invitation_id": lambda w: w.invitation.pk,
    "area_id": lambda w: w.area.pk,
    "incident_id": lambda w: w.incident().pk,
    "photo_id": lambda w: w.photo().pk,
    "category_id": lambda w: w.category().pk,
    "report_id": lambda w: w.situation_report().pk,
    "problem_id": lambda w: w.plan_object("problem").pk,
    "plan_id": lambda w: w.plan_object("plan").pk,
    "evaluation_id": lambda w: w.plan_object("evaluation").pk,
    "meeting_id": lambda w: w.plan_object("meeting").pk,
    "promise_id": lambda w: w.plan_object("promise").pk,
    "council_report_id": lambda w: w.plan_object("council_report").pk,
    "activity_id": lambda w: w.plan_object("activity").pk,
    "job_id": lambda w: export_job(w).pk,
    "analysis_id": lambda w: period_analysis(w).pk,
    "contribution_id": lambda w: contribution(w).pk,
}


def period_analysis(world: World, municipality: Any = None, status: str = "final") -> Any:
    """A tertial analysis of ``municipality`` (A): final ones are for every member (made on
    first use)."""
    from datetime import date

    from samtrygg.situation.models import PeriodAnalysis

    return PeriodAnalysis.objects.get_or_create(
        municipality=municipality or world.a,
        kind="tertial",
        year=2025,
        number=1 if status == "final" else 2,
        defaults={
            "period_start": date(2025, 1, 1) if status == "final" else date(2025, 5, 1),
            "period_end": date(2025, 4, 30) if status == "final" else date(2025, 8, 31),
            "status": status,
        },
    )[0]


def contribution(world: World, municipality: Any = None, organisation: Any = None) -> Any:
    """A party's lägesbild (the housing company's, in A) given to a draft (made on first use)."""
    from datetime import date

    from samtrygg.situation.models import Contribution, SituationReport

    municipality = municipality or world.a
    organisation = organisation or world.a_other_org
    existing = Contribution.objects.filter(organisation=organisation).first()
    if existing is not None:
        return existing
    draft = SituationReport.objects.create(
        municipality=municipality,
        title="Utkast för aktörer",
        period_start=date(2025, 1, 1),
        period_end=date(2025, 12, 31),
    )
    from django.utils import timezone

    return Contribution.objects.create(
        report=draft,
        organisation=organisation,
        title="Lokal lägesbild 2025",
        period_start=date(2025, 1, 1),
        period_end=date(2025, 12, 31),
        key_messages=["Lugnt."],
        submitted_at=timezone.now(),
    )


def export_job(world: World, user: Any = None, municipality: Any = None) -> Any:
    """A finished export of ``user``'s (alice's) in ``municipality`` (A), with its file (made on
    first use)."""
    from django.utils import timezone

    from samtrygg.exchange.jobs import jobs_dir
    from samtrygg.exchange.models import BackgroundJob, JobKind, JobStatus

    job, _created = BackgroundJob.objects.get_or_create(
        municipality=municipality or world.a,
        user=user or world.alice,
        kind=JobKind.EXPORT,
        defaults={
            "status": JobStatus.DONE,
            "params": {"format": "csv", "query": ""},
            "result": {"rows": 0},
            "finished_at": timezone.now(),
        },
    )
    (jobs_dir() / f"{job.pk}.csv").write_text("reference\n")
    job.file_name = f"{job.pk}.csv"
    job.save(update_fields=["file_name"])
    return job


def give_branding(world: World) -> None:
    """A's colour and logo, so that its stylesheet and logo routes have something to serve (the
    logo route is 404 for a kommun without a logo)."""
    from samtrygg.tenancy.branding import save_branding

    from .tenancy.test_branding import png

    save_branding(world.alice, world.a, colour="#1e6b34", logo=png())


_PARAM = re.compile(r"<(?:(?P<conv>[^>:]+):)?(?P<name>[^>]+)>")


def params(route: Route) -> list[str]:
    """The names of the route's parameters, in the order they appear."""
    return [m.group("name") for m in _PARAM.finditer(route.pattern)]


def build_url(route: Route, world: World, values: dict[str, Any] | None = None) -> str:
    """The route's URL with ``values`` where given, else KWARG_FACTORIES' objects of A."""

    def value(match: re.Match[str]) -> str:
        name = match.group("name")
        if values is not None and name in values:
            return str(values[name])
        if name not in KWARG_FACTORIES:
            raise AssertionError(
                f"{route.pattern}: the outsider test does not know how to build '{name}'; "
                "add it to KWARG_FACTORIES with an object of municipality A."
            )
        return str(KWARG_FACTORIES[name](world))

    path = _PARAM.sub(value, route.pattern).lstrip("^").rstrip("$")
    return "/" + path


def scoped_routes() -> list[Route]:
    return [r for r in walk(get_resolver().url_patterns) if r.pattern.startswith(SCOPED_PREFIXES)]


def leaks(world: World, client: Client, user: Any, allowed: set[int]) -> list[str]:
    """Every (method, url, status) where ``user`` got something other than ``allowed``."""
    client.force_login(user)
    found = []
    for route in scoped_routes():
        url = build_url(route, world)
        statuses = {method: getattr(client, method)(url).status_code for method in ("get", "post")}
        # 405 only says which methods a route has, which is the same for every object. An API
        # write with an empty body answers 400/422 from parsing the body, which happens before
        # the object is looked up and so is the same for every id; non-members of the
        # municipality get 404 before that (core/api_auth.py), so only members may see it.
        ok = allowed | {405} | ({400, 422} if allowed != {404} else set())
        if any(s not in ok for s in statuses.values()) or set(statuses.values()) == {405}:
            found.append(f"{url} {statuses}")
    return found


def test_every_route_is_either_scoped_or_declared_unscoped() -> None:
    for route in walk(get_resolver().url_patterns):
        if route.pattern.startswith(SCOPED_PREFIXES):
            continue
        assert route.pattern in UNSCOPED_ROUTES or route.pattern.startswith(
            tuple(UNSCOPED_PREFIXES)
        ), f"{route.pattern} is neither under a municipality nor declared unscoped"


def test_scoped_routes_exist() -> None:
    names = {r.name for r in scoped_routes()}
    assert {"municipality_home", "member_list", "area_detail", "audit_list"} <= names
    assert len(scoped_routes()) >= 14


def test_user_of_another_municipality_gets_404_everywhere(world: World, client: Client) -> None:
    give_branding(world)
    assert leaks(world, client, world.charlie, {404}) == []


def test_user_of_another_organisation_gets_404_or_403(world: World, client: Client) -> None:
    # carol is in municipality A but not in the organisation that owns these objects.
    found = leaks(world, client, world.carol, {200, 403, 404})
    assert found == []
    client.force_login(world.carol)
    assert (
        client.get(
            build_url(Route("k/<slug:municipality>/members/<id:membership_id>/", None), world)
        ).status_code
        == 403
    )


def test_anonymous_is_sent_to_login_or_refused(world: World, client: Client) -> None:
    for route in scoped_routes():
        response = client.get(build_url(route, world))
        assert response.status_code in {302, 401, 404, 405}, route.pattern
        if response.status_code == 302:
            assert response["Location"].startswith("/accounts/login/")


def test_insiders_reach_the_same_routes(world: World, client: Client) -> None:
    """Guards the test itself: the URLs it builds work for the right user."""
    give_branding(world)
    client.force_login(world.alice)
    for route in scoped_routes():
        # A look-up answers 400 without the point it looks up.
        query = "?lat=56.67&lon=12.86" if route.pattern.endswith("places/lookup/") else ""
        response = client.get(build_url(route, world) + query)
        assert response.status_code in {200, 405}, (route.pattern, response.status_code)


def test_a_route_without_scoping_is_caught(world: World, client: Client, settings: Any) -> None:
    settings.ROOT_URLCONF = "tests.leaky_urls"
    from django.urls import clear_url_caches

    clear_url_caches()
    try:
        found = leaks(world, client, world.charlie, {404})
    finally:
        clear_url_caches()
    assert any("/leaky/" in f for f in found)


def test_unscoped_api_description_lists_only_scoped_paths(world: World, client: Client) -> None:
    schema = client.get("/api/v1/openapi.json").json()
    assert schema["openapi"].startswith("3.1")
    assert all(p.startswith("/api/v1/k/{municipality}/") for p in schema["paths"])
