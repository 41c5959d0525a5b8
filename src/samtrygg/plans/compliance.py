"""Compliance with Lag (2023:196): each requirement with its status, evidence and due date."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from samtrygg.core import formatting
from samtrygg.situation.models import ReportStatus, SituationReport
from samtrygg.tenancy.models import Municipality

from .models import (
    ActionPlan,
    Agreement,
    ComplianceSettings,
    CouncilMeeting,
    CouncilMember,
    PlanFollowUp,
    PlanStatus,
)

DUE_SOON_DAYS = 60
# The law came into force on 1 July 2023; the first åtgärdsplan — and so the lägesbild it
# rests on — was due on 1 July 2024.
FIRST_PLAN_DUE = date(2024, 7, 1)
# Coordination (12 § 1) shows in meetings held: at least one in the last quarter.
COORDINATION_DAYS = 92

# The statuses, from the law's point of view. A duty the law says the kommun shall "work for"
# (9 § agreements, 10 § council) is never "missing": it is in progress or not started.
OK, DUE_SOON, NOT_DONE, OVERDUE = "ok", "due_soon", "not_done", "overdue"
IN_PROGRESS, NOT_STARTED = "in_progress", "not_started"
LABELS = {
    OK: _("Met"),
    DUE_SOON: _("Met – renew by %(due)s"),
    NOT_DONE: _("Not done – due by %(due)s"),
    OVERDUE: _("Not done – overdue since %(due)s"),
    IN_PROGRESS: _("Work in progress"),
    NOT_STARTED: _("Not started"),
}
NEEDS_ATTENTION = (NOT_DONE, OVERDUE, NOT_STARTED)


@dataclass
class Item:
    paragraph: str
    requirement: Any
    status: str  # one of LABELS
    evidence: str  # a sentence
    link: str
    due: date | None = None

    @property
    def label(self) -> str:
        """ "Ej gjort – senast 1 juli 2024" in the active language; "Ej gjort" with no date."""
        if self.due is None and self.status == NOT_DONE:
            return str(_("Not done"))
        due = formatting.day(self.due) if self.due else ""
        return str(LABELS[self.status]) % {"due": due}


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    import calendar

    return day.replace(
        year=year, month=month + 1, day=min(day.day, calendar.monthrange(year, month + 1)[1])
    )


def _renewal(due: date, today: date) -> str:
    """Something done that must be done again by ``due``."""
    if today > due:
        return OVERDUE
    if today > due - timedelta(days=DUE_SOON_DAYS):
        return DUE_SOON
    return OK


def _undone(due: date | None, today: date) -> str:
    """Something not done that is due by ``due``."""
    return OVERDUE if due is not None and today > due else NOT_DONE


def valid_report(municipality: Municipality, today: date) -> SituationReport | None:
    """The newest lägesbild that counts for 4 §: approved on a day that has come, with all
    three parts (an approval before the parts were required may lack them)."""
    from samtrygg.situation.services import empty_parts

    approved = SituationReport.objects.filter(
        municipality=municipality, status=ReportStatus.APPROVED, approved_on__lte=today
    ).order_by("-approved_on", "-version")
    return next((r for r in approved if not empty_parts(r)), None)


def decided_plan(municipality: Municipality, today: date) -> ActionPlan | None:
    """The newest åtgärdsplan that counts for 5 §: decided on a day that has come, resting on an
    approved lägesbild."""
    return (
        ActionPlan.objects.filter(
            municipality=municipality,
            decision_date__lte=today,
            situation_report__status=ReportStatus.APPROVED,
        )
        .exclude(status=PlanStatus.DRAFT)
        .order_by("-decision_date")
        .first()
    )


def items(municipality: Municipality, today: date) -> list[Item]:
    """What the law asks, each with its status and evidence (the kommun's own routines, such as a
    yearly council meeting, are in ``routines``)."""
    # Looked up once: several items rest on the same lägesbild, plan and settings.
    report = valid_report(municipality, today)
    plan = decided_plan(municipality, today)
    row = _settings(municipality)
    return [
        _situation_report(municipality, today, report),
        *_plan_items(municipality, today, plan),
        _other_planning(municipality, plan),
        _agreements(municipality, today),
        _council(municipality),
        _coordination(municipality, row),
        *_coordination_tasks(municipality, today, row, report, plan),
        _council_reporting(municipality, row),
    ]


def _situation_report(
    municipality: Municipality, today: date, report: SituationReport | None
) -> Item:
    link = reverse("report_list", args=[municipality.slug])
    requirement = _(
        "Lägesbild with all three parts, approved and updated at least every second year"
    )
    if report is None or report.next_update_due is None or report.approved_on is None:
        return Item(
            "4 §, 6 §", requirement, _undone(FIRST_PLAN_DUE, today), "", link, FIRST_PLAN_DUE
        )
    evidence = f"{report.title}, {report.approved_body} {formatting.day(report.approved_on)}"
    link = reverse("report_detail", args=[municipality.slug, report.pk])
    due = report.next_update_due
    return Item("4 §, 6 §", requirement, _renewal(due, today), evidence, link, due)


def _plan_items(municipality: Municipality, today: date, plan: ActionPlan | None) -> list[Item]:
    link = reverse("plan_list", args=[municipality.slug])
    if plan is None or plan.decision_date is None:
        return [
            Item(
                "5 §",
                _("Åtgärdsplan decided on the basis of the lägesbild"),
                _undone(FIRST_PLAN_DUE, today),
                "",
                link,
                FIRST_PLAN_DUE,
            ),
            Item(
                "6 §", _("Åtgärdsplan followed up at least every second year"), NOT_DONE, "", link
            ),
        ]
    decided = Item(
        "5 §",
        _("Åtgärdsplan decided on the basis of the lägesbild"),
        OK,
        f"{plan.title}, {plan.decision_body} {formatting.day(plan.decision_date)}",
        reverse("plan_detail", args=[municipality.slug, plan.pk]),
    )
    # 6 §: only an approved follow-up fulfils it; until one exists it is "not done", due two
    # years after the decision.
    followed = (
        PlanFollowUp.objects.filter(
            plan__municipality=municipality,
            approved_on__isnull=False,
            approved_on__lte=today,
            approved_on__gte=plan.decision_date,
        )
        .order_by("-approved_on")
        .first()
    )
    requirement = _("Åtgärdsplan followed up at least every second year")
    if followed is None or followed.approved_on is None:
        due = _add_months(plan.decision_date, 24)
        return [decided, Item("6 §", requirement, _undone(due, today), "", link, due)]
    due = _add_months(followed.approved_on, 24)
    evidence = f"{followed.approved_body} {formatting.day(followed.approved_on)}"
    return [decided, Item("6 §", requirement, _renewal(due, today), evidence, link, due)]


def _other_planning(municipality: Municipality, plan: ActionPlan | None) -> Item:
    """7 §: the work is integrated with the kommun's other planning; the decided plan names the
    steering documents it is linked to (risk- och sårbarhetsanalys, ANDTS-plan, …)."""
    links = list(plan.links) if plan else []
    return Item(
        "7 §",
        _("Åtgärdsplan linked to the municipality's other planning"),
        OK if links else NOT_DONE,
        ", ".join(link.get("title", "") for link in links[:4]),
        reverse("plan_detail", args=[municipality.slug, plan.pk])
        if plan
        else reverse("plan_list", args=[municipality.slug]),
    )


def _agreements(municipality: Municipality, today: date) -> Item:
    """9 §: the kommun shall work for written agreements (with purposes and areas)."""
    everything = Agreement.objects.filter(municipality=municipality)
    in_force = everything.filter(period_start__lte=today, period_end__gte=today)
    status = OK if in_force.exists() else IN_PROGRESS if everything.exists() else NOT_STARTED
    return Item(
        "9 §",
        _("Work for written agreements with purposes and areas"),
        status,
        ", ".join(a.title for a in (in_force if status == OK else everything)[:3]),
        reverse("agreement_list", args=[municipality.slug]),
    )


def _council(municipality: Municipality) -> Item:
    """10 §: the kommun shall work for a strategic council with members in leading positions."""
    members = CouncilMember.objects.filter(municipality=municipality)
    leading = members.filter(leading_position=True).count()
    met = CouncilMeeting.objects.filter(municipality=municipality).order_by("-date").first()
    status = OK if leading and met else IN_PROGRESS if members.exists() or met else NOT_STARTED
    evidence = str(
        ngettext(
            "%(n)d member in a leading position",
            "%(n)d members in leading positions",
            leading,
        )
        % {"n": leading}
    )
    if met:
        evidence += f"; {_('last meeting')} {formatting.day(met.date)}"
    return Item(
        "10 §",
        _("Work for a strategic council with members in leading positions"),
        status,
        evidence if members.exists() or met else "",
        reverse("council", args=[municipality.slug]),
    )


def _settings(municipality: Municipality) -> ComplianceSettings | None:
    return ComplianceSettings.objects.filter(municipality=municipality).first()


def _coordination(municipality: Municipality, row: ComplianceSettings | None) -> Item:
    named = (row.coordination_function if row else "") or ""
    return Item(
        "11 §",
        _("Coordination function named"),
        OK if named else NOT_DONE,
        named,
        reverse("compliance", args=[municipality.slug]),
    )


def _coordination_tasks(
    municipality: Municipality,
    today: date,
    row: ComplianceSettings | None,
    report: SituationReport | None,
    plan: ActionPlan | None,
) -> list[Item]:
    """12 §: the coordination function's three tasks, each with what shows it is done."""
    from .models import Meeting

    link = reverse("compliance", args=[municipality.slug])
    since = today - timedelta(days=COORDINATION_DAYS)
    held = Meeting.objects.filter(municipality=municipality, date__gte=since, date__lte=today)
    meetings = held.count()
    contact = (row.contact_point if row else "") or ""
    public = bool(row and row.public_page)
    decided = [
        str(_("the decided lägesbild")) if report else "",
        str(_("the decided åtgärdsplan")) if plan else "",
    ]
    return [
        Item(
            "12 § 1",
            _("Coordinates the crime prevention work"),
            OK if meetings else NOT_DONE,
            str(
                ngettext(
                    "%(n)d coordination meeting in the last three months",
                    "%(n)d coordination meetings in the last three months",
                    meetings,
                )
                % {"n": meetings}
            )
            if meetings
            else "",
            reverse("meeting_list", args=[municipality.slug]),
        ),
        Item(
            "12 § 2",
            _("Is the contact point for external actors"),
            OK if contact else NOT_DONE,
            contact,
            link,
        ),
        Item(
            "12 § 3",
            _("Informs the residents about the work"),
            OK if public else NOT_DONE,
            (
                str(_("Public information page, linking %(documents)s"))
                % {"documents": " och ".join(d for d in decided if d) or "–"}
            )
            if public
            else "",
            link,
        ),
    ]


