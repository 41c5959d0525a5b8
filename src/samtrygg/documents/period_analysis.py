"""The tertial (or quarterly) analysis as one document (documents/model.py): its sections
(headings, sentences, tables as text cells, images with captions) are built once here, through
the translation system and the one formatter, and the PDF and the Word file (documents/render.py)
only lay them out, so the two say the same."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

from samtrygg.core import formatting
from samtrygg.situation import period_analysis as pa
from samtrygg.situation.models import AnalysisStatus, PeriodAnalysis

from . import render as render_document
from .model import Document, Section
from .situation_report import base_map_credit, render_images, reported_crime_table, summary_sentence


def _titles() -> dict[str, str]:
    return {"tertial": _("Tertial analysis"), "quarter": _("Quarterly analysis")}


@dataclass
class AnalysisDocument:
    municipality: Any  # tenancy.Municipality: the author
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
                finalised = _("%(date)s by %(name)s") % {
                    "date": finalised,
                    "name": by.full_name or by.email,
                }
    return AnalysisDocument(
        municipality=analysis.municipality,
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
        municipality=municipality,
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
    return _("hidden") if value is None else formatting.number(value)


def title(doc: AnalysisDocument) -> str:
    return f"{_titles()[doc.kind]} {doc.municipality.name}"


def period_heading(doc: AnalysisDocument) -> str:
    """ "Tertial 2 2026: 1 maj–31 augusti 2026"."""
    return f"{pa.heading(doc.kind, doc.year, doc.number)}: {formatting.period(doc.first, doc.last)}"


def status_line(doc: AnalysisDocument) -> str:
    if doc.status == AnalysisStatus.FINAL:
        return _("Final, adopted %(finalised)s. Produced %(at)s.") % {
            "finalised": doc.finalised,
            "at": doc.generated_at,
        }
    return _("Draft – not adopted. Produced %(at)s.") % {"at": doc.generated_at}


def sections(doc: AnalysisDocument) -> list[Section]:
    with translation.override("sv"):
        return _sections(doc)


def _sections(doc: AnalysisDocument) -> list[Section]:
    c = doc.content
    previous = [date.fromisoformat(d) for d in c["previous_period"]]
    out = [
        Section(
            _("The most important"),
            bullets=doc.key_messages,
            paragraphs=[] if doc.key_messages else [_("No messages chosen yet.")],
        ),
        Section(
            _("Summary"),
            paragraphs=[
                pa.year_earlier_words(summary_sentence(c)),
                _("Comparison period: %(period)s, the same period a year earlier.")
                % {"period": formatting.period(*previous)},
            ],
        ),
        Section(
            _("What happened: incidents per category"),
            header=[_("Category"), _("The period"), _("The same period a year earlier")],
            rows=[[r["category"], _n(r["count"]), _n(r["previous"])] for r in c["by_category"]],
            images=[
                (
                    "chart_categories",
                    _("Incidents per category, the period and the year before."),
                )
            ],
        ),
        Section(
            _("Where: incidents per area"),
            header=[
                pgettext("place", "Area"),
                _("The period"),
                _("The same period a year earlier"),
            ],
            rows=[[r["area"], _n(r["count"]), _n(r["previous"])] for r in c["by_area"]],
            images=[
                ("map_areas", _("Incidents per area.")),
                (
                    "map_hotspots",
                    _("Hot spots: places with clearly more incidents than their surroundings."),
                ),
            ],
            notes=[
                *(
                    _(
                        "Hot spots in %(area)s: %(surface)s of the surface, %(incidents)s of "
                        "the incidents with a place."
                    )
                    % {
                        "area": s["area"],
                        "surface": formatting.percent(s["surface_percent"], 1),
                        "incidents": formatting.percent(s["incident_percent"]),
                    }
                    for s in c.get("hotspot_shares", [])[:5]
                ),
                *([base_map_credit()] if base_map_credit() else []),
            ],
        ),
        Section(
            _("Trend: incidents per month"),
            header=[_("Month"), _("Incidents")],
            rows=[[r["month"], _n(r["count"])] for r in c["monthly"]],
            images=[("chart_monthly", _("Incidents per month."))],
        ),
        _coverage(c),
        _done(c),
        _measures(c),
    ]
    crime = reported_crime_table(c)
    if crime:
        out.append(
            Section(
                _("Context: reported crimes per 100 000 inhabitants"),
                paragraphs=[crime["intro"]],
                header=crime["header"],
                rows=crime["rows"],
                notes=[crime["source"]],
            )
        )
    out += [
        Section(_("Assessment"), paragraphs=_paragraphs(doc.assessment, _("No assessment yet."))),
        Section(
            _("Proposed decision"),
            paragraphs=_paragraphs(doc.proposals, _("No proposed decisions yet.")),
        ),
        Section(
            _("Sources and method"),
            bullets=c["sources"],
            paragraphs=[
                _(
                    "Incidents in categories with restricted visibility are not included. "
                    "Counts under %(threshold)s are not shown, nor are counts that could "
                    "otherwise be worked out from them: both read “hidden”. The comparison is "
                    "with the same calendar period a year earlier, and no change is given "
                    "where the data start late or where the number of reporting organisations "
                    "changed a lot."
                )
                % {"threshold": c["threshold"]}
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
        _("Reporting week by week"),
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
        header=[_("Week"), _("Reports"), _("Organisations")],
        rows=[
            [str(week), formatting.number(n), formatting.number(orgs)]
            for week, n, orgs in cov["weeks"]
        ],
    )


def _done(c: dict[str, Any]) -> Section:
    held, tasks = c["meetings"], c["tasks"]
    as_of = formatting.day(date.fromisoformat(c["as_of"]))
    return Section(
        _("What was done: EST meetings, decisions and tasks"),
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
            _(
                "Tasks from the meetings on %(date)s: %(total)s in all; done %(done)s, "
                "ongoing %(open)s, overdue %(overdue)s."
            )
            % {
                "date": as_of,
                "total": formatting.number(tasks["total"]),
                "done": formatting.number(tasks["done"]),
                "open": formatting.number(tasks["open"]),
                "overdue": formatting.number(tasks["overdue"]),
            },
        ],
        bullets=[
            _("Decision %(date)s: %(text)s")
            % {"date": formatting.day(date.fromisoformat(day)), "text": text}
            for day, text in c["decisions"]
        ],
        header=[_("Task not done"), _("Organisation"), pgettext("deadline", "Due"), _("State")]
        if c["unfinished"]
        else [],
        rows=[
            [
                text,
                organisation,
                formatting.day(date.fromisoformat(due)),
                pgettext("task", "overdue") if late else pgettext("task", "ongoing"),
            ]
            for text, organisation, due, late in c["unfinished"]
        ],
    )


def _colour(colour: str) -> str:
    return {
        "green": pgettext("follow-up", "green"),
        "yellow": pgettext("follow-up", "yellow"),
        "red": pgettext("follow-up", "red"),
    }.get(colour, _("no follow-up"))


def _measures(c: dict[str, Any]) -> Section:
    plan = c["measures"]
    if plan["plan"] is None:
        return Section(
            _("The åtgärdsplan's measures"),
            paragraphs=[_("No decided åtgärdsplan applies to the period.")],
        )
    return Section(
        _("The åtgärdsplan's measures"),
        paragraphs=[
            _("Åtgärdsplan: %(plan)s. The colour is the latest follow-up's.")
            % {"plan": plan["plan"]}
        ],
        header=[_("Measure"), _("Responsible"), pgettext("deadline", "Due"), _("Latest follow-up")],
        rows=[
            [
                title_,
                responsible,
                formatting.day(date.fromisoformat(deadline)),
                _colour(colour) + (f" ({formatting.day(date.fromisoformat(on))})" if on else ""),
            ]
            for title_, responsible, deadline, colour, on in plan["rows"]
        ],
    )


def document(doc: AnalysisDocument) -> Document:
    with translation.override("sv"):
        return Document(
            title=title(doc),
            subject=_titles()[doc.kind],
            lead=[period_heading(doc), status_line(doc)],
            sections=_sections(doc),
            images=doc.images,
            municipality=doc.municipality,
            keywords=[
                _titles()[doc.kind].lower(),
                pa.heading(doc.kind, doc.year, doc.number),
                _("crime prevention"),
            ],
        )


def pdf_bytes(doc: AnalysisDocument) -> bytes:
    return render_document.pdf(document(doc))


def docx_bytes(doc: AnalysisDocument) -> bytes:
    return render_document.docx(document(doc))
