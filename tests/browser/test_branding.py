"""The kommun's branding in the browser: its name, logo and colour in the page header, under the
Content-Security-Policy (the colour from a stylesheet, no inline style), and the profile page
accessible."""

from __future__ import annotations

from typing import Any

from ..conftest import World
from ..tenancy.test_branding import png
from .test_pages import assert_clean, log_in


def test_the_header_shows_the_kommuns_name_logo_and_colour(world: World, new_page: Any) -> None:
    page = new_page()
    log_in(page, "alice@example.se")
    page.goto(f"/k/{world.a.slug}/settings/profile/")
    assert page.get_by_role("heading", level=1).inner_text() == "Profil och dokumentmall"
    page.get_by_label("Färg").fill("#1e6b34")
    page.get_by_label("Sidhuvudtext").fill("Alfa kommun · Trygghet")
    page.get_by_label("Sidfotstext").fill("Stadshuset, 301 80 Alfa")
    page.get_by_label("Logotyp (PNG)").set_input_files(
        {"name": "logo.png", "mimeType": "image/png", "buffer": png(300, 100)}
    )
    page.get_by_role("button", name="Spara").click()
    page.get_by_text("Ändringarna sparades.").wait_for()

    header = page.locator("header.site-header")
    assert "Alfa" in header.locator(".brand").inner_text()
    logo = header.locator("img.brand-logo")
    logo.wait_for()
    assert page.evaluate(
        "() => { const i = document.querySelector('img.brand-logo');"
        " return i.complete && i.naturalWidth === 300; }"
    )
    colour = page.evaluate("getComputedStyle(document.querySelector('.site-header')).background")
    assert "rgb(30, 107, 52)" in colour
    preview = page.locator("[data-brand-preview]")
    assert "Alfa kommun · Trygghet" in preview.inner_text()
    assert "Stadshuset, 301 80 Alfa" in page.locator("footer.site-footer").inner_text()
    assert_clean(page)

    page.goto(f"/k/{world.a.slug}/areas/")  # every page of the kommun
    assert page.locator("header.site-header img.brand-logo").count() == 1
    assert page.evaluate("window.__cspViolations") == []
