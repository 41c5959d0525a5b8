"""The statutory lägesbild (4 §) built once as a documents.model.Document and rendered to PDF
and Word by documents/render.py (issue 13, item 2): the same content, maps and charts in both,
in Swedish through the translation system, with the three parts of 4 §, the sources, the
approval block and an appendix of method notes."""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
from django.utils import timezone, translation
from django.utils.translation import gettext, ngettext

from samtrygg.analysis.kde import kde
from samtrygg.areas.models import Area
from samtrygg.core import formatting
from samtrygg.situation.geometry import HEAT_BANDWIDTH_M, geometry_for
from samtrygg.situation.localtime import day_number, local_days
from samtrygg.situation.models import SituationReport
from samtrygg.situation.report_content import build
from samtrygg.situation.snapshot import snapshot
from samtrygg.tenancy.models import Municipality

from . import charts
from . import render as render_document
from . import situation_report_parts as parts
from .model import Document

# The texts other documents and the services share (kept importable from here).
from .situation_report_parts import (  # noqa: F401
    DAY_MARK,
    KEY_MESSAGES,
    base_map_credit,
    consequences_text,
    day_population_notes,
    fire_table,
    method_notes,
    periods_text,
    reported_crime_table,
    small_population_note,
    split_findings,
    summary_sentence,
    survey_table,
)

FINDING_KINDS = ("hotspots", "emerging", "near_repeat", "alerts", "concentration", "trend")


@dataclass
class DocumentData:
    municipality: Municipality
    title: str
    first: date
    last: date
    content: dict[str, Any]
    images: dict[str, str]  # name → base64 PNG
    findings: list[dict[str, Any]]  # kind, text, key (the accepted ones)
    other_information: str = ""
    analysis_text: str = ""
    sources_left_out: list[str] = field(default_factory=list)
    status: str = "draft"
    version: int = 1
    approval: dict[str, Any] = field(default_factory=dict)
    generated_at: str = ""
    # The parties' own lägesbilder for part 2 (situation/contributions.for_document).
    contributions: list[dict[str, Any]] = field(default_factory=list)


def _emerging(kind: str, area: str, n: int) -> str:
    """How each emerging hot-spot class reads to a politician (the class names stay in the
    appendix)."""
    values = {"area": area, "n": formatting.number(n)}
    sentences = {
        "new": ngettext(
            "In %(area)s %(n)s place has become a hot spot for the first time in recent weeks.",
            "In %(area)s %(n)s places have become a hot spot for the first time in recent weeks.",
            n,
        ),
        "consecutive": ngettext(
            "In %(area)s %(n)s place has been a hot spot the last weeks in a row.",
            "In %(area)s %(n)s places have been hot spots the last weeks in a row.",
            n,
        ),
        "intensifying": ngettext(
            "In %(area)s %(n)s place has been a hot spot with more and more incidents in recent "
            "weeks.",
            "In %(area)s %(n)s places have been hot spots with more and more incidents in recent "
            "weeks.",
            n,
        ),
        "persistent": ngettext(
            "In %(area)s %(n)s place has been a hot spot almost all the time in recent weeks.",
            "In %(area)s %(n)s places have been hot spots almost all the time in recent weeks.",
            n,
        ),
        "diminishing": ngettext(
            "In %(area)s %(n)s place has been a hot spot but with fewer and fewer incidents in "
            "recent weeks.",
            "In %(area)s %(n)s places have been hot spots but with fewer and fewer incidents in "
            "recent weeks.",
            n,
        ),
        "sporadic": ngettext(
            "In %(area)s %(n)s place has now and then been a hot spot in recent weeks.",
            "In %(area)s %(n)s places have now and then been hot spots in recent weeks.",
            n,
        ),
        "oscillating": ngettext(
            "In %(area)s %(n)s place has swung between few and many incidents in recent weeks.",
            "In %(area)s %(n)s places have swung between few and many incidents in recent weeks.",
            n,
        ),
        "historical": ngettext(
            "In %(area)s %(n)s place has been a hot spot before but not now in recent weeks.",
            "In %(area)s %(n)s places have been hot spots before but not now in recent weeks.",
            n,
        ),
    }
    if kind not in sentences:
        return ngettext(
            "In %(area)s %(n)s place is of the kind %(kind)s in recent weeks.",
            "In %(area)s %(n)s places are of the kind %(kind)s in recent weeks.",
            n,
        ) % {**values, "kind": kind}
    return sentences[kind] % values


def generated_findings(content: dict[str, Any]) -> list[tuple[str, str]]:
    """Plain-language findings from the figures, for the analyst to accept, edit or drop (in
    Swedish, whatever language the analyst uses: they go into the document)."""
    with translation.override("sv"):
        return _generated_findings(content)


# The order suggestions are ranked in: what a politician most needs to know first.
RANK = ["trend", "alerts", "hotspots", "concentration", "emerging", "near_repeat"]


