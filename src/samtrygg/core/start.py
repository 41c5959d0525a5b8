"""The start page per role: "what to do now" (issue 14, item 5).

Each block answers one role's question and reads only counts and the first few rows (LIMIT
``FIRST``), never every row, so the page costs the same few queries whatever the data
(tests/core/test_start_page.py counts them). A user with several roles' duties (an
administrator is also a coordinator) sees each block their role reaches.

- reporter: this week's and last week's report for each of the user's organisations, and the
  organisation's open reports with their status;
- handler: cases assigned to the user's organisation, due soonest first;
- coordinator: unrouted cases, suspected duplicates, organisations without last week's report,
  the next meeting;
- analyst: statistical alerts and new hot spots (the dashboard's, from the snapshot);
- politician (viewer): key figures and the law's duties (compliance);
- regional support: the overview of the user's municipalities.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone

from samtrygg.tenancy.policy import Access
from samtrygg.tenancy.roles import Permission, Role

FIRST = 5


def _weeks(today: date) -> list[tuple[int, int]]:
    this = today.isocalendar()
    last = (today - timedelta(days=7)).isocalendar()
    return [(this[0], this[1]), (last[0], last[1])]


def reporter_block(access: Access, today: date) -> dict[str, Any]:
    """This week's and last week's report for each of the user's organisations (whoever in the
    organisation sent it), and the organisation's open reports."""
    from samtrygg.incidents.models import WeeklyReport
    from samtrygg.incidents.queries import CLOSED_STATUSES, incidents

    weeks = _weeks(today)
    sent = set(
        WeeklyReport.objects.filter(
            municipality=access.municipality,
            organisation_id__in=access.organisation_ids,
        )
        .filter(
            Q(iso_year=weeks[0][0], iso_week=weeks[0][1])
            | Q(iso_year=weeks[1][0], iso_week=weeks[1][1])
        )
        .values_list("organisation_id", "iso_year", "iso_week")
    )
    status = [
        {
            "organisation": organisation,
            "weeks": [
                {"year": y, "week": w, "sent": (organisation.pk, y, w) in sent} for y, w in weeks
            ],
        }
        for organisation in access.organisations
    ]
    open_reports = (
        incidents(access)
        .filter(reporting_organisation_id__in=access.organisation_ids)
        .exclude(status__in=CLOSED_STATUSES)
        .order_by("-created_at", "-id")
    )
    return {
        "status": status,
        "this_week": weeks[0],
        "open_count": open_reports.count(),
        "open": list(open_reports[:FIRST]),
    }


def handler_block(access: Access, today: date) -> dict[str, Any]:
    """Open cases handled by the user's organisation, due soonest first (undated last)."""
    from samtrygg.incidents.queries import queue

    rows = queue(access, "handling").order_by(
        F("due_date").asc(nulls_last=True), "-occurred_at", "-id"
    )
    return {
        "count": rows.count(),
        "overdue": rows.filter(due_date__lt=today).count(),
        "first": list(rows[:FIRST]),
        "today": today,
    }


def _suspected_duplicates(access: Access, rows: Any) -> Any:
    """Unrouted cases with another case in scope of the same category within the duplicate
    radius and window (or the same external id): a cheap stand-in, in one query, for
    incidents.duplicates.candidates, which the case page runs per case with related
    categories too."""
    from samtrygg.incidents.models import Incident, Status

    radius = settings.DUPLICATE_RADIUS_M
    window = timedelta(hours=settings.DUPLICATE_HOURS)
    others = (
        access.scope(Incident.objects.all())
        .exclude(pk=OuterRef("pk"))
        .exclude(status=Status.DUPLICATE)
    )
    near = others.filter(
        category_id=OuterRef("category_id"),
        x__gte=OuterRef("x") - radius,
        x__lte=OuterRef("x") + radius,
        y__gte=OuterRef("y") - radius,
        y__lte=OuterRef("y") + radius,
        occurred_at__gte=OuterRef("occurred_at") - window,
        occurred_at__lte=OuterRef("occurred_at") + window,
    )
    same_external = others.filter(external_id=OuterRef("external_id")).exclude(external_id="")
    return rows.filter(Exists(near) | Exists(same_external))


