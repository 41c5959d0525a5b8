"""The report to kommunfullmäktige (13 §): compliance with the law, the lägesbild in short, the
åtgärdsplan's measures with their colours, evaluation results and the citizen promises."""

from __future__ import annotations

import io
from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone, translation

from samtrygg.core import formatting
from samtrygg.plans import compliance, promises
from samtrygg.plans.models import ActionPlan, CitizenPromise, Evaluation, PlanStatus
from samtrygg.situation.models import ReportStatus, SituationReport
from samtrygg.tenancy.models import Municipality

OWNER_SV = {"kommunen": "Kommunen", "polisen": "Polisen", "tillsammans": "Tillsammans"}
COLOUR_SV = {"green": "Grön", "yellow": "Gul", "red": "Röd", "": "Ej uppföljd"}


PROMISE_INTRO = (
    "Löftena per ägare: det kommunen lovar, det Polisen lovar och det de lovar tillsammans."
)
PROMISE_HEADER = ["Vem lovar", "Löfte", "Aktivitet", "Period", "Status"]
PROMISE_KEYS = ["owner", "promise", "activity", "period", "status"]


def content(municipality: Municipality) -> dict[str, Any]:
    today = timezone.localdate()
    # Never a lägesbild "approved" on a day that has not come.
    report = (
        SituationReport.objects.filter(
            municipality=municipality, status=ReportStatus.APPROVED, approved_on__lte=today
        )
        .order_by("-approved_on")
        .first()
    )
    plan = (
        ActionPlan.objects.filter(municipality=municipality)
        .exclude(status=PlanStatus.DRAFT)
        .order_by("-decision_date")
        .first()
        or ActionPlan.objects.filter(municipality=municipality).order_by("-created_at").first()
    )
    measures = (
        list(plan.measures.select_related("responsible").prefetch_related("follow_ups"))
        if plan
        else []
    )
    colours = {c: sum(1 for m in measures if m.colour == c) for c in ("green", "yellow", "red", "")}
    figures = (report.content.get("figures") or {}) if report else {}
    return {
        "municipality": municipality,
        "today": today,
        "items": [
            {
                "paragraph": i.paragraph,
                "requirement": str(i.requirement),
                "status": i.label,
                "status_code": i.status,
                "evidence": i.evidence,
                "due": i.due,
            }
            for i in compliance.items(municipality, today)
        ],
        # The kommun's own routines, apart from the law's requirements.
        "routines": [
            {"requirement": str(i.requirement), "status": i.label, "evidence": i.evidence}
            for i in compliance.routines(municipality, today)
        ],
        "report": report,
        "figures": figures,
        "findings": [
            f.final_text for f in report.findings.filter(decision__in=["accepted", "edited"])
        ]
        if report
        else [],
        "plan": plan,
        "measures": [
            {
                "title": m.title,
                "goal": m.goal,
                "responsible": m.responsible.name,
                "deadline": m.deadline,
                "colour": COLOUR_SV[m.colour],
                "colour_code": m.colour or "none",
                "linked": m.linked,
                "latest": m.follow_ups.all()[0].note if m.follow_ups.all() else "",
            }
            for m in measures
        ],
        "colours": {COLOUR_SV[k]: v for k, v in colours.items()},
        "linked": sum(1 for m in measures if m.linked),
        "evaluations": list(Evaluation.objects.filter(municipality=municipality)[:10]),
        "promises": promise_rows(municipality),
        "promise_intro": PROMISE_INTRO,
        "promise_header": PROMISE_HEADER,
    }


def promise_rows(municipality: Municipality) -> list[dict[str, str]]:
    """The promises per owner: first every activity the kommun promises, then the police's,
    then those promised together, each with its promise and status; the PDF and the Word file
    print the same rows."""
    found = list(promises.with_parts(CitizenPromise.objects.filter(municipality=municipality)))
    rows = []
    with translation.override("sv"):
        for party, owner in OWNER_SV.items():
            for promise in found:
                for activity in promise.activities.all():
                    if activity.party != party:
                        continue
                    rows.append(
                        {
                            "owner": owner,
                            "promise": promise.title,
                            "activity": activity.text,
                            "period": formatting.period(promise.period_start, promise.period_end),
                            "status": activity.get_status_display(),
                        }
                    )
    return rows


