"""The statutory lägesbild as a Word document (python-docx): the same parts as the PDF, with a
table of contents and page numbers as Word fields (Word fills them in when the file opens)."""

from __future__ import annotations

import base64
import io
from typing import TYPE_CHECKING, Any

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

from samtrygg.core import formatting

if TYPE_CHECKING:
    from .situation_report import DocumentData


def _field(paragraph: Any, instruction: str) -> None:
    """A Word field (PAGE, NUMPAGES, TOC …) in the paragraph."""
    run = paragraph.add_run()
    begin = OxmlElement("w:fldChar")
    begin.set(qn("w:fldCharType"), "begin")
    text = OxmlElement("w:instrText")
    text.set(qn("xml:space"), "preserve")
    text.text = instruction
    separate = OxmlElement("w:fldChar")
    separate.set(qn("w:fldCharType"), "separate")
    placeholder = OxmlElement("w:t")
    placeholder.text = "1" if "PAGE" in instruction else "Högerklicka och välj Uppdatera fält."
    end = OxmlElement("w:fldChar")
    end.set(qn("w:fldCharType"), "end")
    for element in (begin, text, separate, placeholder, end):
        run._r.append(element)


def _table(document: Any, header: list[str], rows: list[list[Any]]) -> None:
    table = document.add_table(rows=1, cols=len(header))
    table.style = "Light Grid Accent 1"
    for cell, value in zip(table.rows[0].cells, header, strict=True):
        cell.text = value
    for row in rows:
        cells = table.add_row().cells
        for cell, value in zip(cells, row, strict=True):
            cell.text = _text(value)


def _text(value: Any) -> str:
    """A table cell as the PDF writes it: a hidden count "dolt", numbers the Swedish way."""
    if value is None:
        return "dolt"
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    decimals = 0 if float(value).is_integer() else 1
    return formatting.number(value, decimals)


def _image(document: Any, encoded: str | None, caption: str) -> None:
    if not encoded:
        return
    document.add_picture(io.BytesIO(base64.b64decode(encoded)), width=Cm(15))
    document.add_paragraph(caption, style="Caption")


def _contributions(document: Any, data: DocumentData) -> None:
    """Part 2's "Andra aktörers lägesbilder", as in the PDF."""
    from samtrygg.situation.contributions import FIGURE_TABLE_HEADER, figure_rows

    if not data.contributions:
        return
    document.add_heading("Andra aktörers lägesbilder", 2)
    document.add_paragraph(
        "Lägesbilder som samverkande aktörer har lämnat till kommunens gemensamma lägesbild, "
        "med aktörens egen text och siffror."
    )
    for party in data.contributions:
        document.add_heading(f"{party['organisation']}: {party['title']}", 3)
        document.add_paragraph(f"{party['source']}. Period: {party['period']}.")
        if party["key_messages"]:
            document.add_heading("Nyckelbudskap", 4)
        for message in party["key_messages"]:
            document.add_paragraph(message, style="List Bullet")
        for section in party["sections"]:
            document.add_heading(section["heading"], 4)
            document.add_paragraph(section["text"])
        rows = figure_rows(party)
        if rows:
            _table(document, FIGURE_TABLE_HEADER, rows)


def _new_document() -> Any:
    """A Word document in the documents' font, with "Sida N av M" in the footer."""
    document = Document()
    document.styles["Normal"].font.name = "Calibri"
    document.styles["Normal"].font.size = Pt(10.5)
    footer = document.sections[0].footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    footer.add_run("Sida ")
    _field(footer, "PAGE")
    footer.add_run(" av ")
    _field(footer, "NUMPAGES")
    return document


