"""The pages the user guide shows, at both viewports: each loads clean (axe-core, CSP) and,
when SAMTRYGG_SCREENSHOTS names a folder, is saved there as a PNG for docs/screenshots/
(`SAMTRYGG_SCREENSHOTS=docs/screenshots pytest tests/browser/test_screenshots.py`)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from ..conftest import World
from .axe import serious_violations
from .conftest import DESKTOP, PHONE
from .test_pages import log_in


def _pages(world: World) -> dict[str, str]:
    slug = world.a.slug
    incident = world.incident()
    report = world.situation_report()
    return {
        "start": f"/k/{slug}/",
        "report": f"/k/{slug}/report/",
        "case": f"/k/{slug}/incidents/{incident.pk}/",
        "map": f"/k/{slug}/situation/",
        "lagesbild": f"/k/{slug}/lagesbild/{report.pk}/",
    }


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_the_guides_pages_load_clean(world: World, new_page: Any, viewport: dict[str, int]) -> None:
    target = os.environ.get("SAMTRYGG_SCREENSHOTS")
    page = new_page(viewport)
    log_in(page, "dave@example.se")  # the coordinator sees every one of them
    size = "desktop" if viewport == DESKTOP else "phone"
    for name, url in _pages(world).items():
        page.goto(url)
        if page.locator(".map").count():
            page.wait_for_selector(".map[data-ready=true]")
        assert serious_violations(page) == [], url
        assert page.evaluate("window.__cspViolations") == [], url
        if target:
            Path(target).mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(Path(target) / f"{name}-{size}.png"), full_page=False)
