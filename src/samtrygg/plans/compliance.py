"""Compliance with Lag (2023:196): each requirement with its status, evidence and due date."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

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


@dataclass
class Item:
    paragraph: str
    requirement: Any
    status: str  # ok, due_soon, overdue, missing
    evidence: str  # a sentence
    link: str
    due: date | None = None


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    import calendar

    return day.replace(
        year=year, month=month + 1, day=min(day.day, calendar.monthrange(year, month + 1)[1])
    )


def _status(due: date | None, today: date) -> str:
    if due is None:
        return "missing"
    if today > due:
        return "overdue"
    if today > due - timedelta(days=DUE_SOON_DAYS):
        return "due_soon"
    return "ok"


def items(municipality: Municipality, today: date) -> list[Item]:
    slug = municipality.slug
    settings_row = ComplianceSettings.objects.filter(municipality=municipality).first()
    out: list[Item] = []

    report = (
        SituationReport.objects.filter(municipality=municipality, status=ReportStatus.APPROVED)
        .order_by("-approved_on")
        .first()
    )
    due = report.next_update_due if report else None
    out.append(
        Item(
            "4 §, 6 §",
            _("Lägesbild approved and updated within 24 months"),
            _status(due, today),
            f"{report.title}, {report.approved_body} {report.approved_on:%Y-%m-%d}"
            if report
            else "",
            reverse("report_list", args=[slug]),
            due,
        )
    )

    plan = (
        ActionPlan.objects.filter(municipality=municipality)
        .exclude(status=PlanStatus.DRAFT)
        .order_by("-decision_date")
        .first()
    )
    out.append(
        Item(
            "5 §",
            _("Åtgärdsplan decided on the basis of the lägesbild"),
            "ok" if plan else "missing",
            f"{plan.title}, {plan.decision_body} {plan.decision_date:%Y-%m-%d}"
            if plan and plan.decision_date
            else "",
            reverse("plan_list", args=[slug]),
        )
    )

    followed = (
        PlanFollowUp.objects.filter(plan__municipality=municipality, approved_on__isnull=False)
        .order_by("-approved_on")
        .first()
    )
    base = followed.approved_on if followed else (plan.decision_date if plan else None)
    due = _add_months(base, 24) if base else None
    out.append(
        Item(
            "6 §",
            _("Åtgärdsplan followed up within 24 months"),
            _status(due, today),
            f"{followed.approved_body} {followed.approved_on:%Y-%m-%d}"
            if followed and followed.approved_on
            else "",
            reverse("plan_list", args=[slug]),
            due,
        )
    )

    agreements = Agreement.objects.filter(
        municipality=municipality, period_start__lte=today, period_end__gte=today
    )
    out.append(
        Item(
            "9 §",
            _("Written agreements with purposes and areas in force"),
            "ok" if agreements.exists() else "missing",
            ", ".join(a.title for a in agreements[:3]),
            reverse("agreement_list", args=[slug]),
        )
    )

    meeting = CouncilMeeting.objects.filter(municipality=municipality).order_by("-date").first()
    leading = CouncilMember.objects.filter(
        municipality=municipality, leading_position=True
    ).exists()
    due = _add_months(meeting.date, 12) if meeting else None
    status = _status(due, today) if leading else "missing"
    out.append(
        Item(
            "10 §",
            _("Strategic council with leading members has met within 12 months"),
            status,
            f"{meeting.date:%Y-%m-%d}" if meeting else "",
            reverse("council", args=[slug]),
            due,
        )
    )

    named = settings_row.coordination_function if settings_row else ""
    out.append(
        Item(
            "11 §",
            _("Coordination function named"),
            "ok" if named else "missing",
            named,
            reverse("compliance", args=[slug]),
        )
    )
    public = bool(settings_row and settings_row.public_page)
    out.append(
        Item(
            "12 §",
            _("Residents informed (public information page)"),
            "ok" if public else "missing",
            "",
            reverse("compliance", args=[slug]),
        )
    )

    last = settings_row.last_council_report if settings_row else None
    due = _add_months(last, 12) if last else None
    out.append(
        Item(
            "13 §",
            _("Report to kommunfullmäktige within the last 12 months"),
            _status(due, today),
            f"{last:%Y-%m-%d}" if last else "",
            reverse("compliance", args=[slug]),
            due,
        )
    )
    return out
