"""The Word template every document is rendered into (docxtpl), and the small pieces of Word XML
python-docx has no call for (alt text, repeated header rows, the document language, fields).

A kommun may download the default template (`samtrygg word-template`, or the branding page),
change its styles, header and footer in Word and upload it again; the placeholders below must
stay, and so must the styles the body uses (REQUIRED_STYLES): `check` says which are missing."""

from __future__ import annotations

import io
from typing import Any

from django.utils.translation import gettext as _

from .branding import Branding

REQUIRED_STYLES = (
    "Title",
    "Heading 1",
    "Heading 2",
    "Heading 3",
    "List Bullet",
    "Caption",
    "Note",
    "Samtrygg Table",
)
REQUIRED_PLACEHOLDERS = ("{{ title }}", "{{p body }}")


def default_template(brand: Branding) -> bytes:
    """The default template in the kommun's colour."""
    from docx import Document
    from docx.enum.style import WD_STYLE_TYPE
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt, RGBColor

    document = Document()
    styles = document.styles
    styles["Normal"].font.name = "Calibri"
    styles["Normal"].font.size = Pt(10.5)
    colour = RGBColor.from_string(brand.colour.lstrip("#").upper())
    for name in ("Title", "Heading 1", "Heading 2", "Heading 3"):
        styles[name].font.color.rgb = colour
    note = styles.add_style("Note", WD_STYLE_TYPE.PARAGRAPH)
    note.base_style = styles["Normal"]
    note.font.size = Pt(8.5)
    note.font.color.rgb = RGBColor(0x44, 0x44, 0x44)
    table = styles.add_style("Samtrygg Table", WD_STYLE_TYPE.TABLE)
    table.base_style = styles["Table Grid"]
    table.font.size = Pt(9)

    section = document.sections[0]
    header = section.header.paragraphs[0]
    header.add_run("{{ logo }}")
    header.add_run(" {{ header_text }}")
    footer = section.footer.paragraphs[0]
    footer.add_run("{{ footer_text }}")
    pages = section.footer.add_paragraph()
    pages.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    pages.add_run("{{ page_label }} ")
    field(pages, "PAGE")
    pages.add_run(" {{ of_label }} ")
    field(pages, "NUMPAGES")

    brand_line = document.add_paragraph()
    brand_line.add_run("{{ municipality }}").bold = True
    document.add_paragraph("{{ title }}", style="Title")
    document.add_paragraph("{%p for line in lead %}")
    document.add_paragraph("{{ line }}")
    document.add_paragraph("{%p endfor %}")
    document.add_paragraph("{{p body }}")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def check(template: bytes) -> list[str]:
    """What an uploaded template lacks, in Swedish words for the person who uploaded it."""
    from docx import Document

    try:
        document = Document(io.BytesIO(template))
    except Exception:  # python-docx raises several kinds for a file that is not .docx
        return [_("The file is not a Word document (.docx).")]
    problems = []
    names = {style.name for style in document.styles}
    for name in REQUIRED_STYLES:
        if name not in names:
            problems.append(_("The style “%(name)s” is missing.") % {"name": name})
    text = "\n".join(p.text for p in document.paragraphs)
    for placeholder in REQUIRED_PLACEHOLDERS:
        if placeholder not in text:
            problems.append(
                _("The placeholder %(placeholder)s is missing.") % {"placeholder": placeholder}
            )
    return problems


def field(paragraph: Any, instruction: str) -> None:
    """A Word field (PAGE, NUMPAGES …); Word fills it in when the file opens."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    run = paragraph.add_run()
    parts = [("w:fldChar", "begin"), ("w:instrText", instruction), ("w:fldChar", "separate")]
    for tag, value in parts:
        element = OxmlElement(tag)
        if tag == "w:fldChar":
            element.set(qn("w:fldCharType"), value)
        else:
            element.set(qn("xml:space"), "preserve")
            element.text = value
        run._r.append(element)
    placeholder = OxmlElement("w:t")
    placeholder.text = "1"
    run._r.append(placeholder)
    end = OxmlElement("w:fldChar")
    end.set(qn("w:fldCharType"), "end")
    run._r.append(end)


def describe(picture: Any, text: str) -> None:
    """Alt text on a picture (Word reads it aloud; wp:docPr/@descr)."""
    picture._inline.docPr.set("descr", text)


def repeat_as_header(row: Any) -> None:
    """The row is the table's header: repeated on every page, read as headers."""
    from docx.oxml import OxmlElement

    properties = row._tr.get_or_add_trPr()
    properties.append(OxmlElement("w:tblHeader"))
    for cell in row.cells:
        for paragraph in cell.paragraphs:
            for run in paragraph.runs:
                run.bold = True


def set_language(document: Any, tag: str) -> None:
    """The language Word spell-checks and reads aloud in: on the default run properties."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    defaults = document.styles.element.find(qn("w:docDefaults"))
    if defaults is None:
        return
    run_defaults = defaults.find(qn("w:rPrDefault"))
    if run_defaults is None:
        return
    properties = run_defaults.find(qn("w:rPr"))
    if properties is None:
        properties = OxmlElement("w:rPr")
        run_defaults.append(properties)
    language = properties.find(qn("w:lang"))
    if language is None:
        language = OxmlElement("w:lang")
        properties.append(language)
    language.set(qn("w:val"), tag)