def situation_report_docx(data: DocumentData, methods: list[tuple[str, str]]) -> Any:
    c, images = data.content, data.images
    document = _new_document()

    document.add_paragraph(data.municipality.name)
    document.add_heading(data.title, level=0)
    document.add_paragraph(
        "Lägesbild enligt lag (2023:196) om kommuners ansvar för brottsförebyggande arbete, 4 §."
    )
    from .situation_report import (
        DAY_MARK,
        base_map_credit,
        consequences_text,
        day_population_notes,
        fire_table,
        periods_text,
        reported_crime_table,
        small_population_note,
        split_findings,
        summary_sentence,
        survey_table,
    )

    document.add_paragraph(
        f"{periods_text(data)} Version {data.version}. "
        + ("Godkänd." if data.status == "approved" else "Utkast – inte godkänt.")
    )
    document.add_heading("Innehåll", level=1)
    _field(document.add_paragraph(), 'TOC \\o "1-2" \\h \\z \\u')
    document.add_page_break()

    document.add_heading("Sammanfattning", level=1)
    document.add_paragraph(summary_sentence(c))
    key_messages, more_findings = split_findings(data.findings)
    if key_messages:
        document.add_heading("Det viktigaste", 2)
    for finding in key_messages:
        document.add_paragraph(finding["text"], style="List Bullet")

    document.add_heading("1. Kartläggning av brottsligheten, dess omfattning och konsekvenser", 1)
    crime = reported_crime_table(c)
    if crime:
        document.add_heading("Anmälda brott", 2)
        document.add_paragraph(crime["intro"])
        _table(document, crime["header"], crime["rows"])
        for caveat in crime["caveats"]:
            document.add_paragraph(caveat, style="List Bullet")
        _image(
            document,
            images.get("chart_reported_crime"),
            "Anmälda brott per 100 000 invånare per år: kommunen, länet, riket och, där talen "
            "finns, kommungruppen.",
        )
        document.add_paragraph(crime["source"])
    survey = survey_table(c)
    if survey:
        document.add_heading("Trygghet och utsatthet enligt enkäter", 2)
        document.add_paragraph(survey["intro"])
        _table(document, survey["header"], survey["rows"])
    fire = fire_table(c)
    if fire:
        document.add_heading("Bränder (räddningstjänsten)", 2)
        _table(document, fire["header"], fire["rows"])
        document.add_paragraph(fire["source"])
    if crime or survey or fire:
        document.add_heading("Händelser som rapporterats i Samtrygg", 2)
    document.add_heading("Händelser per kategori", 2)
    _table(
        document,
        ["Kategori", "Perioden", "Perioden före", "Kostnad", "Polisanmäld andel"],
        [
            [
                r["category"],
                r["count"],
                r["previous"],
                "–" if r["cost"] is None else formatting.money(r["cost"]),
                "–" if r["police_share"] is None else formatting.percent(r["police_share"]),
            ]
            for r in c["by_category"]
        ],
    )
    _image(document, images.get("chart_categories"), "Figur 1. Händelser per kategori.")
    document.add_heading("Var: områden och kartor", 2)
    _table(
        document,
        ["Område", "Händelser", "Perioden före", "Invånare", "Per 1 000 invånare"],
        [
            [
                r["area"],
                r["count"],
                r["previous"],
                "–" if r["population"] is None else formatting.number(r["population"]),
                "–"
                if r["rate"] is None
                else formatting.number(r["rate"], 1)
                + ("*" if r.get("small_population") else "")
                + (DAY_MARK if r.get("many_by_day") else ""),
            ]
            for r in c["by_area"]
        ],
    )
    if small_population_note(c):
        document.add_paragraph(small_population_note(c))
    for note in day_population_notes(c):
        document.add_paragraph(note)
    _image(document, images.get("map_areas"), "Figur 2. Händelser per område.")
    _image(document, images.get("map_density"), "Figur 3. Täthet av händelser (kärnskattning).")
    _image(
        document,
        images.get("map_hotspots"),
        "Figur 4. Heta punkter: platser med tydligt fler händelser än omgivningen.",
    )
    if base_map_credit() and images.get("map_areas"):
        document.add_paragraph(base_map_credit())
    document.add_heading("När: trender och tidsmönster", 2)
    _image(document, images.get("chart_monthly"), "Figur 5. Händelser per månad.")
    _table(document, ["Månad", "Händelser"], [[r["month"], r["count"]] for r in c["monthly"]])
    _image(
        document,
        images.get("chart_weekday_hour"),
        "Figur 6. Händelser per veckodag och tid på dygnet (block om sex timmar).",
    )
    document.add_heading("Konsekvenser", 2)
    document.add_paragraph(consequences_text(c))
    costliest = c["consequences"]["costliest"]
    if costliest:
        _table(
            document,
            ["Kategorier med störst skadekostnad", "Kostnad"],
            [[r["category"], formatting.money(r["cost"])] for r in costliest],
        )
    document.add_heading("Polisens händelser", 2)
    document.add_paragraph(
        f"{formatting.number(c['police']['total'])} av Polisens publicerade händelser gällde "
        f"kommunen ({formatting.number(c['police']['county'])} till gällde länet som helhet)."
    )

    document.add_heading("2. Annan relevant information", 1)
    for table in c["tables"]:
        document.add_heading(table["title"], 2)
        document.add_paragraph(f"Källa: {table['source']}")
        _table(document, table["columns"], table["rows"])
    if not c["tables"]:
        document.add_paragraph(
            "Inga trygghetsundersökningar eller tabeller från Brå har importerats."
        )
    _contributions(document, data)
    if data.other_information:
        document.add_paragraph(data.other_information)

    document.add_heading("3. Analys", 1)
    document.add_paragraph(data.analysis_text or "Analytikerns text saknas ännu.")
    if more_findings:
        document.add_heading("Fler iakttagelser ur data", 2)
    for finding in more_findings:
        document.add_paragraph(finding["text"], style="List Bullet")
    if not data.findings:
        document.add_paragraph("Inga iakttagelser ur data har godtagits.")

    document.add_heading("Källor som använts och som lämnats utanför", 1)
    document.add_heading("Använda", 2)
    for source in c["sources"]:
        document.add_paragraph(source, style="List Bullet")
    for party in data.contributions:
        document.add_paragraph(
            f"{party['organisation']}, {party['title']} ({party['period']})", style="List Bullet"
        )
    document.add_heading("Lämnade utanför", 2)
    for source in data.sources_left_out or ["Inga angivna."]:
        document.add_paragraph(source, style="List Bullet")

    document.add_heading("Beslut", 1)
    if data.approval:
        a = data.approval
        document.add_paragraph(
            f"Lägesbilden godkändes av {a['body']} den {a['date']:%Y-%m-%d}"
            + (f" (dnr {a['diarienummer']})" if a["diarienummer"] else "")
            + f". Nästa uppdatering senast {a['next_update_due']:%Y-%m-%d}."
        )
    else:
        document.add_paragraph(
            "Utkast. Lägesbilden är inte godkänd. Beslutande organ, datum och dnr: "
        )

    document.add_heading("Bilaga: metod", 1)
    for heading, text in methods:
        document.add_heading(heading, 2)
        document.add_paragraph(text)
    return document
