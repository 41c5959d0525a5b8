"""From problem to plan to follow-up and evaluation; agreements; compliance on the right day;
the public page; the regional overview; documents."""

from __future__ import annotations

import io
import re
from datetime import date, datetime, timedelta
from io import StringIO
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pypdfium2 as pdfium
import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from samtrygg.analysis.evaluation import Counts, evaluate, summarise
from samtrygg.areas.models import Area
from samtrygg.areas.services import import_areas
from samtrygg.audit.models import AuditAction, AuditEvent
from samtrygg.demo.incidents import generate
from samtrygg.incidents.categories import seed_categories
from samtrygg.incidents.models import Category
from samtrygg.plans import compliance, indicators, services
from samtrygg.plans.models import ComplianceSettings, CouncilMeeting, CouncilMember, Measure
from samtrygg.situation.models import SituationReport
from samtrygg.tenancy.roles import Role

from .. import factories
from ..conftest import World

pytestmark = pytest.mark.usefixtures("swedish")
STOCKHOLM = ZoneInfo("Europe/Stockholm")


def plan_with_a_measure(world: World, deadline: date) -> Any:
    """A draft plan of municipality A with one measure not linked to a problem."""
    access = world.access(world.dave)
    plan = services.create_plan(
        access,
        title="Plan",
        period_start=date(2026, 1, 1),
        period_end=date(2027, 12, 31),
        situation_report=factories.approved_lagesbild(access),
    )
    services.add_measure(
        access,
        plan,
        title="Belysning",
        goal="Tänd",
        unlinked_reason="Ordinarie arbete",
        indicator_kind="entered",
        deadline=deadline,
        responsible=world.a_org,
    )
    return plan


@pytest.fixture
def data(world: World) -> World:
    """Municipality A with two areas and a year of generated incidents."""
    seed_categories(world.a)
    import_areas(
        world.a,
        factories.feature_collection(
            factories.feature(
                "Öster",
                factories.square(factories.HALMSTAD_LON + 0.05, factories.HALMSTAD_LAT, 0.02),
                population=4000,
            )
        ),
        kind="district",
    )
    generate(world.a, 1500, days=400)
    return world


def test_problem_causes_plan_measure_follow_up(data: World) -> None:
    access = data.access(data.dave)
    klotter = Category.objects.get(municipality=data.a, code="klotter")
    problem = services.create_problem(
        access, title="Klotter i centrum", areas=[data.area], categories=[klotter]
    )
    place = services.add_cause(access, problem, group="place", text="Mörk gångtunnel")
    services.add_cause(access, problem, group="offender", text="Grupp som samlas kvällstid")
    plan = services.create_plan(
        access,
        title="Plan 2026–2027",
        period_start=date(2026, 1, 1),
        period_end=date(2027, 12, 31),
        situation_report=factories.approved_lagesbild(access),
    )
    today = timezone.localdate()
    with pytest.raises(ValidationError) as refused:
        services.add_measure(
            access,
            plan,
            title="Belysning",
            goal="Färre klotter",
            indicator_kind="entered",
            deadline=today,
            responsible=data.a_org,
        )
    assert "Koppla åtgärden" in str(refused.value)
    measure = services.add_measure(
        access,
        plan,
        problem=problem,
        cause=place,
        title="Belysning i tunneln",
        goal="30 % färre klotter",
        indicator_kind="computed",
        indicator_categories=[klotter],
        indicator_areas=[data.area],
        baseline_start=today - timedelta(days=365),
        baseline_end=today - timedelta(days=1),
        target_value=10,
        deadline=today + timedelta(days=180),
        responsible=data.a_org,
    )
    expected = indicators.count(
        data.a, [klotter.pk], [data.area.pk], today - timedelta(days=365), today - timedelta(days=1)
    )
    assert measure.baseline_value == expected > 0
    with pytest.raises(ValidationError):
        services.follow_up_plan(access, plan, on=today, summary="Tidigt")
    services.decide_plan(access, plan, body="Kommunstyrelsen", on=today, diarienummer="KS 2026/9")
    entry = services.add_follow_up(
        access, measure, on=today, colour="yellow", note="Lampor beställda"
    )
    assert entry.indicator_value is not None
    measure.refresh_from_db()
    assert measure.colour == "yellow"
    services.follow_up_plan(
        access, plan, on=today, summary="Halvtid", body="Kommunstyrelsen", approved_on=today
    )
    plan.refresh_from_db()
    assert plan.status == "followed_up"


