"""Audit you can trust (issue 11, item 6; DESIGN.md rule 2).

Every public function of the service modules that changes data is found with ``inspect`` (its
source writes: a transaction, ``save``/``create``/``delete``/``update``, ``record``), and must
either be run here and write its own typed event, or stand in ``EXEMPT`` with the reason. Every
``AuditAction`` value is written by some code: run here, or found in the source of the module
that writes it (signals, commands, imports, jobs).
"""

from __future__ import annotations

import importlib
import inspect
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.http import QueryDict
from django.utils import timezone

from samtrygg.audit.models import AuditAction, AuditEvent
from samtrygg.tenancy.roles import Role

from .. import factories
from ..conftest import World

SERVICE_MODULES = [
    "samtrygg.plans.services",
    "samtrygg.plans.council",
    "samtrygg.plans.meetings",
    "samtrygg.plans.promises",
    "samtrygg.plans.public",
    "samtrygg.situation.services",
    "samtrygg.situation.contributions",
    "samtrygg.situation.weekly_picture",
    "samtrygg.incidents.notifications",
    "samtrygg.tenancy.services",
    "samtrygg.tenancy.branding",
    "samtrygg.tenancy.tokens",
    "samtrygg.incidents.services",
    "samtrygg.incidents.cases",
    "samtrygg.incidents.bulk",
    "samtrygg.incidents.weekly",
    "samtrygg.incidents.category_admin",
    "samtrygg.areas.services",
    "samtrygg.exchange.police_types",
    "samtrygg.exchange.incident_import",
]

# What marks a function as one that changes data (a Word document's save writes no row).
WRITES = re.compile(
    r"transaction\.atomic|(?<!document)\.save\(|\.create\(|\.delete\(|\.update\(|bulk_create|bulk_update"
    r"|\brecord\(|get_or_create|update_or_create|\.set\("
)

# Functions that look like writers but are not a person's action, with the reason. Keep small.
EXEMPT = {
    "samtrygg.exchange.incident_import.reserve_references": (
        "numbers an import's rows inside import_incidents, which writes INCIDENTS_IMPORTED"
    ),
    "samtrygg.situation.weekly_picture.send": (
        "e-mails the weekly picture as PDF (needs Pango); its NOTIFICATION_SENT is found in the "
        "source by test_every_action_is_written_somewhere"
    ),
    "samtrygg.tenancy.tokens.user_for_token": (
        "stamps a token's last use on every API call: bookkeeping, not a change anybody makes"
    ),
    "samtrygg.plans.meetings.send_minutes": (
        "sends e-mail with the PDF minutes (needs Pango); its NOTIFICATION_SENT is found in the "
        "source by test_every_action_is_written_somewhere"
    ),
    "samtrygg.situation.contributions.copy_contributions": (
        "copies a version's parties' lägesbilder inside new_version, which writes "
        "SITUATION_REPORT_CREATED"
    ),
    "samtrygg.incidents.services.discard_pending": (
        "removes a reporter's own unsent photo uploads (removed, replaced, sent with the report "
        "or a day old); keeping one writes PHOTO_KEPT, sending the report WEEKLY_REPORT_SUBMITTED"
    ),
    "samtrygg.plans.services.run_evaluation": (
        "needs incidents before and after in two areas; EVALUATION_SAVED is checked in "
        "tests/plans/test_plans.py::test_evaluation_equals_the_library_and_is_a_snapshot"
    ),
}


def writers() -> list[str]:
    found = []
    for name in SERVICE_MODULES:
        module = importlib.import_module(name)
        for attr, function in inspect.getmembers(module, inspect.isfunction):
            if attr.startswith("_") or function.__module__ != name:
                continue
            if WRITES.search(inspect.getsource(function)):
                found.append(f"{name}.{attr}")
    return sorted(found)


# ---- what each service is called with -----------------------------------------------------


@dataclass
class Call:
    action: AuditAction
    run: Callable[[World], Any]  # prepares what it needs, then calls the service once
    changed: tuple[str, ...] = ()  # fields that must appear as [old, new] with old != new


def _post(**values: Any) -> QueryDict:
    query = QueryDict(mutable=True)
    for key, value in values.items():
        query[key] = str(value)
    return query


def _plan(w: World, *, decided: bool = False) -> Any:
    from samtrygg.plans import services

    access = w.access(w.dave)
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
        deadline=date(2027, 6, 1),
        responsible=w.a_org,
    )
    if decided:
        services.decide_plan(access, plan, body="Kommunstyrelsen", on=date(2026, 11, 20))
    return plan


def _cause(w: World) -> Any:
    from samtrygg.plans import services

    return services.add_cause(
        w.access(w.dave), w.plan_object("problem"), group="place", text="Mörk tunnel"
    )


def _agreement(w: World) -> Any:
    from samtrygg.plans import services

    return services.create_agreement(
        w.access(w.dave),
        title="Samverkan",
        parties=[w.a_org, w.a_other_org],
        purposes="Tryggare centrum",
        areas=[w.area],
        period_start=date(2026, 1, 1),
        period_end=date(2027, 12, 31),
    )


def _member(w: World) -> Any:
    from samtrygg.plans import council
    from samtrygg.plans.models import CouncilMember

    council.save_council_post(
        w.access(w.dave), _post(action="member", role="Ordförande", organisation=w.a_org.pk)
    )
    return CouncilMember.objects.get(municipality=w.a)


def _report(w: World) -> Any:
    from samtrygg.situation import services

    return services.create_report(
        w.access(w.dave), title="Lägesbild", first=date(2025, 1, 1), last=date(2025, 12, 31)
    )


def _ready_report(w: World) -> Any:
    """A draft with its three parts and every finding decided: ready to approve."""
    from samtrygg.situation import services

    report = _report(w)
    access = w.access(w.dave)
    services.update_texts(access, report, other_information="Polisen.", analysis_text="Analys.")
    for finding in report.findings.all():
        services.decide_finding(access, finding, "dropped")
    return report


