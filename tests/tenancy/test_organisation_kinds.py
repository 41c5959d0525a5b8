"""Access by organisation type (issue 11, item 4): only public authorities hold the roles that
read every actor's reports (analyst, coordinator, administrator), and a member of any other
organisation never reads another actor's free text: not on the case page, in the case list, in
the API or in the exports."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from samtrygg.incidents import cases
from samtrygg.incidents.categories import seed_categories
from samtrygg.incidents.models import Category, Incident
from samtrygg.incidents.services import IncidentInput, create_incident
from samtrygg.tenancy import services
from samtrygg.tenancy.models import Invitation, Membership, OrganisationKind
from samtrygg.tenancy.roles import Role, may_hold, role_ceiling
from samtrygg.tenancy.tokens import create_token

from .. import factories
from ..conftest import World

pytestmark = pytest.mark.usefixtures("swedish")

AUTHORITIES = {"kommunal_forvaltning", "polis", "raddningstjanst", "lansstyrelse"}
SECRET = "Misstänkt langning vid skolan"
PLACE = "Skolgårdens baksida"
NOTE = "Beskrivningen visas bara för myndigheter och den rapporterande organisationen"


def test_the_ceiling_by_kind() -> None:
    """Written out by hand: the authorities, and everybody else (municipal companies and
    schools included) at most case handler."""
    assert {k.value for k in OrganisationKind} >= AUTHORITIES
    for kind in OrganisationKind:
        for role in Role:
            allowed = kind.value in AUTHORITIES or role <= Role.HANDLER
            assert may_hold(kind.value, role) is allowed, (kind, role)
    assert role_ceiling("kommunalt_bolag") == Role.HANDLER
    assert role_ceiling("skola") == Role.HANDLER
    assert role_ceiling("polis") == Role.ADMIN


@pytest.mark.parametrize("role", [Role.ANALYST, Role.COORDINATOR, Role.ADMIN])
def test_a_private_company_member_is_not_invited_above_the_ceiling(
    world: World, role: Role
) -> None:
    firm = factories.organisation(world.a, "Nattvakten AB", kind="bevakningsforetag")
    before = Invitation.objects.count()
    with pytest.raises(ValidationError) as error:
        services.invite(
            world.access(world.alice), email="ny@example.se", organisation=firm, role=role
        )
    message = " ".join(error.value.messages)
    assert "Nattvakten AB" in message
    assert "Bevakningsföretag" in message  # the kind, by name
    assert "Handläggare" in message  # the highest role allowed
    assert Invitation.objects.count() == before


def test_a_member_of_a_housing_company_is_not_promoted(world: World) -> None:
    carol = world.membership(world.carol)
    for role in (Role.ANALYST, Role.COORDINATOR):
        with pytest.raises(ValidationError) as error:
            services.change_role(world.access(world.alice), carol, role)
        assert "Bostadsbolag" in " ".join(error.value.messages)
    carol.refresh_from_db()
    assert carol.role == Role.REPORTER
    services.change_role(world.access(world.alice), carol, Role.HANDLER)  # up to the ceiling
    assert Membership.objects.get(pk=carol.pk).role == Role.HANDLER


def test_an_existing_account_is_not_added_above_the_ceiling(world: World) -> None:
    shop = factories.organisation(world.a, "Centrumbutiken", kind="naringsliv")
    with pytest.raises(ValidationError):
        services.invite(
            world.access(world.alice),
            email=world.bob.email,  # an account that exists: added at once, if allowed
            organisation=shop,
            role=Role.COORDINATOR,
        )
    assert not Membership.objects.filter(user=world.bob, organisation=shop).exists()


def test_a_municipal_company_is_not_an_authority(world: World) -> None:
    company = factories.organisation(world.a, "Alfahem Kommunala AB", kind="kommunalt_bolag")
    with pytest.raises(ValidationError):
        services.invite(
            world.access(world.alice), email="x@example.se", organisation=company, role=Role.ANALYST
        )
    services.invite(
        world.access(world.alice), email="y@example.se", organisation=company, role=Role.HANDLER
    )
    police = factories.organisation(world.a, "Polisen", kind="polis")
    services.invite(
        world.access(world.alice), email="z@example.se", organisation=police, role=Role.ANALYST
    )


def test_an_old_invitation_above_the_ceiling_cannot_be_accepted(world: World) -> None:
    invitation = world.invitation
    Invitation.objects.filter(pk=invitation.pk).update(
        organisation=world.a_other_org, role=Role.COORDINATOR
    )
    invitation.refresh_from_db()
    with pytest.raises(ValidationError):
        services.accept_invitation(invitation, full_name="Ny", password="Ett-bra-lösen-47")
    assert not Membership.objects.filter(user__email=invitation.email).exists()


def test_the_web_forms_refuse_in_swedish(world: World, client: Client) -> None:
    client.force_login(world.alice)
    page = client.post(
        reverse("member_list", args=[world.a.slug]),
        {"email": "analys@example.se", "organisation": world.a_other_org.pk, "role": Role.ANALYST},
    )
    assert page.status_code == 200
    text = page.content.decode()
    assert "Alfahem AB är av typen ”Bostadsbolag”" in text
    assert "högst rollen ”Handläggare”" in text
    assert not Invitation.objects.filter(email="analys@example.se").exists()
    carol = world.membership(world.carol)
    page = client.post(
        reverse("member_edit", args=[world.a.slug, carol.pk]), {"role": Role.COORDINATOR}
    )
    assert "inte ”Samordnare”" in page.content.decode()
    carol.refresh_from_db()
    assert carol.role == Role.REPORTER


def test_memberships_above_the_ceiling_are_listed(world: World, client: Client) -> None:
    carol = world.membership(world.carol)
    Membership.objects.filter(pk=carol.pk).update(role=Role.ANALYST)  # from before the rule
    client.force_login(world.alice)
    text = client.get(reverse("member_list", args=[world.a.slug])).content.decode()
    assert "Roller över vad organisationen får ha" in text
    assert "Bara myndigheter" in text
    section = text.split("Roller över vad organisationen får ha")[1].split("</section>")[0]
    assert "carol@example.se" in section
    assert "bob@example.se" not in section
    Membership.objects.filter(pk=carol.pk).update(role=Role.REPORTER)
    text = client.get(reverse("member_list", args=[world.a.slug])).content.decode()
    assert "Roller över vad organisationen får ha" not in text


def test_an_organisation_does_not_become_a_kind_its_members_exceed(world: World) -> None:
    """dave is the municipality's coordinator: the municipality cannot be turned into a private
    company under him (he would keep reading every actor's reports). Lowered first, it can."""
    with pytest.raises(ValidationError) as refused:
        services.update_organisation(
            world.access(world.alice), world.a_org, kind=OrganisationKind.SECURITY_COMPANY
        )
    message = " ".join(refused.value.message_dict["kind"])
    assert "dave@example.se" in message and "alice@example.se" in message
    world.a_org.refresh_from_db()
    assert world.a_org.kind == "kommunal_forvaltning"
    # The housing company (reporters only) may become a private company.
    services.update_organisation(
        world.access(world.alice), world.a_other_org, kind=OrganisationKind.SECURITY_COMPANY
    )
    world.a_other_org.refresh_from_db()
    assert world.a_other_org.kind == OrganisationKind.SECURITY_COMPANY


# --- free text ------------------------------------------------------------------------------


def _case_for_carol(world: World) -> Incident:
    """Reported by the municipality (bob), assigned to carol's housing company, with a shared
    comment of the municipality's."""
    seed_categories(world.a)
    incident = create_incident(
        world.access(world.bob),
        IncidentInput(
            category=Category.objects.get(municipality=world.a, code="klotter"),
            reporting_organisation=world.a_org,
            occurred_at=timezone.now() - timedelta(hours=2),
            lat=factories.HALMSTAD_LAT,
            lon=factories.HALMSTAD_LON,
            place_name=PLACE,
            description=SECRET,
        ),
    )
    incident = cases.assign(world.access(world.dave), incident, world.a_other_org)
    cases.add_comment(world.access(world.dave), incident, "Kommunens kommentar om fallet")
    return incident


def _carols_own(world: World) -> Incident:
    return create_incident(
        world.access(world.carol),
        IncidentInput(
            category=Category.objects.get(municipality=world.a, code="klotter"),
            reporting_organisation=world.a_other_org,
            occurred_at=timezone.now() - timedelta(hours=1),
            lat=factories.HALMSTAD_LAT,
            lon=factories.HALMSTAD_LON,
            place_name="Trapphus 4",
            description="Klotter i vårt trapphus",
        ),
    )


def test_a_housing_company_reads_no_other_actors_free_text_on_pages(
    world: World, client: Client
) -> None:
    incident = _case_for_carol(world)
    own = _carols_own(world)
    client.force_login(world.carol)
    page = client.get(reverse("incident_detail", args=[world.a.slug, incident.pk]))
    assert page.status_code == 200  # the case is assigned to carol's organisation
    text = page.content.decode()
    assert SECRET not in text
    assert PLACE not in text
    assert "Kommunens kommentar" not in text
    assert NOTE in text
    cases.add_comment(world.access(world.carol), incident, "Vi har åtgärdat det")
    text = client.get(reverse("incident_detail", args=[world.a.slug, incident.pk])).content.decode()
    assert "Vi har åtgärdat det" in text  # its own organisation's comments it reads
    text = client.get(reverse("incident_detail", args=[world.a.slug, own.pk])).content.decode()
    assert "Klotter i vårt trapphus" in text and "Trapphus 4" in text
    assert NOTE not in text
    listing = client.get(reverse("incident_list", args=[world.a.slug]) + "?queue=all")
    assert incident.reference in listing.content.decode()
    assert PLACE not in listing.content.decode()
    # An authority member of the same rank reads it all.
    client.force_login(world.bob)
    text = client.get(reverse("incident_detail", args=[world.a.slug, incident.pk])).content.decode()
    assert SECRET in text and PLACE in text and "Kommunens kommentar" in text


def test_a_housing_company_reads_no_other_actors_free_text_in_exports(
    world: World, client: Client
) -> None:
    incident = _case_for_carol(world)
    _carols_own(world)
    client.force_login(world.carol)
    body = b"".join(
        client.get(reverse("incident_export_csv", args=[world.a.slug]) + "?queue=all")
    ).decode("utf-8-sig")
    rows = {r["reference"]: r for r in csv.DictReader(io.StringIO(body), delimiter=";")}
    assert incident.reference in rows
    assert SECRET not in body and PLACE not in body
    assert rows[incident.reference]["description"] == NOTE
    assert "Klotter i vårt trapphus" in body
    geo = b"".join(
        client.get(reverse("incident_export_geojson", args=[world.a.slug]) + "?queue=all")
    ).decode()
    assert SECRET not in geo and PLACE not in geo and incident.reference in geo
    from openpyxl import load_workbook

    book = load_workbook(
        io.BytesIO(
            client.get(reverse("incident_export_xlsx", args=[world.a.slug]) + "?queue=all").content
        )
    )
    cells = {str(c.value) for row in book.active.iter_rows() for c in row}
    assert incident.reference in cells
    assert SECRET not in cells and PLACE not in cells and NOTE in cells


def _bearer(user: Any) -> dict[str, str]:
    _token, secret = create_token(user, name="test", days=30)
    return {"Authorization": f"Bearer {secret}"}


def test_a_housing_company_reads_no_other_actors_free_text_in_the_api(
    world: World, client: Client
) -> None:
    incident = _case_for_carol(world)
    own = _carols_own(world)
    headers = _bearer(world.carol)
    base = f"/api/v1/k/{world.a.slug}/incidents"
    one = client.get(f"{base}/{incident.pk}", headers=headers)
    assert one.status_code == 200
    assert one.json()["description"] == NOTE
    assert one.json()["place_name"] == ""
    page = client.get(f"{base}?queue=all", headers=headers).json()
    by_id = {i["id"]: i for i in page["items"]}
    assert by_id[incident.pk]["description"] == NOTE
    assert by_id[own.pk]["description"] == "Klotter i vårt trapphus"
    assert SECRET not in json.dumps(page, ensure_ascii=False)
    comments = client.get(f"{base}/{incident.pk}/comments", headers=headers).json()
    assert "Kommunens kommentar" not in json.dumps(comments, ensure_ascii=False)
    # A write answers with the case, through the same rule.
    moved = client.post(
        f"{base}/{incident.pk}/comments",
        {"text": "Vi tittar"},
        content_type="application/json",
        headers=headers,
    )
    assert moved.status_code == 201
    mine = client.get(f"{base}/{incident.pk}/comments", headers=headers).json()
    assert [c["text"] for c in mine] == ["Vi tittar"]
    # The reporting authority's member reads everything.
    full = client.get(f"{base}/{incident.pk}", headers=_bearer(world.bob)).json()
    assert full["description"] == SECRET and full["place_name"] == PLACE


def test_the_assignment_mail_to_a_housing_company_has_no_other_actors_place(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    from django.core import mail

    factories.member(world.a_other_org, Role.HANDLER, "hugo@example.se")
    with django_capture_on_commit_callbacks(execute=True):
        incident = _case_for_carol(world)
    assert [m.to for m in mail.outbox] == [["hugo@example.se"]]
    assert incident.reference in mail.outbox[0].body
    assert PLACE not in mail.outbox[0].body and SECRET not in mail.outbox[0].body
    # To an authority's handlers the place is named.
    street = factories.organisation(world.a, "Gatuenheten")
    factories.member(street, Role.HANDLER, "gata@example.se")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        cases.assign(world.access(world.dave), incident, street)
    assert [m.to for m in mail.outbox] == [["gata@example.se"]]
    assert PLACE in mail.outbox[0].body