def test_evaluation_equals_the_library_and_is_a_snapshot(data: World) -> None:
    access = data.access(data.dave)
    categories = list(
        Category.objects.filter(municipality=data.a, code__in=["klotter", "skadegorelse"])
    )
    east = Area.objects.get(municipality=data.a, name="Öster")
    today = timezone.localdate()
    before = (today - timedelta(days=360), today - timedelta(days=181))
    after = (today - timedelta(days=180), today - timedelta(days=1))
    evaluation = services.run_evaluation(
        access,
        title="Belysning",
        measure=None,
        categories=categories,
        treated=data.area,
        control=east,
        buffer_m=300,
        before=before,
        after=after,
    )
    counts = indicators.evaluation_counts(
        data.a, [c.pk for c in categories], data.area, east, 300, before, after
    )
    expected = evaluate(
        Counts(**counts["treated"]), Counts(**counts["control"]), Counts(**counts["buffer"])
    )
    assert evaluation.results["wdd"]["wdd"] == pytest.approx(expected.wdd.wdd)
    assert evaluation.results["wdq"]["success_measure"] == pytest.approx(
        expected.wdq.success_measure
    )
    assert evaluation.conclusion == summarise(expected, "sv")
    saved = AuditEvent.objects.get(action=AuditAction.EVALUATION_SAVED)
    assert saved.object_id == str(evaluation.pk) and saved.actor == data.dave
    assert saved.changes["treated"] == [None, data.area.name]
    series = evaluation.inputs["series"]
    assert sum(c for _m, c in series["treated"]) >= counts["treated"]["before"]
    if evaluation.results["did"] is not None:
        from samtrygg.analysis.evaluation import difference_in_differences

        rows = [
            (c, int(n == "treated"), int(m >= after[0].isoformat()[:7]), n, m)
            for n, months in series.items()
            for m, c in months
        ]
        again = difference_in_differences(*zip(*rows, strict=True))
        assert evaluation.results["did"]["rate_ratio"] == pytest.approx(again.rate_ratio)
    # The page: the title in the tab, the chart after the site header, the monthly table filled
    # with the saved series (month by month, treated and comparison area).
    client = Client()
    client.force_login(data.dave)
    page = client.get(f"/k/{data.a.slug}/evaluations/{evaluation.pk}/").content.decode()
    assert re.search(r"<title>\s*Belysning", page), page[:500]
    assert page.index('id="series-chart"') > page.index("</header>")
    table = page.split('id="series-chart"')[1].split("</table>")[0]
    month, count = series["treated"][0]
    control = dict(series["control"]).get(month)
    assert re.search(rf"<th scope=\"row\">{month}</th><td>{count}</td><td>{control}</td>", table)
    assert table.count("<tr>") == len({m for m, _c in series["treated"] + series["control"]}) + 1
    saved = dict(evaluation.results)
    generate(data.a, 300, days=150, seed=7)  # new incidents arrive
    evaluation.refresh_from_db()
    assert evaluation.results == saved and evaluation.inputs["counts"] == counts


