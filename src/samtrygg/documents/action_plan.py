"""The åtgärdsplan as the document kommunstyrelsen decides (5 §; issue 13, item 5): title page,
the proposed decision, the lägesbild it rests on, the prioritised problems and their causes, the
effect goals, the measures as Brå's template table with their budget, who is responsible, the
follow-up, the links to other steering documents (7 §) and the decision. The sections are built
once here, in Swedish and through the one formatter, and the PDF (WeasyPrint) and the Word file
(python-docx) only lay them out (documents/period_analysis.Section), so the two say the same."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils import translation

from samtrygg.core import formatting
from samtrygg.plans.models import ActionPlan, CauseGroup, Measure, PlanStatus, Problem

from . import render as render_document
from .model import Document, Section
from .situation_report import split_findings

COLOURS_SV = {"green": "grön", "yellow": "gul", "red": "röd"}
PRIORITY_SV = {1: "hög", 2: "medel", 3: "låg"}
GROUP_SV = {
    CauseGroup.PLACE: "Plats",
    CauseGroup.TARGET: "Mål eller offer",
    CauseGroup.OFFENDER: "Gärningsperson",
    CauseGroup.SITUATION: "Situation",
}
MEASURE_HEADER = [
    "Orsak",
    "Åtgärd",
    "Operativt mål",
    "När",
    "Vem",
    "Indikator och utgångsläge",
    "Budget",
]


def _measures(plan: ActionPlan) -> list[Measure]:
    return list(
        plan.measures.select_related("problem", "cause", "responsible").prefetch_related(
            "follow_ups"
        )
    )


def problems(measures: list[Measure]) -> list[Problem]:
    """The plan's prioritised problems: those its measures are linked to, by priority."""
    found = {m.problem.pk: m.problem for m in measures if m.problem is not None}
    return sorted(found.values(), key=lambda p: (p.priority, p.title, p.pk))


def budget_sum(measures: list[Measure]) -> Decimal:
    return sum((m.budget or Decimal(0) for m in measures), Decimal(0))


def title(plan: ActionPlan) -> str:
    return plan.title


def status_line(plan: ActionPlan) -> str:
    """ "Förslag" for a draft; "Beslutad av Kommunstyrelsen 20 november 2026, dnr KS 2026/12"."""
    if plan.status == PlanStatus.DRAFT or plan.decision_date is None:
        return "Status: Förslag"
    line = f"Status: Beslutad av {plan.decision_body} {formatting.day(plan.decision_date)}"
    if plan.diarienummer:
        line += f", dnr {plan.diarienummer}"
    return line


def lead(plan: ActionPlan) -> list[str]:
    """The title page's lines under the title (the kommun's name heads the page above it)."""
    with translation.override("sv"):
        return [
            "Åtgärdsplan enligt 5 § lag (2023:196) om kommuners ansvar för brottsförebyggande "
            "arbete",
            f"Period: {formatting.period(plan.period_start, plan.period_end)}",
            f"Version {formatting.number(plan.version)}",
            status_line(plan),
        ]


def _paragraphs(text: str, empty: str) -> list[str]:
    parts = [" ".join(p.split()) for p in text.split("\n\n") if p.strip()]
    return parts or [empty]


def _value(value: float | None) -> str:
    if value is None:
        return "–"
    return formatting.number(value, 0 if float(value).is_integer() else 1)


def sections(plan: ActionPlan) -> list[Section]:
    with translation.override("sv"):
        return _sections(plan, _measures(plan))


def _sections(plan: ActionPlan, measures: list[Measure]) -> list[Section]:
    return [
        Section(
            "Förslag till beslut",
            paragraphs=_paragraphs(plan.proposed_decision, "Inget förslag till beslut är skrivet."),
        ),
        _background(plan),
        _problems(measures),
        Section("Effektmål", paragraphs=_paragraphs(plan.effect_goals, "Inga effektmål angivna.")),
        _measure_table(plan, measures),
        _responsibility(measures),
        _follow_up(plan, measures),
        _links(plan),
        _decision(plan),
    ]


def _background(plan: ActionPlan) -> Section:
    report = plan.situation_report
    heading = "Bakgrund: lägesbilden planen vilar på"
    if report is None:
        return Section(heading, paragraphs=["Planen är ännu inte kopplad till någon lägesbild."])
    line = (
        f"Planen vilar på lägesbilden ”{report.title}” "
        f"({formatting.period(report.period_start, report.period_end)}, version "
        f"{formatting.number(report.version)})."
    )
    if report.status == "approved" and report.approved_on:
        approval = f"Lägesbilden godkändes av {report.approved_body} den "
        approval += formatting.day(report.approved_on)
        approval += f", dnr {report.diarienummer}." if report.diarienummer else "."
    else:
        approval = "Lägesbilden är ännu inte godkänd."
    findings = [
        {"text": f.final_text, "key": f.key_message}
        for f in report.findings.all()
        if f.decision in ("accepted", "edited")
    ]
    key, _rest = split_findings(findings)
    return Section(
        heading,
        paragraphs=[line, approval, *(["Lägesbildens viktigaste iakttagelser:"] if key else [])],
        bullets=[f["text"] for f in key],
    )


