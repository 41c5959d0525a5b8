"""Issue 14 in Chromium: the case page's map with the incidents nearby, and the situation map
with its tables folded away, typed dates and a visible heat layer; both clean for axe-core and
the CSP at desktop and phone widths."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from samtrygg.incidents.categories import seed_categories

from ..conftest import World
from ..incidents.test_cases import _nearby
from ..incidents.test_incidents import report
from .axe import serious_violations
from .conftest import DESKTOP, PHONE
from .test_pages import log_in
from .test_situation import wait_ready, wait_until


@pytest.fixture
def case(world: World) -> Any:
    """A fire with another report 60 m away an hour later (a duplicate candidate) and a
    graffiti report 150 m away the day before (nearby)."""
    seed_categories(world.a)
    when = timezone.now() - timedelta(days=2)
    fire = report(world, world.bob, world.a_org, code="brand", occurred_at=when)
    lat, lon = _nearby(60)
    report(
        world,
        world.carol,
        world.a_other_org,
        code="brand",
        lat=lat,
        lon=lon,
        occurred_at=when + timedelta(hours=1),
        description="Containerbrand.",
    )
    lat, lon = _nearby(150)
    report(world, world.bob, world.a_org, lat=lat, lon=lon, occurred_at=when - timedelta(days=1))
    return fire


def clean(page: Any) -> None:
    assert serious_violations(page) == []
    assert page.evaluate("window.__cspViolations") == []
    assert [e for e in page.console_errors if "favicon" not in e] == []


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_case_page_and_situation_map(
    world: World, case: Any, new_page: Any, viewport: dict[str, int]
) -> None:
    page = new_page(viewport)
    log_in(page, "dave@example.se")
    page.goto(f"/k/{world.a.slug}/incidents/{case.pk}/")
    page.wait_for_selector("#case-map[data-ready=true]")
    # the case and its two neighbours as dots, no tiles
    wait_until(page, "document.querySelectorAll('#case-map path.leaflet-interactive').length >= 3")
    assert page.locator("#case-map img.leaflet-tile").count() == 0
    assert (
        page.get_by_role("table", name="Händelser nära i tid och rum, närmast först")
        .locator("tbody tr")
        .count()
        == 2
    )
    assert page.get_by_text("Containerbrand.").first.is_visible()
    clean(page)

    page.goto(f"/k/{world.a.slug}/situation/?layers=heat,areas,points")
    wait_ready(page)
    wait_until(page, "document.querySelector('#situation-map .leaflet-heatmap-layer') !== null")
    folded = page.evaluate("document.documentElement.scrollHeight")
    summaries = page.locator("details.as-table > summary")
    assert summaries.count() == 4
    for index in range(summaries.count()):
        summaries.nth(index).click()
    assert page.locator("details.as-table table").first.is_visible()
    assert page.evaluate("document.documentElement.scrollHeight") > folded
    clean(page)  # the tables, opened, are clean too
    if viewport == DESKTOP:
        assert folded < 4000, folded
        # a typed date chooses "Valda datum" (the script, and the server without it)
        first = (timezone.localdate() - timedelta(days=5)).isoformat()
        page.get_by_label("Från").fill(first)
        page.get_by_label("Från").dispatch_event("change")
        assert page.locator("#period").input_value() == "custom"
        page.get_by_role("button", name="Visa", exact=True).click()
        wait_ready(page)
        assert "period=custom" in page.url or f"from={first}" in page.url
        assert page.locator("#period").input_value() == "custom"
        assert page.locator("[role=alert]").count() == 0


def test_accept_all_findings_in_the_browser(world: World, new_page: Any) -> None:
    from ..situation.test_finding_decisions import _report

    report = _report(world)
    page = new_page(DESKTOP)
    log_in(page, "alice@example.se")
    page.goto(f"/k/{world.a.slug}/lagesbild/{report.pk}/")
    clean(page)
    page.get_by_label("Välj iakttagelse 1", exact=True).check()
    page.locator("#batch-decision").select_option("dropped")
    page.get_by_role("button", name="Registrera beslutet").click()
    page.get_by_text("Beslut registrerat för 1 iakttagelse.").wait_for()
    page.get_by_role("button", name="Godta alla").click()
    undecided = report.findings.count() - 1
    page.get_by_text(f"Beslut registrerat för {undecided} iakttagelser.").wait_for()
    assert set(report.findings.values_list("decision", flat=True)) == {"dropped", "accepted"}
    clean(page)
