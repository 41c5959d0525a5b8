"""A branded kommun's documents (issue 13, item 3): the PDF and the Word file carry its header
text and logo, and the Word file is rendered into the template the kommun uploaded."""

from __future__ import annotations

import io

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_raw
import pytest
from docx import Document as WordDocument

from samtrygg.documents import render, word_template
from samtrygg.documents.branding import branding_for
from samtrygg.documents.model import Document, Section
from samtrygg.tenancy.branding import save_branding

from ..conftest import World
from ..tenancy.test_branding import png

HEADER = "Alfa kommun · Trygghetsenheten"
FOOTER = "Stadshuset, 301 80 Alfa"


def small(world: World) -> Document:
    return Document(
        title="Lägesbild för centrum",
        subject="Lägesbild",
        lead=["Period 2026"],
        sections=[Section("Sammanfattning", paragraphs=["Lugnt i centrum."])],
        municipality=world.a,
    )


@pytest.fixture
def branded(world: World) -> World:
    save_branding(
        world.alice,
        world.a,
        colour="#1e6b34",
        header_text=HEADER,
        footer_text=FOOTER,
        logo=png(300, 100, colour="#1e6b34"),
    )
    return world


def test_the_pdf_has_the_header_text_and_the_logo(branded: World) -> None:
    raw = render.pdf(small(branded))
    pdf = pdfium.PdfDocument(raw)
    page = pdf[0]
    text = page.get_textpage().get_text_range()
    assert HEADER in text and FOOTER in text
    images = list(page.get_objects(filter=[pdfium_raw.FPDF_PAGEOBJ_IMAGE]))
    assert len(images) == 1


def test_the_pdf_of_an_unbranded_kommun_has_no_logo(world: World) -> None:
    pdf = pdfium.PdfDocument(render.pdf(small(world)))
    assert list(pdf[0].get_objects(filter=[pdfium_raw.FPDF_PAGEOBJ_IMAGE])) == []
    assert "Alfa" in pdf[0].get_textpage().get_text_range()  # the header line: its name


def _header(raw: bytes) -> tuple[str, list[str]]:
    """The first section's header text and the kinds of the parts it links to."""
    header = WordDocument(io.BytesIO(raw)).sections[0].header
    text = "\n".join(p.text for p in header.paragraphs)
    return text, [rel.reltype.rsplit("/", 1)[-1] for rel in header.part.rels.values()]


def test_the_word_file_has_the_header_text_and_the_logo_in_its_header(branded: World) -> None:
    raw = render.docx(small(branded))
    text, linked = _header(raw)
    assert HEADER in text
    assert "image" in linked
    footer = WordDocument(io.BytesIO(raw)).sections[0].footer
    assert FOOTER in "\n".join(p.text for p in footer.paragraphs)
    title = WordDocument(io.BytesIO(raw)).styles["Title"]
    assert str(title.font.color.rgb) == "1E6B34"  # the default template in the kommun's colour


def test_the_word_file_uses_the_uploaded_template(branded: World) -> None:
    document = WordDocument(io.BytesIO(word_template.default_template(branding_for(branded.a))))
    document.styles["Title"].font.name = "Georgia"
    document.styles["Heading 1"].font.italic = True
    document.sections[0].header.add_paragraph("Egen mall för Alfa")
    out = io.BytesIO()
    document.save(out)
    save_branding(
        branded.alice,
        branded.a,
        colour="#1e6b34",
        header_text=HEADER,
        footer_text=FOOTER,
        word_template=out.getvalue(),
    )
    raw = render.docx(small(branded))
    rendered = WordDocument(io.BytesIO(raw))
    assert rendered.styles["Title"].font.name == "Georgia"
    assert rendered.styles["Heading 1"].font.italic is True
    titles = [p for p in rendered.paragraphs if p.text == "Lägesbild för centrum"]
    assert titles and titles[0].style.name == "Title"
    text, linked = _header(raw)
    assert "Egen mall för Alfa" in text and HEADER in text and "image" in linked
    assert "Lugnt i centrum." in "\n".join(p.text for p in rendered.paragraphs)