def test_agreement_needs_purposes_and_areas(world: World, client: Client) -> None:
    access = world.access(world.dave)
    with pytest.raises(ValidationError) as refused:
        services.create_agreement(
            access,
            title="Samverkan",
            parties=[world.a_org, world.a_other_org],
            purposes="",
            areas=[],
            period_start=date(2026, 1, 1),
            period_end=date(2027, 12, 31),
        )
    messages = refused.value.message_dict
    assert "syften" in messages["purposes"][0] and "områden" in messages["areas"][0]
    client.force_login(world.dave)
    page = client.post(
        f"/k/{world.a.slug}/agreements/",
        {
            "title": "Samverkan",
            "parties": [world.a_org.pk, world.a_other_org.pk],
            "purposes": "",
            "period_start": "2026-01-01",
            "period_end": "2027-12-31",
        },
    )
    assert "måste ange sina syften" in page.content.decode()
    ok = client.post(
        f"/k/{world.a.slug}/agreements/",
        {
            "title": "Samverkan",
            "parties": [world.a_org.pk, world.a_other_org.pk],
            "purposes": "Minska skadegörelsen",
            "areas": [world.area.pk],
            "period_start": "2026-01-01",
            "period_end": "2027-12-31",
        },
    )
    assert ok.status_code == 302


def test_compliance_item_turns_overdue_on_the_right_day(world: World, client: Client) -> None:
    SituationReport.objects.create(
        municipality=world.a,
        title="Lägesbild",
        period_start=date(2024, 1, 1),
        period_end=date(2024, 12, 31),
        status="approved",
        approved_body="KS",
        approved_on=date(2025, 3, 10),
        next_update_due=date(2027, 3, 10),
        other_information="Polisens lägesbild.",
        analysis_text="Analys.",
    )
    url = f"/k/{world.a.slug}/compliance/"
    with time_machine.travel(datetime(2027, 3, 10, 12, tzinfo=STOCKHOLM), tick=False):
        client.force_login(world.dave)  # sessions expire: log in on the day
        assert "compliance-status-due_soon" in client.get(url).content.decode()
        assert compliance.items(world.a, timezone.localdate())[0].status == "due_soon"
    with time_machine.travel(datetime(2027, 3, 11, 0, 30, tzinfo=STOCKHOLM), tick=False):
        client.force_login(world.dave)
        page = client.get(url).content.decode()
        assert "compliance-status-overdue" in page
        assert compliance.items(world.a, timezone.localdate())[0].status == "overdue"
    # The council: the law asks the kommun to work for one with members in leading positions
    # (10 §): members none of whom is in one are work in progress; a leading member and a meeting
    # meet it. That it meets every year is the kommun's own routine, apart: a meeting more than
    # 12 months ago makes the routine overdue, not the law.
    member = CouncilMember.objects.create(
        municipality=world.a, role="Rektor", organisation=world.a_org, leading_position=False
    )
    council = {i.paragraph: i for i in compliance.items(world.a, date(2026, 11, 24))}["10 §"]
    assert (council.status, council.label) == ("in_progress", "Arbete pågår")
    CouncilMeeting.objects.create(municipality=world.a, date=date(2025, 11, 23))
    member.leading_position = True
    member.save()
    council = {i.paragraph: i for i in compliance.items(world.a, date(2026, 11, 24))}["10 §"]
    assert council.status == "ok"
    routine = {i.paragraph: i for i in compliance.routines(world.a, date(2026, 11, 23))}["10 §"]
    assert routine.status == "due_soon"
    routine = {i.paragraph: i for i in compliance.routines(world.a, date(2026, 11, 24))}["10 §"]
    assert routine.status == "overdue"


def test_public_page_is_opt_in_and_never_shows_small_counts(data: World, client: Client) -> None:
    url = f"/public/{data.a.slug}/"
    assert client.get(url).status_code == 404
    ComplianceSettings.objects.create(
        municipality=data.a, public_page=True, coordination_function="Trygghetssamordnare"
    )
    page = client.get(url)
    assert page.status_code == 200
    text = page.content.decode()
    from samtrygg.incidents.models import Incident

    sample = Incident.objects.filter(municipality=data.a).first()
    assert (
        sample.reference not in text
        and "/incidents/" not in text
        and str(round(sample.lat, 4)) not in text
    )
    from samtrygg.plans.public import public_figures

    figures = public_figures(data.a, timezone.localdate())
    assert all(c is None or c == 0 or c >= 3 for row in figures["rows"] for c in row["counts"])
    # a quarter with one incident in an area shows "dolt"
    assert "<td>dolt</td>" in text or all(
        c != 1 and c != 2 for row in figures["rows"] for c in row["counts"]
    )