def coordinator_block(access: Access, today: date) -> dict[str, Any]:
    from samtrygg.incidents.models import WeeklyReport
    from samtrygg.incidents.queries import queue
    from samtrygg.plans.models import Meeting
    from samtrygg.tenancy.models import Organisation

    unrouted = queue(access, "new").order_by("-created_at", "-id")
    duplicates = _suspected_duplicates(access, unrouted)
    year, week, _day = (today - timedelta(days=7)).isocalendar()
    reported = WeeklyReport.objects.filter(
        organisation=OuterRef("pk"), iso_year=year, iso_week=week
    )
    missing = (
        Organisation.objects.filter(
            municipality=access.municipality,
            is_active=True,
            memberships__role=Role.REPORTER,
            memberships__user__is_active=True,
        )
        .exclude(Exists(reported))
        .distinct()
        .order_by("name")
    )
    next_meeting = (
        access.scope(Meeting.objects.all()).filter(date__gte=today).order_by("date", "pk").first()
    )
    return {
        "unrouted_count": unrouted.count(),
        "unrouted": list(unrouted[:FIRST]),
        "duplicates_count": duplicates.count(),
        "duplicates": list(duplicates[:FIRST]),
        "missing_count": missing.count(),
        "missing": list(missing.only("name")[: FIRST * 2]),
        "missing_week": f"{year}-W{week:02d}",
        "missing_label": (year, week),
        "next_meeting": next_meeting,
    }


def _dashboard(access: Access) -> Any:
    from samtrygg.situation.dashboard import Dashboard
    from samtrygg.situation.filters import SituationFilters
    from samtrygg.situation.layers import View

    return Dashboard(View(access, SituationFilters()))


def analyst_block(access: Access, today: date) -> dict[str, Any]:
    """The dashboard's alerts in the latest week and its new hot spots (from the snapshot,
    cached; no row query grows with the data)."""
    from samtrygg.situation.dashboard import EMERGING_LABELS

    board = _dashboard(access)
    trend = board.weekly_trend()
    last = len(trend["weeks"]) - 1
    alerts = [
        {"category": s["category"], "week": trend["weeks"][k]}
        for s in trend["series"]
        for k in s["alerts"]
        if k >= last - 1
    ]
    new_label = str(EMERGING_LABELS["new"])
    intensifying = str(EMERGING_LABELS["intensifying"])
    hot = [row for row in board.emerging() if row.get("kind") in (new_label, intensifying)]
    return {"alerts": alerts, "hot_spots": hot[:FIRST], "hot_count": len(hot)}


def politician_block(access: Access, today: date) -> dict[str, Any]:
    from samtrygg.plans import compliance

    items = compliance.items(access.municipality, today)
    return {
        "key_figures": _dashboard(access).key_figures(),
        "compliance": items,
        "compliance_ok": sum(1 for i in items if i.status in (compliance.OK, compliance.DUE_SOON)),
        "attention": [i for i in items if i.status in compliance.NEEDS_ATTENTION],
    }


def regional_block(access: Access, municipalities: list[Any]) -> dict[str, Any]:
    return {"municipalities": municipalities}


def blocks(access: Access, municipalities: list[Any]) -> dict[str, Any]:
    """The blocks this user's role reaches, by name (the template shows them in this order)."""
    today = timezone.localdate()
    role = access.role
    out: dict[str, Any] = {}
    if role is None:
        return out
    if role >= Role.COORDINATOR:
        out["coordinator"] = coordinator_block(access, today)
    if role == Role.HANDLER or role >= Role.COORDINATOR:
        out["handler"] = handler_block(access, today)
    if access.can(Permission.REPORT_INCIDENTS) and role in (Role.REPORTER, Role.HANDLER):
        out["reporter"] = reporter_block(access, today)
    if role == Role.ANALYST or role >= Role.COORDINATOR:
        out["analyst"] = analyst_block(access, today)
    if role in (Role.VIEWER, Role.REGIONAL) or role >= Role.COORDINATOR:
        out["politician"] = politician_block(access, today)
    if role == Role.REGIONAL or len(municipalities) > 1:
        out["regional"] = regional_block(access, municipalities)
    return out