def _analysis(w: World) -> Any:
    from samtrygg.situation import services

    return services.create_analysis(w.access(w.dave), kind="tertial", year=2025, number=2)


def _assigned(w: World) -> Any:
    from samtrygg.incidents import cases

    incident = w.incident()
    return cases.assign(w.access(w.dave), incident, w.a_other_org)


def _category(w: World) -> Any:
    from samtrygg.incidents import category_admin

    w.category()
    return category_admin.create_category(w.access(w.alice), label_sv="Vildcampning")


def _meeting(w: World) -> Any:
    from samtrygg.plans import meetings

    return meetings.create_meeting(
        w.access(w.dave), kind="weekly", date=date(2026, 11, 23), participants=[w.a_org]
    )


def _promise(w: World) -> Any:
    from samtrygg.plans import promises

    return promises.create_promise(
        w.access(w.dave),
        {
            "title": "Tryggare torg",
            "public_text": "Vi lyser upp torget.",
            "period_start": "2026-01-01",
            "period_end": "2026-12-31",
        },
    )


def _activity(w: World) -> Any:
    from samtrygg.plans import promises

    return promises.add_activity(
        w.access(w.dave), _promise(w), {"party": "polisen", "text": "Polis till fots"}
    )


def _promises() -> Any:
    from samtrygg.plans import promises

    return promises


def _plans() -> Any:
    from samtrygg.plans import services

    return services


def _tenancy() -> Any:
    from samtrygg.tenancy import services

    return services


def _cases() -> Any:
    from samtrygg.incidents import cases

    return cases


def _measure(plan: Any) -> Any:
    return plan.measures.get()


def _quiet_week(w: World) -> Any:
    from samtrygg.incidents.weekly import WeeklyReportInput, submit_weekly_report

    year, week, _day = (timezone.localdate() - timedelta(days=7)).isocalendar()
    return lambda: submit_weekly_report(
        w.access(w.bob), WeeklyReportInput(w.a_org, year, week, quiet_areas=[w.area])
    )


def _new_incident(w: World) -> Any:
    from samtrygg.incidents.services import IncidentInput, create_incident

    category = w.category()
    return lambda: create_incident(
        w.access(w.bob),
        IncidentInput(
            category=category,
            reporting_organisation=w.a_org,
            occurred_at=timezone.now() - timedelta(hours=2),
            lat=factories.HALMSTAD_LAT,
            lon=factories.HALMSTAD_LON,
            description="Krossad ruta.",
        ),
    )


def _once(w: World) -> Any:
    from samtrygg.incidents.services import IncidentInput, create_incident_once

    category = w.category()
    return lambda: create_incident_once(
        w.access(w.bob),
        IncidentInput(
            category=category,
            reporting_organisation=w.a_org,
            occurred_at=timezone.now() - timedelta(hours=2),
            lat=factories.HALMSTAD_LAT,
            lon=factories.HALMSTAD_LON,
            description="Krossad ruta.",
        ),
        "k" * 32,
    )


def _two(w: World, prepare: Callable[[World], Any], call: Callable[[World, Any], Any]) -> Any:
    """Prepare (not counted), then return the counted call."""
    prepared = prepare(w)
    return lambda: call(w, prepared)


def _merge(w: World) -> Any:
    first = w.incident()
    second = _new_incident(w)()
    return lambda: _cases().merge(w.access(w.dave), first, [second])


def _resolved(w: World) -> Any:
    from samtrygg.incidents.models import Status

    incident = _assigned(w)
    return _cases().transition(w.access(w.dave), incident, Status.RESOLVED)


def _locked(w: World) -> Any:
    from axes.models import AccessAttempt

    AccessAttempt.objects.create(
        username=w.bob.email, ip_address="127.0.0.1", failures_since_start=10, user_agent="x"
    )
    return w.membership(w.bob)


def _finding(w: World) -> Any:
    from samtrygg.situation.models import ReportFinding

    report = _report(w)
    return ReportFinding.objects.create(report=report, kind="trend", generated_text="Fler bränder")


def _police_mapping(w: World) -> Any:
    from samtrygg.exchange import police_types

    category = w.category()
    return lambda: police_types.save_mapping(w.access(w.alice), {"Skadegörelse": category})


def _import_areas(w: World) -> Any:
    from samtrygg.areas.services import import_areas

    return lambda: import_areas(
        w.a,
        factories.feature_collection(
            factories.feature(
                "Öster",
                factories.square(factories.HALMSTAD_LON + 0.05, factories.HALMSTAD_LAT, 0.02),
            )
        ),
        kind="district",
        actor=w.alice,
        access=w.access(w.alice),
    )


def _import_boundaries(w: World) -> Any:
    import json

    from pyproj import Transformer

    from samtrygg.areas.services import import_boundaries

    x, y = Transformer.from_crs("EPSG:4326", "EPSG:3006", always_xy=True).transform(
        factories.HALMSTAD_LON, factories.HALMSTAD_LAT
    )
    ring = [[x, y], [x + 500, y], [x + 500, y + 500], [x, y + 500], [x, y]]
    data = {
        "type": "FeatureCollection",
        "crs": {"type": "name", "properties": {"name": "EPSG:3006"}},
        "features": [
            {
                "type": "Feature",
                "properties": {"deso": f"{w.a.scb_code}C1010", "kommun": w.a.scb_code},
                "geometry": {"type": "Polygon", "coordinates": [ring]},
            }
        ],
    }
    return lambda: import_boundaries(
        w.a, json.dumps(data).encode(), kind="deso", access=w.access(w.alice)
    )


def _delete_area(w: World) -> Any:
    from samtrygg.areas.models import Area
    from samtrygg.areas.services import delete_area

    _import_areas(w)()
    east = Area.objects.get(municipality=w.a, name="Öster")
    return lambda: delete_area(w.access(w.alice), east)