def _generated_findings(content: dict[str, Any]) -> list[tuple[str, str]]:
    """Ranked suggestions, each ending with its basis in one line ("Underlag: …"), so that a
    reader can judge it without the method appendix."""
    found = [(kind, f"{text} {_basis(kind, content)}") for kind, text in _findings(content)]
    return sorted(found, key=lambda item: RANK.index(item[0]) if item[0] in RANK else len(RANK))


def _basis(kind: str, content: dict[str, Any]) -> str:
    places = formatting.number(content.get("places_with_incidents") or 0)
    total = "–" if content.get("total") is None else formatting.number(content["total"])
    previous = (
        "–"
        if content.get("previous_total") is None
        else formatting.number(content["previous_total"])
    )
    return {
        "hotspots": gettext(
            "Basis: the period's incidents with a place, in %(places)s squares of 250 m."
        )
        % {"places": places},
        "emerging": gettext(
            "Basis: incidents with a place in the last 12 weeks, squares of 250 m."
        ),
        "near_repeat": gettext(
            "Basis: fires, vandalism and graffiti with a place in the last 12 months."
        ),
        "alerts": gettext(
            "Basis: each week compared with the same weeks ±3 in the three years before."
        ),
        "concentration": gettext(
            "Basis: %(places)s places (squares of 250 m) with at least one incident."
        )
        % {"places": places},
        "trend": gettext(
            "Basis: %(total)s against %(previous)s incidents, the period against the period before."
        )
        % {"total": total, "previous": previous},
    }.get(kind, "")


def _findings(content: dict[str, Any]) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for spot in content.get("hotspot_shares", [])[:5]:
        out.append(
            (
                "hotspots",
                gettext(
                    "Hot spots in %(area)s: %(surface)s of the municipality's area, %(share)s of "
                    "the incidents with a place given."
                )
                % {
                    "area": spot["area"],
                    "surface": formatting.percent(spot["surface_percent"], 1),
                    "share": formatting.percent(spot["incident_percent"]),
                },
            )
        )
    for row in content.get("emerging", [])[:5]:
        out.append(("emerging", _emerging(row["kind"], row["area"], row["squares"])))
    near = content.get("near_repeat")
    if near and near["ratio"] > 1 and near["p"] < 0.05:
        out.append(
            (
                "near_repeat",
                gettext(
                    "After a fire, vandalism or graffiti the risk of a new one within 200 metres "
                    "is raised for a week: %(ratio)s times as high as expected."
                )
                % {"ratio": formatting.number(near["ratio"], 1)},
            )
        )
    for alert in content.get("alerts", []):
        out.append(
            (
                "alerts",
                ngettext(
                    "%(category)s: unusually many incidents in %(weeks)s of the period's weeks, "
                    "compared with the same weeks in earlier years.",
                    "%(category)s: unusually many incidents in %(weeks)s of the period's weeks, "
                    "compared with the same weeks in earlier years.",
                    alert["weeks"],
                )
                % {"category": alert["category"], "weeks": formatting.number(alert["weeks"])},
            )
        )
    if content.get("concentration_top10") is not None:
        out.append(
            (
                "concentration",
                gettext(
                    "%(share)s of the incidents happened in the %(top)s of places with the most "
                    "incidents."
                )
                % {
                    "share": formatting.percent(content["concentration_top10"]),
                    "top": formatting.percent(10),
                },
            )
        )
    change, p = content.get("change_percent"), content.get("change_p")
    if change is not None and p is not None and p < 0.05:
        values = {"change": formatting.percent(abs(change)), "p": formatting.p_value(p)}
        out.append(
            (
                "trend",
                (
                    gettext(
                        "There were %(change)s more incidents than the period before, a "
                        "difference hardly due to chance (%(p)s, exact Poisson test)."
                    )
                    if change > 0
                    else gettext(
                        "There were %(change)s fewer incidents than the period before, a "
                        "difference hardly due to chance (%(p)s, exact Poisson test)."
                    )
                )
                % values,
            )
        )
    return out


def render_images(municipality: Municipality, content: dict[str, Any]) -> dict[str, str]:
    areas = list(Area.objects.filter(municipality=municipality).values_list("name", "geometry"))
    images: dict[str, bytes] = {}
    boundary = municipality.boundary
    if boundary:
        counts = {row["area"]: row["count"] for row in content["by_area"]}
        images["map_areas"] = charts.choropleth(boundary, areas, counts, "Händelser per område")
        geometry = geometry_for(municipality)
        if geometry is not None:
            images["map_hotspots"] = charts.hotspots(
                boundary,
                areas,
                geometry.grid,
                content.get("hotspots", []),
                "Heta punkter (Gi*, 250 m)",
            )
            images["map_density"] = _density_map(municipality, content, boundary, areas)
    crime = content.get("reported_crime") or {}
    if crime.get("groups"):
        images["chart_reported_crime"] = charts.rates_over_time(
            crime["groups"], "Anmälda brott per 100 000 invånare"
        )
    images["chart_monthly"] = charts.monthly(content["monthly"], "Händelser per månad")
    images["chart_weekday_hour"] = charts.weekday_hour(
        content["weekday_hour"], "Veckodag och timme"
    )
    images["chart_categories"] = charts.categories(content["by_category"], "Händelser per kategori")
    return {name: base64.b64encode(png).decode() for name, png in images.items()}


