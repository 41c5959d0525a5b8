"""A correctable plan chain with history (issue 13, item 8): problems, causes, measures,
agreements and council members are edited through the same checks as when they were made, and
removed softly (out of every list, page, document and count, with the removal in the audit log);
a decided plan's measures are changed only in a new version; another municipality's objects are
404 by id."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from samtrygg.audit.models import AuditAction, AuditEvent
from samtrygg.core import formatting
from samtrygg.documents import council_report as kf_report
from samtrygg.plans import compliance, council, services
from samtrygg.plans.models import Agreement, Cause, CouncilMember, Measure, Problem

from .. import factories
from ..audit.test_every_action import _post
from ..conftest import World

pytestmark = pytest.mark.usefixtures("swedish")

PERSONNUMMER = "811218-9876"


def _kf_measures(world: World) -> list[str]:
    """The measures the report to kommunfullmäktige lists (its åtgärdsplan table)."""
    doc = kf_report.document(kf_report.for_municipality(world.a))
    table = next(s for s in doc.sections if s.heading == "Åtgärdsplanen")
    return [row[0] for row in table.rows]


def _chain(world: World) -> tuple[Any, Any, Any, Any]:
    """A problem with a cause and a draft plan whose one measure rests on them."""
    access = world.access(world.dave)
    problem = services.create_problem(access, title="Bränder i centrum")
    cause = services.add_cause(access, problem, group="place", text="Mörk gångtunnel")
    plan = services.create_plan(
        access,
        title="Plan 2027",
        period_start=date(2026, 1, 1),
        period_end=date(2027, 12, 31),
        situation_report=factories.approved_lagesbild(access),
    )
    measure = services.add_measure(
        access,
        plan,
        problem=problem,
        cause=cause,
        title="Belysning i tunneln",
        goal="Tänd före 1 mars",
        indicator_kind="entered",
        deadline=date(2027, 3, 1),
        responsible=world.a_org,
    )
    return problem, cause, plan, measure


def _measure_data(measure: Measure, **changes: Any) -> dict[str, Any]:
    data = {
        name: getattr(measure, name)
        for name in services.MEASURE_FIELDS
        if name not in ("baseline_value",)
    }
    data.update(baseline_value=measure.baseline_value, indicator_categories=[], indicator_areas=[])
    data.update(changes)
    return data


def test_an_edit_goes_through_the_same_checks_as_creation(world: World, client: Client) -> None:
    problem, cause, _plan, measure = _chain(world)
    access = world.access(world.dave)
    with pytest.raises(ValidationError) as refused:
        services.edit_cause(access, cause, group="place", text=f"Ägs av {PERSONNUMMER}")
    assert "personnummer" in str(refused.value)
    with pytest.raises(ValidationError):
        services.edit_cause(access, cause, group="place", text="  ")
    with pytest.raises(ValidationError):
        services.edit_problem(access, problem, title="")
    with pytest.raises(ValidationError) as unlinked:
        services.edit_measure(access, measure, **_measure_data(measure, cause=None))
    assert "Koppla åtgärden" in str(unlinked.value)
    # Through the page: a clear Swedish message, nothing changed, nothing logged.
    client.force_login(world.dave)
    page = client.post(
        f"/k/{world.a.slug}/problems/{problem.pk}/",
        {
            "action": "edit_cause",
            "cause": cause.pk,
            f"cause{cause.pk}-group": "place",
            f"cause{cause.pk}-text": f"Ägs av {PERSONNUMMER}",
        },
    )
    assert page.status_code == 200 and "personnummer" in page.content.decode()
    cause.refresh_from_db()
    measure.refresh_from_db()
    problem.refresh_from_db()
    assert (cause.text, problem.title, measure.cause_id) == (
        "Mörk gångtunnel",
        "Bränder i centrum",
        cause.pk,
    )
    assert not AuditEvent.objects.filter(
        action__in=[
            AuditAction.CAUSE_CHANGED,
            AuditAction.PROBLEM_CHANGED,
            AuditAction.MEASURE_CHANGED,
        ]
    ).exists()


def test_edits_and_removals_are_logged_with_old_and_new(world: World, client: Client) -> None:
    problem, cause, plan, measure = _chain(world)
    access = world.access(world.dave)
    services.edit_problem(access, problem, title="Anlagda bränder", priority=1)
    services.edit_cause(access, cause, group="place", text="Trasig belysning")
    services.edit_measure(access, measure, **_measure_data(measure, title="Nya armaturer"))
    events = {e.action: e.changes for e in AuditEvent.objects.all()}
    assert events[AuditAction.PROBLEM_CHANGED] == {
        "title": ["Bränder i centrum", "Anlagda bränder"],
        "priority": [2, 1],
    }
    assert events[AuditAction.CAUSE_CHANGED] == {"text": ["Mörk gångtunnel", "Trasig belysning"]}
    assert events[AuditAction.MEASURE_CHANGED] == {
        "title": ["Belysning i tunneln", "Nya armaturer"]
    }
    services.remove_measure(access, measure)
    services.remove_cause(access, cause)
    events = {e.action: e.changes for e in AuditEvent.objects.all()}
    # The pinned clock's minute (2026-11-25T10:00+01:00, or the second pinned date's).
    stamp = timezone.localtime().isoformat(timespec="minutes")
    assert events[AuditAction.MEASURE_REMOVED] == {"removed_at": [None, stamp]}
    assert events[AuditAction.CAUSE_REMOVED] == {"removed_at": [None, stamp]}
    # The history on the pages, in Swedish, newest first.
    client.force_login(world.dave)
    page = client.get(f"/k/{world.a.slug}/problems/{problem.pk}/").content.decode()
    history = page.split("Ändringshistorik")[1]
    assert history.index("Orsaken borttagen") < history.index("Orsaken ändrad")
    assert "Mörk gångtunnel → Trasig belysning" in history
    assert "Bränder i centrum → Anlagda bränder" in history
    assert "Prioritet: Medel → Hög" in history
    assert f"dave@example.se, {formatting.moment(timezone.localtime())}" in history
    page = client.get(f"/k/{world.a.slug}/plans/{plan.pk}/").content.decode()
    assert "Belysning i tunneln → Nya armaturer" in page.split("Ändringshistorik")[1]


def test_a_removed_object_is_gone_everywhere(world: World, client: Client) -> None:
    problem, cause, plan, measure = _chain(world)
    access = world.access(world.dave)
    agreement = services.create_agreement(
        access,
        title="Samverkan centrum",
        parties=[world.a_org, world.a_other_org],
        purposes="Tryggare centrum",
        areas=[world.area],
        period_start=date(2026, 1, 1),
        period_end=date(2027, 12, 31),
    )
    council.save_council_post(
        access,
        _post(
            action="member",
            role="Kommundirektör",
            organisation=world.a_org.pk,
            leading_position="on",
        ),
    )
    member = CouncilMember.objects.get()
    today = date(2026, 11, 25)
    by_law = {item.paragraph: item for item in compliance.items(world.a, today)}
    assert by_law["9 §"].status == compliance.OK
    assert "1 ledamot" in by_law["10 §"].evidence
    assert len(_kf_measures(world)) == 1

    services.remove_measure(access, measure)
    services.remove_cause(access, cause)
    services.remove_problem(access, problem)
    services.remove_agreement(access, agreement)
    council.remove_council_member(access, member)

    assert not Problem.objects.exists() and not Cause.objects.exists()
    assert not Measure.objects.exists() and not Agreement.objects.exists()
    assert Problem.all_objects.get().removed_by == world.dave  # the row stays for the log
    assert _kf_measures(world) == []
    by_law = {item.paragraph: item for item in compliance.items(world.a, today)}
    assert by_law["9 §"].status == compliance.NOT_STARTED
    assert by_law["10 §"].status == compliance.NOT_STARTED
    client.force_login(world.dave)
    slug = world.a.slug
    assert client.get(f"/k/{slug}/problems/{problem.pk}/").status_code == 404
    assert "Bränder i centrum" not in client.get(f"/k/{slug}/problems/").content.decode()
    plan_page = client.get(f"/k/{slug}/plans/{plan.pk}/").content.decode()
    assert "Belysning i tunneln</td>" not in plan_page
    assert "Samverkan centrum</strong>" not in client.get(f"/k/{slug}/agreements/").content.decode()
    assert "Kommundirektör, " not in client.get(f"/k/{slug}/council/").content.decode()
    # A removed measure cannot be changed by its id either.
    response = client.post(
        f"/k/{slug}/plans/{plan.pk}/", {"action": "remove_measure", "measure": measure.pk}
    )
    assert response.status_code == 404


def test_a_decided_plans_measure_changes_only_in_a_new_version(
    world: World, client: Client
) -> None:
    problem, cause, plan, measure = _chain(world)
    access = world.access(world.dave)
    services.decide_plan(access, plan, body="Kommunstyrelsen", on=date(2026, 11, 20))
    measure.refresh_from_db()
    with pytest.raises(ValidationError) as refused:
        services.edit_measure(access, measure, **_measure_data(measure, title="Annat"))
    assert "Gör en ny version av planen" in str(refused.value)
    with pytest.raises(ValidationError):
        services.remove_measure(access, measure)
    client.force_login(world.dave)
    for action in ("edit_measure", "remove_measure"):
        data = {"action": action, "measure": measure.pk, f"m{measure.pk}-title": "Annat"}
        data.update(
            {
                f"m{measure.pk}-{k}": v
                for k, v in (
                    ("goal", "Tänd"),
                    ("indicator_kind", "entered"),
                    ("deadline", "2027-03-01"),
                    ("responsible", world.a_org.pk),
                    ("unlinked_reason", "Ordinarie"),
                )
            }
        )
        page = client.post(f"/k/{world.a.slug}/plans/{plan.pk}/", data, follow=True)
        assert "Gör en ny version av planen" in page.content.decode(), action
    with pytest.raises(ValidationError) as kept:
        services.remove_cause(access, cause)
    assert "beslutad plan" in str(kept.value)
    with pytest.raises(ValidationError):
        services.remove_problem(access, problem)
    # The analysis may still be corrected.
    services.edit_cause(access, cause, group="place", text="Mörk och smal gångtunnel")
    measure.refresh_from_db()
    assert measure.title == "Belysning i tunneln"
    assert not AuditEvent.objects.filter(action=AuditAction.MEASURE_CHANGED).exists()
    draft = services.new_plan_version(access, plan)
    copy = draft.measures.get()
    services.edit_measure(access, copy, **_measure_data(copy, title="Nya armaturer"))
    copy.refresh_from_db()
    measure.refresh_from_db()
    assert (copy.title, measure.title) == ("Nya armaturer", "Belysning i tunneln")
    services.remove_measure(access, copy)
    assert not draft.measures.exists() and plan.measures.count() == 1


def test_another_municipalitys_objects_are_404_by_id(world: World, client: Client) -> None:
    problem, cause, plan, measure = _chain(world)
    access = world.access(world.dave)
    agreement = services.create_agreement(
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
    member = CouncilMember.objects.get()
    charlie = world.access(world.charlie, world.b)
    own_problem = services.create_problem(charlie, title="Klotter")
    own_plan = services.create_plan(
        charlie, title="Beta", period_start=date(2026, 1, 1), period_end=date(2026, 12, 31)
    )
    client.force_login(world.charlie)
    b = world.b.slug
    posts = [
        (f"/k/{b}/problems/{own_problem.pk}/", {"action": "edit_cause", "cause": cause.pk}),
        (f"/k/{b}/problems/{own_problem.pk}/", {"action": "remove_cause", "cause": cause.pk}),
        (f"/k/{b}/problems/{problem.pk}/", {"action": "remove_problem"}),
        (f"/k/{b}/plans/{own_plan.pk}/", {"action": "edit_measure", "measure": measure.pk}),
        (f"/k/{b}/plans/{own_plan.pk}/", {"action": "remove_measure", "measure": measure.pk}),
        (f"/k/{b}/agreements/", {"action": "edit", "agreement": agreement.pk}),
        (f"/k/{b}/agreements/", {"action": "remove", "agreement": agreement.pk}),
        (f"/k/{b}/council/", {"action": "remove_member", "member": member.pk}),
        (f"/k/{b}/council/", {"action": "edit_member", "member": member.pk, "role": "X"}),
        (f"/k/{world.a.slug}/problems/{problem.pk}/", {"action": "remove_problem"}),
    ]
    for url, data in posts:
        assert client.post(url, data).status_code == 404, (url, data)
    assert Problem.objects.filter(pk=problem.pk).exists()
    assert Cause.objects.get(pk=cause.pk).text == "Mörk gångtunnel"
    assert Measure.objects.filter(pk=measure.pk).exists()
    assert Agreement.objects.filter(pk=agreement.pk).exists()
    assert CouncilMember.objects.get(pk=member.pk).role == "Kommundirektör"
    assert not AuditEvent.objects.filter(action__endswith="removed").exists()


def test_the_tertial_analysis_leaves_a_removed_measure_out(world: World) -> None:
    """A measure removed from the new draft is not in the decided version the analysis reads."""
    from samtrygg.situation import period_analysis
    from samtrygg.situation.report_content import Period

    _problem, _cause, plan, _measure = _chain(world)
    access = world.access(world.dave)
    services.decide_plan(access, plan, body="Kommunstyrelsen", on=date(2026, 11, 20))
    draft = services.new_plan_version(access, plan)
    services.remove_measure(access, draft.measures.get())
    services.add_measure(
        access,
        draft,
        title="Trygghetsvandring",
        goal="En vandring i kvartalet",
        unlinked_reason="Ordinarie arbete",
        indicator_kind="entered",
        deadline=date(2027, 6, 1),
        responsible=world.a_org,
    )
    services.decide_plan(access, draft, body="Kommunstyrelsen", on=date(2026, 11, 25))
    rows = period_analysis.measures(world.a, Period(date(2026, 9, 1), date(2026, 12, 31)))["rows"]
    assert [row[0] for row in rows] == ["Trygghetsvandring"]
    assert _kf_measures(world) == ["Trygghetsvandring"]


def test_the_history_is_for_editors_and_audit_readers(world: World, client: Client) -> None:
    problem, cause, plan, _measure = _chain(world)
    services.edit_cause(world.access(world.dave), cause, group="place", text="Trasig lampa")
    url = f"/k/{world.a.slug}/problems/{problem.pk}/"
    client.force_login(world.bob)  # a reporter sees the problem, not who changed it
    page = client.get(url).content.decode()
    assert "Trasig lampa" in page and "Ändringshistorik" not in page
    client.force_login(world.dave)
    assert "Mörk gångtunnel → Trasig lampa" in client.get(url).content.decode()
