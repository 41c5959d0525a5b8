"""Real pages in Chromium: login, the map without tiles, accessibility, and the CSP holding."""

from __future__ import annotations

from typing import Any

import pytest

from .. import factories
from ..conftest import World
from .axe import serious_violations
from .conftest import DESKTOP, PHONE


def log_in(page: Any, email: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("E-postadress").fill(email)
    page.get_by_label("Lösenord").fill(factories.PASSWORD)
    page.get_by_role("button", name="Logga in").click()
    page.wait_for_url("**/k/**")


def assert_clean(page: Any) -> None:
    assert page.evaluate("window.__cspViolations") == []
    assert [e for e in page.console_errors if "favicon" not in e] == []
    assert serious_violations(page) == []


def admin_pages(world: World) -> list[str]:
    from ..test_outsider import contribution

    slug = world.a.slug
    party = contribution(world)  # a draft with the housing company's lägesbild
    return [
        f"/k/{slug}/",
        f"/k/{slug}/organisations/",
        f"/k/{slug}/organisations/{world.a_org.pk}/",
        f"/k/{slug}/members/",
        f"/k/{slug}/members/{world.membership(world.bob).pk}/",
        f"/k/{slug}/areas/",
        f"/k/{slug}/areas/{world.area.pk}/",
        f"/k/{slug}/audit/",
        f"/k/{slug}/categories/",
        f"/k/{slug}/categories/{world.category().pk}/",
        f"/k/{slug}/police-types/",
        f"/k/{slug}/incidents/?queue=all&status=new",
        f"/k/{slug}/incidents/{world.photo().incident_id}/",
        f"/k/{slug}/weeks/",
        f"/k/{slug}/import/",
        f"/k/{slug}/report/",
        f"/k/{slug}/lagesbild/contributions/",
        f"/k/{slug}/lagesbild/contributions/{party.pk}/",
        f"/k/{slug}/lagesbild/{party.report_id}/",
        f"/k/{slug}/compliance/",
        f"/k/{slug}/council-reports/",
        f"/k/{slug}/council-reports/{world.plan_object('council_report').pk}/",
        f"/k/{slug}/evaluations/{world.plan_object('evaluation').pk}/",
        f"/k/{slug}/settings/profile/",
        f"/k/{slug}/settings/public-texts/",
        f"/about/{slug}/accessibility/",
        f"/about/{slug}/personal-data/",
        f"/k/{slug}/meetings/",
        f"/k/{slug}/promises/",
        "/me/api-tokens/",
        "/me/notifications/",
        "/accounts/2fa/",
    ]


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_login_page_is_swedish_and_accessible(
    world: World, new_page: Any, viewport: dict[str, int]
) -> None:
    page = new_page(viewport)
    page.goto("/")
    assert page.url.endswith("/accounts/login/?next=/")
    assert page.locator("html").get_attribute("lang") == "sv"
    assert page.get_by_role("heading", level=1).inner_text() == "Logga in i Samtrygg"
    assert_clean(page)


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_admin_pages_are_accessible(world: World, new_page: Any, viewport: dict[str, int]) -> None:
    page = new_page(viewport)
    log_in(page, "alice@example.se")
    for url in admin_pages(world):
        page.goto(url)
        if page.locator(".map").count():
            page.wait_for_selector(".map[data-ready=true]")
        violations = serious_violations(page)
        assert violations == [], (url, violations)
        assert page.evaluate("window.__cspViolations") == [], url


def test_map_draws_boundary_and_areas_without_tiles(world: World, new_page: Any) -> None:
    page = new_page()
    log_in(page, "alice@example.se")
    page.goto(f"/k/{world.a.slug}/areas/")
    page.wait_for_selector(".map[data-ready=true]")
    # Leaflet's SVG renderer: one path for the boundary, one per area.
    assert page.locator(".map .leaflet-overlay-pane path").count() == 2
    assert page.locator(".map img.leaflet-tile").count() == 0
    assert page.get_by_role("table", name="Områden").get_by_text("Centrum").is_visible()
    assert_clean(page)


def test_keyboard_skip_link(world: World, new_page: Any) -> None:
    page = new_page()
    log_in(page, "bob@example.se")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent")
    assert focused.strip() == "Hoppa till innehållet"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"


def test_invite_and_accept_in_the_browser(
    world: World, new_page: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from django.core import mail

    page = new_page(PHONE)
    log_in(page, "alice@example.se")
    page.goto(f"/k/{world.a.slug}/members/")
    page.get_by_label("E-postadress").fill("ny@example.se")
    page.get_by_role("combobox", name="Organisation").select_option(label="Alfahem AB")
    page.get_by_role("combobox", name="Roll").select_option(label="Handläggare")
    page.get_by_role("button", name="Skicka inbjudan").click()
    page.get_by_text("En inbjudan skickades till ny@example.se").wait_for()
    link = next(line for line in mail.outbox[-1].body.splitlines() if "/invitation/" in line)
    visitor = new_page(PHONE)
    visitor.goto(link.replace("http://127.0.0.1:8000", ""))
    assert_clean(visitor)
    visitor.get_by_label("Ditt namn").fill("Nya Handläggaren")
    visitor.locator("#id_password1").fill("Ett-bra-lösen-47")
    visitor.get_by_label("Lösenordet igen").fill("Ett-bra-lösen-47")
    visitor.get_by_role("button", name="Skapa mitt konto").click()
    visitor.wait_for_url(f"**/k/{world.a.slug}/")
    assert "Alfahem AB: Handläggare" in visitor.content()


def test_english_is_selectable(world: World, new_page: Any) -> None:
    page = new_page()
    log_in(page, "bob@example.se")
    page.get_by_role("button", name="English").click()
    page.get_by_role("link", name="Weekly report").first.wait_for()
    assert page.locator("html").get_attribute("lang") == "en"