def test_public_page_hides_one_and_two(world: World, client: Client) -> None:
    from samtrygg.incidents.services import IncidentInput, create_incident
    from samtrygg.situation.release import quarter_dates

    seed_categories(world.a)
    ComplianceSettings.objects.create(municipality=world.a, public_page=True)
    label, (first, _last) = quarter_dates(timezone.localdate())[-1]
    for _ in range(2):
        create_incident(
            world.access(world.bob),
            IncidentInput(
                category=Category.objects.get(municipality=world.a, code="klotter"),
                reporting_organisation=world.a_org,
                occurred_at=datetime.combine(
                    first + timedelta(days=3), datetime.min.time(), STOCKHOLM
                ).replace(hour=12),
                lat=factories.HALMSTAD_LAT,
                lon=factories.HALMSTAD_LON,
            ),
        )
    text = client.get(f"/public/{world.a.slug}/").content.decode()
    assert label in text and "<td>dolt</td>" in text and ">2<" not in text


def test_regional_overview(world: World, client: Client) -> None:
    from samtrygg.tenancy.models import Membership

    Membership.objects.create(user=world.dave, organisation=world.b_org, role=Role.ANALYST)
    client.force_login(world.dave)
    page = client.get("/region/").content.decode()
    assert world.a.name in page and world.b.name in page
    client.force_login(world.bob)
    page = client.get("/region/").content.decode()
    assert world.b.name not in page


def test_regional_overview_compares_reported_crime_not_est_counts(
    world: World, client: Client
) -> None:
    """The regional overview compares municipalities on Brå's reported crime per 100 000
    (the demo's made-up figures for Halmstad 1380 and Kalmar 0880, rates by hand: bostadsinbrott
    2024 124 / 105 754 × 100 000 = 117 and 72 / 72 135 × 100 000 = 100) and on compliance;
    the EST reports a municipality received (here two) are not shown."""
    from samtrygg.demo.reference_stats import demo_reference_stats
    from samtrygg.incidents.services import IncidentInput, create_incident

    demo_reference_stats()
    Municipality = type(world.a)
    Municipality.objects.filter(pk=world.a.pk).update(scb_code="1380")
    Municipality.objects.filter(pk=world.b.pk).update(scb_code="0880")
    seed_categories(world.a)
    for hour in (10, 11):
        create_incident(
            world.access(world.bob),
            IncidentInput(
                category=Category.objects.get(municipality=world.a, code="klotter"),
                reporting_organisation=world.a_org,
                occurred_at=timezone.now() - timedelta(days=40, hours=hour),
                lat=factories.HALMSTAD_LAT,
                lon=factories.HALMSTAD_LON,
            ),
        )
    regional = factories.member(world.a_org, Role.REGIONAL, "lansstyrelsen@example.se")
    Membership = type(world.membership(world.bob))
    Membership.objects.create(user=regional, organisation=world.b_org, role=Role.REGIONAL)
    client.force_login(regional)
    page = client.get("/region/").content.decode()
    assert "Bostadsinbrott" in page and "2024" in page
    row_a = page.split(f'<th scope="row">{world.a.name}</th>')[1].split("</tr>")[0]
    assert '<td class="num">117</td>' in row_a, row_a
    assert row_a.startswith("<td>B3</td>"), row_a  # the SKR group (demo_skr_kommungrupper.csv)
    row_b = page.split(f'<th scope="row">{world.b.name}</th>')[1].split("</tr>")[0]
    assert '<td class="num">100</td>' in row_b, row_b
    assert "Händelser förra kalenderåret" not in page


