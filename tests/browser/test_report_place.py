"""A tap or "Använd min position" on the report map names the area and the nearest address of
the kommun's imported address register (issue 14, item 4), and fills the area list."""

from __future__ import annotations

from typing import Any

from samtrygg.areas import addresses

from ..areas.test_addresses import _osm, _wgs
from ..conftest import World
from .axe import serious_violations
from .conftest import PHONE
from .test_pages import log_in


def test_my_position_names_the_area_and_the_nearest_address(world: World, new_page: Any) -> None:
    addresses.import_addresses(world.a, addresses.read_osm(_osm()))
    lon, lat = _wgs(70, 0)  # 30 m from Storgatan 3B
    page = new_page(
        PHONE, geolocation={"latitude": lat, "longitude": lon}, permissions=["geolocation"]
    )
    log_in(page, "bob@example.se")
    page.goto(f"/k/{world.a.slug}/report/")
    first = page.locator("#incident-1")
    first.locator(".pick-map[data-ready=true]").wait_for()
    first.get_by_role("button", name="Använd min position").click()
    status = first.locator("[data-place-status]")
    status.filter(has_text="Storgatan").wait_for()
    assert status.inner_text() == "Centrum · nära Storgatan 3B (30 m)"
    assert first.locator("select[name$='-area']").input_value() == str(world.area.pk)
    assert serious_violations(page) == []
    assert page.evaluate("window.__cspViolations") == []
