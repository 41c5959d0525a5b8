"""The kommun's accessibility statement and personal-data page (issue 14, item 12): public pages
(no login), linked from every page's footer, each with a default text that the kommun's
administrator may replace (Permission.MANAGE_PUBLIC_TEXTS).

The texts are the kommun's own words to the public, written in Swedish like the rest of its
content (lägesbild, åtgärdsplan): the defaults are Swedish templates
(templates/tenancy/public/*_default.txt), not translation entries. They are plain text: a
paragraph per blank-line-separated block, a block starting with "## " is a heading, a block of
lines starting with "- " a list. Everything is escaped."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.template.loader import render_to_string
from django.utils.html import escape, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from samtrygg.audit.models import AuditAction
from samtrygg.audit.services import record

from .models import Municipality, MunicipalityPublicTexts

KINDS = ("accessibility_statement", "personal_data")
MAX_LENGTH = 20000


def default_text(kind: str, municipality: Municipality | None) -> str:
    return render_to_string(
        f"tenancy/public/{kind}_default.txt",
        {
            "municipality": municipality,
            "name": municipality.name if municipality else "kommunen",
            "retention_months": getattr(municipality, "retention_months", None),
        },
    ).strip()


@dataclass(frozen=True)
class PublicText:
    kind: str
    text: str
    is_default: bool
    row: MunicipalityPublicTexts | None

    @property
    def html(self) -> SafeString:
        return render_blocks(self.text)


def public_text(kind: str, municipality: Municipality | None) -> PublicText:
    if kind not in KINDS:
        raise ValueError(kind)
    row = (
        MunicipalityPublicTexts.objects.filter(municipality=municipality).first()
        if municipality is not None
        else None
    )
    own = getattr(row, kind, "") if row is not None else ""
    if own.strip():
        return PublicText(kind, own, False, row)
    return PublicText(kind, default_text(kind, municipality), True, row)


def render_blocks(text: str) -> SafeString:
    """The plain-text format as HTML (escaped): headings, lists and paragraphs."""
    out = []
    for block in text.replace("\r\n", "\n").split("\n\n"):
        lines = [line.rstrip() for line in block.strip().split("\n") if line.strip()]
        if not lines:
            continue
        if lines[0].startswith("## ") and len(lines) == 1:
            out.append(f"<h2>{escape(lines[0][3:].strip())}</h2>")
        elif all(line.startswith("- ") for line in lines):
            items = format_html_join("", "<li>{}</li>", ((line[2:].strip(),) for line in lines))
            out.append(f"<ul>{items}</ul>")
        else:
            if lines[0].startswith("## "):
                out.append(f"<h2>{escape(lines[0][3:].strip())}</h2>")
                lines = lines[1:]
            out.append("<p>" + "<br>".join(escape(line) for line in lines) + "</p>")
    return mark_safe("\n".join(out))  # noqa: S308 - every piece above is escaped


def save_public_texts(
    actor: Any, municipality: Municipality, **texts: str
) -> MunicipalityPublicTexts:
    """Save the kommun's texts (an empty one means the default) and log what changed. The
    caller has checked the actor's permission (Permission.MANAGE_PUBLIC_TEXTS)."""
    cleaned = {}
    for kind in KINDS:
        value = (texts.get(kind) or "").replace("\r\n", "\n").strip()
        if len(value) > MAX_LENGTH:
            raise ValidationError({kind: _("At most %(n)d characters.") % {"n": MAX_LENGTH}})
        cleaned[kind] = value
    with transaction.atomic():
        row, _created = MunicipalityPublicTexts.objects.select_for_update().get_or_create(
            municipality=municipality
        )
        changed = [kind for kind in KINDS if getattr(row, kind) != cleaned[kind]]
        for kind in KINDS:
            setattr(row, kind, cleaned[kind])
        row.updated_by = actor if getattr(actor, "is_authenticated", False) else None
        row.save()
        if changed:
            record(
                AuditAction.PUBLIC_TEXTS_CHANGED,
                actor=actor,
                municipality=municipality,
                obj=row,
                object_repr=municipality.name,
                changes={
                    kind: {"characters": len(cleaned[kind]), "default": not cleaned[kind]}
                    for kind in changed
                },
            )
    return row
