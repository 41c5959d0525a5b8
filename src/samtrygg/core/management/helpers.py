"""What the import commands share: finding the municipality and reading the file, with the same
Swedish messages."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import CommandError
from django.utils.translation import gettext as _

from samtrygg.tenancy.models import Municipality


def municipality_or_error(slug: str) -> Municipality:
    municipality = Municipality.objects.filter(slug=slug).first()
    if municipality is None:
        raise CommandError(_("No municipality with the short name “%(slug)s”.") % {"slug": slug})
    return municipality


def read_bytes_or_error(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as error:
        raise CommandError(_("Cannot read the file: %(error)s") % {"error": error}) from None
