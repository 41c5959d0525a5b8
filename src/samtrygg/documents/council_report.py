"""The report to kommunfullmäktige (13 §) as an ärende (issue 13, item 6): diarienummer, the
coordinator's key messages, the proposed decision, honest compliance (the law's requirements
apart from the kommun's own routines), the åtgärdsplan's measures with their state in words,
indicator movement and latest follow-up note, evaluations in plain words and the
medborgarlöften per owner. Built once as a documents.model.Document; a reported ärende prints
the sections frozen on the day it was reported."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from typing import Any

from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from samtrygg.core import formatting
from samtrygg.plans import compliance, promises
from samtrygg.plans.council_reports import default_decision
from samtrygg.plans.models import (
    ActionPlan,
    CitizenPromise,
    CouncilReport,
    CouncilReportStatus,
    Evaluation,
    Measure,
    PlanStatus,
    PromiseParty,
)
from samtrygg.situation.models import ReportStatus, SituationReport
from samtrygg.tenancy.models import Municipality

from . import render as render_document
from .model import Document, Section


def _state(colour: str) -> str:
    """A measure's latest follow-up in words, the colour after it: never colour alone."""
    return {
        "green": _("On track (green)"),
        "yellow": _("At risk (yellow)"),
        "red": _("Off track (red)"),
    }.get(colour, _("Not followed up"))


def _paragraphs(text: str, empty: str) -> list[str]:
    parts = [" ".join(p.split()) for p in text.split("\n\n") if p.strip()]
    return parts or [empty]


def title(report: CouncilReport) -> str:
    return _("Report on the crime prevention work %(year)s") % {"year": report.year}


def lead(report: CouncilReport) -> list[str]:
    dnr = report.diarienummer or _("not given yet")
    if report.status == CouncilReportStatus.REPORTED and report.reported_on:
        status = _("Reported to kommunfullmäktige %(day)s.") % {
            "day": formatting.day(report.reported_on)
        }
    else:
        status = _("Draft – not yet reported to kommunfullmäktige.")
    return [
        _("Ärende to kommunfullmäktige under 13 § of the Act (2023:196)"),
        _("Diarienummer: %(dnr)s") % {"dnr": dnr},
        status,
    ]


def document(report: CouncilReport) -> Document:
    with translation.override("sv"):
        if report.frozen.get("sections"):
            sections = [Section(**s) for s in report.frozen["sections"]]
        else:
            sections = _sections(report, timezone.localdate())
        return Document(
            title=title(report),
            subject=_("Report to kommunfullmäktige"),
            lead=lead(report),
            sections=sections,
            municipality=report.municipality,
            keywords=[
                _("report to kommunfullmäktige"),
                _("crime prevention"),
                "lag (2023:196)",
            ],
        )


def freeze(report: CouncilReport) -> dict[str, Any]:
    """The sections as they read on the day the ärende is reported."""
    with translation.override("sv"):
        sections = _sections(report, timezone.localdate())
    return {"sections": [asdict(s) for s in sections]}


def _sections(report: CouncilReport, today: date) -> list[Section]:
    m = report.municipality
    return [
        Section(
            _("Summary"),
            bullets=list(report.key_messages),
            paragraphs=[] if report.key_messages else [_("No key messages chosen yet.")],
        ),
        Section(
            _("Proposed decision"),
            paragraphs=_paragraphs(report.proposed_decision, _("No proposed decision yet.")),
        ),
        Section(
            _("The matter"),
            paragraphs=[
                _(
                    "Under 13 § of the Act (2023:196) on municipalities' responsibility for "
                    "crime prevention, kommunstyrelsen reports on the work to kommunfullmäktige. "
                    "This report covers %(year)s and rests on what Samtrygg held on %(day)s."
                )
                % {"year": report.year, "day": formatting.day(today)}
            ],
        ),
        *_compliance(m, today),
        _situation(m, today),
        *_plan(m),
        _evaluations(m),
        *_promises(m),
    ]


def _compliance(m: Municipality, today: date) -> list[Section]:
    items = compliance.items(m, today)
    return [
        Section(
            _("Compliance with the law"),
            paragraphs=[
                _(
                    "“Met” is shown only with its evidence. 9 and 10 §§ are duties to work for "
                    "agreements and a council, shown as work in progress or not started."
                )
            ],
            header=[_("Section"), _("Requirement"), _("Status"), _("Evidence")],
            rows=[
                [i.paragraph, str(i.requirement), str(i.label), i.evidence or "–"] for i in items
            ],
        ),
        Section(
            _("The municipality's own routines"),
            level=2,
            paragraphs=[
                _(
                    "Routines the municipality keeps for the law's duties; they are not the law's "
                    "requirements."
                )
            ],
            header=[_("Routine"), _("Status"), _("Last done")],
            rows=[
                [str(r.requirement), str(r.label), r.evidence or "–"]
                for r in compliance.routines(m, today)
            ],
        ),
    ]


