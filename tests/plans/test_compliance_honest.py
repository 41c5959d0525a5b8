"""Compliance never overstates (issue 13): the three overstated cases replayed, dates that have
not come refused, duties to work for shown as work, and the kommun's routines apart from the law.
The pinned clock is 25 November 2026 (tests/clock.py); due dates are counted by hand."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from samtrygg.core import formatting
from samtrygg.plans import compliance, services
from samtrygg.plans.models import Agreement, ComplianceSettings, CouncilMeeting
from samtrygg.situation import services as reports

from ..conftest import World
from .test_plans import plan_with_a_measure

pytestmark = pytest.mark.usefixtures("swedish")


def by_paragraph(world: World) -> dict[str, compliance.Item]:
    return {i.paragraph: i for i in compliance.items(world.a, timezone.localdate())}


def test_a_lagesbild_without_parts_2_and_3_is_not_approved_and_4_is_not_done(
    world: World,
) -> None:
    """Approved with every finding dropped, no analysis and no other information: refused, and
    4 § reads "ej gjort" (the first lägesbild was due before the first plan, 1 juli 2024)."""
    access = world.access(world.dave)
    draft = reports.create_report(
        access, title="Lägesbild", first=date(2025, 1, 1), last=date(2025, 12, 31)
    )
    for finding in draft.findings.all():
        reports.decide_finding(access, finding, "dropped")
    with pytest.raises(ValidationError) as refused:
        reports.approve(access, draft, body="KS", on=timezone.localdate())
    assert refused.value.messages == [
        "Del 2 (annan relevant information) är tom: lägg till information, eller skriv där "
        "varför det inte finns någon.",
        "Del 3 (analysen) är tom: skriv analysen av del 1 och 2, eller varför ingen kunde göras.",
    ]
    draft.refresh_from_db()
    assert draft.status == "draft"
    item = by_paragraph(world)["4 §, 6 §"]
    assert item.status == "overdue"
    assert item.label == "Ej gjort – försenat, skulle ha gjorts senast 1 juli 2024"
    # A reason in the part's own text is enough: the part is no longer empty.
    reports.update_texts(
        access,
        draft,
        other_information="Ingen annan information fanns för perioden.",
        analysis_text="Underlaget räcker inte för en analys; se del 1.",
    )
    approved_on = timezone.localdate() - timedelta(days=30)  # due again in 23 months
    reports.approve(access, draft, body="KS", on=approved_on)
    item = by_paragraph(world)["4 §, 6 §"]
    assert item.status == "ok" and formatting.day(approved_on) in item.evidence


def test_an_old_approval_without_the_parts_does_not_count(world: World) -> None:
    """A lägesbild approved before the parts were required (written straight to the database,
    as an old version would be) does not fulfil 4 §."""
    from samtrygg.situation.models import SituationReport

    SituationReport.objects.create(
        municipality=world.a,
        title="Gammal",
        period_start=date(2024, 1, 1),
        period_end=date(2024, 12, 31),
        status="approved",
        approved_body="KS",
        approved_on=date(2025, 3, 10),
        next_update_due=date(2027, 3, 10),
    )
    assert by_paragraph(world)["4 §, 6 §"].status == "overdue"


def test_a_plan_cannot_be_decided_without_its_lagesbild(world: World) -> None:
    access = world.access(world.dave)
    plan = services.create_plan(
        access, title="Plan", period_start=date(2026, 1, 1), period_end=date(2027, 12, 31)
    )
    services.add_measure(
        access,
        plan,
        title="Belysning",
        goal="Tänd",
        unlinked_reason="Ordinarie arbete",
        indicator_kind="entered",
        deadline=date(2027, 6, 1),
        responsible=world.a_org,
    )
    with pytest.raises(ValidationError, match="utan den godkända lägesbild den vilar på"):
        services.decide_plan(access, plan, body="KS", on=date(2026, 11, 20))
    # A draft lägesbild is not enough either.
    plan.situation_report = reports.create_report(
        access, title="Utkast", first=date(2025, 1, 1), last=date(2025, 12, 31)
    )
    plan.save()
    with pytest.raises(ValidationError, match="utan den godkända lägesbild den vilar på"):
        services.decide_plan(access, plan, body="KS", on=date(2026, 11, 20))
    plan.refresh_from_db()
    assert plan.status == "draft"
    item = by_paragraph(world)["5 §"]
    assert item.status == "overdue" and item.label.startswith("Ej gjort")


def test_6_is_not_done_until_a_follow_up_is_approved(world: World) -> None:
    """Decided on 20 November 2026, never followed up: 6 § is "ej gjort – senast 20 november
    2028" (24 months by hand), not "uppfyllt"; an approved follow-up fulfils it until two years
    after its approval."""
    access = world.access(world.dave)
    plan = plan_with_a_measure(world, deadline=date(2027, 6, 30))
    services.decide_plan(access, plan, body="KS", on=date(2026, 11, 20))
    items = by_paragraph(world)
    assert items["5 §"].status == "ok"
    assert (items["6 §"].status, items["6 §"].label) == (
        "not_done",
        "Ej gjort – senast 20 november 2028",
    )
    services.follow_up_plan(access, plan, on=date(2026, 11, 24), summary="Följd upp")
    assert by_paragraph(world)["6 §"].status == "not_done"  # not approved: not a follow-up yet
    services.follow_up_plan(
        access,
        plan,
        on=date(2026, 11, 24),
        summary="Följd upp",
        body="KS",
        approved_on=date(2026, 11, 25),
    )
    item = by_paragraph(world)["6 §"]
    assert (item.status, item.due) == ("ok", date(2028, 11, 25))


def test_nothing_is_dated_in_the_future(world: World) -> None:
    """Tomorrow is refused for an approval, a decision, a follow-up and its approval."""
    access = world.access(world.dave)
    tomorrow = timezone.localdate() + timedelta(days=1)
    draft = reports.create_report(
        access, title="Lägesbild", first=date(2025, 1, 1), last=date(2025, 12, 31)
    )
    reports.update_texts(access, draft, other_information="Polisen.", analysis_text="Analys.")
    for finding in draft.findings.all():
        reports.decide_finding(access, finding, "dropped")
    with pytest.raises(ValidationError, match="kan inte ligga i framtiden"):
        reports.approve(access, draft, body="KS", on=date(2030, 1, 1))
    with pytest.raises(ValidationError, match="kan inte ligga i framtiden"):
        reports.approve(access, draft, body="KS", on=tomorrow)
    plan = plan_with_a_measure(world, deadline=date(2027, 6, 30))
    with pytest.raises(ValidationError, match="kan inte ligga i framtiden"):
        services.decide_plan(access, plan, body="KS", on=tomorrow)
    with pytest.raises(ValidationError, match="före det datum då lägesbilden"):
        services.decide_plan(access, plan, body="KS", on=date(2026, 1, 1))  # approved 15 Jan
    services.decide_plan(access, plan, body="KS", on=date(2026, 2, 1))
    measure = plan.measures.get()
    with pytest.raises(ValidationError, match="kan inte ligga i framtiden"):
        services.add_follow_up(access, measure, on=tomorrow, colour="green")
    with pytest.raises(ValidationError, match="före planens period"):
        services.add_follow_up(access, measure, on=date(2025, 12, 31), colour="green")
    with pytest.raises(ValidationError, match="kan inte ligga i framtiden"):
        services.follow_up_plan(access, plan, on=tomorrow, summary="S")
    with pytest.raises(ValidationError, match="kan inte ligga i framtiden"):
        services.follow_up_plan(
            access, plan, on=date(2026, 3, 1), summary="S", body="KS", approved_on=tomorrow
        )
    with pytest.raises(ValidationError, match="före planens beslut"):
        services.follow_up_plan(access, plan, on=date(2026, 1, 20), summary="S")
    assert not measure.follow_ups.exists() and not plan.plan_follow_ups.exists()


def test_duties_to_work_for_are_never_red_and_routines_stand_apart(
    world: World, client: Client
) -> None:
    """9 § and 10 § ask the kommun to work for agreements and a council: with nothing yet they
    are "inte påbörjat" (not "saknas"); the council's yearly meeting and the yearly report to
    kommunfullmäktige are the kommun's own routines, on the page under their own heading."""
    items = by_paragraph(world)
    assert (items["9 §"].status, items["9 §"].label) == ("not_started", "Inte påbörjat")
    assert (items["10 §"].status, items["10 §"].label) == ("not_started", "Inte påbörjat")
    today = timezone.localdate()
    agreement = Agreement(
        municipality=world.a,
        title="Överenskommelse",
        purposes="Tryggare centrum",
        period_start=today + timedelta(days=30),
        period_end=today + timedelta(days=760),
    )
    agreement.save()
    assert by_paragraph(world)["9 §"].status == "in_progress"  # not yet in force
    CouncilMeeting.objects.create(municipality=world.a, date=date(2026, 10, 1))
    assert by_paragraph(world)["10 §"].status == "in_progress"  # no leading member yet
    ComplianceSettings.objects.create(
        municipality=world.a, last_council_report=date(2025, 11, 1), contact_point="samordnare@"
    )
    routines = {i.requirement: i for i in compliance.routines(world.a, timezone.localdate())}
    assert [str(r) for r in routines] == [
        "Det strategiska rådet möts varje år",
        "Rapport till kommunfullmäktige varje år",
    ]
    report = routines["Rapport till kommunfullmäktige varje år"]
    assert report.status == "overdue" and report.due == date(2026, 11, 1)
    # The law's 13 § asks for reporting, with no interval: reported once is met.
    assert by_paragraph(world)["13 §"].status == "ok"
    assert by_paragraph(world)["12 § 2"].status == "ok"
    client.force_login(world.dave)
    page = client.get(f"/k/{world.a.slug}/compliance/").content.decode()
    law, own = page.split("Kommunens egna rutiner")
    assert "Inte påbörjat" not in own and "Arbete pågår" in law
    assert "Rapport till kommunfullmäktige varje år" in own
    assert "Saknas" not in page


def test_7_is_met_by_the_decided_plans_links(world: World) -> None:
    """7 §: the decided plan names the other steering documents it is linked to."""
    access = world.access(world.dave)
    plan = plan_with_a_measure(world, deadline=date(2027, 6, 30))
    services.save_plan_document(
        access, plan, {"links": "RSA | Risk- och sårbarhetsanalys 2025 | KS 2025/12"}
    )
    assert by_paragraph(world)["7 §"].status == "not_done"  # the plan is not decided yet
    services.decide_plan(access, plan, body="KS", on=date(2026, 11, 20))
    item = by_paragraph(world)["7 §"]
    assert (item.status, item.evidence) == ("ok", "Risk- och sårbarhetsanalys 2025")
