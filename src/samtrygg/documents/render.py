"""The two renderings of a document (documents/model.Document): a tagged PDF/UA-1 through
WeasyPrint and a Word file from a docxtpl template. Both lay out the same sections; neither adds
words of its own except the page numbers, and both carry the same metadata: title, author (the
kommun), subject, keywords and language."""

from __future__ import annotations

import base64
import io
import re
from dataclasses import dataclass
from typing import Any

from django.template.loader import render_to_string
from django.utils import translation
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from . import word_template
from .branding import Branding, branding_for
from .model import Document, Section

LANGUAGE_TAGS = {"sv": "sv-SE", "en": "en-GB"}


@dataclass
class _Figure:
    data: str
    caption: str


def _css_string(text: str) -> SafeString:
    """Text for a CSS string in the page margins: every character that could end the string
    or the <style> element written as a CSS escape."""
    escaped = re.sub(r"[\\\"'<>&\n\r]", lambda m: f"\\{ord(m.group()):x} ", text)
    return mark_safe(escaped)  # noqa: S308 - every character that could end it is escaped


def _figures(section: Section, images: dict[str, str]) -> list[_Figure]:
    return [_Figure(images[name], caption) for name, caption in section.images if images.get(name)]


def pdf(document: Document) -> bytes:
    from weasyprint import HTML

    brand = branding_for(document.municipality)
    with translation.override(document.language):
        sections = [
            {"section": s, "figures": _figures(s, document.images), **vars(s)}
            for s in document.sections
        ]
        html = render_to_string(
            "documents/document.html",
            {
                "doc": document,
                "brand": brand,
                "sections": sections,
                "header_css": _css_string(brand.header_line),
                "footer_css": _css_string(brand.footer_text),
                "page_label_css": _css_string(gettext("Page")),
                "of_label_css": _css_string(gettext("of")),
            },
        )
    return bytes(HTML(string=html).write_pdf(pdf_variant="pdf/ua-1"))


def docx(document: Document) -> bytes:
    """The Word file: the kommun's own template if it uploaded one, otherwise the default one
    in its colour; the body is built as a sub-document in the template's styles."""
    from docx.shared import Cm
    from docxtpl import DocxTemplate, InlineImage

    brand = branding_for(document.municipality)
    template = brand.word_template or word_template.default_template(brand)
    tpl = DocxTemplate(io.BytesIO(template))
    with translation.override(document.language):
        body = tpl.new_subdoc()
        _body(body.subdocx, document)
        context = {
            "municipality": brand.name,
            "title": document.title,
            "lead": document.lead,
            "body": body,
            "header_text": brand.header_line,
            "footer_text": brand.footer_text,
            "page_label": gettext("Page"),
            "of_label": gettext("of"),
            "logo": (
                InlineImage(tpl, io.BytesIO(brand.logo_png), height=Cm(1.2))
                if brand.logo_png
                else ""
            ),
        }
        tpl.render(context, autoescape=True)
    _metadata(tpl.docx, document, brand)
    out = io.BytesIO()
    tpl.save(out)
    return out.getvalue()


def _metadata(docx_document: Any, document: Document, brand: Branding) -> None:
    properties = docx_document.core_properties
    properties.title = document.title
    properties.author = brand.name
    properties.last_modified_by = brand.name
    properties.subject = document.subject
    properties.keywords = ", ".join(document.keywords)
    properties.language = LANGUAGE_TAGS.get(document.language, document.language)
    properties.comments = "Samtrygg"
    word_template.set_language(docx_document, properties.language)


def _body(sub: Any, document: Document) -> None:
    from docx.shared import Cm

    for section in document.sections:
        sub.add_heading(section.heading, level=min(section.level, 3))
        for text in section.paragraphs:
            sub.add_paragraph(text)
        for text in section.bullets:
            sub.add_paragraph(text, style="List Bullet")
        if section.header:
            _table(sub, section.header, section.rows)
        for figure in _figures(section, document.images):
            picture = sub.add_picture(io.BytesIO(base64.b64decode(figure.data)), width=Cm(15))
            word_template.describe(picture, figure.caption)
            sub.add_paragraph(figure.caption, style="Caption")
        for text in section.notes:
            sub.add_paragraph(text, style="Note")


def _table(sub: Any, header: list[str], rows: list[list[str]]) -> None:
    table = sub.add_table(rows=1, cols=len(header))
    table.style = "Samtrygg Table"
    for cell, value in zip(table.rows[0].cells, header, strict=True):
        cell.text = value
    word_template.repeat_as_header(table.rows[0])
    for row in rows:
        for cell, value in zip(table.add_row().cells, row, strict=True):
            cell.text = str(value)