def test_council_report_and_meeting_documents(data: World, client: Client, tmp_path: Path) -> None:
    access = data.access(data.dave)
    plan = services.create_plan(
        access,
        title="Plan",
        period_start=date(2026, 1, 1),
        period_end=date(2027, 12, 31),
        situation_report=factories.approved_lagesbild(access),
    )
    services.add_measure(
        access,
        plan,
        title="Fler vuxna ute",
        goal="Nattvandring varje fredag",
        unlinked_reason="Ordinarie arbete",
        indicator_kind="entered",
        deadline=date(2027, 6, 30),
        responsible=data.a_org,
    )
    client.force_login(data.dave)
    pdf = client.get(f"/k/{data.a.slug}/compliance/council-report.pdf").content
    text = "".join(p.get_textpage().get_text_range() for p in pdfium.PdfDocument(pdf))
    assert "Efterlevnad av lagen" in text and "Fler vuxna ute" in text and "Medborgarlöften" in text
    out = tmp_path / "rapport.docx"
    call_command(
        "report", "council", municipality=data.a.slug, format="docx", output=out, stdout=StringIO()
    )
    from docx import Document

    assert any("Åtgärdsplanen" in p.text for p in Document(io.BytesIO(out.read_bytes())).paragraphs)
    response = client.post(
        f"/k/{data.a.slug}/meetings/",
        {
            "kind": "weekly",
            "date": timezone.localdate().isoformat(),
            "participants": [data.a_org.pk, data.a_other_org.pk],
        },
    )
    assert response.status_code == 302
    meeting_url = response["Location"]
    page = client.get(meeting_url).content.decode()
    assert "Nya händelser per område" in page
    client.post(meeting_url, {"action": "decisions", "decisions": "Extra ronder vid torget."})
    client.post(
        meeting_url,
        {
            "action": "task",
            "text": "Laga belysningen",
            "organisation": data.a_other_org.pk,
            "due": (timezone.localdate() + timedelta(days=7)).isoformat(),
        },
    )
    minutes = client.get(meeting_url + "?format=pdf").content
    text = "".join(p.get_textpage().get_text_range() for p in pdfium.PdfDocument(minutes))
    assert "Extra ronder vid torget." in text and "Laga belysningen" in text
    from django.core import mail

    client.post(meeting_url, {"action": "send"})
    assert mail.outbox and len(mail.outbox[-1].attachments) == 2


def test_viewer_reads_plans_but_cannot_change_them(world: World, client: Client) -> None:
    viewer = factories.member(world.a_org, Role.VIEWER, "politiker@example.se")
    client.force_login(viewer)
    for path in (
        "problems/",
        "plans/",
        "agreements/",
        "council/",
        "promises/",
        "meetings/",
        "compliance/",
        "evaluations/",
    ):
        assert client.get(f"/k/{world.a.slug}/{path}").status_code == 200, path
    assert client.post(f"/k/{world.a.slug}/problems/", {"title": "X"}).status_code == 403
    assert Measure.objects.count() == 0


def test_evaluation_without_comparison_incidents_is_refused_clearly(world: World) -> None:
    seed_categories(world.a)
    import_areas(
        world.a,
        factories.feature_collection(
            factories.feature(
                "Tomt",
                factories.square(factories.HALMSTAD_LON + 0.05, factories.HALMSTAD_LAT, 0.01),
            )
        ),
        kind="district",
    )
    empty = Area.objects.get(municipality=world.a, name="Tomt")
    today = timezone.localdate()
    with pytest.raises(ValidationError) as refused:
        services.run_evaluation(
            world.access(world.dave),
            title="X",
            measure=None,
            categories=list(Category.objects.filter(municipality=world.a)),
            treated=world.area,
            control=empty,
            buffer_m=0,
            before=(today - timedelta(days=100), today - timedelta(days=51)),
            after=(today - timedelta(days=50), today),
        )
    assert "Jämförelseområdet behöver händelser" in refused.value.message_dict["control"][0]


