"""Changing a kommun's branding (issue 13, item 3): colour, header and footer text, logo and its
own Word template. ``validate`` is the one check, used by the form and by ``save_branding`` (the
one door that writes), so no door stores a colour white text cannot be read on, a logo with
metadata, a text with a personnummer or a Word template the documents cannot be rendered into.
documents/branding.py reads what is saved here."""

from __future__ import annotations

import hashlib
import io
import re
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from samtrygg.audit.models import AuditAction
from samtrygg.audit.services import diff, record

from .models import Municipality, MunicipalityBranding

MIN_CONTRAST = 4.5  # WCAG 2.1 AA for normal text: white text on the colour
LOGO_MAX_BYTES = 500 * 1024
LOGO_MAX_WIDTH = 600  # pixels; a wider logo is scaled down
LOGO_MAX_PIXELS = 25_000_000  # refused before decoding: a small file can claim a huge image
TEMPLATE_MAX_BYTES = 5 * 1024 * 1024
TEXT_MAX = 200

_HEX = re.compile(r"#?([0-9a-fA-F]{6})")


def relative_luminance(colour: str) -> float:
    """WCAG 2.x relative luminance of an sRGB colour "#rrggbb"."""
    digits = colour.lstrip("#")

    def channel(index: int) -> float:
        c = int(digits[index : index + 2], 16) / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    return 0.2126 * channel(0) + 0.7152 * channel(2) + 0.0722 * channel(4)


def contrast_with_white(colour: str) -> float:
    """The WCAG contrast ratio of white against the colour, 1 to 21."""
    return 1.05 / (relative_luminance(colour) + 0.05)


@dataclass(frozen=True)
class BrandingValues:
    """Checked values, ready to save. ``logo``/``word_template``: None keeps what is saved."""

    colour: str
    header_text: str
    footer_text: str
    logo: bytes | None = None
    remove_logo: bool = False
    word_template: bytes | None = None
    remove_template: bool = False


def _colour_problem(value: str) -> tuple[str, str | None]:
    match = _HEX.fullmatch(value.strip())
    if match is None:
        return value, _("Write the colour as # and six hexadecimal digits, e.g. #0b4f8a.")
    colour = "#" + match.group(1).lower()
    ratio = contrast_with_white(colour)
    if ratio < MIN_CONTRAST:
        return colour, _(
            "White text on %(colour)s has a contrast of only %(ratio)s:1; at least 4.5:1 is "
            "needed so everybody can read it. Choose a darker colour."
        ) % {"colour": colour, "ratio": f"{ratio:.2f}".replace(".", ",")}
    return colour, None


def _text_problems(text: str) -> list[str]:
    from samtrygg.incidents.services import check_free_text

    problems = []
    if len(text) > TEXT_MAX:
        problems.append(_("At most %(n)s characters.") % {"n": TEXT_MAX})
    # Only what is refused outright (personnummer, samordningsnummer): a header or footer may
    # well hold the kommun's phone number or e-mail address.
    for errors in check_free_text({"text": text}, confirm_flagged=True).values():
        problems.extend(str(error.message) for error in errors)
    return problems


