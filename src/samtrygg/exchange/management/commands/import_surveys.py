from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from samtrygg.core.management.helpers import municipality_or_error, read_bytes_or_error
from samtrygg.exchange.reference_stats import ReferenceImportError
from samtrygg.exchange.surveys import describe_surveys, import_surveys


class Command(BaseCommand):
    help = (
        "Import a municipality's survey indicators (trygghetsmätning, NTU, own surveys; CSV or "
        "XLSX, the layout in exchange/surveys.py); figures already there are updated."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("municipality", help="the municipality's short name (slug)")
        parser.add_argument("file", type=Path)
        parser.add_argument("--source", default="", help="source text shown")

    def handle(self, *args: Any, **options: Any) -> None:
        municipality = municipality_or_error(options["municipality"])
        raw = read_bytes_or_error(options["file"])
        try:
            result = import_surveys(
                raw, municipality, actor="samtrygg import-surveys", source=options["source"]
            )
        except ReferenceImportError as error:
            raise CommandError("\n".join([_("Nothing was imported."), *error.errors])) from None
        self.stdout.write(describe_surveys(result))