def _council_reporting(municipality: Municipality, row: ComplianceSettings | None) -> Item:
    """13 §: kommunstyrelsen reports continuously to kommunfullmäktige. The law sets no interval;
    the kommun's own yearly routine is in ``routines``."""
    last = _last_council_report(municipality, row)
    return Item(
        "13 §",
        _("Reports to kommunfullmäktige"),
        OK if last else NOT_DONE,
        formatting.day(last) if last else "",
        reverse("council_reports", args=[municipality.slug]),
    )


def _last_council_report(municipality: Municipality, row: ComplianceSettings | None) -> date | None:
    """The day of the last report to kommunfullmäktige: the ärende marked as reported in
    Samtrygg, or a date the kommun entered for a report made outside it, whichever is later."""
    from .council_reports import last_reported

    dates = [
        d for d in (last_reported(municipality), row.last_council_report if row else None) if d
    ]
    return max(dates) if dates else None


def routines(municipality: Municipality, today: date) -> list[Item]:
    """The kommun's own routines for the law's duties — not the law's requirements: the
    strategic council meets and the report to kommunfullmäktige is made at least once a year."""
    meeting = CouncilMeeting.objects.filter(municipality=municipality).order_by("-date").first()
    last = _last_council_report(municipality, _settings(municipality))
    out = []
    for paragraph, requirement, done, link in (
        (
            "10 §",
            _("The strategic council meets every year"),
            meeting.date if meeting else None,
            reverse("council", args=[municipality.slug]),
        ),
        (
            "13 §",
            _("Report to kommunfullmäktige every year"),
            last,
            reverse("council_reports", args=[municipality.slug]),
        ),
    ):
        if done is None:
            out.append(Item(paragraph, requirement, NOT_DONE, "", link))
        else:
            due = _add_months(done, 12)
            out.append(
                Item(paragraph, requirement, _renewal(due, today), formatting.day(done), link, due)
            )
    return out
