"""Issue 13, item 8 in Chromium: a measure of a draft plan is edited, a cause is removed, a
meeting task is marked done, and the change history shows on the pages (who, when, old → new).
Every changed page is checked with axe."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.utils import timezone, translation

from samtrygg.core import formatting
from samtrygg.plans import council, meetings, services

from .. import factories
from ..audit.test_every_action import _post
from ..conftest import World
from .conftest import DESKTOP
from .test_pages import log_in
from .test_plans_chain import clean


def today_sv() -> str:
    """The pinned clock's day as the pages write it ("25 november 2026")."""
    with translation.override("sv"):
        return formatting.day(timezone.localdate())


def test_edit_a_measure_remove_a_cause_and_see_the_history(world: World, new_page: Any) -> None:
    access = world.access(world.dave)
    slug = world.a.slug
    problem = services.create_problem(access, title="Bränder i centrum")
    kept = services.add_cause(access, problem, group="place", text="Mörk gångtunnel")
    services.add_cause(access, problem, group="offender", text="Grupp som samlas kvällstid")
    plan = services.create_plan(
        access,
        title="Plan 2027",
        period_start=date(2026, 1, 1),
        period_end=date(2027, 12, 31),
        situation_report=factories.approved_lagesbild(access),
    )
    services.add_measure(
        access,
        plan,
        problem=problem,
        cause=kept,
        title="Belysning i tunneln",
        goal="Tänd före 1 mars",
        indicator_kind="entered",
        deadline=date(2027, 3, 1),
        responsible=world.a_org,
    )
    meeting = meetings.create_meeting(
        access, kind="weekly", date=date(2026, 11, 23), participants=[world.a_org]
    )
    meetings.add_task(
        access, meeting, text="Byt lampor", organisation=world.a_org, due=date(2026, 12, 1)
    )
    page = new_page(DESKTOP)
    log_in(page, "dave@example.se")

    page.goto(f"/k/{slug}/plans/{plan.pk}/")
    edit = page.locator("details", has_text="Ändra eller ta bort åtgärden")
    edit.locator("summary").click()
    edit.get_by_label("Åtgärd:", exact=True).fill("Nya armaturer i tunneln")
    clean(page)
    edit.get_by_role("button", name="Spara ändringen").click()
    page.get_by_text("Åtgärden ändrades.").wait_for()
    assert "Nya armaturer i tunneln" in page.locator("table").first.inner_text()
    history = page.locator("#history + ol").inner_text()
    assert "Åtgärden ändrad" in history
    assert "Belysning i tunneln → Nya armaturer i tunneln" in history
    assert f"dave@example.se, {today_sv()}" in history
    clean(page)

    page.goto(f"/k/{slug}/problems/{problem.pk}/")
    cause = page.locator("details", has_text="Grupp som samlas kvällstid")
    cause.locator("summary").click()
    clean(page)
    cause.get_by_role("button", name="Ta bort orsaken").click()
    page.get_by_text("Orsaken togs bort.").wait_for()
    causes = page.locator("section[aria-labelledby=causes] > ul").inner_text()
    assert "Grupp som samlas kvällstid" not in causes and "Mörk gångtunnel" in causes
    history = page.locator("#history + ol").inner_text()
    assert history.index("Orsaken borttagen") < history.index("Orsak tillagd")
    assert f"Borttagen: – → {today_sv()}" in history
    clean(page)

    page.goto(f"/k/{slug}/meetings/{meeting.pk}/")
    page.get_by_role("button", name="Markera klar").click()
    page.get_by_text(f"Klar {today_sv()}").wait_for()
    clean(page)


def test_an_agreement_is_changed_and_a_council_member_removed(world: World, new_page: Any) -> None:
    access = world.access(world.dave)
    slug = world.a.slug
    services.create_agreement(
        access,
        title="Samverkan centrum",
        parties=[world.a_org, world.a_other_org],
        purposes="Tryggare centrum",
        areas=[world.area],
        period_start=date(2026, 1, 1),
        period_end=date(2027, 12, 31),
    )
    council.save_council_post(
        access, _post(action="member", role="Kommundirektör", organisation=world.a_org.pk)
    )
    page = new_page(DESKTOP)
    log_in(page, "dave@example.se")
    page.goto(f"/k/{slug}/agreements/")
    edit = page.locator("details", has_text="Ändra eller ta bort överenskommelsen")
    edit.locator("summary").click()
    clean(page)
    edit.get_by_label("Syften (krävs, 9 §)").fill("Tryggare centrum och torg")
    edit.get_by_role("button", name="Spara ändringen").click()
    page.get_by_text("Överenskommelsen ändrades.").wait_for()
    assert "Tryggare centrum och torg" in page.locator("main ul").first.inner_text()
    clean(page)

    page.goto(f"/k/{slug}/council/")
    member = page.locator("details", has_text="Ändra eller ta bort ledamoten")
    member.locator("summary").click()
    clean(page)
    member.get_by_role("button", name="Ta bort ledamoten").click()
    page.wait_for_url(f"**/k/{slug}/council/")
    assert "Kommundirektör" not in page.locator("main ul").first.inner_text()
    clean(page)