def pdf_bytes(municipality: Municipality) -> bytes:
    from weasyprint import HTML

    with translation.override("sv"):
        html = render_to_string("documents/council_report.html", {"c": content(municipality)})
    return HTML(string=html).write_pdf()


def docx_bytes(municipality: Municipality) -> bytes:
    from docx import Document

    c = content(municipality)
    document = Document()
    document.add_heading(f"Rapport till kommunfullmäktige – {municipality.name}", 0)
    document.add_paragraph(
        "Det brottsförebyggande arbetet enligt lag (2023:196), 13 §. "
        f"Framställd {c['today']:%Y-%m-%d}."
    )
    document.add_heading("Efterlevnad av lagen", 1)
    table = document.add_table(rows=1, cols=4)
    table.style = "Light Grid Accent 1"
    for cell, text in zip(
        table.rows[0].cells, ["Paragraf", "Krav", "Status", "Underlag"], strict=True
    ):
        cell.text = text
    for item in c["items"]:
        for cell, text in zip(
            table.add_row().cells,
            [item["paragraph"], item["requirement"], item["status"], item["evidence"]],
            strict=True,
        ):
            cell.text = str(text)
    document.add_heading("Kommunens egna rutiner", 2)
    document.add_paragraph(
        "Rutiner som kommunen har för lagens uppgifter; de är inte krav i lagen."
    )
    routines = document.add_table(rows=1, cols=3)
    routines.style = "Light Grid Accent 1"
    for cell, text in zip(routines.rows[0].cells, ["Rutin", "Status", "Senast gjort"], strict=True):
        cell.text = text
    for routine in c["routines"]:
        for cell, text in zip(
            routines.add_row().cells,
            [routine["requirement"], routine["status"], routine["evidence"] or "–"],
            strict=True,
        ):
            cell.text = str(text)
    document.add_heading("Lägesbilden i korthet", 1)
    if c["report"]:
        document.add_paragraph(
            f"{c['report'].title}, godkänd {c['report'].approved_on:%Y-%m-%d} "
            f"av {c['report'].approved_body}."
        )
        for text in c["findings"]:
            document.add_paragraph(text, style="List Bullet")
    else:
        document.add_paragraph("Ingen godkänd lägesbild.")
    document.add_heading("Åtgärdsplanen", 1)
    if c["plan"]:
        document.add_paragraph(
            f"{c['plan'].title} ({c['plan'].get_status_display()}). "
            f"{c['linked']} av {len(c['measures'])} åtgärder är kopplade till ett problem och en "
            "orsak. " + ", ".join(f"{k}: {v}" for k, v in c["colours"].items())
        )
        for m in c["measures"]:
            document.add_paragraph(
                f"{m['title']} – {m['responsible']}, {m['deadline']:%Y-%m-%d}: {m['colour']}",
                style="List Bullet",
            )
    document.add_heading("Utvärderingar", 1)
    for e in c["evaluations"]:
        document.add_paragraph(f"{e.title}: {e.conclusion}", style="List Bullet")
    document.add_heading("Medborgarlöften", 1)
    document.add_paragraph(PROMISE_INTRO)
    if c["promises"]:
        table = document.add_table(rows=1, cols=5)
        table.style = "Light Grid Accent 1"
        for cell, text in zip(table.rows[0].cells, PROMISE_HEADER, strict=True):
            cell.text = text
        for p in c["promises"]:
            for cell, key in zip(table.add_row().cells, PROMISE_KEYS, strict=True):
                cell.text = p[key]
    else:
        document.add_paragraph("Inga medborgarlöften.")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