def _density_map(
    municipality: Municipality, content: dict[str, Any], boundary: Any, areas: Any
) -> bytes:
    geometry = geometry_for(municipality)
    assert geometry is not None  # noqa: S101
    snap = snapshot(municipality.pk)
    first, last = (date.fromisoformat(d) for d in content["period"])
    days = local_days(snap["start"])
    mask = (
        snap.counted
        & (days >= day_number(first))
        & (days <= day_number(last))
        & ~np.isnan(snap["x"])
    )
    surface = np.zeros(geometry.heat_grid.shape)
    if mask.sum() >= 3:
        surface = kde(
            snap["x"][mask], snap["y"][mask], grid=geometry.heat_grid, bandwidth=HEAT_BANDWIDTH_M
        ).density
        counts = geometry.heat_grid.counts(snap["x"][mask], snap["y"][mask])
        from scipy import ndimage

        reach = int(np.ceil(HEAT_BANDWIDTH_M / geometry.heat_grid.cell))
        nearby = (
            ndimage.uniform_filter(counts, size=2 * reach + 1, mode="constant")
            * (2 * reach + 1) ** 2
        )
        surface = np.where(nearby >= 3 - 1e-9, surface, 0.0)  # no blob from fewer than 3
    return charts.density(
        boundary, areas, geometry.heat_grid, surface, "Täthet (kärnskattning, 300 m)"
    )


def data_for_report(report: SituationReport) -> DocumentData:
    """A saved report: its frozen content if approved, else computed now."""
    from samtrygg.situation.contributions import for_document

    if report.status == "approved" and report.content.get("figures"):
        content, images = report.content["figures"], report.content["images"]
        contributions = report.content.get("contributions", [])
    else:
        content = build(report.municipality, report.period_start, report.period_end)
        images = render_images(report.municipality, content)
        contributions = for_document(report)
    findings = [
        {"kind": f.kind, "text": f.final_text, "key": f.key_message}
        for f in report.findings.all()
        if f.decision in ("accepted", "edited")
    ]
    approval = {}
    if report.status == "approved":
        approval = {
            "body": report.approved_body,
            "date": report.approved_on,
            "diarienummer": report.diarienummer,
            "by": report.approved_by.full_name or report.approved_by.email
            if report.approved_by
            else "",
            "next_update_due": report.next_update_due,
        }
    return DocumentData(
        municipality=report.municipality,
        title=report.title,
        first=report.period_start,
        last=report.period_end,
        content=content,
        images=images,
        findings=findings,
        other_information=report.other_information,
        analysis_text=report.analysis_text,
        sources_left_out=[
            line.strip() for line in report.sources_left_out.splitlines() if line.strip()
        ],
        status=report.status,
        version=report.version,
        approval=approval,
        generated_at=timezone.localtime().strftime("%Y-%m-%d %H:%M"),
        contributions=contributions,
    )


def data_for_period(municipality: Municipality, first: date, last: date) -> DocumentData:
    """A lägesbild straight from the data (the command line), every finding included."""
    content = build(municipality, first, last)
    return DocumentData(
        municipality=municipality,
        title=f"Lägesbild {municipality.name} {first:%Y-%m-%d} – {last:%Y-%m-%d}",
        first=first,
        last=last,
        content=content,
        images=render_images(municipality, content),
        findings=[{"kind": k, "text": t} for k, t in generated_findings(content)],
        generated_at=timezone.localtime().strftime("%Y-%m-%d %H:%M"),
    )


def document(data: DocumentData) -> Document:
    """The lägesbild built once: the PDF and the Word file (documents/render.py) only lay it
    out, so the two say the same."""
    with translation.override("sv"):
        return Document(
            title=data.title,
            subject=gettext("Lägesbild"),
            lead=parts.lead(data),
            sections=[
                *parts.summary(data),
                *parts.part_one(data),
                *parts.part_two(data),
                *parts.part_three(data),
                *parts.sources(data),
                parts.decision(data),
                *parts.methods(data),
            ],
            images=dict(data.images),
            municipality=data.municipality,
            keywords=[
                gettext("lägesbild"),
                gettext("crime prevention"),
                gettext("Act (2023:196)"),
            ],
        )


def pdf_bytes(data: DocumentData) -> bytes:
    return render_document.pdf(document(data))


def docx_bytes(data: DocumentData) -> bytes:
    return render_document.docx(document(data))
