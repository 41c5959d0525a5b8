"""The object-level outsider test (DESIGN.md rule 1; issue 11, item 2).

tests/test_outsider.py builds every URL with municipality A's slug, so a view that checks the
membership for the slug and then looks its object up by id alone passes it. This file walks the
same URL table (the API included) and, for every route that names an object by id:

(a) an outsider asks through its OWN municipality's URL for the other municipality's ids:
    charlie, administrator of B, with A's ids, and alice, administrator of A, with B's ids, one
    id at a time (the route's other ids its own, so a route with two ids is tried with each one
    swapped) and all at once → 404 for GET and POST;
(b) every user of A gets, for every object of every kind (A's and B's), exactly what the role
    table says: 200 for an object they may see, 404 for one they may not (403 where their role
    lacks the route's permission altogether, which says nothing about the object; 404 where the
    role table says such a role must not even learn that, NOT_FOUND_ROLES), and the same for
    a POST wherever a GET must not answer 200.

The expectations (``Thing.seen_by``) are written out by hand from the rules in tenancy/roles.py,
incidents/visibility.py and the scope functions in */queries.py, not computed by the product's
scope functions, so a change to one fails here. A route for writes only shows that it finds an
object it should by a POST that is rolled back. A route with a new kind of id fails until the
``cast`` fixture makes objects of that kind in both municipalities; an API write fails until
``API_WRITES`` has a valid body for it (an empty body is refused before the object is looked
up, which would test nothing). tests/leaky_object_urls.py shows that a lookup past the policy
is caught.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.http import HttpResponse
from django.test import Client
from django.urls import clear_url_caches, get_resolver

from samtrygg.tenancy.models import Municipality, OrganisationKind, User
from samtrygg.tenancy.roles import NOT_FOUND_ROLES, PERMISSIONS, Permission, Role

from . import factories
from .conftest import World, jpeg_with_gps
from .test_outsider import (
    SCOPED_PREFIXES,
    UNSCOPED_PREFIXES,
    Route,
    build_url,
    contribution,
    export_job,
    params,
    period_analysis,
    walk,
)

# The cast of municipality A (conftest.World plus four), by organisation:
#   Alfa kommun:   alice (admin), dave (coordinator), bob (reporter), vera (viewer)
#   Alfahem AB:    carol (reporter), hugo (handler)           (a housing company)
#   Polisen Alfa:  ada (analyst)
#   Länsstyrelsen: rita (regional support: aggregates, plans and documents, never a case)
# and charlie, administrator of municipality B.
ROLES = {
    "alice": Role.ADMIN,
    "dave": Role.COORDINATOR,
    "ada": Role.ANALYST,
    "hugo": Role.HANDLER,
    "bob": Role.REPORTER,
    "carol": Role.REPORTER,
    "vera": Role.VIEWER,
    "rita": Role.REGIONAL,
    "charlie": Role.ADMIN,
}
A_CAST = ("alice", "dave", "ada", "hugo", "bob", "carol", "vera", "rita")
EVERY_A = frozenset(A_CAST)
A_KOMMUN = frozenset({"alice", "dave", "bob", "vera"})
A_HOUSING = frozenset({"carol", "hugo"})
MANAGERS = frozenset({"alice", "dave"})  # MANAGE_MEMBERS
REPORT_EDITORS = frozenset({"alice", "dave", "ada"})  # EDIT_SITUATION_REPORTS: drafts too
CHARLIE = frozenset({"charlie"})
# Incidents (incidents/visibility.py): coordinators and administrators see all in their
# municipality; analysts all but restricted categories, unless their own organisation reported
# it; reporters and handlers what their organisation reported or handles; viewers and regional
# support none. Three cases of A:
# - Alfa kommun's, in a shared category, not assigned;
# - Alfa kommun's, in a shared category, assigned to Alfahem;
# - Alfahem's, in a restricted category (threats against staff), not assigned.
OWN_CASE = frozenset({"alice", "dave", "ada", "bob"})
ASSIGNED_CASE = frozenset({"alice", "dave", "ada", "bob", "carol", "hugo"})
RESTRICTED_CASE = frozenset({"alice", "dave", "carol", "hugo"})

API = "api/v1/k/<municipality>/"
# The API checks the permission inside the handler, so it cannot be read off the view: written
# down here (a new API prefix fails until it is). A role without it may get 403 or 404 (some
# handlers look the object up first).
API_PERMISSIONS = {
    API + "areas/": Permission.VIEW_AREAS,
    API + "incidents/": Permission.REPORT_INCIDENTS,
}


def _json(body: dict[str, Any]) -> dict[str, Any]:
    return {"data": json.dumps(body), "content_type": "application/json"}


# A valid body for every API write that names an object, so the request reaches the lookup.
API_WRITES: dict[str, Callable[[Cast, dict[str, Any]], dict[str, Any]]] = {
    API + "incidents/<incident_id>/transition": lambda c, v: _json({"to": "triaged"}),
    API + "incidents/<incident_id>/assign": lambda c, v: _json(
        {"organisation_id": c.organisation_of(v["municipality"])}
    ),
    API + "incidents/<incident_id>/comments": lambda c, v: _json({"text": "Lampan är trasig."}),
    API + "incidents/<incident_id>/merge": lambda c, v: _json({"duplicates": [v["incident_id"]]}),
    API + "incidents/<incident_id>/photos": lambda c, v: {
        "data": {"photo": SimpleUploadedFile("plats.jpg", c.jpeg, content_type="image/jpeg")}
    },
}


@dataclass(frozen=True)
class Thing:
    """One object a route names by id, and who of the cast may see it."""

    param: str  # the URL parameter that names it
    pk: int
    home: str  # "a" or "b", the municipality it belongs to
    label: str
    seen_by: frozenset[str]
    needs: tuple[tuple[str, int], ...] = ()  # the other parameters it goes with (a photo: its case)


@dataclass
class Cast:
    world: World
    users: dict[str, User]
    things: dict[str, list[Thing]] = field(default_factory=dict)
    jpeg: bytes = b""

    def add(
        self, param: str, obj: Any, home: str, label: str, seen_by: Iterable[str], **needs: int
    ) -> None:
        thing = Thing(param, obj.pk, home, label, frozenset(seen_by), tuple(needs.items()))
        self.things.setdefault(param, []).append(thing)

    def municipality(self, home: str) -> Municipality:
        return self.world.a if home == "a" else self.world.b

    def organisation_of(self, slug: str) -> int:
        return (self.world.a_org if slug == self.world.a.slug else self.world.b_org).pk

    def of(self, param: str) -> list[Thing]:
        if param not in self.things:
            raise AssertionError(
                f"the object-level outsider test has no objects for '{param}': make one in each "
                "municipality in the cast fixture, with who may see it"
            )
        return self.things[param]

    def own(self, param: str, name: str, home: str) -> Thing:
        for thing in self.of(param):
            if thing.home == home and name in thing.seen_by:
                return thing
        raise AssertionError(f"the cast has no '{param}' of municipality {home} that {name} sees")


def _incident(world: World, home: Municipality, user: User, organisation: Any, code: str) -> Any:
    from django.utils import timezone

    from samtrygg.incidents.categories import seed_categories
    from samtrygg.incidents.models import Category
    from samtrygg.incidents.services import IncidentInput, create_incident

    seed_categories(home)
    return create_incident(
        world.access(user, home),
        IncidentInput(
            category=Category.objects.get(municipality=home, code=code),
            reporting_organisation=organisation,
            occurred_at=timezone.now() - timedelta(hours=2),
            lat=factories.HALMSTAD_LAT,
            lon=factories.HALMSTAD_LON,
            description=f"Händelse ({code}).",
        ),
    )


def _plan_objects(municipality: Municipality) -> dict[str, Any]:
    from django.core.files.base import ContentFile

    from samtrygg.plans.models import (
        ActionPlan,
        CitizenPromise,
        CouncilReport,
        Evaluation,
        Meeting,
        Problem,
    )

    plan = ActionPlan.objects.create(
        municipality=municipality,
        title="Åtgärdsplan Beta",
        period_start=date(2026, 1, 1),
        period_end=date(2027, 12, 31),
    )
    plan.minutes.save("protokoll.pdf", ContentFile(b"%PDF-1.4 protokoll"))
    promise = CitizenPromise.objects.create(
        municipality=municipality,
        title="Löfte Beta",
        public_text="Vi lovar.",
        period_start=date(2026, 1, 1),
        period_end=date(2026, 12, 31),
    )
    return {
        "problem_id": Problem.objects.create(municipality=municipality, title="Skadegörelse"),
        "plan_id": plan,
        "evaluation_id": Evaluation.objects.create(municipality=municipality, title="Kameror"),
        "meeting_id": Meeting.objects.create(
            municipality=municipality, kind="weekly", date=date(2026, 11, 23)
        ),
        "promise_id": promise,
        "activity_id": promise.activities.create(party="polisen", text="Polis till fots"),
        "council_report_id": CouncilReport.objects.create(municipality=municipality, year=2026),
    }


@pytest.fixture
def asker() -> Client:
    """A client to which a view's exception is an answer (500), listed with the other findings
    rather than stopping the walk at the first."""
    return Client(raise_request_exception=False)


@pytest.fixture
def quick_documents(monkeypatch: pytest.MonkeyPatch) -> None:
    """A lägesbild's PDF or Word file takes seconds to render, and who may have one is decided
    before it is rendered: here a stand-in is rendered (documents are tested in tests/documents
    and tests/situation)."""
    from samtrygg.documents import situation_report

    monkeypatch.setattr(situation_report, "data_for_report", lambda report: {"report": report})
    monkeypatch.setattr(situation_report, "pdf_bytes", lambda data: b"%PDF-1.7 stand-in")
    monkeypatch.setattr(situation_report, "docx_bytes", lambda data: b"PK stand-in")
    from samtrygg.documents import period_analysis as analysis_document

    monkeypatch.setattr(analysis_document, "data_for_analysis", lambda a: {"analysis": a})
    monkeypatch.setattr(analysis_document, "pdf_bytes", lambda data: b"%PDF-1.7 stand-in")
    monkeypatch.setattr(analysis_document, "docx_bytes", lambda data: b"PK stand-in")
    from samtrygg.documents import evaluation as evaluation_document

    monkeypatch.setattr(
        evaluation_document,
        "render",
        lambda e: {"pdf": lambda: b"%PDF-1.7 stand-in", "docx": lambda: b"PK stand-in"},
    )


@pytest.fixture
def cast(world: World, quick_documents: None) -> Cast:
    """World plus an analyst, a handler and a viewer in A, and objects of every kind that a
    route names by id, in both municipalities, each with who may see it."""
    from samtrygg.areas.services import import_areas
    from samtrygg.incidents import cases
    from samtrygg.incidents.categories import seed_categories
    from samtrygg.incidents.models import Category
    from samtrygg.incidents.services import add_photos
    from samtrygg.situation.models import SituationReport
    from samtrygg.tenancy import services, tokens
    from samtrygg.tenancy.models import Invitation

    w = world
    police = factories.organisation(w.a, "Polisen Alfa", kind=OrganisationKind.POLICE)
    county = factories.organisation(w.a, "Länsstyrelsen", kind=OrganisationKind.COUNTY_BOARD)
    users = {
        "alice": w.alice,
        "dave": w.dave,
        "bob": w.bob,
        "carol": w.carol,
        "charlie": w.charlie,
        "ada": factories.member(police, Role.ANALYST, "ada@example.se"),
        "hugo": factories.member(w.a_other_org, Role.HANDLER, "hugo@example.se"),
        "vera": factories.member(w.a_org, Role.VIEWER, "vera@example.se"),
        "rita": factories.member(county, Role.REGIONAL, "rita@example.se"),
    }
    c = Cast(w, users, jpeg=jpeg_with_gps(300, 200))

    # Organisations: every member may know which take part (the page is for administrators).
    c.add("organisation_id", w.a_org, "a", "A's department", EVERY_A)
    c.add("organisation_id", w.a_other_org, "a", "A's housing company", EVERY_A)
    c.add("organisation_id", w.b_org, "b", "B's department", CHARLIE)
    # Memberships: managers see the municipality's, the others their own organisations'.
    c.add("membership_id", w.membership(w.alice), "a", "alice's membership", MANAGERS | A_KOMMUN)
    c.add("membership_id", w.membership(w.carol), "a", "carol's membership", MANAGERS | A_HOUSING)
    c.add("membership_id", w.membership(w.charlie), "b", "charlie's membership", CHARLIE)
    # Invitations: managers only.
    services.invite(
        w.access(w.charlie, w.b), email="ny@example.se", organisation=w.b_org, role=Role.REPORTER
    )
    c.add("invitation_id", w.invitation, "a", "A's invitation", MANAGERS)
    c.add("invitation_id", Invitation.objects.get(email="ny@example.se"), "b", "B's", CHARLIE)
    # Areas and categories: every member of the municipality.
    import_areas(
        w.b,
        factories.feature_collection(
            factories.feature(
                "Hamnen", factories.square(factories.HALMSTAD_LON, factories.HALMSTAD_LAT, 0.02)
            )
        ),
        kind="district",
    )
    c.add("area_id", w.area, "a", "A's area", EVERY_A)
    c.add("area_id", w.b.areas.get(), "b", "B's area", CHARLIE)
    seed_categories(w.b)
    c.add("category_id", w.category(), "a", "A's category", EVERY_A)
    c.add(
        "category_id", Category.objects.get(municipality=w.b, code="klotter"), "b", "B's", CHARLIE
    )

    # Incidents: see OWN_CASE, ASSIGNED_CASE, RESTRICTED_CASE.
    own = w.incident()  # reported by Alfa kommun (bob), a shared category, not assigned
    assigned = _incident(w, w.a, w.bob, w.a_org, "klotter")
    cases.assign(w.access(w.dave), assigned, w.a_other_org)  # handled by the housing company
    restricted = _incident(w, w.a, w.carol, w.a_other_org, "hot-vald-personal")
    theirs = _incident(w, w.b, w.charlie, w.b_org, "klotter")
    c.add("incident_id", own, "a", "A's case of Alfa kommun", OWN_CASE)
    c.add("incident_id", assigned, "a", "A's case handled by Alfahem", ASSIGNED_CASE)
    c.add("incident_id", restricted, "a", "A's restricted case of Alfahem", RESTRICTED_CASE)
    c.add("incident_id", theirs, "b", "B's case", CHARLIE)
    # Photos: whoever sees the case, through the case's own URL only.
    add_photos(w.access(w.carol), restricted, [("b.jpg", c.jpeg)])
    add_photos(w.access(w.charlie, w.b), theirs, [("c.jpg", c.jpeg)])
    c.add("photo_id", w.photo(), "a", "photo of A's case", OWN_CASE, incident_id=own.pk)
    c.add(
        "photo_id",
        restricted.photos.get(),
        "a",
        "photo of A's restricted case",
        RESTRICTED_CASE,
        incident_id=restricted.pk,
    )
    c.add("photo_id", theirs.photos.get(), "b", "photo of B's case", CHARLIE, incident_id=theirs.pk)

    # Lägesbilder (situation/queries.py): approved ones for every member, drafts for editors.
    c.add("report_id", w.situation_report(), "a", "A's approved lägesbild", EVERY_A)
    draft = SituationReport.objects.create(
        municipality=w.a,
        title="Utkast",
        period_start=date(2026, 1, 1),
        period_end=date(2026, 6, 30),
    )
    c.add("report_id", draft, "a", "A's draft lägesbild", REPORT_EDITORS)
    approved_b = SituationReport.objects.create(
        municipality=w.b,
        title="Lägesbild Beta",
        period_start=date(2025, 1, 1),
        period_end=date(2025, 12, 31),
        status="approved",
        approved_body="Kommunstyrelsen",
        approved_on=date(2026, 2, 1),
        next_update_due=date(2028, 2, 1),
    )
    c.add("report_id", approved_b, "b", "B's approved lägesbild", CHARLIE)
    # Tertial analyses (situation/queries.py): final ones for every member, drafts for editors.
    c.add("analysis_id", period_analysis(w), "a", "A's final tertial analysis", EVERY_A)
    c.add(
        "analysis_id",
        period_analysis(w, status="draft"),
        "a",
        "A's draft tertial analysis",
        REPORT_EDITORS,
    )
    c.add("analysis_id", period_analysis(w, w.b), "b", "B's final tertial analysis", CHARLIE)
    # Parties' own lägesbilder (situation/queries.py, contributions.py): those who write the
    # lägesbild see all; a member with the handler role or above sees its own organisation's
    # (hugo, Alfahem's handler; not carol, Alfahem's reporter).
    c.add("contribution_id", contribution(w), "a", "Alfahem's lägesbild", REPORT_EDITORS | {"hugo"})
    c.add(
        "contribution_id",
        contribution(w, organisation=w.a_org),
        "a",
        "Alfa kommun's lägesbild",
        REPORT_EDITORS,
    )
    c.add(
        "contribution_id",
        contribution(w, w.b, w.b_org),
        "b",
        "Beta kommun's lägesbild",
        CHARLIE,
    )
    # Problems, plans, evaluations, meetings, promises and their activities (plans/queries.py):
    # every member.
    for param, obj in _plan_objects(w.b).items():
        c.add(param, w.plan_object(param.removesuffix("_id")), "a", f"A's {param}", EVERY_A)
        c.add(param, obj, "b", f"B's {param}", CHARLIE)
    # Background jobs (exchange/queries.py): the user who started it, whatever anyone's role.
    for name in ("alice", "dave", "bob"):
        c.add("job_id", export_job(w, users[name]), "a", f"{name}'s export", {name})
    c.add("job_id", export_job(w, w.charlie, w.b), "b", "charlie's export", CHARLIE)
    # API tokens: their owner only.
    for name, home in (("alice", "a"), ("bob", "a"), ("charlie", "b")):
        token, _secret = tokens.create_token(users[name], name="Skript", days=None)
        c.add("token_id", token, home, f"{name}'s token", {name})
    return c


# ---- the walk ----------------------------------------------------------------------------


def object_routes() -> list[Route]:
    """Every route that names an object by id: under a municipality (any parameter but the
    slug), or outside it (declared in UNSCOPED_ROUTES, an ``…_id`` parameter)."""
    found: dict[str, Route] = {}
    for route in walk(get_resolver().url_patterns):
        if route.pattern.startswith(tuple(UNSCOPED_PREFIXES)) or not ids(route):
            continue
        found.setdefault(route.pattern, route)  # the API lists a path once per method
    return list(found.values())


def ids(route: Route) -> list[str]:
    if route.pattern.startswith(SCOPED_PREFIXES):
        return [p for p in params(route) if p != "municipality"]
    return [p for p in params(route) if p.endswith("_id")]


def permission(route: Route, url: str) -> Permission | None:
    """The permission the route asks of a role before it looks at any object."""
    if route.pattern.startswith("api/"):
        for prefix, needed in API_PERMISSIONS.items():
            if route.pattern.startswith(prefix):
                return needed
        raise AssertionError(f"{route.pattern}: write its permission into API_PERMISSIONS")
    found: Permission | None = getattr(get_resolver().resolve(url).func, "access_permission", None)
    return found


@dataclass(frozen=True)
class Probe:
    who: str
    route: Route
    values: dict[str, Any]
    sees: bool
    what: str


def expected(probe: Probe, url: str) -> set[int]:
    needed = permission(probe.route, url) if "municipality" in params(probe.route) else None
    role = ROLES[probe.who]
    if needed is not None and role not in PERMISSIONS[needed]:
        if role in NOT_FOUND_ROLES.get(needed, ()):
            return {404}  # a role that must not learn that such objects exist
        # The role may not use the route at all: 403 before any object is looked at (the API
        # checks inside the handler, some after the lookup, so it may say 404 instead).
        return {403, 404} if probe.route.pattern.startswith("api/") else {403}
    return {200} if probe.sees else {404}


def lacks(response: HttpResponse, method: str) -> bool:
    """A 405 that says the route has no such method, which is the same for every object."""
    allow = {m.strip().upper() for m in response.get("Allow", "").split(",")}
    return response.status_code == 405 and method.upper() not in allow


def post(client: Client, cast: Cast, probe: Probe, url: str) -> HttpResponse:
    write = API_WRITES.get(probe.route.pattern)
    response: HttpResponse = (
        client.post(url, **write(cast, probe.values)) if write else client.post(url)
    )
    return response


def check(cast: Cast, client: Client, probes: Iterable[Probe]) -> list[str]:
    """Every probe whose answer is not what the role table says."""
    found = []
    current = None
    for probe in sorted(probes, key=lambda p: p.who):
        if probe.who != current:
            client.force_login(cast.users[probe.who])
            current = probe.who
        url = build_url(probe.route, cast.world, probe.values)
        want = expected(probe, url)
        where = f"{probe.who} {{method}} {url} ({probe.what}): {{status}}, expected {sorted(want)}"
        got = client.get(url)
        if got.status_code not in want and not lacks(got, "GET"):
            found.append(where.format(method="GET", status=got.status_code))
        if want == {200} and not lacks(got, "GET"):
            continue
        if want == {200}:
            # A route for writes only: that it finds the object is enough; the write is undone.
            with transaction.atomic():
                got = post(client, cast, probe, url)
                transaction.set_rollback(True)
            if got.status_code in (404, 405) or got.status_code >= 500:
                found.append(where.format(method="POST", status=got.status_code))
            continue
        got = post(client, cast, probe, url)
        if got.status_code not in want and not lacks(got, "POST"):
            hint = ""
            if got.status_code in (400, 415, 422) and probe.route.pattern.startswith("api/"):
                hint = (
                    " (give this write a valid body in API_WRITES, so that it reaches the lookup)"
                )
            found.append(where.format(method="POST", status=got.status_code) + hint)
    return found


def cross_probes(cast: Cast, who: str, home: str) -> Iterator[Probe]:
    """(a): ``who`` asks through its own municipality's URLs for the other municipality's ids,
    one at a time and all at once; and, to show the URLs are right, for its own."""
    slug = cast.municipality(home).slug
    for route in object_routes():
        names = ids(route)
        own = {p: cast.own(p, who, home) for p in names}
        base = {"municipality": slug, **{p: t.pk for p, t in own.items()}}
        yield Probe(who, route, base, True, "its own")
        for p in names:
            for thing in cast.of(p):
                if thing.home != home:
                    what = f"{thing.label} for {own[p].label}"
                    yield Probe(who, route, {**base, p: thing.pk}, False, what)
                    if len(names) > 1 and p == names[-1]:
                        values = {**base, **dict(thing.needs), p: thing.pk}
                        yield Probe(who, route, values, False, thing.label)


def role_probes(cast: Cast, cast_names: Iterable[str]) -> Iterator[Probe]:
    """(b): each user of A asks through A's URLs for every object of every kind (A's and B's),
    with the ids that go together, and with ids that do not (a photo under another case)."""
    for route in object_routes():
        names = ids(route)
        who_asks = list(cast_names) + (
            [] if route.pattern.startswith(SCOPED_PREFIXES) else ["charlie"]
        )
        *others, last = names
        for thing in cast.of(last):
            needs = dict(thing.needs)
            assert set(others) <= needs.keys(), f"{thing.label}: which {others} go with it?"
            values = {"municipality": cast.world.a.slug, **needs, last: thing.pk}
            combos = [(values, thing.seen_by, thing.label)]
            for p in others:
                for other in cast.of(p):
                    if other.pk != needs[p]:
                        what = f"{thing.label} under {other.label}"
                        combos.append(({**values, p: other.pk}, frozenset(), what))
            for who in who_asks:
                for v, seen_by, what in combos:
                    yield Probe(who, route, v, who in seen_by, what)


def test_object_routes_are_found() -> None:
    patterns = {r.pattern for r in object_routes()}
    assert "k/<slug:municipality>/incidents/<id:incident_id>/photos/<id:photo_id>/" in patterns
    assert API + "incidents/<incident_id>/transition" in patterns
    assert "me/api-tokens/<id:token_id>/revoke/" in patterns
    for fmt in ("pdf", "docx"):  # the evaluation as a document (documents/evaluation.py)
        assert f"k/<slug:municipality>/evaluations/<id:evaluation_id>/document.{fmt}" in patterns
    assert len(patterns) >= 25


def test_another_municipality_with_its_own_url_gets_404(cast: Cast, asker: Client) -> None:
    """charlie, administrator of B, through B's URLs with A's ids."""
    found = check(cast, asker, cross_probes(cast, "charlie", "b"))
    assert not found, "\n".join(found)


def test_the_other_way_round_gets_404(cast: Cast, asker: Client) -> None:
    """alice, administrator of A, through A's URLs with B's ids."""
    found = check(cast, asker, cross_probes(cast, "alice", "a"))
    assert not found, "\n".join(found)


def test_each_role_gets_exactly_what_the_role_table_says(cast: Cast, asker: Client) -> None:
    found = check(cast, asker, role_probes(cast, A_CAST))
    assert not found, "\n".join(found)


def test_internal_comments_stay_with_their_organisation(cast: Cast, client: Client) -> None:
    """A comment has no URL of its own: it is read with its case (whose URLs the tests above
    cover), and an internal one only by the organisation that wrote it
    (incidents/cases.visible_comments), on the case page and in the API alike."""
    from samtrygg.incidents import cases
    from samtrygg.incidents.models import Incident

    w = cast.world
    case = Incident.objects.get(pk=cast.of("incident_id")[1].pk)  # Alfa kommun's, at Alfahem
    cases.add_comment(w.access(w.bob), case, "Delad notering från kommunen.")
    cases.add_comment(w.access(w.bob), case, "Intern notering från kommunen.", internal=True)
    cases.add_comment(w.access(w.carol), case, "Intern notering från Alfahem.", internal=True)
    api = f"/api/v1/k/{w.a.slug}/incidents/{case.pk}/comments"
    page = f"/k/{w.a.slug}/incidents/{case.pk}/"
    for who in sorted(ASSIGNED_CASE):
        client.force_login(cast.users[who])
        texts = " ".join(c["text"] for c in client.get(api).json())
        html = client.get(page).content.decode()
        for seen in (texts, html):
            assert ("Intern notering från kommunen" in seen) == (who in A_KOMMUN), who
            assert ("Intern notering från Alfahem" in seen) == (who in A_HOUSING), who
            if who in A_KOMMUN or who == "ada":  # the reporting organisation, an authority
                assert "Delad notering från kommunen" in seen, who


def test_an_object_lookup_without_the_policy_is_caught(
    cast: Cast, asker: Client, settings: Any
) -> None:
    """tests/leaky_object_urls.py plants, behind municipality_view, a case looked up by id alone
    and one looked up within the municipality but past the role table."""
    settings.ROOT_URLCONF = "tests.leaky_object_urls"
    clear_url_caches()
    try:
        leaky = [r for r in object_routes() if "/leaky/" in r.pattern]
        assert len(leaky) == 2
        across = check(cast, asker, cross_probes(cast, "charlie", "b"))
        within = check(cast, asker, role_probes(cast, ("bob", "ada")))
    finally:
        clear_url_caches()
    assert any("/leaky/incidents/" in f for f in across), across
    assert not any("/leaky/cases/" in f for f in across), across
    assert any("/leaky/cases/" in f and f.startswith("bob ") for f in within), within
    assert any("/leaky/cases/" in f and f.startswith("ada ") for f in within), within
    assert all("/leaky/" in f for f in across + within), across + within
