"""A quick report from the start page on a phone in at most five taps (issue 14, item 2):
the list of what happened (two taps: open, choose), "Använd min position", "Skicka"."""

from __future__ import annotations

from typing import Any

from samtrygg.incidents.models import Incident

from ..areas.test_addresses import _wgs
from ..conftest import World
from .axe import serious_violations
from .conftest import PHONE
from .test_pages import log_in


def test_a_quick_report_in_at_most_five_taps(world: World, new_page: Any) -> None:
    category = world.category()
    lon, lat = _wgs(50, 0)
    page = new_page(
        PHONE, geolocation={"latitude": lat, "longitude": lon}, permissions=["geolocation"]
    )
    log_in(page, "bob@example.se")
    form = page.locator("[data-quick-report]")
    assert serious_violations(page) == []
    taps = 0
    form.get_by_label("Vad hände").select_option(label=str(category))
    taps += 2  # a phone's list: open it, choose
    form.get_by_role("button", name="Använd min position").click()
    taps += 1
    form.locator("[data-quick-status]").filter(has_text="Centrum").wait_for()
    form.get_by_role("button", name="Skicka").click()
    taps += 1
    page.get_by_text("Rapporterat:").wait_for()
    assert taps <= 5
    stored = Incident.objects.get(municipality=world.a)
    assert stored.category == category and stored.area == world.area
    assert page.evaluate("window.__cspViolations") == []
