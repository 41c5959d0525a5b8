"""The tertial (or quarterly) analysis for the strategic group (Brå's EST handbook, step 4):
what happened in the period, where, the trend, what the EST group did and with what effect, and
what the group should decide.

Its figures are the lägesbild's (report_content.build_for: restricted categories left out,
every count protected by situation/disclosure.py), compared not with the period before but with
the same calendar period a year earlier (a tertial's incidents follow the seasons), with the
same honesty rules (report_content._comparison: no change claimed where the data start late or
the reporting organisations changed). Added: weekly reporting coverage, the EST meetings held,
their decisions and tasks, the action plan's measures with their latest follow-up, and ranked
suggestions for the key messages.

One analysis per municipality, kind, year and number: the strategic group receives one document
per tertial, and a finalised one is frozen so that it prints the same later (a second version
would raise the question which one the group decided on).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from samtrygg.core import formatting
from samtrygg.tenancy.models import Municipality

from .models import AnalysisKind
from .report_content import Period, build_for

MONTHS = {AnalysisKind.TERTIAL: 4, AnalysisKind.QUARTER: 3}
KINDS_SV = {AnalysisKind.TERTIAL: "Tertial", AnalysisKind.QUARTER: "Kvartal"}
EARLIEST_YEAR = 2000
SUGGESTIONS_SHOWN = 5  # prefilled as the key messages (Brå: 3–5)
MIN_MESSAGES, MAX_MESSAGES = 3, 5
MESSAGE_MAX = 500  # characters per key message
TEXT_MAX = 4000  # assessment, proposals
TASKS_LISTED = 20
COLOURS_SV = {"green": "grön", "yellow": "gul", "red": "röd", "": "ingen uppföljning"}


class YearEarlier(Period):
    """A period compared with the same calendar period a year earlier."""

    def previous(self) -> Period:
        return Period(self.first.replace(year=self.first.year - 1), _year_back(self.last))


def _year_back(day: date) -> date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


def period_of(kind: str, year: int, number: int, today: date | None = None) -> YearEarlier:
    """The calendar period of tertial/quarter ``number`` of ``year`` (tertial 1 = 1 januari–30
    april, 2 = 1 maj–31 augusti, 3 = 1 september–31 december), refused unless it has ended.
    The one validator for the form, the service and the command line."""
    if kind not in MONTHS:
        raise ValidationError({"kind": _("Choose tertial or quarter.")})
    count = 12 // MONTHS[AnalysisKind(kind)]
    if not 1 <= number <= count:
        raise ValidationError({"number": _("The number must be from 1 to %(n)d.") % {"n": count}})
    today = today or timezone.localdate()
    if not EARLIEST_YEAR <= year <= today.year:
        raise ValidationError(
            {
                "year": _("The year must be from %(first)d to %(last)d.")
                % {"first": EARLIEST_YEAR, "last": today.year}
            }
        )
    months = MONTHS[AnalysisKind(kind)]
    first = date(year, (number - 1) * months + 1, 1)
    end_month = number * months
    last = (
        date(year, 12, 31) if end_month == 12 else date(year, end_month + 1, 1) - timedelta(days=1)
    )
    if last >= today:
        raise ValidationError(
            {
                "number": _(
                    "%(period)s ends on %(last)s: an analysis can be made only when the "
                    "period is over."
                )
                % {"period": heading(kind, year, number), "last": formatting.day(last)}
            }
        )
    return YearEarlier(first, last)


def heading(kind: str, year: int, number: int) -> str:
    """ "Tertial 2 2026" (Swedish: documents and messages read the same)."""
    return f"{KINDS_SV[AnalysisKind(kind)]} {number} {year}"


def build(municipality: Municipality, period: YearEarlier) -> dict[str, Any]:
    """The figures of the analysis (JSON, so a final one can be frozen)."""
    content = build_for(municipality, period)
    content["as_of"] = timezone.localdate().isoformat()
    content["coverage"] = coverage(municipality, period)
    content.update(meetings(municipality, period))
    content["measures"] = measures(municipality, period)
    content["suggestions"] = suggestions(content)
    return content


def coverage(municipality: Municipality, period: Period) -> dict[str, Any]:
    """Weekly reports received per ISO week of the period (a week belongs to the period its
    Thursday falls in) and the organisations behind them: what every count rests on."""
    from samtrygg.incidents.models import WeeklyReport

    monday = period.first - timedelta(days=period.first.weekday())
    if monday + timedelta(days=3) < period.first:
        monday += timedelta(days=7)
    weeks: list[tuple[int, int]] = []
    while monday + timedelta(days=3) <= period.last:
        weeks.append((monday.isocalendar()[0], monday.isocalendar()[1]))
        monday += timedelta(days=7)
    in_period = Q()
    for year, week in weeks:
        in_period |= Q(iso_year=year, iso_week=week)
    reports = WeeklyReport.objects.filter(municipality=municipality).filter(in_period)
    per_week: dict[tuple[int, int], tuple[int, int]] = {
        (row["iso_year"], row["iso_week"]): (row["n"], row["organisations"])
        for row in reports.values("iso_year", "iso_week").annotate(
            n=Count("id"), organisations=Count("organisation", distinct=True)
        )
    }
    rows = [[week, *per_week.get((year, week), (0, 0))] for year, week in weeks]
    return {
        "weeks": rows,
        "reports": sum(r[1] for r in rows),
        "organisations": reports.values("organisation").distinct().count() if weeks else 0,
        "weeks_without": sum(1 for r in rows if not r[1]),
    }


def meetings(municipality: Municipality, period: Period) -> dict[str, Any]:
    """The EST meetings held in the period, their decisions, and their tasks: done, open and
    overdue on the day the analysis is made."""
    from samtrygg.plans.models import Meeting, MeetingKind, MeetingTask

    held = Meeting.objects.filter(
        municipality=municipality, date__gte=period.first, date__lte=period.last
    ).order_by("date")
    today = timezone.localdate()
    tasks = MeetingTask.objects.filter(meeting__in=held).select_related("organisation")
    done = [t for t in tasks if t.done]
    overdue = [t for t in tasks if not t.done and t.due < today]
    open_ = [t for t in tasks if not t.done and t.due >= today]
    return {
        "meetings": {
            "weekly": sum(1 for m in held if m.kind == MeetingKind.WEEKLY),
            "other": sum(1 for m in held if m.kind != MeetingKind.WEEKLY),
        },
        "decisions": [[m.date.isoformat(), m.decisions] for m in held if m.decisions.strip()],
        "tasks": {
            "total": len(tasks),
            "done": len(done),
            "open": len(open_),
            "overdue": len(overdue),
        },
        "unfinished": [
            [t.text, t.organisation.name, t.due.isoformat(), t.due < today]
            for t in sorted(overdue + open_, key=lambda t: t.due)[:TASKS_LISTED]
        ],
    }


def measures(municipality: Municipality, period: Period) -> dict[str, Any]:
    """The measures of the decided action plan that covers the period (the latest version),
    each with its latest follow-up colour."""
    from samtrygg.plans.models import ActionPlan, PlanStatus

    plan = (
        ActionPlan.objects.filter(
            municipality=municipality,
            status__in=[PlanStatus.DECIDED, PlanStatus.FOLLOWED_UP],
            period_start__lte=period.last,
            period_end__gte=period.first,
        )
        .order_by("-period_start", "-version")
        .first()
    )
    if plan is None:
        return {"plan": None, "rows": []}
    rows = []
    for measure in plan.measures.select_related("responsible").prefetch_related("follow_ups"):
        latest = next(iter(measure.follow_ups.all()), None)  # ordered newest first
        rows.append(
            [
                measure.title,
                measure.responsible.name,
                measure.deadline.isoformat(),
                latest.colour if latest else "",
                latest.date.isoformat() if latest else None,
            ]
        )
    return {"plan": plan.title, "rows": rows}


def suggestions(content: dict[str, Any]) -> list[list[str]]:
    """Ranked suggestions for the key messages: the lägesbild's findings (trend, alerts, hot
    spots, concentration, emerging, near repeat), then overdue tasks, measures off track and
    weeks without reports."""
    from samtrygg.documents.situation_report import generated_findings

    found = [[kind, year_earlier_words(text)] for kind, text in generated_findings(content)]
    with translation.override("sv"):
        tasks = content["tasks"]
        if tasks["overdue"]:
            found.append(
                [
                    "tasks",
                    f"{formatting.number(tasks['overdue'])} av "
                    f"{formatting.number(tasks['total'])} uppgifter från periodens EST-möten "
                    "är inte gjorda fast tiden har gått ut.",
                ]
            )
        red = [row[0] for row in content["measures"]["rows"] if row[3] == "red"]
        if red:
            found.append(
                [
                    "measures",
                    f"Åtgärder som inte går enligt plan (röd): {', '.join(red[:5])}.",
                ]
            )
        without = content["coverage"]["weeks_without"]
        if without:
            found.append(
                [
                    "coverage",
                    f"{formatting.number(without)} av periodens "
                    f"{formatting.number(len(content['coverage']['weeks']))} veckor saknar "
                    "veckorapporter: färre händelser där kan betyda färre rapporter.",
                ]
            )
    return found


def year_earlier_words(text: str) -> str:
    """The lägesbild's sentences say "perioden före"; here the comparison is the same period
    a year earlier."""
    return text.replace("perioden före", "samma period året före")
