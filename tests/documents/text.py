"""Reading the two renderings of a document back as text, to show they say the same (issue 13,
item 2), and checking a PDF with an independent PDF/UA-1 validator (item 4).

The validator is `page` (page-validation on PyPI): a PDF/A and PDF/UA-1 checker written apart
from WeasyPrint, which passes veraPDF's own test corpus; it runs without Java."""

from __future__ import annotations

import ctypes
import io
import re
from typing import Any

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_raw
from docx import Document
from docx.oxml.ns import qn
from docx.table import Table
from docx.text.paragraph import Paragraph

PAGE_NUMBER = re.compile(r"(Sida|Page) \d+ (av|of) \d+")


def normal(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("\u00a0", " ")).strip()


def _object_text(page_text: Any, obj: Any) -> str:
    size = pdfium_raw.FPDFTextObj_GetText(obj, page_text, None, 0)
    buffer = ctypes.create_string_buffer(size)
    pdfium_raw.FPDFTextObj_GetText(
        obj, page_text, ctypes.cast(buffer, ctypes.POINTER(ctypes.c_ushort)), size
    )
    return buffer.raw[: max(size - 2, 0)].decode("utf-16-le")


MARGIN = 1.8 / 2.54 * 72  # points: the page margins are 2 cm or more; their text sits inside


def pdf_pages(raw: bytes) -> list[list[str]]:
    """Each page's text objects in the order WeasyPrint drew them (the order of the document:
    a table cell by cell), whitespace normalised, without list bullets and without the page
    margins (page number, the kommun's header and footer lines), which Word keeps in its header
    and footer. (The text of the page as a whole is ordered by position, which mixes the lines
    of the cells of a table row.)"""
    pages = []
    for page in pdfium.PdfDocument(raw):
        page_text = page.get_textpage()
        height = page.get_height()
        lines = []
        for obj in page.get_objects(filter=[pdfium_raw.FPDF_PAGEOBJ_TEXT]):
            _left, bottom, _right, top = obj.get_bounds()
            if bottom > height - MARGIN or top < MARGIN:
                continue
            text = normal(_object_text(page_text, obj))
            if text and text != "•" and not PAGE_NUMBER.fullmatch(text):
                lines.append(text)
        pages.append(lines)
    return pages


def pdf_words(raw: bytes, headers: list[list[str]]) -> list[str]:
    """The PDF's words in order; a table that goes on to a new page repeats its header row
    there (WeasyPrint repeats <thead>), which is left out once. `headers` are the document's
    table header rows."""
    header_words = [" ".join(h).split() for h in headers if h]
    found: list[str] = []
    for number, page in enumerate(pdf_pages(raw)):
        page_words = " ".join(page).split()
        for header in header_words:
            if number and page_words[: len(header)] == header:
                page_words = page_words[len(header) :]
                break
        found += page_words
    return found


def pdf_lines(raw: bytes) -> list[str]:
    return [line for page in pdf_pages(raw) for line in page]


def word_lines(raw: bytes) -> list[str]:
    """The Word file's paragraphs and table cells in the order of the body, whitespace
    normalised, the empty ones left out."""
    document = Document(io.BytesIO(raw))
    lines = []
    for child in document.element.body.iterchildren():
        if child.tag == qn("w:p"):
            lines.append(Paragraph(child, document).text)
        elif child.tag == qn("w:tbl"):
            for row in Table(child, document).rows:
                lines += [cell.text for cell in row.cells]
    return [normal(line) for line in lines if normal(line)]


def words(lines: list[str]) -> list[str]:
    """A PDF wraps a long paragraph or cell over lines where Word keeps one: compare words."""
    return " ".join(lines).split()


def joined_at_dashes(found: list[str]) -> list[str]:
    """A PDF may break a line after a dash or hyphen ("5,4–" / "8,4 %" in a narrow cell) where
    Word keeps one word: a word ending in one is joined to the next, in both renderings alike
    (a dash standing alone, a missing value "–", stays a word)."""
    out: list[str] = []
    for word in found:
        if out and len(out[-1]) > 1 and out[-1].endswith(("–", "-")):
            out[-1] += word
        else:
            out.append(word)
    return out


def assert_same_words(pdf: bytes, docx: bytes, document: Any) -> None:
    """The PDF and the Word file of one documents.model.Document say the same words in the
    same order (apart from the page margins, which Word keeps in its header and footer)."""
    headers = [s.header for s in document.sections if s.header]
    in_pdf = joined_at_dashes(pdf_words(pdf, headers))
    in_word = joined_at_dashes(words(word_lines(docx)))
    if in_pdf != in_word:
        first = next(
            (i for i, (a, b) in enumerate(zip(in_pdf, in_word, strict=False)) if a != b),
            min(len(in_pdf), len(in_word)),
        )
        raise AssertionError(
            f"PDF and Word differ at word {first}: "
            f"PDF …{' '.join(in_pdf[max(first - 8, 0) : first + 8])}… / "
            f"Word …{' '.join(in_word[max(first - 8, 0) : first + 8])}…"
        )


def pdf_ua_failures(raw: bytes) -> list[str]:
    """What the independent validator finds against PDF/UA-1; empty when the PDF conforms."""
    import page

    report = page.validate_pdf_bytes(raw, profile="ua1")
    return [f"{f.rule_id}: {f.message}" for f in report.failures]


def word_metadata(raw: bytes) -> dict[str, str]:
    properties = Document(io.BytesIO(raw)).core_properties
    return {
        "title": properties.title,
        "author": properties.author,
        "subject": properties.subject,
        "language": properties.language,
        "last_modified_by": properties.last_modified_by,
    }


def pdf_metadata(raw: bytes) -> dict[str, str]:
    document = pdfium.PdfDocument(raw)
    return {key.lower(): value for key, value in document.get_metadata_dict().items()}
