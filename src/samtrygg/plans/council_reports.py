"""The report to kommunfullmäktige as an ärende (13 §; issue 13, item 6).

One validator (``report_values``) reads what the coordinator writes — diarienummer, 3–5 key
messages, the proposed decision — for the page and any other door; ``mark_reported`` is the
explicit action that says the ärende went to kommunfullmäktige on a day, under a diarienummer,
and freezes the document's sections. Each write is audited with old and new values.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from samtrygg.audit.models import AuditAction
from samtrygg.audit.services import diff, record
from samtrygg.core import bounds
from samtrygg.incidents.services import check_free_text
from samtrygg.tenancy.models import Municipality
from samtrygg.tenancy.policy import Access
from samtrygg.tenancy.roles import Permission

from . import compliance
from .models import (
    ActionPlan,
    CouncilReport,
    CouncilReportStatus,
    Evaluation,
    PlanStatus,
)

MESSAGES_MIN, MESSAGES_MAX = 3, 5
MESSAGE_MAX = 400
DECISION_MAX = 2000
DNR_MAX = 60
FIELDS = ("diarienummer", "proposed_decision", "key_messages")

Errors = dict[str, list[str]]


@dataclass(frozen=True)
class Suggestion:
    """A key message the coordinator may take, ranked: what the law lacks first."""

    text: str
    reason: str


def _add(errors: Errors, name: str, message: str | None) -> None:
    if message:
        errors.setdefault(name, []).append(message)


def _text(data: Mapping[str, Any], name: str) -> str:
    return str(data.get(name) or "").strip()


def _messages(data: Mapping[str, Any]) -> list[str]:
    """The key messages as posted: several ``key_message`` fields (a form) or one list."""
    getlist = getattr(data, "getlist", None)
    raw = getlist("key_message") if getlist else data.get("key_messages") or []
    return [" ".join(str(m).split()) for m in raw if str(m).strip()]


def report_values(data: Mapping[str, Any]) -> dict[str, Any]:
    """What the coordinator writes in the ärende, checked: lengths, at most five messages, no
    personal data (the ärende becomes a public document)."""
    errors: Errors = {}
    values: dict[str, Any] = {
        "diarienummer": _text(data, "diarienummer"),
        "proposed_decision": _text(data, "proposed_decision"),
        "key_messages": _messages(data),
    }
    _add(errors, "diarienummer", bounds.text_problem(values["diarienummer"], DNR_MAX))
    _add(
        errors, "proposed_decision", bounds.text_problem(values["proposed_decision"], DECISION_MAX)
    )
    if len(values["key_messages"]) > MESSAGES_MAX:
        _add(errors, "key_messages", _("Choose at most five key messages."))
    texts = {
        "diarienummer": values["diarienummer"],
        "proposed_decision": values["proposed_decision"],
    }
    for number, message in enumerate(values["key_messages"]):
        _add(errors, "key_messages", bounds.text_problem(message, MESSAGE_MAX))
        texts[f"key_messages_{number}"] = message
    for name, problems in check_free_text(texts, confirm_flagged=False).items():
        field = "key_messages" if name.startswith("key_messages") else name
        for problem in problems:
            _add(errors, field, problem.messages[0])
    if errors:
        raise ValidationError(errors)
    return values


def default_decision(year: int) -> str:
    return _(
        "Kommunfullmäktige takes note of the report on the crime prevention work in %(year)s "
        "and places it on file."
    ) % {"year": year}


def _log(
    access: Access, action: AuditAction, report: CouncilReport, changes: dict[str, Any]
) -> None:
    record(action, actor=access.user, municipality=access.municipality, obj=report, changes=changes)


def create_council_report(access: Access, year: int) -> CouncilReport:
    """The year's ärende, started with the default proposed decision; one per year."""
    access.require(Permission.DECIDE_PLANS)
    today = timezone.localdate()
    if not 2023 <= year <= today.year:
        raise ValidationError({"year": _("Choose a year from 2023 up to this year.")})
    if CouncilReport.objects.filter(municipality=access.municipality, year=year).exists():
        raise ValidationError(
            {"year": _("There is already a report for %(year)s.") % {"year": year}}
        )
    with transaction.atomic():
        report = CouncilReport.objects.create(
            municipality=access.municipality,
            year=year,
            proposed_decision=default_decision(year),
            created_by=access.user,
        )
        _log(access, AuditAction.COUNCIL_REPORT_CREATED, report, {"year": year})
    return report


def _refuse_if_reported(report: CouncilReport) -> None:
    if report.status == CouncilReportStatus.REPORTED:
        raise ValidationError(
            _("The report has been reported to the municipal council and can no longer be changed.")
        )


