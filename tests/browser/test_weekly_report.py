"""Issue 14, item 1, on a phone (390×844): a reporter fills three incidents, two quiet areas and
an assessment, triggers a validation error, corrects it and sends — nothing is lost; browser
back + submit creates nothing new; a second report in the same week adds to the first; axe-core
finds nothing serious on the report page at either viewport."""

from __future__ import annotations

from typing import Any

from samtrygg.areas.services import import_areas
from samtrygg.incidents.categories import seed_categories
from samtrygg.incidents.models import (
    AreaAssessment,
    Incident,
    IncidentPhoto,
    PendingPhoto,
    WeeklyReport,
)

from .. import factories
from ..conftest import World, jpeg_with_gps
from .axe import serious_violations
from .conftest import DESKTOP, PHONE
from .test_pages import log_in

PNR = "811218-9876"  # a valid personal identity number: always refused


def areas(world: World) -> None:
    seed_categories(world.a)
    lon, lat = factories.HALMSTAD_LON, factories.HALMSTAD_LAT
    import_areas(
        world.a,
        factories.feature_collection(
            factories.feature("Norr", factories.square(lon, lat + 0.06, 0.02)),
            factories.feature("Söder", factories.square(lon, lat - 0.06, 0.02)),
        ),
        kind="district",
    )


def quiet_and_levels() -> tuple[list[str], list[tuple[str, str]]]:
    report = WeeklyReport.objects.get()
    quiet = sorted(report.quiet_areas.values_list("name", flat=True))
    levels = list(AreaAssessment.objects.values_list("area__name", "level"))
    return quiet, levels


def test_a_weekly_report_never_loses_work(world: World, new_page: Any) -> None:
    areas(world)
    slug = world.a.slug
    here = {"latitude": factories.HALMSTAD_LAT + 0.001, "longitude": factories.HALMSTAD_LON}
    page = new_page(PHONE, geolocation=here, permissions=["geolocation"])
    log_in(page, "bob@example.se")
    page.goto(f"/k/{slug}/report/")
    page.wait_for_selector(".pick-map[data-ready=true]")
    assert serious_violations(page) == []

    first = page.locator(".incident-form").nth(0)
    first.get_by_label("Vad hände").select_option(label="Brand / anlagd brand")
    first.get_by_role("button", name="Använd min position").click()
    first.get_by_label("Beskrivning (vad, inte vem)").fill("Brand i container vid skolan.")
    first.get_by_label("Foto av platsen (frivilligt)").set_input_files(
        {"name": "container.jpg", "mimeType": "image/jpeg", "buffer": jpeg_with_gps(640, 480)}
    )
    page.get_by_role("button", name="Lägg till en händelse").click()
    second = page.locator(".incident-form").nth(1)
    second.locator(".pick-map[data-ready=true]").wait_for()
    second.get_by_label("Vad hände").select_option(label="Skadegörelse")
    second.get_by_role("button", name="Använd min position").click()
    second.get_by_label("Beskrivning (vad, inte vem)").fill(f"Krossad ruta, anmälare {PNR}.")
    page.get_by_role("button", name="Lägg till en händelse").click()
    third = page.locator(".incident-form").nth(2)
    third.get_by_label("Vad hände").select_option(label="Klotter")
    third.get_by_label("Eller området (om du inte har en exakt plats)").select_option(
        label="Centrum"
    )
    third.get_by_label("Beskrivning (vad, inte vem)").fill("Klotter på busskuren.")
    page.get_by_label("Inget att rapportera i Norr").check()
    page.get_by_label("Inget att rapportera i Söder").check()
    page.get_by_label("Bedömning av Centrum").select_option(label="Röd: allvarlig oro")
    page.get_by_role("button", name="Skicka rapporten").click()

    # The error: a summary at the top, linked to the field; nothing stored, nothing lost.
    summary = page.get_by_role("alert").filter(has_text="Det finns fel i rapporten")
    summary.wait_for()
    link = summary.get_by_role("link").first
    assert "personnummer" in link.inner_text()
    target = link.get_attribute("href")
    assert target == "#id_incident-1-description"
    assert page.locator(target).count() == 1
    assert Incident.objects.count() == 0 and not WeeklyReport.objects.exists()
    assert page.locator(".incident-form").count() == 3
    forms = page.locator(".incident-form")
    assert forms.nth(0).get_by_label("Beskrivning (vad, inte vem)").input_value() == (
        "Brand i container vid skolan."
    )
    assert forms.nth(2).get_by_label("Beskrivning (vad, inte vem)").input_value() == (
        "Klotter på busskuren."
    )
    assert forms.nth(0).get_by_text("Sparad: container.jpg").is_visible()
    assert PendingPhoto.objects.count() == 1
    assert page.get_by_label("Inget att rapportera i Norr").is_checked()
    assert page.get_by_label("Inget att rapportera i Söder").is_checked()
    assert not page.get_by_label("Inget att rapportera i Centrum").is_checked()
    assert page.get_by_label("Bedömning av Centrum").input_value() == "red"
    assert serious_violations(page) == []  # the page with errors too

    link.click()
    fixed = forms.nth(1).get_by_label("Beskrivning (vad, inte vem)")
    fixed.fill("Krossad ruta i entrén.")
    page.get_by_role("button", name="Skicka rapporten").click()
    page.get_by_text("Tack! Rapporten för vecka").wait_for()
    assert Incident.objects.count() == 3 and IncidentPhoto.objects.count() == 1
    assert not PendingPhoto.objects.exists()
    assert quiet_and_levels() == (["Norr", "Söder"], [("Centrum", "red")])
    assert page.evaluate("window.__cspViolations") == []

    # Back + submit: the same submission key, so nothing new.
    page.go_back()
    assert page.locator(".incident-form").count() == 3  # the form as it was sent
    page.get_by_role("button", name="Skicka rapporten").click()
    page.get_by_text("Rapporten var redan skickad; inget nytt sparades.").wait_for()
    assert Incident.objects.count() == 3 and IncidentPhoto.objects.count() == 1
    assert WeeklyReport.objects.count() == 1

    # A second report in the same week adds to the first and shows what was sent.
    page.goto(f"/k/{slug}/report/")
    page.get_by_role("heading", name="Redan skickat den här veckan").wait_for()
    assert page.get_by_text("Redan skickat den här veckan: Röd: allvarlig oro").is_visible()
    north = page.get_by_label("Inget att rapportera i Norr")
    assert north.is_checked() and north.is_disabled()  # sent: it cannot be taken back here
    form = page.locator(".incident-form").nth(0)
    form.get_by_label("Vad hände").select_option(label="Nedskräpning")
    form.get_by_label("Eller området (om du inte har en exakt plats)").select_option(
        label="Centrum"
    )
    form.get_by_label("Beskrivning (vad, inte vem)").fill("Soppåsar vid återvinningen.")
    page.get_by_role("button", name="Skicka rapporten").click()
    page.get_by_text("Tack! Rapporten för vecka").wait_for()
    assert Incident.objects.count() == 4 and WeeklyReport.objects.count() == 1
    assert quiet_and_levels() == (["Norr", "Söder"], [("Centrum", "red")])

    # axe-core on the desktop too, with "already sent" shown.
    desktop = new_page(DESKTOP)
    log_in(desktop, "bob@example.se")
    desktop.goto(f"/k/{slug}/report/")
    desktop.wait_for_selector(".pick-map[data-ready=true]")
    assert serious_violations(desktop) == []
    assert desktop.evaluate("window.__cspViolations") == []


