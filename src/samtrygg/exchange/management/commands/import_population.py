from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from samtrygg.core.management.helpers import read_bytes_or_error
from samtrygg.exchange.reference_stats import ReferenceImportError, describe, import_population


class Command(BaseCommand):
    help = (
        "Import population per region and year from SCB's statistical database (PX-Web CSV or "
        "XLSX); figures already there are updated."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--source", default="SCB, folkmängd 31 december", help="source text shown"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        raw = read_bytes_or_error(options["file"])
        try:
            result = import_population(
                raw, actor="samtrygg import-population", source=options["source"]
            )
        except ReferenceImportError as error:
            raise CommandError("\n".join([_("Nothing was imported."), *error.errors])) from None
        self.stdout.write(describe(result))