def _clean_logo(data: bytes) -> bytes:
    """The logo as a fresh PNG: PNG only, at most LOGO_MAX_BYTES, scaled to at most
    LOGO_MAX_WIDTH pixels wide, re-encoded so that no metadata (EXIF, text chunks, ICC
    profile) survives."""
    from PIL import Image, UnidentifiedImageError

    if len(data) > LOGO_MAX_BYTES:
        raise ValidationError(
            _("The logo is larger than %(max)d kB: make it smaller.")
            % {"max": LOGO_MAX_BYTES // 1024}
        )
    not_png = _("The logo must be a PNG image.")
    try:
        with Image.open(io.BytesIO(data)) as probe:
            if probe.format != "PNG":
                raise ValidationError(not_png)
            width, height = probe.size
            if width * height > LOGO_MAX_PIXELS:
                raise ValidationError(_("The logo is too large an image."))
            probe.verify()
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            rgba = image.convert("RGBA") if image.mode not in ("RGB", "RGBA") else image.copy()
    except ValidationError:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise ValidationError(not_png) from None
    if rgba.width > LOGO_MAX_WIDTH:
        height = max(1, round(rgba.height * LOGO_MAX_WIDTH / rgba.width))
        rgba = rgba.resize((LOGO_MAX_WIDTH, height), Image.Resampling.LANCZOS)
    clean = Image.new(rgba.mode, rgba.size)
    clean.paste(rgba)
    out = io.BytesIO()
    clean.save(out, format="PNG", optimize=True)
    return out.getvalue()


def template_problems(data: bytes) -> list[str]:
    from samtrygg.documents import word_template

    if len(data) > TEMPLATE_MAX_BYTES:
        return [
            _("The Word template is larger than %(max)d MB.")
            % {"max": TEMPLATE_MAX_BYTES // 1024 // 1024}
        ]
    return word_template.check(data)


def validate(
    *,
    colour: str,
    header_text: str = "",
    footer_text: str = "",
    logo: bytes | None = None,
    remove_logo: bool = False,
    word_template: bytes | None = None,
    remove_template: bool = False,
) -> BrandingValues:
    """Every check, field by field; raises one ValidationError with all the problems."""
    errors: dict[str, list[str]] = {}
    colour, problem = _colour_problem(colour or "")
    if problem:
        errors["colour"] = [problem]
    header_text = (header_text or "").strip()
    footer_text = (footer_text or "").strip()
    for name, text in (("header_text", header_text), ("footer_text", footer_text)):
        if problems := _text_problems(text):
            errors[name] = problems
    clean: bytes | None = None
    if logo and not remove_logo:
        try:
            clean = _clean_logo(logo)
        except ValidationError as error:
            errors["logo"] = list(error.messages)
    if word_template and not remove_template and (problems := template_problems(word_template)):
        errors["word_template"] = problems
    if errors:
        raise ValidationError(errors)
    return BrandingValues(
        colour=colour,
        header_text=header_text,
        footer_text=footer_text,
        logo=clean,
        remove_logo=remove_logo,
        word_template=word_template if word_template and not remove_template else None,
        remove_template=remove_template,
    )


def _describe(data: Any, kind: str) -> str | None:
    """What the audit log says about a file: its kind, size and a short fingerprint, never
    its bytes."""
    if not data:
        return None
    data = bytes(data)
    return f"{kind}, {len(data)} B, sha256 {hashlib.sha256(data).hexdigest()[:12]}"


def _values(row: MunicipalityBranding) -> dict[str, Any]:
    return {
        "colour": row.colour,
        "header_text": row.header_text,
        "footer_text": row.footer_text,
        "logo": _describe(row.logo, "PNG"),
        "word_template": _describe(row.word_template, "DOCX"),
    }


def save_branding(actor: Any, municipality: Municipality, **values: Any) -> MunicipalityBranding:
    """Check (``validate``) and save the municipality's branding, and log what changed (the
    logo and the template by fingerprint). Refused input raises ValidationError and changes
    nothing. The caller has checked the actor's permission (Permission.MANAGE_BRANDING)."""
    checked = validate(**values)
    with transaction.atomic():
        row, _created = MunicipalityBranding.objects.select_for_update().get_or_create(
            municipality=municipality
        )
        before = _values(row)
        row.colour = checked.colour
        row.header_text = checked.header_text
        row.footer_text = checked.footer_text
        if checked.remove_logo:
            row.logo, row.logo_type = None, ""
        elif checked.logo is not None:
            row.logo, row.logo_type = checked.logo, "image/png"
        if checked.remove_template:
            row.word_template = None
        elif checked.word_template is not None:
            row.word_template = checked.word_template
        row.updated_by = actor if getattr(actor, "is_authenticated", False) else None
        row.save()
        municipality.branding = row  # what this process reads next is what was saved
        changes = diff(before, _values(row))
        if changes:
            record(
                AuditAction.BRANDING_CHANGED,
                actor=actor,
                municipality=municipality,
                obj=row,
                object_repr=municipality.name,
                changes=changes,
            )
    return row


@dataclass(frozen=True)
class HeaderBranding:
    """What the page header needs, read without the logo's bytes (tenancy/policy.access_for
    brings the branding along with the municipality)."""

    colour: str
    header_text: str
    footer_text: str
    has_logo: bool
    version: str  # changes whenever the branding does: the stylesheet's and logo's ?v=


def header_branding(municipality: Municipality) -> HeaderBranding | None:
    """The municipality's saved branding for the page header, or None (the default look)."""
    from django.core.exceptions import ObjectDoesNotExist

    try:
        row = municipality.branding
    except ObjectDoesNotExist:
        return None
    return HeaderBranding(
        colour=row.colour,
        header_text=row.header_text,
        footer_text=row.footer_text,
        has_logo=bool(row.logo_type),
        version=f"{row.updated_at:%Y%m%d%H%M%S%f}",
    )