# Each entry: the service, the event it must write, a function of the world returning the
# counted call (everything else it needs is made before), and the fields it must show as
# [old, new].
CALLS: dict[str, tuple[AuditAction, Callable[[World], Callable[[], Any]], tuple[str, ...]]] = {
    # plans
    "samtrygg.plans.services.create_problem": (
        AuditAction.PROBLEM_CREATED,
        lambda w: lambda: _plans().create_problem(w.access(w.dave), title="Bränder"),
        (),
    ),
    "samtrygg.plans.services.add_cause": (
        AuditAction.CAUSE_ADDED,
        lambda w: (
            lambda: _plans().add_cause(
                w.access(w.dave), w.plan_object("problem"), group="place", text="Mörkt"
            )
        ),
        (),
    ),
    "samtrygg.plans.services.create_plan": (
        AuditAction.PLAN_CREATED,
        lambda w: (
            lambda: _plans().create_plan(
                w.access(w.dave),
                title="Plan",
                period_start=date(2026, 1, 1),
                period_end=date(2026, 12, 31),
            )
        ),
        (),
    ),
    "samtrygg.plans.services.add_measure": (
        AuditAction.MEASURE_ADDED,
        lambda w: lambda: _plan(w),  # create_plan is counted apart; this adds the measure
        (),
    ),
    "samtrygg.plans.services.decide_plan": (
        AuditAction.PLAN_DECIDED,
        lambda w: _two(
            w,
            _plan,
            lambda w, plan: _plans().decide_plan(
                w.access(w.dave), plan, body="Kommunstyrelsen", on=date(2026, 11, 20)
            ),
        ),
        ("status", "decision_body", "decision_date"),
    ),
    "samtrygg.plans.services.new_plan_version": (
        AuditAction.PLAN_VERSION_CREATED,
        lambda w: _two(
            w,
            lambda w: _plan(w, decided=True),
            lambda w, plan: _plans().new_plan_version(w.access(w.dave), plan),
        ),
        ("version",),
    ),
    "samtrygg.plans.services.save_plan_document": (
        AuditAction.PLAN_DOCUMENT_CHANGED,
        lambda w: _two(
            w,
            _plan,
            lambda w, plan: _plans().save_plan_document(
                w.access(w.dave),
                plan,
                _post(effect_goals="Färre bränder", budget_total="1 250 000"),
            ),
        ),
        ("effect_goals", "budget_total"),
    ),
    "samtrygg.plans.services.add_follow_up": (
        AuditAction.FOLLOW_UP_RECORDED,
        lambda w: _two(
            w,
            lambda w: _measure(_plan(w, decided=True)),
            lambda w, measure: _plans().add_follow_up(
                w.access(w.dave), measure, on=date(2026, 11, 24), colour="yellow"
            ),
        ),
        ("colour",),
    ),
    "samtrygg.plans.services.follow_up_plan": (
        AuditAction.PLAN_FOLLOWED_UP,
        lambda w: _two(
            w,
            lambda w: _plan(w, decided=True),
            lambda w, plan: _plans().follow_up_plan(
                w.access(w.dave),
                plan,
                on=date(2026, 11, 24),
                summary="Bra",
                body="KS",
                approved_on=date(2026, 11, 24),
            ),
        ),
        ("status",),
    ),
    "samtrygg.plans.services.create_agreement": (
        AuditAction.AGREEMENT_CREATED,
        lambda w: (
            lambda: _plans().create_agreement(
                w.access(w.dave),
                title="Samverkan",
                parties=[w.a_org, w.a_other_org],
                purposes="Tryggare centrum",
                areas=[w.area],
                period_start=date(2026, 1, 1),
                period_end=date(2027, 12, 31),
            )
        ),
        (),
    ),
    "samtrygg.plans.council.save_council_post": (
        AuditAction.COUNCIL_MEMBER_ADDED,
        lambda w: (
            lambda: _council().save_council_post(
                w.access(w.dave), _post(action="member", role="Ordförande", organisation=w.a_org.pk)
            )
        ),
        (),
    ),
    "samtrygg.plans.council.save_council_post#meeting": (
        AuditAction.COUNCIL_MEETING_RECORDED,
        lambda w: (
            lambda: _council().save_council_post(
                w.access(w.dave), _post(action="meeting", date="2026-11-20", decisions="Beslut")
            )
        ),
        (),
    ),
    "samtrygg.plans.promises.create_promise": (
        AuditAction.PROMISE_CREATED,
        lambda w: lambda: _promise(w),
        (),
    ),
    "samtrygg.plans.promises.set_promise_status": (
        AuditAction.PROMISE_CHANGED,
        lambda w: _two(
            w,
            _promise,
            lambda w, promise: _promises().set_promise_status(w.access(w.dave), promise, "done"),
        ),
        ("status",),
    ),
    "samtrygg.plans.promises.add_activity": (
        AuditAction.PROMISE_ACTIVITY_ADDED,
        lambda w: _two(
            w,
            _promise,
            lambda w, promise: _promises().add_activity(
                w.access(w.dave), promise, {"party": "kommunen", "text": "Belysning"}
            ),
        ),
        (),
    ),
    "samtrygg.plans.promises.record_follow_up": (
        AuditAction.PROMISE_FOLLOWED_UP,
        lambda w: _two(
            w,
            _activity,
            lambda w, activity: _promises().record_follow_up(
                w.access(w.dave), activity, {"date": "2026-11-24", "status": "ongoing"}
            ),
        ),
        ("status",),
    ),
    "samtrygg.tenancy.branding.save_branding": (
        AuditAction.BRANDING_CHANGED,
        lambda w: (
            lambda: _branding().save_branding(
                w.alice, w.a, colour="#1e6b34", header_text="Alfa kommun", logo=_png()
            )
        ),
        ("colour", "header_text", "logo"),
    ),
    "samtrygg.plans.council.save_compliance_post": (
        AuditAction.COMPLIANCE_SETTINGS_CHANGED,
        lambda w: (
            lambda: _council().save_compliance_post(
                w.access(w.dave), _post(coordination_function="Trygghetsenheten", public_page="on")
            )
        ),
        ("coordination_function", "public_page"),
    ),
    "samtrygg.plans.meetings.create_meeting": (
        AuditAction.MEETING_CREATED,
        lambda w: lambda: _meeting(w),
        (),
    ),
    "samtrygg.plans.meetings.save_decisions": (
        AuditAction.MEETING_DECISIONS_RECORDED,
        lambda w: _two(
            w,
            _meeting,
            lambda w, meeting: _meetings().save_decisions(w.access(w.dave), meeting, "Belys"),
        ),
        ("decisions",),
    ),
    "samtrygg.plans.meetings.add_task": (
        AuditAction.MEETING_TASK_ADDED,
        lambda w: _two(
            w,
            _meeting,
            lambda w, meeting: _meetings().add_task(
                w.access(w.dave),
                meeting,
                text="Byt lampor",
                organisation=w.a_org,
                due=date(2026, 12, 1),
            ),
        ),
        (),
    ),
    "samtrygg.plans.meetings.set_task_done": (
        AuditAction.MEETING_TASK_DONE,
        lambda w: _two(
            w,
            lambda w: _meetings().add_task(
                w.access(w.dave),
                _meeting(w),
                text="Byt lampor",
                organisation=w.a_org,
                due=date(2026, 12, 1),
            ),
            lambda w, task: _meetings().set_task_done(w.access(w.dave), task, True),
        ),
        ("done", "done_on"),
    ),
    # corrections of the plan chain (issue 13, item 8)
    "samtrygg.plans.services.edit_problem": (
        AuditAction.PROBLEM_CHANGED,
        lambda w: (
            lambda: _plans().edit_problem(w.access(w.dave), w.plan_object("problem"), title="Rök")
        ),
        ("title",),
    ),
    "samtrygg.plans.services.remove_problem": (
        AuditAction.PROBLEM_REMOVED,
        lambda w: lambda: _plans().remove_problem(w.access(w.dave), w.plan_object("problem")),
        ("removed_at",),
    ),
    "samtrygg.plans.services.edit_cause": (
        AuditAction.CAUSE_CHANGED,
        lambda w: _two(
            w,
            _cause,
            lambda w, cause: _plans().edit_cause(
                w.access(w.dave), cause, group="offender", text="Mörkt"
            ),
        ),
        ("group",),
    ),
    "samtrygg.plans.services.remove_cause": (
        AuditAction.CAUSE_REMOVED,
        lambda w: _two(w, _cause, lambda w, cause: _plans().remove_cause(w.access(w.dave), cause)),
        ("removed_at",),
    ),
    "samtrygg.plans.services.edit_measure": (
        AuditAction.MEASURE_CHANGED,
        lambda w: _two(
            w,
            lambda w: _measure(_plan(w)),
            lambda w, m: _plans().edit_measure(
                w.access(w.dave),
                m,
                title="Fler lampor",
                goal=m.goal,
                unlinked_reason=m.unlinked_reason,
                indicator_kind=m.indicator_kind,
                deadline=m.deadline,
                responsible=w.a_other_org,
            ),
        ),
        ("title", "responsible"),
    ),
    "samtrygg.plans.services.remove_measure": (
        AuditAction.MEASURE_REMOVED,
        lambda w: _two(
            w,
            lambda w: _measure(_plan(w)),
            lambda w, m: _plans().remove_measure(w.access(w.dave), m),
        ),
        ("removed_at",),
    ),
    "samtrygg.plans.services.edit_agreement": (
        AuditAction.AGREEMENT_CHANGED,
        lambda w: _two(
            w,
            _agreement,
            lambda w, a: _plans().edit_agreement(
                w.access(w.dave),
                a,
                title="Samverkan",
                parties=[w.a_org, w.a_other_org],
                purposes="Tryggare torg",
                areas=[w.area],
                period_start=date(2026, 1, 1),
                period_end=date(2028, 12, 31),
            ),
        ),
        ("purposes", "period_end"),
    ),
    "samtrygg.plans.services.remove_agreement": (
        AuditAction.AGREEMENT_REMOVED,
        lambda w: _two(w, _agreement, lambda w, a: _plans().remove_agreement(w.access(w.dave), a)),
        ("removed_at",),
    ),
    "samtrygg.plans.council.edit_council_member": (
        AuditAction.COUNCIL_MEMBER_CHANGED,
        lambda w: _two(
            w,
            _member,
            lambda w, m: _council().edit_council_member(
                w.access(w.dave),
                m,
                _post(role="Kommundirektör", organisation=w.a_other_org.pk, chair="on"),
            ),
        ),
        ("role", "organisation", "chair"),
    ),
    "samtrygg.plans.council.remove_council_member": (
        AuditAction.COUNCIL_MEMBER_REMOVED,
        lambda w: _two(
            w, _member, lambda w, m: _council().remove_council_member(w.access(w.dave), m)
        ),
        ("removed_at",),
    ),
    # situation
    "samtrygg.situation.services.create_report": (
        AuditAction.SITUATION_REPORT_CREATED,
        lambda w: lambda: _report(w),
        (),
    ),
    "samtrygg.situation.services.update_texts": (
        AuditAction.SITUATION_REPORT_CHANGED,
        lambda w: _two(
            w,
            _report,
            lambda w, report: _situation().update_texts(
                w.access(w.dave), report, analysis_text="Lugnt"
            ),
        ),
        ("analysis_text",),
    ),
    "samtrygg.situation.services.decide_finding": (
        AuditAction.SITUATION_REPORT_CHANGED,
        lambda w: _two(
            w,
            _finding,
            lambda w, finding: _situation().decide_finding(w.access(w.dave), finding, "accepted"),
        ),
        ("decision",),
    ),
    "samtrygg.situation.services.decide_findings": (
        AuditAction.SITUATION_REPORT_CHANGED,
        lambda w: _two(
            w,
            _finding,
            lambda w, finding: _situation().decide_findings(
                w.access(w.dave), finding.report, [(finding, "dropped")]
            ),
        ),
        ("decision",),
    ),
    "samtrygg.situation.services.approve": (
        AuditAction.SITUATION_REPORT_APPROVED,
        lambda w: _two(
            w,
            _ready_report,
            lambda w, report: _situation().approve(
                w.access(w.dave), report, body="Kommunfullmäktige", on=date(2026, 11, 20)
            ),
        ),
        ("status", "approved_on"),
    ),
    "samtrygg.situation.services.new_version": (
        AuditAction.SITUATION_REPORT_CREATED,
        lambda w: _two(
            w,
            lambda w: _situation().approve(
                w.access(w.dave), _ready_report(w), body="KF", on=date(2026, 11, 20)
            ),
            lambda w, report: _situation().new_version(w.access(w.dave), report),
        ),
        (),
    ),
    "samtrygg.situation.services.create_analysis": (
        AuditAction.PERIOD_ANALYSIS_CREATED,
        lambda w: lambda: _analysis(w),
        (),
    ),
    "samtrygg.situation.services.update_analysis": (
        AuditAction.PERIOD_ANALYSIS_CHANGED,
        lambda w: _two(
            w,
            _analysis,
            lambda w, analysis: _situation().update_analysis(
                w.access(w.dave),
                analysis,
                key_messages="Ett\nTvå\nTre",
                assessment="Lugnt",
                proposals="",
            ),
        ),
        ("key_messages", "assessment"),
    ),
    "samtrygg.situation.services.finalise_analysis": (
        AuditAction.PERIOD_ANALYSIS_FINALISED,
        lambda w: _two(
            w,
            lambda w: _situation().update_analysis(
                w.access(w.dave),
                _analysis(w),
                key_messages="Ett\nTvå\nTre",
                assessment="",
                proposals="",
            ),
            lambda w, analysis: _situation().finalise_analysis(w.access(w.dave), analysis),
        ),
        ("status",),
    ),
    "samtrygg.situation.services.import_table": (
        AuditAction.TABLE_IMPORTED,
        lambda w: (
            lambda: _situation().import_table(
                w.access(w.dave),
                kind="bra",
                title="Anmälda brott",
                source="Brå",
                raw="år;brottstyp;anmälda\n2025;Skadegörelse;1190\n".encode(),
            )
        ),
        (),
    ),
    "samtrygg.situation.contributions.add_contribution": (
        AuditAction.CONTRIBUTION_ADDED,
        lambda w: lambda: _contribution(w),
        ("title", "key_messages"),
    ),
    "samtrygg.situation.contributions.update_contribution": (
        AuditAction.CONTRIBUTION_CHANGED,
        lambda w: _two(
            w,
            _contribution,
            lambda w, c: _contributions().update_contribution(
                w.access(w.dave), c, _contribution_input(title="Lokal lägesbild 2026")
            ),
        ),
        ("title",),
    ),
    "samtrygg.situation.contributions.remove_contribution": (
        AuditAction.CONTRIBUTION_REMOVED,
        lambda w: _two(
            w,
            _contribution,
            lambda w, c: _contributions().remove_contribution(w.access(w.dave), c),
        ),
        ("title",),
    ),
    "samtrygg.situation.contributions.import_contribution": (
        AuditAction.CONTRIBUTION_IMPORTED,
        lambda w: _two(
            w,
            _report,
            lambda w, report: _contributions().import_contribution(
                w.access(w.dave),
                report,
                w.a_other_org,
                json.dumps(
                    {
                        "Lägesbild": {
                            "Titel": "Alfahems lägesbild",
                            "Period från": "2025-01-01",
                            "Period till": "2025-12-31",
                        },
                        "Nyckelbudskap": [{"Budskap": "Lugnt i trapphusen."}],
                    }
                ).encode(),
                "alfahem.json",
            ),
        ),
        ("title", "file"),
    ),
    "samtrygg.situation.weekly_picture.save_settings": (
        AuditAction.SITUATION_REPORT_CHANGED,
        lambda w: (
            lambda: _weekly_picture().save_settings(
                w.access(w.dave), recipients="a@example.se", weekday=1, hour=7
            )
        ),
        (),
    ),
    "samtrygg.incidents.notifications.save_preference": (
        AuditAction.PREFERENCES_CHANGED,
        lambda w: _two(
            w,
            lambda w: _notifications().save_preference(w.bob, weekly_summary=True),
            lambda w, _p: _notifications().save_preference(w.bob, weekly_summary=False),
        ),
        ("weekly_summary",),
    ),
    # tenancy
    "samtrygg.tenancy.services.create_organisation": (
        AuditAction.ORGANISATION_CREATED,
        lambda w: (
            lambda: _tenancy().create_organisation(
                w.access(w.alice), name="Föreningen", kind="forening"
            )
        ),
        (),
    ),
    "samtrygg.tenancy.services.update_organisation": (
        AuditAction.ORGANISATION_CHANGED,
        lambda w: (
            lambda: _tenancy().update_organisation(w.access(w.alice), w.a_other_org, name="Alfahem")
        ),
        ("name",),
    ),
    "samtrygg.tenancy.services.invite": (
        AuditAction.INVITATION_SENT,
        lambda w: (
            lambda: _tenancy().invite(
                w.access(w.alice), email="ny2@example.se", organisation=w.a_org, role=Role.REPORTER
            )
        ),
        (),
    ),
    "samtrygg.tenancy.services.invite#existing_user": (
        AuditAction.MEMBERSHIP_CREATED,
        lambda w: (
            lambda: _tenancy().invite(
                w.access(w.alice), email=w.carol.email, organisation=w.a_org, role=Role.REPORTER
            )
        ),
        (),
    ),
    "samtrygg.tenancy.services.revoke_invitation": (
        AuditAction.INVITATION_REVOKED,
        lambda w: lambda: _tenancy().revoke_invitation(w.access(w.alice), w.invitation),
        (),
    ),
    "samtrygg.tenancy.services.accept_invitation": (
        AuditAction.INVITATION_ACCEPTED,
        lambda w: (
            lambda: _tenancy().accept_invitation(
                w.invitation, full_name="Ny Person", password=factories.PASSWORD
            )
        ),
        (),
    ),
    "samtrygg.tenancy.services.change_role": (
        AuditAction.ROLE_CHANGED,
        lambda w: (
            lambda: _tenancy().change_role(w.access(w.alice), w.membership(w.bob), Role.HANDLER)
        ),
        ("role",),
    ),
    "samtrygg.tenancy.services.remove_membership": (
        AuditAction.MEMBERSHIP_REMOVED,
        lambda w: lambda: _tenancy().remove_membership(w.access(w.alice), w.membership(w.bob)),
        (),
    ),
    "samtrygg.tenancy.services.unlock_member": (
        AuditAction.ACCOUNT_UNLOCKED,
        lambda w: _two(w, _locked, lambda w, m: _tenancy().unlock_member(w.access(w.alice), m)),
        (),
    ),
    "samtrygg.tenancy.tokens.create_token": (
        AuditAction.API_TOKEN_CREATED,
        lambda w: lambda: _tokens().create_token(w.bob, name="Skript", days=30),
        (),
    ),
    "samtrygg.tenancy.tokens.revoke_token": (
        AuditAction.API_TOKEN_REVOKED,
        lambda w: _two(
            w,
            lambda w: _tokens().create_token(w.bob, name="Skript", days=30)[0],
            lambda w, token: _tokens().revoke_token(w.bob, token),
        ),
        (),
    ),
    # incidents
    "samtrygg.incidents.services.create_incident": (
        AuditAction.INCIDENT_CREATED,
        _new_incident,
        (),
    ),
    "samtrygg.incidents.services.add_photos": (
        AuditAction.PHOTO_ADDED,
        lambda w: _two(
            w,
            lambda w: w.incident(),
            lambda w, incident: _incident_services().add_photos(
                w.access(w.bob), incident, [("a.jpg", _jpeg())]
            ),
        ),
        (),
    ),
    "samtrygg.incidents.services.create_incident_once": (
        AuditAction.INCIDENT_CREATED,
        lambda w: _once(w),
        (),
    ),
    "samtrygg.incidents.services.keep_pending_photo": (
        AuditAction.PHOTO_KEPT,
        lambda w: (
            lambda: _incident_services().keep_pending_photo(
                w.access(w.bob), "k" * 32, 0, "a.jpg", _jpeg()
            )
        ),
        (),
    ),
    "samtrygg.incidents.cases.assign": (
        AuditAction.CASE_ASSIGNED,
        lambda w: lambda: _assigned(w),
        (),
    ),
    "samtrygg.incidents.cases.transition": (
        AuditAction.CASE_STATUS_CHANGED,
        lambda w: lambda: _cases().transition(w.access(w.dave), w.incident(), _status("triaged")),
        ("status",),
    ),
    "samtrygg.incidents.cases.add_comment": (
        AuditAction.CASE_COMMENTED,
        lambda w: lambda: _cases().add_comment(w.access(w.dave), w.incident(), "Vi tittar"),
        (),
    ),
    "samtrygg.incidents.cases.merge": (AuditAction.CASE_MERGED, _merge, ()),
    "samtrygg.incidents.bulk.bulk_apply": (
        AuditAction.CASE_STATUS_CHANGED,
        lambda w: _two(
            w,
            _resolved,
            lambda w, incident: _bulk().bulk_apply(
                w.access(w.dave), [incident.pk], "close", versions={}
            ),
        ),
        ("status",),
    ),
    "samtrygg.incidents.bulk.save_filter": (
        AuditAction.SAVED_FILTER_CHANGED,
        lambda w: lambda: _bulk().save_filter(w.access(w.dave), "Mina", "status=new"),
        (),
    ),
    "samtrygg.incidents.bulk.delete_filter": (
        AuditAction.SAVED_FILTER_CHANGED,
        lambda w: _two(
            w,
            lambda w: _bulk().save_filter(w.access(w.dave), "Mina", "status=new"),
            lambda w, saved: _bulk().delete_filter(w.access(w.dave), saved),
        ),
        (),
    ),
    "samtrygg.incidents.weekly.submit_weekly_report": (
        AuditAction.WEEKLY_REPORT_SUBMITTED,
        _quiet_week,
        (),
    ),
    "samtrygg.incidents.category_admin.create_category": (
        AuditAction.CATEGORY_CREATED,
        lambda w: lambda: _category(w),
        (),
    ),
    "samtrygg.incidents.category_admin.update_category": (
        AuditAction.CATEGORY_CHANGED,
        lambda w: _two(
            w,
            _category,
            lambda w, c: _category_admin().update_category(w.access(w.alice), c, label_sv="Skräp"),
        ),
        ("label_sv",),
    ),
    "samtrygg.incidents.category_admin.move_category": (
        AuditAction.CATEGORY_CHANGED,
        lambda w: _two(
            w,
            _category,
            lambda w, c: _category_admin().move_category(w.access(w.alice), c, -1),
        ),
        (),
    ),
    "samtrygg.incidents.category_admin.set_route": (
        AuditAction.CATEGORY_CHANGED,
        lambda w: _two(
            w,
            _category,
            lambda w, c: _category_admin().set_route(w.access(w.alice), c, w.area, w.a_org),
        ),
        (),
    ),
    "samtrygg.incidents.category_admin.delete_category": (
        AuditAction.CATEGORY_DELETED,
        lambda w: _two(
            w,
            _category,
            lambda w, c: _category_admin().delete_category(w.access(w.alice), c),
        ),
        (),
    ),
    # areas, Polisen's event types
    "samtrygg.areas.services.import_areas": (AuditAction.AREAS_IMPORTED, _import_areas, ()),
    "samtrygg.areas.services.import_boundaries": (
        AuditAction.AREAS_IMPORTED,
        _import_boundaries,
        (),
    ),
    "samtrygg.areas.services.delete_area": (AuditAction.AREA_DELETED, _delete_area, ()),
    "samtrygg.exchange.incident_import.import_incidents": (
        AuditAction.INCIDENTS_IMPORTED,
        lambda w: _two(
            w,
            lambda w: w.category(),
            lambda w, _c: _import().import_incidents(
                (
                    "external_id;category;occurred_at;lat;lon\n"
                    f"r1;klotter;2026-11-01 10:00;{factories.HALMSTAD_LAT};"
                    f"{factories.HALMSTAD_LON}\n"
                ).encode(),
                "a.csv",
                w.a,
                w.a_org,
                actor=w.dave,
            ),
        ),
        (),
    ),
    "samtrygg.exchange.police_types.save_mapping": (
        AuditAction.CATEGORY_CHANGED,
        _police_mapping,
        ("Skadegörelse",),
    ),
}


