"""The tertial (or quarterly) analysis as PDF (WeasyPrint) and Word (python-docx). Its sections
(headings, sentences, tables as text cells, images with captions) are built once here, in
Swedish and through the one formatter, and both renderers only lay them out, so the PDF and the
Word file say the same."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import ngettext

from samtrygg.core import formatting
from samtrygg.situation import period_analysis as pa
from samtrygg.situation.models import AnalysisStatus, PeriodAnalysis

from .situation_report import base_map_credit, render_images, reported_crime_table, summary_sentence

TITLES = {"tertial": "Tertialanalys", "quarter": "Kvartalsanalys"}


@dataclass
class AnalysisDocument:
    municipality: str
    kind: str
    year: int
    number: int
    first: date
    last: date
    content: dict[str, Any]
    images: dict[str, str]  # name → base64 PNG
    key_messages: list[str]
    assessment: str = ""
    proposals: str = ""
    status: str = AnalysisStatus.DRAFT
    finalised: str = ""  # "1 september 2026 av …"
    generated_at: str = ""


@dataclass
class Section:
    heading: str
    paragraphs: list[str] = field(default_factory=list)
    bullets: list[str] = field(default_factory=list)
    header: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)
    images: list[tuple[str, str]] = field(default_factory=list)  # (image name, caption)
    notes: list[str] = field(default_factory=list)  # after the table and images


def data_for_analysis(analysis: PeriodAnalysis) -> AnalysisDocument:
    """A final analysis prints its frozen content; a draft is computed now."""
    frozen = analysis.content
    if analysis.status == AnalysisStatus.FINAL and frozen.get("images") is not None:
        content, images = frozen["figures"], frozen["images"]
    else:
        period = pa.YearEarlier(analysis.period_start, analysis.period_end)
        content = pa.build(analysis.municipality, period)
        images = render_images(analysis.municipality, content)
    finalised = ""
    if analysis.status == AnalysisStatus.FINAL and analysis.finalised_at:
        by = analysis.finalised_by
        with translation.override("sv"):
            finalised = formatting.day(timezone.localtime(analysis.finalised_at).date())
        if by is not None:
            finalised += f" av {by.full_name or by.email}"
    return AnalysisDocument(
        municipality=analysis.municipality.name,
        kind=analysis.kind,
        year=analysis.year,
        number=analysis.number,
        first=analysis.period_start,
        last=analysis.period_end,
        content=content,
        images=images,
        key_messages=analysis.messages(),
        assessment=analysis.assessment,
        proposals=analysis.proposals,
        status=analysis.status,
        finalised=finalised,
        generated_at=timezone.localtime().strftime("%Y-%m-%d %H:%M"),
    )


def data_for_period(municipality: Any, kind: str, year: int, number: int) -> AnalysisDocument:
    """An analysis straight from the data (the command line): the suggestions as key messages."""
    period = pa.period_of(kind, year, number)
    content = pa.build(municipality, period)
    return AnalysisDocument(
        municipality=municipality.name,
        kind=kind,
        year=year,
        number=number,
        first=period.first,
        last=period.last,
        content=content,
        images=render_images(municipality, content),
        key_messages=[text for _k, text in content["suggestions"][: pa.SUGGESTIONS_SHOWN]],
        generated_at=timezone.localtime().strftime("%Y-%m-%d %H:%M"),
    )


def _n(value: int | None) -> str:
    return "dolt" if value is None else formatting.number(value)


def title(doc: AnalysisDocument) -> str:
    return f"{TITLES[doc.kind]} {doc.municipality}"


def period_heading(doc: AnalysisDocument) -> str:
    """ "Tertial 2 2026: 1 maj–31 augusti 2026"."""
    return f"{pa.heading(doc.kind, doc.year, doc.number)}: {formatting.period(doc.first, doc.last)}"


def status_line(doc: AnalysisDocument) -> str:
    if doc.status == AnalysisStatus.FINAL:
        return f"Slutlig, fastställd {doc.finalised}. Framställd {doc.generated_at}."
    return f"Utkast – inte fastställt. Framställt {doc.generated_at}."


def sections(doc: AnalysisDocument) -> list[Section]:
    with translation.override("sv"):
        return _sections(doc)


def _sections(doc: AnalysisDocument) -> list[Section]:
    c = doc.content
    previous = [date.fromisoformat(d) for d in c["previous_period"]]
    out = [
        Section(
            "Det viktigaste",
            bullets=doc.key_messages,
            paragraphs=[] if doc.key_messages else ["Inga budskap valda ännu."],
        ),
        Section(
            "Sammanfattning",
            paragraphs=[
                pa.year_earlier_words(summary_sentence(c)),
                f"Jämförelseperiod: {formatting.period(*previous)}, samma period året före.",
            ],
        ),
        Section(
            "Vad hände: händelser per kategori",
            header=["Kategori", "Perioden", "Samma period året före"],
            rows=[[r["category"], _n(r["count"]), _n(r["previous"])] for r in c["by_category"]],
            images=[("chart_categories", "Händelser per kategori, perioden och året före.")],
        ),
        Section(
            "Var: händelser per område",
            header=["Område", "Perioden", "Samma period året före"],
            rows=[[r["area"], _n(r["count"]), _n(r["previous"])] for r in c["by_area"]],
            images=[
                ("map_areas", "Händelser per område."),
                (
                    "map_hotspots",
                    "Heta punkter: platser med tydligt fler händelser än omgivningen.",
                ),
            ],
            notes=[
                *(
                    f"Heta punkter i {s['area']}: {formatting.percent(s['surface_percent'], 1)} "
                    f"av ytan, {formatting.percent(s['incident_percent'])} av händelserna "
                    "med plats."
                    for s in c.get("hotspot_shares", [])[:5]
                ),
                *([base_map_credit()] if base_map_credit() else []),
            ],
        ),
        Section(
            "Trend: händelser per månad",
            header=["Månad", "Händelser"],
            rows=[[r["month"], _n(r["count"])] for r in c["monthly"]],
            images=[("chart_monthly", "Händelser per månad.")],
        ),
        _coverage(c),
        _done(c),
        _measures(c),
    ]
    crime = reported_crime_table(c)
    if crime:
        out.append(
            Section(
                "Sammanhang: anmälda brott per 100 000 invånare",
                paragraphs=[crime["intro"]],
                header=crime["header"],
                rows=crime["rows"],
                notes=[crime["source"]],
            )
        )
    out += [
        Section("Bedömning", paragraphs=_paragraphs(doc.assessment, "Bedömningen saknas ännu.")),
        Section(
            "Förslag till beslut",
            paragraphs=_paragraphs(doc.proposals, "Inga förslag till beslut ännu."),
        ),
        Section(
            "Källor och metod",
            bullets=c["sources"],
            paragraphs=[
                "Händelser i kategorier med begränsad synlighet ingår inte. Antal under "
                f"{c['threshold']} visas inte, och inte heller antal som annars kunde räknas "
                "fram ur dem: båda står som ”dolt”. Jämförelsen görs med samma kalenderperiod "
                "året före, och ingen förändring anges där uppgifterna börjar sent eller där "
                "antalet rapporterande organisationer ändrats mycket."
            ],
        ),
    ]
    return out


def _paragraphs(text: str, empty: str) -> list[str]:
    parts = [p.strip() for p in text.split("\n\n") if p.strip()]
    return parts or [empty]


def _coverage(c: dict[str, Any]) -> Section:
    cov = c["coverage"]
    weeks = len(cov["weeks"])
    return Section(
        "Rapportering vecka för vecka",
        paragraphs=[
            ngettext(
                "%(n)s weekly report was received",
                "%(n)s weekly reports were received",
                cov["reports"],
            )
            % {"n": formatting.number(cov["reports"])}
            + " "
            + ngettext(
                "from %(n)s organisation",
                "from %(n)s organisations",
                cov["organisations"],
            )
            % {"n": formatting.number(cov["organisations"])}
            + " "
            + ngettext("over %(n)s week.", "over %(n)s weeks.", weeks)
            % {"n": formatting.number(weeks)}
        ],
        header=["Vecka", "Rapporter", "Organisationer"],
        rows=[
            [str(week), formatting.number(n), formatting.number(orgs)]
            for week, n, orgs in cov["weeks"]
        ],
    )


def _done(c: dict[str, Any]) -> Section:
    held, tasks = c["meetings"], c["tasks"]
    as_of = formatting.day(date.fromisoformat(c["as_of"]))
    return Section(
        "Vad gjordes: EST-möten, beslut och uppgifter",
        paragraphs=[
            ngettext("%(n)s EST meeting was held", "%(n)s EST meetings were held", held["weekly"])
            % {"n": formatting.number(held["weekly"])}
            + (
                " "
                + ngettext("and %(n)s other meeting.", "and %(n)s other meetings.", held["other"])
                % {"n": formatting.number(held["other"])}
                if held["other"]
                else "."
            ),
            f"Uppgifter från mötena den {as_of}: {formatting.number(tasks['total'])} i alla; "
            f"gjorda {formatting.number(tasks['done'])}, pågående "
            f"{formatting.number(tasks['open'])}, försenade {formatting.number(tasks['overdue'])}.",
        ],
        bullets=[
            f"Beslut {formatting.day(date.fromisoformat(day))}: {text}"
            for day, text in c["decisions"]
        ],
        header=["Uppgift som inte är gjord", "Organisation", "Klar senast", "Läge"]
        if c["unfinished"]
        else [],
        rows=[
            [
                text,
                organisation,
                formatting.day(date.fromisoformat(due)),
                "försenad" if late else "pågår",
            ]
            for text, organisation, due, late in c["unfinished"]
        ],
    )


def _measures(c: dict[str, Any]) -> Section:
    plan = c["measures"]
    if plan["plan"] is None:
        return Section(
            "Åtgärdsplanens åtgärder",
            paragraphs=["Ingen beslutad åtgärdsplan gäller för perioden."],
        )
    return Section(
        "Åtgärdsplanens åtgärder",
        paragraphs=[f"Åtgärdsplan: {plan['plan']}. Färgen är den senaste uppföljningens."],
        header=["Åtgärd", "Ansvarig", "Klar senast", "Senaste uppföljning"],
        rows=[
            [
                title_,
                responsible,
                formatting.day(date.fromisoformat(deadline)),
                pa.COLOURS_SV[colour]
                + (f" ({formatting.day(date.fromisoformat(on))})" if on else ""),
            ]
            for title_, responsible, deadline, colour, on in plan["rows"]
        ],
    )


def pdf_bytes(doc: AnalysisDocument) -> bytes:
    from weasyprint import HTML

    with translation.override("sv"):
        html = render_to_string(
            "documents/period_analysis.html",
            {
                "title": title(doc),
                "period": period_heading(doc),
                "status": status_line(doc),
                "doc": doc,
                "sections": sections(doc),
                "images": doc.images,
            },
        )
    return HTML(string=html).write_pdf()


def docx_bytes(doc: AnalysisDocument) -> bytes:
    from .word import sections_docx

    with translation.override("sv"):
        document = sections_docx(
            title(doc), [period_heading(doc), status_line(doc)], sections(doc), doc.images
        )
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