def test_reminders_before_due_dates(world: World) -> None:
    from django.core import mail

    from samtrygg.plans.reminders import send_reminders

    plan_with_a_measure(world, deadline=timezone.localdate() + timedelta(days=10))
    sent = send_reminders(timezone.now())
    assert sent[world.a.slug] == 2  # alice (administrator) and dave (coordinator)
    body = mail.outbox[0].body
    assert "Belysning" in body
    # A requirement never met (5 §: the plan is still a draft) is on the compliance page, not
    # in the weekly e-mail.
    assert "5 §" not in body
    assert sorted(m.to[0] for m in mail.outbox) == ["alice@example.se", "dave@example.se"]


def test_comparison_area_suggestions(data: World, client: Client) -> None:
    client.force_login(data.dave)
    page = client.get(
        f"/k/{data.a.slug}/evaluations/", {"suggest_for": data.area.pk}
    ).content.decode()
    assert "Mest lika i nivå och trend" in page and "Öster" in page
    from samtrygg.plans.indicators import suggest_controls

    today = timezone.localdate()
    rows = suggest_controls(
        data.a, data.area, [], today - timedelta(days=365), today - timedelta(days=1)
    )
    assert [r["area"].name for r in rows] == ["Öster"]


def test_new_plan_version_keeps_the_decided_one(world: World, client: Client) -> None:
    access = world.access(world.dave)
    plan = plan_with_a_measure(world, deadline=date(2027, 6, 30))
    with pytest.raises(ValidationError):
        services.new_plan_version(access, plan)
    services.decide_plan(access, plan, body="KS", on=date(2026, 2, 1))
    client.force_login(world.dave)
    response = client.post(f"/k/{world.a.slug}/plans/{plan.pk}/", {"action": "new_version"})
    draft = plan.__class__.objects.get(version=2)
    assert response["Location"].endswith(f"/plans/{draft.pk}/")
    assert draft.status == "draft" and draft.previous == plan
    assert [m.title for m in draft.measures.all()] == ["Belysning"] and plan.measures.count() == 1


def test_decision_minutes_must_be_a_pdf(world: World, client: Client) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    plan = plan_with_a_measure(world, deadline=date(2027, 6, 30))
    client.force_login(world.dave)
    url = f"/k/{world.a.slug}/plans/{plan.pk}/"
    page = client.post(
        url,
        {
            "action": "decide",
            "body": "KS",
            "on": "2026-02-01",
            "minutes": SimpleUploadedFile("protokoll.docx", b"PK\x03\x04 not a pdf"),
        },
    )
    assert "Protokollet måste vara en PDF-fil" in page.content.decode()
    plan.refresh_from_db()
    assert plan.status == "draft" and not plan.minutes
    client.post(
        url,
        {
            "action": "decide",
            "body": "KS",
            "on": "2026-02-01",
            "minutes": SimpleUploadedFile("protokoll.pdf", b"%PDF-1.4 beslut"),
        },
    )
    plan.refresh_from_db()
    assert plan.status == "decided" and plan.minutes
    assert client.get(f"{url}minutes/").status_code == 200


def test_council_and_meeting_refuse_identity_numbers_clearly(world: World, client: Client) -> None:
    client.force_login(world.dave)
    page = client.post(
        f"/k/{world.a.slug}/council/",
        {"action": "meeting", "date": "2026-11-01", "decisions": "Kontakta 811218-9876"},
        follow=True,
    )
    assert page.status_code == 200 and "personnummer" in page.content.decode()
    assert not CouncilMeeting.objects.exists()
    meeting = world.plan_object("meeting")
    page = client.post(
        f"/k/{world.a.slug}/meetings/{meeting.pk}/",
        {"action": "decisions", "decisions": "811218-9876 ska kontaktas"},
        follow=True,
    )
    assert page.status_code == 200 and "personnummer" in page.content.decode()
    meeting.refresh_from_db()
    assert meeting.decisions == ""