def _council() -> Any:
    from samtrygg.plans import council

    return council


def _meetings() -> Any:
    from samtrygg.plans import meetings

    return meetings


def _situation() -> Any:
    from samtrygg.situation import services

    return services


def _contributions() -> Any:
    from samtrygg.situation import contributions

    return contributions


def _contribution_input(**values: Any) -> Any:
    return _contributions().ContributionInput(
        **{
            "title": "Lokal lägesbild 2025",
            "period_start": "2025-01-01",
            "period_end": "2025-12-31",
            "key_messages": ["Färre inbrott."],
            "sections": [("Inbrott", "Färre än 2024.")],
            "figures": [_contributions().FigureInput("Anmälda inbrott", "42", "st")],
            **values,
        }
    )


def _contribution(w: World) -> Any:
    return _contributions().add_contribution(
        w.access(w.dave), _report(w), w.a_other_org, _contribution_input()
    )


def _import() -> Any:
    from samtrygg.exchange import incident_import

    return incident_import


def _weekly_picture() -> Any:
    from samtrygg.situation import weekly_picture

    return weekly_picture


def _notifications() -> Any:
    from samtrygg.incidents import notifications

    return notifications


def _tokens() -> Any:
    from samtrygg.tenancy import tokens

    return tokens


def _bulk() -> Any:
    from samtrygg.incidents import bulk

    return bulk


