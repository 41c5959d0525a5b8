"""Issue #6 in Chromium on the lägesbild: from a hot spot to a problem with two causes, a measure
with a computed indicator in a new plan, the decision, a follow-up and an evaluation; the plan's
status, the compliance page and the report to kommunfullmäktige follow. Every new page is
checked with axe."""

from __future__ import annotations

from typing import Any

import pypdfium2 as pdfium

from samtrygg.plans.models import ComplianceSettings
from samtrygg.tenancy.models import Membership
from samtrygg.tenancy.roles import Role

from .. import factories
from ..conftest import World
from .axe import serious_violations
from .conftest import DESKTOP
from .test_pages import log_in
from .test_situation import picture, wait_ready  # noqa: F401  (the fixture)


def clean(page: Any) -> None:
    assert serious_violations(page) == [], page.url
    assert page.evaluate("window.__cspViolations") == [], page.url


def status_of(page: Any, paragraph: str) -> str:
    row = page.locator("tr", has=page.locator("td", has_text=paragraph)).first
    return row.locator(".compliance-status").inner_text()


def test_from_hot_spot_to_plan_follow_up_and_report(picture: World, new_page: Any) -> None:  # noqa: F811
    slug = picture.a.slug
    # The lägesbild the plan will rest on (5 §), approved on 15 January 2026.
    factories.approved_lagesbild(picture.access(picture.dave))
    page = new_page(DESKTOP)
    log_in(page, "dave@example.se")
    page.goto(f"/k/{slug}/compliance/")
    clean(page)
    assert status_of(page, "5 §").startswith("Ej gjort")

    page.goto(f"/k/{slug}/situation/?period=quarter&layers=hotspots")
    wait_ready(page)
    hot = page.locator("path.hotspot-hot").first
    hot.wait_for()
    hot.dispatch_event("click")
    page.get_by_role("link", name="Skapa ett problem från den här heta punkten").click()
    page.wait_for_url("**/problems/?*")
    assert "Område 3" in page.get_by_label("Titel").input_value()
    assert (
        "/situation/"
        in page.get_by_label(
            "Underlag (länk till iakttagelsen eller den filtrerade kartan)"
        ).input_value()
    )
    clean(page)
    page.get_by_role("button", name="Skapa problemet").click()
    page.wait_for_url("**/problems/*/")
    for group, text in (
        ("Plats", "Mörk passage vid parkeringen"),
        ("Gärningsperson", "Grupp som samlas kvällstid"),
    ):
        # Scoped to the add form: each cause has its own edit form with the same labels.
        add = page.locator("form", has=page.get_by_role("button", name="Lägg till orsaken"))
        add.get_by_label("Grupp").select_option(label=group)
        add.get_by_label("Orsak:", exact=True).fill(text)
        add.get_by_role("button", name="Lägg till orsaken").click()
        page.locator("section[aria-labelledby=causes] > ul").get_by_text(text).wait_for()
    clean(page)

    page.goto(f"/k/{slug}/plans/")
    clean(page)
    page.get_by_label("Titel").fill("Åtgärdsplan 2026–2027")
    page.get_by_label("Lägesbilden den bygger på").select_option(label="Lägesbild 2025 v1")
    page.get_by_role("button", name="Skapa planen").click()
    page.wait_for_url("**/plans/*/")
    form = page.locator("form", has=page.get_by_role("button", name="Lägg till åtgärden"))
    form.get_by_label("Problem:", exact=True).select_option(index=1)
    form.get_by_label("Orsak:", exact=True).select_option(label="Mörk passage vid parkeringen")
    form.get_by_label("Åtgärd:", exact=True).fill("Belysning vid parkeringen")
    form.get_by_label("Operativt mål (specifikt, mätbart, tidsbestämt)").fill(
        "Halvera skadegörelsen inom ett år"
    )
    form.get_by_label("Indikator:", exact=True).select_option(value="computed")
    form.get_by_label("Indikator: kategorier").select_option(label="Skadegörelse")
    form.get_by_label("Indikator: områden").select_option(label="Område 3")
    form.get_by_label("Ansvarig organisation").select_option(label="Alfa kommun")
    form.get_by_role("button", name="Lägg till åtgärden").click()
    page.get_by_text("Åtgärden lades till.").wait_for()
    assert "1 av 1 åtgärd är kopplad" in page.content()
    assert "Utgångsläge 40" in page.locator("table").first.inner_text()
    clean(page)
    page.get_by_role("button", name="Registrera beslutet").click()
    page.get_by_text("Beslutet registrerades.").wait_for()
    assert page.locator(".plan-status").inner_text() == "Beslutad"
    follow = page.locator("form", has=page.get_by_role("button", name="Spara uppföljningen"))
    follow.get_by_label("Status").select_option(label="Gul: risk för avvikelse")
    follow.get_by_label("Anteckning").fill("Armaturer beställda")
    follow.get_by_role("button", name="Spara uppföljningen").click()
    page.get_by_text("Uppföljningen sparades.").wait_for()
    assert page.locator(".assessment-yellow").count() >= 1

    page.get_by_role("link", name="Utvärdera").first.click()
    page.get_by_label("Titel").fill("Belysning vid parkeringen")
    page.get_by_label("Kategorier").select_option(label=["Skadegörelse", "Klotter"])
    from datetime import timedelta

    from django.utils import timezone

    today = timezone.localdate()
    for label, days in (
        ("Före: från", 120),
        ("Före: till", 61),
        ("Efter: från", 60),
        ("Efter: till", 1),
    ):
        page.get_by_label(label).fill((today - timedelta(days=days)).isoformat())
    page.get_by_label("Åtgärdsområde:", exact=True).select_option(label="Område 3")
    page.get_by_label("Jämförelseområde:", exact=True).select_option(label="Centrum")
    clean(page)
    page.get_by_role("button", name="Gör utvärderingen").click()
    page.wait_for_url("**/evaluations/*/")
    assert "Resultatet visar samvariation" in page.content() or "för litet" in page.content()
    clean(page)

    page.goto(f"/k/{slug}/compliance/")
    assert status_of(page, "5 §") == "Uppfyllt"
    # The report to kommunfullmäktige: started as this year's ärende from the compliance page.
    page.get_by_role("link", name="Rapporter till kommunfullmäktige (13 §)").click()
    page.get_by_role("button", name="Påbörja rapporten").click()
    page.wait_for_url("**/council-reports/*/")
    clean(page)
    pdf_link = page.get_by_role("link", name="PDF").first.get_attribute("href")
    report = page.request.get(pdf_link).body()
    text = " ".join(
        " ".join(p.get_textpage().get_text_range().split()) for p in pdfium.PdfDocument(report)
    )
    assert "Belysning vid parkeringen" in text
    assert "(beslutad)" in text and "Risk för avvikelse (gul)" in text