def save_council_report(access: Access, report: CouncilReport, data: Mapping[str, Any]) -> None:
    access.require(Permission.DECIDE_PLANS)
    _refuse_if_reported(report)
    values = report_values(data)
    with transaction.atomic():
        before = {name: getattr(report, name) for name in FIELDS}
        for name, value in values.items():
            setattr(report, name, value)
        report.save(update_fields=list(FIELDS))
        _log(access, AuditAction.COUNCIL_REPORT_CHANGED, report, diff(before, values))


def mark_reported(access: Access, report: CouncilReport, data: Mapping[str, Any]) -> None:
    """The explicit action: the ärende went to kommunfullmäktige on this day under this
    diarienummer. Refused without 3–5 key messages and a proposed decision, or with a day that
    has not come or lies before the year reported on; the 13 § routine then counts from it."""
    from samtrygg.documents import council_report

    from .services import not_in_future

    access.require(Permission.DECIDE_PLANS)
    _refuse_if_reported(report)
    errors: Errors = {}
    day = _day(data, errors)
    dnr = _text(data, "diarienummer") or report.diarienummer
    if not dnr:
        _add(errors, "diarienummer", _("Give the diarienummer the report was dealt with under."))
    _add(errors, "diarienummer", bounds.text_problem(dnr, DNR_MAX))
    if not MESSAGES_MIN <= len(report.key_messages) <= MESSAGES_MAX:
        _add(
            errors,
            "key_messages",
            _("Write three to five key messages before the report goes to kommunfullmäktige."),
        )
    if not report.proposed_decision.strip():
        _add(errors, "proposed_decision", _("Write the proposed decision."))
    if day is not None and day.year < report.year:
        _add(errors, "reported_on", _("The report cannot be reported before the year it covers."))
    if errors:
        raise ValidationError(errors)
    not_in_future(day, "reported_on")
    with transaction.atomic():
        before = {"status": report.status, "reported_on": None, "diarienummer": report.diarienummer}
        report.diarienummer = dnr
        report.reported_on = day
        report.reported_by = access.user
        report.status = CouncilReportStatus.REPORTED
        report.frozen = council_report.freeze(report)
        report.save()
        _log(
            access,
            AuditAction.COUNCIL_REPORT_REPORTED,
            report,
            diff(before, {"status": report.status, "reported_on": day, "diarienummer": dnr}),
        )


def _day(data: Mapping[str, Any], errors: Errors) -> date | None:
    value = _text(data, "reported_on")
    try:
        return date.fromisoformat(value)
    except ValueError:
        _add(errors, "reported_on", _("Give a date as YYYY-MM-DD, e.g. 2026-11-23."))
        return None


def last_reported(municipality: Municipality) -> date | None:
    """The last day a report went to kommunfullmäktige, by the explicit action."""
    report = (
        CouncilReport.objects.filter(municipality=municipality, status=CouncilReportStatus.REPORTED)
        .order_by("-reported_on")
        .first()
    )
    return report.reported_on if report else None


def suggestions(municipality: Municipality, today: date) -> list[Suggestion]:
    """Key messages to choose from, ranked: first what the law requires and is not done, then
    the lägesbild's own key messages, then measures that deviate, then evaluations."""
    out = [
        Suggestion(f"{item.paragraph} {item.requirement}: {item.label}.", _("Compliance"))
        for item in compliance.items(municipality, today)
        if item.status in (compliance.OVERDUE, compliance.NOT_DONE)
    ]
    report = compliance.valid_report(municipality, today)
    if report is not None:
        out += [
            Suggestion(f.final_text, _("Key message of the lägesbild"))
            for f in report.findings.filter(key_message=True)
        ]
    plan = (
        ActionPlan.objects.filter(municipality=municipality)
        .exclude(status=PlanStatus.DRAFT)
        .order_by("-decision_date")
        .first()
    )
    if plan is not None:
        late = [m.title for m in plan.measures.filter(colour="red")]
        if late:
            out.append(
                Suggestion(
                    _("Measures that deviate from the plan: %(titles)s.")
                    % {"titles": ", ".join(late)},
                    _("Åtgärdsplan"),
                )
            )
    out += [
        Suggestion(f"{e.title}: {e.conclusion}", _("Evaluation"))
        for e in Evaluation.objects.filter(municipality=municipality).exclude(conclusion="")[:3]
    ]
    return out


def suggestion_dicts(municipality: Municipality, today: date) -> list[dict[str, str]]:
    return [asdict(s) for s in suggestions(municipality, today)]
