"""The accessibility statement and the personal-data page (issue 14, item 12): public per kommun,
editable by its administrator only (404 for every other role), every change audited."""

from __future__ import annotations

from typing import Any

from django.test import Client

from samtrygg.audit.models import AuditAction, AuditEvent
from samtrygg.tenancy.models import MunicipalityPublicTexts
from samtrygg.tenancy.roles import Role

from .. import factories
from ..conftest import World


def test_public_pages_answer_without_login_with_default_text(world: World, client: Client) -> None:
    for path in (
        f"/about/{world.a.slug}/accessibility/",
        f"/about/{world.a.slug}/personal-data/",
        "/about/accessibility/",
        "/about/personal-data/",
    ):
        response = client.get(path)
        assert response.status_code == 200, path
    page = client.get(f"/about/{world.a.slug}/accessibility/").content.decode()
    assert "DIGG" in page and "(WCAG) 2.1" in page and world.a.name in page
    page = client.get(f"/about/{world.a.slug}/personal-data/").content.decode()
    assert "personuppgiftsansvarig" in page and "Gallring" in page and "IMY" in page
    assert client.get("/about/ingen-sadan-kommun/accessibility/").status_code == 404


def test_every_page_links_to_them_in_the_footer(world: World, client: Client) -> None:
    client.force_login(world.bob)
    page = client.get(f"/k/{world.a.slug}/").content.decode()
    assert f'href="/about/{world.a.slug}/accessibility/"' in page
    assert f'href="/about/{world.a.slug}/personal-data/"' in page
    client.logout()
    login = client.get("/accounts/login/").content.decode()
    assert 'href="/about/accessibility/"' in login


def test_only_the_administrator_edits_them(world: World, client: Client) -> None:
    url = f"/k/{world.a.slug}/settings/public-texts/"
    others = [world.bob, world.carol, world.dave, world.charlie]
    for role in (Role.VIEWER, Role.REGIONAL, Role.HANDLER, Role.ANALYST):
        others.append(factories.member(world.a_org, role))
    for user in others:
        client.force_login(user)
        assert client.get(url).status_code == 404, user
        assert client.post(url, {"accessibility_statement": "x"}).status_code == 404, user
    assert not MunicipalityPublicTexts.objects.exists()

    client.force_login(world.alice)
    assert client.get(url).status_code == 200
    text = "## Vår redogörelse\n\nVi följer WCAG 2.1 AA.\n\n- Kartan <b>brister</b>"
    response = client.post(url, {"accessibility_statement": text, "personal_data": ""})
    assert response.status_code == 302
    row = MunicipalityPublicTexts.objects.get(municipality=world.a)
    assert row.accessibility_statement == text and row.personal_data == ""
    event: Any = AuditEvent.objects.get(action=AuditAction.PUBLIC_TEXTS_CHANGED)
    assert event.municipality == world.a and event.actor == world.alice

    client.logout()
    page = client.get(f"/about/{world.a.slug}/accessibility/").content.decode()
    assert "<h2>Vår redogörelse</h2>" in page
    assert "<li>Kartan &lt;b&gt;brister&lt;/b&gt;</li>" in page  # escaped
    # B's page keeps the default text: the texts are per kommun.
    assert (
        "Vår redogörelse"
        not in client.get(f"/about/{world.b.slug}/accessibility/").content.decode()
    )
