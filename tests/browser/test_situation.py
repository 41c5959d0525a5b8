"""Issue #5 in Chromium: a coordinator filters the situation map, switches layers, opens a hot
spot and shares the URL; a colleague sees the same view; a viewer sees no single incidents
anywhere; the map and dashboard are clean for axe."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import numpy as np
import pytest
from django.utils import timezone

from samtrygg.areas.services import import_areas
from samtrygg.incidents.categories import seed_categories
from samtrygg.incidents.models import Category
from samtrygg.incidents.services import IncidentInput, create_incident
from samtrygg.tenancy.roles import Role

from .. import factories
from ..conftest import World
from .axe import serious_violations
from .conftest import DESKTOP, PHONE
from .test_pages import log_in

EAST_LON, EAST_LAT = factories.HALMSTAD_LON + 0.05, factories.HALMSTAD_LAT


@pytest.fixture
def picture(world: World) -> World:
    """Område 3 east of Centrum with a cluster of vandalism last quarter, and other reports."""
    seed_categories(world.a)
    import_areas(
        world.a,
        factories.feature_collection(
            factories.feature(
                "Område 3", factories.square(EAST_LON, EAST_LAT, 0.02), population=3000
            )
        ),
        kind="district",
    )
    rng = np.random.default_rng(3)
    access = world.access(world.bob)
    vandalism = Category.objects.get(municipality=world.a, code="skadegorelse")
    graffiti = Category.objects.get(municipality=world.a, code="klotter")
    now = timezone.now()
    for i in range(40):
        create_incident(
            access,
            IncidentInput(
                category=vandalism,
                reporting_organisation=world.a_org,
                occurred_at=now - timedelta(days=int(rng.integers(1, 80)), hours=i % 7),
                lat=EAST_LAT + rng.normal(0, 0.0008),
                lon=EAST_LON + rng.normal(0, 0.0012),
                description="Krossad ruta.",
            ),
        )
    for _ in range(25):
        create_incident(
            access,
            IncidentInput(
                category=graffiti,
                reporting_organisation=world.a_org,
                occurred_at=now - timedelta(days=int(rng.integers(1, 200))),
                lat=factories.HALMSTAD_LAT + rng.normal(0, 0.01),
                lon=factories.HALMSTAD_LON + rng.normal(0, 0.015),
                description="Klotter.",
            ),
        )
    return world


def wait_until(page: Any, expression: str, timeout: float = 15.0) -> None:
    """Poll an expression (wait_for_function evaluates strings, which the CSP forbids)."""
    import time

    deadline = time.monotonic() + timeout
    while not page.evaluate(expression):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {expression}")
        page.wait_for_timeout(100)


def wait_ready(page: Any) -> None:
    wait_until(
        page, "['true', 'error'].includes(document.querySelector('#situation-map').dataset.ready)"
    )
    state = page.evaluate("document.querySelector('#situation-map').dataset.ready")
    assert state == "true", (
        page.url,
        page.locator("#situation-map").inner_text(),
        page.console_errors,
    )


def test_filter_switch_layers_open_a_hot_spot_and_share(picture: World, new_page: Any) -> None:
    page = new_page(DESKTOP)
    log_in(page, "dave@example.se")
    page.get_by_role("navigation").get_by_role("link", name="Lägesbild på karta").click()
    wait_ready(page)
    page.get_by_label("Period", exact=True).select_option(label="Senaste kvartalet (13 veckor)")
    page.get_by_text("Kategorier, områden, organisationer, status, källa").click()
    page.get_by_label("Skadegörelse").check()
    page.get_by_label("Område 3").check()
    page.get_by_role("button", name="Visa").click()
    wait_ready(page)
    assert "40 händelser" in page.locator(".lead").inner_text()
    # layers: the hot spots are on by default; add the density and the single incidents
    page.get_by_label("Täthet (värmekarta)").check()
    page.get_by_label("Enskilda händelser (klustrade)").check()
    page.get_by_label("Områden efter antal").uncheck()
    wait_until(
        page, "document.querySelector('#situation-map').dataset.layers === 'points,heat,hotspots'"
    )
    page.locator(".leaflet-marker-icon, .leaflet-overlay-pane path").first.wait_for()
    hot = page.locator("path.hotspot-hot").first
    hot.wait_for()
    hot.dispatch_event("click")  # the density and clusters may lie on top of it
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for()
    assert "Het punkt" in popup.inner_text() and "Område 3" in popup.inner_text()
    zoom = "document.querySelector('#situation-map')._samtryggMap.getZoom()"
    before = page.evaluate(zoom)
    page.locator("#situation-map").press("+")  # zoom with the keyboard: part of the state
    wait_until(page, f"Number(new URLSearchParams(location.search).get('z')) > {before}")
    shared = page.url
    assert "layers=points%2Cheat%2Chotspots" in shared or "layers=points,heat,hotspots" in shared

    colleague = new_page(DESKTOP)
    log_in(colleague, "alice@example.se")
    colleague.goto(shared)
    wait_ready(colleague)
    assert colleague.get_by_label("Skadegörelse").is_checked()
    assert colleague.get_by_label("Område 3").is_checked()
    assert colleague.get_by_label("Period", exact=True).input_value() == "quarter"
    assert colleague.get_by_label("Täthet (värmekarta)").is_checked()
    assert not colleague.get_by_label("Områden efter antal").is_checked()
    centre = "document.querySelector('#situation-map')._samtryggMap.getCenter().lat.toFixed(4)"
    assert abs(colleague.evaluate(zoom) - page.evaluate(zoom)) < 0.01
    assert colleague.evaluate(centre) == page.evaluate(centre)
    assert colleague.locator("path.hotspot-hot").count() == page.locator("path.hotspot-hot").count()
    assert "40 händelser" in colleague.locator(".lead").inner_text()


def test_viewer_sees_no_single_incidents(picture: World, new_page: Any) -> None:
    factories.member(picture.a_org, Role.VIEWER, "politiker@example.se")
    page = new_page(DESKTOP)
    log_in(page, "politiker@example.se")
    page.goto(f"/k/{picture.a.slug}/situation/?layers=points,heat,grid,hotspots,areas")
    wait_ready(page)
    assert page.get_by_label("Enskilda händelser (klustrade)").count() == 0
    assert page.locator(".leaflet-marker-icon, .marker-cluster").count() == 0
    assert page.locator("a[href*='/incidents/']").count() == 0
    for url in (
        f"/k/{picture.a.slug}/situation/points.json",
        f"/k/{picture.a.slug}/situation/points.csv",
    ):
        body = page.request.get(url).text()
        assert "Krossad" not in body and '"coordinates"' not in body
    for url in (f"/k/{picture.a.slug}/incidents/", f"/api/v1/k/{picture.a.slug}/incidents"):
        assert page.request.get(url).status == 403
    page.goto(f"/k/{picture.a.slug}/dashboard/")
    assert page.locator("a[href*='/incidents/']").count() == 0


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_map_and_dashboard_are_accessible(
    picture: World, new_page: Any, viewport: dict[str, int]
) -> None:
    page = new_page(viewport)
    log_in(page, "dave@example.se")
    page.goto(f"/k/{picture.a.slug}/situation/?layers=points,heat,grid,hotspots,areas,assessments")
    wait_ready(page)
    assert serious_violations(page) == []
    assert page.evaluate("window.__cspViolations") == []
    page.goto(f"/k/{picture.a.slug}/dashboard/?period=quarter")
    page.locator("#trend-chart").wait_for()
    assert serious_violations(page) == []
    assert page.evaluate("window.__cspViolations") == []
    assert [e for e in page.console_errors if "favicon" not in e] == []
