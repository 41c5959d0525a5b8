"""Word documents of plain sections (python-docx) for the documents not yet on the one document
model (documents/model.py, documents/render.py): page numbers as Word fields (Word fills them in
when the file opens)."""

from __future__ import annotations

import base64
import io
from typing import Any

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

from samtrygg.core import formatting


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


def sections_docx(title: str, lead: list[str], sections: list[Any], images: dict[str, str]) -> Any:
    """A document of plain sections (documents/period_analysis.Section): heading, paragraphs,
    bullets, a table of text cells, images with captions, notes; page numbers in the footer."""
    document = _new_document()
    document.add_heading(title, level=0)
    for line in lead:
        document.add_paragraph(line)
    for section in sections:
        document.add_heading(section.heading, level=1)
        for text in section.paragraphs:
            document.add_paragraph(text)
        for text in section.bullets:
            document.add_paragraph(text, style="List Bullet")
        if section.header:
            _table(document, section.header, section.rows)
        for name, caption in section.images:
            _image(document, images.get(name), caption)
        for text in section.notes:
            document.add_paragraph(text)
    return document