def _category_admin() -> Any:
    from samtrygg.incidents import category_admin

    return category_admin


def _incident_services() -> Any:
    from samtrygg.incidents import services

    return services


def _status(value: str) -> Any:
    from samtrygg.incidents.models import Status

    return Status(value)


def _branding() -> Any:
    from samtrygg.tenancy import branding

    return branding


def _png() -> bytes:
    from ..tenancy.test_branding import png

    return png()


def _jpeg() -> bytes:
    from ..conftest import jpeg_with_gps

    return jpeg_with_gps(300, 200)


# ---- the walk ------------------------------------------------------------------------------


def test_every_writing_service_is_called_here_or_exempt() -> None:
    called = {name.split("#")[0] for name in CALLS}
    missing = [name for name in writers() if name not in called and name not in EXEMPT]
    assert not missing, f"service functions with no audit check and no exemption: {missing}"
    stale = [name for name in [*called, *EXEMPT] if name not in writers()]
    assert not stale, f"listed but not a writing service function (renamed?): {stale}"
    assert len(EXEMPT) <= 7, "the exempt list is meant to stay small"


@pytest.mark.parametrize("name", sorted(CALLS))
def test_service_writes_its_typed_event(world: World, name: str) -> None:
    action, prepare, changed = CALLS[name]
    call = prepare(world)
    before = set(AuditEvent.objects.filter(action=action).values_list("pk", flat=True))
    call()
    new = list(AuditEvent.objects.filter(action=action).exclude(pk__in=before))
    assert new, f"{name} wrote no {action.value} event"
    event = new[-1]
    assert event.object_repr or event.object_id, f"{name}: the event names no object"
    if name != "samtrygg.tenancy.services.accept_invitation":
        assert event.actor is not None, f"{name}: the event names no actor"
    for key, pair in event.changes.items():
        assert isinstance(pair, list) and len(pair) == 2, f"{name}: {key} is not [old, new]"
    for key in changed:
        assert key in event.changes, f"{name}: {key} not in {event.changes}"
        old, new_value = event.changes[key]
        assert old != new_value, f"{name}: {key} shows no change"


