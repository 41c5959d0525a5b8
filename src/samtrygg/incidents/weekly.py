"""The weekly report: a reporter's incidents for an ISO week, the areas where nothing happened,
and a green / yellow / red assessment per area. Written all at once or not at all."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from samtrygg.areas.models import Area
from samtrygg.audit.models import AuditAction
from samtrygg.audit.services import record
from samtrygg.core import bounds
from samtrygg.tenancy.models import Membership, Municipality, Organisation
from samtrygg.tenancy.policy import Access
from samtrygg.tenancy.roles import Permission, Role

from .models import AreaAssessment, AssessmentLevel, WeeklyReport
from .services import IncidentInput, create_incident

MAX_INCIDENTS_PER_REPORT = 100


@dataclass
class Assessment:
    area: Area
    level: str
    comment: str = ""


@dataclass
class WeeklyReportInput:
    organisation: Organisation
    iso_year: int
    iso_week: int
    incidents: list[IncidentInput] = field(default_factory=list)
    quiet_areas: list[Area] = field(default_factory=list)
    assessments: list[Assessment] = field(default_factory=list)


def _check_week(year: int, week: int) -> None:
    try:
        monday = date.fromisocalendar(year, week, 1)
    except ValueError:
        raise ValidationError(
            {
                "iso_week": _("Week %(week)d does not exist in %(year)d.")
                % {"week": week, "year": year}
            }
        ) from None
    if monday > timezone.localdate():
        raise ValidationError({"iso_week": _("The week has not begun yet.")})


def submit_weekly_report(access: Access, data: WeeklyReportInput) -> WeeklyReport:
    """Create the week's report, or add to it if the reporter already sent one this week."""
    access.require(Permission.REPORT_INCIDENTS)
    if data.organisation.pk not in access.organisation_ids:
        raise PermissionDenied
    _check_week(data.iso_year, data.iso_week)
    errors: dict[str, list[ValidationError]] = {}
    if len(data.incidents) > MAX_INCIDENTS_PER_REPORT:
        # A week's report from one reporter; thousands of rows are an import, which has its own
        # door (and runs in the background), not a request that outlives the web server's timeout.
        errors["incidents"] = [
            ValidationError(
                _("At most %(n)d incidents in one weekly report: import larger sets as a file.")
                % {"n": MAX_INCIDENTS_PER_REPORT}
            )
        ]
    areas = [*data.quiet_areas, *(a.area for a in data.assessments)]
    if any(area.municipality_id != access.municipality.pk for area in areas):
        errors["areas"] = [ValidationError(_("Choose areas of your own municipality."))]
    assessed = [a.area.pk for a in data.assessments]
    if len(assessed) != len(set(assessed)):
        errors.setdefault("assessments", []).append(ValidationError(_("Assess each area once.")))
    for assessment in data.assessments:
        if assessment.level not in AssessmentLevel.values:
            errors.setdefault("assessments", []).append(
                ValidationError(_("The assessment is green, yellow or red."))
            )
        problem = bounds.text_problem(assessment.comment, bounds.ASSESSMENT_COMMENT_MAX)
        if problem:
            errors.setdefault("assessments", []).append(ValidationError(problem))
    if errors:
        raise ValidationError(errors)
    quiet_ids = {a.pk for a in data.quiet_areas}
    with transaction.atomic():
        report, _created = WeeklyReport.objects.get_or_create(
            municipality=access.municipality,
            organisation=data.organisation,
            reporter=access.user,
            iso_year=data.iso_year,
            iso_week=data.iso_week,
        )
        for index, incident in enumerate(data.incidents, start=1):
            try:
                created = create_incident(access, incident)
            except ValidationError as error:
                for name, problems in error.message_dict.items():
                    errors.setdefault(f"incident_{index}_{name}", []).extend(
                        ValidationError(p) for p in problems
                    )
                continue
            created.weekly_report = report
            created.save(update_fields=["weekly_report"])
            if created.area_id in quiet_ids:
                errors.setdefault("quiet_areas", []).append(
                    ValidationError(
                        _("%(area)s is marked as quiet but has an incident.")
                        % {"area": created.area}
                    )
                )
        if errors:
            raise ValidationError(errors)
        report.quiet_areas.set(data.quiet_areas)
        AreaAssessment.objects.filter(weekly_report=report).delete()
        AreaAssessment.objects.bulk_create(
            AreaAssessment(
                weekly_report=report, area=a.area, level=a.level, comment=a.comment.strip()
            )
            for a in data.assessments
        )
        record(
            AuditAction.WEEKLY_REPORT_SUBMITTED,
            actor=access.user,
            organisation=data.organisation,
            obj=report,
            changes={"incidents": len(data.incidents), "quiet_areas": len(data.quiet_areas)},
        )
    return report


def missing_weekly_reports(access: Access, iso_year: int, iso_week: int) -> list[Membership]:
    """Reporters in the municipality who have sent nothing for the week (for coordinators)."""
    if access.role is None or access.role < Role.COORDINATOR:
        raise PermissionDenied
    return missing_reporters(access.municipality, iso_year, iso_week)


def missing_reporters(municipality: Municipality, iso_year: int, iso_week: int) -> list[Membership]:
    """The same without a user (scheduled reminders, the dashboard, the weekly picture)."""
    sent_pairs = set(
        WeeklyReport.objects.filter(
            municipality=municipality, iso_year=iso_year, iso_week=iso_week
        ).values_list("organisation_id", "reporter_id")
    )
    reporters = (
        Membership.objects.select_related("user", "organisation")
        .filter(
            organisation__municipality=municipality,
            organisation__is_active=True,
            role=Role.REPORTER,
            user__is_active=True,
        )
        .order_by("organisation__name", "user__email")
    )
    return [m for m in reporters if (m.organisation_id, m.user_id) not in sent_pairs]


def week_from_query(value: str | None) -> tuple[int, int]:
    """``2026-W47`` from a query string, else last week (the one reporters should have sent)."""
    try:
        year_text, week_text = (value or "").split("-W")
        year, week = int(year_text), int(week_text)
        date.fromisocalendar(year, week, 1)
    except ValueError:
        year, week, _day = (timezone.localdate() - timedelta(days=7)).isocalendar()
    return year, week
