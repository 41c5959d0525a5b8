"""Issue #3's flow on a phone: a reporter files a weekly report with three incidents and one
quiet area; the coordinator sees them, merges a duplicate and routes one to the street unit; a
handler resolves it; the reporter sees the outcome."""

from __future__ import annotations

from typing import Any

from samtrygg.areas.services import import_areas
from samtrygg.incidents.categories import seed_categories
from samtrygg.incidents.models import Incident, Status
from samtrygg.tenancy.models import Organisation
from samtrygg.tenancy.roles import Role

from .. import factories
from ..conftest import World
from .axe import serious_violations
from .conftest import PHONE
from .test_pages import log_in


def test_weekly_report_to_resolved_case(world: World, new_page: Any) -> None:
    seed_categories(world.a)
    import_areas(
        world.a,
        factories.feature_collection(
            factories.feature(
                "Norr",
                factories.square(factories.HALMSTAD_LON, factories.HALMSTAD_LAT + 0.06, 0.02),
            )
        ),
        kind="district",
    )
    street = Organisation.objects.create(
        municipality=world.a, name="Gatuenheten", kind="kommunal_forvaltning"
    )
    factories.member(street, Role.HANDLER, "gata@example.se")
    slug = world.a.slug

    # The reporter, on a phone.
    here = {"latitude": factories.HALMSTAD_LAT + 0.001, "longitude": factories.HALMSTAD_LON}
    reporter = new_page(PHONE, geolocation=here, permissions=["geolocation"])
    log_in(reporter, "bob@example.se")
    reporter.goto(f"/k/{slug}/report/")
    reporter.wait_for_selector(".pick-map[data-ready=true]")
    assert serious_violations(reporter) == []
    first = reporter.locator(".incident-form").nth(0)
    first.get_by_label("Vad hände").select_option(label="Brand / anlagd brand")
    first.get_by_role("button", name="Använd min position").click()
    first.get_by_label("Beskrivning (vad, inte vem)").fill("Brand i container vid skolan.")
    reporter.get_by_role("button", name="Lägg till en händelse").click()
    second = reporter.locator(".incident-form").nth(1)
    second.locator(".pick-map[data-ready=true]").wait_for()
    second.get_by_label("Vad hände").select_option(label="Brand / anlagd brand")
    second.get_by_role("button", name="Använd min position").click()
    second.get_by_label("Beskrivning (vad, inte vem)").fill("Containerbrand, samma kväll.")
    reporter.get_by_role("button", name="Lägg till en händelse").click()
    third = reporter.locator(".incident-form").nth(2)
    third.get_by_label("Vad hände").select_option(label="Klotter")
    third.get_by_label("Eller området (om du inte har en exakt plats)").select_option(
        label="Centrum"
    )
    third.get_by_label("Beskrivning (vad, inte vem)").fill("Klotter på busskuren.")
    reporter.get_by_label("Inget att rapportera i Norr").check()
    reporter.get_by_label("Bedömning av Centrum").select_option(label="Gul: viss oro")
    reporter.get_by_role("button", name="Skicka rapporten").click()
    reporter.get_by_text("Tack! Rapporten för vecka").wait_for()
    assert reporter.get_by_role("table", name="Ärenden").locator("tbody tr").count() == 3
    klotter = Incident.objects.get(category__code="klotter")
    assert klotter.area == world.area and klotter.x is None  # the area, no invented point
    assert Incident.objects.get(reference__endswith="000001").area == world.area
    assert reporter.evaluate("window.__cspViolations") == []
    fire, duplicate = Incident.objects.filter(category__code="brand").order_by("id")

    # The coordinator merges the duplicate and routes the fire to the street unit.
    coordinator = new_page(PHONE)
    log_in(coordinator, "dave@example.se")
    coordinator.goto(f"/k/{slug}/incidents/")
    coordinator.get_by_role("link", name=fire.reference).click()
    assert serious_violations(coordinator) == []
    coordinator.get_by_label(duplicate.reference, exact=False).check()
    coordinator.get_by_role("button", name="Slå ihop med det här ärendet").click()
    coordinator.get_by_text("1 rapporter slogs ihop").wait_for()
    coordinator.get_by_label("Hanteras av").select_option(label="Gatuenheten")
    coordinator.get_by_role("button", name="Tilldela", exact=True).click()
    coordinator.get_by_text("Ärendet tilldelades.").wait_for()

    # The street unit's handler resolves it.
    handler = new_page(PHONE)
    log_in(handler, "gata@example.se")
    handler.goto(f"/k/{slug}/incidents/?queue=handling")
    handler.get_by_role("link", name=fire.reference).click()
    handler.get_by_label("Kommentar (delas)").fill("Containern bortforslad, platsen städad.")
    handler.get_by_role("button", name="Åtgärdad").click()
    handler.get_by_text("Statusen ändrades.").wait_for()

    # The reporter sees the outcome.
    reporter.goto(f"/k/{slug}/incidents/{fire.pk}/")
    assert "Åtgärdad" in reporter.locator(".status").first.inner_text()
    assert reporter.get_by_text("Containern bortforslad, platsen städad.").is_visible()
    assert Incident.objects.get(pk=duplicate.pk).status == Status.DUPLICATE
    assert Incident.objects.get(pk=fire.pk).status == Status.RESOLVED