def test_no_plan_action_is_logged_under_a_catch_all(world: World) -> None:
    """The 17 plan, council and meeting actions each have their own type."""
    plan_actions = {
        action for name, (action, _p, _c) in CALLS.items() if name.startswith("samtrygg.plans.")
    }
    assert len(plan_actions) == len([n for n in CALLS if n.startswith("samtrygg.plans.")])


def test_before_and_after_values(world: World) -> None:
    from samtrygg.plans import services

    plan = _plan(world)
    services.decide_plan(
        world.access(world.dave), plan, body="Kommunstyrelsen", on=date(2026, 11, 20)
    )
    event = AuditEvent.objects.get(action=AuditAction.PLAN_DECIDED)
    assert event.changes["status"] == ["draft", "decided"]
    assert event.changes["decision_body"] == ["", "Kommunstyrelsen"]
    assert event.changes["decision_date"] == [None, "2026-11-20"]
    measure = plan.measures.get()
    services.add_follow_up(world.access(world.dave), measure, on=date(2026, 11, 24), colour="red")
    services.add_follow_up(world.access(world.dave), measure, on=date(2026, 11, 25), colour="green")
    colours = [
        e.changes["colour"]
        for e in AuditEvent.objects.filter(action=AuditAction.FOLLOW_UP_RECORDED).order_by("id")
    ]
    assert colours == [[None, "red"], ["red", "green"]]
    from samtrygg.plans import promises

    promise = _promise(world)
    promises.set_promise_status(world.access(world.dave), promise, "done")
    changed = AuditEvent.objects.get(action=AuditAction.PROMISE_CHANGED)
    assert changed.changes["status"] == ["planned", "done"]


