"""A municipality's branding on its documents (issue 13, item 3): name, logo, colour, header and
footer text, and an optional Word template of its own. Read in one place so the PDF and the Word
rendering, and the pages, show the same."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from samtrygg.tenancy.models import Municipality

DEFAULT_COLOUR = "#0b4f8a"  # 8.0:1 against white


@dataclass(frozen=True)
class Branding:
    name: str
    colour: str = DEFAULT_COLOUR
    header_text: str = ""
    footer_text: str = ""
    logo_png: bytes | None = None
    logo_alt: str = ""
    word_template: bytes | None = None

    @property
    def logo_base64(self) -> str:
        return base64.b64encode(self.logo_png).decode() if self.logo_png else ""

    @property
    def header_line(self) -> str:
        """The line at the top of every page: the kommun's own text, or its name."""
        return self.header_text or self.name


def branding_for(municipality: Municipality | None) -> Branding:
    if municipality is None:
        return Branding(name="Samtrygg")
    saved: Any = _saved(municipality)
    if saved is None:
        return Branding(name=municipality.name)
    return Branding(
        name=municipality.name,
        colour=saved.colour or DEFAULT_COLOUR,
        header_text=saved.header_text,
        footer_text=saved.footer_text,
        logo_png=bytes(saved.logo) if saved.logo else None,
        logo_alt=f"{municipality.name}s logotyp",
        word_template=bytes(saved.word_template) if saved.word_template else None,
    )


def _saved(municipality: Municipality) -> Any:
    """The municipality's saved branding (tenancy.MunicipalityBranding), if it has one."""
    from django.core.exceptions import ObjectDoesNotExist

    try:
        return municipality.branding
    except (ObjectDoesNotExist, AttributeError):
        return None