def _situation(m: Municipality, today: date) -> Section:
    """The lägesbild's own key messages, chosen by its coordinator — not every machine finding."""
    report = (
        SituationReport.objects.filter(
            municipality=m, status=ReportStatus.APPROVED, approved_on__lte=today
        )
        .order_by("-approved_on")
        .first()
    )
    if report is None:
        return Section(_("The lägesbild in brief"), paragraphs=[_("No approved lägesbild.")])
    messages = [f.final_text for f in report.findings.filter(key_message=True)]
    approved = _("%(title)s, approved %(day)s by %(body)s.") % {
        "title": report.title,
        "day": formatting.day(report.approved_on) if report.approved_on else "–",
        "body": report.approved_body or "–",
    }
    return Section(
        _("The lägesbild in brief"),
        paragraphs=[approved]
        + ([] if messages else [_("The lägesbild has no key messages chosen.")]),
        bullets=messages,
    )


def _plan(m: Municipality) -> list[Section]:
    # The decided plan in force; a kommun that has only a draft reports the draft as such.
    plan = (
        ActionPlan.objects.filter(municipality=m)
        .exclude(status=PlanStatus.DRAFT)
        .order_by("-decision_date")
        .first()
        or ActionPlan.objects.filter(municipality=m).order_by("-created_at").first()
    )
    if plan is None:
        return [Section(_("The åtgärdsplan"), paragraphs=[_("No decided åtgärdsplan.")])]
    measures = list(
        plan.measures.select_related("responsible").prefetch_related("follow_ups").order_by("pk")
    )
    counts = {c: sum(1 for x in measures if x.colour == c) for c in ("green", "yellow", "red", "")}
    summary = ngettext(
        "%(plan)s has %(n)s measure",
        "%(plan)s has %(n)s measures",
        len(measures),
    ) % {
        "plan": f"{plan.title} ({plan.get_status_display().lower()})",
        "n": formatting.number(len(measures)),
    }
    summary += (
        ": "
        + "; ".join(
            f"{_state(colour).lower()}: {formatting.number(n)}" for colour, n in counts.items()
        )
        + "."
    )
    return [
        Section(
            _("The åtgärdsplan"),
            paragraphs=[summary],
            header=[
                _("Measure"),
                _("Responsible"),
                _("Due"),
                _("State"),
                _("Indicator"),
                _("Latest follow-up"),
            ],
            rows=[_measure_row(x) for x in measures],
        )
    ]


def _number(value: float | None) -> str:
    if value is None:
        return "–"
    return formatting.number(value, 0 if float(value).is_integer() else 1)


def _measure_row(measure: Measure) -> list[str]:
    follow_ups = list(measure.follow_ups.all())  # newest first
    latest = follow_ups[0] if follow_ups else None
    measured = next((f for f in follow_ups if f.indicator_value is not None), None)
    indicator = _("baseline %(baseline)s") % {"baseline": _number(measure.baseline_value)}
    if measured is not None:
        indicator += " → " + _("%(value)s on %(day)s") % {
            "value": _number(measured.indicator_value),
            "day": formatting.day(measured.date),
        }
    if measure.target_value is not None:
        indicator += "; " + _("target %(target)s") % {"target": _number(measure.target_value)}
    note = (
        f"{formatting.day(latest.date)}: {latest.note}".strip(": ")
        if latest
        else _("Not followed up")
    )
    return [
        measure.title,
        measure.responsible.name,
        formatting.day(measure.deadline) if measure.deadline else "–",
        _state(measure.colour),
        indicator,
        note,
    ]


def _evaluations(m: Municipality) -> Section:
    found = list(Evaluation.objects.filter(municipality=m)[:10])
    return Section(
        _("Evaluations"),
        bullets=[f"{e.title}: {e.conclusion or _('no conclusion written yet')}" for e in found],
        paragraphs=[] if found else [_("No evaluations yet.")],
    )


def _promises(m: Municipality) -> list[Section]:
    found = list(promises.with_parts(CitizenPromise.objects.filter(municipality=m)))
    out = [
        Section(
            _("Medborgarlöften"),
            paragraphs=[
                _(
                    "What the municipality promises, what the police promise and what they "
                    "promise together, each with its activities."
                )
            ]
            + ([] if found else [_("No medborgarlöften.")]),
        )
    ]
    for party in PromiseParty:
        rows = [
            [
                promise.title,
                activity.text,
                formatting.period(promise.period_start, promise.period_end),
                str(activity.get_status_display()),
            ]
            for promise in found
            for activity in promise.activities.all()
            if activity.party == party
        ]
        if not found:
            continue
        out.append(
            Section(
                str(party.label),
                level=2,
                header=[_("Promise"), _("Activity"), _("Period"), _("Status")] if rows else [],
                rows=rows,
                paragraphs=[] if rows else [_("No activities.")],
            )
        )
    return out


def for_municipality(municipality: Municipality) -> CouncilReport:
    """The report the command line prints: this year's ärende if there is one, otherwise the
    newest, otherwise an unsaved draft for this year."""
    found = (
        CouncilReport.objects.filter(municipality=municipality)
        .order_by("-year")
        .select_related("municipality")
        .first()
    )
    if found is not None:
        return found
    year = timezone.localdate().year
    with translation.override("sv"):
        return CouncilReport(
            municipality=municipality, year=year, proposed_decision=default_decision(year)
        )


def pdf_bytes(report: CouncilReport) -> bytes:
    return render_document.pdf(document(report))


def docx_bytes(report: CouncilReport) -> bytes:
    return render_document.docx(document(report))


def render(report: CouncilReport) -> dict[str, Any]:
    """The two renderings for documents.download."""
    return {"pdf": lambda: pdf_bytes(report), "docx": lambda: docx_bytes(report)}