def _action_names_in(path: Path) -> set[str]:
    return set(re.findall(r"AuditAction\.([A-Z_]+)", path.read_text(encoding="utf-8")))


def test_every_action_is_written_somewhere() -> None:
    """Each value is run above, or named by the code that writes it (signals, commands,
    imports, jobs, the admin); an action nothing writes is dead and must go."""
    src = Path(__file__).resolve().parents[2] / "src" / "samtrygg"
    written: set[str] = {action.name for action, _p, _c in CALLS.values()}
    for path in src.rglob("*.py"):
        if "migrations" in path.parts or path == src / "audit" / "models.py":
            continue
        if path == src / "audit" / "views.py":  # the filter form lists them all
            continue
        written |= _action_names_in(path)
    unwritten = sorted(a.name for a in AuditAction if a.name not in written)
    assert not unwritten, f"audit actions no code writes: {unwritten}"


# ---- the other doors: signals, notifications, imports, exports ----------------------------


def _police_line() -> str:
    import json

    return json.dumps(
        {
            "id": 4242,
            "datetime": "2026-11-20 21:10:00 +01:00",
            "name": "20 november 21.10, Skadegörelse, Halmstad",
            "summary": "Fönster krossat.",
            "type": "Skadegörelse",
            "location": {"name": "Halmstad", "gps": "56.6745,12.8578"},
        }
    )


