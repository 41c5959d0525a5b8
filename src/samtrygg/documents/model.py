"""One document model for every document Samtrygg makes (issue 13, item 2).

A document — the statutory lägesbild, the weekly EST lägesbild, the tertial analysis, the
åtgärdsplan, the KF report, meeting minutes, an evaluation, a medborgarlöfte's follow-up — is
built once as a `Document`: its title, the lines under the title, and `Section`s of headings,
paragraphs, bullets, one table of text cells, images with captions and notes. Every number in it
is already text from the one formatter and every word is already translated, so the two
renderings (documents/render.py: PDF through WeasyPrint, Word through a docxtpl template) only
lay it out and cannot say different things."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from samtrygg.tenancy.models import Municipality


@dataclass
class Section:
    heading: str
    paragraphs: list[str] = field(default_factory=list)
    bullets: list[str] = field(default_factory=list)
    header: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)
    images: list[tuple[str, str]] = field(default_factory=list)  # (image name, caption)
    notes: list[str] = field(default_factory=list)  # after the table and images
    level: int = 1  # 1: a part of the document; 2 and 3: a sub-part of the part above


@dataclass
class Document:
    title: str
    subject: str  # the kind of document, in the document's language: the PDF and Word subject
    lead: list[str]  # the lines under the title
    sections: list[Section]
    images: dict[str, str] = field(default_factory=dict)  # name → base64 PNG
    municipality: Municipality | None = None  # the author; its branding heads every page
    language: str = "sv"
    keywords: list[str] = field(default_factory=list)

    @property
    def author(self) -> str:
        return self.municipality.name if self.municipality is not None else "Samtrygg"