def _problems(measures: list[Measure]) -> Section:
    found = problems(measures)
    heading = "Prioriterade problem och orsaker"
    if not found:
        return Section(heading, paragraphs=["Inga åtgärder är kopplade till problem ännu."])
    order = [str(group) for group in CauseGroup]
    rows = [
        [problem.title, GROUP_SV[CauseGroup(cause.group)], cause.text]
        for problem in found
        for cause in sorted(problem.causes.all(), key=lambda c: (order.index(c.group), c.pk))
    ]
    return Section(
        heading,
        paragraphs=[
            f"{problem.title} (prioritet {PRIORITY_SV.get(problem.priority, '')})"
            + (f": {' '.join(problem.description.split())}" if problem.description else ".")
            for problem in found
        ],
        header=["Problem", "Orsaksgrupp", "Orsak"] if rows else [],
        rows=rows,
    )


def _indicator(m: Measure) -> str:
    if m.indicator_kind == "computed":
        text = "Beräknad ur händelserna"
        if m.baseline_start and m.baseline_end:
            text += f" {formatting.period(m.baseline_start, m.baseline_end)}"
    else:
        text = m.indicator_label or "Inmatad indikator"
    text += f"; utgångsläge {_value(m.baseline_value)}"
    if m.target_value is not None:
        text += f", mål {_value(m.target_value)}"
    return text


def _measure_table(plan: ActionPlan, measures: list[Measure]) -> Section:
    heading = "Åtgärder"
    if not measures:
        return Section(heading, paragraphs=["Planen har inga åtgärder ännu."])
    rows = [
        [
            f"{m.cause.text} ({m.problem.title})"
            if m.cause is not None and m.problem is not None
            else f"Inte kopplad: {m.unlinked_reason}",
            m.title + (" (punktinsats)" if m.one_off else ""),
            m.goal,
            (f"{m.when}, " if m.when else "") + f"klart senast {formatting.day(m.deadline)}",
            m.responsible.name + (f", {m.contact}" if m.contact else ""),
            _indicator(m),
            "–" if m.budget is None else formatting.money(int(m.budget)),
        ]
        for m in measures
    ]
    rows.append(["Summa", "", "", "", "", "", formatting.money(int(budget_sum(measures)))])
    notes = ["Tabellen följer Brås mall: orsak, åtgärd, operativt mål, när, vem och uppföljning."]
    if plan.budget_total is not None:
        notes.append(f"Planens totala budget: {formatting.money(int(plan.budget_total))}.")
    return Section(heading, header=MEASURE_HEADER, rows=rows, notes=notes)


def _responsibility(measures: list[Measure]) -> Section:
    by_organisation: dict[str, list[str]] = {}
    for m in measures:
        by_organisation.setdefault(m.responsible.name, []).append(m.title)
    return Section(
        "Ansvar",
        paragraphs=[] if measures else ["Inga åtgärder att ansvara för ännu."],
        header=["Organisation", "Åtgärder"] if measures else [],
        rows=[[name, "; ".join(titles)] for name, titles in sorted(by_organisation.items())],
    )


def _follow_up(plan: ActionPlan, measures: list[Measure]) -> Section:
    paragraphs = _paragraphs(plan.follow_up_plan, "Ingen plan för uppföljningen angiven.")
    latest_plan = plan.plan_follow_ups.first()
    if latest_plan is not None:
        paragraphs.append(
            f"Planen följdes senast upp {formatting.day(latest_plan.date)}: "
            + " ".join(latest_plan.summary.split())
        )
    followed = [(m, m.follow_ups.all()[0]) for m in measures if m.follow_ups.all()]
    if not followed:
        return Section("Uppföljning", paragraphs=paragraphs)
    paragraphs.append("Senaste uppföljningen av varje åtgärd:")
    latest = {m.pk: f for m, f in followed}
    return Section(
        "Uppföljning",
        paragraphs=paragraphs,
        header=["Åtgärd", "Uppföljd", "Status", "Kommentar"],
        rows=[
            [m.title, "–", "ingen uppföljning", ""]
            if m.pk not in latest
            else [
                m.title,
                formatting.day(latest[m.pk].date),
                COLOURS_SV.get(latest[m.pk].colour, ""),
                " ".join(latest[m.pk].note.split()),
            ]
            for m in measures
        ],
    )


def _links(plan: ActionPlan) -> Section:
    heading = "Koppling till andra styrdokument (7 §)"
    if not plan.links:
        return Section(heading, paragraphs=["Inga kopplingar till andra styrdokument angivna."])
    return Section(
        heading,
        header=["Slag", "Dokument", "Referens"],
        rows=[[x["kind"], x["title"], x["reference"] or "–"] for x in plan.links],
    )


def _decision(plan: ActionPlan) -> Section:
    if plan.status == PlanStatus.DRAFT or plan.decision_date is None:
        return Section(
            "Beslut",
            paragraphs=["Förslag. Planen är inte beslutad. Beslutande organ, datum och dnr:"],
        )
    text = f"{plan.decision_body} beslutade planen {formatting.day(plan.decision_date)}"
    text += f", dnr {plan.diarienummer}." if plan.diarienummer else "."
    return Section("Beslut", paragraphs=[text])


def document(plan: ActionPlan) -> Document:
    with translation.override("sv"):
        return Document(
            title=title(plan),
            subject="Åtgärdsplan",
            lead=lead(plan),
            sections=sections(plan),
            municipality=plan.municipality,
            keywords=["åtgärdsplan", "brottsförebyggande arbete", "lag (2023:196)"],
        )


def pdf_bytes(plan: ActionPlan) -> bytes:
    return render_document.pdf(document(plan))


def docx_bytes(plan: ActionPlan) -> bytes:
    return render_document.docx(document(plan))


def render(plan: ActionPlan) -> dict[str, Any]:
    """The two renderings for documents.download."""
    return {"pdf": lambda: pdf_bytes(plan), "docx": lambda: docx_bytes(plan)}