def _mfa(signal_name: str) -> Callable[[World, Any], Any]:
    def run(w: World, client: Any) -> Any:
        from types import SimpleNamespace

        from allauth.mfa import signals

        getattr(signals, signal_name).send(
            sender=None, request=None, user=w.bob, authenticator=SimpleNamespace(type="totp")
        )

    return run


def _login(w: World, client: Any) -> Any:
    return client.post("/accounts/login/", {"login": w.bob.email, "password": factories.PASSWORD})


def _logout(w: World, client: Any) -> Any:
    client.force_login(w.bob)
    return client.post("/accounts/logout/")


def _locked_out(w: World, client: Any) -> Any:
    from axes.signals import user_locked_out

    user_locked_out.send(sender="axes", request=None, username=w.bob.email)


def _export(w: World, client: Any) -> Any:
    from samtrygg.exchange.exports import log_export

    log_export(w.access(w.dave), "csv", 3, "status=new")


def _police(w: World, client: Any) -> Any:
    from samtrygg.exchange.polisen import import_police_events

    w.a.scb_code = "1380"
    w.a.save()
    import_police_events(_police_line(), w.a, actor=w.alice)


def _remind(w: World, client: Any) -> Any:
    from samtrygg.incidents.notifications import remind_now

    year, week, _day = (timezone.localdate() - timedelta(days=7)).isocalendar()
    remind_now(w.access(w.dave), year, week)


OTHER_DOORS: dict[AuditAction, Callable[[World, Any], Any]] = {
    AuditAction.LOGIN: _login,
    AuditAction.LOGIN_FAILED: lambda w, client: client.post(
        "/accounts/login/", {"login": w.bob.email, "password": "fel"}
    ),
    AuditAction.LOGOUT: _logout,
    AuditAction.LOCKED_OUT: _locked_out,
    AuditAction.MFA_ACTIVATED: _mfa("authenticator_added"),
    AuditAction.MFA_DEACTIVATED: _mfa("authenticator_removed"),
    AuditAction.EXPORT: _export,
    AuditAction.POLICE_EVENTS_IMPORTED: _police,
    AuditAction.NOTIFICATION_SENT: _remind,
}

# Written by heavy runs that have their own tests, which check the event.
CHECKED_ELSEWHERE = {
    AuditAction.PUBLIC_TEXTS_CHANGED: "tests/tenancy/test_public_texts.py",
    AuditAction.COUNCIL_REPORT_CREATED: "tests/plans/test_council_report.py",
    AuditAction.COUNCIL_REPORT_CHANGED: "tests/plans/test_council_report.py",
    AuditAction.COUNCIL_REPORT_REPORTED: "tests/plans/test_council_report.py",
    AuditAction.EVALUATION_SAVED: "tests/plans/test_plans.py",
    AuditAction.RETENTION_APPLIED: "tests/incidents/test_retention.py",
    AuditAction.BACKUP_CREATED: "tests/core/test_backup.py",
    AuditAction.BACKUP_RESTORED: "tests/core/test_backup.py",
    AuditAction.DEMO_BUILT: "tests/test_demo.py",
    AuditAction.ADMIN_CREATED: "tests/audit/test_admin_and_case_history.py",
    AuditAction.ADMIN_CHANGED: "tests/audit/test_admin_and_case_history.py",
    AuditAction.ADMIN_DELETED: "tests/audit/test_admin_and_case_history.py",
}


@pytest.mark.parametrize("action", sorted(OTHER_DOORS, key=str))
def test_other_doors_write_their_event(world: World, client: Any, action: AuditAction) -> None:
    before = AuditEvent.objects.filter(action=action).count()
    OTHER_DOORS[action](world, client)
    assert AuditEvent.objects.filter(action=action).count() > before


def test_every_action_is_checked_by_a_test() -> None:
    """Run above (service walk or other doors), or checked by the named test file (which must
    name the action)."""
    tests = Path(__file__).resolve().parents[1]
    run = {action for action, _p, _c in CALLS.values()} | set(OTHER_DOORS)
    unchecked = []
    for action in AuditAction:
        if action in run:
            continue
        where = CHECKED_ELSEWHERE.get(action)
        text = (tests.parent / where).read_text(encoding="utf-8") if where else ""
        if action.name not in text and action.value not in text:
            unchecked.append(action.name)
    assert not unchecked, f"audit actions no test checks: {unchecked}"