def test_every_new_page_is_accessible(picture: World, new_page: Any) -> None:  # noqa: F811
    slug = picture.a.slug
    ComplianceSettings.objects.create(municipality=picture.a, public_page=True)
    Membership.objects.create(user=picture.dave, organisation=picture.b_org, role=Role.ANALYST)
    meeting = picture.plan_object("meeting")
    evaluation = picture.plan_object("evaluation")
    from ..test_outsider import period_analysis

    analysis = period_analysis(picture, status="draft")
    activity = picture.plan_object("activity")
    activity.follow_ups.create(date=activity.promise.period_start, status="ongoing", note="Pågår.")
    page = new_page(DESKTOP)
    log_in(page, "dave@example.se")
    for url in (
        f"/k/{slug}/problems/",
        f"/k/{slug}/plans/",
        f"/k/{slug}/evaluations/",
        f"/k/{slug}/evaluations/{evaluation.pk}/",
        f"/k/{slug}/agreements/",
        f"/k/{slug}/council/",
        f"/k/{slug}/promises/",
        f"/k/{slug}/promises/{activity.promise_id}/",
        f"/k/{slug}/promises/activities/{activity.pk}/",
        f"/k/{slug}/meetings/",
        f"/k/{slug}/meetings/{meeting.pk}/",
        f"/k/{slug}/compliance/",
        f"/k/{slug}/lagesbild/",
        f"/k/{slug}/lagesbild/week/",
        f"/k/{slug}/lagesbild/tables/",
        f"/k/{slug}/lagesbild/analyses/",
        f"/k/{slug}/lagesbild/analyses/{analysis.pk}/",
        f"/k/{slug}/weeks/",
        "/region/",
        f"/public/{slug}/",
    ):
        page.goto(url)
        clean(page)