def test_same_as_last_week_fills_in_place(world: World, new_page: Any) -> None:
    """The script fills last week's quiet areas and assessments without reloading, so what was
    typed stays; the page stays axe-clean and within the CSP."""
    from datetime import timedelta

    from django.utils import timezone

    from samtrygg.incidents.weekly import Assessment, WeeklyReportInput, submit_weekly_report

    areas(world)
    year, week, _day = (timezone.localdate() - timedelta(days=7)).isocalendar()
    submit_weekly_report(
        world.access(world.alice),  # another reporter of the same organisation
        WeeklyReportInput(
            world.a_org,
            year,
            week,
            quiet_areas=[world.a.areas.get(name="Söder")],
            assessments=[Assessment(world.area, "yellow")],
        ),
    )
    page = new_page(PHONE)
    log_in(page, "bob@example.se")
    page.goto(f"/k/{world.a.slug}/report/")
    form = page.locator(".incident-form").nth(0)
    form.get_by_label("Beskrivning (vad, inte vem)").fill("Skrivet före klicket.")
    page.get_by_role("link", name="Samma som förra veckan").click()
    page.get_by_text("Förra veckans lugna områden och bedömningar är ifyllda.").wait_for()
    assert page.get_by_label("Inget att rapportera i Söder").is_checked()
    assert not page.get_by_label("Inget att rapportera i Norr").is_checked()
    assert page.get_by_label("Bedömning av Centrum").input_value() == "yellow"
    assert form.get_by_label("Beskrivning (vad, inte vem)").input_value() == "Skrivet före klicket."
    assert serious_violations(page) == []
    assert page.evaluate("window.__cspViolations") == []
