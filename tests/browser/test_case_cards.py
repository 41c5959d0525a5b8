"""On a phone the case list is one card per case (issue 14, item 7): no row wider than the
screen, each value named by its column."""

from __future__ import annotations

from typing import Any

from ..conftest import World
from .axe import serious_violations
from .conftest import PHONE
from .test_pages import log_in


def test_the_case_list_is_cards_on_a_phone(world: World, new_page: Any) -> None:
    incident = world.incident()
    page = new_page(PHONE)
    log_in(page, "dave@example.se")
    page.goto(f"/k/{world.a.slug}/incidents/?queue=all")
    row = page.locator("table.cards-on-phone tbody tr").first
    box = row.bounding_box()
    assert box is not None and box["width"] <= PHONE["width"]
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    label = row.locator("td[data-label]").first.evaluate(
        "e => getComputedStyle(e, '::before').content"
    )
    assert label == '"Kategori: "'
    assert incident.reference in row.inner_text()
    assert serious_violations(page) == []
