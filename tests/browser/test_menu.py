"""The header on a phone (issue 14, item 7): at most 15 % of a 390×844 screen with the menu
collapsed, and the menu button opens it; the start page per role is accessible."""

from __future__ import annotations

from typing import Any

import pytest

from .. import factories
from ..conftest import World
from .axe import serious_violations
from .conftest import DESKTOP, PHONE
from .test_pages import log_in

MAX_HEADER = 127  # 15 % of 844 px


def test_the_phone_header_is_small_and_the_menu_button_opens_the_menu(
    world: World, new_page: Any
) -> None:
    page = new_page(PHONE)
    log_in(page, "alice@example.se")  # the administrator has the longest menu
    button = page.locator("[data-menu-button]")
    assert button.is_visible()
    assert button.get_attribute("aria-expanded") == "false"
    assert page.locator("header.site-header").bounding_box()["height"] <= MAX_HEADER
    assert not page.locator("#site-menu").is_visible()
    button.click()
    assert button.get_attribute("aria-expanded") == "true"
    assert page.get_by_role("link", name="EST-möten").is_visible()
    assert page.get_by_role("link", name="API-nycklar").is_visible()
    assert serious_violations(page) == []
    button.click()
    assert button.get_attribute("aria-expanded") == "false"
    assert not page.locator("#site-menu").is_visible()


def test_on_a_desktop_the_menu_is_shown_without_a_button(world: World, new_page: Any) -> None:
    page = new_page(DESKTOP)
    log_in(page, "bob@example.se")
    assert not page.locator("[data-menu-button]").is_visible()
    assert page.get_by_role("link", name="EST-möten").is_visible()


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
@pytest.mark.parametrize("role", ["reporter", "handler", "analyst", "viewer", "regional"])
def test_the_start_page_of_each_role_is_accessible(
    world: World, new_page: Any, viewport: dict[str, int], role: str
) -> None:
    from samtrygg.tenancy.roles import Role

    email = f"{role}@example.se"
    factories.member(world.a_org, Role[role.upper()], email)
    page = new_page(viewport)
    log_in(page, email)
    assert page.locator(f"[data-start={role if role != 'viewer' else 'politician'}]").count() in (
        0,
        1,
    )
    violations = serious_violations(page)
    assert violations == [], (role, violations)
    assert page.evaluate("window.__cspViolations") == []
